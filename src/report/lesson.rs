//! `lesson.html`: one replication's cycle as a lesson on the four stages of
//! Azure Site Recovery (fail over, reprotect, fail back, reprotect again),
//! for a class.
//!
//! The page is one self-contained file: styles, script and the lesson's data
//! inline, nothing fetched. Its events are exactly those `drsim trace` lists
//! for the same seed and replication ([`super::trace::shown`]), with the same
//! timestamps and text; each gets a plain-language sentence ([`explain`]).
//! Three lanes say, at every instant, where the service runs, which way
//! replication flows and whether a replica protects the running VMs
//! ([`Lanes`]). `drsim serve` adds the what-if controls ([`WhatIf`]).

mod explain;
mod page;

pub use explain::explain;
pub use page::{Control, WhatIf, render};

use serde::Serialize;

use crate::cycle::{CycleOutcome, Phase, SpanKind, TraceLog};
use crate::engine::SimTime;
use crate::metrics::{Metric, MetricId};
use crate::report::table::human;
use crate::scenario::Scenario;
use crate::scenario::units::{format_bytes, format_duration_short};

/// Everything the lesson page shows of one replication (serialised into the
/// page as JSON, which its script draws).
#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    pub scenario: String,
    pub description: String,
    pub seed: u64,
    pub replication: u64,
    /// `t0`, the outage, as the trace writes it (time of week).
    pub t0: String,
    pub primary: String,
    pub recovery: String,
    /// Whether a disaster was declared (otherwise the outage was ridden out).
    pub declared: bool,
    /// When the primary site is back, from `t0` (s).
    pub site_back_s: f64,
    pub events: Vec<LessonEvent>,
    pub lanes: Lanes,
    pub vms: Vec<LessonVm>,
    /// How far before `t0` the VMs' lag samples reach (s).
    pub lag_window_s: f64,
    /// The cycle's headline figures (as the trace prints them).
    pub figures: Vec<Figure>,
}

/// One event: the trace's line, and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct LessonEvent {
    /// Seconds from `t0` (negative before the outage).
    pub at_s: f64,
    /// As the trace writes it: `t0+01:04:41.326`.
    pub at: String,
    /// Time of week, as the trace writes it: `Thu 05:36:30.454`.
    pub clock: String,
    /// 0 before the outage (replicating), then the stage: 1 to 4.
    pub stage: u8,
    /// The trace's stage label, e.g. `stage 3 failback`.
    pub stage_label: &'static str,
    /// The trace's text, unchanged.
    pub text: String,
    /// A sentence for a beginner: what this step is and why it matters.
    pub explain: String,
}

/// Where the service is, which way data flows, whether it is protected:
/// spans of seconds from `t0`, in order, covering `from_s..to_s`.
#[derive(Debug, Clone, Serialize)]
pub struct Lanes {
    pub from_s: f64,
    pub to_s: f64,
    /// `on-premises`, `azure` or `down`.
    pub service: Vec<LaneSpan>,
    /// `to-azure`, `to-on-premises`, `initial-sync-to-azure`,
    /// `initial-sync-to-on-premises` or `none`.
    pub replication: Vec<LaneSpan>,
    /// `protected` or `unprotected`.
    pub protection: Vec<LaneSpan>,
}

/// One stretch of a lane.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LaneSpan {
    pub from_s: f64,
    pub to_s: f64,
    pub state: &'static str,
}

/// A VM before the outage: its lag, its recovery points and the one it fails
/// over to.
#[derive(Debug, Clone, Serialize)]
pub struct LessonVm {
    pub id: String,
    pub group: String,
    pub rpo: String,
    pub rto: String,
    pub data_lost: String,
    pub lag: String,
    /// `(seconds before t0, lag in s)`, oldest first.
    pub lag_samples: Vec<(f64, f64)>,
    /// Seconds before `t0` of the recovery points retained at the outage.
    pub points_s: Vec<f64>,
    /// Seconds before `t0` of the point it fails over to (its RPO).
    pub chosen_s: f64,
}

/// A headline figure: metric name, value as in `replications.csv`, and read.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub metric: String,
    pub value: String,
    pub shown: String,
}

/// The headline figures of the lesson, in this order, where they apply.
const FIGURES: [MetricId; 8] = [
    MetricId::Rpo,
    MetricId::Rto,
    MetricId::Stage1,
    MetricId::Stage2,
    MetricId::Stage3Downtime,
    MetricId::Stage4,
    MetricId::Unprotected,
    MetricId::DataLost,
];

/// Seconds from `t0` to `t` (negative before it).
fn seconds_from(t0: SimTime, t: SimTime) -> f64 {
    if t >= t0 {
        t.since(t0).as_secs_f64()
    } else {
        -t0.since(t).as_secs_f64()
    }
}

fn stage_of(phase: Phase) -> u8 {
    match phase {
        Phase::Replicating => 0,
        Phase::Failover => 1,
        Phase::Reprotect => 2,
        Phase::Failback => 3,
        Phase::ReprotectBack => 4,
    }
}

