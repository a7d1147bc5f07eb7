//! "UCS2" (`data_coding` 8) as SMSCs actually use it: UTF-16 big-endian, surrogate pairs
//! included, so every Unicode scalar value (emoji too) can be carried.
//!
//! Decoding rejects an odd octet count and unpaired surrogates with a [`TextError`]; the lossy
//! variants write U+FFFD instead.

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

use super::error::TextError;

/// Number of UTF-16 code units `text` needs (two per character outside the BMP).
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Encodes `text` as UTF-16BE into `out`, returning the number of octets written. Works
/// without `alloc`.
pub fn encode_into(text: &str, out: &mut [u8]) -> Result<usize, TextError> {
    let mut n = 0usize;
    for unit in text.encode_utf16() {
        let dst = out.get_mut(n..n + 2).ok_or(TextError::BufferTooSmall)?;
        dst.copy_from_slice(&unit.to_be_bytes());
        n += 2;
    }
    Ok(n)
}

/// Encodes `text` as UTF-16BE. Every string is representable.
#[cfg(feature = "alloc")]
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 2);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

/// Characters decoded from UTF-16BE octets; see [`chars`].
#[derive(Clone, Debug)]
pub struct Ucs2Chars<'a> {
    bytes: &'a [u8],
    pos: usize,
    lossy: bool,
}

impl Ucs2Chars<'_> {
    fn unit_at(&self, pos: usize) -> Option<u16> {
        let hi = *self.bytes.get(pos)?;
        let lo = *self.bytes.get(pos + 1)?;
        Some(u16::from_be_bytes([hi, lo]))
    }

    fn fail(&self, e: TextError) -> Result<char, TextError> {
        if self.lossy {
            Ok(char::REPLACEMENT_CHARACTER)
        } else {
            Err(e)
        }
    }
}

impl Iterator for Ucs2Chars<'_> {
    type Item = Result<char, TextError>;

    fn next(&mut self) -> Option<Self::Item> {
        let pos = self.pos;
        if pos >= self.bytes.len() {
            return None;
        }
        let Some(unit) = self.unit_at(pos) else {
            // One octet left over.
            self.pos = self.bytes.len();
            return Some(self.fail(TextError::OddLength {
                len: self.bytes.len(),
            }));
        };
        self.pos += 2;
        let unpaired = TextError::UnpairedSurrogate { unit, offset: pos };
        Some(match unit {
            0xD800..=0xDBFF => match self.unit_at(pos + 2) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    self.pos += 2;
                    let scalar =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    match char::from_u32(scalar) {
                        Some(c) => Ok(c),
                        None => self.fail(unpaired),
                    }
                }
                _ => self.fail(unpaired),
            },
            0xDC00..=0xDFFF => self.fail(unpaired),
            _ => match char::from_u32(u32::from(unit)) {
                Some(c) => Ok(c),
                None => self.fail(unpaired),
            },
        })
    }
}

/// Iterates the characters of UTF-16BE octets, yielding an error for an unpaired surrogate or
/// a trailing odd octet. Works without `alloc`.
pub fn chars(bytes: &[u8]) -> Ucs2Chars<'_> {
    Ucs2Chars {
        bytes,
        pos: 0,
        lossy: false,
    }
}

/// Like [`chars`], but yields U+FFFD instead of errors.
pub fn chars_lossy(bytes: &[u8]) -> Ucs2Chars<'_> {
    Ucs2Chars {
        bytes,
        pos: 0,
        lossy: true,
    }
}

/// Decodes UTF-16BE octets.
#[cfg(feature = "alloc")]
pub fn decode(bytes: &[u8]) -> Result<String, TextError> {
    if bytes.len() % 2 != 0 {
        return Err(TextError::OddLength { len: bytes.len() });
    }
    chars(bytes).collect()
}

/// Decodes UTF-16BE octets with U+FFFD for unpaired surrogates and a trailing odd octet.
#[cfg(feature = "alloc")]
pub fn decode_lossy(bytes: &[u8]) -> String {
    chars_lossy(bytes)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;

    #[test]
    fn surrogate_pairs() {
        assert_eq!(encode("\u{1F600}"), [0xD8, 0x3D, 0xDE, 0x00]);
        assert_eq!(decode(&[0xD8, 0x3D, 0xDE, 0x00]).unwrap(), "\u{1F600}");
        assert_eq!(encode("Aé"), [0x00, 0x41, 0x00, 0xE9]);
        assert_eq!(utf16_len("a\u{1F600}"), 3);
    }

    #[test]
    fn errors() {
        assert_eq!(decode(&[0, 0x41, 0]), Err(TextError::OddLength { len: 3 }));
        assert_eq!(
            decode(&[0, 0x41, 0xDE, 0x00]),
            Err(TextError::UnpairedSurrogate {
                unit: 0xDE00,
                offset: 2
            })
        );
        assert_eq!(
            decode(&[0xD8, 0x3D, 0x00, 0x41]),
            Err(TextError::UnpairedSurrogate {
                unit: 0xD83D,
                offset: 0
            })
        );
        assert_eq!(
            decode_lossy(&[0xD8, 0x3D, 0x00, 0x41, 0x00]),
            "\u{FFFD}A\u{FFFD}"
        );
    }

    #[test]
    fn encode_into_buffer() {
        let mut buf = [0u8; 3];
        assert_eq!(encode_into("A", &mut buf), Ok(2));
        assert_eq!(encode_into("AB", &mut buf), Err(TextError::BufferTooSmall));
    }
}
