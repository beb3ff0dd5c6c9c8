//! Stages 2 to 4: reprotect to on-premises, failback, reprotect back to Azure.
//!
//! A reprotect follows ASR's documented lower bound, per VM and in parallel:
//! checksum of the disk (when the other side's disk survived), transfer of the
//! changed bytes over the shared link (while the VM keeps writing), then
//! recovery-point processing (a fraction of checksum plus transfer time) and a
//! fixed autoscale overhead. A lost disk means a full copy instead of a delta.

use super::plan::PlanStage;
use super::{CycleRun, Direction, Event, Observer, Phase, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::FailbackLocation;
use crate::scenario::units::format_bytes;

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

impl<O: Observer> CycleRun<'_, O> {
    pub(super) fn on_reprotect_start(&mut self, now: SimTime, direction: Direction) {
        let s = self.scenario;
        match direction {
            Direction::Reverse => self.at.stage2_start = Some(now),
            Direction::Forward => self.at.stage4_start = Some(now),
        }
        self.observer
            .note(now, phase(direction), || match direction {
                Direction::Reverse => format!(
                    "reprotect started: replication `{}` -> `{}`",
                    s.sites.recovery.id, s.sites.primary.id
                ),
                Direction::Forward => format!(
                    "reprotect started: replication `{}` -> `{}` re-enabled",
                    s.sites.primary.id, s.sites.recovery.id
                ),
            });
        for v in 0..s.vms.len() {
            self.resync[index(direction)][v].started = Some(now);
            let full_copy = self.full_copy(direction);
            let checksum = if full_copy {
                SimDuration::ZERO
            } else {
                let d = self.reprotect_draws(direction, v);
                SimDuration::from_secs_f64(s.vms[v].disk_bytes / d.checksum_throughput)
            };
            self.queue
                .schedule(now + checksum, Event::ChecksumDone(direction, v));
        }
    }

    /// Stage 2 needs a full copy when the disaster destroyed the primary's disks
    /// or when failback goes to an alternate location; the Azure disks always
    /// survive failback, so stage 4 is a delta.
    fn full_copy(&self, direction: Direction) -> bool {
        direction == Direction::Reverse
            && (self.draws.timeline.primary_data_lost
                || self.scenario.failback.location == FailbackLocation::Alternate)
    }

    fn reprotect_draws(&self, direction: Direction, vm: usize) -> super::draws::ReprotectDraws {
        match direction {
            Direction::Reverse => self.draws.vms[vm].reprotect,
            Direction::Forward => self.draws.vms[vm].reprotect_back,
        }
    }

    /// The delta is known: queue it on the VM's flow, which from now on also
    /// carries the VM's ongoing writes.
    pub(super) fn on_checksum_done(&mut self, now: SimTime, direction: Direction, vm: usize) {
        let s = self.scenario;
        self.resync[index(direction)][vm].checksum_done = Some(now);
        let churn = self.draws.vms[vm].churn;
        let full_copy = self.full_copy(direction);
        let bytes = if full_copy {
            s.vms[vm].disk_bytes
        } else {
            // Blocks that differ: everything the running copy wrote since it started,
            // plus (stage 2) the writes the primary kept that never reached Azure.
            let (running_since, diverged) = match direction {
                Direction::Reverse => (self.failover.up_at(vm), self.points[vm].data_lost_bytes),
                Direction::Forward => (self.failback.up_at(vm), 0.0),
            };
            let written = churn * now.since(running_since.unwrap_or(now)).as_secs_f64();
            (written + diverged).min(s.vms[vm].disk_bytes)
        };
        self.observer.note(now, phase(direction), || {
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
        let l = self.link_mut(direction, link);
        l.start_flow(now, vm, churn, bytes);
        self.resync[index(direction)][vm].transferring = true;
        self.settle_link(now, direction, link);
    }

    pub(super) fn on_flow_check(
        &mut self,
        now: SimTime,
        direction: Direction,
        link: usize,
        epoch: u64,
    ) {
        if self.link_mut(direction, link).epoch() != epoch {
            return;
        }
        self.link_mut(direction, link).rebalance(now);
        self.settle_link(now, direction, link);
    }

    /// Acts on every flow of `link` whose backlog is empty, then watches for the next.
    fn settle_link(&mut self, now: SimTime, direction: Direction, link: usize) {
        let s = self.scenario;
        for vm in 0..s.vms.len() {
            // Cheap flags first: most VMs wait for nothing on this link.
            let waiting = self.resync[index(direction)][vm].transferring
                || (direction == Direction::Reverse && self.final_sync_pending[vm]);
            if !waiting
                || s.vms[vm].link != link
                || self.link_mut(direction, link).backlog(vm) > 0.0
            {
                continue;
            }
            let state = &mut self.resync[index(direction)][vm];
            if state.transferring {
                state.transferring = false;
                let (Some(started), Some(checksum_done)) = (state.started, state.checksum_done)
                else {
                    continue;
                };
                let busy = now.since(started).as_secs_f64();
                let processing = SimDuration::from_secs_f64(busy * s.reprotect.processing_fraction);
                let overhead = self.reprotect_draws(direction, vm).autoscale_overhead;
                self.observer.note(now, phase(direction), || {
                    format!(
                        "{}: delta transferred in {}; processing {} + autoscale {}",
                        s.vms[vm].id,
                        now.since(checksum_done),
                        processing,
                        overhead
                    )
                });
                self.queue.schedule(
                    now + processing + overhead,
                    Event::ReprotectVmDone(direction, vm),
                );
            }
            if direction == Direction::Reverse && self.final_sync_pending[vm] {
                self.final_sync_pending[vm] = false;
                let overhead = self.draws.vms[vm].final_sync_overhead;
                self.queue.schedule(now + overhead, Event::FinalSynced(vm));
            }
        }
        self.watch_link(direction, link);
    }

    pub(super) fn on_reprotect_vm_done(&mut self, now: SimTime, direction: Direction, vm: usize) {
        let s = self.scenario;
        self.observer.note(now, phase(direction), || {
            format!("{}: replication healthy", s.vms[vm].id)
        });
        let left = &mut self.resyncs_left[index(direction)];
        *left -= 1;
        if *left > 0 {
            return;
        }
        match direction {
            Direction::Reverse => {
                self.at.stage2_end = Some(now);
                let start = self.at.stage2_start.unwrap_or(now);
                self.span(
                    || "stage 2: reprotect".into(),
                    SpanKind::Stage,
                    Phase::Reprotect,
                    start,
                    now,
                );
                self.stage2_bytes = self.sent_total(Direction::Reverse);
                self.observer.note(now, Phase::Reprotect, || {
                    "reprotect complete: Azure VMs protected to on-premises".to_string()
                });
                // Failback after the wait, no sooner than the minimum stay in
                // Azure, and inside a maintenance window if the plan has them.
                let f = &self.scenario.failback;
                let stay_until = self.at.stage1_end.unwrap_or(now) + f.minimum_stay;
                let earliest = (now + self.draws.timeline.failback_wait).max(stay_until);
                let start = self.next_failback_window(earliest);
                self.queue.schedule(start, Event::FailbackStart);
            }
            Direction::Forward => {
                self.at.stage4_end = Some(now);
                let start = self.at.stage4_start.unwrap_or(now);
                self.span(
                    || "stage 4: reprotect".into(),
                    SpanKind::Stage,
                    Phase::ReprotectBack,
                    start,
                    now,
                );
                self.stage4_bytes = self.sent_total(Direction::Forward);
                self.observer.note(now, Phase::ReprotectBack, || {
                    "reprotect complete: on-premises VMs protected to Azure; cycle closed"
                        .to_string()
                });
            }
        }
    }

    /// Planned failover back: every Azure VM shuts down, its last writes sync.
    pub(super) fn on_failback_start(&mut self, now: SimTime) {
        self.at.stage3_start = Some(now);
        let waited_from = self.at.stage2_end.unwrap_or(now);
        self.span(
            || "waiting for failback".into(),
            SpanKind::Stage,
            Phase::Failback,
            waited_from,
            now,
        );
        self.observer.note(now, Phase::Failback, || {
            "failback started (planned failover): shutting down Azure VMs".to_string()
        });
        for v in 0..self.scenario.vms.len() {
            let done = now + self.draws.vms[v].shutdown_time;
            self.queue.schedule(done, Event::AzureShutDown(v));
        }
        self.plan_start(PlanStage::Failback, now);
    }

    pub(super) fn on_azure_shut_down(&mut self, now: SimTime, vm: usize) {
        let s = self.scenario;
        let link = s.vms[vm].link;
        let l = self.link_mut(Direction::Reverse, link);
        l.set_input_rate(now, vm, 0.0);
        let pending = l.backlog(vm);
        self.observer.note(now, Phase::Failback, || {
            format!(
                "{}: shut down in Azure; final sync of {}",
                s.vms[vm].id,
                format_bytes(pending)
            )
        });
        self.final_sync_pending[vm] = true;
        self.azure_stopped_at[vm] = Some(now);
        self.settle_link(now, Direction::Reverse, link);
    }

    pub(super) fn on_final_synced(&mut self, now: SimTime, vm: usize) {
        let s = self.scenario;
        let link = s.vms[vm].link;
        self.link_mut(Direction::Reverse, link)
            .set_active(now, vm, false);
        self.watch_link(Direction::Reverse, link);
        self.observer.note(now, Phase::Failback, || {
            format!("{}: final sync done", s.vms[vm].id)
        });
        self.plan_ready(PlanStage::Failback, vm, now);
    }

    pub(super) fn on_failback_complete(&mut self, now: SimTime) {
        let s = self.scenario;
        self.at.stage3_end = Some(now);
        let start = self.at.stage3_start.unwrap_or(now);
        self.span(
            || "stage 3: failback (downtime)".into(),
            SpanKind::Stage,
            Phase::Failback,
            start,
            now,
        );
        self.stage3_bytes = self.sent_total(Direction::Reverse) - self.stage2_bytes;
        self.observer.note(now, Phase::Failback, || {
            let site = match s.failback.location {
                FailbackLocation::Original => &s.sites.primary,
                FailbackLocation::Alternate => {
                    s.sites.alternate.as_ref().unwrap_or(&s.sites.primary)
                }
            };
            format!("failback complete: service running on `{}` again", site.id)
        });
        let start = now + self.draws.timeline.reprotect_back_delay;
        self.queue
            .schedule(start, Event::ReprotectStart(Direction::Forward));
    }

    /// Bytes sent so far by every flow in one direction.
    fn sent_total(&mut self, direction: Direction) -> f64 {
        let links = match direction {
            Direction::Forward => &self.forward,
            Direction::Reverse => &self.reverse,
        };
        links
            .iter()
            .map(|l| (0..l.flows()).map(|f| l.sent(f)).sum::<f64>())
            .sum()
    }

    /// The earliest instant at or after `t` inside a failback window (`t` itself
    /// when there are none).
    fn next_failback_window(&self, t: SimTime) -> SimTime {
        let windows = &self.scenario.failback.windows;
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
}
