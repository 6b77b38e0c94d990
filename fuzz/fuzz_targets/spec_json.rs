//! Arbitrary text as a JSON spec file: refusals are spec errors, accepted specs round-trip.
//! The oracles are in `arrayguard_fuzz::oracles::spec_json` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::spec_json(data, &FuzzMeter));
