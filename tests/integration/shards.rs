//! `run --shard I/N` and `merge`: the shards of a run merge into exactly the
//! files one process writes, for any split and thread count; shards that do
//! not belong together are refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{drsim, repo, stderr};

fn run(out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        "scenarios/three-tier.toml",
        "--quiet",
        "--per-vm",
        "--out",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let o = drsim(&args);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

/// Runs shards 1 to `count` of a run into `<prefix>-1`, `<prefix>-2`, ...
fn run_shards(prefix: &Path, count: usize, extra: &[&str]) -> Vec<PathBuf> {
    (1..=count)
        .map(|i| {
            let dir = PathBuf::from(format!("{}-{i}", prefix.display()));
            let shard = format!("{i}/{count}");
            let mut args = extra.to_vec();
            args.extend(["--shard", shard.as_str()]);
            run(&dir, &args);
            dir
        })
        .collect()
}

fn merge(out: &Path, shards: &[PathBuf]) -> std::process::Output {
    let mut args = vec!["merge", "--quiet", "--out", out.to_str().expect("utf-8")];
    args.extend(shards.iter().map(|p| p.to_str().expect("utf-8")));
    drsim(&args)
}

/// Every file but the manifest, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry"))
        .filter(|e| e.file_name() != "manifest.json")
        .map(|e| {
            let bytes = std::fs::read(e.path()).expect("read");
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn merged_shards_equal_a_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let single = tmp.path().join("single");
    // 301 replications: no split below is even.
    run(&single, &["-n", "301", "--threads", "2"]);
    let expected = files(&single);
    assert!(expected.iter().any(|(n, _)| n == "report.html"));
    for (count, threads) in [(1, "1"), (3, "2"), (4, "1"), (4, "2"), (7, "2")] {
        let prefix = tmp.path().join(format!("n{count}-t{threads}"));
        let mut shards = run_shards(&prefix, count, &["-n", "301", "--threads", threads]);
        shards.reverse(); // given in any order
        let merged = tmp.path().join(format!("merged-{count}-{threads}"));
        let o = merge(&merged, &shards);
        assert!(o.status.success(), "{}", stderr(&o));
        let got = files(&merged);
        let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got), names(&expected), "N = {count}");
        for ((name, a), (_, b)) in got.iter().zip(&expected) {
            assert!(
                a == b,
                "N = {count}, {threads} threads: {name} differs from the single run"
            );
        }
        let manifest = std::fs::read_to_string(merged.join("manifest.json")).expect("manifest");
        assert!(
            manifest.contains("\"merged_shards\"")
                && manifest.contains(&format!("\"{count}/{count}\""))
        );
    }
    // The merged run verifies as a whole run.
    let merged = tmp.path().join("merged-4-2");
    let o = drsim(&["verify", merged.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn shards_that_do_not_belong_together_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let shard = |name: &str, extra: &[&str]| {
        let dir = tmp.path().join(name);
        let n: &[&str] = if extra.contains(&"-n") {
            &[]
        } else {
            &["-n", "60"]
        };
        run(&dir, &[n, extra].concat());
        dir
    };
    let s1 = shard("s1", &["--shard", "1/3"]);
    let s2 = shard("s2", &["--shard", "2/3"]);
    let s3 = shard("s3", &["--shard", "3/3"]);
    let other_seed = shard("seed", &["--shard", "3/3", "--seed", "9"]);
    let other_set = shard("set", &["--shard", "3/3", "--set", "targets.rto=\"3h\""]);
    let other_n = shard("n", &["--shard", "3/3", "-n", "61"]);
    let other_scenario = tmp.path().join("other");
    let o = drsim(&[
        "run",
        "scenarios/maintenance-window.toml",
        "-q",
        "--per-vm",
        "-n",
        "60",
        "--shard",
        "3/3",
        "--out",
        other_scenario.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = tmp.path().join("merged");
    for (shards, expected) in [
        (vec![&s1, &s2, &other_seed], "seed"),
        (vec![&s1, &s2, &other_set], "overrides"),
        (vec![&s1, &s2, &other_n], "replications"),
        (vec![&s1, &s2, &other_scenario], "scenario"),
        (
            vec![&s1, &s2],
            "shard 3/3 is missing: every shard 1/3 to 3/3 is needed",
        ),
        (vec![&s1, &s2, &s2, &s3], "2/3 is given twice"),
    ] {
        let shards: Vec<PathBuf> = shards.into_iter().cloned().collect();
        let o = merge(&out, &shards);
        assert_eq!(o.status.code(), Some(2), "{expected}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("cannot merge") && stderr(&o).contains(expected),
            "{expected}: {}",
            stderr(&o)
        );
        assert!(!out.exists(), "a refused merge writes nothing");
    }
    // Merging into a shard's own directory would replace it.
    let o = merge(&s1, &[s1.clone(), s2.clone(), s3.clone()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("own directory"), "{}", stderr(&o));
    // A shard's file changed after the run is caught.
    std::fs::write(s2.join("replications.csv"), "replication\n").expect("write");
    let o = merge(&out, &[s1, s2, s3]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("changed since the run"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn shard_auto_reads_slurm_and_kubernetes_indices() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let by_flag = tmp.path().join("flag");
    run(&by_flag, &["-n", "40", "--shard", "2/4"]);
    let auto = |dir: &Path, env: &[(&str, &str)], extra: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_drsim"));
        c.args([
            "run",
            "scenarios/three-tier.toml",
            "-q",
            "--per-vm",
            "-n",
            "40",
            "--shard",
            "auto",
        ])
        .args(extra)
        .args(["--out", dir.to_str().expect("utf-8")])
        .current_dir(repo())
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("JOB_COMPLETION_INDEX");
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().expect("runs")
    };
    let rows = |dir: &Path| std::fs::read(dir.join("replications.csv")).expect("rows");
    // An array --array=1-4 (starts at 1) and a Kubernetes Indexed Job.
    let slurm = tmp.path().join("slurm");
    let o = auto(
        &slurm,
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&slurm), rows(&by_flag));
    let k8s = tmp.path().join("k8s");
    let o = auto(&k8s, &[("JOB_COMPLETION_INDEX", "1")], &["--shards", "4"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&k8s), rows(&by_flag));
    let o = auto(&tmp.path().join("none"), &[], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("neither is set"), "{}", stderr(&o));
}

#[test]
fn more_shards_than_replications_still_merge_exactly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let single = tmp.path().join("single");
    run(&single, &["-n", "2", "--no-charts"]);
    let shards: Vec<PathBuf> = (1..=4)
        .map(|i| {
            let dir = tmp.path().join(format!("s{i}"));
            run(
                &dir,
                &["-n", "2", "--no-charts", "--shard", &format!("{i}/4")],
            );
            dir
        })
        .collect();
    let merged = tmp.path().join("merged");
    let mut args = vec![
        "merge",
        "--quiet",
        "--no-charts",
        "--out",
        merged.to_str().expect("utf-8"),
    ];
    args.extend(shards.iter().map(|p| p.to_str().expect("utf-8")));
    let o = drsim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        files(&merged) == files(&single),
        "2 replications in 4 shards differ from one run"
    );
}

/// Past `--exact-up-to` the summaries come from mergeable streams: still the
/// same bytes for any thread count and any split, and the merge verifies.
#[test]
fn runs_past_exact_up_to_merge_exactly_for_any_split_and_thread_count() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let keep = ["--exact-up-to", "40"];
    let single = tmp.path().join("single");
    run(&single, &["-n", "301", "--threads", "1", keep[0], keep[1]]);
    let expected = files(&single);
    let two_threads = tmp.path().join("two-threads");
    run(
        &two_threads,
        &["-n", "301", "--threads", "2", keep[0], keep[1]],
    );
    assert!(files(&two_threads) == expected, "2 threads differ from 1");
    // The exact run differs (its percentiles are exact) but counts agree.
    let exact = tmp.path().join("exact");
    run(&exact, &["-n", "301"]);
    let summary = |dir: &Path| std::fs::read_to_string(dir.join("summary.csv")).expect("summary");
    assert_ne!(summary(&exact), summary(&single));
    let counts = |text: String| -> Vec<String> {
        text.lines()
            .map(|l| l.split(',').take(4).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_eq!(counts(summary(&exact)), counts(summary(&single)));
    for (count, threads) in [(3, "2"), (4, "1"), (9, "2")] {
        let shards = run_shards(
            &tmp.path().join(format!("n{count}")),
            count,
            &["-n", "301", "--threads", threads, keep[0], keep[1]],
        );
        let merged = tmp.path().join(format!("merged-{count}"));
        let o = merge(&merged, &shards);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            files(&merged) == expected,
            "N = {count}: differs from the single run"
        );
    }
    let o = drsim(&[
        "verify",
        tmp.path().join("merged-3").to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Shards kept with another --exact-up-to do not belong together.
    let other = tmp.path().join("other-keep");
    run(
        &other,
        &["-n", "301", "--shard", "3/3", "--exact-up-to", "41"],
    );
    let o = merge(
        &tmp.path().join("refused"),
        &[tmp.path().join("n3-1"), tmp.path().join("n3-2"), other],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--exact-up-to"), "{}", stderr(&o));
}
