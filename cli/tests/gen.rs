//! `arrayguard gen` end to end, for every format: the corpus is deterministic and
//! all-or-nothing; every valid file passes `arrayguard check` and is read by NumPy
//! (`numpy.load`, or `numpy.frombuffer` / the envelope for raw and JSON) with the values
//! arrayguard reads; every near miss is refused with exactly the manifest's code; the hostile
//! files get theirs.
//!
//! Needs `python3` with NumPy (`ARRAYGUARD_PYTHON` picks another interpreter, as for the
//! library's differential tests); its absence is a failure.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrayguard::raw::Layout;
use arrayguard::{ArraySpec, DynArray, SpecFile};
use common::{arrayguard, code, json, p, stderr, stdout};
use serde_json::Value;
use tempfile::TempDir;

/// Every dtype, ranged and variadic dims, a byte order, value bounds with NaN allowed.
const BROAD: &str = r#"version = 1
[array]
shape = "*b n:0..=3 2"
[array.values]
min = -100.0
max = 1e300
nan = true
inf = false
"#;

/// Few dtypes, one order and byte order, a closed range, finite values.
const NARROW: &str = r#"version = 1
[array]
dtype = ["f32", "i16", "bool", "complex64"]
shape = "n:1..=4 3"
byte_order = "big"
order = "F"
[array.values]
min = 0.0
max = 1.0
finite = true
"#;

const BUNDLE: &str = r#"version = 1
[dims]
n = { min = 1, max = 6 }
[arrays.X]
dtype = ["f32", "f64"]
shape = "n 4"
[arrays.X.values]
finite = true
[arrays.y]
dtype = "i64"
shape = "n"
[arrays.y.values]
enum = [0, 1, 2]
"#;

fn write_spec(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

fn gen(spec: &Path, format: &str, out: &Path, seed: &str) -> std::process::Output {
    arrayguard(&[
        "gen",
        "--spec",
        p(spec),
        "--valid",
        "12",
        "--invalid",
        "24",
        "--format",
        format,
        "--seed",
        seed,
        "-o",
        p(out),
    ])
}

fn manifest(dir: &Path) -> Vec<Value> {
    let text = fs::read_to_string(dir.join("manifest.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.push((path.strip_prefix(dir).unwrap().to_path_buf(), bytes));
            }
        }
    }
    out.sort();
    out
}

/// The error codes `arrayguard check --spec` reports for `files`, one set per file.
fn check_codes(spec: &Path, files: &[PathBuf]) -> (i32, BTreeSet<String>) {
    let mut args = vec!["check", "--spec", p(spec), "--format", "json"];
    args.extend(files.iter().map(|f| p(f)));
    let out = arrayguard(&args);
    let report = json(&out);
    let codes = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["errors"].as_array().unwrap().clone())
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect();
    (code(&out), codes)
}

