//! `arrayguard inspect`: what a file's header declares, without reading its payload.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrayguard::npy::{self, Header};
use arrayguard::npz::{Compression, Member};
use arrayguard::{ArraySpec, Error, Limits};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::archive;
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
///
/// An `.npz` archive (by its extension) is opened with every archive check and limit, then
/// listed member by member in the archive's order: the member's name, its array's name,
/// compression (stored or deflated), compressed and declared sizes, CRC-32 and local header
/// offset as the central directory declares them, and the facts of the member's `.npy`
/// header, compared with the member's declared size. Only the headers are inflated, so sizes
/// and CRC-32 are not verified: use `check` for that. Diagnostics name a member as
/// `ARCHIVE:MEMBER`.
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
    /// Whether the header is valid and the file's length matches it; for an archive, whether
    /// it opened and every member is ok.
    ok: bool,
    /// Present when the header could be read, even if the length is wrong.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    facts: Option<Facts>,
    /// Present for an archive that opened.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    archive: Option<ArchiveFacts>,
    /// Why the file is invalid; for an archive, why it could not be opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorReport>,
}

/// What an `.npz` archive declares: `{"format": "npz", "file_len": N, "members": [...]}`.
#[derive(Debug, Serialize)]
struct ArchiveFacts {
    format: &'static str,
    file_len: Option<u64>,
    members: Vec<MemberReport>,
}

