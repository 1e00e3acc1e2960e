//! Bindings for `crate::dedupe` and `crate::minhash`: `DedupeRun` (scan threads + ordered commit)
//! and `LshIndex`.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use super::bloom::PyBloomFilter;
use crate::dedupe::commit::{CommitStats, Target};
use crate::dedupe::config::Settings;
use crate::dedupe::output::RowWriter;
use crate::dedupe::pipeline::{FileError, FileSpec, Opener, Pipeline};
use crate::dedupe::reader::{open_path, Compression};
use crate::minhash::{optimal_bands, LshIndex};

/// A source: a local path (opened in Rust), or a Python callable returning a binary file object
/// (S3 through smart-open, Parquet rows rendered as JSON lines, ...).
enum Source {
    Path(String),
    Callable(Py<PyAny>),
}

struct SourceOpener(Vec<Source>);

/// `read()` on a Python file object, taking the GIL for each (large) read.
pub(crate) struct PyReader(pub(crate) Py<PyAny>);

impl Read for PyReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Python::with_gil(|py| {
            let data = self.0.call_method1(py, "read", (buf.len(),)).map_err(|e| io::Error::other(e.to_string()))?;
            let bytes = data.downcast_bound::<PyBytes>(py).map_err(|e| io::Error::other(e.to_string()))?;
            let b = bytes.as_bytes();
            let n = b.len().min(buf.len());
            buf[..n].copy_from_slice(&b[..n]);
            Ok(n)
        })
    }
}

impl Drop for PyReader {
    fn drop(&mut self) {
        Python::with_gil(|py| {
            let _ = self.0.call_method0(py, "close");
        });
    }
}

impl Opener for SourceOpener {
    fn open(&self, index: usize) -> io::Result<Box<dyn Read + Send>> {
        match &self.0[index] {
            Source::Path(p) => open_path(p),
            Source::Callable(f) => Python::with_gil(|py| {
                let obj = f.call0(py).map_err(|e| io::Error::other(e.to_string()))?;
                Ok(Box::new(PyReader(obj)) as Box<dyn Read + Send>)
            }),
        }
    }
}

/// DedupeRun(sources, names, compressions, settings_json, threads): scanning starts at once on
/// `threads` threads; call `commit(i, ...)` for i = 0, 1, ... in order.
#[pyclass(name = "DedupeRun", module = "dolma_tools._rust")]
pub struct PyDedupeRun {
    // a Mutex makes the class Sync; only one commit runs at a time anyway
    pipeline: Mutex<Option<Pipeline>>,
}

pub(crate) fn stats_dict<'py>(py: Python<'py>, s: &CommitStats) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("docs", s.docs)?;
    d.set_item("duplicate_docs", s.duplicate_docs)?;
    d.set_item("duplicate_spans", s.duplicate_spans)?;
    d.set_item("duplicate_chars", s.duplicate_chars)?;
    d.set_item("keys", s.keys)?;
    d.set_item("bytes", s.bytes)?;
    let skipped = PyDict::new(py);
    for (k, v) in &s.skipped {
        skipped.set_item(k, v)?;
    }
    d.set_item("skipped", skipped)?;
    d.set_item("skipped_examples", s.skipped_examples.clone())?;
    Ok(d)
}

#[pymethods]
impl PyDedupeRun {
    #[new]
    fn new(
        sources: Vec<Bound<'_, PyAny>>,
        names: Vec<String>,
        compressions: Vec<String>,
        settings_json: &str,
        threads: usize,
    ) -> PyResult<Self> {
        if sources.len() != names.len() || names.len() != compressions.len() {
            return Err(PyValueError::new_err("sources, names and compressions must have the same length"));
        }
        let settings = Arc::new(Settings::from_json(settings_json).map_err(PyValueError::new_err)?);
        let mut opened = Vec::with_capacity(sources.len());
        for s in sources {
            if let Ok(p) = s.downcast::<PyString>() {
                opened.push(Source::Path(p.to_str()?.to_string()));
            } else if s.is_callable() {
                opened.push(Source::Callable(s.unbind()));
            } else {
                return Err(PyValueError::new_err("a source is a local path or a callable returning a binary file"));
            }
        }
        let mut specs = Vec::with_capacity(names.len());
        for (name, c) in names.into_iter().zip(compressions) {
            let compression =
                Compression::from_name(&c).ok_or_else(|| PyValueError::new_err(format!("unknown compression {c:?}")))?;
            specs.push(FileSpec { name, compression });
        }
        let pipeline = Pipeline::start(specs, Box::new(SourceOpener(opened)), settings, threads);
        Ok(PyDedupeRun { pipeline: Mutex::new(Some(pipeline)) })
    }

