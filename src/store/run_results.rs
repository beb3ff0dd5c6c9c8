//! A run's results directory, written: the replications streamed to
//! `replications.csv` (and `vms.csv`) as they are simulated, then the
//! summaries, charts, report and manifest computed from the collected
//! values, all landing at once or not at all; a shard's end (its rows, its
//! collected values for `merge`, its manifest); and a merge of shards into
//! exactly the files one process would have written.

use std::path::Path;

use super::StoreError;
use super::results_dir::{
    Provenance, check_output_dir, now_rfc3339, peak_memory_kib, remove_stale_outputs,
};
use super::run_shards::{Found, concatenate};
use crate::metrics::metrics_for;
use crate::montecarlo::RunConfig;
use crate::report::csv::{ReplicationsWriter, VmsWriter, sensitivity_csv, summary_csv};
use crate::report::manifest::{
    self, Manifest, MergedShard, OutputFile, ReplicationRange, RunOptions, ScenarioFile,
};
use crate::report::run::{run_text, settling_sentence};
use crate::report::table::thousands;
use crate::report::{AtomicFile, OutputSet, chart, describe, html, table};
use crate::scenario::Scenario;
use crate::stats::verdict::StoppingRule;
use crate::stats::{Collector, Verdict};
use crate::study::Watch;
use crate::study::run::{RunAnalysis, analyse, replicate, unsettled};
use crate::study::shard::Shard;

/// What `run` writes besides `replications.csv` and `summary.csv`.
#[derive(Debug, Clone, Copy)]
pub struct RunOutputs {
    /// Also `vms.csv`.
    pub per_vm: bool,
    /// SVG and PNG charts and `report.html`.
    pub charts: bool,
    /// Keep doubling the replications until every target's verdict is settled,
    /// up to this many (`--until-settled`, `--max-replications`).
    pub until_settled: Option<u64>,
    /// `--shard`: run only this slice and write what `merge` needs.
    pub shard: Option<Shard>,
    /// `--exact-up-to`: replications kept whole.
    pub exact_up_to: usize,
}

/// What a finished run hands back: the table it prints and each target's
/// verdict sentence with its verdict (for `--check`).
#[derive(Debug, Clone)]
pub struct RunResult {
    pub text: String,
    /// The same summary as JSON (`--format json`).
    pub json: String,
    pub verdicts: Vec<(Verdict, String)>,
}

/// The state file a shard writes for `merge`.
pub const SHARD_STATE: &str = "shard-state.bin";

/// Runs the simulation and writes `replications.csv`, `summary.csv`,
/// `sensitivity.csv` (and `vms.csv`, the charts and `report.html`) and
/// `manifest.json` into `out`; returns the summary table. The files land
/// together once the run is complete, or not at all (an error, or `watch`
/// asking to stop, leaves `out` as it was).
pub fn run_to_directory(
    s: &Scenario,
    config: RunConfig,
    out: &Path,
    outputs: RunOutputs,
    provenance: &Provenance,
    watch: &dyn Watch,
) -> Result<RunResult, StoreError> {
    in_directory(out, || {
        run_into_existing(s, config, out, outputs, provenance, watch)
    })
}

/// Runs `write` into `out`, created if need be; a directory it created is
/// taken away again when `write` fails (it holds nothing then). Temporaries
/// that killed processes left in `out` are removed first.
pub(crate) fn in_directory<T>(
    out: &Path,
    write: impl FnOnce() -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let created = !out.exists();
    std::fs::create_dir_all(out).map_err(|e| StoreError::output(out, e))?;
    crate::report::remove_stale_temporaries(out);
    let result = write();
    if result.is_err() && created {
        let _ = std::fs::remove_dir(out);
    }
    result
}

