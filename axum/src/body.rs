//! The request body as a blocking [`Read`] for arrayguard's readers, bounded by the
//! endpoint's limits: a declared length over the bound is refused before a byte is read, and
//! a body that keeps coming is cut at the bound.
//!
//! arrayguard's readers are synchronous, and they read only what the input declares, in the
//! order that lets them refuse it early (a `.npy` header before its payload). So the body is
//! not collected first: a task of the blocking pool runs the reader over a [`BodyReader`],
//! and the extractor's own future pumps the body's frames to it through a channel of a few
//! frames, counting bytes as they arrive. When the reader returns, early or not, the pump
//! stops: the rest of the body is never read, and hyper closes the connection after the
//! response instead of draining it.

use std::io::{self, Read};
use std::pin::pin;

use arrayguard::{Error, ErrorKind, LimitKind, Limits};
use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::BodyExt;
use tokio::sync::mpsc;

use crate::problem::Problem;

/// Frames in flight between the pump and the reader: a few, so memory held for the body is
/// a few frames whatever its size.
const FRAMES_IN_FLIGHT: usize = 4;

/// The most bytes of a `.npy` file before its header: magic (6), version (2), and the header
/// length field of versions 2 and 3 (4).
const NPY_PRELUDE: u64 = 12;

/// The most bytes a body may have, and how to say that it has more.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BodyLimit {
    /// The most bytes accepted.
    max: u64,
    /// The limit reported when the body is larger.
    kind: LimitKind,
    /// That limit's value.
    limit: u64,
    /// Bytes of the body outside what the limit counts (a `.npy` prelude and header).
    allowance: u64,
}

impl BodyLimit {
    /// A JSON text: [`Limits::max_input_bytes`].
    pub(crate) fn json(limits: &Limits) -> Self {
        BodyLimit {
            max: limits.max_input_bytes,
            kind: LimitKind::InputBytes,
            limit: limits.max_input_bytes,
            allowance: 0,
        }
    }

    /// A raw buffer, all payload: [`Limits::max_bytes`].
    pub(crate) fn raw(limits: &Limits) -> Self {
        BodyLimit {
            max: limits.max_bytes,
            kind: LimitKind::Bytes,
            limit: limits.max_bytes,
            allowance: 0,
        }
    }

    /// An inference request (see [`arrayguard::oip`]): without binary tensors, a JSON text of
    /// at most [`Limits::max_input_bytes`]; with them, a JSON header of `header_length` bytes
    /// and at most [`Limits::max_archive_bytes`] of tensors after it.
    pub(crate) fn infer(limits: &Limits, header_length: Option<u64>) -> Self {
        match header_length {
            None => Self::json(limits),
            Some(header) => BodyLimit {
                max: limits.max_archive_bytes.saturating_add(header),
                kind: LimitKind::ArchiveBytes,
                limit: limits.max_archive_bytes,
                allowance: header,
            },
        }
    }

    /// A `.npy` file: [`Limits::max_bytes`] of payload after at most 12 bytes of prelude and
    /// [`Limits::max_header_bytes`] of header.
    pub(crate) fn npy(limits: &Limits) -> Self {
        let header = u64::try_from(limits.max_header_bytes).unwrap_or(u64::MAX);
        let allowance = NPY_PRELUDE.saturating_add(header);
        BodyLimit {
            max: limits.max_bytes.saturating_add(allowance),
            kind: LimitKind::Bytes,
            limit: limits.max_bytes,
            allowance,
        }
    }

    /// The error for a body of `len` bytes or more, `len` over the bound: the limit's kind
    /// and value, and as the request the least that such a body asks of that limit.
    fn error(&self, len: u64) -> Error {
        Error::from(ErrorKind::LimitExceeded {
            kind: self.kind,
            limit: self.limit,
            requested: len.saturating_sub(self.allowance),
        })
    }

    /// Refuses a request whose declared length (`Content-Length`, or the body's own exact
    /// size) is over the bound, before its body is read.
    pub(crate) fn check_declared(&self, headers: &HeaderMap, body: &Body) -> Result<(), Problem> {
        let from_header = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        let from_body = axum::body::HttpBody::size_hint(body).lower();
        let declared = from_header.unwrap_or(0).max(from_body);
        if declared > self.max {
            return Err(Problem::from(self.error(declared)));
        }
        Ok(())
    }
}

