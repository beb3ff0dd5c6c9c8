//! `CycleOutcome`: every metric of one replication of the cycle.
//!
//! Definitions follow docs/metrics.md: times are measured from `t0`, the
//! instant the outage hits the primary. `assemble` is the one place where a
//! replication's final state becomes these metrics, ridden out or not.

use super::attribution::{RpoParts, RtoParts, declared_rto_parts, ridden_out_rto_parts};
use super::failback::{Resync, StageBytes};
use super::plan::PlanRun;
use super::recovery::Failover;
use super::{HORIZON, Observer, Shared};
use crate::engine::{SimDuration, SimTime};

/// Per-VM results of one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct VmOutcome {
    /// `t0 - t_rp` for the point this VM failed over to.
    pub rpo: SimDuration,
    /// From `t0` until this VM runs in the recovery site (for a ridden-out
    /// outage: until the site is back); `None` if never within the horizon.
    pub rto: Option<SimDuration>,
    pub data_lost_bytes: f64,
    /// Age of the newest write at the target when the outage hit.
    pub lag_at_outage: SimDuration,
    /// Time the lag exceeded the RPO alert threshold in the simulated history.
    pub rpo_alert: SimDuration,
    /// No scheduled point was usable; the VM fell back to its initial replica.
    pub no_usable_point: bool,
    /// From its plan's failover start until it ran in Azure (ASR's SLA
    /// clock); `None` when it did not run there (a ride-out, or not within
    /// the horizon).
    pub from_failover_start: Option<SimDuration>,
    /// Of `from_failover_start`, the time its plan's manual actions and
    /// scripts ran: the Site Recovery SLA excludes "any time associated with
    /// manual action or the execution of Customer scripts" ([`VmOutcome::asr_time`]).
    pub step_time: SimDuration,
    /// Its protection before the outage crosses a resource over capacity
    /// (docs/model.md, "Capacity"): its lag and RPO have no steady state.
    pub over_capacity: bool,
}

impl VmOutcome {
    /// ASR's time: from its plan's failover start until it ran in Azure,
    /// less its plan's manual actions and scripts meanwhile; `None` where
    /// `from_failover_start` is.
    pub fn asr_time(&self) -> Option<SimDuration> {
        self.from_failover_start
            .map(|d| d.saturating_sub(self.step_time))
    }

    /// Whether it ran in Azure within ASR's two-hour SLA, on ASR's time
    /// (from its plan's failover start, manual actions and scripts excluded).
    pub fn within_sla(&self) -> bool {
        self.asr_time()
            .is_some_and(|d| d <= crate::scenario::ASR_RTO_SLA)
    }

    /// Whether it ran in Azure within two hours of its plan's failover
    /// start on the plan's own clock (manual actions and scripts included).
    pub fn within_two_hours_of_plan_start(&self) -> bool {
        self.from_failover_start
            .is_some_and(|d| d <= crate::scenario::ASR_RTO_SLA)
    }
}

