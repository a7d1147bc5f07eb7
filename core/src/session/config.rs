//! Session configuration: window sizes, timers, throttling, limits.

use super::state::Role;
use super::{CommandSet, SmppVersion};
use crate::pdu::{CommandId, ParseOptions};
use crate::time::Duration;

/// What counts as activity for [`SessionConfig::inactivity_timeout`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Inactivity {
    /// Any PDU received from the peer (`enquire_link` included) resets the timer.
    #[default]
    AnyPdu,
    /// Only messages, in either direction: `submit_sm`, `deliver_sm`, `data_sm` and
    /// `submit_multi` requests, sent or received. A peer that only sends `enquire_link`
    /// times out.
    Messages,
}

impl Inactivity {
    /// True when a request of `id`, sent or received, resets the timer in this mode
    /// (in [`Inactivity::AnyPdu`] every received PDU does).
    #[inline]
    pub fn counts(self, id: CommandId) -> bool {
        match self {
            Inactivity::AnyPdu => true,
            Inactivity::Messages => matches!(
                id,
                CommandId::SubmitSm
                    | CommandId::DeliverSm
                    | CommandId::DataSm
                    | CommandId::SubmitMulti
            ),
        }
    }
}

/// Everything a [`Session`](super::Session) can be told. Start from
/// [`SessionConfig::esme`] or [`SessionConfig::smsc`] and adjust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionConfig {
    /// Which side this session plays.
    pub role: Role,
    /// Most requests of ours outstanding at once (sent or queued, awaiting a response).
    /// `send` beyond it fails with [`SessionError::WindowFull`](super::SessionError).
    pub window: usize,
    /// Most requests from the peer left unanswered by the application at once; beyond it
    /// further requests are answered `ESME_RTHROTTLED` automatically.
    pub peer_window: usize,
    /// Largest PDU accepted from the peer; a longer `command_length` is a protocol error
    /// detected before any of its body is buffered.
    pub max_pdu_len: u32,
    /// Receive quirks tolerated when parsing.
    pub parse: ParseOptions,
    /// ESME: time allowed for the bind response. SMSC: time allowed from the connection's
    /// start until a successful bind (a peer that connects and says nothing is closed).
    pub bind_timeout: Duration,
    /// Time allowed for the response to each request.
    pub response_timeout: Duration,
    /// Send `enquire_link` after this long without receiving anything (`None`: never).
    pub enquire_link_interval: Option<Duration>,
    /// Close (after an attempt to unbind) after this long without activity (`None`: never);
    /// what counts as activity is `inactivity`.
    pub inactivity_timeout: Option<Duration>,
    /// What resets the inactivity timer: any PDU received (the default), or only messages.
    pub inactivity: Inactivity,
    /// Time allowed for the `unbind_resp`.
    pub unbind_timeout: Duration,
    /// On a local unbind, how long outstanding requests may take to complete before
    /// `unbind` is sent anyway.
    pub drain_timeout: Duration,
    /// Answer incoming requests (`deliver_sm`, `data_sm`, `submit_sm`, ...) with `ESME_ROK`
    /// automatically; they are still reported as events.
    pub auto_respond: bool,
    /// Most requests sent per second (token bucket), `None` for no limit.
    pub max_send_rate: Option<u32>,
    /// Burst size of the token bucket (at least 1).
    pub send_burst: u32,
    /// How long sending pauses after the peer answers `ESME_RTHROTTLED` or
    /// `ESME_RMSGQFUL`. Answers to requests already on the wire when the pause began belong
    /// to the same episode and do not pause again; then one request probes, and a probe
    /// throttled again doubles the pause, up to `max_throttle_backoff`. After a successful
    /// probe the requests allowed on the wire grow by one per success back to the window.
    pub throttle_backoff: Duration,
    /// Upper bound of the throttle back-off.
    pub max_throttle_backoff: Duration,
    /// How many times a request answered `ESME_RTHROTTLED` or `ESME_RMSGQFUL` is sent again
    /// by the session itself (same sequence number, after the pause, ahead of requests not
    /// yet sent) before that answer is reported as its response. 0 (the default) reports the
    /// first throttle answer. With retries on, the session keeps a copy of each request it
    /// sends (buffers reused across requests).
    pub throttle_retries: u32,
    /// SMSC role: the requests this server implements; anything else is answered with
    /// `generic_nack` `ESME_RINVCMDID`. `None` means every request of the negotiated version
    /// (the 5.0 commands only on 5.0 sessions). Only the message commands (`submit_sm`,
    /// `submit_multi`, `data_sm`, `query_sm`, `cancel_sm`, `replace_sm`, `deliver_sm`,
    /// `alert_notification`, and 5.0's `broadcast_sm`, `query_broadcast_sm`,
    /// `cancel_broadcast_sm`) can be refused this way: binds,
    /// `unbind`, `enquire_link` and the like are always served.
    pub supported_commands: Option<CommandSet>,
    /// Octets that may wait in the transmit buffer before the session stops processing
    /// received input (backpressure on a peer that does not read).
    pub max_transmit_buffer: usize,
    /// The first sequence number this session uses (1 by default; numbers run to
    /// 0x7FFFFFFF and wrap to 1).
    pub first_sequence_number: u32,
    /// The highest SMPP version this side speaks: [`SmppVersion::V3_4`] by default,
    /// [`SmppVersion::V5_0`] to opt in. The session's negotiated version is the lower of this
    /// and the peer's (see [`SmppVersion`] and the `version` module docs).
    pub max_version: SmppVersion,
    /// SMPP 5.0 sessions: the peer's `congestion_state` above which fewer of our requests go
    /// on the wire at once (see [`congestion_cap`](super::congestion_cap)); 90 by default
    /// (nearing congestion), `None` to ignore the peer's congestion (it is still reported).
    pub congestion_threshold: Option<u8>,
}

