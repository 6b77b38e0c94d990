//! The loader against arrayguard's generators: every valid point cloud loads with its values,
//! and every near miss is refused with the code arrayguard labels it with.

use arrayguard::testing::{Format, Generator, NearMissStrategy, SampleStrategy};
use proptest::prelude::*;
use proptest_user::{load_points, spec};

fn generator() -> Generator {
    Generator::for_array(&spec()).expect("the spec is satisfiable")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn valid_clouds_load_with_their_values(sample in SampleStrategy::new(generator())) {
        let drawn = &sample.arrays[0];
        let file = &sample.encode(Format::Npy).unwrap().files[0];
        let points = load_points(&file.bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = drawn.array.clone().into_c_order();
        let expected = expected.as_typed::<f32>().unwrap().as_slice();
        let loaded: Vec<f32> = points.iter().flatten().copied().collect();
        prop_assert_eq!(loaded.len(), expected.len());
        for (a, b) in loaded.iter().zip(expected) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
    }

    #[test]
    fn near_misses_are_refused_with_their_code(miss in NearMissStrategy::new(generator(), Format::Npy)) {
        let file = &miss.encode().unwrap().files[0];
        let error = load_points(&file.bytes).expect_err("a near miss must be refused");
        prop_assert_eq!(error.code(), miss.code, "{:?}", miss.rule);
    }
}