/// The metrics of one full failover/failback cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleOutcome {
    pub replication: u64,
    /// `t0`, within the simulated week.
    pub outage_start: SimTime,
    pub outage_duration: SimDuration,
    /// Whether a disaster was declared; when not, the outage was ridden out (no
    /// failover: RTO is the outage, nothing is lost, no stages 1 to 4).
    pub declared: bool,
    /// App-level RPO: the worst VM's (zero for a ridden-out outage: the
    /// primary's data survived).
    pub rpo: SimDuration,
    /// From `t0` until the last VM of the plan runs in the recovery site; for a
    /// ridden-out outage, until the site is back.
    ///
    /// Every duration below is `None` where it does not exist: a stage that did
    /// not happen (ridden out) or did not finish within the horizon.
    pub rto: Option<SimDuration>,
    /// The RTO from the failover's start: `rto` minus detection, decision
    /// and any ride-out before the declaration (declared disasters only).
    pub rto_from_failover: Option<SimDuration>,
    /// `t0` until the failback's (last) attempt started; an estate's latest.
    pub stage3_start: Option<SimDuration>,
    /// A plan's failback downtime ran past the end of the window it
    /// started in.
    pub failback_past_window: bool,
    /// Latent faults (steps, VM failovers) the failover met: present at the
    /// disaster because no drill had found them.
    pub latent_faults: u32,
    /// Failover start (disaster declared) -> plan complete.
    pub stage1: Option<SimDuration>,
    /// Reprotect start -> reverse replication healthy.
    pub stage2: Option<SimDuration>,
    /// Azure VMs stop -> on-premises VMs up.
    pub stage3_downtime: Option<SimDuration>,
    /// Re-enable -> forward replication healthy.
    pub stage4: Option<SimDuration>,
    /// Time the running workload had no healthy replica (a ride-out: the outage).
    pub unprotected: Option<SimDuration>,
    /// `t0` -> stage 4 complete (a ride-out: the outage).
    pub cycle: Option<SimDuration>,
    /// RTO plus stage-3 downtime (a ride-out: the outage).
    pub total_downtime: Option<SimDuration>,
    /// Sum over VMs of the bytes written between their point and `t0`.
    pub data_lost_bytes: f64,
    /// The largest replication lag among the VMs at `t0`.
    pub lag_at_outage: SimDuration,
    /// VMs being resynchronised at `t0` (marked when their Hyper-V log
    /// reached half the disk).
    pub resync_vms: u32,
    /// Changed blocks the resyncs before `t0` had to move, all VMs (bytes).
    pub resync_bytes: f64,
    /// Time the resyncs before `t0` held back recovery points, summed over VMs.
    pub resync_time: SimDuration,
    /// Hyper-V's failback downloaded every disk during the failover: there
    /// was no stage 2 (its duration and bytes do not apply).
    pub stage2_skipped: bool,
    /// At failback, the age of the oldest point a VM failed back to (classic:
    /// an unplanned failover to a point; zero for a planned failover); `None`
    /// until failback stopped the Azure VMs.
    pub failback_rpo: Option<SimDuration>,
    /// Bytes written in Azure after the points failback used, all VMs (zero
    /// for a planned failover); `None` until failback stopped the Azure VMs.
    pub failback_data_lost_bytes: Option<f64>,
    /// Times the team re-estimated a ride-out whose expected end had passed
    /// with the site still down.
    pub reassessments: u32,
    /// Failback attempts that failed, were cancelled and retried (modernized).
    pub failback_retries: u32,
    /// The longest time any VM's lag exceeded the RPO alert threshold before `t0`.
    pub rpo_alert: SimDuration,
    /// Per multi-VM consistency group: its RPO (that of its common point).
    pub consistency_group_rpo: Vec<SimDuration>,
    /// Whether the disaster destroyed the primary's disks (full copy at reprotect).
    pub primary_data_lost: bool,
    /// Whether the cycle closed within the simulation horizon; when not, the
    /// stages that never finished have no duration.
    pub closed: bool,
    /// Stages (1 to 4) completed within the horizon; `None` for a ride-out.
    pub stages_completed: Option<u8>,
    /// Failed attempts of plan steps (both plan runs), retried.
    pub step_retries: u32,
    /// VM creations in the recovery site that failed for capacity, retried.
    pub allocation_retries: u32,
    /// VM failovers that failed once booted, redone.
    pub vm_failover_retries: u32,
    /// Bytes sent back to on-premises by reprotect (stage 2).
    pub stage2_bytes: f64,
    /// Of `stage2_bytes`, the deltas or full copies (the rest are writes
    /// replicated during the stage).
    pub stage2_copy_bytes: f64,
    /// Bytes replicated back after reprotect until failback, final sync included.
    pub stage3_bytes: f64,
    /// Bytes sent to Azure by the reprotect back (stage 4).
    pub stage4_bytes: f64,
    /// Price of the VMs running in Azure during the cycle (VM-hours x price).
    pub azure_cost: f64,
    /// Per recovery-plan group: `t0` until its last VM runs in the recovery site.
    pub group_rto: Vec<Option<SimDuration>>,
    /// Per recovery plan (one for a scenario without `[[plan]]`): its own
    /// metrics; the estate's above are the worst plan's (or all plans' sums).
    pub plans: Vec<PlanOutcome>,
    /// VMs not created in the recovery region for want of vCPU quota.
    pub quota_refused: u32,
    /// The RTO split along its critical path (sums to `rto` exactly).
    pub rto_parts: Option<RtoParts>,
    /// The worst VM's RPO split by cause (sums to `rpo` exactly; zero when
    /// ridden out).
    pub rpo_parts: RpoParts,
    /// The replication's random inputs, as [`super::inputs::input_specs`] names them.
    pub inputs: Vec<f64>,
    pub vms: Vec<VmOutcome>,
    /// Events the engine delivered for this replication.
    pub events: u64,
    /// Set when the replication exceeded its event or memory budget and was
    /// stopped: its metrics are then meaningless and the run must fail.
    pub runaway: Option<super::budget::Runaway>,
    /// With `[operations]`: the replication's year (its own disasters'
    /// cycles; the fields above are one disaster's, as without it).
    pub year: Option<Box<super::year::YearOutcome>>,
    /// The resources over capacity in this replication (docs/model.md,
    /// "Capacity"); empty when every one has a steady state.
    pub overloads: Vec<crate::cycle::capacity::Overload>,
    /// A cycle cut off at the horizon: where it stood.
    pub open: Option<OpenCycle>,
    /// The highest of a process server cache's documented levels its VMs'
    /// queued writes reached before `t0`: 0 none, 1 and 2 the health alerts
    /// (free space below 30 % and 25 %), 3 throttling (below 20 %).
    pub cache_level: u8,
}

