//! A year of operations ([16]): recurring disasters on a horizon, the
//! availability and yearly count they give in closed form, and a disaster
//! during a reprotect, traced.

use drsim::cycle::year::{YearHit, run_year};
use drsim::scenario::Scenario;

use crate::support::{drsim, one_vm, outcomes, repo, scenario, stderr, stdout};

/// One VM; site outages of `duration` every `every`, over 365 days.
fn year_of(duration: &str, every: &str, recovery: &str) -> String {
    one_vm("", "1 MB/s", "10 MB/s").replace(
        "duration = \"2h\"",
        &format!("duration = \"{duration}\"\nevery = {every}"),
    ) + &format!("{recovery}\n[operations]\nhorizon = \"365d\"\n")
}

#[test]
fn poisson_outages_ridden_out_give_the_closed_form_availability() {
    // Every 13 weeks on average, exactly 10 h, always ridden out.
    let text = year_of("10h", "\"13w\"", "").replace(
        "decision_delay = \"10m\"",
        "decision_delay = \"10m\"\ndeclare_if_expected_longer_than = \"1d\"",
    );
    let s = scenario(&text);
    let years = outcomes(&s, 20_000, 16);
    let year = |o: &drsim::cycle::CycleOutcome| o.year.clone().expect("a year");
    let n = years.len() as f64;
    let availability: Vec<f64> = years.iter().map(|o| year(o).availability).collect();
    let counts: Vec<f64> = years.iter().map(|o| f64::from(year(o).outages)).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / n;
    let var = |v: &[f64], m: f64| v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    let expected = 1.0 - (365.0 / 91.0) * 10.0 / 8760.0;
    let (a, sa) = (
        mean(&availability),
        var(&availability, mean(&availability)).sqrt(),
    );
    assert!(
        (a - expected).abs() < 4.0 * sa / n.sqrt(),
        "availability {a} against {expected} (sd {sa})"
    );
    // Poisson: mean and variance both 365/91 = 4.011 (the variance's
    // standard error is about sqrt(2 x 4^2 / n) = 0.04).
    let (m, v) = (mean(&counts), var(&counts, mean(&counts)));
    let lambda = 365.0 / 91.0;
    assert!(
        (m - lambda).abs() < 4.0 * (lambda / n).sqrt(),
        "count mean {m}"
    );
    assert!(
        (v - lambda).abs() < 4.0 * (2.0 * lambda * lambda / n).sqrt(),
        "count variance {v}"
    );
    // Every outage ridden out, none overlapping one another by much.
    for o in &years {
        let y = year(o);
        assert_eq!(
            (y.failovers, y.ridden_out + y.failovers <= y.outages),
            (0, true)
        );
    }
}

/// A disaster every `every` (fixed), each 2 h and declared; one VM of a
/// large disk, so stage 2's checksum takes days.
fn back_to_back(every: &str, disk: &str, failback_wait: &str) -> Scenario {
    let text = year_of(
        "2h",
        &format!("{{ dist = \"empirical\", values = [\"{every}\"] }}"),
        &format!("[failback]\nwait = \"{failback_wait}\""),
    )
    .replace("disk_size = \"100 GB\"", &format!("disk_size = \"{disk}\""));
    scenario(&text)
}

#[test]
fn a_disaster_during_stage_2_delays_the_rest_of_the_cycle_and_is_counted() {
    // 10 TB at 45 MB/s: stage 2 checksums for 2.6 days, so the disaster
    // two days after the first finds it under way.
    let s = back_to_back("2d", "10 TB", "0s");
    for k in 0..20 {
        let y = run_year(&s, 5, k).expect("no runaway");
        let hits: Vec<&YearHit> = y.events.iter().map(|e| &e.hit).collect();
        assert!(matches!(hits[0], YearHit::Declared { .. }), "{hits:?}");
        // The first cycle never ends: each disaster restarts its reprotect.
        assert_eq!(y.failovers, 1, "{hits:?}");
        for hit in &hits[1..] {
            let YearHit::DuringReprotectToPremises { delay } = hit else {
                panic!("{hits:?}");
            };
            // The outage (2 h) and the reprotect's time so far, redone.
            assert!(delay.as_secs_f64() >= 7200.0, "{delay:?}");
        }
        assert_eq!(y.during_reprotect, y.outages - 1);
        // Running in Azure: down only for the first failover.
        let Some(YearHit::Declared { rto, .. }) = hits.first() else {
            unreachable!()
        };
        assert_eq!(y.downtime, rto.expect("restored"));
    }
}

