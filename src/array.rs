//! Validated arrays: [`Array`] (owned), [`ArrayView`] (borrowed when possible) and
//! [`DynArray`] (the input decides the dtype).
//!
//! A value of these types is always consistent: its data holds exactly `shape.len()` elements,
//! in native byte order, laid out in its [`Order`].

use std::any::Any;

use half::{bf16, f16};
use num_complex::Complex;

use crate::buffer::{Buffer, RawBuffer};
use crate::dtype::{ByteOrder, DType, Element};
use crate::error::{Error, ErrorKind, Result};
use crate::shape::{Order, Shape};
use crate::transpose::Transpose;

fn check_element_count(shape: &Shape, len: usize) -> Result<()> {
    if shape.len() != len {
        return Err(Error::from(ErrorKind::ElementCount {
            shape: shape.dims().into(),
            expected: crate::util::to_u64(shape.len()),
            found: crate::util::to_u64(len),
        }));
    }
    Ok(())
}

/// An owned array of `T` in native byte order.
///
/// Large arrays (4 MiB and more) read on Linux keep their elements in a memory map advised
/// for transparent huge pages, which makes reading them up to several times faster, and
/// smaller arrays read from a file or converted from a slice keep them in the byte buffer
/// they were read into (so that it need not be zeroed first); borrow them with
/// [`Array::as_slice`] ([`Array::into_vec`] copies them into a `Vec`, except one-byte
/// elements).
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
    /// [`ErrorKind::ElementCount`] when `data.len()` differs from `shape.len()`.
    pub fn from_vec(shape: Shape, order: Order, data: Vec<T>) -> Result<Self> {
        check_element_count(&shape, data.len())?;
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

    /// Takes the elements, in memory order. Elements kept in a huge-page map or a byte
    /// buffer (see [`Array`]) are copied into the `Vec`.
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
    /// [`ErrorKind::ElementCount`] when `data.len()` differs from `shape.len()`.
    pub fn from_slice(shape: Shape, order: Order, data: &'a [T]) -> Result<Self> {
        check_element_count(&shape, data.len())?;
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
    BF16(Array<bf16>),
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
            DynArray::BF16($a) => $body,
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
    /// [`ErrorKind::DTypeMismatch`] when the dtype is not `T`'s
    /// (the same error a typed read gives).
    pub fn into_typed<T: Element>(self) -> Result<Array<T>> {
        let found = self.dtype();
        with_array!(self, a => {
            let mut slot = Some(a);
            (&mut slot as &mut dyn Any)
                .downcast_mut::<Option<Array<T>>>()
                .and_then(Option::take)
                .ok_or_else(|| Error::from(ErrorKind::DTypeMismatch {
                    expected: Box::new([T::DTYPE]),
                    found,
                }))
        })
    }

    /// The same array laid out in C (row-major) order.
    pub fn into_c_order(self) -> Self {
        with_array!(self, a => a.into_c_order().into())
    }

    /// The elements' storage, borrowed as bytes: [`DynArray::len`] elements of
    /// `dtype().itemsize()` bytes each, in the array's memory order ([`DynArray::order`]),
    /// each element in native byte order (`bool` as 0 or 1, a complex number as its real
    /// part, then its imaginary part).
    ///
    /// ```
    /// use arrayguard::{Array, DynArray, Order, Shape};
    /// let a = Array::from_vec(Shape::vector(2)?, Order::C, vec![1u16, 0x0203])?;
    /// let bytes = DynArray::from(a).as_bytes().to_vec();
    /// assert_eq!(bytes, [1u16.to_ne_bytes(), 0x0203u16.to_ne_bytes()].concat());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn as_bytes(&self) -> &[u8] {
        with_array!(self, a => storage_bytes(a))
    }

    /// The elements' bytes as [`DynArray::as_bytes`] gives them, but each element
    /// little-endian (each part of a complex number on its own): the payload of this array's
    /// little-endian `.npy` file.
    ///
    /// ```
    /// use arrayguard::{Array, DynArray, Order, Shape};
    /// let a = Array::from_vec(Shape::vector(2)?, Order::C, vec![1.5f32, -2.0])?;
    /// let bytes = DynArray::from(a).to_le_bytes();
    /// assert_eq!(bytes, [1.5f32.to_le_bytes(), (-2.0f32).to_le_bytes()].concat());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn to_le_bytes(&self) -> Vec<u8> {
        let mut bytes = self.as_bytes().to_vec();
        if !ByteOrder::Little.is_native() {
            // Byte-swapped per unit: each element, or each part of a complex number.
            bytes
                .chunks_exact_mut(self.dtype().unit_size())
                .for_each(<[u8]>::reverse);
        }
        bytes
    }

    /// Runs `visitor` on the typed array inside, whatever its dtype: generic code written
    /// once, instead of a `match` over the variants.
    ///
    /// ```
    /// use arrayguard::{Array, ArrayVisitor, DynArray, Element, Order, Shape};
    ///
    /// /// How many elements are zero (`false`, `0`, `0.0`).
    /// struct Zeros;
    ///
    /// impl ArrayVisitor for Zeros {
    ///     type Output = usize;
    ///     fn visit<T: Element>(self, array: &Array<T>) -> usize {
    ///         array.as_slice().iter().filter(|&&v| v == T::default()).count()
    ///     }
    /// }
    ///
    /// let a = Array::from_vec(Shape::vector(4)?, Order::C, vec![0i16, 3, 0, 7])?;
    /// assert_eq!(DynArray::from(a).visit(Zeros), 2);
    /// let b = Array::from_vec(Shape::vector(2)?, Order::C, vec![true, false])?;
    /// assert_eq!(DynArray::from(b).visit(Zeros), 1);
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn visit<V: ArrayVisitor>(&self, visitor: V) -> V::Output {
        with_array!(self, a => visitor.visit(a))
    }
}

