//! What drives the RTO or the RPO: the mean composition of the metric as
//! stacked bars, one bar per group of replications (all, around the median,
//! around p95, met, missed), one colour per part.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{TARGET, TimeUnit, row_label, short, text_style, tick};
use crate::analysis::drivers::Drivers;
use crate::report::table::thousands;

/// One bar: its label and its segments `(part, start, end)` in the chart's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct StackedBar {
    pub label: String,
    pub segments: Vec<(usize, f64, f64)>,
    pub end: f64,
}

/// Stacked bars of a metric's mean composition.
#[derive(Debug, Clone, PartialEq)]
pub struct DriversChart {
    pub title: String,
    pub unit: TimeUnit,
    pub x_max: f64,
    pub bars: Vec<StackedBar>,
    /// Parts that appear in some bar: `(part, name)`.
    pub legend: Vec<(usize, String)>,
    pub target: Option<f64>,
    /// The x axis's description.
    pub x_label: String,
}

pub(super) const PART_COLORS: [RGBColor; 8] = [
    RGBColor(200, 30, 30),
    RGBColor(230, 126, 34),
    RGBColor(241, 196, 15),
    RGBColor(142, 68, 173),
    RGBColor(41, 128, 185),
    RGBColor(127, 140, 141),
    RGBColor(52, 73, 94),
    RGBColor(39, 174, 96),
];

impl DriversChart {
    pub fn new(d: &Drivers) -> DriversChart {
        let max_s = d
            .rows
            .iter()
            .map(|r| r.mean)
            .fold(d.target.unwrap_or(0.0), f64::max);
        let unit = TimeUnit::for_span(max_s);
        let scale = unit.seconds();
        let bars: Vec<StackedBar> = d
            .rows
            .iter()
            .map(|row| {
                let mut at = 0.0;
                let segments = row
                    .parts
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|(p, v)| {
                        let start = at;
                        at += v / scale;
                        (p, start, at)
                    })
                    .collect();
                StackedBar {
                    label: format!("{} ({})", row.label, thousands(row.count)),
                    segments,
                    end: row.mean / scale,
                }
            })
            .collect();
        let legend = legend(&bars, d.part_names.len(), |p| {
            d.part_names[p].0.replace('_', " ")
        });
        DriversChart {
            title: format!(
                "What the {} is made of, over {} (mean of each part)",
                d.metric,
                d.over.phrase()
            ),
            unit,
            // Room on the right for the bars' labels and the legend.
            x_max: (max_s / scale).max(1e-3) * 1.45,
            bars,
            legend,
            target: d.target.map(|t| t / scale),
            x_label: format!("mean ({})", unit.name()),
        }
    }
}

/// `(part, name)` of the parts among `parts` that some bar draws.
pub(super) fn legend(
    bars: &[StackedBar],
    parts: usize,
    name: impl Fn(usize) -> String,
) -> Vec<(usize, String)> {
    (0..parts)
        .filter(|p| bars.iter().any(|b| b.segments.iter().any(|s| s.0 == *p)))
        .map(|p| (p, name(p)))
        .collect()
}

pub(super) fn draw_drivers<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &DriversChart,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let n = c.bars.len().max(1);
    let labels: Vec<String> = c.bars.iter().map(|b| b.label.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, text_style(20))
        .margin(14)
        .x_label_area_size(45)
        .y_label_area_size(260)
        .build_cartesian_2d(0.0..c.x_max, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| row_label(&labels, *y))
        .disable_y_mesh()
        .x_label_formatter(&|x| tick(*x, c.x_max))
        .x_desc(&c.x_label)
        .light_line_style(WHITE)
        .label_style(text_style(13))
        .axis_desc_style(text_style(14))
        .draw()?;
    for &(part, ref name) in &c.legend {
        let color = PART_COLORS[part % PART_COLORS.len()];
        let rects: Vec<Rectangle<(f64, f64)>> = c
            .bars
            .iter()
            .enumerate()
            .flat_map(|(i, b)| {
                let top = n as f64 - i as f64 - 0.2;
                let bottom = n as f64 - i as f64 - 0.8;
                b.segments
                    .iter()
                    .filter(move |s| s.0 == part)
                    .map(move |&(_, start, end)| {
                        Rectangle::new([(start, bottom), (end, top)], color.filled())
                    })
            })
            .collect();
        chart
            .draw_series(rects)?
            .label(name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    }
    for (i, b) in c.bars.iter().enumerate() {
        let y = n as f64 - i as f64 - 0.5;
        chart.draw_series(std::iter::once(Text::new(
            format!(" {}", short(b.end, c.unit)),
            (b.end, y),
            text_style(12),
        )))?;
    }
    if let Some(t) = c.target {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(t, 0.0), (t, n as f64)],
                TARGET.stroke_width(2),
            )))?
            .label("target")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], TARGET.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(text_style(12))
        .draw()?;
    root.present()?;
    Ok(())
}
