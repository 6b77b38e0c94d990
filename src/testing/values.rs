//! Element values: the candidates of each dtype (special values, and values at and just past
//! each bound of a [`ValueSpec`]), sorted into those the spec accepts and those it refuses
//! (with the rule they break), and arrays filled from them.
//!
//! Whether a value is accepted is re-derived here from the spec's getters ([`violation`]), not
//! asked of the library's own check, so that the property tests compare two independent
//! readings of the spec.

use std::cmp::Ordering;
use std::fmt::Debug;

use half::{bf16, f16};
use num_complex::Complex;

use super::choices::Choices;
use crate::array::{Array, DynArray};
use crate::dtype::{DType, Element, ValueParts};
use crate::error::{Result, ValueKind};
use crate::shape::{Order, Shape};
use crate::spec::ValueSpec;

/// Runs `$body` with `$t` the element type of `$dtype`. Every dtype is listed, with no
/// catch-all arm: a new dtype is a compile error here until the generators learn it.
macro_rules! for_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            DType::Bool => {
                type $t = bool;
                $body
            }
            DType::I8 => {
                type $t = i8;
                $body
            }
            DType::I16 => {
                type $t = i16;
                $body
            }
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            DType::U8 => {
                type $t = u8;
                $body
            }
            DType::U16 => {
                type $t = u16;
                $body
            }
            DType::U32 => {
                type $t = u32;
                $body
            }
            DType::U64 => {
                type $t = u64;
                $body
            }
            DType::F16 => {
                type $t = f16;
                $body
            }
            DType::F32 => {
                type $t = f32;
                $body
            }
            DType::F64 => {
                type $t = f64;
                $body
            }
            DType::Complex64 => {
                type $t = Complex<f32>;
                $body
            }
            DType::Complex128 => {
                type $t = Complex<f64>;
                $body
            }
            DType::BF16 => {
                type $t = bf16;
                $body
            }
        }
    };
}

/// The first rule of `values` that a value (or one part of a complex value) breaks, in the
/// order the spec states them: NaN, infinity, the lower bounds, the upper bounds, the enum.
pub(crate) fn violation(values: &ValueSpec, parts: ValueParts) -> Option<ValueKind> {
    let (min, max, exclusive_min, exclusive_max) = values.bounds();
    let below = |v: &dyn Fn(f64) -> Ordering| {
        min.is_some_and(|b| v(b) == Ordering::Less)
            || exclusive_min.is_some_and(|b| v(b) != Ordering::Greater)
    };
    let above = |v: &dyn Fn(f64) -> Ordering| {
        max.is_some_and(|b| v(b) == Ordering::Greater)
            || exclusive_max.is_some_and(|b| v(b) != Ordering::Less)
    };
    match parts {
        ValueParts::Complex(re, im) => violation(values, ValueParts::Float(re))
            .or_else(|| violation(values, ValueParts::Float(im))),
        ValueParts::Float(v) => {
            if v.is_nan() {
                return (!values.allows_nan()).then_some(ValueKind::Nan);
            }
            if v.is_infinite() && !values.allows_inf() {
                return Some(ValueKind::Infinite);
            }
            // Bounds are never NaN (the spec refuses them), so `partial_cmp` is total here.
            let cmp = |b: f64| v.partial_cmp(&b).unwrap_or(Ordering::Equal);
            if below(&cmp) {
                return Some(ValueKind::BelowMin);
            }
            if above(&cmp) {
                return Some(ValueKind::AboveMax);
            }
            match values.allowed_values() {
                Some(list) if !list.iter().any(|&m| int_vs_float(i128::from(m), v).is_eq()) => {
                    Some(ValueKind::NotInEnum)
                }
                _ => None,
            }
        }
        ValueParts::Int(v) => {
            let cmp = |b: f64| int_vs_float(v, b);
            if below(&cmp) {
                return Some(ValueKind::BelowMin);
            }
            if above(&cmp) {
                return Some(ValueKind::AboveMax);
            }
            match values.allowed_values() {
                Some(list) if !list.iter().any(|&m| i128::from(m) == v) => {
                    Some(ValueKind::NotInEnum)
                }
                _ => None,
            }
        }
    }
}

