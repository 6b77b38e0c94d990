//! [`SpecFile`]: specs written as JSON or TOML files, loaded into validated specs and written
//! back.

use std::path::Path;

use super::locate::{line_column, offset_of_line_column, KeyIndex};
use super::wire::{ArrayWire, DimRangeWire, DimWire, FileWire};
use super::{ArraySpec, BundleSpec};
use crate::error::{Error, ErrorKind, Result};

/// A spec file's content: one array or a bundle of named arrays.
///
/// The format (DESIGN.md §4) is plain data with a `version` (only `1`), and either an `array`
/// table or an `arrays` table with shared `dims` and bundle-wide `limits`. Unknown keys are
/// errors. The JSON Schema of the format is [`spec_file_schema`](crate::spec_file_schema).
///
/// ```toml
/// version = 1
///
/// [array]
/// dtype = "f32"                 # a name, a list of names, or {kind = "float", min_bits = 32}
/// byte_order = "little"         # little | big | any (default)
/// shape = "batch 3 h:32..=1024 w"
/// order = "C"                   # C | F | any (default)
///
/// [array.values]
/// min = 0.0
/// max = 1.0
/// finite = true
///
/// [array.limits]
/// max_bytes = 100_000_000
/// ```
///
/// Loading checks everything once: a value of this type holds a consistent spec. Errors are
/// [`ErrorKind::InvalidSpec`], located by the key path and the line and column in the file, for
/// instance `invalid spec at arrays.X.shape (line 7, column 1): ...`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SpecFile {
    /// A file with an `array` table.
    Array(ArraySpec),
    /// A file with an `arrays` table (and optionally `dims` and `limits`).
    Bundle(BundleSpec),
}

/// The text formats of spec files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Toml,
}

