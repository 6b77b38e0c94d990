//! [`ArraySpec`]: what the caller accepts (dtypes, shape, order, byte order), and [`Plan`]: what
//! an input declares, checked against a spec and the limits before anything is allocated.

use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, Result};
use crate::limits::{LimitOverrides, Limits};
use crate::shape::{Order, Shape};

mod bundle;
mod convert;
mod file;
mod locate;
mod schema;
mod shape;
mod shorthand;
mod values;
mod wire;

pub use bundle::BundleSpec;
pub use file::SpecFile;
pub use schema::spec_file_schema;
pub use shape::{AxisSpec, Bindings, Dim, ShapeItem, ShapeSpec};
pub use values::ValueSpec;
pub(crate) use values::ValueTally;

/// What the caller accepts: allowed dtypes, a shape constraint, a memory order and a byte
/// order. Every field defaults to "anything"; the builder methods narrow it.
///
/// ```
/// use arrayguard::{ArraySpec, DType, Dim, Order};
/// let spec = ArraySpec::new(DType::F32)
///     .with_shape([Dim::Any, Dim::Exact(3)])
///     .with_order(Order::C);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ArraySpec {
    dtypes: Option<Vec<DType>>,
    shape: Option<ShapeSpec>,
    /// The per-axis constraints when `shape` has a fixed number of axes (kept for the
    /// front-ends that check axes while they read).
    fixed_dims: Option<Vec<Dim>>,
    order: Option<Order>,
    byte_order: Option<ByteOrder>,
    values: ValueSpec,
    limits: Option<LimitOverrides>,
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
    pub fn with_shape<D: Into<Dim>>(self, dims: impl IntoIterator<Item = D>) -> Self {
        let items = dims
            .into_iter()
            .map(|d| ShapeItem::Axis(AxisSpec::new(d.into())));
        let items: Vec<ShapeItem> = items.collect();
        // Anonymous axes with no variadic item are always a valid pattern; a reversed range
        // simply accepts nothing.
        self.with_shape_spec(ShapeSpec::new_unchecked(items))
    }

    /// Requires the shape to match a pattern with named, ranged and variadic dimensions.
    ///
    /// ```
    /// use arrayguard::{ArraySpec, DType, ShapeSpec};
    /// let spec = ArraySpec::new(DType::U8).with_shape_spec(ShapeSpec::parse("*batch h w 3")?);
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn with_shape_spec(mut self, shape: ShapeSpec) -> Self {
        self.fixed_dims = shape.fixed_dims();
        self.shape = Some(shape);
        self
    }

    /// Requires the values to satisfy `values`.
    pub fn with_values(mut self, values: ValueSpec) -> Self {
        self.values = values;
        self
    }

    /// Overrides some of the caller's limits for arrays read with this spec.
    pub fn with_limits(mut self, limits: LimitOverrides) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Requires the memory order `order`. An array with at most one axis longer than 1, or
    /// with no element, has the same bytes in both orders and satisfies either (NumPy writes
    /// such arrays as C).
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

    /// The per-axis size constraints when the spec fixes the number of axes; `None` for any
    /// shape or a variadic pattern (see [`ArraySpec::shape_spec`]).
    pub fn shape(&self) -> Option<&[Dim]> {
        self.fixed_dims.as_deref()
    }

    /// The full shape pattern, or `None` for any shape.
    pub fn shape_spec(&self) -> Option<&ShapeSpec> {
        self.shape.as_ref()
    }

    /// The value constraints (empty when none).
    pub fn values(&self) -> &ValueSpec {
        &self.values
    }

    /// The limit overrides, if any.
    pub fn limit_overrides(&self) -> Option<&LimitOverrides> {
        self.limits.as_ref()
    }

    /// The limits to read with: `base` with this spec's overrides applied.
    pub fn limits_over(&self, base: &Limits) -> Limits {
        match &self.limits {
            Some(overrides) => overrides.apply(base),
            None => base.clone(),
        }
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

    /// Checks the dtype, byte order, order and shape of `plan`; named dimensions bind within
    /// this one array.
    ///
    /// # Errors
    ///
    /// [`Error::DTypeMismatch`], [`Error::ByteOrderMismatch`], [`Error::NdimMismatch`],
    /// [`Error::ShapeMismatch`], [`Error::NamedDimMismatch`] or [`Error::OrderMismatch`], in
    /// that order of checking.
    pub fn check(&self, plan: &Plan) -> Result<()> {
        self.check_with(plan, &mut Bindings::new())
    }

    /// [`ArraySpec::check`] with named dimensions bound in `bindings` (shared by the arrays
    /// of a bundle).
    ///
    /// # Errors
    ///
    /// As [`ArraySpec::check`].
    pub fn check_with(&self, plan: &Plan, bindings: &mut Bindings) -> Result<()> {
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
        if let Some(shape) = &self.shape {
            shape.check(plan.shape.dims(), bindings)?;
        }
        if let Some(required) = self.order {
            let long_axes = plan.shape.dims().iter().filter(|&&d| d > 1).count();
            if long_axes > 1 && !plan.shape.is_empty() && plan.order != required {
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
        self.check_with(spec, limits, &mut Bindings::new())
    }

    /// [`Plan::check`] with named dimensions bound in `bindings` (shared by the arrays of a
    /// bundle).
    ///
    /// # Errors
    ///
    /// As [`Plan::check`].
    pub fn check_with(
        &self,
        spec: &ArraySpec,
        limits: &Limits,
        bindings: &mut Bindings,
    ) -> Result<()> {
        spec.check_with(self, bindings)?;
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
        // No element: both orders have the same (no) bytes; fuzz/regressions/structured.
        let any_shape = ArraySpec::new(DType::F32).with_order(Order::C);
        assert!(any_shape
            .check(&plan(DType::F32, &[3, 3, 0], Order::F))
            .is_ok());
    }

    #[test]
    fn one_byte_dtypes_ignore_byte_order() {
        let spec = ArraySpec::any().with_byte_order(ByteOrder::Little);
        assert!(spec.check(&plan(DType::U8, &[4], Order::C)).is_ok());
    }
}
