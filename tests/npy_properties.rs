//! Properties of the `.npy` reader and writer, on generated arrays, generated junk and
//! generated mutations of valid files:
//!
//! 1. write → read round-trips every dtype, shape, order and byte order bit for bit;
//! 2. arbitrary bytes never panic, through every entry point;
//! 3. mutated valid files never panic, and whatever is accepted satisfies the spec it was
//!    read with and the limits;
//! 4. a reader returning 1 to 7 bytes per call gives exactly the slice path's result;
//! 5. a valid file is accepted exactly when its declared numbers fit the limits, and refused
//!    with the code of the first limit it exceeds otherwise.
//!
//! Values are generated as raw little-endian bytes of the right length (`bool` bytes 0 or 1)
//! and put behind the header NumPy would write, so no per-type value strategy is needed, and
//! every bit pattern (NaN payloads, subnormals, −0.0) is covered.
//!
//! The counting allocator is installed here too: every refusal in these properties must cost
//! at most 64 KiB, every acceptance at most its payload plus 64 KiB.

mod common;

use arrayguard::npy::{self, ReadOptions};
use arrayguard::{ArraySpec, ByteOrder, DType, Dim, DynArray, Limits, Order, Shape};
use proptest::prelude::*;
use proptest::sample::Index;

use common::alloc::CountingAlloc;
use common::{
    canonical, config, npy_bytes, outcome, satisfies, valid_file, with_element, write_npy,
    ChunkReader, Entry, Input, OneByteReader, Outcome,
};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const SLACK: usize = 64 * 1024;

// Modest case counts (`common::config`) keep the file well under a minute in the test
// profile; a bug found here becomes a named case in `hostile.rs`.

// ---- strategies ---------------------------------------------------------------------------

fn dtype() -> impl Strategy<Value = DType> {
    proptest::sample::select(DType::NUMPY.to_vec())
}

fn byte_order() -> impl Strategy<Value = ByteOrder> {
    prop_oneof![Just(ByteOrder::Little), Just(ByteOrder::Big)]
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::C), Just(Order::F)]
}

/// 0 to 4 dimensions of 0 to 5: scalars, zero-size arrays and small arrays.
fn shape() -> impl Strategy<Value = Shape> {
    proptest::collection::vec(0usize..=5, 0..5)
        .prop_map(|dims| Shape::new(dims).expect("small dims cannot overflow"))
}

/// An array as the bytes that describe it: little-endian payload bytes of the right length.
#[derive(Clone, Debug)]
struct Generated {
    dtype: DType,
    shape: Shape,
    order: Order,
    le: Vec<u8>,
}

impl Generated {
    fn file(&self, byte_order: ByteOrder) -> Vec<u8> {
        valid_file(self.dtype, byte_order, &self.shape, self.order, &self.le)
    }
}

fn generated() -> impl Strategy<Value = Generated> {
    (dtype(), shape(), order()).prop_flat_map(|(dtype, shape, order)| {
        let len = shape.len() * dtype.itemsize();
        let bytes = if dtype == DType::Bool {
            proptest::collection::vec(0u8..=1, len).boxed()
        } else {
            proptest::collection::vec(any::<u8>(), len).boxed()
        };
        bytes.prop_map(move |le| Generated {
            dtype,
            shape: shape.clone(),
            order,
            le,
        })
    })
}

/// A valid file in either byte order.
fn valid() -> impl Strategy<Value = Vec<u8>> {
    (generated(), byte_order()).prop_map(|(g, bo)| g.file(bo))
}

/// One edit of a file. Indices are taken modulo the file length when applied.
#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    Overwrite(Index, u8),
    /// Overwrite with a byte that means something to the header parser.
    OverwriteToken(Index, u8),
    /// Overwrite one of the last 16 bytes: the payload of most generated files.
    OverwriteTail(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
    Append(Vec<u8>),
}

