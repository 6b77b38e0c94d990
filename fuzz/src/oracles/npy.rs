//! `.npy` targets: `npy` (one file, any bytes), `npy_reader` (the same through small reads)
//! and `npy_roundtrip` (valid files read, written back and read again).

use arrayguard::{npy, ArraySpec, ByteOrder, DType, DynArray, Order, Shape};

use super::cursor::{dtype_index, dtype_of, Cursor};
use super::{
    check_accepted, code, payload_len, peak_at_most, same_code, same_outcome, small_limits, Meter,
    CHECK_CHUNK, SLACK,
};
use crate::support::arrays::{bits_equal, to_byte_order, write_npy};
use crate::support::readers::ChunkReader;

/// `npy`: the whole input is a `.npy` file read by `ReadOptions::read_slice::<DynArray>` with
/// any spec.
///
/// Oracles: no panic; peak allocation at most payload + [`SLACK`] when accepted and
/// [`SLACK`] when rejected; accepted arrays within the limits; a read with
/// `c_order(true)` gives what `into_c_order` gives (at most twice the payload + [`SLACK`]);
/// `read_header` allocates at
/// most [`SLACK`] and agrees with the full read (same dtype and shape when accepted, same
/// error when the header is refused).
pub fn npy<M: Meter>(data: &[u8], meter: &M) {
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let (result, peak) = meter.measure(|| options.read_slice::<DynArray>(data, &spec));
    match &result {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            peak_at_most(peak, payload_len(array) + SLACK, "accepted .npy");
        }
        Err(_) => peak_at_most(peak, SLACK, "rejected .npy"),
    }
    // Converted to C order while read: the array `into_c_order` gives, or the same error; the
    // slab buffer is at most the payload.
    let to_c = options.clone().c_order(true);
    let (converted, peak) = meter.measure(|| to_c.read_slice::<DynArray>(data, &spec));
    match (&converted, &result) {
        (Ok(c), Ok(a)) => {
            assert_eq!(c.order(), Order::C);
            assert!(bits_equal(c, &a.clone().into_c_order()), "c_order differs");
            peak_at_most(peak, 2 * payload_len(c) + SLACK, "c_order .npy");
        }
        (Err(x), Err(y)) => assert_eq!(x.code(), y.code(), "c_order error differs"),
        _ => panic!("c_order {converted:?} vs {result:?}"),
    }
    let (header, peak) = meter.measure(|| npy::read_header(data, &limits));
    peak_at_most(peak, SLACK, "read_header");
    match (&header, &result) {
        (Ok(h), Ok(array)) => {
            assert_eq!(h.dtype(), array.dtype());
            assert_eq!(h.shape(), array.shape());
        }
        (Err(h), Err(r)) => assert_eq!(h.code(), r.code(), "header error differs"),
        (Err(h), Ok(_)) => panic!("read accepted a file whose header fails: {h}"),
        (Ok(_), Err(_)) => {}
    }
}

/// `npy_reader` input: chunk sizes ([`Cursor::chunks`]), then the file.
pub fn encode_npy_reader(sizes: &[u8], file: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::try_from(sizes.len() % 8).unwrap_or(0)];
    out.extend_from_slice(&sizes[..sizes.len() % 8]);
    out.extend_from_slice(file);
    out
}

/// `npy_reader`: the file read from a reader returning 1–8 bytes per call, and checked by
/// `check_reader` through the same reader.
///
/// Oracles: the reader path gives the slice path's result (bit-identical arrays or the same
/// error code) and allocates at most twice the payload + [`SLACK`]; `check_reader` accepts
/// exactly what the read accepts (same error code otherwise) and holds at most one chunk.
pub fn npy_reader<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let sizes = c.chunks();
    let file = c.rest();
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let from_slice = options.read_slice::<DynArray>(file, &spec);
    let (from_reader, peak) =
        meter.measure(|| options.read_reader::<DynArray, _>(ChunkReader::new(file, &sizes), &spec));
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
    // A stream buffer grows by doubling: at most twice the payload while it grows.
    let payload = from_reader.as_ref().map_or(0, payload_len);
    peak_at_most(peak, 2 * payload + SLACK, "reader path");
    let (checked, peak) =
        meter.measure(|| options.check_reader(ChunkReader::new(file, &sizes), &spec));
    assert!(
        same_code(&checked, &from_slice),
        "check_reader {} vs read {}",
        code(&checked),
        code(&from_slice)
    );
    peak_at_most(peak, CHECK_CHUNK + SLACK, "check_reader");
}

/// `npy_roundtrip` input: dtype selector, flags (bit 0 Fortran order, bit 1 big-endian),
/// number of axes (mod 6), one byte per axis (mod 6), then payload bytes (cycled).
pub fn encode_npy_roundtrip(
    dtype: DType,
    fortran: bool,
    big_endian: bool,
    dims: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let flags = u8::from(fortran) | u8::from(big_endian) << 1;
    let mut out = vec![
        dtype_index(dtype),
        flags,
        u8::try_from(dims.len()).unwrap_or(0),
    ];
    out.extend_from_slice(dims);
    out.extend_from_slice(payload);
    out
}

/// `npy_roundtrip`: a valid file (NumPy's header, any dtype, shape up to 5-d, either order
/// and byte order) is read, written back little-endian and read again.
///
/// Oracles: the valid file is accepted with the declared shape and order; the rewrite reads
/// back bit-exactly; a little-endian file is rewritten byte for byte; the read allocates at
/// most payload + [`SLACK`].
pub fn npy_roundtrip<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let flags = c.u8();
    let ndim = usize::from(c.u8() % 6);
    let dims: Vec<usize> = (0..ndim).map(|_| usize::from(c.u8() % 6)).collect();
    let bytes = c.rest();
    let shape = Shape::new(dims).expect("at most 5^5 elements");
    let order = if flags & 1 == 1 { Order::F } else { Order::C };
    let byte_order = if flags & 2 == 2 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let nbytes = shape.byte_len(dtype.itemsize()).expect("small shape");
    let mut payload: Vec<u8> = bytes.iter().copied().cycle().take(nbytes).collect();
    payload.resize(nbytes, 0);
    if dtype == DType::Bool {
        payload.iter_mut().for_each(|b| *b &= 1);
    }
    let mut file = npy::header_bytes(dtype, byte_order, &shape, order);
    file.extend_from_slice(&payload);
    let options = npy::ReadOptions::new().limits(small_limits());
    let (first, peak) = meter.measure(|| options.read_slice::<DynArray>(&file, &ArraySpec::any()));
    let first = first.expect("a valid file reads");
    peak_at_most(peak, nbytes + SLACK, "valid file");
    assert_eq!(first.shape(), &shape);
    if !shape.orders_coincide() {
        assert_eq!(first.order(), order);
    }
    assert_eq!(
        to_byte_order(&first.to_le_bytes(), dtype, byte_order),
        payload,
        "the payload is read as written"
    );
    let again = write_npy(&first, ByteOrder::Little).expect("writing to a Vec cannot fail");
    let second = options
        .read_slice::<DynArray>(&again, &ArraySpec::any())
        .expect("our own output reads back");
    assert!(bits_equal(&first, &second), "write/read changed the values");
    if byte_order == ByteOrder::Little || dtype.unit_size() == 1 {
        assert_eq!(
            again, file,
            "little-endian files are rewritten byte for byte"
        );
    }
}
