//! The extractors behind a real server on a free loopback port, driven by a real HTTP client
//! (and, for what no well-behaved client sends, raw TCP): valid bodies of every format, and
//! each hostile case with the status and the problem's code it must get.

mod common;

use arrayguard::raw::Layout;
use arrayguard::{npy, Array, ArraySpec, DType, Dim, DynArray, Limits, ValueSpec};
use arrayguard_axum::{ArrayConfig, JsonArray, JsonField, Npy, Raw};
use axum::body::Bytes;
use axum::routing;
use axum::{Extension, Router};
use common::{fixture, le_u16, npy_bytes, post, post_bytes, raw_exchange, Chunked, Server};
use serde_json::json;

/// The summary every typed test handler answers: shape and sum.
fn summary<T: arrayguard::Element + Into<f64>>(array: &Array<T>) -> String {
    let sum: f64 = array.as_slice().iter().map(|&v| v.into()).sum();
    json!({ "shape": array.shape().dims(), "sum": sum }).to_string()
}

async fn points(Npy(points): Npy<f32>) -> String {
    summary(&points)
}

async fn echo(Npy(array): Npy<DynArray>) -> Vec<u8> {
    let mut out = Vec::new();
    match npy::write_dyn(&mut out, &array) {
        Ok(()) => out,
        Err(e) => e.to_string().into_bytes(),
    }
}

async fn small(Npy(bytes): Npy<u8>) -> String {
    bytes.len().to_string()
}

async fn raw_rows(Raw(rows): Raw<u16>) -> String {
    summary(&rows)
}

async fn raw_bytes(Raw(bytes): Raw<u8>) -> String {
    bytes.len().to_string()
}

async fn json_pairs(JsonArray(pairs): JsonArray<f64>) -> String {
    summary(&pairs)
}

async fn envelope(JsonArray(array): JsonArray<DynArray>) -> String {
    json!({ "dtype": array.dtype().to_string(), "shape": array.shape().dims() }).to_string()
}

async fn field(JsonField(inputs): JsonField<i32>) -> String {
    summary(&inputs)
}

fn limits(edit: impl FnOnce(&mut Limits)) -> Limits {
    let mut limits = Limits::default();
    edit(&mut limits);
    limits
}

/// Every route the tests use, each with its own config.
fn app() -> Router {
    let finite = ValueSpec::new().finite();
    let points_spec = ArraySpec::new(DType::F32)
        .with_shape([Dim::Any, Dim::Exact(3)])
        .with_values(finite.clone());
    let rows = Layout::from_typestr("<u2")
        .and_then(|l| l.with_shape([None, Some(4)]))
        .expect("a layout");
    Router::new()
        .route(
            "/points",
            routing::post(points).layer(Extension(ArrayConfig::new(points_spec))),
        )
        .route(
            "/echo",
            routing::post(echo).layer(Extension(ArrayConfig::new(ArraySpec::any()))),
        )
        .route(
            "/small",
            routing::post(small).layer(Extension(
                ArrayConfig::new(ArraySpec::new(DType::U8)).limits(limits(|l| l.max_bytes = 1024)),
            )),
        )
        .route(
            "/raw",
            routing::post(raw_rows).layer(Extension(
                ArrayConfig::new(ArraySpec::new(DType::U16).with_shape([Dim::Any, Dim::Exact(4)]))
                    .layout(rows),
            )),
        )
        .route(
            "/raw/small",
            routing::post(raw_bytes).layer(Extension(
                ArrayConfig::new(ArraySpec::new(DType::U8))
                    .layout(Layout::new(DType::U8, arrayguard::ByteOrder::Little))
                    .limits(limits(|l| l.max_bytes = 64 * 1024)),
            )),
        )
        .route(
            "/raw/no-layout",
            routing::post(raw_bytes).layer(Extension(ArrayConfig::new(ArraySpec::new(DType::U8)))),
        )
        .route(
            "/json",
            routing::post(json_pairs).layer(Extension(
                ArrayConfig::new(
                    ArraySpec::new(DType::F64)
                        .with_shape([Dim::Any, Dim::Exact(2)])
                        .with_values(finite),
                )
                .limits(limits(|l| l.max_input_bytes = 64 * 1024)),
            )),
        )
        .route(
            "/json/nan",
            routing::post(json_pairs).layer(Extension(
                ArrayConfig::new(ArraySpec::new(DType::F64)).allow_nan(true),
            )),
        )
        .route(
            "/json/envelope",
            routing::post(envelope).layer(Extension(
                ArrayConfig::new(ArraySpec::any()).form(arrayguard::json::Form::Envelope),
            )),
        )
        .route(
            "/field",
            routing::post(field).layer(Extension(
                ArrayConfig::new(ArraySpec::new(DType::I32).with_shape([Dim::Any, Dim::Exact(2)]))
                    .field("inputs"),
            )),
        )
        .route("/unconfigured", routing::post(points))
        .merge(
            Router::new()
                .route(
                    "/tiny-default-limit",
                    routing::post(points)
                        .layer(Extension(ArrayConfig::new(ArraySpec::new(DType::F32)))),
                )
                .layer(axum::extract::DefaultBodyLimit::max(16)),
        )
        .route(
            "/big",
            routing::post(points).layer(Extension(ArrayConfig::new(ArraySpec::new(DType::F32)))),
        )
}

