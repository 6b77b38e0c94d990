//! `arrayguard check` as a repository checker: directories, parallel checks, SARIF,
//! `--files-from`, `--changed-since`, `[limits]`, the GitHub Action and the pre-commit hook.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use arrayguard::{npy, Array, Order, Shape};
use serde_json::Value;
use tempfile::TempDir;

use common::{code, stderr, stdout};

const BIN: &str = env!("CARGO_BIN_EXE_arrayguard");

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn run_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn both(out: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", stdout(out), stderr(out))
}

fn npy_file(dir: &Path, name: &str, n: usize) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let array = Array::from_vec(Shape::new(vec![n]).unwrap(), Order::C, vec![1.5f32; n]).unwrap();
    npy::write(fs::File::create(&path).unwrap(), &array.view()).unwrap();
    path
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, bytes).unwrap();
    path
}

/// The lines of a text report that name a file, without the summary.
fn names(out: &Output) -> Vec<String> {
    stdout(out)
        .lines()
        .filter(|l| !l.contains(" checked"))
        .map(|l| {
            l.split_whitespace()
                .nth(1)
                .unwrap()
                .trim_end_matches(':')
                .to_string()
        })
        .collect()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", both(&out));
}

/// A tree with nested folders, ignore files and an excluded folder.
fn tree() -> TempDir {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    npy_file(d, "a.npy", 3);
    npy_file(d, "x/b.npy", 3);
    npy_file(d, "x/y/z/c.npy", 3);
    write(
        d,
        "x/y/d.json",
        b"{\"dtype\": \"<f4\", \"shape\": [1], \"data\": [1",
    );
    write(d, "x/notes.txt", b"not an array");
    npy_file(d, "gitignored/e.npy", 3);
    npy_file(d, "x/ignored.npy", 3);
    npy_file(d, "vendor/f.npy", 3);
    write(d, ".gitignore", b"gitignored/\n");
    write(d, "x/.ignore", b"ignored.npy\n");
    write(d, ".hidden/g.npy", b"\x93NUMPY broken");
    dir
}

