//! Helpers shared by the hostile-input, limits and property tests: building `.npy` bytes by
//! hand, readers that deliver few bytes per call, and one runner for every read entry point.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod alloc;
pub mod fixtures;

use std::io::{self, Read, Write};
use std::path::Path;

use arrayguard::npy::{self, ReadOptions};
use arrayguard::{ArraySpec, ByteOrder, DType, DynArray, Limits, Order, Result, Shape};

/// Runs `$body` with the type alias `$t` set to the element type of a runtime [`DType`].
#[allow(unused_macros)]
macro_rules! with_element {
    ($dtype:expr, $t:ident => $body:expr) => {
        match $dtype {
            arrayguard::DType::Bool => {
                type $t = bool;
                $body
            }
            arrayguard::DType::I8 => {
                type $t = i8;
                $body
            }
            arrayguard::DType::I16 => {
                type $t = i16;
                $body
            }
            arrayguard::DType::I32 => {
                type $t = i32;
                $body
            }
            arrayguard::DType::I64 => {
                type $t = i64;
                $body
            }
            arrayguard::DType::U8 => {
                type $t = u8;
                $body
            }
            arrayguard::DType::U16 => {
                type $t = u16;
                $body
            }
            arrayguard::DType::U32 => {
                type $t = u32;
                $body
            }
            arrayguard::DType::U64 => {
                type $t = u64;
                $body
            }
            arrayguard::DType::F16 => {
                type $t = arrayguard::f16;
                $body
            }
            arrayguard::DType::F32 => {
                type $t = f32;
                $body
            }
            arrayguard::DType::F64 => {
                type $t = f64;
                $body
            }
            arrayguard::DType::Complex64 => {
                type $t = arrayguard::Complex32;
                $body
            }
            arrayguard::DType::Complex128 => {
                type $t = arrayguard::Complex64;
                $body
            }
            other => panic!("dtype {other} is missing from the tests' with_element! dispatch"),
        }
    };
}
#[allow(unused_imports)]
pub(crate) use with_element;

/// Runs `$body` with `$a` bound to the typed array inside a [`DynArray`].
#[allow(unused_macros)]
macro_rules! with_dyn {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            arrayguard::DynArray::Bool($a) => $body,
            arrayguard::DynArray::I8($a) => $body,
            arrayguard::DynArray::I16($a) => $body,
            arrayguard::DynArray::I32($a) => $body,
            arrayguard::DynArray::I64($a) => $body,
            arrayguard::DynArray::U8($a) => $body,
            arrayguard::DynArray::U16($a) => $body,
            arrayguard::DynArray::U32($a) => $body,
            arrayguard::DynArray::U64($a) => $body,
            arrayguard::DynArray::F16($a) => $body,
            arrayguard::DynArray::F32($a) => $body,
            arrayguard::DynArray::F64($a) => $body,
            arrayguard::DynArray::Complex64($a) => $body,
            arrayguard::DynArray::Complex128($a) => $body,
            other => panic!(
                "{:?} is missing from the tests' with_dyn! dispatch",
                other.dtype()
            ),
        }
    };
}
#[allow(unused_imports)]
pub(crate) use with_dyn;

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8] = b"\x93NUMPY";

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
    let mut out = MAGIC.to_vec();
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
    while (prefix_len + text.len() + 1) % 64 != 0 {
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

/// A reader that returns at most one byte per `read` call.
pub struct OneByteReader<'a> {
    rest: &'a [u8],
}

impl<'a> OneByteReader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        OneByteReader { rest: bytes }
    }
}

impl Read for OneByteReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match (self.rest.split_first(), buf.first_mut()) {
            (Some((&b, rest)), Some(slot)) => {
                *slot = b;
                self.rest = rest;
                Ok(1)
            }
            _ => Ok(0),
        }
    }
}

/// A reader whose `read` calls return chunks of the given sizes in turn (cycling), and that
/// also returns `ErrorKind::Interrupted` where a size is 0, as readers may.
pub struct ChunkReader<'a> {
    rest: &'a [u8],
    sizes: Vec<usize>,
    next: usize,
}

impl<'a> ChunkReader<'a> {
    pub fn new(bytes: &'a [u8], sizes: Vec<usize>) -> Self {
        assert!(
            !sizes.is_empty(),
            "a ChunkReader needs at least one chunk size"
        );
        ChunkReader {
            rest: bytes,
            sizes,
            next: 0,
        }
    }
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        if size == 0 {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let n = size.min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
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
        npy::read_header(&self.bytes, &Limits::unlimited())
            .ok()
            .map(|h| h.dtype())
    }
}

/// One public way to read a `.npy` input. Typed entry points are called with the element
/// type the header declares (`u8` when the header does not parse), so that they reach the
/// same checks as the dynamic ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// `npy::from_slice_with_limits::<T>`.
    FromSlice,
    /// `ReadOptions::read_slice_dyn`.
    ReadSliceDyn,
    /// `ReadOptions::read_reader_dyn` on a `&[u8]` reader.
    ReadReaderDyn,
    /// `ReadOptions::read_reader_dyn` on a reader returning one byte per `read` call.
    ReadReaderDynOneByte,
    /// `npy::from_reader_with_limits::<T>` on a reader returning one byte per `read` call.
    FromReaderOneByte,
    /// `ReadOptions::read_path_dyn` on a temporary file.
    ReadPathDyn,
    /// `npy::from_path_with_limits::<T>` on a temporary file.
    FromPath,
}

