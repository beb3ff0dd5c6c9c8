//! `drsim init`: a commented starter scenario, from a template or from the
//! CSV of VMs an architect already has.

use std::path::Path;

use super::shared::{CliError, output_error, usage_error};
use clap::ValueEnum as _;

use crate::cli::{InitCommand, Template};
use crate::report::write_atomically;
use crate::scenario::estate::estate_scenario;

/// The templates, by name: the shipped scenarios, which are commented.
/// The text of a template that is a shipped scenario (they are commented).
fn shipped(template: Template) -> Option<&'static str> {
    match template {
        Template::OneVm => Some(include_str!("../../scenarios/minimal.toml")),
        Template::ThreeTier => Some(include_str!("../../scenarios/three-tier.toml")),
        Template::Estate => None,
    }
}

/// `drsim init`'s arguments.
pub type InitArgs = InitCommand;

pub fn init_command(args: InitArgs) -> Result<(), CliError> {
    if args.out.exists() && !args.force {
        return Err(usage_error(
            "--out",
            format!(
                "{} exists; choose another --out or pass --force to replace it",
                args.out.display()
            ),
        ));
    }
    // --vms alone means the estate template; another template with --vms
    // would silently ignore the file.
    let template = args.template.unwrap_or(match args.vms {
        Some(_) => Template::Estate,
        None => Template::ThreeTier,
    });
    let text = match (template, &args.vms) {
        (Template::Estate, Some(csv)) => estate_from_csv(csv)?,
        (Template::Estate, None) => {
            return Err(usage_error(
                "--vms",
                "the estate template is built from a CSV of VMs: --vms FILE.csv with columns name, disk_size, churn, group".into(),
            ));
        }
        (other, Some(_)) => {
            return Err(usage_error(
                "--vms",
                format!(
                    "--vms builds the estate template; --template {} does not read it (drop --template, or --vms)",
                    other
                        .to_possible_value()
                        .map_or_else(String::new, |v| v.get_name().to_string())
                ),
            ));
        }
        (other, None) => shipped(other)
            .expect("every other template is shipped")
            .to_string(),
    };
    write_atomically(&args.out, text.as_bytes()).map_err(|e| output_error(&args.out, e))?;
    println!(
        "wrote {}: check it with `drsim validate {}`, then run it",
        args.out.display(),
        args.out.display()
    );
    Ok(())
}

/// The estate scenario for the VMs in the CSV file `csv`
/// ([`crate::scenario::estate`]); every bad row is reported with its line.
fn estate_from_csv(csv: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(csv)
        .map_err(|e| usage_error("--vms", format!("cannot read {}: {e}", csv.display())))?;
    estate_scenario(&text, &csv.display().to_string())
        .map_err(|problems| usage_error("--vms", problems.join("\n  ")))
}
