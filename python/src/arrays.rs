//! Arrays across the boundary: a validated [`DynArray`] handed to NumPy without copying its
//! payload, and a NumPy array read as a typed view for writing.

use arrayguard::{Array, ArrayView, DynArray, Order, Shape};
use numpy::ndarray::{ArrayView as NdView, IxDyn, ShapeBuilder};
use numpy::{Element as NpElement, PyArray, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::errors::{usage, IntoPy};

/// Keeps a validated array alive for as long as NumPy arrays view its payload: the NumPy
/// array's `base`. The payload is never moved or changed from Rust once it is here.
#[pyclass(frozen, module = "arrayguard")]
pub(crate) struct Payload {
    array: DynArray,
}

/// Hands `array` to NumPy: an `ndarray` viewing the payload, which stays owned by a
/// [`Payload`] object (its `base`). No copy.
pub(crate) fn to_numpy(py: Python<'_>, array: DynArray) -> PyResult<Bound<'_, PyAny>> {
    let ndim = array.shape().ndim();
    if ndim > crate::MAX_NDIM {
        // The readers' limits already refuse these (`limits_of`); this keeps it so.
        let error = arrayguard::Error::from(arrayguard::ErrorKind::LimitExceeded {
            kind: arrayguard::LimitKind::Ndim,
            limit: crate::MAX_NDIM as u64,
            requested: ndim as u64,
        });
        return Err(crate::errors::to_py(py, &error));
    }
    if let DynArray::BF16(a) = array {
        return bf16_to_numpy(py, a);
    }
    let owner = Bound::new(py, Payload { array })?;
    macro_rules! view {
        ($($variant:ident),*) => {
            match &owner.get().array {
                $(DynArray::$variant(a) => numpy_view(a, owner.clone().into_any()),)*
                _ => Err(usage(py, "unsupported dtype")),
            }
        };
    }
    view!(Bool, I8, I16, I32, I64, U8, U16, U32, U64, F16, F32, F64, Complex64, Complex128)
}

/// A bfloat16 array as NumPy's `ml_dtypes.bfloat16` (NumPy has no bfloat16 of its own): its
/// bit patterns as `uint16`, viewed as that type.
fn bf16_to_numpy(py: Python<'_>, array: Array<arrayguard::bf16>) -> PyResult<Bound<'_, PyAny>> {
    let bfloat16 = py
        .import("ml_dtypes")
        .map_err(|_| {
            usage(
                py,
                "a bf16 array needs the ml_dtypes package (pip install ml-dtypes) to become a NumPy array",
            )
        })?
        .getattr("bfloat16")?;
    let shape = array.shape().clone();
    let order = array.order();
    let bits: Vec<u16> = array.into_vec().into_iter().map(|v| v.to_bits()).collect();
    let bits = Array::from_vec(shape, order, bits).py_err(py)?;
    to_numpy(py, bits.into())?.call_method1("view", (bfloat16,))
}

fn numpy_view<'py, T: arrayguard::Element + NpElement>(
    array: &Array<T>,
    owner: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = owner.py();
    let dims = array.shape().dims().to_vec();
    let view = match array.order() {
        Order::F => NdView::from_shape(IxDyn(&dims).f(), array.as_slice()),
        _ => NdView::from_shape(IxDyn(&dims), array.as_slice()),
    }
    .map_err(|e| usage(py, format!("internal shape error: {e}")))?;
    // SAFETY: the view's memory is the payload of `array`, owned by `owner` (a frozen
    // `Payload`), which becomes the NumPy array's base object and so lives as long as any
    // NumPy array viewing it. The payload is a heap or mapped buffer that never moves, and
    // nothing in Rust reads or writes it after this point.
    let numpy = unsafe { PyArray::<T, IxDyn>::borrow_from_array(&view, owner) };
    Ok(numpy.into_any())
}

/// Runs `f` on a NumPy array as a typed, contiguous [`ArrayView`] of native byte order, with
/// the byte order the array had (for writing it back as it was).
pub(crate) fn with_view<R>(
    array: &Bound<'_, PyAny>,
    f: impl FnOnce(ArrayViewDyn<'_>) -> arrayguard::Result<R>,
) -> PyResult<R> {
    let py = array.py();
    let np = py.import("numpy")?;
    let array = np.call_method1("asarray", (array,))?;
    let dtype = array.getattr("dtype")?;
    let byte_order: String = dtype.getattr("byteorder")?.extract()?;
    let big = byte_order == ">" || (byte_order == "=" && cfg!(target_endian = "big"));
    // Native byte order, contiguous in C or Fortran order (a copy only when it is neither).
    let native = dtype.call_method1("newbyteorder", ("=",))?;
    let mut array = array.call_method1("astype", (native,))?;
    let flags = array.getattr("flags")?;
    let c: bool = flags.getattr("c_contiguous")?.extract()?;
    let f_contig: bool = flags.getattr("f_contiguous")?.extract()?;
    if !c && !f_contig {
        array = np.call_method1("ascontiguousarray", (&array,))?;
    }
    let order = if !c && f_contig { Order::F } else { Order::C };
    let kind: String = array.getattr("dtype")?.getattr("str")?.extract()?;
    macro_rules! typed {
        ($($t:ty => $variant:ident),*) => {{
            $(if let Ok(a) = array.cast::<PyArrayDyn<$t>>() {
                let readonly = a.readonly();
                let slice = readonly
                    .as_slice()
                    .map_err(|e| usage(py, format!("array not contiguous: {e}")))?;
                let shape = Shape::new(a.shape().to_vec()).py_err(py)?;
                let view = ArrayView::from_slice(shape, order, slice).py_err(py)?;
                return f(ArrayViewDyn::$variant(view, big)).py_err(py);
            })*
            Err(usage(py, format!("unsupported dtype `{kind}`: only bool, integer, float and complex arrays are written")))
        }};
    }
    typed!(
        bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16,
        u32 => U32, u64 => U64, arrayguard::f16 => F16, f32 => F32, f64 => F64,
        arrayguard::Complex32 => Complex64, arrayguard::Complex64 => Complex128
    )
}

/// A typed view of any dtype, with whether the source array was big-endian.
pub(crate) enum ArrayViewDyn<'a> {
    Bool(ArrayView<'a, bool>, bool),
    I8(ArrayView<'a, i8>, bool),
    I16(ArrayView<'a, i16>, bool),
    I32(ArrayView<'a, i32>, bool),
    I64(ArrayView<'a, i64>, bool),
    U8(ArrayView<'a, u8>, bool),
    U16(ArrayView<'a, u16>, bool),
    U32(ArrayView<'a, u32>, bool),
    U64(ArrayView<'a, u64>, bool),
    F16(ArrayView<'a, arrayguard::f16>, bool),
    F32(ArrayView<'a, f32>, bool),
    F64(ArrayView<'a, f64>, bool),
    Complex64(ArrayView<'a, arrayguard::Complex32>, bool),
    Complex128(ArrayView<'a, arrayguard::Complex64>, bool),
}

/// Runs `$body` with `$v` the typed view and `$big` whether the source was big-endian.
macro_rules! with_view_dyn {
    ($value:expr, ($v:ident, $big:ident) => $body:expr) => {
        match $value {
            ArrayViewDyn::Bool($v, $big) => $body,
            ArrayViewDyn::I8($v, $big) => $body,
            ArrayViewDyn::I16($v, $big) => $body,
            ArrayViewDyn::I32($v, $big) => $body,
            ArrayViewDyn::I64($v, $big) => $body,
            ArrayViewDyn::U8($v, $big) => $body,
            ArrayViewDyn::U16($v, $big) => $body,
            ArrayViewDyn::U32($v, $big) => $body,
            ArrayViewDyn::U64($v, $big) => $body,
            ArrayViewDyn::F16($v, $big) => $body,
            ArrayViewDyn::F32($v, $big) => $body,
            ArrayViewDyn::F64($v, $big) => $body,
            ArrayViewDyn::Complex64($v, $big) => $body,
            ArrayViewDyn::Complex128($v, $big) => $body,
        }
    };
}
pub(crate) use with_view_dyn;