    /// Commit file `index`: check (and with `insert`, insert) its keys in order against `target`
    /// (a BloomFilter or an LshIndex). With `output` ("none", "gzip", "zstd") the attribute file's
    /// bytes are returned under "data". `progress(docs, bytes, duplicate_docs)` is called as chunks
    /// are committed. An input error is returned under "error" as (line, message).
    #[pyo3(signature = (index, target, insert=true, output=None, progress=None))]
    fn commit<'py>(
        &mut self,
        py: Python<'py>,
        index: usize,
        target: &Bound<'py, PyAny>,
        insert: bool,
        output: Option<&str>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut guard = self.pipeline.lock().map_err(|_| PyRuntimeError::new_err("a previous commit panicked"))?;
        let pipeline = guard.as_mut().ok_or_else(|| PyRuntimeError::new_err("the run is closed"))?;
        if index >= pipeline.len() {
            return Err(PyValueError::new_err(format!("no file {index}")));
        }
        let mut writer = match output {
            None => None,
            Some(c) => {
                let c = Compression::from_name(c).ok_or_else(|| PyValueError::new_err(format!("unknown compression {c:?}")))?;
                Some(RowWriter::new(c).map_err(|e| PyRuntimeError::new_err(e.to_string()))?)
            }
        };
        // after each chunk: run pending signal handlers (Ctrl-C) and the progress callback; an exception
        // from either stops the commit and is raised once the GIL is back
        let mut raised: Option<PyErr> = None;
        let mut report = |s: &CommitStats| -> bool {
            Python::with_gil(|py| {
                let outcome = py.check_signals().and_then(|_| match &progress {
                    Some(cb) => cb.call1(py, (s.docs, s.bytes, s.duplicate_docs)).map(|_| ()),
                    None => Ok(()),
                });
                match outcome {
                    Ok(()) => true,
                    Err(e) => {
                        raised = Some(e);
                        false
                    }
                }
            })
        };
        let (result, data) = if let Ok(bloom) = target.downcast::<PyBloomFilter>() {
            let filter = bloom.borrow().inner.clone();
            if insert && filter.read_only() {
                return Err(PyValueError::new_err("the Bloom filter is read-only: commit with insert=False"));
            }
            py.allow_threads(|| {
                let mut t = if insert { Target::Insert(&filter) } else { Target::Lookup(&filter) };
                let r = pipeline.commit(index, &mut t, writer.as_mut(), &mut report);
                (r, writer.map(|w| w.finish()))
            })
        } else if let Ok(lsh) = target.downcast::<PyLshIndex>() {
            let mut guard = lsh.borrow_mut();
            let index_ref: &mut LshIndex = &mut guard.inner;
            py.allow_threads(|| {
                let r = pipeline.commit(index, &mut Target::Lsh(index_ref), writer.as_mut(), &mut report);
                (r, writer.map(|w| w.finish()))
            })
        } else {
            return Err(PyValueError::new_err("target must be a BloomFilter or an LshIndex"));
        };
        match result {
            Ok(stats) => {
                let d = stats_dict(py, &stats)?;
                if let Some(data) = data {
                    let bytes = data.map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
                    d.set_item("data", PyBytes::new(py, &bytes))?;
                }
                Ok(d)
            }
            Err(FileError::Input(problem)) => {
                let d = PyDict::new(py);
                d.set_item("error", (problem.line, problem.message))?;
                Ok(d)
            }
            Err(FileError::Filter(e)) => Err(PyValueError::new_err(e.to_string())),
            Err(FileError::Interrupted) => Err(raised.unwrap_or_else(|| PyRuntimeError::new_err("interrupted"))),
        }
    }

    /// Stop the scanning threads (pending files are abandoned).
    fn close(&mut self, py: Python<'_>) {
        let taken = self.pipeline.lock().ok().and_then(|mut g| g.take());
        if let Some(mut p) = taken {
            py.allow_threads(move || p.close());
        }
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(&mut self, py: Python<'_>, _a: PyObject, _b: PyObject, _c: PyObject) {
        self.close(py);
    }
}

impl Drop for PyDedupeRun {
    fn drop(&mut self) {
        let taken = self.pipeline.get_mut().ok().and_then(|g| g.take());
        if let Some(mut p) = taken {
            // workers may be waiting for the GIL (Python sources): release it while they stop
            Python::with_gil(|py| py.allow_threads(move || p.close()));
        }
    }
}

/// The near-duplicate index of one MinHash run (documents in canonical order).
#[pyclass(name = "LshIndex", module = "dolma_tools._rust")]
pub struct PyLshIndex {
    inner: LshIndex,
}

#[pymethods]
impl PyLshIndex {
    #[new]
    fn new() -> Self {
        PyLshIndex { inner: LshIndex::new() }
    }

    /// Approximate heap bytes of the band table and cluster parents.
    #[getter]
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    #[getter]
    fn documents(&self) -> usize {
        self.inner.documents()
    }

    #[getter]
    fn entries(&self) -> usize {
        self.inner.entries()
    }
}

/// (bands, rows) chosen for a MinHash threshold, as datasketch's MinHashLSH would.
#[pyfunction]
fn minhash_bands(threshold: f64, num_perm: usize) -> (usize, usize) {
    optimal_bands(threshold, num_perm)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyDedupeRun>()?;
    m.add_class::<PyLshIndex>()?;
    m.add_function(wrap_pyfunction!(minhash_bands, m)?)?;
    Ok(())
}
