//! A sweep: how the RPO or RTO (p50 and p95, and the share meeting the target
//! with its interval) moves with the first varied key, one series per value
//! of the other keys, the target drawn.
//!
//! When every value of the first key is a number (in one quantity: `5m`,
//! `1h` and `3h` are minutes), the x axis is numeric, so uneven values sit
//! at their distances, and logarithmic when they span more than a decade;
//! otherwise (names, e.g. recovery-point choices) the values are evenly spaced.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BAR, CDF, ChartError, MARK, RenderedChart, TARGET, TimeUnit, short, text_style, to_png, to_svg,
};
use crate::scenario::units::{in_unit_of, split_number};
use crate::study::sweep::SweptMetric;
use crate::study::sweep::{SweepRow, Varied};

/// How the x axis places the first key's values.
#[derive(Debug, Clone, PartialEq)]
pub enum XAxis {
    /// Values at their numbers in `unit`; `log`: at their logarithm.
    Numeric { unit: String, log: bool },
    /// Values evenly spaced, labelled as written.
    Categorical { labels: Vec<String> },
}

impl XAxis {
    /// The axis for `values` (as written on the command line).
    pub fn of(values: &[String]) -> (XAxis, Vec<f64>) {
        let plain: Vec<&str> = values.iter().map(|v| v.trim_matches('"').trim()).collect();
        let unit = plain
            .first()
            .and_then(|v| split_number(v))
            .map(|(_, u)| u.to_string());
        let numbers: Option<Vec<f64>> = unit.as_ref().and_then(|unit| {
            plain
                .iter()
                .map(|v| match split_number(v) {
                    Some((n, u)) if u == unit => Some(n),
                    _ => in_unit_of(v, unit),
                })
                .collect()
        });
        match (unit, numbers) {
            (Some(unit), Some(numbers)) if numbers.iter().all(|n| n.is_finite()) => {
                let lo = numbers.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = numbers.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let log = lo > 0.0 && hi / lo > 10.0;
                let xs = numbers
                    .iter()
                    .map(|&n| if log { n.log10() } else { n })
                    .collect();
                (XAxis::Numeric { unit, log }, xs)
            }
            _ => (
                XAxis::Categorical {
                    labels: plain.iter().map(|s| s.to_string()).collect(),
                },
                (0..values.len()).map(|i| i as f64).collect(),
            ),
        }
    }

    /// The label at axis position `x`.
    fn label(&self, x: f64) -> String {
        match self {
            XAxis::Numeric { unit, log } => {
                let v = if *log { 10f64.powf(x) } else { x };
                format!("{} {unit}", significant(v)).trim().to_string()
            }
            XAxis::Categorical { labels } => {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    labels[i as usize].clone()
                } else {
                    String::new()
                }
            }
        }
    }
}

/// `v` to two significant digits, without trailing zeros.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (1 - v.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{v:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// One point of a series: its axis position, p50 and p95 (in the chart's
/// unit), and the share meeting the target with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub x: f64,
    pub p50: f64,
    pub p95: f64,
    pub met: Option<(f64, f64, f64)>,
}

/// The points sharing the values of the other keys (`label`, empty for a
/// sweep of one key).
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSeries {
    pub label: String,
    pub points: Vec<SweepPoint>,
}

/// The data of one sweep chart, in the chart's time unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepChart {
    pub title: String,
    /// The first varied key, for the x axis.
    pub axis_name: String,
    pub axis: XAxis,
    pub x_range: (f64, f64),
    pub unit: TimeUnit,
    pub series: Vec<SweepSeries>,
    pub target: Option<f64>,
    pub required: Option<f64>,
    pub y_max: f64,
}

