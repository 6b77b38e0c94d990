//! The payload stage shared by every binary front-end: bytes that a checked [`Plan`] describes
//! become a typed array, borrowed when possible, otherwise read into one buffer whose size was
//! checked first. Byte swapping, `bool` checking and the spec's value constraints happen here,
//! in that order, after the length was checked.
//!
//! Every read converts and checks its payload chunk by chunk in [`pump`], while each chunk is
//! in cache. A streaming check ([`stream`]) is the same pump into one reused buffer: the
//! payload is checked, with the same result as a read, without ever being held.

use std::io::{self, Read};

use crate::array::{Array, ArrayView};
use crate::buffer::{Buffer, RawBuffer, HUGE_MIN};
use crate::dtype::{DType, Element};
use crate::error::{Error, ErrorKind, Result};
use crate::parallel::{self, Positional, Threads};
use crate::plan::Plan;
use crate::shape::Order;
use crate::spec::{ValueSpec, ValueTally};
use crate::transpose::Transpose;
use crate::util::to_u64;

/// The first chunk a reader of unknown length gets; later chunks double as data arrives, so a
/// stream that ends early never costs more than twice what it delivered plus this.
const FIRST_CHUNK_BYTES: usize = 8 * 1024;

/// The chunk a reader converts (byte swap, `bool` check, value constraints, F to C order)
/// while it is still in the processor's cache.
const CONVERT_CHUNK_BYTES: usize = 1 << 20;

/// The most payload bytes a streaming check ([`stream`]) holds at once: its one buffer holds
/// this many bytes' worth of whole elements (at least one element). `npy::check_path` and
/// `raw::check_path` promise 1 MiB.
pub(crate) const CHECK_CHUNK_BYTES: usize = 1 << 20;

/// Fortran-order payloads whose slabs (all elements with one index on the last axis) are
/// larger than this are read whole and then converted, instead of a slab at a time.
const MAX_SLAB_BYTES: usize = 4 << 20;

/// Allocates `len` zeroed raw elements on the heap, failing instead of aborting when memory is
/// short.
pub(crate) fn alloc_raw<R: bytemuck::Pod + Default>(len: usize) -> Result<Vec<R>> {
    let mut buf: Vec<R> = Vec::new();
    grow_raw(&mut buf, len)?;
    Ok(buf)
}

/// Grows `buf` to `len` zeroed elements with a fallible reservation.
///
/// An empty buffer is allocated zeroed by the allocator (`calloc`), which for large sizes
/// maps fresh zero pages instead of writing zeros: the payload is then written once, not
/// twice.
fn grow_raw<R: bytemuck::Pod + Default>(buf: &mut Vec<R>, len: usize) -> Result<()> {
    if buf.is_empty() {
        *buf = bytemuck::allocation::try_zeroed_vec(len).map_err(|()| {
            Error::from(ErrorKind::OutOfMemory {
                bytes: to_u64(len.saturating_mul(std::mem::size_of::<R>())),
            })
        })?;
        return Ok(());
    }
    let extra = len.saturating_sub(buf.len());
    buf.try_reserve_exact(extra).map_err(|_| {
        Error::from(ErrorKind::OutOfMemory {
            bytes: to_u64(len.saturating_mul(std::mem::size_of::<R>())),
        })
    })?;
    buf.resize(len, R::default());
    Ok(())
}

/// Where the chunks of a payload go: see [`pump`].
pub(crate) trait Sink<T: Element> {
    /// Storage for the next elements, from element `done` on: at least one element when
    /// `max >= 1`, at most `max`.
    fn space(&mut self, done: usize, max: usize) -> Result<&mut [T::Raw]>;

    /// The chunk [`Sink::space`] gave, `n` elements from `done`, is now in native order and
    /// checked.
    fn filled(&mut self, done: usize, n: usize) {
        let _ = (done, n);
    }
}

/// One reusable buffer: the payload is checked, not kept. It starts at
/// [`FIRST_CHUNK_BYTES`] and grows to its cap only as data arrives (never beyond the elements
/// already read), so an input that declares a large payload and ends early costs little.
struct Scratch<R> {
    buf: Vec<R>,
    /// The most elements held at once.
    cap: usize,
}

impl<T: Element> Sink<T> for Scratch<T::Raw> {
    fn space(&mut self, done: usize, max: usize) -> Result<&mut [T::Raw]> {
        let want = max.min(self.cap);
        if self.buf.len() < want {
            let first = (FIRST_CHUNK_BYTES / T::DTYPE.itemsize()).max(1);
            grow_raw(&mut self.buf, want.min(done.max(first)))?;
        }
        let n = max.min(self.buf.len());
        Ok(&mut self.buf[..n])
    }
}

/// The whole destination, allocated once (the source's length was checked).
struct Whole<T: Element>(RawBuffer<T>);

impl<T: Element> Sink<T> for Whole<T> {
    fn space(&mut self, done: usize, max: usize) -> Result<&mut [T::Raw]> {
        let raw = self.0.as_mut_slice();
        let end = raw.len().min(done.saturating_add(max));
        Ok(&mut raw[done..end])
    }
}

/// A destination that grows as data arrives, for sources of unknown length.
struct Growing<R> {
    raw: Vec<R>,
    total: usize,
}

impl<T: Element> Sink<T> for Growing<T::Raw> {
    fn space(&mut self, done: usize, max: usize) -> Result<&mut [T::Raw]> {
        if done >= self.raw.len() {
            let first = (FIRST_CHUNK_BYTES / T::DTYPE.itemsize()).max(1);
            let target = self
                .total
                .min(self.raw.len().saturating_mul(2).max(first))
                .max(done.saturating_add(1));
            grow_raw(&mut self.raw, target)?;
        }
        let end = self.raw.len().min(done.saturating_add(max));
        Ok(&mut self.raw[done..end])
    }
}

