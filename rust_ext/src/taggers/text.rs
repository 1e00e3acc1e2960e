//! Text splitting with Python's semantics; positions are code-point offsets.

use super::chars::py_isspace;

/// Number of code points (Python `len(s)`).
#[inline]
pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Python `s.split()`: runs of non-`isspace` characters. Scans bytes; only non-ASCII bytes are decoded.
pub fn split_whitespace_py(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut words = Vec::with_capacity(bytes.len() / 6);
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (space, width) = if b < 0x80 {
            (matches!(b, b'\t'..=b'\r' | 0x1c..=0x20), 1)
        } else {
            let c = text[i..].chars().next().expect("valid UTF-8");
            (py_isspace(c), c.len_utf8())
        };
        if space {
            if let Some(s) = start.take() {
                words.push(&text[s..i]);
            }
        } else if start.is_none() {
            start = Some(i);
        }
        i += width;
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

/// Python `s.strip() == ""`.
#[inline]
pub fn is_blank_py(s: &str) -> bool {
    s.chars().all(py_isspace)
}

/// Python `s.strip()`.
pub fn strip_py(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// A piece of a text: `[start, end)` in code points, and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub start: usize,
    pub end: usize,
    pub text: &'a str,
}

/// Dolma's paragraphs: every line with its trailing `\n`, and a last line without one; lines that are
/// whitespace only are dropped when `remove_empty` (Dolma's `split_paragraphs`).
pub fn paragraphs(text: &str, remove_empty: bool) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut byte_start = 0usize;
    let mut cp_start = 0usize;
    let bytes = text.as_bytes();
    while byte_start < bytes.len() {
        let nl = memchr_newline(&bytes[byte_start..]);
        let byte_end = match nl {
            Some(i) => byte_start + i + 1,
            None => bytes.len(),
        };
        let piece = &text[byte_start..byte_end];
        let cp_end = cp_start + char_len(piece);
        if !remove_empty || !is_blank_py(piece) {
            out.push(Piece { start: cp_start, end: cp_end, text: piece });
        }
        byte_start = byte_end;
        cp_start = cp_end;
    }
    out
}

/// Python `s.split("\n")` (always at least one, possibly empty, line).
pub fn lines(text: &str) -> std::str::Split<'_, char> {
    text.split('\n')
}

#[inline]
fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_uses_python_whitespace() {
        assert_eq!(split_whitespace_py("a\x1fb  c\u{3000}d\u{200b}e "), vec!["a", "b", "c", "d\u{200b}e"]);
        assert!(split_whitespace_py(" \n ").is_empty());
    }

    #[test]
    fn paragraphs_have_code_point_offsets() {
        let p = paragraphs("héllo\n\n  \nwörld 😀", true);
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].start, p[0].end, p[0].text), (0, 6, "héllo\n"));
        assert_eq!((p[1].start, p[1].end, p[1].text), (10, 17, "wörld 😀"));
        assert_eq!(paragraphs("a\n\n", false).len(), 2);
        assert!(paragraphs("", true).is_empty());
    }
}
