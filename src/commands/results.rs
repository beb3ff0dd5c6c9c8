//! What every run ends with, whole or merged from shards: the summaries,
//! charts and report computed from the collected values, the manifest, and
//! the commit that lands them all at once; and the provenance and output
//! directory checks that come before.

use crate::store::results_dir::{Provenance, now_rfc3339, peak_memory_kib, remove_stale_outputs};
use std::path::Path;

use super::interrupt;
use super::shared::write_charts;
use super::shared::{CliError, output_error};
use crate::montecarlo::RunConfig;
use crate::report::csv::{sensitivity_csv, summary_csv};
use crate::report::manifest::{
    self, Manifest, MergedShard, OutputFile, ReplicationRange, RunOptions, ScenarioFile,
};
use crate::report::run::run_text;
use crate::report::{AtomicFile, OutputSet, chart, describe, html, table};
use crate::scenario::Scenario;
use crate::stats::verdict::StoppingRule;
use crate::stats::{Collector, Verdict};
use crate::study::run::{RunAnalysis, analyse};
use crate::study::shard::Shard;

/// What `run` writes besides `replications.csv` and `summary.csv`.
#[derive(Debug, Clone, Copy)]
pub struct RunOutputs {
    /// No progress bar, no warnings, no table.
    pub quiet: bool,
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

/// What a run's last step needs besides the collected values.
#[derive(Debug)]
pub(super) struct Finish<'a> {
    pub s: &'a Scenario,
    /// `replications` is the count collected.
    pub config: RunConfig,
    pub out: &'a Path,
    pub outputs: RunOutputs,
    pub provenance: &'a Provenance,
    /// The manifest of the results being replaced, if any.
    pub previous: Option<Manifest>,
    pub started: String,
    /// The replications asked for (with --until-settled, the first look).
    pub requested: u64,
    /// For `merge`: the shards the values came from.
    pub merged_shards: Vec<MergedShard>,
    /// `--until-settled`: the stopping rule, whose corrected interval the
    /// verdicts rest on.
    pub rule: Option<StoppingRule>,
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
        outputs: set
            .files()
            .iter()
            .map(|w| OutputFile {
                file: file_name(&w.path),
                sha256: w.sha256.clone(),
            })
            .collect(),
    }
}

/// Adds `manifest` (renamed last), commits `set`, and removes what the
/// replaced results had that these do not; returns the paths written.
fn commit_with_manifest(
    f: &Finish<'_>,
    mut set: OutputSet,
    manifest: &Manifest,
) -> Result<Vec<String>, CliError> {
    let out = f.out;
    let manifest_path = out.join(manifest::MANIFEST);
    set.write(&manifest_path, manifest.to_json().as_bytes())
        .map_err(|e| output_error(&manifest_path, e))?;
    // The last moment a signal can still cancel the run cleanly.
    interrupt::check(|| {
        format!(
            "the run stopped while writing its results; nothing was written and {} is as it was",
            out.display()
        )
    })?;
    let written = set.commit().map_err(|(path, e)| output_error(&path, e))?;
    remove_stale_outputs(out, f.previous.as_ref(), manifest);
    Ok(written
        .iter()
        .map(|w| w.path.display().to_string())
        .collect())
}

/// The state file a shard writes for `merge`.
pub(super) const SHARD_STATE: &str = "shard-state.bin";

/// A shard's end: its rows (already in `set`), `vms_file`, the collected
/// values for `merge` and its manifest, committed together.
pub(super) fn finish_shard(
    f: Finish<'_>,
    shard: Shard,
    range: std::ops::Range<u64>,
    collector: &Collector,
    mut set: OutputSet,
    vms_file: Option<AtomicFile>,
) -> Result<RunResult, CliError> {
    let out = f.out;
    let state_path = out.join(SHARD_STATE);
    set.write(&state_path, &collector.to_bytes())
        .map_err(|e| output_error(&state_path, e))?;
    if let Some(vms_file) = vms_file {
        let vms_path = out.join("vms.csv");
        set.add(vms_file).map_err(|e| output_error(&vms_path, e))?;
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
        json: serde_json::json!({
            "shard": shard.label(),
            "scenario": f.s.name,
            "seed": f.config.seed,
            "replications": { "first": range.start, "count": range.end - range.start, "of": f.config.replications },
            "files": written,
        })
        .to_string()
            + "\n",
        text,
        verdicts: Vec::new(),
    })
}

/// Computes the summaries, charts and report from `collector`, adds them,
/// `vms_file` and the manifest to `set` (which already holds
/// `replications.csv`), and commits it; returns what the run prints.
pub(super) fn finish_run(
    mut f: Finish<'_>,
    collector: &Collector,
    mut set: OutputSet,
    vms_file: Option<AtomicFile>,
    settling: Option<String>,
) -> Result<RunResult, CliError> {
    let (s, config, out, outputs) = (f.s, f.config, f.out, f.outputs);
    let vms_path = out.join("vms.csv");
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
    let bytes = summary_csv(summary).map_err(|e| output_error(&summary_path, e))?;
    set.write(&summary_path, &bytes)
        .map_err(|e| output_error(&summary_path, e))?;
    let sensitivity_path = out.join("sensitivity.csv");
    let bytes = sensitivity_csv(sensitivity).map_err(|e| output_error(&sensitivity_path, e))?;
    set.write(&sensitivity_path, &bytes)
        .map_err(|e| output_error(&sensitivity_path, e))?;
    if let Some(vms_file) = vms_file {
        set.add(vms_file).map_err(|e| output_error(&vms_path, e))?;
    }
    write_charts(&mut set, out, &charts)?;
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
            .map_err(|e| output_error(&path, e))?;
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

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
