//! [`ReadOptions`] and the validated [`Request`].

use std::io::Read;

use serde::de::DeserializeSeed;
use serde_json::value::RawValue;

use super::wire::{self, invalid, Found, Header, HeaderSeed, WireInput};
use super::Datatype;
use crate::array::DynArray;
use crate::dtype::ByteOrder;
use crate::error::{Error, ErrorKind, LimitKind, Result};
use crate::json;
use crate::limits::Limits;
use crate::options::{ReaderPayload, SlicePayload};
use crate::payload::{self, SourceInfo};
use crate::plan::Plan;
use crate::shape::{Order, Shape};
use crate::spec::{ArraySpec, Bindings, BundleSpec};
use crate::target::Target;
use crate::util::to_u64;

/// Options for reading inference requests: the limits. Every read goes through it;
/// [`from_slice`](super::from_slice) is its default.
///
/// The limits apply with the bundle's and each array's overrides on top: per input as for any
/// array ([`Limits::max_bytes`], [`Limits::max_elements`], [`Limits::max_ndim`], the JSON
/// limits for `data`), and for the whole request: [`Limits::max_input_bytes`] bounds the JSON
/// header (the whole body of a JSON request), [`Limits::max_members`] the number of inputs and
/// of requested outputs, and [`Limits::max_archive_bytes`] the tensors' bytes together.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    limits: Limits,
}

/// A validated inference request: every input of the bundle, each checked against its array
/// spec with the named dimensions shared, in the order the request lists them.
#[derive(Debug)]
pub struct Request {
    id: Option<String>,
    parameters: Option<Box<RawValue>>,
    inputs: Vec<Input>,
    outputs: Vec<RequestedOutput>,
    binary_data_output: bool,
}

/// One validated input tensor.
#[derive(Debug)]
pub struct Input {
    name: String,
    datatype: Datatype,
    array: DynArray,
    parameters: Option<Box<RawValue>>,
}

/// An output the request asks for by name.
#[derive(Clone, Debug)]
pub struct RequestedOutput {
    name: String,
    binary_data: bool,
    parameters: Option<Box<RawValue>>,
}

/// An input whose header passed the structural checks.
struct Declared<'a, 'b> {
    wire: &'b WireInput<'b>,
    datatype: Datatype,
    plan: Plan,
    /// For a binary input: its bytes when the body is a slice (`None` when the tensors are
    /// read from a reader), and their offset in the body.
    binary: Option<(Option<&'a [u8]>, u64)>,
    /// The JSON `data` text, from the body.
    data: Option<&'a [u8]>,
}

impl ReadOptions {
    /// Default limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The bundle's and each array's limit
    /// overrides win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Reads a request body. `header_length` is the value of the request's
    /// `Inference-Header-Content-Length` HTTP header when it has one (see
    /// [`parse_header_length`](super::parse_header_length)): the body is then that many bytes
    /// of JSON followed by the binary tensors; without it, the whole body is JSON.
    ///
    /// Every input is bound by name to an array of `spec`; nothing is allocated for a tensor
    /// before every input passed the checks of the [module docs](super) that come before
    /// reading data.
    ///
    /// # Errors
    ///
    /// The first failure, in the order of the module docs: [`ErrorKind::InvalidRequest`],
    /// [`ErrorKind::UnknownArray`], [`ErrorKind::DuplicateInput`],
    /// [`ErrorKind::UnsupportedDtype`] (`BYTES`), [`ErrorKind::BinarySizeMismatch`],
    /// [`ErrorKind::TruncatedData`] and [`ErrorKind::TrailingData`] (binary sizes against the
    /// body), [`ErrorKind::MissingArray`], the spec's stages and the limits per input, then
    /// the data: [`ErrorKind::DataShapeMismatch`], [`ErrorKind::InvalidBool`], the JSON
    /// errors, [`ErrorKind::Values`]. Errors about one input name it ([`Error::array`]).
    pub fn read(
        &self,
        body: &[u8],
        header_length: Option<usize>,
        spec: &BundleSpec,
    ) -> Result<Request> {
        let (json_bytes, tensors) = split_body(body, header_length)?;
        self.read_parts::<std::io::Empty>(json_bytes, Tensors::Slice(tensors), spec)
    }

