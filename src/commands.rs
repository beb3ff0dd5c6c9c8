//! What each subcommand does: the edge of the program, where a parsed command
//! line becomes a call into the library ([`crate::study`] for the studies,
//! [`crate::store`] for what is kept on disk) and the results are rendered
//! ([`crate::report`]) and written.
//!
//! One file per subcommand ([`run`], [`sweep`], [`size`], [`compare`],
//! [`merge`], [`verify`], [`validate`], [`trace`], [`teach`], [`serve`],
//! [`init`]); this file only dispatches. What the commands share (the error type and its exit codes,
//! reading scenarios, the run settings from the flags, output directories,
//! the flags that re-make a study) is in `shared.rs`, and the signals and
//! the terminal's progress bar in `interrupt.rs`; no command file uses
//! another in a circle (tests/integration/architecture.rs).

pub mod compare;
pub mod init;
mod interrupt;
pub mod merge;
pub mod run;
pub mod serve;
mod shared;
pub mod size;
pub mod sweep;
pub mod teach;
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
        Command::Teach(args) => teach::teach_command(args),
        Command::Serve(args) => serve::serve_command(args),
        Command::Init(args) => init::init_command(args),
        Command::Compare(args) => compare::compare_command(args),
        Command::Size(args) => size::size_command(args),
        Command::Sweep(args) => sweep::sweep_command(args),
    }
}
