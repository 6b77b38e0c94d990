#!/usr/bin/env python3
"""Writes the JSON fixtures in this directory, plus expected.txt.

Run from the repository root:

    python3 tests/data/json/generate.py

The output is deterministic: running the script twice gives byte-identical files. Written
and checked with Python 3 and numpy 2.4.6 on Linux x86-64.

Files named ok_* must be accepted; bad_* must be refused with the error code recorded in
expected.txt. expected.txt has one line per file, tab-separated:

    name <TAB> key=value <TAB> key=value ...

Keys for every file: dtype (the arrayguard dtype name the file is read as; for envelopes,
the dtype they declare), form (`nested` for plain JSON arrays, `envelope` for
{"dtype", "shape", "data"} objects) and allow_nan (1 when the file is read with NaN and
infinities allowed, else 0). ok files add shape (as a Python tuple without spaces) and
fnv1a64: the 64-bit FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3), as
16 lowercase hex digits, of the array's elements in C order, each little-endian (complex
numbers: real part then imaginary part), computed by numpy from the array the JSON was made
from. bad files add code, the arrayguard error code (`Error::code()`) every read path must
return, and path, the JSON index path the error names, where one applies.

Producers: the nested fixtures are `json.dumps(array.tolist())` (complex arrays as
[re, im] pairs, since json cannot write complex numbers; NaN and infinities as Python's
default json.dumps writes them, `NaN`, `Infinity`, `-Infinity`). Float values are ones whose
shortest repr reads back to the same double, so the array numpy holds equals the correctly
rounded parse of the text. The exception is ok_f2_rounding.json: decimal texts chosen to sit
on, just above and just below f16 rounding midpoints, whose expected bits are computed here
with exact rational arithmetic (fractions.Fraction), not by numpy: numpy converts text to
float16 through a double and so rounds twice (see README.md).
"""

import base64
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3

NAMES = {
    "bool": "bool",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "float16": "f16",
    "float32": "f32",
    "float64": "f64",
    "complex64": "complex64",
    "complex128": "complex128",
}

lines = []
written = set()
# name -> one-line description for README.md
described = {}


def fnv1a64(data):
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def le_c_bytes(a):
    """The elements in C order, each little-endian, bit for bit."""
    c = np.ascontiguousarray(a)
    if c.dtype.byteorder == ">":
        c = c.byteswap().view(c.dtype.newbyteorder("<"))
    return c.tobytes()


def write(name, text):
    assert name not in written, name
    written.add(name)
    data = text.encode("utf-8") if isinstance(text, str) else text
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    described[name] = excerpt(data)


def excerpt(data, limit=70):
    """The start of a fixture, as a Markdown code span."""
    if not data:
        return "(empty)"
    text = data[:limit].decode("utf-8", "backslashreplace")
    text = text.encode("ascii", "backslashreplace").decode("ascii")
    text = text.replace("\n", "\\n").replace("|", "\\|").replace("`", "'")
    more = " (%d bytes)" % len(data) if len(data) > limit else ""
    return "`%s%s`%s" % (text, "..." if more else "", more)


expectations = {}


def record(name, fields):
    lines.append("\t".join([name] + ["%s=%s" % kv for kv in fields]))
    f = dict(fields)
    if "code" in f:
        what = "`%s`" % f["code"] + (" at `%s`" % f["path"] if "path" in f else "")
    else:
        what = "%s %s" % (f["dtype"], f["shape"])
    if f["form"] == "envelope":
        what += ", envelope"
    if f["allow_nan"] == "1":
        what += ", NaN allowed"
    expectations[name] = what


def shape_text(shape):
    return repr(tuple(shape)).replace(" ", "")


def tolist(a):
    """array.tolist(), with complex numbers as [re, im] pairs."""
    if a.dtype.kind == "c":
        pairs = np.stack([a.real, a.imag], axis=-1)
        return pairs.tolist()
    return a.tolist()


def dumps(value, **kw):
    # Python's default: allow_nan=True writes NaN, Infinity, -Infinity.
    return json.dumps(value, **kw)


