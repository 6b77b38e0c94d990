//! Every archive in `tests/data/npz/`, written by real NumPy or built by Python's `zipfile`
//! (`generate.py`), against `expected.txt`: `ok_*` archives list their members as NumPy names
//! them and read bit-exactly through the slice, reader and path entry points; `bad_*` archives
//! fail with the recorded code, in the recorded member, through all three. Then archives
//! written by [`npz::Writer`] are read back by us and by `numpy.load`, and members bind to a
//! bundle.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::fixtures::{field, files_with_extension, fnv1a64, le_bytes, Fields};

use arrayguard::{
    npz, Array, ArraySpec, BundleChecker, BundleSpec, DType, DynArray, Error, Limits, Order, Shape,
    ShapeSpec,
};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npz")
}

/// expected.txt: for an ok archive a `members=N` line, then one line per member in archive
/// order; for a bad archive one line with its `code`.
struct Expected {
    archives: BTreeMap<String, Fields>,
    members: BTreeMap<String, Vec<Fields>>,
}

fn expected() -> Expected {
    let text = fs::read_to_string(data_dir().join("expected.txt")).expect("read expected.txt");
    let mut archives = BTreeMap::new();
    let mut members: BTreeMap<String, Vec<Fields>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let mut parts = line.split('\t');
        let name = parts.next().expect("a name").to_owned();
        let fields: Fields = parts
            .map(|part| {
                let (k, v) = part
                    .split_once('=')
                    .unwrap_or_else(|| panic!("line {}: `{part}`", n + 1));
                (k.to_owned(), v.to_owned())
            })
            .collect();
        if fields.contains_key("member") && name.starts_with("ok_") {
            members.entry(name).or_default().push(fields);
        } else {
            assert!(
                archives.insert(name.clone(), fields).is_none(),
                "line {}: {name} twice",
                n + 1
            );
        }
    }
    Expected { archives, members }
}

fn limits_of(fields: &Fields) -> Limits {
    let mut limits = Limits::default();
    for setting in fields.get("limits").into_iter().flat_map(|l| l.split(',')) {
        let (key, value) = setting.split_once('=').expect("key=value");
        match key {
            "max_members" => limits.max_members = value.parse().unwrap(),
            "max_archive_bytes" => limits.max_archive_bytes = value.parse().unwrap(),
            "max_compression_ratio" => limits.max_compression_ratio = value.parse().unwrap(),
            "max_bytes" => limits.max_bytes = value.parse().unwrap(),
            other => panic!("unknown limit {other}"),
        }
    }
    limits
}

/// Opens the archive at `path` three ways (slice, reader, path) and applies `f` to each.
fn three_ways<T>(
    path: &Path,
    limits: &Limits,
    mut f: impl FnMut(&mut dyn FnMut() -> Result<Vec<(String, DynArray)>, Error>) -> T,
) -> Vec<(&'static str, T)> {
    let options = npz::ReadOptions::new().limits(limits.clone());
    let bytes = fs::read(path).expect("read fixture");
    let spec = ArraySpec::any();
    vec![
        (
            "slice",
            f(&mut || options.open_slice(&bytes)?.read_all(&spec)),
        ),
        (
            "reader",
            f(&mut || options.open_reader(Cursor::new(&bytes))?.read_all(&spec)),
        ),
        ("path", f(&mut || options.open_path(path)?.read_all(&spec))),
    ]
}

#[test]
fn every_fixture_is_listed_and_every_listing_exists() {
    let expected = expected();
    let on_disk = files_with_extension(&data_dir(), "npz");
    let listed: Vec<&String> = expected.archives.keys().collect();
    assert_eq!(on_disk.iter().collect::<Vec<_>>(), listed);
    for (name, fields) in &expected.archives {
        if name.starts_with("ok_") {
            let count: usize = field(fields, name, "members").parse().unwrap();
            let lines = expected.members.get(name).map_or(0, Vec::len);
            assert_eq!(count, lines, "{name}");
        } else {
            assert!(
                name.starts_with("bad_") && fields.contains_key("code"),
                "{name}"
            );
        }
    }
    assert!(on_disk.iter().filter(|n| n.starts_with("ok_")).count() >= 10);
    assert!(on_disk.iter().filter(|n| n.starts_with("bad_")).count() >= 30);
}

