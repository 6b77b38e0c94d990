//! The inference extractor and response behind the gateway example, served on a free
//! loopback port: JSON and binary requests, the protocol's other endpoints, each hostile
//! request with its status and code, and the real Triton client library talking to it.

mod common;

#[allow(dead_code)]
#[path = "../examples/gateway.rs"]
mod gateway;

use std::path::Path;

use arrayguard::{BundleSpec, Limits};
use arrayguard_axum::{InferRequest, Problem};
use axum::body::Bytes;
use axum::http::{header, Method, Request};
use axum::routing::post;
use axum::Router;
use common::{get, post as send, raw_exchange, Chunked, Reply, Server};
use http_body_util::Full;
use serde_json::json;

/// The example's spec: `x` (f32, batch × 4, finite) and `mask` (bool, batch).
fn adder() -> BundleSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/specs/adder.json");
    let (name, spec) = gateway::load(&path, None).expect("the example spec loads");
    assert_eq!(name, "adder");
    spec
}

async fn start(limits: Limits) -> Server {
    Server::start(gateway::app("adder", adder(), limits).expect("the gateway's routes")).await
}

/// A POST with extra headers, read whole.
async fn post_with(url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Reply {
    let mut request = Request::builder().method(Method::POST).uri(url);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    common::exchange(
        request
            .body(Full::new(Bytes::from(body)))
            .expect("a request"),
    )
    .await
}

/// A binary request: `x` (2 × 4 f32) as binary data after the JSON, `mask` as JSON data; the
/// output `x_sum` asked for as binary data.
fn binary_request() -> (Vec<u8>, usize) {
    binary_request_declaring(32)
}

/// [`binary_request`] with `x` declaring `size` bytes (it holds 32).
fn binary_request_declaring(size: usize) -> (Vec<u8>, usize) {
    let header = json!({
        "id": "b1",
        "inputs": [
            { "name": "x", "shape": [2, 4], "datatype": "FP32", "parameters": { "binary_data_size": size } },
            { "name": "mask", "shape": [2], "datatype": "BOOL", "data": [true, true] }
        ],
        "outputs": [ { "name": "x_sum", "parameters": { "binary_data": true } } ]
    })
    .to_string();
    let mut body = header.clone().into_bytes();
    for v in 1..=8 {
        body.extend_from_slice(&(v as f32).to_le_bytes());
    }
    (body, header.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_request_gets_json_sums() {
    let server = start(Limits::default()).await;
    let body = json!({
        "id": "42",
        "inputs": [
            { "name": "x", "shape": [2, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], [5, 6, 7, 8.5]] },
            { "name": "mask", "shape": [2], "datatype": "BOOL", "data": [true, false] }
        ]
    });
    let reply = send(
        &server.url("/v2/models/adder/infer"),
        Some("application/json"),
        Full::new(Bytes::from(body.to_string())),
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    assert!(reply
        .headers
        .get("inference-header-content-length")
        .is_none());
    assert_eq!(
        reply.json(),
        json!({
            "model_name": "adder",
            "id": "42",
            "outputs": [
                { "name": "x_sum", "datatype": "FP64", "shape": [1], "data": [36.5] },
                { "name": "mask_sum", "datatype": "FP64", "shape": [1], "data": [1.0] }
            ]
        })
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_request_gets_binary_output() {
    let server = start(Limits::default()).await;
    let (body, header_length) = binary_request();
    let reply = post_with(
        &server.url("/v2/models/adder/infer"),
        &[
            ("content-type", "application/octet-stream".to_owned()),
            ("inference-header-content-length", header_length.to_string()),
        ],
        body,
    )
    .await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(
        reply.headers[header::CONTENT_TYPE],
        "application/octet-stream"
    );
    let json_length: usize = reply.headers["inference-header-content-length"]
        .to_str()
        .expect("ASCII")
        .parse()
        .expect("a length");
    let (head, tensors) = reply.body.split_at(json_length);
    let head: serde_json::Value = serde_json::from_slice(head).expect("the JSON part");
    assert_eq!(
        head,
        json!({
            "model_name": "adder",
            "id": "b1",
            "outputs": [
                { "name": "x_sum", "datatype": "FP64", "shape": [1], "parameters": { "binary_data_size": 8 } }
            ]
        })
    );
    assert_eq!(tensors, 36f64.to_le_bytes());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_health_and_unknown_models() {
    let server = start(Limits::default()).await;
    for path in [
        "/v2/health/live",
        "/v2/health/ready",
        "/v2/models/adder/ready",
    ] {
        assert_eq!(get(&server.url(path)).await.status, 200, "{path}");
    }
    let metadata = get(&server.url("/v2/models/adder")).await;
    assert_eq!(metadata.status, 200);
    assert_eq!(
        metadata.json(),
        json!({
            "name": "adder",
            "platform": "arrayguard-gateway",
            "inputs": [
                { "name": "x", "datatype": "FP32", "shape": [-1, 4] },
                { "name": "mask", "datatype": "BOOL", "shape": [-1] }
            ],
            "outputs": [
                { "name": "x_sum", "datatype": "FP64", "shape": [1] },
                { "name": "mask_sum", "datatype": "FP64", "shape": [1] }
            ]
        })
    );
    let reply = get(&server.url("/v2/models/resnet")).await;
    let problem = reply.expect_problem(404, "model.not_found");
    assert_eq!(problem["detail"], "no model named `resnet` is served here");
    let (body, _) = binary_request();
    let reply = send(
        &server.url("/v2/models/resnet/infer"),
        Some("application/json"),
        Full::new(Bytes::from(body)),
    )
    .await;
    reply.expect_problem(404, "model.not_found");
    get(&server.url("/v1/models"))
        .await
        .expect_problem(404, "http.not_found");
    server.stop().await;
}

/// A gateway configured from the metadata document a model server publishes: the model's name
/// and inputs come from it, and requests it would refuse are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_configured_from_model_metadata() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/specs/resnet-metadata.json");
    let (name, spec) = gateway::load(&path, None).expect("the metadata loads");
    assert_eq!(name, "resnet");
    let server = Server::start(gateway::app(&name, spec, Limits::default()).expect("routes")).await;
    let metadata = get(&server.url("/v2/models/resnet")).await.json();
    assert_eq!(
        metadata["inputs"],
        json!([{ "name": "input", "datatype": "FP32", "shape": [-1, 3, 224, 224] }])
    );
    let request = |channels: usize| {
        let n = 2 * channels * 224 * 224;
        let header = json!({"inputs": [{"name": "input", "shape": [2, channels, 224, 224],
            "datatype": "FP32", "parameters": {"binary_data_size": 4 * n}}]})
        .to_string();
        let mut body = header.clone().into_bytes();
        body.resize(header.len() + 4 * n, 0);
        (body, header.len())
    };
    let url = server.url("/v2/models/resnet/infer");
    let (body, length) = request(3);
    let reply = post_with(
        &url,
        &[("inference-header-content-length", length.to_string())],
        body,
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["outputs"][0]["name"], "input_sum");
    let (body, length) = request(4);
    post_with(
        &url,
        &[("inference-header-content-length", length.to_string())],
        body,
    )
    .await
    .expect_problem(422, "spec.shape");
    server.stop().await;
}

/// Each hostile request, with the status and code it gets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests() {
    let server = start(Limits::default()).await;
    let url = server.url("/v2/models/adder/infer");
    let (body, header_length) = binary_request();
    let binary = |length: String| {
        vec![
            ("content-type", "application/octet-stream".to_owned()),
            ("inference-header-content-length", length),
        ]
    };

    // The tensors are 4 bytes short of the declared 32.
    let short = body[..body.len() - 4].to_vec();
    let reply = post_with(&url, &binary(header_length.to_string()), short).await;
    let problem = reply.expect_problem(422, "data.truncated");
    assert_eq!(problem["array"], "x");

    // A binary size that is not the shape's.
    let (lying, lying_length) = binary_request_declaring(28);
    let reply = post_with(&url, &binary(lying_length.to_string()), lying).await;
    reply.expect_problem(422, "oip.binary_size");

    // A header length that is not a number.
    let reply = post_with(&url, &binary("12x".to_owned()), body.clone()).await;
    reply.expect_problem(422, "oip.invalid_request");

    // An input the spec requires is missing; an input that breaks its spec.
    let missing = json!({ "inputs": [ { "name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4] } ] });
    let reply = send(
        &url,
        Some("application/json"),
        Full::new(Bytes::from(missing.to_string())),
    )
    .await;
    let problem = reply.expect_problem(422, "spec.missing_array");
    assert_eq!(problem["array"], "mask");
    let nan = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [1, NaN, 3, 4]},\n {\"name\": \"mask\", \"shape\": [1], \"datatype\": \"BOOL\", \"data\": [true]}]}";
    let reply = send(&url, Some("application/json"), Full::new(Bytes::from(nan))).await;
    let problem = reply.expect_problem(422, "value.nan");
    assert_eq!(problem["array"], "x");

    // JSON that is not JSON: its line and column.
    let broken = "{\"inputs\": [\n {\"name\": \"x\",, }]}";
    let reply = send(
        &url,
        Some("application/json"),
        Full::new(Bytes::from(broken)),
    )
    .await;
    let problem = reply.expect_problem(422, "oip.invalid_request");
    assert_eq!(problem["json"]["line"], 2, "{problem}");

    // Another content type.
    let reply = send(&url, Some("text/plain"), Full::new(Bytes::from("{}"))).await;
    reply.expect_problem(415, "http.unsupported_media_type");
    server.stop().await;
}

/// Over the bounds: a header length over `max_input_bytes` and a `Content-Length` over the
/// header plus `max_archive_bytes` are refused from the headers, before a byte of the body;
/// a chunked body is cut at the bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounds_are_enforced_before_and_while_reading() {
    let mut limits = Limits::default();
    limits.max_input_bytes = 4096;
    limits.max_archive_bytes = 64 * 1024;
    let server = start(limits).await;
    let cases = [
        (
            "Inference-Header-Content-Length: 5000\r\nContent-Length: 10000\r\n",
            "limit.input_bytes",
        ),
        (
            "Inference-Header-Content-Length: 100\r\nContent-Length: 1000000000\r\n",
            "limit.archive_bytes",
        ),
        ("Content-Length: 5000\r\n", "limit.input_bytes"),
    ];
    for (headers, code) in cases {
        let head = format!(
            "POST /v2/models/adder/infer HTTP/1.1\r\nHost: {}\r\nContent-Type: application/octet-stream\r\n{headers}\r\n",
            server.addr
        );
        let (status, body) = raw_exchange(server.addr, head, Vec::new()).await;
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("a problem");
        assert_eq!(
            (status, problem["code"].as_str()),
            (413, Some(code)),
            "{headers}: {problem}"
        );
    }
    // Chunked, with no length: cut after 4096 bytes of JSON.
    let reply = send(
        &server.url("/v2/models/adder/infer"),
        Some("application/json"),
        Chunked::new(Bytes::from_static(b"                "), 300),
    )
    .await;
    reply.expect_problem(413, "limit.input_bytes");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_infer_config_is_500() {
    async fn handler(InferRequest(request): InferRequest) -> Result<String, Problem> {
        Ok(request.inputs().len().to_string())
    }
    let server = Server::start(Router::new().route("/infer", post(handler))).await;
    let reply = send(
        &server.url("/infer"),
        Some("application/json"),
        Full::new(Bytes::from("{}")),
    )
    .await;
    reply.expect_problem(500, "server.missing_config");
    server.stop().await;
}

/// The Triton client library (`tritonclient.http`) against the gateway: server and model
/// readiness, model metadata, and inference with a binary input, a JSON input and a binary
/// output. Needs python3 with tritonclient[http] (`ARRAYGUARD_PYTHON`, or the workspace's
/// `.venv`, which scripts/test installs); skipped, saying so, only under
/// `ARRAYGUARD_SKIP_NUMPY=1`, as the library's own Triton tests are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn triton_client_talks_to_the_gateway() {
    let Some(python) = python_with_tritonclient() else {
        return;
    };
    let server = start(Limits::default()).await;
    let script = r#"
import json, sys
import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

client = httpclient.InferenceServerClient(sys.argv[1])
assert client.is_server_live() and client.is_server_ready()
assert client.is_model_ready("adder")
metadata = client.get_model_metadata("adder")
x = httpclient.InferInput("x", [3, 4], "FP32")
x.set_data_from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4), binary_data=True)
mask = httpclient.InferInput("mask", [3], "BOOL")
mask.set_data_from_numpy(np.array([True, False, True]), binary_data=False)
outputs = [httpclient.InferRequestedOutput("x_sum", binary_data=True),
           httpclient.InferRequestedOutput("mask_sum", binary_data=False)]
result = client.infer("adder", [x, mask], outputs=outputs, request_id="t1")
bad = httpclient.InferInput("x", [3, 5], "FP32")
bad.set_data_from_numpy(np.zeros((3, 5), dtype=np.float32), binary_data=True)
try:
    client.infer("adder", [bad, mask])
    refused = None
except InferenceServerException as e:
    refused = str(e)
print(json.dumps({
    "inputs": [i["name"] for i in metadata["inputs"]],
    "id": result.get_response()["id"],
    "x_sum": result.as_numpy("x_sum").tolist(),
    "mask_sum": result.as_numpy("mask_sum").tolist(),
    "refused": refused,
}))
"#;
    let addr = server.addr.to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .args(["-c", script, &addr])
            .output()
    })
    .await
    .expect("the client ran")
    .expect("python starts");
    assert!(
        output.status.success(),
        "the Triton client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("the client's JSON");
    assert_eq!(result["inputs"], json!(["x", "mask"]));
    assert_eq!(result["id"], "t1");
    assert_eq!(result["x_sum"], json!([66.0]));
    assert_eq!(result["mask_sum"], json!([2.0]));
    let refused = result["refused"]
        .as_str()
        .expect("the bad request is refused");
    assert!(
        refused.contains("shape mismatch on axis 1: expected 4, found 5"),
        "{refused}"
    );
    server.stop().await;
}

/// The python to run the Triton client with: `ARRAYGUARD_PYTHON`, the workspace's `.venv`,
/// or `python3`; `None` only when it lacks tritonclient and `ARRAYGUARD_SKIP_NUMPY=1`.
fn python_with_tritonclient() -> Option<String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    let python = std::env::var("ARRAYGUARD_PYTHON").unwrap_or_else(|_| {
        if venv.exists() {
            venv.to_string_lossy().into_owned()
        } else {
            "python3".to_owned()
        }
    });
    let probe = std::process::Command::new(&python)
        .args(["-c", "import numpy, tritonclient.http"])
        .output();
    let why = match probe {
        Ok(out) if out.status.success() => return Some(python),
        Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
        Err(e) => format!("cannot run `{python}`: {e}"),
    };
    if std::env::var("ARRAYGUARD_SKIP_NUMPY").is_ok_and(|v| v == "1") {
        eprintln!(
            "\n!!!!!!!! SKIPPED the Triton client test: {why} (ARRAYGUARD_SKIP_NUMPY=1) !!!!!!!!\n"
        );
        return None;
    }
    panic!(
        "the Triton client test needs python3 with numpy and tritonclient[http] \
         (scripts/test installs them into .venv): {why}"
    );
}
