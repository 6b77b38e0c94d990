//! The extractors: [`Npy`], [`Raw`], [`JsonArray`] and [`JsonField`], each a wrapper around
//! the validated array, generic over the output the library's way ([`Target`]).
//!
//! Each does the same four steps, in this order: find the route's [`ArrayConfig`] (500 when
//! it is missing or lacks what the format needs), check the `Content-Type` (415), refuse a
//! declared length over the body's bound (413), then read the body through arrayguard while
//! it arrives (see [`crate::body`]).

use std::fmt;
use std::ops::{Deref, DerefMut};

use arrayguard::{Limits, Target};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};

use crate::body::{read_body, BodyLimit, BodyReader};
use crate::config::ArrayConfig;
use crate::field;
use crate::problem::Problem;

/// The media types of `.npy` bodies.
const NPY_TYPES: &[&str] = &["application/x-npy", "application/octet-stream"];

/// The media type of raw bodies.
const RAW_TYPES: &[&str] = &["application/octet-stream"];

macro_rules! wrapper {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<O: Target>(pub O::Owned);

        impl<O: Target> $name<O> {
            /// The validated array.
            pub fn into_inner(self) -> O::Owned {
                self.0
            }
        }

        impl<O: Target> Deref for $name<O> {
            type Target = O::Owned;

            fn deref(&self) -> &O::Owned {
                &self.0
            }
        }

        impl<O: Target> DerefMut for $name<O> {
            fn deref_mut(&mut self) -> &mut O::Owned {
                &mut self.0
            }
        }

        impl<O: Target> fmt::Debug for $name<O>
        where
            O::Owned: fmt::Debug,
        {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }
    };
}

wrapper! {
    /// A validated array from a `.npy` body (`Content-Type: application/x-npy` or
    /// `application/octet-stream`): `Npy<f32>` holds an [`Array<f32>`](arrayguard::Array),
    /// `Npy<DynArray>` a [`DynArray`](arrayguard::DynArray) of the dtype the file declares.
    ///
    /// Read with [`npy::ReadOptions::read_reader`](arrayguard::npy::ReadOptions::read_reader)
    /// and the route's [`ArrayConfig`] (spec, limits, C order) while the body arrives: the
    /// header is checked against the spec and limits before any of the payload is read. The
    /// body must be exactly the file. Its bound is [`Limits::max_bytes`](arrayguard::Limits::max_bytes)
    /// plus [`Limits::max_header_bytes`](arrayguard::Limits::max_header_bytes) plus 12 bytes.
    ///
    /// Rejections ([`Problem`]): 500 without a config; 415 for another content type; 413 for a
    /// body over the bound or an array over the limits; 422 for an invalid file or one that
    /// breaks the spec; 400 when the body fails to arrive.
    Npy
}

wrapper! {
    /// A validated array from a raw body (`Content-Type: application/octet-stream`) laid out
    /// as the route's [`ArrayConfig::layout`] says: `Raw<u16>` holds an
    /// [`Array<u16>`](arrayguard::Array), `Raw<DynArray>` a [`DynArray`](arrayguard::DynArray)
    /// of the layout's dtype.
    ///
    /// Read with [`raw::ReadOptions::read_reader`](arrayguard::raw::ReadOptions::read_reader)
    /// while the body arrives. The body must hold exactly the layout's bytes (with an
    /// inferred axis, a whole number of its steps). Its bound is
    /// [`Limits::max_bytes`](arrayguard::Limits::max_bytes).
    ///
    /// Rejections ([`Problem`]): 500 without a config or without a layout in it; otherwise
    /// as [`Npy`].
    Raw
}

wrapper! {
    /// A validated array from a JSON body (`Content-Type: application/json` or any
    /// `application/*+json`): nested arrays, or an envelope `{"dtype", "shape", "data"}` as
    /// the route's [`ArrayConfig::form`] says. `JsonArray<f64>` holds an
    /// [`Array<f64>`](arrayguard::Array); `JsonArray<DynArray>` a
    /// [`DynArray`](arrayguard::DynArray) of the dtype an envelope declares or, for nested
    /// arrays, of the one dtype the spec allows (a spec allowing several is a 500).
    ///
    /// Read with [`json::ReadOptions::read_reader`](arrayguard::json::ReadOptions::read_reader)
    /// while the body arrives: depth, shape and element limits are enforced at the first
    /// offending element. Its bound is [`Limits::max_input_bytes`](arrayguard::Limits::max_input_bytes).
    ///
    /// Rejections ([`Problem`]) as [`Npy`]; JSON errors carry the `json` member (path, line,
    /// column).
    JsonArray
}

wrapper! {
    /// A validated array from one field of a JSON object body (`Content-Type:
    /// application/json` or any `application/*+json`), the field named by the route's
    /// [`ArrayConfig::field`]: for `{"model": "m", "inputs": [[1, 2], [3, 4]]}` and the field
    /// `inputs`, `JsonField<i32>` holds the 2×2 [`Array<i32>`](arrayguard::Array). The other
    /// fields are skipped; the field holds nested arrays (the form setting does not apply).
    ///
    /// Read with serde_json and arrayguard's
    /// [`json::ReadOptions::seed`](arrayguard::json::ReadOptions::seed) while the body
    /// arrives. Its bound is [`Limits::max_input_bytes`](arrayguard::Limits::max_input_bytes).
    ///
    /// Rejections ([`Problem`]): 500 without a config or without a field name in it; 415 for
    /// another content type; 413 for a body over the bound or an array over the limits; 422
    /// for invalid JSON (`json.syntax`, with line and column), a body that is not an object
    /// or holds the field twice (`json.envelope`), a missing field (`spec.missing_array`,
    /// with the field's name as `array`), or an array that breaks the spec (with the `json`
    /// path inside the field, and the line and column); 400 when the body fails to arrive.
    JsonField
}

