//! Fortran-order payloads delivered in C order (`ReadOptions::c_order`): every entry point of
//! `.npy` and raw input gives, at every logical index, the element the Fortran-order array
//! holds there, for every dtype family, both byte orders, 1 to 4 axes, chunk-crossing sizes,
//! slabs too large to convert on the fly, and value constraints reported at the same indices.

use std::io::Write;

use arrayguard::raw::{self, Layout};
use arrayguard::{
    npy, Array, ArraySpec, ByteOrder, Complex, DType, DynArray, Element, Limits, Order, Shape,
};

mod common;

use common::ChunkReader;

#[global_allocator]
static ALLOC: common::alloc::CountingAlloc = common::alloc::CountingAlloc;

/// Elements made from their F-order position, distinct where the type allows.
trait Make: Element {
    fn make(i: usize) -> Self;
}

impl Make for f64 {
    fn make(i: usize) -> Self {
        i as f64 * 0.5 - 3.0
    }
}

impl Make for u16 {
    fn make(i: usize) -> Self {
        (i * 7) as u16
    }
}

impl Make for bool {
    fn make(i: usize) -> Self {
        i.is_multiple_of(3)
    }
}

impl Make for Complex<f64> {
    fn make(i: usize) -> Self {
        Complex::new(i as f64, -(i as f64))
    }
}

fn fortran<T: Make>(dims: &[usize]) -> Array<T> {
    let shape = Shape::new(dims.to_vec()).unwrap();
    let data = (0..shape.len()).map(T::make).collect();
    Array::from_vec(shape, Order::F, data).unwrap()
}

/// Every logical index of `dims`, in C order.
fn indices(dims: &[usize]) -> Vec<Vec<usize>> {
    let n: usize = dims.iter().product();
    let mut out = Vec::with_capacity(n);
    let mut index = vec![0usize; dims.len()];
    for _ in 0..n {
        out.push(index.clone());
        for axis in (0..dims.len()).rev() {
            index[axis] += 1;
            if index[axis] < dims[axis] {
                break;
            }
            index[axis] = 0;
        }
    }
    out
}

/// `c` is C order and holds `f`'s element at every logical index, in C-order sequence.
fn assert_same<T: Make>(f: &Array<T>, c_order: Order, c: &[T], what: &str) {
    assert_eq!(c_order, Order::C, "{what}");
    let dims = f.shape().dims();
    let expected: Vec<T> = indices(dims).iter().map(|i| *f.get(i).unwrap()).collect();
    assert_eq!(c, &expected[..], "{what} {dims:?}");
}

fn check_npy<T: Make>(dims: &[usize], byte_order: ByteOrder) {
    let f = fortran::<T>(dims);
    let mut bytes = Vec::new();
    npy::write_with_byte_order(&mut bytes, &f.view(), byte_order).unwrap();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&bytes).unwrap();
    let opts = npy::ReadOptions::new().c_order(true);
    let spec = ArraySpec::new(T::DTYPE);
    let what = format!("{:?} {dims:?} {byte_order:?}", T::DTYPE);

    let v = opts.read_slice::<T>(&bytes, &spec).unwrap();
    assert_same(&f, v.order(), v.as_slice(), &format!("slice {what}"));
    let d = opts.read_slice::<DynArray>(&bytes, &spec).unwrap();
    let a = d.as_typed::<T>().unwrap();
    assert_same(&f, a.order(), a.as_slice(), &format!("slice dyn {what}"));
    let a = opts
        .read_reader::<T, _>(ChunkReader::new(&bytes, vec![1, 4093, 65536]), &spec)
        .unwrap();
    assert_same(&f, a.order(), a.as_slice(), &format!("reader {what}"));
    let a = opts.read_path::<T>(file.path(), &spec).unwrap();
    assert_same(&f, a.order(), a.as_slice(), &format!("path {what}"));
    let d = opts.read_path::<DynArray>(file.path(), &spec).unwrap();
    let a = d.as_typed::<T>().unwrap();
    assert_same(&f, a.order(), a.as_slice(), &format!("path dyn {what}"));

    // Without the option the file's order is kept (NumPy's writer, like ours, calls an array
    // C order when both orders store the same sequence), and into_c_order agrees.
    let kept = npy::ReadOptions::new()
        .read_path::<T>(file.path(), &spec)
        .unwrap();
    assert_eq!(
        kept.order() == Order::F,
        !f.shape().orders_coincide(),
        "{what}"
    );
    let c = kept.into_c_order();
    assert_same(&f, c.order(), c.as_slice(), &format!("into_c_order {what}"));
}

fn check_raw<T: Make>(dims: &[usize], byte_order: ByteOrder) {
    let f = fortran::<T>(dims);
    let mut npy_bytes = Vec::new();
    npy::write_with_byte_order(&mut npy_bytes, &f.view(), byte_order).unwrap();
    let payload = &npy_bytes[npy_bytes.len() - f.len() * T::DTYPE.itemsize()..];
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(payload).unwrap();
    let layout = Layout::new(T::DTYPE, byte_order)
        .with_shape(dims.to_vec())
        .unwrap()
        .with_order(Order::F);
    let opts = raw::ReadOptions::new().c_order(true);
    let spec = ArraySpec::new(T::DTYPE);
    let what = format!("raw {:?} {dims:?} {byte_order:?}", T::DTYPE);
    let v = opts.read_slice::<T>(payload, &layout, &spec).unwrap();
    assert_same(&f, v.order(), v.as_slice(), &format!("slice {what}"));
    let a = opts.read_path::<T>(file.path(), &layout, &spec).unwrap();
    assert_same(&f, a.order(), a.as_slice(), &format!("path {what}"));
    let a = opts
        .read_reader::<T, _>(ChunkReader::new(payload, vec![3, 8192]), &layout, &spec)
        .unwrap();
    assert_same(&f, a.order(), a.as_slice(), &format!("reader {what}"));
}

