//! The end of a zip archive, read before its central directory: where the end record is,
//! that nothing follows it, and how large a directory it declares. The `zip` crate reads the
//! directory afterwards; this only bounds what it will be asked to read.

use std::io::{Read, Seek, SeekFrom};

use crate::error::{Error, ErrorKind, LimitKind, Result};
use crate::limits::Limits;

/// The end-of-central-directory record's signature.
const EOCD: [u8; 4] = *b"PK\x05\x06";
/// Its fixed part: signature, disk numbers, entry counts, directory size and offset, comment
/// length.
const EOCD_LEN: usize = 22;
/// The zip64 end-of-central-directory locator, just before the end record.
const LOCATOR: [u8; 4] = *b"PK\x06\x07";
const LOCATOR_LEN: usize = 20;
/// The zip64 end-of-central-directory record.
const EOCD64: [u8; 4] = *b"PK\x06\x06";
const EOCD64_LEN: usize = 56;
/// The end record with the longest comment (65 535 bytes) ends this far from the end.
pub(crate) const MAX_TAIL: usize = EOCD_LEN + u16::MAX as usize;
/// Bytes of central directory allowed per allowed member: a record is 46 bytes plus its name,
/// extra fields and comment.
pub(crate) const DIRECTORY_BYTES_PER_MEMBER: u64 = 1024;

/// Finds the end record in the last [`MAX_TAIL`] bytes of `reader` (whose length is `len`),
/// checks that its comment ends the input, and checks the declared directory against
/// `limits.max_members`. Returns the number of entries it declares.
pub(crate) fn read<R: Read + Seek>(reader: &mut R, len: u64, limits: &Limits) -> Result<u64> {
    let tail_len = len.min(MAX_TAIL as u64);
    let start = len - tail_len;
    reader.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    reader.by_ref().take(tail_len).read_to_end(&mut tail)?;
    if crate::util::to_u64(tail.len()) != tail_len {
        return Err(invalid("the input ended while its end was read"));
    }
    let at = find_end_record(&tail)?;
    let record = &tail[at..at + EOCD_LEN];
    let record_pos = start + crate::util::to_u64(at);
    // One disk, every entry on it: the `zip` crate skips a record that says otherwise and
    // looks for another one before it.
    if u16_at(record, 4) != 0 || u16_at(record, 6) != 0 || u16_at(record, 8) != u16_at(record, 10) {
        return Err(invalid("the end record describes a multi-disk archive"));
    }
    let mut entries = u64::from(u16_at(record, 10));
    let mut directory = u64::from(u32_at(record, 12));
    let mut directory_at = u64::from(u32_at(record, 16));
    // Where the central directory must end: right before the end record (zip32), or before
    // the zip64 end record.
    let mut directory_end = record_pos;
    if entries == u64::from(u16::MAX)
        || directory == u64::from(u32::MAX)
        || directory_at == u64::from(u32::MAX)
    {
        // zip64: the locator sits right before the end record and points at the zip64 record.
        let locator_at = (start + crate::util::to_u64(at))
            .checked_sub(LOCATOR_LEN as u64)
            .ok_or_else(|| invalid("the end record asks for zip64 but has no locator"))?;
        let mut locator = [0u8; LOCATOR_LEN];
        reader.seek(SeekFrom::Start(locator_at))?;
        reader.read_exact(&mut locator).map_err(eof_invalid)?;
        if locator[..4] != LOCATOR {
            return Err(invalid("the end record asks for zip64 but has no locator"));
        }
        let record_at = u64_at(&locator, 8);
        if record_at
            .checked_add(EOCD64_LEN as u64)
            .is_none_or(|end| end > locator_at)
        {
            return Err(invalid("the zip64 end record is outside the archive"));
        }
        let mut record64 = [0u8; EOCD64_LEN];
        reader.seek(SeekFrom::Start(record_at))?;
        reader.read_exact(&mut record64).map_err(eof_invalid)?;
        if record64[..4] != EOCD64 {
            return Err(invalid("no zip64 end record where the locator points"));
        }
        entries = u64_at(&record64, 32);
        directory = u64_at(&record64, 40);
        directory_at = u64_at(&record64, 48);
        directory_end = record_at;
    }
    // The directory ends where the end record (or the zip64 one) starts, as every writer lays
    // it out. The `zip` crate then never falls back to another end record when this one's
    // directory fails (it would reserve memory for the entries of records nobody checked).
    if directory_at.checked_add(directory) != Some(directory_end) {
        return Err(invalid(
            "the central directory does not end where the end record starts",
        ));
    }
    check_members(entries, directory, limits)?;
    reader.seek(SeekFrom::Start(0))?;
    Ok(entries)
}

