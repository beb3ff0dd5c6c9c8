//! The estate scenario `drsim init` writes from an inventory
//! ([`super::inventory`]): the VMs split into recovery plans of at most 100
//! (ASR's limit), infrastructure first, each VM's churn as a daily profile,
//! a link with room for twice the mean churn, and placeholder delays to
//! replace. The rules are written into the file's header (docs/estate.md).

use std::fmt::Write as _;

use super::inventory::{ChurnFigure, Inventory, InventoryVm, csv_rows, read_rows};
use super::units::{format_byte_rate, format_bytes};

/// ASR's limits on a recovery plan (Scenario validation checks them too).
const PLAN_VMS: usize = 100;
const PLAN_GROUPS: usize = 7;

/// The hourly shape the churn follows, as a share of the peak hour: a
/// working day (09:00 to 17:00 at or near the peak), a nightly batch at
/// 02:00-04:00 and quiet nights. An estimate: the Planner publishes one
/// figure per VM; its mean is [`DAILY_MEAN_SHARE`] of the peak.
pub const DAILY_SHAPE: [f64; 24] = [
    0.30, 0.30, 0.55, 0.55, 0.30, 0.30, 0.40, 0.60, 0.80, 0.90, 1.00, 1.00, 0.85, 0.95, 1.00, 0.95,
    0.85, 0.70, 0.55, 0.45, 0.40, 0.35, 0.35, 0.30,
];
/// The mean of [`DAILY_SHAPE`]: 14.7 / 24.
pub const DAILY_MEAN_SHARE: f64 = 14.7 / 24.0;

/// Without a churn figure (RVTools), a VM is taken to write this share of
/// its disks a day (an estimate, to replace with the Planner's profile).
const ESTIMATED_DAILY_CHURN_SHARE: f64 = 0.05;

/// How each VM's churn is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnShape {
    /// The daily profile ([`DAILY_SHAPE`]), its peak hour at the Planner's
    /// peak (or its mean at a mean figure).
    Daily,
    /// One constant rate: the figure as given (the Planner's peak is then
    /// taken as the rate all day: pessimistic).
    Constant,
}

/// How `drsim init` builds the estate.
#[derive(Debug, Clone, Copy)]
pub struct EstateOptions {
    pub churn: ChurnShape,
    /// Domain controllers and DNS servers in their own plan, started first.
    pub infrastructure_first: bool,
    /// Take the Planner's 30 % growth factor out of its churn figures (they
    /// are then today's peaks, not the sized-for ones).
    pub without_growth: bool,
}

impl Default for EstateOptions {
    fn default() -> Self {
        EstateOptions {
            churn: ChurnShape::Daily,
            infrastructure_first: true,
            without_growth: false,
        }
    }
}

/// A scenario for drsim's CSV of VMs (header `name,disk_size,churn,group`;
/// churn a mean in any rate unit, e.g. "50 GB/day"), read from `text` (the
/// file `file`, named in problems).
pub fn estate_scenario(text: &str, file: &str) -> Result<String, Vec<String>> {
    let inventory = read_rows(csv_rows(text, file)?, file, None)?;
    estate_from_inventory(&inventory, file, EstateOptions::default())
}

/// Whether a VM's name marks it as infrastructure: a name part (split at
/// `-`, `_`, `.`) that is `dc`, `ad`, `adds`, `dns` or `pdc`, numbered or not
/// (`corp-dc01`, `dns2.example`).
fn is_infrastructure(name: &str) -> bool {
    name.to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|part| part.trim_end_matches(|c: char| c.is_ascii_digit()))
        .any(|part| matches!(part, "dc" | "ad" | "adds" | "dns" | "pdc"))
}

/// A planned recovery plan: its id, its VMs (indices into the inventory)
/// and the groups they form, in start order.
struct PlannedPlan {
    id: String,
    groups: Vec<(String, Vec<usize>)>,
}

