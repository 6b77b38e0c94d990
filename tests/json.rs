//! The JSON front-end: fixtures written by Python and NumPy (`tests/data/json/`), read through
//! every entry point under a counting allocator; the wording of every error kind; spec dims,
//! limits and depth enforced while the text streams; exact numbers; envelopes; the serde seed
//! inside serde_json and CBOR; and property tests (round trips with the writer, agreement with
//! serde_json and `str::parse`, no panic on arbitrary text, accepted output within its spec).

mod common;

use std::io::{self, Read};
use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use arrayguard::json::{self, Form, JsonItem, ReadOptions, WriteOptions};
use arrayguard::{
    npy, Array, ArraySpec, ByteOrder, Complex32, DType, Dim, DynArray, Error, ErrorKind, LimitKind,
    Limits, Order, Shape,
};
use proptest::prelude::*;
use serde::de::DeserializeSeed;
use serde::Deserialize;

use common::alloc::{self, CountingAlloc};
use common::fixtures::{assert_every_fixture_listed, fnv1a64, read_expected};
use common::{with_element, ChunkReader, OneByteReader};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What a refused input may allocate, and what an accepted one may allocate beyond its
/// output (the output grows by a sixteenth at a time, so a sixteenth of it is allowed too).
const SLACK: usize = 64 * 1024;

/// No entry point may take longer than this on any fixture (the reader is linear).
const TIME_BOUND: Duration = Duration::from_secs(2);

fn fixtures_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/json"))
}

/// The elements in C order, each little-endian.
fn le_c_bytes(array: &DynArray) -> Vec<u8> {
    array.clone().into_c_order().to_le_bytes()
}

/// A byte count for allocation bounds.
fn output_bytes(array: &DynArray) -> usize {
    array.len() * array.dtype().itemsize()
}

/// `spec` narrowed to `dtype`: nested arrays carry no dtype, so a [`DynArray`] read of nested
/// arrays takes the one dtype its spec allows.
fn only(spec: &ArraySpec, dtype: DType) -> ArraySpec {
    assert!(spec.allows_dtype(dtype), "{spec:?} refuses {dtype}");
    spec.clone().with_dtypes([dtype])
}

/// One public way to read a fixture. `Dyn` entry points read into a [`DynArray`] (nested
/// arrays with the spec narrowed to the fixture's dtype, envelopes with the spec as given),
/// the others into `Array<T>` for the fixture's dtype. The `Detect` ones read with
/// [`Form::Detect`], which tells the forms apart by the first byte, so they skip the fixtures
/// whose form the first byte does not give (an envelope fixture that is an array). `FromSlice`
/// (`json::from_slice`, default options) reads nested arrays without `NaN` tokens only.
#[derive(Clone, Copy, Debug)]
enum Entry {
    SliceDyn,
    StrDyn,
    ReaderDyn,
    OneByteReaderDyn,
    TypedSlice,
    TypedChunkReader,
    DetectSliceDyn,
    DetectTypedOneByteReader,
    FromSlice,
}

impl Entry {
    const ALL: [Entry; 9] = [
        Entry::SliceDyn,
        Entry::StrDyn,
        Entry::ReaderDyn,
        Entry::OneByteReaderDyn,
        Entry::TypedSlice,
        Entry::TypedChunkReader,
        Entry::DetectSliceDyn,
        Entry::DetectTypedOneByteReader,
        Entry::FromSlice,
    ];

