//! The payload stage shared by every binary front-end: bytes that a checked [`Plan`] describes
//! become a typed array, borrowed when possible, otherwise read into one buffer whose size was
//! checked first. Byte swapping, `bool` checking and the spec's value constraints happen here,
//! in that order, after the length was checked.

use std::borrow::Cow;
use std::io::{self, Read};

use crate::array::{Array, ArrayView};
use crate::dtype::{ByteOrder, Element};
use crate::error::{to_u64, Error, Result};
use crate::spec::{Plan, ValueSpec};

/// The first chunk a reader of unknown length gets; later chunks double as data arrives, so a
/// stream that ends early never costs more than twice what it delivered plus this.
const FIRST_CHUNK_BYTES: usize = 8 * 1024;

/// Allocates `len` zeroed raw elements, failing instead of aborting when memory is short.
pub(crate) fn alloc_raw<R: bytemuck::Pod + Default>(len: usize) -> Result<Vec<R>> {
    let mut buf: Vec<R> = Vec::new();
    grow_raw(&mut buf, len)?;
    Ok(buf)
}

/// Grows `buf` to `len` zeroed elements with a fallible reservation.
///
/// An empty buffer is allocated zeroed by the allocator (`calloc`), which for large sizes
/// maps fresh zero pages instead of writing zeros: the payload is then written once, not
/// twice.
fn grow_raw<R: bytemuck::Pod + Default>(buf: &mut Vec<R>, len: usize) -> Result<()> {
    if buf.is_empty() {
        *buf = bytemuck::allocation::try_zeroed_vec(len).map_err(|()| Error::OutOfMemory {
            bytes: to_u64(len.saturating_mul(std::mem::size_of::<R>())),
        })?;
        return Ok(());
    }
    let extra = len.saturating_sub(buf.len());
    buf.try_reserve_exact(extra)
        .map_err(|_| Error::OutOfMemory {
            bytes: to_u64(len.saturating_mul(std::mem::size_of::<R>())),
        })?;
    buf.resize(len, R::default());
    Ok(())
}

/// Checks that every byte of a `bool` payload is 0 or 1. `offset` is the payload's position.
pub(crate) fn check_bools(bytes: &[u8], offset: u64) -> Result<()> {
    check_bools_at(bytes, 0, offset)
}

/// Checks that every byte of a part of a `bool` payload is 0 or 1: `bytes` holds the elements
/// from index `first` on, and starts at byte `offset` of the input.
pub(crate) fn check_bools_at(bytes: &[u8], first: u64, offset: u64) -> Result<()> {
    match bytes.iter().position(|&b| b > 1) {
        None => Ok(()),
        Some(i) => Err(Error::InvalidBool {
            index: first.saturating_add(to_u64(i)),
            offset: offset.saturating_add(to_u64(i)),
            value: bytes[i],
        }),
    }
}

/// Turns raw storage in the plan's byte order into checked elements: swapped to native
/// order, `bool` bytes checked, then the value constraints.
fn finish<T: Element>(
    mut raw: Vec<T::Raw>,
    plan: &Plan,
    offset: u64,
    values: &ValueSpec,
) -> Result<Vec<T>> {
    if T::DTYPE.unit_size() > 1 && !plan.byte_order().is_native() {
        T::swap_raw(&mut raw);
    }
    if T::DTYPE == crate::DType::Bool {
        check_bools(bytemuck::cast_slice(&raw), offset)?;
    }
    let data = T::from_raw_vec(raw);
    values.check(&data, plan.shape(), plan.order())?;
    Ok(data)
}

