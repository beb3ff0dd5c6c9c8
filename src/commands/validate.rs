//! `drsim validate`: check a scenario file and describe what it models.

use std::path::Path;

use super::CliError;
use crate::report::describe;
use crate::scenario::Scenario;

pub fn validate_command(scenario: &Path) -> Result<(), CliError> {
    let s = Scenario::from_path(scenario)?;
    print!("{}", describe::describe(&s));
    Ok(())
}
