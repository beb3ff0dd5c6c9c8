//! Recovery points from the replication history: which point a failover can use.
//!
//! Points are taken on a fixed schedule per VM (`phase + n * interval`; members
//! of a consistency group share one). A point taken at `t_p` holds every write up
//! to `t_p`; it is usable once the fluid queue has delivered those writes
//! (cumulative bytes sent reach bytes written at `t_p`) and the target has then
//! processed it for its processing delay. Older crash-consistent points are
//! pruned the way ASR prunes them: all kept for a while, then one per interval.

use super::draws::{Purpose, stream};
use super::fluid::{self, Breakpoint};
use super::trace::LagSample;
use crate::engine::{SimDuration, SimTime};
use crate::scenario::Distribution;

/// The recovery point a VM fails over to, and what that costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointChoice {
    /// Write time of the newest data in the point (`t_rp`).
    pub point_time: SimTime,
    /// When that point became usable at the target (`t0` for `latest`).
    pub usable_at: SimTime,
    /// Processing the failover itself must do first, once triggered (`latest`
    /// processes all received data); zero for points already processed.
    pub failover_processing: SimDuration,
    /// `t0 - t_rp`.
    pub rpo: SimDuration,
    /// Bytes written between `t_rp` and `t0`.
    pub data_lost_bytes: f64,
    /// Age of the newest write present at the target at `t0`.
    pub lag: SimDuration,
    /// Whether no scheduled point since replication started was usable and
    /// the VM fell back to the state it had when replication started.
    pub no_usable_point: bool,
}

/// How old points are thinned out: all kept for `keep_all_for`, then only the
/// newest point of each `interval` (aligned to the clock, e.g. each hour),
/// and past `coarse`'s age only the newest of each of its (longer) intervals.
#[derive(Debug, Clone, Copy)]
pub struct Pruning {
    pub keep_all_for: SimDuration,
    pub interval: SimDuration,
    /// `(age, interval)`: points older than `age` are kept one per `interval`.
    pub coarse: Option<(SimDuration, SimDuration)>,
}

/// The recovery-point schedule of one VM (or one consistency group).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub interval: SimDuration,
    pub phase: SimDuration,
    pub pruning: Option<Pruning>,
}

impl Schedule {
    /// The index and time of the latest scheduled point at or before `t`.
    pub fn latest_at_or_before(self, t: SimTime) -> (i64, SimTime) {
        let interval = self.interval.as_millis();
        let n = (t.as_millis() - self.phase.as_millis()).div_euclid(interval);
        (n, self.time_of(n))
    }

    pub fn time_of(self, n: i64) -> SimTime {
        SimTime::from_millis(self.phase.as_millis() + n * self.interval.as_millis())
    }

    /// Whether the point taken at `point` is still kept at `t0`.
    pub fn is_retained(self, point: SimTime, t0: SimTime) -> bool {
        let Some(p) = self.pruning else {
            return true;
        };
        let age = t0.since(point);
        if age <= p.keep_all_for {
            return true;
        }
        let interval = match p.coarse {
            Some((after, coarse)) if age > after => coarse,
            _ => p.interval,
        };
        let bucket = |t: SimTime| t.as_millis().div_euclid(interval.as_millis());
        bucket(point) != bucket(point + self.interval)
    }
}

/// What choosing a point needs besides the VM's own history.
#[derive(Debug, Clone, Copy)]
pub struct PointContext<'a> {
    pub t0: SimTime,
    pub processing_delay: &'a Distribution,
    /// Windows `[start, end)` in which processing at the target is slower by a factor.
    pub slowdowns: &'a [(SimTime, SimTime, f64)],
    /// Per VM, its resynchronisations `[start, end)` before the outage (end
    /// `None` while running): no point is produced or completed inside one.
    pub resyncs: &'a [Vec<(SimTime, Option<SimTime>)>],
    pub seed: u64,
    pub replication: u64,
    /// Ransomware: points must be taken no later than the infection (the
    /// first instant) and no earlier than the retention window at `t0` (the
    /// second): older ones were pruned while the encrypted points arrived.
    pub clean: Option<(SimTime, SimTime)>,
}

