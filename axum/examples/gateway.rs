//! An inference gateway speaking the Open Inference Protocol (KServe v2 / Triton) over HTTP:
//! every request is validated against a spec file before a "model" sees it. The model here
//! answers each input's sum; a real gateway would forward the validated tensors.
//!
//! ```text
//! cargo run -p arrayguard-axum --example gateway -- \
//!     --addr 127.0.0.1:8000 --spec axum/examples/specs/adder.json [--model NAME]
//! ```
//!
//! The spec file is a bundle (`arrays`, one per input, named dimensions shared) or a single
//! array (then the input is named `input`), or the model's metadata document as a model server
//! publishes it (`{"name", "inputs": [{"name", "datatype", "shape"}]}`, `-1` any size); the
//! model is named `--model`, or as the metadata says, or after the spec file. `--max-request-bytes` (16 MiB) bounds each request, `--concurrency` (64) the
//! requests handled at once and `--timeout` (30 s) each request's time, so the memory held for
//! requests is at most about concurrency × twice the request bound (a body and its tensors).
//! Endpoints:
//!
//! | method and path | answer |
//! | --- | --- |
//! | `POST /v2/models/{name}/infer` | for each input `x`, an output `x_sum` (`FP64`, shape `[1]`), as JSON or binary data as the request asks |
//! | `GET /v2/models/{name}` | the model's metadata: inputs from the spec, the outputs |
//! | `GET /v2/models/{name}/ready`, `GET /v2/health/ready`, `GET /v2/health/live` | 200 |
//! | anything else, or another model's name | 404, a problem detail |
//!
//! Invalid requests are answered with RFC 9457 problem details (`application/problem+json`)
//! carrying arrayguard's error code, the input's name and the place of the error.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrayguard::oip::{self, ModelMetadata, TensorMetadata};
use arrayguard::{
    bf16, f16, Array, BundleSpec, DType, DynArray, Element, Limits, Order, Shape, SpecFile,
};
use arrayguard_axum::{InferConfig, InferRequest, InferResponse, Problem};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Router};
use clap::Parser;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(about = "An Open Inference Protocol gateway that validates requests against a spec")]
struct Args {
    /// The address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8000")]
    addr: SocketAddr,
    /// The spec file (JSON or TOML): a bundle of the model's inputs, or a single array; or the
    /// model's metadata document as its server publishes it (JSON).
    #[arg(long)]
    spec: PathBuf,
    /// The model's name. Defaults to the metadata's name, or the spec file's name without its
    /// extension.
    #[arg(long)]
    model: Option<String>,
    /// The largest request: the JSON header's bytes, each tensor's bytes and all tensors'
    /// together (the spec file's own `limits` win over this).
    #[arg(long, default_value_t = 16 << 20)]
    max_request_bytes: u64,
    /// Requests handled at once; more wait, their bodies unread, until one finishes. With
    /// `--max-request-bytes`, this bounds the memory the gateway holds for requests.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Seconds a request may take, its body's arrival included, before a 408.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
}

/// The limits of a gateway whose requests are at most `max` bytes.
pub fn request_limits(max: u64) -> Limits {
    let mut limits = Limits::default();
    limits.max_input_bytes = max;
    limits.max_archive_bytes = max;
    limits.max_bytes = max;
    limits
}

/// The model the gateway serves.
#[derive(Debug)]
pub struct Model {
    name: String,
    metadata: String,
}

/// The name of a single array's input, when the spec file holds one array.
pub const SINGLE_INPUT: &str = "input";

/// The model's name and bundle from a spec file, or from a model metadata document (what a
/// model server answers at `GET /v2/models/{name}`: `{"name", "inputs": [{"name", "datatype",
/// "shape"}]}`, `-1` for a dimension of any size). The name is `name`, else the metadata's, else
/// the file's stem.
pub fn load(path: &Path, name: Option<String>) -> Result<(String, BundleSpec), String> {
    let (bundle, published) = match SpecFile::from_path(path) {
        Ok(file) => (from_spec_file(path, &file)?, None),
        Err(spec_error) => {
            let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let metadata = ModelMetadata::from_json(&text).map_err(|metadata_error| {
                format!(
                    "{}: neither a spec file ({spec_error}) nor model metadata ({metadata_error})",
                    path.display()
                )
            })?;
            let bundle = metadata
                .bundle_spec()
                .map_err(|e| format!("{}: {e}", path.display()))?;
            (bundle, Some(metadata.name))
        }
    };
    let name = match name.or(published) {
        Some(name) => name,
        None => path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("model")
            .to_owned(),
    };
    Ok((name, bundle))
}

/// The bundle of a spec file: its bundle, or its single array as the input `input`.
fn from_spec_file(path: &Path, file: &SpecFile) -> Result<BundleSpec, String> {
    match (file.bundle(), file.array()) {
        (Some(bundle), _) => Ok(bundle.clone()),
        (None, Some(array)) => BundleSpec::new()
            .with_array(SINGLE_INPUT, array.clone())
            .build()
            .map_err(|e| format!("{}: {e}", path.display())),
        (None, None) => Err(format!("{}: the spec holds no array", path.display())),
    }
}

