//! Where an error was found: [`Location`] (a byte offset, a JSON position, an archive member,
//! a bundle array),
//! carried beside what went wrong by every [`Error`](crate::Error) and filled the same way by
//! every front-end.

use std::fmt;

/// Where an [`Error`](crate::Error) was found. Every part is optional: an error knows as much
/// as the front-end that found it.
///
/// - a **byte offset** from the start of the input (from 0; for `.npy`, the first byte of the
///   magic string), for errors in the bytes themselves (a header, a payload);
/// - a **JSON position** ([`JsonPosition`]) for errors in JSON text: the index path, line,
///   column and byte offset;
/// - the **member**: the name of the archive member (`x.npy` in an `.npz`) that held the
///   error; a byte offset is then from the start of the member's uncompressed bytes;
/// - the **array**: the name of the bundle array whose input held the error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    offset: Option<u64>,
    json: Option<JsonPosition>,
    member: Option<Box<str>>,
    array: Option<Box<str>>,
}

impl Location {
    /// No location.
    pub fn new() -> Self {
        Self::default()
    }

    /// This location at byte `offset` of the input.
    pub fn with_offset(mut self, offset: u64) -> Self {
        self.offset = Some(offset);
        self
    }

    /// This location in the archive member `name`.
    pub fn with_member(mut self, name: &str) -> Self {
        self.member = Some(name.into());
        self
    }

    /// This location in the bundle array `name`.
    pub fn with_array(mut self, name: &str) -> Self {
        self.array = Some(name.into());
        self
    }

    pub(crate) fn set_json(&mut self, position: JsonPosition) {
        self.json = Some(position);
    }

    pub(crate) fn take_json(&mut self) -> Option<JsonPosition> {
        self.json.take()
    }

    /// The byte offset in the input: the one recorded, or the JSON position's.
    pub fn offset(&self) -> Option<u64> {
        self.offset
            .or_else(|| self.json.as_ref().and_then(JsonPosition::offset))
    }

    /// The position in a JSON text, for errors of the JSON front-end.
    pub fn json(&self) -> Option<&JsonPosition> {
        self.json.as_ref()
    }

    /// The archive member the error was found in.
    pub fn member(&self) -> Option<&str> {
        self.member.as_deref()
    }

    /// The bundle array the error was found in.
    pub fn array(&self) -> Option<&str> {
        self.array.as_deref()
    }

    /// The recorded byte offset only (not the JSON position's).
    pub(crate) fn byte_offset(&self) -> Option<u64> {
        self.offset
    }
}

/// Where in a JSON input an error was found: the index path of the value and, for text read
/// by [`json`](crate::json), its line, column and byte offset.
///
/// Lines and columns count from 1; columns count bytes, not characters (as serde_json's do).
/// Byte offsets count from 0. The path lists the array index at each level, outermost first
/// (`[3][1]` is the second element of the fourth row), after the envelope key when there is
/// one (`data[3][1]`); it is empty for the top-level value. Inside a serde deserializer
/// ([`json::ArraySeed`](crate::json::ArraySeed)) only the path is known: the deserializer
/// reports its own line and column.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonPosition {
    path: Box<str>,
    line: u64,
    column: u64,
    offset: Option<u64>,
}

impl JsonPosition {
    /// A position in a text: `line` and `column` from 1, `offset` from 0.
    pub(crate) fn in_text(path: Box<str>, line: u64, column: u64, offset: u64) -> Self {
        JsonPosition {
            path,
            line,
            column,
            offset: Some(offset),
        }
    }

    /// A position known only by its path (inside a serde deserializer).
    pub(crate) fn in_value(path: Box<str>) -> Self {
        JsonPosition {
            path,
            line: 0,
            column: 0,
            offset: None,
        }
    }

    /// This position in a text that starts at byte `offset`, line `line` and column
    /// `column` of a larger text (an inference input's `data` inside its request).
    pub(crate) fn shifted(mut self, offset: u64, line: u64, column: u64) -> Self {
        if self.line > 0 {
            if self.line == 1 {
                self.column += column - 1;
            }
            self.line += line - 1;
        }
        self.offset = self.offset.map(|o| o + offset);
        self
    }

    /// The index path, such as `[3][1]` or `data[0]`; empty for the top-level value.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The line, from 1, when the position is in a text.
    pub fn line(&self) -> Option<u64> {
        (self.line > 0).then_some(self.line)
    }

    /// The column in bytes, from 1, when the position is in a text.
    pub fn column(&self) -> Option<u64> {
        (self.line > 0).then_some(self.column)
    }

    /// The byte offset from the start of the text, from 0, when the position is in a text.
    pub fn offset(&self) -> Option<u64> {
        self.offset
    }
}

impl fmt::Display for JsonPosition {
    /// `[3][1] (line 4, column 9)`, `line 1, column 1` for the top level, `[3][1]` without a
    /// text position, `the top level` with neither.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.path.is_empty(), self.line > 0) {
            (false, true) => write!(
                f,
                "{} (line {}, column {})",
                self.path, self.line, self.column
            ),
            (true, true) => write!(f, "line {}, column {}", self.line, self.column),
            (false, false) => f.write_str(&self.path),
            (true, false) => f.write_str("the top level"),
        }
    }
}
