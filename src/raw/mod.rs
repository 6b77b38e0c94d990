//! Raw typed buffers: bytes plus a [`Layout`] (dtype, byte order, shape, order).
//!
//! A raw buffer carries no header: everything about it comes from the caller's [`Layout`],
//! which names the dtype in one of three notations and gives a shape in which at most one
//! axis may be inferred from the byte count:
//!
//! | notation | constructor |
//! | --- | --- |
//! | NumPy type string (`<i4`, `>f8`, `\|u1`) | [`Layout::from_typestr`] |
//! | Rust-style name (`i32`, `f64`, also NumPy's `float32`) and an explicit byte order | [`Layout::new`] with [`DType`](crate::DType)'s `FromStr` |
//! | Python `array` typecode (`'l'`) and the platform that wrote the buffer | [`Layout::from_typecode`] with a [`Platform`] |
//!
//! The Python `array` module's item sizes are those of C types, so the same bytes mean
//! different things on different platforms (`'l'` is 8 bytes on 64-bit Linux and macOS, 4 on
//! Windows). The platform is therefore a required argument: arrayguard never guesses it.
//!
//! Which function to call:
//!
//! | input | typed, default limits | any dtype, other limits and options |
//! | --- | --- | --- |
//! | `&[u8]` | [`from_slice`] → [`ArrayView`] (zero-copy when aligned and native-endian) | [`ReadOptions::read_slice`] |
//! | `impl Read` | [`from_reader`] → [`Array`] | [`ReadOptions::read_reader`] |
//! | a path | [`from_path`] → [`Array`] | [`ReadOptions::read_path`] |
//! | checked without holding the payload (CI) | | [`ReadOptions::check_path`], [`ReadOptions::check_reader`] |
//!
//! The options' readers take the output as a type parameter ([`Target`](crate::Target)):
//! `read_path::<f32>` gives an `Array<f32>`, `read_path::<DynArray>` a
//! [`DynArray`](crate::DynArray) of the layout's dtype.
//!
//! **Spec.** Every reader reads with the caller's limits and the spec's own overrides on top
//! ([`ArraySpec::limits_over`]), and an accepted array satisfies the spec's value
//! constraints ([`ArraySpec::values`]), checked after the length, the byte order and the
//! `bool` bytes.
//!
//! **Length rules.** With every axis fixed, the input must hold exactly the layout's byte
//! count: fewer bytes are [`ErrorKind::TruncatedData`](crate::ErrorKind::TruncatedData), more are [`ErrorKind::TrailingData`](crate::ErrorKind::TrailingData). With an
//! inferred axis, the byte count must be a whole multiple of the item size times the product
//! of the fixed axes, else [`ErrorKind::LengthMismatch`](crate::ErrorKind::LengthMismatch); the inferred axis is the quotient. Byte
//! offsets in errors count from 0 at the first byte of the buffer.
//!
//! **Order of checks.** The layout is turned into a [`Plan`](crate::Plan) with checked arithmetic and
//! checked against the [`ArraySpec`] and the [`Limits`](crate::Limits) before the payload is touched, then
//! against the bytes available (the slice's length, a regular file's length), and only then is
//! anything allocated. With an inferred axis every check that does not depend on that axis
//! (dtype, byte order, number of dimensions, the fixed axes) comes first (against a variadic
//! shape pattern, such as `*batch h w`, the whole shape waits for the length, because the
//! pattern item the inferred axis falls on depends on it); the byte count is then compared
//! with the limits before its divisibility.
//!
//! **Buffering.** A reader with a fully fixed layout is read into a buffer that grows as data
//! arrives, up to the checked size. A reader with an inferred axis has no size to check up
//! front: its buffer grows as data arrives and reading stops, with [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded),
//! as soon as the input exceeds [`Limits::max_bytes`](crate::Limits::max_bytes) (or
//! [`Limits::max_elements`](crate::Limits::max_elements) elements),
//! so it never holds more than that limit plus one element. A regular file's length is known,
//! so its payload buffer is allocated once, after the checks. Wrapping a reader in a
//! `BufReader` gains nothing.

mod layout;
mod platform;
mod read;

pub use layout::{Axis, Layout};
pub use platform::Platform;
pub use read::ReadOptions;

use std::io::Read;
use std::path::Path;

