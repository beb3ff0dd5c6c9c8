//! A run's results directory: where its inputs came from (the provenance a
//! manifest records), whether a directory may receive a run, what a replaced
//! run leaves behind, and re-reading what a manifest names (`verify`,
//! `merge`).

use std::path::Path;

use super::StoreError;
use crate::report::manifest::{self, Manifest, OutputFile};
use crate::report::sha256_hex;
use crate::scenario::{Scenario, ScenarioFile};

/// Where a run's inputs came from: written to its manifest.json, and used to
/// refuse an output directory that holds another scenario's results.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The scenario file as given, and its absolute path.
    pub scenario_path: String,
    pub absolute_path: String,
    /// SHA-256 of the scenario file's bytes (before overrides).
    pub sha256: String,
    pub overrides: Vec<String>,
    pub command_line: Vec<String>,
    /// `--force`: replace another scenario's results.
    pub force: bool,
}

impl Provenance {
    /// The provenance a manifest records, with this process's command line.
    pub fn recorded(manifest: &Manifest, force: bool) -> Provenance {
        Provenance {
            scenario_path: manifest.scenario.path.clone(),
            absolute_path: manifest.scenario.absolute_path.clone(),
            sha256: manifest.scenario.sha256.clone(),
            overrides: manifest.overrides.clone(),
            command_line: std::env::args().collect(),
            force,
        }
    }

    /// The scenario file as read, with its overrides, and this process's
    /// command line.
    pub fn of(file: &ScenarioFile, overrides: &[String], force: bool) -> Provenance {
        let path = &file.path;
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        Provenance {
            scenario_path: path.display().to_string(),
            absolute_path: absolute.display().to_string(),
            sha256: file.sha256.clone(),
            overrides: overrides.to_vec(),
            command_line: std::env::args().collect(),
            force,
        }
    }
}

/// This process's peak resident set so far (`VmHWM` in /proc/self/status),
/// in KiB; `None` where there is no such file.
pub fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The files a run writes besides its manifest: with no manifest.json, any of
/// them in `--out` means results of unknown origin.
const RUN_FILES: [&str; 5] = [
    "replications.csv",
    "summary.csv",
    "sensitivity.csv",
    "vms.csv",
    "report.html",
];

/// Refuses (without `--force`) an output directory that holds another
/// scenario's results, or results without a manifest; returns the manifest
/// of the results about to be replaced, if any.
pub fn check_output_dir(
    out: &Path,
    s: &Scenario,
    provenance: &Provenance,
) -> Result<Option<Manifest>, StoreError> {
    let manifest_path = out.join(manifest::MANIFEST);
    let previous = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => Some(Manifest::from_json(&text).map_err(|e| (e.to_string(), true))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => Some(Err((e.to_string(), true))),
    };
    let refusal = match &previous {
        Some(Ok(m)) if m.scenario.absolute_path != provenance.absolute_path => Some(format!(
            "{} holds the results of another scenario (`{}`, {}); they would be replaced",
            out.display(),
            m.scenario.name,
            m.scenario.path
        )),
        Some(Ok(_)) => None,
        Some(Err((e, _))) => Some(format!(
            "{} cannot be read ({e}), so the results in {} are of unknown origin",
            manifest_path.display(),
            out.display()
        )),
        None => RUN_FILES
            .iter()
            .find(|name| out.join(name).exists())
            .map(|name| {
                format!(
                    "{} holds {name} but no manifest.json, so it may be another scenario's results",
                    out.display()
                )
            }),
    };
    match refusal {
        Some(why) if !provenance.force => Err(StoreError::refused(
            "--out",
            format!(
                "{why}; choose another --out, or pass --force to replace them (scenario `{}`)",
                s.name
            ),
        )),
        _ => Ok(previous.and_then(Result::ok)),
    }
}

/// After a commit, removes the files the replaced run listed that this run
/// did not write (e.g. charts after `--no-charts`), so the directory holds one
/// run. Best effort: a file that cannot be removed is not listed in the new
/// manifest, which is what `verify` goes by.
pub fn remove_stale_outputs(out: &Path, previous: Option<&Manifest>, current: &Manifest) {
    let Some(previous) = previous else { return };
    for old in &previous.outputs {
        let still = current.outputs.iter().any(|o| o.file == old.file);
        // Only plain file names: a tampered manifest cannot reach outside `out`.
        if !still && is_plain_name(&old.file) {
            let _ = std::fs::remove_file(out.join(&old.file));
        }
    }
}

/// Whether a manifest's entry is a file of its own directory: a plain name,
/// not a path (`../x`, `/etc/x`, `a/b`) and not `.` or `..`.
fn is_plain_name(name: &str) -> bool {
    Path::new(name).file_name() == Some(std::ffi::OsStr::new(name))
}

