//! The error type of every runtime's client and server (re-exported by each runtime as
//! its `Error`).

use smpp_core::client::Response;
use smpp_core::server::{DeliverError, LimitError, RequestOutcome};
use smpp_core::session::{CloseReason, SessionError};
use smpp_core::{CommandId, CommandStatus};
use std::fmt;

/// Why an operation of the client or server failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A socket operation failed (connect, accept, bind of a listener).
    Io(std::io::Error),
    /// Connect did not complete within `connect_timeout`.
    ConnectTimeout,
    /// The SMSC answered the bind with an error status (or nothing in time: `None`).
    BindFailed(Option<CommandStatus>),
    /// The link closed (or was closed) before the request completed.
    ConnectionLost(CloseReason),
    /// No response within the response timeout.
    Timeout,
    /// The peer answered the request with a PDU that is neither its response nor
    /// `generic_nack` (a protocol error; for a bind, the bind failed).
    MismatchedResponse {
        /// The request's command.
        request: CommandId,
        /// The `command_id` received instead.
        response: CommandId,
    },
    /// Refused locally by the session (window full, wrong bind, invalid field, ...).
    Session(SessionError),
    /// The client or server was shut down.
    Closed,
    /// A limit refused the operation (server).
    Limit(LimitError),
    /// The server's delivery queue refused a message (full, shutting down, or not a
    /// `deliver_sm` / `data_sm`); nothing was queued.
    Deliver(DeliverError),
    /// TLS failed: a handshake (unknown CA, wrong server name, a peer that does not speak
    /// TLS, no handshake within the bind timeout) or the TLS configuration (unreadable
    /// certificate or key). The text names the problem.
    Tls(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::ConnectTimeout => f.write_str("connect timed out"),
            Error::BindFailed(Some(s)) => write!(f, "bind failed: {s}"),
            Error::BindFailed(None) => f.write_str("bind failed: no response in time"),
            Error::ConnectionLost(r) => write!(f, "connection lost: {r}"),
            Error::Timeout => f.write_str("no response within the response timeout"),
            Error::MismatchedResponse { request, response } => {
                write!(f, "protocol error: {request} answered with {response}")
            }
            Error::Session(e) => write!(f, "refused by the session: {e}"),
            Error::Closed => f.write_str("shut down"),
            Error::Limit(e) => write!(f, "limit reached: {e}"),
            Error::Deliver(e) => write!(f, "delivery refused: {e}"),
            Error::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Session(e) => Some(e),
            Error::Limit(e) => Some(e),
            Error::Deliver(e) => Some(e),
            _ => None,
        }
    }
}

/// A request's outcome as its waiter gets it: the response, or the error that ended it.
pub fn outcome_result(outcome: RequestOutcome) -> Result<Response, Error> {
    match outcome {
        RequestOutcome::Response { frame, rtt } => Ok(Response {
            frame,
            rtt: rtt.into(),
        }),
        RequestOutcome::Timeout => Err(Error::Timeout),
        RequestOutcome::ConnectionLost(r) => Err(Error::ConnectionLost(r)),
        RequestOutcome::MismatchedResponse { request, frame } => {
            let response = frame.command_id();
            log::warn!(
                "smpp: protocol error: {request} (sequence number {}) answered with {response}",
                frame.sequence_number()
            );
            Err(Error::MismatchedResponse { request, response })
        }
    }
}

/// The error of a first bind that did not succeed, from the reason its session closed
/// (`shut`: the application shut the client down meanwhile).
pub fn bind_error(reason: Option<CloseReason>, shut: bool) -> Error {
    match reason {
        Some(CloseReason::BindTimeout) => Error::BindFailed(None),
        Some(CloseReason::BindFailed(s)) => Error::BindFailed(Some(s)),
        Some(CloseReason::MismatchedResponse { request, response }) => {
            log::warn!("smpp: protocol error: {request} answered with {response}");
            Error::MismatchedResponse { request, response }
        }
        Some(r) if !shut => Error::ConnectionLost(r),
        _ => Error::Closed,
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<SessionError> for Error {
    fn from(e: SessionError) -> Self {
        Error::Session(e)
    }
}

impl From<DeliverError> for Error {
    fn from(e: DeliverError) -> Self {
        Error::Deliver(e)
    }
}

impl From<LimitError> for Error {
    fn from(e: LimitError) -> Self {
        Error::Limit(e)
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use smpp_core::CommandStatus;

    #[test]
    fn display() {
        let e = Error::BindFailed(Some(CommandStatus::ESME_RINVPASWD));
        assert_eq!(e.to_string(), "bind failed: ESME_RINVPASWD (0x0000000E)");
        assert_eq!(
            Error::BindFailed(None).to_string(),
            "bind failed: no response in time"
        );
        assert_eq!(Error::Tls("x".into()).to_string(), "TLS: x");
    }
}
