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

use super::interrupt;
use super::results::{Finish, SHARD_STATE, finish_run};
use super::run::RunOutputs;
use super::shared::{CliError, default_output_dir, output_error};
use super::sweep::{SweepOutputs, sweep_dir, write_outputs};
use crate::cli::{MergeCommand, OutputFormat};
use crate::store::results_dir::{
    Provenance, check_output_dir, load_recorded_scenario, now_rfc3339,
};
use crate::store::run_shards::{Found, as_merge, concatenate, read_shards};
use crate::store::sweep_shards::MergedSweep;

/// `drsim merge`'s arguments.
pub type MergeArgs = MergeCommand;
use crate::metrics::metrics_for;
use crate::montecarlo::RunConfig;
use crate::report::OutputSet;
use crate::report::manifest::MergedShard;
use crate::stats::Collector;

pub fn merge_command(args: MergeArgs) -> Result<(), CliError> {
    if args
        .dirs
        .iter()
        .any(|d| crate::store::sweep_shards::is_sweep_shard(d))
    {
        return merge_sweep(&args);
    }
    if let Some(dir) = args
        .dirs
        .iter()
        .find(|d| crate::store::size_search::is_size_search(d))
    {
        return Err(CliError::Merge(format!(
            "{} is a size search's directory: its shards share it and need no merge; each prints the answer, which is also in {}",
            dir.display(),
            dir.join(crate::store::size_search::SIZE_TEXT).display()
        )));
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
    // Writing into a shard's own directory would replace the shard.
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(f) = shards.iter().find(|f| same(&f.dir, &out)) {
        return Err(CliError::Merge(format!(
            "--out {} is shard {}'s own directory; merge into another one",
            out.display(),
            f.shard.label()
        )));
    }
    let created = !out.exists();
    std::fs::create_dir_all(&out).map_err(|e| output_error(&out, e))?;
    let result = merge_into(&args, &shards, &s, &out);
    if result.is_err() && created {
        let _ = std::fs::remove_dir(&out);
    }
    let text = result?;
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
    let scenario = PathBuf::from(&first.scenario_path);
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

fn merge_into(
    args: &MergeArgs,
    shards: &[Found],
    s: &crate::scenario::Scenario,
    out: &Path,
) -> Result<super::run::RunResult, CliError> {
    let first = &shards[0].manifest;
    let provenance = Provenance::recorded(first, args.force);
    let previous = check_output_dir(out, s, &provenance)?;
    let started = now_rfc3339();
    let mut set = OutputSet::new();
    set.add(concatenate(shards, "replications.csv", out)?)
        .map_err(|e| output_error(&out.join("replications.csv"), e))?;
    let vms_file = match first.options.per_vm {
        true => Some(concatenate(shards, "vms.csv", out)?),
        false => None,
    };
    let mut collector = Collector::keeping(metrics_for(s), first.options.exact_up_to as usize);
    for f in shards {
        let path = f.dir.join(SHARD_STATE);
        let bytes = std::fs::read(&path)
            .map_err(|e| CliError::Merge(format!("{}: {e}", path.display())))?;
        collector
            .append_bytes(&bytes)
            .map_err(|e| CliError::Merge(format!("{}: {e}", path.display())))?;
        interrupt::check(|| "the merge stopped; nothing was written".to_string())?;
    }
    let total = first.options.requested_replications;
    if collector.len() as u64 != total {
        return Err(CliError::Merge(format!(
            "the shards hold {} replications, the run {total}",
            collector.len()
        )));
    }
    let finish = Finish {
        s,
        config: RunConfig {
            replications: total,
            seed: first.seed,
            threads: None,
        },
        out,
        outputs: RunOutputs {
            quiet: args.output.quiet,
            per_vm: first.options.per_vm,
            charts: !args.output.no_charts,
            until_settled: None,
            shard: None,
            exact_up_to: first.options.exact_up_to as usize,
        },
        provenance: &provenance,
        previous,
        started,
        requested: total,
        merged_shards: shards
            .iter()
            .map(|f| MergedShard {
                dir: f.dir.display().to_string(),
                shard: f.shard.label(),
                replications: f.manifest.replications,
                manifest_sha256: f.manifest_sha256.clone(),
            })
            .collect(),
        rule: None,
    };
    finish_run(finish, &collector, set, vms_file, None)
}
