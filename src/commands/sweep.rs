//! `drsim sweep`: the same scenario at every point of a grid of values, on
//! common random numbers (replication `k` draws the same numbers at every
//! point, so differences between points are the parameter's, not noise).

use std::path::{Path, PathBuf};

use super::shared::CliError;
use crate::cli::{OutputFormat, SweepCommand};
use crate::report::sweep::sweep_text;
use crate::scenario::ScenarioFile;
use crate::scenario::overrides::parse_all;
use crate::store::study_files::write_sweep;
use crate::study::sweep::{SweepRow, Varied, grid, sweep};

use crate::store::sweep_shards::{self, SweepQuestion, SweepShardFile};

/// `drsim sweep`'s arguments.
pub type SweepArgs = SweepCommand;

/// The varied keys with their values, from the `--vary` arguments.
pub(super) fn varied_of(vary: &[String]) -> Result<Vec<Varied>, CliError> {
    let varied: Vec<Varied> = vary
        .iter()
        .map(|v| Varied::parse(v))
        .collect::<Result<_, _>>()?;
    crate::study::sweep::check_grid(&varied)?;
    if varied.is_empty() {
        return Err(super::shared::usage_error(
            "--vary",
            "say what to vary: --vary KEY=V1,V2,...".into(),
        ));
    }
    Ok(varied)
}

pub fn sweep_command(args: SweepArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let shard = super::shared::parse_shard(&args.shard)?;
    let quiet = args.output.quiet;
    let varied = varied_of(&args.vary)?;
    let points = grid(&varied);
    // A shard runs only its slice of the points (numbered as in the whole grid).
    let range = shard.map_or(0..points.len(), |shard| {
        let r = shard.range(points.len() as u64);
        r.start as usize..r.end as usize
    });
    let file = ScenarioFile::read(&args.scenario.scenario)?;
    let overrides = parse_all(&args.scenario.set)?;
    let watch = super::interrupt::Terminal::new(quiet);
    let settings = super::shared::settings(args.simulation);
    let rows = sweep(&file, &overrides, &points, range.clone(), settings, &watch)
        .map_err(|e| watch.failed(e, || "the sweep stopped; nothing was written".to_string()))?;
    drop(watch);
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| sweep_dir(&args.scenario.scenario));
    let mut recipe = vec![
        "sweep".to_string(),
        args.scenario.scenario.display().to_string(),
    ];
    recipe.extend(super::shared::flag_each("--vary", &args.vary));
    recipe.extend(super::shared::flag_each("--set", &args.scenario.set));
    recipe.extend(super::shared::simulation_flags(args.simulation));
    if let Some(shard) = shard {
        let question = SweepQuestion {
            scenario: &file,
            sets: &args.scenario.set,
            vary: &args.vary,
            seed: args.simulation.seed,
            replications: args.simulation.replications,
        };
        let shard_file = SweepShardFile::new(&question, shard, points.len(), range.start, &rows)?;
        let written = sweep_shards::write(&out, &shard_file, &file, recipe)?;
        if !quiet {
            println!(
                "sweep shard {}: points {} to {} of {}; wrote {}",
                shard.label(),
                range.start + 1,
                range.end,
                points.len(),
                written.join(", ")
            );
        }
        return Ok(());
    }
    let outputs = SweepOutputs {
        out: &out,
        quiet,
        charts: !args.output.no_charts,
        format: args.output.format,
        scenario: &file,
        recipe,
    };
    write_outputs(&outputs, &varied, &rows)
}

/// Where and how a sweep's results are written (a whole sweep, or merged shards).
#[derive(Debug)]
pub(super) struct SweepOutputs<'a> {
    pub out: &'a Path,
    pub quiet: bool,
    pub charts: bool,
    pub format: OutputFormat,
    /// The scenario file swept, and the arguments (`sweep SCENARIO --vary
    /// ...`, no `--no-charts`) that re-make the sweep, for its manifest.
    pub scenario: &'a ScenarioFile,
    pub recipe: Vec<String>,
}

/// Writes the sweep's files and prints its summary.
pub(super) fn write_outputs(
    o: &SweepOutputs<'_>,
    varied: &[Varied],
    rows: &[SweepRow],
) -> Result<(), CliError> {
    let recipe = o.recipe.clone();
    let written = write_sweep(o.out, varied, rows, o.charts, o.scenario, recipe)?;
    if !o.quiet && o.format == OutputFormat::Json {
        print!("{}", crate::report::json::sweep_json(rows, &written));
    } else if !o.quiet {
        print!("{}", sweep_text(rows));
        println!("wrote {}", written.join(", "));
    }
    Ok(())
}

/// `results/<scenario file stem>-sweep/`.
pub(super) fn sweep_dir(scenario: &Path) -> PathBuf {
    super::shared::output_dir_with_suffix(scenario, "-sweep")
}