impl PointContext<'_> {
    /// Whether point `point` of `vm`, whose data arrived at `arrival`, was
    /// lost to a resync: its log was dropped before it arrived (taken before
    /// the resync began, arriving after), or it was taken while the resync ran.
    fn lost_to_resync(&self, vm: usize, point: SimTime, arrival: SimTime) -> bool {
        self.resyncs.get(vm).is_some_and(|windows| {
            windows
                .iter()
                .any(|&(start, end)| arrival >= start && end.is_none_or(|end| point < end))
        })
    }

    /// Whether `vm` was being resynchronised when the primary failed.
    pub fn resyncing_at_t0(&self, vm: usize) -> bool {
        self.resyncs
            .get(vm)
            .is_some_and(|windows| matches!(windows.last(), Some((_, None))))
    }

    /// The longest processing delay a point can get: the delay distribution's
    /// maximum (its `1 - 1e-12` quantile when unbounded), stretched by the worst
    /// target slowdown, plus a millisecond for rounding.
    pub fn delay_bound(&self) -> SimDuration {
        let factor = self
            .slowdowns
            .iter()
            .map(|&(_, _, f)| f)
            .fold(1.0, f64::max);
        SimDuration::from_secs_f64(self.processing_delay.quantile(1.0) * factor)
            + SimDuration::from_millis(1)
    }

    /// The processing delay of point `n` of `vm` whose data arrived at `arrival`:
    /// one draw from that point's own stream, stretched by any target slowdown.
    pub fn processing_delay(&self, vm: usize, n: i64, arrival: SimTime) -> SimDuration {
        let mut rng = stream(self.seed, self.replication, Purpose::Point { vm, n });
        let factor = self
            .slowdowns
            .iter()
            .filter(|(start, end, _)| *start <= arrival && arrival < *end)
            .map(|&(_, _, f)| f)
            .fold(1.0, f64::max);
        SimDuration::from_secs_f64(self.processing_delay.sample(&mut rng) * factor)
    }
}

/// At most this many earlier points are looked at for the processing order
/// (far more than any delay distribution needs; a guard, not a model choice).
const MAX_ORDERED_POINTS: i64 = 10_000;

/// When point `n` of `schedule` (taken at `point`) is usable for a VM with
/// `history`, if ever. The target processes the replicated stream in order, so
/// a point is usable once its data has arrived, its own processing delay has
/// passed, and every earlier point is usable: the latest of `arrival + delay`
/// over it and the points before it. Earlier points are looked at until their
/// data arrived so early that no delay could make them later (`bound`, the
/// context's [`PointContext::delay_bound`]).
fn usable_at(
    ctx: &PointContext<'_>,
    vm: usize,
    history: &[Breakpoint],
    schedule: Schedule,
    bound: SimDuration,
    n: i64,
    point: SimTime,
) -> Option<SimTime> {
    let arrival = fluid::time_sent_reaches(history, fluid::written_at(history, point))?;
    if ctx.lost_to_resync(vm, point, arrival) {
        return None;
    }
    let mut usable = arrival + ctx.processing_delay(vm, n, arrival);
    let start = history.first().map_or(point, |b| b.time);
    let (mut m, mut t) = (n - 1, schedule.time_of(n - 1));
    while t >= start && m > n - MAX_ORDERED_POINTS {
        let Some(arrival) = fluid::time_sent_reaches(history, fluid::written_at(history, t)) else {
            break;
        };
        if arrival + bound <= usable {
            break;
        }
        // A point lost to a resync is never processed: it holds nothing back.
        if !ctx.lost_to_resync(vm, t, arrival) {
            usable = usable.max(arrival + ctx.processing_delay(vm, m, arrival));
        }
        m -= 1;
        t = schedule.time_of(m);
    }
    Some(usable)
}

/// The choice made of `point_time` for a VM with `history`.
fn choice(
    t0: SimTime,
    history: &[Breakpoint],
    point_time: SimTime,
    usable_at: SimTime,
    no_usable_point: bool,
) -> PointChoice {
    let written_at_t0 = fluid::written_at(history, t0);
    let newest_at_target = newest_write_at_target(history, t0);
    PointChoice {
        point_time,
        usable_at,
        failover_processing: SimDuration::ZERO,
        rpo: t0.since(point_time),
        data_lost_bytes: (written_at_t0 - fluid::written_at(history, point_time)).max(0.0),
        lag: t0.since(newest_at_target),
        no_usable_point,
    }
}

