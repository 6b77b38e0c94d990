//! The oracles of the fuzz targets: one function per target, taking the raw input bytes,
//! grouped by target family:
//!
//! | file | targets |
//! | --- | --- |
//! | [`cursor`] | (the input decoder every target uses: [`Cursor`], selectors, encoders) |
//! | [`npy`](mod@npy) | `npy`, `npy_reader`, `npy_roundtrip` |
//! | [`raw`](mod@raw) | `raw` |
//! | [`json`](mod@json) | `json`, `json_envelope` |
//! | [`spec`] | `spec_json`, `spec_toml`, `shape` |
//! | [`structured`](mod@structured) | `structured` (a spec and an array through `.npy`) |
//! | [`npz`](mod@npz) | `npz` (any bytes as an archive), `npz_mutate` (written archives, mutated) |
//! | [`oip`](mod@oip) | `oip` (any bytes as a JSON inference request), `oip_binary` (with binary tensors) |
//! | [`differential`](mod@differential) | `differential` (`.npy` bytes through arrayguard and npyz) |
//! | `generated` | `generated` (samples and near misses of `arrayguard::testing`; feature `arbitrary`) |
//!
//! These files depend only on `arrayguard`, `std` and the shared test support
//! (`tests/common/support/`: readers, canonical bytes, the spec oracle), which the including
//! crate provides as `crate::support`: the fuzz crate includes it in `src/lib.rs`, and
//! `tests/fuzz_corpus.rs`, which includes this directory with `#[path]`, takes it from
//! `tests/common`. So the committed seeds and every past crash replay through exactly the
//! same checks on stable.
//!
//! Every target splits its bytes deterministically with a [`Cursor`] (a missing byte reads as
//! 0), so any byte string is a valid input and no `arbitrary` is needed. Allocation is
//! measured through a [`Meter`] that the caller provides, because a `#[global_allocator]`
//! belongs to a binary: the fuzz targets pass their counting allocator, the stable test its
//! own. Every target reads with [`small_limits`], so the fuzzer reaches the limit paths
//! instead of exhausting memory.

use arrayguard::{ArraySpec, DynArray, Error, Limits};

use crate::support::arrays::bits_equal;
use crate::support::satisfies::satisfies;

pub mod cursor;
pub mod differential;
#[cfg(feature = "arbitrary")]
pub mod generated;
pub mod json;
pub mod npy;
pub mod npz;
pub mod oip;
pub mod raw;
pub mod spec;
pub mod structured;

pub use cursor::{dtype_index, dtype_of, encode_dim, Cursor};
pub use differential::differential;
#[cfg(feature = "arbitrary")]
pub use generated::generated;
pub use json::{encode_json, encode_json_envelope, json, json_envelope};
pub use npy::{encode_npy_reader, encode_npy_roundtrip, npy, npy_reader, npy_roundtrip};
pub use npz::{encode_npz_mutate, npz, npz_mutate};
pub use oip::{oip, oip_binary};
pub use raw::{encode_raw, raw};
pub use spec::{encode_shape, shape, spec_json, spec_toml};
pub use structured::structured;

/// The fuzz targets, each with an oracle function of the same name (re-exported here).
pub const TARGETS: [&str; 16] = [
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
    "npz",
    "npz_mutate",
    "oip",
    "oip_binary",
    "differential",
    "generated",
];

/// Runs the oracle of `target` on `data`; `false` when there is no such target (or, for
/// `generated`, when the `arbitrary` feature that it needs is off).
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
        "npz" => npz(data, meter),
        "npz_mutate" => npz_mutate(data, meter),
        "oip" => oip(data, meter),
        "oip_binary" => oip_binary(data, meter),
        "differential" => differential(data, meter),
        #[cfg(feature = "arbitrary")]
        "generated" => generated(data, meter),
        _ => return false,
    }
    true
}

// ---------------------------------------------------------------------------------------
// Shared pieces: allocation meter, limits, common checks.
// ---------------------------------------------------------------------------------------

/// Measures the peak bytes a closure allocates (above the level when it started).
pub trait Meter {
    /// Runs `f` and returns its value with the peak bytes it had live, or `None` when this
    /// meter does not measure.
    fn measure<R>(&self, f: impl FnOnce() -> R) -> (R, Option<usize>);
}

/// Allocation slack allowed on top of the payload: header text, shape vectors, error text.
pub const SLACK: usize = 64 * 1024;

/// The largest payload buffer `npy::ReadOptions::check_reader` holds (its chunk size).
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

/// Payload bytes of an array.
fn payload_len(array: &DynArray) -> usize {
    array.len() * array.dtype().itemsize()
}

/// The oracle for an accepted array: it satisfies the spec and the limits (`satisfies`, the
/// input's byte order aside), and holds one element per position of its shape.
pub fn check_accepted(array: &DynArray, spec: &ArraySpec, limits: &Limits) {
    if let Err(broken) = satisfies(array, None, spec, limits) {
        panic!("accepted an array that breaks the spec or the limits: {broken}\n{spec:?}");
    }
    assert_eq!(array.len(), array.shape().len());
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
