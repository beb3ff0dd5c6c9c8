//! The command line's shape: `drsim run | sweep | size | compare | merge |
//! verify | validate | trace | init` and their flags (clap definitions only;
//! [`crate::commands`] carries them out).
//!
//! Flags several commands share are one flattened group each
//! ([`ScenarioArgs`], [`SimulationArgs`], [`OutputArgs`], [`ShardArgs`]), so
//! they are spelled, checked and documented once.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// How a command prints its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// For people: the table and sentences.
    #[default]
    Text,
    /// For scripts: one JSON document with stable keys (docs/metrics.md, "JSON").
    Json,
}

/// The starter scenarios `drsim init` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Template {
    /// One VM and one link: the four stages at their simplest, for teaching.
    OneVm,
    /// A web/app/SQL application in three recovery groups, ASR-typical numbers.
    #[default]
    ThreeTier,
    /// An estate built from a CSV of VMs (--vms).
    Estate,
}

#[derive(Debug, Parser)]
#[command(
    name = "drsim",
    version,
    about = "Disaster-recovery simulator: Monte Carlo RPO/RTO of the Azure Site Recovery failover/failback cycle"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The scenario a command reads, and the values changed on top of it.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// Scenario file (TOML), see docs/scenario-format.md.
    pub scenario: PathBuf,
    /// Override a scenario value by its dotted path, e.g. --set link.wan.bandwidth="300 Mbps" or --set vm.sql01.churn="4 MB/s" (repeatable; docs/scenario-format.md).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

/// How many replications, from which seed, on how many threads.
#[derive(Debug, Clone, Copy, Args)]
pub struct SimulationArgs {
    /// Number of replications (per point for sweep, per probe for size;
    /// default: the scenario's `simulation.replications`).
    #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..=crate::montecarlo::MAX_REPLICATIONS))]
    pub replications: Option<u64>,
    /// Master seed, the same at every point or probe (default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    #[command(flatten)]
    pub threads: ThreadsArgs,
}

/// Worker threads.
#[derive(Debug, Clone, Copy, Args)]
pub struct ThreadsArgs {
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
    pub threads: Option<u64>,
}

impl ThreadsArgs {
    pub fn count(self) -> Option<usize> {
        self.threads.map(|t| t as usize)
    }
}

/// Where results go and what is printed.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output directory (default: results/ plus the scenario file name
    /// without .toml; -sweep for a sweep; results/compare for compare).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Write only the CSV files: no charts, no report.html.
    #[arg(long)]
    pub no_charts: bool,
    /// How to print the summary: text, or json for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// Taking part in a study split among processes (docs/scale-out.md).
#[derive(Debug, Clone, Args)]
pub struct ShardArgs {
    /// Run only shard I of N (1-based, contiguous slices: of the
    /// replications for run, of the grid's points for sweep, of each probe's
    /// replications for size), or `auto` inside a Slurm job array or a
    /// Kubernetes Indexed Job (docs/scale-out.md).
    #[arg(long, value_name = "I/N|auto")]
    pub shard: Option<String>,
    /// With --shard auto in a Kubernetes Indexed Job: the number of shards
    /// (the Job's completions).
    #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Monte Carlo simulation; write replications.csv and summary.csv.
    Run(RunCommand),
    /// Merge the shards of a run (`run --shard`) or a sweep into exactly the
    /// files one process would have written.
    Merge(MergeCommand),
    /// Re-run a results directory from its manifest.json and confirm every
    /// output byte for byte (exit 0), or name the first file and line that
    /// differ (exit 1).
    Verify(VerifyCommand),
    /// Check a scenario file and describe what it models.
    Validate(ScenarioArgs),
    /// Narrate one replication, event by event, with its metrics.
    Trace(TraceCommand),
    /// Write lesson.html: one replication's cycle as a lesson on the four
    /// stages, stepped through in a browser (one self-contained file).
    Teach(TeachCommand),
    /// Serve the lesson and a what-if page on 127.0.0.1 for a class:
    /// change a value, see the RPO/RTO distributions move (docs/teaching.md).
    Serve(ServeCommand),
    /// Run the scenario at every point of a grid of values (common random
    /// numbers); write sweep.csv and the sweep charts.
    Sweep(SweepCommand),
    /// The value of one key that meets a target at a percentile (bisection on
    /// common random numbers), with the 90% and 100%-of-sample values.
    Size(SizeCommand),
    /// Two plans (or a plan and a changed copy, with --set-b) on common random
    /// numbers: verdicts side by side, paired differences with their intervals,
    /// overlaid CDFs; compare.csv and report.html.
    Compare(CompareCommand),
    /// Write a commented starter scenario: a template (one-vm, three-tier), or
    /// an estate from a CSV of VMs (name, disk_size, churn, group).
    Init(InitCommand),
}

