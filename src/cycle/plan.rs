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
use super::ids::{GroupId, StepId, VmId};
use super::{Event, Observer, Phase, Shared, SpanKind};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::{Distribution, Scenario, Step, StepKind};

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
        group: GroupId,
        post: bool,
        index: StepId,
    },
    /// Try (again) to create and boot a VM.
    Attempt(VmId),
    /// A VM finished booting.
    Booted(VmId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupPhase {
    PreSteps,
    Booting,
    PostSteps,
}

/// Whether a plan has just finished its last group.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PlanStatus {
    Running,
    /// Plan `p`'s last group is done: its stage 1 (failover) or stage 3
    /// (failback) is complete.
    Complete(usize),
}

/// Where one plan is in its run: groups run one after the other.
#[derive(Debug, Clone)]
struct Progress {
    /// Position of the running group in the plan's groups.
    current: usize,
    phase: GroupPhase,
    booted_in_current: usize,
    /// The plan's own draws (steps, retries), so that plans running side by
    /// side do not change each other's durations.
    rng: Pcg64,
    /// The current step attempt: when it was scheduled and when it began.
    attempt: (SimTime, SimTime),
    /// The current step (group, post, index) and when its first attempt
    /// was scheduled: retries and their delays belong to the step.
    step: Option<(usize, bool, usize, SimTime)>,
}

/// One stage's run of every recovery plan (the failover or the failback):
/// each plan's groups in order, the plans side by side, sharing the recovery
/// region's capacity (VM creations at once, the vCPU quota).
#[derive(Debug, Clone)]
pub(super) struct PlanRun {
    stage: PlanStage,
    plans: Vec<Progress>,
    ready: Vec<bool>,
    requested: Vec<bool>,
    boots_started: Vec<u32>,
    boot_started_at: Vec<Option<SimTime>>,
    group_started_at: Vec<Option<SimTime>>,
    up_at: Vec<Option<SimTime>>,
    group_done_at: Vec<Option<SimTime>>,
    /// VMs waiting for a creation slot, in the order they asked.
    waiting: VecDeque<usize>,
    in_flight: usize,
    /// vCPUs of the VMs created in the recovery region.
    cores_in_use: u64,
    pub step_retries: u32,
    pub allocation_retries: u32,
    pub vm_retries: u32,
    /// VMs not created for want of vCPU quota.
    pub quota_refused: u32,
    /// Latent faults met at failover (each fails its step or VM once).
    pub latent_faults_met: u32,
    /// The steps (group, post, index) and VMs whose latent fault has struck.
    latent_steps_hit: Vec<(usize, bool, usize)>,
    latent_vms_hit: Vec<usize>,
    /// Where each plan's time went, for the RTO's attribution.
    pub path: PlanPath,
}

/// The instants and totals that tile a plan's critical path: groups run
/// one after the other, each through its pre-steps, its last VM up (ready,
/// a creation slot, retries, the boot) and its post-steps.
#[derive(Debug, Clone, Default)]
pub struct PlanPath {
    /// Per VM: disks prepared (failover) or final sync done (failback).
    pub ready_at: Vec<Option<SimTime>>,
    /// Per VM: asked to boot (its group open and itself ready).
    pub requested_at: Vec<Option<SimTime>>,
    /// Per VM: got a creation slot (the capacity limit let it start).
    pub slot_at: Vec<Option<SimTime>>,
    /// Per VM: start of the boot that succeeded.
    pub last_boot_at: Vec<Option<SimTime>>,
    /// Per group: its VMs may boot (pre-steps done).
    pub open_at: Vec<Option<SimTime>>,
    /// Per group: its last VM is up.
    pub boots_done_at: Vec<Option<SimTime>>,
    /// Per plan: successful step attempts, all groups, pre and post.
    pub steps: Vec<SimDuration>,
    /// Per plan: failed step attempts and the delays before retrying them.
    pub step_retries: Vec<SimDuration>,
    /// Per plan: when its run started (an operator took it up).
    pub started_at: Vec<Option<SimTime>>,
    /// Per plan: each step's span, from its first attempt (a manual action
    /// or a script, retries and their delays included) to its success, in
    /// order; a plan runs one step at a time. ASR's SLA excludes this time.
    pub step_spans: Vec<Vec<(SimTime, SimTime)>>,
}

impl PlanPath {
    /// Successful step time, all plans.
    pub fn all_steps(&self) -> SimDuration {
        self.steps.iter().fold(SimDuration::ZERO, |a, &b| a + b)
    }

