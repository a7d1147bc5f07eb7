//! The sans-IO session: one SMPP link's state machine, for either role.
//!
//! A [`Session`] consumes received octets ([`Session::handle_input`]), the end of the stream
//! ([`Session::handle_eof`]) and the passing of time ([`Session::handle_timeout`]); it takes
//! commands from the application ([`Session::bind`], [`Session::send`],
//! [`Session::respond`], [`Session::unbind`], ...); and it tells its driver what to do
//! through polls: octets to write ([`Session::poll_transmit`]), events for the application
//! ([`Session::poll_event`]), and when to call back ([`Session::poll_timeout`]). After any
//! handler or command, drain the polls; any order is correct.
//!
//! ```
//! # #[cfg(feature = "alloc")]
//! # fn main() {
//! use smpp_core::pdu::{Address, Bind, Body, SubmitSm};
//! use smpp_core::session::{BindType, Event, Session, SessionConfig};
//! use smpp_core::Instant;
//!
//! let now = Instant::ZERO;
//! let mut esme = Session::new(SessionConfig::esme(), now);
//! let mut smsc = Session::new(SessionConfig::smsc(), now);
//! esme.bind(now, BindType::Transceiver, &Bind::new("user", "secret")).unwrap();
//!
//! // A driver moves octets between the two; here, directly.
//! fn pump(from: &mut Session, to: &mut Session, now: Instant) {
//!     while let Some(out) = from.take_transmit() {
//!         to.handle_input(now, &out);
//!     }
//! }
//! pump(&mut esme, &mut smsc, now);
//! match smsc.poll_event() {
//!     Some(Event::BindRequest { .. }) => smsc.accept_bind(now, b"smsc", None).unwrap(),
//!     other => panic!("{other:?}"),
//! }
//! pump(&mut smsc, &mut esme, now);
//! assert!(matches!(esme.poll_event(), Some(Event::Bound { .. })));
//!
//! let seq = esme
//!     .send(now, &Body::SubmitSm(SubmitSm {
//!         destination: Address::international("447700900123"),
//!         short_message: b"hi",
//!         ..Default::default()
//!     }))
//!     .unwrap();
//! pump(&mut esme, &mut smsc, now);
//! let Some(Event::Request { frame, .. }) = smsc.poll_event() else { panic!() };
//! let resp = Body::SubmitSmResp(smpp_core::pdu::MessageIdResp::new(b"id-1"));
//! smsc.respond(now, frame.sequence_number(), Default::default(), &resp).unwrap();
//! pump(&mut smsc, &mut esme, now);
//! match esme.poll_event() {
//!     Some(Event::Response { frame, .. }) => assert_eq!(frame.sequence_number(), seq),
//!     other => panic!("{other:?}"),
//! }
//! # }
//! # #[cfg(not(feature = "alloc"))]
//! # fn main() {}
//! ```
//!
//! Without `alloc`, the same session runs in fixed capacities: `Session<Fixed<...>>`, made
//! with [`Session::new_in`] (see [`Fixed`] for its limits). Its frames hold
//! `heapless::Vec<u8, PDU>`, and [`Session::poll_transmit`] with
//! [`Session::advance_transmit`] take the output (`take_transmit` is the heap's).

mod command_set;
mod config;
mod counters;
mod error;
mod event;
mod observe;
mod state;
pub mod storage;
mod throttle;
mod version;
mod window;

pub use command_set::CommandSet;
pub use config::{Inactivity, SessionConfig};
pub use counters::{Counters, PerCommand, StatusCounts};
pub use error::{CloseReason, SessionError};
pub use event::Event;
pub use observe::{Observer, Transition};
pub use state::{allowed_when_bound, may_send, BindType, Role, State};
#[cfg(feature = "alloc")]
pub use storage::Heap;
pub use storage::{Fixed, Storage};
pub use version::{congestion_cap, load_percent, CongestionLevel, SmppVersion};
pub use window::{next_sequence, MAX_SEQUENCE};

use crate::codec::{frame, EncodeError, Frame, Framing};
use crate::pdu::{
    Bind, BindResp, Body, CommandId, CommandStatus, Header, MessageIdResp, Outbind, Pdu,
    SubmitMultiResp, Tlv, TlvTag, Tlvs,
};
use crate::time::Instant;
#[cfg(feature = "alloc")]
use bytes::Bytes;
use storage::{ByteBuffer, Fifo, List, RxBuffer, TxBuffer, TX_PROCESS_ROOM};
use throttle::Throttle;
use window::Window;

/// Room for events input is processed with: the most one received PDU produces
/// (`Throttled` and `Response`, or `MismatchedResponse` and `BindFailed`).
const EVENT_ROOM: usize = 2;

/// The events a session holds for the application once it closed: produced as they are
/// polled, so that closing with a full window needs no room in the event queue.
#[derive(Clone, Copy, Debug)]
struct Closing {
    reason: CloseReason,
    /// A bind was pending: [`Event::BindFailed`] with this status comes first.
    bind_failed: Option<Option<CommandStatus>>,
}

/// Declares [`Session`], with [`Heap`] as its default storage when `alloc` is on (and no
/// default without it).
macro_rules! session_struct {
    ($($default:ty)?) => {
/// One SMPP link's protocol state machine. See the [module docs](self) for the contract.
///
/// `S` is where its buffers and queues live: [`Heap`] (the default, with `alloc`) or
/// [`Fixed`] capacities chosen at compile time (no allocation). See [`storage`].
pub struct Session<S: Storage $(= $default)?> {
    config: SessionConfig,
    state: State,
    now: Instant,
    rx: S::Rx,
    tx: S::Tx,
    events: S::Events,
    window: Window<S::Slots>,
    /// Our requests queued behind the rate limit or a throttle answer, in sending order;
    /// their encodings are kept in the window.
    queued: S::Queued,
    /// How many entries at the front of `queued` are throttled requests sent again.
    requeued: usize,
    throttle: Throttle,
    /// ESME: our bind request (sequence number, type).
    bind_pending: Option<(u32, BindType)>,
    /// SMSC: the peer's bind request awaiting the application (sequence number, type).
    bind_request: Option<(u32, BindType)>,
    /// ESME: bind response deadline. SMSC: deadline for a successful bind.
    bind_deadline: Option<Instant>,
    enquire_pending: Option<(u32, Instant)>,
    unbind_pending: Option<(u32, Instant)>,
    drain_deadline: Option<Instant>,
    last_rx: Instant,
    /// The last activity for the inactivity timer (see [`Inactivity`]).
    last_activity: Instant,
    peer_requests: S::Requests,
    late: S::Late,
    counters: Counters,
    next_message_id: u64,
    /// Set once closed: the events still to come.
    closing: Option<Closing>,
    /// Octets of the PDU being handled still at the front of the receive buffer.
    frame_len: usize,
    /// The peer closed its side; the session closes once the input already received is
    /// processed.
    eof: bool,
    /// ESME: the `interface_version` of our bind request.
    asked_version: Option<u8>,
    /// The peer's version octet: SMSC, the bind's `interface_version`; ESME, the bind
    /// response's `sc_interface_version` (`None` before the bind response, and when it had
    /// none).
    peer_version: Option<u8>,
    /// The negotiated version, once bound.
    negotiated: Option<SmppVersion>,
    /// The last `congestion_state` the peer reported (5.0 sessions).
    peer_congestion: Option<u8>,
    /// [`congestion_cap`] of `peer_congestion`, the window and the threshold, kept as
    /// `peer_congestion` changes (the window and the configuration are fixed at
    /// creation): `usize::MAX` until a 5.0 peer reports a state, so that a 3.4 session's
    /// sends compare with a constant.
    cap: usize,
    /// The application's `congestion_state` for our responses, instead of our own load.
    congestion_override: Option<u8>,
}
    };
}

