//! Helpers shared by the fuzz targets: a counting allocator, a chunked reader, small limits
//! and the oracles every target applies.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{self, Read};
use std::sync::atomic::{AtomicUsize, Ordering};

use arrayguard::{ArraySpec, DynArray, Limits};

/// Bytes allocated now and the peak since the last [`reset_peak`].
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A global allocator that counts live bytes and their peak.
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only
// updates counters on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
            add(new_size);
        }
        p
    }
}

fn add(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

/// Runs `f` and returns its result with the peak bytes it allocated above the starting level.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// Small limits, so the fuzzer reaches the limit paths instead of memory exhaustion.
pub fn small_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_bytes = 1 << 20;
    limits.max_elements = 1 << 18;
    limits.max_ndim = 16;
    limits.max_header_bytes = 4096;
    limits
}

/// Allocation slack allowed on top of the payload: header text, shape vectors, error text.
pub const SLACK: usize = 64 * 1024;

/// A reader that returns at most one chunk size per `read`, cycling through `sizes`.
pub struct Chunked<'a> {
    data: &'a [u8],
    sizes: &'a [u8],
    turn: usize,
}

impl<'a> Chunked<'a> {
    /// Reads `data` in chunks of `sizes[i] % 8 + 1` bytes.
    pub fn new(data: &'a [u8], sizes: &'a [u8]) -> Self {
        Chunked { data, sizes, turn: 0 }
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes.get(self.turn % self.sizes.len().max(1)).map_or(1, |s| usize::from(s % 8) + 1);
        self.turn += 1;
        let n = size.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// The oracle for an accepted array: it satisfies the spec's dtypes and the limits.
pub fn check_accepted(array: &DynArray, spec: &ArraySpec, limits: &Limits) {
    assert!(spec.allows_dtype(array.dtype()));
    let shape = array.shape();
    assert!(shape.ndim() <= limits.max_ndim);
    assert!(shape.len() as u64 <= limits.max_elements);
    assert!((shape.len() * array.dtype().itemsize()) as u64 <= limits.max_bytes);
    assert_eq!(array.len(), shape.len());
}

/// Same outcome: equal arrays, or errors with the same code.
pub fn same_outcome(a: &arrayguard::Result<DynArray>, b: &arrayguard::Result<DynArray>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => bits_equal(x, y),
        (Err(x), Err(y)) => x.code() == y.code(),
        _ => false,
    }
}

/// Bit-exact equality (NaN payloads included), through the little-endian `.npy` encoding.
pub fn bits_equal(a: &DynArray, b: &DynArray) -> bool {
    let mut x = Vec::new();
    let mut y = Vec::new();
    arrayguard::npy::write_dyn(&mut x, a).is_ok() && arrayguard::npy::write_dyn(&mut y, b).is_ok() && x == y
}