/// The position in `tail` of the end record whose comment ends exactly at the end of
/// `tail`. A record followed by more bytes than its comment is trailing data; two records
/// that both end the input (a comment holding a record) are ambiguous, and refused.
///
/// The `zip` crate looks for end records on its own, from the end backwards, and reserves
/// memory for the entries of each record it tries: so no other record may sit in the comment
/// of the one found (the crate would try it first). Records before it are never tried: the
/// found record's directory must end where the record starts ([`read`]).
fn find_end_record(tail: &[u8]) -> Result<usize> {
    let no_record =
        || invalid("no end-of-central-directory record: not a zip archive, or a truncated one");
    let last = tail.len().checked_sub(EOCD_LEN).ok_or_else(no_record)?;
    let candidates: Vec<usize> = (0..=last)
        .rev()
        .filter(|&at| tail[at..at + 4] == EOCD)
        .collect();
    let ends_input = |at: usize| at + EOCD_LEN + usize::from(u16_at(&tail[at..], 20)) == tail.len();
    let mut ending = candidates.iter().copied().filter(|&at| ends_input(at));
    let Some(found) = ending.next() else {
        // The last record followed by more than its comment: bytes after the archive.
        return match candidates.first() {
            Some(&at) => {
                let end = at + EOCD_LEN + usize::from(u16_at(&tail[at..], 20));
                match tail.len().checked_sub(end) {
                    Some(extra) if extra > 0 => Err(ErrorKind::ArchiveTrailingData {
                        found: crate::util::to_u64(extra),
                    }
                    .into()),
                    _ => Err(no_record()),
                }
            }
            None => Err(no_record()),
        };
    };
    if ending.next().is_some() {
        return Err(invalid(
            "two end-of-central-directory records end the input (a comment holds one)",
        ));
    }
    if candidates.iter().any(|&at| at > found) {
        return Err(invalid(
            "the archive comment holds an end-of-central-directory record",
        ));
    }
    Ok(found)
}

/// Checks a directory of `entries` records in `directory` bytes against `max_members`.
fn check_members(entries: u64, directory: u64, limits: &Limits) -> Result<()> {
    // The directory counts as many members as it could hold records of 1 KiB, when that is
    // more than it declares: the `zip` crate holds every record it reads.
    let members = entries.max(directory.div_ceil(DIRECTORY_BYTES_PER_MEMBER));
    if members > crate::util::to_u64(limits.max_members) {
        return Err(Error::limit(
            LimitKind::Members,
            limits.max_members,
            members,
        ));
    }
    Ok(())
}

fn invalid(reason: &str) -> Error {
    ErrorKind::InvalidArchive {
        reason: reason.into(),
    }
    .into()
}

