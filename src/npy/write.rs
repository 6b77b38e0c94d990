//! Writing `.npy` files exactly as NumPy writes them: the same header text, growth-axis
//! padding and 64-byte alignment, so a file we write is byte-for-byte the file `numpy.save`
//! writes for the same array.

use std::io::Write;

use crate::array::{with_array, ArrayView, DynArray};
use crate::dtype::{ByteOrder, DType, Element};
use crate::error::Result;
use crate::shape::{Order, Shape};

use super::header::MAGIC;

/// NumPy aligns the payload to this many bytes (since NumPy 1.14).
const ARRAY_ALIGN: usize = 64;

/// NumPy reserves room for the growth axis to reach this many digits (since NumPy 1.24), so a
/// header can be rewritten in place while appending.
const GROWTH_AXIS_MAX_DIGITS: usize = 21;

/// Elements byte-swapped per write when the output order is not native.
const SWAP_CHUNK: usize = 8192;

/// The complete prelude and header (magic, version, length, dict text, padding, newline) for
/// an array, as NumPy writes it. Version 1.0 unless the header exceeds 65 535 bytes.
///
/// [`DType::BF16`] has no NumPy type string: its header names `<bf16`, which no reader
/// accepts, and the writers refuse it ([`write_with_byte_order`]).
pub fn header_bytes(dtype: DType, byte_order: ByteOrder, shape: &Shape, order: Order) -> Vec<u8> {
    // NumPy writes `fortran_order: True` only for arrays that are Fortran- but not
    // C-contiguous: non-empty, with at least two axes longer than 1. Others have the same
    // bytes in both orders and are written as C.
    let fortran = order == Order::F && !shape.orders_coincide();
    let mut text = format!(
        "{{'descr': '{}', 'fortran_order': {}, 'shape': {}, }}",
        dtype.typestr(byte_order),
        if fortran { "True" } else { "False" },
        shape,
    );
    let dims = shape.dims();
    let growth_axis = if fortran { dims.last() } else { dims.first() };
    if let Some(d) = growth_axis {
        let digits = d.to_string().len();
        text.extend(std::iter::repeat_n(
            ' ',
            GROWTH_AXIS_MAX_DIGITS.saturating_sub(digits),
        ));
    }
    // NumPy pads so that prefix + text + newline is a multiple of 64, adding a full 64 bytes
    // when it already is one; we do the same to stay byte-identical.
    let wrap = |field_len: usize| {
        let unpadded = MAGIC.len() + 2 + field_len + text.len() + 1;
        let pad = ARRAY_ALIGN - unpadded % ARRAY_ALIGN;
        text.len() + pad + 1
    };
    let (version, header_len) = match u16::try_from(wrap(2)) {
        Ok(len) => (1u8, u32::from(len)),
        // A header this long has at most a few hundred kilobytes (ndim is bounded by the
        // shape's own size), far below `u32::MAX`.
        Err(_) => (2u8, u32::try_from(wrap(4)).unwrap_or(u32::MAX)),
    };
    let mut out = Vec::with_capacity(MAGIC.len() + 6 + text.len() + ARRAY_ALIGN + 1);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&u16::try_from(header_len).unwrap_or(u16::MAX).to_le_bytes());
    } else {
        out.extend_from_slice(&header_len.to_le_bytes());
    }
    let field_len = out.len() - MAGIC.len() - 2;
    let pad = wrap(field_len) - text.len() - 1;
    out.extend_from_slice(text.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    out
}

/// Writes `array` as a little-endian `.npy` file, in the array's own memory order.
///
/// # Errors
///
/// As [`write_with_byte_order`].
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, Order, Shape};
/// let array = Array::from_vec(Shape::new([2, 2])?, Order::C, vec![1.0f32, 2.0, 3.0, 4.0])?;
/// let mut bytes = Vec::new();
/// npy::write(&mut bytes, &array.view())?;
/// let back = npy::from_slice::<f32>(&bytes, &ArraySpec::any())?;
/// assert_eq!(back.as_slice(), array.as_slice());
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn write<T: Element, W: Write>(writer: W, array: &ArrayView<'_, T>) -> Result<()> {
    write_with_byte_order(writer, array, ByteOrder::Little)
}

/// Writes `array` as a `.npy` file with its payload in `byte_order`.
///
/// # Errors
///
/// [`ErrorKind::UnsupportedDtype`](crate::ErrorKind::UnsupportedDtype) for
/// [`DType::BF16`], which `.npy` cannot hold (NumPy has no bfloat16), before anything is
/// written; [`ErrorKind::Io`](crate::ErrorKind::Io) when writing fails.
pub fn write_with_byte_order<T: Element, W: Write>(
    mut writer: W,
    array: &ArrayView<'_, T>,
    byte_order: ByteOrder,
) -> Result<()> {
    check_writable(T::DTYPE)?;
    writer.write_all(&header_bytes(
        T::DTYPE,
        byte_order,
        array.shape(),
        array.order(),
    ))?;
    let raw = T::as_raw_slice(array.as_slice());
    if T::DTYPE.unit_size() == 1 || byte_order.is_native() {
        writer.write_all(bytemuck::cast_slice(raw))?;
    } else {
        let mut buf: Vec<T::Raw> = Vec::with_capacity(SWAP_CHUNK.min(raw.len()));
        for chunk in raw.chunks(SWAP_CHUNK) {
            buf.clear();
            buf.extend_from_slice(chunk);
            T::swap_raw(&mut buf);
            writer.write_all(bytemuck::cast_slice(&buf))?;
        }
    }
    writer.flush()?;
    Ok(())
}

/// Writes a [`DynArray`] as a little-endian `.npy` file.
///
/// # Errors
///
/// As [`write_with_byte_order`].
pub fn write_dyn<W: Write>(writer: W, array: &DynArray) -> Result<()> {
    with_array!(array, a => write(writer, &a.view()))
}

/// Writes `array` into a new `Vec<u8>` (little-endian).
///
/// # Errors
///
/// [`ErrorKind::UnsupportedDtype`](crate::ErrorKind::UnsupportedDtype) for
/// [`DType::BF16`] (writing to a `Vec` cannot fail otherwise).
pub fn to_vec<T: Element>(array: &ArrayView<'_, T>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write(&mut out, array)?;
    Ok(out)
}

/// Refuses the one dtype `.npy` cannot hold: [`DType::BF16`].
pub(crate) fn check_writable(dtype: DType) -> Result<()> {
    if dtype == DType::BF16 {
        return Err(crate::ErrorKind::UnsupportedDtype {
            descr: "bf16 (NumPy has no bfloat16 type)".into(),
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_matches_numpy_byte_for_byte() {
        // numpy 2.4.6: np.save(f, np.zeros((3, 4)))
        let h = header_bytes(
            DType::F64,
            ByteOrder::Little,
            &Shape::new([3, 4]).unwrap(),
            Order::C,
        );
        let mut expected =
            b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }"
                .to_vec();
        expected.resize(127, b' ');
        expected.push(b'\n');
        assert_eq!(h, expected);
        // Scalars have no growth axis.
        let h = header_bytes(
            DType::Bool,
            ByteOrder::Little,
            &Shape::new([]).unwrap(),
            Order::C,
        );
        assert_eq!(h.len(), 128);
        assert!(h.starts_with(
            b"\x93NUMPY\x01\x00v\x00{'descr': '|b1', 'fortran_order': False, 'shape': (), }"
        ));
    }
}
