//! Replication physics: queueing, link invariants, link outages, monotonicity.

use drsim::cycle::fluid::{Breakpoint, FluidLink, time_sent_reaches};
use drsim::cycle::{Observer, Phase, run_cycle};
use drsim::engine::SimTime;
use drsim::scenario::Scenario;

use crate::support::{one_vm, outcomes, repo, scenario, toml_files};

/// Captures every forward flow's recorded history at the outage, and checks
/// the fluid model's invariants on every link after every event.
#[derive(Default)]
struct Inspector {
    histories: Option<Vec<Vec<Breakpoint>>>,
    events: usize,
    /// Link states seen with at least one backlogged flow (work conservation applied).
    backlogged_states: usize,
    violations: Vec<String>,
}

/// Rates are compared with this relative tolerance (float rounding in water-filling).
const RATE_TOLERANCE: f64 = 1e-9;

/// One flow as the invariants see it.
#[derive(Debug, Clone, Copy)]
struct FlowState {
    active: bool,
    weight: f64,
    input_rate: f64,
    backlog: f64,
    rate: f64,
}

/// What the fluid model promises of every link at every instant: the total send
/// rate within capacity (and each process server's within its cap), no negative
/// or non-finite backlog or rate, inactive flows silent, a flow with nothing
/// queued sending at most what it writes, and, when anything is queued, max-min
/// fairness by weight: every backlogged flow has a bottleneck, the link or its
/// process server, that is saturated and on which no flow gets more per unit of
/// weight. Returns one message per broken promise, and whether the fairness
/// checks applied (something was queued).
fn link_violations(
    capacity: f64,
    flows: &[FlowState],
    group_of: &[Option<usize>],
    caps: &[f64],
) -> (Vec<String>, bool) {
    let mut violations = Vec::new();
    let scale = capacity.max(1.0);
    let close = |a: f64, b: f64| (a - b).abs() <= RATE_TOLERANCE * scale.max(a.abs());
    let total: f64 = flows.iter().map(|f| f.rate).sum();
    if total > capacity * (1.0 + RATE_TOLERANCE) + 1e-6 {
        violations.push(format!(
            "total send rate {total} exceeds capacity {capacity}"
        ));
    }
    let mut group_total = vec![0.0; caps.len()];
    for (i, f) in flows.iter().enumerate() {
        if let Some(g) = group_of.get(i).copied().flatten() {
            group_total[g] += f.rate;
        }
    }
    for (g, (&sum, &cap)) in group_total.iter().zip(caps).enumerate() {
        if sum > cap * (1.0 + RATE_TOLERANCE) + 1e-6 {
            violations.push(format!("process server {g} sends {sum} over its cap {cap}"));
        }
    }
    for (i, f) in flows.iter().enumerate() {
        if !(f.rate.is_finite() && f.rate >= 0.0) {
            violations.push(format!("flow {i}: send rate {}", f.rate));
        }
        if !(f.backlog.is_finite() && f.backlog >= 0.0) {
            violations.push(format!("flow {i}: backlog {}", f.backlog));
        }
        if !f.active && f.rate != 0.0 {
            violations.push(format!("flow {i}: inactive but sending {}", f.rate));
        }
        if f.active && f.backlog == 0.0 && f.rate > f.input_rate + RATE_TOLERANCE * scale {
            violations.push(format!(
                "flow {i}: empty backlog but sends {} > writes {}",
                f.rate, f.input_rate
            ));
        }
    }
    let backlogged: Vec<usize> = (0..flows.len())
        .filter(|&i| flows[i].active && flows[i].backlog > 0.0)
        .collect();
    if backlogged.is_empty() {
        return (violations, false);
    }
    let per_weight = |f: &FlowState| f.rate / f.weight;
    let most = |members: &mut dyn Iterator<Item = usize>| {
        members.map(|j| per_weight(&flows[j])).fold(0.0, f64::max)
    };
    let link_most = most(&mut (0..flows.len()).filter(|&j| flows[j].active));
    let link_saturated = close(total, capacity);
    for &i in &backlogged {
        let share = per_weight(&flows[i]);
        let top = |most: f64| share >= most * (1.0 - RATE_TOLERANCE) - 1e-9;
        let by_link = link_saturated && top(link_most);
        let by_group = group_of.get(i).copied().flatten().is_some_and(|g| {
            close(group_total[g], caps[g])
                && top(most(&mut (0..flows.len()).filter(|&j| {
                    flows[j].active && group_of.get(j).copied().flatten() == Some(g)
                })))
        });
        if !(by_link || by_group) {
            violations.push(if link_saturated {
                format!("flow {i} gets {share} per weight, another flow {link_most}")
            } else {
                format!("flows are backlogged but only {total} of {capacity} is used")
            });
        }
    }
    (violations, true)
}

