//! A counting global allocator for measuring what a library call allocates.
//!
//! A `#[global_allocator]` can only be declared in a binary, so every test file that measures
//! declares its own static of [`CountingAlloc`]:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: common::alloc::CountingAlloc = common::alloc::CountingAlloc;
//! ```
//!
//! The counters are process-wide atomics, and cargo runs the tests of one binary on several
//! threads. Two things keep a measurement honest anyway: [`measure`] holds a static `Mutex`,
//! so measured sections never overlap, and the allocator only counts allocations made by the
//! thread that is measuring (a thread-local flag), so a test running beside it on another
//! thread cannot add to its peak.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// Wraps [`System`] and counts the bytes live during a [`measure`] call.
pub struct CountingAlloc;

/// Bytes allocated minus bytes freed since the measurement began. Frees of memory allocated
/// before the measurement make it negative, hence signed.
static CURRENT: AtomicIsize = AtomicIsize::new(0);
/// Highest value `CURRENT` reached during the measurement.
static PEAK: AtomicIsize = AtomicIsize::new(0);
/// Largest single allocation (or reallocation target) during the measurement.
static LARGEST: AtomicUsize = AtomicUsize::new(0);
/// Number of allocations and reallocations during the measurement.
static COUNT: AtomicUsize = AtomicUsize::new(0);
/// Serializes measurements: the counters above belong to one measurement at a time.
static MEASURE_LOCK: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread is inside a [`measure`] call. A `const` thread-local without a
    /// destructor never allocates, so the allocator may read it.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

fn active() -> bool {
    ACTIVE.try_with(Cell::get).unwrap_or(false)
}

fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

fn record_alloc(size: usize) {
    if active() {
        let now = CURRENT.fetch_add(signed(size), Ordering::SeqCst) + signed(size);
        PEAK.fetch_max(now, Ordering::SeqCst);
        LARGEST.fetch_max(size, Ordering::SeqCst);
        COUNT.fetch_add(1, Ordering::SeqCst);
    }
}

fn record_free(size: usize) {
    if active() {
        CURRENT.fetch_sub(signed(size), Ordering::SeqCst);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// bookkeeping around it touches only atomics and a const thread-local, and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc`'s contract.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            record_alloc(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            record_alloc(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) };
        record_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is; the caller upholds `GlobalAlloc::realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            record_free(layout.size());
            record_alloc(new_size);
        }
        new
    }
}

/// What a measured closure allocated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Highest number of bytes live at once above what was live when the closure started.
    pub peak: usize,
    /// Largest single allocation request.
    pub largest: usize,
    /// Number of allocations (reallocations included).
    pub count: usize,
}

/// Clears the thread's flag even if the measured closure panics.
struct Active;

impl Active {
    fn start() -> Active {
        CURRENT.store(0, Ordering::SeqCst);
        PEAK.store(0, Ordering::SeqCst);
        LARGEST.store(0, Ordering::SeqCst);
        COUNT.store(0, Ordering::SeqCst);
        ACTIVE.with(|a| a.set(true));
        Active
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        ACTIVE.with(|a| a.set(false));
    }
}

/// Runs `f` and reports what it allocated on this thread (the value it returns included).
pub fn measure_stats<R>(f: impl FnOnce() -> R) -> (R, Stats) {
    let _lock = MEASURE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    let active = Active::start();
    let value = f();
    drop(active);
    let stats = Stats {
        peak: usize::try_from(PEAK.load(Ordering::SeqCst)).unwrap_or(0),
        largest: LARGEST.load(Ordering::SeqCst),
        count: COUNT.load(Ordering::SeqCst),
    };
    (value, stats)
}

/// Runs `f` and returns its value with the peak bytes it had live above the baseline.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let (value, stats) = measure_stats(f);
    (value, stats.peak)
}
