//! Serde structs mirroring the scenario file one to one. A key no field
//! takes is an error, reported with every other one in the same pass
//! (`super::unknown`).
//!
//! Quantities and distributions stay as `toml::Value` here: reading them needs
//! their kind (duration, size, rate), which validation supplies, together with a
//! precise key path for any error.

use serde::Deserialize;
use toml::Value;

#[derive(Debug, Deserialize)]
pub struct RawScenario {
    pub scenario: Option<RawMeta>,
    pub simulation: Option<RawSimulation>,
    #[serde(default)]
    pub site: Vec<RawSite>,
    #[serde(default)]
    pub link: Vec<RawLink>,
    pub replication: Option<RawReplication>,
    #[serde(default)]
    pub plan: Vec<RawPlan>,
    #[serde(default)]
    pub group: Vec<RawGroup>,
    #[serde(default)]
    pub vm: Vec<RawVm>,
    #[serde(default)]
    pub outage: Vec<RawOutage>,
    pub recovery: Option<RawRecovery>,
    pub reprotect: Option<RawReprotect>,
    pub failback: Option<RawFailback>,
    pub drills: Option<RawDrills>,
    pub targets: Option<RawTargets>,
    pub cost: Option<RawCost>,
    pub operations: Option<RawOperations>,
}

#[derive(Debug, Deserialize)]
pub struct RawOperations {
    pub horizon: Value,
}

#[derive(Debug, Deserialize)]
pub struct RawDrills {
    pub every: Value,
    pub plans: Option<Vec<String>>,
    pub duration: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawMeta {
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<String>,
    pub architecture: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawSimulation {
    pub replications: Option<i64>,
    pub seed: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct RawSite {
    pub id: String,
    pub role: String,
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawLink {
    pub id: String,
    pub from: String,
    pub to: String,
    pub bandwidth: Value,
    pub reverse_bandwidth: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawReplication {
    pub crash_consistent_interval: Option<Value>,
    pub app_consistent_interval: Option<Value>,
    pub retention: Option<Value>,
    pub rpo_alert_threshold: Option<Value>,
    pub processing_delay: Option<Value>,
    pub history: Option<Value>,
    pub recovery_point: Option<String>,
    pub keep_all_points_for: Option<Value>,
    pub pruned_point_interval: Option<Value>,
    pub process_servers: Option<i64>,
    pub process_server_throughput: Option<Value>,
    pub process_server_peak_throughput: Option<Value>,
    pub process_server_cache: Option<Value>,
    pub resync: Option<String>,
    pub office_hours: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct RawPlan {
    pub id: String,
    pub priority: Option<i64>,
    pub rpo: Option<Value>,
    pub rto: Option<Value>,
    pub site: Option<String>,
    pub failback_windows: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
pub struct RawGroup {
    pub id: String,
    pub plan: Option<String>,
    #[serde(default)]
    pub pre: Vec<RawStep>,
    #[serde(default)]
    pub post: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
pub struct RawStep {
    pub name: String,
    pub kind: Option<String>,
    pub duration: Value,
    pub failure_probability: Option<f64>,
    pub retry_delay: Option<Value>,
    pub direction: Option<String>,
    pub latent_fault_every: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawVm {
    pub id: String,
    pub count: Option<i64>,
    pub group: String,
    pub link: Option<String>,
    pub disk_size: Value,
    pub churn: Value,
    pub boot_time: Value,
    pub prepare_time: Option<Value>,
    pub failback_boot_time: Option<Value>,
    pub weight: Option<f64>,
    pub recovery_point: Option<String>,
    pub consistency_group: Option<String>,
    pub disk_count: Option<i64>,
    pub disk_tier: Option<String>,
    pub high_churn: Option<bool>,
    pub extra_processing_time: Option<Value>,
    pub azure_vm_hour: Option<f64>,
    pub working_set: Option<Value>,
    pub write_size: Option<Value>,
    pub os: Option<String>,
    pub kind: Option<String>,
    pub dhcp: Option<bool>,
    pub process_server: Option<i64>,
    pub used: Option<Value>,
    pub disk_throughput: Option<Value>,
    pub cores: Option<i64>,
    pub latent_fault_every: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawOutage {
    pub kind: String,
    /// A primary site's id, or a list of them.
    pub site: Option<Value>,
    pub link: Option<String>,
    pub at: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub duration: Value,
    pub bandwidth_factor: Option<f64>,
    pub processing_factor: Option<f64>,
    pub dwell: Option<Value>,
    pub clean_point_search: Option<Value>,
    /// With `[operations]`: the mean time between occurrences (or their
    /// distribution).
    pub every: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawRecovery {
    pub detection_delay: Value,
    pub decision_delay: Value,
    pub prepare_time: Option<Value>,
    pub extra_processing_time: Option<Value>,
    pub prepare_throughput: Option<Value>,
    pub declare_if_expected_longer_than: Option<Value>,
    pub estimate_error: Option<f64>,
    pub max_concurrent_failovers: Option<i64>,
    pub allocation_failure_probability: Option<f64>,
    pub allocation_retry_delay: Option<Value>,
    pub capacity: Option<String>,
    pub vm_failure_probability: Option<f64>,
    pub vm_retry_delay: Option<Value>,
    pub commit_time: Option<Value>,
    pub vcpu_quota: Option<i64>,
    pub concurrent_plans: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct RawReprotect {
    pub operator_delay: Option<Value>,
    pub checksum_throughput: Option<Value>,
    pub processing_fraction: Option<f64>,
    pub autoscale_overhead: Option<Value>,
    pub primary_data_lost_probability: Option<f64>,
    pub delta: Option<String>,
    pub agent_registration: Option<Value>,
    pub transfer_fraction: Option<f64>,
    pub disk_throughput: Option<Value>,
}

#[derive(Debug, Deserialize)]
pub struct RawFailback {
    pub wait: Option<Value>,
    pub minimum_stay: Option<Value>,
    pub windows: Option<Vec<String>>,
    pub location: Option<String>,
    pub shutdown_time: Option<Value>,
    pub final_sync_overhead: Option<Value>,
    pub master_targets: Option<i64>,
    pub hyper_v_sync: Option<String>,
    pub recovery_point: Option<String>,
    pub failure_probability: Option<f64>,
    pub cancel_time: Option<Value>,
    pub infrastructure_rebuild: Option<Value>,
    pub concurrent_plans: Option<i64>,
    pub must_finish: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct RawCost {
    pub azure_vm_hour: Option<f64>,
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RawTargets {
    pub rpo: Option<Value>,
    pub rto: Option<Value>,
    pub required_fraction: Option<f64>,
    pub over: Option<String>,
    pub rpo_over: Option<String>,
    pub rto_over: Option<String>,
    pub rto_from: Option<String>,
}
