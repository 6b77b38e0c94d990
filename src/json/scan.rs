//! The byte-level scanner: whitespace, punctuation, literals, number tokens and strings, over
//! a [`Source`], counting lines for error positions.
//!
//! The scanner never copies a number: a token is a range of the current window. It asks the
//! source for [`MAX_NUMBER_LEN`] + 1 bytes ahead of a number's first byte, so every token it
//! accepts is contiguous, and one that is longer is refused before its end is looked for.
//!
//! While it walks a number's digits (eight bytes at a time) the scanner also accumulates them
//! into an integer, so that a token of at most 19 significant digits arrives with its exact
//! value as `mantissa × 10^exponent` ([`Digits`]). Float conversion uses that for its exact
//! fast path and hands any other token's text to a correctly rounding parser.

use std::borrow::Cow;

use crate::error::Error;
use crate::util::to_u64;

use super::source::{invalid_utf8, Source, SourceError};

/// The longest number token accepted, in bytes (sign, digits, point and exponent). The
/// shortest text that reads back to any `f64` has at most 24 bytes; the exact decimal
/// expansion of the smallest subnormal has 767 digits.
pub const MAX_NUMBER_LEN: usize = 1024;

/// The longest string accepted for an envelope key or value other than base64 data.
pub(crate) const MAX_SHORT_STRING: usize = 64;

/// A place in the text, for error reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Mark {
    /// Byte offset from the start of the text, from 0.
    pub(crate) offset: u64,
    /// Line, from 1.
    pub(crate) line: u64,
    /// Column in bytes, from 1.
    pub(crate) column: u64,
}

/// Why scanning failed.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The text is not JSON here.
    Syntax { at: Mark, reason: Cow<'static, str> },
    /// A number token longer than [`MAX_NUMBER_LEN`], starting at `at`.
    TooLong { at: Mark },
    /// Reading failed or the input is longer than allowed; no position applies.
    Other(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Other(e)
    }
}

/// A number token: `window()[start..end]`, and whether it has neither fraction nor exponent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NumberToken {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) integer: bool,
    /// The token's magnitude exactly, when its digits fit in a `u64` and its exponent in an
    /// `i64`; `None` for longer tokens.
    pub(crate) digits: Option<Digits>,
}

/// The magnitude of a number token, exactly: `mantissa × 10^exponent`, where `mantissa` is
/// every digit before and after the point read as one integer, and `exponent` the written
/// exponent less the number of digits after the point. The sign is the token's first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Digits {
    pub(crate) mantissa: u64,
    pub(crate) exponent: i64,
}

/// Digits accumulated into a `u64` as they are scanned, until they no longer fit.
#[derive(Clone, Copy, Debug)]
struct DigitAccumulator {
    value: u64,
    /// Digits appended since the value was last zero: the value is below 10^`written`.
    written: usize,
    /// False once the value overflowed; `value` means nothing then.
    exact: bool,
}

impl DigitAccumulator {
    const fn new() -> Self {
        DigitAccumulator {
            value: 0,
            written: 0,
            exact: true,
        }
    }

    /// Appends `count` digits (0 to 8) worth `digits` as an integer.
    #[inline]
    fn push(&mut self, count: usize, digits: u64) {
        // Restart the count while the value is zero (leading zeros), without a branch.
        self.written = self.written * usize::from(self.value != 0) + count;
        let scale = POW10.get(count).copied().unwrap_or(u64::MAX);
        if self.written <= 19 {
            // Below 10^19 < 2^64: no overflow, no check needed.
            self.value = self.value.wrapping_mul(scale).wrapping_add(digits);
            return;
        }
        match self
            .value
            .checked_mul(scale)
            .and_then(|v| v.checked_add(digits))
        {
            Some(v) => self.value = v,
            None => self.exact = false,
        }
    }

    fn get(self) -> Option<u64> {
        self.exact.then_some(self.value)
    }
}

/// 10^k for k in 0..=8, to append k digits.
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The scanner: a position in a source, and the line it is on.
pub(crate) struct Scanner<S> {
    src: S,
    pos: usize,
    line: u64,
    /// Offset of the first byte of the current line.
    line_start: u64,
}

