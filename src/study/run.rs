//! What a run's collected replications say: the summaries with each
//! target's verdict (under `--until-settled`, at the stopping rule's
//! corrected interval), what drives the RTO and the RPO, and which random
//! inputs matter. The replications themselves are run by
//! [`crate::montecarlo`] into a [`Collector`]; this is what every run, whole
//! or merged from shards, ends with before it is rendered.

use crate::analysis::drivers::{self, Drivers};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::scenario::Scenario;
use crate::stats::verdict::StoppingRule;
use crate::stats::{Collector, RunSummary};

/// A run's analysis.
#[derive(Debug)]
pub struct RunAnalysis {
    pub summary: RunSummary,
    pub drivers: Vec<Drivers>,
    pub sensitivity: Vec<Sensitivity>,
}

/// Analyses the replications in `collector` of `s`; `rule` is the stopping
/// rule of `--until-settled`, whose interval the verdicts then rest on.
pub fn analyse(collector: &Collector, s: &Scenario, rule: Option<StoppingRule>) -> RunAnalysis {
    let mut summary = collector.finish(&s.targets);
    if let Some(rule) = rule {
        summary.judge_at(rule.z(), rule.level());
    }
    RunAnalysis {
        summary,
        drivers: drivers::for_run(collector, s),
        sensitivity: sensitivity::for_run(collector, s),
    }
}

/// Under `--until-settled`: how many verdicts the rule has not settled.
pub fn unsettled(collector: &Collector, s: &Scenario, rule: StoppingRule) -> usize {
    collector
        .target_verdicts(&s.targets)
        .iter()
        .filter(|(_, v)| !rule.settled(&[(v.fraction.met, v.fraction.total, v.required)]))
        .count()
}
