//! The generators of `arrayguard::testing` against the library: every valid sample is read
//! back by every reader bit for bit and passes the streaming checks; every near miss is
//! refused with exactly its labelled code; over many seeds the samples reach every feature of
//! the spec's space and the near misses every rule; the hostile files get their codes.
//!
//! Needs `--features arbitrary,proptest` (scripts/test runs it so).

use std::collections::BTreeMap;

use arrayguard::testing::{
    hostile_files, Feature, Format, Generator, NearMissStrategy, Rule, Sample, SampleStrategy,
    Seeded,
};
use arrayguard::{
    json, npy, npz, ArraySpec, BundleSpec, ByteOrder, DType, Dim, DynArray, Input, Limits, Order,
    ShapeSpec, ValueSpec,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn shape(text: &str) -> ShapeSpec {
    ShapeSpec::parse(text).unwrap()
}

/// Specs that together use every kind of constraint.
fn specs() -> Vec<(&'static str, Generator)> {
    let array = |name, spec: ArraySpec| (name, Generator::for_array(&spec).unwrap());
    let bundle = BundleSpec::new()
        .with_dim("n", Dim::Range { min: 1, max: 5 })
        .with_array(
            "X",
            ArraySpec::new(DType::F32)
                .with_shape_spec(shape("n 4"))
                .with_order(Order::C)
                .with_byte_order(ByteOrder::Little)
                .with_values(ValueSpec::new().min(-1.0).max(1.0).finite()),
        )
        .with_array(
            "y",
            ArraySpec::new(DType::I64)
                .with_shape_spec(shape("n"))
                .with_values(ValueSpec::new().min(0.0).max(9.0)),
        )
        .with_array(
            "mask",
            ArraySpec::new(DType::Bool).with_shape_spec(shape("*b n")),
        )
        .with_array("w", ArraySpec::new(DType::F64).with_shape_spec(shape("*b")))
        .build()
        .unwrap();
    vec![
        array(
            "unit_points",
            ArraySpec::new(DType::F32)
                .with_shape_spec(shape("n 3"))
                .with_order(Order::C)
                .with_values(ValueSpec::new().min(0.0).max(1.0).finite()),
        ),
        array("anything", ArraySpec::any()),
        array(
            "labels",
            ArraySpec::any()
                .with_dtypes([DType::I8, DType::U16, DType::I64, DType::U8])
                .with_shape_spec(shape("*batch h:2..=4"))
                .with_byte_order(ByteOrder::Big)
                .with_values(ValueSpec::new().one_of([0, 1, -1, 7, 300])),
        ),
        array(
            "signal",
            ArraySpec::any()
                .with_dtypes([DType::F16, DType::F64, DType::Complex64, DType::Complex128])
                .with_shape_spec(shape("_:0..=3 ... 2"))
                .with_order(Order::F)
                .with_values(
                    ValueSpec::new()
                        .exclusive_min(-1.5)
                        .exclusive_max(2.5)
                        .allow_nan(true)
                        .allow_inf(false),
                ),
        ),
        array(
            "square_mask",
            ArraySpec::new(DType::Bool)
                .with_shape_spec(shape("n n"))
                .with_values(ValueSpec::new().min(1.0)),
        ),
        array(
            "wide_ints",
            ArraySpec::any()
                .with_dtypes([DType::U64, DType::I64, DType::I32])
                .with_shape_spec(shape("k:1..=8"))
                .with_values(ValueSpec::new().min(-9.2e18).exclusive_max(1.8e19)),
        ),
        array(
            "scalar",
            ArraySpec::new(DType::I16)
                .with_shape_spec(shape(""))
                .with_values(ValueSpec::new().min(5.0).max(5.0)),
        ),
        ("bundle", Generator::for_bundle(&bundle).unwrap()),
    ]
}

fn formats(g: &Generator) -> Vec<Format> {
    Format::ALL
        .into_iter()
        .filter(|&f| !(g.is_bundle() && f == Format::Raw))
        .collect()
}

/// dtype, shape and the C-order bytes: equal bit for bit.
fn canonical(a: &DynArray) -> (DType, Vec<usize>, Vec<u8>) {
    (
        a.dtype(),
        a.shape().dims().to_vec(),
        a.clone().into_c_order().as_bytes().to_vec(),
    )
}

/// The streaming checks of `Input` on every file of a single-array sample (`.npy` and JSON;
/// the `.npz` archive's own `check`).
fn checks(
    spec: &ArraySpec,
    format: Format,
    files: &arrayguard::testing::Encoded,
) -> Result<(), arrayguard::Error> {
    for f in &files.files {
        match format {
            Format::Npy => {
                Input::Npy(&f.bytes).check(spec, &Limits::default())?;
            }
            Format::Json => {
                Input::Json(&f.bytes).check(spec, &Limits::default())?;
            }
            Format::Npz => {
                let mut archive = npz::open_slice(&f.bytes)?;
                let names: Vec<String> = archive
                    .members()
                    .iter()
                    .map(|m| m.array().to_string())
                    .collect();
                for n in names {
                    archive.check(&n, spec)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

fn assert_read_back(
    g: &Generator,
    name: &str,
    format: Format,
    sample: &Sample,
) -> Result<(), TestCaseError> {
    let files = sample.encode(format).unwrap();
    let read = g.read(format, &files);
    let read = match read {
        Ok(r) => r,
        Err(e) => {
            return Err(TestCaseError::fail(format!(
                "{name} {format:?}: valid sample refused: {} ({})\n{sample:?}",
                e.code(),
                e
            )))
        }
    };
    let got: BTreeMap<String, _> = read
        .iter()
        .map(|(n, a)| (n.clone(), canonical(a)))
        .collect();
    let want: BTreeMap<String, _> = sample
        .arrays
        .iter()
        .map(|a| (a.name.clone(), canonical(&a.array)))
        .collect();
    prop_assert_eq!(got, want, "{} {:?}", name, format);
    if let Some(spec) = g.array_spec() {
        if let Err(e) = checks(spec, format, &files) {
            return Err(TestCaseError::fail(format!(
                "{name} {format:?}: check refused a valid sample: {e}"
            )));
        }
    }
    Ok(())
}

#[test]
fn valid_samples_read_back_bit_for_bit() {
    for (name, g) in specs() {
        for format in formats(&g) {
            let strategy = SampleStrategy::new(g.clone());
            runner(64)
                .run(&strategy, |sample| {
                    assert_read_back(&g, name, format, &sample)
                })
                .unwrap_or_else(|e| panic!("{name} {format:?}: {e}"));
        }
    }
}

#[test]
fn near_misses_fail_with_exactly_their_code() {
    for (name, g) in specs() {
        for format in formats(&g) {
            let strategy = NearMissStrategy::new(g.clone(), format);
            runner(96)
                .run(&strategy, |miss| {
                    let files = miss.encode().unwrap();
                    let code = g.read(format, &files).err().map(|e| e.code());
                    prop_assert_eq!(
                        code,
                        Some(miss.code),
                        "{} {:?} {:?} in {}",
                        name,
                        format,
                        miss.rule,
                        miss.array
                    );
                    if let Some(spec) = g.array_spec() {
                        let checked = checks(spec, format, &files).err().map(|e| e.code());
                        if format != Format::Raw {
                            prop_assert_eq!(
                                checked,
                                Some(miss.code),
                                "check: {} {:?}",
                                name,
                                miss.rule
                            );
                        }
                    }
                    Ok(())
                })
                .unwrap_or_else(|e| panic!("{name} {format:?}: {e}"));
        }
    }
}

/// Over many seeds, every feature the generator says the spec allows is reached by some valid
/// sample, and every rule by some near miss (each refused with its code).
#[test]
fn corpora_reach_every_feature_and_rule() {
    for (name, g) in specs() {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut c = Seeded::new(1);
        for _ in 0..600 {
            let sample = g.sample(&mut c);
            for f in g.reached(&sample) {
                *counts.entry(format!("{f:?}")).or_default() += 1;
            }
        }
        let features: Vec<Feature> = g.features();
        let missing: Vec<String> = features
            .iter()
            .map(|f| format!("{f:?}"))
            .filter(|f| !counts.contains_key(f))
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: never reached {missing:?}; reached {counts:?}"
        );
        assert!(features.len() >= 8, "{name}: {features:?}");
        for format in formats(&g) {
            let mut rules: BTreeMap<&str, usize> = BTreeMap::new();
            for _ in 0..400 {
                let miss = g.near_miss(&mut c, format);
                let code = g
                    .read(format, &miss.encode().unwrap())
                    .err()
                    .map(|e| e.code());
                assert_eq!(code, Some(miss.code), "{name} {format:?} {:?}", miss.rule);
                *rules.entry(miss.rule.name()).or_default() += 1;
            }
            let missing: Vec<&str> = g
                .rules(format)
                .into_iter()
                .map(Rule::name)
                .filter(|r| !rules.contains_key(r))
                .collect();
            assert!(
                missing.is_empty(),
                "{name} {format:?}: no near miss of {missing:?}: {rules:?}"
            );
        }
    }
}

#[test]
fn seeds_make_the_same_corpus() {
    for (_, g) in specs() {
        let a: Vec<_> = (0..5).map(|_| g.sample(&mut Seeded::new(9))).collect();
        let b: Vec<_> = (0..5).map(|_| g.sample(&mut Seeded::new(9))).collect();
        for (x, y) in a.iter().zip(&b) {
            for format in formats(&g) {
                assert_eq!(x.encode(format).unwrap(), y.encode(format).unwrap());
            }
        }
    }
}

#[test]
fn hostile_files_get_their_codes() {
    let files = hostile_files();
    let classes: Vec<&str> = files.iter().map(|f| f.class).collect();
    assert_eq!(
        classes,
        ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7", "4.8", "4.8a", "4.9", "4.10"]
    );
    for f in files {
        let code = if f.name.ends_with(".npz") {
            npz::from_slice(&f.bytes, &ArraySpec::any())
                .err()
                .map(|e| e.code())
        } else if f.name.ends_with(".json") {
            json::from_slice::<f64>(&f.bytes, &ArraySpec::any())
                .err()
                .map(|e| e.code())
        } else {
            npy::ReadOptions::new()
                .read_slice::<DynArray>(&f.bytes, &ArraySpec::any())
                .err()
                .map(|e| e.code())
        };
        assert_eq!(code, Some(f.code), "{}", f.name);
    }
}

/// A spec no array satisfies is refused when the generator is made.
#[test]
fn unsatisfiable_specs_are_refused() {
    let spec = ArraySpec::new(DType::U8).with_values(ValueSpec::new().min(300.0));
    assert_eq!(
        Generator::for_array(&spec).unwrap_err().code(),
        "config.invalid_spec"
    );
    let bundle = BundleSpec::new()
        .with_array("a", ArraySpec::any().with_shape_spec(shape("n:1..=2")))
        .with_array("b", ArraySpec::any().with_shape_spec(shape("n:3..=4")))
        .build()
        .unwrap();
    assert!(Generator::for_bundle(&bundle).is_err());
}
