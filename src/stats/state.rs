//! A [`Collector`]'s values as bytes, so that shards of a run can be merged
//! into exactly the summaries a single run computes.
//!
//! The format is exact (every f64 as its eight little-endian bytes, so NaN
//! markers and every bit survive) and self-checking: a header names the
//! format, the metric columns (by name, in order) and the counts, and a
//! shard's state is refused when its columns are not the merging run's.
//!
//! ```text
//! "drsim-collector-state 1\n"
//! metric names, one per line, then an empty line
//! u64 rows, u64 inputs                       (little endian)
//! rows x f64 per metric column, column after column
//! rows x u8 declared (0 or 1)
//! rows x f64 per input column
//! ```

use super::Collector;
use crate::metrics::Metric;

const MAGIC: &str = "drsim-collector-state 1\n";

impl Collector {
    /// Every value collected so far, in the format above.
    pub fn to_bytes(&self) -> Vec<u8> {
        let rows = self.declared.len();
        let mut out = Vec::with_capacity(64 + 8 * rows * (self.columns.len() + self.inputs.len()));
        out.extend_from_slice(MAGIC.as_bytes());
        for m in &self.metrics {
            out.extend_from_slice(m.name.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
        out.extend_from_slice(&(rows as u64).to_le_bytes());
        out.extend_from_slice(&(self.inputs.len() as u64).to_le_bytes());
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
        out
    }

    /// Appends a state written by [`Collector::to_bytes`] for the same
    /// metrics: the replications it holds follow those already collected.
    pub fn append_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut r = Reader { bytes, at: 0 };
        if !bytes.starts_with(MAGIC.as_bytes()) {
            return Err("not a drsim collector state (or another version of it)".into());
        }
        r.take(MAGIC.len())?;
        let names = self.metrics.iter().map(|m: &Metric| m.name.as_str());
        for expected in names {
            let line = r.line()?;
            if line != expected {
                return Err(format!(
                    "its metric columns differ from this run's (`{line}` where `{expected}` was expected)"
                ));
            }
        }
        if !r.line()?.is_empty() {
            return Err("it has more metric columns than this run".into());
        }
        let rows = r.u64()? as usize;
        let inputs = r.u64()? as usize;
        if rows == 0 && r.at == r.bytes.len() {
            // An empty shard (more shards than replications): nothing to add,
            // and it never saw how many inputs a replication draws.
            return Ok(());
        }
        if !self.declared.is_empty() && inputs != self.inputs.len() {
            return Err(format!(
                "it has {inputs} random inputs per replication, this run {}",
                self.inputs.len()
            ));
        }
        let expected = rows
            .checked_mul(8 * (self.columns.len() + inputs) + 1)
            .ok_or("its counts are corrupt")?;
        if r.bytes.len() - r.at != expected {
            return Err(format!(
                "it should hold {expected} bytes of values for {rows} replications, it holds {}",
                r.bytes.len() - r.at
            ));
        }
        for column in &mut self.columns {
            for _ in 0..rows {
                column.push(r.f64()?);
            }
        }
        for _ in 0..rows {
            self.declared.push(r.take(1)?[0] == 1);
        }
        if self.inputs.is_empty() {
            self.inputs = vec![Vec::new(); inputs];
        }
        for column in &mut self.inputs {
            for _ in 0..rows {
                column.push(r.f64()?);
            }
        }
        Ok(())
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or("it ends early")?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn line(&mut self) -> Result<&'a str, String> {
        let rest = &self.bytes[self.at..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("it ends early")?;
        let line = std::str::from_utf8(&rest[..n]).map_err(|_| "its header is not text")?;
        self.at += n + 1;
        Ok(line)
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("eight bytes")))
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes(b.try_into().expect("eight bytes")))
    }
}

#[cfg(test)]
mod tests {
    use crate::cycle::{NoTrace, run_cycle};
    use crate::metrics::metrics_for;
    use crate::scenario::Scenario;
    use crate::stats::Collector;

    #[test]
    fn states_append_to_exactly_the_single_collector_and_refuse_others() {
        let s = Scenario::from_toml(include_str!("../../scenarios/minimal.toml"), "minimal")
            .expect("valid");
        let outcomes: Vec<_> = (0..30).map(|k| run_cycle(&s, 3, k, &mut NoTrace)).collect();
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
                .contains("bytes of values")
        );
        assert!(
            fresh
                .append_bytes(b"something else")
                .unwrap_err()
                .contains("not a drsim")
        );
        let renamed = String::from_utf8_lossy(&bytes[..40]).replace("rpo_s", "rpx_s");
        let mut tampered = renamed.into_bytes();
        tampered.extend_from_slice(&bytes[40..]);
        assert!(
            fresh
                .append_bytes(&tampered)
                .unwrap_err()
                .contains("metric columns differ")
        );
    }
}
