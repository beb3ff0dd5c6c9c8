//! Criterion benches: the engine's hold model, one cycle of the reference
//! scenario, and an end-to-end Monte Carlo run. Each reports throughput
//! (events/s or replications/s); see docs/performance.md for figures.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use drsim::cycle::{NoTrace, run_cycle, run_replication};
use drsim::engine::{EventQueue, SimDuration, SimTime};
use drsim::montecarlo::{self, MonteCarloError, RunConfig};
use drsim::scenario::Scenario;

fn reference() -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference-50vm.toml");
    Scenario::from_path(&path).expect("the reference scenario is valid")
}

/// The classic hold model: a queue kept at `pending` events; each step pops the
/// earliest and schedules one a pseudo-random increment later. Run on drsim's
/// `EventQueue` and, side by side, on a bare `std::collections::BinaryHeap` of
/// the same event size (time, sequence, payload), the floor any event queue
/// pays: the engine's share of that floor is what its ordering and
/// bookkeeping cost (docs/performance.md).
fn engine_hold(c: &mut Criterion) {
    const STEPS: u64 = 100_000;
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(STEPS));
    for pending in [8usize, 64, 512, 4096] {
        group.bench_function(format!("hold_{pending}_pending"), |b| {
            b.iter(|| {
                let mut queue = EventQueue::with_capacity(SimTime::EPOCH, pending);
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
                for i in 0..pending {
                    queue.schedule(SimTime::from_millis(i as i64), i as u32);
                }
                for _ in 0..STEPS {
                    let (now, e) = queue.pop().expect("the queue never empties");
                    x = xorshift(x);
                    queue.schedule(now + SimDuration::from_millis((x % 10_000) as i64), e);
                }
                black_box(queue.len())
            })
        });
        group.bench_function(format!("bare_binary_heap_{pending}_pending"), |b| {
            b.iter(|| {
                // (time, sequence, payload): the entry drsim's queue orders.
                let mut heap: BinaryHeap<Reverse<(i64, u64, u32)>> =
                    BinaryHeap::with_capacity(pending);
                let mut sequence = 0u64;
                let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
                for i in 0..pending {
                    heap.push(Reverse((i as i64, sequence, i as u32)));
                    sequence += 1;
                }
                for _ in 0..STEPS {
                    let Reverse((now, _, e)) = heap.pop().expect("the heap never empties");
                    x = xorshift(x);
                    heap.push(Reverse((now + (x % 10_000) as i64, sequence, e)));
                    sequence += 1;
                }
                black_box(heap.len())
            })
        });
    }
    group.finish();
}

fn xorshift(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
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

/// Replications per second end to end through the ordered parallel chunks,
/// on one thread and on two: their ratio is the parallel efficiency.
fn monte_carlo(c: &mut Criterion) {
    let scenario = reference();
    let replications = 8192; // two full chunks
    let mut group = c.benchmark_group("montecarlo");
    group.sample_size(10);
    group.throughput(Throughput::Elements(replications));
    for threads in [1usize, 2] {
        group.bench_function(
            format!("reference_50vm_{replications}_replications_{threads}_threads"),
            |b| {
                b.iter(|| {
                    let config = RunConfig {
                        replications,
                        seed: 1,
                        threads: Some(threads),
                    };
                    let mut rpo_sum = 0.0;
                    montecarlo::run(&scenario, config, |o| {
                        rpo_sum += o.rpo.as_secs_f64();
                        Ok::<(), MonteCarloError>(())
                    })
                    .expect("pool");
                    black_box(rpo_sum)
                })
            },
        );
    }
    group.finish();
}

/// The estate at scale: one cycle of scenarios/estate-1000.toml (1,000 VMs
/// in 10 plans) beside a 100-VM plan imported the same way from the first
/// 100 rows of the same Planner sample, both as VM-cycles per second: their
/// ratio is the cost per VM-cycle of scale ([14]'s bound: at most 1.6x).
fn estate(c: &mut Criterion) {
    use drsim::scenario::estate::{ChurnShape, EstateOptions, estate_from_inventory};
    use drsim::scenario::inventory::{csv_rows, read_rows};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let estate = Scenario::from_path(&root.join("scenarios/estate-1000.toml"))
        .expect("the shipped estate is valid");
    let csv = std::fs::read_to_string(root.join("scenarios/planner-1000.csv")).expect("sample");
    let first_100: String = csv.lines().take(101).map(|l| format!("{l}\n")).collect();
    let rows = csv_rows(&first_100, "planner-100.csv").expect("csv");
    let inventory = read_rows(rows, "planner-100.csv", None).expect("rows");
    let options = EstateOptions {
        churn: ChurnShape::Constant,
        ..EstateOptions::default()
    };
    let text = estate_from_inventory(&inventory, "planner-100.csv", options).expect("plan");
    let plan = Scenario::from_toml(&text, "planner-100.toml").expect("valid");
    let mut group = c.benchmark_group("estate");
    group.sample_size(10);
    for (name, scenario) in [("plan_100vm", &plan), ("estate_1000vm_10plans", &estate)] {
        group.throughput(Throughput::Elements(scenario.vms.len() as u64));
        group.bench_function(format!("{name}_vm_cycles"), |b| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                black_box(run_cycle(scenario, 1, k, &mut NoTrace))
            })
        });
    }
    group.finish();
}

/// Replications of a year of operations (scenarios/year-of-operations.toml,
/// the 8-VM three-tier plan with about four disasters a year, each a cycle,
/// plus the replication's own cycle), and of measured churn replayed from a
/// week's profile (scenarios/measured-churn.toml): replications/s.
fn operations(c: &mut Criterion) {
    let load = |file: &str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(file);
        Scenario::from_path(&path).expect("a shipped scenario is valid")
    };
    let year = load("year-of-operations.toml");
    let measured = load("measured-churn.toml");
    let mut group = c.benchmark_group("operations");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    for (name, scenario) in [
        ("year_replications", &year),
        ("measured_churn_replications", &measured),
    ] {
        group.bench_function(name, |b| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                black_box(run_replication(scenario, 1, k))
            })
        });
    }
    group.finish();
}

/// The teaching pages: one lesson (a traced replication of the three-tier
/// plan made into lesson.html), and one what-if request as `drsim serve`
/// answers it (500 replications of the minimal scenario, the JSON document).
fn teaching(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/three-tier.toml");
    let three_tier = Scenario::from_path(&path).expect("valid");
    let mut group = c.benchmark_group("teaching");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    group.bench_function("lesson_page", |b| {
        b.iter(|| {
            let lesson =
                drsim::report::lesson::Lesson::replay(&three_tier, 1, 3).expect("no runaway");
            black_box(drsim::report::lesson::render(&lesson, None))
        })
    });
    let minimal = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/minimal.toml");
    let file = drsim::scenario::ScenarioFile::read(&minimal).expect("readable");
    let site = drsim::serve::Site::new(file, Vec::new(), (0, None), None).expect("valid");
    group.throughput(Throughput::Elements(500));
    group.bench_function("api_run_500_replications", |b| {
        b.iter(|| {
            let answer = site.answer(
                "POST",
                "/api/run",
                br#"{"set": {"link.wan.bandwidth": "50 Mbps"}, "replications": 500}"#,
            );
            assert_eq!(answer.status, 200);
            black_box(answer)
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    engine_hold,
    cycle,
    monte_carlo,
    estate,
    operations,
    teaching
);
criterion_main!(benches);
