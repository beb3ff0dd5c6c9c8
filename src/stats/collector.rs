//! Gathers the metrics of a run's replications, in replication order, and
//! summarises them.
//!
//! The first [`EXACT_UP_TO`] replications (or as many as the run asks) are
//! kept whole: every metric's value, whether a disaster was declared, and the
//! random inputs. Up to that count every summary is exact (quantiles of type
//! 7 over the values themselves). Beyond it the collector switches to a
//! [`Stream`] per metric and population (counts, exact sums, min, max and a
//! histogram of 0.05 % precision), built from the kept replications and then
//! fed every further one, so memory no longer grows with the run. The
//! analyses that pair values across metrics (sensitivity, drivers) then read
//! the kept replications: the first ones of the run, an unbiased sample.
//!
//! Everything kept merges exactly and in order, so the summaries are the same
//! for any thread count and any split into shards ([`super::state`]).

use super::capacity_tally::CapacityTally;
use super::met_sums::MetSums;
use super::stream::{Distribution, Stream};
use super::{
    MetricSummary, Outages, RunSummary, Summary, TargetFraction, TargetVerdict, judged_over,
};
use crate::cycle::CycleOutcome;
use crate::metrics::{Metric, MetricId, in_population};
use crate::scenario::{Population, Targets};

/// Replications a run keeps whole by default: exact quantiles and analyses up
/// to here; about 0.9 KB each for the 50-VM reference.
pub const EXACT_UP_TO: usize = 100_000;

/// Streams are indexed by population: all outages, then declared disasters.
const POPULATIONS: [Population; 2] = [Population::All, Population::Declared];

fn population_index(population: Population) -> usize {
    match population {
        Population::All => 0,
        Population::Declared => 1,
    }
}

#[derive(Debug, Clone)]
pub struct Collector {
    pub(super) metrics: Vec<Metric>,
    /// How many replications are kept whole.
    pub(super) keep: usize,
    /// The kept replications' values, one column per metric (NaN where a
    /// value does not exist), whether each declared, and their random inputs.
    pub(super) columns: Vec<Vec<f64>>,
    pub(super) declared: Vec<bool>,
    pub(super) inputs: Vec<Vec<f64>>,
    /// Replications collected, kept or not.
    pub(super) seen: usize,
    /// Per metric, per population: present once more than `keep` were seen.
    pub(super) streams: Option<Vec<[Stream; 2]>>,
    /// For each metric with a target and attribution parts: the met
    /// outages' sums, present with `streams` (empty ones in `met_layout`).
    pub(super) met_sums: Option<Vec<MetSums>>,
    met_layout: Vec<MetSums>,
    pub(super) counts: Counts,
    /// Resources over capacity and where cut-off cycles stood.
    pub(super) capacity: CapacityTally,
    counted: CountedColumns,
    /// Each metric's target in seconds, if it has one.
    targets: Vec<Option<f64>>,
}

/// Where the columns behind [`Counts`] are, when the run collects them.
#[derive(Debug, Clone, Copy)]
struct CountedColumns {
    rto: Option<usize>,
    closed: Option<usize>,
    resync_vms: Option<usize>,
}

/// The run-wide counts behind [`Outages`], over every replication.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub declared: u64,
    pub ridden_out_over_rto_target: u64,
    pub not_closed: u64,
    pub needing_resync: u64,
}

impl Collector {
    /// Keeps up to [`EXACT_UP_TO`] replications whole.
    pub fn new(metrics: Vec<Metric>) -> Self {
        Collector::keeping(metrics, EXACT_UP_TO)
    }

