//! Owned frames: one received or encoded PDU in a reference-counted buffer, parsed on demand.

use crate::pdu::{ParseOptions, Pdu};
use crate::wire::{check_header, CommandId, CommandStatus, DecodeError, EncodeError, Header};
use bytes::{Bytes, BytesMut};
use core::fmt;

/// One whole PDU in an owned, cheaply clonable buffer. Events and queues carry frames; the
/// application looks inside with [`Frame::pdu`], which borrows from the frame.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    header: Header,
    bytes: Bytes,
}

impl Frame {
    /// Wraps the octets of one whole PDU, checking only its header (16 octets at least,
    /// `command_length` equal to the buffer length). Bodies are checked by [`Frame::pdu`].
    pub fn new(bytes: Bytes) -> Result<Frame, DecodeError> {
        let header = check_header(&bytes, u32::MAX)?;
        if header.command_length as usize != bytes.len() {
            return Err(DecodeError::CommandLengthMismatch {
                command_length: header.command_length,
                available: bytes.len(),
            });
        }
        Ok(Frame { header, bytes })
    }

    /// Encodes a PDU into a new frame.
    pub fn encode(pdu: &Pdu<'_>) -> Result<Frame, EncodeError> {
        let mut buf = BytesMut::with_capacity(pdu.encoded_len());
        pdu.encode_to(&mut buf)?;
        let bytes = buf.freeze();
        let header = Header::parse(&bytes).ok_or(EncodeError::PduTooLarge)?;
        Ok(Frame { header, bytes })
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The command.
    pub fn command_id(&self) -> CommandId {
        self.header.command_id
    }

    /// The status.
    pub fn command_status(&self) -> CommandStatus {
        self.header.command_status
    }

    /// The sequence number.
    pub fn sequence_number(&self) -> u32 {
        self.header.sequence_number
    }

    /// The whole PDU's octets.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The underlying buffer.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }

    /// Parses the body with the default, lenient options.
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        Pdu::parse_with(
            &self.bytes,
            &ParseOptions {
                max_command_length: u32::MAX,
                ..ParseOptions::default()
            },
        )
    }

    /// The lenient warning of this frame under the default options [`Frame::pdu`] parses
    /// with: the strict parse's error naming the field that needed a tolerance (an
    /// over-long C-octet string, ...), or `None` for valid SMPP 3.4. See
    /// [`lenient_warning`](crate::pdu::lenient_warning).
    pub fn lenient_warning(&self) -> Option<DecodeError> {
        crate::pdu::lenient_warning(
            &self.bytes,
            &ParseOptions {
                max_command_length: u32::MAX,
                ..ParseOptions::default()
            },
        )
    }

    /// Parses the body with the given options.
    pub fn pdu_with(&self, opts: &ParseOptions) -> Result<Pdu<'_>, DecodeError> {
        Pdu::parse_with(&self.bytes, opts)
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Frame({} seq={} status={:?} len={})",
            self.header.command_id,
            self.header.sequence_number,
            self.header.command_status,
            self.bytes.len()
        )
    }
}
