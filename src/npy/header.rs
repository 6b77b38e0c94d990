//! The `.npy` prelude (magic, version, header length) and the header: a Python dict literal
//! read by a small bounded parser, never an evaluator.
//!
//! Accepted grammar: the dict literals NumPy writes, on one line or broken across lines as
//! `pprint.pformat` wrote them before NumPy 1.14, and hand-made ones with tabs.
//!
//! ```text
//! header := ' '* dict ' '* '\n'                  the '\n' is the header's last byte
//! dict   := '{' ws '}'                            (then keys are missing)
//!         | '{' ws entry (ws ',' ws entry)* (ws ',')? ws '}'
//! entry  := string ws ':' ws value                keys `descr`, `fortran_order`, `shape`, once each
//! string := "'" chars "'" | '"' chars '"'         no escapes, no newlines
//! value  := string | 'True' | 'False' | tuple | list
//!                                                 lists and nested tuples only as a (structured,
//!                                                 unsupported) descr, `ws` between its tokens
//! tuple  := '(' ws ')' | '(' ws int ws ',' ws ')'
//!         | '(' ws int (ws ',' ws int)+ (ws ',')? ws ')'
//! int    := '0' | [1-9][0-9]{0,19}                decimal, fits in 64 bits
//! ws     := (' ' | '\t' | '\n' | '\r' | '\x0c')*  what Python's tokenizer skips between tokens
//!                                                 inside brackets (not '\x0b', NUL or non-ASCII
//!                                                 spaces); never inside a token; no `#` comment,
//!                                                 no `\` line continuation
//! ```
//!
//! The parser is a single forward pass: linear time, no recursion, nesting capped at
//! [`MAX_NESTING`], integers capped at 20 digits, and the number of dimensions capped by
//! [`Limits::max_ndim`] while parsing.

use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, LimitKind, Result};
use crate::limits::Limits;
use crate::plan::Plan;
use crate::shape::{Order, Shape};
use crate::util::{excerpt, to_u64, EXCERPT_LEN};

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Deepest nesting of brackets accepted inside a (structured) `descr` before it is refused.
pub const MAX_NESTING: usize = 32;

/// Longest decimal integer accepted in a shape (`u64::MAX` has 20 digits).
const MAX_DIGITS: usize = 20;

/// The fixed-size start of a `.npy` file: magic, version and header length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Prelude {
    pub(crate) version: (u8, u8),
    /// The declared header length (the HEADER_LEN field).
    pub(crate) header_len: usize,
    /// Bytes before the header text: 10 for version 1.0, 12 for 2.0 and 3.0.
    pub(crate) prefix_len: usize,
}

/// Prelude bytes needed before the header length is known: magic (6) + version (2).
pub(crate) const MAGIC_LEN: usize = 8;

/// Checks the magic string and version in the first 8 bytes (fewer if the input is shorter)
/// and returns the width of the header-length field.
pub(crate) fn parse_magic(first: &[u8]) -> Result<(u8, u8, usize)> {
    let n = first.len().min(MAGIC.len());
    if first[..n] != MAGIC[..n] {
        return Err(Error::from(ErrorKind::BadMagic {
            found: escape_bytes(&first[..n]),
        }));
    }
    if first.len() < MAGIC_LEN {
        return Err(Error::from(ErrorKind::InvalidHeader {
            reason: format!(
                "input ends after {} bytes, inside the magic string and version",
                first.len()
            )
            .into_boxed_str(),
        })
        .at_offset(to_u64(first.len())));
    }
    let (major, minor) = (first[6], first[7]);
    let len_width = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => return Err(Error::from(ErrorKind::UnsupportedVersion { major, minor })),
    };
    Ok((major, minor, len_width))
}

