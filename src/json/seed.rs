//! The same validation inside any self-describing serde format: [`ArraySeed`] is a
//! [`DeserializeSeed`] that drives the shape tracker with the deserializer's events
//! (sequences, numbers, booleans) and writes straight into the flat buffer.
//!
//! The recursion follows the deserializer's nesting, one level of Rust calls per level of
//! arrays, and is cut at [`Limits::max_depth`] before a deeper level is entered. Values arrive
//! as the deserializer's `i64`/`u64`/`i128`/`u128`/`f64`/`bool`, not as text: integers are
//! checked exactly, and floats for `f32`/`f16` targets are rounded (to nearest, ties to even)
//! from the deserializer's `f64`, which differs from rounding the decimal text directly only
//! when that `f64` is itself a rounding of a value very near a midpoint. Use the text readers
//! ([`from_str`](super::from_str) and friends) when that matters.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

use crate::array::{Array, DynArray};
use crate::dtype::by_dtype;
use crate::error::{Error, ErrorKind, JsonPosition, JsonToken, Result};
use crate::spec::{ArraySpec, Bindings};
use crate::target::Target;

use super::nest::{Nest, NestError};
use super::number::LeafError;
use super::read::{finish, leaf_error, OutputBudget};
use super::JsonValue;
use super::{nested_dtype, ReadOptions};

/// A [`DeserializeSeed`] that reads nested arrays (or a bare scalar, a 0-d array) from any
/// self-describing serde format, validated against a spec (its value constraints and limit
/// overrides included) and the options it was made from, exactly as
/// [`ReadOptions::read_str`](super::ReadOptions::read_str) validates text. Made by
/// [`ReadOptions::seed`](super::ReadOptions::seed); its type parameter is the output
/// ([`Target`]): an element type `T` for `Array<T>`, or [`DynArray`] for an array of the one
/// dtype the spec allows (nested arrays carry no dtype of their own).
///
/// Errors reach the deserializer through [`de::Error::custom`], as `"<code>: <message>"`
/// (for instance `json.ragged: ragged array at [1]: ...`), so the deserializer can add its own
/// position; serde_json appends ` at line L column C`. `max_input_bytes` does not apply: the
/// deserializer owns the input. [`ArraySeed::deserialize_typed`] keeps arrayguard's error.
///
/// # Examples
///
/// ```
/// use arrayguard::{json, ArraySpec, DType, Dim};
/// use serde::de::DeserializeSeed;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let spec = ArraySpec::new(DType::I32).with_shape([Dim::Any, Dim::Exact(2)]);
/// let mut de = serde_json::Deserializer::from_str("[[1, 2], [3, 4]]");
/// let array = json::ReadOptions::new().seed::<i32>(&spec).deserialize(&mut de)?;
/// assert_eq!(array.as_slice(), &[1, 2, 3, 4]);
/// # Ok(())
/// # }
/// ```
pub struct ArraySeed<'a, O> {
    spec: &'a ArraySpec,
    options: ReadOptions,
    output: PhantomData<fn() -> O>,
}

impl<O> Clone for ArraySeed<'_, O> {
    fn clone(&self) -> Self {
        ArraySeed {
            spec: self.spec,
            options: self.options.clone(),
            output: PhantomData,
        }
    }
}

impl<O> fmt::Debug for ArraySeed<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArraySeed")
            .field("spec", self.spec)
            .field("options", &self.options)
            .finish()
    }
}

impl<'a, O: Target> ArraySeed<'a, O> {
    pub(super) fn from_options(spec: &'a ArraySpec, options: ReadOptions) -> Self {
        ArraySeed {
            spec,
            options,
            output: PhantomData,
        }
    }

    /// Reads the array, returning arrayguard's own error (with its [`JsonPosition`] path)
    /// when validation fails, and the deserializer's error otherwise.
    ///
    /// # Errors
    ///
    /// `Ok(Err(_))` for an [`Error`] of validation; `Err(_)` for the deserializer's own
    /// errors (syntax, I/O).
    pub fn deserialize_typed<'de, D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Result<O::Owned>, D::Error> {
        let dtype = match nested_dtype::<O>(self.spec) {
            Ok(dtype) => dtype,
            Err(e) => return Ok(Err(e)),
        };
        let array: Result<DynArray> =
            by_dtype!(dtype, T => self.read::<T, D>(deserializer)?.map(DynArray::from));
        Ok(array.and_then(|array| self.options.deliver::<O>(array)))
    }

    fn read<'de, T: JsonValue, D: Deserializer<'de>>(
        &self,
        deserializer: D,
    ) -> std::result::Result<Result<Array<T>>, D::Error> {
        if let Err(e) = self.spec.check_dtype(T::DTYPE) {
            return Ok(Err(e));
        }
        let limits = self.options.core.limits_for(self.spec);
        let mut state = State {
            nest: Nest::infer(T::PARTS, self.spec.shape(), &limits),
            sink: OutputBudget::new(&limits),
            allow_nan: self.options.allow_nan,
            error: None,
        };
        let outcome = Level { state: &mut state }.deserialize(deserializer);
        if let Some(e) = state.error.take() {
            return Ok(Err(e));
        }
        outcome?;
        let State { nest, sink, .. } = state;
        Ok(finish(
            sink.finish(),
            nest.dims(),
            self.spec,
            &limits,
            &mut Bindings::new(),
        ))
    }
}

impl<'de, O: Target> DeserializeSeed<'de> for ArraySeed<'_, O> {
    type Value = O::Owned;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<O::Owned, D::Error> {
        self.deserialize_typed(deserializer)?
            .map_err(|e| custom(&e))
    }
}

