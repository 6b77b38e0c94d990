//! The wire form of spec files: plain serde data with `deny_unknown_fields` everywhere, from
//! which `schemars` derives `schemas/spec.schema.json`, so the schema cannot drift from what
//! is parsed.
//!
//! These types only describe the syntax. Everything they hold is checked once, when they are
//! converted into an [`ArraySpec`](crate::ArraySpec) or [`BundleSpec`](crate::BundleSpec)
//! (see `convert.rs`); a value of the validated types is always consistent.
//!
//! Values that take several forms (a dtype is a name, a list or a kind) derive `Serialize` and
//! `JsonSchema` as untagged enums and implement `Deserialize` by hand: serde's derived
//! untagged deserializer reports only "data did not match any variant", while a visitor that
//! dispatches on the type of the value keeps the inner error (an unknown key in a kind table,
//! say) and its position.
//!
//! The doc comments of these types become the descriptions in the generated schema, so they
//! are written for the people who write spec files.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// An arrayguard spec file: what one array (`array`), or a bundle of named arrays sharing
/// named dimensions (`arrays`), must look like.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "arrayguard spec file",
    extend("oneOf" = [
        {
            "required": ["array"],
            "not": {"anyOf": [{"required": ["arrays"]}, {"required": ["dims"]}, {"required": ["limits"]}]}
        },
        {"required": ["arrays"], "not": {"required": ["array"]}}
    ])
)]
pub(crate) struct FileWire {
    /// The URI of this schema, for editors; ignored.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub(crate) schema: Option<String>,
    /// The version of the spec format; only 1.
    #[schemars(extend("const" = 1))]
    pub(crate) version: u32,
    /// The single array this file describes (exclusive with `arrays`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) array: Option<ArrayWire>,
    /// Size constraints of named dimensions, shared by the arrays of a bundle: an exact size or
    /// `{min, max}`. Every declared name must appear in some array's shape.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) dims: Option<Named<DimWire>>,
    /// The arrays of a bundle by name, checked in file order; named dimensions bind on first
    /// use and must agree everywhere after (exclusive with `array`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) arrays: Option<Named<ArrayWire>>,
    /// Limit overrides for every array of a bundle (an array's own `limits` win).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limits: Option<LimitsWire>,
}

/// What one array must look like. Every key is optional; a missing key accepts anything.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Array")]
pub(crate) struct ArrayWire {
    /// The accepted element types: a name (`"f32"`, `"float32"`, a NumPy code such as `"f4"`,
    /// or a NumPy type string such as `"<f4"`, whose byte order then applies too), a list of
    /// names, or a kind with bit bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) dtype: Option<DTypeWire>,
    /// The byte order of the input: `little`, `big` or `any` (default; converted to native
    /// order on read). One-byte dtypes satisfy every byte order.
    #[serde(default, skip_serializing_if = "ByteOrderWire::is_any")]
    pub(crate) byte_order: ByteOrderWire,
    /// The shape: the shorthand (`"batch 3 h:32..=1024 w"`, `"*batch 224 224"`, `"..."`, `""`
    /// for 0-d) or a list of dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) shape: Option<ShapeWire>,
    /// The memory order: `C`, `F` or `any` (default). An array with at most one axis longer
    /// than 1 satisfies both.
    #[serde(default, skip_serializing_if = "OrderWire::is_any")]
    pub(crate) order: OrderWire,
    /// Constraints on the element values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) values: Option<ValuesWire>,
    /// Limit overrides for this array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limits: Option<LimitsWire>,
}

/// The accepted element types.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "DType")]
pub(crate) enum DTypeWire {
    /// One dtype: `bool`, `i8`..`i64`, `u8`..`u64`, `f16`, `f32`, `f64`, `complex64`,
    /// `complex128`, `bf16` (bfloat16, also `bfloat16`), NumPy's names (`float32`, `uint8`, ...) and codes (`f4`, `i2`, `?`, ...),
    /// or a NumPy type string (`<f4`, `>i8`, `|u1`). `i8` and `u8` are one byte: NumPy's 8-byte
    /// integers are `int64` and `uint64` (or `<i8`, `<u8`).
    Name(String),
    /// Any of these dtypes (at least one).
    List(Vec<String>),
    /// Every dtype of a kind whose size in bits is within the bounds.
    Kind(KindWire),
}

