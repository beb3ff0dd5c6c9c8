//! `drsim run`: the Monte Carlo run and every file it writes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{CliError, default_output_dir, load_scenario, output_error, write_charts};
use crate::analysis::{drivers, sensitivity};
use crate::cli::OutputFormat;
use crate::metrics::metrics_for;
use crate::montecarlo::{self, RunConfig};
use crate::report::csv::{ReplicationsWriter, VmsWriter, sensitivity_csv, summary_csv};
use crate::report::table::thousands;
use crate::report::{AtomicFile, chart, describe, html, table, write_atomically};
use crate::scenario::Scenario;
use crate::scenario::units::format_share;
use crate::stats::verdict::StoppingRule;
use crate::stats::{Collector, Verdict};

/// `drsim run`'s arguments, as parsed.
#[derive(Debug, Clone)]
pub struct RunArgs {
    pub scenario: PathBuf,
    /// `--set KEY=VALUE` overrides.
    pub set: Vec<String>,
    pub replications: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub out: Option<PathBuf>,
    pub outputs: RunOutputs,
    /// `--check`: the exit status says whether the targets are met.
    pub check: bool,
    pub format: OutputFormat,
}

/// What `run` writes besides `replications.csv` and `summary.csv`.
#[derive(Debug, Clone, Copy, Default)]
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

pub fn run_command(args: RunArgs) -> Result<(), CliError> {
    let s = load_scenario(&args.scenario, &args.set)?;
    if !args.outputs.quiet {
        // A valid file can still hold numbers ASR would not sustain: say so
        // before the run, on stderr (stdout carries the results).
        for w in &s.warnings {
            eprintln!("warning: {w}");
        }
    }
    let mut config = RunConfig::from_scenario(&s);
    config.replications = args.replications.unwrap_or(config.replications);
    config.seed = args.seed.unwrap_or(config.seed);
    config.threads = args.threads;
    let out = args
        .out
        .unwrap_or_else(|| default_output_dir(&args.scenario));
    let result = run_to_directory(&s, config, &out, args.outputs)?;
    if !args.outputs.quiet {
        match args.format {
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

/// Runs the simulation and writes `replications.csv` and `summary.csv` (and
/// `vms.csv`, the charts and `report.html`) into `out`; returns the summary
/// table. Files appear only once the run is complete.
pub fn run_to_directory(
    s: &Scenario,
    config: RunConfig,
    out: &Path,
    outputs: RunOutputs,
) -> Result<RunResult, CliError> {
    std::fs::create_dir_all(out).map_err(|e| output_error(out, e))?;
    let metrics = metrics_for(s);
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
    let mut collector = Collector::new(metrics.clone());
    let rule = outputs.until_settled.map(|cap| StoppingRule {
        first: config.replications.min(cap),
        cap: cap.max(config.replications),
    });
    let mut done = 0;
    let mut target = config.replications;
    let progress = progress_bar(target, outputs.quiet);
    loop {
        montecarlo::run_range(s, config, done..target, |outcome| {
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
                progress.set_length(target);
            }
            _ => break,
        }
    }
    let config = RunConfig {
        replications: done,
        ..config
    };
    let settling = rule.map(|rule| {
        let unsettled = collector
            .target_verdicts(&s.targets)
            .iter()
            .filter(|(_, v)| {
                !rule.settled(&[(v.fraction.met, v.fraction.total, v.required)])
            })
            .count();
        let interval = format!(
            "{} intervals over at most {} looks",
            format_share(1.0 - 0.05 / f64::from(rule.looks())),
            rule.looks()
        );
        if unsettled == 0 {
            format!(
                "until-settled: every verdict settled after {} replications ({interval})\n",
                thousands(done as usize)
            )
        } else {
            format!(
                "until-settled: stopped at the cap of {} replications with {unsettled} verdict(s) not settled ({interval})\n",
                thousands(done as usize)
            )
        }
    });
    progress.finish_and_clear();
    rows.flush()
        .map_err(|e| output_error(&replications_path, e))?;
    drop(rows);
    if let Some(vm_rows) = vm_rows.as_mut() {
        vm_rows.flush().map_err(|e| output_error(&vms_path, e))?;
    }
    drop(vm_rows);
    let drivers = drivers::for_run(&collector, s);
    let sensitivity = sensitivity::for_run(&collector, s);
    let charts = match outputs.charts {
        true => chart::charts_for_run(&collector, s, &drivers, &sensitivity)?,
        false => Vec::new(),
    };
    let summary = collector.finish(&s.targets);
    let summary_path = out.join("summary.csv");
    let bytes = summary_csv(&summary).map_err(|e| output_error(&summary_path, e))?;
    write_atomically(&summary_path, &bytes).map_err(|e| output_error(&summary_path, e))?;
    let sensitivity_path = out.join("sensitivity.csv");
    let bytes = sensitivity_csv(&sensitivity).map_err(|e| output_error(&sensitivity_path, e))?;
    write_atomically(&sensitivity_path, &bytes).map_err(|e| output_error(&sensitivity_path, e))?;
    file.commit()
        .map_err(|e| output_error(&replications_path, e))?;
    let mut written_files = vec![
        replications_path.display().to_string(),
        summary_path.display().to_string(),
        sensitivity_path.display().to_string(),
    ];
    if let Some(vms_file) = vms_file {
        vms_file.commit().map_err(|e| output_error(&vms_path, e))?;
        written_files.push(vms_path.display().to_string());
    }
    written_files.extend(write_charts(out, &charts)?);
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
        write_atomically(&path, page.as_bytes()).map_err(|e| output_error(&path, e))?;
        written_files.push(path.display().to_string());
    }
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

/// Colours MET green, MISSED red and INCONCLUSIVE yellow on a terminal.
fn highlight_verdicts(text: &str, terminal: bool) -> String {
    if !terminal {
        return text.to_string();
    }
    text.replace(": MET ", ": \x1b[1;32mMET\x1b[0m ")
        .replace(": MISSED ", ": \x1b[1;31mMISSED\x1b[0m ")
        .replace(": INCONCLUSIVE ", ": \x1b[1;33mINCONCLUSIVE\x1b[0m ")
}

/// A progress bar over replications on stderr when it is a terminal; hidden
/// otherwise. Commands that run several simulations (sweep, size, compare)
/// grow its length per run and say which run in its message.
pub(super) fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {msg}{elapsed_precise} [{wide_bar}] {human_pos}/{human_len} replications ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
