//! The RPO and RTO charts: a histogram over the empirical CDF, with the target
//! and the p50/p95/p99 marks.

use super::Drawn;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{BAR, CDF, MARK, SIZE, TARGET, TimeUnit, short, text_style, tick};
use crate::report::table::thousands;
use crate::scenario::Population;
use crate::scenario::units::format_share;
use crate::stats::Distribution;

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
    /// Replications beyond the axis (counted in the last bin): how many, and the
    /// largest value, in the chart's unit.
    pub beyond: Option<(usize, f64)>,
}

const BINS: usize = 40;
const CDF_POINTS: usize = 400;

impl DistributionChart {
    /// `name` is what is measured ("RPO"); `values_s` in seconds (every value,
    /// or a long run's histogram); `fraction_meeting` is reported in the title
    /// when there is a target.
    pub fn new(
        name: &str,
        over: Population,
        values_s: &Distribution<'_>,
        target_s: Option<f64>,
        fraction_meeting: Option<&crate::stats::TargetFraction>,
    ) -> DistributionChart {
        let n = values_s.len();
        // The axis ends at the data: at the 99.5th percentile (or the target),
        // unless the maximum is close to it; the few beyond are noted.
        let largest = values_s.max().unwrap_or(0.0);
        let p995 = if n == 0 {
            0.0
        } else {
            values_s.quantile(0.995)
        };
        let bulk = p995.max(target_s.unwrap_or(0.0));
        let max_s = if largest <= bulk * 1.3 {
            largest.max(bulk)
        } else {
            bulk
        };
        let unit = TimeUnit::for_span(max_s);
        let scale = unit.seconds();
        let x_max = if max_s > 0.0 {
            max_s / scale * 1.05
        } else {
            1.0
        };
        let mut beyond_count = 0;
        let bin_width = x_max / BINS as f64;
        let mut bins = vec![0.0; BINS];
        for (v, count) in values_s.counted() {
            if v / scale > x_max {
                beyond_count += count;
            }
            let i = ((v / scale) / bin_width).floor() as usize;
            bins[i.min(BINS - 1)] += count as f64 / n.max(1) as f64;
        }
        let beyond = (beyond_count > 0).then_some((beyond_count, largest / scale));
        let step = n.div_ceil(CDF_POINTS).max(1);
        let mut cdf: Vec<(f64, f64)> = (0..n)
            .step_by(step)
            .map(|i| (values_s.at_rank(i) / scale, (i + 1) as f64 / n as f64))
            .collect();
        if let Some(last) = values_s.max() {
            cdf.push((last / scale, 1.0));
        }
        let percentiles = if n == 0 {
            Vec::new()
        } else {
            vec![
                ("p50", values_s.quantile(0.50) / scale),
                ("p95", values_s.quantile(0.95) / scale),
                ("p99", values_s.quantile(0.99) / scale),
            ]
        };
        let title = match (target_s, fraction_meeting) {
            // Over the target's whole population: replications without a
            // value (over capacity) missed it and are said apart.
            (Some(t), Some(f)) => format!(
                "{name} over {}: {} of {} meet the {} target{}",
                over.phrase(),
                format_share(f.fraction),
                thousands(f.total),
                crate::scenario::units::format_duration_short(t),
                match f.total.saturating_sub(n) {
                    0 => String::new(),
                    k => format!(" ({} over capacity, no value)", thousands(k)),
                }
            ),
            _ => format!(
                "{name} over {}: distribution of {}",
                over.phrase(),
                thousands(n)
            ),
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
            beyond,
        }
    }
}

