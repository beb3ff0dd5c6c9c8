//! The narrated, time-stamped log `drsim trace` prints for one replication.

use std::fmt::Write;

use crate::cycle::{CycleOutcome, TraceEntry};
use crate::metrics::Metric;
use crate::report::csv::{replication_row, replications_header};
use crate::report::table::human;
use crate::scenario::Scenario;

/// The log (time since `t0`, time of week, stage, what happened), then every
/// metric both readable and as the exact `replications.csv` header and row.
pub fn render(
    scenario: &Scenario,
    seed: u64,
    entries: &[TraceEntry],
    outcome: &CycleOutcome,
    metrics: &[Metric],
) -> String {
    let mut out = String::new();
    let t0 = outcome.outage_start;
    let _ = writeln!(
        out,
        "trace of replication {} of `{}` (seed {seed}); times are from t0 = {t0}, the outage",
        outcome.replication, scenario.name
    );
    for e in entries {
        let offset = if e.time >= t0 {
            format!("+{}", e.time.since(t0))
        } else {
            format!("-{}", t0.since(e.time))
        };
        let _ = writeln!(
            out,
            "{offset:>17}  {:<16}  [{}] {}",
            e.time.to_string(),
            e.phase.label(),
            e.text
        );
    }
    let _ = writeln!(out, "\nmetrics:");
    for m in metrics {
        let v = m.value(outcome);
        let _ = writeln!(out, "  {:<28} {:>14}  {}", m.name, m.format(v), human(m, v));
    }
    let _ = writeln!(out, "\nreplications.csv row:");
    let _ = writeln!(out, "{}", replications_header(metrics).join(","));
    let _ = writeln!(out, "{}", replication_row(metrics, outcome).join(","));
    out
}
