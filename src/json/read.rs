//! Nested JSON arrays read in one pass, straight into a flat buffer: the scanner supplies
//! tokens, the [`Nest`] tracker checks each event against the shape, the spec and the limits,
//! and each leaf is converted where it stands. The loop is iterative; its only stack is the
//! tracker's counters, one per open array, capped by [`Limits::max_depth`].

use crate::array::Array;
use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, JsonPosition, JsonToken, LimitKind, Result};
use crate::limits::Limits;
use crate::plan::Plan;
use crate::shape::{Order, Shape};
use crate::spec::{ArraySpec, Bindings};
use crate::util::{excerpt, to_u64};

use super::nest::{Nest, NestError};
use super::number::{LeafError, NonFinite, Number};
use super::scan::{describe_byte, Fail, Mark, Scanner, MAX_NUMBER_LEN};
use super::source::Source;
use super::JsonValue;

/// What a float dtype takes when non-finite tokens are not allowed.
const FINITE: &str = "a finite number (`NaN` and infinities need `ReadOptions::allow_nan`)";

/// The output buffer: grows as elements arrive, never beyond the element and byte budget.
pub(crate) struct OutputBudget<T> {
    pub(crate) data: Vec<T>,
    /// Elements the limits allow.
    max_len: usize,
    max_elements: u64,
    max_bytes: u64,
}

impl<T> OutputBudget<T> {
    pub(crate) fn new(limits: &Limits) -> Self {
        let item = to_u64(std::mem::size_of::<T>().max(1));
        let by_bytes = limits.max_bytes / item;
        let max_len = usize::try_from(limits.max_elements.min(by_bytes)).unwrap_or(usize::MAX);
        OutputBudget {
            data: Vec::new(),
            max_len,
            max_elements: limits.max_elements,
            max_bytes: limits.max_bytes,
        }
    }

    /// Makes room for one more element.
    #[inline]
    pub(crate) fn reserve(&mut self) -> Result<()> {
        self.reserve_with(|| None)
    }

    /// Makes room for one more element; `progress` tells the bytes of text read so far and
    /// still to come, when known, to size the buffer from.
    #[inline]
    pub(crate) fn reserve_with(
        &mut self,
        progress: impl FnOnce() -> Option<(u64, u64)>,
    ) -> Result<()> {
        if self.data.len() == self.data.capacity() {
            return self.grow(progress());
        }
        Ok(())
    }

    /// Grows the buffer: doubling up to 64 KiB, then by a sixteenth (at least 64 KiB), so that
    /// an accepted array costs at most 17/16 of its size plus 64 KiB, and never past the
    /// budget.
    ///
    /// When the rest of the text is known (`progress`: bytes read, bytes to come), the step
    /// is instead the elements the rest would hold at the bytes per element seen so far,
    /// plus 1/32, in one reservation rather than dozens; but never more elements than the
    /// rest of the text has bytes divided by the element size, so that this reservation
    /// beyond the output is bounded by the text's own size.
    #[cold]
    fn grow(&mut self, progress: Option<(u64, u64)>) -> Result<()> {
        let len = self.data.len();
        if len >= self.max_len {
            let wanted = len.saturating_add(1);
            if to_u64(wanted) > self.max_elements {
                return Err(Error::limit(LimitKind::Elements, self.max_elements, wanted));
            }
            let bytes = to_u64(wanted).saturating_mul(to_u64(std::mem::size_of::<T>()));
            return Err(Error::limit(LimitKind::Bytes, self.max_bytes, bytes));
        }
        let item = std::mem::size_of::<T>().max(1);
        let small = (64 * 1024 / item).max(16);
        let mut step = if len < small {
            len.max(16)
        } else {
            (len / 16).max(small)
        };
        if let Some((read, rest)) = progress.filter(|&(read, _)| read > 0 && len >= small) {
            let estimate = u128::from(rest) * u128::from(to_u64(len)) / u128::from(read);
            let estimate = estimate + estimate / 32;
            let cap = u128::from(rest / to_u64(item));
            let wanted = usize::try_from(estimate.min(cap)).unwrap_or(usize::MAX);
            step = step.max(wanted);
        }
        let target = len.saturating_add(step).min(self.max_len);
        self.data.try_reserve_exact(target - len).map_err(|_| {
            Error::from(ErrorKind::OutOfMemory {
                bytes: to_u64(target.saturating_mul(item)),
            })
        })
    }