    /// Of `[from, to)`, the time plan `p`'s steps (manual actions, scripts
    /// and their retries) were running: what ASR's SLA leaves out.
    pub fn step_time_within(&self, p: usize, from: SimTime, to: SimTime) -> SimDuration {
        self.step_spans[p]
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (a.max(from), b.min(to));
                if b > a { b.since(a) } else { SimDuration::ZERO }
            })
            .fold(SimDuration::ZERO, |a, b| a + b)
    }
}

fn group_steps(s: &Scenario, group: usize, post: bool) -> &[Step] {
    let g = &s.groups[group];
    if post { &g.post } else { &g.pre }
}

/// The first of a group's pre- or post-steps from `from` on that runs in
/// `stage` (a step belongs to the failover, the failback or both).
fn next_step(
    s: &Scenario,
    group: usize,
    post: bool,
    from: usize,
    stage: PlanStage,
) -> Option<usize> {
    let failback = stage == PlanStage::Failback;
    group_steps(s, group, post)
        .iter()
        .skip(from)
        .position(|step| step.direction.runs(failback))
        .map(|i| from + i)
}

fn sample(d: &Distribution, rng: &mut Pcg64) -> SimDuration {
    SimDuration::from_secs_f64(d.sample(rng))
}

impl PlanRun {
    pub fn new(scenario: &Scenario, seed: u64, replication: u64, stage: PlanStage) -> Self {
        let vms = scenario.vms.len();
        let groups = scenario.groups.len();
        let plans = scenario.plans.len();
        PlanRun {
            stage,
            plans: (0..plans)
                .map(|p| Progress {
                    current: 0,
                    phase: GroupPhase::PreSteps,
                    booted_in_current: 0,
                    // Plan 0's stream is the one runs of a single plan always had.
                    rng: stream(seed, replication, Purpose::Plan(stage.index() + 2 * p)),
                    attempt: (SimTime::EPOCH, SimTime::EPOCH),
                    step: None,
                })
                .collect(),
            ready: vec![false; vms],
            requested: vec![false; vms],
            boots_started: vec![0; vms],
            boot_started_at: vec![None; vms],
            group_started_at: vec![None; groups],
            up_at: vec![None; vms],
            group_done_at: vec![None; groups],
            waiting: VecDeque::new(),
            in_flight: 0,
            cores_in_use: 0,
            step_retries: 0,
            allocation_retries: 0,
            vm_retries: 0,
            quota_refused: 0,
            latent_faults_met: 0,
            latent_steps_hit: Vec::new(),
            latent_vms_hit: Vec::new(),
            path: PlanPath {
                ready_at: vec![None; vms],
                requested_at: vec![None; vms],
                slot_at: vec![None; vms],
                last_boot_at: vec![None; vms],
                open_at: vec![None; groups],
                boots_done_at: vec![None; groups],
                steps: vec![SimDuration::ZERO; plans],
                step_retries: vec![SimDuration::ZERO; plans],
                started_at: vec![None; plans],
                step_spans: vec![Vec::new(); plans],
            },
        }
    }

    /// Plan `p` back to before its run started, for another attempt (a
    /// cancelled failback): its draws go on from where they were, so a
    /// retry's steps take fresh durations, and the retry counters keep
    /// counting.
    pub fn restart(&mut self, s: &Scenario, p: usize) {
        let plan = &s.plans[p];
        for &v in &plan.vms {
            self.ready[v] = false;
            self.requested[v] = false;
            self.boots_started[v] = 0;
            self.boot_started_at[v] = None;
            self.up_at[v] = None;
            self.path.ready_at[v] = None;
            self.path.requested_at[v] = None;
            self.path.slot_at[v] = None;
            self.path.last_boot_at[v] = None;
        }
        for &g in &plan.groups {
            self.group_started_at[g] = None;
            self.group_done_at[g] = None;
            self.path.open_at[g] = None;
            self.path.boots_done_at[g] = None;
        }
        let progress = &mut self.plans[p];
        progress.current = 0;
        progress.phase = GroupPhase::PreSteps;
        progress.booted_in_current = 0;
        progress.attempt = (SimTime::EPOCH, SimTime::EPOCH);
        progress.step = None;
        self.path.step_spans[p].clear();
        self.path.steps[p] = SimDuration::ZERO;
        self.path.step_retries[p] = SimDuration::ZERO;
        self.path.started_at[p] = None;
    }

