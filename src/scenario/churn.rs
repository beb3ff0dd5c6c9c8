//! `Churn`: how a VM writes over time, the processes a scenario may give it,
//! and what the checks and the draws read from one (its mean, peak and event
//! rate).

use std::fmt;
use std::sync::Arc;

use super::Distribution;
use super::replay::ReplayProfile;
use super::units;

/// How a VM writes over time.
#[derive(Debug, Clone)]
pub enum Churn {
    /// One rate per replication, constant through it.
    Constant(Distribution),
    /// A new rate from `rate` every `every` (both drawn afresh each time).
    Piecewise {
        rate: Distribution,
        every: Distribution,
    },
    /// Markov-modulated bursts: the VM alternates between an "on" and an "off"
    /// state, each with its own rate, held for a random time.
    OnOff {
        on_rate: Distribution,
        off_rate: Distribution,
        on_time: Distribution,
        off_time: Distribution,
    },
    /// A rate for each hour of the day (bytes/s, index 0 = 00:00-01:00).
    Daily { profile: Vec<f64> },
    /// Writes arrive as instantaneous bursts, a Poisson process of
    /// `per_hour` bursts an hour, each of `size` bytes.
    Bursts { per_hour: f64, size: Distribution },
    /// Measured write rates, replayed (docs/model.md, "Measured churn").
    Replay(Arc<ReplayProfile>),
}

impl Churn {
    /// Long-run mean write rate, bytes/s.
    pub fn mean_rate(&self) -> f64 {
        match self {
            Churn::Constant(d) => d.mean(),
            Churn::Piecewise { rate, .. } => rate.mean(),
            Churn::OnOff {
                on_rate,
                off_rate,
                on_time,
                off_time,
            } => {
                let (on, off) = (on_time.mean(), off_time.mean());
                if on + off <= 0.0 {
                    return on_rate.mean();
                }
                (on_rate.mean() * on + off_rate.mean() * off) / (on + off)
            }
            Churn::Daily { profile } => profile.iter().sum::<f64>() / profile.len() as f64,
            Churn::Bursts { per_hour, size } => per_hour / 3600.0 * size.mean(),
            Churn::Replay(p) => p.mean_rate(),
        }
    }

    /// The events this churn draws per second, on average: a rate change,
    /// an on-off switch or a burst each make one.
    pub fn events_per_second(&self) -> f64 {
        let per = |mean_seconds: f64| {
            if mean_seconds > 0.0 {
                1.0 / mean_seconds
            } else {
                f64::INFINITY
            }
        };
        match self {
            Churn::Constant(_) => 0.0,
            Churn::Piecewise { every, .. } => per(every.mean()),
            Churn::OnOff {
                on_time, off_time, ..
            } => 2.0 * per(on_time.mean() + off_time.mean()),
            Churn::Daily { .. } => 1.0 / 3600.0,
            Churn::Bursts { per_hour, .. } => per_hour / 3600.0,
            Churn::Replay(p) => p.steps_per_second(),
        }
    }

    /// The rate a VM reaches at its busiest (99th percentile of its rates), bytes/s;
    /// compared with ASR's churn limits. Bursts have no rate: their mean is used.
    pub fn peak_rate(&self) -> f64 {
        match self {
            Churn::Constant(d) | Churn::Piecewise { rate: d, .. } => d.quantile(0.99),
            Churn::OnOff {
                on_rate, off_rate, ..
            } => on_rate.quantile(0.99).max(off_rate.quantile(0.99)),
            Churn::Daily { profile } => profile.iter().copied().fold(0.0, f64::max),
            Churn::Bursts { .. } => self.mean_rate(),
            Churn::Replay(p) => p.peak_rate(),
        }
    }
}

impl fmt::Display for Churn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Churn::Constant(d) => write!(f, "{d}"),
            Churn::Piecewise { rate, every } => write!(f, "piecewise: {rate} every {every}"),
            Churn::OnOff {
                on_rate,
                off_rate,
                on_time,
                off_time,
            } => write!(
                f,
                "on-off: {on_rate} for {on_time}, then {off_rate} for {off_time}"
            ),
            Churn::Daily { profile } => {
                let peak = profile.iter().copied().fold(0.0, f64::max);
                write!(
                    f,
                    "daily profile: mean {}, peak {}",
                    units::format_byte_rate(self.mean_rate()),
                    units::format_byte_rate(peak)
                )
            }
            Churn::Bursts { per_hour, size } => write!(f, "bursts: {per_hour} an hour of {size}"),
            Churn::Replay(p) => write!(
                f,
                "replayed from {} (`{}`): mean {}, peak {}",
                p.file,
                p.series,
                units::format_byte_rate(p.mean_rate()),
                units::format_byte_rate(p.peak_rate())
            ),
        }
    }
}