impl<S: Source> Scanner<S> {
    pub(crate) fn new(src: S) -> Self {
        Scanner {
            src,
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    /// Bytes read so far and bytes still to come, when the source knows its length.
    pub(crate) fn progress(&self) -> Option<(u64, u64)> {
        let read = self.src.base().saturating_add(to_u64(self.pos));
        Some((read, self.src.remaining(self.pos)?))
    }

    /// The place of the next byte.
    pub(crate) fn mark(&self) -> Mark {
        self.mark_at(self.pos)
    }

    /// The place of window index `index`, on the current line.
    pub(crate) fn mark_at(&self, index: usize) -> Mark {
        let offset = self.src.base().saturating_add(to_u64(index));
        Mark {
            offset,
            line: self.line,
            column: offset.saturating_sub(self.line_start).saturating_add(1),
        }
    }

    /// A syntax failure at the next byte.
    pub(crate) fn syntax(&self, reason: impl Into<Cow<'static, str>>) -> Fail {
        Fail::Syntax {
            at: self.mark(),
            reason: reason.into(),
        }
    }

    /// Makes `want` bytes available from the scanner's position (fewer at the end).
    #[inline]
    fn fill(&mut self, want: usize) -> Result<(), Error> {
        match self.src.fill(self.pos, want) {
            Ok(pos) => {
                self.pos = pos;
                Ok(())
            }
            Err(SourceError::Other(e)) => Err(e),
            Err(SourceError::Utf8 { offset, pos }) => {
                self.pos = pos;
                Err(self.utf8_error(offset))
            }
        }
    }

    /// The error for text that stops being UTF-8 at `offset`, at or after the position.
    #[cold]
    fn utf8_error(&self, offset: u64) -> Error {
        let bytes = self.src.text().as_bytes();
        let base = self.src.base();
        let end = usize::try_from(offset.saturating_sub(base))
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        let from = self.pos.min(end);
        let mut line = self.line;
        let mut line_start = self.line_start;
        for (i, &b) in bytes[from..end].iter().enumerate() {
            if b == b'\n' {
                line += 1;
                line_start = base.saturating_add(to_u64(from + i + 1));
            }
        }
        invalid_utf8(
            offset,
            line,
            offset.saturating_sub(line_start).saturating_add(1),
        )
    }

    /// Skips whitespace and returns the next byte without consuming it, or `None` at the end.
    #[inline]
    pub(crate) fn peek(&mut self) -> Result<Option<u8>, Error> {
        loop {
            let window = self.src.text().as_bytes();
            while let Some(&b) = window.get(self.pos) {
                match b {
                    b' ' | b'\t' | b'\r' => self.pos += 1,
                    b'\n' => {
                        self.pos += 1;
                        self.line += 1;
                        self.line_start = self.src.base().saturating_add(to_u64(self.pos));
                    }
                    _ => return Ok(Some(b)),
                }
            }
            self.fill(1)?;
            if self.pos >= self.src.text().len() {
                return Ok(None);
            }
        }
    }

    /// Whether the next two bytes (no whitespace skipped) are `pair`.
    #[inline]
    pub(crate) fn next_two_are(&mut self, pair: &[u8; 2]) -> Result<bool, Error> {
        self.fill(2)?;
        let window = self.src.text().as_bytes();
        Ok(window.get(self.pos..self.pos + 2) == Some(pair))
    }

    /// Consumes the byte [`Scanner::peek`] returned.
    #[inline]
    pub(crate) fn bump(&mut self) {
        self.pos += 1;
    }

    /// Consumes `word` if the text continues with it.
    pub(crate) fn literal(&mut self, word: &[u8]) -> Result<bool, Error> {
        self.fill(word.len())?;
        let window = self.src.text().as_bytes();
        if window.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            return Ok(true);
        }
        Ok(false)
    }

    /// The bytes of a token returned by [`Scanner::number`]. Valid until the next call that
    /// moves the scanner.
    #[inline]
    pub(crate) fn token(&self, token: NumberToken) -> &str {
        // Tokens start and end next to ASCII bytes, so both ends are character boundaries.
        self.src.text().get(token.start..token.end).unwrap_or("")
    }

    /// Scans a number at the next byte (a `-` or a digit, as [`Scanner::peek`] returned) by
    /// the JSON grammar `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, accumulating
    /// its digits as it goes (see [`Digits`]).
    // Always inlined into the reader's loop: as a call it costs a tenth of the read.
    #[inline(always)]
    pub(crate) fn number(&mut self) -> Result<NumberToken, Fail> {
        self.fill(MAX_NUMBER_LEN + 1)?;
        let window = self.src.text().as_bytes();
        let start = self.pos;
        // Never look further than one byte past the longest token accepted.
        let cut = window.len().min(start.saturating_add(MAX_NUMBER_LEN + 1));
        let text = &window[..cut];
        let digit = |i: usize| text.get(i).is_some_and(u8::is_ascii_digit);
        // Signs and leading digits are random in real data: the steps below avoid
        // branching on them where the grammar allows.
        let mut i = start + usize::from(text.get(start) == Some(&b'-'));
        let mut integer = true;
        let mut problem: Option<&'static str> = None;
        let mut mantissa = DigitAccumulator::new();
        let mut fraction_digits = 0;
        let mut exponent = DigitAccumulator::new();
        let mut negative_exponent = false;
        let count = scan_digits(&text[i..], &mut mantissa);
        if count == 0 {
            problem = Some("expected a digit after `-`");
        } else if count > 1 && text.get(i) == Some(&b'0') {
            // Reported at the digit after the `0`.
            i += 1;
            problem = Some("expected a single `0` before the point: leading zeros are not JSON");
        } else {
            i += count;
        }
        if problem.is_none() && text.get(i) == Some(&b'.') {
            integer = false;
            i += 1;
            if !digit(i) {
                problem = Some("expected a digit after the decimal point");
            }
            fraction_digits = scan_digits(&text[i..], &mut mantissa);
            i += fraction_digits;
        }
        if problem.is_none() && matches!(text.get(i), Some(b'e' | b'E')) {
            integer = false;
            i += 1;
            match text.get(i) {
                Some(b'-') => {
                    negative_exponent = true;
                    i += 1;
                }
                Some(b'+') => i += 1,
                _ => {}
            }
            if !digit(i) {
                problem = Some("expected a digit in the exponent");
            }
            i += scan_digits(&text[i..], &mut exponent);
        }
        if i - start > MAX_NUMBER_LEN || (problem.is_some() && i >= cut && cut < window.len()) {
            return Err(Fail::TooLong {
                at: self.mark_at(start),
            });
        }
        if let Some(reason) = problem {
            return Err(Fail::Syntax {
                at: self.mark_at(i),
                reason: reason.into(),
            });
        }
        self.pos = i;
        let digits = match (mantissa.get(), exponent.get()) {
            (Some(mantissa), Some(written)) => i64::try_from(written)
                .ok()
                .map(|e| if negative_exponent { -e } else { e })
                .and_then(|e| e.checked_sub(i64::try_from(fraction_digits).ok()?))
                .map(|exponent| Digits { mantissa, exponent }),
            _ => None,
        };
        Ok(NumberToken {
            start,
            end: i,
            integer,
            digits,
        })
    }

    /// Reads a string at the next byte (a `"`), handing its content to `sink` in pieces:
    /// runs of raw bytes and the UTF-8 bytes of each escape. Control characters are refused;
    /// the caller checks UTF-8 if it keeps the text.
    pub(crate) fn string(
        &mut self,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), Fail>,
    ) -> Result<(), Fail> {
        self.bump();
        loop {
            let window = self.src.text().as_bytes();
            let run = window[self.pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let end = run.map_or(window.len(), |n| self.pos + n);
            if end > self.pos {
                sink(&window[self.pos..end])?;
                self.pos = end;
            }
            if run.is_none() {
                self.fill(1)?;
                if self.pos >= self.src.text().len() {
                    return Err(self.syntax("unterminated string"));
                }
                continue;
            }
            match self.src.text().as_bytes()[self.pos] {
                b'"' => {
                    self.bump();
                    return Ok(());
                }
                b'\\' => {
                    let c = self.escape()?;
                    let mut utf8 = [0u8; 4];
                    sink(c.encode_utf8(&mut utf8).as_bytes())?;
                }
                _ => return Err(self.syntax("control characters must be escaped in strings")),
            }
        }
    }

    /// Decodes one escape sequence at the next byte (a `\`), surrogate pairs included.
    fn escape(&mut self) -> Result<char, Fail> {
        self.fill(12)?;
        let window = self.src.text().as_bytes();
        let c = match window.get(self.pos + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let high = self.hex4(self.pos + 2)?;
                if !(0xD800..0xDC00).contains(&high) {
                    self.pos += 6;
                    return char::from_u32(high)
                        .ok_or_else(|| self.syntax("lone low surrogate in a `\\u` escape"));
                }
                if window.get(self.pos + 6..self.pos + 8) != Some(b"\\u") {
                    return Err(self.syntax("high surrogate without its low surrogate"));
                }
                let low = self.hex4(self.pos + 8)?;
                if !(0xDC00..0xE000).contains(&low) {
                    return Err(self.syntax("high surrogate without its low surrogate"));
                }
                self.pos += 12;
                let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                return char::from_u32(code).ok_or_else(|| self.syntax("invalid surrogate pair"));
            }
            _ => return Err(self.syntax("invalid escape sequence")),
        };
        self.pos += 2;
        Ok(c)
    }

