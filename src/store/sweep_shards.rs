//! `sweep --shard I/N`: one contiguous slice of a sweep's grid points, and
//! the merge of such slices into exactly the files one `sweep` writes
//! (the shard protocol is [`super::shards`]'s: a manifest naming the shard
//! and the SHA-256 of its file).
//!
//! Each point runs the same replications on common random numbers whichever
//! process runs it, so a point's row does not depend on the shard. A shard
//! writes `sweep-shard.json`: what the sweep was (scenario SHA-256, `--set`,
//! `--vary`, seed, replications, drsim version), which points it holds, and
//! their rows with every number as the bits of its f64, so that `drsim merge`
//! writes `sweep.csv` and the charts byte for byte as a single sweep would.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::report::OutputSet;
use crate::report::manifest::{MANIFEST, StudyManifest};
use crate::scenario::{Population, ScenarioFile};
use crate::stats::{Summary, TargetFraction, TargetVerdict};
use crate::study::shard::Shard;
use crate::study::sweep::SweepRow;
use crate::study::sweep::SweptMetric;
use crate::study::sweep::{Varied, grid};

/// The file a sweep shard writes.
pub const SWEEP_SHARD: &str = "sweep-shard.json";
const FORMAT: &str = "drsim-sweep-shard 1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepShardFile {
    format: String,
    drsim_version: String,
    pub scenario_path: String,
    scenario_sha256: String,
    pub sets: Vec<String>,
    pub vary: Vec<String>,
    pub seed: Option<u64>,
    pub replications: Option<u64>,
    /// `I/N`.
    shard: String,
    /// Points in the whole grid, and the 0-based first one of this shard.
    points: usize,
    first_point: usize,
    rows: Vec<ShardRow>,
}

/// A [`SweepRow`] with its numbers as f64 bits (exact through JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShardRow {
    point: usize,
    values: Vec<(String, String)>,
    metric: String,
    population: String,
    /// count, then mean, std, min, p50, p90, p95, p99, max as bits.
    summary: Option<(usize, [u64; 8])>,
    target: Option<u64>,
    /// `(met, total, required share as bits)` when judged.
    verdict: Option<(usize, usize, u64)>,
}

impl ShardRow {
    fn of(row: &SweepRow) -> ShardRow {
        ShardRow {
            point: row.point,
            values: row.values.clone(),
            metric: row.metric.column().to_string(),
            population: row.population.name().to_string(),
            summary: row.summary.as_ref().map(|s| {
                (
                    s.count,
                    [s.mean, s.std, s.min, s.p50, s.p90, s.p95, s.p99, s.max].map(f64::to_bits),
                )
            }),
            target: row.target.map(f64::to_bits),
            verdict: row
                .verdict
                .map(|v| (v.fraction.met, v.fraction.total, v.required.to_bits())),
        }
    }

    fn row(&self) -> Option<SweepRow> {
        let population = Population::from_name(&self.population)?;
        let metric = SweptMetric::ALL
            .into_iter()
            .find(|m| m.column() == self.metric)?;
        let summary = self.summary.map(|(count, bits)| {
            let [mean, std, min, p50, p90, p95, p99, max] = bits.map(f64::from_bits);
            Summary {
                count,
                mean,
                std,
                min,
                p50,
                p90,
                p95,
                p99,
                max,
            }
        });
        // The verdict is a function of the counts and the requirement.
        let verdict = self.verdict.map(|(met, total, required)| {
            TargetVerdict::judge(
                TargetFraction::of_counts(met, total),
                f64::from_bits(required),
                population,
            )
        });
        Some(SweepRow {
            point: self.point,
            values: self.values.clone(),
            metric,
            population,
            summary,
            target: self.target.map(f64::from_bits),
            verdict,
        })
    }
}

/// What a sweep is, as given on its command line: what its shards must share.
#[derive(Debug, Clone, Copy)]
pub struct SweepQuestion<'a> {
    pub scenario: &'a ScenarioFile,
    pub sets: &'a [String],
    pub vary: &'a [String],
    pub seed: Option<u64>,
    pub replications: Option<u64>,
}

impl SweepShardFile {
    pub fn new(
        q: &SweepQuestion<'_>,
        shard: Shard,
        points: usize,
        first_point: usize,
        rows: &[SweepRow],
    ) -> Result<SweepShardFile, StoreError> {
        Ok(SweepShardFile {
            format: FORMAT.into(),
            drsim_version: env!("CARGO_PKG_VERSION").into(),
            scenario_path: q.scenario.path.display().to_string(),
            scenario_sha256: q.scenario.sha256.clone(),
            sets: q.sets.to_vec(),
            vary: q.vary.to_vec(),
            seed: q.seed,
            replications: q.replications,
            shard: shard.label(),
            points,
            first_point,
            rows: rows.iter().map(ShardRow::of).collect(),
        })
    }
}

impl SweepShardFile {
    /// SHA-256 of the scenario file's bytes when the shard ran.
    pub fn scenario_sha256(&self) -> &str {
        &self.scenario_sha256
    }
}

