//! The steady-state capacity check, beside the dynamic replication model: for every resource a replication's data
//! crosses, the long-run mean load its VMs put on it against its capacity in
//! that replication (docs/model.md, "Capacity").
//!
//! Below capacity a queue has a steady state and the simulated history finds
//! it; above, it has none: the backlog, the lag and so the RPO grow for as
//! long as the overload has lasted, and any value a finite history gives is
//! the history's, not the design's. So an over-capacity design is named,
//! whatever `history` says, rather than given an RPO. The check is pure: a
//! function of the scenario and one replication's draws.

use super::draws::Draws;
use crate::scenario::{FailbackMode, Scenario};

/// A day, in seconds.
const DAY_S: f64 = 86_400.0;

/// The process server cache's documented levels, as the share of the cache
/// used when each is reached: health alerts at free space below 30 % and
/// below 25 %, replication throttled below 20 % free
/// (vmware-physical-azure-troubleshoot-process-server.md, "Best practices").
pub const CACHE_LEVELS: [f64; 3] = [0.70, 0.75, 0.80];

/// A resource of the replication path whose capacity a mean load can exceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// Link `l`, on-premises to Azure: protection before the outage, and the
    /// reprotect back (stage 4).
    LinkForward(usize),
    /// Process server `k` (from 0) and its documented daily volume: the same
    /// stretches as its link.
    ProcessServer(usize),
    /// Link `l`, Azure to on-premises: the reprotect and the failback's
    /// reverse replication (stages 2 and 3).
    LinkReverse(usize),
    /// VM `v`'s reprotect transfer cap (`transfer_fraction` of its disk
    /// throughput): stages 2 and 4.
    ReprotectCap(usize),
}

impl Resource {
    /// Whether it carries the protection before the outage: over capacity,
    /// the RPO has no finite steady-state value.
    pub fn protects(self) -> bool {
        matches!(self, Resource::LinkForward(_) | Resource::ProcessServer(_))
    }

    /// The stages it keeps from finishing when over capacity.
    pub fn stages(self) -> &'static [u8] {
        match self {
            Resource::LinkForward(_) | Resource::ProcessServer(_) => &[4],
            Resource::LinkReverse(_) => &[2, 3],
            Resource::ReprotectCap(_) => &[2, 4],
        }
    }

    /// How a person reads it: "link `wan` (on-premises to Azure)".
    pub fn name(self, s: &Scenario) -> String {
        match self {
            Resource::LinkForward(l) => format!("link `{}` (on-premises to Azure)", s.links[l].id),
            Resource::ProcessServer(k) => format!(
                "process server {} (uploading over `{}`)",
                k + 1,
                s.process_servers
                    .get(k)
                    .and_then(|ps| s.links.get(ps.link))
                    .map_or("?", |l| l.id.as_str())
            ),
            Resource::LinkReverse(l) => {
                format!("link `{}` back (Azure to on-premises)", s.links[l].id)
            }
            Resource::ReprotectCap(v) => format!(
                "`{}`'s reprotect transfer cap ({:.0}% of its disk throughput)",
                s.vms[v].id,
                s.reprotect.transfer_fraction * 100.0
            ),
        }
    }

    /// The scenario key that lifts it.
    pub fn key(self, s: &Scenario) -> String {
        match self {
            Resource::LinkForward(l) => format!("link.{}.bandwidth", s.links[l].id),
            Resource::ProcessServer(_) => {
                "replication.process_servers (or process_server_throughput)".to_string()
            }
            Resource::LinkReverse(l) => format!("link.{}.reverse_bandwidth", s.links[l].id),
            Resource::ReprotectCap(v) => format!("vm.{}.disk_throughput", s.vms[v].id),
        }
    }

    /// Whether VM `v`'s data crosses it.
    pub fn carries(self, s: &Scenario, v: usize) -> bool {
        let vm = &s.vms[v];
        match self {
            Resource::LinkForward(l) | Resource::LinkReverse(l) => vm.link == l,
            Resource::ProcessServer(k) => vm.process_server == Some(k),
            Resource::ReprotectCap(c) => c == v,
        }
    }

    /// The VMs whose data crosses it.
    pub fn vms(self, s: &Scenario) -> Vec<usize> {
        (0..s.vms.len()).filter(|&v| self.carries(s, v)).collect()
    }

    /// A number that names it in a shard's state (and back: [`Resource::from_code`]).
    pub fn code(self) -> u64 {
        let (kind, index) = match self {
            Resource::LinkForward(i) => (0, i),
            Resource::ProcessServer(i) => (1, i),
            Resource::LinkReverse(i) => (2, i),
            Resource::ReprotectCap(i) => (3, i),
        };
        (kind << 56) | index as u64
    }

    pub fn from_code(code: u64) -> Option<Resource> {
        let index = (code & ((1 << 56) - 1)) as usize;
        match code >> 56 {
            0 => Some(Resource::LinkForward(index)),
            1 => Some(Resource::ProcessServer(index)),
            2 => Some(Resource::LinkReverse(index)),
            3 => Some(Resource::ReprotectCap(index)),
            _ => None,
        }
    }
}

