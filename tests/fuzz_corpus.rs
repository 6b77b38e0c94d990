//! Replays the fuzz seeds (`fuzz/seeds/<target>/*`) and every past crash
//! (`fuzz/regressions/<target>/*`) through the fuzz targets' own oracles, on the stable
//! toolchain: `fuzz/src/oracles/` depends only on arrayguard, std and the shared test support
//! (`crate::support`, here `common::support`), and is included here as is. The allocation
//! oracles run too, measured by this binary's counting allocator.
//!
//! `cargo test --test fuzz_corpus -- --ignored regenerate_seeds` rewrites the seeds from
//! `tests/data/` and `examples/`.

mod common;

#[path = "../fuzz/src/oracles/mod.rs"]
mod oracles;

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use arrayguard::raw::{Layout, Platform};
use arrayguard::{ByteOrder, DType};

use common::alloc::CountingAlloc;
// The oracles reach the shared test support as `crate::support`, as in the fuzz crate.
use common::support;
use oracles::Meter;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The oracles' allocation meter on this binary's counting allocator.
struct TestMeter;

impl Meter for TestMeter {
    fn measure<R>(&self, f: impl FnOnce() -> R) -> (R, Option<usize>) {
        let (value, peak) = common::alloc::measure(f);
        (value, Some(peak))
    }
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The files directly inside `dir`, sorted (none when it does not exist). Dot files and
/// `README.md` are documentation, not inputs.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read a directory entry").path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            !name.starts_with('.') && name != "README.md"
        })
        .collect();
    files.sort();
    files
}

/// Runs every seed and regression of `target` through its oracle and reports all failures.
fn replay(target: &str) {
    let seeds = inputs(&fuzz_dir().join("seeds").join(target));
    assert!(!seeds.is_empty(), "fuzz/seeds/{target}/ has no seed");
    let regressions = inputs(&fuzz_dir().join("regressions").join(target));
    let mut failures = Vec::new();
    for path in seeds.iter().chain(&regressions) {
        let data = fs::read(path).expect("read a corpus file");
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            assert!(oracles::run(target, &data, &TestMeter), "unknown target");
        }));
        if let Err(payload) = outcome {
            let message = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} inputs of `{target}` fail their oracle:\n{}",
        failures.len(),
        seeds.len() + regressions.len(),
        failures.join("\n")
    );
}

macro_rules! replay_tests {
    ($($target:ident),*) => {$(
        #[test]
        fn $target() {
            replay(stringify!($target));
        }
    )*};
}

/// `generated` replays only with the generators (`--features arbitrary`; `cargo test
/// --workspace` has it through the CLI, which uses them).
#[test]
#[cfg_attr(
    not(feature = "arbitrary"),
    ignore = "needs --features arbitrary (the generators)"
)]
fn generated() {
    replay("generated");
}

replay_tests!(
    npy,
    npy_reader,
    npy_roundtrip,
    raw,
    json,
    json_envelope,
    spec_json,
    spec_toml,
    shape,
    structured,
    npz,
    npz_mutate,
    oip,
    oip_binary,
    differential
);

/// Every target has a test above, a `[[bin]]` and a source file; every corpus directory
/// belongs to a target.
#[test]
fn targets_are_wired() {
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for target in oracles::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "{target} has no [[bin]] in fuzz/Cargo.toml"
        );
        let source = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let text = fs::read_to_string(&source).expect("a fuzz target source");
        assert!(
            text.contains(&format!("oracles::{target}(")),
            "{} does not call oracles::{target}",
            source.display()
        );
    }
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                assert!(
                    oracles::TARGETS.contains(&name),
                    "fuzz/{kind}/{name} is not a fuzz target"
                );
            }
        }
    }
}

/// The [`oracles::Cursor`] decodes what the encoders write.
#[test]
fn encoders_match_the_cursor() {
    let mut out = Vec::new();
    let dims = [
        None,
        Some(0),
        Some(252),
        Some(253),
        Some(65_535),
        Some(65_536),
    ];
    dims.iter().for_each(|&d| oracles::encode_dim(&mut out, d));
    out.extend(b"rest");
    let mut c = oracles::Cursor::new(&out);
    let back: Vec<Option<usize>> = dims.iter().map(|_| c.dim()).collect();
    assert_eq!(back, dims);
    assert_eq!(c.rest(), b"rest");
    for dtype in DType::NUMPY {
        assert_eq!(oracles::dtype_of(oracles::dtype_index(dtype)), dtype);
    }
}

