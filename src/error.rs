//! The crate's error type.
//!
//! Every failure is one variant of [`Error`], with named fields that say what was expected and
//! what was found, and a stable machine-readable [`Error::code`]. Variants are grouped by who is
//! at fault ([`Fault`]): the input bytes, the input measured against the caller's spec, a
//! resource limit, or the environment (I/O).
//!
//! Byte offsets count from 0 at the first byte of the input (for `.npy`, the first byte of the
//! magic string). Errors in JSON text carry a [`JsonPosition`]: the index path of the value
//! (`[3][1]`), its line and column (both from 1; columns count bytes) and its byte offset.

use std::fmt;
use std::io;

use crate::dtype::DType;

/// `Result` with [`Error`] as its error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who is at fault for an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// The input bytes are malformed or hostile, whatever the spec says.
    Input,
    /// The input is well formed but does not satisfy the caller's [`ArraySpec`](crate::ArraySpec).
    Spec,
    /// The input asks for more than the [`Limits`](crate::Limits) allow.
    Limit,
    /// Reading the input failed for reasons outside it.
    Io,
    /// The caller used the API inconsistently (for example took a [`DynArray`](crate::DynArray)
    /// of `f64` as `f32`, or gave an array constructor the wrong number of elements).
    Usage,
    /// A spec or configuration (a spec file, `arrayguard.toml`) is invalid or inconsistent.
    Config,
}

/// Which value constraint elements broke; see [`Error::Values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ValueKind {
    /// NaN where the spec forbids it.
    Nan,
    /// ±infinity where the spec forbids it.
    Infinite,
    /// Below `min` or not above `exclusive_min`.
    BelowMin,
    /// Above `max` or not below `exclusive_max`.
    AboveMax,
    /// Not one of the spec's `enum` values.
    NotInEnum,
}

/// The details of a value constraint violation ([`Error::Values`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ValueViolation {
    /// The kind of the first violation found; the report is about this kind.
    pub kind: ValueKind,
    /// The constraint broken, as written in a spec (`min = 0`, `nan = false`).
    pub constraint: String,
    /// How many elements break any value constraint.
    pub count: u64,
    /// The logical indices and values of the first few elements of `kind` (at most 5).
    pub first: Vec<(Vec<usize>, String)>,
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueKind::Nan => "NaN",
            ValueKind::Infinite => "infinite value",
            ValueKind::BelowMin => "value below the minimum",
            ValueKind::AboveMax => "value above the maximum",
            ValueKind::NotInEnum => "value not in the allowed set",
        })
    }
}

impl fmt::Display for ValueViolation {
    /// `2 elements violate `min = 0` (first: value below the minimum): [0, 1] = -1.0, [3, 2] =
    /// -5.0`: the message of [`Error::Values`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (noun, verb) = if self.count == 1 {
            ("", "s")
        } else {
            ("s", "")
        };
        write!(
            f,
            "{} element{noun} violate{verb} `{}` (first: {}): ",
            self.count, self.constraint, self.kind
        )?;
        for (i, (index, value)) in self.first.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str("[")?;
            for (axis, n) in index.iter().enumerate() {
                if axis > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{n}")?;
            }
            write!(f, "] = {value}")?;
        }
        Ok(())
    }
}

/// The details of a named dimension bound to two sizes ([`Error::NamedDimMismatch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedDim {
    /// The dimension's name.
    pub name: String,
    /// The size (or, for a variadic name, the sizes) bound first.
    pub expected: String,
    /// The size found here.
    pub found: String,
}

/// Which resource limit an input exceeded; see [`Limits`](crate::Limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LimitKind {
    /// Payload bytes ([`Limits::max_bytes`](crate::Limits::max_bytes)).
    Bytes,
    /// Element count ([`Limits::max_elements`](crate::Limits::max_elements)).
    Elements,
    /// Number of dimensions ([`Limits::max_ndim`](crate::Limits::max_ndim)).
    Ndim,
    /// `.npy` header length ([`Limits::max_header_bytes`](crate::Limits::max_header_bytes)).
    HeaderBytes,
    /// JSON nesting depth ([`Limits::max_depth`](crate::Limits::max_depth)).
    Depth,
    /// Whole input size ([`Limits::max_input_bytes`](crate::Limits::max_input_bytes)).
    InputBytes,
}

