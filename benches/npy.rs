//! `.npy` reading side by side with the crates users would otherwise pick, and with a memcpy
//! of the same byte count as the anchor: report ratios measured in the same run.
//!
//! `cargo bench --bench npy`; `benches/compare.sh` adds numpy.load and prints one table.

use std::fs::File;
use std::hint::black_box;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::Duration;

use arrayguard::raw::{self, Layout};
use arrayguard::{npy, npz, Array, ArraySpec, ByteOrder, DType, DynArray, Limits, Order, Shape};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray_npy::ReadNpyExt;

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    path: PathBuf,
    /// The payload alone, as a raw buffer file.
    raw_path: PathBuf,
    layout: Layout,
    payload: usize,
}

fn case(name: &'static str, dims: &[usize], order: Order, byte_order: ByteOrder) -> Case {
    let shape = Shape::new(dims.to_vec()).expect("small shape");
    let data: Vec<f64> = (0..shape.len()).map(|i| (i as f64).sin() * 1e3).collect();
    let array = Array::from_vec(shape, order, data).expect("length matches");
    let mut bytes = Vec::new();
    npy::write_with_byte_order(&mut bytes, &array.view(), byte_order).expect("write to a Vec");
    let path = std::env::temp_dir().join(format!("arrayguard-bench-{name}.npy"));
    std::fs::write(&path, &bytes).expect("temp dir is writable");
    let payload = array.len() * 8;
    let raw_path = std::env::temp_dir().join(format!("arrayguard-bench-{name}.raw"));
    std::fs::write(&raw_path, &bytes[bytes.len() - payload..]).expect("temp dir is writable");
    let layout = Layout::new(DType::F64, byte_order)
        .with_shape(dims.to_vec())
        .expect("small shape")
        .with_order(order);
    Case {
        name,
        bytes,
        path,
        raw_path,
        layout,
        payload,
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_bytes = 1 << 30;
    limits
}

fn read_group(c: &mut Criterion, case: &Case) {
    let spec = ArraySpec::new(DType::F64);
    let limits = limits();
    let mut group = c.benchmark_group(case.name);
    group.throughput(Throughput::Bytes(case.payload as u64));
    if case.payload > 1 << 20 {
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(6));
    }
    let payload = &case.bytes[case.bytes.len() - case.payload..];
    // The anchor: a memcpy of the payload into a buffer that is already mapped, i.e. the cost
    // of moving the bytes alone. A copy into a fresh `Vec` adds the page faults of a new
    // allocation, which decide the speed of every owned read of a large array.
    let mut warm = payload.to_vec();
    group.bench_function("memcpy", |b| {
        b.iter(|| warm.copy_from_slice(black_box(payload)))
    });
    group.bench_function("memcpy_into_fresh_vec", |b| {
        b.iter(|| black_box(payload.to_vec()))
    });
    // The floor of any read of the file into a new buffer through `read(2)`: open, `statx`,
    // one allocation of the file's size and the kernel's copy (no parsing, no checks).
    group.bench_function("std::fs::read (floor)", |b| {
        b.iter(|| std::fs::read(&case.path).unwrap())
    });
    let options = npy::ReadOptions::new().limits(limits.clone());
    group.bench_function("arrayguard/slice", |b| {
        b.iter(|| {
            options
                .read_slice::<f64>(black_box(&case.bytes), &spec)
                .unwrap()
                .into_owned()
        })
    });
    group.bench_function("arrayguard/path", |b| {
        b.iter(|| options.read_path::<f64>(&case.path, &spec).unwrap())
    });
    // The same reads on the caller's thread only, so that the parallel gain shows in one run.
    let one = npy::ReadOptions::new().limits(limits.clone()).threads(1);
    group.bench_function("arrayguard/slice (1 thread)", |b| {
        b.iter(|| {
            one.read_slice::<f64>(black_box(&case.bytes), &spec)
                .unwrap()
                .into_owned()
        })
    });
    group.bench_function("arrayguard/path (1 thread)", |b| {
        b.iter(|| one.read_path::<f64>(&case.path, &spec).unwrap())
    });
    let to_c = npy::ReadOptions::new().limits(limits.clone()).c_order(true);
    group.bench_function("arrayguard/path+c_order", |b| {
        b.iter(|| to_c.read_path::<f64>(&case.path, &spec).unwrap())
    });
    let to_c_one = to_c.clone().threads(1);
    group.bench_function("arrayguard/path+c_order (1 thread)", |b| {
        b.iter(|| to_c_one.read_path::<f64>(&case.path, &spec).unwrap())
    });
    group.bench_function("arrayguard/slice+c_order", |b| {
        b.iter(|| {
            to_c.read_slice::<f64>(black_box(&case.bytes), &spec)
                .unwrap()
                .into_owned()
        })
    });
    let raw_options = raw::ReadOptions::new().limits(limits.clone());
    group.bench_function("arrayguard/raw_slice", |b| {
        b.iter(|| {
            raw_options
                .read_slice::<f64>(black_box(payload), &case.layout, &spec)
                .unwrap()
                .into_owned()
        })
    });
    group.bench_function("arrayguard/raw_path", |b| {
        b.iter(|| {
            raw_options
                .read_path::<f64>(&case.raw_path, &case.layout, &spec)
                .unwrap()
        })
    });
    group.bench_function("arrayguard/path+into_c_order", |b| {
        b.iter(|| {
            options
                .read_path::<f64>(&case.path, &spec)
                .unwrap()
                .into_c_order()
        })
    });
    group.bench_function("ndarray-npy/slice", |b| {
        b.iter(|| ndarray::ArrayD::<f64>::read_npy(black_box(&case.bytes[..])).unwrap())
    });
    group.bench_function("ndarray-npy/path", |b| {
        b.iter(|| ndarray::ArrayD::<f64>::read_npy(File::open(&case.path).unwrap()).unwrap())
    });
    group.bench_function("npyz/slice", |b| {
        b.iter(|| {
            npyz::NpyFile::new(black_box(&case.bytes[..]))
                .unwrap()
                .into_vec::<f64>()
                .unwrap()
        })
    });
    group.bench_function("npyz/path", |b| {
        b.iter(|| {
            let file = BufReader::new(File::open(&case.path).unwrap());
            npyz::NpyFile::new(file).unwrap().into_vec::<f64>().unwrap()
        })
    });
    group.finish();
}

