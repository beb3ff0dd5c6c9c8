//! Criterion benches: the engine's hold model, one cycle of the reference
//! scenario, and an end-to-end Monte Carlo run. Each reports throughput
//! (events/s or replications/s); see docs/performance.md for figures.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drsim::cycle::{NoTrace, run_cycle};
use drsim::engine::{EventQueue, SimDuration, SimTime};
use drsim::montecarlo::{self, MonteCarloError, RunConfig};
use drsim::scenario::Scenario;

fn reference() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference-50vm.toml");
    Scenario::from_path(&path).expect("the reference scenario is valid")
}

/// The classic hold model: a queue kept at `pending` events; each step pops the
/// earliest and schedules one a pseudo-random increment later.
fn engine_hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for pending in [64usize, 4096] {
        let steps = 100_000u64;
        group.throughput(Throughput::Elements(steps));
        group.bench_function(format!("hold_{pending}_pending"), |b| {
            b.iter(|| {
                let mut queue = EventQueue::with_capacity(SimTime::EPOCH, pending);
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
                for i in 0..pending {
                    queue.schedule(SimTime::from_millis(i as i64), i as u32);
                }
                for _ in 0..steps {
                    let (now, e) = queue.pop().expect("the queue never empties");
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    queue.schedule(now + SimDuration::from_millis((x % 10_000) as i64), e);
                }
                black_box(queue.len())
            })
        });
    }
    group.finish();
}

fn cycle(c: &mut Criterion) {
    let scenario = reference();
    let events_per_cycle: u64 = (0..100)
        .map(|k| run_cycle(&scenario, 1, k, &mut NoTrace).events)
        .sum::<u64>()
        / 100;
    let mut group = c.benchmark_group("cycle");
    group.throughput(Throughput::Elements(1));
    group.bench_function("reference_50vm_replications", |b| {
        let mut k = 0;
        b.iter(|| {
            k += 1;
            black_box(run_cycle(&scenario, 1, k, &mut NoTrace))
        })
    });
    group.throughput(Throughput::Elements(events_per_cycle));
    group.bench_function(
        format!("reference_50vm_events_({events_per_cycle}_per_cycle)"),
        |b| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                black_box(run_cycle(&scenario, 1, k, &mut NoTrace))
            })
        },
    );
    group.finish();
}

fn monte_carlo(c: &mut Criterion) {
    let scenario = reference();
    let replications = 2000;
    let mut group = c.benchmark_group("montecarlo");
    group.sample_size(10);
    group.throughput(Throughput::Elements(replications));
    group.bench_function("reference_50vm_2000_replications_all_threads", |b| {
        b.iter(|| {
            let config = RunConfig {
                replications,
                seed: 1,
                threads: None,
            };
            let mut rpo_sum = 0.0;
            montecarlo::run(&scenario, config, |o| {
                rpo_sum += o.rpo.as_secs_f64();
                Ok::<(), MonteCarloError>(())
            })
            .expect("pool");
            black_box(rpo_sum)
        })
    });
    group.finish();
}

criterion_group!(benches, engine_hold, cycle, monte_carlo);
criterion_main!(benches);
