//! `[scenario] kind` and `architecture`, and the defaults they decide.

use super::super::distribution::Distribution;
use super::super::locate::KeyPath;
use super::super::units::QuantityKind::Duration;
use super::super::{Architecture, AsrScenario, GuestOs};
use super::checker::Checker;
use super::recovery::uniform_minutes;

/// The ASR scenario: VMware by default, so files that name no kind keep
/// working. The old combined kind is refused with the two it became.
pub(super) fn check_kind(c: &mut Checker<'_>, name: Option<&str>) -> AsrScenario {
    let path = KeyPath::root().key("scenario").key("kind");
    match name {
        None => AsrScenario::Vmware,
        Some("vmware-physical") => {
            c.error(
                path,
                "`vmware-physical` is two ASR scenarios now: write kind = \"vmware\" for VMware VMs or kind = \"physical\" for physical servers (they fail back only to a VMware VM, so their stage-2 reprotect is a full copy; vmware-azure-failback.md)",
            );
            AsrScenario::Vmware
        }
        Some(name) => c
            .one_of(&path, name, &AsrScenario::NAMES, "ASR scenario")
            .and_then(AsrScenario::from_name)
            .unwrap_or(AsrScenario::Vmware),
    }
}

/// The architecture of a VMware or physical scenario: modernized by default.
/// Hyper-V has no such choice (refused when written).
pub(super) fn check_architecture(
    c: &mut Checker<'_>,
    kind: AsrScenario,
    name: Option<&str>,
) -> Architecture {
    let path = KeyPath::root().key("scenario").key("architecture");
    match name {
        None => Architecture::Modernized,
        Some(name) if !kind.is_vmware_or_physical() => {
            c.error(
                path,
                format!(
                    "`architecture = \"{name}\"` applies to kind = \"vmware\" or \"physical\"; Hyper-V to Azure has one architecture: remove the key"
                ),
            );
            Architecture::Modernized
        }
        Some(name) => c
            .one_of(&path, name, &Architecture::NAMES, "architecture")
            .and_then(Architecture::from_name)
            .unwrap_or(Architecture::Modernized),
    }
}

/// Whether ASR documents extra failover processing ("around 8 to 10
/// minutes") for this machine: the classic list names physical servers,
/// VMware Linux VMs and VMware VMs without DHCP
/// (failover-failback-overview.md, "Failover processing"); the modernized
/// list names only VMs without DHCP (failover-failback-overview-modernized.md,
/// same section). Missing boot drivers and old Mobility agents, also listed,
/// are not modelled. Hyper-V VMs need it only when protected as physical
/// servers, which is kind = "physical".
pub(super) fn needs_extra_processing(
    kind: AsrScenario,
    architecture: Architecture,
    os: GuestOs,
    dhcp: bool,
) -> bool {
    match (kind, architecture) {
        (AsrScenario::HyperV, _) => false,
        (_, Architecture::Modernized) => !dhcp,
        (AsrScenario::Physical, Architecture::Classic) => true,
        (AsrScenario::Vmware, Architecture::Classic) => os == GuestOs::Linux || !dhcp,
    }
}

/// The documented extra processing: uniform over 8 to 10 min where ASR lists
/// the machine (uniform over the documented range is an estimate), none
/// otherwise.
pub(super) fn documented_extra_processing(
    kind: AsrScenario,
    architecture: Architecture,
    os: GuestOs,
    dhcp: bool,
) -> Distribution {
    if needs_extra_processing(kind, architecture, os, dhcp) {
        uniform_minutes(8, 10).expect("8 to 10 min is a valid uniform distribution")
    } else {
        Distribution::fixed(Duration, 0.0)
    }
}
