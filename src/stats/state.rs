//! A [`Collector`] as bytes, so that shards of a run can be merged into
//! exactly the summaries a single run computes.
//!
//! The format is exact (every f64 as its eight little-endian bytes, so NaN
//! markers and every bit survive; sums as their exact fixed point; histograms
//! as integer counts) and self-checking: a header names the format, the
//! metric columns (by name, in order) and the counts, and a shard's state is
//! refused when its columns are not the merging run's.
//!
//! ```text
//! "drsim-collector-state 4\n"
//! metric names, one per line, then an empty line
//! u64 seen, u64 kept, u64 keep, u64 inputs      (little endian)
//! u64 declared, ridden out over the RTO target, not closed, needing resync
//! kept x f64 per metric column, column after column
//! kept x u8 declared (0 or 1)
//! kept x f64 per input column
//! u8 streams (0 or 1), then per metric, all outages then declared: a stream
//! with the streams, per target metric with parts ([`super::met_sums`]):
//!   per population, u64 met outages, then an exact sum per column
//! the capacity tally ([`super::capacity_tally`]): resources over capacity
//!   and where the open cycles stood
//! ```

use super::Collector;
use super::bytes::Reader;
use super::capacity_tally::CapacityTally;
use super::collector::Counts;
use super::stream::Stream;
use crate::metrics::Metric;

/// Why a shard's state cannot be merged into this run's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("not a drsim collector state (or another version of it)")]
    NotAState,
    #[error("it ends early")]
    EndsEarly,
    #[error("its header is not text")]
    HeaderNotText,
    #[error(
        "its metric columns differ from this run's (`{found}` where `{expected}` was expected)"
    )]
    OtherMetric { found: String, expected: String },
    #[error("it has more metric columns than this run")]
    MoreMetrics,
    #[error("it keeps {theirs} replications whole, this run {ours} (--exact-up-to differs)")]
    OtherKeep { theirs: usize, ours: usize },
    #[error("it has {theirs} random inputs per replication, this run {ours}")]
    OtherInputs { theirs: usize, ours: usize },
    #[error("its counts are corrupt")]
    CorruptCounts,
    #[error("it should hold {expected} bytes of values for {kept} replications, it holds {held}")]
    ShortValues {
        expected: usize,
        kept: usize,
        held: usize,
    },
    #[error("its summary of the replications beyond those kept is corrupt")]
    CorruptStreams,
    #[error("its sums over the outages that met a target are corrupt")]
    CorruptSums,
    #[error("its tally of resources over capacity and open cycles is corrupt")]
    CorruptCapacity,
    #[error("it has {0} bytes too many")]
    TooLong(usize),
}

const MAGIC: &str = "drsim-collector-state 4\n";

