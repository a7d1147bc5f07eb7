//! The sans-IO ESME endpoint: one client's link to an SMSC over any number of successive
//! connections — request tickets, link state, reconnect and outbind decisions — decided
//! once for every runtime.
//!
//! A [`Endpoint`] owns the [`Session`] of the current connection. The driver tells it
//! what happened outside — a connection opened ([`Endpoint::connected`]) or could not be
//! opened ([`Endpoint::connect_failed`]), octets arrived ([`Endpoint::handle_input`]), the
//! peer closed ([`Endpoint::handle_eof`]), time passed ([`Endpoint::handle_timeout`]) — and
//! the application gives commands ([`Endpoint::send`], [`Endpoint::respond`],
//! [`Endpoint::unbind`], [`Endpoint::abort`]). Then the driver drains the polls:
//!
//! - [`Endpoint::poll_transmit`] / [`Endpoint::take_transmit`]: octets to write;
//! - [`Endpoint::poll_event`]: [`ClientEvent`]s — link state changes, the outcome of each
//!   request (by [`Ticket`]), requests from the SMSC to answer;
//! - [`Endpoint::poll_connect`]: a reconnect is due: open a new connection;
//! - [`Endpoint::poll_timeout`]: when to call [`Endpoint::handle_timeout`].
//!
//! Every request ends in exactly one [`ClientEvent::Outcome`]; requests on their way when a
//! link drops fail with [`RequestOutcome::ConnectionLost`]. With
//! [`ClientConfig::reconnect`], a link lost after a successful bind is opened again after
//! the policy's back-off (jitter from the seed given to [`Endpoint::new`]), and the attempt
//! count restarts after each successful bind. A first bind that fails is not retried.
//!
//! ```
//! use smpp_core::client::{ClientConfig, ClientEvent, Endpoint, LinkState, Mode};
//! use smpp_core::session::{BindType, Event, Session, SessionConfig};
//! use smpp_core::Instant;
//!
//! let now = Instant::ZERO;
//! let mut esme = Endpoint::new(ClientConfig::new("acme", "secret"), now, true, 7);
//! esme.connected(now, Mode::Bind);
//! // The SMSC's side, by hand.
//! let mut smsc = Session::new(SessionConfig::smsc(), now);
//! smsc.handle_input(now, &esme.take_transmit().unwrap());
//! let Some(Event::BindRequest { .. }) = smsc.poll_event() else { panic!() };
//! smsc.accept_bind(now, b"smsc", None).unwrap();
//! esme.handle_input(now, &smsc.take_transmit().unwrap());
//! let states: Vec<_> = std::iter::from_fn(|| esme.poll_event()).collect();
//! assert!(states.iter().any(|e| matches!(e, ClientEvent::State(LinkState::Bound(BindType::Transceiver)))));
//! ```

mod config;

pub use crate::server::RequestOutcome;
pub use config::{ClientConfig, LinkState, Response};

use crate::codec::Frame;
use crate::pdu::Body;
use crate::session::{BindType, CloseReason, Counters, Event, Role, Session, SessionConfig};
use crate::session::{SessionError, State};
use crate::time::Instant;
use crate::CommandStatus;
use alloc::collections::VecDeque;
use bytes::Bytes;

/// Identifies one request of the application within an endpoint, across connections: the
/// connection it went on and its sequence number there (no two outstanding requests share
/// one, so the endpoint needs no table to find a ticket again).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ticket(pub u64);

impl Ticket {
    fn new(generation: u64, sequence_number: u32) -> Ticket {
        Ticket(generation << 32 | u64::from(sequence_number))
    }

    /// The request's sequence number on its connection.
    pub fn sequence_number(self) -> u32 {
        (self.0 & 0xFFFF_FFFF) as u32
    }

    /// The connection it went on (1 for the first).
    pub fn generation(self) -> u64 {
        self.0 >> 32
    }
}

/// Identifies a request from the SMSC: the connection it came on and its sequence number.
/// An answer for a connection that is gone is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IncomingId {
    /// The connection (1 for the first).
    pub generation: u64,
    /// The request's sequence number.
    pub sequence_number: u32,
}

/// How a new connection starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Send our bind at once.
    Bind,
    /// Wait for the SMSC's `outbind`, then bind as receiver.
    Outbind,
}

