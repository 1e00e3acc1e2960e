//! The parallel half of dedupe: read, parse and hash one file into chunks of keys.
//!
//! Nothing here touches the filter, so any number of files are scanned at once; the sequential
//! committer (`commit`) then checks and inserts the keys in canonical order.

use std::sync::Arc;

use super::config::{Mode, OnError, Settings};
use super::json::{decode_string, json_type, key_value, parse_fields, DocFields, StrValue};
use super::reader::LineReader;
use super::text::{char_len, ngram_starts, paragraphs, words};
use crate::hashing::{hash64, hash_words};

/// What a document's attribute row will hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocState {
    /// Its units were hashed and will be checked.
    Checked,
    /// Filtered out (too short, blank, too few words, outside the partition): the attribute is `[]`.
    Skipped,
    /// Nothing to say (empty text in paragraph mode): no attribute at all, as Dolma.
    NoAttribute,
}

#[derive(Clone, Copy, Debug)]
pub struct DocEntry {
    /// End of this document's serialized id in `Chunk::ids` (the start is the previous end).
    pub id_end: u32,
    pub text_chars: u64,
    pub units: u32,
    pub state: DocState,
}

/// A span to check: a whole document, a paragraph, or a paragraph's n-grams.
#[derive(Clone, Copy, Debug)]
pub struct Unit {
    pub start: u64,
    pub end: u64,
    /// Keys stored for this unit (n-grams outside the partition are counted in `total` only).
    pub keys: u32,
    /// N-grams selected in the paragraph (the denominator of the overlap fraction).
    pub total: u32,
    /// N-gram mode: too few n-grams, so the last key is the whole paragraph's and decides.
    pub whole: bool,
}

#[derive(Clone, Debug)]
pub struct LineProblem {
    pub line: u64,
    pub message: String,
}

/// Keys of up to `chunk_docs` consecutive documents of one file.
#[derive(Default, Debug)]
pub struct Chunk {
    pub ids: Vec<u8>,
    pub docs: Vec<DocEntry>,
    pub units: Vec<Unit>,
    pub keys: Vec<u64>,
    /// Lines skipped under `on_error: skip` (no row is written for them, except a missing key).
    pub skipped: Vec<LineProblem>,
    /// Decompressed bytes read.
    pub bytes: u64,
}

impl Chunk {
    pub fn id(&self, doc: usize) -> &[u8] {
        let start = if doc == 0 { 0 } else { self.docs[doc - 1].id_end as usize };
        &self.ids[start..self.docs[doc].id_end as usize]
    }
}

const CHUNK_TEXT_BYTES: u64 = 16 << 20;

pub struct FileScanner {
    reader: LineReader,
    keyer: Keyer,
    finished: bool,
}

/// Turns one parsed line into a document entry with its units and keys (reusing its buffers).
struct Keyer {
    settings: Arc<Settings>,
    word_hashes: Vec<u64>,
    signature: Vec<u32>,
    text_buf: String,
}

/// What a line gave besides its row: a note when the row was written but the line counts as skipped.
type LineOutcome = Result<Option<String>, String>;

impl FileScanner {
    pub fn new(settings: Arc<Settings>, reader: LineReader) -> FileScanner {
        let keyer = Keyer { settings, word_hashes: Vec::new(), signature: Vec::new(), text_buf: String::new() };
        FileScanner { reader, keyer, finished: false }
    }

    /// The next chunk, `Ok(None)` at the end of the file, or the first error under `on_error: raise`.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, LineProblem> {
        if self.finished {
            return Ok(None);
        }
        let settings = self.keyer.settings.clone();
        let mut chunk = Chunk::default();
        let start_bytes = self.reader.bytes;
        while chunk.docs.len() < settings.chunk_docs && self.reader.bytes - start_bytes < CHUNK_TEXT_BYTES {
            let outcome = match self.reader.next_line() {
                Ok(None) => {
                    self.finished = true;
                    break;
                }
                Ok(Some(line)) => self.keyer.scan_line(line, &mut chunk),
                Err(message) => {
                    self.finished = true; // the stream is broken: nothing after this point is readable
                    Err(message)
                }
            };
            let line = self.reader.line_no;
            match outcome {
                Ok(None) => {}
                Ok(Some(message)) => chunk.skipped.push(LineProblem { line, message }),
                Err(message) if settings.on_error == OnError::Raise => return Err(LineProblem { line, message }),
                Err(message) => chunk.skipped.push(LineProblem { line, message }),
            }
            if self.finished {
                break;
            }
        }
        chunk.bytes = self.reader.bytes - start_bytes;
        if chunk.docs.is_empty() && chunk.skipped.is_empty() && self.finished {
            return Ok(None);
        }
        Ok(Some(chunk))
    }
}

