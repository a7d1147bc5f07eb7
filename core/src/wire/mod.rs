//! The wire layer: what every SMPP PDU has in common on the wire, below any PDU body.
//!
//! - [`Header`]: the 16-octet header, its parse ([`Header::parse`]) and emit
//!   ([`Header::to_bytes`]), [`HEADER_LEN`] and the default `command_length` limit
//!   [`DEFAULT_MAX_COMMAND_LENGTH`].
//! - [`CommandId`] and [`CommandStatus`]: the open sets of command ids and statuses.
//! - [`TlvTag`] and [`TlvKind`]: optional parameter tags and the size rule of each standard
//!   tag (the tag is what [`DecodeError`] and [`EncodeError`] name for a bad TLV).
//! - [`DecodeError`], [`EncodeError`] and [`Field`]: typed errors naming the field at fault.
//! - The checked reader and the encoder's output sinks (crate-internal): the only code that
//!   indexes received octets or writes encoded ones.
//!
//! This module is the bottom of the protocol layers (`wire`, then `pdu` above it, then
//! `framing` above that) and depends on nothing else in the crate; a test keeps it so.

mod error;
mod header;
mod ids;
pub(crate) mod reader;
mod tlv_tag;
pub(crate) mod writer;

pub use error::{DecodeError, EncodeError, Field};
pub(crate) use header::check_header;
pub use header::{Header, DEFAULT_MAX_COMMAND_LENGTH, HEADER_LEN};
pub use ids::{CommandId, CommandStatus};
pub use tlv_tag::{TlvKind, TlvTag};
