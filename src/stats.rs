//! Summary statistics of the metrics over a run, per population of outages,
//! and the verdict on each target.
//!
//! Values arrive in replication order, so every figure is independent of how
//! many threads produced them. A metric that does not exist in a replication
//! (a stage that did not happen) is left out of its summaries, whose `count`
//! says how many replications they cover. Quantiles use linear interpolation
//! between order statistics (Hyndman and Fan's type 7, the default of R and
//! NumPy); target fractions come with a Wilson score interval, and verdicts
//! ([`verdict`]) respect it.

pub mod state;
pub mod verdict;

use crate::cycle::CycleOutcome;
use crate::metrics::{Metric, MetricId, in_population};
use crate::scenario::{Population, Targets};
pub use verdict::{TargetVerdict, Verdict};

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
    let n = sorted.len();
    if n == 1 {
        return sorted[0];
    }
    let h = (n - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

impl TargetFraction {
    /// The share of `values` at or below `target`.
    pub fn of(values: &[f64], target: f64) -> TargetFraction {
        let met = values.iter().filter(|&&v| v <= target).count();
        let (ci_low, ci_high) = wilson_interval(met, values.len(), Z_95);
        TargetFraction {
            met,
            total: values.len(),
            fraction: if values.is_empty() {
                0.0
            } else {
                met as f64 / values.len() as f64
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
    /// Replications in which some VM lagged beyond the retention window.
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
}

impl RunSummary {
    /// The rows that carry a verdict, in metric order.
    pub fn verdicts(&self) -> impl Iterator<Item = (&MetricSummary, &TargetVerdict)> {
        self.rows
            .iter()
            .filter_map(|r| r.verdict.as_ref().map(|v| (r, v)))
    }
}

/// Collects every metric's values in replication order (NaN where a value does
/// not exist), with whether each replication declared a disaster, then
/// summarises them.
#[derive(Debug, Clone)]
pub struct Collector {
    metrics: Vec<Metric>,
    columns: Vec<Vec<f64>>,
    declared: Vec<bool>,
    /// The replications' random inputs, one column per input (sensitivity).
    inputs: Vec<Vec<f64>>,
}

impl Collector {
    pub fn new(metrics: Vec<Metric>) -> Self {
        let columns = vec![Vec::new(); metrics.len()];
        Collector {
            metrics,
            columns,
            declared: Vec::new(),
            inputs: Vec::new(),
        }
    }

    pub fn push(&mut self, outcome: &CycleOutcome) {
        for (metric, column) in self.metrics.iter().zip(&mut self.columns) {
            column.push(metric.value(outcome).unwrap_or(f64::NAN));
        }
        self.declared
            .push(in_population(outcome, Population::Declared));
        if self.inputs.is_empty() {
            self.inputs = vec![Vec::new(); outcome.inputs.len()];
        }
        for (column, value) in self.inputs.iter_mut().zip(&outcome.inputs) {
            column.push(*value);
        }
    }

    /// The random inputs, one column per input, over the replications of
    /// `population` in replication order (aligned with [`Collector::aligned`]).
    pub fn inputs(&self, population: Population) -> Vec<Vec<f64>> {
        self.inputs
            .iter()
            .map(|c| {
                c.iter()
                    .zip(&self.declared)
                    .filter(|(_, declared)| population == Population::All || **declared)
                    .map(|(v, _)| *v)
                    .collect()
            })
            .collect()
    }

    /// Replications collected so far.
    pub fn len(&self) -> usize {
        self.declared.len()
    }

    pub fn is_empty(&self) -> bool {
        self.declared.is_empty()
    }

    /// The values of metric `id` over `population`, in replication order, where
    /// they exist; `None` when the run does not collect the metric.
    pub fn values(&self, id: MetricId, population: Population) -> Option<Vec<f64>> {
        let i = self.metrics.iter().position(|m| m.id() == id)?;
        Some(self.present(i, population))
    }

    /// The values of metric `id`, one per replication of `population` in
    /// replication order, NaN where the metric does not exist: columns read
    /// this way line up row by row.
    pub fn aligned(&self, id: MetricId, population: Population) -> Option<Vec<f64>> {
        let i = self.metrics.iter().position(|m| m.id() == id)?;
        Some(
            self.columns[i]
                .iter()
                .zip(&self.declared)
                .filter(|(_, declared)| population == Population::All || **declared)
                .map(|(v, _)| *v)
                .collect(),
        )
    }

    fn present(&self, column: usize, population: Population) -> Vec<f64> {
        self.columns[column]
            .iter()
            .zip(&self.declared)
            .filter(|(v, declared)| !v.is_nan() && (population == Population::All || **declared))
            .map(|(v, _)| *v)
            .collect()
    }

    /// The verdict on each target so far, in metric order: `(metric, verdict)`.
    pub fn target_verdicts(&self, targets: &Targets) -> Vec<(Metric, TargetVerdict)> {
        self.metrics
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let over = judged_over(m, targets)?;
                let target = m.target?.as_secs_f64();
                let fraction = TargetFraction::of(&self.present(i, over), target);
                Some((
                    m.clone(),
                    TargetVerdict::judge(fraction, targets.required_fraction, over),
                ))
            })
            .collect()
    }

    /// One row per metric and population (docs/metrics.md), in metric order.
    pub fn finish(&self, targets: &Targets) -> RunSummary {
        let mut rows = Vec::new();
        for (i, metric) in self.metrics.iter().enumerate() {
            for &population in metric.populations() {
                let values = self.present(i, population);
                let target = metric
                    .target
                    .map(|t| TargetFraction::of(&values, t.as_secs_f64()));
                let verdict = match (target, judged_over(metric, targets)) {
                    (Some(fraction), Some(over)) if over == population => Some(
                        TargetVerdict::judge(fraction, targets.required_fraction, over),
                    ),
                    _ => None,
                };
                rows.push(MetricSummary {
                    metric: metric.clone(),
                    population,
                    summary: Summary::of(&values),
                    count: values.len(),
                    target,
                    verdict,
                });
            }
        }
        let declared = self.declared.iter().filter(|d| **d).count();
        let ridden_out_over_rto_target = targets.rto.and_then(|t| {
            let rto = self.metrics.iter().position(|m| m.id() == MetricId::Rto)?;
            let t = t.as_secs_f64();
            Some(
                self.columns[rto]
                    .iter()
                    .zip(&self.declared)
                    .filter(|(v, declared)| !**declared && **v > t)
                    .count(),
            )
        });
        let not_closed = self
            .metrics
            .iter()
            .position(|m| m.id() == MetricId::Closed)
            .map_or(0, |c| self.columns[c].iter().filter(|v| **v == 0.0).count());
        let needing_resync = self
            .metrics
            .iter()
            .position(|m| m.id() == MetricId::ResyncVms)
            .map_or(0, |c| self.columns[c].iter().filter(|v| **v > 0.0).count());
        RunSummary {
            rows,
            outages: Outages {
                total: self.len(),
                declared,
                ridden_out_over_rto_target,
                not_closed,
                needing_resync,
            },
        }
    }
}

/// The population a metric's target is judged on, if the metric has a target.
fn judged_over(metric: &Metric, targets: &Targets) -> Option<Population> {
    metric.target?;
    match metric.id() {
        MetricId::Rpo => Some(targets.rpo_over),
        MetricId::Rto => Some(targets.rto_over),
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
