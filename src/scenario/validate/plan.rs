//! `[[group]]` and `[[vm]]`: the recovery plan's groups and steps, its VMs and
//! their multi-VM consistency groups.

use std::collections::BTreeSet;

use super::*;

/// ASR limits a recovery plan to 7 groups and 100 VMs (checked per plan, plans.rs).
pub(super) const MAX_GROUPS: usize = 7;
pub(super) const MAX_PLAN_VMS: usize = 100;
/// A VM's vCPUs when the file gives none: 2, the smallest general-purpose
/// Azure sizes' (an estimate: set `cores` from the Deployment Planner).
const DEFAULT_CORES: u32 = 2;
/// The most vCPUs of an Azure VM size (M416ms v2).
const MAX_CORES: u32 = 416;
/// ASR: a multi-VM consistency group holds at most 16 VMs.
const MAX_CONSISTENCY_GROUP_VMS: usize = 16;

impl Checker<'_> {
    pub(super) fn recovery_point(
        &mut self,
        path: &KeyPath,
        name: &str,
    ) -> Option<RecoveryPointChoice> {
        self.one_of(
            path,
            name,
            &RecoveryPointChoice::NAMES,
            "recovery-point choice",
        )
        .and_then(RecoveryPointChoice::from_name)
    }

    pub(super) fn steps(&mut self, path: &KeyPath, raw: &[RawStep]) -> Option<Vec<Step>> {
        let mut steps = Vec::with_capacity(raw.len());
        let mut ok = true;
        for (i, r) in raw.iter().enumerate() {
            let at = path.index(i);
            let kind = match r.kind.as_deref() {
                None | Some("script") => Some(StepKind::Script),
                Some(other) => self
                    .one_of(&at.key("kind"), other, &["script", "manual"], "step kind")
                    .map(|k| {
                        if k == "manual" {
                            StepKind::Manual
                        } else {
                            StepKind::Script
                        }
                    }),
            };
            self.short_name(at.key("name"), &r.name);
            let duration = self.dist(&at.key("duration"), &r.duration, Duration);
            let failure_probability =
                self.probability_below_one(&at.key("failure_probability"), r.failure_probability);
            let retry_delay = self.dist_or(
                &at.key("retry_delay"),
                r.retry_delay.as_ref(),
                Duration,
                0.0,
            );
            let direction = match r.direction.as_deref() {
                None => Some(StepDirection::Failover),
                Some(name) => self
                    .one_of(
                        &at.key("direction"),
                        name,
                        &StepDirection::NAMES,
                        "step direction",
                    )
                    .and_then(StepDirection::from_name),
            };
            let latent = self.latent_fault_every(&at, r.latent_fault_every.as_ref());
            match (kind, duration, retry_delay, direction, latent) {
                (Some(kind), Some(duration), Some(retry_delay), Some(direction), Some(latent)) => {
                    steps.push(Step {
                        name: r.name.clone(),
                        kind,
                        duration,
                        failure_probability,
                        retry_delay,
                        direction,
                        latent_fault_every: latent,
                    })
                }
                _ => ok = false,
            }
        }
        ok.then_some(steps)
    }

    /// `latent_fault_every` of a step or a VM at `at`: `Some(None)` when
    /// absent, `None` when invalid (recorded).
    pub(super) fn latent_fault_every(
        &mut self,
        at: &KeyPath,
        raw: Option<&toml::Value>,
    ) -> Option<Option<SimDuration>> {
        let Some(value) = raw else {
            return Some(None);
        };
        let key = at.key("latent_fault_every");
        let seconds = self.fixed(&key, value, Duration)?;
        if seconds <= 0.0 {
            self.error(
                key,
                "the mean time between latent faults must be above zero (leave it out for none)",
            );
            return None;
        }
        Some(Some(SimDuration::from_secs_f64(seconds)))
    }
}

/// Why only `latest` is valid with a retention of 0.
pub(super) const LATEST_ONLY: &str = "with `[replication] retention = \"0s\"` ASR saves no recovery point: \"You can fail over only to the latest point\" (azure-to-azure-common-questions.md, \"How does the pruning of recovery points happen?\"): use recovery_point = \"latest\" or a retention above 0";

