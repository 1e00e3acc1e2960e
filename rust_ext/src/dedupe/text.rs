//! Paragraphs, words and n-grams, with Dolma's semantics and code-point offsets.
//!
//! * Paragraphs are the pieces of `text.split(separator)` (so "a\n" has a trailing empty paragraph).
//!   A paragraph's span is its code-point range plus the separator that follows it, so the spans
//!   tile the text exactly. (Dolma 1.2.1 adds one position for the separator, mixes byte and
//!   character counts, and leaves the newline out of the paragraph before a trailing newline; on
//!   ASCII text without a trailing newline and with a one-character separator ours are identical.)
//! * Words are Unicode (UAX #29) word-boundary segments that are not entirely whitespace, exactly
//!   Dolma's `tokenize` (punctuation marks count as words).
//! * N-grams: Dolma's selection rule, quirk included so that results match Dolma's: an n-gram
//!   starting at word `s` is used if no n-gram was used yet or the last used one started at 0, or if
//!   `s - last >= stride`. With stride 3 the starts are 0, 1, 4, 7, ...

use unicode_segmentation::UnicodeSegmentation;

/// One paragraph and its span in code points, `[start, end)`, `end` including the separator after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paragraph<'a> {
    pub text: &'a str,
    pub start: u64,
    pub end: u64,
    pub chars: u64,
}

/// Code points in `s` (counts the bytes that do not continue a UTF-8 sequence).
#[inline]
pub fn char_len(s: &str) -> u64 {
    s.chars().count() as u64
}

/// Split `text` into paragraphs on `separator` (which must not be empty).
pub fn paragraphs<'a>(text: &'a str, separator: &'a str) -> impl Iterator<Item = Paragraph<'a>> + 'a {
    let sep_chars = char_len(separator);
    let total_bytes = text.len();
    // in ASCII text code points are bytes: one fast check saves counting every paragraph
    let ascii = text.is_ascii();
    let mut offset = 0u64;
    let mut byte_pos = 0usize;
    // a one-byte separator (the usual "\n") splits with memchr; longer ones with the substring searcher
    let pieces: Box<dyn Iterator<Item = &'a str> + 'a> = match separator.as_bytes() {
        [b] if b.is_ascii() => Box::new(text.split(*b as char)),
        _ => Box::new(text.split(separator)),
    };
    pieces.map(move |p| {
        let chars = if ascii { p.len() as u64 } else { char_len(p) };
        let start = offset;
        byte_pos += p.len();
        let mut end = start + chars;
        if byte_pos < total_bytes {
            // a separator follows this paragraph
            end += sep_chars;
            byte_pos += separator.len();
        }
        offset = end;
        Paragraph { text: p, start, end, chars }
    })
}

/// Dolma's words: UAX #29 word-boundary segments that are not whitespace only. ASCII text takes a
/// fast path implementing the same rules (checked exhaustively against `unicode-segmentation`).
pub fn words(s: &str) -> Words<'_> {
    if s.is_ascii() {
        Words::Ascii(AsciiWordBounds { rest: s.as_bytes(), text: s, offset: 0 })
    } else {
        Words::Unicode(s.split_word_bounds())
    }
}

pub enum Words<'a> {
    Ascii(AsciiWordBounds<'a>),
    Unicode(unicode_segmentation::UWordBounds<'a>),
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        loop {
            let segment = match self {
                Words::Ascii(it) => it.next()?,
                Words::Unicode(it) => it.next()?,
            };
            if !segment.chars().all(char::is_whitespace) {
                return Some(segment);
            }
        }
    }
}

/// UAX #29 word-boundary segments of ASCII text. In ASCII the Word_Break classes are: CR, LF,
/// Newline (VT, FF), WSegSpace (space), ALetter (A-Z a-z), Numeric (0-9), ExtendNumLet (_),
/// MidLetter (:), MidNum (, ;), MidNumLet (.), Single_Quote ('), Double_Quote ("), and Other. The rules
/// that can apply: CR x LF (WB3); spaces stay together (WB3d); letters, digits and underscores join
/// (WB5, WB8-WB10, WB13a-b); one MidLetter / MidNumLet / ' between two letters joins (WB6-7); one
/// MidNum / MidNumLet / ' between two digits joins (WB11-12); everything else breaks (WB999).
pub struct AsciiWordBounds<'a> {
    rest: &'a [u8],
    text: &'a str,
    offset: usize,
}

#[inline]
fn joins_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Does `mid` (between `prev` and `next`) continue a word (WB6/WB7, WB11/WB12)?
#[inline]
fn joins_infix(prev: u8, mid: u8, next: u8) -> bool {
    match mid {
        b':' => prev.is_ascii_alphabetic() && next.is_ascii_alphabetic(),
        b',' | b';' => prev.is_ascii_digit() && next.is_ascii_digit(),
        b'.' | b'\'' => {
            (prev.is_ascii_alphabetic() && next.is_ascii_alphabetic()) || (prev.is_ascii_digit() && next.is_ascii_digit())
        }
        _ => false,
    }
}

