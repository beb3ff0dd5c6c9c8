//! The summary table printed at the end of `drsim run`, and the verdict
//! sentences it shares with the report.

use std::fmt::Write;

use crate::analysis::drivers::{Composition, Drivers};
use crate::analysis::sensitivity::Sensitivity;
use crate::metrics::MetricId;
use crate::metrics::{Metric, Unit};
use crate::scenario::Population;
use crate::scenario::units::{
    format_availability, format_bytes, format_duration_short, format_share,
};
use crate::stats::{MetricSummary, Outages, RunSummary, TargetVerdict, Verdict};

/// How a person reads a metric's value.
pub fn human(metric: &Metric, value: f64) -> String {
    match metric.unit {
        Unit::Seconds => format_duration_short(value),
        Unit::Bytes => format_bytes(value),
        Unit::Flag => format_share(value),
        Unit::Availability => format_availability(value),
        Unit::Count => format!("{value:.2}"),
        Unit::Currency => format!("{value:.2}"),
    }
}

/// A count with thousands separators: `10,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What the run's outages were: "10,000 outages: 9,510 declared disasters
/// (95.1%), 490 ridden out (4.9%)".
pub fn outages_sentence(o: &Outages) -> String {
    let share = |k: usize| format_share(k as f64 / o.total.max(1) as f64);
    let mut text = format!(
        "{} outages: {} declared disasters ({}), {} ridden out without failover ({})",
        thousands(o.total),
        thousands(o.declared),
        share(o.declared),
        thousands(o.ridden_out()),
        share(o.ridden_out())
    );
    if o.needing_resync > 0 {
        text.push_str(&format!(
            "; in {} ({}) some VM was being resynchronised at the outage (its Hyper-V log had reached half its disk): it fails over to its newest point from before the resync, and such an RPO grows with how long replication had been broken (resync_vms)",
            thousands(o.needing_resync),
            share(o.needing_resync)
        ));
    }
    if o.not_closed > 0 {
        text.push_str(&format!(
            "; {} cycles ({}) did not close within one year (out of the stage statistics; where they stood is said below)",
            thousands(o.not_closed),
            share(o.not_closed)
        ));
    }
    text
}

/// ASR's SLA view, per VM: of the VM failovers of the declared disasters,
/// how many ran in Azure within two hours on ASR's time (from their plan's
/// failover start, manual actions and scripts excluded, as the SLA excludes
/// them), and how many on the plan's own clock. `None` when no disaster was
/// declared.
pub fn sla_sentence(run: &RunSummary, vms: usize) -> Option<String> {
    let total_of = |id: MetricId| {
        let row = run.rows.iter().find(|r| r.metric.id() == id)?;
        let s = row.summary.as_ref()?;
        // The mean of a count times the replications: the exact total.
        Some(((s.mean * row.count as f64).round() as usize, row.count))
    };
    let (over, declared) = total_of(MetricId::VmsOverSla)?;
    let failovers = declared * vms;
    let within = failovers.saturating_sub(over);
    let mut text = format!(
        "SLA view (ASR's 2-hour RTO SLA, per VM, on ASR's time: from its plan's failover start, manual actions and scripts excluded as the SLA excludes them): {} of {} VM failovers ({}) ran in Azure within 2h, over {} declared disasters x {} VMs (vms.csv: asr_time_s)",
        thousands(within),
        thousands(failovers),
        format_share(within as f64 / failovers.max(1) as f64),
        thousands(declared),
        thousands(vms)
    );
    if let Some((over_plan, _)) = total_of(MetricId::VmsOverTwoHoursPlanClock)
        && over_plan != over
    {
        let within_plan = failovers.saturating_sub(over_plan);
        text.push_str(&format!(
            "; on the plan's clock, with them, {} ({}) (failover_to_running_s)",
            thousands(within_plan),
            format_share(within_plan as f64 / failovers.max(1) as f64)
        ));
    }
    Some(text)
}

/// The verdict word, as printed (and coloured on a terminal).
pub fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "MET",
        Verdict::Missed => "MISSED",
        Verdict::Inconclusive => "INCONCLUSIVE",
    }
}

/// One target's verdict in a sentence, with the population it is over, the
/// evidence, what would settle it when inconclusive, and (RTO over all
/// outages) how many misses the decision rule caused.
/// How a sentence names an interval's confidence: "95%", or the corrected
/// level of `run --until-settled` ("99.0%").
fn interval_level(level: f64) -> String {
    if (level - 0.95).abs() < 1e-12 {
        "95%".to_string()
    } else {
        format_share(level)
    }
}

