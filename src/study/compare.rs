//! Two plans on common random numbers. Replication `k` draws the same
//! numbers for both (as far as the scenarios share inputs), so the paired
//! difference of a metric, replication by replication, measures the change,
//! not the noise.

use std::path::Path;

use super::{StudyError, Watch, check};
use crate::cycle::CycleOutcome;
use crate::metrics::{Metric, MetricId, Unit, in_population, metrics_for};
use crate::montecarlo::{self, RunConfig};
use crate::scenario::{Population, Scenario};
use crate::stats::{Collector, EXACT_UP_TO, RunSummary, Stream, Z_95};

/// One metric a comparison pairs, over the population it is judged on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparedMetric {
    pub id: MetricId,
    /// Its column name in `replications.csv` (and `compare.csv`).
    pub name: &'static str,
    pub unit: Unit,
    pub population: Population,
}

const fn compared(
    id: MetricId,
    name: &'static str,
    unit: Unit,
    population: Population,
) -> ComparedMetric {
    ComparedMetric {
        id,
        name,
        unit,
        population,
    }
}

/// The metrics compared, each over a population.
pub const COMPARED: [ComparedMetric; 13] = [
    compared(MetricId::Rpo, "rpo_s", Unit::Seconds, Population::Declared),
    compared(MetricId::Rto, "rto_s", Unit::Seconds, Population::All),
    compared(
        MetricId::DataLost,
        "data_lost_bytes",
        Unit::Bytes,
        Population::Declared,
    ),
    compared(
        MetricId::Unprotected,
        "unprotected_s",
        Unit::Seconds,
        Population::All,
    ),
    compared(MetricId::Cycle, "cycle_s", Unit::Seconds, Population::All),
    compared(
        MetricId::TotalDowntime,
        "total_downtime_s",
        Unit::Seconds,
        Population::All,
    ),
    compared(
        MetricId::AzureCost,
        "azure_cost",
        Unit::Currency,
        Population::All,
    ),
    // A year of operations' (only with `[operations]`: elsewhere they have
    // no pair and no row).
    compared(
        MetricId::Availability,
        "availability",
        Unit::Availability,
        Population::All,
    ),
    compared(
        MetricId::YearDowntime,
        "year_downtime_s",
        Unit::Seconds,
        Population::All,
    ),
    compared(
        MetricId::YearDataLost,
        "year_data_lost_bytes",
        Unit::Bytes,
        Population::All,
    ),
    compared(
        MetricId::YearUnprotected,
        "year_unprotected_s",
        Unit::Seconds,
        Population::All,
    ),
    compared(
        MetricId::YearDuringReprotect,
        "outages_during_reprotect",
        Unit::Count,
        Population::All,
    ),
    compared(
        MetricId::YearAzureCost,
        "year_azure_cost",
        Unit::Currency,
        Population::All,
    ),
];

/// One metric of a comparison: the means of both plans and the paired
/// difference `B - A` with its 95 % interval.
#[derive(Debug, Clone)]
pub struct CompareRow {
    pub metric: ComparedMetric,
    /// Replications where both plans have the metric.
    pub pairs: usize,
    pub mean_a: f64,
    pub mean_b: f64,
    pub difference: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Share of the pairs where B is lower.
    pub b_better: f64,
}

/// Where a plan came from: its file and the overrides given for it alone.
#[derive(Debug, Clone, Copy)]
pub struct PlanSource<'a> {
    pub path: &'a Path,
    /// `--set-b` for plan B (the `--set` both share are not told apart).
    pub own_overrides: &'a [String],
}

/// What a comparison found.
#[derive(Debug)]
pub struct Comparison {
    /// How the plans are named in text, charts and the page (always after
    /// "A" and "B"): by scenario name, by file when two files share a name,
    /// and with the overrides given for one plan alone (B = A with
    /// `--set-b` is told apart).
    pub labels: (String, String),
    /// Each plan's collected replications, and their summaries.
    pub collected: (Collector, Collector),
    pub summaries: (RunSummary, RunSummary),
    /// The paired differences, in [`COMPARED`] order (those with no pair left out).
    pub rows: Vec<CompareRow>,
}

/// Compares `a` and `b` over `config`'s replications.
pub fn compare(
    (a, b): (&Scenario, &Scenario),
    sources: (PlanSource<'_>, PlanSource<'_>),
    config: RunConfig,
    watch: &dyn Watch,
) -> Result<Comparison, StudyError> {
    watch.grow(2 * config.replications);
    let (ca, cb, paired) = run_both((a, b), config, watch)?;
    let summaries = (ca.finish(&a.targets), cb.finish(&b.targets));
    let rows = COMPARED
        .iter()
        .zip(&paired)
        .filter_map(|(metric, p)| p.row(metric))
        .collect();
    Ok(Comparison {
        labels: plan_labels((&a.name, &b.name), sources),
        collected: (ca, cb),
        summaries,
        rows,
    })
}

/// The plans' labels (see [`Comparison::labels`]).
pub fn plan_labels(
    (name_a, name_b): (&str, &str),
    (a, b): (PlanSource<'_>, PlanSource<'_>),
) -> (String, String) {
    let base = |name: &str, path: &Path| {
        if name_a == name_b && a.path != b.path {
            path.display().to_string()
        } else {
            name.to_string()
        }
    };
    let with = |mut label: String, overrides: &[String]| {
        if !overrides.is_empty() {
            label.push_str(" with ");
            label.push_str(&overrides.join(" "));
        }
        label
    };
    (
        with(base(name_a, a.path), a.own_overrides),
        with(base(name_b, b.path), b.own_overrides),
    )
}

