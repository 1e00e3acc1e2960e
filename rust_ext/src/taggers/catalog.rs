//! The taggers implemented in Rust, by their registered name, as text -> [`Output`].

use super::gopher::{self, GopherStats};
use super::length::whitespace_tokenizer_score;
use super::output::{Field, Output};
use super::pii::DolmaPii;
use super::repetition::{covered, find_repetitions, Repetition};

/// Longest repeated unit (characters) and minimum repetitions of the repetition taggers.
pub const REPETITION_MAX_PERIOD: usize = 100;
pub const REPETITION_MIN_TIMES: usize = 4;
use super::text::{char_len, paragraphs};

/// Names accepted by [`compute`].
pub const NAMES: [&str; 8] = [
    "repetitions_v2",
    "paragraph_repetitions_v2",
    "pii_regex_with_counts_fast_v2",
    "gopher_v1",
    "gopher_v2",
    "char_length_with_paragraphs_v1",
    "whitespace_tokenizer_v1",
    "whitespace_tokenizer_with_paragraphs_v1",
];

/// Runs the named tagger on `text`; `None` for an unknown name.
pub fn compute(name: &str, text: &str) -> Option<Output> {
    Some(match name {
        "gopher_v1" => gopher_fields(&gopher::dolma_v1(text)),
        "gopher_v2" => gopher_fields(&gopher::paper(text)),
        "char_length_with_paragraphs_v1" => char_length_with_paragraphs(text),
        "whitespace_tokenizer_v1" => {
            vec![Field::document("length", char_len(text), whitespace_tokenizer_score(text) as f64)]
        }
        "whitespace_tokenizer_with_paragraphs_v1" => whitespace_tokenizer_with_paragraphs(text),
        "pii_regex_with_counts_fast_v2" => dolma_pii().fast_v2(text),
        "repetitions_v2" => repetitions(text, false),
        "paragraph_repetitions_v2" => repetitions(text, true),
        _ => return None,
    })
}

/// Compiled once per process.
pub fn dolma_pii() -> &'static DolmaPii {
    static PII: std::sync::OnceLock<DolmaPii> = std::sync::OnceLock::new();
    PII.get_or_init(DolmaPii::new)
}

/// Fields in Dolma's order: n-gram fractions, then the scalar statistics; extra paper fields last.
pub fn gopher_fields(s: &GopherStats) -> Output {
    let len = s.character_count;
    let mut out: Output = Vec::with_capacity(24);
    for &(n, v) in &s.most_common_ngram {
        out.push(Field::document(format!("fraction_of_characters_in_most_common_{n}grams"), len, v));
    }
    for &(n, v) in &s.duplicate_ngram {
        out.push(Field::document(format!("fraction_of_characters_in_duplicate_{n}grams"), len, v));
    }
    out.push(Field::document("character_count", len, len as f64));
    out.push(Field::document("word_count", len, s.word_count as f64));
    if let Some(v) = s.median_word_length {
        out.push(Field::document("median_word_length", len, v));
    }
    if let Some(v) = s.mean_word_length {
        out.push(Field::document("mean_word_length", len, v));
    }
    out.push(Field::document("symbol_to_word_ratio", len, s.symbol_to_word_ratio));
    out.push(Field::document(
        "fraction_of_words_with_alpha_character",
        len,
        s.fraction_of_words_with_alpha_character,
    ));
    out.push(Field::document("required_word_count", len, s.required_word_count as f64));
    out.push(Field::document(
        "fraction_of_lines_starting_with_bullet_point",
        len,
        s.fraction_of_lines_starting_with_bullet_point,
    ));
    out.push(Field::document("fraction_of_lines_ending_with_ellipsis", len, s.fraction_of_lines_ending_with_ellipsis));
    out.push(Field::document("fraction_of_duplicate_lines", len, s.fraction_of_duplicate_lines));
    out.push(Field::document(
        "fraction_of_characters_in_duplicate_lines",
        len,
        s.fraction_of_characters_in_duplicate_lines,
    ));
    let optional = [
        ("hash_to_word_ratio", s.hash_to_word_ratio),
        ("ellipsis_to_word_ratio", s.ellipsis_to_word_ratio),
        ("fraction_of_duplicate_paragraphs", s.fraction_of_duplicate_paragraphs),
        ("fraction_of_characters_in_duplicate_paragraphs", s.fraction_of_characters_in_duplicate_paragraphs),
    ];
    for (name, value) in optional {
        if let Some(v) = value {
            out.push(Field::document(name, len, v));
        }
    }
    out
}

