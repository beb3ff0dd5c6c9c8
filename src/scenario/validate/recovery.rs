//! `[recovery]`, `[reprotect]` and `[failback]`: how the team and ASR fail over,
//! reprotect and fail back.

use toml::Value;

use crate::scenario::units::SIMULATION_HORIZON;

use super::*;

impl Checker<'_> {
    /// An optional count that must be at least 1: `Some(None)` when unset,
    /// `None` after recording the error.
    pub(super) fn at_least_one(
        &mut self,
        key: &KeyPath,
        value: Option<i64>,
    ) -> Option<Option<usize>> {
        match value {
            Some(n) if n >= 1 => Some(Some(n as usize)),
            Some(n) => {
                self.error(key.clone(), format!("must be at least 1, got {n}"));
                None
            }
            None => Some(None),
        }
    }
}

/// `[recovery]`: detection and decision delays, the ride-out rule, disk
/// preparation, capacity in the recovery region and failed attempts.
pub(super) fn check_recovery(c: &mut Checker<'_>, raw: Option<&RawRecovery>) -> Option<Recovery> {
    match raw {
        None => {
            c.error(
                KeyPath::root().key("recovery"),
                "missing table [recovery]: it needs `detection_delay` and `decision_delay` (durations or distributions)",
            );
            None
        }
        Some(r) => {
            let p = KeyPath::root().key("recovery");
            let detection_delay = c.dist(&p.key("detection_delay"), &r.detection_delay, Duration);
            let decision_delay = c.dist(&p.key("decision_delay"), &r.decision_delay, Duration);
            let declare_if = match &r.declare_if_expected_longer_than {
                Some(v) => c
                    .fixed(&p.key("declare_if_expected_longer_than"), v, Duration)
                    .map(|s| Some(SimDuration::from_secs_f64(s))),
                None => Some(None),
            };
            let prepare_throughput = match &r.prepare_throughput {
                Some(v) => c
                    .positive_dist(&p.key("prepare_throughput"), v, WriteRate)
                    .map(Some),
                None => Some(None),
            };
            let estimate_error = r.estimate_error.unwrap_or(1.0);
            if !(1.0..=100.0).contains(&estimate_error) {
                c.error(
                    p.key("estimate_error"),
                    format!("must be between 1 (exact estimates) and 100 (the p95 of estimate/actual), got {estimate_error}"),
                );
            }
            let max_concurrent = c.at_least_one(
                &p.key("max_concurrent_failovers"),
                r.max_concurrent_failovers,
            );
            let concurrent_plans = c.at_least_one(&p.key("concurrent_plans"), r.concurrent_plans);
            let vcpu_quota = c
                .at_least_one(&p.key("vcpu_quota"), r.vcpu_quota)
                .map(|q| q.map(|q| q as u64));
            let allocation_failure_probability = c.probability_below_one(
                &p.key("allocation_failure_probability"),
                r.allocation_failure_probability,
            );
            let capacity = match r.capacity.as_deref() {
                None => Some(RegionCapacity::BestEffort),
                Some(name) => c
                    .one_of(
                        &p.key("capacity"),
                        name,
                        &RegionCapacity::NAMES,
                        "recovery capacity",
                    )
                    .map(|n| {
                        if n == "reserved" {
                            RegionCapacity::Reserved
                        } else {
                            RegionCapacity::BestEffort
                        }
                    }),
            };
            // Reserved capacity is earmarked: a creation cannot fail for it.
            if capacity == Some(RegionCapacity::Reserved) && allocation_failure_probability > 0.0 {
                c.error(
                    p.key("allocation_failure_probability"),
                    "with `capacity = \"reserved\"` the VMs' capacity is earmarked (a Capacity Reservation): a creation cannot fail for lack of it; remove the key or use capacity = \"best-effort\"",
                );
            }
            let vm_failure_probability =
                c.probability_below_one(&p.key("vm_failure_probability"), r.vm_failure_probability);
            let allocation_retry_delay = c.dist_or(
                &p.key("allocation_retry_delay"),
                r.allocation_retry_delay.as_ref(),
                Duration,
                600.0,
            );
            let vm_retry_delay = c.dist_or(
                &p.key("vm_retry_delay"),
                r.vm_retry_delay.as_ref(),
                Duration,
                600.0,
            );
            // ASR: verify the VMs in Azure, then commit (failover-failback-
            // overview.md, "Failover"); no duration is published.
            let commit_time = match &r.commit_time {
                Some(v) => c.dist(&p.key("commit_time"), v, Duration),
                None => uniform_minutes(10, 30),
            };
            (|| {
                Some(Recovery {
                    commit_time: commit_time?,
                    detection_delay: detection_delay?,
                    decision_delay: decision_delay?,
                    prepare_throughput: prepare_throughput?,
                    declare_if_expected_longer_than: declare_if?,
                    estimate_error,
                    max_concurrent_failovers: max_concurrent?,
                    concurrent_plans: concurrent_plans?,
                    vcpu_quota: vcpu_quota?,
                    allocation_failure_probability,
                    capacity: capacity?,
                    allocation_retry_delay: allocation_retry_delay?,
                    vm_failure_probability,
                    vm_retry_delay: vm_retry_delay?,
                })
            })()
        }
    }
}