/// Decodes a payload of exactly `plan.nbytes()` bytes, borrowing it when it is aligned for `T`
/// and in native byte order, and checks it against `values`. `offset` is the payload's
/// position in the input, for errors.
pub(crate) fn view<'a, T: Element>(
    plan: &Plan,
    bytes: &'a [u8],
    offset: u64,
    values: &ValueSpec,
) -> Result<ArrayView<'a, T>> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    debug_assert_eq!(bytes.len(), plan.nbytes());
    let native = T::DTYPE.unit_size() == 1 || plan.byte_order() == ByteOrder::NATIVE;
    if native {
        if let Ok(raw) = bytemuck::try_cast_slice::<u8, T::Raw>(bytes) {
            if T::DTYPE == crate::DType::Bool {
                check_bools(bytes, offset)?;
            }
            if let Some(elements) = T::from_raw_slice(raw) {
                values.check(elements, plan.shape(), plan.order())?;
                let data = Cow::Borrowed(elements);
                return Ok(ArrayView::from_cow_unchecked(
                    plan.shape().clone(),
                    plan.order(),
                    data,
                ));
            }
        }
    }
    let mut raw = alloc_raw::<T::Raw>(plan.shape().len())?;
    bytemuck::cast_slice_mut::<T::Raw, u8>(&mut raw).copy_from_slice(bytes);
    let data = Cow::Owned(finish::<T>(raw, plan, offset, values)?);
    Ok(ArrayView::from_cow_unchecked(
        plan.shape().clone(),
        plan.order(),
        data,
    ))
}

/// Reads exactly `plan.nbytes()` payload bytes from `reader` into an owned array.
///
/// With `known_len` (the payload bytes the source is known to hold from `offset` on, e.g. from
/// file metadata) the buffer is allocated once, after the length was checked by the caller.
/// Without it, the buffer grows as data arrives, so a stream that lies about its size never
/// makes us allocate the declared size up front.
///
/// With `to_end`, the reader must end right after the payload ([`Error::TrailingData`]); the
/// length is checked before the values, as the slice and path readers do. The elements are
/// then checked against `values`.
pub(crate) fn read<T: Element, R: Read>(
    plan: &Plan,
    reader: &mut R,
    offset: u64,
    known_len: bool,
    to_end: bool,
    values: &ValueSpec,
) -> Result<Array<T>> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    let raw = read_raw::<T, R>(plan, reader, offset, known_len)?;
    if to_end {
        let nbytes = to_u64(plan.nbytes());
        expect_eof(reader, offset.saturating_add(nbytes), nbytes)?;
    }
    let data = finish::<T>(raw, plan, offset, values)?;
    Ok(Array::from_parts_unchecked(
        plan.shape().clone(),
        plan.order(),
        data,
    ))
}

/// Reads the payload bytes into raw storage, unchecked.
fn read_raw<T: Element, R: Read>(
    plan: &Plan,
    reader: &mut R,
    offset: u64,
    known_len: bool,
) -> Result<Vec<T::Raw>> {
    let total = plan.shape().len();
    let item = T::DTYPE.itemsize();
    let mut raw: Vec<T::Raw> = Vec::new();
    let mut filled = 0usize;
    let mut chunk_items = if known_len {
        total
    } else {
        (FIRST_CHUNK_BYTES / item).max(1)
    };
    while raw.len() < total {
        let target = total.min(raw.len().saturating_add(chunk_items));
        grow_raw(&mut raw, target)?;
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut raw);
        let wanted = bytes.len() - filled;
        let got = read_full(reader, &mut bytes[filled..])?;
        filled += got;
        if got < wanted {
            return Err(Error::TruncatedData {
                offset,
                expected: to_u64(plan.nbytes()),
                found: to_u64(filled),
            });
        }
        chunk_items = raw.len();
    }
    Ok(raw)
}

