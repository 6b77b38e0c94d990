//! Raw typed buffers: bytes plus a [`Layout`] (dtype, byte order, shape, order).
//!
//! A raw buffer carries no header: everything about it comes from the caller's [`Layout`],
//! which names the dtype in one of three notations and gives a shape in which at most one
//! axis may be inferred from the byte count:
//!
//! | notation | constructor |
//! | --- | --- |
//! | NumPy type string (`<i4`, `>f8`, `\|u1`) | [`Layout::from_typestr`] |
//! | Rust-style name (`i32`, `f64`, also NumPy's `float32`) and an explicit byte order | [`Layout::new`] with [`DType`]'s `FromStr` |
//! | Python `array` typecode (`'l'`) and the platform that wrote the buffer | [`Layout::from_typecode`] with a [`Platform`] |
//!
//! The Python `array` module's item sizes are those of C types, so the same bytes mean
//! different things on different platforms (`'l'` is 8 bytes on 64-bit Linux and macOS, 4 on
//! Windows). The platform is therefore a required argument: arrayguard never guesses it.
//!
//! Which function to call:
//!
//! | input | typed, default limits | any dtype or other options |
//! | --- | --- | --- |
//! | `&[u8]` | [`from_slice`] → [`ArrayView`] (zero-copy when aligned and native-endian) | [`ReadOptions::read_slice_dyn`] |
//! | `impl Read` | [`from_reader`] → [`Array`] | [`ReadOptions::read_reader_dyn`] |
//! | a path | [`from_path`] → [`Array`] | [`ReadOptions::read_path_dyn`] |
//!
//! **Length rules.** With every axis fixed, the input must hold exactly the layout's byte
//! count: fewer bytes are [`Error::TruncatedData`], more are [`Error::TrailingData`]. With an
//! inferred axis, the byte count must be a whole multiple of the item size times the product
//! of the fixed axes, else [`Error::LengthMismatch`]; the inferred axis is the quotient. Byte
//! offsets in errors count from 0 at the first byte of the buffer.
//!
//! **Order of checks.** The layout is turned into a [`Plan`] with checked arithmetic and
//! checked against the [`ArraySpec`] and the [`Limits`] before the payload is touched, then
//! against the bytes available (the slice's length, a regular file's length), and only then is
//! anything allocated. With an inferred axis every check that does not depend on that axis
//! (dtype, byte order, number of dimensions, the fixed axes) comes first; the byte count is
//! then compared with the limits before its divisibility.
//!
//! **Buffering.** A reader with a fully fixed layout is read into a buffer that grows as data
//! arrives, up to the checked size. A reader with an inferred axis has no size to check up
//! front: its buffer grows as data arrives and reading stops, with [`Error::LimitExceeded`],
//! as soon as the input exceeds [`Limits::max_bytes`] (or [`Limits::max_elements`] elements),
//! so it never holds more than that limit plus one element. A regular file's length is known,
//! so its payload buffer is allocated once, after the checks. Wrapping a reader in a
//! `BufReader` gains nothing.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use crate::array::{Array, ArrayView, DynArray};
use crate::dtype::{by_dtype, ByteOrder, DType, Element};
use crate::error::{excerpt, to_u64, Error, LimitKind, Result};
use crate::limits::Limits;
use crate::payload;
use crate::shape::{Order, Shape};
use crate::spec::{ArraySpec, Dim, Plan};

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
    /// As [`DType::parse_typestr`]: [`Error::InvalidDescr`], [`Error::UnsupportedDtype`],
    /// [`Error::PickleNotAllowed`].
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
    /// [`Error::UnsupportedDtype`] for the text typecodes `u` and `w`; [`Error::InvalidDescr`]
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
                return Err(Error::UnsupportedDtype {
                    descr: format!("array typecode '{typecode}' (text)").into_boxed_str(),
                })
            }
            other => {
                let mut buf = [0u8; 4];
                return Err(Error::InvalidDescr {
                    descr: excerpt(other.encode_utf8(&mut buf), 200),
                    reason: "unknown Python `array` typecode; expected one of `bBhHiIlLqQefd`",
                });
            }
        };
        Ok(Layout::new(dtype, platform.byte_order()))
    }

    /// Sets the shape: one [`Axis`] per dimension, at most one of them [`Axis::Infer`]. An
    /// empty shape is 0-d (one element). Defaults to `[Axis::Infer]`.
    ///
    /// With an inferred axis and a zero fixed axis, no byte count determines the inferred
    /// axis: an empty input is read with 0 on the inferred axis (any size would fit, and every
    /// choice holds no element), a non-empty one is [`Error::LengthMismatch`] at read time.
    /// (NumPy's `reshape` refuses both.)
    ///
    /// # Errors
    ///
    /// [`Error::InvalidDescr`] when more than one axis is [`Axis::Infer`].
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
            return Err(Error::InvalidDescr {
                descr: excerpt(&axes_text(&axes), 200),
                reason: "at most one axis of a raw layout may be inferred",
            });
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
    /// [`Error::ShapeOverflow`] when the fixed axes' byte count does not fit in `isize`;
    /// for a fully fixed layout [`Error::TruncatedData`] or [`Error::TrailingData`] when `len`
    /// differs from its byte count; with an inferred axis [`Error::LengthMismatch`] when `len`
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
                check_len(&plan, len)?;
                Ok(plan)
            }
            Some(_) => self.inferred_plan(self.unit()?, len),
        }
    }

    /// The plan of a layout whose axes are all fixed.
    fn fixed_plan(&self) -> Result<Plan> {
        self.plan_with(0)
    }

    /// The plan with `inferred` as the size of the inferred axis, if there is one.
    fn plan_with(&self, inferred: usize) -> Result<Plan> {
        let shape = Shape::new(self.dims_with(inferred))?;
        Plan::new(self.dtype, self.byte_order, shape, self.order)
    }

    /// The dimensions with `inferred` as the size of the inferred axis, if there is one.
    fn dims_with(&self, inferred: usize) -> Vec<usize> {
        self.shape
            .iter()
            .map(|a| match a {
                Axis::Fixed(n) => *n,
                Axis::Infer => inferred,
            })
            .collect()
    }

    /// Bytes per step of the inferred axis: the item size times the fixed axes, or 0 when a
    /// fixed axis is 0.
    ///
    /// The non-zero axes must fit in `isize` bytes even when a zero axis makes the product 0,
    /// the rule of [`Shape::byte_len`] (and NumPy's): `(0, 2**62, ?)` of 8-byte items is refused.
    fn unit(&self) -> Result<usize> {
        let overflow = || Error::ShapeOverflow {
            what: "bytes",
            bits: isize::BITS - 1,
        };
        let mut nonzero = self.dtype.itemsize();
        let mut has_zero = false;
        for axis in &self.shape {
            match *axis {
                Axis::Fixed(0) => has_zero = true,
                Axis::Fixed(n) => {
                    nonzero = nonzero
                        .checked_mul(n)
                        .filter(|&b| isize::try_from(b).is_ok())
                        .ok_or_else(overflow)?;
                }
                Axis::Infer => {}
            }
        }
        Ok(if has_zero { 0 } else { nonzero })
    }

    /// The plan for `len` bytes with `unit` bytes per step of the inferred axis.
    fn inferred_plan(&self, unit: usize, len: u64) -> Result<Plan> {
        let mismatch = || Error::LengthMismatch {
            found: len,
            itemsize: u32::try_from(self.dtype.itemsize()).unwrap_or(u32::MAX),
            shape: axes_text(&self.shape),
        };
        let unit = to_u64(unit);
        let steps = if unit == 0 {
            // A zero fixed axis: only an empty input fits, and then any size does; take 0.
            if len != 0 {
                return Err(mismatch());
            }
            0
        } else if len % unit == 0 {
            len / unit
        } else {
            return Err(mismatch());
        };
        let steps = usize::try_from(steps).map_err(|_| Error::ShapeOverflow {
            what: "elements",
            bits: isize::BITS - 1,
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

/// Compares an input's length with a complete plan's byte count.
fn check_len(plan: &Plan, len: u64) -> Result<()> {
    let expected = to_u64(plan.nbytes());
    if len < expected {
        return Err(Error::TruncatedData {
            offset: 0,
            expected,
            found: len,
        });
    }
    if len > expected {
        return Err(Error::TrailingData {
            offset: expected,
            expected,
        });
    }
    Ok(())
}

/// The platform whose C types sized a Python `array` buffer: see [`Layout::from_typecode`].
///
/// Parsed from its [`name`](Platform::name) (`linux-x86_64`, `macos-arm64`, `windows-x86_64`,
/// …) or from what Python's `sysconfig.get_platform()` prints there (`win-amd64`, `win32`,
/// `win-arm64`, `linux-i686`, `linux-armv7l`, `linux-arm64`, `macosx-<version>-x86_64`,
/// `macosx-<version>-arm64`). `macosx-<version>-universal2` is refused: it does not say which
/// architecture ran the code.
///
/// ```
/// use arrayguard::raw::Platform;
/// assert_eq!("win-amd64".parse::<Platform>()?, Platform::WindowsX86_64);
/// assert_eq!("macosx-11.0-arm64".parse::<Platform>()?, Platform::MacosArm64);
/// assert_eq!(Platform::LinuxAarch64.to_string(), "linux-aarch64");
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// 64-bit x86 Linux (LP64, little-endian): `linux-x86_64`.
    LinuxX86_64,
    /// 64-bit Arm Linux (LP64, little-endian): `linux-aarch64`.
    LinuxAarch64,
    /// 32-bit x86 Linux (ILP32, little-endian): `linux-x86`.
    LinuxX86,
    /// 32-bit Arm Linux (ILP32, little-endian): `linux-arm`.
    LinuxArm,
    /// IBM Z Linux (LP64, **big-endian**): `linux-s390x`.
    LinuxS390x,
    /// Intel macOS (LP64, little-endian): `macos-x86_64`.
    MacosX86_64,
    /// Apple silicon macOS (LP64, little-endian): `macos-arm64`.
    MacosArm64,
    /// 64-bit x86 Windows (LLP64, little-endian): `windows-x86_64`.
    WindowsX86_64,
    /// 32-bit x86 Windows (ILP32, little-endian): `windows-x86`.
    WindowsX86,
    /// 64-bit Arm Windows (LLP64, little-endian): `windows-arm64`.
    WindowsArm64,
}

impl Platform {
    /// Every platform, in a fixed order.
    pub const ALL: [Platform; 10] = [
        Platform::LinuxX86_64,
        Platform::LinuxAarch64,
        Platform::LinuxX86,
        Platform::LinuxArm,
        Platform::LinuxS390x,
        Platform::MacosX86_64,
        Platform::MacosArm64,
        Platform::WindowsX86_64,
        Platform::WindowsX86,
        Platform::WindowsArm64,
    ];

    /// The canonical name, `<os>-<arch>`: `linux-x86_64`, `macos-arm64`, `windows-x86_64`…
    pub fn name(self) -> &'static str {
        match self {
            Platform::LinuxX86_64 => "linux-x86_64",
            Platform::LinuxAarch64 => "linux-aarch64",
            Platform::LinuxX86 => "linux-x86",
            Platform::LinuxArm => "linux-arm",
            Platform::LinuxS390x => "linux-s390x",
            Platform::MacosX86_64 => "macos-x86_64",
            Platform::MacosArm64 => "macos-arm64",
            Platform::WindowsX86_64 => "windows-x86_64",
            Platform::WindowsX86 => "windows-x86",
            Platform::WindowsArm64 => "windows-arm64",
        }
    }

    /// The native byte order, which `array.tobytes()` writes.
    pub fn byte_order(self) -> ByteOrder {
        match self {
            Platform::LinuxS390x => ByteOrder::Big,
            _ => ByteOrder::Little,
        }
    }

    /// Bytes in a C `long` (typecodes `l` and `L`): 8 on 64-bit Linux and macOS (LP64), 4 on
    /// Windows (LLP64) and on 32-bit platforms.
    pub fn long_size(self) -> usize {
        match self {
            Platform::LinuxX86_64
            | Platform::LinuxAarch64
            | Platform::LinuxS390x
            | Platform::MacosX86_64
            | Platform::MacosArm64 => 8,
            Platform::LinuxX86
            | Platform::LinuxArm
            | Platform::WindowsX86_64
            | Platform::WindowsX86
            | Platform::WindowsArm64 => 4,
        }
    }

    /// Bytes in a C `wchar_t` (typecode `u`): 2 on Windows (UTF-16 code units), 4 elsewhere.
    pub fn wchar_size(self) -> usize {
        match self {
            Platform::WindowsX86_64 | Platform::WindowsX86 | Platform::WindowsArm64 => 2,
            _ => 4,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Platform {
    type Err = Error;

    /// Parses a platform name; see [`Platform`] for the accepted spellings.
    fn from_str(s: &str) -> Result<Platform> {
        let platform = match s {
            "linux-x86_64" => Platform::LinuxX86_64,
            "linux-aarch64" | "linux-arm64" => Platform::LinuxAarch64,
            "linux-x86" | "linux-i686" => Platform::LinuxX86,
            "linux-arm" | "linux-armv7l" => Platform::LinuxArm,
            "linux-s390x" => Platform::LinuxS390x,
            "macos-x86_64" => Platform::MacosX86_64,
            "macos-arm64" => Platform::MacosArm64,
            "windows-x86_64" | "win-amd64" => Platform::WindowsX86_64,
            "windows-x86" | "win32" => Platform::WindowsX86,
            "windows-arm64" | "win-arm64" => Platform::WindowsArm64,
            _ => match macosx_arch(s) {
                Some("x86_64") => Platform::MacosX86_64,
                Some("arm64") => Platform::MacosArm64,
                _ => {
                    return Err(Error::InvalidDescr {
                        descr: excerpt(s, 200),
                        reason: "unknown platform; expected one of `linux-x86_64`, \
                                 `linux-aarch64`, `linux-x86`, `linux-arm`, `linux-s390x`, \
                                 `macos-x86_64`, `macos-arm64`, `windows-x86_64`, \
                                 `windows-x86`, `windows-arm64`",
                    })
                }
            },
        };
        Ok(platform)
    }
}

/// The architecture of a `sysconfig.get_platform()` macOS name, `macosx-<version>-<arch>`.
fn macosx_arch(s: &str) -> Option<&str> {
    let (version, arch) = s.strip_prefix("macosx-")?.rsplit_once('-')?;
    let is_version = !version.is_empty()
        && version.split('.').all(|part| {
            !part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit())
        });
    is_version.then_some(arch)
}

/// Reads a raw buffer from a slice into a typed view, with default limits.
///
/// The view borrows `bytes` when they are aligned for `T` and in native byte order, and holds
/// a copy otherwise. The slice must be exactly the buffer (see the module docs for the length
/// rules).
///
/// # Errors
///
/// [`Error::ShapeOverflow`]; spec errors ([`Error::DTypeMismatch`] also when the layout's
/// dtype is not `T`'s, [`Error::ByteOrderMismatch`], [`Error::NdimMismatch`],
/// [`Error::ShapeMismatch`], [`Error::OrderMismatch`]); [`Error::LimitExceeded`];
/// [`Error::TruncatedData`], [`Error::TrailingData`], [`Error::LengthMismatch`];
/// [`Error::InvalidBool`]; [`Error::OutOfMemory`] when a copy cannot be allocated.
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::{ArraySpec, DType, Dim};
///
/// let bytes: Vec<u8> = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]
///     .iter()
///     .flat_map(|v| v.to_le_bytes())
///     .collect();
/// let layout = Layout::from_typestr("<f4")?.with_shape([None, Some(3)])?;
/// let spec = ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]);
/// let view = raw::from_slice::<f32>(&bytes, &layout, &spec)?;
/// assert_eq!(view.shape().dims(), &[2, 3]);
/// assert_eq!(view.get(&[1, 0]), Some(&4.0));
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_slice<'a, T: Element>(
    bytes: &'a [u8],
    layout: &Layout,
    spec: &ArraySpec,
) -> Result<ArrayView<'a, T>> {
    ReadOptions::new().read_slice(bytes, layout, spec)
}

/// [`from_slice`] with explicit limits.
///
/// # Errors
///
/// As [`from_slice`].
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::{ArraySpec, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 4;
/// let layout = Layout::from_typestr("|u1")?;
/// assert_eq!(raw::from_slice_with_limits::<u8>(&[1, 2, 3], &layout, &ArraySpec::any(), &limits)?.len(), 3);
/// let err = raw::from_slice_with_limits::<u8>(&[0; 5], &layout, &ArraySpec::any(), &limits);
/// assert_eq!(err.unwrap_err().code(), "limit.bytes");
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_slice_with_limits<'a, T: Element>(
    bytes: &'a [u8],
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<ArrayView<'a, T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_slice(bytes, layout, spec)
}

/// Reads a raw buffer from any reader into an owned typed array, with default limits.
///
/// The reader must end right after the buffer. See the module docs for how much is buffered:
/// never more than the limits allow, whatever the input.
///
/// # Errors
///
/// As [`from_slice`], plus [`Error::Io`].
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout, Platform};
/// use arrayguard::{ArraySpec, DType};
/// // `array.array('l', [1, -2, 3]).tobytes()` on 64-bit Linux.
/// let bytes: Vec<u8> = [1i64, -2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
/// let layout = Layout::from_typecode('l', Platform::LinuxX86_64)?;
/// let array = raw::from_reader::<i64, _>(&bytes[..], &layout, &ArraySpec::new(DType::I64))?;
/// assert_eq!(array.as_slice(), &[1, -2, 3]);
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_reader<T: Element, R: Read>(
    reader: R,
    layout: &Layout,
    spec: &ArraySpec,
) -> Result<Array<T>> {
    ReadOptions::new().read_reader(reader, layout, spec)
}

