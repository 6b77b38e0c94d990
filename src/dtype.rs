//! Element types: [`DType`], [`ByteOrder`] and the [`Element`] trait. Dtypes written as text
//! are parsed in `descr.rs`.

use std::fmt;

use half::{bf16, f16};
use num_complex::Complex;

/// The element types arrayguard reads: the ones whose every bit pattern NumPy and Rust agree on
/// (plus `bool`, whose bytes are checked to be 0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum DType {
    /// One byte, 0 or 1 (NumPy `|b1`).
    Bool,
    /// Signed 8-bit integer (`|i1`).
    I8,
    /// Signed 16-bit integer (`<i2`).
    I16,
    /// Signed 32-bit integer (`<i4`).
    I32,
    /// Signed 64-bit integer (`<i8`).
    I64,
    /// Unsigned 8-bit integer (`|u1`).
    U8,
    /// Unsigned 16-bit integer (`<u2`).
    U16,
    /// Unsigned 32-bit integer (`<u4`).
    U32,
    /// Unsigned 64-bit integer (`<u8`).
    U64,
    /// IEEE 754 binary16 (`<f2`), as [`half::f16`].
    F16,
    /// IEEE 754 binary32 (`<f4`).
    F32,
    /// IEEE 754 binary64 (`<f8`).
    F64,
    /// Complex number of two `f32` (real, imaginary), NumPy `complex64` (`<c8`).
    Complex64,
    /// Complex number of two `f64` (real, imaginary), NumPy `complex128` (`<c16`).
    Complex128,
    /// bfloat16 (the upper half of an IEEE 754 binary32: 8 exponent bits, 7 fraction bits),
    /// as [`half::bf16`]: the Open Inference Protocol's `BF16`. NumPy has no such type, so it
    /// has no `.npy` type string; raw buffers and JSON carry it.
    BF16,
}

impl DType {
    /// Every dtype, in a fixed order: [`DType::NUMPY`], then [`DType::BF16`].
    pub const ALL: [DType; 15] = {
        let mut all = [DType::BF16; 15];
        let mut i = 0;
        while i < DType::NUMPY.len() {
            all[i] = DType::NUMPY[i];
            i += 1;
        }
        all
    };

    /// The dtypes NumPy has, in the order of [`DType::ALL`]: every one but [`DType::BF16`].
    /// These are the dtypes a `.npy` file (and so an `.npz` member) holds.
    pub const NUMPY: [DType; 14] = [
        DType::Bool,
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F16,
        DType::F32,
        DType::F64,
        DType::Complex64,
        DType::Complex128,
    ];

    /// Bytes per element.
    pub fn itemsize(self) -> usize {
        match self {
            DType::Bool | DType::I8 | DType::U8 => 1,
            DType::I16 | DType::U16 | DType::F16 | DType::BF16 => 2,
            DType::I32 | DType::U32 | DType::F32 => 4,
            DType::I64 | DType::U64 | DType::F64 | DType::Complex64 => 8,
            DType::Complex128 => 16,
        }
    }

    /// Bytes per byte-swapped unit: the item size, except for complex numbers, whose real
    /// and imaginary parts are swapped separately.
    pub fn unit_size(self) -> usize {
        match self {
            DType::Complex64 => 4,
            DType::Complex128 => 8,
            other => other.itemsize(),
        }
    }

    /// The NumPy kind character: `b`, `i`, `u`, `f` or `c`.
    pub fn kind(self) -> char {
        match self {
            DType::Bool => 'b',
            DType::I8 | DType::I16 | DType::I32 | DType::I64 => 'i',
            DType::U8 | DType::U16 | DType::U32 | DType::U64 => 'u',
            DType::F16 | DType::F32 | DType::F64 | DType::BF16 => 'f',
            DType::Complex64 | DType::Complex128 => 'c',
        }
    }

