//! Tagger statistics (pure Rust, no Python): Dolma-compatible text statistics computed with Python's
//! character semantics, so the values match Dolma's pure-Python taggers exactly.
//!
//! Offsets returned to callers are code-point offsets (Python `str` indices), never byte offsets.

pub mod c4;
pub mod catalog;
pub mod chars;
pub mod gopher;
pub mod length;
pub mod ngrams;
pub mod output;
pub mod pii;
pub mod repetition;
pub mod round;
pub mod text;
pub mod unicode_tables;
