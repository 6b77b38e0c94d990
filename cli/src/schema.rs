//! `arrayguard schema`: JSON Schemas for spec files and for the JSON payloads a spec accepts.

use std::io::{self, Write};
use std::path::PathBuf;

use arrayguard::SpecFile;
use clap::Args;

use crate::report::{self, Status};

/// Print a JSON Schema: of spec files, or of the JSON payload a spec accepts
///
/// Without --payload, prints the schema of spec files (the same one committed as
/// `schemas/spec.schema.json`), for editors and for validating specs. With --payload SPEC,
/// prints a schema of the JSON arrays SPEC accepts (nesting with `minItems`/`maxItems` per
/// axis, number bounds, allowed values), for API documentation; for a bundle, an object with
/// one property per array.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// The spec whose JSON payload to describe
    #[arg(long, value_name = "SPEC")]
    payload: Option<PathBuf>,
}

/// Runs `schema`.
pub(crate) fn run(args: &SchemaArgs) -> Status {
    let schema = match &args.payload {
        None => arrayguard::spec_file_schema(),
        Some(path) => match SpecFile::from_path(path) {
            Ok(SpecFile::Array(spec)) => spec.payload_schema(),
            Ok(SpecFile::Bundle(bundle)) => {
                let mut properties = serde_json::Map::new();
                let mut required = Vec::new();
                for name in bundle.names() {
                    if let Some(spec) = bundle.array(name) {
                        properties.insert(name.to_string(), spec.payload_schema());
                        required.push(serde_json::Value::from(name));
                    }
                }
                serde_json::json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "type": "object",
                    "properties": properties,
                    "required": required,
                    "additionalProperties": false,
                })
            }
            Ok(_) => return Status::Ok,
            Err(error) => {
                report::diagnostic(path.display(), &error);
                return Status::of_config(&error);
            }
        },
    };
    let mut out = io::stdout().lock();
    let written = serde_json::to_writer_pretty(&mut out, &schema)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => Status::Ok,
        Err(e) => report::stdout_failed(e),
    }
}
