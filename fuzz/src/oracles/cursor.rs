//! The input decoder of every target: a [`Cursor`] over the bytes (a missing byte reads as
//! 0), dtype selectors, and the encoders the seed generator uses.

use arrayguard::DType;

/// Reads an input front to back; past the end every byte reads as 0, so every byte string
/// decodes to something.
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { data }
    }

    /// The next byte, or 0 at the end.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next two bytes, little-endian.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    /// The next eight bytes, little-endian.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.u8());
        u64::from_le_bytes(b)
    }

    /// Up to `n` bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Chunk sizes for a `ChunkReader`: a count byte (mod 8), then that many bytes, each
    /// giving a size of 1 to 8 bytes (byte mod 8, plus 1); one byte per call when the count
    /// is 0.
    pub fn chunks(&mut self) -> Vec<usize> {
        let n = usize::from(self.u8() % 8);
        let sizes: Vec<usize> = self
            .take(n)
            .iter()
            .map(|&s| usize::from(s % 8) + 1)
            .collect();
        if sizes.is_empty() {
            vec![1]
        } else {
            sizes
        }
    }

    /// A dimension size: one byte below 253 is the size itself; 253 is followed by a `u16`,
    /// 254 by a `u64` (saturated to `usize`); 255 means "inferred" (`None`).
    pub fn dim(&mut self) -> Option<usize> {
        match self.u8() {
            255 => None,
            254 => Some(usize::try_from(self.u64()).unwrap_or(usize::MAX)),
            253 => Some(usize::from(self.u16())),
            n => Some(usize::from(n)),
        }
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Appends the [`Cursor::dim`] encoding of `dim` (`None`: inferred) to `out`.
pub fn encode_dim(out: &mut Vec<u8>, dim: Option<usize>) {
    match dim {
        None => out.push(255),
        Some(n) if n < 253 => out.push(u8::try_from(n).unwrap_or(0)),
        Some(n) => match u16::try_from(n) {
            Ok(n) => {
                out.push(253);
                out.extend(n.to_le_bytes());
            }
            Err(_) => {
                out.push(254);
                out.extend(u64::try_from(n).unwrap_or(u64::MAX).to_le_bytes());
            }
        },
    }
}

/// The dtype a selector byte picks.
pub fn dtype_of(selector: u8) -> DType {
    DType::NUMPY[usize::from(selector) % DType::NUMPY.len()]
}

/// The selector byte of `dtype` (its index in [`DType::NUMPY`]).
pub fn dtype_index(dtype: DType) -> u8 {
    let i = DType::NUMPY.iter().position(|&d| d == dtype).unwrap_or(0);
    u8::try_from(i).unwrap_or(0)
}
