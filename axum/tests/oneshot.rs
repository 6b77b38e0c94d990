//! The body discipline, seen from inside: requests sent to the router with
//! `tower::ServiceExt::oneshot` and bodies that count what the extractor takes from them, so
//! the tests can assert how much of a body was read, not only what was answered.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use arrayguard::raw::Layout;
use arrayguard::{ArraySpec, ByteOrder, DType, Limits};
use arrayguard_axum::{ArrayConfig, JsonArray, Npy, Raw};
use axum::body::{Body, Bytes};
use axum::http::{header, Request, Response, StatusCode};
use axum::routing::post;
use axum::{Extension, Router};
use http_body_util::BodyExt;
use hyper::body::{Frame, SizeHint};
use tower::ServiceExt;

/// An endless body of `frame`s (bounded at a million, so a test that reads it all ends),
/// counting the bytes taken from it; with `declared`, its exact size says that many bytes,
/// and with `stall_after`, it stops producing (forever pending) after that many frames.
struct Counting {
    frame: Bytes,
    left: u64,
    taken: Arc<AtomicU64>,
    declared: Option<u64>,
    stall_after: Option<u64>,
}

impl Counting {
    fn new(frame: impl Into<Bytes>, taken: &Arc<AtomicU64>) -> Self {
        Counting {
            frame: frame.into(),
            left: 1_000_000,
            taken: Arc::clone(taken),
            declared: None,
            stall_after: None,
        }
    }
}

impl hyper::body::Body for Counting {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frames = self.taken.load(Ordering::SeqCst) / self.frame.len() as u64;
        if self.stall_after.is_some_and(|n| frames >= n) {
            // Never woken: the client stopped sending without closing.
            return Poll::Pending;
        }
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        self.taken
            .fetch_add(self.frame.len() as u64, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Frame::data(self.frame.clone()))))
    }

    fn size_hint(&self) -> SizeHint {
        match self.declared {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

const KIB: u64 = 1024;

fn app() -> Router {
    let mut small = Limits::default();
    small.max_bytes = 64 * KIB;
    small.max_input_bytes = 64 * KIB;
    let bytes = ArrayConfig::new(ArraySpec::new(DType::U8))
        .layout(Layout::new(DType::U8, ByteOrder::Little))
        .limits(small.clone());
    Router::new()
        .route(
            "/raw",
            post(|Raw(a): Raw<u8>| async move { a.len().to_string() })
                .layer(Extension(bytes.clone())),
        )
        .route(
            "/npy",
            post(|Npy(a): Npy<u8>| async move { a.len().to_string() }).layer(Extension(bytes)),
        )
        .route(
            "/json",
            post(|JsonArray(a): JsonArray<u8>| async move { a.len().to_string() }).layer(
                Extension(ArrayConfig::new(ArraySpec::new(DType::U8)).limits(small)),
            ),
        )
}

async fn send(path: &str, content_type: &str, body: Counting) -> (StatusCode, serde_json::Value) {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::new(body))
        .expect("a request");
    let response: Response<Body> =
        tokio::time::timeout(Duration::from_secs(20), app().oneshot(request))
            .await
            .expect("an answer within 20 s")
            .expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("the body")
        .to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, value)
}

/// A body that declares more than the bound is refused without a single frame taken.
#[tokio::test]
async fn declared_size_over_the_bound_takes_nothing() {
    for (path, content_type, code) in [
        ("/raw", "application/octet-stream", "limit.bytes"),
        ("/npy", "application/x-npy", "limit.bytes"),
        ("/json", "application/json", "limit.input_bytes"),
    ] {
        let taken = Arc::new(AtomicU64::new(0));
        let mut body = Counting::new(vec![1u8; 1024], &taken);
        body.declared = Some(1 << 40);
        let (status, problem) = send(path, content_type, body).await;
        assert_eq!(
            (status.as_u16(), problem["code"].as_str()),
            (413, Some(code)),
            "{path}"
        );
        assert_eq!(taken.load(Ordering::SeqCst), 0, "{path}");
    }
}

/// A body of unknown size is taken up to the bound and one frame more (the frame that
/// crosses it is counted and dropped), never further.
#[tokio::test]
async fn endless_body_is_taken_up_to_the_bound() {
    let taken = Arc::new(AtomicU64::new(0));
    let (status, problem) = send(
        "/raw",
        "application/octet-stream",
        Counting::new(vec![1u8; 1024], &taken),
    )
    .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (413, Some("limit.bytes"))
    );
    let taken = taken.load(Ordering::SeqCst);
    assert!(taken > 64 * KIB && taken <= 65 * KIB, "took {taken} bytes");
    // The detail says how much had arrived when reading stopped.
    assert_eq!(
        problem["detail"],
        format!(
            "limit exceeded: max_bytes is {}, input needs {taken}",
            64 * KIB
        )
    );
}

