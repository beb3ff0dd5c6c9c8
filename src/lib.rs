//! drsim: a disaster-recovery simulator for the Azure Site Recovery
//! failover/failback cycle.
//!
//! The pipeline runs one way, and the modules mirror it:
//!
//! ```text
//! scenario file --parse--> raw --validate--> Scenario          (scenario)
//!   --> for k in 0..N, in parallel, RNG from (seed, k)          (montecarlo)
//!         --> one four-stage cycle on the event engine          (cycle, engine)
//!         --> CycleOutcome
//!   --> metric columns, in replication order                    (metrics)
//!   --> summaries: mean, quantiles, target fractions, verdicts  (stats)
//!   --> what drives the RTO and RPO                             (analysis)
//!   --> studies over typed inputs (size, ...)                   (study)
//!   --> CSV, terminal table, trace                              (report)
//!   --> shard files, shared searches                            (store)
//!   --> the teaching server's answers, HTTP on 127.0.0.1        (serve)
//! ```
//!
//! Only [`report`], [`store`] (results that processes share or come back
//! to: shard files, a shared sizing's directory) and [`commands`] touch files
//! or the terminal ([`cli`] only defines the command line); everything else
//! takes and returns plain values, so a replication is a pure function of
//! `(scenario, seed, k)` and outputs are byte-identical for any thread count.

pub mod analysis;
pub mod cli;
pub mod commands;
pub mod cycle;
pub mod engine;
pub mod metrics;
pub mod montecarlo;
pub mod report;
pub mod scenario;
pub mod serve;
pub mod stats;
pub mod store;
pub mod study;
