//! A valid `.npy` file of any dtype, shape, order and byte order reads back bit-exactly.
//! The oracles are in `arrayguard_fuzz::oracles::npy_roundtrip` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::npy_roundtrip(data, &FuzzMeter));