impl Inspector {
    fn check_link(&mut self, now: SimTime, link: &FluidLink) {
        let flows: Vec<FlowState> = (0..link.flows())
            .map(|f| FlowState {
                active: link.is_active(f),
                weight: link.weight(f),
                input_rate: link.input_rate(f),
                backlog: link.backlog(f),
                rate: link.send_rate(f),
            })
            .collect();
        let groups: Vec<Option<usize>> = (0..link.flows()).map(|f| link.group(f)).collect();
        let (violations, backlogged) =
            link_violations(link.capacity(), &flows, &groups, link.group_caps());
        self.backlogged_states += usize::from(backlogged);
        self.violations
            .extend(violations.into_iter().map(|v| format!("at {now}: {v}")));
    }
}

impl Observer for Inspector {
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, _: SimTime, _: Phase, _: String) {}
    fn after_event(&mut self, now: SimTime, forward: &[FluidLink], reverse: &[FluidLink]) {
        self.events += 1;
        for link in forward.iter().chain(reverse) {
            self.check_link(now, link);
        }
        if self.histories.is_none()
            && forward
                .iter()
                .all(|l| (0..l.flows()).all(|f| !l.is_active(f)))
        {
            // The outage stops every forward flow: the recorded history is complete.
            let histories = forward
                .iter()
                .flat_map(|l| (0..l.flows()).map(|f| l.history(f).to_vec()))
                .filter(|h| !h.is_empty())
                .collect();
            self.histories = Some(histories);
        }
    }
}

#[test]
fn links_never_exceed_capacity_and_share_it_fairly_at_every_event() {
    let mut backlogged_states = 0;
    for path in toml_files(&repo().join("scenarios")) {
        let s = Scenario::from_path(&path).expect("shipped scenarios are valid");
        for k in 0..8 {
            let mut inspector = Inspector::default();
            run_cycle(&s, 3, k, &mut inspector);
            assert!(
                inspector.events >= 4,
                "at least outage, detection, decision, site back"
            );
            assert!(
                inspector.violations.is_empty(),
                "{}: replication {k}: {} violations, first: {}",
                path.display(),
                inspector.violations.len(),
                inspector.violations[0]
            );
            backlogged_states += inspector.backlogged_states;
        }
    }
    // The fairness checks only bite when something is queued: make sure it was.
    assert!(
        backlogged_states > 100,
        "only {backlogged_states} link states with a backlog were checked"
    );
}

