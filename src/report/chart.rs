//! Charts: of a run (the RPO and RTO distributions, the stage durations) and
//! of a traced replication (its timeline and its replication lag).
//!
//! One file per chart kind: [`distribution`], [`stages`], [`drivers`],
//! [`sensitivity`], [`timeline`], [`lag`].
//! Each chart is computed as plain data first (bins, percentiles, axis ranges,
//! unit-tested) from typed inputs (metric columns by [`MetricId`], the trace's
//! spans and recorded lag, never recomputing physics), then drawn with plotters
//! twice from the same code: to SVG text and to PNG bytes. This file holds
//! what they share: size, font, colours, time units, rendering and the entry
//! points. PNG text is rendered with the bundled DejaVu Sans (assets/fonts), so
//! charts look the same on a machine without system fonts.

pub mod compare;
pub mod distribution;
pub mod drivers;
pub mod estate;
pub mod exceedance;
pub mod lag;
pub mod sensitivity;
pub mod stages;
pub mod sweep;
pub mod timeline;

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::analysis::drivers::Drivers;
use crate::analysis::sensitivity::{Ranked, Sensitivity};
use crate::cycle::{CycleOutcome, TraceLog};
use crate::engine::SimDuration;
use crate::metrics::MetricId;
use crate::scenario::{Population, Scenario};
use crate::stats::Collector;
pub use distribution::DistributionChart;
use distribution::draw_distribution;
pub use drivers::DriversChart;
use drivers::draw_drivers;
pub use lag::LagChart;
use lag::draw_lag;
pub use sensitivity::TornadoChart;
use sensitivity::draw_tornado;
pub use stages::StageChart;
use stages::draw_stages;
pub use timeline::TimelineChart;
use timeline::draw_timeline;

/// Chart size in pixels (SVG user units and PNG pixels alike).
pub const SIZE: (u32, u32) = (1000, 640);
const FONT: &str = "sans-serif";
static FONT_LOADED: Once = Once::new();

/// Registers the bundled font with plotters (once per process).
fn load_font() {
    FONT_LOADED.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // The bundled font is a valid TrueType file; a failure would only lose text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, bytes);
    });
}

#[derive(Debug, thiserror::Error)]
#[error("cannot draw chart `{chart}`: {message}")]
pub struct ChartError {
    pub chart: String,
    pub message: String,
}

fn chart_error(chart: &str, e: impl std::fmt::Display) -> ChartError {
    ChartError {
        chart: chart.to_string(),
        message: e.to_string(),
    }
}

/// A time unit for an axis, chosen so that the numbers read naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// The unit in which `max_seconds` is between about 1 and a few hundred.
    pub fn for_span(max_seconds: f64) -> TimeUnit {
        if max_seconds < 120.0 {
            TimeUnit::Seconds
        } else if max_seconds < 3.0 * 3600.0 {
            TimeUnit::Minutes
        } else if max_seconds < 3.0 * 86_400.0 {
            TimeUnit::Hours
        } else {
            TimeUnit::Days
        }
    }

    pub fn seconds(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => 60.0,
            TimeUnit::Hours => 3600.0,
            TimeUnit::Days => 86_400.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "seconds",
            TimeUnit::Minutes => "minutes",
            TimeUnit::Hours => "hours",
            TimeUnit::Days => "days",
        }
    }
}

pub(super) fn text_style(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

pub(super) const BAR: RGBColor = RGBColor(70, 130, 180);
pub(super) const CDF: RGBColor = RGBColor(30, 30, 30);
pub(super) const TARGET: RGBColor = RGBColor(200, 30, 30);
pub(super) const MARK: RGBColor = RGBColor(110, 110, 110);

/// The label of the horizontal bar whose centre is at `y` on an axis of
/// `labels.len()` rows drawn from the top (row `i`'s centre is at `n - i -
/// 0.5`); empty between rows. Used by every bar chart with labelled rows.
pub(super) fn row_label(labels: &[String], y: f64) -> String {
    let row = labels.len().max(1) as f64 - y - 0.5;
    let i = row.round();
    if (row - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
        labels[i as usize].clone()
    } else {
        String::new()
    }
}

/// A tick value with the decimals an axis reaching `max` needs.
pub(super) fn tick(value: f64, max: f64) -> String {
    if max >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A value in `unit`, as a person reads it: `12m30s`, `3h05m`.
pub(super) fn short(value: f64, unit: TimeUnit) -> String {
    crate::scenario::units::format_duration_short(value * unit.seconds())
}

/// What drawing a chart comes to: the backend's error, kept whole, when it
/// fails.
pub(super) type Drawn = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Renders a chart to SVG text.
pub(super) fn to_svg(
    name: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Drawn,
) -> Result<String, ChartError> {
    load_font();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root).map_err(|e| chart_error(name, e))?;
    }
    Ok(svg)
}

