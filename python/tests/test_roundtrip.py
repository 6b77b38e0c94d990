"""Round trips over generated arrays (hypothesis): bool, signed and unsigned integers, f16, f32,
f64, complex64 and complex128, in both byte orders, 0-d, empty and up to 4-d, C and F order."""

from __future__ import annotations

import io
import json

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
from hypothesis import given

import arrayguard as ag
from conftest import DATA, assert_same_bits, table

DTYPES = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(endianness="?"),
    hnp.unsigned_integer_dtypes(endianness="?"),
    hnp.floating_dtypes(endianness="?", sizes=(16, 32, 64)),
    hnp.complex_number_dtypes(endianness="?", sizes=(64, 128)),
)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)


@st.composite
def arrays(draw, finite=False):
    dtype = draw(DTYPES)
    elements = None
    if finite and dtype.kind in "fc":
        elements = hnp.from_dtype(dtype, allow_nan=False, allow_infinity=False)
    a = draw(hnp.arrays(dtype, SHAPES, elements=elements))
    if draw(st.booleans()):
        a = np.asfortranarray(a)
    return a


def numpy_save(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


@given(arrays())
def test_npy_roundtrip(a):
    data = ag.dumps_npy(a)
    assert data == numpy_save(a)
    assert_same_bits(ag.loads_npy(data), a)
    kept = ag.loads_npy(data, c_order=False)
    assert_same_bits(np.array(kept, order="C"), a)
    if a.ndim > 1 and a.size > 1 and a.flags.f_contiguous and not a.flags.c_contiguous:
        assert kept.flags.f_contiguous and not kept.flags.c_contiguous


@given(arrays())
def test_raw_roundtrip(a):
    got = ag.loads_raw(a.tobytes(), dtype=a.dtype.str, shape=a.shape)
    assert_same_bits(got, a)
    got = ag.loads_raw(a.tobytes(order="F"), dtype=a.dtype.str, shape=a.shape, order="F")
    assert_same_bits(got, a)
    assert got.flags.c_contiguous


def _expected_json_shape(shape):
    # Nested JSON cannot say the sizes of the axes after an empty one: `[]` is (0,), whatever
    # (0, 3) it came from. The shape read back runs up to the first zero.
    out = []
    for n in shape:
        out.append(n)
        if n == 0:
            break
    return tuple(out)


def _pairs(value):
    # Python's json cannot write complex numbers: [re, im] pairs, as dumps_json writes them.
    if isinstance(value, list):
        return [_pairs(v) for v in value]
    if isinstance(value, complex):
        return [value.real, value.imag]
    return value


def _same_json_values(ours: str, theirs: str, dtype: np.dtype) -> None:
    a, b = json.loads(ours), json.loads(theirs)
    if dtype.kind in "fc":
        # Floats are written shortest for their own precision (an f32's 0.1 is "0.1", where
        # Python writes the double 0.10000000149011612): equal once read at that precision.
        real = np.dtype(f"f{dtype.itemsize // 2}") if dtype.kind == "c" else dtype
        x, y = np.array(a, dtype=real), np.array(b, dtype=real)
        assert x.shape == y.shape
        assert np.array_equal(x, y, equal_nan=True)
        assert np.array_equal(_signs(x), _signs(y))
    else:
        assert a == b


@given(arrays(finite=True))
def test_json_roundtrip(a):
    text = ag.dumps_json(a)
    _same_json_values(text, json.dumps(_pairs(a.tolist())), a.dtype)
    got = ag.loads_json(text, dtype=a.dtype)
    expected = a if a.size else np.zeros(_expected_json_shape(a.shape), a.dtype)
    assert_same_bits(got, expected)


@given(arrays())
def test_json_roundtrip_with_nan(a):
    text = ag.dumps_json(a, allow_nan=True)
    _same_json_values(text, json.dumps(_pairs(a.tolist())), a.dtype)
    got = ag.loads_json(text, dtype=a.dtype, allow_nan=True)
    assert got.shape == (a.shape if a.size else _expected_json_shape(a.shape))
    if a.size:
        # NaN payloads and NaN signs are not kept by text; everything else is (-0.0 too).
        assert np.array_equal(got, a, equal_nan=True)
        if a.dtype.kind in "fc":
            assert np.array_equal(_signs(_zero_nans(got)), _signs(_zero_nans(a)))


def _zero_nans(x):
    x = np.array(x, copy=True)
    if x.dtype.kind == "c":
        x.real[np.isnan(x.real)] = 0
        x.imag[np.isnan(x.imag)] = 0
    else:
        x[np.isnan(x)] = 0
    return x


def _signs(x):
    x = np.asarray(x)
    return np.stack([np.signbit(x.real), np.signbit(x.imag)]) if x.dtype.kind == "c" else np.signbit(x)


def test_npy_fixtures_write_back_as_numpy_does():
    # The special values (NaN payloads, signalling NaNs, subnormals) of every ok .npy fixture,
    # big-endian and Fortran ones included, written back byte for byte as numpy.save writes them.
    for name in table("npy"):
        if not name.startswith("ok_"):
            continue
        a = np.load(DATA / "npy" / name, allow_pickle=False)
        assert ag.dumps_npy(a) == numpy_save(a), name
        assert_same_bits(ag.loads_npy(ag.dumps_npy(a)), a)


def test_non_contiguous_arrays_are_written_in_c_order():
    a = np.arange(24, dtype=">i4").reshape(4, 6)[::2, ::3]
    assert ag.dumps_npy(a) == numpy_save(a)
    assert_same_bits(ag.loads_npy(ag.dumps_npy(a)), a)
    assert ag.dumps_json(a) == json.dumps(a.tolist()).replace(" ", "")
