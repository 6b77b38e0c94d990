//! Round trips of spec files: specs built with the API, the fixture files in
//! `tests/data/specs/`, and generated specs, each written as TOML and JSON and loaded back to
//! an equal spec; the canonical text is a fixed point.

use std::fs;
use std::path::{Path, PathBuf};

use arrayguard::{
    ArraySpec, BundleSpec, ByteOrder, DType, Dim, ErrorKind, LimitOverrides, Order, ShapeSpec,
    SpecFile, ValueSpec,
};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/specs")
}

fn shape(text: &str) -> ShapeSpec {
    ShapeSpec::parse(text).unwrap()
}

/// Specs built with the API, of every feature the file form has.
fn sample_specs() -> Vec<(&'static str, SpecFile)> {
    let mut limits = LimitOverrides::default();
    limits.max_bytes = Some(1 << 20);
    limits.max_ndim = Some(4);
    limits.max_header_bytes = Some(4096);
    limits.max_depth = Some(8);
    limits.max_input_bytes = Some(1 << 22);
    limits.max_elements = Some(1000);
    let mut bundle_limits = LimitOverrides::default();
    bundle_limits.max_bytes = Some(1 << 30);
    bundle_limits.max_depth = Some(16);
    let mut x_limits = LimitOverrides::default();
    x_limits.max_bytes = Some(1 << 10);
    x_limits.max_depth = Some(16);
    let arrays = [
        ("any", ArraySpec::any()),
        ("one dtype", ArraySpec::new(DType::F32)),
        (
            "dtype list",
            ArraySpec::any().with_dtypes([DType::U8, DType::Complex128, DType::Bool]),
        ),
        (
            "byte order",
            ArraySpec::new(DType::I16).with_byte_order(ByteOrder::Big),
        ),
        (
            "dims",
            ArraySpec::new(DType::F64).with_shape([
                Dim::Any,
                Dim::Exact(3),
                Dim::Range { min: 1, max: 64 },
            ]),
        ),
        (
            "pattern",
            ArraySpec::new(DType::U8)
                .with_shape_spec(shape("*batch h:32..=1024 w:8.. 3"))
                .with_order(Order::C),
        ),
        (
            "0-d",
            ArraySpec::new(DType::I64)
                .with_shape_spec(shape(""))
                .with_order(Order::F),
        ),
        (
            "bounds",
            ArraySpec::new(DType::F16).with_values(
                ValueSpec::new()
                    .min(-1.5)
                    .max(0.1)
                    .exclusive_min(-2.0)
                    .exclusive_max(1e300),
            ),
        ),
        (
            "finite",
            ArraySpec::new(DType::F32).with_values(ValueSpec::new().finite()),
        ),
        (
            "nan only",
            ArraySpec::new(DType::F64).with_values(ValueSpec::new().allow_nan(false)),
        ),
        (
            "inf only",
            ArraySpec::new(DType::Complex64).with_values(ValueSpec::new().allow_inf(false)),
        ),
        (
            "enum",
            ArraySpec::new(DType::I8).with_values(ValueSpec::new().one_of([3, -1, 2]).min(-1.0)),
        ),
        (
            "big bounds",
            ArraySpec::new(DType::U64).with_values(ValueSpec::new().max(18446744073709551615.0)),
        ),
        ("limits", ArraySpec::any().with_limits(limits)),
        (
            "empty limits",
            ArraySpec::any().with_limits(LimitOverrides::default()),
        ),
    ];
    let mut specs: Vec<(&str, SpecFile)> = arrays
        .into_iter()
        .map(|(n, s)| (n, SpecFile::from(s)))
        .collect();
    let bundle = BundleSpec::new()
        .with_dim(
            "n",
            Dim::Range {
                min: 1,
                max: 100_000,
            },
        )
        .with_dim("k", Dim::Exact(10))
        .with_array(
            "X",
            ArraySpec::new(DType::F32)
                .with_shape_spec(shape("n 784"))
                .with_limits(x_limits),
        )
        .with_array(
            "y",
            ArraySpec::new(DType::I64)
                .with_shape_spec(shape("n"))
                .with_values(ValueSpec::new().one_of(0..10)),
        )
        .with_array(
            "p",
            ArraySpec::new(DType::F64).with_shape_spec(shape("n:2..=50 k")),
        )
        .with_array("w", ArraySpec::any().with_shape_spec(shape("*rest k")))
        .with_limits(bundle_limits)
        .build()
        .unwrap();
    specs.push(("bundle", SpecFile::from(bundle)));
    let plain = BundleSpec::new()
        .with_array("b", ArraySpec::new(DType::Bool))
        .with_array("a", ArraySpec::new(DType::U8).with_shape_spec(shape("m m")))
        .build()
        .unwrap();
    specs.push(("plain bundle", SpecFile::from(plain)));
    specs
}

#[test]
fn specs_round_trip_through_toml_and_json() {
    for (name, spec) in sample_specs() {
        let toml = spec.to_toml_string().unwrap();
        assert_eq!(
            SpecFile::from_toml_str(&toml).unwrap(),
            spec,
            "{name}:\n{toml}"
        );
        let json = spec.to_json_string().unwrap();
        assert_eq!(
            SpecFile::from_json_str(&json).unwrap(),
            spec,
            "{name}:\n{json}"
        );
        // The canonical text is a fixed point.
        assert_eq!(
            SpecFile::from_toml_str(&toml)
                .unwrap()
                .to_toml_string()
                .unwrap(),
            toml,
            "{name}"
        );
    }
}

