//! The metrics every output reports: name (with unit), meaning, and how to read
//! each from a [`CycleOutcome`]. One list feeds the CSV files, the summary and
//! the terminal table, so they can never disagree.

mod plan;
mod year;

use crate::cycle::CycleOutcome;
use crate::cycle::attribution::{RpoParts, RtoParts};
use crate::engine::SimDuration;
use crate::scenario::{Population, Scenario};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Bytes,
    /// 0 or 1 per replication; its mean is a fraction.
    Flag,
    /// A number of occurrences.
    Count,
    /// Money, in the scenario's `[cost].currency`.
    Currency,
    /// A share of time (0 to 1) in each replication: a year's availability.
    Availability,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Bytes => "bytes",
            Unit::Flag => "fraction",
            Unit::Count => "count",
            Unit::Currency => "currency",
            Unit::Availability => "fraction of time",
        }
    }
}

/// Which quantity of a [`CycleOutcome`] a metric reads: how code (charts,
/// verdicts) asks for a metric without relying on its column name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricId {
    Rpo,
    Rto,
    Stage1,
    Stage2,
    Stage3Downtime,
    Stage4,
    Unprotected,
    Cycle,
    TotalDowntime,
    DataLost,
    LagAtOutage,
    ResyncVms,
    ResyncBytes,
    ResyncTime,
    RpoAlert,
    ConsistencyGroupRpo(usize),
    OutageDuration,
    PrimaryDataLost,
    Closed,
    StagesCompleted,
    Declared,
    StepRetries,
    AllocationRetries,
    VmFailoverRetries,
    Stage2Bytes,
    Stage2CopyBytes,
    Stage2WriteBytes,
    Stage3Bytes,
    Stage4Bytes,
    AzureCost,
    FailbackRpo,
    FailbackDataLost,
    Reassessments,
    FailbackRetries,
    /// Met the RPO target; exists only for outages in the target's population.
    RpoMet(SimDuration, Population),
    /// Met the RTO target on its clock.
    RtoMet(SimDuration, Population, crate::scenario::RtoClock),
    GroupRto(usize),
    /// Part `i` of the RTO along its critical path ([`RtoParts::NAMES`]).
    RtoPart(usize),
    /// Part `i` of the worst VM's RPO ([`RpoParts::NAMES`]).
    RpoPart(usize),
    /// An estate's plan `p`: its own metrics (docs/estate.md).
    PlanRpo(usize),
    PlanRto(usize),
    PlanDataLost(usize),
    /// Plan `p`'s stage `k` (1 to 4; 3 is its downtime).
    PlanStage(usize, u8),
    PlanOperatorWait(usize),
    PlanFailbackWait(usize),
    /// `t0` until plan `p`'s stage `k` (2 to 4) started.
    PlanStageStart(usize, u8),
    /// VMs not created for want of the region's vCPU quota.
    QuotaRefused,
    /// The RTO from the failover's start (ASR's SLA clock).
    RtoFromFailover,
    /// `t0` until the (last) failback attempt started, latest plan.
    Stage3Start,
    /// VMs that were not running in Azure within ASR's SLA of their plan's
    /// failover start, on ASR's time (manual actions and scripts excluded).
    VmsOverSla,
    /// The same on the plan's own clock (manual actions and scripts in).
    VmsOverTwoHoursPlanClock,
    /// A failback ran past the end of its window.
    FailbackPastWindow,
    /// Latent faults the failover met.
    LatentFaults,
    /// 1 when the failover met any latent fault.
    LatentFaultMet,
    /// 1 when a resource the replication used is over capacity in steady
    /// state (docs/model.md, "Capacity").
    OverCapacity,
    /// The highest documented cache level a process server reached before t0.
    CacheLevel,
    /// A year of operations ([`crate::cycle::year::YearOutcome`]).
    Availability,
    YearOutages,
    YearFailovers,
    YearDuringReprotect,
    YearLinkDowns,
    YearDrills,
    YearDowntime,
    YearDataLost,
    YearUnprotected,
    YearReplicationStalled,
    YearAzureCost,
}

impl MetricId {
    /// The target metric this is, if it is the RPO or the RTO.
    pub fn target_metric(self) -> Option<crate::scenario::TargetMetric> {
        match self {
            MetricId::Rpo => Some(crate::scenario::TargetMetric::Rpo),
            MetricId::Rto | MetricId::RtoFromFailover => Some(crate::scenario::TargetMetric::Rto),
            _ => None,
        }
    }
}

