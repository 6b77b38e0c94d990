//! Reading `.npy` files from slices, readers and paths, in the order of checks that defeats
//! the threat classes: magic and version, header length against the limit (from the field),
//! header against the bytes present, the bounded header parse, the plan against the spec and
//! the limits, the payload size against the bytes present, and only then the allocation.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::header::{parse_header_len, parse_magic, Header, Prelude, MAGIC_LEN};
use crate::dtype::by_dtype;
use crate::error::{Error, ErrorKind, Result};
use crate::limits::Limits;
use crate::options::{open, threads_doc, Core, ReaderPayload, SlicePayload, ThreadedSlice};
use crate::payload::{self, SourceInfo};
use crate::spec::{ArraySpec, Bindings};
use crate::target::{check_requested, Target};
use crate::util::to_u64;

/// Options for reading and checking `.npy` input: limits, whether bytes may follow the array,
/// and the memory order of the output. Every read and check of the format goes through it;
/// the free functions ([`from_slice`](crate::npy::from_slice) and friends) are its defaults.
///
/// The type parameter of the readers picks the output ([`Target`]): an element type `T` gives
/// `Array<T>` (a view from a slice) and refuses files of another dtype; [`DynArray`] takes the
/// dtype the file declares, within the spec. A spec's own limit overrides
/// ([`ArraySpec::with_limits`]) apply on top of these limits.
///
/// [`DynArray`]: crate::DynArray
///
/// ```
/// use arrayguard::{npy, ArraySpec, DType, DynArray, Limits};
/// let mut limits = Limits::default();
/// limits.max_bytes = 1 << 20;
/// let bytes = npy::to_vec(&arrayguard::Array::from_vec(
///     arrayguard::Shape::vector(3)?, arrayguard::Order::C, vec![1u8, 2, 3])?.view())?;
/// let options = npy::ReadOptions::new().limits(limits);
/// let array = options.read_slice::<DynArray>(&bytes, &ArraySpec::any())?;
/// assert_eq!(array.dtype(), DType::U8);
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    core: Core,
}

impl ReadOptions {
    /// Default limits; trailing data is an error; arrays keep the file's order.
    pub fn new() -> Self {
        Self::default()
    }

    /// The limits set.
    pub(crate) fn limits_ref(&self) -> &Limits {
        &self.core.limits
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's limit overrides, if any,
    /// win over these.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.core.limits = limits;
        self
    }

    /// Allows bytes after the payload (for streams holding several arrays). A reader is then
    /// left positioned just after the payload. Defaults to `false`: trailing data is
    /// [`ErrorKind::TrailingData`], which also refuses npy+zip polyglots.
    pub fn allow_trailing(mut self, allow: bool) -> Self {
        self.core.allow_trailing = allow;
        self
    }

