//! proptest strategies over the generators: proptest's runner is the [`Choices`] source, and
//! the recorded choices are what shrinks.

use std::fmt;
use std::sync::Arc;

use proptest::prelude::Rng;
use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::{TestRng, TestRunner};

use super::choices::{Choices, Replay};
use super::{Format, Generator, NearMiss, Sample};

/// Choices drawn from proptest's random source, recorded for shrinking.
struct Recorder<'a> {
    rng: &'a mut TestRng,
    log: Vec<u64>,
}

impl Choices for Recorder<'_> {
    fn choose(&mut self, max: u64) -> u64 {
        let x = self.rng.next_u64();
        let v = match max.checked_add(1) {
            Some(n) => x % n,
            None => x,
        };
        self.log.push(v);
        v
    }
}

type Draw<T> = Arc<dyn Fn(&mut dyn Choices) -> T + Send + Sync>;

/// Where shrinking is: deleting blocks of choices (8, 4, 2, then 1 long, at every position),
/// then lowering each choice towards 0 (small ones one by one, large ones by binary search); a round that made progress is
/// followed by another.
#[derive(Clone, Copy, Debug)]
enum Stage {
    Delete { size: usize, at: usize },
    Lower { index: usize, low: u64 },
}

const FIRST_STAGE: Stage = Stage::Delete { size: 8, at: 0 };

/// The value tree of [`SampleStrategy`] and [`NearMissStrategy`]: the recorded choices,
/// shrunk by deleting blocks and lowering numbers (Hypothesis's way), and the value they
/// draw. Every value it gives is drawn from a list of choices, so it is as valid (or as
/// exactly labelled) as the first.
pub struct ChoiceTree<T> {
    draw: Draw<T>,
    /// The choices of the last value that failed the test.
    accepted: Vec<u64>,
    /// The choices of the value being tried.
    trying: Option<Vec<u64>>,
    current: T,
    stage: Stage,
    progress: bool,
}

impl<T: fmt::Debug> fmt::Debug for ChoiceTree<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChoiceTree")
            .field("choices", &self.accepted.len())
            .field("stage", &self.stage)
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

impl<T> ChoiceTree<T> {
    fn new(draw: Draw<T>, rng: &mut TestRng) -> Self {
        let mut recorder = Recorder {
            rng,
            log: Vec::new(),
        };
        let current = draw(&mut recorder);
        ChoiceTree {
            draw,
            accepted: recorder.log,
            trying: None,
            current,
            stage: FIRST_STAGE,
            progress: false,
        }
    }

    fn try_choices(&mut self, choices: Vec<u64>) -> bool {
        self.current = (self.draw)(&mut Replay::new(&choices));
        self.trying = Some(choices);
        true
    }

    /// Tries the next simplification of the accepted choices; `false` when none is left.
    fn attempt(&mut self) -> bool {
        loop {
            match &mut self.stage {
                Stage::Delete { size, at } => {
                    if *size == 0 {
                        self.stage = Stage::Lower { index: 0, low: 0 };
                    } else if *at + *size > self.accepted.len() {
                        *size /= 2;
                        *at = 0;
                    } else {
                        let mut choices = self.accepted.clone();
                        choices.drain(*at..*at + *size);
                        return self.try_choices(choices);
                    }
                }
                Stage::Lower { index, low } => match self.accepted.get(*index) {
                    None if std::mem::take(&mut self.progress) => self.stage = FIRST_STAGE,
                    None => return false,
                    Some(&value) if value <= *low => {
                        *index += 1;
                        *low = 0;
                    }
                    Some(&value) => {
                        // Small choices (list indices) are tried one by one from the lowest,
                        // since a list need not fail monotonically; large ones by halves.
                        let gap = value - *low;
                        let mut choices = self.accepted.clone();
                        choices[*index] = if gap <= 8 { *low } else { *low + gap / 2 };
                        return self.try_choices(choices);
                    }
                },
            }
        }
    }
}

impl<T: Clone + fmt::Debug> ValueTree for ChoiceTree<T> {
    type Value = T;

    fn current(&self) -> T {
        self.current.clone()
    }

