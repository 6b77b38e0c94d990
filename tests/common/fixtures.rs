//! Reading the fixture expectations written by the `generate.py` scripts, checking that the
//! fixture directories match them, and serializing values independently of the library
//! (neither its writer nor `DynArray::to_le_bytes`), for bit-exact comparisons with the
//! hashes NumPy recorded.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use arrayguard::DynArray;

/// One fixture's `key=value` fields.
pub type Fields = BTreeMap<String, String>;

/// Parses `dir/expected.txt`: `name<TAB>key=value<TAB>...`, one line per fixture.
pub fn read_expected(dir: &Path) -> BTreeMap<String, Fields> {
    let text = fs::read_to_string(dir.join("expected.txt")).expect("read expected.txt");
    let mut all = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let mut parts = line.split('\t');
        let name = parts
            .next()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| panic!("line {}: no name", n + 1));
        let mut fields = Fields::new();
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .unwrap_or_else(|| panic!("line {}: `{part}` is not key=value", n + 1));
            assert!(
                fields.insert(key.to_owned(), value.to_owned()).is_none(),
                "line {}: duplicate key {key}",
                n + 1
            );
        }
        assert!(
            all.insert(name.to_owned(), fields).is_none(),
            "line {}: duplicate name {name}",
            n + 1
        );
    }
    assert!(!all.is_empty(), "expected.txt is empty");
    all
}

/// The names of the files in `dir` whose name ends in `.{ext}`, sorted.
pub fn files_with_extension(dir: &Path, ext: &str) -> Vec<String> {
    let suffix = format!(".{ext}");
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .into_string()
                .expect("a UTF-8 file name")
        })
        .filter(|name| name.ends_with(&suffix))
        .collect();
    names.sort();
    names
}

/// Nothing is silently skipped: the `*.{ext}` files in `dir` are exactly the names
/// `expected` lists, and each name says whether it must parse (`ok_*` lines record an
/// `fnv1a64` and no `code`, `bad_*` lines a `code` and no `fnv1a64`). Returns the names on
/// disk, for each test's own count guards.
pub fn assert_every_fixture_listed(
    dir: &Path,
    ext: &str,
    expected: &BTreeMap<String, Fields>,
) -> Vec<String> {
    let on_disk = files_with_extension(dir, ext);
    let unlisted: Vec<&String> = on_disk
        .iter()
        .filter(|n| !expected.contains_key(*n))
        .collect();
    let missing: Vec<&String> = expected.keys().filter(|n| !on_disk.contains(n)).collect();
    assert!(
        unlisted.is_empty(),
        "fixtures missing from expected.txt (rerun generate.py): {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "expected.txt lists files that do not exist: {missing:?}"
    );
    for (name, fields) in expected {
        match (name.starts_with("ok_"), name.starts_with("bad_")) {
            (true, _) => assert!(
                fields.contains_key("fnv1a64") && !fields.contains_key("code"),
                "{name}"
            ),
            (_, true) => assert!(
                fields.contains_key("code") && !fields.contains_key("fnv1a64"),
                "{name}"
            ),
            _ => panic!("{name}: fixture names start with ok_ or bad_"),
        }
    }
    on_disk
}

/// A field of a fixture's expectations, which must be present.
pub fn field<'a>(fields: &'a Fields, name: &str, key: &str) -> &'a str {
    fields
        .get(key)
        .unwrap_or_else(|| panic!("{name}: expected.txt has no `{key}`"))
}

/// The 64-bit FNV-1a hash, as the `generate.py` scripts compute it.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The elements in memory order, each little-endian (bool 0/1; complex: real, then
/// imaginary), serialized here without the library's writer.
pub fn le_bytes(array: &DynArray) -> Vec<u8> {
    macro_rules! each {
        ($a:expr, $v:ident => $bytes:expr) => {
            $a.as_slice().iter().flat_map(|$v| $bytes).collect()
        };
    }
    match array {
        DynArray::Bool(a) => a.as_slice().iter().map(|&b| u8::from(b)).collect(),
        DynArray::I8(a) => each!(a, v => v.to_le_bytes()),
        DynArray::I16(a) => each!(a, v => v.to_le_bytes()),
        DynArray::I32(a) => each!(a, v => v.to_le_bytes()),
        DynArray::I64(a) => each!(a, v => v.to_le_bytes()),
        DynArray::U8(a) => each!(a, v => v.to_le_bytes()),
        DynArray::U16(a) => each!(a, v => v.to_le_bytes()),
        DynArray::U32(a) => each!(a, v => v.to_le_bytes()),
        DynArray::U64(a) => each!(a, v => v.to_le_bytes()),
        DynArray::F16(a) => each!(a, v => v.to_bits().to_le_bytes()),
        DynArray::BF16(a) => each!(a, v => v.to_bits().to_le_bytes()),
        DynArray::F32(a) => each!(a, v => v.to_bits().to_le_bytes()),
        DynArray::F64(a) => each!(a, v => v.to_bits().to_le_bytes()),
        DynArray::Complex64(a) => {
            each!(a, v => [v.re.to_bits().to_le_bytes(), v.im.to_bits().to_le_bytes()].concat())
        }
        DynArray::Complex128(a) => {
            each!(a, v => [v.re.to_bits().to_le_bytes(), v.im.to_bits().to_le_bytes()].concat())
        }
        other => panic!("le_bytes: no serializer for {}", other.dtype()),
    }
}
