//! `arrayguard.toml`: which files `arrayguard check` checks, against which spec, expecting
//! what.
//!
//! ```toml
//! [[check]]
//! files = "data/**/*.npy"          # a glob (`*` stays within a directory, `**` crosses
//!                                  # them), or a list of globs, relative to this file
//! spec = "specs/images.toml"       # optional: without it, files are checked structurally
//! expect = "valid"                 # or "invalid" for known-bad fixtures; defaults to "valid"
//! ```
//!
//! A rule may match `.npz` archives: each is checked member by member, against the rule's
//! array spec, or as a bundle of its own when the spec is a bundle (members bound to its
//! arrays by name). Expected valid, every member must be; expected invalid, the archive is
//! one result, as expected when any member (or the archive itself) is refused.
//!
//! Every file under the configuration's directory (skipping what `.gitignore` ignores) that
//! ends in `.npy`, `.npz` or `.json` and matches no rule is reported as unmatched, unless a
//! top-level `exclude = ["glob", ...]` matches it.
//!
//! A `[limits]` table sets the limits of `check` (a flag given on the command line wins, and a
//! spec's own `limits` win over both): `max_bytes`, `max_elements`, `max_ndim`,
//! `max_header_bytes`, `max_json_depth`, `max_input_bytes`, `max_members`,
//! `max_archive_bytes`, `max_compression_ratio`.

use std::path::{Path, PathBuf};

use arrayguard::{Error, LimitOverrides, Limits};

use crate::error::CliError;
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

/// The configuration file's name, looked up in the current directory.
pub(crate) const CONFIG_NAME: &str = "arrayguard.toml";

/// What a rule expects of the files it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Expect {
    /// Every file must be valid.
    #[default]
    Valid,
    /// Every file must be refused (known-bad fixtures).
    Invalid,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    check: Vec<RuleFile>,
    #[serde(default)]
    limits: LimitsTable,
}

/// The `[limits]` table: each key overrides the limit of the same name.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsTable {
    pub(crate) max_bytes: Option<u64>,
    pub(crate) max_elements: Option<u64>,
    pub(crate) max_ndim: Option<usize>,
    pub(crate) max_header_bytes: Option<usize>,
    pub(crate) max_json_depth: Option<usize>,
    pub(crate) max_input_bytes: Option<u64>,
    pub(crate) max_members: Option<usize>,
    pub(crate) max_archive_bytes: Option<u64>,
    pub(crate) max_compression_ratio: Option<u64>,
}

impl LimitsTable {
    /// `base` with the table's limits replaced.
    pub(crate) fn apply(&self, base: &Limits) -> Limits {
        self.overrides().apply(base)
    }

    /// The table as the library's overrides (`max_json_depth` is `max_depth`).
    fn overrides(&self) -> LimitOverrides {
        let mut o = LimitOverrides::default();
        o.max_bytes = self.max_bytes;
        o.max_elements = self.max_elements;
        o.max_ndim = self.max_ndim;
        o.max_header_bytes = self.max_header_bytes;
        o.max_depth = self.max_json_depth;
        o.max_input_bytes = self.max_input_bytes;
        o.max_members = self.max_members;
        o.max_archive_bytes = self.max_archive_bytes;
        o.max_compression_ratio = self.max_compression_ratio;
        o
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    files: Globs,
    spec: Option<PathBuf>,
    #[serde(default)]
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Globs {
    One(String),
    Many(Vec<String>),
}

/// One `[[check]]` rule with its files resolved.
#[derive(Debug)]
pub(crate) struct Rule {
    /// The spec file, relative to the current directory.
    pub(crate) spec: Option<PathBuf>,
    pub(crate) expect: Expect,
    /// The files the rule's globs match, sorted.
    pub(crate) files: Vec<PathBuf>,
}

/// A loaded configuration: its rules, and the candidate files no rule matched.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) rules: Vec<Rule>,
    pub(crate) unmatched: Vec<PathBuf>,
    pub(crate) limits: LimitsTable,
}

/// A parsed configuration that matches paths one by one (for directories, `--files-from` and
/// `--changed-since`), without walking its directory.
#[derive(Debug)]
pub(crate) struct Matcher {
    /// The configuration's directory, absolute.
    base: PathBuf,
    sets: Vec<GlobSet>,
    excluded: GlobSet,
    /// The rules, with no files.
    pub(crate) rules: Vec<Rule>,
    pub(crate) limits: LimitsTable,
}

/// What a configuration says of one path.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// `exclude` matches it.
    Excluded,
    /// These rules match it (indexes into [`Matcher::rules`]).
    Rules(Vec<usize>),
    /// No rule matches it.
    Unmatched,
}

impl Matcher {
    /// What the configuration says of `path` (relative to the current directory, or
    /// absolute). A path outside the configuration's directory matches no rule.
    pub(crate) fn verdict(&self, path: &Path) -> Verdict {
        let Ok(full) = std::path::absolute(path) else {
            return Verdict::Unmatched;
        };
        let full = normalize(&full);
        let Ok(relative) = full.strip_prefix(&self.base) else {
            return Verdict::Unmatched;
        };
        if self.excluded.is_match(relative) {
            return Verdict::Excluded;
        }
        let rules: Vec<usize> = (0..self.sets.len())
            .filter(|&i| self.sets[i].is_match(relative))
            .collect();
        if rules.is_empty() {
            Verdict::Unmatched
        } else {
            Verdict::Rules(rules)
        }
    }
}

