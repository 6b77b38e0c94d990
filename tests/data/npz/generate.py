#!/usr/bin/env python3
"""Writes the .npz fixtures in this directory with real NumPy and Python's zipfile, plus
expected.txt.

Run from the repository root:

    python3 tests/data/npz/generate.py              # write the fixtures and expected.txt
    python3 tests/data/npz/generate.py --observe    # also print what zipfile/numpy do with each

The output is deterministic: fixed seeds, and every archive's DOS time/date fields are
rewritten to 1980-01-01 00:00:00 in both the local and the central headers (np.savez stamps
entries with the current time). Running the script twice gives byte-identical files. Written
and checked with numpy 2.4.6, Python 3.11.7 and zlib 1.2.13 on Linux x86-64; the deflate
streams depend on the zlib build (zlib-ng, for one, compresses differently), the values do not.

The helpers that compute the expected values (fnv1a64, le_c_bytes, the special float bit
patterns) are imported from ../npy/generate.py so both fixture sets hash alike.

expected.txt (tab-separated, `key=value` fields; values are written raw, without escapes):

  ok archive, one line `name <TAB> members=N`, then one line per member in central
  directory order:
    name <TAB> member=<zip name> <TAB> array=<zip name minus one trailing ".npy">
         <TAB> descr= <TAB> shape= <TAB> fortran_order= <TAB> count= <TAB> nbytes= <TAB> fnv1a64=
  bad archive, one line:
    name <TAB> code=<Error::code()> [<TAB> member=<zip name>] [<TAB> limits=<k=v,...>]

Lines are sorted by file name; an ok archive's member lines keep the archive's order.
"""

import importlib.util
import io
import os
import struct
import sys
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

_spec = importlib.util.spec_from_file_location("npy_generate", os.path.join(HERE, "..", "npy", "generate.py"))
npy = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(npy)

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
DOS_TIME = 0x0000  # 00:00:00
DOS_DATE = 0x0021  # 1980-01-01

# Default limits of the npz reader (documented in README.md).
MAX_BYTES = 256 << 20
MAX_HEADER_BYTES = 10_000
MAX_MEMBER_BYTES = MAX_BYTES + MAX_HEADER_BYTES + 76
MAX_MEMBERS = 4096
MAX_ARCHIVE_BYTES = 1 << 30
MAX_COMPRESSION_RATIO = 1100

SIG_LOCAL = 0x04034B50
SIG_CENTRAL = 0x02014B50
SIG_EOCD = 0x06054B50
LOCAL_FMT = "<IHHHHHIIIHH"  # 30 bytes
CENTRAL_FMT = "<IHHHHHHIIIHHHHHII"  # 46 bytes
EOCD_FMT = "<IHHHHIIH"  # 22 bytes
assert struct.calcsize(LOCAL_FMT) == 30 and struct.calcsize(CENTRAL_FMT) == 46 and struct.calcsize(EOCD_FMT) == 22

# Field offsets inside the fixed part of each header.
LOCAL_OFF = {"flags": 6, "method": 8, "time": 10, "date": 12, "crc": 14, "csize": 18, "usize": 22}
CENTRAL_OFF = {"flags": 8, "method": 10, "time": 12, "date": 14, "crc": 16, "csize": 20, "usize": 24}
FIELD_FMT = {"flags": "<H", "method": "<H", "time": "<H", "date": "<H", "crc": "<I", "csize": "<I", "usize": "<I"}

lines = []
written = []  # (file name, kind, note for --observe)


# ---- zip structure helpers ----------------------------------------------------------------


def eocd_of(data):
    """(offset of the end record, its fields); its comment must end the file."""
    pos = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 0xFFFF))
    assert pos >= 0, "no end record"
    fields = struct.unpack(EOCD_FMT, data[pos : pos + 22])
    assert pos + 22 + fields[7] == len(data), "the end record's comment does not end the file"
    return pos, fields


