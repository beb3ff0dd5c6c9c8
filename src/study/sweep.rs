//! The same scenario at every point of a grid of values, on common random
//! numbers (replication `k` draws the same numbers at every point, so
//! differences between points are the parameter's, not noise).

use std::ops::Range;

use super::{ArgumentError, RunSettings, StudyError, Watch, check};
use crate::metrics::{MetricId, metrics_for};
use crate::montecarlo;
use crate::scenario::overrides::Override;
use crate::scenario::units::split_number;
use crate::scenario::{Population, ScenarioFile, TargetMetric};
use crate::stats::{Collector, Summary, TargetVerdict};

/// One `--vary`: a key and the values it takes, as TOML values (`"100 Mbps"`
/// quoted, `3` bare).
#[derive(Debug, Clone, PartialEq)]
pub struct Varied {
    pub key: String,
    pub values: Vec<String>,
}

impl Varied {
    /// Reads `KEY=V1,V2,...` or `KEY=FROM..TO:N` (N values evenly spaced).
    pub fn parse(text: &str) -> Result<Varied, ArgumentError> {
        Varied::read(text).map_err(ArgumentError::of("--vary"))
    }

    fn read(text: &str) -> Result<Varied, String> {
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
            if steps > MAX_POINTS {
                return Err(bad(&format!(
                    "{steps} steps is past the {MAX_POINTS} points a sweep runs"
                )));
            }
            let (a, unit_a) =
                split_number(from).ok_or_else(|| bad("the range start is not a number"))?;
            let (b, unit_b) =
                split_number(to).ok_or_else(|| bad("the range end is not a number"))?;
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
            return Ok(Varied { key, values });
        }
        let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
        if values.len() > MAX_POINTS {
            return Err(bad(&format!(
                "{} values is past the {MAX_POINTS} points a sweep runs",
                values.len()
            )));
        }
        if values.iter().any(String::is_empty) {
            return Err(bad("an empty value"));
        }
        Ok(Varied { key, values })
    }
}

/// One point of a grid: each varied key with its value there, in `--vary` order.
pub type Point = Vec<(String, String)>;

/// Every combination of the varied values, first key slowest.
/// The most points a sweep's grid holds: ten thousand runs of the scenario
/// (hours at the replications a point needs); a finer grid is a sizing
/// question (`drsim size`) or several sweeps.
pub const MAX_POINTS: usize = 10_000;

/// Checks that the grid of `varied` holds at most [`MAX_POINTS`] points.
pub fn check_grid(varied: &[Varied]) -> Result<(), ArgumentError> {
    let points = varied
        .iter()
        .try_fold(1usize, |n, v| n.checked_mul(v.values.len()))
        .filter(|&n| n <= MAX_POINTS);
    match points {
        Some(_) => Ok(()),
        None => Err(ArgumentError {
            flag: "--vary",
            message: format!(
                "--vary: the grid of {} has more than the {MAX_POINTS} points a sweep runs; vary fewer values, or size one key with `drsim size`",
                varied
                    .iter()
                    .map(|v| format!("{} values of {}", v.values.len(), v.key))
                    .collect::<Vec<_>>()
                    .join(" by ")
            ),
        }),
    }
}

pub fn grid(varied: &[Varied]) -> Vec<Point> {
    let mut points: Vec<Point> = vec![Vec::new()];
    for v in varied {
        points = points
            .into_iter()
            .flat_map(|p| {
                v.values.iter().map(move |value| {
                    let mut q = p.clone();
                    q.push((v.key.clone(), value.clone()));
                    q
                })
            })
            .collect();
    }
    points
}

/// What a sweep reports at each point: the RPO and the RTO (over the
/// outages their targets are judged on), and with `[operations]` the year's
/// downtime (over every simulated horizon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweptMetric {
    Target(TargetMetric),
    YearDowntime,
}

impl SweptMetric {
    pub const ALL: [SweptMetric; 3] = [
        SweptMetric::Target(TargetMetric::Rpo),
        SweptMetric::Target(TargetMetric::Rto),
        SweptMetric::YearDowntime,
    ];

