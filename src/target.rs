//! [`Target`]: what a reader delivers, chosen by the caller's type parameter. An element type
//! `T` asks for `Array<T>` (or, from a slice, an [`ArrayView`] that borrows when it can) and
//! refuses every other dtype; [`DynArray`] takes whatever dtype the input declares and the
//! spec allows.
//!
//! Front-ends describe how to read their payload once, generically over the element type
//! ([`Payload`]); the target picks the element type, so no front-end writes the per-dtype
//! dispatch.

use crate::array::{Array, ArrayView, DynArray};
use crate::dtype::{by_dtype, DType, Element};
use crate::error::{Error, ErrorKind, Result};

mod sealed {
    pub trait Sealed {}
    impl<T: crate::Element> Sealed for T {}
    impl Sealed for crate::DynArray {}
}

/// The output of a reader: an element type `T` (typed output: `Array<T>`, or
/// `ArrayView<'a, T>` from a slice) or [`DynArray`] (the input decides the dtype).
///
/// Every format's options take it as their first type parameter:
/// `npy::ReadOptions::new().read_path::<f32>(path, &spec)` returns an `Array<f32>`,
/// `read_path::<DynArray>(…)` a [`DynArray`]. A typed read refuses an input of another dtype
/// with [`ErrorKind::DTypeMismatch`] before its payload is read. Sealed: implemented for every
/// [`Element`] and for [`DynArray`] only.
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, DType, DynArray, Order, Shape};
/// let bytes = npy::to_vec(&Array::from_vec(Shape::vector(2)?, Order::C, vec![1u8, 2])?.view())?;
/// let options = npy::ReadOptions::new();
/// let typed = options.read_slice::<u8>(&bytes, &ArraySpec::any())?;
/// assert_eq!(typed.as_slice(), &[1, 2]);
/// let any = options.read_slice::<DynArray>(&bytes, &ArraySpec::any())?;
/// assert_eq!(any.dtype(), DType::U8);
/// let err = options.read_slice::<f32>(&bytes, &ArraySpec::any()).unwrap_err();
/// assert_eq!(err.code(), "spec.dtype");
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub trait Target: sealed::Sealed + Sized {
    /// What a read from a borrowed slice returns: `ArrayView<'a, T>` for an element type,
    /// `DynArray` (always owned) for the dynamic target.
    type View<'a>;
    /// What a read from a reader or a file returns: `Array<T>` or `DynArray`.
    type Owned;

    /// The dtype the caller asks for: `Some(T::DTYPE)`, or `None` for [`DynArray`].
    fn requested() -> Option<DType>;

    #[doc(hidden)]
    fn owned<'a, P: Payload<'a>>(payload: P) -> Result<Self::Owned>;

    #[doc(hidden)]
    fn view<'a, P: Payload<'a>>(payload: P) -> Result<Self::View<'a>>;

    /// The output from an array whose dtype passed [`check_requested`].
    #[doc(hidden)]
    fn from_dyn(array: DynArray) -> Result<Self::Owned>;
}

/// How a front-end reads a payload whose dtype is known, generically over the element type.
/// Implemented inside the crate only; not part of the API.
#[doc(hidden)]
pub trait Payload<'a> {
    /// The dtype the input declares.
    fn dtype(&self) -> DType;
    /// Reads the payload into an owned array of `T`, where `T::DTYPE == self.dtype()`.
    fn owned<T: Element>(self) -> Result<Array<T>>;
    /// Reads the payload into a view of `T` that may borrow the input.
    fn view<T: Element>(self) -> Result<ArrayView<'a, T>>
    where
        Self: Sized,
    {
        Ok(self.owned::<T>()?.into_view())
    }
}

impl<T: Element> Target for T {
    type View<'a> = ArrayView<'a, T>;
    type Owned = Array<T>;

    fn requested() -> Option<DType> {
        Some(T::DTYPE)
    }

    fn owned<'a, P: Payload<'a>>(payload: P) -> Result<Array<T>> {
        payload.owned::<T>()
    }

    fn view<'a, P: Payload<'a>>(payload: P) -> Result<ArrayView<'a, T>> {
        payload.view::<T>()
    }

    fn from_dyn(array: DynArray) -> Result<Array<T>> {
        array.into_typed()
    }
}

impl Target for DynArray {
    type View<'a> = DynArray;
    type Owned = DynArray;

    fn requested() -> Option<DType> {
        None
    }

    fn owned<'a, P: Payload<'a>>(payload: P) -> Result<DynArray> {
        by_dtype!(payload.dtype(), T => Ok(payload.owned::<T>()?.into()))
    }

    fn view<'a, P: Payload<'a>>(payload: P) -> Result<DynArray> {
        by_dtype!(payload.dtype(), T => Ok(payload.view::<T>()?.into_owned().into()))
    }

    fn from_dyn(array: DynArray) -> Result<DynArray> {
        Ok(array)
    }
}

/// The requested-type rule, for every front-end: a typed read of an input whose dtype is not
/// `T`'s is a dtype mismatch, found before the payload is read.
pub(crate) fn check_requested<O: Target>(found: DType) -> Result<()> {
    check_requested_dtype(O::requested(), found)
}

/// [`check_requested`] for a dtype chosen at run time.
pub(crate) fn check_requested_dtype(requested: Option<DType>, found: DType) -> Result<()> {
    match requested {
        Some(dtype) if dtype != found => Err(Error::from(ErrorKind::DTypeMismatch {
            expected: Box::new([dtype]),
            found,
        })),
        _ => Ok(()),
    }
}
