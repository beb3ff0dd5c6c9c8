//! Churn processes: how a VM's write rate evolves before the outage.
//!
//! A constant VM writes at one rate (drawn per replication). The processes
//! change on their own schedule: a new rate every interval (piecewise),
//! alternating on/off states (Markov-modulated), the hour-of-day profile
//! (daily), or instantaneous bursts at Poisson times (bursts). Each VM's process
//! draws from its own stream, so the number of its draws never shifts anyone
//! else's. This module only computes; [`super::network`] applies the rates to
//! the links and schedules the changes.

use rand::Rng;
use rand_pcg::Pcg64;

use super::draws::{Purpose, stream, unit};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::replay::ReplayProfile;
use crate::scenario::{Churn, Distribution};

/// Holding times shorter than this are lengthened to it, so no distribution can
/// flood the event queue.
const MIN_HOLD: SimDuration = SimDuration::from_millis(1000);
const HOUR_MS: i64 = 3_600_000;

/// What a churn process does next.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum NextChange {
    /// The write rate changes at this instant.
    Rate(SimTime),
    /// A burst of writes lands at this instant.
    Burst(SimTime),
}

/// The running state of one VM's churn process.
#[derive(Debug, Clone)]
pub(super) struct ChurnRun {
    rng: Pcg64,
    /// For on/off churn: whether the VM is in its "on" state.
    on: bool,
    /// For replayed churn: where the simulation's clock falls on the profile's.
    clock: Option<ReplayClock>,
}

/// The simulation's clock on the measured profiles' (docs/model.md,
/// "Measured churn"): the outage `t0` is UTC instant `anchor_ms`; times
/// outside a profile take whole blocks of it, drawn per replication and
/// block index, so every VM replaying files of one period stays aligned.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReplayClock {
    pub anchor_ms: i64,
    pub t0: SimTime,
    pub seed: u64,
    pub replication: u64,
}

impl ReplayClock {
    /// The rate of `profile` at `now` and when it next changes.
    fn rate(&self, profile: &ReplayProfile, now: SimTime) -> (f64, SimTime) {
        let x = self.anchor_ms + (now.as_millis() - self.t0.as_millis());
        let blocks = profile.blocks();
        let (rate, next) = profile.rate_at(x, |j| {
            let mut rng = stream(self.seed, self.replication, Purpose::ReplayBlock(j));
            ((unit(&mut rng) * blocks as f64) as i64).min(blocks - 1)
        });
        (rate, now + SimDuration::from_millis(next - x))
    }
}

fn hold<R: Rng + ?Sized>(d: &Distribution, rng: &mut R) -> SimDuration {
    SimDuration::from_secs_f64(d.sample(rng)).max(MIN_HOLD)
}

/// Exponential gap with `per_hour` events an hour, on the millisecond grid.
fn poisson_gap<R: Rng + ?Sized>(per_hour: f64, rng: &mut R) -> SimDuration {
    let u = 1.0 - unit(rng); // in (0, 1]
    SimDuration::from_secs_f64_ceil(-u.ln() * 3600.0 / per_hour).max(SimDuration::from_millis(1))
}

impl ChurnRun {
    /// Starts VM `vm`'s process at `start`: its first write rate (`constant_rate`
    /// for constant churn, zero between bursts) and its first change.
    pub fn start(
        churn: &Churn,
        constant_rate: f64,
        seed: u64,
        replication: u64,
        vm: usize,
        start: SimTime,
        clock: Option<ReplayClock>,
    ) -> (ChurnRun, f64, Option<NextChange>) {
        let mut run = ChurnRun {
            rng: stream(seed, replication, Purpose::VmChurn(vm)),
            on: false,
            clock,
        };
        let (rate, next) = match churn {
            Churn::Constant(_) => (constant_rate, None),
            Churn::Bursts { per_hour, .. } => {
                let first = start + poisson_gap(*per_hour, &mut run.rng);
                (0.0, Some(NextChange::Burst(first)))
            }
            churn => {
                if let Churn::OnOff {
                    on_time, off_time, ..
                } = churn
                {
                    // Start in each state with its long-run share of time: the
                    // step below switches into the state drawn here.
                    let (on_mean, off_mean) = (on_time.mean(), off_time.mean());
                    run.on = unit(&mut run.rng) * (on_mean + off_mean) >= on_mean;
                }
                let (rate, next) = run.next_rate(churn, start).unwrap_or((0.0, start));
                (rate, Some(NextChange::Rate(next)))
            }
        };
        (run, rate, next)
    }

    /// The rate a churn process takes at `now` and when it changes next; on/off
    /// churn switches state. `None` for churn that never changes its rate.
    pub fn next_rate(&mut self, churn: &Churn, now: SimTime) -> Option<(f64, SimTime)> {
        match churn {
            Churn::Piecewise { rate, every } => {
                Some((rate.sample(&mut self.rng), now + hold(every, &mut self.rng)))
            }
            Churn::OnOff {
                on_rate,
                off_rate,
                on_time,
                off_time,
            } => {
                self.on = !self.on;
                let (rate, time) = if self.on {
                    (on_rate, on_time)
                } else {
                    (off_rate, off_time)
                };
                Some((rate.sample(&mut self.rng), now + hold(time, &mut self.rng)))
            }
            Churn::Daily { profile } => {
                let hour = now.as_millis().div_euclid(HOUR_MS);
                let next = SimTime::from_millis((hour + 1) * HOUR_MS);
                Some((profile[hour.rem_euclid(24) as usize], next))
            }
            Churn::Replay(profile) => {
                let clock = self
                    .clock
                    .expect("a replayed churn runs on the replay clock");
                Some(clock.rate(profile, now))
            }
            Churn::Constant(_) | Churn::Bursts { .. } => None,
        }
    }

    /// A burst lands at `now`: its size in bytes and the next burst's instant.
    /// `None` for churn that has no bursts.
    pub fn burst(&mut self, churn: &Churn, now: SimTime) -> Option<(f64, SimTime)> {
        let Churn::Bursts { per_hour, size } = churn else {
            return None;
        };
        let bytes = size.sample(&mut self.rng);
        Some((bytes, now + poisson_gap(*per_hour, &mut self.rng)))
    }
}
