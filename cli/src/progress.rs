//! Progress of a long `check` on stderr: files done / total, bytes, rate. Drawn only when
//! stderr is a terminal, only once the check has run for a second, and never under --quiet.
//! `ARRAYGUARD_PROGRESS_DELAY_MS` sets that delay (the tests draw at once with 0).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a check runs before its progress is drawn, unless `ARRAYGUARD_PROGRESS_DELAY_MS`
/// says otherwise.
const DELAY: Duration = Duration::from_secs(1);

fn delay() -> Duration {
    std::env::var("ARRAYGUARD_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DELAY, Duration::from_millis)
}

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    files: u64,
    done: AtomicU64,
    start: Instant,
    delay: Duration,
}

/// Whether progress can be drawn at all: stderr is a terminal and --quiet is not given.
pub(crate) fn possible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

impl Progress {
    /// Progress over `files` files of `bytes` bytes in all; hidden when `quiet` or when stderr
    /// is not a terminal.
    pub(crate) fn new(files: u64, bytes: u64, quiet: bool) -> Progress {
        let bar = possible(quiet).then(|| {
            let bar = ProgressBar::with_draw_target(Some(bytes), ProgressDrawTarget::hidden());
            let style = ProgressStyle::with_template(
                "{msg} files  {binary_bytes}/{binary_total_bytes}  {binary_bytes_per_sec}  eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(format!("0/{files}"));
            bar
        });
        Progress {
            bar,
            files,
            done: AtomicU64::new(0),
            start: Instant::now(),
            delay: delay(),
        }
    }

    /// Counts one file of `bytes` bytes as done.
    pub(crate) fn file_done(&self, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let Some(bar) = &self.bar else { return };
        if bar.is_hidden() && self.start.elapsed() >= self.delay {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_message(format!("{done}/{}", self.files));
        bar.inc(bytes);
    }

    /// Erases the progress line before the report is printed.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
