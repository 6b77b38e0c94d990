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
//! array (35):
//!
//! | format | default limits | options builder |
//! | --- | --- | --- |
//! | `.npy` | [`npy::from_slice`] (borrows when it can), [`npy::from_reader`], [`npy::from_path`] | [`npy::ReadOptions`]: [`read_slice`](npy::ReadOptions::read_slice), [`read_reader`](npy::ReadOptions::read_reader), [`read_path`](npy::ReadOptions::read_path), [`check_path`](npy::ReadOptions::check_path), [`check_reader`](npy::ReadOptions::check_reader); header only: [`npy::read_header`] |
//! | raw buffers (`numpy.tobytes()`, Python `array`) with a [`raw::Layout`] | [`raw::from_slice`], [`raw::from_reader`], [`raw::from_path`] | [`raw::ReadOptions`]: [`read_slice`](raw::ReadOptions::read_slice), [`read_reader`](raw::ReadOptions::read_reader), [`read_path`](raw::ReadOptions::read_path), [`check_path`](raw::ReadOptions::check_path), [`check_reader`](raw::ReadOptions::check_reader) |
//! | `.npz` archives (`numpy.savez`, `savez_compressed`): the container checked when opened ([`npz::open_slice`], [`npz::open_reader`], [`npz::open_path`], or [`npz::ReadOptions`]) | every member: [`npz::from_slice`], [`npz::from_reader`], [`npz::from_path`] | [`npz::Archive`]: [`read`](npz::Archive::read), [`read_all`](npz::Archive::read_all), [`check`](npz::Archive::check), [`check_bundle`](npz::Archive::check_bundle); header only: [`header`](npz::Archive::header) |
//! | inference requests (Open Inference Protocol: KServe v2, Triton), JSON or with binary tensors, bound to a [`BundleSpec`] | [`oip::from_slice`] | [`oip::ReadOptions`]: [`read`](oip::ReadOptions::read); answering: [`oip::Response`]; specs from model metadata: [`oip::ModelMetadata`] |
//! | JSON: nested arrays, or an envelope `{"dtype", "shape", "data"}` ([`json::Form`]) | [`json::from_str`], [`json::from_slice`], [`json::from_reader`] | [`json::ReadOptions`]: [`read_str`](json::ReadOptions::read_str), [`read_slice`](json::ReadOptions::read_slice), [`read_reader`](json::ReadOptions::read_reader); inside any serde format or request struct: [`seed`](json::ReadOptions::seed) → [`json::ArraySeed`], whose [`deserialize_typed`](json::ArraySeed::deserialize_typed) keeps arrayguard's error |
//!
//! Several arrays against one [`BundleSpec`] (files or bytes bound to its arrays by name,
//! named dimensions shared): [`BundleChecker`], with one [`Verdict`] per array; one input of
//! any format against one spec: [`Input::check`]. Specs from JSON or TOML files:
//! [`SpecFile::from_path`]. Writing: [`npy::write`], [`npz::Writer`], [`json::to_writer`].
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
//! # Layers
//!
//! The crate is read bottom up; a module imports only the layers below it, and no module
//! imports one that imports it back:
//!
//! | layer | modules | what it holds |
//! | --- | --- | --- |
//! | vocabulary | `util`, `dtype`, `axes`, `error`, `shape`, `limits`, `descr` | [`DType`] and [`Element`], [`Error`] = [`ErrorKind`] + [`Location`], [`Shape`], [`Order`], [`Dim`], [`Limits`], the dtype spellings ([`DType::parse_any`]) |
//! | descriptors | `spec` | [`ArraySpec`] and [`BundleSpec`] (from code or from [`SpecFile`]s: wire form, then one validating conversion), shape patterns and [`Bindings`], [`ValueSpec`], the spec's staged checks ([`ArraySpec::check_dtype`] and the next stages) |
//! | pipeline | `plan`, `parallel`, `buffer`, `transpose`, `array`, `payload`, `target` | [`Plan`] (what an input declares, checked against a spec's stages and the limits), the threads and positional sources of large payloads, the one payload pump (chunked read, swap, `bool` and value checks, F→C; ranges on scoped threads for large payloads of known length), storage, [`Array`] / [`ArrayView`] / [`DynArray`], [`Target`] |
//! | front-ends | `options`, [`npy`], [`raw`], [`json`] | each turns its bytes into a `Plan` and a payload, through its `ReadOptions` over one shared private core |
//! | containers | `bundle`, [`npz`], [`oip`] | [`BundleChecker`] and [`Input`]: several inputs against one bundle, routed to the front-ends; `.npz` archives, whose members go through the `.npy` front-end and bind to bundles through the checker; inference requests, whose inputs bind to a bundle by name and are read by the JSON front-end or from the body's binary tensors |
//! | testing | `testing` (features `arbitrary`, `proptest`) | generators from a spec: valid arrays and bundles, and near misses labelled with the error code they must get, for fuzzers (`arbitrary::Unstructured`), property tests (proptest strategies) and corpora (`arrayguard gen`) |
//!
//! # Error codes
//!
//! Every kind has a stable code ([`Error::code`]), the contract of CLI reports, logs and tests:
//! the message wording may improve between releases, codes do not change meaning.
//!
//! | code | kind | fault |
//! | --- | --- | --- |
//! | `npy.bad_magic` | [`ErrorKind::BadMagic`] | input |
//! | `npy.unsupported_version` | [`ErrorKind::UnsupportedVersion`] | input |
//! | `npy.invalid_header` | [`ErrorKind::InvalidHeader`] | input |
//! | `npy.header_too_large` | [`ErrorKind::LimitExceeded`] of [`LimitKind::HeaderBytes`] | limit |
//! | `dtype.invalid` | [`ErrorKind::InvalidDescr`] | input |
//! | `dtype.unsupported` | [`ErrorKind::UnsupportedDtype`] | input |
//! | `dtype.pickle_not_allowed` | [`ErrorKind::PickleNotAllowed`] | input |
//! | `shape.overflow` | [`ErrorKind::ShapeOverflow`] | input |
//! | `data.truncated` | [`ErrorKind::TruncatedData`] | input |
//! | `data.trailing` | [`ErrorKind::TrailingData`] | input |
//! | `data.length_mismatch` | [`ErrorKind::LengthMismatch`] | input |
//! | `data.invalid_bool` | [`ErrorKind::InvalidBool`] | input |
//! | `data.not_representable` | [`ErrorKind::NotRepresentable`] | input |
//! | `json.syntax` | [`ErrorKind::JsonSyntax`] | input |
//! | `json.ragged` | [`ErrorKind::Ragged`] | input |
//! | `json.unexpected_token` | [`ErrorKind::UnexpectedToken`] | input |
//! | `json.number_out_of_range` | [`ErrorKind::NumberOutOfRange`] | input |
//! | `json.not_an_integer` | [`ErrorKind::NotAnInteger`] | input |
//! | `json.number_too_long` | [`ErrorKind::NumberTooLong`] | input |
//! | `json.envelope` | [`ErrorKind::Envelope`] | input |
//! | `npz.invalid_archive` | [`ErrorKind::InvalidArchive`] | input |
//! | `npz.trailing_data` | [`ErrorKind::ArchiveTrailingData`] | input |
//! | `npz.overlapping_members` | [`ErrorKind::OverlappingMembers`] | input |
//! | `npz.duplicate_member` | [`ErrorKind::DuplicateMember`] | input |
//! | `npz.unsafe_name` | [`ErrorKind::UnsafeMemberName`] | input |
//! | `npz.unsupported` | [`ErrorKind::UnsupportedMember`] | input |
//! | `npz.size_mismatch` | [`ErrorKind::MemberSizeMismatch`] | input |
//! | `npz.crc_mismatch` | [`ErrorKind::CrcMismatch`] | input |
//! | `oip.invalid_request` | [`ErrorKind::InvalidRequest`] | input |
//! | `oip.duplicate_input` | [`ErrorKind::DuplicateInput`] | input |
//! | `oip.binary_size` | [`ErrorKind::BinarySizeMismatch`] | input |
//! | `oip.data_shape` | [`ErrorKind::DataShapeMismatch`] | input |
//! | `spec.dtype` | [`ErrorKind::DTypeMismatch`] | mismatch |
//! | `spec.byte_order` | [`ErrorKind::ByteOrderMismatch`] | mismatch |
//! | `spec.order` | [`ErrorKind::OrderMismatch`] | mismatch |
//! | `spec.ndim` | [`ErrorKind::NdimMismatch`] | mismatch |
//! | `spec.shape` | [`ErrorKind::ShapeMismatch`] | mismatch |
//! | `spec.named_dim` | [`ErrorKind::NamedDimMismatch`] | mismatch |
//! | `spec.missing_array` | [`ErrorKind::MissingArray`] | mismatch |
//! | `spec.unknown_array` | [`ErrorKind::UnknownArray`] | mismatch |
//! | `value.nan` | [`ErrorKind::Values`] of [`ValueKind::Nan`] | mismatch |
//! | `value.infinite` | [`ErrorKind::Values`] of [`ValueKind::Infinite`] | mismatch |
//! | `value.below_min` | [`ErrorKind::Values`] of [`ValueKind::BelowMin`] | mismatch |
//! | `value.above_max` | [`ErrorKind::Values`] of [`ValueKind::AboveMax`] | mismatch |
//! | `value.not_in_enum` | [`ErrorKind::Values`] of [`ValueKind::NotInEnum`] | mismatch |
//! | `limit.bytes` | [`ErrorKind::LimitExceeded`] of [`LimitKind::Bytes`] | limit |
//! | `limit.elements` | [`ErrorKind::LimitExceeded`] of [`LimitKind::Elements`] | limit |
//! | `limit.ndim` | [`ErrorKind::LimitExceeded`] of [`LimitKind::Ndim`] | limit |
//! | `limit.depth` | [`ErrorKind::LimitExceeded`] of [`LimitKind::Depth`] | limit |
//! | `limit.input_bytes` | [`ErrorKind::LimitExceeded`] of [`LimitKind::InputBytes`] | limit |
//! | `limit.members` | [`ErrorKind::LimitExceeded`] of [`LimitKind::Members`] | limit |
//! | `limit.archive_bytes` | [`ErrorKind::LimitExceeded`] of [`LimitKind::ArchiveBytes`] | limit |
//! | `limit.compression_ratio` | [`ErrorKind::LimitExceeded`] of [`LimitKind::CompressionRatio`] | limit |
//! | `limit.out_of_memory` | [`ErrorKind::OutOfMemory`] | limit |
//! | `io` | [`ErrorKind::Io`] | io |
//! | `usage.invalid_layout` | [`ErrorKind::InvalidLayout`] | usage |
//! | `usage.element_count` | [`ErrorKind::ElementCount`] | usage |
//! | `config.invalid_spec` | [`ErrorKind::InvalidSpec`] | config |
//!
//! The `.npy` header limit has its own code, `npy.header_too_large`, because it is the
//! format's best-known attack (a 14-byte file declaring a 4 GiB header).

