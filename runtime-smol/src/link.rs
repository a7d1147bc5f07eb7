//! One connection: the sans-IO [`Session`] behind a lock shared by the application's handles
//! and the connection's driver task, plus the driver that moves octets and time.
//!
//! Handles call session commands directly under the lock (no copy of the request: the body
//! is encoded straight into the session's transmit buffer) and wake the driver; the driver
//! writes what the session produced, feeds it what the socket delivered, runs its timers and
//! dispatches its events (responses to per-request waiters, everything else to the role's
//! [`Hooks`]).

use crate::error::Error;
use crate::oneshot;
use crate::trace::{Trace, TraceExt, TraceRx};
use crate::Response;
use bytes::{Buf, Bytes};
use futures_lite::{AsyncRead, AsyncWrite};
use smol::lock::{Semaphore, SemaphoreGuardArc};
use smpp_core::session::{CloseReason, Event, Session, SessionError, State};
use smpp_core::trace::Direction;
use smpp_core::{Body, CommandStatus, Instant};
use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

/// Hashes sequence numbers (already unique small integers) cheaply.
#[derive(Default)]
pub(crate) struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type ResponseResult = Result<Response, Error>;

/// Who waits for the response to one of our requests. Holds one window permit.
pub(crate) enum Waiter {
    /// An application future.
    Reply(oneshot::Sender<ResponseResult>, SemaphoreGuardArc),
    /// Internal bookkeeping (messages drained from the server's store).
    Callback(Box<dyn FnOnce(ResponseResult) + Send>, SemaphoreGuardArc),
}

impl Waiter {
    fn complete(self, result: ResponseResult) {
        match self {
            Waiter::Reply(tx, permit) => {
                drop(permit);
                tx.send(result);
            }
            Waiter::Callback(f, permit) => {
                drop(permit);
                f(result);
            }
        }
    }
}

/// The state shared by a connection's handles and its driver.
pub(crate) struct Inner {
    pub(crate) session: Session,
    pub(crate) waiters: HashMap<u32, Waiter, BuildHasherDefault<SeqHasher>>,
    /// The driver's waker while it waits.
    waker: Option<Waker>,
    /// Bumped whenever a new session replaces the old one (client reconnects), so that an
    /// answer to a request of an earlier connection never reaches a later one.
    pub(crate) generation: u64,
    pub(crate) peer: Option<SocketAddr>,
    /// Why the last session closed.
    pub(crate) lost: Option<CloseReason>,
    /// Closed on purpose (unbind, shutdown): new requests fail with [`Error::Closed`].
    pub(crate) shut: bool,
    /// Between connections of a reconnecting client.
    pub(crate) reconnecting: bool,
}

impl Inner {
    /// The error for a refused session command.
    pub(crate) fn map_err(&self, e: SessionError) -> Error {
        match e {
            SessionError::Closed if self.shut => Error::Closed,
            SessionError::Closed if self.reconnecting => {
                Error::Session(SessionError::InvalidState {
                    state: State::Closed,
                })
            }
            SessionError::Closed => {
                Error::ConnectionLost(self.lost.unwrap_or(CloseReason::Aborted))
            }
            e => Error::Session(e),
        }
    }

    /// The error `send` would give for the current state, if it is not a bound one.
    fn state_error(&self) -> Option<Error> {
        match self.session.state() {
            State::Bound(_) => None,
            State::Closed => Some(self.map_err(SessionError::Closed)),
            state => Some(Error::Session(SessionError::InvalidState { state })),
        }
    }
}

/// One connection's shared half.
pub(crate) struct Link {
    inner: Mutex<Inner>,
    /// One permit per window slot: `send` waits here when the window is full.
    pub(crate) permits: Arc<Semaphore>,
    window: usize,
    epoch: std::time::Instant,
    pub(crate) trace: Trace,
}

