//! Choosing an encoding for outgoing text and decoding incoming octets by `data_coding`.

use core::fmt;

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};

#[cfg(feature = "alloc")]
use super::error::TextError;
use super::gsm7;
#[cfg(feature = "alloc")]
use super::{ascii, latin1, ucs2};

/// How text is turned into `short_message` octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Encoding {
    /// GSM 03.38 default alphabet, unpacked: one septet per octet (`data_coding` 0x00).
    Gsm7,
    /// GSM 03.38 default alphabet packed seven bits per character (`data_coding` 0x00).
    Gsm7Packed,
    /// UTF-16BE, surrogate pairs included (`data_coding` 0x08).
    Ucs2,
    /// ISO-8859-1 (`data_coding` 0x03).
    Latin1,
    /// IA5 / ASCII (`data_coding` 0x01).
    Ascii,
    /// 8-bit binary (`data_coding` 0x04). Text given for this encoding is sent as its UTF-8
    /// octets.
    Binary,
}

impl Encoding {
    /// The `data_coding` value to send with this encoding.
    pub const fn data_coding(self) -> u8 {
        match self {
            Encoding::Gsm7 | Encoding::Gsm7Packed => 0x00,
            Encoding::Ucs2 => 0x08,
            Encoding::Latin1 => 0x03,
            Encoding::Ascii => 0x01,
            Encoding::Binary => 0x04,
        }
    }

    /// `true` for the two GSM 7-bit forms.
    pub const fn is_gsm7(self) -> bool {
        matches!(self, Encoding::Gsm7 | Encoding::Gsm7Packed)
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Gsm7 => "GSM 7-bit",
            Encoding::Gsm7Packed => "packed GSM 7-bit",
            Encoding::Ucs2 => "UCS2",
            Encoding::Latin1 => "Latin-1",
            Encoding::Ascii => "ASCII",
            Encoding::Binary => "binary",
        })
    }
}

/// The `data_coding` value for `encoding` (same as [`Encoding::data_coding`]).
pub const fn data_coding_for(encoding: Encoding) -> u8 {
    encoding.data_coding()
}

/// GSM 7-bit (unpacked) when every character is in the default alphabet, else UCS2.
pub fn choose_auto(text: &str) -> Encoding {
    if text.chars().all(gsm7::is_gsm_char) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// What a `data_coding` value says about the octets of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Charset {
    /// GSM 7-bit default alphabet; in SMPP `short_message` it is one septet per octet.
    Gsm7,
    /// IA5 / ASCII.
    Ascii,
    /// ISO-8859-1.
    Latin1,
    /// UCS2 (decoded as UTF-16BE).
    Ucs2,
    /// Octets that are not decoded as text here: binary data, compressed text, reserved values
    /// and character sets this crate does not implement (JIS, Cyrillic, Hebrew, pictograms,
    /// music codes, Kanji, KS C 5601).
    Octets,
}

/// Classifies a `data_coding` value (SMPP 3.4 §5.2.19 for 0x00..=0x0F, TS 23.038 §4 coding
/// groups above).
///
/// * 0x00 GSM (SMSC default alphabet), 0x01 IA5, 0x03 Latin-1, 0x08 UCS2;
///   0x02/0x04 binary and every other value below 0x10 are octets.
/// * 0x10..=0x7F general data coding (0x40..=0x7F being the "marked for automatic deletion"
///   variant): bit 5 set (compressed) → octets; else bits 3..2: 00 GSM, 01 octets, 10 UCS2,
///   11 (reserved) octets.
/// * 0x80..=0xBF reserved → octets.
/// * 0xC0..=0xDF message waiting (discard/store) → GSM; 0xE0..=0xEF message waiting → UCS2.
/// * 0xF0..=0xFF data coding/message class: bit 2 clear → GSM, set → octets.
pub const fn charset(data_coding: u8) -> Charset {
    match data_coding {
        0x00 => Charset::Gsm7,
        0x01 => Charset::Ascii,
        0x03 => Charset::Latin1,
        0x08 => Charset::Ucs2,
        0x02 | 0x04..=0x07 | 0x09..=0x0F => Charset::Octets,
        0x10..=0x7F => {
            if data_coding & 0x20 != 0 {
                Charset::Octets
            } else {
                match (data_coding >> 2) & 0x03 {
                    0 => Charset::Gsm7,
                    2 => Charset::Ucs2,
                    _ => Charset::Octets,
                }
            }
        }
        0x80..=0xBF => Charset::Octets,
        0xC0..=0xDF => Charset::Gsm7,
        0xE0..=0xEF => Charset::Ucs2,
        0xF0..=0xFF => {
            if data_coding & 0x04 == 0 {
                Charset::Gsm7
            } else {
                Charset::Octets
            }
        }
    }
}

