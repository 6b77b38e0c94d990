//! Value constraints and spec limit overrides through every front-end: each entry point of
//! `npy`, `raw` and `json` that takes a spec accepts exactly the arrays that satisfy the spec's
//! `values`, reports the same error code when they do not, and reads with the spec's limit
//! overrides on top of the caller's limits.

use std::io::Write as _;

use arrayguard::json::{self, JsonValue, WriteOptions};
use arrayguard::raw::{self, Layout};
use arrayguard::{
    npy, Array, ArraySpec, ByteOrder, DType, DynArray, ErrorKind, LimitOverrides, Limits, Order,
    Shape, ValueSpec,
};
use base64::Engine as _;
use serde::de::DeserializeSeed;
use serde::{Deserialize, Deserializer};
use std::sync::LazyLock;

/// What an entry point did: accepted, or the error's code.
type Outcome = Result<(), &'static str>;

fn outcome<T>(result: arrayguard::Result<T>) -> Outcome {
    result.map(|_| ()).map_err(|e| e.code())
}

/// Asserts that every entry point gave `expected`, naming the ones that did not.
fn assert_all(outcomes: &[(String, Outcome)], expected: Outcome, case: &str) {
    let wrong: Vec<_> = outcomes.iter().filter(|(_, o)| *o != expected).collect();
    assert!(
        wrong.is_empty(),
        "{case}: expected {expected:?} everywhere, got {wrong:?}"
    );
}

fn vector<T: JsonValue>(values: &[T]) -> Array<T> {
    Array::from_vec(
        Shape::vector(values.len()).unwrap(),
        Order::C,
        values.to_vec(),
    )
    .unwrap()
}

fn npy_bytes<T: JsonValue>(array: &Array<T>, byte_order: ByteOrder) -> Vec<u8> {
    let mut bytes = Vec::new();
    npy::write_with_byte_order(&mut bytes, &array.view(), byte_order).unwrap();
    bytes
}

/// Every `.npy` entry point that takes a spec, on `array` written in both byte orders.
fn npy_outcomes<T: JsonValue>(
    array: &Array<T>,
    spec: &ArraySpec,
    limits: &Limits,
) -> Vec<(String, Outcome)> {
    let dir = tempfile::tempdir().unwrap();
    let options = npy::ReadOptions::new().limits(limits.clone());
    let mut out = Vec::new();
    for byte_order in [ByteOrder::Little, ByteOrder::Big] {
        let bytes = npy_bytes(array, byte_order);
        let path = dir.path().join(format!("{}.npy", byte_order.name()));
        std::fs::write(&path, &bytes).unwrap();
        let mut push = |name: &str, o: Outcome| out.push((format!("npy {name} {byte_order:?}"), o));
        if *limits == Limits::default() {
            push("from_slice", outcome(npy::from_slice::<T>(&bytes, spec)));
            push(
                "from_reader",
                outcome(npy::from_reader::<T, _>(&bytes[..], spec)),
            );
            push("from_path", outcome(npy::from_path::<T>(&path, spec)));
        }
        push(
            "read_slice::<T>",
            outcome(options.read_slice::<T>(&bytes, spec)),
        );
        push(
            "read_slice::<DynArray>",
            outcome(options.read_slice::<DynArray>(&bytes, spec)),
        );
        push(
            "read_reader::<T>",
            outcome(options.read_reader::<T, _>(&bytes[..], spec)),
        );
        push(
            "read_reader::<DynArray>",
            outcome(options.read_reader::<DynArray, _>(&bytes[..], spec)),
        );
        push(
            "read_path::<T>",
            outcome(options.read_path::<T>(&path, spec)),
        );
        push(
            "read_path::<DynArray>",
            outcome(options.read_path::<DynArray>(&path, spec)),
        );
        push("check_path", outcome(options.check_path(&path, spec)));
        push(
            "check_reader",
            outcome(options.check_reader(&bytes[..], spec)),
        );
    }
    out
}

