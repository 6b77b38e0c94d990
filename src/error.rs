//! The crate's error type.
//!
//! Every failure is one variant of [`Error`], with named fields that say what was expected and
//! what was found, and a stable machine-readable [`Error::code`]. Variants are grouped by who is
//! at fault ([`Fault`]): the input bytes, the input measured against the caller's spec, a
//! resource limit, or the environment (I/O).
//!
//! Byte offsets count from 0 at the first byte of the input (for `.npy`, the first byte of the
//! magic string).

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
    /// The caller used the API inconsistently (for example asked for `Array<f32>` from a spec
    /// that allows only `f64`).
    Usage,
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
    /// A byte count does not match a layout (raw buffers: not a multiple of the item size).
    #[error("length mismatch: {found} bytes is not a whole number of {itemsize}-byte items for shape {shape}")]
    LengthMismatch {
        /// Bytes present.
        found: u64,
        /// Bytes per element.
        itemsize: u32,
        /// The shape being matched, as text.
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

    // ---- environment -----------------------------------------------------------------------
    /// Reading or writing failed.
    #[error("i/o error: {source}")]
    Io {
        /// The underlying error.
        #[from]
        source: io::Error,
    },

    // ---- usage -----------------------------------------------------------------------------
    /// The requested element type differs from the array's dtype.
    #[error("type mismatch: the array is `{found}` but `{expected}` was requested")]
    TypeMismatch {
        /// The dtype of the requested Rust type.
        expected: DType,
        /// The array's dtype.
        found: DType,
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
            Error::NotRepresentable { .. } => "data.not_representable",
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
            | Error::NotRepresentable { .. } => Fault::Input,
            Error::DTypeMismatch { .. }
            | Error::ByteOrderMismatch { .. }
            | Error::OrderMismatch { .. }
            | Error::NdimMismatch { .. }
            | Error::ShapeMismatch { .. } => Fault::Spec,
            Error::LimitExceeded { .. } | Error::OutOfMemory { .. } => Fault::Limit,
            Error::Io { .. } => Fault::Io,
            Error::TypeMismatch { .. } => Fault::Usage,
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

    /// The byte offset in the input where the problem was found, when there is one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::InvalidHeader { offset, .. }
            | Error::TruncatedData { offset, .. }
            | Error::TrailingData { offset, .. }
            | Error::InvalidBool { offset, .. } => Some(*offset),
            _ => None,
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

/// Turns a Rust length into a `u64` for error reports and offsets.
///
/// `usize` is at most 64 bits on every platform Rust supports, so this never saturates there;
/// the saturation only keeps the conversion total.
pub(crate) fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Shortens untrusted text for an error message: at most `max` bytes, cut on a char boundary.
pub(crate) fn excerpt(text: &str, max: usize) -> Box<str> {
    if text.len() <= max {
        return text.into();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end]).into_boxed_str()
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
    fn excerpt_cuts_on_char_boundary() {
        assert_eq!(&*excerpt("ab\u{e9}cd", 3), "ab...");
        assert_eq!(&*excerpt("abc", 3), "abc");
    }
}
