//! Sizing: the value of one scenario key at which a target is met in a
//! required share of the outages, by bisection on common random numbers (as
//! the Deployment Planner sizes bandwidth, but from the whole cycle's
//! physics).
//!
//! The search is pure: it asks a probe for the counts at a value (how many
//! outages of the target's population met the threshold, out of how many)
//! and decides from those integers alone, so every process that sees the
//! same counts takes the same steps (`size --shard`). Before bisecting it
//! finds out which way the key moves the met share, and says so when it does
//! not move it at all, or when the range's ends already answer the question.

use std::ops::Range;

use serde::Serialize;

use super::{ArgumentError, StudyError, Watch, check};
use crate::metrics::{MetricId, in_population, metrics_for};
use crate::montecarlo::{self, RunConfig};
use crate::scenario::units::{in_unit_of, parse_duration, split_number};
use crate::scenario::{Population, Scenario, TargetMetric};
use crate::stats::{Z_95, wilson_interval};

/// A target to size for: `rpo<=15m@95%`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizingTarget {
    pub metric: SizedMetric,
    /// The threshold in seconds (for [`SizedMetric::Availability`], unused:
    /// it becomes a downtime once the horizon is known).
    pub threshold_s: f64,
    pub fraction: f64,
}

/// What a sizing bounds: the RPO or the RTO (over the outages their targets
/// are judged on), or, in a year of operations, the year's downtime or its
/// availability (`availability>=99.95%`, which is `year_downtime_s <= (1 -
/// 0.9995) x horizon`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizedMetric {
    Target(TargetMetric),
    YearDowntime,
    Availability(f64),
}

impl SizingTarget {
    /// Reads `METRIC<=DURATION@PERCENT` (`rpo<=15m@95%`, `RTO<=4h@99`,
    /// `year_downtime<=8h@90%`) or `availability>=SHARE@PERCENT`
    /// (`availability>=99.95%@90%`).
    pub fn parse(text: &str) -> Result<SizingTarget, ArgumentError> {
        SizingTarget::read(text).map_err(ArgumentError::of("--target"))
    }

    fn read(text: &str) -> Result<SizingTarget, String> {
        let bad = || {
            format!(
                "--target {text}: write METRIC<=DURATION@PERCENT (METRIC one of rpo, rto, year_downtime), e.g. rpo<=15m@95% or rto<=4h@99%, or availability>=SHARE@PERCENT, e.g. availability>=99.95%@90%"
            )
        };
        let percent_of = |text: &str| -> Result<f64, String> {
            let percent: f64 = text
                .trim()
                .trim_end_matches('%')
                .parse()
                .map_err(|_| bad())?;
            if !(0.0 < percent && percent <= 100.0) {
                return Err(bad());
            }
            Ok(percent / 100.0)
        };
        if let Some((lhs, rest)) = text.split_once(">=") {
            if lhs.trim().to_lowercase() != "availability" {
                return Err(bad());
            }
            let (share, percent) = rest.split_once('@').ok_or_else(bad)?;
            let share = percent_of(share)?;
            if share >= 1.0 {
                return Err(format!(
                    "--target {text}: an availability target must be below 100% (every year has some chance of a disaster)"
                ));
            }
            return Ok(SizingTarget {
                metric: SizedMetric::Availability(share),
                threshold_s: 0.0,
                fraction: percent_of(percent)?,
            });
        }
        let (lhs, rest) = text.split_once("<=").ok_or_else(bad)?;
        let metric = match lhs.trim().to_lowercase().as_str() {
            "rpo" => SizedMetric::Target(TargetMetric::Rpo),
            "rto" => SizedMetric::Target(TargetMetric::Rto),
            "year_downtime" | "year_downtime_s" => SizedMetric::YearDowntime,
            _ => return Err(bad()),
        };
        let (threshold, percent) = rest.split_once('@').ok_or_else(bad)?;
        let threshold_s =
            parse_duration(threshold.trim()).map_err(|e| format!("--target {text}: {e}"))?;
        Ok(SizingTarget {
            metric,
            threshold_s,
            fraction: percent_of(percent)?,
        })
    }

