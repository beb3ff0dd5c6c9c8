//! One replication of the four-stage cycle, replayed on the event engine.
//!
//! The run starts `history` before the outage with replication already healthy,
//! so the state at the outage (backlogs, lag, which recovery points are usable)
//! comes from the fluid replication model, not from a sampled number. Then:
//!
//! 1. failover (`recovery`): detection, decision, the recovery plan group by group;
//! 2. reprotect (`failback`): checksum, delta (or full) transfer back, processing;
//! 3. failback: Azure VMs shut down, final sync, on-premises boot in plan order;
//! 4. reprotect back: forward replication re-established; the cycle is closed.
//!
//! Every random quantity is drawn up front or from a dedicated stream
//! ([`draws`]), so a replication is a pure function of `(scenario, seed, k)`.

mod churn;
pub mod draws;
mod failback;
pub mod fluid;
pub mod outcome;
mod plan;
mod recovery;
pub mod replication;
pub mod trace;

use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::scenario::Scenario;
use draws::Draws;
use fluid::FluidLink;
pub use outcome::{CycleOutcome, VmOutcome};
use plan::{PlanEvent, PlanRun, PlanStage};
use replication::PointChoice;
pub use trace::{NoTrace, Observer, Phase, Span, SpanKind, TraceEntry, TraceLog, VmReplication};

/// A cycle that has not closed this long after the outage is cut off (it can
/// only happen when a resync can never catch up with the churn).
pub const HORIZON: SimDuration = SimDuration::from_secs(365 * 86_400);

/// Which way data flows on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// On-premises -> Azure: normal protection, and stage 4.
    Forward,
    /// Azure -> on-premises: stages 2 and 3.
    Reverse,
}

/// Everything that can happen in a cycle. Small and `Copy`: the queue never boxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// A churn process changes a VM's write rate.
    ChurnChange(usize),
    /// A burst of writes lands on a VM with bursty churn.
    Burst(usize),
    FaultStart(usize),
    FaultEnd(usize),
    Outage,
    Detected,
    Declared,
    DiskPrepared(usize),
    PrimaryBack,
    ReprotectStart(Direction),
    ChecksumDone(Direction, usize),
    ReprotectVmDone(Direction, usize),
    /// A backlog on `link` may have emptied; stale if the link's epoch moved on.
    FlowCheck(Direction, usize, u64),
    FailbackStart,
    AzureShutDown(usize),
    FinalSynced(usize),
    Plan(PlanStage, PlanEvent),
}

/// Progress of one VM's reprotect in one direction.
#[derive(Debug, Clone, Copy, Default)]
struct VmResync {
    started: Option<SimTime>,
    checksum_done: Option<SimTime>,
    /// Waiting for its flow's backlog (the delta) to drain.
    transferring: bool,
}

/// Instants that define the metrics; `None` until reached.
#[derive(Debug, Clone, Copy, Default)]
struct Milestones {
    detected: Option<SimTime>,
    declared: Option<SimTime>,
    stage1_end: Option<SimTime>,
    primary_back: Option<SimTime>,
    stage2_start: Option<SimTime>,
    stage2_end: Option<SimTime>,
    stage3_start: Option<SimTime>,
    stage3_end: Option<SimTime>,
    stage4_start: Option<SimTime>,
    stage4_end: Option<SimTime>,
}

struct CycleRun<'a, O: Observer> {
    scenario: &'a Scenario,
    draws: Draws,
    seed: u64,
    replication: u64,
    observer: &'a mut O,
    queue: EventQueue<Event>,
    t0: SimTime,
    forward: Vec<FluidLink>,
    reverse: Vec<FluidLink>,
    points: Vec<PointChoice>,
    failover: PlanRun,
    failback: PlanRun,
    resync: [Vec<VmResync>; 2],
    resyncs_left: [usize; 2],
    final_sync_pending: Vec<bool>,
    at: Milestones,
    churn: Vec<churn::ChurnRun>,
    fault_active: Vec<bool>,
    /// Target slowdowns as `[start, end)` windows with their factor.
    slowdowns: Vec<(SimTime, SimTime, f64)>,
    rpo_alert: Vec<SimDuration>,
    /// The disaster was not declared: the outage was ridden out.
    ridden_out: bool,
    azure_stopped_at: Vec<Option<SimTime>>,
    stage2_bytes: f64,
    stage3_bytes: f64,
    stage4_bytes: f64,
}

