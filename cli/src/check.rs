//! `arrayguard check`: validate files against specs, for CI.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrayguard::{ArraySpec, BundleChecker, Error, Fault, Input, Limits, SpecFile};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::config::{self, Expect, CONFIG_NAME};
use crate::error::CliError;
use crate::report::{self, Status};
use crate::LimitArgs;

/// Version of the JSON report; bumped when a field changes meaning or disappears.
const REPORT_VERSION: u32 = 1;

/// Validate files against a spec (or arrayguard.toml), for CI
///
/// Every file is checked completely — header, spec (dtype, shape, named dimensions, order,
/// byte order), limits, exact length, bool bytes and value constraints — in bounded memory:
/// .npy payloads are streamed in chunks of at most 1 MiB, so a file of any size is checked in
/// megabytes. JSON files (`.json`) are read whole, within --max-input-bytes.
///
/// With --spec, FILES are checked against it. A bundle spec binds files to its arrays by
/// `--array NAME=FILE` or by file stem (`X.npy` is array `X`) and checks that named
/// dimensions agree across them. Without --spec, files are checked structurally. Without
/// FILES, the rules of `arrayguard.toml` (in the current directory, or --config) say which
/// files to check against which spec, and which are expected to be invalid.
///
/// Every file is reported, not just the first failure. Exit code 0 when every file is as
/// expected, 1 when some file is not, 3 for an invalid spec or configuration, 4 when a file
/// cannot be read.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The files to check (.npy, or .json: an envelope, or nested arrays of the spec's dtype)
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// The spec file (.toml or .json) the files must satisfy
    #[arg(long, value_name = "SPEC")]
    spec: Option<PathBuf>,

    /// Binds a file to an array of a bundle spec (repeatable), e.g. `--array X=train_x.npy`
    #[arg(long = "array", value_name = "NAME=FILE", requires = "spec")]
    arrays: Vec<String>,

    /// The configuration used when no FILE is given [default: arrayguard.toml]
    #[arg(long, value_name = "PATH", conflicts_with = "spec")]
    config: Option<PathBuf>,

    /// Report format: `text` (a line per file), `json` (one versioned report object) or
    /// `github` (workflow annotations)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    #[command(flatten)]
    limits: LimitArgs,
}

/// Report formats of `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A line per file and a summary on stdout
    Text,
    /// One JSON object on stdout
    Json,
    /// GitHub Actions workflow commands (`::error file=...::`) on stdout
    Github,
}

/// One file's outcome.
struct Outcome {
    path: String,
    array: Option<String>,
    spec: Option<String>,
    expect: Expect,
    error: Option<Error>,
}

impl Outcome {
    fn is_valid(&self) -> bool {
        self.error.is_none()
    }

    fn as_expected(&self) -> bool {
        self.is_valid() == (self.expect == Expect::Valid)
    }

    fn status(&self) -> Status {
        match &self.error {
            Some(e) if e.fault() == Fault::Io => Status::Io,
            _ if self.as_expected() => Status::Ok,
            _ => Status::Invalid,
        }
    }
}

/// A set of files checked against one spec (or none) with one expectation.
struct Job {
    spec_path: Option<PathBuf>,
    /// Files, with the bundle array each is bound to when given explicitly.
    files: Vec<(Option<String>, PathBuf)>,
    expect: Expect,
}

/// Runs `check`.
pub(crate) fn run(args: &CheckArgs) -> Status {
    let limits = args.limits.limits();
    let (jobs, unmatched) = match plan_jobs(args) {
        Ok(plan) => plan,
        Err((path, error)) => return error.report(path.display()),
    };
    let mut outcomes = Vec::new();
    for job in &jobs {
        let spec = match &job.spec_path {
            Some(path) => match SpecFile::from_path(path) {
                Ok(spec) => Some(spec),
                Err(error) => {
                    report::diagnostic(path.display(), &error);
                    return Status::of_config(&error);
                }
            },
            None => None,
        };
        outcomes.extend(check_job(job, spec.as_ref(), &limits));
    }
    let status = outcomes
        .iter()
        .map(Outcome::status)
        .max()
        .unwrap_or(Status::Ok);
    let printed = match args.format {
        Format::Text => print_text(&outcomes, &unmatched),
        Format::Json => print_json(&outcomes, &unmatched),
        Format::Github => print_github(&outcomes, &unmatched),
    };
    match printed {
        Ok(()) => status,
        Err(e) => status.max(report::stdout_failed(e)),
    }
}

