//! Generators from a spec, for fuzzers and property tests: arrays (or bundles of arrays) that
//! satisfy an [`ArraySpec`](crate::ArraySpec) or a [`BundleSpec`](crate::BundleSpec), and
//! **near misses** that break exactly one stated rule, each labelled with the
//! [`Error::code`](crate::Error::code) the library must return for it.
//!
//! Behind the features `arbitrary` and `proptest`; the default build has none of it.
//!
//! One core draws every sample from a [`Choices`] source, so the logic exists once: a
//! [`Seeded`] stream (what `arrayguard gen` uses), `arbitrary::Unstructured` (feature
//! `arbitrary`, for `cargo fuzz` targets), or proptest's runner through `SampleStrategy`
//! and `NearMissStrategy` (feature `proptest`), which shrink by lowering the recorded
//! choices (0 is always the simplest choice).
//!
//! A [`Generator`] covers the spec's whole space: every allowed dtype and byte order, both
//! memory orders where allowed, `.npy` versions 1 to 3, named and ranged dimensions at their
//! bounds, variadic runs (empty and long), empty axes, 0-d arrays, value bounds and the
//! dtype's values just inside them, NaN, infinities, −0.0 and subnormals where allowed.
//! Samples are library [`DynArray`]s plus encoding choices, written by the
//! library's own writers ([`Sample::encode`]); near misses that need byte-level damage
//! (truncation, trailing bytes, a lying header length, a `bool` byte of 2) damage the encoded
//! bytes.
//!
//! ```
//! use arrayguard::testing::{Format, Generator, Seeded};
//! use arrayguard::{npy, ArraySpec, DType, DynArray, ShapeSpec};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 3")?);
//! let generator = Generator::for_array(&spec)?;
//! let mut choices = Seeded::new(42);
//!
//! let sample = generator.sample(&mut choices);
//! let file = &sample.encode(Format::Npy)?.files[0];
//! let array = npy::ReadOptions::new().read_slice::<DynArray>(&file.bytes, &spec)?;
//! assert_eq!(array.shape(), sample.arrays[0].array.shape());
//!
//! let miss = generator.near_miss(&mut choices, Format::Npy);
//! let file = &miss.encode()?.files[0];
//! let error = npy::ReadOptions::new().read_slice::<DynArray>(&file.bytes, &spec).unwrap_err();
//! assert_eq!(error.code(), miss.code);
//! # Ok(())
//! # }
//! ```

mod choices;
mod encode;
mod generate;
mod hostile;
mod read;
mod shapes;
#[cfg(feature = "proptest")]
mod strategy;
mod values;

pub use choices::{Choices, Replay, Seeded};
pub use encode::{Encoded, EncodedFile};
pub use generate::{Feature, Generator, NearMiss, Rule};
pub use hostile::{hostile_files, HostileFile};
#[cfg(feature = "proptest")]
pub use strategy::{ChoiceTree, NearMissStrategy, SampleStrategy};
pub use values::Bound;

use crate::array::DynArray;
use crate::dtype::ByteOrder;
use crate::npz::Compression;

/// The file formats a sample is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// One `.npy` file per array.
    Npy,
    /// One `.npz` archive holding every array (member `NAME.npy`).
    Npz,
    /// One raw buffer per array, described by an [`EncodedFile::layout`].
    Raw,
    /// One JSON envelope (`{"dtype", "shape", "order", "data"}`) per array.
    Json,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [Format::Npy, Format::Npz, Format::Raw, Format::Json];

    /// `npy`, `npz`, `raw` or `json`: the name `arrayguard gen --format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Raw => "raw",
            Format::Json => "json",
        }
    }

    /// The file extension: `npy`, `npz`, `bin` or `json`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Npz => "npz",
            Format::Raw => "bin",
            Format::Json => "json",
        }
    }
}

/// How a JSON envelope holds its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JsonData {
    /// Nested arrays in logical order (finite values only).
    Nested,
    /// One flat array of every element in the array's memory order (finite values only; not
    /// for 0-d arrays).
    Flat,
    /// A base64 string of the payload bytes, in the array's byte and memory order: every bit
    /// pattern, NaN payloads included.
    Base64,
}

/// One generated array and how to encode it.
#[derive(Clone, Debug, PartialEq)]
pub struct GenArray {
    /// The array's name: its name in a bundle, or `arr_0` for a single-array spec (NumPy's
    /// name for the first array of `savez`).
    pub name: String,
    /// The values, in the array's memory order ([`DynArray::order`]).
    pub array: DynArray,
    /// The byte order of multi-byte elements in the encoded payload.
    pub byte_order: ByteOrder,
    /// The `.npy` format version of the header: 1, 2 or 3.
    pub npy_version: u8,
    /// How a JSON envelope holds the data.
    pub json_data: JsonData,
    pub(crate) draw: shapes::ShapeDraw,
}

/// A generated sample: one array for a single-array spec, one per array for a bundle (in the
/// bundle's order), plus the encoding choices.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The arrays.
    pub arrays: Vec<GenArray>,
    /// How `.npz` members are stored.
    pub compression: Compression,
}
