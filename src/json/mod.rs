//! JSON arrays: nested arrays of numbers or booleans, read in one pass straight into a flat
//! typed buffer, and written back.
//!
//! Which function to call:
//!
//! | input | typed, default limits | any dtype or other options |
//! | --- | --- | --- |
//! | `&str` | [`from_str`] → [`Array`] | [`ReadOptions::read_str_dyn`] |
//! | `&[u8]` | [`from_slice`] → [`Array`] | [`ReadOptions::read_slice_dyn`] |
//! | `impl Read` | [`from_reader`] → [`Array`] | [`ReadOptions::read_reader_dyn`] |
//! | an envelope `{"dtype", "shape", "data"}` | [`ReadOptions::read_envelope_str`] | [`ReadOptions::read_envelope_str_dyn`] (dtype from the envelope) |
//! | inside a serde format or a request struct | [`ArraySeed`] | [`DynSeed`] |
//! | writing | [`to_writer`], [`write_array`] | [`to_writer_with_options`] |
//!
//! # What is read
//!
//! - **Nested arrays.** Each level of nesting is one axis, in C order. The shape is learnt
//!   from the first path (the first array closed at each depth) and enforced on every later
//!   row: a row of another length, a scalar where an array belongs or the reverse is
//!   [`Error::Ragged`], naming the index path (`[3][1]`) and the line and column. `[]` is
//!   shape `(0,)`, `[[]]` is `(1, 0)`, a bare number is a 0-d array. JSON cannot write shape
//!   `(0, 3)` (NumPy reads `[]` as `(0,)` too); use an envelope for it.
//! - **Elements.** Integers must be written as integers (no fraction, no exponent: `1.0`,
//!   `1.5` and `1e2` are [`Error::NotAnInteger`] for integer dtypes) and fit the type exactly
//!   ([`Error::NumberOutOfRange`]; `-0` is 0). Booleans are `true`/`false` only: numbers are
//!   not booleans and booleans are not numbers ([`Error::UnexpectedToken`]). Floats are
//!   correctly rounded from the decimal text (round to nearest, ties to even), `f16` included
//!   (see below); finite text that rounds to infinity is out of range. `NaN`, `Infinity` and
//!   `-Infinity` (which Python's `json.dumps` writes) are refused unless
//!   [`ReadOptions::allow_nan`]. A complex element is a pair `[re, im]`, as the writer writes
//!   it.
//! - **Envelopes.** `{"dtype": "<f4", "shape": [2, 3], "order": "C", "data": ...}`: `dtype` is
//!   a NumPy type string or a name (names mean little-endian); `shape` is checked against the
//!   spec and the limits before `data` is read, so `dtype` and `shape` (and `order`) must come
//!   first. `data` is nested arrays matching `shape`, one flat array of all the elements (in
//!   `order`), or a base64 string (standard alphabet, padded) of the raw bytes in the type
//!   string's byte order and in `order`, whose length is checked against the declared size as
//!   it is decoded. Unknown and repeated keys are [`Error::Envelope`].
//! - **Spec.** The caller's limits apply with the spec's own overrides on top
//!   ([`ArraySpec::limits_over`]). Once the whole array is read and its shape checked, its
//!   elements are checked against the spec's value constraints ([`ArraySpec::values`],
//!   [`Error::Values`]): `NaN` and infinities get past the reader only with
//!   [`ReadOptions::allow_nan`], and a spec with `nan = false` or `inf = false` still refuses
//!   them.
//!
//! # Security
//!
//! Nothing is allocated in proportion to a number the text declares, and nothing is built
//! but the output: no tree of values, no vector per row. The reader keeps one counter per
//! open array, and refuses, at the first offending byte:
//!
//! - a text longer than [`Limits::max_input_bytes`] (slices up front; readers once that many
//!   bytes have arrived);
//! - nesting deeper than [`Limits::max_depth`] (the reader is iterative, so depth costs no
//!   stack; the serde seed recurses, and is cut at the same depth);
//! - more dimensions than [`Limits::max_ndim`] or than the spec has, at the `[` that opens one
//!   too many; an axis longer than the spec allows, at the first element beyond it;
//! - an element beyond [`Limits::max_elements`] or [`Limits::max_bytes`]: the output grows as
//!   elements arrive, never past that budget (doubling up to 64 KiB, then by a sixteenth, so
//!   an accepted array read from a reader costs at most 17/16 of its size plus 64 KiB; from
//!   a string or slice, whose length is known, it grows at once to the elements the rest of
//!   the text would hold at the bytes per element seen so far, plus 1/32, never more than
//!   the rest of the text's bytes divided by the element size, and is trimmed at the end);
//! - a number token longer than [`MAX_NUMBER_LEN`] bytes ([`Error::NumberTooLong`]), before
//!   its end is looked for.
//!
//! # Positions
//!
//! Errors carry a [`JsonPosition`]: the index path, the line and the column (both from 1;
//! columns count bytes) and the byte offset (from 0). Spec and limit errors found at a place
//! in the text are wrapped in [`Error::AtJson`], whose [`Error::code`] is the inner error's.
//!
//! # `f16` rounding
//!
//! The text is read as `f64` (correctly rounded, like `f32` and `f64` themselves: an exact
//! fast path from the digits the scanner accumulates, exact integer arithmetic for up to 20
//! digits and exponents within ±27, and the standard library's parser for anything else),
//! then rounded to `f16`. Rounding twice differs from rounding once only when the `f64` falls exactly on a
//! midpoint between two `f16` values while the text is not exactly that midpoint. Every `f16`
//! midpoint is exact in `f64`, so that case is detected exactly, and the decimal text is then
//! compared digit by digit with the midpoint's exact decimal expansion to choose the side.
//!
//! **Buffering.** Readers are read 8 KiB at a time into a window of at most about 16 KiB,
//! checked as UTF-8 as they arrive; wrapping them in a `BufReader` gains nothing. Slices are
//! checked as UTF-8 once, up front; a `&str` is not checked again.
//!
//! [`Limits::max_input_bytes`]: crate::Limits::max_input_bytes
//! [`Limits::max_depth`]: crate::Limits::max_depth
//! [`Limits::max_ndim`]: crate::Limits::max_ndim
//! [`Limits::max_elements`]: crate::Limits::max_elements
//! [`Limits::max_bytes`]: crate::Limits::max_bytes

