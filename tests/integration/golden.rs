//! Golden results: a small committed sample of outputs for two shipped
//! scenarios, regenerated here and compared byte for byte, so any change in a
//! number shows in review as a diff of `tests/golden/`.
//!
//! To accept an intended change (and commit the diff with the reason):
//!
//! ```text
//! DRSIM_BLESS=1 cargo test --test integration golden
//! ```

use std::path::Path;

use crate::support::{drsim, repo, stderr};

/// (scenario, replications): small enough to review, large enough to cover
/// ride-outs, both recovery-point kinds and every stage.
const GOLDEN: [(&str, &str); 2] = [("minimal", "200"), ("three-tier", "200")];

/// The files compared: the CSVs (charts and the report are checked by their
/// own tests; the manifest holds times).
const FILES: [&str; 4] = [
    "replications.csv",
    "summary.csv",
    "sensitivity.csv",
    "vms.csv",
];

#[test]
fn golden_results_are_reproduced_byte_for_byte() {
    let bless = std::env::var_os("DRSIM_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, replications) in GOLDEN {
        let dir = tempfile::tempdir().expect("temp dir");
        let scenario = format!("scenarios/{name}.toml");
        let o = drsim(&[
            "run",
            &scenario,
            "--quiet",
            "--no-charts",
            "--per-vm",
            "--replications",
            replications,
            "--out",
            dir.path().to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let golden = repo().join("tests/golden").join(name);
        for file in FILES {
            let made = std::fs::read(dir.path().join(file)).expect("output");
            let path = golden.join(file);
            if bless {
                std::fs::create_dir_all(&golden).expect("golden dir");
                std::fs::write(&path, &made).expect("bless");
                continue;
            }
            let kept = std::fs::read(&path).unwrap_or_default();
            if kept != made {
                stale.push(describe(&path, &kept, &made));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "results changed:\n{}\nIf intended, run `DRSIM_BLESS=1 cargo test --test integration golden` and commit tests/golden/ with the reason.",
        stale.join("\n")
    );
}

/// Where the kept and the made file first differ, as `drsim verify` says it.
fn describe(path: &Path, kept: &[u8], made: &[u8]) -> String {
    let difference = drsim::report::diff::first_difference(kept, made)
        .unwrap_or_else(|| "identical".to_string());
    format!("{}: {difference}", path.display())
}