def ok(name, a, allow_nan=False, text=None):
    """A nested fixture: json.dumps(a.tolist()), and the hash of a's bytes."""
    if text is None:
        text = dumps(tolist(a))
    # The text must read back (in Python) to the same values, bit for bit.
    if a.dtype.kind == "c":
        part = np.float32 if a.dtype == np.complex64 else np.float64
        pairs = np.ascontiguousarray(np.array(json.loads(text), dtype=part))
        back = pairs.view(a.dtype)[..., 0]
    else:
        back = np.array(json.loads(text), dtype=a.dtype)
    assert back.shape == a.shape and le_c_bytes(back) == le_c_bytes(a), name
    write(name, text)
    record(
        name,
        [
            ("dtype", NAMES[a.dtype.name]),
            ("form", "nested"),
            ("allow_nan", "1" if allow_nan else "0"),
            ("shape", shape_text(a.shape)),
            ("fnv1a64", "%016x" % fnv1a64(le_c_bytes(a))),
        ],
    )


def ok_envelope(name, a, text):
    write(name, text)
    record(
        name,
        [
            ("dtype", NAMES[a.dtype.name]),
            ("form", "envelope"),
            ("allow_nan", "0"),
            ("shape", shape_text(a.shape)),
            ("fnv1a64", "%016x" % fnv1a64(le_c_bytes(a))),
        ],
    )


def bad(name, dtype, text, code, path=None, form="nested", allow_nan=False):
    write(name, text)
    fields = [
        ("dtype", dtype),
        ("form", form),
        ("allow_nan", "1" if allow_nan else "0"),
        ("code", code),
    ]
    if path is not None:
        fields.append(("path", path))
    record(name, fields)


