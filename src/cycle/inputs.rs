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

/// One named input: its name (as in `sensitivity.csv`), what it is, and
/// which metrics it can move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    pub name: String,
    pub description: String,
    pub reach: Reach,
}

/// Which metrics an input has a path to in the model, and in which outages.
/// Sensitivity leaves an input without a path unranked (a correlation there
/// is noise), and measures one that acts only when a disaster is declared
/// within the declared disasters (over ride-outs too, its sign would come
/// from the population: a ride-out runs no plan steps and has a short RTO).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub rto: bool,
    pub rpo: bool,
    /// It acts only when the plan fails over (boots, steps, what the failover
    /// point needs); else in ride-outs too (the outage, detection, decision).
    pub declared_only: bool,
}

impl Reach {
    pub fn reaches(self, metric: crate::scenario::TargetMetric) -> bool {
        match metric {
            crate::scenario::TargetMetric::Rto => self.rto,
            crate::scenario::TargetMetric::Rpo => self.rpo,
        }
    }
}

/// Where `source` acts. The outage, detection and decision set the RTO (and
/// whether a disaster is declared), never the RPO, which is fixed at `t0`.
/// Replication inputs (bandwidth, churn, faults) set the RPO; they reach the
/// RTO only through `latest`, whose failover processes the data received
/// (model.md, "Stage 1"). Boots, preparation and steps set the RTO only.
fn reach(scenario: &Scenario, source: &Source) -> Reach {
    let latest = scenario
        .vms
        .iter()
        .any(|v| v.recovery_point == crate::scenario::RecoveryPointChoice::Latest);
    match source {
        Source::OutageDuration | Source::Detection | Source::Decision | Source::EstimateFactor => {
            Reach {
                rto: true,
                rpo: false,
                declared_only: false,
            }
        }
        Source::LinkBandwidth(_)
        | Source::VmChurn(_)
        | Source::LinkChurn(_)
        | Source::FaultDuration(_)
        | Source::FaultStart(_) => Reach {
            rto: latest,
            rpo: true,
            declared_only: true,
        },
        Source::GroupSlowestBoot(_) | Source::GroupSlowestPreparation(_) | Source::PlanSteps => {
            Reach {
                rto: true,
                rpo: false,
                declared_only: true,
            }
        }
    }
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

/// The inputs of `scenario`, in value order (no names: the list is built for
/// every replication).
fn sources(scenario: &Scenario) -> Vec<Source> {
    let mut list = vec![Source::OutageDuration, Source::Detection, Source::Decision];
    if scenario.recovery.declare_if_expected_longer_than.is_some() {
        list.push(Source::EstimateFactor);
    }
    list.extend((0..scenario.links.len()).map(Source::LinkBandwidth));
    if scenario.vms.len() <= MAX_VM_INPUTS {
        list.extend((0..scenario.vms.len()).map(Source::VmChurn));
    } else {
        list.extend((0..scenario.links.len()).map(Source::LinkChurn));
    }
    for g in 0..scenario.groups.len() {
        list.extend([
            Source::GroupSlowestBoot(g),
            Source::GroupSlowestPreparation(g),
        ]);
    }
    for f in 0..scenario.faults.len() {
        list.extend([Source::FaultDuration(f), Source::FaultStart(f)]);
    }
    if scenario
        .groups
        .iter()
        .any(|g| !g.pre.is_empty() || !g.post.is_empty())
    {
        list.push(Source::PlanSteps);
    }
    list
}

/// An input's name (as in `sensitivity.csv`) and what it is.
fn spec(scenario: &Scenario, source: &Source) -> InputSpec {
    let (name, description) = match *source {
        Source::OutageDuration => (
            "outage_duration".to_string(),
            "how long the primary site is down".to_string(),
        ),
        Source::Detection => ("detection_delay".into(), "outage to detection".into()),
        Source::Decision => (
            "decision_delay".into(),
            "detection to the decision (declare or ride out)".into(),
        ),
        Source::EstimateFactor => (
            "outage_estimate_error".into(),
            "expected / actual outage duration at the decision".into(),
        ),
        Source::LinkBandwidth(l) => {
            let id = &scenario.links[l].id;
            (
                format!("bandwidth_{id}"),
                format!("bandwidth of link `{id}`"),
            )
        }
        Source::VmChurn(v) => {
            let id = &scenario.vms[v].id;
            (format!("churn_{id}"), format!("write rate of VM `{id}`"))
        }
        Source::LinkChurn(l) => {
            let id = &scenario.links[l].id;
            (
                format!("churn_on_{id}"),
                format!("summed write rate of the VMs on link `{id}`"),
            )
        }
        Source::GroupSlowestBoot(g) => {
            let id = &scenario.groups[g].id;
            (
                format!("boot_{id}"),
                format!("slowest VM boot at failover in group `{id}`"),
            )
        }
        Source::GroupSlowestPreparation(g) => {
            let id = &scenario.groups[g].id;
            (
                format!("preparation_{id}"),
                format!("slowest disk preparation in group `{id}`"),
            )
        }
        Source::FaultDuration(f) => (
            format!("fault_{}_duration", f + 1),
            format!(
                "length of fault {} (the faults' [[outage]] entries in order)",
                f + 1
            ),
        ),
        Source::FaultStart(f) => (
            format!("fault_{}_start", f + 1),
            format!("start of fault {} relative to the outage", f + 1),
        ),
        Source::PlanSteps => (
            "plan_steps".into(),
            "summed durations of the failover plan's steps".into(),
        ),
    };
    InputSpec {
        name,
        description,
        reach: reach(scenario, source),
    }
}

/// The inputs' names and meanings, in value order.
pub fn input_specs(scenario: &Scenario) -> Vec<InputSpec> {
    sources(scenario)
        .iter()
        .map(|source| spec(scenario, source))
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
        .map(|source| match *source {
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