impl LimitKind {
    /// The field of [`Limits`](crate::Limits) this kind refers to, e.g. `max_bytes`.
    pub fn field(self) -> &'static str {
        match self {
            LimitKind::Bytes => "max_bytes",
            LimitKind::Elements => "max_elements",
            LimitKind::Ndim => "max_ndim",
            LimitKind::HeaderBytes => "max_header_bytes",
            LimitKind::Depth => "max_depth",
            LimitKind::InputBytes => "max_input_bytes",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// Everything that can go wrong while reading or validating an array.
///
/// Messages are lowercase and say "expected X, found Y". Use [`Error::code`] for a stable
/// identifier (the message wording may improve between releases; codes do not change).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- input malformed -------------------------------------------------------------------
    /// The input does not start with the `.npy` magic string `\x93NUMPY`.
    #[error("not a .npy file: expected magic `\\x93NUMPY`, found {found:?}")]
    BadMagic {
        /// The first bytes of the input (at most 6), escaped.
        found: Box<str>,
    },
    /// The `.npy` version is not 1.0, 2.0 or 3.0.
    #[error("unsupported .npy version {major}.{minor}: expected 1.0, 2.0 or 3.0")]
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The `.npy` header text is malformed.
    #[error("invalid .npy header at byte {offset}: {reason}")]
    InvalidHeader {
        /// Byte offset of the problem.
        offset: u64,
        /// What was expected and what was found.
        reason: Box<str>,
    },
    /// A dtype descriptor is not a valid, unambiguous type string.
    #[error("invalid dtype `{descr}`: {reason}")]
    InvalidDescr {
        /// The descriptor as written in the input (truncated to 200 bytes).
        descr: Box<str>,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A valid NumPy dtype that arrayguard does not read (structured, strings, datetimes, ...).
    #[error("unsupported dtype `{descr}`: only bool, integer, float and complex dtypes are read")]
    UnsupportedDtype {
        /// The descriptor as written in the input (truncated to 200 bytes).
        descr: Box<str>,
    },
    /// The dtype contains Python objects, whose payload is a pickle; never loaded.
    #[error("object dtype in `{descr}`: the payload would be a pickle, which is never loaded")]
    PickleNotAllowed {
        /// The descriptor as written in the input (truncated to 200 bytes).
        descr: Box<str>,
    },
    /// The declared shape's element or byte count overflows.
    #[error("shape overflows: {what} do not fit in {bits} bits")]
    ShapeOverflow {
        /// What overflowed (`elements` or `bytes`).
        what: &'static str,
        /// The width that was exceeded.
        bits: u32,
    },
    /// The input ends before the declared payload does.
    #[error("truncated data at byte {offset}: expected {expected} payload bytes, found {found}")]
    TruncatedData {
        /// Byte offset where the payload starts.
        offset: u64,
        /// Payload bytes the header declares.
        expected: u64,
        /// Payload bytes actually present.
        found: u64,
    },
    /// The input continues after the declared payload.
    #[error(
        "trailing data at byte {offset}: expected the input to end after {expected} payload bytes"
    )]
    TrailingData {
        /// Byte offset of the first byte after the payload.
        offset: u64,
        /// Payload bytes the header declares.
        expected: u64,
    },
    /// A byte count does not fit a layout: with an inferred axis, the length is not a whole
    /// number of steps of that axis.
    #[error("length mismatch: {found} bytes do not fit shape {shape}: expected a multiple of {unit} bytes")]
    LengthMismatch {
        /// Bytes present.
        found: u64,
        /// Bytes per step of the inferred axis (item size × the fixed axes; 0 when a fixed
        /// axis is 0, and then only an empty input fits).
        unit: u64,
        /// The layout's shape, as text (`?` marks the inferred axis).
        shape: Box<str>,
    },
    /// A boolean element is neither 0 nor 1.
    #[error("invalid bool at element {index} (byte {offset}): expected 0 or 1, found {value}")]
    InvalidBool {
        /// Flat element index (in storage order).
        index: u64,
        /// Byte offset of the element in the input.
        offset: u64,
        /// The byte found.
        value: u8,
    },

