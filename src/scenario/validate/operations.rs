//! `[operations]` and the outages' `every`: the year of operations.

use super::*;
use crate::scenario::operations::{Operations, RecurringLinkDown};

/// The least mean time between recurring outages: an hour (the arrivals of
/// a horizon are drawn one by one).
const MIN_EVERY_S: f64 = 3600.0;

/// `Some(None)` without `[operations]`; `None` after recording an error.
pub(super) fn check_operations(
    c: &mut Checker<'_>,
    raw: Option<&RawOperations>,
    outages: &[RawOutage],
    link_ids: &[String],
) -> Option<Option<Operations>> {
    let root = KeyPath::root().key("outage");
    let Some(raw) = raw else {
        let mut ok = true;
        for (i, o) in outages.iter().enumerate() {
            if o.every.is_some() {
                c.error(
                    root.index(i).key("every"),
                    "`every` makes an outage recur over a horizon: add `[operations] horizon = \"365d\"` (without it, a run simulates one disaster)",
                );
                ok = false;
            }
        }
        return ok.then_some(None);
    };
    let p = KeyPath::root().key("operations");
    let horizon = c
        .fixed(&p.key("horizon"), &raw.horizon, Duration)
        .filter(|&h| {
            let ok = (86_400.0..=10.0 * 365.0 * 86_400.0).contains(&h);
            if !ok {
                c.error(
                    p.key("horizon"),
                    "the horizon must be from 1 day to 10 years (\"365d\" for a year)",
                );
            }
            ok
        });
    let mut disaster_every = None;
    let mut link_downs = Vec::new();
    let mut ok = true;
    for (i, o) in outages.iter().enumerate() {
        let path = root.index(i);
        let disaster = o.kind == "site" || o.kind == "ransomware";
        let Some(value) = &o.every else {
            if disaster {
                c.error(
                    path.clone(),
                    "in a year of operations (`[operations]`) the disaster recurs: give it `every`, the mean time between disasters (\"13w\": exponential, Poisson arrivals) or their distribution",
                );
                ok = false;
            }
            continue;
        };
        let Some(every) = recurrence(c, &path.key("every"), value) else {
            ok = false;
            continue;
        };
        match o.kind.as_str() {
            "site" | "ransomware" => {
                if o.at.as_deref().is_some_and(|at| at != "random") {
                    c.error(
                        path.key("at"),
                        "a recurring disaster falls where its arrivals put it: `at` does not go with `every`",
                    );
                    ok = false;
                }
                disaster_every = Some(every);
            }
            "link-down" => {
                for key in ["before", "after"] {
                    let given = if key == "before" { &o.before } else { &o.after };
                    if given.is_some() {
                        c.error(
                            path.key(key),
                            format!("a recurring link outage (`every`) falls where its arrivals put it, not `{key}` the disaster"),
                        );
                        ok = false;
                    }
                }
                let link = super::outages::fault_link(c, &path, "link-down", o, link_ids);
                let duration = c.dist(&path.key("duration"), &o.duration, Duration);
                match (link, duration) {
                    (Some(link), Some(duration)) => link_downs.push(RecurringLinkDown {
                        link,
                        every,
                        duration,
                    }),
                    _ => ok = false,
                }
            }
            kind => {
                c.error(
                    path.key("every"),
                    format!(
                        "a `{kind}` fault slows replication without stopping it and is not yet modelled over a year: place one around each disaster with `before` or `after`, or model the outage as `link-down`"
                    ),
                );
                ok = false;
            }
        }
    }
    let operations = Operations {
        horizon: SimDuration::from_secs_f64(horizon?),
        disaster_every: disaster_every?,
        link_downs,
    };
    ok.then_some(Some(operations))
}

/// `every`: a duration, the mean of exponential times between occurrences
/// (Poisson arrivals), or a distribution of those times.
fn recurrence(c: &mut Checker<'_>, path: &KeyPath, value: &toml::Value) -> Option<Distribution> {
    let value = match value {
        toml::Value::String(mean) => {
            let mut table = toml::value::Table::new();
            table.insert("dist".into(), toml::Value::String("exponential".into()));
            table.insert("mean".into(), toml::Value::String(mean.clone()));
            toml::Value::Table(table)
        }
        other => other.clone(),
    };
    let every = c.dist(path, &value, Duration)?;
    if every.mean() < MIN_EVERY_S {
        c.error(
            path.clone(),
            "outages must recur at least an hour apart on average (\"13w\", \"30d\")",
        );
        return None;
    }
    Some(every)
}