/// The jobs the arguments (or the configuration) describe, and the unmatched files.
fn plan_jobs(args: &CheckArgs) -> Result<(Vec<Job>, Vec<PathBuf>), (PathBuf, CliError)> {
    if args.files.is_empty() && args.arrays.is_empty() {
        let path = args
            .config
            .clone()
            .unwrap_or_else(|| PathBuf::from(CONFIG_NAME));
        if args.spec.is_some() {
            let error = CliError::Usage("--spec needs FILE arguments or --array".into());
            return Err((path, error));
        }
        let config = config::load(&path).map_err(|e| (path.clone(), e))?;
        let jobs = config
            .rules
            .into_iter()
            .map(|rule| Job {
                spec_path: rule.spec,
                files: rule.files.into_iter().map(|f| (None, f)).collect(),
                expect: rule.expect,
            })
            .collect();
        return Ok((jobs, config.unmatched));
    }
    let mut files: Vec<(Option<String>, PathBuf)> =
        args.files.iter().map(|f| (None, f.clone())).collect();
    for binding in &args.arrays {
        let Some((name, file)) = binding.split_once('=') else {
            let error = CliError::Usage(format!("--array: expected NAME=FILE, found `{binding}`"));
            return Err((PathBuf::from("--array"), error));
        };
        files.push((Some(name.to_string()), PathBuf::from(file)));
    }
    let job = Job {
        spec_path: args.spec.clone(),
        files,
        expect: Expect::Valid,
    };
    Ok((vec![job], Vec::new()))
}

fn outcome(job: &Job, path: &Path, array: Option<String>, error: Option<Error>) -> Outcome {
    Outcome {
        path: path.display().to_string(),
        array,
        spec: job.spec_path.as_ref().map(|p| p.display().to_string()),
        expect: job.expect,
        error,
    }
}

/// Checks a job's files: each against one array spec, or all of them against a bundle, bound
/// to its arrays by the names given or by file stem (`X.npy` is array `X`).
fn check_job(job: &Job, spec: Option<&SpecFile>, limits: &Limits) -> Vec<Outcome> {
    let any = ArraySpec::any();
    let single = match spec {
        None => Some(&any),
        Some(SpecFile::Array(spec)) => Some(spec),
        Some(_) => None,
    };
    if let Some(spec) = single {
        return job
            .files
            .iter()
            .map(|(_, path)| {
                let error = Input::Path(path).check(spec, limits).err();
                outcome(job, path, None, error)
            })
            .collect();
    }
    let Some(SpecFile::Bundle(bundle)) = spec else {
        return Vec::new();
    };
    let names: Vec<String> = job
        .files
        .iter()
        .map(|(name, path)| {
            name.clone()
                .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .unwrap_or_default()
        })
        .collect();
    let inputs = names
        .iter()
        .zip(&job.files)
        .map(|(name, (_, path))| (name.as_str(), Input::Path(path)));
    let no_path = job.spec_path.clone().unwrap_or_default();
    BundleChecker::new(bundle)
        .limits(limits.clone())
        .check(inputs)
        .into_iter()
        .map(|verdict| {
            // An array no file provides is reported on the spec.
            let path = verdict.input().map_or(&no_path, |i| &job.files[i].1);
            let array = Some(verdict.array().to_string());
            outcome(job, path, array, verdict.into_result().err())
        })
        .collect()
}

fn summary(outcomes: &[Outcome]) -> Summary {
    Summary {
        files: outcomes.len(),
        valid: outcomes.iter().filter(|o| o.is_valid()).count(),
        invalid: outcomes.iter().filter(|o| !o.is_valid()).count(),
        unexpected: outcomes.iter().filter(|o| !o.as_expected()).count(),
    }
}

