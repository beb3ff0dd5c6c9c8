//! What `drsim run` prints: the summary table, what drives the RTO and the
//! RPO, which inputs matter, the `--until-settled` line and the files written.

use crate::montecarlo::RunConfig;
use crate::report::table;
use crate::scenario::Scenario;
use crate::scenario::units::format_share;
use crate::stats::verdict::StoppingRule;
use crate::study::run::RunAnalysis;

/// The run's text; `settling` is the `--until-settled` line, if any.
pub fn run_text(
    s: &Scenario,
    config: RunConfig,
    a: &RunAnalysis,
    settling: Option<&str>,
    written: &[String],
) -> String {
    let title = format!(
        "drsim: `{}`, {} replications, seed {}",
        s.name, config.replications, config.seed
    );
    let mut text = table::summary_table(&title, &a.summary);
    for line in crate::report::capacity::capacity_sentences(s, &a.summary) {
        text.push_str(&line);
        text.push_str(".\n");
    }
    if let Some(reserved) = crate::report::describe::reservation_sentence(s) {
        text.push_str(&reserved);
        text.push('\n');
    }
    if let Some(drills) = crate::report::describe::drills_sentence(s) {
        text.push_str(&drills);
        text.push('\n');
    }
    if let Some(sla) = table::sla_sentence(&a.summary, s.vms.len()) {
        text.push_str(&sla);
        text.push('\n');
    }
    if let Some(year) = crate::report::year::run_sentence(s, &a.summary) {
        text.push_str(&year);
        text.push('\n');
    }
    for d in &a.drivers {
        text.push_str(&table::drivers_sentence(d));
        text.push('\n');
    }
    for line in &a.sensitivity {
        text.push_str(&table::sensitivity_sentence(line));
        text.push_str(".\n");
    }
    text.push_str(settling.unwrap_or_default());
    text.push_str(&format!("wrote {}\n", written.join(", ")));
    text
}

/// The `--until-settled` line: whether every verdict settled (`unsettled`
/// of them did not), after how many replications, at which interval.
pub fn settling_sentence(rule: StoppingRule, unsettled: usize, done: u64) -> String {
    let interval = format!(
        "{} intervals over at most {} looks",
        format_share(rule.level()),
        rule.looks()
    );
    if unsettled == 0 {
        format!(
            "until-settled: every verdict settled after {} replications ({interval})\n",
            table::thousands(done as usize)
        )
    } else {
        format!(
            "until-settled: stopped at the cap of {} replications with {unsettled} verdict(s) not settled ({interval})\n",
            table::thousands(done as usize)
        )
    }
}
