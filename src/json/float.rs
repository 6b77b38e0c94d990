//! Decimal text to binary floating point, correctly rounded (round to nearest, ties to even)
//! however long the text, for the JSON reader.
//!
//! - `f32` and `f64`: the scanner hands over the token's digits as an integer `m` and a power
//!   of ten `e` when they fit (at most 19 significant digits, see [`Digits`]). When `m` and
//!   `10^|e|` are both exact in the float type (`m <= 2^53` and `|e| <= 22` for `f64`;
//!   `m <= 2^24` and `|e| <= 10` for `f32`), one multiplication or division by the power of
//!   ten is correctly rounded by IEEE 754 itself (Clinger's fast path). Otherwise, when
//!   `|e| <= 27`, the value is computed in exact `u128` arithmetic as an integer with a sticky
//!   bit times a power of two, which the integer-to-float conversion rounds correctly (see
//!   [`exact_binary`]). Every other token goes to [`str::parse`], which is correctly rounded
//!   (Eisel-Lemire, with an exact big-decimal fallback).
//! - `f16` and `bf16`: the text is read as `f64` (correctly rounded, as above), then rounded
//!   to the narrow type. Rounding twice can only go wrong when the `f64` lands exactly on a
//!   midpoint between two values of the narrow type while the decimal text is not that
//!   midpoint; every such midpoint is exact in `f64`, so this is detected exactly, and then the
//!   decimal text is compared digit by digit with the midpoint's exact decimal expansion
//!   ([`Decimal`]) to pick the side. See [`narrow_from_f64`].

use std::cmp::Ordering;
use std::str::FromStr;

use half::{bf16, f16};

use super::scan::Digits;

/// The binary floating-point types a JSON number converts to directly (`f16` and `bf16` go
/// through `f64`, see [`narrow_from_f64`]).
pub(super) trait Float: Copy + FromStr {
    const NAN: Self;
    const INFINITY: Self;
    const NEG_INFINITY: Self;

    /// The magnitude `digits` stand for, correctly rounded, when the exact arithmetic of this
    /// module can compute it (infinite when it overflows); `None` leaves it to
    /// [`str::parse`].
    fn from_digits(digits: Digits) -> Option<Self>;

    /// `self` (a magnitude) with the sign bit set when `negative`, without a branch: the
    /// signs of a payload's numbers are random.
    fn with_sign(self, negative: bool) -> Self;

    fn is_infinite(self) -> bool;

    /// Round to nearest (Rust's `as` conversions are correctly rounded).
    fn from_i128(value: i128) -> Self;

    /// Round to nearest.
    fn from_f64(value: f64) -> Self;
}

impl Float for f64 {
    const NAN: f64 = f64::NAN;
    const INFINITY: f64 = f64::INFINITY;
    const NEG_INFINITY: f64 = f64::NEG_INFINITY;

    #[inline]
    fn from_digits(digits: Digits) -> Option<f64> {
        fast_f64(digits).or_else(|| exact_binary(digits).map(f64_from_binary))
    }

    #[inline]
    fn with_sign(self, negative: bool) -> f64 {
        f64::from_bits(self.to_bits() | u64::from(negative) << 63)
    }

    #[inline]
    fn is_infinite(self) -> bool {
        f64::is_infinite(self)
    }

    fn from_i128(value: i128) -> f64 {
        value as f64
    }

    fn from_f64(value: f64) -> f64 {
        value
    }
}

impl Float for f32 {
    const NAN: f32 = f32::NAN;
    const INFINITY: f32 = f32::INFINITY;
    const NEG_INFINITY: f32 = f32::NEG_INFINITY;

    #[inline]
    fn from_digits(digits: Digits) -> Option<f32> {
        fast_f32(digits).or_else(|| exact_binary(digits).map(f32_from_binary))
    }

    #[inline]
    fn with_sign(self, negative: bool) -> f32 {
        f32::from_bits(self.to_bits() | u32::from(negative) << 31)
    }

    #[inline]
    fn is_infinite(self) -> bool {
        f32::is_infinite(self)
    }

    fn from_i128(value: i128) -> f32 {
        value as f32
    }

    fn from_f64(value: f64) -> f32 {
        value as f32
    }
}

