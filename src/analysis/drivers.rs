//! What drives the RTO and the RPO: the mean composition of the metric (its
//! attribution parts, which add up to it in every replication) over groups of
//! replications: all of them, those around the median, those around the 95th
//! percentile, those that met the target and those that missed it. Because the
//! parts add up to the metric in every replication, their means add up to the
//! metric's mean in every group. The part whose mean differs most between the
//! missed and the met replications is what to fix first.

use crate::metrics::MetricId;
use crate::scenario::Population;
use crate::stats::{Collector, quantile_sorted};

/// The mean composition of one group of replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Composition {
    pub label: String,
    pub count: usize,
    /// Mean of the metric (seconds), equal to the sum of `parts`.
    pub mean: f64,
    /// Mean of each part (seconds), in part order.
    pub parts: Vec<f64>,
}

/// The part to fix first: the largest gap between missed and met replications.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstFix {
    pub part: usize,
    pub mean_missed: f64,
    pub mean_met: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drivers {
    /// "RTO" or "RPO".
    pub metric: &'static str,
    pub over: Population,
    /// `(name, meaning)` of each part.
    pub part_names: Vec<(&'static str, &'static str)>,
    pub rows: Vec<Composition>,
    /// The target in seconds, when there is one.
    pub target: Option<f64>,
    /// `None` without a target, or when no replication missed or none met it.
    pub first_fix: Option<FirstFix>,
}

/// The composition of `metric` by `parts` over the replications of `over`
/// where the metric exists; `None` when the run collected none.
pub fn drivers(
    collector: &Collector,
    label: &'static str,
    metric: MetricId,
    parts: &[(MetricId, (&'static str, &'static str))],
    over: Population,
    target: Option<f64>,
) -> Option<Drivers> {
    let totals = collector.aligned(metric, over)?;
    let columns: Vec<Vec<f64>> = parts
        .iter()
        .map(|(id, _)| collector.aligned(*id, over))
        .collect::<Option<_>>()?;
    // Replications where the metric exists (the parts exist with it).
    let present: Vec<usize> = (0..totals.len())
        .filter(|&r| !totals[r].is_nan() && columns.iter().all(|c| !c[r].is_nan()))
        .collect();
    if present.is_empty() {
        return None;
    }
    let composition = |label: String, rows: &[usize]| -> Composition {
        let n = rows.len().max(1) as f64;
        let parts: Vec<f64> = columns
            .iter()
            .map(|c| rows.iter().map(|&r| c[r]).sum::<f64>() / n)
            .collect();
        Composition {
            label,
            count: rows.len(),
            mean: rows.iter().map(|&r| totals[r]).sum::<f64>() / n,
            parts,
        }
    };
    let mut sorted: Vec<f64> = present.iter().map(|&r| totals[r]).collect();
    sorted.sort_by(f64::total_cmp);
    let band = |lo: f64, hi: f64| -> Vec<usize> {
        let (a, b) = (quantile_sorted(&sorted, lo), quantile_sorted(&sorted, hi));
        present
            .iter()
            .copied()
            .filter(|&r| totals[r] >= a && totals[r] <= b)
            .collect()
    };
    // Past the replications kept whole, the groups that need no quantile
    // (all, met, missed) are over every replication counted, from the
    // collector's exact sums, so the misses explained are those the verdict
    // counts; the bands around the median and p95 stay over the kept ones.
    let part_ids: Vec<MetricId> = parts.iter().map(|(id, _)| *id).collect();
    let counted = collector.counted_composition(metric, &part_ids, over);
    let from_sums = |label: String, count: u64, sums: &[f64]| {
        let n = count.max(1) as f64;
        Composition {
            label,
            count: count as usize,
            mean: sums[0] / n,
            parts: sums[1..].iter().map(|s| s / n).collect(),
        }
    };
    let kept_note = if counted.is_some() {
        format!(", of the first {} kept whole", present.len())
    } else {
        String::new()
    };
    let mut rows = vec![
        match &counted {
            Some(((n, sums), _)) => from_sums(over.phrase().to_string(), *n, sums),
            None => composition(over.phrase().to_string(), &present),
        },
        composition(
            format!("around the median (p45-p55){kept_note}"),
            &band(0.45, 0.55),
        ),
        composition(
            format!("around p95 (p92.5-p97.5){kept_note}"),
            &band(0.925, 0.975),
        ),
    ];
    let mut first_fix = None;
    if let Some(t) = target {
        let (met_row, missed_row) = match &counted {
            Some(((n_all, all), (n_met, met))) => {
                let missed: Vec<f64> = all.iter().zip(met).map(|(a, m)| a - m).collect();
                (
                    from_sums("met the target".into(), *n_met, met),
                    from_sums("missed the target".into(), n_all - n_met, &missed),
                )
            }
            None => {
                let (met, missed): (Vec<usize>, Vec<usize>) =
                    present.iter().partition(|&&r| totals[r] <= t);
                (
                    composition("met the target".into(), &met),
                    composition("missed the target".into(), &missed),
                )
            }
        };
        let (any_met, any_missed) = (met_row.count > 0, missed_row.count > 0);
        if any_met {
            rows.push(met_row);
        }
        if any_missed {
            rows.push(missed_row);
        }
        if any_met && any_missed {
            let (met_row, missed_row) = (&rows[rows.len() - 2], &rows[rows.len() - 1]);
            first_fix = (0..parts.len())
                .map(|p| FirstFix {
                    part: p,
                    mean_missed: missed_row.parts[p],
                    mean_met: met_row.parts[p],
                })
                .max_by(|a, b| {
                    (a.mean_missed - a.mean_met)
                        .total_cmp(&(b.mean_missed - b.mean_met))
                        .then(b.part.cmp(&a.part))
                });
        }
    }
    Some(Drivers {
        metric: label,
        over,
        part_names: parts.iter().map(|(_, n)| *n).collect(),
        rows,
        target,
        first_fix,
    })
}

