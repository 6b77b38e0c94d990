//! The entry points of the API before the options redesign, as thin wrappers over the format
//! options, kept only while the tests, benches and tools still call them. Hidden from the docs;
//! deleted once every call site uses the options.

pub(crate) mod json;
pub(crate) mod npy;
pub(crate) mod raw;
