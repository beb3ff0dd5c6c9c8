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
    for irrelevant in ["churn_db1", "outage_duration"] {
        let e = rto
            .entries
            .iter()
            .find(|e| e.input == irrelevant)
            .expect("listed");
        let m = e.measure.expect("varies");
        assert!(m.abs() < 0.1, "{irrelevant} cannot move the RTO: {m}");
    }
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
        Some("metric,population,input,measure,rank,replications,description")
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