    /// "RPO", "RTO", "year downtime" or "availability".
    pub fn metric_label(&self) -> &'static str {
        match self.metric {
            SizedMetric::Target(m) => m.label(),
            SizedMetric::YearDowntime => "year downtime",
            SizedMetric::Availability(_) => "availability",
        }
    }

    /// The target as written back: `RPO <= 15m00s`, `availability >= 99.950%`.
    pub fn bound_text(&self) -> String {
        match self.metric {
            SizedMetric::Availability(a) => format!(
                "availability >= {}",
                crate::scenario::units::format_availability(a)
            ),
            _ => format!(
                "{} <= {}",
                self.metric_label(),
                crate::scenario::units::format_duration_short(self.threshold_s)
            ),
        }
    }

    /// Why `s` cannot be sized for this target, if it cannot: the year's
    /// metrics need `[operations]`.
    pub fn unfit_for(&self, s: &Scenario) -> Option<String> {
        match self.metric {
            SizedMetric::Target(_) => None,
            _ if s.operations.is_some() => None,
            _ => Some(format!(
                "--target: the {} is a year of operations' figure; the scenario has no `[operations] horizon` (docs/scenario-format.md)",
                self.metric_label()
            )),
        }
    }

    /// Runs replications `range` of `s`: how many of the outages the
    /// scenario judges this metric's target over meet the threshold, of how
    /// many (nothing is kept).
    pub fn count(
        &self,
        s: &Scenario,
        config: RunConfig,
        range: Range<u64>,
        watch: &dyn Watch,
    ) -> Result<Counts, StudyError> {
        let (id, over, threshold_s) = match self.metric {
            SizedMetric::Target(m) => {
                let target = s.targets.of(m);
                (MetricId::from(target), target.over, self.threshold_s)
            }
            SizedMetric::YearDowntime => {
                (MetricId::YearDowntime, Population::All, self.threshold_s)
            }
            SizedMetric::Availability(a) => {
                let horizon = s
                    .operations
                    .as_ref()
                    .map_or(0.0, |o| o.horizon.as_secs_f64());
                (MetricId::YearDowntime, Population::All, (1.0 - a) * horizon)
            }
        };
        let metric = metrics_for(s).into_iter().find(|m| m.id() == id).expect(
            "every run collects the RPO and the RTO, a year its downtime (checked by unfit_for)",
        );
        watch.grow(range.end - range.start);
        let mut counts = Counts::default();
        montecarlo::run_range(s, config, range, |o| {
            check(watch)?;
            if in_population(o, over) {
                match metric.value(o) {
                    Some(v) => counts.add(v, threshold_s),
                    // No value in the population (an RPO over capacity, a
                    // plan never completed): the threshold is missed; the
                    // history's value still tells whether the key moves it.
                    None => counts.add_missed(metric.history_value(o).unwrap_or(0.0)),
                }
            }
            watch.advance();
            Ok::<(), StudyError>(())
        })?;
        Ok(counts)
    }
}

/// The range a key is searched over, in one unit of its quantity.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRange {
    pub lo: f64,
    pub hi: f64,
    /// The unit both ends are in (`Mbps`, `m`, `GB/day`), as written.
    pub unit: String,
    /// Whether the range is the documented default (the key's own value
    /// divided and multiplied by [`DEFAULT_SPAN`]) rather than `--between`.
    pub default: bool,
}

/// Without `--between`, a key is searched from its value in the scenario
/// divided by this to its value multiplied by it: four decades, where the
/// answers architects look for lie (a link a hundred times faster or slower
/// than the one planned is another design).
pub const DEFAULT_SPAN: f64 = 100.0;

impl SearchRange {
    /// `FROM..TO` with a unit (`10Mbps..2Gbps`: ends in different units of
    /// one quantity are searched in the first end's unit).
    pub fn parse(text: &str) -> Result<SearchRange, ArgumentError> {
        SearchRange::read(text).map_err(ArgumentError::of("--between"))
    }

