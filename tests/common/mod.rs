//! Helpers shared by the integration tests: building `.npy` bytes by hand, one runner for
//! every `.npy` read entry point, the proptest configuration, and (from [`support`], which
//! the fuzz oracles and benches compile too) small-read readers, canonical bytes, the spec
//! oracle and the deterministic generator.
//!
//! | module | holds |
//! | --- | --- |
//! | this file | `.npy` bytes by hand, [`Input`], [`Entry`] (the `.npy` entry points), [`Outcome`], [`config`] |
//! | [`alloc`] | the counting allocator and `measure` |
//! | [`fixtures`] | `expected.txt` of the generated fixtures, their listing, FNV-1a, an independent serializer |
//! | [`support`] | std + arrayguard only: readers, canonical bytes, `satisfies`, `SplitMix` |

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod alloc;
pub mod fixtures;
pub mod support;

use std::io::Write;
use std::path::Path;

use arrayguard::npy::{self, ReadOptions};
use arrayguard::{ArraySpec, ByteOrder, DType, Dim, DynArray, Limits, Order, Result, Shape};
use proptest::test_runner::Config as ProptestConfig;

/// The library's `by_dtype!` (the element type of a runtime dtype), under the name the
/// `Entry` runners use.
#[allow(unused_imports)]
pub use arrayguard::by_dtype as with_element;

// The shared support by its short names; each test binary uses some of them.
#[allow(unused_imports)]
pub use support::{
    arrays::{bits_equal, canonical, to_byte_order, write_npy},
    readers::{ChunkReader, OneByteReader},
    rng::SplitMix,
    satisfies::{satisfies, Violation},
};

/// The proptest configuration of the property tests: `cases` cases unless `PROPTEST_CASES`
/// says otherwise (for a longer run), and no failure files: proptest prints the minimal
/// input, and a bug found this way becomes a named test case.
pub fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A `.npy` file: magic, `version`, an honest HEADER_LEN (u16 for major version 1, u32
/// otherwise), the header text as given, then `payload`.
pub fn npy_bytes(version: (u8, u8), header: &[u8], payload: &[u8]) -> Vec<u8> {
    let len = u64::try_from(header.len()).expect("a test header fits in u64");
    npy_bytes_with_len(version, len, header, payload)
}

/// Like [`npy_bytes`], but HEADER_LEN says `declared` whatever the header's real length.
pub fn npy_bytes_with_len(
    version: (u8, u8),
    declared: u64,
    header: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let mut out = npy::MAGIC.to_vec();
    out.extend([version.0, version.1]);
    if version.0 == 1 {
        let field = u16::try_from(declared).expect("a version 1.0 HEADER_LEN fits in u16");
        out.extend(field.to_le_bytes());
    } else {
        let field = u32::try_from(declared).expect("a version 2.0/3.0 HEADER_LEN fits in u32");
        out.extend(field.to_le_bytes());
    }
    out.extend_from_slice(header);
    out.extend_from_slice(payload);
    out
}

/// A header as NumPy writes it: the dict, space padding to a 64-byte boundary for a version
/// 1.0 prefix, and the final newline. `descr` and `shape` are inserted as written, so they
/// may be any text (`'<f8'`, `[('a', '|O')]`, `(3, 4)`, `(-2, -3)`).
pub fn numpy_header(descr: &str, fortran_order: bool, shape: &str) -> Vec<u8> {
    let fortran = if fortran_order { "True" } else { "False" };
    let dict = format!("{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, }}");
    pad_header(dict.as_bytes(), 10)
}

/// Pads `dict` with spaces and a final newline so that `prefix_len + header` is a multiple
/// of 64, as NumPy does.
pub fn pad_header(dict: &[u8], prefix_len: usize) -> Vec<u8> {
    let mut text = dict.to_vec();
    while !(prefix_len + text.len() + 1).is_multiple_of(64) {
        text.push(b' ');
    }
    text.push(b'\n');
    text
}

/// A version 1.0 file with a NumPy-style header: `descr` is a bare type string (quoted here).
pub fn npy_file(descr: &str, shape: &str, payload: &[u8]) -> Vec<u8> {
    npy_bytes(
        (1, 0),
        &numpy_header(&format!("'{descr}'"), false, shape),
        payload,
    )
}

/// Input bytes together with a temporary file holding the same bytes, written before any
/// measurement so that the file's creation is never counted against the library.
pub struct Input {
    pub bytes: Vec<u8>,
    file: tempfile::NamedTempFile,
}

impl Input {
    pub fn new(bytes: Vec<u8>) -> Input {
        let mut file = tempfile::NamedTempFile::new().expect("create a temporary file");
        file.write_all(&bytes).expect("write the temporary file");
        file.flush().expect("flush the temporary file");
        Input { bytes, file }
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }

    /// The dtype the header declares, if it parses; typed entry points are called with it.
    pub fn declared_dtype(&self) -> Option<DType> {
        npy::read_header(&self.bytes[..], &Limits::unlimited())
            .ok()
            .map(|h| h.dtype())
    }
}

/// One public way to read a `.npy` input. Typed entry points are called with the element
/// type the header declares (`u8` when the header does not parse), so that they reach the
/// same checks as the dynamic ones. The free functions (`npy::from_slice` and friends) take
/// no limits: they run only with `Limits::default()` ([`Entry::all_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `ReadOptions::read_slice::<T>`.
    ReadSlice,
    /// `ReadOptions::read_slice::<DynArray>`.
    ReadSliceDyn,
    /// `ReadOptions::read_reader::<DynArray>` on a `&[u8]` reader.
    ReadReaderDyn,
    /// `ReadOptions::read_reader::<DynArray>` on a reader returning one byte per `read` call.
    ReadReaderDynOneByte,
    /// `ReadOptions::read_reader::<T>` on a reader returning one byte per `read` call.
    ReadReaderOneByte,
    /// `ReadOptions::read_path::<DynArray>` on a temporary file.
    ReadPathDyn,
    /// `ReadOptions::read_path::<T>` on a temporary file.
    ReadPath,
    /// `npy::from_slice::<T>` (default limits only).
    FromSlice,
    /// `npy::from_reader::<T>` on a reader returning one byte per `read` call (default limits
    /// only).
    FromReaderOneByte,
    /// `npy::from_path::<T>` on a temporary file (default limits only).
    FromPath,
}

