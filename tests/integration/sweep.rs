//! `drsim sweep`: a grid of values on common random numbers.

use crate::support::{csv_column, drsim, stderr, stdout};

#[test]
fn a_bandwidth_sweep_improves_the_rpo_and_draws_the_target() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "sweep",
        "scenarios/bandwidth-contention.toml",
        "--vary",
        "link.vpn.bandwidth=200Mbps..600Mbps:5",
        "-n",
        "300",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("point 5 link.vpn.bandwidth=\"600 Mbps\""));
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).expect("sweep.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        &header[..4],
        ["point", "link.vpn.bandwidth", "metric", "population"]
    );
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let rpo: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter(|r| r[col("metric")] == "rpo_s")
        .collect();
    assert_eq!(rpo.len(), 5, "one RPO row per point");
    // Common random numbers: more bandwidth never worsens the RPO's p95 or the
    // share meeting the target.
    for pair in rpo.windows(2) {
        let p95 = |r: &[String]| r[col("p95")].parse::<f64>().expect("p95");
        let met = |r: &[String]| r[col("fraction_meeting")].parse::<f64>().expect("met");
        assert!(p95(&pair[1]) <= p95(&pair[0]) + 1e-9, "{pair:?}");
        assert!(met(&pair[1]) >= met(&pair[0]) - 1e-9, "{pair:?}");
    }
    assert_eq!(rpo[0][col("verdict")], "missed");
    assert_eq!(rpo[4][col("verdict")], "met");
    let svg = std::fs::read_to_string(dir.path().join("sweep-rpo.svg")).expect("chart");
    assert!(
        svg.contains("target 15m00s"),
        "the target is drawn and named"
    );
}

#[test]
fn a_bad_vary_names_the_flag() {
    let o = drsim(&[
        "sweep",
        "scenarios/minimal.toml",
        "--vary",
        "link.wan.bandwidth=1Mbps..2GB:3",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--vary"), "{}", stderr(&o));
    let o = drsim(&[
        "sweep",
        "scenarios/minimal.toml",
        "--vary",
        "link.nope.bandwidth=1Gbps",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no [[link]] has id `nope`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn more_bandwidth_never_worsens_the_rpo_of_any_replication() {
    // What a sweep does at each point: the same seed, one key changed. With
    // common random numbers each replication sees the same churn and outage at
    // every point, so the comparison holds replication by replication.
    let dir = tempfile::tempdir().expect("temp dir");
    let rpo_at = |mbps: u32| {
        let out = dir.path().join(format!("bw{mbps}"));
        let o = drsim(&[
            "run",
            "scenarios/bandwidth-contention.toml",
            "-n",
            "200",
            "--no-charts",
            "-q",
            "--set",
            &format!("link.vpn.bandwidth={mbps} Mbps"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        csv_column(&out.join("replications.csv"), "rpo_s")
    };
    let (slow, mid, fast) = (rpo_at(200), rpo_at(300), rpo_at(600));
    let mut improved = 0;
    for (lower, higher) in [(&slow, &mid), (&mid, &fast)] {
        assert_eq!(lower.len(), higher.len());
        for (i, (a, b)) in lower.iter().zip(higher.iter()).enumerate() {
            if let (Some(a), Some(b)) = (a, b) {
                assert!(b <= &(a + 1e-9), "replication {}: {a} s then {b} s", i + 1);
                improved += usize::from(b < a);
            }
        }
    }
    assert!(improved > 0, "the bandwidth mattered somewhere");
}
