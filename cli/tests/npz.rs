//! `.npz` archives through the real binary: `inspect` lists members, `check` reports one result
//! per member (or one for an archive refused when opened) with the fixtures' expected codes,
//! bundles bind members by array name, `convert --member` writes one array, and
//! `arrayguard.toml` rules match archives.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

mod common;

use arrayguard::{npy, npz, Array, ArraySpec, DynArray, Element, Order, Shape};
use serde_json::Value;
use tempfile::TempDir;

use common::{arrayguard, code, json, p, run_in, stderr, stdout};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/npz")
}

fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// `tests/data/npz/expected.txt`: per file, its lines as `key → value` maps (an ok archive's
/// `members=` line, then one per member; a bad archive's one line).
fn expected() -> BTreeMap<String, Vec<BTreeMap<String, String>>> {
    let text = fs::read_to_string(fixtures().join("expected.txt")).unwrap();
    let mut files: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut fields = line.split('\t');
        let file = fields.next().unwrap().to_string();
        let map = fields
            .map(|f| {
                let (k, v) = f.split_once('=').expect("key=value");
                (k.to_string(), v.to_string())
            })
            .collect();
        files.entry(file).or_default().push(map);
    }
    files
}

/// The limit flags for an expected.txt `limits=` field (`max_members=100,...`).
fn limit_flags(limits: Option<&String>) -> Vec<String> {
    let mut flags = Vec::new();
    for pair in limits.into_iter().flat_map(|l| l.split(',')) {
        let (key, value) = pair.split_once('=').unwrap();
        flags.push(format!("--{}", key.replace('_', "-")));
        flags.push(value.to_string());
    }
    flags
}

fn array<T: Element>(dims: &[usize], data: Vec<T>) -> DynArray
where
    DynArray: From<Array<T>>,
{
    DynArray::from(Array::from_vec(Shape::new(dims.to_vec()).unwrap(), Order::C, data).unwrap())
}

/// Writes an archive of `arrays` (deflated) with the library's writer.
fn write_npz(dir: &Path, name: &str, arrays: &[(&str, DynArray)]) -> PathBuf {
    let path = dir.join(name);
    let mut writer = npz::Writer::new(fs::File::create(&path).unwrap(), npz::Compression::Deflated);
    for (name, array) in arrays {
        writer.add(name, array).unwrap();
    }
    writer.finish().unwrap();
    path
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

const BUNDLE: &str = "version = 1\n[dims]\nn = { min = 1, max = 100 }\n[arrays.X]\ndtype = \"f32\"\nshape = \"n 2\"\n[arrays.y]\ndtype = \"i64\"\nshape = \"n\"\n";

// ---- inspect -------------------------------------------------------------------------------

#[test]
fn inspect_text_lists_members_in_archive_order() {
    let path = fixture("ok_savez.npz");
    let out = arrayguard(&["inspect", p(&path)]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], path.display().to_string());
    assert_eq!(lines[1], "  format:        npz");
    assert_eq!(lines[2], "  members:       17");
    let file_len = fs::metadata(&path).unwrap().len();
    assert_eq!(lines[3], format!("  file_len:      {file_len}"));
    let titles: Vec<&str> = lines[4].split_whitespace().collect();
    assert_eq!(
        titles,
        [
            "member",
            "array",
            "compression",
            "compressed",
            "size",
            "crc32",
            "npy",
            "dtype",
            "shape",
            "order",
            "status"
        ]
    );
    let archive = npz::open_path(&path).unwrap();
    let expected = &expected()["ok_savez.npz"][1..];
    assert_eq!(lines.len(), 5 + expected.len(), "{text}");
    for ((row, want), member) in lines[5..].iter().zip(expected).zip(archive.members()) {
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(cells[0], want["member"], "{row}");
        assert_eq!(cells[1], want["array"], "{row}");
        assert_eq!(cells[2], "stored", "{row}");
        assert_eq!(cells[3], member.compressed_size().to_string(), "{row}");
        assert_eq!(cells[4], member.size().to_string(), "{row}");
        assert_eq!(cells[5], format!("{:08x}", member.crc32()), "{row}");
        assert_eq!(cells[6], "1.0", "{row}");
        // `f64 (>f8)`: the dtype name, then the descr as written.
        assert_eq!(cells[8], format!("({})", want["descr"]), "{row}");
        assert!(
            row.contains(&want["shape"].replace(',', ", ").replace(", )", ",)")),
            "{row}"
        );
        assert_eq!(cells[cells.len() - 2], "C", "{row}");
        assert_eq!(cells[cells.len() - 1], "ok", "{row}");
    }
}

