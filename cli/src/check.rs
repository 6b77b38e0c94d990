//! `arrayguard check`: validate files against specs, for CI.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrayguard::{ArraySpec, BundleChecker, BundleSpec, Error, Fault, Input, Limits, SpecFile};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use serde::Serialize;

use crate::archive;
use crate::config::{self, Expect, LimitsTable, Verdict, CONFIG_NAME};
use crate::error::CliError;
use crate::progress::{self, Progress};
use crate::report::{self, Status};
use crate::sarif;
use crate::walk::{self, Found};
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
/// An `.npz` archive (recognised by its extension) is opened with the archive checks and
/// limits (--max-members, --max-archive-bytes, --max-compression-ratio, and the spec's own
/// `limits`), then every member is checked as a `.npy` file, streamed: a single-array spec
/// (or none) applies to each member; a bundle spec binds the members to its arrays by array
/// name (`X.npy` is array `X`), each archive a bundle of its own. Each member is one result,
/// named `ARCHIVE:MEMBER` (`data.npz:X.npy`; in --format json, `path` is the archive and
/// `member` the member); an archive refused when opened, or with no member, is one result
/// for the file (naming the member the error was found in, if any), and an array of the
/// bundle that no member holds is reported on the archive. An archive that an
/// `arrayguard.toml` rule expects to be invalid is one result: its first error.
///
/// Directories are walked (honouring .gitignore, .ignore and arrayguard.toml's `exclude`;
/// symbolic link loops and broken links are reported, not followed), and the files found, or
/// listed by --files-from or --changed-since, are checked by arrayguard.toml's rules. Files are
/// checked in parallel (--jobs), the report sorted by path.
///
/// Limits: the payload limits --max-bytes and --max-elements are off (unlimited) by default
/// for `check`, since .npy files and .npz members are streamed; they come from the spec's
/// `limits`, arrayguard.toml's `[limits]` table or the flags. JSON, read whole, keeps
/// --max-input-bytes and its other limits; archives keep their limits.
///
/// Every file is reported, not just the first failure. Exit code 0 when every file is as
/// expected, 1 when some file is not, 3 for an invalid spec or configuration, 4 when a file
/// cannot be read.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The files to check (.npy; .npz, member by member; or .json: an envelope, or nested
    /// arrays of the spec's dtype), or directories: walked recursively, honouring
    /// .gitignore, .ignore and arrayguard.toml's `exclude`, checking the .npy, .npz and
    /// .json files in them (and whatever else a rule's globs match)
    #[arg(value_name = "FILE|DIR")]
    files: Vec<PathBuf>,

    /// The spec file (.toml or .json) the files must satisfy
    #[arg(long, value_name = "SPEC")]
    spec: Option<PathBuf>,

    /// Binds a file to an array of a bundle spec (repeatable), e.g. `--array X=train_x.npy`
    #[arg(long = "array", value_name = "NAME=FILE", requires = "spec")]
    arrays: Vec<String>,

    /// The configuration: its rules when no FILE is given; its rules, `exclude` and
    /// `[limits]` for directories, --files-from and --changed-since [default: arrayguard.toml,
    /// if present]
    #[arg(long, value_name = "PATH", conflicts_with = "spec")]
    config: Option<PathBuf>,

    /// Checks the paths listed in PATH (`-` for stdin), one a line, as if found in a
    /// directory: only files a rule or their extension (.npy, .npz, .json) selects, not
    /// excluded; paths that do not exist (deleted files) are skipped
    #[arg(long, value_name = "PATH")]
    files_from: Option<PathBuf>,

    /// Checks the files changed since the git revision REF (`git diff --name-only REF`:
    /// committed, staged or not) plus untracked files that are not ignored, as if found in a
    /// directory; deleted files are skipped
    #[arg(long, value_name = "REF")]
    changed_since: Option<String>,

    /// Report format: `text` (a line per file), `json` (one versioned report object),
    /// `github` (workflow annotations) or `sarif` (SARIF 2.1.0, for GitHub code scanning)
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// How many threads the check uses [default: the number of CPUs]: files are checked N at
    /// a time, and with fewer files than N each file's large payload or JSON text is split
    /// among the threads left. Each check streams within its own bounded memory, and the
    /// report is sorted by path whatever the number of jobs
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,

    /// No progress on stderr (it is drawn only on a terminal, once a check runs over a second)
    #[arg(long, short = 'q')]
    quiet: bool,

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
    /// SARIF 2.1.0 on stdout, for GitHub code scanning (`upload-sarif`)
    Sarif,
}

