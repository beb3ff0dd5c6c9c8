//! Verdicts on targets that respect sampling error.
//!
//! A target requires that at least a fraction `r` of outages meet it. The run
//! estimates the true fraction from its replications, with a 95 % Wilson score
//! interval `[lo, hi]`. The verdict is `met` when the whole interval is at or
//! above `r`, `missed` when it is entirely below, and `inconclusive` when it
//! contains `r`: more replications are needed before the plan can be judged.
//! A requirement of 100 % can never be shown met by sampling: with no miss the
//! verdict stays inconclusive, and says so.

use super::{TargetFraction, Z_95, wilson_interval};
use crate::scenario::Population;
use crate::scenario::distribution::normal_quantile;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Met,
    Missed,
    Inconclusive,
}

impl Verdict {
    /// As written in `summary.csv`'s `verdict` column.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// A target's verdict, with what it rests on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetVerdict {
    pub verdict: Verdict,
    pub fraction: TargetFraction,
    /// The share of outages that must meet the target.
    pub required: f64,
    /// The outages the target is judged on.
    pub over: Population,
    /// For an inconclusive verdict: about how many replications in all would
    /// likely settle it, if the estimate held (`None` when the estimate sits on
    /// the requirement, or the requirement is 100 % and nothing missed).
    pub replications_to_settle: Option<u64>,
    /// The confidence of the interval the verdict rests on: 0.95, or the
    /// corrected level of `run --until-settled` ([`StoppingRule::level`]).
    pub level: f64,
    /// The Wilson interval of the met share at `level`.
    pub interval: (f64, f64),
}

impl TargetVerdict {
    /// Judges `fraction` against `required` with the 95 % interval.
    pub fn judge(fraction: TargetFraction, required: f64, over: Population) -> TargetVerdict {
        TargetVerdict::judge_at(fraction, required, over, Z_95, 0.95)
    }

    /// Judges with an interval `z` standard errors wide, of confidence `level`.
    pub fn judge_at(
        fraction: TargetFraction,
        required: f64,
        over: Population,
        z: f64,
        level: f64,
    ) -> TargetVerdict {
        let verdict = verdict_at(fraction.met, fraction.total, required, z);
        let replications_to_settle = match verdict {
            Verdict::Inconclusive => replications_to_settle(fraction, required, z),
            _ => None,
        };
        TargetVerdict {
            verdict,
            fraction,
            required,
            over,
            replications_to_settle,
            level,
            interval: wilson_interval(fraction.met, fraction.total, z),
        }
    }
}

/// The verdict for `met` of `total` against `required`, with a Wilson interval
/// `z` standard errors wide.
pub fn verdict_at(met: usize, total: usize, required: f64, z: f64) -> Verdict {
    if total == 0 {
        return Verdict::Inconclusive;
    }
    let (lo, hi) = wilson_interval(met, total, z);
    if lo >= required {
        Verdict::Met
    } else if hi < required {
        Verdict::Missed
    } else {
        Verdict::Inconclusive
    }
}

/// About how many replications would make the interval exclude `required` if
/// the observed fraction `p` held: the normal approximation `n = z^2 p (1 - p) /
/// (p - r)^2`, rounded up to two significant digits. `None` when `p = r` (no
/// number of replications separates them) or when `p (1 - p) = 0`.
fn replications_to_settle(fraction: TargetFraction, required: f64, z: f64) -> Option<u64> {
    let p = fraction.fraction;
    let gap = (p - required).abs();
    let spread = p * (1.0 - p);
    if gap < 1e-12 || spread <= 0.0 {
        return None;
    }
    let n = (z * z * spread / (gap * gap))
        .ceil()
        .max(fraction.total as f64 + 1.0);
    Some(round_up_two_digits(n))
}

/// Rounds up to two significant digits: 12_345 -> 13_000.
fn round_up_two_digits(n: f64) -> u64 {
    if n < 100.0 {
        return n.ceil() as u64;
    }
    let scale = 10f64.powi(n.log10().floor() as i32 - 1);
    ((n / scale).ceil() * scale) as u64
}

/// When `run --until-settled` stops: it runs the first batch, then doubles the
/// replication count (continuing the same sequence of replications, so the
/// result is the run of that many replications) until every target's verdict
/// is settled or the cap is reached. Looking repeatedly would let chance
/// settle a verdict more often than the 5 % a single look allows, so each look
/// uses a Bonferroni-corrected interval: with `L` possible looks, a verdict
/// counts as settled only when the interval at confidence `1 - 0.05 / L`
/// excludes the requirement. The chance that any look settles a target wrongly
/// is then at most 5 %. The verdicts reported at the end rest on that same
/// corrected interval, so every sentence of the run cites one level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoppingRule {
    pub first: u64,
    pub cap: u64,
}

