//! Streaming validation: `npy::ReadOptions::check_path` and `check_reader`, and
//! `raw::ReadOptions::check_path` and `check_reader`, give exactly what the readers give
//! (`Ok`, or the same error code and message) without holding the payload, and their memory
//! use does not grow with the file; `BundleChecker` binds named dimensions across files.

mod common;

use std::io::Write as _;
use std::path::Path;

use arrayguard::raw::{self, Layout};
use arrayguard::{
    npy, ArraySpec, BundleChecker, BundleSpec, ByteOrder, DType, Dim, DynArray, Input,
    LimitOverrides, Limits, Order, Result, Shape, ShapeSpec, ValueSpec,
};
use common::{valid_file, ChunkReader, SplitMix};

#[global_allocator]
static ALLOC: common::alloc::CountingAlloc = common::alloc::CountingAlloc;

/// The payload bytes of one chunk of `check_path`: 1 MiB.
const CHUNK: usize = 1 << 20;

/// What must agree between a reader and a checker: `Ok`, or the error's code and message.
type Agreement = std::result::Result<(), (&'static str, String)>;

fn agreement<T>(result: Result<T>) -> Agreement {
    result.map(|_| ()).map_err(|e| (e.code(), e.to_string()))
}

/// The `.npy` options with `limits`.
fn npy_with(limits: &Limits) -> npy::ReadOptions {
    npy::ReadOptions::new().limits(limits.clone())
}

/// The raw-buffer options with `limits`.
fn raw_with(limits: &Limits) -> raw::ReadOptions {
    raw::ReadOptions::new().limits(limits.clone())
}

/// `n` random elements of `dtype` as little-endian bytes; `bool` bytes are 0 or 1.
fn payload(source: &mut SplitMix, dtype: DType, n: usize) -> Vec<u8> {
    let mut out = source.bytes(n * dtype.itemsize());
    if dtype == DType::Bool {
        out.iter_mut().for_each(|b| *b &= 1);
    }
    out
}

/// A spec whose value constraints random elements of `dtype` often break.
fn strict_values(dtype: DType) -> ValueSpec {
    match dtype {
        DType::Bool => ValueSpec::new().one_of([1]),
        DType::I8 | DType::U8 | DType::I16 | DType::U16 => ValueSpec::new().min(0.0).max(200.0),
        DType::I32 | DType::U32 | DType::I64 | DType::U64 => ValueSpec::new().max(1e9),
        _ => ValueSpec::new().min(-1e3).max(1e3).allow_nan(false),
    }
}

/// Writes `bytes` to a new file `name` in `dir`.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Asserts that every way of checking `bytes` agrees with the reader of the same source.
fn assert_npy_agrees(dir: &Path, bytes: &[u8], spec: &ArraySpec, limits: &Limits, case: &str) {
    let path = write(dir, "case.npy", bytes);
    let options = npy::ReadOptions::new().limits(limits.clone());
    let read = agreement(options.read_path::<DynArray>(&path, spec));
    let checked = options.check_path(&path, spec);
    if let Ok(header) = &checked {
        let parsed = npy::read_header(bytes, &Limits::unlimited()).ok();
        assert_eq!(Some(header), parsed.as_ref(), "{case}: the header");
    }
    assert_eq!(
        agreement(checked),
        read,
        "{case}: check_path vs read_path::<DynArray>"
    );
    let read = agreement(options.read_reader::<DynArray, _>(bytes, spec));
    assert_eq!(
        agreement(options.check_reader(bytes, spec)),
        read,
        "{case}: check_reader vs read_reader::<DynArray>"
    );
    // Reads that split elements (and get interrupted) change nothing.
    let reader = ChunkReader::new(bytes, vec![7, 0, 4093, 1, 65536]);
    assert_eq!(
        agreement(options.check_reader(reader, spec)),
        read,
        "{case}: check_reader in odd pieces"
    );
}

/// The shapes every dtype is tried with: 0-d, empty, a vector, and 2-d and 3-d arrays.
const SHAPES: &[(&[usize], Order)] = &[
    (&[], Order::C),
    (&[0], Order::C),
    (&[0, 3], Order::F),
    (&[5], Order::C),
    (&[2, 3], Order::C),
    (&[2, 3], Order::F),
    (&[3, 1, 4], Order::F),
];

#[test]
fn every_dtype_byte_order_and_order_agrees_with_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = SplitMix(1);
    let limits = Limits::default();
    for dtype in DType::NUMPY {
        for byte_order in [ByteOrder::Little, ByteOrder::Big] {
            for &(dims, order) in SHAPES {
                let shape = Shape::new(dims).unwrap();
                let le = payload(&mut source, dtype, shape.len());
                let file = valid_file(dtype, byte_order, &shape, order, &le);
                let case = format!("{dtype} {byte_order:?} {dims:?} {order:?}");
                let any = ArraySpec::any();
                assert_npy_agrees(dir.path(), &file, &any, &limits, &case);
                let strict = ArraySpec::any().with_values(strict_values(dtype));
                assert_npy_agrees(dir.path(), &file, &strict, &limits, &case);
                assert!(npy_with(&limits)
                    .check_path(dir.path().join("case.npy"), &any)
                    .is_ok());
            }
        }
    }
}

