//! The command line's shape: `drsim run | validate | trace` and their flags
//! (clap definitions only; [`crate::commands`] carries them out).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// How a command prints its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// For people: the table and sentences.
    #[default]
    Text,
    /// For scripts: one JSON document with stable keys (docs/metrics.md, "JSON").
    Json,
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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the Monte Carlo simulation; write replications.csv and summary.csv.
    Run {
        /// Scenario file (TOML), see docs/scenario-format.md.
        scenario: PathBuf,
        /// Override a scenario value by its dotted path, e.g. --set link.wan.bandwidth="300 Mbps" or --set vm.sql01.churn="4 MB/s" (repeatable; docs/scenario-format.md).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Number of replications (default: the scenario's `simulation.replications`).
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        replications: Option<u64>,
        /// Master seed (default: the scenario's `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
        threads: Option<u64>,
        /// Output directory (default: results/ plus the scenario file name without .toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Also write vms.csv: one row per replication and VM.
        #[arg(long)]
        per_vm: bool,
        /// Write only the CSV files: no charts, no report.html.
        #[arg(long)]
        no_charts: bool,
        /// Keep adding replications (doubling the count) until every target's
        /// verdict is met or missed rather than inconclusive, or the cap is reached
        /// (docs/metrics.md, "Verdicts"). Deterministic: same seed, same result.
        #[arg(long)]
        until_settled: bool,
        /// With --until-settled: the most replications to run.
        #[arg(long, requires = "until_settled", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
        max_replications: u64,
        /// Gate a plan change: exit 0 when every target is met, 1 when one is
        /// missed, 3 when none is missed but one is inconclusive (more
        /// replications, e.g. --until-settled, would settle it).
        #[arg(long)]
        check: bool,
        /// How to print the summary: text, or json for scripts.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Write into --out even when it holds another scenario's results (or
        /// results without a manifest.json); they are replaced.
        #[arg(long)]
        force: bool,
        /// Run only shard I of N of the replications (1-based, contiguous
        /// slices), or `auto` inside a Slurm job array or a Kubernetes
        /// Indexed Job; writes the shard's rows and state for `drsim merge`
        /// (docs/scale-out.md).
        #[arg(long, value_name = "I/N|auto", conflicts_with = "until_settled")]
        shard: Option<String>,
        /// With --shard auto in a Kubernetes Indexed Job: the number of shards
        /// (the Job's completions).
        #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
        shards: Option<u64>,
        /// Keep up to N replications whole: up to N, quantiles are exact and
        /// the sensitivity and drivers analyses use every replication; beyond,
        /// quantiles come from a histogram within 0.05 % and those analyses use
        /// the first N, so memory stays flat (docs/metrics.md, "Long runs").
        #[arg(long, value_name = "N", default_value_t = crate::stats::EXACT_UP_TO as u64, value_parser = clap::value_parser!(u64).range(1..))]
        exact_up_to: u64,
    },
    /// Merge the shards of a run (`run --shard`) into exactly the files one
    /// process would have written.
    Merge {
        /// The shards' output directories, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory (default: results/ plus the scenario file name without .toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Write only the CSV files: no charts, no report.html.
        #[arg(long)]
        no_charts: bool,
        /// Replace another scenario's results in --out.
        #[arg(long)]
        force: bool,
        /// How to print the summary: text, or json for scripts.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Re-run a results directory from its manifest.json and confirm every
    /// output byte for byte (exit 0), or name the first file and line that
    /// differ (exit 1).
    Verify {
        /// A directory written by `drsim run`.
        dir: PathBuf,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
        threads: Option<u64>,
    },
    /// Check a scenario file and describe what it models.
    Validate {
        scenario: PathBuf,
        /// Override a scenario value by its dotted path, e.g. --set link.wan.bandwidth="300 Mbps" or --set vm.sql01.churn="4 MB/s" (repeatable; docs/scenario-format.md).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Narrate one replication, event by event, with its metrics.
    Trace {
        scenario: PathBuf,
        /// Override a scenario value by its dotted path, e.g. --set link.wan.bandwidth="300 Mbps" or --set vm.sql01.churn="4 MB/s" (repeatable; docs/scenario-format.md).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// The replication to replay (as numbered in replications.csv).
        #[arg(long, short = 'k')]
        replication: u64,
        /// Replications of the run being traced (default: the scenario's
        /// `simulation.replications`); K must be below it, as in replications.csv.
        #[arg(long = "replications", short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        replications: Option<u64>,
        /// Master seed (default: the scenario's `simulation.seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Where the timeline and lag charts go (default: results/ plus the scenario file name without .toml).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the narration only; write no charts.
        #[arg(long)]
        no_charts: bool,
        /// List every churn change of the simulated history (by default those
        /// more than 30 min before the outage are summarised in one line).
        #[arg(long)]
        full: bool,
    },
    /// Run the scenario at every point of a grid of values (common random
    /// numbers); write sweep.csv and the sweep charts.
    Sweep {
        /// Scenario file (TOML), see docs/scenario-format.md.
        scenario: PathBuf,
        /// What to vary: KEY=V1,V2,... or KEY=FROM..TO:N (e.g. link.wan.bandwidth=100Mbps..500Mbps:5); repeat for a grid.
        #[arg(long, value_name = "KEY=VALUES", required = true)]
        vary: Vec<String>,
        /// Override a scenario value for every point (as for run).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Replications per point (default: the scenario's).
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        replications: Option<u64>,
        /// Master seed, the same at every point (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
        threads: Option<u64>,
        /// Output directory (default: results/ plus the scenario file name and -sweep).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Write sweep.csv only.
        #[arg(long)]
        no_charts: bool,
        /// How to print the summary: text, or json for scripts.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Run only shard I of N of the grid's points (contiguous slices), or
        /// `auto` in a Slurm job array or Kubernetes Indexed Job; writes
        /// sweep-shard.json for `drsim merge` (docs/scale-out.md).
        #[arg(long, value_name = "I/N|auto")]
        shard: Option<String>,
        /// With --shard auto in a Kubernetes Indexed Job: the number of shards.
        #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
        shards: Option<u64>,
    },
    /// The value of one key that meets a target at a percentile (bisection on
    /// common random numbers), with the 90% and 100%-of-sample values.
    Size {
        /// Scenario file (TOML), see docs/scenario-format.md.
        scenario: PathBuf,
        /// The target: METRIC<=DURATION@PERCENT, e.g. rpo<=15m@95%.
        #[arg(long)]
        target: String,
        /// The key to size, e.g. link.wan.bandwidth or vm.db1.churn.
        #[arg(long)]
        vary: String,
        /// The range to search, FROM..TO with a unit, e.g. 10Mbps..2Gbps.
        #[arg(long)]
        between: String,
        /// Override a scenario value (as for run).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Replications per probe (default: the scenario's).
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        replications: Option<u64>,
        /// Master seed, the same at every probe (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
        threads: Option<u64>,
        /// Relative width at which the search stops.
        #[arg(long, default_value_t = 0.005)]
        tolerance: f64,
        /// Output format on stdout: text (default) or json.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Keep the search in DIR: each probe's counts as they are found (a
        /// stopped search resumes there), and the answer as size.txt and
        /// size.json. With --shard, the directory every shard shares
        /// (default then: results/ plus the scenario file name and -size).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Take part in the search kept in --out as shard I of N, or `auto` in
        /// a Slurm job array or Kubernetes Indexed Job: each probe's
        /// replications are split among the shards and every shard ends with
        /// the same answer (docs/scale-out.md).
        #[arg(long, value_name = "I/N|auto")]
        shard: Option<String>,
        /// With --shard auto in a Kubernetes Indexed Job: the number of shards.
        #[arg(long, value_name = "N", requires = "shard", value_parser = clap::value_parser!(u64).range(1..))]
        shards: Option<u64>,
        /// With --out: take over a slice another process claimed once its
        /// claim has not been renewed for this long (it renews every few
        /// seconds while it works).
        #[arg(long, value_name = "DURATION", default_value = "60s")]
        claim_timeout: String,
    },
    /// Two plans (or a plan and a changed copy, with --set-b) on common random
    /// numbers: verdicts side by side, paired differences with their intervals,
    /// overlaid CDFs; compare.csv and report.html.
    Compare {
        /// Plan A (TOML).
        a: PathBuf,
        /// Plan B (TOML); may be the same file, changed with --set-b.
        b: PathBuf,
        /// Override a value in both plans.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Override a value in plan B only.
        #[arg(long = "set-b", value_name = "KEY=VALUE")]
        set_b: Vec<String>,
        /// Replications (default: plan A's).
        #[arg(long, short = 'n', value_parser = clap::value_parser!(u64).range(1..))]
        replications: Option<u64>,
        /// Master seed for both (default: plan A's).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..1025))]
        threads: Option<u64>,
        /// Output directory (default: results/compare).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print nothing but errors.
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Write compare.csv only.
        #[arg(long)]
        no_charts: bool,
        /// How to print the summary: text, or json for scripts.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Write a commented starter scenario: a template (one-vm, three-tier), or
    /// an estate from a CSV of VMs (name, disk_size, churn, group).
    Init {
        /// one-vm, three-tier, or estate (with --vms).
        #[arg(long, default_value = "three-tier")]
        template: String,
        /// For the estate template: a CSV with columns name, disk_size, churn (e.g. "50 GB/day"), group.
        #[arg(long)]
        vms: Option<PathBuf>,
        /// Where to write the scenario.
        #[arg(long, default_value = "scenario.toml")]
        out: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
}
