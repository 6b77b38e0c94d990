//! The `structured` target: a spec and an array decoded from the input, the array written as
//! `.npy`, optionally mutated, and read back with the spec.

use arrayguard::{
    f16, npy, ArraySpec, AxisSpec, ByteOrder, Complex, DType, Dim, DynArray, LimitOverrides, Order,
    Shape, ShapeItem, ShapeSpec, ValueSpec,
};

use super::cursor::{dtype_of, Cursor};
use super::{
    check_accepted, code, peak_at_most, same_code, same_outcome, small_limits, Meter, SLACK,
};
use crate::support::arrays::{bits_equal, write_npy};
use crate::support::satisfies::satisfies;

/// Integers that elements and `enum` lists are drawn from (cast to the element type).
const INTS: [i64; 22] = [
    0,
    1,
    -1,
    2,
    -2,
    3,
    7,
    100,
    127,
    -128,
    255,
    256,
    -129,
    32767,
    -32768,
    65535,
    2_147_483_647,
    -2_147_483_648,
    4_294_967_295,
    i64::MAX,
    i64::MIN,
    9_007_199_254_740_993,
];

/// Floats that elements and bounds are drawn from.
const FLOATS: [f64; 20] = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    100.0,
    -128.0,
    255.0,
    65504.0,
    1e-40,
    f64::MIN_POSITIVE,
    1e300,
    -1e300,
    9_007_199_254_740_992.0,
    1.8446744073709552e19,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    -3.5,
];

const NAMES: [&str; 3] = ["n", "h", "w"];

/// One element's little-endian bytes: `itemsize` raw bytes, or a value from the tables.
pub(crate) fn element_le(c: &mut Cursor<'_>, dtype: DType, from_table: bool) -> Vec<u8> {
    let size = dtype.itemsize();
    if !from_table {
        let mut bytes = c.take(size).to_vec();
        bytes.resize(size, 0);
        if dtype == DType::Bool {
            bytes[0] &= 1;
        }
        return bytes;
    }
    let pick = usize::from(c.u8());
    let int = INTS[pick % INTS.len()];
    let float = FLOATS[pick % FLOATS.len()];
    // Truncating casts are the point: they wrap table values into each type's range.
    match dtype {
        DType::Bool => vec![u8::from(pick % 2 == 1)],
        DType::I8 => (int as i8).to_le_bytes().to_vec(),
        DType::I16 => (int as i16).to_le_bytes().to_vec(),
        DType::I32 => (int as i32).to_le_bytes().to_vec(),
        DType::I64 => int.to_le_bytes().to_vec(),
        DType::U8 => (int as u8).to_le_bytes().to_vec(),
        DType::U16 => (int as u16).to_le_bytes().to_vec(),
        DType::U32 => (int as u32).to_le_bytes().to_vec(),
        DType::U64 => (int as u64).to_le_bytes().to_vec(),
        DType::F16 => f16::from_f64(float).to_le_bytes().to_vec(),
        DType::F32 => (float as f32).to_le_bytes().to_vec(),
        DType::F64 => float.to_le_bytes().to_vec(),
        DType::Complex64 => {
            let im = FLOATS[usize::from(c.u8()) % FLOATS.len()];
            let mut v = (float as f32).to_le_bytes().to_vec();
            v.extend((im as f32).to_le_bytes());
            v
        }
        _ => {
            let im = FLOATS[usize::from(c.u8()) % FLOATS.len()];
            let mut v = float.to_le_bytes().to_vec();
            v.extend(im.to_le_bytes());
            v
        }
    }
}