/// Replication lag at `t`: the age of the newest write present at the target.
fn lag_at(history: &[Breakpoint], t: SimTime) -> SimDuration {
    t.since(newest_write_at_target(history, t))
}

/// The write time of the newest byte the target holds at `t`.
fn newest_write_at_target(history: &[Breakpoint], t: SimTime) -> SimTime {
    let sent = fluid::sent_at(history, t);
    if sent >= fluid::written_at(history, t) - 1e-3 {
        return t;
    }
    fluid::time_written_reaches(history, sent)
        .unwrap_or(t)
        .min(t)
}

/// The newest point of `schedule` usable at `t0` by every member (one VM, or a
/// multi-VM consistency group): `members` are `(vm index, history)`, each
/// history starting when that VM's replication started.
pub fn newest_common_point(
    ctx: &PointContext<'_>,
    schedule: Schedule,
    members: &[(usize, &[Breakpoint])],
) -> Vec<PointChoice> {
    let mut usable = vec![SimTime::EPOCH; members.len()];
    let found = search_common_point(ctx, schedule, members, &mut usable);
    members
        .iter()
        .zip(usable)
        .map(|(&(_, history), u)| found.choice(ctx.t0, history, u))
        .collect()
}

/// [`newest_common_point`] for one VM on its own (no allocation: it runs for
/// every VM of every replication).
pub fn newest_point(
    ctx: &PointContext<'_>,
    schedule: Schedule,
    vm: usize,
    history: &[Breakpoint],
) -> PointChoice {
    let mut usable = [SimTime::EPOCH];
    let found = search_common_point(ctx, schedule, &[(vm, history)], &mut usable);
    found.choice(ctx.t0, history, usable[0])
}

/// What [`search_common_point`] found.
#[derive(Debug, Clone, Copy)]
enum CommonPoint {
    /// The point taken at this instant is usable by every member, each from
    /// the instant written in its slot.
    Usable(SimTime),
    /// None since replication started is: the initial replica, the state
    /// when replication started.
    InitialReplica(SimTime),
}

impl CommonPoint {
    fn choice(self, t0: SimTime, history: &[Breakpoint], usable_at: SimTime) -> PointChoice {
        match self {
            CommonPoint::Usable(point) => choice(t0, history, point, usable_at, false),
            CommonPoint::InitialReplica(start) => choice(t0, history, start, start, true),
        }
    }
}

/// Walks the points of `schedule` back from `t0` to the first usable by every
/// member, writing each member's usable instant into `usable`.
///
/// Points are pruned only when newer ones are generated: "Site Recovery only
/// replaces the oldest point if it generates new points. Until there are new
/// recovery points, all the old points remain after you reach the retention
/// window" (azure-to-azure-common-questions.md, "What happens if Site Recovery
/// can't generate recovery points for more than one day?"). Retention and
/// pruning therefore count back from the newest point generated, and the
/// newest usable point is always there, however old: the search is bounded
/// by the start of replication, not by the retention window
/// (docs/model.md, "Replication health").
fn search_common_point(
    ctx: &PointContext<'_>,
    schedule: Schedule,
    members: &[(usize, &[Breakpoint])],
    usable: &mut [SimTime],
) -> CommonPoint {
    let t0 = ctx.t0;
    let replication_start = members
        .iter()
        .filter_map(|(_, h)| h.first().map(|b| b.time))
        .max()
        .unwrap_or(t0);
    let bound = ctx.delay_bound();
    let (newest, floor) = match ctx.clean {
        Some((infection, kept_from)) => (infection.min(t0), replication_start.max(kept_from)),
        None => (t0, replication_start),
    };
    let (mut n, mut point) = schedule.latest_at_or_before(newest);
    while point >= floor {
        // A clean point must still be kept at t0: the encrypted points kept
        // arriving, and pruning thinned the older ones meanwhile (counted
        // back from t0, about when the newest encrypted point was generated).
        if ctx.clean.is_some() && !schedule.is_retained(point, t0) {
            n -= 1;
            point = schedule.time_of(n);
            continue;
        }
        let every_member = members
            .iter()
            .zip(usable.iter_mut())
            .all(|(&(vm, history), slot)| {
                match usable_at(ctx, vm, history, schedule, bound, n, point).filter(|&u| u <= t0) {
                    Some(u) => {
                        *slot = u;
                        true
                    }
                    None => false,
                }
            });
        if every_member {
            return CommonPoint::Usable(point);
        }
        n -= 1;
        point = schedule.time_of(n);
    }
    // No point since replication started is usable by every member: the
    // initial replica (the state when replication started). After
    // ransomware, no clean point is kept: what stands for a backup from
    // before the infection, at best.
    match ctx.clean {
        Some((infection, _)) => CommonPoint::InitialReplica(replication_start.min(infection)),
        None => CommonPoint::InitialReplica(replication_start),
    }
}

