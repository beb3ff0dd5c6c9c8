//! Charts of a run: the RPO and RTO distributions and the stage durations.
//!
//! Each chart is computed as plain data first ([`DistributionChart`],
//! [`StageChart`]: bins, percentiles, axis ranges, unit-tested), then drawn with
//! plotters twice from the same code: to SVG text and to PNG bytes. PNG text is
//! rendered with the bundled DejaVu Sans (assets/fonts), so charts look the same
//! on a machine without system fonts.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::cycle::replication::lag_at;
use crate::cycle::{CycleOutcome, Phase, Span, SpanKind, TraceLog, VmReplication};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::Scenario;
use crate::stats::{Collector, TargetFraction, quantile_sorted};

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

/// A histogram with its empirical CDF, percentiles and target, in one time unit.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionChart {
    pub title: String,
    pub x_label: String,
    pub unit: TimeUnit,
    /// Axis range, in `unit`.
    pub x_max: f64,
    /// Bin edges are `i * bin_width`, counts as fractions of all values.
    pub bin_width: f64,
    pub bins: Vec<f64>,
    /// Step points `(x, fraction at or below x)`, at most a few hundred.
    pub cdf: Vec<(f64, f64)>,
    /// `(label, x)` for p50, p95 and p99.
    pub percentiles: Vec<(&'static str, f64)>,
    pub target: Option<f64>,
}

const BINS: usize = 40;
const CDF_POINTS: usize = 400;

impl DistributionChart {
    /// `name` is what is measured ("RPO"); `values_s` in seconds, any order;
    /// `fraction_meeting` is reported in the title when there is a target.
    pub fn new(
        name: &str,
        values_s: &[f64],
        target_s: Option<f64>,
        fraction_meeting: Option<f64>,
    ) -> DistributionChart {
        let mut sorted: Vec<f64> = values_s.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let max_s = sorted
            .last()
            .copied()
            .unwrap_or(0.0)
            .max(target_s.unwrap_or(0.0));
        let unit = TimeUnit::for_span(max_s);
        let scale = unit.seconds();
        let x_max = if max_s > 0.0 {
            max_s / scale * 1.05
        } else {
            1.0
        };
        let bin_width = x_max / BINS as f64;
        let mut bins = vec![0.0; BINS];
        for v in &sorted {
            let i = ((v / scale) / bin_width).floor() as usize;
            bins[i.min(BINS - 1)] += 1.0 / n.max(1) as f64;
        }
        let step = n.div_ceil(CDF_POINTS).max(1);
        let mut cdf: Vec<(f64, f64)> = (0..n)
            .step_by(step)
            .map(|i| (sorted[i] / scale, (i + 1) as f64 / n as f64))
            .collect();
        if let Some(&last) = sorted.last() {
            cdf.push((last / scale, 1.0));
        }
        let percentiles = if n == 0 {
            Vec::new()
        } else {
            vec![
                ("p50", quantile_sorted(&sorted, 0.50) / scale),
                ("p95", quantile_sorted(&sorted, 0.95) / scale),
                ("p99", quantile_sorted(&sorted, 0.99) / scale),
            ]
        };
        let title = match (target_s, fraction_meeting) {
            (Some(t), Some(f)) => format!(
                "{name}: {:.1}% of {n} replications meet the {} target",
                f * 100.0,
                crate::scenario::units::format_duration_short(t)
            ),
            _ => format!("{name} distribution over {n} replications"),
        };
        DistributionChart {
            title,
            x_label: format!("{name} ({})", unit.name()),
            unit,
            x_max,
            bin_width,
            bins,
            cdf,
            percentiles,
            target: target_s.map(|t| t / scale),
        }
    }
}

/// Box plots of stage durations on a logarithmic time axis.
#[derive(Debug, Clone, PartialEq)]
pub struct StageChart {
    pub title: String,
    pub y_label: String,
    pub unit: TimeUnit,
    /// Logarithmic axis range, in `unit`.
    pub y_min: f64,
    pub y_max: f64,
    pub boxes: Vec<StageBox>,
}

