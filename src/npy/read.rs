//! Reading `.npy` files from slices, readers and paths, in the order of checks that defeats
//! the threat classes: magic and version, header length against the limit (from the field),
//! header against the bytes present, the bounded header parse, the plan against the spec and
//! the limits, the payload size against the bytes present, and only then the allocation.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::header::{parse_header_len, parse_magic, Header, Prelude, MAGIC_LEN};
use crate::array::{Array, ArrayView, DynArray};
use crate::dtype::{by_dtype, DType, Element};
use crate::error::{Error, Result};
use crate::limits::Limits;
use crate::payload::{self, Position};
use crate::spec::{ArraySpec, Bindings};
use crate::util::to_u64;

/// Options for reading `.npy` input: limits and whether bytes may follow the array.
///
/// The free functions ([`from_slice`](crate::npy::from_slice) and friends) use default
/// options; use this builder for anything else. A spec's own limit overrides
/// ([`ArraySpec::with_limits`]) apply on top of these limits.
///
/// ```
/// use arrayguard::{npy, ArraySpec, DType, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 1 << 20;
/// let bytes = npy::to_vec(&arrayguard::Array::from_vec(
///     arrayguard::Shape::vector(3)?, arrayguard::Order::C, vec![1u8, 2, 3])?.view())?;
/// let array = npy::ReadOptions::new().limits(limits).read_slice_dyn(&bytes, &ArraySpec::any())?;
/// assert_eq!(array.dtype(), DType::U8);
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    limits: Limits,
    allow_trailing: bool,
    c_order: bool,
}

impl ReadOptions {
    /// Default limits; trailing data is an error.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's limit overrides, if any,
    /// win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// These options with `spec`'s limit overrides applied.
    fn for_spec(&self, spec: &ArraySpec) -> ReadOptions {
        ReadOptions {
            limits: spec.limits_over(&self.limits),
            ..self.clone()
        }
    }

    /// Allows bytes after the payload (for streams holding several arrays). A reader is then
    /// left positioned just after the payload. Defaults to `false`: trailing data is
    /// [`Error::TrailingData`], which also refuses npy+zip polyglots.
    pub fn allow_trailing(mut self, allow: bool) -> Self {
        self.allow_trailing = allow;
        self
    }

    /// Delivers arrays in C (row-major) order. A Fortran-order payload is converted while it
    /// is read, a few slabs at a time through a small buffer, when the source's length is
    /// known (a slice, a regular file) and one slab (the elements sharing an index on the last
    /// axis) holds at most 4 MiB; otherwise it is converted after it is read, briefly holding
    /// two copies. When F and C order store the same sequence (a vector, say) the array is
    /// only relabelled; that is also the only case in which [`ReadOptions::read_slice`] can
    /// still borrow, and it gives an owned view otherwise. Defaults to `false`: arrays keep
    /// the file's order. A spec's `order` is checked against the file's order, before any
    /// conversion.
    ///
    /// ```
    /// use arrayguard::{npy, Array, ArraySpec, Order, Shape};
    /// let f = Array::from_vec(Shape::new([2, 3])?, Order::F, vec![0u16, 3, 1, 4, 2, 5])?;
    /// let bytes = npy::to_vec(&f.view())?;
    /// let c = npy::ReadOptions::new().c_order(true).read_slice::<u16>(&bytes, &ArraySpec::any())?;
    /// assert_eq!((c.order(), c.as_slice()), (Order::C, &[0, 1, 2, 3, 4, 5][..]));
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn c_order(mut self, c_order: bool) -> Self {
        self.c_order = c_order;
        self
    }

