//! Reading the input of `convert`: `.npy`, one member of an `.npz` archive, a raw buffer
//! described by layout flags, or JSON (nested arrays with --dtype, or an envelope that names
//! its own dtype and shape).

use std::fs::File;
use std::path::Path;

use arrayguard::npz::{self, Member};
use arrayguard::raw::{self, Axis, Layout, Platform};
use arrayguard::{json, npy, ArraySpec, ByteOrder, DType, Dim, DynArray, Error, Limits, Order};
use clap::{Args, ValueEnum};

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Source {
    /// A .npy file (versions 1.0, 2.0, 3.0)
    Npy,
    /// One array (--member) of an .npz archive (numpy.savez, numpy.savez_compressed)
    Npz,
    /// Raw bytes (`numpy.tobytes()`, Python `array.tobytes()`), described by --dtype or
    /// --typecode/--platform, --shape and --order
    Raw,
    /// JSON: nested arrays read as --dtype (checked against --shape), or without --dtype an
    /// envelope `{"dtype": "<f4", "shape": [2, 3], "data": [...] | "<base64>"}`
    Json,
}

impl Source {
    /// The format named by the input's extension: `.npy`, `.npz` and `.json`; others need
    /// --from.
    fn from_path(path: &Path) -> Option<Source> {
        match path.extension() {
            Some(ext) if ext.eq_ignore_ascii_case("npy") => Some(Source::Npy),
            Some(ext) if ext.eq_ignore_ascii_case("npz") => Some(Source::Npz),
            Some(ext) if ext.eq_ignore_ascii_case("json") => Some(Source::Json),
            _ => None,
        }
    }
}

/// Byte orders on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ByteOrderArg {
    /// Least significant byte first
    Little,
    /// Most significant byte first
    Big,
}

/// Memory orders on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum OrderArg {
    /// Row-major (last index fastest)
    #[value(name = "C", alias = "c")]
    C,
    /// Column-major (first index fastest)
    #[value(name = "F", alias = "f")]
    F,
}

/// How to read the input.
#[derive(Debug, Args)]
#[command(next_help_heading = "Input")]
pub(crate) struct InputArgs {
    /// Input format [default: `json` for a `.json` file, `npz` for a `.npz` file, otherwise
    /// `npy`]
    #[arg(long, value_enum, value_name = "FORMAT")]
    from: Option<Source>,

    /// The array of an .npz input to convert, by array name (`X`) or member name (`X.npy`);
    /// without it, the error lists the archive's arrays
    #[arg(long, value_name = "NAME")]
    member: Option<String>,

    /// Element type of raw or nested-JSON input: a NumPy type string (`<i4`, `>f8`, `|u1`)
    /// or a name (`i32`, `f64`, `float32`, `complex64`) whose byte order is --byte-order
    #[arg(long, value_name = "DTYPE", conflicts_with = "typecode")]
    dtype: Option<String>,

    /// Byte order of raw input given with a dtype name [default: little]
    #[arg(long, value_enum, value_name = "ORDER", conflicts_with = "typecode")]
    byte_order: Option<ByteOrderArg>,

    /// Python `array` typecode of raw input (`b B h H i I l L q Q e f d`); item sizes depend
    /// on the platform that wrote the buffer, so --platform is required
    #[arg(long, value_name = "CODE", requires = "platform")]
    typecode: Option<char>,

    /// Platform that wrote a typecode buffer: linux-x86_64, linux-aarch64, macos-x86_64,
    /// macos-arm64, windows-x86_64, ... (`l` is 8 bytes on Linux and macOS, 4 on Windows)
    #[arg(long, value_name = "PLATFORM", requires = "typecode")]
    platform: Option<String>,

    /// Shape, comma-separated (`2,3`). Raw input: one axis may be `?` or `-1`, inferred from
    /// the length; an empty string is 0-d (one element) [default: `?`, 1-d]. JSON input: the
    /// shape the arrays must have, `?` for any size on that axis [default: any shape]
    #[arg(long, value_name = "DIMS", allow_hyphen_values = true)]
    shape: Option<String>,

