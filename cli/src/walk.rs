//! Which files `arrayguard check` checks when it is given directories, `--files-from` or
//! `--changed-since`: a recursive walk that honours `.gitignore`, `.ignore` and the
//! configuration's `exclude`, lists of paths, and the files git says changed.

use std::io::{self, BufRead};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use arrayguard::Error;

/// A file found, or an entry that could not be walked (a symlink loop, a broken link, an
/// unreadable directory): reported, never followed.
pub(crate) enum Found {
    File(PathBuf),
    Error(PathBuf, Error),
}

/// Every file under `dir`, following symbolic links (a loop is reported once, not followed),
/// skipping what `.gitignore` (inside a git repository or not), `.ignore` and git's global
/// excludes ignore, and hidden entries are walked like any other. `keep` says which files are
/// wanted; the result is sorted. Directories are read on up to `threads` threads (the
/// `ignore` crate's parallel walker), which finds the same entries in another order.
pub(crate) fn walk(
    dir: &Path,
    threads: usize,
    keep: &(dyn Fn(&Path) -> bool + Sync),
) -> Vec<Found> {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .follow_links(true)
        .hidden(false)
        .require_git(false)
        // `.git` itself is never an input.
        .filter_entry(|e| e.file_name() != ".git");
    let visit = |entry: Result<ignore::DirEntry, ignore::Error>| match entry {
        Ok(entry) => (entry.file_type().is_some_and(|t| t.is_file()) && keep(entry.path()))
            .then(|| Found::File(clean(entry.path()))),
        Err(error) => {
            let path = error_path(&error).unwrap_or_else(|| dir.to_path_buf());
            let message = error_message(&error);
            Some(Found::Error(
                clean(&path),
                Error::from(io::Error::other(message)),
            ))
        }
    };
    let mut found = if threads > 1 {
        let found = Mutex::new(Vec::new());
        builder.threads(threads).build_parallel().run(|| {
            Box::new(|entry| {
                if let Some(f) = visit(entry) {
                    // Pushing cannot panic, so the lock is never poisoned.
                    if let Ok(mut found) = found.lock() {
                        found.push(f);
                    }
                }
                ignore::WalkState::Continue
            })
        });
        found.into_inner().unwrap_or_default()
    } else {
        builder.build().filter_map(visit).collect()
    };
    found.sort_by(|a, b| a.path().cmp(b.path()));
    found
}

impl Found {
    pub(crate) fn path(&self) -> &Path {
        match self {
            Found::File(p) | Found::Error(p, _) => p,
        }
    }
}

/// `./a/b.npy` as `a/b.npy`, as a user would type it.
fn clean(path: &Path) -> PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errors) => errors.first().and_then(error_path),
        _ => None,
    }
}

fn error_message(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => error_message(err),
        ignore::Error::Loop { ancestor, .. } => format!(
            "symbolic link loop (back to {}): not followed",
            ancestor.display()
        ),
        ignore::Error::Io(e) if e.kind() == io::ErrorKind::NotFound => {
            "cannot be walked: a broken symbolic link, or removed while walking".into()
        }
        ignore::Error::Io(e) => format!("cannot be walked: {e}"),
        other => other.to_string(),
    }
}

/// Paths read from `source` (`-` for stdin), one a line; blank lines are skipped.
pub(crate) fn read_list(source: &Path) -> io::Result<Vec<PathBuf>> {
    let text = if source == Path::new("-") {
        let mut lines = Vec::new();
        for line in io::stdin().lock().lines() {
            lines.push(line?);
        }
        lines.join("\n")
    } else {
        std::fs::read_to_string(source)?
    };
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect())
}

/// The files changed since the git revision `rev` in the repository holding the current
/// directory — committed since, staged or not — plus untracked files that `.gitignore` does
/// not ignore (a pull request's new file is often untracked in a local run), as paths relative
/// to the current directory where possible. Deleted files are left out.
pub(crate) fn changed_since(rev: &str) -> Result<Vec<PathBuf>, String> {
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    // `--` after the revision: `rev` is never taken for a path, and a `-` in it for a flag,
    // since `--end-of-options` precedes it.
    let diff = git(&[
        "-C",
        &top.to_string_lossy(),
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        "--diff-filter=d",
        "--end-of-options",
        rev,
        "--",
    ])?;
    let untracked = git(&[
        "-C",
        &top.to_string_lossy(),
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
    ])?;
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let top = top.canonicalize().unwrap_or(top);
    let mut paths: Vec<PathBuf> = diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|p| !p.is_empty())
        .map(|p| {
            let full = top.join(p);
            full.strip_prefix(&cwd)
                .map(Path::to_path_buf)
                .unwrap_or(full)
        })
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
}

fn git(args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!("git {}: {}", args.join(" "), stderr.trim()));
    }
    String::from_utf8(out.stdout).map_err(|_| "git printed a path that is not UTF-8".into())
}