    fn read(text: &str) -> Result<SearchRange, String> {
        let (from, to) = text.split_once("..").ok_or_else(|| {
            format!("--between {text}: write FROM..TO with a unit, e.g. 10Mbps..2Gbps")
        })?;
        let parse = |t: &str| split_number(t).map(|(v, u)| (v, u.to_string()));
        let ((lo, unit_lo), (hi, unit_hi)) = match (parse(from), parse(to)) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(format!("--between {text}: both ends need a number")),
        };
        let hi = if unit_lo == unit_hi {
            hi
        } else {
            in_unit_of(to, &unit_lo).unwrap_or(f64::NAN)
        };
        if !lo.is_finite() || !hi.is_finite() || lo >= hi {
            return Err(format!(
                "--between {text}: write FROM..TO, FROM below TO, in units of one quantity (a duration, rate or size)"
            ));
        }
        Ok(SearchRange {
            lo,
            hi,
            unit: unit_lo,
            default: false,
        })
    }

    /// The default range around `current`, the key's value in the scenario
    /// (`"300 Mbps"`, `"30m"`); `key` names it in the message.
    pub fn around(key: &str, current: Option<&str>) -> Result<SearchRange, ArgumentError> {
        SearchRange::read_around(key, current).map_err(ArgumentError::of("--between"))
    }

    fn read_around(key: &str, current: Option<&str>) -> Result<SearchRange, String> {
        let hint = "give the range to search, e.g. --between 10Mbps..2Gbps";
        let Some(current) = current else {
            return Err(format!(
                "--vary {key}: the scenario gives no single value for it to search around; {hint}"
            ));
        };
        match split_number(current) {
            Some((v, unit)) if v > 0.0 && v.is_finite() && !unit.is_empty() => Ok(SearchRange {
                lo: v / DEFAULT_SPAN,
                hi: v * DEFAULT_SPAN,
                unit: unit.to_string(),
                default: true,
            }),
            _ => Err(format!(
                "--vary {key}: its value in the scenario (`{current}`) is not a positive quantity with a unit to search around; {hint}"
            )),
        }
    }

    /// `LO..HI UNIT`, as the job file of a shared search records it.
    pub fn label(&self) -> String {
        format!("{}..{} {}", self.lo, self.hi, self.unit)
    }
}

/// What one probe counts over the replications of the target's population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Replications meeting the threshold.
    pub met: usize,
    /// Replications in the population.
    pub total: usize,
    /// The metric summed over the population, in whole milliseconds (the
    /// engine's resolution, so the sum is exact and the same however the
    /// replications are split): values of the key that leave every
    /// replication's metric as it was give the same sum.
    pub sum_ms: u64,
}

impl Counts {
    /// Adds one replication of the population whose metric is `value_s`.
    pub fn add(&mut self, value_s: f64, threshold_s: f64) {
        self.total += 1;
        self.met += usize::from(value_s <= threshold_s);
        self.sum_ms = self
            .sum_ms
            .saturating_add((value_s * 1000.0).round().max(0.0) as u64);
    }
}

impl Counts {
    /// Adds one replication of the population that has no value (over
    /// capacity): a miss, whose simulated `history_s` joins the sum.
    pub fn add_missed(&mut self, history_s: f64) {
        self.add(history_s, f64::NEG_INFINITY);
    }
}

impl std::ops::Add for Counts {
    type Output = Counts;
    fn add(self, o: Counts) -> Counts {
        Counts {
            met: self.met + o.met,
            total: self.total + o.total,
            sum_ms: self.sum_ms.saturating_add(o.sum_ms),
        }
    }
}

/// One probe: the value tried, the replications of the population meeting
/// the threshold there, and the replications of the population.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Probe {
    pub met: usize,
    pub total: usize,
    pub value: f64,
    #[serde(skip)]
    pub sum_ms: u64,
}

impl Probe {
    pub fn share(&self) -> f64 {
        self.met as f64 / self.total.max(1) as f64
    }
}

/// Which way the key moves the share of outages meeting the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    HigherValuesMeet,
    LowerValuesMeet,
    /// The same counts at both ends and midway: within the range the key
    /// does not move the metric (or not across the threshold).
    None,
}

/// Where one required share is met within the range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// Met from this value on (to the tolerance), towards the end that helps.
    Found(f64),
    /// The range's end that helps least already meets it: the answer lies
    /// beyond that end, outside the range.
    AlreadyMet { end: f64, share: f64 },
    /// Not met even at the end that helps most.
    NotReached { end: f64, share: f64 },
    /// The key has no effect within the range, and the share there does
    /// (or does not) meet the requirement.
    Unaffected { share: f64, meets: bool },
}

impl Answer {
    /// The value found within the range, if any.
    pub fn value(&self) -> Option<f64> {
        match self {
            Answer::Found(v) => Some(*v),
            _ => None,
        }
    }