/// A Fortran-order payload read a few slabs at a time through a small buffer and written into
/// a C-order destination.
struct ToC<T: Element> {
    transpose: Transpose,
    slabs: Vec<T::Raw>,
    dst: RawBuffer<T>,
}

impl<T: Element> Sink<T> for ToC<T> {
    fn space(&mut self, _: usize, max: usize) -> Result<&mut [T::Raw]> {
        let slab = self.transpose.slab_len();
        // `max` is a whole number of slabs or more (the payload is), the buffer one or more.
        let len = self.slabs.len();
        let n = ((max.min(len) / slab).max(1) * slab).min(len);
        Ok(&mut self.slabs[..n])
    }

    fn filled(&mut self, done: usize, n: usize) {
        let slab = self.transpose.slab_len();
        self.transpose
            .slabs(&self.slabs[..n], done / slab, self.dst.as_mut_slice());
    }
}

/// Reads a payload of exactly `plan.nbytes()` bytes from `reader` a chunk at a time into
/// `sink`, converting and checking each chunk while it is in cache: swapped to native order,
/// `bool` bytes checked, value constraints accumulated.
///
/// Errors come in the order of precedence of a whole read: a truncated or trailing payload
/// first, then the first invalid `bool` byte, then the value constraints (whose report counts
/// every element). `offset` is the payload's position in the input. With `known_len` the
/// caller has already compared the source's length with the plan, so the first invalid `bool`
/// byte is reported at once; otherwise the rest is still read. With `to_end` the reader must
/// end right after the payload. `chunk` caps the elements per chunk.
pub(crate) fn pump<T: Element, R: Read, S: Sink<T>>(
    plan: &Plan,
    reader: &mut R,
    at: SourceInfo,
    values: &ValueSpec,
    sink: &mut S,
    chunk: usize,
) -> Result<()> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    let total = plan.shape().len();
    let swap = plan.needs_swap();
    let mut tally = ValueTally::default();
    let mut pending: Option<Error> = None;
    // Elements and bytes read so far; `read_bytes <= plan.nbytes()` throughout.
    let mut done = 0usize;
    let mut read_bytes = 0usize;
    while done < total {
        let raw = sink.space(done, chunk.max(1).min(total - done))?;
        let n = raw.len();
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(raw);
        // `read_full` keeps reading until the chunk is full, so an element split across
        // `read` calls arrives whole; only the end of input leaves a chunk short.
        let got = read_full(reader, bytes)?;
        let start = to_u64(read_bytes);
        read_bytes = read_bytes.saturating_add(got);
        if got < bytes.len() {
            return Err(Error::from(ErrorKind::TruncatedData {
                expected: to_u64(plan.nbytes()),
                found: to_u64(read_bytes),
            })
            .at_offset(at.offset));
        }
        if pending.is_none() {
            let part_offset = at.offset.saturating_add(start);
            let raw: &mut [T::Raw] = bytemuck::cast_slice_mut(bytes);
            if let Err(e) = check_part::<T>(raw, swap, done, part_offset, plan, values, &mut tally)
            {
                if at.known_len {
                    return Err(e);
                }
                pending = Some(e);
            }
        }
        sink.filled(done, n);
        done += n;
    }
    if at.to_end {
        let nbytes = to_u64(plan.nbytes());
        expect_eof(reader, at.offset.saturating_add(nbytes), nbytes)?;
    }
    match pending {
        Some(e) => Err(e),
        None => tally.finish(),
    }
}

/// Reads a payload of exactly `plan.nbytes()` bytes from `reader` and checks it as [`read`]
/// would, without keeping it: the chunks of [`pump`] go through one reused buffer of at most
/// [`CHECK_CHUNK_BYTES`] (and never more than the data that arrived plus
/// [`FIRST_CHUNK_BYTES`]), so memory use does not grow with the payload, and the result (the
/// same error, in the same order of precedence) is that of a read.
///
/// With `par` allowing several threads and a positional source of known length, the payload
/// is split into ranges checked on their own threads, each through its own buffer: memory
/// use is then at most one [`CHECK_CHUNK_BYTES`] buffer per thread.
pub(crate) fn stream<T: Element, R: Read>(
    plan: &Plan,
    reader: &mut R,
    at: SourceInfo,
    values: &ValueSpec,
    par: Par<'_>,
) -> Result<()> {
    // A payload whose length was checked against the plan, with no `bool` byte and no value
    // constraint to look at, holds nothing that can fail: it is not read.
    if at.known_len && T::DTYPE != DType::Bool && values.is_empty() {
        return Ok(());
    }
    let total = plan.shape().len();
    let chunk = total.min((CHECK_CHUNK_BYTES / T::DTYPE.itemsize()).max(1));
    if let Some((src, n)) = par.ranges(plan, at) {
        let ends = parallel::split(total, parallel::parts_for(n), 1);
        let ranges: Vec<(usize, usize)> = std::iter::once(0)
            .chain(ends.iter().copied())
            .zip(ends.iter().copied())
            .collect();
        let ctx = Ctx {
            plan,
            values,
            offset: at.offset,
            chunk,
        };
        let results = parallel::run(ranges, n, |(start, end)| {
            check_range::<T>(src, start, end, &ctx)
        });
        let tally = merged(results)?;
        if at.to_end {
            expect_end(src, at, plan.nbytes())?;
        }
        return tally.finish();
    }
    let mut scratch = Scratch {
        buf: Vec::new(),
        cap: chunk,
    };
    pump::<T, R, _>(plan, reader, at, values, &mut scratch, chunk)
}