    /// Its column in `replications.csv`.
    pub fn column(self) -> &'static str {
        match self {
            SweptMetric::Target(m) => m.column(),
            SweptMetric::YearDowntime => "year_downtime_s",
        }
    }

    /// As charts and sentences name it.
    pub fn label(self) -> &'static str {
        match self {
            SweptMetric::Target(m) => m.label(),
            SweptMetric::YearDowntime => "Year-downtime",
        }
    }
}

/// One row of `sweep.csv`: a point of the grid and one metric over the
/// population its target is judged on.
#[derive(Debug, Clone)]
pub struct SweepRow {
    /// 1-based point number.
    pub point: usize,
    /// The varied keys and their values at this point, in `--vary` order.
    pub values: Point,
    pub metric: SweptMetric,
    pub population: Population,
    pub summary: Option<Summary>,
    /// The target in seconds, when there is one.
    pub target: Option<f64>,
    pub verdict: Option<TargetVerdict>,
}

/// Runs the points `range` (0-based, of the whole grid `points`) of the
/// scenario in `file` with `overrides` under every point's values; two rows
/// per point (the RPO's, then the RTO's).
pub fn sweep(
    file: &ScenarioFile,
    overrides: &[Override],
    points: &[Point],
    range: Range<usize>,
    settings: RunSettings,
    watch: &dyn Watch,
) -> Result<Vec<SweepRow>, StudyError> {
    let mut rows = Vec::new();
    for (index, point) in points.iter().enumerate().take(range.end).skip(range.start) {
        let mut at = overrides.to_vec();
        for (k, v) in point {
            at.push(Override::parse_as("--vary", &format!("{k}={v}"))?);
        }
        let s = file.load(&at)?;
        let config = settings.config(&s);
        watch.grow(config.replications);
        watch.label(&format!("point {}/{} ", index + 1, points.len()));
        let mut collector = Collector::new(metrics_for(&s));
        montecarlo::run(&s, config, |o| {
            check(watch)?;
            collector.push(o);
            watch.advance();
            Ok::<(), StudyError>(())
        })?;
        for metric in TargetMetric::ALL {
            let target = s.targets.of(metric);
            let (summary, fraction) = collector
                .summary(MetricId::from(target), target.over)
                .unwrap_or_default();
            let verdict =
                fraction.map(|f| TargetVerdict::judge(f, s.targets.required_fraction, target.over));
            rows.push(SweepRow {
                point: index + 1,
                values: point.clone(),
                metric: SweptMetric::Target(metric),
                population: target.over,
                summary: summary.clone(),
                target: target.threshold.map(|t| t.as_secs_f64()),
                verdict,
            });
        }
        if s.operations.is_some() {
            let (summary, _) = collector
                .summary(MetricId::YearDowntime, Population::All)
                .unwrap_or_default();
            rows.push(SweepRow {
                point: index + 1,
                values: point.clone(),
                metric: SweptMetric::YearDowntime,
                population: Population::All,
                summary,
                target: None,
                verdict: None,
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_ranges_expand() {
        assert_eq!(
            Varied::parse("link.wan.bandwidth=100Mbps..300Mbps:3").expect("range"),
            Varied {
                key: "link.wan.bandwidth".to_string(),
                values: vec![
                    "\"100 Mbps\"".into(),
                    "\"200 Mbps\"".into(),
                    "\"300 Mbps\"".into()
                ]
            }
        );
        assert_eq!(Varied::parse("a.b=1,2").expect("list").values, ["1", "2"]);
        assert!(Varied::parse("a.b=1Mbps..2GB:3").is_err());
        assert!(Varied::parse("a.b").is_err());
        let g = grid(&[
            Varied {
                key: "a".into(),
                values: vec!["1".into(), "2".into()],
            },
            Varied {
                key: "b".into(),
                values: vec!["x".into(), "y".into(), "z".into()],
            },
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
