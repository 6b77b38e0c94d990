"""Shared helpers of the Python suite: fixture tables, bit-exact comparison, the FNV-1a hash the
fixtures' expected.txt files use, and memory measurement in fresh subprocesses.

Run from the repository root with the extension installed (``scripts/test`` does both):
``.venv/bin/python -m pytest python/tests``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import arrayguard

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
HOSTILE = REPO / "examples" / "data" / "hostile"

# Moderate example counts: the whole core suite stays well under 90 s on a shared 2-core box.
settings.register_profile(
    "arrayguard",
    max_examples=int(os.environ.get("ARRAYGUARD_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("arrayguard")

MB = 1_000_000

# The fixtures' dtype names (tests/data/json/expected.txt, tests/data/raw/expected.txt) as NumPy
# dtypes. These are the library's (Rust) names: `i8` is int8 there, not NumPy's int64.
NAMES = {
    "bool": np.dtype(np.bool_),
    "i8": np.dtype(np.int8),
    "i16": np.dtype(np.int16),
    "i32": np.dtype(np.int32),
    "i64": np.dtype(np.int64),
    "u8": np.dtype(np.uint8),
    "u16": np.dtype(np.uint16),
    "u32": np.dtype(np.uint32),
    "u64": np.dtype(np.uint64),
    "f16": np.dtype(np.float16),
    "f32": np.dtype(np.float32),
    "f64": np.dtype(np.float64),
    "complex64": np.dtype(np.complex64),
    "complex128": np.dtype(np.complex128),
}


def pytest_report_header(config):
    return [
        f"arrayguard from {Path(arrayguard.__file__).parent}",
        f"numpy {np.__version__}",
    ]


# ---------------------------------------------------------------------------------------------
# expected.txt tables


def read_table(path: Path) -> list[tuple[str, dict[str, str]]]:
    """Lines of an expected.txt: `name<TAB>key=value<TAB>...`, in file order."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, *fields = line.split("\t")
        row = {}
        for field in fields:
            key, _, value = field.partition("=")
            row[key] = value
        rows.append((name, row))
    return rows


def table(kind: str) -> dict[str, dict[str, str]]:
    """expected.txt of tests/data/<kind> as name -> fields (one line per file)."""
    return dict(read_table(DATA / kind / "expected.txt"))


def parse_shape(text: str) -> tuple[int, ...]:
    """`()`, `(7,)`, `(3,4)` -> tuple."""
    inner = text.strip("()")
    return tuple(int(p) for p in inner.split(",") if p)


# ---------------------------------------------------------------------------------------------
# values


def fnv1a64(array: np.ndarray) -> str:
    """The fixtures' hash: FNV-1a 64 of the elements in C order, each little-endian (bool one
    byte 0/1; complex real then imaginary part), as 16 lowercase hex digits."""
    a = np.ascontiguousarray(array)
    if a.dtype.kind == "b":
        data = a.view(np.uint8).tobytes()
    else:
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
    h = 0xCBF29CE484222325
    prime = 0x100000001B3
    mask = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        h = ((h ^ byte) * prime) & mask
    return f"{h:016x}"


def to_native(array: np.ndarray) -> np.ndarray:
    """The same values in native byte order, bit for bit (a byte swap, never a float cast, so
    NaN payloads survive)."""
    if array.dtype.byteorder not in ("=", "|") and not array.dtype.isnative:
        return array.byteswap().view(array.dtype.newbyteorder("="))
    return array


def assert_same_bits(ours: np.ndarray, theirs: np.ndarray) -> None:
    """`ours` (arrayguard's: native-endian) holds exactly `theirs` (any byte order): dtype,
    shape and every bit of every element (NaN payloads, -0.0)."""
    theirs = to_native(np.asarray(theirs))
    assert isinstance(ours, np.ndarray)
    assert ours.dtype.isnative
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    assert ours.shape == theirs.shape
    assert ours.tobytes(order="C") == theirs.tobytes(order="C")
    if ours.dtype.kind in "fc":
        assert np.array_equal(ours, theirs, equal_nan=True)
    else:
        assert np.array_equal(ours, theirs)


# ---------------------------------------------------------------------------------------------
# memory, measured in a fresh process

MEASUREMENTS: list[tuple[str, str]] = []


def record(label: str, text: str) -> None:
    """A figure for the end-of-run summary (pytest prints it after the results)."""
    MEASUREMENTS.append((label, text))


def pytest_terminal_summary(terminalreporter):
    if MEASUREMENTS:
        terminalreporter.section("arrayguard measurements")
        for label, text in MEASUREMENTS:
            terminalreporter.write_line(f"{label}: {text}")


_MEASURE = r"""
import gc, json, sys
import numpy as np
import arrayguard as ag

def status(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(key)

def reset_peak():
    # Linux >= 4.0: writing 5 resets the high-water mark to the current RSS.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False

__SETUP__
gc.collect()
reset = reset_peak()
before_hwm = status("VmHWM")
before_rss = status("VmRSS")
result = {"error": None}
try:
    __CASE__
except ag.ArrayGuardError as e:
    result["error"] = e.code
after_hwm = status("VmHWM")
result.update(before_hwm=before_hwm, before_rss=before_rss, after_hwm=after_hwm,
              growth=after_hwm - max(before_hwm, before_rss), reset=reset)
print(json.dumps(result))
"""


def measure(setup: str, case: str, timeout: float = 120) -> dict:
    """Runs `setup` then `case` in a fresh interpreter; returns the growth of the resident
    high-water mark (VmHWM) over what the process held before the case (`growth`, bytes), and
    the `error` code the case raised (None when it returned). `case` may set
    `result["..."]`."""
    script = _MEASURE.replace("__SETUP__", textwrap.dedent(setup).strip()).replace(
        "__CASE__", textwrap.indent(textwrap.dedent(case).strip(), "    ").lstrip()
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    assert out.returncode == 0, f"measuring subprocess failed ({out.returncode}):\n{out.stderr}"
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def measure_fn():
    return measure
