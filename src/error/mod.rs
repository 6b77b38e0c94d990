//! The crate's error: what went wrong ([`ErrorKind`], with typed details and a stable
//! [`code`](Error::code)) and where ([`Location`]: a byte offset, a JSON position, a bundle
//! array), side by side in one [`Error`].
//!
//! Kinds are grouped by who is at fault ([`Fault`]): the input bytes, the input measured
//! against the caller's spec, a resource limit, the environment (I/O), the caller's use of the
//! API, or a spec. A problem has one kind whatever the front-end that found it: a wrong shape
//! is [`ErrorKind::ShapeMismatch`] from `.npy`, raw, JSON text or an envelope alike, and only
//! its location differs.
//!
//! Every kind has a stable code ([`Error::code`]); the table of every code is in the crate
//! docs, pinned by a test.

mod detail;
mod location;

use std::fmt;
use std::io;

pub use detail::{
    JsonItem, JsonToken, LimitKind, NamedDim, NamedSize, Overflow, ValueKind, ValueViolation,
};
pub use location::{JsonPosition, Location};

use crate::axes::{Dim, Order};
use crate::dtype::{ByteOrder, DType};

/// `Result` with [`Error`] as its error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who is at fault for an [`Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// The input bytes are malformed or hostile, whatever the spec says.
    Input,
    /// The input is well formed but does not match the caller's
    /// [`ArraySpec`](crate::ArraySpec) (or the element type the caller asked for).
    Mismatch,
    /// The input asks for more than the [`Limits`](crate::Limits) allow.
    Limit,
    /// Reading the input failed for reasons outside it.
    Io,
    /// The caller used the API inconsistently (for example gave an array constructor the wrong
    /// number of elements, or a raw layout two inferred axes).
    Usage,
    /// A spec is invalid or inconsistent.
    Config,
}

/// Everything that can go wrong while reading or validating an array: what went wrong, with
/// its [`ErrorKind`], and where, with its [`Location`].
///
/// Messages are lowercase and say "expected X, found Y", with the place in the input where it
/// belongs: `truncated data at byte 128: …`, `ragged array at [3] (line 4, column 2): …`, and
/// a suffix `, at [0][3] (line 1, column 9)` for other errors in JSON text. The bundle array
/// an error was found in is not part of the message (a report names its input anyway): ask
/// [`Error::array`]. Use [`Error::code`] for a stable identifier, and [`Error::kind`] to match
/// on what went wrong whatever the front-end.
///
/// ```
/// use arrayguard::{json, npy, ArraySpec, DType, Dim, ErrorKind};
/// let spec = ArraySpec::new(DType::I64).with_shape([Dim::Exact(2)]);
/// let err = json::from_str::<i64>("[1, 2, 3]", &spec).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::ShapeMismatch { axis: 0, found: 3, .. }));
/// assert_eq!(err.json_position().map(|p| p.path()), Some("[2]"));
/// assert_eq!(err.to_string(), "shape mismatch on axis 0: expected 2, found 3, at [2] (line 1, column 8)");
/// ```
pub struct Error(Box<Inner>);

struct Inner {
    kind: ErrorKind,
    location: Location,
}

