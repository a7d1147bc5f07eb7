//! The client's I/O pump around the core's ESME [`Endpoint`]: per connection a reader and
//! a writer thread, one timer thread per client (the endpoint's timeouts and reconnect
//! back-off, and the linger of a closed connection), and a short-lived dial thread when the
//! endpoint asks for a new connection. Every decision (binds, link state, reconnects,
//! outbind) is the endpoint's; this file moves octets and time, and routes outcomes to
//! their waiters and the SMSC's requests to the `Incoming` channel.
//!
//! Every endpoint call goes through [`Shared::with`] (or ends in [`Shared::settle`]), which
//! drains what the call caused while still holding the lock: state changes (to the
//! subscribers, in order), outcomes (their slots complete; callbacks run right after the
//! lock is released), incoming requests (sent to the channel in order) and wake-ups of the
//! threads and blocked callers.

use crate::common::ShutdownHandle;
use crate::common::{error_body, IncomingRequest, LinkState, TraceExt, TraceFramer, Transport};
use crate::conn::{lock, Slot};
use crate::{Error, Response};
use smpp_core::client::Ticket as EpTicket;
use smpp_core::client::{ClientConfig, ClientEvent, Endpoint, IncomingId, Mode, RequestOutcome};
use smpp_core::pdu::{Body, CommandId};
use smpp_core::session::{CloseReason, SessionError};
use smpp_core::trace::Direction;
use smpp_core::{CommandStatus, Duration as CoreDuration, Instant};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// How long a closed connection may still flush its output before its socket is shut down
/// under a blocked write (a peer that does not read must not keep the connection alive).
const LINGER: CoreDuration = CoreDuration::from_millis(2_000);
/// Stack sizes: the reader, the timer and the dial thread may run request callbacks and
/// TLS handshakes or decryption; the writer only trace callbacks and TLS sealing.
const STACK: usize = 256 * 1024;
const SMALL_STACK: usize = 128 * 1024;

/// A callback completing a request (`Client::submit_with`).
pub(crate) type Callback = Box<dyn FnOnce(Result<Response, Error>) + Send + 'static>;

/// Who gets a request's result.
pub(crate) enum Waiter {
    /// A blocked caller or a ticket.
    Slot(Arc<Slot>),
    /// A callback, run outside the lock.
    Callback(Callback),
}

/// TLS for the client's connections (none without the `tls` feature).
#[cfg(feature = "tls")]
pub(crate) type Dialer = crate::tls::TlsDialer;
#[cfg(not(feature = "tls"))]
pub(crate) type Dialer = std::convert::Infallible;

/// Where a reconnect dials.
pub(crate) struct Dial {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) timeout: Duration,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) tls: Option<Dialer>,
}

/// Tickets are distinct sequential numbers: a multiply spreads them well enough.
type TicketHash = std::hash::BuildHasherDefault<TicketHasher>;

#[derive(Default)]
struct TicketHasher(u64);

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

/// The current connection's I/O side.
struct ConnIo {
    /// The endpoint's number for this connection.
    generation: u64,
    /// Shuts the socket down from any thread (a blocked read or write returns).
    shutdown: ShutdownHandle,
    peer: Option<SocketAddr>,
}

/// What the endpoint's lock guards.
pub(crate) struct Core {
    pub(crate) ep: Endpoint,
    waiters: HashMap<EpTicket, Waiter, TicketHash>,
    /// `None` once the client is over (the `Incoming` iteration then ends).
    incoming: Option<Sender<IncomingRequest>>,
    subscribers: Vec<Sender<LinkState>>,
    /// The application closed the client (unbind, abort, last handle dropped).
    pub(crate) shut: bool,
    /// The current connection, until both its threads ended.
    io: Option<Arc<ConnIo>>,
    /// Its threads still running.
    io_threads: u8,
    /// When a closed connection's socket is shut down under a blocked write.
    linger_at: Option<Instant>,
    reader_waiting: bool,
    writer_waiting: bool,
    /// The deadline the timer thread sleeps until (`None` while it is awake).
    timer_at: Option<Instant>,
    /// A dial thread is opening a connection.
    dialing: bool,
    /// Callers blocked on `changed`.
    blocked: usize,
    /// A bind succeeded (the first bind's waiter returns even if the link is gone since).
    bound: bool,
}