#[cfg(feature = "alloc")]
session_struct!(Heap);
#[cfg(not(feature = "alloc"))]
session_struct!();

#[cfg(feature = "alloc")]
impl Session<Heap> {
    /// A new session on a fresh connection, at time `now`, on the heap. An SMSC session
    /// starts its bind timer here.
    pub fn new(config: SessionConfig, now: Instant) -> Session {
        Session::new_in(config, now)
    }

    /// Takes all pending output as one owned buffer. Input held back while the output was
    /// over its bound is processed then (its events and answers follow).
    #[must_use]
    pub fn take_transmit(&mut self) -> Option<Bytes> {
        let held = self.holds_input();
        let out = (!self.tx.is_empty()).then(|| self.tx.split().freeze());
        self.resume(held);
        out
    }
}

impl<S: Storage> Session<S> {
    /// A new session on a fresh connection, at time `now`, in storage `S` (for
    /// [`Fixed`], the configuration is capped to its capacities). An SMSC session starts
    /// its bind timer here.
    pub fn new_in(mut config: SessionConfig, now: Instant) -> Session<S> {
        S::limit(&mut config);
        let bind_deadline = match config.role {
            crate::session::Role::Smsc => Some(now + config.bind_timeout),
            crate::session::Role::Esme => None,
        };
        Session {
            window: Window::new(
                config.window,
                config.first_sequence_number,
                config.throttle_retries > 0,
            ),
            throttle: Throttle::new(
                config.max_send_rate,
                config.send_burst,
                config.throttle_backoff,
                config.max_throttle_backoff,
                now,
            ),
            state: State::Open,
            now,
            rx: Default::default(),
            tx: Default::default(),
            events: Default::default(),
            queued: Default::default(),
            requeued: 0,
            bind_pending: None,
            bind_request: None,
            bind_deadline,
            enquire_pending: None,
            unbind_pending: None,
            drain_deadline: None,
            last_rx: now,
            last_activity: now,
            peer_requests: Default::default(),
            late: Default::default(),
            counters: Counters::default(),
            next_message_id: 1,
            closing: None,
            frame_len: 0,
            eof: false,
            asked_version: None,
            peer_version: None,
            negotiated: None,
            peer_congestion: None,
            cap: usize::MAX,
            congestion_override: None,
            config,
        }
    }

