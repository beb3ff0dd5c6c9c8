//! Observers of a cycle: the narrated event log behind `drsim trace`.
//!
//! The Monte Carlo path runs with [`NoTrace`], whose `enabled()` is a constant
//! `false`, so narration costs nothing there; `trace` runs the very same code
//! with a [`TraceLog`] that keeps every note.

use super::fluid::FluidLink;
use super::replication::PointChoice;
use crate::engine::{SimDuration, SimTime};

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

    /// A note of detail (a churn rate change): a trace summarises those long
    /// before the outage unless asked for everything.
    fn record_detail(&mut self, time: SimTime, phase: Phase, text: String) {
        self.record(time, phase, text);
    }

    /// Called after every event when `enabled()`, with the links' state: the
    /// hook for invariant checks (capacity, fair sharing) in tests.
    fn after_event(&mut self, _now: SimTime, _forward: &[FluidLink], _reverse: &[FluidLink]) {}

    /// Something that lasted from `start` to `end` (a stage, a group, a VM's
    /// boot), called when it ends: the rows of the trace's Gantt chart.
    fn span(&mut self, _span: Span) {}

    /// At the outage: how each VM's replication lag evolved before it, and the
    /// recovery points it had (the trace's lag chart).
    fn replication_at_outage(&mut self, _replication: ReplicationAtOutage) {}

    /// Records the note built by `text` only when someone listens.
    fn note(&mut self, time: SimTime, phase: Phase, text: impl FnOnce() -> String) {
        if self.enabled() {
            self.record(time, phase, text());
        }
    }

    /// Records a detail note built by `text` only when someone listens.
    fn detail(&mut self, time: SimTime, phase: Phase, text: impl FnOnce() -> String) {
        if self.enabled() {
            self.record_detail(time, phase, text());
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
    /// A detail (a churn rate change), summarised unless the trace is full.
    pub detail: bool,
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

/// One sample of a VM's replication lag before the outage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LagSample {
    /// How long before `t0` the sample is taken.
    pub before_outage_s: f64,
    pub lag: SimDuration,
}

/// A VM's replication before the outage, as the cycle recorded it for a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct VmReplication {
    pub vm: usize,
    /// The lag at evenly spaced instants over the window, oldest first.
    pub lag: Vec<LagSample>,
    /// Instants of the points of its schedule (crash- or app-consistent) still
    /// retained at `t0` within the window, newest first.
    pub retained_points: Vec<SimTime>,
    /// The point it fails over to.
    pub choice: PointChoice,
}

/// Every VM's replication before the outage, over one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplicationAtOutage {
    /// How far before `t0` the samples reach: twice the worst VM's RPO or lag,
    /// at least three crash-consistent intervals and an hour, at most the history.
    pub window_s: f64,
    pub vms: Vec<VmReplication>,
}

/// Keeps every note, span and history, in the order the engine produced them,
/// except that of the detail notes (churn changes) only the newest
/// [`TraceLog::KEPT_DETAILS`] are kept: a valid scenario can change its churn
/// millions of times per replication, and the narration summarises the old
/// ones anyway.
#[derive(Debug, Clone, Default)]
pub struct TraceLog {
    pub entries: Vec<TraceEntry>,
    pub spans: Vec<Span>,
    pub replication: ReplicationAtOutage,
    /// Detail notes dropped, the oldest first, to keep memory bounded.
    pub omitted_details: u64,
    /// Detail notes held in `entries`.
    details: usize,
}

impl TraceLog {
    pub const KEPT_DETAILS: usize = 200_000;

    /// Drops the oldest detail notes beyond the newest `KEPT_DETAILS`; run
    /// when twice as many are held, so each note is moved at most twice.
    fn compact(&mut self) {
        let mut drop = self.details - Self::KEPT_DETAILS;
        self.omitted_details += drop as u64;
        self.details = Self::KEPT_DETAILS;
        self.entries.retain(|e| {
            if e.detail && drop > 0 {
                drop -= 1;
                false
            } else {
                true
            }
        });
    }
}

impl Observer for TraceLog {
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, time: SimTime, phase: Phase, text: String) {
        self.entries.push(TraceEntry {
            time,
            phase,
            text,
            detail: false,
        });
    }
    fn record_detail(&mut self, time: SimTime, phase: Phase, text: String) {
        self.entries.push(TraceEntry {
            time,
            phase,
            text,
            detail: true,
        });
        self.details += 1;
        if self.details >= 2 * Self::KEPT_DETAILS {
            self.compact();
        }
    }
    fn span(&mut self, span: Span) {
        self.spans.push(span);
    }
    fn replication_at_outage(&mut self, replication: ReplicationAtOutage) {
        self.replication = replication;
    }
}

#[cfg(test)]
mod kept_details_tests {
    use super::*;

    #[test]
    fn only_the_newest_details_are_kept_and_every_note() {
        let mut log = TraceLog::default();
        let total = 2 * TraceLog::KEPT_DETAILS + 12_345;
        for i in 0..total {
            let t = SimTime::from_millis(i as i64);
            log.record_detail(t, Phase::Replicating, format!("churn {i}"));
            if i % 100_000 == 0 {
                log.record(t, Phase::Replicating, format!("note {i}"));
            }
        }
        let details: Vec<&TraceEntry> = log.entries.iter().filter(|e| e.detail).collect();
        assert!(details.len() < 2 * TraceLog::KEPT_DETAILS);
        assert_eq!(log.omitted_details as usize + details.len(), total);
        assert_eq!(details.last().unwrap().text, format!("churn {}", total - 1));
        // The kept details are the newest, contiguous.
        let first_kept = log.omitted_details as usize;
        assert_eq!(details[0].text, format!("churn {first_kept}"));
        let notes = log.entries.iter().filter(|e| !e.detail).count();
        assert_eq!(notes, total.div_ceil(100_000));
    }
}
