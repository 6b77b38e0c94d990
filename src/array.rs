//! Validated arrays: [`Array`] (owned), [`ArrayView`] (borrowed when possible) and
//! [`DynArray`] (the input decides the dtype).
//!
//! A value of these types is always consistent: its data holds exactly `shape.len()` elements,
//! in native byte order, laid out in its [`Order`].

use std::any::Any;

use half::f16;
use num_complex::Complex;

use crate::buffer::{Buffer, RawBuffer};
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::shape::{Order, Shape};
use crate::transpose::Transpose;

fn check_len(shape: &Shape, len: usize) -> Result<()> {
    if shape.len() != len {
        return Err(Error::ElementCount {
            shape: shape.to_string().into_boxed_str(),
            expected: crate::util::to_u64(shape.len()),
            found: crate::util::to_u64(len),
        });
    }
    Ok(())
}

/// An owned array of `T` in native byte order.
///
/// Large arrays (4 MiB and more) read on Linux keep their elements in a memory map advised
/// for transparent huge pages, which makes reading them up to several times faster; borrow
/// them with [`Array::as_slice`] ([`Array::into_vec`] copies them into a `Vec`).
#[derive(Clone, Debug, PartialEq)]
pub struct Array<T: Element> {
    shape: Shape,
    order: Order,
    data: Buffer<T>,
}

impl<T: Element> Array<T> {
    /// Makes an array from its elements laid out in `order`.
    ///
    /// # Errors
    ///
    /// [`Error::ElementCount`] when `data.len()` differs from `shape.len()`.
    pub fn from_vec(shape: Shape, order: Order, data: Vec<T>) -> Result<Self> {
        check_len(&shape, data.len())?;
        Ok(Array {
            shape,
            order,
            data: Buffer::Heap(data),
        })
    }

    pub(crate) fn from_parts_unchecked(shape: Shape, order: Order, data: Buffer<T>) -> Self {
        debug_assert_eq!(shape.len(), data.as_slice().len());
        Array { shape, order, data }
    }

    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The memory order of [`Array::as_slice`].
    pub fn order(&self) -> Order {
        self.order
    }

    /// The elements in memory order.
    pub fn as_slice(&self) -> &[T] {
        self.data.as_slice()
    }

    /// Takes the elements, in memory order. Elements kept in a huge-page map (see
    /// [`Array`]) are copied into the `Vec`.
    pub fn into_vec(self) -> Vec<T> {
        self.data.into_vec()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The element at a logical index (one entry per axis), whatever the memory order.
    pub fn get(&self, index: &[usize]) -> Option<&T> {
        self.as_slice()
            .get(flat_index(&self.shape, self.order, index)?)
    }

    /// A borrowed view of this array.
    pub fn view(&self) -> ArrayView<'_, T> {
        ArrayView {
            shape: self.shape.clone(),
            order: self.order,
            data: Data::Borrowed(self.as_slice()),
        }
    }

    /// This array as an owned view.
    pub(crate) fn into_view<'a>(self) -> ArrayView<'a, T> {
        ArrayView::owned_unchecked(self.shape, self.order, self.data)
    }

    /// The same array laid out in C (row-major) order; a no-op for C arrays.
    pub fn into_c_order(self) -> Self {
        let Some(transpose) = self.c_order_transpose() else {
            // C order already, or F and C order store the same sequence: relabel.
            return Array {
                order: Order::C,
                ..self
            };
        };
        let src = T::as_raw_slice(self.as_slice());
        let data = match RawBuffer::<T>::zeroed(src.len()) {
            Ok(mut raw) => {
                transpose.slabs(src, 0, raw.as_mut_slice());
                raw.into_buffer()
            }
            // As a `Vec` would, abort if even the heap has no room.
            Err(_) => {
                let mut v = self.as_slice().to_vec();
                transpose.slabs(self.as_slice(), 0, &mut v);
                Buffer::Heap(v)
            }
        };
        Array {
            shape: self.shape,
            order: Order::C,
            data,
        }
    }