    /// The elements, with no spare capacity.
    pub(crate) fn finish(mut self) -> Vec<T> {
        self.data.shrink_to_fit();
        self.data
    }
}

/// Turns the failures of the parts into errors with positions.
pub(crate) struct Locate<'p> {
    /// The key the array sits under in an envelope (`data`), or nothing.
    pub(crate) prefix: &'p str,
}

impl Locate<'_> {
    pub(crate) fn position(&self, nest: &Nest, at: Mark) -> JsonPosition {
        JsonPosition::in_text(nest.path(self.prefix), at.line, at.column, at.offset)
    }

    pub(crate) fn fail(&self, nest: &Nest, fail: Fail) -> Error {
        match fail {
            Fail::Syntax { at, reason } => Error::from(ErrorKind::JsonSyntax {
                reason: reason.into_owned().into_boxed_str(),
            })
            .at_json(self.position(nest, at)),
            Fail::TooLong { at } => Error::from(ErrorKind::NumberTooLong {
                max: to_u64(MAX_NUMBER_LEN),
            })
            .at_json(self.position(nest, at)),
            Fail::Other(e) => e,
        }
    }

    pub(crate) fn nest(&self, nest: &Nest, at: Mark, e: NestError) -> Error {
        let position = self.position(nest, at);
        match e {
            NestError::Ragged { expected, found } => {
                Error::from(ErrorKind::Ragged { expected, found }).at_json(position)
            }
            NestError::Envelope(reason) => Error::from(ErrorKind::Envelope {
                reason: reason.into_owned().into_boxed_str(),
            })
            .at_json(position),
            NestError::Other(e) => e.at_json(position),
        }
    }

    fn eof(&self, nest: &Nest, at: Mark, expected: &str) -> Error {
        self.fail(
            nest,
            Fail::Syntax {
                at,
                reason: format!("unexpected end of input, expected {expected}").into(),
            },
        )
    }
}

/// An error for a leaf that does not convert.
pub(crate) fn leaf_error(
    e: LeafError,
    dtype: DType,
    found: JsonToken,
    text: &str,
    position: JsonPosition,
) -> Error {
    let number = || excerpt(text, 40);
    let position = Box::new(position);
    match e {
        LeafError::OutOfRange => Error::from(ErrorKind::NumberOutOfRange {
            dtype,
            number: number(),
        })
        .at_json(*position),
        LeafError::NotAnInteger => Error::from(ErrorKind::NotAnInteger {
            dtype,
            number: number(),
        })
        .at_json(*position),
        LeafError::Unexpected(expected) => {
            Error::from(ErrorKind::UnexpectedToken { expected, found }).at_json(*position)
        }
    }
}

