//! The progress line of `arrayguard check`, for real: stderr attached to a pseudo-terminal
//! (Python's `pty` module, from the test venv made by scripts/python-env), the delay set to 0
//! with `ARRAYGUARD_PROGRESS_DELAY_MS`. Drawn on a terminal, erased before the report, absent
//! under `--quiet` and when stderr is not a terminal.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{arrayguard, p, stderr};

/// Runs `arrayguard ARGS` with stdout a pipe and stderr a pseudo-terminal; returns what the
/// terminal received and the exit code.
fn on_a_terminal(args: &[&str]) -> (String, i32) {
    let python = venv_python();
    let script = r#"
import os, pty, subprocess, sys
master, slave = pty.openpty()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=slave,
                         env=dict(os.environ, ARRAYGUARD_PROGRESS_DELAY_MS="0"))
os.close(slave)
seen = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
code = child.wait()
sys.stdout.buffer.write(seen)
sys.exit(code)
"#;
    let out = Command::new(&python)
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_arrayguard"))
        .args(args)
        .output()
        .expect("python runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn venv_python() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository");
    let path = root.join(".venv/bin/python");
    assert!(
        path.exists(),
        "{} is missing: run scripts/python-env (scripts/test does)",
        path.display()
    );
    path
}

/// A folder of `n` valid `.npy` files.
fn folder(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    for i in 0..n {
        let array = arrayguard::Array::from_vec(
            arrayguard::Shape::vector(256).expect("a shape"),
            arrayguard::Order::C,
            vec![i as f32; 256],
        )
        .expect("an array");
        let bytes = arrayguard::npy::to_vec(&array.view()).expect("npy bytes");
        std::fs::write(dir.path().join(format!("a{i:03}.npy")), bytes).expect("write");
    }
    dir
}

#[test]
fn progress_is_drawn_on_a_terminal_and_erased_before_the_report() {
    let dir = folder(40);
    let (terminal, code) = on_a_terminal(&["check", "--jobs", "1", p(dir.path())]);
    assert_eq!(code, 0, "{terminal}");
    // Files done out of the total, bytes out of the total, a rate (indicatif redraws at most
    // about 20 times a second, so not every count is drawn).
    assert!(terminal.contains("1/40 files"), "{terminal:?}");
    assert!(terminal.contains("/45.00 KiB"), "{terminal:?}");
    assert!(terminal.contains("B/s"), "{terminal:?}");
    // Erased: the line is cleared (`ESC [2K`) after the last draw, before the report.
    let last_draw = terminal.rfind("/40 files").expect("drawn");
    assert!(terminal[last_draw..].contains("\u{1b}[2K"), "{terminal:?}");
}

#[test]
fn quiet_and_pipes_get_no_progress() {
    let dir = folder(10);
    let (terminal, code) = on_a_terminal(&["check", "--quiet", "--jobs", "1", p(dir.path())]);
    assert_eq!(code, 0);
    assert!(!terminal.contains("files"), "{terminal:?}");
    // stderr a pipe (the harness's): nothing but the summary.
    let out = arrayguard(&["check", "--jobs", "1", p(dir.path())]);
    assert!(!stderr(&out).contains("files  "), "{}", stderr(&out));
}