impl Lesson {
    /// Replays replication `k` of `s` from master `seed` (as `drsim trace`
    /// does) and makes it a lesson.
    pub fn replay(
        s: &Scenario,
        seed: u64,
        k: u64,
    ) -> Result<Lesson, crate::montecarlo::MonteCarloError> {
        let t = crate::study::trace::replication(s, seed, k)?;
        Ok(Lesson::of(
            s,
            seed,
            &t.log,
            &t.outcome,
            &crate::metrics::metrics_for(s),
        ))
    }

    /// The lesson of one traced replication: `log` and `outcome` are what
    /// [`crate::cycle::run_cycle`] gave `drsim trace` for `seed`.
    pub fn of(
        s: &Scenario,
        seed: u64,
        log: &TraceLog,
        outcome: &CycleOutcome,
        metrics: &[Metric],
    ) -> Lesson {
        let t0 = outcome.outage_start;
        let events: Vec<LessonEvent> = log
            .entries
            .iter()
            .filter(|e| super::trace::shown(e, t0, false))
            .map(|e| LessonEvent {
                at_s: seconds_from(t0, e.time),
                at: e.time.relative_to(t0),
                clock: format!("{:#}", e.time),
                stage: stage_of(e.phase),
                stage_label: e.phase.label(),
                explain: explain(e.phase, &e.text),
                text: e.text.clone(),
            })
            .collect();
        let window = log.replication.window_s;
        // The lanes open with the lag window (at least an hour) before the
        // outage: the day of healthy replication before it says nothing more.
        let from_s = -window.max(3600.0);
        // A little past the last event, so the state it leaves shows.
        let to_s = events.last().map_or(0.0, |e| e.at_s).max(1.0) * 1.05 + 600.0;
        let vms = s
            .vms
            .iter()
            .zip(&outcome.vms)
            .enumerate()
            .map(|(i, (vm, v))| {
                let replication = log.replication.vms.iter().find(|r| r.vm == i);
                LessonVm {
                    id: vm.id.to_string(),
                    group: s.groups[vm.group].id.to_string(),
                    rpo: format_duration_short(v.rpo.as_secs_f64()),
                    rto: v.rto.map_or_else(
                        || "-".to_string(),
                        |d| format_duration_short(d.as_secs_f64()),
                    ),
                    data_lost: format_bytes(v.data_lost_bytes),
                    lag: format_duration_short(v.lag_at_outage.as_secs_f64()),
                    lag_samples: replication.map_or_else(Vec::new, |r| {
                        r.lag
                            .iter()
                            .map(|l| (l.before_outage_s, l.lag.as_secs_f64()))
                            .collect()
                    }),
                    points_s: replication.map_or_else(Vec::new, |r| {
                        r.retained_points
                            .iter()
                            .map(|&p| -seconds_from(t0, p))
                            .collect()
                    }),
                    chosen_s: v.rpo.as_secs_f64(),
                }
            })
            .collect();
        let figures = FIGURES
            .iter()
            .filter_map(|id| metrics.iter().find(|m| m.id() == *id))
            .map(|m| {
                let v = m.value(outcome);
                Figure {
                    metric: m.name.to_string(),
                    value: m.format(v),
                    shown: v.map_or_else(|| "(does not apply)".to_string(), |v| human(m, v)),
                }
            })
            .collect();
        Lesson {
            scenario: s.name.clone(),
            description: s.description.clone(),
            seed,
            replication: outcome.replication,
            t0: format!("{t0:#}"),
            primary: s
                .sites
                .primaries
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            recovery: s.sites.recovery.name.clone(),
            declared: outcome.declared,
            site_back_s: outcome.outage_duration.as_secs_f64(),
            events,
            lanes: Lanes::of(log, outcome, from_s, to_s),
            vms,
            lag_window_s: window,
            figures,
        }
    }
}

