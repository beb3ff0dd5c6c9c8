//! `drsim run`: the Monte Carlo run and every file it writes.

use std::io::IsTerminal;
use std::path::Path;

use super::interrupt;
use super::results::{Finish, finish_run, finish_shard};
pub use super::results::{RunOutputs, RunResult};
use super::shared::{
    CliError, default_output_dir, load_scenario, output_error, parse_shard, run_config,
};
use crate::cli::{OutputFormat, RunCommand};
use crate::metrics::metrics_for;
use crate::montecarlo::{self, RunConfig};
use crate::report::csv::{ReplicationsWriter, VmsWriter};
use crate::report::run::settling_sentence;
use crate::report::table::thousands;
use crate::report::{AtomicFile, OutputSet};
use crate::scenario::Scenario;
use crate::stats::verdict::StoppingRule;
use crate::stats::{Collector, Verdict};
pub use crate::store::results_dir::Provenance;
use crate::store::results_dir::{check_output_dir, now_rfc3339};
use crate::study::run::unsettled;

pub fn run_command(args: RunCommand) -> Result<(), CliError> {
    let RunCommand {
        scenario,
        simulation,
        output,
        ..
    } = &args;
    let s = load_scenario(&scenario.scenario, &scenario.set)?;
    if !output.quiet {
        // A valid file can still hold numbers ASR would not sustain: say so
        // before the run, on stderr (stdout carries the results).
        for w in &s.warnings {
            eprintln!("warning: {w}");
        }
    }
    let config = run_config(&s, *simulation);
    let out = output
        .out
        .clone()
        .unwrap_or_else(|| default_output_dir(&scenario.scenario));
    let provenance = Provenance::of(&scenario.scenario, &scenario.set, args.force)?;
    let outputs = RunOutputs {
        quiet: output.quiet,
        per_vm: args.per_vm,
        charts: !output.no_charts,
        until_settled: args.until_settled.then_some(args.max_replications),
        shard: parse_shard(&args.shard)?,
        exact_up_to: args.exact_up_to as usize,
    };
    interrupt::install();
    let result = run_to_directory(&s, config, &out, outputs, &provenance)?;
    if !output.quiet {
        match output.format {
            OutputFormat::Text => print!(
                "{}",
                highlight_verdicts(&result.text, std::io::stdout().is_terminal())
            ),
            OutputFormat::Json => print!("{}", result.json),
        }
    }
    if args.check {
        check_verdicts(&result.verdicts)?;
    }
    Ok(())
}

/// `run --check`: every target met (exit 0), some target missed (exit 1), or
/// none missed but some inconclusive (exit 3: more replications would settle
/// it, e.g. with --until-settled). The reason goes to stderr.
fn check_verdicts(verdicts: &[(Verdict, String)]) -> Result<(), CliError> {
    let with = |v: Verdict| -> Vec<String> {
        verdicts
            .iter()
            .filter(|(verdict, _)| *verdict == v)
            .map(|(_, sentence)| sentence.clone())
            .collect()
    };
    let missed = with(Verdict::Missed);
    if !missed.is_empty() {
        return Err(CliError::TargetMissed(missed.join("; ")));
    }
    let inconclusive = with(Verdict::Inconclusive);
    if !inconclusive.is_empty() {
        return Err(CliError::Inconclusive(inconclusive.join("; ")));
    }
    Ok(())
}

/// Runs the simulation and writes `replications.csv`, `summary.csv`,
/// `sensitivity.csv` (and `vms.csv`, the charts and `report.html`) and
/// `manifest.json` into `out`; returns the summary table. The files land
/// together once the run is complete, or not at all (an error, SIGINT or
/// SIGTERM leave `out` as it was).
pub fn run_to_directory(
    s: &Scenario,
    config: RunConfig,
    out: &Path,
    outputs: RunOutputs,
    provenance: &Provenance,
) -> Result<RunResult, CliError> {
    let created = !out.exists();
    std::fs::create_dir_all(out).map_err(|e| output_error(out, e))?;
    let result = run_into_existing(s, config, out, outputs, provenance);
    if result.is_err() && created {
        // A directory this run created holds nothing now: take it away too.
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
) -> Result<RunResult, CliError> {
    let previous = check_output_dir(out, s, provenance)?;
    let started = now_rfc3339();
    let metrics = metrics_for(s);
    let mut set = OutputSet::new();
    let replications_path = out.join("replications.csv");
    let vms_path = out.join("vms.csv");
    let mut file =
        AtomicFile::create(&replications_path).map_err(|e| output_error(&replications_path, e))?;
    let mut vms_file = match outputs.per_vm {
        true => Some(AtomicFile::create(&vms_path).map_err(|e| output_error(&vms_path, e))?),
        false => None,
    };
    let mut rows = ReplicationsWriter::new(file.writer(), &metrics)
        .map_err(|e| output_error(&replications_path, e))?;
    let mut vm_rows = match vms_file.as_mut() {
        Some(f) => Some(VmsWriter::new(f.writer()).map_err(|e| output_error(&vms_path, e))?),
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
    let mut done = range.start;
    let mut target = range.end;
    let progress = crate::report::progress::progress_bar(target - done, outputs.quiet);
    let interrupted = |done: u64| {
        move || {
            format!(
                "the run stopped after {} replications; nothing was written and {} is as it was",
                thousands(done as usize),
                out.display()
            )
        }
    };
    loop {
        montecarlo::run_range(s, config, done..target, |outcome| {
            interrupt::check(interrupted(outcome.replication))?;
            collector.push(outcome);
            progress.inc(1);
            rows.write(&metrics, outcome)
                .map_err(|e| output_error(&replications_path, e))?;
            if let Some(vm_rows) = vm_rows.as_mut() {
                vm_rows
                    .write(s, outcome)
                    .map_err(|e| output_error(&vms_path, e))?;
            }
            Ok::<(), CliError>(())
        })?;
        done = target;
        let Some(rule) = rule else { break };
        let evidence: Vec<(usize, usize, f64)> = collector
            .target_verdicts(&s.targets)
            .iter()
            .map(|(_, v)| (v.fraction.met, v.fraction.total, v.required))
            .collect();
        match rule.next(done) {
            Some(next) if !rule.settled(&evidence) => {
                target = next;
                progress.set_length(target - range.start);
            }
            _ => break,
        }
    }
    progress.finish_and_clear();
    rows.flush()
        .map_err(|e| output_error(&replications_path, e))?;
    drop(rows);
    if let Some(vm_rows) = vm_rows.as_mut() {
        vm_rows.flush().map_err(|e| output_error(&vms_path, e))?;
    }
    drop(vm_rows);
    set.add(file)
        .map_err(|e| output_error(&replications_path, e))?;
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

/// Colours MET green, MISSED red and INCONCLUSIVE yellow on a terminal.
fn highlight_verdicts(text: &str, terminal: bool) -> String {
    if !terminal {
        return text.to_string();
    }
    text.replace(": MET ", ": \x1b[1;32mMET\x1b[0m ")
        .replace(": MISSED ", ": \x1b[1;31mMISSED\x1b[0m ")
        .replace(": INCONCLUSIVE ", ": \x1b[1;33mINCONCLUSIVE\x1b[0m ")
}
