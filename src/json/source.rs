//! Where the scanner's text comes from: a slice, checked as UTF-8 once, or a reader, read
//! through a small window and checked as it arrives, refusing more than the input limit.

use std::io::{self, Read};

use crate::error::{Error, ErrorKind, JsonPosition, LimitKind};
use crate::util::to_u64;

/// Bytes a reader asks for at a time. The window holds at most about twice as much, which is
/// room for a whole number token with plenty to spare.
pub(crate) const READ_CHUNK: usize = 8 * 1024;

/// Why a source could not make bytes available.
#[derive(Debug)]
pub(crate) enum SourceError {
    /// The input is not UTF-8 from `offset` on; `pos` is the new index of the scanner's
    /// position in the window.
    Utf8 { offset: u64, pos: usize },
    /// Reading failed, or the input is longer than allowed.
    Other(Error),
}

impl From<Error> for SourceError {
    fn from(e: Error) -> Self {
        SourceError::Other(e)
    }
}

/// Where the scanner's text comes from. The text is UTF-8, checked once as it arrives, so
/// that a number token is a `&str` without a check of its own.
pub(crate) trait Source {
    /// The text currently available.
    fn text(&self) -> &str;
    /// The offset in the whole input of `text()`'s first byte.
    fn base(&self) -> u64;
    /// Makes at least `want` bytes available from byte `pos` of the window when the input has
    /// them, possibly moving the window; returns the new index of the byte that was at `pos`.
    fn fill(&mut self, pos: usize, want: usize) -> Result<usize, SourceError>;
    /// The number of bytes of the whole input after window index `pos`, when known (a text
    /// in memory), to size the output from.
    fn remaining(&self, pos: usize) -> Option<u64> {
        let _ = pos;
        None
    }
}

/// A whole text in memory.
pub(crate) struct SliceSource<'a> {
    text: &'a str,
    /// Where the input stops being UTF-8, for bytes that were not all text: the text is the
    /// prefix before it, and the scanner meets the error where a reader would.
    invalid: Option<u64>,
}

impl<'a> SliceSource<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        SliceSource {
            text,
            invalid: None,
        }
    }

    /// Bytes checked as UTF-8 once, up front (much faster than checking each token).
    pub(crate) fn from_bytes(bytes: &'a [u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => SliceSource::new(text),
            Err(e) => SliceSource {
                // `valid_up_to` ends on a character boundary, so this prefix is text.
                text: std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
                invalid: Some(to_u64(e.valid_up_to())),
            },
        }
    }
}

impl Source for SliceSource<'_> {
    #[inline]
    fn text(&self) -> &str {
        self.text
    }

    #[inline]
    fn base(&self) -> u64 {
        0
    }

    fn remaining(&self, pos: usize) -> Option<u64> {
        Some(to_u64(self.text.len().saturating_sub(pos)))
    }

    #[inline]
    fn fill(&mut self, pos: usize, want: usize) -> Result<usize, SourceError> {
        match self.invalid {
            Some(offset) if self.text.len().saturating_sub(pos) < want => {
                Err(SourceError::Utf8 { offset, pos })
            }
            _ => Ok(pos),
        }
    }
}

/// The error for text that stops being UTF-8 at `offset`.
pub(crate) fn invalid_utf8(offset: u64, line: u64, column: u64) -> Error {
    Error::from(ErrorKind::JsonSyntax {
        reason: "the text is not UTF-8".into(),
    })
    .at_json(JsonPosition::in_text("".into(), line, column, offset))
}

/// A text read from a [`Read`] through a small window, refusing more than `limit` bytes.
pub(crate) struct ReaderSource<R> {
    reader: R,
    /// The window: checked text not yet consumed by the scanner (and a little before it).
    window: String,
    /// Bytes as read; the first `carry` are the start of a character cut by the last read.
    raw: Vec<u8>,
    carry: usize,
    base: u64,
    total: u64,
    limit: u64,
    eof: bool,
    /// Where the input stops being UTF-8, once seen.
    invalid: Option<u64>,
}

