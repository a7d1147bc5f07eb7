//! # smpp-conformance: one suite, every runtime
//!
//! The SMPP runtime adapters (`smpp-smol`, `smpp-tokio`, `smpp-blocking`) are I/O pumps over the same
//! sans-IO endpoints of `smpp-core`, so they must behave the same on the wire. This crate
//! states that once: a small runtime-neutral harness ([`Runtime`], [`ServerUnderTest`],
//! [`ClientUnderTest`], [`RawPeer`]), one implementation of it per runtime
//! ([`SmolRuntime`], `TokioRuntime`, `BlockingRuntime`), and the scenarios of [`suite`], written once as
//! generic functions and instantiated per runtime with [`conformance_suite!`]:
//!
//! ```text
//! // tests/smol.rs
//! smpp_conformance::conformance_suite!(smpp_conformance::SmolRuntime);
//! smpp_conformance::delivery_store_suite!(smpp_conformance::SmolRuntime, embedded);
//! smpp_conformance::delivery_store_suite!(smpp_conformance::SmolRuntime, redis);
//! ```
//!
//! [`delivery_store_suite!`] runs the delivery scenarios again with the SMSC keeping its
//! deliveries in a store ([`StoreUnderTest`]): the embedded one, or Redis Streams on a
//! `redis-server` started for each scenario (skipped, said on stderr, where Redis is not
//! installed outside CI). Where a store legitimately changes what is observed (a shared
//! store's messages leave the endpoint and come back claimed under new ids; a full queue
//! spills to the store), the scenario says so and asserts the store's behaviour.
//!
//! Every scenario runs over real TCP on `127.0.0.1:0`, with short timers so that the whole
//! suite stays fast. Where the runtimes legitimately differ, the scenario says so in a
//! comment and asserts each runtime's documented behaviour ([`Runtime::KIND`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "blocking")]
mod blocking_rt;
pub mod peers;
pub mod pki;
mod raw;
mod smol_rt;
pub mod store;
pub mod suite;
#[cfg(feature = "tokio")]
mod tokio_rt;

#[cfg(feature = "blocking")]
pub use blocking_rt::BlockingRuntime;
pub use raw::{RawPeer, RawRead};
pub use smol_rt::SmolRuntime;
pub use store::{StoreKind, StoreUnderTest};
#[cfg(feature = "tokio")]
pub use tokio_rt::TokioRuntime;

pub use smpp_core as core;
/// The TLS settings, one type in every runtime (`smpp_runtime`'s, re-exported by each).
pub use smpp_smol::{Sha256Pin, TlsClientConfig, TlsServerConfig};

use smpp_core::client::{ClientConfig, LinkState, Response};
use smpp_core::codec::Frame;
use smpp_core::pdu::Body;
use smpp_core::server::{
    Authenticator, BindRequest, DeliverError, DeliveryId, DeliveryOutcome, LimitError, OutbindId,
    Reply, RequestContext, ServerConfig, ServerEvent, SessionInfo,
};
use smpp_core::session::{BindType, CloseReason, SessionConfig, SessionError};
use smpp_core::{CommandStatus, Duration as CoreDuration};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The password of every account of [`Accounts::standard`].
pub const PASSWORD: &str = "secret";

/// Which runtime a [`Runtime`] drives, for the few places where the runtimes legitimately
/// differ (each such place names the difference).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `smpp-smol`: tasks on smol's executor.
    Smol,
    /// `smpp-tokio`: tasks on a tokio runtime.
    Tokio,
    /// `smpp-blocking`: threads and blocking sockets.
    Blocking,
}