    /// Reads `bytes` as nested arrays of `dtype` (`envelope == false`) or an envelope (which
    /// should declare `dtype`), with `NaN` tokens allowed or not, and returns the result with
    /// the peak bytes allocated during the call; `None` when the entry point does not apply.
    fn run(
        self,
        bytes: &[u8],
        dtype: DType,
        envelope: bool,
        allow_nan: bool,
        spec: &ArraySpec,
    ) -> Option<(arrayguard::Result<DynArray>, usize)> {
        let options = ReadOptions::new().allow_nan(allow_nan);
        // The form and the spec of the `DynArray` reads, built before any measurement.
        let (o, dyn_spec) = if envelope {
            (options.clone().form(Form::Envelope), spec.clone())
        } else {
            (options.clone(), only(spec, dtype))
        };
        let detect = options.form(Form::Detect);
        // The first byte after JSON whitespace, as `Form::Detect` reads it.
        let starts_an_object = bytes
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            == Some(&b'{');
        if matches!(
            self,
            Entry::DetectSliceDyn | Entry::DetectTypedOneByteReader
        ) && starts_an_object != envelope
        {
            return None;
        }
        let s = &dyn_spec;
        Some(match self {
            Entry::SliceDyn => alloc::measure(|| o.read_slice::<DynArray>(bytes, s)),
            Entry::StrDyn => {
                let text = std::str::from_utf8(bytes).ok()?;
                alloc::measure(|| o.read_str::<DynArray>(text, s))
            }
            Entry::ReaderDyn => alloc::measure(|| o.read_reader::<DynArray, _>(bytes, s)),
            Entry::OneByteReaderDyn => {
                let r = OneByteReader::new(bytes);
                alloc::measure(|| o.read_reader::<DynArray, _>(r, s))
            }
            Entry::TypedSlice => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| o.read_slice::<T>(bytes, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::TypedChunkReader => with_element!(dtype, T => {
                let r = ChunkReader::new(bytes, vec![7, 0, 3, 1000]);
                let (r, peak) = alloc::measure(|| o.read_reader::<T, _>(r, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::DetectSliceDyn => alloc::measure(|| detect.read_slice::<DynArray>(bytes, s)),
            Entry::DetectTypedOneByteReader => with_element!(dtype, T => {
                let r = OneByteReader::new(bytes);
                let (r, peak) = alloc::measure(|| detect.read_reader::<T, _>(r, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::FromSlice => {
                if envelope || allow_nan {
                    return None;
                }
                with_element!(dtype, T => {
                    let (r, peak) = alloc::measure(|| json::from_slice::<T>(bytes, spec));
                    (r.map(DynArray::from), peak)
                })
            }
        })
    }
}

fn shape_text(dims: &[usize]) -> String {
    Shape::new(dims.to_vec())
        .unwrap()
        .to_string()
        .replace(' ', "")
}

/// Nothing is silently skipped: the directory and expected.txt list the same files, and each
/// name says whether it must parse.
#[test]
fn every_fixture_is_listed() {
    let expected = read_expected(fixtures_dir());
    assert_every_fixture_listed(fixtures_dir(), "json", &expected);
    let listed: Vec<&String> = expected.keys().collect();
    assert!(listed.iter().filter(|n| n.starts_with("ok_")).count() >= 35);
    assert!(listed.iter().filter(|n| n.starts_with("bad_")).count() >= 60);
}

/// Every fixture through every entry point: `ok_*` files give the array NumPy made (shape
/// and a hash of its bytes), `bad_*` files the recorded error code and path; a refused file
/// costs less than 64 KiB, an accepted one at most its output plus 64 KiB (and a sixteenth).
#[test]
fn fixtures_through_every_entry_point() {
    let mut failures = Vec::new();
    for (name, fields) in read_expected(fixtures_dir()) {
        let bytes = std::fs::read(fixtures_dir().join(&name)).unwrap();
        let dtype: DType = fields["dtype"].parse().unwrap();
        let envelope = fields["form"] == "envelope";
        let allow_nan = fields["allow_nan"] == "1";
        for entry in Entry::ALL {
            let start = Instant::now();
            let Some((result, peak)) =
                entry.run(&bytes, dtype, envelope, allow_nan, &ArraySpec::any())
            else {
                continue;
            };
            let elapsed = start.elapsed();
            let who = format!("{name} via {entry:?}");
            if elapsed > TIME_BOUND {
                failures.push(format!("{who}: took {elapsed:?}"));
            }
            match (name.starts_with("ok_"), result) {
                (true, Ok(array)) => {
                    let hash = format!("{:016x}", fnv1a64(&le_c_bytes(&array)));
                    if hash != fields["fnv1a64"]
                        || shape_text(array.shape().dims()) != fields["shape"]
                    {
                        failures.push(format!(
                            "{who}: got shape {} hash {hash}, expected {} {}",
                            array.shape(),
                            fields["shape"],
                            fields["fnv1a64"]
                        ));
                    }
                    if array.dtype() != dtype {
                        failures.push(format!("{who}: dtype {}", array.dtype()));
                    }
                    let bound = output_bytes(&array) * 17 / 16 + SLACK;
                    if peak > bound {
                        failures.push(format!("{who}: accepted with peak {peak} > {bound}"));
                    }
                }
                (true, Err(e)) => failures.push(format!("{who}: refused: {e}")),
                (false, Ok(a)) => failures.push(format!("{who}: accepted {:?}", a.shape())),
                (false, Err(e)) => {
                    if e.code() != fields["code"] {
                        failures.push(format!(
                            "{who}: code {} ({e}), expected {}",
                            e.code(),
                            fields["code"]
                        ));
                    }
                    if let Some(path) = fields.get("path") {
                        let got = e.json_position().map(|p| p.path().to_owned());
                        if got.as_deref() != Some(path.as_str()) {
                            failures.push(format!("{who}: path {got:?}, expected {path} ({e})"));
                        }
                    }
                    if peak >= SLACK {
                        failures.push(format!("{who}: refused with peak {peak} >= {SLACK}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The wording of each error kind, with its position (the messages are part of the
/// interface people read).
#[test]
fn error_messages() {
    let nested: &[(&str, DType, &str)] = &[
        (
            "[[1,2],[3]]",
            DType::I32,
            "ragged array at [1] (line 1, column 10): expected an array of 2 elements, found an array of 1 element",
        ),
        (
            "[[1,2],[3,4,5]]",
            DType::I32,
            "ragged array at [1][2] (line 1, column 13): expected an array of 2 elements, found an array of more than 2 elements",
        ),
        (
            "[[1,2],3]",
            DType::I32,
            "ragged array at [1] (line 1, column 8): expected an array of 2 elements, found a scalar",
        ),
        (
            "[1,[2]]",
            DType::I32,
            "ragged array at [1] (line 1, column 4): expected a scalar, found an array",
        ),
        (
            "[1, 1.5]",
            DType::I32,
            "not an integer at [1] (line 1, column 5): `i32` takes integers written without fraction or exponent, found `1.5`",
        ),
        (
            "[128]",
            DType::I8,
            "number out of range at [0] (line 1, column 2): `128` does not fit in `i8`",
        ),
        (
            "[true]",
            DType::F64,
            "unexpected value at [0] (line 1, column 2): expected a number, found `true`",
        ),
        (
            "[1]",
            DType::Bool,
            "unexpected value at [0] (line 1, column 2): expected `true` or `false`, found a number",
        ),
        (
            "[NaN]",
            DType::F64,
            "unexpected value at [0] (line 1, column 2): expected a finite number (`NaN` and infinities need `ReadOptions::allow_nan`), found `NaN`",
        ),
        (
            "[\"1\"]",
            DType::U8,
            "unexpected value at [0] (line 1, column 2): expected an integer, found a string",
        ),
        (
            "[1, 2] x",
            DType::F64,
            "invalid JSON at line 1, column 8: expected the end of the input after the value, found `x`",
        ),
        (
            "[01]",
            DType::F64,
            "invalid JSON at [0] (line 1, column 3): expected a single `0` before the point: leading zeros are not JSON",
        ),
        (
            "\u{feff}[1]",
            DType::F64,
            "invalid JSON at line 1, column 1: a byte order mark is not allowed before JSON text",
        ),
        ("", DType::F64, "invalid JSON at line 1, column 1: unexpected end of input, expected a value"),
        (
            "[1,\n 2,\r\n  x]",
            DType::F64,
            "invalid JSON at [2] (line 3, column 3): expected a value, found `x`",
        ),
        (
            "[1 2]",
            DType::F64,
            "invalid JSON at [0] (line 1, column 4): expected `,` or `]`, found `2`",
        ),
        (
            "1.5",
            DType::Complex64,
            "ragged array at line 1, column 1: expected an array of 2 elements, found a scalar",
        ),
    ];
    for (text, dtype, message) in nested {
        let e = ReadOptions::new()
            .read_str::<DynArray>(text, &only(&ArraySpec::any(), *dtype))
            .unwrap_err();
        assert_eq!(e.to_string(), *message, "{text:?}");
    }
    let long = format!("[{}]", "1".repeat(2000));
    let e = json::from_str::<f64>(&long, &ArraySpec::any()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "number too long at [0] (line 1, column 2): expected at most 1024 bytes"
    );
    let envelopes: &[(&str, &str)] = &[
        (
            r#"{"dtype": "<f4", "shape": [2, 3], "data": [1,2,3,4,5]}"#,
            "ragged array at data (line 1, column 53): expected an array of 6 elements, found an array of 5 elements",
        ),
        (
            r#"{"dtype": "<f4", "shape": [2, 3], "data": "AAAA"}"#,
            "invalid array envelope at data (line 1, column 43): base64 data holds fewer bytes than the declared shape (2, 3) of `f32` needs (24 bytes, 32 base64 characters with padding)",
        ),
        (
            r#"{"data": [1], "dtype": "<f4", "shape": [1]}"#,
            "invalid array envelope at line 1, column 2: `data` must come after `dtype` and `shape`, so that the declared size is checked before the data is read",
        ),
        (
            r#"{"dtype": "<f4", "dtype": "<f4"}"#,
            "invalid array envelope at line 1, column 17: duplicate key `dtype`",
        ),
        (
            r#"{"dtype": "|O", "shape": [1], "data": [1]}"#,
            "object dtype in `|O`: the payload would be a pickle, which is never loaded, at dtype (line 1, column 10)",
        ),
        (
            r#"{"dtype": "<f4", "shape": [-1], "data": [1]}"#,
            "invalid array envelope at shape[0] (line 1, column 28): expected a non-negative integer, found `-`",
        ),
    ];
    for (text, message) in envelopes {
        let e = ReadOptions::new()
            .form(Form::Envelope)
            .read_str::<DynArray>(text, &ArraySpec::any())
            .unwrap_err();
        assert_eq!(e.to_string(), *message, "{text}");
    }
}

#[test]
fn positions_count_lines_and_byte_columns_from_one() {
    // "é" is two bytes: columns count bytes.
    let text = "[\n  [1, 2],\n  [3, \"\u{e9}\"]\n]";
    let e = json::from_str::<i32>(text, &ArraySpec::any()).unwrap_err();
    let p = e.json_position().unwrap();
    assert_eq!(
        (p.path(), p.line(), p.column()),
        ("[1][1]", Some(3), Some(7))
    );
    assert_eq!(p.offset(), Some(18));
    assert_eq!(e.offset(), Some(18));
    assert_eq!(&text[18..19], "\"");
}

/// The spec's dims are enforced while the text streams: reading stops at the first element
/// beyond an axis (what follows it is never looked at), at the `[` that opens one level too
/// many, and at the scalar that closes one too few.
#[test]
fn spec_dims_stop_reading_at_the_first_offending_element() {
    let spec = ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]);
    let e = json::from_str::<f32>("[[1, 2, 3, 4 this is never read", &spec).unwrap_err();
    assert_eq!(e.code(), "spec.shape");
    assert!(matches!(
        e.kind(),
        ErrorKind::ShapeMismatch {
            axis: 1,
            found: 4,
            ..
        }
    ));
    assert_eq!(e.json_position().unwrap().path(), "[0][3]");
    assert_eq!(e.json_position().unwrap().column(), Some(12));

    let e = json::from_str::<f32>("[[[ never read", &spec).unwrap_err();
    assert_eq!(e.code(), "spec.ndim");
    assert_eq!(e.json_position().unwrap().path(), "[0][0]");

    let e = json::from_str::<f32>("[1, never read", &spec).unwrap_err();
    assert_eq!(e.code(), "spec.ndim");

    let e = json::from_str::<f32>("[[1, 2], never read", &spec).unwrap_err();
    assert_eq!(e.code(), "spec.shape");
    assert!(matches!(
        e.kind(),
        ErrorKind::ShapeMismatch {
            axis: 1,
            found: 2,
            ..
        }
    ));

    let spec = ArraySpec::new(DType::U8).with_shape([Dim::Range { min: 1, max: 2 }]);
    assert_eq!(json::from_str::<u8>("[1, 2]", &spec).unwrap().len(), 2);
    let e = json::from_str::<u8>("[1, 2, 3 never", &spec).unwrap_err();
    assert_eq!(e.json_position().unwrap().path(), "[2]");
    assert_eq!(
        json::from_str::<u8>("[]", &spec).unwrap_err().code(),
        "spec.shape"
    );

    // The dtype is checked before anything is read.
    let e = json::from_str::<f64>("[1, 2, 3", &ArraySpec::new(DType::F32)).unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::DTypeMismatch { .. }));

    // JSON text has no byte order: a spec that requires one is satisfied.
    let spec = ArraySpec::new(DType::F32).with_byte_order(ByteOrder::Big);
    assert!(json::from_str::<f32>("[1.5]", &spec).is_ok());

    // Nested JSON is in C order.
    let spec = ArraySpec::new(DType::F32).with_order(Order::F);
    assert_eq!(
        json::from_str::<f32>("[[1, 2], [3, 4]]", &spec)
            .unwrap_err()
            .code(),
        "spec.order"
    );
    assert!(json::from_str::<f32>("[[1, 2]]", &spec).is_ok());
}

/// The options with limits `l`.
fn with(l: &Limits) -> ReadOptions {
    ReadOptions::new().limits(l.clone())
}

fn limits(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut l = Limits::default();
    f(&mut l);
    l
}

#[test]
fn limits_stop_reading_where_they_are_exceeded() {
    let l = limits(|l| l.max_elements = 3);
    assert!(with(&l)
        .read_str::<u8>("[1, 2, 3]", &ArraySpec::any())
        .is_ok());
    let e = with(&l)
        .read_str::<u8>("[1, 2, 3, 4, never read", &ArraySpec::any())
        .unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::LimitExceeded {
            kind: LimitKind::Elements,
            limit: 3,
            requested: 4
        }
    ));
    assert!(e.is_limit());
    assert_eq!(e.json_position().unwrap().path(), "[3]");

    let l = limits(|l| l.max_bytes = 16);
    assert!(with(&l)
        .read_str::<f64>("[1, 2]", &ArraySpec::any())
        .is_ok());
    let e = with(&l)
        .read_str::<f64>("[1, 2, 3]", &ArraySpec::any())
        .unwrap_err();
    assert_eq!(e.code(), "limit.bytes");

    let l = limits(|l| l.max_depth = 3);
    assert!(with(&l)
        .read_str::<u8>("[[[1]]]", &ArraySpec::any())
        .is_ok());
    let e = with(&l)
        .read_str::<u8>("[[[[1]]]]", &ArraySpec::any())
        .unwrap_err();
    assert_eq!(e.code(), "limit.depth");
    assert_eq!(e.json_position().unwrap().column(), Some(4));

    let l = limits(|l| l.max_ndim = 2);
    let e = with(&l)
        .read_str::<u8>("[[[1]]]", &ArraySpec::any())
        .unwrap_err();
    assert_eq!(e.code(), "limit.ndim");
    assert_eq!(e.json_position().unwrap().path(), "[0][0]");

    // Complex pairs are a level of nesting, not a dimension.
    let l = limits(|l| l.max_ndim = 1);
    let c = with(&l)
        .read_str::<Complex32>("[[1, 2]]", &ArraySpec::any())
        .unwrap();
    assert_eq!(c.shape().dims(), &[1]);

    // Slices longer than the input limit are refused before they are read.
    let l = limits(|l| l.max_input_bytes = 5);
    let e = with(&l)
        .read_str::<u8>("[1, 2]", &ArraySpec::any())
        .unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::LimitExceeded {
            kind: LimitKind::InputBytes,
            limit: 5,
            requested: 6
        }
    ));
    assert!(with(&l).read_str::<u8>("[1,2]", &ArraySpec::any()).is_ok());
    assert!(with(&l)
        .read_reader::<u8, _>(&b"[1,2]"[..], &ArraySpec::any())
        .is_ok());
    assert_eq!(
        with(&l)
            .read_reader::<u8, _>(&b"[1,2] "[..], &ArraySpec::any())
            .unwrap_err()
            .code(),
        "limit.input_bytes"
    );
}

/// A reader that never ends (`[` then spaces forever), counting what it delivered.
struct Endless {
    delivered: u64,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        buf.fill(b' ');
        if self.delivered == 0 {
            if let Some(b) = buf.first_mut() {
                *b = b'[';
            }
        }
        self.delivered += u64::try_from(buf.len()).unwrap();
        Ok(buf.len())
    }
}

#[test]
fn readers_stop_at_the_input_limit() {
    let l = limits(|l| l.max_input_bytes = 1 << 20);
    let mut reader = Endless { delivered: 0 };
    let o = with(&l);
    let (r, peak) = alloc::measure(|| o.read_reader::<f64, _>(&mut reader, &ArraySpec::any()));
    assert_eq!(r.unwrap_err().code(), "limit.input_bytes");
    assert!(reader.delivered <= (1 << 20) + 1, "{}", reader.delivered);
    assert!(peak < SLACK, "{peak}");
}

/// A refused input costs only what it had been granted: with a 1 MiB byte budget, ten
/// million elements stop at the 131 073rd, and the peak stays near the budget.
#[test]
fn the_output_never_grows_past_the_budget() {
    let text = format!("[{}1]", "1,".repeat(10_000_000));
    let l = limits(|l| l.max_bytes = 1 << 20);
    let o = with(&l);
    let (r, peak) = alloc::measure(|| o.read_str::<f64>(&text, &ArraySpec::any()));
    let e = r.unwrap_err();
    assert_eq!(e.code(), "limit.bytes");
    assert_eq!(e.json_position().unwrap().path(), "[131072]");
    assert!(peak <= (1 << 20) + SLACK, "{peak}");

    // Accepted: the output plus at most a sixteenth and 64 KiB.
    let text = format!("[{}1]", "0.5,".repeat(999_999));
    let (r, peak) = alloc::measure(|| json::from_str::<f64>(&text, &ArraySpec::any()));
    let a = r.unwrap();
    assert_eq!(a.len(), 1_000_000);
    assert!(peak <= 8_000_000 * 17 / 16 + SLACK, "{peak}");
}

#[test]
fn deep_nesting_costs_no_stack_and_little_memory() {
    for open in [100_000usize, 1_000_000] {
        let text = "[".repeat(open);
        let (r, peak) = alloc::measure(|| json::from_str::<u8>(&text, &ArraySpec::any()));
        assert_eq!(r.unwrap_err().code(), "limit.depth");
        assert!(peak < 4096, "{peak}");
    }
    // Without a depth limit the reader is still iterative: a million levels, no overflow.
    let l = Limits::unlimited();
    let text = format!("{}1{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
    let a = with(&l).read_str::<u8>(&text, &ArraySpec::any()).unwrap();
    assert_eq!(a.shape().ndim(), 1_000_000);
    assert_eq!(a.as_slice(), &[1]);
}

#[test]
fn shapes_of_empty_and_scalar_values() {
    let cases: &[(&str, &[usize])] = &[
        ("[]", &[0]),
        ("[[]]", &[1, 0]),
        ("[[], []]", &[2, 0]),
        ("[[[]]]", &[1, 1, 0]),
        ("7", &[]),
        ("  [ 1 , 2 ]  \n", &[2]),
    ];
    for (text, dims) in cases {
        let a = json::from_str::<i64>(text, &ArraySpec::any()).unwrap();
        assert_eq!(a.shape().dims(), *dims, "{text}");
    }
    let b = json::from_str::<bool>("false", &ArraySpec::any()).unwrap();
    assert_eq!((b.shape().ndim(), b.as_slice()), (0, &[false][..]));
}

#[test]
fn integers_are_exact_at_every_width() {
    fn check<T: json::JsonValue + std::fmt::Debug + PartialEq>(text: &str, want: Option<T>) {
        let r = json::from_str::<T>(&format!("[{text}]"), &ArraySpec::any());
        match want {
            Some(v) => assert_eq!(r.unwrap().as_slice(), &[v], "{text}"),
            None => assert_eq!(r.unwrap_err().code(), "json.number_out_of_range", "{text}"),
        }
    }
    check::<i8>("-128", Some(-128));
    check::<i8>("127", Some(127));
    check::<i8>("-129", None);
    check::<u8>("255", Some(255));
    check::<u8>("-0", Some(0));
    check::<u8>("-1", None);
    check::<i16>("-32768", Some(i16::MIN));
    check::<u16>("65536", None);
    check::<i32>("2147483647", Some(i32::MAX));
    check::<u32>("4294967296", None);
    check::<i64>("-9223372036854775808", Some(i64::MIN));
    check::<i64>("9223372036854775808", None);
    check::<u64>("18446744073709551615", Some(u64::MAX));
    check::<u64>("18446744073709551616", None);
    check::<u64>("99999999999999999999999999999", None);
    for text in ["1.0", "1.5", "1e2", "1E0", "-0.0", "0e0"] {
        let e = json::from_str::<i64>(&format!("[{text}]"), &ArraySpec::any()).unwrap_err();
        assert_eq!(e.code(), "json.not_an_integer", "{text}");
    }
    // Bools are not numbers, numbers are not bools.
    assert_eq!(
        json::from_str::<u8>("[true]", &ArraySpec::any())
            .unwrap_err()
            .code(),
        "json.unexpected_token"
    );
    assert_eq!(
        json::from_str::<bool>("[0]", &ArraySpec::any())
            .unwrap_err()
            .code(),
        "json.unexpected_token"
    );
    // Integers are fine for floats.
    assert_eq!(
        json::from_str::<f32>("[16777217]", &ArraySpec::any())
            .unwrap()
            .as_slice(),
        &[16777216.0]
    );
}

#[test]
fn floats_are_correctly_rounded_from_the_text() {
    // Halfway between two f32 values, and just above it by far less than an f64 ulp: a
    // reader that went through f64 would round both to the even neighbour.
    let texts = [
        "1.00000005960464477539062500",
        "1.00000005960464477539062501",
    ];
    let a =
        json::from_str::<f32>(&format!("[{}, {}]", texts[0], texts[1]), &ArraySpec::any()).unwrap();
    assert_eq!(a.as_slice()[0].to_bits(), 0x3F80_0000);
    assert_eq!(a.as_slice()[1].to_bits(), 0x3F80_0001);
    // The literal that hung PHP and Java.
    let a = json::from_str::<f64>("[2.2250738585072011e-308]", &ArraySpec::any()).unwrap();
    assert_eq!(a.as_slice()[0].to_bits(), 0x000F_FFFF_FFFF_FFFF);
    // Underflow rounds to zero, keeping the sign; overflow is out of range.
    let a = json::from_str::<f64>("[1e-400, -1e-400]", &ArraySpec::any()).unwrap();
    assert_eq!(a.as_slice()[1].to_bits(), (-0.0f64).to_bits());
    assert_eq!(
        json::from_str::<f32>("[1e39]", &ArraySpec::any())
            .unwrap_err()
            .code(),
        "json.number_out_of_range"
    );
    // f16: midpoints, and a hair either side of them.
    let a = json::from_str::<arrayguard::f16>(
        "[1.00048828125, 1.0004882812500000000001, 1.0004882812499999999999, 65519.999, 65504]",
        &ArraySpec::any(),
    )
    .unwrap();
    let bits: Vec<u16> = a.as_slice().iter().map(|v| v.to_bits()).collect();
    assert_eq!(bits, [0x3C00, 0x3C01, 0x3C00, 0x7BFF, 0x7BFF]);
}

#[test]
fn non_finite_tokens_need_permission() {
    let text = "[NaN, Infinity, -Infinity, 1]";
    assert_eq!(
        json::from_str::<f64>(text, &ArraySpec::any())
            .unwrap_err()
            .code(),
        "json.unexpected_token"
    );
    let opts = ReadOptions::new().allow_nan(true);
    let a = opts.read_str::<f64>(text, &ArraySpec::any()).unwrap();
    assert!(a.as_slice()[0].is_nan());
    assert_eq!(&a.as_slice()[1..], &[f64::INFINITY, f64::NEG_INFINITY, 1.0]);
    let h = opts
        .read_str::<arrayguard::f16>(text, &ArraySpec::any())
        .unwrap();
    assert!(h.as_slice()[0].is_nan());
    // Never for integers or booleans, and only these spellings.
    assert_eq!(
        opts.read_str::<i32>("[NaN]", &ArraySpec::any())
            .unwrap_err()
            .code(),
        "json.unexpected_token"
    );
    assert_eq!(
        opts.read_str::<bool>("[Infinity]", &ArraySpec::any())
            .unwrap_err()
            .code(),
        "json.unexpected_token"
    );
    for bad in ["[nan]", "[-NaN]", "[Inf]", "[+Infinity]", "[NaNa]"] {
        assert!(
            opts.read_str::<f64>(bad, &ArraySpec::any()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn complex_numbers_are_pairs() {
    let a = json::from_str::<Complex32>("[[1, -0.0], [2.5, 3]]", &ArraySpec::any()).unwrap();
    assert_eq!(a.shape().dims(), &[2]);
    assert_eq!(a.as_slice()[1], Complex32::new(2.5, 3.0));
    assert_eq!(a.as_slice()[0].im.to_bits(), (-0.0f32).to_bits());
    let a = json::from_str::<Complex32>("[1, 2]", &ArraySpec::any()).unwrap();
    assert_eq!(
        (a.shape().ndim(), a.as_slice()),
        (0, &[Complex32::new(1.0, 2.0)][..])
    );
    let spec = ArraySpec::new(DType::Complex64).with_shape([Dim::Exact(2), Dim::Exact(1)]);
    assert!(json::from_str::<Complex32>("[[[1, 2]], [[3, 4]]]", &spec).is_ok());
    for (text, code) in [
        ("[[1]]", "json.ragged"),
        ("[[1, 2, 3]]", "json.ragged"),
        ("[[[1, 2]]]", "spec.ndim"),
    ] {
        let spec = ArraySpec::new(DType::Complex64).with_shape([Dim::Any]);
        let e = json::from_str::<Complex32>(text, &spec).unwrap_err();
        assert_eq!(e.code(), code, "{text}: {e}");
    }
}

#[test]
fn envelopes() {
    let any = ArraySpec::any();
    let o = ReadOptions::new().form(Form::Envelope);
    // Keys may be escaped; names mean little-endian; whitespace anywhere.
    let a = o
        .read_str::<i16>(
            "{ \"dt\\u0079pe\" : \"int16\" , \"shape\" : [ 2 ] , \"data\" : \"AQACAA==\" }",
            &any,
        )
        .unwrap();
    assert_eq!(a.as_slice(), &[1, 2]);
    // A typed read of another dtype is refused before the data.
    let e = o
        .read_str::<f32>(
            r#"{"dtype": "<f8", "shape": [1], "data": [never read"#,
            &any,
        )
        .unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::DTypeMismatch {
            found: DType::F64,
            ..
        }
    ));
    // The declared shape meets the spec and the limits before the data is read.
    let spec = ArraySpec::new(DType::F64).with_shape([Dim::Exact(3)]);
    let e = o
        .read_str::<f64>(
            r#"{"dtype": "<f8", "shape": [4], "data": [never read"#,
            &spec,
        )
        .unwrap_err();
    assert_eq!(e.code(), "spec.shape");
    let l = limits(|l| l.max_elements = 10);
    let e = ReadOptions::new()
        .limits(l.clone())
        .form(Form::Envelope)
        .read_str::<DynArray>(
            r#"{"dtype": "<f8", "shape": [11], "data": "never read"#,
            &any,
        )
        .unwrap_err();
    assert_eq!(e.code(), "limit.elements");
    let l = limits(|l| l.max_ndim = 2);
    let e = ReadOptions::new()
        .limits(l)
        .form(Form::Envelope)
        .read_str::<DynArray>(r#"{"dtype": "<f8", "shape": [1, 1, 1"#, &any)
        .unwrap_err();
    assert_eq!(e.code(), "limit.ndim");
    // Byte order constraints apply to base64 data.
    let spec = ArraySpec::any().with_byte_order(ByteOrder::Little);
    let e = o
        .read_str::<DynArray>(
            r#"{"dtype": ">i4", "shape": [1], "data": "AAAAAQ=="}"#,
            &spec,
        )
        .unwrap_err();
    assert_eq!(e.code(), "spec.byte_order");
    let a = o
        .read_str::<DynArray>(
            r#"{"dtype": ">i4", "shape": [1], "data": "AAAAAQ=="}"#,
            &any,
        )
        .unwrap();
    assert_eq!(a.as_typed::<i32>().unwrap().as_slice(), &[1]);
    // `order` before `data` only, and only C or F.
    for text in [
        r#"{"dtype": "<f8", "shape": [1], "data": [1], "order": "C"}"#,
        r#"{"dtype": "<f8", "shape": [1], "order": "K", "data": [1]}"#,
        r#"{"dtype": "<f8", "shape": [1.0], "data": [1]}"#,
        r#"{"dtype": "<f8", "shape": [1], "data": "AAAAAAAA8D8"}"#,
        r#"{"dtype": 8, "shape": [1], "data": [1]}"#,
        r#"{}"#,
    ] {
        assert_eq!(
            o.read_str::<DynArray>(text, &any).unwrap_err().code(),
            "json.envelope",
            "{text}"
        );
    }
    // Fortran-order base64 data keeps its order; it reads back logically.
    let a = o
        .read_str::<u8>(
            r#"{"dtype": "|u1", "shape": [2, 3], "order": "F", "data": "AQQCBQMG"}"#,
            &any,
        )
        .unwrap();
    assert_eq!(a.order(), Order::F);
    assert_eq!(a.get(&[0, 1]), Some(&2));
    assert_eq!(a.into_c_order().as_slice(), &[1, 2, 3, 4, 5, 6]);
}

/// Base64 data is decoded as it arrives: a short string costs what it holds, even when the
/// declared shape is large (and within the limits).
#[test]
fn base64_buffers_grow_with_the_data() {
    let text = r#"{"dtype": "<f8", "shape": [10000000], "data": "AAAAAAAA8D8="}"#;
    let o = ReadOptions::new().form(Form::Envelope);
    let (r, peak) = alloc::measure(|| o.read_str::<DynArray>(text, &ArraySpec::any()));
    assert_eq!(r.unwrap_err().code(), "json.envelope");
    assert!(peak < SLACK, "{peak}");
}

// ---- serde seeds ----------------------------------------------------------------------------

static POINTS: LazyLock<ArraySpec> =
    LazyLock::new(|| ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(2)]));

fn points<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Array<f32>, D::Error> {
    let mut l = Limits::default();
    l.max_elements = 8;
    ReadOptions::new()
        .limits(l)
        .seed::<f32>(&POINTS)
        .deserialize(d)
}

#[derive(Deserialize, Debug)]
struct Request {
    name: String,
    #[serde(deserialize_with = "points")]
    points: Array<f32>,
}

#[test]
fn seed_inside_a_request_struct() {
    let r: Request =
        serde_json::from_str(r#"{"name": "a", "points": [[1, 2], [3, 4.5]]}"#).unwrap();
    assert_eq!(r.name, "a");
    assert_eq!(r.points.shape().dims(), &[2, 2]);
    assert_eq!(r.points.get(&[1, 1]), Some(&4.5));
    let cases = [
        (r#"{"name": "a", "points": [[1, 2], [3]]}"#, "json.ragged: ragged array at [1]: expected an array of 2 elements, found an array of 1 element at line 1 column 38"),
        (r#"{"name": "a", "points": [[1, 2, 3]]}"#, "spec.shape: shape mismatch on axis 1: expected 2, found 3, at [0][2] at line 1 column 32"),
        (r#"{"name": "a", "points": [[1, true]]}"#, "json.unexpected_token: unexpected value at [0][1]: expected a number, found `true` at line 1 column 36"),
        (r#"{"name": "a", "points": [[1,2],[3,4],[5,6],[7,8],[9,10]]}"#, "limit.elements: limit exceeded: max_elements is 8, input needs 9, at [4][0] at line 1 column 52"),
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|(text, _)| {
            serde_json::from_str::<Request>(text)
                .unwrap_err()
                .to_string()
        })
        .collect();
    let want: Vec<&str> = cases.iter().map(|(_, m)| *m).collect();
    assert_eq!(got, want);
}

#[test]
fn seed_gives_typed_errors_and_cuts_recursion_at_max_depth() {
    let spec = ArraySpec::any();
    let mut de = serde_json::Deserializer::from_str("[[1, 2], [3]]");
    let e = ReadOptions::new()
        .seed::<u8>(&spec)
        .deserialize_typed(&mut de)
        .unwrap()
        .unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::Ragged {
            expected: JsonItem::Array { len: 2 },
            ..
        }
    ));
    assert_eq!(e.json_position().unwrap().path(), "[1]");
    assert_eq!(e.json_position().unwrap().line(), None);

    // 100 levels: serde_json allows 128, the seed stops at 9.
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let l = limits(|l| l.max_depth = 8);
    let mut de = serde_json::Deserializer::from_str(&deep);
    let e = ReadOptions::new()
        .limits(l)
        .seed::<u8>(&spec)
        .deserialize_typed(&mut de)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), "limit.depth");
    // Within both limits, the same array as the text reader.
    let text = "[[[1, 2]], [[3, 4]]]";
    let mut de = serde_json::Deserializer::from_str(text);
    let i64_spec = only(&spec, DType::I64);
    let a = ReadOptions::new()
        .seed::<DynArray>(&i64_spec)
        .deserialize(&mut de)
        .unwrap();
    assert_eq!(
        a,
        ReadOptions::new()
            .read_str::<DynArray>(text, &i64_spec)
            .unwrap()
    );
    // Integers exact, floats not integers, strings refused.
    let mut de = serde_json::Deserializer::from_str("[1.0]");
    let e = ReadOptions::new()
        .seed::<i32>(&spec)
        .deserialize_typed(&mut de)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), "json.not_an_integer");
    let mut de = serde_json::Deserializer::from_str("[300]");
    let e = ReadOptions::new()
        .seed::<u8>(&spec)
        .deserialize_typed(&mut de)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), "json.number_out_of_range");
    let mut de = serde_json::Deserializer::from_str(r#"["1"]"#);
    let e = ReadOptions::new()
        .seed::<f64>(&spec)
        .deserialize_typed(&mut de)
        .unwrap()
        .unwrap_err();
    assert_eq!(e.code(), "json.unexpected_token");
    // A syntax error is the deserializer's own.
    let mut de = serde_json::Deserializer::from_str("[1,,]");
    assert!(ReadOptions::new()
        .seed::<u8>(&spec)
        .deserialize_typed(&mut de)
        .is_err());
}

/// The wrapper-type way: a field type whose `Deserialize` uses a spec from a static.
#[derive(Debug)]
struct Samples(Array<f64>);

static SAMPLES: LazyLock<ArraySpec> =
    LazyLock::new(|| ArraySpec::new(DType::F64).with_shape([Dim::Range { min: 1, max: 4 }]));

impl<'de> Deserialize<'de> for Samples {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ReadOptions::new()
            .allow_nan(true)
            .seed::<f64>(&SAMPLES)
            .deserialize(d)
            .map(Samples)
    }
}

#[derive(Deserialize, Debug)]
struct Reading {
    id: u32,
    samples: Samples,
}

fn cbor<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).unwrap();
    out
}

#[derive(serde::Serialize)]
struct ReadingOut<S: serde::Serialize> {
    id: u32,
    samples: S,
}

#[test]
fn seed_inside_cbor() {
    let bytes = cbor(&ReadingOut {
        id: 7,
        samples: vec![1.5f64, f64::NAN, -0.0],
    });
    let r: Reading = ciborium::from_reader(&bytes[..]).unwrap();
    assert_eq!(r.id, 7);
    let s = r.samples.0.as_slice();
    assert!(s[1].is_nan());
    assert_eq!(s[2].to_bits(), (-0.0f64).to_bits());
    // CBOR integers are integers; too many samples stop at the fifth.
    let bytes = cbor(&ReadingOut {
        id: 1,
        samples: vec![1u8, 2, 3, 4, 5],
    });
    let e = ciborium::from_reader::<Reading, _>(&bytes[..]).unwrap_err();
    assert!(
        e.to_string()
            .contains("spec.shape: shape mismatch on axis 0"),
        "{e}"
    );
    let bytes = cbor(&ReadingOut {
        id: 1,
        samples: vec![vec![1u8]],
    });
    let e = ciborium::from_reader::<Reading, _>(&bytes[..]).unwrap_err();
    assert!(e.to_string().contains("spec.ndim"), "{e}");
    // A typed seed for CBOR ints, floats and complex pairs.
    let bytes = cbor(&vec![vec![1i64, -2], vec![3, 4]]);
    let a: Ints = ciborium::from_reader(&bytes[..]).unwrap();
    assert_eq!(a.0.as_slice(), &[1, -2, 3, 4]);
    let bytes = cbor(&vec![vec![1.5f32, -2.0]]);
    let a: Pairs = ciborium::from_reader(&bytes[..]).unwrap();
    assert_eq!(a.0.as_slice(), &[Complex32::new(1.5, -2.0)]);
    let bytes = cbor(&vec![f64::NAN]);
    assert!(ciborium::from_reader::<Pairs, _>(&bytes[..]).is_err());
}

struct Ints(Array<i16>);
impl<'de> Deserialize<'de> for Ints {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        static SPEC: LazyLock<ArraySpec> = LazyLock::new(|| ArraySpec::new(DType::I16));
        ReadOptions::new()
            .seed::<i16>(&SPEC)
            .deserialize(d)
            .map(Ints)
    }
}

struct Pairs(Array<Complex32>);
impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        static SPEC: LazyLock<ArraySpec> = LazyLock::new(ArraySpec::any);
        ReadOptions::new()
            .seed::<Complex32>(&SPEC)
            .deserialize(d)
            .map(Pairs)
    }
}

// ---- properties -----------------------------------------------------------------------------

fn dtype() -> impl Strategy<Value = DType> {
    proptest::sample::select(DType::NUMPY.to_vec())
}

fn dims() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..4, 0..4)
}

