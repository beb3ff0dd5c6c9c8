//! `FluidLink`: replication traffic as a fluid queue per flow over one shared link.
//!
//! Each flow (one VM's replication in one direction) receives writes at an input
//! rate, or as instantaneous bursts, and holds a backlog of bytes not yet sent.
//! The link's capacity is shared max-min fairly, weighted: a flow with nothing
//! queued takes only what it writes, the rest is split among flows with a
//! backlog in proportion to their weights. Between two calls every rate is
//! constant, so the state is advanced analytically (no ticking) and the next
//! instant a backlog empties is known in closed form.
//!
//! When recording, a flow stores a breakpoint whenever its slope (input or send
//! rate) changes or a burst lands; cumulative bytes written and sent are then
//! exact piecewise-linear functions of time, from which recovery-point arrival
//! times and replication lag are computed.

use crate::engine::{SimDuration, SimTime};

/// Bytes below which a backlog counts as empty: absorbs float rounding and the
/// sub-millisecond overshoot of events scheduled on the millisecond grid.
const EMPTY_BYTES: f64 = 1e-3;

#[derive(Debug, Clone)]
struct Flow {
    active: bool,
    weight: f64,
    input_rate: f64,
    /// Cumulative bytes written since the flow was created.
    written: f64,
    /// Bytes queued as bulk copies (full copies, computed deltas), not writes.
    bulk: f64,
    /// Cumulative bytes sent.
    sent: f64,
    /// Bytes written or queued and not yet sent.
    backlog: f64,
    /// Send rate allocated by the last reallocation.
    rate: f64,
    /// The slopes in force since the last recorded breakpoint.
    recorded_slopes: (f64, f64),
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            active: false,
            weight: 1.0,
            input_rate: 0.0,
            written: 0.0,
            bulk: 0.0,
            sent: 0.0,
            backlog: 0.0,
            rate: 0.0,
            recorded_slopes: (f64::NAN, f64::NAN),
        }
    }
}

/// Cumulative bytes written and sent by one flow at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Breakpoint {
    pub time: SimTime,
    pub written: f64,
    pub sent: f64,
}

/// One shared link and the flows that use it.
#[derive(Debug, Clone)]
pub struct FluidLink {
    capacity: f64,
    flows: Vec<Flow>,
    now: SimTime,
    /// Bumped at every change so that stale drain checks can be recognised.
    epoch: u64,
    recording: bool,
    history: Vec<Vec<Breakpoint>>,
    /// The active flows, ascending: every per-event pass visits only them, in
    /// the order a scan of all flows would.
    active: Vec<usize>,
    /// Scratch for [`FluidLink::reallocate`], kept to avoid allocating per
    /// event: the flows not (yet) settled at their input rate.
    unsettled: Vec<usize>,
    /// `(now, epoch, seconds)`: the seconds to the next drain (`None`: no
    /// backlog empties) as the last reallocation found them, valid while the
    /// link is at that instant and epoch.
    drain: Option<(SimTime, u64, Option<f64>)>,
}

impl FluidLink {
    /// A link of `capacity` bytes/s with `flows` inactive flows, at time `now`.
    pub fn new(capacity: f64, flows: usize, now: SimTime) -> Self {
        FluidLink {
            capacity,
            flows: vec![Flow::default(); flows],
            now,
            epoch: 0,
            recording: false,
            history: vec![Vec::new(); flows],
            active: Vec::new(),
            unsettled: Vec::with_capacity(flows),
            drain: None,
        }
    }

    /// Breakpoints recorded so far over every flow.
    pub fn recorded(&self) -> usize {
        self.history.iter().map(Vec::len).sum()
    }

    /// The instant the flows were last integrated to.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Bytes/s the link carries now (after faults).
    pub fn capacity(&self) -> f64 {
        self.capacity
    }

    pub fn weight(&self, flow: usize) -> f64 {
        self.flows[flow].weight
    }