/// Replications of each plan run before the other plan catches up: the
/// paired differences need replication `k` of both, and only this many of
/// plan A's compared values are held at a time (memory stays flat in -n).
const LOCKSTEP: u64 = 65_536;

/// One compared metric over its population, streamed replication by
/// replication: each plan's values and the paired difference `b - a` where
/// both exist (exact sums: the same for any thread count).
#[derive(Debug, Default)]
struct Paired {
    a: Stream,
    b: Stream,
    difference: Stream,
    b_lower: u64,
}

impl Paired {
    /// Replication `k`'s values, NaN where the metric does not exist or the
    /// replication is outside the population.
    fn add(&mut self, a: f64, b: f64) {
        if !a.is_nan() {
            self.a.add(a, None);
        }
        if !b.is_nan() {
            self.b.add(b, None);
        }
        if !a.is_nan() && !b.is_nan() {
            let d = b - a;
            self.difference.add(d, None);
            self.b_lower += u64::from(d < 0.0);
        }
    }

    /// The row of `compare.csv`; `None` when no replication has both.
    fn row(&self, metric: &ComparedMetric) -> Option<CompareRow> {
        let d = self.difference.summary()?;
        let half = Z_95 * d.std / (d.count as f64).sqrt();
        let mean = |s: &Stream| s.summary().map_or(f64::NAN, |s| s.mean);
        Some(CompareRow {
            metric: *metric,
            pairs: d.count,
            mean_a: mean(&self.a),
            mean_b: mean(&self.b),
            difference: d.mean,
            ci_low: d.mean - half,
            ci_high: d.mean + half,
            b_better: self.b_lower as f64 / d.count as f64,
        })
    }
}

/// A plan's compared metrics, in [`COMPARED`] order (`None` where the plan
/// has no such metric, e.g. no price for the Azure cost).
fn compared_metrics(metrics: &[Metric]) -> [Option<&Metric>; COMPARED.len()] {
    COMPARED.map(|c| metrics.iter().find(|m| m.id() == c.id))
}

/// The compared metrics' values in `o` (NaN where a metric does not exist
/// or `o` is outside its population), in [`COMPARED`] order.
fn compared_values(
    metrics: &[Option<&Metric>; COMPARED.len()],
    o: &CycleOutcome,
) -> [f64; COMPARED.len()] {
    std::array::from_fn(|i| {
        let over = COMPARED[i].population;
        metrics[i]
            .filter(|_| in_population(o, over))
            .and_then(|m| m.value(o))
            .unwrap_or(f64::NAN)
    })
}

/// Runs both plans over the same replications, `LOCKSTEP` at a time, into
/// their collectors and the paired streams.
fn run_both(
    (a, b): (&Scenario, &Scenario),
    config: RunConfig,
    watch: &dyn Watch,
) -> Result<(Collector, Collector, Vec<Paired>), StudyError> {
    let (metrics_a, metrics_b) = (metrics_for(a), metrics_for(b));
    let mut ca = Collector::keeping(metrics_a.clone(), EXACT_UP_TO);
    let mut cb = Collector::keeping(metrics_b.clone(), EXACT_UP_TO);
    let (compared_a, compared_b) = (compared_metrics(&metrics_a), compared_metrics(&metrics_b));
    let mut paired: Vec<Paired> = COMPARED.iter().map(|_| Paired::default()).collect();
    let mut values_a = Vec::new();
    for start in (0..config.replications).step_by(LOCKSTEP as usize) {
        let block = start..(start + LOCKSTEP).min(config.replications);
        values_a.clear();
        watch.label("plan A ");
        montecarlo::run_range(a, config, block.clone(), |o| {
            check(watch)?;
            ca.push(o);
            values_a.push(compared_values(&compared_a, o));
            watch.advance();
            Ok::<(), StudyError>(())
        })?;
        watch.label("plan B ");
        let mut of_a = values_a.iter();
        montecarlo::run_range(b, config, block, |o| {
            check(watch)?;
            cb.push(o);
            let value_a = of_a.next().expect("plan A ran the same replications");
            for ((p, &va), vb) in paired
                .iter_mut()
                .zip(value_a)
                .zip(compared_values(&compared_b, o))
            {
                p.add(va, vb);
            }
            watch.advance();
            Ok::<(), StudyError>(())
        })?;
    }
    Ok((ca, cb, paired))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source<'a>(path: &'a str, own: &'a [String]) -> PlanSource<'a> {
        PlanSource {
            path: Path::new(path),
            own_overrides: own,
        }
    }

    #[test]
    fn plans_are_told_apart_by_name_file_and_overrides() {
        let none: [String; 0] = [];
        let set_b = ["recovery.decision_delay=30m".to_string()];
        // Before: both plans were labelled `three-tier`.
        assert_eq!(
            plan_labels(
                ("three-tier", "three-tier"),
                (source("t.toml", &none), source("t.toml", &set_b))
            ),
            (
                "three-tier".to_string(),
                "three-tier with recovery.decision_delay=30m".to_string()
            )
        );
        assert_eq!(
            plan_labels(
                ("plan", "plan"),
                (source("a/p.toml", &none), source("b/p.toml", &none))
            ),
            ("a/p.toml".to_string(), "b/p.toml".to_string())
        );
        assert_eq!(
            plan_labels(
                ("x", "y"),
                (source("x.toml", &none), source("y.toml", &none))
            ),
            ("x".to_string(), "y".to_string())
        );
    }
}