impl Entry {
    pub const ALL: [Entry; 7] = [
        Entry::FromSlice,
        Entry::ReadSliceDyn,
        Entry::ReadReaderDyn,
        Entry::ReadReaderDynOneByte,
        Entry::FromReaderOneByte,
        Entry::ReadPathDyn,
        Entry::FromPath,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Entry::FromSlice => "npy::from_slice_with_limits::<T>",
            Entry::ReadSliceDyn => "ReadOptions::read_slice_dyn",
            Entry::ReadReaderDyn => "ReadOptions::read_reader_dyn(&[u8])",
            Entry::ReadReaderDynOneByte => "ReadOptions::read_reader_dyn(one byte per read)",
            Entry::FromReaderOneByte => "npy::from_reader_with_limits::<T>(one byte per read)",
            Entry::ReadPathDyn => "ReadOptions::read_path_dyn",
            Entry::FromPath => "npy::from_path_with_limits::<T>",
        }
    }

    /// Calls the entry point and measures only the call itself (with its returned value);
    /// converting a typed result to a [`DynArray`] happens after the measurement.
    pub fn run(
        self,
        input: &Input,
        spec: &ArraySpec,
        limits: &Limits,
    ) -> (Result<DynArray>, usize) {
        let dtype = input.declared_dtype().unwrap_or(DType::U8);
        let options = ReadOptions::new().limits(limits.clone());
        let bytes = &input.bytes[..];
        match self {
            Entry::FromSlice => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| npy::from_slice_with_limits::<T>(bytes, spec, limits));
                (r.map(|v| DynArray::from(v.into_owned())), peak)
            }),
            Entry::ReadSliceDyn => alloc::measure(|| options.read_slice_dyn(bytes, spec)),
            Entry::ReadReaderDyn => alloc::measure(|| options.read_reader_dyn(bytes, spec)),
            Entry::ReadReaderDynOneByte => {
                let reader = OneByteReader::new(bytes);
                alloc::measure(|| options.read_reader_dyn(reader, spec))
            }
            Entry::FromReaderOneByte => with_element!(dtype, T => {
                let reader = OneByteReader::new(bytes);
                let (r, peak) = alloc::measure(|| npy::from_reader_with_limits::<T, _>(reader, spec, limits));
                (r.map(DynArray::from), peak)
            }),
            Entry::ReadPathDyn => alloc::measure(|| options.read_path_dyn(input.path(), spec)),
            Entry::FromPath => with_element!(dtype, T => {
                let (r, peak) = alloc::measure(|| npy::from_path_with_limits::<T>(input.path(), spec, limits));
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

/// The array written back as a little-endian `.npy` file: dtype, shape, order and every
/// element's bits.
pub fn canonical(array: &DynArray) -> Vec<u8> {
    let mut out = Vec::new();
    npy::write_dyn(&mut out, array).expect("writing to a Vec cannot fail");
    out
}

/// The payload bytes of an array in little-endian order, bit for bit.
pub fn payload_le(array: &DynArray) -> Vec<u8> {
    let all = canonical(array);
    let header = npy::header_bytes(
        array.dtype(),
        ByteOrder::Little,
        array.shape(),
        array.order(),
    );
    all[header.len()..].to_vec()
}

/// Payload bytes of `dtype` elements converted from little-endian to `order`: each swap
/// unit (each half of a complex number) is reversed for big-endian.
pub fn to_byte_order(le: &[u8], dtype: DType, order: ByteOrder) -> Vec<u8> {
    match order {
        ByteOrder::Little => le.to_vec(),
        ByteOrder::Big => le
            .chunks(dtype.unit_size())
            .flat_map(|unit| unit.iter().rev().copied())
            .collect(),
    }
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

/// Whether `array` satisfies `spec` (dtype, shape, order) and `limits` (ndim, elements,
/// bytes).
pub fn satisfies(
    array: &DynArray,
    spec: &ArraySpec,
    limits: &Limits,
) -> std::result::Result<(), String> {
    let dims = array.shape().dims();
    if !spec.allows_dtype(array.dtype()) {
        return Err(format!(
            "dtype {} is not allowed by {spec:?}",
            array.dtype()
        ));
    }
    if let Some(want) = spec.shape() {
        if want.len() != dims.len() || !want.iter().zip(dims).all(|(d, &n)| d.accepts(n)) {
            return Err(format!("shape {:?} does not satisfy {want:?}", dims));
        }
    }
    if let Some(order) = spec.order() {
        let long_axes = dims.iter().filter(|&&d| d > 1).count();
        if long_axes > 1 && array.order() != order {
            return Err(format!("order {} is not {order}", array.order()));
        }
    }
    let elements = u64::try_from(array.len()).unwrap_or(u64::MAX);
    let bytes =
        elements.saturating_mul(u64::try_from(array.dtype().itemsize()).unwrap_or(u64::MAX));
    if dims.len() > limits.max_ndim {
        return Err(format!(
            "{} dims over max_ndim {}",
            dims.len(),
            limits.max_ndim
        ));
    }
    if elements > limits.max_elements {
        return Err(format!(
            "{elements} elements over max_elements {}",
            limits.max_elements
        ));
    }
    if bytes > limits.max_bytes {
        return Err(format!("{bytes} bytes over max_bytes {}", limits.max_bytes));
    }
    Ok(())
}
