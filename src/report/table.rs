//! The summary table printed at the end of `drsim run`.

use std::fmt::Write;

use crate::metrics::{Metric, Unit};
use crate::scenario::units::{format_bytes, format_duration_short};
use crate::stats::MetricSummary;

/// How a person reads a metric's value.
pub fn human(metric: &Metric, value: f64) -> String {
    match metric.unit {
        Unit::Seconds => format_duration_short(value),
        Unit::Bytes => format_bytes(value),
        Unit::Flag => format!("{:.1}%", value * 100.0),
        Unit::Count => format!("{value:.2}"),
        Unit::Currency => format!("{value:.2}"),
    }
}

/// An aligned table of every metric, then one sentence per target.
/// A target is met when at least `required_fraction` of replications meet it.
pub fn summary_table(title: &str, rows: &[MetricSummary], required_fraction: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let header = ["metric", "mean", "p50", "p90", "p95", "p99", "max"];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for row in rows {
        let s = &row.summary;
        let m = &row.metric;
        if m.unit == Unit::Flag {
            lines.push(vec![
                m.name.clone(),
                human(m, s.mean),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        let mut line = vec![m.name.clone()];
        line.extend([s.mean, s.p50, s.p90, s.p95, s.p99, s.max].map(|v| human(m, v)));
        lines.push(line);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| {
            lines
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let mut text = format!("  {:<w$}", line[0], w = widths[0]);
        for (cell, w) in line.iter().zip(&widths).skip(1) {
            let _ = write!(text, "  {cell:>w$}");
        }
        let _ = writeln!(out, "{}", text.trim_end());
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * widths.len();
            let _ = writeln!(out, "  {}", "-".repeat(total - 2));
        }
    }
    for row in rows {
        if let (Some(target), Some(t)) = (row.metric.target, row.target) {
            let verdict = if t.fraction >= required_fraction {
                "MET"
            } else {
                "MISSED"
            };
            let _ = writeln!(
                out,
                "target {} <= {}: {verdict} (required in {:.0}% of replications, achieved in {:.1}%: {} of {}; 95% CI {:.1}% to {:.1}%)",
                row.metric.name.trim_end_matches("_s").to_uppercase(),
                format_duration_short(target.as_secs_f64()),
                required_fraction * 100.0,
                t.fraction * 100.0,
                t.met,
                t.total,
                t.ci_low * 100.0,
                t.ci_high * 100.0
            );
        }
    }
    out
}
