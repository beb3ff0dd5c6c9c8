//! What `drsim sweep` prints: a line per point and metric.

use std::fmt::Write as _;

use crate::scenario::units::{format_duration_short, format_share};
use crate::study::sweep::SweepRow;

/// The sweep's rows as the terminal prints them.
pub fn sweep_text(rows: &[SweepRow]) -> String {
    let mut text = String::new();
    for row in rows {
        let what = row
            .values
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let stats = row.summary.as_ref().map_or_else(
            || "no values".to_string(),
            |s| {
                format!(
                    "p50 {}, p95 {}",
                    format_duration_short(s.p50),
                    format_duration_short(s.p95)
                )
            },
        );
        let verdict = row.verdict.map_or_else(String::new, |v| {
            format!(
                ", target met in {} ({})",
                format_share(v.fraction.fraction),
                v.verdict.name()
            )
        });
        let _ = writeln!(
            text,
            "point {} {what}: {} over {}: {stats}{verdict}",
            row.point,
            row.metric.column(),
            row.population.phrase()
        );
    }
    text
}
