//! Bindings for `crate::taggers`: batches of texts in, Dolma attribute values out.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::taggers::c4::{c4_v2, Naughty};
use crate::taggers::catalog;
use crate::taggers::output::Output;
use crate::taggers::round::round5;

fn to_dict<'py>(py: Python<'py>, output: &Output) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for field in output {
        let spans = PyList::empty(py);
        for &(start, end, score) in &field.spans {
            spans.append(PyList::new(py, [start.into_pyobject(py)?.into_any(), end.into_pyobject(py)?.into_any(), round5(score).into_pyobject(py)?.into_any()])?)?;
        }
        dict.set_item(field.name.as_ref(), spans)?;
    }
    Ok(dict)
}

/// Runs the Rust tagger `name` on every text; returns one `{field: [[start, end, score], ...]}` per text,
/// scores rounded like Python's `round(x, 5)`.
#[pyfunction]
fn tag_texts<'py>(py: Python<'py>, name: &str, texts: &Bound<'py, PyList>) -> PyResult<Bound<'py, PyList>> {
    if !catalog::NAMES.contains(&name) {
        return Err(PyValueError::new_err(format!("no Rust tagger named {name:?}")));
    }
    let out = PyList::empty(py);
    for item in texts.iter() {
        let s = item.downcast::<PyString>()?;
        let text = s.to_str()?;
        let output = catalog::compute(name, text).expect("name checked above");
        out.append(to_dict(py, &output)?)?;
    }
    Ok(out)
}

/// Dolma's `c4_v2` with its naughty-word lists loaded once.
#[pyclass(frozen)]
struct C4V2Core {
    naughty: Naughty,
}

#[pymethods]
impl C4V2Core {
    #[new]
    fn new(words: Vec<String>, phrases: Vec<String>) -> Self {
        C4V2Core { naughty: Naughty::new(words, phrases) }
    }

    /// `lowered[i]` is `text.lower()` of document i and `lengths[i]` its original length.
    fn tag_lowered<'py>(&self, py: Python<'py>, lowered: &Bound<'py, PyList>, lengths: Vec<usize>) -> PyResult<Bound<'py, PyList>> {
        if lowered.len() != lengths.len() {
            return Err(PyValueError::new_err("lowered and lengths differ in length"));
        }
        let out = PyList::empty(py);
        for (item, len) in lowered.iter().zip(lengths) {
            let text = item.downcast::<PyString>()?.to_str()?;
            out.append(to_dict(py, &c4_v2(&self.naughty, text, len))?)?;
        }
        Ok(out)
    }
}

/// Whole-text matches `(emails, phones, ips)` of Dolma's PII patterns, as code-point spans.
#[pyfunction]
fn dolma_pii_matches(text: &str) -> [Vec<(usize, usize)>; 3] {
    catalog::dolma_pii().whole_text_matches(text)
}

/// Names of the taggers `tag_texts` accepts.
#[pyfunction]
fn rust_tagger_names() -> Vec<&'static str> {
    catalog::NAMES.to_vec()
}

/// Python's `round(x, 5)` as the Rust core computes it (exposed for tests).
#[pyfunction]
fn round_score5(x: f64) -> f64 {
    round5(x)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tag_texts, m)?)?;
    m.add_class::<C4V2Core>()?;
    m.add_function(wrap_pyfunction!(rust_tagger_names, m)?)?;
    m.add_function(wrap_pyfunction!(dolma_pii_matches, m)?)?;
    m.add_function(wrap_pyfunction!(round_score5, m)?)?;
    Ok(())
}
