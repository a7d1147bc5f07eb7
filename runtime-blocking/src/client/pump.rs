//! The client's driver around the core's ESME [`Endpoint`]: per connection the shared
//! byte pump (`crate::io`: a reader and a writer thread; one timer thread per client for
//! the endpoint's timeouts, the reconnect back-off and the linger of a closed connection),
//! and a short-lived dial thread when the endpoint asks for a new connection. Every
//! decision (binds, link state, reconnects, outbind) is the endpoint's; this file routes
//! outcomes to their waiters and the SMSC's requests to the `Incoming` channel.
//!
//! Every endpoint call goes through [`Shared::with`] (or ends in `settle`), which
//! drains what the call caused while still holding the lock: state changes (to the
//! subscribers, in order), outcomes (their slots complete; callbacks run right after the
//! lock is released), incoming requests (queued for `Incoming` in order) and wake-ups of the
//! threads and blocked callers.

use super::{connect_tcp, Dial, Responder};
use crate::common::{error_body, Incoming, IncomingRequest, LinkState, Transport};
use crate::conn::{lock, wait, Slot};
use crate::io::{self, Clock, Driver, Link, Timer, STACK};
use crate::{Error, Response};
use smpp_core::client::Ticket as EpTicket;
use smpp_core::client::{ClientConfig, ClientEvent, Endpoint, Mode};
use smpp_core::session::{CloseReason, SessionError};
use smpp_core::trace::Trace;
use smpp_core::{CommandStatus, Instant};
use smpp_runtime::error::outcome_result;
use smpp_runtime::IncomingQueue;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// A callback completing a request (`Client::submit_with`).
pub(crate) type Callback = Box<dyn FnOnce(Result<Response, Error>) + Send + 'static>;

/// Who gets a request's result.
pub(crate) enum Waiter {
    /// A blocked caller or a ticket.
    Slot(Arc<Slot>),
    /// A callback, run outside the lock.
    Callback(Callback),
}

/// Tickets are distinct sequential numbers: a multiply spreads them well enough.
type TicketHash = std::hash::BuildHasherDefault<TicketHasher>;

#[derive(Default)]
pub(super) struct TicketHasher(u64);

impl std::hash::Hasher for TicketHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The current connection's I/O side; the key is the endpoint's number for it.
type ConnIo = Link<u64>;

/// What the endpoint's lock guards.
pub(crate) struct Core {
    pub(crate) ep: Endpoint,
    pub(super) waiters: HashMap<EpTicket, Waiter, TicketHash>,
    /// The requests for the application (bounded: the reader stops while it is
    /// backlogged); closed once the client is over (the `Incoming` iteration then ends).
    incoming: Arc<IncomingQueue<IncomingRequest>>,
    subscribers: Vec<Sender<LinkState>>,
    /// The application closed the client (unbind, abort, last handle dropped).
    pub(crate) shut: bool,
    /// The current connection, until both its threads ended.
    pub(super) io: Option<Arc<ConnIo>>,
    /// Its threads still running.
    io_threads: u8,
    timer: Timer<u64>,
    /// A dial thread is opening a connection.
    dialing: bool,
    /// Callers blocked on `changed`.
    blocked: usize,
    /// A bind succeeded (the first bind's waiter returns even if the link is gone since).
    pub(super) bound: bool,
}

impl Core {
    /// True while `io` is the endpoint's open connection.
    fn alive(&self, io: &ConnIo) -> bool {
        self.ep.is_connected() && self.ep.generation() == io.key
    }

    /// The peer's address while connected.
    pub(crate) fn peer(&self) -> Option<SocketAddr> {
        self.io
            .as_ref()
            .filter(|io| self.alive(io))
            .and_then(|io| io.peer)
    }

    /// Starts sending the state changes to `tx` (nothing once the client is over).
    pub(crate) fn subscribe(&mut self, tx: Sender<LinkState>) {
        if !self.ep.is_closed() {
            self.subscribers.push(tx);
        }
    }

    /// The error for a request the endpoint refused.
    pub(crate) fn send_error(&self, e: SessionError) -> Error {
        match e {
            SessionError::Closed if self.shut => Error::Closed,
            SessionError::Closed => Error::ConnectionLost(self.last_reason()),
            e => Error::Session(e),
        }
    }

    pub(super) fn last_reason(&self) -> CloseReason {
        match self.ep.state() {
            LinkState::Closed(Some(r)) => r,
            _ => CloseReason::Aborted,
        }
    }
}

/// Work for after the lock is released.
#[derive(Default)]
struct After {
    callbacks: Vec<(Callback, Result<Response, Error>)>,
    dial: bool,
}

