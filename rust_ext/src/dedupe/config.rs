//! What to deduplicate and how: the per-run settings the scanner and committer share.
//!
//! Built from JSON by the Python layer (which validates the user's config and names bad keys).

use serde::Deserialize;

use super::json::JsonPath;
use crate::minhash::MinHasher;

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    Raise,
    Skip,
}

#[derive(Debug, Clone, Deserialize)]
pub struct NgramSettings {
    pub ngram_length: usize,
    #[serde(default)]
    pub stride: usize,
    #[serde(default = "one")]
    pub overlap_threshold: f32,
    #[serde(default)]
    pub skip_short_paragraphs: bool,
}

fn one() -> f32 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
pub struct MinHashSettings {
    pub num_perm: usize,
    pub ngram_length: usize,
    pub threshold: f64,
    /// Bands and rows per band; chosen from the threshold when absent.
    #[serde(default)]
    pub bands: Option<usize>,
    #[serde(default)]
    pub rows: Option<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum ModeSettings {
    Documents { key: String },
    Paragraphs {
        #[serde(default = "newline")]
        paragraph_separator: String,
        #[serde(default)]
        by_ngram: Option<NgramSettings>,
    },
    Minhash(MinHashSettings),
}

fn newline() -> String {
    "\n".to_string()
}

#[derive(Debug, Clone, Deserialize)]
pub struct Partition {
    pub count: u64,
    pub index: u64,
}

/// The settings as they arrive (JSON).
#[derive(Debug, Clone, Deserialize)]
pub struct RawSettings {
    #[serde(flatten)]
    pub mode: ModeSettings,
    pub attribute_name: String,
    #[serde(default)]
    pub min_length: u64,
    #[serde(default)]
    pub min_words: usize,
    #[serde(default)]
    pub skip_empty: bool,
    #[serde(default)]
    pub partition: Option<Partition>,
    #[serde(default = "raise")]
    pub on_error: OnError,
    #[serde(default = "chunk_docs")]
    pub chunk_docs: usize,
}

fn raise() -> OnError {
    OnError::Raise
}

fn chunk_docs() -> usize {
    2048
}

/// Settings ready for use.
#[derive(Debug, Clone)]
pub enum Mode {
    Documents { key: JsonPath },
    Paragraphs { separator: String, ngram: Option<NgramSettings> },
    MinHash(MinHasher),
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub attribute_name: String,
    pub min_length: u64,
    pub min_words: usize,
    pub skip_empty: bool,
    pub partition: Option<Partition>,
    pub on_error: OnError,
    pub chunk_docs: usize,
}

impl Settings {
    pub fn from_json(json: &str) -> Result<Settings, String> {
        let raw: RawSettings = serde_json::from_str(json).map_err(|e| format!("invalid dedupe settings: {e}"))?;
        Settings::from_raw(raw)
    }

    pub fn from_raw(raw: RawSettings) -> Result<Settings, String> {
        let mode = match raw.mode {
            ModeSettings::Documents { key } => Mode::Documents { key: JsonPath::parse(&key)? },
            ModeSettings::Paragraphs { paragraph_separator, by_ngram } => {
                if paragraph_separator.is_empty() {
                    return Err("paragraph_separator must not be empty".into());
                }
                let ngram = by_ngram.filter(|n| n.ngram_length > 0);
                Mode::Paragraphs { separator: paragraph_separator, ngram }
            }
            ModeSettings::Minhash(m) => Mode::MinHash(MinHasher::new(&m)?),
        };
        if let Some(p) = &raw.partition {
            if p.count == 0 || p.index >= p.count {
                return Err(format!("partition index {} must be below the partition count {}", p.index, p.count));
            }
        }
        Ok(Settings {
            mode,
            attribute_name: raw.attribute_name,
            min_length: raw.min_length,
            min_words: raw.min_words,
            skip_empty: raw.skip_empty,
            partition: raw.partition.filter(|p| p.count > 1),
            on_error: raw.on_error,
            chunk_docs: raw.chunk_docs.max(1),
        })
    }

    /// Keys outside this run's partition are neither checked nor inserted (Dolma's `num_partitions`).
    #[inline]
    pub fn in_partition(&self, key: u64) -> bool {
        match &self.partition {
            None => true,
            Some(p) => (key >> 32) % p.count == p.index,
        }
    }

    /// The row-level filters shared by every mode: too short, blank or too few words.
    pub fn too_small(&self, s: &str) -> bool {
        (self.min_length > 0 && super::text::char_len(s) < self.min_length)
            || (self.skip_empty && super::text::is_blank(s))
            || (self.min_words > 0 && super::text::word_count(s) < self.min_words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_mode() {
        let s = Settings::from_json(r#"{"mode":"documents","key":"$.metadata.url","attribute_name":"d"}"#).unwrap();
        assert!(matches!(s.mode, Mode::Documents { .. }));
        let s = Settings::from_json(
            r#"{"mode":"paragraphs","attribute_name":"p","by_ngram":{"ngram_length":6,"stride":3,"overlap_threshold":0.5}}"#,
        )
        .unwrap();
        match s.mode {
            Mode::Paragraphs { separator, ngram: Some(n) } => {
                assert_eq!(separator, "\n");
                assert_eq!((n.ngram_length, n.stride, n.overlap_threshold), (6, 3, 0.5));
            }
            other => panic!("{other:?}"),
        }
        // ngram_length 0 means whole paragraphs (Dolma)
        let s = Settings::from_json(r#"{"mode":"paragraphs","attribute_name":"p","by_ngram":{"ngram_length":0}}"#).unwrap();
        assert!(matches!(s.mode, Mode::Paragraphs { ngram: None, .. }));
        assert!(Settings::from_json(r#"{"mode":"documents","key":"url","attribute_name":"d"}"#).is_err());
        assert!(Settings::from_json(r#"{"mode":"x","attribute_name":"d"}"#).is_err());
    }

    #[test]
    fn small_filters() {
        let s = Settings::from_json(r#"{"mode":"paragraphs","attribute_name":"p","min_length":3,"skip_empty":true}"#).unwrap();
        assert!(s.too_small("ab"));
        assert!(!s.too_small("abc"));
        assert!(s.too_small("    "));
        let s = Settings::from_json(r#"{"mode":"paragraphs","attribute_name":"p","min_words":3}"#).unwrap();
        assert!(s.too_small("one two"));
        assert!(!s.too_small("one two three"));
    }
}
