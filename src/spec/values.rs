//! Value constraints: bounds, finiteness and allowed integers, checked in one pass over the
//! decoded elements.

use std::cmp::Ordering;

use crate::dtype::{Element, ValueParts};
use crate::error::{Error, ErrorKind, Result, ValueKind, ValueViolation};
use crate::shape::{Order, Shape};

/// How many offending elements an error lists.
pub(crate) const MAX_REPORTED: usize = 5;

/// Constraints on element values. Every field defaults to "no constraint".
///
/// - bounds (`min`, `max`, `exclusive_min`, `exclusive_max`) compare exactly, also for
///   64-bit integers beyond 2^53; for complex numbers they apply to both parts; `bool` is 0
///   or 1;
/// - `nan` and `inf` say whether NaN and ±infinity are allowed (default: allowed);
///   [`ValueSpec::finite`] forbids both. A NaN is reported as NaN, never as out of bounds;
/// - `one_of` lists the allowed integers (integer and bool dtypes only).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ValueSpec {
    min: Option<f64>,
    max: Option<f64>,
    exclusive_min: Option<f64>,
    exclusive_max: Option<f64>,
    forbid_nan: bool,
    forbid_inf: bool,
    one_of: Option<Vec<i64>>,
}

impl ValueSpec {
    /// No constraint.
    pub fn new() -> Self {
        Self::default()
    }

    /// Values must be at least `min`.
    pub fn min(mut self, min: f64) -> Self {
        self.min = Some(min);
        self
    }

    /// Values must be at most `max`.
    pub fn max(mut self, max: f64) -> Self {
        self.max = Some(max);
        self
    }

    /// Values must be above `bound`.
    pub fn exclusive_min(mut self, bound: f64) -> Self {
        self.exclusive_min = Some(bound);
        self
    }

    /// Values must be below `bound`.
    pub fn exclusive_max(mut self, bound: f64) -> Self {
        self.exclusive_max = Some(bound);
        self
    }

    /// Forbids NaN and ±infinity.
    pub fn finite(self) -> Self {
        self.allow_nan(false).allow_inf(false)
    }

    /// Whether NaN is allowed. Defaults to `true`.
    pub fn allow_nan(mut self, allow: bool) -> Self {
        self.forbid_nan = !allow;
        self
    }

    /// Whether ±infinity is allowed. Defaults to `true`.
    pub fn allow_inf(mut self, allow: bool) -> Self {
        self.forbid_inf = !allow;
        self
    }

    /// Values must be one of `values` (integer and bool dtypes).
    pub fn one_of(mut self, values: impl IntoIterator<Item = i64>) -> Self {
        let mut list: Vec<i64> = values.into_iter().collect();
        list.sort_unstable();
        list.dedup();
        self.one_of = Some(list);
        self
    }

    /// Whether NaN is allowed.
    pub fn allows_nan(&self) -> bool {
        !self.forbid_nan
    }

    /// Whether ±infinity is allowed.
    pub fn allows_inf(&self) -> bool {
        !self.forbid_inf
    }

    /// The allowed integers, if restricted.
    pub fn allowed_values(&self) -> Option<&[i64]> {
        self.one_of.as_deref()
    }