mod envelope;
mod float;
mod nest;
mod number;
mod read;
mod scan;
mod seed;
mod source;
mod write;

pub use crate::error::{JsonItem, JsonPosition, JsonToken};
pub use scan::MAX_NUMBER_LEN;
pub use seed::{ArraySeed, DynSeed};
pub use write::{to_writer, to_writer_with_options, write_array, JsonValue, WriteOptions};

use std::io::Read;

use crate::array::{Array, DynArray};
use crate::dtype::{by_dtype, DType};
use crate::error::{Error, LimitKind, Result};
use crate::limits::Limits;
use crate::spec::ArraySpec;
use crate::util::to_u64;

use source::{ReaderSource, SliceSource};

/// Reads nested JSON arrays (or a bare number or boolean) from a string into a typed array,
/// with default limits.
///
/// # Errors
///
/// [`Error::JsonSyntax`] for text that is not JSON;
/// [`Error::Ragged`]; element errors
/// ([`Error::NotAnInteger`],
/// [`Error::NumberOutOfRange`],
/// [`Error::UnexpectedToken`],
/// [`Error::NumberTooLong`]); spec errors
/// ([`Error::DTypeMismatch`] when the spec does not allow `T`,
/// [`Error::NdimMismatch`],
/// [`Error::ShapeMismatch`],
/// [`Error::OrderMismatch`]) and
/// [`Error::LimitExceeded`], the ones found at a place in the
/// text wrapped in [`Error::AtJson`]; [`Error::Values`] when elements break the spec's value
/// constraints.
///
/// # Examples
///
/// ```
/// use arrayguard::{json, ArraySpec, DType, Dim};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let spec = ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]);
/// let points = json::from_str::<f32>("[[0.5, 1, 2], [3, 4, 5e-1]]", &spec)?;
/// assert_eq!(points.shape().dims(), &[2, 3]);
/// assert_eq!(points.get(&[1, 2]), Some(&0.5));
///
/// let err = json::from_str::<f32>("[[0.5, 1, 2], [3, 4]]", &spec).unwrap_err();
/// assert_eq!(err.code(), "json.ragged");
/// assert_eq!(err.json_position().map(|p| p.path()), Some("[1]"));
/// # Ok(())
/// # }
/// ```
pub fn from_str<T: JsonValue>(text: &str, spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_str(text, spec)
}

/// [`from_str`] with explicit limits.
///
/// # Errors
///
/// As [`from_str`].
pub fn from_str_with_limits<T: JsonValue>(
    text: &str,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_str(text, spec)
}

