//! The pages in a real browser: headless Chromium driven over the DevTools
//! protocol (a WebSocket), clicking through the lesson and changing a control
//! on the served page, and reading what is shown.
//!
//! These tests need Chromium. `build.rs` compiles them as ignored, with the
//! reason, where none is on PATH, so `cargo test` reports them as not run;
//! `.ci/run` installs Chromium and sets DRSIM_BROWSER_TEST=1, under which
//! they always run and a missing browser fails them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket, stream::MaybeTlsStream};

use crate::support::{drsim, stderr};
use crate::teaching::Served;

/// The Chromium on PATH, which the build found (or CI requires).
pub fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| {
            ["chromium", "chromium-browser", "google-chrome"].map(|name| dir.join(name))
        })
        .find(|p| p.is_file())
        .expect("DRSIM_BROWSER_TEST=1 (or the build found one) but no Chromium is on PATH")
}

/// The flags a headless Chromium needs on a machine without a network.
pub const HEADLESS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// One page of a headless Chromium, driven over the DevTools protocol.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Browser {
    fn start() -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let child = Command::new(chromium())
            .args(HEADLESS)
            .arg("--remote-debugging-port=0")
            .arg("--window-size=1200,1600")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Chromium starts");
        // Chromium writes the port it chose into the profile.
        let active = profile.path().join("DevToolsActivePort");
        let port = wait_for(Duration::from_secs(30), || {
            std::fs::read_to_string(&active)
                .ok()
                .and_then(|t| t.lines().next()?.trim().parse::<u16>().ok())
        })
        .expect("Chromium opens its DevTools port");
        let page = wait_for(Duration::from_secs(10), || {
            let list: Value = serde_json::from_str(&http_get(port, "/json/list")?).ok()?;
            list.as_array()?
                .iter()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_string))
        })
        .expect("a page to drive");
        let (socket, _) = tungstenite::connect(page.as_str()).expect("the DevTools socket");
        // A page that never answers fails the test rather than hanging it.
        if let MaybeTlsStream::Plain(tcp) = socket.get_ref() {
            tcp.set_read_timeout(Some(Duration::from_secs(60)))
                .expect("a read timeout");
        }
        Browser {
            child,
            _profile: profile,
            socket,
            next_id: 0,
        }
    }

    /// Sends a command and returns its result (events in between are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "id": id, "method": method, "params": params });
        self.socket
            .send(Message::text(message.to_string()))
            .expect("sends");
        loop {
            let Message::Text(text) = self.socket.read().expect("reads") else {
                continue;
            };
            let answer: Value = serde_json::from_str(text.as_str()).expect("JSON");
            if answer["id"] == id {
                assert!(answer.get("error").is_none(), "{method}: {answer}");
                return answer["result"].clone();
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_until("document.readyState === 'complete'");
    }

    /// Waits (up to 30 s) until `condition` holds in the page.
    fn wait_until(&mut self, condition: &str) {
        let held = wait_for(Duration::from_secs(30), || {
            (self.eval(condition) == Value::Bool(true)).then_some(())
        });
        assert!(held.is_some(), "the page never showed: {condition}");
    }

    /// Presses a key, as a person would (not a synthetic DOM event).
    fn press(&mut self, key: &str, code: &str, key_code: u32) {
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": key, "code": code, "windowsVirtualKeyCode": key_code }),
            );
        }
    }

    /// Text shown in the element `selector` (an SVG element has no
    /// innerText: its texts, one per line).
    fn text(&mut self, selector: &str) -> String {
        self.eval(&format!(
            "(() => {{ const e = document.querySelector('{selector}'); \
             return e instanceof HTMLElement ? e.innerText \
             : [...e.querySelectorAll('text')].map(t => t.textContent).join('\\n'); }})()"
        ))
        .as_str()
        .unwrap_or_default()
        .to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return Some(v);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The body of a GET to Chromium's DevTools HTTP endpoint, which keeps the
/// connection open: the body is read to its Content-Length.
fn http_get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        if body.len() >= length {
            return Some(body.to_string());
        }
    }
}

