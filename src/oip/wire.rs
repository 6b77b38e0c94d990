//! The JSON header of an inference request, parsed with serde into borrowed pieces: every
//! list bounded while it is read, names checked against the bundle as they arrive, and each
//! input's `data` kept as the raw text it is (read later, once its shape passed its checks).

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::{Error, ErrorKind, LimitKind};
use crate::limits::Limits;
use crate::spec::BundleSpec;
use crate::util::excerpt;

/// Nesting serde_json allows before it stops (its recursion limit).
pub(super) const SERDE_DEPTH: u64 = 128;

/// The request's JSON header, borrowing from the body.
#[derive(Debug, Default)]
pub(super) struct Header<'a> {
    pub(super) id: Option<String>,
    pub(super) parameters: Option<&'a RawValue>,
    pub(super) inputs: Vec<WireInput<'a>>,
    pub(super) outputs: Vec<WireOutput<'a>>,
}

/// One input as the header declares it.
#[derive(Debug)]
pub(super) struct WireInput<'a> {
    pub(super) name: String,
    pub(super) shape: Vec<u64>,
    pub(super) datatype: String,
    pub(super) parameters: Option<&'a RawValue>,
    pub(super) binary_data_size: Option<u64>,
    pub(super) data: Option<&'a RawValue>,
}

/// One requested output.
#[derive(Debug)]
pub(super) struct WireOutput<'a> {
    pub(super) name: String,
    pub(super) parameters: Option<&'a RawValue>,
    pub(super) binary_data: bool,
}

/// The typed error a visitor found, carried out of serde (whose errors are strings).
#[derive(Default)]
pub(super) struct Found(RefCell<Option<Error>>);

impl Found {
    fn fail<E: de::Error>(&self, error: Error) -> E {
        let message = error.to_string();
        self.0.borrow_mut().get_or_insert(error);
        E::custom(message)
    }

    /// The typed error if a visitor stored one, else `serde`'s, as an invalid request (or a
    /// depth limit, for serde_json's recursion limit).
    pub(super) fn into_error(self, e: &serde_json::Error) -> Error {
        if let Some(error) = self.0.into_inner() {
            return error;
        }
        let text = e.to_string();
        if text.starts_with("recursion limit exceeded") {
            return ErrorKind::LimitExceeded {
                kind: LimitKind::Depth,
                limit: SERDE_DEPTH,
                requested: SERDE_DEPTH + 1,
            }
            .into();
        }
        ErrorKind::InvalidRequest {
            reason: text.into(),
        }
        .into()
    }
}

/// Reads the header: `{"id", "parameters", "inputs", "outputs"}`.
pub(super) struct HeaderSeed<'s> {
    pub(super) spec: &'s BundleSpec,
    pub(super) limits: &'s Limits,
    pub(super) found: &'s Found,
}

impl<'de> DeserializeSeed<'de> for &HeaderSeed<'_> {
    type Value = Header<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Header<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &HeaderSeed<'_> {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an inference request object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Header<'de>, A::Error> {
        let mut header = Header::default();
        let mut seen = HashSet::new();
        let mut has_inputs = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if !seen.insert(key.clone()) {
                return Err(self.found.fail(invalid(format!("key `{key}` given twice"))));
            }
            match &*key {
                "id" => header.id = Some(map.next_value::<String>()?),
                "parameters" => header.parameters = Some(map.next_value::<&RawValue>()?),
                "inputs" => {
                    has_inputs = true;
                    header.inputs = map.next_value_seed(Inputs(self))?;
                }
                "outputs" => header.outputs = map.next_value_seed(Outputs(self))?,
                other => {
                    return Err(self.found.fail(invalid(format!(
                        "unknown key {:?}: expected id, parameters, inputs or outputs",
                        excerpt(other, 40)
                    ))))
                }
            }
        }
        if !has_inputs {
            return Err(self.found.fail(invalid("missing key `inputs`".into())));
        }
        Ok(header)
    }
}

