//! The shape shorthand: a string of space-separated dimension tokens, compatible with
//! jaxtyping's notation and extended with ranges.
//!
//! | token | meaning |
//! | --- | --- |
//! | `224` | exactly 224 |
//! | `_` | any size |
//! | `batch` | any size, bound to the name `batch` on first use; equal everywhere after |
//! | `h:32..=1024` | a named size in `32..=1024` (both inclusive) |
//! | `_:1..=64`, `1..=64` | an anonymous size in `1..=64` |
//! | `h:32..` | a named size of at least 32 (`..=1024`: at most 1024) |
//! | `...` | any number of axes (including none), anonymous |
//! | `*batch` | any number of axes, bound to the name `batch` as a whole |
//!
//! An empty string (or only spaces) is a 0-d shape. At most one variadic token may appear.
//! Names are ASCII letters, digits and `_`, not starting with a digit, at most 64 bytes.

use std::fmt;

/// Longest accepted dimension name.
pub(crate) const MAX_NAME_LEN: usize = 64;

/// One token of a parsed shorthand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A size constraint, optionally bound to a name.
    Size {
        /// The name, if any (`_` is anonymous).
        name: Option<String>,
        /// Smallest accepted size.
        min: usize,
        /// Largest accepted size.
        max: usize,
    },
    /// Any number of axes, optionally bound to a name.
    Variadic {
        /// The name, if any.
        name: Option<String>,
    },
}

/// Why a shorthand string was refused: the byte offset of the offending token and a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) offset: usize,
    pub(crate) reason: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.reason)
    }
}

/// Parses a shorthand string into tokens.
pub(crate) fn parse(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let mut tokens = Vec::new();
    let mut variadic_at = None;
    for (offset, word) in words(text) {
        let err = |reason: String| SyntaxError { offset, reason };
        let token = parse_token(word).map_err(err)?;
        if matches!(token, Token::Variadic { .. }) {
            if let Some(first) = variadic_at {
                return Err(SyntaxError {
                    offset,
                    reason: format!("a second variadic dimension `{word}`: only one is allowed (the first is at byte {first})"),
                });
            }
            variadic_at = Some(offset);
        }
        tokens.push(token);
    }
    Ok(tokens)
}

/// Splits on ASCII spaces, keeping each word's byte offset.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(' ')
        .scan(0usize, |pos, word| {
            let offset = *pos;
            *pos += word.len() + 1;
            Some((offset, word))
        })
        .filter(|(_, word)| !word.is_empty())
}

fn parse_token(word: &str) -> Result<Token, String> {
    if word == "..." {
        return Ok(Token::Variadic { name: None });
    }
    if let Some(name) = word.strip_prefix('*') {
        return Ok(Token::Variadic {
            name: parse_name(name)?,
        });
    }
    if let Some((name, range)) = word.split_once(':') {
        let (min, max) = parse_range(range)?;
        return Ok(Token::Size {
            name: parse_name(name)?,
            min,
            max,
        });
    }
    if word.contains("..") {
        let (min, max) = parse_range(word)?;
        return Ok(Token::Size {
            name: None,
            min,
            max,
        });
    }
    if word.bytes().all(|b| b.is_ascii_digit()) {
        let n = parse_int(word)?;
        return Ok(Token::Size {
            name: None,
            min: n,
            max: n,
        });
    }
    Ok(Token::Size {
        name: parse_name(word)?,
        min: 0,
        max: usize::MAX,
    })
}

/// A dimension name, or `None` for `_`.
fn parse_name(name: &str) -> Result<Option<String>, String> {
    if name == "_" {
        return Ok(None);
    }
    let valid_start = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    if !valid_start || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "expected a dimension name (letters, digits and `_`, not starting with a digit), found `{}`",
            crate::util::excerpt(name, 40)
        ));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("dimension name longer than {MAX_NAME_LEN} bytes"));
    }
    Ok(Some(name.to_string()))
}

