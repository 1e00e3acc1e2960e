//! Rust core of dolma-tools.
//!
//! Everything outside `python` is plain Rust with no Python dependency and is tested with
//! `cargo test`; `python` is the thin pyo3 binding layer that maturin builds as `dolma_tools._rust`.

pub mod bloom;
pub mod dedupe;
pub mod hashing;
pub mod minhash;
pub mod taggers;

#[cfg(feature = "python")]
mod python;
