//! What every run ends with, whole or merged from shards: the summaries,
//! charts and report computed from the collected values, the manifest, and
//! the commit that lands them all at once; and the provenance and output
//! directory checks that come before.

use std::path::Path;

use super::interrupt;
use super::shared::write_charts;
use super::shared::{CliError, output_error, usage_error};
use crate::analysis::{drivers, sensitivity};
use crate::montecarlo::RunConfig;
use crate::report::csv::{sensitivity_csv, summary_csv};
use crate::report::manifest::{
    self, Manifest, MergedShard, OutputFile, ReplicationRange, RunOptions, ScenarioFile,
};
use crate::report::{AtomicFile, OutputSet, chart, describe, html, sha256_hex, table};
use crate::scenario::Scenario;
use crate::stats::verdict::StoppingRule;
use crate::stats::{Collector, Verdict};
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

/// Where a run's inputs came from: written to its manifest.json, and used to
/// refuse an output directory that holds another scenario's results.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The scenario file as given, and its absolute path.
    pub scenario_path: String,
    pub absolute_path: String,
    /// SHA-256 of the scenario file's bytes (before overrides).
    pub sha256: String,
    pub overrides: Vec<String>,
    pub command_line: Vec<String>,
    /// `--force`: replace another scenario's results.
    pub force: bool,
}

impl Provenance {
    /// The provenance a manifest records, with this process's command line.
    pub fn recorded(manifest: &Manifest, force: bool) -> Provenance {
        Provenance {
            scenario_path: manifest.scenario.path.clone(),
            absolute_path: manifest.scenario.absolute_path.clone(),
            sha256: manifest.scenario.sha256.clone(),
            overrides: manifest.overrides.clone(),
            command_line: std::env::args().collect(),
            force,
        }
    }

    /// The scenario file at `path` (already read and valid) with its overrides,
    /// and this process's command line.
    pub fn of(path: &Path, overrides: &[String], force: bool) -> Result<Provenance, CliError> {
        let bytes = std::fs::read(path).map_err(|e| {
            CliError::Scenario(crate::scenario::ScenarioError::Read {
                path: path.display().to_string(),
                source: e,
            })
        })?;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        Ok(Provenance {
            scenario_path: path.display().to_string(),
            absolute_path: absolute.display().to_string(),
            sha256: sha256_hex(&bytes),
            overrides: overrides.to_vec(),
            command_line: std::env::args().collect(),
            force,
        })
    }
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

/// This process's peak resident set so far (`VmHWM` in /proc/self/status),
/// in KiB; `None` where there is no such file.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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
    let drivers = drivers::for_run(collector, s);
    let sensitivity = sensitivity::for_run(collector, s);
    let charts = match outputs.charts {
        true => chart::charts_for_run(collector, s, &drivers, &sensitivity)?,
        false => Vec::new(),
    };
    let mut summary = collector.finish(&s.targets);
    if let Some(rule) = f.rule {
        summary.judge_at(rule.z(), rule.level());
    }
    let summary_path = out.join("summary.csv");
    let bytes = summary_csv(&summary).map_err(|e| output_error(&summary_path, e))?;
    set.write(&summary_path, &bytes)
        .map_err(|e| output_error(&summary_path, e))?;
    let sensitivity_path = out.join("sensitivity.csv");
    let bytes = sensitivity_csv(&sensitivity).map_err(|e| output_error(&sensitivity_path, e))?;
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
            run: &summary,
            drivers: &drivers,
            sensitivity: &sensitivity,
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
    let title = format!(
        "drsim: `{}`, {} replications, seed {}",
        s.name, config.replications, config.seed
    );
    let mut text = table::summary_table(&title, &summary);
    for d in &drivers {
        text.push_str(&table::drivers_sentence(d));
        text.push('\n');
    }
    for line in &sensitivity {
        text.push_str(&table::sensitivity_sentence(line));
        text.push_str(".\n");
    }
    text.push_str(&settling.unwrap_or_default());
    text.push_str(&format!("wrote {}\n", written_files.join(", ")));
    let verdicts = summary
        .verdicts()
        .map(|(row, v)| (v.verdict, table::verdict_sentence(row, v, &summary.outages)))
        .collect();
    let json = crate::report::json::run_json(
        s,
        config.replications,
        config.seed,
        &summary,
        &written_files,
    );
    Ok(RunResult {
        text,
        json,
        verdicts,
    })
}