/// The route's config, or the 500 that says it has none.
fn config(request: &Request) -> Result<ArrayConfig, Problem> {
    request
        .extensions()
        .get::<ArrayConfig>()
        .cloned()
        .ok_or_else(|| {
            missing_config(
                "the route has no `ArrayConfig`: add `.layer(Extension(ArrayConfig::new(spec)))` to it",
            )
        })
}

/// The 500 for a route whose configuration lacks what its extractor needs.
pub(crate) fn missing_config(detail: &str) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server.missing_config",
        detail,
    )
}

/// The media type of a `Content-Type` value: before any parameter, trimmed, lowercase.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or(value).trim();
    Some(essence.to_ascii_lowercase())
}

/// Refuses a body whose media type is not one of `accepted` (or, with `json`, not
/// `application/json` or `application/*+json`) with a 415.
fn check_media(headers: &HeaderMap, accepted: &[&str], json: bool) -> Result<(), Problem> {
    let found = media_type(headers);
    let ok = found.as_deref().is_some_and(|found| {
        accepted.contains(&found)
            || (json
                && (found == "application/json"
                    || found.starts_with("application/") && found.ends_with("+json")))
    });
    if ok {
        return Ok(());
    }
    let expected = if json {
        "`application/json`".to_owned()
    } else {
        accepted
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let found = match found {
        Some(found) => format!("`{found}`"),
        None => "none".to_owned(),
    };
    Err(Problem::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "http.unsupported_media_type",
        format!("unsupported content type: expected {expected}, found {found}"),
    ))
}

impl<O, S> FromRequest<S> for Npy<O>
where
    O: Target,
    O::Owned: Send + 'static,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Problem> {
        let read = |reader: &mut BodyReader, config: &ArrayConfig| {
            config
                .npy_options()
                .read_reader::<O, _>(reader, config.spec())
        };
        extract(request, (NPY_TYPES, false), BodyLimit::npy, read)
            .await
            .map(Npy)
    }
}

impl<O, S> FromRequest<S> for Raw<O>
where
    O: Target,
    O::Owned: Send + 'static,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Problem> {
        let config = config(&request)?;
        let Some(layout) = config.raw_layout().cloned() else {
            return Err(missing_config(
                "the route's `ArrayConfig` has no raw layout: set one with `ArrayConfig::layout`",
            ));
        };
        let read = move |reader: &mut BodyReader, config: &ArrayConfig| {
            config
                .raw_options()
                .read_reader::<O, _>(reader, &layout, config.spec())
        };
        extract(request, (RAW_TYPES, false), BodyLimit::raw, read)
            .await
            .map(Raw)
    }
}

impl<O, S> FromRequest<S> for JsonArray<O>
where
    O: Target,
    O::Owned: Send + 'static,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Problem> {
        let read = |reader: &mut BodyReader, config: &ArrayConfig| {
            config
                .json_options()
                .read_reader::<O, _>(reader, config.spec())
        };
        extract(request, (&[], true), BodyLimit::json, read)
            .await
            .map(JsonArray)
    }
}

impl<O, S> FromRequest<S> for JsonField<O>
where
    O: Target,
    O::Owned: Send + 'static,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Problem> {
        let config = config(&request)?;
        let Some(name) = config.field_name().map(str::to_owned) else {
            return Err(missing_config(
                "the route's `ArrayConfig` has no field name: set one with `ArrayConfig::field`",
            ));
        };
        let read = move |reader: &mut BodyReader, config: &ArrayConfig| {
            field::read_field::<O, _>(reader, &name, config.json_options(), config.spec())
        };
        extract(request, (&[], true), BodyLimit::json, read)
            .await
            .map(JsonField)
    }
}

/// What every extractor does: the route's config, the media type (`accepted`, or any JSON
/// type), the declared length against the format's body bound, then `read` on the blocking
/// pool while the body arrives.
async fn extract<T, E>(
    request: Request,
    (accepted, json): (&[&str], bool),
    bound: fn(&Limits) -> BodyLimit,
    read: impl FnOnce(&mut BodyReader, &ArrayConfig) -> Result<T, E> + Send + 'static,
) -> Result<T, Problem>
where
    T: Send + 'static,
    Problem: From<E>,
{
    let config = config(&request)?;
    check_media(request.headers(), accepted, json)?;
    let limit = bound(&config.effective_limits());
    let (parts, body) = request.into_parts();
    limit.check_declared(&parts.headers, &body)?;
    read_body(body, limit, move |reader| {
        read(reader, &config).map_err(Problem::from)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(content_type: Option<&'static str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(value) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn media_types() {
        let ok =
            |value, accepted: &[&str], json| check_media(&headers(value), accepted, json).is_ok();
        assert!(ok(Some("application/x-npy"), NPY_TYPES, false));
        assert!(ok(
            Some("Application/Octet-Stream; foo=bar"),
            NPY_TYPES,
            false
        ));
        assert!(!ok(Some("application/json"), NPY_TYPES, false));
        assert!(!ok(None, NPY_TYPES, false));
        assert!(!ok(Some("application/x-npy"), RAW_TYPES, false));
        assert!(ok(Some("application/json; charset=utf-8"), &[], true));
        assert!(ok(Some("application/vnd.api+json"), &[], true));
        assert!(!ok(Some("text/json"), &[], true));
        assert!(!ok(Some("application/jsonx"), &[], true));
        let problem = check_media(&headers(Some("text/plain")), NPY_TYPES, false).unwrap_err();
        assert_eq!(problem.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(
            problem.detail(),
            "unsupported content type: expected `application/x-npy` or `application/octet-stream`, found `text/plain`"
        );
    }
}
