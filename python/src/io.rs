//! Getting bytes out of Python safely: immutable `bytes` are borrowed and parsed without the
//! GIL; anything writable (`bytearray`, `memoryview`, `array.array`, NumPy arrays) is copied
//! first, under the GIL, because another thread could change it between the check and the
//! use. Binary file objects are read through their own `read`/`seek`, with the GIL taken for
//! each call.

use std::io::{self, Read, Seek, SeekFrom};
use std::ops::Deref;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyByteArray, PyBytes, PyString};

use crate::errors::usage;

/// Bytes that stay valid and unchanged without the GIL.
pub(crate) enum Data {
    /// A `bytes` object (immutable), borrowed; or a copy made under the GIL.
    Bytes(PyBackedBytes),
    /// A `str`, borrowed as UTF-8.
    Text(PyBackedStr),
}

impl Deref for Data {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Data::Bytes(b) => b,
            Data::Text(s) => s.as_bytes(),
        }
    }
}

/// The bytes of `obj`: `bytes` borrowed, a `str` as UTF-8 when `text` allows it, any other
/// object with the buffer protocol copied.
pub(crate) fn data(py: Python<'_>, obj: &Bound<'_, PyAny>, text: bool) -> PyResult<Data> {
    if obj.is_instance_of::<PyBytes>() {
        return Ok(Data::Bytes(obj.extract()?));
    }
    if obj.is_instance_of::<PyString>() {
        return if text {
            Ok(Data::Text(obj.extract()?))
        } else {
            Err(usage(py, "expected bytes or a buffer, found str"))
        };
    }
    if obj.is_instance_of::<PyByteArray>() {
        // PyBackedBytes copies a bytearray.
        return Ok(Data::Bytes(obj.extract()?));
    }
    // Any other buffer (memoryview, array.array, a NumPy array): a copy of its bytes, taken
    // now under the GIL.
    let builtins = py.import("builtins")?;
    let view = builtins.getattr("memoryview")?.call1((obj,)).map_err(|_| {
        let kind = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        usage(py, format!("expected bytes or a buffer, found {kind}"))
    })?;
    let copy = view.call_method0("tobytes")?;
    Ok(Data::Bytes(copy.extract()?))
}

/// Where a `load_*` function reads from: a path, or a binary file object; for the functions
/// that also take bytes ([`input`]), bytes.
pub(crate) enum Source {
    Path(PathBuf),
    File(PyFile),
    Bytes(Data),
}

/// A path, a binary file object, or else bytes (any buffer, as [`data`] takes them).
pub(crate) fn input(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    if obj.hasattr("read")? || obj.extract::<PathBuf>().is_ok() {
        source(obj)
    } else {
        Ok(Source::Bytes(data(obj.py(), obj, false)?))
    }
}

impl Source {
    /// A reader of the source, whatever it is: an opened, buffered file for a path.
    pub(crate) fn into_reader(self) -> arrayguard::Result<Reader> {
        Ok(match self {
            Source::Path(path) => Reader::Path(io::BufReader::new(std::fs::File::open(path)?)),
            Source::File(file) => Reader::File(file),
            Source::Bytes(data) => Reader::Bytes(io::Cursor::new(data)),
        })
    }
}

/// A [`Source`] opened: one reader type for every source.
pub(crate) enum Reader {
    Path(io::BufReader<std::fs::File>),
    File(PyFile),
    Bytes(io::Cursor<Data>),
}

impl Read for Reader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Reader::Path(r) => r.read(buf),
            Reader::File(r) => r.read(buf),
            Reader::Bytes(r) => r.read(buf),
        }
    }
}

impl Seek for Reader {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Reader::Path(r) => r.seek(pos),
            Reader::File(r) => r.seek(pos),
            Reader::Bytes(r) => r.seek(pos),
        }
    }
}

impl AsRef<[u8]> for Data {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

pub(crate) fn source(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    let py = obj.py();
    if obj.hasattr("read")? {
        return Ok(Source::File(PyFile {
            file: obj.clone().unbind(),
        }));
    }
    match obj.extract::<PathBuf>() {
        Ok(path) => Ok(Source::Path(path)),
        Err(_) => Err(usage(
            py,
            "expected a path (str or os.PathLike) or a binary file object",
        )),
    }
}

/// A Python binary file object as a Rust reader: each `read` and `seek` calls the object's
/// method with the GIL held, so the rest of the work runs without it.
pub(crate) struct PyFile {
    file: Py<PyAny>,
}

impl Read for PyFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Python::attach(|py| {
            let chunk = self
                .file
                .call_method1(py, "read", (buf.len(),))
                .map_err(io::Error::other)?;
            let chunk = chunk.bind(py);
            if chunk.is_none() {
                // A non-blocking file with nothing to read.
                return Err(io::Error::from(io::ErrorKind::WouldBlock));
            }
            let bytes: PyBackedBytes = chunk.extract().map_err(|_| {
                io::Error::other("the file's read() did not return bytes: open it in binary mode")
            })?;
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Ok(n)
        })
    }
}

impl Seek for PyFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let (offset, whence): (i128, u8) = match pos {
            SeekFrom::Start(n) => (i128::from(n), 0),
            SeekFrom::Current(n) => (i128::from(n), 1),
            SeekFrom::End(n) => (i128::from(n), 2),
        };
        Python::attach(|py| {
            self.file
                .call_method1(py, "seek", (offset, whence))
                .and_then(|at| at.extract::<u64>(py))
                .map_err(io::Error::other)
        })
    }
}
