//! An estate across several primary sites, and plans failing back in their
//! own windows: the two-plan hand case of `estate.rs` with plan `b` moved
//! to a second site with its own link.

use crate::estate::{errors, secs, two_plans};
use crate::support::{outcomes, scenario};

/// `two_plans`, with plan `b` (web1, web2) at site `dc2` replicating over
/// its own 100 MB/s link `wan2`; the outage hits `hit`.
fn two_sites(hit: &str, extra_failback: &str) -> String {
    two_plans(extra_failback)
        .replace(
            "[[site]]\nid = \"azure\"",
            "[[site]]\nid = \"dc2\"\nrole = \"primary\"\n[[site]]\nid = \"azure\"",
        )
        .replace(
            "[replication]",
            "[[link]]\nid = \"wan2\"\nfrom = \"dc2\"\nto = \"azure\"\nbandwidth = \"800 Mbps\"\n[replication]",
        )
        .replace("group = \"web\"\n", "group = \"web\"\nlink = \"wan2\"\n")
        .replace("group = \"db\"\n", "group = \"db\"\nlink = \"wan\"\n")
        .replace("site = \"dc\"\nat", &format!("site = {hit}\nat"))
}

#[test]
fn one_outage_over_two_sites_fails_both_over_each_on_its_own_links() {
    let s = scenario(&two_sites("[\"dc\", \"dc2\"]", "concurrent_plans = 1\n"));
    assert_eq!(s.plans.len(), 2);
    assert!(s.spared.is_empty());
    for o in outcomes(&s, 3, 1) {
        let (a, b) = (&o.plans[0], &o.plans[1]);
        // Stage 1 as on one site: one declaration, each plan's own steps.
        assert_eq!(secs(a.rto), 39.0 * 60.0);
        assert_eq!(secs(b.rto), 30.0 * 60.0);
        // Stage 2: no link shared now. a copies 90 GB alone on `wan`, b
        // 45 + 45 GB on `wan2`: 900 s each, x 1.2 + 1500 s = 2580 s.
        assert_eq!(secs(a.stage2), 2580.0);
        assert_eq!(secs(b.stage2), 2580.0);
        // The failback team is shared across sites: both ready at 23,400 +
        // 2580 + 86,400 s; a goes first (priority 1), down 1380 s, so b
        // waits 1380 s more than its day.
        assert_eq!(secs(a.failback_wait), 86_400.0);
        assert_eq!(secs(b.failback_wait), 86_400.0 + 1380.0);
    }
}

#[test]
fn an_outage_of_one_site_fails_over_only_its_plans() {
    let s = scenario(&two_sites("\"dc2\"", ""));
    assert_eq!(s.plans.len(), 1, "only plan b is hit");
    assert_eq!(s.plans[0].id, "b");
    assert_eq!(s.spared.len(), 1);
    assert_eq!(
        (s.spared[0].id.as_str(), s.spared[0].site.as_str()),
        ("a", "dc")
    );
    assert_eq!(s.vms.len(), 2);
    assert!(s.vms.iter().all(|v| v.id.starts_with("web") && v.plan == 0));
    assert_eq!(s.groups.len(), 1);
    assert_eq!(s.groups[0].vms, vec![0, 1]);
    for o in outcomes(&s, 3, 1) {
        // b alone, as in the two-site case: up at 30 min, stage 2 of 2580 s.
        assert_eq!(secs(o.rto), 30.0 * 60.0);
        assert_eq!(secs(o.stage2), 2580.0);
    }
    let described = drsim::report::describe::describe(&s);
    assert!(
        described.contains("not hit: plan `a` (1 VMs) at site `dc`"),
        "{described}"
    );
}

#[test]
fn sites_are_checked_and_named_where_wrong() {
    // An outage where no plan runs.
    let e = errors(&two_sites("\"dc2\"", "").replace("link = \"wan2\"", "link = \"wan\""));
    assert!(
        e.contains("outage") && e.contains("hits `dc2` where no plan runs"),
        "{e}"
    );
    // An unknown site in the list.
    let e = errors(&two_sites("[\"dc\", \"dc3\"]", ""));
    assert!(
        e.contains("outage[0].site[1]") && e.contains("`dc3`"),
        "{e}"
    );
    // A plan at one site whose VM replicates from the other.
    let e = errors(&two_sites("\"dc\"", "").replace(
        "id = \"b\"\npriority = 2\n",
        "id = \"b\"\npriority = 2\nsite = \"dc\"\n",
    ));
    assert!(
        e.contains("vm[1].link")
            && e.contains("`wan2` from site `dc2`")
            && e.contains("plan `b` is at site `dc`"),
        "{e}"
    );
    // A link from a site that is not a primary.
    let e = errors(&two_sites("\"dc\"", "").replace("from = \"dc2\"", "from = \"azure\""));
    assert!(e.contains("link[1].from") && e.contains("dc, dc2"), "{e}");
}

