//! Streaming validation: a payload checked in chunks of at most [`CHUNK_BYTES`] without ever
//! holding the array, with the same result as reading it.
//!
//! The readers decode the whole payload and then check it: length, byte swap, `bool` bytes,
//! value constraints. [`stream`] runs the same checks on one chunk at a time, in a single
//! reusable buffer, and reports in the readers' order of precedence: a truncated or trailing
//! payload first, then the first invalid `bool` byte, then the value constraints (whose report
//! counts every element, so the whole payload is always read).

use std::io::Read;

use crate::dtype::Element;
use crate::error::{Error, Result, ValueKind, ValueViolation};
use crate::payload::{self, Position, Scratch};
use crate::plan::Plan;
use crate::spec::ValueSpec;

/// The most payload bytes held at once: chunks hold this many bytes' worth of whole elements
/// (at least one element).
pub(crate) const CHUNK_BYTES: usize = 1 << 20;

/// What the value constraints found in the chunks checked so far (see
/// [`ValueSpec::check_chunk`]).
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    /// The kind of the first violation and the constraint it breaks, as written in a spec.
    pub(crate) first: Option<(ValueKind, String)>,
    /// How many elements break any constraint.
    pub(crate) count: u64,
    /// The logical indices and values of the first few elements of the first kind.
    pub(crate) examples: Vec<(Vec<usize>, String)>,
}

impl Accumulator {
    /// The result over every chunk: [`Error::Values`] if any element broke a constraint.
    pub(crate) fn finish(self) -> Result<()> {
        let Some((kind, constraint)) = self.first else {
            return Ok(());
        };
        Err(Error::Values {
            violation: Box::new(ValueViolation {
                kind,
                constraint,
                count: self.count,
                first: self.examples,
            }),
        })
    }
}

/// Reads a payload of exactly `plan.nbytes()` bytes from `reader` in chunks and checks it as
/// [`payload::read`] would, without keeping it (see [`payload::pump`] for `at`).
pub(crate) fn stream<T: Element, R: Read>(
    plan: &Plan,
    reader: &mut R,
    at: Position,
    values: &ValueSpec,
) -> Result<()> {
    let total = plan.shape().len();
    let chunk = total.min((CHUNK_BYTES / T::DTYPE.itemsize()).max(1));
    let mut scratch = Scratch(payload::alloc_raw::<T::Raw>(chunk)?);
    payload::pump::<T, R, _>(plan, reader, at, values, &mut scratch, chunk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::{ByteOrder, DType};
    use crate::shape::{Order, Shape};

    fn at(offset: u64, known_len: bool) -> Position {
        Position {
            offset,
            known_len,
            to_end: true,
        }
    }

    fn plan(dtype: DType, byte_order: ByteOrder, dims: &[usize], order: Order) -> Plan {
        Plan::new(dtype, byte_order, Shape::new(dims.to_vec()).unwrap(), order).unwrap()
    }

    /// A reader that returns at most `step` bytes per call.
    struct Steps<'a>(&'a [u8], usize);

    impl Read for Steps<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn chunks_report_what_the_whole_payload_reports() {
        // Three chunks of 131 072 f64 each, a violation in each, F order: indices are computed
        // from the storage position across chunk boundaries.
        let n = 3 * (CHUNK_BYTES / 8);
        let mut data = vec![0.5f64; n];
        for i in [5, CHUNK_BYTES / 8 - 1, CHUNK_BYTES / 8, n - 1] {
            data[i] = -1.0;
        }
        data[7] = f64::NAN;
        let p = plan(DType::F64, ByteOrder::Big, &[2, n / 2], Order::F);
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_be_bytes()).collect();
        let values = ValueSpec::new().min(0.0).finite();
        let whole = payload::read::<f64, _>(&p, &mut &bytes[..], at(0, true), &values, false);
        for step in [1 << 20, 4093, 7] {
            let streamed = stream::<f64, _>(&p, &mut Steps(&bytes, step), at(0, false), &values);
            assert_eq!(
                streamed.unwrap_err().to_string(),
                whole.as_ref().unwrap_err().to_string()
            );
        }
    }

    #[test]
    fn short_payload_is_truncated_before_a_bad_bool() {
        let p = plan(DType::Bool, ByteOrder::Little, &[4], Order::C);
        let e = stream::<bool, _>(&p, &mut &[0u8, 9, 1][..], at(10, false), &ValueSpec::new());
        assert!(matches!(
            e,
            Err(Error::TruncatedData {
                offset: 10,
                expected: 4,
                found: 3
            })
        ));
        let e = stream::<bool, _>(
            &p,
            &mut &[0u8, 9, 1, 0][..],
            at(10, false),
            &ValueSpec::new(),
        );
        assert!(matches!(
            e,
            Err(Error::InvalidBool {
                index: 1,
                offset: 11,
                value: 9
            })
        ));
    }

    #[test]
    fn accumulator_without_violations_is_ok() {
        assert!(Accumulator::default().finish().is_ok());
    }
}
