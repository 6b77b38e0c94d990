//! [`Problem`]: an RFC 9457 problem detail (`application/problem+json`), the rejection of every
//! extractor of this crate, and [`status_for`], the one mapping from an arrayguard
//! [`Error`] to an HTTP status.

use std::borrow::Cow;
use std::fmt;

use arrayguard::{Error, ErrorKind, Fault};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of a problem detail (RFC 9457, section 3).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The HTTP status for an arrayguard error, by who is at fault ([`Error::fault`]):
///
/// | fault | status |
/// | --- | --- |
/// | [`Fault::Input`], [`Fault::Mismatch`]: the array is malformed or breaks the spec | 422 Unprocessable Content |
/// | [`Fault::Limit`]: the array or the body is larger than the endpoint allows | 413 Content Too Large |
/// | [`Fault::Io`]: the body failed to arrive (the connection broke, the length lied) | 400 Bad Request |
/// | [`Fault::Usage`], [`Fault::Config`]: the server's spec, layout or configuration is wrong | 500 Internal Server Error |
///
/// One exception: [`ErrorKind::OutOfMemory`] (the server could not allocate a buffer the
/// limits allowed) is 503 Service Unavailable: the request was within bounds, the server was
/// short of memory, and a retry may succeed.
///
/// ```
/// use arrayguard::{json, ArraySpec, DType};
/// use arrayguard_axum::status_for;
/// use axum::http::StatusCode;
///
/// let err = json::from_str::<f32>("[1, 2", &ArraySpec::new(DType::F32)).unwrap_err();
/// assert_eq!(status_for(&err), StatusCode::UNPROCESSABLE_ENTITY);
/// ```
pub fn status_for(error: &Error) -> StatusCode {
    if matches!(error.kind(), ErrorKind::OutOfMemory { .. }) {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    match error.fault() {
        Fault::Input | Fault::Mismatch => StatusCode::UNPROCESSABLE_ENTITY,
        Fault::Limit => StatusCode::PAYLOAD_TOO_LARGE,
        Fault::Io => StatusCode::BAD_REQUEST,
        // `Fault` is non-exhaustive: a fault added later is the server's until mapped here.
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An RFC 9457 problem detail: the rejection of every extractor of this crate, public so
/// that handlers can answer their own errors the same way.
///
/// It is sent as `application/problem+json` with its status:
///
/// ```json
/// {
///   "type": "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
///   "title": "Unprocessable Content",
///   "status": 422,
///   "detail": "ragged array at [1] (line 1, column 15): expected an array of 3 elements, found an array of 2 elements",
///   "code": "json.ragged",
///   "offset": 14,
///   "json": { "path": "[1]", "line": 1, "column": 15 }
/// }
/// ```
///
/// - `type` is the section of RFC 9110 that defines the status, and `title` the status's
///   name there (as ASP.NET Core's problem details do): the type says what kind of failure
///   it is, `code` says exactly which;
/// - `detail` is the error's message (its wording may improve between releases);
/// - `code` is the stable identifier: an arrayguard error code
///   ([`Error::code`], the table in arrayguard's crate docs), or one of this crate's own
///   (the [table](crate#problem-codes) in the crate docs);
/// - `offset` (byte offset in the body, from 0), `json` (`path`, and `line` and `column`
///   from 1 when known), `array` (the bundle array) and `member` (the archive member) are
///   present when the error has them.
///
/// Problems of status 500 and above are logged with [`tracing`] at the error level when they
/// are turned into a response: they are the server's bugs.
///
/// ```
/// use arrayguard_axum::Problem;
/// use axum::http::StatusCode;
///
/// // A handler's own error, in the same form as the extractors' rejections.
/// let problem = Problem::new(StatusCode::NOT_FOUND, "model.unknown", "no model named `resnet`");
/// assert_eq!(problem.status(), StatusCode::NOT_FOUND);
/// assert_eq!(problem.to_json()["title"], "Not Found");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Problem(Box<Members>);

/// The members of a [`Problem`], behind one box so that a `Result<_, Problem>` stays small.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct Members {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    #[serde(serialize_with = "status_number")]
    status: StatusCode,
    detail: String,
    code: Cow<'static, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    json: Option<JsonPlace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    array: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    member: Option<String>,
}

/// Where in a JSON body a problem was found: the `json` member of a [`Problem`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JsonPlace {
    /// The index path, such as `[3][1]` or `data[0]`; empty for the top-level value.
    pub path: String,
    /// The line, from 1, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column in bytes, from 1, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
}

fn status_number<S: serde::Serializer>(status: &StatusCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u16(status.as_u16())
}

impl Problem {
    /// A problem of `status` with a stable `code` and a human-readable `detail`. The type and
    /// title follow from the status.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        let (kind, title) = type_and_title(status);
        Problem(Box::new(Members {
            kind,
            title,
            status,
            detail: detail.into(),
            code: code.into(),
            offset: None,
            json: None,
            array: None,
            member: None,
        }))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The stable code, such as `json.ragged` or `http.unsupported_media_type`.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The human-readable explanation.
    pub fn detail(&self) -> &str {
        &self.0.detail
    }

    /// The byte offset in the body where the problem was found, when known.
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }

    /// The place in a JSON body where the problem was found, when known.
    pub fn json(&self) -> Option<&JsonPlace> {
        self.0.json.as_ref()
    }

    /// The bundle array the problem was found in, when known.
    pub fn array(&self) -> Option<&str> {
        self.0.array.as_deref()
    }

    /// The archive member the problem was found in, when known.
    pub fn member(&self) -> Option<&str> {
        self.0.member.as_deref()
    }

    /// The problem as the JSON object that is sent.
    pub fn to_json(&self) -> serde_json::Value {
        // A struct of strings, numbers and options always serializes.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// This problem with another status (and the type and title that go with it).
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        let (kind, title) = type_and_title(status);
        self.0.status = status;
        self.0.kind = kind;
        self.0.title = title;
        self
    }

    /// This problem with the line and column of a JSON text, keeping the path it has.
    pub(crate) fn at_json_text(mut self, line: u64, column: u64) -> Self {
        let place = self.0.json.get_or_insert_with(|| JsonPlace {
            path: String::new(),
            line: None,
            column: None,
        });
        place.line = Some(line);
        place.column = Some(column);
        self
    }
}

