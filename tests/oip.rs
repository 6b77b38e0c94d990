//! Inference requests (Open Inference Protocol): bodies built by the real Triton client
//! library for every datatype, shape and encoding, read back with values equal to the NumPy
//! arrays they came from; hostile requests, each refused with its code; and the response
//! encoder and model metadata.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use arrayguard::oip::{self, Datatype, ModelMetadata, Response};
use arrayguard::{
    npy, Array, ArraySpec, BundleSpec, DType, DynArray, Limits, Order, Shape, ShapeSpec, ValueSpec,
};
use common::support::readers::ChunkReader;

fn python() -> String {
    std::env::var("ARRAYGUARD_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// The directory of request bodies written by `tests/data/oip/triton_requests.py`, built once
/// per test run; `None` (with a loud note) only under `ARRAYGUARD_SKIP_NUMPY=1`.
fn triton_requests() -> Option<&'static Path> {
    static DIR: OnceLock<Result<tempfile::TempDir, String>> = OnceLock::new();
    let built = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oip/triton_requests.py");
        let out = Command::new(python())
            .arg(&script)
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", python()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed: {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(dir)
    });
    match built {
        Ok(dir) => Some(dir.path()),
        Err(why) if std::env::var("ARRAYGUARD_SKIP_NUMPY").is_ok_and(|v| v == "1") => {
            let note = format!(
                "\n!!!!!!!! SKIPPED Triton client tests: {why} (ARRAYGUARD_SKIP_NUMPY=1) !!!!!!!!\n"
            );
            let _ = std::io::stderr().write_all(note.as_bytes());
            None
        }
        Err(why) => panic!(
            "the Triton client tests need python3 with numpy, ml-dtypes and tritonclient[http] \
             (scripts/test installs them into .venv): {why}"
        ),
    }
}

fn spec_of(arrays: &[(&str, ArraySpec)]) -> BundleSpec {
    let mut bundle = BundleSpec::new();
    for (name, spec) in arrays {
        bundle = bundle.with_array(name, spec.clone());
    }
    bundle.build().unwrap()
}

fn shape(text: &str) -> ShapeSpec {
    ShapeSpec::parse(text).unwrap()
}

fn expected(path: &Path) -> DynArray {
    npy::ReadOptions::new()
        .read_path::<DynArray>(path, &ArraySpec::any())
        .unwrap()
}

#[test]
fn triton_client_requests_of_every_datatype_read_back_bit_for_bit() {
    let Some(dir) = triton_requests() else { return };
    let mut seen = std::collections::BTreeSet::new();
    let mut cases = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
        if path.extension().is_none_or(|e| e != "body") || name == "multi" {
            continue;
        }
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap()).unwrap();
        let datatype = Datatype::parse(meta["datatype"].as_str().unwrap()).unwrap();
        let header_length = meta["header_length"].as_u64().map(|n| n as usize);
        let body = std::fs::read(&path).unwrap();
        let dtype = datatype.dtype().unwrap();
        let spec = spec_of(&[("x", ArraySpec::new(dtype))]);
        let request = oip::from_slice(&body, header_length, &spec)
            .unwrap_or_else(|e| panic!("{name}: {e} ({})", e.code()));
        assert_eq!(request.id(), Some(name.as_str()));
        let streamed = oip::ReadOptions::new()
            .read_reader(
                ChunkReader::new(&body, vec![7, 1, 0, 64]),
                header_length,
                &spec,
            )
            .unwrap_or_else(|e| panic!("{name} from a reader: {e} ({})", e.code()));
        assert_eq!(
            streamed.inputs()[0].array().to_le_bytes(),
            request.inputs()[0].array().to_le_bytes(),
            "{name}"
        );
        let input = request.input("x").unwrap();
        assert_eq!(input.datatype(), datatype, "{name}");
        let want = expected(&path.with_extension("npy"));
        let got = input.array();
        assert_eq!(got.shape(), want.shape(), "{name}");
        assert_eq!(got.dtype(), dtype, "{name}");
        // Bit for bit (NaN payloads, -0.0, subnormals); bf16 against its uint16 bits.
        assert_eq!(got.to_le_bytes(), want.to_le_bytes(), "{name}");
        seen.insert((datatype.as_str(), name.ends_with("binary")));
        cases += 1;
    }
    // Every datatype but BYTES in binary form, every one but BF16 (which the client sends
    // only as binary) in JSON.
    let refused = std::fs::read_to_string(dir.join("refused.txt")).unwrap();
    assert_eq!(refused.lines().count(), 4, "{refused}");
    assert!(refused
        .lines()
        .all(|l| l.starts_with("BF16_") && l.contains("binary")));
    assert_eq!(seen.len(), 13 * 2 - 1, "{seen:?}");
    assert_eq!(cases, 13 * 4 * 2 - 4);
}

