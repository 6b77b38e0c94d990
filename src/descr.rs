//! Dtypes written as text: NumPy type strings (`<f4`), NumPy's codes (`f4`) and names
//! (`float32`), and the crate's own names (`f32`), parsed into a [`DType`] and the byte order
//! the text states.
//!
//! Every front-end reads dtypes through these parsers: `.npy` headers and raw layouts take
//! type strings ([`DType::parse_typestr`]); spec files, JSON envelopes and the CLI take any
//! spelling ([`DType::parse_any`]). They are not in `dtype.rs` because their errors are
//! [`Error`]s, and the error type is itself built from `DType`s: the vocabulary stays below the
//! errors, the parsers above them.

use std::str::FromStr;

use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, Result};
use crate::util::{excerpt, EXCERPT_LEN};

/// Why [`DType::parse_any`] refuses text that spells no dtype.
const UNKNOWN: &str = "expected a dtype name such as `f32` or `float32`, a NumPy code such as \
                       `f4`, or a NumPy type string such as `<f4`";

impl DType {
    /// Parses a NumPy type string strictly, as NumPy writes them: `|b1`, `|i1`, `|u1`, and
    /// `<` or `>` followed by `i2 i4 i8 u2 u4 u8 f2 f4 f8 c8 c16`.
    ///
    /// For one-byte types the returned byte order is [`ByteOrder::NATIVE`]; it has no meaning.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::PickleNotAllowed`] for object dtypes (`|O`);
    /// - [`ErrorKind::UnsupportedDtype`] for valid NumPy dtypes outside the set above (strings,
    ///   void, datetimes, long double);
    /// - [`ErrorKind::InvalidDescr`] for everything else: platform-dependent forms such as `=f8`,
    ///   `<l` and `|i4`, and codes without a byte order such as `f8` (which
    ///   [`DType::parse_any`] takes).
    ///
    /// ```
    /// use arrayguard::{ByteOrder, DType};
    /// assert_eq!(DType::parse_typestr(">c16")?, (DType::Complex128, ByteOrder::Big));
    /// assert!(DType::parse_typestr("<l").is_err());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn parse_typestr(descr: &str) -> Result<(DType, ByteOrder)> {
        let invalid = |reason: &'static str| {
            Error::from(ErrorKind::InvalidDescr {
                descr: excerpt(descr, EXCERPT_LEN),
                reason,
            })
        };
        let bytes = descr.as_bytes();
        let (order, rest) = match bytes.first() {
            None => return Err(invalid("empty type string")),
            Some(b'<') => (Some(ByteOrder::Little), &descr[1..]),
            Some(b'>') => (Some(ByteOrder::Big), &descr[1..]),
            Some(b'|') => (None, &descr[1..]),
            Some(b'=') => {
                if rest_is_object(&descr[1..]) {
                    return Err(Error::from(ErrorKind::PickleNotAllowed {
                        descr: excerpt(descr, EXCERPT_LEN),
                    }));
                }
                return Err(invalid("native byte order `=` is platform-dependent"));
            }
            Some(_) => {
                if rest_is_object(descr) {
                    return Err(Error::from(ErrorKind::PickleNotAllowed {
                        descr: excerpt(descr, EXCERPT_LEN),
                    }));
                }
                return Err(invalid(
                    "expected a byte order character `<`, `>` or `|` first",
                ));
            }
        };
        let mut chars = rest.chars();
        let kind = chars
            .next()
            .ok_or_else(|| invalid("missing kind character"))?;
        let size_text = chars.as_str();
        if kind == 'O' {
            return Err(Error::from(ErrorKind::PickleNotAllowed {
                descr: excerpt(descr, EXCERPT_LEN),
            }));
        }
        if matches!(kind, 'S' | 'U' | 'V' | 'a' | 'M' | 'm') {
            if kind_tail_is_valid(kind, size_text) {
                return Err(Error::from(ErrorKind::UnsupportedDtype {
                    descr: excerpt(descr, EXCERPT_LEN),
                }));
            }
            return Err(invalid(
                "malformed size for a string, void or datetime dtype",
            ));
        }
        if !matches!(kind, 'b' | 'i' | 'u' | 'f' | 'c') {
            return Err(invalid("unknown kind character"));
        }
        if size_text.is_empty() {
            return Err(invalid(
                "single-character type codes are platform-dependent",
            ));
        }
        if !size_text.bytes().all(|b| b.is_ascii_digit()) || size_text.len() > 2 {
            return Err(invalid("expected a decimal item size after the kind"));
        }
        let dtype = match (kind, size_text) {
            ('b', "1") => DType::Bool,
            ('i', "1") => DType::I8,
            ('i', "2") => DType::I16,
            ('i', "4") => DType::I32,
            ('i', "8") => DType::I64,
            ('u', "1") => DType::U8,
            ('u', "2") => DType::U16,
            ('u', "4") => DType::U32,
            ('u', "8") => DType::U64,
            ('f', "2") => DType::F16,
            ('f', "4") => DType::F32,
            ('f', "8") => DType::F64,
            ('c', "8") => DType::Complex64,
            ('c', "16") => DType::Complex128,
            // Extended precision (`long double`): valid NumPy, platform-dependent layout.
            ('f', "10" | "12" | "16") | ('c', "20" | "24" | "32") => {
                return Err(Error::from(ErrorKind::UnsupportedDtype {
                    descr: excerpt(descr, EXCERPT_LEN),
                }))
            }
            _ => return Err(invalid("no such item size for this kind")),
        };
        match (order, dtype.itemsize()) {
            (None, 1) => Ok((dtype, ByteOrder::NATIVE)),
            (Some(_), 1) => Err(invalid("one-byte types are written with `|`")),
            (None, _) => Err(invalid(
                "`|` means native order for multi-byte types; expected `<` or `>`",
            )),
            (Some(order), _) => Ok((dtype, order)),
        }
    }

    /// Parses any unambiguous spelling of a dtype, and the byte order it states: the one
    /// parser for dtypes written by people (spec files, the CLI, JSON envelopes).
    ///
    /// | spelling | examples | byte order |
    /// | --- | --- | --- |
    /// | the crate's names ([`DType::name`]) | `bool`, `i8`, `u16`, `f32`, `complex64` | `None` |
    /// | NumPy's names | `bool_`, `int8`, `uint64`, `float32`, `half`, `complex128`, also `c64`, `c128` | `None` |
    /// | NumPy's codes without a byte order | `?`, `b1`, `i1`, `i2`, `i4`, `u1`, `u2`, `u4`, `f2`, `f4`, `f8`, `c8`, `c16` | `None` |
    /// | NumPy type strings ([`DType::parse_typestr`]) | `<f4`, `>i8`, `\|u1` | stated; `None` for one-byte types |
    /// | bfloat16, which NumPy lacks | `bf16`, `bfloat16`; `<bf16`, `>bf16` ([`DType::typestr`]) | `None`; stated |
    ///
    /// `i8`, `u8` and `f16` are the crate's names: one-byte integers and binary16, as
    /// [`DType::name`] prints them. NumPy's codes `i8` and `u8` (8-byte integers) are written
    /// `int64`/`uint64` or `<i8`/`<u8`; its `f16` (a long double) is not read at all.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::InvalidDescr`] for text that spells no dtype, and for platform-dependent
    ///   spellings, with the reason: native byte order (`=f8`), one-letter type codes (`l`,
    ///   `d`), names of C types (`int`, `long`, `intc`) and `float` and `complex` (64 bits in
    ///   NumPy, 32 in C);
    /// - [`ErrorKind::PickleNotAllowed`] for object dtypes (`O`, `object`, `|O`);
    /// - [`ErrorKind::UnsupportedDtype`] for valid NumPy dtypes that are not read (`S10`, `<U8`,
    ///   `M8[ns]`, `<f16`).
    ///
    /// ```
    /// use arrayguard::{ByteOrder, DType};
    /// assert_eq!(DType::parse_any("float32")?, (DType::F32, None));
    /// assert_eq!(DType::parse_any("f4")?, (DType::F32, None));
    /// assert_eq!(DType::parse_any(">i8")?, (DType::I64, Some(ByteOrder::Big)));
    /// assert_eq!(DType::parse_any("i8")?, (DType::I8, None));
    /// assert!(DType::parse_any("long").is_err());
    /// # Ok::<(), arrayguard::Error>(())
    /// ```
    pub fn parse_any(text: &str) -> Result<(DType, Option<ByteOrder>)> {
        parse_known(text)?.ok_or_else(|| {
            Error::from(ErrorKind::InvalidDescr {
                descr: excerpt(text, EXCERPT_LEN),
                reason: UNKNOWN,
            })
        })
    }
}

