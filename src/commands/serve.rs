//! `drsim serve`: the lesson and the what-if page on 127.0.0.1.

use std::sync::Arc;

use super::shared::{CliError, usage_error};
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
    let shown = scenario.display();
    // The first line of stdout: scripts (and the tests) read the address.
    let ready = |address: std::net::SocketAddr| {
        println!("serving {shown} on http://{address}/ (Ctrl-C stops)");
    };
    listen(Arc::new(site), port, ready, |line| eprintln!("{line}")).map_err(|e| {
        let message =
            format!("--port {port}: cannot listen on 127.0.0.1 ({e}); 0 takes any free port");
        usage_error("--port", message)
    })
}