fn reads(c: &mut Criterion) {
    let cases = [
        case("f64_1e7_le_c", &[10_000_000], Order::C, ByteOrder::Little),
        case("f64_1e7_be_c", &[10_000_000], Order::C, ByteOrder::Big),
        case("f64_1e7_le_f", &[2_000, 5_000], Order::F, ByteOrder::Little),
        case("f64_1e5_le_c", &[100_000], Order::C, ByteOrder::Little),
    ];
    for case in &cases {
        read_group(c, case);
    }
    // Zero-copy: borrowing an aligned native-endian payload costs the same at any size.
    let mut group = c.benchmark_group("zero_copy_view");
    let spec = ArraySpec::new(DType::F64);
    let options = npy::ReadOptions::new().limits(limits());
    for case in [&cases[3], &cases[0]] {
        group.bench_with_input(
            BenchmarkId::from_parameter(case.name),
            &case.bytes,
            |b, bytes| {
                b.iter(|| {
                    let view = options.read_slice::<f64>(black_box(bytes), &spec).unwrap();
                    assert!(view.is_borrowed());
                    view.len()
                })
            },
        );
    }
    group.finish();
    for case in &cases {
        let _ = std::fs::remove_file(&case.path);
        let _ = std::fs::remove_file(&case.raw_path);
    }
}

/// `.npz` members, stored (80 MB) and deflated (8 MB), read by name from a path; numpy's
/// anchor is `numpy.load(path)["x"]` on the archive `numpy.savez` writes for the same values.
fn npz_reads(c: &mut Criterion) {
    let spec = ArraySpec::new(DType::F64);
    let mut limits = limits();
    limits.max_archive_bytes = 1 << 31;
    let options = npz::ReadOptions::new().limits(limits);
    for (name, len, compression) in [
        ("npz_f64_1e7_stored", 10_000_000, npz::Compression::Stored),
        (
            "npz_f64_1e6_deflated",
            1_000_000,
            npz::Compression::Deflated,
        ),
    ] {
        let data: Vec<f64> = (0..len).map(|i| (i as f64).sin() * 1e3).collect();
        let payload: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let array = Array::from_vec(Shape::vector(len).expect("small"), Order::C, data)
            .expect("length matches");
        let path = std::env::temp_dir().join(format!("arrayguard-bench-{name}.npz"));
        let file = File::create(&path).expect("temp dir is writable");
        let mut writer = npz::Writer::new(file, compression);
        writer.add("x", &DynArray::from(array)).expect("write");
        writer.finish().expect("finish");

        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group
            .sample_size(20)
            .measurement_time(Duration::from_secs(6));
        let mut warm = payload.clone();
        group.bench_function("memcpy", |b| {
            b.iter(|| warm.copy_from_slice(black_box(&payload)))
        });
        group.bench_function("arrayguard/npz read", |b| {
            b.iter(|| {
                options
                    .open_path(&path)
                    .unwrap()
                    .read::<f64>("x", &spec)
                    .unwrap()
            })
        });
        group.bench_function("arrayguard/npz check", |b| {
            b.iter(|| options.open_path(&path).unwrap().check("x", &spec).unwrap())
        });
        group.finish();
        let _ = std::fs::remove_file(&path);
    }
}

/// A 128-byte file declaring 2^60 elements: refused from the header, nothing allocated.
fn hostile(c: &mut Criterion) {
    let mut header =
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (1152921504606846976,), }".to_vec();
    header.resize(117, b' ');
    header.push(b'\n');
    let mut file = b"\x93NUMPY\x01\x00\x76\x00".to_vec();
    file.extend_from_slice(&header);
    let spec = ArraySpec::any();
    c.bench_function("hostile_2^60_elements", |b| {
        b.iter(|| {
            npy::ReadOptions::new()
                .read_slice::<DynArray>(black_box(&file), &spec)
                .unwrap_err()
        })
    });
}

criterion_group!(benches, reads, npz_reads, hostile);
criterion_main!(benches);
