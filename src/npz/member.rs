//! A member's uncompressed bytes, held to what its entry declares: [`MemberReader`] inflates
//! (or passes through) the member's stored bytes, never yields more than the declared size,
//! and at the end checks the size, the CRC-32 and that the compressed data was used exactly.
//!
//! The decompressor writes only into the caller's buffer, so memory does not grow with what
//! a stream would inflate to: a stream that goes on past its declared size is an error at the
//! first byte too many.

use std::error::Error as _;
use std::io::{self, BufReader, Read};

use flate2::bufread::DeflateDecoder;

use crate::error::{Error, ErrorKind, Result};

use super::archive::{Compression, Member};

/// The member's compressed bytes, as read from the archive.
enum Source<R: Read> {
    Stored(R),
    Deflated(DeflateDecoder<BufReader<R>>),
}

/// A member's uncompressed bytes (see the module docs). Its errors travel through
/// [`io::Error`] as an arrayguard [`Error`] inside; [`unwrap_error`] takes it out.
pub(crate) struct MemberReader<R: Read> {
    source: Source<R>,
    /// Uncompressed bytes the entry declares.
    declared: u64,
    /// Compressed bytes the entry declares.
    compressed: u64,
    expected_crc: u32,
    /// Uncompressed bytes yielded so far.
    read: u64,
    crc: crc32fast::Hasher,
    /// The end was reached and checked.
    done: bool,
}

impl<R: Read> MemberReader<R> {
    /// Reads `member` from `raw`, its stored (possibly compressed) bytes.
    pub(crate) fn new(raw: R, member: &Member) -> Self {
        let source = match member.compression() {
            Compression::Stored => Source::Stored(raw),
            // 32 KiB of read buffer, whatever the member's size.
            Compression::Deflated => {
                Source::Deflated(DeflateDecoder::new(BufReader::with_capacity(32 << 10, raw)))
            }
        };
        MemberReader {
            source,
            declared: member.size(),
            compressed: member.compressed_size(),
            expected_crc: member.crc32(),
            read: 0,
            crc: crc32fast::Hasher::new(),
            done: false,
        }
    }

    /// Reads what is left and checks the end: the declared size, the CRC-32, the compressed
    /// size. Memory is one small buffer.
    pub(crate) fn finish(&mut self) -> Result<()> {
        let mut scratch = [0u8; 8 << 10];
        loop {
            match self.read(&mut scratch) {
                Ok(0) => return Ok(()),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(unwrap_error(Error::from(e))),
            }
        }
    }

    /// Reads from the source into `buf`.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.source {
            Source::Stored(raw) => raw.read(buf),
            Source::Deflated(decoder) => decoder.read(buf).map_err(|e| {
                // flate2 reports a corrupt stream as `InvalidInput`/`InvalidData` with the
                // decompressor's message.
                let reason = match e.source() {
                    Some(inner) => format!("member data is not a valid deflate stream: {inner}"),
                    None => format!("member data is not a valid deflate stream: {e}"),
                };
                if e.kind() == io::ErrorKind::UnexpectedEof {
                    ours(ErrorKind::InvalidArchive {
                        reason: "member data ends inside its deflate stream".into(),
                    })
                } else if matches!(
                    e.kind(),
                    io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
                ) {
                    ours(ErrorKind::InvalidArchive {
                        reason: reason.into(),
                    })
                } else {
                    e
                }
            }),
        }
    }

    /// Checks the end of the data: the compressed bytes were used exactly and the CRC-32
    /// matches.
    fn check_end(&mut self) -> io::Result<()> {
        if let Source::Deflated(decoder) = &self.source {
            // The stream ended; bytes after it that the entry counts are not allowed.
            let used = decoder.total_in();
            if used != self.compressed {
                return Err(ours(ErrorKind::InvalidArchive {
                    reason: format!(
                        "member's deflate stream ends after {used} bytes, its entry declares {}",
                        self.compressed
                    )
                    .into(),
                }));
            }
        }
        let found = std::mem::take(&mut self.crc).finalize();
        if found != self.expected_crc {
            return Err(ours(ErrorKind::CrcMismatch {
                expected: self.expected_crc,
                found,
            }));
        }
        Ok(())
    }
}

impl<R: Read> Read for MemberReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        let left = self.declared - self.read;
        if left == 0 {
            // Everything declared was read: the data must end here.
            let mut probe = [0u8; 1];
            let n = loop {
                match self.fill(&mut probe) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            if n > 0 {
                return Err(ours(ErrorKind::MemberSizeMismatch {
                    declared: self.declared,
                    found: self.declared.saturating_add(1),
                }));
            }
            self.check_end()?;
            self.done = true;
            return Ok(0);
        }
        let want = usize::try_from(left).map_or(buf.len(), |left| left.min(buf.len()));
        let n = self.fill(&mut buf[..want])?;
        if n == 0 {
            return Err(ours(ErrorKind::MemberSizeMismatch {
                declared: self.declared,
                found: self.read,
            }));
        }
        self.crc.update(&buf[..n]);
        self.read += crate::util::to_u64(n);
        Ok(n)
    }
}

/// The arrayguard error an [`ErrorKind::Io`] carries when it came from this reader; any
/// other error unchanged.
pub(crate) fn unwrap_error(error: Error) -> Error {
    let location = error.location().clone();
    match error.into_kind() {
        ErrorKind::Io { source } if source.get_ref().is_some_and(|inner| inner.is::<Error>()) => {
            match source.into_inner().map(|inner| inner.downcast::<Error>()) {
                Some(Ok(ours)) => *ours,
                // The guard saw an arrayguard error inside.
                Some(Err(other)) => Error::new(
                    ErrorKind::Io {
                        source: io::Error::other(other),
                    },
                    location,
                ),
                None => Error::new(
                    ErrorKind::Io {
                        source: io::Error::other("member read failed"),
                    },
                    location,
                ),
            }
        }
        kind => Error::new(kind, location),
    }
}

/// An arrayguard error carried through [`io::Error`].
fn ours(kind: ErrorKind) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, Error::from(kind))
}