    /// Keeps up to `keep` replications whole (`usize::MAX`: all of them).
    pub fn keeping(metrics: Vec<Metric>, keep: usize) -> Self {
        let columns = vec![Vec::new(); metrics.len()];
        let column = |id: MetricId| metrics.iter().position(|m| m.id() == id);
        let targets: Vec<Option<f64>> = metrics
            .iter()
            .map(|m| m.target.map(|t| t.as_secs_f64()))
            .collect();
        let counted = CountedColumns {
            rto: column(MetricId::Rto),
            closed: column(MetricId::Closed),
            resync_vms: column(MetricId::ResyncVms),
        };
        let parts_of = |part: fn(usize) -> MetricId| -> Vec<usize> {
            (0..).map_while(|i| column(part(i))).collect()
        };
        let met_layout = [
            (MetricId::Rto, parts_of(MetricId::RtoPart)),
            (MetricId::Rpo, parts_of(MetricId::RpoPart)),
        ]
        .into_iter()
        .filter_map(|(id, parts)| {
            let c = column(id)?;
            let target = targets[c]?;
            (!parts.is_empty()).then(|| {
                let mut columns = vec![c];
                columns.extend(parts);
                MetSums::new(columns, target)
            })
        })
        .collect();
        Collector {
            metrics,
            keep,
            columns,
            declared: Vec::new(),
            inputs: Vec::new(),
            seen: 0,
            streams: None,
            met_sums: None,
            met_layout,
            counts: Counts::default(),
            capacity: CapacityTally::default(),
            counted,
            targets,
        }
    }

    pub fn push(&mut self, outcome: &CycleOutcome) {
        let values: Vec<f64> = self
            .metrics
            .iter()
            .map(|m| m.value(outcome).unwrap_or(f64::NAN))
            .collect();
        let declared = in_population(outcome, Population::Declared);
        self.count(&values, declared);
        self.capacity.add(outcome);
        self.seen += 1;
        if self.seen <= self.keep {
            for (column, v) in self.columns.iter_mut().zip(&values) {
                push_kept(column, *v, self.keep);
            }
            push_kept(&mut self.declared, declared, self.keep);
            if self.inputs.is_empty() {
                self.inputs = vec![Vec::new(); outcome.inputs.len()];
            }
            for (column, v) in self.inputs.iter_mut().zip(&outcome.inputs) {
                push_kept(column, *v, self.keep);
            }
            return;
        }
        self.streams_mut();
        let streams = self.streams.as_mut().expect("built by streams_mut");
        stream_row(streams, &self.targets, &values, declared);
        for sums in self.met_sums.as_mut().expect("built with the streams") {
            sums.add(&values, declared);
        }
    }

    /// The streams, built from the kept replications the first time.
    pub(super) fn streams_mut(&mut self) -> &mut Vec<[Stream; 2]> {
        if self.streams.is_none() {
            self.streams = Some(self.kept_as_streams());
            self.met_sums = Some(self.kept_as_met_sums());
        }
        self.streams.as_mut().expect("just built")
    }

    /// The met outages' sums of the kept replications alone.
    pub(super) fn kept_as_met_sums(&self) -> Vec<MetSums> {
        let mut sums = self.met_layout.clone();
        let mut row = vec![0.0; self.metrics.len()];
        for (r, &declared) in self.declared.iter().enumerate() {
            for (v, column) in row.iter_mut().zip(&self.columns) {
                *v = column[r];
            }
            for s in &mut sums {
                s.add(&row, declared);
            }
        }
        sums
    }

    /// An empty layout for reading a state's met sums.
    pub(super) fn met_layout(&self) -> &[MetSums] {
        &self.met_layout
    }

    /// Over every replication counted (not only those kept) of
    /// `population`, for `metric` and its `parts`: the outages where the
    /// metric exists and their sums of the metric and of each part, then the
    /// outages that met the target and theirs. `None` while every
    /// replication is kept whole (read the kept ones), or for a metric
    /// without target or parts.
    #[allow(clippy::type_complexity)]
    pub fn counted_composition(
        &self,
        metric: MetricId,
        parts: &[MetricId],
        population: Population,
    ) -> Option<((u64, Vec<f64>), (u64, Vec<f64>))> {
        let streams = self.streams.as_ref()?;
        let mut columns = vec![self.column(metric)?];
        for p in parts {
            columns.push(self.column(*p)?);
        }
        let met = self
            .met_sums
            .as_ref()?
            .iter()
            .find(|m| m.columns == columns)?;
        let p = population_index(population);
        let all_count = streams[columns[0]][p].count;
        let all_sums = columns.iter().map(|&c| streams[c][p].sum()).collect();
        Some(((all_count, all_sums), met.met(p)))
    }

