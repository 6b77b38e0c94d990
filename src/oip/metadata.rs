//! Model metadata (`GET /v2/models/{name}`): read to configure a gateway from what a model
//! server publishes, and written from a bundle spec.

use serde::{Deserialize, Serialize};

use super::Datatype;
use crate::axes::Dim;
use crate::error::{ErrorKind, Result};
use crate::spec::{ArraySpec, BundleSpec};

/// A model's metadata document: `{"name", "versions", "platform", "inputs", "outputs"}`,
/// each tensor `{"name", "datatype", "shape"}` with `-1` for a dimension of any size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMetadata {
    /// The model's name.
    pub name: String,
    /// The versions the server has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The framework serving it.
    #[serde(default)]
    pub platform: String,
    /// The inputs the model takes.
    pub inputs: Vec<TensorMetadata>,
    /// The outputs it returns.
    #[serde(default)]
    pub outputs: Vec<TensorMetadata>,
}

/// One tensor of a [`ModelMetadata`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TensorMetadata {
    /// The tensor's name.
    pub name: String,
    /// Its datatype's protocol name (`FP32`).
    pub datatype: String,
    /// Its shape, `-1` for a dimension of any size.
    pub shape: Vec<i64>,
}

impl ModelMetadata {
    /// Reads a metadata document (JSON), as a model server's metadata endpoint returns it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] when the text is not a metadata document.
    pub fn from_json(text: &[u8]) -> Result<ModelMetadata> {
        serde_json::from_slice(text).map_err(|e| {
            ErrorKind::InvalidSpec {
                location: "model metadata".into(),
                reason: e.to_string().into(),
            }
            .into()
        })
    }

    /// The metadata as JSON text.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The bundle spec of the model's inputs: one array per input, of its datatype, with its
    /// shape (`-1` any size), so that a gateway refuses what the model would.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] for an unknown or `BYTES` datatype, a dimension below `-1`,
    /// or two inputs of one name.
    pub fn bundle_spec(&self) -> Result<BundleSpec> {
        let mut bundle = BundleSpec::new();
        for input in &self.inputs {
            let invalid = |reason: String| {
                crate::Error::from(ErrorKind::InvalidSpec {
                    location: format!("model metadata, input `{}`", input.name).into(),
                    reason: reason.into(),
                })
            };
            let dtype = Datatype::parse(&input.datatype)
                .and_then(Datatype::dtype)
                .map_err(|e| invalid(e.to_string()))?;
            let dims = input
                .shape
                .iter()
                .map(|&d| match d {
                    -1 => Ok(Dim::Any),
                    d => usize::try_from(d)
                        .map(Dim::Exact)
                        .map_err(|_| invalid(format!("dimension {d}: expected -1 or a size"))),
                })
                .collect::<Result<Vec<Dim>>>()?;
            if bundle.array(&input.name).is_some() {
                return Err(invalid("two inputs have this name".into()));
            }
            bundle = bundle.with_array(&input.name, ArraySpec::new(dtype).with_shape(dims));
        }
        bundle.build()
    }

    /// The metadata of a model whose inputs are the arrays of `spec`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] for an array the metadata cannot describe: one that allows
    /// several dtypes or a complex one, or whose number of dimensions varies.
    pub fn from_bundle(name: &str, spec: &BundleSpec) -> Result<ModelMetadata> {
        let mut inputs = Vec::new();
        for array in spec.names() {
            let Some(array_spec) = spec.array(array) else {
                continue;
            };
            inputs.push(tensor_metadata(array, array_spec)?);
        }
        Ok(ModelMetadata {
            name: name.to_owned(),
            versions: Vec::new(),
            platform: String::new(),
            inputs,
            outputs: Vec::new(),
        })
    }
}

/// The metadata of one array spec.
fn tensor_metadata(name: &str, spec: &ArraySpec) -> Result<TensorMetadata> {
    let invalid = |reason: &str| {
        crate::Error::from(ErrorKind::InvalidSpec {
            location: format!("array `{name}`").into(),
            reason: format!("{reason}, which model metadata cannot describe").into(),
        })
    };
    let datatype = match spec.dtypes() {
        Some([dtype]) => Datatype::from_dtype(*dtype)
            .ok_or_else(|| invalid("a complex dtype has no protocol datatype"))?,
        _ => return Err(invalid("the array allows several dtypes")),
    };
    let dims = match spec.shape_spec() {
        None => return Err(invalid("the array allows any number of dimensions")),
        Some(shape) => shape
            .fixed_dims()
            .ok_or_else(|| invalid("the array's number of dimensions varies"))?,
    };
    let shape = dims
        .into_iter()
        .map(|d| match d {
            Dim::Exact(n) => i64::try_from(n).unwrap_or(-1),
            _ => -1,
        })
        .collect();
    Ok(TensorMetadata {
        name: name.to_owned(),
        datatype: datatype.as_str().to_owned(),
        shape,
    })
}
