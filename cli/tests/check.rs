//! `arrayguard check` and `arrayguard schema`, run as the real binary: exit codes, report
//! formats, bundles, arrayguard.toml.

use std::fs;
use std::path::{Path, PathBuf};

mod common;

use arrayguard::{npy, Array, Order, Shape};
use serde_json::Value;
use tempfile::TempDir;

use common::{arrayguard, code, json, p, run_in, stderr, stdout};

fn write_npy<T: arrayguard::Element>(
    dir: &Path,
    name: &str,
    dims: &[usize],
    data: Vec<T>,
) -> PathBuf {
    let array = Array::from_vec(Shape::new(dims.to_vec()).unwrap(), Order::C, data).unwrap();
    let path = dir.join(name);
    npy::write(fs::File::create(&path).unwrap(), &array.view()).unwrap();
    path
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

const SPEC: &str = r#"
version = 1
[array]
dtype = "f32"
shape = "n 3"
[array.values]
min = 0.0
finite = true
"#;

#[test]
fn check_with_a_spec_reports_every_file() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let spec = write(d, "spec.toml", SPEC);
    let good = write_npy(d, "good.npy", &[2, 3], vec![0f32, 1., 2., 3., 4., 5.]);
    let negative = write_npy(
        d,
        "negative.npy",
        &[2, 3],
        vec![0f32, f32::NAN, 2., 3., -1., 5.],
    );
    let wide = write_npy(d, "wide.npy", &[2, 4], vec![0f32; 8]);
    let f64s = write_npy(d, "f64.npy", &[2, 3], vec![0f64; 6]);
    let out = arrayguard(&[
        "check",
        "--spec",
        p(&spec),
        p(&good),
        p(&negative),
        p(&wide),
        p(&f64s),
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(&format!("ok       {}", good.display())),
        "{text}"
    );
    // NaN comes first among the constraints: reported as NaN, not as below the minimum.
    assert!(text.contains("error[value.nan]"), "{text}");
    assert!(text.contains("error[spec.shape]"), "{text}");
    assert!(text.contains("error[spec.dtype]"), "{text}");
    assert!(
        text.ends_with("4 files checked: 1 valid, 3 invalid, 3 not as expected\n"),
        "{text}"
    );

    let out = arrayguard(&[
        "check",
        "--spec",
        p(&spec),
        "--format",
        "json",
        p(&good),
        p(&negative),
    ]);
    let report = json(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["files"][0]["valid"], true);
    assert_eq!(report["files"][0]["errors"].as_array().unwrap().len(), 0);
    assert_eq!(report["files"][1]["valid"], false);
    assert_eq!(report["files"][1]["errors"][0]["code"], "value.nan");
    assert!(report["files"][1]["errors"][0]["location"].is_object());
    assert_eq!(report["summary"]["files"], 2);
    assert_eq!(report["summary"]["invalid"], 1);
    assert_eq!(stderr(&out), "");

    let out = arrayguard(&[
        "check",
        "--spec",
        p(&spec),
        "--format",
        "github",
        p(&good),
        p(&negative),
    ]);
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "::error file={},title=arrayguard value.nan::",
            negative
                .display()
                .to_string()
                .replace(':', "%3A")
                .replace(',', "%2C")
        )),
        "{lines:?}"
    );
}

