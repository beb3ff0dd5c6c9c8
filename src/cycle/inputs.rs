//! The random inputs of a replication, by name: what sensitivity analysis ranks.
//!
//! Each is a quantity drawn per replication (or, for plan steps, the sum of the
//! durations drawn), read back from the draws so that no second simulation is
//! needed. Names and values come from the same list here, so they cannot drift
//! apart. Inputs a scenario fixes (the same in every replication) are listed
//! too; the analysis leaves them out of its ranking.

use super::draws::Draws;
use crate::engine::SimDuration;
use crate::scenario::Scenario;

/// At most this many VMs get per-VM churn inputs; beyond, churn is summed per link.
const MAX_VM_INPUTS: usize = 16;

/// One named input: its name (as in `sensitivity.csv`) and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    pub name: String,
    pub description: String,
}

enum Source {
    OutageDuration,
    Detection,
    Decision,
    EstimateFactor,
    LinkBandwidth(usize),
    VmChurn(usize),
    LinkChurn(usize),
    GroupSlowestBoot(usize),
    GroupSlowestPreparation(usize),
    FaultDuration(usize),
    FaultStart(usize),
    PlanSteps,
}

fn sources(scenario: &Scenario) -> Vec<(Source, String, String)> {
    let mut list = vec![
        (
            Source::OutageDuration,
            "outage_duration".to_string(),
            "how long the primary site is down".to_string(),
        ),
        (
            Source::Detection,
            "detection_delay".into(),
            "outage to detection".into(),
        ),
        (
            Source::Decision,
            "decision_delay".into(),
            "detection to the decision (declare or ride out)".into(),
        ),
    ];
    if scenario.recovery.declare_if_expected_longer_than.is_some() {
        list.push((
            Source::EstimateFactor,
            "outage_estimate_error".into(),
            "expected / actual outage duration at the decision".into(),
        ));
    }
    for (l, link) in scenario.links.iter().enumerate() {
        list.push((
            Source::LinkBandwidth(l),
            format!("bandwidth_{}", link.id),
            format!("bandwidth of link `{}`", link.id),
        ));
    }
    if scenario.vms.len() <= MAX_VM_INPUTS {
        for (v, vm) in scenario.vms.iter().enumerate() {
            list.push((
                Source::VmChurn(v),
                format!("churn_{}", vm.id),
                format!("write rate of VM `{}`", vm.id),
            ));
        }
    } else {
        for (l, link) in scenario.links.iter().enumerate() {
            list.push((
                Source::LinkChurn(l),
                format!("churn_on_{}", link.id),
                format!("summed write rate of the VMs on link `{}`", link.id),
            ));
        }
    }
    for (g, group) in scenario.groups.iter().enumerate() {
        list.push((
            Source::GroupSlowestBoot(g),
            format!("boot_{}", group.id),
            format!("slowest VM boot at failover in group `{}`", group.id),
        ));
        list.push((
            Source::GroupSlowestPreparation(g),
            format!("preparation_{}", group.id),
            format!("slowest disk preparation in group `{}`", group.id),
        ));
    }
    for (f, _) in scenario.faults.iter().enumerate() {
        list.push((
            Source::FaultDuration(f),
            format!("fault_{}_duration", f + 1),
            format!(
                "length of fault {} (the faults' [[outage]] entries in order)",
                f + 1
            ),
        ));
        list.push((
            Source::FaultStart(f),
            format!("fault_{}_start", f + 1),
            format!("start of fault {} relative to the outage", f + 1),
        ));
    }
    if scenario
        .groups
        .iter()
        .any(|g| !g.pre.is_empty() || !g.post.is_empty())
    {
        list.push((
            Source::PlanSteps,
            "plan_steps".into(),
            "summed durations of the failover plan's steps".into(),
        ));
    }
    list
}

/// The inputs' names and meanings, in value order.
pub fn input_specs(scenario: &Scenario) -> Vec<InputSpec> {
    sources(scenario)
        .into_iter()
        .map(|(_, name, description)| InputSpec { name, description })
        .collect()
}

/// The inputs' values in replication `draws` (seconds, bytes/s or a ratio);
/// `plan_steps` is the successful step time of the failover plan.
pub(super) fn input_values(
    scenario: &Scenario,
    draws: &Draws,
    plan_steps: SimDuration,
) -> Vec<f64> {
    let secs = |d: SimDuration| d.as_secs_f64();
    let t = &draws.timeline;
    sources(scenario)
        .iter()
        .map(|(source, _, _)| match *source {
            Source::OutageDuration => secs(t.outage_duration),
            Source::Detection => secs(t.detection_delay),
            Source::Decision => secs(t.decision_delay),
            Source::EstimateFactor => t.estimate_factor,
            Source::LinkBandwidth(l) => draws.links[l].bandwidth,
            Source::VmChurn(v) => draws.vms[v].churn,
            Source::LinkChurn(l) => scenario
                .vms
                .iter()
                .zip(&draws.vms)
                .filter(|(vm, _)| vm.link == l)
                .map(|(_, d)| d.churn)
                .sum(),
            Source::GroupSlowestBoot(g) => scenario.groups[g]
                .vms
                .iter()
                .map(|&v| secs(draws.vms[v].boot_time))
                .fold(0.0, f64::max),
            Source::GroupSlowestPreparation(g) => scenario.groups[g]
                .vms
                .iter()
                .map(|&v| {
                    let d = &draws.vms[v];
                    secs(d.prepare_time + d.prepare_by_size + d.extra_processing_time)
                })
                .fold(0.0, f64::max),
            Source::FaultDuration(f) => secs(draws.faults[f].end.since(draws.faults[f].start)),
            Source::FaultStart(f) => {
                let start = draws.faults[f].start;
                let t0 = t.outage_start;
                // Signed: negative before the outage.
                (start.as_millis() - t0.as_millis()) as f64 / 1000.0
            }
            Source::PlanSteps => secs(plan_steps),
        })
        .collect()
}