    /// The name used in specs and messages: `bool`, `i8` … `u64`, `f16`, `f32`, `f64`,
    /// `complex64`, `complex128`, `bf16`.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::I8 => "i8",
            DType::I16 => "i16",
            DType::I32 => "i32",
            DType::I64 => "i64",
            DType::U8 => "u8",
            DType::U16 => "u16",
            DType::U32 => "u32",
            DType::U64 => "u64",
            DType::F16 => "f16",
            DType::F32 => "f32",
            DType::F64 => "f64",
            DType::Complex64 => "complex64",
            DType::Complex128 => "complex128",
            DType::BF16 => "bf16",
        }
    }

    /// The NumPy type string NumPy itself writes for this dtype in `order`, e.g. `<f8`, `>i4`,
    /// `|u1` (one-byte types always use `|`). [`DType::BF16`], which NumPy lacks, has none:
    /// its name with the byte order's prefix (`<bf16`), which arrayguard's own readers parse
    /// and NumPy refuses, rather than a type string NumPy would read as another type.
    ///
    /// ```
    /// use arrayguard::{ByteOrder, DType};
    /// assert_eq!(DType::F64.typestr(ByteOrder::Big), ">f8");
    /// assert_eq!(DType::Bool.typestr(ByteOrder::Little), "|b1");
    /// ```
    pub fn typestr(self, order: ByteOrder) -> String {
        let prefix = if self.itemsize() == 1 {
            '|'
        } else {
            match order {
                ByteOrder::Little => '<',
                ByteOrder::Big => '>',
            }
        };
        if self == DType::BF16 {
            return format!("{prefix}bf16");
        }
        format!("{prefix}{}{}", self.kind(), self.itemsize())
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Byte order of multi-byte elements in an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Least significant byte first (`<`).
    Little,
    /// Most significant byte first (`>`).
    Big,
}

impl ByteOrder {
    /// The byte order of the machine running this code.
    #[cfg(target_endian = "little")]
    pub const NATIVE: ByteOrder = ByteOrder::Little;
    /// The byte order of the machine running this code.
    #[cfg(target_endian = "big")]
    pub const NATIVE: ByteOrder = ByteOrder::Big;

    /// Whether this is the machine's byte order.
    pub fn is_native(self) -> bool {
        self == Self::NATIVE
    }

    /// `little` or `big`.
    pub fn name(self) -> &'static str {
        match self {
            ByteOrder::Little => "little",
            ByteOrder::Big => "big",
        }
    }
}

impl fmt::Display for ByteOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that holds one element of a [`DType`]: `bool`, `i8`…`u64`, [`half::f16`],
/// `f32`, `f64`, [`num_complex::Complex`] of `f32` / `f64`, and [`half::bf16`].
///
/// The trait is sealed: its hidden methods convert between bytes and elements through
/// bytemuck's checked casts, and only the types listed above are sound for that.
pub trait Element:
    Copy + PartialEq + fmt::Debug + Default + Send + Sync + 'static + sealed::Sealed
{
    /// The dtype this type holds.
    const DTYPE: DType;

    /// A plain-old-data type with the same layout as `Self` that accepts every bit pattern
    /// (`u8` for `bool`, `Self` otherwise). Used for reading bytes before they are checked.
    #[doc(hidden)]
    type Raw: bytemuck::Pod + Default + Send + Sync;

    /// Converts checked raw storage into elements, without copying where `Raw == Self`.
    ///
    /// For `bool` the caller must have checked every byte is 0 or 1 (other bytes map to `true`).
    #[doc(hidden)]
    fn from_raw_vec(raw: Vec<Self::Raw>) -> Vec<Self>;

    /// Reinterprets checked raw storage as elements, or `None` if some value is invalid.
    #[doc(hidden)]
    fn from_raw_slice(raw: &[Self::Raw]) -> Option<&[Self]>;

    /// Reinterprets elements as raw storage.
    #[doc(hidden)]
    fn as_raw_slice(values: &[Self]) -> &[Self::Raw];

    /// Reverses the bytes of every swap unit (each component of a complex number).
    #[doc(hidden)]
    fn swap_raw(raw: &mut [Self::Raw]);

    /// The value, widened without loss, for value constraints.
    #[doc(hidden)]
    fn value_parts(self) -> ValueParts;
}

