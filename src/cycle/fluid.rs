//! `FluidLink`: replication traffic as a fluid queue per flow over one shared link.
//!
//! Each flow (one VM's replication in one direction) receives writes at an
//! input rate, or as bursts, and holds a backlog of bytes not yet sent; the
//! link's capacity is shared weighted max-min fairly, under each process
//! server's cap as well (forward). `pool` does the sharing for one
//! capacity and its flows, analytically between changes.
//!
//! A link whose flows all pass through process servers whose caps together
//! fit under the least the link ever carries (faults included) never binds:
//! each process server's flows then share only its cap, whatever the others
//! do. Such a link is split into one pool per process server, and a change to
//! one flow re-divides its own server's cap, not the whole link: an estate's
//! thousand flows cost what one server's fifty do. A pool is brought up to
//! the link's time only when it changes; what is read from it in between is
//! integrated on the fly from its constant rates.

use crate::engine::SimTime;

mod pool;
mod trajectory;

use pool::Pool;
pub use trajectory::{Breakpoint, sent_at, time_sent_reaches, time_written_reaches, written_at};

/// Bytes below which a backlog counts as empty: absorbs float rounding and the
/// sub-millisecond overshoot of events scheduled on the millisecond grid.
const EMPTY_BYTES: f64 = 1e-3;

/// One shared link and the flows that use it, in one pool or, when its
/// process servers cannot overdraw it, one pool per process server.
#[derive(Debug, Clone)]
pub struct FluidLink {
    pools: Vec<Pool>,
    /// Per flow, its pool and its index there.
    place: Vec<(usize, usize)>,
    /// Per pool, its flows (by their index on the link) in its order.
    members: Vec<Vec<usize>>,
    /// One pool per process server (the link itself never binds).
    split: bool,
    /// The latest instant the link was advanced or changed to; reads are as
    /// of it (a pool behind it is read by integrating on the fly).
    now: SimTime,
    /// Bumped at every change so that stale drain checks can be recognised.
    epoch: u64,
    capacity: f64,
    group: Vec<Option<usize>>,
    group_caps: Vec<f64>,
}

impl FluidLink {
    /// A link of `capacity` bytes/s with `flows` inactive flows, at time `now`.
    pub fn new(capacity: f64, flows: usize, now: SimTime) -> Self {
        FluidLink {
            pools: vec![Pool::new(capacity, flows, now)],
            place: (0..flows).map(|i| (0, i)).collect(),
            members: vec![(0..flows).collect()],
            split: false,
            now,
            epoch: 0,
            capacity,
            group: vec![None; flows],
            group_caps: Vec::new(),
        }
    }

    /// Puts flows in capped groups (process servers): `group[flow]` indexes
    /// `caps`, the most a group's flows may send together. Shares stay
    /// weighted max-min fair under both limits (progressive filling). When
    /// every flow has a group and the caps together fit under `least_capacity`
    /// (the least the link will carry, faults included), the link can never
    /// bind and each group becomes a pool of its own. Called before any flow
    /// starts.
    pub fn set_groups(&mut self, group: Vec<Option<usize>>, caps: Vec<f64>, least_capacity: f64) {
        debug_assert_eq!(group.len(), self.place.len());
        debug_assert!(!self.split && (0..self.place.len()).all(|f| !self.is_active(f)));
        let all_grouped = group.iter().all(Option::is_some);
        let total: f64 = caps.iter().sum();
        if all_grouped && !caps.is_empty() && total <= least_capacity {
            let whole = &self.pools[0];
            let mut members = vec![Vec::new(); caps.len()];
            for (flow, g) in group.iter().enumerate() {
                let g = g.expect("every flow has a group");
                self.place[flow] = (g, members[g].len());
                members[g].push(flow);
            }
            let mut pools: Vec<Pool> = caps
                .iter()
                .zip(&members)
                .map(|(&cap, m)| Pool::new(cap, m.len(), self.now))
                .collect();
            for (flow, &(p, i)) in self.place.iter().enumerate() {
                pools[p].set_weight(i, whole.weight(flow));
            }
            self.pools = pools;
            self.members = members;
            self.split = true;
        } else {
            self.pools[0].set_groups(group.clone(), caps.clone());
        }
        self.group = group;
        self.group_caps = caps;
    }

    fn at(&self, flow: usize) -> (&Pool, usize) {
        let (p, i) = self.place[flow];
        (&self.pools[p], i)
    }

    /// The pool of `flow` and its index there, for a change at `now`.
    fn change_at(&mut self, now: SimTime, flow: usize) -> (&mut Pool, usize) {
        self.touch(now);
        let (p, i) = self.place[flow];
        (&mut self.pools[p], i)
    }

    fn touch(&mut self, now: SimTime) {
        self.now = self.now.max(now);
        self.epoch += 1;
    }

