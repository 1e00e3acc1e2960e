//! Attribute rows in Dolma's exact byte layout, compressed like the input.
//!
//! Dolma's deduper writes `{"attributes":{NAME:[[start,end,score],...]},"id":ID}` (serde_json with
//! sorted keys, no spaces, no `source`); integer scores for exact matches, floats for n-gram
//! overlaps. We write the same bytes (floats rounded to 5 decimals), so Dolma mixer configs and
//! filters work unchanged, and gzip/zstd with fixed settings so reruns give identical files.

use std::io::{self, Write};

use super::reader::Compression;

/// gzip level 1: attribute rows (ids and spans) come out ~8% larger than at level 3 for about half
/// the compression time, which runs on the sequential commit thread.
pub const GZIP_LEVEL: u32 = 1;
pub const ZSTD_LEVEL: i32 = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Score {
    Int(u64),
    Float(f64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
    pub score: Score,
}

enum Encoder {
    Plain(Vec<u8>),
    Gzip(flate2::write::GzEncoder<Vec<u8>>),
    Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
}

/// Builds one attribute file in memory.
pub struct RowWriter {
    encoder: Encoder,
    row: Vec<u8>,
    attributes_open: bool,
    attributes_written: usize,
    pub rows: u64,
}

/// Round to 5 decimals, as every score in dolma-tools.
pub fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

impl RowWriter {
    pub fn new(compression: Compression) -> io::Result<RowWriter> {
        let encoder = match compression {
            Compression::None => Encoder::Plain(Vec::new()),
            Compression::Gzip => Encoder::Gzip(
                flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::new(GZIP_LEVEL)),
            ),
            Compression::Zstd => Encoder::Zstd(zstd::stream::write::Encoder::new(Vec::new(), ZSTD_LEVEL)?),
        };
        Ok(RowWriter { encoder, row: Vec::with_capacity(256), attributes_open: false, attributes_written: 0, rows: 0 })
    }

    /// Start a row: `{"attributes":{`.
    pub fn begin(&mut self) {
        self.row.clear();
        self.row.extend_from_slice(b"{\"attributes\":{");
        self.attributes_open = true;
        self.attributes_written = 0;
    }

    /// Add `"name":[[s,e,score],...]`; `name_json` is the already-quoted JSON string of the name.
    pub fn attribute(&mut self, name_json: &[u8], spans: &[Span]) {
        debug_assert!(self.attributes_open);
        if self.attributes_written > 0 {
            self.row.push(b',');
        }
        self.attributes_written += 1;
        self.row.extend_from_slice(name_json);
        self.row.extend_from_slice(b":[");
        for (i, s) in spans.iter().enumerate() {
            if i > 0 {
                self.row.push(b',');
            }
            self.row.push(b'[');
            self.write_u64(s.start);
            self.row.push(b',');
            self.write_u64(s.end);
            self.row.push(b',');
            match s.score {
                Score::Int(v) => self.write_u64(v),
                Score::Float(v) => serde_json::to_writer(&mut self.row, &round5(v)).expect("writing to memory cannot fail"),
            }
            self.row.push(b']');
        }
        self.row.push(b']');
    }

    /// Close the row with `},"id":ID}` and a newline; `id_json` is the serialized id.
    pub fn end(&mut self, id_json: &[u8]) -> io::Result<()> {
        self.row.extend_from_slice(b"},\"id\":");
        self.row.extend_from_slice(id_json);
        self.row.extend_from_slice(b"}\n");
        self.attributes_open = false;
        self.rows += 1;
        match &mut self.encoder {
            Encoder::Plain(v) => v.extend_from_slice(&self.row),
            Encoder::Gzip(e) => e.write_all(&self.row)?,
            Encoder::Zstd(e) => e.write_all(&self.row)?,
        }
        Ok(())
    }

    fn write_u64(&mut self, mut v: u64) {
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.row.extend_from_slice(&tmp[i..]);
    }

    /// The complete file's bytes.
    pub fn finish(self) -> io::Result<Vec<u8>> {
        match self.encoder {
            Encoder::Plain(v) => Ok(v),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

/// A JSON string literal for an attribute name.
pub fn json_string(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).expect("strings always serialize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn one(score: Score) -> Span {
        Span { start: 0, end: 44, score }
    }

    #[test]
    fn rows_in_dolmas_layout() {
        let mut w = RowWriter::new(Compression::None).unwrap();
        w.begin();
        w.end(b"\"a\"").unwrap();
        w.begin();
        w.attribute(&json_string("bff_duplicate_url"), &[one(Score::Int(1))]);
        w.end(b"\"b\"").unwrap();
        w.begin();
        w.attribute(&json_string("p"), &[]);
        w.end(b"\"c\"").unwrap();
        w.begin();
        w.attribute(&json_string("p"), &[one(Score::Float(1.0)), Span { start: 44, end: 50, score: Score::Float(2.0 / 3.0) }]);
        w.end(b"\"d\"").unwrap();
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(
            text,
            "{\"attributes\":{},\"id\":\"a\"}\n\
             {\"attributes\":{\"bff_duplicate_url\":[[0,44,1]]},\"id\":\"b\"}\n\
             {\"attributes\":{\"p\":[]},\"id\":\"c\"}\n\
             {\"attributes\":{\"p\":[[0,44,1.0],[44,50,0.66667]]},\"id\":\"d\"}\n"
        );
    }

    #[test]
    fn compressed_output_is_deterministic_and_readable() {
        for c in [Compression::Gzip, Compression::Zstd] {
            let make = || {
                let mut w = RowWriter::new(c).unwrap();
                for i in 0..1000 {
                    w.begin();
                    w.attribute(b"\"x\"", &[Span { start: i, end: i + 1, score: Score::Int(1) }]);
                    w.end(format!("\"{i}\"").as_bytes()).unwrap();
                }
                w.finish().unwrap()
            };
            let (a, b) = (make(), make());
            assert_eq!(a, b);
            let mut text = String::new();
            match c {
                Compression::Gzip => flate2::read::GzDecoder::new(&a[..]).read_to_string(&mut text).unwrap(),
                _ => zstd::stream::read::Decoder::new(&a[..]).unwrap().read_to_string(&mut text).unwrap(),
            };
            assert_eq!(text.lines().count(), 1000);
            assert!(text.starts_with("{\"attributes\":{\"x\":[[0,1,1]]},\"id\":\"0\"}"));
        }
    }
}
