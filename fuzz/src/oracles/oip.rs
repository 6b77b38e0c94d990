//! Inference-request targets: `oip` (any bytes as a JSON request body) and `oip_binary` (the
//! first two bytes give the JSON header's length, as `Inference-Header-Content-Length` would;
//! the rest is the body, JSON header then binary tensors).
//!
//! Both read against one bundle ([`bundle`]): `x` (a float of any width, `batch 2`, finite),
//! `idx` (`INT64` or `INT32`, `batch`, at least 0) and `m` (`BOOL`, `batch 1`), with
//! [`small_limits`] and at most 8 inputs. The oracles:
//!
//! - no panic, whatever the bytes;
//! - `read_reader` over a reader returning a few bytes per call accepts exactly what `read`
//!   accepts, with bit-identical arrays, within the same allocation bound;
//! - an accepted request has one input per array of the bundle, each of which satisfies its
//!   array's spec and the limits, the batch is the same in all three, and reading the body
//!   again gives bit-identical arrays;
//! - allocation stays under [`OIP_SLACK`] + [`OIP_FACTOR`] × the body's length: nothing is
//!   allocated in proportion to a declared shape or size before it is compared with the
//!   bytes present (arrays from JSON hold at most 8 bytes per element, and an element takes
//!   at least 2 bytes of text; binary tensors are at most the body's bytes).

use arrayguard::{oip, ArraySpec, BundleSpec, DType, Limits, ShapeSpec, ValueSpec};

use super::{check_accepted, peak_at_most, small_limits, Meter};
use crate::support::arrays::bits_equal;
use crate::support::readers::ChunkReader;

/// Allocation allowed besides the body-proportional part: error text, serde state, the
/// bundle's bindings.
pub const OIP_SLACK: usize = 128 * 1024;

/// Bytes allocated per byte of body at most: the header's masked copy (1), input names and
/// parameter copies (2), the inputs' descriptions (each at least 40 bytes of text, at most
/// about 200 bytes of structure with the list's doubling: 5), and the arrays (JSON: 8 bytes
/// per element of at least 2 bytes of text, with the reader's 1/32 headroom: 5; binary: 1).
pub const OIP_FACTOR: usize = 16;

/// The bundle every request is read against.
pub fn bundle() -> BundleSpec {
    let shape = |text: &str| ShapeSpec::parse(text).expect("a shape");
    BundleSpec::new()
        .with_array(
            "x",
            ArraySpec::any()
                .with_dtypes([DType::F16, DType::BF16, DType::F32, DType::F64])
                .with_shape_spec(shape("batch 2"))
                .with_values(ValueSpec::new().finite()),
        )
        .with_array(
            "idx",
            ArraySpec::any()
                .with_dtypes([DType::I32, DType::I64])
                .with_shape_spec(shape("batch"))
                .with_values(ValueSpec::new().min(0.0)),
        )
        .with_array(
            "m",
            ArraySpec::new(DType::Bool).with_shape_spec(shape("batch 1")),
        )
        .build()
        .expect("the fuzz bundle")
}

/// The limits of the targets.
pub fn oip_limits() -> Limits {
    let mut limits = small_limits();
    limits.max_members = 8;
    limits.max_archive_bytes = 2 << 20;
    limits
}

/// The `oip` target: the bytes are a JSON request body.
pub fn oip<M: Meter>(data: &[u8], meter: &M) {
    read_and_check(data, None, meter);
}

/// The `oip_binary` target: two bytes of header length (little-endian, at most the body's
/// length), then the body.
pub fn oip_binary<M: Meter>(data: &[u8], meter: &M) {
    let (len, body) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, &[][..]),
    };
    read_and_check(body, Some(len.min(body.len())), meter);
}

fn read_and_check<M: Meter>(body: &[u8], header_length: Option<usize>, meter: &M) {
    let spec = bundle();
    let limits = oip_limits();
    let options = oip::ReadOptions::new().limits(limits.clone());
    let (result, peak) = meter.measure(|| options.read(body, header_length, &spec));
    peak_at_most(
        peak,
        OIP_SLACK + OIP_FACTOR * body.len(),
        "reading an inference request",
    );
    // From a reader (a few bytes per call): accepted exactly when the slice is (the order of
    // two errors may differ: a reader learns the body's length last), with the same arrays.
    let reader = ChunkReader::new(body, &[5, 1, 64][..]);
    let (streamed, peak) = meter.measure(|| options.read_reader(reader, header_length, &spec));
    peak_at_most(
        peak,
        OIP_SLACK + OIP_FACTOR * body.len(),
        "reading an inference request from a reader",
    );
    assert_eq!(
        result.is_ok(),
        streamed.is_ok(),
        "slice {:?}, reader {:?}",
        result.as_ref().err().map(|e| e.code()),
        streamed.as_ref().err().map(|e| e.code())
    );
    if let (Ok(a), Ok(b)) = (&result, &streamed) {
        for (x, y) in a.inputs().iter().zip(b.inputs()) {
            assert!(
                bits_equal(x.array(), y.array()),
                "the reader's array differs"
            );
        }
    }
    let Ok(request) = result else { return };
    assert_eq!(request.inputs().len(), 3, "one input per array");
    let mut batch = None;
    for input in request.inputs() {
        let array_spec = spec
            .array(input.name())
            .expect("inputs are named in the bundle");
        check_accepted(input.array(), array_spec, &limits);
        assert_eq!(input.datatype().dtype().ok(), Some(input.array().dtype()));
        let first = input.array().shape().dims().first().copied();
        assert!(
            first.is_some(),
            "every array of the bundle has a batch axis"
        );
        assert!(
            batch.is_none() || batch == first,
            "the batch differs across inputs"
        );
        batch = first;
    }
    let again = options
        .read(body, header_length, &spec)
        .expect("a request read twice");
    for (a, b) in request.inputs().iter().zip(again.inputs()) {
        assert!(bits_equal(a.array(), b.array()), "a second read differs");
    }
}
