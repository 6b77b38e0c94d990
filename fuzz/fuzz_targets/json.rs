//! Arbitrary text through the JSON reader as an arbitrary dtype: no panic, allocation within
//! the budget, accepted arrays within the limits, slice and chunked reader agree, and what is
//! accepted writes back and reads again to the same values.
#![no_main]

use arrayguard::{json, ArraySpec, DType};
use arrayguard_fuzz::{bits_equal, check_accepted, measure, same_outcome, small_limits, Chunked, Counting, SLACK};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

fuzz_target!(|input: (u8, bool, Vec<u8>, Vec<u8>)| {
    let (dtype, allow_nan, chunks, text) = input;
    let dtype = DType::ALL[usize::from(dtype) % DType::ALL.len()];
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = json::ReadOptions::new().limits(limits.clone()).allow_nan(allow_nan);
    let (from_slice, peak) = measure(|| options.read_slice_dyn(&text, dtype, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            // The output buffer grows by an eighth past 64 KiB, within the budget.
            let bound = array.len() * dtype.itemsize() * 9 / 8 + SLACK;
            assert!(peak <= bound, "accepted: peak {peak} > {bound}");
            let mut out = Vec::new();
            json::to_writer_with_options(&mut out, array, json::WriteOptions::new().allow_nan(allow_nan))
                .expect("an accepted array is representable with the same NaN permission");
            let again = options.read_slice_dyn(&out, dtype, &spec).expect("our own output reads back");
            assert!(bits_equal(array, &again) || has_nan(&out), "write/read changed the values");
        }
        Err(_) => assert!(peak <= SLACK + text.len(), "rejected input allocated {peak} bytes"),
    }
    let from_reader = options.read_reader_dyn(Chunked::new(&text, &chunks), dtype, &spec);
    assert!(same_outcome(&from_slice, &from_reader), "{from_slice:?} vs {from_reader:?}");
});

/// NaN payloads are not kept by JSON text: a NaN reads back as the canonical NaN.
fn has_nan(text: &[u8]) -> bool {
    text.windows(3).any(|w| w == b"NaN")
}
