//! The per-connection engine: one [`Session`] behind a mutex, driven by three threads.
//!
//! - the reader blocks in `read`, feeds `handle_input` / `handle_eof`, and pauses while the
//!   session does not want input (backpressure: the peer does not read our output);
//! - the writer waits for transmit data, takes it from the session (so that the session's
//!   own backpressure accounting stays right) and writes it in order;
//! - the timer sleeps until `poll_timeout` and calls `handle_timeout`.
//!
//! Whoever touched the session drains its events before letting go of the lock: responses
//! complete their waiters, incoming requests of a client go to its `Incoming` channel (under
//! the lock, so in order), and what needs application code (callbacks, the server's
//! authenticator and handler, close notifications) runs right after the lock is released,
//! on the same thread.

use crate::common::{IncomingRequest, ShutdownHandle, Trace, TraceExt, TraceFramer, Transport};
use crate::{error_body, Error, Response};
use smpp_core::pdu::{Body, CommandId, CommandStatus};
use smpp_core::session::SessionError;
use smpp_core::session::{BindType, CloseReason, Event, Role, Session, SessionConfig};
use smpp_core::trace::Direction;
use smpp_core::Instant;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{SendError, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Connection ids, unique in the process (a server's `BindId`s are taken from them).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Initial and largest size of the reader's buffer (it grows while reads fill it, so idle
/// sessions stay small and busy ones read in large batches).
const READ_BUF_MIN: usize = 4 * 1024;
const READ_BUF_MAX: usize = 64 * 1024;

/// How long the writer may still flush output after the session closed before the socket
/// is shut down under it (a peer that does not read must not keep a blocked write, and so
/// the connection, alive).
const LINGER: Duration = Duration::from_secs(2);

/// Stack size of the writer and timer threads (they run only trace callbacks as user code).
const SMALL_STACK: usize = 128 * 1024;

/// A callback completing a request.
pub(crate) type Callback = Box<dyn FnOnce(Result<Response, Error>) + Send + 'static>;

/// Locks a mutex, ignoring poisoning (a panicking user callback must not wedge the link).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A one-shot cell a caller blocks on until its request completes.
pub(crate) struct Slot {
    state: Mutex<SlotState>,
    cv: Condvar,
}

#[derive(Default)]
struct SlotState {
    value: Option<Result<Response, Error>>,
    done: bool,
    waiting: bool,
}

impl Slot {
    pub(crate) fn new() -> Arc<Slot> {
        Arc::new(Slot {
            state: Mutex::new(SlotState::default()),
            cv: Condvar::new(),
        })
    }

    pub(crate) fn complete(&self, value: Result<Response, Error>) {
        let mut s = lock(&self.state);
        if s.done {
            return;
        }
        s.value = Some(value);
        s.done = true;
        if s.waiting {
            self.cv.notify_one();
        }
    }

    /// The result if it arrived (taken: later calls return `None`).
    pub(crate) fn try_take(&self) -> Option<Result<Response, Error>> {
        lock(&self.state).value.take()
    }

    /// Waits for the result until `deadline` (`None`: no limit). `None` when the deadline
    /// passed first. A result already taken yields `Error::Closed`.
    pub(crate) fn wait(
        &self,
        deadline: Option<std::time::Instant>,
    ) -> Option<Result<Response, Error>> {
        let mut s = lock(&self.state);
        loop {
            if let Some(v) = s.value.take() {
                return Some(v);
            }
            if s.done {
                return Some(Err(Error::Closed));
            }
            s.waiting = true;
            s = match deadline {
                None => self.cv.wait(s).unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    let left = d.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        s.waiting = false;
                        return None;
                    }
                    self.cv
                        .wait_timeout(s, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            s.waiting = false;
        }
    }
}

/// Who gets a request's result.
pub(crate) enum Waiter {
    /// A blocked caller or a ticket.
    Slot(Arc<Slot>),
    /// A callback, run outside the lock.
    Callback(Callback),
}

/// Work left for after the lock is released.
pub(crate) enum Deferred {
    Callback(Callback, Result<Response, Error>),
    Event(Event),
    /// Something whose drop may run application code.
    Drop(#[allow(dead_code)] Sender<IncomingRequest>),
}

/// Role-specific handling of the events the engine does not handle itself.
pub(crate) trait Hooks: Send + Sync + 'static {
    /// The connection exists; its threads start next.
    fn started(&self, _conn: &Arc<Conn>) {}
    /// Events in order, outside the lock, on the thread that drained them: `Closed` always;
    /// on a server also `BindRequest` and `Request`.
    fn events(&self, conn: &Arc<Conn>, events: Vec<Event>);
    /// Every thread of the connection ended (the socket is shut down).
    fn finished(&self, _conn: &Arc<Conn>) {}
}

/// A cheap hasher for sequence numbers.
#[derive(Default)]
pub(crate) struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01B3);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub(crate) struct ConnState {
    pub(crate) session: Session,
    waiters: HashMap<u32, Waiter, BuildHasherDefault<SeqHasher>>,
    incoming: Option<Sender<IncomingRequest>>,
    /// Why the session closed, once it did.
    pub(crate) closed: Option<CloseReason>,
    /// ESME: the outcome of our bind.
    pub(crate) bind_result: Option<Result<BindType, Error>>,
    /// ESME: an outbind arrived.
    pub(crate) outbind: bool,
    writer_waiting: bool,
    /// The deadline the timer thread sleeps until (`None` while it is not sleeping).
    timer_wait: Option<Instant>,
    cv_waiters: usize,
    live_threads: u8,
    /// The writer thread ended (or never started).
    writer_done: bool,
}

/// One connection.
pub(crate) struct Conn {
    pub(crate) id: u64,
    st: Mutex<ConnState>,
    tx_cv: Condvar,
    timer_cv: Condvar,
    cv: Condvar,
    epoch: std::time::Instant,
    pub(crate) peer: Option<SocketAddr>,
    trace: Trace,
    hooks: Box<dyn Hooks>,
    shutdown: ShutdownHandle,
}

impl Conn {
    /// Starts a session of `config` over `transport` with its three threads.
    pub(crate) fn spawn<T: Transport>(
        transport: T,
        config: SessionConfig,
        peer: Option<SocketAddr>,
        trace: Trace,
        hooks: Box<dyn Hooks>,
        incoming: Option<Sender<IncomingRequest>>,
    ) -> io::Result<Arc<Conn>> {
        let shutdown = transport.shutdown_handle()?;
        let (reader, writer) = transport.split()?;
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            id,
            st: Mutex::new(ConnState {
                session: Session::new(config, Instant::ZERO),
                waiters: HashMap::default(),
                incoming,
                closed: None,
                bind_result: None,
                outbind: false,
                writer_waiting: false,
                timer_wait: None,
                cv_waiters: 0,
                live_threads: 0,
                writer_done: true,
            }),
            tx_cv: Condvar::new(),
            timer_cv: Condvar::new(),
            cv: Condvar::new(),
            epoch: std::time::Instant::now(),
            peer,
            trace,
            hooks,
            shutdown,
        });
        conn.hooks.started(&conn);
        let started = conn.start_threads(reader, writer);
        if let Err(e) = started {
            conn.force_close();
            if conn.lock().live_threads == 0 {
                conn.hooks.finished(&conn);
            }
            return Err(e);
        }
        Ok(conn)
    }

    fn start_threads<R, W>(self: &Arc<Self>, reader: R, writer: W) -> io::Result<()>
    where
        R: Read + Send + 'static,
        W: Write + Send + 'static,
    {
        let id = self.id;
        let c = self.clone();
        {
            let mut st = lock(&self.st);
            st.live_threads += 1;
            st.writer_done = false;
        }
        let r = std::thread::Builder::new()
            .name(format!("smpp-write-{id}"))
            .stack_size(SMALL_STACK)
            .spawn(move || c.writer_loop(writer));
        if let Err(e) = r {
            let mut st = lock(&self.st);
            st.live_threads -= 1;
            st.writer_done = true;
            return Err(e);
        }
        let c = self.clone();
        lock(&self.st).live_threads += 1;
        let r = std::thread::Builder::new()
            .name(format!("smpp-timer-{id}"))
            .stack_size(SMALL_STACK)
            .spawn(move || c.timer_loop());
        if let Err(e) = r {
            lock(&self.st).live_threads -= 1;
            return Err(e);
        }
        let c = self.clone();
        lock(&self.st).live_threads += 1;
        let r = std::thread::Builder::new()
            .name(format!("smpp-read-{id}"))
            .spawn(move || c.reader_loop(reader));
        if let Err(e) = r {
            lock(&self.st).live_threads -= 1;
            return Err(e);
        }
        Ok(())
    }

    /// The session's clock: milliseconds since this connection started.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_millis(self.epoch.elapsed().as_millis() as u64)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, ConnState> {
        lock(&self.st)
    }

    /// Runs a session command, then drains what it caused.
    pub(crate) fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut Session, Instant) -> R) -> R {
        let mut out = Vec::new();
        let r = {
            let mut st = self.lock();
            let now = self.now();
            let r = f(&mut st.session, now);
            self.after_op(&mut st, &mut out);
            r
        };
        self.run_deferred(out);
        r
    }

    /// Sends a request whose result goes to `waiter`. With `wait_until`, a full window is
    /// waited out (until then: `Error::Timeout`); without, it fails at once.
    pub(crate) fn request(
        self: &Arc<Self>,
        body: &Body<'_>,
        waiter: Waiter,
        wait_until: Option<std::time::Instant>,
    ) -> Result<u32, Error> {
        let mut out = Vec::new();
        let result = {
            let mut st = self.lock();
            loop {
                let now = self.now();
                match st.session.send(now, body) {
                    Ok(seq) => {
                        st.waiters.insert(seq, waiter);
                        self.after_op(&mut st, &mut out);
                        break Ok(seq);
                    }
                    Err(SessionError::WindowFull { window }) => {
                        let Some(deadline) = wait_until else {
                            break Err(Error::Session(SessionError::WindowFull { window }));
                        };
                        let left = deadline.saturating_duration_since(std::time::Instant::now());
                        if left.is_zero() {
                            break Err(Error::Timeout);
                        }
                        st = self.wait_cv(st, Some(left));
                    }
                    Err(e) => break Err(Error::Session(e)),
                }
            }
        };
        self.run_deferred(out);
        result
    }

    /// Waits on the general condition variable (window slots, state changes, backpressure).
    fn wait_cv<'a>(
        &self,
        mut st: MutexGuard<'a, ConnState>,
        timeout: Option<Duration>,
    ) -> MutexGuard<'a, ConnState> {
        st.cv_waiters += 1;
        let mut st = match timeout {
            None => self.cv.wait(st).unwrap_or_else(PoisonError::into_inner),
            Some(t) => {
                self.cv
                    .wait_timeout(st, t)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
        };
        st.cv_waiters -= 1;
        st
    }

    /// Waits until `done` holds or `timeout` passes; returns whether it holds.
    pub(crate) fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&mut ConnState) -> bool,
    ) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut st = self.lock();
        loop {
            if done(&mut st) {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            st = self.wait_cv(st, Some(left));
        }
    }

    /// Why the session closed, if it did.
    pub(crate) fn close_reason(&self) -> Option<CloseReason> {
        self.lock().closed
    }

    /// The error for a request that found the session closed.
    pub(crate) fn lost_error(&self) -> Error {
        match self.close_reason() {
            Some(r) => Error::ConnectionLost(r),
            None => Error::Closed,
        }
    }

    /// Aborts the session (outstanding requests fail); pending output is still flushed.
    pub(crate) fn abort(self: &Arc<Self>) {
        self.with(|s, now| s.abort(now));
    }

    /// Aborts and shuts the socket down at once (a blocked write returns too).
    pub(crate) fn force_close(self: &Arc<Self>) {
        self.abort();
        (self.shutdown)();
    }

    /// Starts a graceful unbind, or aborts when the session is not bound.
    pub(crate) fn unbind_or_abort(self: &Arc<Self>) {
        let r = self.with(|s, now| s.unbind(now));
        if r.is_err() {
            self.abort();
        }
    }

    /// Drains the session's events and wakes whoever must act on its new state. Called
    /// with the lock held after every session call.
    fn after_op(self: &Arc<Self>, st: &mut ConnState, out: &mut Vec<Deferred>) {
        let mut changed = false;
        while let Some(ev) = st.session.poll_event() {
            changed = true;
            self.dispatch(st, ev, out);
        }
        let closed = st.session.is_closed();
        if st.writer_waiting && (closed || st.session.poll_transmit().is_some()) {
            st.writer_waiting = false;
            self.tx_cv.notify_one();
        }
        if let Some(w) = st.timer_wait {
            if closed || st.session.poll_timeout().is_some_and(|t| t < w) {
                st.timer_wait = None;
                self.timer_cv.notify_one();
            }
        }
        if changed && st.cv_waiters > 0 {
            self.cv.notify_all();
        }
    }

    fn dispatch(self: &Arc<Self>, st: &mut ConnState, ev: Event, out: &mut Vec<Deferred>) {
        match ev {
            Event::Response { frame, rtt, .. } => {
                let seq = frame.sequence_number();
                let r = Response {
                    frame,
                    rtt: rtt.into(),
                };
                complete(st, seq, Ok(r), out);
            }
            Event::ResponseTimeout {
                sequence_number, ..
            } => complete(st, sequence_number, Err(Error::Timeout), out),
            Event::RequestFailed {
                sequence_number,
                reason,
                ..
            } => complete(st, sequence_number, Err(Error::ConnectionLost(reason)), out),
            Event::Bound { bind_type, .. } => st.bind_result = Some(Ok(bind_type)),
            Event::BindFailed { status } => st.bind_result = Some(Err(Error::BindFailed(status))),
            Event::Outbind { .. } => st.outbind = true,
            Event::Request {
                frame,
                auto_responded,
            } if st.session.role() == Role::Esme => {
                let answer = !auto_responded && frame.command_id() != CommandId::AlertNotification;
                let req = IncomingRequest::new(frame, answer.then(|| self.clone()));
                let refused = match &st.incoming {
                    Some(tx) => match tx.send(req) {
                        Ok(()) => None,
                        Err(SendError(req)) => Some(req),
                    },
                    None => Some(req),
                };
                if let Some(mut req) = refused {
                    // Nobody listens: answer here (the request's own drop would lock).
                    if req.disarm() {
                        let seq = req.frame.sequence_number();
                        let body = error_body(req.frame.command_id());
                        let now = self.now();
                        let status = CommandStatus::ESME_RX_T_APPN;
                        let _ = st.session.respond(now, seq, status, &body);
                    }
                }
            }
            Event::Closed { reason } => {
                st.closed = Some(reason);
                for (_, w) in st.waiters.drain() {
                    let e = Err(Error::ConnectionLost(reason));
                    match w {
                        Waiter::Slot(s) => s.complete(e),
                        Waiter::Callback(cb) => out.push(Deferred::Callback(cb, e)),
                    }
                }
                if let Some(tx) = st.incoming.take() {
                    out.push(Deferred::Drop(tx));
                }
                out.push(Deferred::Event(Event::Closed { reason }));
            }
            Event::UnmatchedResponse { frame, late } => {
                log::debug!("smpp: unmatched response {frame:?} (late: {late})");
            }
            Event::Throttled { status, resume_at } => {
                log::debug!("smpp: throttled by the peer ({status:?}) until {resume_at:?}");
            }
            Event::InvalidPdu {
                error,
                command_id,
                sequence_number,
                answered,
            } => {
                log::debug!(
                    "smpp: invalid {command_id} seq={sequence_number} from the peer: {error} \
                     (answered {answered:?})"
                );
            }
            Event::RejectedRequest {
                command_id,
                sequence_number,
                status,
            } => {
                log::debug!("smpp: refused {command_id} seq={sequence_number}: {status:?}");
            }
            other => out.push(Deferred::Event(other)),
        }
    }

    fn run_deferred(self: &Arc<Self>, out: Vec<Deferred>) {
        if out.is_empty() {
            return;
        }
        let mut events = Vec::new();
        for d in out {
            match d {
                Deferred::Callback(cb, r) => {
                    if catch_unwind(AssertUnwindSafe(|| cb(r))).is_err() {
                        log::error!("smpp: a request callback panicked");
                    }
                }
                Deferred::Event(e) => events.push(e),
                Deferred::Drop(_) => {}
            }
        }
        if !events.is_empty() {
            let hooks = AssertUnwindSafe(|| self.hooks.events(self, events));
            if catch_unwind(hooks).is_err() {
                log::error!("smpp: event handling panicked");
            }
        }
    }

    fn thread_done(self: &Arc<Self>) {
        let last = {
            let mut st = self.lock();
            st.live_threads -= 1;
            st.live_threads == 0
        };
        if last {
            self.hooks.finished(self);
        }
    }

    fn reader_loop<R: Read>(self: Arc<Self>, mut r: R) {
        let mut buf = vec![0u8; READ_BUF_MIN];
        let mut framer = self.trace.is_on().then(TraceFramer::default);
        loop {
            let due = {
                let mut st = self.lock();
                loop {
                    if st.session.is_closed() {
                        drop(st);
                        self.thread_done();
                        return;
                    }
                    if st.session.wants_input() {
                        break;
                    }
                    st = self.wait_cv(st, None);
                }
                let now = self.now();
                st.session.poll_timeout().is_some_and(|t| t <= now)
            };
            if due {
                // Frames received while our output backed up are handled before anything
                // more is read: reading first would only grow the receive buffer (up to its
                // limit, where the session gives up on the peer).
                self.with(|s, now| s.handle_timeout(now));
                continue;
            }
            match r.read(&mut buf) {
                Ok(0) => {
                    self.with(|s, now| s.handle_eof(now));
                }
                Ok(n) => {
                    let data = &buf[..n];
                    if let Some(f) = framer.as_mut() {
                        f.push(&self.trace, self.peer, data);
                    }
                    self.with(|s, now| s.handle_input(now, data));
                    if n == buf.len() && buf.len() < READ_BUF_MAX {
                        buf.resize(buf.len() * 2, 0);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    log::debug!("smpp: read from {:?} failed: {e}", self.peer);
                    self.with(|s, now| s.handle_eof(now));
                }
            }
        }
    }

    fn writer_loop<W: Write>(self: Arc<Self>, mut w: W) {
        let tracing = self.trace.is_on();
        let mut failed = false;
        let mut deferred = Vec::new();
        loop {
            let (chunk, closed) = {
                let mut st = self.lock();
                loop {
                    let was_full = !st.session.wants_input();
                    if let Some(b) = st.session.take_transmit() {
                        if was_full {
                            // The reader may go on; frames it left buffered are due now.
                            self.after_op(&mut st, &mut deferred);
                            if st.cv_waiters > 0 {
                                self.cv.notify_all();
                            }
                        }
                        break (Some(b), st.session.is_closed());
                    }
                    if st.session.is_closed() {
                        break (None, true);
                    }
                    st.writer_waiting = true;
                    st = self.tx_cv.wait(st).unwrap_or_else(PoisonError::into_inner);
                    st.writer_waiting = false;
                }
            };
            self.run_deferred(std::mem::take(&mut deferred));
            match chunk {
                Some(b) => {
                    if tracing {
                        self.trace.emit_all(Direction::Out, self.peer, &b);
                    }
                    if !failed {
                        if let Err(e) = w.write_all(&b).and_then(|()| w.flush()) {
                            log::debug!("smpp: write to {:?} failed: {e}", self.peer);
                            failed = true;
                            // The reader sees the end of the stream and closes the session.
                            (self.shutdown)();
                        }
                    }
                }
                None if closed => {
                    let _ = w.flush();
                    break;
                }
                None => {}
            }
        }
        // Dropped before the shutdown: a TLS writer sends its close_notify.
        drop(w);
        (self.shutdown)();
        {
            let mut st = self.lock();
            st.writer_done = true;
            self.timer_cv.notify_all();
        }
        self.thread_done();
    }

    fn timer_loop(self: Arc<Self>) {
        let mut st = self.lock();
        loop {
            if st.session.is_closed() {
                break;
            }
            let now = self.now();
            match st.session.poll_timeout() {
                Some(t) if t <= now => {
                    st.session.handle_timeout(now);
                    let mut out = Vec::new();
                    self.after_op(&mut st, &mut out);
                    if !out.is_empty() {
                        drop(st);
                        self.run_deferred(out);
                        st = self.lock();
                    }
                }
                deadline => {
                    st.timer_wait = Some(deadline.unwrap_or(Instant::FAR_FUTURE));
                    st = match deadline {
                        None => self
                            .timer_cv
                            .wait(st)
                            .unwrap_or_else(PoisonError::into_inner),
                        Some(t) => {
                            let ms = t.as_millis().saturating_sub(now.as_millis());
                            self.timer_cv
                                .wait_timeout(st, Duration::from_millis(ms))
                                .unwrap_or_else(PoisonError::into_inner)
                                .0
                        }
                    };
                    st.timer_wait = None;
                }
            }
        }
        // Closed: the writer flushes the last output and shuts the socket down. A peer that
        // does not read could block that write for ever; after LINGER the socket is shut
        // down under it.
        let deadline = std::time::Instant::now() + LINGER;
        while !st.writer_done {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .timer_cv
                .wait_timeout(st, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        let stuck = !st.writer_done;
        drop(st);
        if stuck {
            log::debug!(
                "smpp: output to {:?} not written in time; closing",
                self.peer
            );
            (self.shutdown)();
        }
        self.thread_done();
    }
}

fn complete(st: &mut ConnState, seq: u32, r: Result<Response, Error>, out: &mut Vec<Deferred>) {
    match st.waiters.remove(&seq) {
        Some(Waiter::Slot(s)) => s.complete(r),
        Some(Waiter::Callback(cb)) => out.push(Deferred::Callback(cb, r)),
        None => {}
    }
}
