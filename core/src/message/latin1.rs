//! ISO-8859-1 (`data_coding` 3): one octet per character, U+0000..=U+00FF.
//!
//! Every octet decodes (0x80..=0x9F become the C1 control characters); characters above
//! U+00FF are not representable.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

use super::coding::Encoding;
use super::error::TextError;
use super::single_byte::Charset;

/// The Latin-1 octet for `c`, if it has one.
pub fn encode_char(c: char) -> Option<u8> {
    u8::try_from(u32::from(c)).ok()
}

/// The character for a Latin-1 octet.
pub fn decode_byte(b: u8) -> char {
    char::from(b)
}

const CHARSET: Charset = Charset {
    encoding: Encoding::Latin1,
    encode_char,
};

/// Encodes `text` into `out`, returning the number of octets written. Works without `alloc`.
pub fn encode_into(text: &str, out: &mut [u8]) -> Result<usize, TextError> {
    CHARSET.encode_into(text, out)
}

/// Encodes `text` as Latin-1.
#[cfg(feature = "alloc")]
pub fn encode(text: &str) -> Result<Vec<u8>, TextError> {
    CHARSET.encode(text, false)
}

/// Encodes `text` as Latin-1 with `?` for characters above U+00FF.
#[cfg(feature = "alloc")]
pub fn encode_lossy(text: &str) -> Vec<u8> {
    // Lossy encoding replaces instead of failing.
    CHARSET.encode(text, true).unwrap_or_default()
}

/// Iterates the characters of Latin-1 octets (infallible). Works without `alloc`.
pub fn chars(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    bytes.iter().map(|&b| decode_byte(b))
}

/// Decodes Latin-1 octets (infallible).
#[cfg(feature = "alloc")]
pub fn decode(bytes: &[u8]) -> String {
    chars(bytes).collect()
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(encode("Aé£ÿ").unwrap(), [0x41, 0xE9, 0xA3, 0xFF]);
        assert_eq!(decode(&[0x41, 0xE9, 0xA3, 0xFF]), "Aé£ÿ");
        assert_eq!(
            encode("a€"),
            Err(TextError::Unrepresentable {
                character: '€',
                char_index: 1,
                byte_offset: 1,
                encoding: Encoding::Latin1
            })
        );
        assert_eq!(encode_lossy("a€b"), b"a?b");
        let mut buf = [0u8; 1];
        assert_eq!(encode_into("ab", &mut buf), Err(TextError::BufferTooSmall));
    }
}
