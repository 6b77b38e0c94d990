//! `check --format sarif`: SARIF 2.1.0 for GitHub code scanning, built with `serde-sarif`.
//!
//! One rule per error code (with its help text), one result per file (or archive member) that
//! is not as expected, located at the file, with the byte offset (binary formats) or JSON line
//! and column as its region when the error has one.

use std::collections::BTreeMap;

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Tool, ToolComponent,
};

/// The rule of a file an `arrayguard.toml` rule expects to be invalid but that is valid.
pub(crate) const EXPECTED_INVALID: &str = "arrayguard.expected_invalid";
/// The rule of an array file no `arrayguard.toml` rule checks.
pub(crate) const UNMATCHED: &str = "arrayguard.unmatched";

/// Every error code the library reports, with its help text.
const RULES: &[(&str, &str)] = &[
    (
        "npy.bad_magic",
        "The file does not start with the .npy magic string `\\x93NUMPY`.",
    ),
    (
        "npy.unsupported_version",
        "The .npy format version is not 1.0, 2.0 or 3.0.",
    ),
    (
        "npy.invalid_header",
        "The .npy header is not a valid header dictionary.",
    ),
    (
        "npy.header_too_large",
        "The .npy header length field exceeds max_header_bytes.",
    ),
    (
        "dtype.invalid",
        "The dtype descriptor is not a valid NumPy type string.",
    ),
    (
        "dtype.unsupported",
        "The dtype is valid NumPy but not supported (structured, object, ...).",
    ),
    (
        "dtype.pickle_not_allowed",
        "The array holds Python objects, which would need pickle: refused.",
    ),
    (
        "shape.overflow",
        "The shape's element count or byte size overflows.",
    ),
    (
        "data.truncated",
        "The payload is shorter than the header declares.",
    ),
    (
        "data.trailing",
        "Bytes follow the payload the header declares.",
    ),
    (
        "data.length_mismatch",
        "The input's length does not match its declared shape.",
    ),
    (
        "data.invalid_bool",
        "A bool element is a byte other than 0 or 1.",
    ),
    (
        "data.not_representable",
        "A value cannot be represented in the target format.",
    ),
    ("json.syntax", "The JSON is malformed."),
    (
        "json.ragged",
        "The nested JSON arrays are ragged (not rectangular).",
    ),
    (
        "json.unexpected_token",
        "A JSON value is not of the expected type.",
    ),
    (
        "json.number_out_of_range",
        "A JSON number does not fit the dtype.",
    ),
    (
        "json.not_an_integer",
        "A JSON number is not an integer where the dtype needs one.",
    ),
    ("json.number_too_long", "A JSON number literal is too long."),
    (
        "json.envelope",
        "The JSON envelope (dtype, shape, data) is invalid.",
    ),
    (
        "npz.invalid_archive",
        "The .npz file is not a valid zip archive.",
    ),
    (
        "npz.trailing_data",
        "Bytes follow the archive's end record.",
    ),
    (
        "npz.overlapping_members",
        "Archive members overlap (a zip bomb construction).",
    ),
    (
        "npz.duplicate_member",
        "Two archive members have the same name.",
    ),
    (
        "npz.unsafe_name",
        "A member name is unsafe (absolute, `..`, control characters).",
    ),
    (
        "npz.unsupported",
        "A member uses an unsupported compression or encryption.",
    ),
    (
        "npz.size_mismatch",
        "A member's size differs from the one its headers declare.",
    ),
    (
        "npz.crc_mismatch",
        "A member's CRC-32 does not match its content.",
    ),
    ("spec.dtype", "The dtype is not one the spec allows."),
    (
        "spec.byte_order",
        "The byte order is not the one the spec requires.",
    ),
    (
        "spec.order",
        "The memory order (C/Fortran) is not the one the spec requires.",
    ),
    (
        "spec.ndim",
        "The number of dimensions differs from the spec's.",
    ),
    ("spec.shape", "The shape does not match the spec's."),
    (
        "spec.named_dim",
        "A named dimension differs from its size elsewhere in the bundle.",
    ),
    (
        "spec.missing_array",
        "An array the bundle spec requires is missing.",
    ),
    (
        "spec.unknown_array",
        "An array the bundle spec does not know is present.",
    ),
    ("value.nan", "A NaN value where the spec forbids it."),
    (
        "value.infinite",
        "An infinite value where the spec forbids it.",
    ),
    ("value.below_min", "A value below the spec's minimum."),
    ("value.above_max", "A value above the spec's maximum."),
    (
        "value.not_in_enum",
        "A value outside the spec's allowed set.",
    ),
    ("limit.bytes", "The payload exceeds max_bytes."),
    ("limit.elements", "The element count exceeds max_elements."),
    ("limit.ndim", "The number of dimensions exceeds max_ndim."),
    ("limit.depth", "The JSON nesting exceeds max_json_depth."),
    (
        "limit.input_bytes",
        "The JSON input exceeds max_input_bytes.",
    ),
    (
        "limit.members",
        "The archive holds more members than max_members.",
    ),
    (
        "limit.archive_bytes",
        "The archive's declared total exceeds max_archive_bytes.",
    ),
    (
        "limit.compression_ratio",
        "A member's compression ratio exceeds max_compression_ratio.",
    ),
    (
        "limit.out_of_memory",
        "The allocation the input needs failed.",
    ),
    ("config.invalid_spec", "The spec file is invalid."),
    (
        "usage.element_count",
        "The element count does not fit the layout given.",
    ),
    ("usage.invalid_layout", "The layout given is invalid."),
    (
        "io",
        "The file could not be read (or walked: a broken link, a symbolic link loop).",
    ),
    (
        EXPECTED_INVALID,
        "arrayguard.toml expects this file to be invalid, but it is valid.",
    ),
    (
        UNMATCHED,
        "No rule of arrayguard.toml checks this array file.",
    ),
];

