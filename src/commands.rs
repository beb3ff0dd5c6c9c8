//! What each subcommand does: the edge of the program, where scenarios are read,
//! the library is called, and files and the terminal are written.
//!
//! One file per subcommand ([`run`], [`validate`], [`trace`]); this file
//! dispatches a parsed command line and holds what they share: the error type
//! and its exit codes, the default output directory, writing charts.

pub mod compare;
pub mod init;
mod interrupt;
pub mod merge;
mod results;
pub mod run;

mod shared;
pub mod size;
pub mod sweep;
pub mod trace;
pub mod validate;
pub mod verify;

use crate::cli::{Cli, Command};

pub use shared::{CliError, default_output_dir};

/// Runs a parsed command line; output goes to stdout, progress to stderr.
pub fn execute(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Run(args) => run::run_command(args),
        Command::Merge(args) => merge::merge_command(args),
        Command::Verify(args) => verify::verify_command(&args),
        Command::Validate(args) => validate::validate_command(&args),
        Command::Trace(args) => trace::trace_command(args),
        Command::Init(args) => init::init_command(args),
        Command::Compare(args) => compare::compare_command(args),
        Command::Size(args) => size::size_command(args),
        Command::Sweep(args) => sweep::sweep_command(args),
    }
}
