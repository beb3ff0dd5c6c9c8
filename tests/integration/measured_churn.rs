//! Measured churn ([16]): profiles replayed from a file, their gaps, the
//! block bootstrap, and the checks the issue names (a constant profile is the
//! constant process; a daily peak shows in the RPO by hour).

use std::path::Path;

use drsim::scenario::Scenario;

use crate::support::{drsim, one_vm, outcomes, repo, stderr};

/// A profile of `days` days from Monday 2026-11-02 00:00 UTC, a sample every
/// `step_min` minutes, the rate `rate(hour of day)` in bytes/s.
fn profile(days: u32, step_min: u32, rate: impl Fn(u32) -> f64) -> String {
    let mut text = String::from("# a test profile\ntime,write_rate\n");
    for i in 0..days * 24 * 60 / step_min {
        let minutes = i * step_min;
        let (day, hour, minute) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
        text.push_str(&format!(
            "2026-11-{:02}T{hour:02}:{minute:02}:00Z,{}\n",
            2 + day,
            rate(hour)
        ));
    }
    text
}

/// One VM replaying `file` (written to `dir` with `csv`), over a link of
/// `bandwidth`; `extra` replaces the outage's duration line to add keys.
fn replay_scenario(dir: &Path, csv: &str, churn: &str, bandwidth: &str, extra: &str) -> Scenario {
    std::fs::write(dir.join("profile.csv"), csv).expect("write the profile");
    let text = one_vm(
        "crash_consistent_interval = \"5m\"\nprocessing_delay = { dist = \"uniform\", min = \"1m\", max = \"9m\" }",
        "CHURN",
        bandwidth,
    )
    .replace("churn = \"CHURN\"", &format!("churn = {churn}"))
    .replace("duration = \"2h\"", &format!("duration = \"2h\"\n{extra}"));
    let path = dir.join("s.toml");
    std::fs::write(&path, text).expect("write the scenario");
    Scenario::from_path(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_constant_profile_replays_as_the_constant_process() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = profile(14, 5, |_| 4e6);
    let at = "at = \"Tue 14:30\"";
    let replayed = replay_scenario(
        dir.path(),
        &csv,
        "{ replay = \"profile.csv\" }",
        "5 MB/s",
        at,
    );
    let constant = replay_scenario(dir.path(), &csv, "\"4 MB/s\"", "5 MB/s", at);
    // At a fixed time of week, the outage falls on that time in the profile
    // and every draw is shared: the same seed gives the same RPO exactly.
    let (a, b) = (outcomes(&replayed, 400, 11), outcomes(&constant, 400, 11));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (x.outage_start, x.rpo, x.rto),
            (y.outage_start, y.rpo, y.rto)
        );
        assert_eq!(x.data_lost_bytes, y.data_lost_bytes);
    }
    // At a random time the outage falls uniformly over the profile (not the
    // week's draw): the same distribution, within sampling error.
    let replayed = replay_scenario(
        dir.path(),
        &csv,
        "{ replay = \"profile.csv\" }",
        "5 MB/s",
        "",
    );
    let constant = replay_scenario(dir.path(), &csv, "\"4 MB/s\"", "5 MB/s", "");
    let mean = |s: &Scenario| {
        let o = outcomes(s, 4000, 5);
        o.iter().map(|o| o.rpo.as_secs_f64()).sum::<f64>() / o.len() as f64
    };
    let (m1, m2) = (mean(&replayed), mean(&constant));
    // RPO is schedule (0-5 min) plus processing (1-9 min): a spread of
    // about 170 s, so a standard error of the difference of about 4 s.
    assert!((m1 - m2).abs() < 20.0, "{m1} against {m2}");
}

