//! Summary statistics of the metrics over a run, per population of outages,
//! and the verdict on each target.
//!
//! Values arrive in replication order, so every figure is independent of how
//! many threads produced them. A metric that does not exist in a replication
//! (a stage that did not happen) is left out of its summaries, whose `count`
//! says how many replications they cover. Quantiles use linear interpolation
//! between order statistics (Hyndman and Fan's type 7, the default of R and
//! NumPy) while the run keeps every value, and come from a histogram of stated
//! precision beyond ([`Collector`]); target fractions are exact counts with a
//! Wilson score interval, and verdicts ([`verdict`]) respect it.

mod bytes;
pub mod capacity_tally;
mod collector;
mod exact_sum;
mod histogram;
mod met_sums;
pub mod state;
mod stream;
pub mod verdict;

use crate::metrics::{Metric, MetricId};
use crate::scenario::{Population, Targets};
pub use collector::{Collector, EXACT_UP_TO};
pub use stream::{Distribution, Stream};
pub use verdict::{TargetVerdict, Verdict};

/// The largest relative error of a percentile from the histogram of a run
/// past `--exact-up-to` (it lies below the exact one by at most this share).
pub fn histogram_precision() -> f64 {
    2f64.powi(-(histogram::SUB_BITS as i32))
}

/// z for a two-sided 95 % interval.
pub const Z_95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    /// Sample standard deviation (n - 1); 0 for a single value.
    pub std: f64,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// How many replications met a target, and the 95 % interval of the fraction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetFraction {
    pub met: usize,
    pub total: usize,
    pub fraction: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl Summary {
    /// Summarises `values` (in replication order); `None` when empty.
    pub fn of(values: &[f64]) -> Option<Summary> {
        if values.is_empty() {
            return None;
        }
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Some(Summary {
            count: n,
            mean,
            std: var.sqrt(),
            min: sorted[0],
            p50: quantile_sorted(&sorted, 0.50),
            p90: quantile_sorted(&sorted, 0.90),
            p95: quantile_sorted(&sorted, 0.95),
            p99: quantile_sorted(&sorted, 0.99),
            max: sorted[n - 1],
        })
    }
}

/// Type-7 quantile of sorted data: `x[h]` interpolated at `h = (n - 1) q`.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    quantile_by_rank(sorted.len(), q, |rank| sorted[rank])
}

/// Type-7 quantile of `n` ordered values read by rank (0-based, ascending):
/// every summary's quantiles, over all values or over a histogram's.
pub fn quantile_by_rank(n: usize, q: f64, at_rank: impl Fn(usize) -> f64) -> f64 {
    if n == 1 {
        return at_rank(0);
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (at_rank(lo), at_rank(hi));
    a + (h - lo as f64) * (b - a)
}

impl TargetFraction {
    /// The share of `values` at or below `target`.
    pub fn of(values: &[f64], target: f64) -> TargetFraction {
        let met = values.iter().filter(|&&v| v <= target).count();
        TargetFraction::of_counts(met, values.len())
    }

    /// The share of `total` replications whose value in `values` is at or
    /// below `target`: the replications without a value (`total` less
    /// `values.len()`) missed it.
    pub fn of_over(values: &[f64], target: f64, total: usize) -> TargetFraction {
        let met = values.iter().filter(|&&v| v <= target).count();
        TargetFraction::of_counts(met, total.max(values.len()))
    }

    /// `met` of `total` replications met the target.
    pub fn of_counts(met: usize, total: usize) -> TargetFraction {
        let (ci_low, ci_high) = wilson_interval(met, total, Z_95);
        TargetFraction {
            met,
            total,
            fraction: if total == 0 {
                0.0
            } else {
                met as f64 / total as f64
            },
            ci_low,
            ci_high,
        }
    }
}

/// Wilson score interval for `k` successes in `n` trials, `z` standard
/// errors wide (`Z_95` for 95 %).
pub fn wilson_interval(k: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n_f)) / (1.0 + z2 / n_f);
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / (1.0 + z2 / n_f);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// One metric's summary over one population, with its target fraction when it
/// has a target, and the verdict on the row the target is judged on.
#[derive(Debug, Clone)]
pub struct MetricSummary {
    pub metric: Metric,
    pub population: Population,
    /// `None` when no replication of the population has the metric.
    pub summary: Option<Summary>,
    /// Replications in the population where the metric exists.
    pub count: usize,
    pub target: Option<TargetFraction>,
    pub verdict: Option<TargetVerdict>,
}

