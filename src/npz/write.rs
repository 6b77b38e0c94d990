//! Writing `.npz` archives that `numpy.load` reads: one `.npy` member per array, in the order
//! they are added, stored or deflated.

use std::collections::HashSet;
use std::io::{Seek, Write};

use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::array::{ArrayView, DynArray};
use crate::dtype::Element;
use crate::error::{Error, ErrorKind, Result};
use crate::npy;

use super::archive::{check_name, Compression};

/// Writes an `.npz` archive: each array becomes the member `NAME.npy`, in the order added,
/// as `numpy.savez` ([`Compression::Stored`]) or `numpy.savez_compressed`
/// ([`Compression::Deflated`]) write them. Entries carry the zip epoch (1980-01-01) as their
/// time, so the same arrays give the same bytes.
///
/// # Examples
///
/// ```
/// use arrayguard::{npz, Array, ArraySpec, DynArray, Order, Shape};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let x = Array::from_vec(Shape::new([2, 2])?, Order::C, vec![1.0f64, 2.0, 3.0, 4.0])?;
/// let mut writer = npz::Writer::new(std::io::Cursor::new(Vec::new()), npz::Compression::Stored);
/// writer.add("x", &DynArray::from(x))?;
/// let bytes = writer.finish()?.into_inner();
///
/// let arrays = npz::from_slice(&bytes, &ArraySpec::any())?;
/// assert_eq!(arrays[0].0, "x");
/// # Ok(())
/// # }
/// ```
pub struct Writer<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    compression: Compression,
    names: HashSet<String>,
}

impl<W: Write + Seek> std::fmt::Debug for Writer<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("compression", &self.compression)
            .field("members", &self.names.len())
            .finish_non_exhaustive()
    }
}

impl<W: Write + Seek> Writer<W> {
    /// A writer of an archive into `writer`, every member stored or deflated.
    pub fn new(writer: W, compression: Compression) -> Self {
        Writer {
            zip: zip::ZipWriter::new(writer),
            compression,
            names: HashSet::new(),
        }
    }

    /// Adds `array` as the member `name.npy`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnsupportedDtype`] for [`DType::BF16`](crate::DType::BF16), which
    /// `.npy` cannot hold; [`ErrorKind::DuplicateMember`] when `name` was added before;
    /// [`ErrorKind::UnsafeMemberName`] when `name.npy` is not a safe relative path (the
    /// reader would refuse it); [`ErrorKind::Io`] when writing fails.
    pub fn add(&mut self, name: &str, array: &DynArray) -> Result<()> {
        npy::check_writable(array.dtype())?;
        self.start(name, array.as_bytes().len())?;
        npy::write_dyn(&mut self.zip, array)
    }

    /// Adds a typed view as the member `name.npy`, as [`Writer::add`] adds an array.
    ///
    /// # Errors
    ///
    /// As [`Writer::add`].
    pub fn add_view<T: Element>(&mut self, name: &str, array: &ArrayView<'_, T>) -> Result<()> {
        npy::check_writable(T::DTYPE)?;
        let nbytes = array.shape().len().saturating_mul(T::DTYPE.itemsize());
        self.start(name, nbytes)?;
        npy::write(&mut self.zip, array)
    }

    /// Writes the central directory and returns the inner writer.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] when writing fails.
    pub fn finish(self) -> Result<W> {
        self.zip.finish().map_err(write_error)
    }

    /// Starts the member for `name` holding `nbytes` of payload.
    fn start(&mut self, name: &str, nbytes: usize) -> Result<()> {
        let member = format!("{name}.npy");
        if let Err(reason) = check_name(&member) {
            return Err(ErrorKind::UnsafeMemberName {
                name: member.escape_debug().to_string().into(),
                reason,
            }
            .into());
        }
        if !self.names.insert(name.to_owned()) {
            return Err(ErrorKind::DuplicateMember {
                name: Some(name.into()),
            }
            .into());
        }
        let method = match self.compression {
            Compression::Stored => CompressionMethod::Stored,
            Compression::Deflated => CompressionMethod::Deflated,
        };
        // Zip64 fields when the member may reach 4 GiB (a header is at most a few KiB).
        let large = crate::util::to_u64(nbytes).saturating_add(1 << 20) >= u64::from(u32::MAX);
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(large);
        self.zip.start_file(member, options).map_err(write_error)
    }
}

fn write_error(error: zip::result::ZipError) -> Error {
    match error {
        zip::result::ZipError::Io(e) => e.into(),
        other => ErrorKind::Io {
            source: std::io::Error::other(other.to_string()),
        }
        .into(),
    }
}
