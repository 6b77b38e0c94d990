//! Element storage for owned arrays: a `Vec`, or, for large payloads on Linux, an anonymous
//! memory map advised for transparent huge pages.
//!
//! Reading a large array into a fresh buffer costs more in page faults than in copying: every
//! 4 KiB page of a new allocation faults once, and the kernel zeroes it. With the map advised
//! `MADV_HUGEPAGE` (what NumPy does for its own large allocations), a 2 MiB page faults once,
//! so an 80 MB payload takes 40 faults instead of 20 000. The machine's transparent huge page
//! setting decides whether the advice is followed (`always` or `madvise` follow it, `never`
//! ignores it); the map is a correct buffer either way.
//!
//! The map is made with memmap2's safe API (`MmapMut::map_anon`, `advise_range`); its start is
//! rounded up to a 2 MiB boundary inside a map 2 MiB larger than needed, so that the payload
//! fills whole huge pages. `bool` payloads and payloads below [`HUGE_MIN`] stay in a `Vec`.

use std::fmt;

use crate::dtype::{DType, Element};
use crate::error::{Error, ErrorKind, Result};
use crate::util::to_u64;

/// Payloads of at least this many bytes are mapped (NumPy's threshold for the same advice).
pub(crate) const HUGE_MIN: usize = 4 << 20;

/// Raw storage being filled by a reader: elements in the input's byte order, not yet checked.
pub(crate) enum RawBuffer<T: Element> {
    /// Heap storage.
    Heap(Vec<T::Raw>),
    /// A huge-page map (never for `bool`, so `T::Raw` is `T`).
    #[cfg(target_os = "linux")]
    Mapped(map::Mapped),
}

impl<T: Element> RawBuffer<T> {
    /// `len` zeroed raw elements, mapped when large; fails instead of aborting when memory is
    /// short.
    pub(crate) fn zeroed(len: usize) -> Result<Self> {
        #[cfg(target_os = "linux")]
        if let Some(m) = map::Mapped::zeroed::<T>(len) {
            return Ok(RawBuffer::Mapped(m));
        }
        bytemuck::allocation::try_zeroed_vec(len)
            .map(RawBuffer::Heap)
            .map_err(|()| {
                Error::from(ErrorKind::OutOfMemory {
                    bytes: to_u64(len.saturating_mul(std::mem::size_of::<T::Raw>())),
                })
            })
    }

    /// The raw elements.
    pub(crate) fn as_mut_slice(&mut self) -> &mut [T::Raw] {
        match self {
            RawBuffer::Heap(v) => v,
            #[cfg(target_os = "linux")]
            RawBuffer::Mapped(m) => m.raw_mut::<T>(),
        }
    }

    /// The checked elements. For `bool`, the caller has checked that every byte is 0 or 1.
    pub(crate) fn into_buffer(self) -> Buffer<T> {
        match self {
            RawBuffer::Heap(v) => Buffer::Heap(T::from_raw_vec(v)),
            #[cfg(target_os = "linux")]
            RawBuffer::Mapped(m) => Buffer::Mapped(m),
        }
    }
}

/// The elements of an owned array, in native byte order.
pub(crate) enum Buffer<T: Element> {
    /// Heap storage.
    Heap(Vec<T>),
    /// Heap storage read as bytes, aligned for `T` and checked (see [`Buffer::from_bytes`]):
    /// a byte vector can be read into without being zeroed first.
    Bytes(Vec<u8>),
    /// A huge-page map (never for `bool`, so `T::Raw` is `T`).
    #[cfg(target_os = "linux")]
    Mapped(map::Mapped),
}

impl<T: Element> Buffer<T> {
    /// The elements whose native-order bytes are `bytes` (for `bool`, checked to be 0 or 1),
    /// kept in place when the allocation is aligned for `T` (the system allocator aligns
    /// every block to 16 bytes), copied otherwise.
    pub(crate) fn from_bytes(bytes: Vec<u8>) -> Self {
        // One-byte elements (`bool`, `u8`, `i8`) take the vector as it is.
        let bytes = match bytemuck::allocation::try_cast_vec::<u8, T::Raw>(bytes) {
            Ok(raw) => return Buffer::Heap(T::from_raw_vec(raw)),
            Err((_, bytes)) => bytes,
        };
        if bytemuck::try_cast_slice::<u8, T::Raw>(&bytes).is_ok() {
            return Buffer::Bytes(bytes);
        }
        let raw: Vec<T::Raw> = bytemuck::allocation::pod_collect_to_vec(&bytes);
        Buffer::Heap(T::from_raw_vec(raw))
    }

    /// A copy of `values`, mapped when large.
    pub(crate) fn copied(values: &[T]) -> Self {
        #[cfg(target_os = "linux")]
        if let Some(mut m) = map::Mapped::zeroed::<T>(values.len()) {
            m.raw_mut::<T>().copy_from_slice(T::as_raw_slice(values));
            return Buffer::Mapped(m);
        }
        // Small payloads: `to_vec` copies into uninitialized memory, with no zeroing pass.
        Buffer::Heap(values.to_vec())
    }

    /// The elements.
    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            Buffer::Heap(v) => v,
            Buffer::Bytes(b) => bytemuck::try_cast_slice::<u8, T::Raw>(b)
                .ok()
                .and_then(T::from_raw_slice)
                .unwrap_or_default(),
            #[cfg(target_os = "linux")]
            Buffer::Mapped(m) => m.elements::<T>(),
        }
    }

    /// The elements in a `Vec`, copied out of a map.
    pub(crate) fn into_vec(self) -> Vec<T> {
        match self {
            Buffer::Heap(v) => v,
            Buffer::Bytes(_) => self.as_slice().to_vec(),
            #[cfg(target_os = "linux")]
            Buffer::Mapped(m) => m.elements::<T>().to_vec(),
        }
    }

    /// Whether the elements live in a huge-page map.
    #[cfg(test)]
    pub(crate) fn is_mapped(&self) -> bool {
        !matches!(self, Buffer::Heap(_) | Buffer::Bytes(_))
    }
}

