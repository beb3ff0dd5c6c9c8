//! The replication network of one cycle: the links in both directions, the
//! VMs' churn on them, and the faults that take links down or slow the target.
//!
//! This part owns the fluid links; the stages ask it for histories (at the
//! outage), for flows (reprotect, final sync) and for bytes sent.

mod triggers;

use super::capacity::CACHE_LEVELS;
use super::churn::{ChurnRun, NextChange, ReplayClock};
use super::draws::Draws;
use super::fluid::{Breakpoint, FluidLink};
use super::ids::{FaultId, LinkId, VmId};
use super::{Direction, Event, Observer, Phase, Shared};
use crate::engine::SimTime;
use crate::scenario::units::{format_byte_rate, format_rate};
use crate::scenario::{FaultKind, Scenario, WeeklyWindow};
use triggers::{CACHE_SLACK_BYTES, ResyncTriggers, log_limit, next_resync_trigger};

/// A target-processing slowdown: `[start, end)` and its factor.
pub(super) type Slowdown = (SimTime, SimTime, f64);

#[derive(Debug)]
pub(super) struct Network {
    /// Each VM's (each flow's) recovery plan.
    plan_of: Vec<usize>,
    /// What can trigger a resync, found once: per process server its VMs,
    /// per link its VMs with a bounded log (Hyper-V), each ascending.
    triggers: ResyncTriggers,
    forward: Vec<FluidLink>,
    reverse: Vec<FluidLink>,
    churn: Vec<ChurnRun>,
    /// Churn events (rate changes, bursts) per VM, for the runaway guard.
    churn_events: Vec<u64>,
    fault_active: Vec<bool>,
    slowdowns: Vec<Slowdown>,
    /// Per VM, its resynchronisations before the outage: `[start, end)`, the
    /// end `None` while it runs (docs/model.md, "Replication health").
    resyncs: Vec<Vec<ResyncWindow>>,
    /// Per VM, the changed blocks its resyncs had to move (bytes).
    resync_bytes: Vec<f64>,
    /// Per VM marked for resynchronisation and held until outside office
    /// hours: the log it had queued when marked (bytes).
    held_resync: Vec<Option<f64>>,
    /// Per process server: how many of its cache's documented levels
    /// ([`CACHE_LEVELS`]: two alerts, then throttling) its VMs' queued
    /// writes have reached before the outage.
    cache_levels: Vec<usize>,
}

/// A resynchronisation of a VM's forward replication: from the instant it
/// was marked (its process server's cache full, or its Hyper-V log at half
/// its disk) until its changed blocks had moved.
pub(super) type ResyncWindow = (SimTime, Option<SimTime>);

impl Network {
    /// Every link at its drawn bandwidth, one (inactive) flow per VM, at `start`.
    pub fn new(scenario: &Scenario, draws: &Draws, start: SimTime) -> Self {
        let n = scenario.vms.len();
        let links = |direction: Direction| -> Vec<FluidLink> {
            draws
                .links
                .iter()
                .map(|l| {
                    let capacity = match direction {
                        Direction::Forward => l.bandwidth,
                        Direction::Reverse => l.reverse_bandwidth,
                    };
                    FluidLink::new(capacity, n, start)
                })
                .collect()
        };
        let mut forward = links(Direction::Forward);
        let mut reverse = links(Direction::Reverse);
        // A VM's weight shares its link in both directions (stages 2 and 3 too).
        for (v, vm) in scenario.vms.iter().enumerate() {
            forward[vm.link].set_weight(v, vm.weight);
            reverse[vm.link].set_weight(v, vm.weight);
        }
        // Forward, every write also passes through the VM's process server,
        // whose instantaneous cap, when set, its VMs share (stage 4 too). Failback from Azure
        // goes through a process server in Azure, not modelled.
        // Only an instantaneous cap the scenario sets binds at an instant;
        // ASR's daily volume is the capacity check's (crate::capacity).
        if scenario
            .process_servers
            .iter()
            .any(|ps| ps.peak_throughput.is_some())
        {
            let caps: Vec<f64> = scenario
                .process_servers
                .iter()
                .map(|ps| ps.peak_throughput.unwrap_or(f64::MAX))
                .collect();
            let groups: Vec<Option<usize>> =
                scenario.vms.iter().map(|vm| vm.process_server).collect();
            for (l, link) in forward.iter_mut().enumerate() {
                // The least this link carries this cycle: every fault on it at once.
                let least = draws.links[l].bandwidth
                    * scenario
                        .faults
                        .iter()
                        .map(|fault| capacity_factor(fault.kind, l).min(1.0))
                        .product::<f64>();
                link.set_groups(groups.clone(), caps.clone(), least);
            }
        }
        Network {
            plan_of: scenario.vms.iter().map(|vm| vm.plan).collect(),
            triggers: ResyncTriggers::new(scenario),
            forward,
            reverse,
            churn: Vec::with_capacity(n),
            churn_events: vec![0; n],
            fault_active: vec![false; scenario.faults.len()],
            slowdowns: Vec::new(),
            resyncs: vec![Vec::new(); n],
            resync_bytes: vec![0.0; n],
            held_resync: vec![None; n],
            cache_levels: vec![0; scenario.process_servers.len()],
        }
    }

