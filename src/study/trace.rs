//! One replication replayed with every note kept: what `drsim trace`
//! narrates and `drsim teach` and `drsim serve` turn into a lesson. On a
//! year of operations the replication is a year: its outages are composed
//! too (`outcome.year`), as in a run.

use super::ArgumentError;
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
/// run, so the outcome (and, on a year of operations, its year) equals its
/// row of `replications.csv`.
pub fn replication(s: &Scenario, seed: u64, k: u64) -> Result<Traced, MonteCarloError> {
    let mut log = TraceLog::default();
    let mut outcome = run_cycle(s, seed, k, &mut log);
    if let Some(runaway) = outcome.runaway {
        return Err(MonteCarloError::Runaway(runaway));
    }
    if s.operations.is_some() {
        let year = crate::cycle::year::run_year(s, seed, k).map_err(|cycle| {
            MonteCarloError::Runaway(cycle.runaway.expect("a year's error is a runaway cycle"))
        })?;
        outcome.year = Some(Box::new(year));
    }
    Ok(Traced { log, outcome })
}

/// `--replication K` names a row of a run of `count` replications: one past
/// the run's count has no row anywhere, so it is refused rather than replayed.
pub fn check_replication(k: u64, count: u64) -> Result<(), ArgumentError> {
    if k < count {
        return Ok(());
    }
    Err(ArgumentError {
        flag: "--replication",
        message: format!(
            "--replication {k}: the run has replications 0 to {} (replications.csv numbers them from 0); pass -n/--replications N if the run you trace used more",
            count - 1
        ),
    })
}
