//! The link split into a pool per process server: the same shares as one
//! pool under every cap, each server's flows sharing only its cap.

use super::*;

fn t(s: i64) -> SimTime {
    SimTime::from_millis(s * 1000)
}

/// A xorshift64 generator from `seed` (non-zero): random changes that are
/// the same at every run.
pub(super) fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// Weighted max-min fair rates of flows `(demand, weight)` within one
/// capacity, computed the textbook way: flows sorted by demand per unit of
/// weight, each given its demand while that is below the level of what is
/// left, the rest splitting the remainder by weight.
pub(super) fn max_min(flows: &[(f64, f64)], capacity: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..flows.len()).collect();
    order.sort_by(|&a, &b| (flows[a].0 / flows[a].1).total_cmp(&(flows[b].0 / flows[b].1)));
    let mut rates = vec![0.0; flows.len()];
    let mut remaining = capacity;
    let mut weights: f64 = flows.iter().map(|f| f.1).sum();
    for (k, &i) in order.iter().enumerate() {
        let (demand, weight) = flows[i];
        let level = remaining / weights;
        if demand <= level * weight {
            rates[i] = demand;
            remaining -= demand;
            weights -= weight;
        } else {
            for &j in &order[k..] {
                rates[j] = level * flows[j].1;
            }
            break;
        }
    }
    rates
}

#[test]
fn a_link_its_process_servers_cannot_fill_is_split_and_shares_each_servers_cap() {
    // Nine flows on three process servers (caps 30, 50, 20) over a link of
    // 200 that never drops below 150: the link never binds, so each server's
    // flows share its cap alone. Random changes at random instants, every
    // drain handled when due; after each, every server's rates are the
    // max-min fair ones under its cap and every flow's bytes add up.
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let flows = 9;
    let caps = [30.0, 50.0, 20.0];
    let group: Vec<Option<usize>> = (0..flows).map(|i| Some(i % 3)).collect();
    let mut link = FluidLink::new(200.0, flows, t(0));
    for i in 0..flows {
        link.set_weight(i, 1.0 + (i % 4) as f64);
    }
    link.set_groups(group.clone(), caps.to_vec(), 150.0);
    assert!(link.split && link.pools.len() == 3);
    let mut caps_of_flows = vec![f64::INFINITY; flows];
    let mut now = 0_i64;
    for step in 0..5_000 {
        let at = now + (next() % 20_000) as i64;
        let drain = link
            .next_drain()
            .map(|d| d.since(SimTime::EPOCH).as_millis());
        match drain {
            Some(d) if d <= at => {
                now = d;
                link.rebalance(SimTime::from_millis(now));
            }
            _ => {
                now = at;
                let at = SimTime::from_millis(now);
                let i = (next() % flows as u64) as usize;
                let rate = (next() % 15) as f64;
                match next() % 8 {
                    0 => link.start_flow(at, i, rate, (next() % 500) as f64),
                    1 => link.set_input_rate(at, i, rate),
                    2 => link.write_burst(at, i, (next() % 300) as f64),
                    3 => link.set_capacity(at, 150.0 + (next() % 100) as f64),
                    4 => link.set_active(at, i, !next().is_multiple_of(4)),
                    5 => {
                        let cap = next().is_multiple_of(2).then_some(rate);
                        caps_of_flows[i] = cap.unwrap_or(f64::INFINITY);
                        link.set_flow_cap(at, i, cap);
                    }
                    6 => link.advance(at),
                    _ => link.rebalance(at),
                }
            }
        }
        for (g, &cap) in caps.iter().enumerate() {
            let members: Vec<usize> = (0..flows)
                .filter(|&f| group[f] == Some(g) && link.is_active(f))
                .collect();
            let wants: Vec<(f64, f64)> = members
                .iter()
                .map(|&f| {
                    let demand = if link.backlog(f) > 0.0 {
                        f64::INFINITY
                    } else {
                        link.input_rate(f)
                    };
                    (demand.min(caps_of_flows[f]), link.weight(f))
                })
                .collect();
            let expected = max_min(&wants, cap);
            for (k, &f) in members.iter().enumerate() {
                let rate = link.send_rate(f);
                assert!(
                    (rate - expected[k]).abs() <= 1e-9 * expected[k].max(1.0),
                    "step {step}, flow {f}: rate {rate}, max-min {}",
                    expected[k]
                );
                let scale = link.written(f) + link.bulk(f) + 1.0;
                let balance = link.written(f) + link.bulk(f) - link.sent(f) - link.backlog(f);
                assert!(
                    balance.abs() <= 1e-9 * scale,
                    "step {step}, flow {f}: {balance}"
                );
            }
        }
    }
}

