//! The flows that share what is left of a pool, held in virtual time.
//!
//! Between two changes, every busy flow of a pool without caps or groups
//! sends the same rate per unit of weight, the pool's share: a flow with a
//! backlog, or one writing more than its share. Integrating each of them at
//! every change, and giving each its new rate, made every change cost a pass
//! over them: on an estate's reverse link in stage 2 (hundreds of reprotects
//! draining at once) that was half the cycle. Here they are members of the
//! pool's shared set instead: the pool keeps one level (bytes sent per unit
//! of weight by every member since the set started), advanced in O(1), and a
//! member's bytes are read from its anchor (its bytes when it joined, the
//! level then) when needed. A change then costs one pass over the members
//! to find the next drain, reading a few numbers each, and a pass to find
//! those that emptied only when a drain is due.
//!
//! In this mode the busy flows are the members and the loose flows (busy
//! flows touched since the last sharing out: woken, changed, started, or
//! emptied); the sharing out settles the loose ones and makes the others
//! members. A pool with caps or groups, or recording breakpoints, uses the
//! per-flow integration instead (see [`Pool::fill_busy`]).

use super::fill::settle_idle;
use super::lazy_sum::{from_fixed, to_fixed};
use super::{EMPTY_BYTES, Fill, Pool};
use crate::engine::{SimDuration, SimTime};

/// Busy flows from which a pool holds them in the shared set: measured
/// (docs/performance.md, "Estates"), a 100-VM plan's links with a few busy
/// flows ran 15 % slower in the set than integrated per flow.
const ENTER_AT: usize = 32;

/// A member's anchor: its bytes queued when it joined (or was last
/// re-anchored), when, and the pool's level then.
#[derive(Debug, Clone, Copy)]
struct Member {
    flow: usize,
    /// When it joined, in seconds (a subtraction per read, not a division).
    since: f64,
    level: f64,
    backlog: f64,
    input_rate: f64,
    weight: f64,
}

impl Member {
    /// Bytes written, sent (both since the anchor) and queued at `now`, the
    /// level being `level` then. A backlog within [`EMPTY_BYTES`] of empty
    /// (or past it: the drain check comes on the millisecond grid, after
    /// the exact instant) counts as sent, as integrating would take it.
    fn grown(&self, now: f64, level: f64) -> (f64, f64, f64) {
        let arriving = self.input_rate * (now - self.since).max(0.0);
        let available = self.backlog + arriving;
        let sent = self.weight * (level - self.level);
        let backlog = available - sent;
        if backlog <= EMPTY_BYTES {
            (arriving, available, 0.0)
        } else {
            (arriving, sent, backlog)
        }
    }
}

/// The members' anchors, one array per field: the drain scan at every
/// change reads them in lockstep, which the compiler turns into vector
/// arithmetic.
#[derive(Debug, Clone, Default)]
struct Members {
    flow: Vec<usize>,
    since: Vec<f64>,
    level: Vec<f64>,
    backlog: Vec<f64>,
    input_rate: Vec<f64>,
    weight: Vec<f64>,
}

impl Members {
    fn len(&self) -> usize {
        self.flow.len()
    }

    fn get(&self, k: usize) -> Member {
        Member {
            flow: self.flow[k],
            since: self.since[k],
            level: self.level[k],
            backlog: self.backlog[k],
            input_rate: self.input_rate[k],
            weight: self.weight[k],
        }
    }

    fn push(&mut self, m: Member) {
        self.flow.push(m.flow);
        self.since.push(m.since);
        self.level.push(m.level);
        self.backlog.push(m.backlog);
        self.input_rate.push(m.input_rate);
        self.weight.push(m.weight);
    }

    /// Removes member `k`, the last taking its place.
    fn swap_remove(&mut self, k: usize) -> Member {
        let m = self.get(k);
        self.flow.swap_remove(k);
        self.since.swap_remove(k);
        self.level.swap_remove(k);
        self.backlog.swap_remove(k);
        self.input_rate.swap_remove(k);
        self.weight.swap_remove(k);
        m
    }