    /// A value of the input cannot be represented in the output format (NaN or infinity in
    /// strict JSON, for instance).
    #[error("not representable: {reason}")]
    NotRepresentable {
        /// What could not be written.
        reason: Box<str>,
    },

    /// The input is not JSON, or not the JSON that arrays are written in: a bad token or
    /// number, a missing `,` or `]`, a byte order mark, text after the value.
    #[error("invalid JSON at {position}: {reason}")]
    JsonSyntax {
        /// Where the problem was found.
        position: Box<JsonPosition>,
        /// What was expected and what was found.
        reason: Box<str>,
    },
    /// Nested JSON arrays that disagree with the shape learnt from the first path (or declared
    /// by an envelope): a row of another length, a scalar where an array belongs, or the
    /// reverse.
    #[error("ragged array at {position}: expected {expected}, found {found}")]
    Ragged {
        /// The index path of the offending row or element.
        position: Box<JsonPosition>,
        /// What the shape requires there.
        expected: JsonItem,
        /// What the input holds there (reading stops at the first element beyond the
        /// expected length, hence [`JsonItem::LongerArray`]).
        found: JsonItem,
    },
    /// A JSON value of the wrong kind where an element belongs: `true` for a number, a number
    /// for a boolean, a string, an object, `null`, or `NaN`/`Infinity` without permission.
    #[error("unexpected value at {position}: expected {expected}, found {found}")]
    UnexpectedToken {
        /// Where the value starts.
        position: Box<JsonPosition>,
        /// What the dtype takes there.
        expected: &'static str,
        /// What the input holds.
        found: JsonToken,
    },
    /// A JSON number outside the range of the dtype (for floats: finite text that would round
    /// to infinity).
    #[error("number out of range at {position}: `{number}` does not fit in `{dtype}`")]
    NumberOutOfRange {
        /// Where the number starts.
        position: Box<JsonPosition>,
        /// The target dtype.
        dtype: DType,
        /// The number as written (at most 40 bytes of it).
        number: Box<str>,
    },
    /// A JSON number with a fraction or an exponent (`1.5`, `1.0`, `1e2`) where an integer
    /// dtype needs an integer.
    #[error("not an integer at {position}: `{dtype}` takes integers written without fraction or exponent, found `{number}`")]
    NotAnInteger {
        /// Where the number starts.
        position: Box<JsonPosition>,
        /// The target integer dtype.
        dtype: DType,
        /// The number as written (at most 40 bytes of it).
        number: Box<str>,
    },
    /// A JSON number token longer than the reader accepts (see
    /// [`json::MAX_NUMBER_LEN`](crate::json::MAX_NUMBER_LEN)).
    #[error("number too long at {position}: expected at most {max} bytes")]
    NumberTooLong {
        /// Where the number starts.
        position: Box<JsonPosition>,
        /// The longest number token accepted, in bytes.
        max: u64,
    },
    /// A JSON array envelope (`{"dtype": ..., "shape": ..., "data": ...}`) that is malformed:
    /// a missing, unknown or repeated key, a value of the wrong type, `data` before `dtype`
    /// or `shape`, or base64 data of the wrong length.
    #[error("invalid array envelope at {position}: {reason}")]
    Envelope {
        /// Where the problem was found.
        position: Box<JsonPosition>,
        /// What was expected and what was found.
        reason: Box<str>,
    },