    /// Sets a flow's share of the link relative to the others (kept when the
    /// flow is started afresh).
    pub fn set_weight(&mut self, flow: usize, weight: f64) {
        self.flows[flow].weight = weight;
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Keeps breakpoints of every flow from now on.
    pub fn start_recording(&mut self) {
        self.recording = true;
        for i in 0..self.flows.len() {
            self.record(i, true);
        }
    }

    /// Stops recording, closing every flow's trajectory at the current time.
    pub fn stop_recording(&mut self) {
        for i in 0..self.flows.len() {
            self.record(i, true);
        }
        self.recording = false;
    }

    pub fn history(&self, flow: usize) -> &[Breakpoint] {
        &self.history[flow]
    }

    pub fn backlog(&self, flow: usize) -> f64 {
        self.flows[flow].backlog
    }

    pub fn written(&self, flow: usize) -> f64 {
        self.flows[flow].written
    }

    /// Bytes queued as bulk copies since the flow was created.
    pub fn bulk(&self, flow: usize) -> f64 {
        self.flows[flow].bulk
    }

    pub fn sent(&self, flow: usize) -> f64 {
        self.flows[flow].sent
    }

    pub fn send_rate(&self, flow: usize) -> f64 {
        self.flows[flow].rate
    }

    pub fn input_rate(&self, flow: usize) -> f64 {
        self.flows[flow].input_rate
    }

    pub fn is_active(&self, flow: usize) -> bool {
        self.flows[flow].active
    }

    pub fn flows(&self) -> usize {
        self.flows.len()
    }

    /// Integrates every flow from the last change up to `now`.
    pub fn advance(&mut self, now: SimTime) {
        let dt = self.step_to(now);
        if dt <= 0.0 {
            return;
        }
        for &i in &self.active {
            integrate(&mut self.flows[i], dt);
        }
    }

    /// Moves the clock to `now`; returns the seconds elapsed (none if <= 0).
    fn step_to(&mut self, now: SimTime) -> f64 {
        let dt = now.since(self.now).as_secs_f64();
        self.now = self.now.max(now);
        dt
    }

    /// The shape of every change to one flow or the link: `flow` (if active)
    /// is integrated up to `now`, `apply` makes the change, then the other
    /// active flows are integrated in the same pass that starts the
    /// reallocation. Each flow's arithmetic is the one [`FluidLink::advance`]
    /// then [`FluidLink::reallocate`] would do, in the same order: one pass
    /// over the flows fewer, the same bits.
    fn change(&mut self, now: SimTime, flow: Option<usize>, apply: impl FnOnce(&mut Self)) {
        let dt = self.step_to(now).max(0.0);
        if let Some(i) = flow
            && dt > 0.0
            && self.flows[i].active
        {
            integrate(&mut self.flows[i], dt);
        }
        apply(self);
        self.reallocate_integrating(dt, flow);
    }

    /// Pushes a breakpoint for `flow` at the current time if its slopes changed
    /// since the last one (or always, with `force`).
    fn record(&mut self, flow: usize, force: bool) {
        if !self.recording {
            return;
        }
        let f = &mut self.flows[flow];
        let slopes = if f.active {
            (f.input_rate, f.rate)
        } else {
            (0.0, 0.0)
        };
        if !force && slopes == f.recorded_slopes {
            return;
        }
        f.recorded_slopes = slopes;
        let point = Breakpoint {
            time: self.now,
            written: f.written,
            sent: f.sent,
        };
        let history = &mut self.history[flow];
        if history.last() != Some(&point) {
            history.push(point);
        }
    }

    /// Keeps `flow` in (or out of) the ascending list of active flows.
    fn list_active(&mut self, flow: usize, active: bool) {
        match (self.active.binary_search(&flow), active) {
            (Err(at), true) => self.active.insert(at, flow),
            (Ok(at), false) => {
                self.active.remove(at);
            }
            _ => {}
        }
    }

    /// Starts a flow afresh (a new direction of replication): `bulk_bytes` queued
    /// for copying, then the VM's writes at `input_rate` on top.
    pub fn start_flow(&mut self, now: SimTime, flow: usize, input_rate: f64, bulk_bytes: f64) {
        self.change(now, Some(flow), |l| {
            let bulk = bulk_bytes.max(0.0);
            let weight = l.flows[flow].weight;
            l.flows[flow] = Flow {
                active: true,
                weight,
                input_rate,
                bulk,
                backlog: bulk,
                ..Flow::default()
            };
            l.list_active(flow, true);
        });
    }

    /// Starts several flows at once, each `(flow, input rate, weight)` with nothing
    /// queued: one reallocation for all of them.
    pub fn start_flows(
        &mut self,
        now: SimTime,
        flows: impl IntoIterator<Item = (usize, f64, f64)>,
    ) {
        self.advance(now);
        for (flow, input_rate, weight) in flows {
            self.flows[flow] = Flow {
                active: true,
                weight,
                input_rate,
                ..Flow::default()
            };
            self.list_active(flow, true);
        }
        self.reallocate();
    }

    /// Stops every flow at once (the source site failed).
    pub fn stop_all(&mut self, now: SimTime) {
        self.advance(now);
        for f in &mut self.flows {
            f.active = false;
            f.rate = 0.0;
        }
        self.active.clear();
        self.reallocate();
    }

    /// Starts (or stops, with `active = false`) a flow at `now`.
    pub fn set_active(&mut self, now: SimTime, flow: usize, active: bool) {
        self.change(now, Some(flow), |l| {
            l.flows[flow].active = active;
            if !active {
                l.flows[flow].rate = 0.0;
            }
            l.list_active(flow, active);
        });
    }

    pub fn set_input_rate(&mut self, now: SimTime, flow: usize, bytes_per_second: f64) {
        self.change(now, Some(flow), |l| {
            l.flows[flow].input_rate = bytes_per_second;
        });
    }

    /// A link fault or its end: the bandwidth available changes.
    pub fn set_capacity(&mut self, now: SimTime, bytes_per_second: f64) {
        self.change(now, None, |l| l.capacity = bytes_per_second.max(0.0));
    }

    /// A burst of writes lands at once (a jump in bytes written).
    pub fn write_burst(&mut self, now: SimTime, flow: usize, bytes: f64) {
        self.change(now, Some(flow), |l| {
            l.record(flow, true);
            let f = &mut l.flows[flow];
            f.written += bytes;
            f.backlog += bytes;
            l.record(flow, true);
        });
    }

    /// A resynchronisation replaces `flow`'s queued write log by the
    /// `keep_bytes` of changed blocks that still have to move (ASR drops the
    /// log and compares blocks): the bytes dropped count as sent, so the
    /// flow's trajectory stays continuous in bytes written.
    pub fn resync(&mut self, now: SimTime, flow: usize, keep_bytes: f64) {
        self.change(now, Some(flow), |l| {
            l.record(flow, true);
            let f = &mut l.flows[flow];
            let keep = keep_bytes.clamp(0.0, f.backlog);
            f.sent += f.backlog - keep;
            f.backlog = keep;
            l.record(flow, true);
        });
    }

    /// Cumulative bytes `flow` had written by `t` (at most now): from its
    /// recorded breakpoints, continued at its input rate since the last.
    pub fn written_by(&self, flow: usize, t: SimTime) -> f64 {
        let f = &self.flows[flow];
        let history = &self.history[flow];
        match history.last() {
            Some(last) if t >= last.time => {
                let rate = if f.active { f.input_rate } else { 0.0 };
                (last.written + rate * t.since(last.time).as_secs_f64()).min(f.written)
            }
            Some(_) => written_at(history, t),
            None => f.written,
        }
    }

    /// Re-divides the capacity at `now`, e.g. after a backlog emptied (a flow with
    /// nothing queued needs only its input rate, which frees bandwidth for others).
    pub fn rebalance(&mut self, now: SimTime) {
        self.change(now, None, |_| {});
    }

    /// Weighted max-min fair shares by water-filling: every pass gives the flows
    /// that need no more than their weighted share of what is left exactly what
    /// they need; when a pass settles none, the rest (all with a backlog or a larger
    /// demand) split the remainder in proportion to their weights. Passes visit
    /// flows in index order, so the result is deterministic; no sorting, no
    /// allocation.
    fn reallocate(&mut self) {
        self.reallocate_integrating(0.0, None);
    }

    /// [`FluidLink::reallocate`], first integrating every active flow but
    /// `integrated` over `dt` seconds (none when `dt` is 0) in its first pass.
    fn reallocate_integrating(&mut self, dt: f64, integrated: Option<usize>) {
        self.epoch += 1;
        let mut remaining = self.capacity;
        let mut weights = 0.0;
        // Flows with a backlog: while there are none, no backlog can drain.
        let mut backlogged = 0;
        for &i in &self.active {
            let f = &mut self.flows[i];
            if dt > 0.0 && integrated != Some(i) {
                integrate(f, dt);
            }
            weights += f.weight;
            backlogged += usize::from(f.backlog > 0.0);
        }
        // Every active flow starts unsettled; each pass keeps only those it
        // could not settle (ascending, as a scan of every flow would visit
        // them), so later passes and the sharing out visit only those.
        let mut unsettled = std::mem::take(&mut self.unsettled);
        unsettled.clear();
        unsettled.extend_from_slice(&self.active);
        // The next drain, when the rates were shared out (else unknown here).
        let mut drain = None;
        while weights > 0.0 {
            let per_weight = remaining / weights;
            let mut settled_any = false;
            // Idle flows this pass could not settle: only they could settle in
            // a later pass (a backlogged flow never does), so when there are
            // none the next pass is known to settle nothing and is skipped.
            let mut idle_left = false;
            let flows = &mut self.flows;
            unsettled.retain(|&i| {
                let f = &mut flows[i];
                if f.backlog <= 0.0 {
                    if f.input_rate <= per_weight * f.weight {
                        f.rate = f.input_rate;
                        remaining -= f.input_rate;
                        weights -= f.weight;
                        settled_any = true;
                        return false;
                    }
                    idle_left = true;
                }
                true
            });
            if settled_any && idle_left && weights > 1e-12 {
                continue;
            }
            if settled_any {
                if weights <= 1e-12 {
                    break;
                }
                // The pass that would settle nothing, at the new share.
                let per_weight = remaining / weights;
                drain = Some(share_out(&mut self.flows, &unsettled, per_weight));
                break;
            }
            drain = Some(share_out(&mut self.flows, &unsettled, per_weight));
            break;
        }
        self.unsettled = unsettled;
        if backlogged == 0 {
            drain = Some(None);
        }
        self.drain = drain.map(|seconds| (self.now, self.epoch, seconds));
        if self.recording {
            for i in 0..self.flows.len() {
                self.record(i, false);
            }
        }
    }

    /// The earliest instant at which a backlog empties under the current rates,
    /// rounded up to the millisecond grid.
    pub fn next_drain(&self) -> Option<SimTime> {
        // Computed by the last reallocation when nothing moved since.
        let seconds = match self.drain {
            Some((now, epoch, seconds)) if now == self.now && epoch == self.epoch => seconds,
            _ => self
                .active
                .iter()
                .map(|&i| &self.flows[i])
                .filter(|f| f.backlog > 0.0 && f.rate > f.input_rate)
                .map(|f| f.backlog / (f.rate - f.input_rate))
                .min_by(f64::total_cmp),
        };
        seconds.map(|seconds| self.now + SimDuration::from_secs_f64_ceil(seconds))
    }
}

/// Gives every `unsettled` flow its weighted share `per_weight * weight`;
/// returns the seconds until the first of their backlogs empties (as
/// [`FluidLink::next_drain`] computes it; `None` when none will).
fn share_out(flows: &mut [Flow], unsettled: &[usize], per_weight: f64) -> Option<f64> {
    let mut drain: Option<f64> = None;
    for &i in unsettled {
        let f = &mut flows[i];
        f.rate = per_weight * f.weight;
        if f.backlog > 0.0 && f.rate > f.input_rate {
            let seconds = f.backlog / (f.rate - f.input_rate);
            drain = Some(drain.map_or(seconds, |d| d.min(seconds)));
        }
    }
    drain
}

/// Integrates one flow over `dt` seconds at its current rates: writes arrive,
/// the send rate drains the backlog, a residue below [`EMPTY_BYTES`] counts
/// as sent.
fn integrate(f: &mut Flow, dt: f64) {
    let arriving = f.input_rate * dt;
    let available = f.backlog + arriving;
    let mut sent = (f.rate * dt).min(available);
    let mut backlog = available - sent;
    if backlog < EMPTY_BYTES {
        sent += backlog;
        backlog = 0.0;
    }
    f.written += arriving;
    f.sent += sent;
    f.backlog = backlog;
}

/// Cumulative bytes written by `time`, interpolated between breakpoints.
pub fn written_at(history: &[Breakpoint], time: SimTime) -> f64 {
    interpolate(history, time, |b| b.written)
}

/// Cumulative bytes sent by `time`.
pub fn sent_at(history: &[Breakpoint], time: SimTime) -> f64 {
    interpolate(history, time, |b| b.sent)
}

fn interpolate(history: &[Breakpoint], time: SimTime, value: impl Fn(&Breakpoint) -> f64) -> f64 {
    let Some(first) = history.first() else {
        return 0.0;
    };
    if time <= first.time {
        return value(first);
    }
    let after = history.partition_point(|b| b.time <= time);
    if after == history.len() {
        return value(&history[history.len() - 1]);
    }
    let (a, b) = (&history[after - 1], &history[after]);
    let span = b.time.since(a.time).as_secs_f64();
    if span <= 0.0 {
        return value(b);
    }
    let x = time.since(a.time).as_secs_f64() / span;
    value(a) + (value(b) - value(a)) * x
}

/// The first instant at which cumulative sent bytes reach `bytes`, or `None` if
/// they never do within the recorded history.
pub fn time_sent_reaches(history: &[Breakpoint], bytes: f64) -> Option<SimTime> {
    first_reaching(history, bytes, |b| b.sent)
}

/// The first instant at which cumulative written bytes reach `bytes`.
pub fn time_written_reaches(history: &[Breakpoint], bytes: f64) -> Option<SimTime> {
    first_reaching(history, bytes, |b| b.written)
}

fn first_reaching(
    history: &[Breakpoint],
    bytes: f64,
    value: impl Fn(&Breakpoint) -> f64,
) -> Option<SimTime> {
    let tolerance = EMPTY_BYTES;
    let target = bytes - tolerance;
    let first = history.first()?;
    if value(first) >= target {
        return Some(first.time);
    }
    let after = history.partition_point(|b| value(b) < target);
    if after == history.len() {
        return None;
    }
    let (a, b) = (&history[after - 1], &history[after]);
    if b.time <= a.time {
        return Some(b.time);
    }
    let fraction = ((bytes - value(a)) / (value(b) - value(a))).clamp(0.0, 1.0);
    let span_ms = b.time.since(a.time).as_millis() as f64;
    Some(a.time + SimDuration::from_millis((fraction * span_ms).ceil() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> SimTime {
        SimTime::from_millis(s * 1000)
    }

    #[test]
    fn light_flows_keep_up_and_heavy_ones_share_the_rest() {
        // Capacity 100: flow 0 writes 10 (keeps up), flows 1 and 2 write 60 each.
        let mut link = FluidLink::new(100.0, 3, t(0));
        for (i, rate) in [10.0, 60.0, 60.0].into_iter().enumerate() {
            link.set_input_rate(t(0), i, rate);
            link.set_active(t(0), i, true);
        }
        assert_eq!(link.send_rate(0), 10.0);
        assert_eq!(link.send_rate(1), 45.0);
        assert_eq!(link.send_rate(2), 45.0);
        link.advance(t(10));
        assert_eq!(link.backlog(0), 0.0);
        assert!((link.backlog(1) - 150.0).abs() < 1e-9);
        assert!(link.next_drain().is_none());
    }

    #[test]
    fn bulk_copy_drains_in_closed_form_and_conserves_bytes() {
        let mut link = FluidLink::new(100.0, 2, t(0));
        link.start_recording();
        link.start_flow(t(0), 0, 20.0, 0.0);
        link.start_flow(t(0), 1, 0.0, 1000.0);
        // Flow 0 needs 20, flow 1 gets 80: 1000 bytes drain in 12.5 s.
        assert_eq!(link.next_drain(), Some(SimTime::from_millis(12_500)));
        link.advance(SimTime::from_millis(12_500));
        assert_eq!(link.backlog(1), 0.0);
        let queued = link.written(0) + link.bulk(1);
        let sent = link.sent(0) + link.sent(1);
        assert!((queued - sent - link.backlog(0) - link.backlog(1)).abs() < 1e-9);
        assert!((link.sent(1) - 1000.0).abs() < 1e-9);
    }

    #[test]
    fn arrival_of_a_write_follows_the_fifo_queue() {
        // One flow writing 10 B/s on a 5 B/s link: the write made at 10 s (byte 100)
        // leaves when 100 bytes have been sent, at 20 s.
        let mut link = FluidLink::new(5.0, 1, t(0));
        link.start_recording();
        link.set_input_rate(t(0), 0, 10.0);
        link.set_active(t(0), 0, true);
        link.advance(t(30));
        link.stop_recording();
        let h = link.history(0);
        assert_eq!(written_at(h, t(10)), 100.0);
        assert_eq!(time_sent_reaches(h, 100.0), Some(t(20)));
        assert_eq!(time_written_reaches(h, sent_at(h, t(30))), Some(t(15)));
        assert_eq!(time_sent_reaches(h, 1000.0), None);
    }
}
