//! The shape of nested arrays, learnt while they are read: one counter per open array, the
//! length every array at each depth must have once the first one there has closed, and the
//! caps from the spec, so that the first element beyond any of them is refused where it
//! stands.
//!
//! The tracker knows nothing of text: the JSON reader and the serde seed drive it with four
//! events (an array opens, an element starts, a scalar arrives, an array closes), and attach
//! the position to its errors. Depths are *internal*: for complex dtypes the `[re, im]` pair is
//! one more, innermost, level of exactly two, which the public shape does not show.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::error::{Error, ErrorKind, JsonItem, LimitKind};
use crate::limits::Limits;
use crate::spec::Dim;
use crate::util::to_u64;

/// Why the tracker refused an event; the caller adds the position.
#[derive(Debug)]
pub(crate) enum NestError {
    /// The nesting disagrees with the shape learnt or declared.
    Ragged { expected: JsonItem, found: JsonItem },
    /// Envelope data whose form contradicts the envelope.
    Envelope(Cow<'static, str>),
    /// A spec mismatch or a limit.
    Other(Error),
}

impl From<Error> for NestError {
    fn from(e: Error) -> Self {
        NestError::Other(e)
    }
}

/// An event that may decide between the flat and the nested form of envelope data.
#[derive(Clone, Copy)]
enum Event {
    /// An array opens at this depth.
    Open(usize),
    /// A scalar arrives at this depth.
    Scalar(usize),
    /// An empty array closes at this depth.
    EmptyClose(usize),
}

/// Envelope data before its first events tell whether it is nested or flat.
struct Pending {
    /// Internal dims of the nested form (the declared shape).
    nested: Vec<usize>,
    /// Internal dims of the flat form (one axis of all the elements).
    flat: Vec<usize>,
    /// Whether the nested form is allowed (not with `"order": "F"` and two or more axes).
    nested_allowed: bool,
}

/// The tracker.
pub(crate) struct Nest {
    /// JSON leaves per element: 1, or 2 for complex numbers.
    parts: usize,
    /// The spec's shape constraint, on public axes.
    spec: Option<Vec<Dim>>,
    max_depth: usize,
    max_ndim: usize,
    /// Internal number of levels, once known.
    ndim: Option<usize>,
    /// Per internal depth (once `ndim` is known): the length every array there must have,
    /// once the first one closed.
    lens: Vec<Option<usize>>,
    /// Per internal depth reached so far: the largest element count allowed before an
    /// error, the smaller of `lens` and the spec's maximum.
    caps: Vec<usize>,
    /// Elements seen so far in each open array, outermost first.
    counts: Vec<usize>,
    pending: Option<Pending>,
    /// Whether envelope data turned out flat.
    flat: bool,
}

/// The largest size a [`Dim`] accepts.
fn dim_max(dim: Dim) -> usize {
    match dim {
        Dim::Any => usize::MAX,
        Dim::Exact(n) => n,
        Dim::Range { max, .. } => max,
    }
}

impl Nest {
    fn empty(parts: usize, limits: &Limits) -> Self {
        Nest {
            parts,
            spec: None,
            max_depth: limits.max_depth,
            max_ndim: limits.max_ndim,
            ndim: None,
            lens: Vec::new(),
            caps: Vec::new(),
            counts: Vec::new(),
            pending: None,
            flat: false,
        }
    }

    /// A tracker that learns the shape from the first path, within `spec` and `limits`.
    pub(crate) fn infer(parts: usize, spec: Option<&[Dim]>, limits: &Limits) -> Self {
        Nest {
            spec: spec.map(<[Dim]>::to_vec),
            ..Nest::empty(parts, limits)
        }
    }

    /// A tracker for envelope data whose declared public shape is `dims` with `count`
    /// elements: nested like `dims`, or one flat array of `count` elements. `nested_allowed`
    /// is false when the envelope declares Fortran order for two or more axes.
    pub(crate) fn envelope(
        parts: usize,
        dims: &[usize],
        count: usize,
        nested_allowed: bool,
        limits: &Limits,
    ) -> Self {
        let pair = if parts == 2 { Some(2) } else { None };
        let nested: Vec<usize> = dims.iter().copied().chain(pair).collect();
        let flat: Vec<usize> = std::iter::once(count).chain(pair).collect();
        let mut nest = Nest::empty(parts, limits);
        if dims.len() == 1 {
            // The two forms are the same text.
            nest.install(nested);
        } else {
            nest.pending = Some(Pending {
                nested,
                flat,
                nested_allowed,
            });
        }
        nest
    }

