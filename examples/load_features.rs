//! Loads a feature matrix and its labels at a trust boundary: each file must match a spec and
//! stay within limits, or it is refused with a precise error before anything is allocated.
//!
//! Run: `cargo run --example load_features -- examples/data/features.npy examples/data/labels.npy`

use arrayguard::{npy, ArraySpec, DType, Dim, Limits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let features_path = args
        .next()
        .unwrap_or_else(|| "examples/data/features.npy".into());
    let labels_path = args
        .next()
        .unwrap_or_else(|| "examples/data/labels.npy".into());

    // What this service accepts: float32 rows of 16 features, at most 1 MiB per file.
    let features_spec =
        ArraySpec::new(DType::F32).with_shape([Dim::Range { min: 1, max: 4096 }, Dim::Exact(16)]);
    let labels_spec = ArraySpec::new(DType::I64).with_shape([Dim::Range { min: 1, max: 4096 }]);
    let mut limits = Limits::default();
    limits.max_bytes = 1 << 20;

    let options = npy::ReadOptions::new().limits(limits);
    let features = options.read_path::<f32>(&features_path, &features_spec)?;
    let labels = options.read_path::<i64>(&labels_path, &labels_spec)?;
    let rows = features.shape().dims()[0];
    if labels.len() != rows {
        return Err(format!("{rows} feature rows but {} labels", labels.len()).into());
    }
    let first_row: Vec<f32> = (0..16)
        .filter_map(|j| features.get(&[0, j]).copied())
        .collect();
    println!(
        "{rows} rows of 16 features; first row {first_row:?}, label {:?}",
        labels.as_slice().first()
    );
    Ok(())
}
