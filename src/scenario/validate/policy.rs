//! `[simulation]` and `[replication]`: the run's size and seed, and the
//! replication policy (recovery-point schedule, retention, history).

use super::*;
use crate::scenario::units::format_duration_s;

pub(super) fn check_simulation(c: &mut Checker<'_>, raw: Option<&RawSimulation>) -> Simulation {
    let p = KeyPath::root().key("simulation");
    let mut sim = Simulation {
        replications: 1000,
        seed: 1,
    };
    if let Some(raw) = raw {
        if let Some(n) = raw.replications {
            let max = crate::scenario::MAX_REPLICATIONS;
            if n < 1 {
                c.error(
                    p.key("replications"),
                    format!("must be at least 1, got {n}"),
                );
            } else if n as u64 > max {
                c.error(
                    p.key("replications"),
                    format!("must be at most {max} (a billion), got {n}"),
                );
            } else {
                sim.replications = n as u64;
            }
        }
        if let Some(seed) = raw.seed {
            if seed < 0 {
                c.error(p.key("seed"), format!("must not be negative, got {seed}"));
            } else {
                sim.seed = seed as u64;
            }
        }
    }
    sim
}

pub(super) fn check_policy(
    c: &mut Checker<'_>,
    raw: Option<&RawReplication>,
    kind: AsrScenario,
    architecture: Architecture,
) -> Option<ReplicationPolicy> {
    let p = KeyPath::root().key("replication");
    let empty = RawReplication {
        crash_consistent_interval: None,
        app_consistent_interval: None,
        retention: None,
        rpo_alert_threshold: None,
        processing_delay: None,
        history: None,
        recovery_point: None,
        keep_all_points_for: None,
        pruned_point_interval: None,
        process_servers: None,
        process_server_throughput: None,
        process_server_peak_throughput: None,
        process_server_cache: None,
        resync: None,
        office_hours: None,
    };
    let r = raw.unwrap_or(&empty);
    let crash = c.fixed_duration_or(
        &p.key("crash_consistent_interval"),
        r.crash_consistent_interval.as_ref(),
        300,
    )?;
    check_copy_frequency(c, &p.key("crash_consistent_interval"), kind, crash);
    let defaults = PolicyDefaults::for_kind(kind, architecture);
    let app = check_app_interval(
        c,
        &p.key("app_consistent_interval"),
        r.app_consistent_interval.as_ref(),
        defaults.app_consistent_s,
    );
    let retention = c.fixed_duration_or(
        &p.key("retention"),
        r.retention.as_ref(),
        defaults.retention_s,
    )?;
    // VMware/physical: the forward policy's default RPO threshold is 60 min
    // (vmware-azure-tutorial.md, "Create a replication policy"; 15 min is the
    // failback policy's). Hyper-V: none found, 15 min (estimate).
    let alert_default = if kind.is_vmware_or_physical() {
        3600
    } else {
        15 * 60
    };
    let alert = c.fixed_duration_or(
        &p.key("rpo_alert_threshold"),
        r.rpo_alert_threshold.as_ref(),
        alert_default,
    )?;
    // A retention of 0 keeps no point (failover to `latest` only): an hour of
    // history, an estimate, lets the lag build up.
    let history_default = retention
        .max(app.unwrap_or_default())
        .max(if retention.is_zero() {
            SimDuration::from_secs(3600)
        } else {
            SimDuration::ZERO
        })
        .as_millis()
        / 1000;
    let history = c.fixed_duration_or(&p.key("history"), r.history.as_ref(), history_default)?;
    let processing_delay = c.dist_or(
        &p.key("processing_delay"),
        r.processing_delay.as_ref(),
        Duration,
        0.0,
    )?;
    let recovery_point = match &r.recovery_point {
        None if retention.is_zero() => RecoveryPointChoice::Latest,
        None => RecoveryPointChoice::LatestProcessed,
        Some(name) => c.recovery_point(&p.key("recovery_point"), name)?,
    };
    if retention.is_zero() && recovery_point != RecoveryPointChoice::Latest {
        c.error(p.key("recovery_point"), super::plan::LATEST_ONLY);
    }
    let keep_all = c.fixed_duration_or(
        &p.key("keep_all_points_for"),
        r.keep_all_points_for.as_ref(),
        2 * 3600,
    )?;
    // One point an hour beyond the last two for a 1-day retention, one every
    // two hours for 2 to 15 days, and for 8 to 15 days one every four hours
    // past seven days (azure-to-azure-common-questions.md, "How does the
    // pruning of recovery points happen?").
    let pruned_default = if retention.as_secs_f64() <= 86_400.0 {
        3600
    } else {
        7200
    };
    let pruned_interval = c.fixed_duration_or(
        &p.key("pruned_point_interval"),
        r.pruned_point_interval.as_ref(),
        pruned_default,
    )?;
    if pruned_interval < crash {
        c.error(
            p.key("pruned_point_interval"),
            "pruning keeps fewer points than the schedule takes: must be at least `crash_consistent_interval`",
        );
    }
    for (key, value) in [
        ("crash_consistent_interval", crash),
        ("retention", retention),
    ] {
        // A retention of 0 is ASR's "only the latest point".
        if value < SimDuration::from_secs(1) && !(key == "retention" && value.is_zero()) {
            c.error(
                p.key(key),
                "must be at least 1s (a retention may be 0: only the latest point)",
            );
        }
    }
    if !retention.is_zero() && retention < crash {
        c.error(
            p.key("retention"),
            "retention is shorter than `crash_consistent_interval`, so a point would expire before the next is taken: must be at least the interval",
        );
    }
    match app {
        None if recovery_point == RecoveryPointChoice::LatestAppConsistent => c.error(
            p.key("recovery_point"),
            "app-consistent points are off in this policy (the modernized default): set `app_consistent_interval` (1h to 12h) or choose \"latest-processed\"",
        ),
        Some(app) if retention < app && recovery_point == RecoveryPointChoice::LatestAppConsistent => c.error(
            p.key("retention"),
            "retention is shorter than the app-consistent interval, so no app-consistent point would be kept",
        ),
        _ => {}
    }
    // "Up to 15 days of retention is supported" (vmware-azure-set-up-replication.md,
    // "Create a policy").
    if kind.is_vmware_or_physical() && retention > SimDuration::from_secs(15 * 86_400) {
        c.error(
            p.key("retention"),
            format!(
                "ASR keeps VMware/physical recovery points for at most 15 days (\"Up to 15 days of retention is supported\", vmware-azure-set-up-replication.md), got {}",
                format_duration_s(retention.as_secs_f64())
            ),
        );
    }
    if kind == AsrScenario::HyperV && retention > SimDuration::from_secs(24 * 3600) {
        c.warn(
            p.key("retention"),
            "ASR keeps at most 24 h of recovery points for Hyper-V VMs (hyper-v-azure-tutorial.md)",
        );
    }
    let resync_office_hours = check_resync_schedule(c, &p, r);
    Some(ReplicationPolicy {
        resync_office_hours,
        crash_consistent_interval: crash,
        app_consistent_interval: app,
        retention,
        rpo_alert_threshold: alert,
        processing_delay,
        history,
        recovery_point,
        keep_all_points_for: keep_all,
        pruned_point_interval: pruned_interval,
        coarse_pruning: (retention > SimDuration::from_secs(7 * 86_400)).then(|| {
            (
                SimDuration::from_secs(7 * 86_400),
                SimDuration::from_secs(4 * 3600).max(pruned_interval),
            )
        }),
    })
}

