//! The server (SMSC): accepts binds, answers requests, routes deliveries.

use crate::client::Ticket;
use crate::common::{error_body, ok_body};
use crate::conn::{lock, Callback, Conn, Hooks, Slot, Waiter};
use crate::{Error, Response};
pub use smpp_core::adapter::{Delivery, RequestContext, ServerConfig, ServerEvent, SessionInfo};
pub use smpp_core::auth::{Authenticator, BindRequest, Password};
use smpp_core::codec::{EncodeError, Frame};
use smpp_core::guard::{FailedBinds, RefusalLog};
use smpp_core::pdu::{Body, CommandId, CommandStatus, MessageIdResp, Pdu, SubmitMultiResp};
use smpp_core::routing::{BindId, MemoryStore, MessageStore, Registry};
use smpp_core::session::SessionError;
use smpp_core::session::{BindType, CloseReason, Counters, Event, Role, Session};
use smpp_core::Instant;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, OnceLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

/// Answers requests from bound ESMEs (`submit_sm`, `data_sm`, `query_sm`, ...). Called on
/// the connection's reader thread, in order; while it runs, that connection reads nothing
/// more, so do not wait in it for a response on the same connection (for example a
/// [`Server::deliver`] of the receipt to the same bind): hand such work to another thread.
/// Closures `Fn(&RequestContext, &Frame) -> Reply` are handlers.
pub trait Handler: Send + Sync + 'static {
    /// The answer to `request`.
    fn handle(&self, ctx: &RequestContext, request: &Frame) -> Reply;
}

impl<F> Handler for F
where
    F: Fn(&RequestContext, &Frame) -> Reply + Send + Sync + 'static,
{
    fn handle(&self, ctx: &RequestContext, request: &Frame) -> Reply {
        self(ctx, request)
    }
}

/// A [`Handler`]'s answer.
#[derive(Clone, Debug)]
pub struct Reply(ReplyKind);

#[derive(Clone, Debug)]
enum ReplyKind {
    Frame(Frame),
    MessageId(String),
    Status(CommandStatus),
}

impl Reply {
    /// An answer with this status and body (the request's `*_resp`, or `generic_nack`).
    pub fn new(status: CommandStatus, body: &Body<'_>) -> Result<Reply, EncodeError> {
        Frame::encode(&Pdu::with_status(0, status, *body)).map(|f| Reply(ReplyKind::Frame(f)))
    }

    /// `ESME_ROK` with this `message_id`, in the request's response (`submit_sm_resp`,
    /// `data_sm_resp`, `submit_multi_resp`).
    pub fn ok_message_id(message_id: &str) -> Reply {
        Reply(ReplyKind::MessageId(message_id.to_string()))
    }

    /// The request's response with an error status and no body.
    pub fn error(status: CommandStatus) -> Reply {
        Reply(ReplyKind::Status(status))
    }

    /// `ESME_ROK` with the default (empty) body.
    pub fn ok() -> Reply {
        Reply(ReplyKind::Status(CommandStatus::ESME_ROK))
    }
}

fn message_id_body(req: CommandId, id: &[u8]) -> Body<'_> {
    match req {
        CommandId::SubmitSm => Body::SubmitSmResp(MessageIdResp::new(id)),
        CommandId::DataSm => Body::DataSmResp(MessageIdResp::new(id)),
        CommandId::DeliverSm => Body::DeliverSmResp(MessageIdResp::new(id)),
        CommandId::SubmitMulti => Body::SubmitMultiResp(SubmitMultiResp {
            message_id: id,
            ..SubmitMultiResp::EMPTY
        }),
        other => ok_body(other),
    }
}