impl SpecFile {
    /// Loads a spec file, choosing the format by the file's extension: `.json` or `.toml`
    /// (in any case).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] for another extension (located at the path), text that is not
    /// UTF-8, and everything [`SpecFile::from_json_str`] and [`SpecFile::from_toml_str`]
    /// refuse; [`ErrorKind::Io`] when the file cannot be read.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::SpecFile;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("images.toml");
    /// # std::fs::write(&path, "version = 1\n[array]\ndtype = \"u8\"\nshape = \"h w 3\"\n")?;
    /// let spec = SpecFile::from_path(&path)?;
    /// let array = spec.array().ok_or("expected a single-array spec")?;
    /// assert_eq!(array.dtypes(), Some(&[arrayguard::DType::U8][..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<SpecFile> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match extension.as_deref() {
            Some("json") => Format::Json,
            Some("toml") => Format::Toml,
            other => {
                let found = match other {
                    Some(ext) => format!("`.{ext}`"),
                    None => "none".to_string(),
                };
                return Err(Error::from(ErrorKind::InvalidSpec {
                    location: path.display().to_string().into(),
                    reason: format!("expected a `.json` or `.toml` file extension, found {found}")
                        .into(),
                }));
            }
        };
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let valid = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]);
            let (line, column) = line_column(&prefix, valid);
            Error::from(ErrorKind::InvalidSpec {
                location: format!("line {line}, column {column}").into(),
                reason: "invalid UTF-8".into(),
            })
        })?;
        load(&text, format)
    }

    /// Loads a spec from JSON text.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] for JSON syntax errors, unknown keys, values of the wrong type,
    /// and contradictions (an unknown dtype, an empty dtype list, a shape with two variadic
    /// dimensions, `min` above `max`, `enum` with a float dtype, a declared dimension no
    /// array uses, a `version` other than 1, both or neither of `array` and `arrays`).
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::SpecFile;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = SpecFile::from_json_str(r#"{
    ///     "version": 1,
    ///     "dims": {"n": {"min": 1, "max": 100000}},
    ///     "arrays": {
    ///         "X": {"dtype": "f32", "shape": "n 784"},
    ///         "y": {"dtype": "i64", "shape": ["n"]}
    ///     }
    /// }"#)?;
    /// let bundle = spec.bundle().ok_or("expected a bundle")?;
    /// assert_eq!(bundle.names().collect::<Vec<_>>(), ["X", "y"]);
    ///
    /// let e = SpecFile::from_json_str(r#"{"version": 1, "array": {"dtype": "f33"}}"#).unwrap_err();
    /// assert!(e.to_string().starts_with("invalid spec at array.dtype (line 1, column 26): unknown dtype `f33`"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_json_str(text: &str) -> Result<SpecFile> {
        load(text, Format::Json)
    }

    /// Loads a spec from TOML text.
    ///
    /// # Errors
    ///
    /// As [`SpecFile::from_json_str`], for TOML.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{DType, SpecFile};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = SpecFile::from_toml_str(r#"
    /// version = 1
    /// [array]
    /// dtype = {kind = "float", min_bits = 32}
    /// shape = "*batch 224 224"
    /// "#)?;
    /// let array = spec.array().ok_or("expected one array")?;
    /// assert_eq!(array.dtypes(), Some(&[DType::F32, DType::F64][..]));
    ///
    /// let e = SpecFile::from_toml_str("version = 1\n[array]\nshap = \"n\"\n").unwrap_err();
    /// assert!(e.to_string().starts_with("invalid spec at array.shap (line 3, column 1): unknown field `shap`"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_toml_str(text: &str) -> Result<SpecFile> {
        load(text, Format::Toml)
    }

    /// Writes the spec as pretty-printed JSON (ending with a newline), in the canonical form:
    /// dtypes as names, shapes as the shorthand, defaults left out. Loading the text gives
    /// back an equal spec.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRepresentable`] when a value bound is NaN or infinite, which JSON cannot
    /// write (TOML can).
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{ArraySpec, DType, Order, SpecFile};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = SpecFile::from(ArraySpec::new(DType::F64).with_order(Order::C));
    /// let text = spec.to_json_string()?;
    /// assert_eq!(SpecFile::from_json_str(&text)?, spec);
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_json_string(&self) -> Result<String> {
        let wire = FileWire::from(self);
        let arrays: Vec<(String, &ArrayWire)> = match (&wire.array, &wire.arrays) {
            (Some(array), _) => vec![("array".to_string(), array)],
            (None, Some(arrays)) => arrays
                .0
                .iter()
                .map(|(name, array)| (format!("arrays.{name}"), array))
                .collect(),
            (None, None) => Vec::new(),
        };
        for (path, array) in arrays {
            let Some(values) = &array.values else {
                continue;
            };
            let bounds = [
                ("min", values.min),
                ("max", values.max),
                ("exclusive_min", values.exclusive_min),
                ("exclusive_max", values.exclusive_max),
            ];
            if let Some((key, bound)) = bounds
                .into_iter()
                .find_map(|(key, b)| b.filter(|b| !b.is_finite()).map(|b| (key, b)))
            {
                return Err(Error::from(ErrorKind::NotRepresentable {
                    reason: format!("`{path}.values.{key}` is {bound}, which JSON cannot write")
                        .into(),
                }));
            }
        }
        let mut text = serde_json::to_string_pretty(&wire).map_err(not_representable)?;
        text.push('\n');
        Ok(text)
    }

    /// Writes the spec as TOML, in the canonical form of [`SpecFile::to_json_string`].
    /// Loading the text gives back an equal spec.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotRepresentable`] if the TOML writer refuses the document (not expected:
    /// every spec has a TOML form).
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{ArraySpec, DType, ShapeSpec, SpecFile, ValueSpec};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = SpecFile::from(
    ///     ArraySpec::new(DType::U8)
    ///         .with_shape_spec(ShapeSpec::parse("h w 3")?)
    ///         .with_values(ValueSpec::new().max(200.0)),
    /// );
    /// let text = spec.to_toml_string()?;
    /// assert!(text.contains("shape = \"h w 3\""));
    /// assert_eq!(SpecFile::from_toml_str(&text)?, spec);
    /// # Ok(())
    /// # }
    /// ```
    pub fn to_toml_string(&self) -> Result<String> {
        let mut wire = FileWire::from(self);
        // The TOML writer puts plain values before tables, which would reorder `dims` that
        // mix exact sizes and ranges; written as ranges, exact sizes keep their place.
        if let Some(dims) = &mut wire.dims {
            if dims.0.iter().any(|(_, d)| matches!(d, DimWire::Range(_))) {
                for (_, dim) in &mut dims.0 {
                    if let DimWire::Exact(n) = *dim {
                        *dim = DimWire::Range(DimRangeWire {
                            min: Some(n),
                            max: Some(n),
                        });
                    }
                }
            }
        }
        toml::to_string(&wire).map_err(not_representable)
    }

    /// The spec of a single-array file, or `None` for a bundle.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::{DType, SpecFile};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = SpecFile::from_toml_str("version = 1\n[array]\ndtype = \"i8\"\n")?;
    /// assert_eq!(spec.array().and_then(|a| a.dtypes()), Some(&[DType::I8][..]));
    /// assert!(spec.bundle().is_none());
    /// # Ok(())
    /// # }
    /// ```
    pub fn array(&self) -> Option<&ArraySpec> {
        match self {
            SpecFile::Array(spec) => Some(spec),
            SpecFile::Bundle(_) => None,
        }
    }

    /// The spec of a bundle file, or `None` for a single array.
    ///
    /// # Examples
    ///
    /// ```
    /// use arrayguard::SpecFile;
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let spec = SpecFile::from_toml_str("version = 1\n[arrays.X]\n[arrays.y]\n")?;
    /// let names: Vec<&str> = spec.bundle().map(|b| b.names().collect()).unwrap_or_default();
    /// assert_eq!(names, ["X", "y"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn bundle(&self) -> Option<&BundleSpec> {
        match self {
            SpecFile::Bundle(spec) => Some(spec),
            SpecFile::Array(_) => None,
        }
    }
}