/// `a..=b`, `a..`, `..=b` (inclusive bounds). `a..b` (exclusive) is refused as ambiguous.
fn parse_range(text: &str) -> Result<(usize, usize), String> {
    let Some((lo, hi)) = text.split_once("..") else {
        return Err(format!(
            "expected a range such as `1..=64`, found `{}`",
            crate::util::excerpt(text, 40)
        ));
    };
    let min = if lo.is_empty() { 0 } else { parse_int(lo)? };
    let max = match hi.strip_prefix('=') {
        Some(hi) => parse_int(hi)?,
        None if hi.is_empty() => usize::MAX,
        None => {
            return Err(format!(
                "expected `..=` (inclusive) in `{}`; `..` alone is not accepted",
                crate::util::excerpt(text, 40)
            ))
        }
    };
    if min > max {
        return Err(format!(
            "empty range `{text}`: the minimum is above the maximum"
        ));
    }
    Ok((min, max))
}

fn parse_int(text: &str) -> Result<usize, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected a decimal integer, found `{}`",
            crate::util::excerpt(text, 40)
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(format!("leading zeros in `{text}`"));
    }
    text.parse()
        .map_err(|_| format!("`{}` does not fit in usize", crate::util::excerpt(text, 40)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(name: Option<&str>, min: usize, max: usize) -> Token {
        Token::Size {
            name: name.map(str::to_string),
            min,
            max,
        }
    }

    #[test]
    fn grammar_table() {
        let any = usize::MAX;
        let cases: Vec<(&str, Vec<Token>)> = vec![
            ("", vec![]),
            ("   ", vec![]),
            ("3", vec![size(None, 3, 3)]),
            (
                "batch 3 h w",
                vec![
                    size(Some("batch"), 0, any),
                    size(None, 3, 3),
                    size(Some("h"), 0, any),
                    size(Some("w"), 0, any),
                ],
            ),
            ("_ 224", vec![size(None, 0, any), size(None, 224, 224)]),
            (
                "*batch 224 224",
                vec![
                    Token::Variadic {
                        name: Some("batch".into()),
                    },
                    size(None, 224, 224),
                    size(None, 224, 224),
                ],
            ),
            (
                "... 3",
                vec![Token::Variadic { name: None }, size(None, 3, 3)],
            ),
            (
                "*_ 3",
                vec![Token::Variadic { name: None }, size(None, 3, 3)],
            ),
            ("h:32..=1024", vec![size(Some("h"), 32, 1024)]),
            ("_:1..=64", vec![size(None, 1, 64)]),
            ("1..=64", vec![size(None, 1, 64)]),
            ("n:1..", vec![size(Some("n"), 1, any)]),
            ("n:..=8", vec![size(Some("n"), 0, 8)]),
            ("0", vec![size(None, 0, 0)]),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text).unwrap(), expected, "{text:?}");
        }
    }

    #[test]
    fn grammar_errors() {
        let cases = [
            ("... *b", "at byte 4: a second variadic dimension `*b`: only one is allowed (the first is at byte 0)"),
            ("3x", "at byte 0: expected a dimension name (letters, digits and `_`, not starting with a digit), found `3x`"),
            ("a b-c", "at byte 2: expected a dimension name (letters, digits and `_`, not starting with a digit), found `b-c`"),
            ("h:1..5", "at byte 0: expected `..=` (inclusive) in `1..5`; `..` alone is not accepted"),
            ("h:9..=5", "at byte 0: empty range `9..=5`: the minimum is above the maximum"),
            ("h:x..=5", "at byte 0: expected a decimal integer, found `x`"),
            ("h:32", "at byte 0: expected a range such as `1..=64`, found `32`"),
            ("007", "at byte 0: leading zeros in `007`"),
            ("99999999999999999999999", "at byte 0: `99999999999999999999999` does not fit in usize"),
            ("*", "at byte 0: expected a dimension name (letters, digits and `_`, not starting with a digit), found ``"),
        ];
        for (text, message) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), message, "{text:?}");
        }
    }
}
