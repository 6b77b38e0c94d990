//! Shapes: sizes drawn for each axis of a shape pattern, with named dimensions bound across
//! the arrays of a bundle, and a record of how each axis was chosen (for near misses and for
//! counting what a corpus reaches).

use std::collections::BTreeMap;

use super::choices::Choices;
use crate::error::{Error, ErrorKind, Result};
use crate::shape::Dim;
use crate::spec::{ShapeItem, ShapeSpec};

/// The largest size drawn for an axis at its upper bound; larger bounds are not reached.
pub(crate) const MAX_EDGE: usize = 1 << 16;

/// Longest variadic run drawn.
const MAX_RUN: usize = 3;

/// How a name is used across a spec: one axis size (the intersection of every axis that
/// uses it) or a variadic run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameUse {
    Size(Dim),
    Run,
}

/// What a name is bound to in a sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Bound {
    Size(usize),
    Run(Vec<usize>),
}

/// The names of a spec and how they are used.
pub(crate) type Names = BTreeMap<Box<str>, NameUse>;

/// One axis of a drawn shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AxisDraw {
    /// Index in the array's dims.
    pub(crate) axis: usize,
    /// Index of the pattern item it comes from.
    pub(crate) item: usize,
    /// The axis's own constraint.
    pub(crate) dim: Dim,
    /// The constraint of its name across the spec (its own when anonymous).
    pub(crate) effective: Dim,
    pub(crate) name: Option<Box<str>>,
    /// Whether this axis bound its name (the first use in checking order).
    pub(crate) binds: bool,
}

/// The variadic run of a drawn shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RunDraw {
    pub(crate) item: usize,
    pub(crate) start: usize,
    pub(crate) len: usize,
    pub(crate) name: Option<Box<str>>,
    pub(crate) binds: bool,
}

/// A drawn shape and how it was drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ShapeDraw {
    pub(crate) dims: Vec<usize>,
    pub(crate) axes: Vec<AxisDraw>,
    pub(crate) run: Option<RunDraw>,
}

/// The sizes two constraints both accept, or `None`.
pub(crate) fn intersect(a: Dim, b: Dim) -> Option<Dim> {
    let (a0, a1) = bounds(a);
    let (b0, b1) = bounds(b);
    let (min, max) = (a0.max(b0), a1.min(b1));
    (min <= max).then(|| Dim::between(min, max))
}

/// The inclusive bounds of a constraint.
pub(crate) fn bounds(d: Dim) -> (usize, usize) {
    match d {
        Dim::Any => (0, usize::MAX),
        Dim::Exact(n) => (n, n),
        Dim::Range { min, max } => (min, max),
    }
}

/// Records the names of `shape` in `names`.
///
/// # Errors
///
/// [`ErrorKind::InvalidSpec`] when a name is used both for one axis and for a run, or its
/// axes' constraints accept no common size: no sample can satisfy such a spec.
pub(crate) fn collect_names(array: &str, shape: &ShapeSpec, names: &mut Names) -> Result<()> {
    let unsatisfiable = |reason: String| {
        Error::from(ErrorKind::InvalidSpec {
            location: format!("arrays.{array}.shape").into(),
            reason: reason.into(),
        })
    };
    for item in shape.items() {
        let (name, used) = match item {
            ShapeItem::Axis(axis) => match axis.name() {
                Some(name) => (name, NameUse::Size(axis.dim())),
                None => continue,
            },
            ShapeItem::Variadic(Some(name)) => (&**name, NameUse::Run),
            ShapeItem::Variadic(None) => continue,
        };
        let merged = match (names.get(name), used) {
            (None, used) => used,
            (Some(NameUse::Run), NameUse::Run) => NameUse::Run,
            (Some(NameUse::Size(a)), NameUse::Size(b)) => {
                NameUse::Size(intersect(*a, b).ok_or_else(|| {
                    unsatisfiable(format!(
                        "no size of `{name}` satisfies every axis that uses it"
                    ))
                })?)
            }
            _ => {
                return Err(unsatisfiable(format!(
                    "`{name}` names an axis in one array and a run of axes in another"
                )))
            }
        };
        names.insert(name.into(), merged);
    }
    Ok(())
}