impl Collector {
    /// Everything collected so far, in the format above.
    pub fn to_bytes(&self) -> Vec<u8> {
        let kept = self.declared.len();
        let mut out = Vec::with_capacity(64 + 8 * kept * (self.columns.len() + self.inputs.len()));
        out.extend_from_slice(MAGIC.as_bytes());
        for m in &self.metrics {
            out.extend_from_slice(m.name.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        let c = self.counts;
        for word in [
            self.seen as u64,
            kept as u64,
            self.keep as u64,
            self.inputs.len() as u64,
            c.declared,
            c.ridden_out_over_rto_target,
            c.not_closed,
            c.needing_resync,
        ] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        for column in &self.columns {
            for v in column {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend(self.declared.iter().map(|&d| u8::from(d)));
        for column in &self.inputs {
            for v in column {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.push(u8::from(self.streams.is_some()));
        for pair in self.streams.iter().flatten() {
            for stream in pair {
                stream.to_bytes(&mut out);
            }
        }
        for sums in self.met_sums.iter().flatten() {
            sums.to_bytes(&mut out);
        }
        self.capacity.to_bytes(&mut out);
        out
    }

    /// Appends a state written by [`Collector::to_bytes`] for the same
    /// metrics: the replications it holds follow those already collected.
    pub fn append_bytes(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        let mut r = Reader::new(bytes);
        if !bytes.starts_with(MAGIC.as_bytes()) {
            return Err(StateError::NotAState);
        }
        r.take(MAGIC.len())?;
        let names = self.metrics.iter().map(|m: &Metric| m.name.as_str());
        for expected in names {
            let line = r.line()?;
            if line != expected {
                return Err(StateError::OtherMetric {
                    found: line.to_string(),
                    expected: expected.to_string(),
                });
            }
        }
        if !r.line()?.is_empty() {
            return Err(StateError::MoreMetrics);
        }
        let seen = r.u64()? as usize;
        let kept = r.u64()? as usize;
        let keep = r.u64()? as usize;
        let inputs = r.u64()? as usize;
        let counts = Counts {
            declared: r.u64()?,
            ridden_out_over_rto_target: r.u64()?,
            not_closed: r.u64()?,
            needing_resync: r.u64()?,
        };
        if keep != self.keep {
            return Err(StateError::OtherKeep {
                theirs: keep,
                ours: self.keep,
            });
        }
        if kept > seen || kept > keep || (seen <= keep && kept != seen) {
            return Err(StateError::CorruptCounts);
        }
        let mut other = Collector::keeping(self.metrics.clone(), keep);
        other.seen = seen;
        other.counts = counts;
        let row_bytes = kept
            .checked_mul(8 * (self.columns.len() + inputs) + 1)
            .ok_or(StateError::CorruptCounts)?;
        if r.bytes.len().saturating_sub(r.at) < row_bytes + 1 {
            return Err(StateError::ShortValues {
                expected: row_bytes,
                kept,
                held: r.bytes.len() - r.at,
            });
        }
        for column in &mut other.columns {
            for _ in 0..kept {
                column.push(r.f64()?);
            }
        }
        for _ in 0..kept {
            other.declared.push(r.take(1)?[0] == 1);
        }
        other.inputs = vec![Vec::new(); inputs];
        for column in &mut other.inputs {
            for _ in 0..kept {
                column.push(r.f64()?);
            }
        }
        if r.take(1)?[0] == 1 {
            let mut streams = Vec::with_capacity(self.metrics.len());
            for _ in 0..self.metrics.len() {
                let mut pair = <[Stream; 2]>::default();
                for stream in &mut pair {
                    *stream = Stream::read(&mut r).ok_or(StateError::CorruptStreams)?;
                }
                streams.push(pair);
            }
            other.streams = Some(streams);
            let sums = self
                .met_layout()
                .iter()
                .map(|layout| layout.read(&mut r))
                .collect::<Option<Vec<_>>>()
                .ok_or(StateError::CorruptSums)?;
            other.met_sums = Some(sums);
        }
        other.capacity = CapacityTally::read(&mut r).ok_or(StateError::CorruptCapacity)?;
        if r.at != r.bytes.len() {
            return Err(StateError::TooLong(r.bytes.len() - r.at));
        }
        if (seen > keep) != other.streams.is_some() {
            return Err(StateError::CorruptCounts);
        }
        self.absorb(other)
    }

    /// Takes in the replications of `other`, which follow this collector's.
    fn absorb(&mut self, other: Collector) -> Result<(), StateError> {
        if other.seen == 0 {
            // An empty shard (more shards than replications): nothing to add,
            // and it never saw how many inputs a replication draws.
            return Ok(());
        }
        if self.seen > 0 && other.inputs.len() != self.inputs.len() {
            return Err(StateError::OtherInputs {
                theirs: other.inputs.len(),
                ours: self.inputs.len(),
            });
        }
        if self.seen + other.seen > self.keep {
            let theirs = match &other.streams {
                Some(streams) => streams.clone(),
                None => other.kept_as_streams(),
            };
            for (mine, theirs) in self.streams_mut().iter_mut().zip(&theirs) {
                for (a, b) in mine.iter_mut().zip(theirs) {
                    a.merge(b);
                }
            }
            let theirs = match &other.met_sums {
                Some(sums) => sums.clone(),
                None => other.kept_as_met_sums(),
            };
            let mine = self.met_sums.as_mut().expect("built with the streams");
            for (a, b) in mine.iter_mut().zip(&theirs) {
                a.merge(b);
            }
        }
        let room = self
            .keep
            .saturating_sub(self.declared.len())
            .min(other.declared.len());
        for (mine, theirs) in self.columns.iter_mut().zip(&other.columns) {
            mine.extend_from_slice(&theirs[..room]);
        }
        self.declared.extend_from_slice(&other.declared[..room]);
        if self.inputs.is_empty() {
            self.inputs = vec![Vec::new(); other.inputs.len()];
        }
        for (mine, theirs) in self.inputs.iter_mut().zip(&other.inputs) {
            mine.extend_from_slice(&theirs[..room]);
        }
        self.seen += other.seen;
        let (c, o) = (&mut self.counts, other.counts);
        c.declared += o.declared;
        c.ridden_out_over_rto_target += o.ridden_out_over_rto_target;
        c.not_closed += o.not_closed;
        c.needing_resync += o.needing_resync;
        self.capacity.merge(&other.capacity);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::cycle::{NoTrace, run_cycle};
    use crate::metrics::metrics_for;
    use crate::scenario::Scenario;
    use crate::stats::Collector;

    fn outcomes(n: u64) -> (Scenario, Vec<crate::cycle::CycleOutcome>) {
        let s = Scenario::from_toml(include_str!("../../scenarios/minimal.toml"), "minimal")
            .expect("valid");
        let outcomes = (0..n).map(|k| run_cycle(&s, 3, k, &mut NoTrace)).collect();
        (s, outcomes)
    }

    #[test]
    fn states_append_to_exactly_the_single_collector_and_refuse_others() {
        let (s, outcomes) = outcomes(30);
        let mut whole = Collector::new(metrics_for(&s));
        let (mut a, mut b) = (whole.clone(), whole.clone());
        for (k, o) in outcomes.iter().enumerate() {
            whole.push(o);
            if k < 11 { a.push(o) } else { b.push(o) }
        }
        let mut merged = Collector::new(metrics_for(&s));
        merged.append_bytes(&a.to_bytes()).unwrap();
        merged.append_bytes(&b.to_bytes()).unwrap();
        assert_eq!(merged.to_bytes(), whole.to_bytes());

        let bytes = a.to_bytes();
        let mut fresh = Collector::new(metrics_for(&s));
        assert!(
            fresh
                .append_bytes(&bytes[..bytes.len() - 1])
                .unwrap_err()
                .to_string()
                .contains("over capacity")
        );
        // The empty tally's two counts and the streams' flag cut: values short.
        assert!(
            fresh
                .append_bytes(&bytes[..bytes.len() - 17])
                .unwrap_err()
                .to_string()
                .contains("bytes of values")
        );
        assert!(
            fresh
                .append_bytes(b"something else")
                .unwrap_err()
                .to_string()
                .contains("not a drsim")
        );
        let renamed = String::from_utf8_lossy(&bytes[..40]).replace("rpo_s", "rpx_s");
        let mut tampered = renamed.into_bytes();
        tampered.extend_from_slice(&bytes[40..]);
        assert!(
            fresh
                .append_bytes(&tampered)
                .unwrap_err()
                .to_string()
                .contains("metric columns differ")
        );
        let mut other_keep = Collector::keeping(metrics_for(&s), 5);
        assert!(
            other_keep
                .append_bytes(&bytes)
                .unwrap_err()
                .to_string()
                .contains("--exact-up-to")
        );
    }

    /// Past the replications kept whole, shards merge into exactly the single
    /// collector whichever side of the switch each shard and the merge are on.
    #[test]
    fn streamed_states_merge_exactly_across_the_switch() {
        let (s, outcomes) = outcomes(40);
        let keep = 10;
        let mut whole = Collector::keeping(metrics_for(&s), keep);
        outcomes.iter().for_each(|o| whole.push(o));
        for cuts in [
            vec![4, 11],
            vec![6],
            vec![12, 25],
            vec![0, 40],
            vec![9, 10, 11],
        ] {
            let mut bounds = vec![0];
            bounds.extend(&cuts);
            bounds.push(outcomes.len());
            let mut merged = Collector::keeping(metrics_for(&s), keep);
            for w in bounds.windows(2) {
                let mut shard = Collector::keeping(metrics_for(&s), keep);
                outcomes[w[0]..w[1]].iter().for_each(|o| shard.push(o));
                merged.append_bytes(&shard.to_bytes()).unwrap();
            }
            assert_eq!(merged.to_bytes(), whole.to_bytes(), "cuts {cuts:?}");
        }
        assert_eq!((whole.len(), whole.kept()), (40, 10));
        // The summaries agree with the exact ones within the stated precision.
        let mut exact = Collector::keeping(metrics_for(&s), usize::MAX);
        outcomes.iter().for_each(|o| exact.push(o));
        let (binned, exact) = (whole.finish(&s.targets), exact.finish(&s.targets));
        assert_eq!(binned.outages, exact.outages);
        for (b, e) in binned.rows.iter().zip(&exact.rows) {
            assert_eq!(
                (b.count, b.target.map(|t| t.met)),
                (e.count, e.target.map(|t| t.met))
            );
            let (Some(b), Some(e)) = (&b.summary, &e.summary) else {
                assert_eq!(b.summary.is_none(), e.summary.is_none());
                continue;
            };
            assert_eq!((b.min, b.max), (e.min, e.max));
            let close = |x: f64, y: f64, rel: f64| (x - y).abs() <= rel * y.abs().max(1e-9);
            assert!(close(b.mean, e.mean, 1e-12), "{} {}", b.mean, e.mean);
            assert!(close(b.p50, e.p50, 1e-3) && close(b.p99, e.p99, 1e-3));
        }
    }
}
