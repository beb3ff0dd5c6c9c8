//! What a run keeps of one metric over one population once it has more
//! replications than it keeps whole: counts, exact sums, extremes and a
//! histogram. Every part merges exactly and in any order, so summaries from
//! it are the same for any thread count and any split into shards.

use super::bytes::Reader;
use super::exact_sum::{ExactSum, variance};
use super::histogram::Histogram;
use super::{Summary, TargetFraction, quantile_by_rank};

#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// Values counted (NaN, "does not exist", never is).
    pub count: u64,
    /// Values at or below the metric's target.
    pub met: u64,
    min: f64,
    max: f64,
    sum: ExactSum,
    sum_of_squares: ExactSum,
    histogram: Histogram,
}

impl Default for Stream {
    fn default() -> Self {
        Stream {
            count: 0,
            met: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            sum: ExactSum::default(),
            sum_of_squares: ExactSum::default(),
            histogram: Histogram::default(),
        }
    }
}

impl Stream {
    /// Counts `x` (a value that exists); `target` is the metric's, if any.
    pub fn add(&mut self, x: f64, target: Option<f64>) {
        self.count += 1;
        self.met += u64::from(target.is_some_and(|t| x <= t));
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.sum.add(x);
        self.sum_of_squares.add_square(x);
        self.histogram.add(x);
    }

    /// The exact sum of the values counted.
    pub fn sum(&self) -> f64 {
        self.sum.value()
    }

    pub fn merge(&mut self, other: &Stream) {
        self.count += other.count;
        self.met += other.met;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum.merge(&other.sum);
        self.sum_of_squares.merge(&other.sum_of_squares);
        self.histogram.merge(&other.histogram);
    }

    /// The share of the values at or below the metric's target, exact.
    pub fn target_fraction(&self) -> TargetFraction {
        TargetFraction::of_counts(self.met as usize, self.count as usize)
    }

    /// Count, mean and standard deviation exact to the last bit or two, min
    /// and max exact, quantiles within the histogram's precision.
    pub fn summary(&self) -> Option<Summary> {
        if self.count == 0 {
            return None;
        }
        let d = Distribution::Binned(self);
        let std = match self.min == self.max {
            true => 0.0,
            false => variance(self.count, &self.sum, &self.sum_of_squares).sqrt(),
        };
        Some(Summary {
            count: self.count as usize,
            mean: self.sum.value() / self.count as f64,
            std,
            min: self.min,
            p50: d.quantile(0.50),
            p90: d.quantile(0.90),
            p95: d.quantile(0.95),
            p99: d.quantile(0.99),
            max: self.max,
        })
    }

    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.count.to_le_bytes());
        out.extend_from_slice(&self.met.to_le_bytes());
        out.extend_from_slice(&self.min.to_le_bytes());
        out.extend_from_slice(&self.max.to_le_bytes());
        self.sum.to_bytes(out);
        self.sum_of_squares.to_bytes(out);
        self.histogram.to_bytes(out);
    }

    /// Reads what [`Stream::to_bytes`] wrote; `None` when cut short or
    /// inconsistent.
    pub(super) fn read(r: &mut Reader<'_>) -> Option<Stream> {
        let stream = Stream {
            count: r.u64().ok()?,
            met: r.u64().ok()?,
            min: r.f64().ok()?,
            max: r.f64().ok()?,
            sum: ExactSum::read(r)?,
            sum_of_squares: ExactSum::read(r)?,
            histogram: Histogram::read(r)?,
        };
        (stream.histogram.count() == stream.count && stream.met <= stream.count).then_some(stream)
    }
}

/// The values of one metric over one population, sorted: every value when the
/// run kept them all, else the histogram of a `Stream` (values stand at
/// their bucket's bound nearest zero, clamped to the exact min and max).
#[derive(Debug, Clone)]
pub enum Distribution<'a> {
    Sorted(Vec<f64>),
    Binned(&'a Stream),
}

impl Distribution<'_> {
    /// Sorts `values` (NaN, "does not exist", left out).
    pub fn of(values: &[f64]) -> Distribution<'static> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        Distribution::Sorted(sorted)
    }

    pub fn len(&self) -> usize {
        match self {
            Distribution::Sorted(v) => v.len(),
            Distribution::Binned(s) => s.count as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of rank `rank` (0-based, ascending); the first and last are
    /// the exact min and max.
    pub fn at_rank(&self, rank: usize) -> f64 {
        match self {
            Distribution::Sorted(v) => v[rank],
            Distribution::Binned(s) if rank == 0 => s.min,
            Distribution::Binned(s) if rank + 1 >= s.count as usize => s.max,
            Distribution::Binned(s) => s
                .histogram
                .at_rank(rank as u64)
                .map_or(s.max, |v| v.clamp(s.min, s.max)),
        }
    }

    /// Type-7 quantile ([`crate::stats::quantile_by_rank`]).
    pub fn quantile(&self, q: f64) -> f64 {
        quantile_by_rank(self.len(), q, |rank| self.at_rank(rank))
    }

    pub fn min(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.at_rank(0))
    }

    pub fn max(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.at_rank(self.len() - 1))
    }

    /// Every value with how many times it occurs, ascending.
    pub fn counted(&self) -> Box<dyn Iterator<Item = (f64, usize)> + '_> {
        match self {
            Distribution::Sorted(v) => Box::new(v.iter().map(|x| (*x, 1))),
            Distribution::Binned(s) => Box::new(
                s.histogram
                    .buckets()
                    .map(|(x, n)| (x.clamp(s.min, s.max), n as usize)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::histogram::SUB_BITS;

    #[test]
    fn a_stream_summarises_as_the_exact_values_do_within_the_stated_precision() {
        let values: Vec<f64> = (0..20_000)
            .map(|i| 300.0 + 1e4 * ((f64::from(i) * 0.618).fract()).powi(3))
            .collect();
        let mut stream = Stream::default();
        values.iter().for_each(|v| stream.add(*v, Some(900.0)));
        let exact = Summary::of(&values).unwrap();
        let binned = stream.summary().unwrap();
        assert_eq!(
            (binned.count, binned.min, binned.max),
            (exact.count, exact.min, exact.max)
        );
        assert!((binned.mean - exact.mean).abs() <= 1e-12 * exact.mean);
        assert!((binned.std - exact.std).abs() <= 1e-9 * exact.std);
        let precision = 2f64.powi(-(SUB_BITS as i32));
        for (b, e) in [
            (binned.p50, exact.p50),
            (binned.p90, exact.p90),
            (binned.p99, exact.p99),
        ] {
            assert!(b <= e && e - b <= e * precision, "{b} {e}");
        }
        let met = values.iter().filter(|v| **v <= 900.0).count() as u64;
        assert_eq!(stream.met, met);

        let mut bytes = Vec::new();
        stream.to_bytes(&mut bytes);
        let mut r = Reader::new(&bytes);
        let back = Stream::read(&mut r).unwrap();
        assert_eq!((back, r.at), (stream, bytes.len()));
    }

    #[test]
    fn constant_values_summarise_exactly() {
        let mut stream = Stream::default();
        (0..1000).for_each(|_| stream.add(1234.567, None));
        let s = stream.summary().unwrap();
        assert_eq!(
            (s.mean, s.std, s.p50, s.p99),
            (1234.567, 0.0, 1234.567, 1234.567)
        );
    }
}
