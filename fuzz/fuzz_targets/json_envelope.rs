//! Arbitrary text through the JSON envelope reader, slice and chunked.
//! The oracles are in `arrayguard_fuzz::oracles::json_envelope` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::json_envelope(data, &FuzzMeter));
