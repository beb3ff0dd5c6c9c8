//! Before the outage and stage 1: replication history, detection, decision and
//! the recovery plan's failover to Azure.

use super::draws::{Purpose, stream};
use super::replication::{Schedule, latest_usable_point};
use super::{CycleRun, Direction, Event, Observer, Phase, plan::PlanStep};
use crate::engine::SimTime;
use crate::scenario::RecoveryPointChoice;
use crate::scenario::units::{format_bytes, format_rate};

impl<O: Observer> CycleRun<'_, O> {
    /// Replication has run healthily since `start`: every VM writes at its churn
    /// over its link, whose bandwidth the VMs share.
    pub(super) fn start_history(&mut self, start: SimTime) {
        let s = self.scenario;
        for (i, link) in self.forward.iter_mut().enumerate() {
            for v in (0..s.vms.len()).filter(|&v| s.vms[v].link == i) {
                link.start_flow(start, v, self.draws.vms[v].churn, 0.0);
            }
            link.start_recording();
        }
        for i in 0..self.forward.len() {
            self.watch_link(Direction::Forward, i);
        }
        self.observer.note(start, Phase::Replicating, || {
            let churn: f64 = self.draws.vms.iter().map(|d| d.churn).sum();
            let bandwidth: f64 = self.draws.links.iter().map(|l| l.bandwidth).sum();
            format!(
                "replication healthy for {} VMs: total churn {}, link bandwidth {}",
                s.vms.len(),
                format_rate(churn),
                format_rate(bandwidth)
            )
        });
        self.queue.schedule(self.t0, Event::Outage);
    }

    /// The disaster: the primary stops, and with it replication. Each VM's
    /// recovery point is fixed now, from what had reached the target.
    pub(super) fn on_outage(&mut self, now: SimTime) {
        let s = self.scenario;
        let policy = &s.policy;
        for link in &mut self.forward {
            link.advance(now);
            link.stop_recording();
        }
        self.observer.note(now, Phase::Failover, || {
            format!(
                "OUTAGE: primary site `{}` down (t0); it will be back after {}",
                s.sites.primary.id, self.draws.timeline.outage_duration
            )
        });
        for (v, vm) in s.vms.iter().enumerate() {
            let d = &self.draws.vms[v];
            let schedule = match policy.recovery_point {
                RecoveryPointChoice::LatestProcessed => Schedule {
                    interval: policy.crash_consistent_interval,
                    phase: d.crash_phase,
                },
                RecoveryPointChoice::LatestAppConsistent => Schedule {
                    interval: policy.app_consistent_interval,
                    phase: d.app_phase,
                },
            };
            let mut rng = stream(self.seed, self.replication, Purpose::VmPoints(v));
            let history = self.forward[vm.link].history(v);
            let choice = latest_usable_point(
                history,
                now,
                schedule,
                policy.retention,
                &policy.processing_delay,
                &mut rng,
            );
            self.observer.note(now, Phase::Failover, || {
                format!(
                    "{}: lag {}, recovery point ({}) taken {} ago, usable since {}; data lost {}{}",
                    vm.id,
                    choice.lag,
                    policy.recovery_point.name(),
                    choice.rpo,
                    choice.usable_at,
                    format_bytes(choice.data_lost_bytes),
                    if choice.fell_back_to_start {
                        " (no scheduled point usable)"
                    } else {
                        ""
                    }
                )
            });
            self.points.push(choice);
        }
        for link in &mut self.forward {
            link.stop_all(now);
        }
        let t = &self.draws.timeline;
        self.queue
            .schedule(now + t.detection_delay, Event::Detected);
        self.queue
            .schedule(now + t.outage_duration, Event::PrimaryBack);
    }

    pub(super) fn on_detected(&mut self, now: SimTime) {
        self.observer
            .note(now, Phase::Failover, || "outage detected".to_string());
        self.queue
            .schedule(now + self.draws.timeline.decision_delay, Event::Declared);
    }

    /// Disaster declared: the recovery plan starts; every VM prepares its disks.
    pub(super) fn on_declared(&mut self, now: SimTime) {
        self.at.declared = Some(now);
        self.observer.note(now, Phase::Failover, || {
            "disaster declared: recovery plan started (unplanned failover)".to_string()
        });
        for v in 0..self.scenario.vms.len() {
            let done = now + self.draws.vms[v].prepare_time;
            self.queue.schedule(done, Event::DiskPrepared(v));
        }
    }

    pub(super) fn on_disk_prepared(&mut self, now: SimTime, vm: usize) {
        let s = self.scenario;
        self.observer.note(now, Phase::Failover, || {
            format!("{}: disks prepared in Azure", s.vms[vm].id)
        });
        let (queue, draws) = (&mut self.queue, &self.draws);
        self.failover.on_ready(vm, s.vms[vm].group, |v| {
            queue.schedule(now + draws.vms[v].boot_time, Event::AzureBooted(v));
        });
        if self.failover.current_group() == s.vms[vm].group {
            self.observer.note(now, Phase::Failover, || {
                format!("{}: booting in Azure", s.vms[vm].id)
            });
        }
    }

    pub(super) fn on_azure_booted(&mut self, now: SimTime, vm: usize) {
        let s = self.scenario;
        self.observer.note(now, Phase::Failover, || {
            format!(
                "{}: running in Azure (group `{}`)",
                s.vms[vm].id, s.groups[s.vms[vm].group].id
            )
        });
        let (queue, draws) = (&mut self.queue, &self.draws);
        let mut started = Vec::new();
        let step = self.failover.on_booted(vm, now, &s.groups, |v| {
            queue.schedule(now + draws.vms[v].boot_time, Event::AzureBooted(v));
            started.push(v);
        });
        if self.observer.enabled()
            && s.groups[s.vms[vm].group]
                .vms
                .iter()
                .all(|&v| self.failover.up_at(v).is_some())
        {
            let group = &s.groups[s.vms[vm].group];
            self.observer.note(now, Phase::Failover, || {
                format!("group `{}` complete", group.id)
            });
            for v in started {
                self.observer.note(now, Phase::Failover, || {
                    format!("{}: booting in Azure", s.vms[v].id)
                });
            }
        }
        if step == PlanStep::Complete {
            self.at.stage1_end = Some(now);
            self.observer.note(now, Phase::Failover, || {
                format!(
                    "recovery plan complete: service restored in `{}` (RTO reached)",
                    s.sites.recovery.id
                )
            });
            self.maybe_start_reprotect(now);
        }
    }

    pub(super) fn on_primary_back(&mut self, now: SimTime) {
        self.at.primary_back = Some(now);
        self.observer.note(now, Phase::Reprotect, || {
            format!(
                "primary site usable again{}",
                if self.draws.timeline.primary_data_lost {
                    " (its disks were lost: full copy needed)"
                } else {
                    ""
                }
            )
        });
        self.maybe_start_reprotect(now);
    }

    /// Reprotect needs both the failover committed and the primary back.
    fn maybe_start_reprotect(&mut self, now: SimTime) {
        if self.at.stage1_end.is_some() && self.at.primary_back.is_some() {
            let start = now + self.draws.timeline.reprotect_delay;
            self.queue
                .schedule(start, Event::ReprotectStart(Direction::Reverse));
        }
    }
}