#[test]
fn fixtures_round_trip_through_toml_and_json() {
    for entry in fs::read_dir(specs_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("ok_") {
            continue;
        }
        let spec = SpecFile::from_path(&path).unwrap();
        let toml = spec.to_toml_string().unwrap();
        assert_eq!(
            SpecFile::from_toml_str(&toml).unwrap(),
            spec,
            "{name}:\n{toml}"
        );
        let json = spec.to_json_string().unwrap();
        assert_eq!(
            SpecFile::from_json_str(&json).unwrap(),
            spec,
            "{name}:\n{json}"
        );
    }
}

#[test]
fn canonical_form_of_a_bundle() {
    let spec = SpecFile::from_path(specs_dir().join("ok_features_labels.json")).unwrap();
    // The declared range and the bundle limits stay where the file put them.
    assert_eq!(
        spec.to_toml_string().unwrap(),
        "version = 1\n\n[dims.n]\nmin = 1\nmax = 100000\n\n[arrays.X]\ndtype = \"f32\"\nshape = \"n 784\"\n\n\
         [arrays.X.values]\nmin = 0.0\nmax = 1.0\nfinite = true\n\n[arrays.y]\ndtype = \"i64\"\nshape = \"n\"\n\n\
         [arrays.y.values]\nenum = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n\n[limits]\nmax_bytes = 400000000\n"
    );
}

#[test]
fn infinite_bounds_need_toml() {
    let spec = SpecFile::from(
        ArraySpec::new(DType::F64).with_values(ValueSpec::new().exclusive_max(f64::INFINITY)),
    );
    let e = spec.to_json_string().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::NotRepresentable { .. }));
    assert_eq!(
        e.to_string(),
        "not representable: `array.values.exclusive_max` is inf, which JSON cannot write"
    );
    let toml = spec.to_toml_string().unwrap();
    assert!(toml.contains("exclusive_max = inf"), "{toml}");
    assert_eq!(SpecFile::from_toml_str(&toml).unwrap(), spec);
}

mod round_trip_properties {
    use super::*;
    use proptest::prelude::*;

    fn dtypes() -> impl Strategy<Value = Option<Vec<DType>>> {
        proptest::option::of(proptest::sample::subsequence(DType::ALL.to_vec(), 1..=14))
    }

    fn token() -> impl Strategy<Value = String> {
        prop_oneof![
            (0usize..1000).prop_map(|n| n.to_string()),
            Just("_".to_string()),
            "[a-z][a-z0-9_]{0,6}",
            ("[a-z]{1,3}", 0usize..100, 0usize..100).prop_map(|(n, a, b)| format!(
                "{n}:{}..={}",
                a.min(b),
                a.max(b)
            )),
            (0usize..100).prop_map(|a| format!("_:{a}..")),
        ]
    }

    fn shape_text() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(token(), 0..5),
            proptest::option::of(prop_oneof![Just("...".to_string()), "\\*[A-Z]{1,3}"]),
            0usize..5,
        )
            .prop_map(|(mut tokens, variadic, at)| {
                if let Some(v) = variadic {
                    tokens.insert(at.min(tokens.len()), v);
                }
                tokens.join(" ")
            })
    }

    fn values() -> impl Strategy<Value = ValueSpec> {
        (
            proptest::option::of(-1e6f64..1e6),
            proptest::option::of(0f64..1e6),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(min, span, nan, inf)| {
                let mut v = ValueSpec::new().allow_nan(nan).allow_inf(inf);
                if let Some(min) = min {
                    v = v.min(min);
                    if let Some(span) = span {
                        v = v.max(min + span);
                    }
                }
                v
            })
    }

    fn array_spec() -> impl Strategy<Value = ArraySpec> {
        (
            dtypes(),
            proptest::option::of(shape_text()),
            0u8..3,
            0u8..3,
            values(),
            proptest::option::of(1u64..1 << 40),
        )
            .prop_filter_map(
                "shape patterns with clashing names",
                |(dtypes, shape, order, byte_order, values, max_bytes)| {
                    let mut spec = ArraySpec::any().with_values(values);
                    if let Some(dtypes) = dtypes {
                        spec = spec.with_dtypes(dtypes);
                    }
                    if let Some(shape) = shape {
                        spec = spec.with_shape_spec(ShapeSpec::parse(&shape).ok()?);
                    }
                    match order {
                        0 => spec = spec.with_order(Order::C),
                        1 => spec = spec.with_order(Order::F),
                        _ => {}
                    }
                    match byte_order {
                        0 => spec = spec.with_byte_order(ByteOrder::Little),
                        1 => spec = spec.with_byte_order(ByteOrder::Big),
                        _ => {}
                    }
                    if let Some(max_bytes) = max_bytes {
                        let mut limits = LimitOverrides::default();
                        limits.max_bytes = Some(max_bytes);
                        spec = spec.with_limits(limits);
                    }
                    Some(spec)
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_spec_round_trips(spec in array_spec()) {
            let file = SpecFile::from(spec);
            let toml = file.to_toml_string().unwrap();
            prop_assert_eq!(&SpecFile::from_toml_str(&toml).unwrap(), &file, "{}", toml);
            let json = file.to_json_string().unwrap();
            prop_assert_eq!(&SpecFile::from_json_str(&json).unwrap(), &file, "{}", json);
        }
    }
}