/// The metric a target judges: the RPO, or the RTO on its clock (`rto_s`
/// from the outage, `rto_from_failover_s` from the failover's start).
impl From<crate::scenario::Target> for MetricId {
    fn from(t: crate::scenario::Target) -> MetricId {
        use crate::scenario::{RtoClock, TargetMetric};
        match (t.metric, t.clock) {
            (TargetMetric::Rpo, _) => MetricId::Rpo,
            (TargetMetric::Rto, RtoClock::Outage) => MetricId::Rto,
            (TargetMetric::Rto, RtoClock::FailoverStart) => MetricId::RtoFromFailover,
        }
    }
}

/// One column of `replications.csv` and one row of `summary.csv`.
#[derive(Debug, Clone)]
pub struct Metric {
    /// Column name, ending in its unit (`rpo_s`, `data_lost_bytes`).
    pub name: String,
    pub unit: Unit,
    pub description: String,
    /// A replication meets the target when its value is at most this.
    pub target: Option<SimDuration>,
    /// A breakdown of another metric: in the CSV files, not in the terminal table.
    pub detail: bool,
    id: MetricId,
}

impl Metric {
    fn new(name: &str, unit: Unit, description: &str, id: MetricId) -> Self {
        Metric {
            name: name.to_string(),
            unit,
            description: description.to_string(),
            target: None,
            detail: matches!(id, MetricId::RtoPart(_) | MetricId::RpoPart(_)),
            id,
        }
    }

    pub fn id(&self) -> MetricId {
        self.id
    }

    /// The value in the metric's unit (seconds, bytes, 0/1), or `None` where it
    /// does not exist in this replication (a stage that did not happen, or did
    /// not finish within the horizon; a target verdict outside its population;
    /// an RPO, data lost or lag over capacity, which have no steady state).
    pub fn value(&self, o: &CycleOutcome) -> Option<f64> {
        if self.without_value(o) {
            return None;
        }
        self.history_value(o)
    }

    /// Whether the metric has no value in `o` whatever its simulated history
    /// says. Over capacity, the lag and so the RPO and the data lost grow for
    /// as long as the overload has lasted: no value, and a missed target
    /// (docs/model.md, "Capacity"). A cut-off cycle's stages are out of the
    /// stage statistics (counted apart, as ride-outs are).
    fn without_value(&self, o: &CycleOutcome) -> bool {
        let unbounded = || o.declared && o.protection_over_capacity();
        match self.id {
            MetricId::Rpo
            | MetricId::DataLost
            | MetricId::RpoPart(_)
            | MetricId::ConsistencyGroupRpo(_) => unbounded(),
            MetricId::LagAtOutage => o.protection_over_capacity(),
            MetricId::PlanRpo(p) | MetricId::PlanDataLost(p) => {
                o.declared && o.plans[p].over_capacity
            }
            MetricId::Stage1
            | MetricId::Stage2
            | MetricId::Stage3Downtime
            | MetricId::Stage4
            | MetricId::Stage3Start
            | MetricId::Stage2Bytes
            | MetricId::Stage2CopyBytes
            | MetricId::Stage2WriteBytes
            | MetricId::Stage3Bytes
            | MetricId::Stage4Bytes
            | MetricId::PlanStage(..)
            | MetricId::PlanStageStart(..)
            | MetricId::FailbackPastWindow => o.declared && !o.closed,
            _ => false,
        }
    }

