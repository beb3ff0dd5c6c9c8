//! `[[outage]]`: the disaster (a site outage) and the faults around it.

use super::*;

const OUTAGE_KINDS: [&str; 5] = [
    "site",
    "ransomware",
    "link-down",
    "link-degraded",
    "target-slowdown",
];

/// The search for the clean point after a ransomware declaration, by
/// default: an estimate (ASR publishes none): scanning a few candidate
/// points with test failovers.
const CLEAN_POINT_SEARCH: &str = "2h";

/// Which keys each outage kind takes, beyond `kind` and `duration`.
fn outage_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "site" => &["site", "at"],
        "ransomware" => &["site", "at", "dwell", "clean_point_search"],
        "link-down" => &["link", "before", "after"],
        "link-degraded" => &["link", "before", "after", "bandwidth_factor"],
        _ => &["before", "after", "processing_factor"],
    }
}

pub(super) fn check_outages(
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
            ("dwell", o.dwell.is_some()),
            ("clean_point_search", o.clean_point_search.is_some()),
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
        if kind == "site" || kind == "ransomware" {
            disasters += 1;
            let ransomware = (kind == "ransomware")
                .then(|| check_ransomware(c, &path, o))
                .map(|r| r.ok_or(()));
            if disasters > 1 {
                c.error(
                    path.key("kind"),
                    "only one disaster (a site outage or ransomware) per scenario is supported",
                );
            } else if let Some(mut outage) = check_site_outage(c, &path, o, sites, duration) {
                match ransomware {
                    Some(Ok(r)) => outage.ransomware = Some(r),
                    Some(Err(())) => continue,
                    None => {}
                }
                disaster = Some(outage);
            }
            continue;
        }
        if o.every.is_some() {
            // A recurring fault belongs to the year (`[operations]`,
            // validate/operations.rs), not to each disaster.
            continue;
        }
        match check_fault(c, &path, kind, o, &link_ids, duration) {
            Some(fault) => faults.push(fault),
            None => faults_ok = false,
        }
    }
    if disasters == 0 {
        c.error(
            root,
            "need one [[outage]] with kind = \"site\" (or \"ransomware\"), the primary site's id, and a duration",
        );
    }
    (disaster, faults_ok.then_some(faults))
}

/// The disaster: a site outage of the primary, at a time of the week or at random.
fn check_site_outage(
    c: &mut Checker<'_>,
    path: &KeyPath,
    o: &RawOutage,
    sites: Option<&Sites>,
    duration: Option<Distribution>,
) -> Option<SiteOutage> {
    let Some(value) = &o.site else {
        c.error(
            path.clone(),
            "a site outage needs `site`, the primary site's id (or a list of them)",
        );
        return None;
    };
    let key = path.key("site");
    let named: Vec<Option<&str>> = match value {
        toml::Value::String(id) => vec![Some(id.as_str())],
        toml::Value::Array(ids) if !ids.is_empty() => ids.iter().map(|v| v.as_str()).collect(),
        _ => vec![None],
    };
    let mut failed = Vec::new();
    let mut ok = true;
    let ids: Vec<&str> = sites
        .iter()
        .flat_map(|s| &s.primaries)
        .map(|p| p.id.as_str())
        .collect();
    // Without valid sites nothing can be checked (their error is recorded).
    for (i, id) in named.iter().enumerate().filter(|_| !ids.is_empty()) {
        let at = if matches!(value, toml::Value::Array(_)) {
            key.index(i)
        } else {
            key.clone()
        };
        match id.and_then(|id| ids.iter().position(|p| *p == id)) {
            Some(site) if failed.contains(&site) => {
                c.error(at, "this site is listed twice");
                ok = false;
            }
            Some(site) => failed.push(site),
            None => {
                let what = id.map_or_else(|| format!("{value}"), |id| format!("`{id}`"));
                let message = if ids.len() == 1 {
                    format!(
                        "the disaster must hit the primary site `{}`; {what} is not it",
                        ids[0]
                    )
                } else {
                    format!(
                        "the disaster must hit a primary site ({}), or a list of them; {what} is not one",
                        ids.join(", ")
                    )
                };
                c.error(at, message);
                ok = false;
            }
        }
    }
    failed.sort_unstable();
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
    Some(SiteOutage {
        sites: ok.then_some(failed)?,
        start: start?,
        duration: duration?,
        ransomware: None,
    })
}

