//! RTO and RPO attribution: the parts add up, and hand-computed cases come out
//! part by part.

use drsim::cycle::attribution::{RpoParts, RtoParts};
use drsim::engine::SimDuration;
use drsim::scenario::Scenario;

use crate::fixed_arithmetic::FIXED;
use crate::support::{one_vm, outcomes, repo, scenario, toml_files};

fn secs(parts: &[SimDuration]) -> Vec<f64> {
    parts.iter().map(|d| d.as_secs_f64()).collect()
}

#[test]
fn the_parts_add_up_in_every_replication_of_every_shipped_scenario() {
    let mut checked = 0;
    for path in toml_files(&repo().join("scenarios")) {
        let s = Scenario::from_path(&path).expect("valid");
        for o in outcomes(&s, 300, 21) {
            let k = o.replication;
            match (o.rto, o.rto_parts) {
                (Some(rto), Some(parts)) => assert_eq!(
                    parts.total(),
                    rto,
                    "{}: replication {k}: RTO parts {parts:?}",
                    path.display()
                ),
                (None, None) => {}
                (rto, parts) => panic!("{}: replication {k}: {rto:?} vs {parts:?}", path.display()),
            }
            assert_eq!(
                o.rpo_parts.total(),
                o.rpo,
                "{}: replication {k}: RPO parts {:?}",
                path.display(),
                o.rpo_parts
            );
            checked += 1;
        }
    }
    assert!(checked >= 1500);
}

#[test]
fn a_fixed_plan_splits_as_computed_by_hand() {
    // Detection 5 min, decision 10 min; db1 ready 4 min after the plan opens its
    // group, boots 20 min; web2 is ready before web opens and boots 5 min.
    for o in outcomes(&scenario(FIXED), 3, 1) {
        let parts = o.rto_parts.expect("failed over");
        let expected = RtoParts {
            detection: SimDuration::from_secs(300),
            decision: SimDuration::from_secs(600),
            preparation: SimDuration::from_secs(240),
            boot: SimDuration::from_secs(1500),
            ..RtoParts::default()
        };
        assert_eq!(parts, expected);
    }
}

#[test]
fn steps_and_a_capacity_limit_split_as_computed_by_hand() {
    // As in recovery_physics: db1 boots 19 -> 39 min, post-step 3 min; web's
    // pre-step 2 min to 44 min; one VM at a time: web2 waits for web1 from 44 to
    // 49 min and boots to 54 min.
    let text = FIXED
        .replace(
            "[[group]]\nid = \"db\"\n",
            "[[group]]\nid = \"db\"\npost = [{ name = \"check\", duration = \"3m\" }]\n",
        )
        .replace(
            "[[group]]\nid = \"web\"\n",
            "[[group]]\nid = \"web\"\npre = [{ name = \"dns\", duration = \"2m\" }]\n",
        )
        .replace(
            "decision_delay = \"10m\"",
            "decision_delay = \"10m\"\nmax_concurrent_failovers = 1",
        );
    for o in outcomes(&scenario(&text), 3, 1) {
        let parts = o.rto_parts.expect("failed over");
        assert_eq!(
            secs(&parts.parts()),
            [
                300.0, 600.0, 0.0, 300.0, 240.0, 300.0, 0.0, 1500.0, 0.0, 0.0
            ],
            "{:?}",
            RtoParts::NAMES
        );
    }
}

#[test]
fn failed_steps_count_as_retries() {
    // The db post-step fails half of the time and is retried after 7 min; the
    // RTO grows by exactly the retries part.
    let text = FIXED.replace(
        "[[group]]\nid = \"db\"\n",
        "[[group]]\nid = \"db\"\npost = [{ name = \"check\", duration = \"3m\", failure_probability = 0.5, retry_delay = \"7m\" }]\n",
    );
    let mut retried = 0;
    for o in outcomes(&scenario(&text), 40, 2) {
        let parts = o.rto_parts.expect("failed over");
        let rto = o.rto.expect("failed over").as_secs_f64();
        assert_eq!(parts.steps.as_secs_f64(), 180.0);
        // Each failure costs the failed 3 min and the 7 min wait.
        let retries = parts.retries.as_secs_f64();
        assert_eq!(retries % 600.0, 0.0, "{retries}");
        assert_eq!(rto, 44.0 * 60.0 + 180.0 + retries);
        retried += usize::from(retries > 0.0);
    }
    assert!(retried > 5, "some replications retried: {retried}");
}

#[test]
fn a_link_down_before_the_outage_is_the_rpo() {
    // `latest` on a link that was down for the 30 min before t0: the newest
    // write at the target is 30 min old, all of it while the link was down.
    let text = one_vm("processing_delay = \"0s\"", "100 KB/s", "14 MB/s").replace(
        "boot_time = \"5m\"",
        "boot_time = \"5m\"\nrecovery_point = \"latest\"\n[[outage]]\nkind = \"link-down\"\nbefore = \"30m\"\nduration = \"40m\"",
    );
    for o in outcomes(&scenario(&text), 20, 3) {
        let expected = RpoParts {
            link_fault: SimDuration::from_secs(1800),
            ..RpoParts::default()
        };
        assert_eq!(o.rpo_parts, expected);
    }
}

#[test]
fn unprocessed_points_and_the_schedule_split_the_rpo() {
    // Points every 10 min, each usable 2 min after it is taken, no lag: when the
    // newest point is under 2 min old it is not processed yet and the one before
    // it is used: RPO = its age + 10 min.
    let s = scenario(&one_vm(
        "crash_consistent_interval = \"10m\"\nprocessing_delay = \"2m\"",
        "10 KB/s",
        "1 Gbps",
    ));
    let mut unprocessed = 0;
    for o in outcomes(&s, 400, 5) {
        let p = o.rpo_parts;
        let age = p.schedule.as_secs_f64();
        assert!((0.0..600.0).contains(&age), "{p:?}");
        assert_eq!(p.lag, SimDuration::ZERO);
        let expected = if age < 120.0 { 600.0 } else { 0.0 };
        assert_eq!(p.processing.as_secs_f64(), expected, "{p:?}");
        unprocessed += usize::from(age < 120.0);
    }
    // About a fifth of outages fall within 2 min of a point.
    assert!((40..130).contains(&unprocessed), "{unprocessed}");
}