/// `v` compared with `b` exactly (`b` not NaN).
fn int_vs_float(v: i128, b: f64) -> Ordering {
    if b.is_nan() {
        return Ordering::Equal;
    }
    // Every integer here has at most 65 significant bits, and every f64 of magnitude 2^100 or
    // more is an integer, so flooring and comparing as i128 is exact.
    if b >= 1e30 {
        return Ordering::Less;
    }
    if b <= -1e30 {
        return Ordering::Greater;
    }
    let floor = b.floor();
    // `floor` is an integer of magnitude below 2^100: the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    let f = floor as i128;
    match v.cmp(&f) {
        Ordering::Equal if b > floor => Ordering::Less,
        other => other,
    }
}

/// Which bound an edge value sits at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bound {
    /// `min`: the value equals it, or is the first value of the dtype above it.
    Min,
    /// `max`: the value equals it, or is the last value of the dtype below it.
    Max,
    /// `exclusive_min`: the first value of the dtype above it.
    ExclusiveMin,
    /// `exclusive_max`: the last value of the dtype below it.
    ExclusiveMax,
}

/// One part of an element: `bool`, an integer or a float (a complex number has two).
pub(crate) trait Scalar: Copy + Debug + 'static {
    /// The value, widened without loss.
    fn parts(self) -> ValueParts;
    /// Special values and values around the bounds of `values`, the simplest first.
    fn candidates(values: &ValueSpec) -> Vec<Self>;
    /// Any value of the type (any bit pattern, for floats).
    fn random(c: &mut dyn Choices) -> Self;
    /// A value between the spec's bounds (or near zero without bounds), when there is one.
    fn between(values: &ValueSpec, c: &mut dyn Choices) -> Option<Self>;
    /// Whether the two are the same bits.
    fn same(self, other: Self) -> bool;
}

/// The valid and invalid candidates of one scalar type under one [`ValueSpec`].
#[derive(Debug)]
pub(crate) struct Palette<S> {
    values: ValueSpec,
    valid: Vec<S>,
    invalid: Vec<(ValueKind, S)>,
    edges: Vec<(Bound, S)>,
}

fn compare(a: ValueParts, b: ValueParts) -> Ordering {
    match (a, b) {
        (ValueParts::Int(x), ValueParts::Int(y)) => x.cmp(&y),
        (ValueParts::Float(x), ValueParts::Float(y)) => {
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        _ => Ordering::Equal,
    }
}

fn as_f64(p: ValueParts) -> f64 {
    match p {
        // Only compared with a bound, so rounding a 64-bit integer is harmless.
        #[allow(clippy::cast_precision_loss)]
        ValueParts::Int(v) => v as f64,
        ValueParts::Float(v) | ValueParts::Complex(v, _) => v,
    }
}

impl<S: Scalar> Palette<S> {
    pub(crate) fn new(values: &ValueSpec) -> Self {
        let mut valid: Vec<S> = Vec::new();
        let mut invalid: Vec<(ValueKind, S)> = Vec::new();
        for v in S::candidates(values) {
            match violation(values, v.parts()) {
                None if !valid.iter().any(|w| w.same(v)) => valid.push(v),
                Some(kind) if !invalid.iter().any(|(_, w)| w.same(v)) => invalid.push((kind, v)),
                _ => {}
            }
        }
        let (min, max, exclusive_min, exclusive_max) = values.bounds();
        let mut edges = Vec::new();
        let finite: Vec<S> = valid
            .iter()
            .copied()
            .filter(|v| as_f64(v.parts()).is_finite())
            .collect();
        let lowest = finite
            .iter()
            .copied()
            .min_by(|a, b| compare(a.parts(), b.parts()));
        let highest = finite
            .iter()
            .copied()
            .max_by(|a, b| compare(a.parts(), b.parts()));
        // With a lower bound, the lowest finite valid candidate is the first value at or above
        // it (candidates include the dtype's neighbours of every bound).
        for (bound, present, edge) in [
            (Bound::Min, min.is_some(), lowest),
            (Bound::ExclusiveMin, exclusive_min.is_some(), lowest),
            (Bound::Max, max.is_some(), highest),
            (Bound::ExclusiveMax, exclusive_max.is_some(), highest),
        ] {
            if let (true, Some(edge)) = (present, edge) {
                edges.push((bound, edge));
            }
        }
        Palette {
            values: values.clone(),
            valid,
            invalid,
            edges,
        }
    }

    /// Whether some value is valid.
    pub(crate) fn has_valid(&self) -> bool {
        !self.valid.is_empty()
    }

    /// A valid value: a candidate, any value, or one between the bounds (the last two when
    /// they happen to be valid). `None` when no value is valid.
    pub(crate) fn valid(&self, c: &mut dyn Choices) -> Option<S> {
        let fallback = |c: &mut dyn Choices| self.valid.get(c.index(self.valid.len())).copied();
        match c.choose(3) {
            0 | 1 => fallback(c),
            2 => {
                let v = S::random(c);
                match violation(&self.values, v.parts()) {
                    None => Some(v),
                    Some(_) => fallback(c),
                }
            }
            _ => match S::between(&self.values, c) {
                Some(v) if violation(&self.values, v.parts()).is_none() => Some(v),
                _ => fallback(c),
            },
        }
    }

    /// The rules some candidate breaks.
    pub(crate) fn invalid_kinds(&self) -> Vec<ValueKind> {
        let mut kinds: Vec<ValueKind> = Vec::new();
        for (kind, _) in &self.invalid {
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
        kinds
    }

    /// A value that breaks `kind` first.
    pub(crate) fn invalid(&self, kind: ValueKind, c: &mut dyn Choices) -> Option<S> {
        let of_kind: Vec<S> = self
            .invalid
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| *v)
            .collect();
        of_kind.get(c.index(of_kind.len())).copied()
    }

    /// The bounds `v` sits at.
    pub(crate) fn edges_of(&self, v: S) -> impl Iterator<Item = Bound> + '_ {
        self.edges
            .iter()
            .filter(move |(_, e)| e.same(v))
            .map(|(b, _)| *b)
    }
}

