//! [`ArraySpec`]: what the caller accepts (dtypes, shape, order, byte order), and [`Plan`]: what
//! an input declares, checked against a spec and the limits before anything is allocated.

use std::fmt;

use crate::dtype::{ByteOrder, DType};
use crate::error::{to_u64, Error, Result};
use crate::limits::Limits;
use crate::shape::{Order, Shape};

/// One axis of a shape constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    /// Any size, including 0.
    Any,
    /// Exactly this size.
    Exact(usize),
    /// A size in `min..=max` (both inclusive).
    Range {
        /// Smallest size accepted.
        min: usize,
        /// Largest size accepted.
        max: usize,
    },
}

impl Dim {
    /// Whether `size` satisfies this constraint.
    pub fn accepts(self, size: usize) -> bool {
        match self {
            Dim::Any => true,
            Dim::Exact(n) => size == n,
            Dim::Range { min, max } => (min..=max).contains(&size),
        }
    }
}

impl From<usize> for Dim {
    fn from(n: usize) -> Dim {
        Dim::Exact(n)
    }
}

impl fmt::Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Any => f.write_str("any size"),
            Dim::Exact(n) => write!(f, "{n}"),
            Dim::Range { min, max } => write!(f, "{min}..={max}"),
        }
    }
}

/// What the caller accepts: allowed dtypes, a shape constraint, a memory order and a byte
/// order. Every field defaults to "anything"; the builder methods narrow it.
///
/// ```
/// use arrayguard::{ArraySpec, DType, Dim, Order};
/// let spec = ArraySpec::new(DType::F32)
///     .with_shape([Dim::Any, Dim::Exact(3)])
///     .with_order(Order::C);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ArraySpec {
    dtypes: Option<Vec<DType>>,
    shape: Option<Vec<Dim>>,
    order: Option<Order>,
    byte_order: Option<ByteOrder>,
}

impl ArraySpec {
    /// A spec that accepts one dtype, any shape, any order and either byte order.
    pub fn new(dtype: DType) -> Self {
        ArraySpec {
            dtypes: Some(vec![dtype]),
            ..Self::default()
        }
    }

    /// A spec that accepts every supported dtype and any shape: only the input's own
    /// consistency and the limits are checked.
    pub fn any() -> Self {
        Self::default()
    }

    /// Accepts any of `dtypes` (replacing the current set).
    pub fn with_dtypes(mut self, dtypes: impl IntoIterator<Item = DType>) -> Self {
        let mut list: Vec<DType> = dtypes.into_iter().collect();
        list.sort();
        list.dedup();
        self.dtypes = Some(list);
        self
    }

    /// Requires exactly `dims.len()` axes, each satisfying its [`Dim`].
    pub fn with_shape<D: Into<Dim>>(mut self, dims: impl IntoIterator<Item = D>) -> Self {
        self.shape = Some(dims.into_iter().map(Into::into).collect());
        self
    }

    /// Requires the memory order `order`. An array with at most one axis longer than 1 has
    /// the same bytes in both orders and satisfies either (NumPy writes such arrays as C).
    pub fn with_order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// Requires the input's byte order to be `byte_order` (one-byte dtypes always satisfy it).
    /// Without it, either order is accepted and converted to native on read.
    pub fn with_byte_order(mut self, byte_order: ByteOrder) -> Self {
        self.byte_order = Some(byte_order);
        self
    }

    /// The allowed dtypes, or `None` for all.
    pub fn dtypes(&self) -> Option<&[DType]> {
        self.dtypes.as_deref()
    }

    /// The shape constraint, or `None` for any shape.
    pub fn shape(&self) -> Option<&[Dim]> {
        self.shape.as_deref()
    }

    /// The required memory order, or `None` for either.
    pub fn order(&self) -> Option<Order> {
        self.order
    }

    /// The required byte order, or `None` for either.
    pub fn byte_order(&self) -> Option<ByteOrder> {
        self.byte_order
    }

    /// Whether `dtype` is allowed.
    pub fn allows_dtype(&self, dtype: DType) -> bool {
        self.dtypes
            .as_ref()
            .is_none_or(|list| list.contains(&dtype))
    }

    fn describe_dtypes(&self) -> Box<str> {
        match &self.dtypes {
            None => "any dtype".into(),
            Some(list) => {
                let names: Vec<String> = list.iter().map(|d| format!("`{d}`")).collect();
                if names.len() == 1 {
                    names.concat().into_boxed_str()
                } else {
                    format!("one of {}", names.join(", ")).into_boxed_str()
                }
            }
        }
    }

