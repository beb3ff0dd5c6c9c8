//! A comparison: the two plans' empirical CDFs of the RPO or RTO overlaid,
//! the target drawn.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    BAR, CDF, ChartError, RenderedChart, TARGET, TimeUnit, short, text_style, tick, to_png, to_svg,
};
use crate::metrics::MetricId;
use crate::scenario::{Population, TargetMetric, Targets};
use crate::stats::Distribution;
use crate::study::compare::Comparison;

/// The overlaid CDFs of the RPO and the RTO (`compare-rpo`, `compare-rto`),
/// each over plan A's population for its target; a metric either plan has
/// no value of is left out.
pub fn charts_for_compare(
    targets: &Targets,
    c: &Comparison,
) -> Result<Vec<RenderedChart>, ChartError> {
    let (ca, cb) = &c.collected;
    let mut charts = Vec::new();
    for metric in TargetMetric::ALL {
        let target = targets.of(metric);
        let id = MetricId::from(target);
        let (Some(va), Some(vb)) = (
            ca.distribution(id, target.over),
            cb.distribution(id, target.over),
        ) else {
            continue;
        };
        let chart = CompareChart::new(
            metric.label(),
            target.over,
            (&c.labels.0, &va),
            (&c.labels.1, &vb),
            target.threshold.map(|t| t.as_secs_f64()),
        );
        let name = format!("compare-{}", metric.label().to_lowercase());
        charts.push(render_compare(&name, &chart)?);
    }
    Ok(charts)
}

/// Two CDFs in one time unit.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareChart {
    pub title: String,
    pub x_label: String,
    pub unit: TimeUnit,
    pub x_max: f64,
    /// `(plan name, step points (x, share at or below x))`, A then B.
    pub curves: Vec<(String, Vec<(f64, f64)>)>,
    pub target: Option<f64>,
}

impl CompareChart {
    pub fn new(
        name: &str,
        over: Population,
        a: (&str, &Distribution<'_>),
        b: (&str, &Distribution<'_>),
        target_s: Option<f64>,
    ) -> CompareChart {
        let largest = [a.1.max(), b.1.max()]
            .into_iter()
            .flatten()
            .fold(target_s.unwrap_or(0.0), f64::max);
        let unit = TimeUnit::for_span(largest);
        let scale = unit.seconds();
        let curve = |values: &Distribution<'_>| -> Vec<(f64, f64)> {
            let n = values.len().max(1);
            let step = n.div_ceil(400).max(1);
            let mut points: Vec<(f64, f64)> = (0..values.len())
                .step_by(step)
                .map(|i| (values.at_rank(i) / scale, (i + 1) as f64 / n as f64))
                .collect();
            if let Some(last) = values.max() {
                points.push((last / scale, 1.0));
            }
            points
        };
        CompareChart {
            title: format!(
                "{name} over {}: A `{}` against B `{}`",
                over.phrase(),
                a.0,
                b.0
            ),
            x_label: format!("{name} ({})", unit.name()),
            unit,
            x_max: (largest / scale).max(1e-3) * 1.05,
            curves: vec![
                (format!("A {}", a.0), curve(a.1)),
                (format!("B {}", b.0), curve(b.1)),
            ],
            target: target_s.map(|t| t / scale),
        }
    }
}

fn draw_compare<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &CompareChart) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(20))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..c.x_max, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| tick(*x, c.x_max))
        .x_desc(c.x_label.as_str())
        .y_desc("cumulative share")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .light_line_style(WHITE)
        .label_style(text_style(14))
        .axis_desc_style(text_style(15))
        .draw()?;
    for ((name, points), color) in c.curves.iter().zip([CDF, BAR]) {
        let mut steps = Vec::with_capacity(points.len() * 2 + 1);
        let mut previous = 0.0;
        for &(x, y) in points {
            steps.push((x, previous));
            steps.push((x, y));
            previous = y;
        }
        steps.push((c.x_max, previous));
        chart
            .draw_series(LineSeries::new(steps, color.stroke_width(2)))?
            .label(name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    if let Some(t) = c.target {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(t, 0.0), (t, 1.0)],
                TARGET.stroke_width(2),
            )))?
            .label(format!("target {}", short(t, c.unit)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], TARGET.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(text_style(13))
        .draw()?;
    root.present()?;
    Ok(())
}

pub fn render_compare(name: &str, chart: &CompareChart) -> Result<RenderedChart, ChartError> {
    Ok(RenderedChart {
        name: name.to_string(),
        svg: to_svg(name, |r| draw_compare(r, chart))?,
        png: to_png(name, |r| draw_compare(r, chart))?,
    })
}