macro_rules! int_scalar {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            fn parts(self) -> ValueParts {
                ValueParts::Int(i128::from(self))
            }
            fn candidates(values: &ValueSpec) -> Vec<Self> {
                let (lo, hi) = (i128::from(<$t>::MIN), i128::from(<$t>::MAX));
                let clamp = |v: i128| <$t>::try_from(v.clamp(lo, hi)).unwrap_or_default();
                let mut out: Vec<i128> = vec![0, 1, -1, 2, lo, hi, lo + 1, hi - 1];
                let (min, max, exclusive_min, exclusive_max) = values.bounds();
                for b in [min, max, exclusive_min, exclusive_max].into_iter().flatten() {
                    let f = b.clamp(-1e30, 1e30).floor();
                    // Clamped to ±1e30 and floored: an integer that fits i128.
                    #[allow(clippy::cast_possible_truncation)]
                    let f = f as i128;
                    out.extend([f - 1, f, f + 1, f + 2]);
                }
                for &m in values.allowed_values().unwrap_or_default() {
                    let m = i128::from(m);
                    out.extend([m, m - 1, m + 1]);
                }
                out.into_iter().map(clamp).collect()
            }
            fn random(c: &mut dyn Choices) -> Self {
                // The low bytes of the choice, as the type's two's complement pattern.
                let bits = c.bits().to_le_bytes();
                let mut raw = [0u8; std::mem::size_of::<$t>()];
                raw.copy_from_slice(&bits[..std::mem::size_of::<$t>()]);
                <$t>::from_le_bytes(raw)
            }
            fn between(values: &ValueSpec, c: &mut dyn Choices) -> Option<Self> {
                let (min, max, exclusive_min, exclusive_max) = values.bounds();
                let (tmin, tmax) = (i128::from(<$t>::MIN), i128::from(<$t>::MAX));
                let low = min.into_iter().chain(exclusive_min).fold(f64::NEG_INFINITY, f64::max);
                let high = max.into_iter().chain(exclusive_max).fold(f64::INFINITY, f64::min);
                let to_int = |x: f64, default: i128| -> i128 {
                    if x.is_finite() {
                        // Clamped to the type's range first: fits i128.
                        #[allow(clippy::cast_possible_truncation)]
                        let v = x.clamp(-1e30, 1e30) as i128;
                        v.clamp(tmin, tmax)
                    } else {
                        default
                    }
                };
                let a = to_int(low, tmin.max(-1000));
                let b = to_int(high, tmax.min(1000));
                if a > b {
                    return None;
                }
                let span = u64::try_from(b - a).unwrap_or(u64::MAX);
                let v = a + i128::from(c.choose(span));
                <$t>::try_from(v).ok()
            }
            fn same(self, other: Self) -> bool {
                self == other
            }
        }
    )*};
}
int_scalar!(i8, i16, i32, i64, u8, u16, u32, u64);