    /// The conversion [`Array::into_c_order`] needs, if any.
    fn c_order_transpose(&self) -> Option<Transpose> {
        match self.order {
            Order::C => None,
            Order::F => Transpose::new(self.shape.dims()),
        }
    }
}

/// The flat position of a logical index, or `None` when it is out of bounds.
fn flat_index(shape: &Shape, order: Order, index: &[usize]) -> Option<usize> {
    let dims = shape.dims();
    if index.len() != dims.len() || index.iter().zip(dims).any(|(i, d)| i >= d) {
        return None;
    }
    // The index is in bounds, so every partial sum is below `shape.len()`: no overflow.
    let mut flat = 0;
    let mut visit = |i: usize, d: usize| flat = flat * d + i;
    match order {
        Order::C => index.iter().zip(dims).for_each(|(&i, &d)| visit(i, d)),
        Order::F => index
            .iter()
            .zip(dims)
            .rev()
            .for_each(|(&i, &d)| visit(i, d)),
    }
    Some(flat)
}

/// An array of `T` that borrows its input when it can.
///
/// Readers return a borrowed view when the payload is aligned for `T` and already in native
/// byte order (so `as_slice` is the input itself, zero-copy), and an owned copy otherwise.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrayView<'a, T: Element> {
    shape: Shape,
    order: Order,
    data: Data<'a, T>,
}

/// The elements of an [`ArrayView`].
#[derive(Clone, Debug, PartialEq)]
enum Data<'a, T: Element> {
    Borrowed(&'a [T]),
    Owned(Buffer<T>),
}

impl<'a, T: Element> ArrayView<'a, T> {
    pub(crate) fn borrowed_unchecked(shape: Shape, order: Order, data: &'a [T]) -> Self {
        debug_assert_eq!(shape.len(), data.len());
        ArrayView {
            shape,
            order,
            data: Data::Borrowed(data),
        }
    }

    pub(crate) fn owned_unchecked(shape: Shape, order: Order, data: Buffer<T>) -> Self {
        debug_assert_eq!(shape.len(), data.as_slice().len());
        ArrayView {
            shape,
            order,
            data: Data::Owned(data),
        }
    }

    /// Makes a view of `data` laid out in `order`.
    ///
    /// # Errors
    ///
    /// [`Error::ElementCount`] when `data.len()` differs from `shape.len()`.
    pub fn from_slice(shape: Shape, order: Order, data: &'a [T]) -> Result<Self> {
        check_len(&shape, data.len())?;
        Ok(ArrayView {
            shape,
            order,
            data: Data::Borrowed(data),
        })
    }

    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        T::DTYPE
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The memory order of [`ArrayView::as_slice`].
    pub fn order(&self) -> Order {
        self.order
    }

    /// The elements in memory order.
    pub fn as_slice(&self) -> &[T] {
        match &self.data {
            Data::Borrowed(s) => s,
            Data::Owned(b) => b.as_slice(),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Whether the elements are borrowed from the input (zero-copy).
    pub fn is_borrowed(&self) -> bool {
        matches!(self.data, Data::Borrowed(_))
    }

    /// The element at a logical index (one entry per axis), whatever the memory order.
    pub fn get(&self, index: &[usize]) -> Option<&T> {
        self.as_slice()
            .get(flat_index(&self.shape, self.order, index)?)
    }

    /// Copies the elements if they are borrowed, giving an owned array.
    pub fn into_owned(self) -> Array<T> {
        let data = match self.data {
            Data::Borrowed(s) => Buffer::copied(s),
            Data::Owned(b) => b,
        };
        Array {
            shape: self.shape,
            order: self.order,
            data,
        }
    }
}

/// An array whose dtype is chosen by the input: one variant per [`DType`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs)] // each variant holds the `Array` of the dtype it is named after
pub enum DynArray {
    Bool(Array<bool>),
    I8(Array<i8>),
    I16(Array<i16>),
    I32(Array<i32>),
    I64(Array<i64>),
    U8(Array<u8>),
    U16(Array<u16>),
    U32(Array<u32>),
    U64(Array<u64>),
    F16(Array<f16>),
    F32(Array<f32>),
    F64(Array<f64>),
    Complex64(Array<Complex<f32>>),
    Complex128(Array<Complex<f64>>),
}

/// Runs `$body` with `$a` bound to the typed array inside a `DynArray`.
macro_rules! with_array {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            DynArray::Bool($a) => $body,
            DynArray::I8($a) => $body,
            DynArray::I16($a) => $body,
            DynArray::I32($a) => $body,
            DynArray::I64($a) => $body,
            DynArray::U8($a) => $body,
            DynArray::U16($a) => $body,
            DynArray::U32($a) => $body,
            DynArray::U64($a) => $body,
            DynArray::F16($a) => $body,
            DynArray::F32($a) => $body,
            DynArray::F64($a) => $body,
            DynArray::Complex64($a) => $body,
            DynArray::Complex128($a) => $body,
        }
    };
}
pub(crate) use with_array;

