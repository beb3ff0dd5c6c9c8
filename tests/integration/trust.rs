//! Issue [12] ("Trust, round 2"): each reproducer of the fuzz campaign and
//! the hand probes, kept as a test. Every one exits 0, 1 or 2 with a located
//! message, never with a panic (101) or an abort (134), and writes nothing
//! when refused.

use crate::support::{drsim, repo, stderr};

/// A refusal: exit 2, a message naming `why`, no panic, `out` not created.
fn refused(args: &[&str], why: &str, out: &std::path::Path) {
    let o = drsim(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    assert!(stderr(&o).contains(why), "{args:?}: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(!out.exists(), "{args:?} left {}", out.display());
}

#[test]
fn an_id_too_long_to_print_is_refused_where_it_is_written() {
    // A group id of 65,535 characters or more panicked in the summary table
    // after the files were written.
    let long = "g".repeat(70_000);
    let text = std::fs::read_to_string(repo().join("scenarios/minimal.toml"))
        .expect("scenario")
        .replace("\"app\"", &format!("\"{long}\""));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long-id.toml");
    std::fs::write(&path, text).expect("write");
    let out = dir.path().join("out");
    let args = [
        "run",
        path.to_str().expect("utf-8"),
        "-n",
        "5",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    refused(&args, "`group[0].id`: the id `gggg", &out);
    refused(&args, "ids are at most 128", &out);
}

#[test]
fn numbers_from_the_command_line_are_bounded_where_they_are_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_s = out.to_str().expect("utf-8");
    for (args, why) in [
        (
            vec![
                "run",
                "scenarios/minimal.toml",
                "-n",
                "18446744073709551615",
                "--out",
                out_s,
            ],
            "--replications",
        ),
        (
            vec![
                "run",
                "scenarios/minimal.toml",
                "-n",
                "1e11",
                "--out",
                out_s,
            ],
            "--replications",
        ),
        (
            vec![
                "run",
                "scenarios/minimal.toml",
                "-n",
                "1000000001",
                "--out",
                out_s,
            ],
            "is not in 1..=1000000000",
        ),
        (
            vec![
                "sweep",
                "scenarios/minimal.toml",
                "--vary",
                "link.wan.bandwidth=1Mbps..2Mbps:18446744073709551615",
                "--out",
                out_s,
            ],
            "18446744073709551615 steps is past the 10000 points",
        ),
        (
            vec![
                "sweep",
                "scenarios/minimal.toml",
                "--vary",
                "link.wan.bandwidth=1Mbps..2Mbps:1000000000",
                "--out",
                out_s,
            ],
            "past the 10000 points a sweep runs",
        ),
        (
            vec![
                "sweep",
                "scenarios/minimal.toml",
                "--vary",
                "link.wan.bandwidth=1Mbps..2Mbps:200",
                "--vary",
                "recovery.decision_delay=1m..2m:200",
                "--out",
                out_s,
            ],
            "200 values of link.wan.bandwidth by 200 values of recovery.decision_delay has more than the 10000 points",
        ),
        (
            vec![
                "run",
                "scenarios/minimal.toml",
                "-n",
                "500",
                "--until-settled",
                "--max-replications",
                "10",
                "--out",
                out_s,
            ],
            "--max-replications 10 is below the 500 replications",
        ),
        (
            vec![
                "run",
                "scenarios/minimal.toml",
                "-n",
                "50",
                "--check",
                "--shard",
                "1/2",
                "--out",
                out_s,
            ],
            "--check judges the whole run, which a shard is not",
        ),
    ] {
        refused(&args, why, &out);
    }
}

#[test]
fn verify_refuses_manifest_values_no_run_writes() {
    // `"exact_up_to": 0` panicked in the sensitivity analysis.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("run");
    let o = drsim(&[
        "run",
        "scenarios/minimal.toml",
        "-n",
        "20",
        "-q",
        "--no-charts",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    let edited = text.replacen("\"exact_up_to\": 100000", "\"exact_up_to\": 0", 1);
    assert_ne!(text, edited, "the manifest records exact_up_to");
    std::fs::write(&manifest, edited).expect("write");
    let o = drsim(&["verify", out.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`options.exact_up_to` is 0, which no run writes"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn smaller_findings_are_refused_or_accepted_as_documented() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A device or a FIFO is not read (it would never end, or block).
    let o = drsim(&["validate", "/dev/zero"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a regular file"), "{}", stderr(&o));
    // "1 Tbps", the documented maximum, is a rate; a price of 1e308 is not.
    let text = std::fs::read_to_string(repo().join("scenarios/minimal.toml"))
        .expect("scenario")
        .replace("\"100 Mbps\"", "\"1 Tbps\"")
        .replace("[[vm]]\n", "[[vm]]\nazure_vm_hour = 1e308\n");
    let path = dir.path().join("bounds.toml");
    std::fs::write(&path, text).expect("write");
    let o = drsim(&["validate", path.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(!err.contains("bandwidth"), "1 Tbps is accepted: {err}");
    assert!(
        err.contains("`vm[0].azure_vm_hour`: a price per VM-hour is 0 to 1000000"),
        "{err}"
    );
    // A scenario named `...toml` writes under results/, not into the
    // working directory.
    let dots = dir.path().join("...toml");
    std::fs::copy(repo().join("scenarios/minimal.toml"), &dots).expect("copy");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(["run", "...toml", "-n", "5", "-q", "--no-charts"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("results/scenario/summary.csv").is_file());
    assert!(!dir.path().join("summary.csv").exists());
}

#[test]
fn verify_reads_only_the_results_own_files_and_refuses_others() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |name: &str| {
        let out = dir.path().join(name);
        let o = drsim(&[
            "run",
            "scenarios/minimal.toml",
            "-n",
            "10",
            "-q",
            "--no-charts",
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let verify_fails = |out: &std::path::Path, why: &str| {
        let o = drsim(&["verify", out.to_str().expect("utf-8")]);
        assert_eq!(o.status.code(), Some(1), "{why}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{why}: {}", stderr(&o));
    };
    // An entry outside the directory is never read.
    let out = run("outside");
    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        text.replacen(
            "\"file\": \"summary.csv\"",
            "\"file\": \"../../etc/hostname\"",
            1,
        ),
    )
    .expect("write");
    verify_fails(&out, "a manifest names only its directory's own files");
    // A file the run did not write.
    let out = run("extra");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    verify_fails(&out, "holds notes.txt, which the run did not write");
    // The scenario's name is part of what the manifest vouches for.
    let out = run("renamed");
    let manifest = out.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        text.replacen("\"name\": \"minimal\"", "\"name\": \"other\"", 1),
    )
    .expect("write");
    verify_fails(
        &out,
        "the scenario is named `minimal`, the manifest says `other`",
    );
}

#[test]
fn temporaries_of_dead_processes_are_removed_by_the_next_run() {
    // A killed run (a second Ctrl-C, SIGKILL) cannot remove its
    // `.NAME.PID.partial` files; the next run into the directory does, and
    // leaves those of processes still running (pid 1 always is).
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).expect("dir");
    let dead = out.join(".replications.csv.4294967.partial");
    let alive = out.join(".replications.csv.1.partial");
    for f in [&dead, &alive] {
        std::fs::write(f, "half a file").expect("write");
    }
    let o = drsim(&[
        "run",
        "scenarios/minimal.toml",
        "-n",
        "5",
        "-q",
        "--no-charts",
        "--force",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!dead.exists(), "a dead process's temporary is removed");
    if std::path::Path::new("/proc/self").exists() {
        assert!(alive.exists(), "a running process's temporary is kept");
    }
}

#[test]
fn override_problems_name_the_flag_that_caused_them() {
    // Before: a table an override created was shown at an invented line of
    // the file; with two --set of one key the first was named; --vary and
    // --set-b problems were reported as --set.
    let o = drsim(&[
        "validate",
        "scenarios/minimal.toml",
        "--set",
        "newtable.key=1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--set newtable.key=1: `newtable`: unknown key"),
        "{}",
        stderr(&o)
    );
    let o = drsim(&[
        "validate",
        "scenarios/minimal.toml",
        "--set",
        "targets.rto=\"1h\"",
        "--set",
        "targets.rto=bad",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--set targets.rto=bad: `targets.rto`"),
        "{}",
        stderr(&o)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    let out_s = out.to_str().expect("utf-8");
    let o = drsim(&[
        "compare",
        "scenarios/minimal.toml",
        "scenarios/minimal.toml",
        "--set-b",
        "targets.rto=bad",
        "-n",
        "5",
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--set-b targets.rto=bad"),
        "{}",
        stderr(&o)
    );
    let o = drsim(&[
        "sweep",
        "scenarios/minimal.toml",
        "--vary",
        "targets.rto=1h,bad",
        "-n",
        "5",
        "--out",
        out_s,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--vary targets.rto=bad"),
        "{}",
        stderr(&o)
    );
    // `size` searches numbers and quantities, not names.
    let o = drsim(&[
        "size",
        "scenarios/minimal.toml",
        "--target",
        "rto<=4h@95%",
        "--vary",
        "scenario.name",
        "--between",
        "1..2",
        "-n",
        "5",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("--vary scenario.name: its value in the scenario (`minimal`) is not a number or a quantity"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}
