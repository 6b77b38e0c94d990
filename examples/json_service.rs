//! A service at a trust boundary: request bodies are JSON from anyone, and the arrays inside
//! them are validated while serde_json reads them, each field with its own spec and limits.
//!
//! Two ways to put a validated array in a request struct are shown:
//!
//! - `#[serde(deserialize_with = "features")]`: a function that runs
//!   [`json::ReadOptions::seed`](arrayguard::json::ReadOptions::seed) with the field's spec and limits;
//! - a wrapper type (`Labels`) whose `Deserialize` does the same with a spec from a static.
//!
//! A third endpoint takes a bare JSON array body or an envelope, read by arrayguard's own
//! text reader, which reports line and column as well as the index path.
//!
//! Run with `cargo run --example json_service`.

use std::sync::LazyLock;

use arrayguard::json::{self, ReadOptions};
use arrayguard::{Array, ArraySpec, DType, Dim, Limits};
use base64::Engine as _;
use serde::de::{DeserializeSeed, Deserializer};
use serde::Deserialize;

/// Feature vectors: a batch of 1 to 64 rows of exactly 4 `f32`.
static FEATURES: LazyLock<ArraySpec> = LazyLock::new(|| {
    ArraySpec::new(DType::F32).with_shape([Dim::Range { min: 1, max: 64 }, Dim::Exact(4)])
});

/// The limits of the `features` field: small, since a request holds at most 64 × 4 values.
fn feature_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_elements = 256;
    limits.max_depth = 3;
    limits
}

fn features<'de, D: Deserializer<'de>>(d: D) -> Result<Array<f32>, D::Error> {
    json::ReadOptions::new()
        .limits(feature_limits())
        .seed::<f32>(&FEATURES)
        .deserialize(d)
}

/// Class labels: one `u8` per row, validated by the field's own type.
#[derive(Debug)]
struct Labels(Array<u8>);

static LABELS: LazyLock<ArraySpec> =
    LazyLock::new(|| ArraySpec::new(DType::U8).with_shape([Dim::Range { min: 1, max: 64 }]));

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut limits = Limits::default();
        limits.max_depth = 1;
        json::ReadOptions::new()
            .limits(limits)
            .seed::<u8>(&LABELS)
            .deserialize(d)
            .map(Labels)
    }
}

/// What a client sends to `/train`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainRequest {
    model: String,
    #[serde(deserialize_with = "features")]
    features: Array<f32>,
    labels: Labels,
}

/// The `/train` handler: everything it receives is already valid; only the relation between
/// the two arrays is left to check.
fn train(body: &str) -> Result<String, String> {
    let request: TrainRequest = serde_json::from_str(body).map_err(|e| e.to_string())?;
    let rows = request.features.shape().dims()[0];
    if request.labels.0.len() != rows {
        return Err(format!(
            "{rows} feature rows but {} labels",
            request.labels.0.len()
        ));
    }
    let mean = request.features.as_slice().iter().sum::<f32>() / request.features.len() as f32;
    Ok(format!(
        "model {:?}: {rows} rows, mean feature {mean:.3}, labels {:?}",
        request.model,
        request.labels.0.as_slice()
    ))
}

/// The `/score` handler: the body is a bare JSON array of feature rows, or an envelope with
/// base64 data; read by arrayguard's text reader, with the body's size limited too.
fn score(body: &[u8]) -> Result<String, String> {
    let mut limits = feature_limits();
    limits.max_input_bytes = 64 * 1024;
    let options = ReadOptions::new().limits(limits).form(json::Form::Detect);
    let array = options.read_slice::<f32>(body, &FEATURES);
    let array = array.map_err(|e| format!("[{}] {e}", e.code()))?;
    let scores: Vec<f32> = array
        .as_slice()
        .chunks(4)
        .map(|row| row.iter().sum())
        .collect();
    Ok(format!("scores {scores:?}"))
}

