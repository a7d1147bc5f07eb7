//! The I/O pump around the core's [`Endpoint`]: accept loops, one reader and one writer
//! thread per connection, one timer thread per server, outbind connects. Every decision is
//! the endpoint's; this file moves octets, time and the application's answers.
//!
//! Every endpoint call goes through [`Shared::with`] (or ends in [`Shared::settle`]), which
//! drains what the call caused while still holding the lock: woken connections (their
//! threads are notified), delivery outcomes and responses (their waiters complete), events
//! (sent to the subscribers right after the lock is released, in order) and outbind
//! connects (started after the lock is released).

use super::{Acceptor, Handler};
use crate::common::{TraceExt, TraceFramer, Transport};
use crate::conn::{lock, Slot};
use crate::{Error, Response};
use smpp_core::server::{
    AppResponse, Authenticator, BindId, ConnEvent, Connect, DeliveryId, DeliveryOutcome, Endpoint,
    Reply, RequestOutcome, ServerConfig, ServerEvent,
};
use smpp_core::session::CloseReason;
use smpp_core::trace::Direction;
use smpp_core::{CommandStatus, Duration as CoreDuration, Instant};
use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

/// How long a closed connection may still flush its output before its socket is shut down
/// under a blocked write.
const LINGER: CoreDuration = CoreDuration::from_millis(2_000);
/// Stack sizes: the reader runs the authenticator, the handler and TLS handshakes; the
/// writer only trace callbacks and TLS sealing.
const READER_STACK: usize = 256 * 1024;
const SMALL_STACK: usize = 128 * 1024;

/// A one-shot value many may wait for (the outcome of a delivery).
pub(crate) struct Once<T> {
    value: Mutex<Option<T>>,
    cv: Condvar,
}

impl<T: Clone> Once<T> {
    pub(crate) fn new() -> Arc<Once<T>> {
        Arc::new(Once {
            value: Mutex::new(None),
            cv: Condvar::new(),
        })
    }

    fn set(&self, v: T) {
        *lock(&self.value) = Some(v);
        self.cv.notify_all();
    }

    /// Waits until `deadline` (`None`: no limit); `None` when it passed first.
    pub(crate) fn wait(&self, deadline: Option<std::time::Instant>) -> Option<T> {
        let mut g = lock(&self.value);
        loop {
            if let Some(v) = g.as_ref() {
                return Some(v.clone());
            }
            g = wait(&self.cv, g, deadline)?;
        }
    }
}

/// One connection's I/O side.
pub(crate) struct ConnIo {
    pub(crate) id: BindId,
    /// The reader and writer wait here (with the endpoint's lock).
    cv: Condvar,
    /// The TCP socket, to shut it down from any thread.
    tcp: TcpStream,
    peer: SocketAddr,
    lingering: AtomicBool,
    /// Why the bound session closed.
    pub(crate) reason: OnceLock<CloseReason>,
}

impl ConnIo {
    fn shutdown(&self) {
        let _ = self.tcp.shutdown(Shutdown::Both);
    }
}

/// What the endpoint's lock guards.
pub(crate) struct Core {
    pub(crate) ep: Endpoint,
    pub(crate) conns: HashMap<BindId, Arc<ConnIo>>,
    pub(crate) deliveries: HashMap<DeliveryId, Arc<Once<DeliveryOutcome>>>,
    pub(crate) requests: HashMap<(BindId, u32), Arc<Slot>>,
    lingering: VecDeque<(Instant, Arc<ConnIo>)>,
    /// The deadline the timer thread sleeps until (`None` while it is awake).
    timer_at: Option<Instant>,
}

