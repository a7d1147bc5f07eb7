//! Hex text to octets and back, forgiving about how people paste hex dumps: a small
//! filter over the `hex` crate, which does the conversion.

use std::fmt;

/// Why a hex string could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HexError {
    /// A character that is neither a hex digit nor whitespace.
    InvalidDigit {
        /// The character.
        character: char,
        /// Its position in characters from the start of the input.
        position: usize,
    },
    /// An odd number of hex digits: the last octet is cut.
    OddLength {
        /// How many digits there are.
        digits: usize,
    },
}

impl fmt::Display for HexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HexError::InvalidDigit {
                character,
                position,
            } => write!(
                f,
                "invalid hex: {character:?} at position {position} is not a hex digit"
            ),
            HexError::OddLength { digits } => {
                write!(f, "invalid hex: odd number of digits ({digits})")
            }
        }
    }
}

impl std::error::Error for HexError {}

/// Reads hex text into octets. Upper and lower case digits are accepted, whitespace anywhere
/// is ignored, and one `0x` / `0X` prefix before the first digit is skipped.
///
/// ```
/// use smpp_cli::hex;
/// assert_eq!(hex::decode(" 0x00 0a\tFF\n").unwrap(), [0x00, 0x0a, 0xff]);
/// assert!(hex::decode("abc").is_err());
/// ```
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let trimmed = text.trim_start();
    let skipped = text.len() - trimmed.len();
    let (body, offset) = match trimmed.get(..2) {
        Some("0x" | "0X") => (&trimmed[2..], text[..skipped].chars().count() + 2),
        _ => (text, 0),
    };
    // The digits without the whitespace; the first character that is neither is the error
    // (reported before an odd count, as it is the first thing wrong in the text).
    let mut digits = Vec::with_capacity(body.len());
    for (i, c) in body.chars().enumerate() {
        if c.is_ascii_hexdigit() {
            // An ASCII digit is one octet.
            digits.push(c as u8);
        } else if !c.is_whitespace() {
            return Err(HexError::InvalidDigit {
                character: c,
                position: offset + i,
            });
        }
    }
    ::hex::decode(&digits).map_err(|_| HexError::OddLength {
        digits: digits.len(),
    })
}

/// Octets as lowercase hex, two digits each, no separators.
pub fn encode(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_with_prefix_case_and_whitespace() {
        assert_eq!(decode("0x0A0b").unwrap(), [0x0a, 0x0b]);
        assert_eq!(decode("  0XfF  ").unwrap(), [0xff]);
        assert_eq!(decode("de ad\tbe\nef").unwrap(), [0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(decode("d e a d").unwrap(), [0xde, 0xad]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode("0x").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn rejects_bad_digits_and_odd_lengths() {
        assert_eq!(
            decode("00zz"),
            Err(HexError::InvalidDigit {
                character: 'z',
                position: 2
            })
        );
        // Position counts the prefix and leading whitespace.
        assert_eq!(
            decode(" 0x0g"),
            Err(HexError::InvalidDigit {
                character: 'g',
                position: 4
            })
        );
        // A second 0x is not a prefix.
        assert!(decode("000x00").is_err());
        assert_eq!(decode("abc"), Err(HexError::OddLength { digits: 3 }));
        // A bad digit is reported before an odd count.
        assert_eq!(
            decode("0z0"),
            Err(HexError::InvalidDigit {
                character: 'z',
                position: 1
            })
        );
        assert!(decode("abc")
            .unwrap_err()
            .to_string()
            .starts_with("invalid hex"));
        assert!(decode("é").is_err());
    }

    #[test]
    fn encodes_lowercase() {
        assert_eq!(encode(&[0x00, 0xAB, 0x7f]), "00ab7f");
        assert_eq!(decode(&encode(&[1, 2, 254])).unwrap(), [1, 2, 254]);
    }
}
