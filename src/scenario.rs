//! `Scenario`: the validated model of a scenario file, and how to get one.
//!
//! A file goes through two steps: `raw` deserializes it into structs that
//! mirror the text (unknown keys rejected), then `validate` checks every rule
//! and builds a [`Scenario`] whose invariants the simulation never re-checks.
//! Every problem found is a [`Diagnostic`] naming file, line, column and key.

mod asr;
mod churn;
mod delta;
pub mod diagnostic;
pub mod distribution;
pub mod estate;
mod file;
pub mod inventory;
mod locate;
pub mod operations;
pub mod overrides;
mod plans;
mod population;
mod raw;
pub mod replay;
pub mod units;
mod unknown;
mod validate;
mod weekly;

use std::path::Path;

pub use asr::{Architecture, AsrScenario, FailbackMode, FailbackPoint, GuestOs};
pub use churn::Churn;
pub use delta::DeltaModel;
use diagnostic::explain_serde_message;
pub(crate) use diagnostic::suggest;
pub use diagnostic::{Diagnostic, ScenarioError};
pub use distribution::Distribution;
use file::read_replay_text;
pub(crate) use file::sha256_hex;
pub use file::{
    MAX_CHURN_EVENTS, MAX_EVENTS_BASE, MAX_EVENTS_PER_VM, MAX_REPLICATIONS, MAX_SCENARIO_BYTES,
    ScenarioFile,
};
pub use locate::KeyPath;
pub use plans::{Plan, SparedPlan};
pub use population::{Population, RtoClock, Target, TargetMetric, Targets};

use crate::engine::{SimDuration, SimTime};

/// Everything one simulation needs, with every invariant checked.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where the scenario came from (a path, or a name given by the caller).
    pub source: String,
    /// SHA-256 (hex) of the effective text: the file with the `--set`
    /// overrides applied, so two runs with the same value differ in no input.
    /// Not the file's digest ([`ScenarioFile::sha256`], which manifests record).
    pub effective_sha256: String,
    pub name: String,
    pub description: String,
    /// The ASR scenario modelled.
    pub kind: AsrScenario,
    /// The architecture (VMware and physical; Hyper-V has one, reported as
    /// modernized: its failback is a planned failover).
    pub architecture: Architecture,
    pub simulation: Simulation,
    pub sites: Sites,
    /// Replication links, each from the primary to the recovery site.
    pub links: Vec<Link>,
    pub policy: ReplicationPolicy,
    /// Recovery-plan groups in start order; every group has at least one VM.
    pub groups: Vec<Group>,
    /// The recovery plans, in file order: one (implicit, `declared: false`)
    /// when the file has no `[[plan]]`. Several form an estate.
    pub plans: Vec<Plan>,
    /// The plans in start order: by priority, then file order (found once,
    /// at validation; every replication reads it).
    pub start_order: Vec<usize>,
    /// Protected VMs, `count` entries already expanded; `vm.group` and `vm.link`
    /// index `groups` and `links`.
    pub vms: Vec<Vm>,
    pub outage: SiteOutage,
    /// With measured churn: the first replayed profile, whose clock places
    /// the outage (uniformly over the profile; docs/model.md, "Measured churn").
    pub replay_clock: Option<std::sync::Arc<replay::ReplayProfile>>,
    /// Link and target faults, independent of the disaster (may precede or overlap it).
    pub faults: Vec<Fault>,
    /// Multi-VM consistency groups; `vm.consistency_group` indexes this.
    pub consistency_groups: Vec<ConsistencyGroup>,
    /// VMware/physical: the process servers (replication appliances) that
    /// receive, cache and upload the VMs' writes; `vm.process_server`
    /// indexes this. Empty for Hyper-V.
    pub process_servers: Vec<ProcessServer>,
    pub recovery: Recovery,
    pub reprotect: Reprotect,
    pub failback: Failback,
    /// Test failovers on a schedule, which find and fix latent faults.
    pub drills: Option<Drills>,
    /// A year of operations: each replication a horizon of recurring outages.
    pub operations: Option<operations::Operations>,
    pub targets: Targets,
    /// Currency of `Vm::azure_vm_hour`, for reports.
    pub currency: String,
    /// Plans at primary sites the outage does not hit: they keep running
    /// on-premises and are not simulated (validate lists them).
    pub spared: Vec<SparedPlan>,
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
    /// The on-premises sites, in file order (most scenarios have one; an
    /// estate may span several, each with its own links).
    pub primaries: Vec<Site>,
    pub recovery: Site,
    /// The alternate failback location, used when `failback.location` is alternate.
    pub alternate: Option<Site>,
}

