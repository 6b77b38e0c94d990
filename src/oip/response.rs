//! The response encoder: outputs as JSON `data` or as binary tensors after the JSON.

use std::io::Write;

use super::request::Request;
use super::Datatype;
use crate::array::{with_array, Array, DynArray};
use crate::error::{ErrorKind, Result};
use crate::json;
use crate::shape::{Order, Shape};

/// An inference response under construction: the model, the request's id, and the outputs,
/// each sent as JSON `data` or as binary data.
///
/// ```
/// use arrayguard::oip::Response;
/// use arrayguard::{Array, Order, Shape};
///
/// # fn main() -> Result<(), arrayguard::Error> {
/// let sum = Array::from_vec(Shape::vector(1)?, Order::C, vec![6.5f32])?;
/// let encoded = Response::new("adder").id(Some("42")).output("sum", sum.into(), false).encode()?;
/// assert_eq!(encoded.header_length(), None);
/// assert_eq!(
///     std::str::from_utf8(encoded.body()).unwrap(),
///     r#"{"model_name":"adder","id":"42","outputs":[{"name":"sum","datatype":"FP32","shape":[1],"data":[6.5]}]}"#
/// );
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Response {
    model_name: String,
    model_version: Option<String>,
    id: Option<String>,
    outputs: Vec<(String, DynArray, bool)>,
}

/// An encoded response: the body, and the length of its JSON part when binary outputs follow
/// it (the value of the `Inference-Header-Content-Length` header to send).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    body: Vec<u8>,
    header_length: Option<usize>,
}

impl Response {
    /// A response of the model `model_name`, with no outputs yet.
    pub fn new(model_name: &str) -> Self {
        Response {
            model_name: model_name.to_owned(),
            model_version: None,
            id: None,
            outputs: Vec::new(),
        }
    }

    /// Sets the model version.
    pub fn model_version(mut self, version: &str) -> Self {
        self.model_version = Some(version.to_owned());
        self
    }

    /// Sets the id (the request's, which the protocol says to echo).
    pub fn id(mut self, id: Option<&str>) -> Self {
        self.id = id.map(str::to_owned);
        self
    }

    /// Adds an output, as binary data when `binary`.
    pub fn output(mut self, name: &str, array: DynArray, binary: bool) -> Self {
        self.outputs.push((name.to_owned(), array, binary));
        self
    }

    /// Adds an output in the form `request` asks for ([`Request::wants_binary`]).
    pub fn output_for(self, request: &Request, name: &str, array: DynArray) -> Self {
        let binary = request.wants_binary(name);
        self.output(name, array, binary)
    }

    /// Encodes the response: JSON outputs with their elements as one flat list in row-major
    /// order (non-finite floats as `NaN`, `Infinity`, `-Infinity`, as Python writes them),
    /// binary outputs as little-endian row-major bytes after the JSON, in the order added,
    /// each with `parameters.binary_data_size`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnsupportedDtype`] for a complex output, which the protocol has no
    /// datatype for.
    pub fn encode(&self) -> Result<Encoded> {
        let mut json_text: Vec<u8> = Vec::new();
        let mut binary: Vec<u8> = Vec::new();
        json_text.extend_from_slice(b"{\"model_name\":");
        push_string(&mut json_text, &self.model_name);
        if let Some(version) = &self.model_version {
            json_text.extend_from_slice(b",\"model_version\":");
            push_string(&mut json_text, version);
        }
        if let Some(id) = &self.id {
            json_text.extend_from_slice(b",\"id\":");
            push_string(&mut json_text, id);
        }
        json_text.extend_from_slice(b",\"outputs\":[");
        for (i, (name, array, as_binary)) in self.outputs.iter().enumerate() {
            let datatype = Datatype::from_dtype(array.dtype()).ok_or_else(|| {
                crate::Error::from(ErrorKind::UnsupportedDtype {
                    descr: format!("{} (the protocol has no complex datatype)", array.dtype())
                        .into(),
                })
                .in_array(name)
            })?;
            if i > 0 {
                json_text.push(b',');
            }
            json_text.extend_from_slice(b"{\"name\":");
            push_string(&mut json_text, name);
            write!(json_text, ",\"datatype\":\"{datatype}\",\"shape\":[")?;
            for (axis, d) in array.shape().dims().iter().enumerate() {
                if axis > 0 {
                    json_text.push(b',');
                }
                write!(json_text, "{d}")?;
            }
            json_text.push(b']');
            let flat = flatten(array)?;
            if *as_binary {
                let bytes = flat.to_le_bytes();
                write!(
                    json_text,
                    ",\"parameters\":{{\"binary_data_size\":{}}}}}",
                    bytes.len()
                )?;
                binary.extend_from_slice(&bytes);
            } else {
                json_text.extend_from_slice(b",\"data\":");
                let options = json::WriteOptions::new().allow_nan(true);
                json::to_writer_with_options(&mut json_text, &flat, options)?;
                json_text.push(b'}');
            }
        }
        json_text.extend_from_slice(b"]}");
        let has_binary = self.outputs.iter().any(|(_, _, b)| *b);
        let header_length = has_binary.then_some(json_text.len());
        json_text.extend_from_slice(&binary);
        Ok(Encoded {
            body: json_text,
            header_length,
        })
    }
}

/// The array as one C-order vector of all its elements.
fn flatten(array: &DynArray) -> Result<DynArray> {
    let array = array.clone().into_c_order();
    let len = array.len();
    with_array!(array, a => {
        Array::from_vec(Shape::vector(len)?, Order::C, a.into_vec()).map(DynArray::from)
    })
}

/// Appends `text` as a JSON string.
fn push_string(out: &mut Vec<u8>, text: &str) {
    // Serializing a `str` to a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

impl Encoded {
    /// The body to send.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, taken out.
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The JSON part's length when binary outputs follow it: the value of the
    /// `Inference-Header-Content-Length` header. `None` when the body is all JSON.
    pub fn header_length(&self) -> Option<usize> {
        self.header_length
    }
}
