//! Running the `arrayguard` binary and reading its output: shared by the CLI's test files.
//! Each test file uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Runs the binary with `args`, in `dir` when given.
pub fn run_in(dir: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_arrayguard"));
    command.args(args);
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    command.output().expect("the binary runs")
}

/// Runs the binary with `args` in the current directory.
pub fn arrayguard(args: &[&str]) -> Output {
    run_in(None, args)
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

pub fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

pub fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}
