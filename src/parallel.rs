//! Large payloads on every core: how many threads a payload gets, the positional sources
//! (a slice, a file read with `read_at`) that let each thread read its own range of it, and
//! the scoped threads that run one job per range.
//!
//! A payload is split into ranges of whole elements, one per thread; each range is read,
//! swapped, checked and stored independently (see `payload`), and the results come back in
//! payload order, so that the first error in payload order is the one reported, as a
//! sequential read reports it. Readers that cannot read at a position (pipes, sockets, any
//! `Read`) keep the sequential path.

use std::sync::{Mutex, OnceLock};

use crate::error::Result;

/// The most threads used when the caller does not say ([`Threads::default`]): past a few
/// threads a read is bound by memory bandwidth, not by the processor.
pub(crate) const DEFAULT_MAX_THREADS: usize = 8;

/// The fewest payload bytes each thread gets. A range costs a thread spawn and a join (tens of
/// microseconds); below a few MiB that is more than the range's read, conversion and check
/// save. Chosen by measurement (`benches/compare.sh`, BENCHMARKS.md).
pub(crate) const MIN_RANGE_BYTES: usize = 4 << 20;

/// How many threads a payload may use: see `ReadOptions::threads`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Threads {
    /// The most threads; 0 means [`available`].
    pub(crate) max: usize,
    /// The fewest bytes per thread; a payload smaller than twice this is read on the caller's
    /// thread.
    pub(crate) min_range: usize,
}

impl Default for Threads {
    fn default() -> Self {
        Threads {
            max: 0,
            min_range: MIN_RANGE_BYTES,
        }
    }
}

impl Threads {
    /// One thread: the sequential read.
    #[cfg(test)]
    pub(crate) const ONE: Threads = Threads {
        max: 1,
        min_range: MIN_RANGE_BYTES,
    };

    /// The number of ranges for a payload of `nbytes` bytes (1: read it on this thread).
    pub(crate) fn for_bytes(self, nbytes: usize) -> usize {
        let max = if self.max == 0 { available() } else { self.max };
        max.min(nbytes / self.min_range.max(1)).max(1)
    }
}

/// The processors this process may use ([`std::thread::available_parallelism`]), at most
/// [`DEFAULT_MAX_THREADS`]; asked once.
pub(crate) fn available() -> usize {
    static AVAILABLE: OnceLock<usize> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(DEFAULT_MAX_THREADS)
    })
}

/// A payload that can be read at any position, from several threads at once.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Positional<'a> {
    /// The payload's bytes.
    Slice(&'a [u8]),
    /// A file holding the payload from byte `start` on.
    #[cfg(unix)]
    File {
        /// The open file.
        file: &'a std::fs::File,
        /// The payload's first byte in the file.
        start: u64,
    },
}

impl Positional<'_> {
    /// Fills `buf` with the payload bytes from `pos` on, returning how many there were: fewer
    /// than `buf.len()` only at the end of the source.
    pub(crate) fn read_at(&self, buf: &mut [u8], pos: usize) -> Result<usize> {
        match self {
            Positional::Slice(bytes) => {
                let have = bytes.get(pos..).unwrap_or_default();
                let n = have.len().min(buf.len());
                buf[..n].copy_from_slice(&have[..n]);
                Ok(n)
            }
            #[cfg(unix)]
            Positional::File { file, start } => {
                use std::os::unix::fs::FileExt;
                let mut filled = 0;
                while filled < buf.len() {
                    let at = start.saturating_add(crate::util::to_u64(pos + filled));
                    match file.read_at(&mut buf[filled..], at) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(filled)
            }
        }
    }
}

/// Splits `len` items into `n` contiguous ranges whose starts are multiples of `align` (except
/// the first, 0): the end of each range, in order, the last being `len`.
pub(crate) fn split(len: usize, n: usize, align: usize) -> Vec<usize> {
    let align = align.max(1);
    let n = n.max(1);
    let mut ends: Vec<usize> = (1..n)
        .map(|t| {
            let end = (len / n).saturating_mul(t) + (len % n) * t / n;
            end / align * align
        })
        .collect();
    ends.push(len);
    ends
}

/// How many parts a job on `threads` threads is split into: several per thread, so that a
/// thread that starts late (the machine is shared) leaves its parts to the others instead of
/// holding every thread up at the join.
pub(crate) fn parts_for(threads: usize) -> usize {
    threads.saturating_mul(4)
}

/// Runs `job` on every one of `parts` on up to `threads` scoped threads (this one included),
/// each taking the next part not yet taken, and returns the results in the order of `parts`.
pub(crate) fn run<P: Send, O: Send>(
    parts: Vec<P>,
    threads: usize,
    job: impl Fn(P) -> O + Sync,
) -> Vec<O> {
    let count = parts.len();
    let queue = Mutex::new(parts.into_iter().enumerate());
    let work = || {
        let mut done = Vec::new();
        loop {
            // A job does not panic, so the lock is never poisoned; if one did, the panic
            // reaches the caller through the join below or this thread.
            let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
            let Some((i, part)) = next else {
                return done;
            };
            done.push((i, job(part)));
        }
    };
    let helpers = threads.min(count).saturating_sub(1);
    let mut results: Vec<(usize, O)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers).map(|_| scope.spawn(work)).collect();
        let mut all = work();
        for handle in handles {
            match handle.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_payload_in_order() {
        for (len, n, align) in [
            (10, 3, 1),
            (10, 3, 4),
            (0, 2, 1),
            (5, 8, 1),
            (1 << 20, 2, 512),
        ] {
            let ends = split(len, n, align);
            assert_eq!(ends.len(), n);
            assert_eq!(*ends.last().unwrap(), len);
            assert!(ends.windows(2).all(|w| w[0] <= w[1]), "{ends:?}");
            assert!(ends[..n - 1].iter().all(|e| e % align == 0), "{ends:?}");
        }
        assert_eq!(split(10, 3, 1), [3, 6, 10]);
    }

    #[test]
    fn threads_need_enough_bytes() {
        let t = Threads {
            max: 4,
            min_range: 100,
        };
        assert_eq!(t.for_bytes(99), 1);
        assert_eq!(t.for_bytes(250), 2);
        assert_eq!(t.for_bytes(10_000), 4);
        assert_eq!(Threads::ONE.for_bytes(usize::MAX), 1);
        assert!(Threads::default().for_bytes(usize::MAX) >= 1);
    }

    #[test]
    fn jobs_come_back_in_order() {
        for threads in [1, 2, 3, 8] {
            let parts: Vec<u32> = (0..50).collect();
            let expected: Vec<u32> = parts.iter().map(|x| x * 10).collect();
            assert_eq!(run(parts, threads, |x| x * 10), expected);
            assert!(run(Vec::<u8>::new(), threads, |x| x).is_empty());
        }
    }
}
