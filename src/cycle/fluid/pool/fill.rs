//! The water-filling that integrates every busy flow (pools with caps or
//! groups, recording breakpoints, or few busy flows; [`super::shared`] holds
//! the others in virtual time), and the lazy flows' check.

use super::lazy_sum::{from_fixed, to_fixed};
use super::{Fill, Flow, Pool, drain_check, seconds_to_empty};

impl Pool {
    /// Makes lazy the busy flows settled at their input rate with nothing
    /// queued.
    pub(super) fn lazy_settled(&mut self) {
        let now = self.now;
        let flows = &mut self.flows;
        let (mut lazy_input, mut lazy, mut bound) =
            (self.lazy_input, self.lazy, self.lazy_ratio_bound);
        self.busy.retain(|&i| {
            let f = &mut flows[i];
            if f.backlog > 0.0 || f.rate != f.input_rate {
                return true;
            }
            f.lazy = true;
            f.since = now;
            lazy_input = lazy_input.wrapping_add(to_fixed(f.input_rate));
            lazy += 1;
            bound = bound.max(f.input_rate / f.weight);
            false
        });
        (self.lazy_input, self.lazy, self.lazy_ratio_bound) = (lazy_input, lazy, bound);
    }

    /// Whether every lazy flow's input fits under the busy flows' share:
    /// each writes no more per unit of weight than the unsettled flows got,
    /// or (every busy flow settled) the capacity covers every input.
    pub(super) fn lazy_flows_fit(&mut self, fill: Fill) -> bool {
        if self.lazy == 0 {
            return true;
        }
        let level = match fill {
            Fill::Shared { per_weight } => per_weight,
            Fill::AllSettled { spare } => return spare >= 0.0,
        };
        if self.lazy_ratio_bound <= level {
            return true;
        }
        // The bound may be stale (flows left): the exact largest ratio.
        self.lazy_ratio_bound = self
            .active
            .iter()
            .map(|&i| &self.flows[i])
            .filter(|f| f.lazy)
            .map(|f| f.input_rate / f.weight)
            .fold(f64::NEG_INFINITY, f64::max);
        self.lazy_ratio_bound <= level
    }

    /// Weighted max-min fair shares of the capacity left after the lazy
    /// flows' inputs, among the busy flows, by water-filling: every pass gives
    /// the flows that need no more than their weighted share of what is left
    /// exactly what they need; when a pass settles none, the rest (all with a
    /// backlog or a larger demand) split the remainder in proportion to their
    /// weights. Passes visit flows in index order, so the result is
    /// deterministic; no sorting, no allocation. Caches the next drain;
    /// returns how the filling ended and how many busy flows have nothing
    /// queued.
    pub(super) fn fill_busy(&mut self) -> (Fill, usize) {
        let remaining = self.capacity - from_fixed(self.lazy_input);
        let mut weights = 0.0;
        // Busy flows with nothing queued, ascending: only they can settle at
        // their input rate (a backlogged flow never does), so the passes
        // below visit only them.
        let mut idle_count = 0;
        for &i in &self.busy {
            let f = &self.flows[i];
            weights += f.weight;
            idle_count += usize::from(f.backlog <= 0.0);
        }
        let mut idle = std::mem::take(&mut self.unsettled);
        idle.clear();
        if idle_count > 0 {
            let flows = &self.flows;
            idle.extend(self.busy.iter().filter(|&&i| flows[i].backlog <= 0.0));
        }
        let backlogged = self.busy.len() - idle_count;
        let (fill, unsettled_idle) =
            settle_idle(&mut self.flows, &mut idle, remaining, &mut weights, |_| {});
        let per_weight = match fill {
            Fill::Shared { per_weight } => Some(per_weight),
            Fill::AllSettled { .. } => None,
        };
        // The unsettled flows (backlogged, or idle and writing more than their
        // share) split what is left.
        let drain = per_weight.map(|per_weight| {
            let unsettled = &idle[..unsettled_idle];
            let mut next = 0;
            let mut drain: Option<f64> = None;
            for &i in &self.busy {
                let f = &mut self.flows[i];
                if f.backlog <= 0.0 {
                    // Idle: shared only if it did not settle (both lists
                    // ascending).
                    if unsettled.get(next) != Some(&i) {
                        continue;
                    }
                    next += 1;
                }
                f.rate = per_weight * f.weight;
                if let Some(seconds) = seconds_to_empty(f) {
                    drain = Some(drain.map_or(seconds, |d| d.min(seconds)));
                }
            }
            drain
        });
        self.unsettled = idle;
        let drain = if backlogged == 0 { Some(None) } else { drain };
        self.drain = drain.map(|seconds| {
            (
                self.now,
                self.epoch,
                seconds.map(|s| drain_check(self.now, s)),
            )
        });
        (fill, idle_count)
    }
}

/// The sum of the weights still sharing, as settled flows leave it: an f64
/// summed in index order (per-flow integration, whose results the goldens
/// fix bit for bit), or exact fixed point (the shared set).
pub(super) trait WeightSum {
    fn value(&self) -> f64;
    fn remove(&mut self, weight: f64);
}

impl WeightSum for f64 {
    fn value(&self) -> f64 {
        *self
    }

    fn remove(&mut self, weight: f64) {
        *self -= weight;
    }
}

impl WeightSum for i128 {
    fn value(&self) -> f64 {
        from_fixed(*self)
    }

    fn remove(&mut self, weight: f64) {
        *self = self.wrapping_sub(to_fixed(weight));
    }
}

/// Water-filling over the idle flows (`idle`, ascending; only they can
/// settle, a flow with a backlog never does): each pass gives those that
/// need no more than their weighted share of what is left exactly their
/// input rate, in index order, and keeps the others at the front of `idle`
/// (ascending); `settled` hears of each it settles. Ends when a pass would
/// settle none (the unsettled split the rest: `Fill::Shared`) or none are
/// left sharing (`Fill::AllSettled`). Returns how it ended and how many idle
/// flows are left unsettled.
pub(super) fn settle_idle(
    flows: &mut [Flow],
    idle: &mut [usize],
    mut remaining: f64,
    weights: &mut impl WeightSum,
    mut settled: impl FnMut(usize),
) -> (Fill, usize) {
    let mut unsettled = idle.len();
    let mut fill = Fill::AllSettled { spare: remaining };
    while weights.value() > 0.0 {
        let share = remaining / weights.value();
        let mut kept = 0;
        for k in 0..unsettled {
            let i = idle[k];
            let f = &mut flows[i];
            if f.input_rate <= share * f.weight {
                f.rate = f.input_rate;
                remaining -= f.input_rate;
                weights.remove(f.weight);
                settled(i);
            } else {
                idle[kept] = i;
                kept += 1;
            }
        }
        let settled_any = kept < unsettled;
        unsettled = kept;
        let left = weights.value();
        if settled_any && kept > 0 && left > 1e-12 {
            continue;
        }
        if settled_any && left <= 1e-12 {
            fill = Fill::AllSettled { spare: remaining };
            break;
        }
        // The pass that would settle nothing, at the (new) share.
        let share = if settled_any { remaining / left } else { share };
        fill = Fill::Shared { per_weight: share };
        break;
    }
    (fill, unsettled)
}
