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
//!
//! The state is split along the cycle's seams, and each part's events are
//! handled by the file that owns it: `Shared` (inputs, queue, observer,
//! milestones) is what every part reads and schedules on; `network` owns the
//! links, churn and faults; `recovery` the outage, the decision and the failover
//! plans; `failback` the reprotects, the final syncs and the failback; `plan`
//! runs the recovery plans for either direction. An estate's plans each go
//! through the four stages on their own (`StageMilestones` per plan), sharing
//! the links, the process servers, the recovery region and the operators
//! (docs/estate.md); a one-plan scenario is the estate of one plan. This module only dispatches, and
//! [`outcome`] turns the final state into the metrics.

pub mod attribution;
pub mod budget;
pub mod capacity;
mod churn;
pub mod draws;
mod failback;
pub mod fluid;
pub mod ids;
pub mod inputs;
mod network;
pub mod outcome;
mod plan;
mod recovery;
pub mod replication;
pub mod trace;
pub mod year;

use crate::engine::{EventQueue, SimDuration, SimTime};
use crate::scenario::Scenario;
use budget::{Budget, Limit, Runaway};
use draws::Draws;
use failback::Resync;
use ids::{FaultId, LinkId, PlanId, VmId};
use network::Network;
pub use outcome::{CycleOutcome, VmOutcome};
use plan::{PlanEvent, PlanRun, PlanStage, PlanStatus};
use recovery::Failover;
pub use trace::{NoTrace, Observer, Phase, Span, SpanKind, TraceEntry, TraceLog, VmReplication};

/// A cycle that has not closed this long after the outage is cut off.
pub const HORIZON: SimDuration = crate::scenario::units::SIMULATION_HORIZON;

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
    ChurnChange(VmId),
    /// A burst of writes lands on a VM with bursty churn.
    Burst(VmId),
    FaultStart(FaultId),
    FaultEnd(FaultId),
    Outage,
    Detected,
    Declared,
    /// A ride-out's expected end has passed with the site still down: the
    /// team estimates the rest afresh.
    Reassess,
    /// Ransomware: the clean recovery point is chosen; the plans start.
    CleanPointChosen,
    DiskPrepared(VmId),
    PrimaryBack,
    ReprotectStart(Direction, PlanId),
    ChecksumDone(Direction, VmId),
    ReprotectVmDone(Direction, VmId),
    /// A backlog on `link` may have emptied; stale if the link's epoch moved on.
    FlowCheck(Direction, LinkId, u64),
    /// Before the outage: a VM's lag on a forward link may pass the retention
    /// window (`link`, `vm`, the link's epoch).
    HealthCheck(LinkId, VmId, u64),
    /// A resynchronisation held for office hours starts.
    ResyncStart(VmId),
    /// A plan's failback may start (an operator permitting).
    FailbackStart(PlanId),
    /// A failed failback's cancellation is done: the plan's VMs run in Azure again.
    FailbackCancelled(PlanId),
    AzureShutDown(VmId),
    FinalSynced(VmId),
    Plan(PlanStage, PlanEvent),
}

/// Instants of the estate that define the metrics; `None` until reached.
#[derive(Debug, Clone, Copy, Default)]
struct Milestones {
    detected: Option<SimTime>,
    declared: Option<SimTime>,
    primary_back: Option<SimTime>,
    /// The cycle is over: every plan's stage 4 done, or the outage ridden out.
    closed: Option<SimTime>,
}

/// One plan's stage boundaries; `None` until reached.
#[derive(Debug, Clone, Copy, Default)]
struct StageMilestones {
    stage1_end: Option<SimTime>,
    stage2_start: Option<SimTime>,
    stage2_end: Option<SimTime>,
    stage3_start: Option<SimTime>,
    stage3_end: Option<SimTime>,
    stage4_start: Option<SimTime>,
    stage4_end: Option<SimTime>,
}

/// What every part of one cycle reads and schedules on: the inputs, this
/// replication's draws, the event queue, the narrator and the milestones.
pub(super) struct Shared<'a, O: Observer> {
    scenario: &'a Scenario,
    draws: Draws,
    seed: u64,
    replication: u64,
    observer: &'a mut O,
    queue: EventQueue<Event>,
    /// The instant the outage hits the primary.
    t0: SimTime,
    at: Milestones,
    /// Per plan: its stages' boundaries.
    plan_at: Vec<StageMilestones>,
}

impl<O: Observer> Shared<'_, O> {
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
}

/// One replication in progress: the shared part and each stage's own state.
struct CycleRun<'a, O: Observer> {
    sh: Shared<'a, O>,
    network: Network,
    failover: Failover,
    resync: Resync,
    failback: PlanRun,
    /// Set when the replication exceeded its [`Budget`]; the run stops.
    runaway: Option<Runaway>,
}

/// Runs replication `replication` of `scenario` with `seed`, narrating to `observer`.
pub fn run_cycle<O: Observer>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    observer: &mut O,
) -> CycleOutcome {
    let budget = Budget::for_scenario(scenario);
    run_cycle_within(scenario, seed, replication, observer, budget)
}

