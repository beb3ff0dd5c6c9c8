//! `replications.csv` (one row per replication) and `summary.csv` (one row per metric).

use std::io::Write;

use crate::cycle::CycleOutcome;
use crate::metrics::Metric;
use crate::scenario::Scenario;
use crate::stats::MetricSummary;

/// Header of `replications.csv`: the replication index, the outage's time of
/// week, then every metric.
pub fn replications_header(metrics: &[Metric]) -> Vec<String> {
    let mut header = vec!["replication".to_string(), "outage_start_s".to_string()];
    header.extend(metrics.iter().map(|m| m.name.clone()));
    header
}

/// One row of `replications.csv`, formatted exactly as written.
pub fn replication_row(metrics: &[Metric], outcome: &CycleOutcome) -> Vec<String> {
    let mut row = vec![
        outcome.replication.to_string(),
        format!("{:.3}", outcome.outage_start.as_secs_f64()),
    ];
    row.extend(metrics.iter().map(|m| m.format(m.value(outcome))));
    row
}

/// Streams `replications.csv` rows to any writer.
#[derive(Debug)]
pub struct ReplicationsWriter<W: Write> {
    csv: ::csv::Writer<W>,
}

impl<W: Write> ReplicationsWriter<W> {
    pub fn new(out: W, metrics: &[Metric]) -> Result<Self, ::csv::Error> {
        let mut csv = ::csv::Writer::from_writer(out);
        csv.write_record(replications_header(metrics))?;
        Ok(ReplicationsWriter { csv })
    }

    pub fn write(
        &mut self,
        metrics: &[Metric],
        outcome: &CycleOutcome,
    ) -> Result<(), ::csv::Error> {
        self.csv.write_record(replication_row(metrics, outcome))
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }
}

pub const VMS_HEADER: [&str; 11] = [
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
            self.csv.write_record([
                outcome.replication.to_string(),
                vm.id.clone(),
                scenario.groups[vm.group].id.clone(),
                vm.consistency_group
                    .map(|g| scenario.consistency_groups[g].id.clone())
                    .unwrap_or_default(),
                vm.recovery_point.name().to_string(),
                seconds(v.rpo),
                seconds(v.rto),
                format!("{:.0}", v.data_lost_bytes.round()),
                seconds(v.lag_at_outage),
                seconds(v.rpo_alert),
                u8::from(v.no_usable_point).to_string(),
            ])?;
        }
        Ok(())
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }
}

pub const SUMMARY_HEADER: [&str; 15] = [
    "metric",
    "unit",
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
    "description",
];

/// `summary.csv`: statistics in the metric's unit; the target columns are empty
/// for metrics without a target.
pub fn summary_csv(rows: &[MetricSummary]) -> Result<Vec<u8>, ::csv::Error> {
    let mut csv = ::csv::Writer::from_writer(Vec::new());
    csv.write_record(SUMMARY_HEADER)?;
    for row in rows {
        let m = &row.metric;
        let s = &row.summary;
        let stat = |v: f64| format!("{v:.3}");
        let mut record = vec![m.name.clone(), m.unit.label().to_string()];
        record.extend([s.mean, s.std, s.min, s.p50, s.p90, s.p95, s.p99, s.max].map(stat));
        match (&m.target, &row.target) {
            (Some(target), Some(t)) => {
                record.push(format!("{:.3}", target.as_secs_f64()));
                record.extend([t.fraction, t.ci_low, t.ci_high].map(|f| format!("{f:.4}")));
            }
            _ => record.extend(std::iter::repeat_n(String::new(), 4)),
        }
        record.push(m.description.clone());
        csv.write_record(&record)?;
    }
    csv.into_inner()
        .map_err(|e| ::csv::Error::from(e.into_error()))
}
