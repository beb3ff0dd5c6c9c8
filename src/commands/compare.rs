//! `drsim compare`: two plans on common random numbers ([`crate::study::compare`]),
//! written as compare.csv, overlaid CDFs and report.html.

use std::path::PathBuf;

use super::shared::CliError;
use crate::cli::{CompareCommand, OutputFormat};
use crate::report::compare::compare_text;
use crate::scenario::ScenarioFile;
use crate::scenario::overrides::{parse_all, parse_all_as};
use crate::store::study_files::{ComparedPlans, write_comparison};
use crate::study::compare::{PlanSource, compare};

/// `drsim compare`'s arguments.
pub type CompareArgs = CompareCommand;

pub fn compare_command(args: CompareArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let (file_a, file_b) = (ScenarioFile::read(&args.a)?, ScenarioFile::read(&args.b)?);
    let a = file_a.load(&parse_all(&args.set)?)?;
    let mut set_b = parse_all(&args.set)?;
    set_b.extend(parse_all_as("--set-b", &args.set_b)?);
    let b = file_b.load(&set_b)?;
    let config = super::shared::run_config(&a, args.simulation);
    let watch = super::interrupt::Terminal::new(args.output.quiet);
    let sources = (
        PlanSource {
            path: &args.a,
            own_overrides: &[],
        },
        PlanSource {
            path: &args.b,
            own_overrides: &args.set_b,
        },
    );
    let comparison = compare((&a, &b), sources, config, &watch)
        .map_err(|e| watch.failed(e, || "the comparison stopped; nothing was written".into()))?;
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join("compare"));
    let text = compare_text((&a, &b), &comparison, config);
    let mut arguments = vec![
        "compare".to_string(),
        args.a.display().to_string(),
        args.b.display().to_string(),
    ];
    arguments.extend(super::shared::flag_each("--set", &args.set));
    arguments.extend(super::shared::flag_each("--set-b", &args.set_b));
    arguments.extend(super::shared::simulation_flags(args.simulation));
    if args.output.no_charts {
        arguments.push("--no-charts".into());
    }
    let plans = ComparedPlans {
        a: (&file_a, &a),
        b: (&file_b, &b),
    };
    let charts = !args.output.no_charts;
    let written = write_comparison(&out, plans, &comparison, &text, charts, arguments)?;
    if !args.output.quiet {
        match args.output.format {
            OutputFormat::Text => {
                print!("{text}");
                println!("wrote {}", written.join(", "));
            }
            OutputFormat::Json => print!(
                "{}",
                crate::report::json::compare_json(&a.source, &b.source, &comparison.rows, &written)
            ),
        }
    }
    Ok(())
}
