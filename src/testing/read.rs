//! Reading a corpus back with the library, as a user of the spec would.

use super::{Encoded, Format, Generator};

use crate::array::DynArray;
use crate::bundle::{BundleChecker, Input};
use crate::error::{Error, ErrorKind, Result};
use crate::spec::{ArraySpec, BundleSpec};
use crate::{json, npy, npz, raw};

/// The arrays of `files` read with one array's spec.
fn read_array(
    spec: &ArraySpec,
    format: Format,
    files: &Encoded,
) -> Result<Vec<(String, DynArray)>> {
    let mut out = Vec::new();
    for file in &files.files {
        match format {
            Format::Npz => out.extend(npz::from_slice(&file.bytes, spec)?),
            Format::Npy => out.push((
                file.array.clone(),
                npy::ReadOptions::new().read_slice::<DynArray>(&file.bytes, spec)?,
            )),
            Format::Raw => {
                let layout = file.layout.as_ref().ok_or_else(no_layout)?;
                let a =
                    raw::ReadOptions::new().read_slice::<DynArray>(&file.bytes, layout, spec)?;
                out.push((file.array.clone(), a));
            }
            Format::Json => {
                let options = json::ReadOptions::new().form(json::Form::Envelope);
                out.push((
                    file.array.clone(),
                    options.read_slice::<DynArray>(&file.bytes, spec)?,
                ));
            }
        }
    }
    Ok(out)
}

/// The arrays of `files` read with a bundle spec.
fn read_bundle(
    spec: &BundleSpec,
    format: Format,
    files: &Encoded,
) -> Result<Vec<(String, DynArray)>> {
    let checker = BundleChecker::new(spec);
    let first_error = |verdicts: Vec<crate::bundle::Verdict>| -> Result<()> {
        match verdicts.into_iter().find(|v| !v.is_ok()) {
            Some(v) => v.into_result().map(|_| ()),
            None => Ok(()),
        }
    };
    let member_spec = |name: &str| spec.array(name).cloned().unwrap_or_default();
    let mut out = Vec::new();
    match format {
        Format::Npz => {
            for file in &files.files {
                let mut archive = npz::open_slice(&file.bytes)?;
                first_error(archive.check_bundle(&checker))?;
                let names: Vec<String> = archive
                    .members()
                    .iter()
                    .map(|m| m.array().to_string())
                    .collect();
                for name in names {
                    let a = archive.read::<DynArray>(&name, &member_spec(&name))?;
                    out.push((name, a));
                }
            }
        }
        Format::Npy | Format::Json => {
            let inputs = files.files.iter().map(|f| {
                let input = match format {
                    Format::Npy => Input::Npy(&f.bytes),
                    _ => Input::Json(&f.bytes),
                };
                (f.array.as_str(), input)
            });
            first_error(checker.check(inputs))?;
            for f in &files.files {
                let one = Encoded {
                    files: vec![f.clone()],
                };
                out.extend(read_array(&member_spec(&f.array), format, &one)?);
            }
        }
        Format::Raw => {
            return Err(Error::from(ErrorKind::InvalidLayout {
                layout: "raw".into(),
                reason: "raw buffers have no bundle reader",
            }))
        }
    }
    Ok(out)
}

impl Generator {
    /// Reads `files` (one encoded sample or near miss in `format`) with the library's readers
    /// and this generator's spec, with default limits: every array with its name, or the first
    /// error in checking order (for a bundle: the arrays the bundle does not name, then the
    /// bundle's arrays in order, as [`BundleChecker`] reports them).
    ///
    /// # Errors
    ///
    /// The readers' errors; [`ErrorKind::InvalidLayout`] for a raw file without a layout, and
    /// for raw files of a bundle, which have no bundle reader.
    pub fn read(&self, format: Format, files: &Encoded) -> Result<Vec<(String, DynArray)>> {
        match &self.bundle_spec {
            Some(b) => read_bundle(b, format, files),
            None => read_array(&self.slots[0].spec, format, files),
        }
    }
}

fn no_layout() -> Error {
    Error::from(ErrorKind::InvalidLayout {
        layout: "raw".into(),
        reason: "a raw file needs its layout",
    })
}