/// The request body as a blocking reader: the frames the pump sends, in order, then the end.
pub(crate) struct BodyReader {
    frames: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for BodyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.current.is_empty() {
            match self.frames.blocking_recv() {
                Some(Ok(frame)) => self.current = frame,
                Some(Err(e)) => return Err(e),
                // The pump is done: the body ended (or the extractor was dropped).
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        let head = self.current.split_to(n);
        buf[..n].copy_from_slice(&head);
        Ok(n)
    }
}

/// How long the rest of a refused body is read before the answer is sent anyway.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// How long a refused body may pause while its rest is read: a client that stopped sending
/// gets the answer then.
const DRAIN_QUIET: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs `read` on the blocking pool over the body as a [`BodyReader`], with the body bounded
/// by `limit`, and returns what it returned. An I/O failure caused by the bound becomes the
/// bound's limit error (413); any other error of `read` is returned as it is.
///
/// The first frame is awaited before the blocking task starts, so a client that sends its
/// headers and then nothing holds no thread. After that, the task holds one thread of the
/// blocking pool until the reader returns: when the body ends, when the reader refuses it,
/// or when this future is dropped (a timeout, a client gone), which ends the body the
/// reader sees. A body refused before its end is then read to its end, within its bound, for
/// at most five seconds and while it keeps coming (pauses of at most 200 ms), without a
/// thread and without keeping it, so that a client still sending it gets the refusal rather
/// than a reset.
pub(crate) async fn read_body<T, F>(body: Body, limit: BodyLimit, read: F) -> Result<T, Problem>
where
    T: Send + 'static,
    F: FnOnce(&mut BodyReader) -> Result<T, Problem> + Send + 'static,
{
    let mut pump = Pump::new(body, limit);
    let (sender, frames) = mpsc::channel(FRAMES_IN_FLIGHT);
    let first = pump.next().await;
    let more = matches!(first, Some(Ok(_)));
    if let Some(first) = first {
        // The channel is new and has room for several frames.
        let _ = sender.try_send(first);
    }
    let mut task = tokio::task::spawn_blocking(move || {
        read(&mut BodyReader {
            frames,
            current: Bytes::new(),
        })
    });
    let joined = if more {
        let mut pumping = pin!(pump.run(sender));
        let mut running = true;
        loop {
            tokio::select! {
                joined = &mut task => break joined,
                () = &mut pumping, if running => running = false,
            }
        }
    } else {
        // The body ended (or failed) with its first frame: the reader has all there is.
        drop(sender);
        task.await
    };
    let outcome = match joined {
        // A refusal before the body's end: read the rest (kept nowhere, within the body's
        // bound, for at most DRAIN_TIME) so that a client still sending it gets the answer
        // instead of a connection reset. A body cut at its bound is not read further.
        Ok(Err(problem)) if more && pump.stopped().is_none() => {
            let drain = async {
                while let Ok(Some(Ok(_))) = tokio::time::timeout(DRAIN_QUIET, pump.next()).await {}
            };
            let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
            Err(problem)
        }
        Ok(outcome) => outcome,
        Err(e) => {
            return Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server.internal",
                format!("the array reader did not finish: {e}"),
            ))
        }
    };
    match (outcome, pump.stopped()) {
        // The reader saw the error the pump sent in place of the frame over a bound.
        (Err(problem), Some(stopped)) if problem.code() == "io" => Err(stopped),
        (Err(problem), _) => Err(problem),
        // A reader accepts only a body that ended, which this one did not; refuse it anyway
        // rather than trust a reader that stopped early.
        (Ok(_), Some(stopped)) => Err(stopped),
        (Ok(value), None) => Ok(value),
    }
}

/// The body's data frames, counted against the bound.
struct Pump {
    body: Body,
    limit: BodyLimit,
    count: u64,
    /// Why the body was cut, once it was.
    cut: Option<Cut>,
}

/// Why a body was cut short of its end.
#[derive(Clone, Copy, Debug)]
enum Cut {
    /// Its count passed the bound, at this many bytes.
    Over(u64),
    /// A body limit in front of the extractor (tower-http's `RequestBodyLimitLayer`, or
    /// `http_body_util::Limited`) refused the rest.
    ServiceLimit,
}

impl Pump {
    fn new(body: Body, limit: BodyLimit) -> Self {
        Pump {
            body,
            limit,
            count: 0,
            cut: None,
        }
    }