    /// The value of four hex digits at window index `at`.
    fn hex4(&self, at: usize) -> Result<u32, Fail> {
        let digits = self
            .src
            .text()
            .as_bytes()
            .get(at..at + 4)
            .ok_or_else(|| self.syntax("expected four hex digits after `\\u`"))?;
        digits.iter().try_fold(0u32, |acc, &b| {
            let d = char::from(b)
                .to_digit(16)
                .ok_or_else(|| self.syntax("expected four hex digits after `\\u`"))?;
            Ok(acc * 16 + d)
        })
    }

    /// Requires the end of the input after optional whitespace.
    pub(crate) fn finish(&mut self) -> Result<(), Fail> {
        match self.peek()? {
            None => Ok(()),
            Some(b) => Err(self.syntax(format!(
                "expected the end of the input after the value, found {}",
                describe_byte(b)
            ))),
        }
    }

    /// Refuses a UTF-8 byte order mark at the very start (RFC 8259 §8.1: a JSON text must not
    /// begin with one; accepting it would let one reader see a different text than another).
    pub(crate) fn refuse_bom(&mut self) -> Result<(), Fail> {
        self.fill(3)?;
        if self.src.text().as_bytes().starts_with(b"\xEF\xBB\xBF") {
            return Err(self.syntax("a byte order mark is not allowed before JSON text"));
        }
        Ok(())
    }
}