fn main() {
    let train_bodies = [
        (
            "good",
            r#"{"model": "m1", "features": [[0.5, 1, 2, 3], [4, 5, 6, 7.25]], "labels": [1, 0]}"#
                .to_owned(),
        ),
        (
            "ragged row",
            r#"{"model": "m1", "features": [[0.5, 1, 2, 3], [4, 5, 6]], "labels": [1, 0]}"#
                .to_owned(),
        ),
        (
            "five columns (stops at the fifth)",
            r#"{"model": "m1", "features": [[0.5, 1, 2, 3, 4], [1, 2, 3, 4]], "labels": [1]}"#
                .to_owned(),
        ),
        (
            "65 rows (stops at the 65th)",
            format!(
                r#"{{"model": "m1", "features": [{}], "labels": [1]}}"#,
                vec!["[1, 2, 3, 4]"; 65].join(", ")
            ),
        ),
        (
            "a million values (stops at the 65th row)",
            format!(
                r#"{{"model": "m1", "features": [{}], "labels": [1]}}"#,
                vec!["[1, 2, 3, 4]"; 250_000].join(",")
            ),
        ),
        (
            "boolean feature",
            r#"{"model": "m1", "features": [[true, 1, 2, 3]], "labels": [1]}"#.to_owned(),
        ),
        (
            "label out of range",
            r#"{"model": "m1", "features": [[0, 1, 2, 3]], "labels": [300]}"#.to_owned(),
        ),
        (
            "fractional label",
            r#"{"model": "m1", "features": [[0, 1, 2, 3]], "labels": [1.5]}"#.to_owned(),
        ),
        (
            "deep nesting (stops at the third `[`)",
            format!(
                r#"{{"model": "m1", "features": {}1{}, "labels": [1]}}"#,
                "[".repeat(100),
                "]".repeat(100)
            ),
        ),
        (
            "string for an array",
            r#"{"model": "m1", "features": "[[0, 1, 2, 3]]", "labels": [1]}"#.to_owned(),
        ),
        (
            "labels do not match rows",
            r#"{"model": "m1", "features": [[0, 1, 2, 3], [4, 5, 6, 7]], "labels": [1]}"#
                .to_owned(),
        ),
    ];
    println!("POST /train");
    for (what, body) in &train_bodies {
        match train(body) {
            Ok(reply) => println!("  ok    {what}: {reply}"),
            Err(e) => println!("  error {what}: {e}"),
        }
    }

    let good = ReadOptions::new()
        .read_str::<f32>("[[1, 2, 3, 4]]", &FEATURES)
        .expect("valid");
    let mut envelope_data = Vec::new();
    for v in good.as_slice() {
        envelope_data.extend_from_slice(&v.to_le_bytes());
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(&envelope_data);
    let score_bodies: Vec<(&str, Vec<u8>)> = vec![
        ("good", b"[[1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5]]".to_vec()),
        (
            "good envelope",
            format!(r#"{{"dtype": "<f4", "shape": [1, 4], "data": "{b64}"}}"#).into_bytes(),
        ),
        (
            "envelope claiming 16 GB",
            br#"{"dtype": "<f4", "shape": [1073741824, 4], "data": "AAAA"}"#.to_vec(),
        ),
        (
            "envelope of the wrong dtype",
            format!(r#"{{"dtype": "<f8", "shape": [1, 4], "data": "{b64}"}}"#).into_bytes(),
        ),
        ("NaN token", b"[[1, 2, 3, NaN]]".to_vec()),
        (
            "ragged, over several lines",
            b"[\n  [1, 2, 3, 4],\n  [5, 6, 7]\n]".to_vec(),
        ),
        (
            "number too long",
            format!("[[1, 2, 3, 0.{}]]", "1".repeat(5000)).into_bytes(),
        ),
        ("trailing garbage", b"[[1, 2, 3, 4]] []".to_vec()),
        ("body over 64 KiB", vec![b' '; 100_000]),
        ("not UTF-8", b"[[1, 2, 3, \xff]]".to_vec()),
    ];
    println!("POST /score");
    for (what, body) in &score_bodies {
        match score(body) {
            Ok(reply) => println!("  ok    {what}: {reply}"),
            Err(e) => println!("  error {what}: {e}"),
        }
    }

    // The same text, read without a spec, by the free function with default limits.
    let any = json::from_str::<f64>("[[1, 2], [3, 4]]", &ArraySpec::any()).expect("valid");
    println!(
        "json::from_str with ArraySpec::any(): shape {}",
        any.shape()
    );
}
