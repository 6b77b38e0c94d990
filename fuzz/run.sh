#!/usr/bin/env bash
# A fuzzing campaign over every target: build once, seed each working corpus from
# fuzz/seeds/<target>/, run each target for SECONDS_PER_TARGET with its dictionary, and print
# a summary table. Exits non-zero if any target crashed (or timed out, or ran out of memory).
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]      # default: 60 seconds, every target
#
# Targets are built with optimizations and debug assertions (`-O -a`: overflow checks and
# `debug_assert!`s stay on, as in the stable tests) and run one at a time under `nice -n 10`.
# New inputs are kept in corpus/<target>/ (git-ignored), crashes in artifacts/<target>/,
# libFuzzer's output in logs/<target>.log.
# Environment: FUZZ_TOOLCHAIN (default +nightly), FUZZ_RSS_MB (default 2048).
set -uo pipefail

cd "$(dirname "$0")"
seconds="${1:-60}"
shift $(( $# > 0 ? 1 : 0 ))
toolchain="${FUZZ_TOOLCHAIN:-+nightly}"
rss="${FUZZ_RSS_MB:-2048}"

if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
    exit 2
fi

echo "== building every target (cargo $toolchain fuzz build -O -a)"
if ! nice -n 10 cargo "$toolchain" fuzz build -O -a; then
    echo "build failed" >&2
    exit 2
fi

if (( $# > 0 )); then
    targets=("$@")
else
    mapfile -t targets < <(cargo "$toolchain" fuzz list)
fi

# The dictionary of each target (none for targets whose input is mostly binary).
dict_for() {
    case "$1" in
        npy | npy_reader | npy_roundtrip | structured) echo dict/npy.dict ;;
        json | json_envelope) echo dict/json.dict ;;
        spec_json | spec_toml | shape) echo dict/spec.dict ;;
        npz | npz_mutate) echo dict/npz.dict ;;
        oip | oip_binary) echo dict/oip.dict ;;
        differential) echo dict/npy.dict ;;
        generated) echo "" ;;
        *) echo "" ;;
    esac
}

count_files() {
    if [[ -d "$1" ]]; then find "$1" -maxdepth 1 -type f | wc -l; else echo 0; fi
}

mkdir -p logs
rows=()
failed=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    if [[ -d "seeds/$target" ]]; then
        cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
    fi
    before=$(count_files "artifacts/$target")
    dict=$(dict_for "$target")
    args=(-max_total_time="$seconds" -rss_limit_mb="$rss" -timeout=10 -print_final_stats=1)
    [[ -n "$dict" ]] && args+=(-dict="$dict")
    log="logs/$target.log"
    echo "== $target (${seconds}s${dict:+, $dict})"
    nice -n 10 cargo "$toolchain" fuzz run -O -a "$target" "corpus/$target" -- "${args[@]}" \
        >"$log" 2>&1
    rc=$?
    after=$(count_files "artifacts/$target")
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | awk '{print $2}')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | awk '{print $2}')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    corpus=$(count_files "corpus/$target")
    status=ok
    if (( rc != 0 || after > before )); then
        status="CRASH (exit $rc)"
        failed=1
        grep -m1 -E 'panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer' "$log" | sed 's/^/   /'
        grep -o 'artifact_prefix.*\|Test unit written to .*' "$log" | tail -1 | sed 's/^/   /'
    fi
    rows+=("$(printf '%-15s %12s %9s %7s %8s %8s  %s' "$target" "${execs:--}" "${rate:--}" \
        "${cov:--}" "$corpus" "$after" "$status")")
done

echo
printf '%-15s %12s %9s %7s %8s %8s  %s\n' target executions exec/s cov corpus crashes status
for row in "${rows[@]}"; do
    echo "$row"
done
echo
echo "crashes: files in artifacts/<target>/ (reproduce: cargo $toolchain fuzz run -O -a TARGET FILE)"
exit "$failed"