/// Powers of ten that are exact in `f64`: 10^k = 5^k × 2^k, and 5^k < 2^53 for k <= 22.
const F64_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Powers of ten that are exact in `f32` (5^10 < 2^24).
const F32_POW10: [f32; 11] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10];

/// Clinger's fast path for `f64`: `mantissa × 10^exponent` when both factors are exact, so
/// that the one rounding IEEE 754 does is the correct one.
#[inline]
fn fast_f64(digits: Digits) -> Option<f64> {
    if digits.mantissa > 1 << 53 {
        return None;
    }
    let power = *usize::try_from(digits.exponent.unsigned_abs())
        .ok()
        .and_then(|k| F64_POW10.get(k))?;
    // Exact: the mantissa is at most 2^53 (converted from `i64`, one instruction).
    let m = i64::try_from(digits.mantissa).ok()? as f64;
    Some(if digits.exponent < 0 {
        m / power
    } else {
        m * power
    })
}

/// Clinger's fast path for `f32`, as [`fast_f64`].
#[inline]
fn fast_f32(digits: Digits) -> Option<f32> {
    if digits.mantissa > 1 << 24 {
        return None;
    }
    let power = *usize::try_from(digits.exponent.unsigned_abs())
        .ok()
        .and_then(|k| F32_POW10.get(k))?;
    // Exact: the mantissa is at most 2^24.
    let m = i64::try_from(digits.mantissa).ok()? as f32;
    Some(if digits.exponent < 0 {
        m / power
    } else {
        m * power
    })
}

/// 5^k for k in 0..=27, the powers of five below 2^64.
const POW5: [u64; 28] = {
    let mut table = [1u64; 28];
    let mut k = 1;
    while k < 28 {
        table[k] = table[k - 1] * 5;
        k += 1;
    }
    table
};

/// The magnitude `mantissa × 10^exponent` as `q × 2^shift` for `|exponent| <= 27`, in exact
/// integer arithmetic, such that converting `q` to a float (which rounds correctly, ties to
/// even) and then scaling by `2^shift` (which is exact: the result is far from the subnormal
/// range and from overflow) gives the correctly rounded value.
///
/// - `exponent >= 0`: `q = mantissa × 5^exponent` exactly (both factors are below 2^64) and
///   `shift = exponent`.
/// - `exponent = -k < 0`: `mantissa / 10^k = (mantissa × 2^s / 5^k) × 2^-(s + k)`, with `s`
///   chosen so that `mantissa × 2^s` lies in [2^126, 2^127). The quotient then has at least 63
///   significant bits, ten more than an `f64` keeps; its lowest bit is set when the division
///   leaves a remainder (a sticky bit), which tells "just above" from "exactly on" a
///   rounding midpoint without moving the rounding position.
#[inline]
fn exact_binary(digits: Digits) -> Option<(u128, i32)> {
    let k = usize::try_from(digits.exponent.unsigned_abs()).ok()?;
    let five = u128::from(*POW5.get(k)?);
    let shift = i32::try_from(k).ok()?;
    let m = u128::from(digits.mantissa);
    if digits.exponent >= 0 {
        return Some((m.checked_mul(five)?, shift));
    }
    if digits.mantissa == 0 {
        return Some((0, 0));
    }
    let s = digits.mantissa.leading_zeros() + 63;
    let n = m << s;
    // `five` is at least 1.
    let q = n / five;
    let sticky = u128::from(!n.is_multiple_of(five));
    Some((
        q | sticky,
        shift.checked_add(i32::try_from(s).ok()?)?.checked_neg()?,
    ))
}

/// `q × 2^shift` as an `i64` with a sticky bit and a new shift: when `q` has more than 63
/// bits, the bits shifted out are or-ed into the lowest bit. The result still has 63
/// significant bits, more than a float keeps plus one, so it rounds as `q` does; and the
/// conversion from `i64` is one machine instruction where `u128`'s is a library call.
#[inline]
fn narrow((q, shift): (u128, i32)) -> (i64, i32) {
    // `q` has 128 - leading_zeros bits; keep 63.
    let excess = 65u32.saturating_sub(q.leading_zeros());
    let kept = q >> excess;
    let sticky = u128::from(kept << excess != q);
    let narrow = i64::try_from(kept | sticky).unwrap_or(i64::MAX);
    // `excess` is at most 65.
    (narrow, shift + i32::try_from(excess).unwrap_or(0))
}

