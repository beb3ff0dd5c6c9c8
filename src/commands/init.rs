//! `drsim init`: a commented starter scenario, from a template or from the
//! CSV of VMs an architect already has.

use std::path::Path;

use super::shared::{CliError, output_error, usage_error};
use clap::ValueEnum as _;

use crate::cli::{ChurnShapeArg, InitCommand, Template};
use crate::report::write_atomically;
use crate::scenario::estate::{
    ChurnShape, EstateOptions, estate_from_inventory, estate_scenario, import_notes,
};
use crate::scenario::inventory::read_inventory;

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
    if let Some(file) = &args.from_planner {
        let text = estate_from_planner(file, &args)?;
        return write_scenario(&args.out, &text);
    }
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
    write_scenario(&args.out, &text)
}

fn write_scenario(out: &Path, text: &str) -> Result<(), CliError> {
    write_atomically(out, text.as_bytes()).map_err(|e| output_error(out, e))?;
    println!(
        "wrote {}: check it with `drsim validate {}`, then run it",
        out.display(),
        out.display()
    );
    Ok(())
}

/// The estate scenario for a Deployment Planner sheet (.xlsx or .csv) or an
/// RVTools export ([`crate::scenario::inventory`]); every bad row is
/// reported with its line.
fn estate_from_planner(file: &Path, args: &InitArgs) -> Result<String, CliError> {
    let name = file.display().to_string();
    let bytes = std::fs::read(file)
        .map_err(|e| usage_error("--from-planner", format!("cannot read {name}: {e}")))?;
    let problems = |p: Vec<String>| usage_error("--from-planner", p.join("\n  "));
    let (inventory, observed) =
        read_inventory(bytes, &name, args.plan_by.as_deref()).map_err(problems)?;
    let options = EstateOptions {
        churn: match args.churn {
            ChurnShapeArg::Daily => ChurnShape::Daily,
            ChurnShapeArg::Constant => ChurnShape::Constant,
        },
        infrastructure_first: !args.no_infrastructure_first,
        without_growth: args.without_growth_factor,
    };
    for line in import_notes(&inventory, options, observed) {
        eprintln!("{line}");
    }
    estate_from_inventory(&inventory, &name, options).map_err(problems)
}

/// The estate scenario for the VMs in the CSV file `csv`
/// ([`crate::scenario::estate`]); every bad row is reported with its line.
fn estate_from_csv(csv: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(csv)
        .map_err(|e| usage_error("--vms", format!("cannot read {}: {e}", csv.display())))?;
    estate_scenario(&text, &csv.display().to_string())
        .map_err(|problems| usage_error("--vms", problems.join("\n  ")))
}