/// Runs replication `replication` of `scenario` with `seed`, narrating to `observer`.
pub fn run_cycle<O: Observer>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    observer: &mut O,
) -> CycleOutcome {
    let draws = Draws::sample(scenario, seed, replication);
    let t0 = draws.timeline.outage_start;
    let history_start = t0 - scenario.policy.history;
    let n = scenario.vms.len();
    let links = |direction: Direction| -> Vec<FluidLink> {
        draws
            .links
            .iter()
            .map(|l| {
                let capacity = match direction {
                    Direction::Forward => l.bandwidth,
                    Direction::Reverse => l.reverse_bandwidth,
                };
                FluidLink::new(capacity, n, history_start)
            })
            .collect()
    };
    let mut run = CycleRun {
        scenario,
        forward: links(Direction::Forward),
        reverse: links(Direction::Reverse),
        draws,
        seed,
        replication,
        observer,
        queue: EventQueue::with_capacity(history_start, 4 * n + 8),
        t0,
        points: Vec::with_capacity(n),
        failover: PlanRun::new(
            n,
            scenario.groups.len(),
            seed,
            replication,
            PlanStage::Failover,
        ),
        failback: PlanRun::new(
            n,
            scenario.groups.len(),
            seed,
            replication,
            PlanStage::Failback,
        ),
        resync: [vec![VmResync::default(); n], vec![VmResync::default(); n]],
        resyncs_left: [n, n],
        final_sync_pending: vec![false; n],
        at: Milestones::default(),
        churn: Vec::with_capacity(n),
        fault_active: vec![false; scenario.faults.len()],
        slowdowns: Vec::new(),
        rpo_alert: vec![SimDuration::ZERO; n],
        ridden_out: false,
        azure_stopped_at: vec![None; n],
        stage2_bytes: 0.0,
        stage3_bytes: 0.0,
        stage4_bytes: 0.0,
    };
    run.start_history(history_start);
    run.run_events();
    run.outcome()
}

