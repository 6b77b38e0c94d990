//! `.npz` archives: the zip files of `.npy` members that `numpy.savez` and
//! `numpy.savez_compressed` write.
//!
//! Which function to call:
//!
//! | input | every array, default limits | one member, a check, a bundle, other limits |
//! | --- | --- | --- |
//! | `&[u8]` | [`from_slice`] | [`open_slice`] / [`ReadOptions::open_slice`] → [`Archive`] |
//! | `impl Read + Seek` | [`from_reader`] | [`open_reader`] / [`ReadOptions::open_reader`] → [`Archive`] |
//! | a path | [`from_path`] | [`open_path`] / [`ReadOptions::open_path`] → [`Archive`] |
//!
//! An [`Archive`] lists its [`members`](Archive::members) with their declared sizes (nothing
//! inflated), reads one by array name ([`Archive::read`], `x` for the member `x.npy`, as
//! NumPy names them), reads them all ([`Archive::read_all`]), checks one without holding its
//! payload ([`Archive::check`]) or checks them all against a bundle with named dimensions
//! shared ([`Archive::check_bundle`]). [`Writer`] writes archives that `numpy.load` reads.
//!
//! # What opening checks, before anything is inflated
//!
//! In this order; the first failure is the error:
//!
//! 1. The end-of-central-directory record is found in the last 65 557 bytes (the most its
//!    comment allows) and its comment ends the input: bytes after it are
//!    [`ErrorKind::ArchiveTrailingData`] (a polyglot). It is the only end record the `zip`
//!    crate will try: its comment holds no other, it describes one disk, and its central
//!    directory ends where it (or its zip64 record) starts. The entries it declares, and its
//!    directory's size at 1 KiB per entry, are within [`Limits::max_members`].
//! 2. The central directory is read by the `zip` crate (zip64 where sizes need it), the
//!    archive starting at byte 0: any structural fault is [`ErrorKind::InvalidArchive`],
//!    and so are an entry whose data would run past the end of the input and a directory
//!    whose entry count is not the checked end record's (the crate may settle on another
//!    end record, such as one inside the checked record's comment).
//! 3. Names: no name twice, and no two members naming one array (`x.npy` and `x`)
//!    ([`ErrorKind::DuplicateMember`]); every name a safe relative path: not empty, not
//!    absolute, no `..` component, no backslash, no NUL, no drive letter
//!    ([`ErrorKind::UnsafeMemberName`]). Entries do not share bytes with each other or the
//!    directory ([`ErrorKind::OverlappingMembers`]: the quadratic zip bomb). Every local header
//!    agrees with its directory entry and no local header is left out of the directory
//!    ([`ErrorKind::InvalidArchive`]).
//! 4. Each entry, in the directory's order: not encrypted, stored or deflated only
//!    ([`ErrorKind::UnsupportedMember`]); its declared size at most the largest `.npy` file
//!    the limits allow ([`Limits::max_bytes`] plus [`Limits::max_header_bytes`] plus 12 bytes,
//!    else `limit.bytes`); a stored entry's two sizes equal
//!    ([`ErrorKind::MemberSizeMismatch`]); its declared size over its compressed size within
//!    [`Limits::max_compression_ratio`]; the declared sizes so far within
//!    [`Limits::max_archive_bytes`].
//!
//! # What reading a member checks
//!
//! The member's bytes go through the `.npy` front-end ([`npy::ReadOptions`]) with the
//! member's declared size as the file's length, so everything a `.npy` file is checked for
//! applies, against the spec and the limits, before the payload is allocated. The bytes are
//! inflated into the reader's own buffers and never past the declared size: a stream that
//! goes on, or ends early, is [`ErrorKind::MemberSizeMismatch`]; then the CRC-32 is checked
//! ([`ErrorKind::CrcMismatch`]) and the deflate stream must use exactly the compressed bytes.
//! When the `.npy` reader refuses the bytes themselves, the member's size and CRC-32 are
//! checked first and win: a corrupt member is reported as corrupt. Errors carry the member's
//! name ([`Error::member`](crate::Error::member)); their byte offsets count from the start
//! of the member's `.npy` bytes.
//!
//! The archive-level limits are the options' ([`ReadOptions::limits`]); a spec's limit
//! overrides apply to the members read with it.
//!
//! [`ErrorKind::ArchiveTrailingData`]: crate::ErrorKind::ArchiveTrailingData
//! [`ErrorKind::InvalidArchive`]: crate::ErrorKind::InvalidArchive
//! [`ErrorKind::DuplicateMember`]: crate::ErrorKind::DuplicateMember
//! [`ErrorKind::UnsafeMemberName`]: crate::ErrorKind::UnsafeMemberName
//! [`ErrorKind::OverlappingMembers`]: crate::ErrorKind::OverlappingMembers
//! [`ErrorKind::UnsupportedMember`]: crate::ErrorKind::UnsupportedMember
//! [`ErrorKind::MemberSizeMismatch`]: crate::ErrorKind::MemberSizeMismatch
//! [`ErrorKind::CrcMismatch`]: crate::ErrorKind::CrcMismatch
//! [`Limits::max_members`]: crate::Limits::max_members
//! [`Limits::max_bytes`]: crate::Limits::max_bytes
//! [`Limits::max_header_bytes`]: crate::Limits::max_header_bytes
//! [`Limits::max_compression_ratio`]: crate::Limits::max_compression_ratio
//! [`Limits::max_archive_bytes`]: crate::Limits::max_archive_bytes
//! [`npy::ReadOptions`]: crate::npy::ReadOptions