#[test]
fn a_plan_fails_back_in_its_own_windows() {
    // The outage is Wed 12:00 (t0 = 216,000 s after Monday 00:00). b may
    // fail back from 112,920 s after t0 (Thu 19:22) but its own window
    // opens Sat 20:00: 504,000 - 216,000 = 288,000 s after t0. a keeps the
    // scenario's (none): a day after its stage 2.
    let text = two_plans("").replace(
        "id = \"b\"\npriority = 2\n",
        "id = \"b\"\npriority = 2\nfailback_windows = [\"Sat 20:00-06:00\"]\n",
    );
    let s = scenario(&text);
    for o in outcomes(&s, 3, 1) {
        assert_eq!(
            secs(o.plans[1].failback_wait),
            288_000.0 - 23_400.0 - 3120.0
        );
        assert_eq!(secs(o.plans[0].failback_wait), 86_400.0);
    }
    // The other way round: the scenario's window for every plan but b, which
    // says it may fail back any time (an empty list).
    let text = two_plans("windows = [\"Sat 20:00-06:00\"]\n").replace(
        "id = \"b\"\npriority = 2\n",
        "id = \"b\"\npriority = 2\nfailback_windows = []\n",
    );
    let s = scenario(&text);
    for o in outcomes(&s, 3, 1) {
        assert_eq!(secs(o.plans[1].failback_wait), 86_400.0);
        assert_eq!(
            secs(o.plans[0].failback_wait),
            288_000.0 - 23_400.0 - 3660.0
        );
    }
    let e = errors(&two_plans("").replace(
        "id = \"b\"\npriority = 2\n",
        "id = \"b\"\npriority = 2\nfailback_windows = [\"Someday\"]\n",
    ));
    assert!(e.contains("plan[1].failback_windows[0]"), "{e}");
}

#[test]
fn the_estate_timeline_places_each_stage_at_its_hand_computed_time() {
    use drsim::metrics::metrics_for;
    use drsim::report::chart::estate::estate_timelines;
    use drsim::stats::Collector;
    let s = scenario(&two_sites("[\"dc\", \"dc2\"]", "concurrent_plans = 1\n"));
    let mut collector = Collector::new(metrics_for(&s));
    for o in outcomes(&s, 3, 1) {
        collector.push(&o);
    }
    let (failover, cycle) = estate_timelines(&collector, &s).expect("disasters were declared");
    // The failover view in minutes: declared at 15 min; a's failover to 39
    // min, b's to 30 min; the RTO target is none.
    let minutes = |x: f64| x * failover.unit.seconds() / 60.0;
    let a = &failover.bars[0];
    assert!(a.label.starts_with("a (1 VMs)"), "{}", a.label);
    let a_segments: Vec<(usize, f64, f64)> = (a.segments.iter())
        .map(|&(p, s, e)| (p, minutes(s), minutes(e)))
        .collect();
    assert_eq!(a_segments, vec![(0, 0.0, 15.0), (2, 15.0, 39.0)]);
    assert_eq!(minutes(failover.bars[1].end), 30.0);
    // The cycle view: a's stage 2 from 23,400 s for 2580 s; its failback
    // 86,400 s after that, down 1380 s; b's failback waits for a's.
    let secs = |x: f64| x * cycle.unit.seconds();
    let stage = |bar: usize, part: usize| {
        let seg = cycle.bars[bar]
            .segments
            .iter()
            .find(|s| s.0 == part)
            .expect("drawn");
        (secs(seg.1).round(), secs(seg.2).round())
    };
    assert_eq!(stage(0, 3), (23_400.0, 25_980.0));
    assert_eq!(stage(0, 4), (112_380.0, 113_760.0));
    assert_eq!(stage(1, 4).0, 113_760.0);
}
