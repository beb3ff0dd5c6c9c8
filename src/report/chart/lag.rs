//! The trace's lag chart: how the VMs' replication lag built up before the
//! outage, with the recovery points retained and the ones used.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{MARK, TARGET, TimeUnit, short, text_style, tick};
use crate::cycle::{CycleOutcome, TraceLog, VmReplication};
use crate::scenario::Scenario;

/// Replication lag of the VMs before the outage, with the points they use.
#[derive(Debug, Clone, PartialEq)]
pub struct LagChart {
    pub title: String,
    pub unit: TimeUnit,
    /// x from `-window` to 0 (time before the outage, in `unit`).
    pub window: f64,
    pub y_max: f64,
    pub series: Vec<LagSeries>,
    pub alert: f64,
    /// The recovery points retained at the outage for the first series' VM (x
    /// positions), drawn as ticks on the time axis.
    pub points: Vec<f64>,
    /// No VM lagged at any sample: the chart says so instead of drawing flat lines.
    pub no_lag: bool,
}

/// One VM's lag curve in a [`LagChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct LagSeries {
    pub vm: String,
    /// `(x, lag)`, both in the chart's unit.
    pub points: Vec<(f64, f64)>,
    /// When the point it fails over to was taken (x, in the chart's unit).
    pub chosen: f64,
}

/// At most this many VMs in the lag chart: those with the largest RPO.
const MAX_LAG_SERIES: usize = 8;

impl LagChart {
    pub fn new(scenario: &Scenario, log: &TraceLog, outcome: &CycleOutcome) -> LagChart {
        let t0 = outcome.outage_start;
        let recorded = &log.replication;
        let mut chosen: Vec<&VmReplication> = recorded.vms.iter().collect();
        chosen.sort_by(|a, b| b.choice.rpo.cmp(&a.choice.rpo).then(a.vm.cmp(&b.vm)));
        chosen.truncate(MAX_LAG_SERIES);
        let window_s = recorded.window_s;
        let unit = TimeUnit::for_span(window_s);
        let scale = unit.seconds();
        let mut y_max_s = scenario.policy.rpo_alert_threshold.as_secs_f64() * 1.2;
        let series = chosen
            .iter()
            .map(|r| {
                let points: Vec<(f64, f64)> = r
                    .lag
                    .iter()
                    .map(|sample| {
                        let lag = sample.lag.as_secs_f64();
                        y_max_s = y_max_s.max(lag);
                        (-sample.before_outage_s / scale, lag / scale)
                    })
                    .collect();
                y_max_s = y_max_s.max(r.choice.rpo.as_secs_f64());
                LagSeries {
                    vm: scenario.vms[r.vm].id.clone(),
                    points,
                    chosen: -r.choice.rpo.as_secs_f64() / scale,
                }
            })
            .collect();
        let points = chosen
            .first()
            .map(|r| {
                r.retained_points
                    .iter()
                    .map(|&t| -t0.since(t).as_secs_f64() / scale)
                    .collect()
            })
            .unwrap_or_default();
        let no_lag = recorded
            .vms
            .iter()
            .all(|r| r.lag.iter().all(|sample| sample.lag.as_millis() == 0));
        LagChart {
            no_lag,
            points,
            title: format!(
                "Replication {}: lag before the outage (lines) and recovery points used (triangles)",
                outcome.replication
            ),
            unit,
            window: window_s / scale,
            y_max: y_max_s / scale * 1.15,
            series,
            alert: scenario.policy.rpo_alert_threshold.as_secs_f64() / scale,
        }
    }
}

const SERIES_COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

pub(super) fn draw_lag<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LagChart) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(20))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-c.window..0.0, 0.0..c.y_max.max(1e-3))?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| tick(*x, c.window))
        .x_desc(format!("time before the outage ({})", c.unit.name()))
        .y_desc(format!("replication lag ({})", c.unit.name()))
        .y_label_formatter(&|y| tick(*y, c.y_max))
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(WHITE)
        .draw()?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(-c.window, c.alert), (0.0, c.alert)],
            TARGET.stroke_width(1),
        )))?
        .label("RPO alert threshold")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TARGET.stroke_width(1)));
    if let Some(first) = c.series.first() {
        let tick = c.y_max * 0.025;
        chart
            .draw_series(
                c.points
                    .iter()
                    .map(|&x| PathElement::new(vec![(x, 0.0), (x, tick)], MARK.stroke_width(1))),
            )?
            .label(format!("recovery points of {} (ticks)", first.vm))
            .legend(|(x, y)| {
                PathElement::new(vec![(x + 10, y - 5), (x + 10, y + 5)], MARK.stroke_width(1))
            });
    }
    for (
        i,
        LagSeries {
            vm: label,
            points,
            chosen,
        },
    ) in c.series.iter().enumerate()
    {
        let color = SERIES_COLORS[i % SERIES_COLORS.len()];
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        if *chosen >= -c.window {
            chart.draw_series(std::iter::once(TriangleMarker::new(
                (*chosen, 0.0),
                9,
                color.filled(),
            )))?;
        }
    }
    if c.no_lag {
        chart
            .draw_series(std::iter::once(Text::new(
                format!(
                    "No VM lagged in the {} before the outage: every write reached Azure as it was made.",
                    short(c.window, c.unit)
                ),
                (-c.window * 0.9, c.y_max * 0.55),
                text_style(16),
            )))?;
        chart
            .draw_series(std::iter::once(Text::new(
                "The RPO comes from the recovery-point schedule and processing (triangles: points used).",
                (-c.window * 0.9, c.y_max * 0.45),
                text_style(14),
            )))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(text_style(13))
        .draw()?;
    root.present()?;
    Ok(())
}