impl CycleOutcome {
    /// Whether a resource protecting a VM before the outage (a link forward,
    /// a process server) is over capacity: some VM's RPO then has no steady
    /// state. The same as any VM's `over_capacity` (a resource over capacity
    /// carries a VM), read from the few overloads rather than every VM.
    pub fn protection_over_capacity(&self) -> bool {
        self.overloads.iter().any(|o| o.resource.protects())
    }
}

/// Where a cycle that did not close within the horizon stood: the first plan
/// (in plan order) still open, the stage it was in, and the VM whose
/// transfer had the most left, with the resource that keeps it from
/// finishing when one is over capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpenCycle {
    /// 1 to 4.
    pub stage: u8,
    pub plan: usize,
    /// The VM with the most bytes still to move in that stage; `None` when
    /// the stage had not started or moves nothing (a plan never completed,
    /// a failback waiting for a window).
    pub vm: Option<usize>,
    /// The overloaded resource on that VM's path in that stage, if any.
    pub resource: Option<crate::cycle::capacity::Resource>,
}

/// One recovery plan's metrics in one replication (an estate's plans each
/// have theirs; see docs/estate.md).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutcome {
    /// Its worst VM's RPO.
    pub rpo: SimDuration,
    /// `t0` until its last VM runs in the recovery site.
    pub rto: Option<SimDuration>,
    pub data_lost_bytes: f64,
    pub stage1: Option<SimDuration>,
    pub stage2: Option<SimDuration>,
    pub stage3_downtime: Option<SimDuration>,
    pub stage4: Option<SimDuration>,
    pub unprotected: Option<SimDuration>,
    /// `t0` until its stage 4 completes.
    pub cycle: Option<SimDuration>,
    /// From the declaration until an operator started its failover.
    pub operator_wait: Option<SimDuration>,
    /// From its stage 2's end (or its last cancelled attempt) until its
    /// failback started: waits, windows and operators.
    pub failback_wait: Option<SimDuration>,
    /// `t0` until its stages 2, 3 (its last failback attempt) and 4 started:
    /// with the durations, its place on the estate's timeline.
    pub stage_starts: [Option<SimDuration>; 3],
    /// One of its VMs' protection crosses a resource over capacity.
    pub over_capacity: bool,
}

