//! JSON output of the tool: [`serde_json`], compact on one line and pure ASCII.
//!
//! serde_json escapes only `"`, `\` and the control characters below U+0020; the tool's
//! output also escapes DEL and every non-ASCII character as `\uXXXX` (a UTF-16 surrogate
//! pair above U+FFFF), so it survives any terminal, log pipeline or 7-bit channel
//! ([`AsciiFormatter`]). Floats print as Rust prints them (`196`, `0.123`: no exponent,
//! no trailing `.0`); NaN and the infinities print as `null`, as serde_json does.
//!
//! ```
//! let v = serde_json::json!({"text": "Grüße €5 😀", "n": 2.0});
//! assert_eq!(
//!     smpp_cli::json::to_string(&v),
//!     r#"{"text":"Gr\u00fc\u00dfe \u20ac5 \ud83d\ude00","n":2}"#
//! );
//! ```

use serde::Serialize;
use std::io::{self, Write};

/// serde_json's compact formatter, with strings escaped to pure ASCII and floats printed as
/// Rust's `Display` does.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // serde_json has escaped `"`, `\` and the controls below U+0020 already: the rest
        // is printable ASCII, DEL or non-ASCII.
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if matches!(c, ' '..='~') {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        // Finite here (serde_json writes null for the others): shortest round-trip digits,
        // never an exponent, which is valid JSON.
        write!(writer, "{value}")
    }

    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        write!(writer, "{value}")
    }
}

/// Writes `value` as compact, pure-ASCII JSON.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(writer: W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(writer, AsciiFormatter);
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// `value` as compact, pure-ASCII JSON on one line. Panics only when `value`'s own
/// `Serialize` fails (a map with non-string keys): the tool's values never do.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = Vec::with_capacity(128);
    to_writer(&mut out, value).expect("the tool's JSON values serialize");
    // The formatter writes ASCII only.
    String::from_utf8(out).expect("ASCII output")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn quote(s: &str) -> String {
        to_string(s)
    }

    /// Parses the literal of `s` back with serde_json.
    fn round_trip(s: &str) -> String {
        let literal = quote(s);
        assert!(literal.is_ascii(), "output must be pure ASCII: {literal}");
        serde_json::from_str::<String>(&literal).expect("valid JSON string")
    }

    #[test]
    fn plain_ascii_is_unchanged() {
        assert_eq!(quote("Hello world ~!"), "\"Hello world ~!\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a/b"), "\"a/b\"");
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }

    #[test]
    fn control_characters_and_del_are_escaped() {
        assert_eq!(quote("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(quote("\u{0}\u{1}\u{1f}"), r#""\u0000\u0001\u001f""#);
        assert_eq!(quote("a\u{7f}b"), r#""a\u007fb""#);
        let all: String = (0u8..0x20).map(char::from).collect();
        assert_eq!(round_trip(&all), all);
    }

    #[test]
    fn non_ascii_becomes_unicode_escapes() {
        assert_eq!(quote("é"), r#""\u00e9""#);
        assert_eq!(quote("x€y"), r#""x\u20acy""#);
        // Above the BMP: a UTF-16 surrogate pair.
        assert_eq!(quote("😀"), r#""\ud83d\ude00""#);
        for s in [
            "é",
            "Grüße €5",
            "日本語",
            "😀 and 𝄞",
            "\u{feff}\u{10ffff}",
            "\"é\"\n",
        ] {
            assert_eq!(round_trip(s), s);
        }
    }

    #[test]
    fn keys_are_escaped_too_and_order_is_kept() {
        let v = json!({"z": 1, "ä\"": null, "a": [true, 2.5, f64::NAN]});
        assert_eq!(
            to_string(&v),
            r#"{"z":1,"\u00e4\"":null,"a":[true,2.5,null]}"#
        );
    }

    #[test]
    fn floats_print_as_rust_does() {
        #[derive(Serialize)]
        struct F {
            a: f64,
            b: f64,
            c: f64,
            d: f64,
        }
        let f = F {
            a: 196.0,
            b: 0.123,
            c: f64::INFINITY,
            d: 1e21,
        };
        assert_eq!(
            to_string(&f),
            r#"{"a":196,"b":0.123,"c":null,"d":1000000000000000000000}"#
        );
    }
}
