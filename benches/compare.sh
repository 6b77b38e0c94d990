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
python3 - "$out/bencher.txt" > "$out/rust.tsv" <<'PY'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"^test (.+?) \.\.\. bench:\s+([\d,]+) ns/iter", line)
    if m:
        print(f"{m.group(1)}\t{int(m.group(2).replace(',', '')) / 1e9:.9f}")
PY

python3 - "$out/rust.tsv" "$out/python.tsv" <<'PY'
import sys
rows = {}
for path in sys.argv[1:]:
    for line in open(path):
        if line.startswith("#") or "\t" not in line:
            continue
        name, seconds = line.rstrip("\n").split("\t")
        case, _, tool = name.partition("/")
        rows.setdefault(case, {})[tool] = float(seconds)
def fmt(s):
    return f"{s * 1e3:9.3f} ms" if s >= 1e-3 else f"{s * 1e6:9.1f} µs"
print(f"| {'case':<22} | {'reader':<36} | {'median':>12} | {'× memcpy':>8} |")
print(f"| {'-' * 22} | {'-' * 36} | {'-' * 12}: | {'-' * 7}: |")
for case in sorted(rows):
    tools = rows[case]
    anchor = tools.get("memcpy")
    for tool, seconds in sorted(tools.items(), key=lambda kv: kv[1]):
        ratio = f"{seconds / anchor:8.2f}" if anchor else "       –"
        print(f"| {case:<22} | {tool:<36} | {fmt(seconds):>12} | {ratio} |")
PY