/// Renders a chart to PNG bytes.
pub(super) fn to_png(
    name: &str,
    draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Drawn,
) -> Result<Vec<u8>, ChartError> {
    load_font();
    let mut rgb = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        draw(&root).map_err(|e| chart_error(name, e))?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, SIZE.0, SIZE.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| chart_error(name, e))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| chart_error(name, e))?;
    }
    Ok(png_bytes)
}

/// A chart rendered both ways.
#[derive(Debug, Clone)]
pub struct RenderedChart {
    /// File stem: `rpo`, `rto`, `stages`.
    pub name: String,
    pub svg: String,
    pub png: Vec<u8>,
}

pub fn render_distribution(
    name: &str,
    chart: &DistributionChart,
) -> Result<RenderedChart, ChartError> {
    Ok(RenderedChart {
        name: name.to_string(),
        svg: to_svg(name, |root| draw_distribution(root, chart))?,
        png: to_png(name, |root| draw_distribution(root, chart))?,
    })
}

pub fn render_stages(name: &str, chart: &StageChart) -> Result<RenderedChart, ChartError> {
    Ok(RenderedChart {
        name: name.to_string(),
        svg: to_svg(name, |root| draw_stages(root, chart))?,
        png: to_png(name, |root| draw_stages(root, chart))?,
    })
}

/// The charts of one traced replication: its timeline and its replication lag.
pub fn charts_for_trace(
    scenario: &Scenario,
    log: &TraceLog,
    outcome: &CycleOutcome,
) -> Result<Vec<RenderedChart>, ChartError> {
    let k = outcome.replication;
    let timeline = TimelineChart::new(log, outcome);
    let lag = LagChart::new(scenario, log, outcome);
    let timeline_name = format!("trace-{k}-timeline");
    let lag_name = format!("trace-{k}-lag");
    Ok(vec![
        RenderedChart {
            svg: to_svg(&timeline_name, |r| draw_timeline(r, &timeline))?,
            png: to_png(&timeline_name, |r| draw_timeline(r, &timeline))?,
            name: timeline_name,
        },
        RenderedChart {
            svg: to_svg(&lag_name, |r| draw_lag(r, &lag))?,
            png: to_png(&lag_name, |r| draw_lag(r, &lag))?,
            name: lag_name,
        },
    ])
}