/// Reads the header-length field (little-endian u16 or u32) and refuses it against the limit
/// before anything is read or allocated.
pub(crate) fn parse_header_len(
    version: (u8, u8),
    field: &[u8],
    limits: &Limits,
) -> Result<Prelude> {
    let header_len = match *field {
        [a, b] => u64::from(u16::from_le_bytes([a, b])),
        [a, b, c, d] => u64::from(u32::from_le_bytes([a, b, c, d])),
        _ => {
            return Err(Error::from(ErrorKind::InvalidHeader {
                reason: "input ends inside the header length field".into(),
            })
            .at_offset(to_u64(MAGIC_LEN + field.len())))
        }
    };
    if header_len > to_u64(limits.max_header_bytes) {
        return Err(Error::limit(
            LimitKind::HeaderBytes,
            limits.max_header_bytes,
            header_len,
        ));
    }
    let header_len = usize::try_from(header_len)
        .map_err(|_| Error::limit(LimitKind::HeaderBytes, limits.max_header_bytes, header_len))?;
    Ok(Prelude {
        version,
        header_len,
        prefix_len: MAGIC_LEN + field.len(),
    })
}

fn escape_bytes(bytes: &[u8]) -> Box<str> {
    bytes.escape_ascii().to_string().into_boxed_str()
}

/// The facts a `.npy` header declares, checked for consistency but not against a spec.
///
/// Returned by [`read_header`](crate::npy::read_header), for tools that inspect files without
/// reading their payload, and by the checks ([`ReadOptions::check_path`],
/// [`ReadOptions::check_reader`]).
///
/// [`ReadOptions::check_path`]: crate::npy::ReadOptions::check_path
/// [`ReadOptions::check_reader`]: crate::npy::ReadOptions::check_reader
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    version: (u8, u8),
    header_len: usize,
    data_offset: usize,
    plan: Plan,
}

impl Header {
    /// The format version: `(1, 0)`, `(2, 0)` or `(3, 0)`.
    pub fn version(&self) -> (u8, u8) {
        self.version
    }

    /// The header length as declared by the HEADER_LEN field (dict text, padding and newline).
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// Byte offset of the first payload byte.
    pub fn data_offset(&self) -> usize {
        self.data_offset
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.plan.dtype()
    }

    /// The payload's byte order (meaningless for one-byte dtypes).
    pub fn byte_order(&self) -> ByteOrder {
        self.plan.byte_order()
    }

    /// The NumPy type string as NumPy writes it, e.g. `>f8`.
    pub fn descr(&self) -> String {
        self.dtype().typestr(self.byte_order())
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        self.plan.shape()
    }

    /// The memory order (`fortran_order: True` is [`Order::F`]).
    pub fn order(&self) -> Order {
        self.plan.order()
    }

    /// Whether the header says `fortran_order: True`.
    pub fn fortran_order(&self) -> bool {
        self.order() == Order::F
    }

    /// Payload size in bytes (elements × item size).
    pub fn nbytes(&self) -> usize {
        self.plan.nbytes()
    }

    /// The plan: everything needed to read the payload.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Total file length a well-formed file with this header has: data offset + payload.
    pub fn expected_file_len(&self) -> u64 {
        to_u64(self.data_offset).saturating_add(to_u64(self.nbytes()))
    }

    /// Checks a whole file's length against this header: the file must end exactly where the
    /// payload does.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TruncatedData`] or [`ErrorKind::TrailingData`], as the readers report them.
    pub fn check_file_len(&self, file_len: u64) -> Result<()> {
        let available = file_len.saturating_sub(to_u64(self.data_offset));
        self.check_available(available, false).map(|_| ())
    }

    /// Compares the payload size with the bytes present after the header and returns the
    /// payload size.
    pub(crate) fn check_available(&self, available: u64, allow_trailing: bool) -> Result<usize> {
        let expected = to_u64(self.nbytes());
        let offset = to_u64(self.data_offset);
        if expected > available {
            return Err(Error::from(ErrorKind::TruncatedData {
                expected,
                found: available,
            })
            .at_offset(offset));
        }
        if expected < available && !allow_trailing {
            return Err(Error::from(ErrorKind::TrailingData { expected })
                .at_offset(offset.saturating_add(expected)));
        }
        Ok(self.nbytes())
    }