/// The gateway's routes for the model `name` whose inputs are `spec`, read with `limits`.
///
/// # Errors
///
/// A name that cannot be a path segment, or a spec that model metadata cannot describe
/// (an array allowing several dtypes, or a varying number of dimensions).
pub fn app(name: &str, spec: BundleSpec, limits: Limits) -> Result<Router, String> {
    let segment_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !segment_ok {
        return Err(format!(
            "model name {name:?}: expected letters, digits, `_`, `-` and `.`"
        ));
    }
    let mut metadata = ModelMetadata::from_bundle(name, &spec)
        .map_err(|e| format!("the spec cannot be described as model metadata: {e}"))?;
    metadata.platform = "arrayguard-gateway".to_owned();
    metadata.outputs = spec
        .names()
        .map(|input| TensorMetadata {
            name: format!("{input}_sum"),
            datatype: "FP64".to_owned(),
            shape: vec![1],
        })
        .collect();
    let model = Arc::new(Model {
        name: name.to_owned(),
        metadata: metadata.to_json(),
    });
    let config = InferConfig::new(spec).limits(limits);
    Ok(Router::new()
        .route("/v2/health/live", get(|| async { StatusCode::OK }))
        .route("/v2/health/ready", get(|| async { StatusCode::OK }))
        .route(&format!("/v2/models/{name}"), get(model_metadata))
        .route(
            &format!("/v2/models/{name}/ready"),
            get(|| async { StatusCode::OK }),
        )
        .route(
            &format!("/v2/models/{name}/infer"),
            post(infer).layer(Extension(config)),
        )
        .route("/v2/models/{other}", get(unknown_model))
        .route("/v2/models/{other}/ready", get(unknown_model))
        .route("/v2/models/{other}/infer", post(unknown_model))
        .fallback(not_found)
        .with_state(model))
}

async fn model_metadata(State(model): State<Arc<Model>>) -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        model.metadata.clone(),
    )
}

/// Answers each input's sum, as the request asks for it (JSON or binary, all outputs or the
/// ones it names).
async fn infer(
    State(model): State<Arc<Model>>,
    InferRequest(request): InferRequest,
) -> Result<InferResponse, Problem> {
    let sums: Vec<(String, f64)> = request
        .inputs()
        .iter()
        .map(|input| (format!("{}_sum", input.name()), sum(input.array())))
        .collect();
    for wanted in request.outputs() {
        if !sums.iter().any(|(name, _)| name == wanted.name()) {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "model.unknown_output",
                format!("model `{}` has no output `{}`", model.name, wanted.name()),
            ));
        }
    }
    let mut response = oip::Response::new(&model.name).id(request.id());
    for (name, total) in sums {
        let asked =
            request.outputs().is_empty() || request.outputs().iter().any(|o| o.name() == name);
        if asked {
            let array = Array::from_vec(Shape::vector(1)?, Order::C, vec![total])?;
            response = response.output_for(&request, &name, array.into());
        }
    }
    Ok(InferResponse(response))
}

/// The sum of an array's elements as `f64` (`true` counts 1).
fn sum(array: &DynArray) -> f64 {
    fn total<T: Element>(array: &DynArray, value: impl Fn(T) -> f64) -> f64 {
        array
            .as_typed::<T>()
            .map_or(0.0, |a| a.as_slice().iter().map(|&v| value(v)).sum())
    }
    match array.dtype() {
        DType::Bool => total(array, |v: bool| f64::from(u8::from(v))),
        DType::I8 => total::<i8>(array, f64::from),
        DType::I16 => total::<i16>(array, f64::from),
        DType::I32 => total::<i32>(array, f64::from),
        DType::I64 => total(array, |v: i64| v as f64),
        DType::U8 => total::<u8>(array, f64::from),
        DType::U16 => total::<u16>(array, f64::from),
        DType::U32 => total::<u32>(array, f64::from),
        DType::U64 => total(array, |v: u64| v as f64),
        DType::F16 => total(array, |v: f16| v.to_f64()),
        DType::BF16 => total(array, |v: bf16| v.to_f64()),
        DType::F32 => total::<f32>(array, f64::from),
        DType::F64 => total(array, |v: f64| v),
        // The protocol has no complex datatype, so no request holds one.
        _ => f64::NAN,
    }
}

async fn unknown_model(uri: Uri) -> Problem {
    let name = uri.path().split('/').nth(3).unwrap_or("");
    Problem::new(
        StatusCode::NOT_FOUND,
        "model.not_found",
        format!("no model named `{name}` is served here"),
    )
}

async fn not_found(uri: Uri) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "http.not_found",
        format!("no endpoint at `{}`", uri.path()),
    )
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let limits = request_limits(args.max_request_bytes);
    let app = load(&args.spec, args.model.clone())
        .and_then(|(name, spec)| Ok((app(&name, spec, limits)?, name)));
    let (app, name) = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("gateway: {e}");
            std::process::exit(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("gateway: cannot listen on {}: {e}", args.addr);
            std::process::exit(1);
        }
    };
    // A slow client holds a blocking thread while its body arrives (see the crate docs): the
    // timeout frees it, and the concurrency limit bounds how many bodies are read at once.
    let app = app.layer(
        tower::ServiceBuilder::new()
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                std::time::Duration::from_secs(args.timeout),
            ))
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                args.concurrency,
            )),
    );
    let addr = listener.local_addr().map_or(args.addr, |a| a);
    println!("serving model `{name}` on http://{addr}/v2/models/{name}");
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    if let Err(e) = served {
        eprintln!("gateway: {e}");
        std::process::exit(1);
    }
}
