"""Every fixture under tests/data/ (written by real NumPy and Python; see each directory's
README.md) through the Python API, against its expected.txt and, for .npy and .npz, against
`numpy.load` bit for bit."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import arrayguard as ag
from conftest import DATA, NAMES, assert_same_bits, fnv1a64, parse_shape, read_table, table

NPY = table("npy")
RAW = table("raw")
JSON = table("json")


def _ok(tab):
    return sorted(n for n in tab if n.startswith("ok_"))


def _bad(tab):
    return sorted(n for n in tab if n.startswith("bad_"))


def test_every_fixture_file_is_listed():
    for kind, suffix in [("npy", ".npy"), ("npz", ".npz"), ("raw", ".bin"), ("json", ".json")]:
        files = {p.name for p in (DATA / kind).glob("*" + suffix)}
        listed = {name for name, _ in read_table(DATA / kind / "expected.txt")}
        assert files == listed, kind


# ---------------------------------------------------------------------------------------------
# .npy


def _npy_readers(path):
    data = path.read_bytes()

    def from_file_object(**kw):
        with open(path, "rb") as f:
            return ag.load_npy(f, **kw)

    return {
        "loads_npy(bytes)": lambda **kw: ag.loads_npy(data, **kw),
        "loads_npy(bytearray)": lambda **kw: ag.loads_npy(bytearray(data), **kw),
        "loads_npy(memoryview)": lambda **kw: ag.loads_npy(memoryview(data), **kw),
        "load_npy(str)": lambda **kw: ag.load_npy(str(path), **kw),
        "load_npy(Path)": lambda **kw: ag.load_npy(path, **kw),
        "load_npy(file)": from_file_object,
        "load_npy(BytesIO)": lambda **kw: ag.load_npy(io.BytesIO(data), **kw),
    }


@pytest.mark.parametrize("name", _ok(NPY))
def test_npy_ok(name):
    path = DATA / "npy" / name
    expected = NPY[name]
    reference = np.load(path, allow_pickle=False)
    fortran = expected["fortran_order"] == "True"
    for reader, read in _npy_readers(path).items():
        array = read()
        assert_same_bits(array, reference)
        assert array.flags.c_contiguous, reader
        assert array.shape == parse_shape(expected["shape"]), reader
        assert array.size == int(expected["count"])
        assert array.nbytes == int(expected["nbytes"])
        kept = read(c_order=False)
        assert_same_bits(kept, reference)
        if fortran and kept.ndim > 1 and kept.size > 1:
            assert kept.flags.f_contiguous and not kept.flags.c_contiguous, reader
        else:
            assert kept.flags.c_contiguous, reader
    assert fnv1a64(array) == expected["fnv1a64"]


@pytest.mark.parametrize("name", _ok(NPY))
def test_npy_ok_header(name):
    path = DATA / "npy" / name
    expected = NPY[name]
    for source in (path, str(path), path.read_bytes()):
        for facts in (ag.inspect_npy(source), ag.check_npy(source)):
            assert facts["descr"] == expected["descr"]
            assert facts["shape"] == parse_shape(expected["shape"])
            assert facts["fortran_order"] == (expected["fortran_order"] == "True")
            assert ".".join(map(str, facts["version"])) == expected["version"]
            assert facts["nbytes"] == int(expected["nbytes"])
            assert facts["data_offset"] + facts["nbytes"] == path.stat().st_size


@pytest.mark.parametrize("name", _bad(NPY))
def test_npy_bad(name):
    path = DATA / "npy" / name
    code = NPY[name]["code"]
    for reader, read in _npy_readers(path).items():
        with pytest.raises(ag.ArrayGuardError) as info:
            read()
        assert info.value.code == code, reader
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.check_npy(path)
    assert info.value.code == code


# ---------------------------------------------------------------------------------------------
# .npz


def _npz_rows():
    ok, bad = {}, {}
    for name, fields in read_table(DATA / "npz" / "expected.txt"):
        if name.startswith("ok_"):
            ok.setdefault(name, [])
            if "member" in fields:
                ok[name].append(fields)
            else:
                assert int(fields["members"]) >= 0
        else:
            bad[name] = fields
    return ok, bad


NPZ_OK, NPZ_BAD = _npz_rows()


def _npz_sources(path):
    data = path.read_bytes()
    return {
        "path": lambda: path,
        "str": lambda: str(path),
        "bytes": lambda: data,
        "bytearray": lambda: bytearray(data),
        "BytesIO": lambda: io.BytesIO(data),
        "file": lambda: open(path, "rb"),
    }


def _limits(fields):
    if "limits" not in fields:
        return None
    kw = {}
    for pair in fields["limits"].split(","):
        key, _, value = pair.partition("=")
        kw[key] = int(value)
    return ag.Limits(**kw)


def _member(text):
    # expected.txt writes a name with control characters as Rust's escape_debug does, and so
    # does the error's location (names in errors are escaped: they end up in logs).
    return text


@pytest.mark.parametrize("name", sorted(NPZ_OK))
def test_npz_ok(name):
    path = DATA / "npz" / name
    members = NPZ_OK[name]
    with np.load(path, allow_pickle=False) as archive:
        reference = {k: archive[k] for k in archive.files}
    for source, make in _npz_sources(path).items():
        src = make()
        try:
            arrays = ag.load_npz(src)
        finally:
            if hasattr(src, "close"):
                src.close()
        assert list(arrays) == [m["array"] for m in members], source
        for m in members:
            array = arrays[m["array"]]
            assert_same_bits(array, reference[m["array"]])
            assert array.flags.c_contiguous
            assert array.shape == parse_shape(m["shape"])
            assert array.size == int(m["count"])
            assert array.nbytes == int(m["nbytes"])
    for m in members:
        assert fnv1a64(arrays[m["array"]]) == m["fnv1a64"], m["array"]
    kept = ag.load_npz(path, c_order=False)
    for m in members:
        array = kept[m["array"]]
        assert_same_bits(array, reference[m["array"]])
        if m["fortran_order"] == "True" and array.ndim > 1 and array.size > 1:
            assert array.flags.f_contiguous and not array.flags.c_contiguous
    verdicts = ag.check_npz(path)
    assert [(v["array"], v["member"], v["ok"], v["error"]) for v in verdicts] == [
        (m["array"], m["member"], True, None) for m in members
    ]


@pytest.mark.parametrize("name", sorted(NPZ_BAD))
def test_npz_bad(name):
    path = DATA / "npz" / name
    fields = NPZ_BAD[name]
    code = fields["code"]
    limits = _limits(fields)
    for source, make in _npz_sources(path).items():
        src = make()
        try:
            with pytest.raises(ag.ArrayGuardError) as info:
                ag.load_npz(src, limits=limits)
        finally:
            if hasattr(src, "close"):
                src.close()
        error = info.value
        assert error.code == code, source
        if "member" in fields:
            assert error.location["member"] == _member(fields["member"]), source
    # check_npz: an archive refused as a whole raises; a member's error is its verdict.
    try:
        verdicts = ag.check_npz(path, limits=limits)
    except ag.ArrayGuardError as error:
        assert error.code == code
        return
    failed = [v for v in verdicts if not v["ok"]]
    assert failed, verdicts
    first = failed[0]
    assert isinstance(first["error"], ag.ArrayGuardError)
    assert first["error"].code == code
    assert first["member"] == _member(fields["member"])


def test_npz_limits_are_needed():
    # The cases with `limits=` in expected.txt pass under the defaults.
    for name, fields in NPZ_BAD.items():
        if "limits" in fields:
            arrays = ag.load_npz(DATA / "npz" / name)
            assert arrays


# ---------------------------------------------------------------------------------------------
# raw buffers

_KIND = {"bool": "b1", "i8": "i1", "u8": "u1", "i16": "i2", "u16": "u2", "i32": "i4", "u32": "u4",
         "i64": "i8", "u64": "u8", "f16": "f2", "f32": "f4", "f64": "f8", "complex64": "c8",
         "complex128": "c16"}


def _raw_kwargs(fields):
    kw = {}
    if "typestr" in fields:
        kw["dtype"] = fields["typestr"]
    elif "typecode" in fields:
        kw["typecode"] = fields["typecode"]
        kw["platform"] = fields["platform"]
    else:
        name, order = fields["dtype"], fields["byteorder"]
        if order == "little" or name not in _KIND:
            # The library's own name, native (little) order, as a NumPy dtype: a `dtype`
            # argument reads strings as NumPy does, where `i8` is int64.
            kw["dtype"] = NAMES.get(name, name)
        else:
            kind = _KIND[name]
            kw["dtype"] = ("|" if kind.endswith("1") else ">") + kind
    shape = fields["shape"]
    if shape == "()":
        kw["shape"] = ()
    elif shape == "?":
        kw["shape"] = None
    else:
        kw["shape"] = tuple(None if p == "?" else int(p) for p in shape.split(","))
    kw["order"] = fields["order"]
    return kw


@pytest.mark.parametrize("name", _ok(RAW))
def test_raw_ok(name):
    path = DATA / "raw" / name
    fields = RAW[name]
    kw = _raw_kwargs(fields)
    data = path.read_bytes()
    for source in (data, bytearray(data), memoryview(data)):
        array = ag.loads_raw(source, **kw)
        assert array.dtype.isnative
        assert array.flags.c_contiguous
        assert array.shape == parse_shape(fields["result_shape"])
        assert array.size == int(fields["count"])
        assert fnv1a64(array) == fields["fnv1a64"]
    kept = ag.loads_raw(data, c_order=False, **kw)
    assert_same_bits(np.array(kept, order="C"), array)
    if fields["order"] == "F" and array.ndim > 1 and array.size > 1:
        assert kept.flags.f_contiguous and not kept.flags.c_contiguous
    # NumPy reads the same bytes alike (where NumPy can: typestrs of a fixed size).
    if "typestr" in fields and "?" not in fields["shape"] and array.size:
        theirs = np.frombuffer(data, dtype=fields["typestr"]).reshape(array.shape, order=fields["order"])
        assert_same_bits(array, theirs)


@pytest.mark.parametrize("name", _bad(RAW))
def test_raw_bad(name):
    path = DATA / "raw" / name
    fields = RAW[name]
    data = path.read_bytes()
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_raw(data, **_raw_kwargs(fields))
    assert info.value.code == fields["code"]


# ---------------------------------------------------------------------------------------------
# JSON


def _json_kwargs(fields):
    kw = {"allow_nan": fields["allow_nan"] == "1"}
    if fields["form"] == "nested":
        kw["dtype"] = NAMES[fields["dtype"]]
    return kw


@pytest.mark.parametrize("name", _ok(JSON))
def test_json_ok(name):
    path = DATA / "json" / name
    fields = JSON[name]
    data = path.read_bytes()
    kw = _json_kwargs(fields)
    sources = [data, bytearray(data), memoryview(data), data.decode("utf-8")]
    for source in sources:
        array = ag.loads_json(source, **kw)
        assert array.dtype == NAMES[fields["dtype"]]
        assert array.shape == parse_shape(fields["shape"])
        # An `"order": "F"` envelope comes out in C order, as from every other reader.
        assert array.flags.c_contiguous
        assert fnv1a64(array) == fields["fnv1a64"]
    # The spec form gives the same array; so does the parsed value through from_json_value.
    spec = ag.ArraySpec(dtype=NAMES[fields["dtype"]].name)
    assert_same_bits(ag.loads_json(data, spec, allow_nan=kw["allow_nan"]), array)
    # The parsed value through from_json_value (nested lists, or the envelope dict) gives the
    # same array. ok_f2_rounding is left out: Python's json rounds those texts to double first,
    # and a second rounding to f16 differs (README.md).
    if name != "ok_f2_rounding.json":
        value = json.loads(data)
        spec_or_none = spec if fields["form"] == "nested" else None
        assert_same_bits(ag.from_json_value(value, spec_or_none, allow_nan=kw["allow_nan"]), array)


@pytest.mark.parametrize("name", _bad(JSON))
def test_json_bad(name):
    path = DATA / "json" / name
    fields = JSON[name]
    data = path.read_bytes()
    kw = _json_kwargs(fields)
    if fields["form"] == "envelope" and data.lstrip().startswith(b"["):
        # loads_json tells the forms apart by the first byte: this is nested JSON to it, and
        # without a dtype it is refused as such.
        with pytest.raises(ag.ArrayGuardError) as info:
            ag.loads_json(data, **kw)
        assert info.value.code == "config.invalid_spec"
        assert ag.loads_json(data, dtype="f8").shape == (2,)
        return
    sources = [data, bytearray(data)]
    try:
        sources.append(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    for source in sources:
        with pytest.raises(ag.ArrayGuardError) as info:
            ag.loads_json(source, **kw)
        error = info.value
        assert error.code == fields["code"], type(source)
        if "path" in fields:
            assert error.location["json_path"] == fields["path"]