#[test]
fn inspect_json_reports_every_member_with_its_header() {
    for (name, compression) in [
        ("ok_savez.npz", "stored"),
        ("ok_savez_compressed.npz", "deflated"),
        ("ok_shapes.npz", "stored"),
    ] {
        let path = fixture(name);
        let out = arrayguard(&["inspect", "--format", "json", p(&path)]);
        assert_eq!(code(&out), 0, "{name}: {}", stdout(&out));
        assert_eq!(stderr(&out), "", "{name}");
        let report = json(&out);
        assert_eq!(report["version"], 1);
        let file = &report["files"][0];
        assert_eq!(file["path"], p(&path));
        assert_eq!(file["ok"], true);
        assert_eq!(file["format"], "npz");
        assert_eq!(file["file_len"], fs::metadata(&path).unwrap().len());
        assert!(file.get("error").is_none());
        let members = file["members"].as_array().unwrap();
        let expected = &expected()[name][1..];
        assert_eq!(members.len(), expected.len(), "{name}");
        for (m, want) in members.iter().zip(expected) {
            assert_eq!(m["name"], want["member"].as_str());
            assert_eq!(m["array"], want["array"].as_str());
            assert_eq!(m["compression"], compression);
            assert_eq!(m["ok"], true);
            assert_eq!(m["format"], "npy");
            assert_eq!(m["npy_version"], "1.0");
            assert_eq!(m["descr"], want["descr"].as_str());
            let shape: Vec<String> = m["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.to_string())
                .collect();
            let shape = match shape.len() {
                1 => format!("({},)", shape[0]),
                _ => format!("({})", shape.join(",")),
            };
            assert_eq!(shape, want["shape"]);
            assert_eq!(
                m["fortran_order"],
                want["fortran_order"] == "True",
                "{name} {}",
                want["member"]
            );
            assert_eq!(m["nbytes"].to_string(), want["nbytes"]);
            // The header's length matches the member's declared size.
            assert_eq!(m["file_len"], m["size"]);
            assert_eq!(m["length"], "exact");
            let crc = m["crc32"].as_str().unwrap();
            assert_eq!(crc.len(), 8);
            assert!(crc.chars().all(|c| c.is_ascii_hexdigit()));
            if compression == "stored" {
                assert_eq!(m["compressed_size"], m["size"]);
            }
        }
    }
}

#[test]
fn inspect_reports_bad_members_and_refused_archives() {
    let object = fixture("bad_member_object.npz");
    let out = arrayguard(&["inspect", p(&object)]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr(&out).lines().collect::<Vec<_>>(),
        [format!(
            "arrayguard: error[dtype.pickle_not_allowed]: {}:obj.npy: object dtype in `|O`: the payload would be a pickle, which is never loaded",
            object.display()
        )]
    );
    // The table still lists both members.
    let text = stdout(&out);
    assert!(text.contains("error[dtype.pickle_not_allowed]"), "{text}");
    assert!(text.contains("numbers.npy"), "{text}");

    // A header declaring more than the limits: facts reported, member invalid.
    let huge = fixture("bad_member_8gb.npz");
    let out = arrayguard(&["inspect", "--format", "json", p(&huge)]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), "");
    let member = &json(&out)["files"][0]["members"][0];
    assert_eq!(member["ok"], false);
    assert_eq!(member["shape"][0], 1_000_000_000u64);
    assert_eq!(member["error"]["code"], "limit.elements");
    assert_eq!(member["error"]["member"], "huge.npy");

    // Refused when opened: one error for the file, no members.
    let trailing = fixture("bad_trailing.npz");
    let out = arrayguard(&["inspect", "--format", "json", p(&trailing)]);
    assert_eq!(code(&out), 1);
    let file = &json(&out)["files"][0];
    assert_eq!(file["ok"], false);
    assert_eq!(file["error"]["code"], "npz.trailing_data");
    assert!(file.get("members").is_none());
    let out = arrayguard(&["inspect", p(&trailing)]);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).starts_with(&format!(
        "arrayguard: error[npz.trailing_data]: {}: ",
        trailing.display()
    )));

    // The archive limits are flags.
    let many = fixture("bad_too_many_members.npz");
    assert_eq!(code(&arrayguard(&["inspect", p(&many)])), 0);
    let out = arrayguard(&["inspect", "--max-members", "100", p(&many)]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("error[limit.members]"));
}

