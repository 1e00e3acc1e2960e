//! Gopher quality statistics (Rae et al. 2021), in two flavours:
//! - [`dolma_v1`]: exactly Dolma 1.2.1's `gopher_v1` (median word length, overlapping duplicate n-gram
//!   characters, `…` as the only ellipsis, `*`/`-` bullets, all lines including empty ones);
//! - [`paper`]: the paper's definitions (mean word length, `...` and `…`, more bullet marks, duplicate
//!   lines/paragraphs counted after their first occurrence, n-gram coverage without double counting).

use rustc_hash::FxHashMap;

use super::chars::{py_isalpha, py_isspace};
use super::ngrams::{NgramLevel, NgramLevels, Words};
use super::text::{char_len, split_whitespace_py, strip_py};

const REQUIRED_WORDS: [&str; 8] = ["the", "be", "to", "of", "and", "that", "have", "with"];
const MOST_COMMON_MAX_N: usize = 4;
const MAX_N: usize = 10;

/// All the statistics; `None` for those a flavour does not compute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GopherStats {
    /// `len(text)` in code points (the span end of every attribute).
    pub character_count: usize,
    pub word_count: usize,
    pub median_word_length: Option<f64>,
    pub mean_word_length: Option<f64>,
    pub symbol_to_word_ratio: f64,
    pub hash_to_word_ratio: Option<f64>,
    pub ellipsis_to_word_ratio: Option<f64>,
    pub fraction_of_words_with_alpha_character: f64,
    pub required_word_count: usize,
    pub fraction_of_lines_starting_with_bullet_point: f64,
    pub fraction_of_lines_ending_with_ellipsis: f64,
    pub fraction_of_duplicate_lines: f64,
    pub fraction_of_characters_in_duplicate_lines: f64,
    pub fraction_of_duplicate_paragraphs: Option<f64>,
    pub fraction_of_characters_in_duplicate_paragraphs: Option<f64>,
    /// `(n, value)` for n = 2..=4 when the text has at least n words.
    pub most_common_ngram: Vec<(usize, f64)>,
    /// `(n, value)` for n = 5..=10 when the text has at least n words.
    pub duplicate_ngram: Vec<(usize, f64)>,
}

#[inline]
fn ratio(num: usize, den: usize) -> f64 {
    num as f64 / den.max(1) as f64
}

fn median(lens: &[usize]) -> f64 {
    if lens.is_empty() {
        return 0.0;
    }
    let mut sorted = lens.to_vec();
    sorted.sort_unstable();
    let m = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[m] as f64
    } else {
        (sorted[m - 1] + sorted[m]) as f64 / 2.0
    }
}

/// Dolma 1.2.1's `gopher_v1` statistics.
pub fn dolma_v1(text: &str) -> GopherStats {
    let mut s = GopherStats { character_count: char_len(text), ..Default::default() };
    if s.character_count == 0 {
        s.median_word_length = Some(0.0);
        return s;
    }
    let words = split_whitespace_py(text);
    let interned = Words::new(&words);
    let char_count = interned.char_count();
    s.median_word_length = Some(median(&interned.lens));
    s.symbol_to_word_ratio = ratio(words.iter().filter(|w| w.contains('#') || w.contains('…')).count(), words.len());
    word_and_ngram_stats(&mut s, &words, &interned, |level| {
        let (dup, all) = level.duplicate_chars_with_overlaps();
        ratio(dup, all)
    });

    let lines: Vec<&str> = text.split('\n').collect();
    let bullets = lines.iter().filter(|l| l.starts_with('*') || l.starts_with('-')).count();
    let ellipsis = lines.iter().filter(|l| l.ends_with('…')).count();
    s.fraction_of_lines_starting_with_bullet_point = ratio(bullets, lines.len());
    s.fraction_of_lines_ending_with_ellipsis = ratio(ellipsis, lines.len());
    let (dup_lines, dup_chars) = repeated_all_occurrences(&lines);
    s.fraction_of_duplicate_lines = ratio(dup_lines, lines.len());
    s.fraction_of_characters_in_duplicate_lines = ratio(dup_chars, char_count);
    s
}

/// Shared by both flavours: word count, words with a letter, required words, and the n-gram fractions
/// (most common n-gram for n <= 4, `duplicate(level)` above).
fn word_and_ngram_stats(s: &mut GopherStats, words: &[&str], interned: &Words, duplicate: impl Fn(&NgramLevel) -> f64) {
    let char_count = interned.char_count();
    s.word_count = words.len();
    s.fraction_of_words_with_alpha_character =
        ratio(words.iter().filter(|w| w.chars().any(py_isalpha)).count(), words.len());
    s.required_word_count = words.iter().filter(|w| REQUIRED_WORDS.contains(w)).count();
    for level in NgramLevels::new(interned, MAX_N) {
        if level.n <= MOST_COMMON_MAX_N {
            s.most_common_ngram.push((level.n, ratio(level.most_common_chars(), char_count)));
        } else {
            s.duplicate_ngram.push((level.n, duplicate(&level)));
        }
    }
}

/// `(occurrences, chars of occurrences)` of the items that occur more than once, all occurrences counted.
fn repeated_all_occurrences(items: &[&str]) -> (usize, usize) {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for it in items {
        *counts.entry(it).or_insert(0) += 1;
    }
    counts.iter().filter(|(_, &c)| c > 1).fold((0, 0), |(n, ch), (it, &c)| (n + c, ch + char_len(it) * c))
}

