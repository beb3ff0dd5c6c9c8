//! Simulation time as integer milliseconds: exact, ordered, platform independent.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant of simulation time, in milliseconds since the simulated epoch
/// (Monday 00:00 of the week in which the outage happens). May be negative: the
/// replication history before the outage starts before the epoch when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(i64);

/// A span of simulation time in milliseconds. Never negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(i64);

const MS_PER_S: f64 = 1000.0;

impl SimTime {
    pub const EPOCH: SimTime = SimTime(0);

    pub const fn from_millis(ms: i64) -> Self {
        SimTime(ms)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Seconds since the epoch, for reports and for the fluid model's rates.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S
    }

    /// This instant relative to `t0`, as every trace timestamp is written:
    /// `t0+01:03:42.993`, `t0-1d 00:00:00.000` (always to the millisecond).
    pub fn relative_to(self, t0: SimTime) -> String {
        let (sign, d) = if self >= t0 {
            ('+', self.since(t0))
        } else {
            ('-', t0.since(self))
        };
        let ms = d.as_millis();
        let days = ms / 86_400_000;
        let rest = ms % 86_400_000;
        let clock = format!(
            "{:02}:{:02}:{:02}.{:03}",
            rest / 3_600_000,
            rest % 3_600_000 / 60_000,
            rest % 60_000 / 1000,
            rest % 1000
        );
        if days > 0 {
            format!("t0{sign}{days}d {clock}")
        } else {
            format!("t0{sign}{clock}")
        }
    }

    /// The span from `earlier` to `self`, zero if `earlier` is later (and at most
    /// [`SimDuration::MAX`]).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(
            self.0
                .saturating_sub(earlier.0)
                .clamp(0, SimDuration::MAX.0),
        )
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest duration (2^62 ms, about 146 million years): conversions and
    /// sums saturate here instead of wrapping, so an absurd input gives an absurd
    /// but ordered result, never a small or negative one.
    pub const MAX: SimDuration = SimDuration(1 << 62);

    pub const fn from_millis(ms: i64) -> Self {
        assert!(ms >= 0, "durations are never negative");
        SimDuration(ms)
    }

    pub const fn from_secs(s: i64) -> Self {
        Self::from_millis(s * 1000)
    }

    /// Rounds to the nearest millisecond; negative and NaN inputs become zero, and
    /// values beyond [`SimDuration::MAX`] saturate.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return SimDuration(0);
        }
        SimDuration((s * MS_PER_S).round().min(Self::MAX.0 as f64) as i64)
    }

    /// Like [`SimDuration::from_secs_f64`] but rounds up, so an event scheduled at the
    /// result never fires before the physical instant it stands for.
    pub fn from_secs_f64_ceil(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return SimDuration(0);
        }
        SimDuration((s * MS_PER_S).ceil().min(Self::MAX.0 as f64) as i64)
    }

    pub const fn as_millis(self) -> i64 {
        self.0
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S
    }

    /// `self - other`, or zero when `other` is longer.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    pub fn saturating_sub(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(other.0).max(0))
    }
}

// Time arithmetic saturates instead of wrapping (release) or panicking (debug):
// a duration at `SimDuration::MAX` stays there whatever is added to it.

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Sub<SimDuration> for SimTime {
    type Output = SimTime;
    fn sub(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_sub(d.0))
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0).min(Self::MAX.0))
    }
}

impl AddAssign for SimDuration {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

/// Human form: `1d 02:03:04.005`, `02:03:04`, `4m 05s` style is for durations of
/// any size while staying exact to the millisecond.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        let (days, rest) = (ms / 86_400_000, ms % 86_400_000);
        let (h, rest) = (rest / 3_600_000, rest % 3_600_000);
        let (m, rest) = (rest / 60_000, rest % 60_000);
        let (s, milli) = (rest / 1000, rest % 1000);
        if days > 0 {
            write!(f, "{days}d ")?;
        }
        write!(f, "{h:02}:{m:02}:{s:02}")?;
        // `{:#}` always shows the milliseconds (aligned columns in traces).
        if milli > 0 || f.alternate() {
            write!(f, ".{milli:03}")?;
        }
        Ok(())
    }
}

