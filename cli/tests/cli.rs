//! Runs the real `arrayguard` binary: exit codes, stdout/stderr separation, report formats and
//! the atomic output of `convert`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use arrayguard::{npy, Array, ArraySpec, ByteOrder, DType, Order, Shape};
use serde_json::Value;
use tempfile::TempDir;

fn arrayguard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_arrayguard"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// Asserts stderr is exactly one diagnostic line naming `code` and `path`.
fn assert_one_error(out: &Output, code: &str, path: &Path) {
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    let prefix = format!("arrayguard: error[{code}]: {}: ", path.display());
    assert!(
        err.starts_with(&prefix),
        "expected `{prefix}...`, stderr: {err}"
    );
    assert!(err.ends_with('\n'));
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temp paths are UTF-8")
}

/// Writes a little-endian C-order f64 array of `dims`, values 0, 1, 2, ...
fn write_f64(dir: &TempDir, name: &str, dims: &[usize]) -> PathBuf {
    let shape = Shape::new(dims.to_vec()).unwrap();
    let data: Vec<f64> = (0..shape.len())
        .map(|i| f64::from(u32::try_from(i).unwrap()))
        .collect();
    let array = Array::from_vec(shape, Order::C, data).unwrap();
    let path = dir.path().join(name);
    npy::write(fs::File::create(&path).unwrap(), &array.view()).unwrap();
    path
}

