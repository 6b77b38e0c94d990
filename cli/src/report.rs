//! What every command shares: exit statuses, the one-line diagnostic on stderr and the error
//! object of JSON reports.

use std::fmt::Display;
use std::io::{self, Write};

use arrayguard::{Error, Fault};
use serde::Serialize;

/// The outcome of a command, ordered by severity so that several inputs report the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Status {
    /// Exit code 0.
    Ok,
    /// Exit code 1: the input is malformed, refused by the spec, or over a limit.
    Invalid,
    /// Exit code 2: the command line does not make sense (clap reports most of these itself).
    Usage,
    /// Exit code 3: a spec or the configuration is invalid.
    Config,
    /// Exit code 4: a file could not be opened, read or written.
    Io,
}

impl Status {
    /// The process exit code.
    pub(crate) fn exit_code(self) -> u8 {
        match self {
            Status::Ok => 0,
            Status::Invalid => 1,
            Status::Usage => 2,
            Status::Config => 3,
            Status::Io => 4,
        }
    }

    /// The status an error from the library maps to: I/O is the environment's fault, an
    /// invalid spec or configuration is the configuration's, anything else is the input's
    /// (including values that cannot be written in the output format).
    pub(crate) fn of(error: &Error) -> Status {
        match error.fault() {
            Fault::Io => Status::Io,
            Fault::Config => Status::Config,
            _ => Status::Invalid,
        }
    }

    /// The status of an error while loading a spec or the configuration: I/O (4) or
    /// configuration (3).
    pub(crate) fn of_config(error: &Error) -> Status {
        match error.fault() {
            Fault::Io => Status::Io,
            _ => Status::Config,
        }
    }
}

/// How `<stdout>` is named in diagnostics.
pub(crate) const STDOUT_NAME: &str = "<stdout>";

/// Prints `arrayguard: error[<code>]: <path>: <message>` on stderr, as exactly one line.
///
/// Paths and messages are untrusted text (file names, header excerpts), so line breaks in
/// them are escaped rather than allowed to split the diagnostic.
pub(crate) fn diagnostic(path: impl Display, error: &Error) {
    diagnostic_line(path, error.code(), error);
}

/// [`diagnostic`] for an error with this code and message.
pub(crate) fn diagnostic_line(path: impl Display, code: &str, message: impl Display) {
    let line = format!("arrayguard: error[{code}]: {path}: {message}");
    let line = line.replace('\n', "\\n").replace('\r', "\\r");
    // Nowhere is left to report a failing stderr.
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Prints `arrayguard: error: <message>` on stderr for a command line that clap accepted but
/// that does not make sense (flags that contradict each other).
pub(crate) fn usage(message: &str) {
    let _ = writeln!(io::stderr().lock(), "arrayguard: error: {message}");
}

/// Whether an error is a closed pipe on our output, which ends the command silently.
pub(crate) fn is_broken_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
}

/// Reports a failure to write a command's results on stdout and returns its status.
pub(crate) fn stdout_failed(error: io::Error) -> Status {
    // A reader that stops early (`| head`) closes the pipe; that is not worth a message, but
    // the output is incomplete, so the exit code still says so.
    if !is_broken_pipe(&error) {
        diagnostic(STDOUT_NAME, &Error::from(error));
    }
    Status::Io
}

/// The `error` object of a JSON report.
#[derive(Debug, Serialize)]
pub(crate) struct ErrorReport {
    /// The stable code, e.g. `npy.header_too_large`.
    pub(crate) code: &'static str,
    /// The library's message.
    pub(crate) message: String,
    /// Byte offset in the input, when the error has one (in an archive member, from the
    /// start of the member's `.npy` bytes).
    pub(crate) offset: Option<u64>,
    /// The archive member the error was found in, for an `.npz` file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) member: Option<String>,
}

impl From<&Error> for ErrorReport {
    fn from(error: &Error) -> Self {
        ErrorReport {
            code: error.code(),
            message: error.to_string(),
            offset: error.offset(),
            member: error.member().map(str::to_string),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrayguard::{ErrorKind, Location};

    #[test]
    fn io_errors_exit_4_and_input_errors_exit_1() {
        let io = Error::from(io::Error::from(io::ErrorKind::NotFound));
        let input = Error::new(
            ErrorKind::TrailingData { expected: 8 },
            Location::new().with_offset(128),
        );
        assert_eq!(Status::of(&io).exit_code(), 4);
        assert_eq!(Status::of(&input).exit_code(), 1);
    }

    #[test]
    fn error_report_carries_code_and_offset() {
        let report = ErrorReport::from(&Error::new(
            ErrorKind::TrailingData { expected: 8 },
            Location::new().with_offset(136),
        ));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["code"], "data.trailing");
        assert_eq!(json["offset"], 136);
    }
}