/// `(occurrences, chars)` of the items that repeat an earlier item (the first occurrence is not counted).
fn repeated_after_first(items: &[&str]) -> (usize, usize) {
    let mut seen: FxHashMap<&str, ()> = FxHashMap::default();
    let mut n = 0;
    let mut chars = 0;
    for it in items {
        if seen.insert(it, ()).is_some() {
            n += 1;
            chars += char_len(it);
        }
    }
    (n, chars)
}

const PAPER_BULLETS: [char; 9] = ['*', '-', '•', '‣', '◦', '⁃', '●', '▪', '–'];

/// The Gopher paper's definitions (dolma-tools' `gopher_v2`).
pub fn paper(text: &str) -> GopherStats {
    let mut s = GopherStats { character_count: char_len(text), ..Default::default() };
    let words = split_whitespace_py(text);
    let interned = Words::new(&words);
    let char_count = interned.char_count();
    s.mean_word_length = Some(ratio(char_count, words.len()));
    let hashes: usize = words.iter().map(|w| w.matches('#').count()).sum();
    let ellipses: usize = words.iter().map(|w| w.matches("...").count() + w.matches('…').count()).sum();
    s.hash_to_word_ratio = Some(ratio(hashes, words.len()));
    s.ellipsis_to_word_ratio = Some(ratio(ellipses, words.len()));
    s.symbol_to_word_ratio = ratio(hashes.max(ellipses), words.len());
    word_and_ngram_stats(&mut s, &words, &interned, |level| ratio(level.duplicate_covered_chars(&interned), char_count));

    let lines: Vec<&str> = text.split('\n').map(strip_py).filter(|l| !l.is_empty()).collect();
    let bullets = lines.iter().filter(|l| l.starts_with(PAPER_BULLETS)).count();
    let ellipsis = lines.iter().filter(|l| l.ends_with("...") || l.ends_with('…')).count();
    s.fraction_of_lines_starting_with_bullet_point = ratio(bullets, lines.len());
    s.fraction_of_lines_ending_with_ellipsis = ratio(ellipsis, lines.len());
    let total_chars = char_len(text);
    let (dup_lines, dup_line_chars) = repeated_after_first(&lines);
    s.fraction_of_duplicate_lines = ratio(dup_lines, lines.len());
    s.fraction_of_characters_in_duplicate_lines = ratio(dup_line_chars, total_chars);
    let paragraphs: Vec<&str> = split_paragraph_blocks(text);
    let (dup_paras, dup_para_chars) = repeated_after_first(&paragraphs);
    s.fraction_of_duplicate_paragraphs = Some(ratio(dup_paras, paragraphs.len()));
    s.fraction_of_characters_in_duplicate_paragraphs = Some(ratio(dup_para_chars, total_chars));
    s
}

/// Paragraphs separated by blank lines, stripped, empty ones dropped.
fn split_paragraph_blocks(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut line_start = 0;
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), '\n'))) {
        if c == '\n' {
            let line = &text[line_start..i];
            if line.chars().all(py_isspace) {
                let block = strip_py(&text[start..line_start]);
                if !block.is_empty() {
                    out.push(block);
                }
                start = (i + 1).min(text.len());
            }
            line_start = (i + 1).min(text.len());
        }
    }
    let block = strip_py(&text[start.min(text.len())..]);
    if !block.is_empty() {
        out.push(block);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dolma_v1_by_hand() {
        // words: the(3) cat(3) the(3) cat(3) #tag(4) é…(2) -(1) x(1): 8 words, 20 chars
        let s = dolma_v1("the cat the cat\n#tag é…\n- x");
        assert_eq!(s.word_count, 8);
        assert_eq!(s.character_count, 27);
        assert_eq!(s.median_word_length, Some(3.0)); // sorted lens 1 1 2 3 | 3 3 3 4
        assert_eq!(s.symbol_to_word_ratio, 2.0 / 8.0);
        assert_eq!(s.fraction_of_words_with_alpha_character, 7.0 / 8.0);
        assert_eq!(s.required_word_count, 2);
        // bigram "the cat" occurs twice: 2 * 6 / 20
        assert_eq!(s.most_common_ngram[0], (2, 12.0 / 20.0));
        // lines: 3, one bullet, one ending with an ellipsis, none duplicated
        assert_eq!(s.fraction_of_lines_starting_with_bullet_point, 1.0 / 3.0);
        assert_eq!(s.fraction_of_lines_ending_with_ellipsis, 1.0 / 3.0);
        assert_eq!(s.fraction_of_duplicate_lines, 0.0);
        assert_eq!(s.duplicate_ngram.len(), 4); // n = 5..=8
    }

    #[test]
    fn empty_text_has_no_ngrams() {
        let s = dolma_v1("");
        assert_eq!(s.word_count, 0);
        assert!(s.most_common_ngram.is_empty());
    }

    #[test]
    fn paragraph_blocks() {
        assert_eq!(split_paragraph_blocks("a\nb\n\n c \n \n\nd"), vec!["a\nb", "c", "d"]);
        assert!(split_paragraph_blocks("\n\n").is_empty());
    }

    #[test]
    fn paper_counts_repeats_after_first() {
        let s = paper("x y\nx y\n\nx y...");
        assert_eq!(s.fraction_of_duplicate_lines, 1.0 / 3.0);
        assert_eq!(s.fraction_of_lines_ending_with_ellipsis, 1.0 / 3.0);
        assert_eq!(s.mean_word_length, Some(9.0 / 6.0)); // x y x y x y...
    }
}
