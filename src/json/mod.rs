//! JSON arrays: nested arrays of numbers or booleans, read in one pass straight into a flat
//! typed buffer, and written back.
//!
//! Which function to call:
//!
//! | input | typed, default limits | any dtype, envelopes, other options |
//! | --- | --- | --- |
//! | `&str` | [`from_str`] → [`Array`] | [`ReadOptions::read_str`] |
//! | `&[u8]` | [`from_slice`] → [`Array`] | [`ReadOptions::read_slice`] |
//! | `impl Read` | [`from_reader`] → [`Array`] | [`ReadOptions::read_reader`] |
//! | inside a serde format or a request struct | | [`ReadOptions::seed`] → [`ArraySeed`] |
//! | writing | [`to_writer`], [`write_array`] | [`to_writer_with_options`] |
//!
//! The options' readers take the output as a type parameter ([`Target`]):
//! `read_str::<f32>` gives an `Array<f32>`, `read_str::<DynArray>` a
//! [`DynArray`]: of the dtype an envelope declares, or, for nested arrays
//! (which carry no dtype), of the one dtype the spec allows. An envelope
//! `{"dtype", "shape", "data"}` is read with [`ReadOptions::form`] set to [`Form::Envelope`],
//! or [`Form::Detect`] to accept both forms.
//!
//! # What is read
//!
//! - **Nested arrays.** Each level of nesting is one axis, in C order. The shape is learnt
//!   from the first path (the first array closed at each depth) and enforced on every later
//!   row: a row of another length, a scalar where an array belongs or the reverse is
//!   [`ErrorKind::Ragged`], naming the index path (`[3][1]`) and the line and column. `[]` is
//!   shape `(0,)`, `[[]]` is `(1, 0)`, a bare number is a 0-d array. JSON cannot write shape
//!   `(0, 3)` (NumPy reads `[]` as `(0,)` too); use an envelope for it.
//! - **Elements.** Integers must be written as integers (no fraction, no exponent: `1.0`,
//!   `1.5` and `1e2` are [`ErrorKind::NotAnInteger`] for integer dtypes) and fit the type exactly
//!   ([`ErrorKind::NumberOutOfRange`]; `-0` is 0). Booleans are `true`/`false` only: numbers are
//!   not booleans and booleans are not numbers ([`ErrorKind::UnexpectedToken`]). Floats are
//!   correctly rounded from the decimal text (round to nearest, ties to even), `f16` included
//!   (see below); finite text that rounds to infinity is out of range. `NaN`, `Infinity` and
//!   `-Infinity` (which Python's `json.dumps` writes) are refused unless
//!   [`ReadOptions::allow_nan`]. A complex element is a pair `[re, im]`, as the writer writes
//!   it.
//! - **Envelopes.** `{"dtype": "<f4", "shape": [2, 3], "order": "C", "data": ...}`: `dtype` is
//!   a NumPy type string or any spelling [`DType::parse_any`](crate::DType::parse_any) takes
//!   (a name or a short code means little-endian); `shape` is checked against the
//!   spec and the limits before `data` is read, so `dtype` and `shape` (and `order`) must come
//!   first. `data` is nested arrays matching `shape`, one flat array of all the elements (in
//!   `order`), or a base64 string (standard alphabet, padded) of the raw bytes in the type
//!   string's byte order and in `order`, whose length is checked against the declared size as
//!   it is decoded. Unknown and repeated keys are [`ErrorKind::Envelope`].
//! - **Spec.** The caller's limits apply with the spec's own overrides on top
//!   ([`ArraySpec::limits_over`]). Once the whole array is read and its shape checked, its
//!   elements are checked against the spec's value constraints ([`ArraySpec::values`],
//!   [`ErrorKind::Values`]): `NaN` and infinities get past the reader only with
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
//! - a number token longer than [`MAX_NUMBER_LEN`] bytes ([`ErrorKind::NumberTooLong`]), before
//!   its end is looked for.
//!
//! # Positions
//!
//! Errors carry a [`JsonPosition`] in their [`Location`](crate::Location): the index path,
//! the line and the column (both from 1; columns count bytes) and the byte offset (from 0).
//! Spec and limit errors found at a place in the text are the same kinds as from any other
//! front-end ([`ErrorKind::ShapeMismatch`], [`ErrorKind::LimitExceeded`]), with the position
//! beside them ([`Error::json_position`]).
//!
//! [`Array`]: crate::Array
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
//! # Buffering
//!
//! Readers are read 8 KiB at a time into a window of at most about 16 KiB,
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
mod parallel;
mod read;
mod scan;
mod seed;
mod source;
mod write;

