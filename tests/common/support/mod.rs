//! Test support shared by the integration tests, the fuzz oracles and the benches, so that a
//! rule is written once.
//!
//! Everything here depends only on `std` and `arrayguard` (no dev-dependency), because three
//! crates compile it:
//!
//! - the integration tests, as `common::support` (`tests/common/mod.rs` re-exports it);
//! - the fuzz crate, as `arrayguard_fuzz::support` (`fuzz/src/lib.rs` includes this directory
//!   with `#[path]`), whose oracles reach it as `crate::support`; `tests/fuzz_corpus.rs`
//!   compiles the same oracles and provides `crate::support` from `common`;
//! - `benches/json.rs`, which includes [`rng`] alone with `#[path]`.
//!
//! | module | holds |
//! | --- | --- |
//! | [`readers`] | small-read readers: [`readers::OneByteReader`], [`readers::ChunkReader`] |
//! | [`arrays`] | an array's canonical bytes, `.npy` writing of any dtype, byte-order conversion |
//! | [`satisfies`] | the spec oracle, re-derived from the spec's public getters |
//! | [`rng`] | [`rng::SplitMix`], the deterministic generator |

// Each crate that compiles this module uses a different subset of it.
#![allow(dead_code)]

pub mod arrays;
pub mod readers;
pub mod rng;
pub mod satisfies;
