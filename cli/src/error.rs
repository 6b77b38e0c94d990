//! The CLI's own errors: the library's, plus a configuration file that is invalid and a
//! command line that does not make sense. Only the library judges inputs and specs; these
//! two are about how the tool was asked to run.

use std::fmt;

use arrayguard::Error;

use crate::report::{self, Status};

/// A failure of a command before any input is judged.
#[derive(Debug)]
pub(crate) enum CliError {
    /// From the library: a spec file that is invalid, or a file that cannot be read.
    Library(Error),
    /// `arrayguard.toml` is invalid (code `config.invalid_spec`, exit 3).
    Config {
        /// The file and the key or part at fault, e.g. `arrayguard.toml: check[0].files`.
        location: String,
        /// What is wrong.
        reason: String,
    },
    /// The arguments are malformed or contradict each other (exit 2).
    Usage(String),
}

impl CliError {
    /// Prints the one-line diagnostic for `path` and returns the exit status.
    pub(crate) fn report(&self, path: impl fmt::Display) -> Status {
        match self {
            CliError::Library(error) => {
                report::diagnostic(path, error);
                Status::of_config(error)
            }
            CliError::Config { .. } => {
                report::diagnostic_line(path, "config.invalid_spec", self);
                Status::Config
            }
            CliError::Usage(message) => {
                report::usage(message);
                Status::Usage
            }
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Library(error) => error.fmt(f),
            CliError::Config { location, reason } => {
                write!(f, "invalid spec at {location}: {reason}")
            }
            CliError::Usage(message) => f.write_str(message),
        }
    }
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        CliError::Library(error)
    }
}

impl From<std::io::Error> for CliError {
    fn from(error: std::io::Error) -> Self {
        CliError::Library(error.into())
    }
}
