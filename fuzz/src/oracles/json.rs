//! JSON targets: `json` (nested arrays of one dtype) and `json_envelope` (`{"dtype",
//! "shape", "data"}` envelopes).

use arrayguard::{json, ArraySpec, DType, DynArray};

use super::cursor::{dtype_index, dtype_of, Cursor};
use super::npy::encode_npy_reader;
use super::{check_accepted, payload_len, peak_at_most, same_outcome, small_limits, Meter, SLACK};
use crate::support::arrays::bits_equal;
use crate::support::readers::ChunkReader;

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
/// text + [`SLACK`] (rejected); accepted arrays within the limits; for one text in four, the
/// read on threads (tiny ranges) gives the one-thread read's array or error message, within
/// 9/8 of the payload or five times the text + [`SLACK`]; slice and chunked reader agree; what is accepted writes back and reads again to the same bits (NaN payloads
/// excepted: JSON text has one NaN); a text that does not start with `{` reads the same
/// with [`json::Form::Detect`].
///
/// Nested arrays carry no dtype: they are read into a `DynArray` with the spec narrowed to
/// the input's dtype.
pub fn json<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let allow_nan = c.u8() & 1 == 1;
    let chunks = c.chunks();
    let text = c.rest();
    let limits = small_limits();
    let spec = ArraySpec::any();
    let nested = spec.clone().with_dtypes([dtype]);
    let options = json::ReadOptions::new()
        .limits(limits.clone())
        .allow_nan(allow_nan);
    let (from_slice, peak) = meter.measure(|| options.read_slice::<DynArray>(text, &nested));
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
                .read_slice::<DynArray>(&out, &nested)
                .expect("our own output reads back");
            let has_nan = out.windows(3).any(|w| w == b"NaN");
            assert!(
                bits_equal(array, &again) || has_nan,
                "write/read changed the values"
            );
        }
        Err(_) => peak_at_most(peak, SLACK + text.len(), "rejected JSON"),
    }
    // The same text cut into ranges read on threads (ranges of a few bytes, so that the cuts
    // fall after any comma): the array, or the error with its message and position, of the
    // read on one thread. One text in four (by length): spawning the threads costs four times
    // the rest of the oracles.
    if text.len().is_multiple_of(4) {
        parallel_matches(text, &options, &nested, &from_slice, meter);
    }
    let from_reader = options.read_reader::<DynArray, _>(ChunkReader::new(text, &chunks), &nested);
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
    if first_byte(text) != Some(b'{') {
        let detect = options.clone().form(json::Form::Detect);
        let detected = detect.read_slice::<DynArray>(text, &nested);
        assert!(
            same_outcome(&from_slice, &detected),
            "nested {from_slice:?} vs detected {detected:?}"
        );
    }
}

/// The `json` target's threaded read of `text`: the array or the error message of the read on
/// one thread (`from_slice`), within 9/8 of the payload (accepted) or five times the text
/// (refused) plus [`SLACK`].
fn parallel_matches<M: Meter>(
    text: &[u8],
    options: &json::ReadOptions,
    nested: &ArraySpec,
    from_slice: &arrayguard::Result<DynArray>,
    meter: &M,
) {
    let parallel = options
        .clone()
        .threads(2 + text.len() % 3)
        .parallel_min_bytes(1 + text.len() % 61);
    let (on_threads, peak) = meter.measure(|| parallel.read_slice::<DynArray>(text, nested));
    match (from_slice, &on_threads) {
        (Ok(one), Ok(many)) => {
            assert!(bits_equal(one, many), "threads changed the array");
            peak_at_most(
                peak,
                payload_len(one) * 9 / 8 + SLACK,
                "accepted JSON on threads",
            );
        }
        (Err(one), Err(many)) => {
            assert_eq!(
                one.to_string(),
                many.to_string(),
                "threads changed the error"
            );
            // The parallel attempt holds at most the output a valid text of this length could
            // need (one element of at most 8 bytes per two bytes of text) before the text is
            // read again on one thread.
            peak_at_most(peak, SLACK + text.len() * 5, "rejected JSON on threads");
        }
        _ => panic!("one thread {from_slice:?} vs threads {on_threads:?}"),
    }
}

/// The first byte of `text` after JSON whitespace (space, tab, CR, LF): what
/// [`json::Form::Detect`] tells the forms apart by.
fn first_byte(text: &[u8]) -> Option<u8> {
    text.iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// `json_envelope` input: chunk sizes, then the text.
pub fn encode_json_envelope(chunks: &[u8], text: &[u8]) -> Vec<u8> {
    encode_npy_reader(chunks, text)
}

/// `json_envelope`: a JSON envelope `{"dtype", "shape", "data"}` (base64 included).
///
/// Oracles: no panic; allocation bounded as for `json`; accepted arrays within the limits;
/// slice and chunked reader agree; a text that starts with `{` reads the same with
/// [`json::Form::Detect`].
pub fn json_envelope<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let chunks = c.chunks();
    let text = c.rest();
    let limits = small_limits();
    let spec = ArraySpec::any();
    let options = json::ReadOptions::new()
        .limits(limits.clone())
        .form(json::Form::Envelope);
    let (from_slice, peak) = meter.measure(|| options.read_slice::<DynArray>(text, &spec));
    match &from_slice {
        Ok(array) => {
            check_accepted(array, &spec, &limits);
            let bound = payload_len(array) * 9 / 8 + SLACK;
            peak_at_most(peak, bound, "accepted envelope");
        }
        Err(_) => peak_at_most(peak, SLACK + text.len(), "rejected envelope"),
    }
    let from_reader = options.read_reader::<DynArray, _>(ChunkReader::new(text, &chunks), &spec);
    assert!(
        same_outcome(&from_slice, &from_reader),
        "slice {from_slice:?} vs reader {from_reader:?}"
    );
    if first_byte(text) == Some(b'{') {
        let detect = options.clone().form(json::Form::Detect);
        let detected = detect.read_reader::<DynArray, _>(ChunkReader::new(text, &chunks), &spec);
        assert!(
            same_outcome(&from_slice, &detected),
            "envelope {from_slice:?} vs detected {detected:?}"
        );
    }
}
