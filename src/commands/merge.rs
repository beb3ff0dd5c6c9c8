//! `drsim merge DIR...`: the shards of a run (`run --shard I/N`) become
//! exactly the files one process would have written.
//!
//! The shards must belong together: the same scenario file (by SHA-256),
//! overrides, seed, replication count, options and drsim version, and
//! shards 1 to N each once, whose replications follow one another without
//! gap or overlap. Each shard's files are checked against its manifest. The
//! rows are concatenated in replication order, and the summaries, charts and
//! report are computed from the shards' exact collected values, so every file
//! equals a single run's byte for byte; the manifest names the shards.

use std::path::{Path, PathBuf};

use super::interrupt::{self, Terminal};
use super::shared::{CliError, default_output_dir};
use super::sweep::{SweepOutputs, sweep_dir, write_outputs};
use crate::cli::{MergeCommand, OutputFormat};
use crate::scenario::ScenarioFile;
use crate::store::results_dir::{Provenance, load_recorded_scenario};
use crate::store::run_results::merge_to_directory;
use crate::store::run_shards::{as_merge, read_shards};
use crate::store::shards::{Found, kind_of};
use crate::store::sweep_shards::MergedSweep;

/// `drsim merge`'s arguments.
pub type MergeArgs = MergeCommand;

pub fn merge_command(args: MergeArgs) -> Result<(), CliError> {
    if kind_of(&args.dirs)? == Found::SweepShard {
        return merge_sweep(&args);
    }
    interrupt::install();
    let shards = read_shards(&args.dirs)?;
    let first = &shards[0].manifest;
    let s = load_recorded_scenario(first).map_err(as_merge)?;
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| default_output_dir(Path::new(&first.scenario.path)));
    let provenance = Provenance::recorded(first, args.force);
    let terminal = Terminal::new(true);
    let charts = !args.output.no_charts;
    let text = merge_to_directory(&shards, &s, &out, charts, &provenance, &terminal)?;
    if !args.output.quiet {
        match args.output.format {
            OutputFormat::Text => print!("{}", text.text),
            OutputFormat::Json => print!("{}", text.json),
        }
    }
    Ok(())
}

/// Sweep shards (`sweep --shard`) become exactly the single sweep's files.
fn merge_sweep(args: &MergeArgs) -> Result<(), CliError> {
    interrupt::install();
    let MergedSweep {
        first,
        varied,
        rows,
    } = crate::store::sweep_shards::read_shards(&args.dirs)?;
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| sweep_dir(Path::new(&first.scenario_path)));
    // The merged sweep is the single sweep: its manifest re-makes that.
    let mut recipe = vec!["sweep".to_string(), first.scenario_path.clone()];
    recipe.extend(super::shared::flag_each("--vary", &first.vary));
    recipe.extend(super::shared::flag_each("--set", &first.sets));
    recipe.extend(super::shared::simulation_flags(
        crate::cli::SimulationArgs {
            replications: first.replications,
            seed: first.seed,
            threads: crate::cli::ThreadsArgs { threads: None },
        },
    ));
    let scenario = ScenarioFile::read(&PathBuf::from(&first.scenario_path))?;
    if scenario.sha256 != first.scenario_sha256() {
        return Err(CliError::Merge(format!(
            "the scenario {} changed since the shards ran (SHA-256 {} now, {} then)",
            first.scenario_path,
            scenario.sha256,
            first.scenario_sha256()
        )));
    }
    let outputs = SweepOutputs {
        out: &out,
        quiet: args.output.quiet,
        charts: !args.output.no_charts,
        format: args.output.format,
        scenario: &scenario,
        recipe,
    };
    write_outputs(&outputs, &varied, &rows)
}
