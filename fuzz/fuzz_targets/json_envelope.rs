//! Arbitrary text through the JSON envelope reader (dtype, shape and data, base64 included):
//! no panic, allocation within the budget, slice and chunked reader agree.
#![no_main]

use arrayguard::{json, ArraySpec};
use arrayguard_fuzz::{check_accepted, measure, same_outcome, small_limits, Chunked, Counting, SLACK};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|input: (Vec<u8>, Vec<u8>)| {
    let (chunks, text) = input;
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = json::ReadOptions::new().limits(limits.clone());
    let (from_slice, peak) = measure(|| options.read_envelope_slice_dyn(&text, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            let bound = array.len() * array.dtype().itemsize() * 9 / 8 + SLACK;
            assert!(peak <= bound, "accepted: peak {peak} > {bound}");
        }
        Err(_) => assert!(peak <= SLACK + text.len(), "rejected input allocated {peak} bytes"),
    }
    let from_reader = options.read_envelope_reader_dyn(Chunked::new(&text, &chunks), &spec);
    assert!(same_outcome(&from_slice, &from_reader), "{from_slice:?} vs {from_reader:?}");
});