/// One file's outcome, or one archive member's.
struct Outcome {
    path: String,
    /// The archive member, for an `.npz` file.
    member: Option<String>,
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

    /// The name shown in text reports: the path, or `ARCHIVE:MEMBER`.
    fn name(&self) -> String {
        match &self.member {
            Some(member) => format!("{}:{}", self.path, archive::printable(member)),
            None => self.path.clone(),
        }
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

/// A unit of work checked on one thread: a file, an archive, or the files of a bundle.
enum Unit {
    File(usize, PathBuf),
    Bundle(usize),
    /// An entry a directory walk could not follow.
    Unwalkable(PathBuf, Error),
}

/// Runs `check`.
pub(crate) fn run(args: &CheckArgs) -> Status {
    let (jobs, unmatched, table) = match plan_jobs(args) {
        Ok(plan) => plan,
        Err((path, error)) => return error.report(path.display()),
    };
    let limits = args.limits.check(&table);
    let mut specs = Vec::new();
    for job in &jobs.jobs {
        specs.push(match &job.spec_path {
            Some(path) => match SpecFile::from_path(path) {
                Ok(spec) => Some(spec),
                Err(error) => {
                    report::diagnostic(path.display(), &error);
                    return Status::of_config(&error);
                }
            },
            None => None,
        });
    }
    let mut units = Vec::new();
    for (i, job) in jobs.jobs.iter().enumerate() {
        let bundle = matches!(specs[i], Some(SpecFile::Bundle(_)));
        for (_, path) in &job.files {
            if !bundle || archive::is_npz(path) {
                units.push(Unit::File(i, path.clone()));
            }
        }
        if bundle && job.files.iter().any(|(_, p)| !archive::is_npz(p)) {
            units.push(Unit::Bundle(i));
        }
    }
    units.extend(
        jobs.unwalkable
            .into_iter()
            .map(|(p, e)| Unit::Unwalkable(p, e)),
    );
    // Sizes are for the progress bar only: no `stat` of every file when none is drawn.
    let draw = progress::possible(args.quiet);
    let size = |p: &Path| {
        if draw {
            std::fs::metadata(p).map_or(0, |m| m.len())
        } else {
            0
        }
    };
    let sizes: Vec<u64> = units
        .iter()
        .map(|u| match u {
            Unit::File(_, p) => size(p),
            Unit::Bundle(i) => jobs.jobs[*i].files.iter().map(|(_, p)| size(p)).sum(),
            Unit::Unwalkable(..) => 0,
        })
        .collect();
    let progress = Progress::new(units.len() as u64, sizes.iter().sum(), args.quiet);
    let threads = thread_count(args);
    // The threads of one file's check (a large payload, a large JSON text): the cap shared by
    // the files checked at once, so that no more than `threads` run in all.
    let per_file = (threads / units.len().max(1)).max(1);
    let check_unit = |(unit, bytes): (Unit, u64)| {
        let outcomes = match unit {
            Unit::File(i, path) => {
                let job = &jobs.jobs[i];
                let file = Job {
                    spec_path: job.spec_path.clone(),
                    files: vec![(None, path)],
                    expect: job.expect,
                };
                check_job(&file, specs[i].as_ref(), &limits, per_file)
            }
            Unit::Bundle(i) => {
                let job = &jobs.jobs[i];
                let files = Job {
                    spec_path: job.spec_path.clone(),
                    files: job
                        .files
                        .iter()
                        .filter(|(_, p)| !archive::is_npz(p))
                        .cloned()
                        .collect(),
                    expect: job.expect,
                };
                check_job(&files, specs[i].as_ref(), &limits, per_file)
            }
            Unit::Unwalkable(path, error) => vec![Outcome {
                path: path.display().to_string(),
                member: None,
                array: None,
                spec: None,
                expect: Expect::Valid,
                error: Some(error),
            }],
        };
        progress.file_done(bytes);
        outcomes
    };
    let work: Vec<(Unit, u64)> = units.into_iter().zip(sizes).collect();
    let results: Vec<Vec<Outcome>> =
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| work.into_par_iter().map(check_unit).collect()),
            // No thread could be started: check on this one.
            Err(_) => work.into_iter().map(check_unit).collect(),
        };
    progress.finish();
    let mut outcomes: Vec<Outcome> = results.into_iter().flatten().collect();
    // Sorted by path whatever the scheduling; a file's results (archive members, bundle
    // arrays) keep their order.
    outcomes.sort_by(|a, b| a.path.cmp(&b.path));
    let status = outcomes
        .iter()
        .map(Outcome::status)
        .max()
        .unwrap_or(Status::Ok);
    let printed = match args.format {
        Format::Text => print_text(&outcomes, &unmatched),
        Format::Json => print_json(&outcomes, &unmatched),
        Format::Github => print_github(&outcomes, &unmatched),
        Format::Sarif => print_sarif(&outcomes, &unmatched),
    };
    match printed {
        Ok(()) => status,
        Err(e) => status.max(report::stdout_failed(e)),
    }
}

