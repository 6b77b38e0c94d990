//! Old JSON entry points (see the parent module).
#![allow(missing_docs)]

use std::io::Read;

use serde::de::{DeserializeSeed, Deserializer};

use crate::array::{Array, DynArray};
use crate::dtype::{by_dtype, DType};
use crate::error::Result;
use crate::json::{ArraySeed, Form, JsonValue, ReadOptions};
use crate::limits::Limits;
use crate::spec::ArraySpec;

#[doc(hidden)]
pub fn from_str_with_limits<T: JsonValue>(
    text: &str,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_str::<T>(text, spec)
}

#[doc(hidden)]
pub fn from_slice_with_limits<T: JsonValue>(
    bytes: &[u8],
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_slice::<T>(bytes, spec)
}

#[doc(hidden)]
pub fn from_reader_with_limits<T: JsonValue, R: Read>(
    reader: R,
    spec: &ArraySpec,
    limits: &Limits,
) -> Result<Array<T>> {
    ReadOptions::new()
        .limits(limits.clone())
        .read_reader::<T, R>(reader, spec)
}

impl ReadOptions {
    #[doc(hidden)]
    pub fn read_str_dyn(&self, text: &str, dtype: DType, spec: &ArraySpec) -> Result<DynArray> {
        by_dtype!(dtype, T => Ok(self.read_str::<T>(text, spec)?.into()))
    }

    #[doc(hidden)]
    pub fn read_slice_dyn(&self, bytes: &[u8], dtype: DType, spec: &ArraySpec) -> Result<DynArray> {
        by_dtype!(dtype, T => Ok(self.read_slice::<T>(bytes, spec)?.into()))
    }

    #[doc(hidden)]
    pub fn read_reader_dyn<R: Read>(
        &self,
        reader: R,
        dtype: DType,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        by_dtype!(dtype, T => Ok(self.read_reader::<T, R>(reader, spec)?.into()))
    }

    #[doc(hidden)]
    pub fn read_envelope_str<T: JsonValue>(
        &self,
        text: &str,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        self.clone().form(Form::Envelope).read_str::<T>(text, spec)
    }

    #[doc(hidden)]
    pub fn read_envelope_slice<T: JsonValue>(
        &self,
        bytes: &[u8],
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        self.clone()
            .form(Form::Envelope)
            .read_slice::<T>(bytes, spec)
    }

    #[doc(hidden)]
    pub fn read_envelope_reader<T: JsonValue, R: Read>(
        &self,
        reader: R,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        self.clone()
            .form(Form::Envelope)
            .read_reader::<T, R>(reader, spec)
    }

    #[doc(hidden)]
    pub fn read_envelope_str_dyn(&self, text: &str, spec: &ArraySpec) -> Result<DynArray> {
        self.clone()
            .form(Form::Envelope)
            .read_str::<DynArray>(text, spec)
    }

    #[doc(hidden)]
    pub fn read_envelope_slice_dyn(&self, bytes: &[u8], spec: &ArraySpec) -> Result<DynArray> {
        self.clone()
            .form(Form::Envelope)
            .read_slice::<DynArray>(bytes, spec)
    }

    #[doc(hidden)]
    pub fn read_envelope_reader_dyn<R: Read>(
        &self,
        reader: R,
        spec: &ArraySpec,
    ) -> Result<DynArray> {
        self.clone()
            .form(Form::Envelope)
            .read_reader::<DynArray, R>(reader, spec)
    }

    #[doc(hidden)]
    pub fn dyn_seed<'a>(&self, dtype: DType, spec: &'a ArraySpec) -> DynSeed<'a> {
        DynSeed {
            dtype,
            spec,
            options: self.clone(),
        }
    }
}

impl<'a, T: JsonValue> ArraySeed<'a, T> {
    #[doc(hidden)]
    pub fn new(spec: &'a ArraySpec) -> Self {
        ReadOptions::new().seed::<T>(spec)
    }

    #[doc(hidden)]
    pub fn limits(self, limits: Limits) -> Self {
        self.map_options(|o| o.limits(limits))
    }

    #[doc(hidden)]
    pub fn allow_nan(self, allow: bool) -> Self {
        self.map_options(|o| o.allow_nan(allow))
    }
}

#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct DynSeed<'a> {
    dtype: DType,
    spec: &'a ArraySpec,
    options: ReadOptions,
}

impl<'a> DynSeed<'a> {
    #[doc(hidden)]
    pub fn new(dtype: DType, spec: &'a ArraySpec) -> Self {
        ReadOptions::new().dyn_seed(dtype, spec)
    }

    #[doc(hidden)]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.options = self.options.limits(limits);
        self
    }

    #[doc(hidden)]
    pub fn allow_nan(mut self, allow: bool) -> Self {
        self.options = self.options.allow_nan(allow);
        self
    }
}

impl<'de> DeserializeSeed<'de> for DynSeed<'_> {
    type Value = DynArray;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<DynArray, D::Error> {
        by_dtype!(self.dtype, T => self.options.seed::<T>(self.spec)
            .deserialize(deserializer)
            .map(DynArray::from))
    }
}