pub(super) fn check_reprotect(
    c: &mut Checker<'_>,
    raw: Option<&RawReprotect>,
    kind: AsrScenario,
) -> Option<Reprotect> {
    let p = KeyPath::root().key("reprotect");
    let empty = RawReprotect {
        operator_delay: None,
        checksum_throughput: None,
        processing_fraction: None,
        autoscale_overhead: None,
        primary_data_lost_probability: None,
        delta: None,
        agent_registration: None,
        transfer_fraction: None,
        disk_throughput: None,
    };
    let r = raw.unwrap_or(&empty);
    let operator_delay = c.dist_or(
        &p.key("operator_delay"),
        r.operator_delay.as_ref(),
        Duration,
        0.0,
    );
    let checksum_throughput = match &r.checksum_throughput {
        Some(v) => c.positive_dist(&p.key("checksum_throughput"), v, WriteRate),
        // ASR: checksum runs at about 45 MB/s on standard disks.
        None => Some(Distribution::fixed(WriteRate, 45e6)),
    };
    let autoscale_overhead = match &r.autoscale_overhead {
        Some(v) => c.dist(&p.key("autoscale_overhead"), v, Duration),
        None => uniform_minutes(20, 30),
    };
    let processing_fraction = r.processing_fraction.unwrap_or(0.2);
    if !(0.0..=10.0).contains(&processing_fraction) {
        c.error(
            p.key("processing_fraction"),
            format!(
                "must be between 0 and 10 (ASR documents about 0.2), got {processing_fraction}"
            ),
        );
    }
    let primary_data_lost_probability = c.probability(
        &p.key("primary_data_lost_probability"),
        r.primary_data_lost_probability,
        0.0,
    );
    let delta = match r.delta.as_deref() {
        None => Some(DeltaModel::ChangedBlocks),
        Some(name) => c
            .one_of(&p.key("delta"), name, &DeltaModel::NAMES, "delta model")
            .and_then(DeltaModel::from_name),
    };
    // VMware/physical: "it takes some time for the agent to register back to
    // the configuration server (up to 15 minutes)" (vmware-azure-reprotect.md,
    // "Enable reprotection"): uniform over that range. Hyper-V documents none.
    let agent_registration = match (&r.agent_registration, kind) {
        (Some(v), _) => c.dist(&p.key("agent_registration"), v, Duration),
        (None, AsrScenario::Vmware | AsrScenario::Physical) => uniform_minutes(0, 15),
        (None, AsrScenario::HyperV) => Some(Distribution::fixed(Duration, 0.0)),
    };
    // "Checksum differential data transfer happens at approximately 23% of
    // disk throughput" (azure-to-azure-how-to-reprotect.md, "Estimated time
    // to do the reprotection"; an earlier revision said 16%).
    let transfer_fraction = r.transfer_fraction.unwrap_or(0.23);
    if !(transfer_fraction > 0.0 && transfer_fraction <= 1.0) {
        c.error(
            p.key("transfer_fraction"),
            format!(
                "a fraction of the disk's throughput: above 0 and at most 1 (ASR documents about 0.16 to 0.23), got {transfer_fraction}"
            ),
        );
    }
    Some(Reprotect {
        transfer_fraction,
        agent_registration: agent_registration?,
        delta: delta?,
        operator_delay: operator_delay?,
        checksum_throughput: checksum_throughput?,
        processing_fraction,
        autoscale_overhead: autoscale_overhead?,
        primary_data_lost_probability,
    })
}

