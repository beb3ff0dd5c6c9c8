//! Warnings: valid files whose numbers ASR would not sustain (churn limits,
//! links slower than the churn they carry).

use super::*;

/// ASR's churn limits for the VMware/physical scenario
/// (vmware-physical-azure-support-matrix.md, "Churn limits"): per VM 25 MB/s on
/// average and 54 MB/s at peak across its disks, and, when the replica disk
/// tier is given, per disk by tier and average write size (the VM's churn
/// spread evenly over its disks). Hyper-V has no such table: no check.
pub(super) fn warn_churn_limits(
    c: &mut Checker<'_>,
    path: &KeyPath,
    kind: AsrScenario,
    churn: &Churn,
    tier: Option<DiskTier>,
    disks: i64,
    write_size: f64,
) {
    if !kind.is_vmware_or_physical() {
        return;
    }
    let mean = churn.mean_rate();
    if mean > VM_AVERAGE_CHURN_LIMIT {
        c.warn(
            path.key("churn"),
            format!(
                "average churn {} exceeds ASR's {} per VM for VMware/physical machines: replication would fall behind",
                units::format_byte_rate(mean),
                units::format_byte_rate(VM_AVERAGE_CHURN_LIMIT)
            ),
        );
    }
    let peak = churn.peak_rate();
    if peak > VM_PEAK_CHURN_LIMIT {
        c.warn(
            path.key("churn"),
            format!(
                "peak churn {} (99th percentile) exceeds ASR's {} per VM across its disks: replication would fall behind",
                units::format_byte_rate(peak),
                units::format_byte_rate(VM_PEAK_CHURN_LIMIT)
            ),
        );
    }
    if let Some(tier) = tier {
        let per_disk = mean / disks as f64;
        let limit = tier.churn_limit(write_size);
        if per_disk > limit {
            c.warn(
                path.key("churn"),
                format!(
                    "average churn per disk {} exceeds ASR's {} for this replica disk tier and {} writes",
                    units::format_byte_rate(per_disk),
                    units::format_byte_rate(limit),
                    write_size_text(write_size)
                ),
            );
        }
    }
}

/// A link whose VMs write faster on average than it carries cannot keep up: the
/// backlog, and so the RPO, grows for as long as the history lasts.
pub(super) fn warn_overloaded_links(c: &mut Checker<'_>, links: &[Link], vms: &[Vm]) {
    for (i, link) in links.iter().enumerate() {
        let churn: f64 = vms
            .iter()
            .filter(|vm| vm.link == i)
            .map(|vm| vm.churn.mean_rate())
            .sum();
        let bandwidth = link.bandwidth.mean();
        if churn > bandwidth {
            c.warn(
                KeyPath::root().key("link").index(i).key("bandwidth"),
                format!(
                    "link `{}` carries a mean churn of {} but has a mean bandwidth of {}: replication falls further behind for the whole history",
                    link.id,
                    Rate.format(churn),
                    Rate.format(bandwidth)
                ),
            );
        }
        // After the failover the same VMs write in Azure and replicate back:
        // a reverse link slower than their churn never finishes a reprotect.
        let reverse = link.reverse_bandwidth.mean();
        if churn >= reverse {
            c.warn(
                KeyPath::root().key("link").index(i).key("reverse_bandwidth"),
                format!(
                    "link `{}` carries back (Azure to on-premises) a mean churn of {} on a mean reverse bandwidth of {}: the reprotect and failback of stages 2 and 3 cannot keep up on average, and cycles may never close",
                    link.id,
                    Rate.format(churn),
                    Rate.format(reverse)
                ),
            );
        }
    }
}

/// VMware/physical failback: a master target takes at most 60 disks; beyond,
/// reprotects to it fail (vmware-azure-reprotect.md, "Deploy a separate master
/// target server").
pub(super) fn warn_master_targets(
    c: &mut Checker<'_>,
    kind: AsrScenario,
    raw_vms: &[RawVm],
    master_targets: i64,
) {
    if !kind.is_vmware_or_physical() {
        return;
    }
    let disks: i64 = raw_vms
        .iter()
        .map(|v| v.count.unwrap_or(1).max(0) * v.disk_count.unwrap_or(1).max(0))
        .sum();
    if disks > 60 * master_targets {
        c.warn(
            KeyPath::root().key("failback").key("master_targets"),
            format!(
                "failback reprotects {disks} disks, more than the {} that {master_targets} master target(s) take (60 each): add master targets (`master_targets`) or the reprotect fails",
                60 * master_targets
            ),
        );
    }
}

/// An average write size as the support matrix writes it: `8 KB` (its KB are
/// 1024 bytes).
fn write_size_text(bytes: f64) -> String {
    if bytes % 1024.0 == 0.0 && bytes < 1024.0 * 1024.0 {
        format!("{} KB", bytes / 1024.0)
    } else {
        Size.format(bytes)
    }
}