fn run_into_existing(
    s: &Scenario,
    config: RunConfig,
    out: &Path,
    outputs: RunOutputs,
    provenance: &Provenance,
    watch: &dyn Watch,
) -> Result<RunResult, StoreError> {
    let previous = check_output_dir(out, s, provenance)?;
    let started = now_rfc3339();
    let metrics = metrics_for(s);
    let replications_path = out.join("replications.csv");
    let vms_path = out.join("vms.csv");
    let mut file = AtomicFile::create(&replications_path)
        .map_err(|e| StoreError::output(&replications_path, e))?;
    let mut vms_file = match outputs.per_vm {
        true => Some(AtomicFile::create(&vms_path).map_err(|e| StoreError::output(&vms_path, e))?),
        false => None,
    };
    let mut rows = ReplicationsWriter::new(file.writer(), &metrics)
        .map_err(|e| StoreError::output(&replications_path, e))?;
    let mut vm_rows = match vms_file.as_mut() {
        Some(f) => Some(VmsWriter::new(f.writer()).map_err(|e| StoreError::output(&vms_path, e))?),
        None => None,
    };
    let mut collector = Collector::keeping(metrics.clone(), outputs.exact_up_to);
    let rule = outputs.until_settled.map(|cap| StoppingRule {
        first: config.replications.min(cap),
        cap: cap.max(config.replications),
    });
    let range = outputs.shard.map_or(0..config.replications, |shard| {
        shard.range(config.replications)
    });
    // The replications written so far, for the message if the run is stopped.
    let mut reached = range.start;
    let done = replicate(
        s,
        config,
        range.clone(),
        rule,
        &mut collector,
        watch,
        |outcome| {
            rows.write(&metrics, outcome)
                .map_err(|e| StoreError::output(&replications_path, e))?;
            if let Some(vm_rows) = vm_rows.as_mut() {
                vm_rows
                    .write(s, outcome)
                    .map_err(|e| StoreError::output(&vms_path, e))?;
            }
            reached = outcome.replication + 1;
            Ok(())
        },
    )
    .map_err(|e: StoreError| {
        e.stopped_while(|| {
            format!(
                "the run stopped after {} replications; nothing was written and {} is as it was",
                thousands(reached as usize),
                out.display()
            )
        })
    })?;
    rows.flush()
        .map_err(|e| StoreError::output(&replications_path, e))?;
    drop(rows);
    if let Some(vm_rows) = vm_rows.as_mut() {
        vm_rows
            .flush()
            .map_err(|e| StoreError::output(&vms_path, e))?;
    }
    drop(vm_rows);
    let mut set = OutputSet::new();
    set.add(file)
        .map_err(|e| StoreError::output(&replications_path, e))?;
    let finish = |config: RunConfig, requested: u64| Finish {
        s,
        config,
        out,
        outputs,
        provenance,
        previous,
        started,
        requested,
        merged_shards: Vec::new(),
        rule,
        watch,
    };
    if let Some(shard) = outputs.shard {
        let finish = finish(config, config.replications);
        return finish_shard(finish, shard, range, &collector, set, vms_file);
    }
    let config = RunConfig {
        replications: done,
        ..config
    };
    let settling = rule.map(|rule| settling_sentence(rule, unsettled(&collector, s, rule), done));
    let finish = finish(config, rule.map_or(config.replications, |r| r.first));
    finish_run(finish, &collector, set, vms_file, settling)
}

/// The shards of one run (found and checked by
/// [`super::run_shards::read_shards`]) written into `out` as the whole run:
/// the rows concatenated in replication order, the summaries, charts and
/// report computed from the shards' exact collected values, the manifest
/// naming the shards. `s` is the run's scenario, `charts` whether to draw.
pub fn merge_to_directory(
    shards: &[Found],
    s: &Scenario,
    out: &Path,
    charts: bool,
    provenance: &Provenance,
    watch: &dyn Watch,
) -> Result<RunResult, StoreError> {
    // Writing into a shard's own directory would replace the shard.
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(f) = shards.iter().find(|f| same(&f.dir, out)) {
        return Err(StoreError::Merge(format!(
            "--out {} is shard {}'s own directory; merge into another one",
            out.display(),
            f.shard.label()
        )));
    }
    in_directory(out, || {
        merge_into(shards, s, out, charts, provenance, watch)
    })
}