    /// Fixes the internal dims.
    fn install(&mut self, dims: Vec<usize>) {
        self.ndim = Some(dims.len());
        self.lens = dims.iter().copied().map(Some).collect();
        self.caps = dims;
    }

    /// Number of open arrays.
    #[inline]
    pub(crate) fn depth(&self) -> usize {
        self.counts.len()
    }

    /// Whether envelope data was read in its flat form.
    pub(crate) fn is_flat(&self) -> bool {
        self.flat
    }

    /// The cap of an internal depth reached for the first time, before the shape is known.
    fn initial_cap(&self, depth: usize) -> usize {
        match &self.spec {
            Some(dims) => match dims.get(depth) {
                Some(&dim) => dim_max(dim),
                // Below the spec's last axis only a complex number's pair can follow.
                None if self.parts == 2 && depth == dims.len() => 2,
                None => usize::MAX,
            },
            None => usize::MAX,
        }
    }

    /// Checks a number of public dimensions against the limits and the spec: `exact` when it
    /// is the array's, otherwise a lower bound.
    fn check_ndim(&self, public: usize, exact: bool) -> Result<(), NestError> {
        if public > self.max_ndim {
            return Err(Error::limit(LimitKind::Ndim, self.max_ndim, public).into());
        }
        if let Some(dims) = &self.spec {
            if public > dims.len() || (exact && public != dims.len()) {
                return Err(Error::from(ErrorKind::NdimMismatch {
                    min: to_u64(dims.len()),
                    max: Some(to_u64(dims.len())),
                    found: to_u64(public),
                })
                .into());
            }
        }
        Ok(())
    }

    /// Fixes the internal number of levels when the first path reaches its bottom.
    fn set_ndim(&mut self, ndim: usize) {
        self.ndim = Some(ndim);
        self.lens = vec![None; ndim];
        while self.caps.len() < ndim {
            let cap = self.initial_cap(self.caps.len());
            self.caps.push(cap);
        }
        if self.parts == 2 {
            if let (Some(len), Some(cap)) = (self.lens.last_mut(), self.caps.last_mut()) {
                *len = Some(2);
                *cap = (*cap).min(2);
            }
        }
    }

    /// An array opens at the current depth.
    pub(crate) fn open(&mut self) -> Result<(), NestError> {
        let depth = self.counts.len();
        if self.pending.is_some() {
            self.decide(Event::Open(depth))?;
        }
        if depth >= self.max_depth {
            return Err(
                Error::limit(LimitKind::Depth, self.max_depth, depth.saturating_add(1)).into(),
            );
        }
        match self.ndim {
            Some(ndim) if depth >= ndim => {
                return Err(NestError::Ragged {
                    expected: JsonItem::Scalar,
                    found: JsonItem::AnyArray,
                })
            }
            Some(_) => {}
            // The first path: the array has at least `depth + 1` levels.
            None => self.check_ndim((depth + 1).saturating_sub(self.parts - 1), false)?,
        }
        if self.caps.len() == depth {
            let cap = self.initial_cap(depth);
            self.caps.push(cap);
        }
        self.counts.push(0);
        Ok(())
    }

    /// The innermost open array gets one more element.
    #[inline]
    pub(crate) fn element(&mut self) -> Result<(), NestError> {
        let depth = self.counts.len().saturating_sub(1);
        let Some(count) = self.counts.last_mut() else {
            return Ok(());
        };
        *count = count.saturating_add(1);
        let count = *count;
        if count > self.caps.get(depth).copied().unwrap_or(usize::MAX) {
            return Err(self.too_many(depth, count));
        }
        Ok(())
    }

    /// The error for `count` elements at `depth`, one more than its cap.
    #[cold]
    fn too_many(&self, depth: usize, count: usize) -> NestError {
        if let Some(Some(len)) = self.lens.get(depth) {
            if count > *len {
                return NestError::Ragged {
                    expected: JsonItem::Array { len: to_u64(*len) },
                    found: JsonItem::LongerArray { than: to_u64(*len) },
                };
            }
        }
        if let Some(dim) = self.spec.as_ref().and_then(|dims| dims.get(depth)) {
            return Error::from(ErrorKind::ShapeMismatch {
                axis: u32::try_from(depth).unwrap_or(u32::MAX),
                expected: *dim,
                found: to_u64(count),
            })
            .into();
        }
        // Only a complex number's pair is left.
        NestError::Ragged {
            expected: JsonItem::Array { len: 2 },
            found: JsonItem::LongerArray { than: 2 },
        }
    }

