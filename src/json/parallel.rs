//! Large texts of nested arrays in memory, read on several threads.
//!
//! The text is cut into ranges just after commas (a comma is never inside a number or a
//! literal, and any string makes the text invalid for an array, so a cut inside one only
//! makes a range fail). When the text is valid and holds no empty array, the leaves of a
//! range are exactly its commas (plus one in the last range: every array's last element has
//! no comma after it, and every comma that follows an array is balanced by the `[` before
//! that array's first leaf). So one parallel pass that counts commas gives every range its
//! place in the output, which is allocated once, zeroed by the allocator, at its final size.
//!
//! Each range is then parsed on its own thread by the same scanner and leaf conversions as
//! the sequential reader, straight into its part of the output, recording its brackets as
//! [`Step`]s (closes, then opens, then leaves) with runs of equal steps merged: a rectangular
//! array gives a handful per range. The steps are replayed, in text order, into the same
//! [`Nest`] tracker the sequential reader drives, which checks the shape, the spec and the
//! limits; a run of equal steps is replayed twice and then only counted, which decides
//! exactly what replaying it whole would.
//!
//! Anything unusual (a range that does not parse, holds another number of leaves than its
//! commas say, or records too many steps; a replay the tracker refuses; a text beyond the
//! limits) abandons the parallel read, and the caller reads the text again on one thread.
//! The result, array or error, is therefore always the sequential reader's: errors keep
//! their exact position and message, and a valid text is accepted by both or by neither.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::array::Array;
use crate::error::Result;
use crate::limits::Limits;
use crate::parallel::{self, Threads};
use crate::spec::{ArraySpec, Bindings};
use crate::util::to_u64;

use super::nest::Nest;
use super::read::{finish, leaf, Locate};
use super::scan::Scanner;
use super::source::SliceSource;
use super::JsonValue;

/// The fewest bytes of text each range gets: a range costs a thread's wake-up and a
/// comma-counting pass, which the parse of a range of a few hundred KiB already repays.
/// Chosen by measurement: on two threads a text of doubles of 330 KB is read 1.3× faster
/// than on one, one of 670 KB 1.5×, one of 2.7 MB 1.7× (BENCHMARKS.md).
pub(crate) const MIN_RANGE_BYTES: usize = 256 << 10;

/// Brackets and leaves between two leaves' runs: `closes` arrays close, then `opens` arrays
/// open (each an element of the array around it), then `leaves` scalars arrive in the
/// innermost one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Step {
    closes: usize,
    opens: usize,
    leaves: usize,
}

/// The steps of one range, runs of equal steps merged: `(step, repeat)`.
struct Steps {
    done: Vec<(Step, usize)>,
    current: Step,
    /// Leaves recorded so far, to bound the steps' memory by the output's.
    leaves: usize,
}

impl Steps {
    fn new() -> Self {
        Steps {
            done: Vec::new(),
            current: Step::default(),
            leaves: 0,
        }
    }

    /// Ends the current step. `None` when the range records many more steps than its
    /// leaves would for a rectangular array of more than a few elements per row: the
    /// sequential read is then as fast, and the steps' memory stays a small part of the
    /// output's.
    fn flush(&mut self) -> Option<()> {
        let step = std::mem::take(&mut self.current);
        match self.done.last_mut() {
            Some((last, repeat)) if *last == step => *repeat += 1,
            _ => {
                if self.done.len() >= 64 && self.done.len() > self.leaves / 32 {
                    return None;
                }
                self.done.push((step, 1));
            }
        }
        Some(())
    }

    fn open(&mut self) -> Option<()> {
        if self.current.leaves > 0 {
            self.flush()?;
        }
        self.current.opens += 1;
        Some(())
    }

    fn close(&mut self) -> Option<()> {
        if self.current.leaves > 0 || self.current.opens > 0 {
            self.flush()?;
        }
        self.current.closes += 1;
        Some(())
    }

    fn leaf(&mut self) {
        self.current.leaves += 1;
        self.leaves += 1;
    }