    /// Reads a request body from a reader, as it arrives: the JSON header (of
    /// `header_length` bytes, or the whole body when `None`) is read first, within
    /// [`Limits::max_input_bytes`], and checked as [`ReadOptions::read`] checks it; then each
    /// binary tensor is read from the reader straight into its array, in request order, and
    /// the body must end after the last one. A request refused by its header is refused
    /// before any tensor byte is read, and no copy of the body is held.
    ///
    /// Unlike [`ReadOptions::read`], the binary sizes cannot be compared with the body's
    /// length before the spec's checks (the length is not known): a body that ends early is
    /// [`ErrorKind::TruncatedData`] where it ends, bytes after the last tensor
    /// [`ErrorKind::TrailingData`], after the spec's checks passed. Buffers grow as the
    /// tensors' bytes arrive, never past their checked sizes.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::read`]; [`ErrorKind::Io`] when reading fails.
    pub fn read_reader<R: Read>(
        &self,
        mut reader: R,
        header_length: Option<usize>,
        spec: &BundleSpec,
    ) -> Result<Request> {
        let cap = self.limits_for(spec).max_input_bytes;
        let mut json_bytes = Vec::new();
        match header_length {
            None => {
                // One byte over the limit, which `read_parts` then refuses by its length.
                (&mut reader)
                    .take(cap.saturating_add(1))
                    .read_to_end(&mut json_bytes)?;
            }
            Some(n) => {
                if to_u64(n) > cap {
                    return Err(Error::limit(LimitKind::InputBytes, cap, n));
                }
                (&mut reader).take(to_u64(n)).read_to_end(&mut json_bytes)?;
                if json_bytes.len() < n {
                    return Err(invalid(format!(
                        "the JSON header's length (Inference-Header-Content-Length: {n}) is past the end of the {}-byte body",
                        json_bytes.len()
                    )));
                }
            }
        }
        let tensors = match header_length {
            None => Tensors::Slice(&[]),
            Some(_) => Tensors::Reader(&mut reader),
        };
        self.read_parts(&json_bytes, tensors, spec)
    }

    /// The limits with the bundle's overrides.
    fn limits_for(&self, spec: &BundleSpec) -> Limits {
        match spec.limit_overrides() {
            Some(overrides) => overrides.apply(&self.limits),
            None => self.limits.clone(),
        }
    }

