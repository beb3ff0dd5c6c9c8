//! Stage 1: the outage, each VM's recovery point, detection, the decision
//! (declare a disaster or ride the outage out) and the recovery plan's failover
//! to Azure.

use super::attribution::{RpoInstants, RpoParts, rpo_parts};
use super::draws::{Purpose, VmDraws, estimate_factor, stream};
use super::failback::failback_start;
use std::collections::VecDeque;

use super::ids::{PlanId, VmId};
use super::network::Network;
use super::plan::{PlanRun, PlanStage, PlanStatus};
use super::replication::{
    PointChoice, PointContext, Pruning, Schedule, lag_samples, latest_received,
    newest_common_point, newest_point, retained_points, time_lag_exceeds,
};
use super::trace::{ReplicationAtOutage, VmReplication};
use super::{Direction, Event, Observer, Phase, Shared, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::units::format_bytes;
use crate::scenario::{FailbackMode, FaultKind, RecoveryPointChoice, Scenario};

/// Lag samples per VM over a trace's lag window.
const LAG_SAMPLES: usize = 300;
/// At most this many retained points are listed per VM in a trace.
const MAX_RETAINED_POINTS: usize = 500;

/// The failover's own state: what each VM recovers from, and the plan run.
#[derive(Debug)]
pub(super) struct Failover {
    pub plan: PlanRun,
    /// Plans waiting for an operator (`[recovery] concurrent_plans`), in
    /// start order.
    queued: VecDeque<usize>,
    /// Plans running their failover now.
    running: usize,
    /// Each VM's recovery point, fixed at the outage (empty before it).
    pub points: Vec<PointChoice>,
    /// Per VM: how long its lag exceeded the RPO alert threshold before the outage.
    pub rpo_alert: Vec<SimDuration>,
    /// Per VM: it was being resynchronised at the outage.
    pub needs_resync: Vec<bool>,
    /// Changed blocks the VMs' resyncs before the outage had to move (bytes).
    pub resync_bytes: f64,
    /// Time the VMs' resyncs before the outage held back recovery points,
    /// summed over VMs (a resync still running counts up to the outage).
    pub resync_time: SimDuration,
    /// The disaster was not declared: the outage was ridden out.
    pub ridden_out: bool,
    /// Times the team re-estimated a ride-out whose expected end had passed.
    pub reassessments: u32,
    /// Why the worst VM's RPO is what it is.
    pub rpo_parts: RpoParts,
}

/// The least time between two looks at a ride-out: a team does not
/// re-estimate more often than this (an estimate: ASR documents nothing; a
/// bridge call's rhythm).
pub const REASSESSMENT_GAP: SimDuration = SimDuration::from_secs(30 * 60);

impl Failover {
    pub fn new(scenario: &Scenario, seed: u64, replication: u64) -> Self {
        let n = scenario.vms.len();
        Failover {
            plan: PlanRun::new(scenario, seed, replication, PlanStage::Failover),
            queued: VecDeque::new(),
            running: 0,
            points: Vec::with_capacity(n),
            rpo_alert: vec![SimDuration::ZERO; n],
            needs_resync: vec![false; n],
            resync_bytes: 0.0,
            resync_time: SimDuration::ZERO,
            ridden_out: false,
            reassessments: 0,
            rpo_parts: RpoParts::default(),
        }
    }

    /// The disaster: the primary stops, and with it replication. Each VM's
    /// recovery point is fixed now, from what had reached the target.
    pub fn on_outage<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        now: SimTime,
    ) {
        let s = sh.scenario;
        let policy = &s.policy;
        net.stop_recording(now);
        sh.observer.note(now, Phase::Failover, || {
            format!(
                "OUTAGE: primary site{} {} down (t0); it will be back after {}",
                if s.outage.sites.len() > 1 { "s" } else { "" },
                s.failed_sites(),
                sh.draws.timeline.outage_duration
            )
        });
        let ctx = PointContext {
            t0: now,
            processing_delay: &policy.processing_delay,
            slowdowns: net.slowdowns(),
            resyncs: net.all_resyncs(),
            seed: sh.seed,
            replication: sh.replication,
            clean: sh
                .draws
                .timeline
                .infection
                .map(|infection| (infection, now - policy.retention)),
        };
        let pruning = Pruning {
            keep_all_for: policy.keep_all_points_for,
            coarse: policy.coarse_pruning,
            interval: policy.pruned_point_interval,
        };
        let ransomware = ctx.clean.is_some();
        let schedule = |choice: RecoveryPointChoice, phases: &VmDraws| match choice {
            RecoveryPointChoice::LatestAppConsistent => Schedule {
                interval: policy
                    .app_consistent_interval
                    .expect("validation refuses app-consistent choices when the policy takes none"),
                phase: phases.app_phase,
                // App-consistent points are pruned as the others are; only
                // a ransomware clean point can be old enough to meet it (the
                // newest point in Azure is always kept).
                pruning: ransomware.then_some(pruning),
            },
            _ => Schedule {
                interval: policy.crash_consistent_interval,
                phase: phases.crash_phase,
                pruning: Some(pruning),
            },
        };
        let history = |v: usize| net.history(s, v);
        let mut choices: Vec<Option<PointChoice>> = vec![None; s.vms.len()];
        for group in &s.consistency_groups {
            let members: Vec<(usize, &[_])> = group.vms.iter().map(|&v| (v, history(v))).collect();
            let shared = schedule(group.choice, &sh.draws.vms[group.vms[0]]);
            for (&v, c) in group
                .vms
                .iter()
                .zip(newest_common_point(&ctx, shared, &members))
            {
                choices[v] = Some(c);
            }
        }
        for (v, vm) in s.vms.iter().enumerate() {
            if choices[v].is_some() {
                continue;
            }
            choices[v] = Some(match vm.recovery_point {
                RecoveryPointChoice::Latest => latest_received(
                    &ctx,
                    schedule(RecoveryPointChoice::LatestProcessed, &sh.draws.vms[v]),
                    v,
                    history(v),
                ),
                choice => newest_point(&ctx, schedule(choice, &sh.draws.vms[v]), v, history(v)),
            });
        }
        let history_start = now - policy.history;
        for (v, vm) in s.vms.iter().enumerate() {
            let choice = choices[v].unwrap_or_else(|| unreachable!("every VM got a point above"));
            self.rpo_alert[v] =
                time_lag_exceeds(history(v), policy.rpo_alert_threshold, history_start, now);
            self.needs_resync[v] = ctx.resyncing_at_t0(v);
            self.resync_bytes += net.resync_bytes()[v];
            for &(start, end) in &net.all_resyncs()[v] {
                let end = end.map_or(now, |e| e.min(now));
                if end > start {
                    self.resync_time += end.since(start);
                }
            }
            sh.observer.note(now, Phase::Failover, || {
                format!(
                    "{}: lag {}, recovery point ({}{}) taken {} ago, {}; data lost {}{}",
                    vm.id,
                    choice.lag,
                    vm.recovery_point.name(),
                    vm.consistency_group
                        .map(|g| format!(", consistency group `{}`", s.consistency_groups[g].id))
                        .unwrap_or_default(),
                    choice.rpo,
                    if choice.failover_processing > SimDuration::ZERO {
                        format!(
                            "to be processed at failover ({})",
                            choice.failover_processing
                        )
                    } else {
                        format!("usable since {}", choice.usable_at.relative_to(now))
                    },
                    format_bytes(choice.data_lost_bytes),
                    if choice.no_usable_point {
                        " (no scheduled point usable since replication started: the initial replica)"
                    } else if choice.rpo > policy.retention {
                        " (older than the retention window: kept because no newer point was generated)"
                    } else {
                        ""
                    }
                )
            });
            self.points.push(choice);
        }
        // The worst VM (the first of them on ties): why its RPO is what it is.
        if let Some((v, worst)) = self
            .points
            .iter()
            .enumerate()
            .rev()
            .max_by_key(|(_, p)| p.rpo)
        {
            let vm = &s.vms[v];
            let used_schedule = match vm.consistency_group {
                Some(g) => schedule(s.consistency_groups[g].choice, &sh.draws.vms[v]),
                None => schedule(vm.recovery_point, &sh.draws.vms[v]),
            };
            // After ransomware a `latest` VM takes its newest clean point
            // of the crash-consistent schedule too.
            let on_schedule =
                vm.recovery_point != RecoveryPointChoice::Latest || ctx.clean.is_some();
            let arrived_write = now - worst.lag;
            let alone = match vm.consistency_group {
                Some(_) => newest_point(&ctx, used_schedule, v, history(v)).point_time,
                None => worst.point_time,
            };
            let instants = RpoInstants {
                t0: now,
                newest_scheduled: if on_schedule {
                    used_schedule.latest_at_or_before(now).1
                } else {
                    now
                },
                newest_arrived: if on_schedule {
                    used_schedule.latest_at_or_before(arrived_write).1
                } else {
                    worst.point_time
                },
                newest_usable_alone: alone,
                newest_usable_any: if ctx.clean.is_some() {
                    let unrestricted = PointContext { clean: None, ..ctx };
                    newest_point(&unrestricted, used_schedule, v, history(v)).point_time
                } else {
                    alone
                },
                used: worst.point_time,
            };
            let down: Vec<(SimTime, SimTime)> = s
                .faults
                .iter()
                .zip(&sh.draws.faults)
                .filter(|(f, _)| matches!(f.kind, FaultKind::LinkDown { link } if link == vm.link))
                .map(|(_, w)| (w.start, w.end))
                .collect();
            self.rpo_parts = rpo_parts(instants, &down);
        }
        if sh.observer.enabled() {
            // The window shows how the worst VM's lag built up (the VM with the
            // largest RPO, the first of them on ties).
            let worst = self
                .points
                .iter()
                .rev()
                .max_by_key(|p| p.rpo)
                .map_or(0.0, |p| p.rpo.as_secs_f64().max(p.lag.as_secs_f64()));
            let window_s = (worst * 2.0)
                .max(3.0 * policy.crash_consistent_interval.as_secs_f64())
                .max(3600.0)
                .min(policy.history.as_secs_f64());
            let vms = s
                .vms
                .iter()
                .enumerate()
                .map(|(v, vm)| {
                    let used = match vm.consistency_group {
                        Some(g) => schedule(s.consistency_groups[g].choice, &sh.draws.vms[v]),
                        None => schedule(vm.recovery_point, &sh.draws.vms[v]),
                    };
                    VmReplication {
                        vm: v,
                        lag: lag_samples(history(v), now, window_s, LAG_SAMPLES),
                        retained_points: retained_points(used, now, window_s, MAX_RETAINED_POINTS),
                        choice: self.points[v],
                    }
                })
                .collect();
            sh.observer
                .replication_at_outage(ReplicationAtOutage { window_s, vms });
        }
        net.stop_forward(now);
        let t = &sh.draws.timeline;
        sh.queue.schedule(now + t.detection_delay, Event::Detected);
        sh.queue
            .schedule(now + t.outage_duration, Event::PrimaryBack);
    }

    pub fn on_detected<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) {
        sh.at.detected = Some(now);
        let t0 = sh.t0;
        sh.span(
            || "detection".into(),
            SpanKind::Event,
            Phase::Failover,
            t0,
            now,
        );
        sh.observer
            .note(now, Phase::Failover, || "outage detected".to_string());
        sh.queue
            .schedule(now + sh.draws.timeline.decision_delay, Event::Declared);
    }

    /// The decision: declare a disaster, or ride the outage out when the site is
    /// already back or is expected back soon enough (and its data survived).
    /// Once declared, the recovery plan starts and every VM prepares its disks.
    pub fn on_declared<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) -> PlanStatus {
        let t = &sh.draws.timeline;
        let back = sh.t0 + t.outage_duration;
        let expected = t.outage_duration.as_secs_f64() * t.estimate_factor;
        let short = sh
            .scenario
            .recovery
            .declare_if_expected_longer_than
            .is_some_and(|limit| expected <= limit.as_secs_f64());
        if !t.primary_data_lost && (back <= now || short) {
            self.ridden_out = true;
            if sh.at.primary_back.is_some() {
                // The site came back before anyone declared: the cycle is over.
                sh.at.closed = Some(now);
            }
            sh.observer.note(now, Phase::Failover, || {
                if back <= now {
                    "no failover: the primary site is already back".to_string()
                } else {
                    format!(
                        "no failover: the outage is expected to last {}, within the ride-out limit",
                        SimDuration::from_secs_f64(expected)
                    )
                }
            });
            if back > now {
                self.schedule_reassessment(sh, now, sh.t0 + SimDuration::from_secs_f64(expected));
            }
            return PlanStatus::Running;
        }
        self.declare(sh, now)
    }

    /// Teams reassess a ride-out when its expected end passes with the site
    /// still down (no sooner than [`REASSESSMENT_GAP`] after the last look);
    /// nothing to do when the site is back first.
    fn schedule_reassessment<O: Observer>(
        &self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        expected_end: SimTime,
    ) {
        let at = expected_end.max(now + REASSESSMENT_GAP);
        if at < sh.t0 + sh.draws.timeline.outage_duration {
            sh.queue.schedule(at, Event::Reassess);
        }
    }

    /// The site is still down past the expected end: a fresh estimate of what
    /// remains (the true remainder times a fresh estimate error); declared
    /// when the outage is now expected to outlast the ride-out limit.
    pub fn on_reassess<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) -> PlanStatus {
        self.reassessments += 1;
        let back = sh.t0 + sh.draws.timeline.outage_duration;
        let mut rng = stream(
            sh.seed,
            sh.replication,
            Purpose::Reassessment(self.reassessments),
        );
        let factor = estimate_factor(sh.scenario.recovery.estimate_error, &mut rng);
        let remaining = back.since(now).as_secs_f64() * factor;
        let expected_total = now.since(sh.t0).as_secs_f64() + remaining;
        let limit = sh
            .scenario
            .recovery
            .declare_if_expected_longer_than
            .map_or(0.0, |l| l.as_secs_f64());
        if expected_total <= limit {
            sh.observer.note(now, Phase::Failover, || {
                format!(
                    "reassessment {}: the site is still down; now expected back in {} (outage {} in all), within the ride-out limit: riding out",
                    self.reassessments,
                    SimDuration::from_secs_f64(remaining),
                    SimDuration::from_secs_f64(expected_total)
                )
            });
            self.schedule_reassessment(sh, now, now + SimDuration::from_secs_f64(remaining));
            return PlanStatus::Running;
        }
        sh.observer.note(now, Phase::Failover, || {
            format!(
                "reassessment {}: the site is still down; now expected back in {} (outage {} in all), beyond the ride-out limit",
                self.reassessments,
                SimDuration::from_secs_f64(remaining),
                SimDuration::from_secs_f64(expected_total)
            )
        });
        self.ridden_out = false;
        self.declare(sh, now)
    }

    /// The disaster is declared: the recovery plan starts and every VM
    /// prepares its disks.
    fn declare<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) -> PlanStatus {
        sh.at.declared = Some(now);
        let detected = sh.at.detected.unwrap_or(now);
        sh.span(
            || "decision".into(),
            SpanKind::Event,
            Phase::Failover,
            detected,
            now,
        );
        let s = sh.scenario;
        sh.observer.note(now, Phase::Failover, || {
            if s.is_estate() {
                format!(
                    "disaster declared: the estate's {} recovery plans fail over (unplanned failover){}",
                    s.plans.len(),
                    s.recovery
                        .concurrent_plans
                        .map(|n| format!(", {n} at once in priority order"))
                        .unwrap_or_default()
                )
            } else {
                "disaster declared: recovery plan started (unplanned failover)".to_string()
            }
        });
        self.queued = s.plan_order().iter().copied().collect();
        if let Some(infection) = sh.draws.timeline.infection {
            // Ransomware: the newest points are encrypted; the team searches
            // for the newest clean one (ASR's "change recovery point") first.
            let search = sh.draws.timeline.clean_point_search;
            let change = sh.draws.timeline.recovery_point_change;
            sh.observer.note(now, Phase::Failover, || {
                let dwell = sh.t0.since(infection);
                let every = s.policy.crash_consistent_interval;
                format!(
                    "ransomware: infection {dwell} before t0; ENCRYPTED: every recovery point taken since ({} per VM at one every {every}, until t0) holds encrypted data and is skipped; searching for the newest clean point ASR still keeps ({search}), then changing each VM's point to it, which creates the VMs again (their longest boot, {change})",
                    dwell.as_millis() / every.as_millis().max(1)
                )
            });
            // A recovery plan fails over to the latest point only; each VM's
            // point is then changed to the clean one, which creates it
            // again (failover-failback-overview.md, "Recovery point
            // options"). Counted here, before the plan, in the same RTO part.
            sh.queue
                .schedule(now + search + change, Event::CleanPointChosen);
            return PlanStatus::Running;
        }
        self.start_queued_plans(sh, now)
    }

    /// Ransomware: the clean point is chosen, the plans start.
    pub fn on_clean_point_chosen<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
    ) -> PlanStatus {
        let declared = sh.at.declared.unwrap_or(now);
        sh.span(
            || "clean point".into(),
            SpanKind::Event,
            Phase::Failover,
            declared,
            now,
        );
        sh.observer.note(now, Phase::Failover, || {
            "clean recovery point chosen: the recovery plan starts".to_string()
        });
        self.start_queued_plans(sh, now)
    }

    /// Operators take up waiting plans while fewer than `concurrent_plans`
    /// run; each plan's VMs start preparing their disks when it starts.
    fn start_queued_plans<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
    ) -> PlanStatus {
        let s = sh.scenario;
        let limit = s.recovery.concurrent_plans.unwrap_or(usize::MAX);
        let mut status = PlanStatus::Running;
        while self.running < limit {
            let Some(p) = self.queued.pop_front() else {
                break;
            };
            self.running += 1;
            if s.is_estate() {
                sh.observer.note(now, Phase::Failover, || {
                    format!("plan `{}`: failover started", s.plans[p].id)
                });
            }
            status = self.plan.start(sh, p, now);
            for &v in &s.plans[p].vms {
                // With `latest`, the VM's received data is processed first, then its
                // disks are prepared from it.
                let d = &sh.draws.vms[v];
                let ready = now
                    + self.points[v].failover_processing
                    + d.prepare_time
                    + d.prepare_by_size
                    + d.extra_processing_time;
                sh.queue.schedule(ready, Event::DiskPrepared(VmId::new(v)));
            }
        }
        status
    }

    pub fn on_disk_prepared<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        vm: VmId,
    ) -> PlanStatus {
        let vm = vm.index();
        let s = sh.scenario;
        sh.observer.note(now, Phase::Failover, || {
            format!("{}: disks prepared in Azure", s.vms[vm].id)
        });
        self.plan.ready(sh, vm, now)
    }

    /// Plan `p`'s last group is done: its service is restored in Azure (its
    /// stage 1 ends); the last plan's ends the estate's stage 1 (the RTO).
    pub fn on_plan_complete<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        p: usize,
    ) {
        let s = sh.scenario;
        sh.plan_at[p].stage1_end = Some(now);
        self.running -= 1;
        let start = self.plan.path.started_at[p]
            .or(sh.at.declared)
            .unwrap_or(now);
        let last = sh.plan_at.iter().all(|m| m.stage1_end.is_some());
        // Commit: the team verifies the VMs in Azure and commits, which
        // fixes the recovery point; reprotect waits for it.
        let commit = sh.draws.timeline.commit_time;
        if commit > SimDuration::ZERO {
            sh.span(
                || format!("{}commit", super::failback::plan_prefix(s, p)),
                SpanKind::Event,
                Phase::Failover,
                now,
                now + commit,
            );
            sh.observer.note(now, Phase::Failover, || {
                format!(
                    "{}failover to be committed after {commit} of checks (until then its recovery point can be changed; reprotect waits for the commit)",
                    super::failback::plan_prefix(s, p)
                )
            });
        }
        if s.is_estate() {
            sh.span(
                || format!("plan {}: failover", s.plans[p].id),
                SpanKind::Group,
                Phase::Failover,
                start,
                now,
            );
            sh.observer.note(now, Phase::Failover, || {
                format!(
                    "plan `{}` complete: its service restored in `{}`",
                    s.plans[p].id, s.sites.recovery.id
                )
            });
        }
        if last {
            let declared = sh.at.declared.unwrap_or(now);
            sh.span(
                || "stage 1: failover".into(),
                SpanKind::Stage,
                Phase::Failover,
                declared,
                now,
            );
            sh.observer.note(now, Phase::Failover, || {
                if s.is_estate() {
                    format!(
                        "every recovery plan complete: the estate's service restored in `{}` (RTO reached)",
                        s.sites.recovery.id
                    )
                } else {
                    format!(
                        "recovery plan complete: service restored in `{}` (RTO reached)",
                        s.sites.recovery.id
                    )
                }
            });
        }
        // A plan that starts now cannot complete at once: its first group
        // has VMs still preparing their disks.
        let _ = self.start_queued_plans(sh, now);
        self.maybe_start_reprotect(sh, now, p);
    }

    pub fn on_primary_back<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) {
        sh.at.primary_back = Some(now);
        let t0 = sh.t0;
        sh.span(
            || "site outage".into(),
            SpanKind::Outage,
            Phase::Failover,
            t0,
            now,
        );
        if self.ridden_out {
            // Service is back where it was: nothing to fail back, the cycle ends.
            sh.observer.note(now, Phase::Failover, || {
                "primary site back: service restored without failover".to_string()
            });
            sh.at.closed = Some(now);
            return;
        }
        sh.observer.note(now, Phase::Reprotect, || {
            format!(
                "primary site usable again{}",
                if sh.draws.timeline.primary_data_lost {
                    format!(
                        " (its disks were lost: full copy needed; the failback infrastructure is rebuilt first: {})",
                        sh.draws.timeline.infrastructure_rebuild
                    )
                } else {
                    String::new()
                }
            )
        });
        for p in 0..sh.scenario.plans.len() {
            self.maybe_start_reprotect(sh, now, p);
        }
    }
}

