//! `drsim trace`: narrate one replication, event by event, and chart it.

use crate::cli::{ScenarioArgs, TraceCommand};

use super::shared::{CliError, default_output_dir, load_scenario};
use crate::metrics::metrics_for;
use crate::report::{chart, trace};
use crate::study::trace::Traced;

pub fn trace_command(args: TraceCommand) -> Result<(), CliError> {
    let TraceCommand {
        scenario: ScenarioArgs { scenario, set },
        replication,
        replications,
        seed,
        out,
        no_charts,
        full,
    } = args;
    let s = load_scenario(&scenario, &set)?;
    crate::study::trace::check_replication(
        replication,
        replications.unwrap_or(s.simulation.replications),
    )?;
    let seed = seed.unwrap_or(s.simulation.seed);
    let Traced { log, outcome } = crate::study::trace::replication(&s, seed, replication)?;
    // A year of operations: its outages first, then one disaster's cycle.
    if let Some(year) = &outcome.year {
        print!("{}", crate::report::year::narrate(&s, year));
        println!("One disaster's cycle (the replication's cycle columns), event by event:");
    }
    if !no_charts {
        let out = out.unwrap_or_else(|| default_output_dir(&scenario));
        let charts = chart::charts_for_trace(&s, &log, &outcome)?;
        let written = crate::store::study_files::write_charts(&out, &charts)?;
        // stdout carries the narration and the CSV row; file names go to stderr.
        eprintln!("wrote {}", written.join(", "));
    }
    print!(
        "{}",
        trace::render(
            &s,
            seed,
            &log.entries,
            &outcome,
            &metrics_for(&s),
            full,
            log.omitted_details
        )
    );
    Ok(())
}