/// A ransomware outage's dwell time (required) and clean-point search.
fn check_ransomware(c: &mut Checker<'_>, path: &KeyPath, o: &RawOutage) -> Option<Ransomware> {
    let dwell = match &o.dwell {
        Some(v) => c.dist(&path.key("dwell"), v, Duration),
        None => {
            c.error(
                path.clone(),
                "a `ransomware` outage needs `dwell`: how long before the encryption (t0) the attacker got in; every recovery point after that is unusable (a duration or distribution, e.g. \"3d\")",
            );
            None
        }
    };
    let default = toml::Value::String(CLEAN_POINT_SEARCH.to_string());
    let search = c.dist(
        &path.key("clean_point_search"),
        o.clean_point_search.as_ref().unwrap_or(&default),
        Duration,
    );
    Some(Ransomware {
        dwell: dwell?,
        clean_point_search: search?,
    })
}

/// A fault around the disaster: a link down or degraded, or the target slower
/// at processing recovery points.
fn check_fault(
    c: &mut Checker<'_>,
    path: &KeyPath,
    kind: &str,
    o: &RawOutage,
    link_ids: &[String],
    duration: Option<Distribution>,
) -> Option<Fault> {
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
        "link-down" | "link-degraded" => fault_link(c, path, kind, o, link_ids),
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
    Some(Fault {
        kind: fault_kind?,
        start: start?,
        duration: duration?,
    })
}

/// Ransomware's clean points lie before the infection: the simulated history
/// must reach past it (by default it is extended to the dwell's 99.9th
/// percentile plus two point intervals and an hour).
pub(super) fn cover_dwell_with_history(
    c: &mut Checker<'_>,
    policy: &mut ReplicationPolicy,
    outage: &SiteOutage,
    explicit: bool,
    index: usize,
) {
    let Some(r) = &outage.ransomware else {
        return;
    };
    let dwell = r.dwell.quantile(0.999);
    reach_back(
        c,
        policy,
        (
            dwell,
            dwell + 2.0 * policy.crash_consistent_interval.as_secs_f64() + 3600.0,
        ),
        explicit,
        "the ransomware's dwell can reach back before the simulated history: no clean point is then found, and the failover stands for a backup from before the infection",
    );
    if dwell > policy.retention.as_secs_f64() {
        c.warn(
            KeyPath::root().key("outage").index(index).key("dwell"),
            format!(
                "the dwell can exceed the retention ({}): the points from before the infection were pruned while encrypted ones arrived, so no clean point is left in ASR (no_usable_point; the RPO then stands for a backup from before the infection); raise `[replication] retention` (up to 15 days) or plan a backup",
                crate::scenario::units::format_duration_short(policy.retention.as_secs_f64())
            ),
        );
    }
}

/// Faults before the disaster must fall inside the simulated history: by default
/// the history is extended to start an hour before the earliest one can begin.
pub(super) fn cover_faults_with_history(
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
    reach_back(
        c,
        policy,
        (earliest, earliest + 3600.0),
        explicit,
        "a fault can start before the simulated history begins; it then starts with the history",
    );
}

/// Something `reach.0` seconds before the outage must fall inside the
/// simulated history: a history the file sets is kept (with `warning` when
/// too short); otherwise it is extended to `reach.1` seconds if shorter.
fn reach_back(
    c: &mut Checker<'_>,
    policy: &mut ReplicationPolicy,
    reach: (f64, f64),
    explicit: bool,
    warning: &str,
) {
    let (reach, needed) = reach;
    if explicit {
        if policy.history.as_secs_f64() < reach {
            c.warn(KeyPath::root().key("replication").key("history"), warning);
        }
    } else if SimDuration::from_secs_f64(needed) > policy.history {
        policy.history = SimDuration::from_secs_f64(needed);
    }
}

/// The link a `link-down` or `link-degraded` outage names (`link`, or the
/// only one), or `None` after recording why not.
pub(super) fn fault_link(
    c: &mut Checker<'_>,
    path: &KeyPath,
    kind: &str,
    o: &RawOutage,
    link_ids: &[String],
) -> Option<usize> {
    match &o.link {
        Some(id) => c.reference(&path.key("link"), id, link_ids, "[[link]]"),
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
    }
}
