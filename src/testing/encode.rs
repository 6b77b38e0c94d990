//! Writing samples: `.npy` (versions 1 to 3), `.npz`, raw buffers with their layouts and JSON
//! envelopes, through the library's own writers, with byte-level damage for near misses.

use std::io::{Cursor, Write};

use base64::Engine as _;

use super::generate::Damage;
use super::{Format, GenArray, JsonData, Sample};
use crate::array::{with_array, Array, DynArray};
use crate::dtype::ByteOrder;
use crate::error::{Error, ErrorKind, Result};
use crate::npy;
use crate::npz::Compression;
use crate::raw::Layout;
use crate::shape::{Order, Shape};

/// A sample written in one format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// One file per array (`NAME.npy`, `NAME.bin`, `NAME.json`), or one `.npz` archive
    /// (`arrays.npz`) holding every array.
    pub files: Vec<EncodedFile>,
}

/// One written file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedFile {
    /// The file name: the array's name and the format's extension.
    pub name: String,
    /// The array the file holds (for `.npz`, empty: it holds them all).
    pub array: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// For a raw buffer, the layout that describes it (dtype, byte order, shape, order).
    pub layout: Option<Layout>,
}

impl Sample {
    /// The files of this sample in `format`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Io`] if the zip writer fails (it writes to memory), and the errors of
    /// [`Layout::with_shape`] (none for the shapes a generator draws).
    pub fn encode(&self, format: Format) -> Result<Encoded> {
        encode(self, format, None)
    }
}

pub(crate) fn encode(
    sample: &Sample,
    format: Format,
    damage: Option<&(usize, Damage)>,
) -> Result<Encoded> {
    let damage_of = |k: usize| damage.filter(|(i, _)| *i == k).map(|(_, d)| d);
    let mut files = Vec::new();
    match format {
        Format::Npz => {
            let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let method = match sample.compression {
                Compression::Stored => zip::CompressionMethod::Stored,
                Compression::Deflated => zip::CompressionMethod::Deflated,
            };
            // A fixed timestamp, so that a corpus is the same bytes on every run.
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(method)
                .last_modified_time(zip::DateTime::default());
            for (k, g) in sample.arrays.iter().enumerate() {
                zip.start_file(format!("{}.npy", g.name), options)
                    .map_err(zip_error)?;
                zip.write_all(&npy_file(g, damage_of(k)))?;
            }
            let bytes = zip.finish().map_err(zip_error)?.into_inner();
            files.push(EncodedFile {
                name: "arrays.npz".into(),
                array: String::new(),
                bytes,
                layout: None,
            });
        }
        Format::Npy | Format::Raw | Format::Json => {
            for (k, g) in sample.arrays.iter().enumerate() {
                let d = damage_of(k);
                let (bytes, layout) = match format {
                    Format::Npy => (npy_file(g, d), None),
                    Format::Raw => {
                        let mut bytes = payload(g, d);
                        damage_end(&mut bytes, d);
                        let layout = Layout::new(g.array.dtype(), g.byte_order)
                            .with_shape(g.array.shape().dims().iter().copied())?
                            .with_order(g.array.order());
                        (bytes, Some(layout))
                    }
                    _ => (json_file(g, d)?, None),
                };
                files.push(EncodedFile {
                    name: format!("{}.{}", g.name, format.extension()),
                    array: g.name.clone(),
                    bytes,
                    layout,
                });
            }
        }
    }
    Ok(Encoded { files })
}

fn zip_error(e: zip::result::ZipError) -> Error {
    Error::from(ErrorKind::Io {
        source: std::io::Error::other(e.to_string()),
    })
}

/// The payload: the elements in the array's memory order and the chosen byte order, with a
/// `bool` byte spoiled when the damage says so.
fn payload(g: &GenArray, damage: Option<&Damage>) -> Vec<u8> {
    let mut bytes = g.array.to_le_bytes();
    let unit = g.array.dtype().unit_size();
    if g.byte_order == ByteOrder::Big && unit > 1 {
        bytes.chunks_exact_mut(unit).for_each(<[u8]>::reverse);
    }
    if let Some(&Damage::BoolByte(at)) = damage {
        if let Some(b) = bytes.get_mut(at) {
            *b = 2;
        }
    }
    bytes
}