/// ASR's `latest`: when the failover is triggered, everything received is
/// processed first, so the point holds the newest write at the target (RPO =
/// lag) and the failover waits for that processing, unless nothing arrived
/// since the newest processed point (then that point, at once). A VM being
/// resynchronised has no consistent log to process (it was dropped): it
/// fails over to its newest processed point, as `latest-processed` would.
pub fn latest_received(
    ctx: &PointContext<'_>,
    schedule: Schedule,
    vm: usize,
    history: &[Breakpoint],
) -> PointChoice {
    let t0 = ctx.t0;
    // A resyncing VM has no consistent log to process; after ransomware
    // the newest data is encrypted: both take the newest usable point.
    if ctx.resyncing_at_t0(vm) || ctx.clean.is_some() {
        return newest_point(ctx, schedule, vm, history);
    }
    // "If there is no data uploaded to Site Recovery service waiting to be
    // processed, Azure Site Recovery won't perform any processing" and fails
    // over to the latest processed point (azure-to-azure-common-questions.md,
    // "What's the *Latest* recovery point?").
    let processed = newest_point(ctx, schedule, vm, history);
    let received = fluid::sent_at(history, t0);
    if received <= fluid::written_at(history, processed.point_time) + 1e-3 {
        return processed;
    }
    let newest = newest_write_at_target(history, t0);
    // Index far outside any schedule: its own stream for this one draw.
    let processing = ctx.processing_delay(vm, i64::MIN / 2, t0);
    PointChoice {
        failover_processing: processing,
        ..choice(t0, history, newest, t0, false)
    }
}

/// The lag of a VM with `history` at `samples + 1` evenly spaced instants over
/// the `window_s` before `t0`, oldest first.
pub fn lag_samples(
    history: &[Breakpoint],
    t0: SimTime,
    window_s: f64,
    samples: usize,
) -> Vec<LagSample> {
    (0..=samples)
        .map(|i| {
            let before = window_s * (1.0 - i as f64 / samples as f64);
            let t = t0 - SimDuration::from_secs_f64(before);
            LagSample {
                before_outage_s: before,
                lag: lag_at(history, t),
            }
        })
        .collect()
}

/// The points of `schedule` still retained at `t0` and taken at most
/// `window_s` before it, newest first; at most `limit` of them.
pub fn retained_points(
    schedule: Schedule,
    t0: SimTime,
    window_s: f64,
    limit: usize,
) -> Vec<SimTime> {
    let (mut n, mut t) = schedule.latest_at_or_before(t0);
    let mut points = Vec::new();
    while t0.since(t).as_secs_f64() <= window_s && points.len() < limit {
        if schedule.is_retained(t, t0) {
            points.push(t);
        }
        n -= 1;
        t = schedule.time_of(n);
    }
    points
}

