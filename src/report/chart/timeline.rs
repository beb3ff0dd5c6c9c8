//! The trace's timeline: one replication's cycle as a Gantt chart, the whole
//! cycle on top and stage 1 enlarged below.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{SIZE, TimeUnit, row_label, text_style, tick};
use crate::cycle::{CycleOutcome, Phase, Span, SpanKind, TraceLog};
use crate::engine::SimTime;

/// One bar of a Gantt chart, in the chart's time unit from `t0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub start: f64,
    pub end: f64,
    pub color: RGBColor,
}

/// The cycle of one replication as a Gantt chart: the whole cycle on top, the
/// failover (stage 1) enlarged below.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineChart {
    pub title: String,
    pub cycle_unit: TimeUnit,
    pub cycle: Vec<Bar>,
    pub cycle_end: f64,
    pub failover_unit: TimeUnit,
    pub failover: Vec<Bar>,
    pub failover_end: f64,
}

/// Colours of the four stages, as in ASR's failover/failback diagram, and of
/// what happens to the team.
fn phase_color(phase: Phase, kind: SpanKind) -> RGBColor {
    match (kind, phase) {
        (SpanKind::Outage | SpanKind::Event, _) => RGBColor(200, 30, 30),
        (_, Phase::Replicating | Phase::Failover) => RGBColor(230, 126, 34),
        (_, Phase::Reprotect) => RGBColor(41, 128, 185),
        (_, Phase::Failback) => RGBColor(142, 68, 173),
        (_, Phase::ReprotectBack) => RGBColor(39, 174, 96),
    }
}

/// A duration as a person reads it, or "not reached" where it does not exist.
fn duration_or_none(d: Option<crate::engine::SimDuration>) -> String {
    d.map_or_else(
        || "not reached".to_string(),
        |d| crate::scenario::units::format_duration_short(d.as_secs_f64()),
    )
}

/// At most this many VM rows in the failover panel; beyond, groups only.
const MAX_VM_ROWS: usize = 16;

/// Rows top to bottom by start time; at equal starts, stages before groups
/// before VMs (spans are reported when they end, so their order differs).
fn in_row_order(spans: &[Span]) -> Vec<&Span> {
    let rank = |k: SpanKind| match k {
        SpanKind::Outage | SpanKind::Event => 0,
        SpanKind::Stage => 1,
        SpanKind::Group => 2,
        SpanKind::Vm => 3,
    };
    let mut rows: Vec<&Span> = spans.iter().collect();
    rows.sort_by_key(|s| (s.start, rank(s.kind)));
    rows
}

impl TimelineChart {
    pub fn new(log: &TraceLog, outcome: &CycleOutcome) -> TimelineChart {
        let t0 = outcome.outage_start;
        let spans = in_row_order(&log.spans);
        let since = |t: SimTime, unit: TimeUnit| t.since(t0).as_secs_f64() / unit.seconds();
        let cycle_end_s = log
            .spans
            .iter()
            .map(|s| s.end.since(t0).as_secs_f64())
            .fold(0.0, f64::max);
        let cycle_unit = TimeUnit::for_span(cycle_end_s);
        let cycle: Vec<Bar> = spans
            .iter()
            .filter(|s| matches!(s.kind, SpanKind::Outage | SpanKind::Event | SpanKind::Stage))
            .map(|s| Bar {
                label: s.label.clone(),
                start: since(s.start, cycle_unit),
                end: since(s.end, cycle_unit),
                color: phase_color(s.phase, s.kind),
            })
            .collect();
        let stage1: Vec<&Span> = spans
            .iter()
            .copied()
            .filter(|s| s.phase == Phase::Failover && s.kind != SpanKind::Outage)
            .collect();
        let vms = stage1.iter().filter(|s| s.kind == SpanKind::Vm).count();
        let failover_end_s = stage1
            .iter()
            .map(|s| s.end.since(t0).as_secs_f64())
            .fold(0.0, f64::max);
        let failover_unit = TimeUnit::for_span(failover_end_s);
        let failover = stage1
            .iter()
            .filter(|s| s.kind != SpanKind::Vm || vms <= MAX_VM_ROWS)
            .map(|s| Bar {
                label: if s.kind == SpanKind::Vm {
                    format!("  {}", s.label)
                } else {
                    s.label.clone()
                },
                start: since(s.start, failover_unit),
                end: since(s.end, failover_unit),
                color: if s.kind == SpanKind::Vm {
                    RGBColor(243, 176, 110)
                } else {
                    phase_color(s.phase, s.kind)
                },
            })
            .collect();
        TimelineChart {
            title: format!(
                "Replication {}: the failover/failback cycle (RTO {}, cycle {})",
                outcome.replication,
                duration_or_none(outcome.rto),
                duration_or_none(outcome.cycle)
            ),
            cycle_unit,
            cycle_end: (cycle_end_s / cycle_unit.seconds()).max(1e-3) * 1.03,
            failover_unit,
            failover,
            failover_end: (failover_end_s / failover_unit.seconds()).max(1e-3) * 1.03,
            cycle,
        }
    }
}

fn draw_gantt_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    bars: &[Bar],
    end: f64,
    unit: TimeUnit,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let n = bars.len().max(1);
    let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, text_style(16))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(210)
        .build_cartesian_2d(0.0..end, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| row_label(&labels, *y))
        .disable_y_mesh()
        .x_label_formatter(&|x| tick(*x, end))
        .x_desc(format!("time since the outage ({})", unit.name()))
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()?;
    chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
        let top = n as f64 - i as f64 - 0.15;
        let bottom = n as f64 - i as f64 - 0.85;
        let end = b.end.max(b.start + end * 0.002);
        Rectangle::new([(b.start, bottom), (end, top)], b.color.filled())
    }))?;
    Ok(())
}

pub(super) fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &TimelineChart,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(&c.title, text_style(22))?;
    let split = (SIZE.1 as usize * (c.cycle.len() + 2) / (c.cycle.len() + c.failover.len() + 5))
        .clamp(180, 400);
    let (top, bottom) = root.split_vertically(split as u32);
    draw_gantt_panel(
        &top,
        "The whole cycle: stages 1 to 4",
        &c.cycle,
        c.cycle_end,
        c.cycle_unit,
    )?;
    draw_gantt_panel(
        &bottom,
        "Stage 1 enlarged: detection, decision, recovery plan",
        &c.failover,
        c.failover_end,
        c.failover_unit,
    )?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gantt_rows_follow_start_time_with_groups_before_their_vms() {
        let at = |m: i64| SimTime::from_millis(m * 60_000);
        let span = |label: &str, kind, start, end| Span {
            label: label.to_string(),
            kind,
            phase: Phase::Failover,
            start: at(start),
            end: at(end),
        };
        // Reported in the order they end, as the cycle does.
        let mut log = TraceLog::default();
        log.spans = vec![
            span("detection", SpanKind::Event, 0, 10),
            span("decision", SpanKind::Event, 10, 30),
            span("vm1", SpanKind::Vm, 30, 50),
            span("group g", SpanKind::Group, 30, 55),
            span("stage 1: failover", SpanKind::Stage, 30, 55),
        ];
        let rows: Vec<&str> = in_row_order(&log.spans)
            .iter()
            .map(|s| s.label.as_str())
            .collect();
        assert_eq!(
            rows,
            [
                "detection",
                "decision",
                "stage 1: failover",
                "group g",
                "vm1"
            ]
        );
    }
}