// ---- valid bodies ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npy_body_is_read() {
    let server = Server::start(app()).await;
    let body = npy_bytes(&[2, 3], vec![0.5f32, 1.0, 1.5, 2.0, 2.5, 3.0]);
    for content_type in ["application/x-npy", "application/octet-stream"] {
        let reply = post_bytes(&server.url("/points"), content_type, body.clone()).await;
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        assert_eq!(reply.json(), json!({ "shape": [2, 3], "sum": 10.5 }));
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numpy_fixtures_come_back_as_numpy_wrote_them() {
    let server = Server::start(app()).await;
    // Written by real NumPy: little- and big-endian, Fortran order, a 0-d array.
    for name in [
        "ok_f4_le.npy",
        "ok_f8_be.npy",
        "ok_i4_be_fortran_3d.npy",
        "ok_scalar_c8.npy",
    ] {
        let file = fixture(name);
        let reply = post_bytes(&server.url("/echo"), "application/x-npy", file.clone()).await;
        assert_eq!(reply.status, 200, "{name}: {:?}", reply.body);
        let expected = npy::ReadOptions::new()
            .read_slice::<DynArray>(&file, &ArraySpec::any())
            .expect("the fixture reads");
        let echoed = npy::ReadOptions::new()
            .read_slice::<DynArray>(&reply.body, &ArraySpec::any())
            .expect("the echo reads");
        assert_eq!(echoed.dtype(), expected.dtype(), "{name}");
        assert_eq!(echoed.shape(), expected.shape(), "{name}");
        assert_eq!(echoed.order(), expected.order(), "{name}");
        assert_eq!(echoed.to_le_bytes(), expected.to_le_bytes(), "{name}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_body_is_read_with_the_layout() {
    let server = Server::start(app()).await;
    let body = le_u16(&[1, 2, 3, 4, 5, 6, 7, 8]);
    let reply = post_bytes(&server.url("/raw"), "application/octet-stream", body).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "shape": [2, 4], "sum": 36.0 }));
    // Not a whole number of rows.
    let reply = post_bytes(
        &server.url("/raw"),
        "application/octet-stream",
        le_u16(&[1, 2, 3]),
    )
    .await;
    reply.expect_problem(422, "data.length_mismatch");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_are_read() {
    let server = Server::start(app()).await;
    let reply = post_bytes(
        &server.url("/json"),
        "application/json",
        "[[1, 2], [3, 4.5]]",
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "shape": [2, 2], "sum": 10.5 }));

    let envelope = r#"{"dtype": "<i2", "shape": [2], "data": "AQACAA=="}"#;
    let reply = post_bytes(
        &server.url("/json/envelope"),
        "application/json; charset=utf-8",
        envelope,
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "dtype": "i16", "shape": [2] }));

    // NaN where the route allows it.
    let reply = post_bytes(&server.url("/json/nan"), "application/json", "[1, NaN]").await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_field_is_read_and_the_rest_skipped() {
    let server = Server::start(app()).await;
    let body =
        r#"{"model": "m", "options": {"deep": [[1], {"x": null}]}, "inputs": [[1, 2], [3, 4]]}"#;
    let reply = post_bytes(&server.url("/field"), "application/json", body).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "shape": [2, 2], "sum": 10.0 }));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_bodies_within_the_limit_are_read() {
    let server = Server::start(app()).await;
    // 1000 frames of two rows: 8000 u16 in 2000 rows of 4, sent without a Content-Length.
    let frame = Bytes::from(le_u16(&[1, 2, 3, 4, 5, 6, 7, 8]));
    let reply = post(
        &server.url("/raw"),
        Some("application/octet-stream"),
        Chunked::new(frame, 1000),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "shape": [2000, 4], "sum": 36000.0 }));
    server.stop().await;
}