    /// The VM whose churn produced the most events, how many, and how many
    /// every VM's churn produced together.
    pub fn busiest_churn(&self) -> Option<(usize, u64, u64)> {
        let total = self.churn_events.iter().sum();
        self.churn_events
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|&(v, n)| (n, std::cmp::Reverse(v)))
            .map(|(v, n)| (v, n, total))
    }

    /// Breakpoints recorded over every link in both directions.
    pub fn recorded(&self) -> usize {
        self.forward
            .iter()
            .chain(&self.reverse)
            .map(FluidLink::recorded)
            .sum()
    }

    pub fn forward(&self) -> &[FluidLink] {
        &self.forward
    }

    pub fn reverse(&self) -> &[FluidLink] {
        &self.reverse
    }

    pub fn link_mut(&mut self, direction: Direction, link: usize) -> &mut FluidLink {
        match direction {
            Direction::Forward => &mut self.forward[link],
            Direction::Reverse => &mut self.reverse[link],
        }
    }

    /// VM `vm`'s forward replication history (recorded until the outage).
    pub fn history(&self, scenario: &Scenario, vm: usize) -> &[Breakpoint] {
        self.forward[scenario.vms[vm].link].history(vm)
    }

    /// Target slowdowns known so far (all of them once the history has started).
    pub fn slowdowns(&self) -> &[Slowdown] {
        &self.slowdowns
    }

    /// Every VM's resynchronisations before the outage.
    pub fn all_resyncs(&self) -> &[Vec<ResyncWindow>] {
        &self.resyncs
    }

    /// Per VM, the changed blocks its resyncs before the outage had to move.
    /// Per process server, the documented cache levels reached before the
    /// outage (0 to 3: [`CACHE_LEVELS`]).
    pub fn cache_levels(&self) -> &[usize] {
        &self.cache_levels
    }

    pub fn resync_bytes(&self) -> &[f64] {
        &self.resync_bytes
    }

    /// After any change to a link: schedule the check for its next emptying
    /// backlog and, before the outage, for the next resync trigger.
    pub fn watch_link<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        direction: Direction,
        link: usize,
    ) {
        let links = self.forward.len();
        let l = self.link_mut(direction, link);
        let epoch = l.epoch();
        let drain = l
            .next_drain()
            .map(|t| (t, Event::FlowCheck(direction, LinkId::new(link), epoch)));
        watch(sh, drain_slot(direction, link, links), epoch, drain);
        if direction == Direction::Forward && l.now() < sh.t0 {
            let l = &self.forward[link];
            let resyncs = &self.resyncs;
            let resyncing = |vm: usize| matches!(resyncs[vm].last(), Some((_, None)));
            let check = next_resync_trigger(
                sh.scenario,
                &mut self.triggers,
                &self.cache_levels,
                l,
                link,
                resyncing,
            )
            .filter(|&(t, _)| t < sh.t0)
            .map(|(t, vm)| {
                (
                    t,
                    Event::HealthCheck(LinkId::new(link), VmId::new(vm), epoch),
                )
            });
            watch(sh, health_slot(link, links), epoch, check);
        }
    }

    /// The health check of forward `link` (stale once the link changed): ASR
    /// marks a VM for resynchronisation when its process server's cache is
    /// full (VMware/physical: every VM whose writes it holds) or, for
    /// Hyper-V, when its log reaches half its disk. A resync drops the queued
    /// log; the changed blocks (the working-set model over the bytes queued)
    /// remain to move, read from the source disk, and no point is produced
    /// until they have. Then the link is watched again.
    pub fn on_health_check<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        link: LinkId,
        _vm: VmId,
        epoch: u64,
    ) {
        let link = link.index();
        if self.forward[link].epoch() != epoch {
            return;
        }
        self.forward[link].advance(now);
        let s = sh.scenario;
        let resyncing = |resyncs: &[Vec<ResyncWindow>], vm: usize| {
            matches!(resyncs[vm].last(), Some((_, None)))
        };
        // A process server's cache passing a documented level: an alert,
        // then throttling (vmware-physical-azure-troubleshoot-process-server.md,
        // "Best practices"). Neither drops anything: throttled sources hold
        // their writes until the server takes them, so the backlog drains as
        // fast as before (an estimate: ASR documents no more), and ASR names
        // no cache level among its resync triggers.
        for (p, ps) in s.process_servers.iter().enumerate() {
            if ps.link != link {
                continue;
            }
            let l = &self.forward[link];
            let cached: f64 = self.triggers.server_vms[p]
                .iter()
                .filter(|&&vm| !resyncing(&self.resyncs, vm))
                .map(|&vm| l.backlog(vm))
                .sum();
            while let Some(&share) = CACHE_LEVELS.get(self.cache_levels[p])
                && cached + CACHE_SLACK_BYTES >= share * ps.cache_bytes
            {
                self.cache_levels[p] += 1;
                self.triggers.server_at[p] = None;
                let level = self.cache_levels[p];
                sh.observer.note(now, Phase::Replicating, || {
                    format!(
                        "process server {}: cache {:.0}% used ({} of writes not uploaded): {}",
                        p + 1,
                        share * 100.0,
                        crate::scenario::units::format_bytes(cached),
                        match level {
                            1 => "health alert (free space below 30%)",
                            2 => "health alert (free space below 25%)",
                            _ => "replication throttled (free space below 20%): the sources hold their writes until it takes them",
                        }
                    )
                });
            }
        }
        // Which VMs are marked, and why.
        let mut marked: Vec<(usize, String)> = Vec::new();
        for vm in 0..s.vms.len() {
            let l = &self.forward[link];
            if s.vms[vm].link == link
                && !resyncing(&self.resyncs, vm)
                && l.is_active(vm)
                && l.backlog(vm) + CACHE_SLACK_BYTES >= log_limit(s, vm)
            {
                marked.push((vm, "its log reached half its disk".to_string()));
            }
        }
        let office_hours = &s.policy.resync_office_hours;
        for (vm, why) in marked {
            let v = &s.vms[vm];
            let l = &mut self.forward[link];
            let queued = l.backlog(vm);
            let changed = s.vms[vm].changed_by(queued);
            l.resync(now, vm, changed);
            self.resyncs[vm].push((now, None));
            self.resync_bytes[vm] += changed;
            // "By default resynchronization is scheduled to run automatically
            // outside office hours": until then the VM sends nothing and its
            // writes only mark blocks.
            let start = WeeklyWindow::next_outside(office_hours, now);
            if start > now {
                l.set_flow_cap(now, vm, Some(0.0));
                self.held_resync[vm] = Some(queued);
                sh.queue.schedule(start, Event::ResyncStart(VmId::new(vm)));
            }
            sh.observer.note(now, Phase::Replicating, || {
                let when = if start > now {
                    format!(", starting outside office hours at {start}")
                } else {
                    String::new()
                };
                format!(
                    "{}: {why}: marked for resynchronisation{when}, {} queued dropped, {} of changed blocks to move; no new recovery point until done (the older ones are kept)",
                    v.id,
                    crate::scenario::units::format_bytes(queued),
                    crate::scenario::units::format_bytes(changed)
                )
            });
        }
        self.watch_link(sh, Direction::Forward, link);
    }

    /// A held resynchronisation starts (outside office hours): the blocks
    /// changed since the VM was last in sync move, those of the log dropped
    /// when it was marked and those written since.
    pub fn on_resync_start<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime, vm: VmId) {
        let vm = vm.index();
        let Some(queued_at_mark) = self.held_resync[vm].take() else {
            return;
        };
        if now >= sh.t0 {
            // The primary failed first: the VM fails over to its newest point
            // from before the mark.
            return;
        }
        let s = sh.scenario;
        let link = s.vms[vm].link;
        let l = &mut self.forward[link];
        l.advance(now);
        let held = l.backlog(vm);
        let marked_changed = s.vms[vm].changed_by(queued_at_mark);
        let written = (held - marked_changed).max(0.0);
        // Concave in the bytes written, so never more than what is held.
        let changed = s.vms[vm].changed_by(queued_at_mark + written).min(held);
        l.resync(now, vm, changed);
        l.set_flow_cap(now, vm, None);
        self.resync_bytes[vm] += changed - marked_changed;
        sh.observer.note(now, Phase::Replicating, || {
            format!(
                "{}: resynchronisation starts outside office hours: {} of changed blocks to move",
                s.vms[vm].id,
                crate::scenario::units::format_bytes(changed)
            )
        });
        self.watch_link(sh, Direction::Forward, link);
    }

    /// Closes the resyncs of the VMs on forward `link` whose backlog emptied.
    pub fn end_resyncs<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime, link: usize) {
        for (vm, windows) in self.resyncs.iter_mut().enumerate() {
            if let Some((_, end @ None)) = windows.last_mut()
                && sh.scenario.vms[vm].link == link
                && self.forward[link].backlog(vm) <= 0.0
            {
                *end = Some(now);
                sh.observer.note(now, Phase::Replicating, || {
                    format!(
                        "{}: resynchronisation complete; recovery points resume",
                        sh.scenario.vms[vm].id
                    )
                });
            }
        }
    }

    /// Replication has run healthily since `start`: every VM writes according to
    /// its churn over its link, whose bandwidth the VMs share. Faults are
    /// scheduled wherever they fall (a fault that began earlier starts with the
    /// history).
    pub fn start_history<O: Observer>(&mut self, sh: &mut Shared<'_, O>, start: SimTime) {
        let s = sh.scenario;
        self.start_churn(sh, start);
        for link in &mut self.forward {
            link.start_recording();
        }
        for i in 0..self.forward.len() {
            self.watch_link(sh, Direction::Forward, i);
        }
        for (f, fault) in s.faults.iter().enumerate() {
            let window = sh.draws.faults[f];
            if window.end <= start {
                continue;
            }
            if let FaultKind::TargetSlowdown { factor } = fault.kind {
                self.slowdowns.push((window.start, window.end, factor));
            }
            sh.queue
                .schedule(window.start.max(start), Event::FaultStart(FaultId::new(f)));
            sh.queue
                .schedule(window.end, Event::FaultEnd(FaultId::new(f)));
        }
        sh.observer.note(start, Phase::Replicating, || {
            let churn: f64 = s.vms.iter().map(|vm| vm.churn.mean_rate()).sum();
            let bandwidth: f64 = sh.draws.links.iter().map(|l| l.bandwidth).sum();
            format!(
                "replication healthy for {} VMs: mean churn {}, link bandwidth {}",
                s.vms.len(),
                format_byte_rate(churn),
                format_rate(bandwidth)
            )
        });
    }

    /// Starts every VM's churn at `start`: its first rate, and its first change.
    fn start_churn<O: Observer>(&mut self, sh: &mut Shared<'_, O>, start: SimTime) {
        let s = sh.scenario;
        let mut initial_rates = Vec::with_capacity(s.vms.len());
        for (v, vm) in s.vms.iter().enumerate() {
            let constant_rate = sh.draws.vms[v].churn;
            let clock = sh
                .draws
                .timeline
                .replay_anchor
                .map(|anchor_ms| ReplayClock {
                    anchor_ms,
                    t0: sh.t0,
                    seed: sh.seed,
                    replication: sh.replication,
                });
            let (run, rate, next) = ChurnRun::start(
                &vm.churn,
                constant_rate,
                sh.seed,
                sh.replication,
                v,
                start,
                clock,
            );
            initial_rates.push(rate);
            let next = match next {
                Some(NextChange::Rate(t)) => Some((t, Event::ChurnChange(VmId::new(v)))),
                Some(NextChange::Burst(t)) => Some((t, Event::Burst(VmId::new(v)))),
                None => None,
            };
            if let Some((t, event)) = next
                && t < sh.t0
            {
                sh.queue.schedule(t, event);
            }
            self.churn.push(run);
        }
        for (l, link) in self.forward.iter_mut().enumerate() {
            let on_link = s.vms.iter().enumerate().filter(|(_, vm)| vm.link == l);
            link.start_flows(
                start,
                on_link.map(|(v, vm)| (v, initial_rates[v], vm.weight)),
            );
        }
    }

    /// A VM's write rate changes; the next change is scheduled while before `t0`.
    pub fn on_churn_change<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime, v: VmId) {
        let v = v.index();
        let vm = &sh.scenario.vms[v];
        self.churn_events[v] += 1;
        let Some((rate, next)) = self.churn[v].next_rate(&vm.churn, now) else {
            return;
        };
        self.forward[vm.link].set_input_rate(now, v, rate);
        self.watch_link(sh, Direction::Forward, vm.link);
        sh.observer.detail(now, Phase::Replicating, || {
            format!("{}: churn now {}", vm.id, format_byte_rate(rate))
        });
        if next < sh.t0 {
            sh.queue.schedule(next, Event::ChurnChange(VmId::new(v)));
        }
    }

    /// A burst of writes lands on a VM; the next one is scheduled while before `t0`.
    pub fn on_burst<O: Observer>(&mut self, sh: &mut Shared<'_, O>, now: SimTime, v: VmId) {
        let v = v.index();
        let vm = &sh.scenario.vms[v];
        self.churn_events[v] += 1;
        let Some((bytes, next)) = self.churn[v].burst(&vm.churn, now) else {
            return;
        };
        self.forward[vm.link].write_burst(now, v, bytes);
        self.watch_link(sh, Direction::Forward, vm.link);
        if next < sh.t0 {
            sh.queue.schedule(next, Event::Burst(VmId::new(v)));
        }
    }

    /// A fault begins or ends: the links it touches get their new bandwidth
    /// (the product of every active fault's factor on them).
    pub fn on_fault<O: Observer>(
        &mut self,
        sh: &mut Shared<'_, O>,
        now: SimTime,
        f: FaultId,
        starts: bool,
    ) {
        let f = f.index();
        let s = sh.scenario;
        self.fault_active[f] = starts;
        let fault = &s.faults[f];
        sh.observer.note(now, Phase::of_time(now, sh.t0), || {
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
            .map(|(fault, _)| capacity_factor(fault.kind, link))
            .product();
        let draws = sh.draws.links[link];
        self.forward[link].set_capacity(now, draws.bandwidth * factor);
        self.reverse[link].set_capacity(now, draws.reverse_bandwidth * factor);
        self.watch_link(sh, Direction::Forward, link);
        self.watch_link(sh, Direction::Reverse, link);
    }

    /// The primary fails at `now`: forward replication stops, its histories are closed.
    pub fn stop_recording(&mut self, now: SimTime) {
        for link in &mut self.forward {
            link.advance(now);
            link.stop_recording();
        }
    }

    /// Every forward flow stops (the source site is gone).
    pub fn stop_forward(&mut self, now: SimTime) {
        for link in &mut self.forward {
            link.stop_all(now);
        }
    }

    /// Bytes sent up to `now` by the flows of one direction that are running
    /// (flows not restarted yet still count their history's bytes).
    pub fn sent_active(&mut self, direction: Direction, now: SimTime, plan: usize) -> f64 {
        self.sum_flows(direction, now, plan, |l, f| {
            if l.is_active(f) { l.sent(f) } else { 0.0 }
        })
    }

    /// Of the bytes sent by plan `plan`'s flows in one direction up to
    /// `now`, those of the bulk copies queued on them (full copies and
    /// computed deltas, which are queued before the writes that follow them).
    pub fn bulk_sent(&mut self, direction: Direction, now: SimTime, plan: usize) -> f64 {
        self.sum_flows(direction, now, plan, |l, f| l.sent(f).min(l.bulk(f)))
    }

    /// Bytes sent by plan `plan`'s flows in one direction up to `now` (each
    /// link is brought up to `now` first: what flowed since its last change
    /// counts).
    pub fn sent_total(&mut self, direction: Direction, now: SimTime, plan: usize) -> f64 {
        self.sum_flows(direction, now, plan, FluidLink::sent)
    }

    /// `per_flow` summed over plan `plan`'s flows of one direction, each link
    /// brought up to `now` first. The sums run in the order they always did
    /// (link by link, flow by flow), so a one-plan scenario's bytes are
    /// those it always had.
    /// Of `vms`, the one with the most queued on its link in `direction` at
    /// `now` (the first on ties); `None` when none has anything queued.
    pub fn largest_backlog(
        &mut self,
        scenario: &Scenario,
        direction: Direction,
        now: SimTime,
        vms: &[usize],
    ) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for &v in vms {
            let link = self.link_mut(direction, scenario.vms[v].link);
            link.advance(now);
            let queued = link.backlog(v);
            if queued > 0.0 && best.is_none_or(|(_, b)| queued > b) {
                best = Some((v, queued));
            }
        }
        best.map(|(v, _)| v)
    }

    fn sum_flows(
        &mut self,
        direction: Direction,
        now: SimTime,
        plan: usize,
        per_flow: impl Fn(&FluidLink, usize) -> f64,
    ) -> f64 {
        let links = match direction {
            Direction::Forward => &mut self.forward,
            Direction::Reverse => &mut self.reverse,
        };
        let plan_of = &self.plan_of;
        links
            .iter_mut()
            .map(|l| {
                l.advance(now);
                (0..l.flows())
                    .filter(|&f| plan_of[f] == plan)
                    .map(|f| per_flow(l, f))
                    .sum::<f64>()
            })
            .sum()
    }
}

