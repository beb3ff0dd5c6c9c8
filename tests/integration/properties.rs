//! Properties over random valid scenarios: the cycle never panics and its
//! outcomes keep the invariants whatever the inputs (proptest; a failing
//! case is shrunk to a small scenario and printed as TOML).

use drsim::cycle::{CycleOutcome, NoTrace, run_cycle};
use drsim::engine::SimDuration;
use proptest::prelude::*;

use crate::support::scenario;

/// One VM's churn, as written in the file.
fn churn() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..20_000).prop_map(|kb| format!("\"{kb} KB/s\"")),
        (1u32..5_000, 1u32..20_000).prop_map(|(off, on)| format!(
            "{{ process = \"on-off\", on_rate = \"{on} KB/s\", off_rate = \"{off} KB/s\", on_time = {{ dist = \"exponential\", mean = \"10m\" }}, off_time = {{ dist = \"exponential\", mean = \"30m\" }} }}"
        )),
        (1u32..2_000, 1u32..50_000).prop_map(|(per_hour, kb)| format!(
            "{{ process = \"bursts\", per_hour = {per_hour}, size = {{ dist = \"exponential\", mean = \"{kb} KB\" }} }}"
        )),
    ]
}

#[derive(Debug, Clone)]
struct Vm {
    group: usize,
    disk_gib: u32,
    churn: String,
    boot_min: u32,
    weight: u32,
}

fn vm(groups: usize) -> impl Strategy<Value = Vm> {
    (0..groups, 1u32..2048, churn(), 1u32..15, 1u32..4).prop_map(
        |(group, disk_gib, churn, boot_min, weight)| Vm {
            group,
            disk_gib,
            churn,
            boot_min,
            weight,
        },
    )
}

#[derive(Debug, Clone)]
struct Plan {
    mbps: u32,
    reverse_mbps: u32,
    groups: usize,
    vms: Vec<Vm>,
    processing_min: u32,
    outage_h: u32,
    detect_min: u32,
    decide_min: u32,
    ride_out_h: Option<u32>,
    recovery_point: &'static str,
    link_fault_min: Option<u32>,
    destroyed: bool,
}

fn plan() -> impl Strategy<Value = Plan> {
    (1usize..4).prop_flat_map(|groups| {
        (
            (1u32..2_000, 1u32..2_000),
            prop::collection::vec(vm(groups), 1..7),
            (0u32..10, 1u32..96, 1u32..20, 1u32..60),
            prop::option::of(1u32..24),
            prop::sample::select(vec!["latest-processed", "latest"]),
            prop::option::of(1u32..240),
            prop::bool::weighted(0.2),
        )
            .prop_map(
                move |(
                    (mbps, reverse_mbps),
                    vms,
                    (processing_min, outage_h, detect_min, decide_min),
                    ride_out_h,
                    recovery_point,
                    link_fault_min,
                    destroyed,
                )| Plan {
                    mbps,
                    reverse_mbps,
                    groups,
                    vms,
                    processing_min,
                    outage_h,
                    detect_min,
                    decide_min,
                    ride_out_h,
                    recovery_point,
                    link_fault_min,
                    destroyed,
                },
            )
    })
}

impl Plan {
    fn toml(&self) -> String {
        let mut t = format!(
            "[simulation]\nreplications = 4\nseed = 1\n\n\
             [[site]]\nid = \"dc\"\nrole = \"primary\"\n\n\
             [[site]]\nid = \"azure\"\nrole = \"recovery\"\n\n\
             [[link]]\nid = \"wan\"\nfrom = \"dc\"\nto = \"azure\"\nbandwidth = \"{} Mbps\"\nreverse_bandwidth = \"{} Mbps\"\n\n\
             [replication]\ncrash_consistent_interval = \"5m\"\napp_consistent_interval = \"1h\"\nretention = \"24h\"\nprocessing_delay = \"{}m\"\nrecovery_point = \"{}\"\n\n",
            self.mbps, self.reverse_mbps, self.processing_min, self.recovery_point
        );
        // Only groups that hold a VM (an empty group is invalid).
        for g in (0..self.groups).filter(|g| self.vms.iter().any(|v| v.group == *g)) {
            t.push_str(&format!("[[group]]\nid = \"g{g}\"\n\n"));
        }
        for (i, v) in self.vms.iter().enumerate() {
            t.push_str(&format!(
                "[[vm]]\nid = \"vm{i}\"\ngroup = \"g{}\"\ndisk_size = \"{} GiB\"\nchurn = {}\nweight = {}\nboot_time = {{ dist = \"lognormal\", median = \"{}m\", p95 = \"{}m\" }}\n\n",
                v.group,
                v.disk_gib,
                v.churn,
                v.weight,
                v.boot_min,
                2 * v.boot_min
            ));
        }
        t.push_str(&format!(
            "[[outage]]\nkind = \"site\"\nsite = \"dc\"\nat = \"random\"\nduration = {{ dist = \"lognormal\", median = \"{}h\", p95 = \"{}h\" }}\n\n",
            self.outage_h,
            3 * self.outage_h,
        ));
        if let Some(minutes) = self.link_fault_min {
            t.push_str(&format!(
                "[[outage]]\nkind = \"link-down\"\nduration = \"{minutes}m\"\nbefore = {{ dist = \"uniform\", min = \"0s\", max = \"6h\" }}\n\n"
            ));
        }
        t.push_str(&format!(
            "[recovery]\ndetection_delay = {{ dist = \"uniform\", min = \"{}m\", max = \"{}m\" }}\ndecision_delay = {{ dist = \"uniform\", min = \"{}m\", max = \"{}m\" }}\n{}\n",
            self.detect_min,
            2 * self.detect_min,
            self.decide_min,
            2 * self.decide_min,
            self.ride_out_h
                .map(|h| format!("declare_if_expected_longer_than = \"{h}h\"\n"))
                .unwrap_or_default()
        ));
        t.push_str(&format!(
            "[reprotect]\noperator_delay = \"30m\"\nprimary_data_lost_probability = {}\n\n",
            if self.destroyed { 0.5 } else { 0.0 }
        ));
        t.push_str(
            "[failback]\nwait = \"12h\"\nshutdown_time = \"2m\"\nfinal_sync_overhead = \"5m\"\n\n[targets]\nrpo = \"15m\"\nrto = \"2h\"\n",
        );
        t
    }
}