    /// A scalar arrives at the current depth; returns the index of the part it is (0, or 1
    /// for the imaginary part of a complex number).
    #[inline]
    pub(crate) fn scalar(&mut self) -> Result<usize, NestError> {
        let depth = self.counts.len();
        if self.ndim != Some(depth) {
            self.scalar_elsewhere(depth)?;
        }
        Ok(if self.parts == 2 {
            self.counts.last().map_or(0, |c| c.saturating_sub(1))
        } else {
            0
        })
    }

    /// `n` scalars in a row in the innermost open array (there must be one), each an element
    /// of it: what `n` pairs of [`Nest::element`] and [`Nest::scalar`] do, in one step (for
    /// elements of one part). Accepts exactly when those pairs would all be accepted.
    pub(crate) fn leaves(&mut self, n: usize) -> Result<(), NestError> {
        if n == 0 {
            return Ok(());
        }
        self.element()?;
        self.scalar()?;
        // The first scalar fixed or matched the depth of scalars, so the others only count.
        let depth = self.counts.len().saturating_sub(1);
        if let Some(count) = self.counts.last_mut() {
            *count = count.saturating_add(n - 1);
            let count = *count;
            if count > self.caps.get(depth).copied().unwrap_or(usize::MAX) {
                return Err(self.too_many(depth, count));
            }
        }
        Ok(())
    }

    /// `extra` more elements in the array open at `depth` (counted from the outermost), as
    /// if that many more of its children had been read.
    pub(crate) fn more_elements(&mut self, depth: usize, extra: usize) -> Result<(), NestError> {
        let Some(count) = self.counts.get_mut(depth) else {
            return Ok(());
        };
        *count = count.saturating_add(extra);
        let count = *count;
        if count > self.caps.get(depth).copied().unwrap_or(usize::MAX) {
            return Err(self.too_many(depth, count));
        }
        Ok(())
    }

    #[cold]
    fn scalar_elsewhere(&mut self, depth: usize) -> Result<(), NestError> {
        if self.pending.is_some() {
            self.decide(Event::Scalar(depth))?;
            if self.ndim == Some(depth) {
                return Ok(());
            }
        }
        match self.ndim {
            Some(_) => {
                let expected = match self.lens.get(depth) {
                    Some(Some(len)) => JsonItem::Array { len: to_u64(*len) },
                    _ => JsonItem::AnyArray,
                };
                Err(NestError::Ragged {
                    expected,
                    found: JsonItem::Scalar,
                })
            }
            None if depth + 1 < self.parts => Err(NestError::Ragged {
                expected: JsonItem::Array { len: 2 },
                found: JsonItem::Scalar,
            }),
            None => {
                self.check_ndim(depth + 1 - self.parts, true)?;
                self.set_ndim(depth);
                Ok(())
            }
        }
    }

    /// The innermost open array closes.
    pub(crate) fn close(&mut self) -> Result<(), NestError> {
        let Some(&count) = self.counts.last() else {
            return Ok(());
        };
        let depth = self.counts.len() - 1;
        if count == 0 && self.pending.is_some() {
            self.decide(Event::EmptyClose(depth))?;
        }
        self.counts.pop();
        if self.ndim.is_none() {
            // An empty array on the first path: it is the last public axis, of length 0.
            self.check_ndim(depth + 1, true)?;
            self.set_ndim(depth + self.parts);
        }
        match self.lens.get(depth).copied().flatten() {
            Some(len) if count != len => Err(NestError::Ragged {
                expected: JsonItem::Array { len: to_u64(len) },
                found: JsonItem::Array { len: to_u64(count) },
            }),
            Some(_) => Ok(()),
            None => {
                if let Some(dim) = self.spec.as_ref().and_then(|dims| dims.get(depth)) {
                    if !dim.accepts(count) {
                        return Err(Error::from(ErrorKind::ShapeMismatch {
                            axis: u32::try_from(depth).unwrap_or(u32::MAX),
                            expected: *dim,
                            found: to_u64(count),
                        })
                        .into());
                    }
                }
                if let Some(slot) = self.lens.get_mut(depth) {
                    *slot = Some(count);
                }
                if let Some(cap) = self.caps.get_mut(depth) {
                    *cap = (*cap).min(count);
                }
                Ok(())
            }
        }
    }

