//! SplitMix64: a tiny deterministic generator, so that tests and benches need no `rand` and
//! every run sees the same values.

// `benches/json.rs` includes this file alone and uses a part of it.
#![allow(dead_code)]

/// SplitMix64 (Steele, Lea and Flood), seeded with its state.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`; slightly biased, which tests do not mind).
    pub fn below(&mut self, n: u64) -> usize {
        usize::try_from(self.next_u64() % n).expect("a number below a usize bound")
    }

    /// `len` random bytes (the low byte of each draw).
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64().to_le_bytes()[0]).collect()
    }
}
