//! `arrayguard`: check and convert untrusted arrays from the command line.
//!
//! The binary parses arguments, calls the library and prints. It holds no validation logic:
//! every verdict about an input comes from `arrayguard` itself, so the CLI and the library
//! accept and refuse exactly the same files, with the same error codes.

mod archive;
mod check;
mod config;
mod convert;
mod error;
mod gen;
mod input;
mod inspect;
mod progress;
mod report;
mod sarif;
mod schema;
mod walk;

use std::process::ExitCode;

use arrayguard::Limits;
use clap::{Args, Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  ok: every input is valid and every output was written
  1  invalid input: malformed, refused by the spec, or over a limit
  2  usage error: bad command line
  3  spec or config error: an invalid spec file or arrayguard.toml
  4  i/o error: a file could not be opened, read or written

With several inputs the exit code is the worst one (4 beats 1 beats 0).
Results go to stdout; diagnostics go to stderr, one line per problem:
  arrayguard: error[<code>]: <path>: <message>";

/// Check, inspect and convert untrusted arrays (.npy, .npz archives, raw buffers, JSON), checking
/// every declared size before trusting it.
#[derive(Debug, Parser)]
#[command(name = "arrayguard", version, after_help = EXIT_CODES)]
#[command(propagate_version = true, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(check::CheckArgs),
    Inspect(inspect::InspectArgs),
    Convert(convert::ConvertArgs),
    Schema(schema::SchemaArgs),
    Gen(gen::GenArgs),
}

/// Resource limits, shared by every command. Defaults are `arrayguard::Limits::default()`,
/// except that `check` lifts the payload limits of streamed formats (see [`LimitArgs::check`]).
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub(crate) struct LimitArgs {
    /// Largest array payload accepted, in bytes (elements × item size) [default: 268435456
    /// (256 MiB); `check`: unlimited, from arrayguard.toml's [limits] or the spec otherwise]
    #[arg(long, value_name = "BYTES")]
    max_bytes: Option<u64>,

    /// Largest number of elements accepted [default: 268435456; `check`: unlimited, from
    /// arrayguard.toml's [limits] or the spec otherwise]
    #[arg(long, value_name = "N")]
    max_elements: Option<u64>,

    /// Largest number of dimensions accepted [default: 64]
    #[arg(long, value_name = "N")]
    max_ndim: Option<usize>,

    /// Largest .npy header accepted, in bytes, refused from the length field before reading
    /// [default: 10000]
    #[arg(long, value_name = "BYTES")]
    max_header_bytes: Option<usize>,

    /// Deepest JSON nesting accepted [default: 64]
    #[arg(long, value_name = "N")]
    max_json_depth: Option<usize>,

    /// Largest JSON input accepted, in bytes (JSON is read whole) [default: 67108864 (64 MiB)]
    #[arg(long, value_name = "BYTES")]
    max_input_bytes: Option<u64>,

    /// Most members accepted in an .npz archive, counted before its directory is read
    /// [default: 4096]
    #[arg(long, value_name = "N")]
    max_members: Option<usize>,

    /// Largest total of an .npz archive's declared uncompressed member sizes, in bytes
    /// [default: 1073741824 (1 GiB)]
    #[arg(long, value_name = "BYTES")]
    max_archive_bytes: Option<u64>,

    /// Largest ratio of an .npz member's declared size over its compressed size [default:
    /// 1100]
    #[arg(long, value_name = "N")]
    max_compression_ratio: Option<u64>,
}

impl LimitArgs {
    /// The library limits these flags describe, over the library's defaults.
    pub(crate) fn limits(&self) -> Limits {
        self.over(&Limits::default())
    }

    /// The limits of `check`: the library's defaults, except the payload limits
    /// (`max_bytes`, `max_elements`), which are off — `.npy` files and `.npz` members are
    /// streamed in chunks of at most 1 MiB, so their size costs time, not memory — then
    /// arrayguard.toml's `[limits]`, then the flags given. JSON, read whole, stays bounded by
    /// `max_input_bytes`; archives keep their limits.
    pub(crate) fn check(&self, table: &config::LimitsTable) -> Limits {
        let mut base = Limits::default();
        base.max_bytes = u64::MAX;
        base.max_elements = u64::MAX;
        self.over(&table.apply(&base))
    }

    /// `base` with the limits given on the command line replaced.
    fn over(&self, base: &Limits) -> Limits {
        let flags = config::LimitsTable {
            max_bytes: self.max_bytes,
            max_elements: self.max_elements,
            max_ndim: self.max_ndim,
            max_header_bytes: self.max_header_bytes,
            max_json_depth: self.max_json_depth,
            max_input_bytes: self.max_input_bytes,
            max_members: self.max_members,
            max_archive_bytes: self.max_archive_bytes,
            max_compression_ratio: self.max_compression_ratio,
        };
        flags.apply(base)
    }
}

fn main() -> ExitCode {
    // `parse` prints clap's own errors and exits with 2 for usage errors, 0 for `--help` and
    // `--version`.
    let cli = Cli::parse();
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Schema(args) => schema::run(&args),
        Command::Gen(args) => gen::run(&args),
    };
    ExitCode::from(status.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn limit_flags_default_to_library_defaults() {
        let cli = Cli::parse_from(["arrayguard", "inspect", "x.npy"]);
        let Command::Inspect(args) = cli.command else {
            panic!("parsed as another command")
        };
        assert_eq!(args.limits.limits(), Limits::default());
    }

    #[test]
    fn doc_defaults_are_the_library_defaults() {
        let d = Limits::default();
        assert_eq!(
            (
                d.max_bytes,
                d.max_elements,
                d.max_ndim,
                d.max_header_bytes,
                d.max_depth
            ),
            (268435456, 268435456, 64, 10000, 64)
        );
        assert_eq!(
            (
                d.max_input_bytes,
                d.max_members,
                d.max_archive_bytes,
                d.max_compression_ratio
            ),
            (67108864, 4096, 1073741824, 1100)
        );
    }

    #[test]
    fn worst_status_wins() {
        assert_eq!(Status::Ok.max(Status::Invalid).max(Status::Io), Status::Io);
        assert_eq!(Status::Io.max(Status::Invalid), Status::Io);
    }
}
