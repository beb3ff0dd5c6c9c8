//! The loss-exceedance chart of a year of operations: the probability that a
//! year's downtime, or its data lost, exceeds x, as risk managers draw it (a
//! log scale of probability, so the 1-in-100-years tail is as legible as the
//! typical year).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BAR, Drawn, MARK, TARGET, text_style, tick};
use crate::report::table::thousands;
use crate::stats::Distribution;

/// One curve: `(x, P(X > x))`, x in the curve's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct ExceedanceCurve {
    pub label: String,
    pub unit: &'static str,
    pub points: Vec<(f64, f64)>,
    /// The smallest probability drawn: one replication in `n`.
    pub floor: f64,
    /// `(1-in-N years, x)` marks: the 1-in-10 and 1-in-100 year values.
    pub marks: Vec<(u32, f64)>,
}

/// Points on a log grid of exceedance probability from 1 down to 1/n.
const POINTS: usize = 240;

impl ExceedanceCurve {
    /// `values` in base units, shown divided by `scale` as `unit`.
    pub fn new(label: &str, values: &Distribution<'_>, scale: f64, unit: &'static str) -> Self {
        let n = values.len().max(1) as f64;
        let floor = 1.0 / n;
        let mut points = Vec::with_capacity(POINTS + 1);
        for j in 0..=POINTS {
            let q = floor.powf(j as f64 / POINTS as f64);
            let x = if values.is_empty() {
                0.0
            } else {
                values.quantile(1.0 - q) / scale
            };
            points.push((x, q));
        }
        let marks = [10u32, 100]
            .into_iter()
            .filter(|&years| f64::from(years) <= n)
            .map(|years| (years, values.quantile(1.0 - 1.0 / f64::from(years)) / scale))
            .collect();
        ExceedanceCurve {
            label: label.to_string(),
            unit,
            points,
            floor,
            marks,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExceedanceChart {
    pub title: String,
    pub curves: Vec<ExceedanceCurve>,
}

impl ExceedanceChart {
    pub fn new(horizon: &str, replications: usize, curves: Vec<ExceedanceCurve>) -> Self {
        ExceedanceChart {
            title: format!(
                "Loss exceedance: probability that a {horizon} exceeds x ({} simulated)",
                thousands(replications)
            ),
            curves,
        }
    }
}

pub(super) fn draw_exceedance<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ExceedanceChart,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (top, body) = root.split_vertically(50);
    top.draw(&Text::new(chart.title.clone(), (20, 15), text_style(20)))?;
    let panels = body.split_evenly((1, chart.curves.len().max(1)));
    for (panel, curve) in panels.iter().zip(&chart.curves) {
        let x_max = curve
            .points
            .iter()
            .map(|p| p.0)
            .fold(0.0, f64::max)
            .max(1e-9)
            * 1.05;
        let mut c = ChartBuilder::on(panel)
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .caption(curve.label.clone(), text_style(17))
            .build_cartesian_2d(0.0..x_max, (curve.floor.min(0.5)..1.0).log_scale())?;
        c.configure_mesh()
            .x_desc(curve.unit)
            .y_desc("P(year exceeds x)")
            .x_label_formatter(&|x| tick(*x, x_max))
            .y_label_formatter(&|p| crate::scenario::units::format_share(*p))
            .label_style(text_style(13))
            .axis_desc_style(text_style(14))
            .draw()?;
        c.draw_series(LineSeries::new(
            curve.points.iter().map(|&(x, q)| (x, q.max(curve.floor))),
            BAR.stroke_width(3),
        ))?;
        for &(years, x) in &curve.marks {
            let q = 1.0 / f64::from(years);
            c.draw_series(PointSeries::of_element(
                [(x, q)],
                5,
                TARGET.filled(),
                &|coord, size, style| EmptyElement::at(coord) + Circle::new((0, 0), size, style),
            ))?;
            c.draw_series(std::iter::once(Text::new(
                format!("1 in {years}: {x:.2} {}", curve.unit),
                (x, q),
                text_style(13).color(&MARK),
            )))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curve_reads_the_share_of_years_beyond_each_value() {
        // Years losing 0, 1, ..., 99 hours: P(X > x) falls by 1 % a step.
        let values = Distribution::Sorted((0..100).map(|h| f64::from(h) * 3600.0).collect());
        let c = ExceedanceCurve::new("downtime", &values, 3600.0, "hours");
        assert_eq!(c.floor, 0.01);
        assert_eq!(c.points[0], (0.0, 1.0));
        let (x, q) = c.points[POINTS / 2];
        assert!((q - 0.1).abs() < 1e-9);
        assert!((x - 89.1).abs() < 0.2, "{x}");
        assert_eq!(c.marks.len(), 2);
        assert!((c.marks[0].1 - 89.1).abs() < 0.2);
    }
}