/// Splits the VMs into plans of at most 100: infrastructure first (when
/// asked), then by the grouping column's values in order of first
/// appearance (a plan per value when the column is `--plan-by`, a group
/// per value for drsim's CSV), else in file order.
fn split_into_plans(
    inventory: &Inventory,
    options: EstateOptions,
    problems: &mut Vec<String>,
    file: &str,
) -> Vec<PlannedPlan> {
    let vms = &inventory.vms;
    let groups_are_plans = inventory.churn != ChurnFigure::Mean;
    let infra: Vec<usize> = (0..vms.len())
        .filter(|&v| options.infrastructure_first && is_infrastructure(&vms[v].name))
        .collect();
    let rest: Vec<usize> = (0..vms.len()).filter(|v| !infra.contains(v)).collect();
    let mut plans: Vec<PlannedPlan> = Vec::new();
    let chunked = |id: &str, members: &[usize], group: &str, plans: &mut Vec<PlannedPlan>| {
        let chunks: Vec<&[usize]> = members.chunks(PLAN_VMS).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let id = if chunks.len() == 1 {
                id.to_string()
            } else {
                format!("{id}-{}", i + 1)
            };
            plans.push(PlannedPlan {
                id,
                groups: vec![(group.to_string(), chunk.to_vec())],
            });
        }
    };
    if !infra.is_empty() {
        chunked("infrastructure", &infra, "infrastructure", &mut plans);
    }
    let values: Vec<Option<&String>> = {
        let mut seen: Vec<Option<&String>> = Vec::new();
        for &v in &rest {
            let g = vms[v].group.as_ref();
            if !seen.contains(&g) {
                seen.push(g);
            }
        }
        seen
    };
    if groups_are_plans && values.iter().any(Option::is_some) {
        for value in values {
            let members: Vec<usize> = rest
                .iter()
                .copied()
                .filter(|&v| vms[v].group.as_ref() == value)
                .collect();
            let id = value.map_or("ungrouped", |s| s.as_str());
            chunked(&plan_id(id), &members, "vms", &mut plans);
        }
    } else {
        // File order, in plans of 100; drsim's CSV's groups inside each.
        let total = rest.len().div_ceil(PLAN_VMS);
        for (i, chunk) in rest.chunks(PLAN_VMS).enumerate() {
            let id = if total == 1 {
                "vms".to_string()
            } else {
                format!("plan-{:02}", i + 1)
            };
            let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
            for &v in chunk {
                let name = vms[v].group.clone().unwrap_or_else(|| "vms".into());
                match groups.iter_mut().find(|(g, _)| *g == name) {
                    Some((_, members)) => members.push(v),
                    None => groups.push((name, vec![v])),
                }
            }
            if groups.len() > PLAN_GROUPS {
                problems.push(format!(
                    "{file}: plan `{id}` (rows {} to {}) would have {} groups; an ASR recovery plan has at most {PLAN_GROUPS}: use fewer group values, or --plan-by a column",
                    vms[chunk[0]].line,
                    vms[chunk[chunk.len() - 1]].line,
                    groups.len()
                ));
            }
            plans.push(PlannedPlan { id, groups });
        }
    }
    plans
}

/// A plan id from a column value: letters, digits, `-` and `_` kept, the
/// rest as `-`.
fn plan_id(value: &str) -> String {
    let id: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if id.trim_matches('-').is_empty() {
        "plan".into()
    } else {
        id
    }
}

/// The Deployment Planner's default growth factor: its churn figures are
/// the observed 95th percentile plus 30 %
/// (site-recovery-vmware-deployment-planner-analyze-report.md, "Compatible
/// virtual machines").
pub const PLANNER_GROWTH_FACTOR: f64 = 0.30;

/// The mean rate a VM's churn figure stands for.
fn mean_rate(vm: &InventoryVm, figure: ChurnFigure, options: EstateOptions) -> f64 {
    let peak = if options.without_growth {
        vm.churn / (1.0 + PLANNER_GROWTH_FACTOR)
    } else {
        vm.churn
    };
    match (figure, options.churn) {
        (ChurnFigure::Peak, ChurnShape::Daily) => peak * DAILY_MEAN_SHARE,
        (ChurnFigure::Peak, ChurnShape::Constant) => peak,
        (ChurnFigure::Missing, _) => vm.disk_bytes * ESTIMATED_DAILY_CHURN_SHARE / 86_400.0,
        _ => vm.churn,
    }
}