    /// The answer's status, as `--format json` names it.
    pub fn status(&self) -> &'static str {
        match self {
            Answer::Found(_) => "found",
            Answer::AlreadyMet { .. } => "already_met_at_range_end",
            Answer::NotReached { .. } => "not_reached_at_range_end",
            Answer::Unaffected { meets: true, .. } => "met_throughout",
            Answer::Unaffected { meets: false, .. } => "missed_throughout",
        }
    }
}

/// One required share and where it is met.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareAnswer {
    /// The share of the population that must meet the threshold.
    pub fraction: f64,
    /// How the line names it: "95.0%", "90%", "100% of the sample".
    pub label: String,
    pub answer: Answer,
}

/// What a sizing found.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    pub vary: String,
    pub target: SizingTarget,
    pub range: SearchRange,
    pub effect: Effect,
    /// The required share first, then 90 % and 100 % of the sample.
    pub answers: Vec<ShareAnswer>,
    /// The values between which the 95 % interval of the met share leaves
    /// the required share's answer; `None` when it does not settle within
    /// the range.
    pub interval: Option<(f64, f64)>,
    /// Every probe run, by value.
    pub probes: Vec<Probe>,
    /// Whether the met share moved one way across the probes (the bisection
    /// assumes it).
    pub monotone: bool,
}

/// The search: `probe` runs the scenario with the key at a value and
/// returns (met, total); it is asked at most once per value.
#[derive(Debug)]
pub struct Search<P> {
    probe: P,
    tolerance: f64,
    probes: Vec<Probe>,
}