/// [`from_reader`] with explicit limits.
///
/// # Errors
///
/// As [`from_reader`].
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::{ArraySpec, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 1 << 10;
/// let layout = Layout::from_typestr("<u2")?;
/// let array = raw::from_reader_with_limits::<u16, _>(&[1u8, 0, 2, 0][..], &layout, &ArraySpec::any(), &limits)?;
/// assert_eq!(array.as_slice(), &[1, 2]);
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn from_reader_with_limits<T: Element, R: Read>(
    reader: R,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_reader(reader, layout, spec)
}

/// Reads a raw buffer from a file into an owned typed array, with default limits.
///
/// A regular file's length is compared with the layout (and, with an inferred axis, with the
/// limits) before the payload buffer is allocated; the buffer is then allocated once. Other
/// files (pipes, devices) are read as [`from_reader`] reads.
///
/// # Errors
///
/// As [`from_reader`].
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::ArraySpec;
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("values.f64");
/// # std::fs::write(&path, [0.5f64, 1.5].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>())?;
/// let array = raw::from_path::<f64>(&path, &Layout::from_typestr("<f8")?, &ArraySpec::any())?;
/// assert_eq!(array.as_slice(), &[0.5, 1.5]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_path<T: Element>(
    path: impl AsRef<Path>,
    layout: &Layout,
    spec: &ArraySpec,
) -> Result<Array<T>> {
    ReadOptions::new().read_path(path, layout, spec)
}

