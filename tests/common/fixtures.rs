//! Reading the fixture expectations written by the `generate.py` scripts, and serializing
//! values independently of the library's writer, for bit-exact comparisons.

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
