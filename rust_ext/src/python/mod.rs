//! pyo3 bindings: argument conversion only; all logic lives in the pure modules.
//!
//! Each area of the core has its own binding file here with a `register` function.

use pyo3::prelude::*;

mod bloom;
mod dedupe;
mod dedupe_split;
mod hashing;
mod taggers;

#[pymodule]
fn _rust(m: &Bound<'_, PyModule>) -> PyResult<()> {
    hashing::register(m)?;
    taggers::register(m)?;
    bloom::register(m)?;
    dedupe::register(m)?;
    dedupe_split::register(m)?;
    Ok(())
}