    fn finish(mut self) -> Option<Vec<(Step, usize)>> {
        if self.current != Step::default() {
            self.flush()?;
        }
        Some(self.done)
    }
}

/// Reads `bytes` (a whole text; a range that is not UTF-8 gives up) as [`read_array`] would,
/// on up to `threads.max` threads in ranges of at least `threads.min_range` bytes; `None` when
/// the parallel read does not apply or gave up, and the text must be read on one thread.
///
/// [`read_array`]: super::read::read_array
pub(crate) fn read_array<T: JsonValue>(
    bytes: &[u8],
    threads: Threads,
    spec: &ArraySpec,
    limits: &Limits,
    allow_nan: bool,
    bindings: &mut Bindings,
) -> Option<Result<Array<T>>> {
    if T::PARTS != 1 {
        return None;
    }
    let n = threads.for_bytes(bytes.len());
    if n < 2 {
        return None;
    }
    // Nested arrays only (a top-level scalar, an envelope or a byte order mark go the
    // sequential way).
    if first_token(bytes) != Some(b'[') {
        return None;
    }
    let ranges = cut(
        bytes,
        parallel::parts_for(n).min(bytes.len() / threads.min_range.max(1)),
    );
    if ranges.len() < 2 {
        return None;
    }

    // Pass 1: the leaves of each range, from its commas.
    let last = ranges.len() - 1;
    let commas = parallel::run(ranges.clone(), n, |(start, end)| {
        count_commas(&bytes[start..end])
    });
    let counts: Vec<usize> = commas
        .iter()
        .enumerate()
        .map(|(i, &c)| c + usize::from(i == last))
        .collect();
    let total: usize = counts.iter().sum();
    let item = to_u64(std::mem::size_of::<T>());
    // A leaf takes at least two bytes (itself and a comma or bracket): more commas than that
    // is no array, and the output is never larger than a valid text of this length needs.
    if total > bytes.len() / 2 + 1
        || to_u64(total) > limits.max_elements
        || to_u64(total).saturating_mul(item) > limits.max_bytes
    {
        // The sequential read reports the limit where the text reaches it.
        return None;
    }
    let mut data = zeroed::<T>(total)?;

    // Pass 2: each range parsed into its part of the output.
    let mut parts = Vec::with_capacity(ranges.len());
    let mut rest: &mut [T] = &mut data;
    for (i, (&range, &count)) in ranges.iter().zip(&counts).enumerate() {
        let (part, tail) = rest.split_at_mut(count);
        rest = tail;
        parts.push((range, part, i == last));
    }
    // A range that fails stops the others soon after: the text is read again on one thread.
    let failed = AtomicBool::new(false);
    let steps = parallel::run(parts, n, |((start, end), out, last)| {
        let steps = parse_range::<T>(&bytes[start..end], out, last, allow_nan, limits, &failed);
        if steps.is_none() {
            failed.store(true, Ordering::Relaxed);
        }
        steps
    });
    let steps: Vec<Vec<(Step, usize)>> = steps.into_iter().collect::<Option<_>>()?;

    // The shape, the spec and the limits, in text order.
    let mut nest = Nest::infer(1, spec.shape(), limits);
    replay(&mut nest, steps.iter().flatten())?;
    Some(finish(data, nest.dims(), spec, limits, bindings))
}

/// The first byte of `bytes` after JSON whitespace (space, tab, CR, LF).
pub(crate) fn first_token(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Cuts `bytes` into about `n` ranges, each ending just after a comma (the last at the end):
/// `(start, end)` pairs in order, covering the text.
fn cut(bytes: &[u8], n: usize) -> Vec<(usize, usize)> {
    let mut ranges = Vec::with_capacity(n);
    let mut start = 0;
    for end in parallel::split(bytes.len(), n, 1) {
        if end <= start {
            continue;
        }
        let end = match bytes[end..].iter().position(|&b| b == b',') {
            Some(comma) if end < bytes.len() => end + comma + 1,
            _ => bytes.len(),
        };
        if end > start {
            ranges.push((start, end));
            start = end;
        }
    }
    if start < bytes.len() {
        ranges.push((start, bytes.len()));
    }
    ranges
}

/// The commas in `bytes`, counted 255 bytes at a time in a `u8` (a loop the compiler
/// vectorizes).
fn count_commas(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| {
            usize::from(
                chunk
                    .iter()
                    .fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b','))),
            )
        })
        .sum()
}