impl Scalar for bool {
    fn parts(self) -> ValueParts {
        ValueParts::Int(i128::from(u8::from(self)))
    }
    fn candidates(_: &ValueSpec) -> Vec<Self> {
        vec![false, true]
    }
    fn random(c: &mut dyn Choices) -> Self {
        c.flag()
    }
    fn between(_: &ValueSpec, c: &mut dyn Choices) -> Option<Self> {
        Some(c.flag())
    }
    fn same(self, other: Self) -> bool {
        self == other
    }
}

/// The float types: conversions and the neighbours of a value.
pub(crate) trait Float: Scalar + PartialOrd {
    const BITS: u32;
    /// Bits of the fraction (the stored mantissa).
    const MANTISSA: u32;
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
    fn to_bits64(self) -> u64;
    fn from_bits64(bits: u64) -> Self;

    /// The next value towards +∞ (NaN and +∞ stay).
    fn up(self) -> Self {
        let bits = self.to_bits64();
        let sign = 1u64 << (Self::BITS - 1);
        let v = self.to_f64();
        if v.is_nan() || v == f64::INFINITY {
            return self;
        }
        if v == 0.0 {
            return Self::from_bits64(1);
        }
        if bits & sign == 0 {
            Self::from_bits64(bits + 1)
        } else {
            Self::from_bits64(bits - 1)
        }
    }

    /// The next value towards −∞.
    fn down(self) -> Self {
        let bits = self.to_bits64();
        let sign = 1u64 << (Self::BITS - 1);
        let v = self.to_f64();
        if v.is_nan() || v == f64::NEG_INFINITY {
            return self;
        }
        if v == 0.0 {
            return Self::from_bits64(sign | 1);
        }
        if bits & sign == 0 {
            Self::from_bits64(bits - 1)
        } else {
            Self::from_bits64(bits + 1)
        }
    }
}

macro_rules! float_impl {
    ($t:ty, $bits:expr, $mantissa:expr, $u:ty, |$v:ident| $to:expr, |$f:ident| $from:expr) => {
        impl Float for $t {
            const BITS: u32 = $bits;
            const MANTISSA: u32 = $mantissa;
            fn to_f64(self) -> f64 {
                let $v = self;
                $to
            }
            fn from_f64($f: f64) -> Self {
                $from
            }
            fn to_bits64(self) -> u64 {
                u64::from(self.to_bits())
            }
            fn from_bits64(bits: u64) -> Self {
                // Callers pass patterns of `BITS` bits.
                <$t>::from_bits(<$u>::try_from(bits & (u64::MAX >> (64 - $bits))).unwrap_or(0))
            }
        }

        impl Scalar for $t {
            fn parts(self) -> ValueParts {
                ValueParts::Float(self.to_f64())
            }
            fn candidates(values: &ValueSpec) -> Vec<Self> {
                float_candidates::<$t>(values)
            }
            fn random(c: &mut dyn Choices) -> Self {
                Self::from_bits64(c.bits())
            }
            fn between(values: &ValueSpec, c: &mut dyn Choices) -> Option<Self> {
                float_between::<$t>(values, c)
            }
            fn same(self, other: Self) -> bool {
                self.to_bits() == other.to_bits()
            }
        }
    };
}

float_impl!(f16, 16, 10, u16, |v| f64::from(v), |f| f16::from_f64(f));
float_impl!(bf16, 16, 7, u16, |v| f64::from(v), |f| bf16::from_f64(f));
float_impl!(f32, 32, 23, u32, |v| f64::from(v), |f| {
    // Rounds to nearest, as NumPy's float32(x).
    #[allow(clippy::cast_possible_truncation)]
    let r = f as f32;
    r
});
float_impl!(f64, 64, 52, u64, |v| v, |f| f);

