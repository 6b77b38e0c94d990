//! The streaming check of a 1 GiB `.npy` file with value constraints, on every thread
//! (`ReadOptions::threads` default) and on one, with the peak memory of each.
//!
//! `cargo bench --bench check_stream` writes a 1 GiB little-endian f64 file (2^27 elements,
//! all within the spec's bounds, so that every element is checked), then runs each case in a
//! fresh child process (this binary with `--case READER`): the child checks the file 6 times
//! (the first warms the page cache), and reports the median time of the last 5 and the growth
//! of its resident high-water mark (`VmHWM`) over its resident set before the first check,
//! page-cache pages excluded.
//!
//! Output, read by `benches/compare.sh`: per case, a bencher line
//! (`test check_f64_1GiB/READER ... bench: N ns/iter (+/- 0)`) and a peak line
//! (`#peak<TAB>check_f64_1GiB<TAB>READER<TAB>peak bytes<TAB>buffer bytes`), where the buffer
//! bytes are the check's promise: one 1 MiB buffer per thread. Linux only.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use arrayguard::{npy, ArraySpec, ByteOrder, DType, Limits, Order, Shape, ValueSpec};

const N: usize = 1 << 27;
const CASE: &str = "check_f64_1GiB";
const READERS: &[&str] = &["arrayguard/check_path", "arrayguard/check_path (1 thread)"];

fn main() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("check_stream: needs /proc/self/status (Linux); skipped");
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let path = std::env::temp_dir().join("arrayguard-check-stream-1GiB.npy");
    if let Some(i) = args.iter().position(|a| a == "--case") {
        run_case(&path, &args[i + 1]);
        return;
    }
    write_file(&path);
    let me = std::env::current_exe().expect("own path");
    for reader in READERS {
        let out = Command::new(&me)
            .args(["--case", reader])
            .output()
            .expect("run a case");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprintln!("{reader}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let _ = fs::remove_file(&path);
}

/// Writes the file a chunk at a time (the bench holds no 1 GiB buffer).
fn write_file(path: &Path) {
    let shape = Shape::vector(N).expect("small shape");
    let mut out = BufWriter::new(fs::File::create(path).expect("create"));
    out.write_all(&npy::header_bytes(
        DType::F64,
        ByteOrder::Little,
        &shape,
        Order::C,
    ))
    .expect("write");
    let mut chunk = Vec::with_capacity(1 << 20);
    for start in (0..N).step_by(1 << 17) {
        chunk.clear();
        for i in start..start + (1 << 17) {
            chunk.extend(((i as f64).sin() * 1e3).to_le_bytes());
        }
        out.write_all(&chunk).expect("write");
    }
    out.flush().expect("write");
}

/// `VmRSS` or `VmHWM` of this process, in bytes.
fn status(field: &str) -> usize {
    let text = fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .map(|kb: usize| kb * 1024)
        .expect("field present")
}

fn run_case(path: &Path, reader: &str) {
    let mut limits = Limits::default();
    limits.max_bytes = 2 << 30;
    limits.max_elements = 1 << 30;
    let spec = ArraySpec::new(DType::F64).with_values(ValueSpec::new().min(-1e4).max(1e4).finite());
    let options = npy::ReadOptions::new().limits(limits);
    let (options, threads) = match reader {
        "arrayguard/check_path" => (
            options,
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(8),
        ),
        "arrayguard/check_path (1 thread)" => (options.threads(1), 1),
        other => panic!("unknown reader {other}"),
    };
    // The baseline comes before any check: page-cache pages are not in the resident set,
    // while buffers that the allocator keeps after a check are.
    let baseline = status("VmRSS:");
    // Warm the page cache (and the code) once, outside the time measurement.
    options.check_path(path, &spec).expect("valid");
    let mut times: Vec<u128> = (0..5)
        .map(|_| {
            let start = Instant::now();
            options.check_path(path, &spec).expect("valid");
            start.elapsed().as_nanos()
        })
        .collect();
    times.sort_unstable();
    let peak = status("VmHWM:").saturating_sub(baseline);
    println!(
        "test {CASE}/{reader} ... bench: {} ns/iter (+/- 0)",
        times[2]
    );
    println!("#peak\t{CASE}\t{reader}\t{peak}\t{}", threads << 20);
}