#[test]
fn value_reports_agree_across_chunk_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    // f64, big-endian, F order, three chunks and a bit; violations on both sides of each
    // chunk boundary, NaN first.
    let per_chunk = CHUNK / 8;
    let n = 3 * per_chunk + 10;
    let mut values = vec![0.25f64; n];
    for i in [
        per_chunk - 1,
        per_chunk,
        2 * per_chunk - 1,
        2 * per_chunk,
        n - 1,
    ] {
        values[i] = 2.0;
    }
    values[3] = f64::NAN;
    let le: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let shape = Shape::new([2, n / 2]).unwrap();
    let file = valid_file(DType::F64, ByteOrder::Big, &shape, Order::F, &le);
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().max(1.0).finite());
    assert_npy_agrees(dir.path(), &file, &spec, &limits, "f64 NaN then bounds");
    let e = npy_with(&limits)
        .check_path(dir.path().join("case.npy"), &spec)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "6 elements violate `nan = false` (first: NaN): [1, 1] = NaN"
    );
    // Without the NaN, the bound violations are the report: the first five, across chunks.
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().max(1.0));
    assert_npy_agrees(dir.path(), &file, &spec, &limits, "f64 bounds");
    let e = npy_with(&limits)
        .check_path(dir.path().join("case.npy"), &spec)
        .unwrap_err();
    let index = |i: usize| format!("[{}, {}] = 2.0", i % 2, i / 2);
    let first: Vec<String> = [
        per_chunk - 1,
        per_chunk,
        2 * per_chunk - 1,
        2 * per_chunk,
        n - 1,
    ]
    .into_iter()
    .map(index)
    .collect();
    assert_eq!(
        e.to_string(),
        format!(
            "5 elements violate `max = 1` (first: value above the maximum): {}",
            first.join(", ")
        )
    );
    // complex128 (16-byte elements, both parts checked) and u8 with an enum.
    let n = CHUNK / 16 + 3;
    let mut le = vec![0u8; n * 16];
    le[(n - 2) * 16 + 8..(n - 1) * 16].copy_from_slice(&(-5.0f64).to_le_bytes());
    let file = valid_file(
        DType::Complex128,
        ByteOrder::Big,
        &Shape::vector(n).unwrap(),
        Order::C,
        &le,
    );
    let spec = ArraySpec::any().with_values(ValueSpec::new().min(0.0));
    assert_npy_agrees(dir.path(), &file, &spec, &limits, "complex128");
    let mut le = vec![1u8; 2 * CHUNK + 1];
    le[CHUNK] = 4;
    le[2 * CHUNK] = 9;
    let file = valid_file(
        DType::U8,
        ByteOrder::Little,
        &Shape::vector(le.len()).unwrap(),
        Order::C,
        &le,
    );
    let spec = ArraySpec::any().with_values(ValueSpec::new().one_of([0, 1, 2]));
    assert_npy_agrees(dir.path(), &file, &spec, &limits, "u8 enum");
}

#[test]
fn bad_bools_agree_in_any_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    for at in [0, CHUNK - 1, CHUNK, CHUNK + 17, CHUNK + 50] {
        let mut le = vec![1u8; CHUNK + 100];
        le[5] = 0;
        // A second bad byte later: the first one is reported.
        le[CHUNK + 50] = 3;
        le[at] = 2;
        let file = valid_file(
            DType::Bool,
            ByteOrder::Little,
            &Shape::new([2, (CHUNK + 100) / 2]).unwrap(),
            Order::F,
            &le,
        );
        // The values (`enum = [1]`, broken at index 5) come after the bool bytes.
        let spec = ArraySpec::any().with_values(ValueSpec::new().one_of([1]));
        let case = format!("bad bool at {at}");
        assert_npy_agrees(dir.path(), &file, &spec, &limits, &case);
        let e = npy_with(&limits)
            .check_path(dir.path().join("case.npy"), &spec)
            .unwrap_err();
        assert_eq!(e.code(), "data.invalid_bool", "{case}");
        let e = npy_with(&limits)
            .check_reader(&file[..], &spec)
            .unwrap_err();
        assert!(
            e.to_string().contains(&format!("element {at} ")),
            "{case}: {e}"
        );
    }
}

