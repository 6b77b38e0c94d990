//! The spec oracle: whether an array satisfies a spec and limits, and if not, which error
//! code the library must report.
//!
//! The rules are re-derived here from the spec's public getters (`dtypes`, `byte_order`,
//! `shape_spec` with `Dim::accepts`, `order`, `values`, `limit_overrides`) and from
//! [`Shape::orders_coincide`], never through the library's own checks (`ArraySpec::check`,
//! `Plan::check`, `ValueSpec::check`), so that a mistake in those cannot confirm itself. The
//! element values are decoded here from [`DynArray::to_le_bytes`].
//!
//! The rules, in the order the library checks them (the first one broken is the error):
//!
//! 1. `spec.dtype`: the dtype is one of the spec's dtypes;
//! 2. `spec.byte_order`: when the input had a byte order and the dtype's swap unit is longer
//!    than one byte, it is the spec's;
//! 3. `spec.ndim`, `spec.shape`, `spec.named_dim`: the number of dims fits the pattern (a
//!    variadic item takes whatever the axes leave), then axis by axis, each size is accepted
//!    by its `Dim`, and an axis name seen before has the same size;
//! 4. `spec.order`: the memory order is the spec's, unless C and F order store the same bytes
//!    ([`Shape::orders_coincide`]: at most one axis longer than 1, or no element);
//! 5. `limit.ndim`, `limit.elements`, `limit.bytes`: within the limits, with the spec's
//!    overrides applied;
//! 6. `value.*`: the first element in memory order that breaks a value constraint decides
//!    the code. For one element: a NaN is `value.nan` when NaN is forbidden and breaks
//!    nothing otherwise; then `value.infinite` when infinities are forbidden; then the
//!    bounds, compared exactly (`value.below_min`, `value.above_max`); then the allowed
//!    integers (`value.not_in_enum`). A complex number breaks what its real part breaks,
//!    else what its imaginary part breaks; `bool` is 0 or 1.

use std::cmp::Ordering;
use std::fmt;

use arrayguard::{f16, ArraySpec, ByteOrder, DynArray, Limits, ShapeItem, ShapeSpec, ValueSpec};

/// A broken rule: the code of the error the library must report, and what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The library's error code for this rule (`spec.order`, `limit.bytes`, `value.nan`...).
    pub code: &'static str,
    /// What breaks it, for failure messages.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

fn broken(code: &'static str, detail: String) -> Result<(), Violation> {
    Err(Violation { code, detail })
}