/// A `.npy` body whose header is refused is not parsed further; the rest of the body is read
/// (and dropped) only up to the body's bound, so that a client still sending it gets the
/// answer rather than a reset: an endless body stops there.
#[tokio::test]
async fn npy_refused_by_its_header_is_read_no_further_than_its_bound() {
    let taken = Arc::new(AtomicU64::new(0));
    let (status, problem) = send(
        "/npy",
        "application/x-npy",
        Counting::new(&b"not an npy file, and so on forever "[..], &taken),
    )
    .await;
    assert_eq!(
        (status.as_u16(), problem["code"].as_str()),
        (422, Some("npy.bad_magic"))
    );
    // The bound of the route's `.npy` bodies: 64 KiB of payload plus the header allowance.
    let taken = taken.load(Ordering::SeqCst);
    assert!(taken <= 64 * KIB + 10_000 + 12 + 35, "took {taken} bytes");
}

/// A client that sends a bad start and then stalls gets its answer anyway: the extractor
/// waits for the rest of a refused body only while it keeps coming. (The start must be
/// long enough for the reader to decide: the `.npy` prelude, or a JSON number's longest
/// token after it.)
#[tokio::test]
async fn refusal_does_not_wait_for_a_stalled_body() {
    let padded = |start: &[u8]| {
        let mut frame = start.to_vec();
        frame.resize(2048, b' ');
        frame
    };
    for (path, content_type, frame, code) in [
        (
            "/npy",
            "application/x-npy",
            padded(b"GIF89a"),
            "npy.bad_magic",
        ),
        (
            "/json",
            "application/json",
            padded(b"[1, 2, }"),
            "json.syntax",
        ),
    ] {
        let taken = Arc::new(AtomicU64::new(0));
        let mut body = Counting::new(frame, &taken);
        body.stall_after = Some(1);
        let (status, problem) = send(path, content_type, body).await;
        assert_eq!(
            (status.as_u16(), problem["code"].as_str()),
            (422, Some(code)),
            "{path}"
        );
    }
}

/// A body that fails mid-way is a 400 with the code `io`.
#[tokio::test]
async fn body_errors_are_400() {
    let request = Request::post("/raw")
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::new(FailAfterOne { sent: false }))
        .expect("a request");
    let response = app().oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let problem: serde_json::Value = serde_json::from_slice(&bytes).expect("a problem");
    assert_eq!(problem["code"], "io");
}

/// One data frame, then an error.
struct FailAfterOne {
    sent: bool,
}

impl hyper::body::Body for FailAfterOne {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if self.sent {
            return Poll::Ready(Some(Err(std::io::Error::other("connection reset"))));
        }
        self.sent = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"abc")))))
    }
}

/// A runtime with a blocking pool of one thread, where a reader that kept its thread would
/// make every later request wait for ever.
fn one_blocking_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .expect("a runtime")
}

/// A valid request, answered within the patience: proof that a blocking thread was free.
async fn valid_request_is_answered() {
    let taken = Arc::new(AtomicU64::new(0));
    let mut body = Counting::new(vec![5u8; 1024], &taken);
    body.left = 4;
    body.declared = Some(4096);
    let (status, _) = send("/raw", "application/octet-stream", body).await;
    assert_eq!(status, StatusCode::OK);
}

/// A request dropped while its body is being read (a timeout, a client gone) gives its
/// blocking thread back.
#[test]
fn a_dropped_request_frees_its_thread() {
    one_blocking_thread().block_on(async {
        let taken = Arc::new(AtomicU64::new(0));
        // A valid start (the payload of a raw buffer), then nothing.
        let mut stalled = Counting::new(vec![5u8; 1024], &taken);
        stalled.stall_after = Some(2);
        let request = Request::post("/raw")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::new(stalled))
            .expect("a request");
        let cut = tokio::time::timeout(Duration::from_millis(200), app().oneshot(request)).await;
        assert!(cut.is_err(), "the stalled request cannot be answered");
        assert_eq!(taken.load(Ordering::SeqCst), 2048);
        valid_request_is_answered().await;
    });
}

/// A client that sends headers and then nothing holds no blocking thread while it waits.
#[test]
fn a_body_that_never_starts_holds_no_thread() {
    one_blocking_thread().block_on(async {
        let taken = Arc::new(AtomicU64::new(0));
        let mut silent = Counting::new(vec![5u8; 1024], &taken);
        silent.stall_after = Some(0);
        let request = Request::post("/raw")
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::new(silent))
            .expect("a request");
        let waiting = tokio::spawn(app().oneshot(request));
        tokio::time::sleep(Duration::from_millis(50)).await;
        valid_request_is_answered().await;
        assert!(!waiting.is_finished());
        waiting.abort();
    });
}

/// A body limit in front of the extractor (`http_body_util::Limited`, which tower-http's
/// `RequestBodyLimitLayer` uses) that cuts a chunked body is a 413 too, with its own code.
#[tokio::test]
async fn a_service_body_limit_is_413() {
    for (path, content_type) in [
        ("/raw", "application/octet-stream"),
        ("/json", "application/json"),
    ] {
        let taken = Arc::new(AtomicU64::new(0));
        let limited = http_body_util::Limited::new(Counting::new(&b"[1, 2, "[..], &taken), 100);
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::new(limited))
            .expect("a request");
        let response = app().oneshot(request).await.expect("infallible");
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let problem: serde_json::Value = serde_json::from_slice(&bytes).expect("a problem");
        assert_eq!(problem["code"], "http.body_too_large", "{path}");
    }
}