/// Every dtype of one kind whose size in bits (for complex numbers, both parts together) is
/// within `min_bits..=max_bits`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DTypeKind")]
pub(crate) struct KindWire {
    /// `bool`, `int` (signed: `i8`..`i64`), `uint`, `float` or `complex`.
    pub(crate) kind: KindName,
    /// The smallest size accepted, in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min_bits: Option<u32>,
    /// The largest size accepted, in bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_bits: Option<u32>,
}

/// A kind of dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Kind")]
pub(crate) enum KindName {
    /// `bool`.
    Bool,
    /// Signed integers: `i8`, `i16`, `i32`, `i64`.
    Int,
    /// Unsigned integers: `u8`, `u16`, `u32`, `u64`.
    Uint,
    /// Floats: `f16`, `bf16` (both 16 bits), `f32`, `f64`.
    Float,
    /// Complex numbers: `complex64`, `complex128`.
    Complex,
}

/// A required byte order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "ByteOrder")]
pub(crate) enum ByteOrderWire {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
    /// Either (the default).
    #[default]
    Any,
}

impl ByteOrderWire {
    fn is_any(&self) -> bool {
        *self == ByteOrderWire::Any
    }
}

/// A required memory order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Order")]
pub(crate) enum OrderWire {
    /// Row-major (C) order.
    C,
    /// Column-major (Fortran) order.
    F,
    /// Either (the default).
    #[default]
    #[serde(rename = "any")]
    Any,
}

impl OrderWire {
    fn is_any(&self) -> bool {
        *self == OrderWire::Any
    }
}

/// A shape constraint.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Shape")]
pub(crate) enum ShapeWire {
    /// The shorthand: space-separated dimensions `224` (exact), `_` (any), `batch` (named),
    /// `h:32..=1024` (named range), `1..=64` (range), `...` (any number of axes), `*batch`
    /// (a named run of axes). At most one variadic dimension.
    Shorthand(String),
    /// One item per dimension, in order.
    List(Vec<AxisWire>),
}

/// One dimension of a shape in list form.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Axis")]
pub(crate) enum AxisWire {
    /// Exactly this size.
    Size(u64),
    /// Any size (JSON `null`; TOML has no null, write `"_"`).
    Any(()),
    /// One shorthand token: a name, `_`, `h:32..=1024`, `...` or `*name`.
    Token(String),
    /// A size in a range, optionally named.
    Range(RangeWire),
}

/// A size in `min..=max` (both inclusive), optionally bound to a name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxisRange")]
pub(crate) struct RangeWire {
    /// The dimension's name (letters, digits and `_`, not starting with a digit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    /// The smallest size accepted. Defaults to 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min: Option<u64>,
    /// The largest size accepted. Defaults to no maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max: Option<u64>,
}

/// The size constraint of a named dimension of a bundle.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Dim")]
pub(crate) enum DimWire {
    /// Exactly this size.
    Exact(u64),
    /// A size in `min..=max` (both inclusive; `{}` is any size).
    Range(DimRangeWire),
}

/// A size in `min..=max` (both inclusive).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "DimRange")]
pub(crate) struct DimRangeWire {
    /// The smallest size accepted. Defaults to 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min: Option<u64>,
    /// The largest size accepted. Defaults to no maximum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max: Option<u64>,
}

/// Constraints on element values. Bounds compare exactly, also for 64-bit integers; for
/// complex numbers they apply to both parts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Values")]
pub(crate) struct ValuesWire {
    /// Values must be at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) min: Option<f64>,
    /// Values must be at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max: Option<f64>,
    /// Values must be above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) exclusive_min: Option<f64>,
    /// Values must be below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) exclusive_max: Option<f64>,
    /// `true` forbids NaN and ±infinity (then `nan` and `inf` may not be `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) finite: Option<bool>,
    /// Whether NaN is allowed. Defaults to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nan: Option<bool>,
    /// Whether ±infinity is allowed. Defaults to `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) inf: Option<bool>,
    /// The allowed values (integers; bool and integer dtypes only).
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub(crate) one_of: Option<Vec<i64>>,
}

/// Overrides of the reader's limits; a missing key keeps the caller's limit. All limits are
/// strict: a value equal to the limit passes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Limits")]
pub(crate) struct LimitsWire {
    /// Bytes of array payload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_bytes: Option<u64>,
    /// Number of elements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_elements: Option<u64>,
    /// Number of dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_ndim: Option<u64>,
    /// Length of a `.npy` header, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_header_bytes: Option<u64>,
    /// Nesting depth of JSON input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_depth: Option<u64>,
    /// Size of a whole text input (JSON), in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_input_bytes: Option<u64>,
    /// Members of an archive (`.npz`), or inputs of an inference request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_members: Option<u64>,
    /// Declared size of an archive's members (uncompressed), or of an inference request's
    /// tensors, together, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_archive_bytes: Option<u64>,
    /// An archive member's declared uncompressed size over its compressed size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) max_compression_ratio: Option<u64>,
}

