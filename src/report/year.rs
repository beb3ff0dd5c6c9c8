//! A year of operations in words: the traced year's outages one by one, and
//! the run's sentence on availability (docs/model.md, "A year of operations").

use crate::cycle::year::{YearHit, YearOutcome};
use crate::engine::SimDuration;
use crate::metrics::MetricId;
use crate::report::table::thousands;
use crate::scenario::Scenario;
use crate::scenario::units::{format_availability, format_bytes, format_duration_short};
use crate::stats::RunSummary;

/// `day 34 09:12` from the horizon's start (day 1 is its first).
fn when(at: SimDuration) -> String {
    let ms = at.as_millis();
    let day = ms / 86_400_000 + 1;
    let minutes = ms % 86_400_000 / 60_000;
    format!("day {day} {:02}:{:02}", minutes / 60, minutes % 60)
}

fn short(d: SimDuration) -> String {
    format_duration_short(d.as_secs_f64())
}

/// One line per outage of the year, then its figures.
pub fn narrate(s: &Scenario, year: &YearOutcome) -> String {
    let horizon = s
        .operations
        .as_ref()
        .map_or(SimDuration::ZERO, |o| o.horizon);
    let mut out = format!(
        "The year ({} days): {} disasters, {} failed over, {} ridden out, {} during a reprotect; {} link outages; {} drills\n",
        horizon.as_millis() / 86_400_000,
        year.outages,
        year.failovers,
        year.ridden_out,
        year.during_reprotect,
        year.link_downs,
        year.drills
    );
    for e in &year.events {
        let what = match e.hit {
            YearHit::Declared {
                rto,
                downtime,
                data_lost_bytes,
            } => format!(
                "disaster declared: failover, RTO {}, down {} with the failback, {} lost; its cycle runs to the end of stage 4",
                rto.map_or("beyond the horizon".into(), short),
                short(downtime),
                format_bytes(data_lost_bytes)
            ),
            YearHit::RiddenOut { downtime } => {
                format!("ridden out: down until the site came back, {}", short(downtime))
            }
            YearHit::WhileDown => {
                "the service was already down (the previous outage's failover or ride-out, which then lasts until the later end)".into()
            }
            YearHit::BeforeReprotect { delay } => format!(
                "the service runs in Azure and its reprotect has not started: the site is back at the later of the two outages' ends, so reprotect, failback and stage 4 move {} later",
                short(delay)
            ),
            YearHit::DuringReprotectToPremises { delay } => format!(
                "DURING A REPROTECT (stage 2, to on-premises): the service keeps running in Azure, unprotected; the reprotect starts again once the site is back, so failback and stage 4 move {} later",
                short(delay)
            ),
            YearHit::WhileInAzure { delay } => format!(
                "while running in Azure, protected back: the replica on-premises is down meanwhile; failback waits {}",
                short(delay)
            ),
            YearHit::DuringReprotectToAzure {
                downtime,
                data_lost_bytes,
            } => format!(
                "DURING A REPROTECT (failback or stage 4, to Azure): the workload runs on-premises with no replica to fail over to: down {} for the whole outage, {} lost; stage 4 starts again after it",
                short(downtime),
                format_bytes(data_lost_bytes)
            ),
            YearHit::LinkDown { link } => format!(
                "link `{}` down: its VMs' replication stalled (the replica in Azure stands, aging: the RPO grows until the link is back and the backlog drains)",
                s.links[link].id
            ),
        };
        out.push_str(&format!(
            "  {}  outage of {}: {what}\n",
            when(e.at),
            short(e.duration)
        ));
    }
    out.push_str(&format!(
        "  => availability {} (down {}), {} lost, unprotected {}\n",
        format_availability(year.availability),
        short(year.downtime),
        format_bytes(year.data_lost_bytes),
        short(year.unprotected)
    ));
    out
}

/// The run's sentence: over how many simulated horizons, the mean
/// availability and its 95 % interval, the bad years, and how many years had
/// a disaster strike during a reprotect. `None` without `[operations]`.
pub fn run_sentence(s: &Scenario, run: &RunSummary) -> Option<String> {
    let ops = s.operations.as_ref()?;
    let row = |id: MetricId| run.rows.iter().find(|r| r.metric.id() == id);
    let availability = row(MetricId::Availability)?.summary.as_ref()?;
    let downtime = row(MetricId::YearDowntime)?.summary.as_ref()?;
    let hits = row(MetricId::YearDuringReprotect)?.summary.as_ref()?;
    let n = availability.count;
    let half = crate::stats::Z_95 * availability.std / (n as f64).sqrt();
    let horizon_s = ops.horizon.as_secs_f64();
    Some(format!(
        "Over {} simulated horizons of {} days: mean availability {} (95% CI {} to {}); one year in 20 is down more than {} (availability under {}), one in 100 more than {}; disasters struck during a reprotect {:.3} times a horizon on average (outages_during_reprotect)",
        thousands(n),
        ops.horizon.as_millis() / 86_400_000,
        format_availability(availability.mean),
        format_availability(availability.mean - half),
        format_availability((availability.mean + half).min(1.0)),
        format_duration_short(downtime.p95),
        format_availability(1.0 - downtime.p95 / horizon_s),
        format_duration_short(downtime.p99),
        hits.mean
    ))
}
