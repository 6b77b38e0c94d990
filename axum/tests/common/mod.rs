//! What the server tests share: a real server on a free loopback port with graceful shutdown,
//! a real HTTP client (hyper-util's), a raw TCP client for requests no well-behaved client
//! sends, and builders for bodies.

#![allow(dead_code)] // Each test binary uses its own part of this module.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use arrayguard::{npy, Array, Element, Order, Shape};
use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame, SizeHint};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long any one exchange may take before a test fails instead of hanging.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A server on 127.0.0.1, on a port the OS chose, stopped by [`Server::stop`].
pub struct Server {
    pub addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// Serves `app` on a free loopback port.
    pub async fn start(app: Router) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stop.await;
                })
                .await
        });
        Server {
            addr,
            shutdown,
            task,
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server gracefully and waits (boundedly) until it has.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let served = tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the server stops within the patience")
            .expect("the server task did not panic");
        served.expect("the server ran without an I/O error");
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "a JSON body ({e}): {:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body as a problem detail: checks the media type and the `status` member, and
    /// returns the object.
    pub fn problem(&self) -> serde_json::Value {
        assert_eq!(
            self.headers
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap_or("")),
            Some("application/problem+json"),
            "a problem's media type; body {:?}",
            String::from_utf8_lossy(&self.body)
        );
        let problem = self.json();
        assert_eq!(problem["status"], self.status.as_u16(), "{problem}");
        for member in ["type", "title", "detail", "code"] {
            assert!(problem[member].is_string(), "`{member}` in {problem}");
        }
        problem
    }

    /// Asserts the status and the problem's code, and returns the problem.
    pub fn expect_problem(&self, status: u16, code: &str) -> serde_json::Value {
        let problem = self.problem();
        assert_eq!(
            (self.status.as_u16(), problem["code"].as_str()),
            (status, Some(code)),
            "{problem}"
        );
        problem
    }
}

/// Sends `body` to `url` with a POST and reads the whole response, with a real HTTP client.
pub async fn post<B>(url: &str, content_type: Option<&str>, body: B) -> Reply
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut request = Request::builder().method(Method::POST).uri(url);
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    exchange(request.body(body).expect("a request")).await
}

/// [`post`] with the whole body in memory (sent with a `Content-Length`).
pub async fn post_bytes(url: &str, content_type: &str, body: impl Into<Bytes>) -> Reply {
    post(url, Some(content_type), Full::new(body.into())).await
}

/// A GET of `url`, read whole.
pub async fn get(url: &str) -> Reply {
    let request = Request::builder().uri(url).body(Full::<Bytes>::default());
    exchange(request.expect("a request")).await
}

/// Sends `request` and reads the response whole, within [`PATIENCE`].
pub async fn exchange<B>(request: Request<B>) -> Reply
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let client = Client::builder(TokioExecutor::new()).build_http::<B>();
    let exchange = async {
        let response = client.request(request).await.expect("a response");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the response body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    };
    tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("the exchange ends within the patience")
}

/// A body of unknown length (so the client sends it chunked): `count` frames of `frame`.
pub struct Chunked {
    frame: Bytes,
    left: usize,
}

impl Chunked {
    pub fn new(frame: impl Into<Bytes>, count: usize) -> Self {
        Chunked {
            frame: frame.into(),
            left: count,
        }
    }
}

impl Body for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(Frame::data(self.frame.clone()))))
    }

    fn is_end_stream(&self) -> bool {
        self.left == 0
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown: no Content-Length, chunked transfer coding.
        SizeHint::default()
    }
}

/// Writes `head` (a request line and headers, with the blank line) and then `body` on a new
/// connection, and reads the response until the server closes the connection or the
/// response's declared length has arrived. Returns the status and the body.
///
/// `body` is written by a task of its own while the response is read, so a server that
/// answers before reading the body is seen doing so; a failure to write (the server closed
/// the connection) ends that task quietly.
pub async fn raw_exchange(addr: SocketAddr, head: String, body: Vec<Bytes>) -> (u16, Vec<u8>) {
    let exchange = async {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (mut reader, mut writer) = stream.into_split();
        writer
            .write_all(head.as_bytes())
            .await
            .expect("write the head");
        let writing = tokio::spawn(async move {
            for chunk in body {
                if writer.write_all(&chunk).await.is_err() {
                    return;
                }
            }
            // Keep the write side open: the server, not the client, ends the exchange.
            std::future::pending::<()>().await;
        });
        let mut response = Vec::new();
        let mut buf = [0u8; 8192];
        let parsed = loop {
            if let Some(parsed) = parse_response(&response) {
                break parsed;
            }
            match reader.read(&mut buf).await {
                Ok(0) => break parse_response(&response).expect("a whole response before EOF"),
                Ok(n) => response.extend_from_slice(&buf[..n]),
                Err(e) => panic!(
                    "reading the response failed after {} bytes ({e}): {:?}",
                    response.len(),
                    String::from_utf8_lossy(&response)
                ),
            }
        };
        writing.abort();
        parsed
    };
    tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("the server answers within the patience")
}

/// A response with a `Content-Length`, once it has all arrived: its status and body.
fn parse_response(bytes: &[u8]) -> Option<(u16, Vec<u8>)> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).expect("an ASCII head");
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("the response has a Content-Length");
    let body = bytes.get(end + 4..end + 4 + length)?;
    Some((status, body.to_vec()))
}

/// `.npy` bytes of a C-order array of `dims` holding `data`, written by arrayguard.
pub fn npy_bytes<T: Element>(dims: &[usize], data: Vec<T>) -> Vec<u8> {
    let array = Array::from_vec(Shape::new(dims.to_vec()).expect("a shape"), Order::C, data)
        .expect("an array");
    npy::to_vec(&array.view()).expect("npy bytes")
}

/// Little-endian bytes of `values`.
pub fn le_u16(values: &[u16]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A fixture of the library's tests, written by real NumPy.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/data/npy/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
