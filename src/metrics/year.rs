//! The columns of a year of operations (`[operations]`; docs/metrics.md,
//! "A year of operations"): one value per replication, a simulated horizon.

use super::{Metric, MetricId, MetricId::*, Unit, Unit::*};
use crate::scenario::Scenario;
use crate::scenario::units::format_duration_short;

/// The year's columns, or none without `[operations]`.
pub(super) fn year_metrics(scenario: &Scenario) -> Vec<Metric> {
    let Some(ops) = &scenario.operations else {
        return Vec::new();
    };
    let horizon = match ops.horizon.as_millis() {
        ms if ms % 86_400_000 == 0 => format!("{} days", ms / 86_400_000),
        _ => format_duration_short(ops.horizon.as_secs_f64()),
    };
    let over = |what: &str| format!("{what} in the replication's {horizon} of operations");
    let mut list = vec![
        Metric::new(
            "availability",
            Unit::Availability,
            &format!("uptime share of the {horizon} horizon: 1 - year_downtime_s / horizon"),
            MetricId::Availability,
        ),
        Metric::new(
            "outages",
            Count,
            &over("disasters (the `[[outage]]` of kind site or ransomware, recurring `every`)"),
            YearOutages,
        ),
        Metric::new(
            "failovers",
            Count,
            &over("disasters declared and failed over (each a cycle)"),
            YearFailovers,
        ),
        Metric::new(
            "outages_during_reprotect",
            Count,
            &over(
                "disasters that struck while a reprotect (stage 2 or 4) was under way: the workload had no replica to fall back on (docs/model.md, \"A year of operations\")",
            ),
            YearDuringReprotect,
        ),
        Metric::new(
            "year_downtime_s",
            Seconds,
            &over(
                "time the service was down (failovers' RTO, failback downtime, ride-outs, outages with no replica)",
            ),
            YearDowntime,
        ),
        Metric::new(
            "year_data_lost_bytes",
            Bytes,
            &over(
                "bytes lost (the failovers' data lost, and writes since failback lost to an outage during stage 4 that destroyed the disks)",
            ),
            YearDataLost,
        ),
        Metric::new(
            "year_unprotected_s",
            Seconds,
            &over("time the running workload had no healthy replica"),
            YearUnprotected,
        ),
    ];
    if !ops.link_downs.is_empty() {
        list.push(Metric::new(
            "link_downs",
            Count,
            &over("recurring link outages (`link-down` with `every`)"),
            YearLinkDowns,
        ));
        list.push(Metric::new(
            "year_replication_stalled_s",
            Seconds,
            &over(
                "time replication was stalled by the recurring link outages: the replica stood, aging (the RPO grew meanwhile), then the backlog drained; not counted as unprotected",
            ),
            YearReplicationStalled,
        ));
    }
    if scenario.drills.is_some() {
        list.push(Metric::new(
            "drills",
            Count,
            &over("drills (test failovers) run"),
            YearDrills,
        ));
    }
    if scenario.vms.iter().any(|vm| vm.azure_vm_hour > 0.0) {
        list.push(Metric::new(
            "year_azure_cost",
            Currency,
            &over("price of the VMs run in Azure by failovers and drills"),
            YearAzureCost,
        ));
    }
    list
}
