//! `--format json`: the summaries of `run`, `sweep` and `compare` as JSON for
//! scripts, with stable keys (docs/metrics.md, "JSON"). Numbers are in the
//! metric's unit (seconds, bytes, fractions); absent values are `null`.
//!
//! Every document is a struct deriving `Serialize`, so its keys are checked
//! by the compiler and pinned by a test of the schema; fields are declared in
//! alphabetical order, the order the documents have always had. `size`'s
//! document is in [`super::size`].

use std::collections::BTreeMap;

use serde::Serialize;

use crate::scenario::Scenario;
use crate::stats::{RunSummary, Summary, TargetVerdict};
use crate::study::compare::CompareRow;
use crate::study::sweep::SweepRow;

/// The versions of the documents' schemas (their `schema` key), bumped when
/// a key is renamed, removed or changes meaning (docs/metrics.md, "JSON").
pub const RUN_SCHEMA: u32 = 1;
pub const SWEEP_SCHEMA: u32 = 1;
pub const COMPARE_SCHEMA: u32 = 1;

/// A target's verdict with what it rests on.
#[derive(Debug, Serialize)]
pub struct VerdictDocument {
    pub fraction_ci95_high: f64,
    pub fraction_ci95_low: f64,
    pub fraction_meeting: f64,
    pub met: usize,
    pub over: &'static str,
    pub replications_to_settle: Option<u64>,
    pub required_fraction: f64,
    pub total: usize,
    pub verdict: &'static str,
}

impl VerdictDocument {
    fn of(v: &TargetVerdict) -> VerdictDocument {
        VerdictDocument {
            fraction_ci95_high: v.fraction.ci_high,
            fraction_ci95_low: v.fraction.ci_low,
            fraction_meeting: v.fraction.fraction,
            met: v.fraction.met,
            over: v.over.name(),
            replications_to_settle: v.replications_to_settle,
            required_fraction: v.required,
            total: v.fraction.total,
            verdict: v.verdict.name(),
        }
    }
}

/// One row of `summary.csv`.
#[derive(Debug, Serialize)]
pub struct MetricDocument<'a> {
    pub count: usize,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub metric: &'a str,
    pub min: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub population: &'static str,
    pub std: Option<f64>,
    pub unit: &'static str,
}

/// A target's verdict, with the metric and threshold it judges.
#[derive(Debug, Serialize)]
pub struct TargetDocument<'a> {
    pub fraction_ci95_high: f64,
    pub fraction_ci95_low: f64,
    pub fraction_meeting: f64,
    pub met: usize,
    pub metric: &'a str,
    pub over: &'static str,
    pub replications_to_settle: Option<u64>,
    pub required_fraction: f64,
    pub target_s: Option<f64>,
    pub total: usize,
    pub verdict: &'static str,
}

#[derive(Debug, Serialize)]
pub struct OutagesDocument {
    pub declared: usize,
    pub needing_resync: usize,
    pub not_closed: usize,
    pub ridden_out: usize,
    pub ridden_out_over_rto_target: Option<usize>,
    pub total: usize,
}

/// `run --format json`.
#[derive(Debug, Serialize)]
pub struct RunDocument<'a> {
    pub drsim: &'static str,
    pub files: &'a [String],
    pub kept_whole: usize,
    pub metrics: Vec<MetricDocument<'a>>,
    pub outages: OutagesDocument,
    /// `exact`, or `histogram` past `--exact-up-to`.
    pub percentiles: &'static str,
    pub replications: u64,
    pub scenario: &'a str,
    /// [`RUN_SCHEMA`].
    pub schema: u32,
    pub seed: u64,
    /// SHA-256 of the effective text (the file with `--set` applied).
    pub sha256: &'a str,
    pub source: &'a str,
    pub targets: Vec<TargetDocument<'a>>,
}

/// A run's summary: the outages, every metric row, and each target's verdict.
pub fn run_json(
    scenario: &Scenario,
    replications: u64,
    seed: u64,
    run: &RunSummary,
    files: &[String],
) -> String {
    let metrics = run
        .rows
        .iter()
        .map(|r| {
            let s = r.summary.as_ref();
            MetricDocument {
                count: r.count,
                max: s.map(|s| s.max),
                mean: s.map(|s| s.mean),
                metric: &r.metric.name,
                min: s.map(|s| s.min),
                p50: s.map(|s| s.p50),
                p90: s.map(|s| s.p90),
                p95: s.map(|s| s.p95),
                p99: s.map(|s| s.p99),
                population: r.population.name(),
                std: s.map(|s| s.std),
                unit: r.metric.unit.label(),
            }
        })
        .collect();
    let targets = run
        .verdicts()
        .map(|(r, v)| {
            let d = VerdictDocument::of(v);
            TargetDocument {
                fraction_ci95_high: d.fraction_ci95_high,
                fraction_ci95_low: d.fraction_ci95_low,
                fraction_meeting: d.fraction_meeting,
                met: d.met,
                metric: &r.metric.name,
                over: d.over,
                replications_to_settle: d.replications_to_settle,
                required_fraction: d.required_fraction,
                target_s: r.metric.target.map(|t| t.as_secs_f64()),
                total: d.total,
                verdict: d.verdict,
            }
        })
        .collect();
    let o = &run.outages;
    pretty(&RunDocument {
        drsim: env!("CARGO_PKG_VERSION"),
        files,
        kept_whole: run.kept,
        metrics,
        outages: OutagesDocument {
            declared: o.declared,
            needing_resync: o.needing_resync,
            not_closed: o.not_closed,
            ridden_out: o.ridden_out(),
            ridden_out_over_rto_target: o.ridden_out_over_rto_target,
            total: o.total,
        },
        percentiles: if run.kept < o.total {
            "histogram"
        } else {
            "exact"
        },
        replications,
        scenario: &scenario.name,
        schema: RUN_SCHEMA,
        seed,
        sha256: &scenario.effective_sha256,
        source: &scenario.source,
        targets,
    })
}

