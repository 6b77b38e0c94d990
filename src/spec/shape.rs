//! Shape patterns: fixed, ranged, named and variadic dimensions, and the bindings of named
//! dimensions across the arrays of a bundle.

use std::collections::BTreeMap;
use std::fmt;

use super::shorthand::{self, Token};
use crate::error::{Error, Result};
use crate::util::to_u64;

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

/// One axis of a [`ShapeSpec`]: a size constraint, optionally named.
///
/// A named axis binds its name to the size it first meets (left to right, array by array in
/// a bundle); every later axis with that name must have the same size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AxisSpec {
    dim: Dim,
    name: Option<Box<str>>,
}

impl AxisSpec {
    /// An anonymous axis.
    pub fn new(dim: Dim) -> Self {
        AxisSpec { dim, name: None }
    }

    /// A named axis whose size must also satisfy `dim`.
    pub fn named(name: &str, dim: Dim) -> Self {
        AxisSpec {
            dim,
            name: Some(name.into()),
        }
    }

    /// The size constraint.
    pub fn dim(&self) -> Dim {
        self.dim
    }

    /// The name, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl From<Dim> for AxisSpec {
    fn from(dim: Dim) -> Self {
        AxisSpec::new(dim)
    }
}

impl From<usize> for AxisSpec {
    fn from(n: usize) -> Self {
        AxisSpec::new(Dim::Exact(n))
    }
}

/// One item of a [`ShapeSpec`]: an axis, or any number of axes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ShapeItem {
    /// Exactly one axis.
    Axis(AxisSpec),
    /// Zero or more axes, optionally named (a named variadic binds the whole run of sizes).
    Variadic(Option<Box<str>>),
}

impl<T: Into<AxisSpec>> From<T> for ShapeItem {
    fn from(axis: T) -> Self {
        ShapeItem::Axis(axis.into())
    }
}

/// A shape pattern: a sequence of axes with at most one variadic item.
///
/// Build it from the shorthand ([`ShapeSpec::parse`], e.g. `"*batch 3 h:32..=1024 w"`) or
/// from items ([`ShapeSpec::new`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ShapeSpec {
    items: Vec<ShapeItem>,
}

impl ShapeSpec {
    /// Makes a pattern from its items.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSpec`] when more than one item is variadic, a range is empty, or a
    /// name is used both for an axis and for a variadic run.
    pub fn new(items: impl IntoIterator<Item = ShapeItem>) -> Result<Self> {
        let items: Vec<ShapeItem> = items.into_iter().collect();
        let invalid = |reason: String| Error::InvalidSpec {
            location: "shape".into(),
            reason: reason.into(),
        };
        if items
            .iter()
            .filter(|i| matches!(i, ShapeItem::Variadic(_)))
            .count()
            > 1
        {
            return Err(invalid(
                "at most one variadic dimension (`...` or `*name`) per array".into(),
            ));
        }
        let mut axis_names = Vec::new();
        let mut run_names = Vec::new();
        for item in &items {
            match item {
                ShapeItem::Axis(axis) => {
                    if let Dim::Range { min, max } = axis.dim {
                        if min > max {
                            return Err(invalid(format!("empty range {min}..={max}")));
                        }
                    }
                    axis_names.extend(axis.name());
                }
                ShapeItem::Variadic(name) => run_names.extend(name.as_deref()),
            }
        }
        if let Some(name) = run_names.iter().find(|n| axis_names.contains(n)) {
            return Err(invalid(format!(
                "`{name}` names both one axis and a variadic run of axes"
            )));
        }
        Ok(ShapeSpec { items })
    }

    /// A pattern of anonymous axes (never inconsistent: a reversed range accepts nothing).
    pub(crate) fn new_unchecked(items: Vec<ShapeItem>) -> Self {
        ShapeSpec { items }
    }

