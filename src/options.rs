//! The private core that every format's `ReadOptions` shares: the limits, the memory order of
//! the output and whether bytes may follow the array, plus the payload readers that a
//! front-end hands to its [`Target`](crate::Target) once the plan passed every check.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::array::{Array, ArrayView};
use crate::dtype::{DType, Element};
use crate::error::Result;
use crate::limits::Limits;
use crate::payload::{self, SourceInfo};
use crate::plan::Plan;
use crate::spec::{ArraySpec, ValueSpec};
use crate::target::Payload;

/// The knobs shared by `npy::ReadOptions`, `raw::ReadOptions` and `json::ReadOptions`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Core {
    /// The caller's limits; a spec's overrides apply on top ([`Core::limits_for`]).
    pub(crate) limits: Limits,
    /// Deliver C order, converting Fortran-order payloads.
    pub(crate) c_order: bool,
    /// Accept bytes after the payload (the reader is left just after it).
    pub(crate) allow_trailing: bool,
}

impl Core {
    /// The limits to read with: the caller's, with `spec`'s overrides applied.
    pub(crate) fn limits_for(&self, spec: &ArraySpec) -> Limits {
        spec.limits_over(&self.limits)
    }
}

/// Opens `path`, with its length when it is a regular file.
pub(crate) fn open(path: &Path) -> Result<(File, Option<u64>)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    // Only a regular file's length is a promise about what reading will return.
    let len = meta.is_file().then_some(meta.len());
    Ok((file, len))
}

/// A payload in a slice of exactly `plan.nbytes()` bytes: borrowed when aligned and native,
/// copied otherwise.
pub(crate) struct SlicePayload<'a, 'p> {
    pub(crate) plan: &'p Plan,
    pub(crate) bytes: &'a [u8],
    /// The payload's position in the input, for errors.
    pub(crate) offset: u64,
    pub(crate) values: &'p ValueSpec,
    pub(crate) c_order: bool,
}

impl<'a> Payload<'a> for SlicePayload<'a, '_> {
    fn dtype(&self) -> DType {
        self.plan.dtype()
    }

    fn owned<T: Element>(self) -> Result<Array<T>> {
        Ok(self.view::<T>()?.into_owned())
    }

    fn view<T: Element>(self) -> Result<ArrayView<'a, T>> {
        payload::view(
            self.plan,
            self.bytes,
            self.offset,
            self.values,
            self.c_order,
        )
    }
}

/// A payload read from a reader into one buffer (see [`payload::read`]).
pub(crate) struct ReaderPayload<'p, R> {
    pub(crate) plan: &'p Plan,
    pub(crate) reader: R,
    pub(crate) at: SourceInfo,
    pub(crate) values: &'p ValueSpec,
    pub(crate) c_order: bool,
}

impl<R: Read> Payload<'_> for ReaderPayload<'_, R> {
    fn dtype(&self) -> DType {
        self.plan.dtype()
    }

    fn owned<T: Element>(mut self) -> Result<Array<T>> {
        payload::read(
            self.plan,
            &mut self.reader,
            self.at,
            self.values,
            self.c_order,
        )
    }
}