/// An element's value widened without loss: integers (and `bool`) to `i128`, floats to `f64`,
/// complex numbers to two `f64`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueParts {
    /// An integer or `bool` (0 or 1).
    Int(i128),
    /// A float.
    Float(f64),
    /// A complex number (real, imaginary).
    Complex(f64, f64),
}

macro_rules! pod_element {
    ($($t:ty => $dtype:ident, $unit:ty, |$v:ident| $parts:expr;)*) => {$(
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$dtype;
            type Raw = $t;
            fn from_raw_vec(raw: Vec<Self::Raw>) -> Vec<Self> {
                raw
            }
            fn from_raw_slice(raw: &[Self::Raw]) -> Option<&[Self]> {
                Some(raw)
            }
            fn as_raw_slice(values: &[Self]) -> &[Self::Raw] {
                values
            }
            fn swap_raw(raw: &mut [Self::Raw]) {
                // `$unit` divides the size and alignment of `$t`, so this cast cannot fail.
                let units: &mut [$unit] = bytemuck::cast_slice_mut(raw);
                for unit in units {
                    *unit = unit.swap_bytes();
                }
            }
            fn value_parts(self) -> ValueParts {
                let $v = self;
                $parts
            }
        }
    )*};
}

pod_element! {
    i8 => I8, u8, |v| ValueParts::Int(i128::from(v));
    i16 => I16, u16, |v| ValueParts::Int(i128::from(v));
    i32 => I32, u32, |v| ValueParts::Int(i128::from(v));
    i64 => I64, u64, |v| ValueParts::Int(i128::from(v));
    u8 => U8, u8, |v| ValueParts::Int(i128::from(v));
    u16 => U16, u16, |v| ValueParts::Int(i128::from(v));
    u32 => U32, u32, |v| ValueParts::Int(i128::from(v));
    u64 => U64, u64, |v| ValueParts::Int(i128::from(v));
    f16 => F16, u16, |v| ValueParts::Float(f64::from(v));
    bf16 => BF16, u16, |v| ValueParts::Float(f64::from(v));
    f32 => F32, u32, |v| ValueParts::Float(f64::from(v));
    f64 => F64, u64, |v| ValueParts::Float(v);
    Complex<f32> => Complex64, u32, |v| ValueParts::Complex(f64::from(v.re), f64::from(v.im));
    Complex<f64> => Complex128, u64, |v| ValueParts::Complex(v.re, v.im);
}

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    type Raw = u8;
    fn from_raw_vec(raw: Vec<u8>) -> Vec<bool> {
        raw.into_iter().map(|b| b != 0).collect()
    }
    fn from_raw_slice(raw: &[u8]) -> Option<&[bool]> {
        bytemuck::checked::try_cast_slice(raw).ok()
    }
    fn as_raw_slice(values: &[bool]) -> &[u8] {
        bytemuck::cast_slice(values)
    }
    fn swap_raw(_raw: &mut [u8]) {}
    fn value_parts(self) -> ValueParts {
        ValueParts::Int(i128::from(u8::from(self)))
    }
}

/// The per-dtype dispatch, defined (and exported, hidden) beside [`DynArray`](crate::DynArray).
pub(crate) use crate::by_dtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complex_swaps_each_part() {
        let mut v = [Complex::new(1.0f32, 2.0)];
        Complex::<f32>::swap_raw(&mut v);
        assert_eq!(v[0].re.to_bits(), 1.0f32.to_bits().swap_bytes());
        assert_eq!(v[0].im.to_bits(), 2.0f32.to_bits().swap_bytes());
    }

    #[test]
    fn bool_view_rejects_other_bytes() {
        assert_eq!(bool::from_raw_slice(&[0, 1]), Some(&[false, true][..]));
        assert_eq!(bool::from_raw_slice(&[2]), None);
    }
}