impl SweepChart {
    /// The chart of `metric` over the rows of a sweep of `varied` (rows in
    /// grid order: first key slowest); `None` when no point has values.
    pub fn new(metric: SweptMetric, varied: &[Varied], rows: &[SweepRow]) -> Option<SweepChart> {
        let first = varied.first()?;
        let rows: Vec<&SweepRow> = rows.iter().filter(|r| r.metric == metric).collect();
        let largest = rows
            .iter()
            .filter_map(|r| r.summary.as_ref().map(|s| s.p95))
            .fold(rows.first()?.target.unwrap_or(0.0), f64::max);
        let unit = TimeUnit::for_span(largest);
        let scale = unit.seconds();
        let (axis, xs) = XAxis::of(&first.values);
        let mut series: Vec<SweepSeries> = Vec::new();
        for r in &rows {
            let Some(s) = r.summary.as_ref() else {
                continue;
            };
            let Some(i) = first.values.iter().position(|v| *v == r.values[0].1) else {
                continue;
            };
            let label = r.values[1..]
                .iter()
                .map(|(k, v)| format!("{k}={}", v.trim_matches('"')))
                .collect::<Vec<_>>()
                .join(", ");
            let point = SweepPoint {
                x: xs[i],
                p50: s.p50 / scale,
                p95: s.p95 / scale,
                met: r
                    .verdict
                    .map(|v| (v.fraction.fraction, v.fraction.ci_low, v.fraction.ci_high)),
            };
            match series.iter_mut().find(|s| s.label == label) {
                Some(s) => s.points.push(point),
                None => series.push(SweepSeries {
                    label,
                    points: vec![point],
                }),
            }
        }
        if series.is_empty() {
            return None;
        }
        let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = match axis {
            XAxis::Categorical { .. } => 0.5,
            XAxis::Numeric { .. } => ((hi - lo) * 0.05).max(1e-9),
        };
        Some(SweepChart {
            title: format!(
                "{} over {} across the sweep (p50, p95, share meeting the target)",
                metric.label(),
                rows[0].population.phrase()
            ),
            axis_name: match &axis {
                XAxis::Numeric { unit, log: true } if !unit.is_empty() => {
                    format!("{} ({unit}, log scale)", first.key)
                }
                XAxis::Numeric { log: true, .. } => format!("{} (log scale)", first.key),
                XAxis::Numeric { unit, .. } if !unit.is_empty() => {
                    format!("{} ({unit})", first.key)
                }
                _ => first.key.clone(),
            },
            axis,
            x_range: (lo - pad, hi + pad),
            unit,
            series,
            target: rows[0].target.map(|t| t / scale),
            required: rows[0].verdict.map(|v| v.required),
            y_max: (largest / scale).max(1e-3) * 1.15,
        })
    }
}

/// The colour of series `i`: the single series keeps the house colours.
fn series_color(i: usize) -> RGBColor {
    const PALETTE: [RGBColor; 6] = [
        CDF,
        BAR,
        RGBColor(230, 140, 20),
        RGBColor(60, 160, 80),
        RGBColor(150, 80, 170),
        MARK,
    ];
    PALETTE[i % PALETTE.len()]
}