impl Entry {
    /// The entry points that take limits.
    pub const ALL: [Entry; 7] = [
        Entry::ReadSlice,
        Entry::ReadSliceDyn,
        Entry::ReadReaderDyn,
        Entry::ReadReaderDynOneByte,
        Entry::ReadReaderOneByte,
        Entry::ReadPathDyn,
        Entry::ReadPath,
    ];

    /// The entry points that use `Limits::default()`.
    pub const DEFAULT_LIMITS: [Entry; 3] =
        [Entry::FromSlice, Entry::FromReaderOneByte, Entry::FromPath];

    /// Every entry point that can run with `limits`: [`Entry::ALL`], and the free functions
    /// too when `limits` are the defaults.
    pub fn all_for(limits: &Limits) -> Vec<Entry> {
        let mut entries = Entry::ALL.to_vec();
        if *limits == Limits::default() {
            entries.extend(Entry::DEFAULT_LIMITS);
        }
        entries
    }

    pub fn name(self) -> &'static str {
        match self {
            Entry::ReadSlice => "ReadOptions::read_slice::<T>",
            Entry::ReadSliceDyn => "ReadOptions::read_slice::<DynArray>",
            Entry::ReadReaderDyn => "ReadOptions::read_reader::<DynArray>(&[u8])",
            Entry::ReadReaderDynOneByte => {
                "ReadOptions::read_reader::<DynArray>(one byte per read)"
            }
            Entry::ReadReaderOneByte => "ReadOptions::read_reader::<T>(one byte per read)",
            Entry::ReadPathDyn => "ReadOptions::read_path::<DynArray>",
            Entry::ReadPath => "ReadOptions::read_path::<T>",
            Entry::FromSlice => "npy::from_slice::<T>",
            Entry::FromReaderOneByte => "npy::from_reader::<T>(one byte per read)",
            Entry::FromPath => "npy::from_path::<T>",
        }
    }

    /// Calls the entry point and measures only the call itself (with its returned value);
    /// converting a typed result to a [`DynArray`] happens after the measurement.
    ///
    /// # Panics
    ///
    /// When a default-limits entry point is run with other limits.
    pub fn run(
        self,
        input: &Input,
        spec: &ArraySpec,
        limits: &Limits,
    ) -> (Result<DynArray>, usize) {
        assert!(
            !Entry::DEFAULT_LIMITS.contains(&self) || *limits == Limits::default(),
            "{} takes no limits",
            self.name()
        );
        let dtype = input.declared_dtype().unwrap_or(DType::U8);
        let options = ReadOptions::new().limits(limits.clone());
        let bytes = &input.bytes[..];
        match self {
            Entry::ReadSlice => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| options.read_slice::<T>(bytes, spec));
                (r.map(|v| DynArray::from(v.into_owned())), peak)
            }),
            Entry::ReadSliceDyn => alloc::measure(|| options.read_slice::<DynArray>(bytes, spec)),
            Entry::ReadReaderDyn => {
                alloc::measure(|| options.read_reader::<DynArray, _>(bytes, spec))
            }
            Entry::ReadReaderDynOneByte => {
                let reader = OneByteReader::new(bytes);
                alloc::measure(|| options.read_reader::<DynArray, _>(reader, spec))
            }
            Entry::ReadReaderOneByte => with_element!(dtype, T => {
                let reader = OneByteReader::new(bytes);
                let (r, peak) = alloc::measure(|| options.read_reader::<T, _>(reader, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::ReadPathDyn => {
                alloc::measure(|| options.read_path::<DynArray>(input.path(), spec))
            }
            Entry::ReadPath => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| options.read_path::<T>(input.path(), spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::FromSlice => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| npy::from_slice::<T>(bytes, spec));
                (r.map(|v| DynArray::from(v.into_owned())), peak)
            }),
            Entry::FromReaderOneByte => with_element!(dtype, T => {
                let reader = OneByteReader::new(bytes);
                let (r, peak) = alloc::measure(|| npy::from_reader::<T, _>(reader, spec));
                (r.map(DynArray::from), peak)
            }),
            Entry::FromPath => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| npy::from_path::<T>(input.path(), spec));
                (r.map(DynArray::from), peak)
            }),
        }
    }
}

