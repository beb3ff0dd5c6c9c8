//! The JSON documents' schemas, pinned: every key path each command's
//! `--format json` prints (docs/metrics.md, "JSON"). A key renamed or removed
//! fails here; a key added must be added here and to the docs, and a change
//! of meaning bumps the document's `schema`.

use crate::support::{drsim, stderr, stdout};

/// Every key path of `v`: `a`, `a.b`, `list[].c` (objects within arrays
/// under `[]`; the keys of `values`, which are the varied keys, as `*`).
fn paths(v: &serde_json::Value, prefix: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.ends_with("values") { "*" } else { k };
                let path = if prefix.is_empty() {
                    key.to_string()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                paths(v, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                paths(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

fn schema_of(args: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut full = args.to_vec();
    full.extend([
        "--format",
        "json",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    let o = drsim(&full);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    let mut out = std::collections::BTreeSet::new();
    paths(&doc, "", &mut out);
    out.into_iter()
        .filter(|p| !p.starts_with("files[]"))
        .collect()
}

const VERDICT: [&str; 9] = [
    "fraction_ci95_high",
    "fraction_ci95_low",
    "fraction_meeting",
    "met",
    "over",
    "replications_to_settle",
    "required_fraction",
    "total",
    "verdict",
];

fn expect(mut keys: Vec<String>) -> Vec<String> {
    keys.sort();
    keys
}

#[test]
fn run_sweep_compare_and_size_documents_keep_their_keys() {
    let run = schema_of(&["run", "scenarios/minimal.toml", "-n", "20", "--no-charts"]);
    let mut want: Vec<String> = [
        "drsim",
        "files",
        "kept_whole",
        "metrics",
        "outages",
        "percentiles",
        "replications",
        "scenario",
        "schema",
        "seed",
        "sha256",
        "source",
        "targets",
    ]
    .map(String::from)
    .to_vec();
    for k in [
        "count",
        "max",
        "mean",
        "metric",
        "min",
        "p50",
        "p90",
        "p95",
        "p99",
        "population",
        "std",
        "unit",
    ] {
        want.push(format!("metrics[].{k}"));
    }
    for k in [
        "declared",
        "needing_resync",
        "not_closed",
        "ridden_out",
        "ridden_out_over_rto_target",
        "total",
    ] {
        want.push(format!("outages.{k}"));
    }
    for k in VERDICT.iter().chain(&["metric", "target_s"]) {
        want.push(format!("targets[].{k}"));
    }
    assert_eq!(run, expect(want));

    let sweep = schema_of(&[
        "sweep",
        "scenarios/minimal.toml",
        "--vary",
        "link.wan.bandwidth=50Mbps,100Mbps",
        "-n",
        "20",
        "--no-charts",
    ]);
    let mut want: Vec<String> = ["drsim", "files", "points", "schema"]
        .map(String::from)
        .to_vec();
    for k in [
        "count",
        "mean",
        "metric",
        "p50",
        "p90",
        "p95",
        "p99",
        "point",
        "population",
        "target",
        "target_s",
        "values",
        "values.*",
    ] {
        want.push(format!("points[].{k}"));
    }
    for k in VERDICT {
        want.push(format!("points[].target.{k}"));
    }
    assert_eq!(sweep, expect(want));

    let compare = schema_of(&[
        "compare",
        "scenarios/minimal.toml",
        "scenarios/minimal.toml",
        "-n",
        "20",
        "--no-charts",
    ]);
    let mut want: Vec<String> = ["a", "b", "differences", "drsim", "files", "schema"]
        .map(String::from)
        .to_vec();
    for k in [
        "difference",
        "difference_ci95_high",
        "difference_ci95_low",
        "mean_a",
        "mean_b",
        "metric",
        "pairs",
        "population",
        "share_b_lower",
    ] {
        want.push(format!("differences[].{k}"));
    }
    assert_eq!(compare, expect(want));

    let size = schema_of(&[
        "size",
        "scenarios/minimal.toml",
        "--target",
        "rpo<=15m@95%",
        "--vary",
        "link.wan.bandwidth",
        "--between",
        "1Mbps..100Mbps",
        "-n",
        "20",
    ]);
    let mut want: Vec<String> = [
        "answers",
        "availability",
        "between",
        "between_default",
        "ci95_range",
        "drsim",
        "effect",
        "higher_values_meet",
        "metric",
        "monotone",
        "probes",
        "required_fraction",
        "schema",
        "threshold_s",
        "unit",
        "vary",
    ]
    .map(String::from)
    .to_vec();
    for k in ["end", "fraction", "share", "status", "value"] {
        want.push(format!("answers[].{k}"));
    }
    for k in ["met", "total", "value"] {
        want.push(format!("probes[].{k}"));
    }
    assert_eq!(size, expect(want));
}
