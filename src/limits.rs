//! Resource limits.

use crate::error::{Error, LimitKind, Result};

/// Resource limits, checked on declared numbers before any allocation. All limits are strict:
/// a value equal to the limit passes, one above it fails with [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded).
///
/// The defaults are safe for a service that reads untrusted input. Because the struct is
/// `#[non_exhaustive]`, change a field on a default value:
///
/// ```
/// let mut limits = arrayguard::Limits::default();
/// limits.max_bytes = 1 << 20;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Limits {
    /// Bytes of array payload (element count × item size). Defaults to 256 MiB.
    pub max_bytes: u64,
    /// Number of elements. Defaults to 2^28 (268 435 456).
    pub max_elements: u64,
    /// Number of dimensions. Defaults to 64, NumPy's own maximum.
    pub max_ndim: usize,
    /// Length of a `.npy` header as declared by its length field, refused before the header is
    /// read. Defaults to 10 000 bytes, NumPy's own cap.
    pub max_header_bytes: usize,
    /// Nesting depth of JSON input. Defaults to 64.
    pub max_depth: usize,
    /// Size of a whole text input (JSON). Defaults to 64 MiB.
    pub max_input_bytes: u64,
    /// Members of a container: an archive's (`.npz`), counted from its end record before its
    /// directory is read; an inference request's inputs, and its requested outputs, counted
    /// as they are read. Defaults to 4096.
    pub max_members: usize,
    /// Declared size of a container's arrays together: an archive's members uncompressed, an
    /// inference request's tensors. Defaults to 1 GiB.
    pub max_archive_bytes: u64,
    /// A member's declared uncompressed size over its compressed size. Defaults to 1100:
    /// deflate cannot exceed about 1032, so only a member that lies about its size goes over.
    pub max_compression_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 << 20,
            max_elements: 1 << 28,
            max_ndim: 64,
            max_header_bytes: 10_000,
            max_depth: 64,
            max_input_bytes: 64 << 20,
            max_members: 4096,
            max_archive_bytes: 1 << 30,
            max_compression_ratio: 1100,
        }
    }
}

impl Limits {
    /// No limits at all: every field at its maximum.
    ///
    /// **Do not use this on untrusted input.** A hostile file can then make the reader
    /// allocate whatever it declares (up to the bytes actually present, which are still
    /// checked before allocation).
    pub fn unlimited() -> Self {
        Limits {
            max_bytes: u64::MAX,
            max_elements: u64::MAX,
            max_ndim: usize::MAX,
            max_header_bytes: usize::MAX,
            max_depth: usize::MAX,
            max_input_bytes: u64::MAX,
            max_members: usize::MAX,
            max_archive_bytes: u64::MAX,
            max_compression_ratio: u64::MAX,
        }
    }

    /// Checks a declared number of dimensions.
    pub(crate) fn check_ndim(&self, ndim: usize) -> Result<()> {
        if ndim > self.max_ndim {
            return Err(Error::limit(LimitKind::Ndim, self.max_ndim, ndim));
        }
        Ok(())
    }

    /// Checks a declared element count and payload byte count.
    pub(crate) fn check_size(&self, elements: usize, bytes: usize) -> Result<()> {
        if crate::util::to_u64(elements) > self.max_elements {
            return Err(Error::limit(
                LimitKind::Elements,
                self.max_elements,
                elements,
            ));
        }
        if crate::util::to_u64(bytes) > self.max_bytes {
            return Err(Error::limit(LimitKind::Bytes, self.max_bytes, bytes));
        }
        Ok(())
    }
}

