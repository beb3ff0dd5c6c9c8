//! `Scenario`: the validated model of a scenario file, and how to get one.
//!
//! A file goes through two steps: [`raw`] deserializes it into structs that
//! mirror the text (unknown keys rejected), then [`validate`] checks every rule
//! and builds a [`Scenario`] whose invariants the simulation never re-checks.
//! Every problem found is a [`Diagnostic`] naming file, line, column and key.

pub mod distribution;
mod locate;
mod raw;
pub mod units;
mod validate;

use std::fmt;
use std::path::Path;

pub use distribution::Distribution;
pub use locate::KeyPath;

use crate::engine::{SimDuration, SimTime};

/// Everything one simulation needs, with every invariant checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where the scenario came from (a path, or a name given by the caller).
    pub source: String,
    pub name: String,
    pub description: String,
    pub simulation: Simulation,
    pub sites: Sites,
    /// Replication links, each from the primary to the recovery site.
    pub links: Vec<Link>,
    pub policy: ReplicationPolicy,
    /// Recovery-plan groups in start order; every group has at least one VM.
    pub groups: Vec<Group>,
    /// Protected VMs, `count` entries already expanded; `vm.group` and `vm.link`
    /// index `groups` and `links`.
    pub vms: Vec<Vm>,
    pub outage: SiteOutage,
    pub recovery: Recovery,
    pub reprotect: Reprotect,
    pub failback: Failback,
    pub targets: Targets,
    /// Things that are valid but probably not what the author meant.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy)]
pub struct Simulation {
    pub replications: u64,
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Sites {
    pub primary: Site,
    pub recovery: Site,
    /// Where failback goes when the primary is not the failback target (alternate
    /// location); modelled in a later version, described today.
    pub alternate: Option<Site>,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    /// Bytes/s available primary -> recovery, drawn once per replication.
    pub bandwidth: Distribution,
    /// Bytes/s available recovery -> primary (reprotect, failback); defaults to `bandwidth`.
    pub reverse_bandwidth: Distribution,
}

/// Which recovery point a failover uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryPointChoice {
    /// The newest crash-consistent point that is already processed (ASR default).
    LatestProcessed,
    /// The newest processed app-consistent point.
    LatestAppConsistent,
}

impl RecoveryPointChoice {
    pub const NAMES: [&str; 2] = ["latest-processed", "latest-app-consistent"];

    pub fn name(self) -> &'static str {
        match self {
            RecoveryPointChoice::LatestProcessed => Self::NAMES[0],
            RecoveryPointChoice::LatestAppConsistent => Self::NAMES[1],
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReplicationPolicy {
    pub crash_consistent_interval: SimDuration,
    pub app_consistent_interval: SimDuration,
    /// Points older than this are pruned and cannot be chosen.
    pub retention: SimDuration,
    /// Only raises alerts; reported, never changes behaviour.
    pub rpo_alert_threshold: SimDuration,
    /// Time from a point's data being at the target to the point being usable.
    pub processing_delay: Distribution,
    /// How long replication has run before the outage (the simulated warm-up).
    pub history: SimDuration,
    pub recovery_point: RecoveryPointChoice,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    /// Indices into `Scenario::vms`, in file order.
    pub vms: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Vm {
    pub id: String,
    pub group: usize,
    pub link: usize,
    pub disk_bytes: f64,
    /// Write rate in bytes/s, drawn once per replication.
    pub churn: Distribution,
    /// Boot in the recovery site (stage 1).
    pub boot_time: Distribution,
    /// Disk preparation before boot (all VMs in parallel).
    pub prepare_time: Distribution,
    /// Boot on-premises at failback (stage 3).
    pub failback_boot_time: Distribution,
}

/// When in the simulated week the disaster strikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutageStart {
    /// Uniformly over the week (Monday 00:00 to Sunday 24:00).
    RandomInWeek,
    At(SimTime),
}

#[derive(Debug, Clone)]
pub struct SiteOutage {
    /// The failed site's id (always the primary).
    pub site: String,
    pub start: OutageStart,
    /// Until the primary site is usable again.
    pub duration: Distribution,
}

#[derive(Debug, Clone)]
pub struct Recovery {
    pub detection_delay: Distribution,
    pub decision_delay: Distribution,
}

#[derive(Debug, Clone)]
pub struct Reprotect {
    pub operator_delay: Distribution,
    /// Bytes/s at which a disk is checksummed for a delta resync.
    pub checksum_throughput: Distribution,
    /// Recovery-point processing as a fraction of checksum plus transfer time.
    pub processing_fraction: f64,
    pub autoscale_overhead: Distribution,
    /// Chance that the disaster destroyed the primary's disks (full copy needed).
    pub primary_data_lost_probability: f64,
}

#[derive(Debug, Clone)]
pub struct Failback {
    /// From reverse replication healthy until the failback is started.
    pub wait: Distribution,
    pub shutdown_time: Distribution,
    pub final_sync_overhead: Distribution,
}

#[derive(Debug, Clone, Copy)]
pub struct Targets {
    pub rpo: Option<SimDuration>,
    pub rto: Option<SimDuration>,
    /// Share of replications that must meet a target for the plan to hold it.
    pub required_fraction: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            rpo: None,
            rto: None,
            required_fraction: 0.95,
        }
    }
}