/// The charts of a run, from its collected columns: RPO, RTO and stages, and
/// what drives the RTO and the RPO (`rto-drivers`, `rpo-drivers`).
pub fn charts_for_run(
    collector: &Collector,
    scenario: &Scenario,
    drivers: &[Drivers],
    sensitivity: &[Sensitivity],
) -> Result<Vec<RenderedChart>, ChartError> {
    // Every run collects these metrics; a missing one is a bug, reported as such
    // rather than drawn as an empty chart.
    let values = |id: MetricId, over: Population| {
        collector
            .distribution(id, over)
            .ok_or_else(|| chart_error("run", format!("metric {id:?} was not collected")))
    };
    // RPO and RTO over the outages their targets are judged on, as the verdicts.
    let distribution = |label: &str, id: MetricId, target: Option<SimDuration>, over| {
        let values = values(id, over)?;
        let target_s = target.map(|t| t.as_secs_f64());
        let fraction = collector.target_fraction(id, over);
        Ok::<_, ChartError>(DistributionChart::new(
            label,
            over,
            &values,
            target_s,
            fraction.as_ref(),
        ))
    };
    // The same values as the summary rows: stages over the declared disasters
    // where they happened, the exposure over all outages.
    let stages = StageChart::new(&[
        (
            "detection",
            values(MetricId::RtoPart(0), Population::Declared)?,
        ),
        (
            "decision",
            values(MetricId::RtoPart(1), Population::Declared)?,
        ),
        (
            "stage 1 failover",
            values(MetricId::Stage1, Population::Declared)?,
        ),
        (
            "stage 2 reprotect",
            values(MetricId::Stage2, Population::Declared)?,
        ),
        (
            "stage 3 downtime",
            values(MetricId::Stage3Downtime, Population::Declared)?,
        ),
        (
            "stage 4 reprotect",
            values(MetricId::Stage4, Population::Declared)?,
        ),
        (
            "unprotected",
            values(MetricId::Unprotected, Population::All)?,
        ),
    ]);
    let targets = &scenario.targets;
    let rpo = distribution("RPO", MetricId::Rpo, targets.rpo, targets.rpo_over)?;
    let rto_id = MetricId::from(targets.of(crate::scenario::TargetMetric::Rto));
    let rto = distribution("RTO", rto_id, targets.rto, targets.rto_over)?;
    let mut charts = vec![
        render_distribution("rpo", &rpo)?,
        render_distribution("rto", &rto)?,
        render_stages("stages", &stages)?,
    ];
    if scenario.is_estate()
        && let Some((failover, cycle)) = estate::estate_timelines(collector, scenario)
    {
        for (name, chart) in [("estate-failover", failover), ("estate-cycle", cycle)] {
            charts.push(RenderedChart {
                svg: to_svg(name, |r| draw_drivers(r, &chart))?,
                png: to_png(name, |r| draw_drivers(r, &chart))?,
                name: name.to_string(),
            });
        }
    }
    if let Some(ops) = &scenario.operations {
        let horizon = match ops.horizon.as_secs_f64() {
            h if h == 365.0 * 86_400.0 => "year".to_string(),
            h => format!(
                "{} horizon",
                crate::scenario::units::format_duration_short(h)
            ),
        };
        let downtime = values(MetricId::YearDowntime, Population::All)?;
        let lost = values(MetricId::YearDataLost, Population::All)?;
        let chart = exceedance::ExceedanceChart::new(
            &horizon,
            downtime.len(),
            vec![
                exceedance::ExceedanceCurve::new("downtime", &downtime, 3600.0, "hours"),
                exceedance::ExceedanceCurve::new("data lost", &lost, 1e9, "GB"),
            ],
        );
        let name = "loss-exceedance";
        charts.push(RenderedChart {
            svg: to_svg(name, |r| exceedance::draw_exceedance(r, &chart))?,
            png: to_png(name, |r| exceedance::draw_exceedance(r, &chart))?,
            name: name.to_string(),
        });
    }
    for d in drivers {
        let name = format!("{}-drivers", d.metric.to_lowercase());
        let chart = DriversChart::new(d);
        charts.push(RenderedChart {
            svg: to_svg(&name, |r| draw_drivers(r, &chart))?,
            png: to_png(&name, |r| draw_drivers(r, &chart))?,
            name,
        });
    }
    // One tornado per metric: the RTO and RPO themselves (their misses are in
    // sensitivity.csv and the report's sentences).
    for s in sensitivity {
        let Ranked::Value(metric) = s.metric else {
            continue;
        };
        let name = format!("{}-sensitivity", metric.label().to_lowercase());
        let chart = TornadoChart::new(s);
        if chart.bars.is_empty() {
            continue;
        }
        charts.push(RenderedChart {
            svg: to_svg(&name, |r| draw_tornado(r, &chart))?,
            png: to_png(&name, |r| draw_tornado(r, &chart))?,
            name,
        });
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_span() {
        assert_eq!(TimeUnit::for_span(90.0), TimeUnit::Seconds);
        assert_eq!(TimeUnit::for_span(900.0), TimeUnit::Minutes);
        assert_eq!(TimeUnit::for_span(5.0 * 3600.0), TimeUnit::Hours);
        assert_eq!(TimeUnit::for_span(5.0 * 86_400.0), TimeUnit::Days);
    }
}
