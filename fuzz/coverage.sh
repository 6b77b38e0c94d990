#!/usr/bin/env bash
# Source coverage of the library (src/ only) reached by each target's corpus: builds the target
# with coverage instrumentation (`cargo fuzz coverage`), replays corpus/<target>/ (or
# seeds/<target>/ when there is no corpus yet), and prints llvm-cov's region, function and line
# figures for arrayguard's src/, one row per target. Reports go to coverage/<target>.txt.
#
#   fuzz/coverage.sh [TARGET...]      # default: every target
#
# Needs `rustup component add llvm-tools-preview --toolchain nightly`.
set -euo pipefail

cd "$(dirname "$0")"
toolchain="${FUZZ_TOOLCHAIN:-+nightly}"
sysroot=$(rustc "$toolchain" --print sysroot)
host=$(rustc "$toolchain" -vV | sed -n 's/^host: //p')
llvm_cov="$sysroot/lib/rustlib/$host/bin/llvm-cov"
if [[ ! -x "$llvm_cov" ]]; then
    echo "llvm-cov missing: rustup component add llvm-tools-preview --toolchain nightly" >&2
    exit 2
fi
if (( $# > 0 )); then
    targets=("$@")
else
    mapfile -t targets < <(cargo "$toolchain" fuzz list)
fi
mkdir -p coverage
rows=()
for target in "${targets[@]}"; do
    corpus="corpus/$target"
    if [[ ! -d "$corpus" ]] || [[ -z "$(ls -A "$corpus")" ]]; then
        corpus="seeds/$target"
    fi
    echo "== $target ($corpus)" >&2
    nice -n 10 cargo "$toolchain" fuzz coverage -O "$target" "$corpus" >"coverage/$target.log" 2>&1
    binary="target/$host/coverage/$host/release/$target"
    "$llvm_cov" report "$binary" -instr-profile="coverage/$target/coverage.profdata" \
        -ignore-filename-regex='(\.cargo|rustc|/fuzz/|/tests/)' >"coverage/$target.txt"
    total=$(grep '^TOTAL' "coverage/$target.txt")
    # TOTAL regions missed cover% functions missed executed% lines missed cover% ...
    read -r _ _ _ regions _ _ functions _ _ lines _ <<<"$total"
    inputs=$(find "$corpus" -maxdepth 1 -type f | wc -l)
    rows+=("$(printf '%-15s %7s %9s %9s %9s' "$target" "$inputs" "$regions" "$functions" "$lines")")
done
printf '%-15s %7s %9s %9s %9s\n' target inputs regions functions lines
for row in "${rows[@]}"; do
    echo "$row"
done
