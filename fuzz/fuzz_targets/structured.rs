//! A decoded spec and array, written as `.npy`, optionally mutated, read back with the spec.
//! The oracles are in `arrayguard_fuzz::oracles::structured` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::structured(data, &FuzzMeter));