impl Link {
    /// A link around `session`, which must have been created at [`Instant::ZERO`] (the
    /// link's epoch is now).
    pub(crate) fn new(session: Session, trace: Trace, peer: Option<SocketAddr>) -> Arc<Link> {
        let window = session.config().window.max(1);
        Arc::new(Link {
            inner: Mutex::new(Inner {
                session,
                waiters: HashMap::default(),
                waker: None,
                generation: 0,
                peer,
                lost: None,
                shut: false,
                reconnecting: false,
            }),
            permits: Arc::new(Semaphore::new(window)),
            window,
            epoch: std::time::Instant::now(),
            trace,
        })
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The core's clock: milliseconds since this link's epoch.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn std_instant(&self, at: Instant) -> Option<std::time::Instant> {
        if at == Instant::FAR_FUTURE {
            return None;
        }
        self.epoch
            .checked_add(std::time::Duration::from_millis(at.as_millis()))
    }

    /// Releases the lock and wakes the driver (the session has something new for it).
    pub(crate) fn wake(mut g: MutexGuard<'_, Inner>) {
        let w = g.waker.take();
        drop(g);
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Sends a request once a window slot is free.
    pub(crate) async fn send_pipelined(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        if let Some(e) = self.lock().state_error() {
            return Err(e);
        }
        let permit = match self.permits.try_acquire_arc() {
            Some(p) => p,
            None => self.permits.acquire_arc().await,
        };
        self.send_with(body, permit)
    }

    /// Sends a request if a window slot is free now.
    pub(crate) fn try_send(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        if let Some(e) = self.lock().state_error() {
            return Err(e);
        }
        let permit =
            self.permits
                .try_acquire_arc()
                .ok_or(Error::Session(SessionError::WindowFull {
                    window: self.window,
                }))?;
        self.send_with(body, permit)
    }

    fn send_with(
        &self,
        body: &Body<'_>,
        permit: SemaphoreGuardArc,
    ) -> Result<ResponseFuture, Error> {
        let mut g = self.lock();
        let seq = g.session.send(self.now(), body).map_err(|e| g.map_err(e))?;
        let (tx, rx) = oneshot::channel();
        g.waiters.insert(seq, Waiter::Reply(tx, permit));
        Link::wake(g);
        Ok(ResponseFuture(rx))
    }

    /// Answers the peer's request `seq` of connection `generation`.
    pub(crate) fn respond(
        &self,
        generation: u64,
        seq: u32,
        status: CommandStatus,
        body: &Body<'_>,
    ) -> Result<(), Error> {
        let mut g = self.lock();
        if g.generation != generation {
            return Err(Error::ConnectionLost(
                g.lost.unwrap_or(CloseReason::Aborted),
            ));
        }
        let now = self.now();
        g.session
            .respond(now, seq, status, body)
            .map_err(|e| g.map_err(e))?;
        Link::wake(g);
        Ok(())
    }
}

/// The response to a request sent with `send_pipelined` or `try_send`: await it.
///
/// Dropping it does not cancel the request; its window slot is freed when the response (or
/// the timeout) arrives.
#[must_use = "the response arrives through this future"]
pub struct ResponseFuture(oneshot::Receiver<ResponseResult>);

impl ResponseFuture {
    /// The result if it already arrived (then the future is spent).
    pub fn try_get(&self) -> Option<Result<Response, Error>> {
        self.0.try_take()
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(Error::Closed)))
    }
}

impl std::fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseFuture")
    }
}

/// What a role does with the session's events (other than responses, which the driver
/// routes to their waiters).
pub(crate) trait Hooks: Send + Sync + 'static {
    /// Events in order, called outside the lock from the driver's task.
    fn on_events(&self, link: &Arc<Link>, events: &mut Vec<Event>, cx: &mut Context<'_>);

    /// Called on every driver iteration (until the session closed); returns true when it
    /// gave the session work. It may register `cx` for a wake-up (a timer).
    fn poll_extra(&self, _link: &Arc<Link>, _cx: &mut Context<'_>) -> bool {
        false
    }
}

/// How long output may still be flushed after the session closed.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
/// Driver iterations before yielding to other tasks.
const BUDGET: usize = 32;
const SCRATCH_LEN: usize = 64 * 1024;

thread_local! {
    /// Read buffer shared by the drivers running on a thread: received octets are copied
    /// into the session at once, so no connection needs its own.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH_LEN]);
}