fn write_bytes(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// A version 1.0 `.npy` file with a hand-written header dict, padded as NumPy pads it.
fn write_npy_raw(dir: &TempDir, name: &str, dict: &str, payload: &[u8]) -> PathBuf {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(payload);
    write_bytes(dir, name, &bytes)
}

/// A `.npy` file whose payload is `extra` bytes longer (or shorter, when negative) than its
/// header declares.
fn f64_with_length_off_by(dir: &TempDir, name: &str, extra: isize) -> PathBuf {
    let path = write_f64(dir, name, &[3]);
    let mut bytes = fs::read(&path).unwrap();
    let len = bytes.len().checked_add_signed(extra).unwrap();
    bytes.resize(len, 0);
    fs::write(&path, bytes).unwrap();
    path
}

/// The names in `dir`, sorted, to check that nothing (not even a temporary file) was left.
fn entries(dir: &TempDir) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---- usage ---------------------------------------------------------------------------------

#[test]
fn help_exits_0_and_documents_exit_codes() {
    let out = arrayguard(&["--help"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for line in [
        "0  ok",
        "1  invalid input",
        "2  usage error",
        "3  spec or config",
        "4  i/o error",
    ] {
        assert!(text.contains(line), "missing `{line}` in help:\n{text}");
    }
    assert_eq!(code(&arrayguard(&["inspect", "--help"])), 0);
    assert_eq!(code(&arrayguard(&["convert", "--help"])), 0);
}

#[test]
fn version_exits_0() {
    let out = arrayguard(&["--version"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).starts_with("arrayguard "));
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    for args in [
        &[][..],
        &["frobnicate"],
        &["inspect"],
        &["inspect", "--format", "xml", "a.npy"],
        &["inspect", "--max-bytes", "lots", "a.npy"],
        &["convert", "in.npy"],
        &["convert", "in.npy", "-o", "out.npy", "--to", "csv"],
    ] {
        let out = arrayguard(args);
        assert_eq!(code(&out), 2, "args {args:?}");
        assert!(out.stdout.is_empty(), "args {args:?}");
        assert!(!out.stderr.is_empty(), "args {args:?}");
    }
}

// ---- inspect -------------------------------------------------------------------------------

#[test]
fn inspect_text_shows_header_facts() {
    let dir = TempDir::new().unwrap();
    let path = write_f64(&dir, "a.npy", &[3, 4]);
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 0);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{}\n", path.display())), "{text}");
    for fact in [
        "format:        npy 1.0",
        "dtype:         f64 (<f8)",
        "shape:         (3, 4)",
        "fortran_order: false",
        "elements:      12",
        "header_len:    118",
        "data_offset:   128",
        "nbytes:        96",
        "file_len:      224 (exact)",
    ] {
        assert!(text.contains(fact), "missing `{fact}` in:\n{text}");
    }
}

#[test]
fn inspect_json_report_shape() {
    let dir = TempDir::new().unwrap();
    let path = write_f64(&dir, "a.npy", &[3, 4]);
    let out = arrayguard(&["inspect", "--format", "json", path_str(&path)]);
    assert_eq!(code(&out), 0);
    assert!(out.stderr.is_empty());
    let report = json(&out);
    assert_eq!(report["version"], 1);
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let f = &files[0];
    assert_eq!(f["path"], path_str(&path));
    assert_eq!(f["ok"], true);
    assert_eq!(f["format"], "npy");
    assert_eq!(f["npy_version"], "1.0");
    assert_eq!(f["descr"], "<f8");
    assert_eq!(f["dtype"], "f64");
    assert_eq!(f["shape"], serde_json::json!([3, 4]));
    assert_eq!(f["fortran_order"], false);
    assert_eq!(f["elements"], 12);
    assert_eq!(f["header_len"], 118);
    assert_eq!(f["data_offset"], 128);
    assert_eq!(f["nbytes"], 96);
    assert_eq!(f["file_len"], 224);
    assert_eq!(f["expected_file_len"], 224);
    assert_eq!(f["file_len_ok"], true);
    assert_eq!(f["length"], "exact");
    assert_eq!(f["missing_bytes"], 0);
    assert_eq!(f["trailing_bytes"], 0);
    assert!(f.get("error").is_none());
}

#[test]
fn inspect_reports_big_endian_fortran_descr_as_written() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("be.npy");
    let array = Array::from_vec(Shape::new([2, 3]).unwrap(), Order::F, vec![0i32; 6]).unwrap();
    npy::write_with_byte_order(
        fs::File::create(&path).unwrap(),
        &array.view(),
        ByteOrder::Big,
    )
    .unwrap();
    let report = json(&arrayguard(&[
        "inspect",
        "--format",
        "json",
        path_str(&path),
    ]));
    assert_eq!(report["files"][0]["descr"], ">i4");
    assert_eq!(report["files"][0]["dtype"], "i32");
    assert_eq!(report["files"][0]["fortran_order"], true);
}

#[test]
fn inspect_truncated_file_reports_facts_and_exits_1() {
    let dir = TempDir::new().unwrap();
    let path = f64_with_length_off_by(&dir, "short.npy", -5);
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("file_len:      147 (truncated by 5 bytes, expected 152)"),
        "{}",
        stdout(&out)
    );
    assert_one_error(&out, "data.truncated", &path);

    let out = arrayguard(&["inspect", "--format", "json", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert!(
        out.stderr.is_empty(),
        "json mode puts errors in the report: {}",
        stderr(&out)
    );
    let f = &json(&out)["files"][0];
    assert_eq!(f["ok"], false);
    assert_eq!(f["length"], "truncated");
    assert_eq!(f["file_len_ok"], false);
    assert_eq!(f["file_len"], 147);
    assert_eq!(f["missing_bytes"], 5);
    assert_eq!(f["error"]["code"], "data.truncated");
    assert_eq!(f["error"]["offset"], 128);
}

#[test]
fn inspect_trailing_data_reports_facts_and_exits_1() {
    let dir = TempDir::new().unwrap();
    let path = f64_with_length_off_by(&dir, "long.npy", 7);
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("file_len:      159 (7 bytes trailing, expected 152)"),
        "{}",
        stdout(&out)
    );
    assert_one_error(&out, "data.trailing", &path);

    let f = &json(&arrayguard(&[
        "inspect",
        "--format",
        "json",
        path_str(&path),
    ]))["files"][0];
    assert_eq!(f["ok"], false);
    assert_eq!(f["length"], "trailing");
    assert_eq!(f["trailing_bytes"], 7);
    assert_eq!(f["error"]["code"], "data.trailing");
    assert_eq!(f["error"]["offset"], 152);
}

/// 14 bytes: magic, version 2.0, a header length of 2^32 - 1, and two bytes of header. NumPy
/// would try to read 4 GiB; the limit refuses the length field.
#[test]
fn inspect_refuses_huge_declared_header_from_14_bytes() {
    let dir = TempDir::new().unwrap();
    let path = write_bytes(&dir, "huge.npy", b"\x93NUMPY\x02\x00\xff\xff\xff\xff{'");
    assert_eq!(fs::metadata(&path).unwrap().len(), 14);
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "npy.header_too_large", &path);
    assert!(stderr(&out).contains("4294967295"), "{}", stderr(&out));

    let out = arrayguard(&["inspect", "--format", "json", path_str(&path)]);
    assert_eq!(code(&out), 1);
    let f = &json(&out)["files"][0];
    assert_eq!(f["ok"], false);
    assert_eq!(f["error"]["code"], "npy.header_too_large");
    assert!(f["error"]["message"]
        .as_str()
        .unwrap()
        .contains("max_header_bytes"));
    assert!(f.get("dtype").is_none(), "no facts without a header: {f}");
}

