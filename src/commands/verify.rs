//! `drsim verify DIR`: re-make a run from its manifest.json and confirm every
//! output byte for byte.
//!
//! Two things are checked: that each file in DIR is still the one the run
//! wrote (its SHA-256 against the manifest), and that running the same
//! scenario file, overrides, seed, replications and options again writes the
//! same bytes. The first difference is named by file and line (or byte, for a
//! picture), so a changed number can be found at once.

use std::path::Path;

use clap::Parser as _;

use super::interrupt::{self, Terminal};
use super::shared::{CliError, usage_error};
use crate::cli::{Command, VerifyCommand};
use crate::montecarlo::RunConfig;
pub use crate::report::diff::first_difference;
use crate::report::manifest::{MANIFEST, Manifest, StudyManifest};
use crate::store::results_dir::{
    Provenance, check_outputs, check_recorded_values, load_recorded_scenario, refuse_extra_files,
};
use crate::store::run_results::{RunOutputs, run_to_directory};
use crate::store::verify::{Scratch, recorded_scenarios_unchanged, same_outputs, version_note};

pub fn verify_command(args: &VerifyCommand) -> Result<(), CliError> {
    let dir = args.dir.as_path();
    let threads = args.threads.count();
    let manifest_path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&manifest_path).map_err(|e| {
        usage_error(
            "DIR",
            format!(
                "cannot read {}: {e}; give a directory written by `drsim run`",
                manifest_path.display()
            ),
        )
    })?;
    interrupt::install();
    if StudyManifest::is_study(&text) {
        return verify_study(args, &manifest_path, &text);
    }
    let manifest = Manifest::from_json(&text).map_err(|e| {
        usage_error(
            "DIR",
            format!("{} is not a drsim manifest: {e}", manifest_path.display()),
        )
    })?;

    // 1. Are the files still those the run wrote? 2. Does the scenario
    // still say what it said?
    check_outputs(dir, &manifest.outputs, "the run").map_err(|e| failed_because(e.into()))?;
    refuse_extra_files(dir, &manifest.outputs, "the run").map_err(|e| failed_because(e.into()))?;
    if manifest.shard.is_some() {
        return Err(usage_error(
            "DIR",
            format!(
                "{} holds shard {} of a run: merge the shards (`drsim merge`) and verify the result",
                dir.display(),
                manifest.shard.as_deref().unwrap_or_default()
            ),
        ));
    }
    let s = load_recorded_scenario(&manifest).map_err(|e| failed_because(e.into()))?;
    if s.name != manifest.scenario.name {
        return Err(failed(format!(
            "{}: the scenario is named `{}`, the manifest says `{}`",
            manifest_path.display(),
            s.name,
            manifest.scenario.name
        )));
    }
    check_recorded_values(&manifest, &manifest_path).map_err(|e| failed_because(e.into()))?;

    // 3. Re-make the run elsewhere and compare.
    let config = RunConfig {
        replications: manifest.options.requested_replications,
        seed: manifest.seed,
        threads,
    };
    let outputs = RunOutputs {
        per_vm: manifest.options.per_vm,
        charts: manifest.options.charts,
        until_settled: manifest.options.until_settled,
        shard: None,
        exact_up_to: manifest.options.exact_up_to as usize,
    };
    let scratch = Scratch::new()?;
    let provenance = Provenance::recorded(&manifest, true);
    run_to_directory(
        &s,
        config,
        &scratch.0,
        outputs,
        &provenance,
        &Terminal::new(true),
    )?;
    let again_text = std::fs::read_to_string(scratch.0.join(MANIFEST))
        .map_err(|e| failed(format!("cannot read the re-made run's manifest: {e}")))?;
    let again = Manifest::from_json(&again_text).map_err(|e| failed(e.to_string()))?;
    if again.replications != manifest.replications {
        return Err(failed(format!(
            "the re-made run has {} replications, the original {}",
            again.replications.count, manifest.replications.count
        )));
    }
    same_outputs(
        dir,
        &scratch.0,
        &manifest.outputs,
        "the run",
        &manifest.drsim_version,
    )
    .map_err(|e| failed_because(e.into()))?;
    if let Some(extra) = again
        .outputs
        .iter()
        .find(|o| !manifest.outputs.iter().any(|m| m.file == o.file))
    {
        return Err(failed(format!(
            "the re-made run also writes {}, which the original did not{}",
            extra.file,
            version_note("the run", &manifest.drsim_version)
        )));
    }
    if args.quiet {
        return Ok(());
    }
    println!(
        "verified {}: {} files of `{}` ({} replications, seed {}) re-made byte for byte by drsim {}",
        dir.display(),
        manifest.outputs.len(),
        manifest.scenario.name,
        crate::report::table::thousands(manifest.replications.count as usize),
        manifest.seed,
        env!("CARGO_PKG_VERSION")
    );
    Ok(())
}

