//! Many replications of the cycle in parallel, delivered in replication order.
//!
//! Replication `k` depends only on `(scenario, seed, k)` (see
//! [`crate::cycle::draws`]). Replications run in chunks on a rayon pool; each
//! chunk is collected in order and handed to the caller's sink before the next
//! one starts, so outputs are byte-identical for any thread count and at most
//! one chunk of outcomes is held at a time (what the sink keeps is its own
//! business: `drsim run` keeps one value per metric per replication).

use rayon::prelude::*;

use crate::cycle::{CycleOutcome, NoTrace, run_cycle};
use crate::scenario::Scenario;

/// Replications per parallel chunk: large enough to keep every thread busy,
/// small enough that a chunk's outcomes fit comfortably in memory.
const CHUNK: u64 = 4096;

#[derive(Debug, Clone, Copy)]
pub struct RunConfig {
    pub replications: u64,
    pub seed: u64,
    /// Worker threads; `None` lets rayon choose (one per core).
    pub threads: Option<usize>,
}

impl RunConfig {
    /// The scenario's own settings.
    pub fn from_scenario(scenario: &Scenario) -> Self {
        RunConfig {
            replications: scenario.simulation.replications,
            seed: scenario.simulation.seed,
            threads: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MonteCarloError {
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// A replication exceeded its event or memory budget.
    #[error("{0}; nothing was written")]
    Runaway(crate::cycle::budget::Runaway),
}

/// Runs every replication and feeds each outcome to `sink`, in replication order.
/// `sink` returns an error to stop the run early (e.g. a full disk); the
/// caller's error type also carries the run's own failures.
pub fn run<E: From<MonteCarloError>>(
    scenario: &Scenario,
    config: RunConfig,
    sink: impl FnMut(&CycleOutcome) -> Result<(), E>,
) -> Result<(), E> {
    run_range(scenario, config, 0..config.replications, sink)
}

/// Runs replications `range` (of a run configured by `config`; its
/// `replications` is not used) in order: a run can be continued where it
/// stopped, and the result is the same as running the whole range at once.
pub fn run_range<E: From<MonteCarloError>>(
    scenario: &Scenario,
    config: RunConfig,
    range: std::ops::Range<u64>,
    mut sink: impl FnMut(&CycleOutcome) -> Result<(), E>,
) -> Result<(), E> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder
        .build()
        .map_err(|source| MonteCarloError::ThreadPool {
            threads: config.threads.unwrap_or(0),
            source,
        })?;
    let mut start = range.start;
    while start < range.end {
        let end = (start + CHUNK).min(range.end);
        // A runaway replication stops the chunk early (rayon stops handing
        // out work once one fails)...
        let outcomes: Result<Vec<CycleOutcome>, u64> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|k| {
                    let outcome = run_cycle(scenario, config.seed, k, &mut NoTrace);
                    match outcome.runaway {
                        Some(_) => Err(k),
                        None => Ok(outcome),
                    }
                })
                .collect()
        });
        let outcomes = match outcomes {
            Ok(outcomes) => outcomes,
            // ...and the first runaway in replication order is found again
            // one by one, so the error names the same replication for any
            // thread count (the replications before it are cheap).
            Err(found) => {
                let runaway = (start..=found)
                    .find_map(|k| run_cycle(scenario, config.seed, k, &mut NoTrace).runaway)
                    .expect("the replication found to run away does so again");
                return Err(MonteCarloError::Runaway(runaway).into());
            }
        };
        for outcome in &outcomes {
            sink(outcome)?;
        }
        start = end;
    }
    Ok(())
}