    // ----- getters -------------------------------------------------------------------------

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// This session's role.
    pub fn role(&self) -> Role {
        self.config.role
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// True once the session closed.
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Our requests outstanding (sent or queued, awaiting a response); 0 once closed.
    pub fn in_flight(&self) -> usize {
        if self.is_closed() {
            0
        } else {
            self.window.len()
        }
    }

    /// True when `send` would fail with [`SessionError::WindowFull`].
    pub fn is_window_full(&self) -> bool {
        self.window.is_full()
    }

    /// The peer's requests still waiting for the application's answer.
    pub fn unanswered(&self) -> usize {
        self.peer_requests.len()
    }

    /// Monitoring counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The peer's version octet as received: on an SMSC the bind's `interface_version`, on
    /// an ESME the bind response's `sc_interface_version`; `None` before it arrived, and on
    /// an ESME whose SMSC answered without the TLV (by the specification an SMSC of SMPP
    /// 3.3 or earlier: see [`Session::peer_version`]).
    pub fn peer_interface_version(&self) -> Option<u8> {
        self.peer_version
    }

    /// The peer's SMPP version, once known: from [`Session::peer_interface_version`], and
    /// [`SmppVersion::V3_3`] for a bind response without `sc_interface_version`.
    pub fn peer_version(&self) -> Option<SmppVersion> {
        match (self.peer_version, self.negotiated) {
            (Some(v), _) => Some(SmppVersion::from_interface_version(v)),
            (None, Some(_)) => Some(SmppVersion::V3_3),
            (None, None) => None,
        }
    }

    /// The version this session negotiated (`None` until bound): the lowest of ours
    /// ([`SessionConfig::max_version`]), the one our bind asked for (ESME) and the peer's.
    pub fn negotiated_version(&self) -> Option<SmppVersion> {
        self.negotiated
    }

    /// True on a session negotiated at SMPP 5.0.
    #[inline]
    fn is_5_0(&self) -> bool {
        matches!(self.negotiated, Some(SmppVersion::V5_0))
    }

    /// The last `congestion_state` (0..=100) the peer put in a response on this 5.0
    /// session; `None` until one arrived.
    pub fn peer_congestion(&self) -> Option<u8> {
        self.peer_congestion
    }

    /// How many of our requests may be on the wire at once now: the window, narrowed by the
    /// peer's congestion ([`congestion_cap`] with [`SessionConfig::congestion_threshold`]).
    /// Requests beyond it (and within the window) queue until responses report less load.
    pub fn effective_window(&self) -> usize {
        self.congestion_cap().min(self.window.max())
    }

    /// The `congestion_state` this session puts in its responses on a 5.0 session: the
    /// value set with [`Session::set_congestion_state`], or else our own load (the fill of
    /// the peer window: the peer's requests awaiting our answer, out of
    /// [`SessionConfig::peer_window`]).
    pub fn congestion_state(&self) -> u8 {
        self.congestion_override
            .unwrap_or_else(|| load_percent(self.peer_requests.len(), self.config.peer_window))
    }

    /// The cap on our requests on the wire (cached: see `cap`).
    #[inline(always)]
    fn congestion_cap(&self) -> usize {
        self.cap
    }

    /// Records the peer's `congestion_state` and recomputes the cap when it changed.
    fn set_peer_congestion(&mut self, state: u8) {
        if self.peer_congestion == Some(state) {
            return;
        }
        self.peer_congestion = Some(state);
        self.cap = match self.config.congestion_threshold {
            Some(threshold) => congestion_cap(self.window.max(), state, threshold),
            None => usize::MAX,
        };
    }

    /// True while the driver should read more from the peer: false once closed, while the
    /// peer is not reading our output (backpressure), and while a whole maximum-size PDU's
    /// worth of input already waits to be processed (it is processed as the output drains:
    /// [`Session::take_transmit`] and [`Session::advance_transmit`] resume it). A driver
    /// that reads at most 64 KiB at a time never makes the receive buffer overflow.
    ///
    /// With [`Fixed`] storage it is also false while the event queue lacks room for what one
    /// PDU may produce (two events) and until [`Session::poll_event`] makes it, and while
    /// the receive buffer is full.
    pub fn wants_input(&self) -> bool {
        self.can_process()
            && self.rx.bytes().len() < self.config.max_pdu_len as usize
            && self.receive_capacity() > 0
    }

    /// How many octets [`Session::handle_input`] can take now. More than this closes the
    /// session with [`CloseReason::BufferOverflow`]: on the heap the bound is twice
    /// `max_pdu_len` plus 64 KiB of unprocessed input; with [`Fixed`] storage it is the
    /// receive buffer's free space (input is processed as it arrives, so a driver that reads
    /// at most this much never overflows).
    pub fn receive_capacity(&self) -> usize {
        self.overflow_limit()
            .saturating_sub(self.rx.bytes().len())
            .min(self.rx.spare())
    }

    fn overflow_limit(&self) -> usize {
        (self.config.max_pdu_len as usize).saturating_mul(2) + 65_536
    }

    /// True while received PDUs may be processed: open, the output within its bound (and,
    /// with fixed storage, room for the session's answers), and room for two events.
    fn can_process(&self) -> bool {
        !self.is_closed()
            && self.tx.bytes().len() <= self.config.max_transmit_buffer
            && self.tx.spare() >= TX_PROCESS_ROOM
            && self.events.room() >= EVENT_ROOM
    }

    /// True when received input waits because the output is over its bound (or the event
    /// queue is full).
    pub(crate) fn holds_input(&self) -> bool {
        !self.rx.bytes().is_empty() && !self.is_closed() && !self.can_process()
    }

    /// After output or events were taken: processes input held back meanwhile, sends what
    /// the queue may send, and completes an end of stream that waited for the input.
    fn resume(&mut self, held: bool) {
        let now = self.now;
        if held && self.can_process() {
            self.process(now);
        }
        if !self.queued.is_empty() {
            self.flush_queue(now);
        }
        if self.eof {
            self.finish_eof();
        }
    }

    // ----- handlers ------------------------------------------------------------------------

    fn tick(&mut self, now: Instant) -> Instant {
        if now > self.now {
            self.now = now;
        }
        self.now
    }

    /// Octets received from the peer. Any split of the stream is fine.
    pub fn handle_input(&mut self, now: Instant, data: &[u8]) {
        let now = self.tick(now);
        if self.is_closed() {
            return;
        }
        let mut data = data;
        loop {
            let n = data.len().min(self.rx.spare());
            let (chunk, rest) = data.split_at(n);
            self.rx.push(chunk);
            data = rest;
            self.process(now);
            if data.is_empty() || self.is_closed() {
                break;
            }
            if n == 0 {
                // The fixed receive buffer is full and its input cannot be processed now.
                self.close(CloseReason::BufferOverflow);
                return;
            }
        }
        self.flush_queue(now);
    }

    /// The peer closed its side of the connection.
    ///
    /// Complete PDUs already received are processed first; while they wait (the output over
    /// its bound, or a full fixed event queue) the session closes only once they are done.
    pub fn handle_eof(&mut self, now: Instant) {
        let now = self.tick(now);
        if self.is_closed() {
            return;
        }
        self.eof = true;
        self.process(now);
        self.finish_eof();
    }

    /// Closes after the peer's end of stream, unless received PDUs still wait.
    fn finish_eof(&mut self) {
        if self.is_closed() || self.holds_input() {
            return;
        }
        let reason = if self.rx.bytes().is_empty() {
            CloseReason::PeerClosed
        } else {
            CloseReason::UnexpectedEof
        };
        self.close(reason);
    }

    /// Time passed. Calling it before [`Session::poll_timeout`]'s deadline is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        let now = self.tick(now);
        if self.is_closed() {
            return;
        }
        self.process(now);
        if self.is_closed() {
            return;
        }
        if self.bind_deadline.is_some_and(|d| now >= d) {
            // A pending bind fails first (BindFailed, status None).
            self.bind_deadline = None;
            self.close(CloseReason::BindTimeout);
            return;
        }
        self.expire_requests(now);
        if self.enquire_pending.is_some_and(|(_, d)| now >= d) {
            self.close(CloseReason::EnquireLinkTimeout);
            return;
        }
        if self.unbind_pending.is_some_and(|(_, d)| now >= d) {
            self.close(CloseReason::UnbindTimeout);
            return;
        }
        if self.drain_deadline.is_some_and(|d| now >= d) {
            self.send_unbind(now);
        }
        if let Some(t) = self.config.inactivity_timeout {
            if self.state.bind_type().is_some() && now >= self.last_activity + t {
                if self.unbind_pending.is_none() {
                    let seq = self.window.take_untracked();
                    if self.write_internal(&Pdu::new(seq, Body::Unbind)) {
                        self.counters.requests_sent.add(CommandId::Unbind);
                    }
                }
                self.close(CloseReason::InactivityTimeout);
                return;
            }
        }
        if let Some(at) = self.enquire_due() {
            if now >= at {
                let seq = self.window.take_untracked();
                if self.write_internal(&Pdu::new(seq, Body::EnquireLink)) {
                    self.counters.requests_sent.add(CommandId::EnquireLink);
                    self.enquire_pending = Some((seq, now + self.config.response_timeout));
                }
            }
        }
        self.flush_queue(now);
    }

    // ----- commands ------------------------------------------------------------------------

    /// ESME: sends a bind request. Allowed in OPEN, and in OUTBOUND after an outbind.
    /// Returns the sequence number; [`Event::Bound`] or [`Event::BindFailed`] follows.
    pub fn bind(
        &mut self,
        now: Instant,
        bind_type: BindType,
        bind: &Bind<'_>,
    ) -> Result<u32, SessionError> {
        let now = self.tick(now);
        self.check_open()?;
        if self.config.role != Role::Esme {
            return Err(SessionError::WrongDirection {
                command_id: bind_type.command_id(),
            });
        }
        if !matches!(self.state, State::Open | State::Outbound) {
            return Err(SessionError::InvalidState { state: self.state });
        }
        let seq = self.window.peek_seq();
        let body = match bind_type {
            BindType::Transmitter => Body::BindTransmitter(*bind),
            BindType::Receiver => Body::BindReceiver(*bind),
            BindType::Transceiver => Body::BindTransceiver(*bind),
        };
        self.write_app(&Pdu::new(seq, body))?;
        let seq = self.window.take_untracked();
        self.counters.requests_sent.add(bind_type.command_id());
        self.asked_version = Some(bind.interface_version);
        self.bind_pending = Some((seq, bind_type));
        self.bind_deadline = Some(now + self.config.bind_timeout);
        self.state = State::Binding(bind_type);
        Ok(seq)
    }

