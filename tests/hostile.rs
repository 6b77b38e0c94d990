//! Hostile `.npy` inputs, one table row per attack, built from the threat classes of
//! `NPY-REFERENCE.md` §4. Every row is read through every entry point (slices, readers
//! delivering everything or one byte per call, files), and every entry point must give the
//! row's exact error code (or accept it, for the positive rows) while a counting allocator
//! watches: a refused input costs at most 64 KiB, an accepted one at most its payload plus
//! 64 KiB (plus twice the header, for the few rows that raise `max_header_bytes` beyond
//! NumPy's 10 000 so that a reader may buffer a longer header).

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use arrayguard::npy::{self, ReadOptions};
use arrayguard::{ArraySpec, ByteOrder, DType, DynArray, Limits, Order, Shape};

use common::alloc::{self, CountingAlloc};
use common::{
    npy_bytes, npy_bytes_with_len, npy_file, numpy_header, outcome, pad_header, Entry, Input,
    OneByteReader, Outcome,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// What a refused input may allocate, and what an accepted one may allocate beyond its
/// payload.
const SLACK: usize = 64 * 1024;

/// No entry point may take longer than this on any row (the parser is linear).
const TIME_BOUND: Duration = Duration::from_secs(2);

/// The threat classes of `NPY-REFERENCE.md` §4 that apply to a single `.npy` file, plus the
/// prelude (magic, version, length field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// §4.1: object dtypes, whose payload is a pickle.
    CodeExecution,
    /// §4.2: declared sizes that would be allocated before they are checked.
    AllocationBeforeValidation,
    /// §4.3: products and sizes that overflow or are negative.
    IntegerOverflow,
    /// §4.4: inputs that make a naive parser slow or recurse deeply.
    ParserComplexity,
    /// §4.5: forms other readers accept differently (Python-only literals, native order).
    ParserDifferential,
    /// §4.6: payload shorter or longer than declared; polyglots.
    LengthMismatch,
    /// §4.9: bit patterns that are invalid (bool) or must survive untouched (NaN payloads).
    ValueLevel,
    /// §4.10: each limit exceeded by one and met exactly.
    ResourceCaps,
    /// The first bytes: magic, version, HEADER_LEN, inputs cut inside them.
    Prelude,
}

enum Expect {
    /// Every entry point refuses the input with this code.
    Code(&'static str),
    /// Every entry point accepts the input; the array's payload, written little-endian, is
    /// exactly these bytes.
    Accept { payload_le: Vec<u8> },
}

struct Case {
    class: Class,
    name: String,
    bytes: Vec<u8>,
    limits: Limits,
    expect: Expect,
}

impl Case {
    fn refuse(class: Class, name: impl Into<String>, bytes: Vec<u8>, code: &'static str) -> Case {
        let name = name.into();
        Case {
            class,
            name,
            bytes,
            limits: Limits::default(),
            expect: Expect::Code(code),
        }
    }

    fn accept(class: Class, name: impl Into<String>, bytes: Vec<u8>, payload_le: Vec<u8>) -> Case {
        let name = name.into();
        Case {
            class,
            name,
            bytes,
            limits: Limits::default(),
            expect: Expect::Accept { payload_le },
        }
    }

    fn limits(mut self, limits: Limits) -> Case {
        self.limits = limits;
        self
    }

