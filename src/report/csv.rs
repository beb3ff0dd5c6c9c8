//! `replications.csv` (one row per replication) and `summary.csv` (one row per metric).

use std::io::Write;

use crate::analysis::sensitivity::Sensitivity;
use crate::cycle::CycleOutcome;
use crate::metrics::{Metric, Unit};
use crate::scenario::Scenario;
use crate::stats::RunSummary;
use crate::study::compare::CompareRow;
use crate::study::sweep::SweepRow;

/// Header of `replications.csv`: the replication index, the outage's time of
/// week, then every metric.
pub fn replications_header(metrics: &[Metric]) -> Vec<String> {
    let mut header = vec!["replication".to_string(), "outage_start_s".to_string()];
    header.extend(metrics.iter().map(|m| m.name.clone()));
    header
}

/// One row of `replications.csv`, formatted exactly as written.
pub fn replication_row(metrics: &[Metric], outcome: &CycleOutcome) -> Vec<String> {
    let mut row = Vec::with_capacity(metrics.len() + 2);
    let _ = each_field(metrics, outcome, &mut String::new(), |f| {
        row.push(f.to_string());
        Ok::<(), ()>(())
    });
    row
}

/// Formats `outcome`'s row field by field into `field`, handing each to `emit`.
fn each_field<E>(
    metrics: &[Metric],
    outcome: &CycleOutcome,
    field: &mut String,
    mut emit: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    field.clear();
    let _ = write!(field, "{}", outcome.replication);
    emit(field)?;
    field.clear();
    let _ = write!(field, "{:.3}", outcome.outage_start.as_secs_f64());
    emit(field)?;
    for m in metrics {
        field.clear();
        m.format_into(m.value(outcome), field);
        emit(field)?;
    }
    Ok(())
}

/// Streams `replications.csv` rows to any writer.
#[derive(Debug)]
pub struct ReplicationsWriter<W: Write> {
    csv: ::csv::Writer<W>,
    /// The field being formatted, reused: a row is written per replication.
    field: String,
}

impl<W: Write> ReplicationsWriter<W> {
    pub fn new(out: W, metrics: &[Metric]) -> Result<Self, ::csv::Error> {
        let mut csv = ::csv::Writer::from_writer(out);
        csv.write_record(replications_header(metrics))?;
        Ok(ReplicationsWriter {
            csv,
            field: String::new(),
        })
    }

    /// Writes the row [`replication_row`] makes, field by field.
    pub fn write(
        &mut self,
        metrics: &[Metric],
        outcome: &CycleOutcome,
    ) -> Result<(), ::csv::Error> {
        let csv = &mut self.csv;
        each_field(metrics, outcome, &mut self.field, |f| csv.write_field(f))?;
        csv.write_record(None::<&[u8]>)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }
}

pub const VMS_HEADER: [&str; 15] = [
    "replication",
    "vm",
    "group",
    "consistency_group",
    "recovery_point",
    "rpo_s",
    "rto_s",
    "data_lost_bytes",
    "lag_at_outage_s",
    "rpo_alert_s",
    "no_usable_point",
    "failover_to_running_s",
    "within_sla",
    "over_capacity",
    "asr_time_s",
];

/// Streams `vms.csv`: one row per replication and VM.
#[derive(Debug)]
pub struct VmsWriter<W: Write> {
    csv: ::csv::Writer<W>,
}

impl<W: Write> VmsWriter<W> {
    pub fn new(out: W) -> Result<Self, ::csv::Error> {
        let mut csv = ::csv::Writer::from_writer(out);
        csv.write_record(VMS_HEADER)?;
        Ok(VmsWriter { csv })
    }