/// What went wrong: one variant per problem, with named, typed fields. Where it went wrong is
/// the error's [`Location`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    // ---- input malformed -------------------------------------------------------------------
    /// The input does not start with the `.npy` magic string `\x93NUMPY`.
    BadMagic {
        /// The first bytes of the input (at most 6), escaped.
        found: Box<str>,
    },
    /// The `.npy` version is not 1.0, 2.0 or 3.0.
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },
    /// The `.npy` header text is malformed (located at the byte of the problem).
    InvalidHeader {
        /// What was expected and what was found.
        reason: Box<str>,
    },
    /// A dtype descriptor is not a valid, unambiguous type string or name.
    InvalidDescr {
        /// The descriptor as written in the input (truncated to 200 bytes).
        descr: Box<str>,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A valid NumPy dtype that arrayguard does not read (structured, strings, datetimes, ...).
    UnsupportedDtype {
        /// The descriptor as written in the input (truncated to 200 bytes).
        descr: Box<str>,
    },
    /// The dtype contains Python objects, whose payload is a pickle; never loaded.
    PickleNotAllowed {
        /// The descriptor as written in the input (truncated to 200 bytes).
        descr: Box<str>,
    },
    /// The declared shape's element or byte count overflows.
    ShapeOverflow {
        /// What overflowed.
        what: Overflow,
        /// The width that was exceeded.
        bits: u32,
    },
    /// The input ends before the declared payload does (located at the payload's start).
    TruncatedData {
        /// Payload bytes the header declares.
        expected: u64,
        /// Payload bytes actually present.
        found: u64,
    },
    /// The input continues after the declared payload (located at the first byte after it).
    TrailingData {
        /// Payload bytes the header declares.
        expected: u64,
    },
    /// A byte count does not fit a layout: with an inferred axis, the length is not a whole
    /// number of steps of that axis.
    LengthMismatch {
        /// Bytes present.
        found: u64,
        /// Bytes per step of the inferred axis (item size × the fixed axes; 0 when a fixed
        /// axis is 0, and then only an empty input fits).
        unit: u64,
        /// The layout's axes, `None` for the inferred one.
        shape: Box<[Option<usize>]>,
    },
    /// A boolean element is neither 0 nor 1 (located at its byte).
    InvalidBool {
        /// Flat element index (in storage order).
        index: u64,
        /// The byte found.
        value: u8,
    },
    /// A value of the input cannot be represented in the output format (NaN or infinity in
    /// strict JSON, for instance).
    NotRepresentable {
        /// What could not be written.
        reason: Box<str>,
    },
    /// The input is not JSON, or not the JSON that arrays are written in: a bad token or
    /// number, a missing `,` or `]`, a byte order mark, text after the value.
    JsonSyntax {
        /// What was expected and what was found.
        reason: Box<str>,
    },
    /// Nested JSON arrays that disagree with the shape learnt from the first path (or declared
    /// by an envelope): a row of another length, a scalar where an array belongs, or the
    /// reverse.
    Ragged {
        /// What the shape requires there.
        expected: JsonItem,
        /// What the input holds there (reading stops at the first element beyond the
        /// expected length, hence [`JsonItem::LongerArray`]).
        found: JsonItem,
    },
    /// A JSON value of the wrong kind where an element belongs: `true` for a number, a number
    /// for a boolean, a string, an object, `null`, or `NaN`/`Infinity` without permission.
    UnexpectedToken {
        /// What the dtype takes there.
        expected: &'static str,
        /// What the input holds.
        found: JsonToken,
    },
    /// A JSON number outside the range of the dtype (for floats: finite text that would round
    /// to infinity).
    NumberOutOfRange {
        /// The target dtype.
        dtype: DType,
        /// The number as written (at most 40 bytes of it).
        number: Box<str>,
    },
    /// A JSON number with a fraction or an exponent (`1.5`, `1.0`, `1e2`) where an integer
    /// dtype needs an integer.
    NotAnInteger {
        /// The target integer dtype.
        dtype: DType,
        /// The number as written (at most 40 bytes of it).
        number: Box<str>,
    },
    /// A JSON number token longer than the reader accepts (see
    /// [`json::MAX_NUMBER_LEN`](crate::json::MAX_NUMBER_LEN)).
    NumberTooLong {
        /// The longest number token accepted, in bytes.
        max: u64,
    },
    /// A JSON array envelope (`{"dtype": ..., "shape": ..., "data": ...}`) that is malformed:
    /// a missing, unknown or repeated key, a value of the wrong type, `data` before `dtype`
    /// or `shape`, or base64 data of the wrong length.
    Envelope {
        /// What was expected and what was found.
        reason: Box<str>,
    },

    // ---- input vs spec ---------------------------------------------------------------------
    /// The input's dtype is not one the spec allows, or not the element type the caller
    /// asked for.
    DTypeMismatch {
        /// The dtypes that would have been accepted (sorted).
        expected: Box<[DType]>,
        /// The input's dtype.
        found: DType,
    },
    /// The input's byte order is not the one the spec requires.
    ByteOrderMismatch {
        /// The required byte order.
        expected: ByteOrder,
        /// The input's byte order.
        found: ByteOrder,
    },
    /// The input's memory order (C or Fortran) is not the one the spec requires.
    OrderMismatch {
        /// The required order.
        expected: Order,
        /// The input's order.
        found: Order,
    },
    /// The input has the wrong number of dimensions.
    NdimMismatch {
        /// The fewest dimensions accepted.
        min: u64,
        /// The most dimensions accepted (`None`: no most, the pattern is variadic).
        max: Option<u64>,
        /// The input's number of dimensions.
        found: u64,
    },
    /// One axis has the wrong size.
    ShapeMismatch {
        /// The axis (0-based).
        axis: u32,
        /// The sizes the spec accepts there.
        expected: Dim,
        /// The input's size on that axis.
        found: u64,
    },
    /// A named dimension has another size than where it was bound.
    NamedDimMismatch {
        /// The axis (0-based) of the array being checked.
        axis: u32,
        /// The name and both sizes.
        detail: Box<NamedDim>,
    },
    /// Elements break the spec's value constraints.
    Values {
        /// The kind, constraint, count and first offending elements.
        violation: Box<ValueViolation>,
    },
    /// A bundle spec names an array the input does not provide, or an archive has no member
    /// of the name asked for.
    MissingArray {
        /// The array's name in the spec.
        array: Box<str>,
    },
    /// An input array has a name the bundle spec does not know.
    UnknownArray {
        /// The name given.
        array: Box<str>,
    },

    // ---- archives (`.npz`) -----------------------------------------------------------------
    /// The input is not a zip archive as `.npz` needs it: no end-of-central-directory record,
    /// a central directory that cannot be read, an entry outside the file, or a local header
    /// that disagrees with the central directory.
    InvalidArchive {
        /// What is wrong.
        reason: Box<str>,
    },
    /// Bytes follow the archive's end-of-central-directory record (a polyglot, or two files
    /// glued together).
    ArchiveTrailingData {
        /// How many bytes follow the record.
        found: u64,
    },
    /// Two entries of the archive share bytes: several entries pointing at one compressed
    /// kernel is how a zip bomb inflates quadratically.
    OverlappingMembers,
    /// Two members map to one array name (`x.npy` twice, or `x.npy` and `x`).
    DuplicateMember {
        /// The array name, when the archive's directory says which one it is.
        name: Option<Box<str>>,
    },
    /// A member name is not a safe relative path: absolute, with a `..` component, a
    /// backslash, a NUL, a drive letter, or empty.
    UnsafeMemberName {
        /// The name, escaped.
        name: Box<str>,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A member is encrypted, or compressed by another method than stored (0) or deflate (8).
    UnsupportedMember {
        /// What the member uses, such as `compression method 12 (bzip2)` or `encryption`.
        what: Box<str>,
    },
    /// A member's bytes are more or fewer than its entry declares.
    MemberSizeMismatch {
        /// The uncompressed size the entry declares.
        declared: u64,
        /// The size found: the exact size when shorter, the declared size plus one when the
        /// data goes on (reading stops there).
        found: u64,
    },
    /// A member's bytes do not have the CRC-32 its entry declares.
    CrcMismatch {
        /// The CRC-32 the entry declares.
        expected: u32,
        /// The CRC-32 of the bytes read.
        found: u32,
    },

    // ---- inference requests (Open Inference Protocol) ---------------------------------------
    /// An inference request is not what the protocol describes: not a JSON object, a key
    /// missing or of the wrong type, an unknown key or datatype, a negative dimension, an
    /// input with both `data` and `binary_data_size` or neither, or a JSON header length
    /// (`Inference-Header-Content-Length`) that is no number or is past the end of the body.
    InvalidRequest {
        /// What is wrong.
        reason: Box<str>,
    },
    /// Two inputs of an inference request have one name.
    DuplicateInput {
        /// The name.
        name: Box<str>,
    },
    /// An input's `binary_data_size` is not the size its shape and datatype make.
    BinarySizeMismatch {
        /// The size the input declares in `binary_data_size`.
        declared: u64,
        /// Elements of the declared shape times the datatype's size.
        expected: u64,
    },
    /// An input's JSON `data` does not have the shape the input declares: another number of
    /// elements, or nested arrays of another shape.
    DataShapeMismatch {
        /// The declared shape.
        declared: Box<[usize]>,
        /// What the data holds, such as `2 elements` or `shape [3, 1]`.
        found: Box<str>,
    },

    // ---- policy ----------------------------------------------------------------------------
    /// The input asks for more than a limit allows. Checked before allocating.
    LimitExceeded {
        /// Which limit.
        kind: LimitKind,
        /// The limit in force.
        limit: u64,
        /// What the input declared or needed (saturating at `u64::MAX`).
        requested: u64,
    },
    /// A buffer could not be allocated although it was within the limits.
    OutOfMemory {
        /// The allocation size that failed.
        bytes: u64,
    },

    // ---- configuration ---------------------------------------------------------------------
    /// A spec is invalid: unknown keys, contradictions, unknown names.
    InvalidSpec {
        /// Where in the spec: a path such as `arrays.X.shape`, or `line 3, column 7`.
        location: Box<str>,
        /// What is wrong.
        reason: Box<str>,
    },

    // ---- environment -----------------------------------------------------------------------
    /// Reading or writing failed. The message is `i/o error: ` and the underlying error's;
    /// [`std::error::Error::source`] gives the underlying error's own source, so that a
    /// report of the whole chain names the OS error once.
    Io {
        /// The underlying error.
        source: io::Error,
    },

    // ---- usage -----------------------------------------------------------------------------
    /// A raw layout is inconsistent (two inferred axes, an unknown platform).
    InvalidLayout {
        /// The layout part at fault, as text.
        layout: Box<str>,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Elements handed to an array constructor do not match its shape.
    ElementCount {
        /// The shape's dimensions.
        shape: Box<[usize]>,
        /// Elements the shape holds.
        expected: u64,
        /// Elements given.
        found: u64,
    },
}

impl ErrorKind {
    /// The stable code of this kind (see the [table](crate#error-codes)).
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::BadMagic { .. } => "npy.bad_magic",
            ErrorKind::UnsupportedVersion { .. } => "npy.unsupported_version",
            ErrorKind::InvalidHeader { .. } => "npy.invalid_header",
            ErrorKind::InvalidDescr { .. } => "dtype.invalid",
            ErrorKind::UnsupportedDtype { .. } => "dtype.unsupported",
            ErrorKind::PickleNotAllowed { .. } => "dtype.pickle_not_allowed",
            ErrorKind::ShapeOverflow { .. } => "shape.overflow",
            ErrorKind::TruncatedData { .. } => "data.truncated",
            ErrorKind::TrailingData { .. } => "data.trailing",
            ErrorKind::LengthMismatch { .. } => "data.length_mismatch",
            ErrorKind::InvalidBool { .. } => "data.invalid_bool",
            ErrorKind::NotRepresentable { .. } => "data.not_representable",
            ErrorKind::JsonSyntax { .. } => "json.syntax",
            ErrorKind::Ragged { .. } => "json.ragged",
            ErrorKind::UnexpectedToken { .. } => "json.unexpected_token",
            ErrorKind::NumberOutOfRange { .. } => "json.number_out_of_range",
            ErrorKind::NotAnInteger { .. } => "json.not_an_integer",
            ErrorKind::NumberTooLong { .. } => "json.number_too_long",
            ErrorKind::Envelope { .. } => "json.envelope",
            ErrorKind::InvalidArchive { .. } => "npz.invalid_archive",
            ErrorKind::ArchiveTrailingData { .. } => "npz.trailing_data",
            ErrorKind::OverlappingMembers => "npz.overlapping_members",
            ErrorKind::DuplicateMember { .. } => "npz.duplicate_member",
            ErrorKind::UnsafeMemberName { .. } => "npz.unsafe_name",
            ErrorKind::UnsupportedMember { .. } => "npz.unsupported",
            ErrorKind::MemberSizeMismatch { .. } => "npz.size_mismatch",
            ErrorKind::CrcMismatch { .. } => "npz.crc_mismatch",
            ErrorKind::InvalidRequest { .. } => "oip.invalid_request",
            ErrorKind::DuplicateInput { .. } => "oip.duplicate_input",
            ErrorKind::BinarySizeMismatch { .. } => "oip.binary_size",
            ErrorKind::DataShapeMismatch { .. } => "oip.data_shape",
            ErrorKind::DTypeMismatch { .. } => "spec.dtype",
            ErrorKind::ByteOrderMismatch { .. } => "spec.byte_order",
            ErrorKind::OrderMismatch { .. } => "spec.order",
            ErrorKind::NdimMismatch { .. } => "spec.ndim",
            ErrorKind::ShapeMismatch { .. } => "spec.shape",
            ErrorKind::NamedDimMismatch { .. } => "spec.named_dim",
            ErrorKind::Values { violation } => match violation.kind {
                ValueKind::Nan => "value.nan",
                ValueKind::Infinite => "value.infinite",
                ValueKind::BelowMin => "value.below_min",
                ValueKind::AboveMax => "value.above_max",
                ValueKind::NotInEnum => "value.not_in_enum",
            },
            ErrorKind::MissingArray { .. } => "spec.missing_array",
            ErrorKind::UnknownArray { .. } => "spec.unknown_array",
            ErrorKind::LimitExceeded { kind, .. } => match kind {
                LimitKind::Bytes => "limit.bytes",
                LimitKind::Elements => "limit.elements",
                LimitKind::Ndim => "limit.ndim",
                LimitKind::HeaderBytes => "npy.header_too_large",
                LimitKind::Depth => "limit.depth",
                LimitKind::InputBytes => "limit.input_bytes",
                LimitKind::Members => "limit.members",
                LimitKind::ArchiveBytes => "limit.archive_bytes",
                LimitKind::CompressionRatio => "limit.compression_ratio",
            },
            ErrorKind::OutOfMemory { .. } => "limit.out_of_memory",
            ErrorKind::InvalidSpec { .. } => "config.invalid_spec",
            ErrorKind::Io { .. } => "io",
            ErrorKind::InvalidLayout { .. } => "usage.invalid_layout",
            ErrorKind::ElementCount { .. } => "usage.element_count",
        }
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        match self {
            ErrorKind::BadMagic { .. }
            | ErrorKind::UnsupportedVersion { .. }
            | ErrorKind::InvalidHeader { .. }
            | ErrorKind::InvalidDescr { .. }
            | ErrorKind::UnsupportedDtype { .. }
            | ErrorKind::PickleNotAllowed { .. }
            | ErrorKind::ShapeOverflow { .. }
            | ErrorKind::TruncatedData { .. }
            | ErrorKind::TrailingData { .. }
            | ErrorKind::LengthMismatch { .. }
            | ErrorKind::InvalidBool { .. }
            | ErrorKind::NotRepresentable { .. }
            | ErrorKind::JsonSyntax { .. }
            | ErrorKind::Ragged { .. }
            | ErrorKind::UnexpectedToken { .. }
            | ErrorKind::NumberOutOfRange { .. }
            | ErrorKind::NotAnInteger { .. }
            | ErrorKind::NumberTooLong { .. }
            | ErrorKind::Envelope { .. }
            | ErrorKind::InvalidArchive { .. }
            | ErrorKind::ArchiveTrailingData { .. }
            | ErrorKind::OverlappingMembers
            | ErrorKind::DuplicateMember { .. }
            | ErrorKind::UnsafeMemberName { .. }
            | ErrorKind::UnsupportedMember { .. }
            | ErrorKind::MemberSizeMismatch { .. }
            | ErrorKind::CrcMismatch { .. }
            | ErrorKind::InvalidRequest { .. }
            | ErrorKind::DuplicateInput { .. }
            | ErrorKind::BinarySizeMismatch { .. }
            | ErrorKind::DataShapeMismatch { .. } => Fault::Input,
            ErrorKind::DTypeMismatch { .. }
            | ErrorKind::ByteOrderMismatch { .. }
            | ErrorKind::OrderMismatch { .. }
            | ErrorKind::NdimMismatch { .. }
            | ErrorKind::ShapeMismatch { .. }
            | ErrorKind::NamedDimMismatch { .. }
            | ErrorKind::Values { .. }
            | ErrorKind::MissingArray { .. }
            | ErrorKind::UnknownArray { .. } => Fault::Mismatch,
            ErrorKind::LimitExceeded { .. } | ErrorKind::OutOfMemory { .. } => Fault::Limit,
            ErrorKind::InvalidSpec { .. } => Fault::Config,
            ErrorKind::Io { .. } => Fault::Io,
            ErrorKind::InvalidLayout { .. } | ErrorKind::ElementCount { .. } => Fault::Usage,
        }
    }

    /// Writes the message with `place` (the error's byte offset or JSON position) where this
    /// kind's message names it; `None` leaves it out.
    fn write(&self, f: &mut fmt::Formatter<'_>, place: Option<Place<'_>>) -> fmt::Result {
        // `head at PLACE: rest` for the kinds whose message is about a place in the input.
        let at = |f: &mut fmt::Formatter<'_>, head: &str| -> fmt::Result {
            f.write_str(head)?;
            match place {
                Some(place) => write!(f, " at {place}"),
                None => Ok(()),
            }
        };
        match self {
            ErrorKind::BadMagic { found } => {
                write!(
                    f,
                    "not a .npy file: expected magic `\\x93NUMPY`, found {found:?}"
                )
            }
            ErrorKind::UnsupportedVersion { major, minor } => write!(
                f,
                "unsupported .npy version {major}.{minor}: expected 1.0, 2.0 or 3.0"
            ),
            ErrorKind::InvalidHeader { reason } => {
                at(f, "invalid .npy header")?;
                write!(f, ": {reason}")
            }
            ErrorKind::InvalidDescr { descr, reason } => {
                write!(f, "invalid dtype `{descr}`: {reason}")
            }
            ErrorKind::UnsupportedDtype { descr } => write!(
                f,
                "unsupported dtype `{descr}`: only bool, integer, float and complex dtypes are read"
            ),
            ErrorKind::PickleNotAllowed { descr } => write!(
                f,
                "object dtype in `{descr}`: the payload would be a pickle, which is never loaded"
            ),
            ErrorKind::ShapeOverflow { what, bits } => {
                write!(f, "shape overflows: {what} do not fit in {bits} bits")
            }
            ErrorKind::TruncatedData { expected, found } => {
                at(f, "truncated data")?;
                write!(f, ": expected {expected} payload bytes, found {found}")
            }
            ErrorKind::TrailingData { expected } => {
                at(f, "trailing data")?;
                write!(
                    f,
                    ": expected the input to end after {expected} payload bytes"
                )
            }
            ErrorKind::LengthMismatch { found, unit, shape } => {
                write!(f, "length mismatch: {found} bytes do not fit shape (")?;
                for (i, axis) in shape.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match axis {
                        Some(n) => write!(f, "{n}")?,
                        None => f.write_str("?")?,
                    }
                }
                if shape.len() == 1 {
                    f.write_str(",")?;
                }
                write!(f, "): expected a multiple of {unit} bytes")
            }
            ErrorKind::InvalidBool { index, value } => {
                write!(f, "invalid bool at element {index}")?;
                if let Some(place) = place {
                    write!(f, " ({place})")?;
                }
                write!(f, ": expected 0 or 1, found {value}")
            }
            ErrorKind::NotRepresentable { reason } => write!(f, "not representable: {reason}"),
            ErrorKind::JsonSyntax { reason } => {
                at(f, "invalid JSON")?;
                write!(f, ": {reason}")
            }
            ErrorKind::Ragged { expected, found } => {
                at(f, "ragged array")?;
                write!(f, ": expected {expected}, found {found}")
            }
            ErrorKind::UnexpectedToken { expected, found } => {
                at(f, "unexpected value")?;
                write!(f, ": expected {expected}, found {found}")
            }
            ErrorKind::NumberOutOfRange { dtype, number } => {
                at(f, "number out of range")?;
                write!(f, ": `{number}` does not fit in `{dtype}`")
            }
            ErrorKind::NotAnInteger { dtype, number } => {
                at(f, "not an integer")?;
                write!(
                    f,
                    ": `{dtype}` takes integers written without fraction or exponent, found `{number}`"
                )
            }
            ErrorKind::NumberTooLong { max } => {
                at(f, "number too long")?;
                write!(f, ": expected at most {max} bytes")
            }
            ErrorKind::Envelope { reason } => {
                at(f, "invalid array envelope")?;
                write!(f, ": {reason}")
            }
            ErrorKind::InvalidArchive { reason } => write!(f, "invalid .npz archive: {reason}"),
            ErrorKind::ArchiveTrailingData { found } => write!(
                f,
                "trailing data after the .npz archive: {found} bytes follow its end record"
            ),
            ErrorKind::OverlappingMembers => f.write_str(
                "overlapping members: two entries of the archive share bytes (a zip bomb)",
            ),
            ErrorKind::DuplicateMember { name } => match name {
                Some(name) => write!(f, "duplicate member: two members are named `{name}`"),
                None => f.write_str("duplicate member: the archive lists a member name twice"),
            },
            ErrorKind::UnsafeMemberName { name, reason } => {
                write!(f, "unsafe member name \"{name}\": {reason}")
            }
            ErrorKind::UnsupportedMember { what } => {
                write!(
                    f,
                    "unsupported member: {what}; only stored and deflate are read"
                )
            }
            ErrorKind::MemberSizeMismatch { declared, found } => {
                if found > declared {
                    write!(
                        f,
                        "member size mismatch: declared {declared} bytes, the data goes on"
                    )
                } else {
                    write!(
                        f,
                        "member size mismatch: declared {declared} bytes, found {found}"
                    )
                }
            }
            ErrorKind::CrcMismatch { expected, found } => write!(
                f,
                "CRC-32 mismatch: the entry declares {expected:#010x}, the data has {found:#010x}"
            ),
            ErrorKind::InvalidRequest { reason } => write!(f, "invalid inference request: {reason}"),
            ErrorKind::DuplicateInput { name } => {
                write!(f, "duplicate input: two inputs are named `{name}`")
            }
            ErrorKind::BinarySizeMismatch { declared, expected } => write!(
                f,
                "binary data size mismatch: the input declares {declared} bytes, its shape and datatype make {expected}"
            ),
            ErrorKind::DataShapeMismatch { declared, found } => {
                write!(f, "data does not match the declared shape [")?;
                for (i, d) in declared.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{d}")?;
                }
                write!(f, "]: found {found}")
            }
            ErrorKind::DTypeMismatch { expected, found } => {
                f.write_str("dtype mismatch: expected ")?;
                if expected.len() > 1 {
                    f.write_str("one of ")?;
                }
                for (i, dtype) in expected.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "`{dtype}`")?;
                }
                write!(f, ", found `{found}`")
            }
            ErrorKind::ByteOrderMismatch { expected, found } => write!(
                f,
                "byte order mismatch: expected {}, found {}",
                expected.name(),
                found.name()
            ),
            ErrorKind::OrderMismatch { expected, found } => write!(
                f,
                "order mismatch: expected {} order, found {} order",
                expected.name(),
                found.name()
            ),
            ErrorKind::NdimMismatch { min, max, found } => match max {
                Some(max) => write!(f, "ndim mismatch: expected {max} dimensions, found {found}"),
                None => write!(
                    f,
                    "ndim mismatch: expected at least {min} dimensions, found {found}"
                ),
            },
            ErrorKind::ShapeMismatch {
                axis,
                expected,
                found,
            } => write!(
                f,
                "shape mismatch on axis {axis}: expected {expected}, found {found}"
            ),
            ErrorKind::NamedDimMismatch { axis, detail } => write!(
                f,
                "dimension `{}` on axis {axis}: expected {} (bound earlier), found {}",
                detail.name, detail.expected, detail.found
            ),
            ErrorKind::Values { violation } => write!(f, "{violation}"),
            ErrorKind::MissingArray { array } => {
                write!(f, "missing array `{array}`: the spec requires it")
            }
            ErrorKind::UnknownArray { array } => write!(
                f,
                "unknown array `{array}`: the spec has no array of that name"
            ),
            ErrorKind::LimitExceeded {
                kind,
                limit,
                requested,
            } => write!(
                f,
                "limit exceeded: {kind} is {limit}, input needs {requested}"
            ),
            ErrorKind::OutOfMemory { bytes } => {
                write!(f, "out of memory: could not allocate {bytes} bytes")
            }
            ErrorKind::InvalidSpec { location, reason } => {
                write!(f, "invalid spec at {location}: {reason}")
            }
            ErrorKind::Io { source } => write!(f, "i/o error: {source}"),
            ErrorKind::InvalidLayout { layout, reason } => {
                write!(f, "invalid layout `{layout}`: {reason}")
            }
            ErrorKind::ElementCount {
                shape,
                expected,
                found,
            } => {
                f.write_str("element count mismatch: shape (")?;
                for (i, n) in shape.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                if shape.len() == 1 {
                    f.write_str(",")?;
                }
                write!(f, ") holds {expected} elements, found {found}")
            }
        }
    }

    /// Whether this kind's message names its place in the input (a byte offset for these, a
    /// JSON position for [`ErrorKind::names_json_place`]).
    fn names_byte_place(&self) -> bool {
        matches!(
            self,
            ErrorKind::InvalidHeader { .. }
                | ErrorKind::TruncatedData { .. }
                | ErrorKind::TrailingData { .. }
                | ErrorKind::InvalidBool { .. }
        )
    }

    fn names_json_place(&self) -> bool {
        matches!(
            self,
            ErrorKind::JsonSyntax { .. }
                | ErrorKind::Ragged { .. }
                | ErrorKind::UnexpectedToken { .. }
                | ErrorKind::NumberOutOfRange { .. }
                | ErrorKind::NotAnInteger { .. }
                | ErrorKind::NumberTooLong { .. }
                | ErrorKind::Envelope { .. }
        )
    }
}

