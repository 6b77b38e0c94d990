//! Readers that deliver few bytes per `read` call, the hard cases for a streaming parser: the
//! one set used by tests and fuzz oracles alike.

use std::borrow::Cow;
use std::io::{self, Read};

/// A reader that returns at most one byte per `read` call, from any inner reader.
pub struct OneByteReader<R>(pub R);

impl<'a> OneByteReader<&'a [u8]> {
    /// One byte per call out of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        OneByteReader(bytes)
    }
}

impl<R: Read> Read for OneByteReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match buf.first_mut() {
            None => Ok(0),
            Some(_) => self.0.read(&mut buf[..1]),
        }
    }
}

/// A reader whose `read` calls return chunks of the given sizes in turn (cycling), and that
/// returns `ErrorKind::Interrupted` where a size is 0, as readers may.
pub struct ChunkReader<'a> {
    rest: &'a [u8],
    sizes: Cow<'a, [usize]>,
    next: usize,
}

impl<'a> ChunkReader<'a> {
    /// Reads `bytes` in chunks of `sizes` (owned, or borrowed so that building the reader
    /// allocates nothing).
    ///
    /// # Panics
    ///
    /// When `sizes` is empty.
    pub fn new(bytes: &'a [u8], sizes: impl Into<Cow<'a, [usize]>>) -> Self {
        let sizes = sizes.into();
        assert!(
            !sizes.is_empty(),
            "a ChunkReader needs at least one chunk size"
        );
        ChunkReader {
            rest: bytes,
            sizes,
            next: 0,
        }
    }
}

impl Read for ChunkReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let size = self.sizes[self.next % self.sizes.len()];
        self.next += 1;
        if size == 0 {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let n = size.min(buf.len()).min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}