    /// Seconds from `now` to the first member's drain (`INFINITY`: none
    /// drains), the level being `level` and the share `share`: each one's
    /// backlog above [`EMPTY_BYTES`] over the rate it shrinks at (as
    /// [`super::seconds_to_empty`] computes it), without branches.
    fn first_drain(&self, now: f64, level: f64, share: f64) -> f64 {
        const LANES: usize = 4;
        let n = self.len();
        let (since, at, queued) = (&self.since[..n], &self.level[..n], &self.backlog[..n]);
        let (input, weight) = (&self.input_rate[..n], &self.weight[..n]);
        let mut first = [f64::INFINITY; LANES];
        let seconds = |k: usize| {
            let arriving = input[k] * (now - since[k]).max(0.0);
            let backlog = queued[k] + arriving - weight[k] * (level - at[k]);
            let shrink = share * weight[k] - input[k];
            let seconds = (backlog - EMPTY_BYTES).max(0.0) / shrink;
            // Empty already (within EMPTY_BYTES), or not shrinking: never.
            if backlog > EMPTY_BYTES && shrink > 0.0 {
                seconds
            } else {
                f64::INFINITY
            }
        };
        let whole = n / LANES * LANES;
        for base in (0..whole).step_by(LANES) {
            for (lane, first) in first.iter_mut().enumerate() {
                let s = seconds(base + lane);
                *first = if s < *first { s } else { *first };
            }
        }
        let mut least = first.into_iter().fold(f64::INFINITY, f64::min);
        for k in whole..n {
            least = least.min(seconds(k));
        }
        least
    }
}

/// A pool's shared set (see the module's documentation).
#[derive(Debug, Clone, Default)]
pub(super) struct Shared {
    /// Whether the pool holds its busy flows here (else every busy flow is
    /// integrated at every change).
    pub(super) on: bool,
    members: Members,
    /// Per flow, its index in `members` (`usize::MAX`: not a member).
    slot: Vec<usize>,
    /// Bytes each member sent per unit of weight since the set was last
    /// empty.
    level: f64,
    /// Bytes/s per unit of weight every member sends now.
    share: f64,
    /// The members' weights, in fixed point (exact whatever the order).
    weight: i128,
    /// Busy flows that are not members, in no order, maybe repeated.
    pub(super) loose: Vec<usize>,
    /// The first instant a member may read empty (its drain check).
    due: Option<SimTime>,
    /// Scratch for the sharing out, kept to avoid allocating per change:
    /// the idle loose flows, and those settled.
    idle: Vec<usize>,
    settled: Vec<usize>,
    /// How many busy flows make the set pay: below, a change's passes over
    /// them cost less than the set's upkeep (sorting, fixed-point sums).
    pub(super) enter_at: usize,
}

impl Shared {
    pub(super) fn new(flows: usize) -> Self {
        Shared {
            slot: vec![usize::MAX; flows],
            enter_at: ENTER_AT,
            ..Shared::default()
        }
    }

    pub(super) fn is_member(&self, flow: usize) -> bool {
        // `on` first: a pool not in this mode (most, most of the time) reads
        // no slot.
        self.on && self.slot[flow] != usize::MAX
    }

    /// The level at `now` (not before the pool's time `at`).
    fn level_at(&self, at: SimTime, now: SimTime) -> f64 {
        self.level + self.share * now.since(at).as_secs_f64()
    }

    /// Moves the level on by `seconds` at the current share.
    pub(super) fn advance(&mut self, seconds: f64) {
        self.level += self.share * seconds;
    }