/// The threads a check uses: `--jobs`, or every processor available.
fn thread_count(args: &CheckArgs) -> usize {
    args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

/// The jobs of a check, and the entries a walk could not follow.
struct Plan {
    jobs: Vec<Job>,
    unwalkable: Vec<(PathBuf, Error)>,
}

type Planned = (Plan, Vec<PathBuf>, LimitsTable);

/// The jobs the arguments (or the configuration) describe, the unmatched files and the
/// configuration's limits.
fn plan_jobs(args: &CheckArgs) -> Result<Planned, (PathBuf, CliError)> {
    let discover = args.files_from.is_some()
        || args.changed_since.is_some()
        || args.files.iter().any(|f| f.is_dir());
    if args.files.is_empty() && args.arrays.is_empty() && !discover {
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
        let plan = Plan {
            jobs,
            unwalkable: Vec::new(),
        };
        return Ok((plan, config.unmatched, config.limits));
    }
    // Explicit files are checked as given; what directories, --files-from and --changed-since
    // find goes through arrayguard.toml's rules (unless --spec says otherwise).
    let matcher = if args.spec.is_some() {
        None
    } else {
        match &args.config {
            Some(path) => Some(config::parse(path).map_err(|e| (path.clone(), e))?),
            None if Path::new(CONFIG_NAME).is_file() => {
                let path = PathBuf::from(CONFIG_NAME);
                Some(config::parse(&path).map_err(|e| (path, e))?)
            }
            None => None,
        }
    };
    let table = matcher
        .as_ref()
        .map(|m| m.limits.clone())
        .unwrap_or_default();
    let wanted = |path: &Path| match &matcher {
        Some(m) => match m.verdict(path) {
            Verdict::Excluded => false,
            Verdict::Rules(_) => true,
            Verdict::Unmatched => config::is_array_file(path),
        },
        None => config::is_array_file(path),
    };
    let threads = thread_count(args);
    let mut explicit: Vec<(Option<String>, PathBuf)> = Vec::new();
    let mut found: Vec<PathBuf> = Vec::new();
    let mut unwalkable = Vec::new();
    let mut walk_dir = |dir: &Path, found: &mut Vec<PathBuf>| {
        for entry in walk::walk(dir, threads, &wanted) {
            match entry {
                Found::File(p) => found.push(p),
                Found::Error(p, e) => unwalkable.push((p, e)),
            }
        }
    };
    for file in &args.files {
        if file.is_dir() {
            walk_dir(file, &mut found);
        } else {
            explicit.push((None, file.clone()));
        }
    }
    let mut listed = Vec::new();
    if let Some(source) = &args.files_from {
        let paths = walk::read_list(source)
            .map_err(|e| (source.clone(), CliError::from(Error::from(e))))?;
        listed.extend(paths);
    }
    if let Some(rev) = &args.changed_since {
        let paths = walk::changed_since(rev)
            .map_err(|e| (PathBuf::from("--changed-since"), CliError::Usage(e)))?;
        listed.extend(paths);
    }
    for path in listed {
        if path.is_dir() {
            walk_dir(&path, &mut found);
        } else if path.is_file() && wanted(&path) {
            found.push(path);
        }
        // Anything else no longer exists (a deleted file): skipped.
    }
    found.sort();
    found.dedup();
    for binding in &args.arrays {
        let Some((name, file)) = binding.split_once('=') else {
            let error = CliError::Usage(format!("--array: expected NAME=FILE, found `{binding}`"));
            return Err((PathBuf::from("--array"), error));
        };
        let file = PathBuf::from(file);
        if archive::is_npz(&file) {
            let error = CliError::Usage(format!(
                "--array {binding}: an .npz archive holds several arrays; give it as FILE and its members bind to the bundle's arrays by name"
            ));
            return Err((file, error));
        }
        explicit.push((Some(name.to_string()), file));
    }
    let mut jobs = Vec::new();
    match &matcher {
        Some(m) => {
            let mut structural = Vec::new();
            let mut by_rule: Vec<Vec<(Option<String>, PathBuf)>> = vec![Vec::new(); m.rules.len()];
            for path in found {
                match m.verdict(&path) {
                    Verdict::Rules(rules) => {
                        for r in rules {
                            by_rule[r].push((None, path.clone()));
                        }
                    }
                    _ => structural.push((None, path)),
                }
            }
            for (rule, files) in m.rules.iter().zip(by_rule) {
                if !files.is_empty() {
                    jobs.push(Job {
                        spec_path: rule.spec.clone(),
                        files,
                        expect: rule.expect,
                    });
                }
            }
            explicit.extend(structural);
        }
        None => explicit.extend(found.into_iter().map(|p| (None, p))),
    }
    if !explicit.is_empty() {
        jobs.push(Job {
            spec_path: args.spec.clone(),
            files: explicit,
            expect: Expect::Valid,
        });
    }
    Ok((Plan { jobs, unwalkable }, Vec::new(), table))
}

fn outcome(job: &Job, path: &Path, array: Option<String>, error: Option<Error>) -> Outcome {
    Outcome {
        path: path.display().to_string(),
        member: None,
        array,
        spec: job.spec_path.as_ref().map(|p| p.display().to_string()),
        expect: job.expect,
        error,
    }
}

/// Checks a job's files: each against one array spec, or all of them against a bundle, bound
/// to its arrays by the names given or by file stem (`X.npy` is array `X`). Each `.npz`
/// archive is checked on its own, in the files' order: its members against the array spec, or
/// as a bundle of their own; the other files of a bundle job form one bundle.
fn check_job(job: &Job, spec: Option<&SpecFile>, limits: &Limits, threads: usize) -> Vec<Outcome> {
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
            .flat_map(|(_, path)| {
                if archive::is_npz(path) {
                    return expected(job, path, check_archive(job, path, spec, limits));
                }
                let error = Input::Path(path)
                    .check_on_threads(spec, limits, threads)
                    .err();
                vec![outcome(job, path, None, error)]
            })
            .collect();
    }
    let Some(SpecFile::Bundle(bundle)) = spec else {
        return Vec::new();
    };
    let mut outcomes = Vec::new();
    for (_, path) in job.files.iter().filter(|(_, p)| archive::is_npz(p)) {
        let archive = check_archive_bundle(job, path, bundle, limits);
        outcomes.extend(expected(job, path, archive));
    }
    let files: Vec<&(Option<String>, PathBuf)> = job
        .files
        .iter()
        .filter(|(_, p)| !archive::is_npz(p))
        .collect();
    if files.is_empty() {
        return outcomes;
    }
    let names: Vec<String> = files
        .iter()
        .map(|(name, path)| {
            name.clone()
                .or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .unwrap_or_default()
        })
        .collect();
    let inputs = names
        .iter()
        .zip(&files)
        .map(|(name, (_, path))| (name.as_str(), Input::Path(path)));
    let no_path = job.spec_path.clone().unwrap_or_default();
    let verdicts = BundleChecker::new(bundle)
        .limits(limits.clone())
        .threads(threads)
        .check(inputs)
        .into_iter()
        .map(|verdict| {
            // An array no file provides is reported on the spec.
            let path = verdict.input().map_or(&no_path, |i| &files[i].1);
            let array = Some(verdict.array().to_string());
            outcome(job, path, array, verdict.into_result().err())
        });
    outcomes.extend(verdicts);
    outcomes
}

