"""The Python API's contract: ArrayGuardError and its attributes, spec and usage errors, the
buffers accepted (copied when writable), arrays that own their memory without a copy, and the
peak memory of a large read."""

from __future__ import annotations

import array as pyarray
import gc
import io
import sys
import weakref

import numpy as np
import pytest

import arrayguard as ag
from conftest import DATA, HOSTILE, MB, assert_same_bits, measure, record


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# the module


def test_public_names():
    for name in ag.__all__:
        assert hasattr(ag, name), name
    assert ag.loads_npy.__doc__


def test_limits():
    default = ag.Limits()
    assert default.max_bytes == 256 << 20
    assert default.max_elements == 1 << 28
    assert default.max_header_bytes == 10_000
    assert default.max_depth == 64
    assert default == ag.Limits()
    assert ag.Limits(max_bytes=10).max_bytes == 10
    assert ag.Limits(max_bytes=10) != default
    assert set(default.to_dict()) == {
        "max_bytes", "max_elements", "max_ndim", "max_header_bytes", "max_depth",
        "max_input_bytes", "max_members", "max_archive_bytes", "max_compression_ratio",
    }
    assert ag.Limits.unlimited().max_bytes == 2**64 - 1
    assert "max_bytes=10" in repr(ag.Limits(max_bytes=10))
    with pytest.raises((OverflowError, TypeError)):
        ag.Limits(max_bytes=-1)


def test_array_spec():
    spec = ag.ArraySpec(dtype=["f4", "f8"], shape="*batch 3", values={"min": 0, "max": 1})
    assert spec.to_dict() == {"dtype": ["f32", "f64"], "shape": "*batch 3",
                              "values": {"min": 0.0, "max": 1.0}}
    assert "ArraySpec(" in repr(spec)
    assert isinstance(spec.json_schema(), dict)
    ok = ag.loads_npy(npy_bytes(np.full((2, 3), 0.5)), spec)
    assert ok.shape == (2, 3)
    for bad, code in [
        (np.full((2, 4), 0.5), "spec.shape"),
        (np.full((2, 3), 0.5, dtype="f2"), "spec.dtype"),
        (np.full((2, 3), 1.5), "value.above_max"),
    ]:
        with pytest.raises(ag.ArrayGuardError) as info:
            ag.loads_npy(npy_bytes(bad), spec)
        assert info.value.code == code
        assert info.value.fault == "mismatch"


def test_spec_files():
    spec = ag.ArraySpec.from_file(DATA / "specs" / "ok_minimal.toml")
    assert isinstance(spec, ag.ArraySpec)
    bundle = ag.BundleSpec.from_file(DATA / "specs" / "ok_features_labels.toml")
    assert bundle.names
    assert isinstance(bundle.array(bundle.names[0]), ag.ArraySpec)
    with pytest.raises(ag.ArrayGuardError) as info:
        bundle.array("no such array")
    assert info.value.code == "usage.invalid_argument"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.ArraySpec.from_file(DATA / "specs" / "bad_syntax.toml")
    assert info.value.fault == "config"


# ---------------------------------------------------------------------------------------------
# errors


def test_error_is_a_value_error_with_attributes():
    assert issubclass(ag.ArrayGuardError, ValueError)
    with pytest.raises(ValueError) as info:
        ag.loads_json("[1, [2]]", dtype="f8")
    e = info.value
    assert isinstance(e, ag.ArrayGuardError)
    assert e.code == "json.ragged"
    assert e.fault == "input"
    assert e.offset == 4
    assert set(e.location) == {"offset", "json_path", "line", "column", "member", "array"}
    assert e.location["json_path"] == "[1]"
    assert (e.location["line"], e.location["column"]) == (1, 5)
    assert "[1]" in str(e)