/// A size for an axis constrained by `dim`: the smallest when `minimal`, else one of the
/// candidates (the bounds, their neighbours inside, a size in between; for any size, 1, 0 and
/// a few small ones).
pub(crate) fn size(dim: Dim, c: &mut dyn Choices, minimal: bool) -> usize {
    let candidates: Vec<usize> = match dim {
        Dim::Any => vec![1, 0, 2, 3, 4, 5],
        Dim::Exact(n) => vec![n],
        Dim::Range { min, max } => {
            let mut v = vec![min];
            if max <= MAX_EDGE {
                v.push(max);
            }
            if min < max {
                v.push(min + 1);
                if max - 1 > min && max - 1 <= MAX_EDGE {
                    v.push(max - 1);
                }
                let span = (max - min).min(8);
                v.push(min + usize::try_from(c.choose(span as u64)).unwrap_or(0));
            }
            v
        }
    };
    if minimal {
        candidates[0]
    } else {
        candidates[c.index(candidates.len())]
    }
}

/// Draws a shape for `pattern` (any shape when `None`), binding names in `bound`. Runs are
/// at most `max_ndim` minus the fixed axes long.
pub(crate) fn draw(
    pattern: Option<&ShapeSpec>,
    names: &Names,
    bound: &mut BTreeMap<Box<str>, Bound>,
    max_ndim: usize,
    c: &mut dyn Choices,
    minimal: bool,
) -> ShapeDraw {
    let Some(pattern) = pattern else {
        let ndim = [1, 0, 2, 3][c.index(4)].min(max_ndim);
        let dims: Vec<usize> = (0..ndim).map(|_| size(Dim::Any, c, minimal)).collect();
        return ShapeDraw {
            dims,
            ..ShapeDraw::default()
        };
    };
    let fixed = pattern.ndim_range().0;
    let mut out = ShapeDraw::default();
    for (item_index, item) in pattern.items().iter().enumerate() {
        match item {
            ShapeItem::Axis(axis) => {
                let name = axis.name();
                let effective = match name.and_then(|n| names.get(n)) {
                    Some(NameUse::Size(d)) => *d,
                    _ => axis.dim(),
                };
                let (value, binds) = match name.map(|n| (n, bound.get(n))) {
                    Some((_, Some(Bound::Size(s)))) => (*s, false),
                    Some((n, None)) => {
                        let s = size(effective, c, minimal);
                        bound.insert(n.into(), Bound::Size(s));
                        (s, true)
                    }
                    _ => (size(axis.dim(), c, minimal), false),
                };
                out.axes.push(AxisDraw {
                    axis: out.dims.len(),
                    item: item_index,
                    dim: axis.dim(),
                    effective,
                    name: name.map(Into::into),
                    binds,
                });
                out.dims.push(value);
            }
            ShapeItem::Variadic(name) => {
                let room = max_ndim.saturating_sub(fixed).min(MAX_RUN);
                let fresh = |c: &mut dyn Choices| -> Vec<usize> {
                    let len = if minimal { 0 } else { c.index(room + 1) };
                    (0..len).map(|_| size(Dim::Any, c, minimal)).collect()
                };
                let (sizes, binds) = match name.as_deref().map(|n| (n, bound.get(n))) {
                    Some((_, Some(Bound::Run(run)))) => (run.clone(), false),
                    Some((n, None)) => {
                        let run = fresh(c);
                        bound.insert(n.into(), Bound::Run(run.clone()));
                        (run, true)
                    }
                    _ => (fresh(c), false),
                };
                out.run = Some(RunDraw {
                    item: item_index,
                    start: out.dims.len(),
                    len: sizes.len(),
                    name: name.clone(),
                    binds,
                });
                out.dims.extend(sizes);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Bindings;
    use crate::testing::choices::Seeded;

    #[test]
    fn drawn_shapes_satisfy_their_pattern() {
        let mut c = Seeded::new(3);
        for text in ["n n 3", "*b h:2..=4 _", "...", "", "x:0..=1 x"] {
            let pattern = ShapeSpec::parse(text).unwrap();
            let mut names = Names::new();
            collect_names("a", &pattern, &mut names).unwrap();
            for _ in 0..50 {
                let d = draw(
                    Some(&pattern),
                    &names,
                    &mut BTreeMap::new(),
                    64,
                    &mut c,
                    false,
                );
                pattern.check(&d.dims, &mut Bindings::new()).unwrap();
            }
        }
    }

    #[test]
    fn contradictory_names_are_unsatisfiable() {
        let mut names = Names::new();
        collect_names("X", &ShapeSpec::parse("n:1..=3").unwrap(), &mut names).unwrap();
        let e = collect_names("y", &ShapeSpec::parse("n:5..").unwrap(), &mut names).unwrap_err();
        assert_eq!(e.code(), "config.invalid_spec");
        assert!(collect_names("y", &ShapeSpec::parse("*n").unwrap(), &mut names).is_err());
    }
}