impl Keyer {
    fn scan_line(&mut self, raw: &[u8], chunk: &mut Chunk) -> LineOutcome {
        if raw.iter().all(u8::is_ascii_whitespace) {
            return Ok(None); // blank lines are not documents (everywhere in dolma-tools)
        }
        let line = std::str::from_utf8(raw).map_err(|e| {
            let at = e.valid_up_to();
            format!("invalid UTF-8: byte 0x{:02x} at column {}", raw[at], at + 1)
        })?;
        let settings = self.settings.clone();
        let key_root = match &settings.mode {
            Mode::Documents { key } => key.root_key(),
            _ => None,
        };
        let fields = parse_fields(line, key_root)?;
        let id = required_str(&fields.id, "id")?;
        let text_raw = match fields.text {
            None => return Err("missing required field 'text'".into()),
            Some(r) if json_type(r) == "null" => return Err("missing required field 'text'".into()),
            Some(r) if json_type(r) != "string" => return Err(format!("field 'text' must be a string, got {}", json_type(r))),
            Some(r) => r,
        };
        let mut text_buf = std::mem::take(&mut self.text_buf);
        let text = decode_string(text_raw, &mut text_buf)?;
        let ids_before = chunk.ids.len();
        serde_json::to_writer(&mut chunk.ids, id).expect("writing to memory cannot fail");
        let units_before = chunk.units.len();
        let outcome = self.document(&fields, text, chunk);
        self.text_buf = text_buf;
        let (state, note, text_chars) = match outcome {
            Ok(x) => x,
            Err(e) => {
                chunk.ids.truncate(ids_before);
                chunk.units.truncate(units_before);
                return Err(e);
            }
        };
        chunk.docs.push(DocEntry {
            id_end: chunk.ids.len() as u32,
            text_chars,
            units: (chunk.units.len() - units_before) as u32,
            state,
        });
        Ok(note)
    }

    /// Units and keys of one document: (row state, skip note, text length for whole-document spans).
    fn document(&mut self, fields: &DocFields, text: &str, chunk: &mut Chunk) -> Result<(DocState, Option<String>, u64), String> {
        let settings = self.settings.clone();
        // paragraph spans carry their own offsets; only whole-document spans need the length
        let text_chars = if matches!(settings.mode, Mode::Paragraphs { .. }) { 0 } else { char_len(text) };
        let state = match &settings.mode {
            Mode::Documents { key } => match key_value(fields, text, key)? {
                None if settings.on_error == OnError::Raise => {
                    return Err(format!("dedupe key {} is missing or null", key.source));
                }
                None => return Ok((DocState::Skipped, Some(format!("dedupe key {} is missing or null", key.source)), text_chars)),
                Some(value) => self.document_key(&value, text_chars, chunk),
            },
            Mode::Paragraphs { separator, ngram } => {
                if text.is_empty() {
                    DocState::NoAttribute
                } else {
                    for p in paragraphs(text, separator) {
                        match ngram {
                            None => self.paragraph_key(p.text, p.start, p.end, chunk),
                            Some(n) => self.paragraph_ngrams(p.text, p.start, p.end, n, chunk),
                        }
                    }
                    DocState::Checked
                }
            }
            Mode::MinHash(hasher) => {
                if settings.too_small(text) {
                    DocState::Skipped
                } else {
                    self.fill_word_hashes(text);
                    if hasher.signature(&self.word_hashes, &mut self.signature) {
                        let first = chunk.keys.len();
                        hasher.band_keys(&self.signature, &mut chunk.keys);
                        let n = (chunk.keys.len() - first) as u32;
                        chunk.units.push(Unit { start: 0, end: text_chars, keys: n, total: n, whole: false });
                        DocState::Checked
                    } else {
                        DocState::Skipped
                    }
                }
            }
        };
        Ok((state, None, text_chars))
    }