impl From<ArraySpec> for SpecFile {
    fn from(spec: ArraySpec) -> Self {
        SpecFile::Array(spec)
    }
}

impl From<BundleSpec> for SpecFile {
    /// Wraps a bundle; call [`BundleSpec::build`] first (a file's bundle always is built).
    fn from(spec: BundleSpec) -> Self {
        SpecFile::Bundle(spec)
    }
}

fn not_representable(e: impl std::fmt::Display) -> Error {
    Error::from(ErrorKind::NotRepresentable {
        reason: e.to_string().into(),
    })
}

/// Parses the wire form, converts it, and locates any error in `text`.
fn load(text: &str, format: Format) -> Result<SpecFile> {
    let wire: FileWire = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| json_error(text, &e))?,
        Format::Toml => toml::from_str(text).map_err(|e| toml_error(text, &e))?,
    };
    SpecFile::try_from(wire).map_err(|e| match e.into_kind() {
        ErrorKind::InvalidSpec { location, reason } => {
            let index = match format {
                Format::Json => KeyIndex::json(text),
                Format::Toml => KeyIndex::toml(text),
            };
            let location = match index.offset_of(&location) {
                Some(offset) => {
                    let (line, column) = line_column(text, offset);
                    located(Some(&location), line, column)
                }
                None => location,
            };
            Error::from(ErrorKind::InvalidSpec { location, reason })
        }
        other => other.into(),
    })
}

/// `path (line L, column C)`, or only the position when no key encloses it.
fn located(path: Option<&str>, line: u64, column: u64) -> Box<str> {
    match path {
        Some(path) => format!("{path} (line {line}, column {column})").into(),
        None => format!("line {line}, column {column}").into(),
    }
}

fn json_error(text: &str, e: &serde_json::Error) -> Error {
    let (line, column) = (e.line(), e.column());
    // serde_json appends the position to its message; it is in the location instead.
    let message = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let reason = message.strip_suffix(&suffix).unwrap_or(&message);
    let offset = offset_of_line_column(text, line, column);
    // The position is that of the last byte read: inside the offending key or value.
    let index = KeyIndex::json(text);
    let path = index.path_at(offset);
    let path = path.as_deref();
    // serde_json counts the column of an error before the first byte of a line as 0.
    let (line, column) = (
        crate::util::to_u64(line),
        crate::util::to_u64(column.max(1)),
    );
    Error::from(ErrorKind::InvalidSpec {
        location: located(path, line, column),
        reason: reason.into(),
    })
}

fn toml_error(text: &str, e: &toml::de::Error) -> Error {
    let reason = e.message().trim_end().replace('\n', "; ");
    let Some(span) = e.span() else {
        return Error::from(ErrorKind::InvalidSpec {
            location: "line 1, column 1".into(),
            reason: reason.into(),
        });
    };
    let (line, column) = line_column(text, span.start);
    let index = KeyIndex::toml(text);
    Error::from(ErrorKind::InvalidSpec {
        location: located(index.path_at(span.start).as_deref(), line, column),
        reason: reason.into(),
    })
}
