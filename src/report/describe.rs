//! The one-screen description `drsim validate` prints of a valid scenario.

use std::fmt::Write;

use crate::scenario::AsrScenario;
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
        "ASR scenario: {} to Azure (`[scenario] kind = \"{}\"`{}: its limits and mechanics, docs/model.md)",
        match s.kind {
            AsrScenario::Vmware => "VMware VMs",
            AsrScenario::Physical =>
                "physical servers (failback to a VMware VM: stage 2 a full copy)",
            AsrScenario::HyperV => "Hyper-V VMs",
        },
        s.kind.name(),
        if s.kind.is_vmware_or_physical() {
            format!(", `architecture = \"{}\"`", s.architecture.name())
        } else {
            String::new()
        }
    ));
    line(format!(
        "sites: primary {} -> recovery `{}` ({}){}",
        (s.sites.primaries.iter())
            .map(|p| format!("`{}` ({})", p.id, p.name))
            .collect::<Vec<_>>()
            .join(", "),
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
        let from = if s.sites.primaries.len() > 1 {
            format!(" (from `{}`)", s.sites.primaries[link.site].id)
        } else {
            String::new()
        };
        line(format!(
            "link `{}`{from}: bandwidth {}, reverse {}, shared by {vms} VMs",
            link.id, link.bandwidth, link.reverse_bandwidth
        ));
    }
    for text in capacity_lines(s) {
        line(text);
    }
    let p = &s.policy;
    line(format!(
        "replication policy: crash-consistent every {}, app-consistent {}, retention {} (all points kept for {}, then one per {}), RPO alert at {}, processing delay {}, failover to {} point by default; {} of history simulated",
        format_duration_s(p.crash_consistent_interval.as_secs_f64()),
        p.app_consistent_interval.map_or_else(
            || "off".to_string(),
            |d| format!("every {}", format_duration_s(d.as_secs_f64())),
        ),
        format_duration_s(p.retention.as_secs_f64()),
        format_duration_s(p.keep_all_points_for.as_secs_f64()),
        format_duration_s(p.pruned_point_interval.as_secs_f64()),
        format_duration_s(p.rpo_alert_threshold.as_secs_f64()),
        p.processing_delay,
        p.recovery_point.name(),
        format_duration_s(p.history.as_secs_f64()),
    ));
    line(if p.resync_office_hours.is_empty() {
        "resynchronisation: starts as soon as a VM is marked".to_string()
    } else {
        format!(
            "resynchronisation: held until outside office hours ({} weekly windows)",
            p.resync_office_hours.len()
        )
    });
    line(format!(
        "recovery plan: {} groups, {} VMs, {} protected",
        s.groups.len(),
        s.vms.len(),
        format_bytes(s.total_disk_bytes())
    ));
    if s.is_estate() {
        line(estate_line(s));
    }
    for (g, group) in s.groups.iter().enumerate() {
        let mut text = format!("  {}. `{}`:", g + 1, group.id);
        for (label, steps) in [("before", &group.pre), ("after", &group.post)] {
            for step in steps {
                let when = match step.direction {
                    crate::scenario::StepDirection::Failover => "at failover",
                    crate::scenario::StepDirection::Failback => "at failback",
                    crate::scenario::StepDirection::Both => "at failover and failback",
                };
                let latent = step
                    .latent_fault_every
                    .map(|m| format!(", a latent fault every {m} on average"))
                    .unwrap_or_default();
                let _ = write!(
                    text,
                    "\n     {label} the VMs, {when}: {} `{}`, {}{}{latent}",
                    match step.kind {
                        crate::scenario::StepKind::Script => "script",
                        crate::scenario::StepKind::Manual => "manual action",
                    },
                    step.name,
                    step.duration,
                    if step.failure_probability > 0.0 {
                        format!(
                            ", fails with probability {} (retry after {})",
                            step.failure_probability, step.retry_delay
                        )
                    } else {
                        String::new()
                    }
                );
            }
        }
        for &v in &group.vms {
            let vm = &s.vms[v];
            let _ = write!(
                text,
                "\n     {} disk {}, churn {}, prepare {}, boot {}, point {}{}{}",
                vm.id,
                vm.disk_size_text,
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
        "outage{}: {} {}, for {}",
        match &s.outage.ransomware {
            Some(r) => format!(
                " (ransomware: infected {} before, so only older points are clean; the search for the clean point takes {})",
                r.dwell, r.clean_point_search
            ),
            None => String::new(),
        },
        if s.outage.sites.len() > 1 {
            format!("sites {} fail", s.failed_sites())
        } else {
            format!("site {} fails", s.failed_sites())
        },
        match (s.outage.start, &s.replay_clock) {
            (crate::scenario::OutageStart::RandomInWeek, None) =>
                "at a random time of the week".to_string(),
            (crate::scenario::OutageStart::RandomInWeek, Some(p)) => format!(
                "at a random time over the {} replayed from {} (its clock places the outage in the week)",
                crate::scenario::units::format_duration_s(p.span_ms as f64 / 1000.0),
                p.file
            ),
            (crate::scenario::OutageStart::At(t), None) => format!("at {t}"),
            (crate::scenario::OutageStart::At(t), Some(p)) => format!(
                "at {t}, a random one of the {} replayed from {} at that time",
                crate::scenario::units::format_duration_s(p.span_ms as f64 / 1000.0),
                p.file
            ),
        },
        s.outage.duration
    ));
    if let Some(ops) = &s.operations {
        let mut text = format!(
            "a year of operations: each replication is a {}-day horizon in which the disaster recurs, {} apart, each running its own cycle",
            ops.horizon.as_millis() / 86_400_000,
            ops.disaster_every,
        );
        for l in &ops.link_downs {
            text.push_str(&format!(
                "; link `{}` down for {}, {} apart",
                s.links[l.link].id, l.duration, l.every
            ));
        }
        line(text);
    }
    for spared in &s.spared {
        line(format!(
            "  not hit: plan `{}` ({} VMs) at site `{}` keeps running on-premises and is not simulated",
            spared.id, spared.vms, spared.site
        ));
    }
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
    let r = &s.recovery;
    let mut recovery = format!(
        "recovery: detection {}, decision {}",
        r.detection_delay, r.decision_delay
    );
    if let Some(limit) = r.declare_if_expected_longer_than {
        let _ = write!(
            recovery,
            "; declared only if the outage is expected to last over {} (estimate p95 error x{})",
            format_duration_s(limit.as_secs_f64()),
            r.estimate_error
        );
    }
    if let Some(n) = r.max_concurrent_failovers {
        let _ = write!(recovery, "; at most {n} VM failovers at once");
    }
    if r.allocation_failure_probability > 0.0 {
        let _ = write!(
            recovery,
            "; VM allocation fails with probability {} (retry after {})",
            r.allocation_failure_probability, r.allocation_retry_delay
        );
    }
    if r.vm_failure_probability > 0.0 {
        let _ = write!(
            recovery,
            "; VM failover fails with probability {} (retry after {})",
            r.vm_failure_probability, r.vm_retry_delay
        );
    }
    line(recovery);
    let r = &s.reprotect;
    line(format!(
        "reprotect: operator delay {}, checksum at {}, processing {:.0}% of checksum+transfer, autoscale {}, primary disks lost with probability {}",
        r.operator_delay,
        r.checksum_throughput,
        r.processing_fraction * 100.0,
        r.autoscale_overhead,
        r.primary_data_lost_probability
    ));
    let known = s.vms.iter().filter(|v| v.disk_throughput.is_some()).count();
    if known > 0 {
        line(format!(
            "reprotect transfer: at most {:.0}% of the disk's throughput ({known} of {} VMs give theirs; the others are uncapped)",
            r.transfer_fraction * 100.0,
            s.vms.len()
        ));
    }
    let f = &s.failback;
    let windows: Vec<String> = f
        .windows
        .iter()
        .map(|w| {
            let start = crate::engine::SimTime::EPOCH + w.start;
            format!("{start} for {}", format_duration_s(w.length.as_secs_f64()))
        })
        .collect();
    line(format!(
        "failback to the {} location: after a wait of {}{}{}, shutdown {}, final sync overhead {}",
        match f.location {
            crate::scenario::FailbackLocation::Original => "original",
            crate::scenario::FailbackLocation::Alternate => "alternate (full copy at reprotect)",
        },
        f.wait,
        if f.minimum_stay > crate::engine::SimDuration::ZERO {
            format!(
                ", at least {} after the failover",
                format_duration_s(f.minimum_stay.as_secs_f64())
            )
        } else {
            String::new()
        },
        if windows.is_empty() {
            String::new()
        } else {
            format!(", only in the weekly window(s) {}", windows.join(", "))
        },
        f.shutdown_time,
        f.final_sync_overhead
    ));
    if let Some(d) = drills_sentence(s) {
        line(d);
    }
    if let Some(r) = reservation_sentence(s) {
        line(r);
    }
    let target = |t: Option<crate::engine::SimDuration>| {
        t.map_or("none".to_string(), |d| format_duration_s(d.as_secs_f64()))
    };
    line(format!(
        "targets: RPO {}, RTO {}{} (met when {:.0}% of replications meet them)",
        target(s.targets.rpo),
        target(s.targets.rto),
        match s.targets.rto_from {
            crate::scenario::RtoClock::Outage => "",
            crate::scenario::RtoClock::FailoverStart => " from the failover's start",
        },
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

/// The steady-state capacity of each link (both ways) and process server,
/// and of the reprotect caps that come near: mean load against mean
/// capacity, and how often a replication draws it over (docs/model.md,
/// "Capacity"). Resources far below capacity are summed up in one line.
fn capacity_lines(s: &Scenario) -> Vec<String> {
    use crate::scenario::units::format_byte_rate;
    const DRAWN: u64 = 2_000;
    let drawn = s.simulation.replications.clamp(1, DRAWN);
    let loads = crate::cycle::capacity::resource_loads(s, drawn);
    let mut out = vec![format!(
        "capacity (steady state: mean churn against what carries it; over capacity, the lag grows without bound; over {} drawn replications):",
        drawn
    )];
    let mut quiet = 0;
    for l in &loads {
        let share = l.mean_load / l.mean_capacity.max(f64::MIN_POSITIVE);
        let is_cap = matches!(
            l.resource,
            crate::cycle::capacity::Resource::ReprotectCap(_)
        );
        if is_cap && share < 0.5 && l.over == 0 {
            quiet += 1;
            continue;
        }
        let over = if l.over == 0 {
            "never over capacity".to_string()
        } else {
            format!(
                "OVER CAPACITY in {} of {} replications ({})",
                l.over,
                l.drawn,
                crate::scenario::units::format_share(l.over as f64 / l.drawn as f64)
            )
        };
        out.push(format!(
            "  {}: {} VMs, mean churn {} ({}/day) on {} ({}/day), {:.0}%; {over}",
            l.resource.name(s),
            l.vms,
            format_byte_rate(l.mean_load),
            format_bytes(l.mean_load * 86_400.0),
            format_byte_rate(l.mean_capacity),
            format_bytes(l.mean_capacity * 86_400.0),
            share * 100.0,
        ));
    }
    if quiet > 0 {
        out.push(format!(
            "  {quiet} VMs' reprotect transfer caps: their mean churn under half the cap, never over capacity"
        ));
    }
    out
}

/// With `[recovery] capacity = "reserved"`: what the Capacity Reservation
/// costs a year, paid whether used or not (its VMs at their VM-hour prices,
/// all year); `None` with best-effort capacity.
pub fn reservation_sentence(s: &Scenario) -> Option<String> {
    if s.recovery.capacity != crate::scenario::RegionCapacity::Reserved {
        return None;
    }
    let per_hour: f64 = s.vms.iter().map(|v| v.azure_vm_hour).sum();
    let currency = if s.currency.is_empty() {
        String::new()
    } else {
        format!(" {}", s.currency)
    };
    Some(if per_hour > 0.0 {
        format!(
            "recovery capacity reserved for {} VMs (a Capacity Reservation: no creation fails for capacity): {:.0}{currency} a year at their VM-hour prices, paid whether used or not; the failovers' and drills' VM hours run on it",
            s.vms.len(),
            per_hour * 8_760.0
        )
    } else {
        format!(
            "recovery capacity reserved for {} VMs (a Capacity Reservation: no creation fails for capacity), paid all year whether used or not: set the VMs' prices (`azure_vm_hour`) to see its cost",
            s.vms.len()
        )
    })
}

/// The drill schedule and what it costs a year: each drill runs the covered
/// plans' VMs in Azure for its duration (ASR: "There will be compute charges
/// after the VM is created after the test failover", site-recovery-faq.yml).
pub fn drills_sentence(s: &Scenario) -> Option<String> {
    let d = s.drills.as_ref()?;
    let per_year = d.per_year();
    let covered: Vec<usize> = s
        .plans
        .iter()
        .filter(|p| d.covers(&p.id))
        .flat_map(|p| p.vms.iter().copied())
        .collect();
    let hours = d.duration.mean() / 3600.0 * per_year;
    let vm_hours = hours * covered.len() as f64;
    let cost: f64 = covered
        .iter()
        .map(|&v| s.vms[v].azure_vm_hour * hours)
        .sum();
    let cost = if cost > 0.0 {
        format!(
            ", {cost:.0}{} a year",
            if s.currency.is_empty() {
                String::new()
            } else {
                format!(" {}", s.currency)
            }
        )
    } else {
        String::new()
    };
    Some(format!(
        "drills (test failovers): every {}, {per_year:.1} a year, each running {} VMs in Azure for {}: {vm_hours:.0} Azure VM hours a year{cost}; a drill finds and fixes the latent faults present",
        d.every,
        covered.len(),
        d.duration,
    ))
}

/// An estate's plans in start order, and who runs them (docs/estate.md).
fn estate_line(s: &Scenario) -> String {
    let plans: Vec<String> = s
        .plan_order()
        .iter()
        .map(|&p| {
            let plan = &s.plans[p];
            let targets: Vec<String> = [("RPO", plan.rpo_target), ("RTO", plan.rto_target)]
                .iter()
                .filter_map(|(name, t)| {
                    t.map(|t| format!("{name} {}", format_duration_s(t.as_secs_f64())))
                })
                .collect();
            let site = if s.sites.primaries.len() > 1 {
                format!("at `{}`, ", s.plan_site(p).id)
            } else {
                String::new()
            };
            let windows = match &plan.failback_windows {
                Some(w) if w.is_empty() => ", fails back any time".to_string(),
                Some(w) => format!(", fails back in {} windows of its own", w.len()),
                None => String::new(),
            };
            format!(
                "`{}` ({site}priority {}, {} VMs in {} groups{}{windows})",
                plan.id,
                plan.priority,
                plan.vms.len(),
                plan.groups.len(),
                if targets.is_empty() {
                    String::new()
                } else {
                    format!(", {}", targets.join(", "))
                }
            )
        })
        .collect();
    let at_once =
        |n: Option<usize>| n.map_or_else(|| "all at once".to_string(), |n| format!("{n} at once"));
    let mut text = format!(
        "estate: {} recovery plans in start order: {}; failover {}, failback {}",
        s.plans.len(),
        plans.join(", "),
        at_once(s.recovery.concurrent_plans),
        at_once(s.failback.concurrent_plans)
    );
    if let Some(quota) = s.recovery.vcpu_quota {
        let _ = write!(text, "; vCPU quota {quota} for {} vCPUs", s.vcpus_needed());
    }
    text
}