/// An arrayguard error as a deserializer's error: `"<code>: <message>"`.
fn custom<E: de::Error>(e: &Error) -> E {
    E::custom(format_args!("{}: {e}", e.code()))
}

/// What the seed's levels share.
struct State<T> {
    nest: Nest,
    sink: OutputBudget<T>,
    allow_nan: bool,
    /// The validation error, kept typed for [`ArraySeed::deserialize_typed`].
    error: Option<Error>,
}

impl<T: JsonValue> State<T> {
    fn position(&self) -> JsonPosition {
        JsonPosition::in_value(self.nest.path(""))
    }

    /// Records a validation error and turns it into the deserializer's.
    fn fail<E: de::Error>(&mut self, e: Error) -> E {
        let error = custom(&e);
        self.error = Some(e);
        error
    }

    fn nest_error<E: de::Error>(&mut self, e: NestError) -> E {
        let position = self.position();
        let e = match e {
            NestError::Ragged { expected, found } => {
                Error::from(ErrorKind::Ragged { expected, found }).at_json(position)
            }
            NestError::Envelope(reason) => Error::from(ErrorKind::Envelope {
                reason: reason.into_owned().into_boxed_str(),
            })
            .at_json(position),
            NestError::Other(e) => e.at_json(position),
        };
        self.fail(e)
    }

    /// Appends a leaf converted by `convert`; `found` and `text` describe it for errors.
    fn leaf<E: de::Error>(
        &mut self,
        convert: impl FnOnce() -> std::result::Result<T::Part, LeafError>,
        found: JsonToken,
        text: impl FnOnce() -> String,
    ) -> std::result::Result<(), E> {
        let part = match self.nest.scalar() {
            Ok(part) => part,
            Err(e) => return Err(self.nest_error(e)),
        };
        let value = match convert() {
            Ok(v) => v,
            Err(e) => {
                let e = leaf_error(e, T::DTYPE, found, &text(), self.position());
                return Err(self.fail(e));
            }
        };
        if part == 0 {
            if let Err(e) = self.sink.reserve() {
                let e = e.at_json(self.position());
                return Err(self.fail(e));
            }
        }
        T::push_part(&mut self.sink.data, part, value);
        Ok(())
    }

    fn float<E: de::Error>(&mut self, v: f64) -> std::result::Result<(), E> {
        if !v.is_finite() && !self.allow_nan {
            let found = if v.is_nan() {
                JsonToken::NaN
            } else if v > 0.0 {
                JsonToken::Infinity
            } else {
                JsonToken::NegInfinity
            };
            let position = self.position();
            if let Err(e) = self.nest.scalar() {
                return Err(self.nest_error(e));
            }
            let expected = if T::EXPECTED == "a number" {
                "a finite number (NaN and infinities need `allow_nan`)"
            } else {
                T::EXPECTED
            };
            let e = Error::from(ErrorKind::UnexpectedToken { expected, found }).at_json(position);
            return Err(self.fail(e));
        }
        self.leaf(
            || T::part_from_f64(v),
            JsonToken::Number,
            || format_float(v),
        )
    }

    fn int<E: de::Error>(&mut self, v: i128) -> std::result::Result<(), E> {
        self.leaf(|| T::part_from_int(v), JsonToken::Number, || v.to_string())
    }

    fn unexpected<E: de::Error>(&mut self, found: JsonToken) -> E {
        let e = Error::from(ErrorKind::UnexpectedToken {
            expected: T::EXPECTED,
            found,
        })
        .at_json(self.position());
        self.fail(e)
    }
}

/// A float as the message shows it: the shortest text that reads back to it.
fn format_float(v: f64) -> String {
    if v.is_finite() {
        ryu::Buffer::new().format_finite(v).to_owned()
    } else {
        v.to_string()
    }
}

/// One value: a scalar, or an array whose elements are [`Item`]s.
struct Level<'s, T> {
    state: &'s mut State<T>,
}

impl<'de, T: JsonValue> DeserializeSeed<'de> for Level<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// An item of an array: counted as an element, then read as a [`Level`].
struct Item<'s, T> {
    state: &'s mut State<T>,
}

impl<'de, T: JsonValue> DeserializeSeed<'de> for Item<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        if let Err(e) = self.state.nest.element() {
            return Err(self.state.nest_error(e));
        }
        deserializer.deserialize_any(Level { state: self.state })
    }
}

impl<'de, T: JsonValue> Visitor<'de> for Level<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} or an array", T::EXPECTED)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<(), E> {
        let found = if v { JsonToken::True } else { JsonToken::False };
        self.state
            .leaf(|| T::part_from_bool(v), found, || v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<(), E> {
        self.state.int(i128::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<(), E> {
        self.state.int(i128::from(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> std::result::Result<(), E> {
        self.state.int(v)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> std::result::Result<(), E> {
        match i128::try_from(v) {
            Ok(v) => self.state.int(v),
            // Beyond every dtype's range; report it as i128::MAX would be.
            Err(_) => self.state.leaf(
                || Err(LeafError::OutOfRange),
                JsonToken::Number,
                || v.to_string(),
            ),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<(), E> {
        self.state.float(v)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<(), E> {
        Err(self.state.unexpected(JsonToken::String))
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<(), E> {
        Err(self.state.unexpected(JsonToken::Null))
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<(), E> {
        Err(self.state.unexpected(JsonToken::Null))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> std::result::Result<(), A::Error> {
        Err(self.state.unexpected(JsonToken::Object))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        if let Err(e) = self.state.nest.open() {
            return Err(self.state.nest_error(e));
        }
        while seq
            .next_element_seed(Item {
                state: &mut *self.state,
            })?
            .is_some()
        {}
        if let Err(e) = self.state.nest.close() {
            return Err(self.state.nest_error(e));
        }
        Ok(())
    }
}