#[derive(Debug, Clone)]
pub struct Link {
    pub id: String,
    /// The primary site it replicates from (`Sites::primaries`).
    pub site: usize,
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
    /// All data received is processed first: the lowest RPO, at the cost of that
    /// processing time, added to the VM's failover (and so to RTO).
    Latest,
    /// The newest processed app-consistent point.
    LatestAppConsistent,
}

impl RecoveryPointChoice {
    pub const NAMES: [&str; 3] = ["latest-processed", "latest", "latest-app-consistent"];

    pub fn name(self) -> &'static str {
        match self {
            RecoveryPointChoice::LatestProcessed => Self::NAMES[0],
            RecoveryPointChoice::Latest => Self::NAMES[1],
            RecoveryPointChoice::LatestAppConsistent => Self::NAMES[2],
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "latest-processed" => Some(RecoveryPointChoice::LatestProcessed),
            "latest" => Some(RecoveryPointChoice::Latest),
            "latest-app-consistent" => Some(RecoveryPointChoice::LatestAppConsistent),
            _ => None,
        }
    }
}

/// VMs that fail over to one common point (ASR: "latest multi-VM processed" or
/// "latest multi-VM app-consistent", up to 16 VMs). Their points are taken at the
/// same instants; the group uses the newest point usable for every member.
#[derive(Debug, Clone)]
pub struct ConsistencyGroup {
    pub id: String,
    /// Indices into `Scenario::vms`.
    pub vms: Vec<usize>,
    /// `LatestProcessed` (crash-consistent) or `LatestAppConsistent`.
    pub choice: RecoveryPointChoice,
}

/// A fault of the replication path, independent of the disaster.
#[derive(Debug, Clone)]
pub struct Fault {
    pub kind: FaultKind,
    pub start: FaultStart,
    pub duration: Distribution,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// The link carries nothing (both directions).
    LinkDown { link: usize },
    /// The link carries `factor` of its bandwidth (both directions).
    LinkDegraded { link: usize, factor: f64 },
    /// Recovery points take `factor` times longer to process at the target.
    TargetSlowdown { factor: f64 },
}

/// When a fault starts, relative to the disaster `t0`.
#[derive(Debug, Clone)]
pub enum FaultStart {
    Before(Distribution),
    After(Distribution),
}

/// VMware/physical to Azure, per VM: the largest average churn ASR supports
/// (vmware-physical-azure-support-matrix.md, "Churn limits").
pub const VM_AVERAGE_CHURN_LIMIT: f64 = 25e6;
/// VMware/physical to Azure: peak churn across all disks of a VM (same table).
pub const VM_PEAK_CHURN_LIMIT: f64 = 54e6;
/// VMware/physical to Azure: churn a process server handles per day (same table).
pub const PROCESS_SERVER_DAILY_CHURN: f64 = 2e12;
/// ASR's RTO SLA: two hours per protected instance, counted from the start
/// of the failover (docs/model.md, "The SLA clock").
pub const ASR_RTO_SLA: SimDuration = SimDuration::from_secs(2 * 3600);
/// Hyper-V to Azure: the copy frequencies ASR offers.
pub const HYPER_V_COPY_FREQUENCIES_S: [i64; 3] = [30, 300, 900];

/// The replica disk a source disk replicates to, which with the average write
/// size sets ASR's per-disk churn limit for VMware/physical machines
/// (vmware-physical-azure-support-matrix.md, "Churn limits").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiskTier {
    /// Standard storage: 2 MB/s (8 KB writes).
    Standard,
    /// Premium P10 or P15: 2, 4 or 8 MB/s for 8, 16, 32 KB or larger writes.
    P10P15,
    /// Premium P20 to P50: 5 or 20 MB/s for 8, 16 KB or larger writes.
    P20Up,
}

