//! Spec files: JSON and TOML loaded into validated specs, every load error with its message and
//! location, every constraint key against a tiny passing and a tiny failing array, the fixture
//! files in `tests/data/specs/`, and the committed schema. Round trips are in
//! `spec_round_trip.rs`.

use std::fs;
use std::path::{Path, PathBuf};

use arrayguard::{
    json, npy, spec_file_schema, Array, ArraySpec, Bindings, ByteOrder, DType, Dim, Fault, Limits,
    Order, Plan, Result, Shape, ShapeSpec, SpecFile,
};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/specs")
}

/// Loads `body` as the `[array]` table of a TOML spec file.
fn toml_array(body: &str) -> Result<ArraySpec> {
    let spec = SpecFile::from_toml_str(&format!("version = 1\n[array]\n{body}"))?;
    Ok(spec
        .array()
        .expect("an `array` file holds one array")
        .clone())
}

#[test]
fn committed_schema_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/spec.schema.json");
    let mut generated = serde_json::to_string_pretty(&spec_file_schema()).unwrap();
    generated.push('\n');
    if std::env::var_os("ARRAYGUARD_BLESS").is_some_and(|v| v == "1") {
        fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/spec.schema.json differs from spec_file_schema(); regenerate it with\n\
         ARRAYGUARD_BLESS=1 cargo test -p arrayguard --test spec_files committed_schema_is_up_to_date"
    );
}

/// Every `bad_*` fixture and the exact error it must produce.
const BAD_FIXTURES: &[(&str, &str)] = &[
    ("bad_unknown_key.toml", "invalid spec at array.shapes (line 5, column 1): unknown field `shapes`, expected one of `dtype`, `byte_order`, `shape`, `order`, `values`, `limits`"),
    ("bad_version.json", "invalid spec at version (line 1, column 2): expected 1, found 2"),
    ("bad_missing_version.toml", "invalid spec at line 1, column 1: missing field `version`"),
    ("bad_both_forms.toml", "invalid spec at arrays (line 6, column 2): expected either `array` (one array) or `arrays` (a bundle), found both"),
    ("bad_neither_form.json", "invalid spec at array: expected `array` (one array) or `arrays` (a bundle), found neither"),
    ("bad_dtype_name.toml", "invalid spec at array.dtype (line 4, column 1): unknown dtype `float33`: expected a name such as `f32` or `float32`, or a NumPy type string such as `<f4`"),
    ("bad_dtype_object.json", "invalid spec at array.dtype[1] (line 1, column 43): object dtype in `|O`: the payload would be a pickle, which is never loaded"),
    ("bad_empty_dtype_list.json", "invalid spec at array.dtype (line 1, column 26): empty list: no dtype would be accepted"),
    ("bad_kind_bits.toml", "invalid spec at array.dtype (line 4, column 1): `min_bits` (64) is above `max_bits` (16)"),
    ("bad_kind_no_match.toml", "invalid spec at array.dtype (line 4, column 1): no `float` dtype has at least 128 bits (the `float` dtypes have 16, 32, 64 bits)"),
    ("bad_two_variadics.toml", "invalid spec at array.shape (line 4, column 1): `*batch h w ...` at byte 11: a second variadic dimension `...`: only one is allowed (the first is at byte 0)"),
    ("bad_two_variadics_list.json", "invalid spec at array.shape (line 1, column 26): at most one variadic dimension (`...` or `*name`) per array"),
    ("bad_unused_dim.toml", "invalid spec at dims.m (line 5, column 1): `m` is declared but no array's shape uses it, so it can never be bound"),
    ("bad_enum_float.json", "invalid spec at array.values.enum (line 5, column 16): `enum` lists integers, but `f64` is not an integer dtype"),
    ("bad_finite_nan.toml", "invalid spec at array.values.nan (line 8, column 1): `nan = true` contradicts `finite = true`"),
    ("bad_min_above_max.json", "invalid spec at arrays.X.values (line 4, column 27): no value satisfies the bounds (lowest 1, highest 0)"),
    ("bad_syntax.json", "invalid spec at array (line 3, column 28): expected `,` or `}`"),
    ("bad_syntax.toml", "invalid spec at line 2, column 7: unclosed table, expected `]`"),
    ("bad_byte_order_conflict.toml", "invalid spec at array.byte_order (line 5, column 1): contradicts the byte order of the type string in `dtype`"),
    ("bad_shape_token.json", "invalid spec at array.shape[1] (line 1, column 39): expected one dimension token, found `h w`"),
    ("bad_dims_without_bundle.toml", "invalid spec at dims (line 3, column 2): `dims` belongs to a bundle (`arrays`); one array states its dimensions in `array.shape`"),
    ("bad_declared_dim_conflict.toml", "invalid spec at arrays.X.shape (line 7, column 1): `n` is 20..=30 here but declared as 1..=10"),
];

