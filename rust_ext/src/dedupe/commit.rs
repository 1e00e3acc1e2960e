//! The sequential half of dedupe: check and insert a file's keys in row order (`Checker`), then
//! build its rows (`Renderer`, which can run on another thread since it only reads the results).
//!
//! Run over files in canonical order, this is what makes keep-first deterministic: whatever the
//! number of scanning threads, the filter sees the keys in exactly the same order.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::config::{Mode, Settings};
use super::output::{json_string, RowWriter, Score, Span};
use super::scan::{Chunk, DocState, LineProblem};
use crate::bloom::{BloomError, BloomFilter, PREFETCH_DISTANCE};
use crate::minhash::LshIndex;

/// Where keys are checked.
pub enum Target<'a> {
    /// Check and insert (a writable filter).
    Insert(&'a BloomFilter),
    /// Look up only (a read-only filter, e.g. decontamination).
    Lookup(&'a BloomFilter),
    /// MinHash bands.
    Lsh(&'a mut LshIndex),
    /// Answers computed elsewhere (a distributed run's filter partitions), replayed in key order.
    Replay(&'a mut Replay),
}

/// Precomputed results of a file's checks, in the order the checker asks for them: one answer per
/// key (Bloom modes) or one cluster per document (MinHash).
#[derive(Debug, Default)]
pub struct Replay {
    answers: std::vec::IntoIter<bool>,
    clusters: std::vec::IntoIter<Option<u32>>,
}

impl Replay {
    pub fn answers(answers: Vec<bool>) -> Replay {
        Replay { answers: answers.into_iter(), ..Replay::default() }
    }

    pub fn clusters(clusters: Vec<Option<u32>>) -> Replay {
        Replay { clusters: clusters.into_iter(), ..Replay::default() }
    }

    fn next_answer(&mut self) -> Result<bool, BloomError> {
        self.answers.next().ok_or_else(|| BloomError::ShapeMismatch("fewer answers than keys".into()))
    }

    fn next_cluster(&mut self) -> Result<Option<u32>, BloomError> {
        self.clusters.next().ok_or_else(|| BloomError::ShapeMismatch("fewer clusters than documents".into()))
    }
}

impl Target<'_> {
    #[inline]
    fn prefetch(&self, key: u64) {
        match self {
            Target::Insert(f) | Target::Lookup(f) => f.prefetch(key),
            Target::Lsh(_) | Target::Replay(_) => {}
        }
    }

    #[inline]
    fn check(&mut self, key: u64) -> Result<bool, BloomError> {
        match self {
            Target::Insert(f) => f.check_and_insert(key),
            Target::Lookup(f) => Ok(f.contains(key)),
            Target::Replay(r) => r.next_answer(),
            Target::Lsh(_) => unreachable!("MinHash keys go through LshIndex::add"),
        }
    }
}

const MAX_EXAMPLES: usize = 5;

/// Counters for one file.
#[derive(Debug, Default, Clone)]
pub struct CommitStats {
    pub docs: u64,
    /// Documents with at least one duplicate span (or near-duplicates).
    pub duplicate_docs: u64,
    pub duplicate_spans: u64,
    /// Characters covered by duplicate spans.
    pub duplicate_chars: u64,
    pub keys: u64,
    pub bytes: u64,
    pub skipped: BTreeMap<String, u64>,
    pub skipped_examples: Vec<String>,
}

impl CommitStats {
    pub fn skip(&mut self, problem: &LineProblem, path: &str) {
        let reason = problem.message.split([':', '(']).next().unwrap_or("").trim().to_string();
        *self.skipped.entry(reason).or_default() += 1;
        if self.skipped_examples.len() < MAX_EXAMPLES {
            self.skipped_examples.push(format!("{path}:{}: {}", problem.line, problem.message));
        }
    }
}

/// Walks a chunk's keys in order, prefetching the filter memory of keys a little ahead, so the
/// cache misses of consecutive lookups overlap (order of checks, and so results, are unchanged).
struct KeyCursor<'k> {
    keys: &'k [u64],
    pos: usize,
}

impl<'k> KeyCursor<'k> {
    #[inline]
    fn check_next(&mut self, target: &mut Target) -> Result<bool, BloomError> {
        if self.pos == 0 {
            for &k in self.keys.iter().take(PREFETCH_DISTANCE) {
                target.prefetch(k);
            }
        }
        if let Some(&ahead) = self.keys.get(self.pos + PREFETCH_DISTANCE) {
            target.prefetch(ahead);
        }
        let key = self.keys[self.pos];
        self.pos += 1;
        target.check(key)
    }

    fn take(&mut self, n: usize) -> &'k [u64] {
        let out = &self.keys[self.pos..self.pos + n];
        self.pos += n;
        out
    }
}

