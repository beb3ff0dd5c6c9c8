//! `Pool`: one capacity shared by its flows, weighted max-min fair (a whole
//! link, or one process server's share of a link that cannot bind; see
//! [`super::FluidLink`]).
//!
//! Each flow (one VM's replication in one direction) receives writes at an input
//! rate, or as instantaneous bursts, and holds a backlog of bytes not yet sent.
//! The capacity is shared max-min fairly, weighted: a flow with nothing
//! queued takes only what it writes, the rest is split among flows with a
//! backlog in proportion to their weights. Between two calls every rate is
//! constant, so the state is advanced analytically (no ticking) and the next
//! instant a backlog empties is known in closed form.
//!
//! Most flows, most of the time, are idle: nothing queued, sending exactly
//! what they write. Such a flow's bytes grow linearly until something about it
//! changes, so it is integrated lazily (from the instant it went idle, when it
//! is read or touched) and the pool keeps the exact sum of the idle flows'
//! input rates: a change then costs a pass over the flows with a backlog only.
//!
//! When recording, a flow stores a breakpoint whenever its slope (input or send
//! rate) changes or a burst lands; cumulative bytes written and sent are then
//! exact piecewise-linear functions of time, from which recovery-point arrival
//! times and replication lag are computed.
//!
//! Here: the pool and its water-filling. `groups` shares under capped groups
//! (process servers) as well; `lazy_sum` holds the fixed point of the lazy
//! flows' input sum.

use crate::engine::SimTime;

mod fill;
mod groups;
mod lazy_sum;
mod shared;

use shared::drain_check;
#[cfg(test)]
mod tests;

use super::trajectory::Breakpoint;
use lazy_sum::to_fixed;

use super::EMPTY_BYTES;

#[derive(Debug, Clone)]
struct Flow {
    active: bool,
    /// Idle and settled at its input rate (no backlog, `rate == input_rate`):
    /// `written` and `sent` hold their values at `since` and grow at the
    /// input rate from then on (see [`Pool`]).
    lazy: bool,
    /// The instant `written`, `sent` and `backlog` are valid at.
    since: SimTime,
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
    /// Listed in [`Pool::emptied`] (its backlog emptied since last taken).
    listed_empty: bool,
}

impl Default for Flow {
    fn default() -> Self {
        Flow {
            active: false,
            lazy: false,
            since: SimTime::EPOCH,
            weight: 1.0,
            input_rate: 0.0,
            written: 0.0,
            bulk: 0.0,
            sent: 0.0,
            backlog: 0.0,
            rate: 0.0,
            recorded_slopes: (f64::NAN, f64::NAN),
            listed_empty: false,
        }
    }
}

/// One shared link and the flows that use it.
///
/// Every active flow is either lazy (idle at its input rate, integrated when
/// read or touched) or busy (integrated at every change: it has a backlog, or
/// the link cannot give it what it writes). A change integrates the busy flows,
/// then water-fills the capacity left after the lazy flows' inputs among the
/// busy ones, taking the lazy flows as settled; when the resulting share
/// would be below what some lazy flow writes, every flow is woken and the
/// capacity is shared out from scratch. Either way the result is the weighted
/// max-min fair allocation.
#[derive(Debug, Clone)]
pub struct Pool {
    capacity: f64,
    flows: Vec<Flow>,
    now: SimTime,
    /// Bumped at every change so that stale drain checks can be recognised.
    epoch: u64,
    recording: bool,
    history: Vec<Vec<Breakpoint>>,
    /// The active flows, ascending.
    active: Vec<usize>,
    /// The active flows that are not lazy, ascending: the water-filling and
    /// every integration visit only them, in the order a scan of all flows
    /// would.
    busy: Vec<usize>,
    /// The sum of the lazy flows' input rates, in fixed point (see
    /// [`to_fixed`]): adding and removing a flow's term is exact, so the sum
    /// never drifts and does not depend on the order flows came and went.
    lazy_input: i128,
    /// How many flows are lazy.
    lazy: usize,
    /// At least every lazy flow's input rate per unit of weight (exactly the
    /// largest when last recomputed; removals leave it as an upper bound).
    lazy_ratio_bound: f64,
    /// Scratch for [`Pool::reallocate`], kept to avoid allocating per
    /// event: the busy flows not (yet) settled at their input rate.
    unsettled: Vec<usize>,
    /// `(now, epoch, seconds)`: the seconds to the next drain (`None`: no
    /// backlog empties) as the last reallocation found them, valid while the
    /// link is at that instant and epoch.
    drain: Option<(SimTime, u64, Option<SimTime>)>,
    /// Per flow, the capped group it belongs to (a process server), if any.
    group: Vec<Option<usize>>,
    /// Per group, the most its flows may send together (bytes/s). Empty:
    /// the link's capacity is the only limit.
    group_caps: Vec<f64>,
    /// Scratch for [`Pool::groups_overdrawn`]: per group, its flows' rates.
    group_sums: Vec<f64>,
    /// Per flow, the most it may send (bytes/s; infinite: no cap), e.g. a
    /// reprotect's transfer limited by the disk it reads.
    flow_cap: Vec<f64>,
    /// How many flows have a finite cap.
    capped: usize,
    /// Scratch for the capped filling.
    fill_scratch: groups::GroupScratch,
    /// Flows whose backlog emptied (by sending, or by a change) since they
    /// were last taken: whoever waits for a drain reads only them.
    emptied: Vec<usize>,
    /// The busy flows held in virtual time, when no cap or group applies.
    shared: shared::Shared,
}