impl DynArray {
    /// The dtype of the elements.
    pub fn dtype(&self) -> DType {
        with_array!(self, a => a.dtype())
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        with_array!(self, a => a.shape())
    }

    /// The memory order.
    pub fn order(&self) -> Order {
        with_array!(self, a => a.order())
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        with_array!(self, a => a.len())
    }

    /// Whether there is no element.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The typed array, if its dtype is `T`'s.
    pub fn as_typed<T: Element>(&self) -> Option<&Array<T>> {
        with_array!(self, a => (a as &dyn Any).downcast_ref::<Array<T>>())
    }

    /// Takes the typed array.
    ///
    /// # Errors
    ///
    /// [`Error::TypeMismatch`] when the dtype is not `T`'s.
    pub fn into_typed<T: Element>(self) -> Result<Array<T>> {
        let found = self.dtype();
        with_array!(self, a => {
            let mut slot = Some(a);
            (&mut slot as &mut dyn Any)
                .downcast_mut::<Option<Array<T>>>()
                .and_then(Option::take)
                .ok_or(Error::TypeMismatch { expected: T::DTYPE, found })
        })
    }

    /// The same array laid out in C (row-major) order.
    pub fn into_c_order(self) -> Self {
        with_array!(self, a => a.into_c_order().into())
    }
}

macro_rules! dyn_from {
    ($($t:ty => $variant:ident),*) => {$(
        impl From<Array<$t>> for DynArray {
            fn from(a: Array<$t>) -> DynArray {
                DynArray::$variant(a)
            }
        }
    )*};
}

dyn_from!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, u8 => U8, u16 => U16,
    u32 => U32, u64 => U64, f16 => F16, f32 => F32, f64 => F64, Complex<f32> => Complex64,
    Complex<f64> => Complex128);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_to_c_matches_logical_indexing() {
        let shape = Shape::new([2, 3, 4]).unwrap();
        let data: Vec<i32> = (0..24).collect();
        let f = Array::from_vec(shape.clone(), Order::F, data).unwrap();
        let c = f.clone().into_c_order();
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    assert_eq!(f.get(&[i, j, k]), c.get(&[i, j, k]));
                }
            }
        }
        // Element [1, 0, 0] is the second in F order.
        assert_eq!(f.get(&[1, 0, 0]), Some(&1));
        assert_eq!(c.as_slice()[..4], [0, 6, 12, 18]);
    }

    #[test]
    fn dyn_array_downcasts() {
        let a = Array::from_vec(Shape::vector(2).unwrap(), Order::C, vec![1.5f64, 2.5]).unwrap();
        let d = DynArray::from(a.clone());
        assert_eq!(d.as_typed::<f64>(), Some(&a));
        assert!(d.as_typed::<f32>().is_none());
        assert!(matches!(
            d.clone().into_typed::<i64>(),
            Err(Error::TypeMismatch { .. })
        ));
        assert_eq!(d.into_typed::<f64>().unwrap(), a);
    }

    #[test]
    fn from_vec_checks_length() {
        let shape = Shape::new([2, 2]).unwrap();
        assert!(Array::from_vec(shape, Order::C, vec![1u8; 3]).is_err());
    }
}