fn float_candidates<F: Float>(values: &ValueSpec) -> Vec<F> {
    let bits = |b: u64| F::from_bits64(b);
    let mantissa = F::MANTISSA;
    let sign = 1u64 << (F::BITS - 1);
    let exp_mask = (sign - 1) & !((1u64 << mantissa) - 1);
    let quiet = exp_mask | 1 << (mantissa - 1);
    let mut out: Vec<F> = vec![
        F::from_f64(0.0),
        F::from_f64(1.0),
        F::from_f64(-1.0),
        F::from_f64(0.5),
        F::from_f64(-0.0),
        bits(1),                     // the smallest subnormal
        bits(sign | 1),              // its negative
        bits(1 << mantissa),         // the smallest normal
        bits((1 << mantissa) - 1),   // the largest subnormal
        bits(exp_mask - 1),          // the largest finite value
        bits(sign | (exp_mask - 1)), // the lowest
        bits(exp_mask),              // +inf
        bits(sign | exp_mask),       // -inf
        bits(quiet),                 // NaN
        bits(sign | quiet),          // -NaN
        bits(exp_mask | 1),          // a signalling NaN with a payload
    ];
    let (min, max, exclusive_min, exclusive_max) = values.bounds();
    for b in [min, max, exclusive_min, exclusive_max]
        .into_iter()
        .flatten()
    {
        let r = F::from_f64(b);
        out.extend([r, r.up(), r.down(), r.up().up(), r.down().down()]);
    }
    for &m in values.allowed_values().unwrap_or_default() {
        // Enum members compare exactly; rounding may make some unrepresentable.
        #[allow(clippy::cast_precision_loss)]
        let r = F::from_f64(m as f64);
        out.extend([r, r.up(), r.down()]);
    }
    out
}

fn float_between<F: Float>(values: &ValueSpec, c: &mut dyn Choices) -> Option<F> {
    let (min, max, exclusive_min, exclusive_max) = values.bounds();
    let low = min
        .into_iter()
        .chain(exclusive_min)
        .fold(f64::NEG_INFINITY, f64::max);
    let high = max
        .into_iter()
        .chain(exclusive_max)
        .fold(f64::INFINITY, f64::min);
    let low = if low.is_finite() {
        low
    } else {
        (high - 1000.0).min(-1000.0)
    };
    let high = if high.is_finite() {
        high
    } else {
        (low + 1000.0).max(1000.0)
    };
    if low.partial_cmp(&high).is_none_or(std::cmp::Ordering::is_gt) {
        return None;
    }
    // A uniform fraction of 53 bits.
    #[allow(clippy::cast_precision_loss)]
    let t = (c.bits() >> 11) as f64 / (1u64 << 53) as f64;
    Some(F::from_f64(low + t * (high - low)))
}

/// An element type the generators fill: one scalar, or two for a complex number.
pub(crate) trait Fill: Element {
    type S: Scalar;
    /// Whether an element has two parts.
    const PAIR: bool;
    fn build(re: Self::S, im: Self::S) -> Self;
    fn split(self) -> (Self::S, Option<Self::S>);
}

macro_rules! fill_scalar {
    ($($t:ty),*) => {$(
        impl Fill for $t {
            type S = $t;
            const PAIR: bool = false;
            fn build(re: $t, _: $t) -> $t {
                re
            }
            fn split(self) -> ($t, Option<$t>) {
                (self, None)
            }
        }
    )*};
}
fill_scalar!(bool, i8, i16, i32, i64, u8, u16, u32, u64, f16, bf16, f32, f64);

macro_rules! fill_complex {
    ($($t:ty),*) => {$(
        impl Fill for Complex<$t> {
            type S = $t;
            const PAIR: bool = true;
            fn build(re: $t, im: $t) -> Self {
                Complex::new(re, im)
            }
            fn split(self) -> ($t, Option<$t>) {
                (self.re, Some(self.im))
            }
        }
    )*};
}
fill_complex!(f32, f64);

