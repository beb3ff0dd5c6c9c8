//! VMware/physical process servers: how many, their throughput and cache,
//! and which VMs each serves.

use super::super::locate::KeyPath;
use super::super::raw::{RawReplication, RawVm};
use super::super::units::QuantityKind::{Size, WriteRate};
use super::super::{AsrScenario, Link, PROCESS_SERVER_DAILY_CHURN, ProcessServer, Vm};
use super::checker::Checker;
use super::sites::MIN_LINK_RATE;

/// A process server's cache disk: "a separate cache disk of 600 GB or more"
/// (site-recovery-plan-capacity-vmware.md, "Capacity considerations").
pub const PROCESS_SERVER_CACHE_BYTES: f64 = 600e9;

/// Hands the servers no VM named to the links of the VMs still to place, in
/// proportion to each link's load (its unplaced VMs' mean churn plus what its
/// servers already carry), every such link getting at least one when there
/// are enough (largest remainders, ties to the lower link): before, a
/// server went to whichever link's VM came first in the file, so the first
/// link took them all. A link's VMs then go to its least loaded server.
fn allot_free_servers(
    link_of: &mut [Option<usize>],
    load: &[f64],
    links: usize,
    unpinned: &[usize],
    vms: &[Vm],
) {
    let mut wanted = vec![0.0; links];
    for &v in unpinned {
        wanted[vms[v].link] += vms[v].churn.mean_rate();
    }
    let needs: Vec<usize> = (0..links)
        .filter(|&l| unpinned.iter().any(|&v| vms[v].link == l))
        .collect();
    let free: Vec<usize> = (0..link_of.len())
        .filter(|&k| link_of[k].is_none())
        .collect();
    if needs.is_empty() || free.is_empty() {
        return;
    }
    // Each link's share of all the load, counting what its servers carry.
    let mut total_of = vec![0.0; links];
    for (k, l) in link_of.iter().enumerate() {
        if let Some(l) = l {
            total_of[*l] += load[k];
        }
    }
    let mut have = vec![0usize; links];
    for l in link_of.iter().flatten() {
        have[*l] += 1;
    }
    let mut left = free.len();
    // First, one to each link that has none yet.
    for &l in &needs {
        if left > 0 && have[l] == 0 {
            have[l] += 1;
            left -= 1;
        }
    }
    // Then the rest by load (D'Hondt: each next server to the link with the
    // most load per server it would have).
    let weight = |l: usize| (wanted[l] + total_of[l]).max(f64::MIN_POSITIVE);
    while left > 0 {
        let per = |l: usize| weight(l) / (have[l] + 1) as f64;
        let best = needs
            .iter()
            .copied()
            .max_by(|&a, &b| per(a).total_cmp(&per(b)).then(b.cmp(&a)))
            .expect("a link needs servers");
        have[best] += 1;
        left -= 1;
    }
    // What each link gained over what it had.
    let mut allotted = have;
    for l in link_of.iter().flatten() {
        allotted[*l] -= 1;
    }
    let mut next = free.into_iter();
    for (l, &n) in allotted.iter().enumerate() {
        for k in next.by_ref().take(n) {
            link_of[k] = Some(l);
        }
    }
}

/// The VMs one replication appliance supports
/// (replication-appliance-support-matrix.md).
const APPLIANCE_VMS: usize = 200;

/// The smallest cache drsim accepts (an estimate of where a cache stops
/// being one: below it, each burst would fill it and start a resync).
const MIN_CACHE_BYTES: f64 = 1e9;

