//! [`ArraySpec`]: what the caller accepts (dtypes, shape, order, byte order), and [`Plan`]: what
//! an input declares, checked against a spec and the limits before anything is allocated.

use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, Result};
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

pub(crate) use crate::shape::Dim;
pub use bundle::BundleSpec;
pub use file::SpecFile;
pub use schema::spec_file_schema;
pub use shape::{AxisSpec, Bindings, ShapeItem, ShapeSpec};
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

    /// The dtype stage: whether the spec allows `dtype`.
    ///
    /// The spec is checked in stages, in this order, so that each front-end asks exactly the
    /// question it can answer at each point: [`ArraySpec::check_dtype`],
    /// [`ArraySpec::check_byte_order`], [`ArraySpec::check_axes`] (before a length that decides
    /// one axis is known), [`ArraySpec::check_shape`], [`ArraySpec::check_order`].
    /// [`Plan::check`](crate::Plan::check) runs them all.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DTypeMismatch`].
    pub fn check_dtype(&self, dtype: DType) -> Result<()> {
        if self.allows_dtype(dtype) {
            return Ok(());
        }
        Err(Error::from(ErrorKind::DTypeMismatch {
            expected: self.dtypes.as_deref().unwrap_or_default().into(),
            found: dtype,
        }))
    }

    /// The byte-order stage: whether a payload of `dtype` stored in `byte_order` is allowed.
    /// One-byte dtypes have no byte order and always pass.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ByteOrderMismatch`].
    pub fn check_byte_order(&self, dtype: DType, byte_order: ByteOrder) -> Result<()> {
        match self.byte_order {
            Some(required) if dtype.unit_size() > 1 && byte_order != required => {
                Err(Error::from(ErrorKind::ByteOrderMismatch {
                    expected: required,
                    found: byte_order,
                }))
            }
            _ => Ok(()),
        }
    }

    /// The fixed-axes stage, for inputs whose shape is known except for one axis (a raw
    /// buffer whose length decides it): the number of dimensions and the size constraint of
    /// every axis but `unknown`. Names bind later, in [`ArraySpec::check_shape`]. A variadic
    /// pattern places its axes only once every size is known, so it passes this stage.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NdimMismatch`] or [`ErrorKind::ShapeMismatch`].
    pub fn check_axes(&self, dims: &[usize], unknown: Option<usize>) -> Result<()> {
        match &self.shape {
            Some(shape) => shape.check_axes(dims, unknown),
            None => Ok(()),
        }
    }

    /// The shape stage: `dims` against the shape pattern, named dimensions bound in
    /// `bindings` (a fresh [`Bindings`] for one array; one shared by the arrays of a bundle).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NdimMismatch`], [`ErrorKind::ShapeMismatch`] or [`ErrorKind::NamedDimMismatch`].
    pub fn check_shape(&self, dims: &[usize], bindings: &mut Bindings) -> Result<()> {
        match &self.shape {
            Some(shape) => shape.check(dims, bindings),
            None => Ok(()),
        }
    }

    /// The order stage: whether a payload of `shape` stored in `order` is allowed. An array
    /// whose orders coincide ([`Shape::orders_coincide`]) satisfies either.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OrderMismatch`].
    pub fn check_order(&self, shape: &Shape, order: Order) -> Result<()> {
        match self.order {
            Some(required) if order != required && !shape.orders_coincide() => {
                Err(Error::from(ErrorKind::OrderMismatch {
                    expected: required,
                    found: order,
                }))
            }
            _ => Ok(()),
        }
    }
}
