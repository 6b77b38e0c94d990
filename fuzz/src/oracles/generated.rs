//! `generated`: samples and near misses of `arrayguard::testing` drawn from the fuzzer's bytes
//! (as `arbitrary::Unstructured`), for a spec decoded as `structured` decodes its spec, in
//! every format.
//!
//! Oracles: a valid sample is read back by the library, every array bit for bit, and satisfies
//! the spec and the limits ([`satisfies`], the independent spec oracle); a near miss is
//! refused with exactly its labelled code. A failure is a bug in the library or in the
//! generators.

use arbitrary::Unstructured;
use arrayguard::testing::{Format, Generator};
use arrayguard::Limits;

use super::cursor::{dtype_of, Cursor};
use super::structured::spec_from;
use super::Meter;
use crate::support::arrays::bits_equal;
use crate::support::satisfies::satisfies;

/// Elements per generated array: small, so the fuzzer goes wide.
const MAX_ELEMENTS: usize = 256;

/// `generated`: see the module docs. Layout of the input: a dtype selector, a number of axes
/// (mod 5) and one byte per axis (mod 5) that the spec is decoded around, the spec (as in
/// `structured`), a format selector (mod 4), then the generator's choices.
pub fn generated<M: Meter>(data: &[u8], _meter: &M) {
    let mut c = Cursor::new(data);
    let dtype = dtype_of(c.u8());
    let ndim = usize::from(c.u8() % 5);
    let dims: Vec<usize> = (0..ndim).map(|_| usize::from(c.u8() % 5)).collect();
    let spec = spec_from(&mut c, dtype, &dims);
    let format = Format::ALL[usize::from(c.u8() % 4)];
    let Ok(generator) = Generator::for_array(&spec) else {
        return;
    };
    let generator = generator.with_max_elements(MAX_ELEMENTS);
    let mut u = Unstructured::new(c.rest());
    if u.arbitrary::<bool>().unwrap_or(false) {
        let miss = generator.near_miss(&mut u, format);
        let files = miss.encode().expect("encoding to memory");
        let got = generator.read(format, &files).err().map(|e| e.code());
        assert_eq!(
            got,
            Some(miss.code),
            "near miss {:?} in {format:?} not refused with its code",
            miss.rule
        );
    } else {
        let sample = generator.sample(&mut u);
        let files = sample.encode(format).expect("encoding to memory");
        let read = match generator.read(format, &files) {
            Ok(read) => read,
            Err(e) => panic!(
                "valid {format:?} sample refused: {} ({e})\n{sample:?}",
                e.code()
            ),
        };
        assert_eq!(read.len(), sample.arrays.len());
        let limits = Limits::default();
        for ((name, back), drawn) in read.iter().zip(&sample.arrays) {
            assert_eq!(name, &drawn.name);
            let (a, b) = (
                back.clone().into_c_order(),
                drawn.array.clone().into_c_order(),
            );
            assert!(bits_equal(&a, &b), "{format:?}: read back differs");
            if let Err(broken) = satisfies(back, None, &spec, &limits) {
                panic!("a generated sample breaks the spec: {broken}\n{spec:?}");
            }
        }
    }
}