/// One result: a file (or archive member) that is not as expected.
pub(crate) struct Finding {
    pub(crate) path: String,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) offset: Option<u64>,
    pub(crate) line: Option<u64>,
    pub(crate) column: Option<u64>,
    /// `note` for an unmatched file, `error` otherwise.
    pub(crate) warning: bool,
}

/// The SARIF log of `findings`.
pub(crate) fn log(findings: &[Finding]) -> Sarif {
    let mut codes: Vec<(String, String)> = RULES
        .iter()
        .map(|(c, h)| (c.to_string(), h.to_string()))
        .collect();
    for f in findings {
        if !codes.iter().any(|(c, _)| *c == f.code) {
            codes.push((f.code.clone(), format!("arrayguard error `{}`.", f.code)));
        }
    }
    let index: BTreeMap<&str, usize> = codes
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.as_str(), i))
        .collect();
    let rules: Vec<ReportingDescriptor> = codes
        .iter()
        .map(|(code, help)| {
            let level = if code == UNMATCHED {
                "warning"
            } else {
                "error"
            };
            ReportingDescriptor::builder()
                .id(code.clone())
                .name(rule_name(code))
                .short_description(text(help))
                .full_description(text(help))
                .help(
                    MultiformatMessageString::builder()
                        .text(format!("{help} (arrayguard error code `{code}`)"))
                        .markdown(format!("{help}\n\narrayguard error code: `{code}`"))
                        .build(),
                )
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!(level))
                        .build(),
                )
                .build()
        })
        .collect();
    let results: Vec<SarifResult> = findings
        .iter()
        .map(|f| {
            let mut region = Region::builder().build();
            if f.line.is_some() || f.offset.is_some() {
                // Code scanning needs a line: a binary file's region is its first line, with
                // the byte offset.
                region.start_line = Some(to_i64(f.line.unwrap_or(1)));
                region.start_column = f.column.map(to_i64);
                region.byte_offset = f.offset.map(to_i64);
            } else {
                region.start_line = Some(1);
            }
            let location = Location::builder()
                .physical_location(
                    PhysicalLocation::builder()
                        .artifact_location(ArtifactLocation::builder().uri(uri(&f.path)).build())
                        .region(region)
                        .build(),
                )
                .build();
            SarifResult::builder()
                .rule_id(f.code.clone())
                .rule_index(index[f.code.as_str()] as i64)
                .level(if f.warning {
                    ResultLevel::Warning
                } else {
                    ResultLevel::Error
                })
                .message(Message::builder().text(f.message.clone()).build())
                .locations(vec![location])
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("arrayguard".to_string())
        .semantic_version(env!("CARGO_PKG_VERSION").to_string())
        .information_uri("https://github.com/arrayguard/arrayguard".to_string())
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL.to_string())
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder()
        .text(s.to_string())
        .build()
}

/// `npy.bad_magic` → `NpyBadMagic`, the rule's readable name.
fn rule_name(code: &str) -> String {
    code.split(['.', '_'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A relative path as a relative URI reference (`/` separators, reserved bytes
/// percent-encoded); an absolute path as a `file://` URI.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_and_names() {
        assert_eq!(uri("a b/c%.npy"), "a%20b/c%25.npy");
        assert_eq!(uri("/tmp/x.npy"), "file:///tmp/x.npy");
        assert_eq!(rule_name("npy.bad_magic"), "NpyBadMagic");
    }
}