/// `resync` and `office_hours`: when a VM marked for resynchronisation starts
/// it. "By default resynchronization is scheduled to run automatically
/// outside office hours" (vmware-azure-architecture.md and
/// hyper-v-azure-architecture.md, "Resynchronization process"); ASR does not
/// say which hours: Monday to Friday 08:00-18:00 (estimate).
fn check_resync_schedule(
    c: &mut Checker<'_>,
    p: &KeyPath,
    r: &RawReplication,
) -> Vec<WeeklyWindow> {
    let office_hours = match &r.office_hours {
        Some(texts) => c.weekly_windows(&p.key("office_hours"), texts),
        None => WEEKDAYS[..5]
            .iter()
            .filter_map(|day| parse_weekly_window(&format!("{day} 08:00-18:00")).ok())
            .collect(),
    };
    match r.resync.as_deref() {
        None | Some("outside-office-hours") => office_hours,
        Some("immediate") => {
            if r.office_hours.is_some() {
                c.warn(
                    p.key("office_hours"),
                    "resync = \"immediate\" starts resyncs at once: the office hours are not used",
                );
            }
            Vec::new()
        }
        Some(other) => {
            c.one_of(
                &p.key("resync"),
                other,
                &["outside-office-hours", "immediate"],
                "resync schedule",
            );
            Vec::new()
        }
    }
}