#[test]
fn check_without_a_spec_is_structural() {
    let dir = TempDir::new().unwrap();
    let good = write_npy(dir.path(), "a.npy", &[3], vec![1u8, 2, 3]);
    let bad = write(dir.path(), "b.npy", "not an array");
    let out = arrayguard(&["check", p(&good)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let out = arrayguard(&["check", p(&good), p(&bad)]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("error[npy.bad_magic]"));
    let out = arrayguard(&["check", p(&dir.path().join("missing.npy"))]);
    assert_eq!(code(&out), 4);
}

#[test]
fn invalid_specs_exit_3() {
    let dir = TempDir::new().unwrap();
    let file = write_npy(dir.path(), "a.npy", &[3], vec![1u8, 2, 3]);
    let spec = write(
        dir.path(),
        "spec.toml",
        "version = 1\n[array]\ndtype = \"f32\"\nshape = \"... ...\"\n",
    );
    let out = arrayguard(&["check", "--spec", p(&spec), p(&file)]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("arrayguard: error[config.invalid_spec]: "),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    let unknown = write(
        dir.path(),
        "unknown.toml",
        "version = 1\n[array]\ndtyp = \"f32\"\n",
    );
    assert_eq!(
        code(&arrayguard(&["check", "--spec", p(&unknown), p(&file)])),
        3
    );
}

#[test]
fn argument_errors_exit_2() {
    let dir = TempDir::new().unwrap();
    let spec = write(
        dir.path(),
        "spec.toml",
        "version = 1\n[array]\ndtype = \"u8\"\n",
    );
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--spec", p(&spec), "--array", "X"],
            "arrayguard: error: --array: expected NAME=FILE, found `X`\n",
        ),
        (
            &["check", "--spec", p(&spec)],
            "arrayguard: error: --spec needs FILE arguments or --array\n",
        ),
        // Refused by clap itself.
        (&["check", "--spec", p(&spec), "--config", "other.toml"], ""),
    ];
    for (args, message) in cases {
        let out = run_in(Some(dir.path()), args);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        if !message.is_empty() {
            assert_eq!(stderr(&out), *message, "{args:?}");
        }
        assert_eq!(stdout(&out), "", "{args:?}");
    }
}

#[test]
fn bundles_bind_files_by_stem_or_flag() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let spec = write(
        d,
        "bundle.toml",
        "version = 1\n[dims]\nn = { min = 1, max = 100 }\n[arrays.X]\ndtype = \"f32\"\nshape = \"n 2\"\n[arrays.y]\ndtype = \"i64\"\nshape = \"n\"\n",
    );
    let x = write_npy(d, "X.npy", &[3, 2], vec![0f32; 6]);
    let y = write_npy(d, "y.npy", &[3], vec![0i64; 3]);
    let y4 = write_npy(d, "labels4.npy", &[4], vec![0i64; 4]);
    let out = arrayguard(&["check", "--spec", p(&spec), p(&x), p(&y)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let out = arrayguard(&[
        "check",
        "--spec",
        p(&spec),
        p(&x),
        "--array",
        &format!("y={}", y4.display()),
    ]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("error[spec.named_dim]"),
        "{}",
        stdout(&out)
    );
    let out = arrayguard(&["check", "--spec", p(&spec), p(&x)]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("error[spec.missing_array]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn config_rules_expectations_and_unmatched_files() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("data/bad")).unwrap();
    write(d, "spec.toml", SPEC);
    write_npy(d, "data/a.npy", &[1, 3], vec![1f32, 2., 3.]);
    write(d, "data/bad/broken.npy", "junk");
    write_npy(d, "stray.npy", &[1], vec![0u8]);
    write(
        d,
        "arrayguard.toml",
        "[[check]]\nfiles = \"data/*.npy\"\nspec = \"spec.toml\"\n\n[[check]]\nfiles = \"data/bad/*.npy\"\nexpect = \"invalid\"\n",
    );
    let out = run_in(Some(d), &["check"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("(expected)"), "{text}");
    assert!(text.contains("unmatched stray.npy"), "{text}");

    // A known-bad fixture that becomes valid is a failure.
    write_npy(d, "data/bad/broken.npy", &[1], vec![0u8]);
    let out = run_in(Some(d), &["check", "--format", "json"]);
    assert_eq!(code(&out), 1);
    let report = json(&out);
    let unexpected: Vec<&Value> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["ok"] == false)
        .collect();
    assert_eq!(unexpected.len(), 1);
    assert_eq!(unexpected[0]["expected"], "invalid");
    assert_eq!(report["unmatched"].as_array().unwrap().len(), 1);

    let out = run_in(Some(&d.join("data")), &["check"]);
    assert_eq!(code(&out), 4, "no arrayguard.toml here: {}", stderr(&out));
}

#[test]
fn schema_commands() {
    let out = arrayguard(&["schema"]);
    assert_eq!(code(&out), 0);
    let committed: Value = serde_json::from_str(
        &fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schemas/spec.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json(&out), committed);

    let dir = TempDir::new().unwrap();
    let spec = write(
        dir.path(),
        "spec.toml",
        "version = 1\n[array]\ndtype = \"u8\"\nshape = \"2 _\"\n",
    );
    let out = arrayguard(&["schema", "--payload", p(&spec)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let schema = json(&out);
    assert_eq!(schema["type"], "array");
    assert_eq!(schema["minItems"], 2);
    assert_eq!(schema["maxItems"], 2);
}

/// The repository's own arrayguard.toml (the README's main command) passes.
#[test]
fn repository_config_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = run_in(Some(&root), &["check"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(!stdout(&out).contains("unmatched"), "{}", stdout(&out));
    // The example archive is checked as the features/labels bundle, member by member.
    for member in ["features.npy [features]", "labels.npy [labels]"] {
        let line = format!("ok       examples/data/dataset.npz:{member}\n");
        assert!(stdout(&out).contains(&line), "{}", stdout(&out));
    }
}