/// Decoded message content: text, or octets that are not text.
#[cfg(feature = "alloc")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Decoded<'a> {
    /// The message is text.
    Text(String),
    /// The message is octets (binary or an undecoded character set), returned as given.
    Binary(&'a [u8]),
}

#[cfg(feature = "alloc")]
impl<'a> Decoded<'a> {
    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Decoded::Text(s) => Some(s),
            Decoded::Binary(_) => None,
        }
    }

    /// The octets, if this is not text.
    pub fn as_binary(&self) -> Option<&'a [u8]> {
        match self {
            Decoded::Text(_) => None,
            Decoded::Binary(b) => Some(b),
        }
    }
}

/// Encodes text. `Gsm7Packed` uses no fill bits (no UDH in front); `Binary` yields the UTF-8
/// octets.
#[cfg(feature = "alloc")]
pub fn encode(text: &str, encoding: Encoding) -> Result<Vec<u8>, TextError> {
    match encoding {
        Encoding::Gsm7 => gsm7::encode_unpacked(text),
        Encoding::Gsm7Packed => gsm7::encode_packed(text, 0),
        Encoding::Ucs2 => Ok(ucs2::encode(text)),
        Encoding::Latin1 => latin1::encode(text),
        Encoding::Ascii => ascii::encode(text),
        Encoding::Binary => Ok(text.as_bytes().to_vec()),
    }
}

/// Encodes text, replacing characters the encoding cannot represent with `?`.
#[cfg(feature = "alloc")]
pub fn encode_lossy(text: &str, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Gsm7 => gsm7::encode_unpacked_lossy(text),
        Encoding::Gsm7Packed => {
            gsm7::pack_with_cr_rule(gsm7::encode_unpacked_lossy(text), 0).unwrap_or_default()
        }
        Encoding::Ucs2 => ucs2::encode(text),
        Encoding::Latin1 => latin1::encode_lossy(text),
        Encoding::Ascii => ascii::encode_lossy(text),
        Encoding::Binary => text.as_bytes().to_vec(),
    }
}

/// Decodes `short_message` (or `message_payload`) octets according to `data_coding`; see
/// [`charset`] for the mapping. GSM is decoded unpacked (one septet per octet).
#[cfg(feature = "alloc")]
pub fn decode(data_coding: u8, bytes: &[u8]) -> Result<Decoded<'_>, TextError> {
    Ok(match charset(data_coding) {
        Charset::Gsm7 => Decoded::Text(gsm7::decode_unpacked(bytes)?),
        Charset::Ascii => Decoded::Text(ascii::decode(bytes)?),
        Charset::Latin1 => Decoded::Text(latin1::decode(bytes)),
        Charset::Ucs2 => Decoded::Text(ucs2::decode(bytes)?),
        Charset::Octets => Decoded::Binary(bytes),
    })
}

