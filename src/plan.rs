//! [`Plan`]: what an input declares about its array, the pipeline's central type. A front-end
//! turns its bytes into a `Plan` before it touches the payload; the plan is checked against the
//! spec's stages and the limits, and only then is anything allocated for the payload.

use crate::dtype::{ByteOrder, DType};
use crate::error::Result;
use crate::limits::Limits;
use crate::shape::{Order, Shape};
use crate::spec::{ArraySpec, Bindings};

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
    /// [`ErrorKind::ShapeOverflow`](crate::ErrorKind::ShapeOverflow) when the byte count does not fit in `isize`.
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

    /// Checks the plan against every stage of a spec (dtype, byte order, shape, order: see
    /// [`ArraySpec::check_dtype`]), then against the limits (ndim, elements, bytes). Readers
    /// call this before touching the payload; tools that only inspect headers can call it
    /// too.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::DTypeMismatch`](crate::ErrorKind::DTypeMismatch), [`ErrorKind::ByteOrderMismatch`](crate::ErrorKind::ByteOrderMismatch), [`ErrorKind::NdimMismatch`](crate::ErrorKind::NdimMismatch),
    /// [`ErrorKind::ShapeMismatch`](crate::ErrorKind::ShapeMismatch), [`ErrorKind::NamedDimMismatch`](crate::ErrorKind::NamedDimMismatch) or [`ErrorKind::OrderMismatch`](crate::ErrorKind::OrderMismatch), in
    /// that order of checking, then [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded).
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
        self.check_spec(spec, bindings)?;
        limits.check_ndim(self.shape.ndim())?;
        limits.check_size(self.shape.len(), self.nbytes)
    }

    /// Whether the payload's bytes must be swapped to native order (multi-byte units stored in
    /// the other byte order).
    pub(crate) fn needs_swap(&self) -> bool {
        self.dtype.unit_size() > 1 && !self.byte_order.is_native()
    }

    /// Every stage of the spec, without the limits.
    pub(crate) fn check_spec(&self, spec: &ArraySpec, bindings: &mut Bindings) -> Result<()> {
        spec.check_dtype(self.dtype)?;
        spec.check_byte_order(self.dtype, self.byte_order)?;
        spec.check_shape(self.shape.dims(), bindings)?;
        spec.check_order(&self.shape, self.order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Dim;

    fn check(spec: &ArraySpec, plan: &Plan) -> Result<()> {
        plan.check_spec(spec, &mut Bindings::new())
    }

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
            assert_eq!(
                p.check_spec(&spec, &mut Bindings::new())
                    .unwrap_err()
                    .to_string(),
                *message
            );
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
            assert_eq!(
                p.check_spec(&spec, &mut Bindings::new())
                    .unwrap_err()
                    .to_string(),
                *message
            );
        }
        assert!(check(&spec, &plan(DType::F32, &[0, 3], Order::C)).is_ok());
        // One long axis: both orders have the same bytes.
        assert!(check(&spec, &plan(DType::F32, &[1, 3], Order::F)).is_ok());
        // No element: both orders have the same (no) bytes; fuzz/regressions/structured.
        let any_shape = ArraySpec::new(DType::F32).with_order(Order::C);
        assert!(check(&any_shape, &plan(DType::F32, &[3, 3, 0], Order::F)).is_ok());
    }

    #[test]
    fn one_byte_dtypes_ignore_byte_order() {
        let spec = ArraySpec::any().with_byte_order(ByteOrder::Little);
        assert!(check(&spec, &plan(DType::U8, &[4], Order::C)).is_ok());
    }
}