#[test]
fn inspect_bad_magic_exits_1_with_one_line() {
    let dir = TempDir::new().unwrap();
    let path = write_bytes(&dir, "zip.npy", b"PK\x03\x04 not an npy file");
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "npy.bad_magic", &path);
}

#[test]
fn inspect_hand_written_header_with_duplicate_key_exits_1() {
    let dir = TempDir::new().unwrap();
    let dict = "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
    let path = write_npy_raw(&dir, "dup.npy", dict, &[0; 8]);
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "npy.invalid_header", &path);

    // The same helper with a valid dict gives a valid file, so the error above is the key's.
    let ok = write_npy_raw(
        &dir,
        "ok.npy",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
        &[0; 8],
    );
    assert_eq!(code(&arrayguard(&["inspect", path_str(&ok)])), 0);
}

#[test]
fn inspect_missing_file_exits_4() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("missing.npy");
    let out = arrayguard(&["inspect", path_str(&path)]);
    assert_eq!(code(&out), 4);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "io", &path);
}

#[test]
fn inspect_several_files_reports_all_and_exits_with_the_worst() {
    let dir = TempDir::new().unwrap();
    let good = write_f64(&dir, "good.npy", &[2]);
    let bad = write_bytes(&dir, "bad.npy", b"\x93NUMPY\x09\x00");
    let missing = dir.path().join("missing.npy");

    // Invalid beats ok.
    let out = arrayguard(&["inspect", path_str(&good), path_str(&bad)]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("good.npy"));
    assert_one_error(&out, "npy.unsupported_version", &bad);

    // I/O beats invalid, whatever the order.
    let out = arrayguard(&[
        "inspect",
        path_str(&missing),
        path_str(&good),
        path_str(&bad),
    ]);
    assert_eq!(code(&out), 4);
    assert_eq!(stderr(&out).lines().count(), 2, "{}", stderr(&out));
    assert!(stdout(&out).contains("good.npy"));

    let out = arrayguard(&[
        "inspect",
        "--format",
        "json",
        path_str(&good),
        path_str(&bad),
        path_str(&missing),
    ]);
    assert_eq!(code(&out), 4);
    assert!(out.stderr.is_empty());
    let report = json(&out);
    let files = report["files"].as_array().unwrap();
    let summary: Vec<(&str, bool, Option<&str>)> = files
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["ok"].as_bool().unwrap(),
                f["error"]["code"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (path_str(&good), true, None),
            (path_str(&bad), false, Some("npy.unsupported_version")),
            (path_str(&missing), false, Some("io")),
        ]
    );
}