#[derive(Debug, Clone, Args)]
pub struct RunCommand {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write vms.csv: one row per replication and VM.
    #[arg(long)]
    pub per_vm: bool,
    /// Keep adding replications (doubling the count) until every target's
    /// verdict is met or missed rather than inconclusive, or the cap is reached
    /// (docs/metrics.md, "Verdicts"). Deterministic: same seed, same result.
    #[arg(long, conflicts_with = "shard")]
    pub until_settled: bool,
    /// With --until-settled: the most replications to run.
    #[arg(long, requires = "until_settled", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=crate::montecarlo::MAX_REPLICATIONS))]
    pub max_replications: u64,
    /// Gate a plan change: exit 0 when every target is met, 1 when one is
    /// missed, 3 when none is missed but one is inconclusive (more
    /// replications, e.g. --until-settled, would settle it).
    #[arg(long)]
    pub check: bool,
    /// Write into --out even when it holds another scenario's results (or
    /// results without a manifest.json); they are replaced.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub shard: ShardArgs,
    /// Keep up to N replications whole: up to N, quantiles are exact and
    /// the sensitivity and drivers analyses use every replication; beyond,
    /// quantiles come from a histogram within 0.05 % and those analyses use
    /// the first N, so memory stays flat (docs/metrics.md, "Long runs").
    #[arg(long, value_name = "N", default_value_t = crate::stats::EXACT_UP_TO as u64, value_parser = clap::value_parser!(u64).range(1..))]
    pub exact_up_to: u64,
}

