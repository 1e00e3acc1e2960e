//! Decompressed line reading from any byte source (a local file, or a Python file object for S3).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};

/// Compression, decided from the file name as everywhere else (Dolma's rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn from_path(path: &str) -> Compression {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        if name.ends_with(".gz") || name.ends_with(".gzip") {
            Compression::Gzip
        } else if name.ends_with(".zst") || name.ends_with(".zstd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn from_name(name: &str) -> Option<Compression> {
        match name {
            "none" | "" => Some(Compression::None),
            "gzip" | "gz" => Some(Compression::Gzip),
            "zstd" | "zst" => Some(Compression::Zstd),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

const READ_BUFFER: usize = 1 << 20;

/// Wrap a raw (compressed) byte source in a buffered, decompressing reader.
pub fn decompress(raw: Box<dyn Read + Send>, compression: Compression) -> io::Result<Box<dyn BufRead + Send>> {
    let buffered = BufReader::with_capacity(256 << 10, raw);
    Ok(match compression {
        Compression::None => Box::new(BufReader::with_capacity(READ_BUFFER, buffered)),
        Compression::Gzip => Box::new(BufReader::with_capacity(READ_BUFFER, flate2::bufread::MultiGzDecoder::new(buffered))),
        Compression::Zstd => Box::new(BufReader::with_capacity(READ_BUFFER, zstd::stream::read::Decoder::with_buffer(buffered)?)),
    })
}

pub fn open_path(path: &str) -> io::Result<Box<dyn Read + Send>> {
    Ok(Box::new(File::open(path)?))
}

/// Lines of a decompressed stream, numbered from 1, with the stream's failures described.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    compression: Compression,
    pub line_no: u64,
    pub bytes: u64,
    /// Bytes of the previous line (and its newline) still to consume from the read buffer.
    pending: usize,
    /// A line that did not fit in the read buffer.
    spill: Vec<u8>,
}

impl LineReader {
    pub fn new(inner: Box<dyn BufRead + Send>, compression: Compression) -> LineReader {
        LineReader { inner, compression, line_no: 0, bytes: 0, pending: 0, spill: Vec::new() }
    }

    /// The next line without its newline, `Ok(None)` at the end of the stream. The line is borrowed
    /// straight from the read buffer when it fits there (no copy), else assembled in a spill buffer.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, String> {
        if self.pending > 0 {
            self.inner.consume(self.pending);
            self.pending = 0;
        }
        let compression = self.compression;
        // look at the buffer in a short borrow first (returning a borrow from only one branch is
        // beyond the borrow checker), then borrow it again to return the line
        let (head, newline) = match self.inner.fill_buf() {
            Ok(b) => (b.len(), memchr::memchr(b'\n', b)),
            Err(e) => {
                self.line_no += 1;
                return Err(describe(compression, e));
            }
        };
        if head == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if let Some(i) = newline {
            self.pending = i + 1;
            self.bytes += (i + 1) as u64;
            let buffered = self.inner.fill_buf().map_err(|e| describe(compression, e))?; // no I/O: data is buffered
            return Ok(Some(&buffered[..i]));
        }
        let available = self.inner.fill_buf().map_err(|e| describe(compression, e))?;
        self.spill.clear();
        self.spill.extend_from_slice(available);
        self.inner.consume(head);
        let rest = self.inner.read_until(b'\n', &mut self.spill).map_err(|e| describe(compression, e))?;
        self.bytes += (head + rest) as u64;
        if self.spill.last() == Some(&b'\n') {
            self.spill.pop();
        }
        Ok(Some(&self.spill))
    }
}

fn describe(compression: Compression, e: io::Error) -> String {
    let codec = compression.name();
    let detail = e.to_string();
    if e.kind() == io::ErrorKind::UnexpectedEof || detail.contains("incomplete") || detail.contains("unexpected end") {
        format!("truncated {codec} stream: {detail}")
    } else if compression == Compression::None {
        format!("read error: {detail}")
    } else {
        format!("corrupt {codec} stream: {detail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(3));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn lines(raw: Vec<u8>, c: Compression) -> Result<Vec<String>, String> {
        let mut r = LineReader::new(decompress(Box::new(Cursor::new(raw)), c).unwrap(), c);
        let mut out = Vec::new();
        while let Some(line) = r.next_line()? {
            out.push(String::from_utf8(line.to_vec()).unwrap());
        }
        Ok(out)
    }

    #[test]
    fn compression_from_names() {
        assert_eq!(Compression::from_path("s3://b/documents/a.json.gz"), Compression::Gzip);
        assert_eq!(Compression::from_path("x/a.jsonl.ZST"), Compression::Zstd);
        assert_eq!(Compression::from_path("x.gz/a.jsonl"), Compression::None);
    }

    #[test]
    fn reads_plain_gzip_multimember_and_zstd() {
        assert_eq!(lines(b"a\nb\n".to_vec(), Compression::None).unwrap(), vec!["a", "b"]);
        let mut two = gz(b"a\n");
        two.extend(gz(b"b"));
        assert_eq!(lines(two, Compression::Gzip).unwrap(), vec!["a", "b"]);
        let mut z = zstd::stream::encode_all(&b"x\n"[..], 3).unwrap();
        z.extend(zstd::stream::encode_all(&b"y\n"[..], 3).unwrap());
        assert_eq!(lines(z, Compression::Zstd).unwrap(), vec!["x", "y"]);
    }

    #[test]
    fn lines_longer_than_the_read_buffer() {
        let long = "x".repeat(3 << 20);
        let data = format!("short\n{long}\nend");
        assert_eq!(lines(data.into_bytes(), Compression::None).unwrap(), vec!["short".to_string(), long, "end".into()]);
    }

    #[test]
    fn truncated_streams_are_errors() {
        let data: Vec<u8> = (0..20000).flat_map(|i| format!("line {i} of some text\n").into_bytes()).collect();
        let g = gz(&data);
        let err = lines(g[..g.len() / 2].to_vec(), Compression::Gzip).unwrap_err();
        assert!(err.starts_with("truncated gzip stream"), "{err}");
        let z = zstd::stream::encode_all(&data[..], 3).unwrap();
        let err = lines(z[..z.len() / 2].to_vec(), Compression::Zstd).unwrap_err();
        assert!(err.contains("zstd stream"), "{err}");
    }
}