#[test]
fn truncated_and_trailing_payloads_agree() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let n = CHUNK / 4 + 1000;
    let mut next = 0f32;
    let le: Vec<u8> = (0..n)
        .flat_map(|_| {
            next += 1.0;
            next.to_le_bytes()
        })
        .collect();
    let shape = Shape::vector(n).unwrap();
    let spec = ArraySpec::any().with_values(ValueSpec::new().max(10.0));
    for byte_order in [ByteOrder::Little, ByteOrder::Big] {
        let file = valid_file(DType::F32, byte_order, &shape, Order::C, &le);
        let cut = |drop: usize| file[..file.len() - drop].to_vec();
        let cases = [
            ("one byte short", cut(1)),
            ("a chunk short", cut(CHUNK)),
            ("no payload", cut(n * 4)),
            ("three elements and a half short", cut(14)),
            ("one byte more", [&file[..], &[0u8]].concat()),
            ("a chunk more", [&file[..], &vec![7u8; CHUNK][..]].concat()),
        ];
        for (name, bytes) in cases {
            let case = format!("{name} {byte_order:?}");
            assert_npy_agrees(dir.path(), &bytes, &spec, &limits, &case);
            assert_npy_agrees(dir.path(), &bytes, &ArraySpec::any(), &limits, &case);
        }
    }
    // A bool payload that is both short and invalid: the length wins, for a reader too.
    let mut le = vec![1u8; 3 * CHUNK];
    le[10] = 3;
    let file = valid_file(
        DType::Bool,
        ByteOrder::Little,
        &Shape::vector(le.len()).unwrap(),
        Order::C,
        &le,
    );
    let short = &file[..file.len() - 1];
    assert_npy_agrees(dir.path(), short, &ArraySpec::any(), &limits, "short bools");
    let e = npy_with(&limits)
        .check_reader(short, &ArraySpec::any())
        .unwrap_err();
    assert_eq!(e.code(), "data.truncated");
}

#[test]
fn header_spec_and_limit_errors_agree() {
    let dir = tempfile::tempdir().unwrap();
    let shape = Shape::new([4, 3]).unwrap();
    let le = payload(&mut SplitMix(7), DType::I16, 12);
    let file = valid_file(DType::I16, ByteOrder::Big, &shape, Order::C, &le);
    let mut tight = Limits::default();
    tight.max_bytes = 16;
    let mut overrides = LimitOverrides::default();
    overrides.max_bytes = Some(8);
    let mut raised = LimitOverrides::default();
    raised.max_bytes = Some(1 << 20);
    let shaped = |text: &str| ArraySpec::any().with_shape_spec(ShapeSpec::parse(text).unwrap());
    let cases: Vec<(&str, &[u8], ArraySpec, Limits)> = vec![
        (
            "bad magic",
            &b"\x93NUMPX\x01\x00"[..],
            ArraySpec::any(),
            Limits::default(),
        ),
        ("empty", &[][..], ArraySpec::any(), Limits::default()),
        (
            "dtype",
            &file[..],
            ArraySpec::new(DType::F32),
            Limits::default(),
        ),
        (
            "byte order",
            &file[..],
            ArraySpec::any().with_byte_order(ByteOrder::Little),
            Limits::default(),
        ),
        ("shape", &file[..], shaped("4 2"), Limits::default()),
        ("named dims", &file[..], shaped("n n"), Limits::default()),
        ("ranges", &file[..], shaped("_ d:4..=8"), Limits::default()),
        (
            "dims",
            &file[..],
            ArraySpec::any().with_shape([Dim::Any, Dim::Exact(3)]),
            Limits::default(),
        ),
        ("limit", &file[..], ArraySpec::any(), tight.clone()),
        (
            "spec override lowers",
            &file[..],
            ArraySpec::any().with_limits(overrides),
            Limits::default(),
        ),
        (
            "spec override raises",
            &file[..],
            ArraySpec::any().with_limits(raised),
            tight,
        ),
    ];
    for (case, bytes, spec, limits) in &cases {
        assert_npy_agrees(dir.path(), bytes, spec, limits, case);
    }
    assert_eq!(
        npy::ReadOptions::new()
            .check_path(dir.path().join("absent.npy"), &ArraySpec::any())
            .unwrap_err()
            .code(),
        "io"
    );
}

