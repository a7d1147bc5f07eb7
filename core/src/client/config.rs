//! How the ESME endpoint connects and binds ([`ClientConfig`]), what the application sees
//! of its link ([`LinkState`]), and the [`Response`] to a request.

use crate::codec::{DecodeError, Frame};
use crate::pdu::{Bind, Npi, Ton};
use crate::pdu::{Body, CommandStatus, Pdu};
use crate::reconnect::ReconnectPolicy;
use crate::session::SessionConfig;
use crate::session::{BindType, CloseReason};
use crate::trace::Trace;
use alloc::string::String;
use core::fmt;

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

    /// The `message_id` of a `submit_sm_resp`, `data_sm_resp`, `submit_multi_resp` or
    /// (SMPP 5.0) `broadcast_sm_resp` (`None` for other responses, or when it does not
    /// parse).
    pub fn message_id(&self) -> Option<String> {
        let id = match self.pdu().ok()?.body {
            Body::SubmitSmResp(r) | Body::DataSmResp(r) | Body::BroadcastSmResp(r) => r.message_id,
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

impl LinkState {
    /// The SMPP 3.4 session state (section 2.2) this link state is in: `OPEN` while the
    /// bind is on its way, `BOUND_TX` / `BOUND_RX` / `BOUND_TRX` once bound, `CLOSED` when
    /// over; `None` while there is no connection (connecting, or waiting to reconnect) and
    /// while a local unbind drains (the bind type is not kept then).
    pub const fn session_state(&self) -> Option<crate::session::State> {
        use crate::session::State;
        match *self {
            LinkState::Connecting | LinkState::Reconnecting { .. } | LinkState::Unbinding => None,
            LinkState::Binding => Some(State::Open),
            LinkState::Bound(b) => Some(State::Bound(b)),
            LinkState::Closed(_) => Some(State::Closed),
        }
    }
}

/// The SMPP 3.4 names where the link has a session (`OPEN`, `BOUND_TRX`, `CLOSED`, ...),
/// else `CONNECTING`, `RECONNECTING (attempt N in D)`, `UNBINDING`; a closed link adds its
/// reason: `CLOSED (peer unbound)`.
impl fmt::Display for LinkState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkState::Connecting => f.write_str("CONNECTING"),
            LinkState::Reconnecting { attempt, delay } => {
                write!(f, "RECONNECTING (attempt {attempt} in {delay:?})")
            }
            LinkState::Unbinding => f.write_str("UNBINDING"),
            LinkState::Closed(Some(reason)) => write!(f, "CLOSED ({reason})"),
            LinkState::Closed(None) => f.write_str("CLOSED"),
            LinkState::Binding | LinkState::Bound(_) => match self.session_state() {
                Some(state) => write!(f, "{state}"),
                None => Ok(()),
            },
        }
    }
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
            // 0x34 by default; 0x50 when `session.max_version` opts in to SMPP 5.0.
            interface_version: self.session.max_version.interface_version(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{MessageIdResp, SubmitMultiResp};
    use alloc::string::ToString;

    #[test]
    fn link_states_read_as_smpp_states() {
        let names = [
            (LinkState::Connecting, "CONNECTING"),
            (LinkState::Binding, "OPEN"),
            (LinkState::Bound(BindType::Transmitter), "BOUND_TX"),
            (LinkState::Bound(BindType::Receiver), "BOUND_RX"),
            (LinkState::Bound(BindType::Transceiver), "BOUND_TRX"),
            (LinkState::Unbinding, "UNBINDING"),
            (LinkState::Closed(None), "CLOSED"),
            (
                LinkState::Closed(Some(CloseReason::PeerUnbound)),
                "CLOSED (peer unbound)",
            ),
        ];
        for (state, name) in names {
            assert_eq!(state.to_string(), name);
        }
        assert_eq!(LinkState::Connecting.session_state(), None);
    }

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
        let r = resp(Body::DataSmResp(MessageIdResp::new(b"d7")));
        assert_eq!(r.message_id().as_deref(), Some("d7"));
        let r = resp(Body::BroadcastSmResp(MessageIdResp::new(b"bc42")));
        assert_eq!(r.message_id().as_deref(), Some("bc42"));
        assert_eq!(resp(Body::EnquireLinkResp).message_id(), None);
        assert_eq!(resp(Body::CancelBroadcastSmResp).message_id(), None);
    }
}