#[test]
fn a_disaster_during_stage_4_finds_no_replica_and_is_down_for_its_whole_outage() {
    // A small disk (short reprotects) and failback right away: a disaster
    // a few hours after the first meets failback or stage 4.
    let s = back_to_back("5h", "100 GB", "0s");
    let mut seen = 0;
    for k in 0..40 {
        let y = run_year(&s, 2, k).expect("no runaway");
        let mut extra = 0.0;
        for e in &y.events {
            if let YearHit::DuringReprotectToAzure { downtime, .. } = e.hit {
                assert_eq!(downtime, e.duration);
                extra += downtime.as_secs_f64();
                seen += 1;
            }
        }
        let declared: f64 = y
            .events
            .iter()
            .filter_map(|e| match e.hit {
                YearHit::Declared { downtime, .. } => Some(downtime.as_secs_f64()),
                _ => None,
            })
            .sum();
        // Downtime is at least the unprotected outages' (intervals may
        // overlap the failbacks' downtime, never exceed the sum).
        let down = y.downtime.as_secs_f64();
        assert!(
            down >= extra - 1e-3 && down <= declared + extra + 1e-3,
            "{down} {declared} {extra}"
        );
    }
    assert!(seen > 20, "only {seen} disasters met a stage 4");
}

#[test]
fn the_trace_narrates_the_year_and_a_disaster_during_a_reprotect() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("y.toml");
    let text = year_of("2h", "{ dist = \"empirical\", values = [\"2d\"] }", "")
        .replace("disk_size = \"100 GB\"", "disk_size = \"10 TB\"");
    std::fs::write(&path, text).expect("write");
    let o = drsim(&[
        "trace",
        path.to_str().expect("utf-8"),
        "--replication",
        "0",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("The year (365 days): "), "{out}");
    assert!(out.contains("disaster declared: failover, RTO"), "{out}");
    assert!(
        out.contains("DURING A REPROTECT (stage 2, to on-premises)"),
        "{out}"
    );
    assert!(out.contains("=> availability"), "{out}");
    // The CSV row at the end carries the year's columns.
    assert!(
        out.contains("availability,outages,failovers,outages_during_reprotect"),
        "{out}"
    );
}

#[test]
fn the_shipped_year_runs_with_its_loss_exceedance_chart_and_sentence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let scenario = repo().join("scenarios/year-of-operations.toml");
    let o = drsim(&[
        "run",
        scenario.to_str().expect("utf-8"),
        "-n",
        "300",
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("loss-exceedance.svg").exists());
    let out = stdout(&o);
    assert!(
        out.contains("Over 300 simulated horizons of 365 days: mean availability"),
        "{out}"
    );
    let availability =
        crate::support::csv_column(&dir.path().join("replications.csv"), "availability");
    assert!(
        availability
            .iter()
            .all(|a| a.is_some_and(|a| a > 0.9 && a <= 1.0))
    );
}