/// Like [`decode`], with U+FFFD wherever strict decoding would fail.
#[cfg(feature = "alloc")]
pub fn decode_lossy(data_coding: u8, bytes: &[u8]) -> Decoded<'_> {
    match charset(data_coding) {
        Charset::Gsm7 => Decoded::Text(gsm7::decode_unpacked_lossy(bytes)),
        Charset::Ascii => Decoded::Text(ascii::decode_lossy(bytes)),
        Charset::Latin1 => Decoded::Text(latin1::decode(bytes)),
        Charset::Ucs2 => Decoded::Text(ucs2::decode_lossy(bytes)),
        Charset::Octets => Decoded::Binary(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charset_mapping() {
        assert_eq!(charset(0x00), Charset::Gsm7);
        assert_eq!(charset(0x01), Charset::Ascii);
        assert_eq!(charset(0x02), Charset::Octets);
        assert_eq!(charset(0x03), Charset::Latin1);
        assert_eq!(charset(0x04), Charset::Octets);
        for dc in [0x05, 0x06, 0x07, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F] {
            assert_eq!(charset(dc), Charset::Octets, "{dc:#x}");
        }
        assert_eq!(charset(0x08), Charset::Ucs2);
        assert_eq!(charset(0x10), Charset::Gsm7);
        assert_eq!(charset(0x11), Charset::Gsm7);
        assert_eq!(charset(0x14), Charset::Octets);
        assert_eq!(charset(0x18), Charset::Ucs2);
        assert_eq!(charset(0x1C), Charset::Octets);
        assert_eq!(charset(0x30), Charset::Octets); // compressed
        assert_eq!(charset(0x38), Charset::Octets);
        assert_eq!(charset(0x48), Charset::Ucs2);
        assert_eq!(charset(0x90), Charset::Octets);
        assert_eq!(charset(0xC0), Charset::Gsm7);
        assert_eq!(charset(0xD8), Charset::Gsm7);
        assert_eq!(charset(0xE0), Charset::Ucs2);
        assert_eq!(charset(0xF0), Charset::Gsm7);
        assert_eq!(charset(0xF3), Charset::Gsm7);
        assert_eq!(charset(0xF4), Charset::Octets);
        assert_eq!(charset(0xF6), Charset::Octets);
    }

    #[test]
    fn data_coding_values() {
        assert_eq!(Encoding::Gsm7.data_coding(), 0);
        assert_eq!(Encoding::Gsm7Packed.data_coding(), 0);
        assert_eq!(data_coding_for(Encoding::Ucs2), 8);
        assert_eq!(Encoding::Latin1.data_coding(), 3);
        assert_eq!(Encoding::Ascii.data_coding(), 1);
        assert_eq!(Encoding::Binary.data_coding(), 4);
        // Every encoding's data_coding classifies back to the matching charset.
        assert_eq!(charset(Encoding::Gsm7.data_coding()), Charset::Gsm7);
        assert_eq!(charset(Encoding::Binary.data_coding()), Charset::Octets);
    }

    #[test]
    fn auto_choice() {
        assert_eq!(choose_auto("Hello {world} €"), Encoding::Gsm7);
        assert_eq!(choose_auto("Привет"), Encoding::Ucs2);
        assert_eq!(choose_auto("ç"), Encoding::Ucs2);
        assert_eq!(choose_auto(""), Encoding::Gsm7);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn decode_dispatch() {
        assert_eq!(
            decode(0, b"Hello world").unwrap(),
            Decoded::Text("Hello world".into())
        );
        assert_eq!(
            encode("Hello world", Encoding::Gsm7).unwrap(),
            b"Hello world"
        );
        assert_eq!(
            decode(4, &[1, 2, 0xFF]).unwrap(),
            Decoded::Binary(&[1, 2, 0xFF])
        );
        assert_eq!(decode(8, &[0, 0x41]).unwrap().as_text(), Some("A"));
        assert_eq!(decode(3, &[0xE9]).unwrap().as_text(), Some("é"));
        assert!(decode(1, &[0xE9]).is_err());
        assert_eq!(decode_lossy(1, &[0xE9]).as_text(), Some("\u{FFFD}"));
        assert_eq!(
            decode(0x06, &[0xB0]).unwrap().as_binary(),
            Some(&[0xB0][..])
        );
        assert_eq!(encode_lossy("a😀", Encoding::Gsm7), b"a?");
        assert_eq!(encode("a😀", Encoding::Binary).unwrap(), "a😀".as_bytes());
    }
}
