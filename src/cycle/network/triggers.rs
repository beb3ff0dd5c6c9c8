//! What can trigger a resync or pass a cache level on a forward link, and
//! the next instant it would, under the link's current rates: each process
//! server's cache (its documented alert and throttling levels) and each
//! Hyper-V VM's log (half its disk).

use super::super::capacity::CACHE_LEVELS;
use super::super::fluid::FluidLink;
use crate::engine::SimTime;
use crate::scenario::Scenario;

/// The queued log at which ASR marks a VM for resync: Hyper-V at half the
/// disk (hyper-v-azure-architecture.md, "Resynchronization process": "if the
/// .hrl files reach 50% of the disk size"); VMware/physical has no such log
/// (its process server's cache levels are watched, no resync follows).
pub(super) fn log_limit(scenario: &Scenario, vm: usize) -> f64 {
    match scenario.kind {
        crate::scenario::AsrScenario::HyperV => 0.5 * scenario.vms[vm].disk_bytes,
        crate::scenario::AsrScenario::Vmware | crate::scenario::AsrScenario::Physical => {
            f64::INFINITY
        }
    }
}

/// Bytes below which a cache counts as full: the check is scheduled on the
/// millisecond grid, so the cache may fall short of full by what one
/// millisecond of growth adds.
pub(super) const CACHE_SLACK_BYTES: f64 = 1.0;

/// The earliest instant, under the link's current rates, at which a resync
/// would be triggered on forward `link`, and a VM it concerns: a process
/// server's cache (its VMs' queued writes, resyncing VMs' excepted: their
/// changed blocks are read from the disk) reaching its size, or a Hyper-V
/// VM's log reaching half its disk. Checked exactly when the instant comes.
pub(super) fn next_resync_trigger(
    scenario: &Scenario,
    triggers: &mut ResyncTriggers,
    levels: &[usize],
    link: &FluidLink,
    link_index: usize,
    resyncing: impl Fn(usize) -> bool,
) -> Option<Trigger> {
    let now = link.now();
    // How fast a (not resyncing) flow's queue grows, from its
    // `(active, backlog, input rate, send rate)`.
    let growth = |(active, backlog, input, send): (bool, f64, f64, f64)| {
        if active && (backlog > 0.0 || input > send) {
            input - send
        } else {
            0.0
        }
    };
    let at = |gap: f64, rate: f64| -> Option<SimTime> {
        if gap <= 0.0 {
            return Some(now);
        }
        (rate > 0.0).then(|| {
            now + crate::engine::SimDuration::from_secs_f64_ceil(gap / rate)
                .max(crate::engine::SimDuration::from_millis(1))
        })
    };
    let servers = scenario
        .process_servers
        .iter()
        .enumerate()
        .filter(|(_, ps)| ps.link == link_index)
        .filter_map(|(p, ps)| {
            let vms = &triggers.server_vms[p];
            // A server whose pool did not change since its trigger was found
            // still has the rates it had then: that instant stands.
            let version = vms.first().map(|&vm| link.pool_version(link.pool_of(vm)));
            if let Some((seen, known)) = triggers.server_at[p]
                && Some(seen) == version
            {
                return known.map(|(t, vm)| (t.max(now), vm));
            }
            let share = CACHE_LEVELS.get(levels[p])?;
            let (mut cached, mut rate, mut first) = (0.0, 0.0, None);
            for &vm in vms.iter().filter(|&&vm| !resyncing(vm)) {
                let queue = link.queue(vm);
                cached += queue.1;
                rate += growth(queue);
                first.get_or_insert(vm);
            }
            let found = at(share * ps.cache_bytes - CACHE_SLACK_BYTES - cached, rate).zip(first);
            triggers.server_at[p] = version.map(|v| (v, found));
            found
        });
    let logs = triggers.log_vms[link_index]
        .iter()
        .copied()
        .filter(|&vm| link.is_active(vm) && !resyncing(vm))
        .filter_map(|vm| {
            let limit = log_limit(scenario, vm);
            limit.is_finite().then_some(())?;
            let queue = link.queue(vm);
            Some((at(limit - CACHE_SLACK_BYTES - queue.1, growth(queue))?, vm))
        });
    servers.chain(logs).min_by_key(|&(t, vm)| (t, vm))
}

/// When a resync trigger would fire, and a VM it concerns.
pub(super) type Trigger = (SimTime, usize);

/// The VMs each resync trigger concerns, listed once per replication (a
/// scan of every VM per process server at every link change dominated an
/// estate's run time).
#[derive(Debug)]
pub(super) struct ResyncTriggers {
    /// Per process server: its VMs, ascending.
    pub(super) server_vms: Vec<Vec<usize>>,
    /// Per process server: its trigger as last found and its pool's version
    /// then (see [`FluidLink::pool_version`]): valid while that holds.
    pub(super) server_at: Vec<Option<(u64, Option<Trigger>)>>,
    /// Per link: its VMs whose log is bounded (Hyper-V), ascending.
    log_vms: Vec<Vec<usize>>,
}

impl ResyncTriggers {
    pub(super) fn new(scenario: &Scenario) -> Self {
        let mut server_vms = vec![Vec::new(); scenario.process_servers.len()];
        let mut log_vms = vec![Vec::new(); scenario.links.len()];
        for (v, vm) in scenario.vms.iter().enumerate() {
            if let Some(p) = vm.process_server {
                server_vms[p].push(v);
            }
            if log_limit(scenario, v).is_finite() {
                log_vms[vm.link].push(v);
            }
        }
        ResyncTriggers {
            server_at: vec![None; server_vms.len()],
            server_vms,
            log_vms,
        }
    }
}
