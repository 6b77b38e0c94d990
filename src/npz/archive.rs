//! An opened `.npz` archive: the strict checks of its container, then its members read
//! through the `.npy` front-end, one at a time, each held to its declared size and CRC-32.

use std::collections::HashSet;
use std::io::{Read, Seek};

use zip::result::ZipError;
use zip::CompressionMethod;

use crate::array::DynArray;
use crate::bundle::{BundleChecker, Verdict};
use crate::error::{Error, ErrorKind, Fault, LimitKind, Result};
use crate::limits::Limits;
use crate::npy;
use crate::spec::{ArraySpec, Bindings};
use crate::target::Target;
use crate::util::to_u64;

use super::member::{unwrap_error, MemberReader};
use super::tail;

/// How a member's bytes are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Compression {
    /// As they are (`numpy.savez`).
    Stored,
    /// Deflated (`numpy.savez_compressed`).
    Deflated,
}

/// A member of an archive, as its central directory entry declares it. Nothing of it has been
/// inflated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    name: Box<str>,
    array: Box<str>,
    index: usize,
    compression: Compression,
    /// A compression method other than stored and deflate, refused when the archive opens.
    unsupported: Option<u16>,
    compressed_size: u64,
    size: u64,
    crc32: u32,
    offset: u64,
}

impl Member {
    /// The member's name in the archive, such as `x.npy`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The array's name: the member's name without its `.npy` suffix, as NumPy names it
    /// (`x.npy` is `x`; a name without the suffix is kept whole).
    pub fn array(&self) -> &str {
        &self.array
    }

    /// How its bytes are stored.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Bytes it takes in the archive.
    pub fn compressed_size(&self) -> u64 {
        self.compressed_size
    }

    /// Bytes of its `.npy` file, as declared (reading checks it).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The CRC-32 of its `.npy` file, as declared (reading checks it).
    pub fn crc32(&self) -> u32 {
        self.crc32
    }

    /// Where its local header starts in the archive.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// An `.npz` archive whose container passed every check (see the [module docs](super)); its
/// members are read, checked or inspected one at a time, by array name.
///
/// Open one with [`npz::ReadOptions`](super::ReadOptions) or the `npz::open_*` functions.
pub struct Archive<R> {
    zip: zip::ZipArchive<R>,
    members: Vec<Member>,
    options: npy::ReadOptions,
}

impl<R> std::fmt::Debug for Archive<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("members", &self.members)
            .finish_non_exhaustive()
    }
}

impl<R: Read + Seek> Archive<R> {
    /// Opens the archive in `reader`, `len` bytes long, with `options`' limits; checks the
    /// container and every member's entry.
    pub(crate) fn open(mut reader: R, len: u64, options: npy::ReadOptions) -> Result<Self> {
        let limits = options.limits_ref().clone();
        let entries = tail::read(&mut reader, len, &limits)?;
        let config = zip::read::Config {
            archive_offset: zip::read::ArchiveOffset::Known(0),
        };
        let mut zip = zip::ZipArchive::with_config(config, reader).map_err(zip_error)?;
        // Structure before names and overlaps: an entry's bytes cannot run past the input
        // (a size of 0xFFFFFFFF without its zip64 field is read literally).
        for index in 0..zip.len() {
            let entry = zip.by_index_data(index).map_err(zip_error)?;
            let (start, size) = (entry.header_start(), entry.compressed_size());
            if start.saturating_add(size) > len {
                let name = entry.name().map_or_else(
                    |_| entry.name_raw().escape_ascii().to_string(),
                    |n| n.escape_debug().to_string(),
                );
                return Err(invalid(&format!(
                    "the entry's {size} bytes at byte {start} run past the end of the archive"
                ))
                .in_member(&name));
            }
        }
        if zip.has_duplicate_names() {
            return Err(ErrorKind::DuplicateMember { name: None }.into());
        }
        // The `zip` crate picks its own end record (the last one it can use, even one followed
        // by bytes): its directory must be the one whose count `tail::read` checked.
        if to_u64(zip.len()) != entries {
            return Err(invalid(
                "the central directory read is not the one the end record declares",
            ));
        }
        let mut members = Vec::with_capacity(zip.len());
        let mut arrays = HashSet::with_capacity(zip.len());
        for index in 0..zip.len() {
            let member = entry(&zip, index)?;
            if !arrays.insert(member.array.clone()) {
                return Err(Error::from(ErrorKind::DuplicateMember {
                    name: Some(member.array.clone()),
                })
                .in_member(&member.name));
            }
            members.push(member);
        }
        if zip.has_overlapping_entries().map_err(zip_error)? {
            return Err(ErrorKind::OverlappingMembers.into());
        }
        zip.validate_header_consistency().map_err(zip_error)?;
        check_entries(&zip, &members, &limits)?;
        Ok(Archive {
            zip,
            members,
            options,
        })
    }