/// Little-endian element bytes for `dtype`: bools 0/1, floats with every NaN made the
/// canonical NaN the reader produces (JSON keeps no payload).
fn canonical_le(dtype: DType, raw: &[u8]) -> Vec<u8> {
    let mut out = raw.to_vec();
    match dtype {
        DType::Bool => out.iter_mut().for_each(|b| *b &= 1),
        DType::F16 => out.chunks_mut(2).for_each(|c| {
            let v = u16::from_le_bytes([c[0], c[1]]);
            if arrayguard::f16::from_bits(v).is_nan() {
                c.copy_from_slice(&arrayguard::f16::NAN.to_bits().to_le_bytes());
            }
        }),
        DType::F32 | DType::Complex64 => out.chunks_mut(4).for_each(|c| {
            if f32::from_le_bytes([c[0], c[1], c[2], c[3]]).is_nan() {
                c.copy_from_slice(&f32::NAN.to_le_bytes());
            }
        }),
        DType::F64 | DType::Complex128 => out.chunks_mut(8).for_each(|c| {
            if f64::from_le_bytes(c.try_into().unwrap()).is_nan() {
                c.copy_from_slice(&f64::NAN.to_le_bytes());
            }
        }),
        _ => {}
    }
    out
}

fn array_of(dtype: DType, dims: &[usize], le: &[u8]) -> DynArray {
    let shape = Shape::new(dims.to_vec()).unwrap();
    let file = common::valid_file(dtype, ByteOrder::Little, &shape, Order::C, le);
    npy::ReadOptions::new()
        .read_slice::<DynArray>(&file, &ArraySpec::any())
        .unwrap()
}