/// Every raw entry point that takes a spec, on `array`'s payload in both byte orders, with a
/// fixed layout and with an inferred axis.
fn raw_outcomes<T: JsonValue>(
    array: &Array<T>,
    spec: &ArraySpec,
    limits: &Limits,
) -> Vec<(String, Outcome)> {
    let dir = tempfile::tempdir().unwrap();
    let options = raw::ReadOptions::new().limits(limits.clone());
    let mut out = Vec::new();
    for byte_order in [ByteOrder::Little, ByteOrder::Big] {
        let file = npy_bytes(array, byte_order);
        let header = npy::header_bytes(T::DTYPE, byte_order, array.shape(), array.order());
        let bytes = &file[header.len()..];
        let path = dir.path().join(format!("{}.bin", byte_order.name()));
        std::fs::write(&path, bytes).unwrap();
        let dims = array.shape().dims();
        let fixed: Vec<Option<usize>> = dims.iter().copied().map(Some).collect();
        let mut inferred = fixed.clone();
        if let Some(first) = inferred.first_mut() {
            *first = None;
        }
        for (kind, axes) in [("fixed", fixed), ("inferred", inferred)] {
            let layout = Layout::new(T::DTYPE, byte_order)
                .with_shape(axes)
                .unwrap()
                .with_order(array.order());
            let mut push =
                |name: &str, o: Outcome| out.push((format!("raw {name} {kind} {byte_order:?}"), o));
            if *limits == Limits::default() {
                push(
                    "from_slice",
                    outcome(raw::from_slice::<T>(bytes, &layout, spec)),
                );
                push(
                    "from_reader",
                    outcome(raw::from_reader::<T, _>(bytes, &layout, spec)),
                );
                push(
                    "from_path",
                    outcome(raw::from_path::<T>(&path, &layout, spec)),
                );
            }
            push(
                "read_slice::<T>",
                outcome(options.read_slice::<T>(bytes, &layout, spec)),
            );
            push(
                "read_slice::<DynArray>",
                outcome(options.read_slice::<DynArray>(bytes, &layout, spec)),
            );
            push(
                "read_reader::<T>",
                outcome(options.read_reader::<T, _>(bytes, &layout, spec)),
            );
            push(
                "read_reader::<DynArray>",
                outcome(options.read_reader::<DynArray, _>(bytes, &layout, spec)),
            );
            push(
                "read_path::<T>",
                outcome(options.read_path::<T>(&path, &layout, spec)),
            );
            push(
                "read_path::<DynArray>",
                outcome(options.read_path::<DynArray>(&path, &layout, spec)),
            );
            push(
                "check_path",
                outcome(options.check_path(&path, &layout, spec)),
            );
            push(
                "check_reader",
                outcome(options.check_reader(bytes, &layout, spec)),
            );
        }
    }
    out
}

/// `array` as JSON text, `NaN` and infinities written as Python writes them.
fn json_text<T: JsonValue>(array: &Array<T>) -> String {
    let mut out = Vec::new();
    json::write_array(&mut out, array, WriteOptions::new().allow_nan(true)).unwrap();
    String::from_utf8(out).unwrap()
}