    /// The members, in the archive's order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member holding the array `array` (`x` for `x.npy`).
    pub fn member(&self, array: &str) -> Option<&Member> {
        self.members.iter().find(|m| &*m.array == array)
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether the archive has no members (`numpy.savez` with no arrays writes one).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The archive's reader.
    pub fn into_inner(self) -> R {
        self.zip.into_inner()
    }

    /// Reads the `.npy` header of the array `array`, inflating only the header's bytes. The
    /// member's CRC-32 is not checked (the payload is not read).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingArray`] when no member holds `array`; the errors of
    /// [`npy::read_header`], located in the member.
    pub fn header(&mut self, array: &str) -> Result<npy::Header> {
        let index = self.index(array)?;
        let limits = self.options.limits_ref().clone();
        self.with_member(index, false, |reader, _| npy::read_header(reader, &limits))
    }

    /// Reads the array `array` (`x` for member `x.npy`) as [`npy::ReadOptions::read_reader`]
    /// reads a `.npy` file, then checks the member's size and CRC-32.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingArray`] when no member holds `array`; the errors of
    /// [`npy::ReadOptions::read_reader`], located in the member (offsets from the start of
    /// its `.npy` bytes); [`ErrorKind::MemberSizeMismatch`] and [`ErrorKind::CrcMismatch`]
    /// when the member's bytes are not what its entry declares, which win over the `.npy`
    /// error they may cause; [`ErrorKind::InvalidArchive`] for a corrupt deflate stream.
    pub fn read<O: Target>(&mut self, array: &str, spec: &ArraySpec) -> Result<O::Owned> {
        let index = self.index(array)?;
        self.read_index::<O>(index, spec, &mut Bindings::new())
    }

    /// Reads every member, in the archive's order, each against `spec`, as
    /// [`Archive::read`] does. Stops at the first error.
    ///
    /// # Errors
    ///
    /// As [`Archive::read`].
    pub fn read_all(&mut self, spec: &ArraySpec) -> Result<Vec<(String, DynArray)>> {
        let mut arrays = Vec::with_capacity(self.members.len());
        for index in 0..self.members.len() {
            let array = self.read_index::<DynArray>(index, spec, &mut Bindings::new())?;
            arrays.push((self.members[index].array.to_string(), array));
        }
        Ok(arrays)
    }

    /// Checks the array `array` against `spec` without holding its payload, as
    /// [`npy::ReadOptions::check_reader`] checks a `.npy` file, and the member's size and
    /// CRC-32; returns its header. Memory use does not grow with the member.
    ///
    /// # Errors
    ///
    /// As [`Archive::read`], except [`ErrorKind::DTypeMismatch`] for a requested element
    /// type and [`ErrorKind::OutOfMemory`].
    pub fn check(&mut self, array: &str, spec: &ArraySpec) -> Result<npy::Header> {
        let index = self.index(array)?;
        let options = self.options.clone();
        self.check_index(index, spec, &options, &mut Bindings::new())
    }

    /// Checks every member against the bundle of `checker`, members bound to the bundle's
    /// arrays by array name (`X.npy` is `X`), named dimensions shared across them, each
    /// member checked as [`Archive::check`] checks it with the checker's limits. The verdicts
    /// are those of [`BundleChecker::check`]: members the bundle does not know, then the
    /// bundle's arrays in order, missing ones included.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{npz, Array, ArraySpec, BundleChecker, BundleSpec, DType, DynArray, Order, Shape, ShapeSpec};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let x = Array::from_vec(Shape::new([3, 2])?, Order::C, vec![0f32; 6])?;
    /// let y = Array::from_vec(Shape::vector(3)?, Order::C, vec![0i64, 1, 1])?;
    /// let mut writer = npz::Writer::new(std::io::Cursor::new(Vec::new()), npz::Compression::Deflated);
    /// writer.add("X", &DynArray::from(x))?;
    /// writer.add("y", &DynArray::from(y))?;
    /// let bytes = writer.finish()?.into_inner();
    ///
    /// let bundle = BundleSpec::new()
    ///     .with_array("X", ArraySpec::new(DType::F32).with_shape_spec(ShapeSpec::parse("n 2")?))
    ///     .with_array("y", ArraySpec::new(DType::I64).with_shape_spec(ShapeSpec::parse("n")?))
    ///     .build()?;
    /// let verdicts = npz::open_slice(&bytes)?.check_bundle(&BundleChecker::new(&bundle));
    /// assert!(verdicts.iter().all(|v| v.is_ok()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn check_bundle(&mut self, checker: &BundleChecker<'_>) -> Vec<Verdict> {
        let names: Vec<Box<str>> = self.members.iter().map(|m| m.array.clone()).collect();
        let names: Vec<&str> = names.iter().map(|n| &**n).collect();
        checker.check_each(&names, |index, spec, limits, bindings| {
            let options = npy::ReadOptions::new().limits(limits.clone());
            self.check_index(index, spec, &options, bindings)
                .map(|header| header.plan().clone())
        })
    }