    /// Chooses the flat or the nested form of envelope data at the first event only one of
    /// them allows (or, when neither does, the nested form, whose error is the clearer).
    fn decide(&mut self, event: Event) -> Result<(), NestError> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        let fits = |dims: &[usize]| match event {
            Event::Open(depth) => depth < dims.len(),
            Event::Scalar(depth) => depth == dims.len(),
            Event::EmptyClose(depth) => dims.get(depth) == Some(&0),
        };
        let flat = match (fits(&pending.nested), fits(&pending.flat)) {
            (true, true) if matches!(event, Event::Open(_)) => {
                self.pending = Some(pending);
                return Ok(());
            }
            (true, _) => false,
            (false, true) => true,
            (false, false) => pending.flat.len() > pending.nested.len(),
        };
        if !flat && !pending.nested_allowed {
            return Err(NestError::Envelope(
                "nested data is in logical (C) order; `\"order\": \"F\"` applies to flat and base64 data only"
                    .into(),
            ));
        }
        self.flat = flat;
        self.install(if flat { pending.flat } else { pending.nested });
        // Until now every open array held only the element on the current path.
        for (depth, &count) in self.counts.iter().enumerate() {
            let len = self.caps.get(depth).copied().unwrap_or(0);
            if count > len {
                return Err(NestError::Ragged {
                    expected: JsonItem::Array { len: to_u64(len) },
                    found: JsonItem::LongerArray { than: to_u64(len) },
                });
            }
        }
        Ok(())
    }

    /// The public dims once the whole value was read.
    pub(crate) fn dims(&self) -> Vec<usize> {
        let public = self.lens.len().saturating_sub(self.parts - 1);
        self.lens
            .iter()
            .take(public)
            .map(|len| len.unwrap_or(0))
            .collect()
    }

    /// The index path of the current value, after `prefix`: `data[3][1]`. Very deep paths keep
    /// their first and last 16 levels.
    pub(crate) fn path(&self, prefix: &str) -> Box<str> {
        const KEEP: usize = 16;
        let n = self.counts.len();
        let mut text = String::from(prefix);
        for (i, count) in self.counts.iter().enumerate() {
            if n > 2 * KEEP + 1 && i >= KEEP && i < n - KEEP {
                if i == KEEP {
                    let _ = write!(text, "[... {} levels ...]", n - 2 * KEEP);
                }
                continue;
            }
            // Writing to a String cannot fail.
            let _ = write!(text, "[{}]", count.saturating_sub(1));
        }
        text.into_boxed_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Drives a tracker with a compact event string: `[` open, `,` next element, `x` scalar,
    /// `]` close. Elements are counted before the value as the reader does.
    fn run(nest: &mut Nest, events: &str) -> Result<(), NestError> {
        let mut first = false;
        for e in events.chars() {
            if first && e != ']' {
                nest.element()?;
            }
            first = false;
            match e {
                '[' => {
                    nest.open()?;
                    first = true;
                }
                ',' => nest.element()?,
                'x' => {
                    nest.scalar()?;
                }
                ']' => nest.close()?,
                _ => unreachable!(),
            }
        }
        Ok(())
    }

    fn infer(events: &str, spec: Option<&[Dim]>) -> Result<Vec<usize>, String> {
        let mut nest = Nest::infer(1, spec, &Limits::default());
        run(&mut nest, events).map_err(|e| format!("{e:?} at {}", nest.path("")))?;
        Ok(nest.dims())
    }

    #[test]
    fn shapes_come_from_the_first_path() {
        assert_eq!(infer("x", None), Ok(vec![]));
        assert_eq!(infer("[]", None), Ok(vec![0]));
        assert_eq!(infer("[[]]", None), Ok(vec![1, 0]));
        assert_eq!(infer("[[x,x],[x,x],[x,x]]", None), Ok(vec![3, 2]));
        assert_eq!(infer("[[],[]]", None), Ok(vec![2, 0]));
    }

    #[test]
    fn ragged_rows_name_their_path() {
        let e = infer("[[x,x],[x]]", None).unwrap_err();
        assert!(
            e.contains("Array { len: 2 }, found: Array { len: 1 }") && e.ends_with("at [1]"),
            "{e}"
        );
        let e = infer("[[x],[x,x]]", None).unwrap_err();
        assert!(
            e.contains("LongerArray { than: 1 }") && e.ends_with("at [1][1]"),
            "{e}"
        );
        let e = infer("[[x],x]", None).unwrap_err();
        assert!(e.contains("found: Scalar") && e.ends_with("at [1]"), "{e}");
        let e = infer("[x,[x]]", None).unwrap_err();
        assert!(
            e.contains("found: AnyArray") && e.ends_with("at [1]"),
            "{e}"
        );
        let e = infer("[[],[x]]", None).unwrap_err();
        assert!(e.contains("LongerArray { than: 0 }"), "{e}");
    }

    #[test]
    fn spec_dims_stop_at_the_first_element_beyond() {
        let spec = [Dim::Any, Dim::Exact(3)];
        assert_eq!(infer("[[x,x,x]]", Some(&spec)), Ok(vec![1, 3]));
        let e = infer("[[x,x,x,x]]", Some(&spec)).unwrap_err();
        assert!(
            e.contains("ShapeMismatch") && e.ends_with("at [0][3]"),
            "{e}"
        );
        let e = infer("[[x,x]]", Some(&spec)).unwrap_err();
        assert!(e.contains("ShapeMismatch") && e.ends_with("at [0]"), "{e}");
        let e = infer("[[[x]]]", Some(&spec)).unwrap_err();
        assert!(
            e.contains("NdimMismatch") && e.ends_with("at [0][0]"),
            "{e}"
        );
        let e = infer("[x]", Some(&spec)).unwrap_err();
        assert!(e.contains("NdimMismatch"), "{e}");
    }

    #[test]
    fn depth_is_limited_before_ndim() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        let mut nest = Nest::infer(1, None, &limits);
        let e = run(&mut nest, "[[[[").unwrap_err();
        assert!(matches!(
            e,
            NestError::Other(ref e) if matches!(e.kind(), ErrorKind::LimitExceeded {
                kind: LimitKind::Depth,
                ..
            })
        ));
    }