impl Core {
    /// True while `io` is the endpoint's open connection.
    fn alive(&self, io: &ConnIo) -> bool {
        self.ep.is_connected() && self.ep.generation() == io.generation
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

    fn last_reason(&self) -> CloseReason {
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
    /// The `Incoming` sender of a client that is over: dropping it may drop requests
    /// nobody received, whose drop locks.
    incoming: Option<Sender<IncomingRequest>>,
    dial: bool,
}

/// Everything the client's handles and its threads share.
pub(crate) struct Shared {
    core: Mutex<Core>,
    pub(crate) config: ClientConfig,
    dial: Option<Dial>,
    epoch: std::time::Instant,
    /// The reader and the writer wait here.
    io_cv: Condvar,
    /// The timer thread waits here.
    timer_cv: Condvar,
    /// Blocked callers wait here (bind, unbind, a full window, a dial for the previous
    /// connection's end): notified on every event.
    changed: Condvar,
}

/// Waits on `cv` until `deadline` (`None`: no limit); `None` once it passed.
fn wait<'a, T>(
    cv: &Condvar,
    g: MutexGuard<'a, T>,
    deadline: Option<std::time::Instant>,
) -> Option<MutexGuard<'a, T>> {
    let Some(d) = deadline else {
        return Some(cv.wait(g).unwrap_or_else(PoisonError::into_inner));
    };
    let left = d.saturating_duration_since(std::time::Instant::now());
    (!left.is_zero()).then(|| {
        cv.wait_timeout(g, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    })
}

fn spawn(name: &str, stack: usize, f: impl FnOnce() + Send + 'static) -> io::Result<()> {
    std::thread::Builder::new()
        .name(name.into())
        .stack_size(stack)
        .spawn(f)
        .map(drop)
        .inspect_err(|e| log::warn!("smpp: cannot start a thread: {e}"))
}

/// A random seed for the endpoint's reconnect jitter.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Opens a TCP connection to the first address that answers, each within `timeout`.
pub(crate) fn connect_tcp(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Err(e) if e.kind() == ErrorKind::TimedOut => last = Some(Error::ConnectTimeout),
            Err(e) => last = Some(Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::Io(io::Error::new(
            ErrorKind::InvalidInput,
            "no address to connect to",
        ))
    }))
}

/// The error of a first bind that did not succeed.
fn bind_error(reason: Option<CloseReason>, shut: bool) -> Error {
    match reason {
        Some(CloseReason::BindTimeout) => Error::BindFailed(None),
        Some(CloseReason::BindFailed(s)) => Error::BindFailed(Some(s)),
        Some(r) if !shut => Error::ConnectionLost(r),
        _ => Error::Closed,
    }
}

fn outcome_result(outcome: RequestOutcome) -> Result<Response, Error> {
    match outcome {
        RequestOutcome::Response { frame, rtt } => Ok(Response {
            frame,
            rtt: rtt.into(),
        }),
        RequestOutcome::Timeout => Err(Error::Timeout),
        RequestOutcome::ConnectionLost(r) => Err(Error::ConnectionLost(r)),
    }
}

