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
mod input;
mod inspect;
mod report;
mod schema;

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
}

/// Resource limits, shared by every command. Defaults are `arrayguard::Limits::default()`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub(crate) struct LimitArgs {
    /// Largest array payload accepted, in bytes (elements × item size)
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_bytes)]
    max_bytes: u64,

    /// Largest number of elements accepted
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_elements)]
    max_elements: u64,

    /// Largest number of dimensions accepted
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_ndim)]
    max_ndim: usize,

    /// Largest .npy header accepted, in bytes, refused from the length field before reading
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_header_bytes)]
    max_header_bytes: usize,

    /// Deepest JSON nesting accepted
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_depth)]
    max_json_depth: usize,

    /// Largest JSON input accepted, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_input_bytes)]
    max_input_bytes: u64,

    /// Most members accepted in an .npz archive, counted before its directory is read
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_members)]
    max_members: usize,

    /// Largest total of an .npz archive's declared uncompressed member sizes, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_archive_bytes)]
    max_archive_bytes: u64,

    /// Largest ratio of an .npz member's declared size over its compressed size
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_compression_ratio)]
    max_compression_ratio: u64,
}

impl LimitArgs {
    /// The library limits these flags describe.
    pub(crate) fn limits(&self) -> Limits {
        let mut limits = Limits::default();
        limits.max_bytes = self.max_bytes;
        limits.max_elements = self.max_elements;
        limits.max_ndim = self.max_ndim;
        limits.max_header_bytes = self.max_header_bytes;
        limits.max_depth = self.max_json_depth;
        limits.max_input_bytes = self.max_input_bytes;
        limits.max_members = self.max_members;
        limits.max_archive_bytes = self.max_archive_bytes;
        limits.max_compression_ratio = self.max_compression_ratio;
        limits
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
    fn worst_status_wins() {
        assert_eq!(Status::Ok.max(Status::Invalid).max(Status::Io), Status::Io);
        assert_eq!(Status::Io.max(Status::Invalid), Status::Io);
    }
}