/// The `inputs` list: at most [`Limits::max_members`] entries, each named in the bundle and
/// named once, refused at the first entry that is not.
struct Inputs<'s, 'h>(&'h HeaderSeed<'s>);

impl<'de> DeserializeSeed<'de> for Inputs<'_, '_> {
    type Value = Vec<WireInput<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Inputs<'_, '_> {
    type Value = Vec<WireInput<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of inputs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let seed = self.0;
        let mut inputs: Vec<WireInput<'de>> = Vec::new();
        let mut names = HashSet::new();
        while let Some(input) = seq.next_element_seed(InputSeed(seed))? {
            if inputs.len() >= seed.limits.max_members {
                return Err(seed.found.fail(too_many(seed.limits, inputs.len())));
            }
            if seed.spec.array(&input.name).is_none() {
                let error = Error::from(ErrorKind::UnknownArray {
                    array: input.name.clone().into(),
                })
                .in_array(&input.name);
                return Err(seed.found.fail(error));
            }
            if !names.insert(input.name.clone()) {
                let error = Error::from(ErrorKind::DuplicateInput {
                    name: input.name.clone().into(),
                })
                .in_array(&input.name);
                return Err(seed.found.fail(error));
            }
            inputs.push(input);
        }
        Ok(inputs)
    }
}

/// One input object.
struct InputSeed<'s, 'h>(&'h HeaderSeed<'s>);

impl<'de> DeserializeSeed<'de> for InputSeed<'_, '_> {
    type Value = WireInput<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for InputSeed<'_, '_> {
    type Value = WireInput<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an input object {name, shape, datatype, parameters, data}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let found = self.0.found;
        let mut name = None;
        let mut shape = None;
        let mut datatype = None;
        let mut parameters = None;
        let mut data = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let twice = match &*key {
                "name" => name.replace(map.next_value::<String>()?).is_some(),
                "shape" => shape
                    .replace(map.next_value_seed(ShapeSeed(self.0))?)
                    .is_some(),
                "datatype" => datatype.replace(map.next_value::<String>()?).is_some(),
                "parameters" => parameters
                    .replace(map.next_value::<&RawValue>()?)
                    .is_some(),
                "data" => data.replace(map.next_value::<&RawValue>()?).is_some(),
                other => {
                    return Err(found.fail(invalid(format!(
                        "unknown key {:?} in an input: expected name, shape, datatype, parameters or data",
                        excerpt(other, 40)
                    ))))
                }
            };
            if twice {
                return Err(found.fail(invalid(format!("key `{key}` given twice in an input"))));
            }
        }
        let missing = |key: &str| found.fail(invalid(format!("an input has no `{key}`")));
        let name = name.ok_or_else(|| missing("name"))?;
        let in_input = |e: Error| e.in_array(&name);
        let shape = shape.ok_or_else(|| found.fail(in_input(invalid("no `shape`".into()))))?;
        let datatype =
            datatype.ok_or_else(|| found.fail(in_input(invalid("no `datatype`".into()))))?;
        let binary_data_size = match parameters {
            Some(raw) => binary_data_size(raw).map_err(|e| found.fail(in_input(e)))?,
            None => None,
        };
        Ok(WireInput {
            name,
            shape,
            datatype,
            parameters,
            binary_data_size,
            data,
        })
    }
}

/// An input's `parameters.binary_data_size`, when it has one.
fn binary_data_size(raw: &RawValue) -> Result<Option<u64>, Error> {
    #[derive(Deserialize)]
    struct Parameters {
        binary_data_size: Option<serde_json::Number>,
    }
    let parameters: Parameters =
        serde_json::from_str(raw.get()).map_err(|e| invalid(format!("input parameters: {e}")))?;
    match parameters.binary_data_size {
        None => Ok(None),
        Some(n) => n.as_u64().map(Some).ok_or_else(|| {
            invalid(format!(
                "binary_data_size {n} is not a byte count (a non-negative integer)"
            ))
        }),
    }
}