def int_values(dtype):
    info = np.iinfo(dtype)
    return [info.min, info.max, 0, 1, info.max - 1, info.min + 1, 7, info.max // 3]


# ---- ok: every dtype, as json.dumps(array.tolist()) writes it -------------------------------

ok("ok_b1.json", np.array([[True, False, True], [False, False, True]]))
for t in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
    dt = np.dtype(t)
    ok("ok_%s.json" % t, np.array(int_values(dt), dtype=dt).reshape(2, 4))

F64_VALUES = [
    0.0,
    -0.0,
    1.0,
    -2.5,
    0.1,
    1 / 3,
    1e-300,
    5e-324,  # smallest subnormal
    2.2250738585072011e-308,  # largest subnormal (hung PHP and Java: CVE-2010-4645)
    2.2250738585072014e-308,  # smallest normal
    1.7976931348623157e308,  # largest finite
    123456789012345678.0,
]
ok("ok_f8.json", np.array(F64_VALUES, dtype=np.float64).reshape(3, 4))

F32_BITS = [
    0x00000000,
    0x80000000,  # -0.0
    0x3F800000,  # 1.0
    0x3DCCCCCD,  # 0.1f
    0x00000001,  # smallest subnormal
    0x007FFFFF,  # largest subnormal
    0x00800000,  # smallest normal
    0x7F7FFFFF,  # largest finite
    0xC0490FDB,  # -pi
    0x4B800001,  # 16777218, beyond 2^24
]
ok("ok_f4.json", np.array(F32_BITS, dtype="<u4").view("<f4").reshape(2, 5))

F16_BITS = [
    0x0000,
    0x8000,  # -0.0
    0x3C00,  # 1.0
    0x2E66,  # 0.1 rounded to f16
    0x0001,  # smallest subnormal
    0x03FF,  # largest subnormal
    0x0400,  # smallest normal
    0x7BFF,  # largest finite, 65504
    0xC248,  # -3.140625
    0x3C01,  # 1 + 2^-10
]
ok("ok_f2.json", np.array(F16_BITS, dtype="<u2").view("<f2").reshape(5, 2))

rng = np.random.default_rng(20240611)
c8 = (rng.standard_normal(6) + 1j * rng.standard_normal(6)).astype(np.complex64).reshape(2, 3)
c8[0, 0] = complex(-0.0, 0.0)
c8[1, 2] = complex(1.5, -0.0)
ok("ok_c8.json", c8)
c16 = (rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(np.complex128)
ok("ok_c16.json", c16)
ok("ok_c16_0d.json", np.array(complex(2.5, -1.25)))

ok("ok_0d_f8.json", np.array(2.5))
ok("ok_0d_b1.json", np.array(True))
ok("ok_0d_i8.json", np.array(-9223372036854775808, dtype=np.int64))
ok("ok_empty_f8.json", np.zeros((0,), dtype=np.float64))
ok("ok_empty_rows_f8.json", np.zeros((3, 0), dtype=np.float64))
ok("ok_empty_1x0_i4.json", np.zeros((1, 0), dtype=np.int32))
ok("ok_3d_i4.json", np.arange(24, dtype=np.int32).reshape(2, 3, 4))
ok(
    "ok_pretty_f8.json",
    np.linspace(-1, 1, 6).reshape(2, 3),
    text=dumps(np.linspace(-1, 1, 6).reshape(2, 3).tolist(), indent=2) + "\n",
)
ok(
    "ok_big_ints_u8.json",
    np.array([2**64 - 1, 2**63, 2**53 + 1, 0], dtype=np.uint64),
)

nan8 = np.array([1.0, math.nan, math.inf, -math.inf, -0.0], dtype=np.float64)
ok("ok_nan_f8.json", nan8, allow_nan=True)
nan4 = np.array([[math.nan, 1.5], [-math.inf, math.inf]], dtype=np.float32)
ok("ok_nan_f4.json", nan4, allow_nan=True)


# ---- ok: f16 rounding from decimal text, checked with exact arithmetic ----------------------


def f16_exact(text):
    """The f16 bits of the decimal `text`, rounded once, to nearest, ties to even, computed
    with rationals; None when it rounds beyond the largest finite f16."""
    negative = text.startswith("-")
    a = abs(Fraction(text))
    sign = 0x8000 if negative else 0
    if a == 0:
        return sign
    if a < Fraction(1, 2**14):
        ulp = Fraction(1, 2**24)
    else:
        e = a.numerator.bit_length() - a.denominator.bit_length()
        if Fraction(2) ** e > a:
            e -= 1
        ulp = Fraction(2) ** (e - 10)
    q = a / ulp
    n = q.numerator // q.denominator
    r = q - n
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and n % 2 == 1):
        n += 1
    value = n * ulp
    if value > 65504:
        return None
    bits = int(np.array(float(value), dtype=np.float16).view(np.uint16))
    assert Fraction(float(np.array(bits, dtype=np.uint16).view(np.float16))) == value
    return sign | bits


def midpoint_text(bits):
    """The exact decimal text of the midpoint above the positive f16 `bits`."""
    lo = Fraction(float(np.array(bits, dtype=np.uint16).view(np.float16)))
    hi = Fraction(float(np.array(bits + 1, dtype=np.uint16).view(np.float16)))
    mid = (lo + hi) / 2
    # mid = m / 2^k exactly; m * 5^k / 10^k is its finite decimal expansion.
    k = int(math.log2(mid.denominator)) if mid.denominator > 1 else 0
    digits = mid.numerator * 5**k if k else mid.numerator
    return digits, k


ROUNDING_TEXTS = []
for bits in [0x0000, 0x0001, 0x03FF, 0x0400, 0x3C00, 0x3C01, 0x2E66, 0x5640, 0x7BFE]:
    digits, k = midpoint_text(bits)
    exact = "%de-%d" % (digits, k) if k else str(digits)
    ROUNDING_TEXTS.append(exact)
    ROUNDING_TEXTS.append("%d000000000000000000000001e-%d" % (digits, k + 24))
    ROUNDING_TEXTS.append("%d999999999999999999999999e-%d" % (digits - 1, k + 24))
    ROUNDING_TEXTS.append("-" + exact)
ROUNDING_TEXTS += ["0.1", "0.2", "0.3", "1e-8", "65519.99999", "-65504", "3.14159", "0"]
rounding_bits = [f16_exact(t) for t in ROUNDING_TEXTS]
assert None not in rounding_bits
rounding = np.array(rounding_bits, dtype="<u2").view("<f2")
# The check in ok() compares with numpy's own parse, which rounds twice; this fixture's
# reference is the exact computation above, so it is recorded directly.
write("ok_f2_rounding.json", "[" + ", ".join(ROUNDING_TEXTS) + "]")
record(
    "ok_f2_rounding.json",
    [
        ("dtype", "f16"),
        ("form", "nested"),
        ("allow_nan", "0"),
        ("shape", shape_text(rounding.shape)),
        ("fnv1a64", "%016x" % fnv1a64(le_c_bytes(rounding))),
    ],
)
numpy_twice = np.array([float(t) for t in ROUNDING_TEXTS]).astype(np.float16).view(np.uint16)
DOUBLE_ROUNDED = sum(int(a) != b for a, b in zip(numpy_twice, rounding_bits))


# ---- ok: envelopes --------------------------------------------------------------------------

env = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
ok_envelope(
    "ok_env_nested_f4.json",
    env,
    dumps({"dtype": env.dtype.str, "shape": list(env.shape), "data": env.tolist()}),
)
ok_envelope(
    "ok_env_flat_f4.json",
    env,
    dumps({"dtype": "float32", "shape": list(env.shape), "data": env.ravel().tolist()}),
)
ok_envelope(
    "ok_env_flat_fortran_f4.json",
    env,
    dumps(
        {
            "dtype": "f32",
            "shape": list(env.shape),
            "order": "F",
            "data": env.ravel(order="F").tolist(),
        }
    ),
)
ok_envelope(
    "ok_env_base64_f4.json",
    env,
    dumps(
        {
            "dtype": env.dtype.str,
            "shape": list(env.shape),
            "data": base64.b64encode(env.tobytes()).decode(),
        }
    ),
)
big = np.arange(12, dtype=">i8").reshape(3, 4) - 5
ok_envelope(
    "ok_env_base64_be_i8.json",
    big,
    dumps(
        {
            "dtype": big.dtype.str,
            "shape": list(big.shape),
            "data": base64.b64encode(big.tobytes()).decode(),
        }
    ),
)
ok_envelope(
    "ok_env_base64_fortran_c16.json",
    c16.reshape(2, 2),
    dumps(
        {
            "dtype": "<c16",
            "shape": [2, 2],
            "order": "F",
            "data": base64.b64encode(c16.reshape(2, 2).tobytes(order="F")).decode(),
        }
    ),
)
bools = np.array([[True, False], [False, True]])
ok_envelope(
    "ok_env_base64_b1.json",
    bools,
    dumps(
        {"dtype": "|b1", "shape": [2, 2], "data": base64.b64encode(bools.tobytes()).decode()}
    ),
)
empty = np.zeros((0, 3), dtype=np.float64)
ok_envelope(
    "ok_env_empty_0x3_f8.json",
    empty,
    dumps({"dtype": "<f8", "shape": [0, 3], "data": []}),
)
ok_envelope(
    "ok_env_nested_c8.json",
    c8,
    dumps({"dtype": "<c8", "shape": [2, 3], "data": tolist(c8)}),
)
ok_envelope(
    "ok_env_0d_i2.json",
    np.array(-3, dtype=np.int16),
    dumps({"dtype": "<i2", "shape": [], "data": -3}),
)


# ---- bad: nested arrays ---------------------------------------------------------------------

bad("bad_ragged_depth.json", "i32", "[[[1,2],[3,4]],[[5,6],[7]]]", "json.ragged", "[1][1]")
bad("bad_ragged_long_row.json", "i32", "[[1,2],[3,4,5]]", "json.ragged", "[1][2]")
bad("bad_ragged_scalar_for_array.json", "i32", "[[1,2],3]", "json.ragged", "[1]")
bad("bad_ragged_array_for_scalar.json", "i32", "[1,[2]]", "json.ragged", "[1]")
bad("bad_deep_open.json", "f64", "[" * 100_000, "limit.depth")
bad("bad_deep_closed.json", "f64", "[" * 100_000 + "]" * 100_000, "limit.depth")
bad("bad_huge_integer.json", "i64", "[1" + "0" * 10_000 + "]", "json.number_too_long", "[0]")
bad("bad_huge_fraction.json", "f64", "[0." + "1" * 10_000 + "]", "json.number_too_long", "[0]")
bad("bad_huge_exponent.json", "f64", "[1e" + "9" * 10_000 + "]", "json.number_too_long", "[0]")
RANGE = [
    ("i8", "i1", 128),
    ("i8", "i1_neg", -129),
    ("u8", "u1", 256),
    ("u8", "u1_neg", -1),
    ("i16", "i2", 32768),
    ("i16", "i2_neg", -32769),
    ("u16", "u2", 65536),
    ("u16", "u2_neg", -1),
    ("i32", "i4", 2**31),
    ("i32", "i4_neg", -(2**31) - 1),
    ("u32", "u4", 2**32),
    ("u32", "u4_neg", -1),
    ("i64", "i8", 2**63),
    ("i64", "i8_neg", -(2**63) - 1),
    ("u64", "u8", 2**64),
    ("u64", "u8_neg", -1),
]
for dtype, tag, value in RANGE:
    bad("bad_range_%s.json" % tag, dtype, "[0, %d]" % value, "json.number_out_of_range", "[1]")
bad("bad_range_f2.json", "f16", "[1, 65520]", "json.number_out_of_range", "[1]")
bad("bad_range_f4.json", "f32", "[1, 3.5e38]", "json.number_out_of_range", "[1]")
bad("bad_range_f8.json", "f64", "[1, 1e309]", "json.number_out_of_range", "[1]")
bad("bad_fraction_i4.json", "i32", "[1, 1.5]", "json.not_an_integer", "[1]")
bad("bad_exponent_i4.json", "i32", "[1e2]", "json.not_an_integer", "[0]")
bad("bad_point_zero_i4.json", "i32", "[1.0]", "json.not_an_integer", "[0]")
bad("bad_true_for_number.json", "f64", "[1, true]", "json.unexpected_token", "[1]")
bad("bad_true_for_int.json", "i64", "[[0, 1], [true, 0]]", "json.unexpected_token", "[1][0]")
bad("bad_number_for_bool.json", "bool", "[true, 1]", "json.unexpected_token", "[1]")
bad("bad_string_element.json", "f64", '[1, "2"]', "json.unexpected_token", "[1]")
bad("bad_null_element.json", "f64", "[1, null]", "json.unexpected_token", "[1]")
bad("bad_object_element.json", "f64", "[{}]", "json.unexpected_token", "[0]")
bad("bad_nan_f8.json", "f64", dumps([1.0, math.nan]), "json.unexpected_token", "[1]")
bad("bad_infinity_f4.json", "f32", dumps([-math.inf]), "json.unexpected_token", "[0]")
bad("bad_nan_for_int.json", "i32", "[NaN]", "json.unexpected_token", "[0]", allow_nan=True)
bad("bad_trailing_garbage.json", "f64", "[1, 2] x", "json.syntax")
bad("bad_two_values.json", "f64", "[1] [2]", "json.syntax")
bad("bad_trailing_comma.json", "f64", "[1, 2,]", "json.syntax")
bad("bad_leading_zero.json", "i32", "[01]", "json.syntax", "[0]")
bad("bad_bom.json", "f64", b"\xef\xbb\xbf[1]", "json.syntax")
bad("bad_nbsp.json", "f64", b"[1,\xc2\xa02]", "json.syntax", "[1]")
bad("bad_unterminated.json", "f64", "[[1, 2], [3", "json.syntax", "[1][0]")
bad("bad_empty_input.json", "f64", "", "json.syntax")
bad("bad_complex_triple.json", "complex128", "[[1, 2, 3]]", "json.ragged", "[0][2]")
bad("bad_complex_scalar.json", "complex128", "[[1, 2], 3]", "json.ragged", "[1]")
bad("bad_complex_bare.json", "complex64", "1.5", "json.ragged")


# ---- bad: envelopes -------------------------------------------------------------------------


def env_text(**kw):
    return dumps(kw)


bad(
    "bad_env_flat_short.json",
    "i32",
    env_text(dtype="<i4", shape=[2, 3], data=[1, 2, 3, 4, 5]),
    "json.ragged",
    "data",
    form="envelope",
)
bad(
    "bad_env_flat_long.json",
    "i32",
    env_text(dtype="<i4", shape=[2, 3], data=[1, 2, 3, 4, 5, 6, 7]),
    "json.ragged",
    "data[6]",
    form="envelope",
)
bad(
    "bad_env_nested_short_row.json",
    "i32",
    env_text(dtype="<i4", shape=[2, 3], data=[[1, 2, 3], [4, 5]]),
    "json.ragged",
    "data[1]",
    form="envelope",
)
bad(
    "bad_env_nested_wrong_depth.json",
    "i32",
    env_text(dtype="<i4", shape=[2, 3], data=[[[1], [2], [3]], [4, 5, 6]]),
    "json.ragged",
    "data[0][0]",
    form="envelope",
)
bad(
    "bad_env_base64_short.json",
    "f32",
    env_text(dtype="<f4", shape=[2, 3], data=base64.b64encode(b"\0" * 20).decode()),
    "json.envelope",
    "data",
    form="envelope",
)
bad(
    "bad_env_base64_long.json",
    "f32",
    env_text(dtype="<f4", shape=[2, 3], data=base64.b64encode(b"\0" * 28).decode()),
    "json.envelope",
    "data",
    form="envelope",
)
bad(
    "bad_env_base64_invalid.json",
    "u8",
    env_text(dtype="|u1", shape=[3], data="AB*D"),
    "json.envelope",
    "data",
    form="envelope",
)
bad(
    "bad_env_base64_bool_value.json",
    "bool",
    env_text(dtype="|b1", shape=[3], data=base64.b64encode(b"\0\1\2").decode()),
    "data.invalid_bool",
    "data",
    form="envelope",
)
bad(
    "bad_env_data_first.json",
    "f64",
    '{"data": [1, 2], "dtype": "<f8", "shape": [2]}',
    "json.envelope",
    form="envelope",
)
bad(
    "bad_env_unknown_key.json",
    "f64",
    '{"dtype": "<f8", "shape": [2], "extra": 1, "data": [1, 2]}',
    "json.envelope",
    form="envelope",
)
bad(
    "bad_env_duplicate_key.json",
    "f64",
    '{"dtype": "<f8", "dtype": "<f4", "shape": [2], "data": [1, 2]}',
    "json.envelope",
    form="envelope",
)
bad(
    "bad_env_missing_data.json",
    "f64",
    '{"dtype": "<f8", "shape": [2]}',
    "json.envelope",
    form="envelope",
)
bad(
    "bad_env_pickle.json",
    "f64",
    '{"dtype": "|O", "shape": [2], "data": [1, 2]}',
    "dtype.pickle_not_allowed",
    "dtype",
    form="envelope",
)
bad(
    "bad_env_platform_dtype.json",
    "f64",
    '{"dtype": "=f8", "shape": [2], "data": [1, 2]}',
    "dtype.invalid",
    "dtype",
    form="envelope",
)
bad(
    "bad_env_shape_overflow.json",
    "f64",
    env_text(dtype="<f8", shape=[2**40, 2**40], data=[]),
    "shape.overflow",
    form="envelope",
)
bad(
    "bad_env_claims_8gb.json",
    "f64",
    env_text(dtype="<f8", shape=[1 << 30], data=[1]),
    "limit.elements",
    form="envelope",
)
bad(
    "bad_env_negative_dim.json",
    "f64",
    env_text(dtype="<f8", shape=[-2, -3], data=[]),
    "json.envelope",
    "shape[0]",
    form="envelope",
)
bad(
    "bad_env_bool_dim.json",
    "f64",
    env_text(dtype="<f8", shape=[True], data=[1]),
    "json.envelope",
    "shape[0]",
    form="envelope",
)
bad(
    "bad_env_fortran_nested.json",
    "f64",
    env_text(dtype="<f8", shape=[2, 2], order="F", data=[[1, 2], [3, 4]]),
    "json.envelope",
    "data[0]",
    form="envelope",
)
bad(
    "bad_env_not_object.json",
    "f64",
    "[1, 2]",
    "json.envelope",
    form="envelope",
)

lines.sort()
with open(os.path.join(HERE, "expected.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")

README_HEAD = """# JSON fixtures

Written by `generate.py` (Python 3, numpy %s): run `python3 tests/data/json/generate.py` from
the repository root; the output is deterministic. `tests/json.rs` reads every file here through
every entry point (slices, strings, readers delivering everything, one byte or odd chunks per
call, typed and dynamic) under a counting allocator, and checks it against `expected.txt`
(its format is described at the top of `generate.py`): `ok_*` files must give the array numpy
made (shape, and an FNV-1a hash of its little-endian C-order bytes), `bad_*` files the recorded
error code and index path, with less than 64 KiB allocated.

Nested fixtures are `json.dumps(array.tolist())`, complex arrays as `[re, im]` pairs, NaN and
infinities as Python writes them by default (`NaN`, `Infinity`). Envelopes are
`json.dumps({"dtype": array.dtype.str, "shape": ..., "data": ...})` with nested, flat or
`base64.b64encode(array.tobytes())` data.

`ok_f2_rounding.json` holds decimal texts on, just above and just below float16 rounding
midpoints; its expected bits come from exact rational arithmetic in `generate.py`, because
numpy parses text to float16 through a double and so rounds twice: numpy's result differs from
the correctly rounded one on %d of its %d texts.

| file | read as / refused with | content |
| --- | --- | --- |
"""
with open(os.path.join(HERE, "README.md"), "w") as f:
    f.write(README_HEAD % (np.__version__, DOUBLE_ROUNDED, len(ROUNDING_TEXTS)))
    for name in sorted(written):
        f.write("| `%s` | %s | %s |\n" % (name, expectations[name], described[name]))

# Everything written is listed, and nothing else lies here.
present = {n for n in os.listdir(HERE) if n.endswith(".json")}
assert present == written, sorted(present ^ written)
print(
    "wrote %d fixtures (numpy %s); numpy's twice-rounded float16 parse differs on %d of the %d"
    " texts of ok_f2_rounding.json" % (len(written), np.__version__, DOUBLE_ROUNDED, len(ROUNDING_TEXTS)),
    file=sys.stderr,
)
