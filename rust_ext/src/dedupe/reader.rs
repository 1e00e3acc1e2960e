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
}

impl LineReader {
    pub fn new(inner: Box<dyn BufRead + Send>, compression: Compression) -> LineReader {
        LineReader { inner, compression, line_no: 0, bytes: 0 }
    }

    /// Read the next line into `buf` (without its newline); `Ok(false)` at the end of the stream.
    pub fn next_line(&mut self, buf: &mut Vec<u8>) -> Result<bool, String> {
        buf.clear();
        match self.inner.read_until(b'\n', buf) {
            Ok(0) => Ok(false),
            Ok(n) => {
                self.line_no += 1;
                self.bytes += n as u64;
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                Ok(true)
            }
            Err(e) => {
                self.line_no += 1;
                Err(self.describe(e))
            }
        }
    }

    fn describe(&self, e: io::Error) -> String {
        let codec = self.compression.name();
        let detail = e.to_string();
        if e.kind() == io::ErrorKind::UnexpectedEof || detail.contains("incomplete") || detail.contains("unexpected end") {
            format!("truncated {codec} stream: {detail}")
        } else if self.compression == Compression::None {
            format!("read error: {detail}")
        } else {
            format!("corrupt {codec} stream: {detail}")
        }
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
        let mut buf = Vec::new();
        while r.next_line(&mut buf)? {
            out.push(String::from_utf8(buf.clone()).unwrap());
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
