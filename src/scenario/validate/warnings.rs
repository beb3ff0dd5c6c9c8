//! Warnings: valid files whose numbers ASR would not sustain (churn limits,
//! links slower than the churn they carry).

use super::*;

/// ASR's churn limits: per VM (54 MB/s, or 100 MB/s with High Churn) and, when
/// the replica disk tier is given, per disk (the VM's churn spread over its disks).
pub(super) fn warn_churn_limits(
    c: &mut Checker<'_>,
    path: &KeyPath,
    churn: &Churn,
    high_churn: bool,
    tier: Option<DiskTier>,
    disks: i64,
) {
    let peak = churn.peak_rate();
    let vm_limit = if high_churn {
        VM_HIGH_CHURN_LIMIT
    } else {
        VM_CHURN_LIMIT
    };
    if peak > vm_limit {
        c.warn(
            path.key("churn"),
            format!(
                "peak churn {} (99th percentile) exceeds ASR's {} per VM{}: replication would fall behind",
                units::format_byte_rate(peak),
                units::format_byte_rate(vm_limit),
                if high_churn { "" } else { " (100 MB/s with `high_churn = true`)" }
            ),
        );
    }
    if let Some(tier) = tier {
        let per_disk = peak / disks as f64;
        if per_disk > tier.churn_limit() {
            c.warn(
                path.key("churn"),
                format!(
                    "peak churn per disk {} exceeds ASR's {} for this disk tier",
                    units::format_byte_rate(per_disk),
                    units::format_byte_rate(tier.churn_limit())
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
    }
}