/// `len` elements of `T`, zeroed by the allocator (pages the kernel gives zeroed are not
/// written twice); `None` when the allocation fails (the sequential read then reports it).
fn zeroed<T: JsonValue>(len: usize) -> Option<Vec<T>> {
    let raw = crate::payload::alloc_raw::<T::Raw>(len).ok()?;
    // Zero is a valid value of every element type (`false` for `bool`).
    Some(T::from_raw_vec(raw))
}

/// Parses one range into `out`, which must take exactly its leaves: the range's steps, or
/// `None` when it does not parse as a stretch of nested arrays of numbers (or as their end,
/// when `last`), or when another range `failed` (looked at every 4096 leaves).
fn parse_range<T: JsonValue>(
    bytes: &[u8],
    out: &mut [T],
    last: bool,
    allow_nan: bool,
    limits: &Limits,
    failed: &AtomicBool,
) -> Option<Vec<(Step, usize)>> {
    if failed.load(Ordering::Relaxed) {
        return None;
    }
    let text = std::str::from_utf8(bytes).ok()?;
    let mut scan = Scanner::new(SliceSource::new(text));
    // Only to place the errors the leaf conversions build (a failed range is read again).
    let placer = Nest::infer(1, None, limits);
    let locate = Locate { prefix: "" };
    let mut steps = Steps::new();
    let mut slots = out.iter_mut();
    let mut after_value = false;
    loop {
        let next = scan.peek().ok()?;
        if after_value {
            match next {
                Some(b',') => {
                    scan.bump();
                    after_value = false;
                }
                Some(b']') => {
                    scan.bump();
                    steps.close()?;
                }
                // The end of the text: the replay checks that every array closed.
                None if last => break,
                _ => return None,
            }
        } else {
            match next {
                Some(b'[') => {
                    scan.bump();
                    steps.open()?;
                }
                // An empty array, or `,]`.
                Some(b']') => return None,
                Some(b) => {
                    let part = leaf::<T, _>(&mut scan, &placer, allow_nan, &locate, b).ok()?;
                    T::set_part(slots.next()?, 0, part);
                    steps.leaf();
                    after_value = true;
                    if steps.leaves.is_multiple_of(4096) && failed.load(Ordering::Relaxed) {
                        return None;
                    }
                }
                // A range other than the last ends just after its comma.
                None if !last => break,
                None => return None,
            }
        }
    }
    if slots.next().is_some() {
        return None;
    }
    steps.finish()
}