#[test]
fn ok_archives_list_and_read_their_members_bit_exactly() {
    let expected = expected();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, fields) in expected
        .archives
        .iter()
        .filter(|(n, _)| n.starts_with("ok_"))
    {
        let path = data_dir().join(name);
        let members = expected.members.get(name).cloned().unwrap_or_default();
        let limits = limits_of(fields);

        // The listing and the headers, without reading payloads.
        let mut archive = npz::ReadOptions::new()
            .limits(limits.clone())
            .open_path(&path)
            .unwrap_or_else(|e| panic!("{name}: {e} ({})", e.code()));
        let listed: Vec<(&str, &str)> = archive
            .members()
            .iter()
            .map(|m| (m.name(), m.array()))
            .collect();
        let want: Vec<(&str, &str)> = members
            .iter()
            .map(|m| (field(m, name, "member"), field(m, name, "array")))
            .collect();
        if listed != want {
            problems.push(format!("{name}: members {listed:?}, expected {want:?}"));
            continue;
        }
        for m in &members {
            let array = field(m, name, "array");
            let header = archive.header(array).expect("header");
            let facts = (
                header.descr(),
                format!("{:?}", header.shape().dims()),
                header.fortran_order().to_string(),
            );
            let shape = parse_shape(field(m, name, "shape"));
            let numpy = (
                field(m, name, "descr").to_owned(),
                format!("{shape:?}"),
                (field(m, name, "fortran_order") == "True").to_string(),
            );
            if facts != numpy {
                problems.push(format!("{name}/{array}: header {facts:?}, numpy {numpy:?}"));
            }
            if let Err(e) = archive.check(array, &ArraySpec::any()) {
                problems.push(format!("{name}/{array}: check: {e}"));
            }
        }

        for (how, result) in three_ways(&path, &limits, |read| read()) {
            let arrays = match result {
                Ok(arrays) => arrays,
                Err(e) => {
                    problems.push(format!("{name}: {how}: {e} ({})", e.code()));
                    continue;
                }
            };
            for ((array_name, array), m) in arrays.iter().zip(&members) {
                let count: usize = field(m, name, "count").parse().unwrap();
                let fnv = u64::from_str_radix(field(m, name, "fnv1a64"), 16).unwrap();
                let ours = fnv1a64(&le_bytes(&array.clone().into_c_order()));
                let shape = parse_shape(field(m, name, "shape"));
                if array_name != field(m, name, "array")
                    || array.shape().dims() != shape
                    || array.shape().len() != count
                    || ours != fnv
                {
                    problems.push(format!(
                        "{name}/{array_name}: {how}: shape {:?} hash {ours:016x}, expected {shape:?} {fnv:016x}",
                        array.shape().dims()
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(checked > 900, "{checked} member reads");
}

#[test]
fn bad_archives_fail_with_their_code_in_their_member() {
    let expected = expected();
    let mut problems = Vec::new();
    for (name, fields) in expected
        .archives
        .iter()
        .filter(|(n, _)| n.starts_with("bad_"))
    {
        let path = data_dir().join(name);
        let code = field(fields, name, "code");
        let member = fields.get("member").map(String::as_str);
        for (how, result) in three_ways(&path, &limits_of(fields), |read| read()) {
            match result {
                Ok(arrays) => problems.push(format!(
                    "{name}: {how}: accepted {} arrays, expected {code}",
                    arrays.len()
                )),
                Err(e) => {
                    // Unprintable names (NUL) are located by the error's name field only.
                    let located = e.member().or(match e.kind() {
                        arrayguard::ErrorKind::DuplicateMember { name: Some(n) } => Some(&**n),
                        _ => None,
                    });
                    if e.code() != code || (member.is_some() && located != member) {
                        problems.push(format!(
                            "{name}: {how}: {} in {:?} ({e}), expected {code} in {member:?}",
                            e.code(),
                            e.member()
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

fn parse_shape(text: &str) -> Vec<usize> {
    text.trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.trim().parse().expect("a dim"))
        .collect()
}

/// Arrays of every kind: dtypes, 0-d, empty, Fortran order.
fn sample_arrays() -> Vec<(&'static str, DynArray)> {
    let f = |dims: &[usize]| Shape::new(dims.to_vec()).unwrap();
    vec![
        (
            "weights",
            Array::from_vec(
                f(&[2, 3]),
                Order::C,
                vec![0.5f32, -1.0, f32::NAN, 0.0, -0.0, 1e30],
            )
            .unwrap()
            .into(),
        ),
        (
            "labels",
            Array::from_vec(f(&[4]), Order::C, vec![i64::MIN, -1, 0, i64::MAX])
                .unwrap()
                .into(),
        ),
        (
            "mask",
            Array::from_vec(
                f(&[3, 2]),
                Order::F,
                vec![true, false, true, true, false, false],
            )
            .unwrap()
            .into(),
        ),
        (
            "scalar",
            Array::from_vec(f(&[]), Order::C, vec![7u16])
                .unwrap()
                .into(),
        ),
        (
            "empty",
            Array::<f64>::from_vec(f(&[0, 5]), Order::C, vec![])
                .unwrap()
                .into(),
        ),
        (
            "group/zeros",
            Array::from_vec(f(&[64, 64]), Order::C, vec![0u8; 4096])
                .unwrap()
                .into(),
        ),
    ]
}

fn write_archive(arrays: &[(&str, DynArray)], compression: npz::Compression) -> Vec<u8> {
    let mut writer = npz::Writer::new(Cursor::new(Vec::new()), compression);
    for (name, array) in arrays {
        writer.add(name, array).expect("add");
    }
    writer.finish().expect("finish").into_inner()
}

#[test]
fn written_archives_read_back_in_order_and_bit_exactly() {
    let arrays = sample_arrays();
    for compression in [npz::Compression::Stored, npz::Compression::Deflated] {
        let bytes = write_archive(&arrays, compression);
        // Deterministic: the same arrays give the same bytes.
        assert_eq!(bytes, write_archive(&arrays, compression));
        let archive = npz::open_slice(&bytes).unwrap();
        assert!(archive
            .members()
            .iter()
            .all(|m| m.compression() == compression));
        let names: Vec<&str> = archive.members().iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
                "weights.npy",
                "labels.npy",
                "mask.npy",
                "scalar.npy",
                "empty.npy",
                "group/zeros.npy"
            ]
        );
        let read = npz::from_slice(&bytes, &ArraySpec::any()).unwrap();
        assert_eq!(read.len(), arrays.len());
        for ((name, ours), (read_name, back)) in arrays.iter().zip(&read) {
            assert_eq!(name, read_name);
            assert_eq!(ours.dtype(), back.dtype(), "{name}");
            assert_eq!(ours.shape(), back.shape(), "{name}");
            assert_eq!(ours.order(), back.order(), "{name}");
            assert_eq!(le_bytes(ours), le_bytes(back), "{name}");
        }
    }
}

#[test]
fn the_writer_refuses_what_the_reader_would() {
    let array: DynArray = Array::from_vec(Shape::vector(1).unwrap(), Order::C, vec![1u8])
        .unwrap()
        .into();
    let mut writer = npz::Writer::new(Cursor::new(Vec::new()), npz::Compression::Stored);
    writer.add("x", &array).unwrap();
    assert_eq!(
        writer.add("x", &array).unwrap_err().code(),
        "npz.duplicate_member"
    );
    for name in ["../x", "/x", "a\\b", "C:x", "a/../../b", "nul\0"] {
        assert_eq!(
            writer.add(name, &array).unwrap_err().code(),
            "npz.unsafe_name",
            "{name:?}"
        );
    }
}

#[test]
fn members_bind_to_a_bundle_with_shared_dims() {
    let bundle = BundleSpec::new()
        .with_array(
            "X",
            ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 2").unwrap()),
        )
        .with_array(
            "y",
            ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n").unwrap()),
        )
        .build()
        .unwrap();
    let x: DynArray = Array::from_vec(Shape::new([3, 2]).unwrap(), Order::C, vec![0f32; 6])
        .unwrap()
        .into();
    let y3: DynArray = Array::from_vec(Shape::vector(3).unwrap(), Order::C, vec![0i64, 1, 1])
        .unwrap()
        .into();
    let y2: DynArray = Array::from_vec(Shape::vector(2).unwrap(), Order::C, vec![0i64, 1])
        .unwrap()
        .into();
    let checker = BundleChecker::new(&bundle);
    let summary = |bytes: &[u8]| -> Vec<String> {
        npz::open_slice(bytes)
            .unwrap()
            .check_bundle(&checker)
            .iter()
            .map(|v| match v.result() {
                Ok(_) => format!("{}: ok", v.array()),
                Err(e) => format!("{}: {} in {:?}", v.array(), e.code(), e.member()),
            })
            .collect()
    };
    let good = write_archive(&[("y", y3), ("X", x.clone())], npz::Compression::Deflated);
    assert_eq!(summary(&good), ["X: ok", "y: ok"]);
    let bad = write_archive(&[("X", x.clone()), ("y", y2)], npz::Compression::Stored);
    assert_eq!(
        summary(&bad),
        ["X: ok", "y: spec.named_dim in Some(\"y.npy\")"]
    );
    let partial = write_archive(&[("X", x.clone()), ("z", x)], npz::Compression::Stored);
    assert_eq!(
        summary(&partial),
        [
            "z: spec.unknown_array in None",
            "X: ok",
            "y: spec.missing_array in None"
        ]
    );
}

#[test]
fn a_member_is_read_by_array_name_and_a_missing_one_is_named() {
    let bytes = write_archive(&sample_arrays(), npz::Compression::Deflated);
    let mut archive = npz::open_slice(&bytes).unwrap();
    let labels = archive
        .read::<i64>("labels", &ArraySpec::new(DType::I64))
        .unwrap();
    assert_eq!(labels.as_slice(), [i64::MIN, -1, 0, i64::MAX]);
    let err = archive
        .read::<f32>("labels", &ArraySpec::any())
        .unwrap_err();
    assert_eq!(
        (err.code(), err.member()),
        ("spec.dtype", Some("labels.npy"))
    );
    let err = archive
        .read::<DynArray>("nope", &ArraySpec::any())
        .unwrap_err();
    assert_eq!(err.code(), "spec.missing_array");
    assert_eq!(
        archive.member("group/zeros").map(|m| m.size()),
        Some(4096 + 128)
    );
}

/// `numpy.load` reads what [`npz::Writer`] writes: names, order, dtypes, shapes, values.
#[test]
fn numpy_reads_our_archives() {
    let python = std::env::var("ARRAYGUARD_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let has_numpy = Command::new(&python)
        .args(["-c", "import numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_numpy {
        assert!(
            std::env::var("ARRAYGUARD_SKIP_NUMPY").is_ok_and(|v| v == "1"),
            "this test needs python3 with NumPy (or ARRAYGUARD_SKIP_NUMPY=1 to skip it)"
        );
        eprintln!("SKIPPED numpy_reads_our_archives: no NumPy");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let arrays = sample_arrays();
    for (file, compression) in [
        ("stored.npz", npz::Compression::Stored),
        ("deflated.npz", npz::Compression::Deflated),
    ] {
        fs::write(dir.path().join(file), write_archive(&arrays, compression)).unwrap();
    }
    let script = r#"
import sys, numpy as np
def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
for f in sys.argv[1:]:
    with np.load(f) as z:
        for k in z.files:
            a = z[k]
            le = np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<'))
            print(f.rsplit('/', 1)[-1], k, a.dtype.str, a.shape, a.flags.f_contiguous and not a.flags.c_contiguous, '%016x' % fnv(le.tobytes()), sep='\t')
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(dir.path().join("stored.npz"))
        .arg(dir.path().join("deflated.npz"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2 * arrays.len(), "{stdout}");
    for (line, (name, array)) in lines.iter().zip(arrays.iter().chain(arrays.iter())) {
        let cols: Vec<&str> = line.split('\t').collect();
        let ours = format!("{:016x}", fnv1a64(&le_bytes(&array.clone().into_c_order())));
        assert_eq!(cols[1], *name, "{line}");
        assert_eq!(
            cols[2],
            array.dtype().typestr(arrayguard::ByteOrder::Little),
            "{line}"
        );
        assert_eq!(cols[5], ours, "{line}");
        assert_eq!(
            cols[4] == "True",
            array.order() == Order::F && !array.shape().orders_coincide(),
            "{line}"
        );
    }
}
