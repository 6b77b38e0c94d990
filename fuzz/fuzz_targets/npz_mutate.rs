//! Arrays written by `npz::Writer`, read back bit for bit, then the archive mutated (bytes
//! flipped, truncated, inserted, zip fields patched, ranges duplicated) and read again. The
//! oracles are in `arrayguard_fuzz::oracles::npz` (replayed on stable by
//! `tests/fuzz_corpus.rs`).
#![no_main]

use arrayguard_fuzz::{oracles, Counting, FuzzMeter};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| oracles::npz_mutate(data, &FuzzMeter));
