//! What `drsim verify` checks on disk: a study's scenario files as recorded,
//! and a re-made directory's files against the original's, byte for byte
//! (the first difference named by file and line, or byte for a picture).

use std::path::{Path, PathBuf};

use super::StoreError;
use crate::report::diff::first_difference;
use crate::report::manifest::{OutputFile, StudyManifest};
use crate::report::sha256_hex;

/// A private directory for the re-made results, removed when dropped.
#[derive(Debug)]
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new() -> Result<Scratch, StoreError> {
        let path = std::env::temp_dir().join(format!("drsim-verify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).map_err(|e| StoreError::output(&path, e))?;
        Ok(Scratch(path))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// When `what` ("the run") was made by another drsim version: a note that
/// the difference may be the program's.
pub fn version_note(what: &str, made_by: &str) -> String {
    if made_by == env!("CARGO_PKG_VERSION") {
        String::new()
    } else {
        format!(
            " ({what} was made by drsim {made_by}, this is {}: the difference may be the program's)",
            env!("CARGO_PKG_VERSION")
        )
    }
}

/// Every file of `outputs` in `dir` equals the one re-made in `remade`;
/// `what` ("the run", "the sweep") and `made_by` (its drsim version) word
/// the first difference.
pub fn same_outputs(
    dir: &Path,
    remade: &Path,
    outputs: &[OutputFile],
    what: &str,
    made_by: &str,
) -> Result<(), StoreError> {
    for output in outputs {
        let original = std::fs::read(dir.join(&output.file))
            .map_err(|e| StoreError::Mismatch(format!("{}: {e}", output.file)))?;
        let again = std::fs::read(remade.join(&output.file)).map_err(|_| {
            StoreError::Mismatch(format!(
                "{}: the re-made {} did not write this file",
                output.file,
                what.trim_start_matches("the ")
            ))
        })?;
        if let Some(difference) = first_difference(&original, &again) {
            return Err(StoreError::Mismatch(format!(
                "{}/{}: {difference}{}",
                dir.display(),
                output.file,
                version_note(what, made_by)
            )));
        }
    }
    Ok(())
}

/// A study's scenario files say what they said: each read where the study
/// read it (from its working directory, which becomes the current one) and
/// its SHA-256 compared with the manifest's.
pub fn recorded_scenarios_unchanged(manifest: &StudyManifest) -> Result<(), StoreError> {
    let working = PathBuf::from(&manifest.working_directory);
    if working.is_dir() {
        std::env::set_current_dir(&working).map_err(|e| {
            StoreError::Mismatch(format!(
                "cannot work in {} as the {} did ({e})",
                working.display(),
                manifest.study
            ))
        })?;
    }
    for scenario in &manifest.scenarios {
        let absolute = PathBuf::from(&scenario.absolute_path);
        let path = if absolute.exists() {
            absolute
        } else {
            PathBuf::from(&scenario.path)
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            StoreError::Mismatch(format!(
                "cannot read the {}'s scenario {} ({e}); it cannot be re-made without it",
                manifest.study,
                path.display()
            ))
        })?;
        let now = sha256_hex(&bytes);
        if now != scenario.sha256 {
            return Err(StoreError::Mismatch(format!(
                "the scenario {} changed since the {} (SHA-256 {now} now, {} then)",
                path.display(),
                manifest.study,
                scenario.sha256
            )));
        }
    }
    Ok(())
}