/// An archive's outcomes as its rule expects them: every member's when it is expected valid;
/// when it is expected invalid, the archive is one result, refused as expected when any of
/// its members is (its first error), not as expected when none is.
fn expected(job: &Job, path: &Path, outcomes: Vec<Outcome>) -> Vec<Outcome> {
    if job.expect == Expect::Valid {
        return outcomes;
    }
    match outcomes.into_iter().find(|o| o.error.is_some()) {
        Some(first) => vec![first],
        None => vec![outcome(job, path, None, None)],
    }
}

/// An outcome for an archive member (or for the archive, `member` `None`).
fn member_outcome(
    job: &Job,
    path: &Path,
    member: Option<&str>,
    array: Option<String>,
    error: Option<Error>,
) -> Outcome {
    Outcome {
        member: member.map(str::to_string),
        ..outcome(job, path, array, error)
    }
}

/// The outcome of an archive refused when opened: one for the file, naming the member the
/// error was found in.
fn refused_archive(job: &Job, path: &Path, error: Error) -> Outcome {
    let member = error.member().map(str::to_string);
    member_outcome(job, path, member.as_deref(), None, Some(error))
}

/// Checks every member of the archive at `path` against `spec`, streamed; an archive with no
/// member is one valid outcome for the file.
fn check_archive(job: &Job, path: &Path, spec: &ArraySpec, limits: &Limits) -> Vec<Outcome> {
    let mut archive = match archive::open(path, &spec.limits_over(limits)) {
        Ok(archive) => archive,
        Err(error) => return vec![refused_archive(job, path, error)],
    };
    if archive.is_empty() {
        return vec![outcome(job, path, None, None)];
    }
    let members = archive.members().to_vec();
    members
        .iter()
        .map(|member| {
            let error = archive.check(member.array(), spec).err();
            member_outcome(job, path, Some(member.name()), None, error)
        })
        .collect()
}