impl<O: Observer> CycleRun<'_, O> {
    fn run_events(&mut self) {
        let horizon = self.t0 + HORIZON;
        while self.at.stage4_end.is_none() {
            match self.queue.peek_time() {
                Some(t) if t <= horizon => {}
                _ => break,
            }
            let Some((now, event)) = self.queue.pop() else {
                break;
            };
            self.handle(now, event);
            if self.observer.enabled() {
                self.observer.after_event(now, &self.forward, &self.reverse);
            }
        }
    }

    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::ChurnChange(vm) => self.on_churn_change(now, vm),
            Event::Burst(vm) => self.on_burst(now, vm),
            Event::FaultStart(f) => self.on_fault(now, f, true),
            Event::FaultEnd(f) => self.on_fault(now, f, false),
            Event::Outage => self.on_outage(now),
            Event::Detected => self.on_detected(now),
            Event::Declared => self.on_declared(now),
            Event::DiskPrepared(vm) => self.on_disk_prepared(now, vm),
            Event::PrimaryBack => self.on_primary_back(now),
            Event::ReprotectStart(d) => self.on_reprotect_start(now, d),
            Event::ChecksumDone(d, vm) => self.on_checksum_done(now, d, vm),
            Event::ReprotectVmDone(d, vm) => self.on_reprotect_vm_done(now, d, vm),
            Event::FlowCheck(d, link, epoch) => self.on_flow_check(now, d, link, epoch),
            Event::FailbackStart => self.on_failback_start(now),
            Event::AzureShutDown(vm) => self.on_azure_shut_down(now, vm),
            Event::FinalSynced(vm) => self.on_final_synced(now, vm),
            Event::Plan(stage, event) => self.on_plan_event(stage, event, now),
        }
    }

    /// Reports a span to the observer (only when someone listens).
    fn span(
        &mut self,
        label: impl FnOnce() -> String,
        kind: SpanKind,
        phase: Phase,
        start: SimTime,
        end: SimTime,
    ) {
        if self.observer.enabled() {
            self.observer.span(Span {
                label: label(),
                kind,
                phase,
                start,
                end,
            });
        }
    }

    fn link_mut(&mut self, direction: Direction, link: usize) -> &mut FluidLink {
        match direction {
            Direction::Forward => &mut self.forward[link],
            Direction::Reverse => &mut self.reverse[link],
        }
    }

    /// After any change to a link: schedule the check for its next emptying backlog.
    fn watch_link(&mut self, direction: Direction, link: usize) {
        let l = self.link_mut(direction, link);
        if let Some(t) = l.next_drain() {
            let epoch = l.epoch();
            self.queue
                .schedule(t, Event::FlowCheck(direction, link, epoch));
        }
    }

    fn outcome(&self) -> CycleOutcome {
        let t0 = self.t0;
        let horizon = t0 + HORIZON;
        let at = self.at;
        let end = |t: Option<SimTime>| t.unwrap_or(horizon);
        let s = self.scenario;
        if self.ridden_out {
            return self.ridden_out_outcome(end(at.primary_back));
        }
        let stage1_end = end(at.stage1_end);
        let stage2_end = end(at.stage2_end);
        let stage3_start = end(at.stage3_start);
        let stage3_end = end(at.stage3_end);
        let stage4_end = end(at.stage4_end);
        let rto = stage1_end.since(t0);
        let stage3_downtime = stage3_end.since(stage3_start);
        let vms: Vec<VmOutcome> = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| VmOutcome {
                rpo: p.rpo,
                rto: end(self.failover.up_at(i)).since(t0),
                data_lost_bytes: p.data_lost_bytes,
                lag_at_outage: p.lag,
                rpo_alert: self.rpo_alert[i],
                no_usable_point: p.fell_back_to_start,
            })
            .collect();
        // Running in Azure: from each VM's boot there until its shutdown at failback.
        let azure_cost = s
            .vms
            .iter()
            .enumerate()
            .map(|(v, vm)| {
                let hours = end(self.azure_stopped_at[v])
                    .since(end(self.failover.up_at(v)))
                    .as_secs_f64()
                    / 3600.0;
                hours * vm.azure_vm_hour
            })
            .sum();
        CycleOutcome {
            replication: self.replication,
            outage_start: t0,
            outage_duration: self.draws.timeline.outage_duration,
            declared: true,
            rpo: vms.iter().map(|v| v.rpo).max().unwrap_or_default(),
            rto,
            stage1: stage1_end.since(end(at.declared)),
            stage2: stage2_end.since(end(at.stage2_start)),
            stage3_downtime,
            stage4: stage4_end.since(end(at.stage4_start)),
            unprotected: stage2_end.since(t0) + stage4_end.since(stage3_start),
            cycle: stage4_end.since(t0),
            total_downtime: rto + stage3_downtime,
            data_lost_bytes: vms.iter().map(|v| v.data_lost_bytes).sum(),
            lag_at_outage: vms
                .iter()
                .map(|v| v.lag_at_outage)
                .max()
                .unwrap_or_default(),
            rpo_alert: vms.iter().map(|v| v.rpo_alert).max().unwrap_or_default(),
            consistency_group_rpo: s
                .consistency_groups
                .iter()
                .map(|g| g.vms.iter().map(|&v| vms[v].rpo).max().unwrap_or_default())
                .collect(),
            primary_data_lost: self.draws.timeline.primary_data_lost,
            closed: at.stage4_end.is_some(),
            step_retries: self.failover.step_retries + self.failback.step_retries,
            allocation_retries: self.failover.allocation_retries,
            vm_failover_retries: self.failover.vm_retries,
            stage2_bytes: self.stage2_bytes,
            stage3_bytes: self.stage3_bytes,
            stage4_bytes: self.stage4_bytes,
            azure_cost,
            group_rto: (0..s.groups.len())
                .map(|g| end(self.failover.group_done_at(g)).since(t0))
                .collect(),
            vms,
            events: self.queue.delivered(),
        }
    }

    /// No failover: service comes back with the primary at `back`; nothing is
    /// lost (the primary's disks survived) and there is no stage 1 to 4.
    fn ridden_out_outcome(&self, back: SimTime) -> CycleOutcome {
        let t0 = self.t0;
        let down = back.since(t0);
        let vms = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| VmOutcome {
                rpo: SimDuration::ZERO,
                rto: down,
                data_lost_bytes: 0.0,
                lag_at_outage: p.lag,
                rpo_alert: self.rpo_alert[i],
                no_usable_point: false,
            })
            .collect::<Vec<_>>();
        CycleOutcome {
            replication: self.replication,
            outage_start: t0,
            outage_duration: self.draws.timeline.outage_duration,
            declared: false,
            rpo: SimDuration::ZERO,
            rto: down,
            stage1: SimDuration::ZERO,
            stage2: SimDuration::ZERO,
            stage3_downtime: SimDuration::ZERO,
            stage4: SimDuration::ZERO,
            unprotected: down,
            cycle: down,
            total_downtime: down,
            data_lost_bytes: 0.0,
            lag_at_outage: vms
                .iter()
                .map(|v| v.lag_at_outage)
                .max()
                .unwrap_or_default(),
            rpo_alert: vms.iter().map(|v| v.rpo_alert).max().unwrap_or_default(),
            consistency_group_rpo: vec![SimDuration::ZERO; self.scenario.consistency_groups.len()],
            primary_data_lost: false,
            closed: self.at.stage4_end.is_some(),
            step_retries: 0,
            allocation_retries: 0,
            vm_failover_retries: 0,
            stage2_bytes: 0.0,
            stage3_bytes: 0.0,
            stage4_bytes: 0.0,
            azure_cost: 0.0,
            group_rto: vec![down; self.scenario.groups.len()],
            vms,
            events: self.queue.delivered(),
        }
    }
}