/// A place as a message names it: `byte 128`, or a JSON position.
#[derive(Clone, Copy)]
enum Place<'a> {
    Byte(u64),
    Json(&'a JsonPosition),
}

impl fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Byte(offset) => write!(f, "byte {offset}"),
            Place::Json(position) => position.fmt(f),
        }
    }
}

impl fmt::Display for ErrorKind {
    /// The message without a location (see [`Error`]'s for the full one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, None)
    }
}

impl Error {
    /// An error of `kind` found at `location`.
    pub fn new(kind: ErrorKind, location: Location) -> Self {
        Error(Box::new(Inner { kind, location }))
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0.kind
    }

    /// What went wrong, without where.
    pub fn into_kind(self) -> ErrorKind {
        self.0.kind
    }

    /// Where it went wrong.
    pub fn location(&self) -> &Location {
        &self.0.location
    }

    /// A stable identifier for the error, such as `npy.header_too_large` or `data.truncated`
    /// (see the [table of codes](crate#error-codes)).
    ///
    /// Codes are part of the public contract (CLI reports, logs, tests) and never change
    /// meaning once released.
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// Who is at fault.
    pub fn fault(&self) -> Fault {
        self.0.kind.fault()
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
        self.0.location.offset()
    }

    /// Where in a JSON input the problem was found, for errors from the JSON front-end.
    pub fn json_position(&self) -> Option<&JsonPosition> {
        self.0.location.json()
    }