    /// A member's bytes written, sent and queued at `now`, given the pool's
    /// time `at` and the bytes written and sent at its anchor. Kept out of
    /// line: the pool's reads of other flows, on hot paths, stay small
    /// enough to inline.
    #[inline(never)]
    pub(super) fn state_at(
        &self,
        flow: usize,
        at: SimTime,
        now: SimTime,
        written: f64,
        sent: f64,
    ) -> (f64, f64, f64) {
        let m = self.members.get(self.slot[flow]);
        let now = now.max(at);
        let (arrived, out, backlog) = m.grown(now.as_secs_f64(), self.level_at(at, now));
        (written + arrived, sent + out, backlog)
    }

    /// What a member sends now, bytes/s.
    pub(super) fn send_rate(&self, flow: usize) -> f64 {
        self.share * self.members.weight[self.slot[flow]]
    }

    fn join(&mut self, flow: usize, since: f64, backlog: f64, input_rate: f64, weight: f64) {
        self.slot[flow] = self.members.len();
        self.weight = self.weight.wrapping_add(to_fixed(weight));
        self.members.push(Member {
            flow,
            since,
            level: self.level,
            backlog,
            input_rate,
            weight,
        });
    }

    fn leave(&mut self, flow: usize) -> Member {
        let k = std::mem::replace(&mut self.slot[flow], usize::MAX);
        let m = self.members.swap_remove(k);
        if let Some(&moved) = self.members.flow.get(k) {
            self.slot[moved] = k;
        }
        self.weight = self.weight.wrapping_sub(to_fixed(m.weight));
        if self.members.len() == 0 {
            // Nothing refers to the level: start it afresh (keeps it small).
            self.level = 0.0;
            self.weight = 0;
        }
        m
    }
}

impl Pool {
    /// Whether the busy flows are to be held in the shared set: every one of
    /// them then sends the pool's share (no caps, no groups), no
    /// breakpoints are being recorded, and there are enough of them for the
    /// set to pay (entering at [`Shared::enter_at`] busy flows, leaving below
    /// half as many, so that a pool near the bound does not switch at every
    /// change).
    pub(super) fn shared_eligible(&self) -> bool {
        let enough = if self.shared.on {
            2 * self.busy.len() >= self.shared.enter_at
        } else {
            self.busy.len() >= self.shared.enter_at
        };
        enough && !self.recording && self.capped == 0 && self.group_caps.is_empty()
    }

    /// Makes `flow` loose if it is a member: its bytes are brought up to the
    /// pool's time, where it keeps sending the share until the next sharing
    /// out.
    pub(super) fn detach(&mut self, flow: usize) {
        if !self.shared.is_member(flow) {
            return;
        }
        let now = self.now;
        let share = self.shared.share;
        let level = self.shared.level;
        let m = self.shared.leave(flow);
        let (arrived, out, backlog) = m.grown(now.as_secs_f64(), level);
        let f = &mut self.flows[flow];
        f.written += arrived;
        f.sent += out;
        f.backlog = backlog;
        f.since = now;
        f.rate = share * m.weight;
        if backlog <= 0.0 && (m.backlog > 0.0 || arrived > 0.0) && !f.listed_empty {
            f.listed_empty = true;
            self.emptied.push(flow);
        }
        self.shared.loose.push(flow);
    }

    /// Leaves the shared mode: every member is brought up to the pool's time
    /// and integrated per flow from then on.
    pub(super) fn leave_shared(&mut self) {
        if !self.shared.on {
            return;
        }
        while let Some(&flow) = self.shared.members.flow.last() {
            self.detach(flow);
        }
        self.shared.loose.clear();
        self.shared.on = false;
        self.shared.due = None;
    }