const TOKEN_BYTES: &[u8] = b"{}()[],:'\" \n\t\x000123456789-_xLTFO<>|=fiubcSUV";

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Mutation::FlipBit(i, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Overwrite(i, b)),
        (any::<Index>(), proptest::sample::select(TOKEN_BYTES))
            .prop_map(|(i, b)| Mutation::OverwriteToken(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::OverwriteTail(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
        proptest::collection::vec(any::<u8>(), 1..4).prop_map(Mutation::Append),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len) };
    match mutation {
        Mutation::FlipBit(i, bit) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Mutation::Overwrite(i, b) | Mutation::OverwriteToken(i, b) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes[i] = *b;
        }
        Mutation::OverwriteTail(i, b) if !bytes.is_empty() => {
            let tail = bytes.len().min(16);
            let i = bytes.len() - tail + at(i, tail);
            bytes[i] = *b;
        }
        Mutation::Insert(i, b) => {
            let i = at(i, bytes.len() + 1);
            bytes.insert(i, *b);
        }
        Mutation::Delete(i) if !bytes.is_empty() => {
            let i = at(i, bytes.len());
            bytes.remove(i);
        }
        Mutation::Truncate(i) => {
            let i = at(i, bytes.len() + 1);
            bytes.truncate(i);
        }
        Mutation::Append(extra) => bytes.extend_from_slice(extra),
        _ => {}
    }
}

/// A valid file with one to four edits.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (valid(), proptest::collection::vec(mutation(), 1..=4)).prop_map(|(mut bytes, edits)| {
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        bytes
    })
}

/// Header-like token soup behind a valid prelude, then a short payload: reaches deep into
/// the header parser, where uniform random bytes rarely go.
fn token_soup() -> impl Strategy<Value = Vec<u8>> {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "'descr'",
        "'shape'",
        "'fortran_order'",
        ":",
        ", ",
        ",",
        " ",
        "(",
        ")",
        "[",
        "]",
        "True",
        "False",
        "'<f8'",
        "'|b1'",
        "'>i2'",
        "'|O'",
        "'<U3'",
        "'=f8'",
        "0",
        "1",
        "7",
        "18446744073709551615",
        "4611686018427387904",
        "-",
        "\n",
        "'",
        "\"",
    ];
    let version = prop_oneof![Just((1u8, 0u8)), Just((2, 0)), Just((3, 0)), Just((1, 1))];
    let soup = proptest::collection::vec(proptest::sample::select(TOKENS), 0..40);
    let payload = proptest::collection::vec(any::<u8>(), 0..48);
    (version, soup, payload)
        .prop_map(|(version, soup, payload)| npy_bytes(version, soup.concat().as_bytes(), &payload))
}

/// Arbitrary bytes: uniform junk, junk behind a valid magic, and header token soup.
fn junk() -> impl Strategy<Value = Vec<u8>> {
    let behind_magic = (
        0u8..5,
        0u8..2,
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(major, minor, rest)| [&npy::MAGIC[..], &[major, minor], &rest].concat());
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        behind_magic,
        token_soup(),
    ]
}

fn dim() -> impl Strategy<Value = Dim> {
    prop_oneof![
        Just(Dim::Any),
        (0usize..=5).prop_map(Dim::Exact),
        (0usize..=5, 0usize..=5).prop_map(|(a, b)| Dim::Range {
            min: a.min(b),
            max: a.max(b)
        }),
    ]
}

fn spec() -> impl Strategy<Value = ArraySpec> {
    let dtypes = proptest::option::of(proptest::collection::vec(dtype(), 1..4));
    let dims = proptest::option::of(proptest::collection::vec(dim(), 0..5));
    let order = proptest::option::of(order());
    let byte_order = proptest::option::of(byte_order());
    (dtypes, dims, order, byte_order).prop_map(|(dtypes, dims, order, byte_order)| {
        common::spec_from(dtypes, dims, order, byte_order)
    })
}

