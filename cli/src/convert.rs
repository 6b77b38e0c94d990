//! `arrayguard convert`: validate an input completely, then write it in C order as `.npy` or
//! JSON, atomically.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use arrayguard::{json, npy, DynArray, Error, ErrorKind};
use clap::{Args, ValueEnum};
use tempfile::NamedTempFile;

use crate::input::{InputArgs, InputError};
use crate::report::{self, Status, STDOUT_NAME};
use crate::LimitArgs;

/// Validate an array completely and write it as .npy or JSON
///
/// Reads INPUT (a .npy file, one array of an .npz archive with --member, a raw buffer with
/// --from raw and a layout, or JSON) with every check the library makes (header or layout,
/// limits, exact length, bool bytes, exact JSON numbers and shapes; an archive's checks and the
/// member's size and CRC-32), converts it to C (row-major) order and writes it to OUTPUT:
/// `npy` is little-endian .npy as NumPy writes it; `json` is nested arrays. Errors in an
/// archive member name it as `ARCHIVE:MEMBER`.
///
/// The output is written to a temporary file beside OUTPUT and renamed over it only once
/// everything succeeded: on any error no output file is created and an existing one is left
/// untouched. With `-o -` the output goes to stdout as it is produced, so on an error stdout
/// may hold a partial document; check the exit code.
#[derive(Debug, Args)]
pub(crate) struct ConvertArgs {
    /// The file to convert
    #[arg(value_name = "INPUT")]
    input: PathBuf,

    #[command(flatten)]
    source: InputArgs,

    /// Where to write the result; `-` writes to stdout
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,

    /// Output format [default: `json` if OUTPUT ends in `.json`, otherwise `npy`]
    #[arg(long, value_enum, value_name = "FORMAT")]
    to: Option<Target>,

    /// Accept and write NaN and infinities as the tokens `NaN`, `Infinity`, `-Infinity` in
    /// JSON (not valid JSON, but what Python's `json` writes and reads); without it they are
    /// an error in JSON input and output
    #[arg(long)]
    allow_nan: bool,

    #[command(flatten)]
    limits: LimitArgs,
}

/// Output formats of `convert`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// Little-endian, C-order .npy
    Npy,
    /// Nested JSON arrays in logical (C) order
    Json,
}

impl Target {
    /// The format named by the output's extension: `.json` is JSON, anything else `.npy`.
    fn from_path(path: &Path) -> Target {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("json") => Target::Json,
            _ => Target::Npy,
        }
    }
}

/// Runs `convert`.
pub(crate) fn run(args: &ConvertArgs) -> Status {
    let array = match args
        .source
        .read(&args.input, &args.limits.limits(), args.allow_nan)
    {
        Ok(array) => array.into_c_order(),
        Err(InputError::Input(error)) => return fail(&input_name(&args.input, &error), &error),
        Err(InputError::Usage(flag, error)) => {
            report::diagnostic(flag, &error);
            return Status::Usage;
        }
        Err(InputError::Flags(message)) => {
            report::usage(&message);
            return Status::Usage;
        }
    };
    let to_stdout = args.output.as_os_str() == "-";
    let target = args.to.unwrap_or_else(|| Target::from_path(&args.output));
    let result = if to_stdout {
        write_array(io::stdout().lock(), &array, target, args.allow_nan)
    } else {
        write_atomically(&args.output, &array, target, args.allow_nan)
    };
    match result {
        Ok(()) => Status::Ok,
        Err(error) if to_stdout && is_broken_pipe(&error) => Status::Io,
        // I/O failures are the output's; anything else (a value JSON cannot hold) is the
        // input's.
        Err(error) if error.is_io() => {
            let name = if to_stdout {
                STDOUT_NAME.to_string()
            } else {
                args.output.display().to_string()
            };
            fail(&name, &error)
        }
        Err(error) => fail(&input_name(&args.input, &error), &error),
    }
}

/// How the input is named in a diagnostic: its path, or `ARCHIVE:MEMBER` for an error in an
/// archive member.
fn input_name(input: &Path, error: &Error) -> String {
    match error.member() {
        Some(member) => crate::archive::member_path(input, member),
        None => input.display().to_string(),
    }
}

fn fail(path: &impl std::fmt::Display, error: &Error) -> Status {
    report::diagnostic(path, error);
    Status::of(error)
}

fn is_broken_pipe(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Io { source } if report::is_broken_pipe(source))
}

/// Writes to a temporary file in the output's directory and renames it over `output` only on
/// success. Dropping the temporary file on any error removes it.
fn write_atomically(
    output: &Path,
    array: &DynArray,
    target: Target,
    allow_nan: bool,
) -> Result<(), Error> {
    let dir = match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".arrayguard-").suffix(".tmp");
    if let Some(permissions) = output_permissions(output) {
        builder.permissions(permissions);
    }
    let mut tmp = builder.tempfile_in(dir)?;
    write_array(&mut tmp, array, target, allow_nan)?;
    tmp.as_file().sync_all()?;
    persist(tmp, output)
}

/// The permissions the output should get. `NamedTempFile` creates files readable by their
/// owner only; a converted file should instead look like any file the user creates (mode
/// 0o666 minus the umask), or keep the mode of the file it replaces.
#[cfg(unix)]
fn output_permissions(output: &Path) -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    match fs::metadata(output) {
        Ok(meta) if meta.is_file() => Some(meta.permissions()),
        _ => Some(fs::Permissions::from_mode(0o666)),
    }
}

#[cfg(not(unix))]
fn output_permissions(_output: &Path) -> Option<fs::Permissions> {
    None
}

fn persist(tmp: NamedTempFile, output: &Path) -> Result<(), Error> {
    // On failure the error holds the temporary file, and dropping it removes it.
    tmp.persist(output)
        .map(drop)
        .map_err(|e| Error::from(e.error))
}

fn write_array<W: Write>(
    mut writer: W,
    array: &DynArray,
    target: Target,
    allow_nan: bool,
) -> Result<(), Error> {
    match target {
        Target::Npy => npy::write_dyn(&mut writer, array)?,
        Target::Json => {
            let options = json::WriteOptions::new().allow_nan(allow_nan);
            json::to_writer_with_options(&mut writer, array, options)?;
            // A text file ends with a newline.
            writer.write_all(b"\n")?;
        }
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_follows_the_extension() {
        assert_eq!(Target::from_path(Path::new("a/b.json")), Target::Json);
        assert_eq!(Target::from_path(Path::new("b.JSON")), Target::Json);
        assert_eq!(Target::from_path(Path::new("b.npy")), Target::Npy);
        assert_eq!(Target::from_path(Path::new("b")), Target::Npy);
        assert_eq!(Target::from_path(Path::new("-")), Target::Npy);
    }
}