/// An `f64` from [`exact_binary`]'s result: `shift` is within [-153, 27], and at most 65
/// more after [`narrow`].
#[inline]
fn f64_from_binary(binary: (u128, i32)) -> f64 {
    let (q, shift) = narrow(binary);
    // Correctly rounded, ties to even; then scaled exactly.
    (q as f64) * pow2(shift)
}

/// An `f32` from [`exact_binary`]'s result, scaled in two steps since 2^-153 is not an
/// `f32`. Both factors are normal `f32`s, and so is every product short of overflow (the
/// value is at least 10^-27); a product that overflows is infinite, as the correctly
/// rounded value is then.
#[inline]
fn f32_from_binary(binary: (u128, i32)) -> f32 {
    let (q, shift) = narrow(binary);
    let half = shift / 2;
    (q as f32) * pow2_f32(half) * pow2_f32(shift - half)
}

/// 2^e for -126 <= e <= 127, exactly.
fn pow2_f32(e: i32) -> f32 {
    let biased = u32::try_from(e + 127).unwrap_or(0);
    f32::from_bits(biased << 23)
}

/// The binary floats narrower than `f32` that JSON numbers reach through `f64`: `f16`
/// (binary16) and `bf16` (bfloat16). Every value and every midpoint between two neighbours
/// of either is exact in `f64`.
pub(super) trait Narrow: Copy {
    /// Bits of the fraction (10 for `f16`, 7 for `bf16`).
    const FRACTION_BITS: i32;
    /// Exponent of the smallest normal value (-14, -126).
    const MIN_EXP: i32;
    /// Exponent of the largest finite value (15, 127).
    const MAX_EXP: i32;
    /// The largest finite value.
    fn max() -> f64;
    /// The value `x`, which must be exactly representable (or non-finite).
    fn from_exact_f64(x: f64) -> Self;
}

impl Narrow for f16 {
    const FRACTION_BITS: i32 = 10;
    const MIN_EXP: i32 = -14;
    const MAX_EXP: i32 = 15;
    fn max() -> f64 {
        f16::MAX.to_f64()
    }
    fn from_exact_f64(x: f64) -> f16 {
        f16::from_f64(x)
    }
}

impl Narrow for bf16 {
    const FRACTION_BITS: i32 = 7;
    const MIN_EXP: i32 = -126;
    const MAX_EXP: i32 = 127;
    fn max() -> f64 {
        bf16::MAX.to_f64()
    }
    fn from_exact_f64(x: f64) -> bf16 {
        bf16::from_f64(x)
    }
}

/// Rounds a finite `f64` to the nearest `N` (`f16` or `bf16`), ties to even, except that when
/// `x` lies exactly halfway between two values of `N`, `exact` decides: it compares the true
/// value (the decimal text or integer `x` was rounded from) with `|x|`, and `Equal` means the
/// true value is the midpoint itself (ties to even).
///
/// The rounding is done in `f64` arithmetic that is exact: `|x| / ulp` only scales by a power
/// of two, and the floor and the difference of a float below 2^53 are exact. The result is
/// then exactly representable in `N`, which converts it without rounding.
///
/// `None` when the rounded value exceeds `N`'s largest finite value.
pub(super) fn narrow_from_f64<N: Narrow>(x: f64, exact: impl FnOnce() -> Ordering) -> Option<N> {
    let a = x.abs();
    if a == 0.0 {
        return Some(N::from_exact_f64(x));
    }
    // The spacing of values around `a`: 2^(MIN_EXP - FRACTION_BITS) below the normal range,
    // else 2^(e - FRACTION_BITS) for a in [2^e, 2^(e + 1)).
    let exponent = if a < pow2(N::MIN_EXP) {
        N::MIN_EXP - N::FRACTION_BITS
    } else {
        let biased = i32::try_from((a.to_bits() >> 52) & 0x7FF).ok()?;
        biased - 1023 - N::FRACTION_BITS
    };
    if exponent > N::MAX_EXP - N::FRACTION_BITS {
        // a >= 2^(MAX_EXP + 1): far beyond the largest value.
        return None;
    }
    let ulp = pow2(exponent);
    let q = a / ulp;
    let n = q.floor();
    let up = match (q - n).partial_cmp(&0.5) {
        Some(Ordering::Greater) => true,
        Some(Ordering::Less) | None => false,
        Some(Ordering::Equal) => match exact() {
            Ordering::Greater => true,
            Ordering::Less => false,
            Ordering::Equal => n % 2.0 == 1.0,
        },
    };
    let rounded = if up { n + 1.0 } else { n } * ulp;
    if rounded > N::max() {
        return None;
    }
    Some(N::from_exact_f64(rounded.copysign(x)))
}

