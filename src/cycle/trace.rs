//! Observers of a cycle: the narrated event log behind `drsim trace`.
//!
//! The Monte Carlo path runs with [`NoTrace`], whose `enabled()` is a constant
//! `false`, so narration costs nothing there; `trace` runs the very same code
//! with a [`TraceLog`] that keeps every note.

use super::fluid::FluidLink;
use crate::engine::SimTime;

/// The part of the cycle a note belongs to (0: before the outage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Replicating,
    Failover,
    Reprotect,
    Failback,
    ReprotectBack,
}

impl Phase {
    /// Before the outage, replication; from it on, the failover stage (used for
    /// events, such as faults, that are not tied to one stage).
    pub fn of_time(time: SimTime, t0: SimTime) -> Phase {
        if time < t0 {
            Phase::Replicating
        } else {
            Phase::Failover
        }
    }

    /// The label used in logs, after ASR's stage names.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Replicating => "replication",
            Phase::Failover => "stage 1 failover",
            Phase::Reprotect => "stage 2 reprotect",
            Phase::Failback => "stage 3 failback",
            Phase::ReprotectBack => "stage 4 reprotect",
        }
    }
}

/// Receives narration from a running cycle.
pub trait Observer {
    fn enabled(&self) -> bool;
    fn record(&mut self, time: SimTime, phase: Phase, text: String);

    /// Called after every event when `enabled()`, with the links' state: the
    /// hook for invariant checks (conservation of bytes) in tests.
    fn after_event(&mut self, _now: SimTime, _forward: &[FluidLink], _reverse: &[FluidLink]) {}

    /// Records the note built by `text` only when someone listens.
    fn note(&mut self, time: SimTime, phase: Phase, text: impl FnOnce() -> String) {
        if self.enabled() {
            self.record(time, phase, text());
        }
    }
}

/// Discards everything; the Monte Carlo observer.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTrace;

impl Observer for NoTrace {
    fn enabled(&self) -> bool {
        false
    }
    fn record(&mut self, _: SimTime, _: Phase, _: String) {}
}

/// One line of a narrated cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    pub time: SimTime,
    pub phase: Phase,
    pub text: String,
}

/// Keeps every note, in the order the engine produced them.
#[derive(Debug, Clone, Default)]
pub struct TraceLog {
    pub entries: Vec<TraceEntry>,
}

impl Observer for TraceLog {
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, time: SimTime, phase: Phase, text: String) {
        self.entries.push(TraceEntry { time, phase, text });
    }
}
