//! The protocol's tensor datatypes and how they map to [`DType`]s.

use std::fmt;

use crate::dtype::DType;
use crate::error::{ErrorKind, Result};

/// A tensor datatype of the Open Inference Protocol, as written in requests, responses and
/// model metadata (`"FP32"`, `"INT64"`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Datatype {
    /// `BOOL`: one byte, 0 or 1.
    Bool,
    /// `UINT8`.
    Uint8,
    /// `UINT16`.
    Uint16,
    /// `UINT32`.
    Uint32,
    /// `UINT64`.
    Uint64,
    /// `INT8`.
    Int8,
    /// `INT16`.
    Int16,
    /// `INT32`.
    Int32,
    /// `INT64`.
    Int64,
    /// `FP16`: IEEE 754 binary16.
    Fp16,
    /// `FP32`.
    Fp32,
    /// `FP64`.
    Fp64,
    /// `BF16`: bfloat16, kept bit for bit as [`DType::BF16`].
    Bf16,
    /// `BYTES`: length-prefixed byte strings. Named so that it can be refused precisely; no
    /// array holds it.
    Bytes,
}

impl Datatype {
    /// Every datatype, in the protocol's order.
    pub const ALL: [Datatype; 14] = [
        Datatype::Bool,
        Datatype::Uint8,
        Datatype::Uint16,
        Datatype::Uint32,
        Datatype::Uint64,
        Datatype::Int8,
        Datatype::Int16,
        Datatype::Int32,
        Datatype::Int64,
        Datatype::Fp16,
        Datatype::Fp32,
        Datatype::Fp64,
        Datatype::Bf16,
        Datatype::Bytes,
    ];

    /// The protocol's name, such as `FP32`.
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::Bool => "BOOL",
            Datatype::Uint8 => "UINT8",
            Datatype::Uint16 => "UINT16",
            Datatype::Uint32 => "UINT32",
            Datatype::Uint64 => "UINT64",
            Datatype::Int8 => "INT8",
            Datatype::Int16 => "INT16",
            Datatype::Int32 => "INT32",
            Datatype::Int64 => "INT64",
            Datatype::Fp16 => "FP16",
            Datatype::Fp32 => "FP32",
            Datatype::Fp64 => "FP64",
            Datatype::Bf16 => "BF16",
            Datatype::Bytes => "BYTES",
        }
    }

    /// Parses a protocol name (exact, upper case).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidRequest`] for a name the protocol does not define.
    pub fn parse(name: &str) -> Result<Datatype> {
        Datatype::ALL
            .into_iter()
            .find(|d| d.as_str() == name)
            .ok_or_else(|| {
                let shown: String = name.chars().take(40).collect();
                ErrorKind::InvalidRequest {
                    reason: format!("unknown datatype {shown:?}: expected one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BF16").into(),
                }
                .into()
            })
    }

    /// The dtype of this datatype's elements.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::UnsupportedDtype`] for `BYTES`, whose elements are variable-length
    /// strings, not numbers.
    pub fn dtype(self) -> Result<DType> {
        Ok(match self {
            Datatype::Bool => DType::Bool,
            Datatype::Uint8 => DType::U8,
            Datatype::Uint16 => DType::U16,
            Datatype::Uint32 => DType::U32,
            Datatype::Uint64 => DType::U64,
            Datatype::Int8 => DType::I8,
            Datatype::Int16 => DType::I16,
            Datatype::Int32 => DType::I32,
            Datatype::Int64 => DType::I64,
            Datatype::Fp16 => DType::F16,
            Datatype::Fp32 => DType::F32,
            Datatype::Fp64 => DType::F64,
            Datatype::Bf16 => DType::BF16,
            Datatype::Bytes => {
                return Err(ErrorKind::UnsupportedDtype {
                    descr: "BYTES (strings are not arrays of numbers)".into(),
                }
                .into())
            }
        })
    }

    /// The datatype of a dtype; `None` for the complex dtypes, which the protocol lacks.
    pub fn from_dtype(dtype: DType) -> Option<Datatype> {
        Datatype::ALL
            .into_iter()
            .find(|d| d.dtype().ok() == Some(dtype))
    }
}

impl fmt::Display for Datatype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dtypes_round_trip() {
        for d in Datatype::ALL {
            assert_eq!(Datatype::parse(d.as_str()).unwrap(), d);
            match d.dtype() {
                Ok(dtype) => assert_eq!(Datatype::from_dtype(dtype), Some(d)),
                Err(e) => assert_eq!((d, e.code()), (Datatype::Bytes, "dtype.unsupported")),
            }
        }
        assert_eq!(Datatype::from_dtype(DType::Complex64), None);
        assert_eq!(
            Datatype::parse("fp32").unwrap_err().code(),
            "oip.invalid_request"
        );
    }
}