/// A valid element, or `None` when no value is valid.
fn valid_element<T: Fill>(p: &Palette<T::S>, c: &mut dyn Choices) -> Option<T> {
    let re = p.valid(c)?;
    let im = if T::PAIR { p.valid(c)? } else { re };
    Some(T::build(re, im))
}

/// An element whose first broken rule is `kind` (for a complex number, one part breaks it
/// and the other is valid).
fn invalid_element<T: Fill>(p: &Palette<T::S>, kind: ValueKind, c: &mut dyn Choices) -> Option<T> {
    let bad = p.invalid(kind, c)?;
    if !T::PAIR {
        return Some(T::build(bad, bad));
    }
    let good = p.valid(c)?;
    Some(if c.flag() {
        T::build(good, bad)
    } else {
        T::build(bad, good)
    })
}

/// Whether `dtype` has a valid value under `values`.
pub(crate) fn has_valid(dtype: DType, values: &ValueSpec) -> bool {
    for_dtype!(dtype, T => Palette::<<T as Fill>::S>::new(values).has_valid())
}

/// The rules a single element of `dtype` can break first (for a complex dtype, only those
/// whose other part can be valid).
pub(crate) fn invalid_kinds(dtype: DType, values: &ValueSpec) -> Vec<ValueKind> {
    for_dtype!(dtype, T => {
        let p = Palette::<<T as Fill>::S>::new(values);
        if <T as Fill>::PAIR && !p.has_valid() {
            Vec::new()
        } else {
            p.invalid_kinds()
        }
    })
}

/// An array of `dtype`, `shape` and `order` whose every element is valid, or `None` when the
/// array has elements and no value is valid.
pub(crate) fn valid_array(
    dtype: DType,
    shape: &Shape,
    order: Order,
    values: &ValueSpec,
    c: &mut dyn Choices,
) -> Option<DynArray> {
    for_dtype!(dtype, T => {
        let p = Palette::<<T as Fill>::S>::new(values);
        let data: Option<Vec<T>> = (0..shape.len()).map(|_| valid_element::<T>(&p, c)).collect();
        build(shape, order, data?).ok()
    })
}

fn build<T: Element>(shape: &Shape, order: Order, data: Vec<T>) -> Result<DynArray>
where
    DynArray: From<Array<T>>,
{
    Ok(DynArray::from(Array::from_vec(shape.clone(), order, data)?))
}

/// `array` with the element at storage index `at` replaced by one that breaks `kind` first.
pub(crate) fn poison(
    array: DynArray,
    at: usize,
    kind: ValueKind,
    values: &ValueSpec,
    c: &mut dyn Choices,
) -> Option<DynArray> {
    for_dtype!(array.dtype(), T => {
        let p = Palette::<<T as Fill>::S>::new(values);
        let bad = invalid_element::<T>(&p, kind, c)?;
        let typed = array.into_typed::<T>().ok()?;
        let (shape, order) = (typed.shape().clone(), typed.order());
        let mut data = typed.into_vec();
        *data.get_mut(at)? = bad;
        build(&shape, order, data).ok()
    })
}

/// What an array's values reach: NaN, infinities, −0.0, subnormals and the bounds' edges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reached {
    pub(crate) nan: bool,
    pub(crate) inf: bool,
    pub(crate) negative_zero: bool,
    pub(crate) subnormal: bool,
    pub(crate) edges: Vec<Bound>,
}

pub(crate) fn reached(array: &DynArray, values: &ValueSpec) -> Reached {
    for_dtype!(array.dtype(), T => {
        let p = Palette::<<T as Fill>::S>::new(values);
        let mut r = Reached::default();
        if let Some(a) = array.as_typed::<T>() {
            for &v in a.as_slice() {
                let (re, im) = v.split();
                for s in std::iter::once(re).chain(im) {
                    if let ValueParts::Float(f) = s.parts() {
                        r.nan |= f.is_nan();
                        r.inf |= f.is_infinite();
                        r.negative_zero |= f == 0.0 && f.is_sign_negative();
                        r.subnormal |= is_subnormal::<T>(f);
                    }
                    for b in p.edges_of(s) {
                        if !r.edges.contains(&b) {
                            r.edges.push(b);
                        }
                    }
                }
            }
        }
        r
    })
}