/// One point and metric of a sweep.
#[derive(Debug, Serialize)]
pub struct SweepPointDocument<'a> {
    pub count: Option<usize>,
    pub mean: Option<f64>,
    pub metric: &'static str,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub point: usize,
    pub population: &'static str,
    pub target: Option<VerdictDocument>,
    pub target_s: Option<f64>,
    /// The varied keys' values, as written on the command line (unquoted).
    pub values: BTreeMap<&'a str, &'a str>,
}

/// `sweep --format json`.
#[derive(Debug, Serialize)]
pub struct SweepDocument<'a> {
    pub drsim: &'static str,
    pub files: &'a [String],
    pub points: Vec<SweepPointDocument<'a>>,
    /// [`SWEEP_SCHEMA`].
    pub schema: u32,
}

/// A sweep: one entry per point and metric.
pub fn sweep_json(rows: &[SweepRow], files: &[String]) -> String {
    let points = rows
        .iter()
        .map(|r| {
            let s: Option<&Summary> = r.summary.as_ref();
            SweepPointDocument {
                count: s.map(|s| s.count),
                mean: s.map(|s| s.mean),
                metric: r.metric.column(),
                p50: s.map(|s| s.p50),
                p90: s.map(|s| s.p90),
                p95: s.map(|s| s.p95),
                p99: s.map(|s| s.p99),
                point: r.point,
                population: r.population.name(),
                target: r.verdict.as_ref().map(VerdictDocument::of),
                target_s: r.target,
                values: r
                    .values
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.trim_matches('"')))
                    .collect(),
            }
        })
        .collect();
    pretty(&SweepDocument {
        drsim: env!("CARGO_PKG_VERSION"),
        files,
        points,
        schema: SWEEP_SCHEMA,
    })
}

/// One compared metric.
#[derive(Debug, Serialize)]
pub struct DifferenceDocument {
    pub difference: f64,
    pub difference_ci95_high: f64,
    pub difference_ci95_low: f64,
    pub mean_a: f64,
    pub mean_b: f64,
    pub metric: &'static str,
    pub pairs: usize,
    pub population: &'static str,
    pub share_b_lower: f64,
}

/// `compare --format json`.
#[derive(Debug, Serialize)]
pub struct CompareDocument<'a> {
    pub a: &'a str,
    pub b: &'a str,
    pub differences: Vec<DifferenceDocument>,
    pub drsim: &'static str,
    pub files: &'a [String],
    /// [`COMPARE_SCHEMA`].
    pub schema: u32,
}

/// A comparison: the paired differences B - A.
pub fn compare_json(a: &str, b: &str, rows: &[CompareRow], files: &[String]) -> String {
    let differences = rows
        .iter()
        .map(|r| DifferenceDocument {
            difference: r.difference,
            difference_ci95_high: r.ci_high,
            difference_ci95_low: r.ci_low,
            mean_a: r.mean_a,
            mean_b: r.mean_b,
            metric: r.metric.name,
            pairs: r.pairs,
            population: r.metric.population.name(),
            share_b_lower: r.b_better,
        })
        .collect();
    pretty(&CompareDocument {
        a,
        b,
        differences,
        drsim: env!("CARGO_PKG_VERSION"),
        files,
        schema: COMPARE_SCHEMA,
    })
}

/// A document as printed: pretty, one trailing newline.
pub(super) fn pretty<T: Serialize>(doc: &T) -> String {
    let value = serde_json::to_value(doc).expect("a document always serialises");
    format!(
        "{}\n",
        serde_json::to_string_pretty(&value).expect("a value always prints")
    )
}

/// Which replications a shard holds, of how many in the run.
#[derive(Debug, Serialize)]
pub struct ShardRangeDocument {
    pub count: u64,
    pub first: u64,
    pub of: u64,
}

/// `run --shard I/N --format json`: what the shard wrote (one line).
#[derive(Debug, Serialize)]
pub struct ShardDocument<'a> {
    pub files: &'a [String],
    pub replications: ShardRangeDocument,
    pub scenario: &'a str,
    pub seed: u64,
    pub shard: &'a str,
}

/// A shard of a run: its label, scenario, seed, replications and files.
pub fn shard_json(
    shard: &str,
    scenario: &str,
    seed: u64,
    range: std::ops::Range<u64>,
    of: u64,
    files: &[String],
) -> String {
    let document = ShardDocument {
        files,
        replications: ShardRangeDocument {
            count: range.end - range.start,
            first: range.start,
            of,
        },
        scenario,
        seed,
        shard,
    };
    serde_json::to_string(&document).expect("a document always prints") + "\n"
}