/// Writes the shard's file into `out` with its manifest (the shard's label,
/// the scenario, the sweep's arguments `recipe`, the file's SHA-256), whole
/// or not at all; returns the paths written.
pub fn write(
    out: &Path,
    file: &SweepShardFile,
    scenario: &ScenarioFile,
    recipe: Vec<String>,
) -> Result<Vec<String>, StoreError> {
    super::run_results::in_directory(out, || {
        let path = out.join(SWEEP_SHARD);
        let mut text = serde_json::to_string_pretty(file).expect("a shard file always serialises");
        text.push('\n');
        let mut set = OutputSet::new();
        set.write(&path, text.as_bytes())
            .map_err(|e| StoreError::output(&path, e))?;
        let name = scenario.stem();
        let mut manifest = super::study_files::study_manifest(
            "sweep",
            &[(scenario, &name)],
            recipe,
            super::run_results::output_files(&set),
        );
        manifest.shard = Some(file.shard.clone());
        let manifest_path = out.join(MANIFEST);
        set.write(&manifest_path, manifest.to_json().as_bytes())
            .map_err(|e| StoreError::output(&manifest_path, e))?;
        super::run_results::commit(set)
    })
}

fn refuse(message: String) -> StoreError {
    StoreError::Merge(message)
}

/// The shards of one sweep, read and checked: the first shard's file (what
/// the sweep was), the varied keys, and every point's rows in grid order.
#[derive(Debug)]
pub struct MergedSweep {
    pub first: SweepShardFile,
    pub varied: Vec<Varied>,
    pub rows: Vec<SweepRow>,
}

/// Reads the sweep shards in `dirs` and checks they make one whole sweep.
pub fn read_shards(dirs: &[PathBuf]) -> Result<MergedSweep, StoreError> {
    let mut shards: Vec<(PathBuf, SweepShardFile, Shard)> = Vec::new();
    for dir in dirs {
        // The shard's files are those its manifest names.
        let manifest_path = dir.join(MANIFEST);
        let manifest = std::fs::read_to_string(&manifest_path)
            .map_err(|e| refuse(format!("{}: {e}", manifest_path.display())))
            .and_then(|text| {
                StudyManifest::from_json(&text)
                    .map_err(|e| refuse(format!("{}: {e}", manifest_path.display())))
            })?;
        super::results_dir::check_outputs(dir, &manifest.outputs, "the sweep shard")
            .map_err(super::run_shards::as_merge)?;
        let path = dir.join(SWEEP_SHARD);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| refuse(format!("{}: {e}", path.display())))?;
        let file: SweepShardFile = serde_json::from_str(&text)
            .map_err(|e| refuse(format!("{}: not a sweep shard file: {e}", path.display())))?;
        if file.format != FORMAT {
            return Err(refuse(format!(
                "{}: format `{}`, this drsim reads `{FORMAT}`",
                path.display(),
                file.format
            )));
        }
        let shard = Shard::parse(&file.shard, None, |_| None)
            .map_err(|e| refuse(format!("{}: {e}", path.display())))?;
        shards.push((dir.clone(), file, shard));
    }
    shards.sort_by_key(|(_, _, shard)| shard.index);
    let (dir0, first, shard0) = &shards[0];
    for (dir, f, shard) in &shards {
        let differs = |what: &str, a: String, b: String| {
            refuse(format!(
                "{} and {} are not shards of one sweep: {what} differs ({a} vs {b})",
                dir0.display(),
                dir.display()
            ))
        };
        let checks = [
            ("drsim version", &first.drsim_version, &f.drsim_version),
            (
                "scenario SHA-256",
                &first.scenario_sha256,
                &f.scenario_sha256,
            ),
        ];
        for (what, a, b) in checks {
            if a != b {
                return Err(differs(what, a.clone(), b.clone()));
            }
        }
        for (what, a, b) in [
            ("--set", &first.sets, &f.sets),
            ("--vary", &first.vary, &f.vary),
        ] {
            if a != b {
                return Err(differs(what, a.join(" "), b.join(" ")));
            }
        }
        if (first.seed, first.replications) != (f.seed, f.replications) {
            return Err(differs(
                "seed or replications",
                format!("{:?} {:?}", first.seed, first.replications),
                format!("{:?} {:?}", f.seed, f.replications),
            ));
        }
        if shard.count != shard0.count {
            return Err(differs(
                "shard count",
                shard0.count.to_string(),
                shard.count.to_string(),
            ));
        }
        let range = shard.range(f.points as u64);
        let points_held: Vec<usize> = f.rows.iter().map(|r| r.point).collect();
        let expected: Vec<usize> = (range.start as usize..range.end as usize)
            .flat_map(|p| [p + 1, p + 1])
            .collect();
        if f.points != first.points
            || f.first_point != range.start as usize
            || points_held != expected
        {
            return Err(refuse(format!(
                "{}: shard {} of a {}-point grid should hold points {} to {}; its rows do not match",
                dir.display(),
                shard.label(),
                f.points,
                range.start + 1,
                range.end
            )));
        }
    }
    let n = shard0.count;
    let given: Vec<(Shard, &Path)> = shards.iter().map(|(d, _, s)| (*s, d.as_path())).collect();
    crate::study::shard::check_every_shard_once(&given, n).map_err(|e| refuse(e.to_string()))?;
    let mut rows = Vec::new();
    for (dir, f, _) in &shards {
        for r in &f.rows {
            rows.push(r.row().ok_or_else(|| {
                refuse(format!(
                    "{}: a row names an unknown metric or population",
                    dir.display()
                ))
            })?);
        }
    }
    let varied = first
        .vary
        .iter()
        .map(|v| Varied::parse(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| refuse(e.message))?;
    let points = grid(&varied);
    if points.len() != first.points {
        return Err(refuse(format!(
            "the shards' --vary makes {} points here, {} when they ran",
            points.len(),
            first.points
        )));
    }
    let (_, first, _) = shards.swap_remove(0);
    Ok(MergedSweep {
        first,
        varied,
        rows,
    })
}
