//! Raw file structs -> `Scenario`: every rule checked, every problem located.
//!
//! Validation does not stop at the first problem: it collects all it can find so
//! an author fixes a file in one pass. Problems are recorded by key path and turned
//! into file/line/column diagnostics at the end.

use std::collections::BTreeSet;

use toml::Value;

use super::distribution::Distribution;
use super::locate::{KeyPath, Locator};
use super::raw::*;
use super::units::QuantityKind::{self, Duration, Rate, Size, WriteRate};
use super::*;

/// ASR limits a recovery plan to 7 groups and 100 VMs.
const MAX_GROUPS: usize = 7;
const MAX_PLAN_VMS: usize = 100;
const SITE_ROLES: [&str; 3] = ["primary", "recovery", "alternate"];
const OUTAGE_KINDS: [&str; 4] = ["site", "link-down", "link-degraded", "target-slowdown"];
const CHURN_PROCESSES: [&str; 5] = ["constant", "piecewise", "on-off", "daily", "bursts"];
/// ASR: a multi-VM consistency group holds at most 16 VMs.
const MAX_CONSISTENCY_GROUP_VMS: usize = 16;
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

struct Checker<'a> {
    source: &'a str,
    locator: &'a Locator<'a>,
    errors: Vec<(KeyPath, String)>,
    warnings: Vec<(KeyPath, String)>,
}

