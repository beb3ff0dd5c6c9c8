//! Sensitivity: a planted dominant input ranks first, an input that cannot
//! affect a metric ranks near zero, and sensitivity.csv carries every input.

use drsim::analysis::sensitivity;
use drsim::metrics::metrics_for;
use drsim::stats::Collector;

use crate::support::{drsim, outcomes, scenario, stderr, stdout};

/// The decision delay spreads over hours; every other duration is nearly
/// fixed. Outages last long enough that no disaster is ridden out, and the
/// failover uses the latest processed point, so churn cannot change the RTO.
const PLANTED: &str = r#"
[simulation]
replications = 600
seed = 3
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
bandwidth = "1 Gbps"
[[group]]
id = "db"
[[group]]
id = "web"
[[vm]]
id = "db1"
group = "db"
disk_size = "100 GB"
churn = { dist = "uniform", min = "100 KB/s", max = "2 MB/s" }
boot_time = { dist = "uniform", min = "10m", max = "11m" }
[[vm]]
id = "web1"
group = "web"
disk_size = "50 GB"
churn = "200 KB/s"
boot_time = { dist = "uniform", min = "5m", max = "5m30s" }
[[outage]]
kind = "site"
site = "dc"
duration = { dist = "uniform", min = "3d", max = "10d" }
[recovery]
detection_delay = { dist = "uniform", min = "5m", max = "6m" }
decision_delay = { dist = "uniform", min = "0s", max = "5h" }
[targets]
rto = "3h"
rpo = "15m"
"#;

#[test]
fn a_planted_dominant_input_ranks_first_and_an_irrelevant_one_near_zero() {
    let s = scenario(PLANTED);
    let mut collector = Collector::new(metrics_for(&s));
    for o in outcomes(&s, 600, 3) {
        collector.push(&o);
    }
    let all = sensitivity::for_run(&collector, &s);
    let rto = all
        .iter()
        .find(|x| x.metric.column() == "rto_s")
        .expect("RTO ranked");
    let first = &rto.entries[0];
    assert_eq!(first.input, "decision_delay", "{:?}", rto.entries);
    assert!(first.measure.expect("varies") > 0.9, "{first:?}");
    assert_eq!(first.rank, Some(1));
    // The outage's length could move the RTO (a ride-out's), but no
    // disaster here is ridden out: near zero.
    let e = rto
        .entries
        .iter()
        .find(|e| e.input == "outage_duration")
        .expect("listed");
    let m = e.measure.expect("varies");
    assert!(
        m.abs() < 0.1,
        "the outage's length does not move the RTO: {m}"
    );
    // Churn has no path to the RTO (no VM fails over to `latest`): listed,
    // not ranked; it is ranked for the RPO.
    let churn = rto
        .entries
        .iter()
        .find(|e| e.input == "churn_db1")
        .expect("listed");
    assert_eq!((churn.measure, churn.rank), (None, None));
    assert_eq!(churn.status, sensitivity::Status::NoPath);
    let rpo = all
        .iter()
        .find(|x| x.metric.column() == "rpo_s")
        .expect("RPO ranked");
    let ranked: Vec<&str> = rpo
        .entries
        .iter()
        .filter(|e| e.rank.is_some())
        .map(|e| e.input.as_str())
        .collect();
    assert_eq!(ranked, ["churn_db1"], "only churn reaches the RPO here");
    // Fixed inputs are listed without a measure or rank, after the ranked ones.
    let fixed = rto
        .entries
        .iter()
        .find(|e| e.input == "churn_web1")
        .expect("listed");
    assert_eq!((fixed.measure, fixed.rank), (None, None));
    // Missing the RTO target is driven by the decision too.
    let missed = all
        .iter()
        .find(|x| x.metric.column() == "rto_missed")
        .expect("some missed, some met");
    assert_eq!(missed.entries[0].input, "decision_delay");
}

#[test]
fn sensitivity_csv_ranks_every_input_and_the_run_says_what_matters() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("planted.toml");
    std::fs::write(&file, PLANTED).expect("write");
    let out = dir.path().join("out");
    let o = drsim(&[
        "run",
        file.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("sensitivity.csv")).expect("sensitivity.csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("metric,population,input,measure,rank,replications,status,description")
    );
    let rto: Vec<Vec<&str>> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[0] == "rto_s")
        .collect();
    assert_eq!(rto[0][2], "decision_delay");
    assert_eq!(rto[0][4], "1");
    let ranks: Vec<usize> = rto.iter().filter_map(|r| r[4].parse().ok()).collect();
    assert_eq!(
        ranks,
        (1..=ranks.len()).collect::<Vec<_>>(),
        "ranks in order"
    );
    assert!(
        stdout(&o).contains("The RTO over all outages depends most on decision_delay"),
        "{}",
        stdout(&o)
    );
    let html = std::fs::read_to_string(out.join("report.html")).expect("report");
    assert!(html.contains("<h2>Which inputs matter</h2>"));
    assert!(html.contains("id=\"chart-rto-sensitivity\""));
}

#[test]
fn inputs_acting_only_in_declared_disasters_are_measured_within_them() {
    // Outages of 1 to 5 h, ridden out when expected under 3 h: ride-outs have
    // the outage as their RTO and run no steps, declared disasters run a plan
    // whose step takes 10 to 60 min. Over every outage, a ride-out's short
    // RTO with no steps would give the step a sign of its own making; within
    // declared disasters, the RTO rises with the step.
    let text = PLANTED
        .replace(
            "duration = { dist = \"uniform\", min = \"3d\", max = \"10d\" }",
            "duration = { dist = \"uniform\", min = \"1h\", max = \"5h\" }",
        )
        .replace(
            "decision_delay = { dist = \"uniform\", min = \"0s\", max = \"5h\" }",
            "decision_delay = \"10m\"\ndeclare_if_expected_longer_than = \"3h\"",
        )
        .replace(
            "id = \"web\"\n",
            "id = \"web\"\npre = [{ name = \"check\", duration = { dist = \"uniform\", min = \"10m\", max = \"60m\" } }]\n",
        );
    let s = scenario(&text);
    let mut collector = Collector::new(metrics_for(&s));
    let outcomes = outcomes(&s, 600, 5);
    let declared = outcomes.iter().filter(|o| o.declared).count();
    assert!(
        (100..500).contains(&declared),
        "both kinds of outage: {declared}"
    );
    for o in &outcomes {
        collector.push(o);
    }
    let all = sensitivity::for_run(&collector, &s);
    let rto = all
        .iter()
        .find(|x| x.metric.column() == "rto_s")
        .expect("RTO ranked");
    assert_eq!(rto.over, drsim::scenario::Population::All);
    let steps = rto
        .entries
        .iter()
        .find(|e| e.input == "plan_steps")
        .expect("listed");
    assert_eq!(steps.over, drsim::scenario::Population::Declared);
    assert_eq!(steps.count, declared);
    assert!(steps.measure.expect("ranked") > 0.3, "{steps:?}");
    assert!(
        steps
            .reading(rto.metric)
            .expect("ranked")
            .contains("rises as `plan_steps` grows, within declared disasters")
    );
    // The outage's length acts in every outage: measured over all of them.
    let outage = rto
        .entries
        .iter()
        .find(|e| e.input == "outage_duration")
        .expect("listed");
    assert_eq!(outage.over, drsim::scenario::Population::All);
    assert_eq!(outage.count, 600);
}
