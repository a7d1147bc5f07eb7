//! The 16-octet PDU header, its parse and emit, and the limits on `command_length`.

use super::error::{DecodeError, Field};
use super::ids::{CommandId, CommandStatus};

/// Size of the PDU header: `command_length`, `command_id`, `command_status`,
/// `sequence_number`.
pub const HEADER_LEN: usize = 16;

/// The default maximum `command_length` accepted by the parser: room for a 64 KiB
/// `message_payload` plus the largest mandatory fields.
pub const DEFAULT_MAX_COMMAND_LENGTH: u32 = 65_536 + 4_096;

/// The 16-octet PDU header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Total PDU length, header included.
    pub command_length: u32,
    /// The command.
    pub command_id: CommandId,
    /// The status (meaningful in responses).
    pub command_status: CommandStatus,
    /// The sequence number that pairs a response with its request.
    pub sequence_number: u32,
}

impl Header {
    /// Reads the header from the first 16 octets, or `None` when fewer are given. No field
    /// is validated here.
    #[inline(always)]
    pub fn parse(bytes: &[u8]) -> Option<Header> {
        let (h, _) = bytes.split_first_chunk::<HEADER_LEN>()?;
        let word = |i: usize| u32::from_be_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        Some(Header {
            command_length: word(0),
            command_id: CommandId::from_u32(word(4)),
            command_status: CommandStatus(word(8)),
            sequence_number: word(12),
        })
    }

    /// The 16 wire octets.
    #[inline]
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let words = [
            self.command_length,
            self.command_id.to_u32(),
            self.command_status.0,
            self.sequence_number,
        ];
        for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// Reads and checks the header of a frame: at least 16 octets, `command_length` between 16
/// and `max`.
#[inline]
pub(crate) fn check_header(frame: &[u8], max: u32) -> Result<Header, DecodeError> {
    let header = Header::parse(frame).ok_or(DecodeError::Truncated {
        field: Field::CommandLength,
    })?;
    if header.command_length < HEADER_LEN as u32 {
        return Err(DecodeError::CommandLengthTooSmall {
            command_length: header.command_length,
        });
    }
    if header.command_length > max {
        return Err(DecodeError::CommandLengthTooLarge {
            command_length: header.command_length,
            max,
        });
    }
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let bytes = [0, 0, 0, 16, 0x80, 0, 0, 0x15, 0, 0, 0, 0x58, 0, 0, 0, 7];
        let h = Header::parse(&bytes).unwrap();
        assert_eq!(
            h,
            Header {
                command_length: 16,
                command_id: CommandId::EnquireLinkResp,
                command_status: CommandStatus::ESME_RTHROTTLED,
                sequence_number: 7,
            }
        );
        assert_eq!(h.to_bytes(), bytes);
        assert_eq!(Header::parse(&bytes[..15]), None);
    }

    #[test]
    fn check_header_limits() {
        let mut bytes = [0, 0, 0, 16, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1];
        assert!(check_header(&bytes, 16).is_ok());
        assert_eq!(
            check_header(&bytes[..4], 16),
            Err(DecodeError::Truncated {
                field: Field::CommandLength
            })
        );
        assert_eq!(
            check_header(&bytes, 15),
            Err(DecodeError::CommandLengthTooLarge {
                command_length: 16,
                max: 15
            })
        );
        bytes[3] = 15;
        assert_eq!(
            check_header(&bytes, 16),
            Err(DecodeError::CommandLengthTooSmall { command_length: 15 })
        );
    }
}