impl DiskTier {
    pub const NAMES: [&'static str; 7] = ["standard", "p10", "p15", "p20", "p30", "p40", "p50"];

    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "standard" => Some(DiskTier::Standard),
            "p10" | "p15" => Some(DiskTier::P10P15),
            "p20" | "p30" | "p40" | "p50" => Some(DiskTier::P20Up),
            _ => None,
        }
    }

    /// The average churn per disk ASR supports for writes of `write_size`
    /// bytes on average (the support matrix's rows; the Standard row lists 8 KB
    /// writes only, so larger writes keep its 2 MB/s).
    pub fn churn_limit(self, write_size: f64) -> f64 {
        const KB: f64 = 1024.0;
        match self {
            DiskTier::Standard => 2e6,
            DiskTier::P10P15 if write_size >= 32.0 * KB => 8e6,
            DiskTier::P10P15 if write_size >= 16.0 * KB => 4e6,
            DiskTier::P10P15 => 2e6,
            DiskTier::P20Up if write_size >= 16.0 * KB => 20e6,
            DiskTier::P20Up => 5e6,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ReplicationPolicy {
    pub crash_consistent_interval: SimDuration,
    /// None: app-consistent points are off (the modernized architecture's
    /// default policy).
    pub app_consistent_interval: Option<SimDuration>,
    /// Points older than this are pruned and cannot be chosen.
    pub retention: SimDuration,
    /// Only raises alerts; reported, never changes behaviour.
    pub rpo_alert_threshold: SimDuration,
    /// Time from a point's data being at the target to the point being usable.
    pub processing_delay: Distribution,
    /// How long replication has run before the outage (the simulated warm-up).
    pub history: SimDuration,
    /// The default choice; a VM may override it.
    pub recovery_point: RecoveryPointChoice,
    /// A VM marked for resynchronisation starts it at the first instant
    /// outside these (empty: at once).
    pub resync_office_hours: Vec<WeeklyWindow>,
    /// `(age, interval)`: points older than `age` kept one per `interval`
    /// (a retention of 8 to 15 days: one per 4 h past 7 days).
    pub coarse_pruning: Option<(SimDuration, SimDuration)>,
    /// Crash-consistent points younger than this are all kept...
    pub keep_all_points_for: SimDuration,
    /// ...older ones are pruned to one per this interval (ASR: 2 h, then hourly).
    pub pruned_point_interval: SimDuration,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    /// The plan it belongs to (`Scenario::plans`).
    pub plan: usize,
    /// Indices into `Scenario::vms`, in file order.
    pub vms: Vec<usize>,
    /// Scripts and manual actions before the group's VMs start, in order.
    pub pre: Vec<Step>,
    /// ...and after all of them run.
    pub post: Vec<Step>,
}

/// A script or manual action of a recovery plan.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub kind: StepKind,
    pub duration: Distribution,
    /// Chance that an attempt fails; a failed attempt is retried after `retry_delay`.
    pub failure_probability: f64,
    pub retry_delay: Distribution,
    /// Which of the plan's runs it belongs to: the failover (stage 1), the
    /// failback (stage 3) or both.
    pub direction: StepDirection,
    /// Mean time between latent faults appearing in it (exponential): a
    /// fault present at a disaster fails its first failover attempt; a
    /// drill finds and fixes it (`[drills]`).
    pub latent_fault_every: Option<SimDuration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Script,
    Manual,
}

/// When a recovery-plan step runs: ASR's plans serve both directions, and an
/// action such as "repoint DNS to Azure" belongs to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepDirection {
    Failover,
    Failback,
    Both,
}