/// Per-VM values set scenario-wide, which a [[vm]] may override; `None` where
/// the scenario-wide value had an error (already recorded).
pub(super) struct VmDefaults<'a> {
    /// The ASR scenario, whose limits the VMs are checked against.
    pub kind: AsrScenario,
    pub prepare_time: Option<&'a Distribution>,
    pub recovery_point: RecoveryPointChoice,
    /// Whether the policy takes app-consistent points at all.
    pub app_points: bool,
    /// A retention of 0: ASR saves no recovery point, only `latest` can be
    /// failed over to.
    pub latest_only: bool,
    pub architecture: Architecture,
    pub extra_processing_time: ExtraProcessing<'a>,
    pub azure_vm_hour: f64,
    /// The simulated history before the outage, in seconds (for the churn
    /// events it holds).
    pub history_s: f64,
}

/// `[recovery] extra_processing_time` as every VM's default.
pub(super) enum ExtraProcessing<'a> {
    /// Written for every VM.
    Set(&'a Distribution),
    /// Not written: what ASR documents for the VM's kind, OS and DHCP.
    Documented,
    /// Written with an error (already recorded).
    Invalid,
}

/// Bursts a VM may produce in one replication's history: each is an event and
/// a recorded breakpoint, so more would take minutes and gigabytes per
/// replication (docs/scenario-format.md, `bursts`). The same bound as every
/// VM's churn events together (checked after the plan, `validate.rs`); this
/// check names one VM's bursts in its own terms.
pub const MAX_BURSTS_PER_HISTORY: f64 = crate::scenario::MAX_CHURN_EVENTS as f64;

/// The recovery plan's groups, its VMs and their consistency groups; each `None`
/// when an error was recorded for it.
pub(super) type CheckedPlan = (
    Option<Vec<Group>>,
    Option<Vec<Vm>>,
    Option<Vec<ConsistencyGroup>>,
    Vec<usize>,
);

pub(super) fn check_plan(
    c: &mut Checker<'_>,
    raw_groups: &[RawGroup],
    raw_vms: &[RawVm],
    links: &Option<Vec<Link>>,
    defaults: &VmDefaults<'_>,
) -> CheckedPlan {
    let root = KeyPath::root();
    let (mut groups, valid_groups) = check_groups(c, raw_groups);
    if raw_vms.is_empty() {
        c.error(root.key("vm"), "need at least one [[vm]] to protect");
    }
    let group_ids: Vec<String> = raw_groups.iter().map(|g| g.id.clone()).collect();
    let link_ids: Vec<String> = links.iter().flatten().map(|l| l.id.clone()).collect();
    let mut consistency_groups: Vec<ConsistencyGroup> = Vec::new();
    let mut consistency_ok = true;
    let mut vms = Vec::new();
    let mut ok = true;
    let mut expanded_ids: Vec<(usize, String)> = Vec::new();
    // Per VM, the index of the [[vm]] entry it came from.
    let mut entries: Vec<usize> = Vec::new();
    for (i, v) in raw_vms.iter().enumerate() {
        let path = root.key("vm").index(i);
        c.short_name(path.key("id"), &v.id);
        if let Some(id) = &v.consistency_group {
            c.short_name(path.key("consistency_group"), id);
        }
        let Some(vm) = check_vm(c, &path, v, &group_ids, &link_ids, defaults) else {
            ok = false;
            continue;
        };
        let count = v.count.unwrap_or(1) as usize;
        let consistency_group = match &v.consistency_group {
            None => None,
            Some(id) => {
                let joined = join_consistency_group(
                    c,
                    &path.key("consistency_group"),
                    id,
                    vm.recovery_point,
                    count,
                    &mut consistency_groups,
                );
                consistency_ok &= joined.is_ok();
                Some(joined.unwrap_or_else(|index| index))
            }
        };
        // `count = N` stands for N identical VMs named id-1 .. id-N.
        for n in 1..=count {
            let id = if count == 1 {
                v.id.clone()
            } else {
                format!("{}-{n}", v.id)
            };
            expanded_ids.push((i, id.clone()));
            entries.push(i);
            groups[vm.group].vms.push(vms.len());
            if let Some(g) = consistency_group {
                consistency_groups[g].vms.push(vms.len());
            }
            vms.push(Vm {
                id,
                consistency_group,
                ..vm.clone()
            });
        }
    }
    let mut seen = BTreeSet::new();
    for (i, id) in &expanded_ids {
        if !seen.insert(id.as_str()) {
            c.error(
                root.key("vm").index(*i).key("id"),
                format!("duplicate VM id `{id}` (VMs with `count` are named id-1, id-2, ...)"),
            );
        }
    }
    if ok {
        for (i, g) in groups.iter().enumerate() {
            if g.vms.is_empty() {
                c.error(
                    root.key("group").index(i).key("id"),
                    format!(
                        "group `{}` has no VMs; remove it or set `group = \"{}\"` on a [[vm]]",
                        g.id, g.id
                    ),
                );
            }
        }
    }
    (
        valid_groups.then_some(groups),
        (ok && !vms.is_empty()).then_some(vms),
        consistency_ok.then_some(consistency_groups),
        entries,
    )
}

