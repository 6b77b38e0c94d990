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
//! Each format has three one-line readers with default [`Limits`] (typed, like serde_json's
//! `from_slice` / `from_reader`), and one options builder for everything else: other limits,
//! any dtype, C order, trailing data, envelopes, checks without holding the payload. The
//! options' readers take the output as a type parameter ([`Target`]): an element type `T`
//! (`read_path::<f32>` → [`Array<f32>`](Array), or an [`ArrayView`] from a slice) or
//! [`DynArray`] (the input decides the dtype). These are all the ways to read or check an
//! array (25):
//!
//! | format | default limits | options builder |
//! | --- | --- | --- |
//! | `.npy` | [`npy::from_slice`] (borrows when it can), [`npy::from_reader`], [`npy::from_path`] | [`npy::ReadOptions`]: [`read_slice`](npy::ReadOptions::read_slice), [`read_reader`](npy::ReadOptions::read_reader), [`read_path`](npy::ReadOptions::read_path), [`check_path`](npy::ReadOptions::check_path), [`check_reader`](npy::ReadOptions::check_reader); header only: [`npy::read_header`] |
//! | raw buffers (`numpy.tobytes()`, Python `array`) with a [`raw::Layout`] | [`raw::from_slice`], [`raw::from_reader`], [`raw::from_path`] | [`raw::ReadOptions`]: [`read_slice`](raw::ReadOptions::read_slice), [`read_reader`](raw::ReadOptions::read_reader), [`read_path`](raw::ReadOptions::read_path), [`check_path`](raw::ReadOptions::check_path), [`check_reader`](raw::ReadOptions::check_reader) |
//! | JSON: nested arrays, or an envelope `{"dtype", "shape", "data"}` ([`json::Form`]) | [`json::from_str`], [`json::from_slice`], [`json::from_reader`] | [`json::ReadOptions`]: [`read_str`](json::ReadOptions::read_str), [`read_slice`](json::ReadOptions::read_slice), [`read_reader`](json::ReadOptions::read_reader); inside any serde format or request struct: [`seed`](json::ReadOptions::seed) → [`json::ArraySeed`], whose [`deserialize_typed`](json::ArraySeed::deserialize_typed) keeps arrayguard's error |
//!
//! Several arrays against one [`BundleSpec`] (files or bytes bound to its arrays by name,
//! named dimensions shared): [`BundleChecker`], with one [`Verdict`] per array; one input of
//! any format against one spec: [`Input::check`]. Specs from JSON or TOML files:
//! [`SpecFile::from_path`]. Writing: [`npy::write`], [`json::to_writer`].
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
//! let points = npy::ReadOptions::new().limits(limits).read_slice::<f32>(&bytes, &spec)?;
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
mod bundle;
mod descr;
mod dtype;
mod error;
pub mod json;
mod limits;
pub mod npy;
mod options;
mod payload;
mod plan;
pub mod raw;
mod shape;
mod spec;
mod target;
mod transpose;
mod util;

pub use array::{Array, ArrayView, ArrayVisitor, DynArray};
pub use bundle::{BundleChecker, Input, Verdict};
pub use dtype::{ByteOrder, DType, Element};
pub use error::{Error, Fault, LimitKind, NamedDim, Result, ValueKind, ValueViolation};
pub use half::f16;
pub use limits::{LimitOverrides, Limits};
pub use num_complex::{Complex, Complex32, Complex64};
pub use plan::Plan;
pub use shape::{Order, Shape};
pub use spec::{spec_file_schema, SpecFile};
pub use spec::{ArraySpec, AxisSpec, Bindings, BundleSpec, Dim, ShapeItem, ShapeSpec, ValueSpec};
pub use target::Target;
