//! An estate: several recovery plans failing over together, started by a
//! limited team in priority order, sharing a link, failing back in turns.

use drsim::engine::SimDuration;
use drsim::scenario::{Scenario, ScenarioError};

use crate::fixed_arithmetic::FIXED;
use crate::support::{outcomes, scenario};

pub(crate) fn secs(d: Option<SimDuration>) -> f64 {
    d.expect("this happened").as_secs_f64()
}

/// FIXED as two plans: `a` holds group db (db1, 90 GB), `b` group web
/// (web1 and web2, 45 GB each); the primary's disks are lost, so stage 2
/// copies every disk whole over the one 100 MB/s link (the failback
/// infrastructure's rebuild after the loss set to 0, so the hand
/// computations stay with the copies).
pub(crate) fn two_plans(extra_failback: &str) -> String {
    FIXED
        .replace(
            "[[group]]\nid = \"db\"\n",
            "[[plan]]\nid = \"a\"\npriority = 1\n[[plan]]\nid = \"b\"\npriority = 2\n[[group]]\nid = \"db\"\nplan = \"a\"\n",
        )
        .replace(
            "[[group]]\nid = \"web\"\n",
            "[[group]]\nid = \"web\"\nplan = \"b\"\n",
        )
        .replace(
            "[reprotect]\n",
            "[reprotect]\nprimary_data_lost_probability = 1.0\n",
        )
        .replace(
            "[failback]\n",
            &format!("[failback]\ninfrastructure_rebuild = \"0s\"\n{extra_failback}"),
        )
}

#[test]
fn two_plans_share_the_reverse_link_and_fail_back_one_at_a_time() {
    let s = scenario(&two_plans("concurrent_plans = 1\n"));
    assert!(s.is_estate());
    for o in outcomes(&s, 3, 1) {
        let (a, b) = (&o.plans[0], &o.plans[1]);
        // Stage 1: both plans start at the declaration (15 min): db1 is up
        // at 39 min, the web VMs at 15 + 10 + 5 = 30 min (web2's disks are
        // ready at 25 min).
        assert_eq!(secs(a.rto), 39.0 * 60.0);
        assert_eq!(secs(b.rto), 30.0 * 60.0);
        assert_eq!(
            secs(o.rto),
            39.0 * 60.0,
            "the estate's RTO is the last plan's"
        );
        // Stage 2 for both at 6 h 30 min (site back at 6 h, operator 30 min):
        // full copies of 90 + 45 + 45 GB share 100 MB/s, a third each; the
        // web VMs' 45 GB are done at 1350 s, when db1 has 45 GB left, sent
        // alone at 100 MB/s by 1800 s. Processing is 0.2 of the busy time,
        // autoscale 1500 s: b's stage 2 = 1350 x 1.2 + 1500 = 3120 s, a's =
        // 1800 x 1.2 + 1500 = 3660 s.
        assert_eq!(secs(b.stage2), 3120.0);
        assert_eq!(secs(a.stage2), 3660.0);
        assert_eq!(secs(o.stage2), 3660.0, "the estate's is the longest plan's");
        assert_eq!(o.stage2_copy_bytes, 180e9);
        // Failback after a day: b's at 23,400 + 3120 + 86,400 = 112,920 s,
        // down for 180 + 300 + 300 s (shutdown, final sync, web boot) to
        // 113,700 s. a may start at 113,460 s but the one failback operator
        // is busy until 113,700 s; a is then down 180 + 300 + 900 s.
        assert_eq!(secs(b.stage3_downtime), 780.0);
        assert_eq!(secs(a.stage3_downtime), 1380.0);
        assert_eq!(secs(b.failback_wait), 86_400.0);
        assert_eq!(secs(a.failback_wait), 86_400.0 + 240.0);
        // Stage 4 after 30 min: b's checksum 1000 s + 200 s + 1500 s ends at
        // 113,700 + 1800 + 2700 = 118,200 s; a's 2000 + 400 + 1500 s after
        // 115,080 + 1800: 120,780 s, the estate's cycle.
        assert_eq!(secs(b.cycle), 118_200.0);
        assert_eq!(secs(a.cycle), 120_780.0);
        assert_eq!(secs(o.cycle), 120_780.0);
    }
    // Without the limit, a fails back as soon as it may: no wait beyond its day.
    let free = scenario(&two_plans(""));
    for o in outcomes(&free, 3, 1) {
        assert_eq!(secs(o.plans[0].failback_wait), 86_400.0);
        assert_eq!(secs(o.plans[0].cycle), 120_780.0 - 240.0);
    }
}