    /// Reads a request from its JSON header and its binary tensors.
    fn read_parts<R: Read>(
        &self,
        json_bytes: &[u8],
        mut tensors: Tensors<'_, R>,
        spec: &BundleSpec,
    ) -> Result<Request> {
        let limits = self.limits_for(spec);
        if to_u64(json_bytes.len()) > limits.max_input_bytes {
            return Err(Error::limit(
                LimitKind::InputBytes,
                limits.max_input_bytes,
                to_u64(json_bytes.len()),
            ));
        }
        // NaN and infinities (which Python's `json` writes) are masked for serde_json, in a
        // copy of the same length, so that every position is the body's; `data` is then read
        // from the body itself.
        let masked = mask_non_finite(json_bytes);
        let text = masked.as_deref().unwrap_or(json_bytes);
        let header = parse_header(text, spec, &limits)?;
        let tensor_base = to_u64(json_bytes.len());
        let declared = declare(
            &header,
            spec,
            &limits,
            (text, json_bytes),
            tensors.slice(),
            tensor_base,
        )?;
        let mut bindings = Bindings::new();
        let mut total: u64 = 0;
        for name in spec.names() {
            let Some(array_spec) = spec.array(name) else {
                continue;
            };
            let Some(input) = declared.iter().find(|d| d.wire.name == name) else {
                return Err(
                    Error::from(ErrorKind::MissingArray { array: name.into() }).in_array(name)
                );
            };
            let input_limits = array_spec.limits_over(&limits);
            input
                .plan
                .check_with(array_spec, &input_limits, &mut bindings)
                .map_err(|e| e.in_array(name))?;
            total = total.saturating_add(to_u64(input.plan.nbytes()));
            if total > limits.max_archive_bytes {
                return Err(
                    Error::limit(LimitKind::ArchiveBytes, limits.max_archive_bytes, total)
                        .in_array(name),
                );
            }
        }
        let mut inputs = Vec::with_capacity(declared.len());
        for input in &declared {
            let name = &input.wire.name;
            let array_spec = spec.array(name).ok_or_else(|| {
                Error::from(ErrorKind::UnknownArray {
                    array: name.as_str().into(),
                })
            })?;
            let limits = array_spec.limits_over(&limits);
            let array = match (input.binary, &mut tensors) {
                (Some((Some(bytes), offset)), _) => DynArray::view(SlicePayload {
                    plan: &input.plan,
                    bytes,
                    offset,
                    values: array_spec.values(),
                    c_order: false,
                }),
                (Some((None, offset)), Tensors::Reader(reader)) => DynArray::owned(ReaderPayload {
                    plan: &input.plan,
                    reader: &mut **reader,
                    at: SourceInfo {
                        offset,
                        known_len: false,
                        to_end: false,
                    },
                    values: array_spec.values(),
                    c_order: false,
                    // A body's reader has no positions: read in order, on this thread.
                    par: payload::Par::new(Default::default(), None),
                }),
                // `declare` places every binary tensor of a body in memory.
                (Some((None, offset)), Tensors::Slice(_)) => {
                    Err(Error::from(ErrorKind::TruncatedData {
                        expected: 0,
                        found: 0,
                    })
                    .at_offset(offset))
                }
                (None, _) => read_data(json_bytes, input, array_spec, &limits),
            }
            .map_err(|e| e.in_array(name))?;
            inputs.push(Input {
                name: name.clone(),
                datatype: input.datatype,
                array,
                parameters: input.wire.parameters.map(RawValue::to_owned),
            });
        }
        if let Tensors::Reader(reader) = &mut tensors {
            let end = declared
                .iter()
                .filter_map(|d| d.binary.map(|(_, offset)| offset + to_u64(d.plan.nbytes())))
                .max()
                .unwrap_or(tensor_base);
            payload::expect_eof(reader, end, end - tensor_base)?;
        }
        let binary_data_output = header.parameters.is_some_and(wire::binary_data_output);
        Ok(Request {
            id: header.id,
            parameters: header.parameters.map(RawValue::to_owned),
            inputs,
            outputs: header
                .outputs
                .into_iter()
                .map(|o| RequestedOutput {
                    name: o.name,
                    binary_data: o.binary_data,
                    parameters: o.parameters.map(RawValue::to_owned),
                })
                .collect(),
            binary_data_output,
        })
    }
}

/// Where the binary tensors are: the rest of a body in memory, or a reader just after the
/// JSON header.
enum Tensors<'a, R> {
    Slice(&'a [u8]),
    Reader(&'a mut R),
}

impl<'a, R> Tensors<'a, R> {
    fn slice(&self) -> Option<&'a [u8]> {
        match self {
            Tensors::Slice(bytes) => Some(bytes),
            Tensors::Reader(_) => None,
        }
    }
}

/// Splits the body into its JSON header and the binary tensors after it.
fn split_body(body: &[u8], header_length: Option<usize>) -> Result<(&[u8], &[u8])> {
    match header_length {
        None => Ok((body, &[])),
        Some(n) if n <= body.len() => Ok(body.split_at(n)),
        Some(n) => Err(invalid(format!(
            "the JSON header's length (Inference-Header-Content-Length: {n}) is past the end of the {}-byte body",
            body.len()
        ))),
    }
}

/// Parses the JSON header, refusing unknown and duplicate input names as they arrive.
fn parse_header<'a>(
    json_bytes: &'a [u8],
    spec: &BundleSpec,
    limits: &Limits,
) -> Result<Header<'a>> {
    let found = Found::default();
    let seed = HeaderSeed {
        spec,
        limits,
        found: &found,
    };
    let mut de = serde_json::Deserializer::from_slice(json_bytes);
    let header = (&seed)
        .deserialize(&mut de)
        .and_then(|h| de.end().map(|()| h));
    header.map_err(|e| {
        let line = u64::try_from(e.line()).unwrap_or(0);
        let column = u64::try_from(e.column()).unwrap_or(0);
        let error = found.into_error(&e);
        if error.json_position().is_some() || line == 0 {
            return error;
        }
        error.at_json(crate::error::JsonPosition::in_text(
            "".into(),
            line,
            column,
            offset_of(json_bytes, line, column),
        ))
    })
}

