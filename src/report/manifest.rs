//! `manifest.json`: where a run's (or a sweep's, comparison's or sizing's)
//! results came from, so they can be trusted and re-made (`drsim verify`).
//!
//! It names the program version, the scenario file (path and SHA-256 of its
//! bytes), the `--set` overrides, the seed and the replications run, the run's
//! options, the command line, when it started and ended, and the SHA-256 of
//! every other file of the run. Everything a re-run needs is in it; the times
//! and the command line are for people and are not compared.

use serde::{Deserialize, Serialize};

/// The file name, in a run's output directory.
pub const MANIFEST: &str = "manifest.json";

/// The manifest's own format version; bumped when a field changes meaning.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub drsim_version: String,
    pub scenario: ScenarioFile,
    /// `--set KEY=VALUE` overrides, in the order given.
    pub overrides: Vec<String>,
    pub seed: u64,
    pub replications: ReplicationRange,
    /// `I/N` when the run is one shard of a larger one; `null` otherwise.
    pub shard: Option<String>,
    pub options: RunOptions,
    pub command_line: Vec<String>,
    /// RFC 3339, UTC.
    pub started: String,
    pub finished: String,
    /// The process's peak resident memory when the manifest was written, in
    /// KiB (Linux; absent elsewhere): what a scheduler's memory request needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_memory_kib: Option<u64>,
    /// Every other file of the run, in the order written.
    pub outputs: Vec<OutputFile>,
    /// For results merged from shards (`drsim merge`): the shards, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_shards: Vec<MergedShard>,
}

/// One shard of a merged run: where it was and which replications it held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedShard {
    pub dir: String,
    pub shard: String,
    pub replications: ReplicationRange,
    /// SHA-256 of the shard's manifest.json.
    pub manifest_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFile {
    /// As given on the command line.
    pub path: String,
    /// Absolute, so `verify` works from any directory.
    pub absolute_path: String,
    pub name: String,
    /// SHA-256 of the file's bytes, before overrides.
    pub sha256: String,
    /// The churn profiles it replays (`churn = { replay = ... }`), as it
    /// names them, with the SHA-256 of each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub churn_profiles: Vec<OutputFile>,
}

/// Replications `first .. first + count` of the seed's stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationRange {
    pub first: u64,
    pub count: u64,
}

/// The run options that change which files are written or what is in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    pub per_vm: bool,
    pub charts: bool,
    /// `--until-settled` with its `--max-replications`.
    pub until_settled: Option<u64>,
    /// The replications asked for (with --until-settled, the first look).
    pub requested_replications: u64,
    /// `--exact-up-to`: replications kept whole (absent in manifests written
    /// before the option, which kept every replication whole).
    #[serde(default = "keep_all")]
    pub exact_up_to: u64,
}

fn keep_all() -> u64 {
    u64::MAX
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFile {
    /// The file's name in the output directory.
    pub file: String,
    pub sha256: String,
}

impl Manifest {
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    pub fn from_json(text: &str) -> Result<Manifest, ManifestError> {
        let manifest: Manifest = serde_json::from_str(text)?;
        check_format(manifest.format)?;
        Ok(manifest)
    }
}

/// Why a manifest cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON, or not a manifest's keys and values.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("manifest format {0} is not the format {FORMAT} this drsim reads")]
    Format(u32),
}

/// A manifest of another format is refused by name.
fn check_format(format: u32) -> Result<(), ManifestError> {
    if format == FORMAT {
        Ok(())
    } else {
        Err(ManifestError::Format(format))
    }
}

/// Pretty JSON with a trailing newline, as every manifest is written.
fn to_json<T: Serialize>(manifest: &T) -> String {
    let mut text = serde_json::to_string_pretty(manifest).expect("a manifest always serialises");
    text.push('\n');
    text
}

/// The manifest of a sweep, a comparison or a sizing (`study` names which):
/// the scenario files it read (with the SHA-256 of their bytes), the
/// arguments that re-make it (run from `working_directory`, so relative
/// paths and the text that quotes them come out the same), and the SHA-256
/// of every other file it wrote. `drsim verify` re-runs the arguments into a
/// scratch directory and compares the files byte for byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudyManifest {
    pub format: u32,
    /// `sweep`, `compare` or `size`.
    pub study: String,
    pub drsim_version: String,
    pub scenarios: Vec<ScenarioFile>,
    /// The study's arguments after `drsim`, without those that only say
    /// where it writes or how it shows itself (`--out`, `--quiet`,
    /// `--threads`, `--format`, `--shard`).
    pub arguments: Vec<String>,
    pub working_directory: String,
    pub command_line: Vec<String>,
    /// RFC 3339, UTC.
    pub finished: String,
    /// Every other file of the study, in the order written.
    pub outputs: Vec<OutputFile>,
    /// `I/N` when the directory holds one shard of the study (`sweep
    /// --shard`), for `drsim merge`; absent for a whole study.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
}

impl StudyManifest {
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    pub fn from_json(text: &str) -> Result<StudyManifest, ManifestError> {
        let manifest: StudyManifest = serde_json::from_str(text)?;
        check_format(manifest.format)?;
        Ok(manifest)
    }

    /// Whether `text` is a study's manifest rather than a run's.
    pub fn is_study(text: &str) -> bool {
        serde_json::from_str::<serde_json::Value>(text)
            .is_ok_and(|v| v.get("study").is_some_and(serde_json::Value::is_string))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written() {
        let m = Manifest {
            format: FORMAT,
            drsim_version: "0.1.0".into(),
            scenario: ScenarioFile {
                path: "scenarios/minimal.toml".into(),
                absolute_path: "/work/scenarios/minimal.toml".into(),
                name: "minimal".into(),
                sha256: "ab".repeat(32),
                churn_profiles: Vec::new(),
            },
            overrides: vec!["simulation.seed=3".into()],
            seed: 3,
            replications: ReplicationRange {
                first: 0,
                count: 100,
            },
            shard: None,
            options: RunOptions {
                per_vm: true,
                charts: false,
                until_settled: Some(1000),
                requested_replications: 100,
                exact_up_to: 100_000,
            },
            command_line: vec!["drsim".into(), "run".into()],
            started: "2026-11-29T06:00:00Z".into(),
            finished: "2026-11-29T06:00:01Z".into(),
            peak_memory_kib: Some(20_480),
            outputs: vec![OutputFile {
                file: "summary.csv".into(),
                sha256: "cd".repeat(32),
            }],
            merged_shards: Vec::new(),
        };
        assert_eq!(
            Manifest::from_json(&m.to_json()).expect("reads back"),
            m.clone()
        );
        let other = m.to_json().replace("\"format\": 1", "\"format\": 9");
        assert!(
            Manifest::from_json(&other)
                .unwrap_err()
                .to_string()
                .contains("format 9")
        );
    }
}