    fn document_key(&mut self, value: &str, text_chars: u64, chunk: &mut Chunk) -> DocState {
        if self.settings.too_small(value) {
            return DocState::Skipped;
        }
        let h = hash64(value.as_bytes());
        if !self.settings.in_partition(h) {
            return DocState::Skipped;
        }
        chunk.keys.push(h);
        chunk.units.push(Unit { start: 0, end: text_chars, keys: 1, total: 1, whole: false });
        DocState::Checked
    }

    fn paragraph_key(&mut self, p: &str, start: u64, end: u64, chunk: &mut Chunk) {
        if self.settings.too_small(p) {
            return;
        }
        let h = hash64(p.as_bytes());
        if !self.settings.in_partition(h) {
            return;
        }
        chunk.keys.push(h);
        chunk.units.push(Unit { start, end, keys: 1, total: 1, whole: false });
    }

    fn paragraph_ngrams(&mut self, p: &str, start: u64, end: u64, n: &super::config::NgramSettings, chunk: &mut Chunk) {
        let s = &self.settings;
        if (s.min_length > 0 && char_len(p) < s.min_length) || (s.skip_empty && super::text::is_blank(p)) {
            return;
        }
        self.fill_word_hashes(p);
        if self.word_hashes.len() < self.settings.min_words {
            return;
        }
        let first = chunk.keys.len();
        let mut total = 0u32;
        for s in ngram_starts(self.word_hashes.len(), n.ngram_length, n.stride) {
            let h = hash_words(&self.word_hashes[s..s + n.ngram_length]);
            total += 1;
            if self.settings.in_partition(h) {
                chunk.keys.push(h);
            }
        }
        let whole = total < 2 && !n.skip_short_paragraphs;
        if whole {
            chunk.keys.push(hash64(p.as_bytes()));
        } else if total == 0 {
            return; // 0 of 0 n-grams: never a duplicate (Dolma's NaN overlap)
        }
        let keys = (chunk.keys.len() - first) as u32;
        chunk.units.push(Unit { start, end, keys, total, whole });
    }

    fn fill_word_hashes(&mut self, s: &str) {
        self.word_hashes.clear();
        self.word_hashes.extend(words(s).map(|w| hash64(w.as_bytes())));
    }
}

