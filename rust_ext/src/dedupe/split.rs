//! The dedupe steps taken apart, for runs whose filter lives in partitions on other machines:
//!
//! 1. `scan`: one file -> a `ScannedFile` (the same chunks the local pipeline commits), and its keys
//!    split by owning partition (`split_keys`, `split_band_keys`), in canonical order within each;
//! 2. elsewhere, each partition checks its keys in canonical file order (`bloom::slice::FilterSlice`,
//!    `minhash::BandTable`), and for MinHash one place joins the clusters (`cluster_file`);
//! 3. `assemble`: the file's rows from the partitions' answers, through the local committer's own
//!    `Checker` and `Renderer` (a `Replay` target), so the rows are the local run's rows byte for byte.
//!
//! A `ScannedFile` travels between machines as bytes (`encode` / `decode`).

use std::sync::Arc;

use super::commit::{Checker, CommitStats, Renderer, Replay, Target};
use super::config::{Mode, Settings};
use super::output::RowWriter;
use super::reader::{Compression, LineReader};
use super::scan::{Chunk, DocEntry, DocState, FileScanner, LineProblem, Unit};
use crate::bloom::slice::partition_of;
use crate::bloom::{fastrange, BloomError, Shape};
use crate::minhash::Clusters;

/// Every chunk of one file, in order.
#[derive(Debug, Default)]
pub struct ScannedFile {
    pub chunks: Vec<Chunk>,
}

/// Which partition owns a key.
#[derive(Clone, Copy, Debug)]
pub enum Partitioner {
    /// Block ranges of a blocked Bloom filter of this shape (see `bloom::slice`).
    Blocks(Shape, usize),
    /// MinHash band keys: `floor(h * partitions / 2^64)`.
    Hash(usize),
}

impl Partitioner {
    #[inline]
    pub fn owner(&self, h: u64) -> usize {
        match self {
            Partitioner::Blocks(shape, parts) => partition_of(h, shape, *parts),
            Partitioner::Hash(parts) => fastrange(h, *parts as u64) as usize,
        }
    }

    pub fn partitions(&self) -> usize {
        match self {
            Partitioner::Blocks(_, p) | Partitioner::Hash(p) => *p,
        }
    }
}

/// Scan a whole file (the parallel step); `Err` is the first bad line under `on_error: raise`.
pub fn scan(reader: LineReader, settings: Arc<Settings>) -> Result<ScannedFile, LineProblem> {
    let mut scanner = FileScanner::new(settings, reader);
    let mut chunks = Vec::new();
    while let Some(chunk) = scanner.next_chunk()? {
        chunks.push(chunk);
    }
    Ok(ScannedFile { chunks })
}

impl ScannedFile {
    pub fn docs(&self) -> usize {
        self.chunks.iter().map(|c| c.docs.len()).sum()
    }

    pub fn keys(&self) -> usize {
        self.chunks.iter().map(|c| c.keys.len()).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.bytes).sum()
    }

    /// Every key, each with the index (in this file) of its document, in canonical order.
    fn keys_with_docs(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        let mut doc = 0u32;
        self.chunks.iter().flat_map(move |chunk| {
            let mut unit_i = 0usize;
            let mut key_i = 0usize;
            let mut out = Vec::with_capacity(chunk.keys.len());
            for d in &chunk.docs {
                for u in &chunk.units[unit_i..unit_i + d.units as usize] {
                    out.extend(chunk.keys[key_i..key_i + u.keys as usize].iter().map(|&k| (k, doc)));
                    key_i += u.keys as usize;
                }
                unit_i += d.units as usize;
                doc += 1;
            }
            out
        })
    }
}

/// The keys of each partition, in canonical order (Bloom modes).
pub fn split_keys(file: &ScannedFile, by: &Partitioner) -> Vec<Vec<u64>> {
    let mut parts = vec![Vec::new(); by.partitions()];
    for chunk in &file.chunks {
        for &k in &chunk.keys {
            parts[by.owner(k)].push(k);
        }
    }
    parts
}

/// MinHash: the band keys of each partition with their documents' ordinals (`first_doc` + index in
/// the file), in canonical order. Only compared documents have band keys.
pub fn split_band_keys(file: &ScannedFile, by: &Partitioner, first_doc: u32) -> Vec<(Vec<u64>, Vec<u32>)> {
    let mut parts = vec![(Vec::new(), Vec::new()); by.partitions()];
    for (k, doc) in file.keys_with_docs() {
        let part = &mut parts[by.owner(k)];
        part.0.push(k);
        part.1.push(first_doc + doc);
    }
    parts
}