fn print_text(outcomes: &[Outcome], unmatched: &[PathBuf]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for o in outcomes {
        let array = o
            .array
            .as_deref()
            .map(|a| format!(" [{a}]"))
            .unwrap_or_default();
        match (&o.error, o.as_expected()) {
            (None, true) => writeln!(out, "ok       {}{array}", o.path)?,
            (None, false) => writeln!(
                out,
                "FAIL     {}{array}: expected invalid, but the file is valid",
                o.path
            )?,
            (Some(e), true) => writeln!(
                out,
                "invalid  {}{array}: error[{}]: {} (expected)",
                o.path,
                e.code(),
                one_line(e)
            )?,
            (Some(e), false) => writeln!(
                out,
                "FAIL     {}{array}: error[{}]: {}",
                o.path,
                e.code(),
                one_line(e)
            )?,
        }
    }
    for path in unmatched {
        writeln!(
            out,
            "unmatched {}: no rule in {CONFIG_NAME} checks it",
            path.display()
        )?;
    }
    let s = summary(outcomes);
    writeln!(
        out,
        "{} file{} checked: {} valid, {} invalid, {} not as expected",
        s.files,
        if s.files == 1 { "" } else { "s" },
        s.valid,
        s.invalid,
        s.unexpected
    )?;
    out.flush()
}

fn one_line(error: &Error) -> String {
    error.to_string().replace('\n', "\\n").replace('\r', "\\r")
}

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    files: Vec<FileReport<'a>>,
    unmatched: Vec<String>,
    summary: Summary,
}

#[derive(Serialize)]
struct FileReport<'a> {
    path: &'a str,
    valid: bool,
    expected: &'static str,
    ok: bool,
    array: Option<&'a str>,
    spec: Option<&'a str>,
    errors: Vec<ErrorEntry>,
}

#[derive(Serialize)]
struct ErrorEntry {
    code: &'static str,
    message: String,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    /// Byte offset in the file.
    offset: Option<u64>,
    /// The bundle array.
    array: Option<String>,
    /// The JSON index path (`[3][1]`), for JSON input.
    json_path: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    valid: usize,
    invalid: usize,
    unexpected: usize,
}

fn print_json(outcomes: &[Outcome], unmatched: &[PathBuf]) -> io::Result<()> {
    let files = outcomes
        .iter()
        .map(|o| FileReport {
            path: &o.path,
            valid: o.is_valid(),
            expected: match o.expect {
                Expect::Valid => "valid",
                Expect::Invalid => "invalid",
            },
            ok: o.as_expected(),
            array: o.array.as_deref(),
            spec: o.spec.as_deref(),
            errors: o
                .error
                .iter()
                .map(|e| {
                    let json = e.json_position();
                    ErrorEntry {
                        code: e.code(),
                        message: e.to_string(),
                        location: Location {
                            offset: e.offset(),
                            array: e.array().map(str::to_string).or_else(|| o.array.clone()),
                            json_path: json.map(|p| p.path().to_string()),
                            line: json.and_then(|p| p.line()),
                            column: json.and_then(|p| p.column()),
                        },
                    }
                })
                .collect(),
        })
        .collect();
    let report = Report {
        version: REPORT_VERSION,
        files,
        unmatched: unmatched.iter().map(|p| p.display().to_string()).collect(),
        summary: summary(outcomes),
    };
    let mut out = io::stdout().lock();
    serde_json::to_writer(&mut out, &report).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// GitHub workflow command escaping: data escapes `%`, CR and LF; properties also `:` and `,`.
fn escape(text: &str, property: bool) -> String {
    let mut out = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        out = out.replace(':', "%3A").replace(',', "%2C");
    }
    out
}

fn print_github(outcomes: &[Outcome], unmatched: &[PathBuf]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    for o in outcomes.iter().filter(|o| !o.as_expected()) {
        let file = escape(&o.path, true);
        match &o.error {
            Some(e) => writeln!(
                out,
                "::error file={file},title={}::{}",
                escape(&format!("arrayguard {}", e.code()), true),
                escape(&e.to_string(), false)
            )?,
            None => writeln!(
                out,
                "::error file={file},title=arrayguard::expected invalid, but the file is valid"
            )?,
        }
    }
    for path in unmatched {
        writeln!(
            out,
            "::warning file={},title=arrayguard::no rule in {CONFIG_NAME} checks this file",
            escape(&path.display().to_string(), true)
        )?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape("a%b\nc", false), "a%25b%0Ac");
        assert_eq!(escape("x:y,z", true), "x%3Ay%2Cz");
    }
}