def test_error_faults():
    cases = [
        (lambda: ag.load_npy(HOSTILE / "huge_header.npy"), "npy.header_too_large", "limit"),
        (lambda: ag.load_npy(HOSTILE / "claims_8gb.npy"), "limit.elements", "limit"),
        (lambda: ag.load_npy(HOSTILE / "pickle.npy"), "dtype.pickle_not_allowed", "input"),
        (lambda: ag.load_npy(HOSTILE / "wrapping_shape.npy"), "shape.overflow", "input"),
        (lambda: ag.load_npy(DATA / "npy" / "no_such_file.npy"), None, "io"),
        (lambda: ag.loads_npy(npy_bytes(np.zeros(3)), ag.ArraySpec(dtype="i4")), "spec.dtype", "mismatch"),
        (lambda: ag.ArraySpec(dtype="nope"), "config.invalid_spec", "config"),
        (lambda: ag.loads_npy("text"), "usage.invalid_argument", "usage"),
    ]
    for call, code, fault in cases:
        with pytest.raises(ag.ArrayGuardError) as info:
            call()
        if code is not None:
            assert info.value.code == code
        assert info.value.fault == fault, (info.value.code, info.value.fault)
        assert isinstance(info.value.location, dict)


def test_error_offset_of_a_header():
    data = bytearray(npy_bytes(np.zeros(3)))
    at = data.index(b"'descr'")
    data[at + 1] = ord("D")  # an unknown key
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_npy(bytes(data))
    assert info.value.code == "npy.invalid_header"
    assert info.value.offset is not None and 10 <= info.value.offset <= at + 8
    assert info.value.location["offset"] == info.value.offset


def test_npz_error_location():
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.load_npz(DATA / "npz" / "bad_member_object.npz")
    e = info.value
    assert e.code == "dtype.pickle_not_allowed"
    assert e.location["member"] == "obj.npy"


def test_spec_error():
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.ArraySpec(dtype="nope")
    assert info.value.code == "config.invalid_spec"
    assert info.value.fault == "config"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.ArraySpec(shape="*a *b")
    assert info.value.code == "config.invalid_spec"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.ArraySpec(order="Z")
    assert info.value.code == "config.invalid_spec"


def test_usage_errors():
    cases = [
        lambda: ag.loads_raw(b"\0" * 8, typecode="l"),  # no platform: never guessed
        lambda: ag.loads_raw(b"\0" * 8),  # neither dtype nor typecode
        lambda: ag.loads_raw(b"\0" * 8, dtype="<f8", typecode="d", platform="linux-x86_64"),
        lambda: ag.loads_raw(b"\0" * 8, dtype="<f8", order="X"),
        lambda: ag.loads_raw(b"\0" * 8, dtype="<f8", shape=(-2,)),
        lambda: ag.loads_npy("a str is not bytes"),
        lambda: ag.loads_npy(12345),
        lambda: ag.load_npy(12345),
        lambda: ag.dumps_npy(np.array(["text"])),
        lambda: ag.dumps_npy(np.array([1, None], dtype=object)),
        lambda: ag.check_npz(DATA / "npz" / "ok_comment.npz", spec="not a spec"),
    ]
    for call in cases:
        with pytest.raises(ag.ArrayGuardError) as info:
            call()
        assert info.value.code == "usage.invalid_argument"
        assert info.value.fault == "usage"
        assert set(info.value.location) == {"offset", "json_path", "line", "column", "member", "array"}
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_raw(b"\0" * 8, typecode="l")
    assert "platform" in str(info.value)


def test_typecode_platforms():
    linux = pyarray.array("l", [1, -2, 2**40])
    assert linux.itemsize == 8  # this suite runs on Linux x86-64, as the fixtures were written
    same = ag.loads_raw(linux, typecode="l", platform="linux-x86_64")
    assert same.dtype == np.int64 and same.tolist() == [1, -2, 2**40]
    # Read as Windows wrote it, `l` is 4 bytes: the 24 bytes are six int32, reinterpreted as
    # documented (tests/data/raw/README.md, ok_array_l_linux_read_as_windows.bin).
    windows = ag.loads_raw(linux, typecode="l", platform="windows-x86_64")
    assert windows.dtype == np.int32
    assert windows.tolist() == [1, 0, -2, -1, 0, 256]
    # An odd number of 4-byte items is not a whole number of 8-byte ones.
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_raw(pyarray.array("i", [1, 2, 3]), typecode="l", platform="linux-x86_64")
    assert info.value.code == "data.length_mismatch"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_raw(linux, typecode="l", platform="linux")
    assert info.value.code == "usage.invalid_layout"


