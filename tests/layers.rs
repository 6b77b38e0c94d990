//! The library's modules form layers: no module in `src/` imports, directly or through others,
//! a module that imports it back. Read from the `crate::` paths of `src/` outside comments,
//! strings and `#[cfg(test)]` items, with the crate root's re-exports resolved to their module.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The source without comments and with every string literal emptied.
fn strip_comments(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |j| i + j);
        } else if text[i..].starts_with("/*") {
            i = text[i..].find("*/").map_or(bytes.len(), |j| i + j + 2);
        } else if bytes[i] == b'"' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if bytes[i] == b'\'' && bytes.get(i + 2) == Some(&b'\'') {
            // A character literal such as '"' or '{'.
            out.push_str("' '");
            i += 3;
        } else {
            let c = text[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The source without `#[cfg(test)]` items (a braced body or up to `;`).
fn strip_cfg_test(mut text: String) -> String {
    while let Some(at) = text.find("#[cfg(test)]") {
        let rest = &text[at..];
        let semi = rest.find(';');
        let brace = rest.find('{');
        let end = match (semi, brace) {
            (Some(s), Some(b)) if s < b => at + s + 1,
            (_, Some(b)) => {
                let mut depth = 0;
                let mut end = text.len();
                for (j, c) in text[at + b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = at + b + j + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (Some(s), None) => at + s + 1,
            (None, None) => text.len(),
        };
        text.replace_range(at..end, "");
    }
    text
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// The top-level modules each top-level module refers to.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = strip_comments(&fs::read_to_string(src.join("lib.rs")).unwrap());
    // `pub use module::{A, B};` at the root: `crate::A` means `module`.
    let mut reexports = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = &item[..item.find(';').unwrap()];
        if let Some((module, names)) = item.split_once("::") {
            for name in words(names) {
                reexports.insert(name.to_string(), module.to_string());
            }
        }
    }
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let text = strip_cfg_test(strip_comments(&fs::read_to_string(&file).unwrap()));
        let targets = edges.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a::X, b}`: the first word of each item.
                group[..group.find("};").unwrap_or(group.len())]
                    .split(',')
                    .filter_map(|item| words(item).next())
                    .collect()
            } else {
                words(rest).take(1).collect()
            };
            for name in names {
                let target = reexports.get(name).cloned().unwrap_or(name.to_string());
                if target != module {
                    targets.insert(target);
                }
            }
        }
    }
    edges
}

/// Whether `to` can be reached from `from`.
fn reaches(edges: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(m) = stack.pop() {
        for next in edges.get(&m).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    false
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let edges = graph();
    assert!(edges.len() > 15, "{edges:?}");
    assert!(edges["npy"].contains("payload") && edges["payload"].contains("plan"));
    let mut cycles = Vec::new();
    for (module, targets) in &edges {
        for target in targets {
            if reaches(&edges, target, module) {
                cycles.push(format!("{module} -> {target} -> ... -> {module}"));
            }
        }
    }
    assert!(cycles.is_empty(), "{cycles:#?}");
}

#[test]
fn the_vocabulary_knows_no_layer_above_it() {
    let edges = graph();
    let vocabulary = ["util", "dtype", "axes", "error", "shape", "limits", "descr"];
    let above = [
        "spec", "plan", "payload", "array", "npy", "raw", "json", "bundle", "npz",
    ];
    for module in vocabulary {
        for target in &edges[module] {
            assert!(
                !above.contains(&target.as_str()),
                "{module} (vocabulary) imports {target}"
            );
        }
    }
    // The descriptors know no pipeline and no front-end.
    for target in &edges["spec"] {
        assert!(
            vocabulary.contains(&target.as_str()),
            "spec imports {target}"
        );
    }
}