impl Checker<'_> {
    fn error(&mut self, path: KeyPath, message: impl Into<String>) {
        self.errors.push((path, message.into()));
    }

    fn warn(&mut self, path: KeyPath, message: impl Into<String>) {
        self.warnings.push((path, message.into()));
    }

    fn diagnostics(&self, items: &[(KeyPath, String)]) -> Vec<Diagnostic> {
        items
            .iter()
            .map(|(path, message)| {
                let (line, column) = self.locator.position(path);
                Diagnostic {
                    file: self.source.to_string(),
                    line,
                    column,
                    key: path.to_string(),
                    message: message.clone(),
                }
            })
            .collect()
    }

    /// A distribution of `kind`, or `None` after recording why not.
    fn dist(&mut self, path: &KeyPath, value: &Value, kind: QuantityKind) -> Option<Distribution> {
        match Distribution::from_value(value, kind) {
            Ok(d) => Some(d),
            Err(e) => {
                let at = match &e.parameter {
                    Some(p) => path.key(p),
                    None => path.clone(),
                };
                self.error(at, e.message);
                None
            }
        }
    }

    fn dist_or(
        &mut self,
        path: &KeyPath,
        value: Option<&Value>,
        kind: QuantityKind,
        default: f64,
    ) -> Option<Distribution> {
        match value {
            Some(v) => self.dist(path, v, kind),
            None => Some(Distribution::fixed(kind, default)),
        }
    }

    /// A distribution that can never produce zero (bandwidths, throughputs).
    fn positive_dist(
        &mut self,
        path: &KeyPath,
        value: &Value,
        kind: QuantityKind,
    ) -> Option<Distribution> {
        let d = self.dist(path, value, kind)?;
        if d.can_reach_zero() {
            self.error(
                path.clone(),
                format!(
                    "must stay above zero; use a fixed value, or a uniform, triangular, lognormal or empirical distribution with a positive minimum (got {d})"
                ),
            );
            return None;
        }
        Some(d)
    }

    /// A single fixed quantity (no distribution), e.g. a policy interval.
    fn fixed(&mut self, path: &KeyPath, value: &Value, kind: QuantityKind) -> Option<f64> {
        match value {
            Value::String(text) => match kind.parse(text) {
                Ok(v) => Some(v),
                Err(m) => {
                    self.error(path.clone(), m);
                    None
                }
            },
            _ => {
                self.error(
                    path.clone(),
                    format!(
                        "must be a single {kind} written as a string, such as {}",
                        kind.example()
                    ),
                );
                None
            }
        }
    }

    fn fixed_duration_or(
        &mut self,
        path: &KeyPath,
        value: Option<&Value>,
        default_s: i64,
    ) -> Option<SimDuration> {
        match value {
            None => Some(SimDuration::from_secs(default_s)),
            Some(v) => self
                .fixed(path, v, Duration)
                .map(SimDuration::from_secs_f64),
        }
    }

    fn one_of<'s>(
        &mut self,
        path: &KeyPath,
        value: &str,
        valid: &[&'s str],
        what: &str,
    ) -> Option<&'s str> {
        if let Some(v) = valid.iter().find(|v| **v == value) {
            return Some(v);
        }
        let hint = suggest(value, valid.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        self.error(
            path.clone(),
            format!(
                "unknown {what} `{value}`{hint}; valid: {}",
                valid.join(", ")
            ),
        );
        None
    }

    /// Resolves a reference by id, with a suggestion when it is a typo.
    fn reference(&mut self, path: &KeyPath, id: &str, ids: &[String], what: &str) -> Option<usize> {
        if let Some(i) = ids.iter().position(|x| x == id) {
            return Some(i);
        }
        let hint = suggest(id, ids.iter().map(String::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        self.error(
            path.clone(),
            format!("no {what} has id `{id}`{hint}; defined: {}", ids.join(", ")),
        );
        None
    }

    fn unique_ids<'i>(&mut self, section: &str, ids: impl Iterator<Item = &'i str>) {
        let mut seen = BTreeSet::new();
        for (i, id) in ids.enumerate() {
            let path = KeyPath::root().key(section).index(i).key("id");
            if id.trim().is_empty() {
                self.error(path, "an id must not be empty");
            } else if !seen.insert(id) {
                self.error(
                    path,
                    format!("duplicate id `{id}`: every [[{section}]] needs its own"),
                );
            }
        }
    }

    /// A churn value: a rate distribution (constant per replication), or a table
    /// with `process` naming a churn process.
    fn churn(&mut self, path: &KeyPath, value: &Value) -> Option<Churn> {
        let table = match value {
            Value::Table(t) if t.contains_key("process") => t,
            _ => return self.dist(path, value, WriteRate).map(Churn::Constant),
        };
        let Some(Value::String(name)) = table.get("process") else {
            self.error(path.key("process"), "`process` must be a string");
            return None;
        };
        let name = self.one_of(
            &path.key("process"),
            name,
            &CHURN_PROCESSES,
            "churn process",
        )?;
        let allowed: &[&str] = match name {
            "constant" => &["rate"],
            "piecewise" => &["rate", "every"],
            "on-off" => &["on_rate", "off_rate", "on_time", "off_time"],
            "daily" => &["profile"],
            _ => &["per_hour", "size"],
        };
        let mut ok = true;
        for key in table.keys().filter(|k| *k != "process") {
            if !allowed.contains(&key.as_str()) {
                let hint = suggest(key, allowed.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                self.error(
                    path.key(key),
                    format!(
                        "a `{name}` churn process does not take `{key}`{hint}; it takes: {}",
                        allowed.join(", ")
                    ),
                );
                ok = false;
            }
        }
        for key in allowed {
            if !table.contains_key(*key) {
                self.error(
                    path.clone(),
                    format!(
                        "a `{name}` churn process needs `{key}` (it takes: {})",
                        allowed.join(", ")
                    ),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let rate = |c: &mut Self, key: &str| c.dist(&path.key(key), &table[key], WriteRate);
        // Holding times may come close to zero (exponential holds are the textbook
        // Markov-modulated model); the simulation lengthens them to at least 1 s.
        let hold = |c: &mut Self, key: &str| c.dist(&path.key(key), &table[key], Duration);
        match name {
            "constant" => rate(self, "rate").map(Churn::Constant),
            "piecewise" => {
                let r = rate(self, "rate");
                let every = hold(self, "every");
                Some(Churn::Piecewise {
                    rate: r?,
                    every: every?,
                })
            }
            "on-off" => {
                let on_rate = rate(self, "on_rate");
                let off_rate = rate(self, "off_rate");
                let on_time = hold(self, "on_time");
                let off_time = hold(self, "off_time");
                Some(Churn::OnOff {
                    on_rate: on_rate?,
                    off_rate: off_rate?,
                    on_time: on_time?,
                    off_time: off_time?,
                })
            }
            "daily" => {
                let bad = |c: &mut Self| {
                    c.error(
                        path.key("profile"),
                        format!(
                            "`profile` must list 24 rates, one per hour from 00:00, such as {}",
                            WriteRate.example()
                        ),
                    );
                    None
                };
                let Value::Array(items) = &table["profile"] else {
                    return bad(self);
                };
                if items.len() != 24 {
                    return bad(self);
                }
                let mut profile = Vec::with_capacity(24);
                for (h, item) in items.iter().enumerate() {
                    profile.push(self.fixed(&path.key("profile").index(h), item, WriteRate)?);
                }
                Some(Churn::Daily { profile })
            }
            _ => {
                let per_hour = match &table["per_hour"] {
                    Value::Integer(n) => *n as f64,
                    Value::Float(x) => *x,
                    _ => f64::NAN,
                };
                if !(per_hour > 0.0 && per_hour <= 3_600_000.0) {
                    self.error(path.key("per_hour"), "`per_hour` must be a number of bursts per hour, above 0 and at most 3600000");
                    return None;
                }
                let size = self.dist(&path.key("size"), &table["size"], Size)?;
                Some(Churn::Bursts { per_hour, size })
            }
        }
    }

    fn recovery_point(&mut self, path: &KeyPath, name: &str) -> Option<RecoveryPointChoice> {
        self.one_of(
            path,
            name,
            &RecoveryPointChoice::NAMES,
            "recovery-point choice",
        )
        .and_then(RecoveryPointChoice::from_name)
    }

    /// A probability of failure per attempt: below 1, or retries would never end.
    fn probability_below_one(&mut self, path: &KeyPath, value: Option<f64>) -> f64 {
        let p = value.unwrap_or(0.0);
        if !(0.0..1.0).contains(&p) {
            self.error(
                path.clone(),
                format!("must be at least 0 and below 1 (failed attempts are retried), got {p}"),
            );
            return 0.0;
        }
        p
    }

    fn steps(&mut self, path: &KeyPath, raw: &[RawStep]) -> Option<Vec<Step>> {
        let mut steps = Vec::with_capacity(raw.len());
        let mut ok = true;
        for (i, r) in raw.iter().enumerate() {
            let at = path.index(i);
            let kind = match r.kind.as_deref() {
                None | Some("script") => Some(StepKind::Script),
                Some(other) => self
                    .one_of(&at.key("kind"), other, &["script", "manual"], "step kind")
                    .map(|k| {
                        if k == "manual" {
                            StepKind::Manual
                        } else {
                            StepKind::Script
                        }
                    }),
            };
            let duration = self.dist(&at.key("duration"), &r.duration, Duration);
            let failure_probability =
                self.probability_below_one(&at.key("failure_probability"), r.failure_probability);
            let retry_delay = self.dist_or(
                &at.key("retry_delay"),
                r.retry_delay.as_ref(),
                Duration,
                0.0,
            );
            match (kind, duration, retry_delay) {
                (Some(kind), Some(duration), Some(retry_delay)) => steps.push(Step {
                    name: r.name.clone(),
                    kind,
                    duration,
                    failure_probability,
                    retry_delay,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(steps)
    }

    fn probability(&mut self, path: &KeyPath, value: Option<f64>, default: f64) -> f64 {
        let p = value.unwrap_or(default);
        if !(0.0..=1.0).contains(&p) {
            self.error(
                path.clone(),
                format!("must be a probability between 0 and 1, got {p}"),
            );
            return default;
        }
        p
    }
}

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
    };
    let root = KeyPath::root();

    let (name, description) = match &raw.scenario {
        Some(meta) => (meta.name.clone(), meta.description.clone()),
        None => (None, None),
    };
    let name = name.unwrap_or_else(|| {
        Path::new(source)
            .file_stem()
            .map_or_else(|| source.to_string(), |s| s.to_string_lossy().into_owned())
    });

    let simulation = check_simulation(&mut c, raw.simulation.as_ref());
    let sites = check_sites(&mut c, &raw.site);
    let links = check_links(&mut c, &raw.link, sites.as_ref());
    let policy = check_policy(&mut c, raw.replication.as_ref());
    let default_prepare = match raw.recovery.as_ref().and_then(|r| r.prepare_time.as_ref()) {
        Some(v) => c.dist(&root.key("recovery").key("prepare_time"), v, Duration),
        None => Some(Distribution::fixed(Duration, 0.0)),
    };
    let default_choice = policy
        .as_ref()
        .map_or(RecoveryPointChoice::LatestProcessed, |p| p.recovery_point);
    let default_extra = match raw
        .recovery
        .as_ref()
        .and_then(|r| r.extra_processing_time.as_ref())
    {
        Some(v) => c.dist(
            &root.key("recovery").key("extra_processing_time"),
            v,
            Duration,
        ),
        None => Some(Distribution::fixed(Duration, 0.0)),
    };
    let default_price = raw
        .cost
        .as_ref()
        .and_then(|c| c.azure_vm_hour)
        .unwrap_or(0.0);
    if !(default_price >= 0.0 && default_price.is_finite()) {
        c.error(
            root.key("cost").key("azure_vm_hour"),
            format!("a price must not be negative, got {default_price}"),
        );
    }
    let vm_defaults = VmDefaults {
        extra_processing_time: default_extra.as_ref(),
        azure_vm_hour: default_price,
    };
    let (groups, vms, consistency_groups) = check_plan(
        &mut c,
        &raw.group,
        &raw.vm,
        &links,
        default_prepare.as_ref(),
        default_choice,
        &vm_defaults,
    );
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

    let recovery = match &raw.recovery {
        None => {
            c.error(
                root.key("recovery"),
                "missing table [recovery]: it needs `detection_delay` and `decision_delay` (durations or distributions)",
            );
            None
        }
        Some(r) => {
            let p = root.key("recovery");
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
            let max_concurrent = match r.max_concurrent_failovers {
                Some(n) if n >= 1 => Some(Some(n as usize)),
                Some(n) => {
                    c.error(
                        p.key("max_concurrent_failovers"),
                        format!("must be at least 1, got {n}"),
                    );
                    None
                }
                None => Some(None),
            };
            let allocation_failure_probability = c.probability_below_one(
                &p.key("allocation_failure_probability"),
                r.allocation_failure_probability,
            );
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
            (|| {
                Some(Recovery {
                    detection_delay: detection_delay?,
                    decision_delay: decision_delay?,
                    prepare_throughput: prepare_throughput?,
                    declare_if_expected_longer_than: declare_if?,
                    estimate_error,
                    max_concurrent_failovers: max_concurrent?,
                    allocation_failure_probability,
                    allocation_retry_delay: allocation_retry_delay?,
                    vm_failure_probability,
                    vm_retry_delay: vm_retry_delay?,
                })
            })()
        }
    };

    let reprotect = check_reprotect(&mut c, raw.reprotect.as_ref());
    let failback = check_failback(&mut c, raw.failback.as_ref(), sites.as_ref());
    let targets = check_targets(&mut c, raw.targets.as_ref());

    if let (Some(links), Some(vms)) = (&links, &vms) {
        warn_overloaded_links(&mut c, links, vms);
    }

    let assembled = (|| {
        Some(Scenario {
            source: source.to_string(),
            name,
            description: description.unwrap_or_default(),
            simulation,
            sites: sites?,
            links: links?,
            policy: policy?,
            groups: groups?,
            vms: vms?,
            outage: outage?,
            faults: faults?,
            consistency_groups: consistency_groups?,
            recovery: recovery?,
            reprotect: reprotect?,
            failback: failback?,
            targets,
            currency: raw
                .cost
                .as_ref()
                .and_then(|c| c.currency.clone())
                .unwrap_or_default(),
            warnings: Vec::new(),
        })
    })();
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

fn check_simulation(c: &mut Checker<'_>, raw: Option<&RawSimulation>) -> Simulation {
    let p = KeyPath::root().key("simulation");
    let mut sim = Simulation {
        replications: 1000,
        seed: 1,
    };
    if let Some(raw) = raw {
        if let Some(n) = raw.replications {
            if n < 1 {
                c.error(
                    p.key("replications"),
                    format!("must be at least 1, got {n}"),
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

fn check_sites(c: &mut Checker<'_>, raw: &[RawSite]) -> Option<Sites> {
    c.unique_ids("site", raw.iter().map(|s| s.id.as_str()));
    let mut primary = None;
    let mut recovery = None;
    let mut alternate = None;
    let mut roles_valid = true;
    for (i, s) in raw.iter().enumerate() {
        let path = KeyPath::root().key("site").index(i);
        let Some(role) = c.one_of(&path.key("role"), &s.role, &SITE_ROLES, "site role") else {
            roles_valid = false;
            continue;
        };
        let site = Site {
            id: s.id.clone(),
            name: s.name.clone().unwrap_or_else(|| s.id.clone()),
        };
        let slot = match role {
            "primary" => &mut primary,
            "recovery" => &mut recovery,
            _ => &mut alternate,
        };
        if slot.is_some() {
            c.error(
                path.key("role"),
                format!("a scenario has at most one {role} site"),
            );
        }
        *slot = Some(site);
    }
    if roles_valid && (primary.is_none() || recovery.is_none()) {
        c.error(
            KeyPath::root().key("site"),
            "need one [[site]] with role = \"primary\" (on-premises) and one with role = \"recovery\" (the Azure region)",
        );
    }
    Some(Sites {
        primary: primary?,
        recovery: recovery?,
        alternate,
    })
}

fn check_links(c: &mut Checker<'_>, raw: &[RawLink], sites: Option<&Sites>) -> Option<Vec<Link>> {
    if raw.is_empty() {
        c.error(
            KeyPath::root().key("link"),
            "need at least one [[link]] (id, from, to, bandwidth) carrying replication from the primary to the recovery site",
        );
        return None;
    }
    c.unique_ids("link", raw.iter().map(|l| l.id.as_str()));
    let mut links = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, l) in raw.iter().enumerate() {
        let path = KeyPath::root().key("link").index(i);
        if let Some(sites) = sites {
            if l.from != sites.primary.id {
                c.error(
                    path.key("from"),
                    format!(
                        "a replication link runs from the primary site `{}`, not `{}`",
                        sites.primary.id, l.from
                    ),
                );
            }
            if l.to != sites.recovery.id {
                c.error(
                    path.key("to"),
                    format!(
                        "a replication link runs to the recovery site `{}`, not `{}`",
                        sites.recovery.id, l.to
                    ),
                );
            }
        }
        let bandwidth = c.positive_dist(&path.key("bandwidth"), &l.bandwidth, Rate);
        let reverse = match &l.reverse_bandwidth {
            Some(v) => c.positive_dist(&path.key("reverse_bandwidth"), v, Rate),
            None => bandwidth.clone(),
        };
        match (bandwidth, reverse) {
            (Some(bandwidth), Some(reverse_bandwidth)) => links.push(Link {
                id: l.id.clone(),
                bandwidth,
                reverse_bandwidth,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(links)
}

fn check_policy(c: &mut Checker<'_>, raw: Option<&RawReplication>) -> Option<ReplicationPolicy> {
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
    };
    let r = raw.unwrap_or(&empty);
    let crash = c.fixed_duration_or(
        &p.key("crash_consistent_interval"),
        r.crash_consistent_interval.as_ref(),
        300,
    )?;
    let app = c.fixed_duration_or(
        &p.key("app_consistent_interval"),
        r.app_consistent_interval.as_ref(),
        4 * 3600,
    )?;
    let retention = c.fixed_duration_or(&p.key("retention"), r.retention.as_ref(), 24 * 3600)?;
    let alert = c.fixed_duration_or(
        &p.key("rpo_alert_threshold"),
        r.rpo_alert_threshold.as_ref(),
        15 * 60,
    )?;
    let history_default = retention.max(app).as_millis() / 1000;
    let history = c.fixed_duration_or(&p.key("history"), r.history.as_ref(), history_default)?;
    let processing_delay = c.dist_or(
        &p.key("processing_delay"),
        r.processing_delay.as_ref(),
        Duration,
        0.0,
    )?;
    let recovery_point = match &r.recovery_point {
        None => RecoveryPointChoice::LatestProcessed,
        Some(name) => c.recovery_point(&p.key("recovery_point"), name)?,
    };
    let keep_all = c.fixed_duration_or(
        &p.key("keep_all_points_for"),
        r.keep_all_points_for.as_ref(),
        2 * 3600,
    )?;
    let pruned_interval = c.fixed_duration_or(
        &p.key("pruned_point_interval"),
        r.pruned_point_interval.as_ref(),
        3600,
    )?;
    if pruned_interval < crash {
        c.error(
            p.key("pruned_point_interval"),
            "pruning keeps fewer points than the schedule takes: must be at least `crash_consistent_interval`",
        );
    }
    for (key, value) in [
        ("crash_consistent_interval", crash),
        ("app_consistent_interval", app),
        ("retention", retention),
    ] {
        if value < SimDuration::from_secs(1) {
            c.error(p.key(key), "must be at least 1s");
        }
    }
    if retention < app && recovery_point == RecoveryPointChoice::LatestAppConsistent {
        c.error(
            p.key("retention"),
            "retention is shorter than the app-consistent interval, so no app-consistent point would be kept",
        );
    }
    if history < crash {
        c.error(
            p.key("history"),
            "must cover at least one crash-consistent interval",
        );
    }
    if !(SimDuration::from_secs(3600)..=SimDuration::from_secs(12 * 3600)).contains(&app) {
        c.warn(
            p.key("app_consistent_interval"),
            "ASR takes app-consistent points every 1 to 12 hours",
        );
    }
    Some(ReplicationPolicy {
        crash_consistent_interval: crash,
        app_consistent_interval: app,
        retention,
        rpo_alert_threshold: alert,
        processing_delay,
        history,
        recovery_point,
        keep_all_points_for: keep_all,
        pruned_point_interval: pruned_interval,
    })
}

/// Per-VM values set scenario-wide, which a [[vm]] may override.
struct VmDefaults<'a> {
    extra_processing_time: Option<&'a Distribution>,
    azure_vm_hour: f64,
}

/// The recovery plan's groups, its VMs and their consistency groups; each `None`
/// when an error was recorded for it.
type CheckedPlan = (
    Option<Vec<Group>>,
    Option<Vec<Vm>>,
    Option<Vec<ConsistencyGroup>>,
);

fn check_plan(
    c: &mut Checker<'_>,
    raw_groups: &[RawGroup],
    raw_vms: &[RawVm],
    links: &Option<Vec<Link>>,
    default_prepare: Option<&Distribution>,
    default_choice: RecoveryPointChoice,
    vm_defaults: &VmDefaults<'_>,
) -> CheckedPlan {
    let mut consistency_groups: Vec<ConsistencyGroup> = Vec::new();
    let mut consistency_ok = true;
    let root = KeyPath::root();
    if raw_groups.is_empty() {
        c.error(
            root.key("group"),
            "need at least one [[group]] (the recovery plan's groups, in start order)",
        );
    }
    if raw_groups.len() > MAX_GROUPS {
        c.error(
            root.key("group").index(MAX_GROUPS),
            format!(
                "an ASR recovery plan has at most {MAX_GROUPS} groups, this one has {}",
                raw_groups.len()
            ),
        );
    }
    c.unique_ids("group", raw_groups.iter().map(|g| g.id.as_str()));
    let group_ids: Vec<String> = raw_groups.iter().map(|g| g.id.clone()).collect();
    let mut groups: Vec<Group> = Vec::with_capacity(raw_groups.len());
    let mut steps_ok = true;
    for (i, g) in raw_groups.iter().enumerate() {
        let path = root.key("group").index(i);
        let pre = c.steps(&path.key("pre"), &g.pre);
        let post = c.steps(&path.key("post"), &g.post);
        steps_ok &= pre.is_some() && post.is_some();
        groups.push(Group {
            id: g.id.clone(),
            vms: Vec::new(),
            pre: pre.unwrap_or_default(),
            post: post.unwrap_or_default(),
        });
    }

    if raw_vms.is_empty() {
        c.error(root.key("vm"), "need at least one [[vm]] to protect");
    }
    let link_ids: Vec<String> = links.iter().flatten().map(|l| l.id.clone()).collect();
    let mut vms = Vec::new();
    let mut ok = true;
    let mut expanded_ids: Vec<(usize, String)> = Vec::new();
    for (i, v) in raw_vms.iter().enumerate() {
        let path = root.key("vm").index(i);
        let count = v.count.unwrap_or(1);
        if !(1..=MAX_PLAN_VMS as i64).contains(&count) {
            c.error(
                path.key("count"),
                format!("must be between 1 and {MAX_PLAN_VMS}, got {count}"),
            );
            ok = false;
            continue;
        }
        let group = c.reference(&path.key("group"), &v.group, &group_ids, "[[group]]");
        let link = match &v.link {
            Some(id) => c.reference(&path.key("link"), id, &link_ids, "[[link]]"),
            None if link_ids.len() == 1 => Some(0),
            None if link_ids.is_empty() => None,
            None => {
                c.error(
                    path.key("link"),
                    format!(
                        "this scenario has several links; say which one carries this VM: {}",
                        link_ids.join(", ")
                    ),
                );
                None
            }
        };
        let disk_bytes = c.fixed(&path.key("disk_size"), &v.disk_size, Size);
        if disk_bytes.is_some_and(|b| b <= 0.0) {
            c.error(path.key("disk_size"), "must be above zero");
        }
        let churn = c.churn(&path.key("churn"), &v.churn);
        let weight = v.weight.unwrap_or(1.0);
        if !(weight > 0.0 && weight.is_finite()) {
            c.error(path.key("weight"), format!("must be above 0, got {weight}"));
        }
        let choice = match &v.recovery_point {
            Some(name) => c.recovery_point(&path.key("recovery_point"), name),
            None => Some(default_choice),
        };
        let disk_count = v.disk_count.unwrap_or(1);
        if !(1..=64).contains(&disk_count) {
            c.error(
                path.key("disk_count"),
                format!("must be between 1 and 64, got {disk_count}"),
            );
        }
        let disk_tier = match &v.disk_tier {
            Some(name) => c
                .one_of(&path.key("disk_tier"), name, &DiskTier::NAMES, "disk tier")
                .and_then(DiskTier::from_name),
            None => None,
        };
        if let Some(churn) = &churn {
            warn_churn_limits(
                c,
                &path,
                churn,
                v.high_churn.unwrap_or(false),
                disk_tier,
                disk_count.max(1),
            );
        }
        let boot_time = c.dist(&path.key("boot_time"), &v.boot_time, Duration);
        let prepare_time = match &v.prepare_time {
            Some(value) => c.dist(&path.key("prepare_time"), value, Duration),
            None => default_prepare.cloned(),
        };
        let extra_processing_time = match &v.extra_processing_time {
            Some(value) => c.dist(&path.key("extra_processing_time"), value, Duration),
            None => vm_defaults.extra_processing_time.cloned(),
        };
        let azure_vm_hour = v.azure_vm_hour.unwrap_or(vm_defaults.azure_vm_hour);
        if !(azure_vm_hour >= 0.0 && azure_vm_hour.is_finite()) {
            c.error(
                path.key("azure_vm_hour"),
                format!("a price must not be negative, got {azure_vm_hour}"),
            );
        }
        let failback_boot_time = match &v.failback_boot_time {
            Some(value) => c.dist(&path.key("failback_boot_time"), value, Duration),
            None => boot_time.clone(),
        };
        let (
            Some(group),
            Some(link),
            Some(disk_bytes),
            Some(churn),
            Some(boot_time),
            Some(prepare_time),
            Some(failback_boot_time),
            Some(recovery_point),
            Some(extra_processing_time),
        ) = (
            group,
            link,
            disk_bytes,
            churn,
            boot_time,
            prepare_time,
            failback_boot_time,
            choice,
            extra_processing_time,
        )
        else {
            ok = false;
            continue;
        };
        let consistency_group = match &v.consistency_group {
            None => None,
            Some(id) => {
                let cg_path = path.key("consistency_group");
                let index = match consistency_groups.iter().position(|g| g.id == *id) {
                    Some(i) => i,
                    None => {
                        consistency_groups.push(ConsistencyGroup {
                            id: id.clone(),
                            vms: Vec::new(),
                            choice: recovery_point,
                        });
                        consistency_groups.len() - 1
                    }
                };
                let g = &consistency_groups[index];
                if recovery_point == RecoveryPointChoice::Latest {
                    c.error(
                        cg_path,
                        "a multi-VM consistency group shares a processed point: use recovery_point = \"latest-processed\" or \"latest-app-consistent\"",
                    );
                    consistency_ok = false;
                } else if g.choice != recovery_point {
                    c.error(
                        cg_path,
                        format!(
                            "every VM of consistency group `{id}` must use the same recovery point choice (`{}`), not `{}`",
                            g.choice.name(),
                            recovery_point.name()
                        ),
                    );
                    consistency_ok = false;
                } else if g.vms.len() + count as usize > MAX_CONSISTENCY_GROUP_VMS {
                    c.error(
                        cg_path,
                        format!("a multi-VM consistency group holds at most {MAX_CONSISTENCY_GROUP_VMS} VMs; `{id}` would hold {}", g.vms.len() + count as usize),
                    );
                    consistency_ok = false;
                }
                Some(index)
            }
        };
        for n in 1..=count {
            let id = if count == 1 {
                v.id.clone()
            } else {
                format!("{}-{n}", v.id)
            };
            expanded_ids.push((i, id.clone()));
            groups[group].vms.push(vms.len());
            if let Some(g) = consistency_group {
                consistency_groups[g].vms.push(vms.len());
            }
            vms.push(Vm {
                id,
                group,
                link,
                disk_bytes,
                churn: churn.clone(),
                weight,
                recovery_point,
                consistency_group,
                boot_time: boot_time.clone(),
                prepare_time: prepare_time.clone(),
                failback_boot_time: failback_boot_time.clone(),
                extra_processing_time: extra_processing_time.clone(),
                azure_vm_hour,
            });
        }
    }
    let mut seen = BTreeSet::new();
    for (i, id) in &expanded_ids {
        if !seen.insert(id.as_str()) {
            c.error(
                root.key("vm").index(*i).key("id"),
                format!("duplicate VM id `{id}` (VMs with `count` are named id-1, id-2, ...)"),
            );
        }
    }
    if vms.len() > MAX_PLAN_VMS {
        c.error(
            root.key("vm"),
            format!(
                "an ASR recovery plan holds at most {MAX_PLAN_VMS} VMs, this one has {}",
                vms.len()
            ),
        );
    }
    if ok {
        for (i, g) in groups.iter().enumerate() {
            if g.vms.is_empty() {
                c.error(
                    root.key("group").index(i).key("id"),
                    format!(
                        "group `{}` has no VMs; remove it or set `group = \"{}\"` on a [[vm]]",
                        g.id, g.id
                    ),
                );
            }
        }
    }
    let valid_groups = !raw_groups.is_empty() && raw_groups.len() <= MAX_GROUPS && steps_ok;
    (
        valid_groups.then_some(groups),
        (ok && !vms.is_empty()).then_some(vms),
        consistency_ok.then_some(consistency_groups),
    )
}

/// Which keys each outage kind takes, beyond `kind` and `duration`.
fn outage_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "site" => &["site", "at"],
        "link-down" => &["link", "before", "after"],
        "link-degraded" => &["link", "before", "after", "bandwidth_factor"],
        _ => &["before", "after", "processing_factor"],
    }
}

fn check_outages(
    c: &mut Checker<'_>,
    raw: &[RawOutage],
    sites: Option<&Sites>,
    links: Option<&Vec<Link>>,
) -> (Option<SiteOutage>, Option<Vec<Fault>>) {
    let root = KeyPath::root().key("outage");
    let mut disaster = None;
    let mut disasters = 0;
    let mut faults = Vec::new();
    let mut faults_ok = true;
    let link_ids: Vec<String> = links
        .iter()
        .flat_map(|l| l.iter())
        .map(|l| l.id.clone())
        .collect();
    for (i, o) in raw.iter().enumerate() {
        let path = root.index(i);
        let Some(kind) = c.one_of(&path.key("kind"), &o.kind, &OUTAGE_KINDS, "outage kind") else {
            faults_ok = false;
            continue;
        };
        let allowed = outage_keys(kind);
        let given = [
            ("site", o.site.is_some()),
            ("link", o.link.is_some()),
            ("at", o.at.is_some()),
            ("before", o.before.is_some()),
            ("after", o.after.is_some()),
            ("bandwidth_factor", o.bandwidth_factor.is_some()),
            ("processing_factor", o.processing_factor.is_some()),
        ];
        for (key, present) in given {
            if present && !allowed.contains(&key) {
                c.error(
                    path.key(key),
                    format!(
                        "a `{kind}` outage does not take `{key}`; it takes: kind, duration, {}",
                        allowed.join(", ")
                    ),
                );
                faults_ok = false;
            }
        }
        let duration = c.dist(&path.key("duration"), &o.duration, Duration);
        if kind == "site" {
            disasters += 1;
            if disasters > 1 {
                c.error(
                    path.key("kind"),
                    "only one site outage (the disaster) per scenario is supported",
                );
                continue;
            }
            let Some(site) = &o.site else {
                c.error(
                    path.clone(),
                    "a site outage needs `site`, the primary site's id",
                );
                continue;
            };
            if let Some(sites) = sites
                && *site != sites.primary.id
            {
                c.error(
                    path.key("site"),
                    format!(
                        "the disaster must hit the primary site `{}`; `{site}` is not it",
                        sites.primary.id
                    ),
                );
            }
            let start = match o.at.as_deref() {
                None | Some("random") => Some(OutageStart::RandomInWeek),
                Some(text) => match parse_weekday_time(text) {
                    Some(t) => Some(OutageStart::At(t)),
                    None => {
                        c.error(
                            path.key("at"),
                            format!("`{text}` is not a time of the week; write \"random\" or a day and time such as \"Tue 14:30\" (days: {})", WEEKDAYS.join(", ")),
                        );
                        None
                    }
                },
            };
            if let (Some(start), Some(duration)) = (start, duration) {
                disaster = Some(SiteOutage {
                    site: site.clone(),
                    start,
                    duration,
                });
            }
            continue;
        }
        let start = match (&o.before, &o.after) {
            (Some(v), None) => c
                .dist(&path.key("before"), v, Duration)
                .map(FaultStart::Before),
            (None, Some(v)) => c
                .dist(&path.key("after"), v, Duration)
                .map(FaultStart::After),
            _ => {
                c.error(
                    path.clone(),
                    "say when the fault starts relative to the disaster with exactly one of `before` or `after` (a duration or distribution)",
                );
                None
            }
        };
        let link = match kind {
            "link-down" | "link-degraded" => match &o.link {
                Some(id) => c.reference(&path.key("link"), id, &link_ids, "[[link]]"),
                None if link_ids.len() == 1 => Some(0),
                None => {
                    c.error(
                        path.clone(),
                        format!(
                            "a `{kind}` outage needs `link`, one of: {}",
                            link_ids.join(", ")
                        ),
                    );
                    None
                }
            },
            _ => Some(0),
        };
        let factor = |c: &mut Checker<'_>,
                      key: &str,
                      value: Option<f64>,
                      valid: std::ops::RangeInclusive<f64>,
                      what: &str| {
            match value {
                Some(f) if valid.contains(&f) => Some(f),
                Some(f) => {
                    c.error(path.key(key), format!("must be {what}, got {f}"));
                    None
                }
                None => {
                    c.error(
                        path.clone(),
                        format!("a `{kind}` outage needs `{key}` ({what})"),
                    );
                    None
                }
            }
        };
        let fault_kind = match kind {
            "link-down" => link.map(|link| FaultKind::LinkDown { link }),
            "link-degraded" => {
                let f = factor(
                    c,
                    "bandwidth_factor",
                    o.bandwidth_factor,
                    0.0..=1.0,
                    "the fraction of bandwidth left, between 0 and 1",
                );
                link.zip(f)
                    .map(|(link, factor)| FaultKind::LinkDegraded { link, factor })
            }
            _ => factor(
                c,
                "processing_factor",
                o.processing_factor,
                1.0..=1000.0,
                "how many times slower processing gets, between 1 and 1000",
            )
            .map(|factor| FaultKind::TargetSlowdown { factor }),
        };
        match (fault_kind, start, duration) {
            (Some(kind), Some(start), Some(duration)) => faults.push(Fault {
                kind,
                start,
                duration,
            }),
            _ => faults_ok = false,
        }
    }
    if disasters == 0 {
        c.error(
            root,
            "need one [[outage]] with kind = \"site\", the primary site's id, and a duration",
        );
    }
    (disaster, faults_ok.then_some(faults))
}

/// Faults before the disaster must fall inside the simulated history: by default
/// the history is extended to start an hour before the earliest one can begin.
fn cover_faults_with_history(
    c: &mut Checker<'_>,
    policy: &mut ReplicationPolicy,
    faults: &[Fault],
    explicit: bool,
) {
    let earliest = faults
        .iter()
        .filter_map(|f| match &f.start {
            FaultStart::Before(d) => Some(d.quantile(0.999)),
            FaultStart::After(_) => None,
        })
        .fold(0.0, f64::max);
    if earliest <= 0.0 {
        return;
    }
    let needed = SimDuration::from_secs_f64(earliest + 3600.0);
    if explicit {
        if policy.history.as_secs_f64() < earliest {
            c.warn(
                KeyPath::root().key("replication").key("history"),
                "a fault can start before the simulated history begins; it then starts with the history",
            );
        }
    } else if needed > policy.history {
        policy.history = needed;
    }
}

/// `"Tue 14:30"` or `"Tue 14:30:15"` -> time since Monday 00:00.
fn parse_weekday_time(text: &str) -> Option<SimTime> {
    let (day, clock) = text.trim().split_once(' ')?;
    let day = WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(day))? as i64;
    let parts: Vec<i64> = clock
        .trim()
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (h, m, s) = match parts[..] {
        [h, m] => (h, m, 0),
        [h, m, s] => (h, m, s),
        _ => return None,
    };
    if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&s) {
        return None;
    }
    Some(SimTime::from_millis(
        ((day * 24 + h) * 3600 + m * 60 + s) * 1000,
    ))
}

fn check_reprotect(c: &mut Checker<'_>, raw: Option<&RawReprotect>) -> Option<Reprotect> {
    let p = KeyPath::root().key("reprotect");
    let empty = RawReprotect {
        operator_delay: None,
        checksum_throughput: None,
        processing_fraction: None,
        autoscale_overhead: None,
        primary_data_lost_probability: None,
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
        None => Distribution::from_value(
            &toml::Value::Table(
                [("dist", "uniform"), ("min", "20m"), ("max", "30m")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
                    .collect(),
            ),
            Duration,
        )
        .ok(),
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
    Some(Reprotect {
        operator_delay: operator_delay?,
        checksum_throughput: checksum_throughput?,
        processing_fraction,
        autoscale_overhead: autoscale_overhead?,
        primary_data_lost_probability,
    })
}

fn check_failback(
    c: &mut Checker<'_>,
    raw: Option<&RawFailback>,
    sites: Option<&Sites>,
) -> Option<Failback> {
    let p = KeyPath::root().key("failback");
    let empty = RawFailback {
        wait: None,
        minimum_stay: None,
        windows: None,
        location: None,
        shutdown_time: None,
        final_sync_overhead: None,
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
    let mut windows = Vec::new();
    for (i, text) in r.windows.iter().flatten().enumerate() {
        match parse_weekly_window(text) {
            Some(w) => windows.push(w),
            None => c.error(
                p.key("windows").index(i),
                format!("`{text}` is not a weekly window; write a day and a time range such as \"Sun 02:00-06:00\" (days: {})", WEEKDAYS.join(", ")),
            ),
        }
    }
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
    Some(Failback {
        wait: wait?,
        minimum_stay: minimum_stay?,
        windows,
        location: location?,
        shutdown_time: shutdown_time?,
        final_sync_overhead: final_sync_overhead?,
    })
}

/// `"Sun 02:00-06:00"` -> a window of 4 h from Sunday 02:00; a range past
/// midnight (`"Sat 22:00-02:00"`) runs into the next day.
fn parse_weekly_window(text: &str) -> Option<WeeklyWindow> {
    let (day, range) = text.trim().split_once(' ')?;
    let (from, to) = range.trim().split_once('-')?;
    let start = parse_weekday_time(&format!("{day} {}", from.trim()))?;
    let end_same_day = parse_weekday_time(&format!("{day} {}", to.trim()))?;
    let length = if end_same_day > start {
        end_same_day.since(start)
    } else {
        end_same_day.since(start - SimDuration::from_secs(86_400))
    };
    Some(WeeklyWindow {
        start: start.since(SimTime::EPOCH),
        length,
    })
}

fn check_targets(c: &mut Checker<'_>, raw: Option<&RawTargets>) -> Targets {
    let p = KeyPath::root().key("targets");
    let mut targets = Targets::default();
    let Some(raw) = raw else {
        return targets;
    };
    for (key, value, slot) in [
        ("rpo", &raw.rpo, &mut targets.rpo),
        ("rto", &raw.rto, &mut targets.rto),
    ] {
        if let Some(v) = value
            && let Some(seconds) = c.fixed(&p.key(key), v, Duration)
        {
            if seconds <= 0.0 {
                c.error(p.key(key), "a target must be above zero");
            } else {
                *slot = Some(SimDuration::from_secs_f64(seconds));
            }
        }
    }
    if let Some(f) = raw.required_fraction {
        if f > 0.0 && f <= 1.0 {
            targets.required_fraction = f;
        } else {
            c.error(
                p.key("required_fraction"),
                format!("must be above 0 and at most 1, got {f}"),
            );
        }
    }
    targets
}

/// ASR's churn limits: per VM (54 MB/s, or 100 MB/s with High Churn) and, when
/// the replica disk tier is given, per disk (the VM's churn spread over its disks).
fn warn_churn_limits(
    c: &mut Checker<'_>,
    path: &KeyPath,
    churn: &Churn,
    high_churn: bool,
    tier: Option<DiskTier>,
    disks: i64,
) {
    let peak = churn.peak_rate();
    let vm_limit = if high_churn {
        VM_HIGH_CHURN_LIMIT
    } else {
        VM_CHURN_LIMIT
    };
    if peak > vm_limit {
        c.warn(
            path.key("churn"),
            format!(
                "peak churn {} (99th percentile) exceeds ASR's {} per VM{}: replication would fall behind",
                units::format_byte_rate(peak),
                units::format_byte_rate(vm_limit),
                if high_churn { "" } else { " (100 MB/s with `high_churn = true`)" }
            ),
        );
    }
    if let Some(tier) = tier {
        let per_disk = peak / disks as f64;
        if per_disk > tier.churn_limit() {
            c.warn(
                path.key("churn"),
                format!(
                    "peak churn per disk {} exceeds ASR's {} for this disk tier",
                    units::format_byte_rate(per_disk),
                    units::format_byte_rate(tier.churn_limit())
                ),
            );
        }
    }
}

/// A link whose VMs write faster on average than it carries cannot keep up: the
/// backlog, and so the RPO, grows for as long as the history lasts.
fn warn_overloaded_links(c: &mut Checker<'_>, links: &[Link], vms: &[Vm]) {
    for (i, link) in links.iter().enumerate() {
        let churn: f64 = vms
            .iter()
            .filter(|vm| vm.link == i)
            .map(|vm| vm.churn.mean_rate())
            .sum();
        let bandwidth = link.bandwidth.mean();
        if churn > bandwidth {
            c.warn(
                KeyPath::root().key("link").index(i).key("bandwidth"),
                format!(
                    "link `{}` carries a mean churn of {} but has a mean bandwidth of {}: replication falls further behind for the whole history",
                    link.id,
                    Rate.format(churn),
                    Rate.format(bandwidth)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_windows() {
        let w = parse_weekly_window("Sun 02:00-06:00").unwrap();
        assert_eq!(w.start, SimDuration::from_secs((6 * 24 + 2) * 3600));
        assert_eq!(w.length, SimDuration::from_secs(4 * 3600));
        let w = parse_weekly_window("Sat 22:00-02:00").unwrap();
        assert_eq!(w.length, SimDuration::from_secs(4 * 3600));
        assert!(parse_weekly_window("Sun 02:00").is_none());
    }

    #[test]
    fn weekday_times() {
        assert_eq!(parse_weekday_time("Mon 00:00"), Some(SimTime::EPOCH));
        assert_eq!(
            parse_weekday_time("Tue 14:30"),
            Some(SimTime::from_millis(
                (24 * 3600 + 14 * 3600 + 30 * 60) * 1000
            ))
        );
        assert_eq!(
            parse_weekday_time("sun 23:59:59").map(|t| t.as_millis()),
            Some(604_799_000)
        );
        assert_eq!(parse_weekday_time("Tue 25:00"), None);
        assert_eq!(parse_weekday_time("Tuesday 10:00"), None);
    }
}