/// A table of named entries that keeps the file's order and every entry, repeated names
/// included (the conversion reports them with their name; a map would keep only the last).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Named<T>(pub(crate) Vec<(String, T)>);

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named(Vec::new())
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Named<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NamedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for NamedVisitor<T> {
            type Value = Named<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of named entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                // Spec files are trusted and small; the entries come from the text itself,
                // so the vector never outgrows it.
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<String, T>()? {
                    entries.push(entry);
                }
                Ok(Named(entries))
            }
        }
        deserializer.deserialize_map(NamedVisitor(PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for Named<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Named_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<T>(),
        })
    }
}

impl<'de> Deserialize<'de> for DTypeWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DTypeVisitor;
        impl<'de> Visitor<'de> for DTypeVisitor {
            type Value = DTypeWire;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dtype name such as `f32`, a list of names, or a kind table (`kind`, `min_bits`, `max_bits`)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DTypeWire, E> {
                Ok(DTypeWire::Name(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<DTypeWire, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(DTypeWire::List)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DTypeWire, A::Error> {
                KindWire::deserialize(MapAccessDeserializer::new(map)).map(DTypeWire::Kind)
            }
        }
        deserializer.deserialize_any(DTypeVisitor)
    }
}

impl<'de> Deserialize<'de> for ShapeWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ShapeVisitor;
        impl<'de> Visitor<'de> for ShapeVisitor {
            type Value = ShapeWire;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a shape shorthand string such as `batch 3 h w`, or a list of dimensions",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ShapeWire, E> {
                Ok(ShapeWire::Shorthand(v.to_owned()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ShapeWire, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(ShapeWire::List)
            }
        }
        deserializer.deserialize_any(ShapeVisitor)
    }
}

impl<'de> Deserialize<'de> for AxisWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AxisVisitor;
        impl<'de> Visitor<'de> for AxisVisitor {
            type Value = AxisWire;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dimension: a size, null (any size), a shorthand token such as `batch`, or a table (`name`, `min`, `max`)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AxisWire, E> {
                Ok(AxisWire::Size(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AxisWire, E> {
                u64::try_from(v)
                    .map(AxisWire::Size)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_unit<E: de::Error>(self) -> Result<AxisWire, E> {
                Ok(AxisWire::Any(()))
            }
            fn visit_none<E: de::Error>(self) -> Result<AxisWire, E> {
                Ok(AxisWire::Any(()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AxisWire, E> {
                Ok(AxisWire::Token(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<AxisWire, A::Error> {
                RangeWire::deserialize(MapAccessDeserializer::new(map)).map(AxisWire::Range)
            }
        }
        deserializer.deserialize_any(AxisVisitor)
    }
}

impl<'de> Deserialize<'de> for DimWire {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DimVisitor;
        impl<'de> Visitor<'de> for DimVisitor {
            type Value = DimWire;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dimension size, or a table (`min`, `max`)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DimWire, E> {
                Ok(DimWire::Exact(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DimWire, E> {
                u64::try_from(v)
                    .map(DimWire::Exact)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DimWire, A::Error> {
                DimRangeWire::deserialize(MapAccessDeserializer::new(map)).map(DimWire::Range)
            }
        }
        deserializer.deserialize_any(DimVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untagged_forms_keep_their_inner_errors() {
        let e = serde_json::from_str::<DTypeWire>(r#"{"kind": "float", "bits": 3}"#).unwrap_err();
        assert!(e.to_string().starts_with("unknown field `bits`"), "{e}");
        let e = serde_json::from_str::<AxisWire>("-3").unwrap_err();
        assert!(
            e.to_string().starts_with("invalid value: integer `-3`"),
            "{e}"
        );
        let e = serde_json::from_str::<ShapeWire>("3").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "invalid type: integer `3`, expected a shape shorthand string such as `batch 3 h w`"
            ),
            "{e}"
        );
    }

    #[test]
    fn named_tables_keep_order_and_repeats() {
        let named: Named<u64> = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(
            named.0,
            [("b".into(), 1), ("a".into(), 2), ("b".into(), 3)].to_vec()
        );
        let named: Named<u64> = toml::from_str("z = 1\ny = 2\n").unwrap();
        assert_eq!(named.0, [("z".into(), 1), ("y".into(), 2)].to_vec());
    }
}
