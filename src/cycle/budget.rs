//! The runaway guard: a per-replication budget of events and of recorded
//! replication history, derived from the scenario.
//!
//! Validation refuses values that cannot be simulated meaningfully, but some
//! combinations are only seen running (many VMs with very frequent bursts, or
//! on-off churn with millisecond holds, over a long history). Rather than run
//! for hours or exhaust memory, a replication that exceeds its budget stops,
//! and the run fails (exit 2, nothing written) naming the replication and the
//! scenario element that produced the events.
//!
//! The budget is a judgement, documented in docs/model.md ("Limits"): the
//! shipped scenarios need at most about 1,000 events and 1,500 breakpoints per
//! replication; the budget allows 20 million events plus 1 million per VM
//! (seconds of work) and 256 MiB plus 4 MiB per VM of recorded breakpoints.

use crate::scenario::{Churn, MAX_EVENTS_BASE, MAX_EVENTS_PER_VM, Scenario};

/// Events and memory one replication may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub events: u64,
    /// Breakpoints recorded over every flow of every link.
    pub breakpoints: usize,
}

/// Bytes one recorded breakpoint takes (time, bytes written, bytes sent).
const BREAKPOINT_BYTES: usize = std::mem::size_of::<super::fluid::Breakpoint>();

impl Budget {
    pub fn for_scenario(scenario: &Scenario) -> Budget {
        let vms = scenario.vms.len();
        Budget {
            events: MAX_EVENTS_BASE + MAX_EVENTS_PER_VM * vms as u64,
            breakpoints: ((256 << 20) + (4 << 20) * vms) / BREAKPOINT_BYTES,
        }
    }
}

/// Which limit a replication exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Events(u64),
    /// In breakpoints.
    Memory(usize),
}

/// A replication stopped by its budget: which, why, and what produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runaway {
    pub replication: u64,
    pub limit: Limit,
    /// The scenario element that produced most of it, and how to tame it.
    pub element: String,
}

impl std::fmt::Display for Runaway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.limit {
            Limit::Events(n) => format!(
                "more than {n} events (the budget for this scenario: 20 million plus 1 million per VM)"
            ),
            Limit::Memory(n) => format!(
                "more than {} MiB of recorded replication history ({n} breakpoints; the budget for this scenario: 256 MiB plus 4 MiB per VM)",
                (n * BREAKPOINT_BYTES).div_ceil(1 << 20)
            ),
        };
        write!(
            f,
            "replication {} stopped: it needed {what}; {}",
            self.replication, self.element
        )
    }
}

/// What a VM's churn process is called in the file, and how to make it cheaper.
/// `events` of the `delivered` came from `vm`'s churn, `total` from every VM's.
pub(super) fn churn_element(
    scenario: &Scenario,
    vm: usize,
    events: u64,
    total: u64,
    delivered: u64,
) -> String {
    let v = &scenario.vms[vm];
    let (process, remedy) = match &v.churn {
        Churn::Bursts { per_hour, .. } => (
            format!("bursts, per_hour = {per_hour}"),
            "lower `per_hour` (frequent small writes are better modelled as a constant or on-off rate) or shorten `replication.history`",
        ),
        Churn::OnOff { .. } => (
            "on-off".to_string(),
            "lengthen `on_time` and `off_time` or shorten `replication.history`",
        ),
        Churn::Piecewise { .. } => (
            "piecewise".to_string(),
            "lengthen `every` or shorten `replication.history`",
        ),
        Churn::Replay(p) => (
            format!("replayed from {}", p.file),
            "resample the file to a coarser interval or shorten `replication.history`",
        ),
        Churn::Daily { .. } | Churn::Constant(_) => {
            ("its churn".to_string(), "shorten `replication.history`")
        }
    };
    let others = if total > events {
        format!(", and the churn of all {} VMs {total}", scenario.vms.len())
    } else {
        String::new()
    };
    format!(
        "of its {delivered} events, vm `{}`'s churn ({process}) produced {events}{others}, before the outage; {remedy}",
        v.id
    )
}
