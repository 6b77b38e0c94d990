//! The oracles of the fuzz targets: one function per target, taking the raw input bytes.
//!
//! This file depends only on `arrayguard` and `std`. The fuzz crate uses it as a module
//! (`arrayguard_fuzz::oracles`), and `tests/fuzz_corpus.rs` includes it with `#[path]`, so the
//! committed seeds and every past crash replay through exactly the same checks on stable.
//!
//! Every target splits its bytes deterministically with a [`Cursor`] (a missing byte reads as
//! 0), so any byte string is a valid input and no `arbitrary` is needed. Allocation is
//! measured through a [`Meter`] that the caller provides, because a `#[global_allocator]`
//! belongs to a binary: the fuzz targets pass their counting allocator, the stable test its
//! own. Every target reads with [`small_limits`], so the fuzzer reaches the limit paths
//! instead of exhausting memory.

use std::io::{self, Read};

use arrayguard::raw::{self, Axis, Layout};
use arrayguard::{
    f16, json, npy, ArraySpec, AxisSpec, Bindings, ByteOrder, Complex, DType, Dim, DynArray, Error,
    Fault, LimitOverrides, Limits, Order, Plan, Shape, ShapeItem, ShapeSpec, SpecFile, ValueSpec,
};

/// The fuzz targets, each with an oracle function of the same name in this module.
pub const TARGETS: [&str; 10] = [
    "npy",
    "npy_reader",
    "npy_roundtrip",
    "raw",
    "json",
    "json_envelope",
    "spec_json",
    "spec_toml",
    "shape",
    "structured",
];

