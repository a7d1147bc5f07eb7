//! The sans-IO SMSC endpoint: every connection of a server, its accounts, bind policy,
//! routing and delivery queue, decided once for every runtime.
//!
//! An [`Endpoint`] sits beside the [`Session`]s it owns, one per connection, the way a
//! QUIC endpoint sits beside its connections: the driver (a runtime) tells it what
//! happened outside — a connection opened ([`Endpoint::accept`]), octets arrived
//! ([`Endpoint::handle_input`]), the peer closed ([`Endpoint::handle_eof`]), time passed
//! ([`Endpoint::handle_timeout`]), the application decided ([`Endpoint::authenticated`],
//! [`Endpoint::reply`]) or has a message for an account ([`Endpoint::deliver`]) — and then
//! drains the polls for what to do:
//!
//! - [`Endpoint::poll_transmit`] / [`Endpoint::take_transmit`]: octets to write on a
//!   connection;
//! - [`Endpoint::poll_request`]: work for the application from a connection (a bind to
//!   authenticate, a request to answer);
//! - [`Endpoint::poll_event`]: what happened, for the application ([`ServerEvent`]);
//! - [`Endpoint::poll_response`]: outcomes of the application's own requests;
//! - [`Endpoint::poll_connect`]: connections to open for outbind;
//! - [`Endpoint::poll_wake`]: connections whose driver has new work (output, requests, a
//!   close) because of a call made about another connection;
//! - [`Endpoint::poll_timeout`]: when to call [`Endpoint::handle_timeout`] next.
//!
//! Any poll order is correct. The endpoint never reads a clock, touches a socket or
//! spawns; input never makes it panic; every request ends exactly once; and all it holds
//! is bounded by [`ServerConfig`]: connections, binds, the delivery queue, failed-bind
//! memory.
//!
//! **Delivery is at least once.** A message given to [`Endpoint::deliver`] is accepted into
//! the account's queue (or refused at once when the queue is full) and then ends in exactly
//! one [`ServerEvent::Delivery`]: delivered, refused for good by a receiver, or given up
//! (retry budget, age, shutdown). See [`DeliveryPolicy`].
//!
//! ```
//! use smpp_core::pdu::{Bind, Body, DeliverSm, Address};
//! use smpp_core::server::{ConnEvent, DeliveryOutcome, Endpoint, ServerConfig, ServerEvent};
//! use smpp_core::session::{BindType, Session, SessionConfig};
//! use smpp_core::Instant;
//!
//! let now = Instant::ZERO;
//! let mut smsc = Endpoint::new(ServerConfig::default(), now);
//! let conn = smsc.accept(now, "127.0.0.1:40000".parse().unwrap()).unwrap();
//!
//! // An ESME session on the other end of the connection.
//! let mut esme = Session::new(SessionConfig::esme(), now);
//! esme.bind(now, BindType::Receiver, &Bind::new("acme", "secret")).unwrap();
//! smsc.handle_input(now, conn, &esme.take_transmit().unwrap());
//! match smsc.poll_request(conn) {
//!     Some(ConnEvent::Authenticate(req)) => {
//!         let ok = req.password == "secret";
//!         smsc.authenticated(now, conn, if ok { Ok(()) } else { Err(Default::default()) })
//!     }
//!     other => panic!("{other:?}"),
//! }
//! esme.handle_input(now, &smsc.take_transmit(conn).unwrap());
//!
//! // A message for the account goes to its receiver.
//! let body = Body::DeliverSm(DeliverSm {
//!     source: Address::international("447700900123"),
//!     short_message: b"hello",
//!     ..Default::default()
//! });
//! let id = smsc.deliver(now, "acme", &body).unwrap();
//! esme.handle_input(now, &smsc.take_transmit(conn).unwrap());
//! while let Some(ev) = esme.poll_event() {
//!     if let smpp_core::session::Event::Request { frame, .. } = ev {
//!         let resp = Body::DeliverSmResp(Default::default());
//!         esme.respond(now, frame.sequence_number(), Default::default(), &resp).unwrap();
//!     }
//! }
//! smsc.handle_input(now, conn, &esme.take_transmit().unwrap());
//! let delivered = std::iter::from_fn(|| smsc.poll_event()).any(|ev| {
//!     matches!(ev, ServerEvent::Delivery { id: d, outcome: DeliveryOutcome::Delivered { .. }, .. } if d == id)
//! });
//! assert!(delivered);
//! ```

mod auth;
mod config;
mod event;
pub mod guard;
mod outbind;
mod queue;
mod registry;
mod reply;
mod store;

pub use auth::{Authenticator, BindRequest, Password};
pub use config::{DeliveryPolicy, ServerConfig};
pub use event::{AppResponse, ConnEvent, RequestContext, RequestOutcome, ServerEvent, SessionInfo};
pub use guard::FailedBindPolicy;
pub use outbind::{Connect, OutbindId};
pub use queue::{
    is_temporary, AttemptFailure, DeliveryId, DeliveryOutcome, GiveUpReason, QueueFull,
};
pub use registry::{BindId, LimitError, Registry, RegistryLimits};
pub use reply::{default_response, Reply, MAX_MESSAGE_ID};
pub use store::{Placement, StoreFailure, StoreOp};

use crate::codec::{EncodeError, Frame};
use crate::pdu::{Body, Outbind};
use crate::session::{load_percent, SessionError, State};
use crate::session::{BindType, Counters, Event, Role, Session, SessionConfig};
use crate::time::Instant;
use crate::{CommandId, CommandStatus};
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use bytes::Bytes;
use core::fmt;
use core::net::SocketAddr;
use guard::{FailedBinds, RefusalLog};
use outbind::Targets;
use queue::{DeliveryQueue, Retried};

