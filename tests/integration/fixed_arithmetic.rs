//! A scenario where every duration is constant gives exactly the figures
//! computed by hand from the plan.

use crate::support::{outcomes, scenario};

pub const FIXED: &str = r#"
[[site]]
id = "dc"
role = "primary"
[[site]]
id = "azure"
role = "recovery"
[[link]]
id = "wan"
from = "dc"
to = "azure"
bandwidth = "800 Mbps"
[replication]
processing_delay = "0s"
[[group]]
id = "db"
[[group]]
id = "web"
[[vm]]
id = "db1"
group = "db"
disk_size = "90 GB"
churn = "0 B/s"
prepare_time = "4m"
boot_time = "20m"
failback_boot_time = "15m"
[[vm]]
id = "web1"
group = "web"
disk_size = "45 GB"
churn = "0 B/s"
prepare_time = "2m"
boot_time = "5m"
[[vm]]
id = "web2"
group = "web"
disk_size = "45 GB"
churn = "0 B/s"
prepare_time = "10m"
boot_time = "5m"
[[outage]]
kind = "site"
site = "dc"
at = "Wed 12:00"
duration = "6h"
[recovery]
detection_delay = "5m"
decision_delay = "10m"
commit_time = "0s"
[reprotect]
agent_registration = "0s"
operator_delay = "30m"
checksum_throughput = "45 MB/s"
processing_fraction = 0.2
autoscale_overhead = "25m"
[failback]
wait = "1d"
shutdown_time = "3m"
final_sync_overhead = "5m"
"#;

#[test]
fn every_stage_matches_the_hand_computation() {
    let s = scenario(&FIXED.replace(
        "agent_registration = \"0s\"",
        "agent_registration = \"10m\"",
    ));
    for o in outcomes(&s, 5, 1) {
        let secs = |d: Option<drsim::engine::SimDuration>| d.expect("this happened").as_secs_f64();
        // Stage 1. Declared at 5 + 10 = 15 min. db1 ready at 19 min, boots 20 min:
        // up at 39 min, which completes group db. web1 (ready at 17) and web2
        // (ready at 25) then boot 5 min: up at 44 min.
        assert_eq!(secs(o.rto), 44.0 * 60.0);
        assert_eq!(secs(o.stage1), 29.0 * 60.0);
        assert_eq!(secs(o.group_rto[0]), 39.0 * 60.0);
        assert_eq!(secs(o.group_rto[1]), 44.0 * 60.0);
        // Stage 2 starts when the site is back (6 h) plus 30 min. Without churn the
        // delta is empty: checksum 90 GB / 45 MB/s = 2000 s, processing 0.2 x 2000
        // = 400 s, autoscale 1500 s: db1 is healthy after 3900 s (web: 2700 s).
        assert_eq!(secs(o.stage2), 3900.0);
        // Stage 3: shutdown 180 s, final sync overhead 300 s, db1 boots 900 s, then
        // the web VMs boot 300 s: 1680 s of downtime.
        assert_eq!(secs(o.stage3_downtime), 1680.0);
        // Stage 4: the same reprotect arithmetic as stage 2.
        assert_eq!(secs(o.stage4), 3900.0);
        // Stage 2 ends at 6 h 30 min + 3900 s = 27 300 s (the agents registered
        // 10 min after their boot in Azure, long before the site was back);
        // failback starts 1 d later at 113 700 s; stage 3 ends at 115 380 s,
        // when the web VMs are up on-premises; their agents register back 10
        // min later (vmware-azure-failback.md), stage 4 starts 30 min after
        // that, at 117 780 s, and ends at 121 680 s.
        assert_eq!(secs(o.cycle), 121_680.0);
        assert_eq!(secs(o.unprotected), 27_300.0 + (121_680.0 - 113_700.0));
        assert_eq!(secs(o.total_downtime), 2640.0 + 1680.0);
        assert_eq!(o.outage_start.as_millis(), (2 * 24 + 12) * 3600 * 1000);
        assert!(o.closed);
        // No churn: nothing written, nothing lost, whatever point is used.
        assert_eq!(o.data_lost_bytes, 0.0);
    }
}

#[test]
fn a_delta_is_transferred_at_the_link_rate_during_reprotect() {
    // One VM writing 1 MB/s on a 100 MB/s link, failing over to `latest` (it
    // keeps up, so nothing is lost). Stage 2: the delta is what the VM wrote in
    // Azure from boot (t0 + 39 min) to the end of its checksum; it drains at
    // 100 - 1 = 99 MB/s because the VM keeps writing.
    // Deltas counted as every byte written (far below the disk here).
    let text = FIXED
        .replace(
            "churn = \"0 B/s\"\nprepare_time = \"4m\"",
            "churn = \"1 MB/s\"\nrecovery_point = \"latest\"\nprepare_time = \"4m\"",
        )
        .replace("[reprotect]\n", "[reprotect]\ndelta = \"bytes-written\"\n");
    let s = scenario(&text);
    for o in outcomes(&s, 5, 2) {
        assert_eq!(o.vms[0].data_lost_bytes, 0.0);
        assert_eq!(o.rto.expect("this happened").as_secs_f64(), 44.0 * 60.0);
        let boot_s = 39.0 * 60.0;
        let checksum_done_s = 6.5 * 3600.0 + 2000.0;
        let delta = 1e6 * (checksum_done_s - boot_s);
        let transfer = delta / 99e6;
        let expected = (2000.0 + transfer) * 1.2 + 1500.0;
        let stage2 = o.stage2.expect("this happened").as_secs_f64();
        assert!(
            (stage2 - expected).abs() <= 0.003,
            "stage 2 {stage2} s, expected {expected} s"
        );
    }
}

#[test]
fn reprotect_waits_for_the_agents_to_register_back() {
    // The site is back after 30 min, before the failover ends (44 min). The
    // last VMs came up at 44 min; their agents take 15 min to register back, so
    // reprotect starts at 59 min + the 30 min operator delay = 5340 s. Then, as
    // in the hand computation above: stage 2 3900 s, 1 d wait, stage 3 1680 s,
    // then the agents register back after the boot on-premises (15 min again),
    // 30 min, stage 4 3900 s: the cycle closes at 103 920 s (twice 900 s later
    // than with agents that register at once).
    let text = FIXED.replace("duration = \"6h\"", "duration = \"30m\"");
    for (registration, cycle) in [("15m", 103_920.0), ("0s", 102_120.0)] {
        let s = scenario(&text.replace(
            "agent_registration = \"0s\"",
            &format!("agent_registration = \"{registration}\""),
        ));
        for o in outcomes(&s, 3, 1) {
            let secs = o.cycle.expect("closes").as_secs_f64();
            assert_eq!(secs, cycle, "agents registering in {registration}");
        }
    }
    // Reprotect also waits for the failover's commit: committed 40 min after
    // the plan completed (44 min), at 84 min, later than the agents (0 s):
    // reprotect starts at 84 + 30 = 114 min instead of 44 + 30 = 74 min: the
    // cycle closes 2400 s after the 102 120 s of an instant commit.
    let s = scenario(&text.replace("commit_time = \"0s\"", "commit_time = \"40m\""));
    for o in outcomes(&s, 3, 1) {
        assert_eq!(o.cycle.expect("closes").as_secs_f64(), 102_120.0 + 2400.0);
    }
}