def test_raw_dtype_spellings():
    data = np.arange(6, dtype="<f4").tobytes()
    for dtype in ["<f4", "float32", "f32", np.float32, np.dtype("<f4")]:
        a = ag.loads_raw(data, dtype=dtype, shape=(2, 3))
        assert a.dtype == np.float32 and a.shape == (2, 3)
        assert a.tolist() == [[0, 1, 2], [3, 4, 5]]
    for shape in [None, -1, (None,), (-1,), [-1]]:
        assert ag.loads_raw(data, dtype="<f4", shape=shape).shape == (6,)
    assert ag.loads_raw(data, dtype="<f4", shape=(None, 2)).shape == (3, 2)
    assert ag.loads_raw(data, dtype="<f4", shape=6).shape == (6,)
    f = ag.loads_raw(data, dtype="<f4", shape=(2, 3), order="F")
    assert f.tolist() == [[0, 2, 4], [1, 3, 5]]
    assert f.flags.c_contiguous
    assert ag.loads_raw(data, dtype="<f4", shape=(2, 3), order="F", c_order=False).flags.f_contiguous


def test_dtype_arguments():
    # Strings are read by the library (every unambiguous name or type string); NumPy dtypes
    # and types by their type string. `i8` and `u8` are refused: int64/uint64 to NumPy,
    # int8/uint8 to arrayguard.
    assert ag.loads_raw(b"\1" * 8, dtype="f8").dtype == np.float64
    assert ag.loads_raw(b"\1" * 8, dtype="<i8").dtype == np.int64
    assert ag.loads_raw(b"\1" * 8, dtype="int64").dtype == np.int64
    assert ag.loads_raw(b"\1" * 8, dtype="int8").dtype == np.int8
    assert ag.loads_raw(b"\1" * 8, dtype=np.dtype("i8")).dtype == np.int64
    assert ag.loads_raw(b"\1" * 8, dtype=np.int64).dtype == np.int64
    assert ag.loads_raw(b"\1" * 8, dtype="f32").dtype == np.float32
    assert ag.loads_raw(b"\1" * 8, dtype="i64").dtype == np.int64
    for ambiguous in ["i8", "u8"]:
        for call in (
            lambda: ag.loads_raw(b"\1" * 8, dtype=ambiguous),
            lambda: ag.loads_json("[1, 2]", dtype=ambiguous),
            lambda: ag.from_json_value([1, 2], dtype=ambiguous),
        ):
            with pytest.raises(ag.ArrayGuardError) as info:
                call()
            assert info.value.code == "config.invalid_spec" and "NumPy" in str(info.value)
    # Platform-dependent type strings stay refused, as everywhere in arrayguard.
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_raw(b"\1" * 8, dtype="<l")
    assert info.value.code == "dtype.invalid"


def test_array_spec_refuses_the_ambiguous_names():
    # In spec files `i8` is int8; to NumPy it is int64: ArraySpec takes neither reading.
    for name in ["i8", "u8", ["f4", "i8"]]:
        with pytest.raises(ag.ArrayGuardError) as info:
            ag.ArraySpec(dtype=name)
        assert info.value.code == "config.invalid_spec"
        assert "NumPy" in str(info.value)
    assert ag.ArraySpec(dtype="int64").to_dict()["dtype"] == "i64"
    assert ag.ArraySpec(dtype="<i8").to_dict()["dtype"] in ("i64", "<i8")


