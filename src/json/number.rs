//! Turning JSON leaves (number tokens, booleans, and the values a serde deserializer hands
//! over) into elements, exactly.
//!
//! - Integers: the token must have no fraction and no exponent (`1.0`, `1e2` are refused), and
//!   its value must fit the type; digits are accumulated with checked arithmetic, so nothing
//!   wraps. `-0` is 0.
//! - Floats: correctly rounded (round to nearest, ties to even) from the decimal text, however
//!   long; `f16` is rounded once, not twice. The arithmetic is in [`float`](super::float).
//! - Finite text that rounds to infinity is out of range; `NaN`, `Infinity` and `-Infinity`
//!   are separate tokens, accepted only when the caller allows them.

use std::cmp::Ordering;

use half::{bf16, f16};
use num_complex::Complex;

use super::float::{compare_decimal, narrow_from_f64, Float};
use super::scan::Digits;

/// A number token as the scanner hands it over: its text (JSON grammar), whether it has
/// neither fraction nor exponent, and its exact digits when they fit in a `u64`.
#[derive(Clone, Copy, Debug)]
pub struct Number<'a> {
    pub(crate) text: &'a str,
    pub(crate) integer: bool,
    pub(crate) digits: Option<Digits>,
}

impl Number<'_> {
    /// Whether the token starts with `-`.
    #[inline]
    fn is_negative(&self) -> bool {
        self.text.as_bytes().first() == Some(&b'-')
    }
}

/// Why a leaf was refused; the reader adds the position and the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeafError {
    /// The value does not fit the dtype.
    OutOfRange,
    /// A fraction or exponent for an integer dtype.
    NotAnInteger,
    /// A value of the wrong kind; the text says what the dtype takes.
    Unexpected(&'static str),
}

/// The non-finite tokens Python's `json.dumps` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonFinite {
    /// `NaN`.
    NaN,
    /// `Infinity`.
    Infinity,
    /// `-Infinity`.
    NegInfinity,
}

/// How an element type reads JSON leaves. Sealed: implemented for every
/// [`Element`](crate::Element) type, and reachable only through
/// [`JsonValue`](crate::json::JsonValue).
pub trait FromJson: Copy + Sized {
    /// The scalar one JSON leaf holds: the element itself, or a complex number's part.
    type Part: Copy;
    /// JSON leaves per element: 1, or 2 for a complex number written `[re, im]`.
    const PARTS: usize;
    /// What the dtype takes, for messages.
    const EXPECTED: &'static str;

    /// A part from a number token that follows the JSON grammar; `integer` when the token
    /// has no fraction and no exponent.
    fn part_from_token(text: &str, integer: bool) -> Result<Self::Part, LeafError>;

    /// A part from a scanned number token: the same value as [`FromJson::part_from_token`]
    /// on its text, sooner when the token's digits allow it.
    #[inline]
    fn part_from_number(number: Number<'_>) -> Result<Self::Part, LeafError> {
        Self::part_from_token(number.text, number.integer)
    }

    /// A part from `true` or `false`.
    fn part_from_bool(value: bool) -> Result<Self::Part, LeafError> {
        let _ = value;
        Err(LeafError::Unexpected(Self::EXPECTED))
    }

    /// A part from a non-finite token (called only when the caller allows them).
    fn part_from_non_finite(value: NonFinite) -> Result<Self::Part, LeafError> {
        let _ = value;
        Err(LeafError::Unexpected(Self::EXPECTED))
    }

    /// A part from an integer value (serde deserializers).
    fn part_from_int(value: i128) -> Result<Self::Part, LeafError>;

    /// A part from a floating-point value (serde deserializers); non-finite values are
    /// passed only when the caller allows them.
    fn part_from_f64(value: f64) -> Result<Self::Part, LeafError>;

    /// Appends a new element from its first part, or completes the last one with part
    /// `index` (1: the imaginary part).
    fn push_part(out: &mut Vec<Self>, index: usize, part: Self::Part);

    /// Sets part `index` of an element already in place (the parallel reader's output is
    /// allocated before it is filled).
    fn set_part(slot: &mut Self, index: usize, part: Self::Part);
}

impl FromJson for bool {
    type Part = bool;
    const PARTS: usize = 1;
    const EXPECTED: &'static str = "`true` or `false`";

    fn part_from_token(_: &str, _: bool) -> Result<bool, LeafError> {
        Err(LeafError::Unexpected(Self::EXPECTED))
    }

    fn part_from_bool(value: bool) -> Result<bool, LeafError> {
        Ok(value)
    }

    fn part_from_int(_: i128) -> Result<bool, LeafError> {
        Err(LeafError::Unexpected(Self::EXPECTED))
    }

    fn part_from_f64(_: f64) -> Result<bool, LeafError> {
        Err(LeafError::Unexpected(Self::EXPECTED))
    }

    #[inline]
    fn push_part(out: &mut Vec<bool>, _: usize, part: bool) {
        out.push(part);
    }

    #[inline]
    fn set_part(slot: &mut bool, _: usize, part: bool) {
        *slot = part;
    }
}

