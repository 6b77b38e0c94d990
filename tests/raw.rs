//! The raw-buffer front-end (`arrayguard::raw`):
//!
//! 1. every fixture in `tests/data/raw/` (written by CPython's `array` module and NumPy,
//!    `generate.py`) through every entry point — slices, readers delivering one byte or a few
//!    bytes per call, files; typed and dynamic — with the result `expected.txt` records:
//!    shape and a hash of the values bit for bit, or the error code;
//! 2. the platform-dependent typecodes, value by value;
//! 3. spec mismatches and limits, each asserting its error code;
//! 4. hostile layouts and lengths (NPY-REFERENCE.md §4) while a counting allocator watches:
//!    a refused input costs at most 64 KiB whatever it declares;
//! 5. properties: reads equal a simple reference decoder bit for bit; arbitrary bytes and
//!    layouts never panic and what is accepted satisfies the spec and limits; a reader
//!    delivering a few bytes per call gives the slice's result.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use arrayguard::raw::{self, Axis, Layout, Platform, ReadOptions};
use arrayguard::{
    ArraySpec, ByteOrder, DType, Dim, DynArray, ErrorKind, LimitKind, Limits, Order, Result,
};
use proptest::prelude::*;
use proptest::sample::Index;

use common::alloc::{self, CountingAlloc};
use common::fixtures::{
    assert_every_fixture_listed, field, fnv1a64, le_bytes, read_expected, Fields,
};
use common::{config, with_element, ChunkReader, OneByteReader};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What a refused input may allocate, and what an accepted one may allocate beyond its
/// payload.
const SLACK: usize = 64 * 1024;

// ---- reading every way ----------------------------------------------------------------------

/// One public way to read a raw buffer. The free functions (`raw::from_slice` and friends)
/// take no limits: they run only with `Limits::default()` ([`Entry::all_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    /// `ReadOptions::read_slice::<T>`.
    Slice,
    /// `ReadOptions::read_slice::<DynArray>`.
    SliceDyn,
    /// `ReadOptions::read_reader::<T>`, one byte per `read` call.
    ReaderOneByte,
    /// `ReadOptions::read_reader::<DynArray>`, one byte per `read` call.
    ReaderOneByteDyn,
    /// `ReadOptions::read_reader::<DynArray>`, 1 to 7 bytes per call with `Interrupted` in
    /// between.
    ReaderChunkedDyn,
    /// `ReadOptions::read_reader::<DynArray>` on a `&[u8]` (everything in one call).
    ReaderDyn,
    /// `ReadOptions::read_path::<T>`.
    Path,
    /// `ReadOptions::read_path::<DynArray>`.
    PathDyn,
    /// `raw::from_slice::<T>` (default limits only).
    FromSlice,
    /// `raw::from_reader::<T>`, 1 to 7 bytes per call (default limits only).
    FromReaderChunked,
    /// `raw::from_path::<T>` (default limits only).
    FromPath,
}

impl Entry {
    /// The entry points that take limits.
    const ALL: [Entry; 8] = [
        Entry::Slice,
        Entry::SliceDyn,
        Entry::ReaderOneByte,
        Entry::ReaderOneByteDyn,
        Entry::ReaderChunkedDyn,
        Entry::ReaderDyn,
        Entry::Path,
        Entry::PathDyn,
    ];

    /// The entry points that use `Limits::default()`.
    const DEFAULT_LIMITS: [Entry; 3] =
        [Entry::FromSlice, Entry::FromReaderChunked, Entry::FromPath];

    /// Every entry point that can run with `limits`: [`Entry::ALL`], and the free functions
    /// too when `limits` are the defaults.
    fn all_for(limits: &Limits) -> Vec<Entry> {
        let mut entries = Entry::ALL.to_vec();
        if *limits == Limits::default() {
            entries.extend(Entry::DEFAULT_LIMITS);
        }
        entries
    }