/// The outcome of checking one chunk: the span (if any) of every unit, and for MinHash the cluster of
/// every document. Everything the rows need besides the chunk itself.
#[derive(Debug, Default)]
pub struct Checked {
    /// Score of each unit's span, `None` when the unit is not (enough of) a duplicate.
    pub spans: Vec<Option<Score>>,
    /// MinHash: the cluster (earliest document ordinal) of each document that joined one.
    pub clusters: Vec<Option<u32>>,
}

/// Checks (and inserts) keys in order: the only part of a run that must be sequential.
pub struct Checker {
    settings: Arc<Settings>,
}

impl Checker {
    pub fn new(settings: Arc<Settings>) -> Checker {
        Checker { settings }
    }

    /// Check the keys of `chunk` in order and update `stats` (counts of documents, duplicates, keys).
    pub fn check_chunk(
        &mut self,
        chunk: &Chunk,
        path: &str,
        target: &mut Target,
        stats: &mut CommitStats,
    ) -> Result<Checked, BloomError> {
        let settings = self.settings.clone();
        let mut out = Checked { spans: Vec::with_capacity(chunk.units.len()), clusters: Vec::new() };
        let mut unit_i = 0usize;
        let mut keys = KeyCursor { keys: &chunk.keys, pos: 0 };
        for doc in &chunk.docs {
            let units = &chunk.units[unit_i..unit_i + doc.units as usize];
            unit_i += doc.units as usize;
            let first_span = out.spans.len();
            match &settings.mode {
                Mode::Documents { .. } | Mode::Paragraphs { ngram: None, .. } => {
                    for _ in units {
                        let dup = keys.check_next(target)?;
                        out.spans.push(dup.then_some(Score::Int(1)));
                    }
                }
                Mode::Paragraphs { ngram: Some(n), .. } => {
                    for u in units {
                        let score = if u.whole {
                            for _ in 1..u.keys {
                                keys.check_next(target)?; // the few n-grams are inserted; the paragraph decides
                            }
                            if keys.check_next(target)? { 1.0f32 } else { 0.0 }
                        } else {
                            let mut dups = 0u32;
                            for _ in 0..u.keys {
                                dups += keys.check_next(target)? as u32;
                            }
                            dups as f32 / u.total as f32
                        };
                        out.spans.push((score >= n.overlap_threshold).then_some(Score::Float(score as f64)));
                    }
                }
                Mode::MinHash(_) => {
                    let band_keys = units.first().map(|u| keys.take(u.keys as usize));
                    let cluster = match target {
                        Target::Lsh(index) => index.add(band_keys.filter(|_| doc.state == DocState::Checked)),
                        Target::Replay(r) => r.next_cluster()?,
                        _ => unreachable!("MinHash runs against an LSH index"),
                    };
                    out.spans.extend(units.iter().map(|_| cluster.map(|_| Score::Int(1))));
                    out.clusters.push(cluster);
                }
            }
            stats.docs += 1;
            stats.keys += units.iter().map(|u| u.keys as u64).sum::<u64>();
            let (mut spans, mut chars) = (0u64, 0u64);
            for (u, _) in units.iter().zip(&out.spans[first_span..]).filter(|(_, s)| s.is_some()) {
                spans += 1;
                chars += u.end - u.start;
            }
            if spans > 0 {
                stats.duplicate_docs += 1;
                stats.duplicate_spans += spans;
                stats.duplicate_chars += chars;
            }
        }
        stats.bytes += chunk.bytes;
        for p in &chunk.skipped {
            stats.skip(p, path);
        }
        Ok(out)
    }
}

/// Writes a checked chunk's rows (Dolma's layout); runs beside the checker, on its own thread.
pub struct Renderer {
    settings: Arc<Settings>,
    name_json: Vec<u8>,
    cluster_name_json: Vec<u8>,
    spans: Vec<Span>,
}

impl Renderer {
    pub fn new(settings: Arc<Settings>) -> Renderer {
        let name_json = json_string(&settings.attribute_name);
        let cluster_name_json = json_string(&format!("{}_cluster", settings.attribute_name));
        Renderer { settings, name_json, cluster_name_json, spans: Vec::new() }
    }