    /// Reads a typed array from a slice, borrowing it when aligned and native-endian. See
    /// [`from_slice`](crate::npy::from_slice).
    ///
    /// # Errors
    ///
    /// As [`from_slice`](crate::npy::from_slice).
    pub fn read_slice<'a, T: Element>(
        &self,
        bytes: &'a [u8],
        spec: &ArraySpec,
    ) -> Result<ArrayView<'a, T>> {
        let this = self.for_spec(spec);
        let (header, payload) = this.checked_slice(bytes, spec, Some(T::DTYPE))?;
        let offset = to_u64(header.data_offset());
        payload::view(header.plan(), payload, offset, spec.values(), self.c_order)
    }

    /// Reads an array of whatever dtype the file declares (and the spec allows) from a slice.
    /// The data is always copied.
    ///
    /// # Errors
    ///
    /// As [`from_slice`](crate::npy::from_slice).
    pub fn read_slice_dyn(&self, bytes: &[u8], spec: &ArraySpec) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let (header, payload) = this.checked_slice(bytes, spec, None)?;
        let offset = to_u64(header.data_offset());
        let values = spec.values();
        by_dtype!(header.dtype(), T => Ok(payload::view::<T>(header.plan(), payload, offset, values, this.c_order)?.into_owned().into()))
    }

    /// Reads a typed array from any reader. See [`from_reader`](crate::npy::from_reader).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](crate::npy::from_reader).
    pub fn read_reader<T: Element, R: Read>(
        &self,
        mut reader: R,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        let mut bindings = Bindings::new();
        let header =
            this.checked_reader_header(&mut reader, spec, Some(T::DTYPE), None, &mut bindings)?;
        this.reader_payload(&header, &mut reader, false, spec)
    }

    /// Reads an array of whatever dtype the file declares from any reader.
    ///
    /// # Errors
    ///
    /// As [`from_reader`](crate::npy::from_reader).
    pub fn read_reader_dyn<R: Read>(&self, mut reader: R, spec: &ArraySpec) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let mut bindings = Bindings::new();
        let header = this.checked_reader_header(&mut reader, spec, None, None, &mut bindings)?;
        by_dtype!(header.dtype(), T => Ok(this.reader_payload::<T, R>(&header, &mut reader, false, spec)?.into()))
    }

    /// Reads a typed array from a file. See [`from_path`](crate::npy::from_path).
    ///
    /// # Errors
    ///
    /// As [`from_path`](crate::npy::from_path).
    pub fn read_path<T: Element>(
        &self,
        path: impl AsRef<Path>,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let this = self.for_spec(spec);
        let (mut file, len) = open(path.as_ref())?;
        let mut bindings = Bindings::new();
        let header =
            this.checked_reader_header(&mut file, spec, Some(T::DTYPE), len, &mut bindings)?;
        this.reader_payload(&header, &mut file, len.is_some(), spec)
    }

    /// Reads an array of whatever dtype the file declares from a file.
    ///
    /// # Errors
    ///
    /// As [`from_path`](crate::npy::from_path).
    pub fn read_path_dyn(&self, path: impl AsRef<Path>, spec: &ArraySpec) -> Result<DynArray> {
        let this = self.for_spec(spec);
        let (mut file, len) = open(path.as_ref())?;
        let mut bindings = Bindings::new();
        let header = this.checked_reader_header(&mut file, spec, None, len, &mut bindings)?;
        by_dtype!(header.dtype(), T => Ok(this.reader_payload::<T, File>(&header, &mut file, len.is_some(), spec)?.into()))
    }

    /// Checks a file from a reader as [`ReadOptions::read_reader_dyn`] (or, with `file_len`,
    /// [`ReadOptions::read_path_dyn`]) reads it, without holding the payload: see
    /// [`check_path`](crate::npy::check_path). Named dimensions bind in `bindings`.
    pub(crate) fn check_stream<R: Read>(
        &self,
        reader: &mut R,
        spec: &ArraySpec,
        file_len: Option<u64>,
        bindings: &mut Bindings,
    ) -> Result<Header> {
        let this = self.for_spec(spec);
        let header = this.checked_reader_header(reader, spec, None, file_len, bindings)?;
        let offset = to_u64(header.data_offset());
        let at = Position {
            offset,
            known_len: file_len.is_some(),
            to_end: !this.allow_trailing,
        };
        let values = spec.values();
        by_dtype!(header.dtype(), T => payload::stream::<T, R>(header.plan(), reader, at, values))?;
        Ok(header)
    }

    fn checked_slice<'a>(
        &self,
        bytes: &'a [u8],
        spec: &ArraySpec,
        want: Option<DType>,
    ) -> Result<(Header, &'a [u8])> {
        let header = header_from_slice(bytes, &self.limits)?;
        check_plan(&header, spec, &self.limits, want, &mut Bindings::new())?;
        let rest = &bytes[header.data_offset()..];
        let payload = header.check_available(to_u64(rest.len()), self.allow_trailing)?;
        // `check_available` proved `nbytes <= rest.len()`.
        Ok((header, &rest[..payload]))
    }

    /// Reads and checks the header. `file_len` is the source's total length when known.
    fn checked_reader_header<R: Read>(
        &self,
        reader: &mut R,
        spec: &ArraySpec,
        want: Option<DType>,
        file_len: Option<u64>,
        bindings: &mut Bindings,
    ) -> Result<Header> {
        let header = header_from_reader(reader, &self.limits, file_len)?;
        check_plan(&header, spec, &self.limits, want, bindings)?;
        if let Some(len) = file_len {
            header.check_available(
                len.saturating_sub(to_u64(header.data_offset())),
                self.allow_trailing,
            )?;
        }
        Ok(header)
    }

    fn reader_payload<T: Element, R: Read>(
        &self,
        header: &Header,
        reader: &mut R,
        known_len: bool,
        spec: &ArraySpec,
    ) -> Result<Array<T>> {
        let at = Position {
            offset: to_u64(header.data_offset()),
            known_len,
            to_end: !self.allow_trailing,
        };
        payload::read(header.plan(), reader, at, spec.values(), self.c_order)
    }
}