/// Everything the client's handles and its threads share.
pub(crate) struct Shared {
    pub(super) core: Mutex<Core>,
    pub(crate) config: ClientConfig,
    pub(super) dial: Option<Dial>,
    clock: Clock,
    /// The timer thread waits here.
    timer_cv: Condvar,
    /// Blocked callers wait here (bind, unbind, a full window, a dial for the previous
    /// connection's end): notified on every event.
    changed: Condvar,
}

impl Driver for Shared {
    type Core = Core;
    type Key = u64;
    type Work = ();

    fn core(&self) -> &Mutex<Core> {
        &self.core
    }
    fn now(&self) -> Instant {
        self.clock.now()
    }
    fn trace(&self) -> &Trace {
        &self.config.trace
    }
    fn timer_cv(&self) -> &Condvar {
        &self.timer_cv
    }
    fn timer(c: &mut Core) -> &mut Timer<u64> {
        &mut c.timer
    }
    fn over(c: &Core) -> bool {
        c.ep.is_closed() && c.io.is_none() && !c.dialing
    }
    fn poll_timeout(c: &mut Core) -> Option<Instant> {
        c.ep.poll_timeout()
    }
    fn handle_timeout(c: &mut Core, now: Instant) {
        c.ep.handle_timeout(now);
    }
    fn is_open(c: &Core, generation: &u64) -> bool {
        c.ep.is_connected() && c.ep.generation() == *generation
    }
    fn wants_input(c: &Core, _: &u64) -> bool {
        // Not while the application's queue is backlogged (it calls back).
        c.ep.wants_input() && !c.incoming.backlogged()
    }
    fn input(c: &mut Core, _: &u64, now: Instant, data: Option<&[u8]>) {
        match data {
            Some(data) => c.ep.handle_input(now, data),
            None => c.ep.handle_eof(now),
        }
    }
    fn done(self: &Arc<Self>, io: &Arc<ConnIo>, _: bool) {
        self.thread_done(io);
    }

    /// Drains the endpoint's events under the lock and wakes whoever must act; then
    /// releases the lock and runs callbacks, starts a dial.
    fn settle(self: &Arc<Self>, mut g: MutexGuard<'_, Core>) {
        let mut after = After::default();
        let c = &mut *g;
        let mut changed = false;
        while let Some(ev) = c.ep.poll_event() {
            changed = true;
            match ev {
                ClientEvent::State(s) => {
                    c.bound |= matches!(s, LinkState::Bound(_));
                    c.subscribers.retain(|tx| tx.send(s).is_ok());
                    if let LinkState::Closed(_) = s {
                        c.subscribers.clear();
                        c.incoming.close();
                        // Every request ended before; this is only a safety net.
                        for (_, w) in c.waiters.drain() {
                            match w {
                                Waiter::Slot(s) => s.complete(Err(Error::Closed)),
                                Waiter::Callback(cb) => {
                                    after.callbacks.push((cb, Err(Error::Closed)))
                                }
                            }
                        }
                    }
                }
                ClientEvent::Outcome { ticket, outcome } => match c.waiters.remove(&ticket) {
                    Some(Waiter::Slot(s)) => s.complete(outcome_result(outcome)),
                    Some(Waiter::Callback(cb)) => {
                        after.callbacks.push((cb, outcome_result(outcome)))
                    }
                    None => {}
                },
                ClientEvent::Incoming {
                    id,
                    frame,
                    needs_response,
                } => {
                    let responder = needs_response.then(|| Responder {
                        shared: self.clone(),
                        id,
                        command_id: frame.command_id(),
                    });
                    let req = IncomingRequest::new(frame, responder);
                    // Queued under the lock, so in order.
                    let answered = !needs_response;
                    if let Err(mut req) = c.incoming.push(req, answered) {
                        // Nobody listens: answered here (the request's own drop would lock).
                        if req.disarm() {
                            let body = error_body(req.frame.command_id());
                            let status = CommandStatus::ESME_RX_T_APPN;
                            let _ = c.ep.respond(self.now(), id, status, &body);
                        }
                    }
                }
            }
        }
        if c.ep.poll_connect() {
            c.dialing = true;
            after.dial = true;
        }
        if let Some(io) = &c.io {
            let alive = c.alive(io);
            if !alive {
                c.timer.linger(self.now(), io);
            }
            io.wake(
                !alive || c.ep.poll_transmit().is_some(),
                !alive || Self::wants_input(c, &io.key),
            );
        }
        let closed = c.ep.is_closed();
        c.timer.kick(&self.timer_cv, closed, || c.ep.poll_timeout());
        if changed && c.blocked > 0 {
            self.changed.notify_all();
        }
        drop(g);
        for (cb, r) in after.callbacks {
            if catch_unwind(AssertUnwindSafe(|| cb(r))).is_err() {
                log::error!("smpp: a request callback panicked");
            }
        }
        if after.dial {
            let me = self.clone();
            if !io::spawn("smpp-dial", STACK, move || me.dial()) {
                self.connect_failed();
            }
        }
    }
}