/// Put the partitions' answers back in the file's key order.
pub fn merge_answers<T: Copy>(file: &ScannedFile, by: &Partitioner, answers: &[Vec<T>]) -> Result<Vec<T>, String> {
    if answers.len() != by.partitions() {
        return Err(format!("{} answer lists for {} partitions", answers.len(), by.partitions()));
    }
    let mut cursors = vec![0usize; answers.len()];
    let mut out = Vec::with_capacity(file.keys());
    for chunk in &file.chunks {
        for &k in &chunk.keys {
            let p = by.owner(k);
            let a = answers[p].get(cursors[p]).ok_or_else(|| format!("partition {p} answered too few keys"))?;
            cursors[p] += 1;
            out.push(*a);
        }
    }
    if cursors.iter().zip(answers).any(|(&c, a)| c != a.len()) {
        return Err("a partition answered more keys than the file has".into());
    }
    Ok(out)
}

/// MinHash: join the file's documents to their clusters, in order (the sequential step, run in one
/// place over all files in canonical order). `first_docs` holds, per band key in file order, the first
/// document that had it (`u32::MAX`: none, the key was new). Returns each document's cluster.
pub fn cluster_file(file: &ScannedFile, first_docs: &[u32], clusters: &mut Clusters) -> Result<Vec<Option<u32>>, String> {
    if first_docs.len() != file.keys() {
        return Err(format!("{} answers for {} band keys", first_docs.len(), file.keys()));
    }
    let mut out = Vec::with_capacity(file.docs());
    let mut earlier = Vec::new();
    let mut key_i = 0usize;
    for chunk in &file.chunks {
        let mut unit_i = 0usize;
        for d in &chunk.docs {
            earlier.clear();
            for u in &chunk.units[unit_i..unit_i + d.units as usize] {
                let answers = &first_docs[key_i..key_i + u.keys as usize];
                if d.state == DocState::Checked {
                    earlier.extend(answers.iter().copied().filter(|&a| a != u32::MAX));
                }
                key_i += u.keys as usize;
            }
            unit_i += d.units as usize;
            out.push(clusters.add(&earlier));
        }
    }
    Ok(out)
}

/// The file's attribute rows (compressed with `compression`) and counters, from replayed answers.
pub fn assemble(
    file: &ScannedFile,
    settings: Arc<Settings>,
    mut replay: Replay,
    path: &str,
    compression: Compression,
) -> Result<(Vec<u8>, CommitStats), BloomError> {
    let mut checker = Checker::new(settings.clone());
    let mut renderer = Renderer::new(settings);
    let mut writer = RowWriter::new(compression).map_err(|e| BloomError::ShapeMismatch(e.to_string()))?;
    let mut stats = CommitStats::default();
    let mut target = Target::Replay(&mut replay);
    for chunk in &file.chunks {
        let checked = checker.check_chunk(chunk, path, &mut target, &mut stats)?;
        renderer.render_chunk(chunk, &checked, &mut writer);
    }
    let data = writer.finish().map_err(|e| BloomError::ShapeMismatch(e.to_string()))?;
    Ok((data, stats))
}

/// Whether the settings' mode is MinHash (clusters) rather than a Bloom filter (answers).
pub fn is_minhash(settings: &Settings) -> bool {
    matches!(settings.mode, Mode::MinHash(_))
}

// ---- bytes on the wire ----------------------------------------------------------------------------------

const MAGIC: &[u8; 4] = b"DTSF";

struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
}

struct In<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.data.len()).ok_or("truncated scanned file")?;
        let out = &self.data[self.at..end];
        self.at = end;
        Ok(out)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn len(&mut self) -> Result<usize, String> {
        usize::try_from(self.u64()?).map_err(|_| "bad length".to_string())
    }
    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len()?;
        self.take(n)
    }
}

fn state_code(s: DocState) -> u8 {
    match s {
        DocState::Checked => 0,
        DocState::Skipped => 1,
        DocState::NoAttribute => 2,
    }
}

fn state_of(code: u8) -> Result<DocState, String> {
    match code {
        0 => Ok(DocState::Checked),
        1 => Ok(DocState::Skipped),
        2 => Ok(DocState::NoAttribute),
        c => Err(format!("bad document state {c}")),
    }
}