    /// `flow`'s bytes written, sent and queued as of the link's time.
    fn state(&self, flow: usize) -> (f64, f64, f64) {
        let (pool, i) = self.at(flow);
        pool.state_at(i, self.now)
    }

    /// Moves to `out` the flows whose backlog emptied, by sending or by a
    /// change, since they were last taken (each once; it may have filled
    /// again since). A flow of a split pool not changed at the link's time
    /// cannot have emptied since it last was: its pool's drain check is the
    /// first instant it reads empty, and changes it.
    pub fn take_emptied(&mut self, out: &mut Vec<usize>) {
        if !self.split {
            self.pools[0].take_emptied(out);
            return;
        }
        for (pool, members) in self.pools.iter_mut().zip(&self.members) {
            let from = out.len();
            pool.take_emptied(out);
            for flow in &mut out[from..] {
                *flow = members[*flow];
            }
        }
    }

    /// The pool `flow` is shared in: its process server's on a split link,
    /// else the link's only one.
    pub fn pool_of(&self, flow: usize) -> usize {
        self.place[flow].0
    }

    /// A number that changes whenever pool `pool`'s rates may have: on a
    /// split link, what was computed from a pool's rates holds while its
    /// version does (an unsplit link's one pool changes with every change).
    pub fn pool_version(&self, pool: usize) -> u64 {
        if self.split {
            self.pools[pool].epoch()
        } else {
            self.epoch
        }
    }

    /// Breakpoints recorded so far over every flow.
    pub fn recorded(&self) -> usize {
        self.pools.iter().map(Pool::recorded).sum()
    }

    /// The instant the flows were last brought up to.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Bytes/s the link carries now (after faults).
    pub fn capacity(&self) -> f64 {
        self.capacity
    }

    pub fn weight(&self, flow: usize) -> f64 {
        let (pool, i) = self.at(flow);
        pool.weight(i)
    }

    /// Sets a flow's share of the link relative to the others (kept when the
    /// flow is started afresh).
    pub fn set_weight(&mut self, flow: usize, weight: f64) {
        let (p, i) = self.place[flow];
        self.pools[p].set_weight(i, weight);
    }

    /// The capped group (process server) a flow belongs to, if any.
    pub fn group(&self, flow: usize) -> Option<usize> {
        self.group[flow]
    }

