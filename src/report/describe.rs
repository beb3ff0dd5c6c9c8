//! The one-screen description `drsim validate` prints of a valid scenario.

use std::fmt::Write;

use crate::scenario::Scenario;
use crate::scenario::units::{format_bytes, format_duration_s};

pub fn describe(s: &Scenario) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("scenario `{}` ({}) is valid", s.name, s.source));
    if !s.description.trim().is_empty() {
        for l in s.description.trim().lines() {
            line(format!("  {}", l.trim()));
        }
    }
    line(format!(
        "sites: primary `{}` ({}) -> recovery `{}` ({}){}",
        s.sites.primary.id,
        s.sites.primary.name,
        s.sites.recovery.id,
        s.sites.recovery.name,
        s.sites
            .alternate
            .as_ref()
            .map(|a| format!("; alternate `{}` ({})", a.id, a.name))
            .unwrap_or_default()
    ));
    for (i, link) in s.links.iter().enumerate() {
        let vms = s.vms.iter().filter(|v| v.link == i).count();
        line(format!(
            "link `{}`: bandwidth {}, reverse {}, shared by {vms} VMs",
            link.id, link.bandwidth, link.reverse_bandwidth
        ));
    }
    let p = &s.policy;
    line(format!(
        "replication policy: crash-consistent every {}, app-consistent every {}, retention {} (all points kept for {}, then one per {}), RPO alert at {}, processing delay {}, failover to {} point by default; {} of history simulated",
        format_duration_s(p.crash_consistent_interval.as_secs_f64()),
        format_duration_s(p.app_consistent_interval.as_secs_f64()),
        format_duration_s(p.retention.as_secs_f64()),
        format_duration_s(p.keep_all_points_for.as_secs_f64()),
        format_duration_s(p.pruned_point_interval.as_secs_f64()),
        format_duration_s(p.rpo_alert_threshold.as_secs_f64()),
        p.processing_delay,
        p.recovery_point.name(),
        format_duration_s(p.history.as_secs_f64()),
    ));
    line(format!(
        "recovery plan: {} groups, {} VMs, {} protected",
        s.groups.len(),
        s.vms.len(),
        format_bytes(s.total_disk_bytes())
    ));
    for (g, group) in s.groups.iter().enumerate() {
        let mut text = format!("  {}. `{}`:", g + 1, group.id);
        for &v in &group.vms {
            let vm = &s.vms[v];
            let _ = write!(
                text,
                "\n     {} disk {}, churn {}, prepare {}, boot {}, point {}{}{}",
                vm.id,
                format_bytes(vm.disk_bytes),
                vm.churn,
                vm.prepare_time,
                vm.boot_time,
                vm.recovery_point.name(),
                vm.consistency_group
                    .map(|g| format!(" (consistency group `{}`)", s.consistency_groups[g].id))
                    .unwrap_or_default(),
                if vm.weight == 1.0 {
                    String::new()
                } else {
                    format!(", link weight {}", vm.weight)
                }
            );
        }
        line(text);
    }
    line(format!(
        "outage: site `{}` fails {}, for {}",
        s.outage.site,
        match s.outage.start {
            crate::scenario::OutageStart::RandomInWeek =>
                "at a random time of the week".to_string(),
            crate::scenario::OutageStart::At(t) => format!("at {t}"),
        },
        s.outage.duration
    ));
    for fault in &s.faults {
        let when = match &fault.start {
            crate::scenario::FaultStart::Before(d) => format!("starting {d} before the disaster"),
            crate::scenario::FaultStart::After(d) => format!("starting {d} after the disaster"),
        };
        let what = match fault.kind {
            crate::scenario::FaultKind::LinkDown { link } => {
                format!("link `{}` down", s.links[link].id)
            }
            crate::scenario::FaultKind::LinkDegraded { link, factor } => {
                format!(
                    "link `{}` at {:.0}% of its bandwidth",
                    s.links[link].id,
                    factor * 100.0
                )
            }
            crate::scenario::FaultKind::TargetSlowdown { factor } => {
                format!("target processing {factor}x slower")
            }
        };
        line(format!("fault: {what}, {when}, for {}", fault.duration));
    }
    line(format!(
        "recovery: detection {}, decision {}",
        s.recovery.detection_delay, s.recovery.decision_delay
    ));
    let r = &s.reprotect;
    line(format!(
        "reprotect: operator delay {}, checksum at {}, processing {:.0}% of checksum+transfer, autoscale {}, primary disks lost with probability {}",
        r.operator_delay,
        r.checksum_throughput,
        r.processing_fraction * 100.0,
        r.autoscale_overhead,
        r.primary_data_lost_probability
    ));
    let f = &s.failback;
    line(format!(
        "failback: after a wait of {}, shutdown {}, final sync overhead {}",
        f.wait, f.shutdown_time, f.final_sync_overhead
    ));
    let target = |t: Option<crate::engine::SimDuration>| {
        t.map_or("none".to_string(), |d| format_duration_s(d.as_secs_f64()))
    };
    line(format!(
        "targets: RPO {}, RTO {} (met when {:.0}% of replications meet them)",
        target(s.targets.rpo),
        target(s.targets.rto),
        s.targets.required_fraction * 100.0
    ));
    line(format!(
        "simulation: {} replications, seed {}",
        s.simulation.replications, s.simulation.seed
    ));
    for w in &s.warnings {
        line(format!("warning: {w}"));
    }
    out
}
