//! `[[plan]]`: the recovery plans of an estate. A file without any has one
//! plan holding every group (what every scenario was before estates). ASR's
//! limits, 7 groups and 100 VMs, hold per plan; the estate is bounded only by
//! drsim's own [`MAX_ESTATE_VMS`].

use super::plan::{MAX_GROUPS, MAX_PLAN_VMS};
use super::*;

/// drsim's bound on an estate's VMs: 10,000 (docs/estate.md, "Limits").
/// Twice the 5,000 the estate must handle, far below the draws' bound.
pub const MAX_ESTATE_VMS: usize = 10_000;

/// The plans, with every group's and VM's `plan` set; `None` after recording
/// an error (also when the groups or VMs were invalid already).
pub(super) fn check_plans(
    c: &mut Checker<'_>,
    raw_plans: &[RawPlan],
    raw_groups: &[RawGroup],
    groups: Option<&mut Vec<Group>>,
    vms: Option<&mut Vec<Vm>>,
    targets: &Targets,
) -> Option<Vec<Plan>> {
    let root = KeyPath::root();
    c.unique_ids("plan", raw_plans.iter().map(|p| p.id.as_str()));
    let plan_ids: Vec<String> = raw_plans.iter().map(|p| p.id.clone()).collect();
    let mut ok = true;
    let mut plans: Vec<Plan> = Vec::new();
    for (i, p) in raw_plans.iter().enumerate() {
        let path = root.key("plan").index(i);
        c.short_name(path.key("id"), &p.id);
        let mut target = |key: &str, value: &Option<toml::Value>, estate: Option<SimDuration>| {
            let Some(v) = value else {
                return Some(estate);
            };
            let seconds = c.fixed(&path.key(key), v, Duration)?;
            if seconds <= 0.0 {
                c.error(path.key(key), "a target must be above zero");
                return None;
            }
            Some(Some(SimDuration::from_secs_f64(seconds)))
        };
        let rpo = target("rpo", &p.rpo, targets.rpo);
        let rto = target("rto", &p.rto, targets.rto);
        let (Some(rpo_target), Some(rto_target)) = (rpo, rto) else {
            ok = false;
            continue;
        };
        plans.push(Plan {
            id: p.id.clone(),
            priority: p.priority.unwrap_or(0),
            groups: Vec::new(),
            vms: Vec::new(),
            rpo_target,
            rto_target,
            declared: true,
        });
    }
    if raw_plans.is_empty() {
        plans.push(Plan {
            id: "plan".to_string(),
            priority: 0,
            groups: Vec::new(),
            vms: Vec::new(),
            rpo_target: targets.rpo,
            rto_target: targets.rto,
            declared: false,
        });
    }
    // Each group's plan.
    let mut group_plans: Vec<Option<usize>> = Vec::with_capacity(raw_groups.len());
    for (i, g) in raw_groups.iter().enumerate() {
        let key = root.key("group").index(i).key("plan");
        let plan = match &g.plan {
            Some(id) if raw_plans.is_empty() => {
                c.error(
                    key,
                    format!(
                        "no [[plan]] is declared; add one with id = \"{id}\", or remove this key (a file without [[plan]] is one plan)"
                    ),
                );
                None
            }
            Some(id) => c.reference(&key, id, &plan_ids, "[[plan]]"),
            None if plan_ids.len() <= 1 => Some(0),
            None => {
                c.error(
                    key,
                    format!(
                        "this scenario has several plans; say which one this group belongs to: {}",
                        plan_ids.join(", ")
                    ),
                );
                None
            }
        };
        ok &= plan.is_some();
        group_plans.push(plan);
    }
    if !ok || plans.len() != raw_plans.len().max(1) {
        return None;
    }
    let (groups, vms) = (groups?, vms?);
    for (g, group) in groups.iter_mut().enumerate() {
        let p = group_plans[g]?;
        group.plan = p;
        plans[p].groups.push(g);
    }
    for (v, vm) in vms.iter_mut().enumerate() {
        vm.plan = groups[vm.group].plan;
        plans[vm.plan].vms.push(v);
    }
    for (p, plan) in plans.iter().enumerate() {
        let named = if raw_plans.is_empty() {
            "an ASR recovery plan".to_string()
        } else {
            format!("plan `{}`", plan.id)
        };
        if plan.groups.is_empty() {
            c.error(
                root.key("plan").index(p).key("id"),
                format!(
                    "plan `{}` has no groups; set `plan = \"{}\"` on a [[group]] or remove it",
                    plan.id, plan.id
                ),
            );
            ok = false;
        }
        if plan.groups.len() > MAX_GROUPS {
            let eighth = plan.groups[MAX_GROUPS];
            let key = if raw_plans.is_empty() {
                root.key("group").index(eighth)
            } else {
                root.key("group").index(eighth).key("plan")
            };
            c.error(
                key,
                format!(
                    "{named} has at most {MAX_GROUPS} groups (ASR's limit), this one has {}; split it into several [[plan]]",
                    plan.groups.len()
                ),
            );
            ok = false;
        }
        if plan.vms.len() > MAX_PLAN_VMS {
            let key = if raw_plans.is_empty() {
                root.key("vm")
            } else {
                root.key("plan").index(p).key("id")
            };
            c.error(
                key,
                format!(
                    "{named} holds at most {MAX_PLAN_VMS} VMs (ASR's limit), this one has {}; split it into several [[plan]]",
                    plan.vms.len()
                ),
            );
            ok = false;
        }
    }
    if vms.len() > MAX_ESTATE_VMS {
        c.error(
            root.key("vm"),
            format!(
                "drsim simulates at most {MAX_ESTATE_VMS} VMs in one scenario, this one has {}",
                vms.len()
            ),
        );
        ok = false;
    }
    ok.then_some(plans)
}
