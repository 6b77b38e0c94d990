#!/usr/bin/env python3
"""Writes the .npy fixtures in this directory with real NumPy, plus expected.txt.

Run from the repository root:

    python3 tests/data/npy/generate.py

The output is deterministic (fixed seeds, fixed zip timestamps): running the script twice
gives byte-identical files. Written and checked with numpy 2.4.6 on Linux x86-64 (the
long-double fixtures depend on the platform: `<f16` is x87 extended precision there).

Files named ok_* must parse; bad_* must be refused with the error code recorded in
expected.txt. expected.txt has one line per file, tab-separated:

    name <TAB> key=value <TAB> key=value ...

Keys for every file whose header numpy wrote: descr (the header's `descr` exactly as
written, a type string or the repr of a structured list), shape (the header's tuple, with
the spaces removed: `()`, `(7,)`, `(3,4)`), fortran_order (True/False) and version (1.0,
2.0, 3.0). ok files add count (elements), nbytes (payload bytes) and fnv1a64: the 64-bit
FNV-1a hash (offset basis 0xcbf29ce484222325, prime 0x100000001b3), as 16 lowercase hex
digits, of the array's elements in C order, each in little-endian byte order (complex
numbers: real part then imaginary part, each little-endian). bad files add code, the
arrayguard error code (`Error::code()`) every read path must return.

A few headers are written by hand (npy_v1): old NumPy's pprint layout across lines, tabs
between tokens, and what Python also skips (comments, line continuations) or refuses. Each
such file is loaded with numpy.load here, and what numpy does with it is asserted.
"""

import ast
import io
import os
import pprint
import struct
import sys
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3

# Multi-byte type strings (each fixture is written in both byte orders).
MULTI_BYTE = ["i2", "i4", "i8", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]

# Special float bit patterns. tests/npy_fixtures.rs mirrors these lists: keep them in sync.
F64_SPECIAL_BITS = [
    0x7FF8DEAD00000001,  # quiet NaN with a non-default payload
    0x7FF0000000000001,  # signalling NaN
    0xFFF8000000000000,  # negative quiet NaN
    0x8000000000000000,  # -0.0
    0x0000000000000000,  # +0.0
    0x7FF0000000000000,  # +inf
    0xFFF0000000000000,  # -inf
    0x0000000000000001,  # smallest subnormal
    0x000FFFFFFFFFFFFF,  # largest subnormal
    0x8000000000000001,  # negative smallest subnormal
    0x0010000000000000,  # smallest normal
    0x7FEFFFFFFFFFFFFF,  # largest finite
    0x3FF0000000000000,  # 1.0
]
F32_SPECIAL_BITS = [
    0x7FC0DEAD,  # quiet NaN with a payload
    0x7F800001,  # signalling NaN
    0xFFC00000,  # negative quiet NaN
    0x80000000,  # -0.0
    0x00000000,  # +0.0
    0x7F800000,  # +inf
    0xFF800000,  # -inf
    0x00000001,  # smallest subnormal
    0x007FFFFF,  # largest subnormal
    0x80000001,  # negative smallest subnormal
    0x00800000,  # smallest normal
    0x7F7FFFFF,  # largest finite
    0x3F800000,  # 1.0
]
F16_SPECIAL_BITS = [
    0x7E01,  # quiet NaN with a payload
    0x7C01,  # signalling NaN
    0xFE00,  # negative quiet NaN
    0x8000,  # -0.0
    0x0000,  # +0.0
    0x7C00,  # +inf
    0xFC00,  # -inf
    0x0001,  # smallest subnormal
    0x03FF,  # largest subnormal
    0x8001,  # negative smallest subnormal
    0x0400,  # smallest normal
    0x7BFF,  # largest finite (65504)
    0x3C00,  # 1.0
]

lines = []


def fnv1a64(data):
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def le_c_bytes(a):
    """The elements in C order, each little-endian, without any float arithmetic (so NaN
    payloads and signalling NaNs keep their bits): copies and byte swaps only."""
    c = np.ascontiguousarray(a)
    if c.dtype.byteorder == ">":
        c = c.byteswap().view(c.dtype.newbyteorder("<"))
    return c.tobytes()


def with_order(a, byteorder):
    """`a` with its elements stored in `byteorder` ('<' or '>'), bit for bit."""
    if a.dtype.itemsize == 1 or a.dtype.byteorder in (byteorder, "|"):
        return a
    if a.dtype.byteorder == "=" and byteorder == ("<" if sys.byteorder == "little" else ">"):
        return a
    return a.byteswap().view(a.dtype.newbyteorder(byteorder))


