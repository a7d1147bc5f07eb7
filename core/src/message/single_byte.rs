//! The encoders shared by the one-octet-per-character charsets (IA5/ASCII, Latin-1): each
//! charset supplies its `encode_char` and its [`Encoding`] for error reports.

#[cfg(feature = "alloc")]
use alloc::vec::Vec;

use super::coding::Encoding;
use super::error::TextError;

/// One charset: how a character maps to its octet, and its name in errors.
pub(crate) struct Charset {
    pub(crate) encoding: Encoding,
    pub(crate) encode_char: fn(char) -> Option<u8>,
}

impl Charset {
    /// Calls `f` with each octet of `text`; an unrepresentable character is `?` when
    /// `lossy`, else an error naming it and its position.
    fn for_each_byte(
        &self,
        text: &str,
        lossy: bool,
        mut f: impl FnMut(u8) -> Result<(), TextError>,
    ) -> Result<(), TextError> {
        for (char_index, (byte_offset, c)) in text.char_indices().enumerate() {
            match (self.encode_char)(c) {
                Some(b) => f(b)?,
                None if lossy => f(b'?')?,
                None => {
                    return Err(TextError::Unrepresentable {
                        character: c,
                        char_index,
                        byte_offset,
                        encoding: self.encoding,
                    })
                }
            }
        }
        Ok(())
    }

    /// Encodes into `out`, returning the number of octets written.
    pub(crate) fn encode_into(&self, text: &str, out: &mut [u8]) -> Result<usize, TextError> {
        let mut n = 0usize;
        self.for_each_byte(text, false, |b| {
            *out.get_mut(n).ok_or(TextError::BufferTooSmall)? = b;
            n += 1;
            Ok(())
        })?;
        Ok(n)
    }

    /// Encodes into a new vector, strictly or lossily.
    #[cfg(feature = "alloc")]
    pub(crate) fn encode(&self, text: &str, lossy: bool) -> Result<Vec<u8>, TextError> {
        let mut out = Vec::with_capacity(text.len());
        self.for_each_byte(text, lossy, |b| {
            out.push(b);
            Ok(())
        })?;
        Ok(out)
    }
}