    pub fn up_at(&self, vm: usize) -> Option<SimTime> {
        self.up_at[vm]
    }

    pub fn group_done_at(&self, group: usize) -> Option<SimTime> {
        self.group_done_at[group]
    }

    /// Starts plan `p` at its first group.
    pub fn start<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        p: usize,
        now: SimTime,
    ) -> PlanStatus {
        self.path.started_at[p] = Some(now);
        self.begin_group(sh, p, 0, now)
    }

    /// The group plan `p` is running.
    fn current_group(&self, s: &Scenario, p: usize) -> usize {
        s.plans[p].groups[self.plans[p].current]
    }

    /// A VM is ready to boot (disks prepared, or final sync done).
    pub fn ready<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        vm: usize,
        now: SimTime,
    ) -> PlanStatus {
        let s = sh.scenario;
        let (group, p) = (s.vms[vm].group, s.vms[vm].plan);
        self.ready[vm] = true;
        self.path.ready_at[vm] = Some(now);
        if self.path.started_at[p].is_some()
            && self.current_group(s, p) == group
            && self.plans[p].phase == GroupPhase::Booting
        {
            self.request_boot(sh, vm, now);
        }
        PlanStatus::Running
    }

    pub fn on_event<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        event: PlanEvent,
        now: SimTime,
    ) -> PlanStatus {
        match event {
            PlanEvent::StepDone { group, post, index } => {
                self.on_step_done(sh, group, post, index, now)
            }
            PlanEvent::Attempt(vm) => {
                self.attempt_boot(sh, vm, now);
                PlanStatus::Running
            }
            PlanEvent::Booted(vm) => self.on_booted(sh, vm, now),
        }
    }

    fn schedule_step<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        group: usize,
        post: bool,
        index: usize,
        now: SimTime,
        extra: SimDuration,
    ) {
        let s = sh.scenario;
        let stage = self.stage;
        let p = s.groups[group].plan;
        let step = &group_steps(s, group, post)[index];
        let took = sample(&step.duration, &mut self.plans[p].rng);
        sh.observer.note(now, stage.phase(), || {
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
        self.plans[p].attempt = (now, now + extra);
        let first = match self.plans[p].step {
            Some((g, b, i, since)) if (g, b, i) == (group, post, index) => since,
            _ => now,
        };
        self.plans[p].step = Some((group, post, index, first));
        let event = PlanEvent::StepDone {
            group: GroupId::new(group),
            post,
            index: StepId::new(index),
        };
        sh.queue
            .schedule(now + extra + took, Event::Plan(stage, event));
    }

    /// Plan `p` begins its `position`-th group.
    fn begin_group<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        p: usize,
        position: usize,
        now: SimTime,
    ) -> PlanStatus {
        let group = sh.scenario.plans[p].groups[position];
        self.group_started_at[group] = Some(now);
        let progress = &mut self.plans[p];
        progress.current = position;
        progress.booted_in_current = 0;
        match next_step(sh.scenario, group, false, 0, self.stage) {
            None => self.open_group_boots(sh, group, now),
            Some(first) => {
                self.plans[p].phase = GroupPhase::PreSteps;
                self.schedule_step(sh, group, false, first, now, SimDuration::ZERO);
            }
        }
        PlanStatus::Running
    }

    fn open_group_boots<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        group: usize,
        now: SimTime,
    ) {
        let p = sh.scenario.groups[group].plan;
        self.plans[p].phase = GroupPhase::Booting;
        self.path.open_at[group] = Some(now);
        for &vm in &sh.scenario.groups[group].vms {
            if self.ready[vm] {
                self.request_boot(sh, vm, now);
            }
        }
    }

    fn request_boot<O: Observer>(&mut self, sh: &mut Shared<'_, O>, vm: usize, now: SimTime) {
        if self.requested[vm] {
            return;
        }
        self.requested[vm] = true;
        self.path.requested_at[vm] = Some(now);
        let s = sh.scenario;
        let (limit, quota) = match self.stage {
            PlanStage::Failover => (s.recovery.max_concurrent_failovers, s.recovery.vcpu_quota),
            PlanStage::Failback => (None, None),
        };
        if let Some(quota) = quota {
            // The VM runs in Azure until failback: its cores stay taken.
            let cores = u64::from(s.vms[vm].cores);
            if self.cores_in_use + cores > quota {
                self.quota_refused += 1;
                let in_use = self.cores_in_use;
                sh.observer.note(now, self.stage.phase(), || {
                    format!(
                        "{}: not created: its {cores} vCPUs do not fit the region's quota ({in_use} of {quota} in use); its plan cannot complete",
                        s.vms[vm].id
                    )
                });
                return;
            }
            self.cores_in_use += cores;
        }
        if let Some(limit) = limit
            && self.in_flight >= limit
        {
            self.waiting.push_back(vm);
            sh.observer.note(now, self.stage.phase(), || {
                format!(
                    "{}: waiting for capacity ({limit} VM failovers at once)",
                    s.vms[vm].id
                )
            });
            return;
        }
        self.in_flight += 1;
        self.path.slot_at[vm] = Some(now);
        self.attempt_boot(sh, VmId::new(vm), now);
    }

    /// At failover, a VM's attempt fails with `probability`: the attempt is then
    /// retried after a delay drawn from `retry_delay`, and `true` is returned.
    fn failover_attempt_fails<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        vm: usize,
        now: SimTime,
        probability: f64,
        retry_delay: &Distribution,
        what: &str,
    ) -> bool {
        if self.stage != PlanStage::Failover {
            return false;
        }
        let rng = &mut self.plans[sh.scenario.vms[vm].plan].rng;
        if probability <= 0.0 || unit(rng) >= probability {
            return false;
        }
        let delay = sample(retry_delay, rng);
        let s = sh.scenario;
        sh.observer.note(now, Phase::Failover, || {
            format!("{}: {what}; retry in {delay}", s.vms[vm].id)
        });
        let event = Event::Plan(PlanStage::Failover, PlanEvent::Attempt(VmId::new(vm)));
        sh.queue.schedule(now + delay, event);
        true
    }

    /// Creates and boots a VM; at failover the creation may fail for capacity.
    fn attempt_boot<O: Observer>(&mut self, sh: &mut Shared<'_, O>, vm: VmId, now: SimTime) {
        let vm = vm.index();
        let s = sh.scenario;
        let stage = self.stage;
        let recovery = &s.recovery;
        if self.failover_attempt_fails(
            sh,
            vm,
            now,
            recovery.allocation_failure_probability,
            &recovery.allocation_retry_delay,
            "VM allocation failed (capacity)",
        ) {
            self.allocation_retries += 1;
            return;
        }
        let first = self.boots_started[vm] == 0;
        let rng = &mut self.plans[s.vms[vm].plan].rng;
        let boot = match (stage, first) {
            (PlanStage::Failover, true) => sh.draws.vms[vm].boot_time,
            (PlanStage::Failback, true) => sh.draws.vms[vm].failback_boot_time,
            (PlanStage::Failover, false) => sample(&s.vms[vm].boot_time, rng),
            (PlanStage::Failback, false) => sample(&s.vms[vm].failback_boot_time, rng),
        };
        self.boots_started[vm] += 1;
        self.boot_started_at[vm].get_or_insert(now);
        self.path.last_boot_at[vm] = Some(now);
        sh.observer.note(now, stage.phase(), || {
            let place = stage.place();
            format!("{}: booting {place}", s.vms[vm].id)
        });
        sh.queue.schedule(
            now + boot,
            Event::Plan(stage, PlanEvent::Booted(VmId::new(vm))),
        );
    }

    fn on_booted<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        vm: VmId,
        now: SimTime,
    ) -> PlanStatus {
        let vm = vm.index();
        let s = sh.scenario;
        let stage = self.stage;
        let recovery = &s.recovery;
        // A latent fault in its failover fails the VM's first failover once
        // booted: it boots again after the retry delay, as a failed failover.
        if stage == PlanStage::Failover
            && sh.draws.latent.vm(vm)
            && !self.latent_vms_hit.contains(&vm)
        {
            self.latent_vms_hit.push(vm);
            self.latent_faults_met += 1;
            self.vm_retries += 1;
            let delay = sample(
                &recovery.vm_retry_delay,
                &mut self.plans[s.vms[vm].plan].rng,
            );
            sh.observer.note(now, Phase::Failover, || {
                format!(
                    "{}: failover met a latent fault (no drill had found it); retry in {delay}",
                    s.vms[vm].id
                )
            });
            let event = Event::Plan(PlanStage::Failover, PlanEvent::Attempt(VmId::new(vm)));
            sh.queue.schedule(now + delay, event);
            return PlanStatus::Running;
        }
        if self.failover_attempt_fails(
            sh,
            vm,
            now,
            recovery.vm_failure_probability,
            &recovery.vm_retry_delay,
            "failover of the VM failed",
        ) {
            self.vm_retries += 1;
            return PlanStatus::Running;
        }
        let group = s.vms[vm].group;
        let p = s.vms[vm].plan;
        sh.observer.note(now, stage.phase(), || {
            let place = stage.place();
            format!(
                "{}: running {place} (group `{}`)",
                s.vms[vm].id, s.groups[group].id
            )
        });
        let started = self.boot_started_at[vm].unwrap_or(now);
        sh.span(
            || s.vms[vm].id.clone(),
            SpanKind::Vm,
            stage.phase(),
            started,
            now,
        );
        self.up_at[vm] = Some(now);
        self.plans[p].booted_in_current += 1;
        if let Some(next) = self.waiting.pop_front() {
            self.path.slot_at[next] = Some(now);
            self.attempt_boot(sh, VmId::new(next), now);
        } else {
            self.in_flight -= 1;
        }
        if self.plans[p].booted_in_current < s.groups[group].vms.len() {
            return PlanStatus::Running;
        }
        self.path.boots_done_at[group] = Some(now);
        match next_step(s, group, true, 0, self.stage) {
            None => self.finish_group(sh, group, now),
            Some(first) => {
                self.plans[p].phase = GroupPhase::PostSteps;
                self.schedule_step(sh, group, true, first, now, SimDuration::ZERO);
                PlanStatus::Running
            }
        }
    }

    fn on_step_done<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        group: GroupId,
        post: bool,
        index: StepId,
        now: SimTime,
    ) -> PlanStatus {
        let group = group.index();
        let index = index.index();
        let s = sh.scenario;
        let stage = self.stage;
        let p = s.groups[group].plan;
        let step = &group_steps(s, group, post)[index];
        let (scheduled, began) = self.plans[p].attempt;
        // A latent fault present at the disaster fails the step's first
        // failover attempt (found, fixed and retried).
        let latent = stage == PlanStage::Failover
            && sh.draws.latent.step(group, post, index)
            && !self.latent_steps_hit.contains(&(group, post, index));
        if latent {
            self.latent_steps_hit.push((group, post, index));
            self.latent_faults_met += 1;
            sh.observer.note(now, stage.phase(), || {
                format!(
                    "group `{}`: step `{}` met a latent fault (no drill had found it)",
                    s.groups[group].id, step.name
                )
            });
        }
        if latent
            || step.failure_probability > 0.0
                && unit(&mut self.plans[p].rng) < step.failure_probability
        {
            // The failed attempt and the delay before it are lost to retrying.
            self.path.step_retries[p] += now.since(scheduled);
            self.step_retries += 1;
            let delay = sample(&step.retry_delay, &mut self.plans[p].rng);
            sh.observer.note(now, stage.phase(), || {
                format!(
                    "group `{}`: step `{}` failed; retry in {delay}",
                    s.groups[group].id, step.name
                )
            });
            self.schedule_step(sh, group, post, index, now, delay);
            return PlanStatus::Running;
        }
        self.path.step_retries[p] += began.since(scheduled);
        self.path.steps[p] += now.since(began);
        let since = self.plans[p].step.map_or(scheduled, |(.., since)| since);
        self.path.step_spans[p].push((since, now));
        self.plans[p].step = None;
        sh.observer.note(now, stage.phase(), || {
            format!("group `{}`: step `{}` done", s.groups[group].id, step.name)
        });
        if let Some(next) = next_step(s, group, post, index + 1, stage) {
            self.schedule_step(sh, group, post, next, now, SimDuration::ZERO);
            PlanStatus::Running
        } else if post {
            self.finish_group(sh, group, now)
        } else {
            self.open_group_boots(sh, group, now);
            PlanStatus::Running
        }
    }

    fn finish_group<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        group: usize,
        now: SimTime,
    ) -> PlanStatus {
        let s = sh.scenario;
        let stage = self.stage;
        self.group_done_at[group] = Some(now);
        let started = self.group_started_at[group].unwrap_or(now);
        sh.span(
            || format!("group {}", s.groups[group].id),
            SpanKind::Group,
            stage.phase(),
            started,
            now,
        );
        sh.observer.note(now, stage.phase(), || {
            format!("group `{}` complete", s.groups[group].id)
        });
        let p = s.groups[group].plan;
        let next = self.plans[p].current + 1;
        if next < s.plans[p].groups.len() {
            self.begin_group(sh, p, next, now)
        } else {
            PlanStatus::Complete(p)
        }
    }
}
