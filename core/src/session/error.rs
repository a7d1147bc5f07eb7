//! Errors from session commands (local misuse) and the reasons a session closes.

use super::state::State;
use crate::codec::{DecodeError, EncodeError};
use crate::pdu::{CommandId, CommandStatus};
use core::fmt;

/// Why a command from the application was refused. Nothing was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The session is closed.
    Closed,
    /// The command needs another state (for example `send` before the bind completed,
    /// `bind` when already bound).
    InvalidState {
        /// The state the session is in.
        state: State,
    },
    /// This role never sends this request (an ESME cannot send `deliver_sm`, an SMSC cannot
    /// send `submit_sm`).
    WrongDirection {
        /// The request.
        command_id: CommandId,
    },
    /// The current bind does not allow this request (a receiver cannot submit).
    NotAllowedInBind {
        /// The request.
        command_id: CommandId,
        /// The state the session is in.
        state: State,
    },
    /// The body is a response (or `generic_nack`) where a request was expected.
    NotARequest {
        /// The body's command.
        command_id: CommandId,
    },
    /// The request has its own command: bind, unbind and outbind are sent with
    /// [`Session::bind`](super::Session::bind), [`Session::unbind`](super::Session::unbind)
    /// and [`Session::outbind`](super::Session::outbind).
    UseDedicatedCommand {
        /// The request.
        command_id: CommandId,
    },
    /// The request belongs to a later SMPP version than the session negotiated (a 5.0
    /// `broadcast_sm` on a 3.4 session).
    NotNegotiated {
        /// The request.
        command_id: CommandId,
        /// The session's negotiated version.
        version: super::SmppVersion,
    },
    /// `window` requests are already outstanding.
    WindowFull {
        /// The configured window.
        window: usize,
    },
    /// `respond` named a sequence number no unanswered request of the peer has.
    UnknownRequest {
        /// The sequence number given.
        sequence_number: u32,
    },
    /// `respond` gave a body that does not answer the request.
    WrongResponse {
        /// The response the request needs.
        expected: CommandId,
        /// The body given.
        got: CommandId,
    },
    /// A field is invalid; the encoder's error names it.
    Encode(EncodeError),
    /// [`Fixed`](super::Fixed) storage only: the PDU (`needed` octets) does not fit in the
    /// transmit buffer (keeping its reserve for the session's own PDUs) or, for a request
    /// that must queue, in the queue's copies. Nothing was sent; try again once
    /// [`Session::advance_transmit`](super::Session::advance_transmit) made room.
    TransmitFull {
        /// Octets the PDU needs.
        needed: usize,
    },
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::Closed => f.write_str("session is closed"),
            SessionError::InvalidState { state } => {
                write!(f, "not possible in state {state}")
            }
            SessionError::WrongDirection { command_id } => {
                write!(f, "{command_id} is not sent by this role")
            }
            SessionError::NotAllowedInBind { command_id, state } => {
                write!(f, "{command_id} is not allowed in state {state}")
            }
            SessionError::NotARequest { command_id } => {
                write!(f, "{command_id} is not a request")
            }
            SessionError::UseDedicatedCommand { command_id } => {
                write!(f, "{command_id} has its own session command")
            }
            SessionError::NotNegotiated {
                command_id,
                version,
            } => {
                write!(
                    f,
                    "{command_id} needs SMPP 5.0; the session negotiated SMPP {version}"
                )
            }
            SessionError::WindowFull { window } => {
                write!(f, "window full: {window} requests outstanding")
            }
            SessionError::UnknownRequest { sequence_number } => {
                write!(
                    f,
                    "no unanswered request with sequence number {sequence_number}"
                )
            }
            SessionError::WrongResponse { expected, got } => {
                write!(f, "{got} does not answer the request (expected {expected})")
            }
            SessionError::Encode(e) => write!(f, "invalid PDU: {e}"),
            SessionError::TransmitFull { needed } => {
                write!(f, "the transmit buffer has no room for {needed} octets")
            }
        }
    }
}

impl core::error::Error for SessionError {}

impl From<EncodeError> for SessionError {
    #[inline]
    fn from(e: EncodeError) -> Self {
        match e {
            // The session's buffers grow on the heap; only fixed ones can be too small.
            EncodeError::BufferTooSmall { needed } => SessionError::TransmitFull { needed },
            e => SessionError::Encode(e),
        }
    }
}

/// Why a session closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// Our unbind completed (`unbind_resp` received).
    Unbound,
    /// The peer unbound (we answered its `unbind`).
    PeerUnbound,
    /// The peer closed the connection (EOF between PDUs).
    PeerClosed,
    /// The connection ended in the middle of a PDU.
    UnexpectedEof,
    /// ESME: the bind was answered with an error status.
    BindFailed(CommandStatus),
    /// SMSC: the application rejected the bind with this status.
    BindRejected(CommandStatus),
    /// No bind (response) within the bind timeout.
    BindTimeout,
    /// An automatic `enquire_link` got no response in time: the link is dead.
    EnquireLinkTimeout,
    /// Nothing was received for the inactivity timeout.
    InactivityTimeout,
    /// The `unbind_resp` did not arrive in time.
    UnbindTimeout,
    /// The peer sent a stream that cannot be framed (a bad `command_length`).
    ProtocolError(DecodeError),
    /// The peer does not read: the transmit buffer or receive buffer overflowed.
    BufferOverflow,
    /// The application aborted the session.
    Aborted,
    /// ESME: the bind was answered with a PDU that is neither its response nor
    /// `generic_nack`.
    MismatchedResponse {
        /// The request (a bind).
        request: CommandId,
        /// The `command_id` received instead.
        response: CommandId,
    },
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseReason::Unbound => f.write_str("unbound"),
            CloseReason::PeerUnbound => f.write_str("peer unbound"),
            CloseReason::PeerClosed => f.write_str("peer closed the connection"),
            CloseReason::UnexpectedEof => f.write_str("connection closed in the middle of a PDU"),
            CloseReason::BindFailed(s) => write!(f, "bind failed: {s}"),
            CloseReason::BindRejected(s) => write!(f, "bind rejected: {s}"),
            CloseReason::BindTimeout => f.write_str("bind timed out"),
            CloseReason::EnquireLinkTimeout => f.write_str("enquire_link got no response"),
            CloseReason::InactivityTimeout => f.write_str("inactivity timeout"),
            CloseReason::UnbindTimeout => f.write_str("unbind_resp timed out"),
            CloseReason::ProtocolError(e) => write!(f, "protocol error: {e}"),
            CloseReason::BufferOverflow => f.write_str("peer does not read: buffer overflow"),
            CloseReason::Aborted => f.write_str("aborted"),
            CloseReason::MismatchedResponse { request, response } => {
                write!(f, "{request} answered with {response}")
            }
        }
    }
}
