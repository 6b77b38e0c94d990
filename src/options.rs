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
use crate::parallel::{Positional, Threads};
use crate::payload::{self, Par, SourceInfo};
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
    /// The threads a large payload may use.
    pub(crate) threads: Threads,
}

impl Core {
    /// The limits to read with: the caller's, with `spec`'s overrides applied.
    pub(crate) fn limits_for(&self, spec: &ArraySpec) -> Limits {
        spec.limits_over(&self.limits)
    }

    /// Sets the most threads (0: the default).
    pub(crate) fn set_threads(&mut self, threads: usize) {
        self.threads.max = threads;
    }

    /// Sets the fewest payload bytes per thread (at least 1).
    pub(crate) fn set_parallel_min_bytes(&mut self, bytes: usize) {
        self.threads.min_range = bytes.max(1);
    }

    /// How a payload from `file` (`start`: the payload's first byte in it) may be read.
    pub(crate) fn par<'a>(&self, file: Option<(&'a File, u64)>) -> Par<'a> {
        #[cfg(unix)]
        let source = file.map(|(file, start)| Positional::File { file, start });
        #[cfg(not(unix))]
        let source = {
            let _ = file;
            None
        };
        Par::new(self.threads, source)
    }
}

/// The documentation of `threads` on every format's options, which also says it.
macro_rules! threads_doc {
    () => {
        "Caps the threads a large payload is read, converted and checked on. A payload of at \
         least 8 MiB from a slice or a regular file (`read_slice`, `read_path`, `check_path`) \
         is split into ranges of whole elements, at least 4 MiB each, each read (`read_at` on \
         Unix), swapped to native order, checked (`bool` bytes, value constraints) and, for a \
         Fortran-order payload delivered in C order, converted on its own scoped thread \
         (each thread writing its own columns of every row). Errors are those of a read on one thread: the first in payload order \
         is reported, with the same index, offset and count of violations. A streaming check \
         then holds at most one 1 MiB buffer per thread. Other readers (pipes, sockets, any \
         `Read`) are read on the caller's thread. `0` (the default) means the processors \
         available to the process ([`std::thread::available_parallelism`]), at most 8; `1` \
         reads every payload on the caller's thread."
    };
}
pub(crate) use threads_doc;

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
        ThreadedSlice {
            payload: self,
            threads: Threads::default(),
        }
        .view()
    }
}

/// A [`SlicePayload`] read on up to `threads` threads when it is large.
pub(crate) struct ThreadedSlice<'a, 'p> {
    pub(crate) payload: SlicePayload<'a, 'p>,
    pub(crate) threads: Threads,
}

impl<'a> Payload<'a> for ThreadedSlice<'a, '_> {
    fn dtype(&self) -> DType {
        self.payload.plan.dtype()
    }

    fn owned<T: Element>(self) -> Result<Array<T>> {
        Ok(self.view::<T>()?.into_owned())
    }

    fn view<T: Element>(self) -> Result<ArrayView<'a, T>> {
        let p = self.payload;
        payload::view(p.plan, p.bytes, p.offset, p.values, p.c_order, self.threads)
    }
}

/// A payload read from a reader into one buffer (see [`payload::read`]).
pub(crate) struct ReaderPayload<'p, R> {
    pub(crate) plan: &'p Plan,
    pub(crate) reader: R,
    pub(crate) at: SourceInfo,
    pub(crate) values: &'p ValueSpec,
    pub(crate) c_order: bool,
    /// Threads, and the reader as a positional source when it is a file.
    pub(crate) par: Par<'p>,
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
            self.par,
        )
    }
}
