//! `CycleOutcome`: every metric of one replication of the cycle.
//!
//! Definitions follow docs/metrics (domain primer): times are measured from `t0`,
//! the instant the outage hits the primary.

use crate::engine::{SimDuration, SimTime};

/// Per-VM results of one replication.
#[derive(Debug, Clone, PartialEq)]
pub struct VmOutcome {
    /// `t0 - t_rp` for the point this VM failed over to.
    pub rpo: SimDuration,
    /// From `t0` until this VM runs in the recovery site.
    pub rto: SimDuration,
    pub data_lost_bytes: f64,
    /// Age of the newest write at the target when the outage hit.
    pub lag_at_outage: SimDuration,
    /// Time the lag exceeded the RPO alert threshold in the simulated history.
    pub rpo_alert: SimDuration,
    /// No scheduled point was usable; the VM fell back to its initial replica.
    pub no_usable_point: bool,
}

/// The metrics of one full failover/failback cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleOutcome {
    pub replication: u64,
    /// `t0`, within the simulated week.
    pub outage_start: SimTime,
    pub outage_duration: SimDuration,
    /// Whether a disaster was declared; when not, the outage was ridden out (no
    /// failover: RTO is the outage, nothing is lost, no stages 1 to 4).
    pub declared: bool,
    /// App-level RPO: the worst VM's.
    pub rpo: SimDuration,
    /// From `t0` until the last VM of the plan runs in the recovery site.
    pub rto: SimDuration,
    /// Failover start (disaster declared) -> plan complete.
    pub stage1: SimDuration,
    /// Reprotect start -> reverse replication healthy.
    pub stage2: SimDuration,
    /// Azure VMs stop -> on-premises VMs up.
    pub stage3_downtime: SimDuration,
    /// Re-enable -> forward replication healthy.
    pub stage4: SimDuration,
    /// Time the running workload had no healthy replica.
    pub unprotected: SimDuration,
    /// `t0` -> stage 4 complete.
    pub cycle: SimDuration,
    /// RTO plus stage-3 downtime.
    pub total_downtime: SimDuration,
    /// Sum over VMs of the bytes written between their point and `t0`.
    pub data_lost_bytes: f64,
    /// The largest replication lag among the VMs at `t0`.
    pub lag_at_outage: SimDuration,
    /// The longest time any VM's lag exceeded the RPO alert threshold before `t0`.
    pub rpo_alert: SimDuration,
    /// Per multi-VM consistency group: its RPO (that of its common point).
    pub consistency_group_rpo: Vec<SimDuration>,
    /// Whether the disaster destroyed the primary's disks (full copy at reprotect).
    pub primary_data_lost: bool,
    /// Whether the cycle closed within the simulation horizon; when not, the stages
    /// that never finished are measured up to the horizon.
    pub closed: bool,
    /// Failed attempts of plan steps (both plan runs), retried.
    pub step_retries: u32,
    /// VM creations in the recovery site that failed for capacity, retried.
    pub allocation_retries: u32,
    /// VM failovers that failed once booted, redone.
    pub vm_failover_retries: u32,
    /// Bytes sent back to on-premises by reprotect (stage 2).
    pub stage2_bytes: f64,
    /// Bytes replicated back after reprotect until failback, final sync included.
    pub stage3_bytes: f64,
    /// Bytes sent to Azure by the reprotect back (stage 4).
    pub stage4_bytes: f64,
    /// Price of the VMs running in Azure during the cycle (VM-hours x price).
    pub azure_cost: f64,
    /// Per recovery-plan group: `t0` until its last VM runs in the recovery site.
    pub group_rto: Vec<SimDuration>,
    pub vms: Vec<VmOutcome>,
    /// Events the engine delivered for this replication.
    pub events: u64,
}