/// What a run's outages were: how many, how many declared, how many ridden out
/// for longer than the RTO target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outages {
    pub total: usize,
    pub declared: usize,
    /// Ridden-out outages longer than the RTO target (when there is one): misses
    /// caused by the decision rule, not by the plan.
    pub ridden_out_over_rto_target: Option<usize>,
    /// Cycles that did not close within the one-year horizon.
    pub not_closed: usize,
    /// Replications in which some VM was being resynchronised at the outage.
    pub needing_resync: usize,
}

impl Outages {
    pub fn ridden_out(&self) -> usize {
        self.total - self.declared
    }
}

/// Every summary row of a run and its outages.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub rows: Vec<MetricSummary>,
    pub outages: Outages,
    /// Resources over capacity and where cut-off cycles stood.
    pub capacity: capacity_tally::CapacityTally,
    /// Replications kept whole ([`Collector`]): all of them (`outages.total`),
    /// or the first ones of a longer run, whose quantiles then come from a
    /// histogram.
    pub kept: usize,
}

impl RunSummary {
    /// The rows that carry a verdict, in metric order.
    /// Judges every target again at an interval `z` standard errors wide,
    /// of confidence `level` (`run --until-settled`: the stopping rule's).
    pub fn judge_at(&mut self, z: f64, level: f64) {
        for row in &mut self.rows {
            if let Some(v) = &mut row.verdict {
                *v = TargetVerdict::judge_at(v.fraction, v.required, v.over, z, level);
            }
        }
    }

    pub fn verdicts(&self) -> impl Iterator<Item = (&MetricSummary, &TargetVerdict)> {
        self.rows
            .iter()
            .filter_map(|r| r.verdict.as_ref().map(|v| (r, v)))
    }
}

/// The population a metric's target is judged on, if the metric has a target.
fn judged_over(metric: &Metric, targets: &Targets) -> Option<Population> {
    metric.target?;
    match metric.id() {
        MetricId::Rpo | MetricId::PlanRpo(_) => Some(targets.rpo_over),
        MetricId::Rto | MetricId::RtoFromFailover | MetricId::PlanRto(_) => Some(targets.rto_over),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        let data = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        // numpy.percentile(range(1, 11), [50, 90, 95, 99]) = 5.5, 9.1, 9.55, 9.91
        let s = Summary::of(&data).unwrap();
        assert!((s.p50 - 5.5).abs() < 1e-12);
        assert!((s.p90 - 9.1).abs() < 1e-12);
        assert!((s.p95 - 9.55).abs() < 1e-12);
        assert!((s.p99 - 9.91).abs() < 1e-12);
        assert!((s.std - 3.027_650_354_097_491_7).abs() < 1e-12);
        assert_eq!((s.min, s.max, s.count), (1.0, 10.0, 10));
    }

    #[test]
    fn single_values_and_empty_input() {
        let s = Summary::of(&[4.0]).unwrap();
        assert_eq!((s.p50, s.p99, s.std), (4.0, 4.0, 0.0));
        assert!(Summary::of(&[]).is_none());
    }

    #[test]
    fn wilson_interval_known_values() {
        // 81 of 263: Wilson 95 % interval (0.2553, 0.3662) (Newcombe 1998, example).
        let (lo, hi) = wilson_interval(81, 263, Z_95);
        assert!(
            (lo - 0.2553).abs() < 5e-4 && (hi - 0.3662).abs() < 5e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_interval(10, 10, Z_95);
        // All successes: the upper bound is 1 and the lower n / (n + z^2) = 0.7225.
        assert!(
            (hi - 1.0).abs() < 1e-12 && (lo - 0.7225).abs() < 1e-3,
            "{lo} {hi}"
        );
    }

    #[test]
    fn target_fraction_counts_values_at_or_below() {
        let t = TargetFraction::of(&[1.0, 2.0, 3.0, 4.0], 2.0);
        assert_eq!((t.met, t.total, t.fraction), (2, 4, 0.5));
    }
}
