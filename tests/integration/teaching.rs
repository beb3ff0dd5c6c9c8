//! `drsim teach` and `drsim serve`: the lesson says what `trace` says, and the
//! served what-if page answers as `run --format json` does, bound to
//! 127.0.0.1 only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};

use crate::support::{drsim, repo, stderr, stdout};

/// The lesson's data: the JSON inlined in lesson.html.
fn lesson_data(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/json\" id=\"lesson-data\">")
        .expect("the lesson's data is inline");
    let rest = &html[start..];
    let open = rest.find('>').expect("tag") + 1;
    let close = rest.find("</script>").expect("end");
    serde_json::from_str(&rest[open..close].replace("<\\/", "</")).expect("JSON")
}

/// The event lines of `trace`'s narration: `(at, clock, stage label, text)`.
fn trace_events(narration: &str) -> Vec<(String, String, String, String)> {
    narration
        .lines()
        .take_while(|l| !l.starts_with("metrics:") && !l.is_empty())
        .filter_map(|l| {
            let l = l.trim_start();
            if !l.starts_with("t0") {
                return None;
            }
            let (at, rest) = l.split_once("  ")?;
            let rest = rest.trim_start();
            let open = rest.find("  [")?;
            let clock = rest[..open].trim().to_string();
            let rest = &rest[open + 3..];
            let (stage, text) = rest.split_once("] ")?;
            if text.contains("churn changes from") && text.contains("not shown") {
                return None;
            }
            Some((at.to_string(), clock, stage.to_string(), text.to_string()))
        })
        .collect()
}

#[test]
fn the_lessons_events_and_times_are_the_traces() {
    for (scenario, k) in [
        ("scenarios/minimal.toml", "0"),
        ("scenarios/minimal.toml", "7"),
        ("scenarios/three-tier.toml", "3"),
        ("scenarios/drills-and-windows.toml", "11"),
        ("scenarios/maintenance-window.toml", "2"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().to_str().expect("utf-8");
        let o = drsim(&["teach", scenario, "-k", k, "--out", out]);
        assert!(o.status.success(), "{}", stderr(&o));
        let html = std::fs::read_to_string(dir.path().join("lesson.html")).expect("lesson.html");
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http"),
            "the lesson loads nothing"
        );
        let data = lesson_data(&html);
        let o = drsim(&["trace", scenario, "-k", k, "--no-charts"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let expected = trace_events(&stdout(&o));
        let events = data["events"].as_array().expect("events");
        let got: Vec<(String, String, String, String)> = events
            .iter()
            .map(|e| {
                let field = |k: &str| e[k].as_str().expect("a string").to_string();
                (
                    field("at"),
                    field("clock"),
                    field("stage_label"),
                    field("text"),
                )
            })
            .collect();
        assert!(
            expected.len() > 10,
            "{scenario} -k {k}: the trace has its events"
        );
        assert_eq!(got, expected, "{scenario} -k {k}");
        // Each event has a sentence, and the times are in order.
        let at: Vec<f64> = events.iter().map(|e| e["at_s"].as_f64().unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] <= w[1]));
        assert!(
            events
                .iter()
                .all(|e| e["explain"].as_str().is_some_and(|s| s.len() > 20))
        );
        // The headline figures are the trace's metric values.
        for f in data["figures"].as_array().expect("figures") {
            let line = format!(
                "  {:<28} {:>14}",
                f["metric"].as_str().unwrap(),
                f["value"].as_str().unwrap()
            );
            assert!(stdout(&o).contains(&line), "{scenario}: {line}");
        }
    }
}

#[test]
fn every_step_of_the_shipped_cycles_has_its_own_sentence() {
    use drsim::cycle::Phase;
    // A step that falls back to its stage's sentence says nothing of itself:
    // every note of the teaching scenario's cycles has a rule.
    let fallbacks: Vec<String> = [
        Phase::Replicating,
        Phase::Failover,
        Phase::Reprotect,
        Phase::Failback,
        Phase::ReprotectBack,
    ]
    .into_iter()
    .map(|p| drsim::report::lesson::explain(p, "\u{0}"))
    .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    for (scenario, k) in [
        ("scenarios/minimal.toml", "0"),
        ("scenarios/minimal.toml", "1"),
        ("scenarios/three-tier.toml", "3"),
    ] {
        let o = drsim(&["teach", scenario, "-k", k, "--out", out]);
        assert!(o.status.success(), "{}", stderr(&o));
        let html = std::fs::read_to_string(dir.path().join("lesson.html")).expect("lesson.html");
        for e in lesson_data(&html)["events"].as_array().unwrap() {
            let explain = e["explain"].as_str().unwrap().to_string();
            assert!(!fallbacks.contains(&explain), "{}: {explain}", e["text"]);
        }
    }
}

