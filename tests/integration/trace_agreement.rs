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
