//! The envelope form: `{"dtype": "<f4", "shape": [2, 3], "order": "C", "data": ...}`, where
//! `data` is nested arrays matching `shape`, one flat array of all the elements (in `order`),
//! or a base64 string of the raw bytes (in the typestr's byte order and in `order`).
//!
//! `dtype` and `shape` must come before `data` (and `order`, when present, too), so that the
//! declared size is checked against the spec and the limits before a byte of data is read.
//! Keys may not repeat, and no other key is accepted.

use std::borrow::Cow;

use base64::Engine as _;

use crate::array::{Array, DynArray};
use crate::dtype::{by_dtype, ByteOrder, DType, Element};
use crate::error::{Error, ErrorKind, JsonPosition, LimitKind, Overflow, Result};
use crate::limits::Limits;
use crate::payload::check_bools;
use crate::plan::Plan;
use crate::shape::{Order, Shape};
use crate::spec::{ArraySpec, Bindings};
use crate::target::check_requested_dtype;
use crate::util::to_u64;

use super::nest::Nest;
use super::number::FromJson;
use super::read::{nested, Locate, OutputBudget};
use super::scan::{describe_byte, Fail, Mark, Scanner, MAX_SHORT_STRING};
use super::source::Source;
use super::JsonValue;

/// Base64 characters decoded at a time (a multiple of 4).
const BASE64_CHUNK: usize = 4096;

/// The envelope's keys, in the order they must come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    DType,
    Shape,
    Order,
    Data,
}

/// What the envelope declares before its data.
#[derive(Default)]
struct Declared {
    dtype: Option<(DType, ByteOrder)>,
    shape: Option<Vec<usize>>,
    order: Option<Order>,
}

/// Reads an envelope into an array of the dtype it declares, named dimensions bound in
/// `bindings`. `want` is the dtype a typed caller asks for. The caller has refused a byte
/// order mark.
pub(crate) fn read_envelope<S: Source>(
    mut scan: Scanner<S>,
    spec: &ArraySpec,
    limits: &Limits,
    allow_nan: bool,
    want: Option<DType>,
    bindings: &mut Bindings,
) -> Result<DynArray> {
    let mut env = Env {
        scan: &mut scan,
        nest: Nest::infer(1, None, limits),
    };
    match env.scan.peek()? {
        Some(b'{') => env.scan.bump(),
        other => {
            return Err(env.envelope(
                env.scan.mark(),
                "",
                format!(
                "expected an object `{{\"dtype\": ..., \"shape\": ..., \"data\": ...}}`, found {}",
                found(other)
            ),
            ))
        }
    }
    let mut declared = Declared::default();
    let mut result: Option<DynArray> = None;
    if env.scan.peek()? == Some(b'}') {
        return Err(env.envelope(env.scan.mark(), "", "missing key `dtype`"));
    }
    loop {
        let key_at = env.scan.mark();
        let key = env.key()?;
        if result.is_some() {
            return Err(env.envelope(
                key_at,
                "",
                format!(
                    "`data` must be the last key, found `{}` after it",
                    key_name(key)
                ),
            ));
        }
        let value_at = env.scan.mark();
        let path = key_name(key);
        let seen = match key {
            Key::DType => declared.dtype.is_some(),
            Key::Shape => declared.shape.is_some(),
            Key::Order => declared.order.is_some(),
            Key::Data => false,
        };
        if seen {
            return Err(env.envelope(key_at, "", format!("duplicate key `{path}`")));
        }
        match key {
            Key::DType => {
                let text = env.short_string(value_at, path)?;
                let parsed =
                    parse_dtype(&text).map_err(|e| e.at_json(env.position(value_at, path)))?;
                declared.dtype = Some(parsed);
            }
            Key::Shape => declared.shape = Some(env.shape(limits)?),
            Key::Order => {
                let text = env.short_string(value_at, path)?;
                declared.order = Some(match text.as_str() {
                    "C" => Order::C,
                    "F" => Order::F,
                    _ => {
                        return Err(env.envelope(
                            value_at,
                            path,
                            format!("expected `\"C\"` or `\"F\"`, found `\"{text}\"`"),
                        ))
                    }
                });
            }
            Key::Data => {
                let (Some((dtype, byte_order)), Some(dims)) =
                    (declared.dtype, declared.shape.take())
                else {
                    return Err(env.envelope(
                        key_at,
                        "",
                        "`data` must come after `dtype` and `shape`, so that the declared size is checked before the data is read",
                    ));
                };
                let order = declared.order.unwrap_or(Order::C);
                let plan = Plan::new(dtype, byte_order, Shape::new(dims)?, order)?;
                plan.check_with(spec, limits, bindings)?;
                check_requested_dtype(want, dtype)?;
                result = Some(
                    by_dtype!(dtype, T => env.data::<T>(&plan, spec, limits, allow_nan)?.into()),
                );
            }
        }
        match env.scan.peek()? {
            Some(b',') => env.scan.bump(),
            Some(b'}') => {
                env.scan.bump();
                break;
            }
            other => {
                let reason = format!("expected `,` or `}}`, found {}", found(other));
                return Err(env.fail(env.scan.syntax(reason)));
            }
        }
    }
    env.scan.finish().map_err(|f| env.fail(f))?;
    if let Some(array) = result {
        return Ok(array);
    }
    let missing = if declared.dtype.is_none() {
        "dtype"
    } else if declared.shape.is_none() {
        "shape"
    } else {
        "data"
    };
    Err(env.envelope(env.scan.mark(), "", format!("missing key `{missing}`")))
}