/// `verify` of a sweep's, comparison's or sizing's directory: its files as
/// written, its scenario files unchanged, and its arguments, run again from
/// the same working directory into a scratch directory, writing the same bytes.
fn verify_study(args: &VerifyCommand, manifest_path: &Path, text: &str) -> Result<(), CliError> {
    let dir = args.dir.as_path();
    let manifest = StudyManifest::from_json(text).map_err(|e| {
        usage_error(
            "DIR",
            format!("{} is not a drsim manifest: {e}", manifest_path.display()),
        )
    })?;
    check_outputs(dir, &manifest.outputs, "it").map_err(|e| failed_because(e.into()))?;
    // A sizing's directory is also its shards' workspace (claims, probes).
    if manifest.study != "size" {
        refuse_extra_files(dir, &manifest.outputs, &format!("the {}", manifest.study))
            .map_err(|e| failed_because(e.into()))?;
    }
    if let Some(shard) = &manifest.shard {
        return Err(usage_error(
            "DIR",
            format!(
                "{} holds shard {shard} of a {}: merge the shards (`drsim merge`) and verify the result",
                dir.display(),
                manifest.study
            ),
        ));
    }
    recorded_scenarios_unchanged(&manifest).map_err(|e| failed_because(e.into()))?;
    let scratch = Scratch::new()?;
    let remade = scratch.0.join("remade");
    let mut argv = vec!["drsim".to_string()];
    argv.extend(manifest.arguments.iter().cloned());
    argv.extend([
        "--out".into(),
        remade.display().to_string(),
        "--quiet".into(),
    ]);
    if let Some(threads) = args.threads.threads {
        argv.extend(["--threads".into(), threads.to_string()]);
    }
    let cli = crate::cli::Cli::try_parse_from(&argv).map_err(|e| {
        failed(format!(
            "its arguments are not a command this drsim runs ({})",
            e.to_string().lines().next().unwrap_or_default()
        ))
    })?;
    match cli.command {
        Command::Sweep(a) => super::sweep::sweep_command(a)?,
        Command::Compare(a) => super::compare::compare_command(a)?,
        Command::Size(a) => super::size::size_command(a)?,
        _ => {
            return Err(failed(format!(
                "its arguments are not a sweep, comparison or sizing ({})",
                manifest.arguments.first().map_or("none", String::as_str)
            )));
        }
    }
    let what = format!("the {}", manifest.study);
    same_outputs(
        dir,
        &remade,
        &manifest.outputs,
        &what,
        &manifest.drsim_version,
    )
    .map_err(|e| failed_because(e.into()))?;
    if !args.quiet {
        println!(
            "verified {}: {} files of the {} of {} re-made byte for byte by drsim {}",
            dir.display(),
            manifest.outputs.len(),
            match manifest.study.as_str() {
                "compare" => "comparison",
                "size" => "sizing",
                other => other,
            },
            manifest
                .scenarios
                .iter()
                .map(|s| format!("`{}`", s.name))
                .collect::<Vec<_>>()
                .join(" and "),
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(())
}

fn failed(message: String) -> CliError {
    CliError::Mismatch(format!("verify failed: {message}"))
}

/// A mismatch found by a shared check, said as verify's.
fn failed_because(e: CliError) -> CliError {
    match e {
        CliError::Mismatch(message) => failed(message),
        other => other,
    }
}
