//! Pulling `id`, `text` and a JSONPath key out of one JSON line without building a document tree.
//!
//! The line is parsed once by serde_json (so malformed JSON anywhere is still an error); fields we
//! do not need are skipped without allocating, `text` is borrowed when it has no escapes, and the
//! key's top-level field is kept as raw JSON and walked only along the path.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// A JSONPath of object keys and array indices: `$.metadata.url`, `$['a b'][0]`, `$.text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    pub segments: Vec<Segment>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl JsonPath {
    pub fn parse(path: &str) -> Result<JsonPath, String> {
        let err = |why: &str| format!("unsupported JSONPath {path:?}: {why} (use e.g. $.text, $.metadata.url, $['key'][0])");
        let rest = path.trim().strip_prefix('$').ok_or_else(|| err("must start with '$'"))?;
        let b = rest.as_bytes();
        let mut segments = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'.' => {
                    let start = i + 1;
                    let mut j = start;
                    while j < b.len() && b[j] != b'.' && b[j] != b'[' {
                        j += 1;
                    }
                    let name = &rest[start..j];
                    if name.is_empty() || name == "*" || name.starts_with('.') {
                        return Err(err("empty or wildcard key"));
                    }
                    segments.push(Segment::Key(name.to_string()));
                    i = j;
                }
                b'[' => {
                    let close = rest[i..].find(']').map(|k| i + k).ok_or_else(|| err("unclosed '['"))?;
                    let inner = rest[i + 1..close].trim();
                    if let Some(q) = inner.chars().next().filter(|c| *c == '\'' || *c == '"') {
                        if inner.len() < 2 || !inner.ends_with(q) {
                            return Err(err("unbalanced quotes"));
                        }
                        segments.push(Segment::Key(inner[1..inner.len() - 1].to_string()));
                    } else {
                        let idx: usize = inner.parse().map_err(|_| err("only quoted keys and non-negative indices go in brackets"))?;
                        segments.push(Segment::Index(idx));
                    }
                    i = close + 1;
                }
                _ => return Err(err("expected '.' or '['")),
            }
        }
        if segments.is_empty() {
            return Err(err("names no field"));
        }
        Ok(JsonPath { segments, source: path.to_string() })
    }

    /// The top-level field the path starts with, if it is a key.
    pub fn root_key(&self) -> Option<&str> {
        match self.segments.first() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }

    pub fn is_single(&self, key: &str) -> bool {
        self.segments.len() == 1 && self.root_key() == Some(key)
    }
}

