//! The shared set against closed forms and against integrating every flow.

use super::super::Pool;
use crate::cycle::fluid::tests::xorshift;
use crate::engine::SimTime;

fn ms(ms: i64) -> SimTime {
    SimTime::from_millis(ms)
}

/// A pool of `flows` flows of capacity `capacity` holding its busy flows in
/// the shared set from the first one (`shared`) or never.
fn pool(capacity: f64, flows: usize, shared: bool) -> Pool {
    let mut pool = Pool::new(capacity, flows, ms(0));
    pool.shared.enter_at = if shared { 0 } else { usize::MAX };
    pool
}

#[test]
fn members_drain_in_closed_form() {
    // Three copies of 100, 200 and 300 bytes over 100 bytes/s, weights 1:
    // 33.3 each until the first empties at 3 s, then 50 each: the second
    // has 100 left and empties at 5 s, the third then has 100 at 100/s and
    // empties at 6 s.
    let mut link = pool(100.0, 3, true);
    for (i, bytes) in [100.0, 200.0, 300.0].into_iter().enumerate() {
        link.start_flow(ms(0), i, 0.0, bytes);
    }
    assert!(link.shared.on);
    for (at, emptied) in [(3_000, 0), (5_000, 1), (6_000, 2)] {
        assert_eq!(link.next_drain(), Some(ms(at)), "flow {emptied}");
        link.rebalance(ms(at));
        let mut out = Vec::new();
        link.take_emptied(&mut out);
        assert_eq!(out, vec![emptied]);
        assert_eq!(link.backlog(emptied), 0.0);
    }
    assert!((link.sent(2) - 300.0).abs() < 1e-9);
    assert_eq!(link.next_drain(), None);
}

#[test]
fn the_shared_set_agrees_with_integrating_every_flow() {
    // Forty flows of mixed weights, two pools given the same random changes
    // (each drain handled when the per-flow pool says it is due): one holds
    // its busy flows in the shared set, the other integrates each. A cap set now
    // and then makes the first leave the set until every cap is lifted. After
    // every change both give every flow the same rate, bytes and drain.
    let mut next = xorshift(0x5851_f42d_4c95_7f2d);
    let flows = 40;
    let mut shared = pool(1_000.0, flows, true);
    let mut each = pool(1_000.0, flows, false);
    for i in 0..flows {
        shared.set_weight(i, 1.0 + (i % 3) as f64);
        each.set_weight(i, 1.0 + (i % 3) as f64);
    }
    let mut now = 0_i64;
    let mut was_shared = 0;
    for step in 0..4_000 {
        let at = now + (next() % 5_000) as i64;
        match each
            .next_drain()
            .map(|d| d.since(SimTime::EPOCH).as_millis())
        {
            Some(d) if d <= at => {
                now = d;
                shared.rebalance(ms(now));
                each.rebalance(ms(now));
            }
            _ => {
                now = at;
                let i = (next() % flows as u64) as usize;
                let rate = (next() % 60) as f64;
                let change = next() % 16;
                let x = next();
                for link in [&mut shared, &mut each] {
                    match change {
                        0..=4 => link.start_flow(ms(now), i, rate, (x % 50_000) as f64),
                        5..=7 => link.set_input_rate(ms(now), i, rate),
                        8 => link.write_burst(ms(now), i, (x % 3_000) as f64),
                        9 => link.set_capacity(ms(now), 500.0 + (x % 1_000) as f64),
                        10 | 11 => link.set_active(ms(now), i, !x.is_multiple_of(4)),
                        12 if x.is_multiple_of(2) => link.set_flow_cap(ms(now), i, Some(rate)),
                        12 => (0..flows).for_each(|f| link.set_flow_cap(ms(now), f, None)),
                        13 => link.advance(ms(now)),
                        _ => link.rebalance(ms(now)),
                    }
                }
            }
        }
        was_shared += usize::from(shared.shared.on);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        shared.take_emptied(&mut a);
        each.take_emptied(&mut b);
        for f in b {
            assert!(a.contains(&f), "step {step}: flow {f} emptied, not listed");
        }
        for f in 0..flows {
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-6 * (1.0 + x.abs().max(y.abs()));
            assert!(
                close(shared.send_rate(f), each.send_rate(f)),
                "step {step}, flow {f}: rate {} vs {}",
                shared.send_rate(f),
                each.send_rate(f)
            );
            for (what, x, y) in [
                ("written", shared.written(f), each.written(f)),
                ("sent", shared.sent(f), each.sent(f)),
                ("backlog", shared.backlog(f), each.backlog(f)),
            ] {
                assert!(close(x, y), "step {step}, flow {f}: {what} {x} vs {y}");
            }
        }
        let (x, y) = (shared.next_drain(), each.next_drain());
        let apart = match (x, y) {
            (Some(x), Some(y)) => x.max(y).since(x.min(y)).as_millis(),
            (None, None) => 0,
            _ => i64::MAX,
        };
        assert!(apart <= 1, "step {step}: drains {x:?} vs {y:?}");
    }
    // The set was in use for most of the run, not bypassed.
    assert!(
        was_shared > 1_000,
        "shared after {was_shared} of 4,000 changes"
    );
}