/// Whether `array` satisfies `spec` and `limits` (with the spec's limit overrides applied).
/// `byte_order` is the byte order the input's payload had, `None` when the input had none
/// (JSON numbers).
///
/// # Errors
///
/// The first rule broken, in the library's order of checking (see the module docs).
pub fn satisfies(
    array: &DynArray,
    byte_order: Option<ByteOrder>,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<(), Violation> {
    let dtype = array.dtype();
    let shape = array.shape();
    let dims = shape.dims();
    if spec.dtypes().is_some_and(|list| !list.contains(&dtype)) {
        return broken(
            "spec.dtype",
            format!("{dtype} is not in {:?}", spec.dtypes()),
        );
    }
    if let (Some(required), Some(found)) = (spec.byte_order(), byte_order) {
        if dtype.unit_size() > 1 && found != required {
            return broken("spec.byte_order", format!("{found:?}, not {required:?}"));
        }
    }
    if let Some(pattern) = spec.shape_spec() {
        check_shape(pattern, dims)?;
    }
    if let Some(required) = spec.order() {
        if !shape.orders_coincide() && array.order() != required {
            return broken(
                "spec.order",
                format!("{} order for {shape}, not {required}", array.order()),
            );
        }
    }
    check_limits(array, spec, limits)?;
    check_values(array, spec.values())
}

/// Rule 3: the dims against the shape pattern.
fn check_shape(pattern: &ShapeSpec, dims: &[usize]) -> Result<(), Violation> {
    let items = pattern.items();
    let axes = items
        .iter()
        .filter(|item| matches!(item, ShapeItem::Axis(_)))
        .count();
    let variadic = items.len() - axes;
    assert!(variadic <= 1, "a pattern with {variadic} variadic items");
    let ndim_fits = if variadic == 1 {
        dims.len() >= axes
    } else {
        dims.len() == axes
    };
    if !ndim_fits {
        return broken("spec.ndim", format!("{dims:?} against `{pattern}`"));
    }
    let run = dims.len() - axes;
    let mut at = 0;
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for item in items {
        match item {
            ShapeItem::Axis(axis) => {
                let size = dims[at];
                if !axis.dim().accepts(size) {
                    return broken(
                        "spec.shape",
                        format!("axis {at} of {dims:?} against `{pattern}`"),
                    );
                }
                if let Some(name) = axis.name() {
                    match seen.iter().find(|(seen_name, _)| *seen_name == name) {
                        Some(&(_, bound)) if bound != size => {
                            return broken(
                                "spec.named_dim",
                                format!("`{name}` is {bound} and {size} in {dims:?}"),
                            );
                        }
                        Some(_) => {}
                        None => seen.push((name, size)),
                    }
                }
                at += 1;
            }
            ShapeItem::Variadic(_) => at += run,
        }
    }
    Ok(())
}

/// Rule 5: ndim, elements, bytes, against `limits` with the spec's overrides.
fn check_limits(array: &DynArray, spec: &ArraySpec, limits: &Limits) -> Result<(), Violation> {
    let overrides = spec.limit_overrides();
    let max_ndim = overrides
        .and_then(|o| o.max_ndim)
        .unwrap_or(limits.max_ndim);
    let max_elements = overrides
        .and_then(|o| o.max_elements)
        .unwrap_or(limits.max_elements);
    let max_bytes = overrides
        .and_then(|o| o.max_bytes)
        .unwrap_or(limits.max_bytes);
    let ndim = array.shape().ndim();
    let elements = u64::try_from(array.len()).expect("an element count fits in u64");
    let bytes = u64::try_from(array.dtype().itemsize())
        .ok()
        .and_then(|size| elements.checked_mul(size))
        .expect("a held array's byte count fits in u64");
    if ndim > max_ndim {
        return broken("limit.ndim", format!("{ndim} dims over {max_ndim}"));
    }
    if elements > max_elements {
        return broken(
            "limit.elements",
            format!("{elements} elements over {max_elements}"),
        );
    }
    if bytes > max_bytes {
        return broken("limit.bytes", format!("{bytes} bytes over {max_bytes}"));
    }
    Ok(())
}

/// An element's value: integers (and `bool`) exactly, floats widened to `f64`.
#[derive(Clone, Copy, Debug)]
enum Value {
    Int(i128),
    Float(f64),
    Complex(f64, f64),
}

/// Rule 6: every element against the value constraints, in memory order.
fn check_values(array: &DynArray, values: &ValueSpec) -> Result<(), Violation> {
    let dtype = array.dtype();
    let le = array.to_le_bytes();
    for (i, element) in le.chunks_exact(dtype.itemsize()).enumerate() {
        let value = match dtype.kind() {
            'b' | 'u' => Value::Int(unsigned(element)),
            'i' => Value::Int(signed(element)),
            'f' => Value::Float(float(element)),
            'c' => {
                let (re, im) = element.split_at(element.len() / 2);
                Value::Complex(float(re), float(im))
            }
            kind => panic!("no decoder for dtype kind {kind:?}"),
        };
        let code = match value {
            Value::Int(v) => int_violation(values, v),
            Value::Float(v) => float_violation(values, v),
            Value::Complex(re, im) => {
                float_violation(values, re).or_else(|| float_violation(values, im))
            }
        };
        if let Some(code) = code {
            return broken(code, format!("element {i} in memory order is {value:?}"));
        }
    }
    Ok(())
}

/// A little-endian unsigned integer.
fn unsigned(bytes: &[u8]) -> i128 {
    bytes
        .iter()
        .rev()
        .fold(0, |acc, &b| (acc << 8) | i128::from(b))
}

/// A little-endian two's complement integer.
fn signed(bytes: &[u8]) -> i128 {
    let bits = 8 * bytes.len();
    let value = unsigned(bytes);
    if value >> (bits - 1) == 1 {
        value - (1 << bits)
    } else {
        value
    }
}

/// A little-endian IEEE 754 float of 2, 4 or 8 bytes, widened to `f64`.
fn float(bytes: &[u8]) -> f64 {
    match *bytes {
        [a, b] => f64::from(f16::from_le_bytes([a, b])),
        [a, b, c, d] => f64::from(f32::from_le_bytes([a, b, c, d])),
        [a, b, c, d, e, f, g, h] => f64::from_le_bytes([a, b, c, d, e, f, g, h]),
        _ => panic!("no float of {} bytes", bytes.len()),
    }
}

fn float_violation(values: &ValueSpec, v: f64) -> Option<&'static str> {
    if v.is_nan() {
        return (!values.allows_nan()).then_some("value.nan");
    }
    if v.is_infinite() && !values.allows_inf() {
        return Some("value.infinite");
    }
    let (min, max, exclusive_min, exclusive_max) = values.bounds();
    if min.is_some_and(|b| v < b) || exclusive_min.is_some_and(|b| v <= b) {
        return Some("value.below_min");
    }
    if max.is_some_and(|b| v > b) || exclusive_max.is_some_and(|b| v >= b) {
        return Some("value.above_max");
    }
    match values.allowed_values() {
        Some(list) if !list.iter().any(|&x| cmp_exact(i128::from(x), v).is_eq()) => {
            Some("value.not_in_enum")
        }
        _ => None,
    }
}

fn int_violation(values: &ValueSpec, v: i128) -> Option<&'static str> {
    let (min, max, exclusive_min, exclusive_max) = values.bounds();
    if min.is_some_and(|b| cmp_exact(v, b).is_lt())
        || exclusive_min.is_some_and(|b| cmp_exact(v, b).is_le())
    {
        return Some("value.below_min");
    }
    if max.is_some_and(|b| cmp_exact(v, b).is_gt())
        || exclusive_max.is_some_and(|b| cmp_exact(v, b).is_ge())
    {
        return Some("value.above_max");
    }
    match values.allowed_values() {
        Some(list) if !list.iter().any(|&x| i128::from(x) == v) => Some("value.not_in_enum"),
        _ => None,
    }
}

/// Compares an integer (at most 64 bits of magnitude) with a float that is not NaN, exactly.
///
/// `near`, the float nearest to `int`, orders like `int` against every other float: a float
/// strictly between them would be nearer to `int`. When `near` is the float itself, that
/// float is an integer of at most 2^64 and converts exactly.
fn cmp_exact(int: i128, float: f64) -> Ordering {
    assert!(!float.is_nan(), "a NaN bound");
    let near = int as f64;
    match near.partial_cmp(&float) {
        Some(Ordering::Equal) => int.cmp(&(float as i128)),
        Some(other) => other,
        None => unreachable!("neither is NaN"),
    }
}
