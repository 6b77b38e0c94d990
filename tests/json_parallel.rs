//! A JSON text read on several threads gives what the read on one thread gives: the same
//! array, bit for bit, or the same error (code, message and position), on every dtype,
//! shape, spec, limit and range boundary, for valid texts and for texts broken in one place.
//!
//! The parallel path is forced on small texts with the hidden `parallel_min_bytes` option
//! (the fewest bytes per range), so that cuts fall after any comma.

mod common;

use arrayguard::{json, ArraySpec, DType, Dim, DynArray, Limits, Result, ValueSpec};
use common::alloc::{measure, CountingAlloc};
use common::{canonical, config, SplitMix};
use proptest::prelude::*;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The dtypes of one part per element (complex dtypes always read on one thread).
const DTYPES: &[DType] = &[
    DType::Bool,
    DType::U8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U64,
    DType::F16,
    DType::BF16,
    DType::F32,
    DType::F64,
];

/// One leaf's text for `dtype`, in the many ways JSON writes numbers.
fn leaf(rng: &mut SplitMix, dtype: DType) -> String {
    let pick = rng.next_u64();
    match dtype {
        DType::Bool => if pick.is_multiple_of(2) {
            "true"
        } else {
            "false"
        }
        .to_string(),
        DType::U8 | DType::I16 | DType::I32 | DType::I64 | DType::U64 => match pick % 6 {
            0 => "0".to_string(),
            1 => format!("-{}", rng.next_u64() % 300),
            2 => format!("{}", rng.next_u64() % 300),
            3 => format!("{}", rng.next_u64() >> (rng.next_u64() % 64)),
            4 => "1e2".to_string(),
            _ => format!("{}", rng.next_u64() % 10),
        },
        _ => match pick % 9 {
            0 => "0".to_string(),
            1 => "-0.0".to_string(),
            2 => format!("{}", (rng.next_u64() % 2000) as i64 - 1000),
            3 => format!("{:e}", f64::from_bits(rng.next_u64() >> 2)),
            4 => "NaN".to_string(),
            5 => "-Infinity".to_string(),
            6 => format!(
                "{}.{}E-{}",
                rng.next_u64() % 100,
                rng.next_u64() % 1000,
                rng.next_u64() % 30
            ),
            _ => format!("{}", (rng.next_u64() % 1_000_000) as f64 / 1024.0),
        },
    }
}

/// Whitespace between tokens: mostly none or one space, sometimes a line break.
fn gap(rng: &mut SplitMix) -> &'static str {
    match rng.next_u64() % 8 {
        0 | 1 => " ",
        2 => "\n  ",
        3 => "\r\n\t",
        _ => "",
    }
}

/// Nested arrays of `dims` (row-major) with leaves for `dtype`.
fn text(rng: &mut SplitMix, dims: &[usize], dtype: DType) -> String {
    fn write(out: &mut String, rng: &mut SplitMix, dims: &[usize], dtype: DType) {
        let Some((&n, rest)) = dims.split_first() else {
            out.push_str(&leaf(rng, dtype));
            return;
        };
        out.push('[');
        out.push_str(gap(rng));
        for i in 0..n {
            if i > 0 {
                out.push(',');
                out.push_str(gap(rng));
            }
            write(out, rng, rest, dtype);
            out.push_str(gap(rng));
        }
        out.push(']');
    }
    let mut out = String::new();
    out.push_str(gap(rng));
    write(&mut out, rng, dims, dtype);
    out.push_str(gap(rng));
    out
}

