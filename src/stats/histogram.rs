//! A log-linear histogram of f64 values with a fixed relative precision, the
//! quantile summary of runs too long to keep every value.
//!
//! A bucket is a value's sign, exponent and first [`SUB_BITS`] fraction bits:
//! within each power of two there are 2^11 equal buckets, so a bucket is at
//! most 2^-11 (0.049 %) of its values wide. Counts are integers, so merging
//! histograms (threads, shards) is exact and independent of order. Buckets
//! are kept in pages of 128 neighbours allocated on first use: memory depends
//! on the range of the values and how they spread, never on how many there
//! are. (A page was a whole power of two, 16 KB, once: an estate's few
//! hundred summary rows then took hundreds of megabytes; docs/performance.md.)

use std::collections::BTreeMap;

use super::bytes::Reader;

/// Fraction bits that pick a bucket within a power of two.
pub const SUB_BITS: u32 = 11;
/// Buckets per page: 128 neighbours, 1 KB of counts.
const PAGE_BITS: u32 = 7;
const PAGE: usize = 1 << PAGE_BITS;
/// Buckets per sign: every biased exponent's 2^11.
const BUCKETS: usize = 2048 << SUB_BITS;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    /// Pages of values >= 0 (and -0.0), by bucket key >> [`PAGE_BITS`]
    /// (ascending keys are ascending magnitudes).
    positive: BTreeMap<usize, Box<[u64]>>,
    /// Pages of values < 0, by the key of their magnitude.
    negative: BTreeMap<usize, Box<[u64]>>,
    count: u64,
}

/// `(negative, page, slot)` of a value's bucket.
fn bucket(x: f64) -> (bool, usize, usize) {
    let magnitude = if x == 0.0 { 0 } else { x.abs().to_bits() };
    let key = (magnitude >> (52 - SUB_BITS)) as usize;
    (x < 0.0, key >> PAGE_BITS, key & (PAGE - 1))
}

/// The bucket's bound nearest zero: its lower bound for values >= 0.
fn bound(negative: bool, page: usize, slot: usize) -> f64 {
    let magnitude = f64::from_bits((((page << PAGE_BITS) | slot) as u64) << (52 - SUB_BITS));
    if negative { -magnitude } else { magnitude }
}

/// `(bound, count)` of the non-empty buckets of one sign's pages, in the
/// order of their magnitudes.
fn non_empty(
    pages: &BTreeMap<usize, Box<[u64]>>,
    negative: bool,
) -> impl Iterator<Item = (f64, u64)> + '_ {
    pages.iter().flat_map(move |(&p, page)| {
        page.iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(move |(s, n)| (bound(negative, p, s), *n))
    })
}

impl Histogram {
    /// Counts `x` (NaN and infinities are the caller's to keep apart).
    pub fn add(&mut self, x: f64) {
        self.add_count(x, 1);
    }

    fn add_count(&mut self, x: f64, n: u64) {
        let (negative, page, slot) = bucket(x);
        let pages = if negative {
            &mut self.negative
        } else {
            &mut self.positive
        };
        pages
            .entry(page)
            .or_insert_with(|| vec![0; PAGE].into_boxed_slice())[slot] += n;
        self.count += n;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (value, n) in other.buckets() {
            self.add_count(value, n);
        }
    }

    /// `(bound nearest zero, count)` of every non-empty bucket, ascending.
    pub fn buckets(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        let negatives: Vec<(f64, u64)> = non_empty(&self.negative, true).collect();
        negatives
            .into_iter()
            .rev()
            .chain(non_empty(&self.positive, false))
    }

    /// The bucket bound of the value of rank `rank` (0-based, ascending).
    pub fn at_rank(&self, rank: u64) -> Option<f64> {
        let mut seen = 0;
        for (value, n) in self.buckets() {
            seen += n;
            if rank < seen {
                return Some(value);
            }
        }
        None
    }

    /// Exact little-endian bytes: the bucket count, then `(bucket bits, count)`
    /// pairs in ascending order.
    pub fn to_bytes(&self, out: &mut Vec<u8>) {
        let buckets: Vec<(f64, u64)> = self.buckets().collect();
        out.extend_from_slice(&(buckets.len() as u64).to_le_bytes());
        for (value, n) in buckets {
            out.extend_from_slice(&value.to_bits().to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
    }

    /// Reads what [`Histogram::to_bytes`] wrote; `None` when cut short or
    /// corrupt.
    pub(super) fn read(r: &mut Reader<'_>) -> Option<Histogram> {
        let buckets = usize::try_from(r.u64().ok()?).ok()?;
        if buckets > 2 * BUCKETS {
            return None;
        }
        let mut h = Histogram::default();
        for _ in 0..buckets {
            let value = r.f64().ok()?;
            let n = r.u64().ok()?;
            // Only bucket bounds are ever written: anything else is corrupt.
            let (negative, page, slot) = bucket(value);
            if value.is_nan() || bound(negative, page, slot).to_bits() != value.to_bits() {
                return None;
            }
            h.add_count(value, n);
        }
        Some(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_within_the_stated_precision() {
        let mut h = Histogram::default();
        let values = [-2.5, -1e-3, 0.0, 1e-3, 1.0, 3600.0, 900.5, 1e12, 1234.567];
        values.iter().for_each(|v| h.add(*v));
        let bounds: Vec<f64> = h.buckets().map(|(v, _)| v).collect();
        assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{bounds:?}");
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        for (rank, v) in sorted.iter().enumerate() {
            let b = h.at_rank(rank as u64).unwrap();
            assert!(
                (b - v).abs() <= v.abs() * 2f64.powi(-(SUB_BITS as i32)),
                "{v} {b}"
            );
            assert!(b.abs() <= v.abs());
        }
        // Integers below 2^11 and halves below 2^10 are bucket bounds: exact.
        for v in [0.0, 1.0, 3.0, 900.5, 2047.0] {
            let mut one = Histogram::default();
            one.add(v);
            assert_eq!(one.at_rank(0), Some(v));
        }
    }

    #[test]
    fn merging_and_bytes_are_exact() {
        let (mut a, mut b, mut whole) = (
            Histogram::default(),
            Histogram::default(),
            Histogram::default(),
        );
        for i in 0..5_000 {
            let v = (f64::from(i) * 0.731).sin() * 1e4;
            whole.add(v);
            if i % 3 == 0 { a.add(v) } else { b.add(v) }
        }
        let mut merged: Histogram = a.clone();
        merged.merge(&b);
        assert_eq!(merged, whole);
        let mut bytes = Vec::new();
        whole.to_bytes(&mut bytes);
        let mut r = Reader::new(&bytes);
        let back = Histogram::read(&mut r).unwrap();
        assert_eq!((back, r.at), (whole, bytes.len()));
        assert!(Histogram::read(&mut Reader::new(&bytes[..bytes.len() - 1])).is_none());
    }
}