/// Every JSON entry point that takes a spec (with `NaN` tokens allowed), on `array` as nested
/// arrays and as envelopes (nested, flat and base64 data), and through the serde seed.
fn json_outcomes<T: JsonValue>(
    array: &Array<T>,
    spec: &ArraySpec,
    limits: &Limits,
) -> Vec<(String, Outcome)> {
    // JSON data is in C order (an envelope's nested data must be).
    let array = &array.clone().into_c_order();
    let options = json::ReadOptions::new()
        .limits(limits.clone())
        .allow_nan(true);
    let text = json_text(array);
    let dims: Vec<String> = array
        .shape()
        .dims()
        .iter()
        .map(ToString::to_string)
        .collect();
    let head = format!(
        r#"{{"dtype": "{}", "shape": [{}], "data": "#,
        T::DTYPE.typestr(ByteOrder::Little),
        dims.join(", ")
    );
    let nested = format!("{head}{text}}}");
    let flat_data = text.replace(['[', ']'], "");
    let flat = format!("{head}[{flat_data}]}}");
    let file = npy_bytes(array, ByteOrder::Little);
    let header = npy::header_bytes(T::DTYPE, ByteOrder::Little, array.shape(), array.order());
    let b64 = base64::engine::general_purpose::STANDARD.encode(&file[header.len()..]);
    let base64 = format!("{head}\"{b64}\"}}");
    let mut out = Vec::new();
    let mut push = |name: &str, o: Outcome| out.push((format!("json {name}"), o));
    push("read_str", outcome(options.read_str::<T>(&text, spec)));
    push(
        "read_slice",
        outcome(options.read_slice::<T>(text.as_bytes(), spec)),
    );
    push(
        "read_reader",
        outcome(options.read_reader::<T, _>(text.as_bytes(), spec)),
    );
    // The spec names the one dtype nested arrays are read as.
    push(
        "read_str::<DynArray>",
        outcome(options.read_str::<DynArray>(&text, spec)),
    );
    let envelopes = options.clone().form(json::Form::Envelope);
    let detect = options.clone().form(json::Form::Detect);
    push(
        "detect nested reader::<DynArray>",
        outcome(detect.read_reader::<DynArray, _>(text.as_bytes(), spec)),
    );
    for (name, envelope) in [("nested", &nested), ("flat", &flat), ("base64", &base64)] {
        push(
            &format!("envelope {name} str::<T>"),
            outcome(envelopes.read_str::<T>(envelope, spec)),
        );
        push(
            &format!("envelope {name} reader::<DynArray>"),
            outcome(envelopes.read_reader::<DynArray, _>(envelope.as_bytes(), spec)),
        );
        push(
            &format!("detect envelope {name} slice::<T>"),
            outcome(detect.read_slice::<T>(envelope.as_bytes(), spec)),
        );
    }
    // serde_json reads no `NaN` tokens: the seed sees non-finite values only from other
    // formats (see `seed_checks_values_from_cbor`). Nor does `json::from_str` (it does not
    // allow them).
    if !text.contains("NaN") && !text.contains("Infinity") {
        if *limits == Limits::default() {
            push("from_str", outcome(json::from_str::<T>(&text, spec)));
        }
        let mut de = serde_json::Deserializer::from_str(&text);
        let seed = json::ReadOptions::new()
            .limits(limits.clone())
            .seed::<T>(spec);
        push(
            "seed",
            outcome(seed.deserialize_typed(&mut de).expect("valid JSON")),
        );
    }
    out
}

/// Every entry point of every front-end.
fn all_outcomes<T: JsonValue>(array: &Array<T>, spec: &ArraySpec) -> Vec<(String, Outcome)> {
    let limits = Limits::default();
    let mut out = npy_outcomes(array, spec, &limits);
    out.extend(raw_outcomes(array, spec, &limits));
    out.extend(json_outcomes(array, spec, &limits));
    out
}