    /// SMSC: accepts the pending bind request, answering with our `system_id` and, if
    /// given, the `sc_interface_version` TLV.
    pub fn accept_bind(
        &mut self,
        now: Instant,
        system_id: &[u8],
        sc_interface_version: Option<u8>,
    ) -> Result<(), SessionError> {
        self.tick(now);
        self.check_open()?;
        let (seq, bind_type) = self
            .bind_request
            .ok_or(SessionError::InvalidState { state: self.state })?;
        let negotiated = self
            .peer_version
            .map_or(SmppVersion::V3_4, SmppVersion::from_interface_version)
            .min(self.config.max_version);
        // A 5.0-capable SMSC names the negotiated version (0x50 to a 5.0 bind, 0x34 to a
        // 3.4 one); otherwise the value given is sent as it is.
        let sc_interface_version = match sc_interface_version {
            Some(_) if self.config.max_version.is_5_0() && negotiated >= SmppVersion::V3_4 => {
                Some(negotiated.interface_version())
            }
            v => v,
        };
        let tlv = sc_interface_version.map(|v| [Tlv::u8(TlvTag::SC_INTERFACE_VERSION, v)]);
        let resp = BindResp {
            system_id,
            tlvs: tlv.as_ref().map_or(Tlvs::EMPTY, |t| Tlvs::from_slice(t)),
        };
        self.write_app_response(&Pdu::new(seq, bind_resp_body(bind_type, resp)))?;
        self.bind_request = None;
        self.bind_deadline = None;
        self.negotiated = Some(negotiated);
        self.state = State::Bound(bind_type);
        Ok(())
    }

    /// SMSC: rejects the pending bind request with `status` (for example `ESME_RBINDFAIL`
    /// or `ESME_RINVPASWD`) and closes the session.
    pub fn reject_bind(&mut self, now: Instant, status: CommandStatus) -> Result<(), SessionError> {
        self.tick(now);
        self.check_open()?;
        let (seq, bind_type) = self
            .bind_request
            .ok_or(SessionError::InvalidState { state: self.state })?;
        let status = if status.is_ok() {
            CommandStatus::ESME_RBINDFAIL
        } else {
            status
        };
        let body = bind_resp_body(bind_type, BindResp::EMPTY);
        self.write_app_response(&Pdu::with_status(seq, status, body))?;
        self.close(CloseReason::BindRejected(status));
        Ok(())
    }

    /// SMSC: sends `outbind` on a connection this server opened to an ESME; the ESME is
    /// expected to answer with `bind_receiver`.
    pub fn outbind(&mut self, now: Instant, outbind: &Outbind<'_>) -> Result<(), SessionError> {
        self.tick(now);
        self.check_open()?;
        if self.config.role != Role::Smsc {
            return Err(SessionError::WrongDirection {
                command_id: CommandId::Outbind,
            });
        }
        if self.state != State::Open {
            return Err(SessionError::InvalidState { state: self.state });
        }
        let seq = self.window.peek_seq();
        self.write_app(&Pdu::new(seq, Body::Outbind(*outbind)))?;
        self.window.take_untracked();
        self.counters.requests_sent.add(CommandId::Outbind);
        self.state = State::Outbound;
        Ok(())
    }

    /// Sends a request (`submit_sm`, `deliver_sm`, `data_sm`, `query_sm`, `enquire_link`,
    /// ...). Returns its sequence number; exactly one of [`Event::Response`],
    /// [`Event::ResponseTimeout`] or [`Event::RequestFailed`] follows for it.
    ///
    /// Fails at once, sending nothing, when the session is not bound as the request needs,
    /// the window is full, or a field is invalid. While the send rate limit or a peer's
    /// throttle answer holds sending back, the request queues (in order) inside the window.
    pub fn send(&mut self, now: Instant, body: &Body<'_>) -> Result<u32, SessionError> {
        let now = self.tick(now);
        self.check_open()?;
        let id = body.command_id();
        if id.is_response() {
            return Err(SessionError::NotARequest { command_id: id });
        }
        if id.is_bind() || matches!(id, CommandId::Unbind | CommandId::Outbind) {
            return Err(SessionError::UseDedicatedCommand { command_id: id });
        }
        if !may_send(self.config.role, id) {
            return Err(SessionError::WrongDirection { command_id: id });
        }
        match self.state {
            State::Bound(b) if allowed_when_bound(self.config.role, b, id) => {}
            State::Bound(_) => {
                return Err(SessionError::NotAllowedInBind {
                    command_id: id,
                    state: self.state,
                })
            }
            state => return Err(SessionError::InvalidState { state }),
        }
        if id.is_smpp_5_0() && !self.is_5_0() {
            return Err(SessionError::NotNegotiated {
                command_id: id,
                version: self.negotiated.unwrap_or_default(),
            });
        }
        if self.window.is_full() {
            return Err(SessionError::WindowFull {
                window: self.window.max(),
            });
        }
        self.window.reserve_one();
        let seq = self.window.peek_seq();
        let pdu = Pdu::new(seq, *body);
        if self.queued.is_empty()
            && self.on_wire() < self.congestion_cap()
            && self.throttle.may_send(now, self.on_wire())
        {
            let start = self.tx.bytes().len();
            self.write_app(&pdu)?;
            self.throttle.consume();
            self.window.insert(seq, id, Some(now));
            if self.window.keeps_pdus() {
                // A copy that does not fit (fixed storage) only means no throttle retry.
                self.window
                    .store_pdu(seq, self.tx.bytes().get(start..).unwrap_or_default());
            }
            self.counters.requests_sent.add(id);
        } else {
            self.window.encode_pdu(seq, &pdu)?;
            self.window.insert(seq, id, None);
            if self.queued.push_back(seq).is_err() {
                // Cannot happen (the queue holds at most the window); refuse rather than lose.
                self.window.remove(seq);
                return Err(SessionError::WindowFull {
                    window: self.window.max(),
                });
            }
        }
        if self.config.inactivity == Inactivity::Messages && Inactivity::Messages.counts(id) {
            self.last_activity = now;
        }
        Ok(seq)
    }

    /// Answers the peer's request `sequence_number` with `status` and `body` (the matching
    /// response, or `Body::GenericNack`). Error responses may use an empty body.
    pub fn respond(
        &mut self,
        now: Instant,
        sequence_number: u32,
        status: CommandStatus,
        body: &Body<'_>,
    ) -> Result<(), SessionError> {
        self.tick(now);
        self.check_open()?;
        let pos = self
            .peer_requests
            .position(|(s, _)| *s == sequence_number)
            .ok_or(SessionError::UnknownRequest { sequence_number })?;
        let request = self.peer_requests.get(pos).map(|(_, id)| *id);
        let expected = request
            .and_then(CommandId::response)
            .unwrap_or(CommandId::GenericNack);
        let got = body.command_id();
        if got != expected && got != CommandId::GenericNack {
            return Err(SessionError::WrongResponse { expected, got });
        }
        self.write_app_response(&Pdu::with_status(sequence_number, status, *body))?;
        self.peer_requests.remove(pos);
        Ok(())
    }

    /// Starts a graceful unbind: no new requests; outstanding ones may complete (up to the
    /// drain timeout); then `unbind` is sent and, after its response, the session closes with
    /// [`CloseReason::Unbound`].
    pub fn unbind(&mut self, now: Instant) -> Result<(), SessionError> {
        let now = self.tick(now);
        self.check_open()?;
        match self.state {
            State::Bound(b) => {
                self.state = State::Unbinding(b);
                if self.window.len() == 0 {
                    self.send_unbind(now);
                } else {
                    self.drain_deadline = Some(now + self.config.drain_timeout);
                }
                Ok(())
            }
            State::Unbinding(_) => Ok(()),
            state => Err(SessionError::InvalidState { state }),
        }
    }

