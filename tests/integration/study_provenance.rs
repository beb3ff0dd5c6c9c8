//! Sweeps, comparisons and sizings carry a manifest.json, and `drsim verify`
//! re-makes them byte for byte (before: only `run` could be verified).

use crate::support::{drsim, stderr, stdout};

/// Runs `args` (with `--out DIR -q`), then `verify DIR`; returns DIR's files
/// listed in the manifest.
fn made_and_verified(dir: &std::path::Path, args: &[&str]) -> Vec<String> {
    let out = dir.to_str().expect("utf-8");
    let mut full = args.to_vec();
    full.extend(["--out", out, "-q"]);
    let o = drsim(&full);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("manifest.json")).expect("a manifest.json"),
    )
    .expect("JSON");
    assert_eq!(manifest["study"], args[0], "{manifest}");
    let o = drsim(&["verify", out]);
    assert!(
        o.status.success(),
        "verify {args:?}: {}{}",
        stdout(&o),
        stderr(&o)
    );
    assert!(stdout(&o).starts_with("verified "), "{}", stdout(&o));
    manifest["outputs"]
        .as_array()
        .expect("outputs")
        .iter()
        .map(|o| o["file"].as_str().expect("a file").to_string())
        .collect()
}

#[test]
fn sweeps_comparisons_and_sizings_are_verified_and_a_changed_file_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sweep = dir.path().join("sweep");
    let files = made_and_verified(
        &sweep,
        &[
            "sweep",
            "scenarios/minimal.toml",
            "--vary",
            "link.wan.bandwidth=50Mbps,100Mbps",
            "-n",
            "40",
        ],
    );
    assert!(files.contains(&"sweep.csv".to_string()), "{files:?}");
    let compare = dir.path().join("compare");
    let files = made_and_verified(
        &compare,
        &[
            "compare",
            "scenarios/minimal.toml",
            "scenarios/minimal.toml",
            "--set-b",
            "link.wan.bandwidth=\"50 Mbps\"",
            "-n",
            "40",
            "--no-charts",
        ],
    );
    assert_eq!(files, ["compare.csv"]);
    let size = dir.path().join("size");
    let files = made_and_verified(
        &size,
        &[
            "size",
            "scenarios/minimal.toml",
            "--target",
            "rpo<=15m@95%",
            "--vary",
            "link.wan.bandwidth",
            "--between",
            "1Mbps..100Mbps",
            "-n",
            "40",
        ],
    );
    assert_eq!(files, ["size.txt", "size.json"]);
    // A file changed by hand is named, exit 1.
    let csv = sweep.join("sweep.csv");
    let mut text = std::fs::read_to_string(&csv).expect("sweep.csv");
    text.push_str("tampered\n");
    std::fs::write(&csv, text).expect("write");
    let o = drsim(&["verify", sweep.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("sweep.csv"), "{}", stderr(&o));
}