/// Replication `replication` as a run reports it: one cycle, and with
/// `[operations]` its year (docs/model.md, "A year of operations"); a
/// runaway cycle of the year is the replication's.
pub fn run_replication(scenario: &Scenario, seed: u64, replication: u64) -> CycleOutcome {
    let mut outcome = run_cycle(scenario, seed, replication, &mut NoTrace);
    if scenario.operations.is_some() && outcome.runaway.is_none() {
        match year::run_year(scenario, seed, replication) {
            Ok(y) => outcome.year = Some(Box::new(y)),
            Err(runaway) => outcome.runaway = runaway.runaway,
        }
    }
    outcome
}

/// [`run_cycle`] under `budget` (the runaway guard's limits).
fn run_cycle_within<O: Observer>(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    observer: &mut O,
    budget: Budget,
) -> CycleOutcome {
    let draws = Draws::sample(scenario, seed, replication);
    let t0 = draws.timeline.outage_start;
    let history_start = t0 - scenario.policy.history;
    let n = scenario.vms.len();
    let mut run = CycleRun {
        network: Network::new(scenario, &draws, history_start),
        failover: Failover::new(scenario, seed, replication),
        resync: Resync::new(scenario),
        failback: PlanRun::new(scenario, seed, replication, PlanStage::Failback),
        sh: Shared {
            scenario,
            draws,
            seed,
            replication,
            observer,
            queue: EventQueue::with_capacity(history_start, 4 * n + 8)
                .with_timers(network::timer_slots(scenario.links.len())),
            t0,
            at: Milestones::default(),
            plan_at: vec![StageMilestones::default(); scenario.plans.len()],
        },
        runaway: None,
    };
    run.network.start_history(&mut run.sh, history_start);
    run.sh.queue.schedule(t0, Event::Outage);
    run.run_events(budget);
    let mut open = None;
    if run.sh.at.closed.is_none() && run.runaway.is_none() {
        // Cut at the horizon: what the stage in progress had moved by then,
        // and where the cycle stood.
        run.resync
            .record_unfinished(&mut run.network, &run.sh.plan_at, t0 + HORIZON);
        open = run.open_at(t0 + HORIZON);
    }
    let mut outcome = outcome::assemble(&run.sh, &run.failover, &run.resync, &run.failback, open);
    outcome.runaway = run.runaway;
    outcome.cache_level = run
        .network
        .cache_levels()
        .iter()
        .copied()
        .max()
        .unwrap_or(0) as u8;
    outcome
}

