//! `drsim compare`: paired differences on common random numbers.

use crate::support::{drsim, stderr};

fn compare_rows(dir: &std::path::Path) -> Vec<Vec<String>> {
    let csv = std::fs::read_to_string(dir.join("compare.csv")).expect("compare.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "metric,population,pairs,mean_a,mean_b,difference,difference_ci95_low,difference_ci95_high,share_b_lower"
        )
    );
    lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn a_plan_compared_with_itself_differs_by_exactly_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "compare",
        "scenarios/three-tier.toml",
        "scenarios/three-tier.toml",
        "-n",
        "300",
        "--quiet",
        "--no-charts",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = compare_rows(dir.path());
    assert!(rows.len() >= 5);
    for r in rows {
        assert_eq!(&r[5..8], ["0.000", "0.000", "0.000"], "{r:?}");
    }
}

#[test]
fn doubling_the_bandwidth_lowers_the_rpo_beyond_doubt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "compare",
        "scenarios/bandwidth-contention.toml",
        "scenarios/bandwidth-contention.toml",
        "--set-b",
        "link.vpn.bandwidth=\"700 Mbps\"",
        "-n",
        "500",
        "--quiet",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = compare_rows(dir.path());
    let rpo = rows.iter().find(|r| r[0] == "rpo_s").expect("rpo row");
    let (diff, hi): (f64, f64) = (rpo[5].parse().expect("diff"), rpo[7].parse().expect("hi"));
    assert!(
        diff < 0.0 && hi < 0.0,
        "B's RPO is lower, the interval excludes 0: {rpo:?}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("report");
    assert!(html.contains("id=\"comparison\"") && html.contains("id=\"chart-compare-rpo\""));
}

/// Column `name` of a run's replications.csv, `None` where empty.
fn column(dir: &std::path::Path, name: &str) -> Vec<Option<f64>> {
    let csv = std::fs::read_to_string(dir.join("replications.csv")).expect("replications.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let at = header.iter().position(|h| *h == name).expect("column");
    lines
        .map(|l| l.split(',').nth(at).and_then(|v| v.parse().ok()))
        .collect()
}

#[test]
fn pairs_line_up_replication_by_replication_when_the_plans_declare_differently() {
    // B decides later, so some outages one plan declares the other rides out:
    // the RPO (over declared disasters) is paired only where both declared,
    // replication k of A with replication k of B.
    let runs: Vec<tempfile::TempDir> = ["", "recovery.decision_delay=\"30m\""]
        .iter()
        .map(|set| {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut args = vec!["run", "scenarios/three-tier.toml", "-n", "400", "--quiet"];
            args.extend(["--no-charts", "--out", dir.path().to_str().expect("utf-8")]);
            if !set.is_empty() {
                args.extend(["--set", set]);
            }
            let o = drsim(&args);
            assert!(o.status.success(), "{}", stderr(&o));
            dir
        })
        .collect();
    // RPO of the declared disasters, None for ride-outs.
    let declared_rpo = |dir: &std::path::Path| -> Vec<Option<f64>> {
        let declared = column(dir, "disaster_declared");
        column(dir, "rpo_s")
            .into_iter()
            .zip(declared)
            .map(|(rpo, d)| rpo.filter(|_| d == Some(1.0)))
            .collect()
    };
    let (a, b) = (declared_rpo(runs[0].path()), declared_rpo(runs[1].path()));
    let pairs: Vec<f64> = a
        .iter()
        .zip(&b)
        .filter_map(|(x, y)| Some((*y)? - (*x)?))
        .collect();
    let expected = pairs.iter().sum::<f64>() / pairs.len() as f64;
    // Lining up each plan's declared replications by position instead would
    // pair different outages: a different answer, so this test tells.
    let flat = |c: &[Option<f64>]| c.iter().flatten().copied().collect::<Vec<f64>>();
    let by_position: Vec<f64> = flat(&a).iter().zip(flat(&b)).map(|(x, y)| y - x).collect();
    let misaligned = by_position.iter().sum::<f64>() / by_position.len() as f64;
    assert!(
        (misaligned - expected).abs() > 0.01,
        "the plans must declare in different replications for this test"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let o = drsim(&[
        "compare",
        "scenarios/three-tier.toml",
        "scenarios/three-tier.toml",
        "--set-b",
        "recovery.decision_delay=\"30m\"",
        "-n",
        "400",
        "--quiet",
        "--no-charts",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = compare_rows(dir.path());
    let rpo = rows.iter().find(|r| r[0] == "rpo_s").expect("rpo row");
    assert_eq!(rpo[2], pairs.len().to_string(), "{rpo:?}");
    let difference: f64 = rpo[5].parse().expect("difference");
    assert!(
        (difference - expected).abs() < 1e-3,
        "{rpo:?} vs {expected}"
    );
}

#[test]
fn a_plan_changed_with_set_b_is_named_by_its_change() {
    // Before: A and B were both called `three-tier` in the charts and the page.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&[
        "compare",
        "scenarios/three-tier.toml",
        "scenarios/three-tier.toml",
        "--set-b",
        "recovery.decision_delay=\"30m\"",
        "-n",
        "100",
        "--out",
        out,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = crate::support::stdout(&o);
    let b = "three-tier with recovery.decision_delay=\"30m\"";
    assert!(
        text.starts_with("drsim compare: A `three-tier` ("),
        "{text}"
    );
    assert!(text.contains(&format!("against B `{b}`")), "{text}");
    let page = std::fs::read_to_string(dir.path().join("report.html")).expect("page");
    let escaped = b.replace('"', "&quot;");
    assert!(
        page.contains(&format!("<h1>drsim compare: three-tier vs {escaped}</h1>")),
        "{}",
        &page[..page.len().min(2000)]
    );
    let svg = std::fs::read_to_string(dir.path().join("compare-rto.svg")).expect("chart");
    assert!(
        svg.contains("B three-tier with recovery.decision_delay="),
        "legend names B's change"
    );
}