/// How an error shows what was found: a byte, or the end of the input.
fn found(byte: Option<u8>) -> String {
    byte.map_or_else(|| "the end of the input".to_owned(), describe_byte)
}

fn key_name(key: Key) -> &'static str {
    match key {
        Key::DType => "dtype",
        Key::Shape => "shape",
        Key::Order => "order",
        Key::Data => "data",
    }
}

/// A dtype in any spelling [`DType::parse_any`] takes: a type string states its byte order
/// (for base64 data); a name or a short code means little-endian.
fn parse_dtype(text: &str) -> Result<(DType, ByteOrder)> {
    let (dtype, byte_order) = DType::parse_any(text)?;
    Ok((dtype, byte_order.unwrap_or(ByteOrder::Little)))
}

/// The reader's state while inside the envelope.
struct Env<'s, S> {
    scan: &'s mut Scanner<S>,
    /// A tracker with no open array, for the paths of errors outside the data.
    nest: Nest,
}

impl<S: Source> Env<'_, S> {
    fn position(&self, at: Mark, path: &str) -> JsonPosition {
        JsonPosition::in_text(path.into(), at.line, at.column, at.offset)
    }

    fn fail(&self, fail: Fail) -> Error {
        Locate { prefix: "" }.fail(&self.nest, fail)
    }

    fn envelope(&self, at: Mark, path: &str, reason: impl Into<Cow<'static, str>>) -> Error {
        Error::from(ErrorKind::Envelope {
            reason: reason.into().into_owned().into_boxed_str(),
        })
        .at_json(self.position(at, path))
    }

    /// Reads a key and its `:`.
    fn key(&mut self) -> Result<Key> {
        let next = self.scan.peek()?;
        let at = self.scan.mark();
        if next != Some(b'"') {
            let reason = format!("expected a key string, found {}", found(next));
            return Err(self.fail(self.scan.syntax(reason)));
        }
        let text = self.short_string(at, "")?;
        let key = match text.as_str() {
            "dtype" => Key::DType,
            "shape" => Key::Shape,
            "order" => Key::Order,
            "data" => Key::Data,
            _ => {
                return Err(self.envelope(
                    at,
                    "",
                    format!("unknown key `{text}`: expected `dtype`, `shape`, `order` or `data`"),
                ))
            }
        };
        match self.scan.peek()? {
            Some(b':') => self.scan.bump(),
            other => {
                let reason = format!("expected `:` after a key, found {}", found(other));
                return Err(self.fail(self.scan.syntax(reason)));
            }
        }
        Ok(key)
    }

    /// Reads a string of at most [`MAX_SHORT_STRING`] bytes.
    fn short_string(&mut self, at: Mark, path: &str) -> Result<String> {
        let next = self.scan.peek()?;
        if next != Some(b'"') {
            let reason = format!("expected a string, found {}", found(next));
            return Err(self.envelope(self.scan.mark(), path, reason));
        }
        let position = self.position(at, path);
        let mut bytes = Vec::new();
        self.scan
            .string(&mut |piece| {
                if bytes.len() + piece.len() > MAX_SHORT_STRING {
                    return Err(Fail::Other(
                        Error::from(ErrorKind::Envelope {
                            reason: format!("string longer than {MAX_SHORT_STRING} bytes").into(),
                        })
                        .at_json(position.clone()),
                    ));
                }
                bytes.extend_from_slice(piece);
                Ok(())
            })
            .map_err(|f| self.fail(f))?;
        String::from_utf8(bytes).map_err(|_| self.envelope(at, path, "string is not UTF-8"))
    }

    /// Reads `shape`: an array of at most `max_ndim` non-negative integers.
    fn shape(&mut self, limits: &Limits) -> Result<Vec<usize>> {
        let next = self.scan.peek()?;
        if next != Some(b'[') {
            let reason = format!(
                "expected an array of non-negative integers, found {}",
                found(next)
            );
            return Err(self.envelope(self.scan.mark(), "shape", reason));
        }
        self.scan.bump();
        let mut dims = Vec::new();
        if self.scan.peek()? == Some(b']') {
            self.scan.bump();
            return Ok(dims);
        }
        loop {
            let dim_at = self.scan.mark();
            let path = format!("shape[{}]", dims.len());
            if dims.len() == limits.max_ndim {
                return Err(Error::limit(
                    LimitKind::Ndim,
                    limits.max_ndim,
                    dims.len().saturating_add(1),
                )
                .at_json(self.position(dim_at, &path)));
            }
            match self.scan.peek()? {
                Some(b'0'..=b'9') => {}
                other => {
                    return Err(self.envelope(
                        dim_at,
                        &path,
                        format!("expected a non-negative integer, found {}", found(other)),
                    ))
                }
            }
            let token = self.scan.number().map_err(|f| self.fail(f))?;
            let text = self.scan.token(token);
            let value = u64::part_from_token(text, token.integer)
                .ok()
                .and_then(|v| usize::try_from(v).ok());
            let Some(value) = value else {
                let text = text.to_owned();
                return Err(self.envelope(
                    dim_at,
                    &path,
                    format!("expected a non-negative integer that fits in usize, found `{text}`"),
                ));
            };
            dims.push(value);
            match self.scan.peek()? {
                Some(b',') => self.scan.bump(),
                Some(b']') => {
                    self.scan.bump();
                    return Ok(dims);
                }
                other => {
                    let reason = format!("expected `,` or `]`, found {}", found(other));
                    return Err(self.fail(self.scan.syntax(reason)));
                }
            }
        }
    }

    /// Reads `data` for a checked plan: a base64 string, or nested or flat arrays. The
    /// elements are then checked against the spec's value constraints.
    fn data<T: JsonValue>(
        &mut self,
        plan: &Plan,
        spec: &ArraySpec,
        limits: &Limits,
        allow_nan: bool,
    ) -> Result<Array<T>> {
        if self.scan.peek()? == Some(b'"') {
            return self.base64::<T>(plan, spec);
        }
        let dims = plan.shape().dims();
        let nested_allowed = plan.order() == Order::C || dims.len() < 2;
        let mut nest = Nest::envelope(T::PARTS, dims, plan.shape().len(), nested_allowed, limits);
        let mut sink = OutputBudget::new(limits);
        nested(
            self.scan,
            &mut nest,
            &mut sink,
            allow_nan,
            &Locate { prefix: "data" },
        )?;
        let order = if nest.is_flat() {
            plan.order()
        } else {
            Order::C
        };
        let data = sink.finish();
        spec.values().check(&data, plan.shape(), order)?;
        Array::from_vec(plan.shape().clone(), order, data)
    }

    /// Decodes base64 `data` (standard alphabet, with padding) into exactly `plan.nbytes()`
    /// bytes, decoding as the text arrives, into a buffer that grows with it.
    fn base64<T: JsonValue>(&mut self, plan: &Plan, spec: &ArraySpec) -> Result<Array<T>> {
        let at = self.scan.mark();
        let position = self.position(at, "data");
        let nbytes = plan.nbytes();
        let expected_chars = base64::encoded_len(nbytes, true).ok_or_else(|| {
            Error::from(ErrorKind::ShapeOverflow {
                what: Overflow::Bytes,
                bits: usize::BITS,
            })
        })?;
        let mut decoder = Decoder::<T> {
            raw: Vec::new(),
            count: plan.shape().len(),
            filled: 0,
            nbytes,
            chars: 0,
            expected_chars,
            stage: [0; BASE64_CHUNK],
            staged: 0,
            plan,
            position: &position,
        };
        self.scan
            .string(&mut |piece| decoder.feed(piece).map_err(Fail::Other))
            .map_err(|f| self.fail(f))?;
        decoder.flush()?;
        if decoder.chars != expected_chars || decoder.filled != nbytes {
            return Err(decoder.length_error("fewer"));
        }
        let mut raw = decoder.raw;
        if T::DTYPE.unit_size() > 1 && !plan.byte_order().is_native() {
            T::swap_raw(&mut raw);
        }
        if T::DTYPE == DType::Bool {
            check_bools(bytemuck::cast_slice(&raw), 0).map_err(|e| e.at_json(position.clone()))?;
        }
        let data = T::from_raw_vec(raw);
        spec.values().check(&data, plan.shape(), plan.order())?;
        Array::from_vec(plan.shape().clone(), plan.order(), data)
    }
}