    /// Calls the entry point and measures the call alone (with the value it returns); typed
    /// results become a [`DynArray`] after the measurement.
    ///
    /// # Panics
    ///
    /// When a default-limits entry point is run with other limits.
    fn run(
        self,
        bytes: &[u8],
        path: &Path,
        layout: &Layout,
        spec: &ArraySpec,
        limits: &Limits,
    ) -> (Result<DynArray>, usize) {
        assert!(
            !Entry::DEFAULT_LIMITS.contains(&self) || *limits == Limits::default(),
            "{self:?} takes no limits"
        );
        let options = ReadOptions::new().limits(limits.clone());
        let chunks = || ChunkReader::new(bytes, vec![3, 0, 1, 7, 2, 0, 5]);
        match self {
            Entry::Slice => with_element!(layout.dtype(), T => {
                let (r, peak) = alloc::measure(|| options.read_slice::<T>(bytes, layout, spec));
                (r.map(|v| DynArray::from(v.into_owned())), peak)
            }),
            Entry::SliceDyn => {
                alloc::measure(|| options.read_slice::<DynArray>(bytes, layout, spec))
            }
            Entry::ReaderOneByte => with_element!(layout.dtype(), T => {
                let reader = OneByteReader::new(bytes);
                let (r, peak) = alloc::measure(|| options.read_reader::<T, _>(reader, layout, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::ReaderOneByteDyn => {
                let reader = OneByteReader::new(bytes);
                alloc::measure(|| options.read_reader::<DynArray, _>(reader, layout, spec))
            }
            Entry::ReaderChunkedDyn => {
                let reader = chunks();
                alloc::measure(|| options.read_reader::<DynArray, _>(reader, layout, spec))
            }
            Entry::ReaderDyn => {
                alloc::measure(|| options.read_reader::<DynArray, _>(bytes, layout, spec))
            }
            Entry::Path => with_element!(layout.dtype(), T => {
                let (r, peak) = alloc::measure(|| options.read_path::<T>(path, layout, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::PathDyn => alloc::measure(|| options.read_path::<DynArray>(path, layout, spec)),
            Entry::FromSlice => with_element!(layout.dtype(), T => {
                let (r, peak) = alloc::measure(|| raw::from_slice::<T>(bytes, layout, spec));
                (r.map(|v| DynArray::from(v.into_owned())), peak)
            }),
            Entry::FromReaderChunked => with_element!(layout.dtype(), T => {
                let reader = chunks();
                let (r, peak) = alloc::measure(|| raw::from_reader::<T, _>(reader, layout, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::FromPath => with_element!(layout.dtype(), T => {
                let (r, peak) = alloc::measure(|| raw::from_path::<T>(path, layout, spec));
                (r.map(DynArray::from), peak)
            }),
        }
    }
}

/// A read result reduced to what must agree between entry points: the shape and the
/// C-order little-endian bytes of an accepted array, or the code of the error.
type Outcome = std::result::Result<(Vec<usize>, Vec<u8>), &'static str>;

fn outcome(result: Result<DynArray>) -> Outcome {
    result
        .map(|a| (a.shape().dims().to_vec(), c_order_le_bytes(&a)))
        .map_err(|e| e.code())
}

/// Input bytes together with a temporary file holding them, written before any measurement.
struct Input {
    bytes: Vec<u8>,
    file: tempfile::NamedTempFile,
}

impl Input {
    fn new(bytes: Vec<u8>) -> Input {
        let mut file = tempfile::NamedTempFile::new().expect("create a temporary file");
        file.write_all(&bytes).expect("write the temporary file");
        file.flush().expect("flush the temporary file");
        Input { bytes, file }
    }

    fn path(&self) -> &Path {
        self.file.path()
    }
}

// ---- value serialization (independent of the library's writer) -----------------------------

/// The C-order little-endian bytes of `array`, the bytes `fnv1a64` in expected.txt covers.
fn c_order_le_bytes(array: &DynArray) -> Vec<u8> {
    le_bytes(&array.clone().into_c_order())
}

// ---- 1. fixtures ----------------------------------------------------------------------------

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/raw")
}

fn expected() -> BTreeMap<String, Fields> {
    read_expected(&data_dir())
}

/// Parses the layout's axes: `?,3`, `2`, `()`.
fn parse_axes(text: &str) -> Vec<Axis> {
    if text == "()" {
        return Vec::new();
    }
    text.split(',')
        .map(|s| match s {
            "?" => Axis::Infer,
            n => Axis::Fixed(n.parse().expect("decimal axis")),
        })
        .collect()
}

/// Parses a result shape: `()`, `(7,)`, `(3,4)`.
fn parse_shape(text: &str) -> Vec<usize> {
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .expect("shape in parentheses");
    inner
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("decimal dim"))
        .collect()
}

/// Builds the layout a fixture line describes, through the notation it names. Building can
/// itself fail (the bad_typestr_* fixtures): that is the fixture's outcome.
fn layout_of(name: &str, fields: &Fields) -> Result<Layout> {
    let base = if let Some(typestr) = fields.get("typestr") {
        Layout::from_typestr(typestr)?
    } else if let Some(dtype) = fields.get("dtype") {
        let byte_order = match field(fields, name, "byteorder") {
            "little" => ByteOrder::Little,
            "big" => ByteOrder::Big,
            other => panic!("{name}: byteorder `{other}`"),
        };
        Layout::new(dtype.parse()?, byte_order)
    } else {
        let code = field(fields, name, "typecode");
        let mut chars = code.chars();
        let (Some(code), None) = (chars.next(), chars.next()) else {
            panic!("{name}: typecode `{code}` is not one character");
        };
        Layout::from_typecode(code, field(fields, name, "platform").parse()?)?
    };
    let order = match field(fields, name, "order") {
        "C" => Order::C,
        "F" => Order::F,
        other => panic!("{name}: order `{other}`"),
    };
    Ok(base
        .with_shape(parse_axes(field(fields, name, "shape")))?
        .with_order(order))
}

/// Nothing is silently skipped: the directory and expected.txt list the same files, and each
/// name says whether it must parse.
#[test]
fn every_fixture_is_listed_and_every_listing_exists() {
    let expected = expected();
    assert_every_fixture_listed(&data_dir(), "bin", &expected);
    assert!(expected.len() >= 100, "only {} fixtures", expected.len());
}

/// Every fixture, every entry point: ok files give the recorded shape and values bit for bit,
/// bad files the recorded code.
#[test]
fn fixtures_read_as_recorded_through_every_entry_point() {
    let spec = ArraySpec::any();
    let limits = Limits::default();
    let mut checked = 0;
    for (name, fields) in expected() {
        let path = data_dir().join(&name);
        let bytes = fs::read(&path).expect("read fixture");
        let layout = layout_of(&name, &fields);
        for entry in Entry::all_for(&limits) {
            let got = match &layout {
                Ok(layout) => outcome(entry.run(&bytes, &path, layout, &spec, &limits).0),
                Err(e) => Err(e.code()),
            };
            if let Some(code) = fields.get("code") {
                assert_eq!(got, Err(code.as_str()), "{name} via {entry:?}");
            } else {
                let (shape, values) = got.unwrap_or_else(|e| panic!("{name} via {entry:?}: {e}"));
                let want_shape = parse_shape(field(&fields, &name, "result_shape"));
                assert_eq!(shape, want_shape, "{name} via {entry:?}");
                let count: usize = field(&fields, &name, "count").parse().expect("count");
                assert_eq!(shape.iter().product::<usize>(), count, "{name}");
                let hash = format!("{:016x}", fnv1a64(&values));
                assert_eq!(
                    hash,
                    field(&fields, &name, "fnv1a64"),
                    "{name} via {entry:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 800, "{checked}");
}

/// The memory order recorded by the layout is the array's order; converting to C order is
/// what the hashes cover (an F fixture whose C-order bytes differ from its storage proves it).
#[test]
fn fortran_fixtures_keep_their_order() {
    let name = "ok_i4_be_f.bin";
    let fields = &expected()[name];
    let layout = layout_of(name, fields).expect("layout");
    let bytes = fs::read(data_dir().join(name)).expect("read fixture");
    let array = ReadOptions::new()
        .read_slice::<DynArray>(&bytes, &layout, &ArraySpec::any())
        .expect("read");
    assert_eq!(array.order(), Order::F);
    assert_eq!(array.shape().dims(), &[2, 3, 2]);
    assert_ne!(le_bytes(&array), c_order_le_bytes(&array));
}

// ---- 2. typecodes and platforms ---------------------------------------------------------------

fn fixture(name: &str) -> Vec<u8> {
    fs::read(data_dir().join(name)).expect("read fixture")
}

/// The same 24 bytes of Linux `array('l', [1, -2, 2**40])` are six `i32` on Windows, not
/// three `i64`.
#[test]
fn linux_long_read_as_windows_long_is_six_i32() {
    let bytes = fixture("ok_array_l_linux_read_as_windows.bin");
    assert_eq!(bytes.len(), 24);
    let spec = ArraySpec::any();
    let windows = Layout::from_typecode('l', Platform::WindowsX86_64).unwrap();
    assert_eq!(windows.dtype(), DType::I32);
    let six = raw::from_slice::<i32>(&bytes, &windows, &spec).unwrap();
    assert_eq!(six.shape().dims(), &[6]);
    assert_eq!(six.as_slice(), &[1, 0, -2, -1, 0, 256]);
    let linux = Layout::from_typecode('l', "linux-x86_64".parse().unwrap()).unwrap();
    let three = raw::from_reader::<i64, _>(OneByteReader::new(&bytes), &linux, &spec).unwrap();
    assert_eq!(three.as_slice(), &[1, -2, 1 << 40]);
    // Asking for i64 with the Windows layout is the caller's mistake, caught before reading.
    let err = raw::from_slice::<i64>(&bytes, &windows, &spec).unwrap_err();
    assert_eq!(err.code(), "spec.dtype");
}

/// 12 bytes (Windows `array('l', [1, -2, 3])`) read as Linux `l`: 12 is not a multiple of 8.
#[test]
fn windows_long_read_as_linux_long_is_a_length_mismatch() {
    let bytes = fixture("bad_array_l_windows_read_as_linux.bin");
    assert_eq!(bytes.len(), 12);
    let linux = Layout::from_typecode('l', Platform::LinuxX86_64).unwrap();
    let err = raw::from_slice::<i64>(&bytes, &linux, &ArraySpec::any()).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::LengthMismatch {
                found: 12,
                unit: 8,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "length mismatch: 12 bytes do not fit shape (?,): expected a multiple of 8 bytes"
    );
    let windows = Layout::from_typecode('l', Platform::WindowsX86_64).unwrap();
    let three = raw::from_slice::<i32>(&bytes, &windows, &ArraySpec::any()).unwrap();
    assert_eq!(three.as_slice(), &[1, -2, 3]);
}

/// Every typecode on every platform against the table of NPY-REFERENCE.md §2.
#[test]
fn typecode_table() {
    let lp64 = [
        Platform::LinuxX86_64,
        Platform::LinuxAarch64,
        Platform::LinuxS390x,
        Platform::MacosX86_64,
        Platform::MacosArm64,
    ];
    for platform in Platform::ALL {
        let long = if lp64.contains(&platform) {
            (DType::I64, DType::U64)
        } else {
            (DType::I32, DType::U32)
        };
        let table = [
            ('b', DType::I8),
            ('B', DType::U8),
            ('h', DType::I16),
            ('H', DType::U16),
            ('i', DType::I32),
            ('I', DType::U32),
            ('l', long.0),
            ('L', long.1),
            ('q', DType::I64),
            ('Q', DType::U64),
            ('e', DType::F16),
            ('f', DType::F32),
            ('d', DType::F64),
        ];
        for (code, dtype) in table {
            let layout = Layout::from_typecode(code, platform).unwrap();
            assert_eq!(layout.dtype(), dtype, "{code} on {platform}");
            assert_eq!(layout.byte_order(), platform.byte_order());
            assert_eq!(layout.shape(), &[Axis::Infer]);
        }
        let wchar = if platform.name().starts_with("windows") {
            2
        } else {
            4
        };
        assert_eq!(platform.wchar_size(), wchar);
        for code in ['u', 'w'] {
            let err = Layout::from_typecode(code, platform).unwrap_err();
            assert_eq!(err.code(), "dtype.unsupported", "{code} on {platform}");
        }
    }
    // Only IBM Z is big-endian; its `array('i', [1])` is `00 00 00 01`.
    let z = Layout::from_typecode('i', Platform::LinuxS390x).unwrap();
    let one = raw::from_slice::<i32>(&[0, 0, 0, 1], &z, &ArraySpec::any()).unwrap();
    assert_eq!(one.as_slice(), &[1]);
}

// ---- 3. spec mismatches and limits -------------------------------------------------------------

fn le_f32(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Each spec constraint, through every entry point, asserting its code.
#[test]
fn spec_mismatches_have_their_codes() {
    let rows = Layout::from_typestr("<f4")
        .unwrap()
        .with_shape([None, Some(3)])
        .unwrap();
    let six = le_f32(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let cases: Vec<(&str, Layout, Vec<u8>, ArraySpec, &str)> = vec![
        (
            "dtype",
            rows.clone(),
            six.clone(),
            ArraySpec::new(DType::F64),
            "spec.dtype",
        ),
        (
            "byte order",
            rows.clone(),
            six.clone(),
            ArraySpec::any().with_byte_order(ByteOrder::Big),
            "spec.byte_order",
        ),
        (
            "ndim",
            rows.clone(),
            six.clone(),
            ArraySpec::any().with_shape([Dim::Any]),
            "spec.ndim",
        ),
        (
            "fixed axis",
            rows.clone(),
            six.clone(),
            ArraySpec::any().with_shape([Dim::Any, Dim::Exact(2)]),
            "spec.shape",
        ),
        (
            "inferred axis",
            rows.clone(),
            six.clone(),
            ArraySpec::any().with_shape([Dim::Range { min: 3, max: 10 }, Dim::Any]),
            "spec.shape",
        ),
        (
            "order",
            rows.clone().with_order(Order::F),
            six.clone(),
            ArraySpec::any().with_order(Order::C),
            "spec.order",
        ),
        (
            "dtype before length",
            rows.clone(),
            six[..5].to_vec(),
            ArraySpec::new(DType::I32),
            "spec.dtype",
        ),
        (
            "fixed axis before length",
            rows.clone(),
            six[..5].to_vec(),
            ArraySpec::any().with_shape([Dim::Any, Dim::Exact(4)]),
            "spec.shape",
        ),
        (
            "length before inferred axis",
            rows.clone(),
            six[..5].to_vec(),
            ArraySpec::any().with_shape([Dim::Exact(7), Dim::Any]),
            "data.length_mismatch",
        ),
        (
            "fixed layout: spec before length",
            rows.clone().with_shape([2, 3]).unwrap(),
            six[..5].to_vec(),
            ArraySpec::new(DType::U8),
            "spec.dtype",
        ),
    ];
    for (what, layout, bytes, spec, code) in cases {
        let input = Input::new(bytes);
        for entry in Entry::all_for(&Limits::default()) {
            let (r, _) = entry.run(
                &input.bytes,
                input.path(),
                &layout,
                &spec,
                &Limits::default(),
            );
            assert_eq!(outcome(r), Err(code), "{what} via {entry:?}");
        }
    }
}

/// Specs that do hold, including an order constraint met by an F layout with one long axis.
#[test]
fn satisfied_specs_pass() {
    let layout = Layout::from_typestr("<f4")
        .unwrap()
        .with_shape([None, Some(3)])
        .unwrap()
        .with_order(Order::F);
    let spec = ArraySpec::new(DType::F32)
        .with_shape([Dim::Exact(1), Dim::Exact(3)])
        .with_order(Order::C)
        .with_byte_order(ByteOrder::Little);
    let bytes = le_f32(&[1.0, 2.0, 3.0]);
    let view = raw::from_slice::<f32>(&bytes, &layout, &spec).unwrap();
    assert_eq!(view.get(&[0, 2]), Some(&3.0));
}

fn limits(max_bytes: u64, max_elements: u64, max_ndim: usize) -> Limits {
    let mut l = Limits::default();
    l.max_bytes = max_bytes;
    l.max_elements = max_elements;
    l.max_ndim = max_ndim;
    l
}

/// The element count a read gives, or its error code.
type Count = std::result::Result<usize, &'static str>;

/// Each limit met exactly and exceeded by one, for fixed and inferred layouts.
#[test]
fn limits_are_strict_and_inclusive() {
    let u2 = Layout::from_typestr("<u2").unwrap();
    let fixed4 = u2.clone().with_shape([4]).unwrap();
    let eight = vec![0u8; 8];
    let ten = vec![0u8; 10];
    let cases: Vec<(&str, Layout, Vec<u8>, Limits, Count)> = vec![
        (
            "bytes met",
            u2.clone(),
            eight.clone(),
            limits(8, 100, 64),
            Ok(4),
        ),
        (
            "bytes exceeded",
            u2.clone(),
            ten.clone(),
            limits(8, 100, 64),
            Err("limit.bytes"),
        ),
        (
            "elements met",
            u2.clone(),
            eight.clone(),
            limits(100, 4, 64),
            Ok(4),
        ),
        (
            "elements exceeded",
            u2.clone(),
            ten.clone(),
            limits(100, 4, 64),
            Err("limit.elements"),
        ),
        (
            "fixed bytes met",
            fixed4.clone(),
            eight.clone(),
            limits(8, 4, 64),
            Ok(4),
        ),
        (
            "fixed bytes exceeded",
            fixed4.clone(),
            eight.clone(),
            limits(7, 4, 64),
            Err("limit.bytes"),
        ),
        (
            "fixed elements exceeded",
            fixed4.clone(),
            eight.clone(),
            limits(8, 3, 64),
            Err("limit.elements"),
        ),
        (
            "ndim met",
            u2.clone().with_shape([Some(1), None, Some(1)]).unwrap(),
            eight.clone(),
            limits(8, 4, 3),
            Ok(4),
        ),
        (
            "ndim exceeded, inferred",
            u2.clone().with_shape([Some(1), None, Some(1)]).unwrap(),
            eight.clone(),
            limits(8, 4, 2),
            Err("limit.ndim"),
        ),
        (
            "ndim exceeded, fixed",
            u2.clone().with_shape([1, 1, 4]).unwrap(),
            eight.clone(),
            limits(8, 4, 2),
            Err("limit.ndim"),
        ),
        // Both limits allow 8 bytes: elements are named, as `Plan::check` checks them first.
        (
            "tie between the limits",
            u2.clone(),
            ten.clone(),
            limits(8, 4, 64),
            Err("limit.elements"),
        ),
        // An odd length over the limit: the limit is reported, as a reader that stops one
        // byte past the cap must (it cannot know the full length).
        (
            "over the limit before divisibility",
            u2.clone(),
            vec![0; 9],
            limits(8, 100, 64),
            Err("limit.bytes"),
        ),
    ];
    for (what, layout, bytes, limits, want) in cases {
        let input = Input::new(bytes);
        for entry in Entry::all_for(&limits) {
            let (r, _) = entry.run(
                &input.bytes,
                input.path(),
                &layout,
                &ArraySpec::any(),
                &limits,
            );
            let got: Count = r.map(|a| a.len()).map_err(|e| e.code());
            assert_eq!(got, want, "{what} via {entry:?}");
        }
    }
}

/// `Limits::unlimited()` still compares a declared size with the bytes present before
/// allocating: 2^40 declared elements, 16 bytes given.
#[test]
fn unlimited_still_checks_the_bytes_present() {
    let layout = Layout::from_typestr("|u1")
        .unwrap()
        .with_shape([1usize << 40])
        .unwrap();
    let input = Input::new(vec![0; 16]);
    for entry in Entry::ALL {
        let (r, peak) = entry.run(
            &input.bytes,
            input.path(),
            &layout,
            &ArraySpec::any(),
            &Limits::unlimited(),
        );
        assert_eq!(outcome(r), Err("data.truncated"), "{entry:?}");
        assert!(peak <= SLACK, "{entry:?} allocated {peak} bytes");
    }
}

// ---- 4. hostile inputs under a counting allocator ----------------------------------------------

/// A reader that never ends.
struct Endless {
    delivered: u64,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        buf.fill(1);
        self.delivered += u64::try_from(buf.len()).expect("a buffer length fits in u64");
        Ok(buf.len())
    }
}

/// A reader whose every `read` fails.
struct Broken;

impl Read for Broken {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("device gone"))
    }
}

/// One row per attack from NPY-REFERENCE.md §4 that applies to raw buffers; every entry point
/// gives the row's code, and a refusal costs at most `SLACK` bytes of allocation.
#[test]
fn hostile_inputs_are_refused_cheaply() {
    let typestr = |t: &str| Layout::from_typestr(t).unwrap();
    let shaped = |t: &str, axes: &[Option<usize>]| typestr(t).with_shape(axes.to_vec()).unwrap();
    let linux_l = Layout::from_typecode('l', Platform::LinuxX86_64).unwrap();
    let huge = 1usize << 40;
    let rows: Vec<(&str, Layout, Vec<u8>, Limits, &str)> = vec![
        // §4.2 allocation before validation: huge declared shapes, tiny inputs.
        (
            "2^40 declared u1, 16 bytes",
            shaped("|u1", &[Some(huge)]),
            vec![0; 16],
            Limits::default(),
            "limit.elements",
        ),
        (
            "2^40 declared f8, 16 bytes",
            shaped("<f8", &[Some(huge)]),
            vec![0; 16],
            Limits::default(),
            "limit.elements",
        ),
        (
            "2^26 declared f8 (512 MiB)",
            shaped("<f8", &[Some(1 << 26)]),
            vec![0; 16],
            Limits::default(),
            "limit.bytes",
        ),
        (
            "2^40 declared, unlimited",
            shaped("<f8", &[Some(huge)]),
            vec![0; 16],
            Limits::unlimited(),
            "data.truncated",
        ),
        (
            "(2^40, ?) with 16 bytes",
            shaped("|u1", &[Some(huge), None]),
            vec![0; 16],
            Limits::default(),
            "data.length_mismatch",
        ),
        (
            "(2^40, ?) unlimited",
            shaped("|u1", &[Some(huge), None]),
            vec![0; 16],
            Limits::unlimited(),
            "data.length_mismatch",
        ),
        // §4.3 integer overflow.
        (
            "fixed product wraps to 4",
            shaped(
                "|u1",
                &[Some(4_194_305), Some(4_194_305), Some(211_106_198_978_564)],
            ),
            vec![0; 4],
            Limits::unlimited(),
            "shape.overflow",
        ),
        (
            "(2^40, 2^40, ?)",
            shaped("<i8", &[Some(huge), Some(huge), None]),
            vec![0; 16],
            Limits::unlimited(),
            "shape.overflow",
        ),
        (
            "(usize::MAX, ?)",
            shaped("|u1", &[Some(usize::MAX), None]),
            vec![0; 16],
            Limits::unlimited(),
            "shape.overflow",
        ),
        (
            "(0, 2^62, ?) of 8-byte items",
            shaped("<f8", &[Some(0), Some(1 << 62), None]),
            vec![],
            Limits::unlimited(),
            "shape.overflow",
        ),
        (
            "(2^62, 2^62, 0) fixed",
            shaped("<f8", &[Some(1 << 62), Some(1 << 62), Some(0)]),
            vec![],
            Limits::unlimited(),
            "shape.overflow",
        ),
        (
            "(0, ?) with 8 bytes",
            shaped("<f8", &[Some(0), None]),
            vec![0; 8],
            Limits::default(),
            "data.length_mismatch",
        ),
        (
            "(0, ?, 5) with 1 byte",
            shaped("|u1", &[Some(0), None, Some(5)]),
            vec![0; 1],
            Limits::default(),
            "data.length_mismatch",
        ),
        // §4.5 platform-width codes.
        (
            "Windows l bytes as Linux l",
            linux_l.clone(),
            vec![0; 12],
            Limits::default(),
            "data.length_mismatch",
        ),
        (
            "Linux l, one byte short",
            linux_l.clone(),
            vec![0; 23],
            Limits::default(),
            "data.length_mismatch",
        ),
        // §4.6 length mismatches.
        (
            "truncated by one",
            shaped("<c16", &[Some(2)]),
            vec![0; 31],
            Limits::default(),
            "data.truncated",
        ),
        (
            "trailing by one",
            shaped("<c16", &[Some(2)]),
            vec![0; 33],
            Limits::default(),
            "data.trailing",
        ),
        (
            "empty for fixed",
            shaped("<c8", &[Some(1)]),
            vec![],
            Limits::default(),
            "data.truncated",
        ),
        (
            "0-d with two items",
            shaped("<f4", &[]),
            vec![0; 8],
            Limits::default(),
            "data.trailing",
        ),
        (
            "rows not whole",
            shaped("<f4", &[None, Some(3)]),
            vec![0; 20],
            Limits::default(),
            "data.length_mismatch",
        ),
        // §4.9 value-level invalidity.
        (
            "bool byte 2",
            typestr("|b1"),
            vec![0, 1, 2],
            Limits::default(),
            "data.invalid_bool",
        ),
        (
            "bool byte 0xff, fixed",
            shaped("|b1", &[Some(2), Some(2)]),
            vec![1, 1, 1, 255],
            Limits::default(),
            "data.invalid_bool",
        ),
        (
            "bad bool and trailing: length first",
            shaped("|b1", &[Some(2)]),
            vec![2, 2, 2],
            Limits::default(),
            "data.trailing",
        ),
        (
            "bad bool and truncated: length first",
            shaped("|b1", &[Some(4)]),
            vec![2, 2, 2],
            Limits::default(),
            "data.truncated",
        ),
        // §4.10 resource caps.
        (
            "65 dims",
            typestr("|u1").with_shape(vec![1usize; 65]).unwrap(),
            vec![0],
            Limits::default(),
            "limit.ndim",
        ),
        (
            "65 dims, one inferred",
            typestr("|u1")
                .with_shape([vec![None], vec![Some(1); 64]].concat())
                .unwrap(),
            vec![0],
            Limits::default(),
            "limit.ndim",
        ),
        (
            "inferred over max_bytes",
            typestr("<u4"),
            vec![0; 4100],
            limits(4096, 1 << 20, 64),
            "limit.bytes",
        ),
        (
            "inferred over max_elements",
            typestr("<u4"),
            vec![0; 4100],
            limits(1 << 20, 1024, 64),
            "limit.elements",
        ),
    ];
    for (what, layout, bytes, limits, code) in rows {
        let input = Input::new(bytes);
        for entry in Entry::all_for(&limits) {
            let (r, peak) = entry.run(
                &input.bytes,
                input.path(),
                &layout,
                &ArraySpec::any(),
                &limits,
            );
            assert_eq!(outcome(r), Err(code), "{what} via {entry:?}");
            assert!(
                peak <= SLACK,
                "{what} via {entry:?}: allocated {peak} bytes"
            );
        }
    }
}

/// Two inferred axes cannot be expressed: the layout is refused when built.
#[test]
fn two_inferred_axes_are_refused() {
    let err = Layout::from_typestr("<i4")
        .unwrap()
        .with_shape([None, Some(3), None])
        .unwrap_err();
    assert_eq!(err.code(), "usage.invalid_layout");
}

/// A reader that never ends, with an inferred axis: refused one byte past the limit, with a
/// buffer never larger than the limit plus one element (plus the allocator's slack).
#[test]
fn endless_reader_is_cut_at_the_limit() {
    let limits = limits(1 << 20, 1 << 30, 64);
    for layout in [
        Layout::from_typestr("|u1").unwrap(),
        Layout::from_typestr(">c16")
            .unwrap()
            .with_shape([Some(2), None])
            .unwrap(),
    ] {
        let mut source = Endless { delivered: 0 };
        let (r, peak) = alloc::measure(|| {
            ReadOptions::new()
                .limits(limits.clone())
                .read_reader::<DynArray, _>(&mut source, &layout, &ArraySpec::any())
        });
        let err = r.unwrap_err();
        assert!(
            matches!(
                err.kind(),
                ErrorKind::LimitExceeded {
                    kind: LimitKind::Bytes,
                    limit: 1_048_576,
                    ..
                }
            ),
            "{err}"
        );
        assert!(source.delivered <= (1 << 20) + 16, "{}", source.delivered);
        assert!(peak <= (1 << 20) + SLACK, "allocated {peak} bytes");
    }
    // A fixed layout stops one byte past its size.
    let fixed = Layout::from_typestr("<f8")
        .unwrap()
        .with_shape([4])
        .unwrap();
    let mut source = Endless { delivered: 0 };
    let err = raw::from_reader::<f64, _>(&mut source, &fixed, &ArraySpec::any()).unwrap_err();
    assert_eq!(err.code(), "data.trailing");
    assert_eq!(err.offset(), Some(32));
    assert_eq!(source.delivered, 33);
}

/// A reader that fails is an I/O error, not a length error.
#[test]
fn reader_errors_are_io() {
    for layout in [
        Layout::from_typestr("<f8").unwrap(),
        Layout::from_typestr("<f8")
            .unwrap()
            .with_shape([2])
            .unwrap(),
    ] {
        let err = ReadOptions::new()
            .read_reader::<DynArray, _>(Broken, &layout, &ArraySpec::any())
            .unwrap_err();
        assert!(err.is_io(), "{err}");
    }
    let err = raw::from_path::<u8>(
        data_dir().join("no_such_file.bin"),
        &Layout::from_typestr("|u1").unwrap(),
        &ArraySpec::any(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "io");
}

/// An accepted read allocates its payload once plus a small constant (slice copies, files),
/// and a reader of unknown length at most about twice what it delivered.
#[test]
fn accepted_reads_allocate_about_their_payload() {
    let n = 1usize << 18;
    let count = u32::try_from(n).unwrap();
    let bytes: Vec<u8> = (0..count).flat_map(|i| i.to_be_bytes()).collect();
    let input = Input::new(bytes);
    let payload = n * 4;
    for layout in [
        Layout::from_typestr(">u4").unwrap(),
        Layout::from_typestr(">u4")
            .unwrap()
            .with_shape([n])
            .unwrap(),
    ] {
        for entry in Entry::all_for(&Limits::default()) {
            let (r, peak) = entry.run(
                &input.bytes,
                input.path(),
                &layout,
                &ArraySpec::any(),
                &Limits::default(),
            );
            assert_eq!(r.expect("accepted").len(), n);
            // Slices (big-endian, so copied) and files allocate the payload once; readers of
            // unknown length grow their buffer by doubling.
            let bound = match entry {
                Entry::Slice
                | Entry::SliceDyn
                | Entry::Path
                | Entry::PathDyn
                | Entry::FromSlice
                | Entry::FromPath => payload + SLACK,
                _ => 2 * payload + SLACK,
            };
            assert!(
                peak <= bound,
                "{entry:?}: allocated {peak} bytes for a {payload}-byte payload"
            );
        }
    }
}

/// Aligned native-endian slices are borrowed; others are copied with the same values.
#[test]
fn zero_copy_when_aligned_and_native() {
    let values: Vec<u32> = (0..16).map(|i| i * 0x0101_0101).collect();
    let mut storage: Vec<u8> = vec![0; 4 * values.len() + 8];
    let start = storage.as_ptr().align_offset(4);
    let native: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
    storage[start..start + native.len()].copy_from_slice(&native);
    let aligned = &storage[start..start + native.len()];
    let order = if cfg!(target_endian = "little") {
        "<u4"
    } else {
        ">u4"
    };
    let layout = Layout::from_typestr(order).unwrap();
    let view = raw::from_slice::<u32>(aligned, &layout, &ArraySpec::any()).unwrap();
    assert!(view.is_borrowed());
    assert_eq!(view.as_slice(), &values[..]);
    // One byte off: misaligned, so copied.
    storage.copy_within(start..start + native.len(), start + 1);
    let misaligned = &storage[start + 1..start + 1 + native.len()];
    let view = raw::from_slice::<u32>(misaligned, &layout, &ArraySpec::any()).unwrap();
    assert!(!view.is_borrowed());
    assert_eq!(view.as_slice(), &values[..]);
}

/// Error offsets count from the buffer's first byte.
#[test]
fn offsets_are_within_the_buffer() {
    let layout = Layout::from_typestr("|b1")
        .unwrap()
        .with_shape([2, 3])
        .unwrap();
    let err = raw::from_slice::<bool>(&[0, 1, 0, 1, 7, 0], &layout, &ArraySpec::any()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidBool { index: 4, value: 7 })
            && err.offset() == Some(4),
        "{err}"
    );
    let err = raw::from_slice::<bool>(&[0; 7], &layout, &ArraySpec::any()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TrailingData { expected: 6 }) && err.offset() == Some(6),
        "{err}"
    );
    let err = raw::from_slice::<bool>(&[0; 5], &layout, &ArraySpec::any()).unwrap_err();
    assert!(
        matches!(
            err.kind(),
            ErrorKind::TruncatedData {
                expected: 6,
                found: 5
            }
        ) && err.offset() == Some(0),
        "{err}"
    );
}

// ---- 5. properties -------------------------------------------------------------------------

fn dtype() -> impl Strategy<Value = DType> {
    proptest::sample::select(DType::ALL.to_vec())
}

fn byte_order() -> impl Strategy<Value = ByteOrder> {
    prop_oneof![Just(ByteOrder::Little), Just(ByteOrder::Big)]
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::C), Just(Order::F)]
}

/// A valid buffer: dtype, byte order, order, dims, which axis (if any) the layout infers, and
/// storage bytes of the right length (bool bytes 0 or 1).
#[derive(Clone, Debug)]
struct Valid {
    dtype: DType,
    byte_order: ByteOrder,
    order: Order,
    dims: Vec<usize>,
    infer: Option<usize>,
    bytes: Vec<u8>,
}

impl Valid {
    fn layout(&self) -> Layout {
        let axes: Vec<Axis> = self
            .dims
            .iter()
            .enumerate()
            .map(|(i, &d)| {
                if Some(i) == self.infer {
                    Axis::Infer
                } else {
                    Axis::Fixed(d)
                }
            })
            .collect();
        Layout::new(self.dtype, self.byte_order)
            .with_shape(axes)
            .expect("at most one inferred axis")
            .with_order(self.order)
    }

    /// The shape a reader finds: the dims, except that an inferred axis beside a zero fixed
    /// axis is read as 0.
    fn expected_dims(&self) -> Vec<usize> {
        let mut dims = self.dims.clone();
        if let Some(i) = self.infer {
            let others: usize = dims
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &d)| d)
                .product();
            if others == 0 {
                dims[i] = 0;
            }
        }
        dims
    }
}

fn valid() -> impl Strategy<Value = Valid> {
    (
        dtype(),
        byte_order(),
        order(),
        prop::collection::vec(0usize..4, 0..=4),
        any::<Option<Index>>(),
    )
        .prop_flat_map(|(dtype, byte_order, order, dims, infer)| {
            let count: usize = dims.iter().product();
            let infer = if dims.is_empty() {
                None
            } else {
                infer.map(|i| i.index(dims.len()))
            };
            let len = count * dtype.itemsize();
            prop::collection::vec(any::<u8>(), len).prop_map(move |mut bytes| {
                if dtype == DType::Bool {
                    bytes.iter_mut().for_each(|b| *b &= 1);
                }
                Valid {
                    dtype,
                    byte_order,
                    order,
                    dims: dims.clone(),
                    infer,
                    bytes,
                }
            })
        })
}

/// A reference decoder, written for clarity: for each element in C order, find where the
/// buffer stores it (C or F order) and reverse each swap unit of a big-endian element.
fn reference_decode(v: &Valid) -> Vec<u8> {
    let dims = v.expected_dims();
    let item = v.dtype.itemsize();
    let unit = v.dtype.unit_size();
    let count: usize = dims.iter().product();
    let mut out = Vec::with_capacity(count * item);
    for flat in 0..count {
        let mut index = vec![0; dims.len()];
        let mut rest = flat;
        for axis in (0..dims.len()).rev() {
            index[axis] = rest % dims[axis];
            rest /= dims[axis];
        }
        let stored = match v.order {
            Order::C => flat,
            Order::F => (0..dims.len())
                .rev()
                .fold(0, |acc, axis| acc * dims[axis] + index[axis]),
        };
        let element = &v.bytes[stored * item..(stored + 1) * item];
        for part in element.chunks(unit) {
            match v.byte_order {
                ByteOrder::Little => out.extend_from_slice(part),
                ByteOrder::Big => out.extend(part.iter().rev()),
            }
        }
    }
    out
}

/// Axes of an arbitrary layout: mostly small, sometimes 0 or huge, at most one inferred.
fn arbitrary_axes() -> impl Strategy<Value = Vec<Axis>> {
    let size = prop_oneof![
        6 => 0usize..5,
        1 => Just(1usize << 40),
        1 => Just(usize::MAX),
        1 => Just(1usize << 62),
    ];
    (prop::collection::vec(size, 0..6), any::<Option<Index>>()).prop_map(|(dims, infer)| {
        let infer = if dims.is_empty() {
            None
        } else {
            infer.map(|i| i.index(dims.len()))
        };
        dims.iter()
            .enumerate()
            .map(|(i, &d)| {
                if Some(i) == infer {
                    Axis::Infer
                } else {
                    Axis::Fixed(d)
                }
            })
            .collect()
    })
}

fn arbitrary_layout() -> impl Strategy<Value = Layout> {
    (dtype(), byte_order(), order(), arbitrary_axes()).prop_map(|(dtype, bo, order, axes)| {
        Layout::new(dtype, bo)
            .with_shape(axes)
            .expect("at most one inferred axis")
            .with_order(order)
    })
}

fn dim() -> impl Strategy<Value = Dim> {
    prop_oneof![
        Just(Dim::Any),
        (0usize..5).prop_map(Dim::Exact),
        (0usize..3, 0usize..6).prop_map(|(min, max)| Dim::Range { min, max }),
    ]
}

fn spec() -> impl Strategy<Value = ArraySpec> {
    (
        prop::option::of(prop::collection::vec(dtype(), 1..4)),
        prop::option::of(prop::collection::vec(dim(), 0..5)),
        prop::option::of(order()),
        prop::option::of(byte_order()),
    )
        .prop_map(|(dtypes, dims, order, byte_order)| {
            common::spec_from(dtypes, dims, order, byte_order)
        })
}

fn arbitrary_limits() -> impl Strategy<Value = Limits> {
    (0u64..300, 0u64..100, 0usize..6).prop_map(|(b, e, n)| limits(b, e, n))
}

/// Whether an accepted array has the layout's dtype and satisfies the spec (with the
/// layout's byte order) and the limits it was read with.
fn fits_layout_and_spec(
    array: &DynArray,
    layout: &Layout,
    spec: &ArraySpec,
    limits: &Limits,
) -> std::result::Result<(), String> {
    if array.dtype() != layout.dtype() {
        return Err(format!("dtype {}, not the layout's", array.dtype()));
    }
    common::satisfies(array, Some(layout.byte_order()), spec, limits).map_err(|v| v.to_string())
}

proptest! {
    #![proptest_config(config(128))]

    /// Bytes → read → C-order little-endian values equal the reference decoder's, bit for
    /// bit, through the slice (typed and dynamic), a chunked reader and a file.
    #[test]
    fn reads_match_the_reference_decoder(v in valid()) {
        let layout = v.layout();
        let want = (v.expected_dims(), reference_decode(&v));
        let input = Input::new(v.bytes.clone());
        for entry in [Entry::Slice, Entry::SliceDyn, Entry::ReaderChunkedDyn, Entry::PathDyn] {
            let (r, _) = entry.run(&input.bytes, input.path(), &layout, &ArraySpec::any(), &Limits::default());
            let array = r.map_err(|e| TestCaseError::fail(format!("{entry:?}: {e}")))?;
            prop_assert_eq!(array.order(), v.order);
            prop_assert_eq!(outcome(Ok(array)), Ok(want.clone()), "{:?}", entry);
        }
    }

    /// Arbitrary bytes with arbitrary layouts, specs and limits never panic; slice and readers
    /// agree; what is accepted satisfies the spec and the limits; a refusal allocates at most
    /// `SLACK` bytes and an acceptance at most its payload twice over plus `SLACK`.
    #[test]
    fn arbitrary_inputs_never_panic_and_respect_spec_and_limits(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        layout in arbitrary_layout(),
        spec in spec(),
        limits in arbitrary_limits(),
    ) {
        let options = ReadOptions::new().limits(limits.clone());
        let (slice, peak) = alloc::measure(|| options.read_slice::<DynArray>(&bytes, &layout, &spec));
        match &slice {
            Ok(array) => {
                prop_assert!(fits_layout_and_spec(array, &layout, &spec, &limits).is_ok(), "{:?}", fits_layout_and_spec(array, &layout, &spec, &limits));
                prop_assert!(peak <= 2 * bytes.len() + SLACK);
            }
            Err(_) => prop_assert!(peak <= SLACK, "refusal allocated {} bytes", peak),
        }
        let slice = outcome(slice);
        let (reader, peak) = alloc::measure(|| options.read_reader::<DynArray, _>(ChunkReader::new(&bytes, vec![2, 0, 5]), &layout, &spec));
        prop_assert!(peak <= 2 * bytes.len() + SLACK);
        prop_assert_eq!(outcome(reader), slice.clone());
        let (one, _) = alloc::measure(|| options.read_reader::<DynArray, _>(OneByteReader::new(&bytes), &layout, &spec));
        prop_assert_eq!(outcome(one), slice);
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// A reader delivering arbitrary chunk sizes (with `Interrupted` between) and a file give
    /// exactly the slice's result, for valid buffers and for ones a few bytes off.
    #[test]
    fn chunked_reader_and_path_give_the_slice_result(
        v in valid(),
        cut in 0usize..3,
        extra in prop::collection::vec(any::<u8>(), 0..3),
        sizes in prop::collection::vec(0usize..9, 1..5),
    ) {
        let layout = v.layout();
        let mut bytes = v.bytes.clone();
        bytes.truncate(bytes.len().saturating_sub(cut));
        bytes.extend(&extra);
        let mut sizes = sizes;
        sizes.push(1);
        let input = Input::new(bytes);
        let spec = ArraySpec::any();
        let limits = Limits::default();
        let slice = outcome(ReadOptions::new().read_slice::<DynArray>(&input.bytes, &layout, &spec));
        let chunked = outcome(
            ReadOptions::new().read_reader::<DynArray, _>(ChunkReader::new(&input.bytes, sizes), &layout, &spec),
        );
        prop_assert_eq!(&chunked, &slice);
        for entry in Entry::all_for(&limits) {
            let (r, _) = entry.run(&input.bytes, input.path(), &layout, &spec, &limits);
            prop_assert_eq!(&outcome(r), &slice, "{:?}", entry);
        }
    }
}