/// The `churn = ...` value of a VM.
fn churn_value(vm: &InventoryVm, figure: ChurnFigure, options: EstateOptions) -> String {
    let shape = options.churn;
    let mean = mean_rate(vm, figure, options);
    match shape {
        ChurnShape::Constant => format!("\"{}\"", format_byte_rate(mean)),
        ChurnShape::Daily => {
            let peak = mean / DAILY_MEAN_SHARE;
            let hours: Vec<String> = DAILY_SHAPE
                .iter()
                .map(|share| format!("\"{}\"", format_byte_rate(peak * share)))
                .collect();
            format!(
                "{{ process = \"daily\", profile = [{}] }}",
                hours.join(", ")
            )
        }
    }
}

/// What `init` says of an import before writing it, each line starting
/// `note:` or `warning:`: the churn column and unit read; the Planner's own
/// "Observed typical data churn per day" (`observed`, bytes a day) against
/// the imported VMs' mean, a warning when 8-fold or more apart; the EFI VMs.
pub fn import_notes(
    inventory: &Inventory,
    options: EstateOptions,
    observed: Option<f64>,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((column, unit)) = &inventory.churn_column {
        let bits = if unit == "Mbps" {
            " (megabits per second: divided by 8 for bytes)"
        } else {
            ""
        };
        out.push(format!("note: churn read from `{column}` in {unit}{bits}"));
    }
    if let Some(observed) = observed {
        let ours: f64 = inventory
            .vms
            .iter()
            .map(|v| mean_rate(v, inventory.churn, options))
            .sum::<f64>()
            * 86_400.0;
        let ratio = ours / observed.max(1.0);
        let text = format!(
            "the Planner's \"Observed typical data churn per day\" (On-premises summary) is {}; the imported VMs' mean churn comes to {} a day ({ratio:.2} times it)",
            format_bytes(observed),
            format_bytes(ours)
        );
        out.push(if (1.0 / 8.0..=8.0).contains(&ratio) {
            format!("note: {text}")
        } else {
            format!(
                "warning: {text}: they differ 8-fold or more; check the churn column's unit (\"in Mbps\" is megabits per second) or take the growth factor out (--without-growth-factor)"
            )
        });
    }
    let efi = inventory.vms.iter().filter(|v| v.efi).count();
    if efi > 0 {
        out.push(format!(
            "note: {efi} EFI VMs: ASR fails them over but does not fail them back (the Deployment Planner's report); they are marked in the scenario"
        ));
    }
    out
}