pub fn verdict_sentence(row: &MetricSummary, v: &TargetVerdict, outages: &Outages) -> String {
    // Verdicts are on the RPO and the RTO.
    let what = match row.metric.id() {
        MetricId::RtoFromFailover => "RTO (from the failover's start)".to_string(),
        id => id
            .target_metric()
            .map_or_else(|| row.metric.name.clone(), |m| m.label().to_string()),
    };
    let target = row
        .metric
        .target
        .map_or_else(String::new, |t| format_duration_short(t.as_secs_f64()));
    let f = &v.fraction;
    let missed = f.total - f.met;
    let achieved = if missed > 0 && f.met > 0 && f.fraction > 0.99 {
        format!(
            "{}: {} of {} missed",
            format_share(f.fraction),
            thousands(missed),
            thousands(f.total)
        )
    } else {
        format!(
            "{}: {} of {}",
            format_share(f.fraction),
            thousands(f.met),
            thousands(f.total)
        )
    };
    let mut text = format!(
        "target {what} <= {target} over {}: {} (required in {} of them, achieved in {achieved}; {} CI {} to {})",
        v.over.phrase(),
        verdict_word(v.verdict),
        format_share(v.required),
        interval_level(v.level),
        format_share(v.interval.0),
        format_share(v.interval.1),
    );
    if v.verdict == Verdict::Inconclusive {
        match v.replications_to_settle {
            Some(n) => {
                let _ = write!(
                    text,
                    ": the interval contains the requirement; about {} replications in all would likely settle it (run --until-settled)",
                    thousands(n as usize)
                );
            }
            None if v.required >= 1.0 => text.push_str(
                ": no replication missed, but sampling can never prove a 100% requirement",
            ),
            None => text.push_str(
                ": the estimate sits on the requirement; no number of replications is likely to settle it",
            ),
        }
    }
    if row.metric.id() == MetricId::Rto
        && v.over == Population::All
        && let Some(ridden) = outages.ridden_out_over_rto_target
        && ridden > 0
    {
        let _ = write!(
            text,
            "; {} of the {} misses were outages ridden out for longer than the target (the decision rule, not the plan)",
            thousands(ridden),
            thousands(missed)
        );
    }
    text
}

