#!/usr/bin/env bash
# One table of read times and ratios against a memcpy of the same bytes measured in the same
# run: arrayguard and the Rust crates (criterion benches `npy` and `json`), NumPy and
# json/orjson (benches/numpy_anchor.py). The machine is shared and noisy: compare ratios
# within one table, not absolute times across runs.
#
# The Python package's rows (`py_*` cases: benches/python_bench.py, run with `.venv`'s python
# after scripts/python-env has built and installed the extension there) compare it with
# numpy.load, json/orjson + numpy.asarray, pydantic models and numpy.frombuffer.
#
# Usage: benches/compare.sh [criterion filter]
#        benches/compare.sh --python    # the Python package's rows and targets only (~1 min)
#        ARRAYGUARD_PYTHON=/path/to/python benches/compare.sh
#            # NumPy's anchors from that interpreter (it needs numpy), without building the
#            # Python package into .venv: the package's rows are left out
set -euo pipefail
cd "$(dirname "$0")/.."

python_only=
if [ "${1:-}" = "--python" ]; then
    python_only=1
    shift
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
touch "$out/python.tsv" "$out/bencher.txt" "$out/peak.tsv" "$out/check.txt"

python=.venv/bin/python
if [ -n "${ARRAYGUARD_PYTHON:-}" ]; then
    python=$ARRAYGUARD_PYTHON
    touch "$out/pypkg.tsv"
else
    scripts/python-env >&2
    # pydantic-numpy is optional (a row when it installs); python_bench.py says when it is
    # missing.
    .venv/bin/python -c "import pydantic_numpy" 2>/dev/null \
        || .venv/bin/python -m pip install --quiet --disable-pip-version-check pydantic-numpy >&2 \
        || echo "compare.sh: pydantic-numpy did not install; its row is left out" >&2
    # numpy uses huge pages on its own; OPENBLAS_* settings of this machine slow it, so drop
    # them for the Python runs only.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benches/python_bench.py > "$out/pypkg.tsv"
fi

if [ -z "$python_only" ]; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" benches/numpy_anchor.py > "$out/python.tsv"
    cargo bench --quiet --bench npy --bench json -- --warm-up-time 1 --measurement-time 5 \
        --output-format bencher ${1:+"$1"} 2>/dev/null > "$out/bencher.txt"
    cargo bench --quiet --bench peak_memory 2>/dev/null > "$out/peak.tsv"
    # The 1 GiB streaming check, on every thread and on one (time and peak per case).
    cargo bench --quiet --bench check_stream 2>/dev/null > "$out/check.txt"
fi
python3 - "$out/bencher.txt" "$out/check.txt" > "$out/rust.tsv" <<'PY'
import re, sys
for path in sys.argv[1:]:
    for line in open(path):
        m = re.match(r"^test (.+?) \.\.\. bench:\s+([\d,]+) ns/iter", line)
        if m:
            print(f"{m.group(1)}\t{int(m.group(2).replace(',', '')) / 1e9:.9f}")
PY

threads=$(nproc)
echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) processors available;" \
    "arrayguard threads: $(( threads < 8 ? threads : 8 )) (available_parallelism, at most 8);" \
    "transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
echo

PYTHON_ONLY="$python_only" python3 - "$out/peak.tsv" "$out/rust.tsv" "$out/python.tsv" "$out/pypkg.tsv" "$out/check.txt" <<'PY'
import os, sys
python_only = bool(os.environ.get("PYTHON_ONLY"))
peaks = {}
for line in open(sys.argv[1]):
    case, reader, peak, output = line.rstrip("\n").split("\t")
    peaks[(case, reader)] = (int(peak), int(output))
for path in (sys.argv[4], sys.argv[5]):
    for line in open(path):
        if line.startswith("#peak\t"):
            _, case, reader, peak, output = line.rstrip("\n").split("\t")
            peaks[(case, reader)] = (int(peak), int(output))
rows = {}
for path in sys.argv[2:5]:
    for line in open(path):
        if line.startswith("#") or "\t" not in line:
            continue
        name, seconds = line.rstrip("\n").split("\t")
        case, _, tool = name.partition("/")
        rows.setdefault(case, {})[tool] = float(seconds)


def fmt(s):
    return f"{s * 1e3:9.3f} ms" if s >= 1e-3 else f"{s * 1e6:9.1f} µs"