/// Reads one value (nested arrays, or a bare scalar) into `sink`, checking every event with
/// `nest`. Stops right after the value. Inlined into its two callers (the text reader and the
/// envelope's nested data), so that the scanner's and the conversions' code sits in one loop.
#[inline(always)]
pub(crate) fn nested<T: JsonValue, S: Source>(
    scan: &mut Scanner<S>,
    nest: &mut Nest,
    sink: &mut OutputBudget<T>,
    allow_nan: bool,
    locate: &Locate<'_>,
) -> Result<()> {
    // Whether the value about to be read has been counted as an element of the innermost
    // open array (the top-level value is no element). Every path from here to the next
    // value sets it again.
    let mut counted = true;
    loop {
        let Some(b) = scan.peek()? else {
            return Err(locate.eof(nest, scan.mark(), "a value"));
        };
        if !counted {
            if b == b']' {
                return Err(locate.fail(nest, scan.syntax("expected a value after `,`, found `]`")));
            }
            nest.element()
                .map_err(|e| locate.nest(nest, scan.mark(), e))?;
        }
        if b == b'[' {
            nest.open().map_err(|e| locate.nest(nest, scan.mark(), e))?;
            scan.bump();
            match scan.peek()? {
                Some(b']') => {
                    let at = scan.mark();
                    scan.bump();
                    nest.close().map_err(|e| locate.nest(nest, at, e))?;
                }
                Some(_) => {
                    counted = false;
                    continue;
                }
                None => return Err(locate.eof(nest, scan.mark(), "a value or `]`")),
            }
        } else {
            scalar(scan, nest, sink, allow_nan, locate, b)?;
        }
        // After a value: close arrays until one continues with `,`.
        loop {
            if nest.depth() == 0 {
                return Ok(());
            }
            match scan.peek()? {
                Some(b',') => {
                    scan.bump();
                    counted = false;
                    break;
                }
                Some(b']') => {
                    let at = scan.mark();
                    scan.bump();
                    nest.close().map_err(|e| locate.nest(nest, at, e))?;
                }
                Some(other) => {
                    let reason = format!("expected `,` or `]`, found {}", describe_byte(other));
                    return Err(locate.fail(nest, scan.syntax(reason)));
                }
                None => return Err(locate.eof(nest, scan.mark(), "`,` or `]`")),
            }
        }
    }
}

/// Reads the scalar starting with byte `b` and appends it.
///
/// Positions are computed only when an error needs one: the scanner still stands on the
/// scalar until its token is read, and a number's token gives its own start.
#[inline]
fn scalar<T: JsonValue, S: Source>(
    scan: &mut Scanner<S>,
    nest: &mut Nest,
    sink: &mut OutputBudget<T>,
    allow_nan: bool,
    locate: &Locate<'_>,
    b: u8,
) -> Result<()> {
    let part = nest
        .scalar()
        .map_err(|e| locate.nest(nest, scan.mark(), e))?;
    if part == 0 {
        // The budget is checked before the element is read.
        sink.reserve_with(|| scan.progress())
            .map_err(|e| e.at_json(locate.position(nest, scan.mark())))?;
    }
    let leaf = leaf::<T, S>(scan, nest, allow_nan, locate, b)?;
    T::push_part(&mut sink.data, part, leaf);
    Ok(())
}

/// Reads the scalar starting with byte `b` (a number, `true`, `false` or a non-finite token)
/// into a leaf of `T`, or the error for any other value; `nest` only places errors.
#[inline(always)]
pub(crate) fn leaf<T: JsonValue, S: Source>(
    scan: &mut Scanner<S>,
    nest: &Nest,
    allow_nan: bool,
    locate: &Locate<'_>,
    b: u8,
) -> Result<T::Part> {
    Ok(match b {
        // One check for both arms rather than a branch on the sign, which mispredicts.
        b'-' | b'0'..=b'9' if scan.next_two_are(b"-I")? => non_finite::<T, S>(
            scan,
            nest,
            allow_nan,
            locate,
            b"-Infinity",
            NonFinite::NegInfinity,
        )?,
        b'-' | b'0'..=b'9' => {
            let token = scan.number().map_err(|f| locate.fail(nest, f))?;
            let text = scan.token(token);
            let number = Number {
                text,
                integer: token.integer,
                digits: token.digits,
            };
            T::part_from_number(number).map_err(|e| {
                let at = scan.mark_at(token.start);
                leaf_error(
                    e,
                    T::DTYPE,
                    JsonToken::Number,
                    text,
                    locate.position(nest, at),
                )
            })?
        }
        b't' | b'f' => {
            let at = scan.mark();
            let (word, value, found) = if b == b't' {
                ("true", true, JsonToken::True)
            } else {
                ("false", false, JsonToken::False)
            };
            if !scan.literal(word.as_bytes())? {
                return Err(locate.fail(nest, scan.syntax("expected a value")));
            }
            T::part_from_bool(value)
                .map_err(|e| leaf_error(e, T::DTYPE, found, word, locate.position(nest, at)))?
        }
        b'N' => non_finite::<T, S>(scan, nest, allow_nan, locate, b"NaN", NonFinite::NaN)?,
        b'I' => non_finite::<T, S>(
            scan,
            nest,
            allow_nan,
            locate,
            b"Infinity",
            NonFinite::Infinity,
        )?,
        b'n' | b'"' | b'{' => {
            let at = scan.mark();
            let found = match b {
                b'n' if scan.literal(b"null")? => JsonToken::Null,
                b'"' => JsonToken::String,
                b'{' => JsonToken::Object,
                _ => return Err(locate.fail(nest, scan.syntax("expected a value"))),
            };
            return Err(Error::from(ErrorKind::UnexpectedToken {
                expected: T::EXPECTED,
                found,
            })
            .at_json(locate.position(nest, at)));
        }
        other => {
            let reason = format!("expected a value, found {}", describe_byte(other));
            return Err(locate.fail(nest, scan.syntax(reason)));
        }
    })
}