fn respond_reply(s: &mut Session, now: Instant, seq: u32, req: CommandId, reply: &Reply) {
    let r = match &reply.0 {
        ReplyKind::Frame(f) => match f.pdu() {
            Ok(p) => s.respond(now, seq, f.command_status(), &p.body),
            Err(_) => Err(SessionError::WrongResponse {
                expected: req.response().unwrap_or(CommandId::GenericNack),
                got: f.command_id(),
            }),
        },
        ReplyKind::MessageId(id) => {
            let body = message_id_body(req, id.as_bytes());
            s.respond(now, seq, CommandStatus::ESME_ROK, &body)
        }
        ReplyKind::Status(status) => s.respond(now, seq, *status, &error_body(req)),
    };
    match r {
        Ok(()) | Err(SessionError::Closed) => {}
        Err(e) => {
            log::warn!(
                "smpp: handler reply to {req} seq={seq} refused ({e}); answering ESME_RSYSERR"
            );
            let _ = s.respond(now, seq, CommandStatus::ESME_RSYSERR, &error_body(req));
        }
    }
}

/// One bound session, for sending requests to it (`deliver_sm`, ...).
#[derive(Clone)]
pub struct SessionHandle {
    conn: Arc<Conn>,
    bind_id: BindId,
}

impl SessionHandle {
    /// The bind.
    pub fn bind_id(&self) -> BindId {
        self.bind_id
    }

    fn response_timeout(&self) -> Duration {
        self.conn.lock().session.config().response_timeout.into()
    }

    fn start(&self, body: &Body<'_>, waiter: Waiter, wait: bool) -> Result<u32, Error> {
        let until = wait.then(|| std::time::Instant::now() + self.response_timeout());
        match self.conn.request(body, waiter, until) {
            Err(Error::Session(SessionError::Closed)) => Err(self.conn.lost_error()),
            r => r,
        }
    }

    /// Sends a request and waits for its response; waits for a free slot when the window
    /// is full.
    pub fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let slot = Slot::new();
        self.start(body, Waiter::Slot(slot.clone()), true)?;
        slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Like [`SessionHandle::send`], failing at once when the window is full.
    pub fn try_send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let slot = Slot::new();
        self.start(body, Waiter::Slot(slot.clone()), false)?;
        slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Queues a request and returns a [`Ticket`] for its response.
    pub fn submit(&self, body: &Body<'_>) -> Result<Ticket, Error> {
        let slot = Slot::new();
        let seq = self.start(body, Waiter::Slot(slot.clone()), true)?;
        Ok(Ticket::new(slot, seq))
    }

    /// Unbinds this session from the server side (outstanding requests drain first) and
    /// waits until it closed.
    pub fn unbind(&self) -> Result<(), Error> {
        self.conn.unbind_or_abort();
        let cfg = self.conn.lock().session.config().clone();
        let wait: Duration = cfg.drain_timeout.saturating_add(cfg.unbind_timeout).into();
        if !self
            .conn
            .wait_until(wait + Duration::from_secs(1), |st| st.closed.is_some())
        {
            self.conn.force_close();
        }
        match self.conn.close_reason() {
            None | Some(CloseReason::Unbound | CloseReason::PeerUnbound) => Ok(()),
            Some(r) => Err(Error::ConnectionLost(r)),
        }
    }

    /// Closes the session at once (outstanding requests fail).
    pub fn abort(&self) {
        self.conn.force_close();
    }

    /// True once the session closed.
    pub fn is_closed(&self) -> bool {
        self.conn.is_closed()
    }

    /// The session's counters now.
    pub fn counters(&self) -> Counters {
        self.conn.lock().session.counters().clone()
    }
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle")
            .field("bind_id", &self.bind_id)
            .field("state", &self.conn.state())
            .finish()
    }
}

struct BindEntry {
    conn: Arc<Conn>,
    account: String,
    bind_type: BindType,
    peer: SocketAddr,
}

struct Routing {
    registry: Registry,
    store: Box<dyn MessageStore + Send>,
    binds: HashMap<BindId, BindEntry>,
    /// Accounts whose stored messages a drainer thread is sending.
    draining: HashSet<String>,
}

struct Shared {
    config: ServerConfig,
    local_addr: SocketAddr,
    auth: Box<dyn Authenticator>,
    handler: Box<dyn Handler>,
    routing: Mutex<Routing>,
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    conns_cv: Condvar,
    subscribers: Mutex<Vec<SyncSender<ServerEvent>>>,
    failed_binds: Mutex<FailedBinds>,
    /// The start of the server's clock (for the failed-bind table and the refusal log).
    epoch: std::time::Instant,
    stopping: AtomicBool,
    /// Every listener's address (to wake its accept loop when stopping).
    listeners: Mutex<Vec<SocketAddr>>,
    /// Connections in their TLS handshake (they count against `max_connections`).
    handshaking: AtomicUsize,
}

