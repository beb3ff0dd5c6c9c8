//! The same scenario and seed give byte-identical files for any thread count.

use crate::support::{drsim, stderr};

/// replications.csv, summary.csv and, concatenated, every chart's SVG and report.html.
fn run_files(scenario: &str, extra: &[&str]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8 path");
    let mut args = vec!["run", scenario, "--quiet", "--out", out];
    args.extend_from_slice(extra);
    let o = drsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |name: &str| std::fs::read(dir.path().join(name)).expect("output file");
    let pictures = ["rpo.svg", "rto.svg", "stages.svg", "report.html"]
        .iter()
        .flat_map(|name| read(name))
        .collect();
    (read("replications.csv"), read("summary.csv"), pictures)
}

#[test]
fn thread_count_never_changes_a_byte() {
    // 5000 replications span two parallel chunks.
    let one = run_files(
        "scenarios/minimal.toml",
        &["--replications", "5000", "--threads", "1"],
    );
    let two = run_files(
        "scenarios/minimal.toml",
        &["--replications", "5000", "--threads", "2"],
    );
    assert!(one == two, "outputs differ between 1 and 2 threads");
    let one = run_files(
        "scenarios/reference-50vm.toml",
        &["--replications", "300", "--threads", "1"],
    );
    let two = run_files(
        "scenarios/reference-50vm.toml",
        &["--replications", "300", "--threads", "2"],
    );
    assert!(one == two, "outputs differ between 1 and 2 threads");
    // A year runs several cycles per replication, each from its own seed.
    let one = run_files(
        "scenarios/year-of-operations.toml",
        &["--replications", "600", "--threads", "1"],
    );
    let two = run_files(
        "scenarios/year-of-operations.toml",
        &["--replications", "600", "--threads", "2"],
    );
    assert!(one == two, "outputs differ between 1 and 2 threads");
    // Replayed churn draws its blocks per replication: no thread shares them.
    let one = run_files(
        "scenarios/measured-churn.toml",
        &["--replications", "1500", "--threads", "1"],
    );
    let two = run_files(
        "scenarios/measured-churn.toml",
        &["--replications", "1500", "--threads", "2"],
    );
    assert!(one == two, "outputs differ between 1 and 2 threads");
}

#[test]
fn same_seed_twice_is_identical_and_another_seed_is_not() {
    let args = ["--replications", "400", "--seed", "99"];
    let a = run_files("scenarios/three-tier.toml", &args);
    let b = run_files("scenarios/three-tier.toml", &args);
    assert!(a == b, "two runs with the same seed differ");
    let c = run_files(
        "scenarios/three-tier.toml",
        &["--replications", "400", "--seed", "100"],
    );
    assert!(a.0 != c.0, "a different seed gave the same replications");
}
