//! Recovery points from the replication history: which point a failover can use.
//!
//! Points are taken on a fixed schedule per VM (`phase + n * interval`). A point
//! taken at `t_p` holds every write up to `t_p`; it is usable once the fluid queue
//! has delivered those writes (cumulative bytes sent reach bytes written at `t_p`)
//! and the target has then processed it for its processing delay.

use rand::Rng;

use super::fluid::{self, Breakpoint};
use crate::engine::{SimDuration, SimTime};
use crate::scenario::Distribution;

/// The recovery point a VM fails over to, and what that costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointChoice {
    /// Write time of the newest data in the point (`t_rp`).
    pub point_time: SimTime,
    /// When that point became usable at the target.
    pub usable_at: SimTime,
    /// `t0 - t_rp`.
    pub rpo: SimDuration,
    /// Bytes written between `t_rp` and `t0`.
    pub data_lost_bytes: f64,
    /// Age of the newest write present at the target at `t0`.
    pub lag: SimDuration,
    /// Whether no scheduled point was usable and the VM fell back to the state it
    /// had when replication started.
    pub fell_back_to_start: bool,
}

/// The recovery-point schedule of one VM.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub interval: SimDuration,
    pub phase: SimDuration,
}

impl Schedule {
    /// The latest scheduled point at or before `t`.
    pub fn latest_at_or_before(self, t: SimTime) -> SimTime {
        let interval = self.interval.as_millis();
        let n = (t.as_millis() - self.phase.as_millis()).div_euclid(interval);
        SimTime::from_millis(self.phase.as_millis() + n * interval)
    }
}

/// The newest point of `schedule` usable at `t0`, given the flow's recorded
/// `history` (which starts when replication started), the retention window and
/// the processing delay, drawn per point tried, newest first.
pub fn latest_usable_point<R: Rng + ?Sized>(
    history: &[Breakpoint],
    t0: SimTime,
    schedule: Schedule,
    retention: SimDuration,
    processing_delay: &Distribution,
    rng: &mut R,
) -> PointChoice {
    let replication_start = history.first().map_or(t0, |b| b.time);
    let oldest_kept = (t0 - retention).max(replication_start);
    let written_at_t0 = fluid::written_at(history, t0);
    let newest_at_target =
        fluid::time_written_reaches(history, fluid::sent_at(history, t0)).unwrap_or(t0);
    let lag = t0.since(newest_at_target);
    let choice = |point_time: SimTime, usable_at: SimTime, fell_back_to_start: bool| PointChoice {
        point_time,
        usable_at,
        rpo: t0.since(point_time),
        data_lost_bytes: (written_at_t0 - fluid::written_at(history, point_time)).max(0.0),
        lag,
        fell_back_to_start,
    };
    let mut point = schedule.latest_at_or_before(t0);
    while point >= oldest_kept {
        let delay = SimDuration::from_secs_f64(processing_delay.sample(rng));
        if let Some(arrival) = fluid::time_sent_reaches(history, fluid::written_at(history, point))
        {
            let usable_at = arrival + delay;
            if usable_at <= t0 {
                return choice(point, usable_at, false);
            }
        }
        point = point - schedule.interval;
    }
    choice(replication_start, replication_start, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::fluid::FluidLink;
    use crate::scenario::units::QuantityKind;
    use rand::SeedableRng;

    fn t(s: i64) -> SimTime {
        SimTime::from_millis(s * 1000)
    }

    fn steady_history(churn: f64, capacity: f64, from: SimTime, to: SimTime) -> Vec<Breakpoint> {
        let mut link = FluidLink::new(capacity, 1, from);
        link.start_recording();
        link.set_input_rate(from, 0, churn);
        link.set_active(from, 0, true);
        link.advance(to);
        link.history(0).to_vec()
    }

    #[test]
    fn schedule_rounds_down_to_its_grid() {
        let s = Schedule {
            interval: SimDuration::from_secs(300),
            phase: SimDuration::from_secs(60),
        };
        assert_eq!(s.latest_at_or_before(t(1000)), t(960));
        assert_eq!(s.latest_at_or_before(t(960)), t(960));
        assert_eq!(s.latest_at_or_before(t(-100)), t(-240));
    }

    #[test]
    fn keeping_up_the_rpo_is_the_time_since_the_last_processed_point() {
        let history = steady_history(10.0, 100.0, t(0), t(3600));
        let schedule = Schedule {
            interval: SimDuration::from_secs(300),
            phase: SimDuration::ZERO,
        };
        let delay = Distribution::fixed(QuantityKind::Duration, 120.0);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        // t0 = 3500: point 3300 is usable at 3420 <= 3500.
        let c = latest_usable_point(
            &history,
            t(3500),
            schedule,
            SimDuration::from_secs(86_400),
            &delay,
            &mut rng,
        );
        assert_eq!(c.point_time, t(3300));
        assert_eq!(c.rpo, SimDuration::from_secs(200));
        assert!((c.data_lost_bytes - 2000.0).abs() < 1e-6);
        assert_eq!(c.lag, SimDuration::ZERO);
        // t0 = 3350: point 3300 is not processed until 3420, so 3000 is used.
        let c = latest_usable_point(
            &history,
            t(3350),
            schedule,
            SimDuration::from_secs(86_400),
            &delay,
            &mut rng,
        );
        assert_eq!(c.point_time, t(3000));
    }

    #[test]
    fn a_lagging_flow_needs_older_points() {
        // Writes 10 B/s, link 5 B/s: at t0 = 600 the target holds writes up to 300 s.
        let history = steady_history(10.0, 5.0, t(0), t(600));
        let schedule = Schedule {
            interval: SimDuration::from_secs(60),
            phase: SimDuration::ZERO,
        };
        let none = Distribution::fixed(QuantityKind::Duration, 0.0);
        let mut rng = rand_pcg::Pcg64::seed_from_u64(1);
        let c = latest_usable_point(
            &history,
            t(600),
            schedule,
            SimDuration::from_secs(86_400),
            &none,
            &mut rng,
        );
        assert_eq!(c.point_time, t(300));
        assert_eq!(c.lag, SimDuration::from_secs(300));
        assert!(!c.fell_back_to_start);
    }
}
