//! `drsim serve`: the lesson and a what-if page for a class, served on
//! 127.0.0.1 only (docs/teaching.md).
//!
//! [`Site`] answers requests without a socket (method, path, body in; status,
//! type, body out), so what the server says is tested like any other code;
//! [`listen`] is the thin HTTP edge (tiny_http) around it, bound to the
//! loopback address and to nothing else.
//!
//! - `GET /`: the lesson page of one replication, with controls for the
//!   scenario's key values.
//! - `POST /api/run` with `{"set": {"KEY": "VALUE", ...}, "replications": N}`
//!   (keys as `--set` takes them): the document `drsim run --format json`
//!   prints for the scenario so changed, with no files listed (nothing is
//!   written). A bad key or value answers 400 with the located message.
//!
//! Requests are bounded: at most [`MAX_REPLICATIONS`] replications, a body
//! of at most [`MAX_BODY_BYTES`], and [`MAX_CONCURRENT_RUNS`] runs at once
//! (another answers 503 at once rather than queue behind them).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;

use crate::montecarlo::RunConfig;
use crate::report::lesson::{Control, Lesson, WhatIf, render};
use crate::scenario::overrides::{entry_ids, parse_all_as, written_at};
use crate::scenario::{Scenario, ScenarioFile};
use crate::store::StoreError;
use crate::study::{StudyError, Unwatched};

/// The most replications one request may run.
pub const MAX_REPLICATIONS: u64 = 20_000;
/// The largest request body read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Runs at once; each already uses every core.
pub const MAX_CONCURRENT_RUNS: usize = 2;
/// Threads taking requests, so the page and a refusal still answer while
/// runs are busy.
const WORKERS: usize = 4;
/// At most this many VMs get a churn control (the first in the file).
const CHURN_CONTROLS: usize = 8;

/// An answer: HTTP status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Answer {
    fn json(status: u16, body: String) -> Answer {
        Answer {
            status,
            content_type: "application/json",
            body: body.into_bytes(),
        }
    }

    fn error(status: u16, message: &str) -> Answer {
        Answer::json(
            status,
            serde_json::json!({ "error": message }).to_string() + "\n",
        )
    }
}

/// What `/api/run` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRequest {
    #[serde(default)]
    set: BTreeMap<String, serde_json::Value>,
    replications: Option<u64>,
}

/// The served scenario: its file (read once), the overrides from the
/// command line, the lesson page, and the runs in progress.
#[derive(Debug)]
pub struct Site {
    file: ScenarioFile,
    base_sets: Vec<String>,
    seed: u64,
    replications: u64,
    page: String,
    running: AtomicUsize,
}

impl Site {
    /// The site for `file` with the command line's `sets`; the lesson replays
    /// replication `k` of a run of `count` replications (default: the
    /// scenario's) from `seed` (default: the scenario's).
    pub fn new(
        file: ScenarioFile,
        sets: Vec<String>,
        (k, count): (u64, Option<u64>),
        seed: Option<u64>,
    ) -> Result<Site, StoreError> {
        let overrides = parse_all_as("--set", &sets)?;
        let s = file.load(&overrides)?;
        crate::study::trace::check_replication(k, count.unwrap_or(s.simulation.replications))
            .map_err(|e| StoreError::Refused {
                flag: e.flag,
                message: e.message,
            })?;
        let seed = seed.unwrap_or(s.simulation.seed);
        let lesson = Lesson::replay(&s, seed, k)?;
        let replications = s.simulation.replications.min(MAX_REPLICATIONS);
        let what_if = WhatIf {
            // The values as served: the file with the command line's --set.
            controls: controls(&file.effective_text(&overrides)?, &s),
            replications,
            max_replications: MAX_REPLICATIONS,
        };
        let page = render(&lesson, Some(&what_if));
        Ok(Site {
            file,
            base_sets: sets,
            seed,
            replications,
            page,
            running: AtomicUsize::new(0),
        })
    }

    /// The answer to one request.
    pub fn answer(&self, method: &str, path: &str, body: &[u8]) -> Answer {
        let path = path.split('?').next().unwrap_or(path);
        match (method, path) {
            ("GET", "/") | ("GET", "/index.html") => Answer {
                status: 200,
                content_type: "text/html; charset=utf-8",
                body: self.page.clone().into_bytes(),
            },
            ("POST", "/api/run") => self.run(body),
            (_, "/" | "/index.html" | "/api/run") => {
                Answer::error(405, &format!("{method} {path}: not allowed here"))
            }
            _ => Answer::error(
                404,
                &format!("{path}: no such page (try / or POST /api/run)"),
            ),
        }
    }