/// How long, between `from` and `to`, the lag exceeded `threshold`: the lag at
/// `t` exceeds it exactly when bytes written by `t - threshold` are not all sent
/// by `t`. Both are piecewise linear, so the time is computed exactly.
pub fn time_lag_exceeds(
    history: &[Breakpoint],
    threshold: SimDuration,
    from: SimTime,
    to: SimTime,
) -> SimDuration {
    let start = from + threshold;
    if start >= to || history.is_empty() {
        return SimDuration::ZERO;
    }
    // The instants where either side bends (breakpoints, and breakpoints
    // shifted by the threshold), merged in order without a buffer: two
    // ascending sequences.
    let mut bends = history.iter().map(|b| b.time).peekable();
    let mut shifted = history.iter().map(|b| b.time + threshold).peekable();
    let inside = std::iter::from_fn(move || match (bends.peek(), shifted.peek()) {
        (Some(x), Some(y)) if x <= y => bends.next(),
        (_, Some(_)) => shifted.next(),
        (Some(_), None) => bends.next(),
        (None, None) => None,
    })
    .filter(|t| *t > start && *t < to);
    let excess =
        |t: SimTime| fluid::written_at(history, t - threshold) - fluid::sent_at(history, t) - 1e-3;
    let mut total = 0.0;
    let (mut a, mut ea) = (start, excess(start));
    for b in inside.chain(std::iter::once(to)) {
        if b == a {
            continue;
        }
        let eb = excess(b);
        let span = b.since(a).as_secs_f64();
        total += match (ea > 0.0, eb > 0.0) {
            (true, true) => span,
            (false, false) => 0.0,
            (true, false) => span * ea / (ea - eb),
            (false, true) => span * eb / (eb - ea),
        };
        (a, ea) = (b, eb);
    }
    SimDuration::from_secs_f64(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::fluid::FluidLink;
    use crate::scenario::units::QuantityKind;

    fn context(t0: SimTime, delay: &Distribution) -> PointContext<'_> {
        PointContext {
            t0,
            processing_delay: delay,
            slowdowns: &[],
            resyncs: &[],
            seed: 1,
            replication: 0,
            clean: None,
        }
    }

    fn t(s: i64) -> SimTime {
        SimTime::from_millis(s * 1000)
    }

    fn steady_history(churn: f64, capacity: f64, from: SimTime, to: SimTime) -> Vec<Breakpoint> {
        let mut link = FluidLink::new(capacity, 1, from);
        link.start_recording();
        link.set_input_rate(from, 0, churn);
        link.set_active(from, 0, true);
        link.advance(to);
        link.stop_recording();
        link.history(0).to_vec()
    }

    #[test]
    fn schedule_rounds_down_to_its_grid() {
        let s = Schedule {
            interval: SimDuration::from_secs(300),
            phase: SimDuration::from_secs(60),
            pruning: None,
        };
        assert_eq!(s.latest_at_or_before(t(1000)).1, t(960));
        assert_eq!(s.latest_at_or_before(t(960)).1, t(960));
        assert_eq!(s.latest_at_or_before(t(-100)).1, t(-240));
    }

    #[test]
    fn past_seven_days_a_long_retention_keeps_one_point_in_four_hours() {
        let s = Schedule {
            interval: SimDuration::from_secs(300),
            phase: SimDuration::ZERO,
            pruning: Some(Pruning {
                keep_all_for: SimDuration::from_secs(7200),
                interval: SimDuration::from_secs(7200),
                coarse: Some((
                    SimDuration::from_secs(7 * 86_400),
                    SimDuration::from_secs(4 * 3600),
                )),
            }),
        };
        let t0 = t(10 * 86_400);
        // 6 days old: the last point of each two hours (01:55) is kept.
        let six_days = 4 * 86_400;
        assert!(s.is_retained(t(six_days + 7200 - 300), t0));
        assert!(!s.is_retained(t(six_days + 3600 - 300), t0));
        // 8 days old: only the last point of each four hours (03:55).
        let eight_days = 2 * 86_400;
        assert!(!s.is_retained(t(eight_days + 7200 - 300), t0));
        assert!(s.is_retained(t(eight_days + 4 * 3600 - 300), t0));
    }

    #[test]
    fn pruning_keeps_all_recent_points_then_one_an_hour() {
        let s = Schedule {
            interval: SimDuration::from_secs(300),
            phase: SimDuration::ZERO,
            pruning: Some(Pruning {
                keep_all_for: SimDuration::from_secs(7200),
                interval: SimDuration::from_secs(3600),
                coarse: None,
            }),
        };
        let t0 = t(10 * 3600);
        assert!(s.is_retained(t(9 * 3600 + 300), t0));
        assert!(s.is_retained(t(8 * 3600), t0));
        // 3 h old: only the last point of its hour (xx:55) survives.
        assert!(!s.is_retained(t(7 * 3600 + 300), t0));
        assert!(s.is_retained(t(7 * 3600 + 3300), t0));
    }

    #[test]
    fn keeping_up_the_rpo_is_the_time_since_the_last_processed_point() {
        let history = steady_history(10.0, 100.0, t(0), t(3600));
        let schedule = Schedule {
            interval: SimDuration::from_secs(300),
            phase: SimDuration::ZERO,
            pruning: None,
        };
        let delay = Distribution::fixed(QuantityKind::Duration, 120.0);
        // t0 = 3500: point 3300 is usable at 3420 <= 3500.
        let c = newest_common_point(&context(t(3500), &delay), schedule, &[(0, &history)])[0];
        assert_eq!(c.point_time, t(3300));
        assert_eq!(c.rpo, SimDuration::from_secs(200));
        assert!((c.data_lost_bytes - 2000.0).abs() < 1e-6);
        assert_eq!(c.lag, SimDuration::ZERO);
        // t0 = 3350: point 3300 is not processed until 3420, so 3000 is used.
        let c = newest_common_point(&context(t(3350), &delay), schedule, &[(0, &history)])[0];
        assert_eq!(c.point_time, t(3000));
    }

    #[test]
    fn a_lagging_flow_needs_older_points() {
        // Writes 10 B/s, link 5 B/s: at t0 = 600 the target holds writes up to 300 s.
        let history = steady_history(10.0, 5.0, t(0), t(600));
        let schedule = Schedule {
            interval: SimDuration::from_secs(60),
            phase: SimDuration::ZERO,
            pruning: None,
        };
        let none = Distribution::fixed(QuantityKind::Duration, 0.0);
        let c = newest_common_point(&context(t(600), &none), schedule, &[(0, &history)])[0];
        assert_eq!(c.point_time, t(300));
        assert_eq!(c.lag, SimDuration::from_secs(300));
        assert!(!c.no_usable_point);
        // `latest` uses the newest write at the target: RPO equals the lag.
        let c = latest_received(&context(t(600), &none), schedule, 0, &history);
        assert_eq!(c.rpo, SimDuration::from_secs(300));
        // The lag grows as t/2 from 0: above 100 s from t = 200 s to 600 s.
        let above = time_lag_exceeds(&history, SimDuration::from_secs(100), t(0), t(600));
        assert_eq!(above, SimDuration::from_secs(400));
    }

    #[test]
    fn a_consistency_group_uses_the_newest_point_usable_by_all() {
        let fast = steady_history(10.0, 100.0, t(0), t(600));
        let slow = steady_history(10.0, 5.0, t(0), t(600));
        let schedule = Schedule {
            interval: SimDuration::from_secs(60),
            phase: SimDuration::ZERO,
            pruning: None,
        };
        let none = Distribution::fixed(QuantityKind::Duration, 0.0);
        let both =
            newest_common_point(&context(t(600), &none), schedule, &[(0, &fast), (1, &slow)]);
        assert_eq!(both[0].point_time, t(300));
        assert_eq!(both[1].point_time, t(300));
        assert_eq!(both[0].lag, SimDuration::ZERO);
    }

    #[test]
    fn points_become_usable_in_order() {
        // No lag (data arrives as written), a point a minute, processing delays
        // uniform over 0 to 5 min: a newer point often finishes before an older
        // one, but can only be used once every older point is processed.
        let history = steady_history(10.0, 1000.0, t(0), t(7200));
        let schedule = Schedule {
            interval: SimDuration::from_secs(60),
            phase: SimDuration::ZERO,
            pruning: None,
        };
        let delay = Distribution::from_value(
            &toml::Value::Table(
                [("dist", "uniform"), ("min", "0s"), ("max", "5m")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string())))
                    .collect(),
            ),
            QuantityKind::Duration,
        )
        .expect("valid");
        let mut reordered = 0;
        for t0 in (3600..7200).step_by(37) {
            let ctx = context(t(t0), &delay);
            let c = newest_common_point(&ctx, schedule, &[(0, &history)])[0];
            let (n_used, _) = schedule.latest_at_or_before(c.point_time);
            // Every earlier point was processed by t0, and no later than this one.
            for m in (n_used - 20)..=n_used {
                let done = schedule.time_of(m) + ctx.processing_delay(0, m, schedule.time_of(m));
                assert!(done <= t(t0), "t0 {t0}: point {m} not processed");
                assert!(done <= c.usable_at, "t0 {t0}: usable before point {m}");
            }
            // Without the order, a newer point could have been chosen.
            let (newest, _) = schedule.latest_at_or_before(t(t0));
            let naive = (n_used + 1..=newest).any(|m| {
                schedule.time_of(m) + ctx.processing_delay(0, m, schedule.time_of(m)) <= t(t0)
            });
            reordered += usize::from(naive);
        }
        assert!(reordered > 10, "the order mattered in {reordered} cases");
    }
}