impl Shared {
    /// A client before its first connection; `dial` says where reconnects go (`None`:
    /// the connection cannot be opened again).
    pub(crate) fn new(config: ClientConfig, dial: Option<Dial>) -> (Arc<Shared>, Incoming) {
        let incoming = Arc::new(IncomingQueue::new(config.session.peer_window));
        let ep = Endpoint::new(
            config.clone(),
            Instant::ZERO,
            dial.is_some(),
            smpp_runtime::seed(),
        );
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                ep,
                waiters: HashMap::default(),
                incoming: incoming.clone(),
                subscribers: Vec::new(),
                shut: false,
                io: None,
                io_threads: 0,
                timer: Timer::default(),
                dialing: false,
                blocked: 0,
                bound: false,
            }),
            config,
            dial,
            clock: Clock::start(),
            timer_cv: Condvar::new(),
            changed: Condvar::new(),
        });
        // The application took a request from a backlogged queue: the reader reads again.
        let weak = Arc::downgrade(&shared);
        incoming.set_on_room(move || {
            if let Some(shared) = weak.upgrade() {
                shared.with(|_, _| ());
            }
        });
        (shared, Incoming::new(incoming))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        lock(&self.core)
    }

    /// Waits on `changed` (for an event) until `deadline`; `None` once it passed.
    pub(crate) fn wait_changed<'a>(
        &self,
        mut g: MutexGuard<'a, Core>,
        deadline: Option<std::time::Instant>,
    ) -> Option<MutexGuard<'a, Core>> {
        g.blocked += 1;
        let mut g = match wait(&self.changed, g, deadline) {
            Some(g) => g,
            None => {
                let mut g = self.lock();
                g.blocked -= 1;
                drop(g);
                return None;
            }
        };
        g.blocked -= 1;
        Some(g)
    }

    /// Takes a connection on: a new session on it, and its reader and writer threads.
    pub(super) fn start_conn<T: Transport>(
        self: &Arc<Self>,
        t: T,
        peer: Option<SocketAddr>,
        mode: Mode,
    ) {
        let quickack = t.quickack();
        let halves = t.shutdown_handle().and_then(|s| Ok((s, t.split()?)));
        let Ok((shutdown, (r, w))) = halves else {
            return self.connect_failed();
        };
        let mut g = self.lock();
        // The previous connection's threads end first (its last output is written).
        while g.io.is_some() {
            g = self.wait_changed(g, None).expect("no deadline");
        }
        g.dialing = false;
        g.ep.connected(self.now(), mode);
        if !g.ep.is_connected() {
            // Closed meanwhile.
            self.settle(g);
            return shutdown();
        }
        let io = Link::new(g.ep.generation(), peer, shutdown, quickack);
        g.io = Some(io.clone());
        g.io_threads = 2;
        self.settle(g);
        let (me, i) = (self.clone(), io.clone());
        let take = |c: &mut Core, k: &u64| {
            (c.ep.generation() == *k)
                .then(|| c.ep.take_transmit())
                .flatten()
        };
        if !io::spawn("smpp-read", STACK, move || io::run(&me, &i, r, w, take)) {
            self.with(|c, now| c.ep.handle_eof(now));
            io.shutdown();
            self.thread_done(&io);
            self.thread_done(&io);
        }
    }

    /// One of a connection's threads ended; after the last, the socket is shut down and
    /// the next connection may start.
    fn thread_done(self: &Arc<Self>, io: &Arc<ConnIo>) {
        let mut g = self.lock();
        g.io_threads -= 1;
        if g.io_threads == 0 {
            io.shutdown();
            g.io = None;
            g.timer.forget(io);
            if g.blocked > 0 {
                self.changed.notify_all();
            }
            g.timer.kick(&self.timer_cv, true, || None);
        }
    }

    /// Opening a connection failed.
    fn connect_failed(self: &Arc<Self>) {
        self.with(|c, now| {
            c.dialing = false;
            c.ep.connect_failed(now);
        });
    }

    /// Opens a new connection (a reconnect the endpoint asked for).
    fn dial(self: Arc<Self>) {
        let Some(d) = &self.dial else {
            return self.connect_failed();
        };
        let failed = |e: Error| {
            log::info!("smpp: reconnect failed: {e}");
            self.connect_failed();
        };
        match connect_tcp(&d.addrs, d.timeout) {
            Ok(s) => {
                let peer = s.peer_addr().ok();
                #[cfg(feature = "tls")]
                if let Some(tls) = &d.tls {
                    return match tls.handshake(s) {
                        Ok(t) => self.start_conn(t, peer, Mode::Bind),
                        Err(e) => failed(e),
                    };
                }
                self.start_conn(s, peer, Mode::Bind);
            }
            Err(e) => failed(e),
        }
    }
}
