//! Memory stays flat in the replication count past `--exact-up-to`: the
//! slope between a short and a ten times longer run, read from each run's
//! own peak (`peak_memory_kib` in manifest.json). Not a timing.

use std::process::Command;

use crate::support::{repo, stderr};

/// Peak resident KiB of `run scenarios/minimal.toml -n N --exact-up-to KEEP`.
fn peak_kib(dir: &std::path::Path, n: u64, keep: u64) -> u64 {
    peak_kib_of(dir, "scenarios/minimal.toml", n, keep)
}

/// Peak resident KiB of `run SCENARIO -n N --exact-up-to KEEP`.
fn peak_kib_of(dir: &std::path::Path, scenario: &str, n: u64, keep: u64) -> u64 {
    let stem = std::path::Path::new(scenario)
        .file_stem()
        .expect("a file")
        .to_string_lossy();
    let out = dir.join(format!("{stem}-n{n}-keep{keep}"));
    // glibc gives each thread that allocates its own arena; which threads
    // free what depends on scheduling, so under load (other tests running)
    // the peak wanders by several MiB whatever the replication count. Two
    // arenas keep that noise out of the slope this test reads.
    let o = Command::new(env!("CARGO_BIN_EXE_drsim"))
        .env("MALLOC_ARENA_MAX", "2")
        .current_dir(repo())
        .args([
            "run",
            scenario,
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
        ])
        .output()
        .expect("the drsim binary runs");
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
    // Keeping every replication whole, 100,000 more cost their values (about
    // 590 bytes each here): the slope this test must be able to see.
    let all = |n| peak_kib(tmp.path(), n, u64::MAX / 2) as i64;
    let kept_all = all(120_000) - all(20_000);
    assert!(
        kept_all > 40 * 1024,
        "keeping every value grew only {kept_all} KiB"
    );
    // Past --exact-up-to, 300,000 more replications add (almost) nothing: the
    // peak settles once a few chunks are in flight (by about 100,000 here),
    // then moves only by allocator and scheduling noise (a longer run under
    // load meets a higher peak: up to about 10 MiB was seen with other tests
    // running). Keeping the values would add 3 x kept_all; the bound is a
    // tenth of that (about 60 bytes per replication where keeping costs 590),
    // so storing even a tenth of each replication fails.
    let flat =
        peak_kib(tmp.path(), 400_000, 1_000) as i64 - peak_kib(tmp.path(), 100_000, 1_000) as i64;
    assert!(
        flat * 10 < 3 * kept_all,
        "memory grew {flat} KiB from 100,000 to 400,000 replications past --exact-up-to (keeping all, 100,000 more cost {kept_all} KiB)"
    );
}

#[test]
fn an_estates_memory_is_flat_in_the_replication_count_too() {
    // An outcome of estate-1000 holds about 60 KB (a row per VM and its
    // sampled inputs): 800 more replications held would be some 48 MB.
    // Chunks of outcomes in flight are sized to the estate (about 16 MB), so
    // past the kept 100 the peak barely moves.
    let tmp = tempfile::tempdir().expect("temp dir");
    let peak = |n| peak_kib_of(tmp.path(), "scenarios/estate-1000.toml", n, 100) as i64;
    let grew = peak(1_000) - peak(200);
    assert!(
        grew < 16 * 1024,
        "an estate's memory grew {grew} KiB from 200 to 1,000 replications past --exact-up-to 100"
    );
}