print("Times are medians; × memcpy divides by a memcpy of the same bytes into a buffer that is")
print("already mapped (the `memcpy` row of the case), measured in the same run. Peak: growth of")
print("the resident high-water mark during one read in a fresh process, in MB, input excluded.")
print()
print(f"| {'case':<22} | {'reader':<36} | {'median':>12} | {'× memcpy':>8} | {'peak MB':>8} |")
print(f"| {'-' * 22} | {'-' * 36} | {'-' * 12}: | {'-' * 7}: | {'-' * 7}: |")
for case in sorted(rows):
    tools = rows[case]
    anchor = tools.get("memcpy")
    for tool, seconds in sorted(tools.items(), key=lambda kv: kv[1]):
        ratio = f"{seconds / anchor:8.2f}" if anchor else "       –"
        peak = peaks.get((case, tool))
        peak = f"{peak[0] / 1e6:8.1f}" if peak else "       –"
        print(f"| {case:<22} | {tool:<36} | {fmt(seconds):>12} | {ratio} | {peak} |")


def get(case, tool):
    return rows.get(case, {}).get(tool)


def check(label, value, limit, unit, lower_is_better=True):
    if value is None:
        return f"| {label:<58} | {'–':>10} | {limit:>10} | not measured |"
    ok = value <= limit if lower_is_better else value >= limit
    return f"| {label:<58} | {value:>10.2f} | {limit:>10} | {'met' if ok else 'NOT MET'} |" + (f" {unit}" if unit else "")


def ratio(a, b):
    return a / b if a is not None and b else None


print()
print(f"| {'target':<58} | {'measured':>10} | {'limit':>10} | status |")
print(f"| {'-' * 58} | {'-' * 9}: | {'-' * 9}: | ------ |")
# The Python package (benches/python_bench.py).
print(check("py 800 KB .npy numpy.load(BytesIO) ÷ loads_npy (speed-up)",
            ratio(get("py_npy_f64_1e5_800KB", "numpy.load(BytesIO)"), get("py_npy_f64_1e5_800KB", "arrayguard.loads_npy")), 3.0, "", False))
print(check("py 80 MB .npy loads_npy ÷ numpy.load(BytesIO)",
            ratio(get("py_npy_f64_1e7_80MB", "arrayguard.loads_npy"), get("py_npy_f64_1e7_80MB", "numpy.load(BytesIO)")), 1.0, ""))
print(check("py 10^6 doubles orjson+numpy.asarray ÷ loads_json (speed-up)",
            ratio(get("py_json_f64_1e6", "orjson+numpy.asarray"), get("py_json_f64_1e6", "arrayguard.loads_json")), 1.8, "", False))
for case, reader in [("py_npy_f64_1e7_80MB", "arrayguard.loads_npy"), ("py_raw_f64_1e7_80MB", "arrayguard.loads_raw"),
                     ("py_json_f64_1e6", "arrayguard.loads_json")]:
    p = peaks.get((case, reader))
    print(check(f"{case} {reader.split('.')[1]}: peak beyond the input ÷ output", p[0] / p[1] if p else None, 1.1, ""))
if python_only:
    sys.exit(0)
big = "f64_1e7_le_c"
memcpy = get(big, "memcpy")
for reader in ["arrayguard/slice", "arrayguard/path", "arrayguard/raw_slice", "arrayguard/raw_path"]:
    print(check(f"80 MB f64 {reader}, × memcpy", ratio(get(big, reader), memcpy), 1.5, ""))
print(check("80 MB .npy arrayguard/path ÷ numpy.load(path)", ratio(get(big, "arrayguard/path"), get(big, "numpy.load(path)")), 1.0, ""))
print(check("80 MB .npy ndarray-npy/path ÷ arrayguard/path (speed-up)", ratio(get(big, "ndarray-npy/path"), get(big, "arrayguard/path")), 2.0, "", False))
small = "f64_1e5_le_c"
for reader in ["arrayguard/slice", "arrayguard/path"]:
    v = get(small, reader)
    print(check(f"1e5 .npy {reader}, µs", v * 1e6 if v else None, 30, ""))