#[test]
fn the_invariants_reject_broken_link_states() {
    let flow = |weight, input_rate, backlog, rate| FlowState {
        active: true,
        weight,
        input_rate,
        backlog,
        rate,
    };
    // A fair state: two backlogged flows weighted 1 and 3 share 100 as 25 / 75.
    let fair = [flow(1.0, 10.0, 5.0, 25.0), flow(3.0, 10.0, 5.0, 75.0)];
    assert!(link_violations(100.0, &fair, &[], &[]).0.is_empty());
    let broken: [(&str, f64, Vec<FlowState>); 5] = [
        (
            "exceeds capacity",
            100.0,
            vec![flow(1.0, 10.0, 5.0, 60.0), flow(1.0, 10.0, 5.0, 60.0)],
        ),
        (
            "only",
            100.0,
            vec![flow(1.0, 10.0, 5.0, 40.0), flow(1.0, 10.0, 5.0, 40.0)],
        ),
        (
            "per weight",
            100.0,
            vec![flow(1.0, 10.0, 5.0, 30.0), flow(1.0, 10.0, 5.0, 70.0)],
        ),
        (
            "empty backlog but sends",
            100.0,
            vec![flow(1.0, 10.0, 0.0, 20.0)],
        ),
        ("backlog -", 100.0, vec![flow(1.0, 10.0, -1.0, 10.0)]),
    ];
    for (expected, capacity, flows) in broken {
        let (violations, _) = link_violations(capacity, &flows, &[], &[]);
        assert!(
            violations.iter().any(|v| v.contains(expected)),
            "`{expected}` not reported: {violations:?}"
        );
    }
    // Process servers: flows 0 and 1 on one capped at 30, flow 2 alone on
    // another. Fair: 15 / 15 (their server full) and 70 for flow 2 (the link
    // full, nobody gets more per weight).
    let groups = [Some(0), Some(0), Some(1)];
    let caps = [30.0, 1000.0];
    let capped = [
        flow(1.0, 50.0, 5.0, 15.0),
        flow(1.0, 50.0, 5.0, 15.0),
        flow(1.0, 90.0, 5.0, 70.0),
    ];
    assert!(link_violations(100.0, &capped, &groups, &caps).0.is_empty());
    // The server over its cap, and a flow short-changed though its server has room.
    let over = [
        flow(1.0, 50.0, 5.0, 20.0),
        flow(1.0, 50.0, 5.0, 20.0),
        flow(1.0, 90.0, 5.0, 60.0),
    ];
    let found = link_violations(100.0, &over, &groups, &caps).0;
    assert!(
        found.iter().any(|v| v.contains("over its cap")),
        "{found:?}"
    );
    let short = [
        flow(1.0, 50.0, 5.0, 10.0),
        flow(1.0, 50.0, 5.0, 15.0),
        flow(1.0, 90.0, 5.0, 75.0),
    ];
    let found = link_violations(100.0, &short, &groups, &caps).0;
    assert!(found.iter().any(|v| v.contains("per weight")), "{found:?}");
}

/// Poisson bursts of exponential size on a constant link form an M/M/1 queue:
/// the time from a burst's arrival until its last byte is sent (its sojourn) is
/// exponential with rate mu - lambda.
#[test]
fn bursty_churn_on_a_constant_link_is_an_mm1_queue() {
    // lambda = 1800/h = 0.5/s; sizes exp(mean 1 MB); link 1 MB/s: mu = 1/s.
    let text = one_vm("history = \"2h\"", "1 MB/s", "8 Mbps").replace(
        "churn = \"1 MB/s\"",
        "churn = { process = \"bursts\", per_hour = 1800, size = { dist = \"exponential\", mean = \"1 MB\" } }",
    );
    let s = scenario(&text);
    let mut sojourns = Vec::new();
    for k in 0..10 {
        let mut inspector = Inspector::default();
        run_cycle(&s, 17, k, &mut inspector);
        let history = &inspector.histories.expect("history captured")[0];
        // A burst is a jump in bytes written: two breakpoints at the same instant.
        for pair in history.windows(2) {
            let (before, after) = (pair[0], pair[1]);
            if after.time == before.time
                && after.written > before.written
                && let Some(done) = time_sent_reaches(history, after.written)
            {
                sojourns.push(done.since(after.time).as_secs_f64());
            }
        }
    }
    let n = sojourns.len();
    assert!(n > 30_000, "{n} bursts");
    let mean = sojourns.iter().sum::<f64>() / n as f64;
    // Exp(0.5/s): mean 2 s, standard error 2 / sqrt(n) ~ 0.011 s (bursts are
    // correlated through the queue, so allow 10 standard errors).
    assert!((mean - 2.0).abs() < 0.11, "mean sojourn {mean} s");
    sojourns.sort_by(f64::total_cmp);
    let ks = sojourns
        .iter()
        .enumerate()
        .map(|(i, &x)| {
            let cdf = 1.0 - (-0.5 * x).exp();
            (cdf - i as f64 / n as f64)
                .abs()
                .max((cdf - (i + 1) as f64 / n as f64).abs())
        })
        .fold(0.0, f64::max);
    assert!(ks < 0.02, "KS distance to Exp(0.5) is {ks}");
}