/// What a replication policy holds when the file says nothing: each ASR
/// scenario's documented default policy (docs/model.md, defaults table).
struct PolicyDefaults {
    retention_s: i64,
    /// None: app-consistent points off.
    app_consistent_s: Option<i64>,
}

impl PolicyDefaults {
    fn for_kind(kind: AsrScenario, architecture: Architecture) -> PolicyDefaults {
        match (kind, architecture) {
            // "A default replication policy gets created under the vault with
            // 3 days recovery point retention and app-consistent recovery
            // points disabled by default"
            // (vmware-azure-set-up-replication-tutorial-modernized.md).
            (AsrScenario::Vmware | AsrScenario::Physical, Architecture::Modernized) => {
                PolicyDefaults {
                    retention_s: 3 * 86_400,
                    app_consistent_s: None,
                }
            }
            // Classic: app-consistent "the default of 60 minutes"
            // (vmware-azure-tutorial.md, "Create a replication policy"); its
            // retention is the user's choice there, 24 h as the failback
            // policy's (vmware-azure-reprotect.md).
            (AsrScenario::Vmware | AsrScenario::Physical, Architecture::Classic) => {
                PolicyDefaults {
                    retention_s: 86_400,
                    app_consistent_s: Some(3600),
                }
            }
            // Retention two hours, app-consistent every hour
            // (hyper-v-azure-tutorial.md, "Replication policy").
            (AsrScenario::HyperV, _) => PolicyDefaults {
                retention_s: 2 * 3600,
                app_consistent_s: Some(3600),
            },
        }
    }
}

/// `app_consistent_interval`: a duration, or `"off"` (also `"0s"`: ASR's
/// frequency 0) for no app-consistent points.
fn check_app_interval(
    c: &mut Checker<'_>,
    path: &KeyPath,
    value: Option<&toml::Value>,
    default_s: Option<i64>,
) -> Option<SimDuration> {
    let app = match value {
        None => return default_s.map(SimDuration::from_secs),
        Some(toml::Value::String(s)) if s.trim() == "off" => return None,
        Some(v) => c.fixed(path, v, Duration).map(SimDuration::from_secs_f64)?,
    };
    if app == SimDuration::ZERO {
        return None;
    }
    if app < SimDuration::from_secs(1) {
        c.error(path.clone(), "must be at least 1s, or \"off\"");
        return None;
    }
    if !(SimDuration::from_secs(3600)..=SimDuration::from_secs(12 * 3600)).contains(&app) {
        c.warn(
            path.clone(),
            "ASR takes app-consistent points every 1 to 12 hours",
        );
    }
    Some(app)
}

/// The crash-consistent interval each ASR scenario offers: Hyper-V's copy
/// frequency is 30 s, 5 min or 15 min (an error otherwise); VMware/physical
/// machines get a point every 5 min, not configurable (a warning: other values
/// remain useful for teaching and closed-form checks).
fn check_copy_frequency(
    c: &mut Checker<'_>,
    path: &KeyPath,
    kind: AsrScenario,
    interval: SimDuration,
) {
    let seconds = interval.as_millis() / 1000;
    match kind {
        AsrScenario::HyperV => {
            if interval.as_millis() % 1000 != 0 || !HYPER_V_COPY_FREQUENCIES_S.contains(&seconds) {
                c.error(
                    path.clone(),
                    format!(
                        "Hyper-V replication copies every 30 s, 5 min or 15 min (`\"30s\"`, `\"5m\"`, `\"15m\"`), not {interval}"
                    ),
                );
            }
        }
        AsrScenario::Vmware | AsrScenario::Physical => {
            if interval != SimDuration::from_secs(300) {
                c.warn(
                    path.clone(),
                    format!(
                        "ASR takes a crash-consistent point every 5 min for VMware/physical machines and does not let it be changed; {interval} is not what ASR would do"
                    ),
                );
            }
        }
    }
}
