//! The fluid link's tests: closed forms, and its lazy water-filling against
//! the textbook max-min computation.

use super::*;
use crate::cycle::fluid::tests::{max_min, xorshift};

fn t(s: i64) -> SimTime {
    SimTime::from_millis(s * 1000)
}

#[test]
fn light_flows_keep_up_and_heavy_ones_share_the_rest() {
    // Capacity 100: flow 0 writes 10 (keeps up), flows 1 and 2 write 60 each.
    let mut link = Pool::new(100.0, 3, t(0));
    for (i, rate) in [10.0, 60.0, 60.0].into_iter().enumerate() {
        link.set_input_rate(t(0), i, rate);
        link.set_active(t(0), i, true);
    }
    assert_eq!(link.send_rate(0), 10.0);
    assert_eq!(link.send_rate(1), 45.0);
    assert_eq!(link.send_rate(2), 45.0);
    link.advance(t(10));
    assert_eq!(link.backlog(0), 0.0);
    assert!((link.backlog(1) - 150.0).abs() < 1e-9);
    assert!(link.next_drain().is_none());
}

#[test]
fn bulk_copy_drains_in_closed_form_and_conserves_bytes() {
    let mut link = Pool::new(100.0, 2, t(0));
    link.start_recording();
    link.start_flow(t(0), 0, 20.0, 0.0);
    link.start_flow(t(0), 1, 0.0, 1000.0);
    // Flow 0 needs 20, flow 1 gets 80: 1000 bytes drain in 12.5 s.
    assert_eq!(link.next_drain(), Some(SimTime::from_millis(12_500)));
    link.advance(SimTime::from_millis(12_500));
    assert_eq!(link.backlog(1), 0.0);
    let queued = link.written(0) + link.bulk(1);
    let sent = link.sent(0) + link.sent(1);
    assert!((queued - sent - link.backlog(0) - link.backlog(1)).abs() < 1e-9);
    assert!((link.sent(1) - 1000.0).abs() < 1e-9);
}

#[test]
fn idle_flows_woken_when_the_capacity_no_longer_covers_their_writes() {
    // Three idle flows writing 10, 30 and 50 on a 100 link: all lazy.
    let mut link = Pool::new(100.0, 3, t(0));
    link.start_flows(t(0), [(0, 10.0, 1.0), (1, 30.0, 1.0), (2, 50.0, 1.0)]);
    assert_eq!(link.busy, Vec::<usize>::new());
    // Down to 60: flow 0 keeps its 10, the others split 50 (max-min fair).
    link.set_capacity(t(10), 60.0);
    assert_eq!(
        [0, 1, 2].map(|i| link.send_rate(i)),
        [10.0, 25.0, 25.0],
        "shares after the drop"
    );
    link.advance(t(20));
    assert_eq!(link.backlog(0), 0.0);
    assert!((link.backlog(1) - 50.0).abs() < 1e-9);
    assert!((link.backlog(2) - 250.0).abs() < 1e-9);
    // Written by flow 2: 50 B/s for 20 s, lazily for the first 10.
    assert!((link.written(2) - 1000.0).abs() < 1e-9);
    assert!((link.sent(2) - 750.0).abs() < 1e-9);
}

/// Weighted max-min fair rates over the pool's flows, the textbook way
/// ([`max_min`]; a backlog demands without limit), for checking its
/// incremental water-filling (inactive flows: 0).
fn max_min_rates(link: &Pool) -> Vec<f64> {
    let active: Vec<usize> = (0..link.flows()).filter(|&i| link.is_active(i)).collect();
    let wants: Vec<(f64, f64)> = active
        .iter()
        .map(|&i| {
            let demand = if link.backlog(i) > 0.0 {
                f64::INFINITY
            } else {
                link.input_rate(i)
            };
            (demand, link.weight(i))
        })
        .collect();
    let mut rates = vec![0.0; link.flows()];
    for (&i, rate) in active.iter().zip(max_min(&wants, link.capacity())) {
        rates[i] = rate;
    }
    rates
}

#[test]
fn lazy_integration_keeps_max_min_shares_and_every_byte() {
    random_changes_keep_max_min_shares_and_every_byte(usize::MAX);
}

#[test]
fn the_shared_set_keeps_max_min_shares_and_every_byte() {
    // The same changes with the busy flows held in virtual time from the
    // first one (see `shared`).
    random_changes_keep_max_min_shares_and_every_byte(0);
}

