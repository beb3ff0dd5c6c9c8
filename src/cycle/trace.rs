//! Observers of a cycle: the narrated event log behind `drsim trace`.
//!
//! The Monte Carlo path runs with [`NoTrace`], whose `enabled()` is a constant
//! `false`, so narration costs nothing there; `trace` runs the very same code
//! with a [`TraceLog`] that keeps every note.

use super::fluid::{Breakpoint, FluidLink};
use super::replication::{PointChoice, Schedule};
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

    /// Something that lasted from `start` to `end` (a stage, a group, a VM's
    /// boot), called when it ends: the rows of the trace's Gantt chart.
    fn span(&mut self, _span: Span) {}

    /// At the outage, each VM's replication history, its recovery-point schedule
    /// and the point it will use.
    fn replication(
        &mut self,
        _vm: usize,
        _history: &[Breakpoint],
        _schedule: &Schedule,
        _choice: &PointChoice,
    ) {
    }

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

/// What a span of the cycle is, which decides its row style in the Gantt chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    /// The primary site's outage itself, `t0` until the site is back.
    Outage,
    /// Detection, decision: what happens to the team.
    Event,
    /// One of the four stages, or the wait before failback.
    Stage,
    Group,
    Vm,
}

/// One bar of the Gantt chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub label: String,
    pub kind: SpanKind,
    pub phase: Phase,
    pub start: SimTime,
    pub end: SimTime,
}

/// A VM's replication at the outage, for the lag chart.
#[derive(Debug, Clone)]
pub struct VmReplication {
    pub vm: usize,
    pub history: Vec<Breakpoint>,
    /// The schedule its points are taken on (crash- or app-consistent).
    pub schedule: Schedule,
    pub choice: PointChoice,
}

/// Keeps every note, span and history, in the order the engine produced them.
#[derive(Debug, Clone, Default)]
pub struct TraceLog {
    pub entries: Vec<TraceEntry>,
    pub spans: Vec<Span>,
    pub replications: Vec<VmReplication>,
}

impl Observer for TraceLog {
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, time: SimTime, phase: Phase, text: String) {
        self.entries.push(TraceEntry { time, phase, text });
    }
    fn span(&mut self, span: Span) {
        self.spans.push(span);
    }
    fn replication(
        &mut self,
        vm: usize,
        history: &[Breakpoint],
        schedule: &Schedule,
        choice: &PointChoice,
    ) {
        self.replications.push(VmReplication {
            vm,
            history: history.to_vec(),
            schedule: *schedule,
            choice: *choice,
        });
    }
}