const DIMS: &[&[usize]] = &[
    &[],
    &[7],
    &[1, 9],
    &[2, 3],
    &[17, 33],
    &[4, 1, 5],
    &[3, 4, 5],
    &[2, 3, 4, 5],
    &[0, 4],
    &[3, 0, 2],
];

#[test]
fn every_dtype_family_and_byte_order_converts() {
    for dims in DIMS {
        for byte_order in [ByteOrder::Little, ByteOrder::Big] {
            check_npy::<f64>(dims, byte_order);
            check_npy::<u16>(dims, byte_order);
            check_npy::<Complex<f64>>(dims, byte_order);
            check_raw::<f64>(dims, byte_order);
            check_raw::<Complex<f64>>(dims, byte_order);
        }
        check_npy::<bool>(dims, ByteOrder::Little);
        check_raw::<u16>(dims, ByteOrder::Big);
    }
}

#[test]
fn large_payloads_convert_across_chunks() {
    // Several conversion chunks (1 MiB) of whole slabs; huge-page-backed destinations.
    check_npy::<f64>(&[300, 700], ByteOrder::Little);
    check_npy::<f64>(&[64, 128, 80], ByteOrder::Big);
    check_npy::<u16>(&[1500, 1500], ByteOrder::Little);
    // Slabs of 4.8 MB, beyond what is converted on the fly: read whole, then converted.
    check_npy::<f64>(&[600_000, 2], ByteOrder::Little);
}

#[test]
fn value_violations_report_the_same_indices_in_either_order() {
    let dims = [40, 3000];
    let mut f = fortran::<f64>(&dims).into_vec();
    for i in [5, 40 * 2999 + 39, 32768, 32769, 100_000] {
        f[i] = 1e9;
    }
    let f = Array::from_vec(Shape::new(dims).unwrap(), Order::F, f).unwrap();
    let bytes = npy::to_vec(&f.view()).unwrap();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&bytes).unwrap();
    let spec = ArraySpec::new(DType::F64).with_values(arrayguard::ValueSpec::new().max(1e6));
    let kept = npy::from_path::<f64>(file.path(), &spec).unwrap_err();
    let converted = npy::ReadOptions::new()
        .c_order(true)
        .read_path::<f64>(file.path(), &spec)
        .unwrap_err();
    assert_eq!(converted.to_string(), kept.to_string());
    assert!(kept.to_string().contains("5 elements"), "{kept}");
}

#[test]
fn conversion_while_reading_holds_one_small_buffer_besides_the_array() {
    // 3.2 MB: below the huge-page threshold, so the destination is on the counted heap.
    let f = fortran::<f64>(&[400, 1000]);
    let bytes = npy::to_vec(&f.view()).unwrap();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(&bytes).unwrap();
    let opts = npy::ReadOptions::new().c_order(true);
    let spec = ArraySpec::new(DType::F64);
    let payload = f.len() * 8;
    let (a, peak) = common::alloc::measure(|| opts.read_path::<f64>(file.path(), &spec).unwrap());
    assert_eq!(a.order(), Order::C);
    assert!(
        peak <= payload + (1 << 20) + (64 << 10),
        "peak {peak} for a {payload}-byte payload"
    );
    let mut limits = Limits::default();
    limits.max_bytes = payload as u64 - 1;
    let e = opts
        .clone()
        .limits(limits)
        .read_path::<f64>(file.path(), &spec);
    assert_eq!(e.unwrap_err().code(), "limit.bytes");
}

#[test]
fn numpy_written_fortran_files_convert_like_into_c_order() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("ok_") || !name.contains("fortran") {
            continue;
        }
        let spec = ArraySpec::any();
        let plain = npy::ReadOptions::new()
            .read_path::<DynArray>(&path, &spec)
            .unwrap();
        let expected = plain.clone().into_c_order();
        let opts = npy::ReadOptions::new().c_order(true);
        let from_path = opts.read_path::<DynArray>(&path, &spec).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let from_slice = opts.read_slice::<DynArray>(&bytes, &spec).unwrap();
        let from_reader = opts
            .read_reader::<DynArray, _>(ChunkReader::new(&bytes, vec![5, 300]), &spec)
            .unwrap();
        for (how, got) in [
            ("path", &from_path),
            ("slice", &from_slice),
            ("reader", &from_reader),
        ] {
            assert_eq!(got.order(), Order::C, "{name} {how}");
            // Bit for bit: NaN payloads included.
            assert_eq!(
                common::canonical(got),
                common::canonical(&expected),
                "{name} {how}"
            );
        }
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} Fortran-order fixtures found");
}