    /// Streams of the kept replications alone.
    pub(super) fn kept_as_streams(&self) -> Vec<[Stream; 2]> {
        let mut streams = vec![<[Stream; 2]>::default(); self.metrics.len()];
        let mut row = vec![0.0; self.metrics.len()];
        for (r, &declared) in self.declared.iter().enumerate() {
            for (v, column) in row.iter_mut().zip(&self.columns) {
                *v = column[r];
            }
            stream_row(&mut streams, &self.targets, &row, declared);
        }
        streams
    }

    /// Adds one replication to the run-wide counts.
    fn count(&mut self, values: &[f64], declared: bool) {
        let CountedColumns {
            rto,
            closed,
            resync_vms,
        } = self.counted;
        self.counts.declared += u64::from(declared);
        if let Some(i) = rto
            && let Some(target) = self.targets[i]
        {
            self.counts.ridden_out_over_rto_target += u64::from(!declared && values[i] > target);
        }
        if let Some(i) = closed {
            self.counts.not_closed += u64::from(values[i] == 0.0);
        }
        if let Some(i) = resync_vms {
            self.counts.needing_resync += u64::from(values[i] > 0.0);
        }
    }

    /// Replications collected so far.
    pub fn len(&self) -> usize {
        self.seen
    }

    pub fn is_empty(&self) -> bool {
        self.seen == 0
    }

    /// Replications kept whole: all of them, or the first `keep`.
    pub fn kept(&self) -> usize {
        self.declared.len()
    }

    /// The random inputs, one column per input, over the kept replications of
    /// `population` in replication order (aligned with [`Collector::aligned`]).
    pub fn inputs(&self, population: Population) -> Vec<Vec<f64>> {
        self.inputs
            .iter()
            .map(|c| self.of_population(c, population).collect())
            .collect()
    }