/// What the endpoint tells the driver and the application.
#[derive(Clone, Debug)]
pub enum ClientEvent {
    /// The link state changed.
    State(LinkState),
    /// A request of the application ended.
    Outcome {
        /// The request.
        ticket: Ticket,
        /// How.
        outcome: RequestOutcome,
    },
    /// A request from the SMSC (`deliver_sm`, `data_sm`, `alert_notification`, ...).
    Incoming {
        /// Answer it with [`Endpoint::respond`] and this id.
        id: IncomingId,
        /// The request.
        frame: Frame,
        /// False when it was answered already (`auto_respond`) or has no response.
        needs_response: bool,
    },
}

/// The ESME endpoint. See the [module docs](self).
#[derive(Debug)]
pub struct Endpoint {
    config: ClientConfig,
    session_config: SessionConfig,
    now: Instant,
    session: Session,
    connected: bool,
    state: LinkState,
    generation: u64,
    redial: bool,
    attempt: u32,
    ever_bound: bool,
    reconnect_at: Option<Instant>,
    connect_due: bool,
    shut: bool,
    /// The application's `congestion_state`, for every session.
    congestion_override: Option<u8>,
    last_close: Option<CloseReason>,
    rng: crate::reconnect::Jitter,
    events: VecDeque<ClientEvent>,
}

impl Endpoint {
    /// A new endpoint at `now`, before its first connection. `redial` says whether the
    /// driver can open the connection again (false for a stream the application gave it:
    /// then there is no reconnect). `seed` is a random value for reconnect jitter.
    pub fn new(config: ClientConfig, now: Instant, redial: bool, seed: u64) -> Endpoint {
        let session_config = config.session.clone().with_role(Role::Esme);
        let mut session = Session::new(session_config.clone(), now);
        session.abort(now);
        while session.poll_event().is_some() {}
        Endpoint {
            config,
            session_config,
            now,
            session,
            connected: false,
            state: LinkState::Connecting,
            generation: 0,
            redial,
            attempt: 0,
            ever_bound: false,
            reconnect_at: None,
            connect_due: false,
            shut: false,
            congestion_override: None,
            last_close: None,
            rng: crate::reconnect::Jitter::new(seed),
            events: VecDeque::new(),
        }
    }

    // ----- getters -------------------------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The link state now.
    pub fn state(&self) -> LinkState {
        self.state
    }

    /// True once the endpoint is over for good ([`LinkState::Closed`]).
    pub fn is_closed(&self) -> bool {
        matches!(self.state, LinkState::Closed(_))
    }

    /// True while a connection is open (its session not yet closed).
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The current connection's number (1 for the first; 0 before any).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The current session's counters (a new connection starts from zero).
    pub fn counters(&self) -> &Counters {
        self.session.counters()
    }

    /// Our requests outstanding on the current connection.
    pub fn in_flight(&self) -> usize {
        self.session.in_flight()
    }

    /// True when [`Endpoint::send`] would fail with `WindowFull`.
    pub fn is_window_full(&self) -> bool {
        self.session.is_window_full()
    }

    /// True while the driver should read more (false when not connected, and while the
    /// peer does not read our output).
    pub fn wants_input(&self) -> bool {
        self.connected && self.session.wants_input()
    }

    /// The current session's state.
    pub fn session_state(&self) -> State {
        self.session.state()
    }

    /// The SMPP version the current session negotiated (`None` until bound): 5.0 only when
    /// [`SessionConfig::max_version`](crate::session::SessionConfig::max_version) asked for
    /// it and the SMSC answered `sc_interface_version` 0x50; a 0x34 answer falls back to 3.4
    /// (5.0 requests then fail with `SessionError::NotNegotiated`).
    pub fn negotiated_version(&self) -> Option<crate::session::SmppVersion> {
        self.session.negotiated_version()
    }

    /// The SMSC's `sc_interface_version` on the current session (`None` before the bind
    /// response, or when it had none: an SMSC of SMPP 3.3 or earlier).
    pub fn peer_interface_version(&self) -> Option<u8> {
        self.session.peer_interface_version()
    }

    /// The last `congestion_state` the SMSC reported on the current (5.0) session.
    pub fn peer_congestion(&self) -> Option<u8> {
        self.session.peer_congestion()
    }

    /// Requests allowed on the wire at once now: the window narrowed by the SMSC's
    /// congestion (see [`Session::effective_window`]).
    pub fn effective_window(&self) -> usize {
        self.session.effective_window()
    }

    /// Sets the `congestion_state` our responses carry on a 5.0 session (`None`: our own
    /// load). Applies to the current session and to those of later connections.
    pub fn set_congestion_state(&mut self, state: Option<u8>) {
        self.congestion_override = state;
        self.session.set_congestion_state(state);
    }

    // ----- handlers ------------------------------------------------------------------------

    fn tick(&mut self, now: Instant) -> Instant {
        if now > self.now {
            self.now = now;
        }
        self.now
    }