    /// Parses the header text (`text` = the HEADER_LEN bytes after the prelude).
    pub(crate) fn parse(prelude: Prelude, text: &[u8], limits: &Limits) -> Result<Header> {
        let base = to_u64(prelude.prefix_len);
        if prelude.version.0 < 3 {
            if let Some(i) = text.iter().position(|b| !b.is_ascii()) {
                return Err(Error::from(ErrorKind::InvalidHeader {
                    reason: "non-ASCII byte in a version 1.0 or 2.0 header".into(),
                })
                .at_offset(base + to_u64(i)));
            }
        }
        let text = std::str::from_utf8(text).map_err(|e| {
            Error::from(ErrorKind::InvalidHeader {
                reason: "invalid UTF-8 in a version 3.0 header".into(),
            })
            .at_offset(base + to_u64(e.valid_up_to()))
        })?;
        let dict = DictParser {
            text: text.as_bytes(),
            pos: 0,
            base,
            limits,
        }
        .parse()?;
        let (dtype, byte_order) = dict.descr.resolve()?;
        let shape = Shape::new(dict.shape)?;
        let order = if dict.fortran_order {
            Order::F
        } else {
            Order::C
        };
        let plan = Plan::new(dtype, byte_order, shape, order)?;
        let data_offset = prelude.prefix_len + prelude.header_len;
        Ok(Header {
            version: prelude.version,
            header_len: prelude.header_len,
            data_offset,
            plan,
        })
    }
}

/// The `descr` value before it is resolved: a type string or a structured descriptor.
enum Descr<'a> {
    Typestr(&'a str),
    /// A list or tuple (structured or subarray dtype); `has_object` if any string in it is an
    /// object type string.
    Structured {
        text: &'a str,
        has_object: bool,
    },
}

impl Descr<'_> {
    fn resolve(&self) -> Result<(DType, ByteOrder)> {
        match *self {
            Descr::Typestr(s) => DType::parse_typestr(s),
            Descr::Structured {
                text,
                has_object: true,
            } => Err(Error::from(ErrorKind::PickleNotAllowed {
                descr: excerpt(text, EXCERPT_LEN),
            })),
            Descr::Structured {
                text,
                has_object: false,
            } => Err(Error::from(ErrorKind::UnsupportedDtype {
                descr: excerpt(text, EXCERPT_LEN),
            })),
        }
    }
}

/// The whitespace Python's tokenizer skips between tokens inside brackets (`\r` and `\r\n`
/// are line ends to it like `\n`). Vertical tab, NUL and non-ASCII spaces are not.
fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

struct Dict<'a> {
    descr: Descr<'a>,
    fortran_order: bool,
    shape: Vec<usize>,
}

struct DictParser<'a, 'l> {
    text: &'a [u8],
    pos: usize,
    base: u64,
    limits: &'l Limits,
}

