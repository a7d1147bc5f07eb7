//! Framing: finding whole PDUs in a receive buffer, and owned frames.
//!
//! This layer sits on top of [`pdu`](crate::pdu), which sits on top of
//! [`wire`](crate::wire).
//!
//! SMPP frames are length-prefixed: the first four octets (`command_length`) give the size
//! of the whole PDU. [`frame`] looks at the start of a receive buffer and says whether a
//! complete PDU is there, how many more octets are needed, or that the length is invalid.
//! It never allocates: a buffer only grows as octets actually arrive, up to the configured
//! maximum.

mod frame;

pub use frame::{DefaultBuf, Frame, NoBuffer};

use crate::wire::{check_header, DecodeError, HEADER_LEN};

/// What the start of a receive buffer holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// A complete PDU of this many octets is at the start of the buffer.
    Complete(usize),
    /// More octets are needed: at least `needed` more before anything can be decided.
    Partial {
        /// Octets still missing (for the header, or for the whole PDU once its length is
        /// known).
        needed: usize,
    },
}

/// Looks for one PDU at the start of `buf`. A `command_length` below 16 or above `max_len`
/// is an error (the stream cannot be resynchronised after it; the connection should close
/// after a `generic_nack`).
#[inline]
pub fn frame(buf: &[u8], max_len: u32) -> Result<Framing, DecodeError> {
    if buf.len() < HEADER_LEN {
        // The length word alone decides validity; check it as soon as it is here.
        if let Some(len) = buf.first_chunk::<4>().map(|w| u32::from_be_bytes(*w)) {
            if len < HEADER_LEN as u32 {
                return Err(DecodeError::CommandLengthTooSmall {
                    command_length: len,
                });
            }
            if len > max_len {
                return Err(DecodeError::CommandLengthTooLarge {
                    command_length: len,
                    max: max_len,
                });
            }
        }
        return Ok(Framing::Partial {
            needed: HEADER_LEN - buf.len(),
        });
    }
    let header = check_header(buf, max_len)?;
    let len = header.command_length as usize;
    if buf.len() >= len {
        Ok(Framing::Complete(len))
    } else {
        Ok(Framing::Partial {
            needed: len - buf.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_states() {
        let enquire = [0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(frame(&enquire, 1024), Ok(Framing::Complete(16)));
        assert_eq!(
            frame(&enquire[..3], 1024),
            Ok(Framing::Partial { needed: 13 })
        );
        let mut two = [0u8; 40];
        two[..16].copy_from_slice(&enquire);
        assert_eq!(frame(&two, 1024), Ok(Framing::Complete(16)));
        let big = [0, 0, 0, 40, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0];
        assert_eq!(frame(&big, 1024), Ok(Framing::Partial { needed: 23 }));
        assert_eq!(
            frame(&[0xFF, 0xFF, 0xFF, 0xFF], 1024),
            Err(DecodeError::CommandLengthTooLarge {
                command_length: u32::MAX,
                max: 1024
            })
        );
        assert_eq!(
            frame(&[0, 0, 0, 8, 0], 1024),
            Err(DecodeError::CommandLengthTooSmall { command_length: 8 })
        );
    }
}
