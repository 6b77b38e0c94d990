//! What the commands share about `.npz` archives: how one is recognised, opened, and how its
//! members are named in reports.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use arrayguard::npz::{self, Archive};
use arrayguard::{Error, Limits};

/// Whether `path` names an `.npz` archive: by its extension, in any case, as `.json` is
/// recognised (the content is not sniffed: a `.npy` file that is really a zip is refused by
/// the `.npy` reader, `npy.bad_magic`).
pub(crate) fn is_npz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npz"))
}

/// Opens the archive at `path` with `limits` for the archive itself (member count, total size,
/// compression ratio) and for the members read through it.
pub(crate) fn open(path: &Path, limits: &Limits) -> Result<Archive<BufReader<File>>, Error> {
    npz::ReadOptions::new()
        .limits(limits.clone())
        .open_path(path)
}

/// How a member is named in reports and diagnostics: `ARCHIVE:MEMBER`, e.g. `data.npz:X.npy`.
/// Member names are untrusted text: control characters are escaped (`\n`, `\u{1b}`) so a
/// name cannot break a line of a report.
pub(crate) fn member_path(archive: &Path, member: &str) -> String {
    format!("{}:{}", archive.display(), printable(member))
}

/// `name` with control characters escaped.
pub(crate) fn printable(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npz_by_extension_in_any_case() {
        assert!(is_npz(Path::new("a/b.npz")));
        assert!(is_npz(Path::new("b.NPZ")));
        assert!(!is_npz(Path::new("b.npy")));
        assert!(!is_npz(Path::new("npz")));
    }

    #[test]
    fn member_names_cannot_break_lines() {
        assert_eq!(member_path(Path::new("d.npz"), "X.npy"), "d.npz:X.npy");
        assert_eq!(printable("a\nb\u{1b}é"), "a\\nb\\u{1b}é");
    }
}
