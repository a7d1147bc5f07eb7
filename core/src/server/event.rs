//! What the SMSC endpoint tells its driver and the application.

use super::auth::BindRequest;
use super::outbind::OutbindId;
use super::queue::{AttemptFailure, DeliveryId, DeliveryOutcome};
use super::registry::BindId;
use crate::codec::Frame;
use crate::session::{BindType, CloseReason, Counters, SmppVersion, State};
use crate::{CommandId, CommandStatus};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use core::net::SocketAddr;

/// Who sent a request, for the application's handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestContext {
    /// The connection.
    pub bind_id: BindId,
    /// The account (`system_id` of the bind).
    pub account: String,
    /// Its bind type.
    pub bind_type: BindType,
    /// The ESME's address.
    pub peer: SocketAddr,
}

/// A bound session, as [`Endpoint::sessions`](super::Endpoint::sessions) lists it.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// The connection.
    pub bind_id: BindId,
    /// The account.
    pub account: String,
    /// The ESME's address.
    pub peer: SocketAddr,
    /// Its bind type.
    pub bind_type: BindType,
    /// The session's counters now.
    pub counters: Counters,
    /// Its state (`BOUND_TX`, `BOUND_RX` or `BOUND_TRX` while it serves; `UNBINDING` once
    /// an unbind is under way).
    pub state: State,
    /// Our requests to the ESME outstanding (sent or queued, awaiting a response): the
    /// occupancy of the session window.
    pub in_flight: usize,
    /// The ESME's requests still waiting for our answer: the occupancy of the peer window.
    pub unanswered: usize,
    /// The bind's `interface_version` (0x34 for SMPP 3.4, 0x50 for 5.0).
    pub interface_version: Option<u8>,
    /// The version the session negotiated: the lower of the bind's and
    /// [`SessionConfig::max_version`](crate::session::SessionConfig::max_version).
    pub version: Option<SmppVersion>,
    /// The last `congestion_state` the ESME reported in a response (5.0 sessions).
    pub peer_congestion: Option<u8>,
    /// The `congestion_state` our responses carry on a 5.0 session now.
    pub congestion_state: u8,
}

/// Work for the application from one connection
/// ([`Endpoint::poll_request`](super::Endpoint::poll_request)).
#[derive(Clone, Debug)]
pub enum ConnEvent {
    /// A bind to decide on: answer with
    /// [`Endpoint::authenticated`](super::Endpoint::authenticated).
    Authenticate(Box<BindRequest>),
    /// A request to answer with [`Endpoint::reply`](super::Endpoint::reply).
    Request {
        /// Who sent it (shared by all requests of the bind).
        ctx: Arc<RequestContext>,
        /// The request.
        frame: Frame,
    },
}

/// How one of the application's own requests to a bound ESME ended
/// ([`Endpoint::send`](super::Endpoint::send)).
#[derive(Clone, Debug)]
pub enum RequestOutcome {
    /// The response (a `generic_nack` counts).
    Response {
        /// The response PDU.
        frame: Frame,
        /// From writing the request to reading the response.
        rtt: crate::Duration,
    },
    /// No response within the session's response timeout.
    Timeout,
    /// The connection closed first.
    ConnectionLost(CloseReason),
    /// The peer answered with a PDU that is neither the request's response nor
    /// `generic_nack`: a protocol error.
    MismatchedResponse {
        /// The request's command.
        request: CommandId,
        /// The PDU received instead (its `command_id` names the wrong response).
        frame: Frame,
    },
}

/// The outcome of an application request, for its waiter
/// ([`Endpoint::poll_response`](super::Endpoint::poll_response)).
#[derive(Clone, Debug)]
pub struct AppResponse {
    /// The connection the request went to.
    pub bind_id: BindId,
    /// Its sequence number, as [`Endpoint::send`](super::Endpoint::send) returned it.
    pub sequence_number: u32,
    /// How it ended.
    pub outcome: RequestOutcome,
}

/// What happens on the server, for the application
/// ([`Endpoint::poll_event`](super::Endpoint::poll_event)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A bind was accepted.
    Bound {
        /// The connection.
        bind_id: BindId,
        /// The account.
        account: String,
        /// Its bind type.
        bind_type: BindType,
        /// The ESME's address.
        peer: SocketAddr,
    },
    /// A bind was refused (authenticator, limits, shutdown, a malformed bind).
    BindRejected {
        /// The account asked for.
        system_id: String,
        /// The ESME's address.
        peer: SocketAddr,
        /// The status answered.
        status: CommandStatus,
    },
    /// A bound session ended.
    Closed {
        /// The connection.
        bind_id: BindId,
        /// Why.
        reason: CloseReason,
    },
    /// A connection was refused at once: `max_connections` are open. Rate-limited to one
    /// event a second; `suppressed` counts the refusals not reported since the last one.
    ConnectionRefused {
        /// The refused peer.
        peer: SocketAddr,
        /// The connections open.
        open: usize,
        /// Refusals not reported since the previous event.
        suppressed: u64,
    },
    /// A delivery was accepted while the account has no receiver-capable bind: it waits.
    Queued {
        /// The delivery.
        id: DeliveryId,
        /// The account.
        account: String,
    },
    /// The delivery store kept a delivery ([`DeliveryPolicy::durable`](super::DeliveryPolicy::durable)):
    /// from now on it survives a restart of this process.
    Stored {
        /// The delivery.
        id: DeliveryId,
        /// The account.
        account: String,
        /// Kept for this endpoint, or for every node sharing the store.
        placement: super::Placement,
    },
    /// A delivery was refused because the queue is full (it was never accepted).
    Overflow {
        /// The account.
        account: String,
    },
    /// A delivery attempt failed temporarily; the message is back at its position and
    /// will be tried again.
    Retrying {
        /// The delivery.
        id: DeliveryId,
        /// The account.
        account: String,
        /// The bind that failed.
        bind_id: BindId,
        /// How.
        failure: AttemptFailure,
        /// Attempts made so far.
        attempts: u32,
    },
    /// A delivery ended: delivered, refused for good, or given up.
    Delivery {
        /// The delivery.
        id: DeliveryId,
        /// The account.
        account: String,
        /// How.
        outcome: DeliveryOutcome,
    },
    /// A connection out for outbind failed or ended; the next attempt follows after
    /// `retry_in` (`None`: given up).
    OutbindFailed {
        /// The outbind target.
        id: OutbindId,
        /// Its address.
        addr: SocketAddr,
        /// Failed attempts in a row.
        attempt: u32,
        /// The wait before the next attempt.
        retry_in: Option<crate::Duration>,
    },
    /// An ESME connected for outbind: `outbind` was sent on this connection.
    Outbound {
        /// The outbind target.
        id: OutbindId,
        /// The new connection.
        bind_id: BindId,
    },
}