/// What a TLS listener wraps its connections with.
#[cfg(feature = "tls")]
type Acceptor = Arc<crate::TlsServerConfig>;
#[cfg(not(feature = "tls"))]
type Acceptor = std::convert::Infallible;

struct ServerHooks {
    server: Weak<Shared>,
    ctx: OnceLock<RequestContext>,
}

const NO_PEER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);

impl Hooks for ServerHooks {
    fn started(&self, conn: &Arc<Conn>) {
        if let Some(s) = self.server.upgrade() {
            lock(&s.conns).insert(conn.id, conn.clone());
        }
    }

    fn events(&self, conn: &Arc<Conn>, events: Vec<Event>) {
        let Some(server) = self.server.upgrade() else {
            return;
        };
        let mut replies: Vec<(u32, CommandId, Reply)> = Vec::new();
        for e in events {
            match e {
                Event::Request {
                    frame,
                    auto_responded: false,
                } => {
                    let reply = match self.ctx.get() {
                        Some(ctx) => {
                            catch_unwind(AssertUnwindSafe(|| server.handler.handle(ctx, &frame)))
                                .unwrap_or_else(|_| {
                                    log::error!("smpp: the request handler panicked");
                                    Reply::error(CommandStatus::ESME_RSYSERR)
                                })
                        }
                        None => Reply::error(CommandStatus::ESME_RINVBNDSTS),
                    };
                    replies.push((frame.sequence_number(), frame.command_id(), reply));
                }
                Event::BindRequest { bind_type, frame } => {
                    flush_replies(conn, &mut replies);
                    server.on_bind(self, conn, bind_type, &frame);
                }
                Event::Closed { reason } => {
                    flush_replies(conn, &mut replies);
                    server.on_closed(conn, reason);
                }
                _ => {}
            }
        }
        flush_replies(conn, &mut replies);
    }

    fn finished(&self, conn: &Arc<Conn>) {
        if let Some(s) = self.server.upgrade() {
            lock(&s.conns).remove(&conn.id);
            s.conns_cv.notify_all();
        }
    }
}