impl<P, E> Search<P>
where
    P: FnMut(f64, usize) -> Result<Counts, E>,
{
    /// `probe(value, probes so far)`; `tolerance` is the relative width at
    /// which a bisection stops (finite and positive).
    pub fn new(probe: P, tolerance: f64) -> Self {
        Search {
            probe,
            tolerance,
            probes: Vec::new(),
        }
    }

    fn at(&mut self, value: f64) -> Result<Probe, E> {
        if let Some(p) = self.probes.iter().find(|p| p.value == value) {
            return Ok(*p);
        }
        let c = (self.probe)(value, self.probes.len())?;
        let p = Probe {
            met: c.met,
            total: c.total,
            value,
            sum_ms: c.sum_ms,
        };
        self.probes.push(p);
        Ok(p)
    }

    /// The value at which `meets` turns true between `lo` and `hi`
    /// (`rising`: higher values meet), to the relative tolerance.
    fn bisect(
        &mut self,
        mut lo: f64,
        mut hi: f64,
        rising: bool,
        meets: &dyn Fn(&Probe) -> bool,
    ) -> Result<Answer, E> {
        let (good, bad) = if rising { (hi, lo) } else { (lo, hi) };
        let strong = self.at(good)?;
        if !meets(&strong) {
            return Ok(Answer::NotReached {
                end: good,
                share: strong.share(),
            });
        }
        let weak = self.at(bad)?;
        if meets(&weak) {
            return Ok(Answer::AlreadyMet {
                end: bad,
                share: weak.share(),
            });
        }
        for _ in 0..60 {
            if (hi - lo).abs() <= self.tolerance * hi.abs().max(lo.abs()) {
                break;
            }
            let mid = (lo + hi) / 2.0;
            let ok = meets(&self.at(mid)?);
            if ok == rising {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(Answer::Found(if rising { hi } else { lo }))
    }

    /// Sizes `vary` for `target` over `range`.
    pub fn run(
        mut self,
        vary: &str,
        target: SizingTarget,
        range: SearchRange,
    ) -> Result<Sizing, E> {
        let (lo, hi) = (range.lo, range.hi);
        // Which way the key helps: compare the ends, and midway when they agree.
        let at_lo = self.at(lo)?;
        let at_hi = self.at(hi)?;
        // The same metric in every replication at both ends and midway: the
        // key has no effect on it here.
        let same = |a: &Probe, b: &Probe| (a.met, a.total, a.sum_ms) == (b.met, b.total, b.sum_ms);
        let unaffected = same(&at_lo, &at_hi) && {
            let mid = self.at((lo + hi) / 2.0)?;
            same(&mid, &at_lo)
        };
        let effect = if unaffected {
            Effect::None
        } else if at_hi.share() > at_lo.share()
            // The same share at both ends (the whole range meets it, or none
            // does): the end where the metric is lower is the one that helps.
            || (at_hi.share() == at_lo.share() && at_hi.sum_ms <= at_lo.sum_ms)
        {
            Effect::HigherValuesMeet
        } else {
            Effect::LowerValuesMeet
        };
        let rising = effect != Effect::LowerValuesMeet;
        let required = target.fraction;
        let mut answers: Vec<ShareAnswer> = Vec::new();
        for (label, fraction) in [
            (crate::scenario::units::format_share(required), required),
            ("90%".to_string(), 0.90),
            ("100% of the sample".to_string(), 1.0),
        ] {
            // A required 90 % or 100 % is already the first answer.
            if !answers.is_empty() && (fraction - required).abs() < 1e-12 {
                continue;
            }
            let meets = |p: &Probe| p.share() >= fraction - 1e-12;
            let answer = if unaffected {
                Answer::Unaffected {
                    share: at_lo.share(),
                    meets: meets(&at_lo),
                }
            } else {
                self.bisect(lo, hi, rising, &meets)?
            };
            answers.push(ShareAnswer {
                fraction,
                label,
                answer,
            });
        }
        // The interval sampling error leaves around the required share: the
        // value at which the 95 % interval's upper bound reaches it (could
        // meet) and the one at which its lower bound does (surely meets).
        let interval = if unaffected {
            None
        } else {
            let could = self.bisect(lo, hi, rising, &|p: &Probe| {
                wilson_interval(p.met, p.total, Z_95).1 >= required
            })?;
            let surely = self.bisect(lo, hi, rising, &|p: &Probe| {
                wilson_interval(p.met, p.total, Z_95).0 >= required
            })?;
            let reached = |a: Answer| match a {
                Answer::Found(v) | Answer::AlreadyMet { end: v, .. } => Some(v),
                _ => None,
            };
            match (reached(could), reached(surely)) {
                (Some(a), Some(b)) => Some((round(a.min(b)), round(a.max(b)))),
                _ => None,
            }
        };
        // The search assumes the met share moves one way with the value: check it.
        let mut probes = self.probes;
        probes.sort_by(|a, b| a.value.total_cmp(&b.value));
        let monotone = probes.windows(2).all(|w| {
            if rising {
                w[1].share() >= w[0].share()
            } else {
                w[1].share() <= w[0].share()
            }
        });
        for a in &mut answers {
            if let Answer::Found(v) = &mut a.answer {
                *v = round(*v);
            }
        }
        Ok(Sizing {
            vary: vary.to_string(),
            target,
            range,
            effect,
            answers,
            interval,
            probes,
            monotone,
        })
    }
}

/// Four significant digits for the printed answers.
pub fn round(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(fraction: f64) -> SizingTarget {
        SizingTarget {
            metric: SizedMetric::Target(TargetMetric::Rpo),
            threshold_s: 900.0,
            fraction,
        }
    }

    fn range(lo: f64, hi: f64) -> SearchRange {
        SearchRange {
            lo,
            hi,
            unit: "Mbps".into(),
            default: false,
        }
    }

    /// A key whose met share rises linearly from 0 at 0 to 1 at 100, over
    /// 1,000 outages.
    fn linear(v: f64, _: usize) -> Result<Counts, ()> {
        Ok(Counts {
            met: ((v / 100.0).clamp(0.0, 1.0) * 1000.0) as usize,
            total: 1000,
            // The metric falls as the value rises.
            sum_ms: (1.0e9 / (1.0 + v)) as u64,
        })
    }

    #[test]
    fn targets_parse() {
        let t = SizingTarget::parse("rpo<=15m@95%").expect("valid");
        assert_eq!(
            (t.metric, t.threshold_s, t.fraction),
            (SizedMetric::Target(TargetMetric::Rpo), 900.0, 0.95)
        );
        let a = SizingTarget::parse("availability>=99.95%@90%").expect("valid");
        assert_eq!(a.metric, SizedMetric::Availability(0.9995));
        assert_eq!(a.fraction, 0.9);
        assert!(SizingTarget::parse("availability>=100%@90%").is_err());
        assert_eq!(
            SizingTarget::parse("year_downtime<=8h@90%")
                .expect("valid")
                .metric,
            SizedMetric::YearDowntime
        );
        assert_eq!(
            SizingTarget::parse("RTO<=4h@99").expect("valid").fraction,
            0.99
        );
        assert!(SizingTarget::parse("rpo<15m@95%").is_err());
        assert!(SizingTarget::parse("lag<=15m@95%").is_err());
        assert!(SizingTarget::parse("rpo<=15m@120%").is_err());
    }

    #[test]
    fn ends_in_other_units_convert() {
        assert_eq!(in_unit_of("3h", "m"), Some(180.0));
        assert_eq!(in_unit_of("2Gbps", "Mbps"), Some(2000.0));
        assert_eq!(in_unit_of("1 TB/day", "GB/day"), Some(1000.0));
        assert_eq!(in_unit_of("3h", "Mbps"), None);
        let r = SearchRange::parse("500Mbps..2Gbps").expect("valid");
        assert_eq!((r.lo, r.hi, r.unit.as_str()), (500.0, 2000.0, "Mbps"));
        assert!(SearchRange::parse("2Gbps..500Mbps").is_err());
        assert!(SearchRange::parse("1h..2Mbps").is_err());
    }

    #[test]
    fn the_default_range_spans_two_decades_each_way() {
        let r = SearchRange::around("link.wan.bandwidth", Some("300 Mbps")).expect("a quantity");
        assert_eq!(
            (r.lo, r.hi, r.unit.as_str(), r.default),
            (3.0, 30000.0, "Mbps", true)
        );
        assert!(SearchRange::around("k", None).is_err());
        assert!(SearchRange::around("k", Some("fixed")).is_err());
        assert!(SearchRange::around("k", Some("0 Mbps")).is_err());
    }

    #[test]
    fn a_crossing_inside_the_range_is_found_to_the_tolerance() {
        let s = Search::new(linear, 0.001)
            .run("k", target(0.95), range(10.0, 200.0))
            .expect("no error");
        assert_eq!(s.effect, Effect::HigherValuesMeet);
        let v = s.answers[0].answer.value().expect("within the range");
        assert!((v - 95.0).abs() <= 0.2, "{v}");
        assert_eq!(s.answers[1].answer.value().map(|v| v.round()), Some(90.0));
        assert!(s.monotone);
    }

    #[test]
    fn a_range_whose_lower_end_already_meets_says_so() {
        // Before: the lower end was given as the answer for every share.
        let s = Search::new(linear, 0.005)
            .run("k", target(0.95), range(120.0, 500.0))
            .expect("no error");
        assert_eq!(
            s.answers[0].answer,
            Answer::AlreadyMet {
                end: 120.0,
                share: 1.0
            }
        );
        assert_eq!(s.answers[0].answer.value(), None);
    }

    #[test]
    fn a_range_whose_upper_end_misses_says_so() {
        let s = Search::new(linear, 0.005)
            .run("k", target(0.95), range(10.0, 50.0))
            .expect("no error");
        assert_eq!(
            s.answers[0].answer,
            Answer::NotReached {
                end: 50.0,
                share: 0.5
            }
        );
    }

    #[test]
    fn a_key_without_effect_is_named_as_such() {
        // Before: "higher values meet it", and a bisection over constant counts.
        let flat = |_: f64, _: usize| {
            Ok::<_, ()>(Counts {
                met: 800,
                total: 1000,
                sum_ms: 123_456,
            })
        };
        let s = Search::new(flat, 0.005)
            .run("k", target(0.95), range(10.0, 50.0))
            .expect("no error");
        assert_eq!(s.effect, Effect::None);
        assert_eq!(s.probes.len(), 3, "both ends and midway, nothing more");
        assert_eq!(
            s.answers[0].answer,
            Answer::Unaffected {
                share: 0.8,
                meets: false
            }
        );
        assert_eq!(s.interval, None);
    }

    #[test]
    fn lower_values_can_be_the_ones_that_meet() {
        let falling = |v: f64, k: usize| linear(100.0 - v, k);
        let s = Search::new(falling, 0.001)
            .run("k", target(0.95), range(0.0, 90.0))
            .expect("no error");
        assert_eq!(s.effect, Effect::LowerValuesMeet);
        let v = s.answers[0].answer.value().expect("found");
        assert!((v - 5.0).abs() <= 0.2, "{v}");
    }
}