/// A typed array from little-endian element bytes.
pub(crate) fn array_from_le(dtype: DType, shape: Shape, order: Order, le: &[u8]) -> DynArray {
    fn build<T: arrayguard::Element, const N: usize>(
        shape: Shape,
        order: Order,
        le: &[u8],
        f: impl Fn([u8; N]) -> T,
    ) -> DynArray
    where
        DynArray: From<arrayguard::Array<T>>,
    {
        let data = le
            .chunks_exact(N)
            .map(|c| f(c.try_into().expect("chunks of N")))
            .collect();
        arrayguard::Array::from_vec(shape, order, data)
            .expect("one element per chunk")
            .into()
    }
    let c32 = |b: [u8; 8]| {
        let (re, im) = b.split_at(4);
        Complex::new(
            f32::from_le_bytes(re.try_into().expect("4 bytes")),
            f32::from_le_bytes(im.try_into().expect("4 bytes")),
        )
    };
    let c64 = |b: [u8; 16]| {
        let (re, im) = b.split_at(8);
        Complex::new(
            f64::from_le_bytes(re.try_into().expect("8 bytes")),
            f64::from_le_bytes(im.try_into().expect("8 bytes")),
        )
    };
    match dtype {
        DType::Bool => build(shape, order, le, |[b]: [u8; 1]| b != 0),
        DType::I8 => build(shape, order, le, i8::from_le_bytes),
        DType::I16 => build(shape, order, le, i16::from_le_bytes),
        DType::I32 => build(shape, order, le, i32::from_le_bytes),
        DType::I64 => build(shape, order, le, i64::from_le_bytes),
        DType::U8 => build(shape, order, le, u8::from_le_bytes),
        DType::U16 => build(shape, order, le, u16::from_le_bytes),
        DType::U32 => build(shape, order, le, u32::from_le_bytes),
        DType::U64 => build(shape, order, le, u64::from_le_bytes),
        DType::F16 => build(shape, order, le, f16::from_le_bytes),
        DType::F32 => build(shape, order, le, f32::from_le_bytes),
        DType::F64 => build(shape, order, le, f64::from_le_bytes),
        DType::Complex64 => build(shape, order, le, c32),
        _ => build(shape, order, le, c64),
    }
}

/// A size constraint from one byte and the cursor.
fn dim_from(tag: u8, c: &mut Cursor<'_>) -> Dim {
    match tag % 4 {
        0 => Dim::Any,
        1 => Dim::Exact(usize::from(c.u8() % 6)),
        2 => {
            let min = usize::from(c.u8() % 6);
            Dim::Range {
                min,
                max: min + usize::from(c.u8() % 4),
            }
        }
        _ => Dim::Range {
            min: usize::from(c.u8() % 6),
            max: usize::MAX,
        },
    }
}

/// The spec part of a `structured` input.
pub(crate) fn spec_from(c: &mut Cursor<'_>, dtype: DType, dims: &[usize]) -> ArraySpec {
    let mut spec = ArraySpec::any();
    let b = c.u8();
    match b % 4 {
        0 => {}
        1 => spec = spec.with_dtypes([dtype]),
        _ => {
            let k = usize::from(b >> 2) % 4 + 1;
            let list: Vec<DType> = (0..k).map(|_| dtype_of(c.u8())).collect();
            spec = spec.with_dtypes(list);
        }
    }
    let b = c.u8();
    match b % 4 {
        0 => {}
        1 => spec = spec.with_shape(dims.iter().copied()),
        _ => {
            let items: Vec<ShapeItem> = (0..usize::from(b >> 2) % 6)
                .map(|_| {
                    let t = c.u8();
                    let name = NAMES[usize::from(t >> 3) % NAMES.len()];
                    match t % 6 {
                        0 | 1 => ShapeItem::Axis(AxisSpec::new(dim_from(t >> 1, c))),
                        2 | 3 => ShapeItem::Axis(AxisSpec::named(name, dim_from(t >> 5, c))),
                        4 => ShapeItem::Variadic(None),
                        _ => ShapeItem::Variadic(Some(name.into())),
                    }
                })
                .collect();
            if let Ok(shape) = ShapeSpec::new(items) {
                spec = spec.with_shape_spec(shape);
            }
        }
    }
    match c.u8() % 3 {
        0 => {}
        1 => spec = spec.with_order(Order::C),
        _ => spec = spec.with_order(Order::F),
    }
    match c.u8() % 3 {
        0 => {}
        1 => spec = spec.with_byte_order(ByteOrder::Little),
        _ => spec = spec.with_byte_order(ByteOrder::Big),
    }
    let flags = c.u8();
    let mut values = ValueSpec::new();
    // NaN bounds are a caller's error that `ValueSpec::validate` refuses: not drawn.
    let bound = |c: &mut Cursor<'_>| {
        let b = FLOATS[usize::from(c.u8()) % FLOATS.len()];
        if b.is_nan() {
            0.0
        } else {
            b
        }
    };
    if flags & 1 != 0 {
        values = values.min(bound(c));
    }
    if flags & 2 != 0 {
        values = values.max(bound(c));
    }
    if flags & 4 != 0 {
        values = values.exclusive_min(bound(c));
    }
    if flags & 8 != 0 {
        values = values.exclusive_max(bound(c));
    }
    if flags & 16 != 0 {
        values = values.allow_nan(false);
    }
    if flags & 32 != 0 {
        values = values.allow_inf(false);
    }
    if flags & 64 != 0 {
        let k = usize::from(c.u8() % 5);
        let list: Vec<i64> = (0..k)
            .map(|_| INTS[usize::from(c.u8()) % INTS.len()])
            .collect();
        values = values.one_of(list);
    }
    spec = spec.with_values(values);
    if flags & 128 != 0 {
        let mut overrides = LimitOverrides::default();
        overrides.max_elements = Some(u64::from(c.u8()));
        spec = spec.with_limits(overrides);
    }
    spec
}