    /// Sets the `congestion_state` our responses carry on a 5.0 session (`None`: our own
    /// load, see [`Session::congestion_state`]); values above 100 are sent as 100.
    pub fn set_congestion_state(&mut self, state: Option<u8>) {
        self.congestion_override = state.map(|s| s.min(100));
    }

    /// Closes at once with [`CloseReason::Aborted`]; outstanding requests fail.
    pub fn abort(&mut self, now: Instant) {
        self.tick(now);
        self.close(CloseReason::Aborted);
    }

    // ----- polls ---------------------------------------------------------------------------

    /// Octets to write to the peer, if any. Call [`Session::advance_transmit`] with how many
    /// were written.
    #[must_use]
    pub fn poll_transmit(&self) -> Option<&[u8]> {
        let tx = self.tx.bytes();
        (!tx.is_empty()).then_some(tx)
    }

    /// Marks `n` octets from [`Session::poll_transmit`] as written.
    pub fn advance_transmit(&mut self, n: usize) {
        let held = self.holds_input();
        self.tx.advance(n);
        self.resume(held);
    }

    /// The next event for the application. Once the session closed, the failures of the
    /// requests still outstanding follow (oldest first), then [`Event::Closed`].
    #[must_use]
    #[inline]
    pub fn poll_event(&mut self) -> Option<Event<S::Buf>> {
        if let Some(event) = self.events.pop_front() {
            // Room for two events again (fixed storage): input held back for it goes on.
            if self.events.room() == EVENT_ROOM && !self.rx.bytes().is_empty() {
                self.resume(true);
            }
            return Some(event);
        }
        let closing = self.closing.as_mut()?;
        if let Some(status) = closing.bind_failed.take() {
            return Some(Event::BindFailed { status });
        }
        let reason = closing.reason;
        if let Some(slot) = self.window.pop_oldest() {
            return Some(Event::RequestFailed {
                sequence_number: slot.seq,
                request: slot.command_id,
                reason,
            });
        }
        self.closing = None;
        Some(Event::Closed { reason })
    }