/// [`DType::parse_any`], with `Ok(None)` for text that spells no dtype at all, so that a
/// caller can word that message itself (spec files name the key at fault).
pub(crate) fn parse_known(text: &str) -> Result<Option<(DType, Option<ByteOrder>)>> {
    // bfloat16 has no NumPy type string; `<bf16` and `>bf16` are the crate's own.
    match text {
        "<bf16" => return Ok(Some((DType::BF16, Some(ByteOrder::Little)))),
        ">bf16" => return Ok(Some((DType::BF16, Some(ByteOrder::Big)))),
        _ => {}
    }
    if text.starts_with(['<', '>', '|', '=']) {
        let (dtype, order) = DType::parse_typestr(text)?;
        return Ok(Some((dtype, (dtype.itemsize() > 1).then_some(order))));
    }
    if let Some(dtype) = from_name(text).or_else(|| from_code(text)) {
        return Ok(Some((dtype, None)));
    }
    if rest_is_object(text) {
        return Err(Error::from(ErrorKind::PickleNotAllowed {
            descr: excerpt(text, EXCERPT_LEN),
        }));
    }
    if let Some(reason) = platform_dependent(text) {
        return Err(Error::from(ErrorKind::InvalidDescr {
            descr: excerpt(text, EXCERPT_LEN),
            reason,
        }));
    }
    // NumPy's string, void and datetime dtypes (`S10`, `U8`, `M8[ns]`): valid, but not read.
    let mut chars = text.chars();
    if let Some(kind @ ('S' | 'U' | 'V' | 'a' | 'M' | 'm')) = chars.next() {
        if kind_tail_is_valid(kind, chars.as_str()) {
            return Err(Error::from(ErrorKind::UnsupportedDtype {
                descr: excerpt(text, EXCERPT_LEN),
            }));
        }
    }
    Ok(None)
}