    /// The name of the bundle array the error was found in, or that a bundle lacks or does
    /// not know ([`ErrorKind::MissingArray`], [`ErrorKind::UnknownArray`]).
    pub fn array(&self) -> Option<&str> {
        match &self.0.kind {
            ErrorKind::MissingArray { array } | ErrorKind::UnknownArray { array } => Some(array),
            _ => self.0.location.array(),
        }
    }

    /// This error at byte `offset` of the input.
    pub(crate) fn at_offset(mut self, offset: u64) -> Error {
        self.0.location = std::mem::take(&mut self.0.location).with_offset(offset);
        self
    }

    /// This error at a JSON position, unless it already has one.
    pub(crate) fn at_json(mut self, position: JsonPosition) -> Error {
        if self.0.location.json().is_none() {
            self.0.location.set_json(position);
        }
        self
    }

    /// This error's JSON position moved into a larger text, where the text it was found in
    /// starts at byte `offset`, line `line`, column `column`.
    pub(crate) fn shift_json(mut self, offset: u64, line: u64, column: u64) -> Error {
        if let Some(position) = self.0.location.take_json() {
            self.0
                .location
                .set_json(position.shifted(offset, line, column));
        }
        self
    }

    /// This error in the archive member `name`.
    pub(crate) fn in_member(mut self, name: &str) -> Error {
        self.0.location = std::mem::take(&mut self.0.location).with_member(name);
        self
    }

