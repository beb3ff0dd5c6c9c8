//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use drsim::cycle::CycleOutcome;
use drsim::montecarlo::{self, MonteCarloError, RunConfig};
use drsim::scenario::Scenario;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `drsim` binary with `args` from the repository root.
pub fn drsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_drsim"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("the drsim binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every `.toml` file in `dir`, sorted.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("directory exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

pub fn scenario(text: &str) -> Scenario {
    match Scenario::from_toml(text, "test.toml") {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid: {e}"),
    }
}

/// All outcomes of a run, in replication order.
pub fn outcomes(s: &Scenario, replications: u64, seed: u64) -> Vec<CycleOutcome> {
    let mut all = Vec::new();
    let config = RunConfig {
        replications,
        seed,
        threads: None,
    };
    montecarlo::run(s, config, |o| {
        all.push(o.clone());
        Ok::<(), MonteCarloError>(())
    })
    .expect("thread pool starts");
    all
}

/// The cells of column `name` of a CSV file written by drsim (header first),
/// as numbers; an empty cell (a metric that does not exist) is `None`.
pub fn csv_column(file: &Path, name: &str) -> Vec<Option<f64>> {
    let text = std::fs::read_to_string(file).expect("the CSV file");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {}", file.display()));
    lines
        .map(|l| l.split(',').nth(col).expect("cell").parse::<f64>().ok())
        .collect()
}

/// A one-VM scenario whose `[replication]`, `[[vm]]` churn and link bandwidth are given.
pub fn one_vm(replication: &str, churn: &str, bandwidth: &str) -> String {
    format!(
        r#"
[[site]]
id = "dc"
role = "primary"
[[site]]
id = "azure"
role = "recovery"
[[link]]
id = "wan"
from = "dc"
to = "azure"
bandwidth = "{bandwidth}"
[replication]
{replication}
[[group]]
id = "g"
[[vm]]
id = "vm"
group = "g"
disk_size = "100 GB"
churn = "{churn}"
boot_time = "5m"
[[outage]]
kind = "site"
site = "dc"
duration = "2h"
[recovery]
detection_delay = "5m"
decision_delay = "10m"
"#
    )
}

/// The blocks `written` bytes change on a working set of `working_set` bytes
/// (the disk by default): `W (1 - exp(-w / W))`, what a failover to an older
/// point loses (docs/metrics.md, `data_lost_bytes`).
pub fn changed_blocks(written: f64, working_set: f64) -> f64 {
    working_set * -(-written / working_set).exp_m1()
}