//! # Security model
//!
//! The input is hostile; the spec and limits are trusted. For every input arrayguard returns
//! a validated array or an [`Error`], and never panics, never evaluates code (object dtypes,
//! whose payload is a pickle, are refused with [`ErrorKind::PickleNotAllowed`]), and never
//! allocates in proportion to a declared number before that number passed the limits and was
//! compared with the bytes actually present:
//!
//! - the `.npy` header length is refused from its 2- or 4-byte field
//!   ([`Limits::max_header_bytes`], default 10 000), before the header is read;
//! - the header is parsed by a bounded, linear-time parser of a strict subset of Python
//!   literals (no evaluator, nesting and digits capped, duplicate keys refused);
//! - element and byte counts use checked arithmetic; a product that would wrap is
//!   [`ErrorKind::ShapeOverflow`];
//! - the payload size is compared with [`Limits::max_bytes`] and [`Limits::max_elements`],
//!   then with the slice or file length (truncated and trailing data are errors); a reader of
//!   unknown length gets a buffer that grows only as data arrives;
//! - allocation is fallible ([`ErrorKind::OutOfMemory`] instead of an abort);
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
mod axes;
mod buffer;
mod bundle;
mod descr;
mod dtype;
mod error;
pub mod json;
mod limits;
pub mod npy;
pub mod npz;
pub mod oip;
mod options;
mod parallel;
mod payload;
mod plan;
pub mod raw;
mod shape;
mod spec;
mod target;
#[cfg(any(feature = "arbitrary", feature = "proptest"))]
pub mod testing;
mod transpose;
mod util;

pub use array::{Array, ArrayView, ArrayVisitor, DynArray};
pub use axes::{Dim, Order};
pub use bundle::{BundleChecker, Input, Verdict};
pub use dtype::{ByteOrder, DType, Element};
pub use error::{
    Error, ErrorKind, Fault, LimitKind, Location, NamedDim, NamedSize, Overflow, Result, ValueKind,
    ValueViolation,
};
pub use half::{bf16, f16};
pub use limits::{LimitOverrides, Limits};
pub use num_complex::{Complex, Complex32, Complex64};
pub use plan::Plan;
pub use shape::Shape;
pub use spec::{spec_file_schema, SpecFile};
pub use spec::{ArraySpec, AxisSpec, Bindings, BundleSpec, ShapeItem, ShapeSpec, ValueSpec};
pub use target::Target;