#[test]
fn a_link_its_process_servers_could_fill_stays_one_pool() {
    // Caps of 30 and 50 over a link that a fault may bring down to 60:
    // together they could overdraw it, so it stays one pool sharing both.
    let mut link = FluidLink::new(100.0, 2, t(0));
    link.set_groups(vec![Some(0), Some(1)], vec![30.0, 50.0], 60.0);
    assert!(!link.split);
    link.start_flow(t(0), 0, 0.0, 1e6);
    link.start_flow(t(0), 1, 0.0, 1e6);
    link.set_capacity(t(1), 60.0);
    assert_eq!([link.send_rate(0), link.send_rate(1)], [30.0, 30.0]);
    // A flow without a process server keeps a link whole too.
    let mut link = FluidLink::new(100.0, 2, t(0));
    link.set_groups(vec![Some(0), None], vec![30.0], 1000.0);
    assert!(!link.split);
}

#[test]
fn a_split_pool_is_read_at_the_links_time_between_its_changes() {
    // Two servers capped at 10 and 20; server 0's flow queues 100 bytes at
    // 0 s, server 1's changes at 4 s: server 0's pool is not touched, yet
    // its flow reads 60 bytes queued at 4 s and drains at 10 s.
    let mut link = FluidLink::new(100.0, 2, t(0));
    link.set_groups(vec![Some(0), Some(1)], vec![10.0, 20.0], 100.0);
    link.start_flow(t(0), 0, 0.0, 100.0);
    link.start_flow(t(4), 1, 5.0, 0.0);
    assert!((link.backlog(0) - 60.0).abs() < 1e-9);
    assert!((link.sent(0) - 40.0).abs() < 1e-9);
    assert_eq!(link.next_drain(), Some(t(10)));
    link.advance(t(7));
    assert!((link.backlog(0) - 30.0).abs() < 1e-9);
    assert!((link.written(1) - 15.0).abs() < 1e-9);
}

#[test]
fn emptied_backlogs_are_listed_once_where_they_empty() {
    // Server 0 (cap 10) copies 100 bytes, server 1 (cap 20) 50: at 5 s
    // server 1's flow has emptied, at 10 s server 0's; a resync that keeps
    // nothing empties a flow at once. Each is listed once, by link index.
    let mut link = FluidLink::new(100.0, 3, t(0));
    link.set_groups(vec![Some(0), Some(1), Some(0)], vec![10.0, 20.0], 100.0);
    link.start_flow(t(0), 0, 0.0, 100.0);
    link.start_flow(t(0), 1, 0.0, 50.0);
    let mut out = Vec::new();
    link.take_emptied(&mut out);
    assert!(out.is_empty());
    assert_eq!(link.next_drain(), Some(SimTime::from_millis(2_500)));
    link.rebalance(SimTime::from_millis(2_500));
    link.take_emptied(&mut out);
    assert_eq!(out, [1]);
    assert_eq!(link.next_drain(), Some(t(10)));
    link.rebalance(t(10));
    link.start_flow(t(10), 2, 0.0, 30.0);
    link.resync(t(11), 2, 0.0);
    out.clear();
    link.take_emptied(&mut out);
    assert_eq!(out, [0, 2]);
    // A burst below EMPTY_BYTES empties a millisecond on, not at once.
    link.write_burst(t(12), 1, EMPTY_BYTES / 2.0);
    assert_eq!(link.next_drain(), Some(SimTime::from_millis(12_001)));
    link.rebalance(SimTime::from_millis(12_001));
    assert_eq!(link.backlog(1), 0.0);
}