pub(super) fn check_failback(
    c: &mut Checker<'_>,
    raw: Option<&RawFailback>,
    sites: Option<&Sites>,
    kind: AsrScenario,
    architecture: Architecture,
) -> Option<Failback> {
    let p = KeyPath::root().key("failback");
    let empty = RawFailback {
        wait: None,
        minimum_stay: None,
        windows: None,
        location: None,
        shutdown_time: None,
        final_sync_overhead: None,
        master_targets: None,
        hyper_v_sync: None,
        recovery_point: None,
        failure_probability: None,
        cancel_time: None,
        infrastructure_rebuild: None,
        concurrent_plans: None,
        must_finish: None,
    };
    let r = raw.unwrap_or(&empty);
    let wait = c.dist_or(&p.key("wait"), r.wait.as_ref(), Duration, 0.0);
    let minimum_stay = c.fixed_duration_or(&p.key("minimum_stay"), r.minimum_stay.as_ref(), 0);
    let shutdown_time = c.dist_or(
        &p.key("shutdown_time"),
        r.shutdown_time.as_ref(),
        Duration,
        0.0,
    );
    let final_sync_overhead = c.dist_or(
        &p.key("final_sync_overhead"),
        r.final_sync_overhead.as_ref(),
        Duration,
        0.0,
    );
    // A failback that cannot start within the horizon can never close a
    // cycle: every replication would be cut before stage 3.
    let earliest_failback = minimum_stay.map_or(0.0, |d| d.as_secs_f64())
        + wait.as_ref().map_or(0.0, |w| w.lower_bound().max(0.0));
    if earliest_failback >= SIMULATION_HORIZON.as_secs_f64() {
        let key = match minimum_stay {
            Some(stay) if stay.as_secs_f64() >= wait.as_ref().map_or(0.0, |w| w.lower_bound()) => {
                "minimum_stay"
            }
            _ => "wait",
        };
        c.error(
            p.key(key),
            format!(
                "failback could start no earlier than {:.0} days after the failover (`wait` plus `minimum_stay`), past the {}-day horizon at which drsim ends a cycle: no cycle could close; shorten it",
                earliest_failback / 86_400.0,
                SIMULATION_HORIZON.as_secs_f64() / 86_400.0
            ),
        );
    }
    let windows = c.weekly_windows(&p.key("windows"), r.windows.as_deref().unwrap_or_default());
    let location = match r.location.as_deref() {
        None | Some("original") => Some(FailbackLocation::Original),
        Some(other) => {
            match c.one_of(
                &p.key("location"),
                other,
                &["original", "alternate"],
                "failback location",
            ) {
                Some(_) if sites.is_some_and(|s| s.alternate.is_none()) => {
                    c.error(p.key("location"), "failback to an alternate location needs a [[site]] with role = \"alternate\"");
                    None
                }
                Some(_) => Some(FailbackLocation::Alternate),
                None => None,
            }
        }
    };
    let mode = failback_mode(c, r, kind, architecture);
    let failure_probability =
        c.probability_below_one(&p.key("failure_probability"), r.failure_probability);
    let cancellable = kind.is_vmware_or_physical() && architecture == Architecture::Modernized;
    if failure_probability > 0.0 && !cancellable {
        c.error(
            p.key("failure_probability"),
            "only the modernized architecture's failback (VMware/physical) can be cancelled and retried (vmware-azure-tutorial-failover-failback-modernized.md, \"Cancel planned failover\": \"In Classic architecture, you cannot cancel and retry the failback\"); leave it out",
        );
    }
    // ASR reverts the changes, restores the disks from their snapshots,
    // reattaches them and the Azure VMs run again; it publishes no duration:
    // uniform 20 to 40 min (estimate: a snapshot restore and a boot).
    let cancel_time = match &r.cancel_time {
        Some(v) => c.dist(&p.key("cancel_time"), v, Duration),
        None => uniform_minutes(20, 40),
    };
    // A destroyed site has lost what failback needs on-premises. Classic: the
    // original configuration server ("restore the server with the original
    // IP address"), a process server in Azure and a master target
    // (vmware-azure-failback.md, prerequisites); modernized: a replication
    // appliance deployed and registered again. ASR publishes no durations:
    // estimates, 1 to 3 days classic, 4 h to 1 day modernized. A Hyper-V
    // host is the site itself: nothing more.
    let infrastructure_rebuild = match &r.infrastructure_rebuild {
        Some(v) => c.dist(&p.key("infrastructure_rebuild"), v, Duration),
        None => match (kind.is_vmware_or_physical(), architecture) {
            (false, _) => Some(Distribution::fixed(Duration, 0.0)),
            (true, Architecture::Classic) => uniform_minutes(24 * 60, 3 * 24 * 60),
            (true, Architecture::Modernized) => uniform_minutes(4 * 60, 24 * 60),
        },
    };
    let concurrent_plans = c.at_least_one(&p.key("concurrent_plans"), r.concurrent_plans)?;
    Some(Failback {
        infrastructure_rebuild: infrastructure_rebuild?,
        must_finish: r.must_finish.unwrap_or(false),
        concurrent_plans,
        failure_probability,
        cancel_time: cancel_time?,
        wait: wait?,
        minimum_stay: minimum_stay?,
        windows,
        location: location?,
        shutdown_time: shutdown_time?,
        final_sync_overhead: final_sync_overhead?,
        mode: mode?,
    })
}

