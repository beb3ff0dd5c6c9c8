//! `drsim compare`: two plans on common random numbers ([`crate::study::compare`]),
//! written as compare.csv, overlaid CDFs and report.html.

use std::path::PathBuf;

use super::shared::write_charts;
use super::shared::{CliError, load_scenario, output_error};
use crate::cli::{CompareCommand, OutputFormat};
use crate::report::OutputSet;
use crate::report::chart::compare::charts_for_compare;
use crate::report::compare::{compare_html, compare_text};
use crate::report::csv::compare_csv;
use crate::study::compare::{PlanSource, compare};

/// `drsim compare`'s arguments.
pub type CompareArgs = CompareCommand;

pub fn compare_command(args: CompareArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let a = load_scenario(&args.a, &args.set)?;
    let mut set_b = args.set.clone();
    set_b.extend(args.set_b.iter().cloned());
    let b = load_scenario(&args.b, &set_b)?;
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
    std::fs::create_dir_all(&out).map_err(|e| output_error(&out, e))?;
    let mut set = OutputSet::new();
    let path = out.join("compare.csv");
    let bytes = compare_csv(&comparison.rows).map_err(|e| output_error(&path, e))?;
    set.write(&path, &bytes)
        .map_err(|e| output_error(&path, e))?;
    let text = compare_text((&a, &b), &comparison, config);
    if !args.output.no_charts {
        let charts = charts_for_compare(&a.targets, &comparison)?;
        write_charts(&mut set, &out, &charts)?;
        let page = compare_html((&a, &b), &comparison, &text, &charts);
        let path = out.join("report.html");
        set.write(&path, page.as_bytes())
            .map_err(|e| output_error(&path, e))?;
    }
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
    super::shared::add_study_manifest(
        &mut set,
        &out,
        "compare",
        &[(&args.a, &a.name), (&args.b, &b.name)],
        arguments,
    )?;
    let written = super::shared::commit(set)?;
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
