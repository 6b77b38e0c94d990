//! axum extractors for arrays validated by arrayguard.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

mod body;
mod config;
mod extract;
mod field;
mod problem;

pub use config::ArrayConfig;
pub use extract::{JsonArray, JsonField, Npy, Raw};
pub use problem::{status_for, JsonPlace, Problem, PROBLEM_JSON};