/// Reads `NaN`, `Infinity` or `-Infinity` (the tokens Python's `json.dumps` writes), refused
/// unless `allow_nan`.
#[cold]
fn non_finite<T: JsonValue, S: Source>(
    scan: &mut Scanner<S>,
    nest: &Nest,
    allow_nan: bool,
    locate: &Locate<'_>,
    word: &[u8],
    value: NonFinite,
) -> Result<T::Part> {
    let at = scan.mark();
    if !scan.literal(word)? {
        return Err(locate.fail(nest, scan.syntax("expected a value")));
    }
    let found = match value {
        NonFinite::NaN => JsonToken::NaN,
        NonFinite::Infinity => JsonToken::Infinity,
        NonFinite::NegInfinity => JsonToken::NegInfinity,
    };
    let refuse = |expected| {
        Error::from(ErrorKind::UnexpectedToken { expected, found })
            .at_json(locate.position(nest, at))
    };
    if !allow_nan {
        let expected = if T::EXPECTED == "a number" {
            FINITE
        } else {
            T::EXPECTED
        };
        return Err(refuse(expected));
    }
    T::part_from_non_finite(value).map_err(|_| refuse(T::EXPECTED))
}

/// Reads a whole text of nested arrays (or a bare scalar) into an array of `T`, checked
/// against the spec (named dimensions bound in `bindings`; its value constraints last) and
/// `limits` (the spec's overrides already applied). The caller has checked that the spec
/// allows `T` and that the text starts with no byte order mark.
pub(crate) fn read_array<T: JsonValue, S: Source>(
    mut scan: Scanner<S>,
    spec: &ArraySpec,
    limits: &Limits,
    allow_nan: bool,
    bindings: &mut Bindings,
) -> Result<Array<T>> {
    let mut nest = Nest::infer(T::PARTS, spec.shape(), limits);
    let mut sink = OutputBudget::new(limits);
    let locate = Locate { prefix: "" };
    nested(&mut scan, &mut nest, &mut sink, allow_nan, &locate)?;
    scan.finish().map_err(|f| locate.fail(&nest, f))?;
    finish(sink.finish(), nest.dims(), spec, limits, bindings)
}

/// The end of every nested read (text or serde): the shape learnt, checked against the spec
/// and the limits as a plan, then the values.
pub(crate) fn finish<T: JsonValue>(
    data: Vec<T>,
    dims: Vec<usize>,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<Array<T>> {
    let shape = Shape::new(dims)?;
    // JSON text has no byte order: a spec that requires one is satisfied.
    let byte_order = spec.byte_order().unwrap_or(ByteOrder::NATIVE);
    Plan::new(T::DTYPE, byte_order, shape.clone(), Order::C)?.check_with(spec, limits, bindings)?;
    spec.values().check(&data, &shape, Order::C)?;
    Array::from_vec(shape, Order::C, data)
}

/// Refuses a byte order mark before the text.
pub(crate) fn refuse_bom<S: Source>(scan: &mut Scanner<S>, limits: &Limits) -> Result<()> {
    scan.refuse_bom()
        .map_err(|f| Locate { prefix: "" }.fail(&Nest::infer(1, None, limits), f))
}