/// [`from_path`] with explicit limits.
///
/// # Errors
///
/// As [`from_reader`].
///
/// # Examples
///
/// ```
/// use arrayguard::raw::{self, Layout};
/// use arrayguard::{ArraySpec, Limits};
/// # let dir = tempfile::tempdir()?;
/// # let path = dir.path().join("big.bin");
/// # std::fs::write(&path, vec![0u8; 4096])?;
/// let mut limits = Limits::default();
/// limits.max_bytes = 1024;
/// let err = raw::from_path_with_limits::<u8>(&path, &Layout::from_typestr("|u1")?, &ArraySpec::any(), &limits);
/// assert_eq!(err.unwrap_err().code(), "limit.bytes");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_path_with_limits<T: Element>(
    path: impl AsRef<Path>,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_path(path, layout, spec)
}

/// Options for reading raw buffers: the limits.
///
/// The free functions ([`from_slice`] and friends) use default options; use this builder to
/// read into a [`DynArray`] (the layout decides the dtype) or with other limits.
///
/// ```
/// use arrayguard::raw::{Layout, ReadOptions};
/// use arrayguard::{ArraySpec, DType, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 1 << 20;
/// let layout = Layout::from_typestr(">i2")?;
/// let array = ReadOptions::new().limits(limits).read_slice_dyn(&[0, 1, 1, 0], &layout, &ArraySpec::any())?;
/// assert_eq!(array.dtype(), DType::I16);
/// assert_eq!(array.as_typed::<i16>().map(|a| a.as_slice()), Some(&[1, 256][..]));
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    limits: Limits,
}

