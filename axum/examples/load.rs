//! A small load generator for the gateway example (`benches/gateway_load.sh` runs both on
//! loopback): several connections post a deterministic mix of valid and hostile requests for a
//! bounded time, every response's status is checked against the one its request must get, and
//! the latency of each class is reported.
//!
//! ```text
//! cargo run --release -p arrayguard-axum --example load -- \
//!     --url http://127.0.0.1:8000/v2/models/adder/infer --bodies DIR \
//!     [--connections 8] [--seconds 10] [--hostile-every 4]
//! ```
//!
//! `DIR` holds the bodies and manifests written by `benches/gateway/bodies.py`: `valid.txt`,
//! `hostile.txt` and `oversize.txt`, one request per line (`NAME STATUS HEADER_LENGTH`). Each
//! connection sends valid requests in turn and, with `--hostile-every N`, a hostile one in
//! place of every N-th (in turn too); requests over the gateway's size bound go on a
//! connection of their own each, since the server may close it after refusing one unread.
//! Only loopback addresses are accepted. The report is one line of JSON; the exit status is 1
//! when a response had another status than expected or a request other than an oversize one
//! got no answer (an oversize one may be refused by closing the connection unread).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

#[derive(Debug, Parser)]
#[command(
    about = "Posts a bounded mix of valid and hostile inference requests to a gateway on loopback"
)]
struct Args {
    /// The infer endpoint, on a loopback address.
    #[arg(long)]
    url: String,
    /// The directory of bodies and manifests (benches/gateway/bodies.py).
    #[arg(long)]
    bodies: PathBuf,
    /// Connections sending at once.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// How long to send, in seconds (at most 120).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// A hostile request in place of every N-th valid one (0: valid requests only). Every
    /// N-th of those, per connection, is one over the size bound, on a fresh connection.
    #[arg(long, default_value_t = 0)]
    hostile_every: usize,
}

/// One request of a manifest.
#[derive(Clone, Debug)]
struct Planned {
    name: String,
    status: u16,
    header_length: Option<String>,
    body: Bytes,
}

/// What one connection saw.
#[derive(Default)]
struct Seen {
    /// Latencies in microseconds, by class (`valid`, `hostile`, `oversize`).
    latencies: BTreeMap<&'static str, Vec<u64>>,
    /// Requests answered with another status than expected: `name=status`.
    wrong: Vec<String>,
    /// Requests that got no answer (the connection failed or was closed first), by class.
    unanswered: BTreeMap<&'static str, usize>,
}