/// `structured`: an array and a spec decoded from the input, the array written as `.npy`
/// (`npy::write_with_byte_order`), optionally mutated, and read back with the spec.
///
/// Layout of the input: dtype selector; flags (bit 0 Fortran order, bit 1 big-endian, bit 2
/// elements from the value tables instead of raw bytes, bit 3 mutate); number of axes (mod
/// 5) and one byte per axis (mod 5); the spec (dtype set, shape pattern of anonymous, ranged,
/// named and variadic items, order, byte order, value constraints, an element-limit
/// override); with bit 3, a count (mod 4, plus 1) of (`u16` position, XOR byte) mutations;
/// then the elements.
///
/// Oracles:
/// - unmutated, the read succeeds exactly when the array satisfies the spec
///   ([`satisfies`], the independent spec oracle, with the spec's limit overrides), and then
///   gives the array back bit for bit; otherwise it fails with the same error code;
/// - mutated or not: no panic, and an accepted array satisfies the spec and the limits;
/// - `ReadOptions::check_reader` (streaming) gives the full read's outcome, and so does
///   `read_reader::<DynArray>`;
/// - the read allocates at most the file's size + [`SLACK`].
pub fn structured<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let flags = c.u8();
    let order = if flags & 1 != 0 { Order::F } else { Order::C };
    let byte_order = if flags & 2 != 0 {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let ndim = usize::from(c.u8() % 5);
    let dims: Vec<usize> = (0..ndim).map(|_| usize::from(c.u8() % 5)).collect();
    let spec = spec_from(&mut c, dtype, &dims);
    let mutations: Vec<(u16, u8)> = if flags & 8 != 0 {
        (0..c.u8() % 4 + 1)
            .map(|_| (c.u16(), c.u8().max(1)))
            .collect()
    } else {
        Vec::new()
    };
    let shape = Shape::new(dims).expect("at most 4^4 elements");
    let le: Vec<u8> = (0..shape.len())
        .flat_map(|_| element_le(&mut c, dtype, flags & 4 != 0))
        .collect();
    let array = array_from_le(dtype, shape, order, &le);

    let mut file = write_npy(&array, byte_order).expect("writing to a Vec cannot fail");
    for &(at, xor) in &mutations {
        let at = usize::from(at) % file.len();
        file[at] ^= xor;
    }
    let limits = small_limits();
    let effective = spec.limits_over(&limits);
    let options = npy::ReadOptions::new().limits(limits.clone());
    let (read, peak) = meter.measure(|| options.read_slice::<DynArray>(&file, &spec));
    peak_at_most(peak, file.len() + SLACK, "structured read");

    if mutations.is_empty() {
        let expected = satisfies(&array, Some(byte_order), &spec, &limits);
        match (&expected, &read) {
            (Ok(()), Ok(back)) => assert!(
                bits_equal(&array, back),
                "write/read changed the array: {array:?} -> {back:?}"
            ),
            (Err(want), Err(got)) => assert_eq!(
                want.code,
                got.code(),
                "expected `{want}`, the read says `{got}`"
            ),
            (Ok(()), Err(got)) => {
                panic!("the array satisfies {spec:?} but its file is refused: {got}\n{array:?}")
            }
            (Err(want), Ok(_)) => {
                panic!("the array breaks {spec:?} (`{want}`) but its file is accepted")
            }
        }
    }
    if let Ok(back) = &read {
        let header = npy::read_header(&file[..], &effective).expect("an accepted file's header");
        if let Err(e) = satisfies(back, Some(header.byte_order()), &spec, &effective) {
            panic!("accepted an array that breaks the spec: {e}\n{back:?}\n{spec:?}");
        }
        check_accepted(back, &spec, &effective);
    }
    let checked = options.check_reader(&file[..], &spec);
    assert!(
        same_code(&checked, &read),
        "check_reader {} vs read {}",
        code(&checked),
        code(&read)
    );
    let from_reader = options.read_reader::<DynArray, _>(&file[..], &spec);
    assert!(
        same_outcome(&from_reader, &read),
        "reader {} vs slice {}",
        code(&from_reader),
        code(&read)
    );
}
