//! Bindings for the dedupe steps of a distributed run (`crate::dedupe::split`, `crate::bloom::slice`):
//! scan a file into its layout and per-partition keys, check keys in a filter slice or an LSH band
//! slice, join MinHash clusters, assemble rows from answers. Everything crosses as `bytes`
//! (little-endian arrays), which Ray ships between machines without conversion.

use std::path::Path;
use std::sync::Arc;

use pyo3::exceptions::{PyIOError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use super::bloom::u64s;
use super::dedupe::{stats_dict, PyReader};
use crate::bloom::file;
use crate::bloom::slice::FilterSlice;
use crate::bloom::{Layout, Shape};
use crate::dedupe::commit::Replay;
use crate::dedupe::config::Settings;
use crate::dedupe::reader::{decompress, open_path, Compression, LineReader};
use crate::dedupe::split::{self, Partitioner, ScannedFile};
use crate::minhash::{BandTable, Clusters};

fn value_err(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn blocked(num_bits: u64, num_hashes: u32) -> Shape {
    Shape { layout: Layout::Blocked512, num_bits, num_hashes }
}

fn u32s(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect()
}

fn u32_bytes(v: impl Iterator<Item = u32>) -> Vec<u8> {
    v.flat_map(|x| x.to_le_bytes()).collect()
}

fn settings_of(json: &str) -> PyResult<Arc<Settings>> {
    Ok(Arc::new(Settings::from_json(json).map_err(value_err)?))
}

fn compression(name: &str) -> PyResult<Compression> {
    Compression::from_name(name).ok_or_else(|| value_err(format!("unknown compression {name:?}")))
}

fn partitioner(settings: &Settings, partitions: usize, num_bits: u64, num_hashes: u32) -> PyResult<Partitioner> {
    if partitions == 0 {
        return Err(value_err("partitions must be at least 1"));
    }
    if split::is_minhash(settings) {
        return Ok(Partitioner::Hash(partitions));
    }
    let shape = blocked(num_bits, num_hashes);
    crate::bloom::slice::check_partitioning(&shape, partitions).map_err(value_err)?;
    Ok(Partitioner::Blocks(shape, partitions))
}

fn scan_meta<'py>(py: Python<'py>, file: &ScannedFile) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("docs", file.docs())?;
    d.set_item("keys", file.keys())?;
    d.set_item("bytes", file.bytes())?;
    Ok(d)
}

/// scan_split(source, compression, settings_json, partitions, num_bits=0, num_hashes=0)
/// -> ({"docs", "keys", "bytes"} or {"error": (line, message)}, layout, parts).
///
/// `source`: a local path or a callable returning a binary file object (still compressed). `parts[p]`
/// holds partition `p`'s keys in canonical order as little-endian u64 (Bloom modes; the partitions are
/// block ranges of a blocked filter of `num_bits` bits), or for MinHash the band keys followed by their
/// documents' indexes in the file (u32).
#[pyfunction]
#[pyo3(signature = (source, compression_name, settings_json, partitions, num_bits=0, num_hashes=0))]
fn scan_split<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    compression_name: &str,
    settings_json: &str,
    partitions: usize,
    num_bits: u64,
    num_hashes: u32,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyBytes>, Vec<Bound<'py, PyBytes>>)> {
    let settings = settings_of(settings_json)?;
    let codec = compression(compression_name)?;
    let by = partitioner(&settings, partitions, num_bits, num_hashes)?;
    let raw = if let Ok(p) = source.downcast::<PyString>() {
        let path = p.to_str()?.to_string();
        py.allow_threads(|| open_path(&path))
    } else if source.is_callable() {
        Ok(Box::new(PyReader(source.call0()?.unbind())) as Box<dyn std::io::Read + Send>)
    } else {
        return Err(value_err("a source is a local path or a callable returning a binary file"));
    };
    let minhash = split::is_minhash(&settings);
    let scanned = py.allow_threads(move || {
        let reader = decompress(raw?, codec)?;
        let scanned = split::scan(LineReader::new(reader, codec), settings);
        Ok::<_, std::io::Error>(scanned.map(|file| {
            let parts: Vec<Vec<u8>> = if minhash {
                split::split_band_keys(&file, &by, 0)
                    .into_iter()
                    .map(|(keys, docs)| keys.iter().flat_map(|k| k.to_le_bytes()).chain(u32_bytes(docs.into_iter())).collect())
                    .collect()
            } else {
                split::split_keys(&file, &by).into_iter().map(|keys| keys.iter().flat_map(|k| k.to_le_bytes()).collect()).collect()
            };
            let layout = split::encode(&file);
            (file, layout, parts)
        }))
    });
    match scanned {
        Err(e) => {
            let d = PyDict::new(py);
            d.set_item("error", (0u64, format!("cannot open: {e}")))?;
            Ok((d, PyBytes::new(py, b""), Vec::new()))
        }
        Ok(Err(problem)) => {
            let d = PyDict::new(py);
            d.set_item("error", (problem.line, problem.message))?;
            Ok((d, PyBytes::new(py, b""), Vec::new()))
        }
        Ok(Ok((file, layout, parts))) => {
            let meta = scan_meta(py, &file)?;
            Ok((meta, PyBytes::new(py, &layout), parts.iter().map(|p| PyBytes::new(py, p)).collect()))
        }
    }
}