/// After a ridden-out site outage, when plan `p`'s VMware/physical machines
/// are protected again. The outage shut every protected machine down hard,
/// and a forced shutdown is one of the resync triggers ASR documents
/// (vmware-azure-architecture.md, "Resynchronization process"); resyncs run
/// outside office hours by default (the same section). Each VM's resync
/// (an estimate of its duration: ASR publishes none) reads its disk's data
/// at its checksum throughput, then sends the blocks changed by what was
/// queued at the outage (its lag's worth of writes) at its share of the
/// link (the link's VMs resyncing together). `None` while the site is down;
/// the site's return itself for Hyper-V (its log survives: no resync).
fn resynced_after_ride_out<O: Observer>(
    sh: &Shared<'_, O>,
    failover: &Failover,
    p: usize,
) -> Option<SimTime> {
    let back = sh.at.primary_back?;
    let s = sh.scenario;
    if !s.kind.is_vmware_or_physical() {
        return Some(back);
    }
    let start = crate::scenario::WeeklyWindow::next_outside(&s.policy.resync_office_hours, back);
    let mut per_link = vec![0usize; s.links.len()];
    for vm in &s.vms {
        per_link[vm.link] += 1;
    }
    let longest = s.plans[p]
        .vms
        .iter()
        .map(|&v| {
            let vm = &s.vms[v];
            let d = &sh.draws.vms[v];
            let share = sh.draws.links[vm.link].bandwidth / per_link[vm.link].max(1) as f64;
            let queued = d.churn
                * failover
                    .points
                    .get(v)
                    .map_or(0.0, |pt| pt.lag.as_secs_f64());
            vm.used_bytes / d.reprotect_back.checksum_throughput + vm.changed_by(queued) / share
        })
        .fold(0.0f64, f64::max);
    Some(start + SimDuration::from_secs_f64(longest))
}

/// The overloaded resource that keeps plan `plan`'s stage `stage` from
/// finishing: on `vm`'s path when one is named, else on any of the plan's
/// VMs' paths.
fn limiting_resource(
    s: &crate::scenario::Scenario,
    overloads: &[crate::cycle::capacity::Overload],
    stage: u8,
    plan: usize,
    vm: Option<usize>,
) -> Option<crate::cycle::capacity::Resource> {
    let candidates: Vec<usize> = match vm {
        Some(v) => vec![v],
        None => s.plans[plan].vms.clone(),
    };
    overloads
        .iter()
        .map(|o| o.resource)
        .filter(|r| r.stages().contains(&stage))
        .find(|&r| candidates.iter().any(|&v| r.carries(s, v)))
}

/// The stage metrics of one plan: from its milestones when a disaster was
/// declared, or those of an outage ridden out (service back with the site).
#[derive(Debug, Clone, Copy)]
struct StageTimes {
    rto: Option<SimDuration>,
    stage1: Option<SimDuration>,
    stage2: Option<SimDuration>,
    stage3_downtime: Option<SimDuration>,
    stage4: Option<SimDuration>,
    unprotected: Option<SimDuration>,
    cycle: Option<SimDuration>,
}

/// `end - start` when both instants were reached.
fn between(start: Option<SimTime>, end: Option<SimTime>) -> Option<SimDuration> {
    Some(end?.since(start?))
}

/// `a + b` when both exist.
fn sum(a: Option<SimDuration>, b: Option<SimDuration>) -> Option<SimDuration> {
    Some(a? + b?)
}

