//! Deduplication's hot path: read, parse and hash documents (`scan`, in parallel), then check and
//! insert their keys in canonical order and write Dolma attribute rows (`commit`, sequential).
//!
//! `pipeline` connects the two with worker threads; `text` holds the paragraph, word and n-gram
//! rules (Dolma's), `json` the field extraction, `reader` decompression, `output` the row format.

pub mod commit;
pub mod config;
pub mod json;
pub mod output;
pub mod pipeline;
pub mod reader;
pub mod scan;
pub mod split;
pub mod text;
