//! Every shipped scenario validates and runs, and its outputs hold the contract.

use crate::support::{drsim, repo, stderr, stdout, toml_files};

const REQUIRED_REPLICATION_COLUMNS: [&str; 10] = [
    "replication",
    "rpo_s",
    "rto_s",
    "stage1_s",
    "stage2_s",
    "stage3_downtime_s",
    "stage4_s",
    "unprotected_s",
    "cycle_s",
    "data_lost_bytes",
];

#[test]
fn at_least_the_three_reference_scenarios_ship() {
    let names: Vec<String> = toml_files(&repo().join("scenarios"))
        .iter()
        .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
        .collect();
    for required in ["minimal.toml", "three-tier.toml", "reference-50vm.toml"] {
        assert!(names.iter().any(|n| n == required), "{required} missing");
    }
}

#[test]
fn every_shipped_scenario_validates_and_runs() {
    for path in toml_files(&repo().join("scenarios")) {
        let file = path.to_str().expect("utf-8 path");
        let o = drsim(&["validate", file]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        assert!(stdout(&o).contains("is valid"), "{file}");
        assert!(stdout(&o).contains("recovery plan:"), "{file}");

        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().to_str().expect("utf-8 path");
        let o = drsim(&["run", file, "--replications", "60", "--out", out]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("rpo_s"),
            "{file}: summary table printed"
        );

        let csv =
            std::fs::read_to_string(dir.path().join("replications.csv")).expect("replications.csv");
        let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
        for column in REQUIRED_REPLICATION_COLUMNS {
            assert!(
                header.contains(&column),
                "{file}: replications.csv lacks {column}"
            );
        }
        assert_eq!(csv.lines().count(), 61, "{file}: one row per replication");

        let summary = std::fs::read_to_string(dir.path().join("summary.csv")).expect("summary.csv");
        let header = summary.lines().next().expect("header");
        assert!(
            header.starts_with(
                "metric,unit,mean,std,min,p50,p90,p95,p99,max,target,fraction_meeting"
            ),
            "{file}: {header}"
        );
        let rpo = summary
            .lines()
            .find(|l| l.starts_with("rpo_s,"))
            .expect("rpo row");
        let cells: Vec<&str> = rpo.split(',').collect();
        // Every shipped scenario states an RPO target, so the fraction is filled in.
        let fraction: f64 = cells[11].parse().expect("fraction meeting the RPO target");
        assert!((0.0..=1.0).contains(&fraction));
        // Exactly the outputs, and no temporary file left behind.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let expected = [
            "replications.csv",
            "report.html",
            "rpo.png",
            "rpo.svg",
            "rto.png",
            "rto.svg",
            "stages.png",
            "stages.svg",
            "summary.csv",
        ];
        assert_eq!(names, expected, "{file}");
    }
}

#[test]
fn an_unwritable_output_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "x").expect("write");
    let out = blocker.join("sub");
    let o = drsim(&[
        "run",
        "scenarios/minimal.toml",
        "--replications",
        "5",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
}

#[test]
fn per_vm_output_has_a_row_per_replication_and_vm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let o = drsim(&[
        "run",
        "scenarios/bandwidth-contention.toml",
        "--per-vm",
        "--quiet",
        "--replications",
        "25",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let vms = std::fs::read_to_string(dir.path().join("vms.csv")).expect("vms.csv");
    let mut lines = vms.lines();
    assert_eq!(
        lines.next(),
        Some(
            "replication,vm,group,consistency_group,recovery_point,rpo_s,rto_s,data_lost_bytes,lag_at_outage_s,rpo_alert_s,no_usable_point"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 25 * 12);
    assert!(
        rows[0].starts_with("0,db-1,db,orders,latest-processed,"),
        "{}",
        rows[0]
    );
    // The two members of consistency group `orders` share one point: equal RPO.
    let rpo = |row: &str| row.split(',').nth(5).expect("rpo").to_string();
    assert_eq!(rpo(rows[0]), rpo(rows[1]));
}

#[test]
fn validate_warns_about_churn_beyond_asr_limits() {
    let text = std::fs::read_to_string(repo().join("scenarios/minimal.toml")).expect("scenario");
    let heavy = text.replace(
        "churn = \"200 KB/s\"",
        "churn = \"60 MB/s\"\ndisk_count = 2\ndisk_tier = \"standard\"",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("heavy.toml");
    std::fs::write(&path, heavy).expect("write");
    let o = drsim(&["validate", path.to_str().expect("utf-8")]);
    assert!(
        o.status.success(),
        "warnings do not fail validation: {}",
        stderr(&o)
    );
    let text = stdout(&o);
    assert!(text.contains("exceeds ASR's 54 MB/s per VM"), "{text}");
    assert!(
        text.contains("peak churn per disk 30 MB/s exceeds ASR's 10 MB/s"),
        "{text}"
    );
    assert!(
        text.contains("mean churn of 480 Mbps but has a mean bandwidth of 100 Mbps"),
        "{text}"
    );
}