/// axum's `DefaultBodyLimit` (2 MB) does not cap the extractors: a 3 MiB array passes with
/// the default arrayguard limits and no `DefaultBodyLimit` setting on the route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_two_megabytes_are_read() {
    let server = Server::start(app()).await;
    let n = 3 * 1024 * 1024 / 4;
    let body = npy_bytes(&[n], vec![0.25f32; n]);
    assert!(body.len() > 3 << 20);
    let reply = post_bytes(&server.url("/big"), "application/x-npy", body).await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "shape": [n], "sum": n as f64 / 4.0 }));
    server.stop().await;
}

/// A `DefaultBodyLimit` on the route does not lower the arrayguard bound either: the
/// extractors bound the body by the endpoint's limits alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_body_limit_does_not_apply() {
    let server = Server::start(app()).await;
    let body = npy_bytes(&[300], vec![1f32; 300]);
    assert!(body.len() > 16);
    let reply = post_bytes(
        &server.url("/tiny-default-limit"),
        "application/x-npy",
        body,
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.json(), json!({ "shape": [300], "sum": 300.0 }));
    server.stop().await;
}

// ---- hostile bodies -------------------------------------------------------------------------

/// A declared length over the bound is answered from the headers alone: the client sends no
/// byte of the body and still gets its 413, so the server did not wait for (or read) one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_length_over_the_limit_is_refused_before_the_body() {
    let server = Server::start(app()).await;
    let cases = [
        ("/small", "application/x-npy", "limit.bytes"),
        ("/raw/small", "application/octet-stream", "limit.bytes"),
        ("/json", "application/json", "limit.input_bytes"),
    ];
    for (path, content_type, code) in cases {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nContent-Length: 1000000000000\r\n\r\n",
            server.addr
        );
        let (status, body) = raw_exchange(server.addr, head, Vec::new()).await;
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("a problem");
        assert_eq!(
            (status, problem["code"].as_str()),
            (413, Some(code)),
            "{path}: {problem}"
        );
    }
    // A client that waits for `100 Continue` gets the final answer instead.
    let head = format!(
        "POST /small HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-npy\r\nExpect: 100-continue\r\nContent-Length: 1000000000000\r\n\r\n",
        server.addr
    );
    let (status, _) = raw_exchange(server.addr, head, Vec::new()).await;
    assert_eq!(status, 413);
    // Just over the bound: 1024 bytes of payload, 12 of prelude and 10 000 of header.
    let head = format!(
        "POST /small HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-npy\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        1024 + 12 + 10_000 + 1
    );
    let (status, body) = raw_exchange(server.addr, head, Vec::new()).await;
    let problem: serde_json::Value = serde_json::from_slice(&body).expect("a problem");
    assert_eq!(
        (status, problem["code"].as_str()),
        (413, Some("limit.bytes")),
        "{problem}"
    );
    assert_eq!(
        problem["detail"],
        "limit exceeded: max_bytes is 1024, input needs 1025"
    );
    server.stop().await;
}

