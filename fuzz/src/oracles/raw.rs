//! The `raw` target: bytes and a layout through the raw-buffer reader.

use arrayguard::raw::{self, Axis, Layout};
use arrayguard::{ArraySpec, ByteOrder, DType, DynArray, Order};

use super::cursor::{dtype_index, dtype_of, encode_dim, Cursor};
use super::{
    check_accepted, code, payload_len, peak_at_most, same_code, same_outcome, small_limits, Meter,
    SLACK,
};
use crate::support::arrays::to_byte_order;
use crate::support::readers::ChunkReader;

/// `raw` input: dtype selector, flags (bit 0 big-endian, bit 1 Fortran order), number of axes
/// (mod 7), each axis as a [`Cursor::dim`] (`None`: inferred), chunk sizes, then the bytes.
pub fn encode_raw(
    dtype: DType,
    big_endian: bool,
    fortran: bool,
    axes: &[Option<usize>],
    chunks: &[u8],
    bytes: &[u8],
) -> Vec<u8> {
    let flags = u8::from(big_endian) | u8::from(fortran) << 1;
    let mut out = vec![
        dtype_index(dtype),
        flags,
        u8::try_from(axes.len()).unwrap_or(0),
    ];
    axes.iter().for_each(|&a| encode_dim(&mut out, a));
    out.push(u8::try_from(chunks.len() % 8).unwrap_or(0));
    out.extend_from_slice(&chunks[..chunks.len() % 8]);
    out.extend_from_slice(bytes);
    out
}

/// `raw`: bytes and a layout through the raw-buffer reader.
///
/// Oracles: no panic; allocation at most payload + [`SLACK`] (accepted) or [`SLACK`]
/// (rejected); accepted arrays within the limits, with the layout's fixed axes, exactly the
/// input's length, and exactly the input's bits; slice and chunked reader agree;
/// `check_reader` through the same chunks gives the read's Ok/error code.
pub fn raw<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let flags = c.u8();
    let naxes = usize::from(c.u8() % 7);
    let axes: Vec<Axis> = (0..naxes).map(|_| Axis::from(c.dim())).collect();
    let chunks = c.chunks();
    let bytes = c.rest();
    let byte_order = if flags & 1 == 1 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let order = if flags & 2 == 2 { Order::F } else { Order::C };
    let Ok(layout) = Layout::new(dtype, byte_order).with_shape(axes.clone()) else {
        return;
    };
    let layout = layout.with_order(order);
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = raw::ReadOptions::new().limits(limits.clone());
    let (from_slice, peak) =
        meter.measure(|| options.read_slice::<DynArray>(bytes, &layout, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            peak_at_most(peak, payload_len(array) + SLACK, "accepted raw");
            assert_eq!(array.dtype(), dtype);
            let dims = array.shape().dims();
            assert_eq!(dims.len(), axes.len(), "ndim differs from the layout");
            for (axis, &n) in axes.iter().zip(dims) {
                if let Axis::Fixed(want) = axis {
                    assert_eq!(n, *want, "a fixed axis changed");
                }
            }
            assert_eq!(payload_len(array), bytes.len(), "not the whole input");
            let back = to_byte_order(&array.to_le_bytes(), dtype, byte_order);
            assert!(
                back == bytes,
                "accepted array does not hold the input's bits"
            );
        }
        Err(_) => peak_at_most(peak, SLACK, "rejected raw"),
    }
    let from_reader =
        options.read_reader::<DynArray, _>(ChunkReader::new(bytes, &chunks), &layout, &spec);
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
    let checked = options.check_reader(ChunkReader::new(bytes, &chunks), &layout, &spec);
    assert!(
        same_code(&checked, &from_reader),
        "check_reader {} vs read_reader {}",
        code(&checked),
        code(&from_reader)
    );
}