    fn of_population<'a>(
        &'a self,
        column: &'a [f64],
        population: Population,
    ) -> impl Iterator<Item = f64> + 'a {
        column
            .iter()
            .zip(&self.declared)
            .filter(move |(_, declared)| population == Population::All || **declared)
            .map(|(v, _)| *v)
    }

    fn column(&self, id: MetricId) -> Option<usize> {
        self.metrics.iter().position(|m| m.id() == id)
    }

    /// The values of metric `id` over the kept replications of `population`,
    /// in replication order, where they exist; `None` when the run does not
    /// collect the metric.
    pub fn values(&self, id: MetricId, population: Population) -> Option<Vec<f64>> {
        let i = self.column(id)?;
        Some(self.present(i, population))
    }

    /// The values of metric `id`, one per kept replication of `population` in
    /// replication order, NaN where the metric does not exist: columns read
    /// this way line up row by row.
    pub fn aligned(&self, id: MetricId, population: Population) -> Option<Vec<f64>> {
        let i = self.column(id)?;
        Some(self.of_population(&self.columns[i], population).collect())
    }

    fn present(&self, column: usize, population: Population) -> Vec<f64> {
        self.of_population(&self.columns[column], population)
            .filter(|v| !v.is_nan())
            .collect()
    }

    /// Metric `id`'s values over `population` in every replication collected:
    /// all of them sorted, or their histogram once the run is past `keep`.
    pub fn distribution(&self, id: MetricId, population: Population) -> Option<Distribution<'_>> {
        let i = self.column(id)?;
        Some(match &self.streams {
            Some(streams) => Distribution::Binned(&streams[i][population_index(population)]),
            None => Distribution::of(&self.present(i, population)),
        })
    }

    /// Metric `i`'s summary over `population`, how many values it covers, and
    /// the fraction meeting its target (when it has one).
    fn summarise(
        &self,
        i: usize,
        population: Population,
    ) -> (Option<Summary>, usize, Option<TargetFraction>) {
        let target = self.targets[i];
        let total = self.population_size(population);
        match &self.streams {
            Some(streams) => {
                let s = &streams[i][population_index(population)];
                let fraction = target.map(|_| TargetFraction::of_counts(s.met as usize, total));
                (s.summary(), s.count as usize, fraction)
            }
            None => {
                let values = self.present(i, population);
                let fraction = target.map(|t| TargetFraction::of_over(&values, t, total));
                (Summary::of(&values), values.len(), fraction)
            }
        }
    }

    /// The replications of `population` collected. A target is judged over
    /// all of them: one where the metric has no value (an RPO over capacity,
    /// an RTO whose plan never completed) missed it.
    fn population_size(&self, population: Population) -> usize {
        match population {
            Population::All => self.seen,
            Population::Declared => self.counts.declared as usize,
        }
    }

    /// The fraction of metric `id`'s values over `population` meeting its
    /// target; `None` without a target (or when the run does not collect it).
    pub fn target_fraction(&self, id: MetricId, population: Population) -> Option<TargetFraction> {
        let i = self.column(id)?;
        let target = self.targets[i]?;
        let total = self.population_size(population);
        Some(match &self.streams {
            Some(streams) => TargetFraction::of_counts(
                streams[i][population_index(population)].met as usize,
                total,
            ),
            None => TargetFraction::of_over(&self.present(i, population), target, total),
        })
    }

    /// Metric `id`'s summary over `population` and its target fraction.
    pub fn summary(
        &self,
        id: MetricId,
        population: Population,
    ) -> Option<(Option<Summary>, Option<TargetFraction>)> {
        let (summary, _, fraction) = self.summarise(self.column(id)?, population);
        Some((summary, fraction))
    }

    /// The verdict on each target so far, in metric order: `(metric, verdict)`.
    pub fn target_verdicts(&self, targets: &Targets) -> Vec<(Metric, TargetVerdict)> {
        self.metrics
            .iter()
            .enumerate()
            .filter_map(|(i, m)| {
                let over = judged_over(m, targets)?;
                let fraction = self.summarise(i, over).2?;
                Some((
                    m.clone(),
                    TargetVerdict::judge(fraction, targets.required_fraction, over),
                ))
            })
            .collect()
    }

    /// One row per metric and population (docs/metrics.md), in metric order.
    pub fn finish(&self, targets: &Targets) -> RunSummary {
        let mut rows = Vec::new();
        for (i, metric) in self.metrics.iter().enumerate() {
            for &population in metric.populations() {
                let (summary, count, target) = self.summarise(i, population);
                let verdict = match (target, judged_over(metric, targets)) {
                    (Some(fraction), Some(over)) if over == population => Some(
                        TargetVerdict::judge(fraction, targets.required_fraction, over),
                    ),
                    _ => None,
                };
                rows.push(MetricSummary {
                    metric: metric.clone(),
                    population,
                    summary,
                    count,
                    target,
                    verdict,
                });
            }
        }
        let ridden_out_over_rto_target = targets
            .rto
            .and_then(|_| self.column(MetricId::Rto))
            .map(|_| self.counts.ridden_out_over_rto_target as usize);
        RunSummary {
            rows,
            outages: Outages {
                total: self.len(),
                declared: self.counts.declared as usize,
                ridden_out_over_rto_target,
                not_closed: self.counts.not_closed as usize,
                needing_resync: self.counts.needing_resync as usize,
            },
            capacity: self.capacity.clone(),
            kept: self.kept(),
        }
    }
}

/// Adds one replication's values to the streams of its populations.
fn stream_row(streams: &mut [[Stream; 2]], targets: &[Option<f64>], row: &[f64], declared: bool) {
    for ((pair, v), target) in streams.iter_mut().zip(row).zip(targets) {
        if v.is_nan() {
            continue;
        }
        for (stream, population) in pair.iter_mut().zip(POPULATIONS) {
            if population == Population::All || declared {
                stream.add(*v, *target);
            }
        }
    }
}

/// Pushes onto a kept column, growing it no further than `keep`.
fn push_kept<T>(column: &mut Vec<T>, value: T, keep: usize) {
    if column.len() == column.capacity() {
        let more = column.len().max(1024).min(keep - column.len());
        column.reserve_exact(more);
    }
    column.push(value);
}
