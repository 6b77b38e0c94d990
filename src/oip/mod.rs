//! Inference requests of the Open Inference Protocol (KServe v2, Triton): every input bound
//! by name to an array of a [`BundleSpec`], checked before any tensor is allocated; and the
//! response encoder and model metadata for services that answer in the same protocol.
//!
//! | to | call |
//! | --- | --- |
//! | read a request body with default limits | [`from_slice`] |
//! | read with other limits | [`ReadOptions::read`] |
//! | the value of `Inference-Header-Content-Length` | [`parse_header_length`] |
//! | answer | [`Response`] → [`Encoded`] (body, and the header's value for binary outputs) |
//! | a bundle spec from a model server's metadata, or metadata from a spec | [`ModelMetadata`] |
//!
//! # What is read
//!
//! A request is a JSON object `{"id", "parameters", "inputs", "outputs"}`; each input is
//! `{"name", "shape", "datatype", "parameters", "data"}`. `data` holds the elements as nested
//! arrays of the declared shape or as one flat list in row-major order. With the binary
//! tensor extension, the body is a JSON header of the length given in the
//! `Inference-Header-Content-Length` HTTP header, followed by each binary input's bytes
//! (little-endian, row-major) in the order the inputs are listed; such an input has
//! `parameters.binary_data_size` instead of `data`. Datatypes are `BOOL`, `UINT8`…`UINT64`,
//! `INT8`…`INT64`, `FP16`, `FP32`, `FP64` and `BF16` ([`Datatype`]); `BYTES` is refused.
//!
//! # Checks, in order
//!
//! 1. The JSON header's length against [`Limits::max_input_bytes`](crate::Limits), then its
//!    structure (unknown and repeated keys are refused). While `inputs` is read: at most
//!    [`Limits::max_members`](crate::Limits) entries, each named in the bundle
//!    ([`ErrorKind::UnknownArray`](crate::ErrorKind::UnknownArray)) and only once
//!    ([`ErrorKind::DuplicateInput`](crate::ErrorKind::DuplicateInput)), each shape at most
//!    [`Limits::max_ndim`](crate::Limits) non-negative dimensions. An input's `data` is
//!    skipped over here, not read (serde_json bounds its nesting at 128).
//! 2. Each input in request order: its datatype, its shape's element and byte counts
//!    (checked arithmetic), `data` or `binary_data_size` (one of them), a binary size equal to
//!    the shape's bytes ([`ErrorKind::BinarySizeMismatch`](crate::ErrorKind::BinarySizeMismatch)),
//!    and the binary sizes adding up to exactly the bytes after the header
//!    ([`ErrorKind::TruncatedData`](crate::ErrorKind::TruncatedData),
//!    [`ErrorKind::TrailingData`](crate::ErrorKind::TrailingData)).
//! 3. The bundle, array by array in its order: each array has an input
//!    ([`ErrorKind::MissingArray`](crate::ErrorKind::MissingArray)), and the input's dtype,
//!    shape and named dimensions (shared across inputs: the batch) pass its spec, with the
//!    limits per input and [`Limits::max_archive_bytes`](crate::Limits) for all tensors
//!    together.
//! 4. Only then the data, input by input: binary tensors are copied out of the body (checking
//!    `BOOL` bytes and value constraints); JSON `data` is read by the JSON front-end straight
//!    into the array, and must have exactly the declared shape
//!    ([`ErrorKind::DataShapeMismatch`](crate::ErrorKind::DataShapeMismatch)); `NaN` and
//!    infinities (which Python's `json` writes) get past the reader and are then subject to
//!    the spec's value constraints.
//!
//! Errors about an input carry its name ([`Error::array`](crate::Error::array)); errors in
//! JSON carry their line and column in the body, and binary ones their byte offset.
//!
//! # Example
//!
//! ```
//! use arrayguard::{oip, ArraySpec, BundleSpec, DType, ShapeSpec};
//!
//! # fn main() -> Result<(), arrayguard::Error> {
//! let spec = BundleSpec::new()
//!     .with_array("x", ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("batch 2")?))
//!     .build()?;
//! let body = br#"{"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#;
//! let request = oip::from_slice(body, None, &spec)?;
//! let x = request.input("x").unwrap().array().as_typed::<f32>().unwrap();
//! assert_eq!(x.as_slice(), &[1.0, 2.0, 3.0, 4.0]);
//!
//! // The protocol documents' own example sends one BOOL for a shape of 3.
//! let spec = BundleSpec::new().with_array("b", ArraySpec::new(DType::Bool)).build()?;
//! let body = br#"{"inputs": [{"name": "b", "shape": [3], "datatype": "BOOL", "data": [true]}]}"#;
//! assert_eq!(oip::from_slice(body, None, &spec).unwrap_err().code(), "oip.data_shape");
//! # Ok(())
//! # }
//! ```

mod datatype;
mod metadata;
mod request;
mod response;
mod wire;

pub use datatype::Datatype;
pub use metadata::{ModelMetadata, TensorMetadata};
pub use request::{Input, ReadOptions, Request, RequestedOutput};
pub use response::{Encoded, Response};

use crate::error::Result;
use crate::spec::BundleSpec;

/// The HTTP header that gives the length of the JSON part of a body with binary tensors.
pub const HEADER_LENGTH_HEADER: &str = "Inference-Header-Content-Length";

/// Reads a request body with default limits: see [`ReadOptions::read`].
///
/// # Errors
///
/// As [`ReadOptions::read`].
pub fn from_slice(body: &[u8], header_length: Option<usize>, spec: &BundleSpec) -> Result<Request> {
    ReadOptions::new().read(body, header_length, spec)
}

/// Parses the value of the `Inference-Header-Content-Length` header: a decimal byte count,
/// nothing else (no sign, no spaces inside, at most 20 digits).
///
/// # Errors
///
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) for anything else.
pub fn parse_header_length(value: &[u8]) -> Result<usize> {
    let text = std::str::from_utf8(value)
        .unwrap_or("")
        .trim_matches([' ', '\t']);
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wire::invalid(format!(
            "{HEADER_LENGTH_HEADER} is {:?}: expected a decimal byte count",
            String::from_utf8_lossy(&value[..value.len().min(40)])
        )));
    }
    text.parse::<usize>().map_err(|_| {
        wire::invalid(format!(
            "{HEADER_LENGTH_HEADER} is {text}: larger than any body"
        ))
    })
}