fn required_str<'a>(value: &'a Option<StrValue<'a>>, field: &str) -> Result<&'a str, String> {
    match value {
        Some(StrValue::Str(s)) => Ok(s),
        None | Some(StrValue::Other("null")) => Err(format!("missing required field '{field}'")),
        Some(StrValue::Other(kind)) => Err(format!("field '{field}' must be a string, got {kind}")),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::dedupe::reader::{decompress, Compression};
    use std::io::Cursor;

    pub fn scan_all(settings: &str, data: &str) -> Result<Vec<Chunk>, LineProblem> {
        let settings = Arc::new(Settings::from_json(settings).unwrap());
        let reader = LineReader::new(decompress(Box::new(Cursor::new(data.as_bytes().to_vec())), Compression::None).unwrap(), Compression::None);
        let mut scanner = FileScanner::new(settings, reader);
        let mut out = Vec::new();
        while let Some(c) = scanner.next_chunk()? {
            out.push(c);
        }
        Ok(out)
    }

    #[test]
    fn document_keys_and_ids() {
        let data = "{\"id\":\"a\\u00e9\",\"text\":\"h\u{e9}llo\",\"metadata\":{\"url\":\"u1\"}}\n\n{\"id\":\"b\",\"text\":\"x\",\"metadata\":{\"url\":\"u1\"}}\n";
        let chunks = scan_all(r#"{"mode":"documents","key":"$.metadata.url","attribute_name":"d"}"#, data).unwrap();
        let c = &chunks[0];
        assert_eq!(c.docs.len(), 2);
        assert_eq!(c.id(0), "\"a\u{e9}\"".as_bytes());
        assert_eq!(c.id(1), b"\"b\"");
        assert_eq!(c.keys, vec![hash64(b"u1"), hash64(b"u1")]);
        assert_eq!((c.units[0].start, c.units[0].end), (0, 5));
    }

    #[test]
    fn paragraph_units_skip_small_ones() {
        let data = r#"{"id":"a","text":"one two three\n\nab\none two three"}"#;
        let chunks = scan_all(r#"{"mode":"paragraphs","attribute_name":"p","min_length":3}"#, data).unwrap();
        let spans: Vec<_> = chunks[0].units.iter().map(|u| (u.start, u.end)).collect();
        assert_eq!(spans, vec![(0, 14), (18, 31)]);
        assert_eq!(chunks[0].keys[0], chunks[0].keys[1]);
        let chunks = scan_all(r#"{"mode":"paragraphs","attribute_name":"p"}"#, r#"{"id":"e","text":""}"#).unwrap();
        assert_eq!(chunks[0].docs[0].state, DocState::NoAttribute);
    }

    #[test]
    fn ngram_units_count_selected_ngrams() {
        let data = r#"{"id":"a","text":"a b c d e f g\nshort one"}"#;
        let chunks = scan_all(
            r#"{"mode":"paragraphs","attribute_name":"p","by_ngram":{"ngram_length":3,"stride":0,"overlap_threshold":0.5}}"#,
            data,
        )
        .unwrap();
        let u = &chunks[0].units;
        assert_eq!((u[0].total, u[0].keys, u[0].whole), (5, 5, false));
        // "short one" has 2 words: 0 trigrams -> decided by the whole paragraph
        assert_eq!((u[1].total, u[1].keys, u[1].whole), (0, 1, true));
        assert_eq!(*chunks[0].keys.last().unwrap(), hash64(b"short one"));
    }

    #[test]
    fn bad_lines_raise_or_are_skipped() {
        let data = "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\"}\n{\"id\":1,\"text\":\"y\"}\nnot json\n{\"id\":\"c\",\"text\":\"z\"}\n";
        let err = scan_all(r#"{"mode":"paragraphs","attribute_name":"p"}"#, data).unwrap_err();
        assert_eq!((err.line, err.message.as_str()), (2, "missing required field 'text'"));
        let chunks = scan_all(r#"{"mode":"paragraphs","attribute_name":"p","on_error":"skip"}"#, data).unwrap();
        assert_eq!(chunks[0].docs.len(), 2);
        let problems: Vec<_> = chunks[0].skipped.iter().map(|p| (p.line, p.message.clone())).collect();
        assert_eq!(problems[1], (3, "field 'id' must be a string, got number".to_string()));
        assert_eq!(problems[2].0, 4);
        assert!(problems[2].1.starts_with("malformed JSON"));
    }

    #[test]
    fn missing_key_is_an_error_or_a_skipped_row() {
        let data = r#"{"id":"a","text":"x","metadata":{}}"#;
        let err = scan_all(r#"{"mode":"documents","key":"$.metadata.url","attribute_name":"d"}"#, data).unwrap_err();
        assert_eq!(err.message, "dedupe key $.metadata.url is missing or null");
        let chunks = scan_all(r#"{"mode":"documents","key":"$.metadata.url","attribute_name":"d","on_error":"skip"}"#, data).unwrap();
        assert_eq!(chunks[0].docs[0].state, DocState::Skipped);
        assert_eq!(chunks[0].skipped.len(), 1);
    }

    #[test]
    fn invalid_utf8_names_the_byte() {
        let settings = Arc::new(Settings::from_json(r#"{"mode":"paragraphs","attribute_name":"p"}"#).unwrap());
        let data = b"{\"id\":\"a\",\"text\":\"\xff\"}\n".to_vec();
        let reader = LineReader::new(decompress(Box::new(Cursor::new(data)), Compression::None).unwrap(), Compression::None);
        let err = FileScanner::new(settings, reader).next_chunk().unwrap_err();
        assert_eq!(err.message, "invalid UTF-8: byte 0xff at column 19");
    }
}