// ---- check ---------------------------------------------------------------------------------

#[test]
fn check_every_ok_fixture_passes_member_by_member() {
    let expected = expected();
    for (name, lines) in expected.iter().filter(|(n, _)| n.starts_with("ok_")) {
        let path = fixture(name);
        let out = arrayguard(&["check", p(&path)]);
        assert_eq!(code(&out), 0, "{name}: {}", stdout(&out));
        assert_eq!(stderr(&out), "", "{name}");
        let text = stdout(&out);
        let members = &lines[1..];
        if members.is_empty() {
            // An empty archive is one valid result for the file.
            assert!(
                text.starts_with(&format!("ok       {}\n", path.display())),
                "{text}"
            );
            continue;
        }
        let reported: Vec<&str> = text.lines().take(members.len()).collect();
        let wanted: Vec<String> = members
            .iter()
            .map(|m| format!("ok       {}:{}", path.display(), m["member"]))
            .collect();
        assert_eq!(reported, wanted, "{name}");
        let n = members.len();
        let plural = if n == 1 { "" } else { "s" };
        assert!(
            text.ends_with(&format!(
                "{n} result{plural} checked ({n} archive member{plural}): {n} valid, 0 invalid, 0 not as expected\n"
            )),
            "{text}"
        );
    }
}

#[test]
fn check_every_bad_fixture_fails_with_its_code_and_member() {
    let expected = expected();
    let bad: Vec<_> = expected
        .iter()
        .filter(|(n, _)| n.starts_with("bad_"))
        .collect();
    assert!(bad.len() >= 30);
    for (name, lines) in bad {
        let want = &lines[0];
        let path = fixture(name);
        let flags = limit_flags(want.get("limits"));
        // expected.txt states the verdicts under the library's default limits; `check` lifts
        // the payload limits of streamed members, so they are given back here.
        let mut args = vec![
            "check",
            "--format",
            "json",
            "--max-bytes",
            "268435456",
            "--max-elements",
            "268435456",
        ];
        args.extend(flags.iter().map(String::as_str));
        args.push(p(&path));
        let out = arrayguard(&args);
        assert_eq!(code(&out), 1, "{name}: {}", stdout(&out));
        assert_eq!(stderr(&out), "", "{name}");
        let report = json(&out);
        let failed: Vec<&Value> = report["files"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["valid"] == false)
            .collect();
        assert_eq!(failed.len(), 1, "{name}: {report}");
        let failed = failed[0];
        assert_eq!(failed["path"], p(&path), "{name}");
        let error = &failed["errors"][0];
        assert_eq!(error["code"], want["code"].as_str(), "{name}: {error}");
        match want.get("member") {
            Some(member) => {
                assert_eq!(failed["member"], member.as_str(), "{name}: {failed}");
                assert_eq!(error["location"]["member"], member.as_str(), "{name}");
                // The text report names it `ARCHIVE:MEMBER`.
                let mut args = vec!["check"];
                args.extend(flags.iter().map(String::as_str));
                args.push(p(&path));
                let text = stdout(&arrayguard(&args));
                let line = format!("FAIL     {}:{member}: error[", path.display());
                assert!(text.contains(&line), "{name}: {text}");
            }
            None => assert!(failed["member"].is_null(), "{name}: {failed}"),
        }
    }
}