    // ---- input vs spec ---------------------------------------------------------------------
    /// The input's dtype is not one the spec allows.
    #[error("dtype mismatch: expected {expected}, found `{found}`")]
    DTypeMismatch {
        /// The allowed dtypes, as text.
        expected: Box<str>,
        /// The input's dtype.
        found: DType,
    },
    /// The input's byte order is not the one the spec requires.
    #[error("byte order mismatch: expected {expected}, found {found}")]
    ByteOrderMismatch {
        /// The required byte order.
        expected: &'static str,
        /// The input's byte order.
        found: &'static str,
    },
    /// The input's memory order (C or Fortran) is not the one the spec requires.
    #[error("order mismatch: expected {expected} order, found {found} order")]
    OrderMismatch {
        /// The required order.
        expected: &'static str,
        /// The input's order.
        found: &'static str,
    },
    /// The input has the wrong number of dimensions.
    #[error("ndim mismatch: expected {expected} dimensions, found {found}")]
    NdimMismatch {
        /// The allowed number of dimensions, as text (`3` or `at least 2`).
        expected: Box<str>,
        /// The input's number of dimensions.
        found: u64,
    },
    /// One axis has the wrong size.
    #[error("shape mismatch on axis {axis}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// The axis (0-based).
        axis: u32,
        /// The allowed sizes, as text (`3`, `1..=64`).
        expected: Box<str>,
        /// The input's size on that axis.
        found: u64,
    },

    /// A named dimension has another size than where it was bound.
    #[error("dimension `{}` on axis {axis}: expected {} (bound earlier), found {}", detail.name, detail.expected, detail.found)]
    NamedDimMismatch {
        /// The axis (0-based) of the array being checked.
        axis: u32,
        /// The name and both sizes.
        detail: Box<NamedDim>,
    },
    /// Elements break the spec's value constraints.
    #[error("{violation}")]
    Values {
        /// The kind, constraint, count and first offending elements.
        violation: Box<ValueViolation>,
    },
    /// A bundle spec names an array the input does not provide.
    #[error("missing array `{array}`: the spec requires it")]
    MissingArray {
        /// The array's name in the spec.
        array: Box<str>,
    },
    /// An input array has a name the bundle spec does not know.
    #[error("unknown array `{array}`: the spec has no array of that name")]
    UnknownArray {
        /// The name given.
        array: Box<str>,
    },
    /// An error found while checking one array of a bundle.
    #[error("array `{array}`: {error}")]
    InArray {
        /// The array's name.
        array: Box<str>,
        /// The error.
        error: Box<Error>,
    },

    // ---- policy ----------------------------------------------------------------------------
    /// The input asks for more than a limit allows. Checked before allocating.
    #[error("limit exceeded: {kind} is {limit}, input needs {requested}")]
    LimitExceeded {
        /// Which limit.
        kind: LimitKind,
        /// The limit in force.
        limit: u64,
        /// What the input declared or needed (saturating at `u64::MAX`).
        requested: u64,
    },
    /// A buffer could not be allocated although it was within the limits.
    #[error("out of memory: could not allocate {bytes} bytes")]
    OutOfMemory {
        /// The allocation size that failed.
        bytes: u64,
    },

    // ---- configuration ---------------------------------------------------------------------
    /// A spec (or configuration) is invalid: unknown keys, contradictions, unknown names.
    #[error("invalid spec at {location}: {reason}")]
    InvalidSpec {
        /// Where in the spec: a path such as `arrays.X.shape`, or `line 3, column 7`.
        location: Box<str>,
        /// What is wrong.
        reason: Box<str>,
    },

    // ---- environment -----------------------------------------------------------------------
    /// Reading or writing failed.
    #[error("i/o error: {source}")]
    Io {
        /// The underlying error.
        #[from]
        source: io::Error,
    },

    // ---- usage -----------------------------------------------------------------------------
    /// A raw layout is inconsistent (two inferred axes, an unknown platform).
    #[error("invalid layout `{layout}`: {reason}")]
    InvalidLayout {
        /// The layout part at fault, as text.
        layout: Box<str>,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Elements handed to an array constructor do not match its shape.
    #[error("element count mismatch: shape {shape} holds {expected} elements, found {found}")]
    ElementCount {
        /// The shape, as text.
        shape: Box<str>,
        /// Elements the shape holds.
        expected: u64,
        /// Elements given.
        found: u64,
    },
    /// The requested element type differs from the array's dtype.
    #[error("type mismatch: the array is `{found}` but `{expected}` was requested")]
    TypeMismatch {
        /// The dtype of the requested Rust type.
        expected: DType,
        /// The array's dtype.
        found: DType,
    },

    // ---- located -----------------------------------------------------------------------------
    /// Another error (a spec mismatch, a limit, an invalid dtype) found at a place in a JSON
    /// text, for instance the element beyond a spec's axis length. [`Error::code`],
    /// [`Error::fault`] and [`Error::is_limit`] answer for the inner error;
    /// [`Error::json_position`] gives the place and [`Error::located`] the inner error.
    #[error("{error}, at {position}")]
    AtJson {
        /// Where the error was found.
        position: Box<JsonPosition>,
        /// The error.
        error: Box<Error>,
    },
}