/// Plan `p`'s stage times, from its milestones (declared) or the outage
/// (ridden out).
fn plan_times<O: Observer>(
    sh: &Shared<'_, O>,
    resync: &Resync,
    failover: &Failover,
    p: usize,
    declared: bool,
) -> (StageTimes, bool) {
    let s = sh.scenario;
    let t0 = sh.t0;
    let at = &sh.plan_at[p];
    let stage2_skipped = !s.failback.mode.reprotects() && at.stage2_start.is_none();
    if !declared {
        let down = between(Some(t0), sh.at.primary_back);
        let times = StageTimes {
            rto: down,
            stage1: None,
            stage2: None,
            stage3_downtime: None,
            stage4: None,
            // The site's outage shut the machines down hard: protection is
            // back once their resync has run.
            unprotected: between(Some(t0), resynced_after_ride_out(sh, failover, p)),
            cycle: down,
        };
        return (times, stage2_skipped);
    }
    let failed = resync.failed_failback_downtime[p];
    let from_t0 = |t: Option<SimTime>| between(Some(t0), t);
    let times = StageTimes {
        rto: from_t0(at.stage1_end),
        stage1: between(sh.at.declared, at.stage1_end),
        stage2: between(at.stage2_start, at.stage2_end),
        // Every attempt's downtime: failed ones (to the VMs running in
        // Azure again) and the one that succeeded.
        stage3_downtime: between(at.stage3_start, at.stage3_end).map(|d| d + failed),
        stage4: between(at.stage4_start, at.stage4_end),
        // Hyper-V's download during failover has no stage 2: the Azure
        // VMs have no copy on-premises until failback starts.
        unprotected: sum(
            from_t0(
                at.stage2_end
                    .or(stage2_skipped.then_some(at.stage3_start).flatten()),
            ),
            between(at.stage3_start, at.stage4_end).map(|d| d + failed),
        ),
        cycle: from_t0(at.stage4_end),
    };
    (times, stage2_skipped)
}

/// The worst of the plans' values; `None` when any plan has none (it did
/// not get there within the horizon).
fn worst_of(values: impl Iterator<Item = Option<SimDuration>>) -> Option<SimDuration> {
    let mut worst = SimDuration::ZERO;
    for v in values {
        worst = worst.max(v?);
    }
    Some(worst)
}

