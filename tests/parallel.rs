//! The parallel read (ranges on scoped threads) gives what the read on one thread gives: the
//! same array, bit for bit, or the same error (kind, index, offset, count of violations), on
//! every dtype, byte order, memory order and range boundary, from slices, paths and the
//! streaming checks of `.npy` and raw files.
//!
//! The parallel path is forced on small inputs with the hidden `parallel_min_bytes` option
//! (the fewest bytes per range), so that ranges fall anywhere, including inside a chunk.

mod common;

use std::path::Path;

use arrayguard::{npy, raw, ArraySpec, DynArray, Order, Result, ValueSpec};
use common::{config, npy_bytes, SplitMix};
use proptest::prelude::*;

/// Every dtype with a `.npy` typestr: (kind and size, bytes per element).
const DTYPES: &[(&str, usize)] = &[
    ("b1", 1),
    ("u1", 1),
    ("i1", 1),
    ("i2", 2),
    ("u2", 2),
    ("i4", 4),
    ("u4", 4),
    ("i8", 8),
    ("u8", 8),
    ("f2", 2),
    ("f4", 4),
    ("f8", 8),
    ("c8", 8),
    ("c16", 16),
];

/// One input: a payload described by a typestr, dims and order, in a `.npy` file and a raw
/// file, and the spec it is checked against.
struct Case {
    typestr: String,
    dims: Vec<usize>,
    order: Order,
    payload: Vec<u8>,
    values: ValueSpec,
}

