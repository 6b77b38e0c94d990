//! Checks a `.npy` file of any size in bounded memory, as `arrayguard check` does in CI: the
//! header, the file's length and every element's value, without holding the array.
//!
//! Run: `cargo run --release --example check_big -- big.npy [min max]`
//!
//! With `min` and `max`, every element must be a finite number in `min..=max`. The size
//! limits are lifted (this is a checker for one's own data, not a service): the memory used
//! stays at about 1 MiB whatever the file's size.

use arrayguard::{npy, ArraySpec, Limits, ValueSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: check_big FILE.npy [MIN MAX]")?;
    let mut spec = ArraySpec::any();
    if let (Some(min), Some(max)) = (args.next(), args.next()) {
        let values = ValueSpec::new()
            .min(min.parse()?)
            .max(max.parse()?)
            .finite();
        spec = spec.with_values(values);
    }
    let started = std::time::Instant::now();
    let result = npy::ReadOptions::new()
        .limits(Limits::unlimited())
        .check_path(&path, &spec);
    let elapsed = started.elapsed();
    match result {
        Ok(header) => println!(
            "{path}: valid `{}` {} ({} bytes) in {elapsed:.2?}",
            header.descr(),
            header.shape(),
            header.nbytes()
        ),
        Err(e) => println!("{path}: invalid [{}] {e} ({elapsed:.2?})", e.code()),
    }
    Ok(())
}