/// Builds the metrics of a finished (or cut-off) replication from its state.
/// A duration whose end was never reached (within the horizon) does not exist.
/// A ridden-out outage has no failover: nothing is lost (the primary's disks
/// survived), service returns with the site, and there is no stage 1 to 4.
/// An estate's durations are its worst plan's; stage 1 runs from the
/// declaration to the last plan's end (the RTO's plan).
pub(super) fn assemble<O: Observer>(
    sh: &Shared<'_, O>,
    failover: &Failover,
    resync: &Resync,
    failback: &PlanRun,
    open: Option<(u8, usize, Option<usize>)>,
) -> CycleOutcome {
    let s = sh.scenario;
    let t0 = sh.t0;
    let horizon = t0 + HORIZON;
    let end = |t: Option<SimTime>| t.unwrap_or(horizon);
    let declared = !failover.ridden_out;
    let per_plan: Vec<(StageTimes, bool)> = (0..s.plans.len())
        .map(|p| plan_times(sh, resync, failover, p, declared))
        .collect();
    let stage2_skipped = per_plan.iter().all(|(_, skipped)| *skipped);
    let worst =
        |f: fn(&StageTimes) -> Option<SimDuration>| worst_of(per_plan.iter().map(|(t, _)| f(t)));
    let times = StageTimes {
        rto: worst(|t| t.rto),
        stage1: worst(|t| t.stage1),
        stage2: worst(|t| t.stage2),
        stage3_downtime: worst(|t| t.stage3_downtime),
        stage4: worst(|t| t.stage4),
        unprotected: worst(|t| t.unprotected),
        cycle: worst(|t| t.cycle),
    };
    let overloads = crate::cycle::capacity::overloads(s, &sh.draws, declared);
    let open = open.map(|(stage, plan, vm)| OpenCycle {
        stage,
        plan,
        vm,
        resource: limiting_resource(s, &overloads, stage, plan, vm),
    });
    let vms: Vec<VmOutcome> = failover
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| VmOutcome {
            rpo: if declared { p.rpo } else { SimDuration::ZERO },
            rto: if declared {
                between(Some(t0), failover.plan.up_at(i))
            } else {
                per_plan[s.vms[i].plan].0.rto
            },
            // The blocks the lost writes changed, not the bytes written: a
            // VM rewrites hot blocks (docs/metrics.md, "data_lost_bytes").
            data_lost_bytes: if declared {
                s.vms[i].changed_by(p.data_lost_bytes)
            } else {
                0.0
            },
            lag_at_outage: p.lag,
            rpo_alert: failover.rpo_alert[i],
            no_usable_point: declared && p.no_usable_point,
            from_failover_start: if declared {
                between(
                    failover.plan.path.started_at[s.vms[i].plan],
                    failover.plan.up_at(i),
                )
            } else {
                None
            },
            step_time: {
                let p = s.vms[i].plan;
                match (failover.plan.path.started_at[p], failover.plan.up_at(i)) {
                    (Some(start), Some(up)) if declared => {
                        failover.plan.path.step_time_within(p, start, up)
                    }
                    _ => SimDuration::ZERO,
                }
            },
            over_capacity: crate::cycle::capacity::unprotectable(s, &overloads, i),
        })
        .collect();
    let worst_vm =
        |metric: fn(&VmOutcome) -> SimDuration| vms.iter().map(metric).max().unwrap_or_default();
    // Running in Azure: from each VM's boot there until its shutdown at failback.
    let azure_cost = if declared {
        s.vms
            .iter()
            .enumerate()
            .map(|(v, vm)| {
                let hours = end(resync.azure_stopped_at[v])
                    .since(end(failover.plan.up_at(v)))
                    .as_secs_f64()
                    / 3600.0;
                hours * vm.azure_vm_hour
            })
            .sum()
    } else {
        0.0
    };
    let group_rto = (0..s.groups.len())
        .map(|g| {
            if declared {
                between(Some(t0), failover.plan.group_done_at(g))
            } else {
                times.rto
            }
        })
        .collect();
    let plans: Vec<PlanOutcome> = s
        .plans
        .iter()
        .enumerate()
        .map(|(p, plan)| {
            let (t, _) = per_plan[p];
            let of_vms = |f: fn(&VmOutcome) -> SimDuration| {
                plan.vms
                    .iter()
                    .filter_map(|&v| vms.get(v))
                    .map(f)
                    .max()
                    .unwrap_or_default()
            };
            let at = &sh.plan_at[p];
            PlanOutcome {
                rpo: of_vms(|v| v.rpo),
                rto: t.rto,
                data_lost_bytes: plan
                    .vms
                    .iter()
                    .filter_map(|&v| vms.get(v))
                    .map(|v| v.data_lost_bytes)
                    .sum(),
                stage1: t.stage1,
                stage2: t.stage2,
                stage3_downtime: t.stage3_downtime,
                stage4: t.stage4,
                unprotected: t.unprotected,
                cycle: t.cycle,
                operator_wait: declared
                    .then(|| between(sh.at.declared, failover.plan.path.started_at[p]))
                    .flatten(),
                failback_wait: between(at.stage2_end, at.stage3_start),
                stage_starts: [at.stage2_start, at.stage3_start, at.stage4_start]
                    .map(|start| declared.then(|| between(Some(sh.t0), start)).flatten()),
                over_capacity: plan
                    .vms
                    .iter()
                    .any(|&v| vms.get(v).is_some_and(|m| m.over_capacity)),
            }
        })
        .collect();
    // The plan whose end is the estate's RTO: the last to complete (the
    // first of them in start order on ties).
    let rto_plan = s
        .plan_order()
        .iter()
        .copied()
        .rev()
        .max_by_key(|&p| sh.plan_at[p].stage1_end);
    let bytes = |f: fn(&StageBytes) -> f64| resync.bytes.iter().map(f).sum::<f64>();
    let stages_completed = declared.then(|| {
        let done = |stage: usize| {
            sh.plan_at
                .iter()
                .zip(&per_plan)
                .all(|(at, (_, skipped))| match stage {
                    1 => at.stage1_end.is_some(),
                    2 => at
                        .stage2_end
                        .or(skipped.then_some(at.stage3_start).flatten())
                        .is_some(),
                    3 => at.stage3_end.is_some(),
                    _ => at.stage4_end.is_some(),
                })
        };
        (1..=4).filter(|&stage| done(stage)).count() as u8
    });
    CycleOutcome {
        replication: sh.replication,
        outage_start: t0,
        outage_duration: sh.draws.timeline.outage_duration,
        declared,
        rpo: worst_vm(|v| v.rpo),
        rto: times.rto,
        // The RTO less detection, decision and ride-out is the time from
        // the declaration to the last plan done: stage 1.
        rto_from_failover: if declared { times.stage1 } else { None },
        stage3_start: if declared {
            worst_of(plans.iter().map(|p| p.stage_starts[1]))
        } else {
            None
        },
        stage1: times.stage1,
        stage2: times.stage2,
        stage3_downtime: times.stage3_downtime,
        stage4: times.stage4,
        unprotected: times.unprotected,
        cycle: times.cycle,
        total_downtime: if declared {
            worst_of(per_plan.iter().map(|(t, _)| sum(t.rto, t.stage3_downtime)))
        } else {
            times.rto
        },
        data_lost_bytes: vms.iter().map(|v| v.data_lost_bytes).sum(),
        lag_at_outage: worst_vm(|v| v.lag_at_outage),
        resync_vms: failover.needs_resync.iter().filter(|&&r| r).count() as u32,
        resync_bytes: failover.resync_bytes,
        resync_time: failover.resync_time,
        rpo_alert: worst_vm(|v| v.rpo_alert),
        consistency_group_rpo: s
            .consistency_groups
            .iter()
            // `vms` is empty when the runaway guard stopped the cycle before the outage.
            .map(|g| {
                g.vms
                    .iter()
                    .filter_map(|&v| vms.get(v))
                    .map(|o| o.rpo)
                    .max()
                    .unwrap_or_default()
            })
            .collect(),
        primary_data_lost: declared && sh.draws.timeline.primary_data_lost,
        closed: sh.at.closed.is_some(),
        stages_completed,
        stage2_skipped,
        reassessments: failover.reassessments,
        failback_retries: resync.failback_retries.iter().sum(),
        failback_rpo: resync.failback_rpo.iter().copied().max().flatten(),
        failback_data_lost_bytes: resync
            .azure_stopped_at
            .iter()
            .any(Option::is_some)
            .then(|| resync.failback_lost.iter().sum()),
        step_retries: failover.plan.step_retries + failback.step_retries,
        allocation_retries: failover.plan.allocation_retries,
        latent_faults: failover.plan.latent_faults_met,
        failback_past_window: (0..s.plans.len()).any(|p| {
            let at = &sh.plan_at[p];
            let windows = s.failback_windows(p);
            match (at.stage3_start, at.stage3_end) {
                (Some(start), Some(end)) => {
                    crate::scenario::WeeklyWindow::end_of_window_at(windows, start)
                        .is_some_and(|window_end| end > window_end)
                }
                _ => false,
            }
        }),
        vm_failover_retries: failover.plan.vm_retries,
        stage2_bytes: bytes(|b| b.stage2),
        stage2_copy_bytes: bytes(|b| b.stage2_copy),
        stage3_bytes: bytes(|b| b.stage3),
        stage4_bytes: bytes(|b| b.stage4),
        azure_cost,
        group_rto,
        rto_parts: if declared {
            match (sh.at.detected, sh.at.declared, rto_plan) {
                (Some(detected), Some(declared), Some(p)) if times.rto.is_some() => {
                    declared_rto_parts(
                        s,
                        t0,
                        detected,
                        (sh.draws.timeline.decision_delay, declared),
                        sh.draws.timeline.clean_point_wait(),
                        &failover.plan,
                        p,
                    )
                }
                _ => None,
            }
        } else {
            times.rto.map(|down| {
                let t = &sh.draws.timeline;
                ridden_out_rto_parts(down, t.detection_delay, t.decision_delay)
            })
        },
        rpo_parts: if declared {
            failover.rpo_parts
        } else {
            RpoParts::default()
        },
        inputs: super::inputs::input_values(s, &sh.draws, failover.plan.path.all_steps()),
        vms,
        plans,
        quota_refused: failover.plan.quota_refused,
        events: sh.queue.delivered(),
        runaway: None,
        year: None,
        overloads,
        open,
        cache_level: 0,
    }
}