impl Pool {
    /// A link of `capacity` bytes/s with `flows` inactive flows, at time `now`.
    pub fn new(capacity: f64, flows: usize, now: SimTime) -> Self {
        Pool {
            capacity,
            flows: vec![Flow::default(); flows],
            now,
            epoch: 0,
            recording: false,
            history: vec![Vec::new(); flows],
            active: Vec::new(),
            busy: Vec::new(),
            lazy_input: 0,
            lazy: 0,
            lazy_ratio_bound: f64::NEG_INFINITY,
            unsettled: Vec::with_capacity(flows),
            drain: None,
            group: vec![None; flows],
            group_caps: Vec::new(),
            group_sums: Vec::new(),
            flow_cap: vec![f64::INFINITY; flows],
            capped: 0,
            fill_scratch: groups::GroupScratch::default(),
            emptied: Vec::new(),
            shared: shared::Shared::new(flows),
        }
    }

    /// Puts flows in capped groups (process servers): `group[flow]` indexes
    /// `caps`, the most a group's flows may send together. Shares stay
    /// weighted max-min fair under both limits (progressive filling).
    pub fn set_groups(&mut self, group: Vec<Option<usize>>, caps: Vec<f64>) {
        debug_assert_eq!(group.len(), self.flows.len());
        self.group = group;
        self.group_caps = caps;
    }

    /// Breakpoints recorded so far over every flow.
    pub fn recorded(&self) -> usize {
        self.history.iter().map(Vec::len).sum()
    }

    /// Bytes/s the link carries now (after faults).
    #[cfg(test)]
    pub fn capacity(&self) -> f64 {
        self.capacity
    }