pub(crate) struct Shared {
    pub(crate) core: Mutex<Core>,
    /// Notified whenever a connection was removed.
    pub(crate) removed: Condvar,
    timer: Condvar,
    pub(crate) subscribers: Mutex<Vec<SyncSender<ServerEvent>>>,
    epoch: std::time::Instant,
    auth: Box<dyn Authenticator>,
    handler: Box<dyn Handler>,
    pub(crate) config: ServerConfig,
    pub(crate) stopping: AtomicBool,
    /// Every listener's address (to wake its accept loop when stopping).
    pub(crate) listeners: Mutex<Vec<SocketAddr>>,
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

fn spawn(name: &str, stack: usize, f: impl FnOnce() + Send + 'static) -> bool {
    let r = std::thread::Builder::new()
        .name(name.into())
        .stack_size(stack)
        .spawn(f);
    r.map_err(|e| log::warn!("smpp: cannot start a thread: {e}"))
        .is_ok()
}

impl Shared {
    pub(crate) fn start(
        config: ServerConfig,
        auth: Box<dyn Authenticator>,
        handler: Box<dyn Handler>,
    ) -> Arc<Shared> {
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                ep: Endpoint::new(config.clone(), Instant::ZERO),
                conns: HashMap::new(),
                deliveries: HashMap::new(),
                requests: HashMap::new(),
                lingering: VecDeque::new(),
                timer_at: None,
            }),
            removed: Condvar::new(),
            timer: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            epoch: std::time::Instant::now(),
            auth,
            handler,
            config,
            stopping: AtomicBool::new(false),
            listeners: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        spawn("smpp-timer", SMALL_STACK, move || s.timer_loop());
        shared
    }

    /// The endpoint's clock: milliseconds since the server started.
    pub(crate) fn now(&self) -> Instant {
        Instant::from_elapsed(self.epoch.elapsed())
    }

    /// Runs `f` on the endpoint, then settles what it caused.
    pub(crate) fn with<R>(self: &Arc<Self>, f: impl FnOnce(&mut Core, Instant) -> R) -> R {
        let mut g = lock(&self.core);
        let r = f(&mut g, self.now());
        self.settle(g);
        r
    }

    /// Drains the endpoint's polls under the lock, then releases it and emits the events.
    pub(crate) fn settle(self: &Arc<Self>, mut g: MutexGuard<'_, Core>) {
        let c = &mut *g;
        while let Some(id) = c.ep.poll_wake() {
            if let Some(io) = c.conns.get(&id) {
                if c.ep.is_closed(id) && !io.lingering.swap(true, Ordering::Relaxed) {
                    c.lingering.push_back((self.now() + LINGER, io.clone()));
                }
                io.cv.notify_all();
            }
        }
        while let Some(AppResponse {
            bind_id,
            sequence_number,
            outcome,
        }) = c.ep.poll_response()
        {
            if let Some(slot) = c.requests.remove(&(bind_id, sequence_number)) {
                slot.complete(match outcome {
                    RequestOutcome::Response { frame, rtt } => Ok(Response {
                        frame,
                        rtt: rtt.into(),
                    }),
                    RequestOutcome::Timeout => Err(Error::Timeout),
                    RequestOutcome::ConnectionLost(r) => Err(Error::ConnectionLost(r)),
                });
            }
        }
        let mut events = Vec::new();
        while let Some(ev) = c.ep.poll_event() {
            match &ev {
                ServerEvent::Delivery { id, outcome, .. } => {
                    if let Some(w) = c.deliveries.remove(id) {
                        w.set(outcome.clone());
                    }
                }
                ServerEvent::Closed { bind_id, reason } => {
                    if let Some(io) = c.conns.get(bind_id) {
                        let _ = io.reason.set(*reason);
                    }
                }
                _ => {}
            }
            events.push(ev);
        }
        let connects: Vec<Connect> = std::iter::from_fn(|| c.ep.poll_connect()).collect();
        let next = [c.ep.poll_timeout(), c.lingering.front().map(|l| l.0)]
            .into_iter()
            .flatten()
            .min();
        if c.timer_at.is_some_and(|t| next.is_some_and(|n| n < t)) {
            c.timer_at = None;
            self.timer.notify_one();
        }
        // Taken before the endpoint's lock is released: events reach subscribers in order.
        let mut subs = (!events.is_empty()).then(|| lock(&self.subscribers));
        drop(g);
        if let Some(subs) = subs.as_mut() {
            for ev in events {
                // A subscriber that does not keep up loses events rather than growing memory.
                subs.retain(|tx| {
                    !matches!(tx.try_send(ev.clone()), Err(TrySendError::Disconnected(_)))
                });
            }
        }
        drop(subs);
        for c in connects {
            self.connect(c);
        }
    }

    fn timer_loop(self: Arc<Self>) {
        let mut g = lock(&self.core);
        loop {
            if g.ep.is_shutting_down() && g.ep.connection_count() == 0 {
                return;
            }
            let now = self.now();
            while g.lingering.front().is_some_and(|l| l.0 <= now) {
                if let Some((_, io)) = g.lingering.pop_front() {
                    io.shutdown();
                }
            }
            let next = g.ep.poll_timeout();
            if next.is_some_and(|t| t <= now) {
                g.ep.handle_timeout(now);
                self.settle(g);
                g = lock(&self.core);
                continue;
            }
            let next = [next, g.lingering.front().map(|l| l.0)]
                .into_iter()
                .flatten()
                .min();
            g.timer_at = Some(next.unwrap_or(Instant::FAR_FUTURE));
            // Wake at least once a second (to notice a shutdown that removed everything).
            let ms = next.map_or(1_000, |t| t.as_millis().saturating_sub(now.as_millis()));
            g = self
                .timer
                .wait_timeout(g, Duration::from_millis(ms.min(1_000)))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            g.timer_at = None;
        }
    }

    pub(crate) fn accept_loop(self: Arc<Self>, listener: TcpListener, tls: Option<Acceptor>) {
        for stream in listener.incoming() {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            match stream {
                Ok(s) => self.start_conn(s, None, tls.clone()),
                Err(e) => {
                    log::warn!("smpp: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    /// Takes a connection on (accepted, or connected for outbind target `outbind`) and
    /// starts its reader thread; a refused connection is closed at once.
    fn start_conn(
        self: &Arc<Self>,
        s: TcpStream,
        outbind: Option<smpp_core::server::OutbindId>,
        tls: Option<Acceptor>,
    ) {
        let (Ok(peer), Ok(tcp)) = (s.peer_addr(), s.try_clone()) else {
            return;
        };
        let _ = s.set_nodelay(true);
        let io = self.with(|c, now| {
            let id = match outbind {
                Some(o) => {
                    c.ep.outbind_connected(now, o, peer)
                        .inspect_err(|_| c.ep.outbind_failed(now, o))
                }
                None => c.ep.accept(now, peer),
            };
            let id = id
                .map_err(|e| log::debug!("smpp: connection with {peer} refused: {e}"))
                .ok()?;
            let io = Arc::new(ConnIo {
                id,
                cv: Condvar::new(),
                tcp,
                peer,
                lingering: AtomicBool::new(false),
                reason: OnceLock::new(),
            });
            c.conns.insert(id, io.clone());
            Some(io)
        });
        let Some(io) = io else {
            let _ = s.shutdown(Shutdown::Both);
            return;
        };
        let (me, i) = (self.clone(), io.clone());
        if !spawn("smpp-read", READER_STACK, move || me.run_conn(i, s, tls)) {
            io.shutdown();
            self.remove(&io);
        }
    }

    /// The reader thread: TLS handshake (bounded by the bind timeout, which the session
    /// enforces too), then the writer thread and the read loop.
    fn run_conn(self: Arc<Self>, io: Arc<ConnIo>, s: TcpStream, tls: Option<Acceptor>) {
        #[cfg(feature = "tls")]
        if let Some(tls) = tls {
            let timeout = self.config.session.bind_timeout.into();
            return match crate::tls::accept(&tls, s, timeout) {
                Ok(t) => self.pump(io, t),
                Err(e) => {
                    log::debug!("smpp: {e}");
                    self.remove(&io);
                }
            };
        }
        #[cfg(not(feature = "tls"))]
        let _ = tls;
        self.pump(io, s)
    }

    fn pump<T: Transport>(self: Arc<Self>, io: Arc<ConnIo>, t: T) {
        let Ok((r, w)) = t.split() else {
            io.shutdown();
            return self.remove(&io);
        };
        let (me, i) = (self.clone(), io.clone());
        if !spawn("smpp-write", SMALL_STACK, move || me.writer(i, w)) {
            io.shutdown();
            return self.remove(&io);
        }
        self.reader(&io, r);
    }

    fn reader<R: Read>(self: &Arc<Self>, io: &ConnIo, mut r: R) {
        let id = io.id;
        let trace = &self.config.trace;
        let mut framer = trace.is_on().then(TraceFramer::default);
        let mut buf = vec![0u8; 4096];
        loop {
            let mut g = lock(&self.core);
            loop {
                if g.ep.is_closed(id) {
                    return;
                }
                if g.ep.wants_input(id) {
                    break;
                }
                g = wait(&io.cv, g, None).expect("no deadline");
            }
            // Frames left buffered while our output backed up are taken first.
            let now = self.now();
            g.ep.handle_input(now, id, &[]);
            let work: Vec<ConnEvent> = std::iter::from_fn(|| g.ep.poll_request(id)).collect();
            self.settle(g);
            if !work.is_empty() {
                self.serve(id, work);
                continue;
            }
            match r.read(&mut buf) {
                Ok(0) => self.with(|c, now| c.ep.handle_eof(now, id)),
                Ok(n) => {
                    if let Some(f) = framer.as_mut() {
                        f.push(trace, Some(io.peer), &buf[..n]);
                    }
                    self.with(|c, now| c.ep.handle_input(now, id, &buf[..n]));
                    if n == buf.len() && n < 64 * 1024 {
                        buf.resize(n * 2, 0);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    log::debug!("smpp: read from {} failed: {e}", io.peer);
                    self.with(|c, now| c.ep.handle_eof(now, id));
                }
            }
        }
    }

    /// Runs the authenticator and the handler outside the lock, then answers.
    fn serve(self: &Arc<Self>, id: BindId, work: Vec<ConnEvent>) {
        // Ok: a reply to a request; Err: the verdict on a bind.
        let answers: Vec<_> = work
            .into_iter()
            .map(|w| match w {
                ConnEvent::Authenticate(req) => {
                    let v = catch_unwind(AssertUnwindSafe(|| self.auth.authenticate(&req)));
                    Err(v.unwrap_or_else(|_| {
                        log::error!("smpp: the authenticator panicked");
                        Err(CommandStatus::ESME_RSYSERR)
                    }))
                }
                ConnEvent::Request { ctx, frame } => {
                    let r = catch_unwind(AssertUnwindSafe(|| self.handler.handle(&ctx, &frame)));
                    let r = r.unwrap_or_else(|_| {
                        log::error!("smpp: the request handler panicked");
                        Reply::error(CommandStatus::ESME_RSYSERR)
                    });
                    Ok((frame.sequence_number(), frame.command_id(), r))
                }
            })
            .collect();
        self.with(|c, now| {
            for a in answers {
                match a {
                    Err(verdict) => c.ep.authenticated(now, id, verdict),
                    Ok((seq, cmd, reply)) => {
                        if let Err(e) = c.ep.reply(now, id, seq, cmd, &reply) {
                            log::warn!("smpp: reply to {cmd} seq={seq} refused ({e}); answered ESME_RSYSERR");
                        }
                    }
                }
            }
        });
    }

    fn writer<W: Write>(self: Arc<Self>, io: Arc<ConnIo>, mut w: W) {
        let tracing = self.config.trace.is_on();
        let mut failed = false;
        loop {
            let chunk = {
                let mut g = lock(&self.core);
                loop {
                    let full = !g.ep.wants_input(io.id);
                    if let Some(b) = g.ep.take_transmit(io.id) {
                        if full {
                            io.cv.notify_all(); // the reader may go on
                        }
                        break Some(b);
                    }
                    if g.ep.is_closed(io.id) {
                        break None;
                    }
                    g = wait(&io.cv, g, None).expect("no deadline");
                }
            };
            let Some(b) = chunk else { break };
            if tracing {
                self.config
                    .trace
                    .emit_all(Direction::Out, Some(io.peer), &b);
            }
            if !failed {
                if let Err(e) = w.write_all(&b).and_then(|()| w.flush()) {
                    log::debug!("smpp: write to {} failed: {e}", io.peer);
                    failed = true;
                    io.shutdown(); // the reader sees the end of the stream
                }
            }
        }
        drop(w); // a TLS writer sends its close_notify
        io.shutdown();
        self.remove(&io);
    }

    /// The driver is done with a connection.
    pub(crate) fn remove(self: &Arc<Self>, io: &ConnIo) {
        self.with(|c, now| {
            c.ep.remove(now, io.id);
            c.conns.remove(&io.id);
        });
        self.removed.notify_all();
    }

    /// Opens a connection for outbind on a short-lived thread.
    fn connect(self: &Arc<Self>, Connect { id, addr }: Connect) {
        let me = self.clone();
        let timeout: Duration = self.config.session.bind_timeout.into();
        let started = spawn(
            "smpp-outbind",
            SMALL_STACK,
            move || match TcpStream::connect_timeout(&addr, timeout) {
                Ok(s) => me.start_conn(s, Some(id), None),
                Err(e) => {
                    log::debug!("smpp: outbind connect to {addr} failed: {e}");
                    me.with(|c, now| c.ep.outbind_failed(now, id));
                }
            },
        );
        if !started {
            self.with(|c, now| c.ep.outbind_failed(now, id));
        }
    }

    /// Waits until `done` holds or `deadline` passes; true when it holds.
    pub(crate) fn wait_removed(
        &self,
        deadline: std::time::Instant,
        done: impl Fn(&Core) -> bool,
    ) -> bool {
        let mut g = lock(&self.core);
        while !done(&g) {
            match wait(&self.removed, g, Some(deadline)) {
                Some(next) => g = next,
                None => return false,
            }
        }
        true
    }

    /// Shuts every socket down (after `abort_all`).
    pub(crate) fn shutdown_sockets(&self) {
        for io in lock(&self.core).conns.values() {
            io.shutdown();
        }
    }
}
