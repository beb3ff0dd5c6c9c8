//! What the commands share: the error type and its exit codes, reading
//! scenarios, the run settings from the command line, output directories,
//! and the flags that re-make a study (for its manifest).

use std::path::{Path, PathBuf};

use crate::cli::{ShardArgs, SimulationArgs};
use crate::montecarlo::MonteCarloError;
use crate::report::chart::ChartError;
use crate::scenario::overrides::parse_all;
use crate::scenario::{Scenario, ScenarioError, ScenarioFile};
use crate::study::RunSettings;

/// Why a command failed; [`CliError::exit_code`] maps it to the process status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The scenario is unreadable or invalid: exit code 2, nothing written.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// Writing results failed: exit code 1; files already in place are untouched.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A chart could not be drawn: exit code 1; nothing of the run is written.
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    MonteCarlo(#[from] MonteCarloError),
    /// A flag's value makes no sense (exit code 2, nothing written); the
    /// message names the flag.
    #[error("invalid command line: {0}")]
    Usage(String),
    /// `run --check`: a target is missed (exit code 1).
    #[error("check failed: {0}")]
    TargetMissed(String),
    /// `run --check`: no target missed, but a verdict is inconclusive (exit code 3).
    #[error("check inconclusive: {0}")]
    Inconclusive(String),
    /// `verify` could not re-make the results byte for byte, or `merge` was
    /// given shards that do not belong together (exit code 1).
    #[error("{0}")]
    Mismatch(String),
    /// `merge` was given shards that do not belong together (exit code 2,
    /// nothing written).
    #[error("cannot merge: {0}")]
    Merge(String),
    /// SIGINT or SIGTERM stopped the run: exit code 130 or 143; nothing of the
    /// run is written and no temporary file is left.
    #[error("interrupted by {signal}: {context}")]
    Interrupted {
        signal: &'static str,
        code: u8,
        context: String,
    },
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Scenario(_)
            | CliError::Usage(_)
            | CliError::Merge(_)
            | CliError::MonteCarlo(MonteCarloError::Runaway(_)) => 2,
            CliError::Output { .. }
            | CliError::Chart(_)
            | CliError::MonteCarlo(_)
            | CliError::TargetMissed(_)
            | CliError::Mismatch(_) => 1,
            CliError::Inconclusive(_) => 3,
            CliError::Interrupted { code, .. } => *code,
        }
    }
}

impl From<crate::study::ArgumentError> for CliError {
    fn from(e: crate::study::ArgumentError) -> CliError {
        usage_error(e.flag, e.message)
    }
}

impl From<crate::store::StoreError> for CliError {
    fn from(e: crate::store::StoreError) -> CliError {
        use crate::store::StoreError;
        match e {
            StoreError::Output { path, source } => CliError::Output { path, source },
            StoreError::Refused { flag, message } => usage_error(flag, message),
            StoreError::Merge(message) => CliError::Merge(message),
            StoreError::Mismatch(message) => CliError::Mismatch(message),
            StoreError::Scenario(e) => CliError::Scenario(e),
            StoreError::Chart(e) => CliError::Chart(e),
            StoreError::MonteCarlo(e) => CliError::MonteCarlo(e),
            StoreError::Stopped { stop, context } => CliError::Interrupted {
                signal: stop.signal,
                code: stop.code,
                context,
            },
        }
    }
}

/// An output failure at `path`, keeping the underlying error as its source.
pub(crate) fn output_error(
    path: &Path,
    e: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> CliError {
    CliError::Output {
        path: path.to_path_buf(),
        source: e.into(),
    }
}

/// `--shard I/N|auto` (with `--shards N`), read against the environment.
pub(crate) fn parse_shard(
    args: &ShardArgs,
) -> Result<Option<crate::study::shard::Shard>, CliError> {
    args.shard
        .as_ref()
        .map(|text| {
            crate::study::shard::Shard::parse(text, args.shards, |name| std::env::var(name).ok())
                .map_err(|e| usage_error("--shard", e.to_string()))
        })
        .transpose()
}

/// A command-line problem that clap cannot see (exit code 2): `flag` names it.
pub(crate) fn usage_error(flag: &str, message: String) -> CliError {
    if message.starts_with(flag) {
        CliError::Usage(message)
    } else {
        CliError::Usage(format!("{flag}: {message}"))
    }
}

/// Reads the scenario at `path` with the `--set` overrides applied.
pub(crate) fn load_scenario(path: &Path, sets: &[String]) -> Result<Scenario, CliError> {
    Ok(ScenarioFile::read(path)?.load(&parse_all(sets)?)?)
}

/// The command line's `-n`, `--seed` and `--threads`.
pub(crate) fn settings(args: SimulationArgs) -> RunSettings {
    RunSettings {
        replications: args.replications,
        seed: args.seed,
        threads: args.threads.count(),
    }
}

/// The run configuration of `s` with the command line's `-n`, `--seed` and
/// `--threads` on top.
pub(crate) fn run_config(s: &Scenario, args: SimulationArgs) -> crate::montecarlo::RunConfig {
    settings(args).config(s)
}

/// `results/<scenario file stem>/`.
pub fn default_output_dir(scenario: &Path) -> PathBuf {
    // A stem that is not a plain name (`...toml` has `..`) would write
    // outside `results/`.
    let stem = scenario
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && s != "." && s != ".." && !s.contains(['/', '\\']))
        .unwrap_or_else(|| "scenario".into());
    Path::new("results").join(stem)
}

/// `results/<scenario file stem><suffix>/`, e.g. `results/plan-sweep/`.
pub(crate) fn output_dir_with_suffix(scenario: &Path, suffix: &str) -> PathBuf {
    let base = default_output_dir(scenario);
    let name = base
        .file_name()
        .map_or_else(|| "scenario".into(), |n| n.to_string_lossy().into_owned());
    base.with_file_name(format!("{name}{suffix}"))
}

/// `--set` arguments as written, repeated: `--set A --set B`.
pub(crate) fn flag_each(flag: &str, values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| [flag.to_string(), v.clone()])
        .collect()
}

/// `-n N` and `--seed S` as given (nothing for the scenario's own).
pub(crate) fn simulation_flags(args: SimulationArgs) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(n) = args.replications {
        flags.extend(["-n".to_string(), n.to_string()]);
    }
    if let Some(seed) = args.seed {
        flags.extend(["--seed".to_string(), seed.to_string()]);
    }
    flags
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn output_errors_keep_their_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full");
        let e = output_error(Path::new("out/summary.csv"), io);
        assert_eq!(e.to_string(), "cannot write out/summary.csv: disk full");
        assert_eq!(e.exit_code(), 1);
        let source = e.source().expect("the io::Error is kept");
        let io = source
            .downcast_ref::<std::io::Error>()
            .expect("as an io::Error");
        assert_eq!(io.kind(), std::io::ErrorKind::StorageFull);
    }

    #[test]
    fn chart_failures_say_which_chart_not_which_directory() {
        let e = CliError::from(ChartError {
            chart: "rpo".into(),
            message: "no font".into(),
        });
        assert_eq!(e.to_string(), "cannot draw chart `rpo`: no font");
        assert_eq!(e.exit_code(), 1);
    }
}
