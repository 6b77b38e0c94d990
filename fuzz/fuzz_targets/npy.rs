//! Arbitrary bytes through the `.npy` slice reader: no panic, allocation within the limits,
//! accepted arrays within the spec and limits.
#![no_main]

use arrayguard::{npy, ArraySpec};
use arrayguard_fuzz::{check_accepted, measure, small_limits, Counting, SLACK};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|data: &[u8]| {
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let (result, peak) = measure(|| options.read_slice_dyn(data, &spec));
    match &result {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            let payload = array.len() * array.dtype().itemsize();
            assert!(peak <= payload + SLACK, "accepted: peak {peak} > payload {payload} + slack");
        }
        Err(_) => assert!(peak <= SLACK, "rejected input allocated {peak} bytes"),
    }
    let (_, peak) = measure(|| npy::read_header(data, &limits));
    assert!(peak <= SLACK, "header parse allocated {peak} bytes");
});