def from_bits(bits, typestr):
    """An array of the float type `typestr` ('<f8', '>f4', ...) holding exactly `bits`."""
    size = int(typestr[2:])
    a = np.array(bits, dtype="<u%d" % size).view("<f%d" % size)
    return with_order(a, typestr[0])


def header_of(data):
    """(version, header dict) of a numpy-written file, read back from its bytes."""
    assert data[:6] == b"\x93NUMPY", "not an npy file"
    major, minor = data[6], data[7]
    if major == 1:
        (hlen,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", data[8:12])
        start = 12
    text = data[start : start + hlen].decode("utf-8" if major == 3 else "latin-1")
    return "%d.%d" % (major, minor), ast.literal_eval(text)


def header_fields(data):
    version, d = header_of(data)
    descr = d["descr"] if isinstance(d["descr"], str) else repr(d["descr"])
    assert "\t" not in descr and "\n" not in descr
    shape = repr(tuple(d["shape"])).replace(" ", "")
    return [
        ("descr", descr),
        ("shape", shape),
        ("fortran_order", repr(d["fortran_order"])),
        ("version", version),
    ]


def record(name, fields):
    lines.append("\t".join([name] + ["%s=%s" % kv for kv in fields]))


def save_bytes(a, version=None, allow_pickle=False):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, a, allow_pickle=allow_pickle)
    else:
        np.lib.format.write_array(buf, a, version=version, allow_pickle=allow_pickle)
    return buf.getvalue()


def ok(name, a, version=None):
    """Writes `a` with numpy and records its header and value checksum."""
    data = save_bytes(a, version)
    if version is not None:
        assert dict(header_fields(data))["version"] == "%d.%d" % version, name
    ok_data(name, a, data)


def ok_data(name, a, data):
    """Records `data`, a file holding `a`, after checking that numpy reads `a` back from it."""
    fields = dict(header_fields(data))
    # The name says what the file is; make sure numpy wrote that.
    if "_le" in name:
        assert fields["descr"].startswith("<"), (name, fields)
    if "_be" in name:
        assert fields["descr"].startswith(">"), (name, fields)
    assert (fields["fortran_order"] == "True") == ("_fortran" in name), (name, fields)
    # numpy must read back what it wrote, bit for bit.
    back = np.load(io.BytesIO(data))
    assert back.dtype == a.dtype and back.shape == a.shape
    assert le_c_bytes(back) == le_c_bytes(a), name
    write(name, data)
    payload = le_c_bytes(a)
    record(
        name,
        header_fields(data)
        + [
            ("count", str(a.size)),
            ("nbytes", str(len(payload))),
            ("fnv1a64", "%016x" % fnv1a64(payload)),
        ],
    )


def npy_v1(text, payload):
    """A version 1.0 file with the header `text` (a dict literal) written by hand: padded with
    spaces to a multiple of 64 bytes and ended by a newline, as numpy pads its own, then the
    payload bytes."""
    header = text.encode("latin-1")
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + payload


def header_dict(a):
    """The header dict numpy writes for `a` (C order)."""
    return {"descr": a.dtype.str, "fortran_order": False, "shape": a.shape}


def ok_text(name, a, text):
    """A C-order `a` under the hand-written header `text`, which must say what numpy says."""
    assert ast.literal_eval(text) == header_dict(a), (name, text)
    ok_data(name, a, npy_v1(text, a.tobytes()))


def numpy_loads(data):
    """What numpy.load makes of `data`: the array, or None if it refuses it."""
    try:
        return np.load(io.BytesIO(data))
    except ValueError:
        return None


def bad(name, data, code, header=True):
    write(name, data)
    fields = header_fields(data) if header else []
    record(name, fields + [("code", code)])