/// Cuts or extends the end of a file.
fn damage_end(bytes: &mut Vec<u8>, damage: Option<&Damage>) {
    match damage {
        Some(Damage::Truncate(n)) => bytes.truncate(bytes.len().saturating_sub(*n)),
        Some(Damage::Append(tail)) => bytes.extend_from_slice(tail),
        _ => {}
    }
}

/// The `.npy` file of `g`: the library's header (NumPy's, byte for byte, for version 1),
/// rewritten for versions 2 and 3, then the payload.
fn npy_file(g: &GenArray, damage: Option<&Damage>) -> Vec<u8> {
    let a = &g.array;
    let header = npy::header_bytes(a.dtype(), g.byte_order, a.shape(), a.order());
    let mut out = with_version(header, g.npy_version);
    if damage == Some(&Damage::HeaderLen) {
        lower_header_len(&mut out);
    }
    out.extend_from_slice(&payload(g, damage));
    damage_end(&mut out, damage);
    out
}

/// `header` (as `npy::header_bytes` writes it) in format version `version`, the data still
/// aligned to 64 bytes. A header too long for version 1 stays in version 2.
fn with_version(header: Vec<u8>, version: u8) -> Vec<u8> {
    let written = header[6];
    if written == version || version == 1 {
        return header;
    }
    let start = if written == 1 { 10 } else { 12 };
    let text = String::from_utf8_lossy(&header[start..]);
    let text = text.trim_end_matches(['\n', ' ']);
    let unpadded = 12 + text.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let len = u32::try_from(text.len() + pad + 1).unwrap_or(u32::MAX);
    let mut out = Vec::with_capacity(unpadded + pad);
    out.extend_from_slice(npy::MAGIC);
    out.extend_from_slice(&[version, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    out
}

/// Lowers the header length field by one: the header then ends before its newline.
fn lower_header_len(file: &mut [u8]) {
    if file[6] == 1 {
        let len = u16::from_le_bytes([file[8], file[9]]).saturating_sub(1);
        file[8..10].copy_from_slice(&len.to_le_bytes());
    } else {
        let len = u32::from_le_bytes([file[8], file[9], file[10], file[11]]).saturating_sub(1);
        file[8..12].copy_from_slice(&len.to_le_bytes());
    }
}

/// The JSON envelope of `g`: `{"dtype", "shape", "order", "data"}`.
fn json_file(g: &GenArray, damage: Option<&Damage>) -> Result<Vec<u8>> {
    let a = &g.array;
    let dims: Vec<String> = a.shape().dims().iter().map(ToString::to_string).collect();
    // Nested data is in logical order, which an envelope must declare as C (the generator
    // writes nested data only for arrays whose two orders coincide, or in C order).
    let order = match g.json_data {
        JsonData::Nested => Order::C,
        JsonData::Flat | JsonData::Base64 => a.order(),
    };
    let mut out = format!(
        "{{\"dtype\": \"{}\", \"shape\": [{}], \"order\": \"{}\", \"data\": ",
        a.dtype().typestr(g.byte_order),
        dims.join(", "),
        order.name(),
    )
    .into_bytes();
    match g.json_data {
        JsonData::Base64 => {
            let text = base64::engine::general_purpose::STANDARD.encode(payload(g, damage));
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
        }
        JsonData::Nested => crate::json::to_writer(&mut out, a)?,
        JsonData::Flat => write_flat(&mut out, a)?,
    }
    out.push(b'}');
    damage_end(&mut out, damage);
    Ok(out)
}

/// Every element in memory order, as one JSON array.
fn write_flat(out: &mut Vec<u8>, array: &DynArray) -> Result<()> {
    with_array!(array, a => {
        let flat = Array::from_vec(Shape::vector(a.len())?, Order::C, a.as_slice().to_vec())?;
        crate::json::write_array(out, &flat, crate::json::WriteOptions::new())
    })
}
