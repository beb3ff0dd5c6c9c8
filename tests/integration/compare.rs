//! `drsim compare`: paired differences on common random numbers.

use crate::support::{drsim, stderr};

fn compare_rows(dir: &std::path::Path) -> Vec<Vec<String>> {
    let csv = std::fs::read_to_string(dir.join("compare.csv")).expect("compare.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "metric,population,pairs,mean_a,mean_b,difference,difference_ci95_low,difference_ci95_high,share_b_lower"
        )
    );
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_plan_compared_with_itself_differs_by_exactly_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "compare",
        "scenarios/three-tier.toml",
        "scenarios/three-tier.toml",
        "-n",
        "300",
        "--quiet",
        "--no-charts",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = compare_rows(dir.path());
    assert!(rows.len() >= 5);
    for r in rows {
        assert_eq!(&r[5..8], ["0.000", "0.000", "0.000"], "{r:?}");
    }
}

#[test]
fn doubling_the_bandwidth_lowers_the_rpo_beyond_doubt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "compare",
        "scenarios/bandwidth-contention.toml",
        "scenarios/bandwidth-contention.toml",
        "--set-b",
        "link.vpn.bandwidth=\"700 Mbps\"",
        "-n",
        "500",
        "--quiet",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = compare_rows(dir.path());
    let rpo = rows.iter().find(|r| r[0] == "rpo_s").expect("rpo row");
    let (diff, hi): (f64, f64) = (rpo[5].parse().expect("diff"), rpo[7].parse().expect("hi"));
    assert!(
        diff < 0.0 && hi < 0.0,
        "B's RPO is lower, the interval excludes 0: {rpo:?}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report");
    assert!(html.contains("id=\"comparison\"") && html.contains("id=\"chart-compare-rpo\""));
}
