//! `drsim compare`: two plans on common random numbers. Replication `k`
//! draws the same numbers for both (as far as the scenarios share inputs), so
//! the paired difference of a metric, replication by replication, measures the
//! change, not the noise.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{CliError, load_scenario, output_error, write_charts};
use crate::cli::{CompareCommand, OutputFormat};
use crate::cycle::CycleOutcome;
use crate::metrics::{Metric, MetricId, in_population, metrics_for};
use crate::montecarlo::{self, RunConfig};
use crate::report::OutputSet;
use crate::report::chart::compare::{CompareChart, render_compare};
use crate::report::csv::{CompareRow, compare_csv};
use crate::report::html::escape;
use crate::report::table::verdict_sentence;
use crate::scenario::{Population, Scenario};
use crate::stats::{Collector, EXACT_UP_TO, RunSummary, Stream, Z_95};

/// `drsim compare`'s arguments.
pub type CompareArgs = CompareCommand;

/// The metrics compared, each over a population.
const COMPARED: [(&str, MetricId, Population); 7] = [
    ("rpo_s", MetricId::Rpo, Population::Declared),
    ("rto_s", MetricId::Rto, Population::All),
    ("data_lost_bytes", MetricId::DataLost, Population::Declared),
    ("unprotected_s", MetricId::Unprotected, Population::All),
    ("cycle_s", MetricId::Cycle, Population::All),
    ("total_downtime_s", MetricId::TotalDowntime, Population::All),
    ("azure_cost", MetricId::AzureCost, Population::All),
];

/// Replications of each plan run before the other plan catches up: the
/// paired differences need replication `k` of both, and only this many of
/// plan A's compared values are held at a time (memory stays flat in -n).
const LOCKSTEP: u64 = 65_536;

/// One compared metric over its population, streamed replication by
/// replication: each plan's values and the paired difference `b - a` where
/// both exist (exact sums: the same for any thread count).
#[derive(Debug, Default)]
struct Paired {
    a: Stream,
    b: Stream,
    difference: Stream,
    b_lower: u64,
}

impl Paired {
    /// Replication `k`'s values, NaN where the metric does not exist or the
    /// replication is outside the population.
    fn add(&mut self, a: f64, b: f64) {
        if !a.is_nan() {
            self.a.add(a, None);
        }
        if !b.is_nan() {
            self.b.add(b, None);
        }
        if !a.is_nan() && !b.is_nan() {
            let d = b - a;
            self.difference.add(d, None);
            self.b_lower += u64::from(d < 0.0);
        }
    }

    /// The row of `compare.csv`; `None` when no replication has both.
    fn row(&self, metric: &str, population: Population) -> Option<CompareRow> {
        let d = self.difference.summary()?;
        let half = Z_95 * d.std / (d.count as f64).sqrt();
        let mean = |s: &Stream| s.summary().map_or(f64::NAN, |s| s.mean);
        Some(CompareRow {
            metric: metric.to_string(),
            population,
            pairs: d.count,
            mean_a: mean(&self.a),
            mean_b: mean(&self.b),
            difference: d.mean,
            ci_low: d.mean - half,
            ci_high: d.mean + half,
            b_better: self.b_lower as f64 / d.count as f64,
        })
    }
}

/// A plan's compared metrics, in [`COMPARED`] order (`None` where the plan
/// has no such metric, e.g. no price for the Azure cost).
fn compared_metrics(metrics: &[Metric]) -> [Option<&Metric>; COMPARED.len()] {
    COMPARED.map(|(_, id, _)| metrics.iter().find(|m| m.id() == id))
}

/// The compared metrics' values in `o` (NaN where a metric does not exist
/// or `o` is outside its population), in [`COMPARED`] order.
fn compared_values(
    metrics: &[Option<&Metric>; COMPARED.len()],
    o: &CycleOutcome,
) -> [f64; COMPARED.len()] {
    std::array::from_fn(|i| {
        let over = COMPARED[i].2;
        metrics[i]
            .filter(|_| in_population(o, over))
            .and_then(|m| m.value(o))
            .unwrap_or(f64::NAN)
    })
}

/// Runs both plans over the same replications, `LOCKSTEP` at a time, into
/// their collectors and the paired streams.
fn run_both(
    (a, b): (&Scenario, &Scenario),
    config: RunConfig,
    progress: &indicatif::ProgressBar,
) -> Result<(Collector, Collector, Vec<Paired>), CliError> {
    let stopped = || "the comparison stopped; nothing was written".to_string();
    let (metrics_a, metrics_b) = (metrics_for(a), metrics_for(b));
    let mut ca = Collector::keeping(metrics_a.clone(), EXACT_UP_TO);
    let mut cb = Collector::keeping(metrics_b.clone(), EXACT_UP_TO);
    let (compared_a, compared_b) = (compared_metrics(&metrics_a), compared_metrics(&metrics_b));
    let mut paired: Vec<Paired> = COMPARED.iter().map(|_| Paired::default()).collect();
    let mut values_a = Vec::new();
    for start in (0..config.replications).step_by(LOCKSTEP as usize) {
        let block = start..(start + LOCKSTEP).min(config.replications);
        values_a.clear();
        progress.set_message("plan A ");
        montecarlo::run_range(a, config, block.clone(), |o| {
            super::interrupt::check(stopped)?;
            ca.push(o);
            values_a.push(compared_values(&compared_a, o));
            progress.inc(1);
            Ok::<(), CliError>(())
        })?;
        progress.set_message("plan B ");
        let mut of_a = values_a.iter();
        montecarlo::run_range(b, config, block, |o| {
            super::interrupt::check(stopped)?;
            cb.push(o);
            let value_a = of_a.next().expect("plan A ran the same replications");
            for ((p, &va), vb) in paired
                .iter_mut()
                .zip(value_a)
                .zip(compared_values(&compared_b, o))
            {
                p.add(va, vb);
            }
            progress.inc(1);
            Ok::<(), CliError>(())
        })?;
    }
    Ok((ca, cb, paired))
}