mod archive;
mod member;
mod tail;
mod write;

pub use archive::{Archive, Compression, Member};
pub use write::Writer;

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use crate::array::DynArray;
use crate::error::Result;
use crate::limits::Limits;
use crate::npy;
use crate::spec::ArraySpec;

/// Options for opening archives: the limits (for the archive and, under the spec's
/// overrides, its members) and the memory order of the arrays read.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    npy: npy::ReadOptions,
}

impl ReadOptions {
    /// Default limits; arrays keep the order their member declares.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limits. Defaults to [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.npy = self.npy.limits(limits);
        self
    }

    /// Delivers arrays in C order, converting Fortran-order members (as
    /// [`npy::ReadOptions::c_order`]). Off by default.
    pub fn c_order(mut self, c_order: bool) -> Self {
        self.npy = self.npy.c_order(c_order);
        self
    }

    /// Opens an archive held in memory.
    ///
    /// # Errors
    ///
    /// The container's errors (see the [module docs](self)).
    pub fn open_slice<'a>(&self, bytes: &'a [u8]) -> Result<Archive<Cursor<&'a [u8]>>> {
        let len = crate::util::to_u64(bytes.len());
        Archive::open(Cursor::new(bytes), len, self.npy.clone())
    }

    /// Opens an archive from a reader that can seek (its length is found by seeking to its
    /// end).
    ///
    /// # Errors
    ///
    /// The container's errors (see the [module docs](self)); [`ErrorKind::Io`](crate::ErrorKind::Io).
    pub fn open_reader<R: Read + Seek>(&self, mut reader: R) -> Result<Archive<R>> {
        let len = reader.seek(SeekFrom::End(0))?;
        Archive::open(reader, len, self.npy.clone())
    }

    /// Opens the archive at `path`, buffered.
    ///
    /// # Errors
    ///
    /// As [`ReadOptions::open_reader`].
    pub fn open_path(&self, path: impl AsRef<Path>) -> Result<Archive<BufReader<File>>> {
        self.open_reader(BufReader::new(File::open(path)?))
    }
}

/// Opens an archive held in memory, with default limits. See [`ReadOptions::open_slice`].
///
/// # Errors
///
/// The container's errors (see the [module docs](self)).
pub fn open_slice(bytes: &[u8]) -> Result<Archive<Cursor<&[u8]>>> {
    ReadOptions::new().open_slice(bytes)
}

/// Opens an archive from a reader that can seek, with default limits. See
/// [`ReadOptions::open_reader`].
///
/// # Errors
///
/// As [`ReadOptions::open_reader`].
pub fn open_reader<R: Read + Seek>(reader: R) -> Result<Archive<R>> {
    ReadOptions::new().open_reader(reader)
}

/// Opens the archive at `path`, with default limits. See [`ReadOptions::open_path`].
///
/// # Errors
///
/// As [`ReadOptions::open_reader`].
pub fn open_path(path: impl AsRef<Path>) -> Result<Archive<BufReader<File>>> {
    ReadOptions::new().open_path(path)
}

/// Reads every array of an archive held in memory, in the archive's order, each checked
/// against `spec`, with default limits.
///
/// # Errors
///
/// The container's errors (see the [module docs](self)); the first member's error, as
/// [`Archive::read`] reports it.
///
/// # Examples
///
/// ```
/// use arrayguard::{npz, ArraySpec};
///
/// // An `.npy` file is not an archive.
/// let err = npz::from_slice(b"\x93NUMPY\x01\x00", &ArraySpec::any()).unwrap_err();
/// assert_eq!(err.code(), "npz.invalid_archive");
/// ```
pub fn from_slice(bytes: &[u8], spec: &ArraySpec) -> Result<Vec<(String, DynArray)>> {
    open_slice(bytes)?.read_all(spec)
}

/// Reads every array of an archive from a reader that can seek. See [`from_slice`].
///
/// # Errors
///
/// As [`from_slice`].
pub fn from_reader<R: Read + Seek>(reader: R, spec: &ArraySpec) -> Result<Vec<(String, DynArray)>> {
    open_reader(reader)?.read_all(spec)
}

/// Reads every array of the archive at `path`. See [`from_slice`].
///
/// # Errors
///
/// As [`from_slice`]; [`ErrorKind::Io`](crate::ErrorKind::Io).
pub fn from_path(path: impl AsRef<Path>, spec: &ArraySpec) -> Result<Vec<(String, DynArray)>> {
    open_path(path)?.read_all(spec)
}
