//! An estate's plans on one timeline: each plan's stages at their mean start
//! and end since the outage, over the declared disasters, drawn as the
//! drivers chart draws its bars. Two views: the failover (detection and
//! decision, the wait for an operator, each plan's own failover: where the
//! estate's RTO goes) and the whole cycle (reprotect, failback, reprotect
//! back, days later).

use super::TimeUnit;
use super::drivers::{DriversChart, StackedBar, legend};
use crate::metrics::MetricId;
use crate::report::table::thousands;
use crate::scenario::{Population, Scenario};
use crate::stats::Collector;

/// A stage drawn: `(part, start s, end s)`, the part indexing `PARTS`.
type Segment = (usize, f64, f64);

const PARTS: [&str; 6] = [
    "detection and decision",
    "wait for an operator",
    "stage 1 failover",
    "stage 2 reprotect",
    "stage 3 failback",
    "stage 4 reprotect back",
];

/// The failover view and the cycle view; `None` when no disaster was
/// declared (nothing failed over: no timeline to draw).
pub fn estate_timelines(
    collector: &Collector,
    scenario: &Scenario,
) -> Option<(DriversChart, DriversChart)> {
    let mean = |id: MetricId| {
        let (summary, _) = collector.summary(id, Population::Declared)?;
        summary.map(|s| s.mean)
    };
    let mut failover = Vec::new();
    let mut cycle = Vec::new();
    for &p in scenario.plan_order() {
        let rto = mean(MetricId::PlanRto(p))?;
        let stage1 = mean(MetricId::PlanStage(p, 1)).unwrap_or(rto);
        let declared = (rto - stage1).max(0.0);
        let started = (declared + mean(MetricId::PlanOperatorWait(p)).unwrap_or(0.0)).min(rto);
        let head = vec![
            (0, 0.0, declared),
            (1, declared, started),
            (2, started, rto),
        ];
        let mut all = head.clone();
        for k in 2..=4u8 {
            let (Some(start), Some(length)) = (
                mean(MetricId::PlanStageStart(p, k)),
                mean(MetricId::PlanStage(p, k)),
            ) else {
                continue;
            };
            all.push((usize::from(k) + 1, start, start + length));
        }
        let plan = &scenario.plans[p];
        let label = format!("{} ({} VMs)", plan.id, thousands(plan.vms.len()));
        failover.push((label.clone(), head));
        cycle.push((label, all));
    }
    let declared = collector
        .values(
            MetricId::PlanRto(scenario.plan_order()[0]),
            Population::Declared,
        )
        .map_or(0, |v| v.len());
    let over = format!("{} declared disasters", thousands(declared));
    Some((
        chart(
            format!("Each plan's failover: mean start and end, over {over}"),
            failover,
            scenario.targets.rto.map(|t| t.as_secs_f64()),
        ),
        chart(
            format!("Each plan's cycle: mean start and end of its stages, over {over}"),
            cycle,
            None,
        ),
    ))
}

/// Bars of `(label, [(part, start s, end s)])`, zero-length segments left out.
fn chart(title: String, rows: Vec<(String, Vec<Segment>)>, target: Option<f64>) -> DriversChart {
    let end_of = |segments: &[Segment]| segments.iter().map(|s| s.2).fold(0.0, f64::max);
    let max_s = rows
        .iter()
        .map(|(_, s)| end_of(s))
        .fold(target.unwrap_or(0.0), f64::max);
    let unit = TimeUnit::for_span(max_s);
    let scale = unit.seconds();
    let bars: Vec<StackedBar> = rows
        .into_iter()
        .map(|(label, segments)| StackedBar {
            label,
            end: end_of(&segments) / scale,
            segments: segments
                .into_iter()
                .filter(|s| s.2 > s.1)
                .map(|(part, start, end)| (part, start / scale, end / scale))
                .collect(),
        })
        .collect();
    let legend = legend(&bars, PARTS.len(), |p| PARTS[p].to_string());
    DriversChart {
        title,
        unit,
        // Room on the right for the bars' labels and the legend.
        x_max: (max_s / scale).max(1e-3) * 1.45,
        bars,
        legend,
        target: target.map(|t| t / scale),
        x_label: format!("time since the outage ({}), mean", unit.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_keep_their_place_and_empty_ones_go() {
        let c = chart(
            "t".into(),
            vec![
                (
                    "a".into(),
                    vec![(0, 0.0, 900.0), (1, 900.0, 900.0), (2, 900.0, 3600.0)],
                ),
                (
                    "b".into(),
                    vec![(0, 0.0, 900.0), (1, 900.0, 1800.0), (2, 1800.0, 7200.0)],
                ),
            ],
            Some(5400.0),
        );
        assert_eq!(c.unit, TimeUnit::Minutes);
        assert_eq!(c.bars[0].segments, vec![(0, 0.0, 15.0), (2, 15.0, 60.0)]);
        assert_eq!(c.bars[1].end, 120.0);
        assert_eq!(c.target, Some(90.0));
        assert_eq!(c.legend.len(), 3);
    }
}