print(check("1e5 .npy ndarray-npy/slice ÷ arrayguard/slice (speed-up)", ratio(get(small, "ndarray-npy/slice"), get(small, "arrayguard/slice")), 2.0, "", False))
print(check("1e5 .npy numpy.load(path) ÷ arrayguard/path (speed-up)", ratio(get(small, "numpy.load(path)"), get(small, "arrayguard/path")), 5.0, "", False))
native = get(big, "arrayguard/path")
print(check("80 MB >f8 path ÷ native <f8 path", ratio(get("f64_1e7_be_c", "arrayguard/path"), native), 1.3, ""))
print(check("80 MB F-order path+c_order ÷ native C path", ratio(get("f64_1e7_le_f", "arrayguard/path+c_order"), native), 1.3, ""))
print(check("80 MB F-order slice+c_order ÷ native C slice", ratio(get("f64_1e7_le_f", "arrayguard/slice+c_order"), get(big, "arrayguard/slice")), 1.3, ""))
for case, serde in [("json_f64_1e6_flat", "serde_json/Vec<f64>"), ("json_f64_1e6_nested", "serde_json/Vec<Vec<f64>>")]:
    print(check(f"{case}: {serde} ÷ arrayguard (speed-up)", ratio(get(case, serde), get(case, "arrayguard/json::from_str")), 1.3, "", False))
    p = peaks.get((case, "arrayguard/json::from_str"))
    print(check(f"{case}: peak beyond the text ÷ output bytes", p[0] / p[1] if p else None, 1.1, ""))
for case in ["npz_f64_1e7_stored", "npz_f64_1e6_deflated"]:
    print(check(f"{case}: arrayguard/npz read ÷ numpy.load(path)[x]", ratio(get(case, "arrayguard/npz read"), get(case, "numpy.load(path)[x]")), 1.0, ""))
# Issue 15: every core for large arrays, and the fixed costs of small ones.
print(check("80 MB .npy path (1 thread) ÷ path (parallel speed-up)", ratio(get(big, "arrayguard/path (1 thread)"), native), 1.0, "", False))
for reader in ["arrayguard/path", "arrayguard/slice"]:
    print(check(f"80 MB .npy {reader} ÷ numpy.load(path) (issue 15)", ratio(get(big, reader), get(big, "numpy.load(path)")), 0.8, ""))
print(check("800 KB .npy numpy.load(path) ÷ arrayguard/path (speed-up)", ratio(get(small, "numpy.load(path)"), get(small, "arrayguard/path")), 3.0, "", False))
# What no read through read(2) can beat: numpy.load against a bare std::fs::read of the file.
print(check("800 KB .npy numpy.load(path) ÷ std::fs::read (the floor's speed-up)", ratio(get(small, "numpy.load(path)"), get(small, "std::fs::read (floor)")), 3.0, "", False))
print(check("800 KB .npy arrayguard/path ÷ std::fs::read (floor)", ratio(get(small, "arrayguard/path"), get(small, "std::fs::read (floor)")), 1.2, ""))
print(check("2000×5000 F-order path+c_order ÷ native C path (issue 15)", ratio(get("f64_1e7_le_f", "arrayguard/path+c_order"), native), 1.5, ""))
for case, serde in [("json_f64_1e6_flat", "serde_json/Vec<f64>"), ("json_f64_1e6_nested", "serde_json/Vec<Vec<f64>>")]:
    print(check(f"{case}: {serde} ÷ arrayguard (speed-up, issue 15)", ratio(get(case, serde), get(case, "arrayguard/json::from_str")), 2.0, "", False))
    print(check(f"{case}: 1 thread ÷ threads (parallel speed-up)",
                ratio(get(case, "arrayguard/json::from_str (1 thread)"), get(case, "arrayguard/json::from_str")), 1.0, "", False))
check_case = "check_f64_1GiB"
print(check("1 GiB check_path with values: 1 thread ÷ threads (speed-up)",
            ratio(get(check_case, "arrayguard/check_path (1 thread)"), get(check_case, "arrayguard/check_path")), 1.6, "", False))
p = peaks.get((check_case, "arrayguard/check_path"))
print(check("1 GiB check_path: peak ÷ (threads × 1 MiB)", p[0] / p[1] if p else None, 1.5, ""))
v = get("hostile_2^60_elements", "")
print(check("hostile header declaring 2^60 elements, µs", v * 1e6 if v else None, 10, ""))
PY