    /// The archive member the error was found in.
    pub fn member(&self) -> Option<&str> {
        self.0.location.member()
    }

    /// This error in the bundle array `name`.
    pub(crate) fn in_array(mut self, name: &str) -> Error {
        self.0.location = std::mem::take(&mut self.0.location).with_array(name);
        self
    }

    pub(crate) fn limit(
        kind: LimitKind,
        limit: impl TryInto<u64>,
        requested: impl TryInto<u64>,
    ) -> Self {
        ErrorKind::LimitExceeded {
            kind,
            limit: limit.try_into().unwrap_or(u64::MAX),
            requested: requested.try_into().unwrap_or(u64::MAX),
        }
        .into()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind, Location::new())
    }
}

impl From<io::Error> for Error {
    fn from(source: io::Error) -> Self {
        ErrorKind::Io { source }.into()
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.0.kind)
            .field("location", &self.0.location)
            .finish()
    }
}

impl fmt::Display for Error {
    /// `MESSAGE[, at JSON-POSITION]`, the place inside the message for the kinds whose
    /// message names one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner { kind, location } = &*self.0;
        let json = location.json();
        if kind.names_byte_place() {
            kind.write(f, location.byte_offset().map(Place::Byte))
        } else if kind.names_json_place() {
            kind.write(f, json.map(Place::Json))
        } else {
            kind.write(f, None)?;
            match json {
                Some(position) => write!(f, ", at {position}"),
                None => Ok(()),
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            // The message already quotes the I/O error; its own cause comes next.
            ErrorKind::Io { source } => source.source(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer() {
        // Every parse returns a Result<_, Error>: what went wrong and where live behind one box.
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
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
    fn json_positions_are_data_beside_the_kind() {
        let position = JsonPosition::in_text("[0][3]".into(), 1, 9, 8);
        let e = Error::limit(LimitKind::Elements, 3u64, 4u64).at_json(position.clone());
        assert_eq!(e.code(), "limit.elements");
        assert!(e.is_limit());
        assert_eq!(e.offset(), Some(8));
        assert!(matches!(e.kind(), ErrorKind::LimitExceeded { .. }));
        assert_eq!(
            e.to_string(),
            "limit exceeded: max_elements is 3, input needs 4, at [0][3] (line 1, column 9)"
        );
        // A position is attached once.
        let again = e.at_json(JsonPosition::in_value("[9]".into()));
        assert_eq!(again.json_position(), Some(&position));
        let ragged = Error::from(ErrorKind::Ragged {
            expected: JsonItem::Array { len: 1 },
            found: JsonItem::LongerArray { than: 1 },
        })
        .at_json(JsonPosition::in_value("".into()));
        assert_eq!(ragged.fault(), Fault::Input);
        assert_eq!(
            ragged.to_string(),
            "ragged array at the top level: expected an array of 1 element, found an array of more than 1 elements"
        );
        assert_eq!(
            ragged.kind().to_string(),
            "ragged array: expected an array of 1 element, found an array of more than 1 elements"
        );
    }

    #[test]
    fn byte_places_and_arrays() {
        let e = Error::from(ErrorKind::InvalidBool { index: 3, value: 7 }).at_offset(131);
        assert_eq!(
            e.to_string(),
            "invalid bool at element 3 (byte 131): expected 0 or 1, found 7"
        );
        assert_eq!(e.offset(), Some(131));
        let e = Error::from(ErrorKind::TruncatedData {
            expected: 8,
            found: 3,
        })
        .at_offset(128)
        .in_array("y");
        assert_eq!(
            e.to_string(),
            "truncated data at byte 128: expected 8 payload bytes, found 3"
        );
        assert_eq!((e.array(), e.offset()), (Some("y"), Some(128)));
    }

    #[test]
    fn typed_details_print_as_before() {
        let cases: Vec<(ErrorKind, &str)> = vec![
            (
                ErrorKind::DTypeMismatch {
                    expected: Box::new([DType::F32, DType::F64]),
                    found: DType::I8,
                },
                "dtype mismatch: expected one of `f32`, `f64`, found `i8`",
            ),
            (
                ErrorKind::NdimMismatch {
                    min: 2,
                    max: None,
                    found: 1,
                },
                "ndim mismatch: expected at least 2 dimensions, found 1",
            ),
            (
                ErrorKind::ShapeMismatch {
                    axis: 1,
                    expected: Dim::Range { min: 1, max: 64 },
                    found: 65,
                },
                "shape mismatch on axis 1: expected 1..=64, found 65",
            ),
            (
                ErrorKind::NamedDimMismatch {
                    axis: 0,
                    detail: Box::new(NamedDim {
                        name: "batch".into(),
                        expected: NamedSize::Run(Box::new([2, 3])),
                        found: NamedSize::Run(Box::new([2])),
                    }),
                },
                "dimension `batch` on axis 0: expected (2, 3) (bound earlier), found (2)",
            ),
            (
                ErrorKind::LengthMismatch {
                    found: 10,
                    unit: 12,
                    shape: Box::new([None, Some(3)]),
                },
                "length mismatch: 10 bytes do not fit shape (?, 3): expected a multiple of 12 bytes",
            ),
        ];
        for (kind, message) in cases {
            assert_eq!(Error::from(kind).to_string(), message);
        }
    }

    #[test]
    fn io_errors_name_the_os_error_once() {
        use std::error::Error as _;
        let e = Error::from(io::Error::new(io::ErrorKind::NotFound, "no such file"));
        assert_eq!(e.to_string(), "i/o error: no such file");
        assert!(e.source().is_none());
    }

    #[test]
    fn value_violations_read_as_a_sentence() {
        let mut violation = ValueViolation {
            kind: ValueKind::BelowMin,
            constraint: "min = 0".into(),
            count: 1,
            first: vec![(vec![0, 2], "-1.0".into())],
        };
        let e = Error::from(ErrorKind::Values {
            violation: Box::new(violation.clone()),
        });
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

    /// One error of every kind (and every limit and value kind), with the code it must have.
    fn every_code() -> Vec<(ErrorKind, &'static str)> {
        let text = || Box::<str>::from("x");
        let mut all = vec![
            (ErrorKind::BadMagic { found: text() }, "npy.bad_magic"),
            (
                ErrorKind::UnsupportedVersion { major: 9, minor: 0 },
                "npy.unsupported_version",
            ),
            (
                ErrorKind::InvalidHeader { reason: text() },
                "npy.invalid_header",
            ),
            (
                ErrorKind::InvalidDescr {
                    descr: text(),
                    reason: "r",
                },
                "dtype.invalid",
            ),
            (
                ErrorKind::UnsupportedDtype { descr: text() },
                "dtype.unsupported",
            ),
            (
                ErrorKind::PickleNotAllowed { descr: text() },
                "dtype.pickle_not_allowed",
            ),
            (
                ErrorKind::ShapeOverflow {
                    what: Overflow::Bytes,
                    bits: 63,
                },
                "shape.overflow",
            ),
            (
                ErrorKind::TruncatedData {
                    expected: 2,
                    found: 1,
                },
                "data.truncated",
            ),
            (ErrorKind::TrailingData { expected: 2 }, "data.trailing"),
            (
                ErrorKind::LengthMismatch {
                    found: 3,
                    unit: 2,
                    shape: Box::new([None]),
                },
                "data.length_mismatch",
            ),
            (
                ErrorKind::InvalidBool { index: 0, value: 2 },
                "data.invalid_bool",
            ),
            (
                ErrorKind::NotRepresentable { reason: text() },
                "data.not_representable",
            ),
            (ErrorKind::JsonSyntax { reason: text() }, "json.syntax"),
            (
                ErrorKind::Ragged {
                    expected: JsonItem::Scalar,
                    found: JsonItem::AnyArray,
                },
                "json.ragged",
            ),
            (
                ErrorKind::UnexpectedToken {
                    expected: "a number",
                    found: JsonToken::Null,
                },
                "json.unexpected_token",
            ),
            (
                ErrorKind::NumberOutOfRange {
                    dtype: DType::U8,
                    number: text(),
                },
                "json.number_out_of_range",
            ),
            (
                ErrorKind::NotAnInteger {
                    dtype: DType::U8,
                    number: text(),
                },
                "json.not_an_integer",
            ),
            (ErrorKind::NumberTooLong { max: 1 }, "json.number_too_long"),
            (ErrorKind::Envelope { reason: text() }, "json.envelope"),
            (
                ErrorKind::DTypeMismatch {
                    expected: Box::new([DType::F32]),
                    found: DType::F64,
                },
                "spec.dtype",
            ),
            (
                ErrorKind::ByteOrderMismatch {
                    expected: ByteOrder::Big,
                    found: ByteOrder::Little,
                },
                "spec.byte_order",
            ),
            (
                ErrorKind::OrderMismatch {
                    expected: Order::C,
                    found: Order::F,
                },
                "spec.order",
            ),
            (
                ErrorKind::NdimMismatch {
                    min: 2,
                    max: Some(2),
                    found: 1,
                },
                "spec.ndim",
            ),
            (
                ErrorKind::ShapeMismatch {
                    axis: 0,
                    expected: Dim::Exact(1),
                    found: 2,
                },
                "spec.shape",
            ),
            (
                ErrorKind::NamedDimMismatch {
                    axis: 0,
                    detail: Box::new(NamedDim {
                        name: text(),
                        expected: NamedSize::One(1),
                        found: NamedSize::One(2),
                    }),
                },
                "spec.named_dim",
            ),
            (
                ErrorKind::MissingArray { array: text() },
                "spec.missing_array",
            ),
            (
                ErrorKind::UnknownArray { array: text() },
                "spec.unknown_array",
            ),
            (
                ErrorKind::InvalidArchive { reason: text() },
                "npz.invalid_archive",
            ),
            (
                ErrorKind::ArchiveTrailingData { found: 1 },
                "npz.trailing_data",
            ),
            (ErrorKind::OverlappingMembers, "npz.overlapping_members"),
            (
                ErrorKind::DuplicateMember { name: None },
                "npz.duplicate_member",
            ),
            (
                ErrorKind::UnsafeMemberName {
                    name: text(),
                    reason: "r",
                },
                "npz.unsafe_name",
            ),
            (
                ErrorKind::UnsupportedMember { what: text() },
                "npz.unsupported",
            ),
            (
                ErrorKind::MemberSizeMismatch {
                    declared: 1,
                    found: 2,
                },
                "npz.size_mismatch",
            ),
            (
                ErrorKind::CrcMismatch {
                    expected: 1,
                    found: 2,
                },
                "npz.crc_mismatch",
            ),
            (
                ErrorKind::InvalidRequest { reason: text() },
                "oip.invalid_request",
            ),
            (
                ErrorKind::DuplicateInput { name: text() },
                "oip.duplicate_input",
            ),
            (
                ErrorKind::BinarySizeMismatch {
                    declared: 1,
                    expected: 2,
                },
                "oip.binary_size",
            ),
            (
                ErrorKind::DataShapeMismatch {
                    declared: Box::new([3]),
                    found: text(),
                },
                "oip.data_shape",
            ),
            (ErrorKind::OutOfMemory { bytes: 1 }, "limit.out_of_memory"),
            (
                ErrorKind::InvalidSpec {
                    location: text(),
                    reason: text(),
                },
                "config.invalid_spec",
            ),
            (
                ErrorKind::Io {
                    source: io::Error::other("x"),
                },
                "io",
            ),
            (
                ErrorKind::InvalidLayout {
                    layout: text(),
                    reason: "r",
                },
                "usage.invalid_layout",
            ),
            (
                ErrorKind::ElementCount {
                    shape: Box::new([]),
                    expected: 1,
                    found: 2,
                },
                "usage.element_count",
            ),
        ];
        for (kind, code) in [
            (LimitKind::Bytes, "limit.bytes"),
            (LimitKind::Elements, "limit.elements"),
            (LimitKind::Ndim, "limit.ndim"),
            (LimitKind::HeaderBytes, "npy.header_too_large"),
            (LimitKind::Depth, "limit.depth"),
            (LimitKind::InputBytes, "limit.input_bytes"),
            (LimitKind::Members, "limit.members"),
            (LimitKind::ArchiveBytes, "limit.archive_bytes"),
            (LimitKind::CompressionRatio, "limit.compression_ratio"),
        ] {
            all.push((
                ErrorKind::LimitExceeded {
                    kind,
                    limit: 1,
                    requested: 2,
                },
                code,
            ));
        }
        for (kind, code) in [
            (ValueKind::Nan, "value.nan"),
            (ValueKind::Infinite, "value.infinite"),
            (ValueKind::BelowMin, "value.below_min"),
            (ValueKind::AboveMax, "value.above_max"),
            (ValueKind::NotInEnum, "value.not_in_enum"),
        ] {
            let violation = ValueViolation {
                kind,
                constraint: String::new(),
                count: 1,
                first: vec![],
            };
            all.push((
                ErrorKind::Values {
                    violation: Box::new(violation),
                },
                code,
            ));
        }
        all
    }

    /// Which variant a kind is. No wildcard: a new variant does not compile until it is added
    /// here, to [`every_code`] and to the table in the crate docs.
    fn variant(kind: &ErrorKind) -> &'static str {
        match kind {
            ErrorKind::BadMagic { .. } => "BadMagic",
            ErrorKind::UnsupportedVersion { .. } => "UnsupportedVersion",
            ErrorKind::InvalidHeader { .. } => "InvalidHeader",
            ErrorKind::InvalidDescr { .. } => "InvalidDescr",
            ErrorKind::UnsupportedDtype { .. } => "UnsupportedDtype",
            ErrorKind::PickleNotAllowed { .. } => "PickleNotAllowed",
            ErrorKind::ShapeOverflow { .. } => "ShapeOverflow",
            ErrorKind::TruncatedData { .. } => "TruncatedData",
            ErrorKind::TrailingData { .. } => "TrailingData",
            ErrorKind::LengthMismatch { .. } => "LengthMismatch",
            ErrorKind::InvalidBool { .. } => "InvalidBool",
            ErrorKind::NotRepresentable { .. } => "NotRepresentable",
            ErrorKind::JsonSyntax { .. } => "JsonSyntax",
            ErrorKind::Ragged { .. } => "Ragged",
            ErrorKind::UnexpectedToken { .. } => "UnexpectedToken",
            ErrorKind::NumberOutOfRange { .. } => "NumberOutOfRange",
            ErrorKind::NotAnInteger { .. } => "NotAnInteger",
            ErrorKind::NumberTooLong { .. } => "NumberTooLong",
            ErrorKind::Envelope { .. } => "Envelope",
            ErrorKind::DTypeMismatch { .. } => "DTypeMismatch",
            ErrorKind::ByteOrderMismatch { .. } => "ByteOrderMismatch",
            ErrorKind::OrderMismatch { .. } => "OrderMismatch",
            ErrorKind::NdimMismatch { .. } => "NdimMismatch",
            ErrorKind::ShapeMismatch { .. } => "ShapeMismatch",
            ErrorKind::NamedDimMismatch { .. } => "NamedDimMismatch",
            ErrorKind::Values { .. } => "Values",
            ErrorKind::MissingArray { .. } => "MissingArray",
            ErrorKind::UnknownArray { .. } => "UnknownArray",
            ErrorKind::InvalidArchive { .. } => "InvalidArchive",
            ErrorKind::ArchiveTrailingData { .. } => "ArchiveTrailingData",
            ErrorKind::OverlappingMembers => "OverlappingMembers",
            ErrorKind::DuplicateMember { .. } => "DuplicateMember",
            ErrorKind::UnsafeMemberName { .. } => "UnsafeMemberName",
            ErrorKind::UnsupportedMember { .. } => "UnsupportedMember",
            ErrorKind::MemberSizeMismatch { .. } => "MemberSizeMismatch",
            ErrorKind::CrcMismatch { .. } => "CrcMismatch",
            ErrorKind::InvalidRequest { .. } => "InvalidRequest",
            ErrorKind::DuplicateInput { .. } => "DuplicateInput",
            ErrorKind::BinarySizeMismatch { .. } => "BinarySizeMismatch",
            ErrorKind::DataShapeMismatch { .. } => "DataShapeMismatch",
            ErrorKind::LimitExceeded { .. } => "LimitExceeded",
            ErrorKind::OutOfMemory { .. } => "OutOfMemory",
            ErrorKind::InvalidSpec { .. } => "InvalidSpec",
            ErrorKind::Io { .. } => "Io",
            ErrorKind::InvalidLayout { .. } => "InvalidLayout",
            ErrorKind::ElementCount { .. } => "ElementCount",
        }
    }

    #[test]
    fn the_code_table_is_complete_and_pinned() {
        let all = every_code();
        let mut wrong = Vec::new();
        for (kind, code) in &all {
            if kind.code() != *code {
                wrong.push(format!(
                    "{}: {} instead of {code}",
                    variant(kind),
                    kind.code()
                ));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Every variant is in the list.
        let mut variants: Vec<&str> = all.iter().map(|(kind, _)| variant(kind)).collect();
        variants.dedup();
        assert_eq!(variants.len(), 46, "{variants:?}");
        // The crate docs list exactly these codes, each with its kind and fault.
        let docs = include_str!("../lib.rs");
        let rows: Vec<(String, String, String)> = docs
            .lines()
            .filter_map(|line| line.strip_prefix("//! | `"))
            .filter_map(|row| {
                let cells: Vec<&str> = row.split(" | ").collect();
                let code = cells.first()?.strip_suffix('`')?.to_string();
                let kind = cells
                    .get(1)?
                    .split("ErrorKind::")
                    .nth(1)?
                    .split('`')
                    .next()?
                    .to_string();
                let fault = cells.get(2)?.trim_end_matches(" |").trim().to_string();
                Some((code, kind, fault))
            })
            .collect();
        let fault_name = |fault: Fault| format!("{fault:?}").to_lowercase();
        let mut expected: Vec<(String, String, String)> = all
            .iter()
            .map(|(kind, code)| {
                (
                    code.to_string(),
                    variant(kind).to_string(),
                    fault_name(kind.fault()),
                )
            })
            .collect();
        let mut found = rows.clone();
        expected.sort();
        found.sort();
        assert_eq!(found, expected, "the table of error codes in src/lib.rs");
    }
}
