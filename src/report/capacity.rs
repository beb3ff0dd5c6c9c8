//! The run's capacity sentences: which resources were over capacity in how
//! many replications (and what that means), and where the cycles that did
//! not close stood (docs/model.md, "Capacity").

use crate::cycle::capacity::{CACHE_LEVELS, Overload, cache_behind};
use crate::report::table::thousands;
use crate::scenario::Scenario;
use crate::scenario::units::format_share;
use crate::scenario::units::{format_byte_rate, format_bytes, format_duration_short};
use crate::stats::RunSummary;

/// A reprotect longer than this (30 days) in a closed cycle is remarked on.
const LONG_STAGE_S: f64 = 30.0 * 86_400.0;

/// At most this many places where open cycles stood are named.
const OPEN_NAMED: usize = 3;

/// One sentence per resource over capacity in some replication, then one on
/// the cycles that did not close; empty when neither happened.
pub fn capacity_sentences(s: &Scenario, run: &RunSummary) -> Vec<String> {
    let total = run.outages.total.max(1);
    let share = |k: u64| format_share(k as f64 / total as f64);
    let mut out = Vec::new();
    for (&resource, count) in &run.capacity.overloads {
        let (load, cap) = count.means();
        let o = Overload {
            resource,
            load,
            capacity: cap,
        };
        let what = if resource.protects() {
            "the RPO, data lost and lag of those replications grow without bound, so they are left empty and the RPO target counts as missed, whatever `history` says"
        } else {
            "those cycles cannot close"
        };
        out.push(format!(
            "OVER CAPACITY in {} of {} replications ({}), means over them: {}; {what} (replications.csv: over_capacity)",
            thousands(count.replications as usize),
            thousands(run.outages.total),
            share(count.replications),
            describe(s, &o),
        ));
    }
    // The RPO's figures (and what drives them) are over the replications
    // that have one: say how many had none, and why, so a driver sentence
    // about link queueing is not read as the whole story.
    if let Some(row) = run.rows.iter().find(|r| {
        r.metric.id() == crate::metrics::MetricId::Rpo
            && r.population == crate::scenario::Population::Declared
    }) {
        let missing = run.outages.declared.saturating_sub(row.count);
        if missing > 0 {
            let protecting: Vec<String> = run
                .capacity
                .overloads
                .keys()
                .filter(|r| r.protects())
                .map(|r| format!("{} ({})", r.name(s), r.key(s)))
                .collect();
            out.push(format!(
                "the RPO over declared disasters has a value in {} of {}: the other {} were over capacity (no steady state, the target missed), limited by {}; fix that first: the RPO's figures and drivers are over the rest",
                thousands(row.count),
                thousands(run.outages.declared),
                thousands(missing),
                protecting.join(", ")
            ));
        }
    }
    // A closed cycle's stage that took weeks: near capacity, not over it (or
    // a long wait), worth a look rather than a silent maximum.
    for row in &run.rows {
        let stage = match row.metric.id() {
            crate::metrics::MetricId::Stage2 => 2,
            crate::metrics::MetricId::Stage4 => 4,
            _ => continue,
        };
        if let Some(summary) = &row.summary
            && summary.max > LONG_STAGE_S
        {
            out.push(format!(
                "stage {stage} took up to {} in a cycle that closed ({}_s max; p99 {}): a reprotect this slow is worth a look (a way near its capacity: validate's capacity lines; a slow checksum or a long wait: the trace of that replication)",
                format_duration_short(summary.max),
                row.metric.name.trim_end_matches("_s"),
                format_duration_short(summary.p99)
            ));
        }
    }
    let open: u64 = run.capacity.open.values().sum();
    if open > 0 {
        let mut places: Vec<_> = run.capacity.open.iter().collect();
        // Most frequent first; ties in stage, plan, VM order.
        places.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let named: Vec<String> = places
            .iter()
            .take(OPEN_NAMED)
            .map(|(place, n)| {
                let plan = if s.is_estate() {
                    format!(" of plan `{}`", s.plans[place.plan].id)
                } else {
                    String::new()
                };
                let mut text = format!("{} in stage {}{plan}", thousands(**n as usize), place.stage);
                match place.vm {
                    Some(v) => text.push_str(&format!(
                        ", `{}` still moving its data{}",
                        s.vms[v].id,
                        match place.resource {
                            Some(r) => format!(" through {}, over capacity", r.name(s)),
                            None => format!(
                                " over link `{}` (no resource over capacity on average: a slow draw or a long backlog)",
                                s.links[s.vms[v].link].id
                            ),
                        }
                    )),
                    None => text.push_str(match place.stage {
                        1 => ", its failover never completed (a VM not created)",
                        _ => ", waiting to start (a failback window or an operator never came)",
                    }),
                }
                text
            })
            .collect();
        let rest = places.len().saturating_sub(OPEN_NAMED);
        out.push(format!(
            "{} cycles ({}) did not close within one year and are out of the stage statistics (stage durations and bytes): {}{}",
            thousands(open as usize),
            share(open),
            named.join("; "),
            if rest > 0 {
                format!("; and {rest} other places")
            } else {
                String::new()
            }
        ));
    }
    out
}

