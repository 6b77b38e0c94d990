//! What an array is, as bytes: its canonical form for comparing results bit for bit, its
//! `.npy` file in either byte order, and little-endian payloads converted to a byte order.

use arrayguard::{npy, Array, ArrayVisitor, ByteOrder, DType, DynArray, Element};

/// The array as a little-endian `.npy` file: the header `npy::header_bytes` gives for its
/// dtype, shape and order (Fortran order recorded only where it changes the bytes, as NumPy
/// does), then its elements in memory order from [`DynArray::to_le_bytes`].
///
/// Two arrays have the same canonical bytes exactly when they have the same dtype, shape and
/// elements, bit for bit (NaN payloads and -0.0 included), laid out the same way.
pub fn canonical(array: &DynArray) -> Vec<u8> {
    let mut out = npy::header_bytes(
        array.dtype(),
        ByteOrder::Little,
        array.shape(),
        array.order(),
    );
    out.extend(array.to_le_bytes());
    out
}

/// Bit-exact equality: the same [`canonical`] bytes.
pub fn bits_equal(a: &DynArray, b: &DynArray) -> bool {
    canonical(a) == canonical(b)
}

/// The array written by the library's writer, `npy::write_with_byte_order`, as a `.npy` file
/// with its payload in `byte_order`.
///
/// # Errors
///
/// What the writer returns (nothing, in practice, when writing to a `Vec`).
pub fn write_npy(array: &DynArray, byte_order: ByteOrder) -> arrayguard::Result<Vec<u8>> {
    struct Write(ByteOrder);

    impl ArrayVisitor for Write {
        type Output = arrayguard::Result<Vec<u8>>;

        fn visit<T: Element>(self, array: &Array<T>) -> Self::Output {
            let mut out = Vec::new();
            npy::write_with_byte_order(&mut out, &array.view(), self.0)?;
            Ok(out)
        }
    }

    array.visit(Write(byte_order))
}

/// Payload bytes of `dtype` elements converted from little-endian to `order`: each swap unit
/// (each half of a complex number) is reversed for big-endian.
pub fn to_byte_order(le: &[u8], dtype: DType, order: ByteOrder) -> Vec<u8> {
    match order {
        ByteOrder::Little => le.to_vec(),
        ByteOrder::Big => le
            .chunks(dtype.unit_size())
            .flat_map(|unit| unit.iter().rev().copied())
            .collect(),
    }
}
