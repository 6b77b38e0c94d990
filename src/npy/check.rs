//! Checking `.npy` files without holding their payload: every check the readers make, with
//! the payload read in chunks of at most 1 MiB, so a file of any size is checked in a few
//! megabytes.

use std::io::Read;
use std::path::Path;

use super::header::Header;
use super::read::{open, ReadOptions};
use crate::error::Result;
use crate::limits::Limits;
use crate::spec::{ArraySpec, Bindings};

/// Checks a `.npy` file at `path` against `spec` and `limits` without holding its payload,
/// and returns its header.
///
/// Everything [`ReadOptions::read_path_dyn`] checks is checked, in the same order and with
/// the same errors: the header, the spec (dtype, byte order, shape with named dimensions
/// bound within this array, memory order), the limits with the spec's overrides applied, the
/// file's length against the declared size, then the payload: `bool` bytes and the spec's
/// value constraints, on elements converted to native byte order. The result is `Ok` exactly
/// when [`from_path`](crate::npy::from_path) would accept the file, and an error has the
/// same code and message (a value error counts every offending element and names the same
/// first ones).
///
/// The payload is read in chunks of whole elements, at most 1 MiB each, into one buffer that
/// is reused: memory use does not grow with the file. The limits still apply to the
/// declared size, as they do for the readers; raise [`Limits::max_bytes`] and
/// [`Limits::max_elements`] to check larger files.
///
/// # Errors
///
/// The errors of [`from_path`](crate::npy::from_path), except [`Error::DTypeMismatch`] for a
/// requested element type (there is none) and [`Error::OutOfMemory`] for the payload buffer
/// (there is none).
///
/// [`Error::DTypeMismatch`]: crate::Error::DTypeMismatch
/// [`Error::OutOfMemory`]: crate::Error::OutOfMemory
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, DType, Limits, Order, Shape, ValueSpec};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("probabilities.npy");
/// let array = Array::from_vec(Shape::vector(3)?, Order::C, vec![0.25f32, 0.5, 1.5])?;
/// std::fs::write(&path, npy::to_vec(&array.view())?)?;
///
/// let spec = ArraySpec::new(DType::F32).with_values(ValueSpec::new().min(0.0).max(1.0));
/// let err = npy::check_path(&path, &spec, &Limits::default()).unwrap_err();
/// assert_eq!(err.code(), "value.above_max");
///
/// let header = npy::check_path(&path, &ArraySpec::new(DType::F32), &Limits::default())?;
/// assert_eq!(header.shape().dims(), &[3]);
/// # Ok(())
/// # }
/// ```
pub fn check_path(path: impl AsRef<Path>, spec: &ArraySpec, limits: &Limits) -> Result<Header> {
    check_path_with_bindings(path, spec, limits, &mut Bindings::new())
}

/// [`check_path`] with named dimensions bound in `bindings`, so that the files of a bundle
/// agree on them (`X: "n 784"`, `y: "n"`): check each file in the bundle's order with the
/// same `bindings`.
///
/// # Errors
///
/// As [`check_path`]; [`Error::NamedDimMismatch`](crate::Error::NamedDimMismatch) when a
/// named dimension has another size than where it was bound.
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, Bindings, DType, Limits, Order, Shape, ShapeSpec};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// let (x_path, y_path) = (dir.path().join("X.npy"), dir.path().join("y.npy"));
/// let x = Array::from_vec(Shape::new([3, 2])?, Order::C, vec![0f32; 6])?;
/// let y = Array::from_vec(Shape::vector(4)?, Order::C, vec![0i64; 4])?;
/// std::fs::write(&x_path, npy::to_vec(&x.view())?)?;
/// std::fs::write(&y_path, npy::to_vec(&y.view())?)?;
///
/// let x_spec = ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 2")?);
/// let y_spec = ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n")?);
/// let limits = Limits::default();
/// let mut bindings = Bindings::new();
/// npy::check_path_with_bindings(&x_path, &x_spec, &limits, &mut bindings)?;
/// assert_eq!(bindings.size("n"), Some(3));
/// let err = npy::check_path_with_bindings(&y_path, &y_spec, &limits, &mut bindings);
/// assert_eq!(err.unwrap_err().code(), "spec.named_dim");
/// # Ok(())
/// # }
/// ```
pub fn check_path_with_bindings(
    path: impl AsRef<Path>,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<Header> {
    let (mut file, len) = open(path.as_ref())?;
    ReadOptions::new()
        .limits(limits.clone())
        .check_stream(&mut file, spec, len, bindings)
}

/// Checks a `.npy` file from a reader as [`check_path`] checks a path, without holding its
/// payload. The reader must end right after the payload.
///
/// The result is that of [`ReadOptions::read_reader_dyn`]: a reader's length is unknown, so
/// a truncated or trailing payload is found at its end, and is reported before an invalid
/// `bool` byte or a value found earlier, as the reader reports it.
///
/// # Errors
///
/// As [`check_path`].
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, DType, Limits, Order, Shape, ValueSpec};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let array = Array::from_vec(Shape::vector(2)?, Order::C, vec![1i16, 4])?;
/// let bytes = npy::to_vec(&array.view())?;
/// let spec = ArraySpec::new(DType::I16).with_values(ValueSpec::new().one_of([1, 2, 3]));
/// let err = npy::check_reader(&bytes[..], &spec, &Limits::default()).unwrap_err();
/// assert_eq!(err.code(), "value.not_in_enum");
/// assert!(err.to_string().ends_with("[1] = 4"));
/// # Ok(())
/// # }
/// ```
pub fn check_reader<R: Read>(reader: R, spec: &ArraySpec, limits: &Limits) -> Result<Header> {
    check_reader_with_bindings(reader, spec, limits, &mut Bindings::new())
}

/// [`check_reader`] with named dimensions bound in `bindings` (see
/// [`check_path_with_bindings`]).
///
/// # Errors
///
/// As [`check_path_with_bindings`].
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, Bindings, Limits, Order, Shape, ShapeSpec};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let array = Array::from_vec(Shape::new([2, 5])?, Order::C, vec![0u8; 10])?;
/// let bytes = npy::to_vec(&array.view())?;
/// let spec = ArraySpec::any().with_shape_spec(ShapeSpec::parse("batch features")?);
/// let mut bindings = Bindings::new();
/// npy::check_reader_with_bindings(&bytes[..], &spec, &Limits::default(), &mut bindings)?;
/// assert_eq!(bindings.size("features"), Some(5));
/// # Ok(())
/// # }
/// ```
pub fn check_reader_with_bindings<R: Read>(
    mut reader: R,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<Header> {
    ReadOptions::new()
        .limits(limits.clone())
        .check_stream(&mut reader, spec, None, bindings)
}
