//! One field of a JSON object body read as a validated array: serde_json walks the object,
//! skips the other fields, and hands the named one to arrayguard's
//! [`ArraySeed`](arrayguard::json::ArraySeed), whose typed error is kept and given the line
//! and column serde_json reports.

use std::fmt;
use std::io::{BufReader, Read};

use arrayguard::json::ReadOptions;
use arrayguard::{ArraySpec, Error, ErrorKind, Target};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::problem::Problem;

/// Reads the object in `reader`, returning the field `name` as an array validated against
/// `spec` with `options`; the text must end after the object.
pub(crate) fn read_field<O: Target, R: Read>(
    reader: R,
    name: &str,
    options: ReadOptions,
    spec: &ArraySpec,
) -> Result<O::Owned, Problem> {
    // serde_json reads a byte at a time; the buffer makes that a copy from memory.
    let mut deserializer = serde_json::Deserializer::from_reader(BufReader::new(reader));
    let mut error = None;
    let visitor = FieldVisitor::<O> {
        name,
        seed: options.seed::<O>(spec),
        error: &mut error,
    };
    let read = deserializer
        .deserialize_map(visitor)
        .and_then(|array| deserializer.end().map(|()| array));
    read.map_err(|e| problem(e, error))
}

/// The problem for a failed read: the arrayguard error the visitor kept, or serde_json's own
/// (syntax, I/O, a value of the wrong type), with serde_json's line and column.
fn problem(e: serde_json::Error, kept: Option<Error>) -> Problem {
    use serde_json::error::Category;
    let problem = match kept {
        Some(kept) => Problem::from(kept),
        None => match e.classify() {
            Category::Io => {
                let io = std::io::Error::from(e);
                return Problem::from(Error::from(io));
            }
            Category::Syntax | Category::Eof => Problem::from(Error::from(ErrorKind::JsonSyntax {
                reason: message(&e).into(),
            })),
            Category::Data => Problem::from(Error::from(ErrorKind::Envelope {
                reason: message(&e).into(),
            })),
        },
    };
    if e.line() == 0 {
        return problem;
    }
    problem.at_json_text(
        u64::try_from(e.line()).unwrap_or(u64::MAX),
        u64::try_from(e.column()).unwrap_or(u64::MAX),
    )
}

/// serde_json's message without the ` at line L column C` it appends.
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Walks an object: the field `name` through the seed, every other value skipped.
struct FieldVisitor<'a, 's, O> {
    name: &'a str,
    seed: arrayguard::json::ArraySeed<'s, O>,
    /// Where the arrayguard error is kept when the field is invalid.
    error: &'a mut Option<Error>,
}

impl<'de, O: Target> Visitor<'de> for FieldVisitor<'_, '_, O> {
    type Value = O::Owned;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object with the field `{}`", self.name)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<O::Owned, A::Error> {
        let mut found = None;
        while let Some(is_field) = map.next_key_seed(KeyIs(self.name))? {
            if !is_field {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            if found.is_some() {
                let e = Error::from(ErrorKind::Envelope {
                    reason: format!("the field `{}` appears twice", self.name).into(),
                });
                return Err(keep(self.error, e));
            }
            match map.next_value_seed(Typed(self.seed.clone()))? {
                Ok(array) => found = Some(array),
                Err(e) => return Err(keep(self.error, e)),
            }
        }
        match found {
            Some(array) => Ok(array),
            None => {
                let e = Error::from(ErrorKind::MissingArray {
                    array: self.name.into(),
                });
                Err(keep(self.error, e))
            }
        }
    }
}

/// Keeps `e` for the extractor and stops the deserializer with it.
fn keep<E: de::Error>(slot: &mut Option<Error>, e: Error) -> E {
    let stop = E::custom(format_args!("{}: {e}", e.code()));
    *slot = Some(e);
    stop
}

/// The seed with arrayguard's error kept apart from the deserializer's.
struct Typed<'s, O>(arrayguard::json::ArraySeed<'s, O>);

impl<'de, O: Target> DeserializeSeed<'de> for Typed<'_, O> {
    type Value = arrayguard::Result<O::Owned>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize_typed(deserializer)
    }
}

/// A key: whether it is `self.0`, compared without allocating when serde_json lends it.
struct KeyIs<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrayguard::{DType, Dim, DynArray};

    fn read(text: &str) -> Result<arrayguard::Array<i32>, Problem> {
        let spec = ArraySpec::new(DType::I32).with_shape([Dim::Any, Dim::Exact(2)]);
        read_field::<i32, _>(text.as_bytes(), "x", ReadOptions::new(), &spec)
    }

    #[test]
    fn the_field_is_read_and_the_rest_skipped() {
        let array = read(r#"{"a": {"deep": [1, [2]]}, "x": [[1, 2], [3, 4]], "b": "\u0078"}"#)
            .expect("valid");
        assert_eq!(array.as_slice(), &[1, 2, 3, 4]);
        // An escaped key is the same key.
        let array = read(r#"{"\u0078": [[5, 6]]}"#).expect("valid");
        assert_eq!(array.as_slice(), &[5, 6]);
    }

    #[test]
    fn validation_errors_keep_their_code_path_and_text_position() {
        let problem = read("{\"x\":\n [[1, 2, 3]]}").unwrap_err();
        assert_eq!(problem.code(), "spec.shape");
        let place = problem.json().expect("a JSON place");
        assert_eq!(place.path, "[0][2]");
        assert_eq!((place.line, place.column), (Some(2), Some(10)));
    }

    #[test]
    fn object_errors() {
        let cases = [
            ("{\"y\": 1}", "spec.missing_array", None),
            ("{\"x\": [[1, 2]], \"x\": [[1, 2]]}", "json.envelope", None),
            ("[[1, 2]]", "json.envelope", None),
            ("{\"x\": [[1, 2]]} 7", "json.syntax", None),
            ("{\"x\": [[1, 2]]", "json.syntax", None),
            ("{\"x\": [[1, 2],\n [3, 4,]]}", "json.syntax", Some((2, 8))),
            ("{\"x\": [[1, 2.5]]}", "json.not_an_integer", None),
        ];
        for (text, code, at) in cases {
            let problem = read(text).unwrap_err();
            assert_eq!(problem.code(), code, "{text}: {problem}");
            assert!(
                problem.json().is_some_and(|p| p.line.is_some()),
                "{text}: {problem:?}"
            );
            if let Some((line, column)) = at {
                let place = problem.json().expect("a JSON place");
                assert_eq!(
                    (place.line, place.column),
                    (Some(line), Some(column)),
                    "{text}"
                );
            }
        }
        let missing = read("{}").unwrap_err();
        assert_eq!(missing.array(), Some("x"));
        assert_eq!(missing.detail(), "missing array `x`: the spec requires it");
    }

    #[test]
    fn dynamic_output_needs_one_dtype() {
        let spec = ArraySpec::any();
        let problem =
            read_field::<DynArray, _>(&b"{\"x\": [1]}"[..], "x", ReadOptions::new(), &spec)
                .unwrap_err();
        assert_eq!(problem.code(), "config.invalid_spec");
        assert_eq!(
            problem.status(),
            axum::http::StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
