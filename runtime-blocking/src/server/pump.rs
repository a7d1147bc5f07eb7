//! The server's driver around the core's SMSC [`Endpoint`]: accept loops, outbind
//! connects, and per connection the shared byte pump (`crate::io`: a reader and a writer
//! thread; one timer thread per server). Every decision is the endpoint's; this file says
//! where the application's work runs and where outcomes go.
//!
//! Every endpoint call goes through [`Shared::with`] (or ends in `settle`), which drains
//! what the call caused while still holding the lock: woken connections (their threads
//! are notified), delivery outcomes and responses (their waiters complete), events (sent
//! to the subscribers right after the lock is released, in order) and outbind connects
//! (started after the lock is released).

use super::{Acceptor, Handler};
use crate::common::Transport;
use crate::conn::{lock, wait, Slot};
use crate::io::{self, Clock, Driver, Link, Timer, SMALL_STACK, STACK};
use smpp_core::server::{
    AppResponse, Authenticator, BindId, ConnEvent, Connect, DeliveryId, DeliveryOutcome, Endpoint,
    Reply, ServerConfig, ServerEvent,
};
use smpp_core::session::CloseReason;
use smpp_core::trace::Trace;
use smpp_core::{CommandId, CommandStatus, Instant};
use smpp_runtime::error::outcome_result;
use smpp_runtime::{QuickAck, StoreDriver, StoreHost};
use std::collections::HashMap;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

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

/// A connection as the endpoint knows it.
pub(crate) struct Conn {
    pub(crate) id: BindId,
    /// Why the bound session closed.
    pub(crate) reason: OnceLock<CloseReason>,
}

/// One connection's I/O side.
pub(crate) type ConnIo = Link<Conn>;

/// What the endpoint's lock guards.
pub(crate) struct Core {
    pub(crate) ep: Endpoint,
    pub(crate) conns: HashMap<BindId, Arc<ConnIo>>,
    pub(crate) deliveries: HashMap<DeliveryId, Arc<Once<DeliveryOutcome>>>,
    pub(crate) requests: HashMap<(BindId, u32), Arc<Slot>>,
    timer: Timer<Conn>,
}

pub(crate) struct Shared {
    pub(crate) core: Mutex<Core>,
    /// Notified whenever a connection was removed.
    pub(crate) removed: Condvar,
    timer: Condvar,
    pub(crate) subscribers: Mutex<Vec<SyncSender<ServerEvent>>>,
    clock: Clock,
    auth: Box<dyn Authenticator>,
    handler: Box<dyn Handler>,
    pub(crate) config: ServerConfig,
    pub(crate) stopping: AtomicBool,
    /// Every listener's address (to wake its accept loop when stopping).
    pub(crate) listeners: Mutex<Vec<std::net::SocketAddr>>,
    /// The delivery store's driver, once attached.
    pub(crate) store: OnceLock<Arc<StoreDriver>>,
}

/// The store driver's way to the endpoint (weak: the driver does not keep the server).
pub(crate) struct StoreAccess(pub(crate) Weak<Shared>);

impl StoreHost for StoreAccess {
    fn with_endpoint(&self, f: &mut dyn FnMut(&mut Endpoint, Instant)) {
        if let Some(shared) = self.0.upgrade() {
            shared.with(|c, now| f(&mut c.ep, now));
        }
    }
}

/// A reader's work: binds and requests for the application, then their answers.
#[derive(Default)]
pub(crate) struct Work {
    todo: Vec<ConnEvent>,
    answers: Vec<Answer>,
}

pub(crate) enum Answer {
    Verdict(Result<(), CommandStatus>),
    Reply(u32, CommandId, Reply),
}

