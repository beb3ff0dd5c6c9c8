//! Bytes moved by stages 2 to 4, against the fluid integrals by hand, and VM
//! weights on the reverse link.

use drsim::cycle::{TraceLog, run_cycle};

use crate::fixed_arithmetic::FIXED;
use crate::support::{outcomes, scenario};

/// FIXED with every VM writing 1 MB/s and failing over to `latest` (nothing
/// lost): the link (100 MB/s) keeps up, so every byte a VM writes while a
/// stage's flow carries it is sent within the stage.
fn writing() -> String {
    FIXED.replace(
        "churn = \"0 B/s\"",
        "churn = \"1 MB/s\"\nrecovery_point = \"latest\"",
    )
}

/// `text` with deltas counted as every byte written (the pessimistic bound).
fn bytes_written(text: &str) -> String {
    text.replace("[reprotect]\n", "[reprotect]\ndelta = \"bytes-written\"\n")
}

#[test]
fn stage_bytes_are_the_bytes_written_while_each_stage_carried_them() {
    let s = scenario(&bytes_written(&writing()));
    for o in outcomes(&s, 4, 9) {
        let secs = |d: Option<drsim::engine::SimDuration>| d.expect("happened").as_secs_f64();
        // Stage 2 sends, per VM, everything it wrote in Azure from its boot
        // (db1 at 39 min, web1 and web2 at 44 min) until stage 2 ends (6 h 30 min
        // + stage 2): the delta, then its writes as they come.
        let stage2_end = 6.5 * 3600.0 + secs(o.stage2);
        let expected2 = 1e6
            * [39.0, 44.0, 44.0]
                .iter()
                .map(|m| stage2_end - m * 60.0)
                .sum::<f64>();
        assert!(
            (o.stage2_bytes - expected2).abs() < 1e3,
            "stage 2: {} bytes, by hand {expected2}",
            o.stage2_bytes
        );
        // Stage 3: from the end of stage 2 until each VM shuts down (1 d wait, 3 min
        // shutdown), the final sync included.
        let expected3 = 3.0 * 1e6 * (86_400.0 + 180.0);
        assert!(
            (o.stage3_bytes - expected3).abs() < 1e3,
            "stage 3: {} bytes, by hand {expected3}",
            o.stage3_bytes
        );
        // Stage 4: from each VM's boot on-premises (db1 at 1380 s after failback
        // starts, the web VMs at 1680 s) until stage 4 ends (1680 s + 30 min + stage 4).
        let stage4_end = 1680.0 + 1800.0 + secs(o.stage4);
        let expected4 = 1e6
            * [1380.0, 1680.0, 1680.0]
                .iter()
                .map(|up| stage4_end - up)
                .sum::<f64>();
        assert!(
            (o.stage4_bytes - expected4).abs() < 1e3,
            "stage 4: {} bytes, by hand {expected4}",
            o.stage4_bytes
        );
    }
}

/// When VM `vm`'s delta finished transferring in a stage, from the trace.
fn transfer_done(log: &TraceLog, vm: &str, phase: drsim::cycle::Phase) -> f64 {
    log.entries
        .iter()
        .find(|e| e.phase == phase && e.text.starts_with(&format!("{vm}: delta transferred")))
        .unwrap_or_else(|| panic!("{vm} transfers a delta in {phase:?}"))
        .time
        .as_secs_f64()
}

#[test]
fn weights_share_the_reverse_link_as_they_share_the_forward_one() {
    // Two identical web VMs with large deltas (10 MB/s of writes on a 100 MB/s
    // link): weighted 3 to 1, web1 drains its delta first in stage 2 (reverse)
    // as in stage 4 (forward); equal weights drain together. The process
    // server is made fast enough not to be the bottleneck (forward, stage 4).
    let text = FIXED
        .replace(
            "processing_delay = \"0s\"",
            "processing_delay = \"0s\"\nprocess_server_throughput = \"1 GB/s\"",
        )
        .replace(
            "churn = \"0 B/s\"",
            "churn = \"10 MB/s\"\nrecovery_point = \"latest\"",
        )
        .replace("id = \"web1\"", "id = \"web1\"\nweight = 3");
    let s = scenario(&text);
    for k in 0..3 {
        let mut log = TraceLog::default();
        let o = run_cycle(&s, 4, k, &mut log);
        assert!(o.closed);
        for phase in [
            drsim::cycle::Phase::Reprotect,
            drsim::cycle::Phase::ReprotectBack,
        ] {
            let (w1, w2) = (
                transfer_done(&log, "web1", phase),
                transfer_done(&log, "web2", phase),
            );
            assert!(
                w1 < w2 - 1.0,
                "{phase:?}: web1 (weight 3) done at {w1}, web2 at {w2}"
            );
        }
    }
}

