//! Why a replication's RTO and RPO are what they are: each split into parts
//! that add up to it exactly (integer milliseconds), for "what do we fix first".
//!
//! The RTO is split along the critical path: detection, decision, then group by
//! group (groups run one after the other) its steps, and its last VM up: the
//! wait for its disks beyond the group's opening, for a creation slot, its
//! retries, its boot. An outage ridden out is detection, decision and the wait
//! for the site. The RPO of the worst VM is split by why newer points could not
//! be used: the age of the newest scheduled point, points whose data had not
//! reached the target (link queueing, and the part of it while the link was
//! down), points not yet processed (or pruned), and points usable by this VM
//! but not by every member of its consistency group.

use super::plan::PlanRun;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::Scenario;

/// The RTO's parts; see the module docs and docs/metrics.md.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RtoParts {
    pub detection: SimDuration,
    pub decision: SimDuration,
    /// A ridden-out outage: from the decision until the site was back.
    pub ride_out: SimDuration,
    /// Plan steps (scripts, manual actions), successful attempts.
    pub steps: SimDuration,
    /// Disk preparation and processing beyond the group's opening.
    pub preparation: SimDuration,
    /// Waiting for a creation slot (capacity limit).
    pub capacity_wait: SimDuration,
    /// Failed steps, failed allocations and failed VM failovers, with their delays.
    pub retries: SimDuration,
    pub boot: SimDuration,
    /// An estate's last plan waiting for an operator (`[recovery]
    /// concurrent_plans`) after the declaration.
    pub operator_wait: SimDuration,
    /// Ransomware: searching for the newest clean recovery point.
    pub clean_point: SimDuration,
}

impl RtoParts {
    /// Column suffix (`rto_<name>_s`) and meaning, in field order.
    /// The last, `operator_wait`, exists only for an estate (one plan never waits).
    pub const NAMES: [(&'static str, &'static str); 10] = [
        ("detection", "detection delay"),
        ("decision", "decision delay"),
        ("ride_out", "waiting out an outage not declared a disaster"),
        ("steps", "recovery-plan steps (scripts, manual actions)"),
        (
            "preparation",
            "disk preparation and processing not hidden by earlier groups",
        ),
        (
            "capacity_wait",
            "waiting for a VM creation slot (capacity limit)",
        ),
        (
            "retries",
            "failed steps, allocations and VM failovers, and their retry delays",
        ),
        ("boot", "boot of the last VM of each group"),
        (
            "operator_wait",
            "the last plan waiting for an operator (concurrent_plans)",
        ),
        (
            "clean_point",
            "ransomware: searching for the newest clean recovery point, then changing every VM's point to it (a plan fails over to the latest only)",
        ),
    ];

    /// The parts a scenario reports, with their index in [`RtoParts::NAMES`]:
    /// `operator_wait` only for an estate.
    pub fn names_for(
        scenario: &Scenario,
    ) -> impl Iterator<Item = (usize, (&'static str, &'static str))> {
        let estate = scenario.is_estate();
        let ransomware = scenario.outage.ransomware.is_some();
        RtoParts::NAMES
            .iter()
            .copied()
            .enumerate()
            .filter(move |(_, (name, _))| match *name {
                "operator_wait" => estate,
                "clean_point" => ransomware,
                _ => true,
            })
    }

    pub fn parts(&self) -> [SimDuration; 10] {
        [
            self.detection,
            self.decision,
            self.ride_out,
            self.steps,
            self.preparation,
            self.capacity_wait,
            self.retries,
            self.boot,
            self.operator_wait,
            self.clean_point,
        ]
    }

    pub fn total(&self) -> SimDuration {
        self.parts()
            .into_iter()
            .fold(SimDuration::ZERO, |a, b| a + b)
    }
}

/// The RPO's parts for the worst VM; see the module docs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RpoParts {
    /// `t0` minus the newest scheduled point (0 with `latest`).
    pub schedule: SimDuration,
    /// Newer points whose data had not reached the target (queueing).
    pub lag: SimDuration,
    /// The part of the lag during which the VM's link was down.
    pub link_fault: SimDuration,
    /// Newer points whose data had arrived but was not yet processed (or pruned).
    pub processing: SimDuration,
    /// Newer points usable by this VM but not by its whole consistency group.
    pub consistency: SimDuration,
    /// Ransomware: newer points usable but taken after the infection.
    pub infection: SimDuration,
}

impl RpoParts {
    pub const NAMES: [(&'static str, &'static str); 6] = [
        (
            "schedule",
            "age of the newest scheduled recovery point at t0",
        ),
        (
            "lag",
            "newer points whose data had not reached Azure (link queueing)",
        ),
        (
            "link_fault",
            "the part of that lag while the VM's link was down",
        ),
        (
            "processing",
            "newer points received but not yet processed, or pruned",
        ),
        (
            "consistency",
            "newer points not usable by every VM of the consistency group",
        ),
        (
            "infection",
            "ransomware: newer points usable but taken after the infection",
        ),
    ];

