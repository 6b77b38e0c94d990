//! The `.npy` format, versions 1.0, 2.0 and 3.0.
//!
//! Which function to call:
//!
//! | input | typed, default limits | any dtype, other limits and options |
//! | --- | --- | --- |
//! | `&[u8]` | [`from_slice`] → [`ArrayView`] (zero-copy when aligned and native-endian) | [`ReadOptions::read_slice`] |
//! | `impl Read` | [`from_reader`] → [`Array`] | [`ReadOptions::read_reader`] |
//! | a path | [`from_path`] → [`Array`] | [`ReadOptions::read_path`] |
//! | check without holding the payload (CI) | | [`ReadOptions::check_path`], [`ReadOptions::check_reader`] |
//! | header only (any reader; a slice is `&bytes[..]`) | [`read_header`] | |
//!
//! The options' readers take the output as a type parameter ([`Target`](crate::Target)):
//! `read_path::<f32>` gives an `Array<f32>`, `read_path::<DynArray>` a
//! [`DynArray`](crate::DynArray) of the dtype the file declares. Several files checked against
//! a [`BundleSpec`](crate::BundleSpec), with named dimensions shared, go through a
//! [`BundleChecker`](crate::BundleChecker).
//!
//! **Spec.** Every reader reads with the caller's limits and the spec's own overrides on top
//! ([`ArraySpec::limits_over`]), and an accepted array satisfies the spec's value
//! constraints ([`ArraySpec::values`]), checked after the payload's length, byte order and
//! `bool` bytes.
//!
//! **Buffering.** Readers are read in a few large `read` calls (prelude, header, payload), so
//! wrapping a file in a `BufReader` gains nothing. A reader of unknown length gets a buffer
//! that grows as data arrives; a path's payload buffer is allocated once, after the file's
//! length was compared with the declared size. The checks hold no payload buffer at all: they
//! read it in chunks of at most 1 MiB.

mod header;
mod read;
mod write;

pub use header::{Header, MAGIC, MAX_NESTING};
pub use read::{read_header, ReadOptions};
pub(crate) use write::check_writable;
pub use write::{header_bytes, to_vec, write, write_dyn, write_with_byte_order};

use std::io::Read;
use std::path::Path;

use crate::array::{Array, ArrayView};
use crate::dtype::Element;
use crate::error::Result;
use crate::spec::ArraySpec;

/// Reads a `.npy` file from a slice into a typed view, with default limits.
///
/// The view borrows `bytes` when the payload is aligned for `T` and in native byte order, and
/// holds a copy otherwise. The whole slice must be the file: bytes after the payload are an
/// error (use [`ReadOptions::allow_trailing`] for streams).
///
/// # Errors
///
/// Header errors (see [`read_header`]); spec errors ([`ErrorKind::DTypeMismatch`](crate::ErrorKind::DTypeMismatch) also when
/// the file's dtype is not `T`'s, [`ErrorKind::ByteOrderMismatch`](crate::ErrorKind::ByteOrderMismatch), [`ErrorKind::NdimMismatch`](crate::ErrorKind::NdimMismatch),
/// [`ErrorKind::ShapeMismatch`](crate::ErrorKind::ShapeMismatch), [`ErrorKind::NamedDimMismatch`](crate::ErrorKind::NamedDimMismatch), [`ErrorKind::OrderMismatch`](crate::ErrorKind::OrderMismatch));
/// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) (with the spec's limit overrides applied);
/// [`ErrorKind::TruncatedData`](crate::ErrorKind::TruncatedData), [`ErrorKind::TrailingData`](crate::ErrorKind::TrailingData); [`ErrorKind::InvalidBool`](crate::ErrorKind::InvalidBool);
/// [`ErrorKind::Values`](crate::ErrorKind::Values) when elements break the spec's value constraints.
///
/// [`ErrorKind::DTypeMismatch`]: crate::ErrorKind::DTypeMismatch
/// [`ErrorKind::ByteOrderMismatch`]: crate::ErrorKind::ByteOrderMismatch
/// [`ErrorKind::NdimMismatch`]: crate::ErrorKind::NdimMismatch
/// [`ErrorKind::ShapeMismatch`]: crate::ErrorKind::ShapeMismatch
/// [`ErrorKind::NamedDimMismatch`]: crate::ErrorKind::NamedDimMismatch
/// [`ErrorKind::OrderMismatch`]: crate::ErrorKind::OrderMismatch
/// [`ErrorKind::Values`]: crate::ErrorKind::Values
/// [`ErrorKind::LimitExceeded`]: crate::ErrorKind::LimitExceeded
/// [`ErrorKind::TruncatedData`]: crate::ErrorKind::TruncatedData
/// [`ErrorKind::TrailingData`]: crate::ErrorKind::TrailingData
/// [`ErrorKind::InvalidBool`]: crate::ErrorKind::InvalidBool
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, ArraySpec, DType, Dim};
/// # let bytes = npy::to_vec(&arrayguard::Array::from_vec(
/// #     arrayguard::Shape::new([2, 3])?, arrayguard::Order::C, vec![0f32; 6])?.view())?;
/// let spec = ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]);
/// let view = npy::from_slice::<f32>(&bytes, &spec)?;
/// assert_eq!(view.shape().dims(), &[2, 3]);
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_slice<'a, T: Element>(bytes: &'a [u8], spec: &ArraySpec) -> Result<ArrayView<'a, T>> {
    ReadOptions::new().read_slice::<T>(bytes, spec)
}

/// Reads a `.npy` file from any reader into an owned typed array, with default limits.
///
/// The reader must end right after the payload. Nothing is allocated in proportion to a
/// declared size until that size has passed the limits, and the payload buffer grows only as
/// bytes arrive, so a stream that ends early costs at most about twice what it delivered.
///
/// # Errors
///
/// As [`from_slice`], plus [`ErrorKind::Io`](crate::ErrorKind::Io).
pub fn from_reader<T: Element, R: Read>(reader: R, spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_reader::<T, R>(reader, spec)
}

/// Reads a `.npy` file from a path into an owned typed array, with default limits.
///
/// The file's length is compared with the declared payload size before the payload buffer is
/// allocated; the buffer is then allocated once.
///
/// # Errors
///
/// As [`from_reader`].
pub fn from_path<T: Element>(path: impl AsRef<Path>, spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_path::<T>(path, spec)
}