#[test]
fn a_triton_client_request_of_several_inputs_binds_to_a_bundle() {
    let Some(dir) = triton_requests() else { return };
    let body = std::fs::read(dir.join("multi.body")).unwrap();
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("multi.json")).unwrap()).unwrap();
    let header_length = meta["header_length"].as_u64().map(|n| n as usize);
    assert!(header_length.is_some(), "two inputs are binary");
    let spec = BundleSpec::new()
        .with_array(
            "features",
            ArraySpec::new(DType::F32).with_shape_spec(shape("batch 4")),
        )
        .with_array(
            "index",
            ArraySpec::new(DType::I64)
                .with_shape_spec(shape("batch"))
                .with_values(ValueSpec::new().min(0.0)),
        )
        .with_array(
            "mask",
            ArraySpec::new(DType::Bool).with_shape_spec(shape("batch 1")),
        )
        .build()
        .unwrap();
    let request = oip::from_slice(&body, header_length, &spec).unwrap();
    for name in ["features", "index", "mask"] {
        let want = expected(&dir.join(format!("multi_{name}.npy")));
        assert_eq!(request.input(name).unwrap().array(), &want, "{name}");
    }
    assert!(request.wants_binary("features_sum"));
    assert!(!request.wants_binary("index_sum"));
    // The same body against a bundle whose batch is 2: the named dimension disagrees.
    let spec2 = BundleSpec::new()
        .with_array("features", ArraySpec::new(DType::F32).with_shape([2, 4]))
        .with_array("index", ArraySpec::new(DType::I64))
        .with_array("mask", ArraySpec::new(DType::Bool))
        .build()
        .unwrap();
    let err = oip::from_slice(&body, header_length, &spec2).unwrap_err();
    assert_eq!((err.code(), err.array()), ("spec.shape", Some("features")));
}

