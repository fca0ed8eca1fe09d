//! Fuzzed operation sequences against `Directory`, with the property tests' invariants as
//! oracles: the universe and the steps of `core/tests/properties.rs` (its generators and its
//! `World`, included here unchanged) drawn from the fuzzer's bytes instead of a random seed
//! (proptest's pass-through RNG), and every invariant checked after every step: no
//! escalation, the administrator tier, groups, one Owner per agreement, tenant isolation,
//! inactive users, snapshot equals recomputation, refusals change nothing, delegation.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code, unused_imports, clippy::all)]
#[path = "../../core/tests/properties.rs"]
mod properties;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = properties::run_from_bytes(data) {
        panic!("invariant violated: {e}");
    }
});