#[test]
fn inspect_header_limit_flags() {
    let dir = TempDir::new().unwrap();
    let path = write_f64(&dir, "a.npy", &[2, 2]);
    let out = arrayguard(&["inspect", "--max-header-bytes", "64", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "npy.header_too_large", &path);

    let out = arrayguard(&["inspect", "--max-ndim", "1", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "limit.ndim", &path);

    assert_eq!(
        code(&arrayguard(&[
            "inspect",
            "--max-ndim",
            "2",
            path_str(&path)
        ])),
        0
    );
}

/// Size limits apply to what the header declares: the facts are still reported, and the file
/// counts as invalid.
#[test]
fn inspect_size_limit_flags() {
    let dir = TempDir::new().unwrap();
    let path = write_f64(&dir, "a.npy", &[2, 2]);
    let out = arrayguard(&["inspect", "--max-bytes", "31", path_str(&path)]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "limit.bytes", &path);
    assert!(stdout(&out).contains("nbytes:"), "{}", stdout(&out));

    let out = arrayguard(&[
        "inspect",
        "--format",
        "json",
        "--max-elements",
        "3",
        path_str(&path),
    ]);
    assert_eq!(code(&out), 1);
    let report = json(&out);
    assert_eq!(report["files"][0]["ok"], false);
    assert_eq!(report["files"][0]["error"]["code"], "limit.elements");
    assert_eq!(report["files"][0]["nbytes"], 32);

    let out = arrayguard(&[
        "inspect",
        "--max-bytes",
        "32",
        "--max-elements",
        "4",
        path_str(&path),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// A pipe has no length to compare with the header: reported as unknown, not as an error.
#[cfg(target_os = "linux")]
#[test]
fn inspect_of_a_pipe_reports_unknown_length() {
    let dir = TempDir::new().unwrap();
    let bytes = fs::read(write_f64(&dir, "a.npy", &[2])).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_arrayguard"))
        .args(["inspect", "--format", "json", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let f = &json(&out)["files"][0];
    assert_eq!(f["ok"], true);
    assert_eq!(f["length"], "unknown");
    assert_eq!(f["file_len"], Value::Null);
    assert_eq!(f["file_len_ok"], Value::Null);
}

// ---- convert -------------------------------------------------------------------------------

#[test]
fn convert_big_endian_fortran_to_little_endian_c() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("in.npy");
    // Column-major storage of [[0, 1, 2], [10, 11, 12]].
    let data = vec![0.0, 10.0, 1.0, 11.0, 2.0, 12.0f64];
    let array = Array::from_vec(Shape::new([2, 3]).unwrap(), Order::F, data).unwrap();
    npy::write_with_byte_order(
        fs::File::create(&input).unwrap(),
        &array.view(),
        ByteOrder::Big,
    )
    .unwrap();
    let output = dir.path().join("out.npy");

    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.is_empty());

    let bytes = fs::read(&output).unwrap();
    let header = npy::read_header(&bytes[..], &arrayguard::Limits::default()).unwrap();
    assert_eq!(header.descr(), "<f8");
    assert!(!header.fortran_order());
    let back = npy::from_slice::<f64>(&bytes, &ArraySpec::new(DType::F64)).unwrap();
    assert_eq!(back.order(), Order::C);
    assert_eq!(back.shape().dims(), &[2, 3]);
    assert_eq!(back.as_slice(), &[0.0, 1.0, 2.0, 10.0, 11.0, 12.0]);
    for i in 0..2 {
        for j in 0..3 {
            assert_eq!(back.get(&[i, j]), array.get(&[i, j]));
        }
    }
    assert_eq!(
        entries(&dir),
        ["in.npy", "out.npy"],
        "no temporary file left"
    );
}

#[test]
fn convert_to_json_writes_nested_arrays() {
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[2, 3]);
    let output = dir.path().join("out.json");
    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let text = fs::read_to_string(&output).unwrap();
    assert_eq!(text, "[[0.0,1.0,2.0],[3.0,4.0,5.0]]\n");
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value, serde_json::json!([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]));
}

#[test]
fn convert_to_flag_overrides_the_extension() {
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[2]);
    let as_json = dir.path().join("out.txt");
    assert_eq!(
        code(&arrayguard(&[
            "convert",
            path_str(&input),
            "-o",
            path_str(&as_json),
            "--to",
            "json"
        ])),
        0
    );
    assert_eq!(fs::read_to_string(&as_json).unwrap(), "[0.0,1.0]\n");

    let as_npy = dir.path().join("out.json");
    assert_eq!(
        code(&arrayguard(&[
            "convert",
            path_str(&input),
            "-o",
            path_str(&as_npy),
            "--to",
            "npy"
        ])),
        0
    );
    assert!(fs::read(&as_npy).unwrap().starts_with(npy::MAGIC));
}

#[test]
fn convert_to_stdout() {
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[2, 2]);
    let out = arrayguard(&["convert", path_str(&input), "-o", "-"]);
    assert_eq!(code(&out), 0);
    assert!(out.stderr.is_empty());
    let back = npy::from_slice::<f64>(&out.stdout, &ArraySpec::any()).unwrap();
    assert_eq!(back.as_slice(), &[0.0, 1.0, 2.0, 3.0]);

    let out = arrayguard(&["convert", path_str(&input), "-o", "-", "--to", "json"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "[[0.0,1.0],[2.0,3.0]]\n");
    assert_eq!(entries(&dir), ["in.npy"]);
}

#[test]
fn convert_nan_to_json_needs_allow_nan() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("nan.npy");
    let array = Array::from_vec(
        Shape::vector(3).unwrap(),
        Order::C,
        vec![1.0f32, f32::NAN, f32::INFINITY],
    )
    .unwrap();
    npy::write(fs::File::create(&input).unwrap(), &array.view()).unwrap();
    let output = dir.path().join("out.json");

    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "data.not_representable", &input);
    assert!(!output.exists(), "no output file on error");
    assert_eq!(entries(&dir), ["nan.npy"], "no temporary file left");

    let out = arrayguard(&[
        "convert",
        path_str(&input),
        "-o",
        path_str(&output),
        "--allow-nan",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&output).unwrap(), "[1.0,NaN,Infinity]\n");
}