/// Why a connection was not taken on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// [`ServerConfig::max_connections`] are open.
    TooManyConnections,
    /// The endpoint is shutting down.
    ShuttingDown,
    /// [`Endpoint::outbind_connected`] named a target that is not connecting.
    UnknownOutbind,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refused::TooManyConnections => "too many connections open",
            Refused::ShuttingDown => "shutting down",
            Refused::UnknownOutbind => "no such outbind target is connecting",
        })
    }
}

impl core::error::Error for Refused {}

/// Why [`Endpoint::deliver`] refused a message. Nothing was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliverError {
    /// Only `deliver_sm` and `data_sm` travel from an SMSC to an account's receivers.
    NotADelivery(CommandId),
    /// A field is invalid; the encoder names it.
    Encode(EncodeError),
    /// The queue is full (the account's or the endpoint's capacity).
    QueueFull(QueueFull),
    /// The endpoint is shutting down.
    ShuttingDown,
    /// A message handed in from the store ([`Endpoint::claimed`]) is not a whole PDU.
    Malformed(crate::codec::DecodeError),
}

impl fmt::Display for DeliverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliverError::NotADelivery(id) => write!(f, "{id} is not delivered to receivers"),
            DeliverError::Encode(e) => write!(f, "{e}"),
            DeliverError::QueueFull(QueueFull::Account) => {
                f.write_str("the account's delivery queue is full")
            }
            DeliverError::QueueFull(QueueFull::Total) => f.write_str("the delivery queue is full"),
            DeliverError::ShuttingDown => f.write_str("shutting down"),
            DeliverError::Malformed(e) => write!(f, "stored message: {e}"),
        }
    }
}

impl core::error::Error for DeliverError {}

/// Where a connection is in its life, beside its session's own state.
#[derive(Debug)]
enum Phase {
    /// No bind yet.
    Open,
    /// A bind waits for the application's verdict.
    Authenticating(BindType, String),
    /// A failed-bind answer held back until `until` ([`ServerConfig::failed_binds`]).
    Held {
        until: Instant,
        status: CommandStatus,
    },
    /// Bound.
    Bound(Arc<RequestContext>),
    /// The session closed.
    Closed,
}

/// Who waits for the response to a request the endpoint sent on a connection.
#[derive(Clone, Copy, Debug)]
enum Pending {
    Delivery(DeliveryId),
    App,
}

#[derive(Debug)]
struct Conn {
    session: Session,
    peer: SocketAddr,
    phase: Phase,
    pending: BTreeMap<u32, Pending>,
    requests: VecDeque<ConnEvent>,
    deadline: Option<Instant>,
    /// Its deadline must be computed again (before the next look at the timers).
    timer_stale: bool,
    woken: bool,
    outbind: Option<OutbindId>,
}

/// The SMSC endpoint. See the [module docs](self).
pub struct Endpoint {
    config: ServerConfig,
    session_config: SessionConfig,
    now: Instant,
    conns: BTreeMap<BindId, Conn>,
    next_conn: u64,
    registry: Registry,
    queue: DeliveryQueue,
    /// The application's `congestion_state` for every answer (`None`: our load).
    congestion_override: Option<u8>,
    failed_binds: FailedBinds,
    refusals: RefusalLog,
    timers: BTreeSet<(Instant, BindId)>,
    /// Connections whose deadline changed since the timers were last brought up to date.
    stale: Vec<BindId>,
    events: VecDeque<ServerEvent>,
    responses: VecDeque<AppResponse>,
    wake: VecDeque<BindId>,
    outbinds: Targets,
    shutting_down: bool,
    /// Accounts whose receivers may take waiting messages now.
    to_dispatch: Vec<Arc<str>>,
    /// Operations for the delivery store ([`DeliveryPolicy::durable`]).
    store_ops: VecDeque<StoreOp>,
    /// Messages kept in the store only (the queue was full), waiting for the store's
    /// answer.
    spilled: BTreeMap<DeliveryId, (Arc<str>, Frame)>,
    /// The accounts with messages in the store only (the queue had no room), claimed
    /// later: new messages of theirs go to the store too, behind them.
    in_store: BTreeSet<Arc<str>>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("connections", &self.conns.len())
            .field("binds", &self.registry.len())
            .field("queued", &self.queue.total())
            .field("shutting_down", &self.shutting_down)
            .finish()
    }
}

impl Endpoint {
    /// A new endpoint at time `now`.
    pub fn new(config: ServerConfig, now: Instant) -> Endpoint {
        Endpoint {
            session_config: config.session.clone().with_role(Role::Smsc),
            now,
            conns: BTreeMap::new(),
            next_conn: 1,
            registry: Registry::new(config.limits),
            queue: DeliveryQueue::new(config.delivery),
            congestion_override: None,
            failed_binds: FailedBinds::new(config.failed_binds),
            refusals: RefusalLog::default(),
            timers: BTreeSet::new(),
            stale: Vec::new(),
            events: VecDeque::new(),
            responses: VecDeque::new(),
            wake: VecDeque::new(),
            outbinds: Targets::new(config.outbind_retry, config.seed),
            shutting_down: false,
            to_dispatch: Vec::new(),
            store_ops: VecDeque::new(),
            spilled: BTreeMap::new(),
            in_store: BTreeSet::new(),
            config,
        }
    }