/// The number of ASCII digits `bytes` starts with, looked at eight bytes at a time (number
/// tokens are mostly digits, and this loop is the reader's hottest); the digits are appended
/// to `acc`. Always inlined: a call per digit run costs more than the loop on short tokens.
#[inline(always)]
fn scan_digits(bytes: &[u8], acc: &mut DigitAccumulator) -> usize {
    let mut n = 0;
    while let Some(Ok(word)) = bytes.get(n..n + 8).map(<[u8; 8]>::try_from) {
        // Per byte: x = b ^ b'0' is below 10 exactly for a digit. Adding 0x76 to the low
        // seven bits sets the high bit when x >= 10, without carrying into the next byte; a
        // byte whose x already has its high bit set is no digit either.
        let x = u64::from_le_bytes(word) ^ 0x3030_3030_3030_3030;
        let high =
            (((x & 0x7F7F_7F7F_7F7F_7F7F) + 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080;
        if high == 0 {
            // Eight digits. Advancing by a constant, on a predicted branch, lets the next
            // load start before this word is counted.
            acc.push(8, eight_digits(x));
            n += 8;
            continue;
        }
        // The first byte is the lowest (little-endian): count the digits before a non-digit.
        let count = usize::try_from(high.trailing_zeros() / 8).unwrap_or(0);
        // Shift the digits to the top bytes; the zero bytes below read as leading zeros. No
        // digit at all (a shift by 64) appends nothing.
        let digits = u32::try_from(64 - 8 * count)
            .ok()
            .and_then(|shift| x.checked_shl(shift))
            .unwrap_or(0);
        acc.push(count, eight_digits(digits));
        return n + count;
    }
    for &b in &bytes[n..] {
        if !b.is_ascii_digit() {
            break;
        }
        acc.push(1, u64::from(b - b'0'));
        n += 1;
    }
    n
}

/// The integer written by eight digits, given as their values (0 to 9) one per byte, the
/// first in the lowest byte. Three multiplications combine neighbours into pairs, pairs into
/// fours and fours into the eight-digit value (the well-known SWAR conversion).
#[inline]
fn eight_digits(x: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 100 + (1_000_000 << 32);
    const MUL2: u64 = 1 + (10_000 << 32);
    let pairs = x.wrapping_mul(10).wrapping_add(x >> 8);
    let high = (pairs & MASK).wrapping_mul(MUL1);
    let low = ((pairs >> 16) & MASK).wrapping_mul(MUL2);
    high.wrapping_add(low) >> 32
}

/// A byte as an error message shows it: `` `x` `` when printable ASCII, its value otherwise.
pub(crate) fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("`{}`", char::from(b))
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use std::io::{self, Read};

    use super::super::source::{ReaderSource, SliceSource, READ_CHUNK};
    use super::*;

    fn scan_number(text: &str) -> Result<(String, bool), String> {
        let mut s = Scanner::new(SliceSource::new(text));
        match s.number() {
            Ok(t) => Ok((s.token(t).to_owned(), t.integer)),
            Err(Fail::Syntax { reason, at }) => Err(format!("{}: {reason}", at.column)),
            Err(Fail::TooLong { .. }) => Err("too long".into()),
            Err(Fail::Other(e)) => Err(e.to_string()),
        }
    }

    #[test]
    fn numbers_follow_the_json_grammar() {
        assert_eq!(scan_number("0,"), Ok(("0".into(), true)));
        assert_eq!(scan_number("-12]"), Ok(("-12".into(), true)));
        assert_eq!(scan_number("1.5e-3 "), Ok(("1.5e-3".into(), false)));
        assert_eq!(scan_number("2E+10"), Ok(("2E+10".into(), false)));
        assert_eq!(scan_number("1e5"), Ok(("1e5".into(), false)));
        assert!(scan_number("01").unwrap_err().contains("leading zeros"));
        assert!(scan_number("-").unwrap_err().contains("digit after `-`"));
        assert!(scan_number("1.")
            .unwrap_err()
            .starts_with("3: expected a digit after"));
        assert!(scan_number("1e").unwrap_err().contains("exponent"));
        assert!(scan_number("-a").is_err());
    }

    fn count_digits(bytes: &[u8]) -> (usize, Option<u64>) {
        let mut acc = DigitAccumulator::new();
        let n = scan_digits(bytes, &mut acc);
        (n, acc.get())
    }

    #[test]
    fn digits_are_counted_and_read_eight_at_a_time() {
        for b in 0..=255u8 {
            for at in 0..12 {
                let mut bytes: Vec<u8> = b"314159265358".to_vec();
                bytes[at] = b;
                let naive = bytes.iter().take_while(|c| c.is_ascii_digit()).count();
                let value = std::str::from_utf8(&bytes[..naive])
                    .map_or(0, |t| t.parse::<u64>().unwrap_or(0));
                assert_eq!(
                    count_digits(&bytes),
                    (naive, Some(value)),
                    "byte {b} at {at}"
                );
            }
        }
        assert_eq!(count_digits(b""), (0, Some(0)));
        assert_eq!(count_digits(b"18446744073709551615x"), (20, Some(u64::MAX)));
        assert_eq!(count_digits(b"18446744073709551616"), (20, None));
        assert_eq!(count_digits(b"123456789012345678901234"), (24, None));
        assert_eq!(count_digits(b"000000000000000000000000012"), (27, Some(12)));
    }

    fn digits_of(text: &str) -> Option<(u64, i64)> {
        let mut s = Scanner::new(SliceSource::new(text));
        s.number().ok()?.digits.map(|d| (d.mantissa, d.exponent))
    }

    #[test]
    fn numbers_carry_their_exact_digits() {
        assert_eq!(digits_of("0"), Some((0, 0)));
        assert_eq!(digits_of("-12]"), Some((12, 0)));
        assert_eq!(digits_of("1.5e-3"), Some((15, -4)));
        assert_eq!(digits_of("0.000123"), Some((123, -6)));
        assert_eq!(digits_of("2E+10"), Some((2, 10)));
        assert_eq!(digits_of("12.50e000000000000000000000007"), Some((1250, 5)));
        assert_eq!(
            digits_of("0.1234567890123456789"),
            Some((1_234_567_890_123_456_789, -19))
        );
        assert_eq!(digits_of("123456789012345678901"), None);
        assert_eq!(digits_of("1e99999999999999999999"), None);
        assert_eq!(
            digits_of("1e-9223372036854775807"),
            Some((1, -9_223_372_036_854_775_807))
        );
        assert_eq!(digits_of("1.5e-9223372036854775808"), None);
    }

    #[test]
    fn long_numbers_stop_at_the_cap() {
        let ok = "1".repeat(MAX_NUMBER_LEN);
        assert!(scan_number(&ok).is_ok());
        assert_eq!(scan_number(&format!("{ok}1")), Err("too long".into()));
        assert_eq!(
            scan_number(&format!("0.{}", "1".repeat(20_000))),
            Err("too long".into())
        );
        // A long run of digits ending in a grammar error is still too long, not a syntax error.
        assert_eq!(
            scan_number(&format!("{}.", "9".repeat(5000))),
            Err("too long".into())
        );
    }

    #[test]
    fn reader_windows_keep_tokens_whole() {
        // Numbers straddling the reader's read boundary are still contiguous.
        let text = format!("{}123.5", " ".repeat(READ_CHUNK - 2));
        let src = ReaderSource::new(text.as_bytes(), u64::MAX).unwrap();
        let mut s = Scanner::new(src);
        assert_eq!(s.peek().unwrap(), Some(b'1'));
        let t = s.number().unwrap();
        assert_eq!(s.token(t), "123.5");
        assert_eq!(s.mark().offset, to_u64(text.len()));
    }

    #[test]
    fn reader_stops_past_the_input_limit() {
        let text = " ".repeat(100);
        let src = ReaderSource::new(text.as_bytes(), 99).unwrap();
        let e = Scanner::new(src).peek().unwrap_err();
        assert_eq!(e.code(), "limit.input_bytes");
        let src = ReaderSource::new(text.as_bytes(), 100).unwrap();
        assert_eq!(Scanner::new(src).peek().unwrap(), None);
    }

    /// A reader returning one byte per call, so that characters arrive cut in pieces.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&b, rest)), Some(slot)) => {
                    *slot = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn read_string(bytes: &[u8]) -> Result<String, String> {
        let src = ReaderSource::new(OneByte(bytes), u64::MAX).unwrap();
        let mut s = Scanner::new(src);
        s.peek().map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        s.string(&mut |piece| {
            out.extend_from_slice(piece);
            Ok(())
        })
        .map_err(|f| match f {
            Fail::Other(e) => e.to_string(),
            other => format!("{other:?}"),
        })?;
        Ok(String::from_utf8(out).unwrap())
    }

    #[test]
    fn readers_check_utf8_across_reads() {
        assert_eq!(
            read_string("\"\u{e9}\u{1f600}\"".as_bytes()),
            Ok("\u{e9}\u{1f600}".into())
        );
        assert_eq!(
            read_string(b"\n \"ab\xff\""),
            Err("invalid JSON at line 2, column 5: the text is not UTF-8".into())
        );
        assert_eq!(
            read_string(b"\"ab\xe2\x82"),
            Err("invalid JSON at line 1, column 4: the text is not UTF-8".into())
        );
        let mut s = Scanner::new(SliceSource::from_bytes(b"[1,\n2,\xc0]"));
        while s.peek().is_ok_and(|b| b.is_some()) {
            s.bump();
        }
        let e = s.peek().unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid JSON at line 2, column 3: the text is not UTF-8"
        );
        assert_eq!(e.offset(), Some(6));
    }

    #[test]
    fn strings_decode_escapes() {
        let mut s = Scanner::new(SliceSource::new(r#""a\/b\u00e9\ud83d\ude00" "#));
        let mut out = Vec::new();
        s.string(&mut |piece| {
            out.extend_from_slice(piece);
            Ok(())
        })
        .unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a/b\u{e9}\u{1f600}");
        let mut s = Scanner::new(SliceSource::new("\"a\nb\""));
        assert!(s.string(&mut |_| Ok(())).is_err());
        let mut s = Scanner::new(SliceSource::new(r#""\ud800x""#));
        assert!(s.string(&mut |_| Ok(())).is_err());
        let mut s = Scanner::new(SliceSource::new("\"abc"));
        assert!(s.string(&mut |_| Ok(())).is_err());
    }

    #[test]
    fn lines_and_columns_count_from_one() {
        let mut s = Scanner::new(SliceSource::new("\n  \r\n   x"));
        assert_eq!(s.peek().unwrap(), Some(b'x'));
        assert_eq!(
            s.mark(),
            Mark {
                offset: 8,
                line: 3,
                column: 4
            }
        );
    }
}
