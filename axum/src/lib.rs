//! axum extractors for arrays validated by [`arrayguard`]: a handler receives an
//! [`Array<T>`](arrayguard::Array) or a [`DynArray`](arrayguard::DynArray) that satisfies
//! the endpoint's [`ArraySpec`](arrayguard::ArraySpec) and [`Limits`](arrayguard::Limits),
//! or the client receives an RFC 9457 problem detail saying exactly what was wrong and where.
//!
//! The crate holds no validation logic: it maps HTTP to arrayguard's readers (media types,
//! body bounds, the body as a stream) and arrayguard's errors back to HTTP.
//!
//! # Which extractor?
//!
//! | body | `Content-Type` | extractor | read by |
//! | --- | --- | --- | --- |
//! | a `.npy` file | `application/x-npy`, `application/octet-stream` | [`Npy<O>`](Npy) | [`npy::ReadOptions::read_reader`](arrayguard::npy::ReadOptions::read_reader) |
//! | a raw buffer laid out as the endpoint says ([`ArrayConfig::layout`]) | `application/octet-stream` | [`Raw<O>`](Raw) | [`raw::ReadOptions::read_reader`](arrayguard::raw::ReadOptions::read_reader) |
//! | JSON: nested arrays or an envelope `{"dtype", "shape", "data"}` ([`ArrayConfig::form`]) | `application/json`, `application/*+json` | [`JsonArray<O>`](JsonArray) | [`json::ReadOptions::read_reader`](arrayguard::json::ReadOptions::read_reader) |
//! | JSON: an object, the array in one field ([`ArrayConfig::field`]) | `application/json`, `application/*+json` | [`JsonField<O>`](JsonField) | serde_json with [`json::ReadOptions::seed`](arrayguard::json::ReadOptions::seed) |
//! | an inference request (Open Inference Protocol), JSON or with binary tensors | `application/json`, `application/octet-stream`, none | [`InferRequest`], configured by an [`InferConfig`] | [`oip::ReadOptions::read`](arrayguard::oip::ReadOptions::read) |
//!
//! `O` is the output, as for arrayguard's readers ([`Target`](arrayguard::Target)): an element
//! type (`Npy<f32>` holds an `Array<f32>` and refuses every other dtype) or `DynArray` (the
//! input decides the dtype, within the spec).
//!
//! # Example
//!
//! ```
//! use arrayguard::{ArraySpec, DType, Dim, Limits};
//! use arrayguard_axum::{ArrayConfig, JsonField, Npy};
//! use axum::body::Body;
//! use axum::http::{header, Request, StatusCode};
//! use axum::routing::post;
//! use axum::{Extension, Router};
//! use http_body_util::BodyExt;
//! use tower::ServiceExt;
//!
//! // Handlers receive arrays that are already valid.
//! async fn centroid(Npy(points): Npy<f32>) -> String {
//!     let rows = points.shape().dims()[0] as f32;
//!     let mut sum = [0f32; 3];
//!     for point in points.as_slice().chunks(3) {
//!         for (s, v) in sum.iter_mut().zip(point) {
//!             *s += v;
//!         }
//!     }
//!     format!("{:?}", sum.map(|s| s / rows))
//! }
//!
//! async fn classify(JsonField(pixels): JsonField<u8>) -> String {
//!     format!("{} pixels", pixels.len())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // (n, 3) float32 points, at most 16 MiB of them.
//! let mut limits = Limits::default();
//! limits.max_bytes = 16 << 20;
//! let points = ArraySpec::new(DType::F32).with_shape([Dim::Range { min: 1, max: 1 << 20 }, Dim::Exact(3)]);
//! // A 2 × 2 image patch in the field `pixels` of a JSON object.
//! let image = ArraySpec::new(DType::U8).with_shape([Dim::Exact(2), Dim::Exact(2)]);
//!
//! let app = Router::new()
//!     .route(
//!         "/centroid",
//!         post(centroid).layer(Extension(ArrayConfig::new(points).limits(limits))),
//!     )
//!     .route(
//!         "/classify",
//!         post(classify).layer(Extension(ArrayConfig::new(image).field("pixels"))),
//!     );
//!
//! // A valid body (a real client would send a file written by `numpy.save`).
//! # let npy = arrayguard::npy::to_vec(&arrayguard::Array::from_vec(
//! #     arrayguard::Shape::new([2, 3])?, arrayguard::Order::C, vec![0f32, 0., 0., 2., 4., 6.])?.view())?;
//! let request = Request::post("/centroid")
//!     .header(header::CONTENT_TYPE, "application/x-npy")
//!     .body(Body::from(npy))?;
//! let response = app.clone().oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.into_body().collect().await?.to_bytes(), "[1.0, 2.0, 3.0]");
//!
//! // An invalid one: the client learns what and where.
//! let request = Request::post("/classify")
//!     .header(header::CONTENT_TYPE, "application/json")
//!     .body(Body::from(r#"{"label": "cat", "pixels": [[0, 255], [256, 0]]}"#))?;
//! let response = app.oneshot(request).await?;
//! assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
//! assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
//! let problem: serde_json::Value =
//!     serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
//! assert_eq!(problem["code"], "json.number_out_of_range");
//! assert_eq!(problem["json"]["path"], "[1][0]");
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration
//!
//! An endpoint's spec and limits are an [`ArrayConfig`], attached to its route with axum's
//! [`Extension`](axum::Extension) layer, as in the example: the extractors read it from the
//! request's extensions. A route is the natural unit (each endpoint accepts its own arrays),
//! and a layer is how axum configures extractors per route (as `DefaultBodyLimit` does); the
//! router's state would be one value for every route, and a `FromRef` bound would make the
//! extractors unusable in routers whose state lacks it. One config type serves the four
//! extractors, since what defines an endpoint (spec, limits) does not depend on the format.
//!
//! A route without a config, a [`Raw`] extractor whose config has no layout, and a
//! [`JsonField`] whose config names no field are the server's bugs: they are answered with a
//! 500 (`server.missing_config`), logged with [`tracing`], never blamed on the client.
//!
//! # Body limits
//!
//! Each extractor bounds the request body by the endpoint's limits (the config's
//! [`Limits`](arrayguard::Limits) with the spec's own overrides on top,
//! [`ArrayConfig::effective_limits`]):
//!
//! | extractor | the body may hold at most | code when it holds more |
//! | --- | --- | --- |
//! | [`Npy`] | `max_bytes` + `max_header_bytes` + 12 (the `.npy` prelude) | `limit.bytes` |
//! | [`Raw`] | `max_bytes` | `limit.bytes` |
//! | [`JsonArray`], [`JsonField`] | `max_input_bytes` | `limit.input_bytes` |
//!
//! - A declared length over the bound (`Content-Length`, or the body's exact size hint) is
//!   refused with 413 **before a byte of the body is read**.
//! - A body without a declared length (chunked) is counted frame by frame as it arrives; the
//!   frame that passes the bound is dropped and the request refused with 413. Nothing past
//!   the bound is ever held.
//! - Inside the bound, arrayguard's own limits apply as the body is read: a `.npy` header
//!   declaring a payload over `max_bytes` is refused from the header, before the payload.
//!
//! axum's [`DefaultBodyLimit`](axum::extract::DefaultBodyLimit) (2 MB unless changed) does
//! **not** apply: it only bounds extractors that ask for it, and these take the body with
//! [`Request::into_body`](axum::http::Request::into_body) and bound it themselves, so valid
//! arrays larger than 2 MB are accepted without touching `DefaultBodyLimit`, and a
//! `DefaultBodyLimit` layer neither raises nor lowers the arrayguard bounds. A body limit
//! applied to the whole service (tower-http's `RequestBodyLimitLayer`) still applies on top:
//! it answers a declared length over its own limit itself, and a chunked body that passes
//! it is answered by the extractor with a 413 (`http.body_too_large`).
//!
//! # Reading while the body arrives
//!
//! The body is not collected before it is read: arrayguard reads it as it arrives, in the
//! order that lets it refuse early (a `.npy` header is checked against the spec and limits
//! before the payload is read), so a refused body is not read further and an accepted one
//! is held once, in the array. The readers are synchronous, so each body being read holds
//! one thread of tokio's blocking pool (512 threads by default), from its first frame until
//! the reader returns: when the body ends, when the reader refuses it, or when the request's
//! future is dropped. A client that sends its headers and then nothing holds no thread.
//!
//! A client that sends a slow body holds its thread for as long as it sends, so a service
//! open to the internet should time requests out and bound how many run at once, below the
//! blocking pool's size: tower-http's `TimeoutLayer` (or `RequestBodyTimeoutLayer`) and
//! tower's `ConcurrencyLimitLayer` do both. A timed-out request drops its future, and its
//! reader returns at once.
//!
//! # Inference (Open Inference Protocol)
//!
//! [`InferRequest`] reads a KServe v2 / Triton inference request whose inputs bind by name to
//! the arrays of the route's [`InferConfig`] (a [`BundleSpec`](arrayguard::BundleSpec), named
//! dimensions such as the batch shared between inputs): a JSON body, or the binary tensor
//! extension, whose JSON part's length is in the `Inference-Header-Content-Length` header.
//! The header length is checked against `max_input_bytes`, and the body against it plus
//! `max_archive_bytes`, before the body is read. As for the one-array extractors, the body
//! is read while it arrives ([`arrayguard::oip::ReadOptions::read_reader`]): the JSON header
//! first, so that a request it refuses (an unknown or duplicate input, a lying size, a shape
//! the spec refuses) is refused before its tensors are read, then each binary tensor
//! straight into its array; no copy of the body is held.
//!
//! [`InferResponse`] sends an [`oip::Response`](arrayguard::oip::Response): JSON outputs as
//! `application/json`, binary outputs after the JSON as `application/octet-stream` with
//! `Inference-Header-Content-Length`. `axum/examples/gateway.rs` is a runnable gateway built on
//! both (`cargo run -p arrayguard-axum --example gateway -- --addr 127.0.0.1:8000 --spec
//! axum/examples/specs/adder.json`), with the protocol's health and metadata endpoints; its
//! tests drive it with the Triton client library.
//!
//! # Rejections
//!
//! Every rejection is a [`Problem`]: an RFC 9457 problem detail sent as
//! `application/problem+json`, with `type`, `title`, `status`, `detail` and `code`, and the
//! error's location where it has one (`offset`, `json` with `path`, `line` and `column`,
//! `array`, `member`). [`Problem`] is public and implements `IntoResponse`, so handlers can
//! answer their own errors the same way, and [`status_for`] is the mapping from arrayguard's
//! errors to statuses:
//!
//! | status | when |
//! | --- | --- |
//! | 400 Bad Request | the body failed to arrive (the connection broke, or ended before its declared length): `io` |
//! | 413 Content Too Large | the body or the array is larger than the endpoint allows ([`Fault::Limit`](arrayguard::Fault::Limit)) |
//! | 415 Unsupported Media Type | another `Content-Type`, or none |
//! | 422 Unprocessable Content | the array is malformed or breaks the spec ([`Fault::Input`](arrayguard::Fault::Input), [`Fault::Mismatch`](arrayguard::Fault::Mismatch)) |
//! | 500 Internal Server Error | the server's configuration is wrong ([`Fault::Usage`](arrayguard::Fault::Usage), [`Fault::Config`](arrayguard::Fault::Config), a missing config) |
//! | 503 Service Unavailable | the server could not allocate an array within the limits (`limit.out_of_memory`) |
//!
//! ## Problem codes
//!
//! `code` is arrayguard's [`Error::code`](arrayguard::Error::code) (the table of codes is in
//! arrayguard's crate docs), or one of this crate's own:
//!
//! | code | status | meaning |
//! | --- | --- | --- |
//! | `http.unsupported_media_type` | 415 | the `Content-Type` is not one the extractor reads |
//! | `http.body_too_large` | 413 | a body limit in front of the extractor (tower-http's `RequestBodyLimitLayer`) cut the body |
//! | `server.missing_config` | 500 | the route has no [`ArrayConfig`], or it lacks the layout or field name the extractor needs |
//! | `server.internal` | 500 | the reader's task did not finish (a panic in the server) |
//!
//! A [`JsonField`] reports JSON that is not an object, or that holds the field twice, as
//! `json.envelope`, and a missing field as `spec.missing_array` (with `array` naming it).

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

mod body;
mod config;
mod extract;
mod field;
mod infer;
mod problem;

pub use config::ArrayConfig;
pub use extract::{JsonArray, JsonField, Npy, Raw};
pub use infer::{InferConfig, InferRequest, InferResponse};
pub use problem::{status_for, JsonPlace, Problem, PROBLEM_JSON};