fn merge_into(
    shards: &[Found],
    s: &Scenario,
    out: &Path,
    charts: bool,
    provenance: &Provenance,
    watch: &dyn Watch,
) -> Result<RunResult, StoreError> {
    let first = &shards[0].manifest;
    let previous = check_output_dir(out, s, provenance)?;
    let started = now_rfc3339();
    let mut set = OutputSet::new();
    set.add(concatenate(shards, "replications.csv", out)?)
        .map_err(|e| StoreError::output(&out.join("replications.csv"), e))?;
    let vms_file = match first.options.per_vm {
        true => Some(concatenate(shards, "vms.csv", out)?),
        false => None,
    };
    let mut collector = Collector::keeping(metrics_for(s), first.options.exact_up_to as usize);
    for f in shards {
        let path = f.dir.join(SHARD_STATE);
        let bytes = std::fs::read(&path)
            .map_err(|e| StoreError::Merge(format!("{}: {e}", path.display())))?;
        collector
            .append_bytes(&bytes)
            .map_err(|e| StoreError::Merge(format!("{}: {e}", path.display())))?;
        if let Some(stop) = watch.stop() {
            return Err(StoreError::Stopped {
                stop,
                context: "the merge stopped; nothing was written".into(),
            });
        }
    }
    let total = first.options.requested_replications;
    if collector.len() as u64 != total {
        return Err(StoreError::Merge(format!(
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
            per_vm: first.options.per_vm,
            charts,
            until_settled: None,
            shard: None,
            exact_up_to: first.options.exact_up_to as usize,
        },
        provenance,
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
        watch,
    };
    finish_run(finish, &collector, set, vms_file, None)
}

/// What a run's last step needs besides the collected values.
struct Finish<'a> {
    s: &'a Scenario,
    /// `replications` is the count collected.
    config: RunConfig,
    out: &'a Path,
    outputs: RunOutputs,
    provenance: &'a Provenance,
    /// The manifest of the results being replaced, if any.
    previous: Option<Manifest>,
    started: String,
    /// The replications asked for (with --until-settled, the first look).
    requested: u64,
    /// For `merge`: the shards the values came from.
    merged_shards: Vec<MergedShard>,
    /// `--until-settled`: the stopping rule, whose corrected interval the
    /// verdicts rest on.
    rule: Option<StoppingRule>,
    /// Asked, before the files land, whether to stop after all.
    watch: &'a dyn Watch,
}

/// The manifest of a whole run whose other files are those in `set`.
fn manifest_of(f: &Finish<'_>, set: &OutputSet) -> Manifest {
    let p = f.provenance;
    Manifest {
        format: manifest::FORMAT,
        drsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: ScenarioFile {
            path: p.scenario_path.clone(),
            absolute_path: p.absolute_path.clone(),
            name: f.s.name.clone(),
            sha256: p.sha256.clone(),
            churn_profiles: (f.s.churn_profiles().into_iter())
                .map(|(file, sha256)| manifest::OutputFile { file, sha256 })
                .collect(),
        },
        overrides: p.overrides.clone(),
        seed: f.config.seed,
        replications: ReplicationRange {
            first: 0,
            count: f.config.replications,
        },
        shard: None,
        merged_shards: Vec::new(),
        options: RunOptions {
            per_vm: f.outputs.per_vm,
            charts: f.outputs.charts,
            until_settled: f.outputs.until_settled,
            requested_replications: f.requested,
            exact_up_to: f.outputs.exact_up_to as u64,
        },
        command_line: p.command_line.clone(),
        started: f.started.clone(),
        finished: now_rfc3339(),
        peak_memory_kib: peak_memory_kib(),
        outputs: output_files(set),
    }
}

/// Every file in `set`, by name, with its SHA-256 (a manifest's `outputs`).
pub fn output_files(set: &OutputSet) -> Vec<OutputFile> {
    set.files()
        .iter()
        .map(|w| OutputFile {
            file: w
                .path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
            sha256: w.sha256.clone(),
        })
        .collect()
}

/// Adds `manifest` (renamed last), commits `set`, and removes what the
/// replaced results had that these do not; returns the paths written.
fn commit_with_manifest(
    f: &Finish<'_>,
    mut set: OutputSet,
    manifest: &Manifest,
) -> Result<Vec<String>, StoreError> {
    let out = f.out;
    let manifest_path = out.join(manifest::MANIFEST);
    set.write(&manifest_path, manifest.to_json().as_bytes())
        .map_err(|e| StoreError::output(&manifest_path, e))?;
    // The last moment a signal can still cancel the run cleanly.
    if let Some(stop) = f.watch.stop() {
        return Err(StoreError::Stopped {
            stop,
            context: format!(
                "the run stopped while writing its results; nothing was written and {} is as it was",
                out.display()
            ),
        });
    }
    let written = commit(set)?;
    remove_stale_outputs(out, f.previous.as_ref(), manifest);
    Ok(written)
}

/// Commits `set` and returns the paths written, for the "wrote ..." line.
pub fn commit(set: OutputSet) -> Result<Vec<String>, StoreError> {
    let written = set
        .commit()
        .map_err(|(path, e)| StoreError::output(&path, e))?;
    Ok(written
        .iter()
        .map(|w| w.path.display().to_string())
        .collect())
}

/// A shard's end: its rows (already in `set`), `vms_file`, the collected
/// values for `merge` and its manifest, committed together.
fn finish_shard(
    f: Finish<'_>,
    shard: Shard,
    range: std::ops::Range<u64>,
    collector: &Collector,
    mut set: OutputSet,
    vms_file: Option<AtomicFile>,
) -> Result<RunResult, StoreError> {
    let out = f.out;
    let state_path = out.join(SHARD_STATE);
    set.write(&state_path, &collector.to_bytes())
        .map_err(|e| StoreError::output(&state_path, e))?;
    if let Some(vms_file) = vms_file {
        let vms_path = out.join("vms.csv");
        set.add(vms_file)
            .map_err(|e| StoreError::output(&vms_path, e))?;
    }
    let mut manifest = manifest_of(&f, &set);
    manifest.shard = Some(shard.label());
    manifest.replications = ReplicationRange {
        first: range.start,
        count: range.end - range.start,
    };
    let written = commit_with_manifest(&f, set, &manifest)?;
    let text = format!(
        "shard {} of `{}`: replications {} to {} of {} (seed {}); merge every shard with `drsim merge DIR...`\nwrote {}\n",
        shard.label(),
        f.s.name,
        range.start,
        range.end.saturating_sub(1),
        f.config.replications,
        f.config.seed,
        written.join(", ")
    );
    Ok(RunResult {
        json: crate::report::json::shard_json(
            &shard.label(),
            &f.s.name,
            f.config.seed,
            range,
            f.config.replications,
            &written,
        ),
        text,
        verdicts: Vec::new(),
    })
}

/// Computes the summaries, charts and report from `collector`, adds them,
/// `vms_file` and the manifest to `set` (which already holds
/// `replications.csv`), and commits it; returns what the run prints.
fn finish_run(
    mut f: Finish<'_>,
    collector: &Collector,
    mut set: OutputSet,
    vms_file: Option<AtomicFile>,
    settling: Option<String>,
) -> Result<RunResult, StoreError> {
    let (s, config, out, outputs) = (f.s, f.config, f.out, f.outputs);
    let analysis = analyse(collector, s, f.rule);
    let RunAnalysis {
        summary,
        drivers,
        sensitivity,
    } = &analysis;
    let charts = match outputs.charts {
        true => chart::charts_for_run(collector, s, drivers, sensitivity)?,
        false => Vec::new(),
    };
    let summary_path = out.join("summary.csv");
    let bytes = summary_csv(summary).map_err(|e| StoreError::output(&summary_path, e))?;
    set.write(&summary_path, &bytes)
        .map_err(|e| StoreError::output(&summary_path, e))?;
    let sensitivity_path = out.join("sensitivity.csv");
    let bytes =
        sensitivity_csv(sensitivity).map_err(|e| StoreError::output(&sensitivity_path, e))?;
    set.write(&sensitivity_path, &bytes)
        .map_err(|e| StoreError::output(&sensitivity_path, e))?;
    if let Some(vms_file) = vms_file {
        let vms_path = out.join("vms.csv");
        set.add(vms_file)
            .map_err(|e| StoreError::output(&vms_path, e))?;
    }
    set.add_charts(out, &charts)
        .map_err(|(path, e)| StoreError::output(&path, e))?;
    if outputs.charts {
        let page = html::render(&html::ReportInputs {
            scenario: s,
            description: &describe::describe(s),
            replications: config.replications,
            seed: config.seed,
            run: summary,
            drivers,
            sensitivity,
            charts: &charts,
        });
        let path = out.join("report.html");
        set.write(&path, page.as_bytes())
            .map_err(|e| StoreError::output(&path, e))?;
    }
    let merged_shards = std::mem::take(&mut f.merged_shards);
    let mut manifest = manifest_of(&f, &set);
    manifest.merged_shards = merged_shards;
    let written_files = commit_with_manifest(&f, set, &manifest)?;
    let text = run_text(s, config, &analysis, settling.as_deref(), &written_files);
    let verdicts = summary
        .verdicts()
        .map(|(row, v)| (v.verdict, table::verdict_sentence(row, v, &summary.outages)))
        .collect();
    let json =
        crate::report::json::run_json(s, config.replications, config.seed, summary, &written_files);
    Ok(RunResult {
        text,
        json,
        verdicts,
    })
}
