#!/bin/bash -eu
# Builds every cargo-fuzz target of fuzz/ (with debug assertions, as fuzz/run.sh does) into
# $OUT, each with its seed corpus (fuzz/seeds/<target>/) and its dictionary (as in run.sh).
cd "$SRC/arrayguard/fuzz"
cargo fuzz build -O --debug-assertions
release=target/x86_64-unknown-linux-gnu/release
for target in $(cargo fuzz list); do
    cp "$release/$target" "$OUT/"
    if [ -d "seeds/$target" ]; then
        zip -q -j "$OUT/${target}_seed_corpus.zip" seeds/"$target"/*
    fi
    case "$target" in
        npy | npy_reader | npy_roundtrip | structured | differential) dict=dict/npy.dict ;;
        json | json_envelope) dict=dict/json.dict ;;
        spec_json | spec_toml | shape) dict=dict/spec.dict ;;
        npz | npz_mutate) dict=dict/npz.dict ;;
        *) dict= ;;
    esac
    if [ -n "$dict" ]; then
        cp "$dict" "$OUT/$target.dict"
    fi
done
