//! What explaining a target needs over every replication, not only those kept
//! whole: for a metric with a target and its attribution parts (the RTO and
//! its critical-path parts, the RPO and its parts), the exact sums of the
//! metric and of each part over the outages that met the target, per
//! population. With the metric's and the parts' streams (sums over all), they
//! give the mean composition of the outages that met the target and of those
//! that missed it over the counted replications, so `run` explains the same
//! misses its verdict counts (docs/metrics.md, "Long runs").

use super::bytes::Reader;
use super::exact_sum::ExactSum;

/// The met outages' sums for one target metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetSums {
    /// The metric's column, then its parts' columns, in part order.
    pub(super) columns: Vec<usize>,
    /// The metric's target, seconds.
    target: f64,
    /// Per population (all outages, declared disasters): outages that met
    /// the target, and the exact sum of each column over them.
    count: [u64; 2],
    sums: [Vec<ExactSum>; 2],
}

impl MetSums {
    pub fn new(columns: Vec<usize>, target: f64) -> MetSums {
        let n = columns.len();
        MetSums {
            columns,
            target,
            count: [0; 2],
            sums: [vec![ExactSum::default(); n], vec![ExactSum::default(); n]],
        }
    }

    /// Adds one replication's row (NaN: does not exist) to the populations
    /// it belongs to.
    pub fn add(&mut self, row: &[f64], declared: bool) {
        let metric = row[self.columns[0]];
        if metric.is_nan() || metric > self.target {
            return;
        }
        if self.columns.iter().any(|&c| row[c].is_nan()) {
            return;
        }
        for population in 0..2 {
            if population == 1 && !declared {
                continue;
            }
            self.count[population] += 1;
            for (sum, &c) in self.sums[population].iter_mut().zip(&self.columns) {
                sum.add(row[c]);
            }
        }
    }

    pub fn merge(&mut self, other: &MetSums) {
        for population in 0..2 {
            self.count[population] += other.count[population];
            for (a, b) in self.sums[population]
                .iter_mut()
                .zip(&other.sums[population])
            {
                a.merge(b);
            }
        }
    }

    /// The met outages of `population` (0: all, 1: declared): how many, and
    /// each column's sum (the metric's first).
    pub fn met(&self, population: usize) -> (u64, Vec<f64>) {
        (
            self.count[population],
            self.sums[population].iter().map(ExactSum::value).collect(),
        )
    }

    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        for population in 0..2 {
            out.extend_from_slice(&self.count[population].to_le_bytes());
            for sum in &self.sums[population] {
                sum.to_bytes(out);
            }
        }
    }

    /// Reads what [`MetSums::to_bytes`] wrote into a `MetSums` laid out as
    /// `self`; `None` when cut short or corrupt.
    pub(super) fn read(&self, r: &mut Reader<'_>) -> Option<MetSums> {
        let mut out = MetSums::new(self.columns.clone(), self.target);
        for population in 0..2 {
            out.count[population] = r.u64().ok()?;
            for sum in &mut out.sums[population] {
                *sum = ExactSum::read(r)?;
            }
        }
        Some(out)
    }
}