/// Limits around the sizes generated here (so that every limit is sometimes hit), or the
/// defaults.
fn limits() -> impl Strategy<Value = Limits> {
    let tight = (0u64..2048, 0u64..300, 0usize..6, 0usize..300).prop_map(|(b, e, n, h)| {
        let mut limits = Limits::default();
        limits.max_bytes = b;
        limits.max_elements = e;
        limits.max_ndim = n;
        limits.max_header_bytes = h;
        limits
    });
    prop_oneof![1 => Just(Limits::default()), 3 => tight]
}

// ---- helpers ------------------------------------------------------------------------------

/// Reads `input` through every entry point; checks they agree and that refusals cost at
/// most 64 KiB and acceptances at most their payload plus 64 KiB. Returns the outcome and
/// the accepted array.
fn read_everywhere(
    bytes: &[u8],
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<(Outcome, Option<DynArray>), TestCaseError> {
    let input = Input::new(bytes.to_vec());
    let mut first: Option<(Entry, Outcome, Option<DynArray>)> = None;
    for entry in Entry::ALL {
        let (result, peak) = entry.run(&input, spec, limits);
        let array = result.as_ref().ok().cloned();
        let out = outcome(result);
        let bound = match &array {
            Some(a) => a.len() * a.dtype().itemsize() + SLACK,
            None => SLACK,
        };
        prop_assert!(
            peak <= bound,
            "{}: {peak} bytes at peak for {out:?}",
            entry.name()
        );
        match &first {
            None => first = Some((entry, out, array)),
            Some((e0, o0, _)) => {
                prop_assert_eq!(o0, &out, "{} and {} disagree", e0.name(), entry.name());
            }
        }
    }
    let (_, out, array) = first.expect("at least one entry point");
    Ok((out, array))
}

/// Checks an accepted array against the spec and limits it was read with, including what
/// the array itself does not record: the header length and the payload's byte order.
fn check_accepted(
    bytes: &[u8],
    array: &DynArray,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<(), TestCaseError> {
    if let Err(why) = satisfies(array, None, spec, limits) {
        return Err(TestCaseError::fail(why.to_string()));
    }
    let header = npy::read_header(bytes, &Limits::unlimited())
        .map_err(|e| TestCaseError::fail(format!("accepted, but its header fails alone: {e}")))?;
    prop_assert!(header.header_len() <= limits.max_header_bytes);
    prop_assert_eq!(header.dtype(), array.dtype());
    prop_assert_eq!(header.shape(), array.shape());
    if let (Some(required), true) = (spec.byte_order(), array.dtype().unit_size() > 1) {
        prop_assert_eq!(header.byte_order(), required);
    }
    Ok(())
}

// ---- properties ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// (1) What we write we read back, bit for bit, through every reading path, in both
    /// byte orders; and what we write is exactly the header NumPy writes plus the payload.
    #[test]
    fn write_then_read_round_trips_bit_exactly(g in generated()) {
        let file_le = g.file(ByteOrder::Little);
        let array = ReadOptions::new().read_slice::<DynArray>(&file_le, &ArraySpec::any())
            .map_err(|e| TestCaseError::fail(format!("a valid file was refused: {e}")))?;
        prop_assert_eq!(array.dtype(), g.dtype);
        prop_assert_eq!(array.shape(), &g.shape);
        // The writer records Fortran order only where it changes the bytes (NumPy's rule):
        // at least two axes longer than 1. Otherwise both orders are the same bytes.
        let header = npy::read_header(&file_le[..], &Limits::default())
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        if !g.shape.orders_coincide() {
            prop_assert_eq!(header.order(), g.order);
        }
        prop_assert_eq!(array.order(), header.order());
        prop_assert_eq!(array.to_le_bytes(), g.le.clone());
        for byte_order in [ByteOrder::Little, ByteOrder::Big] {
            let written = write_npy(&array, byte_order)
                .map_err(|e| TestCaseError::fail(format!("write failed: {e}")))?;
            prop_assert_eq!(&written, &g.file(byte_order), "written bytes, {:?}", byte_order);
            let spec = ArraySpec::new(g.dtype).with_byte_order(byte_order);
            let typed = with_element!(g.dtype, T => {
                npy::from_slice::<T>(&written, &spec).map(|v| DynArray::from(v.into_owned()))
            });
            let dynamic = ReadOptions::new().read_slice::<DynArray>(&written, &spec);
            let one_byte = ReadOptions::new().read_reader::<DynArray, _>(OneByteReader::new(&written), &spec);
            for (path, result) in [("from_slice", typed), ("read_slice::<DynArray>", dynamic), ("one byte per read", one_byte)] {
                let back = result.map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                prop_assert_eq!(canonical(&back), file_le.clone(), "{} {:?}", path, byte_order);
            }
        }
    }

    /// (2) Arbitrary bytes never panic, and every entry point gives the same answer.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in junk(), limits in limits()) {
        let (_, array) = read_everywhere(&bytes, &ArraySpec::any(), &limits)?;
        if let Some(array) = array {
            check_accepted(&bytes, &array, &ArraySpec::any(), &limits)?;
        }
        let _ = npy::read_header(&bytes[..], &limits);
        let _ = npy::read_header(OneByteReader::new(&bytes), &limits);
    }

    /// (3) Mutated valid files never panic, and whatever is accepted satisfies the spec it
    /// was read with and the limits.
    #[test]
    fn mutated_files_never_panic_and_accepted_ones_satisfy_spec_and_limits(
        bytes in mutated(),
        spec in spec(),
        limits in limits(),
    ) {
        let (_, array) = read_everywhere(&bytes, &spec, &limits)?;
        if let Some(array) = array {
            check_accepted(&bytes, &array, &spec, &limits)?;
        }
        let _ = npy::read_header(&bytes[..], &limits);
        let _ = npy::read_header(OneByteReader::new(&bytes), &limits);
    }

    /// (4) A reader that returns 1 to 7 bytes per call (and is sometimes interrupted) gives
    /// exactly the slice path's result: the same array bit for bit, or the same error code.
    #[test]
    fn chunked_reader_gives_the_slice_result(
        bytes in prop_oneof![valid(), mutated(), junk()],
        sizes in proptest::collection::vec(prop_oneof![9 => 1usize..=7, 1 => Just(0usize)], 1..16)
            .prop_filter("at least one non-empty chunk", |s| s.iter().any(|&n| n > 0)),
        spec in spec(),
        limits in limits(),
    ) {
        let options = ReadOptions::new().limits(limits);
        let from_slice = outcome(options.read_slice::<DynArray>(&bytes, &spec));
        let from_reader = outcome(options.read_reader::<DynArray, _>(ChunkReader::new(&bytes, sizes), &spec));
        prop_assert_eq!(from_reader, from_slice);
    }

    /// (5) A valid file is accepted exactly when what it declares fits the limits; otherwise
    /// the first limit it exceeds (header length, ndim, elements, bytes) is the error, on
    /// every entry point.
    #[test]
    fn valid_files_are_accepted_exactly_when_they_fit_the_limits(
        g in generated(),
        byte_order in byte_order(),
        limits in limits(),
    ) {
        let bytes = g.file(byte_order);
        let header_len = npy::read_header(&bytes[..], &Limits::unlimited())
            .map_err(|e| TestCaseError::fail(format!("{e}")))?
            .header_len();
        let elements = u64::try_from(g.shape.len()).unwrap_or(u64::MAX);
        let nbytes = u64::try_from(g.le.len()).unwrap_or(u64::MAX);
        let expected = if header_len > limits.max_header_bytes {
            Err("npy.header_too_large")
        } else if g.shape.ndim() > limits.max_ndim {
            Err("limit.ndim")
        } else if elements > limits.max_elements {
            Err("limit.elements")
        } else if nbytes > limits.max_bytes {
            Err("limit.bytes")
        } else {
            Ok(g.file(ByteOrder::Little))
        };
        let (out, array) = read_everywhere(&bytes, &ArraySpec::any(), &limits)?;
        prop_assert_eq!(out, expected);
        if let Some(array) = array {
            check_accepted(&bytes, &array, &ArraySpec::any(), &limits)?;
        }
    }
}
