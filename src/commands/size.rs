//! `drsim size`: the smallest (or largest) value of one scenario key that meets
//! a target at a percentile, by bisection on common random numbers, as the
//! Deployment Planner sizes bandwidth, but from the whole cycle's physics.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use super::shard::Shard;
use super::size_shard::{SharedProbes, SizeJob};
use super::{CliError, load_scenario, usage_error};
use crate::cli::OutputFormat;
use crate::metrics::{MetricId, in_population};
use crate::montecarlo::{self, RunConfig};
use crate::scenario::units::{
    format_duration_short, format_share, parse_duration, parse_rate, parse_size, split_number,
};
use crate::stats::{Z_95, wilson_interval};

/// `drsim size`'s arguments, as parsed.
#[derive(Debug, Clone)]
pub struct SizeArgs {
    pub scenario: PathBuf,
    pub set: Vec<String>,
    pub target: String,
    pub vary: String,
    pub between: String,
    pub replications: Option<u64>,
    pub seed: Option<u64>,
    pub threads: Option<usize>,
    pub tolerance: f64,
    pub format: OutputFormat,
    /// With `out`: this process's part of a search shared through `out`
    /// (docs/scale-out.md); `out` alone is a search of one shard there.
    pub shard: Option<Shard>,
    pub out: Option<PathBuf>,
    /// After how long without a sign of life another shard's claim on a
    /// slice is taken over.
    pub claim_timeout: Duration,
}

/// A target to size for: `rpo<=15m@95%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizingTarget {
    pub metric: MetricId,
    pub threshold_s: f64,
    pub fraction: f64,
}

pub fn parse_target(text: &str) -> Result<SizingTarget, String> {
    let bad = || {
        format!("--target {text}: write METRIC<=DURATION@PERCENT, e.g. rpo<=15m@95% or rto<=4h@99%")
    };
    let (lhs, rest) = text.split_once("<=").ok_or_else(bad)?;
    let metric = match lhs.trim().to_lowercase().as_str() {
        "rpo" => MetricId::Rpo,
        "rto" => MetricId::Rto,
        _ => return Err(bad()),
    };
    let (threshold, percent) = rest.split_once('@').ok_or_else(bad)?;
    let threshold_s =
        parse_duration(threshold.trim()).map_err(|e| format!("--target {text}: {e}"))?;
    let percent: f64 = percent
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| bad())?;
    if !(0.0 < percent && percent <= 100.0) {
        return Err(bad());
    }
    Ok(SizingTarget {
        metric,
        threshold_s,
        fraction: percent / 100.0,
    })
}

/// One probe: the value tried, the replications meeting, and the total.
type Probe = (f64, usize, usize);

struct Sizer<'a> {
    args: &'a SizeArgs,
    target: SizingTarget,
    unit: String,
    probes: Vec<Probe>,
    progress: indicatif::ProgressBar,
    /// The search's directory, with `--out`, once the first probe joined it.
    shared: Option<SharedProbes>,
}

