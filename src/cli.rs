//! The command line: `drsim run | validate | trace`, and what each writes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cycle::{TraceLog, run_cycle};
use crate::metrics::metrics_for;
use crate::montecarlo::{self, MonteCarloError, RunConfig};
use crate::report::csv::{ReplicationsWriter, VmsWriter, summary_csv};
use crate::report::{AtomicFile, chart, describe, html, table, trace, write_atomically};
use crate::scenario::{Scenario, ScenarioError};
use crate::stats::Collector;

#[derive(Debug, Parser)]
#[command(
    name = "drsim",
    version,
    about = "Disaster-recovery simulator: Monte Carlo RPO/RTO of the Azure Site Recovery failover/failback cycle"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Monte Carlo simulation; write replications.csv and summary.csv.
    Run {
        /// Scenario file (TOML), see docs/scenario-format.md.
        scenario: PathBuf,
        /// Number of replications (default: the scenario's `simulation.replications`).
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        replications: Option<u64>,
        /// Master seed (default: the scenario's `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
        threads: Option<u64>,
        /// Output directory (default: results/ plus the scenario file name without .toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Also write vms.csv: one row per replication and VM.
        #[arg(long)]
        per_vm: bool,
        /// Write only the CSV files: no charts, no report.html.
        #[arg(long)]
        no_charts: bool,
    },
    /// Check a scenario file and describe what it models.
    Validate { scenario: PathBuf },
    /// Narrate one replication, event by event, with its metrics.
    Trace {
        scenario: PathBuf,
        /// The replication to replay (as numbered in replications.csv).
        #[arg(long, short = 'k')]
        replication: u64,
        /// Master seed (default: the scenario's `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Where the timeline and lag charts go (default: results/ plus the scenario file name without .toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the narration only; write no charts.
        #[arg(long)]
        no_charts: bool,
    },
}

/// Why a command failed; [`CliError::exit_code`] maps it to the process status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The scenario is unreadable or invalid: exit code 2, nothing written.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Writing results failed: exit code 1; files already in place are untouched.
    #[error("cannot write {path}: {message}")]
    Output { path: PathBuf, message: String },
    #[error(transparent)]
    MonteCarlo(#[from] MonteCarloError),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Scenario(_) => 2,
            CliError::Output { .. } | CliError::MonteCarlo(_) => 1,
        }
    }
}

fn output_error(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::Output {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Runs a parsed command line; output goes to stdout, progress to stderr.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run {
            scenario,
            replications,
            seed,
            threads,
            out,
            quiet,
            per_vm,
            no_charts,
        } => {
            let s = Scenario::from_path(&scenario)?;
            let mut config = RunConfig::from_scenario(&s);
            config.replications = replications.unwrap_or(config.replications);
            config.seed = seed.unwrap_or(config.seed);
            config.threads = threads.map(|t| t as usize);
            let out = out.unwrap_or_else(|| default_output_dir(&scenario));
            let text = run_to_directory(
                &s,
                config,
                &out,
                RunOutputs {
                    quiet,
                    per_vm,
                    charts: !no_charts,
                },
            )?;
            if !quiet {
                print!(
                    "{}",
                    highlight_verdicts(&text, std::io::stdout().is_terminal())
                );
            }
            Ok(())
        }
        Command::Validate { scenario } => {
            let s = Scenario::from_path(&scenario)?;
            print!("{}", describe::describe(&s));
            Ok(())
        }
        Command::Trace {
            scenario,
            replication,
            seed,
            out,
            no_charts,
        } => {
            let s = Scenario::from_path(&scenario)?;
            let seed = seed.unwrap_or(s.simulation.seed);
            let mut log = TraceLog::default();
            let outcome = run_cycle(&s, seed, replication, &mut log);
            if !no_charts {
                let out = out.unwrap_or_else(|| default_output_dir(&scenario));
                std::fs::create_dir_all(&out).map_err(|e| output_error(&out, e))?;
                let charts = chart::charts_for_trace(&s, &log, &outcome)
                    .map_err(|e| output_error(&out, e))?;
                let mut written = Vec::new();
                for c in &charts {
                    for (ext, bytes) in [("svg", c.svg.as_bytes()), ("png", c.png.as_slice())] {
                        let path = out.join(format!("{}.{ext}", c.name));
                        write_atomically(&path, bytes).map_err(|e| output_error(&path, e))?;
                        written.push(path.display().to_string());
                    }
                }
                // stdout carries the narration and the CSV row; file names go to stderr.
                eprintln!("wrote {}", written.join(", "));
            }
            print!(
                "{}",
                trace::render(&s, seed, &log.entries, &outcome, &metrics_for(&s))
            );
            Ok(())
        }
    }
}