/// A chunked body that keeps coming is cut at the bound: 413 while the client still sends.
///
/// Sent over raw TCP: a client that writes the whole body before it reads (hyper's does)
/// sees its write fail when the server closes the connection after answering early, and
/// never reads the answer; the server is what is under test here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_body_past_the_limit_is_cut_at_the_limit() {
    let server = Server::start(app()).await;
    // (route, media type, allowed bytes, what the client offers in chunks of 64 KiB: 1024 of
    // them, 64 MiB, sent until the server answers; if they all go through the status fails.)
    let cases = [
        (
            "/raw/small",
            "application/octet-stream",
            vec![7u8; 64 * 1024],
            "limit.bytes",
        ),
        (
            "/json",
            "application/json",
            b"[1, 2], ".repeat(8 * 1024),
            "limit.input_bytes",
        ),
    ];
    for (path, content_type, data, code) in cases {
        let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
        chunk.extend_from_slice(&data);
        chunk.extend_from_slice(b"\r\n");
        let mut body = vec![Bytes::from_static(b"")];
        if content_type == "application/json" {
            // Open the outer array, so the text is valid for as long as it goes on.
            body[0] = Bytes::from_static(b"1\r\n[\r\n");
        }
        body.extend(std::iter::repeat_n(Bytes::from(chunk), 1024));
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n",
            server.addr
        );
        let (status, answer) = raw_exchange(server.addr, head, body).await;
        let problem: serde_json::Value = serde_json::from_slice(&answer).expect("a problem");
        assert_eq!(
            (status, problem["code"].as_str()),
            (413, Some(code)),
            "{path}: {problem}"
        );
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_content_type_is_415() {
    let server = Server::start(app()).await;
    let npy = npy_bytes(&[1, 3], vec![1f32, 2.0, 3.0]);
    let cases: [(&str, Option<&str>, Vec<u8>); 5] = [
        ("/points", Some("application/json"), npy.clone()),
        ("/points", None, npy.clone()),
        ("/raw", Some("application/x-npy"), le_u16(&[1, 2, 3, 4])),
        ("/json", Some("text/plain"), b"[[1, 2]]".to_vec()),
        (
            "/field",
            Some("application/x-www-form-urlencoded"),
            b"inputs=1".to_vec(),
        ),
    ];
    for (path, content_type, body) in cases {
        let reply = post(
            &server.url(path),
            content_type,
            http_body_util::Full::new(Bytes::from(body)),
        )
        .await;
        let problem = reply.expect_problem(415, "http.unsupported_media_type");
        assert_eq!(problem["title"], "Unsupported Media Type");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_npy_is_422_at_its_offset() {
    let server = Server::start(app()).await;
    let body = npy_bytes(&[2, 3], vec![1f32; 6]);
    let reply = post_bytes(
        &server.url("/points"),
        "application/x-npy",
        body[..body.len() - 3].to_vec(),
    )
    .await;
    let problem = reply.expect_problem(422, "data.truncated");
    assert_eq!(problem["offset"], 128);
    // A real NumPy file cut short.
    let reply = post_bytes(
        &server.url("/echo"),
        "application/x-npy",
        fixture("bad_truncated.npy"),
    )
    .await;
    reply.expect_problem(422, "data.truncated");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_npy_files_are_422() {
    let server = Server::start(app()).await;
    for (name, code) in [
        ("bad_object.npy", "dtype.pickle_not_allowed"),
        ("bad_polyglot_zip.npy", "data.trailing"),
        ("bad_header_comment.npy", "npy.invalid_header"),
    ] {
        let reply = post_bytes(&server.url("/echo"), "application/x-npy", fixture(name)).await;
        reply.expect_problem(422, code);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shape_mismatch_is_422() {
    let server = Server::start(app()).await;
    let body = npy_bytes(&[3, 2], vec![1f32; 6]);
    let reply = post_bytes(&server.url("/points"), "application/x-npy", body).await;
    let problem = reply.expect_problem(422, "spec.shape");
    assert_eq!(
        problem["detail"],
        "shape mismatch on axis 1: expected 3, found 2"
    );
    // The wrong dtype, too.
    let body = npy_bytes(&[1, 3], vec![1f64; 3]);
    let reply = post_bytes(&server.url("/points"), "application/x-npy", body).await;
    reply.expect_problem(422, "spec.dtype");
    // JSON: the path of the first element beyond the spec.
    let reply = post_bytes(&server.url("/json"), "application/json", "[[1, 2, 3]]").await;
    let problem = reply.expect_problem(422, "spec.shape");
    assert_eq!(problem["json"]["path"], "[0][2]");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nan_where_forbidden_is_422() {
    let server = Server::start(app()).await;
    // `.npy`: the spec says finite.
    let body = npy_bytes(&[1, 3], vec![1f32, f32::NAN, 3.0]);
    let reply = post_bytes(&server.url("/points"), "application/x-npy", body).await;
    reply.expect_problem(422, "value.nan");
    // JSON: the token itself is refused without `allow_nan`.
    let reply = post_bytes(&server.url("/json"), "application/json", "[[1, NaN]]").await;
    let problem = reply.expect_problem(422, "json.unexpected_token");
    assert_eq!(
        problem["json"],
        json!({ "path": "[0][1]", "line": 1, "column": 6 })
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_syntax_errors_have_line_and_column() {
    let server = Server::start(app()).await;
    let reply = post_bytes(
        &server.url("/json"),
        "application/json",
        "[[1, 2],\n [3 4]]",
    )
    .await;
    let problem = reply.expect_problem(422, "json.syntax");
    assert_eq!(problem["json"]["line"], 2);
    assert_eq!(problem["json"]["column"], 5);
    // The same inside a field, where serde_json reads the text.
    let reply = post_bytes(
        &server.url("/field"),
        "application/json",
        "{\"inputs\":\n [[1, 2],\n  [3 4]]}",
    )
    .await;
    let problem = reply.expect_problem(422, "json.syntax");
    assert_eq!(
        (
            problem["json"]["line"].as_u64(),
            problem["json"]["column"].as_u64()
        ),
        (Some(3), Some(6))
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_field_errors() {
    let server = Server::start(app()).await;
    let reply = post_bytes(
        &server.url("/field"),
        "application/json",
        r#"{"inputs": [[1, 2], [3]]}"#,
    )
    .await;
    let problem = reply.expect_problem(422, "json.ragged");
    assert_eq!(problem["json"]["path"], "[1]");
    let reply = post_bytes(
        &server.url("/field"),
        "application/json",
        r#"{"model": "m"}"#,
    )
    .await;
    let problem = reply.expect_problem(422, "spec.missing_array");
    assert_eq!(problem["array"], "inputs");
    let reply = post_bytes(&server.url("/field"), "application/json", "[[1, 2]]").await;
    reply.expect_problem(422, "json.envelope");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_config_is_500() {
    let server = Server::start(app()).await;
    let body = npy_bytes(&[1, 3], vec![1f32; 3]);
    let reply = post_bytes(&server.url("/unconfigured"), "application/x-npy", body).await;
    let problem = reply.expect_problem(500, "server.missing_config");
    assert_eq!(problem["title"], "Internal Server Error");
    let reply = post_bytes(
        &server.url("/raw/no-layout"),
        "application/octet-stream",
        vec![1u8],
    )
    .await;
    reply.expect_problem(500, "server.missing_config");
    server.stop().await;
}

/// A client that declares more than it sends, then hangs up: the body fails to arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_that_fails_to_arrive_is_400() {
    let server = Server::start(app()).await;
    let head = format!(
        "POST /raw/small HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\n",
        server.addr
    );
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(server.addr)
            .await
            .expect("connect");
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(&[1u8; 10]).await.expect("write");
        stream.shutdown().await.expect("half-close");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.expect("read");
        String::from_utf8_lossy(&response).into_owned()
    };
    let response = tokio::time::timeout(common::PATIENCE, exchange)
        .await
        .expect("an answer");
    assert!(response.starts_with("HTTP/1.1 400 "), "{response}");
    assert!(response.contains("\"code\":\"io\""), "{response}");
    server.stop().await;
}
