"""Hostile inputs are refused with their code and without allocating what they declare: each
case runs in a fresh interpreter that measures the growth of its resident high-water mark
(VmHWM, which sees Rust's allocations; tracemalloc would not) across the call. The figures are
printed in the run's summary ("arrayguard measurements")."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import arrayguard as ag
from conftest import DATA, HOSTILE, MB, REPO, measure, record

GROWTH_LIMIT = 50 * MB

HUGE_HEADER = HOSTILE / "huge_header.npy"  # 14 bytes: version 2.0, header length 0xFFFFFFFF
CLAIMS_8GB = HOSTILE / "claims_8gb.npy"  # 144 bytes: '<f8', (1000000000,), 16 payload bytes
DEEP = DATA / "json" / "bad_deep_open.json"  # 100 000 `[`
BOMB = DATA / "npz" / "bad_zip_bomb.npz"  # 1 MB deflating to 1 GiB of zeros

U = "ag.Limits.unlimited()"

CASES = [
    # (label, setup, call, expected code)
    ("14-byte file declaring a 4 GiB header, bytes", f"data = open({str(HUGE_HEADER)!r}, 'rb').read()",
     "ag.loads_npy(data)", "npy.header_too_large"),
    ("14-byte file declaring a 4 GiB header, path", "", f"ag.load_npy({str(HUGE_HEADER)!r})",
     "npy.header_too_large"),
    ("14-byte file declaring a 4 GiB header, inspect_npy", "", f"ag.inspect_npy({str(HUGE_HEADER)!r})",
     "npy.header_too_large"),
    ("14-byte file declaring a 4 GiB header, file object, unlimited",
     f"import io; data = io.BytesIO(open({str(HUGE_HEADER)!r}, 'rb').read())",
     f"ag.load_npy(data, limits={U})", "npy.invalid_header"),
    ("144-byte .npy declaring 8 GB, bytes", f"data = open({str(CLAIMS_8GB)!r}, 'rb').read()",
     "ag.loads_npy(data)", "limit.elements"),
    ("144-byte .npy declaring 8 GB, path", "", f"ag.load_npy({str(CLAIMS_8GB)!r})", "limit.elements"),
    ("144-byte .npy declaring 8 GB, bytes, unlimited", f"data = open({str(CLAIMS_8GB)!r}, 'rb').read()",
     f"ag.loads_npy(data, limits={U})", "data.truncated"),
    ("144-byte .npy declaring 8 GB, path, unlimited", "",
     f"ag.load_npy({str(CLAIMS_8GB)!r}, limits={U})", "data.truncated"),
    ("144-byte .npy declaring 8 GB, file object, unlimited",
     f"import io; data = io.BytesIO(open({str(CLAIMS_8GB)!r}, 'rb').read())",
     f"ag.load_npy(data, limits={U})", "data.truncated"),
    ("100 000 nested [, loads_json", f"data = open({str(DEEP)!r}, 'rb').read()",
     "ag.loads_json(data, dtype='f8')", "limit.depth"),
    ("100 000 nested [, loads_json, max_depth 10^6", f"data = open({str(DEEP)!r}, 'rb').read()",
     "ag.loads_json(data, dtype='f8', limits=ag.Limits(max_depth=1_000_000))", "limit.ndim"),
    ("100 000 nested [, loads_json, unlimited", f"data = open({str(DEEP)!r}, 'rb').read()",
     f"ag.loads_json(data, dtype='f8', limits={U})", "json.syntax"),
    ("100 000 nested lists, from_json_value", "v = []\nfor _ in range(100_000):\n    v = [v]",
     "ag.from_json_value(v, dtype='f8')", "limit.depth"),
    ("zip bomb npz (1 MB -> 1 GiB), load_npz(path)", "", f"ag.load_npz({str(BOMB)!r})", "limit.bytes"),
    ("zip bomb npz (1 MB -> 1 GiB), load_npz(bytes)", f"data = open({str(BOMB)!r}, 'rb').read()",
     "ag.load_npz(data)", "limit.bytes"),
    ("zip bomb npz (1 MB -> 1 GiB), load_npz(file object)", f"data = open({str(BOMB)!r}, 'rb')",
     "ag.load_npz(data)", "limit.bytes"),
    ("zip bomb npz (1 MB -> 1 GiB), check_npz", "",
     f"v = ag.check_npz({str(BOMB)!r}); result['error'] = v[0]['error'].code", "limit.bytes"),
    ("npz member declaring 8 GB, unlimited", "",
     f"ag.load_npz({str(DATA / 'npz' / 'bad_member_8gb.npz')!r}, limits={U})", "data.truncated"),
    ("JSON envelope declaring 8 GB, unlimited",
     f"data = open({str(DATA / 'json' / 'bad_env_claims_8gb.json')!r}, 'rb').read()",
     f"ag.loads_json(data, limits={U})", "json.ragged"),
    ("raw layout of 2^30 f8 (8 GiB) over 16 bytes, unlimited", "",
     f"ag.loads_raw(bytes(16), dtype='<f8', shape=(2**30,), limits={U})", "data.truncated"),
]


@pytest.mark.parametrize("label, setup, call, code", CASES, ids=[c[0] for c in CASES])
def test_refused_without_allocating(label, setup, call, code):
    m = measure(setup, call)
    record(f"hostile: {label}", f"{m['error']}, VmHWM growth {m['growth'] / MB:.2f} MB")
    assert m["error"] == code
    assert m["growth"] < GROWTH_LIMIT


def test_hostile_inputs_in_process():
    # The same refusals, in this process, through every entry point that takes them.
    for call in (lambda: ag.load_npy(HUGE_HEADER), lambda: ag.check_npy(HUGE_HEADER),
                 lambda: ag.loads_npy(HUGE_HEADER.read_bytes())):
        with pytest.raises(ag.ArrayGuardError) as info:
            call()
        assert info.value.code == "npy.header_too_large"
        assert info.value.fault == "limit"
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.check_npy(CLAIMS_8GB)
    assert info.value.code == "limit.elements"
    # the header alone is fine to look at
    facts = ag.inspect_npy(CLAIMS_8GB, limits=ag.Limits.unlimited())
    assert facts["shape"] == (1_000_000_000,) and facts["nbytes"] == 8_000_000_000


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120, cwd=REPO, env={"RUST_BACKTRACE": "0", "PATH": ""})


def test_more_than_32_dimensions_is_an_arrayguard_error():
    import io

    import numpy as np

    buf = io.BytesIO()
    np.save(buf, np.zeros((1,) * 40))
    with pytest.raises(ag.ArrayGuardError) as info:
        ag.loads_npy(buf.getvalue())
    # NumPy arrays made by the extension have at most 32 dimensions: refused from the header.
    assert info.value.code == "limit.ndim"


def test_more_than_32_dimensions_in_a_fresh_process():
    out = _run("""
        import io, numpy as np, arrayguard as ag
        buf = io.BytesIO(); np.save(buf, np.zeros((1,) * 40))
        try:
            ag.loads_npy(buf.getvalue())
        except Exception as e:
            print("caught", type(e).__name__)
        except BaseException as e:
            print("uncaught", type(e).__name__)
    """)
    assert out.returncode == 0, out.stderr
    # Record what happens, whichever it is, so the summary says it.
    record("40-dimensional .npy (1 element, 400 bytes)", out.stdout.strip())


def test_from_json_value_deep_unlimited_does_not_crash():
    out = _run("""
        import arrayguard as ag
        v = []
        for _ in range(100_000):
            v = [v]
        try:
            ag.from_json_value(v, dtype="f8", limits=ag.Limits.unlimited())
        except ag.ArrayGuardError as e:
            print(e.code)
    """)
    assert out.returncode == 0, (out.returncode, out.stderr[-500:])
