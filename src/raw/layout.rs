//! [`Layout`]: the dtype, byte order, shape and order a raw buffer is read with.

use std::fmt;

use super::Platform;

use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, Overflow, Result};
use crate::plan::Plan;
use crate::shape::{checked_product, Order, Shape};
use crate::util::{excerpt, to_u64, EXCERPT_LEN};

/// One axis of a [`Layout`]'s shape: a fixed size, or inferred from the byte count.
///
/// `usize` converts to [`Axis::Fixed`], and `Option<usize>` to `Fixed` (`Some`) or
/// [`Axis::Infer`] (`None`), so shapes can be written `[2, 3]` or `[Some(2), None]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Axis {
    /// Exactly this size.
    Fixed(usize),
    /// Whatever size makes the layout hold exactly the input's bytes (at most one per shape,
    /// like NumPy's `-1` in `reshape`).
    Infer,
}

impl From<usize> for Axis {
    fn from(n: usize) -> Axis {
        Axis::Fixed(n)
    }
}

impl From<Option<usize>> for Axis {
    fn from(n: Option<usize>) -> Axis {
        n.map_or(Axis::Infer, Axis::Fixed)
    }
}

impl fmt::Display for Axis {
    /// The size, or `?` for an inferred axis.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Axis::Fixed(n) => write!(f, "{n}"),
            Axis::Infer => f.write_str("?"),
        }
    }
}

/// Formats axes as a Python tuple, `?` for the inferred one: `()`, `(?,)`, `(2, ?)`.
fn axes_text(axes: &[Axis]) -> Box<str> {
    let parts: Vec<String> = axes.iter().map(Axis::to_string).collect();
    let text = match parts.len() {
        1 => format!("({},)", parts.concat()),
        _ => format!("({})", parts.join(", ")),
    };
    text.into_boxed_str()
}

/// How to read a raw buffer: dtype, byte order, shape (at most one axis inferred) and memory
/// order.
///
/// Every `Layout` value is consistent: its shape has at most one [`Axis::Infer`]. A new layout
/// is one-dimensional with its length inferred (`(?,)`) and in C order.
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{Axis, Layout, Platform};
/// use arrayguard::{ByteOrder, DType, Order};
///
/// // The three dtype notations.
/// let a = Layout::from_typestr("<i4")?;
/// let b = Layout::new("i32".parse::<DType>()?, ByteOrder::Little);
/// let c = Layout::from_typecode('l', Platform::WindowsX86_64)?;
/// assert_eq!((a.dtype(), a.byte_order()), (DType::I32, ByteOrder::Little));
/// assert_eq!(a, b);
/// assert_eq!(a, c);
///
/// // Rows of 3 values in column-major order; the number of rows comes from the byte count.
/// let rows = Layout::from_typestr(">f8")?
///     .with_shape([None, Some(3)])?
///     .with_order(Order::F);
/// assert_eq!(rows.shape(), &[Axis::Infer, Axis::Fixed(3)]);
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Layout {
    dtype: DType,
    byte_order: ByteOrder,
    shape: Vec<Axis>,
    order: Order,
}

impl Layout {
    /// A layout for `dtype` elements in `byte_order`: one-dimensional, length inferred, C order.
    ///
    /// This is the constructor for Rust-style dtype names, parsed with [`DType`]'s `FromStr`
    /// (`"f32"`, `"i64"`, `"complex64"`, NumPy's `"float32"`…). The byte order has no meaning
    /// for one-byte dtypes.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::raw::Layout;
    /// use arrayguard::{ByteOrder, DType};
    /// let layout = Layout::new("f32".parse::<DType>()?, ByteOrder::Big);
    /// assert_eq!(layout.dtype(), DType::F32);
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn new(dtype: DType, byte_order: ByteOrder) -> Layout {
        Layout {
            dtype,
            byte_order,
            shape: vec![Axis::Infer],
            order: Order::C,
        }
    }

