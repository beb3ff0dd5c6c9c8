//! A sweep: how the RPO or RTO (p50 and p95, and the share meeting the target
//! with its interval) moves across the points of a grid, the target drawn.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BAR, CDF, ChartError, MARK, RenderedChart, TARGET, TimeUnit, short, text_style, to_png, to_svg,
};
use crate::report::csv::SweepRow;

/// One point of a sweep chart: its label, p50 and p95 (in the chart's unit),
/// and the share meeting the target with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub label: String,
    pub p50: f64,
    pub p95: f64,
    pub met: Option<(f64, f64, f64)>,
}

/// The data of one sweep chart, in the chart's time unit.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepChart {
    pub title: String,
    /// What was varied, for the x axis.
    pub axis: String,
    pub unit: TimeUnit,
    pub points: Vec<SweepPoint>,
    pub target: Option<f64>,
    pub required: Option<f64>,
    pub y_max: f64,
}

impl SweepChart {
    /// The chart of `metric` (`rpo_s` or `rto_s`) over the rows of a sweep;
    /// `None` when no point has values.
    pub fn new(
        metric: &str,
        axis: &str,
        labels: &[String],
        rows: &[SweepRow],
    ) -> Option<SweepChart> {
        let rows: Vec<&SweepRow> = rows.iter().filter(|r| r.metric == metric).collect();
        let largest = rows
            .iter()
            .filter_map(|r| r.summary.as_ref().map(|s| s.p95))
            .fold(rows.first()?.target.unwrap_or(0.0), f64::max);
        let unit = TimeUnit::for_span(largest);
        let scale = unit.seconds();
        let points = rows
            .iter()
            .zip(labels)
            .filter_map(|(r, label)| {
                let s = r.summary.as_ref()?;
                let met = r
                    .verdict
                    .map(|v| (v.fraction.fraction, v.fraction.ci_low, v.fraction.ci_high));
                Some(SweepPoint {
                    label: label.clone(),
                    p50: s.p50 / scale,
                    p95: s.p95 / scale,
                    met,
                })
            })
            .collect::<Vec<_>>();
        if points.is_empty() {
            return None;
        }
        let name = metric.trim_end_matches("_s").to_uppercase();
        Some(SweepChart {
            title: format!(
                "{name} over {} across the sweep (p50, p95, share meeting the target)",
                rows[0].population.phrase()
            ),
            axis: axis.to_string(),
            unit,
            points,
            target: rows[0].target.map(|t| t / scale),
            required: rows[0].verdict.map(|v| v.required),
            y_max: (largest / scale).max(1e-3) * 1.15,
        })
    }
}

fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &SweepChart,
) -> Result<(), String>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let root = root
        .titled(&c.title, text_style(20))
        .map_err(|e| e.to_string())?;
    let (top, bottom) = root.split_vertically(super::SIZE.1 * 55 / 100);
    let n = c.points.len();
    let x_range = -0.5..(n as f64 - 0.5);
    let labels: Vec<String> = c.points.iter().map(|p| p.label.clone()).collect();
    let x_label = |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    let mut chart = ChartBuilder::on(&top)
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range.clone(), 0.0..c.y_max)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&x_label)
        .y_desc(format!(
            "{} ({})",
            c.title.split(' ').next().unwrap_or(""),
            c.unit.name()
        ))
        .light_line_style(WHITE)
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()
        .map_err(|e| e.to_string())?;
    if let Some(t) = c.target {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, t), (n as f64 - 0.5, t)],
                TARGET.stroke_width(2),
            )))
            .map_err(|e| e.to_string())?
            .label(format!("target {}", short(t, c.unit)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], TARGET.stroke_width(2)));
    }
    for (which, color, label) in [(1, MARK, "p50"), (2, CDF, "p95")] {
        let line: Vec<(f64, f64)> = c
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, if which == 1 { p.p50 } else { p.p95 }))
            .collect();
        chart
            .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        chart
            .draw_series(
                line.iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
            )
            .map_err(|e| e.to_string())?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(text_style(12))
        .draw()
        .map_err(|e| e.to_string())?;
    let mut met = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, 0.0..1.0)
        .map_err(|e| e.to_string())?;
    met.configure_mesh()
        .x_labels(n.min(12))
        .x_label_formatter(&x_label)
        .x_desc(c.axis.as_str())
        .y_desc("share meeting the target")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .light_line_style(WHITE)
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()
        .map_err(|e| e.to_string())?;
    if let Some(r) = c.required {
        met.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, r), (n as f64 - 0.5, r)],
            TARGET.stroke_width(2),
        )))
        .map_err(|e| e.to_string())?;
    }
    for (i, p) in c.points.iter().enumerate() {
        if let Some((f, lo, hi)) = p.met {
            let x = i as f64;
            met.draw_series(std::iter::once(PathElement::new(
                vec![(x, lo), (x, hi)],
                BAR.stroke_width(3),
            )))
            .map_err(|e| e.to_string())?;
            met.draw_series(std::iter::once(Circle::new((x, f), 4, BAR.filled())))
                .map_err(|e| e.to_string())?;
        }
    }
    root.present().map_err(|e| e.to_string())
}

pub fn render_sweep(name: &str, chart: &SweepChart) -> Result<RenderedChart, ChartError> {
    Ok(RenderedChart {
        name: name.to_string(),
        svg: to_svg(name, |r| draw_sweep(r, chart))?,
        png: to_png(name, |r| draw_sweep(r, chart))?,
    })
}