/// Whether and how a payload may be read on several threads: the threads allowed, and a
/// source that can be read at any position (`None`: the reader is read in order).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Par<'a> {
    pub(crate) threads: Threads,
    pub(crate) source: Option<Positional<'a>>,
}

impl<'a> Par<'a> {
    /// The sequential read of a reader.
    #[cfg(test)]
    pub(crate) const SEQUENTIAL: Par<'static> = Par {
        threads: Threads::ONE,
        source: None,
    };

    /// `threads`, reading `source` at any position.
    pub(crate) fn new(threads: Threads, source: Option<Positional<'a>>) -> Self {
        Par { threads, source }
    }

    /// The positional source and the number of ranges, when the payload is read in parallel:
    /// a source of known length, large enough for more than one thread.
    fn ranges(&self, plan: &Plan, at: SourceInfo) -> Option<(Positional<'a>, usize)> {
        let n = self.threads.for_bytes(plan.nbytes());
        match self.source {
            Some(src) if at.known_len && n > 1 => Some((src, n)),
            _ => None,
        }
    }
}

/// What every range of a parallel read shares.
struct Ctx<'p> {
    plan: &'p Plan,
    values: &'p ValueSpec,
    /// The payload's position in the input, for errors.
    offset: u64,
    /// The most elements converted at once.
    chunk: usize,
}

/// Reads the payload bytes from `pos` on into `bytes`, failing as [`pump`] fails on a
/// payload that ends early (the bytes before `pos` were all there).
fn read_part(src: Positional<'_>, bytes: &mut [u8], pos: usize, ctx: &Ctx<'_>) -> Result<()> {
    let got = src.read_at(bytes, pos)?;
    if got < bytes.len() {
        return Err(Error::from(ErrorKind::TruncatedData {
            expected: to_u64(ctx.plan.nbytes()),
            found: to_u64(pos.saturating_add(got)),
        })
        .at_offset(ctx.offset));
    }
    Ok(())
}

/// Reads, converts and checks the range of the payload that `raw` holds, from element
/// `first` on, a chunk at a time: the first error in it, or its tally.
fn fill_range<T: Element>(
    src: Positional<'_>,
    raw: &mut [T::Raw],
    first: usize,
    ctx: &Ctx<'_>,
) -> Result<ValueTally> {
    let item = T::DTYPE.itemsize();
    let swap = ctx.plan.needs_swap();
    let mut tally = ValueTally::default();
    let mut done = first;
    for part in raw.chunks_mut(ctx.chunk.max(1)) {
        let n = part.len();
        let pos = done * item;
        read_part(src, bytemuck::cast_slice_mut(part), pos, ctx)?;
        let offset = ctx.offset.saturating_add(to_u64(pos));
        check_part::<T>(part, swap, done, offset, ctx.plan, ctx.values, &mut tally)?;
        done += n;
    }
    Ok(tally)
}

/// Checks the elements `start..end` of the payload as [`fill_range`] reads them, through one
/// buffer of at most `ctx.chunk` elements.
fn check_range<T: Element>(
    src: Positional<'_>,
    start: usize,
    end: usize,
    ctx: &Ctx<'_>,
) -> Result<ValueTally> {
    let mut buf: Vec<T::Raw> = alloc_raw(ctx.chunk.min(end - start))?;
    let mut tally = ValueTally::default();
    let mut done = start;
    while done < end {
        let n = buf.len().min(end - done);
        let part = &mut buf[..n];
        tally.merge(fill_range::<T>(src, part, done, ctx)?);
        done += n;
    }
    Ok(tally)
}

/// The tally of the whole payload from those of its ranges, in payload order, or the first
/// error in payload order.
fn merged(results: Vec<Result<ValueTally>>) -> Result<ValueTally> {
    let mut tally = ValueTally::default();
    for result in results {
        tally.merge(result?);
    }
    Ok(tally)
}

/// Fails with [`ErrorKind::TrailingData`] if `src` holds a byte after the payload's
/// `nbytes` (a file that grew since its length was compared with the plan).
fn expect_end(src: Positional<'_>, at: SourceInfo, nbytes: usize) -> Result<()> {
    let mut byte = [0u8; 1];
    if src.read_at(&mut byte, nbytes)? > 0 {
        let expected = to_u64(nbytes);
        return Err(Error::from(ErrorKind::TrailingData { expected })
            .at_offset(at.offset.saturating_add(expected)));
    }
    Ok(())
}

/// Reads the elements `first..first + dst.len()` of the payload into `dst` on `n` threads,
/// each converting and checking its own range: their tally, or the first error in payload
/// order.
fn fill_ranges<T: Element>(
    src: Positional<'_>,
    dst: &mut [T::Raw],
    first: usize,
    n: usize,
    ctx: &Ctx<'_>,
) -> Result<ValueTally> {
    // Ranges start on 4 KiB boundaries of the destination where the payload allows.
    let align = (4096 / T::DTYPE.itemsize()).max(1);
    let ends = parallel::split(dst.len(), parallel::parts_for(n), align);
    let mut parts = Vec::with_capacity(ends.len());
    let (mut rest, mut start) = (dst, 0);
    for end in ends {
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(end - start);
        parts.push((first + start, head));
        (rest, start) = (tail, end);
    }
    merged(parallel::run(parts, n, |(at, raw)| {
        fill_range::<T>(src, raw, at, ctx)
    }))
}

