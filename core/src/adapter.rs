//! Plain data types of the runtime adapters' public API (`smpp_smol`, `smpp_blocking`),
//! which both re-export under the same names: their settings ([`ClientConfig`],
//! [`ServerConfig`]), the [`Response`] to a request, the client's
//! [`LinkState`], and the server's [`RequestContext`], [`SessionInfo`], [`Delivery`] and
//! [`ServerEvent`]. They hold no I/O and no runtime: the adapters fill them in.

use crate::codec::{DecodeError, Frame};
use crate::guard::FailedBindPolicy;
use crate::pdu::{Bind, Npi, Ton};
use crate::pdu::{Body, CommandStatus, Pdu};
use crate::reconnect::ReconnectPolicy;
use crate::routing::BindId;
use crate::routing::RegistryLimits;
use crate::session::SessionConfig;
use crate::session::{BindType, CloseReason, Counters};
use crate::trace::Trace;
use alloc::string::String;
use core::fmt;
use core::net::SocketAddr;

/// The response to one of our requests.
#[derive(Clone, Debug)]
pub struct Response {
    /// The response PDU (a `generic_nack` with the request's sequence number counts).
    pub frame: Frame,
    /// Time from writing the request to receiving this response.
    pub rtt: core::time::Duration,
}

impl Response {
    /// The response's `command_status`.
    pub fn status(&self) -> CommandStatus {
        self.frame.command_status()
    }

    /// Parses the response.
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        self.frame.pdu()
    }

    /// The `message_id` of a `submit_sm_resp`, `data_sm_resp` or `submit_multi_resp`
    /// (`None` for other responses, or when it does not parse).
    pub fn message_id(&self) -> Option<String> {
        let id = match self.pdu().ok()?.body {
            Body::SubmitSmResp(r) | Body::DataSmResp(r) => r.message_id,
            Body::SubmitMultiResp(r) => r.message_id,
            _ => return None,
        };
        Some(String::from_utf8_lossy(id).into_owned())
    }
}

/// Connection state visible to the application (a client's `state()` and
/// `state_changes()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Opening the connection (or waiting for the SMSC's `outbind`).
    Connecting,
    /// Connected, the bind request is on its way.
    Binding,
    /// Bound with this bind type.
    Bound(BindType),
    /// The link was lost; the next attempt starts after `delay`.
    Reconnecting {
        /// 1 for the first attempt after a loss.
        attempt: u32,
        /// The back-off before this attempt.
        delay: core::time::Duration,
    },
    /// A local unbind is in progress (outstanding requests drain first).
    Unbinding,
    /// Over for good, with the reason of the last session's close (`None`: no session was
    /// ever established).
    Closed(Option<CloseReason>),
}

/// Who sent a request, for the server's handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestContext {
    /// The bind (the connection).
    pub bind_id: BindId,
    /// The account (`system_id` of the bind).
    pub account: String,
    /// Its bind type.
    pub bind_type: BindType,
    /// The ESME's (client's) address.
    pub peer: SocketAddr,
}

/// A bound session, as the server's `sessions()` lists it.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    /// The bind (the connection).
    pub bind_id: BindId,
    /// The account.
    pub account: String,
    /// The ESME's (client's) address.
    pub peer: SocketAddr,
    /// Its bind type.
    pub bind_type: BindType,
    /// The session's counters now.
    pub counters: Counters,
}

/// The outcome of the server's `deliver`.
#[derive(Debug)]
pub enum Delivery {
    /// Sent to a bound receiver, which answered.
    Delivered(Response),
    /// No receiver is bound (or older messages wait): stored, to be sent in order to the
    /// next receiver-capable bind of the account.
    Queued,
    /// No receiver is bound and the store is full: not stored (the caller still holds the
    /// message).
    Rejected,
}

/// What happens on a server, for the application (the server's `events()`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// A bind was accepted.
    Bound {
        /// The bind (the connection).
        bind_id: BindId,
        /// The account.
        account: String,
        /// Its bind type.
        bind_type: BindType,
        /// The ESME's (client's) address.
        peer: SocketAddr,
    },
    /// A bind was refused (authenticator, limits, or shutdown).
    BindRejected {
        /// The account asked for.
        system_id: String,
        /// The ESME's (client's) address.
        peer: SocketAddr,
        /// The status answered.
        status: CommandStatus,
    },
    /// A bound session ended.
    Closed {
        /// The bind (the connection).
        bind_id: BindId,
        /// Why.
        reason: CloseReason,
    },
    /// A message for an account without a receiver was stored.
    Queued {
        /// The account.
        account: String,
    },
    /// A message could not be stored: the store is full.
    Overflow {
        /// The account.
        account: String,
    },
}

/// How a client (`Client` of either runtime adapter) connects and binds.
#[derive(Clone)]
pub struct ClientConfig {
    /// Window, timers, throttling, ... (the role is forced to ESME).
    pub session: SessionConfig,
    /// The bind to request (default transceiver; an outbind always binds as receiver).
    pub bind_type: BindType,
    /// The account (`system_id`, at most 15 octets).
    pub system_id: String,
    /// The password (at most 8 octets). Never traced or printed.
    pub password: String,
    /// `system_type` (often empty).
    pub system_type: String,
    /// `addr_ton` of the address range.
    pub addr_ton: u8,
    /// `addr_npi` of the address range.
    pub addr_npi: u8,
    /// `address_range` (often empty).
    pub address_range: String,
    /// Time allowed to open the TCP connection (default 10 s).
    pub connect_timeout: core::time::Duration,
    /// Reconnect and rebind after a lost link (default `None`: the client closes).
    pub reconnect: Option<ReconnectPolicy>,
    /// PDU tracing.
    pub trace: Trace,
}