# ---------------------------------------------------------------------------------------------
# JSON specifics


def test_json_forms():
    assert ag.loads_json("2.5", dtype="f8").shape == ()
    assert ag.loads_json(b"[[1, 2], [3, 4]]", dtype=np.int16).dtype == np.int16
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_json("[1, 2]")  # nested arrays carry no dtype
    assert info.value.code == "config.invalid_spec"
    env = '{"dtype": "<f4", "shape": [2], "data": [1, 2]}'
    assert ag.loads_json(env).dtype == np.float32
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_json(env, dtype="f8")
    assert info.value.code == "spec.dtype"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_json("[1, NaN]", dtype="f8")
    assert info.value.code == "json.unexpected_token"
    nan = ag.loads_json("[1, NaN, -Infinity]", dtype="f8", allow_nan=True)
    assert np.isnan(nan[1]) and nan[2] == -np.inf
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_json("[" * 100_000, dtype="f8")
    assert info.value.code == "limit.depth"


def test_json_input_limit():
    text = "[" + ",".join(["1"] * 1000) + "]"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_json(text, dtype="f8", limits=ag.Limits(max_input_bytes=1000))
    assert info.value.code.startswith("limit.")


def test_from_json_value_nested():
    a = ag.from_json_value([[1.5, 2.5], [3.5, 4.5]], dtype="f4")
    assert a.dtype == np.float32 and a.tolist() == [[1.5, 2.5], [3.5, 4.5]]
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.from_json_value([[1, 2], [3]], dtype="f8")
    assert info.value.code == "json.ragged"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.from_json_value([1, 128], dtype="int8")
    assert info.value.code == "json.number_out_of_range"


def test_from_json_value_envelope():
    a = ag.from_json_value({"dtype": "<f4", "shape": [2], "data": [1, 2]})
    assert a.tolist() == [1.0, 2.0]


def test_json_envelope_fortran_comes_out_c_order():
    a = ag.loads_json((DATA / "json" / "ok_env_flat_fortran_f4.json").read_bytes())
    assert a.flags.c_contiguous
    kept = ag.loads_json((DATA / "json" / "ok_env_flat_fortran_f4.json").read_bytes(), c_order=False)
    assert kept.flags.f_contiguous and np.array_equal(kept, a)


def test_dumps_json():
    assert ag.dumps_json(np.array([[1, 2], [3, 4]], dtype=np.int8)) == "[[1,2],[3,4]]"
    assert ag.dumps_json(np.array([True, False])) == "[true,false]"
    assert ag.dumps_json(np.float64(2.5)) == "2.5"
    assert ag.dumps_json(np.array([0.1], dtype=np.float32)) == "[0.1]"
    assert ag.dumps_json(np.array([1 + 2j])) == "[[1.0,2.0]]"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.dumps_json(np.array([np.nan]))
    assert info.value.code == "data.not_representable"
    assert ag.dumps_json(np.array([np.nan, np.inf, -np.inf]), allow_nan=True) == "[NaN,Infinity,-Infinity]"
    assert ag.dumps_json([1.5, 2.5]) == "[1.5,2.5]"  # array-likes too


# ---------------------------------------------------------------------------------------------
# buffers and memory ownership


def test_buffer_kinds():
    a = np.arange(12, dtype="<f8").reshape(3, 4)
    data = npy_bytes(a)
    for source in [data, bytearray(data), memoryview(data), memoryview(bytearray(data)),
                   pyarray.array("B", data), np.frombuffer(data, dtype=np.uint8)]:
        assert_same_bits(ag.loads_npy(source), a)
    # a non-contiguous view is read as its bytes in order
    strided = memoryview(bytes(2 * len(data)))[::2]
    with pytest.raises(ag.ArrayGuardError):
        ag.loads_npy(strided)


