//! `drsim validate`: check a scenario file and describe what it models.

use super::shared::{CliError, load_scenario};
use crate::cli::ScenarioArgs;
use crate::report::describe;

pub fn validate_command(args: &ScenarioArgs) -> Result<(), CliError> {
    let s = load_scenario(&args.scenario, &args.set)?;
    print!("{}", describe::describe(&s));
    Ok(())
}
