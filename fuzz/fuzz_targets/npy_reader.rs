//! A `.npy` file fed in 1–8-byte reads: `read_reader::<DynArray>` and `check_reader` agree with the slice path.
//! The oracles are in `arrayguard_fuzz::oracles::npy_reader` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::npy_reader(data, &FuzzMeter));