/// A copy of `json` with each `NaN`, `Infinity` and `-Infinity` outside strings replaced by a
/// string of the same length (`"N"`, `"Infini"`, `"-Infini"`), or `None` when there is none.
/// Outside strings, valid JSON has no other capital letters, so only these tokens (and
/// garbage, which stays invalid) are touched.
fn mask_non_finite(json: &[u8]) -> Option<Vec<u8>> {
    const TOKENS: [(&[u8], &[u8]); 3] = [
        (b"-Infinity", b"\"-Infini\""),
        (b"Infinity", b"\"Infini\""),
        (b"NaN", b"\"N\""),
    ];
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < json.len() {
        let b = json[i];
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        } else if matches!(b, b'N' | b'I' | b'-') {
            if let Some((token, mask)) = TOKENS.iter().find(|(t, _)| json[i..].starts_with(t)) {
                out.get_or_insert_with(|| json.to_vec())[i..i + token.len()].copy_from_slice(mask);
                i += token.len();
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The byte offset of a serde_json line and column (from 1) in `text`.
fn offset_of(text: &[u8], line: u64, column: u64) -> u64 {
    let mut start = 0usize;
    for _ in 1..line {
        match text[start..].iter().position(|&b| b == b'\n') {
            Some(p) => start += p + 1,
            None => break,
        }
    }
    to_u64(start).saturating_add(column.saturating_sub(1))
}

/// Checks each input's datatype, shape (against the limits) and binary size, and places the
/// binary tensors in the body: their sizes must add up to exactly the bytes after the JSON
/// header.
fn declare<'a, 'b>(
    header: &'b Header<'b>,
    spec: &BundleSpec,
    limits: &Limits,
    (text, json_bytes): (&'b [u8], &'a [u8]),
    tensors: Option<&'a [u8]>,
    tensor_base: u64,
) -> Result<Vec<Declared<'a, 'b>>> {
    let mut declared = Vec::with_capacity(header.inputs.len());
    let mut at = 0usize;
    for wire in &header.inputs {
        let in_input = |e: Error| e.in_array(&wire.name);
        let datatype = Datatype::parse(&wire.datatype).map_err(in_input)?;
        let dtype = datatype.dtype().map_err(in_input)?;
        let dims = wire
            .shape
            .iter()
            .map(|&d| {
                usize::try_from(d).map_err(|_| {
                    Error::from(ErrorKind::ShapeOverflow {
                        what: crate::error::Overflow::Elements,
                        bits: usize::BITS,
                    })
                })
            })
            .collect::<Result<Vec<usize>>>()
            .map_err(in_input)?;
        let shape = Shape::new(dims).map_err(in_input)?;
        let plan = Plan::new(dtype, ByteOrder::Little, shape, Order::C).map_err(in_input)?;
        // The limits before the bytes, as for every format: a tensor over them is refused as
        // such, whatever the body holds.
        if let Some(array_spec) = spec.array(&wire.name) {
            let limits = array_spec.limits_over(limits);
            limits
                .check_ndim(plan.shape().ndim())
                .and_then(|()| limits.check_size(plan.shape().len(), plan.nbytes()))
                .map_err(in_input)?;
        }
        let binary = match (wire.binary_data_size, wire.data) {
            (Some(_), Some(_)) => {
                return Err(in_input(invalid(
                    "the input has both `data` and `parameters.binary_data_size`".into(),
                )))
            }
            (None, None) => {
                return Err(in_input(invalid(
                    "the input has neither `data` nor `parameters.binary_data_size`".into(),
                )))
            }
            (None, Some(_)) => None,
            (Some(size), None) => {
                let expected = to_u64(plan.nbytes());
                if size != expected {
                    return Err(in_input(
                        ErrorKind::BinarySizeMismatch {
                            declared: size,
                            expected,
                        }
                        .into(),
                    ));
                }
                let offset = tensor_base.saturating_add(to_u64(at));
                match tensors {
                    // Read from the reader later, in this order.
                    None => {
                        at = at.saturating_add(plan.nbytes());
                        Some((None, offset))
                    }
                    Some(tensors) => {
                        let end = at
                            .checked_add(plan.nbytes())
                            .filter(|&e| e <= tensors.len());
                        let Some(end) = end else {
                            return Err(in_input(
                                Error::from(ErrorKind::TruncatedData {
                                    expected: to_u64(at).saturating_add(size),
                                    found: to_u64(tensors.len()),
                                })
                                .at_offset(tensor_base.saturating_add(to_u64(tensors.len()))),
                            ));
                        };
                        let bytes = &tensors[at..end];
                        at = end;
                        Some((Some(bytes), offset))
                    }
                }
            }
        };
        // `text` and `json_bytes` have the same length; the data's range is the same in both.
        let data = wire.data.map(|raw| {
            let start = (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
            let end = start.saturating_add(raw.get().len()).min(json_bytes.len());
            &json_bytes[start.min(end)..end]
        });
        declared.push(Declared {
            wire,
            datatype,
            plan,
            binary,
            data,
        });
    }
    if tensors.is_some_and(|t| at != t.len()) {
        return Err(Error::from(ErrorKind::TrailingData {
            expected: to_u64(at),
        })
        .at_offset(tensor_base.saturating_add(to_u64(at))));
    }
    Ok(declared)
}

/// Reads an input's JSON `data`: nested arrays of the declared shape, or one flat list of all
/// its elements in row-major order.
fn read_data(
    body: &[u8],
    input: &Declared<'_, '_>,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<DynArray> {
    let raw = input.data.unwrap_or(b"null");
    let dims = input.plan.shape().dims();
    let trimmed = raw.trim_ascii_start();
    let flat = dims.len() != 1
        && trimmed.first() == Some(&b'[')
        && trimmed[1..].trim_ascii_start().first() != Some(&b'[');
    let read_shape: Vec<usize> = if flat {
        vec![input.plan.shape().len()]
    } else {
        dims.to_vec()
    };
    let internal = ArraySpec::new(input.plan.dtype())
        .with_shape(read_shape.iter().copied())
        .with_values(spec.values().clone());
    let options = json::ReadOptions::new()
        .limits(limits.clone())
        .allow_nan(true);
    let array = options
        .read_slice::<DynArray>(raw, &internal)
        .map_err(|e| data_error(e, dims, flat, raw, body))?;
    if !flat {
        return Ok(array);
    }
    crate::array::with_array!(array, a => {
        let shape = input.plan.shape().clone();
        crate::array::Array::from_vec(shape, Order::C, a.into_vec()).map(DynArray::from)
    })
}

/// A JSON reader's error on an input's `data`, as the request's: a shape that disagrees with
/// the declared one is [`ErrorKind::DataShapeMismatch`], and positions are moved into the
/// body.
fn data_error(e: Error, declared: &[usize], flat: bool, raw: &[u8], body: &[u8]) -> Error {
    let e = match e.kind() {
        ErrorKind::ShapeMismatch { axis, found, .. } => {
            let found = if flat {
                format!("{found} elements")
            } else {
                format!("{found} elements on axis {axis}")
            };
            rebuild(e, declared, found)
        }
        ErrorKind::NdimMismatch { found, .. } => {
            let found = format!("{found} levels of nesting");
            rebuild(e, declared, found)
        }
        ErrorKind::UnexpectedToken { .. } if declared.is_empty() => {
            let found = "an array".to_owned();
            rebuild(e, declared, found)
        }
        _ => e,
    };
    // `raw` is a slice of `body`: its start gives the position to shift by.
    let start = (raw.as_ptr() as usize).saturating_sub(body.as_ptr() as usize);
    let before = &body[..start.min(body.len())];
    let line = 1 + to_u64(before.iter().filter(|&&b| b == b'\n').count());
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = 1 + to_u64(start - line_start);
    e.shift_json(to_u64(start), line, column)
}

/// `e` as a [`ErrorKind::DataShapeMismatch`] at the same place.
fn rebuild(e: Error, declared: &[usize], found: String) -> Error {
    let position = e.json_position().cloned();
    let error = Error::from(ErrorKind::DataShapeMismatch {
        declared: declared.into(),
        found: found.into(),
    });
    match position {
        Some(p) => error.at_json(p),
        None => error,
    }
}

impl Request {
    /// The request's `id`, which a response must echo.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The request-level `parameters` object, as the JSON text it was sent as.
    pub fn parameters(&self) -> Option<&str> {
        self.parameters.as_deref().map(RawValue::get)
    }

    /// The inputs, in the order the request lists them.
    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// The input bound to the bundle array `name`.
    pub fn input(&self, name: &str) -> Option<&Input> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// The inputs' names and arrays, in request order.
    pub fn into_arrays(self) -> Vec<(String, DynArray)> {
        self.inputs.into_iter().map(|i| (i.name, i.array)).collect()
    }

    /// The outputs the request asks for, in its order (empty: the model's choice).
    pub fn outputs(&self) -> &[RequestedOutput] {
        &self.outputs
    }

    /// Whether the request asks for every output as binary data (the request-level
    /// `"binary_data_output": true` of Triton's binary extension).
    pub fn binary_data_output(&self) -> bool {
        self.binary_data_output
    }

    /// Whether the output `name` should be sent as binary data: the request asks for it by
    /// name with `"binary_data": true`, or for every output with the request-level
    /// `"binary_data_output": true`.
    pub fn wants_binary(&self, name: &str) -> bool {
        self.outputs
            .iter()
            .find(|o| o.name == name)
            .map_or(self.binary_data_output, |o| {
                o.binary_data || self.binary_data_output
            })
    }
}

impl Input {
    /// The input's name, which is its bundle array's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The datatype the request declared.
    pub fn datatype(&self) -> Datatype {
        self.datatype
    }

    /// The validated array (C order).
    pub fn array(&self) -> &DynArray {
        &self.array
    }

    /// The array, taken out.
    pub fn into_array(self) -> DynArray {
        self.array
    }

    /// The input's `parameters` object, as the JSON text it was sent as.
    pub fn parameters(&self) -> Option<&str> {
        self.parameters.as_deref().map(RawValue::get)
    }
}

impl RequestedOutput {
    /// The output's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether its `parameters` ask for binary data.
    pub fn binary_data(&self) -> bool {
        self.binary_data
    }

    /// The output's `parameters` object, as the JSON text it was sent as.
    pub fn parameters(&self) -> Option<&str> {
        self.parameters.as_deref().map(RawValue::get)
    }
}