/// One box: whiskers at p5 and p95, box from p25 to p75, a line at the median.
#[derive(Debug, Clone, PartialEq)]
pub struct StageBox {
    pub label: String,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

impl StageChart {
    /// `stages` are `(label, values in seconds)`; zero values (a stage that did
    /// not happen, e.g. when the outage was ridden out) are left out.
    pub fn new(stages: &[(&str, Vec<f64>)]) -> StageChart {
        let mut boxes = Vec::new();
        let mut lowest = f64::INFINITY;
        let mut highest: f64 = 0.0;
        let mut all_max: f64 = 0.0;
        let prepared: Vec<(String, Vec<f64>)> = stages
            .iter()
            .map(|(label, values)| {
                let mut v: Vec<f64> = values
                    .iter()
                    .copied()
                    .filter(|x| *x > 0.0 && x.is_finite())
                    .collect();
                v.sort_by(f64::total_cmp);
                if let Some(&m) = v.last() {
                    all_max = all_max.max(m);
                }
                (label.to_string(), v)
            })
            .collect();
        // Stages span minutes to days: hours keep every tick readable, minutes
        // when the whole cycle is short.
        let unit = if all_max < 3.0 * 3600.0 {
            TimeUnit::Minutes
        } else {
            TimeUnit::Hours
        };
        let scale = unit.seconds();
        for (label, v) in prepared {
            if v.is_empty() {
                continue;
            }
            let q = |p: f64| quantile_sorted(&v, p) / scale;
            let b = StageBox {
                label,
                p5: q(0.05),
                p25: q(0.25),
                p50: q(0.50),
                p75: q(0.75),
                p95: q(0.95),
            };
            lowest = lowest.min(b.p5);
            highest = highest.max(b.p95);
            boxes.push(b);
        }
        if boxes.is_empty() {
            lowest = 0.1;
            highest = 1.0;
        }
        // Whole decades around the data (with room above for the labels), so the
        // log axis has readable ticks.
        let y_min = 10f64.powf((lowest.max(1e-6)).log10().floor());
        let y_max = 10f64.powf((highest * 2.0).max(y_min * 10.0).log10().ceil());
        StageChart {
            title: "Stage durations (box: p25 to p75, line: median, whiskers: p5 to p95)"
                .to_string(),
            y_label: format!("duration ({}, log scale)", unit.name()),
            unit,
            y_min,
            y_max,
            boxes,
        }
    }
}

fn text_style(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

const BAR: RGBColor = RGBColor(70, 130, 180);
const CDF: RGBColor = RGBColor(30, 30, 30);
const TARGET: RGBColor = RGBColor(200, 30, 30);
const MARK: RGBColor = RGBColor(110, 110, 110);

fn draw_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &DistributionChart,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let root = root
        .titled(&c.title, text_style(24))
        .map_err(|e| e.to_string())?;
    let (top, bottom) = root.split_vertically(SIZE.1 * 56 / 100);
    let y_top = c.bins.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.15;

    let mut hist = ChartBuilder::on(&top)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..c.x_max, 0.0..y_top)
        .map_err(|e| e.to_string())?;
    let x_ticks = |x: &f64| {
        if c.x_max >= 10.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.1}")
        }
    };
    hist.configure_mesh()
        .x_label_formatter(&x_ticks)
        .x_desc(c.x_label.as_str())
        .y_desc("share of replications")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(text_style(14))
        .axis_desc_style(text_style(16))
        .light_line_style(WHITE)
        .draw()
        .map_err(|e| e.to_string())?;
    hist.draw_series(c.bins.iter().enumerate().map(|(i, &share)| {
        let x0 = i as f64 * c.bin_width;
        Rectangle::new(
            [(x0, 0.0), (x0 + c.bin_width, share)],
            BAR.mix(0.75).filled(),
        )
    }))
    .map_err(|e| e.to_string())?;
    // Labels at staggered heights, so close percentiles do not overprint.
    for (i, (label, x)) in c.percentiles.iter().enumerate() {
        let height = y_top * (0.97 - 0.08 * i as f64);
        hist.draw_series(std::iter::once(PathElement::new(
            vec![(*x, 0.0), (*x, height)],
            MARK.stroke_width(1),
        )))
        .map_err(|e| e.to_string())?;
        hist.draw_series(std::iter::once(Text::new(
            format!(" {label} {}", short(*x, c.unit)),
            (*x, height),
            text_style(13),
        )))
        .map_err(|e| e.to_string())?;
    }
    // The target is labelled on its line (no legend box that could hide bars),
    // below the percentile labels.
    if let Some(t) = c.target {
        hist.draw_series(std::iter::once(PathElement::new(
            vec![(t, 0.0), (t, y_top)],
            TARGET.stroke_width(3),
        )))
        .map_err(|e| e.to_string())?;
        hist.draw_series(std::iter::once(Text::new(
            format!(" target {}", short(t, c.unit)),
            (t, y_top * 0.70),
            text_style(14).color(&TARGET),
        )))
        .map_err(|e| e.to_string())?;
    }

    let mut cdf = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..c.x_max, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    cdf.configure_mesh()
        .x_label_formatter(&x_ticks)
        .light_line_style(WHITE)
        .x_desc(c.x_label.as_str())
        .y_desc("cumulative share")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(text_style(14))
        .axis_desc_style(text_style(16))
        .draw()
        .map_err(|e| e.to_string())?;
    let mut steps = Vec::with_capacity(c.cdf.len() * 2 + 1);
    let mut previous = 0.0;
    for &(x, y) in &c.cdf {
        steps.push((x, previous));
        steps.push((x, y));
        previous = y;
    }
    steps.push((c.x_max, previous));
    cdf.draw_series(LineSeries::new(steps, CDF.stroke_width(2)))
        .map_err(|e| e.to_string())?;
    if let Some(t) = c.target {
        cdf.draw_series(std::iter::once(PathElement::new(
            vec![(t, 0.0), (t, 1.0)],
            TARGET.stroke_width(3),
        )))
        .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

fn draw_stages<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &StageChart,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let n = c.boxes.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..n as f64, (c.y_min..c.y_max).log_scale())
        .map_err(|e| e.to_string())?;
    let labels: Vec<String> = c.boxes.iter().map(|b| b.label.clone()).collect();
    chart
        .configure_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - x.floor() - 0.5).abs() < 1e-6 && i < labels.len() {
                labels[i].clone()
            } else {
                String::new()
            }
        })
        .disable_x_mesh()
        .y_desc(c.y_label.as_str())
        .y_label_formatter(&|y| format!("{y}"))
        .label_style(text_style(14))
        .axis_desc_style(text_style(16))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, b) in c.boxes.iter().enumerate() {
        let x = i as f64 + 0.5;
        let (l, r) = (x - 0.25, x + 0.25);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(l, b.p25), (r, b.p75)],
                BAR.mix(0.6).filled(),
            )))
            .map_err(|e| e.to_string())?;
        let lines = [
            vec![(l, b.p50), (r, b.p50)],
            vec![(x, b.p5), (x, b.p25)],
            vec![(x, b.p75), (x, b.p95)],
            vec![(x - 0.1, b.p5), (x + 0.1, b.p5)],
            vec![(x - 0.1, b.p95), (x + 0.1, b.p95)],
        ];
        chart
            .draw_series(
                lines
                    .into_iter()
                    .map(|p| PathElement::new(p, BLACK.stroke_width(2))),
            )
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!("median {}", short(b.p50, c.unit)),
                (l, b.p95 * 1.25),
                text_style(13),
            )))
            .map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}

