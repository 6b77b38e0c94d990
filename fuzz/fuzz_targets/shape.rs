//! Arbitrary shape shorthand: Display round-trips, `check` of arbitrary dims is consistent.
//! The oracles are in `arrayguard_fuzz::oracles::shape` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::shape(data, &FuzzMeter));