/// A layout checked against a spec and limits as far as possible before the input's length
/// is known.
enum Checked {
    /// Every axis is fixed: the plan is complete and passed every check.
    Fixed(Plan),
    /// One axis is inferred from the length, `unit` bytes per step of it (0 when a fixed axis
    /// is 0).
    Inferred { unit: usize },
}

impl ReadOptions {
    /// Default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads a typed array from a slice, borrowing it when aligned and native-endian. See
    /// [`from_slice`].
    ///
    /// # Errors
    ///
    /// As [`from_slice`].
    pub fn read_slice<'a, T: Element>(
        &self,
        bytes: &'a [u8],
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<ArrayView<'a, T>> {
        let checked = self.check(layout, spec, Some(T::DTYPE))?;
        let plan = self.resolve(checked, layout, spec, to_u64(bytes.len()))?;
        payload::view(&plan, bytes, 0)
    }

    /// Reads an array of the layout's dtype (which the spec must allow) from a slice. The data
    /// is always copied.
    ///
    /// # Errors
    ///
    /// As [`from_slice`].
    pub fn read_slice_dyn(
        &self,
        bytes: &[u8],
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let checked = self.check(layout, spec, None)?;
        let plan = self.resolve(checked, layout, spec, to_u64(bytes.len()))?;
        by_dtype!(plan.dtype(), T => Ok(payload::view::<T>(&plan, bytes, 0)?.into_owned().into()))
    }

    /// Reads a typed array from any reader. See [`from_reader`].
    ///
    /// # Errors
    ///
    /// As [`from_reader`].
    pub fn read_reader<T: Element, R: Read>(
        &self,
        mut reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let checked = self.check(layout, spec, Some(T::DTYPE))?;
        self.read_stream(checked, layout, spec, &mut reader)
    }

    /// Reads an array of the layout's dtype from any reader.
    ///
    /// # Errors
    ///
    /// As [`from_reader`].
    pub fn read_reader_dyn<R: Read>(
        &self,
        mut reader: R,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let checked = self.check(layout, spec, None)?;
        by_dtype!(layout.dtype(), T => Ok(self.read_stream::<T, R>(checked, layout, spec, &mut reader)?.into()))
    }

    /// Reads a typed array from a file. See [`from_path`].
    ///
    /// # Errors
    ///
    /// As [`from_reader`].
    pub fn read_path<T: Element>(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let checked = self.check(layout, spec, Some(T::DTYPE))?;
        let (mut file, len) = open(path.as_ref())?;
        self.read_file(checked, layout, spec, &mut file, len)
    }

    /// Reads an array of the layout's dtype from a file.
    ///
    /// # Errors
    ///
    /// As [`from_reader`].
    pub fn read_path_dyn(
        &self,
        path: impl AsRef<Path>,
        layout: &Layout,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        let checked = self.check(layout, spec, None)?;
        let (mut file, len) = open(path.as_ref())?;
        by_dtype!(layout.dtype(), T => Ok(self.read_file::<T>(checked, layout, spec, &mut file, len)?.into()))
    }

    /// Every check that does not need the input's length: the layout's arithmetic, the spec,
    /// the limits and the requested element type.
    fn check(&self, layout: &Layout, spec: &ArraySpec, want: Option<DType>) -> Result<Checked> {
        let checked = match layout.inferred_axis() {
            None => {
                let plan = layout.fixed_plan()?;
                plan.check(spec, &self.limits)?;
                Checked::Fixed(plan)
            }
            Some(axis) => {
                let unit = layout.unit()?;
                // The spec sees the layout with 0 on the inferred axis, that axis relaxed to
                // any size, and the order it asks for: so it checks the dtype, byte order,
                // number of dimensions and fixed axes now. The inferred axis and the order
                // (which depends on how many axes are longer than 1) are checked by the final
                // `Plan::check` once the length is known.
                let probe = Plan::new(
                    layout.dtype,
                    layout.byte_order,
                    Shape::new(layout.dims_with(0))?,
                    spec.order().unwrap_or(layout.order),
                )?;
                relax_axis(spec, axis).check(&probe)?;
                self.limits.check_ndim(layout.shape.len())?;
                Checked::Inferred { unit }
            }
        };
        match want {
            Some(dtype) if dtype != layout.dtype => Err(Error::DTypeMismatch {
                expected: format!("`{dtype}`").into_boxed_str(),
                found: layout.dtype,
            }),
            _ => Ok(checked),
        }
    }

    /// The plan for an input of `len` bytes, checked against the limits, the layout and the
    /// spec. Nothing has been allocated for the payload yet.
    fn resolve(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        len: u64,
    ) -> Result<Plan> {
        match checked {
            Checked::Fixed(plan) => {
                check_len(&plan, len)?;
                Ok(plan)
            }
            Checked::Inferred { unit } => {
                self.check_inferred_len(layout.dtype, len)?;
                let plan = layout.inferred_plan(unit, len)?;
                plan.check(spec, &self.limits)?;
                Ok(plan)
            }
        }
    }

    /// The most bytes an input with an inferred axis may hold: [`Limits::max_bytes`], or
    /// [`Limits::max_elements`] items if that is fewer bytes. Returns the cap and the limit that
    /// sets it (the elements limit on a tie, as [`Plan::check`] checks elements first).
    fn inferred_cap(&self, dtype: DType) -> (u64, LimitKind) {
        let element_bytes = self
            .limits
            .max_elements
            .saturating_mul(to_u64(dtype.itemsize()));
        if element_bytes <= self.limits.max_bytes {
            (element_bytes, LimitKind::Elements)
        } else {
            (self.limits.max_bytes, LimitKind::Bytes)
        }
    }

    /// Refuses an input with an inferred axis whose length exceeds the cap. The limit named is
    /// the one that sets the cap, so a reader that stopped just past the cap and a slice of the
    /// full length report the same limit.
    fn check_inferred_len(&self, dtype: DType, len: u64) -> Result<()> {
        let (cap, kind) = self.inferred_cap(dtype);
        if len <= cap {
            return Ok(());
        }
        Err(if kind == LimitKind::Elements {
            let elements = len.div_ceil(to_u64(dtype.itemsize()));
            Error::limit(kind, self.limits.max_elements, elements)
        } else {
            Error::limit(kind, self.limits.max_bytes, len)
        })
    }

    /// Reads from a file, using its length when it is a regular file.
    fn read_file<T: Element>(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        file: &mut File,
        len: Option<u64>,
    ) -> Result<Array<T>> {
        let Some(len) = len else {
            return self.read_stream(checked, layout, spec, file);
        };
        let plan = self.resolve(checked, layout, spec, len)?;
        // The file may have grown since its length was read: `to_end` still refuses trailing
        // bytes, before the values are checked.
        payload::read(&plan, file, 0, true, true)
    }

    /// Reads from a source of unknown length.
    ///
    /// Both kinds of layout read through the same capped buffer: a fixed layout up to its byte
    /// count, an inferred one up to the limits. Reading one byte past the cap tells trailing
    /// data (or an input over the limits) apart, and the length is then judged exactly as a
    /// slice of that length would be, before any element is decoded: a reader and a slice of
    /// the same bytes give the same result.
    fn read_stream<T: Element, R: Read>(
        &self,
        checked: Checked,
        layout: &Layout,
        spec: &ArraySpec,
        reader: &mut R,
    ) -> Result<Array<T>> {
        let cap = match &checked {
            Checked::Fixed(plan) => plan.nbytes(),
            Checked::Inferred { .. } => {
                let (cap, _) = self.inferred_cap(T::DTYPE);
                usize::try_from(cap).unwrap_or(usize::MAX)
            }
        };
        let (raw, received) = payload::read_capped::<T, R>(reader, cap)?;
        let plan = self.resolve(checked, layout, spec, to_u64(received))?;
        payload::from_raw(raw, &plan, 0)
    }
}