pub use crate::error::{JsonItem, JsonPosition, JsonToken};
pub use scan::MAX_NUMBER_LEN;
pub use seed::ArraySeed;
pub use write::{to_writer, to_writer_with_options, write_array, JsonValue, WriteOptions};

use std::io::Read;

use crate::array::{Array, DynArray};
use crate::dtype::{by_dtype, DType, Element};
use crate::error::{Error, ErrorKind, LimitKind, Result};
use crate::limits::Limits;
use crate::options::Core;
use crate::parallel::Threads;
use crate::spec::{ArraySpec, Bindings};
use crate::target::Target;
use crate::util::to_u64;

use scan::Scanner;
use source::{ReaderSource, SliceSource, Source};

/// Reads nested JSON arrays (or a bare number or boolean) from a string into a typed array,
/// with default limits.
///
/// # Errors
///
/// [`ErrorKind::JsonSyntax`] for text that is not JSON;
/// [`ErrorKind::Ragged`]; element errors
/// ([`ErrorKind::NotAnInteger`],
/// [`ErrorKind::NumberOutOfRange`],
/// [`ErrorKind::UnexpectedToken`],
/// [`ErrorKind::NumberTooLong`]); spec errors
/// ([`ErrorKind::DTypeMismatch`] when the spec does not allow `T`,
/// [`ErrorKind::NdimMismatch`],
/// [`ErrorKind::ShapeMismatch`],
/// [`ErrorKind::OrderMismatch`]) and
/// [`ErrorKind::LimitExceeded`], the ones found at a place in the text with its
/// [`JsonPosition`]; [`ErrorKind::Values`] when elements break the spec's value constraints.
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
pub fn from_str<T: Element>(text: &str, spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_str::<T>(text, spec)
}

/// Reads nested JSON arrays from bytes (UTF-8 JSON text) into a typed array, with default
/// limits.
///
/// # Errors
///
/// As [`from_str`].
pub fn from_slice<T: Element>(bytes: &[u8], spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_slice::<T>(bytes, spec)
}

/// Reads nested JSON arrays from a reader into a typed array, with default limits.
///
/// At most [`Limits::max_input_bytes`](crate::Limits::max_input_bytes) bytes are read; the
/// reader must end after the value (whitespace aside).
///
/// # Errors
///
/// As [`from_str`], plus [`ErrorKind::Io`].
pub fn from_reader<T: Element, R: Read>(reader: R, spec: &ArraySpec) -> Result<Array<T>> {
    ReadOptions::new().read_reader::<T, R>(reader, spec)
}

/// Which JSON form a reader accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Form {
    /// Nested arrays (or a bare scalar): the element type comes from the caller (the target
    /// type, or the spec's one dtype for a [`DynArray`]). The default.
    #[default]
    Nested,
    /// An envelope `{"dtype": ..., "shape": ..., "data": ...}` that declares its dtype, shape
    /// and order (see the [module docs](self)).
    Envelope,
    /// An envelope when the text's first value is an object (`{`), nested arrays otherwise.
    Detect,
}

/// Options for reading JSON: limits, whether `NaN` and infinities are accepted, the form
/// (nested arrays or an envelope) and the memory order of the output. Every read of the
/// format goes through it; the free functions ([`from_str`] and friends) are its defaults.
///
/// The type parameter of the readers picks the output ([`Target`]): an element type `T` gives
/// `Array<T>`; [`DynArray`] gives the dtype an envelope declares or, for nested arrays, the
/// one dtype the spec allows. A spec's own limit overrides ([`ArraySpec::with_limits`]) apply
/// on top of these limits.
///
/// ```
/// use arrayguard::{json, ArraySpec, DType, DynArray, Limits};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let mut limits = Limits::default();
/// limits.max_elements = 1000;
/// let options = json::ReadOptions::new().limits(limits).allow_nan(true);
/// let array = options.read_str::<DynArray>("[1.5, NaN]", &ArraySpec::new(DType::F64))?;
/// assert_eq!(array.shape().dims(), &[2]);
///
/// let text = r#"{"dtype": "<i2", "shape": [2], "data": "AQACAA=="}"#;
/// let envelopes = options.form(json::Form::Envelope);
/// let array = envelopes.read_str::<i16>(text, &ArraySpec::any())?;
/// assert_eq!(array.as_slice(), &[1, 2]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    core: Core,
    allow_nan: bool,
    form: Form,
    /// The fewest bytes of text per thread (`None`: [`parallel::MIN_RANGE_BYTES`]).
    parallel_min_bytes: Option<usize>,
}