impl<O: Observer> CycleRun<'_, O> {
    /// Where a cycle cut off at `horizon` stood: its first open plan, the
    /// stage that plan was in, and the VM with the most left to move in it.
    fn open_at(&mut self, horizon: SimTime) -> Option<(u8, usize, Option<usize>)> {
        if self.failover.ridden_out {
            return None;
        }
        let (plan, at) = self
            .sh
            .plan_at
            .iter()
            .enumerate()
            .find(|(_, at)| at.stage4_end.is_none())?;
        let stage = if at.stage1_end.is_none() {
            1
        } else if at.stage2_end.is_none() && at.stage3_start.is_none() {
            2
        } else if at.stage3_end.is_none() {
            3
        } else {
            4
        };
        let direction = match stage {
            1 => return Some((1, plan, None)),
            4 => Direction::Forward,
            _ => Direction::Reverse,
        };
        let vm = self.network.largest_backlog(
            self.sh.scenario,
            direction,
            horizon,
            &self.sh.scenario.plans[plan].vms,
        );
        Some((stage, plan, vm))
    }

    fn run_events(&mut self, budget: Budget) {
        let horizon = self.sh.t0 + HORIZON;
        while self.sh.at.closed.is_none() {
            if let Some(limit) = self.over_budget(budget) {
                self.runaway = Some(self.runaway_report(limit));
                break;
            }
            match self.sh.queue.peek_time() {
                Some(t) if t <= horizon => {}
                _ => break,
            }
            let Some((now, event)) = self.sh.queue.pop() else {
                break;
            };
            self.handle(now, event);
            if self.sh.observer.enabled() {
                self.sh
                    .observer
                    .after_event(now, self.network.forward(), self.network.reverse());
            }
        }
    }

    /// The limit this replication has exceeded, if any. Memory is looked at
    /// every 4,096 events (summing every flow's history costs a pass over them).
    fn over_budget(&self, budget: Budget) -> Option<Limit> {
        let delivered = self.sh.queue.delivered();
        if delivered > budget.events {
            return Some(Limit::Events(budget.events));
        }
        if delivered.is_multiple_of(4096) && self.network.recorded() > budget.breakpoints {
            return Some(Limit::Memory(budget.breakpoints));
        }
        None
    }

    /// What exceeded the budget, named by the scenario element behind it.
    fn runaway_report(&self, limit: Limit) -> Runaway {
        let delivered = self.sh.queue.delivered();
        let element = match self.network.busiest_churn() {
            // Each burst or rate change also brings a drain check: churn
            // behind a third of the events is churn behind most of them.
            Some((vm, events, total)) if total.saturating_mul(3) >= delivered => {
                budget::churn_element(self.sh.scenario, vm, events, total, delivered)
            }
            _ => format!(
                "no VM's churn produced most of the {delivered} events: they come from the recovery, reprotect and fault mechanics of {} VMs and {} faults; please report this scenario as a bug",
                self.sh.scenario.vms.len(),
                self.sh.scenario.faults.len()
            ),
        };
        Runaway {
            replication: self.sh.replication,
            limit,
            element,
        }
    }

    /// Hands each event to the part that owns it; a plan that completes moves
    /// the cycle to its next stage.
    fn handle(&mut self, now: SimTime, event: Event) {
        let sh = &mut self.sh;
        let net = &mut self.network;
        let plan_status = match event {
            Event::ChurnChange(vm) => {
                net.on_churn_change(sh, now, vm);
                None
            }
            Event::Burst(vm) => {
                net.on_burst(sh, now, vm);
                None
            }
            Event::FaultStart(f) => {
                net.on_fault(sh, now, f, true);
                None
            }
            Event::FaultEnd(f) => {
                net.on_fault(sh, now, f, false);
                None
            }
            Event::Outage => {
                self.failover.on_outage(sh, net, now);
                None
            }
            Event::Detected => {
                self.failover.on_detected(sh, now);
                None
            }
            Event::Declared => Some((PlanStage::Failover, self.failover.on_declared(sh, now))),
            Event::Reassess => Some((PlanStage::Failover, self.failover.on_reassess(sh, now))),
            Event::CleanPointChosen => Some((
                PlanStage::Failover,
                self.failover.on_clean_point_chosen(sh, now),
            )),
            Event::DiskPrepared(vm) => Some((
                PlanStage::Failover,
                self.failover.on_disk_prepared(sh, now, vm),
            )),
            Event::PrimaryBack => {
                self.failover.on_primary_back(sh, now);
                None
            }
            Event::ReprotectStart(d, plan) => {
                self.resync.on_reprotect_start(sh, now, d, plan.index());
                None
            }
            Event::ChecksumDone(d, vm) => {
                self.resync
                    .on_checksum_done(sh, net, &self.failover, &self.failback, now, d, vm);
                None
            }
            Event::ReprotectVmDone(d, vm) => {
                self.resync.on_reprotect_vm_done(sh, net, now, d, vm);
                None
            }
            Event::FlowCheck(d, link, epoch) => {
                self.resync.on_flow_check(sh, net, now, d, link, epoch);
                None
            }
            Event::HealthCheck(link, vm, epoch) => {
                net.on_health_check(sh, now, link, vm, epoch);
                None
            }
            Event::ResyncStart(vm) => {
                net.on_resync_start(sh, now, vm);
                None
            }
            Event::FailbackStart(plan) => Some((
                PlanStage::Failback,
                self.resync
                    .on_failback_start(sh, &mut self.failback, now, plan.index()),
            )),
            Event::FailbackCancelled(plan) => {
                self.resync
                    .on_failback_cancelled(sh, net, &mut self.failback, now, plan.index());
                None
            }
            Event::AzureShutDown(vm) => {
                self.resync.on_azure_shut_down(sh, net, now, vm);
                None
            }
            Event::FinalSynced(vm) => Some((
                PlanStage::Failback,
                self.resync
                    .on_final_synced(sh, net, &mut self.failback, now, vm),
            )),
            Event::Plan(stage, event) => {
                let plan = match stage {
                    PlanStage::Failover => &mut self.failover.plan,
                    PlanStage::Failback => &mut self.failback,
                };
                Some((stage, plan.on_event(sh, event, now)))
            }
        };
        match plan_status {
            Some((PlanStage::Failover, PlanStatus::Complete(p))) => {
                self.failover.on_plan_complete(sh, now, p)
            }
            Some((PlanStage::Failback, PlanStatus::Complete(p))) => {
                if self.resync.failback_attempt_fails(sh, p) {
                    self.resync.on_failback_failed(sh, now, p);
                } else {
                    self.resync
                        .on_failback_complete(sh, net, &self.failback, now, p)
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replication the runaway guard stops before the outage has no VM
    /// outcomes; a consistency group's RPO must not index them (the fuzz
    /// campaign's panic at outcome.rs, issue [12] item 1).
    #[test]
    fn a_cycle_stopped_before_the_outage_with_a_consistency_group_reports_the_runaway() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/minimal.toml"
        ))
        .expect("shipped scenario")
        .replacen(
            "churn = \"200 KB/s\"",
            "count = 4\nconsistency_group = \"cg\"\nchurn = { process = \"bursts\", per_hour = 10000, size = \"100 B\" }",
            1,
        );
        let s = Scenario::from_toml(&text, "cg.toml").expect("valid");
        assert_eq!(s.consistency_groups.len(), 1);
        let budget = Budget {
            events: 1_000,
            breakpoints: 1 << 20,
        };
        let outcome = run_cycle_within(&s, 1, 0, &mut trace::NoTrace, budget);
        let runaway = outcome.runaway.expect("stopped by the budget");
        assert_eq!(runaway.limit, Limit::Events(1_000));
        assert_eq!(outcome.consistency_group_rpo.len(), 1);
    }
}
