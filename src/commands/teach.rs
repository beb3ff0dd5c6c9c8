//! `drsim teach`: one replication's cycle as `lesson.html`.

use super::shared::{CliError, default_output_dir, load_scenario};
use crate::cli::{ScenarioArgs, TeachCommand};
use crate::report::lesson::{Lesson, render};

pub fn teach_command(args: TeachCommand) -> Result<(), CliError> {
    let TeachCommand {
        scenario: ScenarioArgs { scenario, set },
        traced,
        out,
    } = args;
    let s = load_scenario(&scenario, &set)?;
    crate::study::trace::check_replication(
        traced.replication,
        traced.replications.unwrap_or(s.simulation.replications),
    )?;
    let seed = traced.seed.unwrap_or(s.simulation.seed);
    let lesson = Lesson::replay(&s, seed, traced.replication)?;
    let out = out.unwrap_or_else(|| default_output_dir(&scenario));
    let written = crate::store::study_files::write_lesson(&out, &render(&lesson, None))?;
    println!("wrote {}", written.join(", "));
    Ok(())
}