/// A runtime adapter under test: how to start its SMSC and its ESME.
pub trait Runtime: Sized + 'static {
    /// Which runtime this is.
    const KIND: Kind;
    /// Its SMSC.
    type Server: ServerUnderTest;
    /// Its ESME.
    type Client: ClientUnderTest;

    /// Starts an SMSC on `127.0.0.1:0` with `config`, binds decided by `accounts` and
    /// requests answered as `handler` says. Panics when it cannot listen.
    fn start_server(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
    ) -> Self::Server {
        Self::start_server_with_store(config, accounts, handler, None)
    }

    /// [`Runtime::start_server`], keeping the deliveries in `store` when one is given (the
    /// runtime server's `attach_store`, before any delivery).
    fn start_server_with_store(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
        store: Option<Box<dyn smpp_store::DeliveryStore>>,
    ) -> Self::Server;

    /// [`Runtime::start_server`] with TLS: the SMSC listens on `127.0.0.1:0` and presents
    /// `tls`'s certificate.
    fn start_tls_server(
        config: ServerConfig,
        accounts: Accounts,
        handler: HandlerPolicy,
        tls: TlsServerConfig,
    ) -> Self::Server;

    /// Connects an ESME to `addr` and binds it; returns once bound.
    fn connect(addr: SocketAddr, config: ClientConfig) -> Result<Self::Client, Failure>;

    /// Connects an ESME over TLS to `addr` (`"host:port"`: the host is the name verified
    /// unless `tls` names another), verifying the SMSC as `tls` says, and binds it.
    fn connect_tls(
        addr: &str,
        config: ClientConfig,
        tls: TlsClientConfig,
    ) -> Result<Self::Client, Failure>;

    /// Accepts one connection from an SMSC on `listener`, waits for its `outbind` and binds
    /// as receiver; returns once bound (or fails within about `config.connect_timeout` plus
    /// the session's bind timeout).
    fn accept_outbind(
        listener: std::net::TcpListener,
        config: ClientConfig,
    ) -> Result<Self::Client, Failure>;
}

/// An SMSC of some runtime, seen through the vocabulary both runtimes share.
pub trait ServerUnderTest: Send + Sync + 'static {
    /// The address it listens on.
    fn local_addr(&self) -> SocketAddr;
    /// Connections open, bound or not.
    fn connection_count(&self) -> usize;
    /// The bound sessions.
    fn sessions(&self) -> Vec<SessionInfo>;
    /// True when `session(bind_id)` gives a handle.
    fn has_session(&self, bind_id: smpp_core::server::BindId) -> bool;
    /// Messages held for `account`.
    fn queued(&self, account: &str) -> usize;
    /// Accepts a message for `account`'s receivers.
    fn deliver(&self, account: &str, body: &Body<'_>) -> Result<PendingDelivery, Failure>;
    /// The next server event (subscribed when the server started), waiting at most
    /// `timeout`.
    fn next_event(&self, timeout: Duration) -> Option<ServerEvent>;
    /// Starts an outbind to an ESME listening at `addr`.
    fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId;
    /// Graceful shutdown, waiting at most `timeout` for connections to end.
    fn shutdown(&self, timeout: Duration);
}

/// An ESME of some runtime.
pub trait ClientUnderTest: Send + Sync + 'static {
    /// Sends a request and waits for its response.
    fn send(&self, body: &Body<'_>) -> Result<Response, Failure>;
    /// Sends all of `bodies` pipelined (each without waiting for the previous response, up
    /// to the window), then waits for every response, in order.
    fn send_all(&self, bodies: &[Body<'_>]) -> Vec<Result<Response, Failure>>;
    /// The next request from the SMSC, waiting at most `timeout`.
    fn recv(&self, timeout: Duration) -> Option<Received>;
    /// Requests from the SMSC waiting to be received (the runtime's `Incoming::len`).
    fn incoming_len(&self) -> usize;
    /// Unbinds and waits until closed.
    fn unbind(&self) -> Result<(), Failure>;
    /// The link state now.
    fn state(&self) -> LinkState;
}

/// The outcome of a delivery, once known.
pub type OutcomeResult = Result<DeliveryOutcome, Failure>;

/// What a runtime's delivery handle does, type-erased.
pub trait WaitOutcome: Send {
    /// Waits at most `timeout`; `None` when it passed first (the handle stays usable).
    fn wait_timeout(&mut self, timeout: Duration) -> Option<OutcomeResult>;
}

/// A message accepted by [`ServerUnderTest::deliver`]: wait on it for its outcome.
pub struct PendingDelivery {
    id: DeliveryId,
    inner: Box<dyn WaitOutcome>,
}

impl PendingDelivery {
    /// Wraps a runtime's delivery handle.
    pub fn new(id: DeliveryId, inner: Box<dyn WaitOutcome>) -> PendingDelivery {
        PendingDelivery { id, inner }
    }

    /// The delivery's id.
    pub fn id(&self) -> DeliveryId {
        self.id
    }

    /// Waits at most `timeout` for the outcome; `None` when it passed first.
    pub fn wait_timeout(&mut self, timeout: Duration) -> Option<OutcomeResult> {
        self.inner.wait_timeout(timeout)
    }

    /// The outcome, which must come within `timeout` and be known (panics otherwise).
    pub fn outcome(mut self, timeout: Duration) -> DeliveryOutcome {
        match self.wait_timeout(timeout) {
            Some(Ok(o)) => o,
            Some(Err(e)) => panic!("{}: no outcome: {e}", self.id),
            None => panic!("{}: no outcome within {timeout:?}", self.id),
        }
    }
}

impl fmt::Debug for PendingDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingDelivery")
            .field("id", &self.id)
            .finish()
    }
}

