//! Raw file structs -> `Scenario`: every rule checked, every problem located.
//!
//! Validation does not stop at the first problem: it collects all it can find so
//! an author fixes a file in one pass. Problems are recorded by key path and turned
//! into file/line/column diagnostics at the end.
//!
//! One file per section of the format, mirroring `raw.rs`: `checker` (where
//! problems are recorded, and the primitive checks), `policy` (`[simulation]`,
//! `[replication]`), `sites` (`[[site]]`, `[[link]]`), `plan` (`[[group]]`,
//! `[[vm]]`), `plans` (`[[plan]]`), `churn`, `outages` (`[[outage]]`), `recovery` (`[recovery]`,
//! `[reprotect]`, `[failback]`), `targets` and `warnings`. This file calls
//! them in the file's order and assembles the `Scenario`.

mod checker;
mod churn;
mod drills;
mod kind;
mod operations;
mod outages;
mod plan;
mod plans;
mod policy;
mod process_servers;
mod recovery;
mod sites;
mod targets;
mod warnings;

use super::distribution::Distribution;
use super::locate::{KeyPath, Locator};
use super::raw::*;
use super::units::QuantityKind::{self, Duration, Rate, Size, WriteRate};
use super::units::{WEEKDAYS, parse_weekday_time, parse_weekly_window};
use super::*;
use checker::Checker;
use drills::check_drills;
use kind::{check_architecture, check_kind};
use operations::check_operations;
use outages::{check_outages, cover_dwell_with_history, cover_faults_with_history};
use plan::{VmDefaults, check_plan};
use plans::check_plans;
use policy::{check_policy, check_simulation};
use recovery::{check_failback, check_recovery, check_reprotect};
use sites::{check_links, check_sites};
use targets::check_targets;
use warnings::{warn_churn_limits, warn_master_targets, warn_overloaded_links};