/// One located problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key path at fault, e.g. `vm[2].boot_time.median`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: `{}`: {}",
            self.file, self.line, self.column, self.key, self.message
        )
    }
}

/// Why a scenario could not be loaded. Both variants are fatal for the run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render(.diagnostics))]
    Invalid { diagnostics: Vec<Diagnostic> },
}

fn render(diagnostics: &[Diagnostic]) -> String {
    let lines: Vec<String> = diagnostics.iter().map(Diagnostic::to_string).collect();
    let noun = if diagnostics.len() == 1 {
        "problem"
    } else {
        "problems"
    };
    format!(
        "invalid scenario ({} {noun}):\n  {}",
        diagnostics.len(),
        lines.join("\n  ")
    )
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Scenario::from_toml(&text, &path.display().to_string())
    }

    /// Validates scenario text; `source` names it in diagnostics.
    pub fn from_toml(text: &str, source: &str) -> Result<Scenario, ScenarioError> {
        let locator = locate::Locator::new(text);
        let raw: raw::RawScenario = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                let (line, column) = locate::line_column(text, offset);
                let key = locator.path_at(offset);
                return Err(ScenarioError::Invalid {
                    diagnostics: vec![Diagnostic {
                        file: source.to_string(),
                        line,
                        column,
                        key: key.to_string(),
                        message: explain_serde_message(e.message()),
                    }],
                });
            }
        };
        validate::validate(raw, source, &locator)
    }

    /// Total data on all protected disks, bytes.
    pub fn total_disk_bytes(&self) -> f64 {
        self.vms.iter().map(|vm| vm.disk_bytes).sum()
    }
}

/// serde's messages are terse; add the nearest valid key to unknown-field errors.
fn explain_serde_message(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let Some((unknown, expected)) = rest.split_once('`') else {
            return message.to_string();
        };
        let valid: Vec<&str> = expected
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        let hint = suggest(unknown, valid.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return format!(
            "unknown key `{unknown}`{hint} (valid here: {})",
            valid.join(", ")
        );
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("missing required key `{name}`");
    }
    message.to_string()
}

/// The candidate closest to `word` in spelling, if one is close enough to be a typo.
pub(crate) fn suggest<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_catch_typos_only() {
        let keys = ["boot_time", "disk_size", "churn"];
        assert_eq!(suggest("bootime", keys.iter().copied()), Some("boot_time"));
        assert_eq!(suggest("chrun", keys.iter().copied()), Some("churn"));
        assert_eq!(suggest("colour", keys.iter().copied()), None);
    }

    #[test]
    fn unknown_field_messages_get_a_suggestion() {
        let m = explain_serde_message("unknown field `bootime`, expected one of `id`, `boot_time`");
        assert_eq!(
            m,
            "unknown key `bootime`; did you mean `boot_time`? (valid here: id, boot_time)"
        );
    }
}