/// Reads `reader` to its end into storage for `T`, for sources whose length is unknown and
/// decides the shape (raw buffers with an inferred axis).
///
/// The buffer grows as data arrives (doubling from [`FIRST_CHUNK_BYTES`]) and reading stops as
/// soon as `cap + 1` bytes have arrived, so the buffer never holds more than `cap` bytes plus
/// one element, whatever the source declares or sends. Returns the storage and the number of
/// bytes received; a count above `cap` means the source holds more than `cap` bytes (the rest
/// is not read). Storage past the count is zeroed.
pub(crate) fn read_capped<T: Element, R: Read>(
    reader: &mut R,
    cap: usize,
) -> Result<(Vec<T::Raw>, usize)> {
    let item = T::DTYPE.itemsize();
    let stop = cap.saturating_add(1);
    let max_items = stop.div_ceil(item);
    let mut raw: Vec<T::Raw> = Vec::new();
    let mut filled = 0usize;
    let mut chunk_items = (FIRST_CHUNK_BYTES / item).max(1);
    while filled < stop {
        if filled == bytemuck::cast_slice::<T::Raw, u8>(&raw).len() {
            // `filled < stop <= max_items * item`, so there is room to grow.
            let target = max_items.min(raw.len().saturating_add(chunk_items));
            grow_raw(&mut raw, target)?;
            chunk_items = raw.len();
        }
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut raw);
        let end = bytes.len().min(stop);
        match reader.read(&mut bytes[filled..end]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((raw, filled))
}

/// Turns storage filled by [`read_capped`] into the array `plan` describes, checked against
/// `values`. The plan must describe exactly the bytes received (`plan.nbytes()` of them, at
/// the start of `raw`).
pub(crate) fn from_raw<T: Element>(
    mut raw: Vec<T::Raw>,
    plan: &Plan,
    offset: u64,
    values: &ValueSpec,
) -> Result<Array<T>> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    debug_assert!(raw.len() >= plan.shape().len());
    raw.truncate(plan.shape().len());
    raw.shrink_to_fit();
    let data = finish::<T>(raw, plan, offset, values)?;
    Ok(Array::from_parts_unchecked(
        plan.shape().clone(),
        plan.order(),
        data,
    ))
}

/// Fails with [`Error::TrailingData`] if `reader` has any byte left.
pub(crate) fn expect_eof<R: Read>(reader: &mut R, offset: u64, expected: u64) -> Result<()> {
    let mut byte = [0u8; 1];
    loop {
        match reader.read(&mut byte) {
            Ok(0) => return Ok(()),
            Ok(_) => return Err(Error::TrailingData { offset, expected }),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads exactly `buf.len()` bytes, reporting how many arrived before the end of input.
pub(crate) fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DType, Order, Shape};

    fn plan(dtype: DType, order: ByteOrder, n: usize) -> Plan {
        Plan::new(dtype, order, Shape::vector(n).unwrap(), Order::C).unwrap()
    }

    #[test]
    fn big_endian_is_swapped() {
        let bytes = [0u8, 0, 0, 1, 0, 0, 1, 0];
        let p = plan(DType::U32, ByteOrder::Big, 2);
        let v = view::<u32>(&p, &bytes, 0, &ValueSpec::new()).unwrap();
        assert_eq!(v.as_slice(), &[1, 256]);
        let a = read::<u32, _>(&p, &mut &bytes[..], 0, false, true, &ValueSpec::new()).unwrap();
        assert_eq!(a.as_slice(), &[1, 256]);
    }

    #[test]
    fn bad_bool_reports_its_offset() {
        let p = plan(DType::Bool, ByteOrder::Little, 3);
        let e = view::<bool>(&p, &[0, 1, 7], 100, &ValueSpec::new()).unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidBool {
                index: 2,
                offset: 102,
                value: 7
            }
        ));
        let e = read::<bool, _>(
            &p,
            &mut &[0u8, 1, 7][..],
            100,
            true,
            true,
            &ValueSpec::new(),
        )
        .unwrap_err();
        assert!(matches!(
            e,
            Error::InvalidBool {
                index: 2,
                offset: 102,
                value: 7
            }
        ));
    }

    #[test]
    fn short_stream_is_truncated() {
        let p = plan(DType::F64, ByteOrder::Little, 1 << 20);
        let e = read::<f64, _>(&p, &mut &[0u8; 100][..], 64, false, true, &ValueSpec::new())
            .unwrap_err();
        assert!(matches!(
            e,
            Error::TruncatedData {
                offset: 64,
                expected: 8_388_608,
                found: 100
            }
        ));
    }
}