pub(super) fn validate(
    raw: RawScenario,
    source: &str,
    locator: &Locator<'_>,
) -> Result<Scenario, ScenarioError> {
    let mut c = Checker {
        source,
        locator,
        errors: Vec::new(),
        warnings: Vec::new(),
        replay_files: Vec::new(),
    };
    let root = KeyPath::root();

    let (name, description) = match &raw.scenario {
        Some(meta) => (meta.name.clone(), meta.description.clone()),
        None => (None, None),
    };
    let kind = check_kind(
        &mut c,
        raw.scenario.as_ref().and_then(|m| m.kind.as_deref()),
    );
    let architecture = check_architecture(
        &mut c,
        kind,
        raw.scenario
            .as_ref()
            .and_then(|m| m.architecture.as_deref()),
    );
    let name = name.unwrap_or_else(|| {
        Path::new(source)
            .file_stem()
            .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned())
    });

    let simulation = check_simulation(&mut c, raw.simulation.as_ref());
    let sites = check_sites(&mut c, &raw.site);
    let links = check_links(&mut c, &raw.link, sites.as_ref());
    let policy = check_policy(&mut c, raw.replication.as_ref(), kind, architecture);
    let recovery_key = |key: &str| root.key("recovery").key(key);
    let raw_recovery = raw.recovery.as_ref();
    let default_prepare = c.dist_or(
        &recovery_key("prepare_time"),
        raw_recovery.and_then(|r| r.prepare_time.as_ref()),
        Duration,
        0.0,
    );
    // Unset: each VM gets the processing ASR documents for its kind (plan.rs).
    let default_extra = raw_recovery
        .and_then(|r| r.extra_processing_time.as_ref())
        .map(|v| c.dist(&recovery_key("extra_processing_time"), v, Duration));
    let default_price = raw
        .cost
        .as_ref()
        .and_then(|c| c.azure_vm_hour)
        .unwrap_or(0.0);
    c.price(root.key("cost").key("azure_vm_hour"), default_price);
    // Faults before the outage lengthen the history; the VMs' churn is checked
    // against the history actually simulated.
    let (outage, faults) = check_outages(&mut c, &raw.outage, sites.as_ref(), links.as_ref());
    let mut policy = policy;
    if let (Some(policy), Some(faults)) = (policy.as_mut(), faults.as_ref()) {
        cover_faults_with_history(
            &mut c,
            policy,
            faults,
            raw.replication
                .as_ref()
                .is_some_and(|r| r.history.is_some()),
        );
    }
    if let (Some(policy), Some(outage)) = (policy.as_mut(), outage.as_ref()) {
        let explicit = raw
            .replication
            .as_ref()
            .is_some_and(|r| r.history.is_some());
        let at = raw.outage.iter().position(|o| o.kind == "ransomware");
        cover_dwell_with_history(&mut c, policy, outage, explicit, at.unwrap_or(0));
    }
    let vm_defaults = VmDefaults {
        kind,
        prepare_time: default_prepare.as_ref(),
        recovery_point: policy
            .as_ref()
            .map_or(RecoveryPointChoice::LatestProcessed, |p| p.recovery_point),
        app_points: policy
            .as_ref()
            .is_none_or(|p| p.app_consistent_interval.is_some()),
        latest_only: policy.as_ref().is_some_and(|p| p.retention.is_zero()),
        architecture,
        extra_processing_time: match &default_extra {
            None => plan::ExtraProcessing::Documented,
            Some(Some(d)) => plan::ExtraProcessing::Set(d),
            Some(None) => plan::ExtraProcessing::Invalid,
        },
        azure_vm_hour: default_price,
        history_s: policy.as_ref().map_or(0.0, |p| p.history.as_secs_f64()),
    };
    let (groups, mut vms, consistency_groups, entries) =
        check_plan(&mut c, &raw.group, &raw.vm, &links, &vm_defaults);
    let process_servers = match (&links, vms.as_mut()) {
        (Some(links), Some(vms)) => process_servers::check_process_servers(
            &mut c,
            kind,
            raw.replication.as_ref(),
            &raw.vm,
            links,
            vms,
            &entries,
        ),
        _ => None,
    };

    let recovery = check_recovery(&mut c, raw.recovery.as_ref());
    let reprotect = check_reprotect(&mut c, raw.reprotect.as_ref(), kind);
    // `[reprotect] disk_throughput`: every VM's that names none.
    let default_disk_throughput = raw
        .reprotect
        .as_ref()
        .and_then(|r| r.disk_throughput.as_ref())
        .and_then(|v| plan::positive_rate(&mut c, root.key("reprotect").key("disk_throughput"), v));
    if let (Some(vms), Some(rate)) = (vms.as_mut(), default_disk_throughput) {
        for (vm, &entry) in vms.iter_mut().zip(&entries) {
            if raw.vm[entry].disk_throughput.is_none() {
                vm.disk_throughput = Some(rate);
            }
        }
    }
    if let (Some(vms), Some(reprotect)) = (vms.as_ref(), reprotect.as_ref()) {
        warn_transfer_below_churn(&mut c, vms, &entries, &raw.vm, reprotect.transfer_fraction);
    }
    let failback = check_failback(
        &mut c,
        raw.failback.as_ref(),
        sites.as_ref(),
        kind,
        architecture,
    );
    let targets = check_targets(&mut c, raw.targets.as_ref());
    let drills = check_drills(&mut c, raw.drills.as_ref(), &raw.plan);
    let link_ids: Vec<String> = raw.link.iter().map(|l| l.id.clone()).collect();
    let operations = check_operations(&mut c, raw.operations.as_ref(), &raw.outage, &link_ids);
    let mut groups = groups;
    let plans = check_plans(
        &mut c,
        &raw.plan,
        &raw.group,
        groups.as_mut(),
        vms.as_mut(),
        &targets,
    );
    let plans = match (plans, &sites, &links, &vms) {
        (Some(plans), Some(sites), Some(links), Some(vms)) => {
            plans::place_plans(&mut c, &raw.plan, plans, sites, links, vms, &entries)
        }
        _ => None,
    };

    if let (Some(links), Some(vms)) = (&links, &vms) {
        warn_overloaded_links(&mut c, links, vms);
    }
    let master_targets = raw
        .failback
        .as_ref()
        .and_then(|f| f.master_targets)
        .unwrap_or(1);
    if master_targets < 1 {
        c.error(
            root.key("failback").key("master_targets"),
            format!("must be at least 1, got {master_targets}"),
        );
    } else {
        warn_master_targets(&mut c, kind, &raw.vm, master_targets);
    }

    let replay_clock = vms.iter().flatten().find_map(|vm| match &vm.churn {
        Churn::Replay(p) => Some(p.clone()),
        _ => None,
    });
    let assembled = (|| {
        Some(Scenario {
            source: source.to_string(),
            effective_sha256: String::new(),
            name,
            kind,
            architecture,
            description: description.unwrap_or_default(),
            simulation,
            sites: sites?,
            links: links?,
            policy: policy?,
            groups: groups?,
            start_order: super::plans::start_order(plans.as_ref()?),
            plans: plans?,
            vms: vms?,
            outage: outage?,
            replay_clock,
            faults: faults?,
            consistency_groups: consistency_groups?,
            process_servers: process_servers?,
            recovery: recovery?,
            reprotect: reprotect?,
            failback: failback?,
            drills: drills?,
            operations: operations?,
            targets,
            currency: raw
                .cost
                .as_ref()
                .and_then(|c| c.currency.clone())
                .unwrap_or_default(),
            spared: Vec::new(),
            warnings: Vec::new(),
        })
    })();
    let mut assembled = assembled;
    if let Some(scenario) = assembled.as_mut() {
        plans::keep_plans_hit(&mut c, scenario);
    }
    if let Some(scenario) = &assembled {
        check_must_finish(&mut c, scenario);
        check_churn_events(&mut c, scenario, &raw.vm);
        if let Some(quota) = scenario.recovery.vcpu_quota {
            let needed = scenario.vcpus_needed();
            if needed > quota {
                c.warn(
                    root.key("recovery").key("vcpu_quota"),
                    format!(
                        "the VMs need {needed} vCPUs in the recovery region, more than the quota of {quota}: the VMs that ask last are not created and their plans cannot complete; raise the quota (a support request to Azure) or protect fewer VMs"
                    ),
                );
            }
        }
    }
    match assembled {
        Some(mut scenario) if c.errors.is_empty() => {
            scenario.warnings = c.diagnostics(&c.warnings);
            Ok(scenario)
        }
        _ => {
            if c.errors.is_empty() {
                // Every `None` above records an error; this guards the invariant.
                c.error(root, "the scenario is incomplete");
            }
            Err(ScenarioError::Invalid {
                diagnostics: c.diagnostics(&c.errors),
            })
        }
    }
}