    /// Memory order of raw input
    #[arg(long, value_enum, value_name = "ORDER", default_value_t = OrderArg::C)]
    order: OrderArg,
}

/// Why the input could not be read: bad flags (a usage error) or the input itself.
#[derive(Debug)]
pub(crate) enum InputError {
    /// The flags do not describe a layout; names the flag.
    Usage(&'static str, Error),
    /// The flags are inconsistent with each other.
    Flags(String),
    /// The library refused the input (or reading it failed).
    Input(Error),
}

impl InputArgs {
    /// Reads the whole input with every check of the library, in C order (a Fortran-order
    /// `.npy` or raw payload is converted while it is read). `allow_nan` accepts the JSON
    /// tokens `NaN`, `Infinity` and `-Infinity`.
    pub(crate) fn read(
        &self,
        input: &Path,
        limits: &Limits,
        allow_nan: bool,
    ) -> Result<DynArray, InputError> {
        let source = self
            .from
            .or_else(|| Source::from_path(input))
            .unwrap_or(Source::Npy);
        let spec = ArraySpec::any();
        if self.member.is_some() && source != Source::Npz {
            return Err(InputError::Flags(
                "--member selects an array of an .npz archive; the input is not one (add --from npz if it is)".into(),
            ));
        }
        match source {
            Source::Npz => {
                if self.has_layout_flags() {
                    return Err(InputError::Flags(
                        "--dtype, --typecode, --shape and --order describe raw or JSON input; an .npz member's header describes it".into(),
                    ));
                }
                self.read_member(input, limits)
            }
            Source::Npy => {
                if self.has_layout_flags() {
                    return Err(InputError::Flags(
                        "--dtype, --typecode, --shape and --order describe raw or JSON input; add --from raw or --from json".into(),
                    ));
                }
                let options = npy::ReadOptions::new().limits(limits.clone()).c_order(true);
                options
                    .read_path::<DynArray>(input, &spec)
                    .map_err(InputError::Input)
            }
            Source::Raw => {
                let layout = self.layout()?;
                let options = raw::ReadOptions::new().limits(limits.clone()).c_order(true);
                options
                    .read_path::<DynArray>(input, &layout, &spec)
                    .map_err(InputError::Input)
            }
            Source::Json => self.read_json(input, limits, allow_nan),
        }
    }

    /// Reads the member --member names, in C order. Its errors name the member
    /// ([`Error::member`]).
    fn read_member(&self, input: &Path, limits: &Limits) -> Result<DynArray, InputError> {
        let options = npz::ReadOptions::new().limits(limits.clone()).c_order(true);
        let mut archive = options.open_path(input).map_err(InputError::Input)?;
        let members = archive.members();
        let Some(name) = &self.member else {
            return Err(InputError::Flags(format!(
                "{} is an .npz archive: choose the array to convert with --member NAME ({})",
                input.display(),
                arrays_of(members)
            )));
        };
        let Some(member) = members
            .iter()
            .find(|m| m.array() == name)
            .or_else(|| members.iter().find(|m| m.name() == name))
        else {
            return Err(InputError::Flags(format!(
                "--member {}: {} holds no such array ({})",
                crate::archive::printable(name),
                input.display(),
                arrays_of(members)
            )));
        };
        let array = member.array().to_string();
        archive
            .read::<DynArray>(&array, &ArraySpec::any())
            .map_err(InputError::Input)
    }

    fn read_json(
        &self,
        input: &Path,
        limits: &Limits,
        allow_nan: bool,
    ) -> Result<DynArray, InputError> {
        if self.typecode.is_some() || self.byte_order.is_some() || self.order != OrderArg::C {
            return Err(InputError::Flags(
                "JSON input takes --dtype and --shape only (an envelope names its own order)"
                    .into(),
            ));
        }
        let mut spec = ArraySpec::any();
        if let Some(shape) = &self.shape {
            let dims = parse_shape(shape)?.into_iter().map(|axis| match axis {
                Axis::Fixed(n) => Dim::Exact(n),
                Axis::Infer => Dim::Any,
            });
            spec = spec.with_shape(dims.collect::<Vec<_>>());
        }
        let options = json::ReadOptions::new()
            .limits(limits.clone())
            .allow_nan(allow_nan);
        let file = File::open(input).map_err(|e| InputError::Input(e.into()))?;
        let result = match &self.dtype {
            Some(text) => {
                // JSON numbers are text: a byte order stated by a type string means nothing.
                let (dtype, _) =
                    DType::parse_any(text).map_err(|e| InputError::Usage("--dtype", e))?;
                // Nested arrays carry no dtype: the spec names the one to read.
                options.read_reader::<DynArray, _>(file, &spec.with_dtypes([dtype]))
            }
            None => options
                .form(json::Form::Envelope)
                .read_reader::<DynArray, _>(file, &spec),
        };
        result.map_err(InputError::Input)
    }

