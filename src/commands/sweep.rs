//! `drsim sweep`: the same scenario at every point of a grid of values, on
//! common random numbers (replication `k` draws the same numbers at every
//! point, so differences between points are the parameter's, not noise).

use std::path::{Path, PathBuf};

use super::{CliError, load_scenario, output_error, write_charts};
use crate::cli::{OutputFormat, SweepCommand};
use crate::metrics::{MetricId, metrics_for};
use crate::montecarlo;
use crate::report::OutputSet;
use crate::report::chart::sweep::{SweepChart, render_sweep};
use crate::report::csv::{SweepRow, sweep_csv};
use crate::scenario::units::split_number;
use crate::stats::{Collector, TargetVerdict};

use super::sweep_shard::{self, SweepShardFile};

/// `drsim sweep`'s arguments.
pub type SweepArgs = SweepCommand;

/// One `--vary KEY=V1,V2,...` or `--vary KEY=FROM..TO:N`: the key and its values.
pub(super) fn parse_vary(text: &str) -> Result<(String, Vec<String>), String> {
    let bad = |why: &str| {
        format!(
            "--vary {text}: {why}; write KEY=V1,V2,... or KEY=FROM..TO:N, e.g. --vary link.wan.bandwidth=100Mbps..500Mbps:5"
        )
    };
    let (key, values) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let key = key.trim().to_string();
    if let Some((range, steps)) = values.split_once(':')
        && let Some((from, to)) = range.split_once("..")
    {
        let steps: usize = steps
            .trim()
            .parse()
            .map_err(|_| bad("the step count is not a whole number"))?;
        if steps < 2 {
            return Err(bad("a range needs at least 2 steps"));
        }
        let (a, unit_a) =
            split_number(from).ok_or_else(|| bad("the range start is not a number"))?;
        let (b, unit_b) = split_number(to).ok_or_else(|| bad("the range end is not a number"))?;
        if unit_a != unit_b {
            return Err(bad("both ends of a range need the same unit"));
        }
        let values = (0..steps)
            .map(|i| {
                let v = a + (b - a) * i as f64 / (steps - 1) as f64;
                let v = (v * 1e6).round() / 1e6;
                if unit_a.is_empty() {
                    format!("{v}")
                } else {
                    format!("\"{v} {unit_a}\"")
                }
            })
            .collect();
        return Ok((key, values));
    }
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if values.iter().any(String::is_empty) {
        return Err(bad("an empty value"));
    }
    Ok((key, values))
}