/// What a runtime's incoming request does, type-erased.
pub trait Answer: Send {
    /// Answers with `status` and `body`.
    fn answer(self: Box<Self>, status: CommandStatus, body: &Body<'_>) -> Result<(), Failure>;
}

/// A request from the SMSC (`deliver_sm`, ...) received by a [`ClientUnderTest`].
pub struct Received {
    /// The request.
    pub frame: Frame,
    answer: Box<dyn Answer>,
}

impl Received {
    /// Wraps a runtime's incoming request.
    pub fn new(frame: Frame, answer: Box<dyn Answer>) -> Received {
        Received { frame, answer }
    }

    /// Answers with `status` and the request's default response body.
    pub fn respond(self, status: CommandStatus) -> Result<(), Failure> {
        let body = smpp_core::server::default_response(self.frame.command_id());
        self.answer.answer(status, &body)
    }

    /// Answers `ESME_ROK`.
    pub fn respond_ok(self) -> Result<(), Failure> {
        self.respond(CommandStatus::ESME_ROK)
    }

    /// Drops it unanswered: both runtimes then answer `ESME_RX_T_APPN` themselves.
    pub fn drop_unanswered(self) {
        drop(self)
    }

    /// Never answers it: the runtime's request handle is leaked on purpose, so that its
    /// drop does not answer it either (the SMSC's response timeout must fire).
    pub fn ignore(self) {
        std::mem::forget(self.answer)
    }

    /// The `short_message` of a `deliver_sm` (empty for other requests).
    pub fn text(&self) -> String {
        text_of(&self.frame)
    }
}

impl fmt::Debug for Received {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Received")
            .field("frame", &self.frame)
            .finish()
    }
}

/// A runtime's error, in words both runtimes share.
#[derive(Debug)]
pub enum Failure {
    /// An I/O error (its text).
    Io(String),
    /// Connecting timed out.
    ConnectTimeout,
    /// The bind was refused with this status (`None`: no answer).
    BindFailed(Option<CommandStatus>),
    /// The link closed before the request completed.
    ConnectionLost(CloseReason),
    /// No response within the response timeout.
    Timeout,
    /// The peer answered with a PDU that does not answer the request.
    MismatchedResponse {
        /// The request's command.
        request: smpp_core::CommandId,
        /// What came instead.
        response: smpp_core::CommandId,
    },
    /// Refused locally by the session.
    Session(SessionError),
    /// The client or server was shut down.
    Closed,
    /// A limit refused the operation.
    Limit(LimitError),
    /// The delivery queue refused a message.
    Deliver(DeliverError),
    /// TLS failed (its text: the handshake's problem).
    Tls(String),
    /// Anything else (its text).
    Other(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Failure {}

/// The `short_message` of a `deliver_sm` / `submit_sm` frame (empty for others).
pub fn text_of(frame: &Frame) -> String {
    match frame.pdu().map(|p| p.body) {
        Ok(Body::DeliverSm(m) | Body::SubmitSm(m)) => {
            String::from_utf8_lossy(m.short_message).into_owned()
        }
        _ => String::new(),
    }
}

// ----- policies ---------------------------------------------------------------------------

/// Accounts with passwords, as an [`Authenticator`]: an unknown account is refused with
/// `ESME_RINVSYSID`, a wrong password with `ESME_RINVPASWD`; binds of the
/// [`Accounts::panicking_for`] account make the authenticator panic.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    passwords: HashMap<String, String>,
    panic_for: Option<String>,
}

impl Accounts {
    /// No accounts.
    pub fn new() -> Accounts {
        Accounts::default()
    }

    /// The suite's accounts (`acme`, `beta`, `good`, `outb`), all with [`PASSWORD`].
    pub fn standard() -> Accounts {
        ["acme", "beta", "good", "outb"]
            .into_iter()
            .fold(Accounts::new(), |a, name| a.with(name, PASSWORD))
    }

    /// Adds an account.
    pub fn with(mut self, account: &str, password: &str) -> Accounts {
        self.passwords.insert(account.into(), password.into());
        self
    }