/// A value in `unit`, as a person reads it: `12m30s`, `3h05m`.
fn short(value: f64, unit: TimeUnit) -> String {
    crate::scenario::units::format_duration_short(value * unit.seconds())
}

/// Renders a chart to SVG text.
fn to_svg(
    name: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>,
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
fn to_png(
    name: &str,
    draw: impl FnOnce(&DrawingArea<BitMapBackend, Shift>) -> Result<(), String>,
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
                crate::scenario::units::format_duration_short(outcome.rto.as_secs_f64()),
                crate::scenario::units::format_duration_short(outcome.cycle.as_secs_f64())
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
const LAG_SAMPLES: usize = 300;

impl LagChart {
    pub fn new(scenario: &Scenario, log: &TraceLog, outcome: &CycleOutcome) -> LagChart {
        let t0 = outcome.outage_start;
        let mut chosen: Vec<&VmReplication> = log.replications.iter().collect();
        chosen.sort_by(|a, b| b.choice.rpo.cmp(&a.choice.rpo).then(a.vm.cmp(&b.vm)));
        chosen.truncate(MAX_LAG_SERIES);
        let worst = chosen.first().map_or(0.0, |r| {
            r.choice.rpo.as_secs_f64().max(r.choice.lag.as_secs_f64())
        });
        let window_s = (worst * 2.0)
            .max(3.0 * scenario.policy.crash_consistent_interval.as_secs_f64())
            .max(3600.0)
            .min(scenario.policy.history.as_secs_f64());
        let unit = TimeUnit::for_span(window_s);
        let scale = unit.seconds();
        let mut y_max_s = scenario.policy.rpo_alert_threshold.as_secs_f64() * 1.2;
        let series = chosen
            .iter()
            .map(|r| {
                let points: Vec<(f64, f64)> = (0..=LAG_SAMPLES)
                    .map(|i| {
                        let before = window_s * (1.0 - i as f64 / LAG_SAMPLES as f64);
                        let t = t0 - SimDuration::from_secs_f64(before);
                        let lag = lag_at(&r.history, t).as_secs_f64();
                        y_max_s = y_max_s.max(lag);
                        (-before / scale, lag / scale)
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
                let s = r.schedule;
                let (mut n, mut t) = s.latest_at_or_before(t0);
                let mut xs = Vec::new();
                while t0.since(t).as_secs_f64() <= window_s && xs.len() < 500 {
                    if s.is_retained(t, t0) {
                        xs.push(-t0.since(t).as_secs_f64() / scale);
                    }
                    n -= 1;
                    t = s.time_of(n);
                }
                xs
            })
            .unwrap_or_default();
        LagChart {
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

fn draw_gantt_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    bars: &[Bar],
    end: f64,
    unit: TimeUnit,
) -> Result<(), String>
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
        .build_cartesian_2d(0.0..end, 0.0..n as f64)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| {
            // Row i is drawn from the top: its centre is at n - i - 0.5.
            let row = n as f64 - y - 0.5;
            let i = row.round();
            if (row - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .x_label_formatter(&|x| {
            if end >= 10.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.1}")
            }
        })
        .x_desc(format!("time since the outage ({})", unit.name()))
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, b)| {
            let top = n as f64 - i as f64 - 0.15;
            let bottom = n as f64 - i as f64 - 0.85;
            let end = b.end.max(b.start + end * 0.002);
            Rectangle::new([(b.start, bottom), (end, top)], b.color.filled())
        }))
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &TimelineChart,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let root = root
        .titled(&c.title, text_style(22))
        .map_err(|e| e.to_string())?;
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
    root.present().map_err(|e| e.to_string())
}

fn draw_lag<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LagChart) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(20))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(-c.window..0.0, 0.0..c.y_max.max(1e-3))
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| {
            if c.window >= 10.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.1}")
            }
        })
        .x_desc(format!("time before the outage ({})", c.unit.name()))
        .y_desc(format!("replication lag ({})", c.unit.name()))
        .y_label_formatter(&|y| {
            if c.y_max >= 10.0 {
                format!("{y:.0}")
            } else {
                format!("{y:.1}")
            }
        })
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .light_line_style(WHITE)
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(-c.window, c.alert), (0.0, c.alert)],
            TARGET.stroke_width(1),
        )))
        .map_err(|e| e.to_string())?
        .label("RPO alert threshold")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TARGET.stroke_width(1)));
    if let Some(first) = c.series.first() {
        let tick = c.y_max * 0.025;
        chart
            .draw_series(
                c.points
                    .iter()
                    .map(|&x| PathElement::new(vec![(x, 0.0), (x, tick)], MARK.stroke_width(1))),
            )
            .map_err(|e| e.to_string())?
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
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        if *chosen >= -c.window {
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (*chosen, 0.0),
                    9,
                    color.filled(),
                )))
                .map_err(|e| e.to_string())?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(text_style(13))
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
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

