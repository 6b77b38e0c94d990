//! Arbitrary bytes as an `.npz` archive: opened with small limits, then every member's
//! `header`, `check` and `read::<DynArray>`. The oracles are in
//! `arrayguard_fuzz::oracles::npz` (replayed on stable by `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::npz(data, &FuzzMeter));
