//! A run's outputs land whole or not at all, and can be re-made from their
//! manifest: interrupted runs, unwritable outputs, another scenario's
//! results, `drsim verify`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{drsim, repo, stderr, stdout};

/// Every file in `dir` with its bytes, sorted by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            let bytes = if e.path().is_file() {
                std::fs::read(e.path()).expect("read")
            } else {
                Vec::new()
            };
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}

fn names(dir: &Path) -> Vec<String> {
    snapshot(dir).into_iter().map(|(n, _)| n).collect()
}

fn run_into(dir: &Path, scenario: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "run",
        scenario,
        "--quiet",
        "--out",
        dir.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    drsim(&args)
}

/// Starts a long run into `dir`, waits until it is writing its replications,
/// sends `signal`, and returns its exit code and stderr.
fn interrupt_run(dir: &Path, signal: &str) -> (Option<i32>, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args([
            "run",
            "scenarios/reference-50vm.toml",
            "--quiet",
            "--no-charts",
            "--replications",
            "100000000",
            "--out",
            dir.to_str().expect("utf-8"),
        ])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("drsim starts");
    let partial = format!(".replications.csv.{}.partial", child.id());
    let started = Instant::now();
    // Mid-way: the temporary file exists and holds rows.
    while std::fs::metadata(dir.join(&partial)).map_or(true, |m| m.len() < 100_000) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the run never started writing"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let o = child.wait_with_output().expect("drsim ends");
    (o.status.code(), stderr(&o))
}

#[test]
fn sigterm_and_sigint_leave_the_earlier_results_intact_and_no_temporaries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run_into(
        dir.path(),
        "scenarios/reference-50vm.toml",
        &["--replications", "40", "--no-charts"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(dir.path());
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let (status, err) = interrupt_run(dir.path(), signal);
        assert_eq!(status, Some(code), "SIG{signal}: {err}");
        assert!(
            err.contains(&format!("interrupted by SIG{signal}"))
                && err.contains("nothing was written"),
            "{err}"
        );
        assert!(
            snapshot(dir.path()) == before,
            "SIG{signal} changed the results: {:?}",
            names(dir.path())
        );
    }
}

#[test]
fn an_output_that_cannot_be_written_lands_nothing_of_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run_into(
        dir.path(),
        "scenarios/minimal.toml",
        &["--replications", "30"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // A directory where one of the charts goes: the run cannot put it there.
    std::fs::remove_file(dir.path().join("stages.png")).expect("remove");
    std::fs::create_dir(dir.path().join("stages.png")).expect("mkdir");
    let before = snapshot(dir.path());
    let o = run_into(
        dir.path(),
        "scenarios/minimal.toml",
        &["--replications", "60"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("stages.png") && stderr(&o).contains("nothing of the run was written"),
        "{}",
        stderr(&o)
    );
    assert!(
        snapshot(dir.path()) == before,
        "the failed run changed files or left temporaries: {:?}",
        names(dir.path())
    );
}

#[test]
fn another_scenarios_results_are_refused_without_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run_into(
        dir.path(),
        "scenarios/minimal.toml",
        &["-n", "20", "--no-charts"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(dir.path());
    let o = run_into(
        dir.path(),
        "scenarios/three-tier.toml",
        &["-n", "20", "--no-charts"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("--out")
            && err.contains("another scenario (`minimal`")
            && err.contains("--force"),
        "{err}"
    );
    assert!(snapshot(dir.path()) == before);
    // The same scenario again is fine; --force replaces the other's.
    let o = run_into(
        dir.path(),
        "scenarios/minimal.toml",
        &["-n", "25", "--no-charts"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_into(
        dir.path(),
        "scenarios/three-tier.toml",
        &["-n", "20", "--no-charts", "--force"],
    );
    assert!(o.status.success(), "{}", stderr(&o));

    // Results of unknown origin (no manifest) are refused too.
    let stray = tempfile::tempdir().expect("temp dir");
    std::fs::write(stray.path().join("summary.csv"), "mine").expect("write");
    let o = run_into(stray.path(), "scenarios/minimal.toml", &["-n", "20"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no manifest.json"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(stray.path().join("summary.csv")).expect("kept"),
        "mine"
    );
}

#[test]
fn a_rerun_without_charts_removes_the_old_charts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run_into(dir.path(), "scenarios/minimal.toml", &["-n", "20"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(names(dir.path()).contains(&"rpo.svg".to_string()));
    let o = run_into(
        dir.path(),
        "scenarios/minimal.toml",
        &["-n", "20", "--no-charts"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        names(dir.path()),
        [
            "manifest.json",
            "replications.csv",
            "sensitivity.csv",
            "summary.csv"
        ]
    );
}

#[test]
fn verify_remakes_a_run_and_names_the_first_difference() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = run_into(
        dir.path(),
        "scenarios/three-tier.toml",
        &[
            "-n",
            "300",
            "--per-vm",
            "--set",
            "link.expressroute.bandwidth=\"80 Mbps\"",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).expect("manifest");
    for field in [
        "\"drsim_version\"",
        "\"sha256\"",
        "\"seed\"",
        "link.expressroute.bandwidth",
        "\"started\"",
        "vms.csv",
    ] {
        assert!(
            manifest.contains(field),
            "manifest lacks {field}:\n{manifest}"
        );
    }
    let o = drsim(&["verify", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("re-made byte for byte"),
        "{}",
        stdout(&o)
    );

    // One byte changed in a file: it no longer matches the manifest.
    let summary = dir.path().join("summary.csv");
    let original = std::fs::read(&summary).expect("summary");
    let mut changed = original.clone();
    let last_digit = changed
        .iter()
        .rposition(u8::is_ascii_digit)
        .expect("a digit");
    changed[last_digit] = if changed[last_digit] == b'1' {
        b'2'
    } else {
        b'1'
    };
    std::fs::write(&summary, &changed).expect("write");
    let o = drsim(&["verify", out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("summary.csv changed since the run"),
        "{}",
        stderr(&o)
    );

    // The manifest doctored to match: the re-made run names file and line.
    let old_hash = drsim::report::sha256_hex(&original);
    let new_hash = drsim::report::sha256_hex(&changed);
    std::fs::write(
        dir.path().join("manifest.json"),
        manifest.replace(&old_hash, &new_hash),
    )
    .expect("write");
    let line = changed[..last_digit]
        .iter()
        .filter(|&&c| c == b'\n')
        .count()
        + 1;
    let o = drsim(&["verify", out]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("summary.csv: differs at line {line}")),
        "{}",
        stderr(&o)
    );

    // Without a manifest there is nothing to verify.
    let empty = tempfile::tempdir().expect("temp dir");
    let o = drsim(&["verify", empty.path().to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("manifest.json"), "{}", stderr(&o));
}