/// Slabs read at once by one thread of [`read_by_columns`]: a group that stays in the
/// thread's L2 cache between its read and its conversion, and gives each row a run of
/// several cache lines per visit (the conversion is bound by its scattered writes). Chosen by
/// measurement (`benches/npy.rs`, 2000 × 5000 `f64` on two threads: 19.8 ms with 64 KiB
/// groups, 16.3 ms with 256 KiB, 15.5 ms with 1 MiB, 15.6 ms with 2 MiB).
const COLUMN_GROUP_BYTES: usize = 1 << 20;

/// The parts [`read_by_columns`] splits the last axis into: several per thread, each at
/// least one tile wide in every row and costing one slice reference per row (16 bytes), at
/// most an eighth of the bytes its columns hold. Fewer than `n` parts: it does not apply.
fn column_parts(t: &Transpose, n: usize, item: usize) -> usize {
    let by_width = t.last() / 16;
    let by_bookkeeping = t.last().saturating_mul(item) / 128;
    parallel::parts_for(n).min(by_width).min(by_bookkeeping)
}

/// Whether [`read_by_columns`] converts this payload: rows long enough to give every thread
/// its own columns, and slabs small enough for a group of them to be read at once.
fn columns_apply(t: &Transpose, n: usize, item: usize) -> bool {
    column_parts(t, n, item) >= n && t.slab_len().saturating_mul(item) <= MAX_SLAB_BYTES
}

/// A Fortran-order payload read into C order on `n` threads, each part of the last axis
/// (a range of slabs, contiguous in the payload) read, swapped and checked a small group of
/// slabs at a time by one thread, which then writes that group straight into its own
/// columns of every row of the destination, while it is still in the thread's cache. The
/// payload is read once and the destination written once, as a C-order read does; errors and
/// the value tally are merged in payload order, as [`fill_ranges`] merges them.
fn read_by_columns<T: Element>(
    src: Positional<'_>,
    t: &Transpose,
    n: usize,
    ctx: &Ctx<'_>,
) -> Result<(RawBuffer<T>, ValueTally)> {
    let item = T::DTYPE.itemsize();
    let (c, slab) = (t.last(), t.slab_len());
    let ends = parallel::split(c, column_parts(t, n, item), 1);
    let mut dst = RawBuffer::<T>::zeroed(t.rows() * c)?;
    let mut segments: Vec<Vec<&mut [T::Raw]>> = ends.iter().map(|_| Vec::new()).collect();
    for list in &mut segments {
        list.try_reserve_exact(t.rows()).map_err(|_| {
            Error::from(ErrorKind::OutOfMemory {
                bytes: to_u64(t.rows().saturating_mul(16)),
            })
        })?;
    }
    for row in dst.as_mut_slice().chunks_exact_mut(c) {
        let (mut rest, mut start) = (row, 0);
        for (list, &end) in segments.iter_mut().zip(&ends) {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(end - start);
            list.push(head);
            (rest, start) = (tail, end);
        }
    }
    let group = (COLUMN_GROUP_BYTES / slab.saturating_mul(item).max(1)).max(1);
    let parts: Vec<_> = std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(ends.iter().copied())
        .zip(segments)
        .collect();
    let tally = merged(parallel::run(parts, n, |((k0, k1), mut rows)| {
        let mut buf: Vec<T::Raw> = alloc_raw(group.min(k1 - k0) * slab)?;
        let mut tally = ValueTally::default();
        for k in (k0..k1).step_by(group) {
            let part = &mut buf[..(k1 - k).min(group) * slab];
            tally.merge(fill_range::<T>(src, part, k * slab, ctx)?);
            t.to_segments(part, k - k0, &mut rows);
        }
        Ok(tally)
    }))?;
    Ok((dst, tally))
}

/// The parallel read of [`read`], with the result of a sequential [`pump`] with a known
/// length: the payload read into one buffer on `n` threads, each range converted and checked
/// on its thread. A Fortran-order payload delivered in C order is converted by columns
/// ([`read_by_columns`]) when its rows are long enough for every thread to own columns of
/// them; otherwise it goes a few slabs at a time through a buffer of about `min_range` bytes
/// per thread (read on `n` threads, then converted by row blocks on `n` threads: two rounds
/// of threads per buffer) when one slab holds at most [`MAX_SLAB_BYTES`], and is otherwise
/// read whole and then converted by row blocks, briefly holding two copies.
fn read_parallel<T: Element>(
    plan: &Plan,
    src: Positional<'_>,
    n: usize,
    at: SourceInfo,
    values: &ValueSpec,
    fortran: bool,
    min_range: usize,
) -> Result<Array<T>> {
    let total = plan.shape().len();
    let item = T::DTYPE.itemsize();
    let ctx = Ctx {
        plan,
        values,
        offset: at.offset,
        chunk: convert_chunk::<T>(plan, values),
    };
    let transpose = fortran
        .then(|| Transpose::new(plan.shape().dims()))
        .flatten();
    let order = if fortran { Order::C } else { plan.order() };
    let data = match transpose {
        None => {
            let mut raw = RawBuffer::<T>::zeroed(total)?;
            let tally = fill_ranges::<T>(src, raw.as_mut_slice(), 0, n, &ctx)?;
            if at.to_end {
                expect_end(src, at, plan.nbytes())?;
            }
            tally.finish()?;
            raw.into_buffer()
        }
        Some(t) if columns_apply(&t, n, item) => {
            let (dst, tally) = read_by_columns::<T>(src, &t, n, &ctx)?;
            if at.to_end {
                expect_end(src, at, plan.nbytes())?;
            }
            tally.finish()?;
            dst.into_buffer()
        }
        Some(t) if t.slab_len().saturating_mul(item) <= MAX_SLAB_BYTES => {
            let slab = t.slab_len();
            // Each thread reads and converts about one range's worth of slabs per round.
            let per_chunk = (n.saturating_mul(min_range) / item / slab).max(1) * slab;
            // A huge-page map when large, as the destination: fewer page faults.
            let mut slabs = RawBuffer::<T>::zeroed(per_chunk.min(total))?;
            let slabs = slabs.as_mut_slice();
            let mut dst = RawBuffer::<T>::zeroed(total)?;
            let mut tally = ValueTally::default();
            let mut done = 0;
            while done < total {
                let part = &mut slabs[..per_chunk.min(total - done)];
                tally.merge(fill_ranges::<T>(src, part, done, n, &ctx)?);
                t.parallel(part, done / slab, dst.as_mut_slice(), n);
                done += part.len();
            }
            if at.to_end {
                expect_end(src, at, plan.nbytes())?;
            }
            tally.finish()?;
            dst.into_buffer()
        }
        Some(t) => {
            let mut raw = RawBuffer::<T>::zeroed(total)?;
            let tally = fill_ranges::<T>(src, raw.as_mut_slice(), 0, n, &ctx)?;
            if at.to_end {
                expect_end(src, at, plan.nbytes())?;
            }
            tally.finish()?;
            let mut dst = RawBuffer::<T>::zeroed(total)?;
            t.parallel(raw.as_mut_slice(), 0, dst.as_mut_slice(), n);
            dst.into_buffer()
        }
    };
    Ok(Array::from_parts_unchecked(
        plan.shape().clone(),
        order,
        data,
    ))
}

