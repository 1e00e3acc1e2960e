//! Bindings for `crate::hashing`.

use pyo3::prelude::*;

/// 64-bit xxh3 content hash with dolma-tools' fixed seed.
#[pyfunction]
fn hash64(data: &[u8]) -> u64 {
    crate::hashing::hash64(data)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(hash64, m)?)?;
    Ok(())
}
