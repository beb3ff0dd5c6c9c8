//! Which inputs matter: a tornado chart of the partial rank correlation of each
//! random input with a metric, largest first.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{BAR, TARGET, row_label, text_style};
use crate::analysis::sensitivity::Sensitivity;

/// At most this many inputs are drawn (the rest are in sensitivity.csv).
const MAX_ROWS: usize = 12;

/// Bars of PRCC, one per input, in rank order.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoChart {
    pub title: String,
    /// `(input, measure)`, largest `|measure|` first.
    pub bars: Vec<(String, f64)>,
}

impl TornadoChart {
    pub fn new(s: &Sensitivity) -> TornadoChart {
        let bars = s
            .entries
            .iter()
            .filter_map(|e| e.measure.map(|m| (e.input.clone(), m)))
            .take(MAX_ROWS)
            .collect();
        let what = s.metric.phrase();
        TornadoChart {
            title: format!(
                "Which inputs drive {what} (partial rank correlation, over {})",
                s.over.phrase()
            ),
            bars,
        }
    }
}

pub(super) fn draw_tornado<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &TornadoChart,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = c.bars.len().max(1);
    let labels: Vec<String> = c.bars.iter().map(|b| b.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(19))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(220)
        .build_cartesian_2d(-1.0..1.0, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| row_label(&labels, *y))
        .disable_y_mesh()
        .light_line_style(WHITE)
        .x_desc("partial rank correlation coefficient (PRCC): + the metric grows with the input")
        .x_label_formatter(&|x| format!("{x:.1}"))
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()?;
    chart.draw_series(c.bars.iter().enumerate().map(|(i, (_, m))| {
        let top = n as f64 - i as f64 - 0.2;
        let bottom = n as f64 - i as f64 - 0.8;
        let color = if *m >= 0.0 { TARGET } else { BAR };
        Rectangle::new(
            [(0.0_f64.min(*m), bottom), (0.0_f64.max(*m), top)],
            color.filled(),
        )
    }))?;
    chart.draw_series(c.bars.iter().enumerate().map(|(i, (_, m))| {
        let y = n as f64 - i as f64 - 0.5;
        let x = if *m >= 0.0 { m + 0.02 } else { m - 0.16 };
        Text::new(format!("{m:+.2}"), (x, y), text_style(12))
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, n as f64)],
        BLACK.stroke_width(1),
    )))?;
    root.present()?;
    Ok(())
}