/// Every combination of the varied values, first key slowest.
pub(super) fn grid(varied: &[(String, Vec<String>)]) -> Vec<Vec<(String, String)>> {
    let mut points: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (key, values) in varied {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push((key.clone(), v.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

/// The varied keys with their values, from the `--vary` arguments.
pub(super) fn varied_of(vary: &[String]) -> Result<Vec<(String, Vec<String>)>, CliError> {
    let varied: Vec<(String, Vec<String>)> = vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<Result<_, _>>()
        .map_err(|message| super::usage_error("--vary", message))?;
    if varied.is_empty() {
        return Err(super::usage_error(
            "--vary",
            "say what to vary: --vary KEY=V1,V2,...".into(),
        ));
    }
    Ok(varied)
}

pub fn sweep_command(args: SweepArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let shard = super::parse_shard(&args.shard)?;
    let quiet = args.output.quiet;
    let varied = varied_of(&args.vary)?;
    let points = grid(&varied);
    let progress = super::run::progress_bar(0, quiet);
    let mut rows = Vec::new();
    // A shard runs only its slice of the points (numbered as in the whole grid).
    let range = shard.map_or(0..points.len(), |shard| {
        let r = shard.range(points.len() as u64);
        r.start as usize..r.end as usize
    });
    for (index, point) in points.iter().enumerate().take(range.end).skip(range.start) {
        let mut sets = args.scenario.set.clone();
        sets.extend(point.iter().map(|(k, v)| format!("{k}={v}")));
        let s = load_scenario(&args.scenario.scenario, &sets)?;
        let config = super::run_config(&s, args.simulation);
        progress.inc_length(config.replications);
        progress.set_message(format!("point {}/{} ", index + 1, points.len()));
        let mut collector = Collector::new(metrics_for(&s));
        montecarlo::run(&s, config, |o| {
            super::interrupt::check(|| {
                format!(
                    "the sweep stopped at point {} of {}; nothing was written",
                    index + 1,
                    points.len()
                )
            })?;
            collector.push(o);
            progress.inc(1);
            Ok::<(), CliError>(())
        })?;
        let targets = &s.targets;
        for (name, id, target, over) in [
            ("rpo_s", MetricId::Rpo, targets.rpo, targets.rpo_over),
            ("rto_s", MetricId::Rto, targets.rto, targets.rto_over),
        ] {
            let (summary, fraction) = collector.summary(id, over).unwrap_or_default();
            let verdict =
                fraction.map(|f| TargetVerdict::judge(f, targets.required_fraction, over));
            rows.push(SweepRow {
                point: index + 1,
                values: point.clone(),
                metric: name.to_string(),
                population: over,
                summary: summary.clone(),
                target: target.map(|t| t.as_secs_f64()),
                verdict,
            });
        }
    }
    progress.finish_and_clear();
    let out = args
        .output
        .out
        .clone()
        .unwrap_or_else(|| sweep_dir(&args.scenario.scenario));
    if let Some(shard) = shard {
        let file = SweepShardFile::new(&args, shard, points.len(), range.start, &rows)?;
        let written = sweep_shard::write(&out, &file)?;
        if !quiet {
            println!(
                "sweep shard {}: points {} to {} of {}; wrote {written}",
                shard.label(),
                range.start + 1,
                range.end,
                points.len()
            );
        }
        return Ok(());
    }
    let outputs = SweepOutputs {
        out: &out,
        quiet,
        charts: !args.output.no_charts,
        format: args.output.format,
    };
    write_outputs(&outputs, &varied, &points, &rows)
}

/// Where and how a sweep's results are written (a whole sweep, or merged shards).
#[derive(Debug)]
pub(super) struct SweepOutputs<'a> {
    pub out: &'a Path,
    pub quiet: bool,
    pub charts: bool,
    pub format: OutputFormat,
}

/// Writes `sweep.csv` and the charts of `rows` (every point of the grid),
/// then prints the summary.
pub(super) fn write_outputs(
    o: &SweepOutputs<'_>,
    varied: &[(String, Vec<String>)],
    points: &[Vec<(String, String)>],
    rows: &[SweepRow],
) -> Result<(), CliError> {
    let out = o.out.to_path_buf();
    std::fs::create_dir_all(&out).map_err(|e| output_error(&out, e))?;
    let mut set = OutputSet::new();
    let path = out.join("sweep.csv");
    let bytes = sweep_csv(rows).map_err(|e| output_error(&path, e))?;
    set.write(&path, &bytes)
        .map_err(|e| output_error(&path, e))?;
    if o.charts {
        let labels: Vec<String> = points
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(_, v)| v.trim_matches('"').to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        let axis = varied
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut charts = Vec::new();
        for metric in ["rpo_s", "rto_s"] {
            let chart = SweepChart::new(metric, &axis, &labels, rows);
            if let Some(chart) = chart {
                charts.push(render_sweep(
                    &format!("sweep-{}", metric.trim_end_matches("_s")),
                    &chart,
                )?);
            }
        }
        write_charts(&mut set, &out, &charts)?;
    }
    let written = super::commit(set)?;
    if !o.quiet && o.format == OutputFormat::Json {
        print!("{}", crate::report::json::sweep_json(rows, &written));
    } else if !o.quiet {
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
                        crate::scenario::units::format_duration_short(s.p50),
                        crate::scenario::units::format_duration_short(s.p95)
                    )
                },
            );
            let verdict = row.verdict.map_or_else(String::new, |v| {
                format!(
                    ", target met in {} ({})",
                    crate::scenario::units::format_share(v.fraction.fraction),
                    v.verdict.name()
                )
            });
            println!(
                "point {} {what}: {} over {}: {stats}{verdict}",
                row.point,
                row.metric,
                row.population.phrase()
            );
        }
        println!("wrote {}", written.join(", "));
    }
    Ok(())
}

/// `results/<scenario file stem>-sweep/`.
pub(super) fn sweep_dir(scenario: &Path) -> PathBuf {
    super::output_dir_with_suffix(scenario, "-sweep")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_ranges_expand() {
        assert_eq!(
            parse_vary("link.wan.bandwidth=100Mbps..300Mbps:3").expect("range"),
            (
                "link.wan.bandwidth".to_string(),
                vec![
                    "\"100 Mbps\"".into(),
                    "\"200 Mbps\"".into(),
                    "\"300 Mbps\"".into()
                ]
            )
        );
        assert_eq!(parse_vary("a.b=1,2").expect("list").1, ["1", "2"]);
        assert!(parse_vary("a.b=1Mbps..2GB:3").is_err());
        assert!(parse_vary("a.b").is_err());
        let g = grid(&[
            ("a".into(), vec!["1".into(), "2".into()]),
            ("b".into(), vec!["x".into(), "y".into(), "z".into()]),
        ]);
        assert_eq!(g.len(), 6);
        assert_eq!(
            g[1],
            [
                ("a".to_string(), "1".to_string()),
                ("b".to_string(), "y".to_string())
            ]
        );
    }
}