    /// The problem to answer instead of the reader's I/O error, when the body was cut.
    fn stopped(&self) -> Option<Problem> {
        match self.cut? {
            Cut::Over(len) => Some(Problem::from(self.limit.error(len))),
            Cut::ServiceLimit => Some(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "http.body_too_large",
                "the request body is larger than the service's body limit",
            )),
        }
    }

    /// The next data frame; `None` at the end of the body; an error when the body fails or
    /// its count passes the bound (and then `None` for ever).
    async fn next(&mut self) -> Option<io::Result<Bytes>> {
        if self.cut.is_some() {
            return None;
        }
        loop {
            let data = match self.body.frame().await? {
                Ok(frame) => match frame.into_data() {
                    Ok(data) => data,
                    // Trailers carry no bytes of the array.
                    Err(_) => continue,
                },
                Err(e) => {
                    if is_length_limit(&e) {
                        self.cut = Some(Cut::ServiceLimit);
                    }
                    return Some(Err(io::Error::other(e)));
                }
            };
            self.count = self
                .count
                .saturating_add(u64::try_from(data.len()).unwrap_or(u64::MAX));
            if self.count > self.limit.max {
                self.cut = Some(Cut::Over(self.count));
                let over = "the request body is larger than the endpoint accepts";
                return Some(Err(io::Error::other(over)));
            }
            return Some(Ok(data));
        }
    }

    /// Sends the frames to the reader until the body ends or fails, or the reader is gone.
    async fn run(&mut self, frames: mpsc::Sender<io::Result<Bytes>>) {
        while let Some(item) = self.next().await {
            let failed = item.is_err();
            if frames.send(item).await.is_err() || failed {
                return;
            }
        }
    }
}

/// Whether a body error is a length limit's ([`http_body_util::LengthLimitError`]), somewhere
/// in its chain of sources.
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(error) = source {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_per_format() {
        let mut limits = Limits::default();
        limits.max_bytes = 1000;
        limits.max_header_bytes = 200;
        limits.max_input_bytes = 300;
        limits.max_archive_bytes = 5000;
        let npy = BodyLimit::npy(&limits);
        assert_eq!((npy.max, npy.allowance), (1212, 212));
        assert_eq!(npy.error(1300).code(), "limit.bytes");
        assert_eq!(
            npy.error(1300).to_string(),
            "limit exceeded: max_bytes is 1000, input needs 1088"
        );
        assert_eq!(BodyLimit::raw(&limits).max, 1000);
        assert_eq!(BodyLimit::json(&limits).max, 300);
        assert_eq!(
            BodyLimit::json(&limits).error(301).code(),
            "limit.input_bytes"
        );
        let infer = BodyLimit::infer(&limits, Some(250));
        assert_eq!(
            (infer.max, infer.error(6000).code()),
            (5250, "limit.archive_bytes")
        );
        // Unlimited limits do not wrap around.
        assert_eq!(BodyLimit::npy(&Limits::unlimited()).max, u64::MAX);
    }

    #[test]
    fn declared_lengths() {
        let mut limits = Limits::default();
        limits.max_input_bytes = 10;
        let bound = BodyLimit::json(&limits);
        let mut headers = HeaderMap::new();
        assert!(bound.check_declared(&headers, &Body::empty()).is_ok());
        // The body's own exact size counts when there is no header.
        let problem = bound
            .check_declared(&headers, &Body::from(vec![b' '; 11]))
            .unwrap_err();
        assert_eq!(problem.code(), "limit.input_bytes");
        headers.insert(header::CONTENT_LENGTH, 10.into());
        assert!(bound.check_declared(&headers, &Body::empty()).is_ok());
        headers.insert(header::CONTENT_LENGTH, 11.into());
        assert!(bound.check_declared(&headers, &Body::empty()).is_err());
    }

    /// The reader returns the frames' bytes in order, whatever the sizes asked for, across
    /// frame boundaries and empty frames, then the end.
    #[test]
    fn reader_concatenates_frames() {
        let (sender, frames) = mpsc::channel(8);
        for frame in [&b"ab"[..], b"", b"cdefg", b"h"] {
            sender
                .try_send(Ok(Bytes::from_static(frame)))
                .expect("room in the channel");
        }
        drop(sender);
        let mut reader = BodyReader {
            frames,
            current: Bytes::new(),
        };
        let mut out = Vec::new();
        let mut buf = [0u8; 3];
        loop {
            let n = reader.read(&mut buf).expect("no error");
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"abcdefgh");
        assert_eq!(reader.read(&mut []).expect("no error"), 0);
    }
}
