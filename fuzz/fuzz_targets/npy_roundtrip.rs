//! An arbitrary array written with either byte order reads back bit-exactly, typed and dynamic.
#![no_main]

use arbitrary::Arbitrary;
use arrayguard::{npy, ArraySpec, ByteOrder, DType, Order, Shape};
use arrayguard_fuzz::bits_equal;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    dtype: u8,
    dims: Vec<u8>,
    fortran: bool,
    big_endian: bool,
    bytes: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let dtype = DType::ALL[usize::from(input.dtype) % DType::ALL.len()];
    let dims: Vec<usize> = input.dims.iter().take(5).map(|&d| usize::from(d % 6)).collect();
    let Ok(shape) = Shape::new(dims) else { return };
    let order = if input.fortran { Order::F } else { Order::C };
    let byte_order = if input.big_endian { ByteOrder::Big } else { ByteOrder::Little };
    let Ok(nbytes) = shape.byte_len(dtype.itemsize()) else { return };
    let mut payload: Vec<u8> = input.bytes.iter().copied().cycle().take(nbytes).collect();
    if payload.len() < nbytes {
        payload.resize(nbytes, 0);
    }
    if dtype == DType::Bool {
        payload.iter_mut().for_each(|b| *b &= 1);
    }
    let mut file = npy::header_bytes(dtype, byte_order, &shape, order);
    file.extend_from_slice(&payload);
    let first = npy::ReadOptions::new().read_slice_dyn(&file, &ArraySpec::any()).expect("valid file");
    assert_eq!(first.shape(), &shape);
    assert_eq!(first.order(), order);
    // Write it back little-endian and read again: the same values, bit for bit.
    let mut again = Vec::new();
    npy::write_dyn(&mut again, &first).expect("write to a Vec");
    let second = npy::ReadOptions::new().read_slice_dyn(&again, &ArraySpec::any()).expect("our own output");
    assert!(bits_equal(&first, &second));
    if byte_order == ByteOrder::Little {
        assert_eq!(again, file, "little-endian files are rewritten byte for byte");
    }
});
