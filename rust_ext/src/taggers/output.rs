//! What a tagger produces for one document: fields, each with `[start, end, score]` spans (code points).

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: Cow<'static, str>,
    pub spans: Vec<(usize, usize, f64)>,
}

/// A tagger's output for one document, fields in emission order.
pub type Output = Vec<Field>;

impl Field {
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Field { name: name.into(), spans: Vec::new() }
    }

    /// A document-level field: one span `[0, len)`.
    pub fn document(name: impl Into<Cow<'static, str>>, len: usize, score: f64) -> Self {
        Field { name: name.into(), spans: vec![(0, len, score)] }
    }
}