#[test]
fn each_float_constraint_passes_and_fails_everywhere() {
    let cases: Vec<(ValueSpec, Vec<f64>, Vec<f64>, &str)> = vec![
        (
            ValueSpec::new().min(0.0),
            vec![0.0, 1.0, 5.0, 2.0],
            vec![0.0, 1.0, -0.5, 2.0],
            "value.below_min",
        ),
        (
            ValueSpec::new().max(1.0),
            vec![1.0, -3.0, 0.0, 0.5],
            vec![1.0, -3.0, 1.5, 0.5],
            "value.above_max",
        ),
        (
            ValueSpec::new().exclusive_min(0.0),
            vec![1e-300, 1.0, 2.0, 3.0],
            vec![1e-300, 1.0, 0.0, 3.0],
            "value.below_min",
        ),
        (
            ValueSpec::new().exclusive_max(1.0),
            vec![0.999, -1.0, 0.0, 0.5],
            vec![0.999, -1.0, 1.0, 0.5],
            "value.above_max",
        ),
        (
            ValueSpec::new().finite(),
            vec![1e308, -1e308, 0.0, 1.0],
            vec![1e308, f64::INFINITY, 0.0, 1.0],
            "value.infinite",
        ),
        (
            ValueSpec::new().finite(),
            vec![1e308, -1e308, 0.0, 1.0],
            vec![1.0, f64::NAN, 0.0, 1.0],
            "value.nan",
        ),
        (
            ValueSpec::new().allow_nan(false),
            vec![f64::INFINITY, f64::NEG_INFINITY, 0.0, 1.0],
            vec![f64::INFINITY, f64::NAN, 0.0, 1.0],
            "value.nan",
        ),
        (
            ValueSpec::new().allow_inf(false),
            vec![f64::NAN, 1e308, 0.0, 1.0],
            vec![f64::NAN, f64::NEG_INFINITY, 0.0, 1.0],
            "value.infinite",
        ),
    ];
    for (values, good, bad, code) in cases {
        let spec = ArraySpec::new(DType::F64).with_values(values.clone());
        // A vector, and a 2x2 array in F order (logical indices differ from storage ones).
        for (dims, order) in [(vec![4], Order::C), (vec![2, 2], Order::F)] {
            let shape = Shape::new(dims).unwrap();
            let good = Array::from_vec(shape.clone(), order, good.clone()).unwrap();
            let bad = Array::from_vec(shape, order, bad.clone()).unwrap();
            assert_all(
                &all_outcomes(&good, &spec),
                Ok(()),
                &format!("{values:?} {good:?}"),
            );
            assert_all(
                &all_outcomes(&bad, &spec),
                Err(code),
                &format!("{values:?} {bad:?}"),
            );
        }
    }
}

#[test]
fn two_dimensional_f_order_arrays_are_checked_everywhere() {
    let spec = ArraySpec::new(DType::F32).with_values(ValueSpec::new().min(0.0).max(10.0));
    let shape = Shape::new([2, 3]).unwrap();
    let good = Array::from_vec(shape.clone(), Order::F, vec![0f32, 1., 2., 3., 4., 10.]).unwrap();
    let bad = Array::from_vec(shape, Order::F, vec![0f32, 1., 2., 11., 4., 5.]).unwrap();
    assert_all(&all_outcomes(&good, &spec), Ok(()), "2x3 F order");
    assert_all(
        &all_outcomes(&bad, &spec),
        Err("value.above_max"),
        "2x3 F order",
    );
    // Storage position 3 is logical [1, 1].
    let bytes = npy_bytes(&bad, ByteOrder::Big);
    let e = npy::from_slice::<f32>(&bytes, &spec).unwrap_err();
    assert!(e.to_string().ends_with("[1, 1] = 11.0"), "{e}");
    let e = npy::ReadOptions::new()
        .check_reader(&bytes[..], &spec)
        .unwrap_err();
    assert!(e.to_string().ends_with("[1, 1] = 11.0"), "{e}");
}

#[test]
fn enum_constraints_pass_and_fail_everywhere() {
    let spec = ArraySpec::new(DType::I32).with_values(ValueSpec::new().one_of([0, 1, 2]));
    assert_all(
        &all_outcomes(&vector(&[0i32, 2, 1, 1]), &spec),
        Ok(()),
        "enum",
    );
    assert_all(
        &all_outcomes(&vector(&[0i32, 2, 3, 1]), &spec),
        Err("value.not_in_enum"),
        "enum",
    );
    // Bounds on integers, and an enum on booleans (`false` is 0).
    let spec =
        ArraySpec::new(DType::U64).with_values(ValueSpec::new().max(9_007_199_254_740_992.0));
    assert_all(
        &all_outcomes(&vector(&[9_007_199_254_740_992u64]), &spec),
        Ok(()),
        "u64 at 2^53",
    );
    assert_all(
        &all_outcomes(&vector(&[9_007_199_254_740_993u64]), &spec),
        Err("value.above_max"),
        "u64 above 2^53",
    );
    let spec = ArraySpec::new(DType::Bool).with_values(ValueSpec::new().one_of([1]));
    assert_all(&all_outcomes(&vector(&[true, true]), &spec), Ok(()), "bool");
    assert_all(
        &all_outcomes(&vector(&[true, false]), &spec),
        Err("value.not_in_enum"),
        "bool",
    );
}

