//! Fortran (column-major) to C (row-major) order, one cache-friendly pass.
//!
//! Reversing the axes of an array with dims `a × m₁ × … × c` moves element
//! `(i, m, k)` from `i + a·m_F + a·M·k` (F order, `M` the product of the middle dims and `m_F`
//! the middle index flattened in F order) to `k + c·m_C + c·M·i` (C order). For every middle
//! index this is the transpose of an `a × c` matrix, done in square tiles so that both the
//! reads (contiguous in `i`) and the writes (contiguous in `k`) use whole cache lines; a
//! naive loop touches a new cache line on every write.
//!
//! The source can also be given a slab at a time (all elements with `k` in a range), which is
//! how readers convert a Fortran-order payload while reading it through a small buffer.

use crate::shape::orders_coincide;

/// The tile side, in elements: 16 × 8-byte elements are two cache lines.
const TILE: usize = 16;

/// The geometry of a conversion: dims of size 1 dropped (they do not move anything).
#[derive(Clone, Debug)]
pub(crate) struct Transpose {
    /// The length of the first axis (contiguous in the source).
    first: usize,
    /// The middle axes, in order.
    middle: Vec<usize>,
    /// The product of the middle axes.
    middle_len: usize,
    /// The length of the last axis (contiguous in the destination).
    last: usize,
}

impl Transpose {
    /// The conversion for `dims`, or `None` when F and C order store the same sequence (no
    /// element, or at most one axis longer than 1) and the data can be copied as it is.
    pub(crate) fn new(dims: &[usize]) -> Option<Transpose> {
        if orders_coincide(dims) {
            return None;
        }
        let long: Vec<usize> = dims.iter().copied().filter(|&d| d > 1).collect();
        let (&first, rest) = long.split_first()?;
        let (&last, middle) = rest.split_last()?;
        Some(Transpose {
            first,
            middle: middle.to_vec(),
            // The product divides the element count, so it fits.
            middle_len: middle.iter().product(),
            last,
        })
    }

    /// Elements in one slab (one value of the last axis).
    pub(crate) fn slab_len(&self) -> usize {
        self.first * self.middle_len
    }

    /// Writes into `dst` (the whole array, C order) the slabs `k0..k0 + n` held by `src`
    /// (F order, `n` whole slabs).
    pub(crate) fn slabs<R: Copy>(&self, src: &[R], k0: usize, dst: &mut [R]) {
        debug_assert_eq!(dst.len(), self.slab_len() * self.last);
        self.tiles(src, k0, 0, dst);
    }

    /// Writes into `dst` (the whole array, C order) the slabs `k0..` held by `src` (F order,
    /// whole slabs) on `threads` threads, each writing a block of rows (whole rows of `dst`
    /// are contiguous, so the blocks are disjoint).
    pub(crate) fn parallel<R: Copy + Send + Sync>(
        &self,
        src: &[R],
        k0: usize,
        dst: &mut [R],
        threads: usize,
    ) {
        let row = self.middle_len * self.last;
        let ends = crate::parallel::split(self.first, crate::parallel::parts_for(threads), 1);
        let mut parts = Vec::with_capacity(ends.len());
        let (mut rest, mut start) = (dst, 0);
        for end in ends {
            let (head, tail) = std::mem::take(&mut rest).split_at_mut((end - start) * row);
            parts.push((start, head));
            (rest, start) = (tail, end);
        }
        crate::parallel::run(parts, threads, |(i0, block)| self.tiles(src, k0, i0, block));
    }

    /// The length of the last axis: the length of every C-order row, and the number of slabs.
    pub(crate) fn last(&self) -> usize {
        self.last
    }

    /// The number of C-order rows (`first × middle_len`), each [`Transpose::last`] long.
    pub(crate) fn rows(&self) -> usize {
        self.first * self.middle_len
    }

    /// Writes the slabs held by `src` (F order, whole slabs) into `segments`: one segment of
    /// every C-order row, in row order, each holding a range of the row's columns; the first
    /// slab of `src` goes to index `at` of every segment. This is how the parallel reader
    /// gives each thread its own columns of the destination.
    pub(crate) fn to_segments<R: Copy>(&self, src: &[R], at: usize, segments: &mut [&mut [R]]) {
        let (a, m_len) = (self.first, self.middle_len);
        let slab = self.slab_len();
        let n = src.len() / slab.max(1);
        debug_assert_eq!(src.len(), n * slab);
        debug_assert_eq!(segments.len(), a * m_len);
        self.middle_in_c_order(|m_c, m_f| {
            let src_base = a * m_f;
            for ib in (0..a).step_by(TILE) {
                let i_end = (ib + TILE).min(a);
                for kb in (0..n).step_by(TILE) {
                    let k_end = (kb + TILE).min(n);
                    for i in ib..i_end {
                        let out = &mut segments[i * m_len + m_c][at + kb..at + k_end];
                        for (k, d) in (kb..k_end).zip(out) {
                            *d = src[src_base + i + slab * k];
                        }
                    }
                }
            }
        });
    }

    /// Calls `visit(m_c, m_f)` for every middle index, in C order: its flat index in C order
    /// and in F order.
    fn middle_in_c_order(&self, mut visit: impl FnMut(usize, usize)) {
        // Odometer over the middle axes in C order, tracking the F-order flat index.
        let mut counter = vec![0usize; self.middle.len()];
        let mut strides_f = Vec::with_capacity(self.middle.len());
        let mut acc = 1usize;
        for &d in &self.middle {
            strides_f.push(acc);
            acc *= d;
        }
        let mut m_f = 0usize;
        for m_c in 0..self.middle_len {
            visit(m_c, m_f);
            // Next middle index in C order: the last middle axis moves fastest.
            for axis in (0..self.middle.len()).rev() {
                counter[axis] += 1;
                m_f += strides_f[axis];
                if counter[axis] < self.middle[axis] {
                    break;
                }
                m_f -= strides_f[axis] * self.middle[axis];
                counter[axis] = 0;
            }
        }
    }

