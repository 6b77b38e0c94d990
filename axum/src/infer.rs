//! Inference requests and responses of the Open Inference Protocol (KServe v2, Triton):
//! [`InferRequest`], an extractor whose inputs are bound by name to a
//! [`BundleSpec`] and validated by [`arrayguard::oip`], and [`InferResponse`], which encodes
//! the outputs and sets `Inference-Header-Content-Length` when binary outputs follow the
//! JSON.

use std::sync::Arc;

use arrayguard::{oip, BundleSpec, Limits};
use axum::extract::{FromRequest, Request};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::body::{read_body, BodyLimit};
use crate::extract::missing_config;
use crate::problem::Problem;

/// The `Inference-Header-Content-Length` header ([`oip::HEADER_LENGTH_HEADER`]).
static HEADER_LENGTH: HeaderName = HeaderName::from_static("inference-header-content-length");

/// What an inference endpoint accepts: the [`BundleSpec`] its inputs are bound to by name
/// (with shared named dimensions, such as the batch) and the [`Limits`]. Attached to the
/// route as an [`Extension`](axum::Extension), as an [`ArrayConfig`](crate::ArrayConfig) is
/// for one array; a route without one answers 500 (`server.missing_config`).
///
/// Cloning is cheap (the settings are shared).
#[derive(Clone, Debug)]
pub struct InferConfig {
    inner: Arc<(BundleSpec, Limits)>,
}

impl InferConfig {
    /// An endpoint whose inputs are the arrays of `spec`, with [`Limits::default`].
    pub fn new(spec: BundleSpec) -> Self {
        InferConfig {
            inner: Arc::new((spec, Limits::default())),
        }
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The bundle's and each array's limit
    /// overrides apply on top, as [`oip::ReadOptions`] applies them.
    pub fn limits(mut self, limits: Limits) -> Self {
        Arc::make_mut(&mut self.inner).1 = limits;
        self
    }

    /// The bundle spec.
    pub fn spec(&self) -> &BundleSpec {
        &self.inner.0
    }

    /// The limits for the whole request: the configured ones with the bundle's overrides.
    pub fn effective_limits(&self) -> Limits {
        let (spec, limits) = &*self.inner;
        match spec.limit_overrides() {
            Some(overrides) => overrides.apply(limits),
            None => limits.clone(),
        }
    }
}

/// A validated inference request: every input bound to its bundle array and checked against
/// it, as [`oip::ReadOptions::read`] checks it.
///
/// The body is a JSON request, or, with an `Inference-Header-Content-Length` header, that
/// many bytes of JSON followed by the binary tensors (the binary tensor extension). The
/// `Content-Type` may be `application/json` (or `application/*+json`),
/// `application/octet-stream`, or absent, as the Triton client sends it; any other is a 415.
///
/// Bounds, before the body is read: a header length over
/// [`Limits::max_input_bytes`] is a 413 (`limit.input_bytes`); the body may hold at most
/// `max_input_bytes` (a JSON request) or the header length plus
/// [`Limits::max_archive_bytes`] (binary tensors, `limit.archive_bytes`), checked against
/// `Content-Length` before the body is read and counted as it arrives. The body is read as it
/// arrives, on the blocking pool, by [`oip::ReadOptions::read_reader`]: the JSON header
/// first, so that a request it refuses is refused before its tensors are read, then each
/// binary tensor straight into its array.
///
/// Rejections ([`Problem`]): 500 without an [`InferConfig`]; 415 for another content type;
/// 413 over the bounds or the limits; 422 for an invalid request (the `oip.*` codes, a
/// missing or unknown input, an input that breaks its spec, with `array` naming the input);
/// 400 when the body fails to arrive.
#[derive(Debug)]
pub struct InferRequest(pub oip::Request);

impl InferRequest {
    /// The validated request.
    pub fn into_inner(self) -> oip::Request {
        self.0
    }
}

impl std::ops::Deref for InferRequest {
    type Target = oip::Request;

    fn deref(&self) -> &oip::Request {
        &self.0
    }
}

/// Refuses a `Content-Type` that is neither JSON nor `application/octet-stream` (none is
/// fine: the Triton client sends none).
fn check_media(headers: &HeaderMap) -> Result<(), Problem> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Ok(());
    };
    let essence = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json = essence == "application/json"
        || essence.starts_with("application/") && essence.ends_with("+json");
    if json || essence == "application/octet-stream" {
        return Ok(());
    }
    Err(Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "http.unsupported_media_type",
        format!(
            "unsupported content type: expected `application/json` or `application/octet-stream`, found `{essence}`"
        ),
    ))
}