#[test]
fn fixture_files_load_or_fail_with_their_message() {
    let mut bad_seen = Vec::new();
    let mut wrong = Vec::new();
    let mut ok_count = 0;
    for entry in fs::read_dir(specs_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name == "README.md" {
            continue;
        }
        let result = SpecFile::from_path(&path);
        if name.starts_with("ok_") {
            result.unwrap_or_else(|e| panic!("{name}: {e}"));
            ok_count += 1;
        } else if name.starts_with("bad_") {
            let Some((_, expected)) = BAD_FIXTURES.iter().find(|(n, _)| *n == name) else {
                panic!("{name} is not listed in BAD_FIXTURES");
            };
            let e = result.expect_err(&name);
            assert_eq!(
                (e.code(), e.fault()),
                ("config.invalid_spec", Fault::Config)
            );
            if e.to_string() != *expected {
                wrong.push(format!("{name}\n    found: {e}"));
            }
            bad_seen.push(name);
        } else {
            panic!("fixture {name} is neither ok_* nor bad_*");
        }
    }
    assert!(
        wrong.is_empty(),
        "{} fixtures differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(ok_count >= 9, "only {ok_count} ok_* fixtures found");
    for (name, _) in BAD_FIXTURES {
        assert!(bad_seen.iter().any(|n| n == name), "{name} is missing");
    }
}

#[test]
fn json_and_toml_fixtures_agree() {
    let toml = SpecFile::from_path(specs_dir().join("ok_features_labels.toml")).unwrap();
    let json = SpecFile::from_path(specs_dir().join("ok_features_labels.json")).unwrap();
    assert_eq!(toml, json);
    let bundle = toml.bundle().unwrap();
    assert_eq!(bundle.names().collect::<Vec<_>>(), ["X", "y"]);
    assert_eq!(
        bundle.array("X").unwrap().shape(),
        Some(
            &[
                Dim::Range {
                    min: 1,
                    max: 100_000
                },
                Dim::Exact(784)
            ][..]
        )
    );
}

#[test]
fn from_path_chooses_the_format_by_extension() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{\"version\": 1, \"array\": {\"dtype\": \"u8\"}}";
    for name in ["spec.json", "SPEC.JSON"] {
        fs::write(dir.path().join(name), text).unwrap();
        assert!(SpecFile::from_path(dir.path().join(name)).is_ok(), "{name}");
    }
    // JSON text in a `.toml` file is read as TOML, and refused.
    fs::write(dir.path().join("spec.toml"), text).unwrap();
    assert!(SpecFile::from_path(dir.path().join("spec.toml")).is_err());
    let yaml = dir.path().join("spec.yaml");
    fs::write(&yaml, text).unwrap();
    assert_eq!(
        SpecFile::from_path(&yaml).unwrap_err().to_string(),
        format!(
            "invalid spec at {}: expected a `.json` or `.toml` file extension, found `.yaml`",
            yaml.display()
        )
    );
    let e = SpecFile::from_path(dir.path().join("spec")).unwrap_err();
    assert!(e.to_string().ends_with("found none"), "{e}");
    let missing = SpecFile::from_path(dir.path().join("missing.toml")).unwrap_err();
    assert!(missing.is_io(), "{missing}");
    let latin1 = dir.path().join("latin1.toml");
    fs::write(&latin1, b"version = 1\n# caf\xe9\n[array]\n").unwrap();
    assert_eq!(
        SpecFile::from_path(&latin1).unwrap_err().to_string(),
        "invalid spec at line 2, column 6: invalid UTF-8"
    );
}

/// The list form and the shorthand describe the same patterns.
#[test]
fn list_form_and_shorthand_agree() {
    let cases = [
        ("batch 3 h w", r#"["batch", 3, "h", "w"]"#),
        ("_ 224", "[null, 224]"),
        ("_ 224", r#"["_", 224]"#),
        ("*batch 224 224", r#"["*batch", 224, 224]"#),
        ("... 3", r#"["...", 3]"#),
        ("h:32..=1024", r#"[{"name": "h", "min": 32, "max": 1024}]"#),
        ("h:32..=1024", r#"["h:32..=1024"]"#),
        ("1..=64", r#"[{"min": 1, "max": 64}]"#),
        ("_:1..", r#"[{"min": 1}]"#),
        ("n:..=8", r#"[{"name": "n", "max": 8}]"#),
        ("_", "[{}]"),
        ("_", r#"[{"name": "_"}]"#),
        ("5", r#"[{"min": 5, "max": 5}]"#),
        ("", "[]"),
    ];
    for (shorthand, list) in cases {
        let from_list = SpecFile::from_json_str(&format!(
            r#"{{"version": 1, "array": {{"shape": {list}}}}}"#
        ))
        .unwrap();
        let from_shorthand = toml_array(&format!("shape = {shorthand:?}")).unwrap();
        assert_eq!(
            from_list.array().unwrap().shape_spec(),
            from_shorthand.shape_spec(),
            "{list}"
        );
        assert_eq!(
            from_shorthand.shape_spec(),
            Some(&ShapeSpec::parse(shorthand).unwrap())
        );
    }
}

/// The shorthand grammar, through the file form: each pattern against one shape.
#[test]
fn shorthand_grammar_through_files() {
    let cases: &[(&str, &[usize], Option<&str>)] = &[
        ("batch 3 h w", &[8, 3, 32, 32], None),
        (
            "batch 3 h w",
            &[8, 4, 32, 32],
            Some("shape mismatch on axis 1: expected 3, found 4"),
        ),
        (
            "batch 3 h w",
            &[8, 3, 32],
            Some("ndim mismatch: expected 4 dimensions, found 3"),
        ),
        ("*batch 224 224", &[224, 224], None),
        ("*batch 224 224", &[2, 5, 224, 224], None),
        (
            "*batch 224 224",
            &[224],
            Some("ndim mismatch: expected at least 2 dimensions, found 1"),
        ),
        ("... 3", &[7, 3], None),
        ("_ 3 ...", &[7, 3, 1, 1], None),
        ("n n", &[4, 4], None),
        (
            "n n",
            &[4, 5],
            Some("dimension `n` on axis 1: expected 4 (bound earlier), found 5"),
        ),
        (
            "h:32..=1024",
            &[31],
            Some("shape mismatch on axis 0: expected 32..=1024, found 31"),
        ),
        ("h:32..=1024", &[1024], None),
        (
            "_:1..=5",
            &[0],
            Some("shape mismatch on axis 0: expected 1..=5, found 0"),
        ),
        ("_:1..", &[1 << 40], None),
        ("n:..=8", &[8], None),
        ("", &[], None),
        (
            "",
            &[1],
            Some("ndim mismatch: expected 0 dimensions, found 1"),
        ),
        ("  3   4 ", &[3, 4], None),
    ];
    for (pattern, dims, expected) in cases {
        let spec = toml_array(&format!("shape = {pattern:?}")).unwrap();
        let found = spec
            .check_shape(dims, &mut Bindings::new())
            .err()
            .map(|e| e.to_string());
        assert_eq!(found.as_deref(), *expected, "{pattern:?} {dims:?}");
    }
    let errors = [
        ("3x", "`3x` at byte 0: expected a dimension name (letters, digits and `_`, not starting with a digit), found `3x`"),
        ("h:1..5", "`h:1..5` at byte 0: expected `..=` (inclusive) in `1..5`; `..` alone is not accepted"),
        ("h:9..=5", "`h:9..=5` at byte 0: empty range `9..=5`: the minimum is above the maximum"),
        ("007", "`007` at byte 0: leading zeros in `007`"),
        ("*n n", "`n` names both one axis and a variadic run of axes"),
    ];
    for (pattern, reason) in errors {
        let e = toml_array(&format!("shape = {pattern:?}")).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("invalid spec at array.shape (line 3, column 1): {reason}"),
            "{pattern:?}"
        );
    }
}

/// Every load error: the format, the text, and the exact message with its location.
#[test]
fn every_spec_error_is_located() {
    let cases: &[(&str, &str, &str)] = &[
        // ---- keys and types (serde) ----
        ("toml", "version = 1\nfoo = 1\n[array]\n",
            "invalid spec at foo (line 2, column 1): unknown field `foo`, expected one of `$schema`, `version`, `array`, `dims`, `arrays`, `limits`"),
        ("json", r#"{"version": 1, "array": {}, "foo": 1}"#,
            "invalid spec at foo (line 1, column 33): unknown field `foo`, expected one of `$schema`, `version`, `array`, `dims`, `arrays`, `limits`"),
        ("toml", "version = 1\n[array.values]\nminimum = 0\n",
            "invalid spec at array.values.minimum (line 3, column 1): unknown field `minimum`, expected one of `min`, `max`, `exclusive_min`, `exclusive_max`, `finite`, `nan`, `inf`, `enum`"),
        ("toml", "version = 1\n[array.limits]\nmax_memory = 1\n",
            "invalid spec at array.limits.max_memory (line 3, column 1): unknown field `max_memory`, expected one of `max_bytes`, `max_elements`, `max_ndim`, `max_header_bytes`, `max_depth`, `max_input_bytes`, `max_members`, `max_archive_bytes`, `max_compression_ratio`"),
        ("toml", "version = 1\n[array]\ndtype = {kind = \"int\", bits = 8}\n",
            "invalid spec at array.dtype.bits (line 3, column 24): unknown field `bits`, expected one of `kind`, `min_bits`, `max_bits`"),
        ("toml", "version = 1\n[array]\nshape = [{name = \"n\", size = 3}]\n",
            "invalid spec at array.shape[0].size (line 3, column 23): unknown field `size`, expected one of `name`, `min`, `max`"),
        ("toml", "version = 1\n[dims]\nn = {min = 1, step = 2}\n[arrays.X]\nshape = \"n\"\n",
            "invalid spec at dims.n.step (line 3, column 15): unknown field `step`, expected `min` or `max`"),
        ("toml", "version = \"1\"\n[array]\n",
            "invalid spec at version (line 1, column 11): invalid type: string \"1\", expected u32"),
        ("toml", "version = 1\n[array]\ndtype = 32\n",
            "invalid spec at array.dtype (line 3, column 9): invalid type: integer `32`, expected a dtype name such as `f32`, a list of names, or a kind table (`kind`, `min_bits`, `max_bits`)"),
        ("json", r#"{"version": 1, "array": {"dtype": ["f32", 4]}}"#,
            "invalid spec at array.dtype[1] (line 1, column 43): invalid type: integer `4`, expected a string"),
        ("json", r#"{"version": 1, "array": {"shape": 3}}"#,
            "invalid spec at array.shape (line 1, column 35): invalid type: integer `3`, expected a shape shorthand string such as `batch 3 h w`, or a list of dimensions"),
        ("toml", "version = 1\n[array]\nshape = [3, -1]\n",
            "invalid spec at array.shape[1] (line 3, column 13): invalid value: integer `-1`, expected a dimension: a size, null (any size), a shorthand token such as `batch`, or a table (`name`, `min`, `max`)"),
        ("json", r#"{"version": 1, "array": {"shape": [3, 1.5]}}"#,
            "invalid spec at array.shape[1] (line 1, column 41): invalid type: floating point `1.5`, expected a dimension: a size, null (any size), a shorthand token such as `batch`, or a table (`name`, `min`, `max`)"),
        ("toml", "version = 1\n[array.limits]\nmax_bytes = -1\n",
            "invalid spec at array.limits.max_bytes (line 3, column 13): invalid value: integer `-1`, expected u64"),
        ("toml", "version = 1\n[array.values]\nenum = [1.5]\n",
            "invalid spec at array.values.enum[0] (line 3, column 9): invalid type: floating point `1.5`, expected i64"),
        ("toml", "version = 1\n[array]\nbyte_order = \"native\"\n",
            "invalid spec at array.byte_order (line 3, column 14): unknown variant `native`, expected one of `little`, `big`, `any`"),
        ("toml", "version = 1\n[array]\norder = \"c\"\n",
            "invalid spec at array.order (line 3, column 9): unknown variant `c`, expected one of `C`, `F`, `any`"),
        ("toml", "version = 1\n[array]\ndtype = {kind = \"decimal\"}\n",
            "invalid spec at array.dtype.kind (line 3, column 17): unknown variant `decimal`, expected one of `bool`, `int`, `uint`, `float`, `complex`"),
        ("toml", "version = 1\n[dims]\nn = -3\n[arrays.X]\nshape = \"n\"\n",
            "invalid spec at dims.n (line 3, column 5): invalid value: integer `-3`, expected a dimension size, or a table (`min`, `max`)"),
        ("json", "{\"version\": 1,\n \"array\": {\"dtype\": \"f32\"}, \"array\": {}}",
            "invalid spec at array (line 2, column 35): duplicate field `array`"),
        ("json", "{\"version\": 1, \"array\": {\"dtype\": \"f32\",}}",
            "invalid spec at array (line 1, column 41): trailing comma"),
        ("json", "{\"version\": 1,\n \"array\": {\"dtype\": \"f32\"",
            "invalid spec at array.dtype (line 2, column 25): EOF while parsing an object"),
        ("json", "",
            "invalid spec at line 1, column 1: EOF while parsing a value"),
        ("toml", "version = 1\nversion = 1\n",
            "invalid spec at line 2, column 1: duplicate key"),
        ("toml", "version = 1\n[array]\ndtype = \"f32\n",
            "invalid spec at line 3, column 13: invalid basic string, expected `\"`"),
        // ---- the file's structure ----
        ("toml", "version = 0\n[array]\n",
            "invalid spec at version (line 1, column 1): expected 1, found 0"),
        ("toml", "version = 1\n",
            "invalid spec at array: expected `array` (one array) or `arrays` (a bundle), found neither"),
        ("json", r#"{"version": 1, "array": {}, "arrays": {"X": {}}}"#,
            "invalid spec at arrays (line 1, column 29): expected either `array` (one array) or `arrays` (a bundle), found both"),
        ("toml", "version = 1\n[limits]\nmax_bytes = 1\n[array]\n",
            "invalid spec at limits (line 2, column 2): top-level `limits` belongs to a bundle (`arrays`); put one array's limits in `array.limits`"),
        ("toml", "version = 1\n[arrays]\n",
            "invalid spec at arrays (line 2, column 2): a bundle needs at least one array"),
        // ---- dtypes ----
        ("toml", "version = 1\n[array]\ndtype = \"float128\"\n",
            "invalid spec at array.dtype (line 3, column 1): unknown dtype `float128`: expected a name such as `f32` or `float32`, or a NumPy type string such as `<f4`"),
        ("toml", "version = 1\n[array]\ndtype = \"<f3\"\n",
            "invalid spec at array.dtype (line 3, column 1): invalid dtype `<f3`: no such item size for this kind"),
        ("toml", "version = 1\n[array]\ndtype = \"=f8\"\n",
            "invalid spec at array.dtype (line 3, column 1): invalid dtype `=f8`: native byte order `=` is platform-dependent"),
        ("toml", "version = 1\n[array]\ndtype = \"<U8\"\n",
            "invalid spec at array.dtype (line 3, column 1): unsupported dtype `<U8`: only bool, integer, float and complex dtypes are read"),
        ("toml", "version = 1\n[array]\ndtype = [\"f32\", \"double\"]\n",
            "invalid spec at array.dtype[1] (line 3, column 17): unknown dtype `double`: expected a name such as `f32` or `float32`, or a NumPy type string such as `<f4`"),
        ("toml", "version = 1\n[array]\ndtype = [\"<f4\", \">f8\"]\n",
            "invalid spec at array.dtype[1] (line 3, column 17): `>f8` is big-endian but an earlier type string is little-endian; one spec has one byte order"),
        ("toml", "version = 1\n[array]\ndtype = \"<f4\"\nbyte_order = \"big\"\n",
            "invalid spec at array.byte_order (line 4, column 1): contradicts the byte order of the type string in `dtype`"),
        ("json", r#"{"version": 1, "array": {"dtype": []}}"#,
            "invalid spec at array.dtype (line 1, column 26): empty list: no dtype would be accepted"),
        ("toml", "version = 1\n[array]\ndtype = {kind = \"uint\", min_bits = 32, max_bits = 8}\n",
            "invalid spec at array.dtype (line 3, column 1): `min_bits` (32) is above `max_bits` (8)"),
        ("toml", "version = 1\n[array]\ndtype = {kind = \"complex\", max_bits = 32}\n",
            "invalid spec at array.dtype (line 3, column 1): no `complex` dtype has at most 32 bits (the `complex` dtypes have 64, 128 bits)"),
        ("toml", "version = 1\n[array]\ndtype = {kind = \"bool\", min_bits = 16}\n",
            "invalid spec at array.dtype (line 3, column 1): no `bool` dtype has at least 16 bits (the `bool` dtypes have 8 bits)"),
        // ---- shapes ----
        ("toml", "version = 1\n[array]\nshape = \"3x\"\n",
            "invalid spec at array.shape (line 3, column 1): `3x` at byte 0: expected a dimension name (letters, digits and `_`, not starting with a digit), found `3x`"),
        ("toml", "version = 1\n[array]\nshape = \"*a n *b\"\n",
            "invalid spec at array.shape (line 3, column 1): `*a n *b` at byte 5: a second variadic dimension `*b`: only one is allowed (the first is at byte 0)"),
        ("toml", "version = 1\n[array]\nshape = \"*n n\"\n",
            "invalid spec at array.shape (line 3, column 1): `n` names both one axis and a variadic run of axes"),
        ("json", r#"{"version": 1, "array": {"shape": ["...", "*rest"]}}"#,
            "invalid spec at array.shape (line 1, column 26): at most one variadic dimension (`...` or `*name`) per array"),
        ("json", r#"{"version": 1, "array": {"shape": [3, "h w"]}}"#,
            "invalid spec at array.shape[1] (line 1, column 39): expected one dimension token, found `h w`"),
        ("json", r#"{"version": 1, "array": {"shape": [3, ""]}}"#,
            "invalid spec at array.shape[1] (line 1, column 39): expected one dimension token, found ``"),
        ("json", r#"{"version": 1, "array": {"shape": ["h:1..5"]}}"#,
            "invalid spec at array.shape[0] (line 1, column 36): `h:1..5` at byte 0: expected `..=` (inclusive) in `1..5`; `..` alone is not accepted"),
        ("json", r#"{"version": 1, "array": {"shape": [{"min": 9, "max": 2}]}}"#,
            "invalid spec at array.shape[0] (line 1, column 36): empty range 9..=2"),
        ("json", r#"{"version": 1, "array": {"shape": [{"name": "1x"}]}}"#,
            "invalid spec at array.shape[0].name (line 1, column 37): `1x` at byte 0: expected a dimension name (letters, digits and `_`, not starting with a digit), found `1x`"),
        ("json", r#"{"version": 1, "array": {"shape": [{"name": "..."}]}}"#,
            "invalid spec at array.shape[0].name (line 1, column 37): expected a dimension name, found `...`"),
        ("json", r#"{"version": 1, "array": {"shape": [{"name": "h:1..=2"}]}}"#,
            "invalid spec at array.shape[0].name (line 1, column 37): expected a dimension name, found `h:1..=2`"),
        // ---- values ----
        ("toml", "version = 1\n[array.values]\nmin = 2\nmax = 1\n",
            "invalid spec at array.values (line 2, column 8): no value satisfies the bounds (lowest 2, highest 1)"),
        ("toml", "version = 1\n[array.values]\nmin = 1\nexclusive_max = 1\n",
            "invalid spec at array.values (line 2, column 8): no value satisfies the bounds (lowest 1, highest 1)"),
        ("toml", "version = 1\n[array.values]\nmax = nan\n",
            "invalid spec at array.values (line 2, column 8): a bound is NaN"),
        ("toml", "version = 1\n[array]\ndtype = \"i8\"\n[array.values]\nenum = []\n",
            "invalid spec at array.values (line 4, column 8): `enum` is empty"),
        ("toml", "version = 1\n[array.values]\nenum = [0, 1]\n",
            "invalid spec at array.values.enum (line 3, column 1): `enum` lists integers, so `dtype` must be restricted to bool or integer dtypes"),
        ("toml", "version = 1\n[array]\ndtype = [\"u8\", \"complex64\"]\n[array.values]\nenum = [0, 1]\n",
            "invalid spec at array.values.enum (line 5, column 1): `enum` lists integers, but `complex64` is not an integer dtype"),
        ("toml", "version = 1\n[array.values]\nfinite = true\nnan = true\n",
            "invalid spec at array.values.nan (line 4, column 1): `nan = true` contradicts `finite = true`"),
        ("toml", "version = 1\n[array.values]\nfinite = true\ninf = true\n",
            "invalid spec at array.values.inf (line 4, column 1): `inf = true` contradicts `finite = true`"),
        // ---- bundles ----
        ("toml", "version = 1\n[dims]\nn = 3\nm = 4\n[arrays.X]\nshape = \"n\"\n",
            "invalid spec at dims.m (line 4, column 1): `m` is declared but no array's shape uses it, so it can never be bound"),
        ("toml", "version = 1\n[dims]\nn = {min = 5, max = 2}\n[arrays.X]\nshape = \"n\"\n",
            "invalid spec at dims.n (line 3, column 1): empty range 5..=2"),
        ("toml", "version = 1\n[dims]\nn = 3\n[arrays.X]\nshape = \"n:4..=9\"\n",
            "invalid spec at arrays.X.shape (line 5, column 1): `n` is 4..=9 here but declared as 3"),
        ("json", "{\"version\": 1,\n \"arrays\": {\"X\": {}, \"X\": {\"dtype\": \"f32\"}}}",
            "invalid spec at arrays.X (line 2, column 13): array declared twice"),
        ("json", "{\"version\": 1, \"dims\": {\"n\": 3, \"n\": 4},\n \"arrays\": {\"X\": {\"shape\": \"n\"}}}",
            "invalid spec at dims.n (line 1, column 25): dimension declared twice"),
        ("toml", "version = 1\n[arrays.X]\ndtype = \"f32\"\n[arrays.y]\ndtype = \"f33\"\n",
            "invalid spec at arrays.y.dtype (line 5, column 1): unknown dtype `f33`: expected a name such as `f32` or `float32`, or a NumPy type string such as `<f4`"),
        ("toml", "version = 1\n[arrays.X.values]\nfinite = true\nnan = true\n",
            "invalid spec at arrays.X.values.nan (line 4, column 1): `nan = true` contradicts `finite = true`"),
    ];
    let mut wrong = Vec::new();
    for (format, text, expected) in cases {
        let result = match *format {
            "json" => SpecFile::from_json_str(text),
            _ => SpecFile::from_toml_str(text),
        };
        let found = match result {
            Ok(spec) => format!("loaded: {spec:?}"),
            Err(e) => {
                assert_eq!(e.code(), "config.invalid_spec", "{text:?}");
                e.to_string()
            }
        };
        if found != *expected {
            wrong.push(format!("{format} {text:?}\n    found: {found}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A tiny array to check a spec against.
#[derive(Debug)]
enum Probe {
    /// What a header declares: checked with [`Plan::check`] under the spec's limits.
    Plan(DType, ByteOrder, &'static [usize], Order),
    /// Elements checked by the spec's value constraints.
    F64(&'static [f64]),
    I64(&'static [i64]),
    /// A JSON payload read as `f64` with the spec (and so with its limits).
    Json(&'static str),
    /// A `.npy` file of zeros of this shape, read with the spec.
    Npy(&'static [usize]),
}

fn probe(spec: &ArraySpec, probe: &Probe) -> Result<()> {
    match probe {
        Probe::Plan(dtype, byte_order, dims, order) => {
            let plan = Plan::new(*dtype, *byte_order, Shape::new(dims.to_vec())?, *order)?;
            plan.check(spec, &spec.limits_over(&Limits::default()))
        }
        Probe::F64(data) => spec
            .values()
            .check(data, &Shape::vector(data.len())?, Order::C),
        Probe::I64(data) => spec
            .values()
            .check(data, &Shape::vector(data.len())?, Order::C),
        Probe::Json(text) => json::from_str::<f64>(text, spec).map(drop),
        Probe::Npy(dims) => {
            let shape = Shape::new(dims.to_vec())?;
            let zeros = vec![0u8; shape.len()];
            let bytes = npy::to_vec(&Array::from_vec(shape, Order::C, zeros)?.view())?;
            npy::from_slice::<u8>(&bytes, spec).map(drop)
        }
    }
}

/// Every constraint key, written in a spec file, accepts one tiny array and refuses another.
#[test]
fn every_constraint_key_passes_and_fails() {
    use ByteOrder::{Big, Little};
    use DType::*;
    use Order::{C, F};
    let cases: &[(&str, Probe, Probe, &str)] = &[
        ("dtype = \"f32\"", Probe::Plan(F32, Little, &[2], C), Probe::Plan(F64, Little, &[2], C), "dtype mismatch: expected `f32`, found `f64`"),
        ("dtype = \"float64\"", Probe::Plan(F64, Big, &[2], C), Probe::Plan(F32, Big, &[2], C), "dtype mismatch: expected `f64`, found `f32`"),
        ("dtype = [\"u8\", \"i16\"]", Probe::Plan(I16, Big, &[2], C), Probe::Plan(U16, Big, &[2], C), "dtype mismatch: expected one of `i16`, `u8`, found `u16`"),
        ("dtype = {kind = \"uint\", max_bits = 16}", Probe::Plan(U16, Big, &[2], C), Probe::Plan(U32, Big, &[2], C), "dtype mismatch: expected one of `u8`, `u16`, found `u32`"),
        ("dtype = {kind = \"complex\", min_bits = 128}", Probe::Plan(Complex128, Big, &[2], C), Probe::Plan(Complex64, Big, &[2], C), "dtype mismatch: expected `complex128`, found `complex64`"),
        ("dtype = \">i4\"", Probe::Plan(I32, Big, &[2], C), Probe::Plan(I32, Little, &[2], C), "byte order mismatch: expected big, found little"),
        ("byte_order = \"little\"", Probe::Plan(F64, Little, &[2], C), Probe::Plan(F64, Big, &[2], C), "byte order mismatch: expected little, found big"),
        ("byte_order = \"big\"", Probe::Plan(U8, Little, &[2], C), Probe::Plan(U16, Little, &[2], C), "byte order mismatch: expected big, found little"),
        ("shape = \"n 3\"", Probe::Plan(U8, Little, &[5, 3], C), Probe::Plan(U8, Little, &[5, 4], C), "shape mismatch on axis 1: expected 3, found 4"),
        ("shape = \"n n\"", Probe::Plan(U8, Little, &[5, 5], C), Probe::Plan(U8, Little, &[5, 4], C), "dimension `n` on axis 1: expected 5 (bound earlier), found 4"),
        ("shape = \"h:2..=4\"", Probe::Plan(U8, Little, &[4], C), Probe::Plan(U8, Little, &[5], C), "shape mismatch on axis 0: expected 2..=4, found 5"),
        ("shape = \"*batch 2\"", Probe::Plan(U8, Little, &[7, 1, 2], C), Probe::Plan(U8, Little, &[], C), "ndim mismatch: expected at least 1 dimensions, found 0"),
        ("shape = [\"_\", {min = 1, max = 2}]", Probe::Plan(U8, Little, &[0, 2], C), Probe::Plan(U8, Little, &[0, 3], C), "shape mismatch on axis 1: expected 1..=2, found 3"),
        ("order = \"C\"", Probe::Plan(U8, Little, &[2, 2], C), Probe::Plan(U8, Little, &[2, 2], F), "order mismatch: expected C order, found F order"),
        ("order = \"F\"", Probe::Plan(U8, Little, &[1, 9], C), Probe::Plan(U8, Little, &[2, 9], C), "order mismatch: expected F order, found C order"),
        ("values = {min = 0}", Probe::F64(&[0.0, 3.5]), Probe::F64(&[-0.5, 1.0, -2.0]), "2 elements violate `min = 0` (first: value below the minimum): [0] = -0.5, [2] = -2.0"),
        ("values = {max = 1}", Probe::I64(&[1, -7]), Probe::I64(&[0, 2, 3]), "2 elements violate `max = 1` (first: value above the maximum): [1] = 2, [2] = 3"),
        ("values = {exclusive_min = 0}", Probe::F64(&[1e-300]), Probe::F64(&[0.0, -1.0]), "2 elements violate `exclusive_min = 0` (first: value below the minimum): [0] = 0.0, [1] = -1.0"),
        ("values = {exclusive_max = 10}", Probe::I64(&[9]), Probe::I64(&[10, 11]), "2 elements violate `exclusive_max = 10` (first: value above the maximum): [0] = 10, [1] = 11"),
        ("values = {finite = true}", Probe::F64(&[1e308]), Probe::F64(&[f64::NEG_INFINITY, f64::NAN]), "2 elements violate `inf = false` (first: infinite value): [0] = -inf"),
        ("values = {nan = false}", Probe::F64(&[f64::INFINITY]), Probe::F64(&[f64::NAN, 0.0, f64::NAN]), "2 elements violate `nan = false` (first: NaN): [0] = NaN, [2] = NaN"),
        ("values = {inf = false}", Probe::F64(&[f64::NAN]), Probe::F64(&[f64::INFINITY, f64::INFINITY]), "2 elements violate `inf = false` (first: infinite value): [0] = inf, [1] = inf"),
        ("dtype = \"i64\"\nvalues = {enum = [0, 1, 2]}", Probe::I64(&[2, 0, 1]), Probe::I64(&[3, 1, -1]), "2 elements violate `enum = [0, 1, 2]` (first: value not in the allowed set): [0] = 3, [2] = -1"),
        ("limits = {max_bytes = 8}", Probe::Plan(F64, Little, &[1], C), Probe::Plan(F64, Little, &[2], C), "limit exceeded: max_bytes is 8, input needs 16"),
        ("limits = {max_elements = 2}", Probe::Plan(U8, Little, &[2], C), Probe::Plan(U8, Little, &[3], C), "limit exceeded: max_elements is 2, input needs 3"),
        ("limits = {max_ndim = 1}", Probe::Plan(U8, Little, &[5], C), Probe::Plan(U8, Little, &[1, 1], C), "limit exceeded: max_ndim is 1, input needs 2"),
        ("limits = {max_header_bytes = 128}", Probe::Npy(&[2]), Probe::Npy(&[1; 40]), "limit exceeded: max_header_bytes is 128, input needs 246"),
        ("limits = {max_depth = 2}", Probe::Json("[[1]]"), Probe::Json("[[[1]]]"), "limit exceeded: max_depth is 2, input needs 3, at [0][0] (line 1, column 3)"),
        ("limits = {max_input_bytes = 5}", Probe::Json("[1,2]"), Probe::Json("[1,2,3]"), "limit exceeded: max_input_bytes is 5, input needs 7"),
    ];
    let mut wrong = Vec::new();
    for (body, pass, fail, message) in cases {
        let spec = toml_array(body).unwrap_or_else(|e| panic!("{body:?}: {e}"));
        if let Err(e) = probe(&spec, pass) {
            wrong.push(format!("{body:?} refused {pass:?}: {e}"));
        }
        match probe(&spec, fail) {
            Ok(()) => wrong.push(format!("{body:?} accepted {fail:?}")),
            Err(e) if e.to_string() != *message => {
                wrong.push(format!("{body:?} {fail:?}\n    found: {e}"))
            }
            Err(_) => {}
        }
    }
    assert!(
        wrong.is_empty(),
        "{} cases differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_loaded_spec_renders_its_payload_schema() {
    let spec = SpecFile::from_path(specs_dir().join("ok_features_labels.toml")).unwrap();
    let x = spec.bundle().unwrap().array("X").unwrap().payload_schema();
    assert_eq!(x["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(
        (x["minItems"].as_u64(), x["maxItems"].as_u64()),
        (Some(1), Some(100_000))
    );
    assert_eq!(
        x["items"],
        serde_json::json!({"type": "array", "minItems": 784, "maxItems": 784, "items": {"type": "number", "minimum": 0.0, "maximum": 1.0}})
    );
    let y = spec.bundle().unwrap().array("y").unwrap().payload_schema();
    assert_eq!(
        y["items"],
        serde_json::json!({"type": "integer", "enum": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]})
    );
}

/// Nesting deeper than any spec has is refused at once, without exhausting the stack or time.
#[test]
fn deeply_nested_text_is_refused() {
    let toml = format!("version = 1\n[array]\nshape = {}", "[".repeat(100_000));
    assert_eq!(
        SpecFile::from_toml_str(&toml).unwrap_err().to_string(),
        "invalid spec at line 3, column 89: cannot recurse further; max recursion depth met"
    );
    let json = format!(
        "{{\"version\": 1, \"array\": {{\"shape\": {}",
        "[".repeat(100_000)
    );
    let e = SpecFile::from_json_str(&json).unwrap_err().to_string();
    assert!(
        e.starts_with("invalid spec at array.shape[0] (line 1, column 36): invalid type: sequence"),
        "{e}"
    );
    let json = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = SpecFile::from_json_str(&json).unwrap_err().to_string();
    assert!(
        e.starts_with("invalid spec at line 1, column 1: invalid type: sequence"),
        "{e}"
    );
}