/// Serialize (little-endian, versioned by the magic); `decode` is its inverse.
pub fn encode(file: &ScannedFile) -> Vec<u8> {
    let mut o = Out(Vec::with_capacity(64 + file.keys() * 8));
    o.0.extend_from_slice(MAGIC);
    o.u64(file.chunks.len() as u64);
    for c in &file.chunks {
        o.bytes(&c.ids);
        o.u64(c.docs.len() as u64);
        for d in &c.docs {
            o.u32(d.id_end);
            o.u64(d.text_chars);
            o.u32(d.units);
            o.u8(state_code(d.state));
        }
        o.u64(c.units.len() as u64);
        for u in &c.units {
            o.u64(u.start);
            o.u64(u.end);
            o.u32(u.keys);
            o.u32(u.total);
            o.u8(u.whole as u8);
        }
        o.u64(c.keys.len() as u64);
        for &k in &c.keys {
            o.u64(k);
        }
        o.u64(c.skipped.len() as u64);
        for p in &c.skipped {
            o.u64(p.line);
            o.bytes(p.message.as_bytes());
        }
        o.u64(c.bytes);
    }
    o.0
}

pub fn decode(data: &[u8]) -> Result<ScannedFile, String> {
    let mut i = In { data, at: 0 };
    if i.take(4)? != MAGIC {
        return Err("not a scanned file".into());
    }
    let n = i.len()?;
    let mut chunks = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let mut c = Chunk { ids: i.bytes()?.to_vec(), ..Chunk::default() };
        for _ in 0..i.len()? {
            let (id_end, text_chars, units, state) = (i.u32()?, i.u64()?, i.u32()?, state_of(i.u8()?)?);
            c.docs.push(DocEntry { id_end, text_chars, units, state });
        }
        for _ in 0..i.len()? {
            let (start, end, keys, total, whole) = (i.u64()?, i.u64()?, i.u32()?, i.u32()?, i.u8()? != 0);
            c.units.push(Unit { start, end, keys, total, whole });
        }
        let k = i.len()?;
        c.keys = i.take(k.checked_mul(8).ok_or("bad length")?)?.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().unwrap())).collect();
        for _ in 0..i.len()? {
            let line = i.u64()?;
            let message = String::from_utf8(i.bytes()?.to_vec()).map_err(|_| "bad message")?;
            c.skipped.push(LineProblem { line, message });
        }
        c.bytes = i.u64()?;
        chunks.push(c);
    }
    if i.at != data.len() {
        return Err("trailing bytes after a scanned file".into());
    }
    Ok(ScannedFile { chunks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::slice::FilterSlice;
    use crate::bloom::{BloomFilter, Layout};
    use crate::dedupe::pipeline::{FileSpec, PathOpener, Pipeline};
    use crate::dedupe::reader::{decompress, open_path};
    use crate::minhash::{BandTable, LshIndex};
    use std::io::Write;

    /// Files with exact repeats across and within files and near-repeats (edited texts).
    fn corpus(dir: &std::path::Path) -> Vec<String> {
        let mut paths = Vec::new();
        for f in 0..4 {
            let path = dir.join(format!("{f}.jsonl"));
            let mut out = std::fs::File::create(&path).unwrap();
            for d in 0..60 {
                let base: String = (0..40).map(|w| format!("w{} ", (d % 9) * 100 + w)).collect();
                let text = match d % 4 {
                    0 => format!("{base}\\nshared paragraph {}", d % 5),
                    1 => format!("{}\\nunique {f} {d}", base.replace(" w1", " edited")),
                    2 => String::new(),
                    _ => format!("para {f} {d}\\n{base}"),
                };
                writeln!(out, "{{\"id\":\"{f}-{d}\",\"text\":\"{text}\"}}").unwrap();
            }
            paths.push(path.to_string_lossy().into_owned());
        }
        paths
    }

    const SETTINGS: [&str; 4] = [
        r#"{"mode":"documents","key":"$.text","attribute_name":"d","chunk_docs":7}"#,
        r#"{"mode":"paragraphs","attribute_name":"p","chunk_docs":7}"#,
        r#"{"mode":"paragraphs","attribute_name":"p","chunk_docs":7,"by_ngram":{"ngram_length":3,"overlap_threshold":0.4}}"#,
        r#"{"mode":"minhash","attribute_name":"m","num_perm":32,"ngram_length":2,"threshold":0.5,"chunk_docs":7}"#,
    ];

    /// The local pipeline's rows (the reference).
    fn local(paths: &[String], settings: &str, shape: Shape) -> Vec<Vec<u8>> {
        let settings = Arc::new(Settings::from_json(settings).unwrap());
        let specs = paths.iter().map(|p| FileSpec { name: p.clone(), compression: Compression::None }).collect();
        let mut pipeline = Pipeline::start(specs, Box::new(PathOpener(paths.to_vec())), settings.clone(), 2);
        let filter = BloomFilter::new(shape);
        let mut lsh = LshIndex::new();
        (0..paths.len())
            .map(|i| {
                let mut w = RowWriter::new(Compression::None).unwrap();
                let mut target = if is_minhash(&settings) { Target::Lsh(&mut lsh) } else { Target::Insert(&filter) };
                pipeline.commit(i, &mut target, Some(&mut w), &mut |_| true).unwrap();
                w.finish().unwrap()
            })
            .collect()
    }

    fn scan_path(path: &str, settings: &Arc<Settings>) -> ScannedFile {
        let reader = decompress(open_path(path).unwrap(), Compression::None).unwrap();
        let scanned = scan(LineReader::new(reader, Compression::None), settings.clone()).unwrap();
        decode(&encode(&scanned)).unwrap() // as if shipped to another machine
    }

    /// The split steps with `parts` partitions, files handled in order as a distributed driver does.
    fn split(paths: &[String], settings: &str, shape: Shape, parts: usize) -> Vec<Vec<u8>> {
        let settings = Arc::new(Settings::from_json(settings).unwrap());
        let minhash = is_minhash(&settings);
        let by = if minhash { Partitioner::Hash(parts) } else { Partitioner::Blocks(shape, parts) };
        let slices: Vec<FilterSlice> = (0..parts).map(|p| FilterSlice::new(shape, p, parts).unwrap()).collect();
        let mut tables: Vec<BandTable> = (0..parts).map(|_| BandTable::default()).collect();
        let mut clusters = Clusters::default();
        let mut outputs = Vec::new();
        for path in paths {
            let file = scan_path(path, &settings);
            let replay = if minhash {
                let first = clusters.next_ordinal();
                let answers: Vec<Vec<u32>> = split_band_keys(&file, &by, first)
                    .into_iter()
                    .zip(&mut tables)
                    .map(|((keys, docs), t)| keys.iter().zip(docs).map(|(&k, d)| t.first_or_insert(k, d).unwrap_or(u32::MAX)).collect())
                    .collect();
                let merged = merge_answers(&file, &by, &answers).unwrap();
                Replay::clusters(cluster_file(&file, &merged, &mut clusters).unwrap())
            } else {
                let answers: Vec<Vec<bool>> =
                    split_keys(&file, &by).iter().zip(&slices).map(|(k, s)| s.check_and_insert_many(k).unwrap()).collect();
                Replay::answers(merge_answers(&file, &by, &answers).unwrap())
            };
            outputs.push(assemble(&file, settings.clone(), replay, path, Compression::None).unwrap().0);
        }
        outputs
    }

    #[test]
    fn split_steps_give_the_local_rows_for_every_mode() {
        let dir = tempfile::tempdir().unwrap();
        let paths = corpus(dir.path());
        // a crowded filter: false positives must be the local run's too
        let shape = Shape::new(Layout::Blocked512, 512 * 9, 6);
        for settings in SETTINGS {
            let expected = local(&paths, settings, shape);
            assert!(expected.iter().any(|rows| rows.windows(3).any(|w| w == b"[[0")), "no duplicates found: {settings}");
            for parts in [1, 2, 3] {
                assert_eq!(split(&paths, settings, shape, parts), expected, "{settings} with {parts} partitions");
            }
        }
    }

    #[test]
    fn scanned_files_roundtrip_and_reject_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let paths = corpus(dir.path());
        let settings = Arc::new(Settings::from_json(SETTINGS[2]).unwrap());
        let file = scan_path(&paths[0], &settings);
        assert_eq!(file.docs(), 60);
        let bytes = encode(&file);
        assert_eq!(encode(&decode(&bytes).unwrap()), bytes);
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(b"nope").is_err());
    }

    #[test]
    fn wrong_answer_counts_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let paths = corpus(dir.path());
        let settings = Arc::new(Settings::from_json(SETTINGS[1]).unwrap());
        let file = scan_path(&paths[0], &settings);
        let by = Partitioner::Hash(2);
        let mut answers: Vec<Vec<bool>> = split_keys(&file, &by).iter().map(|k| vec![false; k.len()]).collect();
        assert!(merge_answers(&file, &by, &answers).is_ok());
        answers[1].push(true);
        assert!(merge_answers(&file, &by, &answers).is_err());
        let n = answers[1].len();
        answers[1].truncate(n - 2);
        assert!(merge_answers(&file, &by, &answers).is_err());
        let short = Replay::answers(vec![false; file.keys() - 1]);
        assert!(assemble(&file, settings, short, "f", Compression::None).is_err());
    }
}
