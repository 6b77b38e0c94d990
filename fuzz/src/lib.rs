//! Helpers of the fuzz targets: a counting global allocator and the [`Meter`] built on it.
//!
//! The oracles themselves live in [`oracles`] (`src/oracles/`, one file per target family),
//! which depends only on `arrayguard`, `std` and [`support`], so that `tests/fuzz_corpus.rs`
//! replays the seeds and past crashes through the same code on the stable toolchain.
//! [`support`] is the test support the integration tests share (`tests/common/support/`:
//! small-read readers, canonical bytes, the spec oracle), included here as is.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod oracles;
#[path = "../../tests/common/support/mod.rs"]
pub mod support;

pub use oracles::Meter;

/// Bytes allocated now and the peak since the last measurement began.
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A global allocator that counts live bytes and their peak. Each target declares
/// `#[global_allocator] static ALLOC: Counting = Counting;` (libFuzzer runs inputs on one
/// thread, so process-wide counters measure exactly the call under test).
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only
// updates counters on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
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

/// Runs `f` and returns its result with the peak bytes it had live above the starting level.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// The [`Meter`] of the fuzz targets: [`measure`] on the [`Counting`] allocator (which the
/// target must declare as its global allocator).
pub struct FuzzMeter;

impl Meter for FuzzMeter {
    fn measure<R>(&self, f: impl FnOnce() -> R) -> (R, Option<usize>) {
        let (value, peak) = measure(f);
        (value, Some(peak))
    }
}