/// A shape: at most [`Limits::max_ndim`] non-negative integers; a dimension of 2^64 or more
/// overflows.
struct ShapeSeed<'s, 'h>(&'h HeaderSeed<'s>);

impl<'de> DeserializeSeed<'de> for ShapeSeed<'_, '_> {
    type Value = Vec<u64>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ShapeSeed<'_, '_> {
    type Value = Vec<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a shape (a list of non-negative integers)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let limits = self.0.limits;
        let mut dims = Vec::new();
        while let Some(dim) = seq.next_element::<serde_json::Number>()? {
            if dims.len() >= limits.max_ndim {
                return Err(self.0.found.fail(Error::from(ErrorKind::LimitExceeded {
                    kind: LimitKind::Ndim,
                    limit: crate::util::to_u64(limits.max_ndim),
                    requested: crate::util::to_u64(dims.len() + 1),
                })));
            }
            let error = if let Some(d) = dim.as_u64() {
                dims.push(d);
                continue;
            } else if dim.is_i64() {
                // An integer that is not a u64: negative.
                invalid(format!("dimension {dim} is negative"))
            } else if dim
                .as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f >= 1.8e19)
            {
                // serde_json reads integers beyond u64 as floats.
                ErrorKind::ShapeOverflow {
                    what: crate::error::Overflow::Elements,
                    bits: 64,
                }
                .into()
            } else {
                invalid(format!("dimension {dim} is not an integer"))
            };
            return Err(self.0.found.fail(error));
        }
        Ok(dims)
    }
}

/// The `outputs` list: at most [`Limits::max_members`] entries.
struct Outputs<'s, 'h>(&'h HeaderSeed<'s>);

impl<'de> DeserializeSeed<'de> for Outputs<'_, '_> {
    type Value = Vec<WireOutput<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Outputs<'_, '_> {
    type Value = Vec<WireOutput<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of requested outputs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Output<'a> {
            name: String,
            #[serde(borrow, default)]
            parameters: Option<&'a RawValue>,
        }
        #[derive(Deserialize)]
        struct Parameters {
            #[serde(default)]
            binary_data: bool,
        }
        let seed = self.0;
        let mut outputs: Vec<WireOutput<'de>> = Vec::new();
        while let Some(output) = seq.next_element::<Output<'de>>()? {
            if outputs.len() >= seed.limits.max_members {
                return Err(seed.found.fail(too_many(seed.limits, outputs.len())));
            }
            let binary_data = match output.parameters {
                Some(raw) => {
                    serde_json::from_str::<Parameters>(raw.get())
                        .map_err(|e| seed.found.fail(invalid(format!("output parameters: {e}"))))?
                        .binary_data
                }
                None => false,
            };
            outputs.push(WireOutput {
                name: output.name,
                parameters: output.parameters,
                binary_data,
            });
        }
        Ok(outputs)
    }
}

/// Whether a request-level parameters object asks for every output in binary form
/// (`"binary_data_output": true`, Triton's extension).
pub(super) fn binary_data_output(raw: &RawValue) -> bool {
    #[derive(Deserialize)]
    struct Parameters {
        #[serde(default)]
        binary_data_output: bool,
    }
    serde_json::from_str::<Parameters>(raw.get()).is_ok_and(|p| p.binary_data_output)
}

/// A list of inputs or outputs one entry longer than `had`, over [`Limits::max_members`].
fn too_many(limits: &Limits, had: usize) -> Error {
    Error::limit(
        LimitKind::Members,
        limits.max_members,
        had.saturating_add(1),
    )
}

pub(super) fn invalid(reason: String) -> Error {
    ErrorKind::InvalidRequest {
        reason: reason.into(),
    }
    .into()
}