def entries_of(data):
    """The central directory entries, in order, as dicts (offsets of both headers, fields)."""
    _, (_, _, _, _, total, cd_size, cd_off, _) = eocd_of(data)
    out = []
    p = cd_off
    for _ in range(total):
        f = struct.unpack(CENTRAL_FMT, data[p : p + 46])
        assert f[0] == SIG_CENTRAL
        nlen, xlen, clen = f[10], f[11], f[12]
        e = {
            "central": p,
            "flags": f[3],
            "method": f[4],
            "crc": f[7],
            "csize": f[8],
            "usize": f[9],
            "name": data[p + 46 : p + 46 + nlen],
            "extra": data[p + 46 + nlen : p + 46 + nlen + xlen],
            "local": f[16],
        }
        lf = struct.unpack(LOCAL_FMT, data[e["local"] : e["local"] + 30])
        assert lf[0] == SIG_LOCAL
        e["local_name"] = data[e["local"] + 30 : e["local"] + 30 + lf[9]]
        e["data"] = e["local"] + 30 + lf[9] + lf[10]
        out.append(e)
        p += 46 + nlen + xlen + clen
    assert p == cd_off + cd_size
    return out


def put(data, offset, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


def set_field(data, entry, field, value, local=True, central=True):
    """Sets a header field of one entry in its local header and/or its central record."""
    if local:
        data = put(data, entry["local"] + LOCAL_OFF[field], FIELD_FMT[field], value)
    if central:
        data = put(data, entry["central"] + CENTRAL_OFF[field], FIELD_FMT[field], value)
    return data


def normalise(data):
    """The archive with every entry's DOS time and date set to 1980-01-01 00:00:00."""
    for e in entries_of(data):
        data = set_field(data, e, "time", DOS_TIME)
        data = set_field(data, e, "date", DOS_DATE)
    return data


def zip_of(members, compression=zipfile.ZIP_STORED, stream=None):
    """A zip written by Python's zipfile. `members`: (name, bytes) or (name, bytes, method)."""
    buf = io.BytesIO() if stream is None else stream
    with zipfile.ZipFile(buf, "w") as z:
        for m in members:
            name, content = m[0], m[1]
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.compress_type = m[2] if len(m) > 2 else compression
            z.writestr(info, content)
    return buf.getvalue() if stream is None else stream.getvalue()


def raw_deflate(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def local_header(name, method, crc, csize, usize, flags=0):
    return struct.pack(LOCAL_FMT, SIG_LOCAL, 20, flags, method, DOS_TIME, DOS_DATE, crc, csize, usize, len(name), 0) + name


def raw_zip(entries, data=None):
    """A zip assembled by hand, header fields as Python's zipfile writes them (version 2.0
    made on Unix, mode 0600). `entries`: dicts with name (bytes), method, crc, csize, usize,
    and either `payload` (the compressed bytes, written after the local header) or `offset`
    (the local header is already inside `data`, at that offset)."""
    out = bytearray(data or b"")
    for e in entries:
        if "offset" not in e:
            e["offset"] = len(out)
            out += local_header(e["name"], e["method"], e["crc"], e["csize"], e["usize"])
            out += e["payload"]
    cd_off = len(out)
    for e in entries:
        out += struct.pack(
            CENTRAL_FMT, SIG_CENTRAL, (3 << 8) | 20, 20, 0, e["method"], DOS_TIME, DOS_DATE,
            e["crc"], e["csize"], e["usize"], len(e["name"]), 0, 0, 0, 0, 0o600 << 16, e["offset"],
        )
        out += e["name"]
    out += struct.pack(EOCD_FMT, SIG_EOCD, 0, 0, len(entries), len(entries), len(out) - cd_off, cd_off, 0)
    return bytes(out)


def raw_entry(name, content, method=zipfile.ZIP_STORED):
    payload = content if method == zipfile.ZIP_STORED else raw_deflate(content)
    return {"name": name, "method": method, "crc": zlib.crc32(content), "csize": len(payload), "usize": len(content), "payload": payload}


# ---- npy helpers --------------------------------------------------------------------------


def npy_bytes(a, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=allow_pickle)
    return buf.getvalue()


def npy_header_only(descr, shape, payload=b""):
    """A version 1.0 npy header as numpy writes it (padded to 64 bytes), then `payload`."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


def savez(compressed, *args, **kwds):
    buf = io.BytesIO()
    (np.savez_compressed if compressed else np.savez)(buf, *args, **kwds)
    return normalise(buf.getvalue())


# ---- records ------------------------------------------------------------------------------


def write(name, data):
    assert name.endswith(".npz") and (name.startswith("ok_") or name.startswith("bad_"))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def record(name, fields):
    lines.append((name, len(lines), "\t".join([name] + ["%s=%s" % kv for kv in fields])))


def array_name(member):
    return member[: -len(".npy")] if member.endswith(".npy") else member


def ok(name, data, saved):
    """Checks an ok archive (numpy loads every member and it equals `saved`, bit for bit)
    and records its members. `saved`: {array name: array} for every member."""
    assert data == normalise(data)
    entries = entries_of(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = [i.filename for i in z.infolist()]
        contents = [z.read(i) for i in z.infolist()]
    assert [e["name"].decode("utf-8") for e in entries] == names
    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        assert sorted(f.files) == sorted(saved), (name, f.files, list(saved))
        for k in f.files:
            back = f[k]
            a = np.asarray(saved[k])
            assert back.dtype == a.dtype and back.shape == a.shape, (name, k)
            assert npy.le_c_bytes(back) == npy.le_c_bytes(a), (name, k)
    write(name, data)
    record(name, [("members", str(len(names)))])
    for member, content in zip(names, contents):
        fields = [kv for kv in npy.header_fields(content) if kv[0] != "version"]
        a = np.load(io.BytesIO(content), allow_pickle=False)
        payload = npy.le_c_bytes(a)
        assert "\t" not in member and "\n" not in member
        record(
            name,
            [("member", member), ("array", array_name(member))]
            + fields
            + [("count", str(a.size)), ("nbytes", str(len(payload))), ("fnv1a64", "%016x" % npy.fnv1a64(payload))],
        )


def bad(name, data, code, member=None, limits=None):
    write(name, data)
    fields = [("code", code)]
    if member is not None:
        assert "\t" not in member and "\n" not in member and "\0" not in member
        fields.append(("member", member))
    if limits:
        fields.append(("limits", ",".join("%s=%d" % kv for kv in limits.items())))
    record(name, fields)


# ---- ok archives --------------------------------------------------------------------------


def every_dtype():
    """Keyword arrays covering every supported dtype, with the npy fixtures' special values."""
    d = {"flags": np.array([[True, False, True], [False, False, True]])}
    d["int8"] = npy.int_values("|i1")
    d["uint8"] = npy.int_values("|u1")
    for code, word in [("i2", "int16"), ("i4", "int32"), ("i8", "int64"), ("u2", "uint16"), ("u4", "uint32"), ("u8", "uint64")]:
        d[word] = npy.int_values("<" + code)
    for code, word in [("f2", "float16"), ("f4", "float32"), ("f8", "float64"), ("c8", "complex64"), ("c16", "complex128")]:
        d[word] = npy.values_for("<" + code)
    d["float64_be"] = npy.values_for(">f8")
    d["int32_be"] = npy.int_values(">i4")
    d["complex128_be"] = npy.values_for(">c16")
    return d


def shapes():
    return {
        "empty_0": np.zeros((0,), dtype="<f8"),
        "empty_2x0": np.zeros((2, 0), dtype="<i4"),
        "scalar_f8": np.array(-0.0, dtype="<f8"),
        "scalar_i2_be": np.array(-2, dtype=">i2"),
        "scalar_nan_payload": npy.from_bits(0x7FA00001, "<f4").reshape(()),
        "fortran_2d": np.asfortranarray(np.arange(12, dtype="<f8").reshape(3, 4) / 8),
        "fortran_3d_be": np.asfortranarray(npy.with_order(np.arange(24, dtype="<i4").reshape(2, 3, 4) - 12, ">")),
        "fortran_c8": np.asfortranarray(npy.values_for("<c8")[:12].reshape(4, 3)),
        "fortran_b1": np.asfortranarray(np.arange(6).reshape(3, 2) % 3 == 1),
    }


class Unseekable:
    """A write-only stream: zipfile then writes data descriptors (flag bit 3)."""

    def __init__(self):
        self.buf = io.BytesIO()

    def write(self, b):
        return self.buf.write(b)

    def flush(self):
        pass

    def getvalue(self):
        return self.buf.getvalue()


def make_ok(rng):
    d = every_dtype()
    ok("ok_savez.npz", savez(False, **d), d)
    ok("ok_savez_compressed.npz", savez(True, **d), d)

    a0 = rng.integers(-100, 100, size=(2, 3)).astype("<i8")
    a1 = rng.standard_normal(4).astype("<f4")
    weights = rng.standard_normal((3, 2)).astype(">f8")
    bias = np.array([1, 0, 255], dtype="|u1")
    data = savez(False, a0, a1, weights=weights, bias=bias)
    ok("ok_positional.npz", data, {"arr_0": a0, "arr_1": a1, "weights": weights, "bias": bias})

    s = shapes()
    ok("ok_shapes.npz", savez(False, **s), s)
    ok("ok_shapes_compressed.npz", savez(True, **s), s)

    many = {}
    codes = ["<i4", "<f8", "|u1", ">i2", "<c8", "|b1"]
    for i in range(300):
        many["a%03d" % i] = (np.arange(i % 4, dtype="<i8") + i).astype(codes[i % len(codes)])
    ok("ok_many.npz", savez(False, **many), many)

    large = {"zeros": np.zeros(131072, dtype="<f8"), "ramp": np.arange(131072, dtype="<f8")}
    ok("ok_large_compressed.npz", savez(True, **large), large)

    # An archive comment: the end record is then not the last 22 bytes of the file.
    commented = {"x": np.arange(5, dtype="<u4")}
    data = savez(False, **commented)
    comment = b"arrayguard npz fixture: an archive comment after the end record\n"
    pos, _ = eocd_of(data)
    data = put(data, pos + 20, "<H", len(comment)) + comment
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.comment == comment
    ok("ok_comment.npz", data, commented)

    empty = savez(False)
    assert len(empty) == 22 and empty[:4] == b"PK\x05\x06"
    ok("ok_empty.npz", empty, {})

    names = {"group/x": np.arange(3, dtype="<i2"), "température": np.array([20.5, -3.25], dtype="<f4"), "double.npy": np.array(True)}
    ok("ok_names.npz", savez(False, **names), names)

    # Python's zipfile on a stream without seek/tell: every entry has flag bit 3, zero CRC
    # and sizes in its local header, then a data descriptor after its data.
    stored = rng.integers(0, 1000, size=(2, 5)).astype("<u2")
    deflated = np.linspace(0, 1, 50).astype("<f8")
    plain = np.array([[1.5, -2.0]], dtype=">f4")
    data = zip_of(
        [
            ("stored.npy", npy_bytes(stored), zipfile.ZIP_STORED),
            ("deflated.npy", npy_bytes(deflated), zipfile.ZIP_DEFLATED),
            ("plain", npy_bytes(plain), zipfile.ZIP_DEFLATED),
        ],
        stream=Unseekable(),
    )
    assert all(e["flags"] & 0x08 for e in entries_of(data))
    ok("ok_data_descriptor.npz", data, {"stored": stored, "deflated": deflated, "plain": plain})


# ---- bad archives -------------------------------------------------------------------------


def fifield(names, kernel_plain):
    """David Fifield's quoted-overlap construction (https://www.bamsoftware.com/hacks/zipbomb/):
    member i's deflate stream is a non-final stored block quoting member i+1's local header,
    followed by member i+1's own stream; the last member holds the kernel. Every member has a
    correct CRC and sizes, every local header matches its central record, and all members
    share the kernel's bytes."""
    n = len(names)
    plain = [None] * n
    comp = [None] * n
    plain[-1], comp[-1] = kernel_plain, raw_deflate(kernel_plain)
    for i in range(n - 2, -1, -1):
        nxt = local_header(names[i + 1], 8, zlib.crc32(plain[i + 1]), len(comp[i + 1]), len(plain[i + 1]))
        quote = struct.pack("<BHH", 0x00, len(nxt), len(nxt) ^ 0xFFFF)  # BFINAL=0, BTYPE=00
        comp[i] = quote + nxt + comp[i + 1]
        plain[i] = nxt + plain[i + 1]
    for c, p in zip(comp, plain):
        assert zlib.decompress(c, -15) == p
    first = local_header(names[0], 8, zlib.crc32(plain[0]), len(comp[0]), len(plain[0]))
    body = first + comp[0]
    entries = []
    offset = 0
    for i in range(n):
        entries.append({"name": names[i], "method": 8, "crc": zlib.crc32(plain[i]), "csize": len(comp[i]), "usize": len(plain[i]), "offset": offset})
        offset += 30 + len(names[i]) + 5
    data = raw_zip(entries, body)
    for e in entries_of(data):
        assert e["name"] == e["local_name"]
    return data


def make_bad(rng):
    x = npy_bytes(np.arange(10, dtype="<i4"))
    valid = zip_of([("x.npy", x), ("y.npy", npy_bytes(np.linspace(-1, 1, 40).astype("<f8")))], zipfile.ZIP_DEFLATED)

    # 1. end record
    bad("bad_not_zip.npz", x, "npz.invalid_archive")
    assert b"PK\x05\x06" not in x

    whole = savez(True, **every_dtype())
    half = whole[: len(whole) // 2]
    assert b"PK\x05\x06" not in half
    bad("bad_truncated.npz", half, "npz.invalid_archive")

    appended = npy_bytes(np.array([666], dtype="<i8"))
    bad("bad_trailing.npz", valid + appended, "npz.trailing_data")

    members = [("m%03d.npy" % i, npy_bytes(np.array(i, dtype="<u2"))) for i in range(101)]
    bad("bad_too_many_members.npz", zip_of(members), "limit.members", limits={"max_members": 100})

    # 2. central directory
    script = b"#!/bin/sh\necho 'this is a shell script, not an archive'\nexit 0\n"
    leading = script + valid
    _, eocd = eocd_of(leading)
    assert leading[eocd[6] : eocd[6] + 4] != b"PK\x01\x02"
    bad("bad_leading.npz", leading, "npz.invalid_archive")

    pos, _ = eocd_of(valid)
    bad("bad_cd_outside.npz", put(valid, pos + 16, "<I", len(valid) + 4096), "npz.invalid_archive")

    e = entries_of(valid)[1]
    bad("bad_cd_signature.npz", put(valid, e["central"], "<I", 0x02014B51), "npz.invalid_archive")

    # Central sizes 0xFFFFFFFF (the zip64 escape) without a zip64 extra field; the local
    # header keeps the real sizes. Read literally, the sizes point past the end of the file.
    data = zip_of([("x.npy", x)])
    e = entries_of(data)[0]
    data = set_field(data, e, "csize", 0xFFFFFFFF, local=False)
    data = set_field(data, e, "usize", 0xFFFFFFFF, local=False)
    bad("bad_zip64_missing.npz", data, "npz.invalid_archive", member="x.npy")

    # 3. names, overlaps, local headers
    twice = zip_of([("x.npy", x), ("x.npy", npy_bytes(np.array([-1.0], dtype="<f8")))])
    bad("bad_duplicate.npz", twice, "npz.duplicate_member")
    suffix = zip_of([("x.npy", x), ("x", npy_bytes(np.array([-1.0], dtype="<f8")))])
    bad("bad_duplicate_suffix.npz", suffix, "npz.duplicate_member", member="x")

    for fname, zname in [
        ("bad_name_absolute.npz", "/x.npy"),
        ("bad_name_dotdot.npz", "../x.npy"),
        ("bad_name_dotdot_inner.npz", "a/../../x.npy"),
        ("bad_name_backslash.npz", "a\\x.npy"),
        ("bad_name_drive.npz", "C:x.npy"),
    ]:
        data = zip_of([("ok.npy", x), (zname, x)])
        assert entries_of(data)[1]["name"] == zname.encode()
        bad(fname, data, "npz.unsafe_name", member=zname)

    # NUL: zipfile cuts a name at its first NUL, so write `x.npy\x01.txt` and patch the byte.
    data = zip_of([("ok.npy", x), ("x.npy\x01.txt", x)])
    e = entries_of(data)[1]
    for at in (e["local"] + 30, e["central"] + 46):
        assert data[at : at + 10] == b"x.npy\x01.txt"
        data = put(data, at + 5, "<B", 0)
    bad("bad_name_nul.npz", data, "npz.unsafe_name", member="x.npy\\0.txt")

    # The empty name: zipfile cannot write it (ZipInfo.is_dir indexes the last character).
    plain_entries = [raw_entry(b"ok.npy", x), raw_entry(b"y.npy", x)]
    assert raw_zip([dict(e) for e in plain_entries]) == zip_of([("ok.npy", x), ("y.npy", x)])  # same bytes as zipfile
    bad("bad_name_empty.npz", raw_zip([raw_entry(b"ok.npy", x), raw_entry(b"", x)]), "npz.unsafe_name", member="")

    kernel = npy_bytes(np.zeros(8192, dtype="<f8"))
    names = [b"%c.npy" % c for c in b"abcdefgh"]
    bad("bad_overlap.npz", fifield(names, kernel), "npz.overlapping_members")

    # A member whose compressed size (patched in both headers) runs into the central directory.
    e = entries_of(valid)[1]
    pos, eocd = eocd_of(valid)
    assert e["data"] + e["csize"] == eocd[6]
    bad("bad_overlap_cd.npz", set_field(valid, e, "csize", e["csize"] + 16), "npz.overlapping_members")

    e = entries_of(valid)[0]
    assert valid[e["local"] + 30 : e["local"] + 35] == b"x.npy"
    bad("bad_local_mismatch.npz", valid[: e["local"] + 30] + b"z" + valid[e["local"] + 31 :], "npz.invalid_archive")

    # 4. per member, before inflating
    data = zip_of([("x.npy", x)])
    bad("bad_encrypted.npz", set_field(data, entries_of(data)[0], "flags", 0x01), "npz.unsupported", member="x.npy")
    bad("bad_bzip2.npz", zip_of([("x.npy", x)], zipfile.ZIP_BZIP2), "npz.unsupported", member="x.npy")
    bad("bad_lzma.npz", zip_of([("x.npy", x)], zipfile.ZIP_LZMA), "npz.unsupported", member="x.npy")

    # The honest bomb: 1 GiB of <f8 zeros with a real npy header, streamed through zipfile's
    # own deflate (level 6): ratio about 1030, under the ratio limit; the size check refuses it.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("bomb.npy", date_time=FIXED_DATE_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as f:
            f.write(npy_header_only("<f8", (1 << 27,)))
            chunk = bytes(1 << 20)
            for _ in range(1024):
                f.write(chunk)
    data = buf.getvalue()
    e = entries_of(data)[0]
    assert e["usize"] == (1 << 30) + 128 and e["usize"] > MAX_MEMBER_BYTES
    assert e["usize"] / e["csize"] <= MAX_COMPRESSION_RATIO
    bad("bad_zip_bomb.npz", data, "limit.bytes", member="bomb.npy")

    # ~1 KB of incompressible deflate that claims 200 MB (CRC left as the real content's).
    data = zip_of([("ratio.npy", npy_bytes(rng.integers(0, 256, size=900).astype("|u1")))], zipfile.ZIP_DEFLATED)
    e = entries_of(data)[0]
    assert 900 < e["csize"] < 1100
    assert 200_000_000 <= MAX_MEMBER_BYTES and 200_000_000 / e["csize"] > MAX_COMPRESSION_RATIO
    bad("bad_ratio.npz", set_field(data, e, "usize", 200_000_000), "limit.compression_ratio", member="ratio.npy")

    data = zip_of([("x.npy", x)])
    e = entries_of(data)[0]
    bad("bad_stored_size.npz", set_field(data, e, "usize", e["usize"] + 64), "npz.size_mismatch", member="x.npy")

    parts = [npy_bytes(np.arange(100, dtype="<i8")) for _ in range(3)]
    data = zip_of([("a.npy", parts[0]), ("b.npy", parts[1]), ("c.npy", parts[2])])
    total = sum(map(len, parts))
    bad("bad_archive_total.npz", data, "limit.archive_bytes", member="c.npy", limits={"max_archive_bytes": total - 1})

    # 5. reading members
    # Inflates to a valid npy followed by a second one; the headers declare only the first
    # (its length and its CRC): a reader that stops at the declared size sees a valid member.
    first = npy_bytes(np.arange(16, dtype="<i8"))
    smuggled = npy_bytes(np.array([13.0, 37.0], dtype="<f8"))
    data = zip_of([("x.npy", first + smuggled)], zipfile.ZIP_DEFLATED)
    e = entries_of(data)[0]
    data = set_field(data, e, "usize", len(first))
    data = set_field(data, e, "crc", zlib.crc32(first))
    bad("bad_size_lie_small.npz", data, "npz.size_mismatch", member="x.npy")

    data = zip_of([("x.npy", first)], zipfile.ZIP_DEFLATED)
    e = entries_of(data)[0]
    assert (len(first) + 64) / e["csize"] < MAX_COMPRESSION_RATIO
    bad("bad_size_lie_large.npz", set_field(data, e, "usize", len(first) + 64), "npz.size_mismatch", member="x.npy")

    data = zip_of([("x.npy", x)], zipfile.ZIP_DEFLATED)
    e = entries_of(data)[0]
    bad("bad_crc.npz", set_field(data, e, "crc", e["crc"] ^ 0x00000001), "npz.crc_mismatch", member="x.npy")

    text = b"this member is called x.npy but holds plain text\n"
    bad("bad_member_not_npy.npz", zip_of([("ok.npy", x), ("x.npy", text)]), "npy.bad_magic", member="x.npy")

    obj = np.array([1, "two", None, 3.5], dtype=object)
    buf = io.BytesIO()
    np.savez(buf, numbers=np.arange(3), obj=obj)  # np.savez pickles object arrays
    bad("bad_member_object.npz", normalise(buf.getvalue()), "dtype.pickle_not_allowed", member="obj.npy")

    # 10^9 elements: over max_elements (2^28) as well as max_bytes; the npy reader checks the
    # element count first (Limits::check_size), hence limit.elements.
    huge = npy_header_only("<f8", (1_000_000_000,), bytes(16))
    bad("bad_member_8gb.npz", zip_of([("huge.npy", huge)]), "limit.elements", member="huge.npy")
    # 2.5*10^8 elements (under 2^28) of 8 bytes: 2 GB of payload, over max_bytes only.
    huge = npy_header_only("<f8", (250_000_000,), bytes(16))
    bad("bad_member_2gb.npz", zip_of([("huge.npy", huge)]), "limit.bytes", member="huge.npy")

    cut = npy_bytes(np.arange(10, dtype="<i4"))[:-12]
    bad("bad_member_truncated.npz", zip_of([("x.npy", cut)], zipfile.ZIP_DEFLATED), "data.truncated", member="x.npy")


# ---- what zipfile and numpy make of each fixture --------------------------------------------


def short(e):
    msg = str(e).replace("\n", " ")
    if len(msg) > 90:
        msg = msg[:87] + "..."
    return "%s: %s" % (type(e).__name__, msg)


def summary(results):
    """`results`: (label, text, succeeded). Long all-successful lists are shortened."""
    if len(results) > 4 and all(r[2] for r in results):
        return "all %d read, e.g. %s: %s" % (len(results), results[0][0], results[0][1])
    return "; ".join("%s: %s" % r[:2] for r in results)


def observe(path):
    """What Python's zipfile and numpy.load (allow_pickle=False) make of a fixture (this
    reads every member, the bomb's 1 GiB included)."""
    name = os.path.basename(path)
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            results = []
            for i in infos:
                try:
                    results.append((repr(i.filename), "%d bytes" % len(z.read(i)), True))
                except Exception as e:
                    results.append((repr(i.filename), short(e), False))
            zres = "opens, %d entries; %s" % (len(infos), summary(results))
    except Exception as e:
        zres = short(e)
    try:
        f = np.load(path, allow_pickle=False)
        if not isinstance(f, np.lib.npyio.NpzFile):
            nres = "returns %s %s %s (not an NpzFile)" % (type(f).__name__, getattr(f, "dtype", ""), getattr(f, "shape", ""))
        else:
            with f:
                results = []
                for k in f.files:
                    try:
                        v = f[k]
                        if isinstance(v, np.ndarray):
                            results.append((repr(k), "array %s %s" % (v.dtype.str, v.shape), True))
                        else:
                            results.append((repr(k), "%s %r" % (type(v).__name__, v[:24]), True))
                    except Exception as e:
                        results.append((repr(k), short(e), False))
                nres = "files=%d; %s" % (len(f.files), summary(results))
    except Exception as e:
        nres = short(e)
    print("%s\n  zipfile: %s\n  numpy:   %s" % (name, zres, nres))


def main():
    rng = np.random.default_rng(20240612)
    make_ok(rng)
    make_bad(rng)

    order = sorted(lines, key=lambda t: (t[0], t[1]))
    with open(os.path.join(HERE, "expected.txt"), "w", encoding="utf-8") as f:
        f.write("".join(t[2] + "\n" for t in order))

    names = {t[0] for t in lines}
    on_disk = {n for n in os.listdir(HERE) if n.endswith(".npz")}
    stale = sorted(on_disk - names)
    if stale:
        sys.exit("stale fixtures not written by this script: %s" % ", ".join(stale))
    total = sum(os.path.getsize(os.path.join(HERE, n)) for n in names)
    print("wrote %d fixtures, %d bytes, numpy %s, zlib %s" % (len(names), total, np.__version__, zlib.ZLIB_RUNTIME_VERSION))
    if "--observe" in sys.argv[1:]:
        for n in sorted(names):
            observe(os.path.join(HERE, n))


if __name__ == "__main__":
    main()