/// A resource over capacity in one replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Overload {
    pub resource: Resource,
    /// The long-run mean of what its VMs write, bytes/s.
    pub load: f64,
    /// What it carries in this replication, bytes/s (a link's drawn
    /// bandwidth; a process server's daily volume over a day).
    pub capacity: f64,
}

impl Overload {
    /// Bytes the backlog grows a day.
    pub fn backlog_growth_per_day(&self) -> f64 {
        (self.load - self.capacity) * DAY_S
    }

    /// Seconds the lag grows a day. Writes at `λ`, sent in order at `c < λ`:
    /// what arrives at `t` was written at `t c / λ`, so the lag is
    /// `t (1 - c / λ)`.
    pub fn lag_growth_per_day(&self) -> f64 {
        (1.0 - self.capacity / self.load) * DAY_S
    }
}

/// The resources over capacity in a replication with these draws: every
/// forward link and process server, and, when the disaster was `declared`
/// (reprotect and failback run), every reverse link and reprotect cap; in
/// resource order. Link faults are left out: they are transient, and a
/// steady state is about the long run.
pub fn overloads(s: &Scenario, draws: &Draws, declared: bool) -> Vec<Overload> {
    let mut out = Vec::new();
    let churn = |v: usize| draws.vms[v].churn;
    let links = s.links.len();
    let mut link_load = vec![0.0; links];
    let mut server_load = vec![0.0; s.process_servers.len()];
    for (v, vm) in s.vms.iter().enumerate() {
        link_load[vm.link] += churn(v);
        if let Some(k) = vm.process_server {
            server_load[k] += churn(v);
        }
    }
    let mut push = |resource, load: f64, capacity: f64| {
        if load > capacity {
            out.push(Overload {
                resource,
                load,
                capacity,
            });
        }
    };
    for (l, &load) in link_load.iter().enumerate() {
        push(Resource::LinkForward(l), load, draws.links[l].bandwidth);
    }
    for (k, (&load, ps)) in server_load.iter().zip(&s.process_servers).enumerate() {
        push(Resource::ProcessServer(k), load, ps.throughput);
    }
    if !declared {
        return out;
    }
    // A Hyper-V download during failover replicates no writes back.
    if s.failback.mode != FailbackMode::HyperVDownload {
        for (l, &load) in link_load.iter().enumerate() {
            push(
                Resource::LinkReverse(l),
                load,
                draws.links[l].reverse_bandwidth,
            );
        }
    }
    if s.kind.is_vmware_or_physical() {
        for (v, vm) in s.vms.iter().enumerate() {
            if let Some(disk) = vm.disk_throughput {
                push(
                    Resource::ReprotectCap(v),
                    churn(v),
                    disk * s.reprotect.transfer_fraction,
                );
            }
        }
    }
    out
}

/// Whether VM `v`'s protection before the outage crosses an overloaded
/// resource (its RPO then has no steady state).
pub fn unprotectable(s: &Scenario, overloads: &[Overload], v: usize) -> bool {
    overloads
        .iter()
        .any(|o| o.resource.protects() && o.resource.carries(s, v))
}