fn has_non_finite(array: &DynArray) -> bool {
    match array {
        DynArray::F16(a) => a.as_slice().iter().any(|v| !v.is_finite()),
        DynArray::F32(a) => a.as_slice().iter().any(|v| !v.is_finite()),
        DynArray::F64(a) => a.as_slice().iter().any(|v| !v.is_finite()),
        DynArray::Complex64(a) => a
            .as_slice()
            .iter()
            .any(|v| !v.re.is_finite() || !v.im.is_finite()),
        DynArray::Complex128(a) => a
            .as_slice()
            .iter()
            .any(|v| !v.re.is_finite() || !v.im.is_finite()),
        _ => false,
    }
}

/// Arrays of every dtype with arbitrary bit patterns.
fn any_array() -> impl Strategy<Value = DynArray> {
    (dtype(), dims()).prop_flat_map(|(dtype, dims)| {
        let n: usize = dims.iter().product::<usize>() * dtype.itemsize();
        prop::collection::vec(any::<u8>(), n)
            .prop_map(move |raw| array_of(dtype, &dims, &canonical_le(dtype, &raw)))
    })
}

/// JSON-ish text: tokens that matter to the reader, glued in any order.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let tokens = prop::sample::select(vec![
        "[",
        "[",
        "[",
        "]",
        "]",
        "]",
        ",",
        ",",
        "1",
        "-0",
        "0",
        "255",
        "-129",
        "1.5e3",
        "1e-400",
        "1e400",
        "true",
        "false",
        "null",
        "NaN",
        "Infinity",
        "-Infinity",
        "\"a\"",
        "{",
        "}",
        ":",
        " ",
        "\n",
        "-",
        "01",
        "1e",
        ".5",
        "\u{feff}",
        "\u{a0}",
        "18446744073709551616",
        "2.5",
        "\"dtype\"",
        "\"shape\"",
        "\"data\"",
        "\"order\"",
        "\"<f8\"",
        "\"|b1\"",
        "\"AAAA\"",
        "\"F\"",
        "\"\\u00\"",
    ]);
    prop_oneof![
        prop::collection::vec(tokens, 0..40).prop_map(|t| t.concat().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

fn spec_dim() -> impl Strategy<Value = Dim> {
    prop_oneof![
        Just(Dim::Any),
        (0usize..4).prop_map(Dim::Exact),
        (0usize..3, 0usize..4).prop_map(|(a, b)| Dim::Range {
            min: a.min(b),
            max: a.max(b)
        }),
    ]
}

fn spec() -> impl Strategy<Value = ArraySpec> {
    prop_oneof![
        Just(ArraySpec::any()),
        prop::collection::vec(spec_dim(), 0..4).prop_map(|d| ArraySpec::any().with_shape(d)),
    ]
}

fn small_limits() -> impl Strategy<Value = Limits> {
    (1u64..40, 1u64..300, 0usize..5, 1usize..6).prop_map(|(e, b, n, d)| {
        let mut l = Limits::default();
        l.max_elements = e;
        l.max_bytes = b;
        l.max_ndim = n;
        l.max_depth = d;
        l
    })
}

/// A decimal number text: up to 30 significant digits, a point somewhere, an exponent.
fn decimal() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "[1-9][0-9]{0,29}",
        0usize..31,
        prop::option::of(-340i32..340),
    )
        .prop_map(|(neg, digits, point, exp)| {
            let point = point.min(digits.len());
            let (int, frac) = digits.split_at(digits.len() - point);
            let mut s = String::new();
            if neg {
                s.push('-');
            }
            s.push_str(if int.is_empty() { "0" } else { int });
            if !frac.is_empty() {
                s.push('.');
                s.push_str(frac);
            }
            if let Some(e) = exp {
                s.push_str(&format!("e{e}"));
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Our writer, then our reader: the same dtype, the same bits (-0.0 included), the shape
    /// down to its first zero axis (JSON cannot write more of an empty array). Non-finite
    /// values need `allow_nan` on both sides.
    #[test]
    fn round_trip_with_the_writer(array in any_array(), allow_nan in any::<bool>()) {
        let mut text = Vec::new();
        let written = json::to_writer_with_options(&mut text, &array, WriteOptions::new().allow_nan(allow_nan));
        if has_non_finite(&array) && !allow_nan {
            prop_assert_eq!(written.unwrap_err().code(), "data.not_representable");
            return Ok(());
        }
        written.unwrap();
        let back = ReadOptions::new()
            .allow_nan(allow_nan)
            .read_slice::<DynArray>(&text, &only(&ArraySpec::any(), array.dtype()))
            .unwrap();
        let dims = array.shape().dims();
        let visible = match dims.iter().position(|&d| d == 0) {
            Some(i) => &dims[..=i],
            None => dims,
        };
        prop_assert_eq!(back.shape().dims(), visible);
        prop_assert_eq!(le_c_bytes(&back), le_c_bytes(&array));
        // The serde seed agrees with the text reader on text without non-finite tokens.
        if !has_non_finite(&array) {
            let mut de = serde_json::Deserializer::from_slice(&text);
            let spec = only(&ArraySpec::any(), array.dtype());
            let seeded = ReadOptions::new().seed::<DynArray>(&spec).deserialize(&mut de);
            if matches!(array.dtype(), DType::F16 | DType::F32 | DType::F64 | DType::Complex64 | DType::Complex128) {
                // serde_json hands over f64s; exact for f64, rounded once more for the rest.
                if array.dtype() == DType::F64 {
                    prop_assert_eq!(le_c_bytes(&seeded.unwrap()), le_c_bytes(&array));
                }
            } else {
                prop_assert_eq!(le_c_bytes(&seeded.unwrap()), le_c_bytes(&array));
            }
        }
    }

    /// No input makes any entry point panic, and whatever is accepted satisfies the spec and
    /// the limits.
    #[test]
    fn arbitrary_text_never_panics(
        text in jsonish(),
        dtype in dtype(),
        spec in spec(),
        limits in small_limits(),
        allow_nan in any::<bool>(),
    ) {
        let o = ReadOptions::new().limits(limits.clone()).allow_nan(allow_nan);
        // Nested arrays into a `DynArray` take the spec's one dtype.
        let nested = only(&spec, dtype);
        let envelopes = o.clone().form(Form::Envelope);
        let detect = o.clone().form(Form::Detect);
        let results = [
            o.read_slice::<DynArray>(&text, &nested),
            o.read_reader::<DynArray, _>(OneByteReader::new(&text), &nested),
            envelopes.read_slice::<DynArray>(&text, &spec),
            envelopes.read_reader::<DynArray, _>(OneByteReader::new(&text), &spec),
            detect.read_slice::<DynArray>(&text, &nested),
            detect.read_reader::<DynArray, _>(OneByteReader::new(&text), &nested),
        ];
        for a in results.iter().flatten() {
            prop_assert!(common::satisfies(a, None, &spec, &limits).is_ok(), "{:?}", a);
        }
        // The serde seed, inside serde_json, neither panics nor accepts beyond the spec.
        let mut de = serde_json::Deserializer::from_slice(&text);
        if let Ok(a) = o.seed::<DynArray>(&nested).deserialize(&mut de) {
            prop_assert!(common::satisfies(&a, None, &spec, &limits).is_ok(), "{:?}", a);
        }
        // Slices and one-byte readers agree.
        prop_assert_eq!(results[0].as_ref().map_err(Error::code).map(le_c_bytes), results[1].as_ref().map_err(Error::code).map(le_c_bytes));
        prop_assert_eq!(results[2].as_ref().map_err(Error::code).map(le_c_bytes), results[3].as_ref().map_err(Error::code).map(le_c_bytes));
        prop_assert_eq!(results[4].as_ref().map_err(Error::code).map(le_c_bytes), results[5].as_ref().map_err(Error::code).map(le_c_bytes));
    }

    /// Envelopes with base64 data in either byte order, and with flat data, give back the
    /// array bit for bit.
    #[test]
    fn envelope_round_trip(array in any_array(), big in any::<bool>()) {
        use base64::Engine as _;
        let order = if big { ByteOrder::Big } else { ByteOrder::Little };
        let dtype = array.dtype();
        let le = le_c_bytes(&array);
        let bytes = common::to_byte_order(&le, dtype, order);
        let dims: Vec<String> = array.shape().dims().iter().map(ToString::to_string).collect();
        let text = format!(
            r#"{{"dtype": "{}", "shape": [{}], "data": "{}"}}"#,
            dtype.typestr(order),
            dims.join(", "),
            base64::engine::general_purpose::STANDARD.encode(&bytes)
        );
        let back = ReadOptions::new().form(Form::Envelope).read_str::<DynArray>(&text, &ArraySpec::any()).unwrap();
        prop_assert_eq!(back.shape(), array.shape());
        prop_assert_eq!(le_c_bytes(&back), le.clone());
        // Flat list data, written by our writer as a 1-d array.
        if !has_non_finite(&array) {
            let flat = array_of(dtype, &[array.len()], &le);
            let mut data = Vec::new();
            json::to_writer(&mut data, &flat).unwrap();
            let text = format!(
                r#"{{"dtype": "{}", "shape": [{}], "data": {}}}"#,
                dtype.name(),
                dims.join(", "),
                String::from_utf8(data).unwrap()
            );
            let back = ReadOptions::new().form(Form::Envelope).read_str::<DynArray>(&text, &ArraySpec::any()).unwrap();
            prop_assert_eq!(back.shape(), array.shape());
            prop_assert_eq!(le_c_bytes(&back), le);
        }
    }

    /// Arrays of f64 written by serde_json read the same as serde_json reads them, flat and
    /// nested (serde_json with `float_roundtrip`, which is correctly rounded).
    #[test]
    fn agrees_with_serde_json_on_f64(rows in prop::collection::vec(prop::collection::vec(any::<f64>().prop_filter("finite", |v| v.is_finite()), 3), 0..6)) {
        let text = serde_json::to_string(&rows).unwrap();
        let theirs: Vec<Vec<f64>> = serde_json::from_str(&text).unwrap();
        let ours = json::from_str::<f64>(&text, &ArraySpec::any()).unwrap();
        let flat: Vec<u64> = theirs.iter().flatten().map(|v| v.to_bits()).collect();
        let ours_bits: Vec<u64> = ours.as_slice().iter().map(|v| v.to_bits()).collect();
        prop_assert_eq!(ours_bits, flat);
    }

    /// Decimal texts of any length and exponent: f64 as serde_json (float_roundtrip) and
    /// `str::parse` read them, f32 as `str::parse::<f32>` does (serde_json rounds f32 through
    /// f64, twice), f16 as exact rounding says.
    #[test]
    fn numbers_agree_with_str_parse(texts in prop::collection::vec(decimal(), 1..8)) {
        let list = format!("[{}]", texts.join(","));
        let all64 = json::from_str::<f64>(&list, &ArraySpec::any());
        let all32 = json::from_str::<f32>(&list, &ArraySpec::any());
        for (i, t) in texts.iter().enumerate() {
            let one = format!("[{t}]");
            let want: f64 = t.parse().unwrap();
            let ours = json::from_str::<f64>(&one, &ArraySpec::any());
            if want.is_finite() {
                let theirs: f64 = serde_json::from_str(t).unwrap();
                prop_assert_eq!(want.to_bits(), theirs.to_bits(), "{}", t);
                prop_assert_eq!(ours.unwrap().as_slice()[0].to_bits(), want.to_bits(), "{}", t);
                if let Ok(all) = &all64 {
                    prop_assert_eq!(all.as_slice()[i].to_bits(), want.to_bits());
                }
            } else {
                prop_assert_eq!(ours.unwrap_err().code(), "json.number_out_of_range");
                prop_assert!(all64.is_err());
            }
            let want32: f32 = t.parse().unwrap();
            let ours32 = json::from_str::<f32>(&one, &ArraySpec::any());
            if want32.is_finite() {
                prop_assert_eq!(ours32.unwrap().as_slice()[0].to_bits(), want32.to_bits(), "{}", t);
                if let Ok(all) = &all32 {
                    prop_assert_eq!(all.as_slice()[i].to_bits(), want32.to_bits());
                }
            } else {
                prop_assert_eq!(ours32.unwrap_err().code(), "json.number_out_of_range");
            }
        }
    }

    /// Integer texts: in range exactly as `str::parse` says, out of range otherwise.
    #[test]
    fn integers_agree_with_str_parse(v in any::<i128>(), shift in 0u32..128) {
        let v = v >> shift;
        let text = format!("[{v}]");
        fn check<T: json::JsonValue + std::str::FromStr + PartialEq + std::fmt::Debug>(text: &str, v: i128) -> Result<(), TestCaseError> {
            let ours = json::from_str::<T>(text, &ArraySpec::any());
            match v.to_string().parse::<T>() {
                Ok(want) => prop_assert_eq!(ours.unwrap().into_vec(), vec![want]),
                Err(_) => prop_assert_eq!(ours.unwrap_err().code(), "json.number_out_of_range"),
            }
            Ok(())
        }
        check::<i8>(&text, v)?;
        check::<u8>(&text, v)?;
        check::<i16>(&text, v)?;
        check::<u16>(&text, v)?;
        check::<i32>(&text, v)?;
        check::<u32>(&text, v)?;
        check::<i64>(&text, v)?;
        check::<u64>(&text, v)?;
        let theirs: Result<i64, _> = serde_json::from_str(&v.to_string());
        prop_assert_eq!(json::from_str::<i64>(&text, &ArraySpec::any()).ok().map(|a| a.as_slice()[0]), theirs.ok());
    }

    /// Nested arrays with a random spec and limits: accepted output satisfies both, and any
    /// refusal carries a position.
    #[test]
    fn accepted_output_satisfies_spec_and_limits(
        dims in dims(),
        spec in spec(),
        limits in small_limits(),
        ragged in any::<bool>(),
    ) {
        let n: usize = dims.iter().product();
        let array = array_of(DType::U8, &dims, &vec![7u8; n]);
        let mut text = Vec::new();
        json::to_writer(&mut text, &array).unwrap();
        if ragged {
            // Drop the last element of the first row, when there is one.
            if let Some(pos) = text.iter().position(|&b| b == b',') {
                text.drain(pos..pos + 2);
            }
        }
        match ReadOptions::new().limits(limits.clone()).read_slice::<DynArray>(&text, &only(&spec, DType::U8)) {
            Ok(a) => prop_assert!(common::satisfies(&a, None, &spec, &limits).is_ok()),
            Err(e) => {
                let positioned = e.json_position().is_some();
                let declared = matches!(
e.kind(), ErrorKind::NdimMismatch { .. } | ErrorKind::ShapeMismatch { .. } | ErrorKind::LimitExceeded { .. });
                prop_assert!(positioned || declared, "{}", e);
            }
        }
    }
}

/// A decimal text whose value lies near an edge of the float formats: the largest and
/// smallest normal and subnormal `f64` and `f32`, the end of the exact fast path (mantissas
/// near 2^53 and 2^24, powers of ten near 10^22 and 10^10), with 1 to 25 significant digits.
fn edge_decimal() -> impl Strategy<Value = String> {
    let digits = prop_oneof![
        "[1-9][0-9]{0,24}",
        // Just around 2^53 = 9007199254740992 and 2^24 = 16777216.
        "900719925474099[0-9]{1,4}",
        "1677721[0-9]{1,4}",
    ];
    let magnitude = prop_oneof![
        Just(308),
        Just(-308),
        Just(-324),
        Just(38),
        Just(-38),
        Just(-45),
        Just(22),
        Just(-22),
        Just(10),
        Just(-10),
        Just(0),
    ];
    (any::<bool>(), digits, magnitude, -3i32..=3, any::<bool>()).prop_map(
        |(neg, digits, magnitude, nudge, point)| {
            // Place the value at about 10^(magnitude + nudge).
            let len = i32::try_from(digits.len()).unwrap();
            let exp = magnitude + nudge - len + 1;
            let sign = if neg { "-" } else { "" };
            if point && len > 1 {
                let (a, b) = digits.split_at(1);
                format!("{sign}{a}.{b}e{}", exp + len - 1)
            } else {
                format!("{sign}{digits}e{exp}")
            }
        },
    )
}

/// Reads `text` as a one-element array of `T`; `None` when refused as out of range.
fn read_one<T: json::JsonValue>(text: &str) -> Option<T> {
    match json::from_str::<T>(&format!("[{text}]"), &ArraySpec::any()) {
        Ok(a) => Some(a.as_slice()[0]),
        Err(e) => {
            assert_eq!(e.code(), "json.number_out_of_range", "{text}: {e}");
            None
        }
    }
}

/// The bits `str::parse` gives, or `None` for text that overflows to infinity.
fn parsed_bits<F: std::str::FromStr<Err = std::num::ParseFloatError> + Into<f64> + Copy>(
    text: &str,
) -> Option<F> {
    let v: F = text.parse().unwrap();
    v.into().is_finite().then_some(v)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every finite double, printed shortest (`{}` and `{:e}`) and with 17 and 25 digits:
    /// the reader's fast path and its fallback both give `str::parse`'s bits, for f64 and f32.
    #[test]
    fn printed_doubles_agree_with_str_parse(bits in any::<u64>()) {
        let v = f64::from_bits(bits);
        prop_assume!(v.is_finite());
        for text in [format!("{v}"), format!("{v:e}"), format!("{v:.16e}"), format!("{v:.24e}")] {
            let ours = read_one::<f64>(&text).map(f64::to_bits);
            prop_assert_eq!(ours, parsed_bits::<f64>(&text).map(f64::to_bits), "{}", text);
            let ours32 = read_one::<f32>(&text).map(f32::to_bits);
            prop_assert_eq!(ours32, parsed_bits::<f32>(&text).map(f32::to_bits), "{}", text);
        }
    }

    /// Decimal texts near the edges of the formats and of the fast path agree with
    /// `str::parse`, one by one and inside a longer array.
    #[test]
    fn edge_decimals_agree_with_str_parse(texts in prop::collection::vec(edge_decimal(), 1..8)) {
        for t in &texts {
            prop_assert_eq!(read_one::<f64>(t).map(f64::to_bits), parsed_bits::<f64>(t).map(f64::to_bits), "{}", t);
            prop_assert_eq!(read_one::<f32>(t).map(f32::to_bits), parsed_bits::<f32>(t).map(f32::to_bits), "{}", t);
        }
        let list = format!("[{}]", texts.join(","));
        if let Ok(all) = json::from_str::<f64>(&list, &ArraySpec::any()) {
            for (t, v) in texts.iter().zip(all.as_slice()) {
                prop_assert_eq!(Some(v.to_bits()), parsed_bits::<f64>(t).map(f64::to_bits), "{}", t);
            }
        }
    }
}

/// 10^5 doubles, flat and 1000 × 100 nested, through a string, a slice and a reader: the
/// output buffer grows by a sixteenth at a time and is trimmed at the end, so the peak stays
/// within the output plus a tenth and 64 KiB (the reader's window included).
#[test]
fn large_arrays_allocate_little_beyond_their_output() {
    let values: Vec<f64> = (0..100_000u32)
        .map(|i| f64::from(i).mul_add(0.001_234_567_89, -17.0) / 3.0)
        .collect();
    let flat = serde_json::to_string(&values).unwrap();
    let rows: Vec<&[f64]> = values.chunks(100).collect();
    let nested = serde_json::to_string(&rows).unwrap();
    let output = values.len() * 8;
    let bound = output + output / 10 + SLACK;
    let spec = ArraySpec::any();
    for text in [&flat, &nested] {
        let (a, peak_str) = alloc::measure(|| json::from_str::<f64>(text, &spec).unwrap());
        assert_eq!(a.as_slice(), &values[..]);
        let (a, peak_slice) =
            alloc::measure(|| json::from_slice::<f64>(text.as_bytes(), &spec).unwrap());
        assert_eq!(a.as_slice(), &values[..]);
        let (a, peak_reader) =
            alloc::measure(|| json::from_reader::<f64, _>(text.as_bytes(), &spec).unwrap());
        assert_eq!(a.as_slice(), &values[..]);
        for (who, peak) in [
            ("str", peak_str),
            ("slice", peak_slice),
            ("reader", peak_reader),
        ] {
            assert!(
                peak <= bound,
                "{who}: peak {peak} > {bound} for {output} output bytes"
            );
        }
    }
}

/// Exact midpoints between two doubles (and texts just either side) written with at most 20
/// digits, so that the exact integer path rounds them: ties go to the even neighbour.
#[test]
fn exact_midpoints_round_to_even() {
    for text in [
        "9007199254740993",
        "9007199254740995",
        "-9007199254740993",
        "18014398509481986000e-3",
        "18014398509481986001e-3",
        "18014398509481985999e-3",
        "18014398509481990000e-3",
        "1801439850948198.6e1",
        "9007199254740993e5",
        "9007199254740993e-5",
        "16777217e-27",
        "16777217",
        "16777219e20",
        "33554434e-1",
        "18446744073709551615e27",
        "18446744073709551615e-27",
        "1e-27",
        "340282356779733661637539395458142568448",
        "34028235677973366e22",
        "34028235677973367e22",
    ] {
        let want: f64 = text.parse().unwrap();
        assert_eq!(
            read_one::<f64>(text).map(f64::to_bits),
            Some(want.to_bits()),
            "{text}"
        );
        let want32 = parsed_bits::<f32>(text).map(f32::to_bits);
        assert_eq!(read_one::<f32>(text).map(f32::to_bits), want32, "{text}");
    }
}