#[test]
fn a_year_is_refused_without_recurrence_and_every_without_a_year() {
    let without_year = one_vm("", "1 MB/s", "10 MB/s")
        .replace("duration = \"2h\"", "duration = \"2h\"\nevery = \"13w\"");
    let e = Scenario::from_toml(&without_year, "t.toml")
        .expect_err("refused")
        .to_string();
    assert!(
        e.contains("outage[0].every") && e.contains("[operations]"),
        "{e}"
    );
    let no_every = one_vm("", "1 MB/s", "10 MB/s") + "[operations]\nhorizon = \"365d\"\n";
    let e = Scenario::from_toml(&no_every, "t.toml")
        .expect_err("refused")
        .to_string();
    assert!(e.contains("give it `every`"), "{e}");
    let degraded = year_of("2h", "\"13w\"", "")
        + "[[outage]]\nkind = \"link-degraded\"\nbandwidth_factor = 0.5\nduration = \"1h\"\nevery = \"4w\"\n";
    let e = Scenario::from_toml(&degraded, "t.toml")
        .expect_err("refused")
        .to_string();
    assert!(e.contains("not yet modelled over a year"), "{e}");
}

#[test]
fn size_sweep_and_compare_work_on_a_year() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_string();
    let scenario = repo().join("scenarios/year-of-operations.toml");
    let file = scenario.to_str().expect("utf-8");
    // Size the drill interval for an availability: the year's downtime.
    let o = drsim(&[
        "size",
        file,
        "--vary",
        "drills.every",
        "--target",
        "availability>=99.885%@50%",
        "--between",
        "7d..365d",
        "-n",
        "300",
        "--out",
        &out("size"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("for availability >= 99.885%") && text.contains("simulated horizons"),
        "{text}"
    );
    // Without [operations], an availability target is refused by name.
    let three = repo().join("scenarios/three-tier.toml");
    let o = drsim(&[
        "size",
        three.to_str().expect("utf-8"),
        "--vary",
        "link.expressroute.bandwidth",
        "--target",
        "availability>=99.9%@90%",
        "-n",
        "50",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("[operations] horizon"),
        "{}",
        stderr(&o)
    );
    // A sweep reports the year's downtime at each point; drills help.
    let o = drsim(&[
        "sweep",
        file,
        "--vary",
        "drills.every=7d,never",
        "-n",
        "400",
        "--out",
        &out("sweep"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(dir.path().join("sweep/sweep.csv")).expect("sweep.csv");
    let means: Vec<f64> = csv
        .lines()
        .filter(|l| l.contains(",year_downtime_s,"))
        .map(|l| l.split(',').nth(5).expect("mean").parse().expect("number"))
        .collect();
    assert_eq!(means.len(), 2, "{csv}");
    assert!(
        means[0] < means[1],
        "weekly drills {} against none {}",
        means[0],
        means[1]
    );
    // compare pairs the years' figures.
    let o = drsim(&[
        "compare",
        file,
        file,
        "--set-b",
        "drills.every=never",
        "-n",
        "300",
        "--out",
        &out("cmp"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("availability") && text.contains("year_downtime_s"),
        "{text}"
    );
}

#[test]
fn a_recurring_link_outage_stalls_replication_and_leaves_the_replica() {
    // Link outages of exactly 6 h every 4 weeks on average, site outages so
    // rare that most years have none. The replica in Azure stands during a
    // link outage (it ages: the RPO grows until the backlog drains), so the
    // workload is not unprotected then; the year counts the stall apart.
    // Before issue [18] each link outage was counted as unprotected.
    let text = year_of("2h", "\"500w\"", "")
        + "[[outage]]\nkind = \"link-down\"\nlink = \"wan\"\nduration = \"6h\"\nevery = \"4w\"\n";
    let s = scenario(&text);
    let mut quiet_years = 0;
    for o in outcomes(&s, 400, 3) {
        let y = o.year.expect("a year");
        if y.outages > 0 {
            continue;
        }
        quiet_years += 1;
        assert_eq!(y.unprotected.as_secs_f64(), 0.0, "no disaster, no exposure");
        let stalled = y.replication_stalled.as_secs_f64();
        let most = f64::from(y.link_downs) * 6.0 * 3600.0;
        assert!(
            stalled <= most + 1e-3,
            "{stalled} s of {} outages",
            y.link_downs
        );
        if y.link_downs > 0 {
            assert!(stalled >= 6.0 * 3600.0 - 1e-3, "{stalled}");
        }
    }
    assert!(quiet_years > 250, "{quiet_years} years without a disaster");
}