impl<'a> Iterator for AsciiWordBounds<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let b = self.rest;
        let first = *b.first()?;
        let len = if first == b' ' {
            b.iter().position(|&c| c != b' ').unwrap_or(b.len())
        } else if joins_word(first) {
            let mut i = 1;
            while i < b.len() {
                if joins_word(b[i]) || (i + 1 < b.len() && joins_infix(b[i - 1], b[i], b[i + 1])) {
                    i += 1;
                } else {
                    break;
                }
            }
            i
        } else if first == b'\r' && b.get(1) == Some(&b'\n') {
            2
        } else {
            1
        };
        let segment = &self.text[self.offset..self.offset + len];
        self.rest = &b[len..];
        self.offset += len;
        Some(segment)
    }
}

pub fn word_count(s: &str) -> usize {
    words(s).count()
}

/// Start positions of the n-grams Dolma checks in a paragraph of `num_words` words.
pub fn ngram_starts(num_words: usize, ngram_length: usize, stride: usize) -> impl Iterator<Item = usize> {
    let last_start = if ngram_length == 0 || num_words < ngram_length { None } else { Some(num_words - ngram_length) };
    let mut last_used = 0usize;
    (0..=last_start.unwrap_or(0)).filter(move |&s| {
        if last_start.is_none() {
            return false;
        }
        let take = last_used == 0 || s - last_used >= stride;
        if take {
            last_used = s;
        }
        take
    })
}

/// `s.trim().is_empty()`: Dolma's `skip_empty` test.
pub fn is_blank(s: &str) -> bool {
    s.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(u64, u64, &str)> {
        paragraphs(text, "\n").map(|p| (p.start, p.end, p.text)).collect()
    }

    #[test]
    fn paragraph_spans_tile_the_text_in_code_points() {
        assert_eq!(spans("ab\ncd"), vec![(0, 3, "ab"), (3, 5, "cd")]);
        assert_eq!(spans("ab\n"), vec![(0, 3, "ab"), (3, 3, "")]);
        assert_eq!(spans("\n\nx"), vec![(0, 1, ""), (1, 2, ""), (2, 3, "x")]);
        // "é" is one code point but two bytes; "日本" two code points, six bytes
        assert_eq!(spans("é\n日本\nz"), vec![(0, 2, "é"), (2, 5, "日本"), (5, 6, "z")]);
        assert_eq!(spans("single"), vec![(0, 6, "single")]);
    }

    #[test]
    fn multi_character_separators() {
        let got: Vec<_> = paragraphs("a<p>bb<p>", "<p>").map(|p| (p.start, p.end, p.text)).collect();
        assert_eq!(got, vec![(0, 4, "a"), (4, 9, "bb"), (9, 9, "")]);
    }

    #[test]
    fn words_follow_uax29_and_drop_whitespace() {
        // Dolma's own tokenizer test sentence: "2.0" stays one word
        let s = "You can follow any responses to this entry through the RSS 2.0 feed";
        assert_eq!(words(s).count(), 13);
        assert_eq!(words(s).nth(11), Some("2.0"));
        // punctuation marks are words; apostrophes inside words are not boundaries
        assert_eq!(words("Hello, world! Don't stop.").collect::<Vec<_>>(), vec!["Hello", ",", "world", "!", "Don't", "stop", "."]);
        assert_eq!(word_count("  \n\t "), 0);
    }

    /// Every string of up to 5 characters over an alphabet with one member of each ASCII word-break
    /// class (plus "-" for Other and a second letter) segments exactly like
    /// `unicode-segmentation`, and so do a few thousand longer pseudo-random strings.
    #[test]
    fn ascii_fast_path_matches_unicode_segmentation() {
        let alphabet = b"aZ1_:,;.'\" \t\r\n\x0b-";
        fn reference(s: &str) -> Vec<&str> {
            s.split_word_bounds().collect()
        }
        fn fast(s: &str) -> Vec<&str> {
            AsciiWordBounds { rest: s.as_bytes(), text: s, offset: 0 }.collect()
        }
        let mut buf = Vec::new();
        for len in 1..=5u32 {
            let count = alphabet.len().pow(len);
            for mut n in 0..count {
                buf.clear();
                for _ in 0..len {
                    buf.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                let s = std::str::from_utf8(&buf).unwrap();
                assert_eq!(fast(s), reference(s), "{s:?}");
            }
        }
        let mut x = 1u64;
        for _ in 0..3000 {
            let s: String = (0..64)
                .map(|_| {
                    x = crate::hashing::mix64(x);
                    (32 + (x % 96) as u8).min(126) as char
                })
                .collect();
            assert_eq!(fast(&s), reference(&s), "{s:?}");
        }
    }

    #[test]
    fn ngram_starts_follow_dolmas_rule() {
        assert_eq!(ngram_starts(10, 3, 0).collect::<Vec<_>>(), (0..=7).collect::<Vec<_>>());
        assert_eq!(ngram_starts(10, 3, 1).collect::<Vec<_>>(), (0..=7).collect::<Vec<_>>());
        // stride 3: 0 is used, then 1 (the last used start was 0), then every third
        assert_eq!(ngram_starts(12, 3, 3).collect::<Vec<_>>(), vec![0, 1, 4, 7]);
        assert_eq!(ngram_starts(2, 3, 0).count(), 0);
        assert_eq!(ngram_starts(3, 3, 5).collect::<Vec<_>>(), vec![0]);
        assert_eq!(ngram_starts(5, 0, 1).count(), 0);
    }

    #[test]
    fn blank() {
        assert!(is_blank(" \t\u{3000}"));
        assert!(!is_blank(" x "));
    }
}
