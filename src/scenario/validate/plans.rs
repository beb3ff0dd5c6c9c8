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
        let failback_windows = p
            .failback_windows
            .as_deref()
            .map(|texts| c.weekly_windows(&path.key("failback_windows"), texts));
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
            site: 0,
            failback_windows,
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
            site: 0,
            failback_windows: None,
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

/// Sets every plan's site; `None` after recording an error.
pub(super) fn place_plans(
    c: &mut Checker<'_>,
    raw_plans: &[RawPlan],
    mut plans: Vec<Plan>,
    sites: &Sites,
    links: &[Link],
    vms: &[Vm],
    entries: &[usize],
) -> Option<Vec<Plan>> {
    let mut ok = true;
    for (p, plan) in plans.iter_mut().enumerate() {
        let named = raw_plans.get(p).and_then(|r| r.site.as_deref());
        match plan_site(
            c,
            p,
            plan,
            named,
            raw_plans.is_empty(),
            sites,
            links,
            vms,
            entries,
        ) {
            Some(site) => plan.site = site,
            None => ok = false,
        }
    }
    ok.then_some(plans)
}

/// Plan `p`'s primary site: the one it names (`site`), else the one its VMs'
/// links replicate from; every VM of a plan replicates from its site.
#[allow(clippy::too_many_arguments)]
fn plan_site(
    c: &mut Checker<'_>,
    p: usize,
    plan: &Plan,
    named: Option<&str>,
    implicit: bool,
    sites: &Sites,
    links: &[Link],
    vms: &[Vm],
    entries: &[usize],
) -> Option<usize> {
    let key = KeyPath::root().key("plan").index(p).key("site");
    let ids: Vec<String> = sites.primaries.iter().map(|s| s.id.clone()).collect();
    let site = match named {
        Some(id) => c.reference(&key, id, &ids, "[[site]] with role = \"primary\"")?,
        None => links[vms[*plan.vms.first()?].link].site,
    };
    let stray = plan.vms.iter().find(|&&v| links[vms[v].link].site != site);
    if let Some(&v) = stray {
        let link = &links[vms[v].link];
        let whose = if implicit {
            "the scenario's VMs replicate from several sites; an estate of several sites declares a [[plan]] per site".to_string()
        } else if named.is_some() {
            format!("plan `{}` is at site `{}`", plan.id, ids[site])
        } else {
            format!(
                "plan `{}` holds VMs of several sites (its first VM's is `{}`); a plan fails over from one site: split it, or set `site`",
                plan.id, ids[site]
            )
        };
        c.error(
            KeyPath::root().key("vm").index(entries[v]).key("link"),
            format!(
                "VM `{}` replicates over link `{}` from site `{}`, but {whose}",
                vms[v].id, link.id, ids[link.site]
            ),
        );
        return None;
    }
    Some(site)
}

/// Drops the plans at primary sites the outage does not hit (they keep
/// running on-premises): the cycle simulates the plans it fails over, their
/// groups and VMs renumbered; the rest are listed in `Scenario::spared`.
pub(super) fn keep_plans_hit(c: &mut Checker<'_>, s: &mut Scenario) {
    for cg in &s.consistency_groups {
        let site = |v: usize| s.links[s.vms[v].link].site;
        if let Some(&v) = cg.vms.iter().find(|&&v| site(v) != site(cg.vms[0])) {
            c.error(
                KeyPath::root().key("vm"),
                format!(
                    "consistency group `{}` holds VMs of sites `{}` and `{}` (`{}`); a multi-VM consistency group replicates from one site",
                    cg.id,
                    s.sites.primaries[site(cg.vms[0])].id,
                    s.sites.primaries[site(v)].id,
                    s.vms[v].id
                ),
            );
            return;
        }
    }
    let hit: Vec<bool> = (s.plans.iter())
        .map(|p| s.outage.sites.contains(&p.site))
        .collect();
    if hit.iter().all(|&h| h) {
        return;
    }
    if !hit.iter().any(|&h| h) {
        let sites: Vec<String> = (s.plans.iter())
            .map(|p| format!("`{}`", s.sites.primaries[p.site].id))
            .collect();
        c.error(
            KeyPath::root().key("outage"),
            format!(
                "the disaster hits {} where no plan runs; the plans run at {}",
                s.failed_sites(),
                sites.join(", ")
            ),
        );
        return;
    }
    let keep_vm: Vec<bool> = s.vms.iter().map(|v| hit[v.plan]).collect();
    let renumber = |keep: &[bool]| -> Vec<Option<usize>> {
        let mut next = 0;
        (keep.iter())
            .map(|&k| {
                k.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect()
    };
    let (new_plan, new_group, new_vm) = (
        renumber(&hit),
        renumber(&s.groups.iter().map(|g| hit[g.plan]).collect::<Vec<_>>()),
        renumber(&keep_vm),
    );
    let remap = |list: &mut Vec<usize>, to: &[Option<usize>]| {
        *list = list.iter().filter_map(|&i| to[i]).collect();
    };
    for (p, plan) in s.plans.iter().enumerate() {
        if !hit[p] {
            s.spared.push(SparedPlan {
                id: plan.id.clone(),
                site: s.sites.primaries[plan.site].id.clone(),
                vms: plan.vms.len(),
            });
        }
    }
    s.plans.retain(|p| s.outage.sites.contains(&p.site));
    s.groups.retain(|g| hit[g.plan]);
    let mut v = 0;
    s.vms.retain(|_| {
        v += 1;
        keep_vm[v - 1]
    });
    for plan in &mut s.plans {
        remap(&mut plan.groups, &new_group);
        remap(&mut plan.vms, &new_vm);
    }
    for group in &mut s.groups {
        group.plan = new_plan[group.plan].expect("a kept group's plan is kept");
        remap(&mut group.vms, &new_vm);
    }
    for vm in &mut s.vms {
        vm.plan = new_plan[vm.plan].expect("a kept VM's plan is kept");
        vm.group = new_group[vm.group].expect("a kept VM's group is kept");
    }
    // A consistency group's VMs share a site: it is kept whole or dropped.
    for cg in &mut s.consistency_groups {
        remap(&mut cg.vms, &new_vm);
    }
    let new_cg = renumber(
        &(s.consistency_groups.iter())
            .map(|g| !g.vms.is_empty())
            .collect::<Vec<_>>(),
    );
    s.consistency_groups.retain(|g| !g.vms.is_empty());
    for vm in &mut s.vms {
        vm.consistency_group = vm.consistency_group.and_then(|g| new_cg[g]);
    }
    s.start_order = crate::scenario::plans::start_order(&s.plans);
}