/// Overrides of some [`Limits`] fields, as a spec file states them: `None` keeps the
/// caller's value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct LimitOverrides {
    /// Overrides [`Limits::max_bytes`].
    pub max_bytes: Option<u64>,
    /// Overrides [`Limits::max_elements`].
    pub max_elements: Option<u64>,
    /// Overrides [`Limits::max_ndim`].
    pub max_ndim: Option<usize>,
    /// Overrides [`Limits::max_header_bytes`].
    pub max_header_bytes: Option<usize>,
    /// Overrides [`Limits::max_depth`].
    pub max_depth: Option<usize>,
    /// Overrides [`Limits::max_input_bytes`].
    pub max_input_bytes: Option<u64>,
    /// Overrides [`Limits::max_members`].
    pub max_members: Option<usize>,
    /// Overrides [`Limits::max_archive_bytes`].
    pub max_archive_bytes: Option<u64>,
    /// Overrides [`Limits::max_compression_ratio`].
    pub max_compression_ratio: Option<u64>,
}

impl LimitOverrides {
    /// `base` with the overridden fields replaced.
    pub fn apply(&self, base: &Limits) -> Limits {
        Limits {
            max_bytes: self.max_bytes.unwrap_or(base.max_bytes),
            max_elements: self.max_elements.unwrap_or(base.max_elements),
            max_ndim: self.max_ndim.unwrap_or(base.max_ndim),
            max_header_bytes: self.max_header_bytes.unwrap_or(base.max_header_bytes),
            max_depth: self.max_depth.unwrap_or(base.max_depth),
            max_input_bytes: self.max_input_bytes.unwrap_or(base.max_input_bytes),
            max_members: self.max_members.unwrap_or(base.max_members),
            max_archive_bytes: self.max_archive_bytes.unwrap_or(base.max_archive_bytes),
            max_compression_ratio: self
                .max_compression_ratio
                .unwrap_or(base.max_compression_ratio),
        }
    }

    /// These overrides, then `inner`'s on top (a bundle's limits, then an array's).
    pub fn then(&self, inner: &LimitOverrides) -> LimitOverrides {
        LimitOverrides {
            max_bytes: inner.max_bytes.or(self.max_bytes),
            max_elements: inner.max_elements.or(self.max_elements),
            max_ndim: inner.max_ndim.or(self.max_ndim),
            max_header_bytes: inner.max_header_bytes.or(self.max_header_bytes),
            max_depth: inner.max_depth.or(self.max_depth),
            max_input_bytes: inner.max_input_bytes.or(self.max_input_bytes),
            max_members: inner.max_members.or(self.max_members),
            max_archive_bytes: inner.max_archive_bytes.or(self.max_archive_bytes),
            max_compression_ratio: inner.max_compression_ratio.or(self.max_compression_ratio),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn defaults_match_the_design() {
        let l = Limits::default();
        assert_eq!(l.max_bytes, 268_435_456);
        assert_eq!(l.max_elements, 268_435_456);
        assert_eq!(l.max_ndim, 64);
        assert_eq!(l.max_header_bytes, 10_000);
        assert_eq!(l.max_depth, 64);
        assert_eq!(l.max_input_bytes, 67_108_864);
        assert_eq!(l.max_members, 4096);
        assert_eq!(l.max_archive_bytes, 1_073_741_824);
        assert_eq!(l.max_compression_ratio, 1100);
    }

    #[test]
    fn limits_are_inclusive() {
        let l = Limits {
            max_bytes: 8,
            max_elements: 2,
            ..Limits::default()
        };
        assert!(l.check_size(2, 8).is_ok());
        let kind = |r: Result<()>| r.map_err(Error::into_kind);
        assert!(matches!(
            kind(l.check_size(2, 9)),
            Err(ErrorKind::LimitExceeded {
                kind: LimitKind::Bytes,
                limit: 8,
                requested: 9
            })
        ));
        assert!(matches!(
            kind(l.check_size(3, 3)),
            Err(ErrorKind::LimitExceeded {
                kind: LimitKind::Elements,
                ..
            })
        ));
        assert!(matches!(
            kind(l.check_ndim(65)),
            Err(ErrorKind::LimitExceeded {
                kind: LimitKind::Ndim,
                ..
            })
        ));
    }
}