impl Failover {
    /// Plan `p`'s reprotect needs its failover committed, the primary back,
    /// and each of its VMs' agent registered back after its failover; then
    /// the operator starts it.
    fn maybe_start_reprotect<O: Observer>(&self, sh: &mut Shared<'_, O>, now: SimTime, p: usize) {
        let Some(stage1_end) = sh.plan_at[p].stage1_end else {
            return;
        };
        if sh.at.primary_back.is_none() {
            return;
        }
        // The failover is committed (its point fixed) `commit_time` after
        // the plan completed; the agents register back meanwhile.
        let committed = stage1_end + sh.draws.timeline.commit_time;
        // A destroyed site first has its failback infrastructure rebuilt.
        let rebuilt = sh
            .at
            .primary_back
            .map_or(now, |back| back + sh.draws.timeline.infrastructure_rebuild);
        let registered = sh.scenario.plans[p]
            .vms
            .iter()
            .filter_map(|&v| Some(self.plan.up_at(v)? + sh.draws.vms[v].agent_registration))
            .fold(now.max(committed).max(rebuilt), SimTime::max);
        let plan = PlanId::new(p);
        match sh.scenario.failback.mode {
            FailbackMode::Planned | FailbackMode::ClassicToPoint(_) => {
                let start = registered + sh.draws.timeline.reprotect_delay;
                sh.queue
                    .schedule(start, Event::ReprotectStart(Direction::Reverse, plan));
            }
            // Hyper-V has no reprotect: the planned failover itself syncs,
            // first while the Azure VMs run (stage 2 here), or all of it
            // while they are down.
            FailbackMode::HyperVSyncBefore => {
                let start = failback_start(sh, p, registered);
                sh.queue
                    .schedule(start, Event::ReprotectStart(Direction::Reverse, plan));
            }
            FailbackMode::HyperVDownload => {
                let start = failback_start(sh, p, registered);
                sh.queue.schedule(start, Event::FailbackStart(plan));
            }
        }
    }
}