#[test]
fn nan_is_reported_as_nan_not_below_min_everywhere() {
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().min(0.0).allow_nan(false));
    let array = vector(&[1.0f64, f64::NAN, -1.0, f64::NAN]);
    let message = "3 elements violate `nan = false` (first: NaN): [1] = NaN, [3] = NaN";
    let bytes = npy_bytes(&array, ByteOrder::Big);
    let errors = [
        npy::from_slice::<f64>(&bytes, &spec).map(|_| ()),
        npy::ReadOptions::new()
            .check_reader(&bytes[..], &spec)
            .map(|_| ()),
        raw::from_slice::<f64>(
            &bytes[npy::header_bytes(DType::F64, ByteOrder::Big, array.shape(), Order::C).len()..],
            &Layout::new(DType::F64, ByteOrder::Big),
            &spec,
        )
        .map(|_| ()),
        json::ReadOptions::new()
            .allow_nan(true)
            .read_str::<f64>(&json_text(&array), &spec)
            .map(|_| ()),
    ];
    for e in errors {
        let e = e.unwrap_err();
        assert_eq!(e.code(), "value.nan");
        assert_eq!(e.to_string(), message);
    }
    // With NaN allowed, NaN is neither below nor above a bound.
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().min(0.0));
    assert_all(
        &all_outcomes(&vector(&[1.0f64, f64::NAN]), &spec),
        Ok(()),
        "NaN allowed",
    );
}

#[test]
fn json_nan_tokens_need_allow_nan_and_then_meet_the_values() {
    let text = "[1.5, NaN, -Infinity]";
    let any = ArraySpec::new(DType::F64);
    let strict = json::ReadOptions::new();
    let lenient = json::ReadOptions::new().allow_nan(true);
    // Without `allow_nan`, the token is refused by the reader, whatever the spec allows.
    assert_eq!(
        strict.read_str::<f64>(text, &any).unwrap_err().code(),
        "json.unexpected_token"
    );
    assert!(lenient.read_str::<f64>(text, &any).is_ok());
    let no_nan = any.clone().with_values(ValueSpec::new().allow_nan(false));
    let e = lenient.read_str::<f64>(text, &no_nan).unwrap_err();
    assert_eq!(e.code(), "value.nan");
    assert_eq!(
        e.to_string(),
        "1 element violates `nan = false` (first: NaN): [1] = NaN"
    );
    let no_inf = any.clone().with_values(ValueSpec::new().allow_inf(false));
    let e = lenient.read_str::<f64>(text, &no_inf).unwrap_err();
    assert_eq!(
        e.to_string(),
        "1 element violates `inf = false` (first: infinite value): [2] = -inf"
    );
    // Envelopes and the seed behave alike.
    let envelope = r#"{"dtype": "<f8", "shape": [3], "data": [1.5, NaN, -Infinity]}"#;
    assert_eq!(
        strict
            .form(json::Form::Envelope)
            .read_str::<f64>(envelope, &any)
            .unwrap_err()
            .code(),
        "json.unexpected_token"
    );
    assert_eq!(
        lenient
            .form(json::Form::Envelope)
            .read_str::<f64>(envelope, &no_nan)
            .unwrap_err()
            .code(),
        "value.nan"
    );
}

/// The specs and `allow_nan` settings of the [`Cbor`] seeds.
static CBOR_SPECS: LazyLock<[(ArraySpec, bool); 3]> = LazyLock::new(|| {
    let min = ArraySpec::new(DType::F64).with_values(ValueSpec::new().min(0.0));
    let finite = ArraySpec::new(DType::F64).with_values(ValueSpec::new().min(0.0).finite());
    [(min.clone(), false), (min, true), (finite, true)]
});

/// An `f64` array read through a [`json::ArraySeed`] with spec `K` of [`CBOR_SPECS`].
#[derive(Debug)]
struct Cbor<const K: usize>(#[allow(dead_code)] Array<f64>);

impl<'de, const K: usize> Deserialize<'de> for Cbor<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (spec, allow_nan) = &CBOR_SPECS[K];
        json::ReadOptions::new()
            .allow_nan(*allow_nan)
            .seed::<f64>(spec)
            .deserialize(d)
            .map(Cbor)
    }
}

