//! JSON arrays of 10^6 `f64`, flat and 1000 × 1000 nested, read by arrayguard (text reader on
//! every thread and on one, and the serde seed driven by serde_json) side by side with
//! serde_json into `Vec<f64>` and `Vec<Vec<f64>>`, in one run.
//!
//! The values are random doubles over twelve orders of magnitude, printed with ryu (as
//! serde_json and our writer print them), about 20 bytes each. serde_json is built with
//! `float_roundtrip` here (the tests need it to be correctly rounded), which is the fair
//! comparison for exact parsing; its default float parser is faster and not always correct.
//!
//! `cargo bench --bench json -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;

use arrayguard::json;
use arrayguard::ArraySpec;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde::de::DeserializeSeed;

#[path = "../tests/common/support/rng.rs"]
mod rng;
use rng::SplitMix;

const ROWS: usize = 1000;
const COLS: usize = 1000;

/// A double in (-1, 1) times 10^k for k in -6..6.
fn value(rng: &mut SplitMix) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
    let k = (rng.next_u64() % 12) as i32 - 6;
    unit * 10f64.powi(k)
}

/// The same values on every run (the tests' deterministic generator).
fn values() -> Vec<f64> {
    let mut rng = SplitMix(20_240_611);
    (0..ROWS * COLS).map(|_| value(&mut rng)).collect()
}

fn flat_text(values: &[f64]) -> String {
    let mut text = String::with_capacity(values.len() * 24);
    let mut buf = ryu::Buffer::new();
    text.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(buf.format_finite(*v));
    }
    text.push(']');
    text
}

fn nested_text(values: &[f64]) -> String {
    let mut text = String::with_capacity(values.len() * 24);
    text.push('[');
    for (r, row) in values.chunks(COLS).enumerate() {
        if r > 0 {
            text.push(',');
        }
        text.push_str(&flat_text(row));
    }
    text.push(']');
    text
}

fn bench(c: &mut Criterion) {
    let values = values();
    let spec = ArraySpec::any();
    for (name, text, nested) in [
        ("json_f64_1e6_flat", flat_text(&values), false),
        ("json_f64_1e6_nested", nested_text(&values), true),
    ] {
        // Both readers must agree with the values before they are timed.
        let ours = json::from_str::<f64>(&text, &spec).expect("valid text");
        assert_eq!(ours.as_slice(), &values[..]);

        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.sample_size(20);
        // The anchor: a copy of the text's bytes into a buffer that is already mapped.
        let mut warm = text.as_bytes().to_vec();
        group.bench_function("memcpy", |b| {
            b.iter(|| warm.copy_from_slice(black_box(text.as_bytes())))
        });
        group.bench_function("arrayguard/json::from_str", |b| {
            b.iter(|| json::from_str::<f64>(black_box(&text), &spec).expect("valid"))
        });
        // The same read on the caller's thread only, so that the parallel gain shows in one
        // run.
        let one = json::ReadOptions::new().threads(1);
        group.bench_function("arrayguard/json::from_str (1 thread)", |b| {
            b.iter(|| one.read_str::<f64>(black_box(&text), &spec).expect("valid"))
        });
        let options = json::ReadOptions::new();
        group.bench_function("arrayguard/ArraySeed_via_serde_json", |b| {
            b.iter(|| {
                let mut de = serde_json::Deserializer::from_str(black_box(&text));
                options
                    .seed::<f64>(&spec)
                    .deserialize(&mut de)
                    .expect("valid")
            })
        });
        if nested {
            group.bench_function("serde_json/Vec<Vec<f64>>", |b| {
                b.iter(|| serde_json::from_str::<Vec<Vec<f64>>>(black_box(&text)).expect("valid"))
            });
        } else {
            group.bench_function("serde_json/Vec<f64>", |b| {
                b.iter(|| serde_json::from_str::<Vec<f64>>(black_box(&text)).expect("valid"))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