impl Case {
    fn npy(&self) -> Vec<u8> {
        let shape: String = self.dims.iter().map(|d| format!("{d}, ")).collect();
        let fortran = if self.order == Order::F {
            "True"
        } else {
            "False"
        };
        let mut header = format!(
            "{{'descr': '{}', 'fortran_order': {fortran}, 'shape': ({shape}), }}",
            self.typestr
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        npy_bytes((1, 0), header.as_bytes(), &self.payload)
    }

    fn layout(&self) -> raw::Layout {
        raw::Layout::from_typestr(&self.typestr)
            .unwrap()
            .with_shape(self.dims.iter().map(|&d| Some(d)))
            .unwrap()
            .with_order(self.order)
    }

    fn spec(&self) -> ArraySpec {
        ArraySpec::any().with_values(self.values.clone())
    }
}

/// What a read gave, comparable bit for bit: the array's canonical bytes and order, or the
/// error's code, message and location.
fn outcome(result: Result<DynArray>) -> std::result::Result<(Vec<u8>, Order), String> {
    match result {
        Ok(a) => Ok((common::canonical(&a), a.order())),
        Err(e) => Err(format!("{} {e} {:?}", e.code(), e.offset())),
    }
}

fn error_text<T>(result: Result<T>) -> Option<String> {
    result
        .err()
        .map(|e| format!("{} {e} {:?}", e.code(), e.offset()))
}

/// Every entry point with one thread and with `threads` threads (ranges of at least
/// `min_bytes`), compared. Returns the sequential `.npy` slice result, for more assertions.
fn compare(
    case: &Case,
    dir: &Path,
    threads: usize,
    min_bytes: usize,
    c_order: bool,
) -> Option<String> {
    let bytes = case.npy();
    let spec = case.spec();
    let npy_path = dir.join("a.npy");
    let raw_path = dir.join("a.raw");
    std::fs::write(&npy_path, &bytes).unwrap();
    std::fs::write(&raw_path, &case.payload).unwrap();
    let layout = case.layout();

    let one = npy::ReadOptions::new().c_order(c_order).threads(1);
    let many = npy::ReadOptions::new()
        .c_order(c_order)
        .threads(threads)
        .parallel_min_bytes(min_bytes);
    let slice = |o: &npy::ReadOptions| outcome(o.read_slice::<DynArray>(&bytes, &spec));
    let path = |o: &npy::ReadOptions| outcome(o.read_path::<DynArray>(&npy_path, &spec));
    let check = |o: &npy::ReadOptions| error_text(o.check_path(&npy_path, &spec));
    let expected = slice(&one);
    assert_eq!(slice(&many), expected, "npy read_slice");
    assert_eq!(path(&one), expected, "npy read_path, one thread");
    assert_eq!(path(&many), expected, "npy read_path");
    assert_eq!(
        check(&one),
        expected.as_ref().err().cloned(),
        "npy check_path, one thread"
    );
    assert_eq!(check(&many), check(&one), "npy check_path");

    let one = raw::ReadOptions::new().c_order(c_order).threads(1);
    let many = raw::ReadOptions::new()
        .c_order(c_order)
        .threads(threads)
        .parallel_min_bytes(min_bytes);
    let slice =
        |o: &raw::ReadOptions| outcome(o.read_slice::<DynArray>(&case.payload, &layout, &spec));
    let path = |o: &raw::ReadOptions| outcome(o.read_path::<DynArray>(&raw_path, &layout, &spec));
    let check = |o: &raw::ReadOptions| error_text(o.check_path(&raw_path, &layout, &spec));
    let raw_expected = slice(&one);
    assert_eq!(slice(&many), raw_expected, "raw read_slice");
    assert_eq!(path(&many), path(&one), "raw read_path");
    assert_eq!(check(&many), check(&one), "raw check_path");
    expected.err()
}

/// The payload of `n` elements of `item` bytes: random bytes (mode 0 and 1, `bool` bytes 0
/// or 1), or zeros (mode 2); then every element at `bad` (taken modulo `n`) set to all ones,
/// which is NaN for floats, -1 or the maximum for integers, and an invalid `bool`.
fn payload(is_bool: bool, item: usize, n: usize, mode: u8, seed: u64, bad: &[usize]) -> Vec<u8> {
    let mut rng = SplitMix(seed);
    let mut bytes: Vec<u8> = (0..n * item)
        .map(|_| match (mode, is_bool) {
            (2, _) => 0,
            (_, true) => (rng.next_u64() & 1) as u8,
            _ => rng.next_u64() as u8,
        })
        .collect();
    if n > 0 {
        for &i in bad {
            let i = i % n;
            bytes[i * item..(i + 1) * item].fill(0xff);
        }
    }
    bytes
}

proptest! {
    #![proptest_config(config(96))]

    #[test]
    fn parallel_reads_match_the_sequential_read(
        dtype in 0..DTYPES.len(),
        big_endian in any::<bool>(),
        dims in prop::collection::vec(1usize..24, 1..4),
        wide in prop::option::of(16usize..700),
        fortran in any::<bool>(),
        c_order in any::<bool>(),
        mode in 0u8..3,
        seed in any::<u64>(),
        bad in prop::collection::vec(any::<usize>(), 0..4),
        threads in 2usize..6,
        min_bytes in 1usize..300,
    ) {
        let (kind, item) = DTYPES[dtype];
        let is_bool = kind == "b1";
        // A long last axis (Fortran-order payloads delivered in C order are then converted
        // by columns, each thread writing its own columns of every row).
        let mut dims = dims;
        if let Some(wide) = wide {
            dims.truncate(2);
            dims.iter_mut().for_each(|d| *d = (*d).min(6));
            dims.push(wide);
        }
        let n: usize = dims.iter().product();
        let order_char = if item == 1 { '|' } else if big_endian { '>' } else { '<' };
        // Values: none (mode 0); bounds that random bytes break often, in every range (mode
        // 1); bounds that only the all-ones elements break (mode 2).
        let values = match (mode, is_bool) {
            (0, _) | (_, true) => ValueSpec::new(),
            (1, _) if kind.starts_with('u') => ValueSpec::new().max(100.0),
            (1, _) => ValueSpec::new().min(-5.0).max(1e6),
            _ => ValueSpec::new().min(0.0).max(1.0).finite(),
        };
        let bad = if mode == 0 { &[][..] } else { &bad[..] };
        let case = Case {
            typestr: format!("{order_char}{kind}"),
            dims,
            order: if fortran { Order::F } else { Order::C },
            payload: payload(is_bool, item, n, mode, seed, bad),
            values,
        };
        let dir = tempfile::tempdir().unwrap();
        compare(&case, dir.path(), threads, min_bytes, c_order);
    }
}

/// A large case's `.npy` bytes with one thread and with four, ranges of 4 KiB.
fn large_case(typestr: &str, n: usize, payload: Vec<u8>, values: ValueSpec) -> Option<String> {
    let case = Case {
        typestr: typestr.into(),
        dims: vec![n / 64, 64],
        order: Order::C,
        payload,
        values,
    };
    let dir = tempfile::tempdir().unwrap();
    compare(&case, dir.path(), 4, 4096, false)
}

/// Fortran-order payloads delivered in C order, large enough for every thread to convert
/// its own columns, with and without violations: the same arrays and errors as on one thread.
#[test]
fn fortran_payloads_converted_by_columns_match_the_sequential_read() {
    let dir = tempfile::tempdir().unwrap();
    for (typestr, item, dims) in [
        ("<f8", 8, vec![300, 517]),
        (">f4", 4, vec![7, 40, 333]),
        ("|u1", 1, vec![64, 2048]),
        ("|b1", 1, vec![33, 4100]),
        ("<c16", 16, vec![2, 3, 5, 300]),
    ] {
        let n: usize = dims.iter().product();
        for (mode, bad) in [(0u8, vec![]), (1, vec![n / 2, n - 1]), (2, vec![n / 3])] {
            let is_bool = typestr == "|b1";
            let values = match (mode, is_bool) {
                (0, _) | (_, true) => ValueSpec::new(),
                (1, _) if typestr == "|u1" => ValueSpec::new().max(100.0),
                (1, _) => ValueSpec::new().min(-5.0).max(1e6),
                _ => ValueSpec::new().min(0.0).max(1.0).finite(),
            };
            let bad = if mode == 0 && !is_bool { vec![] } else { bad };
            let case = Case {
                typestr: typestr.into(),
                dims: dims.clone(),
                order: Order::F,
                payload: payload(is_bool, item, n, mode, 11, &bad),
                values,
            };
            for threads in [2, 3] {
                compare(&case, dir.path(), threads, 4096, true);
            }
        }
    }
}

#[test]
fn a_bad_bool_in_a_late_range_is_reported_as_on_one_thread() {
    let n = 1 << 16;
    let mut payload = vec![1u8; n];
    payload[n - 100] = 7;
    let err = large_case("|b1", n, payload.clone(), ValueSpec::new()).unwrap();
    assert!(err.starts_with("data.invalid_bool"), "{err}");
    assert!(err.contains(&format!("{}", n - 100)), "{err}");
    // Two bad bytes in two ranges: the first is reported.
    payload[n / 3] = 2;
    let err = large_case("|b1", n, payload, ValueSpec::new()).unwrap();
    assert!(err.contains(&format!("{}", n / 3)), "{err}");
}

#[test]
fn violations_in_several_ranges_are_all_counted() {
    let n = 1 << 15;
    let mut values = vec![0.5f64; n];
    // One violation in the last range only, then violations of two kinds in every range.
    values[n - 3] = -1.0;
    let bytes = |v: &[f64]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let spec = ValueSpec::new().min(0.0).finite();
    let err = large_case("<f8", n, bytes(&values), spec.clone()).unwrap();
    assert!(err.starts_with("value.below_min"), "{err}");
    assert!(err.contains("1 element"), "{err}");
    for i in (0..n).step_by(n / 16) {
        values[i + 1] = f64::NAN;
        values[i + 2] = -2.0;
    }
    let err = large_case("<f8", n, bytes(&values), spec).unwrap();
    // The first violation is a NaN; 33 elements are below the minimum or NaN.
    assert!(err.starts_with("value.nan 33 elements"), "{err}");
}
