//! The scenario file as read: its bytes once, their SHA-256, the overrides
//! applied to its text; and the bounds on what a file and a run may ask
//! (the file's size, replications, churn events), checked where they are
//! read.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::diagnostic::not_utf8;
use super::{Scenario, ScenarioError, overrides};

/// The events one replication may take before the runaway guard stops it:
/// this many, plus [`MAX_EVENTS_PER_VM`] per VM (docs/model.md, "Limits").
/// Validation refuses churn that would need more before the outage.
pub const MAX_EVENTS_BASE: u64 = 20_000_000;
/// See [`MAX_EVENTS_BASE`].
pub const MAX_EVENTS_PER_VM: u64 = 1_000_000;

/// The churn events (rate changes, on-off switches, bursts) one
/// replication may draw before the outage, expected: five million, about a
/// second of work; the shipped scenarios draw at most a few thousand.
/// Validation refuses churn that would draw more (docs/model.md, "Limits").
pub const MAX_CHURN_EVENTS: u64 = 5_000_000;

/// The most replications one run (or one sweep point, or one size probe)
/// takes: a billion, about a day of work for a 50-VM plan on a 2-core
/// machine and far past where its percentiles stop moving. The command line
/// and `simulation.replications` are bounded by it where they are read.
pub const MAX_REPLICATIONS: u64 = 1_000_000_000;

/// The largest scenario file drsim reads: 16 MiB, a thousand times the
/// largest shipped scenario and room for a 5,000-VM estate written out.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// The largest churn profile drsim replays: 256 MiB, a month of 15-second
/// samples for about 500 VMs in one file.
pub const MAX_REPLAY_BYTES: u64 = 256 << 20;

/// A churn profile's text (`churn = { replay = ... }`), or why it cannot be
/// read: like a scenario, only a regular file of a bounded size.
pub(super) fn read_replay_text(path: &Path) -> Result<String, String> {
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return Err("it is not a regular file (a directory, device, FIFO or socket)".into());
        }
        Ok(m) if m.len() > MAX_REPLAY_BYTES => {
            return Err(format!(
                "it holds {} bytes; a churn profile is at most {MAX_REPLAY_BYTES} (256 MiB): resample it coarser or split it",
                m.len()
            ));
        }
        _ => {}
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| format!("it is not UTF-8 text: {}", e.utf8_error()))
}

/// A scenario file read once: where it is, its text, and the SHA-256 of its
/// bytes (what a manifest records and `verify` checks). A study that loads
/// the scenario many times with different overrides (a sweep's points, a
/// sizing's probes) reads and hashes the file once.
#[derive(Debug, Clone)]
pub struct ScenarioFile {
    pub path: std::path::PathBuf,
    pub text: String,
    /// SHA-256 (hex) of the file's bytes, before any override.
    pub sha256: String,
}

impl ScenarioFile {
    pub fn read(path: &Path) -> Result<ScenarioFile, ScenarioError> {
        let source = path.display().to_string();
        if path.is_dir() {
            return Err(ScenarioError::Read {
                path: source,
                source: std::io::Error::other("it is a directory; give the scenario's .toml file"),
            });
        }
        // Only a regular file of a scenario's size is read: a device
        // (/dev/zero) would never end, a FIFO would block.
        let refuse = |why: String| ScenarioError::Read {
            path: source.clone(),
            source: std::io::Error::other(why),
        };
        match std::fs::metadata(path) {
            Ok(m) if !m.is_file() => {
                return Err(refuse(
                    "it is not a regular file (a device, FIFO or socket); give the scenario's .toml file".into(),
                ));
            }
            Ok(m) if m.len() > MAX_SCENARIO_BYTES => {
                return Err(refuse(format!(
                    "it holds {} bytes; a scenario file is at most {MAX_SCENARIO_BYTES} (16 MiB)",
                    m.len()
                )));
            }
            _ => {}
        }
        let bytes = std::fs::read(path).map_err(|e| ScenarioError::Read {
            path: source.clone(),
            source: e,
        })?;
        let sha256 = sha256_hex(&bytes);
        let text = String::from_utf8(bytes)
            .map_err(|e| not_utf8(&source, e.as_bytes(), e.utf8_error()))?;
        Ok(ScenarioFile {
            path: path.to_path_buf(),
            text,
            sha256,
        })
    }

    /// The file's name without its extension (`three-tier`).
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
    }

    /// The scenario with `overrides` applied, validated.
    pub fn load(&self, overrides: &[overrides::Override]) -> Result<Scenario, ScenarioError> {
        Scenario::from_text_with(&self.text, &self.path.display().to_string(), overrides)
    }

    /// The effective text: the file with `overrides` applied.
    pub fn effective_text(
        &self,
        overrides: &[overrides::Override],
    ) -> Result<String, ScenarioError> {
        Ok(overrides::apply(&self.text, overrides)?.0)
    }
}

/// SHA-256 of `bytes`, in lower-case hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}
