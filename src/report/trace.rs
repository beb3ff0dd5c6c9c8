//! The narrated, time-stamped log `drsim trace` prints for one replication.

use std::fmt::Write;

use crate::cycle::{CycleOutcome, TraceEntry};
use crate::engine::{SimDuration, SimTime};
use crate::metrics::Metric;
use crate::report::csv::{replication_row, replications_header};
use crate::report::table::human;
use crate::scenario::Scenario;
use crate::scenario::units::{format_bytes, format_duration_short};

/// Detail notes (churn changes) earlier than this before `t0` are summarised
/// in one line unless the trace is full.
const RECENT: SimDuration = SimDuration::from_secs(30 * 60);

/// Whether the narration lists `e` one by one: every note, and the churn
/// changes of the last 30 min before `t0` (all of them when `full`); the
/// older ones are summarised in one line. The lesson page lists the same.
pub fn shown(e: &TraceEntry, t0: SimTime, full: bool) -> bool {
    full || !e.detail || e.time >= t0 - RECENT
}

/// The log (time since `t0`, time of week, stage, what happened), then every
/// metric both readable and as the exact `replications.csv` header and row.
/// Unless `full`, churn changes more than 30 min before the outage are
/// summarised in one line.
pub fn render(
    scenario: &Scenario,
    seed: u64,
    entries: &[TraceEntry],
    outcome: &CycleOutcome,
    metrics: &[Metric],
    full: bool,
    omitted_details: u64,
) -> String {
    let mut out = String::new();
    let t0 = outcome.outage_start;
    let _ = writeln!(
        out,
        "trace of replication {} of `{}` (seed {seed}); times are from t0 = {t0:#}, the outage",
        outcome.replication, scenario.name
    );
    if omitted_details > 0 {
        let _ = writeln!(
            out,
            "(the oldest {omitted_details} churn changes of the history were not kept: a trace keeps the newest {})",
            crate::cycle::TraceLog::KEPT_DETAILS
        );
    }
    let recent = t0 - RECENT;
    let hidden: Vec<&TraceEntry> = entries.iter().filter(|e| !shown(e, t0, full)).collect();
    let mut summarised = hidden.is_empty();
    for e in entries {
        if !shown(e, t0, full) {
            continue;
        }
        if !summarised && e.time >= hidden[0].time {
            let _ = writeln!(
                out,
                "{:>20}  {:<16}  [{}] ({} churn changes from {} to {} not shown; --full lists them)",
                hidden[0].time.relative_to(t0),
                "",
                hidden[0].phase.label(),
                hidden.len(),
                hidden[0].time.relative_to(t0),
                recent.relative_to(t0)
            );
            summarised = true;
        }
        let _ = writeln!(
            out,
            "{:>20}  {:<16}  [{}] {}",
            e.time.relative_to(t0),
            format!("{:#}", e.time),
            e.phase.label(),
            e.text
        );
    }
    let _ = writeln!(out, "\nmetrics:");
    for m in metrics {
        let v = m.value(outcome);
        let shown = match (v, m.history_value(outcome)) {
            (Some(v), _) => human(m, v),
            (None, Some(_)) if !outcome.overloads.is_empty() => {
                "(over capacity: no steady state)".to_string()
            }
            (None, Some(_)) => "(cycle cut off: out of the stage statistics)".to_string(),
            (None, None) => "(does not apply)".to_string(),
        };
        let _ = writeln!(out, "  {:<28} {:>14}  {}", m.name, m.format(v), shown);
    }
    let capacity = crate::report::capacity::replication_lines(scenario, outcome);
    if !capacity.is_empty() {
        let _ = writeln!(out, "\ncapacity:");
        for line in capacity {
            let _ = writeln!(out, "  {line}");
        }
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