    pub fn render_chunk(&mut self, chunk: &Chunk, checked: &Checked, w: &mut RowWriter) {
        let mut unit_i = 0usize;
        for (d, doc) in chunk.docs.iter().enumerate() {
            let units = &chunk.units[unit_i..unit_i + doc.units as usize];
            self.spans.clear();
            for (u, score) in units.iter().zip(&checked.spans[unit_i..]) {
                if let Some(score) = *score {
                    self.spans.push(Span { start: u.start, end: u.end, score });
                }
            }
            unit_i += doc.units as usize;
            w.begin();
            match (doc.state, &self.settings.mode) {
                (DocState::NoAttribute, _) => {}
                (DocState::Skipped, _) => w.attribute(&self.name_json, &[]),
                (DocState::Checked, Mode::Paragraphs { .. }) => w.attribute(&self.name_json, &self.spans),
                (DocState::Checked, _) if self.spans.is_empty() => {}
                (DocState::Checked, Mode::MinHash(_)) => {
                    let span = Span { start: 0, end: doc.text_chars, score: Score::Int(1) };
                    w.attribute(&self.name_json, &[span]);
                    if let Some(root) = checked.clusters.get(d).copied().flatten() {
                        let cluster = Span { start: 0, end: doc.text_chars, score: Score::Int(root as u64) };
                        w.attribute(&self.cluster_name_json, &[cluster]);
                    }
                }
                (DocState::Checked, _) => w.attribute(&self.name_json, &self.spans),
            }
            w.end(chunk.id(d)).expect("writing to memory cannot fail");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::{Layout, Shape};
    use crate::dedupe::reader::Compression;
    use crate::dedupe::scan::tests::scan_all;

    fn run(settings: &str, data: &str, filter: &BloomFilter) -> (String, CommitStats) {
        commit(settings, data, &mut Target::Insert(filter))
    }

    fn commit(settings: &str, data: &str, target: &mut Target) -> (String, CommitStats) {
        let chunks = scan_all(settings, data).unwrap();
        let settings = Arc::new(Settings::from_json(settings).unwrap());
        let (mut c, mut r) = (Checker::new(settings.clone()), Renderer::new(settings));
        let mut w = RowWriter::new(Compression::None).unwrap();
        let mut stats = CommitStats::default();
        for chunk in &chunks {
            let checked = c.check_chunk(chunk, "f", target, &mut stats).unwrap();
            r.render_chunk(chunk, &checked, &mut w);
        }
        (String::from_utf8(w.finish().unwrap()).unwrap(), stats)
    }

    fn filter() -> BloomFilter {
        BloomFilter::new(Shape::for_rate(Layout::Blocked512, 10_000, 1e-6))
    }

    #[test]
    fn documents_keep_the_first_and_span_the_whole_text() {
        let data = r#"{"id":"1","text":"héllo","metadata":{"url":"u"}}
{"id":"2","text":"other","metadata":{"url":"v"}}
{"id":"3","text":"dup of 1 by url","metadata":{"url":"u"}}
{"id":"4","text":"","metadata":{"url":""}}"#;
        let settings = r#"{"mode":"documents","key":"$.metadata.url","attribute_name":"dup","skip_empty":true}"#;
        let (rows, stats) = run(settings, data, &filter());
        assert_eq!(
            rows,
            "{\"attributes\":{},\"id\":\"1\"}\n{\"attributes\":{},\"id\":\"2\"}\n\
             {\"attributes\":{\"dup\":[[0,15,1]]},\"id\":\"3\"}\n{\"attributes\":{\"dup\":[]},\"id\":\"4\"}\n"
        );
        assert_eq!((stats.docs, stats.duplicate_docs, stats.keys), (4, 1, 3));
    }

    #[test]
    fn paragraphs_mark_repeats_including_within_a_document() {
        let data = "{\"id\":\"1\",\"text\":\"alpha\\nbeta\\nalpha\"}\n{\"id\":\"2\",\"text\":\"gamma\\nbeta\"}\n{\"id\":\"3\",\"text\":\"\"}";
        let (rows, _) = run(r#"{"mode":"paragraphs","attribute_name":"p"}"#, data, &filter());
        assert_eq!(
            rows,
            "{\"attributes\":{\"p\":[[11,16,1]]},\"id\":\"1\"}\n{\"attributes\":{\"p\":[[6,10,1]]},\"id\":\"2\"}\n\
             {\"attributes\":{},\"id\":\"3\"}\n"
        );
    }

    #[test]
    fn ngram_overlap_scores() {
        // paragraph 2 repeats 3 of the 4 trigrams of paragraph 1 (starts 0..=3); threshold 0.5
        let data = "{\"id\":\"1\",\"text\":\"a b c d e f\"}\n{\"id\":\"2\",\"text\":\"a b c d e x\\nsolo\\nsolo\"}";
        let settings = r#"{"mode":"paragraphs","attribute_name":"p","by_ngram":{"ngram_length":3,"overlap_threshold":0.5}}"#;
        let (rows, _) = run(settings, data, &filter());
        assert_eq!(
            rows,
            "{\"attributes\":{\"p\":[]},\"id\":\"1\"}\n{\"attributes\":{\"p\":[[0,12,0.75],[17,21,1.0]]},\"id\":\"2\"}\n"
        );
    }

    #[test]
    fn read_only_lookup_never_inserts() {
        let f = filter();
        f.insert(crate::hashing::hash64(b"known")).unwrap();
        let (rows, _) = commit(
            r#"{"mode":"paragraphs","attribute_name":"p"}"#,
            "{\"id\":\"1\",\"text\":\"known\\nnew\\nnew\"}",
            &mut Target::Lookup(&f),
        );
        assert_eq!(rows, "{\"attributes\":{\"p\":[[0,6,1]]},\"id\":\"1\"}\n");
        assert_eq!(f.inserted(), 1);
    }
}
