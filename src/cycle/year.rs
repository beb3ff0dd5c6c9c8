//! A year of operations (docs/model.md, "A year of operations"): one
//! replication is a horizon in which the disaster recurs (a renewal process,
//! Poisson for `every = "13w"`), each occurrence running its own cycle, and
//! recurring link outages stall replication (the replica stands, aging).
//!
//! The cycles are laid on the horizon one after the other. A disaster that
//! strikes while the previous cycle is still under way does not run a cycle
//! of its own; what it does depends on where that cycle is:
//! - the site is still down (a ride-out, a failover, or the service in Azure
//!   before its reprotect started): the site is back at the later of the two
//!   ends, and everything after waits for it;
//! - the service runs in Azure, stage 2 (reprotect to on-premises) under way:
//!   the reprotect starts again once the site is back, so everything after it
//!   moves by the outage plus the reprotect's time so far;
//! - the service runs in Azure, protected back: failback waits for the site;
//! - failback or stage 4 (reprotect to Azure) under way: the dangerous case.
//!   The workload runs on-premises with no replica to fail over to, so it is
//!   down for the whole outage, an outage that destroys the primary's disks
//!   loses what was written since failback, and stage 4 starts again after.
//!
//! Stages 2 and 4 are "during a reprotect" (`outages_during_reprotect`).

use rand::Rng;

use super::draws::{Purpose, stream, unit};
use super::{CycleOutcome, NoTrace, run_cycle};
use crate::engine::SimDuration;
use crate::scenario::{Distribution, Scenario};

/// What happened to one outage of the year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YearHit {
    /// A disaster declared: its cycle ran (RTO and the failback's downtime).
    Declared {
        rto: Option<SimDuration>,
        downtime: SimDuration,
        data_lost_bytes: f64,
    },
    /// Ridden out: down until the site came back.
    RiddenOut { downtime: SimDuration },
    /// The service was already down (the previous outage's failover or
    /// ride-out); a ride-out lasts until the later end.
    WhileDown,
    /// The service runs in Azure, its reprotect not started (the site still
    /// down): the site is back at the later end; the rest moves by `delay`.
    BeforeReprotect { delay: SimDuration },
    /// During stage 2 (reprotect to on-premises): it starts again once the
    /// site is back; the cycle's rest moves by `delay`.
    DuringReprotectToPremises { delay: SimDuration },
    /// While protected back in Azure: failback waits `delay` for the site.
    WhileInAzure { delay: SimDuration },
    /// During failback or stage 4 (reprotect to Azure): no replica to fail
    /// over to, so down for the outage; writes since failback lost when the
    /// primary's disks were destroyed.
    DuringReprotectToAzure {
        downtime: SimDuration,
        data_lost_bytes: f64,
    },
    /// A recurring link outage: replication of the VMs on the link stalled.
    LinkDown { link: usize },
}

/// One outage of the year: when (from the horizon's start), how long, and
/// what it did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YearEvent {
    pub at: SimDuration,
    pub duration: SimDuration,
    pub hit: YearHit,
}

/// The year's figures (docs/metrics.md, "A year of operations").
#[derive(Debug, Clone, PartialEq)]
pub struct YearOutcome {
    /// Disasters in the horizon (site or ransomware).
    pub outages: u32,
    pub failovers: u32,
    pub ridden_out: u32,
    /// Disasters that struck while a reprotect (stage 2 or 4) was under way.
    pub during_reprotect: u32,
    pub link_downs: u32,
    /// Drills (test failovers) run in the horizon.
    pub drills: u32,
    /// Time the service was down within the horizon.
    pub downtime: SimDuration,
    /// Uptime share of the horizon.
    pub availability: f64,
    pub data_lost_bytes: f64,
    /// Time within the horizon the workload had no healthy replica.
    pub unprotected: SimDuration,
    /// Time within the horizon replication was stalled by recurring link
    /// outages: the replica stood (aging, so the RPO grew), then the backlog
    /// drained. Not unprotected: a failover then had a replica.
    pub replication_stalled: SimDuration,
    /// Azure VMs run by failovers and drills.
    pub azure_cost: f64,
    pub events: Vec<YearEvent>,
}

/// Far beyond any horizon: a phase that never ended.
const NEVER: i64 = i64::MAX / 4;