#[test]
fn convert_invalid_input_creates_no_output() {
    let dir = TempDir::new().unwrap();
    let input = f64_with_length_off_by(&dir, "short.npy", -1);
    let output = dir.path().join("out.npy");
    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "data.truncated", &input);
    assert_eq!(entries(&dir), ["short.npy"]);
}

#[test]
fn convert_invalid_input_leaves_existing_output_untouched() {
    let dir = TempDir::new().unwrap();
    let dict = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }";
    let input = write_npy_raw(&dir, "bad.npy", dict, &[0x80, 0x04, 0x95, 0, 0, 0, 0, 0]);
    let output = write_bytes(&dir, "out.json", b"precious");
    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "dtype.pickle_not_allowed", &input);
    assert_eq!(fs::read(&output).unwrap(), b"precious");
    assert_eq!(entries(&dir), ["bad.npy", "out.json"]);
}

#[test]
fn convert_replaces_existing_output_on_success() {
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[1]);
    let output = write_bytes(&dir, "out.json", b"old");
    assert_eq!(
        code(&arrayguard(&[
            "convert",
            path_str(&input),
            "-o",
            path_str(&output)
        ])),
        0
    );
    assert_eq!(fs::read_to_string(&output).unwrap(), "[0.0]\n");
    assert_eq!(entries(&dir), ["in.npy", "out.json"]);
}

#[test]
fn convert_missing_input_exits_4() {
    let dir = TempDir::new().unwrap();
    let input = dir.path().join("missing.npy");
    let output = dir.path().join("out.npy");
    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 4);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "io", &input);
    assert!(!output.exists());
}

#[test]
fn convert_unwritable_output_exits_4() {
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[1]);
    let output = dir.path().join("no_such_dir").join("out.npy");
    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(&output)]);
    assert_eq!(code(&out), 4);
    assert_one_error(&out, "io", &output);

    // The output names a directory: the rename fails and the temporary file is removed.
    let out = arrayguard(&["convert", path_str(&input), "-o", path_str(dir.path())]);
    assert_eq!(code(&out), 4);
    assert_one_error(&out, "io", dir.path());
    assert_eq!(entries(&dir), ["in.npy"]);
}

