//! Stages 2 to 4: reprotect to on-premises, failback, reprotect back to Azure.
//!
//! A reprotect follows ASR's documented lower bound, per VM and in parallel:
//! checksum of the disk (when the other side's disk survived), transfer of the
//! changed bytes over the shared link (while the VM keeps writing), then
//! recovery-point processing (a fraction of checksum plus transfer time) and a
//! fixed autoscale overhead. A lost disk means a full copy instead of a delta.
//! At failback every Azure VM shuts down and its last writes sync over the
//! reverse link before it boots on-premises in plan order.
//!
//! [`Resync`] owns what waits on the links (reprotect transfers, final syncs)
//! and the bytes each stage moved; the failback plan run is passed in.

mod cancel;

use super::draws::ReprotectDraws;
use super::ids::{LinkId, PlanId, VmId};
use super::network::Network;
use super::plan::{PlanRun, PlanStatus};
use super::recovery::Failover;
use super::replication::Schedule;
use super::{Direction, Event, Observer, Phase, Shared, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::units::{format_byte_rate, format_bytes};
use crate::scenario::{
    AsrScenario, FailbackLocation, FailbackMode, FailbackPoint, Scenario, WeeklyWindow,
};

/// Classic failback's reverse replication: crash-consistent points every
/// 5 min, as forward ("Site Recovery creates crash-consistent recovery points
/// every five minutes by default", vmware-azure-architecture.md, "Snapshots
/// and recovery points"; the failback policy does not say otherwise: an
/// estimate), app-consistent every 60 min (the failback policy,
/// failover-failback-overview.md, "VMware/physical reprotection/failback").
const CLASSIC_FAILBACK_CRASH_INTERVAL: SimDuration = SimDuration::from_secs(300);
const CLASSIC_FAILBACK_APP_INTERVAL: SimDuration = SimDuration::from_secs(3600);

fn index(direction: Direction) -> usize {
    match direction {
        Direction::Reverse => 0,
        Direction::Forward => 1,
    }
}

fn phase(direction: Direction) -> Phase {
    match direction {
        Direction::Reverse => Phase::Reprotect,
        Direction::Forward => Phase::ReprotectBack,
    }
}

/// Progress of one VM's reprotect in one direction.
#[derive(Debug, Clone, Copy, Default)]
struct VmResync {
    started: Option<SimTime>,
    checksum_done: Option<SimTime>,
    /// Waiting for its flow's backlog (the delta) to drain.
    transferring: bool,
}

/// Reprotect and final-sync state of one cycle.
#[derive(Debug)]
pub(super) struct Resync {
    /// Per direction (reverse: stage 2, forward: stage 4), per VM.
    vms: [Vec<VmResync>; 2],
    /// Per direction and plan: VMs whose reprotect is not done yet.
    left: [Vec<usize>; 2],
    /// Per VM: shut down in Azure, waiting for its last writes to reach on-premises.
    final_sync_pending: Vec<bool>,
    /// Per direction and VM: waiting for its backlog to drain
    /// (transferring, or in reverse a final sync).
    waiting: [Vec<bool>; 2],
    /// `(direction, link, VM)` that started waiting since their link was
    /// last settled, checked then whether or not their backlog emptied since.
    just_waiting: Vec<(Direction, usize, usize)>,
    /// Scratch for settling: the VMs whose backlog emptied.
    emptied: Vec<usize>,
    /// Per VM: when it stopped running in Azure (failback).
    pub azure_stopped_at: Vec<Option<SimTime>>,
    /// Per VM: the age of the point its failback used when the Azure VM
    /// stopped (zero for a planned failover, which syncs every write).
    pub failback_rpo: Vec<Option<SimDuration>>,
    /// Per VM: bytes written in Azure after that point (classic failback).
    pub failback_lost: Vec<f64>,
    /// Per plan: the bytes each stage moved.
    pub bytes: Vec<StageBytes>,
    /// Per plan: failback attempts that failed and were cancelled (modernized).
    pub failback_retries: Vec<u32>,
    /// Per plan: their downtime, each from its start to the VMs running in
    /// Azure again.
    pub failed_failback_downtime: Vec<SimDuration>,
    /// Per plan: when its failback could last start (set by a cancellation;
    /// else the end of its stage 2).
    failback_ready_at: Vec<Option<SimTime>>,
    /// Per plan: an operator has taken up its failback (`[failback]
    /// concurrent_plans`).
    failback_admitted: Vec<bool>,
    /// Plans whose failback may start, waiting for an operator, in start order.
    failback_queue: Vec<usize>,
    /// Plans failing back now.
    failbacks_running: usize,
}

/// The bytes one plan's stages moved.
#[derive(Debug, Clone, Copy, Default)]
pub struct StageBytes {
    pub stage2: f64,
    /// Of `stage2`, the deltas or full copies (the rest: the writes
    /// replicated during the stage).
    pub stage2_copy: f64,
    pub stage3: f64,
    pub stage4: f64,
}

impl Resync {
    pub fn new(s: &Scenario) -> Self {
        let (vms, plans) = (s.vms.len(), s.plans.len());
        let per_plan: Vec<usize> = s.plans.iter().map(|p| p.vms.len()).collect();
        Resync {
            vms: [
                vec![VmResync::default(); vms],
                vec![VmResync::default(); vms],
            ],
            left: [per_plan.clone(), per_plan],
            final_sync_pending: vec![false; vms],
            waiting: [vec![false; vms], vec![false; vms]],
            just_waiting: Vec::new(),
            emptied: Vec::new(),
            azure_stopped_at: vec![None; vms],
            failback_rpo: vec![None; vms],
            failback_lost: vec![0.0; vms],
            bytes: vec![StageBytes::default(); plans],
            failback_retries: vec![0; plans],
            failed_failback_downtime: vec![SimDuration::ZERO; plans],
            failback_ready_at: vec![None; plans],
            failback_admitted: vec![false; plans],
            failback_queue: Vec::new(),
            failbacks_running: 0,
        }
    }

    pub fn on_reprotect_start<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        direction: Direction,
        p: usize,
    ) {
        let s = sh.scenario;
        match direction {
            Direction::Reverse => sh.plan_at[p].stage2_start = Some(now),
            Direction::Forward => sh.plan_at[p].stage4_start = Some(now),
        }
        let hyper_v = s.failback.mode == FailbackMode::HyperVSyncBefore;
        let plan = plan_prefix(s, p);
        sh.observer.note(now, phase(direction), || match direction {
            Direction::Reverse if hyper_v => format!(
                "{plan}failback (planned failover) started: data synchronised to `{}` before failover, the Azure VMs still running (Hyper-V has no reprotect)",
                s.plan_site(p).id
            ),
            Direction::Reverse => format!(
                "{plan}reprotect started: replication `{}` -> `{}`",
                s.sites.recovery.id,
                s.plan_site(p).id
            ),
            Direction::Forward => format!(
                "{plan}reprotect started: replication `{}` -> `{}` re-enabled",
                s.plan_site(p).id,
                s.sites.recovery.id
            ),
        });
        for &v in &s.plans[p].vms {
            self.vms[index(direction)][v].started = Some(now);
            let checksum = if full_copy(sh, direction, v) || tracks_changes(s, direction) {
                SimDuration::ZERO
            } else {
                // The checksum reads the data on the disk, not the
                // provisioned size (azure-to-azure-how-to-reprotect.md).
                let d = reprotect_draws(sh, direction, v);
                SimDuration::from_secs_f64(s.vms[v].used_bytes / d.checksum_throughput)
            };
            sh.queue
                .schedule(now + checksum, Event::ChecksumDone(direction, VmId::new(v)));
        }
    }

    /// The delta is known: queue it on the VM's flow, which from now on also
    /// carries the VM's ongoing writes.
    #[allow(clippy::too_many_arguments)]
    pub fn on_checksum_done<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        failover: &Failover,
        failback: &PlanRun,
        now: SimTime,
        direction: Direction,
        vm: VmId,
    ) {
        let vm = vm.index();
        let s = sh.scenario;
        self.vms[index(direction)][vm].checksum_done = Some(now);
        let churn = sh.draws.vms[vm].churn;
        let full_copy = full_copy(sh, direction, vm);
        let bytes = if full_copy {
            s.vms[vm].used_bytes
        } else {
            // Blocks that differ: what the running copy wrote since it started,
            // plus (stage 2) the writes the primary kept that never reached
            // Azure, as changed blocks (rewrites of hot blocks count once).
            let (running_since, diverged) = match direction {
                Direction::Reverse => {
                    (failover.plan.up_at(vm), failover.points[vm].data_lost_bytes)
                }
                Direction::Forward => (failback.up_at(vm), 0.0),
            };
            let written = churn * now.since(running_since.unwrap_or(now)).as_secs_f64();
            let v = &s.vms[vm];
            s.reprotect
                .delta
                .changed(written + diverged, v.working_set_bytes, v.disk_bytes)
        };
        sh.observer.note(now, phase(direction), || {
            if full_copy {
                format!(
                    "{}: full copy of {} queued",
                    s.vms[vm].id,
                    format_bytes(bytes)
                )
            } else {
                format!(
                    "{}: checksum done, delta of {} queued",
                    s.vms[vm].id,
                    format_bytes(bytes)
                )
            }
        });
        let link = s.vms[vm].link;
        net.link_mut(direction, link)
            .start_flow(now, vm, churn, bytes);
        if let Some(cap) = transfer_cap(s, direction, vm) {
            sh.observer.note(now, phase(direction), || {
                format!(
                    "{}: transfer capped at {} ({} of the disk's {})",
                    s.vms[vm].id,
                    format_byte_rate(cap),
                    s.reprotect.transfer_fraction,
                    format_byte_rate(s.vms[vm].disk_throughput.unwrap_or(cap))
                )
            });
            net.link_mut(direction, link)
                .set_flow_cap(now, vm, Some(cap));
        }
        self.vms[index(direction)][vm].transferring = true;
        self.wait(direction, link, vm);
        self.settle_link(sh, net, now, direction, link);
    }

    /// A backlog on `link` may have emptied (unless the link changed since).
    pub fn on_flow_check<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        now: SimTime,
        direction: Direction,
        link: LinkId,
        epoch: u64,
    ) {
        let link = link.index();
        if net.link_mut(direction, link).epoch() != epoch {
            return;
        }
        net.link_mut(direction, link).rebalance(now);
        if direction == Direction::Forward && now < sh.t0 {
            net.end_resyncs(sh, now, link);
        }
        self.settle_link(sh, net, now, direction, link);
    }

    /// Acts on every flow of `link` whose backlog is empty, then watches for the next.
    fn settle_link<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        now: SimTime,
        direction: Direction,
        link: usize,
    ) {
        // Only the flows whose backlog emptied since the last settling, and
        // the VMs that started waiting since, are read; those waiting with
        // nothing queued are settled in ascending order, as a scan of every
        // VM would.
        let mut emptied = std::mem::take(&mut self.emptied);
        emptied.clear();
        let l = net.link_mut(direction, link);
        l.take_emptied(&mut emptied);
        self.just_waiting.retain(|&(d, on, vm)| {
            let here = d == direction && on == link;
            if here {
                emptied.push(vm);
            }
            !here
        });
        let waiting = &self.waiting[index(direction)];
        emptied.retain(|&vm| waiting[vm] && l.backlog(vm) <= 0.0);
        emptied.sort_unstable();
        emptied.dedup();
        for &vm in &emptied {
            let final_sync = direction == Direction::Reverse && self.final_sync_pending[vm];
            let transferred = self.vms[index(direction)][vm].transferring;
            self.settle_vm(sh, now, direction, vm, final_sync);
            if transferred && transfer_cap(sh.scenario, direction, vm).is_some() {
                // The reprotect's transfer is done: replication is no longer
                // limited by the disk read.
                net.link_mut(direction, link).set_flow_cap(now, vm, None);
            }
            let still_waiting = self.vms[index(direction)][vm].transferring
                || (direction == Direction::Reverse && self.final_sync_pending[vm]);
            self.waiting[index(direction)][vm] = still_waiting;
        }
        self.emptied = emptied;
        net.watch_link(sh, direction, link);
    }

    /// `vm`'s backlog on its link has drained: its delta transfer is done
    /// (processing and autoscale follow), and in reverse its final sync.
    fn settle_vm<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        direction: Direction,
        vm: usize,
        final_sync: bool,
    ) {
        let s = sh.scenario;
        let state = &mut self.vms[index(direction)][vm];
        if state.transferring {
            state.transferring = false;
            let (Some(started), Some(checksum_done)) = (state.started, state.checksum_done) else {
                return;
            };
            let busy = now.since(started).as_secs_f64();
            // Hyper-V's sync before failover is a copy to the host, with no
            // recovery points to process and no autoscaling (a reprotect's);
            // its reverse replication after failback sends the changes it
            // tracked, with no checksum and no autoscaling either (both
            // borrowed from Azure-to-Azure, which Hyper-V's page does not name).
            let hyper_v_sync = direction == Direction::Reverse
                && s.failback.mode == FailbackMode::HyperVSyncBefore;
            let (processing, overhead) = if hyper_v_sync || tracks_changes(s, direction) {
                (SimDuration::ZERO, SimDuration::ZERO)
            } else {
                (
                    SimDuration::from_secs_f64(busy * s.reprotect.processing_fraction),
                    reprotect_draws(sh, direction, vm).autoscale_overhead,
                )
            };
            sh.observer.note(now, phase(direction), || {
                format!(
                    "{}: delta transferred in {}; processing {} + autoscale {}",
                    s.vms[vm].id,
                    now.since(checksum_done),
                    processing,
                    overhead
                )
            });
            sh.queue.schedule(
                now + processing + overhead,
                Event::ReprotectVmDone(direction, VmId::new(vm)),
            );
        }
        if final_sync {
            self.final_sync_pending[vm] = false;
            let overhead = sh.draws.vms[vm].final_sync_overhead;
            sh.queue
                .schedule(now + overhead, Event::FinalSynced(VmId::new(vm)));
        }
    }

    /// Adds `vm` to the VMs waiting for a drain on `link` in `direction`
    /// (read at the link's next settling, which follows at once).
    fn wait(&mut self, direction: Direction, link: usize, vm: usize) {
        self.waiting[index(direction)][vm] = true;
        self.just_waiting.push((direction, link, vm));
    }

    pub fn on_reprotect_vm_done<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        now: SimTime,
        direction: Direction,
        vm: VmId,
    ) {
        let vm = vm.index();
        let s = sh.scenario;
        sh.observer.note(now, phase(direction), || {
            format!("{}: replication healthy", s.vms[vm].id)
        });
        let p = s.vms[vm].plan;
        let left = &mut self.left[index(direction)][p];
        *left -= 1;
        if *left > 0 {
            return;
        }
        let plan = plan_prefix(s, p);
        match direction {
            Direction::Reverse => {
                sh.plan_at[p].stage2_end = Some(now);
                let start = sh.plan_at[p].stage2_start.unwrap_or(now);
                let hyper_v = s.failback.mode == FailbackMode::HyperVSyncBefore;
                sh.span(
                    || {
                        let stage = if hyper_v {
                            "stage 2: sync before failover"
                        } else {
                            "stage 2: reprotect"
                        };
                        format!("{plan}{stage}")
                    },
                    SpanKind::Stage,
                    Phase::Reprotect,
                    start,
                    now,
                );
                self.bytes[p].stage2 = net.sent_total(Direction::Reverse, now, p);
                self.bytes[p].stage2_copy = net.bulk_sent(Direction::Reverse, now, p);
                sh.observer.note(now, Phase::Reprotect, || {
                    format!("{plan}reprotect complete: Azure VMs protected to on-premises")
                });
                // Hyper-V: the sync before failover is done, the Azure VMs shut
                // down now. Otherwise failback after the wait, no sooner than
                // the minimum stay in Azure, inside a window if the plan has them.
                let start = match s.failback.mode {
                    FailbackMode::HyperVSyncBefore => now,
                    _ => failback_start(sh, p, now),
                };
                sh.queue
                    .schedule(start, Event::FailbackStart(PlanId::new(p)));
            }
            Direction::Forward => {
                sh.plan_at[p].stage4_end = Some(now);
                let start = sh.plan_at[p].stage4_start.unwrap_or(now);
                sh.span(
                    || format!("{plan}stage 4: reprotect"),
                    SpanKind::Stage,
                    Phase::ReprotectBack,
                    start,
                    now,
                );
                self.bytes[p].stage4 = net.sent_total(Direction::Forward, now, p);
                let closed = sh.plan_at.iter().all(|m| m.stage4_end.is_some());
                if closed {
                    sh.at.closed = Some(now);
                }
                sh.observer.note(now, Phase::ReprotectBack, || {
                    if !s.is_estate() {
                        "reprotect complete: on-premises VMs protected to Azure; cycle closed"
                            .to_string()
                    } else if closed {
                        format!("{plan}reprotect complete: the last plan protected to Azure; the estate's cycle closed")
                    } else {
                        format!("{plan}reprotect complete: on-premises VMs protected to Azure")
                    }
                });
            }
        }
    }

    /// Plan `p`'s failback may start: an operator takes it up when fewer
    /// than `[failback] concurrent_plans` fail back; else it waits its turn.
    /// Then every Azure VM of the plan shuts down and its last writes sync.
    pub fn on_failback_start<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        failback: &mut PlanRun,
        now: SimTime,
        p: usize,
    ) -> PlanStatus {
        let s = sh.scenario;
        if !self.failback_admitted[p] {
            let limit = s.failback.concurrent_plans.unwrap_or(usize::MAX);
            if self.failbacks_running >= limit {
                let order = s.plan_order();
                let rank = |q: usize| order.iter().position(|&o| o == q);
                let at = self.failback_queue.partition_point(|&q| rank(q) < rank(p));
                self.failback_queue.insert(at, p);
                sh.observer.note(now, Phase::Failback, || {
                    format!(
                        "plan `{}`: failback waits for an operator ({limit} plans fail back at once)",
                        s.plans[p].id
                    )
                });
                return PlanStatus::Running;
            }
            self.failbacks_running += 1;
        }
        self.failback_admitted[p] = false;
        sh.plan_at[p].stage3_start = Some(now);
        let waited_from = self.failback_ready_at[p]
            .or(sh.plan_at[p].stage2_end)
            .unwrap_or(now);
        let plan = plan_prefix(s, p);
        sh.span(
            || format!("{plan}waiting for failback"),
            SpanKind::Stage,
            Phase::Failback,
            waited_from,
            now,
        );
        sh.observer.note(now, Phase::Failback, || {
            format!("{plan}failback started (planned failover): shutting down Azure VMs")
        });
        for &v in &s.plans[p].vms {
            let done = now + sh.draws.vms[v].shutdown_time;
            sh.queue.schedule(done, Event::AzureShutDown(VmId::new(v)));
        }
        failback.start(sh, p, now)
    }

    /// A plan's failback is over (done, or failed and cancelled): its
    /// operator takes up the next waiting plan, inside a window if the
    /// failback has them.
    fn release_failback_operator<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime) {
        self.failbacks_running -= 1;
        if self.failback_queue.is_empty() {
            return;
        }
        let next = self.failback_queue.remove(0);
        self.failbacks_running += 1;
        self.failback_admitted[next] = true;
        let start = window_start(sh.scenario, next, now);
        sh.queue
            .schedule(start, Event::FailbackStart(PlanId::new(next)));
    }

    pub fn on_azure_shut_down<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        now: SimTime,
        vm: VmId,
    ) {
        let vm = vm.index();
        let s = sh.scenario;
        let link = s.vms[vm].link;
        self.azure_stopped_at[vm] = Some(now);
        let l = net.link_mut(Direction::Reverse, link);
        match s.failback.mode {
            FailbackMode::ClassicToPoint(point) => {
                // An unplanned failover from Azure to the newest reverse
                // point whose data is on-premises: the VM wrote at a constant
                // rate, so what is queued is its newest writes and the lag is
                // backlog / rate. Nothing more is synced.
                let churn = sh.draws.vms[vm].churn;
                let lag = if churn > 0.0 {
                    l.backlog(vm) / churn
                } else {
                    0.0
                };
                let interval = match point {
                    FailbackPoint::LatestProcessed => CLASSIC_FAILBACK_CRASH_INTERVAL,
                    FailbackPoint::LatestAppConsistent => CLASSIC_FAILBACK_APP_INTERVAL,
                };
                let schedule = Schedule {
                    interval,
                    phase: SimDuration::from_millis(
                        sh.draws.vms[vm].crash_phase.as_millis() % interval.as_millis(),
                    ),
                    pruning: None,
                };
                let arrived = now - SimDuration::from_secs_f64(lag);
                let point_time = schedule.latest_at_or_before(arrived).1;
                let lost = churn * now.since(point_time).as_secs_f64();
                self.failback_rpo[vm] = Some(now.since(point_time));
                self.failback_lost[vm] = lost;
                l.set_active(now, vm, false);
                sh.observer.note(now, Phase::Failback, || {
                    format!(
                        "{}: shut down in Azure; unplanned failover to its point taken {} ago: {} written since are lost",
                        s.vms[vm].id,
                        now.since(point_time),
                        format_bytes(lost)
                    )
                });
                net.watch_link(sh, Direction::Reverse, link);
                let overhead = sh.draws.vms[vm].final_sync_overhead;
                sh.queue
                    .schedule(now + overhead, Event::FinalSynced(VmId::new(vm)));
                return;
            }
            FailbackMode::HyperVDownload => {
                // No checksum: every disk is downloaded while the VM is down.
                l.start_flow(now, vm, 0.0, s.vms[vm].disk_bytes);
            }
            FailbackMode::Planned | FailbackMode::HyperVSyncBefore => {
                l.set_input_rate(now, vm, 0.0);
            }
        }
        self.failback_rpo[vm] = Some(SimDuration::ZERO);
        let pending = net.link_mut(Direction::Reverse, link).backlog(vm);
        sh.observer.note(now, Phase::Failback, || {
            format!(
                "{}: shut down in Azure; final sync of {}",
                s.vms[vm].id,
                format_bytes(pending)
            )
        });
        self.final_sync_pending[vm] = true;
        self.wait(Direction::Reverse, link, vm);
        self.settle_link(sh, net, now, Direction::Reverse, link);
    }

    pub fn on_final_synced<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        failback: &mut PlanRun,
        now: SimTime,
        vm: VmId,
    ) -> PlanStatus {
        let vm = vm.index();
        let s = sh.scenario;
        let link = s.vms[vm].link;
        net.link_mut(Direction::Reverse, link)
            .set_active(now, vm, false);
        net.watch_link(sh, Direction::Reverse, link);
        sh.observer.note(now, Phase::Failback, || {
            format!("{}: final sync done", s.vms[vm].id)
        });
        failback.ready(sh, vm, now)
    }

    /// The cycle was cut at `horizon`: the stage in progress reports the bytes
    /// it moved until then (its flows brought up to the horizon).
    pub fn record_unfinished(
        &mut self,
        net: &mut Network,
        plan_at: &[super::StageMilestones],
        horizon: SimTime,
    ) {
        for (p, at) in plan_at.iter().enumerate() {
            let bytes = &mut self.bytes[p];
            if at.stage2_start.is_some() && at.stage2_end.is_none() {
                bytes.stage2 = net.sent_total(Direction::Reverse, horizon, p);
                bytes.stage2_copy = net.bulk_sent(Direction::Reverse, horizon, p);
            } else if at.stage2_end.is_some() && at.stage3_end.is_none() {
                bytes.stage3 = net.sent_total(Direction::Reverse, horizon, p) - bytes.stage2;
            } else if at.stage4_start.is_some() && at.stage4_end.is_none() {
                bytes.stage4 = net.sent_active(Direction::Forward, horizon, p);
            }
        }
    }

    /// Plan `p`'s failback plan's last group is done: its stage 3 ends, its
    /// stage 4 follows.
    pub fn on_failback_complete<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        failback: &PlanRun,
        now: SimTime,
        p: usize,
    ) {
        let s = sh.scenario;
        sh.plan_at[p].stage3_end = Some(now);
        let start = sh.plan_at[p].stage3_start.unwrap_or(now);
        let plan = plan_prefix(s, p);
        sh.span(
            || format!("{plan}stage 3: failback (downtime)"),
            SpanKind::Stage,
            Phase::Failback,
            start,
            now,
        );
        self.bytes[p].stage3 = net.sent_total(Direction::Reverse, now, p) - self.bytes[p].stage2;
        sh.observer.note(now, Phase::Failback, || {
            let site = match s.failback.location {
                FailbackLocation::Original => s.plan_site(p),
                FailbackLocation::Alternate => s.sites.alternate.as_ref().unwrap_or(s.plan_site(p)),
            };
            format!(
                "{plan}failback complete: service running on `{}` again",
                site.id
            )
        });
        self.release_failback_operator(sh, now);
        // Each VM's agent registers back after its boot on-premises (up to
        // 15 min for VMware/physical); reprotect fails until it has.
        let registered = s.plans[p]
            .vms
            .iter()
            .filter_map(|&v| Some(failback.up_at(v)? + sh.draws.vms[v].agent_registration_back))
            .fold(now, SimTime::max);
        let start = registered + sh.draws.timeline.reprotect_back_delay;
        sh.queue.schedule(
            start,
            Event::ReprotectStart(Direction::Forward, PlanId::new(p)),
        );
    }
}