/// `repetition` spans (score: times repeated) and Dolma's three document statistics; per paragraph when
/// `per_paragraph` (a repetition then never crosses a newline).
fn repetitions(text: &str, per_paragraph: bool) -> Output {
    let chars: Vec<char> = text.chars().collect();
    let mut reps: Vec<Repetition> = Vec::new();
    if per_paragraph {
        for p in paragraphs(text, false) {
            let found = find_repetitions(&chars[p.start..p.end], REPETITION_MAX_PERIOD, REPETITION_MIN_TIMES);
            reps.extend(found.into_iter().map(|r| Repetition { start: r.start + p.start, end: r.end + p.start, ..r }));
        }
    } else {
        reps = find_repetitions(&chars, REPETITION_MAX_PERIOD, REPETITION_MIN_TIMES);
    }
    let n = chars.len();
    let mut spans = Field::new("repetition");
    spans.spans = reps.iter().map(|r| (r.start, r.end, r.times as f64)).collect();
    let max_times = reps.iter().map(|r| r.times).max().unwrap_or(0);
    let max_len = reps.iter().map(|r| r.end - r.start).max().unwrap_or(0);
    let frac = if n == 0 { 0.0 } else { covered(&reps) as f64 / n as f64 };
    let mut out = Vec::with_capacity(4);
    if !spans.spans.is_empty() {
        out.push(spans);
    }
    out.push(Field::document("doc_max_score_repetition", n, max_times as f64));
    out.push(Field::document("doc_max_length_repetition", n, max_len as f64));
    out.push(Field::document("doc_frac_repetition", n, frac));
    out
}

fn char_length_with_paragraphs(text: &str) -> Output {
    let mut para = Field::new("paragraph");
    para.spans = paragraphs(text, true).iter().map(|p| (p.start, p.end, (p.end - p.start) as f64)).collect();
    let len = char_len(text);
    vec![para, Field::document("document", len, len as f64)]
}

fn whitespace_tokenizer_with_paragraphs(text: &str) -> Output {
    let mut para = Field::new("paragraph");
    para.spans = paragraphs(text, true)
        .iter()
        .map(|p| (p.start, p.end, whitespace_tokenizer_score(p.text) as f64))
        .collect();
    let total: f64 = para.spans.iter().map(|s| s.2).sum();
    vec![para, Field::document("document", char_len(text), total)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_computes() {
        for name in NAMES {
            assert!(compute(name, "Hello there.\nSecond line").is_some(), "{name}");
        }
        assert!(compute("nope", "x").is_none());
    }

    #[test]
    fn paragraph_lengths_by_hand() {
        let out = compute("char_length_with_paragraphs_v1", "ab\n\nçé 😀\n").unwrap();
        assert_eq!(out[0].spans, vec![(0, 3, 3.0), (4, 9, 5.0)]);
        assert_eq!(out[1].spans, vec![(0, 9, 9.0)]);
        let out = compute("whitespace_tokenizer_with_paragraphs_v1", "a, b\nc").unwrap();
        assert_eq!(out[0].spans, vec![(0, 5, 4.0), (5, 6, 2.0)]);
        assert_eq!(out[1].spans, vec![(0, 6, 6.0)]);
    }
}
