//! `BundleChecker` and `Input` on what real producers write: the example bundle
//! (`examples/data/*.npy`, written by NumPy's `numpy.save`) against its spec file, with JSON
//! inputs written by Python's `json.dumps`, and every JSON fixture of `tests/data/json/`
//! (written by `generate.py`) through `Input::Path`, which tells envelopes from nested arrays
//! by itself.
//!
//! Needs `python3` with NumPy, as the differential tests do (`ARRAYGUARD_PYTHON` picks
//! another interpreter).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use arrayguard::{ArraySpec, BundleChecker, BundleSpec, DType, Input, Limits, SpecFile, Verdict};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bundle(spec: &str) -> BundleSpec {
    match SpecFile::from_path(root().join(spec)).unwrap() {
        SpecFile::Bundle(bundle) => bundle,
        other => panic!("{spec} is not a bundle: {other:?}"),
    }
}

/// `array: ok` or `array: code: message` per verdict.
fn summary(verdicts: &[Verdict]) -> Vec<String> {
    verdicts
        .iter()
        .map(|v| match v.result() {
            Ok(_) => format!("{}: ok", v.array()),
            Err(e) => format!("{}: {}: {e}", v.array(), e.code()),
        })
        .collect()
}

/// Runs Python code with `examples/data` as the working directory; returns its stdout.
fn python(code: &str) -> String {
    let python = std::env::var("ARRAYGUARD_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = Command::new(&python)
        .args(["-c", code])
        .current_dir(root().join("examples/data"))
        .output()
        .unwrap_or_else(|e| panic!("these tests need `{python}` with NumPy: {e}"));
    assert!(
        out.status.success(),
        "{python} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn numpy_files_and_python_json_bind_to_the_example_bundle() {
    let bundle = bundle("examples/specs/features.toml");
    let data = root().join("examples/data");
    let (features, labels) = (data.join("features.npy"), data.join("labels.npy"));
    let checker = BundleChecker::new(&bundle);

    let verdicts = checker.check([
        ("labels", Input::Path(&labels)),
        ("features", Input::Path(&features)),
    ]);
    assert_eq!(summary(&verdicts), ["features: ok", "labels: ok"]);
    assert_eq!(verdicts[0].input(), Some(1));
    let rows = verdicts[0].result().as_ref().unwrap().shape().dims()[0];

    // The labels as Python's json writes them: nested (the spec's one dtype is not one
    // dtype here, so only an envelope can carry them) and as an envelope with base64 data.
    let nested = python("import json, numpy; print(json.dumps(numpy.load('labels.npy').tolist()))");
    let envelope = python(
        "import base64, json, numpy; a = numpy.load('labels.npy'); \
         print(json.dumps({'dtype': a.dtype.str, 'shape': list(a.shape), \
         'data': base64.b64encode(a.tobytes()).decode()}))",
    );
    let short = python(
        "import json, numpy; a = numpy.load('labels.npy')[:-1]; \
         print(json.dumps({'dtype': a.dtype.str, 'shape': list(a.shape), 'data': a.tolist()}))",
    );
    let verdicts = checker.check([
        ("features", Input::Path(&features)),
        ("labels", Input::Json(envelope.as_bytes())),
    ]);
    assert_eq!(summary(&verdicts), ["features: ok", "labels: ok"]);

    let verdicts = checker.check([
        ("features", Input::Path(&features)),
        ("labels", Input::Json(nested.as_bytes())),
    ]);
    assert_eq!(
        verdicts[1].result().as_ref().unwrap_err().code(),
        "config.invalid_spec"
    );

    let verdicts = checker.check([
        ("features", Input::Path(&features)),
        ("labels", Input::Json(short.as_bytes())),
    ]);
    assert_eq!(
        summary(&verdicts)[1],
        format!(
            "labels: spec.named_dim: dimension `n` on axis 0: expected {rows} (bound earlier), found {}",
            rows - 1
        )
    );
    assert_eq!(
        verdicts[1].result().as_ref().unwrap_err().array(),
        Some("labels")
    );

    // Missing, unknown and swapped inputs.
    let verdicts = checker.check([
        ("extra", Input::Path(&labels)),
        ("features", Input::Path(&labels)),
    ]);
    let codes: Vec<(&str, &str)> = verdicts
        .iter()
        .map(|v| {
            (
                v.array(),
                v.result().as_ref().map_or_else(|e| e.code(), |_| "ok"),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("extra", "spec.unknown_array"),
            ("features", "spec.dtype"),
            ("labels", "spec.missing_array")
        ]
    );
}

#[test]
fn every_json_fixture_checks_as_it_reads() {
    let dir = root().join("tests/data/json");
    let expected = common::fixtures::read_expected(&dir);
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (name, fields) in &expected {
        let path: &Path = &dir.join(name);
        let envelope = fields.get("form").is_some_and(|f| f == "envelope");
        let allow_nan = fields.get("allow_nan").is_some_and(|a| a == "1");
        let text = std::fs::read(path).unwrap();
        let object = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if allow_nan || !(envelope || name.starts_with("ok_")) || envelope != object {
            // `Input` reads with the defaults: no NaN tokens; nested bad_* fixtures need the
            // dtype of their row, and envelope fixtures that are not objects are nested
            // arrays to `Input`, which tells the forms apart by the first byte:
            // `tests/json.rs` covers them with the form named.
            continue;
        }
        // Nested arrays carry no dtype: the spec names the fixture's.
        let spec = match fields.get("dtype") {
            Some(dtype) if !envelope => ArraySpec::new(dtype.parse::<DType>().unwrap()),
            _ => ArraySpec::any(),
        };
        checked += 1;
        let found = match Input::Path(path).check(&spec, &Limits::default()) {
            Ok(plan) => format!("shape={}", plan.shape()).replace(' ', ""),
            Err(e) => e.code().to_string(),
        };
        let want = match fields.get("code") {
            Some(code) => code.clone(),
            None => format!("shape={}", fields["shape"]),
        };
        if found != want {
            wrong.push(format!("{name}: {found} instead of {want}"));
        }
    }
    assert!(checked > 40, "only {checked} fixtures checked");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