#[test]
fn a_link_outage_with_no_spare_bandwidth_raises_the_rpo_by_its_length() {
    // Churn equals bandwidth: a backlog, once built, never drains.
    let base = one_vm("processing_delay = \"0s\"", "1 MB/s", "8 Mbps");
    let with_outage =
        format!("{base}\n[[outage]]\nkind = \"link-down\"\nbefore = \"40m\"\nduration = \"30m\"\n");
    let n = 2000;
    let mean_rpo = |text: &str| {
        let s = scenario(text);
        outcomes(&s, n, 9)
            .iter()
            .map(|o| o.rpo.as_secs_f64())
            .sum::<f64>()
            / n as f64
    };
    let (without, with) = (mean_rpo(&base), mean_rpo(&with_outage));
    // Without: uniform on (0, 300 s), mean 150 s. With: 1800 s more.
    assert!((without - 150.0).abs() < 10.0, "{without}");
    assert!(
        (with - without - 1800.0).abs() < 15.0,
        "RPO rose by {} s",
        with - without
    );
}

#[test]
fn more_bandwidth_never_gives_a_worse_rpo_under_the_same_seed() {
    let text = std::fs::read_to_string(repo().join("scenarios/bandwidth-contention.toml"))
        .expect("scenario");
    let mut previous: Option<Vec<f64>> = None;
    for bandwidth in ["300 Mbps", "350 Mbps", "450 Mbps", "700 Mbps"] {
        let s = scenario(&text.replace(
            "bandwidth = \"350 Mbps\"",
            &format!("bandwidth = \"{bandwidth}\""),
        ));
        let rpo: Vec<f64> = outcomes(&s, 300, 21)
            .iter()
            .map(|o| o.rpo.as_secs_f64())
            .collect();
        if let Some(previous) = &previous {
            // Same seed, same draws: every replication does at least as well.
            for (k, (more, less)) in rpo.iter().zip(previous).enumerate() {
                assert!(
                    more <= less,
                    "{bandwidth}: replication {k} RPO {more} s > {less} s with less bandwidth"
                );
            }
        }
        previous = Some(rpo);
    }
}

#[test]
fn latest_trades_processing_time_at_failover_for_a_lower_rpo() {
    // An overloaded link (lag grows) with a 3-minute processing delay.
    let base = one_vm(
        "history = \"1h\"\nprocessing_delay = \"3m\"\nrecovery_point = \"latest-processed\"",
        "2 MB/s",
        "8 Mbps",
    );
    let latest = base.replace(
        "recovery_point = \"latest-processed\"",
        "recovery_point = \"latest\"",
    );
    let processed = outcomes(&scenario(&base), 200, 4);
    let latest = outcomes(&scenario(&latest), 200, 4);
    for (p, l) in processed.iter().zip(&latest) {
        // `latest` holds everything received: its RPO is the lag itself.
        assert_eq!(l.rpo, l.lag_at_outage);
        assert!(l.rpo < p.rpo);
        // ...and the failover waits 3 minutes for the processing (boot and
        // preparation are fixed in this scenario).
        assert_eq!(
            l.rto.expect("failed over").as_millis() - p.rto.expect("failed over").as_millis(),
            180_000
        );
    }
}

/// An overloaded VM (2 MB/s over a 1 MB/s link) falls further behind for
/// the whole history; its process server's 600 GB cache does not fill within
/// 4 days (1 MB/s of backlog growth takes 6.9 days), so no resync. ASR keeps
/// the old points while no new one is generated (azure-to-azure-common-
/// questions.md), so the failover uses the newest point whose data arrived,
/// however far beyond the 6 h retention: the target holds the writes up to
/// half the elapsed history, and the RPO grows with the history (it is not
/// floored at the retention window).
#[test]
fn an_overloaded_vm_fails_over_to_its_newest_point_however_old() {
    for point in ["latest-processed", "latest"] {
        for (history, hours) in [("2d", 48.0), ("4d", 96.0)] {
            let text = one_vm(
                &format!(
                    "retention = \"6h\"\nhistory = \"{history}\"\nrecovery_point = \"{point}\""
                ),
                "2 MB/s",
                "8 Mbps",
            );
            for o in outcomes(&scenario(&text), 20, 3) {
                assert_eq!(o.resync_vms, 0, "{point}, {history}");
                assert!(!o.vms[0].no_usable_point, "{point}, {history}");
                let lag = hours / 2.0 * 3600.0;
                let rpo = o.rpo.as_secs_f64();
                let interval = if point == "latest" { 0.001 } else { 300.0 };
                assert!(
                    rpo >= lag - 0.001 && rpo < lag + interval,
                    "{point}, {history}: RPO {rpo} s, lag {lag} s"
                );
                // What was written after the point is lost: the blocks
                // 2 MB/s x RPO changed on the 100 GB disk.
                assert!(
                    (o.data_lost_bytes - crate::support::changed_blocks(rpo * 2e6, 100e9)).abs()
                        < 2e3,
                    "{}",
                    o.data_lost_bytes
                );
            }
        }
    }
}