/// Now, in RFC 3339 UTC to the second (for manifests; never compared).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The scenario a manifest names, as it was: found at its absolute path (or
/// as given, from another directory or machine), checked against its SHA-256,
/// read with its overrides, and named in outputs as it was given to `run`.
pub fn load_recorded_scenario(manifest: &Manifest) -> Result<Scenario, StoreError> {
    let absolute = std::path::PathBuf::from(&manifest.scenario.absolute_path);
    let path = if absolute.exists() {
        absolute
    } else {
        std::path::PathBuf::from(&manifest.scenario.path)
    };
    let file = ScenarioFile::read(&path).map_err(|e| match e {
        crate::scenario::ScenarioError::Read { source, .. } => StoreError::Mismatch(format!(
            "cannot read the run's scenario {} ({source}); the run cannot be re-made without it",
            path.display()
        )),
        other => other.into(),
    })?;
    let now = &file.sha256;
    if *now != manifest.scenario.sha256 {
        return Err(StoreError::Mismatch(format!(
            "the scenario {} changed since the run (SHA-256 {now} now, {} then)",
            path.display(),
            manifest.scenario.sha256
        )));
    }
    let overrides = crate::scenario::overrides::parse_all(&manifest.overrides)?;
    let mut s = file.load(&overrides)?;
    s.source = s
        .source
        .replacen(&path.display().to_string(), &manifest.scenario.path, 1);
    Ok(s)
}

/// Checks each file of `outputs` in `dir` against its SHA-256; `writer`
/// says who wrote them ("the run"). A manifest names only plain files in its
/// own directory: an entry that is a path (`../x`, `/etc/x`), or that is not
/// a regular file, is refused before anything is read.
pub fn check_outputs(dir: &Path, outputs: &[OutputFile], writer: &str) -> Result<(), StoreError> {
    for output in outputs {
        if !is_plain_name(&output.file) {
            return Err(StoreError::Mismatch(format!(
                "{} names `{}`, which is not a file of {}; a manifest names only its directory's own files",
                manifest::MANIFEST,
                output.file.escape_debug(),
                dir.display()
            )));
        }
        let path = dir.join(&output.file);
        let regular = std::fs::symlink_metadata(&path).map(|m| m.is_file());
        if !matches!(regular, Ok(true)) {
            return Err(StoreError::Mismatch(format!(
                "{}: {}",
                path.display(),
                match regular {
                    Err(e) => format!("cannot read it ({e})"),
                    Ok(_) => "not a regular file, so not one drsim wrote".to_string(),
                }
            )));
        }
        let bytes = std::fs::read(&path).map_err(|e| {
            StoreError::Mismatch(format!("{}: cannot read it ({e})", path.display()))
        })?;
        if sha256_hex(&bytes) != output.sha256 {
            return Err(StoreError::Mismatch(format!(
                "{} changed since {writer} wrote it (its SHA-256 is not the one in {})",
                path.display(),
                manifest::MANIFEST
            )));
        }
    }
    Ok(())
}

/// Refuses a file in `dir` its manifest does not name (`outputs`, and the
/// manifest itself): not one `writer` ("the run") wrote.
pub fn refuse_extra_files(
    dir: &Path,
    outputs: &[OutputFile],
    writer: &str,
) -> Result<(), StoreError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut extra: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name != manifest::MANIFEST && !outputs.iter().any(|o| &o.file == name))
        .collect();
    extra.sort();
    match extra.first() {
        None => Ok(()),
        Some(extra) => Err(StoreError::Mismatch(format!(
            "{} holds {}, which {writer} did not write (its manifest does not name it)",
            dir.display(),
            extra.escape_debug()
        ))),
    }
}

/// Refuses recorded values no run writes (an edited manifest at
/// `manifest_path`) before anything is run with them.
pub fn check_recorded_values(m: &Manifest, manifest_path: &Path) -> Result<(), StoreError> {
    let max = crate::scenario::MAX_REPLICATIONS;
    let o = &m.options;
    let out_of_range = [
        ("options.exact_up_to", o.exact_up_to),
        ("options.requested_replications", o.requested_replications),
        ("replications.count", m.replications.count),
    ]
    .into_iter()
    .chain(o.until_settled.map(|cap| ("options.until_settled", cap)))
    .find(|&(_, value)| value < 1 || value > max);
    match out_of_range {
        None => Ok(()),
        Some((field, value)) => Err(StoreError::Mismatch(format!(
            "{}: `{field}` is {value}, which no run writes (1 to {max}); the manifest was edited",
            manifest_path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::is_plain_name;

    #[test]
    fn only_a_plain_name_is_a_file_of_the_directory() {
        assert!(is_plain_name("summary.csv"));
        assert!(is_plain_name(".hidden"));
        for path in ["", ".", "..", "../x", "/etc/hostname", "a/b", "x/.."] {
            assert!(!is_plain_name(path), "{path}");
        }
    }
}