fn draw_sweep<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &SweepChart) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(&c.title, text_style(20))?;
    let (top, bottom) = root.split_vertically(super::SIZE.1 * 55 / 100);
    let (x0, x1) = c.x_range;
    let x_label = |x: &f64| c.axis.label(*x);
    let ticks = match &c.axis {
        XAxis::Categorical { labels } => labels.len().min(12),
        XAxis::Numeric { .. } => 8,
    };
    let mut chart = ChartBuilder::on(&top)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, 0.0..c.y_max)?;
    chart
        .configure_mesh()
        .x_labels(ticks)
        .x_label_formatter(&x_label)
        .y_desc(format!(
            "{} ({})",
            c.title.split(' ').next().unwrap_or(""),
            c.unit.name()
        ))
        .light_line_style(WHITE)
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()?;
    if let Some(t) = c.target {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, t), (x1, t)],
                TARGET.stroke_width(2),
            )))?
            .label(format!("target {}", short(t, c.unit)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], TARGET.stroke_width(2)));
    }
    let single = c.series.len() == 1;
    for (i, s) in c.series.iter().enumerate() {
        for (which, label) in [(1, "p50"), (2, "p95")] {
            // One series: p50 grey, p95 black, as before; several: a colour
            // per series, p95 thick and p50 thin.
            let (color, width) = match (single, which) {
                (true, 1) => (MARK, 2),
                (true, _) => (CDF, 2),
                (false, 1) => (series_color(i), 1),
                (false, _) => (series_color(i), 3),
            };
            let line: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.x, if which == 1 { p.p50 } else { p.p95 }))
                .collect();
            let name = if single {
                label.to_string()
            } else {
                format!("{label} {}", s.label)
            };
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(width)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(width))
                });
            chart.draw_series(
                line.iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
            )?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(text_style(12))
        .draw()?;
    let mut met = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, 0.0..1.0)?;
    met.configure_mesh()
        .x_labels(ticks)
        .x_label_formatter(&x_label)
        .x_desc(c.axis_name.as_str())
        .y_desc("share meeting the target")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .light_line_style(WHITE)
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()?;
    if let Some(r) = c.required {
        met.draw_series(std::iter::once(PathElement::new(
            vec![(x0, r), (x1, r)],
            TARGET.stroke_width(2),
        )))?;
    }
    for (i, s) in c.series.iter().enumerate() {
        let color = if single { BAR } else { series_color(i) };
        for p in &s.points {
            if let Some((f, lo, hi)) = p.met {
                met.draw_series(std::iter::once(PathElement::new(
                    vec![(p.x, lo), (p.x, hi)],
                    color.stroke_width(3),
                )))?;
                met.draw_series(std::iter::once(Circle::new((p.x, f), 4, color.filled())))?;
            }
        }
    }
    root.present()?;
    Ok(())
}

pub fn render_sweep(name: &str, chart: &SweepChart) -> Result<RenderedChart, ChartError> {
    Ok(RenderedChart {
        name: name.to_string(),
        svg: to_svg(name, |r| draw_sweep(r, chart))?,
        png: to_png(name, |r| draw_sweep(r, chart))?,
    })
}

/// The sweep's charts, `sweep-rpo` and `sweep-rto` (a metric no point has
/// values of is left out).
pub fn charts_for_sweep(
    varied: &[Varied],
    rows: &[SweepRow],
) -> Result<Vec<RenderedChart>, ChartError> {
    let mut charts = Vec::new();
    for metric in SweptMetric::ALL {
        if let Some(chart) = SweepChart::new(metric, varied, rows) {
            let name = format!("sweep-{}", metric.label().to_lowercase());
            charts.push(render_sweep(&name, &chart)?);
        }
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn uneven_durations_sit_at_their_distances_on_a_log_axis() {
        // Before: 5m, 15m, 1h and 3h were drawn evenly spaced.
        let (axis, xs) = XAxis::of(&values(&["5m", "15m", "1h", "3h"]));
        assert_eq!(
            axis,
            XAxis::Numeric {
                unit: "m".into(),
                log: true
            }
        );
        let minutes: Vec<f64> = xs.iter().map(|x| 10f64.powf(*x)).collect();
        for (got, want) in minutes.iter().zip([5.0, 15.0, 60.0, 180.0]) {
            assert!((got - want).abs() < 1e-9, "{minutes:?}");
        }
        assert_eq!(axis.label(60f64.log10()), "60 m");
    }

    #[test]
    fn a_decade_or_less_is_linear_and_names_are_categories() {
        let (axis, xs) = XAxis::of(&values(&["\"100 Mbps\"", "\"150 Mbps\"", "\"400 Mbps\""]));
        assert_eq!(
            axis,
            XAxis::Numeric {
                unit: "Mbps".into(),
                log: false
            }
        );
        assert_eq!(xs, [100.0, 150.0, 400.0]);
        let (axis, xs) = XAxis::of(&values(&["\"latest\"", "\"latest-processed\""]));
        assert!(matches!(axis, XAxis::Categorical { .. }));
        assert_eq!(xs, [0.0, 1.0]);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(63.0957), "63");
        assert_eq!(significant(6.30957), "6.3");
        assert_eq!(significant(150.0), "150");
        assert_eq!(significant(0.0251), "0.025");
    }
}