impl Error {
    /// A stable identifier for the error, such as `npy.header_too_large` or `data.truncated`.
    ///
    /// Codes are part of the public contract (CLI reports, logs, tests) and never change
    /// meaning once released.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadMagic { .. } => "npy.bad_magic",
            Error::UnsupportedVersion { .. } => "npy.unsupported_version",
            Error::InvalidHeader { .. } => "npy.invalid_header",
            Error::InvalidDescr { .. } => "dtype.invalid",
            Error::UnsupportedDtype { .. } => "dtype.unsupported",
            Error::PickleNotAllowed { .. } => "dtype.pickle_not_allowed",
            Error::ShapeOverflow { .. } => "shape.overflow",
            Error::TruncatedData { .. } => "data.truncated",
            Error::TrailingData { .. } => "data.trailing",
            Error::LengthMismatch { .. } => "data.length_mismatch",
            Error::InvalidBool { .. } => "data.invalid_bool",
            Error::DTypeMismatch { .. } => "spec.dtype",
            Error::ByteOrderMismatch { .. } => "spec.byte_order",
            Error::OrderMismatch { .. } => "spec.order",
            Error::NdimMismatch { .. } => "spec.ndim",
            Error::ShapeMismatch { .. } => "spec.shape",
            Error::LimitExceeded { kind, .. } => match kind {
                LimitKind::Bytes => "limit.bytes",
                LimitKind::Elements => "limit.elements",
                LimitKind::Ndim => "limit.ndim",
                LimitKind::HeaderBytes => "npy.header_too_large",
                LimitKind::Depth => "limit.depth",
                LimitKind::InputBytes => "limit.input_bytes",
            },
            Error::OutOfMemory { .. } => "limit.out_of_memory",
            Error::Io { .. } => "io",
            Error::TypeMismatch { .. } => "usage.type_mismatch",
            Error::InvalidLayout { .. } => "usage.invalid_layout",
            Error::ElementCount { .. } => "usage.element_count",
            Error::NotRepresentable { .. } => "data.not_representable",
            Error::JsonSyntax { .. } => "json.syntax",
            Error::Ragged { .. } => "json.ragged",
            Error::UnexpectedToken { .. } => "json.unexpected_token",
            Error::NumberOutOfRange { .. } => "json.number_out_of_range",
            Error::NotAnInteger { .. } => "json.not_an_integer",
            Error::NumberTooLong { .. } => "json.number_too_long",
            Error::Envelope { .. } => "json.envelope",
            Error::AtJson { error, .. } | Error::InArray { error, .. } => error.code(),
            Error::NamedDimMismatch { .. } => "spec.named_dim",
            Error::Values { violation } => match violation.kind {
                ValueKind::Nan => "value.nan",
                ValueKind::Infinite => "value.infinite",
                ValueKind::BelowMin => "value.below_min",
                ValueKind::AboveMax => "value.above_max",
                ValueKind::NotInEnum => "value.not_in_enum",
            },
            Error::MissingArray { .. } => "spec.missing_array",
            Error::UnknownArray { .. } => "spec.unknown_array",
            Error::InvalidSpec { .. } => "config.invalid_spec",
        }
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            Error::BadMagic { .. }
            | Error::UnsupportedVersion { .. }
            | Error::InvalidHeader { .. }
            | Error::InvalidDescr { .. }
            | Error::UnsupportedDtype { .. }
            | Error::PickleNotAllowed { .. }
            | Error::ShapeOverflow { .. }
            | Error::TruncatedData { .. }
            | Error::TrailingData { .. }
            | Error::LengthMismatch { .. }
            | Error::InvalidBool { .. }
            | Error::NotRepresentable { .. }
            | Error::JsonSyntax { .. }
            | Error::Ragged { .. }
            | Error::UnexpectedToken { .. }
            | Error::NumberOutOfRange { .. }
            | Error::NotAnInteger { .. }
            | Error::NumberTooLong { .. }
            | Error::Envelope { .. } => Fault::Input,
            Error::DTypeMismatch { .. }
            | Error::ByteOrderMismatch { .. }
            | Error::OrderMismatch { .. }
            | Error::NdimMismatch { .. }
            | Error::ShapeMismatch { .. } => Fault::Spec,
            Error::LimitExceeded { .. } | Error::OutOfMemory { .. } => Fault::Limit,
            Error::Io { .. } => Fault::Io,
            Error::TypeMismatch { .. }
            | Error::InvalidLayout { .. }
            | Error::ElementCount { .. } => Fault::Usage,
            Error::AtJson { error, .. } | Error::InArray { error, .. } => error.fault(),
            Error::NamedDimMismatch { .. }
            | Error::Values { .. }
            | Error::MissingArray { .. }
            | Error::UnknownArray { .. } => Fault::Spec,
            Error::InvalidSpec { .. } => Fault::Config,
        }
    }

    /// Whether a resource limit refused the input.
    pub fn is_limit(&self) -> bool {
        self.fault() == Fault::Limit
    }

    /// Whether reading failed for reasons outside the input.
    pub fn is_io(&self) -> bool {
        self.fault() == Fault::Io
    }

    /// The byte offset in the input where the problem was found, when there is one (for JSON
    /// text, the offset of the [`JsonPosition`]).
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::InvalidHeader { offset, .. }
            | Error::TruncatedData { offset, .. }
            | Error::TrailingData { offset, .. }
            | Error::InvalidBool { offset, .. } => Some(*offset),
            _ => self.json_position().and_then(JsonPosition::offset),
        }
    }

    /// Where in a JSON input the problem was found, for errors from the JSON front-end.
    pub fn json_position(&self) -> Option<&JsonPosition> {
        match self {
            Error::JsonSyntax { position, .. }
            | Error::Ragged { position, .. }
            | Error::UnexpectedToken { position, .. }
            | Error::NumberOutOfRange { position, .. }
            | Error::NotAnInteger { position, .. }
            | Error::NumberTooLong { position, .. }
            | Error::Envelope { position, .. }
            | Error::AtJson { position, .. } => Some(position),
            _ => None,
        }
    }

    /// The error without its location: the inner error of [`Error::AtJson`] and
    /// [`Error::InArray`], `self` otherwise. Match on this to handle, say,
    /// [`Error::ShapeMismatch`] whatever the front-end.
    pub fn located(&self) -> &Error {
        match self {
            Error::AtJson { error, .. } | Error::InArray { error, .. } => error.located(),
            other => other,
        }
    }

    /// The name of the bundle array the error was found in, if any.
    pub fn array(&self) -> Option<&str> {
        match self {
            Error::InArray { array, .. } => Some(array),
            Error::AtJson { error, .. } => error.array(),
            Error::MissingArray { array } | Error::UnknownArray { array } => Some(array),
            _ => None,
        }
    }

    /// Attaches a JSON position to an error that has none. Errors that already carry a
    /// position are returned unchanged.
    pub(crate) fn at_json(self, position: JsonPosition) -> Error {
        if self.json_position().is_some() {
            return self;
        }
        Error::AtJson {
            position: Box::new(position),
            error: Box::new(self),
        }
    }

    pub(crate) fn limit(
        kind: LimitKind,
        limit: impl TryInto<u64>,
        requested: impl TryInto<u64>,
    ) -> Self {
        Error::LimitExceeded {
            kind,
            limit: limit.try_into().unwrap_or(u64::MAX),
            requested: requested.try_into().unwrap_or(u64::MAX),
        }
    }
}