    /// Weighted max-min fair shares in the shared mode: the members (all
    /// with a backlog or writing more than the last share) and the loose
    /// flows. Members that emptied by now become loose first; passes then
    /// settle the idle loose flows exactly as [`Pool::fill_busy`] does;
    /// settled flows go lazy, the others join. Caches the next drain.
    pub(super) fn fill_shared(&mut self) -> Fill {
        let now = self.now;
        if !self.shared.on {
            self.shared.on = true;
            self.shared.loose.clone_from(&self.busy);
        }
        if self
            .shared
            .due
            .is_some_and(|due| now + SimDuration::from_millis(1) >= due)
        {
            let (seconds, level) = (now.as_secs_f64(), self.shared.level);
            let mut emptied = std::mem::take(&mut self.shared.idle);
            emptied.clear();
            emptied.extend(
                (0..self.shared.members.len())
                    .map(|k| self.shared.members.get(k))
                    .filter(|m| m.grown(seconds, level).2 <= 0.0)
                    .map(|m| m.flow),
            );
            for &flow in &emptied {
                self.detach(flow);
            }
            self.shared.idle = emptied;
        }
        let mut loose = std::mem::take(&mut self.shared.loose);
        loose.sort_unstable();
        loose.dedup();
        // Only busy flows share: a loose flow may have stopped since.
        loose.retain(|&i| {
            let f = &self.flows[i];
            f.active && !f.lazy && !self.shared.is_member(i)
        });
        let mut weight = self.shared.weight;
        for &i in &loose {
            weight = weight.wrapping_add(to_fixed(self.flows[i].weight));
        }
        let remaining = self.capacity - from_fixed(self.lazy_input);
        // The idle loose flows, ascending; settled ones are moved past
        // `unsettled`.
        let mut idle = std::mem::take(&mut self.shared.idle);
        idle.clear();
        idle.extend(loose.iter().filter(|&&i| self.flows[i].backlog <= 0.0));
        let mut settled = std::mem::take(&mut self.shared.settled);
        settled.clear();
        let (fill, _) = settle_idle(&mut self.flows, &mut idle, remaining, &mut weight, |i| {
            settled.push(i)
        });
        // Settled flows go lazy at their input rate.
        settled.sort_unstable();
        for &i in &settled {
            let f = &mut self.flows[i];
            f.lazy = true;
            f.since = now;
            self.lazy_input = self.lazy_input.wrapping_add(to_fixed(f.input_rate));
            self.lazy += 1;
            self.lazy_ratio_bound = self.lazy_ratio_bound.max(f.input_rate / f.weight);
            if let Ok(at) = self.busy.binary_search(&i) {
                self.busy.remove(at);
            }
        }
        let share = match fill {
            Fill::Shared { per_weight } => per_weight,
            Fill::AllSettled { .. } => 0.0,
        };
        // The others share: they join at the pool's time.
        for &i in loose.iter().filter(|i| settled.binary_search(i).is_err()) {
            let f = &mut self.flows[i];
            f.rate = share * f.weight;
            f.since = now;
            let (backlog, input_rate, weight) = (f.backlog, f.input_rate, f.weight);
            self.shared
                .join(i, now.as_secs_f64(), backlog, input_rate, weight);
        }
        loose.clear();
        self.shared.loose = loose;
        self.shared.idle = idle;
        self.shared.settled = settled;
        self.shared.share = share;
        let seconds = self.shared_drain();
        self.shared.due = seconds.map(|s| drain_check(now, s));
        self.drain = Some((now, self.epoch, self.shared.due));
        fill
    }

    /// Seconds from the pool's time to the first member's drain, at the
    /// current share (the loose flows count too, at their rates).
    pub(super) fn shared_drain(&self) -> Option<f64> {
        let (now, level, share) = (self.now.as_secs_f64(), self.shared.level, self.shared.share);
        let members = self.shared.members.first_drain(now, level, share);
        let loose = (self.shared.loose.iter())
            .filter(|&&i| !self.shared.is_member(i))
            .filter_map(|&i| super::seconds_to_empty(&self.flows[i]));
        let first = loose.fold(members, f64::min);
        first.is_finite().then_some(first)
    }
}

/// The drain check for a drain `seconds` after `now`: on the millisecond
/// grid, at least a millisecond on (see [`Pool::next_drain`]).
pub(super) fn drain_check(now: SimTime, seconds: f64) -> SimTime {
    now + SimDuration::from_secs_f64_ceil(seconds).max(SimDuration::from_millis(1))
}

#[cfg(test)]
mod tests;