impl StepDirection {
    pub const NAMES: [&'static str; 3] = ["failover", "failback", "both"];

    pub fn from_name(name: &str) -> Option<StepDirection> {
        match name {
            "failover" => Some(StepDirection::Failover),
            "failback" => Some(StepDirection::Failback),
            "both" => Some(StepDirection::Both),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// Whether it runs at failover (`failback` false) or at failback.
    pub fn runs(self, failback: bool) -> bool {
        match self {
            StepDirection::Both => true,
            StepDirection::Failover => !failback,
            StepDirection::Failback => failback,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Vm {
    pub id: String,
    pub group: usize,
    /// Its group's plan (`Scenario::plans`).
    pub plan: usize,
    pub link: usize,
    pub disk_bytes: f64,
    /// The disk size as the file wrote it (`"1 TiB"`), for descriptions.
    pub disk_size_text: String,
    /// How the VM writes (bytes/s over time).
    pub churn: Churn,
    /// Share of a congested link relative to other VMs (max-min fair, weighted).
    pub weight: f64,
    pub recovery_point: RecoveryPointChoice,
    /// Index into `Scenario::consistency_groups`.
    pub consistency_group: Option<usize>,
    /// Boot in the recovery site (stage 1).
    pub boot_time: Distribution,
    /// Disk preparation before boot (all VMs in parallel).
    pub prepare_time: Distribution,
    /// Boot on-premises at failback (stage 3).
    pub failback_boot_time: Distribution,
    /// Extra per-VM processing at failover (ASR: 8 to 10 min for some
    /// VMware/physical machines), after disk preparation.
    pub extra_processing_time: Distribution,
    pub os: GuestOs,
    /// What this machine is: the scenario's kind, or, in a VMware scenario,
    /// `physical` for a physical server protected beside the VMs (same
    /// infrastructure; it fails back only to a VMware VM).
    pub kind: AsrScenario,
    /// Index into `Scenario::process_servers` (VMware/physical), `None` for
    /// Hyper-V.
    pub process_server: Option<usize>,
    /// Whether the VM gets its address by DHCP (without, ASR's failover adds
    /// processing).
    pub dhcp: bool,
    /// Price of running this VM in Azure per hour (the scenario's currency).
    pub azure_vm_hour: f64,
    /// The part of the disk its writes keep landing on (bytes): the changed
    /// blocks of a reprotect delta level off at it. The whole disk by default.
    pub working_set_bytes: f64,
    /// The data on the disk (bytes): what a reprotect checksums and a full
    /// copy moves. The whole disk by default.
    pub used_bytes: f64,
    /// What the disk reads and writes at most (bytes/s), when known: a
    /// reprotect's transfer is capped at `Reprotect::transfer_fraction` of it.
    pub disk_throughput: Option<f64>,
    /// vCPUs of its Azure VM, counted against `[recovery] vcpu_quota`.
    pub cores: u32,
    /// Mean time between latent faults appearing in its failover (a drifted
    /// network setting, a driver): a fault present at a disaster fails its
    /// failover once; a drill fixes it.
    pub latent_fault_every: Option<SimDuration>,
}

/// DR drills: ASR's test failover of a recovery plan, on a schedule. Each
/// finds and fixes every latent fault present in the plans it covers
/// (docs/model.md, "Drills and latent faults").
#[derive(Debug, Clone)]
pub struct Drills {
    /// Time from one drill to the next: fixed (a calendar) or a
    /// distribution (drills at a rate).
    pub every: Distribution,
    /// Ids of the plans drilled; empty: every plan.
    pub plans: Vec<String>,
    /// How long a drill's test VMs run in Azure.
    pub duration: Distribution,
}

impl Drills {
    pub fn covers(&self, plan: &str) -> bool {
        self.plans.is_empty() || self.plans.iter().any(|p| p == plan)
    }

    /// Drills a year, on average.
    pub fn per_year(&self) -> f64 {
        365.0 * 86_400.0 / self.every.mean()
    }
}

/// A VMware/physical process server: it receives its VMs' writes, holds
/// what it has not uploaded yet in its cache, and uploads over one link
/// (docs/model.md, "The process server").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProcessServer {
    /// The link it uploads over (every VM it serves replicates over it).
    pub link: usize,
    /// The daily change rate it handles, as bytes/s over a day: ASR's
    /// capacity figure (2 TB a day), checked against its VMs' mean churn
    /// (docs/model.md, "Capacity"), not a cap on any instant.
    pub throughput: f64,
    /// An instantaneous cap on what its VMs send together, bytes/s, when the
    /// scenario sets one (`process_server_peak_throughput`; ASR publishes
    /// none, so none by default).
    pub peak_throughput: Option<f64>,
    /// Bytes of its VMs' queued writes it can hold (docs/model.md, "The
    /// process server").
    pub cache_bytes: f64,
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
    /// The primary sites it hits (`Sites::primaries`, ascending): one
    /// declaration fails over every plan of these sites together.
    pub sites: Vec<usize>,
    pub start: OutageStart,
    /// Until the primary site is usable again.
    pub duration: Distribution,
    /// A ransomware attack rather than a site failure: the newest points
    /// hold encrypted data.
    pub ransomware: Option<Ransomware>,
}

/// Ransomware (docs/model.md, "Ransomware and the clean point"): the
/// attacker got in `dwell` before the encryption took the site down (`t0`);
/// every point taken after the infection is unusable, so the failover takes
/// the newest point from before it, found after a search of
/// `clean_point_search` following the declaration. The encrypted disks on
/// premises are no base for a delta: reprotect copies in full.
#[derive(Debug, Clone)]
pub struct Ransomware {
    pub dwell: Distribution,
    pub clean_point_search: Distribution,
}

#[derive(Debug, Clone)]
pub struct Recovery {
    /// After the plan completes, until the team has verified the VMs in
    /// Azure and committed the failover: reprotect (or Hyper-V's failback)
    /// waits for it.
    pub commit_time: Distribution,
    pub detection_delay: Distribution,
    pub decision_delay: Distribution,
    /// Disk preparation speed at failover: each VM's disks add `size / rate` to
    /// its preparation (drawn per VM); `None`: preparation does not depend on size.
    pub prepare_throughput: Option<Distribution>,
    /// Declare a disaster only when the outage is expected to outlast this;
    /// shorter ones are ridden out (no failover).
    pub declare_if_expected_longer_than: Option<SimDuration>,
    /// How far off the expected duration can be: the p95 of estimate/actual (1: exact).
    pub estimate_error: f64,
    /// VMs that may be created and booted at once in the recovery site.
    pub max_concurrent_failovers: Option<usize>,
    /// The recovery region's vCPU quota: a VM whose cores no longer fit is
    /// not created (its plan cannot complete).
    pub vcpu_quota: Option<u64>,
    /// Recovery plans the operators run at once (`None`: all at once).
    pub concurrent_plans: Option<usize>,
    /// Chance that creating a VM fails for lack of capacity; retried after a delay.
    pub allocation_failure_probability: f64,
    /// How the recovery region's capacity is had (docs/model.md, "Stage 1").
    pub capacity: RegionCapacity,
    pub allocation_retry_delay: Distribution,
    /// Chance that a VM's failover fails once booted; redone after a delay.
    pub vm_failure_probability: f64,
    pub vm_retry_delay: Distribution,
}

/// How VMs find capacity in the recovery region at failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionCapacity {
    /// ASR's default: capacity planned "on a best-effort basis"
    /// (azure-to-azure-common-questions.md, "How do we ensure capacity in the
    /// target region?"); a creation may fail (`allocation_failure_probability`).
    BestEffort,
    /// An on-demand Capacity Reservation: capacity earmarked, so a creation
    /// never fails for it, paid whether used or not.
    Reserved,
}

impl RegionCapacity {
    pub const NAMES: [&'static str; 2] = ["best-effort", "reserved"];

    pub fn name(self) -> &'static str {
        match self {
            RegionCapacity::BestEffort => "best-effort",
            RegionCapacity::Reserved => "reserved",
        }
    }
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
    /// A reprotect's transfer sends at most this fraction of the disk's
    /// throughput (`Vm::disk_throughput`; azure-to-azure-how-to-reprotect.md).
    pub transfer_fraction: f64,
    /// How a delta resync's size follows from the writes since the copies
    /// diverged.
    pub delta: DeltaModel,
    /// After the failover, each VM's agent registers back (VMware/physical: up
    /// to 15 min) before it can be reprotected; drawn per VM.
    pub agent_registration: Distribution,
}

/// A weekly window in which failback may start: `day` 0 = Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyWindow {
    /// Start, as time since Monday 00:00.
    pub start: SimDuration,
    pub length: SimDuration,
}

/// Where failback goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailbackLocation {
    /// The original on-premises VMs: reprotect copies a delta.
    Original,
    /// New VMs at the alternate site: reprotect copies every disk in full.
    Alternate,
}

#[derive(Debug, Clone)]
pub struct Failback {
    /// From reverse replication healthy until the failback is started.
    pub wait: Distribution,
    /// Failback no earlier than this after the failover completed.
    pub minimum_stay: SimDuration,
    /// Failback starts only inside one of these (none: any time).
    pub windows: Vec<WeeklyWindow>,
    pub location: FailbackLocation,
    pub shutdown_time: Distribution,
    pub final_sync_overhead: Distribution,
    /// How failback moves the data back (decided by the kind and architecture).
    pub mode: FailbackMode,
    /// Chance that a failback attempt fails (modernized: ASR cancels it, the
    /// VMs return to Azure, and it is retried at the next allowed instant).
    pub failure_probability: f64,
    /// From a failed attempt found to the VMs running in Azure again.
    pub cancel_time: Distribution,
    /// When the disaster destroyed the site: from its return until what
    /// failback needs on-premises is rebuilt (docs/model.md, "Stage 2").
    pub infrastructure_rebuild: Distribution,
    /// Plans failing back at once (`None`: each as soon as it may).
    pub concurrent_plans: Option<usize>,
    /// A failback starts only where its estimated downtime fits before its
    /// window ends (a change board's rule), not merely inside a window.
    pub must_finish: bool,
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        Scenario::from_path_with(path, &[])
    }

    /// Reads and validates a scenario file with command-line overrides
    /// (`--set`) applied: problems at an overridden key name the flag.
    pub fn from_path_with(
        path: &Path,
        overrides: &[overrides::Override],
    ) -> Result<Scenario, ScenarioError> {
        ScenarioFile::read(path)?.load(overrides)
    }

    /// Validates the text of a file read as `source`, with `overrides`
    /// applied (see [`Scenario::from_path_with`]).
    fn from_text_with(
        text: &str,
        source: &str,
        overrides: &[overrides::Override],
    ) -> Result<Scenario, ScenarioError> {
        let source = source.to_string();
        if overrides.is_empty() {
            return Scenario::from_toml(text, &source);
        }
        let (edited, located) = overrides::apply(text, overrides).map_err(|e| match e {
            ScenarioError::Invalid { mut diagnostics } => {
                for d in &mut diagnostics {
                    if d.file == "scenario" {
                        d.file.clone_from(&source);
                    }
                }
                ScenarioError::Invalid { diagnostics }
            }
            other => other,
        })?;
        let lines = overrides::line_map(text, &edited);
        let relocate = |d: &mut Diagnostic| d.relocate_after_overrides(&located, &lines);
        match Scenario::from_toml(&edited, &source) {
            Ok(mut scenario) => {
                scenario.warnings.iter_mut().for_each(relocate);
                // The provenance is the file plus what was set on top of it.
                let flags: Vec<&str> = overrides.iter().map(|o| o.flag.as_str()).collect();
                scenario.source = format!("{source} {}", flags.join(" "));
                Ok(scenario)
            }
            Err(ScenarioError::Invalid { mut diagnostics }) => {
                diagnostics.iter_mut().for_each(relocate);
                Err(ScenarioError::Invalid { diagnostics })
            }
            Err(other) => Err(other),
        }
    }

    /// Validates scenario text; `source` names it in diagnostics.
    pub fn from_toml(text: &str, source: &str) -> Result<Scenario, ScenarioError> {
        // Unknown keys are all reported in the one pass that reads the file.
        let locator = locate::Locator::new(text);
        let mut unknown: Vec<Diagnostic> = Vec::new();
        let read = toml::Deserializer::parse(text).and_then(|d| {
            serde_ignored::deserialize(d, |path| {
                let path = unknown::key_path(&path);
                unknown.push(unknown::unknown_key(&path, source, &locator));
            })
        });
        let raw: raw::RawScenario = match read {
            Ok(raw) => raw,
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                let (line, column) = locate::line_column(text, offset);
                unknown.push(Diagnostic {
                    file: source.to_string(),
                    line,
                    column,
                    key: locator.path_at(offset).to_string(),
                    message: explain_serde_message(e.message()),
                    excerpt: Some(locate::Excerpt::of(
                        text,
                        e.span().unwrap_or(offset..offset),
                    )),
                });
                unknown.sort_by_key(|d| (d.line, d.column));
                return Err(ScenarioError::Invalid {
                    diagnostics: unknown,
                });
            }
        };
        // In the file's order.
        unknown.sort_by_key(|d| (d.line, d.column));
        let validated = validate::validate(raw, source, &locator);
        match validated {
            Ok(mut scenario) if unknown.is_empty() => {
                // Replayed churn profiles are inputs too: their digests join
                // the text's, so a changed profile changes the digest.
                let mut effective = text.to_string();
                for (file, sha256) in scenario.churn_profiles() {
                    effective.push_str(&format!("\n# churn profile {file} {sha256}"));
                }
                scenario.effective_sha256 = sha256_hex(effective.as_bytes());
                Ok(scenario)
            }
            Ok(_) => Err(ScenarioError::Invalid {
                diagnostics: unknown,
            }),
            Err(ScenarioError::Invalid { diagnostics }) => {
                unknown.extend(diagnostics);
                Err(ScenarioError::Invalid {
                    diagnostics: unknown,
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Whether a step or a VM may carry a latent fault.
    pub fn has_latent_faults(&self) -> bool {
        self.vms.iter().any(|vm| vm.latent_fault_every.is_some())
            || self.groups.iter().any(|g| {
                g.pre
                    .iter()
                    .chain(&g.post)
                    .any(|step| step.latent_fault_every.is_some())
            })
    }

    /// Total data on all protected disks, bytes.
    pub fn total_disk_bytes(&self) -> f64 {
        self.vms.iter().map(|vm| vm.disk_bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_blocks_level_off_at_the_working_set() {
        let (w, disk) = (10e9, 90e9);
        let m = DeltaModel::ChangedBlocks;
        // Closed form: W (1 - exp(-x / W)).
        assert!((m.changed(10e9, w, disk) - 10e9 * (1.0 - (-1.0f64).exp())).abs() < 1.0);
        // Little written: nearly every byte is a new block.
        assert!((m.changed(1e6, w, disk) - 1e6).abs() < 100.0);
        // Monotone in what was written, never above the working set or the disk.
        let mut last = 0.0;
        for i in 0..200 {
            let c = m.changed(f64::from(i) * 1e9, w, disk);
            assert!(c >= last && c <= w && c <= disk);
            last = c;
        }
        // The pessimistic bound counts every byte written, up to the disk.
        assert_eq!(DeltaModel::BytesWritten.changed(50e9, w, disk), 50e9);
        assert_eq!(DeltaModel::BytesWritten.changed(500e9, w, disk), disk);
    }

    #[test]
    fn per_disk_churn_limits_follow_the_vmware_support_matrix() {
        let kb = 1024.0;
        let tier = |name: &str| DiskTier::from_name(name).expect("a tier");
        assert_eq!(tier("standard").churn_limit(8.0 * kb), 2e6);
        assert_eq!(tier("p10").churn_limit(8.0 * kb), 2e6);
        assert_eq!(tier("p15").churn_limit(16.0 * kb), 4e6);
        assert_eq!(tier("p10").churn_limit(64.0 * kb), 8e6);
        assert_eq!(tier("p20").churn_limit(8.0 * kb), 5e6);
        assert_eq!(tier("p50").churn_limit(16.0 * kb), 20e6);
        assert_eq!(DiskTier::from_name("p300"), None);
    }
}