/// A Hyper-V VM whose 7.2 GB disk's log reaches half the disk (3.6 GB, one
/// hour into a link outage at 1 MB/s) is marked for resync
/// (hyper-v-azure-architecture.md, "Resynchronization process"), which
/// replaces the queued log by the changed blocks (working-set model: W (1 -
/// exp(-queued / W)), W = the 7.2 GB disk: 2.83 GB) and produces no point
/// until they have moved. Once the link is back the resync completes and
/// points resume, so the RPO at the outage is ordinary again and no VM needs
/// a resync then. (A process server's full cache triggered this before
/// issue [18]; ASR documents no such trigger: model.md, "Replication health".)
fn hyper_v_vm(policy: &str) -> String {
    format!(
        "[scenario]\nkind = \"hyper-v\"\n{}",
        one_vm(policy, "1 MB/s", "100 Mbps").replace("\"100 GB\"", "\"7.2 GB\"")
    )
}

#[test]
fn a_resync_moves_the_changed_blocks_and_points_resume_after_it() {
    let text = hyper_v_vm(
        "retention = \"1h\"\nhistory = \"12h\"\ncrash_consistent_interval = \"5m\"\nprocessing_delay = \"1m\"\nresync = \"immediate\"",
    ) + "[[outage]]\nkind = \"link-down\"\nduration = \"3h\"\nbefore = \"6h\"\n";
    let trace = trace_of(&text);
    let started = resync_line(&trace);
    assert!(trace.contains("resynchronisation complete"), "{trace}");
    // "3.6 GB queued dropped, 2.83 GB of changed blocks": the log reaches
    // half the disk one hour into the fault, with 3.6 GB queued at 1 MB/s.
    let number_before = |marker: &str| -> f64 {
        let before = &started[..started.find(marker).expect("marker")];
        let word = before.split_whitespace().rev().nth(1).expect("a number");
        word.parse().expect("a number of GB")
    };
    let queued = number_before(" queued dropped");
    let changed = number_before(" of changed blocks");
    assert!((queued - 3.6).abs() < 0.01, "{started}");
    let expected = 7.2 * (1.0 - (-queued / 7.2f64).exp());
    assert!(
        (changed - expected).abs() < 0.01,
        "{changed} GB, expected {expected:.3}: {started}"
    );

    let outcomes = outcomes(&scenario(&text), 10, 1);
    for o in &outcomes {
        assert_eq!(o.resync_vms, 0);
        assert!(!o.vms[0].no_usable_point);
        assert!(o.rpo.as_secs_f64() < 15.0 * 60.0, "{:?}", o.rpo);
    }
}