#[test]
fn convert_limit_flags() {
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[2]); // 16-byte payload
    let output = dir.path().join("out.npy");

    let out = arrayguard(&[
        "convert",
        path_str(&input),
        "-o",
        path_str(&output),
        "--max-bytes",
        "8",
    ]);
    assert_eq!(code(&out), 1);
    assert!(out.stdout.is_empty());
    assert_one_error(&out, "limit.bytes", &input);
    assert!(
        stderr(&out).contains("max_bytes is 8, input needs 16"),
        "{}",
        stderr(&out)
    );
    assert!(!output.exists());

    let out = arrayguard(&[
        "convert",
        path_str(&input),
        "-o",
        path_str(&output),
        "--max-elements",
        "1",
    ]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "limit.elements", &input);

    // Limits are inclusive: exactly 16 bytes and 2 elements pass.
    let args = [
        "--max-bytes",
        "16",
        "--max-elements",
        "2",
        "--max-ndim",
        "1",
        "--max-header-bytes",
        "118",
    ];
    let mut all = vec!["convert", path_str(&input), "-o", path_str(&output)];
    all.extend(args);
    let out = arrayguard(&all);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(output.exists());
}

#[cfg(unix)]
#[test]
fn convert_output_gets_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let input = write_f64(&dir, "in.npy", &[1]);
    let output = dir.path().join("out.npy");
    assert_eq!(
        code(&arrayguard(&[
            "convert",
            path_str(&input),
            "-o",
            path_str(&output)
        ])),
        0
    );
    // Not the owner-only 0o600 of a temporary file: as `File::create` would make it.
    let reference = dir.path().join("reference");
    fs::File::create(&reference).unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&output), mode(&reference));

    // Replacing a file keeps its mode.
    fs::set_permissions(&output, fs::Permissions::from_mode(0o640)).unwrap();
    assert_eq!(
        code(&arrayguard(&[
            "convert",
            path_str(&input),
            "-o",
            path_str(&output)
        ])),
        0
    );
    assert_eq!(mode(&output), 0o640);
}

/// Raw input: a Linux `array('l')` buffer is three i64; the same bytes from Windows are six
/// i32. The platform is never guessed.
#[test]
fn convert_raw_typecode_depends_on_the_platform() {
    let dir = TempDir::new().unwrap();
    let bytes: Vec<u8> = [1i64, -2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
    let input = write_bytes(&dir, "l.bin", &bytes);
    let linux = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--typecode",
        "l",
        "--platform",
        "linux-x86_64",
        path_str(&input),
        "-o",
        "-",
        "--to",
        "json",
    ]);
    assert_eq!(code(&linux), 0, "{}", stderr(&linux));
    assert_eq!(stdout(&linux), "[1,-2,3]\n");
    let windows = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--typecode",
        "l",
        "--platform",
        "windows-x86_64",
        path_str(&input),
        "-o",
        "-",
        "--to",
        "json",
    ]);
    assert_eq!(stdout(&windows), "[1,0,-2,-1,3,0]\n");
    // A typecode without its platform is a usage error.
    let out = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--typecode",
        "l",
        path_str(&input),
        "-o",
        "-",
    ]);
    assert_eq!(code(&out), 2);
}

/// Raw big-endian Fortran-order input with an inferred axis becomes C-order little-endian .npy.
#[test]
fn convert_raw_big_endian_fortran_with_inferred_axis() {
    let dir = TempDir::new().unwrap();
    // Logical [[0, 1, 2], [3, 4, 5]] stored column-major: 0 3 1 4 2 5.
    let bytes: Vec<u8> = [0f32, 3., 1., 4., 2., 5.]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let input = write_bytes(&dir, "f.bin", &bytes);
    let output = dir.path().join("f.npy");
    let out = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--dtype",
        "f32",
        "--byte-order",
        "big",
        "--shape",
        "?,3",
        "--order",
        "F",
        path_str(&input),
        "-o",
        path_str(&output),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let back = arrayguard::npy::from_path::<f32>(&output, &arrayguard::ArraySpec::any()).unwrap();
    assert_eq!(back.shape().dims(), &[2, 3]);
    assert_eq!(back.as_slice(), &[0., 1., 2., 3., 4., 5.]);
}