impl<'a> DictParser<'a, '_> {
    fn error_at(&self, pos: usize, reason: impl Into<Box<str>>) -> Error {
        Error::from(ErrorKind::InvalidHeader {
            reason: reason.into(),
        })
        .at_offset(self.base + to_u64(pos))
    }

    fn error(&self, reason: impl Into<Box<str>>) -> Error {
        self.error_at(self.pos, reason)
    }

    fn found(&self) -> String {
        match self.text.get(self.pos) {
            None => "end of header".to_string(),
            Some(b) => format!("`{}`", [*b].escape_ascii()),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    /// Before and after the dict: ASCII spaces only.
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    /// Between tokens inside the dict: the whitespace Python's tokenizer skips inside
    /// brackets. A comment or a line continuation, which Python would also skip, is refused.
    fn skip_whitespace(&mut self) -> Result<()> {
        while self.peek().is_some_and(is_whitespace) {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'#') => Err(self.error("comments are not accepted in the header")),
            Some(b'\\') => Err(self.error("line continuations are not accepted in the header")),
            _ => Ok(()),
        }
    }

    fn expect(&mut self, byte: u8) -> Result<()> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(format!(
                "expected `{}`, found {}",
                byte as char,
                self.found()
            )))
        }
    }

    fn parse(mut self) -> Result<Dict<'a>> {
        let mut descr = None;
        let mut fortran_order = None;
        let mut shape = None;
        self.skip_spaces();
        self.expect(b'{')?;
        loop {
            self.skip_whitespace()?;
            if self.peek() == Some(b'}') {
                break;
            }
            let key_pos = self.pos;
            let key = self.string()?;
            self.skip_whitespace()?;
            self.expect(b':')?;
            self.skip_whitespace()?;
            let duplicate = match key {
                "descr" => descr.replace(self.descr()?).is_some(),
                "fortran_order" => fortran_order.replace(self.boolean()?).is_some(),
                "shape" => shape.replace(self.shape()?).is_some(),
                other => {
                    return Err(self.error_at(
                        key_pos,
                        format!(
                            "unknown key `{}`: expected `descr`, `fortran_order` or `shape`",
                            excerpt(other, 40)
                        ),
                    ))
                }
            };
            if duplicate {
                return Err(self.error_at(key_pos, format!("duplicate key `{key}`")));
            }
            self.skip_whitespace()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => break,
                _ => {
                    return Err(self.error(format!("expected `,` or `}}`, found {}", self.found())))
                }
            }
        }
        self.pos += 1; // the `}`
        self.trailer()?;
        let missing = |key: &str| self.error_at(0, format!("missing key `{key}`"));
        Ok(Dict {
            descr: descr.ok_or_else(|| missing("descr"))?,
            fortran_order: fortran_order.ok_or_else(|| missing("fortran_order"))?,
            shape: shape.ok_or_else(|| missing("shape"))?,
        })
    }

    /// After the dict: space padding, then exactly one newline, which ends the header.
    fn trailer(&mut self) -> Result<()> {
        self.skip_spaces();
        match self.peek() {
            Some(b'\n') if self.pos + 1 == self.text.len() => Ok(()),
            Some(b'\n') => Err(self.error("expected the header to end after its newline")),
            None => Err(self.error("expected the header to end with a newline")),
            Some(_) => Err(self.error(format!(
                "expected space padding and a newline after the dict, found {}",
                self.found()
            ))),
        }
    }

    fn string(&mut self) -> Result<&'a str> {
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => {
                return Err(self.error(format!("expected a quoted string, found {}", self.found())))
            }
        };
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek() {
                None => return Err(self.error_at(start - 1, "unterminated string")),
                Some(b'\\') => {
                    return Err(self.error("escape sequences are not accepted in strings"))
                }
                Some(b'\n' | b'\r') => return Err(self.error("newline inside a string")),
                Some(b) if b == quote => break,
                Some(_) => self.pos += 1,
            }
        }
        let s = &self.text[start..self.pos];
        self.pos += 1;
        // The header was checked to be UTF-8 and the quotes are ASCII, so the slice between
        // them is UTF-8 too.
        std::str::from_utf8(s).map_err(|_| self.error_at(start, "invalid UTF-8 in string"))
    }

    fn boolean(&mut self) -> Result<bool> {
        let rest = &self.text[self.pos..];
        if rest.starts_with(b"True") {
            self.pos += 4;
            Ok(true)
        } else if rest.starts_with(b"False") {
            self.pos += 5;
            Ok(false)
        } else {
            Err(self.error(format!(
                "expected `True` or `False`, found {}",
                self.found()
            )))
        }
    }

    fn integer(&mut self) -> Result<usize> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            return Err(self.error("negative dimension"));
        }
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
            if self.pos - start > MAX_DIGITS {
                return Err(
                    self.error_at(start, format!("integer longer than {MAX_DIGITS} digits"))
                );
            }
        }
        let digits = &self.text[start..self.pos];
        if digits.is_empty() {
            return Err(self.error(format!(
                "expected a decimal integer, found {}",
                self.found()
            )));
        }
        if digits.len() > 1 && digits[0] == b'0' {
            return Err(self.error_at(start, "leading zeros are not accepted"));
        }
        if self
            .peek()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'.')
        {
            return Err(self.error(format!(
                "expected a plain decimal integer, found {}",
                self.found()
            )));
        }
        // At most 20 ASCII digits: the text is valid UTF-8 and the parse can only overflow.
        let text =
            std::str::from_utf8(digits).map_err(|_| self.error_at(start, "invalid integer"))?;
        let value: u64 = text
            .parse()
            .map_err(|_| self.error_at(start, "dimension does not fit in 64 bits"))?;
        usize::try_from(value).map_err(|_| self.error_at(start, "dimension does not fit in usize"))
    }

    fn shape(&mut self) -> Result<Vec<usize>> {
        let open = self.pos;
        if self.peek() == Some(b'[') {
            return Err(self.error("expected `shape` to be a tuple, found a list"));
        }
        self.expect(b'(')?;
        let mut dims = Vec::new();
        let mut trailing_comma = false;
        loop {
            self.skip_whitespace()?;
            if self.peek() == Some(b')') {
                self.pos += 1;
                break;
            }
            if !dims.is_empty() && !trailing_comma {
                return Err(self.error(format!("expected `,` or `)`, found {}", self.found())));
            }
            if dims.len() == self.limits.max_ndim {
                return Err(Error::limit(
                    LimitKind::Ndim,
                    self.limits.max_ndim,
                    dims.len().saturating_add(1),
                ));
            }
            dims.push(self.integer()?);
            self.skip_whitespace()?;
            trailing_comma = self.peek() == Some(b',');
            if trailing_comma {
                self.pos += 1;
            }
        }
        if dims.len() == 1 && !trailing_comma {
            return Err(self.error_at(
                open,
                "a one-element shape needs a trailing comma, as in `(7,)`",
            ));
        }
        Ok(dims)
    }

    fn descr(&mut self) -> Result<Descr<'a>> {
        match self.peek() {
            Some(b'\'' | b'"') => Ok(Descr::Typestr(self.string()?)),
            Some(b'[' | b'(') => self.structured(),
            _ => Err(self.error(format!(
                "expected a type string or a list for `descr`, found {}",
                self.found()
            ))),
        }
    }

    /// Skips over a structured descriptor: brackets, strings, integers, commas and whitespace,
    /// with nesting capped at [`MAX_NESTING`]. Only its text and whether it holds an object
    /// type string are kept.
    ///
    /// A type string sits second in a field tuple (`(name, descr)` or `(name, descr, shape)`),
    /// or first in a top-level subarray tuple (`('<f8', (2,))`); names and titles sit first.
    /// Only strings in a type position are checked for objects, so a field named `'O'` is not
    /// mistaken for an object dtype.
    fn structured(&mut self) -> Result<Descr<'a>> {
        struct Open {
            close: u8,
            index: usize,
        }
        let start = self.pos;
        let mut stack: Vec<Open> = Vec::new();
        let mut has_object = false;
        loop {
            self.skip_whitespace()?;
            match self.peek() {
                Some(open @ (b'[' | b'(')) => {
                    if stack.len() == MAX_NESTING {
                        return Err(
                            self.error(format!("`descr` nested deeper than {MAX_NESTING} levels"))
                        );
                    }
                    let close = if open == b'[' { b']' } else { b')' };
                    stack.push(Open { close, index: 0 });
                    self.pos += 1;
                }
                Some(close @ (b']' | b')')) => {
                    if stack.pop().map(|open| open.close) != Some(close) {
                        return Err(
                            self.error(format!("unbalanced `{}` in `descr`", close as char))
                        );
                    }
                    self.pos += 1;
                    if stack.is_empty() {
                        break;
                    }
                }
                Some(b'\'' | b'"') => {
                    let s = self.string()?;
                    let type_position = match stack.as_slice() {
                        [top] => top.close == b')' && top.index == 0,
                        [.., inner] => inner.close == b')' && inner.index == 1,
                        [] => false,
                    };
                    has_object |= type_position
                        && DType::parse_typestr(s)
                            .is_err_and(|e| matches!(e.kind(), ErrorKind::PickleNotAllowed { .. }));
                }
                Some(b',') => {
                    if let Some(open) = stack.last_mut() {
                        open.index += 1;
                    }
                    self.pos += 1;
                }
                Some(b) if b.is_ascii_digit() => {
                    self.integer()?;
                }
                _ => return Err(self.error(format!("unexpected {} in `descr`", self.found()))),
            }
        }
        let text = std::str::from_utf8(&self.text[start..self.pos])
            .map_err(|_| self.error_at(start, "invalid UTF-8 in `descr`"))?;
        Ok(Descr::Structured { text, has_object })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Header> {
        let prelude = Prelude {
            version: (1, 0),
            header_len: text.len(),
            prefix_len: 10,
        };
        Header::parse(prelude, text.as_bytes(), &Limits::default())
    }

    #[test]
    fn numpy_style_headers_parse() {
        let h = parse("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }          \n")
            .unwrap();
        assert_eq!(
            (h.dtype(), h.byte_order(), h.shape().dims()),
            (DType::F64, ByteOrder::Little, &[3, 4][..])
        );
        let h = parse("{\"shape\": (), \"fortran_order\": True, \"descr\": \">i2\"}\n").unwrap();
        assert_eq!(
            (h.dtype(), h.order(), h.shape().ndim()),
            (DType::I16, Order::F, 0)
        );
        assert_eq!(
            parse("{'descr':'|u1','fortran_order':False,'shape':(7,)}\n")
                .unwrap()
                .shape()
                .dims(),
            &[7]
        );
    }

    /// Whitespace between tokens, as old NumPy's `pprint.pformat` and hand-made files have it.
    #[test]
    fn whitespace_between_tokens_parses() {
        let cases: [(&str, DType, Order, &[usize]); 8] = [
            ("{'descr': '>f4',\n 'fortran_order': True,\n 'shape': (2, 3)}          \n", DType::F32, Order::F, &[2, 3]),
            ("{'descr': '<i2',\n 'fortran_order': False,\n 'shape': (1, 1, 1, 1,\n           1, 2)}\n", DType::I16, Order::C, &[1, 1, 1, 1, 1, 2]),
            ("{'descr': '<i2',\n 'fortran_order': False,\n 'shape': (1,\n           2,\n           3)}   \n", DType::I16, Order::C, &[1, 2, 3]),
            ("{\t'descr'\t:\t'<f8'\t,\t'fortran_order'\t:\tFalse\t,\t'shape'\t:\t(\t3\t,\t)\t,\t}\n", DType::F64, Order::C, &[3]),
            ("{'descr': '<u2',\r\n 'fortran_order': False,\r 'shape':\x0c(7,)}\n", DType::U16, Order::C, &[7]),
            ("{\n  'descr': '|b1',\n  'fortran_order': False,\n  'shape': (\n  ),\n}\n", DType::Bool, Order::C, &[]),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (0 ,\t1\n,2 , )}\n", DType::F64, Order::C, &[0, 1, 2]),
            ("  {'shape': (5,),'descr':'|u1','fortran_order':False}  \n", DType::U8, Order::C, &[5]),
        ];
        for (text, dtype, order, dims) in cases {
            let h = parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(
                (h.dtype(), h.order(), h.shape().dims()),
                (dtype, order, dims),
                "{text:?}"
            );
        }
    }

    #[test]
    fn header_errors() {
        let h = "'descr': '<f8', 'fortran_order': False, 'shape': (3,)";
        let cases: Vec<(String, &str)> = vec![
            (format!("{{{h}}}"), "invalid .npy header at byte 65: expected the header to end with a newline"),
            (format!("{{{h}}}\0\0\n"), "invalid .npy header at byte 65: expected space padding and a newline after the dict, found `\\x00`"),
            (format!("{{{h}}}\n \n"), "invalid .npy header at byte 65: expected the header to end after its newline"),
            (format!("{{{h}, 'descr': '<f8'}}\n"), "invalid .npy header at byte 66: duplicate key `descr`"),
            (format!("{{{h}, 'extra': 1}}\n"), "invalid .npy header at byte 66: unknown key `extra`: expected `descr`, `fortran_order` or `shape`"),
            ("{'descr': '<f8', 'fortran_order': False}\n".into(), "invalid .npy header at byte 10: missing key `shape`"),
            ("{'descr': '<f8', 'fortran_order': 0, 'shape': ()}\n".into(), "invalid .npy header at byte 44: expected `True` or `False`, found `0`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (3)}\n".into(), "invalid .npy header at byte 60: a one-element shape needs a trailing comma, as in `(7,)`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': [3]}\n".into(), "invalid .npy header at byte 60: expected `shape` to be a tuple, found a list"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -3)}\n".into(), "invalid .npy header at byte 61: negative dimension"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (0x3,)}\n".into(), "invalid .npy header at byte 62: expected a plain decimal integer, found `x`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1_0,)}\n".into(), "invalid .npy header at byte 62: expected a plain decimal integer, found `_`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (3L,)}\n".into(), "invalid .npy header at byte 62: expected a plain decimal integer, found `L`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (03,)}\n".into(), "invalid .npy header at byte 61: leading zeros are not accepted"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (True,)}\n".into(), "invalid .npy header at byte 61: expected a decimal integer, found `T`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}\n".into(), "invalid .npy header at byte 61: dimension does not fit in 64 bits"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (123456789012345678901,)}\n".into(), "invalid .npy header at byte 61: integer longer than 20 digits"),
            ("{'descr': '\\x3cf8', 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 21: escape sequences are not accepted in strings"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2 3)}\n".into(), "invalid .npy header at byte 66: expected `,` or `)`, found `3`"),
            // Whitespace goes between tokens, never inside one, and is only what Python skips.
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1 0,)}\n".into(), "invalid .npy header at byte 63: expected `,` or `)`, found `0`"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1\n0,)}\n".into(), "invalid .npy header at byte 63: expected `,` or `)`, found `0`"),
            ("{'descr': '<f8', 'fortran_order': Fal se, 'shape': ()}\n".into(), "invalid .npy header at byte 44: expected `True` or `False`, found `F`"),
            ("{'descr': '<f\n8', 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 23: newline inside a string"),
            ("{'descr ': '<f8', 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 11: unknown key `descr `: expected `descr`, `fortran_order` or `shape`"),
            ("{'descr': '<f' '8', 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 25: expected `,` or `}`, found `\\'`"),
            ("{'descr': '<f8',\x0b'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 26: expected a quoted string, found `\\x0b`"),
            ("{'descr':\0'<f8', 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 19: expected a type string or a list for `descr`, found `\\x00`"),
            ("{'descr': '<f8',  # old numpy\n 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 28: comments are not accepted in the header"),
            ("{'descr': '<f8',#\n 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 26: comments are not accepted in the header"),
            ("{'descr': '<f8', \\\n 'fortran_order': False, 'shape': ()}\n".into(), "invalid .npy header at byte 27: line continuations are not accepted in the header"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (2,\\\n 3)}\n".into(), "invalid .npy header at byte 63: line continuations are not accepted in the header"),
            // Before and after the dict: spaces only.
            (format!("\n{{{h}}}\n"), "invalid .npy header at byte 10: expected `{`, found `\\n`"),
            (format!("\t{{{h}}}\n"), "invalid .npy header at byte 10: expected `{`, found `\\t`"),
            (format!("{{{h}}}\t\n"), "invalid .npy header at byte 65: expected space padding and a newline after the dict, found `\\t`"),
            (format!("{{{h}}}\r\n"), "invalid .npy header at byte 65: expected space padding and a newline after the dict, found `\\r`"),
            (format!("{{{h}\n}}\n  \n"), "invalid .npy header at byte 66: expected the header to end after its newline"),
        ];
        let mut wrong = Vec::new();
        for (text, message) in cases {
            let found = parse(&text).unwrap_err().to_string();
            if found != message {
                wrong.push(format!(
                    "{text:?}\n  expected: {message}\n     found: {found}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn descr_errors_are_typed() {
        let with = |d: &str| format!("{{'descr': {d}, 'fortran_order': False, 'shape': (2,), }}\n");
        let cases = [
            ("'|O'", "dtype.pickle_not_allowed"),
            ("[('a', '<f8'), ('b', '|O')]", "dtype.pickle_not_allowed"),
            ("[('a', 'O')]", "dtype.pickle_not_allowed"),
            ("[('a', [('b', '<O8')])]", "dtype.pickle_not_allowed"),
            ("('|O', (2,))", "dtype.pickle_not_allowed"),
            ("[('O', '<f8')]", "dtype.unsupported"),
            ("[('Output', '<f4')]", "dtype.unsupported"),
            ("[(('Object title', 'x'), '<f8')]", "dtype.unsupported"),
            ("[('a', '<f8'), ('b', '<i4', (2, 3))]", "dtype.unsupported"),
            ("('<f8', (2,))", "dtype.unsupported"),
            ("'<U5'", "dtype.unsupported"),
            ("'<l'", "dtype.invalid"),
            ("[('a', '<f8']", "npy.invalid_header"),
            (
                "[('x', '<i4'),\n ('z', '|u1', (2,\n              3))]",
                "dtype.unsupported",
            ),
            (
                "[\t('a',\r\n'<f8'),\x0c('b', '|O')\n]",
                "dtype.pickle_not_allowed",
            ),
            (
                "[('a', '<f8'),  # a comment\n ('b', '<f8')]",
                "npy.invalid_header",
            ),
            ("[('a', '<f8'), \\\n ('b', '<f8')]", "npy.invalid_header"),
            ("[('a',\x0b'<f8')]", "npy.invalid_header"),
        ];
        for (descr, code) in cases {
            assert_eq!(parse(&with(descr)).unwrap_err().code(), code, "{descr}");
        }
        let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
        let e = parse(&with(&deep)).unwrap_err();
        assert!(e.to_string().contains("nested deeper than 32"), "{e}");
    }

    #[test]
    fn too_many_dims_stop_the_parse() {
        let dims = vec!["1"; 65].join(", ");
        let text = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({dims}), }}\n");
        let e = parse(&text).unwrap_err();
        assert!(matches!(
            e.kind(),
            ErrorKind::LimitExceeded {
                kind: LimitKind::Ndim,
                limit: 64,
                requested: 65
            }
        ));
    }

    #[test]
    fn magic_and_version() {
        assert_eq!(parse_magic(b"\x93NUMPY\x01\x00").unwrap(), (1, 0, 2));
        assert_eq!(parse_magic(b"\x93NUMPY\x03\x00").unwrap(), (3, 0, 4));
        assert_eq!(
            parse_magic(b"PK\x03\x04").unwrap_err().code(),
            "npy.bad_magic"
        );
        assert_eq!(
            parse_magic(b"\x93NUM").unwrap_err().code(),
            "npy.invalid_header"
        );
        for v in [[1, 1], [0, 0], [0, 1], [2, 2], [255, 255]] {
            let mut m = MAGIC.to_vec();
            m.extend(v);
            assert_eq!(
                parse_magic(&m).unwrap_err().code(),
                "npy.unsupported_version"
            );
        }
    }

    #[test]
    fn header_len_is_refused_from_its_field() {
        let e = parse_header_len((2, 0), &[0xff; 4], &Limits::default()).unwrap_err();
        assert_eq!(e.code(), "npy.header_too_large");
        let p = parse_header_len((1, 0), &[0x10, 0x27], &Limits::default()).unwrap();
        assert_eq!(p.header_len, 10_000);
    }
}