// ---------------------------------------------------------------------------------------
// Seed generation (run by hand)
// ---------------------------------------------------------------------------------------

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The `key=value` fields of `name`'s line in a fixture directory's `expected.txt`.
fn expected_fields(dir: &str, name: &str) -> Vec<(String, String)> {
    let text = fs::read_to_string(repo(dir).join("expected.txt")).expect("expected.txt");
    let line = text
        .lines()
        .find(|l| l.split('\t').next() == Some(name))
        .unwrap_or_else(|| panic!("{name} is not in {dir}/expected.txt"));
    line.split('\t')
        .skip(1)
        .filter_map(|f| f.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The raw layout of a fixture line: dtype, byte order, axes (`None`: inferred), Fortran.
fn raw_layout(fields: &[(String, String)]) -> (DType, ByteOrder, Vec<Option<usize>>, bool) {
    let layout = if let Some(typestr) = field(fields, "typestr") {
        Layout::from_typestr(typestr)
    } else if let Some(typecode) = field(fields, "typecode") {
        let platform: Platform = field(fields, "platform")
            .expect("platform")
            .parse()
            .expect("a platform name");
        Layout::from_typecode(typecode.chars().next().expect("a typecode"), platform)
    } else {
        let dtype: DType = field(fields, "dtype")
            .expect("dtype")
            .parse()
            .expect("a dtype");
        let order = match field(fields, "byteorder") {
            Some("big") => ByteOrder::Big,
            _ => ByteOrder::Little,
        };
        Ok(Layout::new(dtype, order))
    }
    .expect("a seed's layout must be valid");
    let shape = field(fields, "shape").expect("shape");
    let axes = if shape == "()" {
        Vec::new()
    } else {
        shape
            .split(',')
            .map(|a| (a != "?").then(|| a.parse().expect("a dimension")))
            .collect()
    };
    let fortran = field(fields, "order") == Some("F");
    (layout.dtype(), layout.byte_order(), axes, fortran)
}

fn write_seeds(target: &str, seeds: Vec<(String, Vec<u8>)>) {
    let dir = fuzz_dir().join("seeds").join(target);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the seed directory");
    for (name, bytes) in seeds {
        fs::write(dir.join(name), bytes).expect("write a seed");
    }
}

fn read(path: &str) -> Vec<u8> {
    fs::read(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Inputs of the `generated` target: every dtype selector and format, a few shapes and
/// spec-byte patterns, then choice bytes (a ramp, zeros, all ones).
fn generated_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (i, dtype) in DType::ALL.iter().enumerate() {
        let mut seed = vec![oracles::dtype_index(*dtype), 2, 3, 2];
        // The spec bytes (as `structured` decodes them), the format, then the choices.
        seed.extend((0..24u8).map(|b| b.wrapping_mul(37).wrapping_add(i as u8)));
        seed.push(i as u8 % 4);
        seed.extend(match i % 3 {
            0 => (0..=255u8).collect::<Vec<u8>>(),
            1 => vec![0; 64],
            _ => vec![0xFF; 64],
        });
        seeds.push((format!("{}_{}", dtype.name(), i % 4), seed));
    }
    seeds
}

/// Rewrites `fuzz/seeds/` from the fixtures: a handful of small, varied inputs per target.
#[test]
#[ignore = "rewrites fuzz/seeds/; run by hand after changing an input encoding"]
fn regenerate_seeds() {
    const NPY: [&str; 19] = [
        "tests/data/npy/ok_f8_le.npy",
        "tests/data/npy/ok_i4_be_fortran_3d.npy",
        "tests/data/npy/ok_b1.npy",
        "tests/data/npy/ok_c16_be.npy",
        "tests/data/npy/ok_v2_f4.npy",
        "tests/data/npy/ok_v3_c8_be.npy",
        "tests/data/npy/ok_scalar_f4_nan_payload.npy",
        "tests/data/npy/ok_empty_0x3x0_u2_be.npy",
        "tests/data/npy/ok_f2_le_fortran.npy",
        "tests/data/npy/bad_object.npy",
        "tests/data/npy/bad_structured.npy",
        "tests/data/npy/bad_truncated.npy",
        "tests/data/npy/bad_polyglot_zip.npy",
        "examples/data/hostile/claims_8gb.npy",
        "examples/data/hostile/huge_header.npy",
        "examples/data/hostile/wrapping_shape.npy",
        // Whitespace between header tokens: old NumPy's pprint layout, tabs.
        "tests/data/npy/ok_pprint_dict_lines.npy",
        "tests/data/npy/ok_pprint_long_shape.npy",
        "tests/data/npy/ok_tabs.npy",
    ];
    let name = |path: &str| path.rsplit('/').next().expect("a file name").to_string();
    write_seeds("npy", NPY.iter().map(|p| (name(p), read(p))).collect());
    write_seeds(
        "differential",
        NPY.iter().map(|p| (name(p), read(p))).collect(),
    );
    write_seeds("generated", generated_seeds());
    let sizes: [&[u8]; 4] = [&[], &[7], &[0, 3, 7], &[1, 6, 2, 5, 3]];
    write_seeds(
        "npy_reader",
        NPY.iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .map(|(i, p)| {
                (
                    name(p),
                    oracles::encode_npy_reader(sizes[i / 2 % 4], &read(p)),
                )
            })
            .collect(),
    );

    let roundtrip = [
        ("f8_2x3_c", DType::F64, false, false, vec![2, 3]),
        ("i4_2x3x4_f_be", DType::I32, true, true, vec![2, 3, 4]),
        ("b1_5", DType::Bool, false, false, vec![5]),
        ("c8_0d_be", DType::Complex64, false, true, vec![]),
        ("f2_3x0x2", DType::F16, true, false, vec![3, 0, 2]),
        ("u8_5x5x5x5x5", DType::U64, false, true, vec![5, 5, 5, 5, 5]),
    ];
    write_seeds(
        "npy_roundtrip",
        roundtrip
            .into_iter()
            .map(|(n, dtype, f, big, dims)| {
                let payload: Vec<u8> = (0u8..=255).step_by(7).collect();
                let seed = oracles::encode_npy_roundtrip(dtype, f, big, &dims, &payload);
                (n.to_string(), seed)
            })
            .collect(),
    );

    const RAW: [&str; 12] = [
        "ok_f8_le_c.bin",
        "ok_c8_le_f_inferred_middle.bin",
        "ok_i2_be_c.bin",
        "ok_b1_f.bin",
        "ok_array_l_windows.bin",
        "ok_empty_c8_3xinferred.bin",
        "bad_bool_2.bin",
        "bad_rows_not_whole.bin",
        "bad_fixed_overflow.bin",
        "bad_inferred_overflow.bin",
        "bad_zero_hides_overflow.bin",
        "bad_truncated.bin",
    ];
    write_seeds(
        "raw",
        RAW.iter()
            .enumerate()
            .map(|(i, n)| {
                let (dtype, order, axes, fortran) =
                    raw_layout(&expected_fields("tests/data/raw", n));
                let bytes = read(&format!("tests/data/raw/{n}"));
                let chunks: &[u8] = if i % 2 == 0 { &[] } else { &[3, 5] };
                let seed = oracles::encode_raw(
                    dtype,
                    order == ByteOrder::Big,
                    fortran,
                    &axes,
                    chunks,
                    &bytes,
                );
                (n.to_string(), seed)
            })
            .collect(),
    );

    const JSON: [&str; 16] = [
        "ok_3d_i4.json",
        "ok_c16.json",
        "ok_f2_rounding.json",
        "ok_big_ints_u8.json",
        "ok_nan_f8.json",
        "ok_pretty_f8.json",
        "ok_empty_rows_f8.json",
        "ok_0d_b1.json",
        "bad_ragged_depth.json",
        "bad_huge_exponent.json",
        "bad_fraction_i4.json",
        "bad_range_i8_neg.json",
        "bad_true_for_number.json",
        "bad_nbsp.json",
        "bad_bom.json",
        "bad_complex_triple.json",
    ];
    const ENVELOPE: [&str; 10] = [
        "ok_env_0d_i2.json",
        "ok_env_base64_be_i8.json",
        "ok_env_base64_fortran_c16.json",
        "ok_env_flat_fortran_f4.json",
        "ok_env_nested_c8.json",
        "ok_env_empty_0x3_f8.json",
        "bad_env_base64_bool_value.json",
        "bad_env_duplicate_key.json",
        "bad_env_shape_overflow.json",
        "bad_env_nested_wrong_depth.json",
    ];
    write_seeds(
        "json",
        JSON.iter()
            .enumerate()
            .map(|(i, n)| {
                let fields = expected_fields("tests/data/json", n);
                let dtype: DType = field(&fields, "dtype")
                    .expect("dtype")
                    .parse()
                    .expect("a dtype name");
                let allow_nan = field(&fields, "allow_nan") == Some("1");
                let chunks: &[u8] = if i % 3 == 0 { &[2, 7] } else { &[] };
                let text = read(&format!("tests/data/json/{n}"));
                (
                    n.to_string(),
                    oracles::encode_json(dtype, allow_nan, chunks, &text),
                )
            })
            .collect(),
    );
    write_seeds(
        "json_envelope",
        ENVELOPE
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let chunks: &[u8] = if i % 2 == 0 { &[] } else { &[4, 1, 6] };
                let text = read(&format!("tests/data/json/{n}"));
                (n.to_string(), oracles::encode_json_envelope(chunks, &text))
            })
            .collect(),
    );

    let mut spec_files: Vec<PathBuf> = [repo("tests/data/specs"), repo("examples/specs")]
        .iter()
        .flat_map(|d| fs::read_dir(d).expect("a spec directory"))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    spec_files.sort();
    for (target, ext) in [("spec_json", "json"), ("spec_toml", "toml")] {
        write_seeds(
            target,
            spec_files
                .iter()
                .filter(|p| p.extension().and_then(|e| e.to_str()) == Some(ext))
                .map(|p| {
                    let n = p.file_name().and_then(|n| n.to_str()).expect("a name");
                    (n.to_string(), fs::read(p).expect("a spec file"))
                })
                .collect(),
        );
    }

    let shapes: [(&str, &[usize], &str); 10] = [
        (
            "image_batch",
            &[8, 2, 64, 48, 3],
            "*batch h:32..=1024 w:32..=1024 3",
        ),
        ("features", &[100, 784], "n 784"),
        ("named_twice", &[4, 5], "n n"),
        ("anonymous", &[7, 3, 1, 1], "_ 3 ..."),
        ("open_range", &[2], "_:1.."),
        ("scalar", &[], ""),
        ("ranged", &[9], "1..=64"),
        ("exact_range", &[3], "n:3..=3"),
        ("huge", &[usize::MAX], "18446744073709551615"),
        ("bad_two_variadics", &[1], "*a n *b"),
    ];
    write_seeds(
        "shape",
        shapes
            .iter()
            .map(|(n, dims, text)| (n.to_string(), oracles::encode_shape(dims, text)))
            .collect(),
    );

    // structured: dtype, flags, ndim, dims, spec (dtypes, shape, order, byte order, value
    // flags and their operands), mutations, elements. See `oracles::structured`.
    let structured: [(&str, Vec<u8>); 6] = [
        // f32 2x3 C, spec: exactly f32, exact shape, C, values min 0.0 max 1.0, table
        // elements 0.0/1.0/0.5 (accepted).
        (
            "f32_unit_interval",
            vec![10, 4, 2, 2, 3, 1, 1, 1, 0, 3, 0, 2, 0, 2, 4, 0, 2, 4, 2],
        ),
        // i64 big-endian F 3x4 (table elements 0, 1, -1), spec: dtypes [i64, i64], pattern
        // "... n", F, big-endian, enum [0, 1, -1] (accepted).
        (
            "i64_be_f_enum",
            vec![
                4, 7, 2, 3, 4, 6, 4, 4, 10, 4, 2, 2, 2, 64, 3, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2,
                0, 1, 2,
            ],
        ),
        // bool 4, spec any, one mutation: the first payload byte XOR 2 (data.invalid_bool).
        (
            "bool_mutated",
            vec![0, 8, 1, 4, 0, 0, 0, 0, 0, 0, 128, 0, 2, 1, 0, 1, 0],
        ),
        // f64 0-d, finite required, element NaN (refused with value.nan).
        ("f64_scalar_nan", vec![11, 4, 0, 0, 0, 0, 0, 48, 18]),
        // c8 2x3 in F order, spec requires F (accepted).
        (
            "c8_fortran",
            vec![
                12, 5, 2, 2, 3, 0, 0, 2, 0, 0, 0, 2, 4, 5, 2, 0, 3, 3, 6, 1, 0, 0,
            ],
        ),
        // u16 2x2 raw elements, limit override of 3 elements (refused: limit.elements).
        (
            "u16_limit_override",
            vec![6, 0, 2, 2, 2, 0, 0, 0, 0, 128, 3, 1, 0, 2, 0, 3, 0, 4, 0],
        ),
    ];
    write_seeds(
        "structured",
        structured
            .into_iter()
            .map(|(n, bytes)| (n.to_string(), bytes))
            .collect(),
    );

    // npz: every fixture archive as is, but the three large ones: they would raise libFuzzer's
    // input length for the whole corpus (1 MB, 150 KB, 74 KB) and cut its speed from about
    // 3 000 to 60 executions per second. Their checks are reached by smaller seeds (a
    // declared size over the limit: `bad_member_2gb.npz`; large deflated members:
    // `ok_savez_compressed.npz`; many members: `bad_too_many_members.npz`), and
    // `tests/limits.rs` reads all three on stable.
    const LARGE: [&str; 3] = ["bad_zip_bomb.npz", "ok_large_compressed.npz", "ok_many.npz"];
    let mut archives: Vec<String> = fs::read_dir(repo("tests/data/npz"))
        .expect("tests/data/npz")
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .into_string()
                .expect("UTF-8")
        })
        .filter(|n| n.ends_with(".npz") && !LARGE.contains(&n.as_str()))
        .collect();
    archives.sort();
    write_seeds(
        "npz",
        archives
            .iter()
            .map(|n| (n.clone(), read(&format!("tests/data/npz/{n}"))))
            .collect(),
    );

    // npz_mutate: (name selector, dtype, Fortran, dims, element bytes) per array, no mutation.
    let ramp: Vec<u8> = (0u8..=255).collect();
    let mutate: [(&str, bool, Vec<oracles::npz::ArraySeed>); 5] = [
        (
            "stored_f8_i4",
            false,
            vec![
                (0, DType::F64, false, &[2, 3], &ramp),
                (1, DType::I32, true, &[3, 4], &ramp),
            ],
        ),
        (
            "deflated_every_name",
            true,
            vec![
                (2, DType::U8, false, &[4], &ramp),
                (3, DType::Complex128, true, &[2, 2], &ramp),
                (4, DType::F16, false, &[], &ramp),
                (5, DType::Bool, false, &[3], &[1, 0, 1]),
                (6, DType::U64, false, &[0, 3], &[]),
            ],
        ),
        ("stored_empty", false, vec![]),
        (
            "deflated_unsafe_names",
            true,
            vec![
                (7, DType::I8, false, &[2], &ramp),
                (0, DType::I16, false, &[2], &ramp),
                (0, DType::I16, false, &[1], &ramp),
            ],
        ),
        (
            "deflated_4d",
            true,
            vec![(1, DType::F32, true, &[4, 4, 4, 4], &ramp)],
        ),
    ];
    write_seeds(
        "npz_mutate",
        mutate
            .into_iter()
            .map(|(n, deflated, arrays)| {
                (n.to_string(), oracles::encode_npz_mutate(deflated, &arrays))
            })
            .collect(),
    );
}