    fn run(&self, body: &[u8]) -> Answer {
        if body.len() > MAX_BODY_BYTES {
            return Answer::error(413, &format!("the request is over {MAX_BODY_BYTES} bytes"));
        }
        let request: RunRequest = match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => {
                return Answer::error(
                    400,
                    &format!(
                        "the body must be {{\"set\": {{\"KEY\": \"VALUE\", ...}}, \"replications\": N}}: {e}"
                    ),
                );
            }
        };
        let replications = request.replications.unwrap_or(self.replications);
        if !(1..=MAX_REPLICATIONS).contains(&replications) {
            return Answer::error(
                400,
                &format!("replications: {replications} is not between 1 and {MAX_REPLICATIONS}"),
            );
        }
        let mut sets = self.base_sets.clone();
        for (key, value) in &request.set {
            let value = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                _ => {
                    return Answer::error(
                        400,
                        &format!(
                            "set.{key}: give the value as a string, as --set takes it (e.g. \"300 Mbps\")"
                        ),
                    );
                }
            };
            if key.contains('=') {
                return Answer::error(400, &format!("set: the key `{key}` holds `=`"));
            }
            sets.push(format!("{key}={value}"));
        }
        // As `run --set` reads them, so the document (its `source`) is the same.
        let scenario = parse_all_as("--set", &sets).and_then(|all| self.file.load(&all));
        let s = match scenario {
            Ok(s) => s,
            Err(e) => return Answer::error(400, &e.to_string()),
        };
        let Some(_permit) = Permit::take(&self.running) else {
            return Answer::error(
                503,
                &format!("{MAX_CONCURRENT_RUNS} runs are in progress; try again when one is done"),
            );
        };
        match self.run_json(&s, replications) {
            Ok(json) => Answer::json(200, json),
            Err(e) => Answer::error(422, &e.to_string()),
        }
    }

    fn run_json(&self, s: &Scenario, replications: u64) -> Result<String, StudyError> {
        let config = RunConfig {
            replications,
            seed: self.seed,
            ..RunConfig::from_scenario(s)
        };
        let analysis = crate::study::run::in_memory(s, config, &Unwatched)?;
        Ok(crate::report::json::run_json(
            s,
            replications,
            self.seed,
            &analysis.summary,
            &[],
        ))
    }
}

/// A place among the runs at once, given back when dropped.
struct Permit<'a>(&'a AtomicUsize);

impl<'a> Permit<'a> {
    fn take(running: &'a AtomicUsize) -> Option<Permit<'a>> {
        running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_CONCURRENT_RUNS).then_some(n + 1)
            })
            .ok()
            .map(|_| Permit(running))
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The controls of the what-if panel: each link's bandwidth, the decision
/// delay, the first VMs' churn, the failback windows; each with its value in
/// the file (`text`), as `--set` takes it back.
fn controls(text: &str, s: &Scenario) -> Vec<Control> {
    let mut controls = Vec::new();
    let mut add = |key: String, label: String, hint: &str| {
        let value = written_at(text, &key).unwrap_or_default();
        controls.push(Control {
            key,
            label,
            value,
            hint: hint.to_string(),
        });
    };
    for id in entry_ids(text, "link") {
        add(
            format!("link.{id}.bandwidth"),
            format!("Link `{id}`: bandwidth"),
            "e.g. 50 Mbps, 1 Gbps: a slow link lets the replica fall behind (RPO)",
        );
    }
    add(
        "recovery.decision_delay".into(),
        "Decision delay".into(),
        "detected -> disaster declared: a duration (\"2h\") or a distribution; it adds to the RTO",
    );
    for id in entry_ids(text, "vm").into_iter().take(CHURN_CONTROLS) {
        add(
            format!("vm.{id}.churn"),
            format!("VM `{id}`: churn"),
            "how fast it writes, e.g. \"2 MB/s\"",
        );
    }
    let windows_hint = if s.failback.windows.is_empty() {
        "none: failback any time; e.g. [\"Sun 02:00-06:00\"] (a missed window waits a week)"
    } else {
        "weekly windows failback may start in; a missed window waits for the next"
    };
    add(
        "failback.windows".into(),
        "Failback windows".into(),
        windows_hint,
    );
    controls
}