/// Reads nested JSON arrays from bytes (UTF-8 JSON text) into a typed array, with default
/// limits.
///
/// # Errors
///
/// As [`from_str`].
pub fn from_slice<T: JsonValue>(bytes: &[u8], spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_slice(bytes, spec)
}

/// [`from_slice`] with explicit limits.
///
/// # Errors
///
/// As [`from_str`].
pub fn from_slice_with_limits<T: JsonValue>(
    bytes: &[u8],
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_slice(bytes, spec)
}

/// Reads nested JSON arrays from a reader into a typed array, with default limits.
///
/// At most [`Limits::max_input_bytes`](crate::Limits::max_input_bytes) bytes are read; the
/// reader must end after the value (whitespace aside).
///
/// # Errors
///
/// As [`from_str`], plus [`Error::Io`].
pub fn from_reader<T: JsonValue, R: Read>(reader: R, spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_reader(reader, spec)
}

/// [`from_reader`] with explicit limits.
///
/// # Errors
///
/// As [`from_reader`].
pub fn from_reader_with_limits<T: JsonValue, R: Read>(
    reader: R,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_reader(reader, spec)
}

/// Options for reading JSON: limits, and whether `NaN` and infinities are accepted.
///
/// JSON text carries no dtype, so the `_dyn` readers take one; envelopes declare theirs.
///
/// ```
/// use arrayguard::{json::ReadOptions, ArraySpec, DType, Limits};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut limits = Limits::default();
/// limits.max_elements = 1000;
/// let options = ReadOptions::new().limits(limits).allow_nan(true);
/// let array = options.read_str_dyn("[1.5, NaN]", DType::F64, &ArraySpec::any())?;
/// assert_eq!(array.shape().dims(), &[2]);
///
/// let text = r#"{"dtype": "<i2", "shape": [2], "data": "AQACAA=="}"#;
/// let array = options.read_envelope_str::<i16>(text, &ArraySpec::any())?;
/// assert_eq!(array.as_slice(), &[1, 2]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    limits: Limits,
    allow_nan: bool,
}

impl ReadOptions {
    /// Default limits; `NaN` and infinities refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's limit overrides, if any,
    /// win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Accepts the tokens `NaN`, `Infinity` and `-Infinity` (not JSON, but what Python's
    /// `json.dumps` writes) for float and complex dtypes. Defaults to `false`.
    pub fn allow_nan(mut self, allow: bool) -> Self {
        self.allow_nan = allow;
        self
    }

    /// These options with `spec`'s limit overrides applied.
    fn for_spec(&self, spec: &ArraySpec) -> ReadOptions {
        ReadOptions {
            limits: spec.limits_over(&self.limits),
            allow_nan: self.allow_nan,
        }
    }

    fn check_len(&self, len: usize) -> Result<()> {
        if to_u64(len) > self.limits.max_input_bytes {
            return Err(Error::limit(
                LimitKind::InputBytes,
                self.limits.max_input_bytes,
                len,
            ));
        }
        Ok(())
    }

