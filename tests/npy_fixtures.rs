//! Every fixture in `tests/data/npy/`, written by real NumPy (`generate.py`), against the
//! expectations NumPy recorded in `expected.txt`: `ok_*` files load bit-exactly through the
//! slice, reader and path entry points; `bad_*` files fail with the recorded error code
//! through all three.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::fixtures::{
    assert_every_fixture_listed, field, fnv1a64, le_bytes, read_expected, Fields,
};
use common::{read_three_ways, OneByteReader};

use arrayguard::{f16, npy, ArraySpec, Complex32, Complex64, DType, DynArray, Limits, Order};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy")
}

fn expected() -> BTreeMap<String, Fields> {
    read_expected(&data_dir())
}

/// Parses a shape as written in expected.txt: `()`, `(7,)`, `(3,4)`.
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

/// The C-order little-endian bytes of `array`, the bytes `fnv1a64` in expected.txt covers.
fn c_order_le_bytes(array: &DynArray) -> Vec<u8> {
    le_bytes(&array.clone().into_c_order())
}

/// The payload the library's own writer produces for `array` (little-endian, its own order).
fn written_payload(array: &DynArray) -> Vec<u8> {
    let mut out = Vec::new();
    npy::write_dyn(&mut out, array).expect("write_dyn");
    let offset = npy::read_header(&out[..], &Limits::default())
        .expect("read back our header")
        .data_offset();
    out.split_off(offset)
}

/// Nothing is silently skipped: the directory and expected.txt list the same files, and each
/// name says whether it must parse.
#[test]
fn every_fixture_is_listed_and_every_listing_exists() {
    let on_disk = assert_every_fixture_listed(&data_dir(), "npy", &expected());
    // Guard against an empty or half-generated directory.
    assert!(
        on_disk.iter().filter(|n| n.starts_with("ok_")).count() >= 50,
        "{on_disk:?}"
    );
    assert!(
        on_disk.iter().filter(|n| n.starts_with("bad_")).count() >= 10,
        "{on_disk:?}"
    );
}

/// Checks one ok fixture; returns the problems found.
fn check_ok(name: &str, fields: &Fields) -> Vec<String> {
    let path = data_dir().join(name);
    let mut problems = Vec::new();
    let shape = parse_shape(field(fields, name, "shape"));
    let fortran = field(fields, name, "fortran_order") == "True";
    let count: usize = field(fields, name, "count").parse().expect("count");
    let nbytes: usize = field(fields, name, "nbytes").parse().expect("nbytes");
    let fnv = u64::from_str_radix(field(fields, name, "fnv1a64"), 16).expect("fnv1a64");

    let bytes = fs::read(&path).expect("read fixture");
    match npy::read_header(&bytes[..], &Limits::default()) {
        Ok(header) => {
            let version = format!("{}.{}", header.version().0, header.version().1);
            let facts = [
                (
                    "descr",
                    header.descr(),
                    field(fields, name, "descr").to_owned(),
                ),
                (
                    "version",
                    version,
                    field(fields, name, "version").to_owned(),
                ),
                (
                    "shape",
                    format!("{:?}", header.shape().dims()),
                    format!("{shape:?}"),
                ),
                (
                    "fortran_order",
                    header.fortran_order().to_string(),
                    fortran.to_string(),
                ),
                ("nbytes", header.nbytes().to_string(), nbytes.to_string()),
            ];
            for (what, ours, numpy) in facts {
                if ours != numpy {
                    problems.push(format!("{name}: header {what}: ours {ours}, numpy {numpy}"));
                }
            }
            if Ok(header.expected_file_len()) != u64::try_from(bytes.len()) {
                problems.push(format!(
                    "{name}: expected_file_len {} != {}",
                    header.expected_file_len(),
                    bytes.len()
                ));
            }
        }
        Err(e) => problems.push(format!("{name}: read_header: {e} ({})", e.code())),
    }

    let mut first: Option<(&str, Vec<u8>)> = None;
    for (how, result) in read_three_ways(&path) {
        let array = match result {
            Ok(a) => a,
            Err(e) => {
                problems.push(format!("{name}: {how}: {e} ({})", e.code()));
                continue;
            }
        };
        let want_order = if fortran { Order::F } else { Order::C };
        if array.shape().dims() != shape.as_slice()
            || array.order() != want_order
            || array.len() != count
        {
            problems.push(format!(
                "{name}: {how}: shape {:?} order {:?} len {}, numpy {shape:?} {want_order:?} {count}",
                array.shape().dims(),
                array.order(),
                array.len()
            ));
        }
        let descr = field(fields, name, "descr");
        let (dtype, _) = DType::parse_typestr(descr).expect("ok descr parses");
        if array.dtype() != dtype {
            problems.push(format!(
                "{name}: {how}: dtype {}, numpy {descr}",
                array.dtype()
            ));
        }
        let c = c_order_le_bytes(&array);
        if c.len() != nbytes || fnv1a64(&c) != fnv {
            problems.push(format!(
                "{name}: {how}: C-order bytes: {} bytes fnv1a64 {:016x}, numpy {nbytes} bytes {fnv:016x}",
                c.len(),
                fnv1a64(&c)
            ));
        }
        // The writer serializes the same elements (little-endian, in the array's own order).
        if written_payload(&array) != le_bytes(&array) {
            problems.push(format!(
                "{name}: {how}: write_dyn payload differs from the elements read"
            ));
        }
        // So does the byte accessor.
        if array.to_le_bytes() != le_bytes(&array) {
            problems.push(format!(
                "{name}: {how}: DynArray::to_le_bytes differs from the elements read"
            ));
        }
        match &first {
            None => first = Some((how, le_bytes(&array))),
            Some((first_how, first_bytes)) => {
                if *first_bytes != le_bytes(&array) {
                    problems.push(format!("{name}: {how} and {first_how} disagree"));
                }
            }
        }
    }
    problems
}

