//! Which outages a figure is over ([`Population`]), and the targets a
//! scenario sets on the RPO and the RTO, each judged over a population
//! ([`Targets`], [`Target`], [`TargetMetric`]).

use crate::engine::SimDuration;

/// Which outages a statistic or a target is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Population {
    /// Every simulated outage, ridden out or not.
    All,
    /// Outages in which a disaster was declared and the plan failed over.
    Declared,
}

impl Population {
    pub const NAMES: [&'static str; 2] = ["all", "declared"];

    pub fn from_name(name: &str) -> Option<Population> {
        match name {
            "all" => Some(Population::All),
            "declared" => Some(Population::Declared),
            _ => None,
        }
    }

    /// As written in files and in `summary.csv`'s `population` column.
    pub fn name(self) -> &'static str {
        match self {
            Population::All => "all",
            Population::Declared => "declared",
        }
    }

    /// In a sentence: "over all outages".
    pub fn phrase(self) -> &'static str {
        match self {
            Population::All => "all outages",
            Population::Declared => "declared disasters",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Targets {
    pub rpo: Option<SimDuration>,
    pub rto: Option<SimDuration>,
    /// Share of replications that must meet a target for the plan to hold it.
    pub required_fraction: f64,
    /// The outages the RPO target is judged on: by default the declared
    /// disasters (a ridden-out outage loses nothing, so counting it would only
    /// dilute the data-loss exposure of a real failover).
    pub rpo_over: Population,
    /// The outages the RTO target is judged on: by default all of them (the
    /// business is down during a ride-out too; one longer than the target is a
    /// miss caused by the decision rule).
    pub rto_over: Population,
    /// Where the RTO target's clock starts: the outage (drsim's `rto_s`) or
    /// the failover's start (`rto_from_failover_s`, as ASR's SLA counts).
    pub rto_from: RtoClock,
}

/// Where an RTO is counted from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RtoClock {
    /// From the outage: detection, decision and any ride-out included (`rto_s`).
    Outage,
    /// From the start of the failover, as ASR's two-hour RTO SLA counts
    /// (`rto_from_failover_s`); only a declared disaster has one.
    FailoverStart,
}

impl RtoClock {
    pub const NAMES: [&'static str; 2] = ["outage", "failover-start"];

    pub fn from_name(name: &str) -> Option<RtoClock> {
        match name {
            "outage" => Some(RtoClock::Outage),
            "failover-start" => Some(RtoClock::FailoverStart),
            _ => None,
        }
    }
}

/// A metric a scenario sets a target on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetMetric {
    Rpo,
    Rto,
}

impl TargetMetric {
    pub const ALL: [TargetMetric; 2] = [TargetMetric::Rpo, TargetMetric::Rto];

    /// "RPO" or "RTO", as sentences and charts name it.
    pub fn label(self) -> &'static str {
        match self {
            TargetMetric::Rpo => "RPO",
            TargetMetric::Rto => "RTO",
        }
    }

    /// Its column in `replications.csv`: `rpo_s`, `rto_s`.
    pub fn column(self) -> &'static str {
        match self {
            TargetMetric::Rpo => "rpo_s",
            TargetMetric::Rto => "rto_s",
        }
    }
}

/// One target: the metric, its threshold (if the scenario sets one) and the
/// outages it is judged over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub metric: TargetMetric,
    pub threshold: Option<SimDuration>,
    pub over: Population,
    /// Where the clock starts (the RPO's is always the outage).
    pub clock: RtoClock,
}

impl Targets {
    /// The target on `metric`.
    pub fn of(&self, metric: TargetMetric) -> Target {
        let (threshold, over, clock) = match metric {
            TargetMetric::Rpo => (self.rpo, self.rpo_over, RtoClock::Outage),
            TargetMetric::Rto => (self.rto, self.rto_over, self.rto_from),
        };
        Target {
            metric,
            threshold,
            over,
            clock,
        }
    }
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            rpo: None,
            rto: None,
            required_fraction: 0.95,
            rpo_over: Population::Declared,
            rto_over: Population::All,
            rto_from: RtoClock::Outage,
        }
    }
}
