//! ISO-8859-1 (`data_coding` 3): one octet per character, U+0000..=U+00FF.
//!
//! Every octet decodes (0x80..=0x9F become the C1 control characters); characters above
//! U+00FF are not representable.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

use super::coding::Encoding;
use super::error::TextError;

/// The Latin-1 octet for `c`, if it has one.
pub fn encode_char(c: char) -> Option<u8> {
    u8::try_from(u32::from(c)).ok()
}

/// The character for a Latin-1 octet.
pub fn decode_byte(b: u8) -> char {
    char::from(b)
}

fn for_each_byte(
    text: &str,
    lossy: bool,
    mut f: impl FnMut(u8) -> Result<(), TextError>,
) -> Result<(), TextError> {
    for (char_index, (byte_offset, c)) in text.char_indices().enumerate() {
        match encode_char(c) {
            Some(b) => f(b)?,
            None if lossy => f(b'?')?,
            None => {
                return Err(TextError::Unrepresentable {
                    character: c,
                    char_index,
                    byte_offset,
                    encoding: Encoding::Latin1,
                })
            }
        }
    }
    Ok(())
}

/// Encodes `text` into `out`, returning the number of octets written. Works without `alloc`.
pub fn encode_into(text: &str, out: &mut [u8]) -> Result<usize, TextError> {
    let mut n = 0usize;
    for_each_byte(text, false, |b| {
        *out.get_mut(n).ok_or(TextError::BufferTooSmall)? = b;
        n += 1;
        Ok(())
    })?;
    Ok(n)
}

/// Encodes `text` as Latin-1.
#[cfg(feature = "alloc")]
pub fn encode(text: &str) -> Result<Vec<u8>, TextError> {
    let mut out = Vec::with_capacity(text.len());
    for_each_byte(text, false, |b| {
        out.push(b);
        Ok(())
    })?;
    Ok(out)
}

/// Encodes `text` as Latin-1 with `?` for characters above U+00FF.
#[cfg(feature = "alloc")]
pub fn encode_lossy(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let _ = for_each_byte(text, true, |b| {
        out.push(b);
        Ok(())
    });
    out
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