/// Three plans declared out of priority order, each with random step and
/// boot times, run by one operator.
fn three_plans(concurrent: &str) -> Scenario {
    let mut text = FIXED
        .replace(
            "[[group]]\nid = \"db\"\n",
            "[[plan]]\nid = \"late\"\npriority = 3\n[[plan]]\nid = \"first\"\npriority = 1\n[[plan]]\nid = \"second\"\npriority = 2\n[[group]]\nid = \"db\"\nplan = \"late\"\npre = [{ name = \"checks\", duration = { dist = \"exponential\", mean = \"10m\" } }]\n",
        )
        .replace(
            "[[group]]\nid = \"web\"\n",
            "[[group]]\nid = \"web\"\nplan = \"second\"\n[[group]]\nid = \"dc\"\nplan = \"first\"\n",
        )
        .replace(
            "boot_time = \"5m\"",
            "boot_time = { dist = \"lognormal\", median = \"5m\", p95 = \"20m\" }",
        )
        .replace("decision_delay = \"10m\"\n", &format!("decision_delay = \"10m\"\n{concurrent}"));
    text.push_str(
        "[[vm]]\nid = \"dc1\"\ngroup = \"dc\"\ndisk_size = \"40 GB\"\nchurn = \"0 B/s\"\nboot_time = { dist = \"lognormal\", median = \"6m\", p95 = \"30m\" }\n",
    );
    scenario(&text)
}

#[test]
fn one_operator_runs_the_plans_in_priority_order() {
    let s = three_plans("concurrent_plans = 1\n");
    let (late, first, second) = (0, 1, 2);
    for o in outcomes(&s, 300, 5) {
        let rto = |p: usize| o.plans[p].rto.expect("recovered");
        assert!(rto(first) < rto(second) && rto(second) < rto(late), "{o:?}");
        assert_eq!(o.rto, Some(rto(late)), "the estate's RTO is the largest");
        // Each plan starts when the one before it is done (declared at 15 min).
        let declared = SimDuration::from_secs(15 * 60);
        assert_eq!(o.plans[first].operator_wait, Some(SimDuration::ZERO));
        assert_eq!(
            o.plans[second].operator_wait,
            Some(rto(first).saturating_sub(declared))
        );
        assert_eq!(
            o.plans[late].operator_wait,
            Some(rto(second).saturating_sub(declared))
        );
        // The parts of the estate's RTO still add up to it.
        let parts = o.rto_parts.expect("failed over");
        assert_eq!(parts.total(), o.rto.expect("recovered"));
        assert_eq!(
            parts.operator_wait,
            o.plans[late].operator_wait.expect("started")
        );
    }
    // Without the limit every plan starts at the declaration.
    for o in outcomes(&three_plans(""), 50, 5) {
        assert!(
            o.plans
                .iter()
                .all(|p| p.operator_wait == Some(SimDuration::ZERO))
        );
    }
}

#[test]
fn the_estate_reports_a_column_and_a_verdict_per_plan() {
    let text = two_plans("").replace(
        "[[plan]]\nid = \"b\"\npriority = 2\n",
        "[[plan]]\nid = \"b\"\npriority = 2\nrto = \"20m\"\n",
    ) + "[targets]\nrto = \"1h\"\n";
    let s = scenario(&text);
    let names: Vec<String> = drsim::metrics::metrics_for(&s)
        .into_iter()
        .map(|m| m.name)
        .collect();
    for name in [
        "rto_plan_a_s",
        "rpo_plan_b_s",
        "data_lost_plan_a_bytes",
        "stage3_downtime_plan_b_s",
        "operator_wait_plan_a_s",
        "failback_wait_plan_b_s",
        "rto_operator_wait_s",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let targets: Vec<(String, Option<SimDuration>)> = drsim::metrics::metrics_for(&s)
        .into_iter()
        .filter(|m| m.name.starts_with("rto_plan_"))
        .map(|m| (m.name, m.target))
        .collect();
    assert_eq!(
        targets,
        [
            ("rto_plan_a_s".into(), Some(SimDuration::from_secs(3600))),
            ("rto_plan_b_s".into(), Some(SimDuration::from_secs(1200))),
        ]
    );
    // One plan: none of these columns (results stay as they were).
    let single: Vec<String> = drsim::metrics::metrics_for(&scenario(FIXED))
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert!(
        !single
            .iter()
            .any(|n| n.contains("_plan_") || n == "rto_operator_wait_s")
    );
}

pub(crate) fn errors(text: &str) -> String {
    match Scenario::from_toml(text, "estate.toml") {
        Err(ScenarioError::Invalid { diagnostics }) => diagnostics
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        Err(other) => panic!("unexpected error {other}"),
        Ok(_) => panic!("accepted:\n{text}"),
    }
}

#[test]
fn plans_are_checked_against_asr_limits_and_named_where_wrong() {
    // A group with no plan when there are two.
    let e = errors(&two_plans("").replace("id = \"web\"\nplan = \"b\"\n", "id = \"web\"\n"));
    assert!(
        e.contains("group[1].plan") && e.contains("say which one") && e.contains("a, b"),
        "{e}"
    );
    // A plan no group belongs to.
    let e = errors(&two_plans("").replace("plan = \"b\"", "plan = \"a\""));
    assert!(
        e.contains("plan[1].id") && e.contains("has no groups"),
        "{e}"
    );
    // An unknown plan.
    let e = errors(&two_plans("").replace("plan = \"b\"", "plan = \"c\""));
    assert!(e.contains("group[1].plan") && e.contains("`c`"), "{e}");
    // More than 100 VMs in one plan, though the estate may hold more.
    let big = two_plans("").replace(
        "id = \"web2\"\ngroup = \"web\"\n",
        "id = \"web2\"\ncount = 100\ngroup = \"web\"\n",
    );
    let e = errors(&big);
    assert!(e.contains("plan[1].id") && e.contains("100 VMs"), "{e}");
    // `plan` on a group without any [[plan]].
    let e = errors(&FIXED.replace(
        "[[group]]\nid = \"db\"\n",
        "[[group]]\nid = \"db\"\nplan = \"x\"\n",
    ));
    assert!(
        e.contains("group[0].plan") && e.contains("no [[plan]]"),
        "{e}"
    );
    // concurrent_plans of 0.
    let e = errors(&two_plans("concurrent_plans = 0\n"));
    assert!(
        e.contains("failback.concurrent_plans") && e.contains("at least 1"),
        "{e}"
    );
}

#[test]
fn a_vcpu_quota_leaves_the_vms_that_do_not_fit_uncreated() {
    // 8 + 4 + 4 vCPUs against a quota of 12: db1 (plan a) and web1 fit,
    // web2 does not; plan b cannot complete, plan a does.
    let text = two_plans("")
        .replace(
            "decision_delay = \"10m\"\n",
            "decision_delay = \"10m\"\nvcpu_quota = 12\n",
        )
        .replace("id = \"db1\"\n", "id = \"db1\"\ncores = 8\n")
        .replace("id = \"web1\"\n", "id = \"web1\"\ncores = 4\n")
        .replace("id = \"web2\"\n", "id = \"web2\"\ncores = 4\n");
    let s = scenario(&text);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.key == "recovery.vcpu_quota" && w.message.contains("need 16 vCPUs")),
        "{:?}",
        s.warnings
    );
    for o in outcomes(&s, 3, 1) {
        assert_eq!(o.quota_refused, 1);
        assert_eq!(secs(o.plans[0].rto), 39.0 * 60.0);
        assert_eq!(o.plans[1].rto, None);
        assert_eq!(o.rto, None, "the estate is not recovered");
        assert!(!o.closed);
    }
}