#[test]
fn named_dims_bind_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let x = valid_file(
        DType::F32,
        ByteOrder::Little,
        &Shape::new([3, 4]).unwrap(),
        Order::C,
        &[0u8; 48],
    );
    let y_ok = valid_file(
        DType::I64,
        ByteOrder::Little,
        &Shape::vector(3).unwrap(),
        Order::C,
        &[0u8; 24],
    );
    let y_bad = valid_file(
        DType::I64,
        ByteOrder::Little,
        &Shape::vector(2).unwrap(),
        Order::C,
        &[0u8; 16],
    );
    let x_path = write(dir.path(), "x.npy", &x);
    let x_spec = ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 4").unwrap());
    let y_spec = ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n").unwrap());
    let bundle = BundleSpec::new()
        .with_array("x", x_spec)
        .with_array("y", y_spec.clone())
        .build()
        .unwrap();
    let checker = BundleChecker::new(&bundle).limits(limits.clone());
    let ok_path = write(dir.path(), "y_ok.npy", &y_ok);
    let verdicts = checker.check([("x", Input::Path(&x_path)), ("y", Input::Path(&ok_path))]);
    assert!(verdicts.iter().all(|v| v.is_ok()), "{verdicts:?}");
    assert_eq!(
        verdicts[0].result().as_ref().unwrap().shape().dims(),
        &[3, 4]
    );
    let bad_path = write(dir.path(), "y_bad.npy", &y_bad);
    let verdicts = checker.check([("x", Input::Path(&x_path)), ("y", Input::Path(&bad_path))]);
    assert!(verdicts[0].is_ok());
    let e = verdicts[1].result().as_ref().unwrap_err();
    assert_eq!(
        e.to_string(),
        "dimension `n` on axis 0: expected 3 (bound earlier), found 2"
    );
    let verdicts = checker.check([("x", Input::Path(&x_path)), ("y", Input::Npy(&y_bad))]);
    let e = verdicts[1].result().as_ref().unwrap_err();
    assert_eq!(e.code(), "spec.named_dim");
    // Alone, each file is fine.
    assert!(npy_with(&limits).check_path(&bad_path, &y_spec).is_ok());
    assert!(Input::Path(&bad_path).check(&y_spec, &limits).is_ok());
    // Raw files bind the same way, with the inferred axis resolved first: the raw check's
    // plan joins the bundle.
    let raw_path = write(dir.path(), "y.i64", &[0u8; 16]);
    let layout = Layout::from_typestr("<i8").unwrap();
    let plan = raw_with(&limits).check_path(&raw_path, &layout, &y_spec);
    let plan = plan.unwrap();
    assert_eq!(plan.shape().dims(), &[2]);
    let verdicts = checker.check([("x", Input::Path(&x_path)), ("y", Input::Plan(&plan))]);
    let e = verdicts[1].result().as_ref().unwrap_err();
    assert_eq!(e.code(), "spec.named_dim");
    // Checked first, the raw file binds `n` to 2 (`x` is missing here).
    let verdicts = checker.check([("y", Input::Plan(&plan)), ("y", Input::Npy(&y_ok))]);
    assert_eq!(
        verdicts[0].result().as_ref().unwrap_err().code(),
        "spec.missing_array"
    );
    assert!(verdicts[1].is_ok());
    assert_eq!(
        verdicts[2].result().as_ref().unwrap_err().to_string(),
        "dimension `n` on axis 0: expected 2 (bound earlier), found 3"
    );
}

