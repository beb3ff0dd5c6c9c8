//! Summary statistics of one metric over all replications.
//!
//! Values arrive in replication order, so every figure is independent of how
//! many threads produced them. Quantiles use linear interpolation between order
//! statistics (Hyndman and Fan's type 7, the default of R and NumPy); target
//! fractions come with a Wilson score interval.

use crate::cycle::CycleOutcome;
use crate::metrics::{Metric, MetricId};

/// z for a two-sided 95 % interval.
const Z_95: f64 = 1.959_963_984_540_054;

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
        let (ci_low, ci_high) = wilson_interval(met, values.len());
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

/// Wilson score interval for `k` successes in `n` trials at 95 %.
pub fn wilson_interval(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let z2 = Z_95 * Z_95;
    let centre = (p + z2 / (2.0 * n_f)) / (1.0 + z2 / n_f);
    let half = Z_95 * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / (1.0 + z2 / n_f);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// One metric's summary over a run, with its target fraction when it has a target.
#[derive(Debug, Clone)]
pub struct MetricSummary {
    pub metric: Metric,
    pub summary: Summary,
    pub target: Option<TargetFraction>,
}

/// Collects every metric's values in replication order, then summarises them.
#[derive(Debug, Clone)]
pub struct Collector {
    metrics: Vec<Metric>,
    columns: Vec<Vec<f64>>,
}

impl Collector {
    pub fn new(metrics: Vec<Metric>) -> Self {
        let columns = vec![Vec::new(); metrics.len()];
        Collector { metrics, columns }
    }

    pub fn push(&mut self, outcome: &CycleOutcome) {
        for (metric, column) in self.metrics.iter().zip(&mut self.columns) {
            column.push(metric.value(outcome));
        }
    }

    /// The values of metric `id`, in replication order; `None` when the run
    /// does not collect it (e.g. a per-group metric of another scenario).
    pub fn column(&self, id: MetricId) -> Option<&[f64]> {
        let i = self.metrics.iter().position(|m| m.id() == id)?;
        Some(&self.columns[i])
    }

    /// One summary per metric, in metric order; empty when nothing was pushed.
    pub fn finish(self) -> Vec<MetricSummary> {
        self.metrics
            .into_iter()
            .zip(self.columns)
            .filter_map(|(metric, values)| {
                let summary = Summary::of(&values)?;
                let target = metric
                    .target
                    .map(|t| TargetFraction::of(&values, t.as_secs_f64()));
                Some(MetricSummary {
                    metric,
                    summary,
                    target,
                })
            })
            .collect()
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
        let (lo, hi) = wilson_interval(81, 263);
        assert!(
            (lo - 0.2553).abs() < 5e-4 && (hi - 0.3662).abs() < 5e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_interval(10, 10);
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