    /// Delivers arrays in C (row-major) order. A Fortran-order payload is converted while it
    /// is read, a few slabs at a time through a small buffer (on several threads for a large
    /// payload, see [`ReadOptions::threads`]), when the source's length is
    /// known (a slice, a regular file) and one slab (the elements sharing an index on the last
    /// axis) holds at most 4 MiB; otherwise it is converted after it is read, briefly holding
    /// two copies. When F and C order store the same sequence (a vector, say) the array is
    /// only relabelled; that is also the only case in which [`ReadOptions::read_slice`] can
    /// still borrow, and it gives an owned view otherwise. Defaults to `false`: arrays keep
    /// the file's order. A spec's `order` is checked against the file's order, before any
    /// conversion. Checks ([`ReadOptions::check_path`]) ignore it.
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
        self.core.c_order = c_order;
        self
    }

    #[doc = threads_doc!()]
    ///
    /// ```
    /// use arrayguard::npy;
    /// let one_thread = npy::ReadOptions::new().threads(1);
    /// # let _ = one_thread;
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.core.set_threads(threads);
        self
    }

    /// The fewest payload bytes per thread (default 4 MiB), for tests that exercise the
    /// parallel read on small inputs. Not part of the stable API.
    #[doc(hidden)]
    pub fn parallel_min_bytes(mut self, bytes: usize) -> Self {
        self.core.set_parallel_min_bytes(bytes);
        self
    }

    /// Reads an array from a slice: with an element type, a view that borrows `bytes` when
    /// the payload is aligned and native-endian; with [`DynArray`](crate::DynArray), a copy.
    /// See [`from_slice`](crate::npy::from_slice).
    ///
    /// # Errors
    ///
    /// As [`from_slice`](crate::npy::from_slice).
    pub fn read_slice<'a, O: Target>(
        &self,
        bytes: &'a [u8],
        spec: &ArraySpec,
    ) -> Result<O::View<'a>> {
        let limits = self.core.limits_for(spec);
        let header = header_from_slice(bytes, &limits)?;
        check_header::<O>(&header, spec, &limits, &mut Bindings::new())?;
        let rest = &bytes[header.data_offset()..];
        let len = header.check_available(to_u64(rest.len()), self.core.allow_trailing)?;
        O::view(ThreadedSlice {
            payload: SlicePayload {
                plan: header.plan(),
                // `check_available` proved `nbytes <= rest.len()`.
                bytes: &rest[..len],
                offset: to_u64(header.data_offset()),
                values: spec.values(),
                c_order: self.core.c_order,
            },
            threads: self.core.threads,
        })
    }

    /// Reads an array from any reader into an owned array. See
    /// [`from_reader`](crate::npy::from_reader).
    ///
    /// # Errors
    ///
    /// As [`from_reader`](crate::npy::from_reader).
    pub fn read_reader<O: Target, R: Read>(
        &self,
        mut reader: R,
        spec: &ArraySpec,
    ) -> Result<O::Owned> {
        self.read_stream::<O, _>(&mut reader, None, None, spec, &mut Bindings::new())
    }

    /// Reads an array from a file into an owned array. See [`from_path`](crate::npy::from_path).
    ///
    /// # Errors
    ///
    /// As [`from_path`](crate::npy::from_path).
    pub fn read_path<O: Target>(
        &self,
        path: impl AsRef<Path>,
        spec: &ArraySpec,
    ) -> Result<O::Owned> {
        let (file, len) = open(path.as_ref())?;
        let positional = len.is_some().then_some(&file);
        self.read_stream::<O, _>(&mut &file, len, positional, spec, &mut Bindings::new())
    }

    /// Checks a `.npy` file at `path` against `spec` and these options without holding its
    /// payload, and returns its header.
    ///
    /// Everything [`ReadOptions::read_path`] checks (into a [`DynArray`](crate::DynArray)) is
    /// checked, in the same order and with the same errors: the header, the spec (dtype, byte
    /// order, shape with named dimensions bound within this array, memory order), the limits
    /// with the spec's overrides applied, the file's length against the declared size, then
    /// the payload: `bool` bytes and the spec's value constraints, on elements converted to
    /// native byte order. The result is `Ok` exactly when the read would accept the file, and
    /// an error has the same code and message (a value error counts every offending element
    /// and names the same first ones).
    ///
    /// The payload is read in chunks of whole elements, at most 1 MiB each, into one buffer
    /// that is reused (one per thread when a large file is checked on several threads, see
    /// [`ReadOptions::threads`]): memory use does not grow with the file. A payload with
    /// nothing to check (no value constraints, a dtype other than `bool`) is not read at all:
    /// the file's length, compared with the declared size, is all a read could fail on. The limits still apply to the
    /// declared size, as they do for the readers; raise [`Limits::max_bytes`] and
    /// [`Limits::max_elements`] to check larger files.
    ///
    /// # Errors
    ///
    /// The errors of [`from_path`](crate::npy::from_path), except [`ErrorKind::DTypeMismatch`]
    /// for a requested element type (there is none) and [`ErrorKind::OutOfMemory`] for the
    /// payload buffer (there is none).
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{npy, Array, ArraySpec, DType, Order, Shape, ValueSpec};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("probabilities.npy");
    /// let array = Array::from_vec(Shape::vector(3)?, Order::C, vec![0.25f32, 0.5, 1.5])?;
    /// std::fs::write(&path, npy::to_vec(&array.view())?)?;
    ///
    /// let options = npy::ReadOptions::new();
    /// let spec = ArraySpec::new(DType::F32).with_values(ValueSpec::new().min(0.0).max(1.0));
    /// let err = options.check_path(&path, &spec).unwrap_err();
    /// assert_eq!(err.code(), "value.above_max");
    ///
    /// let header = options.check_path(&path, &ArraySpec::new(DType::F32))?;
    /// assert_eq!(header.shape().dims(), &[3]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_path(&self, path: impl AsRef<Path>, spec: &ArraySpec) -> Result<Header> {
        let (file, len) = open(path.as_ref())?;
        let positional = len.is_some().then_some(&file);
        self.check_stream(&mut &file, len, positional, spec, &mut Bindings::new())
    }

    /// Checks a `.npy` file from a reader as [`ReadOptions::check_path`] checks a path,
    /// without holding its payload. Unless trailing data is allowed, the reader must end right
    /// after the payload.
    ///
    /// The result is that of [`ReadOptions::read_reader`]: a reader's length is unknown, so a
    /// truncated or trailing payload is found at its end, and is reported before an invalid
    /// `bool` byte or a value found earlier, as the reader reports it.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::check_path`].
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{npy, Array, ArraySpec, DType, Order, Shape, ValueSpec};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let array = Array::from_vec(Shape::vector(2)?, Order::C, vec![1i16, 4])?;
    /// let bytes = npy::to_vec(&array.view())?;
    /// let spec = ArraySpec::new(DType::I16).with_values(ValueSpec::new().one_of([1, 2, 3]));
    /// let err = npy::ReadOptions::new().check_reader(&bytes[..], &spec).unwrap_err();
    /// assert_eq!(err.code(), "value.not_in_enum");
    /// assert!(err.to_string().ends_with("[1] = 4"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_reader<R: Read>(&self, mut reader: R, spec: &ArraySpec) -> Result<Header> {
        self.check_stream(&mut reader, None, None, spec, &mut Bindings::new())
    }

    /// The check of [`ReadOptions::check_path`] on a reader whose total length is `file_len`
    /// when known, named dimensions bound in `bindings` (shared by the arrays of a bundle).
    /// `file` is the reader as a file read from its start, for the parallel check.
    pub(crate) fn check_stream<R: Read>(
        &self,
        reader: &mut R,
        file_len: Option<u64>,
        file: Option<&File>,
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<Header> {
        let limits = self.core.limits_for(spec);
        let header =
            self.checked_header::<crate::DynArray, R>(reader, file_len, spec, &limits, bindings)?;
        let at = self.source_info(&header, file_len);
        let values = spec.values();
        let par = self
            .core
            .par(file.map(|f| (f, to_u64(header.data_offset()))));
        by_dtype!(header.dtype(), T => payload::stream::<T, R>(header.plan(), reader, at, values, par))?;
        Ok(header)
    }

    /// The read of [`ReadOptions::read_reader`] on a reader whose total length is `file_len`
    /// when known, named dimensions bound in `bindings`. `file` is the reader as a file read
    /// from its start, for the parallel read.
    pub(crate) fn read_stream<O: Target, R: Read>(
        &self,
        reader: &mut R,
        file_len: Option<u64>,
        file: Option<&File>,
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<O::Owned> {
        let limits = self.core.limits_for(spec);
        let header = self.checked_header::<O, R>(reader, file_len, spec, &limits, bindings)?;
        O::owned(ReaderPayload {
            plan: header.plan(),
            reader,
            at: self.source_info(&header, file_len),
            values: spec.values(),
            c_order: self.core.c_order,
            par: self
                .core
                .par(file.map(|f| (f, to_u64(header.data_offset())))),
        })
    }

    /// Reads and checks the header. `file_len` is the source's total length when known.
    fn checked_header<O: Target, R: Read>(
        &self,
        reader: &mut R,
        file_len: Option<u64>,
        spec: &ArraySpec,
        limits: &Limits,
        bindings: &mut Bindings,
    ) -> Result<Header> {
        let header = header_from_reader(reader, limits, file_len)?;
        check_header::<O>(&header, spec, limits, bindings)?;
        if let Some(len) = file_len {
            header.check_available(
                len.saturating_sub(to_u64(header.data_offset())),
                self.core.allow_trailing,
            )?;
        }
        Ok(header)
    }

    fn source_info(&self, header: &Header, file_len: Option<u64>) -> SourceInfo {
        SourceInfo {
            offset: to_u64(header.data_offset()),
            known_len: file_len.is_some(),
            to_end: !self.core.allow_trailing,
        }
    }
}

/// Checks the header's plan against the spec (named dimensions bound in `bindings`) and the
/// limits, then against the requested element type.
fn check_header<O: Target>(
    header: &Header,
    spec: &ArraySpec,
    limits: &Limits,
    bindings: &mut Bindings,
) -> Result<()> {
    header.plan().check_with(spec, limits, bindings)?;
    check_requested::<O>(header.dtype())
}

/// Reads and parses a `.npy` header from `reader`, consuming exactly the prelude and header
/// bytes and leaving the reader at the start of the payload, which it does not touch. A
/// slice is a reader: pass `&bytes[..]`.
///
/// # Errors
///
/// [`ErrorKind::BadMagic`], [`ErrorKind::UnsupportedVersion`], [`ErrorKind::LimitExceeded`] (header
/// length, checked from the length field before reading the header; ndim),
/// [`ErrorKind::InvalidHeader`], [`ErrorKind::InvalidDescr`], [`ErrorKind::UnsupportedDtype`],
/// [`ErrorKind::PickleNotAllowed`], [`ErrorKind::ShapeOverflow`], [`ErrorKind::Io`].
///
/// # Examples
///
/// ```
/// use arrayguard::{npy, Array, DType, Limits, Order, Shape};
/// let bytes = npy::to_vec(&Array::from_vec(Shape::new([2, 3])?, Order::C, vec![0f32; 6])?.view())?;
/// let header = npy::read_header(&bytes[..], &Limits::default())?;
/// assert_eq!((header.dtype(), header.shape().dims()), (DType::F32, &[2, 3][..]));
/// # Ok::<(), arrayguard::Error>(())
/// ```
pub fn read_header<R: Read>(reader: R, limits: &Limits) -> Result<Header> {
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
    Error::from(ErrorKind::InvalidHeader {
        reason: format!(
            "input ends inside the header: expected {} header bytes, found {available}",
            prelude.header_len
        )
        .into_boxed_str(),
    })
    .at_offset(to_u64(prelude.prefix_len.saturating_add(available)))
}

fn header_from_reader<R: Read>(
    reader: &mut R,
    limits: &Limits,
    file_len: Option<u64>,
) -> Result<Header> {
    // Every prelude has at least two length bytes: read them with the magic, in one call.
    let mut first = [0u8; MAGIC_LEN + 4];
    let got = payload::read_full(reader, &mut first[..MAGIC_LEN + 2])?;
    let (major, minor, width) = parse_magic(&first[..got.min(MAGIC_LEN)])?;
    let mut end = got;
    if got == MAGIC_LEN + 2 {
        end += payload::read_full(reader, &mut first[MAGIC_LEN + 2..MAGIC_LEN + width])?;
    }
    let prelude = parse_header_len((major, minor), &first[MAGIC_LEN..end], limits)?;
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
    // `take` so the buffer grows with the bytes that actually arrive. A file holds them (its
    // length was compared above): one read into a buffer of exactly that size.
    let mut text = Vec::new();
    let want = to_u64(prelude.header_len);
    if file_len.is_some() {
        text.resize(prelude.header_len, 0);
        let got = payload::read_full(reader, &mut text)?;
        text.truncate(got);
    } else {
        reader.take(want).read_to_end(&mut text)?;
    }
    if text.len() < prelude.header_len {
        return Err(truncated_header(&prelude, text.len()));
    }
    Header::parse(prelude, &text, limits)
}