/// Serves `site` on 127.0.0.1:`port` (never another address) until the
/// process ends; `ready` is told the address bound (port 0: a free one),
/// `log` one line per request.
pub fn listen(
    site: Arc<Site>,
    port: u16,
    ready: impl FnOnce(SocketAddr),
    log: impl Fn(String) + Send + Sync + 'static,
) -> Result<(), std::io::Error> {
    let server = tiny_http::Server::http(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .map_err(std::io::Error::other)?;
    let address = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| std::io::Error::other("the server has no IP address"))?;
    ready(address);
    let server = Arc::new(server);
    let log = Arc::new(log);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (server, site, log) = (server.clone(), site.clone(), log.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    respond(&site, request, &*log);
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.join();
    }
    Ok(())
}

fn respond(site: &Site, mut request: tiny_http::Request, log: &dyn Fn(String)) {
    let method = request.method().as_str().to_string();
    let path = request.url().to_string();
    let declared = request.body_length().unwrap_or(0);
    let answer = if declared > MAX_BODY_BYTES {
        Answer::error(413, &format!("the request is over {MAX_BODY_BYTES} bytes"))
    } else {
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut body);
        match read {
            Ok(_) => site.answer(&method, &path, &body),
            Err(e) => Answer::error(400, &format!("the request body could not be read: {e}")),
        }
    };
    log(format!("{method} {path} -> {}", answer.status));
    let header =
        tiny_http::Header::from_bytes("Content-Type", answer.content_type).expect("a valid header");
    let response = tiny_http::Response::from_data(answer.body)
        .with_status_code(answer.status)
        .with_header(header);
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/minimal.toml");
        Site::new(
            ScenarioFile::read(&path).unwrap(),
            Vec::new(),
            (0, None),
            None,
        )
        .unwrap()
    }

    #[test]
    fn a_bad_key_answers_400_naming_it() {
        let a = site().answer(
            "POST",
            "/api/run",
            br#"{"set":{"link.wan.bandwith":"1 Gbps"},"replications":10}"#,
        );
        assert_eq!(a.status, 400);
        let body = String::from_utf8(a.body).unwrap();
        assert!(body.contains("link.wan.bandwith"), "{body}");
        assert!(body.contains("bandwidth"), "suggests the key: {body}");
    }

    #[test]
    fn bounds_are_refused_before_running() {
        let s = site();
        let a = s.answer("POST", "/api/run", br#"{"replications":20001}"#);
        assert_eq!(a.status, 400);
        let a = s.answer("POST", "/api/run", br#"{"replication":5}"#);
        assert_eq!(a.status, 400, "an unknown field");
        let big = vec![b' '; MAX_BODY_BYTES + 1];
        assert_eq!(s.answer("POST", "/api/run", &big).status, 413);
        assert_eq!(s.answer("GET", "/api/run", b"").status, 405);
        assert_eq!(s.answer("GET", "/nothing", b"").status, 404);
    }

    #[test]
    fn runs_beyond_the_bound_wait_for_none() {
        let running = AtomicUsize::new(0);
        let permits: Vec<_> = (0..MAX_CONCURRENT_RUNS)
            .map(|_| Permit::take(&running).expect("a place"))
            .collect();
        assert!(Permit::take(&running).is_none());
        drop(permits);
        assert!(Permit::take(&running).is_some());
    }

    #[test]
    fn a_command_line_set_shows_in_its_control() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/minimal.toml");
        let sets = vec!["link.wan.bandwidth=20 Mbps".to_string()];
        let s = Site::new(ScenarioFile::read(&path).unwrap(), sets, (0, None), None).unwrap();
        let page = String::from_utf8(s.answer("GET", "/", b"").body).unwrap();
        assert!(page.contains("\"value\":\"20 Mbps\""));
    }

    #[test]
    fn the_controls_hold_the_files_values() {
        let s = site();
        let page = String::from_utf8(s.answer("GET", "/", b"").body).unwrap();
        assert!(page.contains("\"key\":\"link.wan.bandwidth\""));
        assert!(page.contains("\"value\":\"100 Mbps\""));
        assert!(page.contains("\"key\":\"vm.app1.churn\""));
        assert!(
            page.contains("dist = \\\"triangular\\\""),
            "the decision delay's distribution as written"
        );
    }
}