/// The charts of a run, from its collected columns: RPO, RTO and stages.
pub fn charts_for_run(
    collector: &Collector,
    scenario: &Scenario,
) -> Result<Vec<RenderedChart>, ChartError> {
    let column = |name: &str| collector.column(name).unwrap_or(&[]);
    let distribution = |label: &str, name: &str, target: Option<crate::engine::SimDuration>| {
        let values = column(name);
        let target_s = target.map(|t| t.as_secs_f64());
        let fraction = target_s.map(|t| TargetFraction::of(values, t).fraction);
        DistributionChart::new(label, values, target_s, fraction)
    };
    let stages = StageChart::new(&[
        ("stage 1 failover", column("stage1_s").to_vec()),
        ("stage 2 reprotect", column("stage2_s").to_vec()),
        ("stage 3 downtime", column("stage3_downtime_s").to_vec()),
        ("stage 4 reprotect", column("stage4_s").to_vec()),
        ("unprotected", column("unprotected_s").to_vec()),
    ]);
    Ok(vec![
        render_distribution("rpo", &distribution("RPO", "rpo_s", scenario.targets.rpo))?,
        render_distribution("rto", &distribution("RTO", "rto_s", scenario.targets.rto))?,
        render_stages("stages", &stages)?,
    ])
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

    #[test]
    fn distribution_bins_cover_every_value_and_sum_to_one() {
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.6).collect(); // 0 .. 599.4 s
        let c = DistributionChart::new("RPO", &values, Some(900.0), Some(1.0));
        assert_eq!(c.unit, TimeUnit::Minutes);
        // The axis reaches the target (15 min) plus 5 %.
        assert!((c.x_max - 15.75).abs() < 1e-9);
        assert!((c.bins.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(c.target, Some(15.0));
        // p50 of 0..599.4 s is 299.7 s = 4.995 min.
        assert!((c.percentiles[0].1 - 4.995).abs() < 1e-9);
        assert!(
            c.title
                .contains("100.0% of 1000 replications meet the 15m00s target"),
            "{}",
            c.title
        );
        assert_eq!(c.cdf.last(), Some(&(599.4 / 60.0, 1.0)));
        assert!(c.cdf.len() <= CDF_POINTS + 1);
    }

    #[test]
    fn stage_boxes_skip_stages_that_did_not_happen_and_span_whole_decades() {
        let hours = |h: &[f64]| h.iter().map(|x| x * 3600.0).collect::<Vec<f64>>();
        let c = StageChart::new(&[
            ("stage 1", hours(&[0.5, 0.6, 0.7, 0.8, 0.9])),
            ("stage 2", hours(&[10.0, 20.0, 30.0, 40.0, 50.0])),
            ("never", vec![0.0, 0.0]),
        ]);
        assert_eq!(c.boxes.len(), 2);
        assert_eq!(c.unit, TimeUnit::Hours);
        assert_eq!(c.boxes[1].p50, 30.0);
        assert!((c.boxes[0].p5 - 0.52).abs() < 1e-9);
        assert_eq!((c.y_min, c.y_max), (0.1, 100.0));
    }

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
        let log = TraceLog {
            spans: vec![
                span("detection", SpanKind::Event, 0, 10),
                span("decision", SpanKind::Event, 10, 30),
                span("vm1", SpanKind::Vm, 30, 50),
                span("group g", SpanKind::Group, 30, 55),
                span("stage 1: failover", SpanKind::Stage, 30, 55),
            ],
            ..TraceLog::default()
        };
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

    #[test]
    fn charts_render_to_svg_and_png() {
        let values: Vec<f64> = (1..500).map(f64::from).collect();
        let c = DistributionChart::new("RTO", &values, Some(300.0), Some(0.6));
        let r = render_distribution("rto", &c).unwrap();
        assert!(r.svg.starts_with("<svg"));
        assert!(r.svg.contains("RTO (minutes)"));
        assert_eq!(&r.png[1..4], b"PNG");
    }
}
