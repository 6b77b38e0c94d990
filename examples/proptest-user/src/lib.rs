//! A downstream crate's loader: point clouds of `n` rows of 3 finite `f32` coordinates within
//! ±1000, up to 10 000 points, from `.npy` bytes. Its tests (`tests/loader.rs`) use
//! arrayguard's proptest strategies to check it against its own spec, the way any user of
//! `arrayguard::testing` would.

use arrayguard::{npy, ArraySpec, DType, Error, ShapeSpec, ValueSpec};

/// The spec the loader enforces.
pub fn spec() -> ArraySpec {
    ArraySpec::new(DType::F32)
        .with_shape_spec(ShapeSpec::parse("n:1..=10000 3").expect("a valid pattern"))
        .with_values(ValueSpec::new().min(-1000.0).max(1000.0).finite())
}

/// A point.
pub type Point = [f32; 3];

/// Loads points from `.npy` bytes, in either byte order and memory order.
///
/// # Errors
///
/// arrayguard's error for anything that is not such a point cloud.
pub fn load_points(bytes: &[u8]) -> Result<Vec<Point>, Error> {
    let array = npy::ReadOptions::new()
        .c_order(true)
        .read_slice::<f32>(bytes, &spec())?;
    Ok(array
        .as_slice()
        .chunks_exact(3)
        .map(|p| [p[0], p[1], p[2]])
        .collect())
}