/// The largest parts of a composition, in words: "decision 1h05m (45%), boot
/// 40m (28%), detection 10m (7%)".
fn largest_parts(d: &Drivers, row: &Composition, how_many: usize) -> String {
    let mut order: Vec<usize> = (0..row.parts.len())
        .filter(|&p| row.parts[p] > 0.0)
        .collect();
    order.sort_by(|&a, &b| row.parts[b].total_cmp(&row.parts[a]).then(a.cmp(&b)));
    order
        .iter()
        .take(how_many)
        .map(|&p| {
            format!(
                "{} {} ({})",
                d.part_names[p].0.replace('_', " "),
                format_duration_short(row.parts[p]),
                format_share(row.parts[p] / row.mean.max(1e-9))
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What drives a metric, in two or three sentences: what the misses were made
/// of, and the part that differs most between missed and met outages.
pub fn drivers_sentence(d: &Drivers) -> String {
    let row = |label: &str| d.rows.iter().find(|r| r.label.starts_with(label));
    let all = &d.rows[0];
    match (
        &d.first_fix,
        row("missed the target"),
        row("met the target"),
    ) {
        (Some(fix), Some(missed), Some(met)) => format!(
            "{metric} over {over}: the {n} that missed the {target} target took {mean} on average: {parts}; those that met it took {met_mean}. The largest difference is {part}: {fix_missed} in the misses against {fix_met} in the outages that met the target; fix it first.",
            metric = d.metric,
            over = d.over.phrase(),
            n = thousands(missed.count),
            target = format_duration_short(d.target.unwrap_or(0.0)),
            mean = format_duration_short(missed.mean),
            parts = largest_parts(d, missed, 3),
            met_mean = format_duration_short(met.mean),
            part = d.part_names[fix.part].1,
            fix_missed = format_duration_short(fix.mean_missed),
            fix_met = format_duration_short(fix.mean_met),
        ),
        _ if all.mean == 0.0 => format!(
            "{} over {} is 0 in every replication: nothing to attribute.",
            d.metric,
            d.over.phrase()
        ),
        _ => {
            // Too few replications put none around p95: say nothing of it.
            let around_p95 = row("around p95 (p92.5-p97.5)")
                .filter(|r| r.count > 0)
                .map(|p95| {
                    format!(
                        " Around its 95th percentile ({}): {}.",
                        format_duration_short(p95.mean),
                        largest_parts(d, p95, 3)
                    )
                })
                .unwrap_or_default();
            format!(
                "{metric} over {over} averages {mean}: {parts}.{around_p95}{met}",
                metric = d.metric,
                over = d.over.phrase(),
                mean = format_duration_short(all.mean),
                parts = largest_parts(d, all, 3),
                met = if d.target.is_some() && row("missed the target").is_none() {
                    " No replication missed the target."
                } else {
                    ""
                }
            )
        }
    }
}

/// Below this |PRCC| an input is not called a driver.
const WEAK_PRCC: f64 = 0.1;

/// Which inputs drive a metric, in a sentence: the three largest PRCCs.
pub fn sensitivity_sentence(s: &Sensitivity) -> String {
    let phrase = s.metric.phrase();
    let what = phrase[..1].to_uppercase() + &phrase[1..];
    let top: Vec<String> = s
        .entries
        .iter()
        .filter_map(|e| e.measure.map(|m| (e, m)))
        .take(3)
        .map(|(e, m)| {
            let within = if e.over == s.over {
                String::new()
            } else {
                format!(", within {}", e.over.phrase())
            };
            let sign = if m >= 0.0 { "rises" } else { "falls" };
            format!("{} ({m:+.2}: {sign} as it grows{within})", e.input)
        })
        .collect();
    if top.is_empty() {
        let no_path = s
            .entries
            .iter()
            .filter(|e| e.status == crate::analysis::sensitivity::Status::NoPath)
            .count();
        return format!(
            "{what} over {}: no random input that can move it varies, nothing to rank ({no_path} inputs have no path to it; its spread comes from where the outage falls in the recovery-point schedule and per-point processing)",
            s.over.phrase()
        );
    }
    let largest = s
        .entries
        .iter()
        .filter_map(|e| e.measure)
        .fold(0.0_f64, |a, m| a.max(m.abs()));
    // A PRCC of a truly irrelevant input scatters about 0 with a standard
    // error near 1 / sqrt(n): below three of those (or 0.1) nothing is called
    // a driver.
    let weak = WEAK_PRCC.max(3.0 / (s.count.max(1) as f64).sqrt());
    let top: Vec<String> = top
        .into_iter()
        .zip(s.entries.iter().filter_map(|e| e.measure))
        .filter(|(_, m)| m.abs() >= weak)
        .map(|(text, _)| text)
        .collect();
    if largest < weak || top.is_empty() {
        return format!(
            "{what} over {} is not driven by any ranked input (largest |PRCC| {largest:.2}, below {weak:.2} for {} replications): its spread comes from quantities not ranked here, such as where the outage falls in the recovery-point schedule and per-point processing delays, or more replications are needed",
            s.over.phrase(),
            thousands(s.count)
        );
    }
    let no_path = s
        .entries
        .iter()
        .filter(|e| e.status == crate::analysis::sensitivity::Status::NoPath)
        .count();
    let unranked = if no_path > 0 {
        format!("; {no_path} inputs with no path to it are not ranked")
    } else {
        String::new()
    };
    format!(
        "{what} over {} depends most on {} (partial rank correlation, {} replications{unranked})",
        s.over.phrase(),
        top.join(", then "),
        thousands(s.count)
    )
}

/// An aligned table of every metric and population, the outages, then one
/// sentence per target.
/// What a run past `--exact-up-to` reports exactly and what approximately;
/// `None` when it kept every replication (everything is exact).
pub fn long_run_sentence(run: &RunSummary) -> Option<String> {
    let total = run.outages.total;
    (run.kept < total).then(|| {
        format!(
            "Over all {} replications, counts, means, standard deviations, minima, maxima and target fractions are exact; percentiles come from a histogram and lie at most {} below the exact ones. Drivers and sensitivity use the first {} replications (--exact-up-to).",
            thousands(total),
            format_share(crate::stats::histogram_precision()),
            thousands(run.kept)
        )
    })
}

pub fn summary_table(title: &str, run: &RunSummary) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}");
    let header = [
        "metric", "over", "count", "mean", "p50", "p90", "p95", "p99", "max",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for row in run.rows.iter().filter(|r| !r.metric.detail) {
        let m = &row.metric;
        let mut line = vec![
            m.name.clone(),
            row.population.name().to_string(),
            thousands(row.count),
        ];
        match &row.summary {
            None => line.extend(std::iter::repeat_n("-".to_string(), 6)),
            Some(s) if m.unit == Unit::Flag => {
                line.push(human(m, s.mean));
                line.extend(std::iter::repeat_n(String::new(), 5));
            }
            Some(s) => {
                line.extend([s.mean, s.p50, s.p90, s.p95, s.p99, s.max].map(|v| human(m, v)))
            }
        }
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
        // Padded by hand: `format!`'s width stops at 65,535.
        let pad = |cell: &str, w: usize| " ".repeat(w.saturating_sub(cell.chars().count()));
        let mut text = String::new();
        for (c, (cell, &w)) in line.iter().zip(&widths).enumerate() {
            match c {
                0 | 1 => text.extend(["  ", cell.as_str(), &pad(cell, w)]),
                _ => text.extend(["  ", &pad(cell, w), cell.as_str()]),
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * widths.len();
            let _ = writeln!(out, "  {}", "-".repeat(total - 2));
        }
    }
    let _ = writeln!(out, "{}", outages_sentence(&run.outages));
    if let Some(note) = long_run_sentence(run) {
        let _ = writeln!(out, "{note}");
    }
    for (row, v) in run.verdicts() {
        let _ = writeln!(out, "{}", verdict_sentence(row, v, &run.outages));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