impl SessionConfig {
    /// Defaults for a client: window 10, 30 s response and bind timeouts, enquire_link
    /// after 30 s idle.
    pub fn esme() -> SessionConfig {
        SessionConfig {
            role: Role::Esme,
            window: 10,
            peer_window: 64,
            max_pdu_len: crate::pdu::DEFAULT_MAX_COMMAND_LENGTH,
            parse: ParseOptions::default(),
            bind_timeout: Duration::from_secs(30),
            response_timeout: Duration::from_secs(30),
            enquire_link_interval: Some(Duration::from_secs(30)),
            inactivity_timeout: None,
            inactivity: Inactivity::AnyPdu,
            unbind_timeout: Duration::from_secs(5),
            drain_timeout: Duration::from_secs(10),
            auto_respond: false,
            max_send_rate: None,
            send_burst: 1,
            throttle_backoff: Duration::from_secs(1),
            max_throttle_backoff: Duration::from_secs(30),
            throttle_retries: 0,
            supported_commands: None,
            max_transmit_buffer: 1 << 20,
            first_sequence_number: 1,
            max_version: SmppVersion::V3_4,
            congestion_threshold: Some(90),
        }
    }

    /// Defaults for a server: window 10, a bind must arrive within 30 s, inactivity close
    /// after 120 s, PDUs up to 64 KiB + headroom.
    #[inline]
    pub fn smsc() -> SessionConfig {
        SessionConfig {
            role: Role::Smsc,
            enquire_link_interval: Some(Duration::from_secs(60)),
            inactivity_timeout: Some(Duration::from_secs(120)),
            ..SessionConfig::esme()
        }
    }

    /// The config with `role` replaced.
    #[inline]
    pub fn with_role(mut self, role: Role) -> SessionConfig {
        self.role = role;
        self
    }

    pub(crate) fn supports(&self, id: CommandId) -> bool {
        match self.supported_commands {
            None => true,
            Some(set) => {
                set.contains(id)
                    || !matches!(
                        id,
                        CommandId::SubmitSm
                            | CommandId::SubmitMulti
                            | CommandId::DataSm
                            | CommandId::QuerySm
                            | CommandId::CancelSm
                            | CommandId::ReplaceSm
                            | CommandId::DeliverSm
                            | CommandId::AlertNotification
                            | CommandId::BroadcastSm
                            | CommandId::QueryBroadcastSm
                            | CommandId::CancelBroadcastSm
                    )
            }
        }
    }
}

impl Default for SessionConfig {
    #[inline]
    fn default() -> Self {
        SessionConfig::esme()
    }
}