impl Shared {
    /// A client before its first connection; `dial` says where reconnects go (`None`:
    /// the connection cannot be opened again).
    pub(crate) fn new(
        config: ClientConfig,
        dial: Option<Dial>,
    ) -> (Arc<Shared>, std::sync::mpsc::Receiver<IncomingRequest>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let ep = Endpoint::new(config.clone(), Instant::ZERO, dial.is_some(), random());
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                ep,
                waiters: HashMap::default(),
                incoming: Some(tx),
                subscribers: Vec::new(),
                shut: false,
                io: None,
                io_threads: 0,
                linger_at: None,
                reader_waiting: false,
                writer_waiting: false,
                timer_at: None,
                dialing: false,
                blocked: 0,
                bound: false,
            }),
            config,
            dial,
            epoch: std::time::Instant::now(),
            io_cv: Condvar::new(),
            timer_cv: Condvar::new(),
            changed: Condvar::new(),
        });
        (shared, rx)
    }

    /// The endpoint's clock: milliseconds since the client was created.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_elapsed(self.epoch.elapsed())
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        lock(&self.core)
    }

    /// Runs `f` on the endpoint, then settles what it caused.
    pub(crate) fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut Core, Instant) -> R) -> R {
        let mut g = self.lock();
        let r = f(&mut g, self.now());
        self.settle(g);
        r
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

    /// Drains the endpoint's events under the lock and wakes whoever must act; then
    /// releases the lock and runs callbacks, starts a dial.
    pub(crate) fn settle(self: &Arc<Self>, mut g: MutexGuard<'_, Core>) {
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
                        after.incoming = c.incoming.take();
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
                    // Sent under the lock, so in order.
                    let refused = match &c.incoming {
                        Some(tx) => tx.send(req).err().map(|e| e.0),
                        None => Some(req),
                    };
                    if let Some(mut req) = refused {
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
        let alive = c.io.as_ref().is_some_and(|io| c.alive(io));
        if c.io.is_some() && !alive && c.linger_at.is_none() {
            c.linger_at = Some(self.now() + LINGER);
        }
        if (c.writer_waiting && (!alive || c.ep.poll_transmit().is_some()))
            || (c.reader_waiting && (!alive || c.ep.wants_input()))
        {
            self.io_cv.notify_all();
        }
        if let Some(t) = c.timer_at {
            let next = [c.ep.poll_timeout(), c.linger_at]
                .into_iter()
                .flatten()
                .min();
            if c.ep.is_closed() || next.is_some_and(|n| n < t) {
                c.timer_at = None;
                self.timer_cv.notify_one();
            }
        }
        if changed && c.blocked > 0 {
            self.changed.notify_all();
        }
        drop(g);
        for (cb, r) in after.callbacks {
            if catch_unwind(AssertUnwindSafe(|| cb(r))).is_err() {
                log::error!("smpp: a request callback panicked");
            }
        }
        drop(after.incoming);
        if after.dial {
            let me = self.clone();
            if spawn("smpp-dial", STACK, move || me.dial()).is_err() {
                self.with(|c, now| {
                    c.dialing = false;
                    c.ep.connect_failed(now);
                });
            }
        }
    }

    /// Starts the timer thread and the first connection, and waits until it is bound.
    /// With [`Mode::Outbind`], the SMSC's `outbind` must come before `outbind_by`.
    pub(crate) fn launch<T: Transport>(
        self: &Arc<Self>,
        t: T,
        peer: Option<SocketAddr>,
        mode: Mode,
        outbind_by: Option<std::time::Instant>,
    ) -> Result<(), Error> {
        let me = self.clone();
        spawn("smpp-timer", STACK, move || me.timer_loop())?;
        self.start_conn(t, peer, mode);
        let bind_wait: Duration =
            Duration::from(self.config.session.bind_timeout) + Duration::from_secs(1);
        let mut bind_by = None;
        let mut g = self.lock();
        let failed = loop {
            if g.bound {
                return Ok(());
            }
            let deadline = match g.ep.state() {
                LinkState::Closed(r) => return Err(bind_error(r, g.shut)),
                LinkState::Connecting if mode == Mode::Outbind => outbind_by,
                _ => Some(*bind_by.get_or_insert_with(|| std::time::Instant::now() + bind_wait)),
            };
            match self.wait_changed(g, deadline) {
                Some(next) => g = next,
                None if bind_by.is_some() => break Error::BindFailed(None),
                None => break Error::ConnectTimeout,
            }
        };
        self.with(|c, now| {
            c.shut = true;
            c.ep.abort(now);
        });
        Err(failed)
    }

    /// Takes a connection on: a new session on it, and its reader and writer threads.
    fn start_conn<T: Transport>(self: &Arc<Self>, t: T, peer: Option<SocketAddr>, mode: Mode) {
        let halves = t.shutdown_handle().and_then(|s| Ok((s, t.split()?)));
        let Ok((shutdown, (r, w))) = halves else {
            return self.with(|c, now| {
                c.dialing = false;
                c.ep.connect_failed(now);
            });
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
        let io = Arc::new(ConnIo {
            generation: g.ep.generation(),
            shutdown,
            peer,
        });
        g.io = Some(io.clone());
        g.io_threads = 2;
        g.linger_at = None;
        self.settle(g);
        let (me, i) = (self.clone(), io.clone());
        if spawn("smpp-write", SMALL_STACK, move || me.writer(&i, w)).is_err() {
            self.with(|c, now| c.ep.handle_eof(now));
            (io.shutdown)();
            self.thread_done(&io);
            return self.thread_done(&io);
        }
        let (me, i) = (self.clone(), io.clone());
        if spawn("smpp-read", STACK, move || me.reader(&i, r)).is_err() {
            self.with(|c, now| c.ep.handle_eof(now));
            (io.shutdown)();
            self.thread_done(&io);
        }
    }

    /// One of a connection's threads ended; after the last, the socket is shut down and
    /// the next connection may start.
    fn thread_done(self: &Arc<Self>, io: &ConnIo) {
        let mut g = self.lock();
        g.io_threads -= 1;
        if g.io_threads == 0 {
            (io.shutdown)();
            g.io = None;
            g.linger_at = None;
            if g.blocked > 0 {
                self.changed.notify_all();
            }
            if g.timer_at.is_some() {
                g.timer_at = None;
                self.timer_cv.notify_one();
            }
        }
    }

    /// Opens a new connection (a reconnect the endpoint asked for).
    fn dial(self: Arc<Self>) {
        let Some(d) = &self.dial else {
            return self.with(|c, now| {
                c.dialing = false;
                c.ep.connect_failed(now);
            });
        };
        let failed = |e: Error| {
            log::info!("smpp: reconnect failed: {e}");
            self.with(|c, now| {
                c.dialing = false;
                c.ep.connect_failed(now);
            });
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

    fn reader<R: Read>(self: &Arc<Self>, io: &ConnIo, mut r: R) {
        let trace = &self.config.trace;
        let mut framer = trace.is_on().then(TraceFramer::default);
        let mut buf = vec![0u8; 4096];
        let mut handled = false;
        loop {
            let mut g = self.lock();
            loop {
                if !g.alive(io) {
                    drop(g);
                    return self.thread_done(io);
                }
                if g.ep.wants_input() {
                    break;
                }
                g.reader_waiting = true;
                g = wait(&self.io_cv, g, None).expect("no deadline");
                g.reader_waiting = false;
            }
            // Frames left buffered while our output backed up are handled before anything
            // more is read.
            let now = self.now();
            if !handled && g.ep.poll_timeout().is_some_and(|t| t <= now) {
                g.ep.handle_timeout(now);
                self.settle(g);
                handled = true;
                continue;
            }
            handled = false;
            drop(g);
            match r.read(&mut buf) {
                Ok(0) => self.with(|c, now| c.ep.handle_eof(now)),
                Ok(n) => {
                    if let Some(f) = framer.as_mut() {
                        f.push(trace, io.peer, &buf[..n]);
                    }
                    self.with(|c, now| c.ep.handle_input(now, &buf[..n]));
                    if n == buf.len() && n < 64 * 1024 {
                        buf.resize(n * 2, 0);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    log::debug!("smpp: read from {:?} failed: {e}", io.peer);
                    self.with(|c, now| c.ep.handle_eof(now));
                }
            }
        }
    }

    fn writer<W: Write>(self: &Arc<Self>, io: &ConnIo, mut w: W) {
        let trace = &self.config.trace;
        let tracing = trace.is_on();
        let mut failed = false;
        loop {
            let chunk = {
                let mut g = self.lock();
                loop {
                    if g.ep.generation() == io.generation {
                        let full = !g.ep.wants_input();
                        if let Some(b) = g.ep.take_transmit() {
                            if full && g.reader_waiting {
                                self.io_cv.notify_all(); // the reader may go on
                            }
                            break Some(b);
                        }
                    }
                    if !g.alive(io) {
                        break None;
                    }
                    g.writer_waiting = true;
                    g = wait(&self.io_cv, g, None).expect("no deadline");
                    g.writer_waiting = false;
                }
            };
            let Some(b) = chunk else { break };
            if tracing {
                trace.emit_all(Direction::Out, io.peer, &b);
            }
            if !failed {
                if let Err(e) = w.write_all(&b).and_then(|()| w.flush()) {
                    log::debug!("smpp: write to {:?} failed: {e}", io.peer);
                    failed = true;
                    (io.shutdown)(); // the reader sees the end of the stream
                }
            }
        }
        drop(w); // a TLS writer sends its close_notify
        (io.shutdown)();
        self.thread_done(io);
    }

    /// The endpoint's timeouts (the session's timers, the reconnect back-off) and the
    /// linger of a closed connection, until the client is over.
    fn timer_loop(self: Arc<Self>) {
        let mut g = self.lock();
        loop {
            if g.ep.is_closed() && g.io.is_none() && !g.dialing {
                return;
            }
            let now = self.now();
            if g.linger_at.is_some_and(|t| t <= now) {
                g.linger_at = None;
                if let Some(io) = &g.io {
                    log::debug!("smpp: output to {:?} not written in time; closing", io.peer);
                    (io.shutdown)();
                }
            }
            let next = g.ep.poll_timeout();
            if next.is_some_and(|t| t <= now) {
                g.ep.handle_timeout(now);
                self.settle(g);
                g = self.lock();
                continue;
            }
            let next = [next, g.linger_at].into_iter().flatten().min();
            g.timer_at = Some(next.unwrap_or(Instant::FAR_FUTURE));
            // Wake at least once a second (a safety net for missed notifications).
            let ms = next.map_or(1_000, |t| t.as_millis().saturating_sub(now.as_millis()));
            g = self
                .timer_cv
                .wait_timeout(g, Duration::from_millis(ms.min(1_000)))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            g.timer_at = None;
        }
    }

    /// Sends a request whose result goes to `waiter`; returns its sequence number. With
    /// `wait`, a full window is waited out (up to the response timeout, then
    /// `Error::Timeout`); without, it fails at once.
    pub(crate) fn request(
        self: &Arc<Self>,
        body: &Body<'_>,
        waiter: Waiter,
        wait: bool,
    ) -> Result<u32, Error> {
        let timeout: Duration = self.config.session.response_timeout.into();
        let deadline = wait.then(|| std::time::Instant::now() + timeout);
        let mut g = self.lock();
        loop {
            match g.ep.send_seq(self.now(), body) {
                Ok((ticket, seq)) => {
                    g.waiters.insert(ticket, waiter);
                    self.settle(g);
                    return Ok(seq);
                }
                Err(SessionError::WindowFull { window }) => {
                    let Some(d) = deadline else {
                        return Err(Error::Session(SessionError::WindowFull { window }));
                    };
                    g = self.wait_changed(g, Some(d)).ok_or(Error::Timeout)?;
                }
                Err(e) => return Err(g.send_error(e)),
            }
        }
    }

    /// Closes for good, gracefully, and waits until the connection ended (up to the drain
    /// and unbind timeouts, then aborts). The reason it closed, when it was bound.
    pub(crate) fn unbind(self: &Arc<Self>) -> Option<CloseReason> {
        let was_bound = self.with(|c, now| {
            c.shut = true;
            let bound = matches!(c.ep.state(), LinkState::Bound(_));
            c.ep.unbind(now);
            bound
        });
        let s = &self.config.session;
        let wait: Duration = s.drain_timeout.saturating_add(s.unbind_timeout).into();
        let deadline = std::time::Instant::now() + wait + Duration::from_secs(1);
        let done = |c: &Core| c.ep.is_closed() && c.io.is_none();
        let mut g = self.lock();
        while !done(&g) {
            match self.wait_changed(g, Some(deadline)) {
                Some(next) => g = next,
                None => {
                    self.with(|c, now| c.ep.abort(now));
                    g = self.lock();
                    break;
                }
            }
        }
        match g.ep.state() {
            LinkState::Closed(r) if was_bound => r,
            _ => None,
        }
    }
}

/// Answers one request of the SMSC on the connection it came on.
pub(crate) struct Responder {
    shared: Arc<Shared>,
    id: IncomingId,
    command_id: CommandId,
}

impl Responder {
    /// Answers with `status` and `body`; a refused answer (wrong body, invalid field) is
    /// replaced by `ESME_RX_T_APPN` and the error returned.
    pub(crate) fn respond(&self, status: CommandStatus, body: &Body<'_>) -> Result<(), Error> {
        self.shared
            .with(|c, now| match c.ep.respond(now, self.id, status, body) {
                Ok(()) => Ok(()),
                Err(SessionError::Closed) => Err(Error::ConnectionLost(c.last_reason())),
                Err(e) => {
                    let body = error_body(self.command_id);
                    let status = CommandStatus::ESME_RX_T_APPN;
                    let _ = c.ep.respond(now, self.id, status, &body);
                    Err(Error::Session(e))
                }
            })
    }

    /// Answers `ESME_RX_T_APPN` (the request was dropped unanswered).
    pub(crate) fn refuse(&self) {
        let body = error_body(self.command_id);
        let status = CommandStatus::ESME_RX_T_APPN;
        self.shared
            .with(|c, now| c.ep.respond(now, self.id, status, &body))
            .ok();
    }
}