#[test]
fn check_archive_limit_flags() {
    let cases = [
        (
            "bad_too_many_members.npz",
            "--max-members",
            "100",
            "101",
            "limit.members",
        ),
        (
            "bad_archive_total.npz",
            "--max-archive-bytes",
            "2783",
            "2784",
            "limit.archive_bytes",
        ),
        // 1 048 704-byte members deflated to a few hundred bytes each.
        (
            "ok_large_compressed.npz",
            "--max-compression-ratio",
            "2",
            "1000000",
            "limit.compression_ratio",
        ),
    ];
    for (name, flag, refused, accepted, error) in cases {
        let path = fixture(name);
        let out = arrayguard(&["check", p(&path)]);
        assert_eq!(
            code(&out),
            0,
            "{name} with default limits: {}",
            stdout(&out)
        );
        let out = arrayguard(&["check", flag, accepted, p(&path)]);
        assert_eq!(code(&out), 0, "{name} {flag} {accepted}: {}", stdout(&out));
        let out = arrayguard(&["check", flag, refused, p(&path)]);
        assert_eq!(code(&out), 1, "{name} {flag} {refused}");
        assert!(
            stdout(&out).contains(&format!("error[{error}]")),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn check_single_array_spec_applies_to_each_member() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let spec = write(
        d,
        "spec.toml",
        "version = 1\n[array]\ndtype = \"f32\"\nshape = \"n 2\"\n",
    );
    let archive = write_npz(
        d,
        "data.npz",
        &[
            ("X", array(&[3, 2], vec![0f32; 6])),
            ("y", array(&[3], vec![0i64; 3])),
            ("Z", array(&[1, 2], vec![1f32, 2.])),
        ],
    );
    let out = arrayguard(&["check", "--spec", p(&spec), p(&archive)]);
    assert_eq!(code(&out), 1);
    let a = archive.display();
    assert_eq!(
        stdout(&out).lines().collect::<Vec<_>>()[..2],
        [format!("ok       {a}:X.npy"), format!("FAIL     {a}:y.npy: error[spec.dtype]: dtype mismatch: expected `f32`, found `i64`")][..],
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains(&format!("ok       {a}:Z.npy\n")));
    // A spec's own limits apply to the archive too.
    let tight = write(
        d,
        "tight.toml",
        "version = 1\n[array]\ndtype = \"f32\"\n[array.limits]\nmax_members = 2\n",
    );
    let out = arrayguard(&["check", "--spec", p(&tight), p(&archive)]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("error[limit.members]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_bundle_binds_members_by_array_name() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let spec = write(d, "bundle.toml", BUNDLE);
    let good = write_npz(
        d,
        "good.npz",
        &[
            ("y", array(&[3], vec![0i64, 1, 2])),
            ("X", array(&[3, 2], vec![0f32; 6])),
        ],
    );
    let out = arrayguard(&["check", "--spec", p(&spec), p(&good)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let g = good.display();
    // In the bundle's order, each naming its member and array.
    assert_eq!(
        stdout(&out),
        format!(
            "ok       {g}:X.npy [X]\nok       {g}:y.npy [y]\n2 results checked (2 archive members): 2 valid, 0 invalid, 0 not as expected\n"
        )
    );

    // Named dimension `n` disagrees across members.
    let mismatch = write_npz(
        d,
        "mismatch.npz",
        &[
            ("X", array(&[3, 2], vec![0f32; 6])),
            ("y", array(&[4], vec![0i64; 4])),
        ],
    );
    let out = arrayguard(&[
        "check",
        "--spec",
        p(&spec),
        "--format",
        "json",
        p(&mismatch),
    ]);
    assert_eq!(code(&out), 1);
    let files = json(&out)["files"].clone();
    assert_eq!(files[0]["member"], "X.npy");
    assert_eq!(files[0]["valid"], true);
    assert_eq!(files[1]["path"], p(&mismatch));
    assert_eq!(files[1]["member"], "y.npy");
    assert_eq!(files[1]["array"], "y");
    assert_eq!(files[1]["errors"][0]["code"], "spec.named_dim");
    assert_eq!(files[1]["errors"][0]["location"]["member"], "y.npy");
    assert_eq!(files[1]["errors"][0]["location"]["array"], "y");

    // A missing array is reported on the archive; an unknown member on itself.
    let partial = write_npz(
        d,
        "partial.npz",
        &[
            ("X", array(&[3, 2], vec![0f32; 6])),
            ("extra", array(&[1], vec![0u8])),
        ],
    );
    let out = arrayguard(&["check", "--spec", p(&spec), p(&partial)]);
    assert_eq!(code(&out), 1);
    let q = partial.display();
    let text = stdout(&out);
    assert!(
        text.contains(&format!(
            "FAIL     {q}:extra.npy [extra]: error[spec.unknown_array]"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("ok       {q}:X.npy [X]\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!("FAIL     {q} [y]: error[spec.missing_array]")),
        "{text}"
    );

    // Each archive is a bundle of its own, beside .npy files bound by stem.
    let x = d.join("X.npy");
    npy::write_dyn(
        fs::File::create(&x).unwrap(),
        &array(&[5, 2], vec![0f32; 10]),
    )
    .unwrap();
    let y = d.join("y.npy");
    npy::write_dyn(fs::File::create(&y).unwrap(), &array(&[5], vec![0i64; 5])).unwrap();
    let out = arrayguard(&["check", "--spec", p(&spec), p(&good), p(&x), p(&y)]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 5);

    // The github format annotates the archive and names the member in the message.
    let out = arrayguard(&[
        "check",
        "--spec",
        p(&spec),
        "--format",
        "github",
        p(&mismatch),
    ]);
    let text = stdout(&out);
    assert!(
        text.starts_with("::error file=")
            && text.contains(",title=arrayguard spec.named_dim::y.npy: "),
        "{text}"
    );
}

#[test]
fn check_archive_errors_exit_codes() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    // A missing archive is an I/O error.
    let missing = d.join("missing.npz");
    let out = arrayguard(&["check", p(&missing)]);
    assert_eq!(code(&out), 4);
    assert!(stdout(&out).contains("error[io]"), "{}", stdout(&out));
    // An archive is bound to a bundle by its members, not with --array.
    let spec = write(d, "bundle.toml", BUNDLE);
    let out = arrayguard(&["check", "--spec", p(&spec), "--array", "X=data.npz"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains(".npz archive"), "{}", stderr(&out));
    // The extension decides, in any case; a zip named .npy is refused by the .npy reader.
    let upper = d.join("DATA.NPZ");
    fs::copy(fixture("ok_comment.npz"), &upper).unwrap();
    let out = arrayguard(&["check", p(&upper)]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains(":x.npy"), "{}", stdout(&out));
    let disguised = d.join("zip.npy");
    fs::copy(fixture("ok_comment.npz"), &disguised).unwrap();
    let out = arrayguard(&["check", p(&disguised)]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("error[npy.bad_magic]"));
}

// ---- convert -------------------------------------------------------------------------------

#[test]
fn convert_member_to_npy_reads_back_equal() {
    let dir = TempDir::new().unwrap();
    let shapes = fixture("ok_shapes_compressed.npz");
    let options = npz::ReadOptions::new().c_order(true);
    for (member, array) in [
        ("fortran_3d_be", "fortran_3d_be"),
        ("fortran_c8.npy", "fortran_c8"),
        ("scalar_nan_payload", "scalar_nan_payload"),
        ("empty_2x0", "empty_2x0"),
    ] {
        let out_path = dir.path().join(format!("{array}.npy"));
        let out = arrayguard(&[
            "convert",
            p(&shapes),
            "--member",
            member,
            "-o",
            p(&out_path),
        ]);
        assert_eq!(code(&out), 0, "{member}: {}", stderr(&out));
        assert_eq!(stdout(&out), "");
        let written = npy::ReadOptions::new()
            .read_path::<DynArray>(&out_path, &ArraySpec::any())
            .unwrap();
        let original = options
            .open_path(&shapes)
            .unwrap()
            .read::<DynArray>(array, &ArraySpec::any())
            .unwrap();
        // Bit for bit (NaN payloads included), in C order.
        assert_eq!(written.dtype(), original.dtype(), "{member}");
        assert_eq!(written.shape(), original.shape(), "{member}");
        assert_eq!(written.order(), Order::C, "{member}");
        assert_eq!(written.as_bytes(), original.as_bytes(), "{member}");
    }
    // JSON output by extension.
    let json_path = dir.path().join("bias.json");
    let out = arrayguard(&[
        "convert",
        p(&fixture("ok_positional.npz")),
        "--member",
        "bias",
        "-o",
        p(&json_path),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let values: Value = serde_json::from_str(&fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(values.as_array().unwrap().len(), 3);
}

#[test]
fn convert_member_usage_and_errors() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let out_path = d.join("out.npy");
    let positional = fixture("ok_positional.npz");
    // Without --member: a usage error naming the arrays.
    let out = arrayguard(&["convert", p(&positional), "-o", p(&out_path)]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out),
        format!(
            "arrayguard: error: {} is an .npz archive: choose the array to convert with --member NAME (its arrays: weights, bias, arr_0, arr_1)\n",
            positional.display()
        )
    );
    // An array it does not hold.
    let out = arrayguard(&[
        "convert",
        p(&positional),
        "--member",
        "nope",
        "-o",
        p(&out_path),
    ]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--member nope: "), "{}", stderr(&out));
    // --member on an input that is not an archive.
    let npy_path = d.join("x.npy");
    npy::write_dyn(
        fs::File::create(&npy_path).unwrap(),
        &array(&[2], vec![1u8, 2]),
    )
    .unwrap();
    let out = arrayguard(&["convert", p(&npy_path), "--member", "x", "-o", p(&out_path)]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--member"), "{}", stderr(&out));
    // A corrupt member: exit 1, the member named, no output left behind.
    for (name, error) in [
        ("bad_crc.npz", "npz.crc_mismatch"),
        ("bad_member_truncated.npz", "data.truncated"),
        ("bad_size_lie_small.npz", "npz.size_mismatch"),
    ] {
        let path = fixture(name);
        let out = arrayguard(&["convert", p(&path), "--member", "x", "-o", p(&out_path)]);
        assert_eq!(code(&out), 1, "{name}");
        let prefix = format!("arrayguard: error[{error}]: {}:x.npy: ", path.display());
        assert!(stderr(&out).starts_with(&prefix), "{}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1);
    }
    // Refused when opened.
    let out = arrayguard(&[
        "convert",
        p(&fixture("bad_overlap.npz")),
        "--member",
        "a",
        "-o",
        p(&out_path),
    ]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("error[npz.overlapping_members]"));
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["x.npy"], "nothing else was written");
    // --from npz reads an archive named otherwise.
    let renamed = d.join("archive.bin");
    fs::copy(&positional, &renamed).unwrap();
    let out = arrayguard(&[
        "convert",
        p(&renamed),
        "--from",
        "npz",
        "--member",
        "bias",
        "-o",
        p(&out_path),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

// ---- arrayguard.toml -----------------------------------------------------------------------

/// `check` lifts the payload limits of streamed formats: a member declaring 2 GB is streamed
/// and found truncated, not refused from its header, unless a limit is given.
#[test]
fn check_streams_members_without_payload_limits() {
    let path = fixture("bad_member_2gb.npz");
    let out = arrayguard(&["check", p(&path)]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("error[data.truncated]"),
        "{}",
        stdout(&out)
    );
    let out = arrayguard(&["check", "--max-bytes", "1000000", p(&path)]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out).contains("error[limit.bytes]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn config_rules_check_archives_as_bundles() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("data/bad")).unwrap();
    write(d, "bundle.toml", BUNDLE);
    write_npz(
        d,
        "data/train.npz",
        &[
            ("X", array(&[2, 2], vec![0f32; 4])),
            ("y", array(&[2], vec![0i64; 2])),
        ],
    );
    // Expected invalid: one result for the archive, its first error.
    write_npz(
        d,
        "data/bad/short.npz",
        &[
            ("X", array(&[2, 2], vec![0f32; 4])),
            ("y", array(&[1], vec![0i64])),
        ],
    );
    write_npz(d, "stray.npz", &[("a", array(&[1], vec![0u8]))]);
    write(
        d,
        "arrayguard.toml",
        "[[check]]\nfiles = \"data/*.npz\"\nspec = \"bundle.toml\"\n\n[[check]]\nfiles = \"data/bad/*.npz\"\nspec = \"bundle.toml\"\nexpect = \"invalid\"\n",
    );
    let out = run_in(Some(d), &["check"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(
        stdout(&out),
        "invalid  data/bad/short.npz:y.npy [y]: error[spec.named_dim]: dimension `n` on axis 0: expected 2 (bound earlier), found 1 (expected)\n\
         ok       data/train.npz:X.npy [X]\n\
         ok       data/train.npz:y.npy [y]\n\
         unmatched stray.npz: no rule in arrayguard.toml checks it\n\
         3 results checked (3 archive members): 2 valid, 1 invalid, 0 not as expected\n",
    );

    // A known-bad archive whose members all pass is one failure.
    write_npz(
        d,
        "data/bad/short.npz",
        &[
            ("X", array(&[1, 2], vec![0f32; 2])),
            ("y", array(&[1], vec![0i64])),
        ],
    );
    let out = run_in(Some(d), &["check"]);
    assert_eq!(code(&out), 1);
    assert!(
        stdout(&out)
            .contains("FAIL     data/bad/short.npz: expected invalid, but the file is valid\n"),
        "{}",
        stdout(&out)
    );
}
