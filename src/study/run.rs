//! What a run's collected replications say: the summaries with each
//! target's verdict (under `--until-settled`, at the stopping rule's
//! corrected interval), what drives the RTO and the RPO, and which random
//! inputs matter. The replications themselves are run by
//! [`crate::montecarlo`] into a [`Collector`]; this is what every run, whole
//! or merged from shards, ends with before it is rendered.

use super::{StudyError, Watch, check};
use crate::analysis::drivers::{self, Drivers};
use crate::analysis::sensitivity::{self, Sensitivity};
use crate::cycle::CycleOutcome;
use crate::montecarlo::{self, MonteCarloError, RunConfig};
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

/// Runs replications `range` of `s` into `collector`, handing each outcome
/// (in replication order) to `each`, which writes it out. Under `rule`
/// (`--until-settled`) the run keeps doubling, past `range.end`, until
/// every target's verdict is settled or the rule's cap is reached. Returns
/// the replications run in all (the index past the last one). `watch` is
/// told of the progress and asked, before each outcome, whether to stop.
pub fn replicate<E: From<StudyError> + From<MonteCarloError>>(
    s: &Scenario,
    config: RunConfig,
    range: std::ops::Range<u64>,
    rule: Option<StoppingRule>,
    collector: &mut Collector,
    watch: &dyn Watch,
    mut each: impl FnMut(&CycleOutcome) -> Result<(), E>,
) -> Result<u64, E> {
    let (mut done, mut end) = (range.start, range.end);
    watch.grow(end - done);
    loop {
        montecarlo::run_range(s, config, done..end, |outcome| {
            check(watch)?;
            collector.push(outcome);
            watch.advance();
            each(outcome)
        })?;
        done = end;
        let Some(rule) = rule else { return Ok(done) };
        let evidence: Vec<(usize, usize, f64)> = collector
            .target_verdicts(&s.targets)
            .iter()
            .map(|(_, v)| (v.fraction.met, v.fraction.total, v.required))
            .collect();
        match rule.next(done) {
            Some(next) if !rule.settled(&evidence) => {
                watch.grow(next - end);
                end = next;
            }
            _ => return Ok(done),
        }
    }
}

/// A whole run of `config.replications` of `s`, kept in memory: its
/// analysis, as `drsim run` computes it before writing anything (the served
/// page's what-if runs, which write no files).
pub fn in_memory(
    s: &Scenario,
    config: RunConfig,
    watch: &dyn Watch,
) -> Result<RunAnalysis, StudyError> {
    let mut collector = Collector::new(crate::metrics::metrics_for(s));
    replicate(
        s,
        config,
        0..config.replications,
        None,
        &mut collector,
        watch,
        |_| Ok::<(), StudyError>(()),
    )?;
    Ok(analyse(&collector, s, None))
}
