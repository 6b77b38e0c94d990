#!/usr/bin/env python3
"""Writes the raw-buffer fixtures in this directory, plus expected.txt and README.md.

Run from the repository root:

    python3 tests/data/raw/generate.py

The output is deterministic (fixed values, no clock): running the script twice gives
byte-identical files. Written and checked with CPython 3.11 and numpy 2.4.6 on Linux x86-64:
the `array` fixtures are `array.array(code, values).tobytes()` of *this* interpreter, so they
are only regenerated faithfully on a 64-bit little-endian Linux (the script refuses others).

A raw buffer has no header, so every file comes with the layout to read it with. Files named
ok_* must be read with it; bad_* must be refused with the error code recorded in
expected.txt. expected.txt has one line per file, tab-separated:

    name <TAB> key=value <TAB> key=value ...

Layout keys, exactly one dtype notation per line:

    typestr=<i4                          a NumPy type string
    dtype=i32  byteorder=little|big      a Rust-style name and an explicit byte order
    typecode=l platform=linux-x86_64     a Python `array` typecode and the producing platform
    shape=?,3                            axes, `?` for the inferred one, `()` for 0-d
    order=C|F                            memory order of the buffer

ok files add result_shape (the shape read, as a tuple without spaces: `()`, `(7,)`,
`(3,4)`), count (elements), and fnv1a64: the 64-bit FNV-1a hash (offset basis
0xcbf29ce484222325, prime 0x100000001b3), as 16 lowercase hex digits, of the elements in C
order, each little-endian (bool as one byte 0/1; complex: real part, then imaginary part).
bad files add code, the arrayguard error code (`Error::code()`) every read path (slice,
reader, path) must return, with default limits and a spec that accepts anything.
"""

import array
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PLATFORM = "linux-x86_64"

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3

# Multi-byte type strings (each fixture is written in both byte orders).
MULTI_BYTE = ["i2", "i4", "i8", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]

# Rust-style names of the type strings, for the `dtype=` notation.
NAMES = {
    "b1": "bool",
    "i1": "i8",
    "u1": "u8",
    "i2": "i16",
    "i4": "i32",
    "i8": "i64",
    "u2": "u16",
    "u4": "u32",
    "u8": "u64",
    "f2": "f16",
    "f4": "f32",
    "f8": "f64",
    "c8": "complex64",
    "c16": "complex128",
}

# Special float bit patterns, one list per width.
SPECIAL_BITS = {
    2: [0x7E01, 0x7C01, 0xFE00, 0x8000, 0x0000, 0x7C00, 0xFC00, 0x0001, 0x03FF, 0x8001, 0x0400, 0x7BFF],
    4: [
        0x7FC0DEAD, 0x7F800001, 0xFFC00000, 0x80000000, 0x00000000, 0x7F800000,
        0xFF800000, 0x00000001, 0x007FFFFF, 0x80000001, 0x00800000, 0x7F7FFFFF,
    ],
    8: [
        0x7FF8DEAD00000001, 0x7FF0000000000001, 0xFFF8000000000000, 0x8000000000000000,
        0x0000000000000000, 0x7FF0000000000000, 0xFFF0000000000000, 0x0000000000000001,
        0x000FFFFFFFFFFFFF, 0x8000000000000001, 0x0010000000000000, 0x7FEFFFFFFFFFFFFF,
    ],
}

lines = []
readme = []


def fnv1a64(data):
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def le_c_bytes(a):
    """The elements in C order, each little-endian, by copies and byte swaps only (no float
    arithmetic, so NaN payloads and signalling NaNs keep their bits)."""
    c = np.ascontiguousarray(a)
    if c.dtype.byteorder == ">":
        c = c.byteswap().view(c.dtype.newbyteorder("<"))
    return c.tobytes()


def stored(a, byteorder):
    """`a` (little-endian) with its elements stored in `byteorder` ('<' or '>'), bit for bit."""
    if a.dtype.itemsize == 1 or byteorder == "<":
        return a
    return a.byteswap().view(a.dtype.newbyteorder(">"))


