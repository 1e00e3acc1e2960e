//! Dolma 1.2.1's `c4_v2` on an already lowercased text (Python's `str.lower()`, applied by the caller so
//! that case mapping is Python's): document flags and per-line spans, offsets in the lowercased text.

use aho_corasick::AhoCorasick;
use rustc_hash::FxHashSet;

use super::output::{Field, Output};
use super::text::{char_len, split_whitespace_py, strip_py};

pub const MIN_WORDS_PER_LINE: usize = 3;
const END_PUNCTUATION: [char; 4] = ['.', '?', '!', '"'];

/// The naughty-word lists: single words (matched against whitespace-split words) and phrases
/// (matched as substrings anywhere).
pub struct Naughty {
    words: FxHashSet<String>,
    phrases: Option<AhoCorasick>,
}

impl Naughty {
    pub fn new(words: Vec<String>, phrases: Vec<String>) -> Self {
        let phrases = if phrases.is_empty() { None } else { Some(AhoCorasick::new(phrases).expect("phrases build")) };
        Naughty { words: words.into_iter().collect(), phrases }
    }

    pub fn found_in(&self, words: &[&str], text: &str) -> bool {
        words.iter().any(|w| self.words.contains(*w)) || self.phrases.as_ref().is_some_and(|p| p.is_match(text))
    }
}

/// `c4_v2` fields for `lowered` (the lowercased text); document spans end at `doc_len` (the original
/// text's length, as in Dolma).
pub fn c4_v2(naughty: &Naughty, lowered: &str, doc_len: usize) -> Output {
    let mut out: Output = Vec::with_capacity(7);
    let words = split_whitespace_py(lowered);
    let flags = [
        ("has_curly_brace", lowered.contains('{')),
        ("has_lorem_ipsum", lowered.contains("lorem ipsum")),
        ("has_javascript", lowered.contains("javascript")),
        ("has_naughty_word", naughty.found_in(&words, lowered)),
    ];
    for (name, on) in flags {
        if on {
            out.push(Field::document(name, doc_len, 1.0));
        }
    }
    let mut no_punct = Field::new("lines_with_no_ending_punctuation");
    let mut too_few = Field::new("lines_with_too_few_words");
    let mut start = 0usize;
    let mut count = 0usize;
    let mut pieces = lowered.split('\n').peekable();
    while let Some(line) = pieces.next() {
        let end = start + char_len(line) + usize::from(pieces.peek().is_some());
        let stripped = strip_py(line);
        if !stripped.ends_with(END_PUNCTUATION) {
            no_punct.spans.push((start, end, 1.0));
        }
        if !has_at_least_words(stripped, MIN_WORDS_PER_LINE) {
            too_few.spans.push((start, end, 1.0));
        }
        count += 1;
        start = end;
    }
    for field in [no_punct, too_few] {
        if !field.spans.is_empty() {
            out.push(field);
        }
    }
    out.push(Field::document("line_count", doc_len, count as f64));
    out
}

fn has_at_least_words(text: &str, n: usize) -> bool {
    let mut words = 0;
    let mut in_word = false;
    for c in text.chars() {
        let space = super::chars::py_isspace(c);
        if !space && !in_word {
            words += 1;
            if words >= n {
                return true;
            }
        }
        in_word = !space;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naughty() -> Naughty {
        Naughty::new(vec!["darn".into()], vec!["dang it".into()])
    }

    #[test]
    fn flags_and_lines_by_hand() {
        let text = "one two three.\nno end\n{x} darn";
        let out = c4_v2(&naughty(), text, 30);
        let names: Vec<&str> = out.iter().map(|f| f.name.as_ref()).collect();
        assert_eq!(names, ["has_curly_brace", "has_naughty_word", "lines_with_no_ending_punctuation", "lines_with_too_few_words", "line_count"]);
        assert_eq!(out[2].spans, vec![(15, 22, 1.0), (22, 30, 1.0)]);
        assert_eq!(out[3].spans, vec![(15, 22, 1.0), (22, 30, 1.0)]);
        assert_eq!(out[4].spans, vec![(0, 30, 3.0)]);
    }

    #[test]
    fn phrases_match_anywhere_and_trailing_newline_gives_empty_line() {
        let out = c4_v2(&naughty(), "well dang itself.\n", 18);
        assert_eq!(out[0].name, "has_naughty_word");
        // lines: "well dang itself." (0..18 incl. newline) and "" (18..18)
        assert_eq!(out[1].spans, vec![(18, 18, 1.0)]);
        assert_eq!(out[2].spans, vec![(18, 18, 1.0)]);
    }
}
