//! One hostile file per threat class of `SECURITY.md`, for testing other loaders: each is
//! refused by arrayguard (default limits, any spec) with the code given.

use std::io::{Cursor, Write};

use crate::dtype::{ByteOrder, DType};
use crate::npy;
use crate::shape::{Order, Shape};

/// A hostile input and what arrayguard says of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostileFile {
    /// The threat class in `SECURITY.md` (`4.1` … `4.10`, `4.8a`).
    pub class: &'static str,
    /// The file name, which names the class.
    pub name: &'static str,
    /// What the file does.
    pub description: &'static str,
    /// The code arrayguard refuses it with, reading with [`Limits::default`](crate::Limits)
    /// and [`ArraySpec::any`](crate::ArraySpec::any).
    pub code: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A version 1 `.npy` file with `header` as its dict text, padded as NumPy pads, then
/// `payload`.
fn npy_with_header(dict: &str, payload: &[u8]) -> Vec<u8> {
    let unpadded = 10 + dict.len() + 1;
    let pad = (64 - unpadded % 64) % 64;
    let len = u16::try_from(dict.len() + pad + 1).unwrap_or(u16::MAX);
    let mut out = Vec::new();
    out.extend_from_slice(npy::MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend(std::iter::repeat_n(b' ', pad));
    out.push(b'\n');
    out.extend_from_slice(payload);
    out
}

/// A stored `.npz` archive of `(member name, bytes)`.
fn zip_of(members: &[(&str, Vec<u8>)], deflated: bool) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let method = if deflated {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(method)
        .last_modified_time(zip::DateTime::default());
    for (name, bytes) in members {
        // Writing to memory: only a name the zip crate itself refuses could fail, and these
        // names are fixed.
        if zip.start_file(*name, options).is_ok() {
            let _ = zip.write_all(bytes);
        }
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}

/// One file per threat class (`SECURITY.md`, "Threat model"), in the table's order.
pub fn hostile_files() -> Vec<HostileFile> {
    let f8 = |n: usize| -> Vec<u8> {
        let header = npy::header_bytes(
            DType::F64,
            ByteOrder::Little,
            &Shape::vector(n).unwrap_or_default(),
            Order::C,
        );
        let mut out = header;
        out.extend((0..n).flat_map(|i| f64::from(u32::try_from(i).unwrap_or(0)).to_le_bytes()));
        out
    };
    let claims_1gib = npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (134217728,), }",
        &[0; 8],
    );
    let mut polyglot = f8(3);
    polyglot.extend_from_slice(b"PK\x03\x04");
    let mut trailing_zip = zip_of(&[("x.npy", f8(2))], false);
    trailing_zip.extend_from_slice(b"trailing");
    let ones = vec!["1"; 65].join(", ");
    vec![
        HostileFile {
            class: "4.1",
            name: "4.1-code-execution.npy",
            description: "an object dtype: its payload would be a pickle",
            code: "dtype.pickle_not_allowed",
            bytes: npy_with_header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", &[0; 8]),
        },
        HostileFile {
            class: "4.2",
            name: "4.2-allocation-before-validation.npy",
            description: "a header declaring 1 GiB of float64 over an 8-byte payload",
            code: "limit.bytes",
            bytes: claims_1gib.clone(),
        },
        HostileFile {
            class: "4.3",
            name: "4.3-integer-overflow.npy",
            description: "a shape whose element count wraps 64 bits",
            code: "shape.overflow",
            bytes: npy_with_header(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
                &[],
            ),
        },
        HostileFile {
            class: "4.4",
            name: "4.4-parser-complexity.json",
            description: "100 000 nested brackets",
            code: "limit.depth",
            bytes: [vec![b'['; 100_000], vec![b']'; 100_000]].concat(),
        },
        HostileFile {
            class: "4.5",
            name: "4.5-parser-differential.npy",
            description: "a header with `descr` twice (readers disagree on which one wins)",
            code: "npy.invalid_header",
            bytes: npy_with_header(
                "{'descr': '<f8', 'descr': '<i8', 'fortran_order': False, 'shape': (1,), }",
                &[0; 8],
            ),
        },
        HostileFile {
            class: "4.6",
            name: "4.6-length-mismatch.npy",
            description: "a valid array followed by a zip signature (a polyglot)",
            code: "data.trailing",
            bytes: polyglot,
        },
        HostileFile {
            class: "4.7",
            name: "4.7-decompression-bomb.npz",
            description: "a deflated member whose .npy header declares 1 GiB",
            code: "limit.bytes",
            bytes: zip_of(&[("bomb.npy", claims_1gib)], true),
        },
        HostileFile {
            class: "4.8",
            name: "4.8-path-abuse.npz",
            description: "a member named `../escape.npy`",
            code: "npz.unsafe_name",
            bytes: zip_of(&[("../escape.npy", f8(1))], false),
        },
        HostileFile {
            class: "4.8a",
            name: "4.8a-container-ambiguity.npz",
            description: "bytes after the archive's end record",
            code: "npz.trailing_data",
            bytes: trailing_zip,
        },
        HostileFile {
            class: "4.9",
            name: "4.9-value-level.npy",
            description: "a bool array holding the byte 2",
            code: "data.invalid_bool",
            bytes: npy_with_header(
                "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
                &[0, 2, 1],
            ),
        },
        HostileFile {
            class: "4.10",
            name: "4.10-resource-caps.npy",
            description: "65 dimensions, one more than NumPy allows",
            code: "limit.ndim",
            bytes: npy_with_header(
                &format!("{{'descr': '|u1', 'fortran_order': False, 'shape': ({ones}), }}"),
                &[0],
            ),
        },
    ]
}