def test_writable_input_is_copied_before_parsing():
    a = np.arange(1000, dtype="<i4")
    for make in (bytearray, lambda d: pyarray.array("B", d), lambda d: np.frombuffer(d, np.uint8).copy()):
        buf = make(npy_bytes(a))
        out = ag.loads_npy(buf)
        view = memoryview(buf).cast("B")
        view[len(view) - 4000:] = bytes(4000)  # zero the payload after the call
        assert out.tolist() == list(range(1000))
    raw = bytearray(a.tobytes())
    out = ag.loads_raw(raw, dtype="<i4")
    raw[:] = bytes(len(raw))
    assert out.tolist() == list(range(1000))
    text = bytearray(b"[1, 2, 3]")
    out = ag.loads_json(text, dtype="i4")
    text[1] = ord("9")
    assert out.tolist() == [1, 2, 3]


def test_array_owns_its_memory_without_a_copy():
    a = np.linspace(0, 1, 100_000)
    data = npy_bytes(a)
    out = ag.loads_npy(data)
    base = out.base
    assert base is not None and not isinstance(base, (np.ndarray, bytes, bytearray, memoryview))
    assert type(base).__name__ == "Payload"
    assert not out.flags.owndata
    # The payload is not a view into the input: the input can go.
    assert not np.shares_memory(out, np.frombuffer(data, dtype=np.uint8))
    ref = weakref.ref(base) if hasattr(type(base), "__weakref__") else None
    del data, base
    gc.collect()
    junk = [bytes(1 << 20) for _ in range(20)]  # reuse freed memory
    assert np.array_equal(out, a)
    del junk
    # views keep the owner alive too
    view = out[10:20]
    del out
    gc.collect()
    assert np.array_equal(view, a[10:20])
    assert sys.getrefcount(view.base) >= 2
    if ref is not None:
        assert ref() is not None


def test_returned_arrays_are_independent():
    data = npy_bytes(np.arange(10.0))
    x, y = ag.loads_npy(data), ag.loads_npy(data)
    assert not np.shares_memory(x, y)
    x[:] = -1  # writable, and writing one does not touch the other
    assert y.tolist() == list(np.arange(10.0))


def test_npz_arrays_own_their_memory():
    arrays = ag.load_npz(DATA / "npz" / "ok_savez.npz")
    bases = {id(a.base) for a in arrays.values()}
    assert len(bases) == len(arrays)
    for a in arrays.values():
        assert type(a.base).__name__ == "Payload"


def test_peak_memory_of_an_80_mb_read(tmp_path):
    """Zero copy: loading an 80 MB .npy from bytes holds the input and the output once (peak ≤
    input + 1.1 × output), measured in a fresh process."""
    path = tmp_path / "big.npy"
    np.save(path, np.sin(np.arange(10_000_000, dtype="<f8")))
    setup = f"data = open({str(path)!r}, 'rb').read()"
    case = """
        out = ag.loads_npy(data)
        result["nbytes"] = out.nbytes
        result["base"] = type(out.base).__name__
    """
    m = measure(setup, case)
    assert m["error"] is None
    assert m["base"] == "Payload"
    output = m["nbytes"]
    record("peak growth, loads_npy of 80 MB bytes (input already held)",
           f"{m['growth'] / MB:.1f} MB for {output / MB:.1f} MB of output "
           f"({m['growth'] / output:.3f}× output; HWM reset: {m['reset']})")
    assert m["growth"] <= 1.1 * output


def test_peak_memory_of_an_80_mb_path_read(tmp_path):
    path = tmp_path / "big.npy"
    np.save(path, np.sin(np.arange(10_000_000, dtype="<f8")))
    m = measure("", f"out = ag.load_npy({str(path)!r}); result['nbytes'] = out.nbytes")
    assert m["error"] is None
    record("peak growth, load_npy(path) of an 80 MB file",
           f"{m['growth'] / MB:.1f} MB for {m['nbytes'] / MB:.1f} MB of output")
    assert m["growth"] <= 1.1 * m["nbytes"]