    /// A connection is open: a new session starts on it, sending our bind
    /// ([`Mode::Bind`]) or waiting for the SMSC's `outbind` ([`Mode::Outbind`]). Ignored
    /// once closed or while a connection is open.
    pub fn connected(&mut self, now: Instant, mode: Mode) {
        let now = self.tick(now);
        if self.connected || self.is_closed() {
            return;
        }
        if self.shut {
            self.finish();
            return;
        }
        self.session = Session::new(self.session_config.clone(), now);
        self.session.set_congestion_state(self.congestion_override);
        self.generation += 1;
        self.connected = true;
        self.reconnect_at = None;
        self.connect_due = false;
        match mode {
            Mode::Bind => self.send_bind(now, self.config.bind_type),
            Mode::Outbind => self.set_state(LinkState::Connecting),
        }
        self.process();
    }

    /// Opening a connection failed (refused, timed out, TLS handshake failed): another
    /// attempt after the back-off, or the end.
    pub fn connect_failed(&mut self, now: Instant) {
        let now = self.tick(now);
        if self.connected || self.is_closed() {
            return;
        }
        self.lost(now);
    }

    /// Octets received.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        let now = self.tick(now);
        if self.connected {
            self.session.handle_input(now, data);
            self.process();
        }
    }

    /// The peer closed the connection (or reading or writing failed).
    pub fn handle_eof(&mut self, now: Instant) {
        let now = self.tick(now);
        if self.connected {
            self.session.handle_eof(now);
            self.process();
        }
    }

    /// Time passed. Calling it early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.tick(now);
        if self.connected {
            self.session.handle_timeout(now);
            self.process();
        }
        if self.reconnect_at.is_some_and(|t| now >= t) {
            self.reconnect_at = None;
            self.connect_due = true;
            self.set_state(LinkState::Connecting);
        }
    }

    // ----- commands ------------------------------------------------------------------------

    /// Sends a request; its outcome comes as [`ClientEvent::Outcome`] with the ticket.
    /// Fails at once, sending nothing, when not bound (`InvalidState`, also while
    /// reconnecting), once closed (`Closed`), or as [`Session::send`] does.
    pub fn send(&mut self, now: Instant, body: &Body<'_>) -> Result<Ticket, SessionError> {
        self.send_seq(now, body).map(|(ticket, _)| ticket)
    }

    /// [`Endpoint::send`], also giving the request's sequence number on the current
    /// connection (as [`Ticket::sequence_number`] does).
    pub fn send_seq(
        &mut self,
        now: Instant,
        body: &Body<'_>,
    ) -> Result<(Ticket, u32), SessionError> {
        let now = self.tick(now);
        if self.shut || self.is_closed() {
            return Err(SessionError::Closed);
        }
        if !self.connected {
            return Err(SessionError::InvalidState {
                state: State::Closed,
            });
        }
        let seq = self.session.send(now, body)?;
        Ok((Ticket::new(self.generation, seq), seq))
    }

    /// Answers request `id` from the SMSC. Refused (`Closed`) when its connection is
    /// gone; a body that does not answer it is refused as [`Session::respond`] does.
    pub fn respond(
        &mut self,
        now: Instant,
        id: IncomingId,
        status: CommandStatus,
        body: &Body<'_>,
    ) -> Result<(), SessionError> {
        let now = self.tick(now);
        if !self.connected || id.generation != self.generation {
            return Err(SessionError::Closed);
        }
        let r = self.session.respond(now, id.sequence_number, status, body);
        self.process();
        r
    }

    /// Closes for good, gracefully: no new requests; outstanding ones drain (up to the
    /// drain timeout), then the unbind exchange. No reconnect follows.
    pub fn unbind(&mut self, now: Instant) {
        let now = self.tick(now);
        self.shut = true;
        self.reconnect_at = None;
        self.connect_due = false;
        if !self.connected {
            self.finish();
            return;
        }
        match self.session.state() {
            State::Bound(_) => {
                if self.session.unbind(now).is_ok() {
                    self.set_state(LinkState::Unbinding);
                }
            }
            State::Unbinding(_) => {}
            _ => self.session.abort(now),
        }
        self.process();
    }

    /// Closes for good at once: outstanding requests fail with
    /// [`CloseReason::Aborted`].
    pub fn abort(&mut self, now: Instant) {
        let now = self.tick(now);
        self.shut = true;
        self.reconnect_at = None;
        self.connect_due = false;
        if self.connected {
            self.session.abort(now);
            self.process();
        } else {
            self.finish();
        }
    }

    // ----- polls ---------------------------------------------------------------------------

    /// Octets to write, if any; report what was written with
    /// [`Endpoint::advance_transmit`].
    #[must_use]
    pub fn poll_transmit(&self) -> Option<&[u8]> {
        self.session.poll_transmit()
    }

    /// Marks `n` octets of [`Endpoint::poll_transmit`] as written.
    pub fn advance_transmit(&mut self, n: usize) {
        self.session.advance_transmit(n);
        self.process();
    }

    /// Takes all pending output as one buffer.
    #[must_use]
    pub fn take_transmit(&mut self) -> Option<Bytes> {
        let out = self.session.take_transmit();
        self.process();
        out
    }

    /// The next event.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// True (once) when the driver must open a new connection: a reconnect is due. It
    /// then reports [`Endpoint::connected`] or [`Endpoint::connect_failed`].
    #[must_use]
    pub fn poll_connect(&mut self) -> bool {
        core::mem::take(&mut self.connect_due)
    }

    /// When [`Endpoint::handle_timeout`] must next be called.
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let session = if self.connected {
            self.session.poll_timeout()
        } else {
            None
        };
        match (session, self.reconnect_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- internals -----------------------------------------------------------------------

    fn set_state(&mut self, s: LinkState) {
        if self.state != s && !self.is_closed() {
            self.state = s;
            self.events.push_back(ClientEvent::State(s));
        }
    }

    fn send_bind(&mut self, now: Instant, bind_type: BindType) {
        let bind = self.config.bind_body();
        match self.session.bind(now, bind_type, &bind) {
            Ok(_) => self.set_state(LinkState::Binding),
            Err(_) => self.session.abort(now),
        }
    }

    fn process(&mut self) {
        let now = self.now;
        while let Some(ev) = self.session.poll_event() {
            match ev {
                Event::Bound { bind_type, .. } => {
                    self.ever_bound = true;
                    self.attempt = 0;
                    self.set_state(LinkState::Bound(bind_type));
                }
                Event::Outbind { .. } => self.send_bind(now, BindType::Receiver),
                Event::Request {
                    frame,
                    auto_responded,
                } => {
                    let needs_response = !auto_responded && frame.command_id().response().is_some();
                    self.events.push_back(ClientEvent::Incoming {
                        id: IncomingId {
                            generation: self.generation,
                            sequence_number: frame.sequence_number(),
                        },
                        frame,
                        needs_response,
                    });
                }
                Event::Response { frame, rtt, .. } => {
                    let ticket = Ticket::new(self.generation, frame.sequence_number());
                    self.events.push_back(ClientEvent::Outcome {
                        ticket,
                        outcome: RequestOutcome::Response { frame, rtt },
                    });
                }
                Event::MismatchedResponse {
                    sequence_number,
                    request,
                    frame,
                } => self.fail(
                    sequence_number,
                    RequestOutcome::MismatchedResponse { request, frame },
                ),
                Event::ResponseTimeout {
                    sequence_number, ..
                } => self.fail(sequence_number, RequestOutcome::Timeout),
                Event::RequestFailed {
                    sequence_number,
                    reason,
                    ..
                } => self.fail(sequence_number, RequestOutcome::ConnectionLost(reason)),
                Event::Closed { reason } => {
                    self.connected = false;
                    self.last_close = Some(reason);
                    // The session failed every request of its window (RequestFailed) before
                    // this event.
                    self.lost(now);
                }
                // Peer faults are answered by the session and counted in its counters.
                _ => {}
            }
        }
    }

    fn fail(&mut self, seq: u32, outcome: RequestOutcome) {
        let ticket = Ticket::new(self.generation, seq);
        self.events
            .push_back(ClientEvent::Outcome { ticket, outcome });
    }

    /// No connection now: schedule the next attempt, or end.
    fn lost(&mut self, now: Instant) {
        let policy = match self.config.reconnect {
            Some(p) if self.redial && self.ever_bound && !self.shut => p,
            _ => return self.finish(),
        };
        self.attempt = self.attempt.saturating_add(1);
        match policy.delay(self.attempt, self.rng.next_u64()) {
            Some(delay) => {
                self.reconnect_at = Some(now + delay);
                self.set_state(LinkState::Reconnecting {
                    attempt: self.attempt,
                    delay: delay.into(),
                });
            }
            None => self.finish(),
        }
    }

    fn finish(&mut self) {
        if !self.is_closed() {
            self.connected = false;
            self.reconnect_at = None;
            self.connect_due = false;
            let s = LinkState::Closed(self.last_close);
            self.state = s;
            self.events.push_back(ClientEvent::State(s));
        }
    }
}