    // ----- getters -------------------------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Connections open, bound or not (at most [`ServerConfig::max_connections`]).
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// The connections, bound or not.
    pub fn connections(&self) -> impl Iterator<Item = BindId> + '_ {
        self.conns.keys().copied()
    }

    /// The bound sessions, in connection order.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.conns
            .iter()
            .filter_map(|(id, c)| self.info(*id, c))
            .collect()
    }

    /// One bound session.
    pub fn session(&self, id: BindId) -> Option<SessionInfo> {
        self.conns.get(&id).and_then(|c| self.info(id, c))
    }

    fn info(&self, id: BindId, c: &Conn) -> Option<SessionInfo> {
        match &c.phase {
            Phase::Bound(ctx) if !c.session.is_closed() => Some(SessionInfo {
                bind_id: id,
                account: ctx.account.clone(),
                peer: c.peer,
                bind_type: ctx.bind_type,
                counters: c.session.counters().clone(),
                state: c.session.state(),
                in_flight: c.session.in_flight(),
                unanswered: c.session.unanswered(),
                interface_version: c.session.peer_interface_version(),
                version: c.session.negotiated_version(),
                peer_congestion: c.session.peer_congestion(),
                congestion_state: self.congestion_for(c),
            }),
            _ => None,
        }
    }

    /// Who is bound on a connection.
    pub fn context(&self, id: BindId) -> Option<Arc<RequestContext>> {
        match &self.conns.get(&id)?.phase {
            Phase::Bound(ctx) => Some(ctx.clone()),
            _ => None,
        }
    }

    /// A connection's session state (`None`: no such connection).
    pub fn state(&self, id: BindId) -> Option<State> {
        self.conns.get(&id).map(|c| c.session.state())
    }

    /// A connection's session counters.
    pub fn counters(&self, id: BindId) -> Option<&Counters> {
        self.conns.get(&id).map(|c| c.session.counters())
    }

    /// The session configuration of a connection (its timers, for a driver's waits).
    pub fn session_config(&self) -> &SessionConfig {
        &self.session_config
    }

    /// True once the connection's session closed (or the connection is unknown): the
    /// driver writes what is left and then calls [`Endpoint::remove`].
    pub fn is_closed(&self, id: BindId) -> bool {
        self.conns.get(&id).is_none_or(|c| c.session.is_closed())
    }

    /// True while the driver should read more from the connection (false once closed, and
    /// while the peer does not read our output).
    pub fn wants_input(&self, id: BindId) -> bool {
        self.conns.get(&id).is_some_and(|c| c.session.wants_input())
    }

    /// Messages held for `account`: waiting, or on their way to a receiver.
    pub fn queued(&self, account: &str) -> usize {
        self.queue.len(account)
    }

    /// Messages waiting for `account` (not on their way).
    pub fn waiting(&self, account: &str) -> usize {
        self.queue.waiting(account)
    }

    /// Messages held over all accounts.
    pub fn queued_total(&self) -> usize {
        self.queue.total()
    }

    /// True after [`Endpoint::shutdown`].
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down
    }

    /// Outbind targets still active.
    pub fn outbind_targets(&self) -> impl Iterator<Item = OutbindId> + '_ {
        self.outbinds.ids()
    }

    // ----- handlers ------------------------------------------------------------------------

    fn tick(&mut self, now: Instant) -> Instant {
        if now > self.now {
            self.now = now;
        }
        self.now
    }

    /// A connection was accepted from `peer`. Refused when
    /// [`ServerConfig::max_connections`] are open or the endpoint is shutting down: the
    /// driver closes the socket at once, sending nothing.
    pub fn accept(&mut self, now: Instant, peer: SocketAddr) -> Result<BindId, Refused> {
        let now = self.tick(now);
        if self.shutting_down {
            return Err(Refused::ShuttingDown);
        }
        if self.conns.len() >= self.config.max_connections {
            let open = self.conns.len();
            if let Some(r) = self.refusals.refused(Some(peer), open, now) {
                self.events.push_back(ServerEvent::ConnectionRefused {
                    peer,
                    open,
                    suppressed: r.suppressed,
                });
            }
            return Err(Refused::TooManyConnections);
        }
        let id = BindId(self.next_conn);
        self.next_conn += 1;
        let conn = Conn {
            session: Session::new(self.session_config.clone(), now),
            peer,
            phase: Phase::Open,
            pending: BTreeMap::new(),
            requests: VecDeque::new(),
            deadline: None,
            timer_stale: false,
            woken: false,
            outbind: None,
        };
        self.conns.insert(id, conn);
        self.refresh_timer(id);
        Ok(id)
    }

    /// Octets received on connection `id`.
    pub fn handle_input(&mut self, now: Instant, id: BindId, data: &[u8]) {
        let now = self.tick(now);
        if let Some(c) = self.conns.get_mut(&id) {
            c.session.handle_input(now, data);
            self.after(id);
        }
    }

    /// The peer closed its side of connection `id` (or reading from it failed).
    pub fn handle_eof(&mut self, now: Instant, id: BindId) {
        let now = self.tick(now);
        if let Some(c) = self.conns.get_mut(&id) {
            c.session.handle_eof(now);
            self.after(id);
        }
    }

    /// Time passed. Calling it before [`Endpoint::poll_timeout`]'s deadline is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.tick(now);
        self.refresh_timers();
        while let Some(&(t, id)) = self.timers.first() {
            if t > now {
                break;
            }
            self.timers.pop_first();
            let Some(c) = self.conns.get_mut(&id) else {
                continue;
            };
            c.deadline = None;
            if let Phase::Held { until, status } = c.phase {
                if now >= until {
                    c.phase = Phase::Open;
                    let _ = c.session.reject_bind(now, status);
                }
            }
            c.session.handle_timeout(now);
            self.after(id);
            self.refresh_timer(id);
        }
        let mut due = core::mem::take(&mut self.to_dispatch);
        let mut expired = Vec::new();
        self.queue.expire(now, &mut due, &mut expired);
        for (id, account, entry) in expired {
            self.forget_stored(id, &account);
            self.events.push_back(ServerEvent::Delivery {
                id,
                account: String::from(&*account),
                outcome: DeliveryOutcome::GaveUp {
                    reason: GiveUpReason::Expired,
                    attempts: entry.attempts,
                    message: entry.frame,
                },
            });
        }
        self.to_dispatch = due;
        self.dispatch_pending();
        self.outbinds.handle_timeout(now);
    }

    /// The driver is done with connection `id` (its socket is closed, its last output
    /// written or abandoned). A session still open is aborted first: what it had on its way
    /// goes back to the queue.
    pub fn remove(&mut self, now: Instant, id: BindId) {
        let now = self.tick(now);
        if let Some(c) = self.conns.get_mut(&id) {
            if !c.session.is_closed() {
                c.session.abort(now);
                self.after(id);
            }
        }
        if let Some(c) = self.conns.remove(&id) {
            if let Some(d) = c.deadline {
                self.timers.remove(&(d, id));
            }
        }
        self.registry.unregister(id);
        self.finish_shutdown();
    }

    // ----- commands ------------------------------------------------------------------------

    /// The application's verdict on the bind of connection `id`
    /// ([`ConnEvent::Authenticate`]): `Ok` accepts it (unless a bind limit refuses it),
    /// `Err(status)` refuses it (`ESME_ROK` is taken as `ESME_RBINDFAIL`). Refusals count
    /// as failed binds of the peer's address and may be answered late
    /// ([`ServerConfig::failed_binds`]). Ignored when no bind waits.
    pub fn authenticated(&mut self, now: Instant, id: BindId, verdict: Result<(), CommandStatus>) {
        let now = self.tick(now);
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        let Phase::Authenticating(bind_type, _) = c.phase else {
            return;
        };
        let Phase::Authenticating(_, system_id) = core::mem::replace(&mut c.phase, Phase::Open)
        else {
            return;
        };
        let peer = c.peer;
        let mut verdict = if self.shutting_down {
            Err(CommandStatus::ESME_RBINDFAIL)
        } else {
            verdict
        };
        let mut delay = crate::Duration::ZERO;
        if verdict.is_err() {
            delay = self.failed_binds.record(peer.ip(), now);
        } else if self.registry.register(&system_id, id, bind_type).is_err() {
            verdict = Err(CommandStatus::ESME_RBINDFAIL);
        }
        let c = match self.conns.get_mut(&id) {
            Some(c) => c,
            None => return,
        };
        match verdict {
            Ok(()) => {
                let accepted = c.session.accept_bind(
                    now,
                    self.config.system_id.as_bytes(),
                    self.config.sc_interface_version,
                );
                if accepted.is_err() {
                    self.registry.unregister(id);
                } else {
                    let ctx = Arc::new(RequestContext {
                        bind_id: id,
                        account: system_id.clone(),
                        bind_type,
                        peer,
                    });
                    c.phase = Phase::Bound(ctx);
                    if let Some(t) = c.outbind {
                        self.outbinds.bound(t);
                    }
                    self.events.push_back(ServerEvent::Bound {
                        bind_id: id,
                        account: system_id.clone(),
                        bind_type,
                        peer,
                    });
                    if bind_type.can_receive() {
                        self.to_dispatch.push(Arc::from(system_id.as_str()));
                    }
                }
            }
            Err(status) => {
                let status = if status.is_ok() {
                    CommandStatus::ESME_RBINDFAIL
                } else {
                    status
                };
                if delay.as_millis() == 0 {
                    let _ = c.session.reject_bind(now, status);
                } else {
                    c.phase = Phase::Held {
                        until: now + delay,
                        status,
                    };
                }
                self.events.push_back(ServerEvent::BindRejected {
                    system_id,
                    peer,
                    status,
                });
            }
        }
        self.after(id);
        self.dispatch_pending();
    }

    /// The application's answer to request `sequence_number` (command `request`) of
    /// connection `id` ([`ConnEvent::Request`]). A reply that does not fit the request is
    /// answered `ESME_RSYSERR` and the mismatch returned; a request already answered, or a
    /// closed connection, is ignored.
    pub fn reply(
        &mut self,
        now: Instant,
        id: BindId,
        sequence_number: u32,
        request: CommandId,
        reply: &Reply,
    ) -> Result<(), SessionError> {
        let now = self.tick(now);
        let congestion = self.conns.get(&id).map(|c| self.congestion_for(c));
        let Some(c) = self.conns.get_mut(&id) else {
            return Ok(());
        };
        // On a 5.0 session the answer carries our load as `congestion_state`.
        c.session.set_congestion_state(congestion);
        let r = reply.apply(&mut c.session, now, sequence_number, request);
        // Answering produces no session event: only output.
        self.touched(id);
        r
    }

    /// Sets the `congestion_state` every answer on a 5.0 session carries (`None`, the
    /// default: the endpoint's own load, see [`Endpoint::congestion_state`]); values above
    /// 100 are sent as 100.
    pub fn set_congestion_state(&mut self, state: Option<u8>) {
        self.congestion_override = state.map(|s| s.min(100));
    }

    /// The `congestion_state` an answer on connection `id` would carry now: the value set
    /// with [`Endpoint::set_congestion_state`], or else the higher of the connection's peer
    /// window fill (its requests awaiting our answer out of `peer_window`) and the delivery
    /// queue's fill (messages held out of [`DeliveryPolicy::total`]); `None` for an unknown
    /// connection.
    pub fn congestion_state(&self, id: BindId) -> Option<u8> {
        self.conns.get(&id).map(|c| self.congestion_for(c))
    }

    fn congestion_for(&self, c: &Conn) -> u8 {
        self.congestion_override.unwrap_or_else(|| {
            let window = load_percent(c.session.unanswered(), c.session.config().peer_window);
            let queue = load_percent(self.queue.total(), self.config.delivery.total);
            window.max(queue)
        })
    }

    /// Sends the application's own request (`deliver_sm`, `data_sm`, `alert_notification`,
    /// ...) on connection `id`, bypassing the queue; its outcome comes from
    /// [`Endpoint::poll_response`]. Fails at once as [`Session::send`] does.
    pub fn send(&mut self, now: Instant, id: BindId, body: &Body<'_>) -> Result<u32, SessionError> {
        let now = self.tick(now);
        let c = self.conns.get_mut(&id).ok_or(SessionError::Closed)?;
        let seq = c.session.send(now, body)?;
        c.pending.insert(seq, Pending::App);
        self.after(id);
        Ok(seq)
    }

    /// Accepts a message (`deliver_sm`: an MO message or a delivery receipt, or `data_sm`)
    /// for `account`'s receiver-capable binds. It goes to one of them at once if it can
    /// (round robin, in order behind older messages), else waits in the queue; exactly one
    /// [`ServerEvent::Delivery`] reports how it ended. Refused at once, queueing nothing,
    /// when the queue is full (with a [`ServerEvent::Overflow`]).
    pub fn deliver(
        &mut self,
        now: Instant,
        account: &str,
        body: &Body<'_>,
    ) -> Result<DeliveryId, DeliverError> {
        let now = self.tick(now);
        let command_id = body.command_id();
        if !matches!(command_id, CommandId::DeliverSm | CommandId::DataSm) {
            return Err(DeliverError::NotADelivery(command_id));
        }
        if self.shutting_down {
            return Err(DeliverError::ShuttingDown);
        }
        let frame = Frame::encode(&crate::Pdu::new(1, *body)).map_err(DeliverError::Encode)?;
        if let Some(spilled) = self.spill(account, &frame) {
            return spilled.map_err(|full| {
                self.events.push_back(ServerEvent::Overflow {
                    account: account.into(),
                });
                DeliverError::QueueFull(full)
            });
        }
        let durable = self.config.delivery.durable;
        let pdu = durable.then(|| frame.clone().into_bytes());
        let id = match self.queue.push(now, account, frame, !durable) {
            Ok((id, key)) => {
                if let Some(pdu) = pdu {
                    self.store_ops.push_back(StoreOp::Append {
                        id,
                        queued: true,
                        account: key,
                        pdu,
                    });
                }
                id
            }
            Err(full) => {
                self.events.push_back(ServerEvent::Overflow {
                    account: account.into(),
                });
                return Err(DeliverError::QueueFull(full));
            }
        };
        self.dispatch(account);
        let has_receiver = self.can_receive(account);
        if !has_receiver {
            self.events.push_back(ServerEvent::Queued {
                id,
                account: account.into(),
            });
        }
        Ok(id)
    }

    /// Unbinds connection `id` from the server side: outstanding requests drain first (up
    /// to the drain timeout), then `unbind` is sent. A connection that is not bound is
    /// closed at once.
    pub fn unbind(&mut self, now: Instant, id: BindId) {
        let now = self.tick(now);
        if let Some(c) = self.conns.get_mut(&id) {
            if c.session.unbind(now).is_err() {
                c.session.abort(now);
            }
            self.after(id);
        }
    }

    /// Closes connection `id` at once; what it had on its way goes back to the queue.
    pub fn abort(&mut self, now: Instant, id: BindId) {
        let now = self.tick(now);
        if let Some(c) = self.conns.get_mut(&id) {
            c.session.abort(now);
            self.after(id);
        }
    }

    /// Starts a graceful shutdown: no new connections, binds or deliveries; bound sessions
    /// unbind after draining, the others close; outbind targets are dropped. When the last
    /// connection is removed, messages still waiting are given up
    /// ([`GiveUpReason::Shutdown`]).
    pub fn shutdown(&mut self, now: Instant) {
        let now = self.tick(now);
        self.shutting_down = true;
        let ids: Vec<BindId> = self.conns.keys().copied().collect();
        for id in ids {
            if let Some(c) = self.conns.get_mut(&id) {
                match c.session.state() {
                    State::Bound(_) => {
                        let _ = c.session.unbind(now);
                    }
                    State::Unbinding(_) | State::Closed => {}
                    _ => c.session.abort(now),
                }
                self.after(id);
            }
        }
        let targets: Vec<OutbindId> = self.outbinds.ids().collect();
        for t in targets {
            self.outbinds.remove(t);
        }
        self.finish_shutdown();
    }

    /// Closes every connection at once (after [`Endpoint::shutdown`] took too long).
    pub fn abort_all(&mut self, now: Instant) {
        let now = self.tick(now);
        let ids: Vec<BindId> = self.conns.keys().copied().collect();
        for id in ids {
            if let Some(c) = self.conns.get_mut(&id) {
                c.session.abort(now);
                self.after(id);
            }
        }
    }

    /// Adds an outbind target: the endpoint asks the driver to connect to `addr`
    /// ([`Endpoint::poll_connect`]), sends `outbind` with `system_id` and `password` on the
    /// new connection, and serves the ESME's `bind_receiver` like any bind (the
    /// authenticator decides). Failed connections, and links that end, are retried with
    /// [`ServerConfig::outbind_retry`] until [`Endpoint::cancel_outbind`].
    pub fn outbind(
        &mut self,
        now: Instant,
        addr: SocketAddr,
        system_id: &str,
        password: &str,
    ) -> OutbindId {
        self.tick(now);
        self.outbinds.add(addr, system_id, password)
    }

    /// Stops connecting to an outbind target (a connection it has stays).
    pub fn cancel_outbind(&mut self, id: OutbindId) {
        self.outbinds.remove(id);
    }

    /// The driver connected to outbind target `id` ([`Connect`]); the endpoint sends
    /// `outbind` on the new connection, whose id it returns.
    pub fn outbind_connected(
        &mut self,
        now: Instant,
        id: OutbindId,
        peer: SocketAddr,
    ) -> Result<BindId, Refused> {
        let now = self.tick(now);
        let Some(t) = self.outbinds.get(id) else {
            return Err(Refused::UnknownOutbind);
        };
        if t.state != outbind::TargetState::Connecting {
            return Err(Refused::UnknownOutbind);
        }
        let (system_id, password) = (t.system_id.clone(), t.password.clone());
        let conn = match self.accept(now, peer) {
            Ok(conn) => conn,
            Err(refused) => {
                // Not lost: the target is tried again after its back-off.
                self.outbind_lost(now, id);
                return Err(refused);
            }
        };
        if !self.outbinds.connected(id, conn) {
            if let Some(c) = self.conns.remove(&conn) {
                if let Some(d) = c.deadline {
                    self.timers.remove(&(d, conn));
                }
            }
            return Err(Refused::UnknownOutbind);
        }
        if let Some(c) = self.conns.get_mut(&conn) {
            c.outbind = Some(id);
            let ob = Outbind {
                system_id: system_id.as_bytes(),
                password: password.as_bytes(),
            };
            if c.session.outbind(now, &ob).is_err() {
                c.session.abort(now);
            }
        }
        self.events
            .push_back(ServerEvent::Outbound { id, bind_id: conn });
        self.after(conn);
        Ok(conn)
    }

    /// The driver could not connect to outbind target `id`: retried after a back-off.
    pub fn outbind_failed(&mut self, now: Instant, id: OutbindId) {
        let now = self.tick(now);
        self.outbind_lost(now, id);
    }

    fn outbind_lost(&mut self, now: Instant, id: OutbindId) {
        if let Some((addr, attempt, retry_in)) = self.outbinds.failed(now, id) {
            self.events.push_back(ServerEvent::OutbindFailed {
                id,
                addr,
                attempt,
                retry_in,
            });
        }
    }

    // ----- polls ---------------------------------------------------------------------------

    /// Octets to write on connection `id`; report what was written with
    /// [`Endpoint::advance_transmit`].
    #[must_use]
    pub fn poll_transmit(&self, id: BindId) -> Option<&[u8]> {
        self.conns.get(&id)?.session.poll_transmit()
    }

    /// Marks `n` octets of [`Endpoint::poll_transmit`] as written.
    pub fn advance_transmit(&mut self, id: BindId, n: usize) {
        if let Some(c) = self.conns.get_mut(&id) {
            let held = c.session.holds_input();
            c.session.advance_transmit(n);
            if held {
                self.after(id);
            }
        }
    }

    /// Takes all pending output of connection `id` as one buffer. Input the connection held
    /// back while its output was over its bound is processed then.
    #[must_use]
    pub fn take_transmit(&mut self, id: BindId) -> Option<Bytes> {
        let session = &mut self.conns.get_mut(&id)?.session;
        let held = session.holds_input();
        let out = session.take_transmit();
        if held {
            self.after(id);
        }
        out
    }

    /// The next piece of work for the application from connection `id`.
    #[must_use]
    pub fn poll_request(&mut self, id: BindId) -> Option<ConnEvent> {
        self.conns.get_mut(&id)?.requests.pop_front()
    }

    /// The next event for the application.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// The next outcome of a request sent with [`Endpoint::send`].
    #[must_use]
    pub fn poll_response(&mut self) -> Option<AppResponse> {
        self.responses.pop_front()
    }

    /// The next connection to open for outbind.
    #[must_use]
    pub fn poll_connect(&mut self) -> Option<Connect> {
        self.outbinds.poll_connect()
    }

    /// A connection whose driver has new work: output to write, requests for the
    /// application, or its session closed.
    #[must_use]
    pub fn poll_wake(&mut self) -> Option<BindId> {
        let id = self.wake.pop_front()?;
        if let Some(c) = self.conns.get_mut(&id) {
            c.woken = false;
        }
        Some(id)
    }

    /// When [`Endpoint::handle_timeout`] must next be called (`None`: nothing is timed).
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.refresh_timers();
        [
            self.timers.first().map(|(t, _)| *t),
            self.queue.next_timer(),
            self.outbinds.next_timer(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    // ----- internals -----------------------------------------------------------------------

    /// After any call into connection `id`'s session: its events, timer and wake-up.
    fn after(&mut self, id: BindId) {
        while let Some(c) = self.conns.get_mut(&id) {
            // The common case without another look-up: requests of a bound connection.
            let ev = loop {
                match c.session.poll_event() {
                    Some(Event::Request {
                        frame,
                        auto_responded,
                    }) if matches!(c.phase, Phase::Bound(_)) => {
                        if let (false, Phase::Bound(ctx)) = (auto_responded, &c.phase) {
                            let ctx = ctx.clone();
                            c.requests.push_back(ConnEvent::Request { ctx, frame });
                        }
                    }
                    other => break other,
                }
            };
            match ev {
                Some(ev) => self.on_session_event(id, ev),
                None => break,
            }
        }
        self.touched(id);
        self.dispatch_pending();
    }

    /// Connection `id`'s deadline may have moved, and it may have output or work.
    fn touched(&mut self, id: BindId) {
        if let Some(c) = self.conns.get_mut(&id) {
            if !c.timer_stale {
                c.timer_stale = true;
                self.stale.push(id);
            }
            let busy = c.session.poll_transmit().is_some()
                || !c.requests.is_empty()
                || c.session.is_closed();
            if busy && !c.woken {
                c.woken = true;
                self.wake.push_back(id);
            }
        }
    }

    /// Brings the timers of every connection touched since the last look up to date.
    fn refresh_timers(&mut self) {
        while let Some(id) = self.stale.pop() {
            self.refresh_timer(id);
        }
    }

    fn refresh_timer(&mut self, id: BindId) {
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        c.timer_stale = false;
        let mut next = c.session.poll_timeout();
        if let Phase::Held { until, .. } = c.phase {
            next = Some(next.map_or(until, |n| n.min(until)));
        }
        if next == c.deadline {
            return;
        }
        if let Some(old) = c.deadline {
            self.timers.remove(&(old, id));
        }
        c.deadline = next;
        if let Some(t) = next {
            self.timers.insert((t, id));
        }
    }

    fn on_session_event(&mut self, id: BindId, ev: Event) {
        let now = self.now;
        let Some(c) = self.conns.get_mut(&id) else {
            return;
        };
        match ev {
            Event::BindRequest { bind_type, frame } => {
                let bind = match frame.pdu().map(|p| p.body) {
                    Ok(
                        Body::BindTransmitter(b) | Body::BindReceiver(b) | Body::BindTransceiver(b),
                    ) => b,
                    _ => {
                        let _ = c.session.reject_bind(now, CommandStatus::ESME_RBINDFAIL);
                        return;
                    }
                };
                let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
                let request = BindRequest {
                    system_id: text(bind.system_id),
                    password: Password::new(text(bind.password)),
                    system_type: text(bind.system_type),
                    bind_type,
                    interface_version: bind.interface_version,
                    addr_ton: bind.addr_ton.0,
                    addr_npi: bind.addr_npi.0,
                    address_range: text(bind.address_range),
                    peer: c.peer,
                };
                if self.shutting_down {
                    let _ = c.session.reject_bind(now, CommandStatus::ESME_RBINDFAIL);
                    self.events.push_back(ServerEvent::BindRejected {
                        system_id: request.system_id,
                        peer: c.peer,
                        status: CommandStatus::ESME_RBINDFAIL,
                    });
                    return;
                }
                c.phase = Phase::Authenticating(bind_type, request.system_id.clone());
                c.requests
                    .push_back(ConnEvent::Authenticate(Box::new(request)));
            }
            Event::Request {
                frame,
                auto_responded,
            } => {
                if auto_responded {
                    return;
                }
                match &c.phase {
                    Phase::Bound(ctx) => c.requests.push_back(ConnEvent::Request {
                        ctx: ctx.clone(),
                        frame,
                    }),
                    _ => {
                        let request = frame.command_id();
                        let _ = c.session.respond(
                            now,
                            frame.sequence_number(),
                            CommandStatus::ESME_RSYSERR,
                            &default_response(request),
                        );
                    }
                }
            }
            Event::Response { frame, rtt, .. } => {
                let seq = frame.sequence_number();
                match c.pending.remove(&seq) {
                    Some(Pending::Delivery(d)) => self.delivery_answered(id, d, frame),
                    _ => self.responses.push_back(AppResponse {
                        bind_id: id,
                        sequence_number: seq,
                        outcome: RequestOutcome::Response { frame, rtt },
                    }),
                }
            }
            Event::MismatchedResponse {
                sequence_number,
                request,
                frame,
            } => match c.pending.remove(&sequence_number) {
                Some(Pending::Delivery(d)) => self.delivery_failed(
                    id,
                    d,
                    AttemptFailure::MismatchedResponse(frame.command_id()),
                ),
                _ => self.responses.push_back(AppResponse {
                    bind_id: id,
                    sequence_number,
                    outcome: RequestOutcome::MismatchedResponse { request, frame },
                }),
            },
            Event::ResponseTimeout {
                sequence_number, ..
            } => match c.pending.remove(&sequence_number) {
                Some(Pending::Delivery(d)) => self.delivery_failed(id, d, AttemptFailure::Timeout),
                _ => self.responses.push_back(AppResponse {
                    bind_id: id,
                    sequence_number,
                    outcome: RequestOutcome::Timeout,
                }),
            },
            Event::RequestFailed {
                sequence_number,
                reason,
                ..
            } => match c.pending.remove(&sequence_number) {
                Some(Pending::Delivery(d)) => self.delivery_failed(id, d, AttemptFailure::LinkLost),
                _ => self.responses.push_back(AppResponse {
                    bind_id: id,
                    sequence_number,
                    outcome: RequestOutcome::ConnectionLost(reason),
                }),
            },
            Event::Closed { reason } => {
                let was = core::mem::replace(&mut c.phase, Phase::Closed);
                c.requests.clear();
                let left: Vec<(u32, Pending)> =
                    core::mem::take(&mut c.pending).into_iter().collect();
                let outbind = c.outbind.take();
                self.registry.unregister(id);
                if let Phase::Bound(_) = was {
                    self.events.push_back(ServerEvent::Closed {
                        bind_id: id,
                        reason,
                    });
                }
                for (seq, p) in left {
                    match p {
                        Pending::Delivery(d) => {
                            self.delivery_failed(id, d, AttemptFailure::LinkLost)
                        }
                        Pending::App => self.responses.push_back(AppResponse {
                            bind_id: id,
                            sequence_number: seq,
                            outcome: RequestOutcome::ConnectionLost(reason),
                        }),
                    }
                }
                if let Some(t) = outbind {
                    if !self.shutting_down {
                        self.outbind_lost(now, t);
                    }
                }
            }
            // Peer faults are already answered by the session and counted in its counters;
            // the ESME-side events do not occur in the SMSC role.
            _ => {}
        }
    }

    fn delivery_answered(&mut self, bind: BindId, id: DeliveryId, response: Frame) {
        let status = response.command_status();
        let command = response.command_id();
        if status.is_ok() && command != CommandId::GenericNack {
            if let Some(f) = self.queue.finish(id) {
                self.forget_stored(id, &f.account);
                self.to_dispatch.push(f.account.clone());
                self.events.push_back(ServerEvent::Delivery {
                    id,
                    account: String::from(&*f.account),
                    outcome: DeliveryOutcome::Delivered {
                        bind_id: bind,
                        attempts: f.entry.attempts,
                        response,
                    },
                });
            }
        } else if is_temporary(command, status) {
            self.delivery_failed(bind, id, AttemptFailure::Status(status));
        } else if let Some(f) = self.queue.finish(id) {
            self.forget_stored(id, &f.account);
            self.to_dispatch.push(f.account.clone());
            self.events.push_back(ServerEvent::Delivery {
                id,
                account: String::from(&*f.account),
                outcome: DeliveryOutcome::Refused {
                    bind_id: bind,
                    status,
                    attempts: f.entry.attempts,
                },
            });
        }
    }

    fn delivery_failed(&mut self, bind: BindId, id: DeliveryId, failure: AttemptFailure) {
        match self.queue.retry(self.now, id, bind) {
            Retried::Requeued(account, attempts) => {
                self.events.push_back(ServerEvent::Retrying {
                    id,
                    account: String::from(&*account),
                    bind_id: bind,
                    failure,
                    attempts,
                });
                self.to_dispatch.push(account);
            }
            Retried::GaveUp(account, entry) => {
                self.forget_stored(id, &account);
                self.to_dispatch.push(account.clone());
                self.events.push_back(ServerEvent::Delivery {
                    id,
                    account: String::from(&*account),
                    outcome: DeliveryOutcome::GaveUp {
                        reason: GiveUpReason::RetryBudget(failure),
                        attempts: entry.attempts,
                        message: entry.frame,
                    },
                });
            }
            Retried::Unknown => {}
        }
    }

    fn dispatch_pending(&mut self) {
        while let Some(account) = self.to_dispatch.pop() {
            self.dispatch(&account);
        }
    }

    /// Hands waiting messages of `account` to its receivers while their windows have room,
    /// round robin, oldest first.
    /// True if a receiver-capable session of `account` is bound.
    fn can_receive(&self, account: &str) -> bool {
        self.registry.binds(account).any(|(_, b)| b.can_receive())
    }

    fn dispatch(&mut self, account: &str) {
        if self.shutting_down || self.queue.waiting(account) == 0 {
            return;
        }
        let receivers = self.registry.binds(account).count();
        let mut idle = 0;
        while idle < receivers && self.queue.waiting(account) > 0 {
            let Some(r) = self.registry.next_receiver(account) else {
                return;
            };
            if self.send_one(account, r) {
                idle = 0;
            } else {
                idle += 1;
            }
        }
    }

    /// Sends the first message of `account` that bind `r` may take now. True if one went.
    fn send_one(&mut self, account: &str, r: BindId) -> bool {
        let now = self.now;
        let Some(c) = self.conns.get_mut(&r) else {
            return false;
        };
        if !matches!(c.session.state(), State::Bound(_)) || c.session.is_window_full() {
            return false;
        }
        let Some((id, frame)) = self.queue.next_for(account, r, now) else {
            return false;
        };
        let sent = match frame.pdu() {
            Ok(pdu) => c.session.send(now, &pdu.body),
            Err(_) => Err(SessionError::Closed),
        };
        match sent {
            Ok(seq) => {
                c.pending.insert(seq, Pending::Delivery(id));
                self.queue.start(account, id);
                if !c.woken {
                    c.woken = true;
                    self.wake.push_back(r);
                }
                if !c.timer_stale {
                    c.timer_stale = true;
                    self.stale.push(r);
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Once shut down and every connection removed: what still waits is given up.
    fn finish_shutdown(&mut self) {
        if !self.shutting_down || !self.conns.is_empty() {
            return;
        }
        for (id, account, entry) in self.queue.drain_waiting() {
            self.events.push_back(ServerEvent::Delivery {
                id,
                account: String::from(&*account),
                outcome: DeliveryOutcome::GaveUp {
                    reason: GiveUpReason::Shutdown,
                    attempts: entry.attempts,
                    message: entry.frame,
                },
            });
        }
    }
}