/// The plan's groups with their steps (no VMs yet), and whether they are valid.
fn check_groups(c: &mut Checker<'_>, raw_groups: &[RawGroup]) -> (Vec<Group>, bool) {
    let root = KeyPath::root();
    if raw_groups.is_empty() {
        c.error(
            root.key("group"),
            "need at least one [[group]] (the recovery plan's groups, in start order)",
        );
    }
    c.unique_ids("group", raw_groups.iter().map(|g| g.id.as_str()));
    let mut groups: Vec<Group> = Vec::with_capacity(raw_groups.len());
    let mut steps_ok = true;
    for (i, g) in raw_groups.iter().enumerate() {
        let path = root.key("group").index(i);
        let pre = c.steps(&path.key("pre"), &g.pre);
        let post = c.steps(&path.key("post"), &g.post);
        steps_ok &= pre.is_some() && post.is_some();
        groups.push(Group {
            id: g.id.clone(),
            // Assigned with the plans (plans.rs).
            plan: 0,
            vms: Vec::new(),
            pre: pre.unwrap_or_default(),
            post: post.unwrap_or_default(),
        });
    }
    let valid = !raw_groups.is_empty() && steps_ok;
    (groups, valid)
}

/// One [[vm]] entry as a VM (named by its `id`, in no consistency group yet), or
/// `None` after recording every problem found in it.
fn check_vm(
    c: &mut Checker<'_>,
    path: &KeyPath,
    v: &RawVm,
    group_ids: &[String],
    link_ids: &[String],
    defaults: &VmDefaults<'_>,
) -> Option<Vm> {
    let count = v.count.unwrap_or(1);
    if !(1..=MAX_PLAN_VMS as i64).contains(&count) {
        c.error(
            path.key("count"),
            format!("must be between 1 and {MAX_PLAN_VMS}, got {count}"),
        );
        return None;
    }
    let group = c.reference(&path.key("group"), &v.group, group_ids, "[[group]]");
    let link = match &v.link {
        Some(id) => c.reference(&path.key("link"), id, link_ids, "[[link]]"),
        None if link_ids.len() == 1 => Some(0),
        None if link_ids.is_empty() => None,
        None => {
            c.error(
                path.key("link"),
                format!(
                    "this scenario has several links; say which one carries this VM: {}",
                    link_ids.join(", ")
                ),
            );
            None
        }
    };
    let disk_bytes = c.fixed(&path.key("disk_size"), &v.disk_size, Size);
    if disk_bytes.is_some_and(|b| b <= 0.0) {
        c.error(path.key("disk_size"), "must be above zero");
    }
    let churn = c.churn(&path.key("churn"), &v.churn, &v.id);
    if let Some(Churn::Bursts { per_hour, .. }) = &churn {
        let bursts = per_hour * defaults.history_s / 3600.0;
        if bursts > MAX_BURSTS_PER_HISTORY {
            c.error(
                path.key("churn").key("per_hour"),
                format!(
                    "{per_hour} bursts an hour over the {:.1} h of simulated history (`replication.history`, lengthened to cover faults that start before the outage) make {bursts:.0} bursts per replication, more than the {MAX_BURSTS_PER_HISTORY:.0} that can be simulated in reasonable time and memory: at most {:.0} an hour with this history; model frequent small writes as a constant or on-off rate, or shorten `replication.history`",
                    defaults.history_s / 3600.0,
                    MAX_BURSTS_PER_HISTORY * 3600.0 / defaults.history_s
                ),
            );
        }
    }
    let weight = v.weight.unwrap_or(1.0);
    if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&weight) {
        // Past a million to one, a link's sharing needs more events than a
        // replication may take; no priority scheme is that lopsided.
        c.error(
            path.key("weight"),
            format!("a weight is {MIN_WEIGHT} to {MAX_WEIGHT}, got {weight}"),
        );
    }
    let recovery_point = match &v.recovery_point {
        Some(name) => c
            .recovery_point(&path.key("recovery_point"), name)
            .filter(|&choice| {
                let refused =
                    choice == RecoveryPointChoice::LatestAppConsistent && !defaults.app_points;
                if refused {
                    c.error(
                        path.key("recovery_point"),
                        "app-consistent points are off in the replication policy (the modernized default): set `[replication] app_consistent_interval` (1h to 12h) or choose \"latest-processed\"",
                    );
                }
                let not_latest = defaults.latest_only && choice != RecoveryPointChoice::Latest;
                if not_latest && !refused {
                    c.error(path.key("recovery_point"), LATEST_ONLY);
                }
                !refused && !not_latest
            }),
        None => Some(defaults.recovery_point),
    };
    let disk_count = v.disk_count.unwrap_or(1);
    if !(1..=64).contains(&disk_count) {
        c.error(
            path.key("disk_count"),
            format!("must be between 1 and 64, got {disk_count}"),
        );
    }
    let disk_tier = match &v.disk_tier {
        Some(name) => c
            .one_of(&path.key("disk_tier"), name, &DiskTier::NAMES, "disk tier")
            .and_then(DiskTier::from_name),
        None => None,
    };
    if v.high_churn == Some(true) {
        c.error(
            path.key("high_churn"),
            format!(
                "ASR's High Churn option exists only for Azure-to-Azure replication; this scenario models {} to Azure (`[scenario] kind`), whose churn limits are 25 MB/s average and 54 MB/s peak per VM: remove `high_churn`",
                defaults.kind.name()
            ),
        );
    }
    let write_size = match &v.write_size {
        None => Some(8.0 * 1024.0),
        Some(value) => c.fixed(&path.key("write_size"), value, Size).filter(|w| {
            let ok = *w > 0.0;
            if !ok {
                c.error(
                    path.key("write_size"),
                    "an average write size must be above zero",
                );
            }
            ok
        }),
    };
    if let (Some(churn), Some(write_size)) = (&churn, write_size) {
        warn_churn_limits(
            c,
            path,
            defaults.kind,
            churn,
            disk_tier,
            disk_count.max(1),
            write_size,
        );
    }
    let boot_time = c.dist(&path.key("boot_time"), &v.boot_time, Duration);
    let prepare_time = match &v.prepare_time {
        Some(value) => c.dist(&path.key("prepare_time"), value, Duration),
        None => defaults.prepare_time.cloned(),
    };
    let os = match &v.os {
        None => Some(GuestOs::Windows),
        Some(name) => c
            .one_of(&path.key("os"), name, &GuestOs::NAMES, "operating system")
            .and_then(GuestOs::from_name),
    };
    let dhcp = v.dhcp.unwrap_or(true);
    // A VMware estate protects physical servers through the same appliance
    // and process servers (vmware-physical-azure-support-matrix.md): a
    // machine may say it is one. Hyper-V is another infrastructure.
    let kind = match v.kind.as_deref() {
        None => Some(defaults.kind),
        Some(name) => c
            .one_of(&path.key("kind"), name, &["vmware", "physical"], "machine kind")
            .and_then(AsrScenario::from_name)
            .filter(|_| {
                let ok = defaults.kind.is_vmware_or_physical();
                if !ok {
                    c.error(
                        path.key("kind"),
                        "a Hyper-V scenario protects Hyper-V VMs only: VMware VMs and physical servers replicate through a process server (another scenario, `[scenario] kind`)",
                    );
                }
                ok
            }),
    };
    let extra_processing_time = match (&v.extra_processing_time, &defaults.extra_processing_time) {
        (Some(value), _) => c.dist(&path.key("extra_processing_time"), value, Duration),
        (None, ExtraProcessing::Set(d)) => Some((*d).clone()),
        (None, ExtraProcessing::Documented) => os.zip(kind).map(|(os, kind)| {
            super::kind::documented_extra_processing(kind, defaults.architecture, os, dhcp)
        }),
        (None, ExtraProcessing::Invalid) => None,
    };
    let azure_vm_hour = v.azure_vm_hour.unwrap_or(defaults.azure_vm_hour);
    c.price(path.key("azure_vm_hour"), azure_vm_hour);
    let working_set = part_of_disk(
        c,
        path.key("working_set"),
        v.working_set.as_ref(),
        disk_bytes,
        "the working set is the part of the disk the VM keeps writing to",
    );
    let used = part_of_disk(
        c,
        path.key("used"),
        v.used.as_ref(),
        disk_bytes,
        "the data on the disk",
    );
    let disk_throughput = match &v.disk_throughput {
        None => Some(None),
        Some(value) => positive_rate(c, path.key("disk_throughput"), value).map(Some),
    };
    let cores = match v.cores {
        None => Some(DEFAULT_CORES),
        Some(n) if (1..=i64::from(MAX_CORES)).contains(&n) => Some(n as u32),
        Some(n) => {
            c.error(
                path.key("cores"),
                format!(
                    "must be between 1 and {MAX_CORES} (the largest Azure VM size's vCPUs), got {n}"
                ),
            );
            None
        }
    };
    let latent = c.latent_fault_every(path, v.latent_fault_every.as_ref());
    let failback_boot_time = match &v.failback_boot_time {
        Some(value) => c.dist(&path.key("failback_boot_time"), value, Duration),
        None => boot_time.clone(),
    };
    Some(Vm {
        id: v.id.clone(),
        group: group?,
        // Assigned with the plans (plans.rs).
        plan: 0,
        link: link?,
        disk_bytes: disk_bytes?,
        disk_size_text: match &v.disk_size {
            toml::Value::String(text) => text.trim().to_string(),
            other => other.to_string(),
        },
        churn: churn?,
        weight,
        recovery_point: recovery_point?,
        consistency_group: None,
        boot_time: boot_time?,
        prepare_time: prepare_time?,
        failback_boot_time: failback_boot_time?,
        extra_processing_time: extra_processing_time?,
        os: os?,
        kind: kind?,
        // Assigned with the process servers (process_servers.rs).
        process_server: None,
        dhcp,
        azure_vm_hour,
        working_set_bytes: working_set?,
        used_bytes: used?,
        disk_throughput: disk_throughput?,
        cores: cores?,
        latent_fault_every: latent?,
    })
}