/// 2^e for -1022 <= e <= 1023, exactly.
fn pow2(e: i32) -> f64 {
    let biased = u64::try_from(e + 1023).unwrap_or(0);
    f64::from_bits(biased << 52)
}

/// Digits after the point that print every `f16` or `bf16` midpoint exactly: a midpoint is
/// `m * 2^e` with `m` below 2^9 and `e >= -134` (bf16; -25 for f16), so it has at most 134
/// digits after the point and, its integer part being at most 39 digits long, at most that
/// many significant digits.
const MIDPOINT_DIGITS: usize = 140;

/// Compares the absolute value of a JSON number token with `|x|` exactly. `x` must be a
/// midpoint between two `f16` or two `bf16` values, whose exact decimal expansion Rust's
/// formatting prints with [`MIDPOINT_DIGITS`] digits (formatting with a precision is exact).
pub(super) fn compare_decimal(text: &str, x: f64) -> Ordering {
    use std::io::Write;
    let mut buf = [0u8; MIDPOINT_DIGITS + 16];
    let capacity = buf.len();
    let mut rest = &mut buf[..];
    // The buffer holds "d." + the digits + "e-NNN"; a failure would leave the text cut
    // short, which only rounds a tie the wrong way: it cannot happen with this size.
    let _ = write!(rest, "{:.*e}", MIDPOINT_DIGITS, x.abs());
    let len = capacity - rest.len();
    let midpoint = Decimal::parse(&buf[..len]);
    let token = Decimal::parse(text.as_bytes());
    token.cmp_abs(&midpoint)
}

/// A non-negative decimal `0.d1 d2 d3 ... × 10^scale` with `d1 != 0` (or zero), borrowing
/// its digits from the text.
struct Decimal<'a> {
    /// The digits before the point in the text, then those after it.
    int: &'a [u8],
    frac: &'a [u8],
    /// Number of leading zeros skipped over `int ++ frac`.
    skip: usize,
    /// Decimal exponent of the point after the first significant digit.
    scale: i64,
    zero: bool,
}

impl<'a> Decimal<'a> {
    /// `int.frac × 10^exponent`.
    fn new(int: &'a [u8], frac: &'a [u8], exponent: i64) -> Self {
        let skip = int.iter().chain(frac).take_while(|&&b| b == b'0').count();
        let total = int.len() + frac.len();
        let zero = skip == total;
        // The first significant digit has position (int.len() - skip) relative to the point.
        let int_len = i64::try_from(int.len()).unwrap_or(i64::MAX);
        let skip_i = i64::try_from(skip).unwrap_or(i64::MAX);
        let scale = int_len.saturating_sub(skip_i).saturating_add(exponent);
        Decimal {
            int,
            frac,
            skip,
            scale,
            zero,
        }
    }

    /// Splits a JSON number token (the sign is ignored).
    fn parse(text: &'a [u8]) -> Self {
        let text = text.strip_prefix(b"-").unwrap_or(text);
        let mantissa_end = text
            .iter()
            .position(|&b| b == b'e' || b == b'E')
            .unwrap_or(text.len());
        let (mantissa, exp_text) = text.split_at(mantissa_end);
        let (int, frac) = match mantissa.iter().position(|&b| b == b'.') {
            Some(p) => (&mantissa[..p], &mantissa[p + 1..]),
            None => (mantissa, &mantissa[mantissa.len()..]),
        };
        // Saturate huge exponents; the caller only compares values near an f16 midpoint.
        let mut exponent: i64 = 0;
        let (negative, exp_digits) = match exp_text.get(1) {
            Some(b'-') => (true, &exp_text[2..]),
            Some(b'+') => (false, &exp_text[2..]),
            _ => (false, exp_text.get(1..).unwrap_or(&[])),
        };
        for &b in exp_digits {
            exponent = exponent
                .saturating_mul(10)
                .saturating_add(i64::from(b.wrapping_sub(b'0')))
                .min(1 << 40);
        }
        if negative {
            exponent = -exponent;
        }
        Decimal::new(int, frac, exponent)
    }

