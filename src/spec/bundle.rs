//! [`BundleSpec`]: several named arrays whose named dimensions must agree.

use super::shape::{AxisSpec, ShapeItem, ShapeSpec};
use super::{ArraySpec, Dim};
use crate::error::{Error, ErrorKind, Result};
use crate::limits::LimitOverrides;

/// A spec for several named arrays (say `X` and `y`) that share named dimensions.
///
/// Named dimensions bind on first use, left to right, array by array in the bundle's order,
/// and must agree everywhere after (`X: "n 784"`, `y: "n"`). The bundle may declare a size
/// constraint for a name ([`BundleSpec::with_dim`]); it applies wherever the name is used.
///
/// ```
/// use arrayguard::{ArraySpec, BundleSpec, DType, Dim, ShapeSpec};
/// let bundle = BundleSpec::new()
///     .with_dim("n", Dim::Range { min: 1, max: 100_000 })
///     .with_array("X", ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 784")?))
///     .with_array("y", ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n")?))
///     .build()?;
/// assert_eq!(bundle.names().collect::<Vec<_>>(), ["X", "y"]);
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BundleSpec {
    dims: Vec<(Box<str>, Dim)>,
    arrays: Vec<(Box<str>, ArraySpec)>,
    limits: Option<LimitOverrides>,
}

impl BundleSpec {
    /// An empty bundle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a size constraint for the named dimension `name`.
    pub fn with_dim(mut self, name: &str, dim: Dim) -> Self {
        self.dims.push((name.into(), dim));
        self
    }

    /// Adds an array, checked after the arrays added before it.
    pub fn with_array(mut self, name: &str, spec: ArraySpec) -> Self {
        self.arrays.push((name.into(), spec));
        self
    }

    /// Overrides limits for every array of the bundle (an array's own overrides win).
    pub fn with_limits(mut self, limits: LimitOverrides) -> Self {
        self.limits = Some(limits);
        self
    }

    /// Checks the bundle for consistency and folds the declared dimension constraints and
    /// limits into each array's spec.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] for a bundle without arrays, an array or dimension declared
    /// twice, a declared dimension no array uses, an empty range, or a declared constraint
    /// that contradicts an axis using the name.
    pub fn build(mut self) -> Result<Self> {
        let invalid = |location: String, reason: String| {
            Error::from(ErrorKind::InvalidSpec {
                location: location.into(),
                reason: reason.into(),
            })
        };
        if self.arrays.is_empty() {
            return Err(invalid(
                "arrays".into(),
                "a bundle needs at least one array".into(),
            ));
        }
        for (i, (name, _)) in self.arrays.iter().enumerate() {
            if self.arrays[..i].iter().any(|(n, _)| n == name) {
                return Err(invalid(
                    format!("arrays.{name}"),
                    "array declared twice".into(),
                ));
            }
        }
        for (i, (name, dim)) in self.dims.iter().enumerate() {
            if self.dims[..i].iter().any(|(n, _)| n == name) {
                return Err(invalid(
                    format!("dims.{name}"),
                    "dimension declared twice".into(),
                ));
            }
            if let Dim::Range { min, max } = dim {
                if min > max {
                    return Err(invalid(
                        format!("dims.{name}"),
                        format!("empty range {min}..={max}"),
                    ));
                }
            }
            let used = self.arrays.iter().any(|(_, spec)| {
                spec.shape_spec()
                    .is_some_and(|s| s.names().contains(&&**name))
            });
            if !used {
                return Err(invalid(format!("dims.{name}"), format!("`{name}` is declared but no array's shape uses it, so it can never be bound")));
            }
        }
        let dims = self.dims.clone();
        let limits = self.limits.clone();
        for (array, spec) in &mut self.arrays {
            if let Some(shape) = spec.shape_spec() {
                let items = shape
                    .items()
                    .iter()
                    .map(|item| match item {
                        ShapeItem::Axis(axis) => match axis
                            .name()
                            .and_then(|n| dims.iter().find(|(d, _)| &**d == n))
                        {
                            Some((name, declared)) => intersect(axis.dim(), *declared)
                                .map(|dim| ShapeItem::Axis(AxisSpec::named(name, dim)))
                                .ok_or_else(|| {
                                    invalid(
                                        format!("arrays.{array}.shape"),
                                        format!(
                                            "`{name}` is {} here but declared as {declared}",
                                            axis.dim()
                                        ),
                                    )
                                }),
                            None => Ok(item.clone()),
                        },
                        ShapeItem::Variadic(_) => Ok(item.clone()),
                    })
                    .collect::<Result<Vec<_>>>()?;
                *spec = spec.clone().with_shape_spec(ShapeSpec::new(items)?);
            }
            if let Some(bundle_limits) = &limits {
                let merged = match spec.limit_overrides() {
                    Some(own) => bundle_limits.then(own),
                    None => bundle_limits.clone(),
                };
                *spec = spec.clone().with_limits(merged);
            }
        }
        Ok(self)
    }

    /// The array names, in checking order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.iter().map(|(name, _)| &**name)
    }

    /// The spec of array `name`.
    pub fn array(&self, name: &str) -> Option<&ArraySpec> {
        self.arrays
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, spec)| spec)
    }

    /// The declared dimension constraints.
    pub fn dims(&self) -> impl Iterator<Item = (&str, Dim)> {
        self.dims.iter().map(|(name, dim)| (&**name, *dim))
    }

    /// The bundle-wide limit overrides, if any.
    pub fn limit_overrides(&self) -> Option<&LimitOverrides> {
        self.limits.as_ref()
    }
}

/// The sizes both constraints accept, or `None` when there is none.
fn intersect(a: Dim, b: Dim) -> Option<Dim> {
    let bounds = |d: Dim| match d {
        Dim::Any => (0, usize::MAX),
        Dim::Exact(n) => (n, n),
        Dim::Range { min, max } => (min, max),
    };
    let ((a0, a1), (b0, b1)) = (bounds(a), bounds(b));
    let (min, max) = (a0.max(b0), a1.min(b1));
    match (min, max) {
        _ if min > max => None,
        (0, usize::MAX) => Some(Dim::Any),
        _ if min == max => Some(Dim::Exact(min)),
        _ => Some(Dim::Range { min, max }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DType;

    #[test]
    fn inconsistent_bundles_are_refused() {
        let x = ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n:1..=5").unwrap());
        let cases = [
            (BundleSpec::new(), "invalid spec at arrays: a bundle needs at least one array"),
            (BundleSpec::new().with_array("X", x.clone()).with_array("X", x.clone()), "invalid spec at arrays.X: array declared twice"),
            (BundleSpec::new().with_array("X", x.clone()).with_dim("m", Dim::Any), "invalid spec at dims.m: `m` is declared but no array's shape uses it, so it can never be bound"),
            (BundleSpec::new().with_array("X", x.clone()).with_dim("n", Dim::Exact(9)), "invalid spec at arrays.X.shape: `n` is 1..=5 here but declared as 9"),
        ];
        for (bundle, message) in cases {
            assert_eq!(bundle.build().unwrap_err().to_string(), message);
        }
    }
}