/// Calendar form relative to the epoch: `Tue 14:03:07` (week `+1w` when beyond).
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let ms = self.0;
        let week = ms.div_euclid(7 * 86_400_000);
        let in_week = ms.rem_euclid(7 * 86_400_000);
        let day = (in_week / 86_400_000) as usize;
        let in_day = SimDuration(in_week % 86_400_000);
        if week != 0 {
            write!(f, "w{week:+} ")?;
        }
        let text = if f.alternate() {
            format!("{in_day:#}")
        } else {
            in_day.to_string()
        };
        write!(f, "{} {}", DAYS[day], text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_to_the_nearest_millisecond() {
        assert_eq!(SimDuration::from_secs_f64(1.0004).as_millis(), 1000);
        assert_eq!(SimDuration::from_secs_f64(1.0006).as_millis(), 1001);
        assert_eq!(SimDuration::from_secs_f64_ceil(1.0001).as_millis(), 1001);
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
    }

    #[test]
    fn display_is_exact_and_readable() {
        assert_eq!(
            SimDuration::from_millis(3_723_004).to_string(),
            "01:02:03.004"
        );
        assert_eq!(SimDuration::from_secs(90_061).to_string(), "1d 01:01:01");
        assert_eq!(
            SimTime::from_millis(86_400_000 + 3_600_000).to_string(),
            "Tue 01:00:00"
        );
        assert_eq!(
            SimTime::from_millis(-60_000).to_string(),
            "w-1 Sun 23:59:00"
        );
    }

    #[test]
    fn since_never_goes_negative() {
        let a = SimTime::from_millis(10);
        let b = SimTime::from_millis(25);
        assert_eq!(b.since(a).as_millis(), 15);
        assert_eq!(a.since(b), SimDuration::ZERO);
    }

    #[test]
    fn arithmetic_saturates_and_never_wraps() {
        let max = SimDuration::MAX;
        assert_eq!(max + max, max);
        assert_eq!(max + SimDuration::from_secs(1), max);
        let mut sum = max;
        sum += max;
        assert_eq!(sum, max);
        assert_eq!(SimDuration::from_secs_f64(1e300), max);
        assert_eq!(SimDuration::from_secs_f64_ceil(f64::INFINITY), max);
        // Three saturated durations in a row: the sum once wrapped to a negative.
        assert_eq!(max + max + max, max);
        let late = SimTime::from_millis(i64::MAX - 5) + max;
        assert_eq!(late, SimTime::from_millis(i64::MAX));
        assert_eq!(
            SimTime::from_millis(i64::MIN + 5) - max,
            SimTime::from_millis(i64::MIN)
        );
        assert_eq!(late.since(SimTime::from_millis(i64::MIN)), max);
        assert_eq!(SimTime::EPOCH.since(late), SimDuration::ZERO);
        // An RTO built from saturated delays is the maximum, not a small number.
        let rto = (SimTime::EPOCH + max + max).since(SimTime::EPOCH);
        assert_eq!(rto, max);
    }

    #[test]
    fn trace_timestamps_have_one_format() {
        let t0 = SimTime::from_millis(100_000_000);
        assert_eq!(
            SimTime::from_millis(100_000_000).relative_to(t0),
            "t0+00:00:00.000"
        );
        assert_eq!(
            SimTime::from_millis(100_000_000 + 3_822_993).relative_to(t0),
            "t0+01:03:42.993"
        );
        assert_eq!(
            SimTime::from_millis(100_000_000 - 86_400_000).relative_to(t0),
            "t0-1d 00:00:00.000"
        );
    }
}