    /// The value the simulated history gave, bounded or not: what
    /// [`Metric::value`] reports unless the metric has no steady-state value
    /// in `o` (`size` reads it to tell whether a key moves the metric at
    /// all when every probe is over capacity).
    pub fn history_value(&self, o: &CycleOutcome) -> Option<f64> {
        let s = |d: SimDuration| Some(d.as_secs_f64());
        let opt = |d: Option<SimDuration>| d.map(|d| d.as_secs_f64());
        let flag = |b: bool| Some(f64::from(u8::from(b)));
        match self.id {
            MetricId::OverCapacity => flag(!o.overloads.is_empty()),
            MetricId::CacheLevel => Some(f64::from(o.cache_level)),
            MetricId::Rpo => s(o.rpo),
            MetricId::Rto => opt(o.rto),
            MetricId::Stage1 => opt(o.stage1),
            MetricId::Stage2 => opt(o.stage2),
            MetricId::Stage3Downtime => opt(o.stage3_downtime),
            MetricId::Stage4 => opt(o.stage4),
            MetricId::Unprotected => opt(o.unprotected),
            MetricId::Cycle => opt(o.cycle),
            MetricId::TotalDowntime => opt(o.total_downtime),
            MetricId::DataLost => Some(o.data_lost_bytes.round()),
            MetricId::LagAtOutage => s(o.lag_at_outage),
            MetricId::ResyncVms => Some(f64::from(o.resync_vms)),
            MetricId::ResyncBytes => Some(o.resync_bytes.round()),
            MetricId::ResyncTime => s(o.resync_time),
            MetricId::RpoAlert => s(o.rpo_alert),
            MetricId::ConsistencyGroupRpo(g) => {
                o.declared.then(|| o.consistency_group_rpo[g].as_secs_f64())
            }
            MetricId::OutageDuration => s(o.outage_duration),
            MetricId::PrimaryDataLost => flag(o.primary_data_lost),
            MetricId::Closed => flag(o.closed),
            MetricId::StagesCompleted => o.stages_completed.map(f64::from),
            MetricId::Declared => flag(o.declared),
            MetricId::StepRetries => Some(f64::from(o.step_retries)),
            MetricId::AllocationRetries => Some(f64::from(o.allocation_retries)),
            MetricId::VmFailoverRetries => Some(f64::from(o.vm_failover_retries)),
            // A ride-out has no stages and runs nothing in Azure: not 0, empty.
            MetricId::Stage2Bytes => {
                (o.declared && !o.stage2_skipped).then(|| o.stage2_bytes.round())
            }
            MetricId::Stage2CopyBytes => {
                (o.declared && !o.stage2_skipped).then(|| o.stage2_copy_bytes.round())
            }
            MetricId::Stage2WriteBytes => (o.declared && !o.stage2_skipped)
                .then(|| (o.stage2_bytes - o.stage2_copy_bytes).max(0.0).round()),
            MetricId::Stage3Bytes => o.declared.then(|| o.stage3_bytes.round()),
            MetricId::Stage4Bytes => o.declared.then(|| o.stage4_bytes.round()),
            MetricId::AzureCost => o.declared.then_some(o.azure_cost),
            MetricId::FailbackRpo => opt(o.failback_rpo),
            MetricId::Reassessments => Some(f64::from(o.reassessments)),
            MetricId::FailbackRetries => o.declared.then_some(f64::from(o.failback_retries)),
            MetricId::FailbackDataLost => o.failback_data_lost_bytes.map(f64::round),
            MetricId::RpoMet(target, over) => {
                let unbounded = o.declared && o.protection_over_capacity();
                in_population(o, over).then(|| if unbounded { 0.0 } else { met(o.rpo, target) })
            }
            MetricId::RtoMet(target, over, clock) => {
                let rto = match clock {
                    crate::scenario::RtoClock::Outage => o.rto,
                    crate::scenario::RtoClock::FailoverStart => o.rto_from_failover,
                };
                let rto = rto.filter(|_| in_population(o, over))?;
                Some(met(rto, target))
            }
            MetricId::GroupRto(g) => o.declared.then(|| opt(o.group_rto[g])).flatten(),
            MetricId::RtoPart(i) => o.rto_parts.map(|p| p.parts()[i].as_secs_f64()),
            MetricId::RpoPart(i) => s(o.rpo_parts.parts()[i]),
            MetricId::PlanRpo(p) => s(o.plans[p].rpo),
            MetricId::PlanRto(p) => opt(o.plans[p].rto),
            MetricId::PlanDataLost(p) => Some(o.plans[p].data_lost_bytes.round()),
            MetricId::PlanStage(p, k) => {
                let plan = &o.plans[p];
                opt(match k {
                    1 => plan.stage1,
                    2 if o.stage2_skipped => None,
                    2 => plan.stage2,
                    3 => plan.stage3_downtime,
                    _ => plan.stage4,
                })
            }
            MetricId::PlanOperatorWait(p) => opt(o.plans[p].operator_wait),
            MetricId::PlanFailbackWait(p) => opt(o.plans[p].failback_wait),
            MetricId::PlanStageStart(p, k) => match k {
                2 if o.stage2_skipped => None,
                _ => opt(o.plans[p].stage_starts[usize::from(k) - 2]),
            },
            MetricId::QuotaRefused => o.declared.then_some(f64::from(o.quota_refused)),
            MetricId::RtoFromFailover => opt(o.rto_from_failover),
            MetricId::Stage3Start => opt(o.stage3_start),
            MetricId::LatentFaults => o.declared.then_some(f64::from(o.latent_faults)),
            MetricId::FailbackPastWindow => o
                .stage3_start
                .map(|_| f64::from(u8::from(o.failback_past_window))),
            MetricId::LatentFaultMet => o
                .declared
                .then_some(f64::from(u8::from(o.latent_faults > 0))),
            MetricId::Availability => o.year.as_ref().map(|y| y.availability),
            MetricId::YearOutages => o.year.as_ref().map(|y| f64::from(y.outages)),
            MetricId::YearFailovers => o.year.as_ref().map(|y| f64::from(y.failovers)),
            MetricId::YearDuringReprotect => o.year.as_ref().map(|y| f64::from(y.during_reprotect)),
            MetricId::YearLinkDowns => o.year.as_ref().map(|y| f64::from(y.link_downs)),
            MetricId::YearDrills => o.year.as_ref().map(|y| f64::from(y.drills)),
            MetricId::YearDowntime => o.year.as_ref().map(|y| y.downtime.as_secs_f64()),
            MetricId::YearDataLost => o.year.as_ref().map(|y| y.data_lost_bytes.round()),
            MetricId::YearUnprotected => o.year.as_ref().map(|y| y.unprotected.as_secs_f64()),
            MetricId::YearReplicationStalled => {
                o.year.as_ref().map(|y| y.replication_stalled.as_secs_f64())
            }
            MetricId::YearAzureCost => o.year.as_ref().map(|y| y.azure_cost),
            MetricId::VmsOverSla => o.declared.then(|| {
                let over = o.vms.iter().filter(|v| !v.within_sla()).count();
                over as f64
            }),
            MetricId::VmsOverTwoHoursPlanClock => o.declared.then(|| {
                let over = o
                    .vms
                    .iter()
                    .filter(|v| !v.within_two_hours_of_plan_start())
                    .count();
                over as f64
            }),
        }
    }