/// Breaks `text` in one place (or leaves it whole), the way hostile or broken texts are.
fn mutate(rng: &mut SplitMix, text: &mut String) {
    let bytes = text.len();
    if bytes == 0 {
        return;
    }
    // A position on a character boundary (the texts are ASCII).
    let at = (rng.next_u64() % bytes as u64) as usize;
    match rng.next_u64() % 14 {
        0 => {
            text.remove(at);
        }
        1 => text.insert(at, ','),
        2 => text.insert_str(at, "[]"),
        3 => text.insert_str(at, "\"a,b\""),
        4 => text.insert(at, '['),
        5 => text.insert(at, ']'),
        6 => text.insert_str(at, ",1"),
        7 => text.insert_str(at, "NaN,"),
        8 => text.insert_str(at, "[1,2],"),
        9 => text.push_str(",3"),
        10 => text.push_str(" ]"),
        11 => text.insert(at, '\u{e9}'),
        12 => text.insert_str(at, "{}"),
        _ => {}
    }
}

/// A spec for `dtype` with `ndim` axes: any shape, exact or ranged axes (sometimes wrong),
/// value rules.
fn spec(rng: &mut SplitMix, dtype: DType, dims: &[usize]) -> ArraySpec {
    let mut spec = ArraySpec::new(dtype);
    match rng.next_u64() % 5 {
        0 => {}
        1 => spec = spec.with_shape(dims.iter().map(|&d| Dim::Exact(d))),
        2 => {
            spec = spec.with_shape(dims.iter().map(|&d| Dim::Range {
                min: d.saturating_sub(1),
                max: d.saturating_sub(usize::from(rng.next_u64().is_multiple_of(3))),
            }))
        }
        3 => spec = spec.with_shape(dims.iter().skip(1).map(|_| Dim::Any)),
        _ => spec = spec.with_shape(dims.iter().map(|_| Dim::Any)),
    }
    match rng.next_u64() % 4 {
        0 => spec.with_values(ValueSpec::new().min(-100.0).max(1000.0)),
        1 => spec.with_values(ValueSpec::new().finite()),
        _ => spec,
    }
}

fn limits(rng: &mut SplitMix, elements: usize) -> Limits {
    let mut limits = Limits::default();
    match rng.next_u64() % 6 {
        0 => limits.max_elements = (elements as u64).saturating_sub(rng.next_u64() % 3),
        1 => limits.max_depth = 1 + (rng.next_u64() % 4) as usize,
        2 => limits.max_ndim = 1 + (rng.next_u64() % 3) as usize,
        3 => limits.max_bytes = (elements as u64) * 4,
        _ => {}
    }
    limits
}

/// What a read gave, for comparison: the array bit for bit, or the error as the user sees it.
fn seen(result: Result<DynArray>) -> std::result::Result<Vec<u8>, (String, String)> {
    result
        .map(|a| canonical(&a))
        .map_err(|e| (e.code().to_string(), e.to_string()))
}

fn check_one(seed: u64) {
    let mut rng = SplitMix(seed);
    let dtype = DTYPES[(rng.next_u64() % DTYPES.len() as u64) as usize];
    let ndim = 1 + (rng.next_u64() % 4) as usize;
    let dims: Vec<usize> = (0..ndim)
        .map(|_| match rng.next_u64() % 10 {
            0 => 0,
            1 => 1,
            _ => 1 + (rng.next_u64() % 7) as usize,
        })
        .collect();
    let mut text = text(&mut rng, &dims, dtype);
    if rng.next_u64().is_multiple_of(2) {
        mutate(&mut rng, &mut text);
    }
    let spec = spec(&mut rng, dtype, &dims);
    let limits = limits(&mut rng, dims.iter().product());
    let base = json::ReadOptions::new()
        .limits(limits)
        .allow_nan(rng.next_u64().is_multiple_of(2))
        .form(if rng.next_u64().is_multiple_of(4) {
            json::Form::Detect
        } else {
            json::Form::Nested
        });
    let one = base.clone().threads(1);
    let many = base
        .threads(2 + (rng.next_u64() % 3) as usize)
        .parallel_min_bytes(1 + (rng.next_u64() % 24) as usize);
    let expected = seen(one.read_str::<DynArray>(&text, &spec));
    assert_eq!(
        seen(many.read_str::<DynArray>(&text, &spec)),
        expected,
        "read_str of {text:?}"
    );
    assert_eq!(
        seen(many.read_slice::<DynArray>(text.as_bytes(), &spec)),
        seen(one.read_slice::<DynArray>(text.as_bytes(), &spec)),
        "read_slice of {text:?}"
    );
}

