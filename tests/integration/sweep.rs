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
        // Enough process servers that the link is what binds (with the
        // scenario's two, the RPO stops improving above 400 Mbps).
        "--set",
        "replication.process_servers=6",
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
        // Empty where every replication was over capacity: no finite RPO.
        let p95 = |r: &[String]| {
            let cell = &r[col("p95")];
            if cell.is_empty() {
                f64::INFINITY
            } else {
                cell.parse::<f64>().expect("p95")
            }
        };
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

/// `sweep --shard I/N` runs a slice of the grid's points; `merge` of the N
/// slices writes exactly the files of one sweep, and refuses slices of
/// different sweeps or an incomplete set.
#[test]
fn sweep_shards_merge_into_exactly_the_single_sweep() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let sweep = |out: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "scenarios/minimal.toml",
            "--vary",
            "link.wan.bandwidth=50Mbps..250Mbps:5",
            "-n",
            "120",
            "--quiet",
            "--out",
            out.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        let o = drsim(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    let single = tmp.path().join("single");
    sweep(&single, &[]);
    // Every file byte for byte; the manifests differ only in when and by
    // which command line they were written.
    let recipe = |dir: &std::path::Path| {
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("manifest.json")).expect("manifest"),
        )
        .expect("JSON");
        (
            m["arguments"].clone(),
            m["outputs"].clone(),
            m["scenarios"].clone(),
        )
    };
    let files = |dir: &std::path::Path| {
        let mut names: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .expect("dir")
            .map(|e| e.expect("entry"))
            .filter(|e| e.file_name() != "manifest.json")
            .map(|e| {
                let bytes = std::fs::read(e.path()).expect("read");
                (e.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        names.sort();
        names
    };
    let expected = files(&single);
    assert!(expected.iter().any(|(n, _)| n == "sweep-rpo.png"));
    // 5 points in 3 shards (2, 1, 2 points) and in 5 shards of one point.
    for (count, threads) in [(3, "1"), (5, "2")] {
        let dirs: Vec<String> = (1..=count)
            .map(|i| {
                let dir = tmp.path().join(format!("s{count}-{i}"));
                sweep(
                    &dir,
                    &["--threads", threads, "--shard", &format!("{i}/{count}")],
                );
                dir.to_str().expect("utf-8").to_string()
            })
            .rev()
            .collect();
        let merged = tmp.path().join(format!("merged-{count}"));
        let mut args = vec!["merge", "--quiet", "--out", merged.to_str().expect("utf-8")];
        args.extend(dirs.iter().map(String::as_str));
        let o = drsim(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            files(&merged) == expected,
            "{count} shards differ from the single sweep"
        );
        let (arguments, outputs, scenarios) = recipe(&merged);
        let (single_arguments, single_outputs, single_scenarios) = recipe(&single);
        assert_eq!(outputs, single_outputs);
        assert_eq!(scenarios, single_scenarios);
        // The same sweep, but for --threads (never recorded).
        assert_eq!(arguments, single_arguments);
    }
    // Another seed, and a missing shard, are refused (exit 2, named).
    let other = tmp.path().join("other-seed");
    sweep(&other, &["--shard", "3/3", "--seed", "99"]);
    let dir = |name: &str| tmp.path().join(name).to_str().expect("utf-8").to_string();
    let refused = tmp.path().join("refused");
    let refused = refused.to_str().expect("utf-8");
    for (shards, why) in [
        (vec![dir("s3-1"), dir("s3-2"), dir("other-seed")], "seed"),
        (
            vec![dir("s3-1"), dir("s3-3")],
            "shard 2/3 is missing: every shard 1/3 to 3/3 is needed",
        ),
    ] {
        let mut args = vec!["merge", "--quiet", "--out", refused];
        args.extend(shards.iter().map(String::as_str));
        let o = drsim(&args);
        assert_eq!(o.status.code(), Some(2), "{why}");
        assert!(stderr(&o).contains(why), "{why}: {}", stderr(&o));
        assert!(!std::path::Path::new(refused).exists(), "nothing written");
    }
    // One protocol: each shard's manifest says what it is, and merge goes by
    // it. A run's shard among a sweep's, a whole sweep, or a shard whose file
    // changed since it was written are refused, named; verify sends a shard
    // to merge.
    let run_shard = tmp.path().join("run-shard");
    let o = drsim(&[
        "run",
        "scenarios/minimal.toml",
        "-q",
        "-n",
        "20",
        "--shard",
        "1/3",
        "--out",
        run_shard.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("s3-1/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["study"], "sweep");
    assert_eq!(manifest["shard"], "1/3");
    assert_eq!(manifest["outputs"][0]["file"], "sweep-shard.json");
    let tampered = tmp.path().join("tampered");
    std::fs::create_dir_all(&tampered).expect("dir");
    for f in ["manifest.json", "sweep-shard.json"] {
        std::fs::copy(tmp.path().join("s3-3").join(f), tampered.join(f)).expect("copy");
    }
    let shard_file = tampered.join("sweep-shard.json");
    let text = std::fs::read_to_string(&shard_file).expect("read");
    std::fs::write(
        &shard_file,
        text.replacen("\"point\": 4", "\"point\": 5", 1),
    )
    .expect("write");
    for (shards, why) in [
        (
            vec![dir("s3-1"), dir("s3-2"), dir("run-shard")],
            "shard of a sweep",
        ),
        (
            vec![dir("s3-1"), dir("single")],
            "holds a whole sweep, not a shard",
        ),
        (
            vec![dir("s3-1"), dir("s3-2"), dir("tampered")],
            "changed since the sweep shard wrote it",
        ),
    ] {
        let mut args = vec!["merge", "--quiet", "--out", refused];
        args.extend(shards.iter().map(String::as_str));
        let o = drsim(&args);
        assert_eq!(o.status.code(), Some(2), "{why}: {}", stderr(&o));
        assert!(stderr(&o).contains(why), "{why}: {}", stderr(&o));
        assert!(!std::path::Path::new(refused).exists(), "nothing written");
    }
    let o = drsim(&["verify", &dir("s3-2")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("holds shard 2/3 of a sweep: merge the shards"),
        "{}",
        stderr(&o)
    );
}

/// The distinct x positions of the circles in an SVG chart, sorted.
fn circle_xs(svg: &str) -> Vec<f64> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let mut xs: Vec<f64> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .filter_map(|n| n.attribute("cx")?.parse().ok())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    xs
}

#[test]
fn uneven_values_sit_at_their_distances_and_a_grid_draws_a_series_per_other_value() {
    // Before: 5m, 15m, 1h and 3h were evenly spaced, and a two-key grid was
    // one line joining its points in grid order.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "sweep",
        "scenarios/three-tier.toml",
        "--vary",
        "recovery.decision_delay=5m,15m,1h,3h",
        "--vary",
        "link.expressroute.bandwidth=50Mbps,200Mbps",
        "-n",
        "100",
        "--out",
        out,
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("sweep-rto.svg")).expect("chart");
    assert!(
        svg.contains("recovery.decision_delay (m, log scale)"),
        "{svg}"
    );
    let xs = circle_xs(&svg);
    assert_eq!(xs.len(), 4, "four values of the delay: {xs:?}");
    // On a log axis the gaps are as log(15/5) : log(60/15) : log(180/60).
    let gaps: Vec<f64> = xs.windows(2).map(|w| w[1] - w[0]).collect();
    let want = [3f64.ln(), 4f64.ln(), 3f64.ln()];
    for (g, w) in gaps.iter().zip(want) {
        let ratio = g / gaps[0];
        assert!((ratio - w / want[0]).abs() < 0.02, "gaps {gaps:?}");
    }
    for bandwidth in ["50Mbps", "200Mbps"] {
        assert!(
            svg.contains(&format!("p95 link.expressroute.bandwidth={bandwidth}")),
            "a series per bandwidth: {svg}"
        );
    }
}