    /// The bounds: `(min, max, exclusive_min, exclusive_max)`.
    pub fn bounds(&self) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
        (self.min, self.max, self.exclusive_min, self.exclusive_max)
    }

    /// Whether any constraint is set.
    pub fn is_empty(&self) -> bool {
        *self == ValueSpec::default()
    }

    /// Checks the constraints for contradictions (NaN bounds, an empty interval, an empty
    /// `one_of`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`].
    pub fn validate(&self) -> Result<()> {
        let invalid = |reason: String| {
            Err(Error::from(ErrorKind::InvalidSpec {
                location: "values".into(),
                reason: reason.into(),
            }))
        };
        let bounds = [self.min, self.max, self.exclusive_min, self.exclusive_max];
        if bounds.iter().flatten().any(|b| b.is_nan()) {
            return invalid("a bound is NaN".into());
        }
        let low = self
            .min
            .into_iter()
            .chain(self.exclusive_min)
            .fold(f64::NEG_INFINITY, f64::max);
        let high = self
            .max
            .into_iter()
            .chain(self.exclusive_max)
            .fold(f64::INFINITY, f64::min);
        let strict = self.exclusive_min.is_some_and(|b| b == low)
            || self.exclusive_max.is_some_and(|b| b == high);
        if low > high || (low == high && strict) {
            return invalid(format!(
                "no value satisfies the bounds (lowest {low}, highest {high})"
            ));
        }
        if self.one_of.as_ref().is_some_and(Vec::is_empty) {
            return invalid("`enum` is empty".into());
        }
        Ok(())
    }

    /// Checks every element; `data` is laid out in `order` with `shape`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Values`] naming the first kind of violation found, how many elements violate
    /// the constraints, and the logical indices and values of the first few.
    pub fn check<T: Element>(&self, data: &[T], shape: &Shape, order: Order) -> Result<()> {
        let mut tally = ValueTally::default();
        self.check_chunk(data, 0, shape, order, &mut tally);
        tally.finish()
    }

    /// Checks one chunk of a payload and adds what it finds to `tally`: `data[i]` is the
    /// element at storage position `start + i` of an array of `shape` laid out in `order`.
    /// After the last chunk, [`ValueTally::finish`] gives exactly what [`ValueSpec::check`]
    /// gives on the whole payload (the same kind, count and first elements), so a payload can
    /// be checked in chunks without being held.
    pub(crate) fn check_chunk<T: Element>(
        &self,
        data: &[T],
        start: usize,
        shape: &Shape,
        order: Order,
        tally: &mut ValueTally,
    ) {
        if self.is_empty() || self.all_pass(data) {
            return;
        }
        for (i, value) in data.iter().enumerate() {
            let Some(kind) = self.violation(value.value_parts()) else {
                continue;
            };
            tally.count = tally.count.saturating_add(1);
            if tally.first.is_none() {
                tally.first = Some((kind, self.describe(kind)));
            }
            let seen = &mut tally.seen[kind_index(kind)];
            if *seen < MAX_REPORTED {
                *seen += 1;
                let index = logical_index(start.saturating_add(i), shape, order);
                tally.examples.push((kind, index, format!("{value:?}")));
            }
        }
    }

    /// Whether no element of `data` breaks a constraint, found by a loop without branches
    /// that the compiler vectorizes; the elements that do break one are then found by the
    /// loop of [`ValueSpec::check_chunk`]. `false` also when this check does not apply
    /// (`one_of`, complex numbers, an infinite exclusive bound).
    fn all_pass<T: Element>(&self, data: &[T]) -> bool {
        let infinite = |b: Option<f64>| b.is_some_and(f64::is_infinite);
        if self.one_of.is_some() || infinite(self.exclusive_min) || infinite(self.exclusive_max) {
            return false;
        }
        // For a float `v` (every element type's floats widen to `f64` exactly), `v > b` is
        // `v >= next_up(b)`: both bounds become inclusive.
        let low = self
            .min
            .unwrap_or(f64::NEG_INFINITY)
            .max(self.exclusive_min.map_or(f64::NEG_INFINITY, f64::next_up));
        let high = self
            .max
            .unwrap_or(f64::INFINITY)
            .min(self.exclusive_max.map_or(f64::INFINITY, f64::next_down));
        // For an integer, the integers the bounds allow (saturating at `i128`'s range, far
        // beyond every element type's).
        let int_low = (self.min.map_or(i128::MIN, |b| b.ceil() as i128)).max(
            self.exclusive_min
                .map_or(i128::MIN, |b| (b.floor() as i128).saturating_add(1)),
        );
        let int_high = (self.max.map_or(i128::MAX, |b| b.floor() as i128)).min(
            self.exclusive_max
                .map_or(i128::MAX, |b| (b.ceil() as i128).saturating_sub(1)),
        );
        let (forbid_nan, forbid_inf) = (self.forbid_nan, self.forbid_inf);
        let passes = |value: &T| match value.value_parts() {
            ValueParts::Float(v) => {
                let bounded = (v >= low) & (v <= high) & !(forbid_inf & v.is_infinite());
                // A NaN fails every comparison: it passes only when allowed.
                bounded | (!forbid_nan & v.is_nan())
            }
            ValueParts::Int(v) => (v >= int_low) & (v <= int_high),
            ValueParts::Complex(..) => false,
        };
        data.chunks(256)
            .all(|chunk| chunk.iter().fold(true, |all, v| all & passes(v)))
    }

    /// The first constraint `parts` breaks, in the order NaN, infinity, bounds, `one_of`.
    fn violation(&self, parts: ValueParts) -> Option<ValueKind> {
        match parts {
            ValueParts::Int(v) => self.int_violation(v),
            ValueParts::Float(v) => self.float_violation(v),
            ValueParts::Complex(re, im) => self
                .float_violation(re)
                .or_else(|| self.float_violation(im)),
        }
    }

    fn float_violation(&self, v: f64) -> Option<ValueKind> {
        if v.is_nan() {
            return self.forbid_nan.then_some(ValueKind::Nan);
        }
        if v.is_infinite() && self.forbid_inf {
            return Some(ValueKind::Infinite);
        }
        if self.min.is_some_and(|b| v < b) || self.exclusive_min.is_some_and(|b| v <= b) {
            return Some(ValueKind::BelowMin);
        }
        if self.max.is_some_and(|b| v > b) || self.exclusive_max.is_some_and(|b| v >= b) {
            return Some(ValueKind::AboveMax);
        }
        // `one_of` is refused for float dtypes when a spec is built; a float equal to an
        // allowed integer passes.
        match &self.one_of {
            Some(list)
                if !list
                    .iter()
                    .any(|&x| cmp_int_float(i128::from(x), v) == Ordering::Equal) =>
            {
                Some(ValueKind::NotInEnum)
            }
            _ => None,
        }
    }

    fn int_violation(&self, v: i128) -> Option<ValueKind> {
        let cmp = |b: f64| cmp_int_float(v, b);
        if self.min.is_some_and(|b| cmp(b) == Ordering::Less)
            || self
                .exclusive_min
                .is_some_and(|b| cmp(b) != Ordering::Greater)
        {
            return Some(ValueKind::BelowMin);
        }
        if self.max.is_some_and(|b| cmp(b) == Ordering::Greater)
            || self.exclusive_max.is_some_and(|b| cmp(b) != Ordering::Less)
        {
            return Some(ValueKind::AboveMax);
        }
        match &self.one_of {
            Some(list) if i64::try_from(v).map_or(true, |v| list.binary_search(&v).is_err()) => {
                Some(ValueKind::NotInEnum)
            }
            _ => None,
        }
    }

    fn describe(&self, kind: ValueKind) -> String {
        let bound = |name: &str, b: Option<f64>| b.map(|b| format!("{name} = {b}"));
        match kind {
            ValueKind::Nan => "nan = false".into(),
            ValueKind::Infinite => "inf = false".into(),
            ValueKind::BelowMin => [
                bound("min", self.min),
                bound("exclusive_min", self.exclusive_min),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            ValueKind::AboveMax => [
                bound("max", self.max),
                bound("exclusive_max", self.exclusive_max),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
            ValueKind::NotInEnum => {
                let list = self.one_of.as_deref().unwrap_or_default();
                let shown: Vec<String> = list.iter().take(10).map(ToString::to_string).collect();
                let more = if list.len() > 10 { ", ..." } else { "" };
                format!("enum = [{}{more}]", shown.join(", "))
            }
        }
    }
}

/// Compares an integer with a float exactly (the float is not NaN).
fn cmp_int_float(int: i128, float: f64) -> Ordering {
    // i128 covers every i64 and u64; floats beyond ±2^127 are beyond every such integer.
    const LIMIT: f64 = 1.7014118346046923e38; // 2^127
    if float >= LIMIT {
        return Ordering::Less;
    }
    if float < -LIMIT {
        return Ordering::Greater;
    }
    let floor = float.floor();
    // `floor` is integral and within ±2^127, so the conversion is exact.
    let floor_int = floor as i128;
    match int.cmp(&floor_int) {
        Ordering::Equal if float > floor => Ordering::Less,
        other => other,
    }
}

/// The logical index of the element at storage position `flat`.
fn logical_index(flat: usize, shape: &Shape, order: Order) -> Vec<usize> {
    let dims = shape.dims();
    let mut index = vec![0; dims.len()];
    let mut rest = flat;
    let mut take = |axis: usize| {
        let d = dims[axis].max(1);
        index[axis] = rest % d;
        rest /= d;
    };
    match order {
        Order::C => (0..dims.len()).rev().for_each(&mut take),
        Order::F => (0..dims.len()).for_each(&mut take),
    }
    index
}

/// What the value constraints found in the elements checked so far (see
/// [`ValueSpec::check_chunk`]).
#[derive(Debug, Default)]
pub(crate) struct ValueTally {
    /// The kind of the first violation and the constraint it breaks, as written in a spec.
    first: Option<(ValueKind, String)>,
    /// How many elements break any constraint.
    count: u64,
    /// The logical indices and values of the first few elements of each kind, in the order
    /// they were checked: a tally of a later part of the payload can then be appended
    /// ([`ValueTally::merge`]) and the report still names the first elements of the first kind.
    examples: Vec<(ValueKind, Vec<usize>, String)>,
    /// How many examples of each kind (by [`kind_index`]) are held, at most [`MAX_REPORTED`].
    seen: [usize; 5],
}

/// The position of `kind` in [`ValueTally::seen`].
fn kind_index(kind: ValueKind) -> usize {
    match kind {
        ValueKind::Nan => 0,
        ValueKind::Infinite => 1,
        ValueKind::BelowMin => 2,
        ValueKind::AboveMax => 3,
        ValueKind::NotInEnum => 4,
    }
}

impl ValueTally {
    /// Adds the tally of the elements that follow those of `self` in the payload: the result
    /// is the tally of both parts checked in order, as if by one run of
    /// [`ValueSpec::check_chunk`].
    pub(crate) fn merge(&mut self, later: ValueTally) {
        if self.first.is_none() {
            self.first = later.first;
        }
        self.count = self.count.saturating_add(later.count);
        for (kind, index, value) in later.examples {
            let seen = &mut self.seen[kind_index(kind)];
            if *seen < MAX_REPORTED {
                *seen += 1;
                self.examples.push((kind, index, value));
            }
        }
    }

    /// The result over every chunk: [`ErrorKind::Values`] if any element broke a constraint.
    pub(crate) fn finish(self) -> Result<()> {
        let Some((kind, constraint)) = self.first else {
            return Ok(());
        };
        Err(Error::from(ErrorKind::Values {
            violation: Box::new(ValueViolation {
                kind,
                constraint,
                count: self.count,
                first: self
                    .examples
                    .into_iter()
                    .filter(|(k, _, _)| *k == kind)
                    .map(|(_, index, value)| (index, value))
                    .collect(),
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: Element>(spec: &ValueSpec, data: &[T]) -> Result<()> {
        spec.check(data, &Shape::vector(data.len()).unwrap(), Order::C)
    }

    /// The vectorized pre-check says "all pass" exactly when the element-by-element check
    /// finds no violation, for every single element at and around the bounds.
    #[test]
    fn the_fast_pre_check_agrees_with_the_element_checks() {
        let bounds = [-2.5, -1.0, 0.0, 0.5, 3.0, 9_007_199_254_740_993.0, 1e300];
        let mut specs = vec![ValueSpec::new().finite(), ValueSpec::new().allow_inf(false)];
        for &b in &bounds {
            specs.push(ValueSpec::new().min(b));
            specs.push(ValueSpec::new().max(b).allow_nan(false));
            specs.push(ValueSpec::new().exclusive_min(b).finite());
            specs.push(ValueSpec::new().exclusive_max(b));
            specs.push(ValueSpec::new().exclusive_min(-b).max(b.abs()));
        }
        let mut floats = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0];
        for &b in &bounds {
            for v in [
                b,
                -b,
                b.next_up(),
                b.next_down(),
                -b.next_up(),
                b.floor() + 1.0,
            ] {
                floats.push(v);
            }
        }
        let ints: Vec<i64> = floats
            .iter()
            .filter(|v| v.is_finite())
            .flat_map(|&v| {
                [
                    v as i64,
                    (v as i64).saturating_sub(1),
                    (v as i64).saturating_add(1),
                ]
            })
            .chain([i64::MIN, i64::MAX, 9_007_199_254_740_993])
            .collect();
        for spec in &specs {
            for &v in &floats {
                let slow = spec.violation(ValueParts::Float(v)).is_none();
                assert_eq!(spec.all_pass(&[v]), slow, "{spec:?} {v}");
                let narrow = v as f32;
                let slow = spec
                    .violation(ValueParts::Float(f64::from(narrow)))
                    .is_none();
                assert_eq!(spec.all_pass(&[narrow]), slow, "{spec:?} {narrow} (f32)");
            }
            for &v in &ints {
                let slow = spec.violation(ValueParts::Int(i128::from(v))).is_none();
                assert_eq!(spec.all_pass(&[v]), slow, "{spec:?} {v} (i64)");
                let u = v.unsigned_abs();
                let slow = spec.violation(ValueParts::Int(i128::from(u))).is_none();
                assert_eq!(spec.all_pass(&[u]), slow, "{spec:?} {u} (u64)");
            }
        }
    }

    #[test]
    fn nan_is_reported_as_nan_not_as_below_min() {
        let spec = ValueSpec::new().min(0.0).finite();
        let e = check(&spec, &[1.0f64, f64::NAN, -1.0, f64::NAN]).unwrap_err();
        assert_eq!(e.code(), "value.nan");
        assert_eq!(
            e.to_string(),
            "3 elements violate `nan = false` (first: NaN): [1] = NaN, [3] = NaN"
        );
        // NaN allowed: it is neither below nor above any bound.
        let spec = ValueSpec::new().min(0.0);
        assert!(check(&spec, &[f64::NAN, 0.0]).is_ok());
    }

    #[test]
    fn each_constraint_passes_and_fails() {
        let cases: Vec<(ValueSpec, Vec<f64>, Vec<f64>, &str)> = vec![
            (
                ValueSpec::new().min(0.0),
                vec![0.0, 1.0],
                vec![-0.5],
                "value.below_min",
            ),
            (
                ValueSpec::new().max(1.0),
                vec![1.0, -3.0],
                vec![1.5],
                "value.above_max",
            ),
            (
                ValueSpec::new().exclusive_min(0.0),
                vec![1e-300],
                vec![0.0],
                "value.below_min",
            ),
            (
                ValueSpec::new().exclusive_max(1.0),
                vec![0.999],
                vec![1.0],
                "value.above_max",
            ),
            (
                ValueSpec::new().allow_inf(false),
                vec![1e308],
                vec![f64::NEG_INFINITY],
                "value.infinite",
            ),
            (
                ValueSpec::new().allow_nan(false),
                vec![f64::INFINITY],
                vec![f64::NAN],
                "value.nan",
            ),
        ];
        for (spec, good, bad, code) in cases {
            assert!(check(&spec, &good).is_ok(), "{spec:?} {good:?}");
            assert_eq!(check(&spec, &bad).unwrap_err().code(), code, "{spec:?}");
        }
        let spec = ValueSpec::new().one_of([0, 1, 2]);
        assert!(check(&spec, &[0i32, 2, 1]).is_ok());
        assert_eq!(
            check(&spec, &[0i32, 3]).unwrap_err().code(),
            "value.not_in_enum"
        );
    }

    #[test]
    fn integer_bounds_compare_exactly() {
        // 2^53 + 1 is not representable as f64: a cast would make it equal to the bound.
        let spec = ValueSpec::new().max(9_007_199_254_740_992.0);
        assert!(check(&spec, &[9_007_199_254_740_992i64]).is_ok());
        assert!(check(&spec, &[9_007_199_254_740_993i64]).is_err());
        let spec = ValueSpec::new().exclusive_min(-0.5);
        assert!(check(&spec, &[0u64]).is_ok());
        assert!(check(&spec, &[-1i8]).is_err());
        assert!(check(&ValueSpec::new().max(1e300), &[u64::MAX]).is_ok());
    }

    #[test]
    fn indices_are_logical() {
        let spec = ValueSpec::new().max(0.0);
        let shape = Shape::new([2, 3]).unwrap();
        // F order: storage position 1 is element [1, 0].
        let e = spec
            .check(&[0.0f32, 5.0, 0.0, 0.0, 0.0, 0.0], &shape, Order::F)
            .unwrap_err();
        assert!(e.to_string().ends_with("[1, 0] = 5.0"), "{e}");
    }

    #[test]
    fn tally_without_violations_is_ok() {
        assert!(ValueTally::default().finish().is_ok());
    }

    #[test]
    fn contradictions_are_refused() {
        assert!(ValueSpec::new().min(2.0).max(1.0).validate().is_err());
        assert!(ValueSpec::new()
            .min(1.0)
            .exclusive_max(1.0)
            .validate()
            .is_err());
        assert!(ValueSpec::new().min(f64::NAN).validate().is_err());
        assert!(ValueSpec::new().one_of([]).validate().is_err());
        assert!(ValueSpec::new().min(1.0).max(1.0).validate().is_ok());
    }
}