pub(super) fn draw_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &DistributionChart,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let root = root.titled(&c.title, text_style(24))?;
    let (top, bottom) = root.split_vertically(SIZE.1 * 56 / 100);
    let y_top = c.bins.iter().copied().fold(0.0, f64::max).max(1e-9) * 1.15;

    let mut hist = ChartBuilder::on(&top)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..c.x_max, 0.0..y_top)?;
    let x_ticks = |x: &f64| tick(*x, c.x_max);
    hist.configure_mesh()
        .x_label_formatter(&x_ticks)
        .x_desc(c.x_label.as_str())
        .y_desc("share of replications")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(text_style(14))
        .axis_desc_style(text_style(16))
        .light_line_style(WHITE)
        .draw()?;
    hist.draw_series(c.bins.iter().enumerate().map(|(i, &share)| {
        let x0 = i as f64 * c.bin_width;
        Rectangle::new(
            [(x0, 0.0), (x0 + c.bin_width, share)],
            BAR.mix(0.75).filled(),
        )
    }))?;
    // The target first, so percentile lines that fall on it stay visible.
    if let Some(t) = c.target {
        hist.draw_series(std::iter::once(PathElement::new(
            vec![(t, 0.0), (t, y_top)],
            TARGET.stroke_width(3),
        )))?;
    }
    // Labels at staggered heights, so close percentiles do not overprint.
    for (i, (label, x)) in c.percentiles.iter().enumerate() {
        let height = y_top * (0.97 - 0.08 * i as f64);
        hist.draw_series(std::iter::once(PathElement::new(
            vec![(*x, 0.0), (*x, height)],
            MARK.stroke_width(1),
        )))?;
        hist.draw_series(std::iter::once(Text::new(
            format!(" {label} {}", short(*x, c.unit)),
            (*x, height),
            text_style(13),
        )))?;
    }

    let mut cdf = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..c.x_max, 0.0..1.0)?;
    cdf.configure_mesh()
        .x_label_formatter(&x_ticks)
        .light_line_style(WHITE)
        .x_desc(c.x_label.as_str())
        .y_desc("cumulative share")
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(text_style(14))
        .axis_desc_style(text_style(16))
        .draw()?;
    let mut steps = Vec::with_capacity(c.cdf.len() * 2 + 1);
    let mut previous = 0.0;
    for &(x, y) in &c.cdf {
        steps.push((x, previous));
        steps.push((x, y));
        previous = y;
    }
    steps.push((c.x_max, previous));
    cdf.draw_series(LineSeries::new(steps, CDF.stroke_width(2)))?;
    if let Some(t) = c.target {
        cdf.draw_series(std::iter::once(PathElement::new(
            vec![(t, 0.0), (t, 1.0)],
            TARGET.stroke_width(3),
        )))?;
        // Labelled low in the CDF panel, where the curve (high by then) is not.
        // (The note on values beyond the axis sits at the right, below it.)
        cdf.draw_series(std::iter::once(Text::new(
            format!(" target {}", short(t, c.unit)),
            (t, 0.12),
            text_style(14).color(&TARGET),
        )))?;
    }
    if let Some((count, largest)) = c.beyond {
        // Bottom right of the CDF panel, where the curve is near 100 %.
        let style = text_style(13).pos(Pos::new(HPos::Right, VPos::Bottom));
        cdf.draw_series(std::iter::once(Text::new(
            format!(
                "{} beyond the axis, up to {} ",
                thousands(count),
                short(largest, c.unit)
            ),
            (c.x_max, 0.04),
            style,
        )))?;
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::chart::render_distribution;

    #[test]
    fn distribution_bins_cover_every_value_and_sum_to_one() {
        let values: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.6).collect(); // 0 .. 599.4 s
        let c = DistributionChart::new(
            "RPO",
            Population::Declared,
            &Distribution::of(&values),
            Some(900.0),
            Some(&crate::stats::TargetFraction::of_counts(1000, 1000)),
        );
        assert_eq!(c.unit, TimeUnit::Minutes);
        // The axis reaches the target (15 min) plus 5 %.
        assert!((c.x_max - 15.75).abs() < 1e-9);
        assert!((c.bins.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(c.target, Some(15.0));
        // p50 of 0..599.4 s is 299.7 s = 4.995 min.
        assert!((c.percentiles[0].1 - 4.995).abs() < 1e-9);
        assert!(
            c.title
                .contains("RPO over declared disasters: 100.0% of 1,000 meet the 15m00s target"),
            "{}",
            c.title
        );
        assert_eq!(c.cdf.last(), Some(&(599.4 / 60.0, 1.0)));
        assert!(c.cdf.len() <= CDF_POINTS + 1);
    }

    #[test]
    fn charts_render_to_svg_and_png() {
        let values: Vec<f64> = (1..500).map(f64::from).collect();
        let c = DistributionChart::new(
            "RTO",
            Population::All,
            &Distribution::of(&values),
            Some(300.0),
            Some(&crate::stats::TargetFraction::of_counts(300, 499)),
        );
        let r = render_distribution("rto", &c).unwrap();
        assert!(r.svg.starts_with("<svg"));
        assert!(r.svg.contains("RTO (minutes)"));
        assert_eq!(&r.png[1..4], b"PNG");
    }
}