    fn simplify(&mut self) -> bool {
        // The current value failed: keep it, and go on from it.
        if let Some(choices) = self.trying.take() {
            self.accepted = choices;
            self.progress = true;
        }
        self.attempt()
    }

    fn complicate(&mut self) -> bool {
        // The current value passed: back to the last failing one, and on to the next attempt.
        let Some(tried) = self.trying.take() else {
            return false;
        };
        match &mut self.stage {
            Stage::Delete { at, .. } => *at += 1,
            Stage::Lower { index, low } => *low = tried[*index] + 1,
        }
        self.current = (self.draw)(&mut Replay::new(&self.accepted));
        self.attempt()
    }
}

/// A proptest [`Strategy`] of valid samples of a spec ([`Generator::sample`]).
///
/// ```
/// use arrayguard::testing::{Format, Generator, SampleStrategy};
/// use arrayguard::{npy, ArraySpec, DType, DynArray};
/// use proptest::prelude::*;
///
/// let spec = ArraySpec::new(DType::U8);
/// let samples = SampleStrategy::new(Generator::for_array(&spec).unwrap());
/// proptest!(|(sample in samples)| {
///     let file = &sample.encode(Format::Npy).unwrap().files[0];
///     prop_assert!(npy::ReadOptions::new().read_slice::<DynArray>(&file.bytes, &spec).is_ok());
/// });
/// ```
#[derive(Clone)]
pub struct SampleStrategy {
    generator: Arc<Generator>,
}

impl SampleStrategy {
    /// Samples of `generator`'s spec.
    pub fn new(generator: Generator) -> Self {
        SampleStrategy {
            generator: Arc::new(generator),
        }
    }
}

impl fmt::Debug for SampleStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SampleStrategy").finish_non_exhaustive()
    }
}

impl Strategy for SampleStrategy {
    type Tree = ChoiceTree<Sample>;
    type Value = Sample;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let generator = Arc::clone(&self.generator);
        let draw: Draw<Sample> = Arc::new(move |c: &mut dyn Choices| generator.sample(c));
        Ok(ChoiceTree::new(draw, runner.rng()))
    }
}

/// A proptest [`Strategy`] of near misses of a spec in one format
/// ([`Generator::near_miss`]).
#[derive(Clone)]
pub struct NearMissStrategy {
    generator: Arc<Generator>,
    format: Format,
}

impl NearMissStrategy {
    /// Near misses of `generator`'s spec, written in `format`.
    pub fn new(generator: Generator, format: Format) -> Self {
        NearMissStrategy {
            generator: Arc::new(generator),
            format,
        }
    }
}

impl fmt::Debug for NearMissStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NearMissStrategy")
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Strategy for NearMissStrategy {
    type Tree = ChoiceTree<NearMiss>;
    type Value = NearMiss;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let generator = Arc::clone(&self.generator);
        let format = self.format;
        let draw: Draw<NearMiss> =
            Arc::new(move |c: &mut dyn Choices| generator.near_miss(c, format));
        Ok(ChoiceTree::new(draw, runner.rng()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::{Config, TestError};

    /// Shrinking deletes and lowers choices until the failure is small: one element of 100
    /// or more, reached either as exactly 100 (a random byte lowered as far as it fails) or as
    /// the dtype's largest candidates.
    #[test]
    fn shrinks_to_a_minimal_failure() {
        let spec = crate::ArraySpec::new(crate::DType::U8).with_shape([crate::Dim::Any]);
        let strategy = SampleStrategy::new(Generator::for_array(&spec).unwrap());
        let mut runner = TestRunner::new(Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner.run(&strategy, |s| {
            let a = s.arrays[0].array.as_typed::<u8>().unwrap();
            proptest::prop_assert!(a.as_slice().iter().all(|&v| v < 100));
            Ok(())
        });
        let Err(TestError::Fail(_, minimal)) = result else {
            panic!("expected a failure, got {result:?}")
        };
        let a = minimal.arrays[0].array.as_typed::<u8>().unwrap();
        assert_eq!(a.len(), 1, "{minimal:?}");
        assert!([100, 254, 255].contains(&a.as_slice()[0]), "{minimal:?}");
    }
}
