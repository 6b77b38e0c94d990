//! [`Choices`]: where the generators take their decisions from, and its sources: a seed
//! ([`Seeded`]), a recorded list ([`Replay`]), `arbitrary`'s `Unstructured` and proptest's
//! runner (in `strategy.rs`).

/// A source of decisions for the generators: every decision is a number in `0..=max`, and
/// `0` is always the simplest one (the first candidate of a list, the smallest size, the
/// plainest value), so a source that runs dry, or a shrinker that lowers its numbers, leads to
/// simpler samples.
///
/// Implemented for [`Seeded`] (a deterministic stream from a seed), [`Replay`] (a recorded
/// list), `arbitrary::Unstructured` (feature `arbitrary`) and proptest's runner (feature
/// `proptest`, through `SampleStrategy`).
pub trait Choices {
    /// A number in `0..=max`.
    fn choose(&mut self, max: u64) -> u64;

    /// A number in `0..len` (`0` when `len` is 0): an index into a list of `len` candidates.
    fn index(&mut self, len: usize) -> usize {
        let max = u64::try_from(len.saturating_sub(1)).unwrap_or(u64::MAX);
        usize::try_from(self.choose(max)).unwrap_or(0)
    }

    /// `true` or `false` (`false` is the simpler).
    fn flag(&mut self) -> bool {
        self.choose(1) == 1
    }

    /// 64 bits.
    fn bits(&mut self) -> u64 {
        self.choose(u64::MAX)
    }
}

impl<C: Choices + ?Sized> Choices for &mut C {
    fn choose(&mut self, max: u64) -> u64 {
        (**self).choose(max)
    }
}

/// A deterministic stream of choices from a 64-bit seed (SplitMix64): the same seed gives the
/// same samples on every machine and in every release of this module's format.
#[derive(Clone, Debug)]
pub struct Seeded {
    state: u64,
}

impl Seeded {
    /// The stream of `seed`.
    pub fn new(seed: u64) -> Self {
        Seeded { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl Choices for Seeded {
    fn choose(&mut self, max: u64) -> u64 {
        let x = self.next();
        match max.checked_add(1) {
            Some(n) => x % n,
            None => x,
        }
    }
}

/// Choices read from a list, each clamped to the range asked for; past its end every choice
/// is 0. Shrinking a list (lowering its numbers) gives simpler samples.
#[derive(Clone, Debug)]
pub struct Replay<'a> {
    choices: &'a [u64],
    at: usize,
}

impl<'a> Replay<'a> {
    /// Replays `choices`.
    pub fn new(choices: &'a [u64]) -> Self {
        Replay { choices, at: 0 }
    }
}

impl Choices for Replay<'_> {
    fn choose(&mut self, max: u64) -> u64 {
        let c = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        c.min(max)
    }
}

#[cfg(feature = "arbitrary")]
impl Choices for arbitrary::Unstructured<'_> {
    /// `int_in_range`; once the data runs out, 0 (the simplest choice).
    fn choose(&mut self, max: u64) -> u64 {
        self.int_in_range(0..=max).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_stay_in_range() {
        let mut s = Seeded::new(7);
        for max in [0, 1, 2, 9, u64::MAX] {
            for _ in 0..100 {
                assert!(s.choose(max) <= max);
            }
        }
        let mut r = Replay::new(&[5, 0, 9]);
        assert_eq!(
            (r.choose(3), r.choose(3), r.choose(10), r.choose(10)),
            (3, 0, 9, 0)
        );
        assert_eq!(Seeded::new(1).bits(), Seeded::new(1).bits());
        assert_ne!(Seeded::new(1).bits(), Seeded::new(2).bits());
    }
}