/// Where a payload is and what is known about its source, for [`pump`] and [`read`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct SourceInfo {
    /// The payload's position in the input, for errors.
    pub(crate) offset: u64,
    /// Whether the source's length was checked against the plan (a slice, a regular file).
    pub(crate) known_len: bool,
    /// Whether the source must end right after the payload.
    pub(crate) to_end: bool,
}

/// Converts one chunk of raw storage in the plan's byte order: swapped to native order in
/// place, `bool` bytes checked, then the values added to `tally`. `first` is the index of its
/// first element and `offset` the input position of its first byte.
fn check_part<T: Element>(
    raw: &mut [T::Raw],
    swap: bool,
    first: usize,
    offset: u64,
    plan: &Plan,
    values: &ValueSpec,
    tally: &mut ValueTally,
) -> Result<()> {
    if swap {
        T::swap_raw(raw);
    }
    if T::DTYPE == DType::Bool {
        check_bools_at(bytemuck::cast_slice(raw), to_u64(first), offset)?;
    }
    if values.is_empty() {
        return Ok(());
    }
    // Only `bool` storage can hold invalid elements, and its bytes were checked above.
    if let Some(elements) = T::from_raw_slice(raw) {
        values.check_chunk(elements, first, plan.shape(), plan.order(), tally);
    }
    Ok(())
}

/// The elements per chunk for a read into `T` under `plan`: small when each chunk is converted
/// or checked, the whole payload when it is only copied.
fn convert_chunk<T: Element>(plan: &Plan, values: &ValueSpec) -> usize {
    let swap = plan.needs_swap();
    if swap || T::DTYPE == DType::Bool || !values.is_empty() {
        (CONVERT_CHUNK_BYTES / T::DTYPE.itemsize()).max(1)
    } else {
        usize::MAX
    }
}

/// Checks that every byte of a `bool` payload is 0 or 1. `offset` is the payload's position.
pub(crate) fn check_bools(bytes: &[u8], offset: u64) -> Result<()> {
    check_bools_at(bytes, 0, offset)
}

/// Checks that every byte of a part of a `bool` payload is 0 or 1: `bytes` holds the elements
/// from index `first` on, and starts at byte `offset` of the input.
pub(crate) fn check_bools_at(bytes: &[u8], first: u64, offset: u64) -> Result<()> {
    match bytes.iter().position(|&b| b > 1) {
        None => Ok(()),
        Some(i) => Err(Error::from(ErrorKind::InvalidBool {
            index: first.saturating_add(to_u64(i)),
            value: bytes[i],
        })
        .at_offset(offset.saturating_add(to_u64(i)))),
    }
}

/// Turns raw storage in the plan's byte order into checked elements: swapped to native
/// order, `bool` bytes checked, then the value constraints.
fn finish<T: Element>(
    mut raw: Vec<T::Raw>,
    plan: &Plan,
    offset: u64,
    values: &ValueSpec,
) -> Result<Vec<T>> {
    if plan.needs_swap() {
        T::swap_raw(&mut raw);
    }
    if T::DTYPE == DType::Bool {
        check_bools(bytemuck::cast_slice(&raw), offset)?;
    }
    let data = T::from_raw_vec(raw);
    values.check(&data, plan.shape(), plan.order())?;
    Ok(data)
}