/// Where in a JSON input an error was found: the index path of the value and, for text read
/// by [`json`](crate::json), its line, column and byte offset.
///
/// Lines and columns count from 1; columns count bytes, not characters (as serde_json's do).
/// Byte offsets count from 0. The path lists the array index at each level, outermost first
/// (`[3][1]` is the second element of the fourth row), after the envelope key when there is
/// one (`data[3][1]`); it is empty for the top-level value. Inside a serde deserializer
/// ([`json::ArraySeed`](crate::json::ArraySeed)) only the path is known: the deserializer
/// reports its own line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonPosition {
    path: Box<str>,
    line: u64,
    column: u64,
    offset: Option<u64>,
}

impl JsonPosition {
    /// A position in a text: `line` and `column` from 1, `offset` from 0.
    pub(crate) fn in_text(path: Box<str>, line: u64, column: u64, offset: u64) -> Self {
        JsonPosition {
            path,
            line,
            column,
            offset: Some(offset),
        }
    }

    /// A position known only by its path (inside a serde deserializer).
    pub(crate) fn in_value(path: Box<str>) -> Self {
        JsonPosition {
            path,
            line: 0,
            column: 0,
            offset: None,
        }
    }

    /// The index path, such as `[3][1]` or `data[0]`; empty for the top-level value.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line, from 1, when the position is in a text.
    pub fn line(&self) -> Option<u64> {
        (self.line > 0).then_some(self.line)
    }