/// Checks the archive at `path` as a bundle: its members bound to the bundle's arrays by
/// array name, named dimensions shared. Members the bundle does not know and arrays no member
/// holds are reported too (the latter on the archive).
fn check_archive_bundle(
    job: &Job,
    path: &Path,
    bundle: &BundleSpec,
    limits: &Limits,
) -> Vec<Outcome> {
    // The archive's own limits are the flags under the bundle's `limits`; each member is
    // read with its array's limits (the checker applies the overrides).
    let open_limits = bundle
        .limit_overrides()
        .map_or_else(|| limits.clone(), |o| o.apply(limits));
    let mut archive = match archive::open(path, &open_limits) {
        Ok(archive) => archive,
        Err(error) => return vec![refused_archive(job, path, error)],
    };
    let checker = BundleChecker::new(bundle).limits(limits.clone());
    let verdicts = archive.check_bundle(&checker);
    let members = archive.members();
    verdicts
        .into_iter()
        .map(|verdict| {
            let member = verdict.input().map(|i| members[i].name());
            let array = Some(verdict.array().to_string());
            member_outcome(job, path, member, array, verdict.into_result().err())
        })
        .collect()
}

fn summary(outcomes: &[Outcome]) -> Summary {
    Summary {
        files: outcomes.len(),
        valid: outcomes.iter().filter(|o| o.is_valid()).count(),
        invalid: outcomes.iter().filter(|o| !o.is_valid()).count(),
        unexpected: outcomes.iter().filter(|o| !o.as_expected()).count(),
        members: outcomes.iter().filter(|o| o.member.is_some()).count(),
    }
}

