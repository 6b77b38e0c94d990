#!/usr/bin/env bash
# `arrayguard check` as a repository checker: 2,000 small .npy files and 20 files of 100 MB,
# checked with --jobs 1 and with every core, wall time and peak memory (`/usr/bin/time -v`,
# maximum resident set size). The files are generated in a temporary directory (about 2.1 GB)
# and removed afterwards. Prints a small table: the best wall time of several runs (the machine
# may be shared) and the largest maximum RSS.
#
#   benches/checker.sh            # builds the release binary first
#   ARRAYGUARD=path/to/arrayguard benches/checker.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${ARRAYGUARD:-}
if [ -z "$bin" ]; then
    cargo build --quiet --release -p arrayguard-cli
    bin="${CARGO_TARGET_DIR:-$PWD/target}/release/arrayguard"
fi
[ -x /usr/bin/time ] || { echo "checker.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cores=$(nproc)
load=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# .npy v1.0 files of N little-endian f4 elements, 1-d, with values in [-1, 1].
python3 - "$work" <<'PY'
import os, random, struct, sys
root = sys.argv[1]
def header(n):
    d = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d,), }" % n
    pad = 64 - (10 + len(d) + 1) % 64
    d = d + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + len(d).to_bytes(2, "little") + d.encode()
small = os.path.join(root, "small")
for i in range(2000):
    sub = os.path.join(small, "d%02d" % (i % 40))
    os.makedirs(sub, exist_ok=True)
    n = 64 + (i * 7919) % 4096
    with open(os.path.join(sub, "f%04d.npy" % i), "wb") as f:
        f.write(header(n) + struct.pack("<%df" % n, *(random.uniform(-1, 1) for _ in range(n))))
large = os.path.join(root, "large")
os.makedirs(large)
n = 100 * 1000 * 1000 // 4
block = struct.pack("<%df" % (1 << 18), *(random.uniform(-1, 1) for _ in range(1 << 18)))
for i in range(20):
    with open(os.path.join(large, "g%02d.npy" % i), "wb") as f:
        f.write(header(n))
        left = 4 * n
        while left:
            k = min(left, len(block))
            f.write(block[:k])
            left -= k
PY

# Two ways to check them: structurally (header and exact length: the payload is not read),
# and against a spec with value constraints, which streams every payload in 1 MiB chunks.
cat > "$work/values.toml" <<'TOML'
version = 1
[array]
dtype = "f32"
shape = "n"
[array.values]
finite = true
min = -1.0
max = 1.0
TOML

run() { # run CASE JOBS MODE REPEATS -> "best_seconds max_rss_kib" (over the repeats)
    local dir=$1 jobs=$2 mode=$3 repeats=$4 spec=() best="" peak=0 start end t rss
    [ "$mode" = values ] && spec=(--spec "$work/values.toml")
    for _ in $(seq "$repeats"); do
        start=$(date +%s%N)
        /usr/bin/time -v -o "$work/time.txt" "$bin" check --quiet --jobs "$jobs" "${spec[@]}" \
            "$work/$dir" > "$work/report.$jobs" || true
        end=$(date +%s%N)
        t=$(( end - start ))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
        if [ "$rss" -gt "$peak" ]; then peak=$rss; fi
    done
    echo "$(echo "$best/1000000000" | bc -l) $peak"
}

row() { printf '%-18s | %-10s | %4s | %8s | %13s | %7s\n' "$@"; }
row case check jobs "wall (s)" "max RSS (MiB)" speedup
row ------------------ ---------- ---- -------- ------------- -------
for case in small large; do
    label="2000 small .npy"; [ "$case" = large ] && label="20 x 100 MB .npy"
    for mode in structural values; do
        spec=(); [ "$mode" = values ] && spec=(--spec "$work/values.toml")
        # Warm the page cache once, so every run reads from memory.
        "$bin" check --quiet "${spec[@]}" "$work/$case" > /dev/null || { echo "check failed" >&2; exit 1; }
        repeats=7; [ "$case" = large ] && repeats=3
        read -r t1 r1 < <(run "$case" 1 "$mode" "$repeats")
        read -r tn rn < <(run "$case" "$cores" "$mode" "$repeats")
        cmp -s "$work/report.1" "$work/report.$cores" || { echo "reports differ!" >&2; exit 1; }
        mib() { printf '%.1f' "$(echo "$1/1024" | bc -l)"; }
        row "$label" "$mode" 1 "$(printf '%.3f' "$t1")" "$(mib "$r1")" "1.00x"
        row "$label" "$mode" "$cores" "$(printf '%.3f' "$tn")" "$(mib "$rn")" "$(printf '%.2fx' "$(echo "$t1/$tn" | bc -l)")"
    done
done
echo "(best of 7 runs (small) or 3 (large), page cache warm; max RSS over the runs;"
echo " $cores cores; load average before: $load, after: $(cut -d' ' -f1-3 /proc/loadavg))"
