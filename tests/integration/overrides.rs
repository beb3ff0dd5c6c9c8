//! `--set KEY=VALUE`: values overridden by the file's own dotted path, with
//! problems located at the flag.

use crate::support::{drsim, stderr, stdout};

#[test]
fn a_value_set_on_the_command_line_changes_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |set: &[&str]| {
        let out = dir.path().join(set.len().to_string());
        let mut args = vec![
            "run",
            "scenarios/minimal.toml",
            "-n",
            "300",
            "--no-charts",
            "--quiet",
            "--out",
            out.to_str().expect("utf-8"),
        ];
        for s in set {
            args.push("--set");
            args.push(s);
        }
        let o = drsim(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(out.join("summary.csv")).expect("summary")
    };
    let base = run(&[]);
    // A decision taking 5 h instead of the file's: every RTO is longer.
    let slow = run(&["recovery.decision_delay=\"5h\"", "targets.rto=6h"]);
    let rto_mean = |summary: &str| -> f64 {
        summary
            .lines()
            .find(|l| l.starts_with("rto_s,all,"))
            .and_then(|l| l.split(',').nth(4))
            .and_then(|m| m.parse().ok())
            .expect("rto row")
    };
    assert!(rto_mean(&slow) > rto_mean(&base) + 3.0 * 3600.0);
    assert!(
        slow.lines()
            .any(|l| l.starts_with("rto_s,all,") && l.contains(",21600.000,"))
    );
}

#[test]
fn problems_in_an_override_name_the_flag() {
    let cases = [
        // A bad value: the message of the file, located at the flag.
        (
            "link.wan.bandwidth=0 Mbps",
            "--set link.wan.bandwidth=0 Mbps: `link[0].bandwidth`: must stay above zero",
        ),
        // An unknown id: the nearest is suggested.
        (
            "link.wna.bandwidth=1Gbps",
            "no [[link]] has id `wna` (did you mean `wan`?)",
        ),
        // An unknown key: the nearest is suggested.
        (
            "recovery.decison_delay=1h",
            "did you mean `decision_delay`?",
        ),
        // A name written short: the one key it begins.
        ("recovery.decision=10m", "did you mean `decision_delay`?"),
        // A key inside a plain value: set the value whole.
        (
            "vm.app1.churn.rate=1 MB/s",
            "`churn` is a value, not a table: set it whole, e.g. --set vm.app1.churn=VALUE",
        ),
        // Not KEY=VALUE.
        ("recovery.decision_delay", "write KEY=VALUE"),
    ];
    for (set, expected) in cases {
        let o = drsim(&["validate", "scenarios/minimal.toml", "--set", set]);
        assert_eq!(o.status.code(), Some(2), "{set}");
        assert!(stderr(&o).contains(expected), "{set}: {}", stderr(&o));
    }
}

#[test]
fn problems_elsewhere_keep_their_place_in_the_file() {
    // The fixture's error is at line 28; the override inserts a line above it
    // (a key the site did not have), and the error still points at line 28.
    let file = "tests/fixtures/invalid/unknown-group.toml";
    let plain = drsim(&["validate", file]);
    let with = drsim(&["validate", file, "--set", "site.dc.name=\"Datacenter\""]);
    assert_eq!(with.status.code(), Some(2));
    let line = |o: &std::process::Output| {
        stderr(o)
            .lines()
            .find(|l| l.contains("`vm[0].group`"))
            .map(str::to_string)
            .expect("the group error")
    };
    assert_eq!(line(&plain), line(&with));
    assert!(
        line(&with).contains(&format!("{file}:28:")),
        "{}",
        line(&with)
    );
    // A valid override is part of the provenance.
    let o = drsim(&[
        "validate",
        "scenarios/minimal.toml",
        "--set",
        "targets.rto=3h",
    ]);
    assert!(
        stdout(&o).contains("--set targets.rto=3h) is valid"),
        "{}",
        stdout(&o)
    );
}