/// A disk's throughput: a rate in bytes/s above 0.
pub(super) fn positive_rate(c: &mut Checker<'_>, key: KeyPath, value: &toml::Value) -> Option<f64> {
    match c.fixed(&key, value, WriteRate)? {
        rate if rate > 0.0 => Some(rate),
        rate => {
            c.error(
                key,
                format!("must be above 0, got {}", WriteRate.format(rate)),
            );
            None
        }
    }
}

/// Adds `count` VMs using `choice` to consistency group `id` (created on first
/// use): `Ok(index)`, or `Err(index)` after recording why they cannot join it.
fn join_consistency_group(
    c: &mut Checker<'_>,
    path: &KeyPath,
    id: &str,
    choice: RecoveryPointChoice,
    count: usize,
    groups: &mut Vec<ConsistencyGroup>,
) -> Result<usize, usize> {
    let index = match groups.iter().position(|g| g.id == id) {
        Some(i) => i,
        None => {
            groups.push(ConsistencyGroup {
                id: id.to_string(),
                vms: Vec::new(),
                choice,
            });
            groups.len() - 1
        }
    };
    let g = &groups[index];
    if choice == RecoveryPointChoice::Latest {
        c.error(
            path.clone(),
            "a multi-VM consistency group shares a processed point: use recovery_point = \"latest-processed\" or \"latest-app-consistent\"",
        );
        return Err(index);
    }
    if g.choice != choice {
        c.error(
            path.clone(),
            format!(
                "every VM of consistency group `{id}` must use the same recovery point choice (`{}`), not `{}`",
                g.choice.name(),
                choice.name()
            ),
        );
        return Err(index);
    }
    if g.vms.len() + count > MAX_CONSISTENCY_GROUP_VMS {
        c.error(
            path.clone(),
            format!(
                "a multi-VM consistency group holds at most {MAX_CONSISTENCY_GROUP_VMS} VMs; `{id}` would hold {}",
                g.vms.len() + count
            ),
        );
        return Err(index);
    }
    Ok(index)
}

/// The lightest and heaviest share of a link a VM may have (`weight`).
const MIN_WEIGHT: f64 = 0.001;
const MAX_WEIGHT: f64 = 1000.0;

/// A size that is part of a VM's disk (`working_set`, `used`): the disk when
/// unset, else above 0 and at most the disk; `None` after recording why not
/// (or when the disk itself had an error).
fn part_of_disk(
    c: &mut Checker<'_>,
    key: KeyPath,
    value: Option<&toml::Value>,
    disk_bytes: Option<f64>,
    what: &str,
) -> Option<f64> {
    let Some(value) = value else {
        return disk_bytes;
    };
    match (c.fixed(&key, value, Size), disk_bytes) {
        (Some(part), Some(disk)) if part > 0.0 && part <= disk => Some(part),
        (Some(part), Some(disk)) => {
            c.error(
                key,
                format!(
                    "{what}: above 0 and at most the disk ({}), got {}",
                    Size.format(disk),
                    Size.format(part)
                ),
            );
            None
        }
        _ => None,
    }
}