    /// Makes the authenticator panic on binds of `account`.
    pub fn panicking_for(mut self, account: &str) -> Accounts {
        self.panic_for = Some(account.into());
        self
    }
}

impl Authenticator for Accounts {
    fn authenticate(&self, req: &BindRequest) -> Result<(), CommandStatus> {
        if self.panic_for.as_deref() == Some(req.system_id.as_str()) {
            panic!(
                "the authenticator panics for {} (on purpose)",
                req.system_id
            );
        }
        match self.passwords.get(&req.system_id) {
            None => Err(CommandStatus::ESME_RINVSYSID),
            Some(p) if req.password == p.as_str() => Ok(()),
            Some(_) => Err(CommandStatus::ESME_RINVPASWD),
        }
    }
}

/// How the SMSC's handler answers requests: `ESME_ROK` with a message id unique within the
/// process (`m1`, `m2`, ...), optionally after a delay, and panicking on a chosen
/// `short_message`.
#[derive(Clone, Debug, Default)]
pub struct HandlerPolicy {
    /// Wait this long before answering (each runtime waits its own way: a timer on smol,
    /// a sleep on the blocking reader thread).
    pub delay: Option<Duration>,
    /// Panic on requests whose `short_message` is this.
    pub panic_on: Option<Vec<u8>>,
    /// Counts the requests answered (shared by every clone), for scenarios that react to
    /// them (a receipt after each `submit_sm`).
    pub answered: std::sync::Arc<AtomicU64>,
}

impl HandlerPolicy {
    /// Answer at once with a message id.
    pub fn message_id() -> HandlerPolicy {
        HandlerPolicy::default()
    }

    /// Panic on requests whose `short_message` is `text`.
    pub fn panicking_on(text: &str) -> HandlerPolicy {
        HandlerPolicy {
            panic_on: Some(text.as_bytes().to_vec()),
            ..HandlerPolicy::default()
        }
    }

    /// The reply to `request` (after [`HandlerPolicy::delay`], which the runtime applies).
    /// Panics as the policy says.
    pub fn reply(&self, _ctx: &RequestContext, request: &Frame) -> Reply {
        if let Some(marker) = &self.panic_on {
            if let Ok(Body::SubmitSm(m)) = request.pdu().map(|p| p.body) {
                if m.short_message == marker.as_slice() {
                    panic!("the handler panics on this request (on purpose)");
                }
            }
        }
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        self.answered.fetch_add(1, Ordering::Relaxed);
        Reply::ok_message_id(&format!("m{n}"))
    }
}

// ----- configurations ---------------------------------------------------------------------

/// The suite's SMSC settings: short timers (bind 3 s, responses 2 s, unbind and drain 1 s,
/// no enquire_link, no inactivity timeout), a short delivery back-off (100 ms) and a short
/// outbind retry (200 ms, no jitter).
pub fn server_config() -> ServerConfig {
    let mut c = ServerConfig::default();
    c.session.bind_timeout = CoreDuration::from_secs(3);
    c.session.response_timeout = CoreDuration::from_secs(2);
    c.session.enquire_link_interval = None;
    c.session.inactivity_timeout = None;
    c.session.unbind_timeout = CoreDuration::from_secs(1);
    c.session.drain_timeout = CoreDuration::from_secs(1);
    c.delivery.initial_backoff = CoreDuration::from_millis(100);
    c.delivery.max_backoff = CoreDuration::from_millis(400);
    c.outbind_retry = smpp_core::reconnect::ReconnectPolicy {
        initial_delay: CoreDuration::from_millis(200),
        max_delay: CoreDuration::from_millis(400),
        multiplier: 2,
        jitter: false,
        max_attempts: None,
    };
    c
}

/// The suite's ESME session settings: bind 3 s, responses 3 s, no enquire_link, unbind
/// and drain 1 s.
pub fn esme_session() -> SessionConfig {
    let mut s = SessionConfig::esme();
    s.bind_timeout = CoreDuration::from_secs(3);
    s.response_timeout = CoreDuration::from_secs(3);
    s.enquire_link_interval = None;
    s.unbind_timeout = CoreDuration::from_secs(1);
    s.drain_timeout = CoreDuration::from_secs(1);
    s
}

/// An ESME bind of `bind_type` for `system_id` with [`PASSWORD`] and the suite's session
/// settings (connect timeout 2 s, no reconnect).
pub fn client_config(system_id: &str, bind_type: BindType) -> ClientConfig {
    let mut c = ClientConfig::new(system_id, PASSWORD);
    c.session = esme_session();
    c.bind_type = bind_type;
    c.connect_timeout = Duration::from_secs(2);
    c
}

// ----- waiting ----------------------------------------------------------------------------

/// Polls `cond` every 5 ms until it holds or `timeout` passes; true if it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