    fn has_layout_flags(&self) -> bool {
        self.dtype.is_some()
            || self.typecode.is_some()
            || self.shape.is_some()
            || self.byte_order.is_some()
            || self.order != OrderArg::C
    }

    /// The raw layout the flags describe.
    fn layout(&self) -> Result<Layout, InputError> {
        let layout = match (&self.dtype, self.typecode, &self.platform) {
            (Some(dtype), None, _) => match dtype.parse::<DType>() {
                Ok(dtype) => Layout::new(dtype, self.byte_order()),
                Err(_) if self.byte_order.is_some() => {
                    return Err(InputError::Flags(format!(
                        "--byte-order goes with a dtype name; `{dtype}` is a type string, which has its own"
                    )))
                }
                Err(_) => Layout::from_typestr(dtype).map_err(|e| InputError::Usage("--dtype", e))?,
            },
            (None, Some(code), Some(platform)) => {
                let platform: Platform = platform.parse().map_err(|e| InputError::Usage("--platform", e))?;
                Layout::from_typecode(code, platform).map_err(|e| InputError::Usage("--typecode", e))?
            }
            _ => {
                return Err(InputError::Flags(
                    "raw input needs --dtype, or --typecode with --platform".into(),
                ))
            }
        };
        let order = match self.order {
            OrderArg::C => Order::C,
            OrderArg::F => Order::F,
        };
        let axes = parse_shape(self.shape.as_deref().unwrap_or("?"))?;
        let layout = layout
            .with_shape(axes)
            .map_err(|e| InputError::Usage("--shape", e))?;
        Ok(layout.with_order(order))
    }

    fn byte_order(&self) -> ByteOrder {
        match self.byte_order {
            Some(ByteOrderArg::Big) => ByteOrder::Big,
            Some(ByteOrderArg::Little) | None => ByteOrder::Little,
        }
    }
}

/// The arrays of an archive for a message: `its arrays: a, b, c` (the first 20, then how many
/// more), or `it holds no array`.
fn arrays_of(members: &[Member]) -> String {
    const SHOWN: usize = 20;
    if members.is_empty() {
        return "it holds no array".into();
    }
    let names: Vec<String> = members
        .iter()
        .take(SHOWN)
        .map(|m| crate::archive::printable(m.array()))
        .collect();
    let more = match members.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    format!("its arrays: {}{more}", names.join(", "))
}

/// `2,3` → fixed axes; `?` or `-1` → an inferred axis; `` → no axis (0-d).
fn parse_shape(text: &str) -> Result<Vec<Axis>, InputError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| match part.trim() {
            "?" | "-1" => Ok(Axis::Infer),
            n => n.parse::<usize>().map(Axis::Fixed).map_err(|_| {
                InputError::Flags(format!(
                    "--shape: expected comma-separated sizes, `?` or `-1`, found `{}`",
                    n.escape_debug()
                ))
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_flag_syntax() {
        assert_eq!(parse_shape("").unwrap(), vec![]);
        assert_eq!(
            parse_shape("2, 3").unwrap(),
            vec![Axis::Fixed(2), Axis::Fixed(3)]
        );
        assert_eq!(
            parse_shape("?,3").unwrap(),
            vec![Axis::Infer, Axis::Fixed(3)]
        );
        assert_eq!(parse_shape("-1").unwrap(), vec![Axis::Infer]);
        assert!(parse_shape("2,x").is_err());
        assert!(parse_shape("-2").is_err());
    }
}
