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

use super::draws::ReprotectDraws;
use super::ids::{LinkId, VmId};
use super::network::Network;
use super::plan::{PlanRun, PlanStatus};
use super::recovery::Failover;
use super::{Direction, Event, Observer, Phase, Shared, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::units::format_bytes;
use crate::scenario::{AsrScenario, FailbackLocation, Scenario};

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
    /// Per direction: VMs whose reprotect is not done yet.
    left: [usize; 2],
    /// Per VM: shut down in Azure, waiting for its last writes to reach on-premises.
    final_sync_pending: Vec<bool>,
    /// Per direction and link: the VMs waiting for a backlog to drain
    /// (transferring, or in reverse a final sync), ascending, so that settling
    /// a link visits only them, in the order a scan of every VM would.
    waiting: [Vec<Vec<usize>>; 2],
    /// Per VM: when it stopped running in Azure (failback).
    pub azure_stopped_at: Vec<Option<SimTime>>,
    pub stage2_bytes: f64,
    pub stage3_bytes: f64,
    pub stage4_bytes: f64,
}

impl Resync {
    pub fn new(vms: usize, links: usize) -> Self {
        Resync {
            vms: [
                vec![VmResync::default(); vms],
                vec![VmResync::default(); vms],
            ],
            left: [vms, vms],
            final_sync_pending: vec![false; vms],
            waiting: [vec![Vec::new(); links], vec![Vec::new(); links]],
            azure_stopped_at: vec![None; vms],
            stage2_bytes: 0.0,
            stage3_bytes: 0.0,
            stage4_bytes: 0.0,
        }
    }

