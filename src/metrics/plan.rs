//! An estate's per-plan columns (docs/estate.md): each plan's RPO, RTO
//! (with its targets), data lost, stage times and waits.

use super::{Metric, MetricId, Unit};
use crate::scenario::Scenario;

/// An estate's per-plan metrics, plan by plan in file order: RPO and RTO
/// (with the plan's targets: its verdicts), data lost, stage times, and the
/// waits for an operator and for failback.
pub(super) fn plan_metrics(scenario: &Scenario) -> Vec<Metric> {
    use MetricId::*;
    use Unit::*;
    let mut list = Vec::new();
    for (p, plan) in scenario.plans.iter().enumerate() {
        let id = &plan.id;
        let mut rpo = Metric::new(
            &format!("rpo_plan_{id}_s"),
            Seconds,
            &format!("plan `{id}`: RPO of its worst VM"),
            PlanRpo(p),
        );
        rpo.target = plan.rpo_target;
        let mut rto = Metric::new(
            &format!("rto_plan_{id}_s"),
            Seconds,
            &format!("plan `{id}`: t0 until its last VM runs in the recovery site"),
            PlanRto(p),
        );
        rto.target = plan.rto_target;
        list.extend([
            rpo,
            rto,
            Metric::new(
                &format!("data_lost_plan_{id}_bytes"),
                Bytes,
                &format!("plan `{id}`: bytes written between its VMs' recovery points and t0"),
                PlanDataLost(p),
            ),
        ]);
        for (k, name, meaning) in [
            (
                1,
                "stage1",
                "failover start (declared) to its last group done",
            ),
            (
                2,
                "stage2",
                "its reprotect, start to reverse replication healthy",
            ),
            (
                3,
                "stage3_downtime",
                "its failback downtime, failed attempts included",
            ),
            (
                4,
                "stage4",
                "its reprotect back, start to forward replication healthy",
            ),
        ] {
            list.push(Metric::new(
                &format!("{name}_plan_{id}_s"),
                Seconds,
                &format!("plan `{id}`: {meaning}"),
                PlanStage(p, k),
            ));
        }
        list.extend([
            Metric::new(
                &format!("operator_wait_plan_{id}_s"),
                Seconds,
                &format!("plan `{id}`: from the declaration until an operator started its failover ([recovery] concurrent_plans)"),
                PlanOperatorWait(p),
            ),
            Metric::new(
                &format!("failback_wait_plan_{id}_s"),
                Seconds,
                &format!("plan `{id}`: from its reprotect's end until its failback started (wait, windows, operators)"),
                PlanFailbackWait(p),
            ),
        ]);
        for (k, what) in [
            (2, "its reprotect"),
            (3, "its (last) failback attempt"),
            (4, "its reprotect back"),
        ] {
            list.push(Metric::new(
                &format!("stage{k}_start_plan_{id}_s"),
                Seconds,
                &format!("plan `{id}`: t0 until {what} started"),
                PlanStageStart(p, k),
            ));
        }
    }
    list
}