/// Raw input errors: a bad dtype flag is a usage error (2) naming the flag; a length that does
/// not fit the layout is invalid input (1); layout flags without `--from raw` are refused.
#[test]
fn convert_raw_errors() {
    let dir = TempDir::new().unwrap();
    let input = write_bytes(&dir, "x.bin", &[0u8; 24]);
    let output = dir.path().join("x.npy");
    let out = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--dtype",
        "<x4",
        path_str(&input),
        "-o",
        path_str(&output),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("arrayguard: error[dtype.invalid]: --dtype: "),
        "{}",
        stderr(&out)
    );
    let out = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--dtype",
        "<f4",
        "--shape",
        "4,?",
        path_str(&input),
        "-o",
        path_str(&output),
    ]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "data.length_mismatch", &input);
    let out = arrayguard(&[
        "convert",
        "--from",
        "raw",
        "--dtype",
        "<f4",
        "--shape",
        "",
        path_str(&input),
        "-o",
        path_str(&output),
    ]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "data.trailing", &input);
    let out = arrayguard(&[
        "convert",
        "--dtype",
        "<f4",
        path_str(&input),
        "-o",
        path_str(&output),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("add --from raw"));
    assert!(!output.exists());
}

/// JSON input: nested arrays with --dtype (checked against --shape), or an envelope that names
/// its own dtype and shape; ragged rows and NaN without permission are invalid input.
#[test]
fn convert_json_input() {
    let dir = TempDir::new().unwrap();
    let nested = write_bytes(&dir, "a.json", b"[[0.5, 1, 2], [3, 4, 5]]");
    let out = arrayguard(&[
        "convert",
        "--dtype",
        "f32",
        "--shape",
        "?,3",
        path_str(&nested),
        "-o",
        "-",
        "--to",
        "json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "[[0.5,1.0,2.0],[3.0,4.0,5.0]]\n");

    let out = arrayguard(&[
        "convert",
        "--dtype",
        "f32",
        "--shape",
        "2,4",
        path_str(&nested),
        "-o",
        "-",
    ]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "spec.shape", &nested);

    let ragged = write_bytes(&dir, "r.json", b"[[1, 2], [3]]");
    let out = arrayguard(&["convert", "--dtype", "i8", path_str(&ragged), "-o", "-"]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "json.ragged", &ragged);

    // An envelope: big-endian i16 in base64 ([0, 1, 2, 3] as `>i2`).
    let envelope = write_bytes(
        &dir,
        "e.json",
        br#"{"dtype": ">i2", "shape": [2, 2], "data": "AAAAAQACAAM="}"#,
    );
    let output = dir.path().join("e.npy");
    let out = arrayguard(&["convert", path_str(&envelope), "-o", path_str(&output)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let back = arrayguard::npy::from_path::<i16>(&output, &arrayguard::ArraySpec::any()).unwrap();
    assert_eq!(
        (back.shape().dims(), back.as_slice()),
        (&[2, 2][..], &[0i16, 1, 2, 3][..])
    );

    let nan = write_bytes(&dir, "n.json", b"[1.0, NaN]");
    let out = arrayguard(&[
        "convert",
        "--dtype",
        "f64",
        path_str(&nan),
        "-o",
        "-",
        "--to",
        "json",
    ]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "json.unexpected_token", &nan);
    let out = arrayguard(&[
        "convert",
        "--dtype",
        "f64",
        "--allow-nan",
        path_str(&nan),
        "-o",
        "-",
        "--to",
        "json",
    ]);
    assert_eq!(stdout(&out), "[1.0,NaN]\n");

    let out = arrayguard(&[
        "convert",
        "--max-json-depth",
        "1",
        "--dtype",
        "f32",
        path_str(&nested),
        "-o",
        "-",
    ]);
    assert_eq!(code(&out), 1);
    assert_one_error(&out, "limit.depth", &nested);
}