    /// What the header may legitimately cost beyond the constant: a case that raises
    /// `max_header_bytes` above NumPy's 10 000 lets a reader buffer that much header text, in
    /// a `Vec` that may grow to twice that by doubling.
    fn header_allowance(&self) -> usize {
        let default = Limits::default().max_header_bytes;
        if self.limits.max_header_bytes > default {
            2 * self.bytes.len().min(self.limits.max_header_bytes)
        } else {
            0
        }
    }
}

fn limits_with(f: impl FnOnce(&mut Limits)) -> Limits {
    let mut limits = Limits::default();
    f(&mut limits);
    limits
}

/// A version 1.0 file whose header is the dict text given (padded and newline-terminated).
fn with_dict(dict: &str, payload: &[u8]) -> Vec<u8> {
    npy_bytes((1, 0), &pad_header(dict.as_bytes(), 10), payload)
}

/// A header with `descr` (written as given, quotes included) and shape `(2,)`, eight bytes of
/// payload.
fn with_descr(descr: &str) -> Vec<u8> {
    npy_bytes((1, 0), &numpy_header(descr, false, "(2,)"), &[0; 8])
}

/// A header with type string `<f8` and the shape text given, no payload.
fn with_shape(shape: &str) -> Vec<u8> {
    npy_file("<f8", shape, &[])
}

fn f64_le(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

// One row per line reads better than rustfmt's five lines per row.
#[rustfmt::skip]
fn cases() -> Vec<Case> {
    use Class::*;
    let three_f8 = f64_le(&[1.0f64.to_bits(), 2.0f64.to_bits(), 3.0f64.to_bits()]);
    let valid = npy_file("<f8", "(3,)", &three_f8);
    let v3 = |dict: &[u8]| pad_header(dict, 12);
    let raised_header = |n: usize| limits_with(|l| l.max_header_bytes = n);
    let spaces = " ".repeat(100_000);
    let dict_f8_3 = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
    let mut cases = vec![
        // ---- 1. code execution: object dtypes are refused before their pickle is touched.
        Case::refuse(CodeExecution, "object_dtype", npy_file("|O", "(2,)", b"\x80\x04\x95cos\nsystem\n"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "object_native_order", with_descr("'=O'"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "object_no_order", with_descr("'O'"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "object_with_size", with_descr("'<O8'"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "object_by_name", with_descr("'object'"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "structured_with_object_field", with_descr("[('a', '<f8'), ('b', '|O')]"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "nested_structured_with_object", with_descr("[('a', [('b', '|O')])]"), "dtype.pickle_not_allowed"),
        Case::refuse(CodeExecution, "object_subarray", with_descr("('|O', (2,))"), "dtype.pickle_not_allowed"),
        // ---- 2. allocation before validation: declared sizes are checked against the
        // limits and the bytes present before anything proportional to them is allocated.
        Case::refuse(AllocationBeforeValidation, "v2_header_len_4_gib_in_14_bytes", npy_bytes_with_len((2, 0), 0xFFFF_FFFF, b"{'", b""), "npy.header_too_large"),
        Case::refuse(AllocationBeforeValidation, "v2_header_len_4_gib_unlimited", npy_bytes_with_len((2, 0), 0xFFFF_FFFF, b"{'", b""), "npy.invalid_header").limits(Limits::unlimited()),
        Case::refuse(AllocationBeforeValidation, "v1_header_len_65535_tiny_file", npy_bytes_with_len((1, 0), 65_535, b"{'descr'", b""), "npy.header_too_large"),
        Case::refuse(AllocationBeforeValidation, "v1_header_len_65535_unlimited", npy_bytes_with_len((1, 0), 65_535, b"{'descr'", b""), "npy.invalid_header").limits(Limits::unlimited()),
        // npy-rs read this field as a signed short and panicked (found by cargo-fuzz).
        Case::refuse(AllocationBeforeValidation, "header_len_0xfff8_read_as_signed_elsewhere", b"\x93NUMPY\x01\x00\xf8\xff".to_vec(), "npy.header_too_large"),
        Case::refuse(AllocationBeforeValidation, "8_gb_declared_in_128_bytes", npy_file("<f8", "(1000000000,)", &[]), "limit.elements"),
        Case::refuse(AllocationBeforeValidation, "8_gb_declared_in_128_bytes_unlimited", npy_file("<f8", "(1000000000,)", &[]), "data.truncated").limits(Limits::unlimited()),
        Case::refuse(AllocationBeforeValidation, "240_mb_within_limits_declared_in_128_bytes", npy_file("<f8", "(30000000,)", &[]), "data.truncated"),
        Case::refuse(AllocationBeforeValidation, "128_mib_declared_4_kib_delivered", npy_file("<f8", "(16777216,)", &[0; 4096]), "data.truncated"),
        Case::refuse(AllocationBeforeValidation, "huge_bytes_dtype", npy_file("|S9999999999", "(1,)", &[]), "dtype.unsupported"),
        Case::refuse(AllocationBeforeValidation, "bytes_dtype_size_over_u64", npy_file("|S99999999999999999999999", "(1,)", &[]), "dtype.invalid"),
        Case::refuse(AllocationBeforeValidation, "unicode_dtype_size_times_4_overflows_u32", npy_file("<U2147483648", "(1,)", &[]), "dtype.unsupported"),
        // ---- 3. integer overflow and sign errors.
        Case::refuse(IntegerOverflow, "product_wraps_to_4", npy_file("|u1", "(4194305, 4194305, 211106198978564)", &[0; 4]), "shape.overflow"),
        Case::refuse(IntegerOverflow, "huge_dims_times_zero", with_shape("(4611686018427387904, 4611686018427387904, 0)"), "shape.overflow"),
        Case::refuse(IntegerOverflow, "zero_times_huge_dim_bytes", with_shape("(0, 4611686018427387904)"), "shape.overflow"),
        Case::refuse(IntegerOverflow, "count_times_itemsize_overflows", with_shape("(2305843009213693952,)"), "shape.overflow"),
        Case::refuse(IntegerOverflow, "two_dims_of_2_pow_32", npy_file("|u1", "(4294967296, 4294967296)", &[]), "shape.overflow"),
        Case::refuse(IntegerOverflow, "dim_u64_max", npy_file("|u1", "(18446744073709551615,)", &[]), "shape.overflow"),
        Case::refuse(IntegerOverflow, "twenty_digit_dim_over_isize", npy_file("|u1", "(10000000000000000000,)", &[]), "shape.overflow"),
        Case::refuse(IntegerOverflow, "dim_above_u64", with_shape("(18446744073709551616,)"), "npy.invalid_header"),
        Case::refuse(IntegerOverflow, "twenty_one_digit_dim", with_shape("(100000000000000000000,)"), "npy.invalid_header"),
        Case::refuse(IntegerOverflow, "negative_dims_with_positive_product", npy_file("|u1", "(-2, -3)", &[0; 6]), "npy.invalid_header"),
        Case::refuse(IntegerOverflow, "65_dims", with_shape(&format!("({})", ["1"; 65].join(", "))), "limit.ndim"),
        Case::refuse(IntegerOverflow, "1000_dims", with_shape(&format!("({})", ["1"; 1000].join(", "))), "limit.ndim"),
        // ---- 4. parser complexity: bounded nesting, bounded digits, linear time.
        Case::refuse(ParserComplexity, "descr_5000_nested_brackets", with_descr(&"[".repeat(5000)), "npy.invalid_header"),
        Case::refuse(ParserComplexity, "shape_5000_nested_parens", with_shape(&"(".repeat(5000)), "npy.invalid_header"),
        Case::refuse(ParserComplexity, "descr_64_kib_of_parens", npy_bytes((2, 0), &numpy_header(&"(".repeat(65_536), false, "(2,)"), &[0; 8]), "npy.invalid_header").limits(raised_header(70_000)),
        Case::refuse(ParserComplexity, "10000_digit_integer", with_shape(&format!("({},)", "9".repeat(10_000))), "npy.invalid_header").limits(raised_header(20_000)),
        Case::accept(ParserComplexity, "100000_spaces_of_padding", npy_bytes((2, 0), format!("{dict_f8_3}{spaces}\n").as_bytes(), &three_f8), three_f8.clone()).limits(raised_header(200_000)),
        Case::refuse(ParserComplexity, "100000_spaces_then_garbage", npy_bytes((2, 0), format!("{dict_f8_3}{spaces}x\n").as_bytes(), &three_f8), "npy.invalid_header").limits(raised_header(200_000)),
        Case::accept(ParserComplexity, "100000_spaces_before_the_dict", npy_bytes((2, 0), format!("{spaces}{dict_f8_3}\n").as_bytes(), &three_f8), three_f8.clone()).limits(raised_header(200_000)),
        Case::refuse(ParserComplexity, "shape_of_4000_commas", with_shape(&format!("(1{})", ",".repeat(4_000))), "npy.invalid_header"),
        // ---- 5. parser differentials: one strict reading, no Python-only forms.
        Case::refuse(ParserDifferential, "duplicate_descr_key", with_dict("{'descr': '<i4', 'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "hex_dimension", with_shape("(0x3,)"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "underscore_dimension", with_shape("(1_0,)"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "python2_long_suffix", with_shape("(3L,)"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "leading_zero_dimension", with_shape("(03,)"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "negative_zero_dimension", with_shape("(-0,)"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "true_as_dimension", with_shape("(True,)"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "shape_as_list", with_shape("[3]"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "one_element_shape_without_comma", npy_file("<f8", "(3)", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "escaped_descr", with_descr("'\\x3cf8'"), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "nul_padding", npy_bytes((1, 0), format!("{dict_f8_3}\0\0\0\0\n").as_bytes(), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "missing_final_newline", npy_bytes((1, 0), format!("{dict_f8_3}    ").as_bytes(), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "crlf_ending", npy_bytes((1, 0), format!("{dict_f8_3}   \r\n").as_bytes(), &three_f8), "npy.invalid_header"),
        // Whitespace between tokens as Python skips it (pprint headers of NumPy < 1.14, tabs),
        // but not what else ast.literal_eval skips.
        Case::accept(ParserDifferential, "tab_between_tokens", with_dict("{'descr':\t'<f8', 'fortran_order': False, 'shape': (3,), }", &three_f8), three_f8.clone()),
        Case::accept(ParserDifferential, "pprint_header_across_lines", with_dict("{'descr': '<f8',\n 'fortran_order': False,\n 'shape': (3,)}", &three_f8), three_f8.clone()),
        Case::refuse(ParserDifferential, "comment_in_header", with_dict("{'descr': '<f8',  # x\n 'fortran_order': False,\n 'shape': (3,)}", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "line_continuation_in_header", with_dict("{'descr': '<f8', \\\n'fortran_order': False, 'shape': (3,)}", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "vertical_tab_between_tokens", with_dict("{'descr':\x0b'<f8', 'fortran_order': False, 'shape': (3,)}", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "newline_inside_a_dimension", with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1\n0,)}", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "bom_at_start_of_v3_header", npy_bytes((3, 0), &v3(format!("\u{feff}{dict_f8_3}").as_bytes()), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "bom_at_start_of_v1_header", with_dict(&format!("\u{feff}{dict_f8_3}"), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "nbsp_in_v3_header", npy_bytes((3, 0), &v3("{'descr':\u{a0}'<f8', 'fortran_order': False, 'shape': (3,), }".as_bytes()), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "invalid_utf8_in_v3_header", npy_bytes((3, 0), &v3(b"{'descr': '<f8\xff', 'fortran_order': False, 'shape': (3,), }"), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "latin1_in_v1_header", npy_bytes((1, 0), &pad_header(b"{'descr': '<f8\xe9', 'fortran_order': False, 'shape': (3,), }", 10), &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "fortran_order_as_integer", with_dict("{'descr': '<f8', 'fortran_order': 0, 'shape': (3,), }", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "fortran_order_lowercase", with_dict("{'descr': '<f8', 'fortran_order': false, 'shape': (3,), }", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "missing_shape_key", with_dict("{'descr': '<f8', 'fortran_order': False, }", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "extra_key", with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1, }", &three_f8), "npy.invalid_header"),
        Case::refuse(ParserDifferential, "platform_long", npy_file("<l", "(3,)", &three_f8), "dtype.invalid"),
        Case::refuse(ParserDifferential, "platform_long_double", npy_file("<g", "(3,)", &three_f8), "dtype.invalid"),
        Case::refuse(ParserDifferential, "native_order_float", npy_file("=f8", "(3,)", &three_f8), "dtype.invalid"),
        Case::refuse(ParserDifferential, "no_order_float", npy_file("f8", "(3,)", &three_f8), "dtype.invalid"),
        Case::refuse(ParserDifferential, "pipe_order_multibyte", npy_file("|i4", "(3,)", &[0; 12]), "dtype.invalid"),
        Case::refuse(ParserDifferential, "dtype_name_instead_of_typestr", npy_file("float64", "(3,)", &three_f8), "dtype.invalid"),
        Case::refuse(ParserDifferential, "long_double_f16", npy_file("<f16", "(3,)", &[0; 48]), "dtype.unsupported"),
        Case::refuse(ParserDifferential, "structured_without_object", with_descr("[('a', '<f4'), ('b', '<f4')]"), "dtype.unsupported"),
        Case::accept(ParserDifferential, "double_quoted_keys_and_values", with_dict("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (3,)}", &three_f8), three_f8.clone()),
        Case::accept(ParserDifferential, "keys_in_any_order_no_trailing_comma", with_dict("{'shape': (3,), 'fortran_order': False, 'descr': '<f8'}", &three_f8), three_f8.clone()),
        Case::accept(ParserDifferential, "version_3_ascii_header", npy_bytes((3, 0), &v3(dict_f8_3.as_bytes()), &three_f8), three_f8.clone()),
        // ---- 6. length mismatches and polyglots.
        Case::refuse(LengthMismatch, "truncated_data", npy_file("<f8", "(3,)", &three_f8[..23]), "data.truncated"),
        Case::refuse(LengthMismatch, "scalar_without_data", npy_file("<f8", "()", &[]), "data.truncated"),
        Case::refuse(LengthMismatch, "one_trailing_byte", npy_file("<f8", "(3,)", &[&three_f8[..], &[0]].concat()), "data.trailing"),
        Case::refuse(LengthMismatch, "zero_size_with_trailing_byte", npy_file("<f8", "(0, 3)", &[0]), "data.trailing"),
        Case::refuse(LengthMismatch, "npy_zip_polyglot", [&valid[..], b"PK\x03\x04\x14\x00\x00\x00\x00\x00", &[0; 20], b"PK\x05\x06", &[0; 18]].concat(), "data.trailing"),
        Case::refuse(LengthMismatch, "two_arrays_in_one_file", [&valid[..], &valid[..]].concat(), "data.trailing"),
        Case::refuse(LengthMismatch, "header_len_too_short", npy_bytes_with_len((1, 0), 60, &numpy_header("'<f8'", false, "(3,)"), &three_f8), "npy.invalid_header"),
        Case::refuse(LengthMismatch, "header_len_swallows_payload", npy_bytes_with_len((1, 0), 118 + 24, &numpy_header("'<f8'", false, "(3,)"), &three_f8), "npy.invalid_header"),
        // ---- 9. value-level invalidity (NaN payloads and friends are added below).
        Case::refuse(ValueLevel, "bool_byte_2", npy_file("|b1", "(3,)", &[0, 1, 2]), "data.invalid_bool"),
        Case::refuse(ValueLevel, "bool_byte_255", npy_file("|b1", "(2, 2)", &[1, 0, 255, 1]), "data.invalid_bool"),
        Case::accept(ValueLevel, "bool_bytes_0_and_1", npy_file("|b1", "(4,)", &[0, 1, 1, 0]), vec![0, 1, 1, 0]),
    ];
    // NaN payloads (quiet and signalling, with sign), -0.0 and subnormals, in both byte
    // orders and three widths: accepted, and kept bit for bit.
    let f64_bits = f64_le(&[0x7ff8_dead_beef_0001, 0xfff0_0000_0000_0001, 0x8000_0000_0000_0000, 1]);
    let f32_bits: Vec<u8> = [0x7f80_0001u32, 0xffc0_1234, 0x8000_0000, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    let f16_bits: Vec<u8> = [0x7c01u16, 0xfe00, 0x8000, 1].iter().flat_map(|v| v.to_le_bytes()).collect();
    let c16_bits = f64_le(&[0, 0x7ff0_0000_0000_0abc]);
    for (name, dtype, le) in [
        ("nan_payloads_f8", DType::F64, &f64_bits),
        ("nan_payloads_f4", DType::F32, &f32_bits),
        ("nan_payloads_f2", DType::F16, &f16_bits),
        ("nan_payload_in_imaginary_part_c16", DType::Complex128, &c16_bits),
    ] {
        let shape = Shape::vector(le.len() / dtype.itemsize()).expect("a small shape");
        for (suffix, order) in [("", ByteOrder::Little), ("_big_endian", ByteOrder::Big)] {
            let bytes = common::valid_file(dtype, order, &shape, Order::C, le);
            cases.push(Case::accept(ValueLevel, format!("{name}{suffix}"), bytes, le.clone()));
        }
    }
    // ---- 10. resource caps: each limit exceeded by one, and met exactly.
    let eleven_f8 = npy_file("<f8", "(11,)", &[0; 88]);
    let header_len = usize::from(u16::from_le_bytes([eleven_f8[8], eleven_f8[9]]));
    let v1_f8_3 = numpy_header("'<f8'", false, "(3,)");
    cases.extend([
        Case::refuse(ResourceCaps, "max_bytes_exceeded_by_one", eleven_f8.clone(), "limit.bytes").limits(limits_with(|l| l.max_bytes = 87)),
        Case::accept(ResourceCaps, "max_bytes_met_exactly", eleven_f8.clone(), vec![0; 88]).limits(limits_with(|l| l.max_bytes = 88)),
        Case::refuse(ResourceCaps, "max_elements_exceeded_by_one", eleven_f8.clone(), "limit.elements").limits(limits_with(|l| l.max_elements = 10)),
        Case::accept(ResourceCaps, "max_elements_met_exactly", eleven_f8.clone(), vec![0; 88]).limits(limits_with(|l| l.max_elements = 11)),
        Case::refuse(ResourceCaps, "max_ndim_exceeded_by_one", npy_file("|u1", "(1, 1, 1, 1)", &[7]), "limit.ndim").limits(limits_with(|l| l.max_ndim = 3)),
        Case::accept(ResourceCaps, "max_ndim_met_exactly", npy_file("|u1", "(1, 1, 1)", &[7]), vec![7]).limits(limits_with(|l| l.max_ndim = 3)),
        Case::refuse(ResourceCaps, "max_header_bytes_exceeded_by_one", eleven_f8.clone(), "npy.header_too_large").limits(limits_with(|l| l.max_header_bytes = header_len - 1)),
        Case::accept(ResourceCaps, "max_header_bytes_met_exactly", eleven_f8.clone(), vec![0; 88]).limits(limits_with(|l| l.max_header_bytes = header_len)),
        Case::refuse(ResourceCaps, "default_header_limit_exceeded_by_one", npy_bytes((1, 0), &pad_to_len(10_001), &[0; 8]), "npy.header_too_large"),
        Case::accept(ResourceCaps, "default_header_limit_met_exactly", npy_bytes((1, 0), &pad_to_len(10_000), &[0; 8]), vec![0; 8]),
        Case::refuse(ResourceCaps, "default_ndim_limit_exceeded_by_one", npy_file("|u1", &format!("({})", ["1"; 65].join(", ")), &[1]), "limit.ndim"),
        Case::accept(ResourceCaps, "default_ndim_limit_met_exactly", npy_file("|u1", &format!("({})", ["1"; 64].join(", ")), &[1]), vec![1]),
        // ---- the prelude.
        Case::refuse(Prelude, "version_1_1", npy_bytes((1, 1), &v1_f8_3, &three_f8), "npy.unsupported_version"),
        Case::refuse(Prelude, "version_0_0", npy_bytes((0, 0), &v1_f8_3, &three_f8), "npy.unsupported_version"),
        Case::refuse(Prelude, "version_255_255", npy_bytes((255, 255), &v1_f8_3, &three_f8), "npy.unsupported_version"),
        Case::refuse(Prelude, "version_2_2", npy_bytes((2, 2), &v1_f8_3, &three_f8), "npy.unsupported_version"),
        Case::refuse(Prelude, "version_4_0", npy_bytes((4, 0), &v1_f8_3, &three_f8), "npy.unsupported_version"),
        Case::refuse(Prelude, "zip_magic", [&b"PK\x03\x04"[..], &[0; 60]].concat(), "npy.bad_magic"),
        Case::refuse(Prelude, "pickle_magic", b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94.".to_vec(), "npy.bad_magic"),
        Case::refuse(Prelude, "lowercase_magic", [&b"\x93numpy\x01\x00"[..], &valid[8..]].concat(), "npy.bad_magic"),
        Case::refuse(Prelude, "wrong_first_byte_short_input", b"X".to_vec(), "npy.bad_magic"),
        Case::refuse(Prelude, "empty_input", Vec::new(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_inside_magic", b"\x93NUM".to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_inside_version", b"\x93NUMPY\x01".to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_before_length_field", valid[..8].to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_inside_v1_length_field", valid[..9].to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_inside_v2_length_field", npy_bytes((2, 0), &v3(b"{}"), &[])[..11].to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_inside_header", valid[..40].to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "cut_before_final_newline", valid[..127].to_vec(), "npy.invalid_header"),
        Case::refuse(Prelude, "header_len_zero", npy_bytes((1, 0), b"", &three_f8), "npy.invalid_header"),
    ]);
    cases
}

/// A valid header for `(1,) <f8` padded with spaces to exactly `len` bytes (newline included).
fn pad_to_len(len: usize) -> Vec<u8> {
    let dict = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
    let mut text = dict.to_vec();
    text.resize(len - 1, b' ');
    text.push(b'\n');
    text
}

/// One row read through one entry point.
struct Run {
    entry: &'static str,
    outcome: Outcome,
    peak: usize,
    elapsed: Duration,
}

fn run_case(case: &Case, input: &Input) -> Vec<Run> {
    let spec = ArraySpec::any();
    Entry::all_for(&case.limits)
        .into_iter()
        .map(|entry| {
            let start = Instant::now();
            let (result, peak) = entry.run(input, &spec, &case.limits);
            let elapsed = start.elapsed();
            Run {
                entry: entry.name(),
                outcome: outcome(result),
                peak,
                elapsed,
            }
        })
        .collect()
}

/// Checks one row; returns what is wrong with it, and the highest peak seen.
fn check_case(case: &Case) -> (Vec<String>, usize) {
    let input = Input::new(case.bytes.clone());
    let runs = run_case(case, &input);
    let mut wrong = Vec::new();
    let header_allowance = case.header_allowance();
    for run in &runs {
        let what = format!("{} via {}", case.name, run.entry);
        if run.elapsed > TIME_BOUND {
            wrong.push(format!("{what}: took {:?}", run.elapsed));
        }
        match (&case.expect, &run.outcome) {
            (Expect::Code(code), Err(found)) => {
                if found != code {
                    wrong.push(format!("{what}: expected `{code}`, found `{found}`"));
                }
                if run.peak > SLACK + header_allowance {
                    wrong.push(format!(
                        "{what}: refused after allocating {} bytes at peak",
                        run.peak
                    ));
                }
            }
            (Expect::Code(code), Ok(_)) => {
                wrong.push(format!("{what}: expected `{code}`, but it was accepted"))
            }
            (Expect::Accept { .. }, Err(found)) => {
                wrong.push(format!("{what}: expected acceptance, found `{found}`"))
            }
            (Expect::Accept { payload_le }, Ok(canonical)) => {
                if !canonical.ends_with(payload_le) {
                    wrong.push(format!("{what}: payload bits changed"));
                }
                if run.peak > payload_le.len() + SLACK + header_allowance {
                    wrong.push(format!(
                        "{what}: accepted a {}-byte payload with {} bytes at peak",
                        payload_le.len(),
                        run.peak
                    ));
                }
            }
        }
    }
    // Every entry point agrees with the first, accepted arrays included (bit for bit).
    for run in &runs[1..] {
        if run.outcome != runs[0].outcome {
            wrong.push(format!(
                "{}: {} and {} disagree",
                case.name, runs[0].entry, run.entry
            ));
        }
    }
    // The header-only entry point agrees with itself on a slice and on a reader delivering one
    // byte per call and, when it refuses, with the row.
    let (from_slice, peak_a) = alloc::measure(|| npy::read_header(&case.bytes[..], &case.limits));
    let (from_reader, peak_b) =
        alloc::measure(|| npy::read_header(OneByteReader::new(&case.bytes), &case.limits));
    let from_slice = from_slice.map_err(|e| e.code());
    let from_reader = from_reader.map_err(|e| e.code());
    if from_slice != from_reader {
        wrong.push(format!(
            "{}: read_header gives {from_slice:?} on a slice, {from_reader:?} one byte per read",
            case.name
        ));
    }
    if let (Err(found), Expect::Code(code)) = (&from_slice, &case.expect) {
        if found != code {
            wrong.push(format!(
                "{}: read_header expected `{code}`, found `{found}`",
                case.name
            ));
        }
    }
    if peak_a.max(peak_b) > SLACK + header_allowance {
        wrong.push(format!(
            "{}: read_header allocated {} bytes at peak",
            case.name,
            peak_a.max(peak_b)
        ));
    }
    let peak = runs
        .iter()
        .map(|r| r.peak)
        .max()
        .unwrap_or(0)
        .max(peak_a)
        .max(peak_b);
    (wrong, peak)
}

#[test]
fn every_hostile_case_gets_its_code_from_every_entry_point_within_the_allocation_bound() {
    let mut wrong = Vec::new();
    let mut report = Vec::new();
    for case in cases() {
        let (problems, peak) = check_case(&case);
        report.push(format!(
            "{:?} {:<50} peak {:>8} bytes",
            case.class, case.name, peak
        ));
        wrong.extend(problems);
    }
    println!("{}", report.join("\n"));
    assert!(
        wrong.is_empty(),
        "{} problems:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn the_suite_covers_every_threat_class_with_at_least_40_cases() {
    let cases = cases();
    let mut per_class: BTreeMap<Class, usize> = BTreeMap::new();
    for case in &cases {
        *per_class.entry(case.class).or_default() += 1;
    }
    println!("{per_class:?}, {} cases", cases.len());
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for class in [
        Class::CodeExecution,
        Class::AllocationBeforeValidation,
        Class::IntegerOverflow,
        Class::ParserComplexity,
        Class::ParserDifferential,
        Class::LengthMismatch,
        Class::ValueLevel,
        Class::ResourceCaps,
        Class::Prelude,
    ] {
        assert!(
            per_class.get(&class).copied().unwrap_or(0) >= 3,
            "{class:?} has too few cases"
        );
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
}

#[test]
fn counting_allocator_sees_allocations() {
    // Guards the suite itself: if the allocator were not installed, every bound would pass.
    let (v, peak) = alloc::measure(|| vec![1u8; 1 << 20]);
    assert_eq!(v.len(), 1 << 20);
    assert!(peak >= 1 << 20, "peak {peak}");
    let ((), peak) = alloc::measure(|| ());
    assert_eq!(peak, 0);
}

#[test]
fn stream_that_ends_early_costs_at_most_twice_what_it_delivered() {
    // 128 MiB declared (within the default limits), 1 MiB delivered by a reader that cannot
    // know its length: the buffer grows with the data, never to the declared size.
    let delivered = 1 << 20;
    let bytes = npy_file("<f8", "(16777216,)", &vec![0; delivered]);
    let options = ReadOptions::new();
    let (result, peak) =
        alloc::measure(|| options.read_reader::<DynArray, _>(&bytes[..], &ArraySpec::any()));
    assert_eq!(result.map(|_| ()).unwrap_err().code(), "data.truncated");
    assert!(peak <= 2 * delivered + SLACK, "peak {peak}");
    println!("128 MiB declared, 1 MiB delivered: peak {peak} bytes");
}

#[test]
fn accepted_multi_mib_payloads_cost_their_size_plus_a_constant_on_every_entry_point() {
    // 8 MiB of float64 and complex64 in both byte orders (swapped in place), and 4 MiB of
    // bool (checked and converted without a second buffer).
    let n: u32 = 1 << 20;
    let f64_le: Vec<u8> = (0..n)
        .flat_map(|i| f64::from(i).to_bits().to_le_bytes())
        .collect();
    let bools: Vec<u8> = (0..4 * n).map(|i| u8::from(i % 3 == 0)).collect();
    for (dtype, le) in [
        (DType::F64, &f64_le),
        (DType::Complex64, &f64_le),
        (DType::Bool, &bools),
    ] {
        let shape = Shape::vector(le.len() / dtype.itemsize()).expect("a 1-d shape");
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let input = Input::new(common::valid_file(dtype, order, &shape, Order::C, le));
            for entry in Entry::all_for(&Limits::default()) {
                let (result, peak) = entry.run(&input, &ArraySpec::new(dtype), &Limits::default());
                let array: DynArray = result.unwrap_or_else(|e| panic!("{}: {e}", entry.name()));
                assert_eq!(&array.to_le_bytes(), le, "{}", entry.name());
                let what = format!("{dtype} {order:?} via {}", entry.name());
                assert!(
                    peak <= le.len() + SLACK,
                    "{what}: peak {peak} for {} bytes",
                    le.len()
                );
                println!("{what}: {} bytes, peak {peak}", le.len());
            }
        }
    }
}

#[test]
fn typed_views_keep_nan_payloads_bit_exactly() {
    let bits = [
        0x7ff8_dead_beef_0001u64,
        0xfff0_0000_0000_0001,
        0x8000_0000_0000_0000,
        1,
    ];
    for order in [ByteOrder::Little, ByteOrder::Big] {
        let le = f64_le(&bits);
        let bytes = common::valid_file(
            DType::F64,
            order,
            &Shape::vector(4).expect("shape"),
            Order::C,
            &le,
        );
        let view = npy::from_slice::<f64>(&bytes, &ArraySpec::any()).expect("accepted");
        let found: Vec<u64> = view.as_slice().iter().map(|v| v.to_bits()).collect();
        assert_eq!(found, bits, "{order:?}");
        let array = npy::from_reader::<f64, _>(OneByteReader::new(&bytes), &ArraySpec::any())
            .expect("accepted");
        let found: Vec<u64> = array.as_slice().iter().map(|v| v.to_bits()).collect();
        assert_eq!(found, bits, "{order:?}");
    }
}

#[test]
fn bad_bool_followed_by_trailing_data_gets_the_same_code_from_every_entry_point() {
    // Validation order (NPY-REFERENCE §5): the payload length is checked (step 8, no trailing
    // data) before values (step 9, bool bytes). The slice and path entry points know the
    // length up front and say `data.trailing`; every entry point must say the same.
    let case = Case::refuse(
        Class::ValueLevel,
        "bad_bool_then_trailing_byte",
        npy_file("|b1", "(3,)", &[0, 1, 2, 0]),
        "data.trailing",
    );
    let (wrong, _) = check_case(&case);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn structured_field_named_like_an_object_type_is_unsupported_not_a_pickle() {
    // Field names are not type strings: `Output` and `O` name float fields, and nothing in
    // these files is an object. Only a type string that is an object makes a pickle.
    let cases = [
        ("[('Output', '<f4')]", "dtype.unsupported"),
        ("[('O', '<f8')]", "dtype.unsupported"),
        ("[(('Object title', 'x'), '<f8')]", "dtype.unsupported"),
        ("[('a', 'O')]", "dtype.pickle_not_allowed"),
        ("[('O', '|O')]", "dtype.pickle_not_allowed"),
    ];
    let mut wrong = Vec::new();
    for (descr, code) in cases {
        let bytes = npy_bytes((1, 0), &numpy_header(descr, false, "(2,)"), &[0; 16]);
        let case = Case::refuse(Class::CodeExecution, descr, bytes, code);
        wrong.extend(check_case(&case).0);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