    pub fn write(
        &mut self,
        scenario: &Scenario,
        outcome: &CycleOutcome,
    ) -> Result<(), ::csv::Error> {
        let seconds = |d: crate::engine::SimDuration| format!("{:.3}", d.as_secs_f64());
        for (vm, v) in scenario.vms.iter().zip(&outcome.vms) {
            // Over capacity, the RPO, data lost and lag have no steady state.
            let bounded = |text: String| if v.over_capacity { String::new() } else { text };
            let declared_bounded = |text: String| {
                if v.over_capacity && outcome.declared {
                    String::new()
                } else {
                    text
                }
            };
            self.csv.write_record([
                outcome.replication.to_string(),
                vm.id.clone(),
                scenario.groups[vm.group].id.clone(),
                vm.consistency_group
                    .map(|g| scenario.consistency_groups[g].id.clone())
                    .unwrap_or_default(),
                vm.recovery_point.name().to_string(),
                declared_bounded(seconds(v.rpo)),
                v.rto.map(seconds).unwrap_or_default(),
                declared_bounded(format!("{:.0}", v.data_lost_bytes.round())),
                bounded(seconds(v.lag_at_outage)),
                seconds(v.rpo_alert),
                u8::from(v.no_usable_point).to_string(),
                v.from_failover_start.map(seconds).unwrap_or_default(),
                if outcome.declared {
                    u8::from(v.within_sla()).to_string()
                } else {
                    String::new()
                },
                u8::from(v.over_capacity).to_string(),
                v.asr_time().map(seconds).unwrap_or_default(),
            ])?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }
}

pub const SUMMARY_HEADER: [&str; 18] = [
    "metric",
    "population",
    "unit",
    "count",
    "mean",
    "std",
    "min",
    "p50",
    "p90",
    "p95",
    "p99",
    "max",
    "target",
    "fraction_meeting",
    "fraction_ci95_low",
    "fraction_ci95_high",
    "verdict",
    "description",
];

/// A fraction with four decimals, or more where four would round it to exactly
/// 1 or 0 although it is not (2 misses in 100,000: `0.99998`, not `1.0000`).
fn fraction_cell(f: f64) -> String {
    for decimals in 4..=9 {
        let text = format!("{f:.decimals$}");
        let value: f64 = text.parse().unwrap_or(f);
        if !((value >= 1.0 && f < 1.0) || (value <= 0.0 && f > 0.0)) {
            return text;
        }
    }
    format!("{f:.9}")
}

/// `summary.csv`: one row per metric and population, statistics in the
/// metric's unit over the replications of that population where the metric
/// exists (`count`; the statistics are empty when there are none). The target
/// columns are filled for metrics with a target, the verdict only on the row of
/// the population the target is judged on.
pub fn summary_csv(run: &RunSummary) -> Result<Vec<u8>, ::csv::Error> {
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    csv.write_record(SUMMARY_HEADER)?;
    for row in &run.rows {
        let m = &row.metric;
        // An availability needs more than three decimals (0.999 is 8.8 h a year).
        let stat = |v: f64| match m.unit {
            Unit::Availability => format!("{v:.8}"),
            _ => format!("{v:.3}"),
        };
        let mut record = vec![
            m.name.clone(),
            row.population.name().to_string(),
            m.unit.label().to_string(),
            row.count.to_string(),
        ];
        match &row.summary {
            Some(s) => {
                record.extend([s.mean, s.std, s.min, s.p50, s.p90, s.p95, s.p99, s.max].map(stat))
            }
            None => record.extend(std::iter::repeat_n(String::new(), 8)),
        }
        match (&m.target, &row.target) {
            (Some(target), Some(t)) if t.total > 0 => {
                record.push(format!("{:.3}", target.as_secs_f64()));
                record.extend([t.fraction, t.ci_low, t.ci_high].map(fraction_cell));
            }
            (Some(target), _) => {
                record.push(format!("{:.3}", target.as_secs_f64()));
                record.extend(std::iter::repeat_n(String::new(), 3));
            }
            _ => record.extend(std::iter::repeat_n(String::new(), 4)),
        }
        record.push(
            row.verdict
                .map(|v| v.verdict.name().to_string())
                .unwrap_or_default(),
        );
        record.push(m.description.clone());
        csv.write_record(&record)?;
    }
    csv.into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))
}

/// `sensitivity.csv`: one row per metric and input: the PRCC (`measure`) of the
/// input with the metric over `population` (the metric's, or the declared
/// disasters for an input acting only there) and `replications`, its rank by
/// `|measure|`, and `status`: `ranked`, `fixed` (the scenario fixes it) or
/// `no-path` (it cannot move the metric); both empty unless ranked.
pub fn sensitivity_csv(all: &[Sensitivity]) -> Result<Vec<u8>, ::csv::Error> {
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "metric",
        "population",
        "input",
        "measure",
        "rank",
        "replications",
        "status",
        "description",
    ])?;
    for s in all {
        for e in &s.entries {
            csv.write_record([
                s.metric.column(),
                e.over.name().to_string(),
                e.input.clone(),
                e.measure.map(|m| format!("{m:.4}")).unwrap_or_default(),
                e.rank.map(|r| r.to_string()).unwrap_or_default(),
                e.count.to_string(),
                e.status.name().to_string(),
                e.description.clone(),
            ])?;
        }
    }
    csv.into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))
}