/// One member of an archive, as its central directory entry declares it, with the facts of
/// its `.npy` header (flattened, as a `.npy` file's; `file_len` is the member's declared
/// size).
#[derive(Debug, Serialize)]
struct MemberReport {
    /// The member's name in the archive, e.g. `x.npy`.
    name: String,
    /// The array's name, e.g. `x`.
    array: String,
    /// `stored` or `deflated`.
    compression: &'static str,
    compressed_size: u64,
    /// The declared uncompressed size: the length of the member's `.npy` file.
    size: u64,
    /// The declared CRC-32, 8 lowercase hex digits.
    crc32: String,
    /// Where the member's local header starts in the archive.
    offset: u64,
    /// Whether its header is valid, within the limits and matches its declared size.
    ok: bool,
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
        let (file, errors) = if archive::is_npz(path) {
            inspect_archive(path, &limits)
        } else {
            let (file, error) = inspect_file(path, &limits);
            let name = path.display().to_string();
            (file, error.into_iter().map(|e| (name.clone(), e)).collect())
        };
        for (_, error) in &errors {
            status = status.max(Status::of(error));
        }
        match args.format {
            Format::Json => files.push(file),
            Format::Text => {
                for (name, error) in &errors {
                    report::diagnostic(name, error);
                }
                let text = match (&file.facts, &file.archive) {
                    (Some(facts), _) => Some(text_block(&file.path, facts)),
                    (None, Some(archive)) => Some(archive_block(&file.path, archive)),
                    (None, None) => None,
                };
                if let Some(text) = text {
                    let separator = if blocks > 0 { "\n" } else { "" };
                    let block = format!("{separator}{text}");
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
                archive: None,
                error: mismatch.as_ref().map(ErrorReport::from),
            };
            (file, mismatch)
        }
        Err(error) => {
            let file = FileReport {
                path: name,
                ok: false,
                facts: None,
                archive: None,
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

/// Inspects an archive: opens it (every archive check), then reads each member's header.
/// Returns the report and the errors, each with the name a diagnostic gives it (`ARCHIVE`, or
/// `ARCHIVE:MEMBER`).
fn inspect_archive(path: &Path, limits: &Limits) -> (FileReport, Vec<(String, Error)>) {
    let name = path.display().to_string();
    let opened = archive::open(path, limits).and_then(|archive| {
        let file_len = std::fs::metadata(path)?.len();
        Ok((archive, file_len))
    });
    let (mut opened, file_len) = match opened {
        Ok(opened) => opened,
        Err(error) => {
            let shown = match error.member() {
                Some(member) => archive::member_path(path, member),
                None => name.clone(),
            };
            let file = FileReport {
                path: name,
                ok: false,
                facts: None,
                archive: None,
                error: Some(ErrorReport::from(&error)),
            };
            return (file, vec![(shown, error)]);
        }
    };
    let mut errors = Vec::new();
    let mut members = Vec::new();
    for member in opened.members().to_vec() {
        let (facts, problem) = match member_facts(&mut opened, &member, limits) {
            Ok((facts, problem)) => (Some(facts), problem),
            Err(error) => (None, Some(error)),
        };
        members.push(MemberReport {
            name: member.name().to_string(),
            array: member.array().to_string(),
            compression: compression_name(member.compression()),
            compressed_size: member.compressed_size(),
            size: member.size(),
            crc32: format!("{:08x}", member.crc32()),
            offset: member.offset(),
            ok: problem.is_none(),
            facts,
            error: problem.as_ref().map(|e| ErrorReport {
                // A limit or length problem found here is in the member too.
                member: Some(e.member().unwrap_or(member.name()).to_string()),
                ..ErrorReport::from(e)
            }),
        });
        if let Some(error) = problem {
            errors.push((archive::member_path(path, member.name()), error));
        }
    }
    let file = FileReport {
        path: name,
        ok: errors.is_empty(),
        facts: None,
        archive: Some(ArchiveFacts {
            format: "npz",
            file_len: Some(file_len),
            members,
        }),
        error: None,
    };
    (file, errors)
}

/// Reads a member's `.npy` header (inflating only the header), and what makes the member
/// invalid although its header parses: a limit, or a declared size that does not match the
/// header.
fn member_facts<R: std::io::Read + std::io::Seek>(
    archive: &mut arrayguard::npz::Archive<R>,
    member: &Member,
    limits: &Limits,
) -> Result<(Facts, Option<Error>), Error> {
    let header = archive.header(member.array())?;
    let problem = header
        .plan()
        .check(&ArraySpec::any(), limits)
        .err()
        .or_else(|| header.check_file_len(member.size()).err());
    Ok((facts(&header, Some(member.size())), problem))
}

fn compression_name(compression: Compression) -> &'static str {
    match compression {
        Compression::Stored => "stored",
        Compression::Deflated => "deflated",
        // `Compression` is non-exhaustive; the reader opens only the two above.
        _ => "other",
    }
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

/// The text format of an archive: the path, the archive's facts, then a table with a row per
/// member.
fn archive_block(path: &str, a: &ArchiveFacts) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{path}");
    let file_len = a
        .file_len
        .map_or_else(|| "unknown".to_string(), |n| n.to_string());
    for (name, value) in [
        ("format", a.format.to_string()),
        ("members", a.members.len().to_string()),
        ("file_len", file_len),
    ] {
        let _ = writeln!(out, "  {:<14} {value}", format!("{name}:"));
    }
    if a.members.is_empty() {
        return out;
    }
    let titles = [
        "member",
        "array",
        "compression",
        "compressed",
        "size",
        "crc32",
        "npy",
        "dtype",
        "shape",
        "order",
        "status",
    ];
    let rows: Vec<Vec<String>> = a
        .members
        .iter()
        .map(|m| {
            let (version, dtype, shape, order) = match &m.facts {
                Some(f) => (
                    f.npy_version.clone(),
                    format!("{} ({})", f.dtype, f.descr),
                    f.shape_text.clone(),
                    if f.fortran_order { "F" } else { "C" }.to_string(),
                ),
                None => ("-".into(), "-".into(), "-".into(), "-".into()),
            };
            let status = match &m.error {
                None => "ok".to_string(),
                Some(e) => format!("error[{}]", e.code),
            };
            vec![
                archive::printable(&m.name),
                archive::printable(&m.array),
                m.compression.to_string(),
                m.compressed_size.to_string(),
                m.size.to_string(),
                m.crc32.clone(),
                version,
                dtype,
                shape,
                order,
                status,
            ]
        })
        .collect();
    let mut widths: Vec<usize> = titles.iter().map(|t| t.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let titles: Vec<String> = titles.iter().map(|t| (*t).to_string()).collect();
    for row in std::iter::once(&titles).chain(&rows) {
        let mut line = String::from("  ");
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
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