proptest! {
    #![proptest_config(config(3000))]

    #[test]
    fn parallel_reads_equal_sequential_reads(seed in any::<u64>()) {
        check_one(seed);
    }
}

/// Bytes that are not UTF-8 in one range: the error is the one-thread read's, at its offset.
#[test]
fn invalid_utf8_in_a_range_is_reported_as_on_one_thread() {
    let mut bytes = b"[1, 2, 3, 4, 5, 6, 7, 8]".to_vec();
    bytes[13] = 0xFF;
    let spec = ArraySpec::new(DType::I32);
    let one = json::ReadOptions::new().threads(1);
    let many = json::ReadOptions::new().threads(4).parallel_min_bytes(2);
    let e1 = one.read_slice::<DynArray>(&bytes, &spec).unwrap_err();
    let e2 = many.read_slice::<DynArray>(&bytes, &spec).unwrap_err();
    assert_eq!(e1.code(), "json.syntax");
    assert!(e1.to_string().contains("UTF-8"), "{e1}");
    assert_eq!(e1.to_string(), e2.to_string());
}

/// A large text read with the default options (several threads on a machine that has them)
/// equals the one-thread read, for a flat and a nested text of every float width.
#[test]
fn large_texts_read_the_same_on_every_thread_count() {
    let mut rng = SplitMix(7);
    for dims in [vec![300_000], vec![600, 500], vec![20, 100, 150]] {
        for dtype in [DType::F64, DType::F32, DType::F16, DType::I64] {
            let text = text(&mut rng, &dims, dtype);
            assert!(text.len() > 1 << 20, "{} bytes", text.len());
            let spec = ArraySpec::new(dtype);
            let options = json::ReadOptions::new().allow_nan(true);
            let one = options
                .clone()
                .threads(1)
                .read_str::<DynArray>(&text, &spec);
            let default = options.read_str::<DynArray>(&text, &spec);
            assert_eq!(seen(default), seen(one), "{dims:?} {dtype}");
        }
    }
}

/// The output of a text read on threads is allocated once, before the text is parsed, sized
/// by its commas: exactly the array for a valid text, at most what a valid text of the same
/// length could need (one element per two bytes) for a broken one, which is then read again on
/// one thread; and nothing for a text of more commas than that.
#[test]
fn texts_read_on_threads_allocate_at_most_what_a_valid_text_of_their_length_needs() {
    const SLACK: usize = 64 << 10;
    let spec = ArraySpec::new(DType::F64);
    let options = json::ReadOptions::new().threads(2);
    let n = 300_000;
    let valid = format!("[{}]", vec!["1.5"; n].join(","));
    let (read, peak) = measure(|| options.read_str::<DynArray>(&valid, &spec));
    assert_eq!(read.unwrap().shape().dims(), &[n]);
    assert!(peak <= n * 8 + SLACK, "valid: {peak} bytes");

    let broken = format!("[1,x,{}]", vec!["2"; n].join(","));
    let (read, peak) = measure(|| options.read_str::<DynArray>(&broken, &spec));
    assert_eq!(read.unwrap_err().code(), "json.syntax");
    assert!(peak <= broken.len() * 4 + SLACK, "broken: {peak} bytes");
    assert!(
        peak >= n * 8,
        "the parallel read was not attempted: {peak} bytes"
    );

    let commas = format!("[{}1]", ",".repeat(2 * n));
    let (read, peak) = measure(|| options.read_str::<DynArray>(&commas, &spec));
    assert_eq!(read.unwrap_err().code(), "json.syntax");
    assert!(peak <= SLACK, "commas: {peak} bytes");
}