    /// Per group, the most its flows may send together (bytes/s).
    pub fn group_caps(&self) -> &[f64] {
        &self.group_caps
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Keeps breakpoints of every flow from now on.
    pub fn start_recording(&mut self) {
        for pool in &mut self.pools {
            pool.advance(self.now);
            pool.start_recording();
        }
    }

    /// Stops recording, closing every flow's trajectory at the link's time.
    pub fn stop_recording(&mut self) {
        for pool in &mut self.pools {
            pool.advance(self.now);
            pool.stop_recording();
        }
    }

    pub fn history(&self, flow: usize) -> &[Breakpoint] {
        let (pool, i) = self.at(flow);
        pool.history(i)
    }

    /// `flow`'s `(active, backlog, input rate, send rate)` in one lookup,
    /// for scans over many flows.
    pub fn queue(&self, flow: usize) -> (bool, f64, f64, f64) {
        let (pool, i) = self.at(flow);
        (
            pool.is_active(i),
            pool.backlog_at(i, self.now),
            pool.input_rate(i),
            pool.send_rate(i),
        )
    }

    pub fn backlog(&self, flow: usize) -> f64 {
        let (pool, i) = self.at(flow);
        pool.backlog_at(i, self.now)
    }

    pub fn written(&self, flow: usize) -> f64 {
        self.state(flow).0
    }

    /// Bytes queued as bulk copies since the flow was created.
    pub fn bulk(&self, flow: usize) -> f64 {
        let (pool, i) = self.at(flow);
        pool.bulk(i)
    }

    pub fn sent(&self, flow: usize) -> f64 {
        self.state(flow).1
    }

    pub fn send_rate(&self, flow: usize) -> f64 {
        let (pool, i) = self.at(flow);
        pool.send_rate(i)
    }

    pub fn input_rate(&self, flow: usize) -> f64 {
        let (pool, i) = self.at(flow);
        pool.input_rate(i)
    }

    pub fn is_active(&self, flow: usize) -> bool {
        let (pool, i) = self.at(flow);
        pool.is_active(i)
    }

    pub fn flows(&self) -> usize {
        self.place.len()
    }

    /// Brings the link up to `now`: one pool is integrated there at once;
    /// split pools are read at the link's time and integrated when they
    /// change.
    pub fn advance(&mut self, now: SimTime) {
        self.now = self.now.max(now);
        if !self.split {
            self.pools[0].advance(now);
        }
    }

    /// Starts a flow afresh (a new direction of replication): `bulk_bytes` queued
    /// for copying, then the VM's writes at `input_rate` on top.
    pub fn start_flow(&mut self, now: SimTime, flow: usize, input_rate: f64, bulk_bytes: f64) {
        let (pool, i) = self.change_at(now, flow);
        pool.start_flow(now, i, input_rate, bulk_bytes);
    }

    /// Starts several flows at once, each `(flow, input rate, weight)` with nothing
    /// queued: one reallocation per pool for all of them.
    pub fn start_flows(
        &mut self,
        now: SimTime,
        flows: impl IntoIterator<Item = (usize, f64, f64)>,
    ) {
        self.touch(now);
        let mut per_pool = vec![Vec::new(); self.pools.len()];
        for (flow, input_rate, weight) in flows {
            let (p, i) = self.place[flow];
            per_pool[p].push((i, input_rate, weight));
        }
        for (pool, flows) in self.pools.iter_mut().zip(per_pool) {
            if !flows.is_empty() {
                pool.start_flows(now, flows);
            }
        }
    }

    /// Stops every flow at once (the source site failed).
    pub fn stop_all(&mut self, now: SimTime) {
        self.touch(now);
        for pool in &mut self.pools {
            pool.stop_all(now);
        }
    }

    /// Starts (or stops, with `active = false`) a flow at `now`.
    pub fn set_active(&mut self, now: SimTime, flow: usize, active: bool) {
        let (pool, i) = self.change_at(now, flow);
        pool.set_active(now, i, active);
    }

    pub fn set_input_rate(&mut self, now: SimTime, flow: usize, bytes_per_second: f64) {
        let (pool, i) = self.change_at(now, flow);
        pool.set_input_rate(now, i, bytes_per_second);
    }

    /// Caps what `flow` may send (`None`: no cap of its own). Shares stay
    /// weighted max-min fair under the cap, its group's and the link's.
    pub fn set_flow_cap(&mut self, now: SimTime, flow: usize, cap: Option<f64>) {
        let (pool, i) = self.change_at(now, flow);
        pool.set_flow_cap(now, i, cap);
    }

    /// A link fault or its end: the bandwidth available changes. A split link
    /// was split because no fault brings it below its process servers' caps,
    /// so its pools are unchanged.
    pub fn set_capacity(&mut self, now: SimTime, bytes_per_second: f64) {
        self.touch(now);
        self.capacity = bytes_per_second.max(0.0);
        if self.split {
            debug_assert!(self.group_caps.iter().sum::<f64>() <= self.capacity);
        } else {
            self.pools[0].set_capacity(now, bytes_per_second);
        }
    }

    /// A burst of writes lands at once (a jump in bytes written).
    pub fn write_burst(&mut self, now: SimTime, flow: usize, bytes: f64) {
        let (pool, i) = self.change_at(now, flow);
        pool.write_burst(now, i, bytes);
    }

    /// A resynchronisation replaces `flow`'s queued write log by the
    /// `keep_bytes` of changed blocks that still have to move (ASR drops the
    /// log and compares blocks): the bytes dropped count as sent, so the
    /// flow's trajectory stays continuous in bytes written.
    pub fn resync(&mut self, now: SimTime, flow: usize, keep_bytes: f64) {
        let (pool, i) = self.change_at(now, flow);
        pool.resync(now, i, keep_bytes);
    }

    /// Cumulative bytes `flow` had written by `t` (at most now): from its
    /// recorded breakpoints, continued at its input rate since the last.
    pub fn written_by(&self, flow: usize, t: SimTime) -> f64 {
        let history = self.history(flow);
        match history.last() {
            Some(last) if t >= last.time => {
                let rate = if self.is_active(flow) {
                    self.input_rate(flow)
                } else {
                    0.0
                };
                (last.written + rate * t.since(last.time).as_secs_f64()).min(self.written(flow))
            }
            Some(_) => written_at(history, t),
            None => self.written(flow),
        }
    }

    /// Re-divides the capacity at `now` after a backlog emptied (a flow with
    /// nothing queued needs only its input rate, which frees bandwidth for
    /// others): in every pool whose drain was due by then (the others' shares
    /// do not change).
    pub fn rebalance(&mut self, now: SimTime) {
        self.touch(now);
        for pool in &mut self.pools {
            if !self.split || pool.next_drain().is_some_and(|t| t <= now) {
                pool.rebalance(now);
            }
        }
    }

    /// The earliest instant at which a backlog empties under the current rates,
    /// rounded up to the millisecond grid.
    pub fn next_drain(&self) -> Option<SimTime> {
        self.pools.iter().filter_map(Pool::next_drain).min()
    }
}

#[cfg(test)]
mod tests;
