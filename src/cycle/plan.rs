//! A recovery plan executed group by group, as ASR runs it (stages 1 and 3).
//!
//! Every VM first gets ready (disk preparation at failover, final sync at
//! failback), all in parallel. Group by group, in order: the group's pre-steps
//! (scripts, manual actions) run one after the other; then its VMs boot, each
//! as soon as it is ready; then its post-steps run. Group N+1 starts only when
//! group N is done. A step attempt may fail and is then retried after a delay.
//! At failover the recovery site may cap how many VMs are created at once (the
//! others queue in plan order), a VM creation may fail for lack of capacity,
//! and a booted VM's failover may fail; each is retried after a delay.

use std::collections::VecDeque;

use rand_pcg::Pcg64;

use super::draws::{Purpose, stream, unit};
use super::{CycleRun, Event, Observer, Phase, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{Scenario, Step, StepKind};

/// Which execution of the plan: the failover to Azure or the failback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStage {
    Failover,
    Failback,
}

impl PlanStage {
    fn phase(self) -> Phase {
        match self {
            PlanStage::Failover => Phase::Failover,
            PlanStage::Failback => Phase::Failback,
        }
    }

    /// Where the plan's VMs run, for the narration.
    fn place(self) -> &'static str {
        match self {
            PlanStage::Failover => "in Azure",
            PlanStage::Failback => "on-premises",
        }
    }

    fn index(self) -> usize {
        match self {
            PlanStage::Failover => 0,
            PlanStage::Failback => 1,
        }
    }
}