/// The magnitude of an integer token's digits, or `None` when it exceeds `u64`.
#[inline]
fn magnitude(digits: &[u8]) -> Option<u64> {
    let mut value: u64 = 0;
    for &b in digits {
        value = value
            .checked_mul(10)?
            .checked_add(u64::from(b.wrapping_sub(b'0')))?;
    }
    Some(value)
}

/// An integer of type `T` from the magnitude and sign of a token.
#[inline]
fn with_sign<T: TryFrom<i64> + TryFrom<u64>>(
    negative: bool,
    magnitude: u64,
) -> Result<T, LeafError> {
    if negative {
        let v = 0i64
            .checked_sub_unsigned(magnitude)
            .ok_or(LeafError::OutOfRange)?;
        T::try_from(v).map_err(|_| LeafError::OutOfRange)
    } else {
        T::try_from(magnitude).map_err(|_| LeafError::OutOfRange)
    }
}

macro_rules! int_from_json {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            type Part = $t;
            const PARTS: usize = 1;
            const EXPECTED: &'static str = "an integer";

            #[inline]
            fn part_from_token(text: &str, integer: bool) -> Result<$t, LeafError> {
                if !integer {
                    return Err(LeafError::NotAnInteger);
                }
                let (negative, digits) = match text.as_bytes().split_first() {
                    Some((b'-', rest)) => (true, rest),
                    _ => (false, text.as_bytes()),
                };
                with_sign(negative, magnitude(digits).ok_or(LeafError::OutOfRange)?)
            }

            #[inline]
            fn part_from_number(number: Number<'_>) -> Result<$t, LeafError> {
                if !number.integer {
                    return Err(LeafError::NotAnInteger);
                }
                // An integer token's exponent is 0, and its digits are `None` only when they
                // exceed `u64`.
                let m = number.digits.map(|d| d.mantissa).ok_or(LeafError::OutOfRange)?;
                with_sign(number.is_negative(), m)
            }

            fn part_from_int(value: i128) -> Result<$t, LeafError> {
                <$t>::try_from(value).map_err(|_| LeafError::OutOfRange)
            }

            fn part_from_f64(_: f64) -> Result<$t, LeafError> {
                Err(LeafError::NotAnInteger)
            }

            #[inline]
            fn push_part(out: &mut Vec<$t>, _: usize, part: $t) {
                out.push(part);
            }

            #[inline]
            fn set_part(slot: &mut $t, _: usize, part: $t) {
                *slot = part;
            }
        }
    )*};
}
int_from_json!(i8, i16, i32, i64, u8, u16, u32, u64);

/// A float from a token's text: [`str::parse`] rounds correctly, and the scanner hands over
/// only tokens of the JSON grammar, which it accepts; finite text that rounds to infinity is
/// out of range.
#[inline]
fn float_from_token<F: Float>(text: &str) -> Result<F, LeafError> {
    let value: F = text.parse().map_err(|_| LeafError::OutOfRange)?;
    if value.is_infinite() {
        return Err(LeafError::OutOfRange);
    }
    Ok(value)
}

macro_rules! float_from_json {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            type Part = $t;
            const PARTS: usize = 1;
            const EXPECTED: &'static str = "a number";

            #[inline]
            fn part_from_token(text: &str, _: bool) -> Result<$t, LeafError> {
                float_from_token(text)
            }

            #[inline(always)]
            fn part_from_number(number: Number<'_>) -> Result<$t, LeafError> {
                match number.digits.and_then(<$t>::from_digits) {
                    Some(v) if v.is_infinite() => Err(LeafError::OutOfRange),
                    Some(v) => Ok(v.with_sign(number.is_negative())),
                    None => float_from_token(number.text),
                }
            }

            fn part_from_non_finite(value: NonFinite) -> Result<$t, LeafError> {
                Ok(match value {
                    NonFinite::NaN => <$t as Float>::NAN,
                    NonFinite::Infinity => <$t as Float>::INFINITY,
                    NonFinite::NegInfinity => <$t as Float>::NEG_INFINITY,
                })
            }

            fn part_from_int(value: i128) -> Result<$t, LeafError> {
                // Correctly rounded; beyond the type's range it rounds to infinity, which is
                // out of range (never for `f64`: every i128 is below f64::MAX).
                let v = <$t>::from_i128(value);
                if v.is_infinite() {
                    return Err(LeafError::OutOfRange);
                }
                Ok(v)
            }

            fn part_from_f64(value: f64) -> Result<$t, LeafError> {
                // Round to nearest from the deserializer's f64: the decimal text is not
                // available.
                let v = <$t as Float>::from_f64(value);
                if v.is_infinite() && value.is_finite() {
                    return Err(LeafError::OutOfRange);
                }
                Ok(v)
            }

            #[inline]
            fn push_part(out: &mut Vec<$t>, _: usize, part: $t) {
                out.push(part);
            }

            #[inline]
            fn set_part(slot: &mut $t, _: usize, part: $t) {
                *slot = part;
            }
        }
    )*};
}
float_from_json!(f32, f64);