/// Base64 text decoded as it arrives.
struct Decoder<'p, T: Element> {
    raw: Vec<T::Raw>,
    /// Elements the plan declares.
    count: usize,
    /// Bytes decoded so far.
    filled: usize,
    nbytes: usize,
    chars: usize,
    expected_chars: usize,
    stage: [u8; BASE64_CHUNK],
    staged: usize,
    plan: &'p Plan,
    position: &'p JsonPosition,
}

impl<T: Element> Decoder<'_, T> {
    fn envelope(&self, reason: String) -> Error {
        Error::from(ErrorKind::Envelope {
            reason: reason.into_boxed_str(),
        })
        .at_json(self.position.clone())
    }

    fn length_error(&self, which: &str) -> Error {
        self.envelope(format!(
            "base64 data holds {which} bytes than the declared shape {} of `{}` needs ({} bytes, {} base64 characters with padding)",
            self.plan.shape(),
            self.plan.dtype(),
            self.nbytes,
            self.expected_chars
        ))
    }

    fn feed(&mut self, piece: &[u8]) -> Result<()> {
        for &b in piece {
            if self.chars == self.expected_chars {
                return Err(self.length_error("more"));
            }
            self.chars += 1;
            self.stage[self.staged] = b;
            self.staged += 1;
            if self.staged == BASE64_CHUNK {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Decodes the staged characters and appends their bytes.
    fn flush(&mut self) -> Result<()> {
        let mut scratch = [0u8; BASE64_CHUNK / 4 * 3];
        let n = base64::engine::general_purpose::STANDARD
            .decode_slice(&self.stage[..self.staged], &mut scratch)
            .map_err(|e| self.envelope(format!("invalid base64 data: {e}")))?;
        self.staged = 0;
        let end = self.filled.saturating_add(n);
        if end > self.nbytes {
            return Err(self.length_error("more"));
        }
        let item = std::mem::size_of::<T::Raw>().max(1);
        let needed = end.div_ceil(item);
        if needed > self.raw.len() {
            // Grow with the data, doubling, never past the declared (and checked) count.
            let target = needed.max(self.raw.len().saturating_mul(2)).min(self.count);
            self.raw
                .try_reserve_exact(target - self.raw.len())
                .map_err(|_| {
                    Error::from(ErrorKind::OutOfMemory {
                        bytes: to_u64(target.saturating_mul(item)),
                    })
                })?;
            self.raw.resize(target, T::Raw::default());
        }
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut self.raw);
        bytes[self.filled..end].copy_from_slice(&scratch[..n]);
        self.filled = end;
        Ok(())
    }
}