fn decode(layout: &[u8]) -> PyResult<ScannedFile> {
    split::decode(layout).map_err(value_err)
}

fn finish_assembly<'py>(
    py: Python<'py>,
    file: &ScannedFile,
    settings: Arc<Settings>,
    replay: Replay,
    name: &str,
    codec: Compression,
) -> PyResult<Bound<'py, PyDict>> {
    let (data, stats) = py.allow_threads(|| split::assemble(file, settings, replay, name, codec)).map_err(value_err)?;
    let d = stats_dict(py, &stats)?;
    d.set_item("data", PyBytes::new(py, &data))?;
    Ok(d)
}

/// assemble_answers(layout, settings_json, name, compression, partitions, num_bits, num_hashes, answers)
/// -> stats with the attribute file's bytes under "data". `answers[p]`: one byte (0/1) per key of
/// partition `p`, as its filter slice returned them.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn assemble_answers<'py>(
    py: Python<'py>,
    layout: &[u8],
    settings_json: &str,
    name: &str,
    compression_name: &str,
    partitions: usize,
    num_bits: u64,
    num_hashes: u32,
    answers: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyDict>> {
    let settings = settings_of(settings_json)?;
    let by = partitioner(&settings, partitions, num_bits, num_hashes)?;
    let file = decode(layout)?;
    let answers: Vec<Vec<bool>> = answers.into_iter().map(|a| a.into_iter().map(|b| b != 0).collect()).collect();
    let merged = split::merge_answers(&file, &by, &answers).map_err(value_err)?;
    finish_assembly(py, &file, settings, Replay::answers(merged), name, compression(compression_name)?)
}

/// assemble_clusters(layout, settings_json, name, compression, clusters) -> stats with "data" (MinHash);
/// `clusters`: one u32 per document (u32::MAX: not a near-duplicate), from `LshClusters.cluster`.
#[pyfunction]
fn assemble_clusters<'py>(
    py: Python<'py>,
    layout: &[u8],
    settings_json: &str,
    name: &str,
    compression_name: &str,
    clusters: &[u8],
) -> PyResult<Bound<'py, PyDict>> {
    let settings = settings_of(settings_json)?;
    let file = decode(layout)?;
    let clusters: Vec<Option<u32>> = u32s(clusters).into_iter().map(|c| (c != u32::MAX).then_some(c)).collect();
    finish_assembly(py, &file, settings, Replay::clusters(clusters), name, compression(compression_name)?)
}

/// One partition (a range of blocks) of a blocked Bloom filter of `num_bits` bits.
#[pyclass(name = "FilterSlice", module = "dolma_tools._rust")]
pub struct PyFilterSlice {
    inner: FilterSlice,
}

#[pymethods]
impl PyFilterSlice {
    /// Empty, or from `data` (its bytes of the file's bit array, see `byte_range`) and `inserted`.
    #[new]
    #[pyo3(signature = (num_bits, num_hashes, partition, partitions, data=None, inserted=0, read_only=false))]
    fn new(
        num_bits: u64,
        num_hashes: u32,
        partition: usize,
        partitions: usize,
        data: Option<&[u8]>,
        inserted: u64,
        read_only: bool,
    ) -> PyResult<Self> {
        let shape = blocked(num_bits, num_hashes);
        let inner = match data {
            None => FilterSlice::new(shape, partition, partitions),
            Some(d) => FilterSlice::from_le_bytes(shape, partition, partitions, d, inserted, read_only),
        }
        .map_err(value_err)?;
        Ok(PyFilterSlice { inner })
    }

    /// Check (and insert) keys (little-endian u64) in order; one byte per key: 1 if already present.
    fn check_and_insert_many<'py>(&self, py: Python<'py>, keys: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let keys = u64s(keys)?;
        let out = py.allow_threads(|| self.inner.check_and_insert_many(&keys)).map_err(value_err)?;
        Ok(PyBytes::new(py, &out.into_iter().map(u8::from).collect::<Vec<u8>>()))
    }

    /// Look keys up without inserting (read-only filters).
    fn contains_many<'py>(&self, py: Python<'py>, keys: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let keys = u64s(keys)?;
        let out = py.allow_threads(|| self.inner.contains_many(&keys)).map_err(value_err)?;
        Ok(PyBytes::new(py, &out.into_iter().map(u8::from).collect::<Vec<u8>>()))
    }

    /// This slice's part of the file's bit array.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let data = py.allow_threads(|| self.inner.to_le_bytes());
        PyBytes::new(py, &data)
    }

    /// (start, end) of this slice within the bit array, in bytes.
    #[getter]
    fn byte_range(&self) -> (u64, u64) {
        self.inner.byte_range()
    }

    #[getter]
    fn inserted(&self) -> u64 {
        self.inner.inserted()
    }

    #[getter]
    fn bits_set(&self) -> u64 {
        self.inner.bits_set()
    }
}