use crate::array::{Array, ArrayView};
use crate::dtype::Element;
use crate::error::Result;
use crate::spec::ArraySpec;

/// Reads a raw buffer from a slice into a typed view, with default limits.
///
/// The view borrows `bytes` when they are aligned for `T` and in native byte order, and holds
/// a copy otherwise. The slice must be exactly the buffer (see the module docs for the length
/// rules).
///
/// # Errors
///
/// [`ErrorKind::ShapeOverflow`](crate::ErrorKind::ShapeOverflow); spec errors ([`ErrorKind::DTypeMismatch`](crate::ErrorKind::DTypeMismatch) also when the layout's
/// dtype is not `T`'s, [`ErrorKind::ByteOrderMismatch`](crate::ErrorKind::ByteOrderMismatch), [`ErrorKind::NdimMismatch`](crate::ErrorKind::NdimMismatch),
/// [`ErrorKind::ShapeMismatch`](crate::ErrorKind::ShapeMismatch), [`ErrorKind::OrderMismatch`](crate::ErrorKind::OrderMismatch)); [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded);
/// [`ErrorKind::TruncatedData`](crate::ErrorKind::TruncatedData), [`ErrorKind::TrailingData`](crate::ErrorKind::TrailingData), [`ErrorKind::LengthMismatch`](crate::ErrorKind::LengthMismatch);
/// [`ErrorKind::InvalidBool`](crate::ErrorKind::InvalidBool); [`ErrorKind::Values`](crate::ErrorKind::Values) when elements break the spec's value constraints;
/// [`ErrorKind::OutOfMemory`](crate::ErrorKind::OutOfMemory) when a copy cannot be allocated.
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::{ArraySpec, DType, Dim};
///
/// let bytes: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]
///     .iter()
///     .flat_map(|v| v.to_le_bytes())
///     .collect();
/// let layout = Layout::from_typestr("<f4")?.with_shape([None, Some(3)])?;
/// let spec = ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]);
/// let view = raw::from_slice::<f32>(&bytes, &layout, &spec)?;
/// assert_eq!(view.shape().dims(), &[2, 3]);
/// assert_eq!(view.get(&[1, 0]), Some(&4.0));
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_slice<'a, T: Element>(
    bytes: &'a [u8],
    layout: &Layout,
    spec: &ArraySpec,
) -> Result<ArrayView<'a, T>> {
    ReadOptions::new().read_slice::<T>(bytes, layout, spec)
}

/// Reads a raw buffer from any reader into an owned typed array, with default limits.
///
/// The reader must end right after the buffer. See the module docs for how much is buffered:
/// never more than the limits allow, whatever the input.
///
/// # Errors
///
/// As [`from_slice`], plus [`ErrorKind::Io`](crate::ErrorKind::Io).
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout, Platform};
/// use arrayguard::{ArraySpec, DType};
/// // `array.array('l', [1, -2, 3]).tobytes()` on 64-bit Linux.
/// let bytes: Vec<u8> = [1i64, -2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
/// let layout = Layout::from_typecode('l', Platform::LinuxX86_64)?;
/// let array = raw::from_reader::<i64, _>(&bytes[..], &layout, &ArraySpec::new(DType::I64))?;
/// assert_eq!(array.as_slice(), &[1, -2, 3]);
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_reader<T: Element, R: Read>(
    reader: R,
    layout: &Layout,
    spec: &ArraySpec,
) -> Result<Array<T>> {
    ReadOptions::new().read_reader::<T, R>(reader, layout, spec)
}

/// Reads a raw buffer from a file into an owned typed array, with default limits.
///
/// A regular file's length is compared with the layout (and, with an inferred axis, with the
/// limits) before the payload buffer is allocated; the buffer is then allocated once. Other
/// files (pipes, devices) are read as [`from_reader`] reads.
///
/// # Errors
///
/// As [`from_reader`].
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::ArraySpec;
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("values.f64");
/// # std::fs::write(&path, [0.5f64, 1.5].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())?;
/// let array = raw::from_path::<f64>(&path, &Layout::from_typestr("<f8")?, &ArraySpec::any())?;
/// assert_eq!(array.as_slice(), &[0.5, 1.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_path<T: Element>(
    path: impl AsRef<Path>,
    layout: &Layout,
    spec: &ArraySpec,
) -> Result<Array<T>> {
    ReadOptions::new().read_path::<T>(path, layout, spec)
}