    fn index(&self, array: &str) -> Result<usize> {
        self.members
            .iter()
            .position(|m| &*m.array == array)
            .ok_or_else(|| {
                ErrorKind::MissingArray {
                    array: array.into(),
                }
                .into()
            })
    }

    fn read_index<O: Target>(
        &mut self,
        index: usize,
        spec: &ArraySpec,
        bindings: &mut Bindings,
    ) -> Result<O::Owned> {
        let options = self.options.clone();
        self.with_member(index, true, |reader, size| {
            options.read_stream::<O, _>(reader, Some(size), None, spec, bindings)
        })
    }

    fn check_index(
        &mut self,
        index: usize,
        spec: &ArraySpec,
        options: &npy::ReadOptions,
        bindings: &mut Bindings,
    ) -> Result<npy::Header> {
        self.with_member(index, true, |reader, size| {
            options.check_stream(reader, Some(size), None, spec, bindings)
        })
    }

    /// Runs `f` on the member's bytes (and their declared size), then, when `to_end`, checks
    /// the rest of them: size and CRC-32. When `f` finds the bytes invalid, the member's own
    /// integrity is checked first and its error wins. Errors are located in the member.
    fn with_member<T>(
        &mut self,
        index: usize,
        to_end: bool,
        f: impl FnOnce(&mut MemberReader<zip::read::ZipFile<'_, R>>, u64) -> Result<T>,
    ) -> Result<T> {
        let member = &self.members[index];
        let name = member.name.clone();
        let size = member.size;
        let raw = self.zip.by_index_raw(member.index).map_err(zip_error)?;
        let mut reader = MemberReader::new(raw, member);
        let result = match f(&mut reader, size).map_err(unwrap_error) {
            Ok(value) if to_end => reader.finish().map(|()| value),
            Err(e) if to_end && e.fault() == Fault::Input && !is_integrity(&e) => {
                reader.finish().and(Err(e))
            }
            other => other,
        };
        result.map_err(|e| e.in_member(&name))
    }
}

/// Whether `error` is about the member's container bytes rather than their content.
fn is_integrity(error: &Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::MemberSizeMismatch { .. }
            | ErrorKind::CrcMismatch { .. }
            | ErrorKind::InvalidArchive { .. }
    )
}

/// The member at `index` of the central directory, its name checked.
fn entry<R: Read + Seek>(zip: &zip::ZipArchive<R>, index: usize) -> Result<Member> {
    let entry = zip.by_index_data(index).map_err(zip_error)?;
    let name = entry.name().map_err(|_| {
        unsafe_name(
            &entry.name_raw().escape_ascii().to_string(),
            "it is not valid UTF-8",
        )
    })?;
    let name = name.into_owned();
    if let Err(reason) = check_name(&name) {
        let escaped = name.escape_debug().to_string();
        // The location names the member as it is, unless it holds control characters.
        let located = if name.chars().any(char::is_control) {
            &escaped
        } else {
            &name
        };
        return Err(unsafe_name(&escaped, reason).in_member(located));
    }
    let array = name.strip_suffix(".npy").unwrap_or(&name).into();
    // An unsupported method is refused with the other entry checks ([`check_entries`]).
    let (compression, method) = match entry.compression() {
        CompressionMethod::Stored => (Compression::Stored, None),
        CompressionMethod::Deflated => (Compression::Deflated, None),
        other => (Compression::Stored, Some(method_code(other))),
    };
    Ok(Member {
        array,
        index,
        compression,
        unsupported: method,
        compressed_size: entry.compressed_size(),
        size: entry.size(),
        crc32: entry.crc32(),
        offset: entry.header_start(),
        name: name.into(),
    })
}