#[test]
#[cfg_attr(
    not(drsim_browser),
    ignore = "needs headless Chromium on PATH (.ci/run installs it and sets DRSIM_BROWSER_TEST=1)"
)]
fn the_lesson_steps_to_the_failback_in_a_real_browser() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().to_str().expect("utf-8");
    let o = drsim(&["teach", "scenarios/minimal.toml", "-k", "0", "--out", out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut b = Browser::start();
    b.open(&format!("file://{}/lesson.html", dir.path().display()));
    assert!(b.text("#stages li.current").contains("Replicating"));
    assert!(b.text("#diagram").contains("replicating to Azure"));
    // Click Next until the current stage is 3, as a student would.
    let mut clicks = 0;
    while !b.text("#event-stage").contains("stage 3") {
        b.eval("document.getElementById('next').click()");
        clicks += 1;
        assert!(clicks < 200, "never reached stage 3");
    }
    assert!(
        b.text("#stages li.current")
            .contains("3. Fail over from Azure")
    );
    let shown = b.text("#now");
    assert!(
        shown.contains("failback started (planned failover)"),
        "{shown}"
    );
    assert!(
        shown.contains("Stage 3, failback"),
        "the plain-language sentence: {shown}"
    );
    // From the failback's start the service is down (the planned downtime)
    // and nothing protects it; a step back, it ran in Azure, protected to
    // on-premises.
    let diagram = b.text("#diagram");
    assert!(
        diagram.contains("SERVICE DOWN") && diagram.contains("NOT protected"),
        "{diagram}"
    );
    b.press("ArrowLeft", "ArrowLeft", 37);
    let diagram = b.text("#diagram");
    assert!(diagram.contains("service runs here"), "{diagram}");
    assert!(diagram.contains("replicating to on-premises"), "{diagram}");
    assert!(!diagram.contains("NOT protected"), "{diagram}");
    b.press("ArrowRight", "ArrowRight", 39);
    assert!(b.text("#event-stage").contains("stage 3"));
    // The keys: 1 jumps to the failover, End to the last step (stage 4).
    b.press("1", "Digit1", 49);
    assert!(b.text("#event-text").contains("OUTAGE"));
    b.press("End", "End", 35);
    assert!(
        b.text("#stages li.current")
            .contains("4. Reprotect on-premises")
    );
    assert!(b.text("#event-text").contains("cycle closed"));
    // The glossary maps the portal's RPO to drsim's.
    assert!(
        b.text("#glossary")
            .contains("the portal shows is a live figure")
    );
    // A link opens the lesson at a stage.
    let mut linked = Browser::start();
    linked.open(&format!(
        "file://{}/lesson.html#stage=2",
        dir.path().display()
    ));
    assert!(
        linked
            .text("#stages li.current")
            .contains("2. Reprotect Azure VMs")
    );
    assert!(
        linked
            .text("#event-text")
            .contains("primary site usable again")
    );
}

#[test]
#[cfg_attr(
    not(drsim_browser),
    ignore = "needs headless Chromium on PATH (.ci/run installs it and sets DRSIM_BROWSER_TEST=1)"
)]
fn the_served_page_redraws_when_a_control_changes() {
    let served = Served::start("scenarios/minimal.toml");
    let mut b = Browser::start();
    b.open(&format!("http://{}/", served.address));
    // The page runs the scenario as written when it opens.
    b.wait_until("window.drsimRuns === 1");
    let before = b.eval("Number(document.getElementById('dist-rpo_s').dataset.p95)");
    let verdicts = b.text("#verdicts");
    assert!(
        verdicts.contains("rpo_s") && verdicts.contains("MET"),
        "{verdicts}"
    );
    // A slow link: the class changes the bandwidth below the VM's 1.6 Mbps
    // of churn, so the link is over capacity: the RPO has no value (it grows
    // without bound), the page says so and the target is missed.
    b.eval(
        "(() => { const i = document.querySelector('[data-key=\"link.wan.bandwidth\"]'); \
         i.value = '1.5 Mbps'; i.dispatchEvent(new Event('change')); })()",
    );
    b.wait_until("window.drsimRuns === 2");
    let after = b.eval("Number(document.getElementById('dist-rpo_s').dataset.p95)");
    assert!(
        after.as_f64().unwrap_or(f64::INFINITY) > before.as_f64().unwrap(),
        "RPO p95 {before} s -> {after} s on a slower link"
    );
    assert!(
        b.text("#distributions").contains("over capacity"),
        "{}",
        b.text("#distributions")
    );
    assert!(b.text("#status").contains("link.wan.bandwidth = 1.5 Mbps"));
    assert!(b.text("#verdicts").contains("rpo_s <= 15m00s"));
    assert!(
        b.text("#verdicts").contains("MISSED"),
        "{}",
        b.text("#verdicts")
    );
    // A bad value is shown, located, and nothing is redrawn.
    b.eval(
        "(() => { const i = document.querySelector('[data-key=\"link.wan.bandwidth\"]'); \
         i.value = 'fast'; i.dispatchEvent(new Event('change')); })()",
    );
    b.wait_until("document.getElementById('status').className === 'error'");
    assert!(b.text("#status").contains("link.wan.bandwidth=fast"));
}
