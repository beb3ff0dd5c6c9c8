//! Fuzz target: any bytes through read, validate and, when valid, a few
//! replications of the cycle. Must never panic, hang or abort: invalid input
//! is an error, runaway input is stopped by the budget (docs/model.md).
//!
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run scenario fuzz/seeds` (README, "Fuzzing").

#![no_main]

use drsim::cycle::{NoTrace, run_cycle};
use drsim::scenario::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_toml(text, "fuzz.toml") else {
        return;
    };
    for k in 0..2 {
        let outcome = run_cycle(&scenario, 1, k, &mut NoTrace);
        assert!(outcome.data_lost_bytes.is_finite());
    }
});