impl<T: Element> Clone for Buffer<T> {
    fn clone(&self) -> Self {
        match self {
            Buffer::Heap(v) => Buffer::Heap(v.clone()),
            Buffer::Bytes(b) => Buffer::from_bytes(b.clone()),
            #[cfg(target_os = "linux")]
            Buffer::Mapped(m) => Buffer::copied(m.elements::<T>()),
        }
    }
}

impl<T: Element> fmt::Debug for Buffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_slice().fmt(f)
    }
}

impl<T: Element> PartialEq for Buffer<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

/// Whether storage for `len` elements of `T` should be a huge-page map.
fn wants_map<T: Element>(len: usize) -> bool {
    T::DTYPE != DType::Bool && len.saturating_mul(T::DTYPE.itemsize()) >= HUGE_MIN
}

#[cfg(target_os = "linux")]
pub(crate) mod map {
    use memmap2::{Advice, MmapMut, MmapOptions};

    use crate::dtype::Element;

    /// The size of a transparent huge page on x86-64 and arm64 (4 KiB base pages).
    const HUGE_PAGE: usize = 2 << 20;

    /// An anonymous map holding `len` bytes from `start`, a multiple of [`HUGE_PAGE`] from
    /// the map's first byte's address.
    pub(crate) struct Mapped {
        map: MmapMut,
        start: usize,
        len: usize,
    }

    impl Mapped {
        /// A zeroed map for `len` elements of `T`, or `None` when `T` is `bool`, the payload is
        /// small, or the kernel refuses the map (the caller then uses the heap).
        pub(crate) fn zeroed<T: Element>(len: usize) -> Option<Mapped> {
            if !super::wants_map::<T>(len) {
                return None;
            }
            let bytes = len.checked_mul(T::DTYPE.itemsize())?;
            let rounded = bytes.checked_next_multiple_of(HUGE_PAGE)?;
            let map = MmapOptions::new()
                .len(rounded.checked_add(HUGE_PAGE)?)
                .map_anon()
                .ok()?;
            let address = map.as_ptr() as usize;
            let start = (HUGE_PAGE - address % HUGE_PAGE) % HUGE_PAGE;
            // Advice is a hint: a kernel without transparent huge pages refuses it, and the
            // map still works with small pages.
            let _ = map.advise_range(Advice::HugePage, start, rounded);
            Some(Mapped {
                map,
                start,
                len: bytes,
            })
        }

        fn bytes(&self) -> &[u8] {
            &self.map[self.start..self.start + self.len]
        }

        /// The storage as raw elements of `T`.
        pub(crate) fn raw_mut<T: Element>(&mut self) -> &mut [T::Raw] {
            let bytes = &mut self.map[self.start..self.start + self.len];
            // The start is page-aligned and the length a multiple of the element size, so the
            // cast cannot fail.
            bytemuck::try_cast_slice_mut(bytes).unwrap_or_default()
        }

        /// The storage as elements of `T` (never `bool`, whose raw bytes need a check).
        pub(crate) fn elements<T: Element>(&self) -> &[T] {
            let raw: &[T::Raw] = bytemuck::try_cast_slice(self.bytes()).unwrap_or_default();
            let elements = T::from_raw_slice(raw).unwrap_or_default();
            debug_assert_eq!(elements.len() * T::DTYPE.itemsize(), self.len);
            elements
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_payloads_are_mapped_and_small_ones_are_not() {
        let n = HUGE_MIN / 8;
        let mut raw = RawBuffer::<f64>::zeroed(n).unwrap();
        assert_eq!(raw.as_mut_slice().len(), n);
        raw.as_mut_slice()[n - 1] = 2.5;
        let buf = raw.into_buffer();
        assert_eq!(buf.is_mapped(), cfg!(target_os = "linux"));
        assert_eq!(buf.as_slice().len(), n);
        assert_eq!(buf.as_slice()[n - 1], 2.5);
        assert_eq!(buf.as_slice()[0], 0.0);
        let copy = buf.clone();
        assert_eq!(copy, buf);
        assert_eq!(buf.into_vec().len(), n);

        assert!(!RawBuffer::<f64>::zeroed(n - 1)
            .unwrap()
            .into_buffer()
            .is_mapped());
        assert!(!RawBuffer::<bool>::zeroed(HUGE_MIN)
            .unwrap()
            .into_buffer()
            .is_mapped());
    }

    #[test]
    fn bytes_are_kept_in_place_when_aligned() {
        let values = [1.5f64, -2.0, 3.25];
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let buf = Buffer::<f64>::from_bytes(bytes);
        assert!(matches!(buf, Buffer::Bytes(_)));
        assert_eq!(buf.as_slice(), &values);
        assert_eq!(buf.clone().into_vec(), values);
        let flags = Buffer::<bool>::from_bytes(vec![0, 1, 1]);
        assert_eq!(flags.as_slice(), &[false, true, true]);
    }

    #[test]
    fn copies_keep_every_element() {
        let values: Vec<u32> = (0..(HUGE_MIN / 4 + 3) as u32).collect();
        let buf = Buffer::copied(&values);
        assert_eq!(buf.as_slice(), &values[..]);
    }
}