    /// When [`Session::handle_timeout`] must next be called (`None`: no timer is running).
    #[must_use]
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        if self.is_closed() {
            return None;
        }
        let mut next: Option<Instant> = None;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        if self.can_process()
            && matches!(
                frame(self.rx.bytes(), self.config.max_pdu_len),
                Ok(Framing::Complete(_)) | Err(_)
            )
        {
            consider(Some(self.now));
        }
        consider(self.bind_deadline);
        let timeout = self.config.response_timeout;
        consider(
            self.window
                .oldest()
                .and_then(|o| o.sent_at)
                .map(|t| t + timeout),
        );
        consider(self.enquire_pending.map(|(_, d)| d));
        consider(self.unbind_pending.map(|(_, d)| d));
        consider(self.drain_deadline);
        if self.state.bind_type().is_some() {
            consider(
                self.config
                    .inactivity_timeout
                    .map(|t| self.last_activity + t),
            );
        }
        consider(self.enquire_due());
        // Queued requests wait for the clock (pause, rate), or for a response while a
        // throttle episode ramps back up (no timer then).
        if !self.queued.is_empty()
            && self.queue_head_fits()
            && self.throttle.ramp().is_none_or(|c| self.on_wire() < c)
            && self.on_wire() < self.congestion_cap()
        {
            let now = self.now;
            consider(Some(self.throttle.blocked_until(now).unwrap_or(now)));
        }
        next
    }

    // ----- internals -----------------------------------------------------------------------

    fn check_open(&self) -> Result<(), SessionError> {
        if self.is_closed() {
            Err(SessionError::Closed)
        } else {
            Ok(())
        }
    }

    fn enquire_due(&self) -> Option<Instant> {
        let iv = self.config.enquire_link_interval?;
        (self.state.is_bound() && self.enquire_pending.is_none()).then(|| self.last_rx + iv)
    }

    /// Writes a PDU the session builds itself (its body is empty or holds fields already
    /// validated; a fixed transmit buffer keeps room for it). False if it did not fit.
    fn write_internal(&mut self, pdu: &Pdu<'_>) -> bool {
        self.tx.encode(pdu).is_ok()
    }

    /// Fails with [`SessionError::TransmitFull`] when an application command's `pdu` would
    /// leave less than the storage's reserve free in the transmit buffer (never on the
    /// heap).
    fn check_room(&self, pdu: &Pdu<'_>) -> Result<(), SessionError> {
        if S::TX_RESERVE == 0 {
            return Ok(());
        }
        let needed = pdu.encoded_len();
        if self.tx.spare() < needed.saturating_add(S::TX_RESERVE) {
            return Err(SessionError::TransmitFull { needed });
        }
        Ok(())
    }

    /// Writes a request of the application's, within the reserve.
    #[inline]
    fn write_app(&mut self, pdu: &Pdu<'_>) -> Result<usize, SessionError> {
        self.check_room(pdu)?;
        Ok(self.tx.encode(pdu)?)
    }

    /// Writes a response of the application's, within the reserve.
    fn write_app_response(&mut self, pdu: &Pdu<'_>) -> Result<(), SessionError> {
        self.check_room(pdu)?;
        Ok(self.write_response(pdu)?)
    }

    /// True when the first queued request fits in the transmit buffer now.
    fn queue_head_fits(&self) -> bool {
        S::TX_RESERVE == 0
            || self.queued.get(0).is_some_and(|&seq| {
                self.tx.spare() >= self.window.pdu(seq).len().saturating_add(S::TX_RESERVE)
            })
    }

    #[inline(always)]
    fn write_response(&mut self, pdu: &Pdu<'_>) -> Result<(), EncodeError> {
        let n = self.tx.encode(pdu)?;
        if self.is_5_0() {
            self.append_congestion(n, pdu);
        }
        self.counters.responses_sent.add(pdu.command_id());
        if !pdu.command_status.is_ok() {
            self.counters.errors_sent.add(pdu.command_status);
        }
        Ok(())
    }

    /// On a 5.0 session: adds `congestion_state` to the response `pdu` of `n` octets just
    /// written, when it succeeded, its body carries TLVs and has none of its own (the
    /// application's value wins), and there is room (it is advisory: without room it is left
    /// out). Out of line and cold: 3.4 sessions never get here, and keeping it out of
    /// `write_response` keeps that small enough to inline on their hot path.
    #[cold]
    #[inline(never)]
    fn append_congestion(&mut self, n: usize, pdu: &Pdu<'_>) {
        if !pdu.command_status.is_ok() || n <= 16 {
            return;
        }
        // The encoding was appended: it starts n octets before the end.
        let start = self.tx.bytes().len() - n;
        let tlvs = match &pdu.body {
            Body::SubmitSmResp(r)
            | Body::DataSmResp(r)
            | Body::DeliverSmResp(r)
            | Body::BroadcastSmResp(r) => &r.tlvs,
            Body::SubmitMultiResp(r) => &r.tlvs,
            Body::QueryBroadcastSmResp(r) => &r.tlvs,
            _ => return,
        };
        if tlvs.get(TlvTag::CONGESTION_STATE).is_some() || self.tx.spare() < 5 {
            return;
        }
        let [hi, lo] = TlvTag::CONGESTION_STATE.0.to_be_bytes();
        let state = self.congestion_state().min(100);
        if self.tx.push(&[hi, lo, 0, 1, state]) {
            self.tx.patch_u32(start, (n + 5) as u32);
        }
    }

    /// Answers a request with an error (its own response, or `generic_nack`).
    fn reject(
        &mut self,
        header: &Header,
        status: CommandStatus,
        nack: bool,
    ) -> Option<CommandStatus> {
        let body = if nack {
            Some(Body::GenericNack)
        } else {
            Body::error_response_for(header.command_id)
        }?;
        let _ = self.write_response(&Pdu::with_status(header.sequence_number, status, body));
        Some(status)
    }

    fn send_unbind(&mut self, now: Instant) {
        self.drain_deadline = None;
        if self.unbind_pending.is_some() {
            return;
        }
        let seq = self.window.take_untracked();
        self.write_internal(&Pdu::new(seq, Body::Unbind));
        self.counters.requests_sent.add(CommandId::Unbind);
        self.unbind_pending = Some((seq, now + self.config.unbind_timeout));
        // Requests still queued (rate limit, peer throttle) must not follow the unbind on
        // the wire: they stay in the window and fail when the session closes.
        self.queued.clear();
        self.requeued = 0;
    }

    /// Our requests on the wire (outstanding and not queued).
    fn on_wire(&self) -> usize {
        self.window.len().saturating_sub(self.queued.len())
    }

    fn flush_queue(&mut self, now: Instant) {
        while !self.queued.is_empty() && !self.is_closed() {
            if self.on_wire() >= self.congestion_cap()
                || !self.throttle.may_send(now, self.on_wire())
                || !self.queue_head_fits()
            {
                return;
            }
            let Some(seq) = self.queued.remove(0) else {
                return;
            };
            self.requeued = self.requeued.saturating_sub(1);
            let pdu = self.window.pdu(seq);
            let header = Header::parse(pdu);
            self.tx.push(pdu);
            if !self.window.keeps_pdus() {
                self.window.drop_pdu(seq);
            }
            self.throttle.consume();
            self.window.mark_sent(seq, now);
            if let Some(h) = header {
                self.counters.requests_sent.add(h.command_id);
            }
        }
    }

    fn expire_requests(&mut self, now: Instant) {
        let timeout = self.config.response_timeout;
        // Each timeout is an event: with fixed storage, the rest wait for room (the deadline
        // stays due).
        while self.events.room() >= 1 {
            let Some(o) = self.window.oldest() else {
                break;
            };
            match o.sent_at {
                Some(t) if now >= t + timeout => {
                    self.window.remove(o.seq);
                    self.counters.response_timeouts += 1;
                    if self.late.len() >= S::LATE_MEMORY {
                        self.late.remove(0);
                    }
                    let _ = self.late.push_back(o.seq);
                    self.emit(Event::ResponseTimeout {
                        sequence_number: o.seq,
                        request: o.command_id,
                    });
                }
                _ => break,
            }
        }
        self.after_window_change(now);
    }

    fn after_window_change(&mut self, now: Instant) {
        if matches!(self.state, State::Unbinding(_))
            && self.window.len() == 0
            && self.unbind_pending.is_none()
        {
            self.send_unbind(now);
        }
    }

    /// Frames and handles every complete PDU in the receive buffer.
    fn process(&mut self, now: Instant) {
        while self.can_process() {
            match frame(self.rx.bytes(), self.config.max_pdu_len) {
                Ok(Framing::Complete(n)) => self.on_frame(now, n),
                Ok(Framing::Partial { .. }) => break,
                Err(e) => {
                    self.counters.invalid_pdus += 1;
                    let seq = Header::parse(self.rx.bytes()).map_or(0, |h| h.sequence_number);
                    let _ =
                        self.write_response(&Pdu::with_status(seq, e.status(), Body::GenericNack));
                    self.rx.release();
                    self.close(CloseReason::ProtocolError(e));
                    return;
                }
            }
        }
        if self.rx.bytes().len() > self.overflow_limit() {
            self.close(CloseReason::BufferOverflow);
        }
    }

    #[inline]
    /// Handles the complete PDU of `n` octets at the front of the receive buffer. Its
    /// octets are taken as a frame only where an event carries it ([`Session::take_frame`]),
    /// and dropped otherwise; with fixed storage a frame is a large value, moved as little as
    /// possible.
    fn on_frame(&mut self, now: Instant, n: usize) {
        self.last_rx = now;
        self.frame_len = n;
        if let Some(header) = self.rx.bytes().get(..n).and_then(Header::parse) {
            let id = header.command_id;
            if self.config.inactivity == Inactivity::AnyPdu
                || (!id.is_response() && self.config.inactivity.counts(id))
            {
                self.last_activity = now;
            }
            if id.is_response() {
                self.on_response(now, header);
            } else {
                self.on_request(now, header);
            }
        }
        let rest = core::mem::take(&mut self.frame_len);
        if rest > 0 {
            self.rx.discard(rest);
        }
    }

    /// The PDU being handled, as a frame for an event.
    #[inline]
    fn take_frame(&mut self, header: Header) -> Frame<S::Buf> {
        let n = core::mem::take(&mut self.frame_len);
        Frame::from_checked(header, self.rx.take(n))
    }

    #[inline]
    fn on_response(&mut self, now: Instant, header: Header) {
        let id = header.command_id;
        let seq = header.sequence_number;
        let status = header.command_status;
        if self.is_5_0() {
            self.read_peer_congestion();
        }
        self.counters.responses_received.add(id);
        if !status.is_ok() {
            self.counters.errors_received.add(status);
        }
        if let Some((s, bind_type)) = self.bind_pending {
            if s == seq {
                self.on_bind_response(header, bind_type);
                return;
            }
        }
        if self.enquire_pending.is_some_and(|(s, _)| s == seq) {
            if id == CommandId::EnquireLinkResp || id == CommandId::GenericNack {
                self.enquire_pending = None;
            } else {
                // Not an answer: the link check stays pending and times out.
                self.counters.mismatched_responses += 1;
            }
            return;
        }
        if self.unbind_pending.is_some_and(|(s, _)| s == seq) {
            self.unbind_pending = None;
            self.close(CloseReason::Unbound);
            return;
        }
        let Some(slot) = self.window.get(seq) else {
            let late = match self.late.position(|s| *s == seq) {
                Some(i) => {
                    self.late.remove(i);
                    true
                }
                None => false,
            };
            self.on_unmatched_response(header, late);
            return;
        };
        if slot.sent_at.is_none() {
            // Queued again after a throttle answer and not yet re-sent: this is a duplicate.
            self.on_unmatched_response(header, false);
            return;
        }
        if id != CommandId::GenericNack && slot.command_id.response() != Some(id) {
            self.on_mismatched_response(now, header, slot.command_id);
            return;
        }
        let rtt = slot.sent_at.map_or(Default::default(), |t| now - t);
        self.counters.rtt_sum = self.counters.rtt_sum.saturating_add(rtt);
        self.counters.rtt_max = self.counters.rtt_max.max(rtt);
        if status == CommandStatus::ESME_RTHROTTLED || status == CommandStatus::ESME_RMSGQFUL {
            self.counters.throttled += 1;
            if let Some(resume_at) = self.throttle.throttled(now, slot.sent_at) {
                self.emit(Event::Throttled { status, resume_at });
            }
            let at = self.requeued.min(self.queued.len());
            // Nothing follows our unbind on the wire: once it is sent, a throttle answer is
            // the request's outcome.
            if slot.retries < self.config.throttle_retries
                && self.unbind_pending.is_none()
                && !self.window.pdu(seq).is_empty()
                && self.queued.insert(at, seq).is_ok()
            {
                self.window.unsend(seq);
                self.counters.throttle_retries += 1;
                self.requeued += 1;
                return;
            }
        } else if status.is_ok() {
            self.throttle.succeeded(slot.sent_at, self.window.max());
        }
        self.window.remove(seq);
        let frame = self.take_frame(header);
        self.emit(Event::Response {
            request: slot.command_id,
            frame,
            rtt,
        });
        self.after_window_change(now);
    }

    #[inline]
    fn on_request(&mut self, now: Instant, header: Header) {
        let id = header.command_id;
        self.counters.requests_received.add(id);
        if id.is_smpp_5_0() && !self.is_5_0() {
            // Not a command of the negotiated version: as any unsupported command.
            self.refuse(&header, CommandStatus::ESME_RINVCMDID, true);
            return;
        }
        // A known command we do not take is unsupported whatever its body: checked before
        // the body is parsed, so that a malformed one is answered ESME_RINVCMDID too (an
        // unknown id is the parser's UnknownCommandId).
        let peer = self.config.role.peer();
        if !matches!(id, CommandId::Unknown(_))
            && (!may_send(peer, id)
                || (self.config.role == Role::Smsc && !self.config.supports(id)))
        {
            self.refuse(&header, CommandStatus::ESME_RINVCMDID, true);
            return;
        }
        let bytes = self.rx.bytes().get(..self.frame_len).unwrap_or_default();
        if let Err(error) = Pdu::parse_with(bytes, &self.config.parse) {
            self.counters.invalid_pdus += 1;
            let answered = self.reject(&header, error.status(), error.needs_generic_nack());
            self.emit(Event::InvalidPdu {
                error,
                command_id: id,
                sequence_number: header.sequence_number,
                answered,
            });
            return;
        }
        match id {
            CommandId::EnquireLink
            | CommandId::Unbind
            | CommandId::BindTransmitter
            | CommandId::BindReceiver
            | CommandId::BindTransceiver
            | CommandId::Outbind => self.on_session_request(header),
            _ => {
                let allowed = self
                    .state
                    .bind_type()
                    .is_some_and(|b| allowed_when_bound(peer, b, id));
                if !allowed {
                    self.refuse(&header, CommandStatus::ESME_RINVBNDSTS, false);
                    return;
                }
                if id == CommandId::AlertNotification {
                    let frame = self.take_frame(header);
                    self.emit(Event::Request {
                        frame,
                        auto_responded: false,
                    });
                    return;
                }
                let auto = self.config.auto_respond
                    && matches!(
                        id,
                        CommandId::SubmitSm
                            | CommandId::DeliverSm
                            | CommandId::DataSm
                            | CommandId::SubmitMulti
                    );
                if auto {
                    self.auto_respond(&header);
                } else if self.peer_requests.len() >= self.config.peer_window {
                    self.refuse(&header, CommandStatus::ESME_RTHROTTLED, false);
                    return;
                } else if self
                    .peer_requests
                    .push_back((header.sequence_number, id))
                    .is_err()
                {
                    // The fixed list is full (peer_window is capped to it): as above.
                    self.refuse(&header, CommandStatus::ESME_RTHROTTLED, false);
                    return;
                }
                let frame = self.take_frame(header);
                self.emit(Event::Request {
                    frame,
                    auto_responded: auto,
                });
            }
        }
        let _ = now;
    }

    /// `enquire_link`, `unbind`, a bind or `outbind` from the peer (after the checks of
    /// [`Session::on_request`]). Out of line: rare next to the message commands.
    #[cold]
    #[inline(never)]
    fn on_session_request(&mut self, header: Header) {
        let id = header.command_id;
        match id {
            CommandId::EnquireLink => {
                let _ =
                    self.write_response(&Pdu::new(header.sequence_number, Body::EnquireLinkResp));
            }
            CommandId::Unbind => {
                if self.state.bind_type().is_some() || matches!(self.state, State::Binding(_)) {
                    let _ =
                        self.write_response(&Pdu::new(header.sequence_number, Body::UnbindResp));
                    self.close(CloseReason::PeerUnbound);
                } else {
                    self.refuse(&header, CommandStatus::ESME_RINVBNDSTS, false);
                }
            }
            CommandId::BindTransmitter | CommandId::BindReceiver | CommandId::BindTransceiver => {
                let Some(bind_type) = BindType::from_command_id(id) else {
                    return;
                };
                match self.state {
                    State::Open | State::Outbound => {
                        let bytes = self.rx.bytes().get(..self.frame_len).unwrap_or_default();
                        self.peer_version = bind_interface_version(bytes, &self.config.parse);
                        self.bind_request = Some((header.sequence_number, bind_type));
                        self.state = State::Binding(bind_type);
                        let frame = self.take_frame(header);
                        self.emit(Event::BindRequest { bind_type, frame });
                    }
                    _ => self.refuse(&header, CommandStatus::ESME_RALYBND, false),
                }
            }
            CommandId::Outbind => {
                if self.state == State::Open {
                    self.state = State::Outbound;
                    let frame = self.take_frame(header);
                    self.emit(Event::Outbind { frame });
                } else {
                    self.emit(Event::RejectedRequest {
                        command_id: id,
                        sequence_number: header.sequence_number,
                        status: CommandStatus::ESME_RINVBNDSTS,
                    });
                }
            }
            _ => {}
        }
    }

    /// A response to no request of ours on the wire (`late`: to one that timed out).
    #[cold]
    #[inline(never)]
    fn on_unmatched_response(&mut self, header: Header, late: bool) {
        self.counters.unmatched_responses += 1;
        let frame = self.take_frame(header);
        self.emit(Event::UnmatchedResponse { frame, late });
    }

    /// A response of another command than our request `request` of its sequence number:
    /// the request's outcome.
    #[cold]
    #[inline(never)]
    fn on_mismatched_response(&mut self, now: Instant, header: Header, request: CommandId) {
        self.window.remove(header.sequence_number);
        self.counters.mismatched_responses += 1;
        let frame = self.take_frame(header);
        self.emit(Event::MismatchedResponse {
            sequence_number: header.sequence_number,
            request,
            frame,
        });
        self.after_window_change(now);
    }

    /// The response to our bind request (ESME). Out of line: once a session.
    #[cold]
    #[inline(never)]
    fn on_bind_response(&mut self, header: Header, bind_type: BindType) {
        let id = header.command_id;
        let seq = header.sequence_number;
        let status = header.command_status;
        self.bind_pending = None;
        self.bind_deadline = None;
        let expected = bind_type.command_id().response();
        if id != CommandId::GenericNack && Some(id) != expected {
            self.counters.mismatched_responses += 1;
            let frame = self.take_frame(header);
            self.emit(Event::MismatchedResponse {
                sequence_number: seq,
                request: bind_type.command_id(),
                frame,
            });
            self.emit(Event::BindFailed {
                status: Some(CommandStatus::ESME_RBINDFAIL),
            });
            self.close(CloseReason::MismatchedResponse {
                request: bind_type.command_id(),
                response: id,
            });
            return;
        }
        if status.is_ok() && id != CommandId::GenericNack {
            self.negotiate_from_bind_resp();
            self.state = State::Bound(bind_type);
            let frame = self.take_frame(header);
            self.emit(Event::Bound { bind_type, frame });
        } else {
            let status = if status.is_ok() {
                CommandStatus::ESME_RBINDFAIL
            } else {
                status
            };
            self.emit(Event::BindFailed {
                status: Some(status),
            });
            self.close(CloseReason::BindFailed(status));
        }
    }

    /// On a 5.0 session: records the `congestion_state` of the response being handled.
    /// Out of line, so that the 3.4 response path stays small.
    #[cold]
    #[inline(never)]
    fn read_peer_congestion(&mut self) {
        let bytes = self.rx.bytes().get(..self.frame_len).unwrap_or_default();
        if let Some(state) = response_congestion(bytes, &self.config.parse) {
            self.set_peer_congestion(state);
        }
    }

    /// ESME: the version negotiated from the successful bind response being handled (its
    /// `sc_interface_version`, the version our bind asked for and ours). Once a session.
    #[cold]
    #[inline(never)]
    fn negotiate_from_bind_resp(&mut self) {
        let bytes = self.rx.bytes().get(..self.frame_len).unwrap_or_default();
        self.peer_version = sc_interface_version(bytes, &self.config.parse);
        let peer = self
            .peer_version
            .map_or(SmppVersion::V3_3, SmppVersion::from_interface_version);
        let asked = self
            .asked_version
            .map_or(SmppVersion::V3_4, SmppVersion::from_interface_version);
        self.negotiated = Some(peer.min(asked).min(self.config.max_version));
    }

    fn refuse(&mut self, header: &Header, status: CommandStatus, nack: bool) {
        self.reject(header, status, nack);
        self.emit(Event::RejectedRequest {
            command_id: header.command_id,
            sequence_number: header.sequence_number,
            status,
        });
    }

    fn auto_respond(&mut self, header: &Header) {
        let mut buf = [0u8; 16];
        let id = self.next_message_id;
        self.next_message_id += 1;
        let message_id = hex_id(id, &mut buf);
        let body = match header.command_id {
            CommandId::SubmitSm => Body::SubmitSmResp(MessageIdResp::new(message_id)),
            CommandId::DataSm => Body::DataSmResp(MessageIdResp::new(message_id)),
            CommandId::SubmitMulti => Body::SubmitMultiResp(SubmitMultiResp {
                message_id,
                ..SubmitMultiResp::EMPTY
            }),
            _ => Body::DeliverSmResp(MessageIdResp::EMPTY),
        };
        let _ = self.write_response(&Pdu::new(header.sequence_number, body));
    }

    fn close(&mut self, reason: CloseReason) {
        if self.is_closed() {
            return;
        }
        self.state = State::Closed;
        // BindFailed (for a pending bind), a RequestFailed for each outstanding request and
        // Closed follow the events already queued, as they are polled.
        self.closing = Some(Closing {
            reason,
            bind_failed: self.bind_pending.take().map(|_| None),
        });
        self.eof = false;
        self.queued.clear();
        self.requeued = 0;
        self.peer_requests.clear();
        self.bind_request = None;
        self.bind_deadline = None;
        self.enquire_pending = None;
        self.unbind_pending = None;
        self.drain_deadline = None;
        self.rx.release();
    }

    /// Queues an event; callers make sure there is room (fixed storage: input is
    /// processed only with room for two, timeouts one at a time).
    #[inline]
    fn emit(&mut self, event: Event<S::Buf>) {
        let _ = self.events.push_back(event);
    }
}

