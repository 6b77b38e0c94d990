//! An inference request with binary tensors: two bytes of JSON header length, then the body, read against a
//! three-array bundle with small limits. The oracles are in `arrayguard_fuzz::oracles::oip`
//! (replayed on stable by `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::oip_binary(data, &FuzzMeter));
