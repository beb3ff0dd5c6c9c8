//! Issue [13]: ASR as its own pages describe it, each behaviour checked by a
//! hand computation on the constant-duration plan of `fixed_arithmetic`.

use crate::fixed_arithmetic::FIXED;
use crate::support::{outcomes, scenario};

/// FIXED with a `[scenario]` table saying which kind and architecture.
fn of_kind(kind: &str, architecture: Option<&str>, text: &str) -> String {
    let architecture = architecture
        .map(|a| format!("architecture = \"{a}\"\n"))
        .unwrap_or_default();
    format!("[scenario]\nkind = \"{kind}\"\n{architecture}{text}")
}

#[test]
fn a_physical_server_fails_back_with_a_full_copy() {
    // Physical servers fail back only to a VMware VM (vmware-azure-failback.md):
    // stage 2 copies every disk. No checksum; 90 + 45 + 45 GB over 800 Mbps
    // (100 MB/s) shared equally: the web disks finish at 45 GB / 33.3 MB/s =
    // 1350 s, db1's last 45 GB alone at 100 MB/s by 1800 s; processing 0.2 x
    // 1800 s, autoscale 1500 s: stage 2 = 3660 s. Nothing is written (no churn),
    // so the stage moves exactly the disks.
    let s = scenario(&of_kind("physical", None, FIXED));
    for o in outcomes(&s, 3, 1) {
        assert_eq!(o.stage2_bytes, 180e9);
        assert_eq!(o.stage2.expect("stage 2 ran").as_secs_f64(), 3660.0);
        // Modernized: no extra failover processing for physical servers
        // (failover-failback-overview-modernized.md, "Failover processing").
        assert_eq!(o.rto.expect("declared").as_secs_f64(), 44.0 * 60.0);
    }
    // The same plan as VMware VMs copies a delta: nothing (no churn).
    let s = scenario(&of_kind("vmware", None, FIXED));
    for o in outcomes(&s, 3, 1) {
        assert_eq!(o.stage2_bytes, 0.0);
    }
}

#[test]
fn extra_failover_processing_follows_the_documented_list() {
    // db1 is the plan's critical path (ready at 19 min, up at 39 min, the web
    // group after it): extra processing on db1 delays the RTO by exactly its
    // draw, 8 to 10 min (failover-failback-overview.md, "Failover processing").
    let delay = |text: &str| -> Vec<f64> {
        outcomes(&scenario(text), 20, 1)
            .iter()
            .map(|o| o.rto.expect("declared").as_secs_f64() - 44.0 * 60.0)
            .collect()
    };
    let documented = |delays: Vec<f64>| {
        assert!(
            delays.iter().all(|d| (480.0..=600.0).contains(d)),
            "{delays:?}"
        );
        assert!(
            delays.iter().any(|&d| d != delays[0]),
            "drawn per replication"
        );
    };
    // Classic: physical servers, and VMware Linux VMs.
    documented(delay(&of_kind("physical", Some("classic"), FIXED)));
    let linux_db = FIXED.replace("id = \"db1\"\n", "id = \"db1\"\nos = \"linux\"\n");
    documented(delay(&of_kind("vmware", Some("classic"), &linux_db)));
    // Modernized lists neither, only VMs without DHCP.
    assert!(
        delay(&of_kind("vmware", None, &linux_db))
            .iter()
            .all(|&d| d == 0.0)
    );
    let static_db = FIXED.replace("id = \"db1\"\n", "id = \"db1\"\ndhcp = false\n");
    documented(delay(&of_kind("vmware", None, &static_db)));
    // Hyper-V VMs need none; a value written for the plan wins.
    assert!(
        delay(&of_kind("hyper-v", None, &static_db))
            .iter()
            .all(|&d| d == 0.0)
    );
    let written = of_kind("physical", Some("classic"), FIXED).replace(
        "[recovery]\n",
        "[recovery]\nextra_processing_time = \"1m\"\n",
    );
    assert!(delay(&written).iter().all(|&d| d == 60.0));
}