/// Asserts that `raw::ReadOptions::check_path` agrees with `read_path::<DynArray>`, and
/// `check_reader` with `read_reader::<DynArray>` (on the file's bytes, whole and in odd
/// pieces).
fn assert_raw_agrees(path: &Path, layout: &Layout, spec: &ArraySpec, limits: &Limits, case: &str) {
    let options = raw_with(limits);
    let read = options.read_path::<DynArray>(path, layout, spec);
    let checked = options.check_path(path, layout, spec);
    if let (Ok(array), Ok(plan)) = (&read, &checked) {
        assert_eq!(array.shape(), plan.shape(), "{case}: the shape");
    }
    assert_eq!(agreement(checked), agreement(read), "{case}");
    let bytes = std::fs::read(path).unwrap();
    let read = options.read_reader::<DynArray, _>(&bytes[..], layout, spec);
    let checked = options.check_reader(&bytes[..], layout, spec);
    if let (Ok(array), Ok(plan)) = (&read, &checked) {
        assert_eq!(
            array.shape(),
            plan.shape(),
            "{case}: the shape from a reader"
        );
    }
    let read = agreement(read);
    assert_eq!(agreement(checked), read, "{case}: check_reader");
    let reader = ChunkReader::new(&bytes, vec![7, 0, 4093, 1, 65536]);
    assert_eq!(
        agreement(options.check_reader(reader, layout, spec)),
        read,
        "{case}: check_reader in odd pieces"
    );
}

#[test]
fn raw_check_path_agrees_with_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.bin");
    let mut source = SplitMix(3);
    let limits = Limits::default();
    for dtype in DType::ALL {
        for byte_order in [ByteOrder::Little, ByteOrder::Big] {
            for order in [Order::C, Order::F] {
                let le = payload(&mut source, dtype, 12);
                let payload = common::to_byte_order(&le, dtype, byte_order);
                for (name, bytes) in [
                    ("exact", payload.clone()),
                    ("short", payload[..payload.len() - 1].to_vec()),
                    ("long", [&payload[..], &[1u8]].concat()),
                ] {
                    std::fs::write(&path, &bytes).unwrap();
                    for axes in [
                        vec![Some(3), Some(4)],
                        vec![None, Some(4)],
                        vec![Some(3), None],
                    ] {
                        let layout = Layout::new(dtype, byte_order)
                            .with_shape(axes.clone())
                            .unwrap()
                            .with_order(order);
                        let case = format!("{dtype} {byte_order:?} {order:?} {name} {axes:?}");
                        for spec in [
                            ArraySpec::any(),
                            ArraySpec::any().with_values(strict_values(dtype)),
                            ArraySpec::any().with_shape([Dim::Exact(3), Dim::Exact(4)]),
                        ] {
                            assert_raw_agrees(&path, &layout, &spec, &limits, &case);
                        }
                    }
                }
            }
        }
    }
    // Across chunks, with a bad bool.
    let mut bytes = vec![1u8; 2 * CHUNK];
    bytes[CHUNK + 1] = 5;
    std::fs::write(&path, &bytes).unwrap();
    let layout = Layout::from_typestr("|b1").unwrap();
    let spec = ArraySpec::any().with_values(ValueSpec::new().one_of([1]));
    assert_raw_agrees(&path, &layout, &spec, &limits, "bools");
    let e = raw_with(&limits)
        .check_path(&path, &layout, &spec)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        raw::from_path::<bool>(&path, &layout, &spec)
            .unwrap_err()
            .to_string()
    );
}

#[test]
fn zero_size_files_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let spec = ArraySpec::any().with_values(ValueSpec::new().min(1.0));
    for dims in [&[0usize][..], &[4, 0, 2]] {
        let file = valid_file(
            DType::F64,
            ByteOrder::Big,
            &Shape::new(dims).unwrap(),
            Order::C,
            &[],
        );
        assert_npy_agrees(dir.path(), &file, &spec, &limits, "zero size");
        let header = npy_with(&limits).check_reader(&file[..], &spec).unwrap();
        assert_eq!(header.nbytes(), 0);
    }
    let path = write(dir.path(), "empty.bin", &[]);
    let plan = raw_with(&limits).check_path(&path, &Layout::from_typestr(">f8").unwrap(), &spec);
    assert_eq!(plan.unwrap().shape().dims(), &[0]);
}

/// Writes a `.npy` file of `n` little-endian `f64` zeros with a few large writes, with
/// `tail` as its last elements.
fn big_f64_file(path: &Path, n: usize, tail: &[f64]) {
    let shape = Shape::new([n / 1024, 1024]).unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(&npy::header_bytes(
        DType::F64,
        ByteOrder::Little,
        &shape,
        Order::C,
    ))
    .unwrap();
    let block = vec![0u8; 16 << 20];
    let mut left = (n - tail.len()) * 8;
    while left > 0 {
        let step = left.min(block.len());
        file.write_all(&block[..step]).unwrap();
        left -= step;
    }
    for v in tail {
        file.write_all(&v.to_le_bytes()).unwrap();
    }
    file.flush().unwrap();
}