    /// Reads a typed array from a string. See [`from_str`].
    ///
    /// # Errors
    ///
    /// As [`from_str`].
    pub fn read_str<T: JsonValue>(&self, text: &str, spec: &ArraySpec) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        this.check_len(text.len())?;
        read::read_array(SliceSource::new(text), spec, &this.limits, this.allow_nan)
    }

    /// Reads a typed array from bytes. See [`from_slice`].
    ///
    /// # Errors
    ///
    /// As [`from_str`].
    pub fn read_slice<T: JsonValue>(&self, bytes: &[u8], spec: &ArraySpec) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        this.check_len(bytes.len())?;
        read::read_array(
            SliceSource::from_bytes(bytes),
            spec,
            &this.limits,
            this.allow_nan,
        )
    }

    /// Reads a typed array from a reader. See [`from_reader`].
    ///
    /// # Errors
    ///
    /// As [`from_reader`].
    pub fn read_reader<T: JsonValue, R: Read>(
        &self,
        reader: R,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        let source = ReaderSource::new(reader, this.limits.max_input_bytes)?;
        read::read_array(source, spec, &this.limits, this.allow_nan)
    }

    /// Reads an array of `dtype` from a string.
    ///
    /// # Errors
    ///
    /// As [`from_str`].
    pub fn read_str_dyn(&self, text: &str, dtype: DType, spec: &ArraySpec) -> Result<DynArray> {
        by_dtype!(dtype, T => Ok(self.read_str::<T>(text, spec)?.into()))
    }

    /// Reads an array of `dtype` from bytes.
    ///
    /// # Errors
    ///
    /// As [`from_str`].
    pub fn read_slice_dyn(&self, bytes: &[u8], dtype: DType, spec: &ArraySpec) -> Result<DynArray> {
        by_dtype!(dtype, T => Ok(self.read_slice::<T>(bytes, spec)?.into()))
    }

    /// Reads an array of `dtype` from a reader.
    ///
    /// # Errors
    ///
    /// As [`from_reader`].
    pub fn read_reader_dyn<R: Read>(
        &self,
        reader: R,
        dtype: DType,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        by_dtype!(dtype, T => Ok(self.read_reader::<T, R>(reader, spec)?.into()))
    }

    /// Reads an envelope `{"dtype": ..., "shape": ..., "data": ...}` from a string into a
    /// typed array (see the [module docs](self) for its rules).
    ///
    /// # Errors
    ///
    /// [`Error::Envelope`] for a malformed envelope (missing, unknown
    /// or repeated keys, `data` before `dtype` or `shape`, base64 data of the wrong length);
    /// dtype errors ([`Error::InvalidDescr`] and friends);
    /// [`Error::DTypeMismatch`] when the envelope's dtype is not
    /// `T`'s or not the spec's; the errors of [`from_str`] for list data.
    pub fn read_envelope_str<T: JsonValue>(
        &self,
        text: &str,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        self.read_envelope_str_dyn_as(text, spec, Some(T::DTYPE))?
            .into_typed()
    }

    /// Reads an envelope from bytes into a typed array.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_envelope_str`].
    pub fn read_envelope_slice<T: JsonValue>(
        &self,
        bytes: &[u8],
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        this.check_len(bytes.len())?;
        envelope::read_envelope(
            SliceSource::from_bytes(bytes),
            spec,
            &this.limits,
            this.allow_nan,
            Some(T::DTYPE),
        )?
        .into_typed()
    }

    /// Reads an envelope from a reader into a typed array.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_envelope_str`], plus [`Error::Io`].
    pub fn read_envelope_reader<T: JsonValue, R: Read>(
        &self,
        reader: R,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        let source = ReaderSource::new(reader, this.limits.max_input_bytes)?;
        envelope::read_envelope(source, spec, &this.limits, this.allow_nan, Some(T::DTYPE))?
            .into_typed()
    }

    /// Reads an envelope from a string into an array of the dtype it declares (which the spec
    /// must allow).
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_envelope_str`].
    pub fn read_envelope_str_dyn(&self, text: &str, spec: &ArraySpec) -> Result<DynArray> {
        self.read_envelope_str_dyn_as(text, spec, None)
    }

    /// Reads an envelope from bytes into an array of the dtype it declares.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_envelope_str`].
    pub fn read_envelope_slice_dyn(&self, bytes: &[u8], spec: &ArraySpec) -> Result<DynArray> {
        let this = self.for_spec(spec);
        this.check_len(bytes.len())?;
        envelope::read_envelope(
            SliceSource::from_bytes(bytes),
            spec,
            &this.limits,
            this.allow_nan,
            None,
        )
    }

    /// Reads an envelope from a reader into an array of the dtype it declares.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_envelope_reader`].
    pub fn read_envelope_reader_dyn<R: Read>(
        &self,
        reader: R,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let source = ReaderSource::new(reader, this.limits.max_input_bytes)?;
        envelope::read_envelope(source, spec, &this.limits, this.allow_nan, None)
    }

    fn read_envelope_str_dyn_as(
        &self,
        text: &str,
        spec: &ArraySpec,
        want: Option<DType>,
    ) -> Result<DynArray> {
        let this = self.for_spec(spec);
        this.check_len(text.len())?;
        envelope::read_envelope(
            SliceSource::new(text),
            spec,
            &this.limits,
            this.allow_nan,
            want,
        )
    }

    /// A serde seed for `T` with these options. See [`ArraySeed`].
    pub fn seed<'a, T: JsonValue>(&self, spec: &'a ArraySpec) -> ArraySeed<'a, T> {
        ArraySeed::new(spec)
            .limits(self.limits.clone())
            .allow_nan(self.allow_nan)
    }

    /// A serde seed for `dtype` with these options. See [`DynSeed`].
    pub fn dyn_seed<'a>(&self, dtype: DType, spec: &'a ArraySpec) -> DynSeed<'a> {
        DynSeed::new(dtype, spec)
            .limits(self.limits.clone())
            .allow_nan(self.allow_nan)
    }
}
