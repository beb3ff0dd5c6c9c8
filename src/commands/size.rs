//! `drsim size`: the smallest (or largest) value of one scenario key that meets
//! a target at a percentile, by bisection on common random numbers, as the
//! Deployment Planner sizes bandwidth, but from the whole cycle's physics.

use std::path::PathBuf;

use super::interrupt::Terminal;
use super::shared::{CliError, usage_error};
use crate::cli::{OutputFormat, SizeCommand};
use crate::report::manifest::OutputFile;
use crate::report::sha256_hex;
use crate::report::size::{size_json, size_text};
use crate::scenario::ScenarioFile;
use crate::scenario::overrides::parse_all;
use crate::store::size_search::{SIZE_JSON, SIZE_TEXT, SharedProbes, SizeJob, SizeQuestion};
use crate::store::study_files::study_manifest;
use crate::study::Watch as _;
use crate::study::shard::Shard;
use crate::study::size::{Counts, Search, SearchRange, SizingTarget};

/// `drsim size`'s arguments.
pub type SizeArgs = SizeCommand;

/// Runs the scenario with the key at a value: the replications of the
/// target's population meeting its threshold, and the population's size.
struct Prober<'a> {
    args: &'a SizeArgs,
    /// The scenario file, read once for every probe.
    file: &'a ScenarioFile,
    /// `--shard`, read against the environment.
    shard: Option<Shard>,
    /// The search's directory: `--out`, or the default shards share.
    out: Option<PathBuf>,
    target: SizingTarget,
    range: &'a SearchRange,
    watch: &'a Terminal,
    /// The search's directory, with `--out`, once the first probe joined it.
    shared: Option<SharedProbes>,
}

impl Prober<'_> {
    fn probe(&mut self, value: f64, index: usize) -> Result<Counts, CliError> {
        let unit = &self.range.unit;
        let s = self
            .file
            .load(&parse_all(&sets_at(self.args, value, unit))?)?;
        // The search's directory is joined once the first probe's scenario
        // has loaded: a bad scenario, --set or --vary writes nothing.
        if let (None, Some(dir)) = (&self.shared, &self.out) {
            let shard = self.shard.unwrap_or(Shard { index: 1, count: 1 });
            let between = self
                .args
                .between
                .clone()
                .unwrap_or_else(|| self.range.label());
            let question = SizeQuestion {
                scenario: self.file,
                sets: &self.args.scenario.set,
                target: &self.args.target,
                vary: &self.args.vary,
                between: &between,
                seed: self.args.simulation.seed,
                replications: self.args.simulation.replications,
                tolerance: self.args.tolerance,
            };
            let job = SizeJob::of(&question, shard.count)?;
            self.shared = Some(SharedProbes::join(
                dir,
                shard,
                &job,
                self.args.claim_timeout,
            )?);
        }
        let config = super::shared::run_config(&s, self.args.simulation);
        let watch = self.watch;
        watch.label(&format!(
            "probe {} {}={value} {unit} ",
            index + 1,
            self.args.vary,
        ));
        let stopped = match &self.out {
            Some(dir) => format!(
                "the search stopped; the slices done are kept in {} for a rerun",
                dir.display()
            ),
            None => "the search stopped; nothing was written".to_string(),
        };
        let target = self.target;
        let count = |range: std::ops::Range<u64>| {
            target
                .count(&s, config, range, watch)
                .map_err(|e| watch.failed(e, || stopped.clone()))
        };
        match &self.shared {
            Some(shared) => shared.counts(
                value,
                config.replications,
                count,
                &super::interrupt::received,
            ),
            None => count(0..config.replications),
        }
    }
}

pub fn size_command(args: SizeArgs) -> Result<(), CliError> {
    super::interrupt::install();
    let target = SizingTarget::parse(&args.target)?;
    let between = args
        .between
        .as_deref()
        .map(SearchRange::parse)
        .transpose()?;
    let file = ScenarioFile::read(&args.scenario.scenario)?;
    // The key's value in the scenario (with the `--set` overrides), read once.
    let overrides = parse_all(&args.scenario.set)?;
    let effective = file.effective_text(&overrides)?;
    let current = crate::scenario::overrides::value_at(&effective, &args.vary);
    let range = match between {
        Some(range) => range,
        None => {
            // Without `--between`, the documented default range around that
            // value; the scenario is validated first, so a bad file or
            // override is told as such before the range is.
            file.load(&overrides)?;
            SearchRange::around(&args.vary, current.as_deref())?
        }
    };
    if let Some(why) = target.unfit_for(&file.load(&overrides)?) {
        return Err(usage_error("--target", why));
    }
    // Only a number or a quantity can be searched: a name or a choice
    // (`scenario.name`, `recovery.recovery_point`) would "size" to nonsense.
    if let Some(current) = &current
        && crate::scenario::units::split_number(current).is_none()
    {
        return Err(usage_error(
            "--vary",
            format!(
                "--vary {}: its value in the scenario (`{current}`) is not a number or a quantity; size searches a duration, rate, size or number",
                args.vary
            ),
        ));
    }
    let shard = super::shared::parse_shard(&args.shard)?;
    // Shards share results/<scenario>-size/ unless told otherwise.
    let out = args.out.clone().or_else(|| {
        shard.map(|_| super::shared::output_dir_with_suffix(&args.scenario.scenario, "-size"))
    });
    let watch = Terminal::new(args.quiet);
    let mut prober = Prober {
        args: &args,
        file: &file,
        shard,
        out,
        target,
        range: &range,
        watch: &watch,
        shared: None,
    };
    let sizing = Search::new(|value, index| prober.probe(value, index), args.tolerance).run(
        &args.vary,
        target,
        range.clone(),
    )?;
    watch.bar.finish_and_clear();
    let text = size_text(&sizing);
    let json = size_json(&sizing);
    if let Some(shared) = &prober.shared {
        let name = file.stem();
        let outputs = [(SIZE_TEXT, &text), (SIZE_JSON, &json)]
            .map(|(file, content)| OutputFile {
                file: file.to_string(),
                sha256: sha256_hex(content.as_bytes()),
            })
            .to_vec();
        let scenarios = [(&file, name.as_str())];
        let manifest = study_manifest("size", &scenarios, recipe(&args), outputs);
        shared.publish_answer(&text, &json, &manifest.to_json())?;
    }
    if !args.quiet {
        match args.format {
            OutputFormat::Json => print!("{json}"),
            OutputFormat::Text => print!("{text}"),
        }
    }
    Ok(())
}

/// The arguments that re-make this sizing (for its manifest).
fn recipe(args: &SizeArgs) -> Vec<String> {
    let mut recipe = vec![
        "size".to_string(),
        args.scenario.scenario.display().to_string(),
        "--target".into(),
        args.target.clone(),
        "--vary".into(),
        args.vary.clone(),
    ];
    if let Some(between) = &args.between {
        recipe.extend(["--between".to_string(), between.clone()]);
    }
    recipe.extend(super::shared::flag_each("--set", &args.scenario.set));
    recipe.extend(super::shared::simulation_flags(args.simulation));
    recipe.extend(["--tolerance".to_string(), args.tolerance.to_string()]);
    recipe
}

/// The `--set` overrides of the probe at `value` (in `unit`).
fn sets_at(args: &SizeArgs, value: f64, unit: &str) -> Vec<String> {
    let mut sets = args.scenario.set.clone();
    sets.push(format!("{}=\"{value} {unit}\"", args.vary));
    sets
}