impl ReadOptions {
    /// Default limits; `NaN` and infinities refused; nested arrays; arrays keep their order.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's limit overrides, if any,
    /// win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.core.limits = limits;
        self
    }

    /// Accepts the tokens `NaN`, `Infinity` and `-Infinity` (not JSON, but what Python's
    /// `json.dumps` writes) for float and complex dtypes, and NaN and infinite values from a
    /// serde deserializer ([`ReadOptions::seed`]). Defaults to `false`.
    pub fn allow_nan(mut self, allow: bool) -> Self {
        self.allow_nan = allow;
        self
    }

    /// Sets the form of the text. Defaults to [`Form::Nested`].
    pub fn form(mut self, form: Form) -> Self {
        self.form = form;
        self
    }

    /// Delivers arrays in C (row-major) order: an envelope with `"order": "F"` is converted
    /// after it is read (nested arrays are always in C order). Defaults to `false`.
    pub fn c_order(mut self, c_order: bool) -> Self {
        self.core.c_order = c_order;
        self
    }

    /// Caps the threads a large text of nested arrays in memory (`read_str`, `read_slice`)
    /// is read on. A text of at least 512 KiB is cut into ranges of at least 256 KiB just
    /// after commas; the commas tell where each range's elements go in the output, which is
    /// allocated once, and each range is parsed and converted on its own scoped thread. The
    /// shape, the spec and the limits are then checked for the whole text, in order. When
    /// anything is unusual (an error, an empty array, a text beyond the limits) the text is
    /// read again on the caller's thread, so results and errors are always those of a read
    /// on one thread. Envelopes, complex dtypes and readers are read on the caller's thread.
    /// `0` (the default) means the processors available to the process
    /// ([`std::thread::available_parallelism`]), at most 8; `1` reads every text on the
    /// caller's thread.
    ///
    /// ```
    /// use arrayguard::{json, ArraySpec};
    ///
    /// let one_thread = json::ReadOptions::new().threads(1);
    /// let array = one_thread.read_str::<f64>("[[1, 2], [3, 4]]", &ArraySpec::any())?;
    /// assert_eq!(array.shape().dims(), &[2, 2]);
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.core.set_threads(threads);
        self
    }

    /// Sets the fewest bytes of text each thread gets (at least 1), for tests that put range
    /// boundaries anywhere in small texts. Defaults to 256 KiB.
    #[doc(hidden)]
    pub fn parallel_min_bytes(mut self, bytes: usize) -> Self {
        self.parallel_min_bytes = Some(bytes.max(1));
        self
    }

    /// Reads an array from a string. See [`from_str`].
    ///
    /// # Errors
    ///
    /// As [`from_str`]; for an envelope, [`ErrorKind::Envelope`] when it is malformed (a missing,
    /// unknown or repeated key, `data` before `dtype` or `shape`, base64 data of the wrong
    /// length), dtype errors ([`ErrorKind::InvalidDescr`] and friends), and
    /// [`ErrorKind::DTypeMismatch`] when its dtype is not the target's or the spec's;
    /// [`ErrorKind::InvalidSpec`] when nested arrays are read into a [`DynArray`] with a spec
    /// that does not name exactly one dtype.
    pub fn read_str<O: Target>(&self, text: &str, spec: &ArraySpec) -> Result<O::Owned> {
        self.read_text::<O>(text.as_bytes(), Some(text), spec, &mut Bindings::new())
    }

    /// Reads an array from bytes (UTF-8 JSON text). See [`ReadOptions::read_str`].
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_str`].
    pub fn read_slice<O: Target>(&self, bytes: &[u8], spec: &ArraySpec) -> Result<O::Owned> {
        self.read_bytes::<O>(bytes, spec, &mut Bindings::new())
    }

    /// Reads an array from a reader. At most
    /// [`Limits::max_input_bytes`](crate::Limits::max_input_bytes) bytes are read; the reader
    /// must end after the value (whitespace aside).
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read_str`], plus [`ErrorKind::Io`].
    pub fn read_reader<O: Target, R: Read>(&self, reader: R, spec: &ArraySpec) -> Result<O::Owned> {
        let limits = self.core.limits_for(spec);
        let source = ReaderSource::new(reader, limits.max_input_bytes)?;
        self.read_source::<O, _>(source, spec, &limits, &mut Bindings::new())
    }

    /// A serde seed that reads an array with these options inside any self-describing serde
    /// format (see [`ArraySeed`]). The form is always nested arrays.
    pub fn seed<'a, O: Target>(&self, spec: &'a ArraySpec) -> ArraySeed<'a, O> {
        ArraySeed::from_options(spec, self.clone())
    }

    /// [`ReadOptions::read_slice`] with named dimensions bound in `bindings` (shared by the
    /// arrays of a bundle).
    pub(crate) fn read_bytes<O: Target>(
        &self,
        bytes: &[u8],
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<O::Owned> {
        self.read_text::<O>(bytes, None, spec, bindings)
    }

    /// Reads a text in memory (`text`: the same bytes, when they are known to be UTF-8),
    /// refused before it is looked at when it exceeds [`Limits::max_input_bytes`]; on several
    /// threads when it is large enough (see [`ReadOptions::threads`]).
    fn read_text<O: Target>(
        &self,
        bytes: &[u8],
        text: Option<&str>,
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<O::Owned> {
        let limits = self.core.limits_for(spec);
        if to_u64(bytes.len()) > limits.max_input_bytes {
            return Err(Error::limit(
                LimitKind::InputBytes,
                limits.max_input_bytes,
                bytes.len(),
            ));
        }
        if let Some(array) = self.read_parallel::<O>(bytes, spec, &limits, bindings)? {
            return self.deliver::<O>(array);
        }
        let source = match text {
            Some(text) => SliceSource::new(text),
            None => SliceSource::from_bytes(bytes),
        };
        self.read_source::<O, _>(source, spec, &limits, bindings)
    }

    /// A text of nested arrays read on several threads, or `None` when it is to be read on
    /// one (see [`ReadOptions::threads`]).
    fn read_parallel<O: Target>(
        &self,
        bytes: &[u8],
        spec: &ArraySpec,
        limits: &Limits,
        bindings: &mut Bindings,
    ) -> Result<Option<DynArray>> {
        let threads = Threads {
            max: self.core.threads.max,
            min_range: self.parallel_min_bytes.unwrap_or(parallel::MIN_RANGE_BYTES),
        };
        // Only a text that starts with `[` (no byte order mark, no envelope), so that the
        // dtype errors below are those a read on one thread reports first.
        if self.form == Form::Envelope
            || threads.for_bytes(bytes.len()) < 2
            || parallel::first_token(bytes) != Some(b'[')
        {
            return Ok(None);
        }
        let dtype = nested_dtype::<O>(spec)?;
        spec.check_dtype(dtype)?;
        let allow_nan = self.allow_nan;
        let read = by_dtype!(dtype, T => parallel::read_array::<T>(bytes, threads, spec, limits, allow_nan, bindings)
            .map(|r| r.map(DynArray::from)));
        read.transpose()
    }

    fn read_source<O: Target, S: Source>(
        &self,
        source: S,
        spec: &ArraySpec,
        limits: &Limits,
        bindings: &mut Bindings,
    ) -> Result<O::Owned> {
        let mut scan = Scanner::new(source);
        if self.form != Form::Nested {
            read::refuse_bom(&mut scan, limits)?;
        }
        let envelope = match self.form {
            Form::Nested => false,
            Form::Envelope => true,
            Form::Detect => scan.peek()? == Some(b'{'),
        };
        let array = if envelope {
            let requested = O::requested();
            envelope::read_envelope(scan, spec, limits, self.allow_nan, requested, bindings)?
        } else {
            // The dtype is checked before the text is looked at.
            let dtype = nested_dtype::<O>(spec)?;
            spec.check_dtype(dtype)?;
            if self.form == Form::Nested {
                read::refuse_bom(&mut scan, limits)?;
            }
            let allow_nan = self.allow_nan;
            by_dtype!(dtype, T => read::read_array::<T, S>(scan, spec, limits, allow_nan, bindings)?.into())
        };
        self.deliver::<O>(array)
    }

    /// The output from an array read and checked: in C order when asked.
    fn deliver<O: Target>(&self, array: DynArray) -> Result<O::Owned> {
        let array = if self.core.c_order {
            array.into_c_order()
        } else {
            array
        };
        O::from_dyn(array)
    }
}

/// The dtype nested arrays are read as: the target's, or for a [`DynArray`] the one dtype the
/// spec allows (nested arrays carry none of their own).
fn nested_dtype<O: Target>(spec: &ArraySpec) -> Result<DType> {
    if let Some(dtype) = O::requested() {
        return Ok(dtype);
    }
    match spec.dtypes() {
        Some([dtype]) => Ok(*dtype),
        _ => Err(Error::from(ErrorKind::InvalidSpec {
            location: "dtype".into(),
            reason: "a nested JSON array carries no dtype: check it with a spec naming exactly one (or use an envelope)".into()})),
    }
}
