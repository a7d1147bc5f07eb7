//! A tiny JSON writer: an ordered [`Value`] tree printed compactly on one line.
//!
//! Object keys keep their insertion order, so output is stable and reads in the order the
//! fields sit in a PDU. Strings are escaped so that the output is pure ASCII: `"` and `\`,
//! the control characters (`\n`, `\t`, ... and `\u00XX` for the rest), DEL, and every
//! non-ASCII character as a `\uXXXX` escape (a surrogate pair above U+FFFF).

use std::fmt::{self, Write};

/// A JSON value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A non-negative integer.
    UInt(u64),
    /// A floating-point number; NaN and the infinities print as `null`.
    Float(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object whose keys keep their insertion order.
    Object(Object),
}

/// A JSON object whose keys keep their insertion order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Object(Vec<(String, Value)>);

impl Object {
    /// An empty object.
    pub fn new() -> Object {
        Object(Vec::new())
    }

    /// Sets `key` to `value`: replaces the value in place when the key is already there,
    /// else appends the key at the end.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Object {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((key, value)),
        }
        self
    }

    /// [`Object::insert`] in builder style.
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Object {
        self.insert(key, value);
        self
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the object has no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Value {
    /// The value as a string slice, when it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an integer, when it is one.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::UInt(n) => Some(*n),
            _ => None,
        }
    }

    /// The value as an object, when it is one.
    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The value under `key`, when this is an object holding it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }
}

/// Writes `s` as a JSON string literal, quotes included, escaping as the module describes.
pub fn write_string<W: Write>(out: &mut W, s: &str) -> fmt::Result {
    out.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => out.write_str("\\\"")?,
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            '\u{08}' => out.write_str("\\b")?,
            '\u{0C}' => out.write_str("\\f")?,
            ' '..='~' => out.write_char(c)?,
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(out, "\\u{unit:04x}")?;
                }
            }
        }
    }
    out.write_char('"')
}

/// `s` as a JSON string literal (see [`write_string`]).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    // Writing into a String cannot fail.
    let _ = write_string(&mut out, s);
    out
}

impl fmt::Display for Value {
    /// Compact JSON on one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::UInt(n) => write!(f, "{n}"),
            // Rust prints finite floats without an exponent, which is valid JSON.
            Value::Float(x) if x.is_finite() => write!(f, "{x}"),
            Value::Float(_) => f.write_str("null"),
            Value::String(s) => write_string(f, s),
            Value::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_char(']')
            }
            Value::Object(o) => write!(f, "{o}"),
        }
    }
}

impl fmt::Display for Object {
    /// Compact JSON on one line, keys in insertion order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_char(',')?;
            }
            write_string(f, k)?;
            write!(f, ":{v}")?;
        }
        f.write_char('}')
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_uint {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::UInt(n as u64)
            }
        }
    )*};
}

from_uint!(u8, u16, u32, u64, usize);

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(o)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::Array(items)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `literal` with serde_json and returns the string it denotes.
    fn round_trip(s: &str) -> String {
        let literal = quote(s);
        assert!(literal.is_ascii(), "output must be pure ASCII: {literal}");
        serde_json::from_str::<String>(&literal).expect("valid JSON string")
    }

    #[test]
    fn plain_ascii_is_unchanged() {
        assert_eq!(quote("Hello world ~!"), "\"Hello world ~!\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(round_trip(r#"a"b\c"#), r#"a"b\c"#);
        // A forward slash needs no escape.
        assert_eq!(quote("a/b"), "\"a/b\"");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(quote("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(quote("\u{0}\u{1}\u{1f}"), r#""\u0000\u0001\u001f""#);
        assert_eq!(quote("\u{7f}"), r#""\u007f""#);
        let all: String = (0u8..0x20).map(char::from).collect();
        assert_eq!(round_trip(&all), all);
    }

    #[test]
    fn non_ascii_becomes_unicode_escapes() {
        assert_eq!(quote("é"), r#""\u00e9""#);
        assert_eq!(quote("€"), r#""\u20ac""#);
        // Above the BMP: a UTF-16 surrogate pair.
        assert_eq!(quote("😀"), r#""\ud83d\ude00""#);
        for s in ["é", "Grüße €5", "日本語", "😀 and 𝄞", "\u{feff}\u{10ffff}"] {
            assert_eq!(round_trip(s), s);
        }
    }

    #[test]
    fn values_print_compactly_in_insertion_order() {
        let mut o = Object::new();
        o.insert("z", 1u8)
            .insert("a", "x")
            .insert("n", Value::Null)
            .insert(
                "list",
                vec![Value::from(true), Value::from(2.5), f64::NAN.into()],
            );
        o.insert("z", 2u32); // replaced in place
        let text = Value::from(o).to_string();
        assert_eq!(text, r#"{"z":2,"a":"x","n":null,"list":[true,2.5,null]}"#);
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["list"][1], 2.5);
    }

    #[test]
    fn keys_are_escaped_too() {
        let o = Object::new().with("a\"b", None::<u8>);
        assert_eq!(o.to_string(), r#"{"a\"b":null}"#);
    }
}