/// The crate's names and NumPy's names of the dtypes (see [`DType::parse_any`]).
fn from_name(name: &str) -> Option<DType> {
    let dtype = match name {
        "bool" | "bool_" => DType::Bool,
        "i8" | "int8" => DType::I8,
        "i16" | "int16" => DType::I16,
        "i32" | "int32" => DType::I32,
        "i64" | "int64" => DType::I64,
        "u8" | "uint8" => DType::U8,
        "u16" | "uint16" => DType::U16,
        "u32" | "uint32" => DType::U32,
        "u64" | "uint64" => DType::U64,
        "f16" | "float16" | "half" => DType::F16,
        "f32" | "float32" => DType::F32,
        "f64" | "float64" => DType::F64,
        "c64" | "complex64" => DType::Complex64,
        "c128" | "complex128" => DType::Complex128,
        "bf16" | "bfloat16" => DType::BF16,
        _ => return None,
    };
    Some(dtype)
}

/// NumPy's codes without a byte order (kind and item size). `i8` and `u8` are missing on
/// purpose: they are the crate's names of the one-byte integers.
fn from_code(code: &str) -> Option<DType> {
    let dtype = match code {
        "?" | "b1" => DType::Bool,
        "i1" => DType::I8,
        "i2" => DType::I16,
        "i4" => DType::I32,
        "u1" => DType::U8,
        "u2" => DType::U16,
        "u4" => DType::U32,
        "f2" => DType::F16,
        "f4" => DType::F32,
        "f8" => DType::F64,
        "c8" => DType::Complex64,
        "c16" => DType::Complex128,
        _ => return None,
    };
    Some(dtype)
}

/// Why a spelling NumPy accepts is refused: its meaning depends on the platform (or on the
/// reader's language).
fn platform_dependent(text: &str) -> Option<&'static str> {
    let reason = match text {
        "b" | "B" | "h" | "H" | "i" | "I" | "l" | "L" | "q" | "Q" | "p" | "P" | "n" | "N" | "e"
        | "f" | "d" | "g" | "F" | "D" | "G" => {
            "one-letter type codes name C types, whose sizes are the platform's; write the \
             size, e.g. `i4` or `float32`"
        }
        "int" | "uint" | "int_" | "uint_" | "intp" | "uintp" | "intc" | "uintc" | "long"
        | "ulong" | "longlong" | "ulonglong" | "short" | "ushort" | "byte" | "ubyte" => {
            "names a C type, whose size is the platform's; write the size, e.g. `int32` or \
             `int64`"
        }
        "float" | "complex" => {
            "means 64-bit parts in NumPy but 32-bit ones in C; write the size, e.g. `float64` \
             or `complex64`"
        }
        _ => return None,
    };
    Some(reason)
}

/// Whether `text` (after any byte-order character) names NumPy's object dtype.
fn rest_is_object(text: &str) -> bool {
    text.starts_with('O') || text == "object"
}

