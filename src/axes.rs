//! [`Order`], the memory order of an array's axes, and [`Dim`], the size constraint of one
//! axis: words of the vocabulary that errors name, below the error type itself.

use std::fmt;

/// Memory order of a multi-dimensional array's elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major: the last index varies fastest (NumPy's default, `fortran_order: False`).
    #[default]
    C,
    /// Column-major: the first index varies fastest (`fortran_order: True`).
    F,
}

impl Order {
    /// `C` or `F`.
    pub fn name(self) -> &'static str {
        match self {
            Order::C => "C",
            Order::F => "F",
        }
    }
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// The constraint `min..=max`, in its simplest form: [`Dim::Any`] for `0..=usize::MAX`,
    /// [`Dim::Exact`] when `min == max`, [`Dim::Range`] otherwise (also when `min > max`,
    /// which accepts nothing).
    ///
    /// ```
    /// use arrayguard::Dim;
    /// assert_eq!(Dim::between(3, 3), Dim::Exact(3));
    /// assert_eq!(Dim::between(0, usize::MAX), Dim::Any);
    /// assert_eq!(Dim::between(1, 64), Dim::Range { min: 1, max: 64 });
    /// ```
    pub fn between(min: usize, max: usize) -> Dim {
        match (min, max) {
            (0, usize::MAX) => Dim::Any,
            (a, b) if a == b => Dim::Exact(a),
            (min, max) => Dim::Range { min, max },
        }
    }

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
            Dim::Range {
                min,
                max: usize::MAX,
            } => write!(f, "{min}.."),
            Dim::Range { min, max } => write!(f, "{min}..={max}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_dims_are_inclusive() {
        let d = Dim::Range { min: 1, max: 64 };
        assert!(d.accepts(1) && d.accepts(64) && !d.accepts(0) && !d.accepts(65));
    }
}
