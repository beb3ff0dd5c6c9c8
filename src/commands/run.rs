//! `drsim run`: the Monte Carlo run and every file it writes.

use std::io::IsTerminal;

use super::interrupt::{self, Terminal};
use super::shared::{CliError, default_output_dir, parse_shard, run_config, usage_error};
use crate::cli::{OutputFormat, RunCommand};
use crate::scenario::ScenarioFile;
use crate::scenario::overrides::parse_all;
use crate::stats::Verdict;
use crate::store::results_dir::Provenance;
use crate::store::run_results::{RunOutputs, run_to_directory};

pub fn run_command(args: RunCommand) -> Result<(), CliError> {
    let RunCommand {
        scenario,
        simulation,
        output,
        ..
    } = &args;
    let file = ScenarioFile::read(&scenario.scenario)?;
    let s = file.load(&parse_all(&scenario.set)?)?;
    if !output.quiet {
        // A valid file can still hold numbers ASR would not sustain: say so
        // before the run, on stderr (stdout carries the results).
        for w in &s.warnings {
            eprintln!("warning: {w}");
        }
    }
    let config = run_config(&s, *simulation);
    if args.until_settled && config.replications > args.max_replications {
        return Err(usage_error(
            "--max-replications",
            format!(
                "--max-replications {} is below the {} replications the run starts with (-n or simulation.replications); raise the cap or lower -n",
                args.max_replications, config.replications
            ),
        ));
    }
    if args.check && args.shard.shard.is_some() {
        return Err(usage_error(
            "--check",
            "--check judges the whole run, which a shard is not: merge the shards, then gate on the merged summary (`drsim merge ... --format json`)".into(),
        ));
    }
    let out = output
        .out
        .clone()
        .unwrap_or_else(|| default_output_dir(&scenario.scenario));
    let provenance = Provenance::of(&file, &scenario.set, args.force);
    let outputs = RunOutputs {
        per_vm: args.per_vm,
        charts: !output.no_charts,
        until_settled: args.until_settled.then_some(args.max_replications),
        shard: parse_shard(&args.shard)?,
        exact_up_to: args.exact_up_to as usize,
    };
    interrupt::install();
    let terminal = Terminal::new(output.quiet);
    let result = run_to_directory(&s, config, &out, outputs, &provenance, &terminal)?;
    drop(terminal);
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

/// Colours MET green, MISSED red and INCONCLUSIVE yellow on a terminal.
fn highlight_verdicts(text: &str, terminal: bool) -> String {
    if !terminal {
        return text.to_string();
    }
    text.replace(": MET ", ": \x1b[1;32mMET\x1b[0m ")
        .replace(": MISSED ", ": \x1b[1;31mMISSED\x1b[0m ")
        .replace(": INCONCLUSIVE ", ": \x1b[1;33mINCONCLUSIVE\x1b[0m ")
}
