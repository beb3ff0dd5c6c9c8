//! `drsim serve`: the lesson and the what-if page on 127.0.0.1.

use std::sync::Arc;

use super::shared::CliError;
use crate::cli::{ScenarioArgs, ServeCommand};
use crate::scenario::ScenarioFile;
use crate::serve::{Site, listen};

pub fn serve_command(args: ServeCommand) -> Result<(), CliError> {
    let ServeCommand {
        scenario: ScenarioArgs { scenario, set },
        traced,
        port,
    } = args;
    let k = (traced.replication, traced.replications);
    let site = Site::new(ScenarioFile::read(&scenario)?, set, k, traced.seed)?;
    listen(
        Arc::new(site),
        port,
        |address| {
            // The first line of stdout: scripts (and the tests) read the address.
            println!(
                "serving {} on http://{address}/ (127.0.0.1 only; Ctrl-C stops)",
                scenario.display()
            );
        },
        |line| eprintln!("{line}"),
    )
    .map_err(|e| CliError::Output {
        path: format!("127.0.0.1:{port}").into(),
        source: Box::new(e),
    })
}