    /// The tiled conversion: `src` holds the slabs `k0..` (F order, whole slabs), `dst` the
    /// C-order rows `i0..` (whole rows); every element in both is written.
    fn tiles<R: Copy>(&self, src: &[R], k0: usize, i0: usize, dst: &mut [R]) {
        let (a, m_len, c) = (self.first, self.middle_len, self.last);
        let slab = self.slab_len();
        let n = src.len() / slab.max(1);
        let rows = dst.len() / (m_len * c).max(1);
        debug_assert_eq!(src.len(), n * slab);
        debug_assert_eq!(dst.len(), rows * m_len * c);
        debug_assert!(i0 + rows <= a && k0 + n <= c);
        self.middle_in_c_order(|m_c, m_f| {
            let src_base = a * m_f;
            let dst_base = c * m_c + k0;
            for ib in (i0..i0 + rows).step_by(TILE) {
                let i_end = (ib + TILE).min(i0 + rows);
                for kb in (0..n).step_by(TILE) {
                    let k_end = (kb + TILE).min(n);
                    for i in ib..i_end {
                        let row = dst_base + c * m_len * (i - i0);
                        let out = &mut dst[row + kb..row + k_end];
                        for (k, d) in (kb..k_end).zip(out) {
                            *d = src[src_base + i + slab * k];
                        }
                    }
                }
            }
        });
    }
}

/// Copies `src` (F order over `dims`) into `dst` in C order; `dst.len() == src.len()`.
#[cfg(test)]
fn fortran_to_c<R: Copy>(src: &[R], dims: &[usize], dst: &mut [R]) {
    match Transpose::new(dims) {
        None => dst.copy_from_slice(src),
        Some(t) => t.slabs(src, 0, dst),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The C-order flat index of a logical index.
    fn c_index(dims: &[usize], index: &[usize]) -> usize {
        index.iter().zip(dims).fold(0, |acc, (&i, &d)| acc * d + i)
    }

    fn f_index(dims: &[usize], index: &[usize]) -> usize {
        index
            .iter()
            .zip(dims)
            .rev()
            .fold(0, |acc, (&i, &d)| acc * d + i)
    }

    fn check(dims: &[usize]) {
        let n: usize = dims.iter().product();
        let src: Vec<u32> = (0..n as u32).collect();
        let mut dst = vec![u32::MAX; n];
        fortran_to_c(&src, dims, &mut dst);
        let mut index = vec![0usize; dims.len()];
        for _ in 0..n {
            assert_eq!(
                dst[c_index(dims, &index)],
                src[f_index(dims, &index)],
                "{dims:?} {index:?}"
            );
            for axis in (0..dims.len()).rev() {
                index[axis] += 1;
                if index[axis] < dims[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
        // Slab by slab gives the same result.
        if let Some(t) = Transpose::new(dims) {
            let mut by_slab = vec![u32::MAX; n];
            let slab = t.slab_len();
            for (k, chunk) in src.chunks(slab * 3).enumerate() {
                t.slabs(chunk, k * 3, &mut by_slab);
            }
            assert_eq!(by_slab, dst, "{dims:?}");
            // Row blocks on threads give the same result.
            for threads in [2, 3, 7] {
                let mut by_rows = vec![u32::MAX; n];
                t.parallel(&src, 0, &mut by_rows, threads);
                assert_eq!(by_rows, dst, "{dims:?} {threads}");
                // And slab by slab on threads.
                let mut both = vec![u32::MAX; n];
                for (k, chunk) in src.chunks(slab * 2).enumerate() {
                    t.parallel(chunk, k * 2, &mut both, threads);
                }
                assert_eq!(both, dst, "{dims:?} {threads}");
            }
            // Column segments, groups of slabs at a time, give the same result.
            for parts in [1, 2, 3] {
                let c = t.last();
                let ends: Vec<usize> = (1..=parts).map(|p| c * p / parts).collect();
                let mut by_columns = vec![u32::MAX; n];
                let mut segments: Vec<Vec<&mut [u32]>> = (0..parts).map(|_| Vec::new()).collect();
                for row in by_columns.chunks_exact_mut(c.max(1)) {
                    let (mut rest, mut start) = (row, 0);
                    for (p, &end) in ends.iter().enumerate() {
                        let (head, tail) = std::mem::take(&mut rest).split_at_mut(end - start);
                        segments[p].push(head);
                        (rest, start) = (tail, end);
                    }
                }
                let mut start = 0;
                for (p, &end) in ends.iter().enumerate() {
                    for k in (start..end).step_by(2) {
                        let k_end = (k + 2).min(end);
                        t.to_segments(&src[k * slab..k_end * slab], k - start, &mut segments[p]);
                    }
                    start = end;
                }
                assert_eq!(by_columns, dst, "{dims:?} {parts} parts");
            }
        }
    }

    #[test]
    fn every_layout_matches_logical_indexing() {
        for dims in [
            &[5][..],
            &[2, 3],
            &[17, 33],
            &[33, 17],
            &[1, 40, 1],
            &[2, 3, 4],
            &[18, 1, 19],
            &[3, 4, 5, 6],
            &[2, 1, 3, 1, 2],
            &[40, 2, 2, 40],
            &[0, 3],
            &[0, 3, 4],
            &[3, 0, 4],
            &[],
        ] {
            check(dims);
        }
    }
}
