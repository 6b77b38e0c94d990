//! `arrayguard gen`: a deterministic corpus of valid arrays and labelled near misses from a
//! spec, with a manifest, written all at once.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrayguard::testing::{hostile_files, Choices, Encoded, Format, Generator, Seeded};
use arrayguard::{Error, SpecFile};
use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::report::{self, Status};

/// The manifest's file name, inside DIR.
pub(crate) const MANIFEST: &str = "manifest.json";

/// Write a corpus of valid arrays and labelled near misses from a spec
///
/// Draws --valid arrays (or bundles) that satisfy SPEC and --invalid near misses that each
/// break exactly one of its rules (one dimension off, a disallowed dtype or byte order, a value
/// past a bound, a NaN, a truncated or trailing payload, a lying header, ...), writes them in
/// --format to DIR, and lists them in DIR/manifest.json: an array of
/// `{"file", "valid", "code"}`, `file` relative to DIR and `code` the error code arrayguard
/// returns for a near miss (`null` for a valid file), plus `rule` (what the near miss
/// breaks) and, for raw buffers, `layout` (`dtype` as a NumPy type string, `shape`, `order`).
/// The same SPEC, counts, format and --seed give the same bytes on every run and machine.
///
/// A single-array spec gives one file per sample (`valid-0001.npy`, `invalid-0001-dim.npy`);
/// a bundle gives one `.npz` archive per sample, or with --format npy or json a directory per
/// sample holding `NAME.npy` (or `.json`) per array, which `arrayguard check --spec SPEC
/// DIR/valid-0001/*` checks as a bundle. Raw buffers need a single-array spec. JSON files are
/// envelopes (`{"dtype", "shape", "order", "data"}`, data nested, flat or base64).
///
/// --hostile adds one file per threat class of arrayguard's SECURITY.md (an object dtype, a
/// header declaring 1 GiB, a shape that overflows, 100 000 nested brackets, duplicate header
/// keys, a polyglot, a decompression bomb, an unsafe member name, bytes after an archive, a
/// bool byte of 2, 65 dimensions), each listed with the code arrayguard refuses it with under
/// the library's default limits (`check` lifts the payload limits: give it `--max-bytes
/// 268435456 --max-elements 268435456`), for testing other loaders; with --hostile, --spec is
/// optional.
///
/// The corpus is written to a temporary directory beside DIR and renamed to DIR only once
/// complete: on any error there is no partial corpus. DIR must not exist, or be empty.
#[derive(Debug, Args)]
pub(crate) struct GenArgs {
    /// The spec file (.toml or .json) to draw from
    #[arg(long, value_name = "SPEC", required_unless_present = "hostile")]
    spec: Option<PathBuf>,

    /// How many valid samples to write
    #[arg(long, value_name = "N", default_value_t = 10)]
    valid: u32,

    /// How many near misses to write
    #[arg(long, value_name = "N", default_value_t = 10)]
    invalid: u32,

    /// File format of the samples
    #[arg(long, value_enum, default_value_t = GenFormat::Npy)]
    format: GenFormat,

    /// Seed of the corpus: the same seed, spec and counts give the same files
    #[arg(long, value_name = "K", default_value_t = 0)]
    seed: u64,

    /// Largest number of elements per generated array (ranges whose bounds need more are not
    /// drawn at those bounds)
    #[arg(long, value_name = "N", default_value_t = 4096)]
    max_elements: usize,

    /// Also write one hostile file per threat class of SECURITY.md
    #[arg(long)]
    hostile: bool,

    /// The directory to create
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

/// Formats of `gen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum GenFormat {
    /// .npy files (versions 1, 2 and 3)
    Npy,
    /// .npz archives (stored or deflated)
    Npz,
    /// Raw buffers; the manifest gives each one's layout
    Raw,
    /// JSON envelopes
    Json,
}

impl GenFormat {
    fn format(self) -> Format {
        match self {
            GenFormat::Npy => Format::Npy,
            GenFormat::Npz => Format::Npz,
            GenFormat::Raw => Format::Raw,
            GenFormat::Json => Format::Json,
        }
    }
}

/// One line of the manifest.
#[derive(Debug, Serialize)]
struct Entry {
    file: String,
    valid: bool,
    code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    layout: Option<LayoutEntry>,
}

#[derive(Debug, Serialize)]
struct LayoutEntry {
    dtype: String,
    shape: Vec<usize>,
    order: &'static str,
}

/// Why `gen` stopped.
enum Failure {
    Usage(String),
    Spec(PathBuf, Error),
    Io(PathBuf, io::Error),
}

/// Runs `gen`.
pub(crate) fn run(args: &GenArgs) -> Status {
    match generate(args) {
        Ok(summary) => {
            let mut out = io::stdout().lock();
            match writeln!(out, "{summary}").and_then(|()| out.flush()) {
                Ok(()) => Status::Ok,
                Err(e) => report::stdout_failed(e),
            }
        }
        Err(Failure::Usage(message)) => {
            report::usage(&message);
            Status::Usage
        }
        Err(Failure::Spec(path, error)) => {
            report::diagnostic(path.display(), &error);
            Status::of_config(&error)
        }
        Err(Failure::Io(path, error)) => {
            report::diagnostic(path.display(), &Error::from(error));
            Status::Io
        }
    }
}

/// The choices of one file: its own stream, so that a corpus of N samples is the first N of a
/// larger one.
fn choices(seed: u64, kind: u64, index: u32) -> Seeded {
    let mut mix = Seeded::new(seed ^ kind.rotate_left(40) ^ u64::from(index).rotate_left(8));
    Seeded::new(mix.bits())
}