/// The RTO's and the RPO's drivers for a run, each over the outages its
/// target is judged on (RTO first); those the run has no values for are left out.
pub fn for_run(collector: &Collector, scenario: &crate::scenario::Scenario) -> Vec<Drivers> {
    use crate::cycle::attribution::{RpoParts, RtoParts};
    let targets = &scenario.targets;
    // On ASR's SLA clock the RTO starts at the declaration: its parts are
    // those after it (they tile `rto_from_failover_s`).
    let from_failover = targets.rto_from == crate::scenario::RtoClock::FailoverStart;
    let before_failover = ["detection", "decision", "ride_out"];
    let rto_parts: Vec<(MetricId, (&'static str, &'static str))> = RtoParts::names_for(scenario)
        .filter(|(_, (name, _))| !(from_failover && before_failover.contains(name)))
        .map(|(i, n)| (MetricId::RtoPart(i), n))
        .collect();
    let rpo_parts: Vec<(MetricId, (&'static str, &'static str))> = RpoParts::names_for(scenario)
        .map(|(i, n)| (MetricId::RpoPart(i), n))
        .collect();
    let seconds = |d: Option<crate::engine::SimDuration>| d.map(|d| d.as_secs_f64());
    [
        drivers(
            collector,
            // The chart's file name (`rto-drivers`) comes from it; the
            // metric says which clock.
            "RTO",
            MetricId::from(targets.of(crate::scenario::TargetMetric::Rto)),
            &rto_parts,
            targets.rto_over,
            seconds(targets.rto),
        ),
        drivers(
            collector,
            "RPO",
            MetricId::Rpo,
            &rpo_parts,
            targets.rpo_over,
            seconds(targets.rpo),
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::attribution::RtoParts;

    #[test]
    fn part_means_add_up_to_the_metric_mean_in_every_row() {
        let s = crate::scenario::Scenario::from_toml(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scenarios/three-tier.toml"
            ))
            .expect("scenario"),
            "three-tier.toml",
        )
        .expect("valid");
        let mut collector = Collector::new(crate::metrics::metrics_for(&s));
        for k in 0..400 {
            let o = crate::cycle::run_cycle(&s, 3, k, &mut crate::cycle::NoTrace);
            collector.push(&o);
        }
        let parts: Vec<(MetricId, (&str, &str))> = RtoParts::names_for(&s)
            .map(|(i, n)| (MetricId::RtoPart(i), n))
            .collect();
        let d = drivers(
            &collector,
            "RTO",
            MetricId::Rto,
            &parts,
            Population::All,
            Some(7200.0),
        )
        .expect("collected");
        assert_eq!(d.rows.len(), 5, "all, median, p95, met, missed");
        for row in &d.rows {
            let sum: f64 = row.parts.iter().sum();
            assert!(
                (sum - row.mean).abs() < 1e-6,
                "{}: {sum} vs {}",
                row.label,
                row.mean
            );
        }
        assert_eq!(d.rows[0].count, 400);
        assert_eq!(d.rows[3].count + d.rows[4].count, 400);
        let fix = d.first_fix.expect("some met, some missed");
        assert!(fix.mean_missed > fix.mean_met);
    }
}
