//! The `.npy` reader path, fed in random-sized chunks, gives exactly the slice path's result.
#![no_main]

use arrayguard::{npy, ArraySpec};
use arrayguard_fuzz::{measure, same_outcome, small_limits, Chunked, Counting, SLACK};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|input: (Vec<u8>, Vec<u8>)| {
    let (sizes, data) = input;
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let from_slice = options.read_slice_dyn(&data, &spec);
    let (from_reader, peak) = measure(|| options.read_reader_dyn(Chunked::new(&data, &sizes), &spec));
    assert!(same_outcome(&from_slice, &from_reader), "{from_slice:?} vs {from_reader:?}");
    // A stream buffer grows by doubling: at most twice the payload while it grows.
    let bound = from_reader.as_ref().map_or(0, |a| 2 * a.len() * a.dtype().itemsize());
    assert!(peak <= bound + SLACK, "reader path allocated {peak} bytes");
});