/// What a fault leaves of `link`'s bandwidth while it lasts (1: it is not
/// about that link).
fn capacity_factor(kind: FaultKind, link: usize) -> f64 {
    match kind {
        FaultKind::LinkDown { link: l } if l == link => 0.0,
        FaultKind::LinkDegraded { link: l, factor } if l == link => factor,
        _ => 1.0,
    }
}

/// The event queue's timer slots: per direction and link the drain check,
/// then per forward link the health check.
pub fn timer_slots(links: usize) -> usize {
    3 * links
}

fn drain_slot(direction: Direction, link: usize, links: usize) -> usize {
    match direction {
        Direction::Reverse => link,
        Direction::Forward => links + link,
    }
}

fn health_slot(link: usize, links: usize) -> usize {
    2 * links + link
}

/// Sets a link's check `slot` to `check` (a check of the link at `epoch`),
/// unless a check of the same epoch is already due no later: that one is
/// still valid and acts first, after which any later one would find the link
/// changed. A check of an older epoch would be ignored when due (the link
/// changed since), so it is replaced, or dropped when there is nothing to
/// check.
fn watch<O: Observer>(
    sh: &mut Shared<'_, O>,
    slot: usize,
    epoch: u64,
    check: Option<(SimTime, Event)>,
) {
    let pending = match sh.queue.timer(slot) {
        Some((due, Event::FlowCheck(_, _, e) | Event::HealthCheck(_, _, e))) if *e == epoch => {
            Some(due)
        }
        _ => None,
    };
    match (check, pending) {
        (Some((t, _)), Some(due)) if due <= t => {}
        (Some((t, event)), _) => sh.queue.set_timer(slot, t, event),
        (None, Some(_)) => {}
        (None, None) => sh.queue.cancel_timer(slot),
    }
}