/// `f16` and `bf16`: read as `f64`, then rounded once more with the exact tie-break of
/// [`narrow_from_f64`].
macro_rules! narrow_from_json {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            type Part = $t;
            const PARTS: usize = 1;
            const EXPECTED: &'static str = "a number";

            fn part_from_token(text: &str, _: bool) -> Result<$t, LeafError> {
                let wide = f64::part_from_token(text, false)?;
                narrow_from_f64(wide, || compare_decimal(text, wide)).ok_or(LeafError::OutOfRange)
            }

            fn part_from_number(number: Number<'_>) -> Result<$t, LeafError> {
                let wide = f64::part_from_number(number)?;
                narrow_from_f64(wide, || compare_decimal(number.text, wide))
                    .ok_or(LeafError::OutOfRange)
            }

            fn part_from_non_finite(value: NonFinite) -> Result<$t, LeafError> {
                Ok(match value {
                    NonFinite::NaN => <$t>::NAN,
                    NonFinite::Infinity => <$t>::INFINITY,
                    NonFinite::NegInfinity => <$t>::NEG_INFINITY,
                })
            }

            fn part_from_int(value: i128) -> Result<$t, LeafError> {
                // Integers beyond 2^53 round in the conversion to f64; the exact comparison
                // with the integer breaks a tie the conversion may have made (the
                // conversion saturates only at 2^127, which is no midpoint).
                let wide = value as f64;
                let exact = || value.unsigned_abs().cmp(&(wide.abs() as u128));
                narrow_from_f64(wide, exact).ok_or(LeafError::OutOfRange)
            }

            fn part_from_f64(value: f64) -> Result<$t, LeafError> {
                if !value.is_finite() {
                    return Ok(<$t>::from_f64(value));
                }
                narrow_from_f64(value, || Ordering::Equal).ok_or(LeafError::OutOfRange)
            }

            #[inline]
            fn push_part(out: &mut Vec<$t>, _: usize, part: $t) {
                out.push(part);
            }

            #[inline]
            fn set_part(slot: &mut $t, _: usize, part: $t) {
                *slot = part;
            }
        }
    )*};
}
narrow_from_json!(f16, bf16);

impl<F> FromJson for Complex<F>
where
    F: FromJson<Part = F> + Default,
{
    type Part = F;
    const PARTS: usize = 2;
    const EXPECTED: &'static str = "a number";

    #[inline]
    fn part_from_token(text: &str, integer: bool) -> Result<F, LeafError> {
        F::part_from_token(text, integer)
    }

    #[inline]
    fn part_from_number(number: Number<'_>) -> Result<F, LeafError> {
        F::part_from_number(number)
    }

    fn part_from_non_finite(value: NonFinite) -> Result<F, LeafError> {
        F::part_from_non_finite(value)
    }

    fn part_from_int(value: i128) -> Result<F, LeafError> {
        F::part_from_int(value)
    }

    fn part_from_f64(value: f64) -> Result<F, LeafError> {
        F::part_from_f64(value)
    }

    #[inline]
    fn push_part(out: &mut Vec<Complex<F>>, index: usize, part: F) {
        if index == 0 {
            out.push(Complex::new(part, F::default()));
        } else if let Some(last) = out.last_mut() {
            last.im = part;
        }
    }

    #[inline]
    fn set_part(slot: &mut Complex<F>, index: usize, part: F) {
        if index == 0 {
            slot.re = part;
        } else {
            slot.im = part;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_exact() {
        assert_eq!(i8::part_from_token("-128", true), Ok(-128));
        assert_eq!(i8::part_from_token("128", true), Err(LeafError::OutOfRange));
        assert_eq!(u8::part_from_token("-1", true), Err(LeafError::OutOfRange));
        assert_eq!(u8::part_from_token("-0", true), Ok(0));
        assert_eq!(
            u64::part_from_token("18446744073709551615", true),
            Ok(u64::MAX)
        );
        assert_eq!(
            u64::part_from_token("18446744073709551616", true),
            Err(LeafError::OutOfRange)
        );
        assert_eq!(
            i64::part_from_token("-9223372036854775808", true),
            Ok(i64::MIN)
        );
        assert_eq!(
            i64::part_from_token("-9223372036854775809", true),
            Err(LeafError::OutOfRange)
        );
        assert_eq!(
            i32::part_from_token("1.0", false),
            Err(LeafError::NotAnInteger)
        );
        assert_eq!(i32::part_from_int(1 << 40), Err(LeafError::OutOfRange));
        assert_eq!(i32::part_from_f64(1.0), Err(LeafError::NotAnInteger));
    }

    #[test]
    fn floats_refuse_overflow_to_infinity() {
        assert_eq!(
            f64::part_from_token("1e309", false),
            Err(LeafError::OutOfRange)
        );
        assert_eq!(
            f32::part_from_token("3.5e38", false),
            Err(LeafError::OutOfRange)
        );
        assert_eq!(f32::part_from_token("1e-50", false), Ok(0.0));
        assert_eq!(
            f64::part_from_token("-0.0", false).map(f64::to_bits),
            Ok((-0.0f64).to_bits())
        );
    }
}