pub fn compare_command(args: CompareArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let a = load_scenario(&args.a, &args.set)?;
    let mut set_b = args.set.clone();
    set_b.extend(args.set_b.iter().cloned());
    let b = load_scenario(&args.b, &set_b)?;
    let config = super::run_config(&a, args.simulation);
    let progress = super::run::progress_bar(2 * config.replications, args.output.quiet);
    let (ca, cb, paired) = run_both((&a, &b), config, &progress)?;
    progress.finish_and_clear();
    let (sa, sb) = (ca.finish(&a.targets), cb.finish(&b.targets));
    let rows: Vec<CompareRow> = COMPARED
        .iter()
        .zip(&paired)
        .filter_map(|(&(name, _, over), p)| p.row(name, over))
        .collect();
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join("compare"));
    std::fs::create_dir_all(&out).map_err(|e| output_error(&out, e))?;
    let mut set = OutputSet::new();
    let path = out.join("compare.csv");
    let bytes = compare_csv(&rows).map_err(|e| output_error(&path, e))?;
    set.write(&path, &bytes)
        .map_err(|e| output_error(&path, e))?;
    let text = summary_text(&a, &b, &sa, &sb, &rows, config);
    let mut charts = Vec::new();
    if !args.output.no_charts {
        for (id, over, name) in [
            (MetricId::Rpo, a.targets.rpo_over, "rpo"),
            (MetricId::Rto, a.targets.rto_over, "rto"),
        ] {
            let (Some(va), Some(vb)) = (ca.distribution(id, over), cb.distribution(id, over))
            else {
                continue;
            };
            let target = match id {
                MetricId::Rpo => a.targets.rpo,
                _ => a.targets.rto,
            };
            let chart = CompareChart::new(
                &name.to_uppercase(),
                over,
                (&a.name, &va),
                (&b.name, &vb),
                target.map(|t| t.as_secs_f64()),
            );
            charts.push(render_compare(&format!("compare-{name}"), &chart)?);
        }
        write_charts(&mut set, &out, &charts)?;
        let page = html_page(&a, &b, &text, &charts);
        let path = out.join("report.html");
        set.write(&path, page.as_bytes())
            .map_err(|e| output_error(&path, e))?;
    }
    let written = super::commit(set)?;
    if !args.output.quiet {
        match args.output.format {
            OutputFormat::Text => {
                print!("{text}");
                println!("wrote {}", written.join(", "));
            }
            OutputFormat::Json => print!(
                "{}",
                crate::report::json::compare_json(&a.source, &b.source, &rows, &written)
            ),
        }
    }
    Ok(())
}

fn summary_text(
    a: &Scenario,
    b: &Scenario,
    sa: &RunSummary,
    sb: &RunSummary,
    rows: &[CompareRow],
    config: RunConfig,
) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "drsim compare: A `{}` ({}) against B `{}` ({}), {} replications each on common random numbers, seed {}",
        a.name, a.source, b.name, b.source, config.replications, config.seed
    );
    for (label, s) in [("A", sa), ("B", sb)] {
        for (row, v) in s.verdicts() {
            let _ = writeln!(t, "  {label}: {}", verdict_sentence(row, v, &s.outages));
        }
    }
    let _ = writeln!(
        t,
        "  paired difference B - A (mean, 95% interval), and the share of replications where B is lower:"
    );
    for r in rows {
        let show = |v: f64| crate::report::csv::compare_value(&r.metric, v);
        let verdict = if r.ci_high < 0.0 {
            "B lower"
        } else if r.ci_low > 0.0 {
            "B higher"
        } else if r.difference == 0.0 && r.ci_low == 0.0 && r.ci_high == 0.0 {
            "identical"
        } else {
            "no difference shown"
        };
        let _ = writeln!(
            t,
            "    {:<18} over {:<18} A {:>10}  B {:>10}  B - A {:>10} ({} to {})  B lower in {}: {verdict}",
            r.metric,
            r.population.phrase(),
            show(r.mean_a),
            show(r.mean_b),
            show(r.difference),
            show(r.ci_low),
            show(r.ci_high),
            crate::scenario::units::format_share(r.b_better),
        );
    }
    t
}

fn html_page(
    a: &Scenario,
    b: &Scenario,
    text: &str,
    charts: &[crate::report::chart::RenderedChart],
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>drsim compare: {} vs {}</title>\n<style>body{{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em auto;max-width:1060px;color:#222}}pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap;overflow-wrap:anywhere;font-size:0.85em}}svg{{max-width:100%;height:auto}}</style>\n</head>\n<body>\n",
        escape(&a.name),
        escape(&b.name)
    );
    let _ = writeln!(
        h,
        "<h1>drsim compare: {} vs {}</h1>",
        escape(&a.name),
        escape(&b.name)
    );
    let _ = writeln!(
        h,
        "<h2>Comparison</h2>\n<pre id=\"comparison\">{}</pre>",
        escape(text)
    );
    for c in charts {
        let svg = c.svg.find("<svg").map_or(c.svg.as_str(), |i| &c.svg[i..]);
        let _ = writeln!(
            h,
            "<figure id=\"chart-{}\">\n{svg}\n</figure>",
            escape(&c.name)
        );
    }
    let _ = writeln!(
        h,
        "<p><small>Generated by drsim {}; A SHA-256 {}, B SHA-256 {}.</small></p>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION"),
        escape(&a.sha256),
        escape(&b.sha256)
    );
    h
}