def write(name, data):
    assert name.endswith(".npy") and (name.startswith("ok_") or name.startswith("bad_"))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def fixed_zip(members):
    """A zip archive (as np.savez writes, but with a fixed timestamp so it is reproducible)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, data)
    return buf.getvalue()


def x87_padding_cleared(a):
    """`a` (long double or its complex) with the 6 unused bytes of every 80-bit x87 value
    zeroed: numpy leaves them uninitialized, which would make the fixture differ per run."""
    if np.finfo(np.longdouble).nmant == 63:  # x87 extended precision stored in 16 bytes
        units = a.view("u1").reshape(-1, 16)
        units[:, 10:] = 0
    return a


def int_values(typestr):
    """min, max and a few ordinary values of an integer type, 2x4."""
    info = np.iinfo(np.dtype(typestr))
    vals = [info.min, info.max, 0, 1, info.max - 1, info.min + 1, 7, info.max // 3]
    return np.array(vals, dtype=typestr).reshape(2, 4)


def float_values(typestr):
    """The special bit patterns of a float type, 13 values."""
    size = int(typestr[2:])
    bits = {2: F16_SPECIAL_BITS, 4: F32_SPECIAL_BITS, 8: F64_SPECIAL_BITS}[size]
    return from_bits(bits, typestr)


def complex_values(typestr):
    """Complex numbers whose parts carry the special float bit patterns, 13 values."""
    part = {"c8": 4, "c16": 8}[typestr[1:]]
    bits = {4: F32_SPECIAL_BITS, 8: F64_SPECIAL_BITS}[part]
    re = np.array(bits, dtype="<u%d" % part)
    im = np.array(bits[::-1], dtype="<u%d" % part)
    interleaved = np.stack([re, im], axis=-1).reshape(-1)
    a = interleaved.view("<c%d" % (2 * part))
    return with_order(a, typestr[0])


def values_for(typestr):
    kind = typestr[1]
    if kind in "iu":
        return int_values(typestr)
    if kind == "f":
        return float_values(typestr)
    return complex_values(typestr)


def main():
    rng = np.random.default_rng(20240611)

    # ---- every dtype, both byte orders --------------------------------------------------
    ok("ok_b1.npy", np.array([[True, False, True], [False, False, True]]))
    ok("ok_i1.npy", int_values("|i1"))
    ok("ok_u1.npy", int_values("|u1"))
    for code in MULTI_BYTE:
        for order, tag in (("<", "le"), (">", "be")):
            ok("ok_%s_%s.npy" % (code, tag), values_for(order + code))

    # ---- Fortran order ------------------------------------------------------------------
    ok("ok_f8_le_fortran.npy", np.asfortranarray(np.arange(12, dtype="<f8").reshape(3, 4) / 8))
    ok("ok_f4_be_fortran.npy", np.asfortranarray(with_order(np.arange(6, dtype="<f4").reshape(2, 3) - 2.5, ">")))
    ok("ok_i4_be_fortran_3d.npy", np.asfortranarray(with_order(np.arange(24, dtype="<i4").reshape(2, 3, 4) - 12, ">")))
    ok("ok_u2_le_fortran_4d.npy", np.asfortranarray(np.arange(120, dtype="<u2").reshape(2, 3, 4, 5)))
    ok("ok_b1_fortran.npy", np.asfortranarray(np.arange(6).reshape(3, 2) % 3 == 1))
    ok("ok_c16_be_fortran.npy", np.asfortranarray(values_for(">c16")[:12].reshape(4, 3)))
    ok("ok_f2_le_fortran.npy", np.asfortranarray(values_for("<f2")[:12].reshape(3, 4)))
    # Special values in F order: the bit patterns must survive the reordering.
    ok("ok_f8_be_fortran_special.npy", np.asfortranarray(values_for(">f8")[:12].reshape(2, 6)))

    # ---- 0-d ----------------------------------------------------------------------------
    ok("ok_scalar_f8.npy", np.array(3.25, dtype="<f8"))
    ok("ok_scalar_i2_be.npy", np.array(-2, dtype=">i2"))
    ok("ok_scalar_b1.npy", np.array(True))
    ok("ok_scalar_c8.npy", np.array(1.5 - 2j, dtype="<c8"))
    ok("ok_scalar_f4_nan_payload.npy", from_bits(0x7FA00001, "<f4").reshape(()))

    # ---- zero-size ----------------------------------------------------------------------
    ok("ok_empty_0_f8.npy", np.zeros((0,), dtype="<f8"))
    ok("ok_empty_2x0_i4.npy", np.zeros((2, 0), dtype="<i4"))
    ok("ok_empty_0x3x0_u2_be.npy", np.zeros((0, 3, 0), dtype=">u2"))
    ok("ok_empty_0_b1.npy", np.zeros((0,), dtype="|b1"))
    # F-contiguous in memory, but also C-contiguous (size 0): numpy writes fortran_order False.
    ok("ok_empty_3x0_c16_asfortran.npy", np.asfortranarray(np.zeros((3, 0), dtype="<c16")))

    # ---- 1-d to 5-d ---------------------------------------------------------------------
    shapes = [(5,), (2, 3), (2, 3, 2), (2, 1, 3, 2), (1, 2, 2, 3, 2)]
    for ndim, shape in enumerate(shapes, start=1):
        a = rng.integers(-1000, 1000, size=shape).astype("<i2")
        ok("ok_ndim%d_i2.npy" % ndim, a)
    ok("ok_ndim5_f4_be_fortran.npy", np.asfortranarray(rng.standard_normal((2, 3, 1, 2, 2)).astype(">f4")))

    # ---- versions 2.0 and 3.0 (1.0 is numpy's default above) ------------------------------
    ok("ok_v2_f4.npy", rng.standard_normal((3, 2)).astype("<f4"), version=(2, 0))
    ok("ok_v2_u8_be_fortran.npy", np.asfortranarray(int_values(">u8")), version=(2, 0))
    ok("ok_v3_i8.npy", int_values("<i8"), version=(3, 0))
    ok("ok_v3_c8_be.npy", values_for(">c8"), version=(3, 0))
    ok("ok_v3_scalar_f2.npy", from_bits(0x7E01, "<f2").reshape(()), version=(3, 0))

    # ---- written by numpy, refused by arrayguard -------------------------------------------
    obj = np.array([1, "two", None, 3.5], dtype=object)
    bad("bad_object.npy", save_bytes(obj, allow_pickle=True), "dtype.pickle_not_allowed")
    obj_field = np.zeros(2, dtype=[("a", "<i4"), ("b", "O")])
    bad("bad_structured_object.npy", save_bytes(obj_field, allow_pickle=True), "dtype.pickle_not_allowed")
    structured = np.zeros(3, dtype=[("x", "<i4"), ("y", ">f8"), ("z", "|u1", (2,))])
    bad("bad_structured.npy", save_bytes(structured), "dtype.unsupported")
    bad("bad_unicode.npy", save_bytes(np.array(["hello", "npy"], dtype="<U5")), "dtype.unsupported")
    bad("bad_bytes.npy", save_bytes(np.array([b"ab", b"cdef"], dtype="|S4")), "dtype.unsupported")
    bad("bad_void.npy", save_bytes(np.zeros(2, dtype="|V8")), "dtype.unsupported")
    dt = np.array(["2024-01-01T00:00:00", "NaT"], dtype="<M8[ns]")
    bad("bad_datetime.npy", save_bytes(dt), "dtype.unsupported")
    bad("bad_timedelta.npy", save_bytes(np.array([1, -3], dtype="<m8[s]")), "dtype.unsupported")
    longdouble = x87_padding_cleared(np.array([1.0, 2.5], dtype=np.longdouble))
    assert longdouble.dtype.str == "<f16", longdouble.dtype.str  # x86-64 Linux
    bad("bad_longdouble.npy", save_bytes(longdouble), "dtype.unsupported")
    clongdouble = x87_padding_cleared(np.array([1 + 2j], dtype=np.clongdouble))
    bad("bad_clongdouble.npy", save_bytes(clongdouble), "dtype.unsupported")

    # A bool payload byte other than 0/1: write a |u1 array with numpy, then relabel the
    # descr as |b1 (same length, so the header length and alignment are unchanged).
    data = save_bytes(np.array([0, 1, 2, 1, 255], dtype="|u1"))
    assert data.count(b"'|u1'") == 1
    data = data.replace(b"'|u1'", b"'|b1'")
    assert np.load(io.BytesIO(data)).dtype == np.bool_  # numpy itself loads it
    bad("bad_bool_value.npy", data, "data.invalid_bool")

    valid = save_bytes(np.arange(10, dtype="<i4"))
    bad("bad_truncated.npy", valid[:-3], "data.truncated")
    bad("bad_truncated_empty_payload.npy", save_bytes(np.arange(4, dtype="<f8"))[:128], "data.truncated")
    bad("bad_trailing.npy", valid + b"\x00", "data.trailing")
    # numpy's own test_version_2_0 writes two arrays into one stream; a lone reader must
    # not take the first one for the whole file.
    two = save_bytes(np.arange(3, dtype="<u2")) + save_bytes(np.arange(2, dtype="<f4"))
    bad("bad_two_arrays.npy", two, "data.trailing")
    # An npy followed by a zip: numpy loads it as the npy, zip tools see the archive.
    npy = save_bytes(np.arange(4, dtype="<f4"))
    zip_part = fixed_zip([("payload.txt", b"hidden\n")])
    assert zipfile.is_zipfile(io.BytesIO(npy + zip_part))
    bad("bad_polyglot_zip.npy", npy + zip_part, "data.trailing")
    # An .npz archive (what np.savez writes) given as .npy.
    npz = fixed_zip([("x.npy", save_bytes(np.arange(3, dtype="<i8")))])
    assert np.load(io.BytesIO(npz))["x"].tolist() == [0, 1, 2]
    bad("bad_npz_archive.npy", npz, "npy.bad_magic", header=False)

    # ---- headers written by hand: whitespace between tokens --------------------------------
    # NumPy before 1.14 could write its header with pprint.pformat, broken across lines with
    # alignment spaces; hand-made files use tabs. numpy reads both with ast.literal_eval.
    a = with_order(np.arange(6, dtype="<f4").reshape(2, 3) - 2.5, ">")
    text = pprint.pformat(header_dict(a), width=40)
    assert text.count("\n") == 2, text  # one key per line
    ok_text("ok_pprint_dict_lines.npy", a, text)
    a = np.array([-7, 300], dtype="<i2").reshape((1,) * 20 + (2,))
    text = pprint.pformat(header_dict(a), width=40, compact=True)
    assert text.count("\n") == 4, text  # the shape over three lines, aligned with spaces
    ok_text("ok_pprint_long_shape.npy", a, text)
    a = np.array([0, 128, 255], dtype="|u1").reshape((1,) * 26 + (3,))
    text = pprint.pformat(header_dict(a))  # the default width: one dimension per line
    assert text.count("\n") == 28, text
    ok_text("ok_pprint_shape_per_line.npy", a, text)
    a = np.arange(6, dtype="<u2").reshape(3, 2) * 1000
    tabs = "{\t'descr'\t:\t'<u2'\t,\t'fortran_order'\t:\tFalse\t,\t'shape'\t:\t(\t3\t,\t2\t)\t,\t}"
    ok_text("ok_tabs.npy", a, tabs)

    # ... and what Python also skips or reads, refused. numpy loads the first two.
    payload = np.arange(3, dtype="<f8").tobytes()
    comment = "{'descr': '<f8',  # written by hand\n 'fortran_order': False,\n 'shape': (3,)}"
    data = npy_v1(comment, payload)
    assert numpy_loads(data).tolist() == [0.0, 1.0, 2.0]
    bad("bad_header_comment.npy", data, "npy.invalid_header")
    backslash = "{'descr': '<f8', \\\n 'fortran_order': False, 'shape': (3,)}"
    data = npy_v1(backslash, payload)
    assert numpy_loads(data).tolist() == [0.0, 1.0, 2.0]
    bad("bad_header_backslash.npy", data, "npy.invalid_header")
    # Not Python syntax: numpy refuses these two too ("Cannot parse header").
    data = npy_v1("{'descr': '<i2', 'fortran_order': False, 'shape': (1 0,)}", np.arange(10, dtype="<i2").tobytes())
    assert numpy_loads(data) is None
    bad("bad_header_space_in_number.npy", data, "npy.invalid_header", header=False)
    data = npy_v1("{'descr': '<f8',\x0b'fortran_order': False, 'shape': (3,)}", payload)
    assert numpy_loads(data) is None
    bad("bad_header_vertical_tab.npy", data, "npy.invalid_header", header=False)
    # A structured descr across lines is still skipped over to its own error.
    a = np.zeros(2, dtype=[("x", "<i4"), ("y", ">f8"), ("z", "|u1", (2,))])
    d = {"descr": np.lib.format.dtype_to_descr(a.dtype), "fortran_order": False, "shape": (2,)}
    text = pprint.pformat(d, width=40)
    assert text.count("\n") == 4, text
    data = npy_v1(text, a.tobytes())
    assert numpy_loads(data).dtype == a.dtype
    bad("bad_pprint_structured.npy", data, "dtype.unsupported")

    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        f.write("".join(line + "\n" for line in sorted(lines)))

    names = {line.split("\t", 1)[0] for line in lines}
    on_disk = {n for n in os.listdir(HERE) if n.endswith(".npy")}
    stale = sorted(on_disk - names)
    if stale:
        sys.exit("stale fixtures not written by this script: %s" % ", ".join(stale))
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in names)
    print("wrote %d fixtures, %d bytes, numpy %s" % (len(names), total, np.__version__))


if __name__ == "__main__":
    main()
