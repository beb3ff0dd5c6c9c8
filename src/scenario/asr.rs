//! Which ASR scenario and architecture a file models, and the mechanics they
//! decide (docs/model.md, "Which ASR scenario").

/// Which Azure Site Recovery scenario the file models: its limits, defaults
/// and mechanics (docs/model.md, "Which ASR scenario").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsrScenario {
    /// VMware VMs to Azure (a configuration/process server or replication
    /// appliance on-premises; failback to the original VMware VM or an
    /// alternate one).
    Vmware,
    /// Physical servers to Azure: the same components and support matrix as
    /// VMware, but failback goes only to a VMware VM (vmware-azure-failback.md),
    /// so stage 2 copies every disk in full.
    Physical,
    /// Hyper-V VMs to Azure (copy frequency 30 s, 5 min or 15 min; failback
    /// syncs inside the planned failover).
    HyperV,
}

impl AsrScenario {
    pub const NAMES: [&'static str; 3] = ["vmware", "physical", "hyper-v"];

    pub fn from_name(name: &str) -> Option<AsrScenario> {
        match name {
            "vmware" => Some(AsrScenario::Vmware),
            "physical" => Some(AsrScenario::Physical),
            "hyper-v" => Some(AsrScenario::HyperV),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AsrScenario::Vmware => "vmware",
            AsrScenario::Physical => "physical",
            AsrScenario::HyperV => "hyper-v",
        }
    }

    /// VMware VMs and physical servers share one support matrix and one set
    /// of components (vmware-physical-azure-support-matrix.md).
    pub fn is_vmware_or_physical(self) -> bool {
        matches!(self, AsrScenario::Vmware | AsrScenario::Physical)
    }
}

/// Which ASR architecture protects VMware VMs and physical servers: the
/// modernized one (replication appliance) or the classic one (configuration
/// server). It decides how failback runs and which machines need extra
/// failover processing (docs/model.md, "Which ASR scenario").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Failback is a planned failover: no data lost; it can fail and be
    /// cancelled (failover-failback-overview-modernized.md).
    Modernized,
    /// Failback is an unplanned failover from Azure to a chosen recovery point
    /// of the reverse replication: the writes after it are lost
    /// (vmware-azure-failback.md, "Steps to fail back").
    Classic,
}

impl Architecture {
    pub const NAMES: [&'static str; 2] = ["modernized", "classic"];

    pub fn from_name(name: &str) -> Option<Architecture> {
        match name {
            "modernized" => Some(Architecture::Modernized),
            "classic" => Some(Architecture::Classic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Architecture::Modernized => "modernized",
            Architecture::Classic => "classic",
        }
    }
}

/// A protected machine's operating system, as far as ASR's failover treats
/// them differently (failover-failback-overview.md, "Failover processing").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestOs {
    Windows,
    Linux,
}

impl GuestOs {
    pub const NAMES: [&'static str; 2] = ["windows", "linux"];

    pub fn from_name(name: &str) -> Option<GuestOs> {
        match name {
            "windows" => Some(GuestOs::Windows),
            "linux" => Some(GuestOs::Linux),
            _ => None,
        }
    }
}

/// How the data gets back on-premises at failback (docs/model.md, "Stage 3").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailbackMode {
    /// VMware/physical, modernized: stage 2 reprotects to on-premises, then a
    /// planned failover syncs the last writes while the Azure VMs are down
    /// (failover-failback-overview-modernized.md): nothing is lost.
    Planned,
    /// VMware/physical, classic: stage 2 reprotects, then an unplanned
    /// failover from Azure to the chosen point of the reverse replication
    /// (vmware-azure-failback.md, "Steps to fail back"): the writes after it
    /// are lost.
    ClassicToPoint(FailbackPoint),
    /// Hyper-V, "Synchronize data before failover": no reprotect; the planned
    /// failover first copies the changes while the Azure VMs run, then shuts
    /// them down and syncs the last ones (hyper-v-azure-architecture.md).
    HyperVSyncBefore,
    /// Hyper-V, "Synchronize data during failover only": no reprotect, no
    /// checksum; the Azure VMs shut down and every disk is downloaded.
    HyperVDownload,
}

/// The reverse recovery point a classic failback fails over to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailbackPoint {
    /// The newest crash-consistent point (every 5 min).
    LatestProcessed,
    /// The newest app-consistent point (the failback policy: every 60 min).
    LatestAppConsistent,
}

impl FailbackMode {
    /// Whether stage 2 (a reprotect back to on-premises) runs before failback.
    pub fn reprotects(self) -> bool {
        matches!(
            self,
            FailbackMode::Planned | FailbackMode::ClassicToPoint(_)
        )
    }
}
