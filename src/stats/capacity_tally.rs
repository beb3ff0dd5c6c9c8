//! `CapacityTally`: over a run, which resources were over capacity in how
//! many replications, and where the cycles that did not close stood; what
//! the run's text names (docs/model.md, "Capacity").

use std::collections::BTreeMap;

use super::bytes::Reader;
use super::exact_sum::ExactSum;
use crate::cycle::CycleOutcome;
use crate::cycle::capacity::Resource;
use crate::cycle::outcome::OpenCycle;

/// One resource's replications over capacity, with its load and capacity
/// summed over them exactly (so a merge of shards gives the same bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverloadCount {
    pub replications: u64,
    load: ExactSum,
    capacity: ExactSum,
}

impl OverloadCount {
    /// The mean load and capacity over the replications it was over (bytes/s).
    pub fn means(&self) -> (f64, f64) {
        let n = self.replications.max(1) as f64;
        (self.load.value() / n, self.capacity.value() / n)
    }
}

/// Over-capacity resources and open cycles, counted over a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CapacityTally {
    pub overloads: BTreeMap<Resource, OverloadCount>,
    /// Where each cut-off cycle stood, and how many stood there.
    pub open: BTreeMap<OpenCycle, u64>,
}

impl CapacityTally {
    pub fn add(&mut self, o: &CycleOutcome) {
        for overload in &o.overloads {
            let c = self.overloads.entry(overload.resource).or_default();
            c.replications += 1;
            c.load.add(overload.load);
            c.capacity.add(overload.capacity);
        }
        if let Some(open) = o.open {
            *self.open.entry(open).or_default() += 1;
        }
    }

    pub fn merge(&mut self, other: &CapacityTally) {
        for (r, c) in &other.overloads {
            let mine = self.overloads.entry(*r).or_default();
            mine.replications += c.replications;
            mine.load.merge(&c.load);
            mine.capacity.merge(&c.capacity);
        }
        for (k, n) in &other.open {
            *self.open.entry(*k).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.overloads.is_empty() && self.open.is_empty()
    }

    /// Little-endian words: the resources (count, then code, replications
    /// and both sums each), the open cycles (count, then stage, plan, VM + 1
    /// or 0, resource code + 1 or 0, and how many each).
    pub(super) fn to_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.overloads.len() as u64).to_le_bytes());
        for (r, c) in &self.overloads {
            out.extend_from_slice(&r.code().to_le_bytes());
            out.extend_from_slice(&c.replications.to_le_bytes());
            c.load.to_bytes(out);
            c.capacity.to_bytes(out);
        }
        out.extend_from_slice(&(self.open.len() as u64).to_le_bytes());
        for (k, n) in &self.open {
            for word in [
                u64::from(k.stage),
                k.plan as u64,
                k.vm.map_or(0, |v| v as u64 + 1),
                k.resource.map_or(0, |r| r.code() + 1),
                *n,
            ] {
                out.extend_from_slice(&word.to_le_bytes());
            }
        }
    }

    /// Reads what [`CapacityTally::to_bytes`] wrote; `None` when malformed.
    pub(super) fn read(r: &mut Reader<'_>) -> Option<CapacityTally> {
        let mut tally = CapacityTally::default();
        let resources = r.u64().ok()?;
        for _ in 0..resources {
            let resource = Resource::from_code(r.u64().ok()?)?;
            let replications = r.u64().ok()?;
            let load = ExactSum::read(r)?;
            let capacity = ExactSum::read(r)?;
            tally.overloads.insert(
                resource,
                OverloadCount {
                    replications,
                    load,
                    capacity,
                },
            );
        }
        let open = r.u64().ok()?;
        for _ in 0..open {
            let stage = u8::try_from(r.u64().ok()?).ok()?;
            let plan = r.u64().ok()? as usize;
            let vm = r.u64().ok()?.checked_sub(1).map(|v| v as usize);
            let resource = match r.u64().ok()?.checked_sub(1) {
                None => None,
                Some(code) => Some(Resource::from_code(code)?),
            };
            let n = r.u64().ok()?;
            tally.open.insert(
                OpenCycle {
                    stage,
                    plan,
                    vm,
                    resource,
                },
                n,
            );
        }
        Some(tally)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::{NoTrace, run_cycle};
    use crate::scenario::Scenario;

    #[test]
    fn a_tally_reads_back_and_merges_as_one() {
        // minimal.toml on a link slower than its churn, and back slower still:
        // every replication over capacity both ways, every cycle open.
        let text = include_str!("../../scenarios/minimal.toml").replacen(
            "bandwidth = \"100 Mbps\"",
            "bandwidth = \"1 Mbps\"",
            1,
        );
        let s = Scenario::from_toml(&text, "slow.toml").expect("valid");
        let outcomes: Vec<_> = (0..6).map(|k| run_cycle(&s, 2, k, &mut NoTrace)).collect();
        let mut whole = CapacityTally::default();
        let (mut a, mut b) = (whole.clone(), whole.clone());
        for (k, o) in outcomes.iter().enumerate() {
            whole.add(o);
            if k < 2 { a.add(o) } else { b.add(o) }
        }
        assert_eq!(whole.overloads[&Resource::LinkForward(0)].replications, 6);
        assert_eq!(whole.open.values().sum::<u64>(), 6);
        a.merge(&b);
        assert_eq!(a, whole);
        let mut bytes = Vec::new();
        whole.to_bytes(&mut bytes);
        let mut r = Reader::new(&bytes);
        assert_eq!(CapacityTally::read(&mut r), Some(whole.clone()));
        assert_eq!(r.at, bytes.len());
        let mut short = Reader::new(&bytes[..bytes.len() - 1]);
        assert_eq!(CapacityTally::read(&mut short), None);
    }
}
