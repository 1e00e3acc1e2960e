//! Dolma's whitespace tokenizer count: `len(regex.split(r"\w+|[^\w\s]+", text))`, i.e. the number of
//! maximal runs of word characters or of punctuation (neither word nor space) plus one.

use super::chars::{regex_space, regex_word};
use super::text::{paragraphs, Piece};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Word,
    Punct,
    Space,
}

fn class_of(c: char) -> Class {
    if regex_word(c) {
        Class::Word
    } else if regex_space(c) {
        Class::Space
    } else {
        Class::Punct
    }
}

/// Number of `\w+` and `[^\w\s]+` runs (regex-package semantics).
pub fn token_runs(text: &str) -> usize {
    let mut runs = 0;
    let mut prev = Class::Space;
    for c in text.chars() {
        let cls = class_of(c);
        if cls != Class::Space && cls != prev {
            runs += 1;
        }
        prev = cls;
    }
    runs
}

/// Dolma's `whitespace_tokenizer_v1` score.
pub fn whitespace_tokenizer_score(text: &str) -> usize {
    token_runs(text) + 1
}

/// Per-paragraph `(paragraph, score)` for `whitespace_tokenizer_with_paragraphs_v1`.
pub fn whitespace_tokenizer_paragraphs(text: &str) -> Vec<(Piece<'_>, usize)> {
    paragraphs(text, true).into_iter().map(|p| (p, whitespace_tokenizer_score(p.text))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_word_and_punctuation_runs_plus_one() {
        assert_eq!(whitespace_tokenizer_score(""), 1);
        assert_eq!(whitespace_tokenizer_score("Hello, world!"), 5); // Hello , world !
        assert_eq!(whitespace_tokenizer_score("a--b"), 4);
        assert_eq!(whitespace_tokenizer_score("cafe\u{301} ok"), 3); // combining mark is a word char
        assert_eq!(whitespace_tokenizer_score("😀😀 x"), 3); // emoji are punctuation runs
    }
}