    /// Bumped at every reallocation (rates may have changed).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn weight(&self, flow: usize) -> f64 {
        self.flows[flow].weight
    }

    /// Sets a flow's share of the link relative to the others (kept when the
    /// flow is started afresh).
    pub fn set_weight(&mut self, flow: usize, weight: f64) {
        self.detach(flow);
        let f = &mut self.flows[flow];
        f.weight = weight;
        if f.lazy {
            self.lazy_ratio_bound = self.lazy_ratio_bound.max(f.input_rate / weight);
        }
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

    #[cfg(test)]
    pub fn backlog(&self, flow: usize) -> f64 {
        self.state_at(flow, self.now).2
    }

    #[cfg(test)]
    pub fn written(&self, flow: usize) -> f64 {
        self.state_at(flow, self.now).0
    }

    /// Bytes queued as bulk copies since the flow was created.
    pub fn bulk(&self, flow: usize) -> f64 {
        self.flows[flow].bulk
    }

    #[cfg(test)]
    pub fn sent(&self, flow: usize) -> f64 {
        self.state_at(flow, self.now).1
    }

    pub fn send_rate(&self, flow: usize) -> f64 {
        if self.shared.is_member(flow) {
            return self.shared.send_rate(flow);
        }
        self.flows[flow].rate
    }

    pub fn input_rate(&self, flow: usize) -> f64 {
        self.flows[flow].input_rate
    }

    pub fn is_active(&self, flow: usize) -> bool {
        self.flows[flow].active
    }

    #[cfg(test)]
    pub fn flows(&self) -> usize {
        self.flows.len()
    }

    /// Brings every flow up to `now` (busy flows are integrated; lazy ones
    /// are read at the link's time).
    pub fn advance(&mut self, now: SimTime) {
        let dt = now.since(self.now).as_secs_f64();
        self.now = self.now.max(now);
        if dt <= 0.0 {
            return;
        }
        if self.shared.on {
            self.shared.advance(dt);
            // Loose flows exist only within a change, or after a weight was
            // set: they keep their rate until the next sharing out.
            let mut loose = std::mem::take(&mut self.shared.loose);
            loose.sort_unstable();
            loose.dedup();
            for &i in &loose {
                if !self.shared.is_member(i) && self.flows[i].active && !self.flows[i].lazy {
                    self.integrate_busy(i, dt);
                }
            }
            self.shared.loose = loose;
            return;
        }
        for i in 0..self.busy.len() {
            self.integrate_busy(self.busy[i], dt);
        }
    }

    /// Integrates busy `flow` over `dt` seconds, listing it if its backlog
    /// emptied.
    fn integrate_busy(&mut self, i: usize, dt: f64) {
        let f = &mut self.flows[i];
        let had_backlog = f.backlog > 0.0;
        integrate(f, dt);
        if had_backlog && f.backlog <= 0.0 && !f.listed_empty {
            f.listed_empty = true;
            self.emptied.push(i);
        }
    }

    /// Moves to `out` the flows whose backlog emptied since last taken
    /// (each once; it may have filled again since).
    pub fn take_emptied(&mut self, out: &mut Vec<usize>) {
        for &i in &self.emptied {
            self.flows[i].listed_empty = false;
        }
        out.append(&mut self.emptied);
    }

    /// The shape of every change to one flow or the link: the flows are
    /// brought up to `now`, `flow` (if lazy) is woken so that `apply` sees
    /// its current bytes, `apply` makes the change, then the capacity is
    /// shared out again.
    fn change(&mut self, now: SimTime, flow: Option<usize>, apply: impl FnOnce(&mut Self)) {
        self.advance(now);
        if let Some(i) = flow {
            self.detach(i);
            self.wake(i);
        }
        let had_backlog = flow.is_some_and(|i| self.flows[i].backlog > 0.0);
        apply(self);
        if let Some(i) = flow.filter(|_| had_backlog) {
            let f = &mut self.flows[i];
            if f.backlog <= 0.0 && !f.listed_empty {
                f.listed_empty = true;
                self.emptied.push(i);
            }
        }
        self.reallocate();
    }

    /// Makes a lazy flow busy: its bytes are brought up to now and its input
    /// leaves the lazy sum.
    fn wake(&mut self, flow: usize) {
        let f = &mut self.flows[flow];
        if !f.lazy {
            return;
        }
        catch_up(f, self.now);
        self.lazy_input = self.lazy_input.wrapping_sub(to_fixed(f.input_rate));
        self.lazy -= 1;
        if let Err(at) = self.busy.binary_search(&flow) {
            self.busy.insert(at, flow);
        }
        if self.shared.on {
            self.shared.loose.push(flow);
        }
    }

    /// Wakes every lazy flow (the capacity is then shared out from scratch).
    fn wake_all(&mut self) {
        self.leave_shared();
        for &i in &self.active {
            let f = &mut self.flows[i];
            if f.lazy {
                catch_up(f, self.now);
            }
        }
        self.busy.clone_from(&self.active);
        self.lazy_input = 0;
        self.lazy = 0;
        self.lazy_ratio_bound = f64::NEG_INFINITY;
    }

    /// Pushes a breakpoint for `flow` at the current time if its slopes changed
    /// since the last one (or always, with `force`).
    fn record(&mut self, flow: usize, force: bool) {
        if !self.recording {
            return;
        }
        let (written, sent, _) = self.state_at(flow, self.now);
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
            written,
            sent,
        };
        let history = &mut self.history[flow];
        if history.last() != Some(&point) {
            history.push(point);
        }
    }

    /// Keeps a busy `flow` in (or out of) the ascending lists of active and
    /// busy flows.
    fn list_active(&mut self, flow: usize, active: bool) {
        self.detach(flow);
        if active && self.shared.on {
            self.shared.loose.push(flow);
        }
        for list in [&mut self.active, &mut self.busy] {
            match (list.binary_search(&flow), active) {
                (Err(at), true) => list.insert(at, flow),
                (Ok(at), false) => {
                    list.remove(at);
                }
                _ => {}
            }
        }
    }

    /// Makes `flow` active afresh at the pool's time (its bytes from zero),
    /// `bulk` queued; whether it is listed as emptied carries over.
    fn restart(&mut self, flow: usize, input_rate: f64, weight: f64, bulk: f64) {
        self.detach(flow);
        self.flows[flow] = Flow {
            listed_empty: self.flows[flow].listed_empty,
            active: true,
            since: self.now,
            weight,
            input_rate,
            bulk,
            backlog: bulk,
            ..Flow::default()
        };
        self.list_active(flow, true);
    }

    /// Starts a flow afresh (a new direction of replication): `bulk_bytes` queued
    /// for copying, then the VM's writes at `input_rate` on top.
    pub fn start_flow(&mut self, now: SimTime, flow: usize, input_rate: f64, bulk_bytes: f64) {
        self.change(now, Some(flow), |l| {
            let weight = l.flows[flow].weight;
            l.restart(flow, input_rate, weight, bulk_bytes.max(0.0));
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
            self.wake(flow);
            self.restart(flow, input_rate, weight, 0.0);
        }
        self.reallocate();
    }

    /// Stops every flow at once (the source site failed).
    pub fn stop_all(&mut self, now: SimTime) {
        self.advance(now);
        self.wake_all();
        for f in &mut self.flows {
            f.active = false;
            f.rate = 0.0;
        }
        // Caps belong to what ran (a reprotect, a held resync).
        self.flow_cap.fill(f64::INFINITY);
        self.capped = 0;
        self.active.clear();
        self.busy.clear();
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

    /// Caps what `flow` may send (`None`: no cap of its own). Shares stay
    /// weighted max-min fair under the cap, its group's and the link's.
    pub fn set_flow_cap(&mut self, now: SimTime, flow: usize, cap: Option<f64>) {
        self.change(now, Some(flow), |l| {
            let cap = cap.map_or(f64::INFINITY, |c| c.max(0.0));
            let was = l.flow_cap[flow].is_finite();
            l.flow_cap[flow] = cap;
            match (was, cap.is_finite()) {
                (false, true) => l.capped += 1,
                (true, false) => l.capped -= 1,
                _ => {}
            }
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

    /// `flow`'s bytes queued as of `now` (not before the pool's time): what
    /// integrating it there would give. The common cases (an idle flow, a
    /// pool at that time) read the field.
    #[inline(always)]
    pub fn backlog_at(&self, flow: usize, now: SimTime) -> f64 {
        let f = &self.flows[flow];
        if f.lazy || !f.active {
            return f.backlog;
        }
        if now <= self.now && !self.shared.is_member(flow) {
            return f.backlog;
        }
        self.state_at(flow, now).2
    }

    /// `flow`'s bytes written, sent and queued as of `now` (not before the
    /// pool's time): what integrating it there would give, the pool
    /// untouched (its rates hold until its next change).
    #[inline(always)]
    pub fn state_at(&self, flow: usize, now: SimTime) -> (f64, f64, f64) {
        let f = &self.flows[flow];
        if f.lazy {
            let grown = growth(f, now);
            return (f.written + grown, f.sent + grown, f.backlog);
        }
        if self.shared.is_member(flow) {
            return self.shared.state_at(flow, self.now, now, f.written, f.sent);
        }
        let dt = now.since(self.now).as_secs_f64();
        if !f.active || dt <= 0.0 {
            return (f.written, f.sent, f.backlog);
        }
        let mut f = f.clone();
        integrate(&mut f, dt);
        (f.written, f.sent, f.backlog)
    }

    /// Re-divides the capacity at `now`, e.g. after a backlog emptied (a flow with
    /// nothing queued needs only its input rate, which frees bandwidth for others).
    pub fn rebalance(&mut self, now: SimTime) {
        self.change(now, None, |_| {});
    }

    /// Shares the capacity out again (every busy flow is at the link's time):
    /// water-filling over the busy flows with the lazy ones taken as settled,
    /// and from scratch when some lazy flow writes more than the share that
    /// leaves it. Busy flows that settle at their input rate with nothing queued become
    /// lazy.
    fn reallocate(&mut self) {
        self.epoch += 1;
        if self.shared_eligible() {
            let fill = self.fill_shared();
            if self.lazy_flows_fit(fill) {
                return;
            }
        }
        // Caps, groups, recording, or a lazy flow writing more than the
        // share: per flow.
        self.leave_shared();
        let (fill, mut idle) = self.fill_busy();
        if !self.lazy_flows_fit(fill) {
            self.wake_all();
            idle = self.fill_busy().1;
        }
        if self.groups_overdrawn() {
            // Some process server would send more than it can: share out
            // under both limits, every flow busy (none settles lazily while a
            // group binds, as a lazy flow is assumed to get its input).
            self.wake_all();
            self.fill_grouped();
        } else if idle > 0 {
            // Busy flows settled at their input rate with nothing queued go
            // lazy (only a flow with nothing queued can).
            self.lazy_settled();
        }
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
            Some((now, epoch, check)) if now == self.now && epoch == self.epoch => return check,
            _ if self.shared.on => self.shared_drain(),
            _ => self
                .busy
                .iter()
                .map(|&i| &self.flows[i])
                .filter_map(seconds_to_empty)
                .min_by(f64::total_cmp),
        };
        // At least a millisecond on: a backlog within EMPTY_BYTES of empty
        // (a tiny burst) empties when next integrated, never at once.
        seconds.map(|seconds| drain_check(self.now, seconds))
    }
}

/// How a water-filling over the busy flows ended.
#[derive(Debug, Clone, Copy)]
enum Fill {
    /// The unsettled flows split what was left: `per_weight` per unit of weight.
    Shared { per_weight: f64 },
    /// Every busy flow got its input rate; `spare` bytes/s were left over
    /// (negative when the lazy flows' inputs alone overdraw the capacity).
    AllSettled { spare: f64 },
}

/// Seconds until `f`'s backlog counts as empty (below [`EMPTY_BYTES`], where
/// [`integrate`] takes it as sent) at its current rates; `None` when it does
/// not shrink. Scheduled on the millisecond grid (rounded up), the drain
/// check is then the first instant at which integrating reads it empty, so
/// a backlog is never found empty before its check.
fn seconds_to_empty(f: &Flow) -> Option<f64> {
    (f.backlog > 0.0 && f.rate > f.input_rate)
        .then(|| (f.backlog - EMPTY_BYTES).max(0.0) / (f.rate - f.input_rate))
}

/// Brings a lazy flow's bytes up to `now` (it wrote and sent at its input
/// rate since `since`) and makes it busy.
fn catch_up(f: &mut Flow, now: SimTime) {
    let grown = growth(f, now);
    f.written += grown;
    f.sent += grown;
    f.since = now;
    f.lazy = false;
}

/// What a lazy flow wrote (and sent) between its `since` and `now`.
fn growth(f: &Flow, now: SimTime) -> f64 {
    f.input_rate * now.since(f.since).as_secs_f64()
}

/// Integrates one flow over `dt` seconds at its current rates: writes arrive,
/// the send rate drains the backlog, a residue below [`EMPTY_BYTES`] counts
/// as sent.
fn integrate(f: &mut Flow, dt: f64) {
    let arriving = f.input_rate * dt;
    let available = f.backlog + arriving;
    let mut sent = (f.rate * dt).min(available);
    let mut backlog = available - sent;
    if backlog <= EMPTY_BYTES {
        sent += backlog;
        backlog = 0.0;
    }
    f.written += arriving;
    f.sent += sent;
    f.backlog = backlog;
}