impl Sizer<'_> {
    /// Runs the scenario with the key at `value`: replications meeting the threshold, and the total.
    fn probe(&mut self, value: f64) -> Result<(usize, usize), CliError> {
        if let Some(&(_, met, total)) = self.probes.iter().find(|p| p.0 == value) {
            return Ok((met, total));
        }
        let s = load_scenario(&self.args.scenario, &sets_at(self.args, value, &self.unit))?;
        // The search's directory is joined once the first probe's scenario
        // has loaded: a bad scenario, --set or --vary writes nothing.
        if let (None, Some(dir)) = (&self.shared, &self.args.out) {
            let shard = self.args.shard.unwrap_or(Shard { index: 1, count: 1 });
            let job = SizeJob::of(self.args, shard.count)?;
            self.shared = Some(SharedProbes::join(
                dir,
                shard,
                &job,
                self.args.claim_timeout,
            )?);
        }
        let mut config = RunConfig::from_scenario(&s);
        config.replications = self.args.replications.unwrap_or(config.replications);
        config.seed = self.args.seed.unwrap_or(config.seed);
        config.threads = self.args.threads;
        self.progress.set_message(format!(
            "probe {} {}={value} {} ",
            self.probes.len() + 1,
            self.args.vary,
            self.unit
        ));
        let progress = &self.progress;
        let over = match self.target.metric {
            MetricId::Rpo => s.targets.rpo_over,
            _ => s.targets.rto_over,
        };
        // Only the count meeting the threshold matters: nothing is kept.
        let metric = crate::metrics::metrics_for(&s)
            .into_iter()
            .find(|m| m.id() == self.target.metric)
            .expect("every run collects the RPO and the RTO");
        let threshold = self.target.threshold_s;
        let stopped = match &self.args.out {
            Some(dir) => format!(
                "the search stopped; the slices done are kept in {} for a rerun",
                dir.display()
            ),
            None => "the search stopped; nothing was written".to_string(),
        };
        let count = |range: std::ops::Range<u64>| {
            progress.inc_length(range.end - range.start);
            let (mut met, mut total) = (0, 0);
            montecarlo::run_range(&s, config, range, |o| {
                super::interrupt::check(|| stopped.clone())?;
                if let Some(v) = metric.value(o).filter(|_| in_population(o, over)) {
                    total += 1;
                    met += usize::from(v <= threshold);
                }
                progress.inc(1);
                Ok::<(), CliError>(())
            })?;
            Ok((met, total))
        };
        let (met, total) = match &self.shared {
            Some(shared) => shared.counts(value, config.replications, count)?,
            None => count(0..config.replications)?,
        };
        self.probes.push((value, met, total));
        Ok((met, total))
    }

    /// The value at which `meets` turns true between `lo` and `hi` (`rising`:
    /// higher values meet), to the relative tolerance.
    fn bisect(
        &mut self,
        mut lo: f64,
        mut hi: f64,
        rising: bool,
        meets: &dyn Fn(usize, usize) -> bool,
    ) -> Result<Option<f64>, CliError> {
        let at = |s: &mut Self, v: f64| -> Result<bool, CliError> {
            let (m, t) = s.probe(v)?;
            Ok(meets(m, t))
        };
        let (good, bad) = if rising { (hi, lo) } else { (lo, hi) };
        if !at(self, good)? {
            return Ok(None);
        }
        if at(self, bad)? {
            return Ok(Some(bad));
        }
        for _ in 0..60 {
            if (hi - lo).abs() <= self.args.tolerance * hi.abs().max(lo.abs()) {
                break;
            }
            let mid = (lo + hi) / 2.0;
            let ok = at(self, mid)?;
            if ok == rising {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Some(if rising { hi } else { lo }))
    }
}