#[test]
fn directories_are_walked_honouring_ignore_files_and_exclude() {
    let dir = tree();
    let d = dir.path();
    // No arrayguard.toml: every array file, checked structurally.
    let out = run_in(d, &["check", "."]);
    assert_eq!(code(&out), 1, "{}", both(&out));
    assert_eq!(
        names(&out),
        [
            ".hidden/g.npy",
            "a.npy",
            "vendor/f.npy",
            "x/b.npy",
            "x/y/d.json",
            "x/y/z/c.npy"
        ],
        "{}",
        both(&out)
    );
    assert!(stdout(&out).contains("FAIL     x/y/d.json: error[json.syntax]"));
    // The same with a .git directory: .gitignore holds either way.
    fs::create_dir(d.join(".git")).unwrap();
    let again = run_in(d, &["check", "."]);
    assert_eq!(stdout(&again), stdout(&out));

    // arrayguard.toml: `exclude` drops a folder, rules apply their expectations by glob.
    write(
        d,
        "arrayguard.toml",
        b"exclude = [\"vendor/**\", \".hidden/**\"]\n[[check]]\nfiles = \"x/y/*.json\"\nexpect = \"invalid\"\n",
    );
    let out = run_in(d, &["check", "x", "a.npy", "vendor"]);
    assert_eq!(code(&out), 0, "{}", both(&out));
    assert_eq!(
        names(&out),
        ["a.npy", "x/b.npy", "x/y/d.json", "x/y/z/c.npy"]
    );
    assert!(stdout(&out).contains("invalid  x/y/d.json: error[json.syntax]"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_broken_entries_are_reported_not_followed() {
    let dir = tree();
    let d = dir.path();
    std::os::unix::fs::symlink("..", d.join("x/y/up")).unwrap();
    // Fails for root too: a link to nothing cannot be opened by anyone.
    std::os::unix::fs::symlink("nowhere.npy", d.join("x/dangling.npy")).unwrap();
    // A FIFO is not a regular file: skipped, never opened (opening it would block).
    let mkfifo = Command::new("mkfifo")
        .arg(d.join("x/pipe.npy"))
        .status()
        .unwrap();
    assert!(mkfifo.success());
    let out = run_in(d, &["check", "x"]);
    assert_eq!(code(&out), 4, "{}", both(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL     x/dangling.npy: error[io]"),
        "{text}"
    );
    assert!(
        text.contains("FAIL     x/y/up: error[io]: ") && text.contains("loop"),
        "{text}"
    );
    assert!(!text.contains("pipe.npy"), "{text}");
    assert!(text.contains("ok       x/b.npy"), "{text}");
    // The loop is reported once, not walked again and again.
    assert_eq!(text.matches("c.npy").count(), 1, "{text}");
    // The walk on one thread and on several finds the same entries.
    for jobs in ["1", "4"] {
        let again = run_in(d, &["check", "--jobs", jobs, "x"]);
        assert_eq!(stdout(&again), text, "--jobs {jobs}");
    }
}

#[test]
fn reports_are_identical_whatever_the_number_of_jobs() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    for i in 0..200 {
        let name = format!("d{}/f{:03}.npy", i % 7, (i * 37) % 200);
        if i % 10 == 3 {
            write(d, &name, b"\x93NUMPY\x01\x00bad");
        } else {
            npy_file(d, &name, 1 + i % 50);
        }
    }
    let one = run_in(d, &["check", "--jobs", "1", "."]);
    let eight = run_in(d, &["check", "--jobs", "8", "."]);
    assert_eq!(code(&one), 1);
    assert_eq!(stdout(&one), stdout(&eight));
    let mut sorted = names(&one);
    assert_eq!(sorted.len(), 200);
    sorted.sort();
    assert_eq!(names(&one), sorted, "sorted by path");
    let one = run_in(d, &["check", "-j1", "--format", "json", "."]);
    let eight = run_in(d, &["check", "-j8", "--format", "json", "."]);
    assert_eq!(stdout(&one), stdout(&eight));
    let out = run_in(d, &["check", "--jobs", "0", "."]);
    assert_eq!(code(&out), 2);
}

#[test]
fn files_from_stdin_checks_only_what_the_rules_or_extensions_select() {
    let dir = tree();
    let d = dir.path();
    write(
        d,
        "arrayguard.toml",
        b"exclude = [\"vendor/**\"]\n[[check]]\nfiles = \"x/**/*.npy\"\n",
    );
    let list = "a.npy\nvendor/f.npy\nx/notes.txt\ndeleted.npy\n\nx/y\n";
    let out = run_stdin(d, &["check", "--files-from", "-"], list);
    assert_eq!(code(&out), 1, "{}", both(&out));
    assert_eq!(names(&out), ["a.npy", "x/y/d.json", "x/y/z/c.npy"]);
    let listed = write(d, "list.txt", b"a.npy\n");
    let out = run_in(d, &["check", "--files-from", listed.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", both(&out));
    assert_eq!(names(&out), ["a.npy"]);
}

#[test]
fn changed_since_checks_the_files_git_says_changed() {
    let dir = tree();
    let d = dir.path();
    git(d, &["init", "-q"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "base"]);
    // Modified, deleted, added (staged), untracked, a non-array file, an ignored file.
    npy_file(d, "x/b.npy", 5);
    fs::remove_file(d.join("a.npy")).unwrap();
    npy_file(d, "new/staged.npy", 2);
    git(d, &["add", "new/staged.npy"]);
    write(d, "new/untracked.npy", b"garbage");
    write(d, "x/notes.txt", b"changed");
    npy_file(d, "gitignored/h.npy", 2);
    let out = run_in(d, &["check", "--changed-since", "HEAD"]);
    assert_eq!(code(&out), 1, "{}", both(&out));
    assert_eq!(
        names(&out),
        ["new/staged.npy", "new/untracked.npy", "x/b.npy"],
        "{}",
        both(&out)
    );
    // From a subdirectory, paths are relative to it.
    let out = run_in(&d.join("x"), &["check", "--changed-since", "HEAD"]);
    assert_eq!(names(&out)[2], "b.npy", "{}", both(&out));
    let out = run_in(d, &["check", "--changed-since", "no-such-ref"]);
    assert_eq!(code(&out), 2, "{}", both(&out));
}

#[test]
fn config_limits_table_applies_and_flags_win() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    npy_file(d, "big.npy", 1000);
    write(
        d,
        "arrayguard.toml",
        b"[limits]\nmax_bytes = 100\n[[check]]\nfiles = \"*.npy\"\n",
    );
    let out = run_in(d, &["check"]);
    assert_eq!(code(&out), 1, "{}", both(&out));
    assert!(
        stdout(&out).contains("error[limit.bytes]"),
        "{}",
        both(&out)
    );
    let out = run_in(d, &["check", "."]);
    assert!(
        stdout(&out).contains("error[limit.bytes]"),
        "{}",
        both(&out)
    );
    let out = run_in(d, &["check", "--max-bytes", "4000"]);
    assert_eq!(code(&out), 0, "{}", both(&out));
    write(
        d,
        "arrayguard.toml",
        b"[limits]\nmax_bites = 1\n[[check]]\nfiles = \"*.npy\"\n",
    );
    assert_eq!(code(&run_in(d, &["check"])), 3);
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn sarif_is_valid_sarif_2_1_0() {
    let dir = tree();
    let d = dir.path();
    write(
        d,
        "bad.json",
        b"{\"dtype\": \"<f4\", \"shape\": [2], \"data\": [1, \"x\"]}",
    );
    write(d, "short.npy", &fs::read(d.join("a.npy")).unwrap()[..130]);
    write(
        d,
        "arrayguard.toml",
        b"[[check]]\nfiles = \"x/b.npy\"\nexpect = \"invalid\"\n",
    );
    let out = run_in(d, &["check", "--format", "sarif", "."]);
    assert_eq!(code(&out), 1, "{}", both(&out));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema_path = repo_root().join("tests/data/sarif/sarif-schema-2.1.0.json");
    // The official schema's `language` patterns (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`)
    // have a stray `]`: a literal for ECMA-262, but refused by the validator's check of the
    // meta-schema's `format: regex`. The same pattern with the `]` escaped means the same.
    let text = fs::read_to_string(schema_path).unwrap();
    let stray = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert!(text.matches(stray).count() >= 2);
    let text = text.replace(stray, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().all(|r| r["help"]["text"].is_string()));
    let results = run["results"].as_array().unwrap();
    let by_uri = |uri: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri)
            .unwrap_or_else(|| panic!("no result for {uri}: {log:#}"))
    };
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let json = by_uri("bad.json");
    let region = &json["locations"][0]["physicalLocation"]["region"];
    assert_eq!(json["ruleId"], "json.unexpected_token", "{json:#}");
    assert_eq!(region["startLine"], 1);
    assert!(region["startColumn"].as_u64().unwrap() > 40, "{region}");
    let npy = by_uri("short.npy");
    assert_eq!(npy["ruleId"], "data.truncated");
    assert_eq!(
        npy["locations"][0]["physicalLocation"]["region"]["byteOffset"],
        128
    );
    assert_eq!(by_uri("x/b.npy")["ruleId"], "arrayguard.expected_invalid");
    assert_eq!(by_uri("x/y/d.json")["ruleId"], "json.syntax");
}

/// A tool of the test venv (`.venv`, made by scripts/python-env); its absence is a failure.
fn venv_tool(name: &str) -> PathBuf {
    let path = repo_root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/python-env (scripts/test does) to install cli/tests/requirements.txt",
        path.display()
    );
    path
}

#[test]
fn action_and_example_workflow_match_the_github_schemas() {
    let tool = venv_tool("check-jsonschema");
    let root = repo_root();
    for (schema, file) in [
        ("vendor.github-actions", "action.yml"),
        ("vendor.github-workflows", "examples/github-workflow.yml"),
    ] {
        let out = Command::new(&tool)
            .args(["--builtin-schema", schema, file])
            .current_dir(&root)
            .output()
            .unwrap();
        assert!(out.status.success(), "{file}: {}", both(&out));
    }
    // The README shows the same workflow.
    let readme = fs::read_to_string(root.join("README.md")).unwrap();
    let workflow = fs::read_to_string(root.join("examples/github-workflow.yml")).unwrap();
    // Lines compared trimmed: the README indents the block inside a list item.
    let trimmed = |text: &str| text.lines().map(str::trim).collect::<Vec<_>>().join("\n");
    let body = workflow.split_once("name: arrays").unwrap().1;
    assert!(
        trimmed(&readme).contains(&trimmed(body.trim())),
        "README's workflow differs from examples/github-workflow.yml"
    );
}

#[test]
fn pre_commit_hook_runs_for_real() {
    let tool = venv_tool("pre-commit");
    let root = repo_root();
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(&root)
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap().trim().to_string();
    let home = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    npy_file(d, "data/a.npy", 4);
    write(d, "arrayguard.toml", b"[[check]]\nfiles = \"data/*.npy\"\n");
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {head}\n    hooks:\n      - id: arrayguard-check\n",
        root.display()
    );
    write(d, ".pre-commit-config.yaml", config.as_bytes());
    git(d, &["add", "-A"]);
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let run = || {
        Command::new(&tool)
            .args(["run", "--all-files"])
            .current_dir(d)
            .env("PRE_COMMIT_HOME", home.path())
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{}", both(&out));
    write(d, "data/b.npy", b"\x93NUMPY\x01\x00broken");
    git(d, &["add", "-A"]);
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(stdout(&out).contains("data/b.npy"), "{}", both(&out));
}

/// The composite action, run step by step as a runner runs it (`cli/tests/run_action.py`:
/// expressions, `GITHUB_OUTPUT`, `GITHUB_PATH`, step conditions; a `uses:` step, which needs
/// the network, is reported with the inputs it would get): this CLI found on PATH, the check
/// with SARIF and annotations, the upload given the report, the job failed on an invalid
/// array and passed once it is gone.
#[test]
fn the_action_runs_step_by_step_as_a_runner_runs_it() {
    let python = venv_tool("python");
    let runner = repo_root().join("cli/tests/run_action.py");
    let action = repo_root().join("action.yml");
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let home = TempDir::new().unwrap();
    npy_file(d, "data/a.npy", 4);
    write(d, "data/b.npy", b"\x93NUMPY\x01\x00broken");
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let run = |inputs: &[&str]| {
        let mut command = Command::new(&python);
        command.arg(&runner).arg(&action);
        for input in inputs {
            command.args(["--input", input]);
        }
        command
            .current_dir(d)
            // No `~/.cargo/bin` of this machine ahead of the CLI under test.
            .env("HOME", home.path())
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let outputs = |out: &Output| -> Value {
        serde_json::from_str(stdout(out).lines().last().unwrap_or("")).unwrap()
    };

    let out = run(&["args=data", "sarif=true"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let text = both(&out);
    assert!(text.contains("arrayguard already on PATH"), "{text}");
    assert!(stdout(&out).contains("::error file=data/b.npy"), "{text}");
    assert_eq!(
        outputs(&out),
        serde_json::json!({"exit-code": "1", "sarif-file": "arrayguard.sarif"})
    );
    assert!(
        stderr(&out).contains(
            r#"[Upload SARIF] skipped uses: github/codeql-action/upload-sarif@v3 with {"category": "arrayguard", "sarif_file": "./arrayguard.sarif"}"#
        ),
        "{text}"
    );
    assert!(
        stderr(&out).contains("[Fail on invalid arrays] exit 1"),
        "{text}"
    );
    let sarif: Value =
        serde_json::from_str(&fs::read_to_string(d.join("arrayguard.sarif")).unwrap()).unwrap();
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "data/b.npy", "{sarif}");

    fs::remove_file(d.join("data/b.npy")).unwrap();
    let out = run(&["args=data"]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert_eq!(
        outputs(&out),
        serde_json::json!({"exit-code": "0", "sarif-file": ""})
    );
    assert!(
        stderr(&out).contains("[Upload SARIF] skipped (condition)"),
        "{}",
        both(&out)
    );
}

/// A large file checked alone gets the threads `--jobs` allows (one with `--jobs 1`, four with
/// `--jobs 4`), with the same report: the violation found and counted as on one thread.
#[test]
fn a_large_file_reports_the_same_on_one_thread_and_on_several() {
    let dir = TempDir::new().unwrap();
    let d = dir.path();
    let n = 4 << 20;
    let mut values = vec![0.5f32; n];
    values[n - 5] = 2.0;
    values[n / 3] = f32::NAN;
    let array = Array::from_vec(Shape::new(vec![n]).unwrap(), Order::C, values).unwrap();
    npy::write(fs::File::create(d.join("big.npy")).unwrap(), &array.view()).unwrap();
    write(
        d,
        "spec.toml",
        b"version = 1\n[array]\ndtype = \"f32\"\n[array.values]\nfinite = true\nmax = 1.0\n",
    );
    let one = run_in(
        d,
        &["check", "--jobs", "1", "--spec", "spec.toml", "big.npy"],
    );
    assert_eq!(code(&one), 1, "{}", both(&one));
    assert!(stdout(&one).contains("value.nan"), "{}", both(&one));
    assert!(stdout(&one).contains("2 elements"), "{}", both(&one));
    let four = run_in(
        d,
        &["check", "--jobs", "4", "--spec", "spec.toml", "big.npy"],
    );
    assert_eq!(stdout(&four), stdout(&one));
}