/// The estate scenario for `inventory` (read from `file`): its text, or
/// every problem found, each with its line.
pub fn estate_from_inventory(
    inventory: &Inventory,
    file: &str,
    options: EstateOptions,
) -> Result<String, Vec<String>> {
    let mut problems = Vec::new();
    let vms = &inventory.vms;
    let plans = split_into_plans(inventory, options, &mut problems, file);
    if !problems.is_empty() {
        return Err(problems);
    }
    let figure = inventory.churn;
    let total: f64 = vms.iter().map(|v| mean_rate(v, figure, options)).sum();
    // Process servers for the peak hour's churn with a quarter to spare
    // (about 2 TB a day each, as ASR documents; the headroom is an
    // estimate): sized for the mean, they saturate every afternoon.
    let peak_total = match options.churn {
        ChurnShape::Daily => total / DAILY_MEAN_SHARE,
        ChurnShape::Constant => total,
    };
    let process_servers = ((1.25 * peak_total * 86_400.0) / 2e12).ceil().max(1.0);
    // A master target takes 60 disks at failback (warnings.rs).
    let disks: u32 = vms.iter().map(|v| v.disks.unwrap_or(1)).sum();
    let master_targets = disks.div_ceil(60).max(1);
    // A link with room for twice the mean churn, rounded up to 10 Mbps.
    let mbps = ((total * 8.0 * 2.0 / 1e6) / 10.0).ceil().max(1.0) * 10.0;
    // Every value from the inventory is written by toml_edit, quoted and
    // escaped: a name cannot end its string or add keys. The file name goes
    // into comments escaped.
    let quoted = |text: &str| toml_edit::Value::from(text).to_string();
    let file_name = file.escape_debug().to_string();
    let churn_rule = match (figure, options.churn) {
        (ChurnFigure::Peak, ChurnShape::Daily) => format!(
            "the Planner's Peak Data Churn (a 95th percentile with 30 % growth{}) as the peak hour of a\n# working-day profile (docs/estate.md); its mean is {:.0} % of the peak (an estimate)",
            if options.without_growth {
                ", the growth taken out: / 1.3"
            } else {
                ""
            },
            DAILY_MEAN_SHARE * 100.0
        ),
        (ChurnFigure::Peak, ChurnShape::Constant) => format!(
            "the Planner's Peak Data Churn{} as a constant rate all day (pessimistic)",
            if options.without_growth {
                " without its 30 % growth (/ 1.3)"
            } else {
                ""
            }
        ),
        (ChurnFigure::Mean, ChurnShape::Daily) => {
            "the CSV's churn as the mean of a working-day profile (docs/estate.md)".into()
        }
        (ChurnFigure::Mean, ChurnShape::Constant) => "the CSV's churn as a constant rate".into(),
        (ChurnFigure::Missing, _) => format!(
            "NOT MEASURED: {} has no churn; each VM is taken to write {:.0} % of its disks a day\n# (an estimate): replace with the Deployment Planner's figures",
            inventory.source_kind,
            ESTIMATED_DAILY_CHURN_SHARE * 100.0
        ),
    };
    let efi: Vec<&str> = vms
        .iter()
        .filter(|v| v.efi)
        .map(|v| v.name.as_str())
        .collect();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# An estate scenario generated by `drsim init` from {file_name} ({}).\n# {} VMs in {} recovery plans of at most {PLAN_VMS} VMs (ASR's limit), started in this order:\n# {}.\n# Churn: {churn_rule}.\n# Every value below the VMs is a placeholder: replace it with your plan's.\n# docs/estate.md explains the import; docs/scenario-format.md each key.\n",
        inventory.source_kind,
        vms.len(),
        plans.len(),
        if options.infrastructure_first && plans.first().is_some_and(|p| p.id == "infrastructure") {
            "domain controllers and DNS servers (by name) first, then the rest in the file's order"
                .to_string()
        } else {
            "in the file's order".to_string()
        },
    );
    if !efi.is_empty() {
        let _ = writeln!(
            s,
            "# EFI VMs ({}): ASR fails them over but does not fail them back (the Planner's\n# report, \"Boot Type\"); the cycle below still fails them back: plan their return yourself.\n",
            efi.len()
        );
    }
    let _ = writeln!(
        s,
        "[scenario]\nname = \"estate\"\ndescription = {}\nkind = \"vmware\"\narchitecture = \"modernized\"\n\n[simulation]\nreplications = 2000\nseed = 1\n\n[[site]]\nid = \"dc\"\nrole = \"primary\"\n\n[[site]]\nid = \"azure\"\nrole = \"recovery\"\n\n# The VMs write {} on average: this link has room for twice that. Size it\n# with `drsim size --target rpo<=15m@95% --vary link.wan.bandwidth ...`.\n[[link]]\nid = \"wan\"\nfrom = \"dc\"\nto = \"azure\"\nbandwidth = \"{mbps} Mbps\"\n\n[replication]\nprocessing_delay = {{ dist = \"uniform\", min = \"1m\", max = \"5m\" }}\nprocess_servers = {}\n",
        quoted(&format!(
            "{} VMs in {} recovery plans, from {file}.",
            vms.len(),
            plans.len()
        )),
        format_byte_rate(total),
        process_servers
    );
    // Plans, then their groups, then the VMs, each in start order.
    let mut order: Vec<usize> = Vec::with_capacity(vms.len());
    for (i, plan) in plans.iter().enumerate() {
        let _ = writeln!(
            s,
            "[[plan]]\nid = {}\npriority = {}\n",
            quoted(&plan.id),
            i + 1
        );
    }
    for plan in &plans {
        for (group, members) in &plan.groups {
            let id = if plans.len() == 1 {
                group.clone()
            } else {
                format!("{}-{group}", plan.id)
            };
            let _ = writeln!(
                s,
                "[[group]]\nid = {}\nplan = {}\n",
                quoted(&id),
                quoted(&plan.id)
            );
            for &v in members {
                order.push(v);
                let vm = &vms[v];
                let _ = write!(
                    s,
                    "[[vm]]\nid = {}\ngroup = {}\ndisk_size = {}\nchurn = {}\n",
                    quoted(&vm.name),
                    quoted(&id),
                    quoted(&vm.disk_text),
                    churn_value(vm, figure, options)
                );
                if let Some(used) = vm.used_bytes {
                    let _ = writeln!(
                        s,
                        "used = \"{} MiB\"   # In Use MiB: the data a reprotect's checksum reads",
                        (used / 1_048_576.0 * 1000.0).round() / 1000.0
                    );
                }
                if let Some(n) = vm.disks {
                    let _ = writeln!(s, "disk_count = {n}");
                }
                if let Some(n) = vm.cores {
                    let _ = writeln!(s, "cores = {n}");
                }
                if let Some(os) = vm.os {
                    let _ = writeln!(s, "os = \"{os}\"");
                }
                if vm.efi {
                    s.push_str("# EFI boot: ASR does not fail this VM back\n");
                }
                if let Some(size) = &vm.azure_size {
                    let _ = writeln!(s, "# Azure VM size (Planner): {}", size.escape_debug());
                }
                s.push_str(
                    "boot_time = { dist = \"lognormal\", median = \"10m\", p95 = \"20m\" }\n\n",
                );
            }
        }
    }
    s.push_str(
        "[[outage]]\nkind = \"site\"\nsite = \"dc\"\nduration = { dist = \"lognormal\", median = \"8h\", p95 = \"3d\" }\n\n[recovery]\ndetection_delay = { dist = \"uniform\", min = \"5m\", max = \"15m\" }\ndecision_delay = { dist = \"lognormal\", median = \"30m\", p95 = \"2h\" }\n# How many plans the team runs at once, in priority order (replace with yours).\nconcurrent_plans = 2\n\n[failback]\n# Plans failing back at once (replace with yours).\nconcurrent_plans = 2\n");
    let _ = write!(
        s,
        "# One master target per 60 disks reprotected ({disks} disks).\nmaster_targets = {master_targets}\n\n[targets]\nrpo = \"15m\"\nrto = \"4h\"\n",
    );
    // What is written must validate: a row the scenario refuses (a 0 GiB
    // disk, churn past what drsim simulates, a name too long) is named by
    // its line, and nothing is written.
    match super::Scenario::from_toml(&s, file) {
        Ok(_) => Ok(s),
        Err(super::ScenarioError::Invalid { diagnostics }) => Err(diagnostics
            .iter()
            .map(|d| {
                let row = d
                    .key
                    .strip_prefix("vm[")
                    .and_then(|rest| rest.split(']').next()?.parse::<usize>().ok())
                    .and_then(|i| vms.get(*order.get(i)?));
                match row {
                    Some(vm) => format!(
                        "{file}:{}: VM `{}`: {}",
                        vm.line,
                        vm.name.escape_debug(),
                        d.message
                    ),
                    None => format!("{file}: {}: {}", d.key, d.message),
                }
            })
            .collect()),
        Err(other) => Err(vec![format!("{file}: {other}")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infrastructure_is_told_by_a_name_part() {
        for name in ["corp-dc01", "DNS2.example.com", "ad_1", "pdc"] {
            assert!(is_infrastructure(name), "{name}");
        }
        for name in ["dcache", "web-01", "adobe", "madness"] {
            assert!(!is_infrastructure(name), "{name}");
        }
    }

    #[test]
    fn the_daily_shape_peaks_at_one_and_its_mean_is_stated() {
        let max = DAILY_SHAPE.iter().copied().fold(0.0, f64::max);
        assert_eq!(max, 1.0);
        let mean = DAILY_SHAPE.iter().sum::<f64>() / 24.0;
        assert!((mean - DAILY_MEAN_SHARE).abs() < 1e-12);
    }
}
