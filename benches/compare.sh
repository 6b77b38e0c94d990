#!/usr/bin/env bash
# One table of read times and ratios against a memcpy of the same bytes measured in the same
# run: arrayguard and the Rust crates (criterion benches `npy` and `json`), NumPy and
# json/orjson (benches/numpy_anchor.py). The machine is shared and noisy: compare ratios
# within one table, not absolute times across runs.
#
# Usage: benches/compare.sh [criterion filter]
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
# numpy uses huge pages on its own; OPENBLAS_* settings of this machine slow it, so drop them
# for the anchor run only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benches/numpy_anchor.py > "$out/python.tsv"

cargo bench --quiet --bench npy --bench json -- --warm-up-time 1 --measurement-time 5 \
    --output-format bencher ${1:+"$1"} 2>/dev/null > "$out/bencher.txt"
cargo bench --quiet --bench peak_memory 2>/dev/null > "$out/peak.tsv"
python3 - "$out/bencher.txt" > "$out/rust.tsv" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"^test (.+?) \.\.\. bench:\s+([\d,]+) ns/iter", line)
    if m:
        print(f"{m.group(1)}\t{int(m.group(2).replace(',', '')) / 1e9:.9f}")
PY

python3 - "$out/peak.tsv" "$out/rust.tsv" "$out/python.tsv" <<'PY'
import sys
peaks = {}
for line in open(sys.argv[1]):
    case, reader, peak, output = line.rstrip("\n").split("\t")
    peaks[(case, reader)] = (int(peak), int(output))
rows = {}
for path in sys.argv[2:]:
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
v = get("hostile_2^60_elements", "")
print(check("hostile header declaring 2^60 elements, µs", v * 1e6 if v else None, 10, ""))
PY
