//! Analyses over a run's replications, pure functions of the collected values:
//! what the RTO and RPO are made of ([`drivers`]), and which random inputs
//! drive them ([`sensitivity`]).
//!
//! They read the columns the run collected ([`crate::stats::Collector`]), so
//! they need no extra replications and agree with the CSV files to the digit.

pub mod drivers;
pub mod sensitivity;
