"""The Python package against what Python users would otherwise write, for benches/compare.sh:
`arrayguard.loads_npy` vs `numpy.load(BytesIO)` (800 KB and 80 MB), `arrayguard.loads_json` vs
`json` / `orjson` + `numpy.asarray` and pydantic models (10^6 doubles), `arrayguard.loads_raw`
vs `numpy.frombuffer(...).copy()` (80 MB); every reader of a case on the same bytes in the same
run. Run with the interpreter that has the extension installed (compare.sh uses `.venv`).

Prints `case/reader<TAB>median_seconds` lines, then `#peak<TAB>case<TAB>reader<TAB>growth
<TAB>output_bytes` lines: the growth of the resident high-water mark during one read in a fresh
process that already holds the input (so peak = input + growth).
"""

import io
import json
import subprocess
import sys
import tempfile

import numpy as np

import arrayguard as ag
# The timing and the output format of the other anchors (this script's directory is on the path).
from numpy_anchor import median_time, report


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def npy_cases():
    for case, n, repeat in [("py_npy_f64_1e5_800KB", 100_000, 300), ("py_npy_f64_1e7_80MB", 10_000_000, 15)]:
        data = npy_bytes(np.sin(np.arange(n, dtype="<f8")) * 1e3)
        report(f"{case}/arrayguard.loads_npy", median_time(lambda: ag.loads_npy(data), repeat))
        report(f"{case}/numpy.load(BytesIO)", median_time(lambda: np.load(io.BytesIO(data)), repeat))


def raw_cases():
    case = "py_raw_f64_1e7_80MB"
    data = (np.sin(np.arange(10_000_000, dtype="<f8")) * 1e3).tobytes()
    report(f"{case}/arrayguard.loads_raw", median_time(lambda: ag.loads_raw(data, dtype="<f8"), 15))
    report(f"{case}/numpy.frombuffer.copy", median_time(lambda: np.frombuffer(data, dtype="<f8").copy(), 15))


def json_cases():
    case = "py_json_f64_1e6"
    rng = np.random.default_rng(20261127)
    flat = rng.standard_normal(1_000_000)
    text = json.dumps(flat.tolist())
    payload = text.encode()
    report(f"{case}/arrayguard.loads_json", median_time(lambda: ag.loads_json(payload, dtype="f8"), 7))
    report(f"{case}/json+numpy.asarray", median_time(lambda: np.asarray(json.loads(payload), dtype=np.float64), 5))
    try:
        import orjson
    except ImportError:
        print("# orjson is not installed: pip install orjson to add it", file=sys.stderr)
    else:
        report(f"{case}/orjson+numpy.asarray",
               median_time(lambda: np.asarray(orjson.loads(payload), dtype=np.float64), 7))
    try:
        from pydantic import BaseModel
    except ImportError:
        print("# pydantic is not installed", file=sys.stderr)
        return

    class Floats(BaseModel):
        x: list[float]

    body = ('{"x": ' + text + "}").encode()
    report(f"{case}/pydantic list[float]+numpy.asarray",
           median_time(lambda: np.asarray(Floats.model_validate_json(body).x, dtype=np.float64), 5))
    try:
        import pydantic_numpy.typing as pnd
    except ImportError:
        print("# pydantic-numpy is not installed: pip install pydantic-numpy to add it", file=sys.stderr)
        return

    class PnModel(BaseModel):
        x: pnd.Np1DArrayFp64

    # pydantic-numpy 9 reads JSON arrays only in its own form {"data_type", "data"}.
    body = ('{"x": {"data_type": "float64", "data": ' + text + "}}").encode()
    assert PnModel.model_validate_json(body).x.shape == (1_000_000,)
    report(f"{case}/pydantic-numpy Np1DArrayFp64", median_time(lambda: PnModel.model_validate_json(body).x, 5))


_PEAK = r"""
import sys, numpy as np, arrayguard as ag
def hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
data = open(sys.argv[1], "rb").read()
__WARM__  # the first call's one-time costs (module state, NumPy's C API) are not the read's
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
before = hwm()
out = __CALL__
print(hwm() - before, out.nbytes)
"""


def peaks():
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        npy = f"{tmp}/x.npy"
        np.save(npy, np.sin(np.arange(10_000_000, dtype="<f8")))
        small = "import io; np.save(small := io.BytesIO(), np.zeros(3)); small = small.getvalue(); "
        cases.append(("py_npy_f64_1e7_80MB", "arrayguard.loads_npy", npy, "ag.loads_npy(data)",
                      small + "ag.loads_npy(small)"))
        cases.append(("py_npy_f64_1e7_80MB", "numpy.load(BytesIO)", npy,
                      "np.load(io.BytesIO(data))", small + "np.load(io.BytesIO(small))"))
        raw = f"{tmp}/x.bin"
        np.sin(np.arange(10_000_000, dtype="<f8")).tofile(raw)
        cases.append(("py_raw_f64_1e7_80MB", "arrayguard.loads_raw", raw, "ag.loads_raw(data, dtype='<f8')",
                      "ag.loads_raw(bytes(8), dtype='<f8')"))
        js = f"{tmp}/x.json"
        with open(js, "w") as f:
            json.dump(np.random.default_rng(20261127).standard_normal(1_000_000).tolist(), f)
        # The warm-up text (1 MB) is read on threads too: the first such read pages in its code
        # and sets up the threads' allocator arenas, once per process.
        cases.append(("py_json_f64_1e6", "arrayguard.loads_json", js, "ag.loads_json(data, dtype='f8')",
                      "ag.loads_json(b'[' + b'1.5, ' * 200_000 + b'1.5]', dtype='f8')"))
        cases.append(("py_json_f64_1e6", "orjson+numpy.asarray", js,
                      "np.asarray(orjson.loads(data), dtype=np.float64)",
                      "import orjson; np.asarray(orjson.loads(b'[1.5]'), dtype=np.float64)"))
        for case, reader, path, call, warm in cases:
            script = _PEAK.replace("__CALL__", call).replace("__WARM__", warm)
            out = subprocess.run([sys.executable, "-c", script, path],
                                 capture_output=True, text=True)
            if out.returncode != 0:
                print(f"# peak {case}/{reader} failed: {out.stderr.strip()[-200:]}", file=sys.stderr)
                continue
            growth, nbytes = out.stdout.split()
            print(f"#peak\t{case}\t{reader}\t{growth}\t{nbytes}", flush=True)


if __name__ == "__main__":
    npy_cases()
    raw_cases()
    json_cases()
    peaks()