/// Arrival times in `[0, horizon)` (ms) of a renewal process with intervals
/// `every`, started well before (20 mean intervals and a uniform share of
/// one) so the horizon sees it in equilibrium.
fn arrivals(every: &Distribution, horizon_ms: i64, rng: &mut rand_pcg::Pcg64) -> Vec<i64> {
    let mean = every.mean();
    let mut t = -(20.0 + unit(rng)) * mean;
    let mut out = Vec::new();
    loop {
        // Validation keeps the mean at an hour or more.
        t += every.sample(rng).max(1.0);
        let ms = (t * 1000.0).floor();
        if ms >= horizon_ms as f64 {
            return out;
        }
        if ms >= 0.0 {
            out.push(ms as i64);
        }
    }
}

fn ms(d: Option<SimDuration>) -> i64 {
    d.map_or(NEVER, |d| d.as_millis())
}

/// The cycle in progress on the horizon, in absolute ms.
#[derive(Debug, Clone, Copy)]
struct Active {
    start: i64,
    declared: bool,
    /// The primary site is usable again.
    site_back: i64,
    service_back: i64,
    stage2_start: i64,
    reverse_protected: i64,
    failback_start: i64,
    failback_end: i64,
    stage4: i64,
    end: i64,
    /// A ride-out: when the machines the outage shut down are resynced
    /// (protected again); 0 for a failover.
    resynced: i64,
}

impl Active {
    fn of(a: i64, c: &CycleOutcome) -> Active {
        let rto = ms(c.rto);
        if !c.declared {
            return Active {
                start: a,
                declared: false,
                site_back: a.saturating_add(rto),
                service_back: a.saturating_add(rto),
                stage2_start: NEVER,
                reverse_protected: NEVER,
                failback_start: NEVER,
                failback_end: NEVER,
                stage4: 0,
                end: a.saturating_add(rto),
                resynced: a.saturating_add(ms(c.unprotected)),
            };
        }
        // The latest plan's: the workload is protected back when every plan is.
        let latest = |f: fn(&crate::cycle::outcome::PlanOutcome) -> Option<SimDuration>| {
            c.plans.iter().map(|p| ms(f(p))).max().unwrap_or(NEVER)
        };
        let stage2_start = latest(|p| p.stage_starts[0]);
        let reverse_protected = if c.stage2_skipped {
            ms(c.stage3_start)
        } else {
            c.plans
                .iter()
                .map(|p| match (p.stage_starts[0], p.stage2) {
                    (Some(s), Some(d)) => (s + d).as_millis(),
                    _ => NEVER,
                })
                .max()
                .unwrap_or(NEVER)
        };
        let failback_start = ms(c.stage3_start);
        Active {
            start: a,
            declared: true,
            site_back: a + c.outage_duration.as_millis(),
            service_back: a.saturating_add(rto),
            stage2_start: a.saturating_add(stage2_start),
            reverse_protected: a.saturating_add(reverse_protected),
            failback_start: a.saturating_add(failback_start),
            failback_end: a
                .saturating_add(failback_start)
                .saturating_add(ms(c.stage3_downtime)),
            stage4: ms(c.stage4),
            end: a.saturating_add(ms(c.cycle)),
            resynced: 0,
        }
    }

    /// Moves every phase from `from` on by `delay`.
    fn delay(&mut self, from: i64, delay: i64) {
        for t in [
            &mut self.stage2_start,
            &mut self.reverse_protected,
            &mut self.failback_start,
            &mut self.failback_end,
            &mut self.end,
        ] {
            if *t >= from && *t < NEVER {
                *t += delay;
            }
        }
    }

    /// Its down and unprotected intervals.
    fn intervals(&self, down: &mut Vec<(i64, i64)>, unprotected: &mut Vec<(i64, i64)>) {
        down.push((self.start, self.service_back));
        if self.declared {
            down.push((self.failback_start, self.failback_end));
            unprotected.push((self.start, self.reverse_protected));
            unprotected.push((self.failback_start, self.end));
        } else {
            // Until the resync after the forced shutdown (later ride-outs
            // merged into this one may keep the service down longer).
            unprotected.push((self.start, self.service_back.max(self.resynced)));
        }
    }
}

