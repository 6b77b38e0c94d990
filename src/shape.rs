//! [`Shape`]: dimensions with counts that are known not to overflow.

use std::fmt;

pub(crate) use crate::axes::{Dim, Order};
use crate::error::{Error, ErrorKind, Overflow, Result};

/// The dimensions of an array. A `Shape` value always has an element count that fits in
/// `usize`, and for every dtype its byte count is checked when a plan is made.
///
/// `Shape::new([])` is 0-d and holds one element; any zero dimension makes a zero-size array.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Shape {
    dims: Vec<usize>,
    len: usize,
}

impl Shape {
    /// Makes a shape from its dimensions.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ShapeOverflow`] when the product of the non-zero dimensions does not fit in
    /// `isize` (Rust's limit on the size of any allocation, and NumPy's rule too: NumPy refuses
    /// `(0, 2**62)` for 8-byte items although it holds no element). The product is computed
    /// left to right with checked arithmetic, so a product that wraps to a small number is
    /// refused rather than believed.
    ///
    /// ```
    /// use arrayguard::Shape;
    /// assert_eq!(Shape::new([2, 3])?.len(), 6);
    /// assert_eq!(Shape::new([])?.len(), 1);
    /// assert!(Shape::new([1 << 32, 1 << 32]).is_err());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn new(dims: impl Into<Vec<usize>>) -> Result<Shape> {
        let dims = dims.into();
        let len = checked_product(1, dims.iter().copied()).ok_or_else(|| {
            Error::from(ErrorKind::ShapeOverflow {
                what: Overflow::Elements,
                bits: isize::BITS - 1,
            })
        })?;
        Ok(Shape { dims, len })
    }

    /// Makes a 1-d shape of `n` elements.
    pub fn vector(n: usize) -> Result<Shape> {
        Shape::new(vec![n])
    }

    /// The dimensions.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Number of dimensions (0 for a scalar).
    pub fn ndim(&self) -> usize {
        self.dims.len()
    }

    /// Number of elements: the product of the dimensions (1 for a 0-d shape).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the shape holds no element (some dimension is 0).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether C and Fortran order store the same element sequence for this shape: at most
    /// one axis is longer than 1, or the array holds no element. Such an array satisfies
    /// either order (NumPy writes it as C), and converting it is only a relabelling.
    ///
    /// ```
    /// use arrayguard::Shape;
    /// assert!(Shape::new([1, 5, 1])?.orders_coincide());
    /// assert!(Shape::new([3, 3, 0])?.orders_coincide());
    /// assert!(!Shape::new([2, 3])?.orders_coincide());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn orders_coincide(&self) -> bool {
        orders_coincide(&self.dims)
    }

    /// Bytes needed for `itemsize`-byte elements, with the same overflow rule as
    /// [`Shape::new`] applied to the non-zero dimensions.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::ShapeOverflow`] when the byte count of the non-zero dimensions does not fit in
    /// `isize`.
    pub fn byte_len(&self, itemsize: usize) -> Result<usize> {
        checked_product(itemsize, self.dims.iter().copied()).ok_or_else(|| {
            Error::from(ErrorKind::ShapeOverflow {
                what: Overflow::Bytes,
                bits: isize::BITS - 1,
            })
        })
    }
}

/// `first` times every number of `dims`, or `None` when the product of the non-zero ones
/// (with `first`) does not fit in `isize`: a zero dimension makes the product 0 but does not
/// excuse the others (Rust's limit on any allocation, and NumPy's rule). The product is
/// computed left to right with checked arithmetic, so one that wraps to a small number is
/// refused rather than believed.
pub(crate) fn checked_product(
    first: usize,
    dims: impl IntoIterator<Item = usize>,
) -> Option<usize> {
    let mut nonzero = first;
    let mut has_zero = first == 0;
    for d in dims {
        if d == 0 {
            has_zero = true;
        } else {
            nonzero = nonzero
                .checked_mul(d)
                .filter(|&n| isize::try_from(n).is_ok())?;
        }
    }
    Some(if has_zero { 0 } else { nonzero })
}

/// [`Shape::orders_coincide`] for bare dimensions, for code that works on dims (the
/// Fortran-to-C conversion).
pub(crate) fn orders_coincide(dims: &[usize]) -> bool {
    dims.contains(&0) || dims.iter().filter(|&&d| d > 1).count() <= 1
}

impl fmt::Display for Shape {
    /// Formats as a Python tuple: `()`, `(7,)`, `(3, 4)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, d) in self.dims.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        if self.dims.len() == 1 {
            f.write_str(",")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_size_and_scalar() {
        assert_eq!(Shape::new([]).unwrap().len(), 1);
        assert_eq!(Shape::new([3, 0, 5]).unwrap().len(), 0);
        assert_eq!(Shape::new([3, 0, 5]).unwrap().byte_len(8).unwrap(), 0);
    }

    #[test]
    fn overflow_is_refused_even_with_a_zero_dim() {
        // (2**62, 2**62, 0): the wrapped product would be 0.
        assert!(Shape::new([1 << 62, 1 << 62, 0]).is_err());
        // Fits as elements but not as 8-byte items; NumPy refuses it as "array is too big".
        let s = Shape::new([0, 1 << 62]).unwrap();
        assert!(s.byte_len(8).is_err());
        // The st-cpp case: three dims whose product wraps to 4.
        assert!(Shape::new([4_194_305, 4_194_305, 211_106_198_978_564]).is_err());
    }

    #[test]
    fn checked_product_ignores_zeros_only_for_the_result() {
        let max = usize::try_from(isize::MAX).unwrap();
        assert_eq!(checked_product(8, [2, 3]), Some(48));
        assert_eq!(checked_product(8, [2, 0, 3]), Some(0));
        assert_eq!(checked_product(1, []), Some(1));
        assert_eq!(checked_product(1, [max]), Some(max));
        assert_eq!(checked_product(2, [max]), None);
        assert_eq!(checked_product(8, [0, 1 << 62]), None);
    }

    #[test]
    fn displays_like_python() {
        assert_eq!(Shape::new([]).unwrap().to_string(), "()");
        assert_eq!(Shape::new([7]).unwrap().to_string(), "(7,)");
        assert_eq!(Shape::new([3, 4]).unwrap().to_string(), "(3, 4)");
    }
}
