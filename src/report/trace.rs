//! The narrated, time-stamped log `drsim trace` prints for one replication.

use std::fmt::Write;

use crate::cycle::{CycleOutcome, TraceEntry};
use crate::metrics::Metric;
use crate::report::csv::{replication_row, replications_header};
use crate::report::table::human;
use crate::scenario::Scenario;
use crate::scenario::units::{format_bytes, format_duration_short};

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
        let shown = v.map_or_else(|| "(does not apply)".to_string(), |v| human(m, v));
        let _ = writeln!(out, "  {:<28} {:>14}  {}", m.name, m.format(v), shown);
    }
    let _ = writeln!(out, "\nper VM:");
    let _ = writeln!(
        out,
        "  {:<16} {:>10} {:>10} {:>12} {:>10} {:>10}  group",
        "vm", "rpo", "rto", "data lost", "lag", "rpo alert"
    );
    for (vm, v) in scenario.vms.iter().zip(&outcome.vms) {
        let _ = writeln!(
            out,
            "  {:<16} {:>10} {:>10} {:>12} {:>10} {:>10}  {}{}",
            vm.id,
            format_duration_short(v.rpo.as_secs_f64()),
            v.rto.map_or_else(
                || "-".to_string(),
                |d| format_duration_short(d.as_secs_f64())
            ),
            format_bytes(v.data_lost_bytes),
            format_duration_short(v.lag_at_outage.as_secs_f64()),
            format_duration_short(v.rpo_alert.as_secs_f64()),
            scenario.groups[vm.group].id,
            if v.no_usable_point {
                "  (no usable point)"
            } else {
                ""
            }
        );
    }
    let _ = writeln!(out, "\nreplications.csv row:");
    let _ = writeln!(out, "{}", replications_header(metrics).join(","));
    let _ = writeln!(out, "{}", replication_row(metrics, outcome).join(","));
    out
}
