//! One replication replayed with every note kept: what `drsim trace`
//! narrates and `drsim teach` and `drsim serve` turn into a lesson.

use crate::cycle::{CycleOutcome, TraceLog, run_cycle};
use crate::montecarlo::MonteCarloError;
use crate::scenario::Scenario;

/// A replication's narration and outcome.
#[derive(Debug)]
pub struct Traced {
    pub log: TraceLog,
    pub outcome: CycleOutcome,
}

/// Replays replication `k` of `s` from master `seed`: the same draws as in a
/// run, so the outcome equals its row of `replications.csv`.
pub fn replication(s: &Scenario, seed: u64, k: u64) -> Result<Traced, MonteCarloError> {
    let mut log = TraceLog::default();
    let outcome = run_cycle(s, seed, k, &mut log);
    match outcome.runaway {
        Some(runaway) => Err(MonteCarloError::Runaway(runaway)),
        None => Ok(Traced { log, outcome }),
    }
}
