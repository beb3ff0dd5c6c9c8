//! The stage chart: box plots of the four stages' durations and the
//! unprotected time, on a logarithmic axis.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BAR, TimeUnit, short, text_style};
use crate::stats::Distribution;

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
    /// `stages` are `(label, values in seconds)`: the values where the stage
    /// happened, the same ones its summary row covers, so the boxes' quantiles
    /// are the table's. A zero (a stage that took no time) is drawn at the axis
    /// floor, which the log scale cannot go below.
    pub fn new(stages: &[(&str, Distribution<'_>)]) -> StageChart {
        let mut boxes = Vec::new();
        let mut lowest = f64::INFINITY;
        let mut highest: f64 = 0.0;
        let all_max = stages
            .iter()
            .filter_map(|(_, v)| v.max())
            .fold(0.0, f64::max);
        // Stages span minutes to days: hours keep every tick readable, minutes
        // when the whole cycle is short.
        let unit = if all_max < 3.0 * 3600.0 {
            TimeUnit::Minutes
        } else {
            TimeUnit::Hours
        };
        let scale = unit.seconds();
        for (label, v) in stages {
            if v.is_empty() {
                continue;
            }
            let q = |p: f64| v.quantile(p) / scale;
            let b = StageBox {
                label: label.to_string(),
                p5: q(0.05),
                p25: q(0.25),
                p50: q(0.50),
                p75: q(0.75),
                p95: q(0.95),
            };
            // The floor: the lowest positive whisker (zeros sit on it).
            let positive = [b.p5, b.p25, b.p50]
                .into_iter()
                .find(|x| *x > 0.0)
                .or_else(|| v.counted().find(|(x, _)| *x > 0.0).map(|(x, _)| x / scale));
            if let Some(p) = positive {
                lowest = lowest.min(p);
            }
            highest = highest.max(b.p95);
            boxes.push(b);
        }
        if boxes.is_empty() || !lowest.is_finite() {
            lowest = 0.1;
            highest = highest.max(1.0);
        }
        // The data's own range, with room above for the median labels: no empty
        // decade at either end (the log axis labels the decades inside it).
        let y_min = lowest.max(1e-6) / 1.5;
        let y_max = (highest * 2.5).max(y_min * 10.0);
        StageChart {
            title: "Stage durations, detection and decision (box: p25-p75, line: median, whiskers: p5-p95)"
                .to_string(),
            y_label: format!(
                "duration ({}, log scale); declared disasters, unprotected: all outages",
                unit.name()
            ),
            unit,
            y_min,
            y_max,
            boxes,
        }
    }
}

pub(super) fn draw_stages<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &StageChart,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = c.boxes.len().max(1);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..n as f64, (c.y_min..c.y_max).log_scale())?;
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
        .draw()?;
    for (i, b) in c.boxes.iter().enumerate() {
        let x = i as f64 + 0.5;
        let (l, r) = (x - 0.25, x + 0.25);
        // Zeros (and anything below the floor) sit on the log axis' floor.
        let y = |v: f64| v.max(c.y_min);
        let (p5, p25, p50, p75, p95) = (y(b.p5), y(b.p25), y(b.p50), y(b.p75), y(b.p95));
        chart.draw_series(std::iter::once(Rectangle::new(
            [(l, p25), (r, p75)],
            BAR.mix(0.6).filled(),
        )))?;
        let lines = [
            vec![(l, p50), (r, p50)],
            vec![(x, p5), (x, p25)],
            vec![(x, p75), (x, p95)],
            vec![(x - 0.1, p5), (x + 0.1, p5)],
            vec![(x - 0.1, p95), (x + 0.1, p95)],
        ];
        chart.draw_series(
            lines
                .into_iter()
                .map(|p| PathElement::new(p, BLACK.stroke_width(2))),
        )?;
        chart.draw_series(std::iter::once(Text::new(
            format!("median {}", short(b.p50, c.unit)),
            (l, p95 * 1.25),
            text_style(13),
        )))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stage_boxes_cover_the_stages_that_happened_and_the_axis_spans_the_data() {
        let hours = |h: &[f64]| h.iter().map(|x| x * 3600.0).collect::<Vec<f64>>();
        let c = StageChart::new(&[
            (
                "stage 1",
                Distribution::of(&hours(&[0.5, 0.6, 0.7, 0.8, 0.9])),
            ),
            (
                "stage 2",
                Distribution::of(&hours(&[10.0, 20.0, 30.0, 40.0, 50.0])),
            ),
            ("never", Distribution::of(&[])),
        ]);
        assert_eq!(c.boxes.len(), 2);
        assert_eq!(c.unit, TimeUnit::Hours);
        assert_eq!(c.boxes[1].p50, 30.0);
        assert!((c.boxes[0].p5 - 0.52).abs() < 1e-9);
        // From below the lowest whisker (0.52 h) to room above the highest (p95 48 h).
        assert!((c.y_min - 0.52 / 1.5).abs() < 1e-9, "{}", c.y_min);
        assert!((c.y_max - 48.0 * 2.5).abs() < 1e-9, "{}", c.y_max);
    }
}