    /// A layout from a NumPy type string: one-dimensional, length inferred, C order.
    ///
    /// Accepts what [`DType::parse_typestr`] accepts (`|b1 |i1 |u1`, and `<` or `>` followed by
    /// `i2 i4 i8 u2 u4 u8 f2 f4 f8 c8 c16`) and, because a raw buffer's producer may spell a
    /// one-byte type with a byte order, also `<b1 >b1 <i1 >i1 <u1 >u1` (NumPy reads these as
    /// `|b1 |i1 |u1`; the byte order is recorded but means nothing for one byte).
    /// Platform-dependent forms stay refused: `=f8`, `f8`, `|i4`, `<l`.
    ///
    /// # Errors
    ///
    /// As [`DType::parse_typestr`]: [`ErrorKind::InvalidDescr`], [`ErrorKind::UnsupportedDtype`],
    /// [`ErrorKind::PickleNotAllowed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::raw::Layout;
    /// use arrayguard::{ByteOrder, DType};
    /// let layout = Layout::from_typestr(">c16")?;
    /// assert_eq!((layout.dtype(), layout.byte_order()), (DType::Complex128, ByteOrder::Big));
    /// assert_eq!(Layout::from_typestr("<u1")?.dtype(), DType::U8);
    /// assert!(Layout::from_typestr("<l").is_err());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn from_typestr(typestr: &str) -> Result<Layout> {
        match DType::parse_typestr(typestr) {
            Ok((dtype, byte_order)) => Ok(Layout::new(dtype, byte_order)),
            Err(err) => one_byte_with_order(typestr)
                .map(|(dtype, byte_order)| Layout::new(dtype, byte_order))
                .ok_or(err),
        }
    }

    /// A layout for the bytes of a Python `array.array(typecode, ...)` written by `tobytes()`
    /// (or `tofile()`) on `platform`: one-dimensional, length inferred, C order, in the
    /// platform's native byte order.
    ///
    /// Item sizes are those of the C types on the producing platform ([`Platform::long_size`]
    /// decides `l` and `L`):
    ///
    /// | typecode | C type | dtype |
    /// | --- | --- | --- |
    /// | `b` / `B` | `signed char` / `unsigned char` | `i8` / `u8` |
    /// | `h` / `H` | `short` | `i16` / `u16` |
    /// | `i` / `I` | `int` | `i32` / `u32` |
    /// | `l` / `L` | `long` | `i64` / `u64` on 64-bit Linux and macOS; `i32` / `u32` on Windows and 32-bit platforms |
    /// | `q` / `Q` | `long long` | `i64` / `u64` |
    /// | `e` | `_Float16` (Python 3.15+) | `f16` |
    /// | `f` | `float` | `f32` |
    /// | `d` | `double` | `f64` |
    /// | `u` | `wchar_t` (4 bytes, 2 on Windows) | refused: text |
    /// | `w` | `Py_UCS4` (Python 3.13+) | refused: text |
    ///
    /// If the buffer was byte-swapped (`array.byteswap()`) before it was written, follow with
    /// [`Layout::with_byte_order`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnsupportedDtype`] for the text typecodes `u` and `w`; [`ErrorKind::InvalidDescr`]
    /// for any other character.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::raw::{Layout, Platform};
    /// use arrayguard::DType;
    /// let linux: Platform = "linux-x86_64".parse()?;
    /// assert_eq!(Layout::from_typecode('l', linux)?.dtype(), DType::I64);
    /// assert_eq!(Layout::from_typecode('l', Platform::WindowsX86_64)?.dtype(), DType::I32);
    /// assert!(Layout::from_typecode('u', linux).is_err());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn from_typecode(typecode: char, platform: Platform) -> Result<Layout> {
        let long_is_64 = platform.long_size() == 8;
        let dtype = match typecode {
            'b' => DType::I8,
            'B' => DType::U8,
            'h' => DType::I16,
            'H' => DType::U16,
            'i' => DType::I32,
            'I' => DType::U32,
            'l' if long_is_64 => DType::I64,
            'l' => DType::I32,
            'L' if long_is_64 => DType::U64,
            'L' => DType::U32,
            'q' => DType::I64,
            'Q' => DType::U64,
            'e' => DType::F16,
            'f' => DType::F32,
            'd' => DType::F64,
            'u' | 'w' => {
                return Err(Error::from(ErrorKind::UnsupportedDtype {
                    descr: format!("array typecode '{typecode}' (text)").into_boxed_str(),
                }))
            }
            other => {
                let mut buf = [0u8; 4];
                return Err(Error::from(ErrorKind::InvalidDescr {
                    descr: excerpt(other.encode_utf8(&mut buf), EXCERPT_LEN),
                    reason: "unknown Python `array` typecode; expected one of `bBhHiIlLqQefd`",
                }));
            }
        };
        Ok(Layout::new(dtype, platform.byte_order()))
    }

    /// Sets the shape: one [`Axis`] per dimension, at most one of them [`Axis::Infer`]. An
    /// empty shape is 0-d (one element). Defaults to `[Axis::Infer]`.
    ///
    /// With an inferred axis and a zero fixed axis, no byte count determines the inferred
    /// axis: an empty input is read with 0 on the inferred axis (any size would fit, and every
    /// choice holds no element), a non-empty one is [`ErrorKind::LengthMismatch`] at read time.
    /// (NumPy's `reshape` refuses both.)
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidLayout`] when more than one axis is [`Axis::Infer`].
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::raw::{Axis, Layout};
    /// use arrayguard::{ByteOrder, DType};
    /// let layout = Layout::new(DType::I32, ByteOrder::Little).with_shape([Some(2), None])?;
    /// assert_eq!(layout.inferred_axis(), Some(1));
    /// let fixed = Layout::new(DType::I32, ByteOrder::Little).with_shape([2, 3])?;
    /// assert_eq!(fixed.shape(), &[Axis::Fixed(2), Axis::Fixed(3)]);
    /// assert!(Layout::new(DType::I32, ByteOrder::Little).with_shape([None, None]).is_err());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn with_shape<A: Into<Axis>>(mut self, axes: impl IntoIterator<Item = A>) -> Result<Self> {
        let axes: Vec<Axis> = axes.into_iter().map(Into::into).collect();
        if axes.iter().filter(|&&a| a == Axis::Infer).count() > 1 {
            return Err(Error::from(ErrorKind::InvalidLayout {
                layout: excerpt(&axes_text(&axes), EXCERPT_LEN),
                reason: "at most one axis of a raw layout may be inferred",
            }));
        }
        self.shape = axes;
        Ok(self)
    }

    /// Sets the memory order of the buffer: [`Order::C`] (row-major, NumPy's default and what
    /// `tobytes()` writes) or [`Order::F`] (column-major, `tobytes(order='F')`). Defaults to
    /// [`Order::C`].
    pub fn with_order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Sets the byte order of multi-byte elements (and of each half of a complex number).
    pub fn with_byte_order(mut self, byte_order: ByteOrder) -> Self {
        self.byte_order = byte_order;
        self
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The byte order (meaningless for one-byte dtypes).
    pub fn byte_order(&self) -> ByteOrder {
        self.byte_order
    }

    /// The axes.
    pub fn shape(&self) -> &[Axis] {
        &self.shape
    }

    /// The memory order.
    pub fn order(&self) -> Order {
        self.order
    }

    /// The position of the inferred axis, if there is one.
    pub fn inferred_axis(&self) -> Option<usize> {
        self.shape.iter().position(|&a| a == Axis::Infer)
    }

    /// The plan for an input of `len` bytes: the inferred axis resolved and the length checked
    /// against the layout. No spec or limit is checked; the readers do that (see the module
    /// docs for the order of checks).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ShapeOverflow`] when the fixed axes' byte count does not fit in `isize`;
    /// for a fully fixed layout [`ErrorKind::TruncatedData`] or [`ErrorKind::TrailingData`] when `len`
    /// differs from its byte count; with an inferred axis [`ErrorKind::LengthMismatch`] when `len`
    /// is not a whole multiple of the item size times the fixed axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::raw::Layout;
    /// let layout = Layout::from_typestr("<f4")?.with_shape([None, Some(3)])?;
    /// assert_eq!(layout.plan(24)?.shape().dims(), &[2, 3]);
    /// assert_eq!(layout.plan(20).unwrap_err().code(), "data.length_mismatch");
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn plan(&self, len: u64) -> Result<Plan> {
        match self.inferred_axis() {
            None => {
                let plan = self.fixed_plan()?;
                check_payload_len(&plan, len)?;
                Ok(plan)
            }
            Some(_) => self.inferred_plan(self.unit()?, len),
        }
    }

    /// The plan of a layout whose axes are all fixed.
    pub(super) fn fixed_plan(&self) -> Result<Plan> {
        self.plan_with(0)
    }

    /// The plan with `inferred` as the size of the inferred axis, if there is one.
    fn plan_with(&self, inferred: usize) -> Result<Plan> {
        let shape = Shape::new(self.dims_with(inferred))?;
        Plan::new(self.dtype, self.byte_order, shape, self.order)
    }

    /// The dimensions with `inferred` as the size of the inferred axis, if there is one.
    pub(super) fn dims_with(&self, inferred: usize) -> Vec<usize> {
        self.shape
            .iter()
            .map(|a| match a {
                Axis::Fixed(n) => *n,
                Axis::Infer => inferred,
            })
            .collect()
    }

    /// Bytes per step of the inferred axis: the item size times the fixed axes, or 0 when a
    /// fixed axis is 0. The non-zero axes must fit in `isize` bytes even then: `(0, 2**62, ?)`
    /// of 8-byte items is refused.
    pub(super) fn unit(&self) -> Result<usize> {
        let fixed = self.shape.iter().filter_map(|axis| match *axis {
            Axis::Fixed(n) => Some(n),
            Axis::Infer => None,
        });
        checked_product(self.dtype.itemsize(), fixed).ok_or_else(|| {
            Error::from(ErrorKind::ShapeOverflow {
                what: Overflow::Bytes,
                bits: isize::BITS - 1,
            })
        })
    }

    /// The plan for `len` bytes with `unit` bytes per step of the inferred axis.
    pub(super) fn inferred_plan(&self, unit: usize, len: u64) -> Result<Plan> {
        let unit = to_u64(unit);
        let mismatch = || {
            Error::from(ErrorKind::LengthMismatch {
                found: len,
                unit,
                shape: self
                    .shape
                    .iter()
                    .map(|axis| match *axis {
                        Axis::Fixed(n) => Some(n),
                        Axis::Infer => None,
                    })
                    .collect(),
            })
        };
        let steps = if unit == 0 {
            // A zero fixed axis: only an empty input fits, and then any size does; take 0.
            if len != 0 {
                return Err(mismatch());
            }
            0
        } else if len.is_multiple_of(unit) {
            len / unit
        } else {
            return Err(mismatch());
        };
        let steps = usize::try_from(steps).map_err(|_| {
            Error::from(ErrorKind::ShapeOverflow {
                what: Overflow::Elements,
                bits: isize::BITS - 1,
            })
        })?;
        self.plan_with(steps)
    }
}