/// One replication's resources over capacity and, for a cycle cut off,
/// where it stood: what `trace` prints.
pub fn replication_lines(s: &Scenario, o: &crate::cycle::CycleOutcome) -> Vec<String> {
    let mut out: Vec<String> = o
        .overloads
        .iter()
        .map(|overload| format!("OVER CAPACITY: {}", describe(s, overload)))
        .collect();
    if let Some(open) = o.open {
        let mut text = format!(
            "the cycle did not close within one year: plan `{}` was in stage {}",
            s.plans[open.plan].id, open.stage
        );
        if let Some(v) = open.vm {
            text.push_str(&format!(", `{}` still moving its data", s.vms[v].id));
        }
        if let Some(r) = open.resource {
            text.push_str(&format!(" through {}, over capacity", r.name(s)));
        }
        out.push(text);
    }
    out
}

/// What would lift an overload, with the value: the key to raise and the
/// load it must carry (a process server's VMs spread over more servers).
fn lift(s: &Scenario, o: &Overload) -> String {
    use crate::cycle::capacity::Resource;
    match o.resource {
        Resource::ProcessServer(_) => format!(
            "spread its VMs over {} process servers or more (`replication.process_servers`, or `process_server` on the VMs), or raise `process_server_throughput` above {}",
            (o.load / o.capacity).ceil(),
            format_byte_rate(o.load)
        ),
        Resource::ReprotectCap(_) => format!(
            "raise `{}` above {}",
            o.resource.key(s),
            format_byte_rate(o.load / s.reprotect.transfer_fraction)
        ),
        _ => format!(
            "raise `{}` above {}",
            o.resource.key(s),
            format_byte_rate(o.load)
        ),
    }
}

/// What ASR does at each of [`CACHE_LEVELS`].
const CACHE_LEVEL_NAMES: [&str; 3] = [
    "first alert (free space below 30%)",
    "second alert (below 25%)",
    "throttling (below 20%)",
];

/// An overload in words: the resource, its load against its capacity, the
/// VMs it carries, how fast the lag and the backlog grow, and, behind a
/// cache, the days until each of its documented levels.
pub fn describe(s: &Scenario, o: &Overload) -> String {
    let vms = o.resource.vms(s);
    let named: Vec<&str> = vms.iter().take(3).map(|&v| s.vms[v].id.as_str()).collect();
    let more = if vms.len() > 3 {
        format!(" and {} more", vms.len() - 3)
    } else {
        String::new()
    };
    let mut text = format!(
        "{}: mean churn {} ({}/day) against {} ({}/day), {:.0}% of capacity, VMs {}{}; the backlog grows {} a day",
        o.resource.name(s),
        format_byte_rate(o.load),
        format_bytes(o.load * 86_400.0),
        format_byte_rate(o.capacity),
        format_bytes(o.capacity * 86_400.0),
        o.load / o.capacity * 100.0,
        named.join(", "),
        more,
        format_bytes(o.backlog_growth_per_day()),
    );
    if o.resource.protects() {
        text.push_str(&format!(
            " and the lag {} a day",
            format_duration_short(o.lag_growth_per_day())
        ));
        if let Some(cache) = cache_behind(s, o.resource) {
            let days: Vec<String> = CACHE_LEVELS
                .iter()
                .zip(CACHE_LEVEL_NAMES)
                .map(|(used, what)| {
                    format!(
                        "{what} after {:.1} days",
                        cache * used / o.backlog_growth_per_day()
                    )
                })
                .collect();
            text.push_str(&format!(
                "; its cache ({}) reaches its {}",
                format_bytes(cache),
                days.join(", ")
            ));
        }
    } else {
        let stages: Vec<String> = o.resource.stages().iter().map(|k| k.to_string()).collect();
        text.push_str(&format!(
            ": stage {} cannot finish",
            stages.join(" and stage ")
        ));
    }
    text.push_str(&format!(" ({})", lift(s, o)));
    text
}
