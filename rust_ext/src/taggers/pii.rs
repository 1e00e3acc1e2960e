//! Dolma 1.2.1's `pii_regex_with_counts_fast_v2`: its three regexes run per paragraph, matched with the
//! `regex` crate. Leftmost-first matching gives the same spans as Python's backtracking `re` for these
//! patterns (no look-around, no back-references), and `\s`/`\d` are spelled out as Python's classes.

use regex::Regex;

use super::output::{Field, Output};
use super::text::{char_len, paragraphs};
use super::unicode_tables::{RE_DIGIT, RE_SPACE};

pub const EMAIL: &str = "EMAIL_ADDRESS";
pub const PHONE: &str = "PHONE_NUMBER";
pub const IP: &str = "IP_ADDRESS";
/// Dolma skips PII detection in documents with more question marks than this.
pub const MAX_QUESTION_MARKS: usize = 10_000;

/// The inside of a character class (`a-b...`) listing the ranges of `table`.
fn class_body(table: &[(u32, u32)]) -> String {
    table.iter().map(|&(lo, hi)| format!("\\x{{{lo:X}}}-\\x{{{hi:X}}}")).collect()
}

pub struct DolmaPii {
    email: Regex,
    phone: Regex,
    ip: Regex,
    pre_ip: Regex,
    digit: Regex,
}

impl Default for DolmaPii {
    fn default() -> Self {
        Self::new()
    }
}

/// Converts increasing byte offsets of one string into code-point offsets.
struct CharCursor<'a> {
    text: &'a str,
    byte: usize,
    chars: usize,
}

impl<'a> CharCursor<'a> {
    fn new(text: &'a str) -> Self {
        CharCursor { text, byte: 0, chars: 0 }
    }

    fn at(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        self.chars += char_len(&self.text[self.byte..byte]);
        self.byte = byte;
        self.chars
    }
}

impl DolmaPii {
    pub fn new() -> Self {
        let s = class_body(&RE_SPACE);
        let d = class_body(&RE_DIGIT);
        let build = |p: String| Regex::new(&p).expect("PII pattern compiles");
        DolmaPii {
            email: build(format!(r"[.{s}@,?!;:)(]*([^{s}@]+@[^{s}@,?!;:)(]+?)[.{s}@,?!;:)(]?[{s}\n\r]")),
            phone: build(format!(r"[{s}]+\(?([{d}]{{3}})\)?[-\. ]*([{d}]{{3}})[-. ]?([{d}]{{4}})")),
            ip: build(
                r"(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)".to_string(),
            ),
            pre_ip: build(format!(r"\.[^{s}]")),
            digit: build(format!(r"[{d}]")),
        }
    }

    /// Whole-text matches of the three patterns, as code-point spans (e-mails, phones, IPs), for Dolma's
    /// `pii_regex_v2`, whose rules the caller applies. Linear time, unlike Python's backtracking search.
    pub fn whole_text_matches(&self, text: &str) -> [Vec<(usize, usize)>; 3] {
        let mut out: [Vec<(usize, usize)>; 3] = Default::default();
        let patterns = [&self.email, &self.phone, &self.ip];
        for (found, pattern) in out.iter_mut().zip(patterns) {
            let mut cursor = CharCursor::new(text);
            for m in pattern.find_iter(text) {
                found.push((cursor.at(m.start()), cursor.at(m.end())));
            }
        }
        out
    }

    /// `pii_regex_with_counts_fast_v2` fields for `text`.
    pub fn fast_v2(&self, text: &str) -> Output {
        let mut email = Field::new(EMAIL);
        let mut phone = Field::new(PHONE);
        let mut ip = Field::new(IP);
        if text.bytes().filter(|&b| b == b'?').count() <= MAX_QUESTION_MARKS {
            // whole-text pre-checks are exact: a paragraph only passes a check that the text passes
            let want_email = text.contains('@');
            let want_phone = self.digit.is_match(text);
            let want_ip = self.pre_ip.is_match(text);
            if want_email || want_phone || want_ip {
                for p in paragraphs(text, true) {
                    let mut cursor = CharCursor::new(p.text);
                    let push = |field: &mut Field, s: usize, e: usize, cursor: &mut CharCursor| {
                        let (cs, ce) = (cursor.at(s), cursor.at(e));
                        field.spans.push((p.start + cs, p.start + ce, 1.0));
                    };
                    if want_email && p.text.contains('@') {
                        for caps in self.email.captures_iter(p.text) {
                            let address = caps.get(1).expect("group 1 always takes part").as_str();
                            let (addressee, domain) = address.split_once('@').expect("the pattern has an @");
                            if super::text::strip_py(addressee) != "(" && domain.contains('.') {
                                let m = caps.get(0).unwrap();
                                push(&mut email, m.start(), m.end(), &mut cursor);
                            }
                        }
                    }
                    if want_phone && self.digit.is_match(p.text) {
                        for m in self.phone.find_iter(p.text) {
                            push(&mut phone, m.start(), m.end(), &mut cursor);
                        }
                    }
                    if want_ip && self.pre_ip.is_match(p.text) {
                        for m in self.ip.find_iter(p.text) {
                            push(&mut ip, m.start(), m.end(), &mut cursor);
                        }
                    }
                }
            }
        }
        let n = char_len(text);
        let count = email.spans.len() + phone.spans.len() + ip.spans.len();
        let covered: usize = [&email, &phone, &ip].iter().flat_map(|f| f.spans.iter()).map(|s| s.1 - s.0).sum();
        let mut out: Output = [email, phone, ip].into_iter().filter(|f| !f.spans.is_empty()).collect();
        out.push(Field::document("doc_count", n, count as f64));
        // Dolma's doc_frac sums the lengths of all spans so far, the doc_count span included (so >= 1)
        let frac = if n == 0 { -1.0 } else { (covered + n) as f64 / n as f64 };
        out.push(Field::document("doc_frac", n, frac));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_by_hand() {
        let pii = DolmaPii::new();
        // "é" makes byte and code-point offsets differ
        let text = "é mail: a.b@ex.com\ncall 555 123 4567 at 10.0.0.1";
        let out = pii.fast_v2(text);
        // e-mail span: ": a.b@ex.com\n" -> from the ':' (6) through the newline (19)
        assert_eq!(out[0].name, EMAIL);
        assert_eq!(out[0].spans, vec![(6, 19, 1.0)]);
        // phone: " 555 123 4567" after "call" (19 + 4 = 23 .. 36)
        assert_eq!(out[1].spans, vec![(23, 36, 1.0)]);
        assert_eq!(out[2].spans, vec![(40, 48, 1.0)]);
        assert_eq!(out[3].spans, vec![(0, 48, 3.0)]);
        assert_eq!(out[4].spans, vec![(0, 48, (13 + 13 + 8 + 48) as f64 / 48.0)]);
    }

    #[test]
    fn whole_text_matches_cross_paragraphs() {
        // across the newline the phone pattern's leading whitespace can start at the "\n"
        let [emails, phones, ips] = DolmaPii::new().whole_text_matches("ü\n555 123 4567 1.2.3.4");
        assert!(emails.is_empty());
        assert_eq!(phones, vec![(1, 14)]);
        assert_eq!(ips, vec![(15, 22)]);
    }

    #[test]
    fn email_at_end_of_text_is_missed_like_dolma() {
        let out = DolmaPii::new().fast_v2("write to a.b@ex.com");
        assert_eq!(out[0].name, "doc_count");
        assert_eq!(out[0].spans[0].2, 0.0);
    }
}
