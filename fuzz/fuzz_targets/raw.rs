//! Arbitrary bytes and an arbitrary layout through the raw-buffer reader: no panic, allocation
//! within the limits, accepted arrays within the limits, slice and chunked reader agree.
#![no_main]

use arbitrary::Arbitrary;
use arrayguard::raw::{self, Axis, Layout};
use arrayguard::{ArraySpec, ByteOrder, DType, Order};
use arrayguard_fuzz::{check_accepted, measure, same_outcome, small_limits, Chunked, Counting, SLACK};
use libfuzzer_sys::fuzz_target;

#[global_allocator]
static ALLOC: Counting = Counting;

#[derive(Arbitrary, Debug)]
struct Input {
    dtype: u8,
    big_endian: bool,
    fortran: bool,
    axes: Vec<Option<u16>>,
    chunks: Vec<u8>,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let dtype = DType::ALL[usize::from(input.dtype) % DType::ALL.len()];
    let order = if input.big_endian { ByteOrder::Big } else { ByteOrder::Little };
    let axes: Vec<Axis> = input.axes.iter().take(6).map(|a| a.map_or(Axis::Infer, |n| Axis::Fixed(usize::from(n)))).collect();
    let Ok(layout) = Layout::new(dtype, order).with_shape(axes) else { return };
    let layout = layout.with_order(if input.fortran { Order::F } else { Order::C });
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = raw::ReadOptions::new().limits(limits.clone());
    let (from_slice, peak) = measure(|| options.read_slice_dyn(&input.bytes, &layout, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            assert!(peak <= array.len() * dtype.itemsize() + SLACK, "accepted: peak {peak}");
        }
        Err(_) => assert!(peak <= SLACK, "rejected input allocated {peak} bytes"),
    }
    let from_reader = options.read_reader_dyn(Chunked::new(&input.bytes, &input.chunks), &layout, &spec);
    assert!(same_outcome(&from_slice, &from_reader), "{from_slice:?} vs {from_reader:?}");
});
