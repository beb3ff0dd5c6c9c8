//! `drsim size`: bisection to a known answer.

use crate::support::{csv_column, drsim, stderr, stdout};

/// One VM writing a constant 1 MB/s for an hour of history, points every
/// 5 min, processed at once. Below 1 MB/s of bandwidth the lag after the hour
/// is `L = (1 - B/c) 3600 s`, and the RPO is `L` plus the schedule's age,
/// uniform over 5 min. So RPO <= 15 min holds in a share `q` of outages when
/// `L <= 900 - q 300`: B >= c (1 - (900 - 300 q) / 3600), i.e. 6.6 Mbps for
/// 90 %, 6.633 Mbps for 95 %, 6.667 Mbps for 100 %.
const KNOWN: &str = r#"
[simulation]
replications = 2000
seed = 5
[[site]]
id = "dc"
role = "primary"
[[site]]
id = "azure"
role = "recovery"
[[link]]
id = "wan"
from = "dc"
to = "azure"
bandwidth = "100 Mbps"
[replication]
history = "1h"
crash_consistent_interval = "5m"
processing_delay = "0s"
[[group]]
id = "g"
[[vm]]
id = "vm"
group = "g"
disk_size = "100 GB"
churn = "1 MB/s"
boot_time = "5m"
[[outage]]
kind = "site"
site = "dc"
duration = "2h"
[recovery]
detection_delay = "5m"
decision_delay = "10m"
"#;

fn answer(text: &str, label: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.contains(&format!("to meet it in {label}:")))
        .unwrap_or_else(|| panic!("no answer for {label}: {text}"));
    line.split(':')
        .nth(1)
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a number in {line}"))
}

#[test]
fn sizing_the_link_converges_to_the_analytic_bandwidth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("known.toml");
    std::fs::write(&file, KNOWN).expect("write");
    let o = drsim(&[
        "size",
        file.to_str().expect("utf-8"),
        "--target",
        "rpo<=15m@95%",
        "--vary",
        "link.wan.bandwidth",
        "--between",
        "1Mbps..20Mbps",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let (p90, p95, p100) = (
        answer(&text, "90%"),
        answer(&text, "95.0%"),
        answer(&text, "100% of the sample"),
    );
    for (got, exact) in [(p90, 6.6), (p95, 6.633), (p100, 6.667)] {
        assert!(
            (got - exact).abs() <= 0.02 * exact,
            "{got} Mbps vs {exact}: {text}"
        );
    }
    assert!(p90 < p100, "the 90 % answer is below the 100 % one");
    assert!(text.contains("moved one way at every probe"), "{text}");
}

#[test]
fn a_target_out_of_range_is_said_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("known.toml");
    std::fs::write(&file, KNOWN).expect("write");
    let o = drsim(&[
        "size",
        file.to_str().expect("utf-8"),
        "--target",
        "rpo<=15m@95%",
        "--vary",
        "link.wan.bandwidth",
        "--between",
        "1Mbps..3Mbps",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("not within 1..3 Mbps"),
        "{}",
        stdout(&o)
    );
    let o = drsim(&[
        "size",
        file.to_str().expect("utf-8"),
        "--target",
        "rpo<15m",
        "--vary",
        "x",
        "--between",
        "1..2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--target"), "{}", stderr(&o));
}

#[test]
fn size_json_gives_the_same_answers_as_the_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("known.toml");
    std::fs::write(&file, KNOWN).expect("write");
    let args = |format: &str| {
        drsim(&[
            "size",
            file.to_str().expect("utf-8"),
            "--target",
            "rpo<=15m@95%",
            "--vary",
            "link.wan.bandwidth",
            "--between",
            "1Mbps..20Mbps",
            "--format",
            format,
        ])
    };
    let text = stdout(&args("text"));
    let o = args("json");
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON document");
    assert_eq!(doc["unit"], "Mbps");
    assert_eq!(doc["metric"], "RPO");
    assert_eq!(doc["higher_values_meet"], true);
    let answers = doc["answers"].as_array().expect("answers");
    for (fraction, label) in [(0.95, "95.0%"), (0.9, "90%"), (1.0, "100% of the sample")] {
        let row = answers
            .iter()
            .find(|a| a["fraction"].as_f64() == Some(fraction))
            .unwrap_or_else(|| panic!("an answer for {fraction}"));
        assert_eq!(row["value"].as_f64(), Some(answer(&text, label)), "{label}");
    }
    let probes = doc["probes"].as_array().expect("probes");
    assert!(probes.len() >= 4, "{probes:?}");
    assert!(
        probes
            .iter()
            .all(|p| p["met"].as_u64() <= p["total"].as_u64())
    );
    assert_eq!(doc["monotone"], true);
}

#[test]
fn sizing_the_decision_delay_for_an_rto_shifts_by_the_slack() {
    // Every declared outage's RTO grows minute for minute with the decision
    // delay (common random numbers: the same draws otherwise). So if the
    // slowest RTO with a 1-minute decision is M, the target RTO <= M + 30 min
    // in 100 % of outages is met up to a decision delay of 31 minutes.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("known.toml");
    std::fs::write(&file, KNOWN).expect("write");
    let out = dir.path().join("run");
    let o = drsim(&[
        "run",
        file.to_str().expect("utf-8"),
        "-n",
        "300",
        "--no-charts",
        "-q",
        "--set",
        "recovery.decision_delay=1m",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let slowest = csv_column(&out.join("replications.csv"), "rto_s")
        .into_iter()
        .flatten()
        .fold(0.0, f64::max);
    assert!(slowest > 0.0);
    let target = format!("rto<={}s@100%", slowest + 1800.0);
    let o = drsim(&[
        "size",
        file.to_str().expect("utf-8"),
        "--target",
        &target,
        "--vary",
        "recovery.decision_delay",
        "--between",
        "1m..2h",
        "-n",
        "300",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("lower values meet it"), "{text}");
    let got = answer(&text, "100.0%");
    assert!((got - 31.0).abs() <= 0.2, "{got} m: {text}");
}