/// A request body of JSON inputs.
fn json_request(inputs: &str) -> Vec<u8> {
    format!(r#"{{"id": "r1", "inputs": [{inputs}]}}"#).into_bytes()
}

/// The bundle the hostile cases are checked against: features `batch 2` of finite f32, an
/// index `batch` of non-negative i64, a BOOL mask `batch`.
fn hostile_spec() -> BundleSpec {
    BundleSpec::new()
        .with_array(
            "x",
            ArraySpec::new(DType::F32)
                .with_shape_spec(shape("batch 2"))
                .with_values(ValueSpec::new().finite()),
        )
        .with_array(
            "idx",
            ArraySpec::new(DType::I64)
                .with_shape_spec(shape("batch"))
                .with_values(ValueSpec::new().min(0.0)),
        )
        .build()
        .unwrap()
}

const IDX_OK: &str = r#"{"name": "idx", "shape": [2], "datatype": "INT64", "data": [0, 1]}"#;

/// A binary body: the JSON header, then the tensors; with the header's length.
fn binary_request(header: &str, tensors: &[u8]) -> (Vec<u8>, Option<usize>) {
    let mut body = header.as_bytes().to_vec();
    body.extend_from_slice(tensors);
    (body, Some(header.len()))
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A hostile case: what it is, the body, the header length, the code it must get (`ok` for a
/// valid one), and the input the error must name.
type Case = (
    &'static str,
    Vec<u8>,
    Option<usize>,
    &'static str,
    Option<&'static str>,
);

#[test]
fn hostile_requests_are_refused_with_their_codes() {
    let spec = hostile_spec();
    let ok_x = r#"{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2], [3, 4]]}"#;
    let bin_header = |size: usize| {
        format!(
            r#"{{"inputs": [{{"name": "x", "shape": [2, 2], "datatype": "FP32", "parameters": {{"binary_data_size": {size}}}}}, {IDX_OK}]}}"#
        )
    };
    let four = f32_bytes(&[1.0, 2.0, 3.0, 4.0]);
    let mut cases: Vec<Case> = vec![
        (
            "valid JSON",
            json_request(&format!("{ok_x}, {IDX_OK}")),
            None,
            "ok",
            None,
        ),
        (
            "shape and data disagree (the protocol's own BOOL example)",
            json_request(&format!(
                r#"{{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3]}}, {IDX_OK}"#
            )),
            None,
            "oip.data_shape",
            Some("x"),
        ),
        (
            "nested data of another shape",
            json_request(&format!(
                r#"{{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2, 3], [4]]}}, {IDX_OK}"#
            )),
            None,
            "oip.data_shape",
            Some("x"),
        ),
        (
            "duplicate input names",
            json_request(&format!("{ok_x}, {ok_x}, {IDX_OK}")),
            None,
            "oip.duplicate_input",
            Some("x"),
        ),
        (
            "an unknown input",
            json_request(&format!(
                r#"{ok_x}, {IDX_OK}, {{"name": "z", "shape": [1], "datatype": "FP32", "data": [1]}}"#
            )),
            None,
            "spec.unknown_array",
            Some("z"),
        ),
        (
            "a missing input",
            json_request(ok_x),
            None,
            "spec.missing_array",
            Some("idx"),
        ),
        (
            "a negative dimension",
            json_request(&format!(
                r#"{{"name": "x", "shape": [-1, 2], "datatype": "FP32", "data": [1, 2]}}, {IDX_OK}"#
            )),
            None,
            "oip.invalid_request",
            None,
        ),
        (
            "a dimension of 2^64",
            json_request(&format!(
                r#"{{"name": "x", "shape": [18446744073709551616, 2], "datatype": "FP32", "data": [1, 2]}}, {IDX_OK}"#
            )),
            None,
            "shape.overflow",
            None,
        ),
        (
            "dimensions whose product overflows",
            json_request(&format!(
                r#"{{"name": "x", "shape": [4294967296, 4294967296, 2], "datatype": "FP32", "data": [1]}}, {IDX_OK}"#
            )),
            None,
            "shape.overflow",
            Some("x"),
        ),
        (
            "BYTES",
            json_request(&format!(
                r#"{{"name": "x", "shape": [1], "datatype": "BYTES", "data": ["abc"]}}, {IDX_OK}"#
            )),
            None,
            "dtype.unsupported",
            Some("x"),
        ),
        (
            "an unknown datatype",
            json_request(&format!(
                r#"{{"name": "x", "shape": [1], "datatype": "FP128", "data": [1]}}, {IDX_OK}"#
            )),
            None,
            "oip.invalid_request",
            Some("x"),
        ),
        (
            "NaN where the spec forbids it",
            json_request(&format!(
                r#"{{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, NaN, 3, 4]}}, {IDX_OK}"#
            )),
            None,
            "value.nan",
            Some("x"),
        ),
        (
            "a negative index where the spec says min 0",
            json_request(&format!(
                r#"{ok_x}, {{"name": "idx", "shape": [2], "datatype": "INT64", "data": [0, -5]}}"#
            )),
            None,
            "value.below_min",
            Some("idx"),
        ),
        (
            "the batch disagrees across inputs",
            json_request(&format!(
                r#"{ok_x}, {{"name": "idx", "shape": [3], "datatype": "INT64", "data": [0, 1, 2]}}"#
            )),
            None,
            "spec.named_dim",
            Some("idx"),
        ),
        (
            "deep nesting in data",
            json_request(&format!(
                r#"{{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": {}1{}}}, {IDX_OK}"#,
                "[".repeat(100_000),
                "]".repeat(100_000)
            )),
            None,
            // Refused at the `[` that opens a third axis: the data is read no deeper than
            // its declared shape.
            "oip.data_shape",
            Some("x"),
        ),
        (
            "a fraction for an integer",
            json_request(&format!(
                r#"{ok_x}, {{"name": "idx", "shape": [2], "datatype": "INT64", "data": [0, 1.5]}}"#
            )),
            None,
            "json.not_an_integer",
            Some("idx"),
        ),
        (
            "data and binary_data_size both",
            json_request(&format!(
                r#"{{"name": "x", "shape": [2, 2], "datatype": "FP32", "parameters": {{"binary_data_size": 16}}, "data": [1, 2, 3, 4]}}, {IDX_OK}"#
            )),
            None,
            "oip.invalid_request",
            Some("x"),
        ),
        (
            "not JSON",
            b"{\"inputs\": [".to_vec(),
            None,
            "oip.invalid_request",
            None,
        ),
        (
            "not an object",
            b"[1, 2]".to_vec(),
            None,
            "oip.invalid_request",
            None,
        ),
        (
            "an unknown key",
            br#"{"inputs": [], "input": []}"#.to_vec(),
            None,
            "oip.invalid_request",
            None,
        ),
    ];
    let (body, len) = binary_request(&bin_header(16), &four);
    cases.push(("valid binary", body, len, "ok", None));
    let (body, len) = binary_request(&bin_header(12), &four[..12]);
    cases.push((
        "a binary_data_size that lies",
        body,
        len,
        "oip.binary_size",
        Some("x"),
    ));
    let (body, len) = binary_request(&bin_header(16), &four[..12]);
    cases.push((
        "binary sizes past the body",
        body,
        len,
        "data.truncated",
        Some("x"),
    ));
    let (body, len) = binary_request(&bin_header(16), &[four.as_slice(), &[0; 4]].concat());
    cases.push((
        "bytes after the last tensor",
        body,
        len,
        "data.trailing",
        None,
    ));
    let (body, _) = binary_request(&bin_header(16), &four);
    cases.push((
        "a header length past the body",
        body.clone(),
        Some(body.len() + 1),
        "oip.invalid_request",
        None,
    ));
    let nan_ok = BundleSpec::new()
        .with_array("x", ArraySpec::new(DType::F32))
        .build()
        .unwrap();
    let one = |data: &str| {
        json_request(&format!(
            r#"{{"name": "x", "shape": [3], "datatype": "FP32", "data": {data}}}"#
        ))
    };
    // As Python's `json` (and so the Triton client) writes them.
    let request = oip::from_slice(&one("[NaN, Infinity, -Infinity]"), None, &nan_ok).unwrap();
    let x = request
        .input("x")
        .unwrap()
        .array()
        .as_typed::<f32>()
        .unwrap()
        .as_slice()
        .to_vec();
    assert!(x[0].is_nan() && x[1] == f32::INFINITY && x[2] == f32::NEG_INFINITY);
    let masked_in_string = br#"{"id": "NaN Infinity", "inputs": [{"name": "x", "shape": [1], "datatype": "FP32", "data": [NaN]}]}"#;
    let request = oip::from_slice(masked_in_string, None, &nan_ok).unwrap();
    assert_eq!(request.id(), Some("NaN Infinity"));
    assert_eq!(
        oip::from_slice(&one("[1, 2, NaNa]"), None, &nan_ok)
            .unwrap_err()
            .code(),
        "oip.invalid_request"
    );
    let (body, len) = binary_request(&bin_header(16), &f32_bytes(&[1.0, f32::NAN, 3.0, 4.0]));
    cases.push((
        "a binary NaN where the spec forbids it",
        body,
        len,
        "value.nan",
        Some("x"),
    ));
    let mut failures = Vec::new();
    for (what, body, len, code, array) in &cases {
        let outcome = |r: arrayguard::Result<oip::Request>| match r {
            Ok(_) => ("ok".to_owned(), None),
            Err(e) => (e.code().to_owned(), e.array().map(str::to_owned)),
        };
        let got = outcome(oip::from_slice(body, *len, &spec));
        if got.0 != *code || (*code != "ok" && got.1.as_deref() != *array) {
            failures.push(format!("{what}: expected {code} in {array:?}, got {got:?}"));
        }
        // From a reader, one to a few bytes at a time: the same code. (A binary size past
        // the body is found while reading there, in the input that runs out; bytes after
        // the last tensor are no input's.)
        let reader = ChunkReader::new(body, vec![1, 3, 0, 2]);
        let streamed = outcome(oip::ReadOptions::new().read_reader(reader, *len, &spec));
        if streamed.0 != got.0 {
            failures.push(format!(
                "{what}: from a reader {streamed:?}, from a slice {got:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// From a reader, a request refused by its JSON header is refused before a tensor byte is
/// read, and a valid one reads each tensor straight into its array.
#[test]
fn readers_are_read_no_further_than_needed() {
    let spec = spec_of(&[("x", ArraySpec::new(DType::F32).with_shape([2]))]);
    let header = r#"{"inputs": [{"name": "x", "shape": [3], "datatype": "FP32", "parameters": {"binary_data_size": 12}}]}"#;
    let mut body = header.as_bytes().to_vec();
    body.extend_from_slice(&[0; 12]);
    let mut reader: &[u8] = &body;
    let err = oip::ReadOptions::new()
        .read_reader(&mut reader, Some(header.len()), &spec)
        .unwrap_err();
    assert_eq!(err.code(), "spec.shape");
    assert_eq!(reader.len(), 12, "no tensor byte was read");
    let ok = header.replace("[3]", "[2]").replace("12", "8");
    let mut body = ok.as_bytes().to_vec();
    body.extend_from_slice(&f32_bytes(&[1.5, -2.0]));
    let request = oip::ReadOptions::new()
        .read_reader(&body[..], Some(ok.len()), &spec)
        .unwrap();
    let x = request
        .input("x")
        .unwrap()
        .array()
        .as_typed::<f32>()
        .unwrap();
    assert_eq!(x.as_slice(), &[1.5, -2.0]);
    // Without a header length the whole body is JSON, read within max_input_bytes.
    let mut limits = Limits::default();
    limits.max_input_bytes = 40;
    let json = json_request(r#"{"name": "x", "shape": [2], "datatype": "FP32", "data": [1, 2]}"#);
    let err = oip::ReadOptions::new()
        .limits(limits)
        .read_reader(&json[..], None, &spec)
        .unwrap_err();
    assert_eq!(err.code(), "limit.input_bytes");
}

#[test]
fn bool_bytes_other_than_zero_and_one_are_refused() {
    let spec = spec_of(&[("m", ArraySpec::new(DType::Bool))]);
    let header = r#"{"inputs": [{"name": "m", "shape": [3], "datatype": "BOOL", "parameters": {"binary_data_size": 3}}]}"#;
    let (body, len) = binary_request(header, &[0, 1, 2]);
    let err = oip::from_slice(&body, len, &spec).unwrap_err();
    assert_eq!(err.code(), "data.invalid_bool");
    // At the byte of the body that holds it.
    assert_eq!(err.offset(), Some(header.len() as u64 + 2));
}

#[test]
fn a_million_inputs_stop_at_the_first_one_past_the_limit() {
    let spec = spec_of(&[("x", ArraySpec::new(DType::F32))]);
    let one = r#"{"name": "x", "shape": [1], "datatype": "FP32", "data": [1]}"#;
    let body = json_request(&vec![one; 1_000_000].join(","));
    // The second input is a duplicate: refused there, whatever follows.
    let err = oip::from_slice(&body, None, &spec).unwrap_err();
    assert_eq!(err.code(), "oip.duplicate_input");
    // Distinct names stop at the limit on inputs (the bundle's names checked first).
    let many: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"name": "x{i}", "shape": [1], "datatype": "FP32", "data": [1]}}"#))
        .collect();
    let mut bundle = BundleSpec::new();
    for i in 0..100 {
        bundle = bundle.with_array(&format!("x{i}"), ArraySpec::new(DType::F32));
    }
    let bundle = bundle.build().unwrap();
    let mut limits = Limits::default();
    limits.max_members = 10;
    let err = oip::ReadOptions::new()
        .limits(limits)
        .read(&json_request(&many.join(",")), None, &bundle)
        .unwrap_err();
    assert_eq!(err.code(), "limit.members");
}

#[test]
fn limits_apply_per_input_and_to_the_whole_request() {
    let spec = spec_of(&[
        ("a", ArraySpec::new(DType::F64)),
        ("b", ArraySpec::new(DType::F64)),
    ]);
    let header = r#"{"inputs": [{"name": "a", "shape": [1000], "datatype": "FP64", "parameters": {"binary_data_size": 8000}}, {"name": "b", "shape": [1000], "datatype": "FP64", "parameters": {"binary_data_size": 8000}}]}"#;
    let (body, len) = binary_request(header, &[0u8; 16000]);
    let mut limits = Limits::default();
    limits.max_bytes = 7999;
    let read = |limits: &Limits| {
        oip::ReadOptions::new()
            .limits(limits.clone())
            .read(&body, len, &spec)
    };
    assert_eq!(read(&limits).unwrap_err().code(), "limit.bytes");
    let mut limits = Limits::default();
    limits.max_archive_bytes = 15999;
    let err = read(&limits).unwrap_err();
    assert_eq!(
        (err.code(), err.array()),
        ("limit.archive_bytes", Some("b"))
    );
    let mut limits = Limits::default();
    limits.max_input_bytes = 100;
    assert_eq!(read(&limits).unwrap_err().code(), "limit.input_bytes");
    assert!(read(&Limits::default()).is_ok());
}

#[test]
fn json_errors_in_data_carry_their_place_in_the_body() {
    let spec = spec_of(&[("x", ArraySpec::new(DType::I32))]);
    let body = b"{\"inputs\": [\n  {\"name\": \"x\", \"shape\": [3], \"datatype\": \"INT32\",\n   \"data\": [1, 2, 3.5]}]}";
    let err = oip::from_slice(body, None, &spec).unwrap_err();
    assert_eq!(err.code(), "json.not_an_integer");
    let position = err.json_position().unwrap();
    assert_eq!((position.line(), position.column()), (Some(3), Some(19)));
    assert_eq!(&body[position.offset().unwrap() as usize..][..3], b"3.5");
}

#[test]
fn flat_and_nested_data_give_the_same_array() {
    let spec = spec_of(&[("x", ArraySpec::new(DType::U8))]);
    let read = |data: &str, shape: &str| {
        let body = json_request(&format!(
            r#"{{"name": "x", "shape": {shape}, "datatype": "UINT8", "data": {data}}}"#
        ));
        oip::from_slice(&body, None, &spec).map(|r| r.into_arrays().remove(0).1)
    };
    let flat = read("[1, 2, 3, 4, 5, 6]", "[2, 3]").unwrap();
    let nested = read("[[1, 2, 3], [4, 5, 6]]", "[2, 3]").unwrap();
    assert_eq!(flat, nested);
    assert_eq!(flat.shape().dims(), &[2, 3]);
    assert_eq!(read("7", "[]").unwrap().shape().dims(), &[] as &[usize]);
    assert_eq!(read("[7]", "[]").unwrap().shape().dims(), &[] as &[usize]);
    assert_eq!(read("[]", "[0, 3]").unwrap().shape().dims(), &[0, 3]);
    assert_eq!(
        read("[[1, 2], [3, 4], [5, 6]]", "[2, 3]")
            .unwrap_err()
            .code(),
        "oip.data_shape"
    );
}

#[test]
fn responses_encode_json_and_binary_outputs() {
    let spec = spec_of(&[("x", ArraySpec::new(DType::F32))]);
    let body = br#"{"id": "7", "inputs": [{"name": "x", "shape": [2], "datatype": "FP32", "data": [1, 2]}], "outputs": [{"name": "bin", "parameters": {"binary_data": true}}, {"name": "text"}]}"#;
    let request = oip::from_slice(body, None, &spec).unwrap();
    let sum = Array::from_vec(Shape::new([1, 2]).unwrap(), Order::C, vec![3.0f64, -0.0]).unwrap();
    let flags = Array::from_vec(Shape::vector(2).unwrap(), Order::C, vec![true, false]).unwrap();
    let encoded = Response::new("m")
        .id(request.id())
        .output_for(&request, "bin", sum.clone().into())
        .output_for(&request, "text", flags.into())
        .encode()
        .unwrap();
    let n = encoded.header_length().unwrap();
    let (json, binary) = encoded.body().split_at(n);
    assert_eq!(
        std::str::from_utf8(json).unwrap(),
        r#"{"model_name":"m","id":"7","outputs":[{"name":"bin","datatype":"FP64","shape":[1,2],"parameters":{"binary_data_size":16}},{"name":"text","datatype":"BOOL","shape":[2],"data":[true,false]}]}"#
    );
    assert_eq!(binary, DynArray::from(sum).to_le_bytes());
    // A response reads back as a request of the same tensors (the same wire format).
    let as_request = String::from_utf8(json.to_vec())
        .unwrap()
        .replace(r#""model_name":"m","#, "")
        .replace("outputs", "inputs");
    let mut body = as_request.into_bytes();
    let header_length = body.len();
    body.extend_from_slice(binary);
    let spec = spec_of(&[
        ("bin", ArraySpec::new(DType::F64)),
        ("text", ArraySpec::new(DType::Bool)),
    ]);
    let back = oip::from_slice(&body, Some(header_length), &spec).unwrap();
    assert_eq!(back.input("bin").unwrap().array().to_le_bytes(), binary);
    // Complex arrays have no datatype.
    let c = Array::from_vec(
        Shape::vector(1).unwrap(),
        Order::C,
        vec![arrayguard::Complex32::new(1.0, 2.0)],
    )
    .unwrap();
    let err = Response::new("m")
        .output("c", c.into(), false)
        .encode()
        .unwrap_err();
    assert_eq!(err.code(), "dtype.unsupported");
}

#[test]
fn model_metadata_round_trips_through_a_bundle_spec() {
    let text = br#"{"name": "resnet", "versions": ["1"], "platform": "onnxruntime_onnx",
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, 3, 224, 224]},
                   {"name": "scale", "datatype": "BF16", "shape": [1]}],
        "outputs": [{"name": "logits", "datatype": "FP32", "shape": [-1, 1000]}]}"#;
    let metadata = ModelMetadata::from_json(text).unwrap();
    let spec = metadata.bundle_spec().unwrap();
    let back = ModelMetadata::from_bundle("resnet", &spec).unwrap();
    assert_eq!(back.inputs, metadata.inputs);
    let bad = br#"{"name": "m", "inputs": [{"name": "s", "datatype": "BYTES", "shape": [1]}]}"#;
    let err = ModelMetadata::from_json(bad)
        .unwrap()
        .bundle_spec()
        .unwrap_err();
    assert_eq!(err.code(), "config.invalid_spec");
    // A request the metadata's spec refuses: a wrong channel count.
    let header = r#"{"inputs": [{"name": "input", "shape": [1, 4, 224, 224], "datatype": "FP32", "parameters": {"binary_data_size": 802816}}, {"name": "scale", "shape": [1], "datatype": "BF16", "data": [0.5]}]}"#;
    let (body, len) = binary_request(header, &vec![0; 802816]);
    let err = oip::from_slice(&body, len, &spec).unwrap_err();
    assert_eq!((err.code(), err.array()), ("spec.shape", Some("input")));
    let ok = header
        .replace("1, 4, 224", "2, 3, 224")
        .replace("802816", "1204224");
    let (body, len) = binary_request(&ok, &vec![0; 1204224]);
    let request = oip::from_slice(&body, len, &spec).unwrap();
    let scale = request
        .input("scale")
        .unwrap()
        .array()
        .as_typed::<arrayguard::bf16>()
        .unwrap();
    assert_eq!(scale.as_slice(), &[arrayguard::bf16::from_f32(0.5)]);
}

#[test]
fn header_lengths_parse_strictly() {
    assert_eq!(oip::parse_header_length(b"153").unwrap(), 153);
    for bad in [
        &b""[..],
        b"-1",
        b"1e3",
        b"0x10",
        b"99999999999999999999999",
        b"12 3",
    ] {
        assert_eq!(
            oip::parse_header_length(bad).unwrap_err().code(),
            "oip.invalid_request"
        );
    }
}