/// The paths one manifest entry stands for (a directory's files for a bundle sample).
fn paths(dir: &Path, entry: &Value) -> Vec<PathBuf> {
    let path = dir.join(entry["file"].as_str().unwrap());
    if path.is_dir() {
        let mut files: Vec<PathBuf> = fs::read_dir(&path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    } else {
        vec![path]
    }
}

fn python() -> String {
    std::env::var("ARRAYGUARD_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Compares every valid file of a corpus, read by NumPy, with arrayguard's C-order `.npy`
/// conversion of it (`conv/<file>[.<member>].npy`): same dtype (byte order aside), shape and
/// bytes.
const COMPARE: &str = r#"
import base64, json, os, sys
import numpy as np

corpus, fmt, conv = sys.argv[1:4]

def canon(a):
    a = np.asarray(a)
    return a.dtype.kind + str(a.dtype.itemsize), a.shape, np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()

def from_envelope(env):
    dtype = np.dtype(env["dtype"])
    shape = tuple(env["shape"])
    order = env.get("order", "C")
    data = env["data"]
    if isinstance(data, str):
        return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape(shape, order=order)
    if int(np.prod(shape)) == 0:
        return np.zeros(shape, dtype=dtype)
    if dtype.kind == "c":
        parts = np.array(data, dtype="<f%d" % (dtype.itemsize // 2))
        out = np.empty(parts.shape[:-1], dtype=dtype)
        out.real = parts[..., 0]
        out.imag = parts[..., 1]
        values = out
    else:
        values = np.array(data, dtype=dtype)
    if values.shape != shape:
        values = values.reshape(shape, order=order)
    return values

checked = 0
for entry in json.load(open(os.path.join(corpus, "manifest.json"))):
    if not entry["valid"]:
        continue
    path = os.path.join(corpus, entry["file"])
    name = entry["file"]
    if fmt == "npy":
        pairs = [(np.load(path), name)]
    elif fmt == "npz":
        with np.load(path) as z:
            pairs = [(z[k], name + "." + k) for k in z.files]
    elif fmt == "raw":
        lay = entry["layout"]
        raw = open(path, "rb").read()
        pairs = [(np.frombuffer(raw, dtype=np.dtype(lay["dtype"])).reshape(lay["shape"], order=lay["order"]), name)]
    else:
        pairs = [(from_envelope(json.load(open(path))), name)]
    for ours, key in pairs:
        theirs = np.load(os.path.join(conv, key + ".npy"))
        a, b = canon(ours), canon(theirs)
        assert a == b, (key, a[:2], b[:2])
        checked += 1
print(checked)
"#;

/// Converts every valid file (each member of an archive) to `conv/` with `arrayguard convert`.
fn convert_valid(dir: &Path, format: &str, conv: &Path, entries: &[Value]) {
    fs::create_dir_all(conv).unwrap();
    for e in entries.iter().filter(|e| e["valid"] == true) {
        let name = e["file"].as_str().unwrap();
        let input = dir.join(name);
        let mut jobs: Vec<(Vec<String>, String)> = Vec::new();
        match format {
            "npz" => {
                let archive = arrayguard::npz::open_path(&input).unwrap();
                for m in archive.members() {
                    jobs.push((
                        vec!["--member".into(), m.array().into()],
                        format!("{name}.{}", m.array()),
                    ));
                }
            }
            "raw" => {
                let lay = &e["layout"];
                let shape: Vec<String> = lay["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.to_string())
                    .collect();
                jobs.push((
                    vec![
                        "--from".into(),
                        "raw".into(),
                        "--dtype".into(),
                        lay["dtype"].as_str().unwrap().into(),
                        format!("--shape={}", shape.join(",")),
                        "--order".into(),
                        lay["order"].as_str().unwrap().into(),
                    ],
                    name.to_string(),
                ));
            }
            _ => jobs.push((Vec::new(), name.to_string())),
        }
        for (flags, key) in jobs {
            let target = conv.join(format!("{key}.npy"));
            let mut args = vec!["convert", p(&input), "-o", p(&target), "--to", "npy"];
            args.extend(flags.iter().map(String::as_str));
            let out = arrayguard(&args);
            assert_eq!(code(&out), 0, "{key}: {}", stderr(&out));
        }
    }
}

fn numpy_compare(dir: &Path, format: &str, conv: &Path) -> usize {
    let out = Command::new(python())
        .args(["-c", COMPARE, p(dir), format, p(conv)])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{} cannot run: {e}; this test needs python3 with NumPy",
                python()
            )
        });
    assert!(
        out.status.success(),
        "NumPy disagrees ({format}): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// For raw buffers, which `check` does not read: the library with the manifest's layout.
fn raw_code(spec: &ArraySpec, dir: &Path, entry: &Value) -> Option<String> {
    let lay = &entry["layout"];
    let dims: Vec<usize> = lay["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let order = match lay["order"].as_str().unwrap() {
        "F" => arrayguard::Order::F,
        _ => arrayguard::Order::C,
    };
    let layout = Layout::from_typestr(lay["dtype"].as_str().unwrap())
        .unwrap()
        .with_shape(dims)
        .unwrap()
        .with_order(order);
    let bytes = fs::read(dir.join(entry["file"].as_str().unwrap())).unwrap();
    arrayguard::raw::ReadOptions::new()
        .read_slice::<DynArray>(&bytes, &layout, spec)
        .err()
        .map(|e| e.code().to_string())
}

fn end_to_end(spec_text: &str, format: &str, bundle: bool) {
    let tmp = TempDir::new().unwrap();
    let spec = write_spec(tmp.path(), "spec.toml", spec_text);
    let dir = tmp.path().join("corpus");
    let out = gen(&spec, format, &dir, "7");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("12 valid and 24 invalid"),
        "{}",
        stdout(&out)
    );

    // Deterministic: the same arguments give the same bytes.
    let again = tmp.path().join("again");
    assert_eq!(code(&gen(&spec, format, &again, "7")), 0);
    assert_eq!(tree(&dir), tree(&again));
    let other = tmp.path().join("other");
    assert_eq!(code(&gen(&spec, format, &other, "8")), 0);
    assert_ne!(tree(&dir), tree(&other));

    let entries = manifest(&dir);
    assert_eq!(entries.len(), 36);
    assert_eq!(entries.iter().filter(|e| e["valid"] == true).count(), 12);
    let array_spec = match SpecFile::from_path(&spec).unwrap() {
        SpecFile::Array(s) => Some(s),
        _ => None,
    };
    let mut codes_seen = BTreeSet::new();
    for e in &entries {
        let expected = e["code"].as_str();
        assert_eq!(e["valid"] == true, expected.is_none(), "{e}");
        if format == "raw" {
            let got = raw_code(array_spec.as_ref().unwrap(), &dir, e);
            assert_eq!(got.as_deref(), expected, "{e}");
        } else {
            let (status, codes) = check_codes(&spec, &paths(&dir, e));
            match expected {
                None => assert!(status == 0 && codes.is_empty(), "{e}: {codes:?}"),
                Some(c) => {
                    assert_eq!(status, 1, "{e}");
                    assert_eq!(codes, BTreeSet::from([c.to_string()]), "{e}");
                }
            }
        }
        if let Some(c) = expected {
            codes_seen.insert(c.to_string());
        }
    }
    // Near misses of several kinds, not one repeated.
    assert!(codes_seen.len() >= 4, "{codes_seen:?}");
    if !bundle {
        let conv = tmp.path().join("conv");
        convert_valid(&dir, format, &conv, &entries);
        let compared = numpy_compare(&dir, format, &conv);
        assert!(compared >= 12, "{compared}");
    }
}

#[test]
fn npy_end_to_end() {
    end_to_end(BROAD, "npy", false);
    end_to_end(NARROW, "npy", false);
}

#[test]
fn npz_end_to_end() {
    end_to_end(BROAD, "npz", false);
    end_to_end(NARROW, "npz", false);
}

#[test]
fn raw_end_to_end() {
    end_to_end(BROAD, "raw", false);
    end_to_end(NARROW, "raw", false);
}

#[test]
fn json_end_to_end() {
    end_to_end(BROAD, "json", false);
    end_to_end(NARROW, "json", false);
}

#[test]
fn bundles_end_to_end() {
    for format in ["npz", "npy", "json"] {
        end_to_end(BUNDLE, format, true);
    }
}

#[test]
fn hostile_files_are_refused_with_their_codes() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("hostile");
    let out = arrayguard(&["gen", "--hostile", "-o", p(&dir)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let entries = manifest(&dir);
    assert_eq!(entries.len(), 11);
    for e in entries {
        let path = dir.join(e["file"].as_str().unwrap());
        // The codes are the library's under its default limits, which `check` lifts for the
        // payload (it streams): give them back.
        let mut args = vec![
            "check",
            "--format",
            "json",
            "--max-bytes",
            "268435456",
            "--max-elements",
            "268435456",
            p(&path),
        ];
        // Nested JSON carries no dtype: the spec names one.
        let spec = write_spec(
            tmp.path(),
            "f64.toml",
            "version = 1\n[array]\ndtype = \"f64\"\n",
        );
        if p(&path).ends_with(".json") {
            args.splice(1..1, ["--spec", p(&spec)]);
        }
        let out = arrayguard(&args);
        assert_eq!(code(&out), 1, "{e}: {}", stderr(&out));
        let report = json(&out);
        let codes: BTreeSet<&str> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|f| f["errors"].as_array().unwrap())
            .map(|e| e["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, BTreeSet::from([e["code"].as_str().unwrap()]), "{e}");
        assert!(e["class"].is_string());
    }
}

#[test]
fn output_is_all_or_nothing() {
    let tmp = TempDir::new().unwrap();
    // A spec error: nothing is written, not even DIR.
    let bad = write_spec(
        tmp.path(),
        "bad.toml",
        "version = 1\n[array]\ndtype = \"u8\"\n[array.values]\nmin = 300.0\n",
    );
    let dir = tmp.path().join("corpus");
    let out = arrayguard(&["gen", "--spec", p(&bad), "-o", p(&dir)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("config.invalid_spec"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.exists());
    // Raw buffers of a bundle: a usage error, nothing written.
    let bundle = write_spec(tmp.path(), "bundle.toml", BUNDLE);
    let out = arrayguard(&[
        "gen",
        "--spec",
        p(&bundle),
        "--format",
        "raw",
        "-o",
        p(&dir),
    ]);
    assert_eq!(code(&out), 2);
    assert!(!dir.exists());
    // A non-empty DIR is left alone.
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("keep.txt"), "mine").unwrap();
    let good = write_spec(tmp.path(), "good.toml", NARROW);
    let out = arrayguard(&["gen", "--spec", p(&good), "-o", p(&dir)]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(
        tree(&dir),
        vec![(PathBuf::from("keep.txt"), b"mine".to_vec())]
    );
    // An empty DIR is filled; no temporary directory is left beside it.
    fs::remove_file(dir.join("keep.txt")).unwrap();
    let out = arrayguard(&["gen", "--spec", p(&good), "-o", p(&dir)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(manifest(&dir).len(), 20);
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(".arrayguard-gen-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Without --spec or --hostile: a usage error.
    assert_eq!(
        code(&arrayguard(&["gen", "-o", p(&tmp.path().join("x"))])),
        2
    );
}

#[test]
fn manifest_rules_become_check_config() {
    // The corpus as CI fixtures: arrayguard.toml rules with `expect = "invalid"`.
    let tmp = TempDir::new().unwrap();
    let spec = write_spec(tmp.path(), "spec.toml", NARROW);
    let dir = tmp.path().join("fixtures");
    assert_eq!(code(&gen(&spec, "npy", &dir, "3")), 0);
    fs::write(
        tmp.path().join("arrayguard.toml"),
        "[[check]]\nfiles = \"fixtures/valid-*.npy\"\nspec = \"spec.toml\"\n\n[[check]]\nfiles = \"fixtures/invalid-*.npy\"\nspec = \"spec.toml\"\nexpect = \"invalid\"\n",
    )
    .unwrap();
    let out = common::run_in(Some(tmp.path()), &["check"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
}
