//! What a session reports to the application.

use super::error::CloseReason;
use super::state::BindType;
use crate::codec::{DecodeError, Frame};
use crate::framing::DefaultBuf;
use crate::pdu::{CommandId, CommandStatus};
use crate::time::{Duration, Instant};

/// An event drained with [`Session::poll_event`](super::Session::poll_event). `B` is the
/// buffer of the frames it carries: [`bytes::Bytes`] for the heap session (the default),
/// `heapless::Vec<u8, PDU>` for [`Fixed`](super::Fixed).
///
/// Every request the application sends ends in exactly one of [`Event::Response`],
/// [`Event::MismatchedResponse`], [`Event::ResponseTimeout`] or [`Event::RequestFailed`]. [`Event::Closed`] comes exactly
/// once, last.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<B: AsRef<[u8]> = DefaultBuf> {
    /// ESME: the bind succeeded. `frame` is the `bind_*_resp`.
    Bound {
        /// The bind type now in force.
        bind_type: BindType,
        /// The response (its `system_id` names the SMSC).
        frame: Frame<B>,
    },
    /// ESME: the bind failed (error status or timeout); [`Event::Closed`] follows.
    BindFailed {
        /// The status of the response, or `None` for a timeout.
        status: Option<CommandStatus>,
    },
    /// ESME: the SMSC sent `outbind`; answer with [`Session::bind`](super::Session::bind)
    /// (a `bind_receiver`) or close.
    Outbind {
        /// The `outbind` PDU (system_id, password).
        frame: Frame<B>,
    },
    /// SMSC: a bind request arrived; answer with
    /// [`Session::accept_bind`](super::Session::accept_bind) or
    /// [`Session::reject_bind`](super::Session::reject_bind).
    BindRequest {
        /// The requested bind type.
        bind_type: BindType,
        /// The bind PDU (system_id, password, ...).
        frame: Frame<B>,
    },
    /// The peer sent a request (`submit_sm`, `deliver_sm`, `data_sm`, ...). Unless
    /// `auto_responded`, answer it with [`Session::respond`](super::Session::respond).
    Request {
        /// The request PDU.
        frame: Frame<B>,
        /// True when the session already answered it (`auto_respond`).
        auto_responded: bool,
    },
    /// The response to one of our requests (a `generic_nack` with its sequence number
    /// counts).
    Response {
        /// The request's command.
        request: CommandId,
        /// The response PDU.
        frame: Frame<B>,
        /// Time from sending the request to receiving this response.
        rtt: Duration,
    },
    /// One of our requests got no response within the response timeout; a response that
    /// arrives later is reported as [`Event::UnmatchedResponse`] with `late: true`.
    ResponseTimeout {
        /// The request's sequence number.
        sequence_number: u32,
        /// The request's command.
        request: CommandId,
    },
    /// One of our requests can no longer complete: the session closed.
    RequestFailed {
        /// The request's sequence number.
        sequence_number: u32,
        /// The request's command.
        request: CommandId,
        /// Why the session closed.
        reason: CloseReason,
    },
    /// One of our requests was answered with a PDU that is neither its response nor
    /// `generic_nack` (say a `submit_sm` answered with `cancel_sm_resp`): a protocol error,
    /// and that request's outcome. Counted in `Counters::mismatched_responses`. For a bind,
    /// [`Event::BindFailed`] and [`Event::Closed`] follow.
    MismatchedResponse {
        /// The request's sequence number.
        sequence_number: u32,
        /// The request's command.
        request: CommandId,
        /// The PDU received (its `command_id` is the wrong one).
        frame: Frame<B>,
    },
    /// A response matched no outstanding request.
    UnmatchedResponse {
        /// The response PDU.
        frame: Frame<B>,
        /// True when it answers a request that already timed out (reported once).
        late: bool,
    },
    /// The peer answered `ESME_RTHROTTLED` or `ESME_RMSGQFUL` and a throttle episode began:
    /// sending pauses until `resume_at`, keeping order (requests sent meanwhile queue), then
    /// one request probes. Further throttle answers to requests already on the wire belong to
    /// the same episode and raise no event (see `SessionConfig::throttle_backoff`).
    Throttled {
        /// The status received.
        status: CommandStatus,
        /// When sending resumes.
        resume_at: Instant,
    },
    /// The peer sent a PDU that could not be decoded; the session answered it as the
    /// specification says (`generic_nack` or an error response) and goes on.
    InvalidPdu {
        /// What was wrong.
        error: DecodeError,
        /// The command id in the header.
        command_id: CommandId,
        /// The sequence number in the header.
        sequence_number: u32,
        /// The status answered, when an answer was sent.
        answered: Option<CommandStatus>,
    },
    /// The peer sent a request that is not allowed in this state, direction or bind, or
    /// that this server does not support; it was answered with `status`.
    RejectedRequest {
        /// The request's command.
        command_id: CommandId,
        /// Its sequence number.
        sequence_number: u32,
        /// The status answered.
        status: CommandStatus,
    },
    /// The session is over. Emitted exactly once, last. Flush
    /// [`Session::poll_transmit`](super::Session::poll_transmit) before closing the socket.
    Closed {
        /// Why.
        reason: CloseReason,
    },
}