/// The `congestion_state` of a response's TLVs (those of the bodies that carry them).
fn response_congestion(bytes: &[u8], opts: &crate::pdu::ParseOptions) -> Option<u8> {
    let pdu = Pdu::parse_with(bytes, opts).ok()?;
    match pdu.body {
        Body::SubmitSmResp(r)
        | Body::DataSmResp(r)
        | Body::DeliverSmResp(r)
        | Body::BroadcastSmResp(r) => r.tlvs.congestion_state(),
        Body::SubmitMultiResp(r) => r.tlvs.congestion_state(),
        Body::QueryBroadcastSmResp(r) => r.tlvs.congestion_state(),
        _ => None,
    }
}

/// The `interface_version` of a bind request (`None` for other PDUs and when it does not
/// parse). Out of line: read once a session.
#[cold]
#[inline(never)]
fn bind_interface_version(bytes: &[u8], opts: &crate::pdu::ParseOptions) -> Option<u8> {
    let pdu = Pdu::parse_with(bytes, opts).ok()?;
    match pdu.body {
        Body::BindTransmitter(b) | Body::BindReceiver(b) | Body::BindTransceiver(b) => {
            Some(b.interface_version)
        }
        _ => None,
    }
}

/// The `sc_interface_version` of a bind response.
fn sc_interface_version(bytes: &[u8], opts: &crate::pdu::ParseOptions) -> Option<u8> {
    let pdu = Pdu::parse_with(bytes, opts).ok()?;
    match pdu.body {
        Body::BindTransmitterResp(r) | Body::BindReceiverResp(r) | Body::BindTransceiverResp(r) => {
            r.tlvs.get(TlvTag::SC_INTERFACE_VERSION)?.as_u8()
        }
        _ => None,
    }
}

fn bind_resp_body(bind_type: BindType, resp: BindResp<'_>) -> Body<'_> {
    match bind_type {
        BindType::Transmitter => Body::BindTransmitterResp(resp),
        BindType::Receiver => Body::BindReceiverResp(resp),
        BindType::Transceiver => Body::BindTransceiverResp(resp),
    }
}

/// Formats `id` as lowercase hex into `buf`.
fn hex_id(mut id: u64, buf: &mut [u8; 16]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        let digit = (id & 0xF) as u8;
        buf[i] = if digit < 10 {
            b'0' + digit
        } else {
            b'a' + digit - 10
        };
        id >>= 4;
        if id == 0 || i == 0 {
            break;
        }
    }
    &buf[i..]
}

impl<S: Storage> core::fmt::Debug for Session<S> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("role", &self.config.role)
            .field("state", &self.state)
            .field("in_flight", &self.window.len())
            .field("unanswered", &self.peer_requests.len())
            .finish()
    }
}
