//! `drsim trace -k K` reports exactly row K of `replications.csv` (same seed).

use crate::support::{drsim, stderr, stdout};

#[test]
fn trace_and_run_agree_on_every_metric() {
    for scenario in ["scenarios/three-tier.toml", "scenarios/reference-50vm.toml"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().to_str().expect("utf-8 path");
        let o = drsim(&[
            "run",
            scenario,
            "--quiet",
            "--replications",
            "40",
            "--seed",
            "11",
            "--out",
            out,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let csv = std::fs::read_to_string(dir.path().join("replications.csv")).expect("csv");
        let rows: Vec<&str> = csv.lines().collect();
        for k in [0usize, 7, 23, 39] {
            let o = drsim(&[
                "trace",
                scenario,
                "--replication",
                &k.to_string(),
                "--seed",
                "11",
                // The narration is what is compared; charts would land in results/.
                "--no-charts",
            ]);
            assert!(o.status.success(), "{}", stderr(&o));
            let text = stdout(&o);
            let lines: Vec<&str> = text.lines().collect();
            let n = lines.len();
            assert_eq!(lines[n - 2], rows[0], "header differs");
            assert_eq!(lines[n - 1], rows[k + 1], "row {k} differs");
            assert!(text.contains("OUTAGE"), "the narration names the outage");
            let closed_column = rows[0]
                .split(',')
                .position(|c| c == "cycle_closed")
                .expect("column");
            let closed = rows[k + 1].split(',').nth(closed_column) == Some("1");
            assert_eq!(
                text.contains("cycle closed"),
                closed,
                "the narration ends as the row says"
            );
        }
    }
}

#[test]
fn the_trace_starts_near_the_outage_and_every_timestamp_has_one_format() {
    let args = [
        "trace",
        "scenarios/bandwidth-contention.toml",
        "--replication",
        "2",
        "--no-charts",
    ];
    let short = crate::support::drsim(&args);
    assert!(short.status.success());
    let short = crate::support::stdout(&short);
    let mut full_args = args.to_vec();
    full_args.push("--full");
    let full = crate::support::stdout(&crate::support::drsim(&full_args));
    let log = |text: &str| -> Vec<String> {
        text.lines()
            .take_while(|l| !l.is_empty())
            .skip(1)
            .map(str::to_string)
            .collect()
    };
    let (short_log, full_log) = (log(&short), log(&full));
    let churn = |lines: &[String]| lines.iter().filter(|l| l.contains(": churn now")).count();
    assert!(
        churn(&full_log) > churn(&short_log) + 100,
        "--full lists every change"
    );
    let summary = short_log
        .iter()
        .find(|l| l.contains("churn changes from"))
        .expect("the summary line");
    let hidden: usize = summary
        .split('(')
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert_eq!(churn(&full_log), churn(&short_log) + hidden, "{summary}");
    // Every line opens with t0+HH:MM:SS.mmm (or t0-, or days), then the clock.
    for line in &short_log {
        let stamp = line.split_whitespace().next().expect("a timestamp");
        let clock = stamp.trim_start_matches("t0+").trim_start_matches("t0-");
        assert!(
            stamp.starts_with("t0+") || stamp.starts_with("t0-"),
            "{line}"
        );
        let hms = clock.rsplit(' ').next().unwrap_or(clock);
        let digits: Vec<&str> = hms.split([':', '.']).collect();
        assert!(
            digits.len() == 4 && digits[3].len() == 3 || stamp.ends_with('d'),
            "{line}"
        );
    }
}

#[test]
fn a_replication_past_the_run_is_refused() {
    // minimal.toml runs 2,000 replications: row 1999 exists, row 2000 does not.
    let past = drsim(&[
        "trace",
        "scenarios/minimal.toml",
        "--replication",
        "2000",
        "--no-charts",
    ]);
    assert_eq!(past.status.code(), Some(2));
    assert!(
        stderr(&past).contains("the run has replications 0 to 1999"),
        "{}",
        stderr(&past)
    );
    assert!(stdout(&past).is_empty(), "nothing narrated");
    let last = drsim(&[
        "trace",
        "scenarios/minimal.toml",
        "--replication",
        "1999",
        "--no-charts",
    ]);
    assert!(last.status.success(), "{}", stderr(&last));
    // A run of more replications is traced by saying so.
    let more = drsim(&[
        "trace",
        "scenarios/minimal.toml",
        "--replication",
        "2000",
        "-n",
        "5000",
        "--no-charts",
    ]);
    assert!(more.status.success(), "{}", stderr(&more));
}
