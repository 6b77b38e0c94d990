//! `arrayguard inspect`: what a file's header declares, without reading its payload.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrayguard::npy::{self, Header};
use arrayguard::{ArraySpec, Error, Limits};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::report::{self, ErrorReport, Status};
use crate::LimitArgs;

/// Version of the JSON report; bumped when a field changes meaning or disappears.
const REPORT_VERSION: u32 = 1;

/// Show what each file's header declares, without reading the payload
///
/// For every FILE, reads the .npy header (magic, version, header length and the header dict)
/// and compares the file's length with the size the header declares. The payload itself is
/// neither read nor checked: use `convert` for that.
///
/// A file whose header is valid but whose length does not match (truncated, or with trailing
/// bytes) is reported with its facts and counts as invalid (exit code 1).
///
/// All limits apply to what the header declares: a file whose payload would exceed
/// --max-bytes or --max-elements is reported with its facts and counts as invalid.
#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// The files to inspect
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format: `text` is a block per file, `json` one versioned report object
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    #[command(flatten)]
    pub(crate) limits: LimitArgs,
}

/// Report formats of `inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A readable block per file on stdout; errors on stderr
    Text,
    /// One JSON object on stdout, errors included; nothing on stderr
    Json,
}

/// The JSON report: `{"version": 1, "files": [...]}`.
#[derive(Debug, Serialize)]
struct Report {
    version: u32,
    files: Vec<FileReport>,
}

/// One file's entry in a report.
#[derive(Debug, Serialize)]
struct FileReport {
    path: String,
    /// Whether the header is valid and the file's length matches it.
    ok: bool,
    /// Present when the header could be read, even if the length is wrong.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    facts: Option<Facts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

/// What a valid header declares, and how the file's length compares with it.
#[derive(Debug, Serialize)]
struct Facts {
    format: &'static str,
    npy_version: String,
    /// The NumPy type string, e.g. `>f8`.
    descr: String,
    /// The dtype name, e.g. `f64`.
    dtype: &'static str,
    shape: Vec<usize>,
    /// The shape as NumPy prints it, `(3, 4)`, for the text format.
    #[serde(skip)]
    shape_text: String,
    fortran_order: bool,
    elements: usize,
    header_len: usize,
    data_offset: usize,
    /// Payload bytes the header declares.
    nbytes: usize,
    /// The file's length; `null` when it is not a regular file (a pipe).
    file_len: Option<u64>,
    /// `data_offset + nbytes`.
    expected_file_len: u64,
    /// Whether `file_len == expected_file_len`; `null` when the length is unknown.
    file_len_ok: Option<bool>,
    length: Length,
    /// Payload bytes missing at the end of the file (0 unless truncated).
    missing_bytes: u64,
    /// Bytes after the payload (0 unless trailing).
    trailing_bytes: u64,
}

/// How the file's length compares with what the header declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Length {
    Exact,
    Truncated,
    Trailing,
    /// Not a regular file: its length is not known without reading it.
    Unknown,
}

/// Runs `inspect` and returns the worst status over all files.
pub(crate) fn run(args: &InspectArgs) -> Status {
    let limits = args.limits.limits();
    let mut stdout = io::stdout().lock();
    let mut status = Status::Ok;
    let mut files = Vec::new();
    let mut blocks = 0;
    for path in &args.files {
        let (file, error) = inspect_file(path, &limits);
        if let Some(error) = &error {
            status = status.max(Status::of(error));
        }
        match args.format {
            Format::Json => files.push(file),
            Format::Text => {
                if let Some(error) = &error {
                    report::diagnostic(path.display(), error);
                }
                if let Some(facts) = &file.facts {
                    let separator = if blocks > 0 { "\n" } else { "" };
                    let block = format!("{separator}{}", text_block(&file.path, facts));
                    blocks += 1;
                    if let Err(e) = stdout.write_all(block.as_bytes()) {
                        return status.max(report::stdout_failed(e));
                    }
                }
            }
        }
    }
    if args.format == Format::Json {
        let report = Report {
            version: REPORT_VERSION,
            files,
        };
        let written = serde_json::to_writer(&mut stdout, &report)
            .map_err(io::Error::from)
            .and_then(|()| stdout.write_all(b"\n"));
        if let Err(e) = written {
            return status.max(report::stdout_failed(e));
        }
    }
    if let Err(e) = stdout.flush() {
        return status.max(report::stdout_failed(e));
    }
    status
}