#[test]
fn memory_stays_bounded_for_a_256_mib_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.npy");
    let n = 32 << 20; // 256 MiB of f64
    big_f64_file(&path, n, &[0.5, -1.0]);
    let mut limits = Limits::default();
    limits.max_bytes = 1 << 30;
    // Accepted, with value constraints checked on every element.
    let spec = ArraySpec::new(DType::F64)
        .with_shape_spec(ShapeSpec::parse("rows 1024").unwrap())
        .with_values(ValueSpec::new().min(-1.0).max(1.0).finite());
    let options = npy_with(&limits);
    let (result, stats) = common::alloc::measure_stats(|| options.check_path(&path, &spec));
    assert_eq!(result.unwrap().nbytes(), 256 << 20);
    eprintln!("check_path, 256 MiB accepted: {stats:?}");
    assert!(
        stats.peak < 4 << 20,
        "check_path of 256 MiB peaked at {} bytes",
        stats.peak
    );
    // Refused, all elements but one breaking a constraint: the report stays small too.
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().min(0.25));
    let (result, stats) = common::alloc::measure_stats(|| options.check_path(&path, &spec));
    let e = result.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{} elements violate `min = 0.25` (first: value below the minimum): \
             [0, 0] = 0.0, [0, 1] = 0.0, [0, 2] = 0.0, [0, 3] = 0.0, [0, 4] = 0.0",
            n - 1
        )
    );
    assert!(stats.peak < 4 << 20, "peaked at {} bytes", stats.peak);
    // The reader entry point is bounded the same way.
    let file = std::fs::File::open(&path).unwrap();
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().finite());
    let (result, stats) = common::alloc::measure_stats(|| options.check_reader(file, &spec));
    assert!(result.is_ok());
    assert!(stats.peak < 4 << 20, "peaked at {} bytes", stats.peak);
}

/// Runs `f` on the path of a named pipe that a thread fills with `bytes` (Unix only; `None`
/// where `mkfifo` is missing).
#[cfg(unix)]
fn through_fifo<R>(bytes: &[u8], f: impl FnOnce(&Path) -> R) -> Option<R> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&path).status();
    if !made.is_ok_and(|s| s.success()) {
        return None;
    }
    let bytes = bytes.to_vec();
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        // The reader may stop early (an error before the end): ignore a broken pipe.
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        let _ = pipe.write_all(&bytes);
    });
    // The reader opens the pipe, so the writer's `open` returns; if the reader stops early,
    // the writer's next write fails with a broken pipe and it ends too.
    let result = f(&path);
    writer.join().unwrap();
    Some(result)
}

#[cfg(unix)]
#[test]
fn pipes_are_checked_as_they_are_read() {
    let limits = Limits::default();
    let spec = ArraySpec::any().with_values(ValueSpec::new().max(0.0));
    let mut le = vec![0u8; 2 * CHUNK + 8];
    le[8..16].copy_from_slice(&1.0f64.to_le_bytes());
    let shape = Shape::vector(le.len() / 8).unwrap();
    let file = valid_file(DType::F64, ByteOrder::Big, &shape, Order::C, &le);
    let options = npy::ReadOptions::new();
    for bytes in [
        file.clone(),
        file[..file.len() - 3].to_vec(),
        [&file[..], &[0u8; 9]].concat(),
    ] {
        let Some(read) = through_fifo(&bytes, |p| {
            agreement(options.read_path::<DynArray>(p, &spec))
        }) else {
            return;
        };
        let checked = through_fifo(&bytes, |p| {
            agreement(npy_with(&limits).check_path(p, &spec))
        });
        assert_eq!(checked, Some(read));
    }
    // Raw: a fixed layout is streamed, an inferred axis is read whole; both agree.
    let payload = &file[file.len() - le.len()..];
    for axes in [vec![Some(le.len() / 8)], vec![None]] {
        let layout = Layout::new(DType::F64, ByteOrder::Big)
            .with_shape(axes)
            .unwrap();
        for bytes in [payload.to_vec(), payload[..payload.len() - 8].to_vec()] {
            let read = through_fifo(&bytes, |p| {
                agreement(raw::ReadOptions::new().read_path::<DynArray>(p, &layout, &spec))
            });
            let checked = through_fifo(&bytes, |p| {
                agreement(raw_with(&limits).check_path(p, &layout, &spec))
            });
            assert_eq!(checked, read);
        }
    }
}