/// The churn events a replication draws before the outage, expected, must
/// stay within [`MAX_CHURN_EVENTS`]: a scenario that validates finishes in
/// seconds, well before the runaway guard. The VM whose churn makes the most
/// events is named.
fn check_churn_events(c: &mut Checker<'_>, s: &Scenario, raw: &[RawVm]) {
    let history = s.policy.history.as_secs_f64();
    let per_vm: Vec<f64> = s
        .vms
        .iter()
        .map(|vm| vm.churn.events_per_second() * history)
        .collect();
    let total: f64 = per_vm.iter().sum();
    let allowed = MAX_CHURN_EVENTS as f64;
    if total <= allowed {
        return;
    }
    let (worst, _) =
        per_vm.iter().enumerate().fold(
            (0, 0.0),
            |best, (i, &n)| if n > best.1 { (i, n) } else { best },
        );
    // The file's [[vm]] of the worst expanded VM.
    let vm = &s.vms[worst];
    let mut expanded = 0;
    let index = raw
        .iter()
        .position(|v| {
            expanded += v.count.unwrap_or(1).max(1) as usize;
            worst < expanded
        })
        .unwrap_or(0);
    c.error(
        KeyPath::root().key("vm").index(index).key("churn"),
        format!(
            "the VMs' churn makes about {:.0} million events in the {} of history before the outage (`{}` alone {:.0} million), past the {:.0} million drsim simulates in one replication (docs/model.md, \"Limits\"); frequent small writes are better written as a rate, e.g. churn = \"{}\"",
            total / 1e6,
            super::units::format_duration_s(history),
            vm.id,
            per_vm[worst] / 1e6,
            allowed / 1e6,
            super::units::format_byte_rate(vm.churn.mean_rate())
        ),
    );
}

/// A reprotect whose transfer cap is below the VM's mean writes never
/// catches up: said once per `[[vm]]` entry.
fn warn_transfer_below_churn(
    c: &mut Checker<'_>,
    vms: &[Vm],
    entries: &[usize],
    raw_vms: &[RawVm],
    fraction: f64,
) {
    let mut warned = std::collections::BTreeSet::new();
    for (vm, &entry) in vms.iter().zip(entries) {
        let Some(throughput) = vm.disk_throughput else {
            continue;
        };
        let cap = throughput * fraction;
        let churn = vm.churn.mean_rate();
        if churn >= cap && warned.insert(entry) {
            let key = if raw_vms[entry].disk_throughput.is_some() {
                KeyPath::root()
                    .key("vm")
                    .index(entry)
                    .key("disk_throughput")
            } else {
                KeyPath::root().key("reprotect").key("disk_throughput")
            };
            c.warn(
                key,
                format!(
                    "`{}` writes {} on average, at least its reprotect transfer cap ({} of the disk's {}): its reprotect would never catch up",
                    vm.id,
                    units::format_byte_rate(churn),
                    fraction,
                    units::format_byte_rate(throughput)
                ),
            );
        }
    }
}

/// `[failback] must_finish` needs windows, and each plan's estimated failback
/// downtime should fit in at least one of its windows.
fn check_must_finish(c: &mut Checker<'_>, s: &Scenario) {
    if !s.failback.must_finish {
        return;
    }
    let key = KeyPath::root().key("failback").key("must_finish");
    if (0..s.plans.len()).all(|p| s.failback_windows(p).is_empty()) {
        c.error(
            key,
            "must_finish fits the failback into a window: set `windows` (or a plan's `failback_windows`), or leave it out",
        );
        return;
    }
    for (p, plan) in s.plans.iter().enumerate() {
        let windows = s.failback_windows(p);
        let need = s.failback_estimate(p);
        if !windows.is_empty() && windows.iter().all(|w| w.length < need) {
            c.warn(
                key.clone(),
                format!(
                    "{}the estimated failback downtime ({}) is longer than every failback window: it starts at a window's opening and runs past its end",
                    if s.is_estate() { format!("plan `{}`: ", plan.id) } else { String::new() },
                    crate::scenario::units::format_duration_short(need.as_secs_f64())
                ),
            );
        }
    }
}