/// The storage of `array` as bytes (see [`DynArray::as_bytes`]).
fn storage_bytes<T: Element>(array: &Array<T>) -> &[u8] {
    // `T::Raw` is plain old data of `T`'s layout, so its slice casts to bytes.
    bytemuck::cast_slice(T::as_raw_slice(array.as_slice()))
}

/// Generic code to run on the typed array inside a [`DynArray`], for any element type: see
/// [`DynArray::visit`].
pub trait ArrayVisitor {
    /// What the visit returns.
    type Output;

    /// Runs on the typed array.
    fn visit<T: Element>(self, array: &Array<T>) -> Self::Output;
}

/// Runs `$body` with the type alias `$t` set to the [`Element`] type of a runtime [`DType`]
/// (`bool`, `i8` … `u64`, [`f16`](crate::f16), `f32`, `f64`, [`Complex`] of `f32` or `f64`):
/// code generic over the element type, called with a dtype only known at run time.
///
/// Hidden from the documentation: it is for the crate's own tests, fuzz oracles and tools
/// (typed entry points called with the dtype an input declares). Code that holds a
/// [`DynArray`] uses [`DynArray::visit`] instead.
///
/// ```
/// use arrayguard::{by_dtype, DType};
///
/// fn itemsize(dtype: DType) -> usize {
///     by_dtype!(dtype, T => std::mem::size_of::<T>())
/// }
/// assert!(arrayguard::DType::ALL.iter().all(|&d| itemsize(d) == d.itemsize()));
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! by_dtype {
    ($dtype:expr, $t:ident => $body:expr) => {{
        match $dtype {
            $crate::DType::Bool => {
                type $t = bool;
                $body
            }
            $crate::DType::I8 => {
                type $t = i8;
                $body
            }
            $crate::DType::I16 => {
                type $t = i16;
                $body
            }
            $crate::DType::I32 => {
                type $t = i32;
                $body
            }
            $crate::DType::I64 => {
                type $t = i64;
                $body
            }
            $crate::DType::U8 => {
                type $t = u8;
                $body
            }
            $crate::DType::U16 => {
                type $t = u16;
                $body
            }
            $crate::DType::U32 => {
                type $t = u32;
                $body
            }
            $crate::DType::U64 => {
                type $t = u64;
                $body
            }
            $crate::DType::F16 => {
                type $t = $crate::f16;
                $body
            }
            $crate::DType::F32 => {
                type $t = f32;
                $body
            }
            $crate::DType::F64 => {
                type $t = f64;
                $body
            }
            $crate::DType::Complex64 => {
                type $t = $crate::Complex<f32>;
                $body
            }
            $crate::DType::Complex128 => {
                type $t = $crate::Complex<f64>;
                $body
            }
            $crate::DType::BF16 => {
                type $t = $crate::bf16;
                $body
            }
            // `DType` is non-exhaustive outside this crate; every dtype is listed above.
            #[allow(unreachable_patterns)]
            other => unreachable!("by_dtype! has no element type for {other}"),
        }
    }};
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
    Complex<f64> => Complex128, bf16 => BF16);

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
        let e = d.clone().into_typed::<i64>().unwrap_err();
        assert_eq!(e.code(), "spec.dtype");
        assert_eq!(e.to_string(), "dtype mismatch: expected `i64`, found `f64`");
        assert_eq!(d.into_typed::<f64>().unwrap(), a);
    }

    #[test]
    fn bytes_are_the_storage_in_memory_order() {
        let shape = Shape::new([2, 2]).unwrap();
        let f = Array::from_vec(shape, Order::F, vec![1i32, -2, 3, 0x0102_0304]).unwrap();
        let d = DynArray::from(f);
        let native: Vec<u8> = [1i32, -2, 3, 0x0102_0304]
            .iter()
            .flat_map(|v| v.to_ne_bytes())
            .collect();
        let le: Vec<u8> = [1i32, -2, 3, 0x0102_0304]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(d.as_bytes(), &native[..]);
        assert_eq!(d.to_le_bytes(), le);
        let c = Complex::new(1.0f64, -0.5);
        let z =
            DynArray::from(Array::from_vec(Shape::new([]).unwrap(), Order::C, vec![c]).unwrap());
        assert_eq!(
            z.to_le_bytes(),
            [1.0f64.to_le_bytes(), (-0.5f64).to_le_bytes()].concat()
        );
        let b = DynArray::from(
            Array::from_vec(Shape::vector(3).unwrap(), Order::C, vec![true, false, true]).unwrap(),
        );
        assert_eq!(b.as_bytes(), &[1, 0, 1]);
    }

    #[test]
    fn visit_reaches_the_typed_array() {
        struct Dtype;
        impl ArrayVisitor for Dtype {
            type Output = (DType, usize);
            fn visit<T: Element>(self, array: &Array<T>) -> (DType, usize) {
                (T::DTYPE, array.len())
            }
        }
        for dtype in DType::ALL {
            let d = by_dtype!(dtype, T => DynArray::from(
                Array::<T>::from_vec(Shape::vector(3).unwrap(), Order::C, vec![T::default(); 3]).unwrap()
            ));
            assert_eq!(d.visit(Dtype), (dtype, 3));
            assert_eq!(d.as_bytes().len(), 3 * dtype.itemsize());
        }
    }

    #[test]
    fn from_vec_checks_length() {
        let shape = Shape::new([2, 2]).unwrap();
        assert!(Array::from_vec(shape, Order::C, vec![1u8; 3]).is_err());
    }
}