#[test]
fn a_daily_peak_shows_in_the_rpo_by_the_hour_of_the_outage() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 1 MB/s, but 8 MB/s from 12:00 to 14:00, over a 6 MB/s link: lag
    // builds through the peak and drains within the hour after.
    let csv = profile(14, 10, |h| if (12..14).contains(&h) { 8e6 } else { 1e6 });
    let s = replay_scenario(
        dir.path(),
        &csv,
        "{ replay = \"profile.csv\" }",
        "6 MB/s",
        "",
    );
    let mut sum = [0.0; 24];
    let mut count = [0u32; 24];
    for o in outcomes(&s, 6000, 3) {
        let hour = (o.outage_start.as_millis() / 3_600_000 % 24) as usize;
        sum[hour] += o.rpo.as_secs_f64();
        count[hour] += 1;
    }
    let mean: Vec<f64> = (0..24)
        .map(|h| sum[h] / f64::from(count[h].max(1)))
        .collect();
    let worst = (0..24)
        .max_by(|&a, &b| mean[a].total_cmp(&mean[b]))
        .expect("24 hours");
    // The lag peaks as the peak ends and its backlog drains (40 min at the
    // link's 5 MB/s to spare): the worst hours are the peak's and the next.
    assert!((12..=14).contains(&worst), "worst hour {worst}: {mean:?}");
    for h in (0..12).chain(15..24) {
        assert!(mean[h] < 0.6 * mean[13], "hour {h}: {mean:?}");
    }
    // Away from the peak the link keeps up: the RPO is schedule and processing.
    assert!(mean[6] < 600.0 && mean[13] > 2.0 * mean[6], "{mean:?}");
    assert!(
        count.iter().all(|&c| c > 150),
        "uniform over the day: {count:?}"
    );
}

#[test]
fn a_history_longer_than_the_profile_is_filled_with_whole_days_of_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Two days of a peak at 12:00-14:00; a week of history before the outage.
    let csv = profile(2, 10, |h| if (12..14).contains(&h) { 8e6 } else { 1e6 });
    let s = replay_scenario(
        dir.path(),
        &csv,
        "{ replay = \"profile.csv\" }",
        "6 MB/s",
        "at = \"Sun 13:50\"",
    );
    assert!(s.policy.history.as_secs_f64() < 7.0 * 86_400.0);
    let text = std::fs::read_to_string(dir.path().join("s.toml")).expect("scenario");
    let longer = text.replace("[replication]", "[replication]\nhistory = \"7d\"");
    std::fs::write(dir.path().join("s.toml"), longer).expect("write");
    let s = Scenario::from_path(&dir.path().join("s.toml")).unwrap_or_else(|e| panic!("{e}"));
    // Sunday 13:50 is beyond the two measured days: the profile's days fill
    // it, at their time of day, so the outage meets the peak's lag.
    for o in outcomes(&s, 50, 1) {
        assert_eq!(
            o.outage_start.as_millis() % 86_400_000,
            13 * 3_600_000 + 50 * 60_000
        );
        // At 13:50, 110 min into the peak, the link sends what was written
        // at 12:00 + 0.75 x 110 min: 27.5 min of lag.
        let lag = o.lag_at_outage.as_secs_f64();
        assert!((lag - 1650.0).abs() < 60.0, "{lag}");
    }
}

/// `drsim validate` on a scenario replaying `csv` with churn `churn`: its stderr.
fn refused(csv: &str, churn: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("profile.csv"), csv).expect("write");
    let text =
        one_vm("", "CHURN", "10 MB/s").replace("churn = \"CHURN\"", &format!("churn = {churn}"));
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).expect("write");
    let o = drsim(&["validate", path.to_str().expect("utf-8")]);
    assert!(!o.status.success(), "refused");
    stderr(&o)
}