/// The edges and the special values (NaN, infinity, −0.0, subnormal) that a valid array of
/// `dtype` can hold.
pub(crate) fn reachable(dtype: DType, values: &ValueSpec) -> (Vec<Bound>, Reached) {
    for_dtype!(dtype, T => {
        let p = Palette::<<T as Fill>::S>::new(values);
        let edges = p.edges.iter().map(|(b, _)| *b).collect();
        let mut r = Reached::default();
        for &s in &p.valid {
            if let ValueParts::Float(f) = s.parts() {
                r.nan |= f.is_nan();
                r.inf |= f.is_infinite();
                r.negative_zero |= f == 0.0 && f.is_sign_negative();
                r.subnormal |= is_subnormal::<T>(f);
            }
        }
        (edges, r)
    })
}

/// Whether `f` (a value of `T`'s part type, widened) is subnormal in that type.
fn is_subnormal<T: Element>(f: f64) -> bool {
    let smallest_normal = match T::DTYPE.unit_size() {
        2 => 6.103_515_625e-5,
        4 => f64::from(f32::MIN_POSITIVE),
        _ => f64::MIN_POSITIVE,
    };
    f != 0.0 && f.abs() < smallest_normal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_sit_at_the_bounds() {
        let spec = ValueSpec::new().min(0.1).exclusive_max(1.0);
        let p = Palette::<f32>::new(&spec);
        let low = p.edges.iter().find(|(b, _)| *b == Bound::Min).unwrap().1;
        // The first f32 at or above 0.1 (as f64) and the last below 1.0.
        assert!(f64::from(low) >= 0.1 && f64::from(low.down()) < 0.1);
        let high = p
            .edges
            .iter()
            .find(|(b, _)| *b == Bound::ExclusiveMax)
            .unwrap()
            .1;
        assert_eq!(high, 1.0f32.down());
        assert!(p.invalid_kinds().contains(&ValueKind::BelowMin));
        assert!(p.invalid_kinds().contains(&ValueKind::AboveMax));
        let ints = Palette::<u8>::new(&ValueSpec::new().min(2.5).max(7.0));
        assert_eq!(ints.edges, [(Bound::Min, 3), (Bound::Max, 7)]);
    }

    #[test]
    fn special_floats_are_candidates() {
        let all = float_candidates::<f16>(&ValueSpec::new());
        assert!(all.iter().any(|v| v.is_nan()));
        assert!(all.iter().any(|v| v.is_infinite()));
        assert!(all
            .iter()
            .any(|v| v.to_f64() != 0.0 && v.to_f64().abs() < 6.2e-5));
        assert!(all.contains(&f16::MAX));
        assert!(all.contains(&f16::MIN_POSITIVE));
        let all = float_candidates::<f64>(&ValueSpec::new());
        assert!(all.contains(&f64::MAX) && all.contains(&f64::MIN_POSITIVE));
        assert_eq!(1.0f64.up(), 1.0 + f64::EPSILON);
        assert_eq!((-0.0f64).down(), -f64::from_bits(1));
    }

    #[test]
    fn violation_follows_the_spec_order() {
        let v = ValueSpec::new().min(0.0).one_of([1, 2]).allow_nan(false);
        assert_eq!(
            violation(&v, ValueParts::Float(f64::NAN)),
            Some(ValueKind::Nan)
        );
        assert_eq!(
            violation(&v, ValueParts::Int(-1)),
            Some(ValueKind::BelowMin)
        );
        assert_eq!(
            violation(&v, ValueParts::Int(3)),
            Some(ValueKind::NotInEnum)
        );
        assert_eq!(violation(&v, ValueParts::Float(2.0)), None);
        let v = ValueSpec::new().exclusive_max(9_007_199_254_740_993.0);
        // 2^53 + 1 rounds to 2^53 as a bound; integers compare exactly with it.
        assert_eq!(
            violation(&v, ValueParts::Int(1 << 53)),
            Some(ValueKind::AboveMax)
        );
        assert_eq!(violation(&v, ValueParts::Int((1 << 53) - 1)), None);
    }
}
