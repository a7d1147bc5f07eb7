//! Owned frames: one received or encoded PDU in an owned buffer, parsed on demand.
//!
//! The buffer is a type parameter: with `alloc` it defaults to [`bytes::Bytes`] (reference
//! counted, cheap to clone); without it the fixed-capacity session uses
//! `heapless::Vec<u8, N>` (see [`session::Fixed`](crate::session::Fixed)).

use crate::pdu::{ParseOptions, Pdu};
#[cfg(feature = "alloc")]
use crate::wire::EncodeError;
use crate::wire::{check_header, CommandId, CommandStatus, DecodeError, Header};
#[cfg(feature = "alloc")]
use bytes::{Bytes, BytesMut};
use core::fmt;

/// The buffer a [`Frame`] holds when none is named: [`bytes::Bytes`] with the `alloc`
/// feature. Without it there is no default: name the buffer (`Frame<heapless::Vec<u8, N>>`);
/// this placeholder has no values.
#[cfg(feature = "alloc")]
pub type DefaultBuf = Bytes;

/// The buffer a [`Frame`] holds when none is named: [`bytes::Bytes`] with the `alloc`
/// feature. Without it there is no default: name the buffer (`Frame<heapless::Vec<u8, N>>`);
/// this placeholder has no values.
#[cfg(not(feature = "alloc"))]
pub type DefaultBuf = NoBuffer;

/// The placeholder default buffer without `alloc`: an enum with no values, so a frame of it
/// can never exist. Name a real buffer instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoBuffer {}

impl AsRef<[u8]> for NoBuffer {
    fn as_ref(&self) -> &[u8] {
        match *self {}
    }
}

/// One whole PDU in an owned buffer (`B`: [`bytes::Bytes`] by default, cheap to clone).
/// Events and queues carry frames; the application looks inside with [`Frame::pdu`], which
/// borrows from the frame.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame<B = DefaultBuf> {
    header: Header,
    bytes: B,
}

#[cfg(feature = "alloc")]
impl Frame<Bytes> {
    /// Wraps the octets of one whole PDU, checking only its header (16 octets at least,
    /// `command_length` equal to the buffer length). Bodies are checked by [`Frame::pdu`].
    /// [`Frame::from_buf`] does the same for any buffer.
    pub fn new(bytes: Bytes) -> Result<Frame, DecodeError> {
        Frame::from_buf(bytes)
    }

    /// Encodes a PDU into a new frame.
    pub fn encode(pdu: &Pdu<'_>) -> Result<Frame, EncodeError> {
        let mut buf = BytesMut::with_capacity(pdu.encoded_len());
        pdu.encode_to(&mut buf)?;
        let bytes = buf.freeze();
        let header = Header::parse(&bytes).ok_or(EncodeError::PduTooLarge)?;
        Ok(Frame { header, bytes })
    }
}

impl<B: AsRef<[u8]>> Frame<B> {
    /// Wraps the octets of one whole PDU held in any buffer, checking only its header (16
    /// octets at least, `command_length` equal to the buffer length). Bodies are checked by
    /// [`Frame::pdu`].
    #[inline]
    pub fn from_buf(bytes: B) -> Result<Frame<B>, DecodeError> {
        let header = check_header(bytes.as_ref(), u32::MAX)?;
        if header.command_length as usize != bytes.as_ref().len() {
            return Err(DecodeError::CommandLengthMismatch {
                command_length: header.command_length,
                available: bytes.as_ref().len(),
            });
        }
        Ok(Frame { header, bytes })
    }

    /// A frame of `bytes` whose `header` was checked already (the session's framing).
    #[inline]
    pub(crate) fn from_checked(header: Header, bytes: B) -> Frame<B> {
        Frame { header, bytes }
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
        self.bytes.as_ref()
    }

    /// The underlying buffer.
    pub fn into_bytes(self) -> B {
        self.bytes
    }

    /// Parses the body with the default, lenient options.
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        Pdu::parse_with(
            self.bytes.as_ref(),
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
            self.bytes.as_ref(),
            &ParseOptions {
                max_command_length: u32::MAX,
                ..ParseOptions::default()
            },
        )
    }

    /// Parses the body with the given options.
    pub fn pdu_with(&self, opts: &ParseOptions) -> Result<Pdu<'_>, DecodeError> {
        Pdu::parse_with(self.bytes.as_ref(), opts)
    }
}

impl<B: AsRef<[u8]>> fmt::Debug for Frame<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Frame({} seq={} status={:?} len={})",
            self.header.command_id,
            self.header.sequence_number,
            self.header.command_status,
            self.bytes.as_ref().len()
        )
    }
}