    /// The parts a scenario reports, with their index in [`RpoParts::NAMES`]:
    /// `infection` only for a ransomware outage.
    pub fn names_for(
        scenario: &Scenario,
    ) -> impl Iterator<Item = (usize, (&'static str, &'static str))> {
        let ransomware = scenario.outage.ransomware.is_some();
        RpoParts::NAMES
            .iter()
            .copied()
            .enumerate()
            .filter(move |(_, (name, _))| ransomware || *name != "infection")
    }

    pub fn parts(&self) -> [SimDuration; 6] {
        [
            self.schedule,
            self.lag,
            self.link_fault,
            self.processing,
            self.consistency,
            self.infection,
        ]
    }

    pub fn total(&self) -> SimDuration {
        self.parts()
            .into_iter()
            .fold(SimDuration::ZERO, |a, b| a + b)
    }
}

/// The instants that bound a worst VM's RPO, newest first: `t0`, the newest
/// scheduled point (`t0` with `latest`), the newest point whose data had
/// arrived, the newest point usable by the VM alone, and the point used.
#[derive(Debug, Clone, Copy)]
pub(super) struct RpoInstants {
    pub t0: SimTime,
    pub newest_scheduled: SimTime,
    pub newest_arrived: SimTime,
    pub newest_usable_alone: SimTime,
    /// The newest point the VM could use were none infected (ransomware);
    /// `newest_usable_alone` otherwise.
    pub newest_usable_any: SimTime,
    pub used: SimTime,
}

/// Splits `t0 - used` at the instants (clamped into order, so the parts always
/// tile it), the lag part further by the link's down time in `down` (windows
/// `[start, end)`) after the newest arrived point.
pub(super) fn rpo_parts(at: RpoInstants, down: &[(SimTime, SimTime)]) -> RpoParts {
    let used = at.used.min(at.t0);
    let usable = at.newest_usable_alone.clamp(used, at.t0);
    let any = at.newest_usable_any.clamp(usable, at.t0);
    let arrived = at.newest_arrived.clamp(any, at.t0);
    let scheduled = at.newest_scheduled.clamp(arrived, at.t0);
    let lag = scheduled.since(arrived);
    let link_down: SimDuration = down
        .iter()
        .map(|&(start, end)| end.min(at.t0).since(start.max(arrived)))
        .fold(SimDuration::ZERO, |a, b| a + b);
    let link_fault = link_down.min(lag);
    RpoParts {
        schedule: at.t0.since(scheduled),
        lag: lag.saturating_sub(link_fault),
        link_fault,
        processing: arrived.since(any),
        consistency: usable.since(used),
        infection: any.since(usable),
    }
}

/// The parts of a declared disaster's RTO for plan `p`: detection,
/// decision (a ride-out that was reassessed and then declared counts after
/// the decision delay as riding out), the wait for an operator, then the
/// plan's critical path. `None` when the plan did not complete.
pub(super) fn declared_rto_parts(
    scenario: &Scenario,
    t0: SimTime,
    detected: SimTime,
    (decision_delay, declared): (SimDuration, SimTime),
    clean_point: SimDuration,
    plan: &PlanRun,
    p: usize,
) -> Option<RtoParts> {
    let path = &plan.path;
    let decision = declared.since(detected).min(decision_delay);
    let mut parts = RtoParts {
        detection: detected.since(t0),
        decision,
        ride_out: declared.since(detected).saturating_sub(decision),
        clean_point,
        operator_wait: path.started_at[p]?.since(declared + clean_point),
        steps: path.steps[p],
        retries: path.step_retries[p],
        ..RtoParts::default()
    };
    for &g in &scenario.plans[p].groups {
        let group = &scenario.groups[g];
        let open = path.open_at[g]?;
        let done = path.boots_done_at[g]?;
        // The group's last VM up is on the critical path.
        let &vm = group.vms.iter().find(|&&v| plan.up_at(v) == Some(done))?;
        let requested = path.requested_at[vm]?;
        let slot = path.slot_at[vm]?;
        let last_boot = path.last_boot_at[vm]?;
        parts.preparation += requested.since(open);
        parts.capacity_wait += slot.since(requested);
        parts.retries += last_boot.since(slot);
        parts.boot += done.since(last_boot);
    }
    Some(parts)
}

/// The parts of a ridden-out outage's RTO (`down`, the outage).
pub(super) fn ridden_out_rto_parts(
    down: SimDuration,
    detection_delay: SimDuration,
    decision_delay: SimDuration,
) -> RtoParts {
    let detection = detection_delay.min(down);
    let decision = decision_delay.min(down.saturating_sub(detection));
    RtoParts {
        detection,
        decision,
        ride_out: down.saturating_sub(detection).saturating_sub(decision),
        ..RtoParts::default()
    }
}