fn generate(args: &GenArgs) -> Result<String, Failure> {
    let format = args.format.format();
    let generator = match &args.spec {
        Some(path) => {
            let spec = SpecFile::from_path(path).map_err(|e| Failure::Spec(path.clone(), e))?;
            let g = Generator::for_spec_file(&spec).map_err(|e| Failure::Spec(path.clone(), e))?;
            if g.is_bundle() && format == Format::Raw {
                return Err(Failure::Usage(
                    "--format raw needs a single-array spec: a bundle's raw buffers have no reader that binds them"
                        .into(),
                ));
            }
            Some(g.with_max_elements(args.max_elements))
        }
        None => None,
    };
    let output = &args.output;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e: io::Error| Failure::Io(path, e)
    };
    match fs::read_dir(output).map(|mut entries| entries.next().is_some()) {
        Ok(true) => {
            return Err(Failure::Usage(format!(
                "{} exists and is not empty: gen writes a new directory",
                output.display()
            )))
        }
        Ok(false) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(Failure::Io(output.clone(), e)),
    }
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp = tempfile::Builder::new()
        .prefix(".arrayguard-gen-")
        .tempdir_in(parent)
        .map_err(io(parent))?;
    let dir = temp.path();
    let mut entries = Vec::new();
    let (mut valid, mut invalid) = (0u32, 0u32);
    if let Some(g) = &generator {
        for i in 1..=args.valid {
            let sample = g.sample(&mut choices(args.seed, 1, i));
            let encoded = sample
                .encode(format)
                .map_err(|e| Failure::Io(dir.to_path_buf(), io::Error::other(e.to_string())))?;
            let stem = format!("valid-{i:04}");
            entries.push(write_sample(dir, &stem, format, g, &encoded, None, None)?);
            valid += 1;
        }
        for i in 1..=args.invalid {
            let miss = g.near_miss(&mut choices(args.seed, 2, i), format);
            let encoded = miss
                .encode()
                .map_err(|e| Failure::Io(dir.to_path_buf(), io::Error::other(e.to_string())))?;
            let stem = format!("invalid-{i:04}-{}", miss.rule.name().replace('.', "-"));
            entries.push(write_sample(
                dir,
                &stem,
                format,
                g,
                &encoded,
                Some(miss.code),
                Some(miss.rule.name()),
            )?);
            invalid += 1;
        }
    }
    let mut hostile = 0;
    if args.hostile {
        for f in hostile_files() {
            let path = dir.join(f.name);
            fs::write(&path, &f.bytes).map_err(io(&path))?;
            entries.push(Entry {
                file: f.name.to_string(),
                valid: false,
                code: Some(f.code),
                rule: None,
                class: Some(f.class),
                layout: None,
            });
            hostile += 1;
        }
    }
    let manifest = dir.join(MANIFEST);
    let mut text = serde_json::to_string_pretty(&entries)
        .map_err(|e| Failure::Io(manifest.clone(), e.into()))?;
    text.push('\n');
    fs::write(&manifest, text).map_err(io(&manifest))?;
    // An empty DIR is replaced by the rename; the temporary directory is removed on any
    // error before it.
    let kept = temp.keep();
    if let Err(e) = fs::rename(&kept, output) {
        let _ = fs::remove_dir_all(&kept);
        return Err(Failure::Io(output.clone(), e));
    }
    let mut summary = format!(
        "{}: {valid} valid and {invalid} invalid {} files",
        output.display(),
        format.name()
    );
    if args.hostile {
        summary.push_str(&format!(", {hostile} hostile files"));
    }
    summary.push_str(&format!(", listed in {MANIFEST}"));
    Ok(summary)
}

/// Writes one sample (a file, or a directory of files for a bundle in a one-array format)
/// and returns its manifest entry.
fn write_sample(
    dir: &Path,
    stem: &str,
    format: Format,
    g: &Generator,
    encoded: &Encoded,
    code: Option<&'static str>,
    rule: Option<&'static str>,
) -> Result<Entry, Failure> {
    let io = |path: PathBuf| move |e: io::Error| Failure::Io(path, e);
    let ext = format.extension();
    let (file, layout) = if g.is_bundle() && format != Format::Npz {
        let sub = dir.join(stem);
        fs::create_dir(&sub).map_err(io(sub.clone()))?;
        for f in &encoded.files {
            let path = sub.join(&f.name);
            fs::write(&path, &f.bytes).map_err(io(path.clone()))?;
        }
        (stem.to_string(), None)
    } else {
        let name = format!("{stem}.{ext}");
        let path = dir.join(&name);
        let mut bytes = Vec::new();
        let mut layout = None;
        for f in &encoded.files {
            bytes.extend_from_slice(&f.bytes);
            layout = f.layout.as_ref().map(|l| LayoutEntry {
                dtype: l.dtype().typestr(l.byte_order()),
                shape: l
                    .shape()
                    .iter()
                    .map(|a| match a {
                        arrayguard::raw::Axis::Fixed(n) => *n,
                        _ => 0,
                    })
                    .collect(),
                order: l.order().name(),
            });
        }
        fs::write(&path, bytes).map_err(io(path.clone()))?;
        (name, layout)
    };
    Ok(Entry {
        file,
        valid: code.is_none(),
        code,
        rule,
        class: None,
        layout,
    })
}