fn print_text(outcomes: &[Outcome], unmatched: &[PathBuf]) -> io::Result<()> {
    // One write for the report, not one per line (stdout is line-buffered).
    let mut out = io::BufWriter::new(io::stdout().lock());
    for o in outcomes {
        let array = o
            .array
            .as_deref()
            .map(|a| format!(" [{a}]"))
            .unwrap_or_default();
        match (&o.error, o.as_expected()) {
            (None, true) => writeln!(out, "ok       {}{array}", o.name())?,
            (None, false) => writeln!(
                out,
                "FAIL     {}{array}: expected invalid, but the file is valid",
                o.name()
            )?,
            (Some(e), true) => writeln!(
                out,
                "invalid  {}{array}: error[{}]: {} (expected)",
                o.name(),
                e.code(),
                one_line(e)
            )?,
            (Some(e), false) => writeln!(
                out,
                "FAIL     {}{array}: error[{}]: {}",
                o.name(),
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
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let checked = if s.members == 0 {
        format!("{} file{} checked", s.files, plural(s.files))
    } else {
        format!(
            "{} result{} checked ({} archive member{})",
            s.files,
            plural(s.files),
            s.members,
            plural(s.members)
        )
    };
    writeln!(
        out,
        "{checked}: {} valid, {} invalid, {} not as expected",
        s.valid, s.invalid, s.unexpected
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
    /// The archive member (`X.npy`) for an `.npz` file; `null` otherwise, and for an error of
    /// the archive as a whole.
    member: Option<&'a str>,
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
    /// The archive member the error was found in.
    member: Option<String>,
    /// The bundle array.
    array: Option<String>,
    /// The JSON index path (`[3][1]`), for JSON input.
    json_path: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
}

#[derive(Serialize)]
struct Summary {
    /// Results: one per file, per archive member, per array of a bundle no file holds.
    files: usize,
    valid: usize,
    invalid: usize,
    unexpected: usize,
    /// How many of the results are archive members.
    members: usize,
}

fn print_json(outcomes: &[Outcome], unmatched: &[PathBuf]) -> io::Result<()> {
    let files = outcomes
        .iter()
        .map(|o| FileReport {
            path: &o.path,
            member: o.member.as_deref(),
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
                            member: e.member().map(str::to_string),
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
    // One write for the report, not one per line (stdout is line-buffered).
    let mut out = io::BufWriter::new(io::stdout().lock());
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
    // One write for the report, not one per line (stdout is line-buffered).
    let mut out = io::BufWriter::new(io::stdout().lock());
    for o in outcomes.iter().filter(|o| !o.as_expected()) {
        // Annotations point at the archive; the message names the member.
        let file = escape(&o.path, true);
        let member = o
            .member
            .as_deref()
            .map(|m| format!("{}: ", archive::printable(m)))
            .unwrap_or_default();
        match &o.error {
            Some(e) => writeln!(
                out,
                "::error file={file},title={}::{}",
                escape(&format!("arrayguard {}", e.code()), true),
                escape(&format!("{member}{e}"), false)
            )?,
            None => writeln!(
                out,
                "::error file={file},title=arrayguard::{}expected invalid, but the file is valid",
                escape(&member, false)
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

fn print_sarif(outcomes: &[Outcome], unmatched: &[PathBuf]) -> io::Result<()> {
    let mut findings: Vec<sarif::Finding> = outcomes
        .iter()
        .filter(|o| !o.as_expected())
        .map(|o| {
            let member = o
                .member
                .as_deref()
                .map(|m| format!("{}: ", archive::printable(m)))
                .unwrap_or_default();
            match &o.error {
                Some(e) => {
                    let json = e.json_position();
                    sarif::Finding {
                        path: o.path.clone(),
                        code: e.code().to_string(),
                        message: format!("{member}{e}"),
                        offset: e.offset(),
                        line: json.and_then(|p| p.line()),
                        column: json.and_then(|p| p.column()),
                        warning: false,
                    }
                }
                None => sarif::Finding {
                    path: o.path.clone(),
                    code: sarif::EXPECTED_INVALID.to_string(),
                    message: format!("{member}expected invalid, but the file is valid"),
                    offset: None,
                    line: None,
                    column: None,
                    warning: false,
                },
            }
        })
        .collect();
    findings.extend(unmatched.iter().map(|p| sarif::Finding {
        path: p.display().to_string(),
        code: sarif::UNMATCHED.to_string(),
        message: format!("no rule in {CONFIG_NAME} checks this file"),
        offset: None,
        line: None,
        column: None,
        warning: true,
    }));
    let log = sarif::log(&findings);
    // One write for the report, not one per line (stdout is line-buffered).
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &log).map_err(io::Error::from)?;
    out.write_all(b"\n")?;
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