/// A long random sequence of changes on 8 flows; after each one the rates
/// must be the max-min fair ones and every flow's bytes must add up: written
/// as the test integrated it, and written + bulk = sent + backlog. The pool
/// holds its busy flows in its shared set from `shared_from` of them.
fn random_changes_keep_max_min_shares_and_every_byte(shared_from: usize) {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let flows = 8;
    let mut link = Pool::new(100.0, flows, t(0));
    link.shared.enter_at = shared_from;
    for i in 0..flows {
        link.set_weight(i, 1.0 + (i % 3) as f64);
    }
    let mut written = vec![0.0_f64; flows];
    let mut inputs = vec![0.0_f64; flows];
    let mut now = 0_i64;
    for step in 0..5_000 {
        let dt = (next() % 20_000) as i64;
        for i in 0..flows {
            if link.is_active(i) {
                written[i] += inputs[i] * dt as f64 / 1000.0;
            }
        }
        now += dt;
        let at = SimTime::from_millis(now);
        let i = (next() % flows as u64) as usize;
        let rate = (next() % 40) as f64;
        match next() % 7 {
            0 => {
                link.start_flow(at, i, rate, (next() % 500) as f64);
                (written[i], inputs[i]) = (0.0, rate);
            }
            1 => {
                link.set_input_rate(at, i, rate);
                inputs[i] = rate;
            }
            2 => {
                let bytes = (next() % 300) as f64;
                link.write_burst(at, i, bytes);
                written[i] += bytes;
            }
            3 => link.set_capacity(at, 20.0 + (next() % 200) as f64),
            4 => {
                let active = !next().is_multiple_of(4);
                if active && !link.is_active(i) {
                    written[i] = link.written(i);
                }
                link.set_active(at, i, active);
            }
            _ => link.rebalance(at),
        }
        let expected = max_min_rates(&link);
        for f in 0..flows {
            if !link.is_active(f) {
                continue;
            }
            let rate = link.send_rate(f);
            assert!(
                (rate - expected[f]).abs() <= 1e-9 * expected[f].max(1.0),
                "step {step}, flow {f}: rate {rate}, max-min {}",
                expected[f]
            );
            let scale = link.written(f) + link.bulk(f) + 1.0;
            assert!(
                (link.written(f) - written[f]).abs() <= 1e-9 * scale,
                "step {step}, flow {f}: written {} vs {}",
                link.written(f),
                written[f]
            );
            let balance = link.written(f) + link.bulk(f) - link.sent(f) - link.backlog(f);
            assert!(
                balance.abs() <= 1e-9 * scale,
                "step {step}, flow {f}: {balance}"
            );
        }
    }
}

#[test]
fn a_capped_flow_stops_at_its_cap_and_the_others_share_the_rest() {
    // Capacity 100, three backlogged flows; flow 0 capped at 10: it gets 10
    // and the others 45 each. Flows 1 and 2 in a group capped at 60: 30 each,
    // and flow 0's cap lifted, it takes the 40 left.
    let mut link = Pool::new(100.0, 3, t(0));
    for i in 0..3 {
        link.start_flow(t(0), i, 0.0, 1e6);
    }
    link.set_flow_cap(t(0), 0, Some(10.0));
    assert_eq!(link.send_rate(0), 10.0);
    assert_eq!(link.send_rate(1), 45.0);
    assert_eq!(link.send_rate(2), 45.0);
    link.set_groups(vec![None, Some(0), Some(0)], vec![60.0]);
    link.rebalance(t(1));
    assert_eq!(link.send_rate(0), 10.0);
    assert_eq!(link.send_rate(1), 30.0);
    assert_eq!(link.send_rate(2), 30.0);
    link.set_flow_cap(t(2), 0, None);
    assert_eq!(link.send_rate(0), 40.0);
    // A flow writing more than its cap falls behind by the difference.
    let mut link = Pool::new(100.0, 1, t(0));
    link.set_input_rate(t(0), 0, 20.0);
    link.set_active(t(0), 0, true);
    link.set_flow_cap(t(0), 0, Some(15.0));
    link.advance(t(10));
    assert_eq!(link.send_rate(0), 15.0);
    assert!((link.backlog(0) - 50.0).abs() < 1e-9);
}
