//! Checking several inputs against one spec: [`Input`] names what to check (a file, bytes in
//! memory, a plan), and [`BundleChecker`] binds named inputs to the arrays of a
//! [`BundleSpec`], with named dimensions shared across them, giving one [`Verdict`] per array.
//!
//! This is the layer above the one-array front-ends: it only routes each input to its
//! front-end with the right spec and the shared bindings, so a service gets exactly the
//! verdict that `arrayguard check` prints.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::array::DynArray;
use crate::dtype::ByteOrder;
use crate::error::{Error, ErrorKind, Result};
use crate::json;
use crate::limits::Limits;
use crate::npy;
use crate::plan::Plan;
use crate::spec::{ArraySpec, Bindings, BundleSpec};

/// One array to check.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Input<'a> {
    /// A file: JSON text when its extension is `.json` (in any case), `.npy` otherwise. A
    /// `.npy` file is checked without holding its payload
    /// ([`npy::ReadOptions::check_path`]); a JSON file is read whole, within
    /// [`Limits::max_input_bytes`], and may hold nested arrays or an envelope.
    Path(&'a Path),
    /// `.npy` bytes in memory.
    Npy(&'a [u8]),
    /// JSON text in memory: nested arrays, or an envelope when it starts with `{`. Nested
    /// arrays carry no dtype: the spec must name exactly one.
    Json(&'a [u8]),
    /// What an input declares, already read (a header): the spec's stages and the limits are
    /// checked, no payload.
    Plan(&'a Plan),
}

impl Input<'_> {
    /// Checks this input against `spec` and `limits` (with the spec's overrides applied),
    /// and returns its plan. A JSON input's plan has the native byte order.
    ///
    /// # Errors
    ///
    /// The errors of the input's front-end: [`npy::ReadOptions::check_path`] and
    /// [`npy::ReadOptions::check_reader`] for `.npy`, [`json::ReadOptions::read_slice`] for
    /// JSON, [`Plan::check`] for a plan; [`ErrorKind::Io`] when a file cannot be read.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{npy, Array, ArraySpec, DType, Input, Limits, Order, Shape};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let bytes = npy::to_vec(&Array::from_vec(Shape::vector(3)?, Order::C, vec![1u8, 2, 3])?.view())?;
    /// let plan = Input::Npy(&bytes).check(&ArraySpec::new(DType::U8), &Limits::default())?;
    /// assert_eq!(plan.shape().dims(), &[3]);
    /// let err = Input::Json(b"[1, 2, 300]").check(&ArraySpec::new(DType::U8), &Limits::default());
    /// assert_eq!(err.unwrap_err().code(), "json.number_out_of_range");
    /// # Ok(())
    /// # }
    /// ```
    pub fn check(&self, spec: &ArraySpec, limits: &Limits) -> Result<Plan> {
        self.check_with(spec, limits, 0, &mut Bindings::new())
    }

    /// [`Input::check`] on at most `threads` threads (`0`: the default of the format's
    /// `ReadOptions::threads`, `1`: the caller's thread only), for a large payload of a file
    /// or bytes in memory and a large JSON text.
    ///
    /// # Errors
    ///
    /// As [`Input::check`]: the number of threads changes no result.
    pub fn check_on_threads(
        &self,
        spec: &ArraySpec,
        limits: &Limits,
        threads: usize,
    ) -> Result<Plan> {
        self.check_with(spec, limits, threads, &mut Bindings::new())
    }

    /// [`Input::check`] on at most `threads` threads, with named dimensions bound in
    /// `bindings`.
    fn check_with(
        &self,
        spec: &ArraySpec,
        limits: &Limits,
        threads: usize,
        bindings: &mut Bindings,
    ) -> Result<Plan> {
        let npy = || {
            npy::ReadOptions::new()
                .limits(limits.clone())
                .threads(threads)
        };
        match *self {
            Input::Path(path) if is_json(path) => {
                // A JSON text is read whole: hold at most one byte more than the limit, which
                // the reader then refuses by its length.
                let cap = spec.limits_over(limits).max_input_bytes;
                let mut text = Vec::new();
                File::open(path)?
                    .take(cap.saturating_add(1))
                    .read_to_end(&mut text)?;
                check_json(&text, spec, limits, threads, bindings)
            }
            Input::Path(path) => {
                let (file, len) = crate::options::open(path)?;
                let positional = len.is_some().then_some(&file);
                let header = npy().check_stream(&mut &file, len, positional, spec, bindings)?;
                Ok(header.plan().clone())
            }
            Input::Npy(mut bytes) => {
                // A slice's length is known, as a regular file's is.
                let len = Some(crate::util::to_u64(bytes.len()));
                let header = npy().check_stream(&mut bytes, len, None, spec, bindings)?;
                Ok(header.plan().clone())
            }
            Input::Json(text) => check_json(text, spec, limits, threads, bindings),
            Input::Plan(plan) => {
                plan.check_with(spec, &spec.limits_over(limits), bindings)?;
                Ok(plan.clone())
            }
        }
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn check_json(
    text: &[u8],
    spec: &ArraySpec,
    limits: &Limits,
    threads: usize,
    bindings: &mut Bindings,
) -> Result<Plan> {
    let options = json::ReadOptions::new()
        .limits(limits.clone())
        .threads(threads)
        .form(json::Form::Detect);
    let array = options.read_bytes::<DynArray>(text, spec, bindings)?;
    Plan::new(
        array.dtype(),
        ByteOrder::NATIVE,
        array.shape().clone(),
        array.order(),
    )
}

/// The outcome of a bundle check for one array, or for one input that names no array of the
/// bundle.
#[derive(Debug)]
pub struct Verdict {
    array: Box<str>,
    input: Option<usize>,
    result: Result<Plan>,
}

impl Verdict {
    /// The array's name (the input's name for [`ErrorKind::UnknownArray`]).
    pub fn array(&self) -> &str {
        &self.array
    }

    /// The index of the input checked, in the order given; `None` for an array no input
    /// provides ([`ErrorKind::MissingArray`]).
    pub fn input(&self) -> Option<usize> {
        self.input
    }

    /// The input's plan, or the first error found in it.
    pub fn result(&self) -> &Result<Plan> {
        &self.result
    }

    /// The input's plan, or the first error found in it.
    ///
    /// # Errors
    ///
    /// The error of the verdict.
    pub fn into_result(self) -> Result<Plan> {
        self.result
    }

    /// Whether the input passed.
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }
}

/// Checks named inputs against a [`BundleSpec`]: every array of the bundle must be given, no
/// other, and named dimensions agree across arrays.
///
/// Named dimensions bind on first use, array by array in the bundle's order (not the order
/// of the inputs), so the verdict does not depend on how the inputs are listed. Each input is
/// checked by its front-end with the array's spec and the checker's limits (the bundle's and
/// the array's overrides applied); `.npy` inputs are checked without holding their payload.
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, Array, ArraySpec, BundleChecker, BundleSpec, DType, Input, Order, Shape, ShapeSpec};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let bundle = BundleSpec::new()
///     .with_array("X", ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 2")?))
///     .with_array("y", ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n")?))
///     .build()?;
/// let x = npy::to_vec(&Array::from_vec(Shape::new([3, 2])?, Order::C, vec![0f32; 6])?.view())?;
/// let checker = BundleChecker::new(&bundle);
/// // Nested JSON takes the spec's one dtype, `i64`.
/// let verdicts = checker.check([("X", Input::Npy(&x)), ("y", Input::Json(b"[0, 1, 1]"))]);
/// assert!(verdicts.iter().all(|v| v.is_ok()));
///
/// let verdicts = checker.check([("X", Input::Npy(&x)), ("y", Input::Json(b"[0, 1]"))]);
/// let err = verdicts[1].result().as_ref().unwrap_err();
/// assert_eq!((verdicts[1].array(), err.code()), ("y", "spec.named_dim"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct BundleChecker<'s> {
    spec: &'s BundleSpec,
    limits: Limits,
    threads: usize,
}

impl<'s> BundleChecker<'s> {
    /// A checker with default limits.
    pub fn new(spec: &'s BundleSpec) -> Self {
        BundleChecker {
            spec,
            limits: Limits::default(),
            threads: 0,
        }
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The bundle's and each array's limit
    /// overrides win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Caps the threads each input is checked on (see [`Input::check_on_threads`]). Defaults
    /// to `0`, the formats' default.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Checks every input and returns one verdict per input, plus one per array that no
    /// input provides: first the inputs whose name the bundle does not know
    /// ([`ErrorKind::UnknownArray`], in input order), then the arrays in the bundle's order, each
    /// with its inputs in input order or, when it has none, [`ErrorKind::MissingArray`]. An array
    /// given twice is checked twice, with the same bindings.
    pub fn check<'a>(
        &self,
        inputs: impl IntoIterator<Item = (&'a str, Input<'a>)>,
    ) -> Vec<Verdict> {
        let inputs: Vec<(&str, Input<'_>)> = inputs.into_iter().collect();
        let names: Vec<&str> = inputs.iter().map(|(name, _)| *name).collect();
        self.check_each(&names, |i, spec, limits, bindings| {
            inputs[i].1.check_with(spec, limits, self.threads, bindings)
        })
    }

    /// The verdicts of [`BundleChecker::check`] for inputs known by their names: `check`
    /// checks the input at an index against its array's spec, with the limits and the shared
    /// bindings.
    pub(crate) fn check_each(
        &self,
        names: &[&str],
        mut check: impl FnMut(usize, &ArraySpec, &Limits, &mut Bindings) -> Result<Plan>,
    ) -> Vec<Verdict> {
        let mut verdicts: Vec<Verdict> = names
            .iter()
            .enumerate()
            .filter(|(_, name)| self.spec.array(name).is_none())
            .map(|(i, name)| Verdict {
                array: (*name).into(),
                input: Some(i),
                result: Err(Error::from(ErrorKind::UnknownArray {
                    array: (*name).into(),
                })),
            })
            .collect();
        let mut bindings = Bindings::new();
        for name in self.spec.names() {
            let Some(spec) = self.spec.array(name) else {
                continue;
            };
            let mut given = names
                .iter()
                .enumerate()
                .filter(|(_, n)| **n == name)
                .peekable();
            if given.peek().is_none() {
                verdicts.push(Verdict {
                    array: name.into(),
                    input: None,
                    result: Err(Error::from(ErrorKind::MissingArray { array: name.into() })),
                });
            }
            for (i, _) in given {
                let result = check(i, spec, &self.limits, &mut bindings);
                verdicts.push(Verdict {
                    array: name.into(),
                    input: Some(i),
                    result: result.map_err(|e| e.in_array(name)),
                });
            }
        }
        verdicts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DType, Dim, Order, Shape, ShapeSpec};

    fn plan(dtype: DType, dims: &[usize]) -> Plan {
        Plan::new(
            dtype,
            ByteOrder::Little,
            Shape::new(dims.to_vec()).unwrap(),
            Order::C,
        )
        .unwrap()
    }

    fn features_and_labels() -> BundleSpec {
        BundleSpec::new()
            .with_dim("n", Dim::Range { min: 1, max: 1000 })
            .with_array(
                "X",
                ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 4").unwrap()),
            )
            .with_array(
                "y",
                ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n").unwrap()),
            )
            .build()
            .unwrap()
    }

    /// The messages of the verdicts' errors, `ok` for a pass.
    fn messages(verdicts: &[Verdict]) -> Vec<String> {
        verdicts
            .iter()
            .map(|v| match v.result() {
                Ok(_) => format!("{}: ok", v.array()),
                Err(e) => format!("{}: {e}", v.array()),
            })
            .collect()
    }

    #[test]
    fn named_dims_agree_across_arrays() {
        let bundle = features_and_labels();
        let checker = BundleChecker::new(&bundle);
        let (x, y) = (plan(DType::F32, &[10, 4]), plan(DType::I64, &[10]));
        // The bundle's order decides where names bind, not the inputs' order.
        let verdicts = checker.check([("y", Input::Plan(&y)), ("X", Input::Plan(&x))]);
        assert_eq!(messages(&verdicts), ["X: ok", "y: ok"]);
        assert_eq!(verdicts[0].input(), Some(1));
        let y9 = plan(DType::I64, &[9]);
        let verdicts = checker.check([("X", Input::Plan(&x)), ("y", Input::Plan(&y9))]);
        assert_eq!(
            messages(&verdicts),
            [
                "X: ok",
                "y: dimension `n` on axis 0: expected 10 (bound earlier), found 9"
            ]
        );
        assert_eq!(
            verdicts[1].result().as_ref().unwrap_err().code(),
            "spec.named_dim"
        );
    }

    #[test]
    fn declared_dims_constrain_every_use() {
        let bundle = features_and_labels();
        let (x, y) = (plan(DType::F32, &[2000, 4]), plan(DType::I64, &[2000]));
        let verdicts =
            BundleChecker::new(&bundle).check([("X", Input::Plan(&x)), ("y", Input::Plan(&y))]);
        assert_eq!(
            messages(&verdicts)[0],
            "X: shape mismatch on axis 0: expected 1..=1000, found 2000"
        );
    }

    #[test]
    fn missing_and_unknown_arrays() {
        let bundle = features_and_labels();
        let x = plan(DType::F32, &[10, 4]);
        let verdicts =
            BundleChecker::new(&bundle).check([("z", Input::Plan(&x)), ("X", Input::Plan(&x))]);
        assert_eq!(
            messages(&verdicts),
            [
                "z: unknown array `z`: the spec has no array of that name",
                "X: ok",
                "y: missing array `y`: the spec requires it"
            ]
        );
        assert_eq!(verdicts[2].input(), None);
        assert_eq!(
            verdicts[2].result().as_ref().unwrap_err().code(),
            "spec.missing_array"
        );
    }

    #[test]
    fn npy_and_json_inputs_share_bindings() {
        let bundle = features_and_labels();
        let x = crate::npy::to_vec(
            &crate::Array::from_vec(Shape::new([2, 4]).unwrap(), Order::C, vec![0f32; 8])
                .unwrap()
                .view(),
        )
        .unwrap();
        let checker = BundleChecker::new(&bundle);
        let ok = checker.check([("X", Input::Npy(&x)), ("y", Input::Json(b"[1, 2]"))]);
        assert_eq!(messages(&ok), ["X: ok", "y: ok"]);
        let envelope = br#"{"dtype": "<i8", "shape": [3], "data": [1, 2, 3]}"#;
        let bad = checker.check([("X", Input::Npy(&x)), ("y", Input::Json(envelope))]);
        assert_eq!(
            messages(&bad)[1],
            "y: dimension `n` on axis 0: expected 2 (bound earlier), found 3"
        );
    }
}