    /// The populations its summary rows are over (docs/metrics.md).
    pub fn populations(&self) -> &'static [Population] {
        use Population::*;
        match self.id {
            // Ride-outs have an RPO (0) and an RTO (the outage): both views matter.
            MetricId::Rpo
            | MetricId::Rto
            | MetricId::DataLost
            | MetricId::RtoPart(_)
            | MetricId::PlanRpo(_)
            | MetricId::PlanRto(_)
            | MetricId::PlanDataLost(_) => &[All, Declared],
            MetricId::RpoPart(_) => &[Declared],
            // Only a failover has stages, per-group RTOs or consistency points.
            MetricId::Stage1
            | MetricId::Stage2
            | MetricId::Stage3Downtime
            | MetricId::Stage4
            | MetricId::ConsistencyGroupRpo(_)
            | MetricId::StagesCompleted
            | MetricId::GroupRto(_)
            | MetricId::PlanStage(..)
            | MetricId::PlanOperatorWait(_)
            | MetricId::PlanFailbackWait(_)
            | MetricId::PlanStageStart(..)
            | MetricId::RtoFromFailover
            | MetricId::Stage3Start
            | MetricId::VmsOverSla
            | MetricId::VmsOverTwoHoursPlanClock
            | MetricId::LatentFaults
            | MetricId::LatentFaultMet
            | MetricId::FailbackPastWindow => &[Declared],
            MetricId::RpoMet(_, Declared) | MetricId::RtoMet(_, Declared, _) => &[Declared],
            _ => &[All],
        }
    }

    /// The value as written in CSV: seconds to the millisecond, whole bytes, 0/1;
    /// empty where the value does not exist.
    pub fn format(&self, value: Option<f64>) -> String {
        let mut text = String::new();
        self.format_into(value, &mut text);
        text
    }

    /// [`Metric::format`] appended to `out` (no allocation once `out` has
    /// room: rows are written for every replication).
    pub fn format_into(&self, value: Option<f64>, out: &mut String) {
        use std::fmt::Write;
        let Some(value) = value else {
            return;
        };
        // Writing to a String cannot fail.
        let _ = match self.unit {
            Unit::Seconds => write!(out, "{value:.3}"),
            Unit::Bytes | Unit::Flag | Unit::Count => write!(out, "{value:.0}"),
            Unit::Currency => write!(out, "{value:.2}"),
            Unit::Availability => write!(out, "{value:.8}"),
        };
    }
}

