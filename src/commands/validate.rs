//! `drsim validate`: check a scenario file and describe what it models.

use std::path::Path;

use super::{CliError, load_scenario};
use crate::report::describe;

pub fn validate_command(scenario: &Path, sets: &[String]) -> Result<(), CliError> {
    let s = load_scenario(scenario, sets)?;
    print!("{}", describe::describe(&s));
    Ok(())
}
