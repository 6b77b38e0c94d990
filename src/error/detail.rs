//! The typed details that error kinds carry: which limit, which value constraint, how a named
//! dimension was bound, what a JSON text held where an element belongs.

use std::fmt;

/// Which value constraint elements broke; see [`ErrorKind::Values`](crate::ErrorKind::Values).
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

/// The details of a value constraint violation ([`ErrorKind::Values`](crate::ErrorKind::Values)).
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
    /// -5.0`: the message of [`ErrorKind::Values`](crate::ErrorKind::Values).
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

/// A named dimension's binding: one size, or the sizes of a variadic run (`*batch`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NamedSize {
    /// One axis's size.
    One(usize),
    /// The sizes of the axes a variadic name covers.
    Run(Box<[usize]>),
}

impl fmt::Display for NamedSize {
    /// `4`, or `(2, 3)` for a run.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NamedSize::One(n) => write!(f, "{n}"),
            NamedSize::Run(sizes) => {
                f.write_str("(")?;
                for (i, n) in sizes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{n}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// The details of a named dimension bound to two sizes
/// ([`ErrorKind::NamedDimMismatch`](crate::ErrorKind::NamedDimMismatch)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedDim {
    /// The dimension's name.
    pub name: Box<str>,
    /// The size (or, for a variadic name, the sizes) bound first.
    pub expected: NamedSize,
    /// The size found here.
    pub found: NamedSize,
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
    /// Members of an archive, or inputs of an inference request
    /// ([`Limits::max_members`](crate::Limits::max_members)).
    Members,
    /// Declared size of an archive's members, or of an inference request's tensors, together
    /// ([`Limits::max_archive_bytes`](crate::Limits::max_archive_bytes)).
    ArchiveBytes,
    /// A member's declared uncompressed size over its compressed size
    /// ([`Limits::max_compression_ratio`](crate::Limits::max_compression_ratio)).
    CompressionRatio,
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
            LimitKind::Members => "max_members",
            LimitKind::ArchiveBytes => "max_archive_bytes",
            LimitKind::CompressionRatio => "max_compression_ratio",
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.field())
    }
}

/// What a count that overflowed counts ([`ErrorKind::ShapeOverflow`](crate::ErrorKind::ShapeOverflow)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Overflow {
    /// The element count (the product of the dimensions).
    Elements,
    /// The byte count (elements times the item size).
    Bytes,
}

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Overflow::Elements => "elements",
            Overflow::Bytes => "bytes",
        })
    }
}

/// The kind of a JSON value found where it does not belong ([`ErrorKind::UnexpectedToken`](crate::ErrorKind::UnexpectedToken)).
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

/// What a nested JSON array holds at some index, as [`ErrorKind::Ragged`](crate::ErrorKind::Ragged) reports it.
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