/// The MinHash band keys of one partition: band key -> first document.
#[pyclass(name = "LshBandSlice", module = "dolma_tools._rust")]
#[derive(Default)]
pub struct PyLshBandSlice {
    inner: BandTable,
}

#[pymethods]
impl PyLshBandSlice {
    #[new]
    fn new() -> Self {
        PyLshBandSlice::default()
    }

    /// `part` as `scan_split` returned it (band keys, then their document indexes in the file); `first_doc`:
    /// the ordinal of the file's first document. Returns, per key, the first document that had it
    /// (little-endian u32; u32::MAX when the key is new and now belongs to its own document).
    fn first_or_insert_many<'py>(&mut self, py: Python<'py>, part: &[u8], first_doc: u32) -> PyResult<Bound<'py, PyBytes>> {
        if part.len() % 12 != 0 {
            return Err(value_err("a MinHash part is n u64 keys followed by n u32 document indexes"));
        }
        let n = part.len() / 12;
        let (keys, docs) = (u64s(&part[..n * 8])?, u32s(&part[n * 8..]));
        let table = &mut self.inner;
        let out = py.allow_threads(|| {
            u32_bytes(keys.iter().zip(docs).map(|(&k, d)| table.first_or_insert(k, first_doc + d).unwrap_or(u32::MAX)))
        });
        Ok(PyBytes::new(py, &out))
    }

    #[getter]
    fn entries(&self) -> usize {
        self.inner.entries()
    }

    #[getter]
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }
}

/// MinHash clusters over every document of a run (4 bytes per document), fed file by file in order.
#[pyclass(name = "LshClusters", module = "dolma_tools._rust")]
#[derive(Default)]
pub struct PyLshClusters {
    inner: Clusters,
}

#[pymethods]
impl PyLshClusters {
    #[new]
    fn new() -> Self {
        PyLshClusters::default()
    }

    /// The ordinal of the next document.
    #[getter]
    fn documents(&self) -> usize {
        self.inner.documents()
    }

    #[getter]
    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes()
    }

    /// Join the next file's documents (`layout` from `scan_split`; `answers[p]` from partition `p`'s
    /// `LshBandSlice`); returns each document's cluster (u32, u32::MAX: none).
    fn cluster<'py>(&mut self, py: Python<'py>, layout: &[u8], partitions: usize, answers: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
        let file = decode(layout)?;
        let by = Partitioner::Hash(partitions);
        let answers: Vec<Vec<u32>> = answers.iter().map(|a| u32s(a)).collect();
        let merged = split::merge_answers(&file, &by, &answers).map_err(value_err)?;
        let clusters = &mut self.inner;
        let out = py.allow_threads(|| split::cluster_file(&file, &merged, clusters)).map_err(value_err)?;
        Ok(PyBytes::new(py, &u32_bytes(out.into_iter().map(|c| c.unwrap_or(u32::MAX)))))
    }
}

/// The header (and metadata) of a filter file whose bit array follows, written slice by slice.
#[pyfunction]
fn bloom_file_header<'py>(py: Python<'py>, num_bits: u64, num_hashes: u32, inserted: u64, bits_set: u64, metadata: &str) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &file::encode_header_parts(blocked(num_bits, num_hashes), inserted, bits_set, metadata))
}

/// What the first bytes of a filter file say: layout, num_bits, num_hashes, inserted, bits_set,
/// metadata, data_offset, file_len (the end marker and checksum are checked when the bits are read).
#[pyfunction]
fn bloom_file_info<'py>(py: Python<'py>, head: &[u8], name: &str) -> PyResult<Bound<'py, PyDict>> {
    let h = file::decode_header(Path::new(name), head).map_err(|e| PyIOError::new_err(e.to_string()))?;
    let d = PyDict::new(py);
    d.set_item("layout", h.shape.layout.name())?;
    d.set_item("num_bits", h.shape.num_bits)?;
    d.set_item("num_hashes", h.shape.num_hashes)?;
    d.set_item("inserted", h.inserted)?;
    d.set_item("bits_set", h.bits_set)?;
    d.set_item("metadata", &h.metadata)?;
    d.set_item("data_offset", h.data_offset)?;
    d.set_item("file_len", h.file_len())?;
    Ok(d)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(scan_split, m)?)?;
    m.add_function(wrap_pyfunction!(assemble_answers, m)?)?;
    m.add_function(wrap_pyfunction!(assemble_clusters, m)?)?;
    m.add_function(wrap_pyfunction!(bloom_file_header, m)?)?;
    m.add_function(wrap_pyfunction!(bloom_file_info, m)?)?;
    m.add_class::<PyFilterSlice>()?;
    m.add_class::<PyLshBandSlice>()?;
    m.add_class::<PyLshClusters>()?;
    Ok(())
}