/// "plan `x`: " before a plan's own narration in an estate; nothing for a
/// single plan (its narration reads as it always did).
pub(super) fn plan_prefix(s: &Scenario, p: usize) -> String {
    if s.is_estate() {
        format!("plan `{}`: ", s.plans[p].id)
    } else {
        String::new()
    }
}

/// Below this share of its disk in use, a reprotect copies a disk whole
/// ("Since the data populated in the disk is less than 10% of the size of
/// the disk, we perform a complete initial replication":
/// azure-to-azure-how-to-reprotect.md, "Estimated time to do the
/// reprotection", borrowed for VMware/physical reprotects).
const MOSTLY_EMPTY_SHARE: f64 = 0.1;

/// Whether `vm`'s reprotect copies its data whole rather than a delta. Stage
/// 2 does when the disaster destroyed the primary's disks, when failback goes
/// to an alternate location, or for a physical server, which fails back only
/// to a new VMware VM (vmware-azure-failback.md); the Azure disks always
/// survive failback, so stage 4 copies a delta. Either stage copies a
/// mostly empty disk whole, but for Hyper-V's stage 4, which sends the
/// changes it tracked ([`tracks_changes`]).
fn full_copy<O: Observer>(sh: &Shared<'_, O>, direction: Direction, vm: usize) -> bool {
    let s = sh.scenario;
    let v = &s.vms[vm];
    if tracks_changes(s, direction) {
        return false;
    }
    v.used_bytes < MOSTLY_EMPTY_SHARE * v.disk_bytes
        || direction == Direction::Reverse
            && (sh.draws.timeline.primary_data_lost
                || s.failback.location == FailbackLocation::Alternate
                || v.kind == AsrScenario::Physical)
}