impl StoppingRule {
    /// Looks at `first`, `2 first`, `4 first`, ... and at `cap` (at least 1).
    pub fn looks(&self) -> u32 {
        let mut looks = 1;
        let mut n = self.first.max(1);
        while n < self.cap {
            n = n.saturating_mul(2).min(self.cap);
            looks += 1;
        }
        looks
    }

    /// The interval's width in standard errors at each look.
    pub fn z(&self) -> f64 {
        normal_quantile(1.0 - 0.05 / (2.0 * f64::from(self.looks())))
    }

    /// The confidence of the interval at each look: `1 - 0.05 / looks`.
    pub fn level(&self) -> f64 {
        1.0 - 0.05 / f64::from(self.looks())
    }

    /// The replication count of the next look after `n`, if any.
    pub fn next(&self, n: u64) -> Option<u64> {
        (n < self.cap).then(|| n.saturating_mul(2).min(self.cap))
    }

    /// Whether every `(met, total, required)` is settled at this rule's interval.
    pub fn settled(&self, targets: &[(usize, usize, f64)]) -> bool {
        let z = self.z();
        targets.iter().all(|&(met, total, required)| {
            verdict_at(met, total, required, z) != Verdict::Inconclusive
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fraction(met: usize, total: usize) -> TargetFraction {
        let (ci_low, ci_high) = wilson_interval(met, total, Z_95);
        TargetFraction {
            met,
            total,
            fraction: met as f64 / total as f64,
            ci_low,
            ci_high,
        }
    }

    #[test]
    fn the_interval_decides() {
        // 9,600 of 10,000: interval about 95.6% to 96.4%, all above 95%.
        assert_eq!(verdict_at(9600, 10_000, 0.95, Z_95), Verdict::Met);
        // 9,400 of 10,000: about 93.5% to 94.5%, all below.
        assert_eq!(verdict_at(9400, 10_000, 0.95, Z_95), Verdict::Missed);
        // 9,480 of 10,000: about 94.4% to 95.2%, contains 95%.
        assert_eq!(verdict_at(9480, 10_000, 0.95, Z_95), Verdict::Inconclusive);
        // Few replications settle little: 19 of 20 is 95% but proves nothing.
        assert_eq!(verdict_at(19, 20, 0.95, Z_95), Verdict::Inconclusive);
        assert_eq!(verdict_at(0, 0, 0.5, Z_95), Verdict::Inconclusive);
    }

    #[test]
    fn a_hundred_percent_requirement_is_never_proven() {
        assert_eq!(verdict_at(10_000, 10_000, 1.0, Z_95), Verdict::Inconclusive);
        assert_eq!(verdict_at(9_999, 10_000, 1.0, Z_95), Verdict::Missed);
        let v = TargetVerdict::judge(fraction(500, 500), 1.0, Population::All);
        assert_eq!(v.replications_to_settle, None);
    }

    #[test]
    fn the_estimate_of_replications_needed_settles_when_the_fraction_holds() {
        let v = TargetVerdict::judge(fraction(9480, 10_000), 0.95, Population::All);
        assert_eq!(v.verdict, Verdict::Inconclusive);
        let n = v.replications_to_settle.expect("an estimate");
        // 1.96^2 x 0.948 x 0.052 / 0.002^2 = 47,344 -> 48,000.
        assert_eq!(n, 48_000);
        let met = (0.948 * n as f64).round() as usize;
        assert_eq!(verdict_at(met, n as usize, 0.95, Z_95), Verdict::Missed);
        // On the requirement itself nothing settles it.
        let v = TargetVerdict::judge(fraction(950, 1000), 0.95, Population::All);
        assert_eq!(v.replications_to_settle, None);
    }

    #[test]
    fn the_stopping_rule_doubles_up_to_the_cap_with_a_corrected_interval() {
        let rule = StoppingRule {
            first: 1000,
            cap: 10_000,
        };
        // 1000, 2000, 4000, 8000, 10000.
        assert_eq!(rule.looks(), 5);
        assert_eq!(rule.next(1000), Some(2000));
        assert_eq!(rule.next(8000), Some(10_000));
        assert_eq!(rule.next(10_000), None);
        // 1 - 0.05 / 5 two-sided: z = 2.576.
        assert!((rule.z() - 2.5758).abs() < 1e-3, "{}", rule.z());
        // 9,480 of 10,000 is inconclusive at 95 %, and so under the rule.
        assert!(!rule.settled(&[(9480, 10_000, 0.95)]));
        // 9,700 of 10,000 is met either way; 9,550 is met at 95 % only.
        assert!(rule.settled(&[(9700, 10_000, 0.95)]));
        assert_eq!(verdict_at(9550, 10_000, 0.95, Z_95), Verdict::Met);
        assert!(!rule.settled(&[(9550, 10_000, 0.95)]));
        let single = StoppingRule {
            first: 500,
            cap: 500,
        };
        assert_eq!(single.looks(), 1);
        assert!((single.z() - Z_95).abs() < 1e-6);
    }
}