/// The checks on every entry's declared numbers, before anything is inflated: encryption,
/// the member's size against the array limits, stored sizes, the compression ratio, and the
/// total.
fn check_entries<R: Read + Seek>(
    zip: &zip::ZipArchive<R>,
    members: &[Member],
    limits: &Limits,
) -> Result<()> {
    // The largest `.npy` file the limits allow: magic, version and length field (12 bytes),
    // the header, the payload.
    let largest = limits
        .max_bytes
        .saturating_add(to_u64(limits.max_header_bytes))
        .saturating_add(12);
    let mut total: u64 = 0;
    for member in members.iter() {
        let located = |e: Error| e.in_member(&member.name);
        let entry = zip.by_index_data(member.index).map_err(zip_error)?;
        let unsupported = if entry.encrypted() {
            Some("encryption".to_owned())
        } else {
            member
                .unsupported
                .map(|code| format!("compression method {code} ({})", method_name(code)))
        };
        if let Some(what) = unsupported {
            return Err(located(
                ErrorKind::UnsupportedMember { what: what.into() }.into(),
            ));
        }
        if member.size > largest {
            return Err(located(Error::limit(
                LimitKind::Bytes,
                limits.max_bytes,
                member.size,
            )));
        }
        if member.compression == Compression::Stored && member.compressed_size != member.size {
            return Err(located(
                ErrorKind::MemberSizeMismatch {
                    declared: member.size,
                    found: member.compressed_size,
                }
                .into(),
            ));
        }
        let ratio = member.size.div_ceil(member.compressed_size.max(1));
        if ratio > limits.max_compression_ratio {
            return Err(located(Error::limit(
                LimitKind::CompressionRatio,
                limits.max_compression_ratio,
                ratio,
            )));
        }
        total = total.saturating_add(member.size);
        if total > limits.max_archive_bytes {
            return Err(located(Error::limit(
                LimitKind::ArchiveBytes,
                limits.max_archive_bytes,
                total,
            )));
        }
    }
    Ok(())
}

/// Why `name` is not a safe relative path, if it is not.
pub(crate) fn check_name(name: &str) -> std::result::Result<(), &'static str> {
    let bytes = name.as_bytes();
    if name.is_empty() {
        Err("it is empty")
    } else if name.contains('\0') {
        Err("it holds a NUL byte")
    } else if name.contains('\\') {
        Err("it holds a backslash")
    } else if name.starts_with('/') {
        Err("it is an absolute path")
    } else if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        Err("it starts with a drive letter")
    } else if name.split('/').any(|part| part == "..") {
        Err("it has a `..` component")
    } else {
        Ok(())
    }
}

fn unsafe_name(escaped: &str, reason: &'static str) -> Error {
    ErrorKind::UnsafeMemberName {
        name: escaped.into(),
        reason,
    }
    .into()
}

fn method_code(method: CompressionMethod) -> u16 {
    #[allow(deprecated)]
    method.to_u16()
}

fn method_name(code: u16) -> &'static str {
    match code {
        1..=6 => "shrink, reduce or implode",
        9 => "deflate64",
        12 => "bzip2",
        14 => "lzma",
        93 => "zstandard",
        95 => "xz",
        98 => "ppmd",
        99 => "aes encryption",
        _ => "unknown",
    }
}

fn invalid(reason: &str) -> Error {
    ErrorKind::InvalidArchive {
        reason: reason.into(),
    }
    .into()
}

/// The `zip` crate's error as ours: every structural problem is an invalid archive.
fn zip_error(error: ZipError) -> Error {
    match error {
        ZipError::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            invalid("the input ends inside the archive")
        }
        ZipError::Io(e) => e.into(),
        ZipError::InvalidArchive(reason) => invalid(&reason),
        other => invalid(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn member_names_are_safe_relative_paths() {
        for ok in [
            "x.npy",
            "group/x.npy",
            "température.npy",
            "a..b.npy",
            "..x.npy",
            "x",
        ] {
            assert_eq!(check_name(ok), Ok(()), "{ok:?}");
        }
        for (bad, reason) in [
            ("", "it is empty"),
            ("x\0.npy", "it holds a NUL byte"),
            ("a\\x.npy", "it holds a backslash"),
            ("/x.npy", "it is an absolute path"),
            ("C:x.npy", "it starts with a drive letter"),
            ("../x.npy", "it has a `..` component"),
            ("a/../../x.npy", "it has a `..` component"),
            ("a/..", "it has a `..` component"),
        ] {
            assert_eq!(check_name(bad), Err(reason), "{bad:?}");
        }
    }
}