/// Whether the size part of an `S`, `U`, `V`, `a`, `M` or `m` type string is well formed.
fn kind_tail_is_valid(kind: char, tail: &str) -> bool {
    let is_decimal =
        |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    match kind {
        'M' | 'm' => {
            let Some(rest) = tail.strip_prefix('8') else {
                return false;
            };
            rest.is_empty()
                || rest
                    .strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .is_some_and(|unit| {
                        let letters = unit.trim_start_matches(|c: char| c.is_ascii_digit());
                        matches!(
                            letters,
                            "Y" | "M"
                                | "W"
                                | "D"
                                | "h"
                                | "m"
                                | "s"
                                | "ms"
                                | "us"
                                | "ns"
                                | "ps"
                                | "fs"
                                | "as"
                        )
                    })
        }
        _ => is_decimal(tail),
    }
}

impl FromStr for DType {
    type Err = Error;

    /// Parses a dtype name: the names of [`DType::name`], NumPy's names (`float32`, `int8`,
    /// `uint16`, `bool_`…) and a few aliases (`c64`, `c128`, `half`). Type strings such as
    /// `<f4` are parsed by [`DType::parse_typestr`], which also yields a byte order, and every
    /// spelling by [`DType::parse_any`].
    fn from_str(s: &str) -> Result<Self> {
        from_name(s).ok_or_else(|| {
            Error::from(ErrorKind::InvalidDescr {
                descr: excerpt(s, EXCERPT_LEN),
                reason: platform_dependent(s).unwrap_or("unknown dtype name"),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typestr_round_trips_for_every_dtype_and_order() {
        for dtype in DType::ALL {
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let text = dtype.typestr(order);
                if dtype == DType::BF16 {
                    // No NumPy type string: `.npy` headers refuse it, other inputs read it.
                    assert!(DType::parse_typestr(&text).is_err());
                    assert_eq!(DType::parse_any(&text).unwrap(), (dtype, Some(order)));
                    continue;
                }
                let (parsed, parsed_order) = DType::parse_typestr(&text).unwrap();
                assert_eq!(parsed, dtype);
                if dtype.itemsize() > 1 {
                    assert_eq!(parsed_order, order);
                }
                assert_eq!(dtype.name().parse::<DType>().unwrap(), dtype);
            }
        }
    }

    #[test]
    fn typestr_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "dtype.invalid"),
            ("|O", "dtype.pickle_not_allowed"),
            ("O", "dtype.pickle_not_allowed"),
            ("<O8", "dtype.pickle_not_allowed"),
            ("=O", "dtype.pickle_not_allowed"),
            ("object", "dtype.pickle_not_allowed"),
            ("|S10", "dtype.unsupported"),
            ("<U5", "dtype.unsupported"),
            ("|V8", "dtype.unsupported"),
            ("<M8[ns]", "dtype.unsupported"),
            ("<m8", "dtype.unsupported"),
            ("<M8[10ms]", "dtype.unsupported"),
            ("<f16", "dtype.unsupported"),
            ("<c32", "dtype.unsupported"),
            ("<M8[xx]", "dtype.invalid"),
            ("|S", "dtype.invalid"),
            ("=f8", "dtype.invalid"),
            ("f8", "dtype.invalid"),
            ("float64", "dtype.invalid"),
            ("<l", "dtype.invalid"),
            ("<g", "dtype.invalid"),
            ("|i4", "dtype.invalid"),
            ("<i1", "dtype.invalid"),
            ("<f3", "dtype.invalid"),
            ("<x8", "dtype.invalid"),
            ("<ixy", "dtype.invalid"),
            ("<i0004", "dtype.invalid"),
            ("<i٤", "dtype.invalid"),
            ("<", "dtype.invalid"),
        ];
        for (text, code) in cases {
            let err = DType::parse_typestr(text).unwrap_err();
            assert_eq!(err.code(), *code, "{text:?}: {err}");
        }
    }

    #[test]
    fn any_spelling_parses() {
        use ByteOrder::{Big, Little};
        let cases: &[(&str, DType, Option<ByteOrder>)] = &[
            // The crate's names: `i8` and `u8` are one byte, `f16` is binary16.
            ("bool", DType::Bool, None),
            ("i8", DType::I8, None),
            ("i64", DType::I64, None),
            ("u8", DType::U8, None),
            ("u64", DType::U64, None),
            ("f16", DType::F16, None),
            ("f32", DType::F32, None),
            ("complex128", DType::Complex128, None),
            ("c64", DType::Complex64, None),
            // NumPy's names.
            ("bool_", DType::Bool, None),
            ("int8", DType::I8, None),
            ("int64", DType::I64, None),
            ("uint8", DType::U8, None),
            ("uint32", DType::U32, None),
            ("half", DType::F16, None),
            ("float32", DType::F32, None),
            ("float64", DType::F64, None),
            ("complex64", DType::Complex64, None),
            // NumPy's codes without a byte order.
            ("?", DType::Bool, None),
            ("b1", DType::Bool, None),
            ("i1", DType::I8, None),
            ("i2", DType::I16, None),
            ("i4", DType::I32, None),
            ("u1", DType::U8, None),
            ("u2", DType::U16, None),
            ("u4", DType::U32, None),
            ("f2", DType::F16, None),
            ("f4", DType::F32, None),
            ("f8", DType::F64, None),
            ("c8", DType::Complex64, None),
            ("c16", DType::Complex128, None),
            // Type strings: the byte order of multi-byte types, none for one byte.
            ("<f4", DType::F32, Some(Little)),
            (">i8", DType::I64, Some(Big)),
            ("<u8", DType::U64, Some(Little)),
            (">c16", DType::Complex128, Some(Big)),
            ("|u1", DType::U8, None),
            ("|b1", DType::Bool, None),
        ];
        let mut wrong = Vec::new();
        for &(text, dtype, order) in cases {
            match DType::parse_any(text) {
                Ok(found) if found == (dtype, order) => {}
                other => wrong.push(format!(
                    "{text:?}: expected {dtype} {order:?}, found {other:?}"
                )),
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Every name and every type string NumPy writes.
        for dtype in DType::ALL {
            assert_eq!(DType::parse_any(dtype.name()).unwrap(), (dtype, None));
            let (parsed, _) = DType::parse_any(&dtype.typestr(Little)).unwrap();
            assert_eq!(parsed, dtype);
        }
    }

    #[test]
    fn ambiguous_or_unreadable_spellings_are_refused() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "=f8",
                "dtype.invalid",
                "native byte order `=` is platform-dependent",
            ),
            ("l", "dtype.invalid", "one-letter type codes name C types"),
            ("d", "dtype.invalid", "one-letter type codes name C types"),
            (
                "<f",
                "dtype.invalid",
                "single-character type codes are platform-dependent",
            ),
            ("int", "dtype.invalid", "names a C type"),
            ("long", "dtype.invalid", "names a C type"),
            ("intc", "dtype.invalid", "names a C type"),
            (
                "float",
                "dtype.invalid",
                "64-bit parts in NumPy but 32-bit ones in C",
            ),
            (
                "complex",
                "dtype.invalid",
                "64-bit parts in NumPy but 32-bit ones in C",
            ),
            (
                "<i1",
                "dtype.invalid",
                "one-byte types are written with `|`",
            ),
            ("|i4", "dtype.invalid", "`|` means native order"),
            (
                "float33",
                "dtype.invalid",
                "expected a dtype name such as `f32`",
            ),
            (
                "F32",
                "dtype.invalid",
                "expected a dtype name such as `f32`",
            ),
            (
                " f4",
                "dtype.invalid",
                "expected a dtype name such as `f32`",
            ),
            ("", "dtype.invalid", "expected a dtype name such as `f32`"),
            ("O", "dtype.pickle_not_allowed", "pickle"),
            ("object", "dtype.pickle_not_allowed", "pickle"),
            ("|O", "dtype.pickle_not_allowed", "pickle"),
            (
                "S10",
                "dtype.unsupported",
                "only bool, integer, float and complex",
            ),
            (
                "M8[ns]",
                "dtype.unsupported",
                "only bool, integer, float and complex",
            ),
            (
                "<U8",
                "dtype.unsupported",
                "only bool, integer, float and complex",
            ),
            (
                "<f16",
                "dtype.unsupported",
                "only bool, integer, float and complex",
            ),
        ];
        let mut wrong = Vec::new();
        for &(text, code, reason) in cases {
            match DType::parse_any(text) {
                Err(e) if e.code() == code && e.to_string().contains(reason) => {}
                other => wrong.push(format!(
                    "{text:?}: expected {code} ({reason}), found {other:?}"
                )),
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
        // Text that spells no dtype is told apart, for callers that word their own message.
        assert!(matches!(parse_known("float128"), Ok(None)));
        assert!(parse_known("long").is_err());
    }
}