    /// The column in bytes, from 1, when the position is in a text.
    pub fn column(&self) -> Option<u64> {
        (self.line > 0).then_some(self.column)
    }

    /// The byte offset from the start of the text, from 0, when the position is in a text.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for JsonPosition {
    /// `[3][1] (line 4, column 9)`, `line 1, column 1` for the top level, `[3][1]` without a
    /// text position, `the top level` with neither.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.line > 0) {
            (false, true) => write!(
                f,
                "{} (line {}, column {})",
                self.path, self.line, self.column
            ),
            (true, true) => write!(f, "line {}, column {}", self.line, self.column),
            (false, false) => f.write_str(&self.path),
            (true, false) => f.write_str("the top level"),
        }
    }
}

/// The kind of a JSON value found where it does not belong ([`Error::UnexpectedToken`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonToken {
    /// A number.
    Number,
    /// `true`.
    True,
    /// `false`.
    False,
    /// `null`.
    Null,
    /// A string.
    String,
    /// An object (`{`).
    Object,
    /// An array (`[`).
    Array,
    /// `NaN` (not JSON; written by Python's `json.dumps`).
    NaN,
    /// `Infinity` (not JSON; written by Python's `json.dumps`).
    Infinity,
    /// `-Infinity` (not JSON; written by Python's `json.dumps`).
    NegInfinity,
}