fn manifest(dir: &Path, kind: &str) -> Result<Vec<Planned>, String> {
    let path = dir.join(format!("{kind}.txt"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            let [name, status, header_length] = parts[..] else {
                return Err(format!("{}: bad line {line:?}", path.display()));
            };
            let body = std::fs::read(dir.join(format!("{name}.body")))
                .map_err(|e| format!("{name}.body: {e}"))?;
            Ok(Planned {
                name: name.to_owned(),
                status: status
                    .parse()
                    .map_err(|_| format!("bad status in {line:?}"))?,
                header_length: (header_length != "-").then(|| header_length.to_owned()),
                body: Bytes::from(body),
            })
        })
        .collect()
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Option<Sender> {
    let stream = TcpStream::connect(addr).await.ok()?;
    stream.set_nodelay(true).ok()?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    Some(sender)
}

/// Sends one request; `None` when the connection failed before an answer.
async fn send(sender: &mut Sender, host: &str, path: &str, planned: &Planned) -> Option<u16> {
    let mut request = Request::post(path).header("host", host);
    request = match &planned.header_length {
        Some(n) => request
            .header("content-type", "application/octet-stream")
            .header("inference-header-content-length", n.as_str()),
        None => request.header("content-type", "application/json"),
    };
    let request = request.body(Full::new(planned.body.clone())).ok()?;
    sender.ready().await.ok()?;
    let response = sender.send_request(request).await.ok()?;
    let status = response.status().as_u16();
    response.into_body().collect().await.ok()?;
    Some(status)
}

async fn connection(
    addr: SocketAddr,
    path: String,
    plan: (Vec<Planned>, Vec<Planned>, Vec<Planned>),
    hostile_every: usize,
    offset: usize,
    deadline: Instant,
) -> Seen {
    let (valid, hostile, oversize) = plan;
    let host = addr.to_string();
    let mut seen = Seen::default();
    let mut sender = connect(addr).await;
    let (mut v, mut h, mut o) = (offset, offset, 0usize);
    let mut sent = 0usize;
    while Instant::now() < deadline {
        sent += 1;
        let hostile_turn = hostile_every > 0 && sent.is_multiple_of(hostile_every);
        let oversize_turn = hostile_turn
            && !oversize.is_empty()
            && (sent / hostile_every).is_multiple_of(hostile_every);
        let (class, planned) = if oversize_turn {
            o += 1;
            ("oversize", &oversize[o % oversize.len()])
        } else if hostile_turn && !hostile.is_empty() {
            h += 1;
            ("hostile", &hostile[h % hostile.len()])
        } else {
            v += 1;
            ("valid", &valid[v % valid.len()])
        };
        let start = Instant::now();
        let status = if oversize_turn {
            match connect(addr).await {
                Some(mut own) => send(&mut own, &host, &path, planned).await,
                None => None,
            }
        } else {
            if sender.as_ref().is_none_or(|s| s.is_closed()) {
                sender = connect(addr).await;
            }
            match sender.as_mut() {
                Some(s) => send(s, &host, &path, planned).await,
                None => None,
            }
        };
        let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        match status {
            Some(status) => {
                seen.latencies.entry(class).or_default().push(micros);
                if status != planned.status {
                    seen.wrong.push(format!("{}={status}", planned.name));
                }
            }
            None => {
                *seen.unanswered.entry(class).or_default() += 1;
                sender = None;
            }
        }
    }
    seen
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let url: hyper::Uri = match args.url.parse() {
        Ok(url) => url,
        Err(e) => {
            eprintln!("load: --url: {e}");
            std::process::exit(2);
        }
    };
    let addr: Option<SocketAddr> = url
        .authority()
        .and_then(|a| a.as_str().parse().ok())
        .filter(|a: &SocketAddr| a.ip().is_loopback());
    let Some(addr) = addr else {
        eprintln!(
            "load: --url must name a loopback address and port, such as http://127.0.0.1:8000/..."
        );
        std::process::exit(2);
    };
    if args.seconds > 120 || args.connections == 0 || args.connections > 256 {
        eprintln!("load: at most 120 seconds and 1 to 256 connections");
        std::process::exit(2);
    }
    let plan = match (
        manifest(&args.bodies, "valid"),
        manifest(&args.bodies, "hostile"),
        manifest(&args.bodies, "oversize"),
    ) {
        (Ok(v), Ok(h), Ok(o)) if !v.is_empty() => (v, h, o),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            eprintln!("load: {e}");
            std::process::exit(2);
        }
        _ => {
            eprintln!("load: no valid request");
            std::process::exit(2);
        }
    };
    let path = url.path().to_owned();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = (0..args.connections)
        .map(|i| {
            tokio::spawn(connection(
                addr,
                path.clone(),
                plan.clone(),
                args.hostile_every,
                i,
                deadline,
            ))
        })
        .collect();
    let mut all = Seen::default();
    for task in tasks {
        let Ok(seen) = task.await else {
            *all.unanswered.entry("task").or_default() += 1;
            continue;
        };
        for (class, mut latencies) in seen.latencies {
            all.latencies
                .entry(class)
                .or_default()
                .append(&mut latencies);
        }
        all.wrong.extend(seen.wrong);
        for (class, n) in seen.unanswered {
            *all.unanswered.entry(class).or_default() += n;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut classes = serde_json::Map::new();
    for (class, latencies) in &mut all.latencies {
        latencies.sort_unstable();
        classes.insert(
            (*class).to_owned(),
            serde_json::json!({
                "requests": latencies.len(),
                "per_second": latencies.len() as f64 / elapsed,
                "p50_ms": percentile(latencies, 50.0),
                "p99_ms": percentile(latencies, 99.0),
                "max_ms": percentile(latencies, 100.0),
            }),
        );
    }
    all.wrong.sort();
    all.wrong.dedup();
    let report = serde_json::json!({
        "seconds": elapsed,
        "connections": args.connections,
        "hostile_every": args.hostile_every,
        "classes": classes,
        "wrong_status": all.wrong,
        "unanswered": all.unanswered,
    });
    println!("{report}");
    // A request over the size bound may be refused by closing the connection before its body
    // is read (the client then sees a reset instead of the 413): that is the refusal too. Any
    // other class must be answered.
    let lost = all.unanswered.iter().any(|(class, _)| *class != "oversize");
    if !all.wrong.is_empty() || lost {
        std::process::exit(1);
    }
}