/// Whether the reprotect in `direction` sends only the changes tracked since
/// the other copy stopped, without a checksum: Hyper-V's replication back to
/// Azure after failback, which sends "only the changes since the VM has been
/// turned off in Azure" (hyper-v-azure-failback.md).
fn tracks_changes(s: &Scenario, direction: Direction) -> bool {
    direction == Direction::Forward && s.kind == AsrScenario::HyperV
}

/// What `vm`'s reprotect transfer may send at most: a fraction of its disk's
/// throughput, when the disk's throughput is known. Hyper-V's sync before
/// its failback is a copy to the host, not a reprotect: uncapped.
fn transfer_cap(s: &Scenario, direction: Direction, vm: usize) -> Option<f64> {
    let hyper_v_sync =
        direction == Direction::Reverse && s.failback.mode == FailbackMode::HyperVSyncBefore;
    if hyper_v_sync {
        return None;
    }
    s.vms[vm]
        .disk_throughput
        .map(|t| t * s.reprotect.transfer_fraction)
}

fn reprotect_draws<O: Observer>(
    sh: &Shared<'_, O>,
    direction: Direction,
    vm: usize,
) -> ReprotectDraws {
    match direction {
        Direction::Reverse => sh.draws.vms[vm].reprotect,
        Direction::Forward => sh.draws.vms[vm].reprotect_back,
    }
}

/// When failback starts once it may (`ready`: reverse replication healthy,
/// or for Hyper-V the site back and the failover done) for plan `p`: after the wait, no
/// sooner than the minimum stay in Azure, inside a window if the plan has them.
pub(super) fn failback_start<O: Observer>(sh: &Shared<'_, O>, p: usize, ready: SimTime) -> SimTime {
    let f = &sh.scenario.failback;
    let stay_until = sh.plan_at[p].stage1_end.unwrap_or(ready) + f.minimum_stay;
    let earliest = (ready + sh.draws.timeline.failback_wait).max(stay_until);
    window_start(sh.scenario, p, earliest)
}

/// The first instant from `t` on at which plan `p`'s failback may start:
/// inside one of its windows, and with `must_finish` where its estimated
/// downtime fits before that window ends (a window too short for it is
/// skipped; when none is long enough, validation has warned, and it
/// starts inside one).
pub(super) fn window_start(s: &Scenario, p: usize, t: SimTime) -> SimTime {
    let windows = s.failback_windows(p);
    if s.failback.must_finish
        && let Some(start) = WeeklyWindow::next_fitting(windows, t, s.failback_estimate(p))
    {
        return start;
    }
    WeeklyWindow::next_inside(windows, t)
}