/// The cache that fills behind an overloaded forward resource, bytes: a
/// process server's own, a link's process servers' together (the backlog of
/// a link's VMs waits in their servers' caches); `None` without one
/// (Hyper-V, or a reverse resource).
pub fn cache_behind(s: &Scenario, resource: Resource) -> Option<f64> {
    match resource {
        Resource::ProcessServer(k) => s.process_servers.get(k).map(|ps| ps.cache_bytes),
        Resource::LinkForward(l) => {
            let total: f64 = s
                .process_servers
                .iter()
                .filter(|ps| ps.link == l)
                .map(|ps| ps.cache_bytes)
                .sum();
            (total > 0.0).then_some(total)
        }
        _ => None,
    }
}

/// One resource as `validate` lists it: the VMs it carries, its mean load
/// against its mean capacity, and the share of drawn replications in which
/// it is over capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceLoad {
    pub resource: Resource,
    pub vms: usize,
    pub mean_load: f64,
    pub mean_capacity: f64,
    /// Replications of the `drawn` in which it was over capacity.
    pub over: u64,
    pub drawn: u64,
}

/// Every resource of the scenario with its loads, over the draws of its
/// first `drawn` replications (the run's own, for its seed): a link forward
/// and back, each process server, each reprotect cap. The draws are cheap;
/// no cycle is run.
pub fn resource_loads(s: &Scenario, drawn: u64) -> Vec<ResourceLoad> {
    let mut resources: Vec<Resource> = (0..s.links.len()).map(Resource::LinkForward).collect();
    resources.extend((0..s.process_servers.len()).map(Resource::ProcessServer));
    if s.failback.mode != FailbackMode::HyperVDownload {
        resources.extend((0..s.links.len()).map(Resource::LinkReverse));
    }
    if s.kind.is_vmware_or_physical() {
        resources.extend(
            (0..s.vms.len())
                .filter(|&v| s.vms[v].disk_throughput.is_some())
                .map(Resource::ReprotectCap),
        );
    }
    let mut over = vec![0u64; resources.len()];
    for k in 0..drawn {
        let draws = Draws::sample(s, s.simulation.seed, k);
        for o in overloads(s, &draws, true) {
            if let Some(i) = resources.iter().position(|&r| r == o.resource) {
                over[i] += 1;
            }
        }
    }
    resources
        .iter()
        .zip(over)
        .map(|(&resource, over)| {
            let vms = resource.vms(s);
            let mean_load = vms.iter().map(|&v| s.vms[v].churn.mean_rate()).sum();
            let mean_capacity = match resource {
                Resource::LinkForward(l) => s.links[l].bandwidth.mean(),
                Resource::LinkReverse(l) => s.links[l].reverse_bandwidth.mean(),
                Resource::ProcessServer(k) => s.process_servers[k].throughput,
                Resource::ReprotectCap(v) => {
                    s.vms[v].disk_throughput.unwrap_or(0.0) * s.reprotect.transfer_fraction
                }
            };
            ResourceLoad {
                resource,
                vms: vms.len(),
                mean_load,
                mean_capacity,
                over,
                drawn,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in [
            Resource::LinkForward(0),
            Resource::ProcessServer(7),
            Resource::LinkReverse(3),
            Resource::ReprotectCap(9_999),
        ] {
            assert_eq!(Resource::from_code(r.code()), Some(r));
        }
        assert_eq!(Resource::from_code(9 << 56), None);
    }

    #[test]
    fn lag_grows_by_the_share_the_link_cannot_carry() {
        // 5 MB/s over 4 MB/s: a fifth of each day's writes waits, so the lag
        // grows a fifth of a day a day, and the backlog 86.4 GB.
        let o = Overload {
            resource: Resource::LinkForward(0),
            load: 5e6,
            capacity: 4e6,
        };
        assert!((o.lag_growth_per_day() - 17_280.0).abs() < 1e-9);
        assert!((o.backlog_growth_per_day() - 86.4e9).abs() < 1e-3);
    }
}