fn met(value: SimDuration, target: SimDuration) -> f64 {
    f64::from(u8::from(value <= target))
}

/// Whether replication `o` belongs to `population`.
pub fn in_population(o: &CycleOutcome, population: Population) -> bool {
    match population {
        Population::All => true,
        Population::Declared => o.declared,
    }
}

/// The metrics of a scenario, in column order.
pub fn metrics_for(scenario: &Scenario) -> Vec<Metric> {
    use MetricId::*;
    use Unit::*;
    let mut rpo = Metric::new(
        "rpo_s",
        Seconds,
        "achieved RPO: t0 minus the write time of the recovery point used (worst VM)",
        Rpo,
    );
    rpo.target = scenario.targets.rpo;
    let mut rto = Metric::new(
        "rto_s",
        Seconds,
        "achieved RTO: t0 until the last VM of the plan runs in the recovery site",
        Rto,
    );
    let mut rto_from_failover = Metric::new(
        "rto_from_failover_s",
        Seconds,
        "RTO from the failover's start (ASR's SLA clock): rto_s minus detection, decision and any ride-out before the declaration",
        RtoFromFailover,
    );
    match scenario.targets.rto_from {
        crate::scenario::RtoClock::Outage => rto.target = scenario.targets.rto,
        crate::scenario::RtoClock::FailoverStart => {
            rto_from_failover.target = scenario.targets.rto;
        }
    }
    let mut list = vec![
        rpo,
        rto,
        rto_from_failover,
        Metric::new(
            "stage1_s",
            Seconds,
            "stage 1: failover start (disaster declared) to plan complete",
            Stage1,
        ),
        Metric::new(
            "stage2_s",
            Seconds,
            "stage 2: reprotect start to reverse replication healthy",
            Stage2,
        ),
        Metric::new(
            "stage3_downtime_s",
            Seconds,
            "stage 3: Azure VMs stop to on-premises VMs up",
            Stage3Downtime,
        ),
        Metric::new(
            "stage3_start_s",
            Seconds,
            "t0 until the failback started (its last attempt; an estate's latest plan)",
            Stage3Start,
        ),
        Metric::new(
            "stage4_s",
            Seconds,
            "stage 4: re-enable to forward replication healthy",
            Stage4,
        ),
        Metric::new(
            "unprotected_s",
            Seconds,
            "time without a healthy replica: t0 to stage 2 end, plus failback start to stage 4 end",
            Unprotected,
        ),
        Metric::new("cycle_s", Seconds, "t0 until stage 4 completes", Cycle),
        Metric::new(
            "total_downtime_s",
            Seconds,
            "RTO plus stage-3 downtime",
            TotalDowntime,
        ),
        Metric::new(
            "data_lost_bytes",
            Bytes,
            "bytes written between the recovery points used and t0, all VMs",
            DataLost,
        ),
        Metric::new(
            "lag_at_outage_s",
            Seconds,
            "largest replication lag among the VMs at t0",
            LagAtOutage,
        ),
        Metric::new(
            "resync_vms",
            Count,
            "VMs being resynchronised at t0 (their Hyper-V log reached half the disk): no new point since the resync began",
            ResyncVms,
        ),
        Metric::new(
            "resync_bytes",
            Bytes,
            "changed blocks the resyncs before t0 had to move, all VMs (a resync drops the queued log and moves the changed blocks instead)",
            ResyncBytes,
        ),
        Metric::new(
            "resync_s",
            Seconds,
            "time the resyncs before t0 held back recovery points (from each VM's mark, held for office hours included, until its changed blocks had moved, or t0), summed over VMs",
            ResyncTime,
        ),
        Metric::new(
            "rpo_alert_s",
            Seconds,
            "longest time a VM's lag exceeded the RPO alert threshold before t0 (in the simulated history)",
            RpoAlert,
        ),
        Metric::new(
            "outage_duration_s",
            Seconds,
            "time until the primary site is usable again",
            OutageDuration,
        ),
        Metric::new(
            "primary_data_lost",
            Flag,
            "1 when the disaster destroyed the primary's disks",
            PrimaryDataLost,
        ),
        Metric::new(
            "cycle_closed",
            Flag,
            "1 when the cycle closed within the one-year horizon",
            Closed,
        ),
        Metric::new(
            "over_capacity",
            Flag,
            "1 when a resource the replication used is over capacity in steady state (a link, a process server's daily volume, a link back, a reprotect cap: the mean churn it carries above what it carries): its RPO, data lost and lag grow without bound, so they are left empty and the RPO target counts as missed; the run's text names the resource",
            OverCapacity,
        ),
        Metric::new(
            "cache_level",
            Count,
            "the highest documented level a process server's cache reached before t0 (its VMs' writes not uploaded yet): 0 none, 1 health alert (free space below 30%), 2 health alert (below 25%), 3 replication throttled (below 20%); VMware/physical",
            CacheLevel,
        ),
        Metric::new(
            "stages_completed",
            Count,
            "stages (1 to 4) completed within the one-year horizon: 4 when the cycle closed",
            StagesCompleted,
        ),
    ];
    // Only process servers have a cache (VMware/physical).
    if scenario.process_servers.is_empty() {
        list.retain(|m| m.id != CacheLevel);
    }
    list.extend([
        Metric::new("disaster_declared", Flag, "1 when a disaster was declared and the plan failed over; 0 when the outage was ridden out", Declared),
        Metric::new("step_retries", Count, "failed attempts of recovery-plan steps, retried (failover and failback)", StepRetries),
        Metric::new("allocation_retries", Count, "VM creations in the recovery site that failed for lack of capacity, retried", AllocationRetries),
        Metric::new("vm_failover_retries", Count, "VM failovers that failed once booted, redone", VmFailoverRetries),
        Metric::new("vms_over_sla", Count, "VMs not running in Azure within ASR's 2-hour RTO SLA on ASR's time: from their plan's failover start, less the time its manual actions and scripts ran, which the SLA excludes (vms.csv: asr_time_s)", VmsOverSla),
        Metric::new("vms_over_2h_with_steps", Count, "VMs not running in Azure within 2 hours of their plan's failover start on the plan's own clock, manual actions and scripts included (vms.csv: failover_to_running_s)", VmsOverTwoHoursPlanClock),
        Metric::new("stage2_bytes", Bytes, "bytes copied back to on-premises by reprotect (stage 2): stage2_copy_bytes plus stage2_write_bytes", Stage2Bytes),
        Metric::new("stage2_copy_bytes", Bytes, "of stage2_bytes, the deltas or full copies", Stage2CopyBytes),
        Metric::new("stage2_write_bytes", Bytes, "of stage2_bytes, the writes the Azure VMs made during the stage, replicated as they came", Stage2WriteBytes),
        Metric::new("stage3_bytes", Bytes, "bytes replicated back after reprotect until failback, final sync included", Stage3Bytes),
        Metric::new("stage4_bytes", Bytes, "bytes copied to Azure by the reprotect back (stage 4)", Stage4Bytes),
    ]);
    if scenario.recovery.declare_if_expected_longer_than.is_some() {
        list.push(Metric::new(
            "reassessments",
            Count,
            "times the team re-estimated a ride-out whose expected end had passed with the site still down (each may declare the disaster)",
            Reassessments,
        ));
    }
    if (0..scenario.plans.len()).any(|p| !scenario.failback_windows(p).is_empty()) {
        list.push(Metric::new(
            "failback_past_window",
            Flag,
            if scenario.failback.must_finish {
                "1 when a failback's downtime ran past the end of the window it started in, though must_finish started it only where its estimate fitted (a retry, or a duration beyond its 99.9th percentile)"
            } else {
                "1 when a failback's downtime ran past the end of the window it started in (the window gates only the start; [failback] must_finish fits the whole failback in)"
            },
            FailbackPastWindow,
        ));
    }
    if scenario.has_latent_faults() {
        let drills = match &scenario.drills {
            Some(d) => format!(
                "drills every {} on average",
                crate::scenario::units::format_duration_short(d.every.mean())
            ),
            None => "no drills: every fault has had time to appear".to_string(),
        };
        list.extend([
            Metric::new(
                "latent_fault_met",
                Flag,
                &format!("1 when the failover met a latent fault (a step or a VM failover failed once because no drill had found it; {drills}): its mean is the share of disasters that met one"),
                LatentFaultMet,
            ),
            Metric::new(
                "latent_faults",
                Count,
                "latent faults the failover met, each costing a retry (counted in step_retries or vm_failover_retries too)",
                LatentFaults,
            ),
        ]);
    }
    if scenario.failback.failure_probability > 0.0 {
        list.push(Metric::new(
            "failback_retries",
            Count,
            "failback attempts that failed, were cancelled (the VMs back in Azure) and retried; their downtime is in stage3_downtime_s",
            FailbackRetries,
        ));
    }
    // Classic failback is an unplanned failover to a point: it can lose what
    // was written in Azure after it (a planned failover loses nothing).
    if matches!(
        scenario.failback.mode,
        crate::scenario::FailbackMode::ClassicToPoint(_)
    ) {
        list.extend([
            Metric::new(
                "failback_rpo_s",
                Seconds,
                "classic failback: the age, when the Azure VMs stopped, of the oldest reverse point a VM failed back to",
                FailbackRpo,
            ),
            Metric::new(
                "failback_data_lost_bytes",
                Bytes,
                "classic failback: bytes written in Azure after the points failback used, all VMs",
                FailbackDataLost,
            ),
        ]);
    }
    if let Some(quota) = scenario.recovery.vcpu_quota {
        list.push(Metric::new(
            "vms_not_created",
            Count,
            &format!("VMs not created in the recovery region because their vCPUs did not fit the quota of {quota} (their plans cannot complete)"),
            QuotaRefused,
        ));
    }
    if scenario.vms.iter().any(|vm| vm.azure_vm_hour > 0.0) {
        let currency = if scenario.currency.is_empty() {
            "in the scenario's currency".to_string()
        } else {
            format!("in {}", scenario.currency)
        };
        list.push(Metric::new(
            "azure_cost",
            Currency,
            &format!("price of running the VMs in Azure during the cycle, {currency}"),
            AzureCost,
        ));
    }
    // Per-replication verdicts; in the summary their mean is the fraction meeting.
    let targets = &scenario.targets;
    if let Some(t) = targets.rpo {
        list.push(Metric::new(
            "rpo_target_met",
            Flag,
            &format!(
                "1 when rpo_s is at most the RPO target; judged over {}",
                targets.rpo_over.phrase()
            ),
            RpoMet(t, targets.rpo_over),
        ));
    }
    if let Some(t) = targets.rto {
        let column = match targets.rto_from {
            crate::scenario::RtoClock::Outage => "rto_s",
            crate::scenario::RtoClock::FailoverStart => "rto_from_failover_s",
        };
        list.push(Metric::new(
            "rto_target_met",
            Flag,
            &format!(
                "1 when {column} is at most the RTO target; judged over {}",
                targets.rto_over.phrase()
            ),
            RtoMet(t, targets.rto_over, targets.rto_from),
        ));
    }
    for (g, group) in scenario.consistency_groups.iter().enumerate() {
        list.push(Metric::new(
            &format!("rpo_cg_{}_s", group.id),
            Seconds,
            &format!(
                "RPO of multi-VM consistency group `{}` (its common point)",
                group.id
            ),
            ConsistencyGroupRpo(g),
        ));
    }
    for (g, group) in scenario.groups.iter().enumerate() {
        list.push(Metric::new(
            &format!("rto_group_{}_s", group.id),
            Seconds,
            &format!(
                "t0 until every VM of group `{}` runs in the recovery site",
                group.id
            ),
            GroupRto(g),
        ));
    }
    if scenario.is_estate() {
        list.extend(plan::plan_metrics(scenario));
    }
    for (i, (name, meaning)) in RtoParts::names_for(scenario) {
        list.push(Metric::new(
            &format!("rto_{name}_s"),
            Seconds,
            &format!("RTO part: {meaning} (the parts add up to rto_s)"),
            RtoPart(i),
        ));
    }
    for (i, (name, meaning)) in RpoParts::names_for(scenario) {
        list.push(Metric::new(
            &format!("rpo_{name}_s"),
            Seconds,
            &format!("RPO part, worst VM: {meaning} (the parts add up to rpo_s)"),
            RpoPart(i),
        ));
    }
    // A year's columns first: with `[operations]` they are the answer.
    let mut year = year::year_metrics(scenario);
    year.append(&mut list);
    year
}
