//! arrayguard turns untrusted bytes into validated typed arrays, or a precise error.
//!
//! Every input goes through one pipeline: a front-end reads only what *declares* the array
//! (a `.npy` header, a raw layout; JSON learns its shape while it reads), builds a [`Plan`] (dtype, byte order, shape, order, byte count) with
//! checked arithmetic, and checks it against the caller's [`ArraySpec`] and [`Limits`] and
//! against the bytes actually present — **before anything is allocated**. Only then is the
//! payload borrowed (zero-copy, when aligned and native-endian) or read into one buffer of
//! exactly the checked size. A value of [`Array`], [`ArrayView`] or [`DynArray`] is always
//! valid.
//!
//! # Which function do I call?
//!
//! | input | function |
//! | --- | --- |
//! | `.npy` bytes in memory | [`npy::from_slice`] (borrows when it can) |
//! | `.npy` from a `Read` | [`npy::from_reader`] |
//! | `.npy` file | [`npy::from_path`] |
//! | dtype decided by the file | [`npy::ReadOptions::read_slice_dyn`] and friends → [`DynArray`] |
//! | header facts only | [`npy::read_header`] |
//! | raw bytes (`numpy.tobytes()`, Python `array`) in memory | [`raw::from_slice`] with a [`raw::Layout`] |
//! | raw bytes from a `Read` or a file | [`raw::from_reader`], [`raw::from_path`] |
//! | nested JSON arrays | [`json::from_str`], [`json::from_slice`], [`json::from_reader`] |
//! | a JSON envelope `{"dtype", "shape", "data"}` | [`json::ReadOptions::read_envelope_str_dyn`] and friends |
//! | an array inside any serde format or request struct | [`json::ArraySeed`] (a `DeserializeSeed`) |
//! | validate a file of any size without holding it | [`npy::check_path`], [`raw::check_path`] |
//! | a spec from a JSON or TOML file | [`SpecFile::from_path`] |
//! | writing | [`npy::write`], [`json::to_writer`] |
//!
//! # Example
//!
//! ```
//! use arrayguard::{npy, ArraySpec, DType, Dim, Limits};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let bytes = npy::to_vec(&arrayguard::Array::from_vec(
//! #     arrayguard::Shape::new([4, 3])?, arrayguard::Order::C, vec![0.5f32; 12])?.view())?;
//! // Accept float32 arrays of shape (n, 3), at most 1 MiB.
//! let spec = ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]);
//! let mut limits = Limits::default();
//! limits.max_bytes = 1 << 20;
//!
//! let points = npy::from_slice_with_limits::<f32>(&bytes, &spec, &limits)?;
//! assert_eq!(points.shape().dims(), &[4, 3]);
//! assert_eq!(points.get(&[3, 2]), Some(&0.5));
//! # Ok(())
//! # }
//! ```
//!
//! # Security model
//!
//! The input is hostile; the spec and limits are trusted. For every input arrayguard returns
//! a validated array or an [`Error`], and never panics, never evaluates code (object dtypes,
//! whose payload is a pickle, are refused with [`Error::PickleNotAllowed`]), and never
//! allocates in proportion to a declared number before that number passed the limits and was
//! compared with the bytes actually present:
//!
//! - the `.npy` header length is refused from its 2- or 4-byte field
//!   ([`Limits::max_header_bytes`], default 10 000), before the header is read;
//! - the header is parsed by a bounded, linear-time parser of a strict subset of Python
//!   literals (no evaluator, nesting and digits capped, duplicate keys refused);
//! - element and byte counts use checked arithmetic; a product that would wrap is
//!   [`Error::ShapeOverflow`];
//! - the payload size is compared with [`Limits::max_bytes`] and [`Limits::max_elements`],
//!   then with the slice or file length (truncated and trailing data are errors); a reader of
//!   unknown length gets a buffer that grows only as data arrives;
//! - allocation is fallible ([`Error::OutOfMemory`] instead of an abort);
//! - `bool` bytes must be 0 or 1; float bit patterns (NaN payloads, −0.0, subnormals) are kept
//!   exactly;
//! - JSON is read in one pass with no recursion: the text size ([`Limits::max_input_bytes`]),
//!   the nesting depth ([`Limits::max_depth`]), the element budget and the spec's dimensions are
//!   enforced at the first element that breaks them, ragged rows are errors with their JSON
//!   path, integers must fit their type exactly, floats are correctly rounded, and `NaN` or
//!   `Infinity` are refused unless allowed.
//!
//! [`Limits::unlimited`] removes the limits; do not use it on untrusted input.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

mod array;
mod buffer;
mod check;
mod dtype;
mod error;
pub mod json;
mod limits;
pub mod npy;
mod payload;
pub mod raw;
mod shape;
mod spec;
mod transpose;

pub use array::{Array, ArrayView, ArrayVisitor, DynArray};
pub use dtype::{ByteOrder, DType, Element};
pub use error::{Error, Fault, LimitKind, NamedDim, Result, ValueKind, ValueViolation};
pub use half::f16;
pub use limits::{LimitOverrides, Limits};
pub use num_complex::{Complex, Complex32, Complex64};
pub use shape::{Order, Shape};
pub use spec::{spec_file_schema, SpecFile};
pub use spec::{
    ArraySpec, AxisSpec, Bindings, BundleSpec, Dim, Plan, ShapeItem, ShapeSpec, ValueSpec,
};