/// A short read of a fixed record is a broken archive, not an I/O failure.
fn eof_invalid(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        invalid("the input ended inside a zip64 end record")
    } else {
        e.into()
    }
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// An end record whose (empty) directory ends right where it starts, at `at`.
    fn end_record_at(at: u32, entries: u16, comment: &[u8]) -> Vec<u8> {
        let mut r = EOCD.to_vec();
        r.extend_from_slice(&[0; 4]);
        r.extend_from_slice(&entries.to_le_bytes());
        r.extend_from_slice(&entries.to_le_bytes());
        r.extend_from_slice(&0u32.to_le_bytes());
        r.extend_from_slice(&at.to_le_bytes());
        r.extend_from_slice(&u16::try_from(comment.len()).unwrap().to_le_bytes());
        r.extend_from_slice(comment);
        r
    }

    fn end_record(entries: u16, comment: &[u8]) -> Vec<u8> {
        end_record_at(0, entries, comment)
    }

    fn read_bytes(bytes: &[u8], limits: &Limits) -> Result<u64> {
        read(&mut Cursor::new(bytes), bytes.len() as u64, limits)
    }

    #[test]
    fn the_record_must_end_the_input() {
        let limits = Limits::default();
        assert_eq!(read_bytes(&end_record(0, b""), &limits).unwrap(), 0);
        // A comment holding a record that also ends the input is ambiguous; one holding the
        // signature alone is only a comment.
        let ambiguous = end_record(2, &end_record(0, b""));
        assert_eq!(
            read_bytes(&ambiguous, &limits).unwrap_err().code(),
            "npz.invalid_archive"
        );
        assert_eq!(
            read_bytes(&end_record(2, b"PK\x05\x06"), &limits).unwrap(),
            2
        );
        let mut glued = end_record(0, b"hi");
        glued.extend_from_slice(b"more");
        let err = read_bytes(&glued, &limits).unwrap_err();
        assert_eq!(err.code(), "npz.trailing_data");
        assert_eq!(
            err.to_string(),
            "trailing data after the .npz archive: 4 bytes follow its end record"
        );
        for bytes in [&b""[..], b"PK\x05\x06", b"\x93NUMPY\x01\x00"] {
            assert_eq!(
                read_bytes(bytes, &limits).unwrap_err().code(),
                "npz.invalid_archive"
            );
        }
    }

    #[test]
    fn entries_and_directory_size_count_against_max_members() {
        let limits = Limits {
            max_members: 3,
            ..Limits::default()
        };
        assert!(read_bytes(&end_record(3, b""), &limits).is_ok());
        let err = read_bytes(&end_record(4, b""), &limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "limit exceeded: max_members is 3, input needs 4"
        );
        // 10 KiB of directory before the record count as 10 members.
        let mut record = end_record(1, b"");
        record[12..16].copy_from_slice(&(10 * 1024u32).to_le_bytes());
        let mut big_directory = vec![0u8; 10 * 1024];
        big_directory.extend_from_slice(&record);
        assert_eq!(
            read_bytes(&big_directory, &limits).unwrap_err().code(),
            "limit.members"
        );
    }

    #[test]
    fn no_other_record_the_zip_crate_could_try() {
        let limits = Limits {
            max_members: 3,
            ..Limits::default()
        };
        // A record inside the comment (followed by more comment) would be tried first.
        let mut comment = end_record(1000, b"");
        comment.extend_from_slice(b"more");
        let err = read_bytes(&end_record(0, &comment), &limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid .npz archive: the archive comment holds an end-of-central-directory record"
        );
        // Records before the one found are never tried, so they are only data: a member's
        // bytes may hold one. The found record's directory must end where it starts.
        let mut bytes = end_record(1000, b"");
        bytes.extend_from_slice(&end_record_at(22, 0, b""));
        assert_eq!(read_bytes(&bytes, &limits).unwrap(), 0);
        let mut bytes = end_record(1000, b"");
        bytes.extend_from_slice(&end_record_at(0, 0, b""));
        assert_eq!(
            read_bytes(&bytes, &limits).unwrap_err().to_string(),
            "invalid .npz archive: the central directory does not end where the end record starts"
        );
        // A multi-disk record would be skipped by the zip crate for an earlier one.
        let mut multi = end_record(1, b"");
        multi[8..10].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(
            read_bytes(&multi, &limits).unwrap_err().code(),
            "npz.invalid_archive"
        );
    }

    #[test]
    fn zip64_needs_its_locator() {
        let err = read_bytes(&end_record(u16::MAX, b""), &Limits::default()).unwrap_err();
        assert_eq!(err.code(), "npz.invalid_archive");
    }
}
