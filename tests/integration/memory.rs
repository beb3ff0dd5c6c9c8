//! Memory stays flat in the replication count past `--exact-up-to`: the
//! slope between a short and a ten times longer run, read from each run's
//! own peak (`peak_memory_kib` in manifest.json). Not a timing.

use crate::support::{drsim, stderr};

/// Peak resident KiB of `run scenarios/minimal.toml -n N --exact-up-to KEEP`.
fn peak_kib(dir: &std::path::Path, n: u64, keep: u64) -> u64 {
    let out = dir.join(format!("n{n}-keep{keep}"));
    let o = drsim(&[
        "run",
        "scenarios/minimal.toml",
        "-n",
        &n.to_string(),
        "--exact-up-to",
        &keep.to_string(),
        "--threads",
        "2",
        "--no-charts",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("manifest");
    let value: serde_json::Value = serde_json::from_str(&manifest).expect("json");
    value["peak_memory_kib"]
        .as_u64()
        .expect("peak_memory_kib on Linux")
}

#[test]
fn memory_is_flat_in_the_replication_count_past_exact_up_to() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (short, long) = (20_000, 200_000);
    // Keeping every replication whole, the 180,000 more cost their values:
    // the slope this test must be able to see.
    let kept_all =
        peak_kib(tmp.path(), long, long) as i64 - peak_kib(tmp.path(), short, long) as i64;
    assert!(
        kept_all > 40 * 1024,
        "keeping every value grew only {kept_all} KiB"
    );
    // Past --exact-up-to the same 180,000 replications add (almost) nothing.
    let flat = peak_kib(tmp.path(), long, 1_000) as i64 - peak_kib(tmp.path(), short, 1_000) as i64;
    assert!(
        flat < 4 * 1024,
        "memory grew {flat} KiB from {short} to {long} replications past --exact-up-to (keeping all: {kept_all} KiB)"
    );
}
