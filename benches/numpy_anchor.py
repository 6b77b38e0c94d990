"""The Python anchors for benches/compare.sh: numpy.load and json + numpy on the same inputs
as the criterion benches, with a memcpy of the same byte count measured in the same run.

Prints one line per case: `name<TAB>median_seconds`.
"""

import io
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np


def median_time(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name, seconds):
    print(f"{name}\t{seconds:.9f}", flush=True)


def npy_cases(tmp):
    cases = [
        ("f64_1e7_le_c", np.sin(np.arange(10_000_000, dtype="<f8")) * 1e3, 15),
        ("f64_1e7_be_c", (np.sin(np.arange(10_000_000, dtype="<f8")) * 1e3).astype(">f8"), 15),
        ("f64_1e7_le_f", np.asfortranarray((np.sin(np.arange(10_000_000, dtype="<f8")) * 1e3).reshape(2000, 5000)), 15),
        ("f64_1e5_le_c", np.sin(np.arange(100_000, dtype="<f8")) * 1e3, 200),
    ]
    for name, array, repeat in cases:
        path = os.path.join(tmp, name + ".npy")
        np.save(path, array)
        data = open(path, "rb").read()
        payload = data[len(data) - array.nbytes:]
        report(f"{name}/python bytearray copy", median_time(lambda: bytearray(payload), repeat))
        report(f"{name}/numpy.load(path)", median_time(lambda: np.load(path), repeat))
        report(f"{name}/numpy.load(bytes)", median_time(lambda: np.load(io.BytesIO(data)), repeat))
        if array.dtype.byteorder == ">" or array.flags.f_contiguous and not array.flags.c_contiguous:
            report(
                f"{name}/numpy.load+native C",
                median_time(lambda: np.ascontiguousarray(np.load(path)).astype("=f8", copy=False), repeat),
            )


def npz_cases(tmp):
    cases = [
        ("npz_f64_1e7_stored", np.savez, 10_000_000, 15),
        ("npz_f64_1e6_deflated", np.savez_compressed, 1_000_000, 15),
    ]
    for name, save, n, repeat in cases:
        array = np.sin(np.arange(n, dtype="<f8")) * 1e3
        path = os.path.join(tmp, name + ".npz")
        save(path, x=array)

        def load():
            with np.load(path) as archive:
                return archive["x"]

        report(f"{name}/numpy.load(path)[x]", median_time(load, repeat))


def json_cases():
    rng = np.random.default_rng(20261127)
    flat = rng.standard_normal(1_000_000)
    text = json.dumps(flat.tolist())
    nested = json.dumps(flat.reshape(1000, 1000).tolist())
    payload = text.encode()
    report("json_f64_1e6_flat/python bytearray copy", median_time(lambda: bytearray(payload), 5))
    report("json_f64_1e6_flat/json+numpy", median_time(lambda: np.array(json.loads(text)), 5))
    report("json_f64_1e6_nested/json+numpy", median_time(lambda: np.array(json.loads(nested)), 5))
    try:
        import orjson
    except ImportError:
        print("# orjson is not installed: pip install orjson to add it", file=sys.stderr)
        return
    report("json_f64_1e6_flat/orjson+numpy", median_time(lambda: np.array(orjson.loads(payload)), 5))
    report("json_f64_1e6_nested/orjson+numpy", median_time(lambda: np.array(orjson.loads(nested)), 5))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        npy_cases(tmp)
        npz_cases(tmp)
    json_cases()