/// `<b1 >b1 <i1 >i1 <u1 >u1`: one-byte type strings written with a byte order.
fn one_byte_with_order(typestr: &str) -> Option<(DType, ByteOrder)> {
    let (byte_order, rest) = if let Some(rest) = typestr.strip_prefix('<') {
        (ByteOrder::Little, rest)
    } else {
        (ByteOrder::Big, typestr.strip_prefix('>')?)
    };
    let dtype = match rest {
        "b1" => DType::Bool,
        "i1" => DType::I8,
        "u1" => DType::U8,
        _ => return None,
    };
    Some((dtype, byte_order))
}

/// Compares an input's length with a complete plan's byte count: fewer bytes are truncated
/// data, more are trailing data.
pub(super) fn check_payload_len(plan: &Plan, len: u64) -> Result<()> {
    let expected = to_u64(plan.nbytes());
    if len < expected {
        return Err(Error::from(ErrorKind::TruncatedData {
            expected,
            found: len,
        })
        .at_offset(0));
    }
    if len > expected {
        return Err(Error::from(ErrorKind::TrailingData { expected }).at_offset(expected));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::Platform;

    #[test]
    fn typecode_sizes_follow_the_platform() {
        for platform in Platform::ALL {
            let size = |code| Layout::from_typecode(code, platform).map(|l| l.dtype().itemsize());
            let long = platform.long_size();
            let expected = [
                ('b', 1),
                ('B', 1),
                ('h', 2),
                ('H', 2),
                ('i', 4),
                ('I', 4),
                ('l', long),
                ('L', long),
                ('q', 8),
                ('Q', 8),
                ('e', 2),
                ('f', 4),
                ('d', 8),
            ];
            for (code, bytes) in expected {
                assert_eq!(size(code).unwrap(), bytes, "{code} on {platform}");
                let layout = Layout::from_typecode(code, platform).unwrap();
                assert_eq!(layout.byte_order(), platform.byte_order());
            }
            for code in ['u', 'w'] {
                assert_eq!(size(code).unwrap_err().code(), "dtype.unsupported");
            }
            for code in ['x', '?', 'c', 'g', 'O', '\u{e9}', '\0'] {
                assert_eq!(size(code).unwrap_err().code(), "dtype.invalid");
            }
        }
    }

    #[test]
    fn typecode_signedness() {
        let linux = Platform::LinuxX86_64;
        let dtype = |code| Layout::from_typecode(code, linux).unwrap().dtype();
        assert_eq!(dtype('b'), DType::I8);
        assert_eq!(dtype('B'), DType::U8);
        assert_eq!(dtype('l'), DType::I64);
        assert_eq!(dtype('L'), DType::U64);
        assert_eq!(
            Layout::from_typecode('L', Platform::WindowsArm64)
                .unwrap()
                .dtype(),
            DType::U32
        );
        assert_eq!(
            Layout::from_typecode('i', Platform::LinuxS390x)
                .unwrap()
                .byte_order(),
            ByteOrder::Big
        );
    }

    #[test]
    fn typestr_accepts_one_byte_types_with_an_order() {
        for (text, dtype) in [
            ("<u1", DType::U8),
            (">u1", DType::U8),
            ("|u1", DType::U8),
            ("<i1", DType::I8),
            (">b1", DType::Bool),
        ] {
            assert_eq!(Layout::from_typestr(text).unwrap().dtype(), dtype, "{text}");
        }
        for (text, code) in [
            ("|i4", "dtype.invalid"),
            ("=f8", "dtype.invalid"),
            ("f8", "dtype.invalid"),
            ("<l", "dtype.invalid"),
            ("<u1 ", "dtype.invalid"),
            ("<U1", "dtype.unsupported"),
            ("|O", "dtype.pickle_not_allowed"),
            ("", "dtype.invalid"),
        ] {
            let err = Layout::from_typestr(text).unwrap_err();
            assert_eq!(err.code(), code, "{text:?}");
        }
    }

    #[test]
    fn at_most_one_axis_is_inferred() {
        let layout = Layout::new(DType::I32, ByteOrder::Little);
        assert_eq!(layout.shape(), &[Axis::Infer]);
        let err = layout
            .clone()
            .with_shape([None, Some(2), None])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid layout `(?, 2, ?)`: at most one axis of a raw layout may be inferred"
        );
        let ok = layout.with_shape([Axis::Fixed(2), Axis::Infer]).unwrap();
        assert_eq!(ok.inferred_axis(), Some(1));
    }

    #[test]
    fn plan_infers_the_axis_or_refuses_the_length() {
        let layout = Layout::from_typestr("<i4")
            .unwrap()
            .with_shape([Some(2), None])
            .unwrap();
        assert_eq!(layout.plan(24).unwrap().shape().dims(), &[2, 3]);
        assert_eq!(layout.plan(0).unwrap().shape().dims(), &[2, 0]);
        let err = layout.plan(20).unwrap_err();
        assert_eq!(
            err.to_string(),
            "length mismatch: 20 bytes do not fit shape (2, ?): expected a multiple of 8 bytes"
        );
        let fixed = layout.with_shape([2, 3]).unwrap();
        assert!(fixed.plan(20).as_ref().is_err_and(|e| matches!(
            e.kind(),
            ErrorKind::TruncatedData {
                expected: 24,
                found: 20
            }
        ) && e.offset() == Some(0)));
        assert!(fixed.plan(28).as_ref().is_err_and(|e| matches!(
            e.kind(),
            ErrorKind::TrailingData { expected: 24 }
        ) && e.offset() == Some(24)));
    }

    #[test]
    fn zero_fixed_axis_with_inferred_axis() {
        let layout = Layout::from_typestr("<f8")
            .unwrap()
            .with_shape([Some(0), None])
            .unwrap();
        assert_eq!(layout.plan(0).unwrap().shape().dims(), &[0, 0]);
        assert_eq!(layout.plan(8).unwrap_err().code(), "data.length_mismatch");
        // The zero does not hide an overflow of the other axes (NumPy's rule too).
        let huge = layout.with_shape([Some(0), Some(1 << 62), None]).unwrap();
        assert_eq!(huge.plan(0).unwrap_err().code(), "shape.overflow");
    }

    #[test]
    fn inferred_axis_overflow_is_refused() {
        let layout = Layout::from_typestr("<i8")
            .unwrap()
            .with_shape([Some(1 << 40), Some(1 << 40), None])
            .unwrap();
        assert_eq!(layout.plan(16).unwrap_err().code(), "shape.overflow");
        let fixed = layout.with_shape([1usize << 40, 1 << 40, 4]).unwrap();
        assert_eq!(fixed.plan(16).unwrap_err().code(), "shape.overflow");
    }
}
