//! `drsim init`: a commented starter scenario, from a template or from the
//! CSV of VMs an architect already has.

use std::fmt::Write as _;
use std::path::Path;

use super::shared::{CliError, output_error, usage_error};
use clap::ValueEnum as _;

use crate::cli::{InitCommand, Template};
use crate::report::write_atomically;
use crate::scenario::units::{QuantityKind, format_byte_rate};

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

/// A scenario for the VMs of `csv` (header `name,disk_size,churn,group`;
/// churn in any rate unit, e.g. "50 GB/day" as the Deployment Planner reports
/// it). Every bad row is reported with its line.
fn estate_from_csv(csv: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(csv)
        .map_err(|e| usage_error("--vms", format!("cannot read {}: {e}", csv.display())))?;
    let file = csv.display().to_string();
    let mut problems = Vec::new();
    let mut rows: Vec<(String, String, f64, String)> = Vec::new();
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_lowercase).collect(),
        Err(e) => return Err(usage_error("--vms", format!("{file}: {e}"))),
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_name), Some(c_disk), Some(c_churn), Some(c_group)) = (
        column("name"),
        column("disk_size"),
        column("churn"),
        column("group"),
    ) else {
        return Err(usage_error(
            "--vms",
            format!(
                "{file}:1: the header must name the columns name, disk_size, churn, group (got {})",
                header.join(", ")
            ),
        ));
    };
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{file}:{line}: {e}"));
                continue;
            }
        };
        let field = |c: usize| record.get(c).unwrap_or("").to_string();
        let (name, disk, churn, group) =
            (field(c_name), field(c_disk), field(c_churn), field(c_group));
        if name.is_empty() || group.is_empty() {
            problems.push(format!(
                "{file}:{line}: `name` and `group` must not be empty"
            ));
            continue;
        }
        if rows.iter().any(|r| r.0 == name) {
            problems.push(format!("{file}:{line}: VM `{name}` appears twice"));
            continue;
        }
        if let Err(e) = QuantityKind::Size.parse(&disk) {
            problems.push(format!("{file}:{line}: disk_size: {e}"));
            continue;
        }
        match QuantityKind::WriteRate.parse(&churn) {
            Ok(rate) => rows.push((name, disk, rate, group)),
            Err(e) => problems.push(format!("{file}:{line}: churn: {e}")),
        }
    }
    let mut groups: Vec<String> = Vec::new();
    for r in &rows {
        if !groups.contains(&r.3) {
            groups.push(r.3.clone());
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(format!("{file}: no VMs"));
    }
    if rows.len() > 100 {
        problems.push(format!(
            "{file}: {} VMs; an ASR recovery plan holds at most 100",
            rows.len()
        ));
    }
    if groups.len() > 7 {
        problems.push(format!(
            "{file}: {} groups; an ASR recovery plan has at most 7",
            groups.len()
        ));
    }
    if !problems.is_empty() {
        return Err(usage_error("--vms", problems.join("\n  ")));
    }
    let total: f64 = rows.iter().map(|r| r.2).sum();
    // A link with room for twice the mean churn, rounded up to 10 Mbps.
    let mbps = ((total * 8.0 * 2.0 / 1e6) / 10.0).ceil().max(1.0) * 10.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# A starter scenario generated by `drsim init --template estate` from {file}.\n# Every value below the VMs is a placeholder: replace it with your plan's.\n# docs/scenario-format.md explains each key; docs/model.md where defaults come from.\n\n[scenario]\nname = \"estate\"\ndescription = \"{} VMs in {} recovery groups, from {file}.\"\nkind = \"vmware-physical\"\n\n[simulation]\nreplications = 10000\nseed = 1\n\n[[site]]\nid = \"dc\"\nrole = \"primary\"\n\n[[site]]\nid = \"azure\"\nrole = \"recovery\"\n\n# The VMs write {} on average: this link has room for twice that. Size it\n# with `drsim size --target rpo<=15m@95% --vary link.wan.bandwidth ...`.\n[[link]]\nid = \"wan\"\nfrom = \"dc\"\nto = \"azure\"\nbandwidth = \"{mbps} Mbps\"\n\n[replication]\nprocessing_delay = {{ dist = \"uniform\", min = \"1m\", max = \"5m\" }}\nprocess_servers = {}\n",
        rows.len(),
        groups.len(),
        format_byte_rate(total),
        ((total * 86_400.0) / 2e12).ceil().max(1.0)
    );
    for g in &groups {
        let _ = writeln!(s, "[[group]]\nid = \"{g}\"\n");
    }
    for (name, disk, rate, group) in &rows {
        let _ = writeln!(
            s,
            "[[vm]]\nid = \"{name}\"\ngroup = \"{group}\"\ndisk_size = \"{disk}\"\nchurn = \"{}\"\nboot_time = {{ dist = \"lognormal\", median = \"10m\", p95 = \"20m\" }}\n",
            format_byte_rate(*rate)
        );
    }
    s.push_str(
        "[[outage]]\nkind = \"site\"\nsite = \"dc\"\nduration = { dist = \"lognormal\", median = \"8h\", p95 = \"3d\" }\n\n[recovery]\ndetection_delay = { dist = \"uniform\", min = \"5m\", max = \"15m\" }\ndecision_delay = { dist = \"lognormal\", median = \"30m\", p95 = \"2h\" }\n\n[targets]\nrpo = \"15m\"\nrto = \"4h\"\n",
    );
    Ok(s)
}