def values(code, n):
    """`n` little-endian values of type `code` ('i4', 'f8', ...): extremes and special bit
    patterns first, then a deterministic filler."""
    kind, size = code[0], int(code[1:])
    if kind == "b":
        return np.array([(i * 7 + 3) % 5 < 2 for i in range(n)], dtype="|b1")
    if kind in "iu":
        info = np.iinfo(np.dtype("<" + code))
        head = [info.min, info.max, 0, 1, info.max - 1, info.min + 1, 7, info.max // 3]
        fill = [(i * 37 + 11) % 100 for i in range(n)]
        return np.array((head + fill)[:n], dtype="<" + code)
    if kind == "f":
        bits = SPECIAL_BITS[size] + [((i * 0x9E3779B97F4A7C15) >> 3) % (1 << (8 * size - 2)) for i in range(n)]
        return np.array(bits[:n], dtype="<u%d" % size).view("<f%d" % size)
    part = size // 2
    re = values("f%d" % part, n)
    im = values("f%d" % part, n + 3)[3:][::-1]
    return np.stack([re, im], axis=-1).reshape(-1).view("<c%d" % size)


def shape_text(shape):
    return repr(tuple(shape)).replace(" ", "")


def axes_text(axes):
    return "()" if len(axes) == 0 else ",".join("?" if a is None else str(a) for a in axes)


def layout_fields(notation, axes, order):
    return list(notation) + [("shape", axes_text(axes)), ("order", order)]


def check_with_numpy(data, typestr, axes, order, logical):
    """numpy reads the buffer with the same layout and finds `logical`, bit for bit."""
    dtype = np.dtype(typestr)
    flat = np.frombuffer(data, dtype=dtype)
    shape = [-1 if a is None else a for a in axes]
    back = flat.reshape(shape, order=order) if shape else flat.reshape(())
    assert back.shape == logical.shape, (back.shape, logical.shape)
    assert le_c_bytes(back) == le_c_bytes(logical)


def write(name, data):
    assert name.endswith(".bin") and (name.startswith("ok_") or name.startswith("bad_"))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def record(name, fields, what):
    assert all("\t" not in v and "\n" not in v for _, v in fields)
    lines.append("\t".join([name] + ["%s=%s" % kv for kv in fields]))
    readme.append((name, what))


def ok(name, data, notation, axes, order, logical, what, typestr=None):
    """A buffer that must be read as `logical` (an array in any byte order)."""
    if typestr is not None:
        check_with_numpy(data, typestr, axes, order, logical)
    payload = le_c_bytes(logical)
    write(name, data)
    record(
        name,
        layout_fields(notation, axes, order)
        + [
            ("result_shape", shape_text(logical.shape)),
            ("count", str(logical.size)),
            ("fnv1a64", "%016x" % fnv1a64(payload)),
        ],
        what,
    )


def bad(name, data, notation, axes, order, code, what):
    write(name, data)
    record(name, layout_fields(notation, axes, order) + [("code", code)], what)


def typestr_of(byteorder, code):
    return ("|" if code in ("b1", "i1", "u1") else byteorder) + code


def numpy_fixtures():
    """Every supported dtype, both byte orders, C and F order, written by numpy's tobytes."""
    for code in ["b1", "i1", "u1"] + MULTI_BYTE:
        orders = [("<", "le", "little")] if code in ("b1", "i1", "u1") else [
            ("<", "le", "little"),
            (">", "be", "big"),
        ]
        for byteorder, tag, order_name in orders:
            typestr = typestr_of(byteorder, code)
            prefix = "ok_%s" % code if len(orders) == 1 else "ok_%s_%s" % (code, tag)
            # C order, rows inferred from the length, type string notation.
            c = stored(values(code, 6).reshape(2, 3), byteorder)
            ok(
                prefix + "_c.bin",
                c.tobytes(),
                [("typestr", typestr)],
                [None, 3],
                "C",
                c,
                "`%s`, (2, 3) as `(?, 3)`, C order: numpy `tobytes()`" % typestr,
                typestr,
            )
            # F order, every axis fixed, Rust-style name plus byte order.
            f = stored(values(code, 12).reshape(2, 3, 2), byteorder)
            ok(
                prefix + "_f.bin",
                f.tobytes(order="F"),
                [("dtype", NAMES[code]), ("byteorder", order_name)],
                [2, 3, 2],
                "F",
                f,
                "`%s` %s-endian, (2, 3, 2), F order: numpy `tobytes(order='F')`" % (NAMES[code], order_name),
                typestr,
            )

    # F order with the inferred axis, special values in both byte orders.
    a = stored(values("f8", 12).reshape(3, 4), ">")
    ok("ok_f8_be_f_inferred.bin", a.tobytes(order="F"), [("typestr", ">f8")], [3, None], "F", a,
       "`>f8` special values, (3, 4) as `(3, ?)`, F order", ">f8")
    a = stored(values("c8", 8).reshape(2, 2, 2), "<")
    ok("ok_c8_le_f_inferred_middle.bin", a.tobytes(order="F"), [("typestr", "<c8")], [2, None, 2], "F", a,
       "`<c8`, (2, 2, 2) as `(2, ?, 2)`, F order", "<c8")
    # One-byte types spelled with a byte order.
    a = values("u1", 5)
    ok("ok_u1_spelled_le.bin", a.tobytes(), [("typestr", "<u1")], [None], "C", a,
       "`<u1` accepted for a one-byte type (numpy reads it as `|u1`)", "|u1")
    a = values("b1", 4)
    ok("ok_b1_spelled_be.bin", a.tobytes(), [("typestr", ">b1")], [None], "C", a,
       "`>b1` accepted for a one-byte type", "|b1")

    # 0-d.
    for typestr, code in [("<f8", "f8"), (">c16", "c16"), ("|b1", "b1"), (">i2", "i2")]:
        a = stored(values(code, 1).reshape(()), typestr[0])
        ok("ok_scalar_%s.bin" % code, a.tobytes(), [("typestr", typestr)], [], "C", a,
           "`%s` 0-d (`shape=()`): one element" % typestr, typestr)
    a = stored(values("f4", 1).reshape(1, 1), "<")
    ok("ok_scalar_f4_as_1x1_inferred.bin", a.tobytes(), [("typestr", "<f4")], [1, None], "C", a,
       "`<f4`, one NaN with a payload as `(1, ?)`", "<f4")

    # Zero-size.
    empty = [
        ("ok_empty_f4_2x0.bin", "<f4", [2, 0], "C", (2, 0), "fixed (2, 0)"),
        ("ok_empty_i2_inferred.bin", ">i2", [None], "C", (0,), "`(?,)` of an empty buffer: (0,)"),
        ("ok_empty_c8_3xinferred.bin", "<c8", [3, None], "F", (3, 0), "`(3, ?)` of an empty buffer: (3, 0)"),
        ("ok_empty_u8_zero_fixed_inferred.bin", "<u8", [0, None], "C", (0, 0),
         "`(0, ?)` of an empty buffer: the inferred axis is taken as 0 (numpy's reshape refuses)"),
        ("ok_empty_b1_0x3x0.bin", "|b1", [0, 3, 0], "C", (0, 3, 0), "fixed (0, 3, 0)"),
    ]
    for name, typestr, axes, order, shape, what in empty:
        a = np.zeros(shape, dtype=typestr)
        # numpy's reshape refuses `(0, -1)`; the other layouts it reads alike.
        check = None if name == "ok_empty_u8_zero_fixed_inferred.bin" else typestr
        ok(name, b"", [("typestr", typestr)], axes, order, a, "`%s`, %s" % (typestr, what), check)


def array_fixtures():
    """`array.array(code, values).tobytes()` for every typecode of this Python."""
    assert sys.byteorder == "little" and struct.calcsize("l") == 8, "regenerate on 64-bit Linux"
    assert array.typecodes == "bBuhHiIlLqQfd", array.typecodes
    ints = {
        "b": [-128, -1, 0, 1, 127],
        "B": [0, 1, 128, 255],
        "h": [-32768, -2, 0, 3, 32767],
        "H": [0, 1, 65535, 4660],
        "i": [-(2**31), -5, 0, 6, 2**31 - 1],
        "I": [0, 2**32 - 1, 305419896],
        "l": [-(2**63), -7, 0, 2**40, 2**63 - 1],
        "L": [0, 2**64 - 1, 2**33 + 5],
        "q": [-(2**63), -1, 0, 1, 2**63 - 1],
        "Q": [0, 1, 2**64 - 1],
    }
    numpy_equivalent = {
        "b": "|i1", "B": "|u1", "h": "<i2", "H": "<u2", "i": "<i4", "I": "<u4",
        "l": "<i8", "L": "<u8", "q": "<i8", "Q": "<u8", "f": "<f4", "d": "<f8",
    }
    notation = lambda code: [("typecode", code), ("platform", PLATFORM)]
    for code, vals in ints.items():
        a = array.array(code, vals)
        data = a.tobytes()
        assert len(data) == len(vals) * a.itemsize
        logical = np.frombuffer(data, dtype=numpy_equivalent[code])
        assert logical.tolist() == vals
        ok("ok_array_%s%s.bin" % (code, "_upper" if code.isupper() else ""), data, notation(code), [None], "C",
           logical, "`array('%s', %r)`, itemsize %d" % (code, vals, a.itemsize), numpy_equivalent[code])
    # Floats: set the exact bit patterns with frombytes (a Python float would quiet a
    # signalling NaN on the way into 'f').
    for code, size in (("f", 4), ("d", 8)):
        a = array.array(code)
        bits = SPECIAL_BITS[size]
        a.frombytes(struct.pack("<%d%s" % (len(bits), "I" if size == 4 else "Q"), *bits))
        data = a.tobytes()
        logical = np.frombuffer(data, dtype=numpy_equivalent[code])
        ok("ok_array_%s.bin" % code, data, notation(code), [None], "C", logical,
           "`array('%s')` of the special bit patterns (NaN payloads, -0.0, subnormals, inf)" % code,
           numpy_equivalent[code])
    # 'e' (half float) is new in Python 3.15; its bytes are numpy's `<f2`.
    logical = values("f2", 12)
    ok("ok_typecode_e.bin", logical.tobytes(), notation("e"), [None], "C", logical,
       "typecode `e` (Python 3.15+), bytes written by numpy as `<f2`", "<f2")
    # Typecodes with a shape: 'i' rows of 3.
    a = array.array("i", range(-6, 6))
    logical = np.frombuffer(a.tobytes(), dtype="<i4").reshape(4, 3)
    ok("ok_array_i_rows.bin", a.tobytes(), notation("i"), [None, 3], "C", logical,
       "`array('i', range(-6, 6))` as `(?, 3)`", "<i4")

    # Platform mismatch: the same bytes mean different things.
    linux_l = array.array("l", [1, -2, 2**40]).tobytes()
    assert len(linux_l) == 24
    logical = np.frombuffer(linux_l, dtype="<i4")
    assert logical.tolist() == [1, 0, -2, -1, 0, 256]
    ok("ok_array_l_linux_read_as_windows.bin", linux_l, [("typecode", "l"), ("platform", "windows-x86_64")],
       [None], "C", logical, "24 bytes of Linux `array('l', [1, -2, 2**40])` read as Windows `l`: six i32, "
       "not three i64", "<i4")
    # Windows `array('l', [1, -2, 3])` has the bytes of Linux `array('i', ...)`.
    windows_l = array.array("i", [1, -2, 3]).tobytes()
    logical = np.frombuffer(windows_l, dtype="<i4")
    ok("ok_array_l_windows.bin", windows_l, [("typecode", "l"), ("platform", "windows-x86_64")], [None], "C",
       logical, "Windows `array('l', [1, -2, 3])` (12 bytes) read as Windows `l`", "<i4")
    ok("ok_array_L_macos_arm64.bin", array.array("L", [5, 2**64 - 1]).tobytes(),
       [("typecode", "L"), ("platform", "macos-arm64")], [None], "C", np.array([5, 2**64 - 1], dtype="<u8"),
       "`L` on macOS arm64 is 8 bytes, as on Linux", "<u8")
    bad("bad_array_l_windows_read_as_linux.bin", windows_l, notation("l"), [None], "C", "data.length_mismatch",
        "the 12 bytes of Windows `array('l', [1, -2, 3])` read as Linux `l`: not a multiple of 8")
    bad("bad_array_u.bin", array.array("u", "h\u00e9\u20ac").tobytes(), notation("u"), [None], "C",
        "dtype.unsupported", "`array('u', 'h\u00e9\u20ac')`: wchar_t text, not numbers")
    bad("bad_typecode_w.bin", "h\u00e9".encode("utf-32-le"), notation("w"), [None], "C", "dtype.unsupported",
        "typecode `w` (Py_UCS4, Python 3.13+): text")
    bad("bad_typecode_unknown.bin", b"\x00" * 8, notation("x"), [None], "C", "dtype.invalid",
        "typecode `x` does not exist")
    bad("bad_typecode_bool.bin", b"\x00\x01", notation("?"), [None], "C", "dtype.invalid",
        "typecode `?` is struct's bool, not an `array` typecode")
    bad("bad_platform_unknown.bin", linux_l, [("typecode", "l"), ("platform", "linux")], [None], "C",
        "usage.invalid_layout", "platform `linux` does not say the architecture: never guessed")
    bad("bad_platform_universal2.bin", linux_l, [("typecode", "l"), ("platform", "macosx-11.0-universal2")],
        [None], "C", "usage.invalid_layout", "`macosx-11.0-universal2` does not say which architecture ran")


def hostile_fixtures():
    """Lengths, shapes and values a raw reader must refuse (NPY-REFERENCE.md §4)."""
    six_i4 = np.arange(6, dtype="<i4").tobytes()
    bad("bad_truncated.bin", six_i4[:-4], [("typestr", "<i4")], [2, 3], "C", "data.truncated",
        "fixed (2, 3) `<i4` with 20 of 24 bytes")
    bad("bad_trailing.bin", six_i4 + b"\x00\x00\x00\x00", [("typestr", "<i4")], [2, 3], "C", "data.trailing",
        "fixed (2, 3) `<i4` with 28 bytes")
    bad("bad_empty_for_fixed.bin", b"", [("typestr", "<f8")], [2], "C", "data.truncated",
        "fixed (2,) `<f8` with no bytes")
    bad("bad_rows_not_whole.bin", np.arange(5, dtype="<f4").tobytes(), [("typestr", "<f4")], [None, 3], "C",
        "data.length_mismatch", "`(?, 3)` `<f4` with 20 bytes: five items are not whole rows")
    bad("bad_odd_length_u2.bin", b"\x01\x00\x02\x00\x03\x00\x04", [("typestr", "<u2")], [None], "C",
        "data.length_mismatch", "`(?,)` `<u2` with 7 bytes")
    bad("bad_zero_fixed_inferred.bin", np.zeros(1, "<f8").tobytes(), [("typestr", "<f8")], [0, None], "C",
        "data.length_mismatch", "`(0, ?)` with 8 bytes: no size of the inferred axis fits")
    bad("bad_inferred_overflow.bin", b"\x00" * 16, [("typestr", "<i8")], [2**40, 2**40, None], "C",
        "shape.overflow", "`(2**40, 2**40, ?)`: the fixed axes alone overflow")
    bad("bad_fixed_overflow.bin", b"\x00" * 16, [("typestr", "|u1")], [4194305, 4194305, 211106198978564], "C",
        "shape.overflow", "the safetensors-cpp shape whose product wraps to 4 (NPY-REFERENCE.md §4.3)")
    bad("bad_zero_hides_overflow.bin", b"", [("typestr", "<f8")], [0, 2**62, None], "C", "shape.overflow",
        "`(0, 2**62, ?)` of an empty buffer: the zero does not hide the overflow")
    bad("bad_huge_declared_elements.bin", b"\x00" * 16, [("typestr", "|u1")], [2**40], "C", "limit.elements",
        "fixed (2**40,) with 16 bytes: refused from the layout, before any allocation")
    bad("bad_huge_declared_bytes.bin", b"\x00" * 16, [("typestr", "<f8")], [2**26], "C", "limit.bytes",
        "fixed (2**26,) `<f8` (512 MiB) with 16 bytes: over the 256 MiB default")
    bad("bad_bool_2.bin", bytes([0, 1, 2, 1]), [("typestr", "|b1")], [None], "C", "data.invalid_bool",
        "bool byte 2")
    bad("bad_bool_ff_f_order.bin", bytes([1, 0, 0, 255]), [("dtype", "bool"), ("byteorder", "little")], [2, 2],
        "F", "data.invalid_bool", "bool byte 0xff in an F-order buffer")
    bad("bad_two_inferred_axes.bin", six_i4, [("typestr", "<i4")], [None, None], "C", "usage.invalid_layout",
        "`(?, ?)`: at most one axis may be inferred")
    # Type strings raw buffers refuse, as .npy does.
    for name, typestr, code, what in [
        ("bad_typestr_native.bin", "=f8", "dtype.invalid", "`=f8`: native order is platform-dependent"),
        ("bad_typestr_long.bin", "<l", "dtype.invalid", "`<l`: 8 bytes on Linux, 4 on Windows"),
        ("bad_typestr_pipe_multibyte.bin", "|i4", "dtype.invalid", "`|i4`: no byte order for 4 bytes"),
        ("bad_typestr_object.bin", "|O", "dtype.pickle_not_allowed", "`|O`: a pickle, never loaded"),
        ("bad_typestr_unicode.bin", "<U1", "dtype.unsupported", "`<U1`: text"),
        ("bad_typestr_longdouble.bin", "<f16", "dtype.unsupported", "`<f16`: platform long double"),
    ]:
        bad(name, b"\x00" * 16, [("typestr", typestr)], [None], "C", code, what)
    bad("bad_dtype_name.bin", b"\x00" * 8, [("dtype", "long"), ("byteorder", "little")], [None], "C",
        "dtype.invalid", "name `long`: not a dtype name")


README_HEAD = """# Raw-buffer fixtures

Raw buffers written by CPython 3.11 (`array.array(...).tobytes()`) and numpy 2.4.6
(`ndarray.tobytes()`, `tobytes(order='F')`) on Linux x86-64, through `generate.py`.
Regenerate with `python3 tests/data/raw/generate.py` from the repository root; the output is
deterministic. This README is written by the same script.

A raw buffer has no header: each file's layout (dtype notation, shape with `?` for an
inferred axis, memory order) is on its line of `expected.txt`. `ok_*` files must be read with
it; `bad_*` files must be refused. `tests/raw.rs` reads every file through the slice, reader
(one byte per `read` call) and path entry points, and fails if a file is missing from
`expected.txt`, or listed but absent.

## expected.txt

One line per file, tab-separated: `name`, then `key=value` fields.

- dtype, one of: `typestr` (a NumPy type string); `dtype` and `byteorder` (a Rust-style name
  and `little`/`big`); `typecode` and `platform` (a Python `array` typecode and the platform
  that wrote the buffer).
- `shape`: the layout's axes, comma-separated, `?` for the inferred one, `()` for 0-d.
- `order`: `C` or `F`, the buffer's memory order.
- ok files: `result_shape` (`()`, `(7,)`, `(3,4)`), `count` (elements) and `fnv1a64`: the
  64-bit FNV-1a hash (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`, 16 lowercase
  hex digits) of the elements in C order, each little-endian (bool one byte 0/1; complex: real
  part, then imaginary part). Byte order and memory order do not change it.
- bad files: `code`, the `Error::code()` every read path must return (default limits, a spec
  accepting anything).

## Files

| file | what |
| --- | --- |
"""


def main():
    numpy_fixtures()
    array_fixtures()
    hostile_fixtures()

    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("".join(line + "\n" for line in sorted(lines)))
    with open(os.path.join(HERE, "README.md"), "w") as f:
        f.write(README_HEAD)
        for name, what in sorted(readme):
            f.write("| `%s` | %s |\n" % (name, what.replace("|", "\\|")))

    names = {line.split("\t", 1)[0] for line in lines}
    assert len(names) == len(lines), "duplicate fixture name"
    on_disk = {n for n in os.listdir(HERE) if n.endswith(".bin")}
    stale = sorted(on_disk - names)
    if stale:
        sys.exit("stale fixtures not written by this script: %s" % ", ".join(stale))
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in names)
    assert total < 50_000, total
    print("wrote %d fixtures, %d bytes, Python %s, numpy %s"
          % (len(names), total, sys.version.split()[0], np.__version__))


if __name__ == "__main__":
    main()