impl<S: Send + Sync> FromRequest<S> for InferRequest {
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Problem> {
        let config = request
            .extensions()
            .get::<InferConfig>()
            .cloned()
            .ok_or_else(|| {
                missing_config(
                    "the route has no `InferConfig`: add `.layer(Extension(InferConfig::new(spec)))` to it",
                )
            })?;
        check_media(request.headers())?;
        let header_length = match request.headers().get(&HEADER_LENGTH) {
            Some(value) => Some(oip::parse_header_length(value.as_bytes())?),
            None => None,
        };
        let limits = config.effective_limits();
        let declared_header = header_length.map(|n| u64::try_from(n).unwrap_or(u64::MAX));
        if let Some(header) = declared_header {
            if header > limits.max_input_bytes {
                return Err(Problem::from(arrayguard::Error::from(
                    arrayguard::ErrorKind::LimitExceeded {
                        kind: arrayguard::LimitKind::InputBytes,
                        limit: limits.max_input_bytes,
                        requested: header,
                    },
                )));
            }
        }
        let limit = BodyLimit::infer(&limits, declared_header);
        let (parts, body) = request.into_parts();
        limit.check_declared(&parts.headers, &body)?;
        // Read while the body arrives: a request refused by its JSON header is refused before
        // its tensors are read, and each tensor goes straight into its array.
        let request = read_body(body, limit, move |reader| {
            oip::ReadOptions::new()
                .limits(config.inner.1.clone())
                .read_reader(reader, header_length, config.spec())
                .map_err(Problem::from)
        })
        .await?;
        Ok(InferRequest(request))
    }
}

/// An inference response: the outputs of an [`oip::Response`], encoded when the response is
/// sent. All-JSON responses are `application/json`; with binary outputs the body is
/// `application/octet-stream`, the JSON then the tensors, and `Inference-Header-Content-Length`
/// gives the JSON's length.
///
/// An output the protocol cannot carry (a complex array) is the handler's bug: a 500 problem
/// with the encoder's code (`dtype.unsupported`), logged.
///
/// ```
/// use arrayguard::oip;
/// use arrayguard::{Array, Order, Shape};
/// use arrayguard_axum::InferResponse;
/// use axum::response::IntoResponse;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sum = Array::from_vec(Shape::vector(1)?, Order::C, vec![6.5f32])?;
/// let outputs = oip::Response::new("adder").output("sum", sum.into(), true);
/// let json_length = outputs.encode()?.header_length().expect("a binary output");
///
/// let response = InferResponse(outputs).into_response();
/// assert_eq!(response.headers()["content-type"], "application/octet-stream");
/// assert_eq!(response.headers()["inference-header-content-length"], json_length.to_string());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct InferResponse(pub oip::Response);

impl From<oip::Response> for InferResponse {
    fn from(response: oip::Response) -> Self {
        InferResponse(response)
    }
}

impl IntoResponse for InferResponse {
    fn into_response(self) -> Response {
        let encoded = match self.0.encode() {
            Ok(encoded) => encoded,
            Err(e) => {
                return Problem::from(&e)
                    .with_status(StatusCode::INTERNAL_SERVER_ERROR)
                    .into_response()
            }
        };
        let header_length = encoded.header_length();
        let mut response = encoded.into_body().into_response();
        let headers = response.headers_mut();
        match header_length {
            Some(length) => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/octet-stream"),
                );
                headers.insert(HEADER_LENGTH.clone(), HeaderValue::from(length));
            }
            None => {
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn header_name_is_the_protocol_s() {
        assert!(HEADER_LENGTH
            .as_str()
            .eq_ignore_ascii_case(oip::HEADER_LENGTH_HEADER));
    }

    #[test]
    fn media_types() {
        let check = |value: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            if let Some(value) = value {
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            }
            check_media(&headers).map_err(|p| p.code().to_owned())
        };
        assert!(check(None).is_ok());
        assert!(check(Some("application/json")).is_ok());
        assert!(check(Some("application/octet-stream")).is_ok());
        assert!(check(Some("application/vnd.kserve+json; v=2")).is_ok());
        assert_eq!(
            check(Some("text/plain")),
            Err("http.unsupported_media_type".to_owned())
        );
    }

    #[test]
    fn complex_outputs_are_the_server_s_bug() {
        let array = arrayguard::Array::from_vec(
            arrayguard::Shape::vector(1).expect("a shape"),
            arrayguard::Order::C,
            vec![arrayguard::Complex32::new(1.0, 2.0)],
        )
        .expect("an array");
        let response =
            InferResponse(oip::Response::new("m").output("z", array.into(), false)).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            crate::PROBLEM_JSON
        );
    }
}
