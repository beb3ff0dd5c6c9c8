//! A run's shards (`run --shard I/N`) as `drsim merge` finds them: each
//! shard's manifest, checked to belong to one run (same scenario file,
//! overrides, seed, replications, options, drsim version; shards 1 to N each
//! once, holding the replications their label says), and their row files
//! joined in shard order.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::StoreError;
use super::results_dir::check_outputs;
use crate::report::manifest::{MANIFEST, Manifest};
use crate::report::{AtomicFile, sha256_hex};
use crate::study::shard::{Shard, check_every_shard_once};

/// One shard as found on disk.
#[derive(Debug)]
pub struct Found {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// SHA-256 of its manifest.json, recorded in the merged manifest.
    pub manifest_sha256: String,
    pub shard: Shard,
}

fn mismatch(message: String) -> StoreError {
    StoreError::Merge(message)
}

/// A shared check's mismatch, said as merge's.
pub fn as_merge(e: StoreError) -> StoreError {
    match e {
        StoreError::Mismatch(message) => StoreError::Merge(message),
        other => other,
    }
}

/// Every shard's manifest, checked to belong to one run, in shard order.
pub fn read_shards(dirs: &[PathBuf]) -> Result<Vec<Found>, StoreError> {
    let mut found = Vec::new();
    for dir in dirs {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            mismatch(format!(
                "cannot read {} ({e}): give the directories written by `drsim run --shard`",
                path.display()
            ))
        })?;
        let manifest =
            Manifest::from_json(&text).map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        let Some(label) = manifest.shard.clone() else {
            return Err(mismatch(format!(
                "{} holds a whole run, not a shard",
                dir.display()
            )));
        };
        // The label as `run --shard` wrote it; never `auto`, so no environment.
        let shard = Shard::parse(&label, None, |_| None)
            .map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        check_outputs(dir, &manifest.outputs, "the run").map_err(as_merge)?;
        found.push(Found {
            dir: dir.clone(),
            manifest_sha256: sha256_hex(text.as_bytes()),
            manifest,
            shard,
        });
    }
    found.sort_by_key(|f| f.shard.index);
    let first = &found[0];
    let (m0, n) = (&first.manifest, first.shard.count);
    for f in &found {
        let m = &f.manifest;
        let differs = |what: &str, a: String, b: String| {
            mismatch(format!(
                "{} and {} are not shards of one run: {what} {a} and {b}",
                first.dir.display(),
                f.dir.display()
            ))
        };
        if m.scenario.sha256 != m0.scenario.sha256 {
            return Err(differs(
                "scenario",
                format!("{} ({})", m0.scenario.path, &m0.scenario.sha256[..12]),
                format!("{} ({})", m.scenario.path, &m.scenario.sha256[..12]),
            ));
        }
        if m.seed != m0.seed {
            return Err(differs("seed", m0.seed.to_string(), m.seed.to_string()));
        }
        if m.overrides != m0.overrides {
            return Err(differs(
                "overrides",
                format!("{:?}", m0.overrides),
                format!("{:?}", m.overrides),
            ));
        }
        if m.drsim_version != m0.drsim_version {
            return Err(differs(
                "drsim version",
                m0.drsim_version.clone(),
                m.drsim_version.clone(),
            ));
        }
        if m.options.requested_replications != m0.options.requested_replications {
            return Err(differs(
                "replications",
                m0.options.requested_replications.to_string(),
                m.options.requested_replications.to_string(),
            ));
        }
        if m.options.per_vm != m0.options.per_vm {
            return Err(differs(
                "--per-vm",
                m0.options.per_vm.to_string(),
                m.options.per_vm.to_string(),
            ));
        }
        if m.options.exact_up_to != m0.options.exact_up_to {
            return Err(differs(
                "--exact-up-to",
                m0.options.exact_up_to.to_string(),
                m.options.exact_up_to.to_string(),
            ));
        }
        if f.shard.count != n {
            return Err(differs(
                "shard count",
                n.to_string(),
                f.shard.count.to_string(),
            ));
        }
    }
    let given: Vec<(Shard, &Path)> = found.iter().map(|f| (f.shard, f.dir.as_path())).collect();
    check_every_shard_once(&given, n).map_err(|e| mismatch(e.to_string()))?;
    let total = m0.options.requested_replications;
    for f in &found {
        let expected = f.shard.range(total);
        let r = f.manifest.replications;
        if r.first != expected.start || r.first + r.count != expected.end {
            return Err(mismatch(format!(
                "shard {} in {} holds replications {}..{}, not {}..{} of {total}",
                f.shard.label(),
                f.dir.display(),
                r.first,
                r.first + r.count,
                expected.start,
                expected.end
            )));
        }
    }
    Ok(found)
}

/// `name` of every shard, in order, as one file: the header once, then the
/// rows (each shard's header must be the first's).
pub fn concatenate(shards: &[Found], name: &str, out: &Path) -> Result<AtomicFile, StoreError> {
    let target = out.join(name);
    let mut file = AtomicFile::create(&target).map_err(|e| StoreError::output(&target, e))?;
    let mut header: Option<String> = None;
    for f in shards {
        let path = f.dir.join(name);
        let input =
            std::fs::File::open(&path).map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        let mut reader = BufReader::new(input);
        let mut first_line = String::new();
        reader
            .read_line(&mut first_line)
            .map_err(|e| mismatch(format!("{}: {e}", path.display())))?;
        match &header {
            None => {
                file.writer()
                    .write_all(first_line.as_bytes())
                    .map_err(|e| StoreError::output(&target, e))?;
                header = Some(first_line);
            }
            Some(h) if *h != first_line => {
                return Err(mismatch(format!(
                    "{}: its columns differ from the first shard's",
                    path.display()
                )));
            }
            Some(_) => {}
        }
        std::io::copy(&mut reader, file.writer()).map_err(|e| StoreError::output(&target, e))?;
    }
    Ok(file)
}
