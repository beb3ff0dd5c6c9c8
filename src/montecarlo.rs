//! Many replications of the cycle in parallel, delivered in replication order.
//!
//! Replication `k` depends only on `(scenario, seed, k)` (see
//! [`crate::cycle::draws`]). Replications run in chunks on a rayon pool; each
//! chunk is collected in order and handed to the caller's sink, in order,
//! while the next chunk is computed, so outputs are byte-identical for any
//! thread count and at most two chunks of outcomes are held at a time (what
//! the sink keeps is its own business: `drsim run` keeps the first
//! `--exact-up-to` replications whole and summaries beyond).

use rayon::prelude::*;

use crate::cycle::{CycleOutcome, run_replication};
use crate::scenario::Scenario;

/// Replications per parallel chunk at most: large enough to keep every
/// thread busy, small enough that a chunk's outcomes fit comfortably in
/// memory. Two chunks are held at once (one written while the next runs).
const CHUNK: u64 = 4096;

/// Replications per chunk for `scenario`: an outcome holds a row per VM
/// (about 70 bytes each, with its sampled inputs), so an estate's chunks are
/// shorter, about 16 MB of outcomes each: 4,096 outcomes of 1,000 VMs took
/// 250 MB and made a run's memory look as if it grew with the replications
/// (docs/performance.md). The results do not depend on it.
fn chunk_for(scenario: &Scenario) -> u64 {
    let vms = scenario.vms.len().max(1) as u64;
    (229_376 / vms).clamp(128, CHUNK)
}

pub use crate::scenario::MAX_REPLICATIONS;

/// Replications a thread takes at once within a chunk (see [`compute_chunk`]).
const MAX_PIECE: usize = 16;

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

/// Replications `chunk` on `pool`, in order; the first runaway in
/// replication order if any ran away.
fn compute_chunk(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    seed: u64,
    chunk: std::ops::Range<u64>,
) -> Result<Vec<CycleOutcome>, crate::cycle::budget::Runaway> {
    // A runaway replication stops the chunk early (rayon stops handing out
    // work once one fails)...
    let outcomes: Result<Vec<CycleOutcome>, u64> = pool.install(|| {
        // Offsets as usize: rayon splits (and orders) only those ranges as
        // indexed iterators.
        let len = usize::try_from(chunk.end - chunk.start).expect("a chunk fits in memory");
        (0..len)
            .into_par_iter()
            // Small pieces: when one thread runs out of work near the end of
            // a chunk, what is left to share is at most a few replications,
            // so the threads finish the chunk together.
            .with_max_len(MAX_PIECE)
            .map(|offset| chunk.start + offset as u64)
            .map(|k| {
                let outcome = run_replication(scenario, seed, k);
                match outcome.runaway {
                    Some(_) => Err(k),
                    None => Ok(outcome),
                }
            })
            .collect()
    });
    // ...and the first runaway in replication order is found again one by
    // one, so the error names the same replication for any thread count (the
    // replications before it are cheap).
    outcomes.map_err(|found| {
        (chunk.start..=found)
            .find_map(|k| run_replication(scenario, seed, k).runaway)
            .expect("the replication found to run away does so again")
    })
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
    // Chunks are made as they are needed: a list of them all would take
    // memory in proportion to the replications.
    let chunk = chunk_for(scenario);
    let chunks = (range.start..range.end)
        .step_by(chunk as usize)
        .map(|start| start..(start + chunk).min(range.end));
    // While the caller's sink takes chunk i on this thread, chunk i + 1 is
    // computed on the pool: writing rows overlaps simulating.
    let mut ready: Option<Vec<CycleOutcome>> = None;
    for chunk in chunks.map(Some).chain([None]) {
        let (next, sunk) = std::thread::scope(|scope| {
            let next = chunk
                .map(|chunk| scope.spawn(|| compute_chunk(&pool, scenario, config.seed, chunk)));
            let sunk = ready
                .take()
                .map_or(Ok(()), |outcomes| outcomes.iter().try_for_each(&mut sink));
            let next = next.map(|h| h.join().expect("a chunk's thread does not panic"));
            (next, sunk)
        });
        sunk?;
        match next {
            None => break,
            Some(Ok(outcomes)) => ready = Some(outcomes),
            Some(Err(runaway)) => return Err(MonteCarloError::Runaway(runaway).into()),
        }
    }
    Ok(())
}