/// Decodes a payload of exactly `plan.nbytes()` bytes, borrowing it when it is aligned for `T`
/// and in native byte order, and checks it against `values`. `offset` is the payload's
/// position in the input, for errors.
///
/// A large payload is checked, and copied or converted when it must be, on up to `threads`
/// threads (see [`read`]).
pub(crate) fn view<'a, T: Element>(
    plan: &Plan,
    bytes: &'a [u8],
    offset: u64,
    values: &ValueSpec,
    to_c: bool,
    threads: Threads,
) -> Result<ArrayView<'a, T>> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    debug_assert_eq!(bytes.len(), plan.nbytes());
    let native = !plan.needs_swap();
    // With `to_c`, a Fortran-order payload is delivered in C order: relabelled when both
    // orders store the same sequence, converted into an owned array otherwise.
    let transpose = match plan.order() {
        Order::F if to_c => Transpose::new(plan.shape().dims()),
        _ => None,
    };
    let order = if to_c { Order::C } else { plan.order() };
    // Threads for the checks or the conversion, when there are any.
    let work = T::DTYPE == DType::Bool || !values.is_empty() || transpose.is_some() || !native;
    let n = if work {
        threads.for_bytes(bytes.len())
    } else {
        1
    };
    // A conversion on one thread goes through `read`, which converts while it copies.
    if native && (transpose.is_none() || n > 1) {
        if let Ok(raw) = bytemuck::try_cast_slice::<u8, T::Raw>(bytes) {
            if n > 1 {
                check_borrowed::<T>(plan, raw, offset, values, n)?;
            } else if T::DTYPE == DType::Bool {
                check_bools(bytes, offset)?;
            }
            if let Some(elements) = T::from_raw_slice(raw) {
                if n == 1 {
                    values.check(elements, plan.shape(), plan.order())?;
                }
                let Some(t) = transpose else {
                    return Ok(ArrayView::borrowed_unchecked(
                        plan.shape().clone(),
                        order,
                        elements,
                    ));
                };
                if n > 1 {
                    // Checked above: convert straight from the slice, on `n` threads.
                    let mut dst = RawBuffer::<T>::zeroed(raw.len())?;
                    t.parallel(raw, 0, dst.as_mut_slice(), n);
                    let data = dst.into_buffer();
                    let array = Array::from_parts_unchecked(plan.shape().clone(), order, data);
                    return Ok(array.into_view());
                }
            }
        }
    }
    let at = SourceInfo {
        offset,
        known_len: true,
        to_end: false,
    };
    let par = Par::new(threads, Some(Positional::Slice(bytes)));
    let array = read::<T, _>(plan, &mut &bytes[..], at, values, to_c, par)?;
    Ok(array.into_view())
}

/// Checks a payload held in native order (`bool` bytes, then the value constraints) on `n`
/// threads, with the result of a check on one thread.
fn check_borrowed<T: Element>(
    plan: &Plan,
    raw: &[T::Raw],
    offset: u64,
    values: &ValueSpec,
    n: usize,
) -> Result<()> {
    let item = T::DTYPE.itemsize();
    let ends = parallel::split(raw.len(), parallel::parts_for(n), 1);
    let ranges: Vec<(usize, usize)> = std::iter::once(0)
        .chain(ends.iter().copied())
        .zip(ends.iter().copied())
        .collect();
    let results = parallel::run(ranges, n, |(start, end)| {
        let part = &raw[start..end];
        if T::DTYPE == DType::Bool {
            let at = offset.saturating_add(to_u64(start * item));
            check_bools_at(bytemuck::cast_slice(part), to_u64(start), at)?;
        }
        let mut tally = ValueTally::default();
        if let Some(elements) = T::from_raw_slice(part) {
            values.check_chunk(elements, start, plan.shape(), plan.order(), &mut tally);
        }
        Ok(tally)
    });
    merged(results)?.finish()
}

/// Reads exactly `plan.nbytes()` payload bytes from `reader` into an owned array, converting
/// and checking it chunk by chunk (see [`pump`]).
///
/// With `at.known_len` (the caller compared the source's length, e.g. from file metadata,
/// with the plan) the buffer is allocated once. Without it, the buffer grows as data
/// arrives, so a stream that lies about its size never makes us allocate the declared size up
/// front. With `to_c`, a Fortran-order payload is delivered in C order, converted while it is
/// read when the source's length is known.
///
/// With `par` allowing several threads and a positional source of known length, a large
/// payload is split into ranges, each read, converted and checked on its own thread; the
/// first error in payload order is reported, as the sequential read reports it. A
/// Fortran-order payload delivered in C order is then converted on the same threads (see
/// [`read_parallel`]).
pub(crate) fn read<T: Element, R: Read>(
    plan: &Plan,
    reader: &mut R,
    at: SourceInfo,
    values: &ValueSpec,
    to_c: bool,
    par: Par<'_>,
) -> Result<Array<T>> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    let total = plan.shape().len();
    let chunk = convert_chunk::<T>(plan, values);
    let fortran = to_c && plan.order() == Order::F;
    if let Some((src, n)) = par.ranges(plan, at) {
        return read_parallel::<T>(plan, src, n, at, values, fortran, par.threads.min_range);
    }
    if fortran && at.known_len {
        if let Some(transpose) = Transpose::new(plan.shape().dims()) {
            let slab = transpose.slab_len();
            if slab.saturating_mul(T::DTYPE.itemsize()) <= MAX_SLAB_BYTES {
                let per_chunk = (CONVERT_CHUNK_BYTES / T::DTYPE.itemsize() / slab).max(1) * slab;
                let mut sink = ToC::<T> {
                    transpose,
                    slabs: alloc_raw(per_chunk.min(total))?,
                    dst: RawBuffer::zeroed(total)?,
                };
                pump::<T, R, _>(plan, reader, at, values, &mut sink, per_chunk)?;
                let data = sink.dst.into_buffer();
                return Ok(Array::from_parts_unchecked(
                    plan.shape().clone(),
                    Order::C,
                    data,
                ));
            }
        }
    }
    if at.known_len && !fortran && plan.nbytes() < HUGE_MIN {
        return read_small::<T, R>(plan, reader, at, values);
    }
    let data = if at.known_len {
        let mut sink = Whole(RawBuffer::<T>::zeroed(total)?);
        pump::<T, R, _>(plan, reader, at, values, &mut sink, chunk)?;
        sink.0.into_buffer()
    } else {
        let mut sink = Growing {
            raw: Vec::new(),
            total,
        };
        pump::<T, R, _>(plan, reader, at, values, &mut sink, chunk)?;
        RawBuffer::<T>::Heap(sink.raw).into_buffer()
    };
    let array = Array::from_parts_unchecked(plan.shape().clone(), plan.order(), data);
    Ok(if fortran { array.into_c_order() } else { array })
}