/// The total length of the union of `intervals` within `[0, horizon)`.
fn covered(intervals: &mut [(i64, i64)], horizon: i64) -> i64 {
    intervals.sort_unstable();
    let (mut total, mut reach) = (0, 0);
    for &(a, b) in intervals.iter() {
        let (a, b) = (a.max(reach), b.min(horizon));
        if b > a {
            total += b - a;
            reach = b;
        }
    }
    total
}

/// Replication `replication`'s year: its disasters' cycles (each from a seed
/// of its own), laid on the horizon. `Err` carries a cycle that ran away.
pub fn run_year(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
) -> Result<YearOutcome, Box<CycleOutcome>> {
    let ops = scenario
        .operations
        .as_ref()
        .expect("a year needs [operations]");
    let horizon = ops.horizon.as_millis();
    let mut rng = stream(seed, replication, Purpose::YearDisasters);
    let disasters = arrivals(&ops.disaster_every, horizon, &mut rng);
    let mut year = YearOutcome {
        outages: disasters.len() as u32,
        failovers: 0,
        ridden_out: 0,
        during_reprotect: 0,
        link_downs: 0,
        drills: 0,
        downtime: SimDuration::ZERO,
        availability: 1.0,
        data_lost_bytes: 0.0,
        unprotected: SimDuration::ZERO,
        replication_stalled: SimDuration::ZERO,
        azure_cost: 0.0,
        events: Vec::new(),
    };
    let mut down = Vec::new();
    let mut unprotected = Vec::new();
    let mut stalled = Vec::new();
    let mut active: Option<Active> = None;
    let churn: f64 = scenario.vms.iter().map(|v| v.churn.mean_rate()).sum();
    for (i, &a) in disasters.iter().enumerate() {
        // Each disaster's cycle draws from a seed of its own.
        let cycle_seed = stream(seed, replication, Purpose::YearCycle(i as u32)).next_u64();
        let c = run_cycle(scenario, cycle_seed, replication, &mut NoTrace);
        if c.runaway.is_some() {
            return Err(Box::new(c));
        }
        let d = c.outage_duration.as_millis();
        let event = |hit| YearEvent {
            at: SimDuration::from_millis(a),
            duration: c.outage_duration,
            hit,
        };
        let hit = match active.as_mut() {
            Some(cur) if a < cur.end => {
                if !cur.declared {
                    // A ride-out: the site stays down until the later end.
                    cur.site_back = cur.site_back.max(a + d);
                    cur.service_back = cur.site_back;
                    cur.end = cur.site_back;
                    YearHit::WhileDown
                } else if a < cur.stage2_start {
                    // Reprotect has not started: the site stays down until
                    // the later end, and everything after waits for it.
                    let delay = (a + d - cur.site_back).max(0);
                    cur.delay(cur.stage2_start, delay);
                    cur.site_back = cur.site_back.max(a + d);
                    if a < cur.service_back {
                        YearHit::WhileDown
                    } else {
                        YearHit::BeforeReprotect {
                            delay: SimDuration::from_millis(delay),
                        }
                    }
                } else if a < cur.reverse_protected {
                    year.during_reprotect += 1;
                    let delay = d + (a - cur.stage2_start);
                    cur.delay(a, delay);
                    YearHit::DuringReprotectToPremises {
                        delay: SimDuration::from_millis(delay),
                    }
                } else if a < cur.failback_start {
                    let delay = (a + d - cur.failback_start).max(0);
                    unprotected.push((a, a + d));
                    cur.delay(a, delay);
                    YearHit::WhileInAzure {
                        delay: SimDuration::from_millis(delay),
                    }
                } else {
                    year.during_reprotect += 1;
                    down.push((a, a + d));
                    let lost = if c.primary_data_lost {
                        churn * (a - cur.failback_end).max(0) as f64 / 1000.0
                    } else {
                        0.0
                    };
                    year.data_lost_bytes += lost;
                    // Stage 4 starts again once the site is back.
                    cur.end = cur.end.max(a + d + cur.stage4);
                    YearHit::DuringReprotectToAzure {
                        downtime: c.outage_duration,
                        data_lost_bytes: lost,
                    }
                }
            }
            _ => {
                if let Some(done) = active.take() {
                    done.intervals(&mut down, &mut unprotected);
                }
                let next = Active::of(a, &c);
                active = Some(next);
                if c.declared {
                    year.failovers += 1;
                    let lost = c.data_lost_bytes + c.failback_data_lost_bytes.unwrap_or(0.0);
                    year.data_lost_bytes += lost;
                    year.azure_cost += c.azure_cost;
                    YearHit::Declared {
                        rto: c.rto,
                        downtime: c.total_downtime.unwrap_or(SimDuration::from_millis(NEVER)),
                        data_lost_bytes: lost,
                    }
                } else {
                    year.ridden_out += 1;
                    YearHit::RiddenOut {
                        downtime: c.rto.unwrap_or(SimDuration::from_millis(NEVER)),
                    }
                }
            }
        };
        year.events.push(event(hit));
    }
    if let Some(done) = active {
        done.intervals(&mut down, &mut unprotected);
    }
    for (f, fault) in ops.link_downs.iter().enumerate() {
        let mut rng = stream(seed, replication, Purpose::YearLinkDowns(f));
        for a in arrivals(&fault.every, horizon, &mut rng) {
            let d = SimDuration::from_secs_f64(fault.duration.sample(&mut rng));
            // Only a link that carries VMs stalls any replication. The
            // replica stands meanwhile: stalled, not unprotected.
            if scenario.vms.iter().any(|v| v.link == fault.link) {
                stalled.push((a, a + d.as_millis()));
            }
            year.link_downs += 1;
            year.events.push(YearEvent {
                at: SimDuration::from_millis(a),
                duration: d,
                hit: YearHit::LinkDown { link: fault.link },
            });
        }
    }
    year.events.sort_by_key(|e| e.at);
    if let Some(drills) = &scenario.drills {
        let mut rng = stream(seed, replication, Purpose::YearDrills);
        let price: f64 = scenario
            .plans
            .iter()
            .filter(|p| drills.covers(&p.id))
            .flat_map(|p| &p.vms)
            .map(|&v| scenario.vms[v].azure_vm_hour)
            .sum();
        for _ in arrivals(&drills.every, horizon, &mut rng) {
            year.drills += 1;
            year.azure_cost += price * drills.duration.sample(&mut rng) / 3600.0;
        }
    }
    // A Capacity Reservation is paid all the horizon, used or not; the
    // failovers' and drills' VMs run on it (their hours cost nothing more).
    if scenario.recovery.capacity == crate::scenario::RegionCapacity::Reserved {
        let per_hour: f64 = scenario.vms.iter().map(|v| v.azure_vm_hour).sum();
        year.azure_cost = per_hour * horizon as f64 / 3_600_000.0;
    }
    let downtime = covered(&mut down, horizon);
    year.downtime = SimDuration::from_millis(downtime);
    year.availability = 1.0 - downtime as f64 / horizon as f64;
    year.unprotected = SimDuration::from_millis(covered(&mut unprotected, horizon));
    year.replication_stalled = SimDuration::from_millis(covered(&mut stalled, horizon));
    Ok(year)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_of_intervals_counts_each_instant_once_within_the_horizon() {
        let mut v = vec![(5, 10), (0, 3), (8, 12), (20, 40)];
        assert_eq!(covered(&mut v, 30), 3 + 7 + 10);
        assert_eq!(covered(&mut [], 30), 0);
    }

    #[test]
    fn exponential_arrivals_are_poisson_over_the_horizon() {
        let value: toml::Value = toml::from_str("d = { dist = \"exponential\", mean = \"91d\" }")
            .map(|t: toml::Table| t["d"].clone())
            .expect("toml");
        let every =
            Distribution::from_value(&value, crate::scenario::units::QuantityKind::Duration)
                .expect("valid");
        let horizon = 365 * 86_400_000;
        let counts: Vec<f64> = (0..4000)
            .map(|k| {
                let mut rng = stream(1, k, Purpose::YearDisasters);
                arrivals(&every, horizon, &mut rng).len() as f64
            })
            .collect();
        let n = counts.len() as f64;
        let mean = counts.iter().sum::<f64>() / n;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let expected = 365.0 / 91.0;
        // Standard error of the mean: sqrt(4 / 4000) = 0.032.
        assert!((mean - expected).abs() < 0.13, "mean {mean}");
        assert!((var / expected - 1.0).abs() < 0.1, "variance {var}");
    }
}
