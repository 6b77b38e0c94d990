//! Shape patterns: fixed, ranged, named and variadic dimensions, and the bindings of named
//! dimensions across the arrays of a bundle.

use std::collections::BTreeMap;
use std::fmt;

use super::shorthand::{self, Token};
use crate::error::{Error, ErrorKind, NamedDim, NamedSize, Result};
use crate::shape::Dim;
use crate::util::to_u64;

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
    /// [`ErrorKind::InvalidSpec`] when more than one item is variadic, a range is empty, or a
    /// name is used both for an axis and for a variadic run.
    pub fn new(items: impl IntoIterator<Item = ShapeItem>) -> Result<Self> {
        let items: Vec<ShapeItem> = items.into_iter().collect();
        let invalid = |reason: String| {
            Error::from(ErrorKind::InvalidSpec {
                location: "shape".into(),
                reason: reason.into(),
            })
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
    /// [`ErrorKind::InvalidSpec`] with the byte offset of the offending token.
    pub fn parse(text: &str) -> Result<Self> {
        let tokens = shorthand::parse(text).map_err(|e| {
            Error::from(ErrorKind::InvalidSpec {
                location: "shape".into(),
                reason: format!("`{}` {e}", crate::util::excerpt(text, 80)).into(),
            })
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
    /// [`ErrorKind::NdimMismatch`] or [`ErrorKind::ShapeMismatch`].
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
    /// [`ErrorKind::NdimMismatch`], [`ErrorKind::ShapeMismatch`] or [`ErrorKind::NamedDimMismatch`].
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
            return Err(Error::from(ErrorKind::NdimMismatch {
                min: to_u64(min_ndim),
                max: max_ndim.map(to_u64),
                found: to_u64(dims.len()),
            }));
        }
        Ok(min_ndim)
    }
}

/// Checks the size of one axis against its constraint.
fn check_size(axis: usize, dim: Dim, size: usize) -> Result<()> {
    if dim.accepts(size) {
        return Ok(());
    }
    Err(Error::from(ErrorKind::ShapeMismatch {
        axis: u32::try_from(axis).unwrap_or(u32::MAX),
        expected: dim,
        found: to_u64(size),
    }))
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
    /// [`ErrorKind::NamedDimMismatch`] when `name` is bound to another size.
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
                NamedSize::One(size),
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
                NamedSize::Run(sizes.into()),
            )),
        }
    }
}

fn named_mismatch(name: &str, axis: usize, expected: NamedSize, found: NamedSize) -> Error {
    Error::from(ErrorKind::NamedDimMismatch {
        axis: u32::try_from(axis).unwrap_or(u32::MAX),
        detail: Box::new(NamedDim {
            name: name.into(),
            expected,
            found,
        }),
    })
}

fn describe(bound: &Bound) -> NamedSize {
    match bound {
        Bound::Size(n) => NamedSize::One(*n),
        Bound::Run(sizes) => NamedSize::Run(sizes.as_slice().into()),
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
