//! Spec targets: `spec_json` and `spec_toml` (spec files loaded and written back) and
//! `shape` (the shape shorthand parsed, printed and checked).

use arrayguard::{ArraySpec, Bindings, Fault, ShapeSpec, SpecFile, ValueSpec};

use super::cursor::{encode_dim, Cursor};
use super::{
    peak_at_most, Meter, SLACK, SPEC_ALLOC_BASE, SPEC_ALLOC_FACTOR, SPEC_ALLOC_FACTOR_TOML,
    SPEC_INPUT_CAP,
};

/// `spec_json`: the input as a JSON spec file (inputs over [`SPEC_INPUT_CAP`] or not UTF-8
/// are skipped).
///
/// Oracles: no panic; refusals are configuration errors (`config.invalid_spec`); allocation
/// at most [`SPEC_ALLOC_BASE`] + [`SPEC_ALLOC_FACTOR`] × input; an accepted spec round-trips
/// (see [`spec_round_trip`]).
pub fn spec_json<M: Meter>(data: &[u8], meter: &M) {
    spec_file(data, meter, SpecFile::from_json_str, SPEC_ALLOC_FACTOR);
}

/// `spec_toml`: the input as a TOML spec file; the oracles of [`spec_json`], with
/// [`SPEC_ALLOC_FACTOR_TOML`].
pub fn spec_toml<M: Meter>(data: &[u8], meter: &M) {
    spec_file(data, meter, SpecFile::from_toml_str, SPEC_ALLOC_FACTOR_TOML);
}

fn spec_file<M: Meter>(
    data: &[u8],
    meter: &M,
    load: fn(&str) -> arrayguard::Result<SpecFile>,
    factor: usize,
) {
    if data.len() > SPEC_INPUT_CAP {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (result, peak) = meter.measure(|| load(text));
    let bound = SPEC_ALLOC_BASE + factor * text.len();
    peak_at_most(peak, bound, "loading a spec");
    match result {
        Ok(spec) => spec_round_trip(&spec),
        Err(e) => assert_eq!(e.fault(), Fault::Config, "not a spec error: {e}"),
    }
}

/// The bounds of every array of a spec file.
fn all_values(spec: &SpecFile) -> Vec<&ValueSpec> {
    match (spec.array(), spec.bundle()) {
        (Some(array), _) => vec![array.values()],
        (None, Some(bundle)) => bundle
            .names()
            .filter_map(|name| bundle.array(name))
            .map(ArraySpec::values)
            .collect(),
        (None, None) => Vec::new(),
    }
}

/// A loaded spec writes to JSON and TOML, and each text loads back to an equal spec and
/// writes again to the same text. JSON may refuse only a spec with a non-finite bound
/// (`data.not_representable`).
pub fn spec_round_trip(spec: &SpecFile) {
    let non_finite = all_values(spec).iter().any(|v| {
        let (a, b, c, d) = v.bounds();
        [a, b, c, d].iter().flatten().any(|x| !x.is_finite())
    });
    match spec.to_json_string() {
        Ok(text) => {
            let back = SpecFile::from_json_str(&text)
                .unwrap_or_else(|e| panic!("our JSON does not load: {e}\n{text}"));
            assert_eq!(&back, spec, "JSON round trip changed the spec\n{text}");
            let again = back.to_json_string().expect("an equal spec writes");
            assert_eq!(again, text, "JSON writing is not canonical");
        }
        Err(e) => {
            assert_eq!(e.code(), "data.not_representable", "{e}");
            assert!(non_finite, "JSON refused a spec with finite bounds: {e}");
        }
    }
    let text = spec
        .to_toml_string()
        .unwrap_or_else(|e| panic!("TOML refused a loaded spec: {e}"));
    let back = SpecFile::from_toml_str(&text)
        .unwrap_or_else(|e| panic!("our TOML does not load: {e}\n{text}"));
    assert_eq!(&back, spec, "TOML round trip changed the spec\n{text}");
    let again = back.to_toml_string().expect("an equal spec writes");
    assert_eq!(again, text, "TOML writing is not canonical");
}

/// `shape` input: number of dimensions (mod 9), each a [`Cursor::dim`] (inferred reads as
/// 0), then the shorthand text.
pub fn encode_shape(dims: &[usize], text: &str) -> Vec<u8> {
    let mut out = vec![u8::try_from(dims.len() % 9).unwrap_or(0)];
    dims.iter().for_each(|&d| encode_dim(&mut out, Some(d)));
    out.extend_from_slice(text.as_bytes());
    out
}

/// `shape`: shorthand text through `ShapeSpec::parse`, then `check` on arbitrary dims.
///
/// Oracles: no panic; refusals are `config.invalid_spec`; the parse allocates at most
/// [`SLACK`] + 16 × text; `Display` gives text that parses to the same pattern and prints
/// the same again; `check` accepts exactly the dims whose count is in `ndim_range` and whose
/// sizes satisfy the fixed axes, its errors are spec errors (`spec.ndim` exactly when the
/// count is out of range), and checking the same dims again with the same bindings passes.
pub fn shape<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let n = usize::from(c.u8() % 9);
    let dims: Vec<usize> = (0..n).map(|_| c.dim().unwrap_or(0)).collect();
    let Ok(text) = std::str::from_utf8(c.rest()) else {
        return;
    };
    let (parsed, peak) = meter.measure(|| ShapeSpec::parse(text));
    // Linear in the text: a one-letter named axis is 2 bytes of text but a 40-byte item in a
    // doubling Vec, a name check slot and the name's own allocation (regressions/shape:
    // 1 270 names took 116 KB, over the 16 bytes per byte this bound first allowed).
    peak_at_most(peak, SLACK + 48 * text.len(), "ShapeSpec::parse");
    let spec = match parsed {
        Ok(spec) => spec,
        Err(e) => {
            assert_eq!(e.code(), "config.invalid_spec", "{e}");
            return;
        }
    };
    let shown = spec.to_string();
    let back = ShapeSpec::parse(&shown)
        .unwrap_or_else(|e| panic!("Display of {text:?} gives {shown:?}, which fails: {e}"));
    assert_eq!(back, spec, "{text:?} -> {shown:?} parses differently");
    assert_eq!(back.to_string(), shown, "Display is not a fixpoint");
    let mut bindings = Bindings::new();
    let checked = spec.check(&dims, &mut bindings);
    let (min, max) = spec.ndim_range();
    let ndim_ok = dims.len() >= min && max.is_none_or(|m| dims.len() <= m);
    match &checked {
        Ok(()) => {
            assert!(ndim_ok, "accepted {dims:?} outside ndim {min}..{max:?}");
            if let Some(fixed) = spec.fixed_dims() {
                assert!(fixed.iter().zip(&dims).all(|(d, &n)| d.accepts(n)));
            }
            let again = spec.check(&dims, &mut bindings);
            assert!(
                again.is_ok(),
                "re-check with own bindings failed: {again:?}"
            );
        }
        Err(e) => {
            assert_eq!(e.fault(), Fault::Mismatch, "{e}");
            assert_eq!(e.code() == "spec.ndim", !ndim_ok, "{e}");
        }
    }
}