#[test]
fn seed_checks_values_from_cbor() {
    // CBOR carries NaN and infinities as values: the seed refuses them without `allow_nan`,
    // and checks them against the spec with it. Errors reach serde as "<code>: <message>".
    let mut cbor = Vec::new();
    ciborium::into_writer(&vec![vec![0.5f64, f64::NAN], vec![2.0, -1.0]], &mut cbor).unwrap();
    let e = ciborium::from_reader::<Cbor<0>, _>(&cbor[..]).unwrap_err();
    assert!(e.to_string().contains("json.unexpected_token: "), "{e}");
    let e = ciborium::from_reader::<Cbor<1>, _>(&cbor[..]).unwrap_err();
    assert!(
        e.to_string().contains(
            "value.below_min: 1 element violates `min = 0` (first: value below the minimum): [1, 1] = -1.0"
        ),
        "{e}"
    );
    let e = ciborium::from_reader::<Cbor<2>, _>(&cbor[..]).unwrap_err();
    assert!(e.to_string().contains("value.nan: "), "{e}");
    let mut de = serde_json::Deserializer::from_str("[3, 4]");
    let spec = ArraySpec::new(DType::I8).with_values(ValueSpec::new().one_of([3]));
    let e = json::ReadOptions::new()
        .seed::<i8>(&spec)
        .deserialize(&mut de)
        .unwrap_err();
    assert!(e.to_string().starts_with("value.not_in_enum: "), "{e}");
}

#[test]
fn zero_copy_views_are_checked_in_place() {
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().max(1.0));
    let good = npy_bytes(&vector(&[0.5f64, 1.0]), ByteOrder::NATIVE);
    let view = npy::from_slice::<f64>(&good, &spec).unwrap();
    assert!(view.is_borrowed(), "a native, aligned payload is borrowed");
    let bad = npy_bytes(&vector(&[0.5f64, 2.0]), ByteOrder::NATIVE);
    let e = npy::from_slice::<f64>(&bad, &spec).unwrap_err();
    assert_eq!(
        e.to_string(),
        "1 element violates `max = 1` (first: value above the maximum): [1] = 2.0"
    );
    let payload: Vec<u8> = [0.5f64, 2.0].iter().flat_map(|v| v.to_ne_bytes()).collect();
    let layout = Layout::new(DType::F64, ByteOrder::NATIVE);
    let e = raw::from_slice::<f64>(&payload, &layout, &spec).unwrap_err();
    assert_eq!(e.code(), "value.above_max");
}

#[test]
fn bool_bytes_are_checked_before_values() {
    let spec = ArraySpec::new(DType::Bool).with_values(ValueSpec::new().one_of([1]));
    let mut bytes = npy_bytes(&vector(&[false, true, true]), ByteOrder::Little);
    let last = bytes.len() - 1;
    bytes[last] = 7;
    // Element 0 breaks `enum`, element 2 is no bool: the bool error wins.
    let e = npy::from_slice::<bool>(&bytes, &spec).unwrap_err();
    assert_eq!(e.code(), "data.invalid_bool");
    let e = npy::ReadOptions::new()
        .check_reader(&bytes[..], &spec)
        .unwrap_err();
    assert_eq!(e.code(), "data.invalid_bool");
}

#[test]
fn empty_value_spec_accepts_everything() {
    let spec = ArraySpec::new(DType::F64);
    let array = vector(&[f64::NAN, f64::INFINITY, -0.0, f64::MIN_POSITIVE / 2.0]);
    assert_all(&all_outcomes(&array, &spec), Ok(()), "no constraint");
}

/// A spec whose overrides set `max_bytes`.
fn with_max_bytes(spec: ArraySpec, max_bytes: u64) -> ArraySpec {
    let mut overrides = LimitOverrides::default();
    overrides.max_bytes = Some(max_bytes);
    spec.with_limits(overrides)
}

