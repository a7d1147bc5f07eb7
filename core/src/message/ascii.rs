//! IA5 / ASCII (`data_coding` 1): one octet per character, U+0000..=U+007F.
//!
//! Octets with the high bit set are invalid; strict decoding reports them, lossy decoding
//! writes U+FFFD.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

use super::coding::Encoding;
use super::error::TextError;
use super::single_byte::Charset;

/// The ASCII octet for `c`, if it has one.
pub fn encode_char(c: char) -> Option<u8> {
    if c.is_ascii() {
        Some(c as u8)
    } else {
        None
    }
}

const CHARSET: Charset = Charset {
    encoding: Encoding::Ascii,
    encode_char,
};

/// Encodes `text` into `out`, returning the number of octets written. Works without `alloc`.
pub fn encode_into(text: &str, out: &mut [u8]) -> Result<usize, TextError> {
    CHARSET.encode_into(text, out)
}

/// Encodes `text` as ASCII.
#[cfg(feature = "alloc")]
pub fn encode(text: &str) -> Result<Vec<u8>, TextError> {
    CHARSET.encode(text, false)
}

/// Encodes `text` as ASCII with `?` for non-ASCII characters.
#[cfg(feature = "alloc")]
pub fn encode_lossy(text: &str) -> Vec<u8> {
    // Lossy encoding replaces instead of failing.
    CHARSET.encode(text, true).unwrap_or_default()
}

/// Iterates the characters of ASCII octets, with an error for octets above 0x7F. Works without
/// `alloc`.
pub fn chars(bytes: &[u8]) -> impl Iterator<Item = Result<char, TextError>> + '_ {
    bytes.iter().enumerate().map(|(offset, &b)| {
        if b.is_ascii() {
            Ok(char::from(b))
        } else {
            Err(TextError::InvalidByte {
                value: b,
                offset,
                encoding: Encoding::Ascii,
            })
        }
    })
}

/// Decodes ASCII octets.
#[cfg(feature = "alloc")]
pub fn decode(bytes: &[u8]) -> Result<String, TextError> {
    chars(bytes).collect()
}

/// Decodes ASCII octets with U+FFFD for octets above 0x7F.
#[cfg(feature = "alloc")]
pub fn decode_lossy(bytes: &[u8]) -> String {
    chars(bytes)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(encode("Hi~").unwrap(), b"Hi~");
        assert_eq!(decode(b"Hi~").unwrap(), "Hi~");
        assert_eq!(
            decode(&[0x41, 0xC3]),
            Err(TextError::InvalidByte {
                value: 0xC3,
                offset: 1,
                encoding: Encoding::Ascii
            })
        );
        assert_eq!(decode_lossy(&[0x41, 0xC3]), "A\u{FFFD}");
        assert_eq!(encode_lossy("é!"), b"?!");
        assert!(matches!(
            encode("xé"),
            Err(TextError::Unrepresentable {
                character: 'é',
                char_index: 1,
                byte_offset: 1,
                ..
            })
        ));
    }
}