/// Runs the oracle of `target` on `data`; `false` when there is no such target.
pub fn run<M: Meter>(target: &str, data: &[u8], meter: &M) -> bool {
    match target {
        "npy" => npy(data, meter),
        "npy_reader" => npy_reader(data, meter),
        "npy_roundtrip" => npy_roundtrip(data, meter),
        "raw" => raw(data, meter),
        "json" => json(data, meter),
        "json_envelope" => json_envelope(data, meter),
        "spec_json" => spec_json(data, meter),
        "spec_toml" => spec_toml(data, meter),
        "shape" => shape(data, meter),
        "structured" => structured(data, meter),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------
// Shared pieces: allocation meter, limits, input cursor, chunked reader, common checks.
// ---------------------------------------------------------------------------------------

/// Measures the peak bytes a closure allocates (above the level when it started).
pub trait Meter {
    /// Runs `f` and returns its value with the peak bytes it had live, or `None` when this
    /// meter does not measure.
    fn measure<R>(&self, f: impl FnOnce() -> R) -> (R, Option<usize>);
}

/// Allocation slack allowed on top of the payload: header text, shape vectors, error text.
pub const SLACK: usize = 64 * 1024;

/// The largest payload buffer `npy::check_reader` holds (its chunk size).
pub const CHECK_CHUNK: usize = 1 << 20;

/// Spec texts are small: longer inputs are skipped by the spec targets.
pub const SPEC_INPUT_CAP: usize = 64 * 1024;

/// Allocation allowed while loading a spec text: this constant plus [`SPEC_ALLOC_FACTOR`]
/// (JSON) or [`SPEC_ALLOC_FACTOR_TOML`] bytes per input byte.
pub const SPEC_ALLOC_BASE: usize = 256 * 1024;

/// See [`SPEC_ALLOC_BASE`].
pub const SPEC_ALLOC_FACTOR: usize = 32;

/// The toml crate's parser holds up to about 100 bytes per input byte while it reads
/// malformed text (linear: 4.1 MB for 64 KB), hence a larger factor for TOML.
pub const SPEC_ALLOC_FACTOR_TOML: usize = 128;

/// Small limits, so the fuzzer reaches the limit paths instead of memory exhaustion.
pub fn small_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_bytes = 1 << 20;
    limits.max_elements = 1 << 18;
    limits.max_ndim = 16;
    limits.max_header_bytes = 4096;
    limits.max_depth = 32;
    limits.max_input_bytes = 1 << 20;
    limits
}

/// Asserts that a measured peak (if measured) is at most `bound`.
fn peak_at_most(peak: Option<usize>, bound: usize, what: &str) {
    if let Some(peak) = peak {
        assert!(
            peak <= bound,
            "{what}: allocated {peak} bytes, bound {bound}"
        );
    }
}

/// Reads an input front to back; past the end every byte reads as 0, so every byte string
/// decodes to something.
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data }
    }

    /// The next byte, or 0 at the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.u8());
        u64::from_le_bytes(b)
    }

    /// Up to `n` bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Chunk sizes for a [`Chunked`] reader: a count byte (mod 8), then that many bytes.
    pub fn chunks(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8() % 8);
        self.take(n)
    }

    /// A dimension size: one byte below 253 is the size itself; 253 is followed by a `u16`,
    /// 254 by a `u64` (saturated to `usize`); 255 means "inferred" (`None`).
    pub fn dim(&mut self) -> Option<usize> {
        match self.u8() {
            255 => None,
            254 => Some(usize::try_from(self.u64()).unwrap_or(usize::MAX)),
            253 => Some(usize::from(self.u16())),
            n => Some(usize::from(n)),
        }
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Appends the [`Cursor::dim`] encoding of `dim` (`None`: inferred) to `out`.
pub fn encode_dim(out: &mut Vec<u8>, dim: Option<usize>) {
    match dim {
        None => out.push(255),
        Some(n) if n < 253 => out.push(u8::try_from(n).unwrap_or(0)),
        Some(n) => match u16::try_from(n) {
            Ok(n) => {
                out.push(253);
                out.extend(n.to_le_bytes());
            }
            Err(_) => {
                out.push(254);
                out.extend(u64::try_from(n).unwrap_or(u64::MAX).to_le_bytes());
            }
        },
    }
}

/// The dtype a selector byte picks.
pub fn dtype_of(selector: u8) -> DType {
    DType::ALL[usize::from(selector) % DType::ALL.len()]
}

/// The selector byte of `dtype` (its index in [`DType::ALL`]).
pub fn dtype_index(dtype: DType) -> u8 {
    let i = DType::ALL.iter().position(|&d| d == dtype).unwrap_or(0);
    u8::try_from(i).unwrap_or(0)
}

/// A reader that returns at most one chunk size per `read`, cycling through `sizes`.
pub struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl<'a> Chunked<'a> {
    /// Reads `data` in chunks of `sizes[i] % 8 + 1` bytes (one byte per call when `sizes` is
    /// empty).
    pub fn new(data: &'a [u8], sizes: &'a [u8]) -> Self {
        Chunked {
            data,
            sizes,
            turn: 0,
        }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self
            .sizes
            .get(self.turn % self.sizes.len().max(1))
            .map_or(1, |s| usize::from(s % 8) + 1);
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Runs `$body` with `$a` bound to the typed array inside a [`DynArray`].
macro_rules! with_dyn {
    ($value:expr, $a:ident => $body:expr) => {
        match $value {
            DynArray::Bool($a) => $body,
            DynArray::I8($a) => $body,
            DynArray::I16($a) => $body,
            DynArray::I32($a) => $body,
            DynArray::I64($a) => $body,
            DynArray::U8($a) => $body,
            DynArray::U16($a) => $body,
            DynArray::U32($a) => $body,
            DynArray::U64($a) => $body,
            DynArray::F16($a) => $body,
            DynArray::F32($a) => $body,
            DynArray::F64($a) => $body,
            DynArray::Complex64($a) => $body,
            DynArray::Complex128($a) => $body,
            other => panic!("{:?} is missing from the oracles' dispatch", other.dtype()),
        }
    };
}

/// Payload bytes of an array.
fn payload_len(array: &DynArray) -> usize {
    array.len() * array.dtype().itemsize()
}

/// The oracle for an accepted array: it satisfies the spec's dtypes and the limits.
pub fn check_accepted(array: &DynArray, spec: &ArraySpec, limits: &Limits) {
    assert!(spec.allows_dtype(array.dtype()), "dtype not allowed");
    let shape = array.shape();
    assert!(shape.ndim() <= limits.max_ndim, "over max_ndim");
    assert!(
        shape.len() as u64 <= limits.max_elements,
        "over max_elements"
    );
    assert!(
        payload_len(array) as u64 <= limits.max_bytes,
        "over max_bytes"
    );
    assert_eq!(array.len(), shape.len());
}

/// The full check of an accepted array against a spec: its plan (dtype, byte order, shape
/// pattern, order) and limits by [`Plan::check`], then its values by [`ValueSpec::check`].
pub fn satisfies(
    array: &DynArray,
    byte_order: ByteOrder,
    spec: &ArraySpec,
    limits: &Limits,
) -> arrayguard::Result<()> {
    let plan = Plan::new(
        array.dtype(),
        byte_order,
        array.shape().clone(),
        array.order(),
    )?;
    plan.check(spec, limits)?;
    check_values(array, spec.values())
}

/// [`ValueSpec::check`] on the elements of a [`DynArray`].
pub fn check_values(array: &DynArray, values: &ValueSpec) -> arrayguard::Result<()> {
    with_dyn!(array, a => values.check(a.as_slice(), a.shape(), a.order()))
}

/// Same outcome: bit-identical arrays, or errors with the same code.
pub fn same_outcome(a: &arrayguard::Result<DynArray>, b: &arrayguard::Result<DynArray>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => bits_equal(x, y),
        (Err(x), Err(y)) => x.code() == y.code(),
        _ => false,
    }
}

/// Ok/Ok, or errors with the same code, whatever the success values.
fn same_code<A, B>(a: &arrayguard::Result<A>, b: &arrayguard::Result<B>) -> bool {
    match (a, b) {
        (Ok(_), Ok(_)) => true,
        (Err(x), Err(y)) => x.code() == y.code(),
        _ => false,
    }
}

fn code<T>(r: &arrayguard::Result<T>) -> &'static str {
    r.as_ref().err().map_or("ok", Error::code)
}

/// Bit-exact equality (NaN payloads included), through the little-endian `.npy` encoding:
/// dtype, shape, order and every element's bits.
pub fn bits_equal(a: &DynArray, b: &DynArray) -> bool {
    canonical(a) == canonical(b)
}

/// The array written as a little-endian `.npy` file.
pub fn canonical(array: &DynArray) -> Vec<u8> {
    let mut out = Vec::new();
    npy::write_dyn(&mut out, array).expect("writing to a Vec cannot fail");
    out
}

/// The payload of an array in its memory order, each element little-endian.
fn payload_le(array: &DynArray) -> Vec<u8> {
    let all = canonical(array);
    let header = npy::header_bytes(
        array.dtype(),
        ByteOrder::Little,
        array.shape(),
        array.order(),
    );
    all[header.len()..].to_vec()
}

/// Little-endian payload bytes converted to `order` (each swap unit reversed for big).
fn to_byte_order(le: &[u8], dtype: DType, order: ByteOrder) -> Vec<u8> {
    match order {
        ByteOrder::Little => le.to_vec(),
        ByteOrder::Big => le
            .chunks(dtype.unit_size())
            .flat_map(|unit| unit.iter().rev().copied())
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// .npy
// ---------------------------------------------------------------------------------------

/// `npy`: the whole input is a `.npy` file read by `read_slice_dyn` with any spec.
///
/// Oracles: no panic; peak allocation at most payload + [`SLACK`] when accepted and
/// [`SLACK`] when rejected; accepted arrays within the limits; a read with
/// `c_order(true)` gives what `into_c_order` gives (at most twice the payload + [`SLACK`]);
/// `read_header` allocates at
/// most [`SLACK`] and agrees with the full read (same dtype and shape when accepted, same
/// error when the header is refused).
pub fn npy<M: Meter>(data: &[u8], meter: &M) {
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let (result, peak) = meter.measure(|| options.read_slice_dyn(data, &spec));
    match &result {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            peak_at_most(peak, payload_len(array) + SLACK, "accepted .npy");
        }
        Err(_) => peak_at_most(peak, SLACK, "rejected .npy"),
    }
    // Converted to C order while read: the array `into_c_order` gives, or the same error; the
    // slab buffer is at most the payload.
    let to_c = options.clone().c_order(true);
    let (converted, peak) = meter.measure(|| to_c.read_slice_dyn(data, &spec));
    match (&converted, &result) {
        (Ok(c), Ok(a)) => {
            assert_eq!(c.order(), Order::C);
            assert!(bits_equal(c, &a.clone().into_c_order()), "c_order differs");
            peak_at_most(peak, 2 * payload_len(c) + SLACK, "c_order .npy");
        }
        (Err(x), Err(y)) => assert_eq!(x.code(), y.code(), "c_order error differs"),
        _ => panic!("c_order {converted:?} vs {result:?}"),
    }
    let (header, peak) = meter.measure(|| npy::read_header(data, &limits));
    peak_at_most(peak, SLACK, "read_header");
    match (&header, &result) {
        (Ok(h), Ok(array)) => {
            assert_eq!(h.dtype(), array.dtype());
            assert_eq!(h.shape(), array.shape());
        }
        (Err(h), Err(r)) => assert_eq!(h.code(), r.code(), "header error differs"),
        (Err(h), Ok(_)) => panic!("read accepted a file whose header fails: {h}"),
        (Ok(_), Err(_)) => {}
    }
}

/// `npy_reader` input: chunk sizes ([`Cursor::chunks`]), then the file.
pub fn encode_npy_reader(sizes: &[u8], file: &[u8]) -> Vec<u8> {
    let mut out = vec![u8::try_from(sizes.len() % 8).unwrap_or(0)];
    out.extend_from_slice(&sizes[..sizes.len() % 8]);
    out.extend_from_slice(file);
    out
}

/// `npy_reader`: the file read from a reader returning 1–8 bytes per call, and checked by
/// `check_reader` through the same reader.
///
/// Oracles: the reader path gives the slice path's result (bit-identical arrays or the same
/// error code) and allocates at most twice the payload + [`SLACK`]; `check_reader` accepts
/// exactly what the read accepts (same error code otherwise) and holds at most one chunk.
pub fn npy_reader<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let sizes = c.chunks();
    let file = c.rest();
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let from_slice = options.read_slice_dyn(file, &spec);
    let (from_reader, peak) =
        meter.measure(|| options.read_reader_dyn(Chunked::new(file, sizes), &spec));
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
    // A stream buffer grows by doubling: at most twice the payload while it grows.
    let payload = from_reader.as_ref().map_or(0, payload_len);
    peak_at_most(peak, 2 * payload + SLACK, "reader path");
    let (checked, peak) =
        meter.measure(|| npy::check_reader(Chunked::new(file, sizes), &spec, &limits));
    assert!(
        same_code(&checked, &from_slice),
        "check_reader {} vs read {}",
        code(&checked),
        code(&from_slice)
    );
    peak_at_most(peak, CHECK_CHUNK + SLACK, "check_reader");
}

/// `npy_roundtrip` input: dtype selector, flags (bit 0 Fortran order, bit 1 big-endian),
/// number of axes (mod 6), one byte per axis (mod 6), then payload bytes (cycled).
pub fn encode_npy_roundtrip(
    dtype: DType,
    fortran: bool,
    big_endian: bool,
    dims: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let flags = u8::from(fortran) | u8::from(big_endian) << 1;
    let mut out = vec![
        dtype_index(dtype),
        flags,
        u8::try_from(dims.len()).unwrap_or(0),
    ];
    out.extend_from_slice(dims);
    out.extend_from_slice(payload);
    out
}

/// `npy_roundtrip`: a valid file (NumPy's header, any dtype, shape up to 5-d, either order
/// and byte order) is read, written back little-endian and read again.
///
/// Oracles: the valid file is accepted with the declared shape and order; the rewrite reads
/// back bit-exactly; a little-endian file is rewritten byte for byte; the read allocates at
/// most payload + [`SLACK`].
pub fn npy_roundtrip<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let flags = c.u8();
    let ndim = usize::from(c.u8() % 6);
    let dims: Vec<usize> = (0..ndim).map(|_| usize::from(c.u8() % 6)).collect();
    let bytes = c.rest();
    let shape = Shape::new(dims).expect("at most 5^5 elements");
    let order = if flags & 1 == 1 { Order::F } else { Order::C };
    let byte_order = if flags & 2 == 2 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let nbytes = shape.byte_len(dtype.itemsize()).expect("small shape");
    let mut payload: Vec<u8> = bytes.iter().copied().cycle().take(nbytes).collect();
    payload.resize(nbytes, 0);
    if dtype == DType::Bool {
        payload.iter_mut().for_each(|b| *b &= 1);
    }
    let mut file = npy::header_bytes(dtype, byte_order, &shape, order);
    file.extend_from_slice(&payload);
    let options = npy::ReadOptions::new().limits(small_limits());
    let (first, peak) = meter.measure(|| options.read_slice_dyn(&file, &ArraySpec::any()));
    let first = first.expect("a valid file reads");
    peak_at_most(peak, nbytes + SLACK, "valid file");
    assert_eq!(first.shape(), &shape);
    let long_axes = shape.dims().iter().filter(|&&d| d > 1).count();
    if long_axes > 1 && !shape.is_empty() {
        assert_eq!(first.order(), order);
    }
    assert_eq!(
        to_byte_order(&payload_le(&first), dtype, byte_order),
        payload,
        "the payload is read as written"
    );
    let again = canonical(&first);
    let second = options
        .read_slice_dyn(&again, &ArraySpec::any())
        .expect("our own output reads back");
    assert!(bits_equal(&first, &second), "write/read changed the values");
    if byte_order == ByteOrder::Little || dtype.unit_size() == 1 {
        assert_eq!(
            again, file,
            "little-endian files are rewritten byte for byte"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Raw buffers
// ---------------------------------------------------------------------------------------

/// `raw` input: dtype selector, flags (bit 0 big-endian, bit 1 Fortran order), number of axes
/// (mod 7), each axis as a [`Cursor::dim`] (`None`: inferred), chunk sizes, then the bytes.
pub fn encode_raw(
    dtype: DType,
    big_endian: bool,
    fortran: bool,
    axes: &[Option<usize>],
    chunks: &[u8],
    bytes: &[u8],
) -> Vec<u8> {
    let flags = u8::from(big_endian) | u8::from(fortran) << 1;
    let mut out = vec![
        dtype_index(dtype),
        flags,
        u8::try_from(axes.len()).unwrap_or(0),
    ];
    axes.iter().for_each(|&a| encode_dim(&mut out, a));
    out.push(u8::try_from(chunks.len() % 8).unwrap_or(0));
    out.extend_from_slice(&chunks[..chunks.len() % 8]);
    out.extend_from_slice(bytes);
    out
}

/// `raw`: bytes and a layout through the raw-buffer reader.
///
/// Oracles: no panic; allocation at most payload + [`SLACK`] (accepted) or [`SLACK`]
/// (rejected); accepted arrays within the limits, with the layout's fixed axes, exactly the
/// input's length, and exactly the input's bits; slice and chunked reader agree.
pub fn raw<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let flags = c.u8();
    let naxes = usize::from(c.u8() % 7);
    let axes: Vec<Axis> = (0..naxes).map(|_| Axis::from(c.dim())).collect();
    let chunks = c.chunks();
    let bytes = c.rest();
    let byte_order = if flags & 1 == 1 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let order = if flags & 2 == 2 { Order::F } else { Order::C };
    let Ok(layout) = Layout::new(dtype, byte_order).with_shape(axes.clone()) else {
        return;
    };
    let layout = layout.with_order(order);
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = raw::ReadOptions::new().limits(limits.clone());
    let (from_slice, peak) = meter.measure(|| options.read_slice_dyn(bytes, &layout, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            peak_at_most(peak, payload_len(array) + SLACK, "accepted raw");
            assert_eq!(array.dtype(), dtype);
            let dims = array.shape().dims();
            assert_eq!(dims.len(), axes.len(), "ndim differs from the layout");
            for (axis, &n) in axes.iter().zip(dims) {
                if let Axis::Fixed(want) = axis {
                    assert_eq!(n, *want, "a fixed axis changed");
                }
            }
            assert_eq!(payload_len(array), bytes.len(), "not the whole input");
            let back = to_byte_order(&payload_le(array), dtype, byte_order);
            assert!(
                back == bytes,
                "accepted array does not hold the input's bits"
            );
        }
        Err(_) => peak_at_most(peak, SLACK, "rejected raw"),
    }
    let from_reader = options.read_reader_dyn(Chunked::new(bytes, chunks), &layout, &spec);
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/// `json` input: dtype selector, flags (bit 0 allow NaN), chunk sizes, then the text.
pub fn encode_json(dtype: DType, allow_nan: bool, chunks: &[u8], text: &[u8]) -> Vec<u8> {
    let mut out = vec![
        dtype_index(dtype),
        u8::from(allow_nan),
        u8::try_from(chunks.len() % 8).unwrap_or(0),
    ];
    out.extend_from_slice(&chunks[..chunks.len() % 8]);
    out.extend_from_slice(text);
    out
}

/// `json`: nested JSON arrays read as one dtype.
///
/// Oracles: no panic; allocation at most 9/8 of the payload + [`SLACK`] (accepted) or the
/// text + [`SLACK`] (rejected); accepted arrays within the limits; slice and chunked reader
/// agree; what is accepted writes back and reads again to the same bits (NaN payloads
/// excepted: JSON text has one NaN).
pub fn json<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let allow_nan = c.u8() & 1 == 1;
    let chunks = c.chunks();
    let text = c.rest();
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = json::ReadOptions::new()
        .limits(limits.clone())
        .allow_nan(allow_nan);
    let (from_slice, peak) = meter.measure(|| options.read_slice_dyn(text, dtype, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            assert_eq!(array.dtype(), dtype);
            // The output buffer grows by an eighth past 64 KiB, within the budget.
            let bound = payload_len(array) * 9 / 8 + SLACK;
            peak_at_most(peak, bound, "accepted JSON");
            let mut out = Vec::new();
            json::to_writer_with_options(
                &mut out,
                array,
                json::WriteOptions::new().allow_nan(allow_nan),
            )
            .expect("an accepted array is representable with the same NaN permission");
            let again = options
                .read_slice_dyn(&out, dtype, &spec)
                .expect("our own output reads back");
            let has_nan = out.windows(3).any(|w| w == b"NaN");
            assert!(
                bits_equal(array, &again) || has_nan,
                "write/read changed the values"
            );
        }
        Err(_) => peak_at_most(peak, SLACK + text.len(), "rejected JSON"),
    }
    let from_reader = options.read_reader_dyn(Chunked::new(text, chunks), dtype, &spec);
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
}

/// `json_envelope` input: chunk sizes, then the text.
pub fn encode_json_envelope(chunks: &[u8], text: &[u8]) -> Vec<u8> {
    encode_npy_reader(chunks, text)
}

/// `json_envelope`: a JSON envelope `{"dtype", "shape", "data"}` (base64 included).
///
/// Oracles: no panic; allocation bounded as for `json`; accepted arrays within the limits;
/// slice and chunked reader agree.
pub fn json_envelope<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let chunks = c.chunks();
    let text = c.rest();
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = json::ReadOptions::new().limits(limits.clone());
    let (from_slice, peak) = meter.measure(|| options.read_envelope_slice_dyn(text, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            let bound = payload_len(array) * 9 / 8 + SLACK;
            peak_at_most(peak, bound, "accepted envelope");
        }
        Err(_) => peak_at_most(peak, SLACK + text.len(), "rejected envelope"),
    }
    let from_reader = options.read_envelope_reader_dyn(Chunked::new(text, chunks), &spec);
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Spec files and shape patterns
// ---------------------------------------------------------------------------------------

/// `spec_json`: the input as a JSON spec file (inputs over [`SPEC_INPUT_CAP`] or not UTF-8
/// are skipped).
///
/// Oracles: no panic; refusals are configuration errors (`config.invalid_spec`); allocation
/// at most [`SPEC_ALLOC_BASE`] + [`SPEC_ALLOC_FACTOR`] × input; an accepted spec round-trips
/// (see [`spec_round_trip`]).
pub fn spec_json<M: Meter>(data: &[u8], meter: &M) {
    spec_file(data, meter, SpecFile::from_json_str, SPEC_ALLOC_FACTOR);
}

/// `spec_toml`: the input as a TOML spec file; the oracles of [`spec_json`], with
/// [`SPEC_ALLOC_FACTOR_TOML`].
pub fn spec_toml<M: Meter>(data: &[u8], meter: &M) {
    spec_file(data, meter, SpecFile::from_toml_str, SPEC_ALLOC_FACTOR_TOML);
}

fn spec_file<M: Meter>(
    data: &[u8],
    meter: &M,
    load: fn(&str) -> arrayguard::Result<SpecFile>,
    factor: usize,
) {
    if data.len() > SPEC_INPUT_CAP {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (result, peak) = meter.measure(|| load(text));
    let bound = SPEC_ALLOC_BASE + factor * text.len();
    peak_at_most(peak, bound, "loading a spec");
    match result {
        Ok(spec) => spec_round_trip(&spec),
        Err(e) => assert_eq!(e.fault(), Fault::Config, "not a spec error: {e}"),
    }
}

/// The bounds of every array of a spec file.
fn all_values(spec: &SpecFile) -> Vec<&ValueSpec> {
    match (spec.array(), spec.bundle()) {
        (Some(array), _) => vec![array.values()],
        (None, Some(bundle)) => bundle
            .names()
            .filter_map(|name| bundle.array(name))
            .map(ArraySpec::values)
            .collect(),
        (None, None) => Vec::new(),
    }
}

/// A loaded spec writes to JSON and TOML, and each text loads back to an equal spec and
/// writes again to the same text. JSON may refuse only a spec with a non-finite bound
/// (`data.not_representable`).
pub fn spec_round_trip(spec: &SpecFile) {
    let non_finite = all_values(spec).iter().any(|v| {
        let (a, b, c, d) = v.bounds();
        [a, b, c, d].iter().flatten().any(|x| !x.is_finite())
    });
    match spec.to_json_string() {
        Ok(text) => {
            let back = SpecFile::from_json_str(&text)
                .unwrap_or_else(|e| panic!("our JSON does not load: {e}\n{text}"));
            assert_eq!(&back, spec, "JSON round trip changed the spec\n{text}");
            let again = back.to_json_string().expect("an equal spec writes");
            assert_eq!(again, text, "JSON writing is not canonical");
        }
        Err(e) => {
            assert_eq!(e.code(), "data.not_representable", "{e}");
            assert!(non_finite, "JSON refused a spec with finite bounds: {e}");
        }
    }
    let text = spec
        .to_toml_string()
        .unwrap_or_else(|e| panic!("TOML refused a loaded spec: {e}"));
    let back = SpecFile::from_toml_str(&text)
        .unwrap_or_else(|e| panic!("our TOML does not load: {e}\n{text}"));
    assert_eq!(&back, spec, "TOML round trip changed the spec\n{text}");
    let again = back.to_toml_string().expect("an equal spec writes");
    assert_eq!(again, text, "TOML writing is not canonical");
}

/// `shape` input: number of dimensions (mod 9), each a [`Cursor::dim`] (inferred reads as
/// 0), then the shorthand text.
pub fn encode_shape(dims: &[usize], text: &str) -> Vec<u8> {
    let mut out = vec![u8::try_from(dims.len() % 9).unwrap_or(0)];
    dims.iter().for_each(|&d| encode_dim(&mut out, Some(d)));
    out.extend_from_slice(text.as_bytes());
    out
}

/// `shape`: shorthand text through `ShapeSpec::parse`, then `check` on arbitrary dims.
///
/// Oracles: no panic; refusals are `config.invalid_spec`; the parse allocates at most
/// [`SLACK`] + 16 × text; `Display` gives text that parses to the same pattern and prints
/// the same again; `check` accepts exactly the dims whose count is in `ndim_range` and whose
/// sizes satisfy the fixed axes, its errors are spec errors (`spec.ndim` exactly when the
/// count is out of range), and checking the same dims again with the same bindings passes.
pub fn shape<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let n = usize::from(c.u8() % 9);
    let dims: Vec<usize> = (0..n).map(|_| c.dim().unwrap_or(0)).collect();
    let Ok(text) = std::str::from_utf8(c.rest()) else {
        return;
    };
    let (parsed, peak) = meter.measure(|| ShapeSpec::parse(text));
    peak_at_most(peak, SLACK + 16 * text.len(), "ShapeSpec::parse");
    let spec = match parsed {
        Ok(spec) => spec,
        Err(e) => {
            assert_eq!(e.code(), "config.invalid_spec", "{e}");
            return;
        }
    };
    let shown = spec.to_string();
    let back = ShapeSpec::parse(&shown)
        .unwrap_or_else(|e| panic!("Display of {text:?} gives {shown:?}, which fails: {e}"));
    assert_eq!(back, spec, "{text:?} -> {shown:?} parses differently");
    assert_eq!(back.to_string(), shown, "Display is not a fixpoint");
    let mut bindings = Bindings::new();
    let checked = spec.check(&dims, &mut bindings);
    let (min, max) = spec.ndim_range();
    let ndim_ok = dims.len() >= min && max.is_none_or(|m| dims.len() <= m);
    match &checked {
        Ok(()) => {
            assert!(ndim_ok, "accepted {dims:?} outside ndim {min}..{max:?}");
            if let Some(fixed) = spec.fixed_dims() {
                assert!(fixed.iter().zip(&dims).all(|(d, &n)| d.accepts(n)));
            }
            let again = spec.check(&dims, &mut bindings);
            assert!(
                again.is_ok(),
                "re-check with own bindings failed: {again:?}"
            );
        }
        Err(e) => {
            assert_eq!(e.fault(), Fault::Spec, "{e}");
            assert_eq!(e.code() == "spec.ndim", !ndim_ok, "{e}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Structured: a spec and an array, written, optionally mutated, read back with the spec
// ---------------------------------------------------------------------------------------

/// Integers that elements and `enum` lists are drawn from (cast to the element type).
const INTS: [i64; 22] = [
    0,
    1,
    -1,
    2,
    -2,
    3,
    7,
    100,
    127,
    -128,
    255,
    256,
    -129,
    32767,
    -32768,
    65535,
    2_147_483_647,
    -2_147_483_648,
    4_294_967_295,
    i64::MAX,
    i64::MIN,
    9_007_199_254_740_993,
];

/// Floats that elements and bounds are drawn from.
const FLOATS: [f64; 20] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    100.0,
    -128.0,
    255.0,
    65504.0,
    1e-40,
    f64::MIN_POSITIVE,
    1e300,
    -1e300,
    9_007_199_254_740_992.0,
    1.8446744073709552e19,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -3.5,
];

const NAMES: [&str; 3] = ["n", "h", "w"];

/// One element's little-endian bytes: `itemsize` raw bytes, or a value from the tables.
fn element_le(c: &mut Cursor<'_>, dtype: DType, from_table: bool) -> Vec<u8> {
    let size = dtype.itemsize();
    if !from_table {
        let mut bytes = c.take(size).to_vec();
        bytes.resize(size, 0);
        if dtype == DType::Bool {
            bytes[0] &= 1;
        }
        return bytes;
    }
    let pick = usize::from(c.u8());
    let int = INTS[pick % INTS.len()];
    let float = FLOATS[pick % FLOATS.len()];
    // Truncating casts are the point: they wrap table values into each type's range.
    match dtype {
        DType::Bool => vec![u8::from(pick % 2 == 1)],
        DType::I8 => (int as i8).to_le_bytes().to_vec(),
        DType::I16 => (int as i16).to_le_bytes().to_vec(),
        DType::I32 => (int as i32).to_le_bytes().to_vec(),
        DType::I64 => int.to_le_bytes().to_vec(),
        DType::U8 => (int as u8).to_le_bytes().to_vec(),
        DType::U16 => (int as u16).to_le_bytes().to_vec(),
        DType::U32 => (int as u32).to_le_bytes().to_vec(),
        DType::U64 => (int as u64).to_le_bytes().to_vec(),
        DType::F16 => f16::from_f64(float).to_le_bytes().to_vec(),
        DType::F32 => (float as f32).to_le_bytes().to_vec(),
        DType::F64 => float.to_le_bytes().to_vec(),
        DType::Complex64 => {
            let im = FLOATS[usize::from(c.u8()) % FLOATS.len()];
            let mut v = (float as f32).to_le_bytes().to_vec();
            v.extend((im as f32).to_le_bytes());
            v
        }
        _ => {
            let im = FLOATS[usize::from(c.u8()) % FLOATS.len()];
            let mut v = float.to_le_bytes().to_vec();
            v.extend(im.to_le_bytes());
            v
        }
    }
}

/// A typed array from little-endian element bytes.
fn array_from_le(dtype: DType, shape: Shape, order: Order, le: &[u8]) -> DynArray {
    fn build<T: arrayguard::Element, const N: usize>(
        shape: Shape,
        order: Order,
        le: &[u8],
        f: impl Fn([u8; N]) -> T,
    ) -> DynArray
    where
        DynArray: From<arrayguard::Array<T>>,
    {
        let data = le
            .chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunks of N")))
            .collect();
        arrayguard::Array::from_vec(shape, order, data)
            .expect("one element per chunk")
            .into()
    }
    let c32 = |b: [u8; 8]| {
        let (re, im) = b.split_at(4);
        Complex::new(
            f32::from_le_bytes(re.try_into().expect("4 bytes")),
            f32::from_le_bytes(im.try_into().expect("4 bytes")),
        )
    };
    let c64 = |b: [u8; 16]| {
        let (re, im) = b.split_at(8);
        Complex::new(
            f64::from_le_bytes(re.try_into().expect("8 bytes")),
            f64::from_le_bytes(im.try_into().expect("8 bytes")),
        )
    };
    match dtype {
        DType::Bool => build(shape, order, le, |[b]: [u8; 1]| b != 0),
        DType::I8 => build(shape, order, le, i8::from_le_bytes),
        DType::I16 => build(shape, order, le, i16::from_le_bytes),
        DType::I32 => build(shape, order, le, i32::from_le_bytes),
        DType::I64 => build(shape, order, le, i64::from_le_bytes),
        DType::U8 => build(shape, order, le, u8::from_le_bytes),
        DType::U16 => build(shape, order, le, u16::from_le_bytes),
        DType::U32 => build(shape, order, le, u32::from_le_bytes),
        DType::U64 => build(shape, order, le, u64::from_le_bytes),
        DType::F16 => build(shape, order, le, f16::from_le_bytes),
        DType::F32 => build(shape, order, le, f32::from_le_bytes),
        DType::F64 => build(shape, order, le, f64::from_le_bytes),
        DType::Complex64 => build(shape, order, le, c32),
        _ => build(shape, order, le, c64),
    }
}

/// A size constraint from one byte and the cursor.
fn dim_from(tag: u8, c: &mut Cursor<'_>) -> Dim {
    match tag % 4 {
        0 => Dim::Any,
        1 => Dim::Exact(usize::from(c.u8() % 6)),
        2 => {
            let min = usize::from(c.u8() % 6);
            Dim::Range {
                min,
                max: min + usize::from(c.u8() % 4),
            }
        }
        _ => Dim::Range {
            min: usize::from(c.u8() % 6),
            max: usize::MAX,
        },
    }
}

/// The spec part of a `structured` input.
fn spec_from(c: &mut Cursor<'_>, dtype: DType, dims: &[usize]) -> ArraySpec {
    let mut spec = ArraySpec::any();
    let b = c.u8();
    match b % 4 {
        0 => {}
        1 => spec = spec.with_dtypes([dtype]),
        _ => {
            let k = usize::from(b >> 2) % 4 + 1;
            let list: Vec<DType> = (0..k).map(|_| dtype_of(c.u8())).collect();
            spec = spec.with_dtypes(list);
        }
    }
    let b = c.u8();
    match b % 4 {
        0 => {}
        1 => spec = spec.with_shape(dims.iter().copied()),
        _ => {
            let items: Vec<ShapeItem> = (0..usize::from(b >> 2) % 6)
                .map(|_| {
                    let t = c.u8();
                    let name = NAMES[usize::from(t >> 3) % NAMES.len()];
                    match t % 6 {
                        0 | 1 => ShapeItem::Axis(AxisSpec::new(dim_from(t >> 1, c))),
                        2 | 3 => ShapeItem::Axis(AxisSpec::named(name, dim_from(t >> 5, c))),
                        4 => ShapeItem::Variadic(None),
                        _ => ShapeItem::Variadic(Some(name.into())),
                    }
                })
                .collect();
            if let Ok(shape) = ShapeSpec::new(items) {
                spec = spec.with_shape_spec(shape);
            }
        }
    }
    match c.u8() % 3 {
        0 => {}
        1 => spec = spec.with_order(Order::C),
        _ => spec = spec.with_order(Order::F),
    }
    match c.u8() % 3 {
        0 => {}
        1 => spec = spec.with_byte_order(ByteOrder::Little),
        _ => spec = spec.with_byte_order(ByteOrder::Big),
    }
    let flags = c.u8();
    let mut values = ValueSpec::new();
    // NaN bounds are a caller's error that `ValueSpec::validate` refuses: not drawn.
    let bound = |c: &mut Cursor<'_>| {
        let b = FLOATS[usize::from(c.u8()) % FLOATS.len()];
        if b.is_nan() {
            0.0
        } else {
            b
        }
    };
    if flags & 1 != 0 {
        values = values.min(bound(c));
    }
    if flags & 2 != 0 {
        values = values.max(bound(c));
    }
    if flags & 4 != 0 {
        values = values.exclusive_min(bound(c));
    }
    if flags & 8 != 0 {
        values = values.exclusive_max(bound(c));
    }
    if flags & 16 != 0 {
        values = values.allow_nan(false);
    }
    if flags & 32 != 0 {
        values = values.allow_inf(false);
    }
    if flags & 64 != 0 {
        let k = usize::from(c.u8() % 5);
        let list: Vec<i64> = (0..k)
            .map(|_| INTS[usize::from(c.u8()) % INTS.len()])
            .collect();
        values = values.one_of(list);
    }
    spec = spec.with_values(values);
    if flags & 128 != 0 {
        let mut overrides = LimitOverrides::default();
        overrides.max_elements = Some(u64::from(c.u8()));
        spec = spec.with_limits(overrides);
    }
    spec
}

/// `structured`: an array and a spec decoded from the input, the array written as `.npy`
/// (`npy::write_with_byte_order`), optionally mutated, and read back with the spec.
///
/// Layout of the input: dtype selector; flags (bit 0 Fortran order, bit 1 big-endian, bit 2
/// elements from the value tables instead of raw bytes, bit 3 mutate); number of axes (mod
/// 5) and one byte per axis (mod 5); the spec (dtype set, shape pattern of anonymous, ranged,
/// named and variadic items, order, byte order, value constraints, an element-limit
/// override); with bit 3, a count (mod 4, plus 1) of (`u16` position, XOR byte) mutations;
/// then the elements.
///
/// Oracles:
/// - unmutated, the read succeeds exactly when the array satisfies the spec
///   ([`satisfies`]: `Plan::check` with the spec's limits, then `ValueSpec::check`), and then
///   gives the array back bit for bit; otherwise it fails with the same error code;
/// - mutated or not: no panic, and an accepted array satisfies the spec and the limits;
/// - `npy::check_reader` (streaming) gives the full read's outcome, and so does
///   `read_reader_dyn`;
/// - the read allocates at most the file's size + [`SLACK`].
pub fn structured<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let flags = c.u8();
    let order = if flags & 1 != 0 { Order::F } else { Order::C };
    let byte_order = if flags & 2 != 0 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let ndim = usize::from(c.u8() % 5);
    let dims: Vec<usize> = (0..ndim).map(|_| usize::from(c.u8() % 5)).collect();
    let spec = spec_from(&mut c, dtype, &dims);
    let mutations: Vec<(u16, u8)> = if flags & 8 != 0 {
        (0..c.u8() % 4 + 1)
            .map(|_| (c.u16(), c.u8().max(1)))
            .collect()
    } else {
        Vec::new()
    };
    let shape = Shape::new(dims).expect("at most 4^4 elements");
    let le: Vec<u8> = (0..shape.len())
        .flat_map(|_| element_le(&mut c, dtype, flags & 4 != 0))
        .collect();
    let array = array_from_le(dtype, shape, order, &le);

    let mut file = Vec::new();
    with_dyn!(&array, a => npy::write_with_byte_order(&mut file, &a.view(), byte_order))
        .expect("writing to a Vec cannot fail");
    for &(at, xor) in &mutations {
        let at = usize::from(at) % file.len();
        file[at] ^= xor;
    }
    let limits = small_limits();
    let effective = spec.limits_over(&limits);
    let options = npy::ReadOptions::new().limits(limits.clone());
    let (read, peak) = meter.measure(|| options.read_slice_dyn(&file, &spec));
    peak_at_most(peak, file.len() + SLACK, "structured read");

    if mutations.is_empty() {
        let expected = satisfies(&array, byte_order, &spec, &effective);
        match (&expected, &read) {
            (Ok(()), Ok(back)) => assert!(
                bits_equal(&array, back),
                "write/read changed the array: {array:?} -> {back:?}"
            ),
            (Err(want), Err(got)) => assert_eq!(
                want.code(),
                got.code(),
                "expected `{want}`, the read says `{got}`"
            ),
            (Ok(()), Err(got)) => {
                panic!("the array satisfies {spec:?} but its file is refused: {got}\n{array:?}")
            }
            (Err(want), Ok(_)) => {
                panic!("the array breaks {spec:?} (`{want}`) but its file is accepted")
            }
        }
    }
    if let Ok(back) = &read {
        let header = npy::read_header(&file, &effective).expect("an accepted file's header");
        if let Err(e) = satisfies(back, header.byte_order(), &spec, &effective) {
            panic!("accepted an array that breaks the spec: {e}\n{back:?}\n{spec:?}");
        }
        check_accepted(back, &spec, &effective);
    }
    let checked = npy::check_reader(&file[..], &spec, &limits);
    assert!(
        same_code(&checked, &read),
        "check_reader {} vs read {}",
        code(&checked),
        code(&read)
    );
    let from_reader = options.read_reader_dyn(&file[..], &spec);
    assert!(
        same_outcome(&from_reader, &read),
        "reader {} vs slice {}",
        code(&from_reader),
        code(&read)
    );
}