#[test]
fn a_reprotect_delta_is_the_changed_blocks_of_a_working_set() {
    // Each VM writes 1 MB/s onto a 10 GB working set. Stage 2 sends the changed
    // blocks since its boot in Azure, W (1 - exp(-written / W)), then its writes.
    let text = writing()
        .replace(
            "boot_time = \"20m\"",
            "boot_time = \"20m\"\nworking_set = \"10 GB\"",
        )
        .replace(
            "boot_time = \"5m\"",
            "boot_time = \"5m\"\nworking_set = \"10 GB\"",
        );
    let s = scenario(&text);
    let w: f64 = 10e9;
    for o in outcomes(&s, 3, 5) {
        let stage2_end = 6.5 * 3600.0 + o.stage2.expect("happened").as_secs_f64();
        let expected: f64 = [(90e9, 39.0), (45e9, 44.0), (45e9, 44.0)]
            .iter()
            .map(|&(disk, up_min)| {
                let checksum_done = 6.5 * 3600.0 + disk / 45e6;
                let written = 1e6 * (checksum_done - up_min * 60.0);
                w * (1.0 - (-written / w).exp()) + 1e6 * (stage2_end - checksum_done)
            })
            .sum();
        assert!(
            (o.stage2_bytes - expected).abs() < 1e3,
            "stage 2 {} bytes, closed form {expected}",
            o.stage2_bytes
        );
    }
    // The pessimistic bound moves every byte written (less than the disk here).
    let bound =
        scenario(&text.replace("[reprotect]\n", "[reprotect]\ndelta = \"bytes-written\"\n"));
    for o in outcomes(&bound, 3, 5) {
        let stage2_end = 6.5 * 3600.0 + o.stage2.expect("happened").as_secs_f64();
        let expected = 1e6
            * [39.0, 44.0, 44.0]
                .iter()
                .map(|m| stage2_end - m * 60.0)
                .sum::<f64>();
        assert!(
            (o.stage2_bytes - expected).abs() < 1e3,
            "stage 2 {} bytes, every byte written {expected}",
            o.stage2_bytes
        );
    }
}

#[test]
fn a_cycle_cut_at_the_horizon_reports_what_it_moved() {
    // Writes of 2 MB/s cannot replicate back over 1 MB/s: stage 2 never ends.
    // Its flow is busy from the end of the checksum (site back at 2 h, 100 GB
    // at 45 MB/s) to the one-year horizon, so it moved 1 MB/s over that time.
    let text = crate::support::one_vm("", "2 MB/s", "1 Gbps").replace(
        "bandwidth = \"1 Gbps\"",
        "bandwidth = \"1 Gbps\"\nreverse_bandwidth = \"8 Mbps\"",
    );
    let s = scenario(&text);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.key == "link[0].reverse_bandwidth" && w.message.contains("cannot keep up")),
        "validate warns: {:?}",
        s.warnings
    );
    for o in outcomes(&s, 3, 1) {
        assert!(!o.closed);
        assert_eq!(o.stages_completed, Some(1));
        assert_eq!((o.stage2, o.cycle), (None, None));
        let busy = 365.0 * 86_400.0 - 7200.0 - 100e9 / 45e6;
        assert!(
            (o.stage2_bytes - 1e6 * busy).abs() < 1e4,
            "stage 2 moved {} bytes, expected {}",
            o.stage2_bytes,
            1e6 * busy
        );
    }
}