impl Lanes {
    /// The three lanes over `from_s..to_s`, from the cycle's stage spans and
    /// outcome: the service is down from `t0` to the RTO and during the
    /// failback's downtime; replication is stopped from `t0` until stage 2
    /// starts and during failback; the running VMs are unprotected from `t0`
    /// until stage 2 completes and from failback until stage 4 completes.
    pub fn of(log: &TraceLog, outcome: &CycleOutcome, from_s: f64, to_s: f64) -> Lanes {
        let t0 = outcome.outage_start;
        // A stage's first start and last end over every plan.
        let stage = |phase: Phase| {
            let spans = log
                .spans
                .iter()
                .filter(|sp| sp.kind == SpanKind::Stage && sp.phase == phase);
            spans.fold(None, |acc: Option<(f64, f64)>, sp| {
                let (a, b) = (seconds_from(t0, sp.start), seconds_from(t0, sp.end));
                Some(acc.map_or((a, b), |(x, y)| (x.min(a), y.max(b))))
            })
        };
        let mut lanes = Lanes {
            from_s,
            to_s,
            service: Vec::new(),
            replication: Vec::new(),
            protection: Vec::new(),
        };
        let secs = |d: Option<crate::engine::SimDuration>| d.map(|d| d.as_secs_f64());
        if !outcome.declared {
            let back = outcome.outage_duration.as_secs_f64();
            lanes.service = cut(
                from_s,
                to_s,
                &[
                    (from_s, "on-premises"),
                    (0.0, "down"),
                    (back, "on-premises"),
                ],
            );
            lanes.replication = cut(
                from_s,
                to_s,
                &[(from_s, "to-azure"), (0.0, "none"), (back, "to-azure")],
            );
            lanes.protection = cut(
                from_s,
                to_s,
                &[
                    (from_s, "protected"),
                    (0.0, "unprotected"),
                    (back, "protected"),
                ],
            );
            return lanes;
        }
        let rto = secs(outcome.rto).unwrap_or(f64::INFINITY);
        let stage3 = secs(outcome.stage3_start);
        let stage3_end = stage3.map(|s| s + secs(outcome.stage3_downtime).unwrap_or(f64::INFINITY));
        let stage2 = stage(Phase::Reprotect);
        let stage4 = stage(Phase::ReprotectBack);
        let mut service = vec![(from_s, "on-premises"), (0.0, "down"), (rto, "azure")];
        let mut replication = vec![(from_s, "to-azure"), (0.0, "none")];
        let mut protection = vec![(from_s, "protected"), (0.0, "unprotected")];
        if let Some((a, b)) = stage2 {
            replication.push((a, "initial-sync-to-on-premises"));
            replication.push((b, "to-on-premises"));
            protection.push((b, "protected"));
        }
        // A failback attempt that failed: down while it ran, then back in
        // Azure, replicating to on-premises again once ASR cancelled it.
        let failed_attempts = log.spans.iter().filter(|sp| {
            sp.kind == SpanKind::Stage
                && sp.phase == Phase::Failback
                && sp.label.contains("attempt")
        });
        for sp in failed_attempts {
            let (a, b) = (seconds_from(t0, sp.start), seconds_from(t0, sp.end));
            service.extend([(a, "down"), (b, "azure")]);
            replication.extend([(a, "none"), (b, "to-on-premises")]);
            protection.extend([(a, "unprotected"), (b, "protected")]);
        }
        if let Some(s3) = stage3 {
            service.push((s3, "down"));
            replication.push((s3, "none"));
            protection.push((s3, "unprotected"));
            if let Some(end) = stage3_end {
                service.push((end, "on-premises"));
            }
        }
        if let Some((a, b)) = stage4 {
            replication.push((a, "initial-sync-to-azure"));
            replication.push((b, "to-azure"));
            protection.push((b, "protected"));
        }
        for changes in [&mut service, &mut replication, &mut protection] {
            // In time order; at one instant the change made last holds.
            changes.sort_by(|x, y| x.0.total_cmp(&y.0));
        }
        lanes.service = cut(from_s, to_s, &service);
        lanes.replication = cut(from_s, to_s, &replication);
        lanes.protection = cut(from_s, to_s, &protection);
        lanes
    }
}

/// A lane from its changes (`(from, state)`, in time order): each state
/// holds until the next change, clipped to `from_s..to_s`; empty stretches
/// are dropped and equal neighbours merged.
fn cut(from_s: f64, to_s: f64, changes: &[(f64, &'static str)]) -> Vec<LaneSpan> {
    let mut spans: Vec<LaneSpan> = Vec::new();
    for (i, &(at, state)) in changes.iter().enumerate() {
        let end = changes.get(i + 1).map_or(to_s, |c| c.0).min(to_s);
        let start = at.max(from_s);
        if end <= start {
            continue;
        }
        match spans.last_mut() {
            Some(last) if last.state == state => last.to_s = end,
            _ => spans.push(LaneSpan {
                from_s: start,
                to_s: end,
                state,
            }),
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_holds_each_state_until_the_next_change() {
        let lane = cut(
            -10.0,
            100.0,
            &[
                (-10.0, "on-premises"),
                (0.0, "down"),
                (30.0, "azure"),
                (200.0, "down"),
            ],
        );
        assert_eq!(
            lane,
            [
                LaneSpan {
                    from_s: -10.0,
                    to_s: 0.0,
                    state: "on-premises"
                },
                LaneSpan {
                    from_s: 0.0,
                    to_s: 30.0,
                    state: "down"
                },
                LaneSpan {
                    from_s: 30.0,
                    to_s: 100.0,
                    state: "azure"
                },
            ]
        );
    }

    #[test]
    fn equal_neighbours_merge_and_empty_stretches_drop() {
        let lane = cut(
            0.0,
            10.0,
            &[(0.0, "none"), (5.0, "none"), (5.0, "to-azure")],
        );
        assert_eq!(lane.len(), 2);
        assert_eq!(lane[0].to_s, 5.0);
        assert_eq!(lane[1].state, "to-azure");
    }
}