/// How failback runs: by kind and architecture, with the choices each offers
/// (`hyper_v_sync` for Hyper-V, `recovery_point` for classic); a key that
/// does not apply is refused.
fn failback_mode(
    c: &mut Checker<'_>,
    r: &RawFailback,
    kind: AsrScenario,
    architecture: Architecture,
) -> Option<FailbackMode> {
    let p = KeyPath::root().key("failback");
    let hyper_v = kind == AsrScenario::HyperV;
    let classic = kind.is_vmware_or_physical() && architecture == Architecture::Classic;
    if let (Some(_), false) = (&r.hyper_v_sync, hyper_v) {
        c.error(
            p.key("hyper_v_sync"),
            "applies to kind = \"hyper-v\" (VMware and physical failback reprotects first); remove it",
        );
        return None;
    }
    if let (Some(_), false) = (&r.recovery_point, classic) {
        c.error(
            p.key("recovery_point"),
            "applies to architecture = \"classic\", whose failback is an unplanned failover to a chosen point; a planned failover (modernized, Hyper-V) syncs every write: remove it",
        );
        return None;
    }
    if hyper_v {
        return match r.hyper_v_sync.as_deref() {
            None | Some("before-failover") => Some(FailbackMode::HyperVSyncBefore),
            Some(other) => c
                .one_of(
                    &p.key("hyper_v_sync"),
                    other,
                    &["before-failover", "during-failover"],
                    "Hyper-V failback sync",
                )
                .map(|_| FailbackMode::HyperVDownload),
        };
    }
    if classic {
        return match r.recovery_point.as_deref() {
            None | Some("latest-processed") => {
                Some(FailbackMode::ClassicToPoint(FailbackPoint::LatestProcessed))
            }
            Some(other) => c
                .one_of(
                    &p.key("recovery_point"),
                    other,
                    &["latest-processed", "latest-app-consistent"],
                    "failback recovery point",
                )
                .map(|_| FailbackMode::ClassicToPoint(FailbackPoint::LatestAppConsistent)),
        };
    }
    Some(FailbackMode::Planned)
}

/// A uniform duration between two whole numbers of minutes.
pub(super) fn uniform_minutes(min: u32, max: u32) -> Option<Distribution> {
    Distribution::from_value(
        &Value::Table(
            [
                ("dist", "uniform".to_string()),
                ("min", format!("{min}m")),
                ("max", format!("{max}m")),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect(),
        ),
        Duration,
    )
    .ok()
}
