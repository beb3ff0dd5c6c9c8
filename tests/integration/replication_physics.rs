//! Replication physics: queueing, conservation, link outages, monotonicity.

use drsim::cycle::fluid::{Breakpoint, FluidLink, time_sent_reaches};
use drsim::cycle::{Observer, Phase, run_cycle};
use drsim::engine::SimTime;
use drsim::scenario::Scenario;

use crate::support::{one_vm, outcomes, repo, scenario, toml_files};

/// Captures every forward flow's recorded history at the outage, and checks
/// conservation of bytes on every link after every event.
#[derive(Default)]
struct Inspector {
    histories: Option<Vec<Vec<Breakpoint>>>,
    events: usize,
    worst_relative_error: f64,
}

impl Observer for Inspector {
    fn enabled(&self) -> bool {
        true
    }
    fn record(&mut self, _: SimTime, _: Phase, _: String) {}
    fn after_event(&mut self, _now: SimTime, forward: &[FluidLink], reverse: &[FluidLink]) {
        self.events += 1;
        for link in forward.iter().chain(reverse) {
            let error = link.conservation_error() / link.total_bytes().max(1.0);
            self.worst_relative_error = self.worst_relative_error.max(error);
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
fn bytes_are_conserved_at_every_event_in_every_shipped_scenario() {
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
                inspector.worst_relative_error < 1e-9,
                "{}: replication {k}: bytes written != sent + queued (relative error {})",
                path.display(),
                inspector.worst_relative_error
            );
        }
    }
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
            if after.time == before.time && after.written > before.written {
                if let Some(done) = time_sent_reaches(history, after.written) {
                    sojourns.push(done.since(after.time).as_secs_f64());
                }
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
        assert_eq!(l.rto.as_millis() - p.rto.as_millis(), 180_000);
    }
}