    /// Parses the shorthand (see the grammar in the crate's spec docs): space-separated
    /// tokens `224`, `_`, `name`, `name:1..=64`, `1..=64`, `...`, `*name`.
    ///
    /// ```
    /// use arrayguard::{Dim, ShapeSpec};
    /// let spec = ShapeSpec::parse("*batch 3 h:32..=1024 w")?;
    /// assert_eq!(spec.ndim_range(), (3, None));
    /// assert_eq!(ShapeSpec::parse("n 784")?.fixed_dims(), Some(vec![Dim::Any, Dim::Exact(784)]));
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSpec`] with the byte offset of the offending token.
    pub fn parse(text: &str) -> Result<Self> {
        let tokens = shorthand::parse(text).map_err(|e| Error::InvalidSpec {
            location: "shape".into(),
            reason: format!("`{}` {e}", crate::util::excerpt(text, 80)).into(),
        })?;
        let items = tokens.into_iter().map(|token| match token {
            Token::Size { name, min, max } => ShapeItem::Axis(AxisSpec {
                dim: Dim::between(min, max),
                name: name.map(Into::into),
            }),
            Token::Variadic { name } => ShapeItem::Variadic(name.map(Into::into)),
        });
        ShapeSpec::new(items)
    }

    /// The items.
    pub fn items(&self) -> &[ShapeItem] {
        &self.items
    }

    /// Whether the pattern has a variadic item.
    pub fn is_variadic(&self) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, ShapeItem::Variadic(_)))
    }

    /// The smallest and largest number of dimensions accepted (`None`: unbounded).
    pub fn ndim_range(&self) -> (usize, Option<usize>) {
        let axes = self
            .items
            .iter()
            .filter(|i| matches!(i, ShapeItem::Axis(_)))
            .count();
        (axes, (!self.is_variadic()).then_some(axes))
    }

    /// The per-axis size constraints when the number of axes is fixed (no variadic item);
    /// names are not included (they are checked once the sizes are known).
    pub fn fixed_dims(&self) -> Option<Vec<Dim>> {
        self.items
            .iter()
            .map(|item| match item {
                ShapeItem::Axis(axis) => Some(axis.dim),
                ShapeItem::Variadic(_) => None,
            })
            .collect()
    }

    /// Every name used, in order of first use.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for item in &self.items {
            let name = match item {
                ShapeItem::Axis(axis) => axis.name(),
                ShapeItem::Variadic(name) => name.as_deref(),
            };
            if let Some(name) = name {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// Checks the number of dimensions and the size constraint of every axis but `unknown`,
    /// binding no name (see [`ArraySpec::check_axes`](crate::ArraySpec::check_axes)). A
    /// variadic pattern passes: where its axes fall is known only with every size.
    ///
    /// # Errors
    ///
    /// [`Error::NdimMismatch`] or [`Error::ShapeMismatch`].
    pub fn check_axes(&self, dims: &[usize], unknown: Option<usize>) -> Result<()> {
        if self.is_variadic() {
            return Ok(());
        }
        self.check_ndim(dims)?;
        let axes = self.items.iter().filter_map(|item| match item {
            ShapeItem::Axis(spec) => Some(spec.dim),
            ShapeItem::Variadic(_) => None,
        });
        for (axis, (dim, &size)) in axes.zip(dims).enumerate() {
            if Some(axis) != unknown {
                check_size(axis, dim, size)?;
            }
        }
        Ok(())
    }

    /// Checks `dims` against the pattern, binding names in `bindings` on first use.
    ///
    /// # Errors
    ///
    /// [`Error::NdimMismatch`], [`Error::ShapeMismatch`] or [`Error::NamedDimMismatch`].
    pub fn check(&self, dims: &[usize], bindings: &mut Bindings) -> Result<()> {
        let min_ndim = self.check_ndim(dims)?;
        // The variadic run takes whatever the fixed axes leave.
        let run = dims.len() - min_ndim;
        let mut axis = 0usize;
        for item in &self.items {
            match item {
                ShapeItem::Axis(spec) => {
                    let size = dims[axis];
                    check_size(axis, spec.dim, size)?;
                    if let Some(name) = spec.name() {
                        bindings.bind_size(name, axis, size)?;
                    }
                    axis += 1;
                }
                ShapeItem::Variadic(name) => {
                    if let Some(name) = name {
                        bindings.bind_run(name, axis, &dims[axis..axis + run])?;
                    }
                    axis += run;
                }
            }
        }
        Ok(())
    }

    /// Checks the number of dimensions; returns the number of fixed axes.
    fn check_ndim(&self, dims: &[usize]) -> Result<usize> {
        let (min_ndim, max_ndim) = self.ndim_range();
        if dims.len() < min_ndim || max_ndim.is_some_and(|max| dims.len() > max) {
            let expected = match max_ndim {
                Some(n) => n.to_string(),
                None => format!("at least {min_ndim}"),
            };
            return Err(Error::NdimMismatch {
                expected: expected.into(),
                found: to_u64(dims.len()),
            });
        }
        Ok(min_ndim)
    }
}

/// Checks the size of one axis against its constraint.
fn check_size(axis: usize, dim: Dim, size: usize) -> Result<()> {
    if dim.accepts(size) {
        return Ok(());
    }
    Err(Error::ShapeMismatch {
        axis: u32::try_from(axis).unwrap_or(u32::MAX),
        expected: dim.to_string().into(),
        found: to_u64(size),
    })
}

impl fmt::Display for ShapeSpec {
    /// Formats as the shorthand.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match item {
                ShapeItem::Variadic(None) => f.write_str("...")?,
                ShapeItem::Variadic(Some(name)) => write!(f, "*{name}")?,
                ShapeItem::Axis(AxisSpec { dim, name }) => match (name, dim) {
                    (None, Dim::Any) => f.write_str("_")?,
                    (None, Dim::Exact(n)) => write!(f, "{n}")?,
                    (Some(name), Dim::Any) => write!(f, "{name}")?,
                    (name, Dim::Exact(n)) => {
                        write!(f, "{}:{n}..={n}", name.as_deref().unwrap_or("_"))?
                    }
                    (name, Dim::Range { min, max }) => {
                        write!(f, "{}:{min}..", name.as_deref().unwrap_or("_"))?;
                        if *max != usize::MAX {
                            write!(f, "={max}")?;
                        }
                    }
                },
            }
        }
        Ok(())
    }
}

/// What a name is bound to: the size of one axis, or the sizes of a variadic run.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bound {
    Size(usize),
    Run(Vec<usize>),
}

/// Sizes bound to dimension names so far: one per array for a single spec, shared by all the
/// arrays of a bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bindings {
    bound: BTreeMap<Box<str>, Bound>,
}

impl Bindings {
    /// No name bound.
    pub fn new() -> Self {
        Self::default()
    }

    /// The size bound to `name`, if it names one axis and is bound.
    pub fn size(&self, name: &str) -> Option<usize> {
        match self.bound.get(name) {
            Some(Bound::Size(n)) => Some(*n),
            _ => None,
        }
    }

    /// The sizes bound to a variadic `name`, if bound.
    pub fn run(&self, name: &str) -> Option<&[usize]> {
        match self.bound.get(name) {
            Some(Bound::Run(sizes)) => Some(sizes),
            _ => None,
        }
    }

    /// Binds `name` to `size`, or checks it against an earlier binding.
    ///
    /// # Errors
    ///
    /// [`Error::NamedDimMismatch`] when `name` is bound to another size.
    pub fn bind_size(&mut self, name: &str, axis: usize, size: usize) -> Result<()> {
        match self.bound.get(name) {
            None => {
                self.bound.insert(name.into(), Bound::Size(size));
                Ok(())
            }
            Some(Bound::Size(n)) if *n == size => Ok(()),
            Some(bound) => Err(named_mismatch(
                name,
                axis,
                describe(bound),
                size.to_string(),
            )),
        }
    }

    fn bind_run(&mut self, name: &str, axis: usize, sizes: &[usize]) -> Result<()> {
        match self.bound.get(name) {
            None => {
                self.bound.insert(name.into(), Bound::Run(sizes.to_vec()));
                Ok(())
            }
            Some(Bound::Run(run)) if run == sizes => Ok(()),
            Some(bound) => Err(named_mismatch(
                name,
                axis,
                describe(bound),
                describe(&Bound::Run(sizes.to_vec())),
            )),
        }
    }
}

fn named_mismatch(name: &str, axis: usize, expected: String, found: String) -> Error {
    Error::NamedDimMismatch {
        axis: u32::try_from(axis).unwrap_or(u32::MAX),
        detail: Box::new(crate::error::NamedDim {
            name: name.to_string(),
            expected,
            found,
        }),
    }
}

fn describe(bound: &Bound) -> String {
    match bound {
        Bound::Size(n) => n.to_string(),
        Bound::Run(sizes) => {
            let parts: Vec<String> = sizes.iter().map(ToString::to_string).collect();
            format!("({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, dims: &[usize]) -> Result<()> {
        ShapeSpec::parse(pattern)?.check(dims, &mut Bindings::new())
    }

    #[test]
    fn patterns_accept_and_refuse() {
        let cases: &[(&str, &[usize], Option<&str>)] = &[
            ("batch 3 h w", &[8, 3, 32, 32], None),
            (
                "batch 3 h w",
                &[8, 4, 32, 32],
                Some("shape mismatch on axis 1: expected 3, found 4"),
            ),
            (
                "batch 3 h w",
                &[8, 3, 32],
                Some("ndim mismatch: expected 4 dimensions, found 3"),
            ),
            ("*batch 224 224", &[224, 224], None),
            ("*batch 224 224", &[2, 5, 224, 224], None),
            (
                "*batch 224 224",
                &[224],
                Some("ndim mismatch: expected at least 2 dimensions, found 1"),
            ),
            ("... 3", &[7, 3], None),
            ("_ 3 ...", &[7, 3, 1, 1], None),
            ("n n", &[4, 4], None),
            (
                "n n",
                &[4, 5],
                Some("dimension `n` on axis 1: expected 4 (bound earlier), found 5"),
            ),
            (
                "h:32..=1024",
                &[31],
                Some("shape mismatch on axis 0: expected 32..=1024, found 31"),
            ),
            ("h:32..=1024", &[1024], None),
            ("", &[], None),
            (
                "",
                &[1],
                Some("ndim mismatch: expected 0 dimensions, found 1"),
            ),
        ];
        for (pattern, dims, expected) in cases {
            let found = check(pattern, dims).err().map(|e| e.to_string());
            assert_eq!(found.as_deref(), *expected, "{pattern:?} {dims:?}");
        }
    }

    #[test]
    fn names_bind_across_calls() {
        let mut bindings = Bindings::new();
        ShapeSpec::parse("n 784")
            .unwrap()
            .check(&[100, 784], &mut bindings)
            .unwrap();
        assert_eq!(bindings.size("n"), Some(100));
        let e = ShapeSpec::parse("n")
            .unwrap()
            .check(&[99], &mut bindings)
            .unwrap_err();
        assert_eq!(e.code(), "spec.named_dim");
        let mut bindings = Bindings::new();
        let spec = ShapeSpec::parse("*b 3").unwrap();
        spec.check(&[2, 5, 3], &mut bindings).unwrap();
        assert_eq!(bindings.run("b"), Some(&[2, 5][..]));
        assert!(spec.check(&[2, 3], &mut bindings).is_err());
    }

    #[test]
    fn shorthand_round_trips_through_display() {
        for text in [
            "batch 3 h w",
            "*batch 224 224",
            "... 3",
            "_ h:32..=1024 _:1..",
            "",
            "n:0..=8",
        ] {
            let spec = ShapeSpec::parse(text).unwrap();
            assert_eq!(
                ShapeSpec::parse(&spec.to_string()).unwrap(),
                spec,
                "{text:?} -> {spec}"
            );
        }
    }

    #[test]
    fn range_dims_are_inclusive() {
        let d = Dim::Range { min: 1, max: 64 };
        assert!(d.accepts(1) && d.accepts(64) && !d.accepts(0) && !d.accepts(65));
    }

    #[test]
    fn contradictions_are_refused() {
        assert!(ShapeSpec::parse("*a n *b").is_err());
        assert!(ShapeSpec::parse("*n n").is_err());
        assert!(ShapeSpec::new([ShapeItem::Axis(AxisSpec::new(Dim::Range {
            min: 3,
            max: 2
        }))])
        .is_err());
    }
}
