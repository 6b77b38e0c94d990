//! `differential`: the same `.npy` bytes through arrayguard and npyz, an independent reader
//! (its own header parser, a Python-literal grammar; its own byte-order handling).
//!
//! Oracles: when both accept, they agree on the dtype, the shape, the order (where the two
//! orders differ) and every element's bits; when only npyz accepts, arrayguard's refusal is in
//! one of the documented classes of [`REFUSAL_CLASSES`] (also in `fuzz/README.md`). Inputs on
//! which npyz itself would exhaust memory or stack or overflow (a header longer than the input,
//! more than 16 levels of brackets, numbers that could multiply past `u64`, a payload larger
//! than the input) are not given to it.

use arrayguard::{npy, ArraySpec, DType, DynArray, Order};

use super::{small_limits, Meter};

/// Why arrayguard refuses some files npyz reads, on purpose: each class with its codes.
pub const REFUSAL_CLASSES: [(&str, &[&str]); 6] = [
    // NumPy's own format rules that npyz does not enforce: the header must be a dict of
    // exactly `descr`, `fortran_order`, `shape`, end with a newline, hold no Python-only forms.
    ("strict header", &["npy.invalid_header"]),
    // Bytes after the declared payload (npyz stops reading where the payload ends).
    ("trailing data", &["data.trailing"]),
    // Platform-dependent or unsupported type strings npyz maps to a type.
    ("dtype", &["dtype.invalid", "dtype.unsupported"]),
    // The fuzz limits (1 MiB payload, 2^18 elements, 16 dims, 4 KiB header); npyz has none.
    (
        "limits",
        &[
            "limit.bytes",
            "limit.elements",
            "limit.ndim",
            "npy.header_too_large",
        ],
    ),
    // Format versions beyond those NumPy writes.
    ("version", &["npy.unsupported_version"]),
    // Element counts whose product overflows (npyz multiplies in u64 with wrapping or
    // saturation before it reads).
    ("overflow", &["shape.overflow"]),
];

/// The class of an arrayguard error code, if it is one arrayguard may refuse while npyz reads.
pub fn refusal_class(code: &str) -> Option<&'static str> {
    REFUSAL_CLASSES
        .iter()
        .find(|(_, codes)| codes.contains(&code))
        .map(|(name, _)| *name)
}

/// What npyz read: our dtype, the shape, Fortran order, and the elements' native bytes in
/// storage order.
struct Theirs {
    dtype: DType,
    dims: Vec<u64>,
    fortran: bool,
    bytes: Vec<u8>,
}