/// A read result reduced to what must agree between entry points: the canonical bytes of
/// an accepted array (its `.npy` serialization, so floats compare bit-exactly) or the code of
/// the error.
pub type Outcome = std::result::Result<Vec<u8>, &'static str>;

pub fn outcome(result: Result<DynArray>) -> Outcome {
    result.map(|a| canonical(&a)).map_err(|e| e.code())
}

/// A valid file for `dtype`, `shape` and `order` whose payload is `le` (little-endian bytes,
/// converted to `byte_order`), with the header NumPy would write.
pub fn valid_file(
    dtype: DType,
    byte_order: ByteOrder,
    shape: &Shape,
    order: Order,
    le: &[u8],
) -> Vec<u8> {
    let mut out = npy::header_bytes(dtype, byte_order, shape, order);
    out.extend(to_byte_order(le, dtype, byte_order));
    out
}

/// Reads the `.npy` file at `path` into a `DynArray` through the slice, one-byte reader and
/// path entry points, with default options and any spec.
pub fn read_three_ways(path: &Path) -> [(&'static str, Result<DynArray>); 3] {
    let bytes = std::fs::read(path).expect("read fixture");
    let options = ReadOptions::new();
    let spec = ArraySpec::any();
    [
        (
            "read_slice::<DynArray>",
            options.read_slice::<DynArray>(&bytes, &spec),
        ),
        (
            "read_reader::<DynArray>",
            options.read_reader::<DynArray, _>(OneByteReader(bytes.as_slice()), &spec),
        ),
        (
            "read_path::<DynArray>",
            options.read_path::<DynArray>(path, &spec),
        ),
    ]
}

/// A spec from the optional parts property tests draw: each part narrows it when present.
pub fn spec_from(
    dtypes: Option<Vec<DType>>,
    dims: Option<Vec<Dim>>,
    order: Option<Order>,
    byte_order: Option<ByteOrder>,
) -> ArraySpec {
    let mut spec = ArraySpec::any();
    if let Some(dtypes) = dtypes {
        spec = spec.with_dtypes(dtypes);
    }
    if let Some(dims) = dims {
        spec = spec.with_shape(dims);
    }
    if let Some(order) = order {
        spec = spec.with_order(order);
    }
    if let Some(byte_order) = byte_order {
        spec = spec.with_byte_order(byte_order);
    }
    spec
}