    fn digits(&self) -> impl Iterator<Item = u8> + '_ {
        self.int.iter().chain(self.frac).skip(self.skip).copied()
    }

    fn cmp_abs(&self, other: &Decimal<'_>) -> Ordering {
        match (self.zero, other.zero) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        if self.scale != other.scale {
            return self.scale.cmp(&other.scale);
        }
        let mut a = self.digits();
        let mut b = other.digits();
        loop {
            match (a.next(), b.next()) {
                (None, None) => return Ordering::Equal,
                (Some(x), Some(y)) if x != y => return x.cmp(&y),
                (Some(_), Some(_)) => {}
                // The rest of one side against zeros.
                (Some(x), None) => {
                    return if x != b'0' || a.any(|d| d != b'0') {
                        Ordering::Greater
                    } else {
                        Ordering::Equal
                    }
                }
                (None, Some(y)) => {
                    return if y != b'0' || b.any(|d| d != b'0') {
                        Ordering::Less
                    } else {
                        Ordering::Equal
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::number::{FromJson, LeafError};

    fn f16_of(text: &str) -> Result<f16, LeafError> {
        f16::part_from_token(text, false)
    }

    #[test]
    fn f16_rounds_once_at_midpoints() {
        // 1 + 2^-11 is the midpoint between 1 and 1 + 2^-10: ties to even gives 1.
        assert_eq!(f16_of("1.00048828125"), Ok(f16::from_f64(1.0)));
        // Just above the midpoint, by less than half an f64 ulp: the f64 parse lands on the
        // midpoint, and only the decimal comparison rounds it up.
        assert_eq!(
            f16_of("1.00048828125000000000001"),
            Ok(f16::from_bits(0x3C01))
        );
        assert_eq!(f16_of("1.00048828124999999999999"), Ok(f16::from_f64(1.0)));
        // 1 + 3 * 2^-11 is the midpoint between odd 0x3C01 and even 0x3C02.
        assert_eq!(f16_of("1.00146484375"), Ok(f16::from_bits(0x3C02)));
        // Smallest subnormal 2^-24 and the midpoint 2^-25 below it.
        assert_eq!(f16_of("5.9604644775390625e-8"), Ok(f16::from_bits(1)));
        assert_eq!(f16_of("2.98023223876953125e-8"), Ok(f16::from_bits(0)));
        assert_eq!(
            f16_of("2.98023223876953125000001e-8"),
            Ok(f16::from_bits(1))
        );
        assert_eq!(
            f16_of("-2.98023223876953125000001e-8"),
            Ok(f16::from_bits(0x8001))
        );
        // The largest finite value and the overflow boundary 65520.
        assert_eq!(f16_of("65504"), Ok(f16::MAX));
        assert_eq!(f16_of("65519.99999999999999999"), Ok(f16::MAX));
        assert_eq!(f16_of("65520"), Err(LeafError::OutOfRange));
        assert_eq!(f16_of("-0"), Ok(f16::from_bits(0x8000)));
        assert_eq!(f16_of("0.1"), Ok(f16::from_f32(0.1)));
    }

    #[test]
    fn decimals_compare_exactly() {
        let cmp = |a: &str, b: f64| compare_decimal(a, b);
        assert_eq!(cmp("0.5", 0.5), Ordering::Equal);
        assert_eq!(cmp("5e-1", 0.5), Ordering::Equal);
        assert_eq!(cmp("0.50000", 0.5), Ordering::Equal);
        assert_eq!(cmp("0.5000001", 0.5), Ordering::Greater);
        assert_eq!(cmp("0.4999999", 0.5), Ordering::Less);
        assert_eq!(cmp("-0.75", 0.75), Ordering::Equal);
        assert_eq!(cmp("1e400", 0.75), Ordering::Greater);
        assert_eq!(cmp("0", 0.75), Ordering::Less);
        assert_eq!(cmp("65520", 65520.0), Ordering::Equal);
        assert_eq!(cmp("6552e1", 65520.0), Ordering::Equal);
    }

    /// For every positive finite value below the largest and the midpoint above it, the
    /// midpoint's exact text and texts nudged either side (by far less than an `f64` ulp) must
    /// round as exact arithmetic says.
    fn agrees_with_exact_rounding_on_every_midpoint<N: Narrow + FromJson<Part = N>>(
        last: u16,
        bits_of: impl Fn(N) -> u16,
        value_of: impl Fn(u16) -> f64,
    ) {
        for bits in 0..last {
            let mid = (value_of(bits) + value_of(bits + 1)) / 2.0;
            // Exact: see MIDPOINT_DIGITS. Trailing zeros trimmed, then nudged in the last
            // place of a 40-digit extension.
            let exact = format!("{mid:.140e}");
            let (mantissa, exponent) = exact.split_once('e').unwrap();
            let mantissa = mantissa.trim_end_matches('0');
            let text = format!("{mantissa}e{exponent}");
            let even = if bits % 2 == 0 { bits } else { bits + 1 };
            let read = |t: &str| N::part_from_token(t, false).map(&bits_of);
            assert_eq!(read(&text), Ok(even), "{text}");
            let pad = if mantissa.contains('.') { "" } else { "." };
            let above = format!("{mantissa}{pad}{}1e{exponent}", "0".repeat(40));
            assert_eq!(read(&above), Ok(bits + 1), "{above}");
            let below = format!("{}e{exponent}", below_text(mantissa));
            assert_eq!(read(&below), Ok(bits), "{below}");
        }
    }

    /// A decimal mantissa (`d.ddd`) minus one unit in the 41st place after its last digit.
    fn below_text(mantissa: &str) -> String {
        let mut digits: Vec<u8> = mantissa.bytes().filter(|b| *b != b'.').collect();
        // Subtract one from the last digit, borrowing through zeros (the mantissa is not 0).
        let mut i = digits.len() - 1;
        while digits[i] == b'0' {
            digits[i] = b'9';
            i -= 1;
        }
        digits[i] -= 1;
        let (first, rest) = digits.split_at(1);
        format!(
            "{}.{}{}",
            first[0] as char,
            String::from_utf8(rest.to_vec()).unwrap(),
            "9".repeat(41)
        )
    }

    #[test]
    fn f16_agrees_with_exact_rounding_on_every_midpoint() {
        agrees_with_exact_rounding_on_every_midpoint::<f16>(0x7BFF, f16::to_bits, |b| {
            f16::from_bits(b).to_f64()
        });
    }

    #[test]
    fn bf16_agrees_with_exact_rounding_on_every_midpoint() {
        agrees_with_exact_rounding_on_every_midpoint::<bf16>(0x7F7F, bf16::to_bits, |b| {
            bf16::from_bits(b).to_f64()
        });
    }

    #[test]
    fn bf16_rounds_once_at_midpoints() {
        let bf16_of = |t: &str| bf16::part_from_token(t, false);
        // 1 + 2^-8 is the midpoint between 1 and 1 + 2^-7: ties to even gives 1.
        assert_eq!(bf16_of("1.00390625"), Ok(bf16::from_f32(1.0)));
        assert_eq!(
            bf16_of("1.00390625000000000000001"),
            Ok(bf16::from_bits(0x3F81))
        );
        assert_eq!(
            bf16_of("1.00390624999999999999999"),
            Ok(bf16::from_f32(1.0))
        );
        // The largest finite value, and the overflow boundary halfway to 2^128.
        assert_eq!(bf16_of("3.3895313892515355e38"), Ok(bf16::MAX));
        assert_eq!(bf16_of("3.3961775292304957e38"), Err(LeafError::OutOfRange));
        // The smallest subnormal, 2^-133.
        assert_eq!(bf16_of("9.183549615799121e-41"), Ok(bf16::from_bits(1)));
        assert_eq!(bf16_of("-0"), Ok(bf16::from_bits(0x8000)));
    }
}
