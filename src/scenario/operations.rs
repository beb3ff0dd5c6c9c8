//! `[operations]`: a year of operations (docs/model.md, "A year of
//! operations"). A replication is one horizon in which the disaster recurs
//! and recurring link outages leave the workload unprotected.

use super::Distribution;
use crate::engine::SimDuration;

#[derive(Debug, Clone)]
pub struct Operations {
    /// How long one replication runs: `365d` for a year.
    pub horizon: SimDuration,
    /// The time between disasters (the scenario's `[[outage]]` of kind
    /// `site` or `ransomware`): a renewal process, exponential for `every =
    /// "13w"` (Poisson arrivals).
    pub disaster_every: Distribution,
    /// Recurring `link-down` outages.
    pub link_downs: Vec<RecurringLinkDown>,
}

/// A `link-down` outage with `every`: each occurrence stops the link for its
/// duration, leaving the VMs on it unprotected.
#[derive(Debug, Clone)]
pub struct RecurringLinkDown {
    pub link: usize,
    pub every: Distribution,
    pub duration: Distribution,
}