#[derive(Debug, Clone, Args)]
pub struct MergeCommand {
    /// The shards' output directories, in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Replace another scenario's results in --out.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Args)]
pub struct VerifyCommand {
    /// A directory written by `drsim run` (or merged by `drsim merge`).
    pub dir: PathBuf,
    #[command(flatten)]
    pub threads: ThreadsArgs,
    /// Print nothing on success (a failure is still told on stderr).
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TeachCommand {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub traced: TracedArgs,
    /// Where lesson.html goes (default: results/ plus the scenario file name without .toml).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeCommand {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    #[command(flatten)]
    pub traced: TracedArgs,
    /// Port on 127.0.0.1, the only address served (0: any free port, printed).
    #[arg(long, short = 'p', default_value_t = 8080)]
    pub port: u16,
}

/// The replication a lesson replays, as `trace` takes it.
#[derive(Debug, Clone, Copy, Args)]
pub struct TracedArgs {
    /// The replication to replay (as numbered in replications.csv).
    #[arg(long, short = 'k', default_value_t = 0)]
    pub replication: u64,
    /// Replications of K's run (default: `simulation.replications`); K is below it.
    #[arg(long = "replications", short = 'n', value_parser = clap::value_parser!(u64).range(1..=crate::montecarlo::MAX_REPLICATIONS))]
    pub replications: Option<u64>,
    /// Master seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, Clone, Args)]
pub struct TraceCommand {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The replication to replay (as numbered in replications.csv).
    #[arg(long, short = 'k')]
    pub replication: u64,
    /// Replications of the run being traced (default: the scenario's
    /// `simulation.replications`); K must be below it, as in replications.csv.
    #[arg(long = "replications", short = 'n', value_parser = clap::value_parser!(u64).range(1..=crate::montecarlo::MAX_REPLICATIONS))]
    pub replications: Option<u64>,
    /// Master seed (default: the scenario's `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Where the timeline and lag charts go (default: results/ plus the scenario file name without .toml).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the narration only; write no charts.
    #[arg(long)]
    pub no_charts: bool,
    /// List every churn change of the simulated history (by default those
    /// more than 30 min before the outage are summarised in one line).
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SweepCommand {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// What to vary: KEY=V1,V2,... or KEY=FROM..TO:N (e.g. link.wan.bandwidth=100Mbps..500Mbps:5); repeat for a grid.
    #[arg(long, value_name = "KEY=VALUES", required = true)]
    pub vary: Vec<String>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub shard: ShardArgs,
}

#[derive(Debug, Clone, Args)]
pub struct SizeCommand {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The target: METRIC<=DURATION@PERCENT, e.g. rpo<=15m@95% (METRIC rpo,
    /// rto, or with `[operations]` year_downtime), or availability>=SHARE@PERCENT
    /// on a year of operations, e.g. availability>=99.95%@90%.
    #[arg(long)]
    pub target: String,
    /// The key to size, e.g. link.wan.bandwidth or vm.db1.churn.
    #[arg(long)]
    pub vary: String,
    /// The range to search, FROM..TO with a unit, e.g. 10Mbps..2Gbps
    /// (default: the key's value in the scenario / 100 to x 100).
    #[arg(long)]
    pub between: Option<String>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    /// Relative width at which the search stops (a number above 0 and below 1).
    #[arg(long, default_value_t = 0.005, value_parser = relative_tolerance)]
    pub tolerance: f64,
    /// Output format on stdout: text (default) or json.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Print nothing but errors (the answer is still kept in --out).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Keep the search in DIR: each probe's counts as they are found (a
    /// stopped search resumes there), and the answer as size.txt and
    /// size.json. With --shard, the directory every shard shares
    /// (default then: results/ plus the scenario file name and -size).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub shard: ShardArgs,
    /// With --out: take over a slice another process claimed once its
    /// claim has not been renewed for this long (it renews every few
    /// seconds while it works).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = positive_duration)]
    pub claim_timeout: Duration,
}

#[derive(Debug, Clone, Args)]
pub struct CompareCommand {
    /// Plan A (TOML).
    pub a: PathBuf,
    /// Plan B (TOML); may be the same file, changed with --set-b.
    pub b: PathBuf,
    /// Override a value in both plans.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Override a value in plan B only.
    #[arg(long = "set-b", value_name = "KEY=VALUE")]
    pub set_b: Vec<String>,
    #[command(flatten)]
    pub simulation: SimulationArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `init --churn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChurnShapeArg {
    Daily,
    Constant,
}

#[derive(Debug, Clone, Args)]
pub struct InitCommand {
    /// The starter to write (default: three-tier, or estate with --vms).
    #[arg(long, value_enum)]
    pub template: Option<Template>,
    /// For the estate template: a CSV with columns name, disk_size, churn (e.g. "50 GB/day"), group.
    #[arg(long, conflicts_with = "from_planner")]
    pub vms: Option<PathBuf>,
    /// An estate from the Deployment Planner's "Compatible VMs" sheet (.xlsx,
    /// or saved as .csv), or an RVTools vInfo/vDisk CSV export: recovery
    /// plans of at most 100 VMs (docs/estate.md).
    #[arg(long, alias = "from-rvtools", value_name = "FILE")]
    pub from_planner: Option<PathBuf>,
    /// With --from-planner: the column whose values name the recovery plans
    /// (e.g. an application column you added); without it, plans of 100 VMs
    /// in the file's order.
    #[arg(long, value_name = "COLUMN", requires = "from_planner")]
    pub plan_by: Option<String>,
    /// How each VM's churn is written: a daily profile whose peak hour is the
    /// Planner's peak (default), or that figure as a constant rate.
    #[arg(long, value_enum, default_value_t = ChurnShapeArg::Daily)]
    pub churn: ChurnShapeArg,
    /// Keep domain controllers and DNS servers in the file's order instead of
    /// a first plan of their own.
    #[arg(long)]
    pub no_infrastructure_first: bool,
    /// Take the Deployment Planner's 30 % growth factor out of its churn
    /// figures (today's peaks rather than the ones it sizes for).
    #[arg(long, requires = "from_planner")]
    pub without_growth_factor: bool,
    /// Where to write the scenario.
    #[arg(long, default_value = "scenario.toml")]
    pub out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `--tolerance`: a relative width, finite, above 0 and below 1.
fn relative_tolerance(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a relative width above 0 and below 1; write e.g. 0.005 (half a percent)"
        )),
    }
}

/// A positive duration with a unit: `60s`, `5m`.
fn positive_duration(text: &str) -> Result<Duration, String> {
    match crate::scenario::units::parse_duration(text) {
        Ok(s) if s > 0.0 && s.is_finite() => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "`{text}` is not a positive duration; write e.g. 60s, 5m"
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn tolerances_must_be_a_positive_relative_width() {
        assert_eq!(relative_tolerance("0.01"), Ok(0.01));
        for bad in ["0", "-0.1", "NaN", "inf", "1", "x"] {
            assert!(relative_tolerance(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_command_shares_the_same_flags() {
        for args in [
            [
                "drsim",
                "run",
                "s.toml",
                "-n",
                "5",
                "--seed",
                "1",
                "--threads",
                "2",
                "-q",
            ]
            .as_slice(),
            &[
                "drsim",
                "sweep",
                "s.toml",
                "--vary",
                "a=1,2",
                "-n",
                "5",
                "--seed",
                "1",
                "--threads",
                "2",
                "-q",
            ],
            &[
                "drsim",
                "size",
                "s.toml",
                "--target",
                "rpo<=1h@95%",
                "--vary",
                "k",
                "-n",
                "5",
                "--seed",
                "1",
                "--threads",
                "2",
                "-q",
            ],
            &[
                "drsim",
                "compare",
                "a.toml",
                "b.toml",
                "-n",
                "5",
                "--seed",
                "1",
                "--threads",
                "2",
                "-q",
            ],
            &["drsim", "verify", "dir", "--threads", "2", "-q"],
        ] {
            Cli::try_parse_from(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        }
        assert!(Cli::try_parse_from(["drsim", "init", "--template", "two-tier"]).is_err());
        assert!(
            Cli::try_parse_from([
                "drsim",
                "run",
                "s.toml",
                "--until-settled",
                "--shard",
                "1/2"
            ])
            .is_err()
        );
    }
}
