//! How the SMSC endpoint runs: [`ServerConfig`] and its [`DeliveryPolicy`].

use super::registry::RegistryLimits;
use crate::reconnect::ReconnectPolicy;
use crate::server::guard::FailedBindPolicy;
use crate::session::SessionConfig;
use crate::time::Duration;
use crate::trace::Trace;
use alloc::string::String;

/// How the delivery queue holds and retries messages for an account's receivers.
///
/// Delivery is at least once: a message leaves the queue only on `ESME_ROK` or a
/// permanent error. A timeout, a temporary error (`ESME_RX_T_APPN`, `ESME_RTHROTTLED`,
/// `ESME_RMSGQFUL`, any `generic_nack`) or a link lost before the response puts it back at
/// its original position; it is retried on another bound receiver at once, or on the same
/// one after [`DeliveryPolicy::backoff`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeliveryPolicy {
    /// Most messages held (waiting or on their way) per account (default 10 000).
    pub per_account: usize,
    /// Most messages held over all accounts (default 100 000).
    pub total: usize,
    /// Attempts before a message is given up (default 10; at least 1).
    pub max_attempts: u32,
    /// Wait before a message goes back to the bind it failed on (default 1 s), doubling
    /// with each failed attempt up to [`DeliveryPolicy::max_backoff`].
    pub initial_backoff: Duration,
    /// Longest such wait (default 60 s).
    pub max_backoff: Duration,
    /// Give a message up when it waited this long undelivered (default `None`: no limit).
    pub max_age: Option<Duration>,
    /// How many waiting messages of an account one dispatch looks through for one that a
    /// bind may take now (default 1 024): bounds the work of a call when many messages
    /// wait out their back-off.
    pub scan_limit: usize,
    /// Keep every accepted message in a delivery store before it is sent, and forget it
    /// once it ended (default `false`: the queue lives in memory only). The driver carries
    /// out the endpoint's [`StoreOp`](super::StoreOp)s; see the `store` section of the
    /// [endpoint docs](super::Endpoint::poll_store).
    pub durable: bool,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        DeliveryPolicy {
            per_account: 10_000,
            total: 100_000,
            max_attempts: 10,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_age: None,
            scan_limit: 1_024,
            durable: false,
        }
    }
}

impl DeliveryPolicy {
    /// The wait before a message that failed `attempts` times goes back to the same bind.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(32);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// How an SMSC endpoint (and the `Server` of every runtime) runs.
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
    /// The delivery queue: capacities, retries, back-off.
    pub delivery: DeliveryPolicy,
    /// How connections out to ESMEs for outbind are retried while they fail (default:
    /// 500 ms doubling up to 30 s, with jitter, without end).
    pub outbind_retry: ReconnectPolicy,
    /// Seeds the endpoint's jitter (retry delays of outbind connections). Runtimes pass a
    /// random value; tests a fixed one.
    pub seed: u64,
    /// PDU tracing.
    pub trace: Trace,
}

impl ServerConfig {
    /// The server's default session settings: [`SessionConfig::smsc`] with `max_pdu_len`
    /// 4 096 and `bind_timeout` 10 s.
    pub fn default_session() -> SessionConfig {
        SessionConfig {
            max_pdu_len: 4096,
            bind_timeout: Duration::from_secs(10),
            inactivity_timeout: Some(Duration::from_secs(120)),
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
            delivery: DeliveryPolicy::default(),
            outbind_retry: ReconnectPolicy::default(),
            seed: 0x5EED_5EED_5EED_5EED,
            trace: Trace::Off,
        }
    }
}