fn flush_replies(conn: &Arc<Conn>, replies: &mut Vec<(u32, CommandId, Reply)>) {
    if replies.is_empty() {
        return;
    }
    conn.with(|s, now| {
        for (seq, id, reply) in replies.drain(..) {
            respond_reply(s, now, seq, id, &reply);
        }
    });
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

impl Shared {
    fn emit(&self, ev: ServerEvent) {
        let mut subs = lock(&self.subscribers);
        if !subs.is_empty() {
            // A subscriber that does not keep up loses events rather than growing memory.
            subs.retain(|tx| {
                !matches!(tx.try_send(ev.clone()), Err(TrySendError::Disconnected(_)))
            });
        }
    }

    fn response_timeout(&self) -> Duration {
        self.config.session.response_timeout.into()
    }

    /// The server's clock: milliseconds since its start.
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn accept_loop(self: Arc<Self>, listener: TcpListener, tls: Option<Acceptor>) {
        #[cfg(not(feature = "tls"))]
        let _ = &tls;
        let mut refusals = RefusalLog::default();
        for stream in listener.incoming() {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            match stream {
                Ok(s) => {
                    let open = lock(&self.conns).len() + self.handshaking.load(Ordering::SeqCst);
                    if open >= self.config.max_connections {
                        // Accepted, and closed at once: no thread, no session, no PDU.
                        if let Some(line) = refusals.refused(s.peer_addr().ok(), open, self.now()) {
                            log::warn!("{line}");
                        }
                        let _ = s.shutdown(std::net::Shutdown::Both);
                        drop(s);
                        continue;
                    }
                    let _ = s.set_nodelay(true);
                    let peer = s.peer_addr().ok();
                    #[cfg(feature = "tls")]
                    if let Some(tls) = &tls {
                        self.start_tls_conn(tls.clone(), s, peer);
                        continue;
                    }
                    self.start_conn(s, peer);
                }
                Err(e) => {
                    log::warn!("smpp: accept failed: {e}");
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    /// Runs the TLS handshake on a thread of its own (within the bind timeout; counted
    /// against `max_connections`), then starts the connection.
    #[cfg(feature = "tls")]
    fn start_tls_conn(self: &Arc<Self>, tls: Acceptor, s: TcpStream, peer: Option<SocketAddr>) {
        self.handshaking.fetch_add(1, Ordering::SeqCst);
        let me = self.clone();
        let timeout: Duration = self.config.session.bind_timeout.into();
        let spawned = std::thread::Builder::new()
            .name("smpp-tls-accept".into())
            .spawn(move || {
                let r = crate::tls::accept(&tls, s, timeout);
                me.handshaking.fetch_sub(1, Ordering::SeqCst);
                match r {
                    Ok(t) if !me.stopping.load(Ordering::SeqCst) => me.start_conn(t, peer),
                    Ok(_) => {}
                    Err(e) => log::debug!("smpp: {e}"),
                }
            });
        if let Err(e) = spawned {
            self.handshaking.fetch_sub(1, Ordering::SeqCst);
            log::warn!("smpp: could not start a TLS handshake for {peer:?}: {e}");
        }
    }

    fn start_conn<T: crate::Transport>(self: &Arc<Self>, s: T, peer: Option<SocketAddr>) {
        let hooks = Box::new(ServerHooks {
            server: Arc::downgrade(self),
            ctx: OnceLock::new(),
        });
        let config = self.config.session.clone().with_role(Role::Smsc);
        if let Err(e) = Conn::spawn(s, config, peer, self.config.trace.clone(), hooks, None) {
            log::warn!("smpp: could not start a session for {peer:?}: {e}");
        }
    }

    fn on_bind(
        self: &Arc<Self>,
        hooks: &ServerHooks,
        conn: &Arc<Conn>,
        bind_type: BindType,
        frame: &Frame,
    ) {
        let Ok(pdu) = frame.pdu() else {
            return;
        };
        let b = match pdu.body {
            Body::BindTransmitter(b) | Body::BindReceiver(b) | Body::BindTransceiver(b) => b,
            _ => return,
        };
        let peer = conn.peer.unwrap_or(NO_PEER);
        let req = BindRequest {
            system_id: lossy(b.system_id),
            password: Password::new(lossy(b.password)),
            system_type: lossy(b.system_type),
            bind_type,
            interface_version: b.interface_version,
            addr_ton: b.addr_ton.0,
            addr_npi: b.addr_npi.0,
            address_range: lossy(b.address_range),
            peer,
        };
        let verdict = catch_unwind(AssertUnwindSafe(|| self.auth.authenticate(&req)))
            .unwrap_or_else(|_| {
                log::error!("smpp: the authenticator panicked");
                Err(CommandStatus::ESME_RSYSERR)
            });
        let (status, delay) = match verdict {
            Err(status) => {
                let status = if status.is_ok() {
                    CommandStatus::ESME_RBINDFAIL
                } else {
                    status
                };
                // A refusal by the authenticator is a failed bind of the peer's address.
                let delay = match conn.peer {
                    Some(p) => lock(&self.failed_binds).record(p.ip(), self.now()).into(),
                    None => Duration::ZERO,
                };
                (status, delay)
            }
            Ok(()) => match self.register(hooks, conn, &req) {
                Ok(()) => return,
                Err(status) => (status, Duration::ZERO),
            },
        };
        self.emit(ServerEvent::BindRejected {
            system_id: req.system_id,
            peer,
            status,
        });
        if !delay.is_zero() {
            log::info!(
                "smpp: repeated failed binds from {}: answer held back {delay:?}",
                peer.ip()
            );
            // Only this connection waits (this is its reader thread); a close (bind timeout,
            // shutdown, abort) ends the wait early.
            conn.wait_until(delay, |st| st.session.is_closed());
        }
        let _ = conn.with(|s, now| s.reject_bind(now, status));
    }

    /// Registers an authenticated bind and accepts it; `Err` with the status to refuse.
    fn register(
        self: &Arc<Self>,
        hooks: &ServerHooks,
        conn: &Arc<Conn>,
        req: &BindRequest,
    ) -> Result<(), CommandStatus> {
        let bind_id = BindId(conn.id);
        let account = req.system_id.clone();
        let mut routing = lock(&self.routing);
        if self.stopping.load(Ordering::SeqCst) {
            return Err(CommandStatus::ESME_RBINDFAIL);
        }
        if let Err(e) = routing.registry.register(&account, bind_id, req.bind_type) {
            log::info!("smpp: bind of {account} refused: {e}");
            return Err(CommandStatus::ESME_RBINDFAIL);
        }
        let (accepted, pending) = conn.with_pending(|s, now| {
            s.accept_bind(
                now,
                self.config.system_id.as_bytes(),
                self.config.sc_interface_version,
            )
        });
        if accepted.is_err() {
            routing.registry.unregister(bind_id);
            drop(routing);
            pending.run();
            return Ok(());
        }
        routing.binds.insert(
            bind_id,
            BindEntry {
                conn: conn.clone(),
                account: account.clone(),
                bind_type: req.bind_type,
                peer: req.peer,
            },
        );
        let _ = hooks.ctx.set(RequestContext {
            bind_id,
            account: account.clone(),
            bind_type: req.bind_type,
            peer: req.peer,
        });
        let drain = req.bind_type.can_receive()
            && !routing.store.is_empty(&account)
            && routing.draining.insert(account.clone());
        drop(routing);
        pending.run();
        self.emit(ServerEvent::Bound {
            bind_id,
            account: account.clone(),
            bind_type: req.bind_type,
            peer: req.peer,
        });
        if drain {
            self.spawn_drainer(account);
        }
        Ok(())
    }

    fn on_closed(&self, conn: &Arc<Conn>, reason: CloseReason) {
        let bind_id = BindId(conn.id);
        let removed = {
            let mut r = lock(&self.routing);
            let e = r.binds.remove(&bind_id);
            if e.is_some() {
                r.registry.unregister(bind_id);
            }
            e
        };
        if removed.is_some() {
            self.emit(ServerEvent::Closed { bind_id, reason });
        }
    }

    fn spawn_drainer(self: &Arc<Self>, account: String) {
        let me = self.clone();
        let a = account.clone();
        let spawned = std::thread::Builder::new()
            .name("smpp-drain".into())
            .spawn(move || me.drain(a));
        if spawned.is_err() {
            lock(&self.routing).draining.remove(&account);
        }
    }

    /// Stores a frame again after its delivery failed.
    fn requeue(self: &Arc<Self>, account: &str, frame: Frame) {
        let mut r = lock(&self.routing);
        match r.store.push(account, frame) {
            Ok(()) => {
                let has_receiver = r.registry.binds(account).any(|(_, b)| b.can_receive());
                let drain = has_receiver && r.draining.insert(account.to_string());
                drop(r);
                self.emit(ServerEvent::Queued {
                    account: account.to_string(),
                });
                if drain {
                    self.spawn_drainer(account.to_string());
                }
            }
            Err(_) => {
                drop(r);
                log::warn!("smpp: store full: a message for {account} could not be re-queued");
                self.emit(ServerEvent::Overflow {
                    account: account.to_string(),
                });
            }
        }
    }

    /// Sends the stored messages of `account`, in order, to its receiver-capable binds.
    fn drain(self: Arc<Self>, account: String) {
        let mut pending: Option<Frame> = None;
        let mut failures: u64 = 0;
        loop {
            let (conn, frame) = {
                let mut r = lock(&self.routing);
                let conn = if self.stopping.load(Ordering::SeqCst) {
                    None
                } else {
                    let id = r.registry.next_receiver(&account);
                    id.and_then(|id| r.binds.get(&id)).map(|e| e.conn.clone())
                };
                let Some(conn) = conn else {
                    if let Some(f) = pending.take() {
                        if r.store.push(&account, f).is_err() {
                            log::warn!("smpp: store full: a message for {account} was not kept");
                        }
                    }
                    r.draining.remove(&account);
                    return;
                };
                let frame = match pending.take().or_else(|| r.store.pop(&account)) {
                    Some(f) => f,
                    None => {
                        r.draining.remove(&account);
                        return;
                    }
                };
                (conn, frame)
            };
            let weak = Arc::downgrade(&self);
            let again = frame.clone();
            let acct = account.clone();
            let cb: Callback = Box::new(move |res| {
                if let Err(Error::ConnectionLost(_) | Error::Timeout) = res {
                    if let Some(s) = weak.upgrade() {
                        s.requeue(&acct, again);
                    }
                }
            });
            let until = std::time::Instant::now() + self.response_timeout();
            let sent = match frame.pdu() {
                Ok(p) => conn.request(&p.body, Waiter::Callback(cb), Some(until)),
                Err(e) => {
                    log::warn!("smpp: a stored message for {account} does not decode: {e}");
                    continue;
                }
            };
            match sent {
                Ok(_) => failures = 0,
                Err(e) => {
                    log::debug!("smpp: delivery of a stored message to {account} failed: {e}");
                    pending = Some(frame);
                    failures += 1;
                    std::thread::sleep(Duration::from_millis(failures.min(100)));
                }
            }
        }
    }

    fn deliver(self: &Arc<Self>, account: &str, body: &Body<'_>) -> Result<Delivery, Error> {
        let id = body.command_id();
        if !matches!(id, CommandId::DeliverSm | CommandId::DataSm) {
            return Err(Error::Session(SessionError::WrongDirection {
                command_id: id,
            }));
        }
        if self.stopping.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let mut tries = 0;
        loop {
            let mut r = lock(&self.routing);
            if r.store.is_empty(account) && tries <= r.registry.len() {
                if let Some(bid) = r.registry.next_receiver(account) {
                    let conn = r.binds.get(&bid).map(|e| e.conn.clone());
                    drop(r);
                    tries += 1;
                    let Some(conn) = conn else { continue };
                    let slot = Slot::new();
                    let until = std::time::Instant::now() + self.response_timeout();
                    match conn.request(body, Waiter::Slot(slot.clone()), Some(until)) {
                        Ok(_) => {
                            let res = slot.wait(None).unwrap_or(Err(Error::Timeout));
                            return res.map(Delivery::Delivered);
                        }
                        Err(Error::Session(
                            SessionError::Closed | SessionError::InvalidState { .. },
                        )) => continue,
                        Err(e) => return Err(e),
                    }
                }
            }
            let frame = Frame::encode(&Pdu::new(0, *body))
                .map_err(|e| Error::Session(SessionError::Encode(e)))?;
            return match r.store.push(account, frame) {
                Ok(()) => {
                    let has_receiver = r.registry.binds(account).any(|(_, b)| b.can_receive());
                    let drain = has_receiver && r.draining.insert(account.to_string());
                    drop(r);
                    self.emit(ServerEvent::Queued {
                        account: account.to_string(),
                    });
                    if drain {
                        self.spawn_drainer(account.to_string());
                    }
                    Ok(Delivery::Queued)
                }
                Err(_) => {
                    drop(r);
                    self.emit(ServerEvent::Overflow {
                        account: account.to_string(),
                    });
                    Ok(Delivery::Rejected)
                }
            };
        }
    }

    /// Stops the accept loop (idempotent); true the first time.
    fn stop_accepting(&self) -> bool {
        let addrs = {
            let listeners = lock(&self.listeners);
            if self.stopping.swap(true, Ordering::SeqCst) {
                return false;
            }
            listeners.clone()
        };
        // Wake each blocking accept with a connection of our own.
        for mut addr in addrs {
            if addr.ip().is_unspecified() {
                addr.set_ip(match addr {
                    SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                    SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
                });
            }
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        true
    }

    /// Starts accepting on one more listener; `Err(Closed)` once stopping.
    fn listen(
        self: &Arc<Self>,
        listener: TcpListener,
        tls: Option<Acceptor>,
    ) -> Result<(SocketAddr, JoinHandle<()>), Error> {
        let addr = listener.local_addr()?;
        let mut listeners = lock(&self.listeners);
        if self.stopping.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let s = self.clone();
        let handle = std::thread::Builder::new()
            .name("smpp-accept".into())
            .spawn(move || s.accept_loop(listener, tls))?;
        listeners.push(addr);
        Ok((addr, handle))
    }

    fn conns(&self) -> Vec<Arc<Conn>> {
        lock(&self.conns).values().cloned().collect()
    }

    /// Waits until no connection is left or the deadline passes; true when none is left.
    fn wait_conns(&self, deadline: std::time::Instant) -> bool {
        let mut g = lock(&self.conns);
        loop {
            if g.is_empty() {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            g = self
                .conns_cv
                .wait_timeout(g, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }
}

/// An SMPP server (SMSC): accepts binds, answers requests with a [`Handler`], delivers
/// messages to bound receivers (or stores them until one binds).
pub struct Server {
    shared: Arc<Shared>,
    /// One accept thread per listener.
    accept: Mutex<Vec<JoinHandle<()>>>,
}

impl Server {
    /// Listens on `addr` and starts accepting connections (on a thread of its own).
    pub fn bind<A: ToSocketAddrs>(
        addr: A,
        config: ServerConfig,
        authenticator: impl Authenticator,
        handler: impl Handler,
    ) -> Result<Server, Error> {
        Server::bind_with(addr, config, None, authenticator, handler)
    }

    /// [`Server::bind`] with TLS (SMPPS) on `addr`: each connection's TLS handshake runs
    /// on a thread of its own and must complete within the session's `bind_timeout` (a
    /// peer that does not speak TLS is closed at once); then the connection is served as
    /// any other. Add a plain listener to the same server with [`Server::add_listener`].
    #[cfg(feature = "tls")]
    pub fn bind_tls<A: ToSocketAddrs>(
        addr: A,
        config: ServerConfig,
        tls: crate::TlsServerConfig,
        authenticator: impl Authenticator,
        handler: impl Handler,
    ) -> Result<Server, Error> {
        Server::bind_with(addr, config, Some(Arc::new(tls)), authenticator, handler)
    }

    /// Listens on one more address, plain TCP, for the same server: same accounts,
    /// routing, store, limits and events (for example plain and TLS side by side). Returns
    /// the address bound (useful with port 0); [`Server::local_addr`] stays the first
    /// listener's.
    pub fn add_listener<A: ToSocketAddrs>(&self, addr: A) -> Result<SocketAddr, Error> {
        self.listen(addr, None)
    }

    /// Like [`Server::add_listener`], with TLS on the new listener (as [`Server::bind_tls`]).
    #[cfg(feature = "tls")]
    pub fn add_tls_listener<A: ToSocketAddrs>(
        &self,
        addr: A,
        tls: crate::TlsServerConfig,
    ) -> Result<SocketAddr, Error> {
        self.listen(addr, Some(Arc::new(tls)))
    }

    fn listen<A: ToSocketAddrs>(
        &self,
        addr: A,
        tls: Option<Acceptor>,
    ) -> Result<SocketAddr, Error> {
        let listener = TcpListener::bind(addr)?;
        let (local, handle) = self.shared.listen(listener, tls)?;
        lock(&self.accept).push(handle);
        Ok(local)
    }

    fn bind_with<A: ToSocketAddrs>(
        addr: A,
        config: ServerConfig,
        tls: Option<Acceptor>,
        authenticator: impl Authenticator,
        handler: impl Handler,
    ) -> Result<Server, Error> {
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let store = MemoryStore::new(config.store_per_account, config.store_total);
        let config_failed_binds = config.failed_binds;
        let shared = Arc::new(Shared {
            routing: Mutex::new(Routing {
                registry: Registry::new(config.limits),
                store: Box::new(store),
                binds: HashMap::new(),
                draining: HashSet::new(),
            }),
            config,
            local_addr,
            auth: Box::new(authenticator),
            handler: Box::new(handler),
            conns: Mutex::new(HashMap::new()),
            conns_cv: Condvar::new(),
            subscribers: Mutex::new(Vec::new()),
            failed_binds: Mutex::new(FailedBinds::new(config_failed_binds)),
            epoch: std::time::Instant::now(),
            stopping: AtomicBool::new(false),
            listeners: Mutex::new(Vec::new()),
            handshaking: AtomicUsize::new(0),
        });
        let (_, accept) = shared.listen(listener, tls)?;
        Ok(Server {
            shared,
            accept: Mutex::new(vec![accept]),
        })
    }

    /// Replaces the in-memory message store (call it right after [`Server::bind`]; messages
    /// already stored stay in the old store).
    pub fn with_store(self, store: Box<dyn MessageStore + Send>) -> Server {
        lock(&self.shared.routing).store = store;
        self
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.shared.local_addr
    }

    /// Connections open now, bound or not (at most [`ServerConfig::max_connections`]).
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.conns).len()
    }

    /// The bound sessions, by bind id.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let entries: Vec<_> = {
            let r = lock(&self.shared.routing);
            r.binds
                .iter()
                .map(|(id, e)| (*id, e.conn.clone(), e.account.clone(), e.peer, e.bind_type))
                .collect()
        };
        let mut v: Vec<SessionInfo> = entries
            .into_iter()
            .map(|(bind_id, conn, account, peer, bind_type)| SessionInfo {
                bind_id,
                account,
                peer,
                bind_type,
                counters: conn.lock().session.counters().clone(),
            })
            .collect();
        v.sort_by_key(|s| s.bind_id);
        v
    }

    /// A handle to one bound session.
    pub fn session(&self, bind_id: BindId) -> Option<SessionHandle> {
        let r = lock(&self.shared.routing);
        r.binds.get(&bind_id).map(|e| SessionHandle {
            conn: e.conn.clone(),
            bind_id,
        })
    }

    /// Routes a `deliver_sm` or `data_sm` (an MO message or a receipt) round robin to the
    /// account's receiver-capable binds and waits for the response; when none is bound (or
    /// older messages still wait), stores it ([`Delivery::Queued`]); a full store gives
    /// [`Delivery::Rejected`]. Nothing is dropped silently.
    pub fn deliver(&self, account: &str, body: &Body<'_>) -> Result<Delivery, Error> {
        self.shared.deliver(account, body)
    }

    /// A channel of server events from now on.
    pub fn events(&self) -> Receiver<ServerEvent> {
        let (tx, rx) = mpsc::sync_channel(self.shared.config.event_capacity.max(1));
        lock(&self.shared.subscribers).push(tx);
        rx
    }

    /// How many messages wait in the store for `account`.
    pub fn stored(&self, account: &str) -> usize {
        lock(&self.shared.routing).store.len(account)
    }

    /// Stops accepting, unbinds every session (letting outstanding requests drain) and
    /// closes; returns when all connections ended, or when `timeout` passed (the rest are
    /// then aborted).
    pub fn shutdown(&self, timeout: Duration) {
        let deadline = std::time::Instant::now() + timeout;
        self.shared.stop_accepting();
        let accepts = std::mem::take(&mut *lock(&self.accept));
        for h in accepts {
            let _ = h.join();
        }
        for c in self.shared.conns() {
            c.unbind_or_abort();
        }
        if !self.shared.wait_conns(deadline) {
            for c in self.shared.conns() {
                c.force_close();
            }
            self.shared
                .wait_conns(std::time::Instant::now() + Duration::from_secs(1));
        }
    }
}

impl Drop for Server {
    /// Stops accepting and unbinds every session in the background.
    fn drop(&mut self) {
        if self.shared.stop_accepting() {
            let accepts = std::mem::take(&mut *lock(&self.accept));
            for h in accepts {
                let _ = h.join();
            }
            for c in self.shared.conns() {
                c.unbind_or_abort();
            }
        }
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.shared.local_addr)
            .finish()
    }
}