    /// Checks the dtype, byte order, order and shape of `plan`.
    ///
    /// # Errors
    ///
    /// [`Error::DTypeMismatch`], [`Error::ByteOrderMismatch`], [`Error::NdimMismatch`],
    /// [`Error::ShapeMismatch`] or [`Error::OrderMismatch`], in that order of checking.
    pub fn check(&self, plan: &Plan) -> Result<()> {
        if !self.allows_dtype(plan.dtype) {
            return Err(Error::DTypeMismatch {
                expected: self.describe_dtypes(),
                found: plan.dtype,
            });
        }
        if let Some(required) = self.byte_order {
            if plan.dtype.unit_size() > 1 && plan.byte_order != required {
                return Err(Error::ByteOrderMismatch {
                    expected: required.name(),
                    found: plan.byte_order.name(),
                });
            }
        }
        if let Some(dims) = &self.shape {
            let found = plan.shape.dims();
            if found.len() != dims.len() {
                return Err(Error::NdimMismatch {
                    expected: dims.len().to_string().into_boxed_str(),
                    found: to_u64(found.len()),
                });
            }
            for (axis, (dim, &size)) in dims.iter().zip(found).enumerate() {
                if !dim.accepts(size) {
                    return Err(Error::ShapeMismatch {
                        axis: u32::try_from(axis).unwrap_or(u32::MAX),
                        expected: dim.to_string().into_boxed_str(),
                        found: to_u64(size),
                    });
                }
            }
        }
        if let Some(required) = self.order {
            let long_axes = plan.shape.dims().iter().filter(|&&d| d > 1).count();
            if long_axes > 1 && plan.order != required {
                return Err(Error::OrderMismatch {
                    expected: required.name(),
                    found: plan.order.name(),
                });
            }
        }
        Ok(())
    }
}

/// What an input declares about its array, with its byte count computed by checked
/// arithmetic. Every front-end produces a `Plan` before it touches the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    dtype: DType,
    byte_order: ByteOrder,
    shape: Shape,
    order: Order,
    nbytes: usize,
}

impl Plan {
    /// Makes a plan, computing the payload size.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeOverflow`] when the byte count does not fit in `isize`.
    pub fn new(dtype: DType, byte_order: ByteOrder, shape: Shape, order: Order) -> Result<Plan> {
        let nbytes = shape.byte_len(dtype.itemsize())?;
        Ok(Plan {
            dtype,
            byte_order,
            shape,
            order,
            nbytes,
        })
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The byte order of the payload (meaningless for one-byte dtypes).
    pub fn byte_order(&self) -> ByteOrder {
        self.byte_order
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The memory order of the payload.
    pub fn order(&self) -> Order {
        self.order
    }

    /// Payload size in bytes.
    pub fn nbytes(&self) -> usize {
        self.nbytes
    }

    /// Checks the plan against a spec ([`ArraySpec::check`]), then against the limits
    /// (ndim, elements, bytes). Readers call this before touching the payload; tools that
    /// only inspect headers can call it too.
    ///
    /// # Errors
    ///
    /// The spec errors of [`ArraySpec::check`], then [`Error::LimitExceeded`].
    pub fn check(&self, spec: &ArraySpec, limits: &Limits) -> Result<()> {
        spec.check(self)?;
        limits.check_ndim(self.shape.ndim())?;
        limits.check_size(self.shape.len(), self.nbytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(dtype: DType, dims: &[usize], order: Order) -> Plan {
        Plan::new(
            dtype,
            ByteOrder::Big,
            Shape::new(dims.to_vec()).unwrap(),
            order,
        )
        .unwrap()
    }

    #[test]
    fn spec_errors_in_checking_order() {
        let spec = ArraySpec::new(DType::F32)
            .with_shape([Dim::Any, Dim::Exact(3)])
            .with_order(Order::C)
            .with_byte_order(ByteOrder::Little);
        let cases: &[(Plan, &str)] = &[
            (
                plan(DType::F64, &[2, 3], Order::C),
                "dtype mismatch: expected `f32`, found `f64`",
            ),
            (
                plan(DType::F32, &[2, 3], Order::C),
                "byte order mismatch: expected little, found big",
            ),
        ];
        for (p, message) in cases {
            assert_eq!(spec.check(p).unwrap_err().to_string(), *message);
        }
        let spec = spec.with_byte_order(ByteOrder::Big);
        let cases: &[(Plan, &str)] = &[
            (
                plan(DType::F32, &[2], Order::C),
                "ndim mismatch: expected 2 dimensions, found 1",
            ),
            (
                plan(DType::F32, &[2, 4], Order::C),
                "shape mismatch on axis 1: expected 3, found 4",
            ),
            (
                plan(DType::F32, &[2, 3], Order::F),
                "order mismatch: expected C order, found F order",
            ),
        ];
        for (p, message) in cases {
            assert_eq!(spec.check(p).unwrap_err().to_string(), *message);
        }
        assert!(spec.check(&plan(DType::F32, &[0, 3], Order::C)).is_ok());
        // One long axis: both orders have the same bytes.
        assert!(spec.check(&plan(DType::F32, &[1, 3], Order::F)).is_ok());
    }

    #[test]
    fn range_dims_are_inclusive() {
        let d = Dim::Range { min: 1, max: 64 };
        assert!(d.accepts(1) && d.accepts(64) && !d.accepts(0) && !d.accepts(65));
    }

    #[test]
    fn one_byte_dtypes_ignore_byte_order() {
        let spec = ArraySpec::any().with_byte_order(ByteOrder::Little);
        assert!(spec.check(&plan(DType::U8, &[4], Order::C)).is_ok());
    }
}
