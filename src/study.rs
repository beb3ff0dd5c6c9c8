//! The studies drsim answers questions with, as a library: what a command
//! asks (typed inputs) and what it gets back (typed results that
//! [`crate::report`] renders). A command parses its flags, calls a study and
//! renders the result; the study touches neither files nor the terminal.
//!
//! - [`run`]: what a run's replications say (summaries, verdicts, drivers).
//! - [`size`]: the value of one key at which a target is met at a percentile.
//! - [`sweep`]: the scenario at every point of a grid of values.
//! - [`compare`]: two plans on common random numbers, paired.
//! - [`shard`]: a study's work split among processes.
//! - [`trace`]: one replication replayed with its narration.
//!
//! Every study runs its replications through [`crate::montecarlo`] and
//! reports its progress to, and asks whether to stop of, a [`Watch`] the
//! caller supplies (a progress bar and the signal handler in the commands;
//! nothing in tests).

pub mod compare;
pub mod run;
pub mod shard;
pub mod size;
pub mod sweep;
pub mod trace;

use crate::montecarlo::{MonteCarloError, RunConfig};
use crate::scenario::{Scenario, ScenarioError};

/// How many replications, from which seed, on how many threads: what the
/// command line sets over the scenario's own `[simulation]` (`None`: the
/// scenario's value; threads: one per core).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSettings {
    pub replications: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
}

impl RunSettings {
    /// The run configuration for `s`.
    pub fn config(&self, s: &Scenario) -> RunConfig {
        let mut config = RunConfig::from_scenario(s);
        config.replications = self.replications.unwrap_or(config.replications);
        config.seed = self.seed.unwrap_or(config.seed);
        config.threads = self.threads;
        config
    }
}

/// What watches a study while it runs: told of its progress, asked whether
/// it must stop (between replications).
pub trait Watch: Sync {
    /// `replications` more are to be run.
    fn grow(&self, _replications: u64) {}
    /// One more replication is done.
    fn advance(&self) {}
    /// What the study is doing now ("plan A", "point 3/9").
    fn label(&self, _text: &str) {}
    /// `Some` once the study must stop (a signal arrived).
    fn stop(&self) -> Option<Stop> {
        None
    }
}

/// A watch that shows nothing and never stops the study.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unwatched;

impl Watch for Unwatched {}

/// Why a study stopped early: the signal, and the status a shell reports
/// for a process it ended (130 for SIGINT, 143 for SIGTERM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop {
    pub signal: &'static str,
    pub code: u8,
}

/// Why a study failed.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// A scenario (or an override) is invalid: nothing was run.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    MonteCarlo(#[from] MonteCarloError),
    /// The watch asked the study to stop; nothing it computed is returned.
    #[error("interrupted by {}", .0.signal)]
    Stopped(Stop),
}

/// A study's argument that cannot be used as written (`--target`,
/// `--between`, `--vary`): `flag` names it, and the message (which starts
/// with the flag and what was given) says what would be valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ArgumentError {
    pub flag: &'static str,
    pub message: String,
}

impl ArgumentError {
    /// The error for `flag`, from a message that names it.
    pub(crate) fn of(flag: &'static str) -> impl Fn(String) -> ArgumentError {
        move |message| ArgumentError { flag, message }
    }
}

/// `Err(Stopped)` once `watch` asks the study to stop.
pub(crate) fn check(watch: &dyn Watch) -> Result<(), StudyError> {
    match watch.stop() {
        Some(stop) => Err(StudyError::Stopped(stop)),
        None => Ok(()),
    }
}