/// Inspects one file. The error, if any, is the one that makes the file invalid: a header
/// error (then there are no facts) or a length mismatch (then there are).
fn inspect_file(path: &Path, limits: &Limits) -> (FileReport, Option<Error>) {
    let name = path.display().to_string();
    match read_facts(path, limits) {
        Ok((facts, mismatch)) => {
            let file = FileReport {
                path: name,
                ok: mismatch.is_none(),
                facts: Some(facts),
                error: mismatch.as_ref().map(ErrorReport::from),
            };
            (file, mismatch)
        }
        Err(error) => {
            let file = FileReport {
                path: name,
                ok: false,
                facts: None,
                error: Some(ErrorReport::from(&error)),
            };
            (file, Some(error))
        }
    }
}

/// Reads the header and the file's length. The problem, if any, is what makes the file
/// invalid although its header parses: a limit it exceeds, or a length that does not match
/// (the same errors the library's readers report for the file).
fn read_facts(path: &Path, limits: &Limits) -> Result<(Facts, Option<Error>), Error> {
    let mut file = File::open(path)?;
    let meta = file.metadata()?;
    // Only a regular file's length says how many bytes reading would return.
    let file_len = meta.is_file().then_some(meta.len());
    let header = npy::read_header(&mut file, limits)?;
    let problem = header
        .plan()
        .check(&ArraySpec::any(), limits)
        .err()
        .or_else(|| file_len.and_then(|len| header.check_file_len(len).err()));
    Ok((facts(&header, file_len), problem))
}

fn facts(header: &Header, file_len: Option<u64>) -> Facts {
    let (major, minor) = header.version();
    let expected = header.expected_file_len();
    let length = match file_len {
        None => Length::Unknown,
        Some(len) if len == expected => Length::Exact,
        Some(len) if len < expected => Length::Truncated,
        Some(_) => Length::Trailing,
    };
    Facts {
        format: "npy",
        npy_version: format!("{major}.{minor}"),
        descr: header.descr(),
        dtype: header.dtype().name(),
        shape: header.shape().dims().to_vec(),
        shape_text: header.shape().to_string(),
        fortran_order: header.fortran_order(),
        elements: header.shape().len(),
        header_len: header.header_len(),
        data_offset: header.data_offset(),
        nbytes: header.nbytes(),
        file_len,
        expected_file_len: expected,
        file_len_ok: file_len.map(|len| len == expected),
        length,
        missing_bytes: file_len.map_or(0, |len| expected.saturating_sub(len)),
        trailing_bytes: file_len.map_or(0, |len| len.saturating_sub(expected)),
    }
}

/// The text format: the path, then one indented `name: value` line per fact.
fn text_block(path: &str, f: &Facts) -> String {
    let length = match (f.length, f.file_len) {
        (Length::Unknown, _) | (_, None) => "unknown (not a regular file)".to_string(),
        (Length::Exact, Some(len)) => format!("{len} (exact)"),
        (Length::Truncated, Some(len)) => {
            format!(
                "{len} (truncated by {}, expected {})",
                bytes(f.missing_bytes),
                f.expected_file_len
            )
        }
        (Length::Trailing, Some(len)) => {
            format!(
                "{len} ({} trailing, expected {})",
                bytes(f.trailing_bytes),
                f.expected_file_len
            )
        }
    };
    let mut out = String::new();
    let rows: [(&str, String); 9] = [
        ("format", format!("{} {}", f.format, f.npy_version)),
        ("dtype", format!("{} ({})", f.dtype, f.descr)),
        ("shape", f.shape_text.clone()),
        ("fortran_order", f.fortran_order.to_string()),
        ("elements", f.elements.to_string()),
        ("header_len", f.header_len.to_string()),
        ("data_offset", f.data_offset.to_string()),
        ("nbytes", f.nbytes.to_string()),
        ("file_len", length),
    ];
    // Writing to a String cannot fail.
    let _ = writeln!(out, "{path}");
    for (name, value) in rows {
        let _ = writeln!(out, "  {:<14} {value}", format!("{name}:"));
    }
    out
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".to_string()
    } else {
        format!("{n} bytes")
    }
}