impl Driver for Shared {
    type Core = Core;
    type Key = Conn;
    type Work = Work;

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
        &self.timer
    }
    fn timer(c: &mut Core) -> &mut Timer<Conn> {
        &mut c.timer
    }
    fn over(c: &Core) -> bool {
        c.ep.is_shutting_down() && c.ep.connection_count() == 0
    }
    fn poll_timeout(c: &mut Core) -> Option<Instant> {
        c.ep.poll_timeout()
    }
    fn handle_timeout(c: &mut Core, now: Instant) {
        c.ep.handle_timeout(now);
    }
    fn is_open(c: &Core, k: &Conn) -> bool {
        !c.ep.is_closed(k.id)
    }
    fn wants_input(c: &Core, k: &Conn) -> bool {
        c.ep.wants_input(k.id)
    }
    fn input(c: &mut Core, k: &Conn, now: Instant, data: Option<&[u8]>) {
        match data {
            Some(data) => c.ep.handle_input(now, k.id, data),
            None => c.ep.handle_eof(now, k.id),
        }
    }
    fn take_work(c: &mut Core, k: &Conn, work: &mut Work) -> bool {
        work.todo
            .extend(std::iter::from_fn(|| c.ep.poll_request(k.id)));
        !work.todo.is_empty()
    }

    /// Runs the authenticator and the handler (on the reader thread, outside the lock).
    fn work(self: &Arc<Self>, _: &Conn, work: &mut Work) {
        let answers = work.todo.drain(..).map(|w| match w {
            ConnEvent::Authenticate(req) => {
                let v = catch_unwind(AssertUnwindSafe(|| self.auth.authenticate(&req)));
                Answer::Verdict(v.unwrap_or_else(|_| {
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
                Answer::Reply(frame.sequence_number(), frame.command_id(), r)
            }
        });
        work.answers.extend(answers);
    }

    fn answer(c: &mut Core, k: &Conn, now: Instant, work: &mut Work) {
        for a in work.answers.drain(..) {
            match a {
                Answer::Verdict(verdict) => c.ep.authenticated(now, k.id, verdict),
                Answer::Reply(seq, cmd, reply) => {
                    if let Err(e) = c.ep.reply(now, k.id, seq, cmd, &reply) {
                        log::warn!(
                            "smpp: reply to {cmd} seq={seq} refused ({e}); answered ESME_RSYSERR"
                        );
                    }
                }
            }
        }
    }

    fn done(self: &Arc<Self>, io: &Arc<ConnIo>, writer: bool) {
        if writer {
            self.remove(io);
        }
    }

    fn settle(self: &Arc<Self>, mut g: MutexGuard<'_, Core>) {
        let c = &mut *g;
        while let Some(id) = c.ep.poll_wake() {
            if let Some(io) = c.conns.get(&id) {
                if c.ep.is_closed(id) {
                    c.timer.linger(self.now(), io);
                }
                io.wake(true, true);
            }
        }
        while let Some(AppResponse {
            bind_id,
            sequence_number,
            outcome,
        }) = c.ep.poll_response()
        {
            if let Some(slot) = c.requests.remove(&(bind_id, sequence_number)) {
                slot.complete(outcome_result(outcome));
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
                        let _ = io.key.reason.set(*reason);
                    }
                }
                _ => {}
            }
            events.push(ev);
        }
        let connects: Vec<Connect> = std::iter::from_fn(|| c.ep.poll_connect()).collect();
        let store: Vec<_> = std::iter::from_fn(|| c.ep.poll_store()).collect();
        c.timer.kick(&self.timer, false, || c.ep.poll_timeout());
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
        if let Some(d) = self.store.get() {
            d.submit(store);
        }
        for c in connects {
            self.connect(c);
        }
    }
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
                timer: Timer::default(),
            }),
            removed: Condvar::new(),
            timer: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            clock: Clock::start(),
            auth,
            handler,
            config,
            stopping: AtomicBool::new(false),
            listeners: Mutex::new(Vec::new()),
            store: OnceLock::new(),
        });
        let s = shared.clone();
        io::spawn("smpp-timer", SMALL_STACK, move || io::timer(&s));
        shared
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
        let quickack = QuickAck::of_std(&s);
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
            let shutdown = Box::new(move || {
                let _ = tcp.shutdown(Shutdown::Both);
            });
            let reason = OnceLock::new();
            let io = Link::new(Conn { id, reason }, Some(peer), shutdown, quickack);
            c.conns.insert(id, io.clone());
            Some(io)
        });
        let Some(io) = io else {
            let _ = s.shutdown(Shutdown::Both);
            return;
        };
        let (me, i) = (self.clone(), io.clone());
        if !io::spawn("smpp-read", STACK, move || me.run_conn(&i, s, tls)) {
            io.shutdown();
            self.remove(&io);
        }
    }

    /// The reader thread: TLS handshake (bounded by the bind timeout, which the session
    /// enforces too), then the writer thread and the read loop.
    fn run_conn(self: Arc<Self>, io: &Arc<ConnIo>, s: TcpStream, tls: Option<Acceptor>) {
        #[cfg(feature = "tls")]
        if let Some(tls) = tls {
            let timeout = self.config.session.bind_timeout.into();
            return match crate::tls::accept(&tls, s, timeout) {
                Ok(t) => self.pump(io, t),
                Err(e) => {
                    log::debug!("smpp: {e}");
                    self.remove(io);
                }
            };
        }
        #[cfg(not(feature = "tls"))]
        let _ = tls;
        self.pump(io, s)
    }

    fn pump<T: Transport>(self: &Arc<Self>, io: &Arc<ConnIo>, t: T) {
        match t.split() {
            Ok((r, w)) => io::run(self, io, r, w, |c, k| c.ep.take_transmit(k.id)),
            Err(_) => {
                io.shutdown();
                self.remove(io);
            }
        }
    }

    /// The driver is done with a connection.
    pub(crate) fn remove(self: &Arc<Self>, io: &ConnIo) {
        self.with(|c, now| {
            c.ep.remove(now, io.key.id);
            c.conns.remove(&io.key.id);
        });
        self.removed.notify_all();
    }

    /// Opens a connection for outbind on a short-lived thread.
    fn connect(self: &Arc<Self>, Connect { id, addr }: Connect) {
        let me = self.clone();
        let timeout: Duration = self.config.session.bind_timeout.into();
        let started =
            io::spawn(
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