impl ClientConfig {
    /// A transceiver bind with `system_id` and `password`, default session settings, no
    /// reconnect and no tracing.
    pub fn new(system_id: &str, password: &str) -> ClientConfig {
        ClientConfig {
            session: SessionConfig::esme(),
            bind_type: BindType::Transceiver,
            system_id: system_id.into(),
            password: password.into(),
            system_type: String::new(),
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
            connect_timeout: core::time::Duration::from_secs(10),
            reconnect: None,
            trace: Trace::Off,
        }
    }

    /// The bind PDU's body for these settings (`interface_version` 0x34).
    pub fn bind_body(&self) -> Bind<'_> {
        Bind {
            system_id: self.system_id.as_bytes(),
            password: self.password.as_bytes(),
            system_type: self.system_type.as_bytes(),
            interface_version: 0x34,
            addr_ton: Ton(self.addr_ton),
            addr_npi: Npi(self.addr_npi),
            address_range: self.address_range.as_bytes(),
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("session", &self.session)
            .field("bind_type", &self.bind_type)
            .field("system_id", &self.system_id)
            .field("password", &"***")
            .field("system_type", &self.system_type)
            .field("addr_ton", &self.addr_ton)
            .field("addr_npi", &self.addr_npi)
            .field("address_range", &self.address_range)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect", &self.reconnect)
            .field("trace", &self.trace)
            .finish()
    }
}

/// How a server (`Server` of either runtime adapter) runs.
///
/// The defaults are meant for a server facing the Internet: every resource a peer can make
/// the server hold is bounded by one of these settings (see "Resource bounds" in
/// `docs/runtime-api.md`).
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Window, timers, supported commands, ... (the role is forced to SMSC). Its
    /// `peer_window` (64 by default) bounds the requests of one connection waiting for the
    /// handler: requests beyond it are answered `ESME_RTHROTTLED`, so keep it at least as
    /// large as the clients' windows.
    ///
    /// The server's defaults differ from [`SessionConfig::smsc`] in two places (see
    /// [`ServerConfig::default_session`]): `max_pdu_len` is 4 096 octets (a `submit_sm`
    /// with a 254-octet `short_message` and its usual TLVs needs well under 1 KiB; raise
    /// it, for example to
    /// [`DEFAULT_MAX_COMMAND_LENGTH`](crate::pdu::DEFAULT_MAX_COMMAND_LENGTH), to accept
    /// `message_payload` TLVs of up to 64 KiB), and `bind_timeout` is 10 s (a connection
    /// that has not bound by then is closed). `inactivity_timeout` is 120 s (a bound peer
    /// that sends nothing is unbound and closed).
    pub session: SessionConfig,
    /// Sent in every `bind_*_resp` (default `"smpp"`).
    pub system_id: String,
    /// The `sc_interface_version` TLV of `bind_*_resp` (default `Some(0x34)`).
    pub sc_interface_version: Option<u8>,
    /// Bind limits, server-wide and per account (a refused bind gets `ESME_RBINDFAIL` and
    /// its connection is closed). Default: none beyond `max_connections`.
    pub limits: RegistryLimits,
    /// Most connections open at once, bound or not, counted from `accept` (default 1 000).
    /// A connection beyond it is accepted and closed at once, without a PDU; refusals are
    /// logged (at most one line a second).
    pub max_connections: usize,
    /// How failed binds from one IP address hold back further failed-bind answers to it
    /// (default: after 3 failures within 60 s, 1 s doubling up to 8 s; at most 10 000
    /// addresses remembered).
    pub failed_binds: FailedBindPolicy,
    /// Events kept for each subscriber of the server's `events()` that does not keep up
    /// (default 10 000); further events are dropped for that subscriber.
    pub event_capacity: usize,
    /// Capacity of the in-memory message store per account (default 10 000).
    pub store_per_account: usize,
    /// Capacity of the in-memory message store overall (default 100 000).
    pub store_total: usize,
    /// PDU tracing.
    pub trace: Trace,
}

impl ServerConfig {
    /// The server's default session settings: [`SessionConfig::smsc`] with `max_pdu_len`
    /// 4 096 and `bind_timeout` 10 s.
    pub fn default_session() -> SessionConfig {
        SessionConfig {
            max_pdu_len: 4096,
            bind_timeout: crate::Duration::from_secs(10),
            inactivity_timeout: Some(crate::Duration::from_secs(120)),
            ..SessionConfig::smsc()
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            session: ServerConfig::default_session(),
            system_id: "smpp".into(),
            sc_interface_version: Some(0x34),
            limits: RegistryLimits::default(),
            max_connections: 1_000,
            failed_binds: FailedBindPolicy::default(),
            event_capacity: 10_000,
            store_per_account: 10_000,
            store_total: 100_000,
            trace: Trace::Off,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{MessageIdResp, SubmitMultiResp};

    #[test]
    fn response_message_id() {
        let resp = |body| Response {
            frame: Frame::encode(&Pdu::new(9, body)).unwrap(),
            rtt: core::time::Duration::ZERO,
        };
        let r = resp(Body::SubmitSmResp(MessageIdResp::new(b"abc")));
        assert_eq!(r.message_id().as_deref(), Some("abc"));
        assert!(r.status().is_ok());
        let r = resp(Body::SubmitMultiResp(SubmitMultiResp {
            message_id: b"m1",
            ..SubmitMultiResp::EMPTY
        }));
        assert_eq!(r.message_id().as_deref(), Some("m1"));
        assert_eq!(resp(Body::EnquireLinkResp).message_id(), None);
    }
}
