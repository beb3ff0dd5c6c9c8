//! The recovery plans of a scenario: one for most files, several for an
//! estate (docs/estate.md), and the accessors the cycle reads them by.

use super::{Distribution, Scenario, Site, WeeklyWindow};
use crate::engine::SimDuration;

/// A recovery plan: its groups start one after the other; plans start in
/// priority order, at most `[recovery] concurrent_plans` at once.
#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    /// Lower starts first (ties: file order).
    pub priority: i64,
    /// Indices into `Scenario::groups`, in start order.
    pub groups: Vec<usize>,
    /// Indices into `Scenario::vms`, ascending.
    pub vms: Vec<usize>,
    /// Its own targets (by default the estate's `[targets]`).
    pub rpo_target: Option<SimDuration>,
    pub rto_target: Option<SimDuration>,
    /// Its primary site (`Sites::primaries`): the plan fails over when the
    /// outage hits it.
    pub site: usize,
    /// Its own failback windows (`None`: `[failback] windows`).
    pub failback_windows: Option<Vec<WeeklyWindow>>,
    /// Declared with `[[plan]]` (false: the one plan of a file without any).
    pub declared: bool,
}

/// Plans in start order: by priority, then file order.
pub(crate) fn start_order(plans: &[Plan]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&p| (plans[p].priority, p));
    order
}

impl Scenario {
    /// Whether the scenario is an estate of several recovery plans (the
    /// per-plan metrics and views exist only then, so a one-plan file's
    /// results stay as they were).
    pub fn is_estate(&self) -> bool {
        self.plans.len() > 1
    }

    /// The plans in start order: by priority, then file order.
    pub fn plan_order(&self) -> &[usize] {
        &self.start_order
    }

    /// vCPUs the VMs need in the recovery region (`[[vm]] cores`), counted
    /// against `[recovery] vcpu_quota`.
    pub fn vcpus_needed(&self) -> u64 {
        self.vms.iter().map(|v| u64::from(v.cores)).sum()
    }

    /// Plan `p`'s primary site.
    pub fn plan_site(&self, p: usize) -> &Site {
        &self.sites.primaries[self.plans[p].site]
    }

    /// The sites the outage hits, for sentences: "`dc`", "`dc1`, `dc2`".
    pub fn failed_sites(&self) -> String {
        let ids: Vec<String> = (self.outage.sites.iter())
            .map(|&i| format!("`{}`", self.sites.primaries[i].id))
            .collect();
        ids.join(", ")
    }

    /// The windows in which plan `p` may start failing back: its own, else
    /// the `[failback]` ones (none: any time).
    pub fn failback_windows(&self, p: usize) -> &[WeeklyWindow] {
        self.plans[p]
            .failback_windows
            .as_deref()
            .unwrap_or(&self.failback.windows)
    }

    /// The failback downtime a team plans for plan `p`, which
    /// `[failback] must_finish` fits into a window (docs/model.md, "Stage
    /// 3"): its VMs shut down and finish their final sync in parallel (the
    /// slowest), then group by group its failback steps and its slowest
    /// boot, every duration at its 99.9th percentile. No retries, and no
    /// final-sync transfer: reverse replication is healthy when failback
    /// starts.
    pub fn failback_estimate(&self, p: usize) -> SimDuration {
        let q = |d: &Distribution| SimDuration::from_secs_f64(d.quantile(0.999));
        let f = &self.failback;
        let mut total = q(&f.shutdown_time) + q(&f.final_sync_overhead);
        for &g in &self.plans[p].groups {
            let group = &self.groups[g];
            let steps = group
                .pre
                .iter()
                .chain(&group.post)
                .filter(|step| step.direction.runs(true))
                .fold(SimDuration::ZERO, |a, step| a + q(&step.duration));
            let boot = group
                .vms
                .iter()
                .map(|&v| q(&self.vms[v].failback_boot_time))
                .max()
                .unwrap_or_default();
            total = total + steps + boot;
        }
        total
    }
}

/// A plan the outage does not touch (its site stays up).
#[derive(Debug, Clone)]
pub struct SparedPlan {
    pub id: String,
    /// Its site's id.
    pub site: String,
    pub vms: usize,
}