/// `sweep.csv`: `point`, one column per varied key (its value at the point),
/// then `metric, population, count, mean, p50, p90, p95, p99, target,
/// fraction_meeting, fraction_ci95_low, fraction_ci95_high, verdict`.
pub fn sweep_csv(rows: &[SweepRow]) -> Result<Vec<u8>, ::csv::Error> {
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    let keys: Vec<String> = rows
        .first()
        .map(|r| r.values.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    let mut header = vec!["point".to_string()];
    header.extend(keys.iter().cloned());
    header.extend(
        [
            "metric",
            "population",
            "count",
            "mean",
            "p50",
            "p90",
            "p95",
            "p99",
            "target",
            "fraction_meeting",
            "fraction_ci95_low",
            "fraction_ci95_high",
            "verdict",
        ]
        .map(str::to_string),
    );
    csv.write_record(&header)?;
    for r in rows {
        let mut record = vec![r.point.to_string()];
        record.extend(
            r.values
                .iter()
                .map(|(_, v)| v.trim_matches('"').to_string()),
        );
        record.push(r.metric.column().to_string());
        record.push(r.population.name().to_string());
        match &r.summary {
            Some(s) => {
                record.push(s.count.to_string());
                record.extend([s.mean, s.p50, s.p90, s.p95, s.p99].map(|v| format!("{v:.3}")));
            }
            None => record.extend(std::iter::repeat_n(String::new(), 6)),
        }
        record.push(r.target.map(|t| format!("{t:.3}")).unwrap_or_default());
        match &r.verdict {
            Some(v) => {
                let f = &v.fraction;
                record.extend([f.fraction, f.ci_low, f.ci_high].map(fraction_cell));
                record.push(v.verdict.name().to_string());
            }
            None => record.extend(std::iter::repeat_n(String::new(), 4)),
        }
        csv.write_record(&record)?;
    }
    csv.into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))
}

/// A compared value as a person reads it, by the metric's unit.
pub fn compare_value(unit: Unit, v: f64) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    match unit {
        Unit::Seconds => format!(
            "{sign}{}",
            crate::scenario::units::format_duration_short(v.abs())
        ),
        Unit::Bytes => format!("{sign}{}", crate::scenario::units::format_bytes(v.abs())),
        // A share of time: four decimals of a percent (a difference of a
        // few minutes a year is 0.0005 %).
        Unit::Availability => format!("{:.4}%", v * 100.0),
        _ => format!("{v:.2}"),
    }
}

/// `compare.csv`: `metric, population, pairs, mean_a, mean_b, difference,
/// difference_ci95_low, difference_ci95_high, share_b_lower` (the metric's
/// unit; the difference is B - A, paired by replication).
pub fn compare_csv(rows: &[CompareRow]) -> Result<Vec<u8>, ::csv::Error> {
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "metric",
        "population",
        "pairs",
        "mean_a",
        "mean_b",
        "difference",
        "difference_ci95_low",
        "difference_ci95_high",
        "share_b_lower",
    ])?;
    for r in rows {
        let f = |v: f64| format!("{v:.3}");
        csv.write_record([
            r.metric.name.to_string(),
            r.metric.population.name().to_string(),
            r.pairs.to_string(),
            f(r.mean_a),
            f(r.mean_b),
            f(r.difference),
            f(r.ci_low),
            f(r.ci_high),
            fraction_cell(r.b_better),
        ])?;
    }
    csv.into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_never_round_to_one_or_zero_unless_exact() {
        assert_eq!(fraction_cell(1.0), "1.0000");
        assert_eq!(fraction_cell(0.0), "0.0000");
        assert_eq!(fraction_cell(0.95), "0.9500");
        assert_eq!(fraction_cell(0.99998), "0.99998");
        assert_eq!(fraction_cell(0.000_02), "0.00002");
    }
}