/// `spec` with any size allowed on `axis`.
fn relax_axis(spec: &ArraySpec, axis: usize) -> ArraySpec {
    match spec.shape() {
        Some(dims) => {
            let mut dims = dims.to_vec();
            if let Some(dim) = dims.get_mut(axis) {
                *dim = Dim::Any;
            }
            spec.clone().with_shape(dims)
        }
        None => spec.clone(),
    }
}

fn open(path: &Path) -> Result<(File, Option<u64>)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    // Only a regular file's length is a promise about what reading will return.
    let len = meta.is_file().then_some(meta.len());
    Ok((file, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_i32(values: &[i32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

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
        assert_eq!(Platform::LinuxX86_64.long_size(), 8);
        assert_eq!(Platform::MacosArm64.long_size(), 8);
        assert_eq!(Platform::WindowsX86_64.long_size(), 4);
        assert_eq!(Platform::LinuxX86.long_size(), 4);
        assert_eq!(Platform::WindowsX86_64.wchar_size(), 2);
        assert_eq!(Platform::LinuxX86_64.wchar_size(), 4);
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
    fn platform_names_round_trip_and_aliases_parse() {
        for platform in Platform::ALL {
            assert_eq!(platform.name().parse::<Platform>().unwrap(), platform);
        }
        let aliases = [
            ("win-amd64", Platform::WindowsX86_64),
            ("win32", Platform::WindowsX86),
            ("win-arm64", Platform::WindowsArm64),
            ("linux-i686", Platform::LinuxX86),
            ("linux-armv7l", Platform::LinuxArm),
            ("linux-arm64", Platform::LinuxAarch64),
            ("macosx-10.9-x86_64", Platform::MacosX86_64),
            ("macosx-11.0-arm64", Platform::MacosArm64),
        ];
        for (text, platform) in aliases {
            assert_eq!(text.parse::<Platform>().unwrap(), platform, "{text}");
        }
        for text in [
            "",
            "linux",
            "Linux-x86_64",
            "macosx-11.0-universal2",
            "macosx--arm64",
            "macosx-arm64",
            "macosx-1..0-arm64",
            "windows",
        ] {
            let err = text.parse::<Platform>().unwrap_err();
            assert_eq!(err.code(), "dtype.invalid", "{text:?}");
        }
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
            "invalid dtype `(?, 2, ?)`: at most one axis of a raw layout may be inferred"
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
            "length mismatch: 20 bytes is not a whole number of 4-byte items for shape (2, ?)"
        );
        let fixed = layout.with_shape([2, 3]).unwrap();
        assert!(matches!(
            fixed.plan(20),
            Err(Error::TruncatedData {
                offset: 0,
                expected: 24,
                found: 20
            })
        ));
        assert!(matches!(
            fixed.plan(28),
            Err(Error::TrailingData {
                offset: 24,
                expected: 24
            })
        ));
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

    #[test]
    fn spec_is_checked_before_the_length() {
        let layout = Layout::from_typestr("<i4")
            .unwrap()
            .with_shape([None, Some(3)])
            .unwrap();
        let options = ReadOptions::new();
        // 5 bytes fit no layout, but the dtype is refused first.
        let spec = ArraySpec::new(DType::F32);
        let err = options.read_slice_dyn(&[0; 5], &layout, &spec).unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
        let err = options
            .read_reader_dyn(&[0u8; 5][..], &layout, &spec)
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
        // A fixed axis is checked before reading; the inferred one after.
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Any, Dim::Exact(4)]);
        let err = options.read_slice_dyn(&[0; 5], &layout, &spec).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch on axis 1: expected 4, found 3"
        );
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Exact(1), Dim::Exact(3)]);
        let err = options
            .read_slice_dyn(&le_i32(&[1, 2, 3, 4, 5, 6]), &layout, &spec)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch on axis 0: expected 1, found 2"
        );
        // The requested element type is checked before reading too.
        let err = options
            .read_reader::<f32, _>(&[0u8; 5][..], &layout, &ArraySpec::any())
            .unwrap_err();
        assert_eq!(err.code(), "spec.dtype");
    }

    #[test]
    fn order_is_checked_once_the_inferred_axis_is_known() {
        let layout = Layout::from_typestr("<i4")
            .unwrap()
            .with_shape([None, Some(2)])
            .unwrap()
            .with_order(Order::F);
        let spec = ArraySpec::any().with_order(Order::C);
        // One row: a single long axis has the same bytes in both orders.
        let one_row = ReadOptions::new().read_slice_dyn(&le_i32(&[1, 2]), &layout, &spec);
        assert_eq!(one_row.unwrap().shape().dims(), &[1, 2]);
        let two_rows = ReadOptions::new().read_slice_dyn(&le_i32(&[1, 2, 3, 4]), &layout, &spec);
        assert_eq!(two_rows.unwrap_err().code(), "spec.order");
    }

    #[test]
    fn inferred_length_is_capped_by_the_smaller_limit() {
        let layout = Layout::from_typestr("<u2").unwrap();
        let limits = Limits {
            max_bytes: 8,
            max_elements: 100,
            ..Limits::default()
        };
        let options = ReadOptions::new().limits(limits.clone());
        let spec = ArraySpec::any();
        assert_eq!(
            options
                .read_slice_dyn(&[0; 8], &layout, &spec)
                .unwrap()
                .len(),
            4
        );
        // 9 bytes: the bytes limit sets the cap, even though 9 is odd.
        for err in [
            options.read_slice_dyn(&[0; 9], &layout, &spec).unwrap_err(),
            options
                .read_reader_dyn(&[0u8; 9][..], &layout, &spec)
                .unwrap_err(),
            options
                .read_reader_dyn(&[0u8; 1000][..], &layout, &spec)
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), "limit.bytes");
        }
        let options = ReadOptions::new().limits(Limits {
            max_elements: 3,
            ..limits
        });
        for err in [
            options.read_slice_dyn(&[0; 8], &layout, &spec).unwrap_err(),
            options
                .read_reader_dyn(&[0u8; 7][..], &layout, &spec)
                .unwrap_err(),
        ] {
            assert_eq!(err.code(), "limit.elements");
        }
    }

    #[test]
    fn capped_reader_stops_one_byte_past_the_cap() {
        struct Endless(u64);
        impl Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                self.0 += to_u64(buf.len());
                buf.fill(1);
                Ok(buf.len())
            }
        }
        let limits = Limits {
            max_bytes: 100_000,
            ..Limits::default()
        };
        let mut source = Endless(0);
        let err = ReadOptions::new()
            .limits(limits)
            .read_reader_dyn(
                &mut source,
                &Layout::from_typestr("|u1").unwrap(),
                &ArraySpec::any(),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            Error::LimitExceeded {
                kind: LimitKind::Bytes,
                limit: 100_000,
                requested: 100_001
            }
        ));
        assert_eq!(source.0, 100_001);
    }

    #[test]
    fn unaligned_or_swapped_slices_are_copied() {
        let bytes = le_i32(&[1, 2, 3, 4]);
        let layout = Layout::from_typestr("<i4").unwrap();
        let view = from_slice::<i32>(&bytes, &layout, &ArraySpec::any()).unwrap();
        assert_eq!(view.as_slice(), &[1, 2, 3, 4]);
        let swapped = layout.with_byte_order(ByteOrder::Big);
        let view = from_slice::<i32>(&bytes, &swapped, &ArraySpec::any()).unwrap();
        assert!(!view.is_borrowed());
        assert_eq!(view.as_slice()[0], 1 << 24);
    }
}
