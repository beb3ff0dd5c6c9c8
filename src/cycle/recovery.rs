//! Before the outage and stage 1: replication history, detection, decision and
//! the recovery plan's failover to Azure.

use super::plan::PlanStage;
use super::replication::{
    PointChoice, PointContext, Pruning, Schedule, latest_received, newest_common_point,
    time_lag_exceeds,
};
use super::{CycleRun, Direction, Event, Observer, Phase, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::units::{format_bytes, format_rate};
use crate::scenario::{FaultKind, RecoveryPointChoice};

impl<O: Observer> CycleRun<'_, O> {
    /// Replication has run healthily since `start`: every VM writes according to
    /// its churn over its link, whose bandwidth the VMs share. Faults are
    /// scheduled wherever they fall (a fault that began earlier starts with the
    /// history).
    pub(super) fn start_history(&mut self, start: SimTime) {
        let s = self.scenario;
        self.start_churn(start);
        for link in &mut self.forward {
            link.start_recording();
        }
        for i in 0..self.forward.len() {
            self.watch_link(Direction::Forward, i);
        }
        for (f, fault) in s.faults.iter().enumerate() {
            let window = self.draws.faults[f];
            if window.end <= start {
                continue;
            }
            if let FaultKind::TargetSlowdown { factor } = fault.kind {
                self.slowdowns.push((window.start, window.end, factor));
            }
            self.queue
                .schedule(window.start.max(start), Event::FaultStart(f));
            self.queue.schedule(window.end, Event::FaultEnd(f));
        }
        self.observer.note(start, Phase::Replicating, || {
            let churn: f64 = s.vms.iter().map(|vm| vm.churn.mean_rate()).sum();
            let bandwidth: f64 = self.draws.links.iter().map(|l| l.bandwidth).sum();
            format!(
                "replication healthy for {} VMs: mean churn {}, link bandwidth {}",
                s.vms.len(),
                format_rate(churn),
                format_rate(bandwidth)
            )
        });
        self.queue.schedule(self.t0, Event::Outage);
    }

    /// A fault begins or ends: the links it touches get their new bandwidth
    /// (the product of every active fault's factor on them).
    pub(super) fn on_fault(&mut self, now: SimTime, f: usize, starts: bool) {
        let s = self.scenario;
        self.fault_active[f] = starts;
        let fault = &s.faults[f];
        self.observer.note(now, Phase::of_time(now, self.t0), || {
            let what = match fault.kind {
                FaultKind::LinkDown { link } => format!("link `{}` down", s.links[link].id),
                FaultKind::LinkDegraded { link, factor } => {
                    format!(
                        "link `{}` degraded to {:.0}% of its bandwidth",
                        s.links[link].id,
                        factor * 100.0
                    )
                }
                FaultKind::TargetSlowdown { factor } => {
                    format!("target processing {factor}x slower")
                }
            };
            format!("{} {what}", if starts { "FAULT:" } else { "fault over:" })
        });
        let link = match fault.kind {
            FaultKind::LinkDown { link } | FaultKind::LinkDegraded { link, .. } => link,
            FaultKind::TargetSlowdown { .. } => return,
        };
        let factor: f64 = s
            .faults
            .iter()
            .zip(&self.fault_active)
            .filter(|(_, active)| **active)
            .map(|(fault, _)| match fault.kind {
                FaultKind::LinkDown { link: l } if l == link => 0.0,
                FaultKind::LinkDegraded { link: l, factor } if l == link => factor,
                _ => 1.0,
            })
            .product();
        let draws = self.draws.links[link];
        self.forward[link].set_capacity(now, draws.bandwidth * factor);
        self.reverse[link].set_capacity(now, draws.reverse_bandwidth * factor);
        self.watch_link(Direction::Forward, link);
        self.watch_link(Direction::Reverse, link);
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
        let ctx = PointContext {
            t0: now,
            retention: policy.retention,
            processing_delay: &policy.processing_delay,
            slowdowns: &self.slowdowns,
            seed: self.seed,
            replication: self.replication,
        };
        let schedule = |choice: RecoveryPointChoice, phases: &super::draws::VmDraws| match choice {
            RecoveryPointChoice::LatestAppConsistent => Schedule {
                interval: policy.app_consistent_interval,
                phase: phases.app_phase,
                pruning: None,
            },
            _ => Schedule {
                interval: policy.crash_consistent_interval,
                phase: phases.crash_phase,
                pruning: Some(Pruning {
                    keep_all_for: policy.keep_all_points_for,
                    interval: policy.pruned_point_interval,
                }),
            },
        };
        let history = |v: usize| self.forward[s.vms[v].link].history(v);
        let mut choices: Vec<Option<PointChoice>> = vec![None; s.vms.len()];
        for group in &s.consistency_groups {
            let members: Vec<(usize, &[_])> = group.vms.iter().map(|&v| (v, history(v))).collect();
            let shared = schedule(group.choice, &self.draws.vms[group.vms[0]]);
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
                RecoveryPointChoice::Latest => latest_received(&ctx, v, history(v)),
                choice => newest_common_point(
                    &ctx,
                    schedule(choice, &self.draws.vms[v]),
                    &[(v, history(v))],
                )[0],
            });
        }
        let history_start = now - policy.history;
        for (v, vm) in s.vms.iter().enumerate() {
            let choice = choices[v].unwrap_or_else(|| unreachable!("every VM got a point above"));
            self.rpo_alert[v] =
                time_lag_exceeds(history(v), policy.rpo_alert_threshold, history_start, now);
            self.observer.note(now, Phase::Failover, || {
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
                        format!("usable since {}", choice.usable_at)
                    },
                    format_bytes(choice.data_lost_bytes),
                    if choice.fell_back_to_start {
                        " (no scheduled point usable)"
                    } else {
                        ""
                    }
                )
            });
            if self.observer.enabled() {
                let used = match vm.consistency_group {
                    Some(g) => schedule(s.consistency_groups[g].choice, &self.draws.vms[v]),
                    None => schedule(vm.recovery_point, &self.draws.vms[v]),
                };
                self.observer.replication(v, history(v), &used, &choice);
            }
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
        self.at.detected = Some(now);
        self.span(
            || "detection".into(),
            SpanKind::Event,
            Phase::Failover,
            self.t0,
            now,
        );
        self.observer
            .note(now, Phase::Failover, || "outage detected".to_string());
        self.queue
            .schedule(now + self.draws.timeline.decision_delay, Event::Declared);
    }

    /// Disaster declared: the recovery plan starts; every VM prepares its disks.
    /// The decision: declare a disaster, or ride the outage out when the site is
    /// already back or is expected back soon enough (and its data survived).
    pub(super) fn on_declared(&mut self, now: SimTime) {
        let t = &self.draws.timeline;
        let back = self.t0 + t.outage_duration;
        let expected = t.outage_duration.as_secs_f64() * t.estimate_factor;
        let short = self
            .scenario
            .recovery
            .declare_if_expected_longer_than
            .is_some_and(|limit| expected <= limit.as_secs_f64());
        if !t.primary_data_lost && (back <= now || short) {
            self.ridden_out = true;
            if self.at.primary_back.is_some() {
                // The site came back before anyone declared: the cycle is over.
                self.at.stage4_end = Some(now);
            }
            self.observer.note(now, Phase::Failover, || {
                if back <= now {
                    "no failover: the primary site is already back".to_string()
                } else {
                    format!(
                        "no failover: the outage is expected to last {}, within the ride-out limit",
                        SimDuration::from_secs_f64(expected)
                    )
                }
            });
            return;
        }
        self.at.declared = Some(now);
        let detected = self.at.detected.unwrap_or(now);
        self.span(
            || "decision".into(),
            SpanKind::Event,
            Phase::Failover,
            detected,
            now,
        );
        self.observer.note(now, Phase::Failover, || {
            "disaster declared: recovery plan started (unplanned failover)".to_string()
        });
        self.plan_start(PlanStage::Failover, now);
        for v in 0..self.scenario.vms.len() {
            // With `latest`, the VM's received data is processed first, then its
            // disks are prepared from it.
            let d = &self.draws.vms[v];
            let ready = now
                + self.points[v].failover_processing
                + d.prepare_time
                + d.prepare_by_size
                + d.extra_processing_time;
            self.queue.schedule(ready, Event::DiskPrepared(v));
        }
    }

    pub(super) fn on_disk_prepared(&mut self, now: SimTime, vm: usize) {
        let s = self.scenario;
        self.observer.note(now, Phase::Failover, || {
            format!("{}: disks prepared in Azure", s.vms[vm].id)
        });
        self.plan_ready(PlanStage::Failover, vm, now);
    }

    /// The last group of a plan is done: stage 1 or stage 3 is complete.
    pub(super) fn on_plan_complete(&mut self, stage: PlanStage, now: SimTime) {
        let s = self.scenario;
        match stage {
            PlanStage::Failover => {
                self.at.stage1_end = Some(now);
                let start = self.at.declared.unwrap_or(now);
                self.span(
                    || "stage 1: failover".into(),
                    SpanKind::Stage,
                    Phase::Failover,
                    start,
                    now,
                );
                self.observer.note(now, Phase::Failover, || {
                    format!(
                        "recovery plan complete: service restored in `{}` (RTO reached)",
                        s.sites.recovery.id
                    )
                });
                self.maybe_start_reprotect(now);
            }
            PlanStage::Failback => self.on_failback_complete(now),
        }
    }

    pub(super) fn on_primary_back(&mut self, now: SimTime) {
        self.at.primary_back = Some(now);
        self.span(
            || "site outage".into(),
            SpanKind::Event,
            Phase::Failover,
            self.t0,
            now,
        );
        if self.ridden_out {
            // Service is back where it was: nothing to fail back, the cycle ends.
            self.observer.note(now, Phase::Failover, || {
                "primary site back: service restored without failover".to_string()
            });
            self.at.stage4_end = Some(now);
            return;
        }
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