/// The nesting depth of brackets in `text`.
fn depth(text: &[u8]) -> usize {
    let (mut now, mut max) = (0usize, 0usize);
    for &b in text {
        match b {
            b'(' | b'[' | b'{' => {
                now += 1;
                max = max.max(now);
            }
            b')' | b']' | b'}' => now = now.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Our dtype of an npyz type string (`<f8`, `|b1`), when we have one.
fn dtype_of_typestr(text: &str) -> Option<DType> {
    let kind_size = text.get(1..)?;
    Some(match kind_size {
        "b1" => DType::Bool,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "i8" => DType::I64,
        "u1" => DType::U8,
        "u2" => DType::U16,
        "u4" => DType::U32,
        "u8" => DType::U64,
        "f2" => DType::F16,
        "f4" => DType::F32,
        "f8" => DType::F64,
        "c8" => DType::Complex64,
        "c16" => DType::Complex128,
        _ => return None,
    })
}

macro_rules! npyz_bytes {
    ($file:expr, $t:ty, |$v:ident| $bytes:expr) => {
        $file.into_vec::<$t>().map(|values| {
            values
                .into_iter()
                .flat_map(|$v| $bytes)
                .collect::<Vec<u8>>()
        })
    };
}

/// Reads `data` with npyz, or `None` when npyz is not asked (see the module docs) or reads
/// the file as a type we do not have.
fn npyz_read(data: &[u8]) -> Option<Result<Theirs, String>> {
    if data.len() < 10 || &data[..6] != b"\x93NUMPY" {
        return None;
    }
    let (start, len) = match data[6] {
        1 => (10usize, usize::from(u16::from_le_bytes([data[8], data[9]]))),
        2 | 3 if data.len() >= 12 => (
            12,
            usize::try_from(u32::from_le_bytes([data[8], data[9], data[10], data[11]])).ok()?,
        ),
        _ => return None,
    };
    let header = data.get(start..start.checked_add(len)?)?;
    // npyz multiplies the dims unchecked (a panic in debug builds on a wrapping shape): it
    // is asked only when every number in the header together has at most 18 digits, so that
    // any product of them is below 10^18.
    let digits = header.iter().filter(|b| b.is_ascii_digit()).count();
    if len > 1 << 16 || depth(header) > 16 || digits > 18 {
        return None;
    }
    let file = match npyz::NpyFile::new(data) {
        Ok(file) => file,
        Err(e) => return Some(Err(e.to_string())),
    };
    let npyz::DType::Plain(typestr) = file.dtype() else {
        return None;
    };
    let dtype = dtype_of_typestr(&typestr.to_string())?;
    let dims = file.shape().to_vec();
    let fortran = file.order() == npyz::Order::Fortran;
    let payload = data.len() - start - len;
    let count = dims.iter().try_fold(1u64, |n, &d| n.checked_mul(d));
    let fits = count
        .and_then(|n| n.checked_mul(dtype.itemsize() as u64))
        .is_some_and(|n| n <= payload as u64);
    if !fits {
        return Some(Err("payload shorter than declared (not read)".into()));
    }
    let bytes = match dtype {
        DType::Bool => npyz_bytes!(file, bool, |v| [u8::from(v)]),
        DType::I8 => npyz_bytes!(file, i8, |v| v.to_ne_bytes()),
        DType::I16 => npyz_bytes!(file, i16, |v| v.to_ne_bytes()),
        DType::I32 => npyz_bytes!(file, i32, |v| v.to_ne_bytes()),
        DType::I64 => npyz_bytes!(file, i64, |v| v.to_ne_bytes()),
        DType::U8 => npyz_bytes!(file, u8, |v| v.to_ne_bytes()),
        DType::U16 => npyz_bytes!(file, u16, |v| v.to_ne_bytes()),
        DType::U32 => npyz_bytes!(file, u32, |v| v.to_ne_bytes()),
        DType::U64 => npyz_bytes!(file, u64, |v| v.to_ne_bytes()),
        DType::F16 => npyz_bytes!(file, arrayguard::f16, |v| v.to_bits().to_ne_bytes()),
        DType::F32 => npyz_bytes!(file, f32, |v| v.to_bits().to_ne_bytes()),
        DType::F64 => npyz_bytes!(file, f64, |v| v.to_bits().to_ne_bytes()),
        DType::Complex64 => npyz_bytes!(file, arrayguard::Complex<f32>, |v| {
            [v.re.to_bits().to_ne_bytes(), v.im.to_bits().to_ne_bytes()].concat()
        }),
        DType::Complex128 => npyz_bytes!(file, arrayguard::Complex<f64>, |v| {
            [v.re.to_bits().to_ne_bytes(), v.im.to_bits().to_ne_bytes()].concat()
        }),
        // A dtype added to arrayguard after this oracle: not compared.
        _ => return None,
    };
    Some(
        bytes
            .map(|bytes| Theirs {
                dtype,
                dims,
                fortran,
                bytes,
            })
            .map_err(|e| e.to_string()),
    )
}

/// `differential`: see the module docs.
pub fn differential<M: Meter>(data: &[u8], _meter: &M) {
    let ours = npy::ReadOptions::new()
        .limits(small_limits())
        .read_slice::<DynArray>(data, &ArraySpec::any());
    let Some(theirs) = npyz_read(data) else {
        return;
    };
    match (ours, theirs) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.dtype(), b.dtype, "dtype");
            let dims: Vec<u64> = a.shape().dims().iter().map(|&d| d as u64).collect();
            assert_eq!(dims, b.dims, "shape");
            if !a.shape().orders_coincide() {
                assert_eq!(a.order() == Order::F, b.fortran, "order");
            }
            assert!(
                a.as_bytes() == b.bytes.as_slice(),
                "values differ from npyz's"
            );
        }
        (Err(e), Ok(_)) => assert!(
            refusal_class(e.code()).is_some(),
            "npyz reads a file arrayguard refuses outside every documented class: {} ({e})",
            e.code()
        ),
        _ => {}
    }
}