/// `results/<scenario file stem>/`.
pub fn default_output_dir(scenario: &Path) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    Path::new("results").join(stem)
}

/// What `run` writes besides `replications.csv` and `summary.csv`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOutputs {
    /// No progress bar.
    pub quiet: bool,
    /// Also `vms.csv`.
    pub per_vm: bool,
    /// SVG and PNG charts and `report.html`.
    pub charts: bool,
}

/// Runs the simulation and writes `replications.csv` and `summary.csv` (and
/// `vms.csv`) into `out`; returns the summary table. Files appear only once the
/// run is complete.
pub fn run_to_directory(
    s: &Scenario,
    config: RunConfig,
    out: &Path,
    outputs: RunOutputs,
) -> Result<String, CliError> {
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
    let progress = progress_bar(config.replications, outputs.quiet);
    let written = montecarlo::run(s, config, |outcome| {
        collector.push(outcome);
        progress.inc(1);
        rows.write(&metrics, outcome)
            .map_err(|e| (replications_path.clone(), e))?;
        if let Some(vm_rows) = vm_rows.as_mut() {
            vm_rows
                .write(s, outcome)
                .map_err(|e| (vms_path.clone(), e))?;
        }
        Ok(())
    })?;
    progress.finish_and_clear();
    written.map_err(|(path, e)| output_error(&path, e))?;
    rows.flush()
        .map_err(|e| output_error(&replications_path, e))?;
    drop(rows);
    if let Some(vm_rows) = vm_rows.as_mut() {
        vm_rows.flush().map_err(|e| output_error(&vms_path, e))?;
    }
    drop(vm_rows);
    let charts = match outputs.charts {
        true => chart::charts_for_run(&collector, s).map_err(|e| output_error(out, e))?,
        false => Vec::new(),
    };
    let summary = collector.finish();
    let summary_path = out.join("summary.csv");
    let bytes = summary_csv(&summary).map_err(|e| output_error(&summary_path, e))?;
    write_atomically(&summary_path, &bytes).map_err(|e| output_error(&summary_path, e))?;
    file.commit()
        .map_err(|e| output_error(&replications_path, e))?;
    let mut written_files = vec![
        replications_path.display().to_string(),
        summary_path.display().to_string(),
    ];
    if let Some(vms_file) = vms_file {
        vms_file.commit().map_err(|e| output_error(&vms_path, e))?;
        written_files.push(vms_path.display().to_string());
    }
    for c in &charts {
        for (ext, bytes) in [("svg", c.svg.as_bytes()), ("png", c.png.as_slice())] {
            let path = out.join(format!("{}.{ext}", c.name));
            write_atomically(&path, bytes).map_err(|e| output_error(&path, e))?;
            written_files.push(path.display().to_string());
        }
    }
    if outputs.charts {
        let page = html::render(
            s,
            &describe::describe(s),
            config.replications,
            config.seed,
            &summary,
            &charts,
        );
        let path = out.join("report.html");
        write_atomically(&path, page.as_bytes()).map_err(|e| output_error(&path, e))?;
        written_files.push(path.display().to_string());
    }
    let title = format!(
        "drsim: `{}`, {} replications, seed {}",
        s.name, config.replications, config.seed
    );
    let mut text = table::summary_table(&title, &summary, s.targets.required_fraction);
    text.push_str(&format!("wrote {}\n", written_files.join(", ")));
    Ok(text)
}

/// Colours MET green and MISSED red when the output is a terminal.
fn highlight_verdicts(text: &str, terminal: bool) -> String {
    if !terminal {
        return text.to_string();
    }
    text.replace(": MET ", ": \x1b[1;32mMET\x1b[0m ")
        .replace(": MISSED ", ": \x1b[1;31mMISSED\x1b[0m ")
}

/// A progress bar on stderr when it is a terminal; hidden otherwise.
fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {elapsed_precise} [{wide_bar}] {human_pos}/{human_len} replications ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