/// ok fixtures: same header facts, dtype, shape, order and bit-exact values as NumPy wrote,
/// through the slice, one-byte reader and path entry points.
#[test]
fn ok_fixtures_load_bit_exactly_through_every_path() {
    let expected = expected();
    let mut checked = 0;
    let mut problems = Vec::new();
    for (name, fields) in expected.iter().filter(|(n, _)| n.starts_with("ok_")) {
        problems.extend(check_ok(name, fields));
        checked += 1;
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(checked >= 50, "only {checked} ok fixtures");
}

/// bad fixtures: every entry point refuses them with the code NumPy's writer made them earn.
#[test]
fn bad_fixtures_fail_with_expected_code_through_every_path() {
    let expected = expected();
    let mut problems = Vec::new();
    for (name, fields) in expected.iter().filter(|(n, _)| n.starts_with("bad_")) {
        let code = field(fields, name, "code");
        for (how, result) in read_three_ways(&data_dir().join(name)) {
            match result {
                Ok(a) => problems.push(format!(
                    "{name}: {how}: accepted as {} {:?}",
                    a.dtype(),
                    a.shape().dims()
                )),
                Err(e) if e.code() != code => problems.push(format!(
                    "{name}: {how}: code {}, expected {code}: {e}",
                    e.code()
                )),
                Err(_) => {}
            }
        }
        // A file whose header is fine but whose payload is wrong still has a readable header.
        if code.starts_with("data.") {
            let bytes = fs::read(data_dir().join(name)).expect("read fixture");
            match npy::read_header(&bytes[..], &Limits::default()) {
                Ok(h) if h.descr() == field(fields, name, "descr") => {}
                Ok(h) => problems.push(format!("{name}: read_header descr {}", h.descr())),
                Err(e) => problems.push(format!("{name}: read_header: {e}")),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

fn fixture(name: &str) -> PathBuf {
    data_dir().join(name)
}

fn bytes_of(name: &str) -> Vec<u8> {
    fs::read(fixture(name)).expect("read fixture")
}

/// Typed entry points read the fixtures to the values generate.py wrote.
#[test]
fn typed_reads() {
    let any = ArraySpec::any();

    let bytes = bytes_of("ok_scalar_f8.npy");
    let v = npy::from_slice::<f64>(&bytes, &any).unwrap();
    assert_eq!((v.shape().dims(), v.as_slice()), (&[][..], &[3.25][..]));

    // int_values(): min, max, 0, 1, max - 1, min + 1, 7, max // 3, as 2x4.
    let a = npy::from_path::<i16>(fixture("ok_i2_be.npy"), &any).unwrap();
    assert_eq!(a.shape().dims(), &[2, 4]);
    assert_eq!(
        a.as_slice(),
        &[
            i16::MIN,
            i16::MAX,
            0,
            1,
            i16::MAX - 1,
            i16::MIN + 1,
            7,
            i16::MAX / 3
        ]
    );
    let a = npy::from_reader::<u64, _>(OneByteReader(bytes_of("ok_u8_le.npy").as_slice()), &any)
        .unwrap();
    assert_eq!(
        a.as_slice(),
        &[0, u64::MAX, 0, 1, u64::MAX - 1, 1, 7, u64::MAX / 3]
    );
    let a = npy::from_path::<i8>(fixture("ok_i1.npy"), &any).unwrap();
    assert_eq!(a.get(&[0, 0]), Some(&i8::MIN));
    assert_eq!(a.get(&[0, 1]), Some(&i8::MAX));
    let a = npy::from_path::<i64>(fixture("ok_v3_i8.npy"), &any).unwrap();
    assert_eq!(a.as_slice()[..2], [i64::MIN, i64::MAX]);

    let bytes = bytes_of("ok_b1.npy");
    let b = npy::from_slice::<bool>(&bytes, &any).unwrap();
    assert_eq!(b.as_slice(), &[true, false, true, false, false, true]);

    // ok_f8_le_fortran: arange(12).reshape(3, 4) / 8 in F order; get() is logical.
    let a = npy::from_path::<f64>(fixture("ok_f8_le_fortran.npy"), &any).unwrap();
    assert_eq!(a.order(), Order::F);
    assert_eq!(a.get(&[1, 2]), Some(&(6.0 / 8.0)));
    assert_eq!(a.as_slice()[..3], [0.0, 0.5, 1.0]);
    assert_eq!(a.into_c_order().as_slice()[..3], [0.0, 0.125, 0.25]);

    // ok_i4_be_fortran_3d: arange(24).reshape(2, 3, 4) - 12.
    let a = npy::from_path::<i32>(fixture("ok_i4_be_fortran_3d.npy"), &any).unwrap();
    assert_eq!(a.get(&[1, 2, 3]), Some(&11));
    assert_eq!(a.get(&[1, 0, 0]), Some(&0));

    let a = npy::from_reader::<Complex32, _>(
        fs::File::open(fixture("ok_scalar_c8.npy")).unwrap(),
        &any,
    )
    .unwrap();
    assert_eq!(a.as_slice(), &[Complex32::new(1.5, -2.0)]);
    let a = npy::from_path::<u16>(fixture("ok_empty_0x3x0_u2_be.npy"), &any).unwrap();
    assert!(a.is_empty());
    assert_eq!(a.shape().dims(), &[0, 3, 0]);
}

/// A typed read of the wrong element type is a spec error, whatever the entry point.
#[test]
fn typed_read_with_the_wrong_type_is_spec_dtype() {
    let any = ArraySpec::any();
    let bytes = bytes_of("ok_f8_le.npy");
    assert_eq!(
        npy::from_slice::<f32>(&bytes, &any).unwrap_err().code(),
        "spec.dtype"
    );
    assert_eq!(
        npy::from_slice::<Complex64>(&bytes, &any)
            .unwrap_err()
            .code(),
        "spec.dtype"
    );
    assert_eq!(
        npy::from_path::<i32>(fixture("ok_i2_be.npy"), &any)
            .unwrap_err()
            .code(),
        "spec.dtype"
    );
    assert_eq!(
        npy::from_path::<u16>(fixture("ok_i2_le.npy"), &any)
            .unwrap_err()
            .code(),
        "spec.dtype"
    );
    let r = npy::from_reader::<u8, _>(OneByteReader(bytes_of("ok_i1.npy").as_slice()), &any);
    assert_eq!(r.unwrap_err().code(), "spec.dtype");
    let r = npy::from_reader::<u8, _>(OneByteReader(bytes_of("ok_b1.npy").as_slice()), &any);
    assert_eq!(r.unwrap_err().code(), "spec.dtype");
    // Header errors come before the type check.
    let bytes = bytes_of("bad_object.npy");
    assert_eq!(
        npy::from_slice::<f64>(&bytes, &any).unwrap_err().code(),
        "dtype.pickle_not_allowed"
    );
    // A spec that names the dtype refuses another one the same way.
    let r = npy::ReadOptions::new()
        .read_path::<DynArray>(fixture("ok_f4_le.npy"), &ArraySpec::new(DType::F64));
    assert_eq!(r.unwrap_err().code(), "spec.dtype");
}

// The special bit patterns of generate.py (F64_SPECIAL_BITS etc.), in the same order.
const F64_SPECIAL_BITS: [u64; 13] = [
    0x7ff8_dead_0000_0001,
    0x7ff0_0000_0000_0001,
    0xfff8_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x0000_0000_0000_0000,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x0000_0000_0000_0001,
    0x000f_ffff_ffff_ffff,
    0x8000_0000_0000_0001,
    0x0010_0000_0000_0000,
    0x7fef_ffff_ffff_ffff,
    0x3ff0_0000_0000_0000,
];
const F32_SPECIAL_BITS: [u32; 13] = [
    0x7fc0_dead,
    0x7f80_0001,
    0xffc0_0000,
    0x8000_0000,
    0x0000_0000,
    0x7f80_0000,
    0xff80_0000,
    0x0000_0001,
    0x007f_ffff,
    0x8000_0001,
    0x0080_0000,
    0x7f7f_ffff,
    0x3f80_0000,
];
const F16_SPECIAL_BITS: [u16; 13] = [
    0x7e01, 0x7c01, 0xfe00, 0x8000, 0x0000, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x8001, 0x0400, 0x7bff,
    0x3c00,
];

/// Reads a fixture through all three dynamic paths and takes the typed array.
fn typed_three_ways<T: arrayguard::Element>(name: &str) -> Vec<arrayguard::Array<T>> {
    read_three_ways(&fixture(name))
        .into_iter()
        .map(|(how, r)| {
            r.unwrap_or_else(|e| panic!("{name}: {how}: {e}"))
                .into_typed::<T>()
                .unwrap()
        })
        .collect()
}

/// NaN payloads (quiet and signalling), signed zeros, infinities and subnormals keep their
/// exact bits in both byte orders, in F order and in complex parts.
#[test]
fn nan_payloads_signed_zeros_and_subnormals_survive() {
    for name in ["ok_f8_le.npy", "ok_f8_be.npy"] {
        for a in typed_three_ways::<f64>(name) {
            let bits: Vec<u64> = a.as_slice().iter().map(|v| v.to_bits()).collect();
            assert_eq!(bits, F64_SPECIAL_BITS, "{name}");
            let v = a.as_slice();
            assert!(v[0].is_nan() && v[1].is_nan() && v[2].is_nan(), "{name}");
            assert!(
                v[3] == 0.0 && v[3].is_sign_negative(),
                "{name}: -0.0 lost its sign"
            );
            assert!(v[5] == f64::INFINITY && v[6] == f64::NEG_INFINITY, "{name}");
            assert!(
                v[7].is_subnormal() && v[8].is_subnormal() && v[9].is_subnormal(),
                "{name}"
            );
            assert_eq!(v[11], f64::MAX, "{name}");
        }
        let bytes = bytes_of(name);
        let view = npy::from_slice::<f64>(&bytes, &ArraySpec::any()).unwrap();
        assert_eq!(
            view.as_slice()[0].to_bits(),
            0x7ff8_dead_0000_0001,
            "{name}: from_slice"
        );
    }
    for name in ["ok_f4_le.npy", "ok_f4_be.npy"] {
        for a in typed_three_ways::<f32>(name) {
            let bits: Vec<u32> = a.as_slice().iter().map(|v| v.to_bits()).collect();
            assert_eq!(bits, F32_SPECIAL_BITS, "{name}");
        }
        let a = npy::from_path::<f32>(fixture(name), &ArraySpec::any()).unwrap();
        assert_eq!(
            a.as_slice()[1].to_bits(),
            0x7f80_0001,
            "{name}: signalling NaN"
        );
    }
    for name in ["ok_f2_le.npy", "ok_f2_be.npy"] {
        for a in typed_three_ways::<f16>(name) {
            let bits: Vec<u16> = a.as_slice().iter().map(|v| v.to_bits()).collect();
            assert_eq!(bits, F16_SPECIAL_BITS, "{name}");
            let v = a.as_slice();
            assert!(v[3].is_sign_negative() && v[3] == f16::ZERO, "{name}");
            assert_eq!(
                (v[5], v[6], v[11]),
                (f16::INFINITY, f16::NEG_INFINITY, f16::MAX),
                "{name}"
            );
        }
    }
    // ok_f2_le_fortran: values[:12].reshape(3, 4) in F order.
    for a in typed_three_ways::<f16>("ok_f2_le_fortran.npy") {
        for (k, want) in F16_SPECIAL_BITS[..12].iter().enumerate() {
            assert_eq!(
                a.get(&[k / 4, k % 4]).map(|v| v.to_bits()),
                Some(*want),
                "f2 fortran [{k}]"
            );
        }
    }
    // ok_f8_be_fortran_special: values[:12].reshape(2, 6) in F order.
    for a in typed_three_ways::<f64>("ok_f8_be_fortran_special.npy") {
        for (k, want) in F64_SPECIAL_BITS[..12].iter().enumerate() {
            assert_eq!(
                a.get(&[k / 6, k % 6]).map(|v| v.to_bits()),
                Some(*want),
                "f8 fortran [{k}]"
            );
        }
        let c: Vec<u64> = a
            .into_c_order()
            .as_slice()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(c, F64_SPECIAL_BITS[..12], "f8 fortran into_c_order");
    }
    // Complex numbers: real parts in order, imaginary parts reversed.
    for name in ["ok_c16_le.npy", "ok_c16_be.npy"] {
        for a in typed_three_ways::<Complex64>(name) {
            let re: Vec<u64> = a.as_slice().iter().map(|v| v.re.to_bits()).collect();
            let im: Vec<u64> = a.as_slice().iter().rev().map(|v| v.im.to_bits()).collect();
            assert_eq!(
                (re.as_slice(), im.as_slice()),
                (&F64_SPECIAL_BITS[..], &F64_SPECIAL_BITS[..]),
                "{name}"
            );
        }
    }
    for name in ["ok_c8_le.npy", "ok_c8_be.npy", "ok_v3_c8_be.npy"] {
        for a in typed_three_ways::<Complex32>(name) {
            let re: Vec<u32> = a.as_slice().iter().map(|v| v.re.to_bits()).collect();
            let im: Vec<u32> = a.as_slice().iter().rev().map(|v| v.im.to_bits()).collect();
            assert_eq!(
                (re.as_slice(), im.as_slice()),
                (&F32_SPECIAL_BITS[..], &F32_SPECIAL_BITS[..]),
                "{name}"
            );
        }
    }
    for a in typed_three_ways::<f32>("ok_scalar_f4_nan_payload.npy") {
        assert_eq!(a.as_slice()[0].to_bits(), 0x7fa0_0001, "0-d signalling NaN");
    }
    for a in typed_three_ways::<f16>("ok_v3_scalar_f2.npy") {
        assert_eq!(a.as_slice()[0].to_bits(), 0x7e01, "0-d f16 NaN payload");
    }
}