fn secs(d: SimDuration) -> f64 {
    d.as_secs_f64()
}

/// Every invariant of one outcome; `Err` says which broke.
fn check(o: &CycleOutcome, p: &Plan) -> Result<(), String> {
    let fail = |what: String| Err(what);
    if o.rpo_parts.total() != o.rpo {
        return fail(format!(
            "RPO parts {:?} do not sum to {:?}",
            o.rpo_parts, o.rpo
        ));
    }
    let bytes = [
        ("data_lost", o.data_lost_bytes),
        ("stage2", o.stage2_bytes),
        ("stage3", o.stage3_bytes),
        ("stage4", o.stage4_bytes),
        ("cost", o.azure_cost),
    ];
    for (name, b) in bytes {
        if !(b.is_finite() && b >= 0.0) {
            return fail(format!("{name} bytes = {b}"));
        }
    }
    let vm_lost: f64 = o.vms.iter().map(|v| v.data_lost_bytes).sum();
    if (vm_lost - o.data_lost_bytes).abs() > 1e-6 * o.data_lost_bytes.max(1.0) {
        return fail(format!(
            "VMs lose {vm_lost} B, the cycle {}",
            o.data_lost_bytes
        ));
    }
    if !o.declared {
        if o.rto != Some(o.outage_duration) || o.rpo != SimDuration::ZERO {
            return fail(format!(
                "ride-out: RTO {:?}, RPO {:?}, outage {:?}",
                o.rto, o.rpo, o.outage_duration
            ));
        }
        return Ok(());
    }
    // Declared: the worst VM makes the RPO.
    let worst = o.vms.iter().map(|v| v.rpo).max().unwrap_or_default();
    if worst != o.rpo {
        return fail(format!(
            "worst VM RPO {worst:?} is not the app RPO {:?}",
            o.rpo
        ));
    }
    let Some(rto) = o.rto else {
        return fail("a declared disaster without RTO".into());
    };
    let floor = f64::from(60 * (p.detect_min + p.decide_min));
    if secs(rto) + 1e-3 < floor {
        return fail(format!(
            "RTO {rto:?} below detection + decision minimum {floor} s"
        ));
    }
    match o.rto_parts {
        Some(parts) if parts.total() == rto => {}
        parts => return fail(format!("RTO parts {parts:?} do not sum to {rto:?}")),
    }
    for g in o.group_rto.iter().flatten() {
        if *g > rto {
            return fail(format!("a group's RTO {g:?} exceeds the RTO {rto:?}"));
        }
    }
    // Stages in order: a stage has a duration only if every earlier one has.
    let stages = [o.stage1, o.stage2, o.stage3_downtime, o.stage4];
    let done = stages.iter().take_while(|s| s.is_some()).count();
    if stages[done..].iter().any(Option::is_some) {
        return fail(format!("stages out of order: {stages:?}"));
    }
    if o.stages_completed != Some(done as u8) {
        return fail(format!(
            "stages_completed {:?} but {done} stages have durations",
            o.stages_completed
        ));
    }
    if o.closed != (done == 4) {
        return fail(format!("closed = {} with {done} stages", o.closed));
    }
    if o.closed {
        let (Some(cycle), Some(downtime), Some(unprotected)) =
            (o.cycle, o.total_downtime, o.unprotected)
        else {
            return fail("a closed cycle without cycle time, downtime or exposure".into());
        };
        if cycle < rto || unprotected > cycle {
            return fail(format!(
                "cycle {cycle:?}, RTO {rto:?}, unprotected {unprotected:?}"
            ));
        }
        if downtime != rto + stages[2].unwrap_or_default() {
            return fail(format!(
                "total downtime {downtime:?} is not RTO + stage-3 downtime"
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES=N runs more (as done before a release).
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_valid_scenarios_keep_every_invariant(p in plan(), seed in 0u64..1_000) {
        let text = p.toml();
        let s = scenario(&text);
        for k in 0..4 {
            let o = run_cycle(&s, seed, k, &mut NoTrace);
            prop_assert!(o.runaway.is_none(), "runaway in a small scenario");
            if let Err(why) = check(&o, &p) {
                prop_assert!(false, "replication {k}, seed {seed}: {why}\n{text}");
            }
        }
    }
}
