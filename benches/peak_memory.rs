//! Peak memory of one read per case, arrayguard beside the crates users would otherwise pick.
//!
//! `cargo bench --bench peak_memory` runs every case in a fresh child process (this binary
//! with `--case NAME`), so that each high-water mark belongs to one read. The child loads its
//! input first (a file's bytes for slice and text readers; nothing for path readers), notes
//! its resident set, reads once, and reports the growth of the high-water mark (`VmHWM` in
//! `/proc/self/status`) over that baseline: what the read itself held at its peak, page-cache
//! pages excluded, huge-page maps included (a counting allocator would miss those).
//!
//! Output: one tab-separated line per case, `case<TAB>reader<TAB>peak bytes<TAB>output bytes`,
//! read by `benches/compare.sh`. Linux only (elsewhere it says so and exits).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrayguard::{json, npy, Array, ArraySpec, ByteOrder, Limits, Order, Shape};
use ndarray_npy::ReadNpyExt;

const N: usize = 10_000_000;
const JSON_N: usize = 1_000_000;

/// Every case: (name of the case, reader).
const CASES: &[(&str, &str)] = &[
    ("f64_1e7_le_c", "arrayguard/slice"),
    ("f64_1e7_le_c", "arrayguard/path"),
    ("f64_1e7_le_c", "ndarray-npy/path"),
    ("f64_1e7_le_c", "npyz/path"),
    ("f64_1e7_be_c", "arrayguard/path"),
    ("f64_1e7_le_f", "arrayguard/path+c_order"),
    ("f64_1e7_le_f", "arrayguard/path+into_c_order"),
    ("json_f64_1e6_flat", "arrayguard/json::from_str"),
    ("json_f64_1e6_flat", "serde_json/Vec<f64>"),
    ("json_f64_1e6_nested", "arrayguard/json::from_str"),
    ("json_f64_1e6_nested", "serde_json/Vec<Vec<f64>>"),
];

fn main() {
    if !Path::new("/proc/self/status").exists() {
        eprintln!("peak_memory: needs /proc/self/status (Linux); skipped");
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    let dir = std::env::temp_dir().join("arrayguard-peak-memory");
    if let Some(i) = args.iter().position(|a| a == "--case") {
        let (case, reader) = (&args[i + 1], &args[i + 2]);
        let (peak, output) = run_case(&dir, case, reader);
        println!("{case}\t{reader}\t{peak}\t{output}");
        return;
    }
    fs::create_dir_all(&dir).expect("temp dir");
    prepare(&dir);
    let me = std::env::current_exe().expect("own path");
    for (case, reader) in CASES {
        let out = Command::new(&me)
            .args(["--case", case, reader])
            .output()
            .expect("run a case");
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if !out.status.success() {
            eprintln!("{case} {reader}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
    let _ = fs::remove_dir_all(&dir);
}

/// Writes every input file once.
fn prepare(dir: &Path) {
    let write = |name: &str, dims: &[usize], order: Order, byte_order: ByteOrder| {
        let shape = Shape::new(dims.to_vec()).expect("small shape");
        let data: Vec<f64> = (0..shape.len()).map(|i| (i as f64).sin() * 1e3).collect();
        let array = Array::from_vec(shape, order, data).expect("length matches");
        let file = fs::File::create(dir.join(format!("{name}.npy"))).expect("create");
        npy::write_with_byte_order(std::io::BufWriter::new(file), &array.view(), byte_order)
            .expect("write");
    };
    write("f64_1e7_le_c", &[N], Order::C, ByteOrder::Little);
    write("f64_1e7_be_c", &[N], Order::C, ByteOrder::Big);
    write("f64_1e7_le_f", &[2_000, 5_000], Order::F, ByteOrder::Little);
    let mut buf = ryu::Buffer::new();
    let values: Vec<String> = (0..JSON_N)
        .map(|i| {
            buf.format_finite((i as f64).sin() * 10f64.powi(i as i32 % 12 - 6))
                .to_owned()
        })
        .collect();
    let flat = format!("[{}]", values.join(","));
    let rows: Vec<String> = values
        .chunks(1000)
        .map(|r| format!("[{}]", r.join(",")))
        .collect();
    let nested = format!("[{}]", rows.join(","));
    fs::write(dir.join("json_f64_1e6_flat.json"), flat).expect("write");
    fs::write(dir.join("json_f64_1e6_nested.json"), nested).expect("write");
}

/// `VmRSS` or `VmHWM` of this process, in bytes.
fn status(field: &str) -> usize {
    let text = fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<usize>()
                .ok()
        })
        .map(|kb| kb * 1024)
        .expect("field present")
}

/// Runs one read; returns the high-water mark's growth over the loaded input, and the
/// output's size in bytes.
fn run_case(dir: &Path, case: &str, reader: &str) -> (usize, usize) {
    let npy_path: PathBuf = dir.join(format!("{case}.npy"));
    let json_path: PathBuf = dir.join(format!("{case}.json"));
    let mut limits = Limits::default();
    limits.max_bytes = 1 << 30;
    let spec = ArraySpec::any();
    let input: Vec<u8> = match reader {
        "arrayguard/slice" => fs::read(&npy_path).expect("read"),
        _ if case.starts_with("json") => fs::read(&json_path).expect("read"),
        _ => Vec::new(),
    };
    let baseline = status("VmRSS:");
    let output = match reader {
        "arrayguard/slice" => {
            let a = npy::ReadOptions::new()
                .limits(limits)
                .read_slice::<f64>(&input, &spec)
                .expect("valid")
                .into_owned();
            a.len() * 8
        }
        "arrayguard/path" => {
            npy::ReadOptions::new()
                .limits(limits)
                .read_path::<f64>(&npy_path, &spec)
                .expect("valid")
                .len()
                * 8
        }
        "arrayguard/path+c_order" => {
            npy::ReadOptions::new()
                .limits(limits)
                .c_order(true)
                .read_path::<f64>(&npy_path, &spec)
                .expect("valid")
                .len()
                * 8
        }
        "arrayguard/path+into_c_order" => {
            npy::ReadOptions::new()
                .limits(limits)
                .read_path::<f64>(&npy_path, &spec)
                .expect("valid")
                .into_c_order()
                .len()
                * 8
        }
        "ndarray-npy/path" => {
            let file = fs::File::open(&npy_path).expect("open");
            ndarray::ArrayD::<f64>::read_npy(file).expect("valid").len() * 8
        }
        "npyz/path" => {
            let file = std::io::BufReader::new(fs::File::open(&npy_path).expect("open"));
            npyz::NpyFile::new(file)
                .expect("valid")
                .into_vec::<f64>()
                .expect("valid")
                .len()
                * 8
        }
        "arrayguard/json::from_str" => {
            let text = std::str::from_utf8(&input).expect("UTF-8");
            let mut limits = Limits::default();
            limits.max_input_bytes = 1 << 30;
            json::ReadOptions::new()
                .limits(limits)
                .read_str::<f64>(text, &spec)
                .expect("valid")
                .len()
                * 8
        }
        "serde_json/Vec<f64>" => {
            serde_json::from_slice::<Vec<f64>>(&input)
                .expect("valid")
                .len()
                * 8
        }
        "serde_json/Vec<Vec<f64>>" => {
            let rows = serde_json::from_slice::<Vec<Vec<f64>>>(&input).expect("valid");
            rows.iter().map(Vec::len).sum::<usize>() * 8
        }
        other => panic!("unknown reader {other}"),
    };
    (status("VmHWM:").saturating_sub(baseline), output)
}