/// "By default resynchronization is scheduled to run automatically outside
/// office hours" (hyper-v-azure-architecture.md): the log (7.2 GB disk, 1 MB/s)
/// reaches half the disk at Wed 15:00, an hour into a link fault of
/// 14:00-17:00; the resync waits for 18:00 (default office hours Mon-Fri
/// 08:00-18:00), the VM sending nothing, then moves the blocks changed by the
/// 3.6 GB dropped and the 3 h written since, 14.4 GB on a 7.2 GB working set:
/// 7.2 GB (1 - exp(-2)) = 6.23 GB, at 12.5 - 1 MB/s: 541 s.
#[test]
fn a_resync_waits_for_the_end_of_office_hours() {
    let policy = "history = \"12h\"\nprocessing_delay = \"1m\"";
    let with_outage_at = |at: &str, before: &str, policy: &str| {
        hyper_v_vm(policy).replace(
            "duration = \"2h\"\n",
            &format!("duration = \"2h\"\nat = \"{at}\"\n[[outage]]\nkind = \"link-down\"\nduration = \"3h\"\nbefore = \"{before}\"\n"),
        )
    };
    let text = with_outage_at("Wed 20:00", "6h", policy);
    let trace = trace_of(&text);
    assert!(
        trace.contains("starting outside office hours at Wed 18:00:00"),
        "{trace}"
    );
    let start = trace
        .lines()
        .find(|l| l.contains("resynchronisation starts outside office hours"))
        .unwrap_or_else(|| panic!("{trace}"));
    assert!(start.contains("6.23 GB of changed blocks"), "{start}");
    assert!(trace.contains("resynchronisation complete"), "{trace}");
    for o in outcomes(&scenario(&text), 5, 1) {
        assert_eq!(o.resync_vms, 0);
        assert!(o.rpo.as_secs_f64() < 15.0 * 60.0, "{:?}", o.rpo);
        // No new point from 15:00 until 6.23 GB moved at 12.5 - 1 MB/s:
        // 3 h + 541 s.
        let held = o.resync_time.as_secs_f64();
        let moved = 7.2e9 * (1.0 - (-2.0f64).exp()) / 11.5e6;
        assert!((held - (10_800.0 + moved)).abs() < 5.0, "{held}");
    }
    // The disaster at 17:30, still in office hours: the resync has not
    // started, so the VM fails over to its newest point from before the
    // fault (14:00): RPO 3.5 h plus at most a 5-min interval and the 1-min
    // processing.
    let held = with_outage_at("Wed 17:30", "3h30m", policy);
    for o in outcomes(&scenario(&held), 20, 1) {
        assert_eq!(o.resync_vms, 1);
        // Held from 15:00 to the disaster.
        assert!((o.resync_time.as_secs_f64() - 9000.0).abs() < 5.0);
        let rpo = o.rpo.as_secs_f64();
        assert!((12_600.0..=12_600.0 + 360.0).contains(&rpo), "{rpo}");
    }
    // Resynchronising at once, it would have finished by 17:15.
    let immediate = with_outage_at(
        "Wed 17:30",
        "3h30m",
        &format!("{policy}\nresync = \"immediate\""),
    );
    for o in outcomes(&scenario(&immediate), 20, 1) {
        assert_eq!(o.resync_vms, 0);
        assert!(o.rpo.as_secs_f64() < 15.0 * 60.0, "{:?}", o.rpo);
    }
}

/// Hyper-V marks a VM for resync when its replication log reaches half the
/// disk (hyper-v-azure-architecture.md, "Resynchronization process"): a
/// 10 GB disk queuing 1 MB/s more than it can send is resynchronised after
/// 5,000 s with 5 GB queued, replaced by 10 GB (1 - exp(-0.5)) = 3.93 GB of
/// changed blocks, long before its lag reaches the 24 h retention window.
#[test]
fn hyper_v_resyncs_when_the_log_reaches_half_the_disk() {
    let text = format!(
        "[scenario]\nkind = \"hyper-v\"\n{}",
        one_vm("history = \"3h\"", "2 MB/s", "8 Mbps").replace("\"100 GB\"", "\"10 GB\"")
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hyperv.toml");
    std::fs::write(&path, &text).expect("write");
    let o = crate::support::drsim(&[
        "trace",
        path.to_str().expect("utf-8"),
        "-k",
        "0",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    let trace = crate::support::stdout(&o);
    let line = trace
        .lines()
        .find(|l| l.contains("resynchronisation,"))
        .unwrap_or_else(|| panic!("no resync:\n{trace}"));
    // 3 h of history: the resync comes 5,000 s (1:23:20) after it began.
    assert!(line.contains("t0-01:36:40"), "{line}");
    assert!(
        line.contains("5 GB queued dropped, 3.93 GB of changed blocks"),
        "{line}"
    );
}

/// `drsim trace -k 0 --full` of scenario `text`: the narration.
fn trace_of(text: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, text).expect("write");
    let path = path.to_str().expect("utf-8");
    let o = crate::support::drsim(&["trace", path, "-k", "0", "--no-charts", "--full"]);
    assert!(o.status.success(), "{}", crate::support::stderr(&o));
    crate::support::stdout(&o)
}

/// The narration's line where a resync begins.
fn resync_line(trace: &str) -> &str {
    trace
        .lines()
        .find(|l| l.contains("resynchronisation,"))
        .unwrap_or_else(|| panic!("no resync narrated:\n{trace}"))
}