#[test]
fn an_estate_of_5000_vms_validates_and_runs() {
    // 50 plans of 100 VMs on one link: drsim's bound is 10,000 VMs.
    let mut text = FIXED
        .split("[[group]]")
        .next()
        .expect("head")
        .replace("bandwidth = \"800 Mbps\"", "bandwidth = \"1 Gbps\"")
        .replace("[replication]\n", "[replication]\nprocess_servers = 3\n");
    for p in 0..50 {
        text.push_str(&format!(
            "[[plan]]\nid = \"p{p}\"\npriority = {p}\n[[group]]\nid = \"g{p}\"\nplan = \"p{p}\"\n[[vm]]\nid = \"vm{p}\"\ncount = 100\ngroup = \"g{p}\"\ndisk_size = \"100 GB\"\nchurn = \"10 KB/s\"\nboot_time = \"5m\"\n"
        ));
    }
    text.push_str(&FIXED[FIXED.find("[[outage]]").expect("outage")..]);
    text = text.replace(
        "decision_delay = \"10m\"\n",
        "decision_delay = \"10m\"\nconcurrent_plans = 10\n",
    );
    let s = scenario(&text);
    assert_eq!(s.vms.len(), 5000);
    let o = &outcomes(&s, 1, 1)[0];
    assert!(o.runaway.is_none());
    assert!(o.closed, "stages completed: {:?}", o.stages_completed);
    assert_eq!(o.plans.len(), 50);
    assert_eq!(o.resync_vms, 0, "sized to keep up");
}

#[test]
fn the_report_has_a_row_per_plan_and_says_why_a_plan_misses() {
    // Plan b's target of 20 min cannot be met (its VMs are up at 30 min),
    // plan a's 1 h always is.
    let text = two_plans("").replace(
        "[[plan]]\nid = \"b\"\npriority = 2\n",
        "[[plan]]\nid = \"b\"\npriority = 2\nrto = \"20m\"\n",
    ) + "[targets]\nrto = \"1h\"\n";
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("estate.toml");
    std::fs::write(&file, text).expect("scenario");
    let out = dir.path().join("out");
    let o = crate::support::drsim(&[
        "run",
        file.to_str().expect("utf-8"),
        "-n",
        "30",
        "--quiet",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report");
    assert!(html.contains("<table id=\"plans\">"));
    assert!(
        html.contains("<td>a</td><td>1</td><td>1</td>"),
        "plan a's row"
    );
    assert!(
        html.contains("`b` misses its RTO target"),
        "the plan that misses is named"
    );
    assert!(!html.contains("`a` misses"));
    // The plans on one timeline, in the estate's section, and as files.
    let section = &html[html.find("The estate's plans").expect("section")..];
    let charts = section.find("<h2>").unwrap_or(section.len());
    for name in ["estate-failover", "estate-cycle"] {
        assert!(
            section[..charts].contains(&format!("id=\"chart-{name}\"")),
            "{name} in the estate's section"
        );
        assert!(out.join(format!("{name}.png")).is_file());
    }
}