impl fmt::Display for JsonToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonToken::Number => "a number",
            JsonToken::True => "`true`",
            JsonToken::False => "`false`",
            JsonToken::Null => "`null`",
            JsonToken::String => "a string",
            JsonToken::Object => "an object",
            JsonToken::Array => "an array",
            JsonToken::NaN => "`NaN`",
            JsonToken::Infinity => "`Infinity`",
            JsonToken::NegInfinity => "`-Infinity`",
        })
    }
}

/// What a nested JSON array holds at some index, as [`Error::Ragged`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JsonItem {
    /// An element: a number or a boolean (for complex dtypes, the `[re, im]` pair is an
    /// array of 2).
    Scalar,
    /// An array of exactly `len` elements.
    Array {
        /// Number of elements.
        len: u64,
    },
    /// An array of more than `than` elements (reading stopped at the first extra one).
    LongerArray {
        /// The length that was exceeded.
        than: u64,
    },
    /// An array, whose length was not read.
    AnyArray,
}

impl fmt::Display for JsonItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonItem::Scalar => f.write_str("a scalar"),
            JsonItem::Array { len: 1 } => f.write_str("an array of 1 element"),
            JsonItem::Array { len } => write!(f, "an array of {len} elements"),
            JsonItem::LongerArray { than } => {
                write!(f, "an array of more than {than} elements")
            }
            JsonItem::AnyArray => f.write_str("an array"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_stays_small() {
        // Every parse returns a Result<_, Error>; keep the error to five words (the largest
        // variants carry a boxed text plus a static reason or three offsets).
        assert!(
            std::mem::size_of::<Error>() <= 40,
            "{}",
            std::mem::size_of::<Error>()
        );
    }

    #[test]
    fn header_limit_has_the_npy_code() {
        let e = Error::limit(LimitKind::HeaderBytes, 10_000u64, 4_294_967_295u64);
        assert_eq!(e.code(), "npy.header_too_large");
        assert!(e.is_limit());
        assert_eq!(
            e.to_string(),
            "limit exceeded: max_header_bytes is 10000, input needs 4294967295"
        );
    }

    #[test]
    fn json_errors_answer_for_their_inner_error() {
        let position = JsonPosition::in_text("[0][3]".into(), 1, 9, 8);
        let e = Error::limit(LimitKind::Elements, 3u64, 4u64).at_json(position.clone());
        assert_eq!(e.code(), "limit.elements");
        assert!(e.is_limit());
        assert_eq!(e.offset(), Some(8));
        assert!(matches!(e.located(), Error::LimitExceeded { .. }));
        assert_eq!(
            e.to_string(),
            "limit exceeded: max_elements is 3, input needs 4, at [0][3] (line 1, column 9)"
        );
        // A position is attached once.
        let again = e.at_json(JsonPosition::in_value("[9]".into()));
        assert_eq!(again.json_position(), Some(&position));
        let ragged = Error::Ragged {
            position: Box::new(JsonPosition::in_value("".into())),
            expected: JsonItem::Array { len: 1 },
            found: JsonItem::LongerArray { than: 1 },
        };
        assert_eq!(ragged.fault(), Fault::Input);
        assert_eq!(
            ragged.to_string(),
            "ragged array at the top level: expected an array of 1 element, found an array of more than 1 elements"
        );
    }

    #[test]
    fn value_violations_read_as_a_sentence() {
        let mut violation = ValueViolation {
            kind: ValueKind::BelowMin,
            constraint: "min = 0".into(),
            count: 1,
            first: vec![(vec![0, 2], "-1.0".into())],
        };
        let e = Error::Values {
            violation: Box::new(violation.clone()),
        };
        assert_eq!(
            e.to_string(),
            "1 element violates `min = 0` (first: value below the minimum): [0, 2] = -1.0"
        );
        violation.count = 7;
        violation.first.push((vec![], "-2.5".into()));
        assert_eq!(
            violation.to_string(),
            "7 elements violate `min = 0` (first: value below the minimum): [0, 2] = -1.0, [] = -2.5"
        );
    }
}