    #[test]
    fn complex_pairs_are_one_more_level() {
        let mut nest = Nest::infer(2, None, &Limits::default());
        run(&mut nest, "[[x,x],[x,x]]").unwrap();
        assert_eq!(nest.dims(), vec![2]);
        let mut nest = Nest::infer(2, None, &Limits::default());
        run(&mut nest, "[x,x]").unwrap();
        assert_eq!(nest.dims(), Vec::<usize>::new());
        let mut nest = Nest::infer(2, None, &Limits::default());
        assert!(run(&mut nest, "[[x,x,x]]").is_err());
        let mut nest = Nest::infer(2, None, &Limits::default());
        assert!(run(&mut nest, "x").is_err());
    }

    #[test]
    fn envelope_data_is_nested_or_flat() {
        let limits = Limits::default();
        let mut nest = Nest::envelope(1, &[2, 3], 6, true, &limits);
        run(&mut nest, "[[x,x,x],[x,x,x]]").unwrap();
        assert!(!nest.is_flat());
        let mut nest = Nest::envelope(1, &[2, 3], 6, true, &limits);
        run(&mut nest, "[x,x,x,x,x,x]").unwrap();
        assert!(nest.is_flat());
        let mut nest = Nest::envelope(1, &[2, 3], 6, true, &limits);
        assert!(run(&mut nest, "[x,x,x,x,x]").is_err());
        let mut nest = Nest::envelope(1, &[2, 0, 3], 0, true, &limits);
        run(&mut nest, "[[],[]]").unwrap();
        let mut nest = Nest::envelope(1, &[2, 0, 3], 0, true, &limits);
        run(&mut nest, "[]").unwrap();
        assert!(nest.is_flat());
        let mut nest = Nest::envelope(1, &[], 1, true, &limits);
        run(&mut nest, "x").unwrap();
        let mut nest = Nest::envelope(1, &[], 1, true, &limits);
        run(&mut nest, "[x]").unwrap();
        assert!(nest.is_flat());
        let mut nest = Nest::envelope(2, &[2, 2], 4, true, &limits);
        run(&mut nest, "[[x,x],[x,x],[x,x],[x,x]]").unwrap();
        assert!(nest.is_flat());
        let mut nest = Nest::envelope(2, &[2, 2], 4, true, &limits);
        run(&mut nest, "[[[x,x],[x,x]],[[x,x],[x,x]]]").unwrap();
        assert!(!nest.is_flat());
        let mut nest = Nest::envelope(1, &[2, 3], 6, false, &limits);
        assert!(matches!(
            run(&mut nest, "[[x,x,x],[x,x,x]]"),
            Err(NestError::Envelope(_))
        ));
    }

    #[test]
    fn deep_paths_are_shortened() {
        let limits = Limits {
            max_depth: 1000,
            max_ndim: 1000,
            ..Limits::default()
        };
        let mut nest = Nest::infer(1, None, &limits);
        run(&mut nest, &"[".repeat(100)).unwrap();
        let path = nest.path("");
        assert!(
            path.len() < 200 && path.contains("[... 68 levels ...]"),
            "{path}"
        );
    }
}
