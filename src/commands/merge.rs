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

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::interrupt;
use super::results::{Finish, SHARD_STATE, finish_run};
use super::run::RunOutputs;
use super::shared::{CliError, default_output_dir, output_error};
use super::sweep::{SweepOutputs, sweep_dir, write_outputs};
use crate::cli::{MergeCommand, OutputFormat};
use crate::store::results_dir::{
    Provenance, check_output_dir, check_outputs, load_recorded_scenario, now_rfc3339,
};
use crate::store::sweep_shards::MergedSweep;
use crate::study::shard::{Shard, check_every_shard_once};

/// `drsim merge`'s arguments.
pub type MergeArgs = MergeCommand;
use crate::metrics::metrics_for;
use crate::montecarlo::RunConfig;
use crate::report::manifest::{MANIFEST, Manifest, MergedShard};
use crate::report::{AtomicFile, OutputSet, sha256_hex};
use crate::stats::Collector;

/// One shard as found on disk.
struct Found {
    dir: PathBuf,
    manifest: Manifest,
    manifest_sha256: String,
    shard: Shard,
}

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
    let s = load_recorded_scenario(first).map_err(|e| as_merge(e.into()))?;
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
        return Err(mismatch(format!(
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
        let bytes =
            std::fs::read(&path).map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        collector
            .append_bytes(&bytes)
            .map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        interrupt::check(|| "the merge stopped; nothing was written".to_string())?;
    }
    let total = first.options.requested_replications;
    if collector.len() as u64 != total {
        return Err(mismatch(format!(
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

fn mismatch(message: String) -> CliError {
    CliError::Merge(message)
}

/// A shared check's mismatch, said as merge's.
fn as_merge(e: CliError) -> CliError {
    match e {
        CliError::Mismatch(message) => CliError::Merge(message),
        other => other,
    }
}

/// Every shard's manifest, checked to belong to one run, in shard order.
fn read_shards(dirs: &[PathBuf]) -> Result<Vec<Found>, CliError> {
    let mut found = Vec::new();
    for dir in dirs {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            mismatch(format!(
                "cannot read {} ({e}): give the directories written by `drsim run --shard`",
                path.display()
            ))
        })?;
        let manifest =
            Manifest::from_json(&text).map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        let Some(label) = manifest.shard.clone() else {
            return Err(mismatch(format!(
                "{} holds a whole run, not a shard",
                dir.display()
            )));
        };
        // The label as `run --shard` wrote it; never `auto`, so no environment.
        let shard = Shard::parse(&label, None, |_| None)
            .map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        check_outputs(dir, &manifest.outputs, "the run").map_err(|e| as_merge(e.into()))?;
        found.push(Found {
            dir: dir.clone(),
            manifest_sha256: sha256_hex(text.as_bytes()),
            manifest,
            shard,
        });
    }
    found.sort_by_key(|f| f.shard.index);
    let first = &found[0];
    let (m0, n) = (&first.manifest, first.shard.count);
    for f in &found {
        let m = &f.manifest;
        let differs = |what: &str, a: String, b: String| {
            mismatch(format!(
                "{} and {} are not shards of one run: {what} {a} and {b}",
                first.dir.display(),
                f.dir.display()
            ))
        };
        if m.scenario.sha256 != m0.scenario.sha256 {
            return Err(differs(
                "scenario",
                format!("{} ({})", m0.scenario.path, &m0.scenario.sha256[..12]),
                format!("{} ({})", m.scenario.path, &m.scenario.sha256[..12]),
            ));
        }
        if m.seed != m0.seed {
            return Err(differs("seed", m0.seed.to_string(), m.seed.to_string()));
        }
        if m.overrides != m0.overrides {
            return Err(differs(
                "overrides",
                format!("{:?}", m0.overrides),
                format!("{:?}", m.overrides),
            ));
        }
        if m.drsim_version != m0.drsim_version {
            return Err(differs(
                "drsim version",
                m0.drsim_version.clone(),
                m.drsim_version.clone(),
            ));
        }
        if m.options.requested_replications != m0.options.requested_replications {
            return Err(differs(
                "replications",
                m0.options.requested_replications.to_string(),
                m.options.requested_replications.to_string(),
            ));
        }
        if m.options.per_vm != m0.options.per_vm {
            return Err(differs(
                "--per-vm",
                m0.options.per_vm.to_string(),
                m.options.per_vm.to_string(),
            ));
        }
        if m.options.exact_up_to != m0.options.exact_up_to {
            return Err(differs(
                "--exact-up-to",
                m0.options.exact_up_to.to_string(),
                m.options.exact_up_to.to_string(),
            ));
        }
        if f.shard.count != n {
            return Err(differs(
                "shard count",
                n.to_string(),
                f.shard.count.to_string(),
            ));
        }
    }
    let given: Vec<(Shard, &Path)> = found.iter().map(|f| (f.shard, f.dir.as_path())).collect();
    check_every_shard_once(&given, n).map_err(mismatch)?;
    let total = m0.options.requested_replications;
    for f in &found {
        let expected = f.shard.range(total);
        let r = f.manifest.replications;
        if r.first != expected.start || r.first + r.count != expected.end {
            return Err(mismatch(format!(
                "shard {} in {} holds replications {}..{}, not {}..{} of {total}",
                f.shard.label(),
                f.dir.display(),
                r.first,
                r.first + r.count,
                expected.start,
                expected.end
            )));
        }
    }
    Ok(found)
}

/// `name` of every shard, in order, as one file: the header once, then the
/// rows (each shard's header must be the first's).
fn concatenate(shards: &[Found], name: &str, out: &Path) -> Result<AtomicFile, CliError> {
    let target = out.join(name);
    let mut file = AtomicFile::create(&target).map_err(|e| output_error(&target, e))?;
    let mut header: Option<String> = None;
    for f in shards {
        let path = f.dir.join(name);
        let input =
            std::fs::File::open(&path).map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        let mut reader = BufReader::new(input);
        let mut first_line = String::new();
        reader
            .read_line(&mut first_line)
            .map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        match &header {
            None => {
                file.writer()
                    .write_all(first_line.as_bytes())
                    .map_err(|e| output_error(&target, e))?;
                header = Some(first_line);
            }
            Some(h) if *h != first_line => {
                return Err(mismatch(format!(
                    "{}: its columns differ from the first shard's",
                    path.display()
                )));
            }
            Some(_) => {}
        }
        std::io::copy(&mut reader, file.writer()).map_err(|e| output_error(&target, e))?;
    }
    Ok(file)
}