#[test]
fn the_lanes_follow_the_cycle() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&["teach", "scenarios/minimal.toml", "-k", "0", "--out", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data = lesson_data(&std::fs::read_to_string(dir.path().join("lesson.html")).unwrap());
    let states = |lane: &str| -> Vec<String> {
        data["lanes"][lane]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["state"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        states("service"),
        ["on-premises", "down", "azure", "down", "on-premises"]
    );
    assert_eq!(
        states("replication"),
        [
            "to-azure",
            "none",
            "initial-sync-to-on-premises",
            "to-on-premises",
            "none",
            "initial-sync-to-azure",
            "to-azure"
        ]
    );
    assert_eq!(
        states("protection"),
        [
            "protected",
            "unprotected",
            "protected",
            "unprotected",
            "protected"
        ]
    );
    // The service comes back in Azure at the RTO (rto_s of the figures).
    let rto: f64 = data["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["metric"] == "rto_s")
        .and_then(|f| f["value"].as_str()?.parse().ok())
        .expect("rto_s");
    let azure = &data["lanes"]["service"][2];
    assert!((azure["from_s"].as_f64().unwrap() - rto).abs() < 1e-6);
}

#[test]
fn a_failed_failback_and_its_cancellation_are_steps_and_lanes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let set = ["--set", "failback.failure_probability=0.9"];
    let o = drsim(
        &[
            &["teach", "scenarios/minimal.toml", "-k", "0", "--out", out][..],
            &set,
        ]
        .concat(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let data = lesson_data(&std::fs::read_to_string(dir.path().join("lesson.html")).unwrap());
    let o = drsim(
        &[
            &["trace", "scenarios/minimal.toml", "-k", "0", "--no-charts"][..],
            &set,
        ]
        .concat(),
    );
    let texts: Vec<&str> = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    let traced: Vec<String> = trace_events(&stdout(&o)).into_iter().map(|e| e.3).collect();
    assert_eq!(texts, traced);
    let cancelled = data["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["text"]
                .as_str()
                .unwrap()
                .contains("failback attempt 1 failed")
        })
        .expect("the failed attempt is a step");
    assert!(
        cancelled["explain"]
            .as_str()
            .unwrap()
            .contains("cancels it")
    );
    // The service: on-premises, down, Azure; then down and back in Azure for
    // each failed attempt; then down (the failback that succeeds) and home.
    let service: Vec<&str> = data["lanes"]["service"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    let failed = texts
        .iter()
        .filter(|t| t.contains("did not come up"))
        .count();
    assert!(failed >= 1);
    let mut expected = vec!["on-premises", "down", "azure"];
    for _ in 0..failed {
        expected.extend(["down", "azure"]);
    }
    expected.extend(["down", "on-premises"]);
    assert_eq!(service, expected);
}

#[test]
fn the_lesson_is_the_same_file_on_every_run() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        let out = dir.path().to_str().unwrap();
        let o = drsim(&[
            "teach",
            "scenarios/three-tier.toml",
            "-k",
            "5",
            "--out",
            out,
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let read = |d: &tempfile::TempDir| std::fs::read(d.path().join("lesson.html")).unwrap();
    assert_eq!(read(&a), read(&b));
}

#[test]
fn teach_refuses_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lesson");
    let o = drsim(&[
        "teach",
        "scenarios/minimal.toml",
        "--set",
        "link.wan.bandwidth=0 Mbps",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("link.wan.bandwidth"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
}

#[test]
fn teach_refuses_a_replication_past_the_run() {
    let o = drsim(&["teach", "scenarios/minimal.toml", "-k", "2000"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--replication 2000"), "{}", stderr(&o));
}

/// A `drsim serve` process on a free port, killed when dropped.
#[derive(Debug)]
pub struct Served {
    child: Child,
    pub address: SocketAddr,
}

impl Served {
    pub fn start(scenario: &str) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_drsim"))
            .args(["serve", scenario, "--port", "0"])
            .current_dir(repo())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("drsim serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the first line");
        let address = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("an address in {line:?}"));
        Served { child, address }
    }

    /// `(status, body)` of one request.
    pub fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.address).expect("connects");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .expect("sends");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reads");
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status");
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The p95 of `metric` over the population its target is judged on.
fn p95(doc: &serde_json::Value, metric: &str) -> f64 {
    let over = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["metric"] == metric)
        .map_or("all", |t| t["over"].as_str().unwrap());
    doc["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric && m["population"] == over)
        .and_then(|m| m["p95"].as_f64())
        .expect("a p95")
}

#[test]
fn more_bandwidth_never_gives_a_worse_rpo_p95() {
    let served = Served::start("scenarios/three-tier.toml");
    let mut last = f64::INFINITY;
    let mut last_met = 0.0;
    let mut first = None;
    for bandwidth in ["40 Mbps", "80 Mbps", "160 Mbps", "320 Mbps", "1 Gbps"] {
        let body = format!(
            r#"{{"set": {{"link.expressroute.bandwidth": "{bandwidth}"}}, "replications": 400}}"#
        );
        let (status, answer) = served.request("POST", "/api/run", &body);
        assert_eq!(status, 200, "{answer}");
        let doc: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
        // Replications over capacity have no RPO (docs/model.md,
        // "Capacity"): the p95 is over the others, so compare it only where
        // none is over; the share meeting the target counts them all.
        let over = mean(&doc, "over_capacity");
        let met = mean(&doc, "rpo_target_met");
        assert!(met >= last_met, "{bandwidth}: met {met}, below {last_met}");
        last_met = met;
        if over > 0.0 {
            first.get_or_insert(f64::INFINITY);
            continue;
        }
        let rpo = p95(&doc, "rpo_s");
        assert!(
            rpo <= last,
            "{bandwidth}: RPO p95 {rpo} s, above {last} s with less bandwidth"
        );
        first.get_or_insert(rpo);
        last = rpo;
    }
    // 40 Mbps is below the VMs' churn: the link matters, and the check bites.
    assert!(first.unwrap() > 10.0 * last, "{first:?} against {last}");
}

/// The mean of `metric` over all outages (or declared, where only that).
fn mean(doc: &serde_json::Value, metric: &str) -> f64 {
    doc["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == metric)
        .and_then(|m| m["mean"].as_f64())
        .unwrap_or_else(|| panic!("no {metric} in {doc}"))
}

#[test]
fn the_served_run_is_runs_json_document() {
    let served = Served::start("scenarios/minimal.toml");
    let (status, answer) = served.request(
        "POST",
        "/api/run",
        r#"{"set": {"vm.app1.churn": "2 MB/s"}, "replications": 300}"#,
    );
    assert_eq!(status, 200, "{answer}");
    let served_doc: serde_json::Value = serde_json::from_str(&answer).expect("JSON");
    let dir = tempfile::tempdir().expect("temp dir");
    let o = drsim(&[
        "run",
        "scenarios/minimal.toml",
        "--set",
        "vm.app1.churn=2 MB/s",
        "-n",
        "300",
        "--no-charts",
        "--format",
        "json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut run_doc: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    run_doc["files"] = serde_json::json!([]);
    assert_eq!(served_doc, run_doc, "the same document, but no files");
}

#[test]
fn a_bad_key_or_value_answers_400_naming_it() {
    let served = Served::start("scenarios/minimal.toml");
    let (status, body) = served.request(
        "POST",
        "/api/run",
        r#"{"set": {"recovery.decision_dely": "1h"}, "replications": 10}"#,
    );
    assert_eq!(status, 400);
    assert!(body.contains("recovery.decision_dely"), "{body}");
    assert!(body.contains("decision_delay"), "suggests the key: {body}");
    let (status, body) = served.request(
        "POST",
        "/api/run",
        r#"{"set": {"link.wan.bandwidth": "fast"}, "replications": 10}"#,
    );
    assert_eq!(status, 400);
    assert!(
        body.contains("link.wan.bandwidth") && body.contains("fast"),
        "{body}"
    );
    let (status, _) = served.request("POST", "/api/run", r#"{"replications": 1000000}"#);
    assert_eq!(status, 400);
    let (status, page) = served.request("GET", "/", "");
    assert_eq!(status, 200);
    assert!(page.contains("id=\"whatif\""));
}

#[test]
fn a_port_in_use_is_a_usage_error_naming_it() {
    let served = Served::start("scenarios/minimal.toml");
    let port = served.address.port().to_string();
    let o = drsim(&["serve", "scenarios/minimal.toml", "--port", &port]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("--port {port}: cannot listen")),
        "{}",
        stderr(&o)
    );
}

#[test]
fn the_server_listens_on_127_0_0_1_only() {
    let served = Served::start("scenarios/minimal.toml");
    assert_eq!(served.address.ip(), std::net::Ipv4Addr::LOCALHOST);
    // The listening socket itself is bound to 127.0.0.1 (Linux's table of
    // TCP sockets: local address 0100007F, state 0A = LISTEN).
    if let Ok(table) = std::fs::read_to_string("/proc/net/tcp") {
        let port = format!("{:04X}", served.address.port());
        let listening: Vec<&str> = table
            .lines()
            .filter(|l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                fields.len() > 3 && fields[1].ends_with(&format!(":{port}")) && fields[3] == "0A"
            })
            .collect();
        assert_eq!(listening.len(), 1, "{listening:?}");
        assert!(
            listening[0].contains(&format!("0100007F:{port}")),
            "{}",
            listening[0]
        );
    }
    // And from another of this machine's addresses, if it has one, the port
    // refuses the connection.
    let other = std::net::UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|_| s))
        .and_then(|s| s.local_addr())
        .ok()
        .map(|a| a.ip())
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    if let Some(ip) = other {
        let refused = TcpStream::connect_timeout(
            &SocketAddr::new(ip, served.address.port()),
            std::time::Duration::from_secs(2),
        );
        assert!(refused.is_err(), "{ip} reached the server");
    }
}