pub fn size_command(args: SizeArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let target = parse_target(&args.target).map_err(|m| usage_error("--target", m))?;
    let (from, to) = args.between.split_once("..").ok_or_else(|| {
        usage_error(
            "--between",
            format!(
                "--between {}: write FROM..TO with a unit, e.g. 10Mbps..2Gbps",
                args.between
            ),
        )
    })?;
    let parse = |t: &str| split_number(t).map(|(v, u)| (v, u.to_string()));
    let ((lo, unit_lo), (hi, unit_hi)) = match (parse(from), parse(to)) {
        (Some(a), Some(b)) => (a, b),
        _ => {
            return Err(usage_error(
                "--between",
                format!("--between {}: both ends need a number", args.between),
            ));
        }
    };
    // Ends written in different units of one quantity (`1m..3h`, `500Mbps..2Gbps`)
    // are searched in the first end's unit.
    let hi = if unit_lo == unit_hi {
        hi
    } else {
        in_unit_of(to, &unit_lo).unwrap_or(f64::NAN)
    };
    if hi.is_nan() || lo >= hi {
        return Err(usage_error(
            "--between",
            format!(
                "--between {}: write FROM..TO, FROM below TO, in units of one quantity (a duration, rate or size)",
                args.between
            ),
        ));
    }
    let mut sizer = Sizer {
        args: &args,
        target,
        unit: unit_lo.clone(),
        probes: Vec::new(),
        progress: super::run::progress_bar(0, false),
        shared: None,
    };
    // Which way the key helps: compare the ends.
    let (m_lo, t_lo) = sizer.probe(lo)?;
    let (m_hi, t_hi) = sizer.probe(hi)?;
    let share = |m: usize, t: usize| m as f64 / t.max(1) as f64;
    let rising = share(m_hi, t_hi) >= share(m_lo, t_lo);
    let what = match target.metric {
        MetricId::Rpo => "RPO",
        _ => "RTO",
    };
    let required = target.fraction;
    let mut lines = Vec::new();
    for (label, fraction) in [
        (format_share(required), required),
        ("90%".to_string(), 0.90),
        ("100% of the sample".to_string(), 1.0),
    ] {
        // A required 90 % or 100 % is already the first answer.
        if !lines.is_empty() && (fraction - required).abs() < 1e-12 {
            continue;
        }
        let point = sizer.bisect(lo, hi, rising, &|m, t| share(m, t) >= fraction - 1e-12)?;
        lines.push((label, fraction, point));
    }
    // The interval sampling error leaves around the required percentile: the
    // value at which the 95 % interval's upper bound reaches it (could meet)
    // and the one at which its lower bound does (surely meets).
    let could = sizer.bisect(lo, hi, rising, &|m, t| {
        wilson_interval(m, t, Z_95).1 >= required
    })?;
    let surely = sizer.bisect(lo, hi, rising, &|m, t| {
        wilson_interval(m, t, Z_95).0 >= required
    })?;
    // The search assumes the met share moves one way with the value: check it.
    let mut probes = sizer.probes.clone();
    probes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let shares: Vec<f64> = probes.iter().map(|p| share(p.1, p.2)).collect();
    let monotone = shares
        .windows(2)
        .all(|w| if rising { w[1] >= w[0] } else { w[1] <= w[0] });
    sizer.progress.finish_and_clear();
    let interval = match (could, surely) {
        (Some(a), Some(b)) => Some((round(a.min(b)), round(a.max(b)))),
        _ => None,
    };
    let answers: Vec<(f64, Option<f64>)> =
        lines.iter().map(|(_, f, p)| (*f, p.map(round))).collect();
    let json = crate::report::json::size_json(&crate::report::json::SizeReport {
        vary: &args.vary,
        unit: &unit_lo,
        metric: what,
        threshold_s: target.threshold_s,
        required,
        between: (lo, hi),
        higher_meets: rising,
        answers: &answers,
        interval,
        probes: &probes,
        monotone,
    });
    let mut text = format!(
        "sizing {} for {what} <= {} ({} of the outages of its population), between {lo} and {hi} {unit_lo}: {} values meet it\n",
        args.vary,
        format_duration_short(target.threshold_s),
        format_share(target.fraction),
        if rising { "higher" } else { "lower" }
    );
    for (label, _, point) in &lines {
        let _ = match point {
            Some(v) => writeln!(text, "  to meet it in {label}: {} {unit_lo}", round(*v)),
            None => writeln!(
                text,
                "  to meet it in {label}: not within {lo}..{hi} {unit_lo}"
            ),
        };
    }
    let _ = match interval {
        Some((a, b)) => writeln!(
            text,
            "  sampling error leaves {a} to {b} {unit_lo} for {} (95% interval)",
            format_share(required)
        ),
        None => writeln!(text, "  the 95% interval does not settle within the range"),
    };
    let _ = if monotone {
        writeln!(
            text,
            "  {} probes on common random numbers, each judged over {} outages of the population; the met share moved one way at every probe",
            probes.len(),
            probes.first().map_or(0, |p| p.2)
        )
    } else {
        writeln!(
            text,
            "  warning: the met share did not move one way with {} across the {} probes: the answers above may not be the only crossing (sampling noise, or a population that changes with the value, e.g. more outages ridden out, can do this)",
            args.vary,
            probes.len()
        )
    };
    if let Some(shared) = &sizer.shared {
        shared.publish_answer(&text, &json)?;
    }
    match args.format {
        OutputFormat::Json => print!("{json}"),
        OutputFormat::Text => print!("{text}"),
    }
    Ok(())
}

/// The `--set` overrides of the probe at `value` (in `unit`).
fn sets_at(args: &SizeArgs, value: f64, unit: &str) -> Vec<String> {
    let mut sets = args.set.clone();
    sets.push(format!("{}=\"{value} {unit}\"", args.vary));
    sets
}

/// `text` (a duration, rate or size) expressed in `unit`, e.g. `3h` in `m` is
/// 180; `None` when the two are not the same kind of quantity.
fn in_unit_of(text: &str, unit: &str) -> Option<f64> {
    type Parser = fn(&str) -> Result<f64, String>;
    let parsers: [Parser; 3] = [parse_duration, parse_rate, parse_size];
    parsers.iter().find_map(|parse| {
        let value = parse(text.trim()).ok()?;
        let one = parse(&format!("1 {unit}")).ok()?;
        (one > 0.0).then(|| value / one)
    })
}

/// Four significant digits for the printed answers.
fn round(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        let t = parse_target("rpo<=15m@95%").expect("valid");
        assert_eq!(
            (t.metric, t.threshold_s, t.fraction),
            (MetricId::Rpo, 900.0, 0.95)
        );
        assert_eq!(parse_target("RTO<=4h@99").expect("valid").fraction, 0.99);
        assert!(parse_target("rpo<15m@95%").is_err());
        assert!(parse_target("lag<=15m@95%").is_err());
        assert!(parse_target("rpo<=15m@120%").is_err());
    }

    #[test]
    fn ends_in_other_units_convert() {
        assert_eq!(in_unit_of("3h", "m"), Some(180.0));
        assert_eq!(in_unit_of("2Gbps", "Mbps"), Some(2000.0));
        assert_eq!(in_unit_of("1 TB/day", "GB/day"), Some(1000.0));
        assert_eq!(in_unit_of("3h", "Mbps"), None);
    }
}