/// The I/O pump of one connection.
pub(crate) struct Driver<S, H> {
    io: S,
    link: Arc<Link>,
    hooks: Arc<H>,
    peer: Option<SocketAddr>,
    wbuf: Bytes,
    flush_pending: bool,
    read_done: bool,
    write_broken: bool,
    closed: Option<CloseReason>,
    linger_until: Option<std::time::Instant>,
    timer: async_io::Timer,
    timer_at: Option<std::time::Instant>,
    trace_rx: Option<TraceRx>,
    events: Vec<Event>,
    done: Vec<(Waiter, ResponseResult)>,
}

impl<S, H> Driver<S, H>
where
    S: AsyncRead + AsyncWrite + Unpin,
    H: Hooks,
{
    pub(crate) fn new(io: S, link: Arc<Link>, hooks: Arc<H>) -> Self {
        let peer = link.lock().peer;
        Driver {
            io,
            trace_rx: link.trace.enabled().then(TraceRx::default),
            link,
            hooks,
            peer,
            wbuf: Bytes::new(),
            flush_pending: false,
            read_done: false,
            write_broken: false,
            closed: None,
            linger_until: None,
            timer: async_io::Timer::never(),
            timer_at: None,
            events: Vec::new(),
            done: Vec::new(),
        }
    }

    /// Runs the connection until its session closed and its last output was written.
    pub(crate) async fn run(mut self) -> CloseReason {
        let reason = futures_lite::future::poll_fn(|cx| self.poll(cx)).await;
        // Best effort: half-close so the peer sees EOF at once.
        let _ =
            futures_lite::future::poll_once(futures_lite::AsyncWriteExt::close(&mut self.io)).await;
        reason
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<CloseReason> {
        for _ in 0..BUDGET {
            let mut progress = false;

            // A: timers, events and output of the session, under the lock.
            let mut fresh_output = false;
            let (wants_input, deadline, more_tx) = {
                let mut g = self.link.lock();
                let now = self.link.now();
                if g.session.poll_timeout().is_some_and(|d| d <= now) {
                    g.session.handle_timeout(now);
                }
                collect(&mut g, &mut self.events, &mut self.done, &mut self.closed);
                if self.write_broken {
                    let _ = g.session.take_transmit();
                } else if self.wbuf.is_empty() {
                    if let Some(b) = g.session.take_transmit() {
                        self.wbuf = b;
                        fresh_output = true;
                    }
                }
                match &g.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => g.waker = Some(cx.waker().clone()),
                }
                (
                    g.session.wants_input(),
                    g.session.poll_timeout(),
                    g.session.poll_transmit().is_some(),
                )
            };

            // B: trace and dispatch, outside the lock (user code may call back).
            if fresh_output && self.trace_rx.is_some() {
                self.link
                    .trace
                    .emit_all(Direction::Out, self.peer, &self.wbuf);
            }
            for (w, r) in self.done.drain(..) {
                w.complete(r);
            }
            if !self.events.is_empty() {
                self.hooks.on_events(&self.link, &mut self.events, cx);
                self.events.clear();
                progress = true;
            }
            if self.closed.is_none() && self.hooks.poll_extra(&self.link, cx) {
                progress = true;
            }

            // C: write.
            if self.write_step(cx) {
                progress = true;
            }
            if more_tx && self.wbuf.is_empty() && !self.write_broken {
                progress = true;
            }

            // D: read, unless the session is due first: frames received while our output
            // backed up are handled (next round, in A) before anything more is read, which
            // would only grow the receive buffer.
            let due = deadline.is_some_and(|d| d <= self.link.now());
            if due || (wants_input && !self.read_done && self.read_step(cx)) {
                progress = true;
            }

            // E: the session's next deadline. Only an earlier deadline re-arms the timer; a
            // later one waits for the armed timer to fire (an early call is harmless).
            let mut at = deadline.and_then(|d| self.link.std_instant(d));
            if self.closed.is_some() {
                let linger = *self
                    .linger_until
                    .get_or_insert_with(|| std::time::Instant::now() + LINGER);
                if std::time::Instant::now() >= linger {
                    return Poll::Ready(self.closed.unwrap_or(CloseReason::Aborted));
                }
                at = Some(at.map_or(linger, |a| a.min(linger)));
            }
            if let Some(t) = at {
                if !matches!(self.timer_at, Some(cur) if cur <= t) {
                    self.timer.set_at(t);
                    self.timer_at = Some(t);
                }
            }
            if self.timer_at.is_some() && Pin::new(&mut self.timer).poll(cx).is_ready() {
                self.timer_at = None;
                progress = true;
            }

            // F: done once closed and everything was written.
            if let Some(reason) = self.closed {
                let flushed = self.wbuf.is_empty() && !self.flush_pending && !more_tx;
                if self.write_broken || flushed {
                    return Poll::Ready(reason);
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Writes as much pending output as the socket takes. True on progress.
    fn write_step(&mut self, cx: &mut Context<'_>) -> bool {
        if self.write_broken {
            return false;
        }
        let mut progress = false;
        while !self.wbuf.is_empty() {
            match Pin::new(&mut self.io).poll_write(cx, &self.wbuf) {
                Poll::Ready(Ok(0)) => {
                    self.io_failed();
                    return true;
                }
                Poll::Ready(Ok(n)) => {
                    self.wbuf.advance(n);
                    self.flush_pending = true;
                    progress = true;
                }
                Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Poll::Ready(Err(e)) => {
                    log::debug!("write to {:?} failed: {e}", self.peer);
                    self.io_failed();
                    return true;
                }
                Poll::Pending => return progress,
            }
        }
        if self.flush_pending {
            match Pin::new(&mut self.io).poll_flush(cx) {
                Poll::Ready(Ok(())) => {
                    self.flush_pending = false;
                    progress = true;
                }
                Poll::Ready(Err(_)) => {
                    self.io_failed();
                    return true;
                }
                Poll::Pending => {}
            }
        }
        progress
    }

    /// The socket broke: the peer is gone.
    fn io_failed(&mut self) {
        self.write_broken = true;
        self.flush_pending = false;
        self.wbuf = Bytes::new();
        let mut g = self.link.lock();
        let now = self.link.now();
        g.session.handle_eof(now);
    }

    /// Reads once into the thread's scratch buffer and feeds the session. True on progress.
    fn read_step(&mut self, cx: &mut Context<'_>) -> bool {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => self.read_into(cx, &mut buf),
            Err(_) => self.read_into(cx, &mut vec![0; 4096]),
        })
    }

    fn read_into(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> bool {
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(Ok(0)) => {
                self.read_done = true;
                let mut g = self.link.lock();
                let now = self.link.now();
                g.session.handle_eof(now);
                true
            }
            Poll::Ready(Ok(n)) => {
                let data = buf.get(..n).unwrap_or(&[]);
                if let Some(t) = &mut self.trace_rx {
                    t.feed(&self.link.trace, self.peer, data);
                }
                let mut g = self.link.lock();
                let now = self.link.now();
                g.session.handle_input(now, data);
                true
            }
            Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => true,
            Poll::Ready(Err(e)) => {
                log::debug!("read from {:?} failed: {e}", self.peer);
                self.read_done = true;
                let mut g = self.link.lock();
                let now = self.link.now();
                g.session.handle_eof(now);
                true
            }
            Poll::Pending => false,
        }
    }
}

/// Drains the session's events: responses to their waiters, the rest to the hooks.
fn collect(
    g: &mut Inner,
    events: &mut Vec<Event>,
    done: &mut Vec<(Waiter, ResponseResult)>,
    closed: &mut Option<CloseReason>,
) {
    while let Some(ev) = g.session.poll_event() {
        match ev {
            Event::Response { frame, rtt, .. } => {
                if let Some(w) = g.waiters.remove(&frame.sequence_number()) {
                    let rtt = rtt.into();
                    done.push((w, Ok(Response { frame, rtt })));
                }
            }
            Event::ResponseTimeout {
                sequence_number, ..
            } => {
                if let Some(w) = g.waiters.remove(&sequence_number) {
                    done.push((w, Err(Error::Timeout)));
                }
            }
            Event::RequestFailed {
                sequence_number,
                reason,
                ..
            } => {
                if let Some(w) = g.waiters.remove(&sequence_number) {
                    done.push((w, Err(Error::ConnectionLost(reason))));
                }
            }
            Event::Closed { reason } => {
                for (_, w) in g.waiters.drain() {
                    done.push((w, Err(Error::ConnectionLost(reason))));
                }
                g.lost = Some(reason);
                *closed = Some(reason);
                events.push(ev);
            }
            other => events.push(other),
        }
    }
}