#[test]
fn spec_limit_overrides_lower_the_callers_limits() {
    // 16 payload bytes against a spec allowing 8, with default caller limits.
    let array = vector(&[1.0f64, 2.0]);
    let spec = with_max_bytes(ArraySpec::new(DType::F64), 8);
    assert_all(
        &all_outcomes(&array, &spec),
        Err("limit.bytes"),
        "max_bytes 8",
    );
    let e = npy::from_slice::<f64>(&npy_bytes(&array, ByteOrder::Little), &spec).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::LimitExceeded {
            limit: 8,
            requested: 16,
            ..
        }
    ));
    // Exactly at the override passes.
    let spec = with_max_bytes(ArraySpec::new(DType::F64), 16);
    assert_all(&all_outcomes(&array, &spec), Ok(()), "max_bytes 16");
}

#[test]
fn spec_limit_overrides_raise_the_callers_limits() {
    let array = vector(&[1.0f64, 2.0]);
    let mut tight = Limits::default();
    tight.max_bytes = 8;
    let plain = ArraySpec::new(DType::F64);
    let raised = with_max_bytes(plain.clone(), 1 << 20);
    let run = |spec: &ArraySpec| {
        let mut out = npy_outcomes(&array, spec, &tight);
        out.extend(raw_outcomes(&array, spec, &tight));
        out.extend(json_outcomes(&array, spec, &tight));
        out
    };
    assert_all(&run(&plain), Err("limit.bytes"), "caller limit 8");
    assert_all(&run(&raised), Ok(()), "spec raises to 1 MiB");
}

#[test]
fn other_overrides_apply_too() {
    let array = vector(&[1u8, 2, 3]);
    let bytes = npy_bytes(&array, ByteOrder::Little);
    let spec = |f: fn(&mut LimitOverrides)| {
        let mut o = LimitOverrides::default();
        f(&mut o);
        ArraySpec::new(DType::U8).with_limits(o)
    };
    // The npy header is 118 bytes; refused from its length field.
    let small_header = spec(|o| o.max_header_bytes = Some(100));
    for e in [
        npy::from_slice::<u8>(&bytes, &small_header).map(|_| ()),
        npy::ReadOptions::new()
            .check_reader(&bytes[..], &small_header)
            .map(|_| ()),
    ] {
        assert_eq!(e.unwrap_err().code(), "npy.header_too_large");
    }
    let two_elements = spec(|o| o.max_elements = Some(2));
    assert_all(
        &all_outcomes(&array, &two_elements),
        Err("limit.elements"),
        "max_elements 2",
    );
    let flat = spec(|o| o.max_ndim = Some(0));
    assert_all(
        &all_outcomes(&array, &flat),
        Err("limit.ndim"),
        "max_ndim 0",
    );
    let short_text = spec(|o| o.max_input_bytes = Some(4));
    let text = json_text(&array);
    let options = json::ReadOptions::new();
    for e in [
        options.read_str::<u8>(&text, &short_text).map(|_| ()),
        options
            .read_reader::<u8, _>(text.as_bytes(), &short_text)
            .map(|_| ()),
    ] {
        assert_eq!(e.unwrap_err().code(), "limit.input_bytes");
    }
    let shallow = spec(|o| o.max_depth = Some(1));
    assert_eq!(
        options
            .read_str::<u8>("[[1]]", &shallow)
            .unwrap_err()
            .code(),
        "limit.depth"
    );
}

#[test]
fn values_are_checked_after_the_length() {
    // A truncated payload whose present elements break the values: the length error wins.
    let spec = ArraySpec::new(DType::I16).with_values(ValueSpec::new().max(0.0));
    let mut bytes = npy_bytes(&vector(&[5i16, 6, 7]), ByteOrder::Little);
    bytes.pop();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.npy");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(&bytes).unwrap();
    drop(file);
    for e in [
        npy::from_slice::<i16>(&bytes, &spec).map(|_| ()),
        npy::from_reader::<i16, _>(&bytes[..], &spec).map(|_| ()),
        npy::from_path::<i16>(&path, &spec).map(|_| ()),
        npy::ReadOptions::new().check_path(&path, &spec).map(|_| ()),
        npy::ReadOptions::new()
            .check_reader(&bytes[..], &spec)
            .map(|_| ()),
    ] {
        assert_eq!(e.unwrap_err().code(), "data.truncated");
    }
}