impl From<&Error> for Problem {
    /// The problem for an arrayguard error: its status from [`status_for`], its code, its
    /// message as the detail, and its location as extension members.
    fn from(error: &Error) -> Self {
        let mut problem = Problem::new(status_for(error), error.code(), error.to_string());
        problem.0.offset = error.offset();
        problem.0.json = error.json_position().map(|position| JsonPlace {
            path: position.path().to_owned(),
            line: position.line(),
            column: position.column(),
        });
        problem.0.array = error.array().map(str::to_owned);
        problem.0.member = error.member().map(str::to_owned);
        problem
    }
}

impl From<Error> for Problem {
    fn from(error: Error) -> Self {
        Problem::from(&error)
    }
}

impl fmt::Display for Problem {
    /// `STATUS CODE: DETAIL`, as in `422 json.ragged: ragged array at [1] ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.status.as_u16(),
            self.0.code,
            self.0.detail
        )
    }
}

impl std::error::Error for Problem {}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.0.status;
        if status.is_server_error() {
            tracing::error!(
                status = status.as_u16(),
                code = %self.0.code,
                detail = %self.0.detail,
                "request failed on the server's side"
            );
        }
        let body = match serde_json::to_vec(&self) {
            Ok(body) => body,
            Err(_) => return status.into_response(),
        };
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        response
    }
}