/// `path` without `.` components and with `..` applied lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn invalid(path: &Path, location: &str, reason: String) -> CliError {
    CliError::Config {
        location: format!("{}: {location}", path.display()),
        reason,
    }
}

/// Reads `path` and matches its globs against the files under its directory.
pub(crate) fn load(path: &Path) -> Result<Config, CliError> {
    let matcher = parse(path)?;
    let base = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let candidates = walk(&base)?;
    let Matcher {
        sets,
        excluded,
        mut rules,
        limits,
        ..
    } = matcher;
    let mut unmatched = Vec::new();
    for (relative, full) in candidates {
        if excluded.is_match(&relative) {
            continue;
        }
        let mut matched = false;
        for (rule, set) in rules.iter_mut().zip(&sets) {
            if set.is_match(&relative) {
                rule.files.push(full.clone());
                matched = true;
            }
        }
        if !matched && is_array_file(&relative) {
            unmatched.push(full);
        }
    }
    for (i, rule) in rules.iter().enumerate() {
        if rule.files.is_empty() {
            return Err(invalid(
                path,
                &format!("check[{i}].files"),
                "the globs match no file".into(),
            ));
        }
    }
    Ok(Config {
        rules,
        unmatched,
        limits,
    })
}

/// Reads `path` and compiles its globs, without looking at any file.
pub(crate) fn parse(path: &Path) -> Result<Matcher, CliError> {
    let text = std::fs::read_to_string(path)?;
    let file: ConfigFile =
        toml::from_str(&text).map_err(|e| invalid(path, "toml", e.message().to_string()))?;
    if file.check.is_empty() {
        return Err(invalid(path, "check", "no `[[check]]` rule".into()));
    }
    let base = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut sets = Vec::new();
    for (i, rule) in file.check.iter().enumerate() {
        let patterns = match &rule.files {
            Globs::One(p) => vec![p.clone()],
            Globs::Many(ps) => ps.clone(),
        };
        if patterns.is_empty() {
            return Err(invalid(
                path,
                &format!("check[{i}].files"),
                "no glob".into(),
            ));
        }
        let mut builder = GlobSetBuilder::new();
        for pattern in &patterns {
            let glob = glob(pattern)
                .map_err(|e| invalid(path, &format!("check[{i}].files"), e.to_string()))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| invalid(path, &format!("check[{i}].files"), e.to_string()))?;
        sets.push(set);
    }
    let mut excluded = GlobSetBuilder::new();
    for pattern in &file.exclude {
        let glob = glob(pattern).map_err(|e| invalid(path, "exclude", e.to_string()))?;
        excluded.add(glob);
    }
    let excluded: GlobSet = excluded
        .build()
        .map_err(|e| invalid(path, "exclude", e.to_string()))?;
    let rules = file
        .check
        .into_iter()
        .map(|rule| Rule {
            spec: rule.spec.map(|s| base.join(s)),
            expect: rule.expect,
            files: Vec::new(),
        })
        .collect();
    let absolute = std::path::absolute(&base).map_err(Error::from)?;
    Ok(Matcher {
        base: normalize(&absolute),
        sets,
        excluded,
        rules,
        limits: file.limits,
    })
}

/// A glob in which `*` stops at `/` (use `**` to cross directories), as in `.gitignore`.
fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern).literal_separator(true).build()
}

pub(crate) fn is_array_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        e.eq_ignore_ascii_case("npy")
            || e.eq_ignore_ascii_case("npz")
            || e.eq_ignore_ascii_case("json")
    })
}

/// Every file under `base` that `.gitignore` does not ignore: (path relative to `base`, path
/// as given), sorted.
fn walk(base: &Path) -> Result<Vec<(PathBuf, PathBuf)>, Error> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(base).build() {
        let entry = entry.map_err(|e| Error::from(std::io::Error::other(e.to_string())))?;
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let full = entry.path().to_path_buf();
        let relative = full.strip_prefix(base).unwrap_or(&full).to_path_buf();
        // Report paths as the user would type them: `data/a.npy`, not `./data/a.npy`.
        let shown = if base == Path::new(".") {
            relative.clone()
        } else {
            full
        };
        files.push((relative, shown));
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_globs_and_report_the_rest() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("data/bad")).unwrap();
        for f in ["data/a.npy", "data/bad/b.npy", "data/c.json", "notes.txt"] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        std::fs::write(
            root.join(CONFIG_NAME),
            "exclude = [\"notes*\"]\n[[check]]\nfiles = \"data/*.npy\"\n\n[[check]]\nfiles = [\"data/bad/*.npy\"]\nexpect = \"invalid\"\n",
        )
        .unwrap();
        let config = load(&root.join(CONFIG_NAME)).unwrap();
        assert_eq!(config.rules.len(), 2);
        assert_eq!(config.rules[0].files, vec![root.join("data/a.npy")]);
        assert_eq!(config.rules[1].expect, Expect::Invalid);
        assert_eq!(config.unmatched, vec![root.join("data/c.json")]);
    }

    #[test]
    fn bad_configs_are_config_errors() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join(CONFIG_NAME);
        for text in [
            "",
            "[[check]]\nfiles = \"*.npy\"\nspeck = \"x\"\n",
            "[[check]]\nfiles = \"[\"\n",
            "[[check]]\nfiles = \"none/*.npy\"\n",
        ] {
            std::fs::write(&path, text).unwrap();
            let e = load(&path).unwrap_err();
            assert!(matches!(e, CliError::Config { .. }), "{text:?}: {e}");
        }
    }
}