    pub fn on_reprotect_start<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        direction: Direction,
    ) {
        let s = sh.scenario;
        match direction {
            Direction::Reverse => sh.at.stage2_start = Some(now),
            Direction::Forward => sh.at.stage4_start = Some(now),
        }
        sh.observer.note(now, phase(direction), || match direction {
            Direction::Reverse => format!(
                "reprotect started: replication `{}` -> `{}`",
                s.sites.recovery.id, s.sites.primary.id
            ),
            Direction::Forward => format!(
                "reprotect started: replication `{}` -> `{}` re-enabled",
                s.sites.primary.id, s.sites.recovery.id
            ),
        });
        let full_copy = full_copy(sh, direction);
        for v in 0..s.vms.len() {
            self.vms[index(direction)][v].started = Some(now);
            let checksum = if full_copy {
                SimDuration::ZERO
            } else {
                let d = reprotect_draws(sh, direction, v);
                SimDuration::from_secs_f64(s.vms[v].disk_bytes / d.checksum_throughput)
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
        let full_copy = full_copy(sh, direction);
        let bytes = if full_copy {
            s.vms[vm].disk_bytes
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
        let mut k = 0;
        while k < self.waiting[index(direction)][link].len() {
            let vm = self.waiting[index(direction)][link][k];
            if net.link_mut(direction, link).backlog(vm) > 0.0 {
                k += 1;
                continue;
            }
            let final_sync = direction == Direction::Reverse && self.final_sync_pending[vm];
            self.settle_vm(sh, now, direction, vm, final_sync);
            let still_waiting = self.vms[index(direction)][vm].transferring
                || (direction == Direction::Reverse && self.final_sync_pending[vm]);
            if still_waiting {
                k += 1;
            } else {
                self.waiting[index(direction)][link].remove(k);
            }
        }
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
            let processing = SimDuration::from_secs_f64(busy * s.reprotect.processing_fraction);
            let overhead = reprotect_draws(sh, direction, vm).autoscale_overhead;
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
    /// (kept ascending).
    fn wait(&mut self, direction: Direction, link: usize, vm: usize) {
        let waiting = &mut self.waiting[index(direction)][link];
        if let Err(at) = waiting.binary_search(&vm) {
            waiting.insert(at, vm);
        }
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
        let left = &mut self.left[index(direction)];
        *left -= 1;
        if *left > 0 {
            return;
        }
        match direction {
            Direction::Reverse => {
                sh.at.stage2_end = Some(now);
                let start = sh.at.stage2_start.unwrap_or(now);
                sh.span(
                    || "stage 2: reprotect".into(),
                    SpanKind::Stage,
                    Phase::Reprotect,
                    start,
                    now,
                );
                self.stage2_bytes = net.sent_total(Direction::Reverse, now);
                sh.observer.note(now, Phase::Reprotect, || {
                    "reprotect complete: Azure VMs protected to on-premises".to_string()
                });
                // Failback after the wait, no sooner than the minimum stay in
                // Azure, and inside a maintenance window if the plan has them.
                let f = &s.failback;
                let stay_until = sh.at.stage1_end.unwrap_or(now) + f.minimum_stay;
                let earliest = (now + sh.draws.timeline.failback_wait).max(stay_until);
                let start = next_failback_window(s, earliest);
                sh.queue.schedule(start, Event::FailbackStart);
            }
            Direction::Forward => {
                sh.at.stage4_end = Some(now);
                let start = sh.at.stage4_start.unwrap_or(now);
                sh.span(
                    || "stage 4: reprotect".into(),
                    SpanKind::Stage,
                    Phase::ReprotectBack,
                    start,
                    now,
                );
                self.stage4_bytes = net.sent_total(Direction::Forward, now);
                sh.observer.note(now, Phase::ReprotectBack, || {
                    "reprotect complete: on-premises VMs protected to Azure; cycle closed"
                        .to_string()
                });
            }
        }
    }

    /// Planned failover back: every Azure VM shuts down, its last writes sync.
    pub fn on_failback_start<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        failback: &mut PlanRun,
        now: SimTime,
    ) -> PlanStatus {
        sh.at.stage3_start = Some(now);
        let waited_from = sh.at.stage2_end.unwrap_or(now);
        sh.span(
            || "waiting for failback".into(),
            SpanKind::Stage,
            Phase::Failback,
            waited_from,
            now,
        );
        sh.observer.note(now, Phase::Failback, || {
            "failback started (planned failover): shutting down Azure VMs".to_string()
        });
        for v in 0..sh.scenario.vms.len() {
            let done = now + sh.draws.vms[v].shutdown_time;
            sh.queue.schedule(done, Event::AzureShutDown(VmId::new(v)));
        }
        failback.start(sh, now)
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
        let l = net.link_mut(Direction::Reverse, link);
        l.set_input_rate(now, vm, 0.0);
        let pending = l.backlog(vm);
        sh.observer.note(now, Phase::Failback, || {
            format!(
                "{}: shut down in Azure; final sync of {}",
                s.vms[vm].id,
                format_bytes(pending)
            )
        });
        self.final_sync_pending[vm] = true;
        self.wait(Direction::Reverse, link, vm);
        self.azure_stopped_at[vm] = Some(now);
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
        at: &super::Milestones,
        horizon: SimTime,
    ) {
        if at.stage2_start.is_some() && at.stage2_end.is_none() {
            self.stage2_bytes = net.sent_total(Direction::Reverse, horizon);
        } else if at.stage2_end.is_some() && at.stage3_end.is_none() {
            self.stage3_bytes = net.sent_total(Direction::Reverse, horizon) - self.stage2_bytes;
        } else if at.stage4_start.is_some() && at.stage4_end.is_none() {
            self.stage4_bytes = net.sent_active(Direction::Forward, horizon);
        }
    }

    /// The failback plan's last group is done: stage 3 ends, stage 4 follows.
    pub fn on_failback_complete<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        net: &mut Network,
        failback: &PlanRun,
        now: SimTime,
    ) {
        let s = sh.scenario;
        sh.at.stage3_end = Some(now);
        let start = sh.at.stage3_start.unwrap_or(now);
        sh.span(
            || "stage 3: failback (downtime)".into(),
            SpanKind::Stage,
            Phase::Failback,
            start,
            now,
        );
        self.stage3_bytes = net.sent_total(Direction::Reverse, now) - self.stage2_bytes;
        sh.observer.note(now, Phase::Failback, || {
            let site = match s.failback.location {
                FailbackLocation::Original => &s.sites.primary,
                FailbackLocation::Alternate => {
                    s.sites.alternate.as_ref().unwrap_or(&s.sites.primary)
                }
            };
            format!("failback complete: service running on `{}` again", site.id)
        });
        // Each VM's agent registers back after its boot on-premises (up to
        // 15 min for VMware/physical); reprotect fails until it has.
        let registered = (0..s.vms.len())
            .filter_map(|v| Some(failback.up_at(v)? + sh.draws.vms[v].agent_registration_back))
            .fold(now, SimTime::max);
        let start = registered + sh.draws.timeline.reprotect_back_delay;
        sh.queue
            .schedule(start, Event::ReprotectStart(Direction::Forward));
    }
}

/// Stage 2 needs a full copy when the disaster destroyed the primary's disks,
/// when failback goes to an alternate location, or for a physical server,
/// which fails back only to a new VMware VM (vmware-azure-failback.md); the Azure disks always
/// survive failback, so stage 4 is a delta.
fn full_copy<O: Observer>(sh: &Shared<'_, O>, direction: Direction) -> bool {
    direction == Direction::Reverse
        && (sh.draws.timeline.primary_data_lost
            || sh.scenario.failback.location == FailbackLocation::Alternate
            || sh.scenario.kind == AsrScenario::Physical)
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

/// The earliest instant at or after `t` inside one of the scenario's failback
/// windows (`t` itself when there are none).
fn next_failback_window(scenario: &Scenario, t: SimTime) -> SimTime {
    let windows = &scenario.failback.windows;
    if windows.is_empty() {
        return t;
    }
    const WEEK: i64 = 7 * 86_400_000;
    let week_start = t.as_millis().div_euclid(WEEK) * WEEK;
    windows
        .iter()
        .flat_map(|w| {
            (-1..=1).map(move |k| {
                let start = SimTime::from_millis(week_start + k * WEEK + w.start.as_millis());
                (start, start + w.length)
            })
        })
        .filter(|&(_, end)| end > t)
        .map(|(start, _)| start.max(t))
        .min()
        .unwrap_or(t)
}