/// A JSON value we need as a string: the string itself, or the JSON type it had instead.
#[derive(Debug)]
pub enum StrValue<'a> {
    Str(Cow<'a, str>),
    Other(&'static str),
}

impl StrValue<'_> {
    /// The string, or "" for other types (object keys are always strings).
    pub fn as_str(&self) -> &str {
        match self {
            StrValue::Str(s) => s,
            StrValue::Other(_) => "",
        }
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = StrValue<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(StrValue::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(StrValue::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(StrValue::Str(Cow::Owned(v)))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(StrValue::Other("boolean"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(StrValue::Other("number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(StrValue::Other("number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(StrValue::Other("number"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(StrValue::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(StrValue::Other("array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(StrValue::Other("object"))
    }
}

impl<'de> de::Deserialize<'de> for StrValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

/// The fields of one document line we use.
#[derive(Debug, Default)]
pub struct DocFields<'a> {
    pub id: Option<StrValue<'a>>,
    /// Raw JSON of `text`: decoded later into a reused buffer (see `decode_string`).
    pub text: Option<&'a RawValue>,
    /// Raw JSON of the key path's top-level field (when it is neither `id` nor `text`).
    pub key_root: Option<&'a RawValue>,
}

struct TopLevel<'k> {
    key_root: Option<&'k str>,
}

impl<'de, 'k> DeserializeSeed<'de> for TopLevel<'k> {
    type Value = DocFields<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'k> Visitor<'de> for TopLevel<'k> {
    type Value = DocFields<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = DocFields::default();
        while let Some(key) = map.next_key::<StrValue<'de>>()? {
            match key.as_str() {
                "text" => out.text = Some(map.next_value()?),
                "id" => out.id = Some(map.next_value()?),
                k if Some(k) == self.key_root => out.key_root = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Why a line could not be parsed (the message names the problem; the caller adds file and line).
pub fn parse_fields<'a>(line: &'a str, key_root: Option<&str>) -> Result<DocFields<'a>, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    let fields = TopLevel { key_root }.deserialize(&mut de).map_err(describe_error)?;
    de.end().map_err(describe_error)?;
    Ok(fields)
}

fn describe_error(e: serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    if msg.starts_with("invalid type") {
        return "expected a JSON object".to_string();
    }
    format!("malformed JSON: {msg} (column {})", e.column())
}

/// The JSON type of a raw value, by its first character.
pub fn json_type(raw: &RawValue) -> &'static str {
    match raw.get().as_bytes().first() {
        Some(b'"') => "string",
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b't') | Some(b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

/// The contents of a raw JSON string literal: borrowed when it has no escapes, else decoded into `buf`
/// (reused from document to document, so decoding allocates nothing in the steady state).
pub fn decode_string<'a>(raw: &'a RawValue, buf: &'a mut String) -> Result<&'a str, String> {
    let lit = raw.get();
    let inner = &lit[1..lit.len() - 1];
    let bytes = inner.as_bytes();
    let Some(first) = memchr::memchr(b'\\', bytes) else { return Ok(inner) };
    buf.clear();
    let mut i = 0;
    let mut next = Some(first);
    while let Some(off) = next {
        let at = i + off;
        buf.push_str(&inner[i..at]);
        let (c, used) = match bytes[at + 1] {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => decode_unicode_escape(&bytes[at..])?,
            other => return Err(format!("malformed JSON: invalid escape \\{}", other as char)),
        };
        buf.push(c);
        i = at + used;
        next = memchr::memchr(b'\\', &bytes[i..]);
    }
    buf.push_str(&inner[i..]);
    Ok(buf.as_str())
}

/// `\uXXXX` (or a surrogate pair `\uD8XX\uDCXX`) at the start of `b`: the character and bytes used.
fn decode_unicode_escape(b: &[u8]) -> Result<(char, usize), String> {
    let hex = |s: &[u8]| -> Option<u32> { std::str::from_utf8(s.get(..4)?).ok().and_then(|h| u32::from_str_radix(h, 16).ok()) };
    let bad = || "malformed JSON: invalid \\u escape in a string".to_string();
    let first = hex(&b[2..]).ok_or_else(bad)?;
    if (0xD800..0xDC00).contains(&first) {
        if b.get(6..8) != Some(b"\\u") {
            return Err("malformed JSON: lone leading surrogate in hex escape".into());
        }
        let second = hex(&b[8..]).ok_or_else(bad)?;
        if !(0xDC00..0xE000).contains(&second) {
            return Err("malformed JSON: lone leading surrogate in hex escape".into());
        }
        let c = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
        return char::from_u32(c).map(|c| (c, 12)).ok_or_else(bad);
    }
    char::from_u32(first).map(|c| (c, 6)).ok_or_else(|| "malformed JSON: lone trailing surrogate in hex escape".into())
}

/// One step down a raw JSON value.
fn step<'a>(raw: &'a RawValue, seg: &Segment) -> Result<Option<&'a RawValue>, String> {
    let text = raw.get();
    let mut de = serde_json::Deserializer::from_str(text);
    let found = match seg {
        Segment::Key(k) => {
            if !text.starts_with('{') {
                return Ok(None);
            }
            FindKey(k).deserialize(&mut de)
        }
        Segment::Index(i) => {
            if !text.starts_with('[') {
                return Ok(None);
            }
            FindIndex(*i).deserialize(&mut de)
        }
    };
    found.map_err(describe_error)
}

struct FindKey<'k>(&'k str);

impl<'de, 'k> DeserializeSeed<'de> for FindKey<'k> {
    type Value = Option<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'k> Visitor<'de> for FindKey<'k> {
    type Value = Option<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<StrValue<'de>>()? {
            if key.as_str() == self.0 {
                found = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

struct FindIndex(usize);

impl<'de> DeserializeSeed<'de> for FindIndex {
    type Value = Option<&'de RawValue>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FindIndex {
    type Value = Option<&'de RawValue>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut i = 0;
        loop {
            if i == self.0 {
                match seq.next_element::<&'de RawValue>()? {
                    Some(v) => found = Some(v),
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }
}

/// The dedupe key at `path`: a string's contents, or the raw JSON text of a number, boolean, array
/// or object; `None` if the path does not exist or ends at `null`.
pub fn key_value<'a>(fields: &'a DocFields<'a>, text: &'a str, path: &JsonPath) -> Result<Option<Cow<'a, str>>, String> {
    let leaf: &'a RawValue = match path.root_key() {
        Some("text") if path.segments.len() == 1 => return Ok(Some(Cow::Borrowed(text))),
        Some("id") if path.segments.len() == 1 => {
            return Ok(match &fields.id {
                Some(StrValue::Str(s)) => Some(Cow::Borrowed(s.as_ref())),
                _ => None,
            })
        }
        _ => {
            let Some(mut cur) = fields.key_root else { return Ok(None) };
            for seg in &path.segments[1..] {
                match step(cur, seg)? {
                    Some(next) => cur = next,
                    None => return Ok(None),
                }
            }
            cur
        }
    };
    let raw = leaf.get();
    if raw == "null" {
        return Ok(None);
    }
    if raw.starts_with('"') {
        let v: StrValue<'a> = serde_json::from_str(raw).map_err(describe_error)?;
        if let StrValue::Str(s) = v {
            return Ok(Some(s));
        }
    }
    Ok(Some(Cow::Borrowed(raw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line: &str, path: &str) -> Option<String> {
        let p = JsonPath::parse(path).unwrap();
        let f = parse_fields(line, p.root_key()).unwrap();
        let mut buf = String::new();
        let text = decode_string(f.text.unwrap(), &mut buf).unwrap();
        key_value(&f, text, &p).unwrap().map(|c| c.into_owned())
    }

    #[test]
    fn parses_paths() {
        let p = JsonPath::parse("$.metadata.url").unwrap();
        assert_eq!(p.segments, vec![Segment::Key("metadata".into()), Segment::Key("url".into())]);
        let p = JsonPath::parse("$['a b'][2].c").unwrap();
        assert_eq!(p.segments, vec![Segment::Key("a b".into()), Segment::Index(2), Segment::Key("c".into())]);
        for bad in ["metadata.url", "$", "$.a[*]", "$..a", "$.a[", "$.a[-1]"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn extracts_fields_and_keys() {
        let line = r#"{"id":"d1","text":"caf\u00e9 au lait","metadata":{"url":"http://x/y","n":3,"tags":["a",{"b":"c"}]},"extra":[1,2]}"#;
        let p = JsonPath::parse("$.metadata.url").unwrap();
        let f = parse_fields(line, p.root_key()).unwrap();
        let mut buf = String::new();
        assert_eq!(decode_string(f.text.unwrap(), &mut buf).unwrap(), "café au lait");
        assert_eq!(key(line, "$.metadata.url").as_deref(), Some("http://x/y"));
        assert_eq!(key(line, "$.metadata.n").as_deref(), Some("3"));
        assert_eq!(key(line, "$.metadata.tags[1].b").as_deref(), Some("c"));
        assert_eq!(key(line, "$.metadata.tags[0]").as_deref(), Some("a"));
        assert_eq!(key(line, "$.metadata.missing"), None);
        assert_eq!(key(line, "$.metadata.tags[7]"), None);
        assert_eq!(key(line, "$.text").as_deref(), Some("café au lait"));
        assert_eq!(key(line, "$.id").as_deref(), Some("d1"));
        assert_eq!(key(line, "$.nope.x"), None);
    }

    #[test]
    fn decoding_matches_serde_and_borrows_when_unescaped() {
        let mut buf = String::new();
        let f = parse_fields(r#"{"text": "plain", "id": "x"}"#, None).unwrap();
        let t = decode_string(f.text.unwrap(), &mut buf).unwrap();
        assert!(t == "plain" && buf.is_empty());
        for lit in [
            r#""a\nb\"c\\d\/e\tf\r\b\f""#,
            r#""caf\u00e9 \u65e5\u672C \ud83d\ude00 end\n""#,
            r#""\\n is not a newline""#,
            r#""""#,
        ] {
            let raw: &RawValue = serde_json::from_str(lit).unwrap();
            let expected: String = serde_json::from_str(lit).unwrap();
            assert_eq!(decode_string(raw, &mut buf).unwrap(), expected, "{lit}");
        }
        let raw: &RawValue = serde_json::from_str(r#""x\ud800y""#).unwrap();
        assert!(decode_string(raw, &mut buf).unwrap_err().contains("surrogate"));
    }

    #[test]
    fn wrong_types_and_bad_json() {
        let f = parse_fields(r#"{"id": 5, "text": null}"#, None).unwrap();
        assert!(matches!(f.id, Some(StrValue::Other("number"))));
        assert_eq!(json_type(f.text.unwrap()), "null");
        let e = parse_fields(r#"{"id": "a", "text": "b""#, None).unwrap_err();
        assert!(e.starts_with("malformed JSON"), "{e}");
        assert!(parse_fields("[1, 2]", None).unwrap_err().contains("expected a JSON object"));
        assert!(parse_fields(r#"{"a": 1} x"#, None).unwrap_err().contains("trailing characters"));
    }
}
