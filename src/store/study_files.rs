//! A study's directory (`sweep`, `compare`, `size`; and `trace`'s charts):
//! its files, landing together, and its `manifest.json` (docs/scale-out.md,
//! "Provenance"), naming the scenario files read, the arguments that re-make
//! it, the working directory they are relative to, and every file written
//! with its SHA-256, so `drsim verify` can re-make it.

use std::path::Path;

use super::StoreError;
use super::run_results::{commit, in_directory, output_files};
use crate::report::OutputSet;
use crate::report::chart::RenderedChart;
use crate::report::chart::compare::charts_for_compare;
use crate::report::chart::sweep::charts_for_sweep;
use crate::report::compare::compare_html;
use crate::report::csv::{compare_csv, sweep_csv};
use crate::report::manifest::{self, OutputFile, StudyManifest};
use crate::scenario::{Scenario, ScenarioFile};
use crate::study::compare::Comparison;
use crate::study::sweep::{SweepRow, Varied};

/// A study's manifest: `study` ("sweep"), the `scenarios` read (path as
/// given, scenario name), the `arguments` that re-make it, and `outputs`.
pub fn study_manifest(
    study: &str,
    scenarios: &[(&ScenarioFile, &str)],
    arguments: Vec<String>,
    outputs: Vec<OutputFile>,
) -> StudyManifest {
    let scenarios = scenarios
        .iter()
        .map(|(file, name)| {
            let path = &file.path;
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            manifest::ScenarioFile {
                path: path.display().to_string(),
                absolute_path: absolute.display().to_string(),
                name: name.to_string(),
                sha256: file.sha256.clone(),
                // Not listed for studies yet: a study's manifest names
                // the scenario file (its profiles change its results).
                churn_profiles: Vec::new(),
            }
        })
        .collect();
    StudyManifest {
        format: manifest::FORMAT,
        study: study.to_string(),
        drsim_version: env!("CARGO_PKG_VERSION").into(),
        scenarios,
        arguments,
        working_directory: std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        command_line: std::env::args().collect(),
        finished: super::results_dir::now_rfc3339(),
        outputs,
        shard: None,
    }
}

/// Adds a study's `manifest.json` to `set` (written last), naming every
/// file already in it.
pub fn add_study_manifest(
    set: &mut OutputSet,
    out: &Path,
    study: &str,
    scenarios: &[(&ScenarioFile, &str)],
    arguments: Vec<String>,
) -> Result<(), StoreError> {
    let m = study_manifest(study, scenarios, arguments, output_files(set));
    let path = out.join(manifest::MANIFEST);
    set.write(&path, m.to_json().as_bytes())
        .map_err(|e| StoreError::output(&path, e))
}

/// Writes `charts` into `out` (`trace`'s files); returns the paths written.
pub fn write_charts(out: &Path, charts: &[RenderedChart]) -> Result<Vec<String>, StoreError> {
    in_directory(out, || {
        let mut set = OutputSet::new();
        set.add_charts(out, charts)
            .map_err(|(path, e)| StoreError::output(&path, e))?;
        commit(set)
    })
}

/// Writes `page` as `out/lesson.html` (`teach`'s file, whole or not at all);
/// returns its path.
pub fn write_lesson(out: &Path, page: &str) -> Result<Vec<String>, StoreError> {
    in_directory(out, || {
        let mut set = OutputSet::new();
        let path = out.join("lesson.html");
        set.write(&path, page.as_bytes())
            .map_err(|e| StoreError::output(&path, e))?;
        commit(set)
    })
}

/// A sweep's files in `out`: `sweep.csv` of `rows` (every point of the
/// grid), its charts unless `charts` is false, and the manifest naming
/// `scenario` and the arguments (`recipe`, without `--no-charts`) that
/// re-make it; returns the paths written.
pub fn write_sweep(
    out: &Path,
    varied: &[Varied],
    rows: &[SweepRow],
    charts: bool,
    scenario: &ScenarioFile,
    mut recipe: Vec<String>,
) -> Result<Vec<String>, StoreError> {
    in_directory(out, || {
        let mut set = OutputSet::new();
        let path = out.join("sweep.csv");
        let bytes = sweep_csv(rows).map_err(|e| StoreError::output(&path, e))?;
        set.write(&path, &bytes)
            .map_err(|e| StoreError::output(&path, e))?;
        if charts {
            set.add_charts(out, &charts_for_sweep(varied, rows)?)
                .map_err(|(path, e)| StoreError::output(&path, e))?;
        } else {
            recipe.push("--no-charts".into());
        }
        let name = scenario.stem();
        add_study_manifest(&mut set, out, "sweep", &[(scenario, &name)], recipe)?;
        commit(set)
    })
}

/// The two plans of a comparison, as read: each one's file and scenario.
#[derive(Debug, Clone, Copy)]
pub struct ComparedPlans<'a> {
    pub a: (&'a ScenarioFile, &'a Scenario),
    pub b: (&'a ScenarioFile, &'a Scenario),
}

/// A comparison's files in `out`: `compare.csv`, unless `charts` is false
/// the overlaid CDFs and `report.html` (around `text`, the comparison as
/// printed), and the manifest with the `arguments` that re-make it; returns
/// the paths written.
pub fn write_comparison(
    out: &Path,
    plans: ComparedPlans<'_>,
    comparison: &Comparison,
    text: &str,
    charts: bool,
    arguments: Vec<String>,
) -> Result<Vec<String>, StoreError> {
    in_directory(out, || {
        let (a, b) = (plans.a.1, plans.b.1);
        let mut set = OutputSet::new();
        let path = out.join("compare.csv");
        let bytes = compare_csv(&comparison.rows).map_err(|e| StoreError::output(&path, e))?;
        set.write(&path, &bytes)
            .map_err(|e| StoreError::output(&path, e))?;
        if charts {
            let charts = charts_for_compare(&a.targets, comparison)?;
            set.add_charts(out, &charts)
                .map_err(|(path, e)| StoreError::output(&path, e))?;
            let page = compare_html((a, b), comparison, text, &charts);
            let path = out.join("report.html");
            set.write(&path, page.as_bytes())
                .map_err(|e| StoreError::output(&path, e))?;
        }
        let scenarios = [(plans.a.0, a.name.as_str()), (plans.b.0, b.name.as_str())];
        add_study_manifest(&mut set, out, "compare", &scenarios, arguments)?;
        commit(set)
    })
}
