//! `--format json`: the summaries of `run`, `sweep` and `compare` as JSON for
//! scripts, with stable keys (docs/metrics.md, "JSON"). Numbers are in the
//! metric's unit (seconds, bytes, fractions); absent values are `null`.

use serde_json::{Value, json};

use crate::stats::{RunSummary, TargetVerdict};
use crate::study::compare::CompareRow;
use crate::study::sweep::SweepRow;

fn verdict_json(v: &TargetVerdict) -> Value {
    json!({
        "verdict": v.verdict.name(),
        "over": v.over.name(),
        "required_fraction": v.required,
        "met": v.fraction.met,
        "total": v.fraction.total,
        "fraction_meeting": v.fraction.fraction,
        "fraction_ci95_low": v.fraction.ci_low,
        "fraction_ci95_high": v.fraction.ci_high,
        "replications_to_settle": v.replications_to_settle,
    })
}

/// A run's summary: the outages, every metric row, and each target's verdict.
pub fn run_json(
    scenario: &crate::scenario::Scenario,
    replications: u64,
    seed: u64,
    run: &RunSummary,
    files: &[String],
) -> String {
    let rows: Vec<Value> = run
        .rows
        .iter()
        .map(|r| {
            let s = r.summary.as_ref();
            json!({
                "metric": r.metric.name,
                "population": r.population.name(),
                "unit": r.metric.unit.label(),
                "count": r.count,
                "mean": s.map(|s| s.mean),
                "std": s.map(|s| s.std),
                "min": s.map(|s| s.min),
                "p50": s.map(|s| s.p50),
                "p90": s.map(|s| s.p90),
                "p95": s.map(|s| s.p95),
                "p99": s.map(|s| s.p99),
                "max": s.map(|s| s.max),
            })
        })
        .collect();
    let targets: Vec<Value> = run
        .verdicts()
        .map(|(r, v)| {
            let mut t = verdict_json(v);
            t["metric"] = json!(r.metric.name);
            t["target_s"] = json!(r.metric.target.map(|d| d.as_secs_f64()));
            t
        })
        .collect();
    let o = &run.outages;
    let doc = json!({
        "drsim": env!("CARGO_PKG_VERSION"),
        "scenario": scenario.name,
        "source": scenario.source,
        "sha256": scenario.effective_sha256,
        "seed": seed,
        "replications": replications,
        "outages": {
            "total": o.total,
            "declared": o.declared,
            "ridden_out": o.ridden_out(),
            "ridden_out_over_rto_target": o.ridden_out_over_rto_target,
            "not_closed": o.not_closed,
            "needing_resync": o.needing_resync,
        },
        "kept_whole": run.kept,
        "percentiles": if run.kept < o.total { "histogram" } else { "exact" },
        "metrics": rows,
        "targets": targets,
        "files": files,
    });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// A sweep: one entry per point and metric.
pub fn sweep_json(rows: &[SweepRow], files: &[String]) -> String {
    let points: Vec<Value> = rows
        .iter()
        .map(|r| {
            let values: serde_json::Map<String, Value> = r
                .values
                .iter()
                .map(|(k, v)| (k.clone(), json!(v.trim_matches('"'))))
                .collect();
            let s = r.summary.as_ref();
            json!({
                "point": r.point,
                "values": values,
                "metric": r.metric.column(),
                "population": r.population.name(),
                "count": s.map(|s| s.count),
                "mean": s.map(|s| s.mean),
                "p50": s.map(|s| s.p50),
                "p90": s.map(|s| s.p90),
                "p95": s.map(|s| s.p95),
                "p99": s.map(|s| s.p99),
                "target_s": r.target,
                "target": r.verdict.as_ref().map(verdict_json),
            })
        })
        .collect();
    let doc = json!({ "drsim": env!("CARGO_PKG_VERSION"), "points": points, "files": files });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}

/// A comparison: the paired differences B - A.
pub fn compare_json(a: &str, b: &str, rows: &[CompareRow], files: &[String]) -> String {
    let rows: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "metric": r.metric.name,
                "population": r.metric.population.name(),
                "pairs": r.pairs,
                "mean_a": r.mean_a,
                "mean_b": r.mean_b,
                "difference": r.difference,
                "difference_ci95_low": r.ci_low,
                "difference_ci95_high": r.ci_high,
                "share_b_lower": r.b_better,
            })
        })
        .collect();
    let doc = json!({ "drsim": env!("CARGO_PKG_VERSION"), "a": a, "b": b, "differences": rows, "files": files });
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    )
}