/// The files a run writes besides its manifest: with no manifest.json, any of
/// them in `--out` means results of unknown origin.
const RUN_FILES: [&str; 5] = [
    "replications.csv",
    "summary.csv",
    "sensitivity.csv",
    "vms.csv",
    "report.html",
];

/// Refuses (without `--force`) an output directory that holds another
/// scenario's results, or results without a manifest; returns the manifest
/// of the results about to be replaced, if any.
pub(super) fn check_output_dir(
    out: &Path,
    s: &Scenario,
    provenance: &Provenance,
) -> Result<Option<Manifest>, CliError> {
    let manifest_path = out.join(manifest::MANIFEST);
    let previous = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => Some(Manifest::from_json(&text).map_err(|e| (e, true))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err((e.to_string(), true))),
    };
    let refusal = match &previous {
        Some(Ok(m)) if m.scenario.absolute_path != provenance.absolute_path => Some(format!(
            "{} holds the results of another scenario (`{}`, {}); they would be replaced",
            out.display(),
            m.scenario.name,
            m.scenario.path
        )),
        Some(Ok(_)) => None,
        Some(Err((e, _))) => Some(format!(
            "{} cannot be read ({e}), so the results in {} are of unknown origin",
            manifest_path.display(),
            out.display()
        )),
        None => RUN_FILES
            .iter()
            .find(|name| out.join(name).exists())
            .map(|name| {
                format!(
                    "{} holds {name} but no manifest.json, so it may be another scenario's results",
                    out.display()
                )
            }),
    };
    match refusal {
        Some(why) if !provenance.force => Err(usage_error(
            "--out",
            format!(
                "{why}; choose another --out, or pass --force to replace them (scenario `{}`)",
                s.name
            ),
        )),
        _ => Ok(previous.and_then(Result::ok)),
    }
}

/// After a commit, removes the files the replaced run listed that this run
/// did not write (e.g. charts after `--no-charts`), so the directory holds one
/// run. Best effort: a file that cannot be removed is not listed in the new
/// manifest, which is what `verify` goes by.
pub(super) fn remove_stale_outputs(out: &Path, previous: Option<&Manifest>, current: &Manifest) {
    let Some(previous) = previous else { return };
    for old in &previous.outputs {
        let still = current.outputs.iter().any(|o| o.file == old.file);
        // Only plain file names: a tampered manifest cannot reach outside `out`.
        let plain = Path::new(&old.file).file_name() == Some(std::ffi::OsStr::new(&old.file));
        if !still && plain {
            let _ = std::fs::remove_file(out.join(&old.file));
        }
    }
}

pub(super) fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// Now, in RFC 3339 UTC to the second (for manifests; never compared).
pub(super) fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The scenario a manifest names, as it was: found at its absolute path (or
/// as given, from another directory or machine), checked against its SHA-256,
/// read with its overrides, and named in outputs as it was given to `run`.
pub(super) fn load_recorded_scenario(manifest: &Manifest) -> Result<Scenario, CliError> {
    let absolute = std::path::PathBuf::from(&manifest.scenario.absolute_path);
    let path = if absolute.exists() {
        absolute
    } else {
        std::path::PathBuf::from(&manifest.scenario.path)
    };
    let bytes = std::fs::read(&path).map_err(|e| {
        CliError::Mismatch(format!(
            "cannot read the run's scenario {} ({e}); the run cannot be re-made without it",
            path.display()
        ))
    })?;
    let now = sha256_hex(&bytes);
    if now != manifest.scenario.sha256 {
        return Err(CliError::Mismatch(format!(
            "the scenario {} changed since the run (SHA-256 {now} now, {} then)",
            path.display(),
            manifest.scenario.sha256
        )));
    }
    let mut s = super::shared::load_scenario(&path, &manifest.overrides)?;
    s.source = s
        .source
        .replacen(&path.display().to_string(), &manifest.scenario.path, 1);
    Ok(s)
}

/// Checks each file a manifest lists in `dir` against its SHA-256.
pub(super) fn check_files(dir: &Path, manifest: &Manifest) -> Result<(), CliError> {
    for output in &manifest.outputs {
        let path = dir.join(&output.file);
        let bytes = std::fs::read(&path)
            .map_err(|e| CliError::Mismatch(format!("{}: cannot read it ({e})", path.display())))?;
        if sha256_hex(&bytes) != output.sha256 {
            return Err(CliError::Mismatch(format!(
                "{} changed since the run wrote it (its SHA-256 is not the one in {})",
                path.display(),
                manifest::MANIFEST
            )));
        }
    }
    Ok(())
}
