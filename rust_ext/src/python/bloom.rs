//! Bindings for `crate::bloom`: the `BloomFilter` class.

use std::path::Path;
use std::sync::Arc;

use pyo3::exceptions::{PyIOError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use crate::bloom::{file, BloomFilter, Layout, Shape};
use crate::hashing::hash64;

/// A Bloom filter over dedupe keys (str is hashed as UTF-8, bytes as is).
///
/// BloomFilter(estimated_doc_count=0, desired_false_positive_rate=0.0, size_in_bytes=0,
///             layout="blocked"): sized from the count and rate, or from the size.
#[pyclass(name = "BloomFilter", module = "dolma_tools._rust")]
pub struct PyBloomFilter {
    pub(crate) inner: Arc<BloomFilter>,
    #[pyo3(get, set)]
    metadata: String,
}

fn key_hash(key: &Bound<'_, PyAny>) -> PyResult<u64> {
    if let Ok(b) = key.downcast::<PyBytes>() {
        return Ok(hash64(b.as_bytes()));
    }
    if let Ok(s) = key.downcast::<PyString>() {
        return Ok(hash64(s.to_str()?.as_bytes()));
    }
    Err(PyValueError::new_err(format!("keys must be str or bytes, got {}", key.get_type().name()?)))
}

fn key_hashes(keys: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
    keys.try_iter()?.map(|k| key_hash(&k?)).collect()
}

pub(crate) fn u64s(bytes: &[u8]) -> PyResult<Vec<u64>> {
    if !bytes.len().is_multiple_of(8) {
        return Err(PyValueError::new_err("hashes must be the bytes of little-endian uint64 values"));
    }
    Ok(bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect())
}

/// An `OSError` that keeps the errno (so Python can tell a full disk from a corrupt file).
fn io_err(e: std::io::Error) -> PyErr {
    match e.raw_os_error() {
        Some(code) => PyIOError::new_err((code, e.to_string())),
        None => PyIOError::new_err(e.to_string()),
    }
}

fn value_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// The shape `BloomFilter(...)` would have with these arguments.
fn shape_of(estimated_doc_count: u64, desired_false_positive_rate: f64, size_in_bytes: u64, layout: &str) -> PyResult<Shape> {
    let layout = Layout::from_name(layout).ok_or_else(|| value_err(format!("unknown layout {layout:?} (blocked or standard)")))?;
    if size_in_bytes > 0 {
        Ok(Shape::for_size(layout, size_in_bytes, estimated_doc_count))
    } else if estimated_doc_count > 0 && desired_false_positive_rate > 0.0 && desired_false_positive_rate < 1.0 {
        Ok(Shape::for_rate(layout, estimated_doc_count, desired_false_positive_rate))
    } else {
        Err(value_err("give size_in_bytes, or estimated_doc_count and a desired_false_positive_rate between 0 and 1"))
    }
}

/// (num_bits, num_hashes) of `BloomFilter(...)` with the same arguments, without allocating it.
#[pyfunction]
#[pyo3(signature = (estimated_doc_count=0, desired_false_positive_rate=0.0, size_in_bytes=0, layout="blocked"))]
fn bloom_shape(estimated_doc_count: u64, desired_false_positive_rate: f64, size_in_bytes: u64, layout: &str) -> PyResult<(u64, u32)> {
    let s = shape_of(estimated_doc_count, desired_false_positive_rate, size_in_bytes, layout)?;
    Ok((s.num_bits, s.num_hashes))
}

impl PyBloomFilter {
    pub(crate) fn wrap(filter: BloomFilter, metadata: String) -> PyBloomFilter {
        PyBloomFilter { inner: Arc::new(filter), metadata }
    }
}

#[pymethods]
impl PyBloomFilter {
    #[new]
    #[pyo3(signature = (estimated_doc_count=0, desired_false_positive_rate=0.0, size_in_bytes=0, layout="blocked"))]
    fn new(estimated_doc_count: u64, desired_false_positive_rate: f64, size_in_bytes: u64, layout: &str) -> PyResult<Self> {
        let shape = shape_of(estimated_doc_count, desired_false_positive_rate, size_in_bytes, layout)?;
        Ok(PyBloomFilter::wrap(BloomFilter::new(shape), String::new()))
    }

    /// Load a filter file; `mmap` (default: `read_only`) maps it instead of copying it.
    #[staticmethod]
    #[pyo3(signature = (path, read_only=false, mmap=None))]
    fn load(py: Python<'_>, path: &str, read_only: bool, mmap: Option<bool>) -> PyResult<Self> {
        let mmap = mmap.unwrap_or(read_only);
        if mmap && !read_only {
            return Err(value_err("a memory-mapped filter is read-only: pass read_only=True"));
        }
        let p = Path::new(path).to_path_buf();
        let (filter, metadata) =
            py.allow_threads(|| if mmap { file::load_mapped(&p) } else { file::load(&p, read_only) }).map_err(io_err)?;
        Ok(PyBloomFilter::wrap(filter, metadata))
    }

    /// A filter from the bytes of a filter file (e.g. read from S3).
    #[staticmethod]
    #[pyo3(signature = (data, read_only=false, name="<bytes>"))]
    fn from_bytes(py: Python<'_>, data: &[u8], read_only: bool, name: &str) -> PyResult<Self> {
        let copy = data.to_vec();
        let name = name.to_string();
        let (filter, metadata) =
            py.allow_threads(move || file::from_bytes(Path::new(&name), &copy, read_only)).map_err(io_err)?;
        Ok(PyBloomFilter::wrap(filter, metadata))
    }

    /// An empty, writable filter of exactly this shape (layout, bits, hashes).
    fn empty_like(&self) -> Self {
        PyBloomFilter::wrap(BloomFilter::new(self.inner.shape()), String::new())
    }

    /// Write the filter (with `metadata`) atomically to a local path; returns the bytes written.
    fn save(&self, py: Python<'_>, path: &str) -> PyResult<u64> {
        let (filter, metadata, p) = (self.inner.clone(), self.metadata.clone(), Path::new(path).to_path_buf());
        py.allow_threads(move || file::save(&filter, &metadata, &p)).map_err(io_err)
    }

    /// The filter file's bytes (for object stores).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let (filter, metadata) = (self.inner.clone(), self.metadata.clone());
        let bytes = py.allow_threads(move || file::to_bytes(&filter, &metadata));
        PyBytes::new(py, &bytes)
    }

    fn contains(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.inner.contains(key_hash(key)?))
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.contains(key)
    }

    fn insert(&self, key: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.insert(key_hash(key)?).map_err(value_err)
    }

    /// Insert; True if the key was (probably) already present.
    fn check_and_insert(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.inner.check_and_insert(key_hash(key)?).map_err(value_err)
    }

    /// Look up many keys (str or bytes); the keys are hashed with the GIL held (xxh3 runs at memory
    /// speed), the filter is probed without it, prefetching ahead.
    fn contains_batch(&self, py: Python<'_>, keys: &Bound<'_, PyAny>) -> PyResult<Vec<bool>> {
        let hashes = key_hashes(keys)?;
        let filter = self.inner.clone();
        Ok(py.allow_threads(move || filter.contains_many(&hashes)))
    }

    fn insert_batch(&self, py: Python<'_>, keys: &Bound<'_, PyAny>) -> PyResult<()> {
        let hashes = key_hashes(keys)?;
        let filter = self.inner.clone();
        py.allow_threads(move || filter.check_and_insert_many(&hashes).map(|_| ())).map_err(value_err)
    }

    /// Check and insert many keys in order; element i is True if key i was already present
    /// (including an earlier copy in the same batch).
    fn check_and_insert_batch(&self, py: Python<'_>, keys: &Bound<'_, PyAny>) -> PyResult<Vec<bool>> {
        let hashes = key_hashes(keys)?;
        let filter = self.inner.clone();
        py.allow_threads(move || filter.check_and_insert_many(&hashes)).map_err(value_err)
    }

    /// `contains_batch` for keys already hashed with `dedupe_key_hash`, given as the bytes of
    /// little-endian uint64s (`numpy_array.tobytes()`); returns the number found. For bulk use and
    /// benchmarks.
    fn count_contained_hashes(&self, py: Python<'_>, hashes: &[u8]) -> PyResult<usize> {
        let hashes = u64s(hashes)?;
        let filter = self.inner.clone();
        Ok(py.allow_threads(move || filter.contains_many(&hashes).into_iter().filter(|&c| c).count()))
    }

    /// `check_and_insert_batch` for pre-hashed keys (bytes of uint64s); returns how many were present.
    fn check_and_insert_hashes(&self, py: Python<'_>, hashes: &[u8]) -> PyResult<usize> {
        let hashes = u64s(hashes)?;
        let filter = self.inner.clone();
        py.allow_threads(move || filter.check_and_insert_many(&hashes).map(|v| v.into_iter().filter(|&d| d).count()))
            .map_err(value_err)
    }

    /// Bitwise OR of `other` (same layout, size and hashes) into this filter.
    fn merge(&self, py: Python<'_>, other: &PyBloomFilter) -> PyResult<()> {
        let (a, b) = (self.inner.clone(), other.inner.clone());
        py.allow_threads(move || a.merge(&b)).map_err(value_err)
    }

    /// The false-positive rate a new key would see now, computed from the actual bits.
    fn estimated_false_positive_rate(&self, py: Python<'_>) -> f64 {
        let f = self.inner.clone();
        py.allow_threads(move || f.estimated_fp_rate())
    }

    /// The rate the sizing formula predicts for `n` keys.
    fn predicted_false_positive_rate(&self, n: u64) -> f64 {
        self.inner.predicted_fp_rate(n)
    }

    #[getter]
    fn read_only(&self) -> bool {
        self.inner.read_only()
    }

    #[getter]
    fn size_in_bytes(&self) -> u64 {
        self.inner.shape().size_in_bytes()
    }

    #[getter]
    fn num_bits(&self) -> u64 {
        self.inner.shape().num_bits
    }

    #[getter]
    fn num_hashes(&self) -> u32 {
        self.inner.shape().num_hashes
    }

    #[getter]
    fn layout(&self) -> &'static str {
        self.inner.shape().layout.name()
    }

    #[getter]
    fn inserted(&self) -> u64 {
        self.inner.inserted()
    }

    #[getter]
    fn bits_set(&self) -> u64 {
        self.inner.bits_set()
    }

    #[getter]
    fn fill_ratio(&self) -> f64 {
        self.inner.fill_ratio()
    }

    #[getter]
    fn memory_mapped(&self) -> bool {
        self.inner.is_mapped()
    }

    /// Size, hashes, inserted keys, fill and estimated false-positive rate, as a dict.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let shape = self.inner.shape();
        d.set_item("format_version", file::VERSION)?;
        d.set_item("layout", shape.layout.name())?;
        d.set_item("size_in_bytes", shape.size_in_bytes())?;
        d.set_item("num_bits", shape.num_bits)?;
        d.set_item("num_hashes", shape.num_hashes)?;
        d.set_item("inserted", self.inner.inserted())?;
        d.set_item("bits_set", self.inner.bits_set())?;
        d.set_item("fill_ratio", self.inner.fill_ratio())?;
        d.set_item("estimated_false_positive_rate", self.estimated_false_positive_rate(py))?;
        d.set_item("read_only", self.inner.read_only())?;
        d.set_item("memory_mapped", self.inner.is_mapped())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let s = self.inner.shape();
        format!(
            "BloomFilter(layout={}, size_in_bytes={}, num_hashes={}, inserted={}, fill_ratio={:.4})",
            s.layout.name(),
            s.size_in_bytes(),
            s.num_hashes,
            self.inner.inserted(),
            self.inner.fill_ratio()
        )
    }
}

/// The dedupe key hash of a str (UTF-8) or bytes: what the filter stores for it.
#[pyfunction]
fn dedupe_key_hash(key: &Bound<'_, PyAny>) -> PyResult<u64> {
    key_hash(key)
}

/// (bits, hashes) of the smallest filter for `n` keys at rate `p`.
#[pyfunction]
#[pyo3(signature = (n, p, layout="blocked"))]
fn bloom_optimal_shape(n: u64, p: f64, layout: &str) -> PyResult<(u64, u32)> {
    let layout = Layout::from_name(layout).ok_or_else(|| value_err("unknown layout"))?;
    let s = Shape::for_rate(layout, n, p);
    Ok((s.num_bits, s.num_hashes))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyBloomFilter>()?;
    m.add_function(wrap_pyfunction!(dedupe_key_hash, m)?)?;
    m.add_function(wrap_pyfunction!(bloom_optimal_shape, m)?)?;
    m.add_function(wrap_pyfunction!(bloom_shape, m)?)?;
    Ok(())
}
