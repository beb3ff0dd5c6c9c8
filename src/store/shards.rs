//! The one shard protocol every sharded study follows (docs/scale-out.md):
//! a shard is a directory whose `manifest.json` says which study it is a
//! shard of (a run's [`Manifest`] with `shard`, or a study's
//! [`StudyManifest`] with `study` and `shard`), which shard (`I/N`), what
//! the study was (scenario SHA-256, overrides, seed, replications, drsim
//! version) and the SHA-256 of every file it holds. `drsim merge` reads the
//! manifests, never guesses from the files, checks the shards belong
//! together and are each there once, and hands them to the study's join.
//!
//! A sizing is the exception, by its nature: its bisection decides each
//! probe from the last, so its shards cannot each run a fixed slice and be
//! joined afterwards. They share one directory instead
//! ([`super::size_search`]), and there is nothing to merge.

use std::path::Path;

use super::StoreError;
use crate::report::manifest::{MANIFEST, Manifest, StudyManifest};

/// What a directory given to `drsim merge` holds, from its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A shard of a run (`run --shard`).
    RunShard,
    /// A shard of a sweep (`sweep --shard`).
    SweepShard,
    /// The shared directory of a sizing (`size --shard`): nothing to merge.
    SizeSearch,
    /// A whole run or study (`study` names it), not a shard.
    Whole(String),
}

/// What `dir` holds, read from its `manifest.json` (or, for a sizing's
/// directory, which has one only once answered, from its job file).
pub fn found_in(dir: &Path) -> Result<Found, StoreError> {
    if super::size_search::is_size_search(dir) {
        return Ok(Found::SizeSearch);
    }
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        StoreError::Merge(format!(
            "cannot read {} ({e}): give the directories written by `drsim run --shard` or `drsim sweep --shard`",
            path.display()
        ))
    })?;
    if StudyManifest::is_study(&text) {
        let m = StudyManifest::from_json(&text)
            .map_err(|e| StoreError::Merge(format!("{}: {e}", path.display())))?;
        return Ok(match (m.study.as_str(), m.shard) {
            ("sweep", Some(_)) => Found::SweepShard,
            (study, _) => Found::Whole(study.to_string()),
        });
    }
    let m = Manifest::from_json(&text)
        .map_err(|e| StoreError::Merge(format!("{}: {e}", path.display())))?;
    Ok(match m.shard {
        Some(_) => Found::RunShard,
        None => Found::Whole("run".into()),
    })
}

/// What the directories given to `merge` hold, all of one kind: shards of
/// runs or shards of sweeps. Anything else is refused, naming the directory.
pub fn kind_of(dirs: &[std::path::PathBuf]) -> Result<Found, StoreError> {
    let mut kind: Option<(Found, &Path)> = None;
    for dir in dirs {
        let found = found_in(dir)?;
        match &found {
            Found::SizeSearch => {
                return Err(StoreError::Merge(format!(
                    "{} is a size search's directory: its shards share it and need no merge; each prints the answer, which is also in {}",
                    dir.display(),
                    dir.join(super::size_search::SIZE_TEXT).display()
                )));
            }
            Found::Whole(study) => {
                return Err(StoreError::Merge(format!(
                    "{} holds a whole {study}, not a shard",
                    dir.display()
                )));
            }
            Found::RunShard | Found::SweepShard => {}
        }
        match &kind {
            Some((k, first)) if *k != found => {
                return Err(StoreError::Merge(format!(
                    "{} holds a shard of a {}, {} a shard of a {}: merge the shards of one study at a time",
                    first.display(),
                    name(k),
                    dir.display(),
                    name(&found)
                )));
            }
            Some(_) => {}
            None => kind = Some((found, dir)),
        }
    }
    kind.map(|(k, _)| k)
        .ok_or_else(|| StoreError::Merge("give the shards' directories".into()))
}

fn name(found: &Found) -> &'static str {
    match found {
        Found::RunShard => "run",
        Found::SweepShard => "sweep",
        Found::SizeSearch => "sizing",
        Found::Whole(_) => "whole study",
    }
}