/// What happens inside a plan run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanEvent {
    /// An attempt of a group's pre- or post-step ends.
    StepDone {
        group: usize,
        post: bool,
        index: usize,
    },
    /// Try (again) to create and boot a VM.
    Attempt(usize),
    /// A VM finished booting.
    Booted(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupPhase {
    PreSteps,
    Booting,
    PostSteps,
}

/// The state of one plan run.
#[derive(Debug, Clone)]
pub(super) struct PlanRun {
    current_group: usize,
    phase: GroupPhase,
    ready: Vec<bool>,
    requested: Vec<bool>,
    boots_started: Vec<u32>,
    boot_started_at: Vec<Option<SimTime>>,
    group_started_at: Vec<Option<SimTime>>,
    up_at: Vec<Option<SimTime>>,
    booted_in_current: usize,
    group_done_at: Vec<Option<SimTime>>,
    /// VMs waiting for a creation slot, in the order they asked.
    waiting: VecDeque<usize>,
    in_flight: usize,
    rng: Pcg64,
    pub step_retries: u32,
    pub allocation_retries: u32,
    pub vm_retries: u32,
}

impl PlanRun {
    pub fn new(vms: usize, groups: usize, seed: u64, replication: u64, stage: PlanStage) -> Self {
        PlanRun {
            current_group: 0,
            phase: GroupPhase::PreSteps,
            ready: vec![false; vms],
            requested: vec![false; vms],
            boots_started: vec![0; vms],
            boot_started_at: vec![None; vms],
            group_started_at: vec![None; groups],
            up_at: vec![None; vms],
            booted_in_current: 0,
            group_done_at: vec![None; groups],
            waiting: VecDeque::new(),
            in_flight: 0,
            rng: stream(seed, replication, Purpose::Plan(stage.index())),
            step_retries: 0,
            allocation_retries: 0,
            vm_retries: 0,
        }
    }

    pub fn up_at(&self, vm: usize) -> Option<SimTime> {
        self.up_at[vm]
    }

    pub fn group_done_at(&self, group: usize) -> Option<SimTime> {
        self.group_done_at[group]
    }
}

fn group_steps(s: &Scenario, group: usize, post: bool) -> &[Step] {
    let g = &s.groups[group];
    if post { &g.post } else { &g.pre }
}

fn sample(d: &crate::scenario::Distribution, rng: &mut Pcg64) -> SimDuration {
    SimDuration::from_secs_f64(d.sample(rng))
}

impl<O: Observer> CycleRun<'_, O> {
    fn plan(&mut self, stage: PlanStage) -> &mut PlanRun {
        match stage {
            PlanStage::Failover => &mut self.failover,
            PlanStage::Failback => &mut self.failback,
        }
    }

    /// Starts the plan at group 1.
    pub(super) fn plan_start(&mut self, stage: PlanStage, now: SimTime) {
        self.begin_group(stage, 0, now);
    }

    /// A VM is ready to boot (disks prepared, or final sync done).
    pub(super) fn plan_ready(&mut self, stage: PlanStage, vm: usize, now: SimTime) {
        let group = self.scenario.vms[vm].group;
        let plan = self.plan(stage);
        plan.ready[vm] = true;
        if plan.current_group == group && plan.phase == GroupPhase::Booting {
            self.request_boot(stage, vm, now);
        }
    }

    pub(super) fn on_plan_event(&mut self, stage: PlanStage, event: PlanEvent, now: SimTime) {
        match event {
            PlanEvent::StepDone { group, post, index } => {
                self.on_step_done(stage, group, post, index, now)
            }
            PlanEvent::Attempt(vm) => self.attempt_boot(stage, vm, now),
            PlanEvent::Booted(vm) => self.on_booted(stage, vm, now),
        }
    }

    fn schedule_step(
        &mut self,
        stage: PlanStage,
        group: usize,
        post: bool,
        index: usize,
        now: SimTime,
        extra: SimDuration,
    ) {
        let s = self.scenario;
        let step = &group_steps(s, group, post)[index];
        let took = sample(&step.duration, &mut self.plan(stage).rng);
        self.observer.note(now, stage.phase(), || {
            format!(
                "group `{}`: {} {} `{}` started",
                s.groups[group].id,
                if post { "post-step" } else { "pre-step" },
                if step.kind == StepKind::Manual {
                    "manual action"
                } else {
                    "script"
                },
                step.name
            )
        });
        let event = PlanEvent::StepDone { group, post, index };
        self.queue
            .schedule(now + extra + took, Event::Plan(stage, event));
    }

    fn begin_group(&mut self, stage: PlanStage, group: usize, now: SimTime) {
        let plan = self.plan(stage);
        plan.group_started_at[group] = Some(now);
        plan.current_group = group;
        plan.booted_in_current = 0;
        if group_steps(self.scenario, group, false).is_empty() {
            self.open_group_boots(stage, group, now);
        } else {
            self.plan(stage).phase = GroupPhase::PreSteps;
            self.schedule_step(stage, group, false, 0, now, SimDuration::ZERO);
        }
    }

    fn open_group_boots(&mut self, stage: PlanStage, group: usize, now: SimTime) {
        self.plan(stage).phase = GroupPhase::Booting;
        let s = self.scenario;
        for &vm in &s.groups[group].vms {
            if self.plan(stage).ready[vm] {
                self.request_boot(stage, vm, now);
            }
        }
    }

    fn request_boot(&mut self, stage: PlanStage, vm: usize, now: SimTime) {
        let limit = match stage {
            PlanStage::Failover => self.scenario.recovery.max_concurrent_failovers,
            PlanStage::Failback => None,
        };
        let plan = self.plan(stage);
        if plan.requested[vm] {
            return;
        }
        plan.requested[vm] = true;
        if let Some(limit) = limit
            && plan.in_flight >= limit
        {
            plan.waiting.push_back(vm);
            let s = self.scenario;
            self.observer.note(now, stage.phase(), || {
                format!(
                    "{}: waiting for capacity ({limit} VM failovers at once)",
                    s.vms[vm].id
                )
            });
            return;
        }
        plan.in_flight += 1;
        self.attempt_boot(stage, vm, now);
    }

    /// At failover, a VM's attempt fails with `probability`: the attempt is then
    /// retried after a delay drawn from `retry_delay`, and `true` is returned.
    fn failover_attempt_fails(
        &mut self,
        vm: usize,
        now: SimTime,
        probability: f64,
        retry_delay: &crate::scenario::Distribution,
        what: &str,
    ) -> bool {
        if probability <= 0.0 || unit(&mut self.failover.rng) >= probability {
            return false;
        }
        let delay = sample(retry_delay, &mut self.failover.rng);
        let s = self.scenario;
        self.observer.note(now, Phase::Failover, || {
            format!("{}: {what}; retry in {delay}", s.vms[vm].id)
        });
        let event = Event::Plan(PlanStage::Failover, PlanEvent::Attempt(vm));
        self.queue.schedule(now + delay, event);
        true
    }

    /// Creates and boots a VM; at failover the creation may fail for capacity.
    fn attempt_boot(&mut self, stage: PlanStage, vm: usize, now: SimTime) {
        let s = self.scenario;
        let recovery = &s.recovery;
        if stage == PlanStage::Failover
            && self.failover_attempt_fails(
                vm,
                now,
                recovery.allocation_failure_probability,
                &recovery.allocation_retry_delay,
                "VM allocation failed (capacity)",
            )
        {
            self.failover.allocation_retries += 1;
            return;
        }
        let first = self.plan(stage).boots_started[vm] == 0;
        let boot = match (stage, first) {
            (PlanStage::Failover, true) => self.draws.vms[vm].boot_time,
            (PlanStage::Failback, true) => self.draws.vms[vm].failback_boot_time,
            (PlanStage::Failover, false) => sample(&s.vms[vm].boot_time, &mut self.failover.rng),
            (PlanStage::Failback, false) => {
                sample(&s.vms[vm].failback_boot_time, &mut self.failback.rng)
            }
        };
        let plan = self.plan(stage);
        plan.boots_started[vm] += 1;
        plan.boot_started_at[vm].get_or_insert(now);
        self.observer.note(now, stage.phase(), || {
            let place = stage.place();
            format!("{}: booting {place}", s.vms[vm].id)
        });
        self.queue
            .schedule(now + boot, Event::Plan(stage, PlanEvent::Booted(vm)));
    }

    fn on_booted(&mut self, stage: PlanStage, vm: usize, now: SimTime) {
        let s = self.scenario;
        let recovery = &s.recovery;
        if stage == PlanStage::Failover
            && self.failover_attempt_fails(
                vm,
                now,
                recovery.vm_failure_probability,
                &recovery.vm_retry_delay,
                "failover of the VM failed",
            )
        {
            self.failover.vm_retries += 1;
            return;
        }
        let group = s.vms[vm].group;
        self.observer.note(now, stage.phase(), || {
            let place = stage.place();
            format!(
                "{}: running {place} (group `{}`)",
                s.vms[vm].id, s.groups[group].id
            )
        });
        let started = self.plan(stage).boot_started_at[vm].unwrap_or(now);
        self.span(
            || s.vms[vm].id.clone(),
            SpanKind::Vm,
            stage.phase(),
            started,
            now,
        );
        let plan = self.plan(stage);
        plan.up_at[vm] = Some(now);
        plan.booted_in_current += 1;
        if let Some(next) = plan.waiting.pop_front() {
            self.attempt_boot(stage, next, now);
        } else {
            self.plan(stage).in_flight -= 1;
        }
        if self.plan(stage).booted_in_current < s.groups[group].vms.len() {
            return;
        }
        if group_steps(self.scenario, group, true).is_empty() {
            self.finish_group(stage, group, now);
        } else {
            self.plan(stage).phase = GroupPhase::PostSteps;
            self.schedule_step(stage, group, true, 0, now, SimDuration::ZERO);
        }
    }

    fn on_step_done(
        &mut self,
        stage: PlanStage,
        group: usize,
        post: bool,
        index: usize,
        now: SimTime,
    ) {
        let s = self.scenario;
        let step = &group_steps(s, group, post)[index];
        let plan = self.plan(stage);
        if step.failure_probability > 0.0 && unit(&mut plan.rng) < step.failure_probability {
            plan.step_retries += 1;
            let delay = sample(&step.retry_delay, &mut plan.rng);
            self.observer.note(now, stage.phase(), || {
                format!(
                    "group `{}`: step `{}` failed; retry in {delay}",
                    s.groups[group].id, step.name
                )
            });
            self.schedule_step(stage, group, post, index, now, delay);
            return;
        }
        self.observer.note(now, stage.phase(), || {
            format!("group `{}`: step `{}` done", s.groups[group].id, step.name)
        });
        if index + 1 < group_steps(self.scenario, group, post).len() {
            self.schedule_step(stage, group, post, index + 1, now, SimDuration::ZERO);
        } else if post {
            self.finish_group(stage, group, now);
        } else {
            self.open_group_boots(stage, group, now);
        }
    }

    fn finish_group(&mut self, stage: PlanStage, group: usize, now: SimTime) {
        let s = self.scenario;
        self.plan(stage).group_done_at[group] = Some(now);
        let started = self.plan(stage).group_started_at[group].unwrap_or(now);
        self.span(
            || format!("group {}", s.groups[group].id),
            SpanKind::Group,
            stage.phase(),
            started,
            now,
        );
        self.observer.note(now, stage.phase(), || {
            format!("group `{}` complete", s.groups[group].id)
        });
        if group + 1 < s.groups.len() {
            self.begin_group(stage, group + 1, now);
        } else {
            self.on_plan_complete(stage, now);
        }
    }
}