/// Drives `nest` with the steps of every range in order: `None` when it refuses one, when a
/// step follows the close of the outermost array, or when that array never closes.
fn replay<'a>(nest: &mut Nest, steps: impl Iterator<Item = &'a (Step, usize)>) -> Option<()> {
    let mut closed = false;
    for &(step, repeat) in steps {
        for done in 0..repeat {
            if done == 2 && step.closes > 0 && step.closes == step.opens {
                // Each further repetition closes arrays just like the ones the last one
                // closed and opens the same arrays again: it only adds one element to the
                // array around them, which is all that is left to check.
                let around = nest.depth().checked_sub(step.closes + 1)?;
                nest.more_elements(around, repeat - 2).ok()?;
                break;
            }
            if closed {
                return None;
            }
            for _ in 0..step.closes {
                if nest.depth() == 0 {
                    return None;
                }
                nest.close().ok()?;
            }
            if nest.depth() == 0 {
                // Either the outermost array just closed, and nothing may follow, or nothing
                // opened yet, and an array must.
                if step.closes > 0 {
                    if step.opens > 0 || step.leaves > 0 {
                        return None;
                    }
                    closed = true;
                    continue;
                }
                if step.opens == 0 {
                    return None;
                }
            }
            for _ in 0..step.opens {
                nest.element().ok()?;
                nest.open().ok()?;
            }
            nest.leaves(step.leaves).ok()?;
        }
    }
    closed.then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ReadOptions;
    use crate::spec::Dim;

    /// The parallel read on ranges of at least `min_range` bytes, without the fallback.
    fn parallel(text: &str, spec: &ArraySpec, min_range: usize) -> Option<Result<Array<f64>>> {
        let threads = Threads { max: 4, min_range };
        let limits = Limits::default();
        read_array::<f64>(
            text.as_bytes(),
            threads,
            spec,
            &limits,
            false,
            &mut Bindings::new(),
        )
    }

    fn sequential(text: &str, spec: &ArraySpec) -> Result<Array<f64>> {
        ReadOptions::new().threads(1).read_str::<f64>(text, spec)
    }

    #[test]
    fn valid_texts_are_read_in_parallel() {
        let texts = [
            "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]".to_string(),
            "[[1, 2], [3, 4], [5, 6], [7, 8]]".to_string(),
            "[[1],[2],[3],[4],[5],[6],[7],[8],[9]]".to_string(),
            "[[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]".to_string(),
            format!("[{}]", vec!["[0.5, -1e-3, 2E+2]"; 1000].join(",\n ")),
        ];
        for text in &texts {
            for min_range in [1, 3, 7, 15] {
                let got = parallel(text, &ArraySpec::any(), min_range);
                let got = got.unwrap_or_else(|| panic!("{text} fell back ({min_range})"));
                assert_eq!(got.unwrap(), sequential(text, &ArraySpec::any()).unwrap());
            }
        }
    }

    #[test]
    fn unusual_texts_fall_back_to_one_thread() {
        let spec = ArraySpec::any();
        for text in [
            // Errors, found by a range or by the replay.
            "[1, 2, 3, 4, x, 6, 7, 8]",
            "[[1, 2], [3, 4], [5, 6, 7], [8, 9]]",
            "[[1, 2], [3, 4]], [5, 6]",
            "[[1, 2], [3, 4], [5, 6], [7, 8]",
            "[1, 2, 3, \"4,5\", 6, 7]",
            // Valid, but not the parallel read's: an empty array, a top-level scalar.
            "[[], [], [], [], []]",
            "12345678",
        ] {
            assert!(parallel(text, &spec, 2).is_none(), "{text}");
        }
        // A shape the spec refuses is refused by the replay: the sequential read reports it.
        let rows = ArraySpec::any().with_shape([Dim::Exact(3), Dim::Any]);
        assert!(parallel("[[1, 2], [3, 4], [5, 6], [7, 8]]", &rows, 2).is_none());
    }

    #[test]
    fn irregular_steps_give_up_early() {
        // 3-d arrays with short rows alternate two kinds of steps, which do not merge.
        let block = "[[1, 2], [3, 4]]";
        let text = format!("[{}]", vec![block; 5000].join(", "));
        assert!(parallel(&text, &ArraySpec::any(), 4096).is_none());
        // Long rows merge into a few steps and stay parallel.
        let block = format!("[[{0}], [{0}]]", vec!["1.5"; 200].join(", "));
        let text = format!("[{}]", vec![block.as_str(); 100].join(", "));
        assert!(parallel(&text, &ArraySpec::any(), 4096).is_some());
    }

    #[test]
    fn commas_are_counted_across_chunks() {
        let bytes: Vec<u8> = (0..10_000)
            .map(|i| if i % 3 == 0 { b',' } else { b'1' })
            .collect();
        assert_eq!(count_commas(&bytes), 3334);
        assert_eq!(count_commas(b""), 0);
    }

    #[test]
    fn cuts_end_after_commas_and_cover_the_text() {
        let text = b"[1, 22, 333, 4444, 55555]";
        for n in 1..10 {
            let ranges = cut(text, n);
            assert_eq!(ranges.first().map(|r| r.0), Some(0));
            assert_eq!(ranges.last().map(|r| r.1), Some(text.len()));
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].1, pair[1].0);
                assert_eq!(text[pair[0].1 - 1], b',');
            }
        }
    }
}
