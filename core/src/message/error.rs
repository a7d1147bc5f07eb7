//! The error type shared by the text codecs.

use core::fmt;

use super::coding::Encoding;

/// Why text could not be encoded or decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TextError {
    /// A character has no representation in the target encoding.
    Unrepresentable {
        /// The character.
        character: char,
        /// Its position counted in characters from the start of the text.
        char_index: usize,
        /// Its position counted in bytes (UTF-8) from the start of the text.
        byte_offset: usize,
        /// The encoding that cannot represent it.
        encoding: Encoding,
    },
    /// An input byte is not valid in the source encoding (a GSM septet or IA5 byte with the
    /// high bit set).
    InvalidByte {
        /// The byte.
        value: u8,
        /// Its offset in the input.
        offset: usize,
        /// The encoding being decoded.
        encoding: Encoding,
    },
    /// UCS2/UTF-16 input with an odd number of octets.
    OddLength {
        /// The input length in octets.
        len: usize,
    },
    /// UTF-16 input with a surrogate that is not part of a valid pair.
    UnpairedSurrogate {
        /// The offending code unit.
        unit: u16,
        /// Octet offset of the code unit in the input.
        offset: usize,
    },
    /// A fill-bit count outside `0..=6`.
    InvalidFillBits {
        /// The requested number of fill bits.
        fill_bits: u8,
    },
    /// More septets were requested than the packed input holds.
    NotEnoughSeptets {
        /// Septets requested.
        requested: usize,
        /// Septets the input can hold.
        available: usize,
    },
    /// The caller-supplied output buffer is too small.
    BufferTooSmall,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Unrepresentable {
                character,
                char_index,
                byte_offset,
                encoding,
            } => write!(
                f,
                "character {:?} (U+{:04X}) at position {} (byte {}) cannot be represented in {}",
                character, *character as u32, char_index, byte_offset, encoding
            ),
            TextError::InvalidByte {
                value,
                offset,
                encoding,
            } => write!(
                f,
                "invalid {} byte 0x{:02X} at offset {}",
                encoding, value, offset
            ),
            TextError::OddLength { len } => {
                write!(f, "UCS2 data has an odd number of octets ({})", len)
            }
            TextError::UnpairedSurrogate { unit, offset } => {
                write!(
                    f,
                    "unpaired UTF-16 surrogate 0x{:04X} at offset {}",
                    unit, offset
                )
            }
            TextError::InvalidFillBits { fill_bits } => {
                write!(f, "fill bits must be 0..=6, got {}", fill_bits)
            }
            TextError::NotEnoughSeptets {
                requested,
                available,
            } => write!(
                f,
                "{} septets requested but the packed data holds only {}",
                requested, available
            ),
            TextError::BufferTooSmall => f.write_str("output buffer too small"),
        }
    }
}

impl core::error::Error for TextError {}
