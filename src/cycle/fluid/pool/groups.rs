//! Capped groups of flows on a link (process servers): shares that are
//! weighted max-min fair under the link's capacity and every group's cap.

use super::{Flow, Pool, drain_check};

impl Pool {
    /// Whether the link's shares give some capped group more than its cap
    /// (lazy flows send their input rate).
    pub(super) fn groups_overdrawn(&mut self) -> bool {
        if self.capped > 0 {
            let over_own_cap = self.active.iter().any(|&i| {
                let f = &self.flows[i];
                let rate = if f.lazy { f.input_rate } else { f.rate };
                rate > self.flow_cap[i] * (1.0 + 1e-12)
            });
            if over_own_cap {
                return true;
            }
        }
        if self.group_caps.is_empty() {
            return false;
        }
        // Scratch kept on the link: this runs at every change.
        let mut sums = std::mem::take(&mut self.group_sums);
        sums.clear();
        sums.resize(self.group_caps.len(), 0.0);
        for &i in &self.active {
            if let Some(g) = self.group[i] {
                let f = &self.flows[i];
                sums[g] += if f.lazy { f.input_rate } else { f.rate };
            }
        }
        let over = sums
            .iter()
            .zip(&self.group_caps)
            .any(|(sum, cap)| *sum > cap * (1.0 + 1e-12));
        self.group_sums = sums;
        over
    }

    /// Weighted max-min fair shares under the link's capacity and every
    /// group's cap (groups nest in the link), every active flow busy. A flow
    /// wants `input / weight` per unit of weight (unbounded with a backlog);
    /// a group's cap stops its flows at the level where its own water-filling
    /// fills the cap; the link then water-fills the flows with each flow's
    /// want lowered to its group's level. This is progressive filling: every
    /// flow's share rises with one common level until its want, its group's
    /// cap or the link stops it.
    pub(super) fn fill_grouped(&mut self) {
        // A flow's own cap bounds its want (the innermost limit).
        let caps = &self.flow_cap;
        let want = |i: usize, f: &Flow| {
            let want = if f.backlog > 0.0 {
                f64::INFINITY
            } else {
                f.input_rate / f.weight
            };
            want.min(caps[i] / f.weight)
        };
        // Scratch kept on the link: this runs at every change while a cap binds.
        let mut scratch = std::mem::take(&mut self.fill_scratch);
        let GroupScratch {
            members,
            group_level,
            all,
        } = &mut scratch;
        members.resize_with(self.group_caps.len(), Vec::new);
        members.iter_mut().for_each(Vec::clear);
        for &i in &self.active {
            if let Some(g) = self.group[i] {
                let f = &self.flows[i];
                members[g].push((want(i, f), f.weight));
            }
        }
        group_level.clear();
        group_level.extend(
            members
                .iter_mut()
                .zip(&self.group_caps)
                .map(|(m, &cap)| water_level(m, cap)),
        );
        let level_of = |i: usize, f: &Flow| match self.group[i] {
            Some(g) => want(i, f).min(group_level[g]),
            None => want(i, f),
        };
        all.clear();
        all.extend(
            self.active
                .iter()
                .map(|&i| (level_of(i, &self.flows[i]), self.flows[i].weight)),
        );
        let level = water_level(all, self.capacity);
        let mut drain: Option<f64> = None;
        for &i in &self.active {
            let f = &self.flows[i];
            let rate = f.weight * level_of(i, f).min(level);
            let f = &mut self.flows[i];
            f.rate = if rate.is_finite() { rate } else { 0.0 };
            if let Some(seconds) = super::seconds_to_empty(f) {
                drain = Some(drain.map_or(seconds, |d| d.min(seconds)));
            }
        }
        self.drain = Some((
            self.now,
            self.epoch,
            drain.map(|s| drain_check(self.now, s)),
        ));
        self.fill_scratch = scratch;
    }
}

/// Scratch for [`Pool::fill_grouped`], kept between calls.
#[derive(Debug, Clone, Default)]
pub(super) struct GroupScratch {
    /// Per group, its flows' `(want, weight)`.
    members: Vec<Vec<(f64, f64)>>,
    /// Per group, the level its cap stops its flows at.
    group_level: Vec<f64>,
    /// Every active flow's `(level, weight)` under the link.
    all: Vec<(f64, f64)>,
}

/// The level (share per unit of weight) at which flows `(want, weight)`,
/// each stopping at its want, fill `capacity`; infinite when every want fits.
/// Sorts `flows` (by want, then weight: the result does not depend on their
/// order).
fn water_level(flows: &mut [(f64, f64)], capacity: f64) -> f64 {
    // Every want fits with room to spare (beyond any rounding of the filling
    // below): each flow gets its want at any level above them all, so the
    // level is unbounded and the flows need no sorting. A process server or
    // link that does not bind, the common case, costs one pass.
    let demand: f64 = flows.iter().map(|&(want, weight)| want * weight).sum();
    if demand <= capacity.max(0.0) * (1.0 - 1e-9) {
        return f64::INFINITY;
    }
    // Equal keys are equal pairs, so an unstable sort gives the same order as
    // a stable one. The flows that want without bound (a backlog) are often
    // most of them: they go last, past every finite want, and are sorted
    // apart (by weight: all equal is already sorted, found in one pass).
    let mut finite = 0;
    for i in 0..flows.len() {
        if flows[i].0.is_finite() || flows[i].0 < 0.0 {
            flows.swap(i, finite);
            finite += 1;
        }
    }
    let by_key = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1));
    let (head, tail) = flows.split_at_mut(finite);
    head.sort_unstable_by(by_key);
    tail.sort_unstable_by(by_key);
    let mut remaining = capacity.max(0.0);
    let mut weights: f64 = flows.iter().map(|&(_, w)| w).sum();
    for &(want, weight) in flows.iter() {
        if weights <= 0.0 {
            break;
        }
        if want * weights <= remaining {
            remaining -= want * weight;
            weights -= weight;
        } else {
            return remaining / weights;
        }
    }
    if weights > 1e-12 {
        remaining / weights
    } else {
        f64::INFINITY
    }
}
