//! `arrayguard.ArrayGuardError`: the library's error as a Python exception, with its stable
//! code, who is at fault, and where.

use arrayguard::{Error, Fault};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

pyo3::create_exception!(
    _native,
    ArrayGuardError,
    PyValueError,
    "An input refused by arrayguard: `code` is the library's stable code (`npy.header_too_large`, \
     `spec.shape`, ...), `fault` who is at fault (`input`, `mismatch`, `limit`, `io`, `usage`, \
     `config`), `offset` the byte offset in the input when there is one, `location` a dict \
     (`offset`, `json_path`, `line`, `column`, `member`, `array`, each possibly None)."
);

/// The exception for `error`, its attributes set.
pub(crate) fn to_py(py: Python<'_>, error: &Error) -> PyErr {
    let err = ArrayGuardError::new_err(error.to_string());
    if let Err(failed) = set_attributes(py, &err, error) {
        return failed;
    }
    err
}

fn set_attributes(py: Python<'_>, err: &PyErr, error: &Error) -> PyResult<()> {
    let value = err.value(py);
    value.setattr("code", error.code())?;
    value.setattr("fault", fault_name(error.fault()))?;
    value.setattr("offset", error.offset())?;
    let location = PyDict::new(py);
    let json = error.json_position();
    location.set_item("offset", error.offset())?;
    location.set_item("json_path", json.map(|p| p.path()))?;
    location.set_item("line", json.and_then(|p| p.line()))?;
    location.set_item("column", json.and_then(|p| p.column()))?;
    location.set_item("member", error.member())?;
    location.set_item("array", error.array())?;
    value.setattr("location", location)?;
    Ok(())
}

pub(crate) fn fault_name(fault: Fault) -> &'static str {
    match fault {
        Fault::Input => "input",
        Fault::Mismatch => "mismatch",
        Fault::Limit => "limit",
        Fault::Io => "io",
        Fault::Usage => "usage",
        Fault::Config => "config",
        _ => "input",
    }
}

/// A usage error (bad arguments) as an [`ArrayGuardError`] with code `usage.invalid_argument`.
pub(crate) fn usage(py: Python<'_>, message: impl Into<String>) -> PyErr {
    let err = ArrayGuardError::new_err(message.into());
    let value = err.value(py);
    let set = || -> PyResult<()> {
        value.setattr("code", "usage.invalid_argument")?;
        value.setattr("fault", "usage")?;
        value.setattr("offset", py.None())?;
        let location = PyDict::new(py);
        for key in ["offset", "json_path", "line", "column", "member", "array"] {
            location.set_item(key, py.None())?;
        }
        value.setattr("location", location)
    };
    match set() {
        Ok(()) => err,
        Err(failed) => failed,
    }
}

/// `Result<T, arrayguard::Error>` into a `PyResult`.
pub(crate) trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}
