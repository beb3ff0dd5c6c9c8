//! Churn processes: how a VM's write rate evolves before the outage.
//!
//! A constant VM writes at one rate (drawn per replication). The processes
//! schedule their own changes on the event queue: a new rate every interval
//! (piecewise), alternating on/off states (Markov-modulated), the hour-of-day
//! profile (daily), or instantaneous bursts at Poisson times (bursts). Each VM's
//! process draws from its own stream, so the number of its draws never shifts
//! anyone else's.

use rand::Rng;
use rand_pcg::Pcg64;

use super::draws::{Purpose, stream, unit};
use super::{CycleRun, Direction, Event, Observer};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::Churn;
use crate::scenario::units::format_rate;

/// Holding times shorter than this are lengthened to it, so no distribution can
/// flood the event queue.
const MIN_HOLD: SimDuration = SimDuration::from_millis(1000);
const HOUR_MS: i64 = 3_600_000;

/// The running state of one VM's churn process.
#[derive(Debug, Clone)]
pub(super) struct ChurnRun {
    rng: Pcg64,
    /// For on/off churn: whether the VM is in its "on" state.
    on: bool,
}

fn hold<R: Rng + ?Sized>(d: &crate::scenario::Distribution, rng: &mut R) -> SimDuration {
    SimDuration::from_secs_f64(d.sample(rng)).max(MIN_HOLD)
}

/// Exponential gap with `per_hour` events an hour, on the millisecond grid.
fn poisson_gap<R: Rng + ?Sized>(per_hour: f64, rng: &mut R) -> SimDuration {
    let u = 1.0 - unit(rng); // in (0, 1]
    SimDuration::from_secs_f64_ceil(-u.ln() * 3600.0 / per_hour).max(SimDuration::from_millis(1))
}

/// The rate a churn process takes at `now` and when it changes next; on/off
/// churn switches state. `None` for churn that never changes its rate.
fn next_rate(churn: &Churn, run: &mut ChurnRun, now: SimTime) -> Option<(f64, SimTime)> {
    match churn {
        Churn::Piecewise { rate, every } => {
            Some((rate.sample(&mut run.rng), now + hold(every, &mut run.rng)))
        }
        Churn::OnOff {
            on_rate,
            off_rate,
            on_time,
            off_time,
        } => {
            run.on = !run.on;
            let (rate, time) = if run.on {
                (on_rate, on_time)
            } else {
                (off_rate, off_time)
            };
            Some((rate.sample(&mut run.rng), now + hold(time, &mut run.rng)))
        }
        Churn::Daily { profile } => {
            let hour = now.as_millis().div_euclid(HOUR_MS);
            let next = SimTime::from_millis((hour + 1) * HOUR_MS);
            Some((profile[hour.rem_euclid(24) as usize], next))
        }
        Churn::Constant(_) | Churn::Bursts { .. } => None,
    }
}

impl<O: Observer> CycleRun<'_, O> {
    /// Starts every VM's churn at `start`: its first rate, and its first change.
    pub(super) fn start_churn(&mut self, start: SimTime) {
        let s = self.scenario;
        let mut initial_rates = Vec::with_capacity(s.vms.len());
        for (v, vm) in s.vms.iter().enumerate() {
            let mut run = ChurnRun {
                rng: stream(self.seed, self.replication, Purpose::VmChurn(v)),
                on: false,
            };
            let (rate, next) = match &vm.churn {
                Churn::Constant(_) => (self.draws.vms[v].churn, None),
                Churn::Bursts { per_hour, .. } => {
                    let first = start + poisson_gap(*per_hour, &mut run.rng);
                    (0.0, Some((first, Event::Burst(v))))
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
                    let (rate, next) = next_rate(churn, &mut run, start).unwrap_or((0.0, start));
                    (rate, Some((next, Event::ChurnChange(v))))
                }
            };
            initial_rates.push(rate);
            if let Some((t, event)) = next
                && t < self.t0
            {
                self.queue.schedule(t, event);
            }
            self.churn.push(run);
        }
        for (l, link) in self.forward.iter_mut().enumerate() {
            let on_link = s.vms.iter().enumerate().filter(|(_, vm)| vm.link == l);
            link.start_flows(
                start,
                on_link.map(|(v, vm)| (v, initial_rates[v], vm.weight)),
            );
        }
    }

    /// A VM's write rate changes; the next change is scheduled while before `t0`.
    pub(super) fn on_churn_change(&mut self, now: SimTime, v: usize) {
        let vm = &self.scenario.vms[v];
        let Some((rate, next)) = next_rate(&vm.churn, &mut self.churn[v], now) else {
            return;
        };
        self.forward[vm.link].set_input_rate(now, v, rate);
        self.watch_link(Direction::Forward, vm.link);
        self.observer.note(now, super::Phase::Replicating, || {
            format!("{}: churn now {}", vm.id, format_rate(rate))
        });
        if next < self.t0 {
            self.queue.schedule(next, Event::ChurnChange(v));
        }
    }

    pub(super) fn on_burst(&mut self, now: SimTime, v: usize) {
        let vm = &self.scenario.vms[v];
        let Churn::Bursts { per_hour, size } = &vm.churn else {
            return;
        };
        let run = &mut self.churn[v];
        let bytes = size.sample(&mut run.rng);
        let next = now + poisson_gap(*per_hour, &mut run.rng);
        self.forward[vm.link].write_burst(now, v, bytes);
        self.watch_link(Direction::Forward, vm.link);
        if next < self.t0 {
            self.queue.schedule(next, Event::Burst(v));
        }
    }
}
