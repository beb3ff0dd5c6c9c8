//! `[[site]]` and `[[link]]`: the sites of the cycle and the links between them.

use super::*;

const SITE_ROLES: [&str; 3] = ["primary", "recovery", "alternate"];

pub(super) fn check_sites(c: &mut Checker<'_>, raw: &[RawSite]) -> Option<Sites> {
    c.unique_ids("site", raw.iter().map(|s| s.id.as_str()));
    let mut primaries = Vec::new();
    let mut recovery = None;
    let mut alternate = None;
    let mut roles_valid = true;
    for (i, s) in raw.iter().enumerate() {
        let path = KeyPath::root().key("site").index(i);
        let Some(role) = c.one_of(&path.key("role"), &s.role, &SITE_ROLES, "site role") else {
            roles_valid = false;
            continue;
        };
        let site = Site {
            id: s.id.clone(),
            name: s.name.clone().unwrap_or_else(|| s.id.clone()),
        };
        let slot = match role {
            "primary" => {
                primaries.push(site);
                continue;
            }
            "recovery" => &mut recovery,
            _ => &mut alternate,
        };
        if slot.is_some() {
            c.error(
                path.key("role"),
                format!("a scenario has at most one {role} site"),
            );
        }
        *slot = Some(site);
    }
    if roles_valid && (primaries.is_empty() || recovery.is_none()) {
        c.error(
            KeyPath::root().key("site"),
            "need a [[site]] with role = \"primary\" (on-premises; an estate may have several) and one with role = \"recovery\" (the Azure region)",
        );
    }
    if primaries.is_empty() {
        return None;
    }
    Some(Sites {
        primaries,
        recovery: recovery?,
        alternate,
    })
}

pub(super) fn check_links(
    c: &mut Checker<'_>,
    raw: &[RawLink],
    sites: Option<&Sites>,
) -> Option<Vec<Link>> {
    if raw.is_empty() {
        c.error(
            KeyPath::root().key("link"),
            "need at least one [[link]] (id, from, to, bandwidth) carrying replication from the primary to the recovery site",
        );
        return None;
    }
    c.unique_ids("link", raw.iter().map(|l| l.id.as_str()));
    let mut links = Vec::with_capacity(raw.len());
    let mut ok = true;
    for (i, l) in raw.iter().enumerate() {
        let path = KeyPath::root().key("link").index(i);
        let mut site = Some(0);
        if let Some(sites) = sites {
            site = sites.primaries.iter().position(|p| p.id == l.from);
            if site.is_none() {
                let ids: Vec<&str> = sites.primaries.iter().map(|p| p.id.as_str()).collect();
                c.error(
                    path.key("from"),
                    format!(
                        "a replication link runs from a primary site ({}), not `{}`",
                        ids.join(", "),
                        l.from
                    ),
                );
            }
            if l.to != sites.recovery.id {
                c.error(
                    path.key("to"),
                    format!(
                        "a replication link runs to the recovery site `{}`, not `{}`",
                        sites.recovery.id, l.to
                    ),
                );
            }
        }
        let bandwidth = c.positive_dist(&path.key("bandwidth"), &l.bandwidth, Rate);
        let reverse = match &l.reverse_bandwidth {
            Some(v) => c.positive_dist(&path.key("reverse_bandwidth"), v, Rate),
            None => bandwidth.clone(),
        };
        for (key, d) in [("bandwidth", &bandwidth), ("reverse_bandwidth", &reverse)] {
            let slowest = d.as_ref().map_or(MIN_LINK_RATE, |d| d.quantile(0.001));
            if slowest < MIN_LINK_RATE {
                c.error(
                    path.key(key),
                    format!(
                        "a replication link carries at least 64 kbps (its 0.1st percentile here is {}): slower, a VM's writes never drain and each replication would simulate a year of backlog",
                        crate::scenario::units::format_rate(slowest)
                    ),
                );
            }
        }
        match (bandwidth, reverse, site) {
            (Some(bandwidth), Some(reverse_bandwidth), Some(site)) => links.push(Link {
                id: l.id.clone(),
                site,
                bandwidth,
                reverse_bandwidth,
            }),
            _ => ok = false,
        }
    }
    ok.then_some(links)
}

/// The slowest link drsim simulates: 64 kbps (8 KB/s), an ISDN channel;
/// an estimate of where replication stops being a design (docs/model.md,
/// "Limits").
pub(super) const MIN_LINK_RATE: f64 = 64_000.0 / 8.0;