/// The problem type (the RFC 9110 section defining the status) and title (the status's name
/// there) of a status; `about:blank` and the status's reason phrase for others.
fn type_and_title(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
            "Bad Request",
        ),
        404 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
            "Not Found",
        ),
        405 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6",
            "Method Not Allowed",
        ),
        413 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
            "Content Too Large",
        ),
        415 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
            "Unsupported Media Type",
        ),
        422 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
            "Unprocessable Content",
        ),
        500 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.1",
            "Internal Server Error",
        ),
        503 => (
            "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
            "Service Unavailable",
        ),
        _ => (
            "about:blank",
            status.canonical_reason().unwrap_or("Unknown Status"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrayguard::{json, npy, ArraySpec, DType, Dim, Limits};

    #[test]
    fn problem_is_one_pointer() {
        // Every extractor returns a Result<_, Problem>: the members live behind one box.
        assert_eq!(std::mem::size_of::<Problem>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn statuses_follow_the_fault() {
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Exact(2)]);
        let shape = json::from_str::<i32>("[1, 2, 3]", &spec).unwrap_err();
        assert_eq!(status_for(&shape), StatusCode::UNPROCESSABLE_ENTITY);
        let syntax = json::from_str::<i32>("[1,", &spec).unwrap_err();
        assert_eq!(status_for(&syntax), StatusCode::UNPROCESSABLE_ENTITY);
        let mut limits = Limits::default();
        limits.max_elements = 1;
        let limit = json::ReadOptions::new()
            .limits(limits)
            .read_str::<i32>("[1, 2]", &spec)
            .unwrap_err();
        assert_eq!(status_for(&limit), StatusCode::PAYLOAD_TOO_LARGE);
        let io = Error::from(std::io::Error::other("reset"));
        assert_eq!(status_for(&io), StatusCode::BAD_REQUEST);
        let config = json::ReadOptions::new()
            .read_str::<arrayguard::DynArray>("[1]", &ArraySpec::any())
            .unwrap_err();
        assert_eq!(config.code(), "config.invalid_spec");
        assert_eq!(status_for(&config), StatusCode::INTERNAL_SERVER_ERROR);
        let memory = Error::from(ErrorKind::OutOfMemory { bytes: 1 << 40 });
        assert_eq!(status_for(&memory), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn json_errors_carry_their_place() {
        let spec = ArraySpec::new(DType::F32);
        let err = json::from_str::<f32>("[[1, 2, 3],\n [4, 5]]", &spec).unwrap_err();
        let problem = Problem::from(&err);
        assert_eq!(
            problem.to_json(),
            serde_json::json!({
                "type": "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
                "title": "Unprocessable Content",
                "status": 422,
                "detail": err.to_string(),
                "code": "json.ragged",
                "offset": err.offset(),
                "json": { "path": "[1]", "line": 2, "column": 7 },
            })
        );
    }

    #[test]
    fn byte_offsets_and_no_empty_members() {
        let bytes = npy::to_vec(
            &arrayguard::Array::from_vec(
                arrayguard::Shape::vector(4).unwrap(),
                arrayguard::Order::C,
                vec![1u16, 2, 3, 4],
            )
            .unwrap()
            .view(),
        )
        .unwrap();
        let err = npy::from_slice::<u16>(&bytes[..bytes.len() - 1], &ArraySpec::any()).unwrap_err();
        let value = Problem::from(err).to_json();
        assert_eq!(value["code"], "data.truncated");
        assert_eq!(value["offset"], 128);
        for absent in ["json", "array", "member"] {
            assert!(value.get(absent).is_none(), "{absent} in {value}");
        }
    }

    #[test]
    fn responses_are_problem_json() {
        let response = Problem::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "x.y", "z").into_response();
        assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn server_errors_are_logged_and_client_errors_are_not() {
        use std::sync::{Arc, Mutex};
        let log = Arc::new(Mutex::new(Vec::<u8>::new()));
        let writer = {
            let log = Arc::clone(&log);
            move || Capture(Arc::clone(&log))
        };
        let subscriber = tracing_subscriber::fmt()
            .with_writer(writer)
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let _ = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "json.ragged", "client")
                .into_response();
            let _ = Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server.missing_config",
                "no config",
            )
            .into_response();
        });
        let text = String::from_utf8(log.lock().map(|l| l.clone()).unwrap_or_default())
            .unwrap_or_default();
        assert!(text.contains("ERROR"), "{text}");
        assert!(
            text.contains("server.missing_config") && text.contains("no config"),
            "{text}"
        );
        assert!(!text.contains("json.ragged"), "{text}");
    }

    /// A writer into a shared buffer, for the log test.
    struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut log) = self.0.lock() {
                log.extend_from_slice(buf);
            }
            Ok(buf.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn unknown_statuses_are_about_blank() {
        let problem = Problem::new(StatusCode::IM_A_TEAPOT, "tea", "short and stout");
        assert_eq!(problem.to_json()["type"], "about:blank");
        assert_eq!(problem.to_json()["title"], "I'm a teapot");
    }
}