#[test]
fn bad_profiles_are_refused_naming_the_file_line_and_key() {
    let day = profile(2, 60, |_| 1e6);
    let gap: String = day
        .lines()
        .enumerate()
        .filter(|(i, _)| !(10..20).contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let e = refused(&gap, "{ replay = \"profile.csv\" }");
    assert!(
        e.contains("profile.csv:10: series `vm`") && e.contains("a gap of 11h"),
        "{e}"
    );
    assert!(e.contains("churn.replay"), "the key: {e}");
    let e = refused(
        &day.replace("T05:00:00Z,1000000", "T05:00:00Z,lots"),
        "{ replay = \"profile.csv\" }",
    );
    assert!(e.contains("profile.csv:8: write_rate"), "{e}");
    let e = refused(&day, "{ replay = \"missing.csv\" }");
    assert!(e.contains("cannot read the churn profile"), "{e}");
    let e = refused(&day, "{ replay = \"profile.csv\", gaps = \"guess\" }");
    assert!(e.contains("gaps") && e.contains("interpolate"), "{e}");
    let e = refused(&day, "{ replay = \"profile.csv\", block = \"3d\" }");
    assert!(e.contains("less than one bootstrap block"), "{e}");
    let two = "time,vm,write_rate\n2026-11-02T00:00:00Z,a,1\n2026-11-02T00:00:00Z,b,1\n";
    let e = refused(two, "{ replay = \"profile.csv\" }");
    assert!(
        e.contains("no series `vm`") && e.contains("it has: a, b"),
        "{e}"
    );
    // A held gap is accepted.
    let dir = tempfile::tempdir().expect("tempdir");
    replay_scenario(
        dir.path(),
        &gap,
        "{ replay = \"profile.csv\", gaps = \"hold\", block = \"1h\" }",
        "10 MB/s",
        "",
    );
}

#[test]
fn a_performance_monitor_log_replays_its_hosts_disk_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut csv = String::from(
        "\"(PDH-CSV 4.0) (GMT Standard Time)(0)\",\"\\\\VM\\PhysicalDisk(0 C:)\\Disk Write Bytes/sec\",\"\\\\VM\\PhysicalDisk(1 D:)\\Disk Write Bytes/sec\"\n",
    );
    for i in 0..(2 * 24 * 60) {
        let (day, hour, minute) = (i / 1440, i / 60 % 24, i % 60);
        csv.push_str(&format!(
            "\"11/{:02}/2026 {hour:02}:{minute:02}:00.000\",\"1500000\",\"2500000\"\n",
            2 + day
        ));
    }
    let s = replay_scenario(
        dir.path(),
        &csv,
        "{ replay = \"profile.csv\" }",
        "5 MB/s",
        "",
    );
    // The two disks' writes add up to the VM's: 4 MB/s.
    assert_eq!(s.vms[0].churn.mean_rate(), 4e6);
    assert!(
        outcomes(&s, 20, 1)
            .iter()
            .all(|o| o.rpo.as_secs_f64() < 900.0)
    );
}

#[test]
fn the_shipped_measured_scenario_runs_and_its_rpo_follows_the_working_day() {
    let s = Scenario::from_path(&repo().join("scenarios/measured-churn.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut night = (0.0, 0);
    let mut afternoon = (0.0, 0);
    for o in outcomes(&s, 1500, 2).iter().filter(|o| o.declared) {
        let week_hour = o.outage_start.as_millis() / 3_600_000;
        let (day, hour) = (week_hour / 24, week_hour % 24);
        let bucket = match (day < 5, hour) {
            (true, 15..=17) => &mut afternoon,
            (true, 5..=7) => &mut night,
            _ => continue,
        };
        bucket.0 += o.rpo.as_secs_f64();
        bucket.1 += 1;
    }
    let (n, a) = (night.0 / night.1 as f64, afternoon.0 / afternoon.1 as f64);
    assert!(
        a > 2.0 * n,
        "weekday afternoons {a} s against early mornings {n} s"
    );
}

#[test]
fn the_profile_is_an_input_of_the_run_its_manifest_and_digest_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv = profile(2, 60, |_| 1e6);
    let a = replay_scenario(
        dir.path(),
        &csv,
        "{ replay = \"profile.csv\" }",
        "5 MB/s",
        "",
    );
    let b = replay_scenario(
        dir.path(),
        &csv.replace("T05:00:00Z,1000000", "T05:00:00Z,2000000"),
        "{ replay = \"profile.csv\" }",
        "5 MB/s",
        "",
    );
    // The same scenario text, another profile: another effective digest.
    assert_ne!(a.effective_sha256, b.effective_sha256);
    let out = dir.path().join("out");
    let o = drsim(&[
        "run",
        dir.path().join("s.toml").to_str().expect("utf-8"),
        "-n",
        "20",
        "--no-charts",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = std::fs::read_to_string(out.join("manifest.json")).expect("manifest");
    assert!(
        manifest.contains("\"churn_profiles\"") && manifest.contains("\"file\": \"profile.csv\""),
        "{manifest}"
    );
    assert_eq!(b.churn_profiles()[0].1.len(), 64);
}