/// Checks the plan against the spec (named dimensions bound in `bindings`) and limits, then
/// against the requested element type.
fn check_plan(
    header: &Header,
    spec: &ArraySpec,
    limits: &Limits,
    want: Option<DType>,
    bindings: &mut Bindings,
) -> Result<()> {
    header.plan().check_with(spec, limits, bindings)?;
    match want {
        Some(dtype) if dtype != header.dtype() => Err(Error::DTypeMismatch {
            expected: format!("`{dtype}`").into_boxed_str(),
            found: header.dtype(),
        }),
        _ => Ok(()),
    }
}

/// Opens `path`, with its length when it is a regular file.
pub(super) fn open(path: &Path) -> Result<(File, Option<u64>)> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    // Only a regular file's length is a promise about what reading will return.
    let len = meta.is_file().then_some(meta.len());
    Ok((file, len))
}

/// Parses the header at the start of `bytes` without touching the payload.
///
/// # Errors
///
/// Every header error of the format (see [`read_header_from`]).
pub fn read_header(bytes: &[u8], limits: &Limits) -> Result<Header> {
    header_from_slice(bytes, limits)
}

/// Reads and parses a header from `reader`, consuming exactly the prelude and header bytes.
///
/// # Errors
///
/// [`Error::BadMagic`], [`Error::UnsupportedVersion`], [`Error::LimitExceeded`] (header
/// length, checked from the length field before reading the header; ndim),
/// [`Error::InvalidHeader`], [`Error::InvalidDescr`], [`Error::UnsupportedDtype`],
/// [`Error::PickleNotAllowed`], [`Error::ShapeOverflow`], [`Error::Io`].
pub fn read_header_from<R: Read>(reader: R, limits: &Limits) -> Result<Header> {
    let mut reader = reader;
    header_from_reader(&mut reader, limits, None)
}

fn header_from_slice(bytes: &[u8], limits: &Limits) -> Result<Header> {
    let (major, minor, width) = parse_magic(&bytes[..bytes.len().min(MAGIC_LEN)])?;
    let field = &bytes[MAGIC_LEN..bytes.len().min(MAGIC_LEN + width)];
    let prelude = parse_header_len((major, minor), field, limits)?;
    let text = header_text(bytes, &prelude)?;
    Header::parse(prelude, text, limits)
}

fn header_text<'a>(bytes: &'a [u8], prelude: &Prelude) -> Result<&'a [u8]> {
    let available = bytes.len().saturating_sub(prelude.prefix_len);
    bytes
        .get(prelude.prefix_len..)
        .and_then(|rest| rest.get(..prelude.header_len))
        .ok_or_else(|| truncated_header(prelude, available))
}

fn truncated_header(prelude: &Prelude, available: usize) -> Error {
    Error::InvalidHeader {
        offset: to_u64(prelude.prefix_len.saturating_add(available)),
        reason: format!(
            "input ends inside the header: expected {} header bytes, found {available}",
            prelude.header_len
        )
        .into_boxed_str(),
    }
}

fn header_from_reader<R: Read>(
    reader: &mut R,
    limits: &Limits,
    file_len: Option<u64>,
) -> Result<Header> {
    let mut first = [0u8; MAGIC_LEN + 4];
    let got = payload::read_full(reader, &mut first[..MAGIC_LEN])?;
    let (major, minor, width) = parse_magic(&first[..got])?;
    let got = payload::read_full(reader, &mut first[MAGIC_LEN..MAGIC_LEN + width])?;
    let prelude = parse_header_len((major, minor), &first[MAGIC_LEN..MAGIC_LEN + got], limits)?;
    if let Some(len) = file_len {
        let available = len.saturating_sub(to_u64(prelude.prefix_len));
        if to_u64(prelude.header_len) > available {
            return Err(truncated_header(
                &prelude,
                usize::try_from(available).unwrap_or(usize::MAX),
            ));
        }
    }
    // The header length passed the limit, but a stream may still lie about it: read through
    // `take` so the buffer grows with the bytes that actually arrive.
    let mut text = Vec::new();
    let want = to_u64(prelude.header_len);
    reader.take(want).read_to_end(&mut text)?;
    if text.len() < prelude.header_len {
        return Err(truncated_header(&prelude, text.len()));
    }
    Header::parse(prelude, &text, limits)
}