/// The process servers of a VMware/physical scenario, and each VM's. By
/// default one per link (each site's appliance uploads over its own link);
/// with `process_servers = N`, a VM names its own (`process_server = k`,
/// 1 to N) or is given the least loaded (by mean churn) of those that
/// upload over its link or serve no VM yet, in file order. A process server
/// uploads over one link. `None` when an error was recorded.
pub(super) fn check_process_servers(
    c: &mut Checker<'_>,
    kind: AsrScenario,
    raw: Option<&RawReplication>,
    raw_vms: &[RawVm],
    links: &[Link],
    vms: &mut [Vm],
    entries: &[usize],
) -> Option<Vec<ProcessServer>> {
    let root = KeyPath::root();
    let key = |k: &str| root.key("replication").key(k);
    if !kind.is_vmware_or_physical() {
        for (k, written) in [
            (
                "process_servers",
                raw.is_some_and(|r| r.process_servers.is_some()),
            ),
            (
                "process_server_throughput",
                raw.is_some_and(|r| r.process_server_throughput.is_some()),
            ),
            (
                "process_server_peak_throughput",
                raw.is_some_and(|r| r.process_server_peak_throughput.is_some()),
            ),
            (
                "process_server_cache",
                raw.is_some_and(|r| r.process_server_cache.is_some()),
            ),
        ] {
            if written {
                c.error(
                    key(k),
                    "Hyper-V to Azure has no process server (Hyper-V hosts replicate directly): remove the key",
                );
            }
        }
        for (i, v) in raw_vms.iter().enumerate() {
            if v.process_server.is_some() {
                c.error(
                    root.key("vm").index(i).key("process_server"),
                    "Hyper-V to Azure has no process server: remove the key",
                );
            }
        }
        return Some(Vec::new());
    }
    let throughput = match raw.and_then(|r| r.process_server_throughput.as_ref()) {
        None => Some(PROCESS_SERVER_DAILY_CHURN / 86_400.0),
        Some(v) => c
            .fixed(&key("process_server_throughput"), v, WriteRate)
            .filter(|&t| {
                // As slow as the slowest link drsim simulates, no slower.
                let ok = t >= MIN_LINK_RATE;
                if !ok {
                    c.error(
                        key("process_server_throughput"),
                        format!(
                            "a process server sends at least 64 kbps (as a link), got {}",
                            WriteRate.format(t)
                        ),
                    );
                }
                ok
            }),
    };
    // ASR documents no instantaneous limit: none unless the scenario sets one.
    let peak_throughput = match raw.and_then(|r| r.process_server_peak_throughput.as_ref()) {
        None => Some(None),
        Some(v) => c
            .fixed(&key("process_server_peak_throughput"), v, WriteRate)
            .filter(|&t| {
                let ok = t >= MIN_LINK_RATE;
                if !ok {
                    c.error(
                        key("process_server_peak_throughput"),
                        format!(
                            "a process server sends at least 64 kbps (as a link), got {}",
                            WriteRate.format(t)
                        ),
                    );
                }
                ok
            })
            .map(Some),
    };
    let cache_bytes = match raw.and_then(|r| r.process_server_cache.as_ref()) {
        None => Some(PROCESS_SERVER_CACHE_BYTES),
        Some(v) => c.fixed(&key("process_server_cache"), v, Size).filter(|&b| {
            // Smaller, every burst would fill it and resync its VMs over and
            // over; ASR asks for 600 GB or more.
            let ok = b >= MIN_CACHE_BYTES;
            if !ok {
                c.error(
                    key("process_server_cache"),
                    format!(
                        "a process server's cache holds at least 1 GB (ASR asks for a cache disk of 600 GB or more), got {}",
                        Size.format(b)
                    ),
                );
            }
            ok
        }),
    };
    let count = match raw.and_then(|r| r.process_servers) {
        None => links.len(),
        Some(n) if n < 1 => {
            c.error(
                key("process_servers"),
                format!("must be at least 1, got {n}"),
            );
            return None;
        }
        Some(n) if n > 10_000 => {
            c.error(
                key("process_servers"),
                format!("at most 10,000 process servers, got {n}"),
            );
            return None;
        }
        Some(n) => n as usize,
    };
    let (throughput, peak_throughput, cache_bytes) = (throughput?, peak_throughput?, cache_bytes?);
    let default_per_link = raw.and_then(|r| r.process_servers).is_none();
    let mut link_of: Vec<Option<usize>> = vec![None; count];
    let mut load = vec![0.0; count];
    let mut ok = true;
    // First the VMs that name their process server, then the others.
    for (v, vm) in vms.iter_mut().enumerate() {
        let entry = entries[v];
        let Some(k) = raw_vms[entry].process_server else {
            continue;
        };
        let path = root.key("vm").index(entry).key("process_server");
        if k < 1 || k as usize > count {
            c.error(
                path,
                format!("process servers are numbered 1 to {count} (`[replication] process_servers`), got {k}"),
            );
            ok = false;
            continue;
        }
        let ps = k as usize - 1;
        match link_of[ps] {
            Some(l) if l != vm.link => {
                c.error(
                    path,
                    format!(
                        "process server {k} already uploads over link `{}`; a process server uploads over one link, and `{}` replicates over `{}`",
                        links[l].id, vm.id, links[vm.link].id
                    ),
                );
                ok = false;
                continue;
            }
            _ => link_of[ps] = Some(vm.link),
        }
        load[ps] += vm.churn.mean_rate();
        vm.process_server = Some(ps);
    }
    if !default_per_link {
        let unpinned: Vec<usize> = (0..vms.len())
            .filter(|&v| raw_vms[entries[v]].process_server.is_none())
            .collect();
        allot_free_servers(&mut link_of, &load, links.len(), &unpinned, vms);
    }
    for (v, vm) in vms.iter_mut().enumerate() {
        if raw_vms[entries[v]].process_server.is_some() {
            continue;
        }
        let candidates = (0..count).filter(|&ps| {
            if default_per_link {
                ps == vm.link
            } else {
                link_of[ps].is_none_or(|l| l == vm.link)
            }
        });
        let Some(ps) = candidates.min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
        else {
            c.error(
                key("process_servers"),
                format!(
                    "{count} process server(s) cannot serve {} links: each uploads over one link, and none is left for `{}` on link `{}`; raise `process_servers` or set `process_server` on the [[vm]] entries",
                    links.len(),
                    vm.id,
                    links[vm.link].id
                ),
            );
            return None;
        };
        link_of[ps] = Some(vm.link);
        load[ps] += vm.churn.mean_rate();
        vm.process_server = Some(ps);
    }
    if !ok {
        return None;
    }
    let servers: Vec<ProcessServer> = link_of
        .iter()
        .map(|&link| ProcessServer {
            link: link.unwrap_or(0),
            throughput,
            peak_throughput,
            cache_bytes,
        })
        .collect();
    // A replication appliance serves up to 200 VMs
    // (replication-appliance-support-matrix.md).
    let mut served = vec![0usize; count];
    for vm in vms.iter() {
        if let Some(k) = vm.process_server {
            served[k] += 1;
        }
    }
    for (ps, &n) in served.iter().enumerate() {
        if n > APPLIANCE_VMS {
            c.warn(
                key("process_servers"),
                format!(
                    "process server {} serves {n} VMs, more than the {APPLIANCE_VMS} a replication appliance supports (replication-appliance-support-matrix.md): add process servers (`process_servers`)",
                    ps + 1
                ),
            );
        }
    }
    for (ps, &daily) in load.iter().enumerate() {
        let daily = daily * 86_400.0;
        if daily > throughput * 86_400.0 {
            c.warn(
                key("process_servers"),
                format!(
                    "process server {} receives {} a day on average, more than the {} a day it handles (`process_server_throughput`; ASR documents about 2 TB a day): over capacity, its VMs have no steady state (their RPO target counts as missed); add process servers or move VMs (`process_server`)",
                    ps + 1,
                    Size.format(daily),
                    Size.format(throughput * 86_400.0)
                ),
            );
        }
    }
    Some(servers)
}