/// The read of [`read`] for a payload of known length below [`HUGE_MIN`] that is delivered in
/// its own order: one `read` call into a byte vector that is not zeroed first, then the
/// conversion and checks of [`pump`] over the whole payload, with the same errors.
fn read_small<T: Element, R: Read>(
    plan: &Plan,
    reader: &mut R,
    at: SourceInfo,
    values: &ValueSpec,
) -> Result<Array<T>> {
    let nbytes = plan.nbytes();
    let mut bytes: Vec<u8> = Vec::new();
    bytes.try_reserve_exact(nbytes).map_err(|_| {
        Error::from(ErrorKind::OutOfMemory {
            bytes: to_u64(nbytes),
        })
    })?;
    // `read_to_end` reads into the reserved capacity without initializing it; `take` stops
    // it at the payload's end.
    reader
        .by_ref()
        .take(to_u64(nbytes))
        .read_to_end(&mut bytes)?;
    if bytes.len() < nbytes {
        // What `pump` reports: an invalid `bool` in a chunk that arrived whole comes first.
        if T::DTYPE == DType::Bool {
            let chunk = convert_chunk::<T>(plan, values);
            check_bools_at(&bytes[..bytes.len() / chunk * chunk], 0, at.offset)?;
        }
        return Err(Error::from(ErrorKind::TruncatedData {
            expected: to_u64(nbytes),
            found: to_u64(bytes.len()),
        })
        .at_offset(at.offset));
    }
    let swap = plan.needs_swap();
    let mut tally = ValueTally::default();
    let data = match bytemuck::try_cast_slice_mut::<u8, T::Raw>(&mut bytes) {
        Ok(raw) => {
            check_part::<T>(raw, swap, 0, at.offset, plan, values, &mut tally)?;
            Buffer::from_bytes(bytes)
        }
        // Not aligned for `T` (the system allocator aligns to 16 bytes, so not seen).
        Err(_) => {
            let mut raw: Vec<T::Raw> = bytemuck::allocation::pod_collect_to_vec(&bytes);
            check_part::<T>(&mut raw, swap, 0, at.offset, plan, values, &mut tally)?;
            Buffer::Heap(T::from_raw_vec(raw))
        }
    };
    if at.to_end {
        expect_eof(
            reader,
            at.offset.saturating_add(to_u64(nbytes)),
            to_u64(nbytes),
        )?;
    }
    tally.finish()?;
    Ok(Array::from_parts_unchecked(
        plan.shape().clone(),
        plan.order(),
        data,
    ))
}

