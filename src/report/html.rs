//! `report.html`: one self-contained page per run, for a design review.
//!
//! Everything is inline (styles and SVG charts); the page loads nothing and runs
//! no script, so it opens the same from a mail attachment as from disk.

use std::fmt::Write;

use crate::analysis::drivers::Drivers;
use crate::analysis::sensitivity::Sensitivity;
use crate::metrics::Unit;
use crate::report::chart::RenderedChart;
use crate::report::table::{
    drivers_sentence, human, long_run_sentence, outages_sentence, sensitivity_sentence,
    sla_sentence, thousands, verdict_sentence,
};
use crate::scenario::Scenario;
use crate::stats::{RunSummary, Verdict};

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A chart inlined as a figure (its SVG, without the XML prologue).
fn figure(chart: &RenderedChart) -> String {
    let svg = chart.svg.trim_start_matches(|c| c != '<');
    let svg = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    format!(
        "<figure id=\"chart-{}\">\n{svg}\n</figure>",
        escape(&chart.name)
    )
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1060px;color:#222}\
h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;font-size:0.9em}th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:right}\
th:first-child,td:first-child{text-align:left}.met{color:#1a7f37;font-weight:bold}.missed{color:#c62828;font-weight:bold}.inconclusive{color:#9a6700;font-weight:bold}\
pre{background:#f6f6f6;padding:1em;white-space:pre-wrap;overflow-wrap:anywhere;font-size:0.85em}figure{margin:1em 0}svg{max-width:100%;height:auto}";

/// Everything the page shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    pub scenario: &'a Scenario,
    /// `drsim validate`'s description of the scenario.
    pub description: &'a str,
    pub replications: u64,
    pub seed: u64,
    pub run: &'a RunSummary,
    pub drivers: &'a [Drivers],
    pub sensitivity: &'a [Sensitivity],
    pub charts: &'a [RenderedChart],
}

/// The whole page: title, verdicts and what drives them, which inputs matter,
/// the summary table, the charts, the scenario's description.
pub fn render(inputs: &ReportInputs<'_>) -> String {
    let ReportInputs {
        scenario,
        description,
        replications,
        seed,
        run,
        drivers,
        sensitivity,
        charts,
    } = *inputs;
    let mut h = String::new();
    let name = escape(&scenario.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>drsim report: {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(h, "<h1>drsim report: {name}</h1>");
    if !scenario.description.trim().is_empty() {
        let _ = writeln!(h, "<p>{}</p>", escape(scenario.description.trim()));
    }
    let _ = writeln!(
        h,
        "<p id=\"provenance\">{} replications of the failover/failback cycle by drsim {}, seed {seed}, scenario <code>{}</code> (SHA-256 <code>{}</code>).</p>",
        thousands(replications as usize),
        env!("CARGO_PKG_VERSION"),
        escape(&scenario.source),
        escape(&scenario.effective_sha256)
    );
    let _ = writeln!(h, "<h2>Targets</h2>");
    let _ = writeln!(
        h,
        "<p id=\"outages\">{}.</p>",
        escape(&outages_sentence(&run.outages))
    );
    if let Some(note) = long_run_sentence(run) {
        let _ = writeln!(h, "<p id=\"long-run\">{}</p>", escape(&note));
    }
    for line in crate::report::capacity::capacity_sentences(scenario, run) {
        let _ = writeln!(h, "<p class=\"capacity\">{}.</p>", escape(&line));
    }
    if let Some(sla) = sla_sentence(run, scenario.vms.len()) {
        let _ = writeln!(h, "<p id=\"sla\">{}.</p>", escape(&sla));
    }
    if let Some(year) = crate::report::year::run_sentence(scenario, run) {
        let _ = writeln!(h, "<p id=\"year\">{}.</p>", escape(&year));
    }
    let mut verdicts = run.verdicts().peekable();
    if verdicts.peek().is_none() {
        let _ = writeln!(h, "<p>The scenario sets no RPO or RTO target.</p>");
    } else {
        let _ = writeln!(h, "<ul id=\"verdicts\">");
        for (row, v) in verdicts {
            let class = match v.verdict {
                Verdict::Met => "met",
                Verdict::Missed => "missed",
                Verdict::Inconclusive => "inconclusive",
            };
            let text = verdict_sentence(row, v, &run.outages);
            let _ = writeln!(h, "<li class=\"{class}\">{}</li>", escape(&text));
        }
        let _ = writeln!(h, "</ul>");
    }
    if scenario.is_estate() {
        h.push_str(&estate_section(scenario, run));
        for chart in charts.iter().filter(|c| c.name.starts_with("estate-")) {
            let _ = writeln!(h, "{}", figure(chart));
        }
    }
    if !drivers.is_empty() {
        let _ = writeln!(h, "<h2>What drives the RTO and RPO</h2>");
        let _ = writeln!(
            h,
            "<p>Each replication's RTO is split along its critical path, and the worst VM's RPO by why newer recovery points could not be used; the parts add up exactly (docs/metrics.md).</p>"
        );
        let _ = writeln!(h, "<ul id=\"drivers\">");
        for d in drivers {
            let _ = writeln!(h, "<li>{}</li>", escape(&drivers_sentence(d)));
        }
        let _ = writeln!(h, "</ul>");
        for chart in charts.iter().filter(|c| c.name.ends_with("-drivers")) {
            let _ = writeln!(h, "{}", figure(chart));
        }
    }
    if !sensitivity.is_empty() {
        let _ = writeln!(h, "<h2>Which inputs matter</h2>");
        let _ = writeln!(
            h,
            "<p>For each random input drawn per replication, its partial rank correlation coefficient (PRCC) with the metric, from the run's own replications: near +1 the metric grows with the input whatever the others do, near -1 it falls as the input grows, near 0 the input does not move it monotonically. It measures monotone association, not a share of variance; inputs that move together share their influence (docs/metrics.md). Inputs with no path to a metric in the model (bandwidth for the RTO unless a VM fails over to <code>latest</code>) are not ranked for it, and inputs that act only when the plan runs (boots, steps, preparation, replication) are measured within the declared disasters, so a ride-out's short RTO lends them no sign. Every input, and why it is or is not ranked, is in <code>sensitivity.csv</code>.</p>"
        );
        let _ = writeln!(h, "<ul id=\"sensitivity\">");
        for line in sensitivity {
            let _ = writeln!(h, "<li>{}.</li>", escape(&sensitivity_sentence(line)));
        }
        let _ = writeln!(h, "</ul>");
        for chart in charts.iter().filter(|c| c.name.ends_with("-sensitivity")) {
            let _ = writeln!(h, "{}", figure(chart));
        }
    }
    let _ = writeln!(h, "<h2>Summary</h2>");
    let _ = writeln!(
        h,
        "<p>Each statistic is over the outages named in <em>over</em> (all of them, or the declared disasters) and the <em>count</em> replications among them where the metric exists: a stage that did not happen is left out, not counted as zero.</p>"
    );
    let _ = writeln!(
        h,
        "<table id=\"summary\">\n<thead><tr><th>metric</th><th>over</th><th>count</th><th>mean</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>max</th><th>meaning</th></tr></thead>\n<tbody>"
    );
    for row in &run.rows {
        let m = &row.metric;
        let cells: Vec<String> = match &row.summary {
            None => vec!["-".to_string(); 6],
            Some(s) if m.unit == Unit::Flag => {
                let mut cells = vec![human(m, s.mean)];
                cells.extend(std::iter::repeat_n(String::new(), 5));
                cells
            }
            Some(s) => [s.mean, s.p50, s.p90, s.p95, s.p99, s.max]
                .iter()
                .map(|v| human(m, *v))
                .collect(),
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            escape(&m.name),
            row.population.name(),
            thousands(row.count)
        );
        for c in cells {
            let _ = write!(h, "<td>{}</td>", escape(&c));
        }
        let _ = writeln!(
            h,
            "<td style=\"text-align:left\">{}</td></tr>",
            escape(&m.description)
        );
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    let distributions: Vec<&RenderedChart> = charts
        .iter()
        .filter(|c| {
            !c.name.ends_with("-drivers")
                && !c.name.ends_with("-sensitivity")
                && !c.name.starts_with("estate-")
        })
        .collect();
    if !distributions.is_empty() {
        let _ = writeln!(h, "<h2>Charts</h2>");
        for chart in distributions {
            let _ = writeln!(h, "{}", figure(chart));
        }
    }
    let _ = writeln!(h, "<h2>Scenario</h2>\n<pre>{}</pre>", escape(description));
    let _ = writeln!(
        h,
        "<p><small>Generated by drsim {} from <code>{}</code> (SHA-256 {}), seed {seed}: the same file, seed and version give the same page.</small></p>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        escape(&scenario.source),
        escape(&scenario.effective_sha256)
    );
    h
}

/// An estate's plans in start order, one row each, and for each plan that
/// misses its RTO target where its time went: the wait for an operator, its
/// own failover, detection and decision (docs/estate.md).
fn estate_section(scenario: &Scenario, run: &RunSummary) -> String {
    use crate::metrics::MetricId;
    use crate::scenario::Population;
    let row = |id: MetricId, over: Population| {
        run.rows
            .iter()
            .find(|r| r.metric.id() == id && r.population == over)
    };
    let stat = |id: MetricId, over: Population, pick: fn(&crate::stats::Summary) -> f64| {
        row(id, over).and_then(|r| Some((r, pick(r.summary.as_ref()?))))
    };
    let cell = |id: MetricId, over: Population, pick: fn(&crate::stats::Summary) -> f64| {
        stat(id, over, pick).map_or_else(|| "-".to_string(), |(r, v)| human(&r.metric, v))
    };
    let mut h = String::new();
    let _ = writeln!(h, "<h2>The estate's plans</h2>");
    let _ = writeln!(
        h,
        "<p>{} recovery plans in start order; the estate's RTO is the last plan's. Times over the declared disasters; the RTO verdict over the outages <code>[targets]</code> names.</p>",
        scenario.plans.len()
    );
    let _ = writeln!(
        h,
        "<table id=\"plans\">\n<thead><tr><th>plan</th><th>priority</th><th>VMs</th><th>RTO p50</th><th>RTO p95</th><th>RTO verdict</th><th>RPO p95</th><th>operator wait (mean)</th><th>stage 1 (mean)</th><th>failback wait (mean)</th><th>stage 3 downtime p95</th></tr></thead>\n<tbody>"
    );
    let mut misses = Vec::new();
    for &p in scenario.plan_order() {
        let plan = &scenario.plans[p];
        let d = Population::Declared;
        let verdict = run
            .rows
            .iter()
            .find(|r| r.metric.id() == MetricId::PlanRto(p) && r.verdict.is_some())
            .and_then(|r| r.verdict);
        let verdict_cell = match verdict {
            // Rounded down: a share short of all is never shown as 100 %.
            Some(v) => format!(
                "<span class=\"{0}\">{0}</span> ({1:.1} % met)",
                v.verdict.name(),
                (1000.0 * v.fraction.fraction).floor() / 10.0
            ),
            None => "no target".to_string(),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{verdict_cell}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&plan.id),
            plan.priority,
            plan.vms.len(),
            escape(&cell(MetricId::PlanRto(p), d, |s| s.p50)),
            escape(&cell(MetricId::PlanRto(p), d, |s| s.p95)),
            escape(&cell(MetricId::PlanRpo(p), d, |s| s.p95)),
            escape(&cell(MetricId::PlanOperatorWait(p), d, |s| s.mean)),
            escape(&cell(MetricId::PlanStage(p, 1), d, |s| s.mean)),
            escape(&cell(MetricId::PlanFailbackWait(p), d, |s| s.mean)),
            escape(&cell(MetricId::PlanStage(p, 3), d, |s| s.p95)),
        );
        if verdict.is_some_and(|v| v.verdict == Verdict::Missed) {
            let mean = |id| stat(id, d, |s| s.mean).map_or(0.0, |(_, v)| v);
            let (rto, wait, stage1) = (
                mean(MetricId::PlanRto(p)),
                mean(MetricId::PlanOperatorWait(p)),
                mean(MetricId::PlanStage(p, 1)),
            );
            let metric = &row(MetricId::PlanRto(p), d)
                .expect("a verdict has its row")
                .metric;
            misses.push(format!(
                "`{}` misses its RTO target: of its mean RTO over declared disasters, {}, it waited {} for an operator, ran its own failover for {}, and the remaining {} went to detection and decision.",
                plan.id,
                human(metric, rto),
                human(metric, wait),
                human(metric, (stage1 - wait).max(0.0)),
                human(metric, (rto - stage1).max(0.0)),
            ));
        }
    }
    let _ = writeln!(h, "</tbody>\n</table>");
    if !misses.is_empty() {
        let _ = writeln!(h, "<ul id=\"plan-misses\">");
        for m in misses {
            let _ = writeln!(h, "<li>{}</li>", escape(&m));
        }
        let _ = writeln!(h, "</ul>");
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(
            escape("<a href=\"x\">R&D's</a>"),
            "&lt;a href=&quot;x&quot;&gt;R&amp;D&#39;s&lt;/a&gt;"
        );
    }
}