impl<R: Read> ReaderSource<R> {
    /// A source that fails with [`LimitKind::InputBytes`] once more than `limit` bytes arrive.
    pub(crate) fn new(reader: R, limit: u64) -> Result<Self, Error> {
        let oom = |bytes: usize| {
            Error::from(ErrorKind::OutOfMemory {
                bytes: to_u64(bytes),
            })
        };
        let mut raw = Vec::new();
        raw.try_reserve_exact(READ_CHUNK)
            .map_err(|_| oom(READ_CHUNK))?;
        raw.resize(READ_CHUNK, 0);
        let mut window = String::new();
        window
            .try_reserve_exact(2 * READ_CHUNK)
            .map_err(|_| oom(2 * READ_CHUNK))?;
        Ok(ReaderSource {
            reader,
            window,
            raw,
            carry: 0,
            base: 0,
            total: 0,
            limit,
            eof: false,
            invalid: None,
        })
    }

    /// Reads once, appending the whole characters that arrived to the window.
    fn read_some(&mut self) -> Result<(), SourceError> {
        // Ask for one byte more than the limit leaves, to tell "at the limit" from "over".
        let allowed = self.limit.saturating_sub(self.total).saturating_add(1);
        let room =
            (self.raw.len() - self.carry).min(usize::try_from(allowed).unwrap_or(usize::MAX));
        let n = loop {
            match self
                .reader
                .read(&mut self.raw[self.carry..self.carry + room])
            {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::from(e).into()),
            }
        };
        if n == 0 {
            self.eof = true;
            if self.carry > 0 {
                // The input ends inside a character.
                self.invalid = Some(self.end());
            }
            return Ok(());
        }
        self.total = self.total.saturating_add(to_u64(n));
        if self.total > self.limit {
            return Err(Error::limit(LimitKind::InputBytes, self.limit, self.total).into());
        }
        let len = self.carry + n;
        let (valid, rest) = match std::str::from_utf8(&self.raw[..len]) {
            Ok(text) => (text.len(), None),
            Err(e) => (e.valid_up_to(), Some(e.error_len())),
        };
        // `valid` ends on a character boundary, so this prefix is checked text.
        if let Ok(text) = std::str::from_utf8(&self.raw[..valid]) {
            self.window.push_str(text);
        }
        match rest {
            None => self.carry = 0,
            // A character cut at the end of the read: keep its bytes for the next one.
            Some(None) => {
                self.raw.copy_within(valid..len, 0);
                self.carry = len - valid;
            }
            Some(Some(_)) => {
                self.invalid = Some(self.end());
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The offset just past the window.
    fn end(&self) -> u64 {
        self.base.saturating_add(to_u64(self.window.len()))
    }
}

impl<R: Read> Source for ReaderSource<R> {
    #[inline]
    fn text(&self) -> &str {
        &self.window
    }

    #[inline]
    fn base(&self) -> u64 {
        self.base
    }

    fn fill(&mut self, pos: usize, want: usize) -> Result<usize, SourceError> {
        if self.window.len().saturating_sub(pos) >= want {
            return Ok(pos);
        }
        let mut pos = pos;
        if !self.eof {
            // Drop what the scanner has consumed; `pos` is on a character boundary, since the
            // scanner only stops after ASCII bytes.
            if self.window.is_char_boundary(pos) {
                self.window.drain(..pos);
                self.base = self.base.saturating_add(to_u64(pos));
                pos = 0;
            }
            while self.window.len().saturating_sub(pos) < want && !self.eof {
                self.read_some()?;
            }
        }
        let available = self.window.len().saturating_sub(pos);
        match self.invalid {
            Some(offset) if available < want => Err(SourceError::Utf8 { offset, pos }),
            _ => Ok(pos),
        }
    }
}