/// Reads `reader` to its end into storage for `T`, for sources whose length is unknown and
/// decides the shape (raw buffers with an inferred axis).
///
/// The buffer grows as data arrives (doubling from [`FIRST_CHUNK_BYTES`]) and reading stops as
/// soon as `cap + 1` bytes have arrived, so the buffer never holds more than `cap` bytes plus
/// one element, whatever the source declares or sends. Returns the storage and the number of
/// bytes received; a count above `cap` means the source holds more than `cap` bytes (the rest
/// is not read). Storage past the count is zeroed.
pub(crate) fn read_capped<T: Element, R: Read>(
    reader: &mut R,
    cap: usize,
) -> Result<(Vec<T::Raw>, usize)> {
    let item = T::DTYPE.itemsize();
    let stop = cap.saturating_add(1);
    let max_items = stop.div_ceil(item);
    let mut raw: Vec<T::Raw> = Vec::new();
    let mut filled = 0usize;
    let mut chunk_items = (FIRST_CHUNK_BYTES / item).max(1);
    while filled < stop {
        if filled == bytemuck::cast_slice::<T::Raw, u8>(&raw).len() {
            // `filled < stop <= max_items * item`, so there is room to grow.
            let target = max_items.min(raw.len().saturating_add(chunk_items));
            grow_raw(&mut raw, target)?;
            chunk_items = raw.len();
        }
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut raw);
        let end = bytes.len().min(stop);
        match reader.read(&mut bytes[filled..end]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok((raw, filled))
}

/// Turns storage filled by [`read_capped`] into the array `plan` describes, checked against
/// `values`. The plan must describe exactly the bytes received (`plan.nbytes()` of them, at
/// the start of `raw`).
pub(crate) fn from_raw<T: Element>(
    mut raw: Vec<T::Raw>,
    plan: &Plan,
    offset: u64,
    values: &ValueSpec,
) -> Result<Array<T>> {
    debug_assert_eq!(plan.dtype(), T::DTYPE);
    debug_assert!(raw.len() >= plan.shape().len());
    raw.truncate(plan.shape().len());
    raw.shrink_to_fit();
    let data = finish::<T>(raw, plan, offset, values)?;
    Ok(Array::from_parts_unchecked(
        plan.shape().clone(),
        plan.order(),
        Buffer::Heap(data),
    ))
}

/// Fails with [`ErrorKind::TrailingData`] if `reader` has any byte left.
pub(crate) fn expect_eof<R: Read>(reader: &mut R, offset: u64, expected: u64) -> Result<()> {
    let mut byte = [0u8; 1];
    loop {
        match reader.read(&mut byte) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                return Err(Error::from(ErrorKind::TrailingData { expected }).at_offset(offset))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads exactly `buf.len()` bytes, reporting how many arrived before the end of input.
pub(crate) fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::ByteOrder;
    use crate::Shape;

    /// A stream of unknown length that must end after the payload.
    fn stream_at(offset: u64) -> SourceInfo {
        SourceInfo {
            offset,
            known_len: false,
            to_end: true,
        }
    }

    fn plan(dtype: DType, order: ByteOrder, n: usize) -> Plan {
        Plan::new(dtype, order, Shape::vector(n).unwrap(), Order::C).unwrap()
    }

    #[test]
    fn big_endian_is_swapped() {
        let bytes = [0u8, 0, 0, 1, 0, 0, 1, 0];
        let p = plan(DType::U32, ByteOrder::Big, 2);
        let v = view::<u32>(&p, &bytes, 0, &ValueSpec::new(), false, Threads::ONE).unwrap();
        assert_eq!(v.as_slice(), &[1, 256]);
        let a = read::<u32, _>(
            &p,
            &mut &bytes[..],
            stream_at(0),
            &ValueSpec::new(),
            false,
            Par::SEQUENTIAL,
        )
        .unwrap();
        assert_eq!(a.as_slice(), &[1, 256]);
    }

    #[test]
    fn bad_bool_reports_its_offset() {
        let p = plan(DType::Bool, ByteOrder::Little, 3);
        let e =
            view::<bool>(&p, &[0, 1, 7], 100, &ValueSpec::new(), false, Threads::ONE).unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidBool { index: 2, value: 7 })
                && e.offset() == Some(102)
        );
        let at = SourceInfo {
            offset: 100,
            known_len: true,
            to_end: true,
        };
        let e = read::<bool, _>(
            &p,
            &mut &[0u8, 1, 7][..],
            at,
            &ValueSpec::new(),
            false,
            Par::SEQUENTIAL,
        )
        .unwrap_err();
        assert!(
            matches!(e.kind(), ErrorKind::InvalidBool { index: 2, value: 7 })
                && e.offset() == Some(102)
        );
    }

    /// A reader that fails every read: a check that touches the payload reports it.
    struct Unreadable;

    impl Read for Unreadable {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("the payload was read"))
        }
    }

    #[test]
    fn a_payload_with_nothing_to_check_is_not_read() {
        let known = SourceInfo {
            offset: 128,
            known_len: true,
            to_end: true,
        };
        let none = ValueSpec::new();
        let p = plan(DType::F32, ByteOrder::Big, 1 << 20);
        stream::<f32, _>(&p, &mut Unreadable, known, &none, Par::SEQUENTIAL).unwrap();
        // Value constraints, `bool` bytes and a length not yet checked all need the bytes.
        let finite = ValueSpec::new().finite();
        let e = stream::<f32, _>(&p, &mut Unreadable, known, &finite, Par::SEQUENTIAL);
        assert_eq!(e.unwrap_err().code(), "io");
        let b = plan(DType::Bool, ByteOrder::Little, 16);
        let e = stream::<bool, _>(&b, &mut Unreadable, known, &none, Par::SEQUENTIAL);
        assert_eq!(e.unwrap_err().code(), "io");
        let e = stream::<f32, _>(&p, &mut Unreadable, stream_at(128), &none, Par::SEQUENTIAL);
        assert_eq!(e.unwrap_err().code(), "io");
    }

    #[test]
    fn short_stream_is_truncated() {
        let p = plan(DType::F64, ByteOrder::Little, 1 << 20);
        let e = read::<f64, _>(
            &p,
            &mut &[0u8; 100][..],
            stream_at(64),
            &ValueSpec::new(),
            false,
            Par::SEQUENTIAL,
        )
        .unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::TruncatedData {
                    expected: 8_388_608,
                    found: 100
                }
            ) && e.offset() == Some(64)
        );
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
        let n = 3 * (CHECK_CHUNK_BYTES / 8);
        let mut data = vec![0.5f64; n];
        for i in [5, CHECK_CHUNK_BYTES / 8 - 1, CHECK_CHUNK_BYTES / 8, n - 1] {
            data[i] = -1.0;
        }
        data[7] = f64::NAN;
        let p = Plan::new(
            DType::F64,
            ByteOrder::Big,
            Shape::new([2, n / 2]).unwrap(),
            Order::F,
        )
        .unwrap();
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_be_bytes()).collect();
        let values = ValueSpec::new().min(0.0).finite();
        let at = SourceInfo {
            offset: 0,
            known_len: true,
            to_end: true,
        };
        let whole = read::<f64, _>(&p, &mut &bytes[..], at, &values, false, Par::SEQUENTIAL);
        for step in [1 << 20, 4093, 7] {
            let streamed = stream::<f64, _>(
                &p,
                &mut Steps(&bytes, step),
                stream_at(0),
                &values,
                Par::SEQUENTIAL,
            );
            assert_eq!(
                streamed.unwrap_err().to_string(),
                whole.as_ref().unwrap_err().to_string()
            );
        }
    }

    #[test]
    fn short_payload_is_truncated_before_a_bad_bool() {
        let p = plan(DType::Bool, ByteOrder::Little, 4);
        let e = stream::<bool, _>(
            &p,
            &mut &[0u8, 9, 1][..],
            stream_at(10),
            &ValueSpec::new(),
            Par::SEQUENTIAL,
        );
        assert!(e.as_ref().is_err_and(|e| matches!(
            e.kind(),
            ErrorKind::TruncatedData {
                expected: 4,
                found: 3
            }
        ) && e.offset() == Some(10)));
        let e = stream::<bool, _>(
            &p,
            &mut &[0u8, 9, 1, 0][..],
            stream_at(10),
            &ValueSpec::new(),
            Par::SEQUENTIAL,
        );
        assert!(e.as_ref().is_err_and(|e| matches!(
            e.kind(),
            ErrorKind::InvalidBool { index: 1, value: 9 }
        ) && e.offset() == Some(11)));
    }
}
