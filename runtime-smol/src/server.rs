//! The SMSC side: accept, authenticate, register, answer, deliver, shut down.

use crate::error::Error;
use crate::link::{Driver, Hooks, Link, ResponseFuture, Waiter};
use crate::{default_response, Response};
use futures_lite::{AsyncRead, AsyncWrite};
use smol::channel::{Receiver, Sender};
use smol::net::{AsyncToSocketAddrs, TcpListener};
use smol::Task;
pub use smpp_core::adapter::{Delivery, RequestContext, ServerConfig, ServerEvent, SessionInfo};
pub use smpp_core::auth::{Authenticator, BindRequest, Password};
use smpp_core::codec::Frame;
use smpp_core::guard::{FailedBinds, RefusalLog};
use smpp_core::pdu::{Body, MessageIdResp, Pdu, QuerySmResp, SubmitMultiResp};
use smpp_core::routing::{BindId, MemoryStore, MessageStore, Registry};
use smpp_core::session::{
    BindType, CloseReason, Counters, Event, Role, Session, SessionError, State,
};
use smpp_core::{CommandId, CommandStatus, EncodeError, Instant};
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Answers requests from bound ESMEs (`submit_sm`, `data_sm`, `query_sm`, ...).
///
/// The future runs on its own task when it does not complete at once, so a slow handler
/// never holds up its connection (the session's `peer_window` bounds how many requests
/// wait). Plain closures `Fn(&RequestContext, &Frame) -> Reply` are handlers; for async
/// closures see [`AsyncHandler`].
pub trait Handler: Send + Sync + 'static {
    /// The reply to `request`.
    fn handle(&self, ctx: &RequestContext, request: &Frame) -> impl Future<Output = Reply> + Send;
}

impl<F> Handler for F
where
    F: Fn(&RequestContext, &Frame) -> Reply + Send + Sync + 'static,
{
    fn handle(&self, ctx: &RequestContext, request: &Frame) -> impl Future<Output = Reply> + Send {
        std::future::ready(self(ctx, request))
    }
}

/// A handler from an async closure taking its arguments by value:
/// `AsyncHandler(|ctx, frame| async move { ... })`.
pub struct AsyncHandler<F>(pub F);

impl<F, Fut> Handler for AsyncHandler<F>
where
    F: Fn(RequestContext, Frame) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Reply> + Send + 'static,
{
    fn handle(&self, ctx: &RequestContext, request: &Frame) -> impl Future<Output = Reply> + Send {
        (self.0)(ctx.clone(), request.clone())
    }
}

#[derive(Clone, Debug)]
enum ReplyKind {
    Frame(Frame),
    MessageId {
        buf: [u8; 64],
        len: u8,
    },
    /// This status with the request's empty-bodied response.
    Status(CommandStatus),
}

/// A handler's answer.
#[derive(Clone, Debug)]
pub struct Reply(ReplyKind);

impl Reply {
    /// An answer with `status` and `body` (the request's `*_resp` or `generic_nack`; a
    /// `submit_sm_resp`, `data_sm_resp` or `deliver_sm_resp` body is adapted to whichever of
    /// them the request needs).
    pub fn new(status: CommandStatus, body: &Body<'_>) -> Result<Reply, EncodeError> {
        Frame::encode(&Pdu::with_status(0, status, *body)).map(|f| Reply(ReplyKind::Frame(f)))
    }

    /// `ESME_ROK` with this `message_id` (at most 64 octets; longer is cut), in the
    /// response type the request needs.
    pub fn ok_message_id(message_id: &str) -> Reply {
        let mut buf = [0u8; 64];
        let src = message_id.as_bytes();
        let len = src.len().min(64);
        buf[..len].copy_from_slice(&src[..len]);
        Reply(ReplyKind::MessageId {
            buf,
            len: len as u8,
        })
    }

    /// An error answer: the request's response with `status` and an empty body.
    pub fn error(status: CommandStatus) -> Reply {
        Reply(ReplyKind::Status(status))
    }

    /// `ESME_ROK` with the default (empty) body.
    pub fn ok() -> Reply {
        Reply(ReplyKind::Status(CommandStatus::ESME_ROK))
    }

    /// Answers request `seq` (command `request`) in `session`.
    fn apply(&self, session: &mut Session, now: Instant, seq: u32, request: CommandId) {
        let result = match &self.0 {
            ReplyKind::Frame(f) => match f.pdu() {
                Ok(pdu) => {
                    let status = f.command_status();
                    match session.respond(now, seq, status, &pdu.body) {
                        Err(SessionError::WrongResponse { .. }) => {
                            let adapted = match pdu.body {
                                Body::SubmitSmResp(m)
                                | Body::DataSmResp(m)
                                | Body::DeliverSmResp(m) => message_id_body(request, m.message_id),
                                _ => None,
                            };
                            match adapted {
                                Some(b) => session.respond(now, seq, status, &b),
                                None => Err(SessionError::WrongResponse {
                                    expected: request.response().unwrap_or(CommandId::GenericNack),
                                    got: pdu.command_id(),
                                }),
                            }
                        }
                        r => r,
                    }
                }
                Err(_) => Err(SessionError::WrongResponse {
                    expected: request.response().unwrap_or(CommandId::GenericNack),
                    got: f.command_id(),
                }),
            },
            ReplyKind::MessageId { buf, len } => {
                let id = buf.get(..usize::from(*len)).unwrap_or(&[]);
                match message_id_body(request, id) {
                    Some(b) => session.respond(now, seq, CommandStatus::ESME_ROK, &b),
                    None => session.respond(
                        now,
                        seq,
                        CommandStatus::ESME_ROK,
                        &default_response(request),
                    ),
                }
            }
            ReplyKind::Status(status) => {
                session.respond(now, seq, *status, &default_response(request))
            }
        };
        match result {
            Ok(()) | Err(SessionError::Closed) | Err(SessionError::UnknownRequest { .. }) => {}
            Err(e) => {
                log::warn!(
                    "handler reply to {request} seq={seq} refused: {e}; answering ESME_RSYSERR"
                );
                let _ = session.respond(
                    now,
                    seq,
                    CommandStatus::ESME_RSYSERR,
                    &default_response(request),
                );
            }
        }
    }
}

/// The `ESME_ROK` response carrying a message id for `request`, if it has one.
fn message_id_body(request: CommandId, id: &[u8]) -> Option<Body<'_>> {
    Some(match request {
        CommandId::SubmitSm => Body::SubmitSmResp(MessageIdResp::new(id)),
        CommandId::DataSm => Body::DataSmResp(MessageIdResp::new(id)),
        CommandId::DeliverSm => Body::DeliverSmResp(MessageIdResp::new(id)),
        CommandId::SubmitMulti => Body::SubmitMultiResp(SubmitMultiResp {
            message_id: id,
            ..SubmitMultiResp::EMPTY
        }),
        CommandId::QuerySm => Body::QuerySmResp(QuerySmResp {
            message_id: id,
            ..QuerySmResp::EMPTY
        }),
        _ => return None,
    })
}

/// What a TLS listener wraps its connections with.
#[cfg(feature = "tls")]
type Acceptor = crate::tls::TlsAcceptor;
#[cfg(not(feature = "tls"))]
type Acceptor = std::convert::Infallible;

type HandlerFuture = Pin<Box<dyn Future<Output = Reply> + Send>>;
type DynHandler = Arc<dyn Fn(Arc<RequestContext>, Frame) -> HandlerFuture + Send + Sync>;
type Store = Arc<Mutex<Box<dyn MessageStore + Send>>>;

struct Conn {
    link: Arc<Link>,
    hooks: Arc<ServerConn>,
}

struct ServerShared {
    config: ServerConfig,
    auth: Box<dyn Authenticator>,
    handler: DynHandler,
    registry: Mutex<Registry>,
    store: Store,
    conns: Mutex<HashMap<BindId, Conn>>,
    next_id: AtomicU64,
    shutting_down: AtomicBool,
    subscribers: Mutex<Vec<Sender<ServerEvent>>>,
    /// Failed binds per peer address.
    failed_binds: Mutex<FailedBinds>,
    /// The start of the server's clock (for the failed-bind table and the refusal log).
    epoch: std::time::Instant,
    /// Holds at most one token: "a connection ended since you last looked".
    conn_closed: (Sender<()>, Receiver<()>),
    local_addr: SocketAddr,
    /// Connections in their TLS handshake (they count against `max_connections`).
    handshaking: std::sync::atomic::AtomicUsize,
}

impl ServerShared {
    /// The server's clock: milliseconds since its start.
    fn now(&self) -> Instant {
        Instant::from_millis(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX))
    }

    fn emit(&self, ev: ServerEvent) {
        let mut subs = lock(&self.subscribers);
        if subs.is_empty() {
            return;
        }
        // A subscriber that does not keep up loses events rather than growing memory.
        subs.retain(|s| {
            !matches!(
                s.try_send(ev.clone()),
                Err(smol::channel::TrySendError::Closed(_))
            )
        });
    }

    fn conn(&self, id: BindId) -> Option<(Arc<Link>, Arc<ServerConn>)> {
        lock(&self.conns)
            .get(&id)
            .map(|c| (c.link.clone(), c.hooks.clone()))
    }

    /// Serves the connections of one listener (TLS ones when `tls` is given).
    fn spawn_accept(self: Arc<Self>, listener: TcpListener, tls: Option<Acceptor>) -> Task<()> {
        let s = self;
        #[cfg(not(feature = "tls"))]
        let _ = &tls;
        smol::spawn(async move {
            let mut refusals = RefusalLog::default();
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        let open = lock(&s.conns).len() + s.handshaking.load(Ordering::SeqCst);
                        if open >= s.config.max_connections {
                            // Accepted, and closed at once: no task, no session, no PDU.
                            if let Some(line) = refusals.refused(Some(peer), open, s.now()) {
                                log::warn!("{line}");
                            }
                            let _ = stream.shutdown(std::net::Shutdown::Both);
                            drop(stream);
                            continue;
                        }
                        let _ = stream.set_nodelay(true);
                        #[cfg(feature = "tls")]
                        if let Some(tls) = &tls {
                            s.start_tls_conn(tls.clone(), stream, peer);
                            continue;
                        }
                        s.start_conn(stream, peer);
                    }
                    Err(e) => {
                        log::warn!("accept failed: {e}");
                        async_io::Timer::after(Duration::from_millis(20)).await;
                    }
                }
            }
        })
    }

    /// Runs the TLS handshake on a task of its own (within the bind timeout; counted
    /// against `max_connections`), then serves the connection.
    #[cfg(feature = "tls")]
    fn start_tls_conn(
        self: &Arc<Self>,
        tls: crate::tls::TlsAcceptor,
        stream: smol::net::TcpStream,
        peer: SocketAddr,
    ) {
        struct Handshaking(Arc<ServerShared>);
        impl Drop for Handshaking {
            fn drop(&mut self) {
                self.0.handshaking.fetch_sub(1, Ordering::SeqCst);
            }
        }
        self.handshaking.fetch_add(1, Ordering::SeqCst);
        let guard = Handshaking(self.clone());
        let timeout: Duration = self.config.session.bind_timeout.into();
        smol::spawn(async move {
            let stream = tls.handshake(stream, peer, timeout).await;
            let s = guard.0.clone();
            drop(guard);
            if let Some(stream) = stream {
                if !s.shutting_down.load(Ordering::SeqCst) {
                    s.start_conn(stream, peer);
                }
            }
        })
        .detach();
    }

    fn start_conn<S>(self: &Arc<Self>, stream: S, peer: SocketAddr)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let bind_id = BindId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let config = self.config.session.clone().with_role(Role::Smsc);
        let link = Link::new(
            Session::new(config, Instant::ZERO),
            self.config.trace.clone(),
            Some(peer),
        );
        let hooks = Arc::new(ServerConn {
            shared: self.clone(),
            bind_id,
            peer,
            bound: Mutex::new(None),
            draining: AtomicBool::new(false),
            held: Mutex::new(None),
            done: smol::channel::bounded(1),
        });
        lock(&self.conns).insert(
            bind_id,
            Conn {
                link: link.clone(),
                hooks: hooks.clone(),
            },
        );
        if self.shutting_down.load(Ordering::SeqCst) {
            let mut g = link.lock();
            g.shut = true;
            g.session.abort(Instant::ZERO);
        }
        let driver = Driver::new(stream, link, hooks.clone());
        let shared = self.clone();
        smol::spawn(async move {
            let reason = driver.run().await;
            hooks.ended(reason);
            lock(&shared.conns).remove(&bind_id);
            let _ = shared.conn_closed.0.try_send(());
        })
        .detach();
    }

    /// Makes the account's receivers look at the store again.
    fn poke_receivers(&self, account: &str) {
        let ids: Vec<BindId> = lock(&self.registry)
            .binds(account)
            .filter(|(_, b)| b.can_receive())
            .map(|(id, _)| id)
            .collect();
        for id in ids {
            if let Some((link, hooks)) = self.conn(id) {
                hooks.draining.store(true, Ordering::SeqCst);
                Link::wake(link.lock());
            }
        }
    }
}

/// What a bound connection is.
struct BoundAs {
    ctx: Arc<RequestContext>,
}

/// A failed-bind answer held back ([`ServerConfig::failed_binds`]).
struct HeldReject {
    timer: async_io::Timer,
    status: CommandStatus,
}

/// One connection's reactions to its session's events.
struct ServerConn {
    shared: Arc<ServerShared>,
    bind_id: BindId,
    peer: SocketAddr,
    bound: Mutex<Option<BoundAs>>,
    /// Stored messages may wait for this (receiver-capable) bind.
    draining: AtomicBool,
    /// A failed-bind answer waiting for its timer.
    held: Mutex<Option<HeldReject>>,
    /// Closed when the connection ended.
    done: (Sender<()>, Receiver<()>),
}

impl ServerConn {
    fn ctx(&self) -> Option<Arc<RequestContext>> {
        lock(&self.bound).as_ref().map(|b| b.ctx.clone())
    }

    fn on_bind_request(&self, link: &Arc<Link>, bind_type: BindType, frame: &Frame) {
        let shared = &self.shared;
        let bind = match frame.pdu().map(|p| p.body) {
            Ok(Body::BindTransmitter(b) | Body::BindReceiver(b) | Body::BindTransceiver(b)) => b,
            _ => {
                let mut g = link.lock();
                let _ = g
                    .session
                    .reject_bind(link.now(), CommandStatus::ESME_RBINDFAIL);
                return;
            }
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let req = BindRequest {
            system_id: text(bind.system_id),
            password: Password::new(text(bind.password)),
            system_type: text(bind.system_type),
            bind_type,
            interface_version: bind.interface_version,
            addr_ton: bind.addr_ton.0,
            addr_npi: bind.addr_npi.0,
            address_range: text(bind.address_range),
            peer: self.peer,
        };
        let mut delay = Duration::ZERO;
        let verdict = if shared.shutting_down.load(Ordering::SeqCst) {
            Err(CommandStatus::ESME_RBINDFAIL)
        } else {
            let v = shared.auth.authenticate(&req);
            if v.is_err() {
                // A refusal by the authenticator is a failed bind of the peer's address.
                delay = lock(&shared.failed_binds)
                    .record(self.peer.ip(), shared.now())
                    .into();
            }
            v
        };
        let mut g = link.lock();
        let now = link.now();
        let verdict = verdict.and_then(|()| {
            lock(&shared.registry)
                .register(&req.system_id, self.bind_id, bind_type)
                .map_err(|e| {
                    log::info!("bind of {} from {} refused: {e}", req.system_id, self.peer);
                    CommandStatus::ESME_RBINDFAIL
                })
        });
        match verdict {
            Ok(()) => {
                let system_id = shared.config.system_id.as_bytes();
                if g.session
                    .accept_bind(now, system_id, shared.config.sc_interface_version)
                    .is_err()
                {
                    lock(&shared.registry).unregister(self.bind_id);
                    return;
                }
                drop(g);
                let ctx = Arc::new(RequestContext {
                    bind_id: self.bind_id,
                    account: req.system_id.clone(),
                    bind_type,
                    peer: self.peer,
                });
                *lock(&self.bound) = Some(BoundAs { ctx });
                if bind_type.can_receive() {
                    self.draining.store(true, Ordering::SeqCst);
                }
                shared.emit(ServerEvent::Bound {
                    bind_id: self.bind_id,
                    account: req.system_id,
                    bind_type,
                    peer: self.peer,
                });
            }
            Err(status) => {
                let status = if status.is_ok() {
                    CommandStatus::ESME_RBINDFAIL
                } else {
                    status
                };
                if delay.is_zero() {
                    let _ = g.session.reject_bind(now, status);
                } else {
                    // Held back: the driver answers when the timer fires (`poll_extra`);
                    // only this connection's task waits.
                    log::info!(
                        "repeated failed binds from {}: answer held back {delay:?}",
                        self.peer.ip()
                    );
                    *lock(&self.held) = Some(HeldReject {
                        timer: async_io::Timer::after(delay),
                        status,
                    });
                }
                drop(g);
                shared.emit(ServerEvent::BindRejected {
                    system_id: req.system_id,
                    peer: self.peer,
                    status,
                });
            }
        }
    }

    /// The connection is over.
    fn ended(&self, reason: CloseReason) {
        self.done.0.close();
        let was_bound = lock(&self.bound).take().is_some();
        lock(&self.shared.registry).unregister(self.bind_id);
        if was_bound {
            self.shared.emit(ServerEvent::Closed {
                bind_id: self.bind_id,
                reason,
            });
        }
    }
}

impl Hooks for ServerConn {
    fn on_events(&self, link: &Arc<Link>, events: &mut Vec<Event>, cx: &mut Context<'_>) {
        // Replies ready at once are applied together under one lock.
        let mut ready: Vec<(u32, CommandId, Reply)> = Vec::new();
        let mut ctx: Option<Arc<RequestContext>> = None;
        for ev in events.drain(..) {
            match ev {
                Event::BindRequest { bind_type, frame } => {
                    self.on_bind_request(link, bind_type, &frame);
                }
                Event::Request {
                    frame,
                    auto_responded,
                } => {
                    if auto_responded {
                        continue;
                    }
                    if ctx.is_none() {
                        ctx = self.ctx();
                    }
                    let Some(c) = ctx.clone() else {
                        continue;
                    };
                    let seq = frame.sequence_number();
                    let id = frame.command_id();
                    let mut fut = (self.shared.handler)(c, frame);
                    match fut.as_mut().poll(cx) {
                        Poll::Ready(reply) => ready.push((seq, id, reply)),
                        Poll::Pending => {
                            let link = link.clone();
                            let generation = link.lock().generation;
                            smol::spawn(async move {
                                let reply = fut.await;
                                let mut g = link.lock();
                                if g.generation == generation {
                                    let now = link.now();
                                    reply.apply(&mut g.session, now, seq, id);
                                    Link::wake(g);
                                }
                            })
                            .detach();
                        }
                    }
                }
                Event::Closed { reason } => {
                    lock(&self.shared.registry).unregister(self.bind_id);
                    log::debug!(
                        "connection {:?} from {} closed: {reason}",
                        self.bind_id,
                        self.peer
                    );
                }
                Event::InvalidPdu { error, .. } => {
                    log::warn!("invalid PDU from {}: {error}", self.peer);
                }
                Event::RejectedRequest {
                    command_id, status, ..
                } => log::debug!("refused {command_id} from {} with {status}", self.peer),
                Event::UnmatchedResponse { frame, late } => {
                    log::debug!(
                        "unmatched response {frame:?} from {} (late: {late})",
                        self.peer
                    );
                }
                other => log::debug!("session event {other:?}"),
            }
        }
        if !ready.is_empty() {
            let mut g = link.lock();
            let now = link.now();
            for (seq, id, reply) in &ready {
                reply.apply(&mut g.session, now, *seq, *id);
            }
        }
    }

    /// Answers a held-back failed bind once its time came; sends stored messages while the
    /// window has room.
    fn poll_extra(&self, link: &Arc<Link>, cx: &mut Context<'_>) -> bool {
        {
            let mut held = lock(&self.held);
            if let Some(h) = held.as_mut() {
                if Pin::new(&mut h.timer).poll(cx).is_ready() {
                    let status = h.status;
                    *held = None;
                    drop(held);
                    let mut g = link.lock();
                    let now = link.now();
                    let _ = g.session.reject_bind(now, status);
                    return true;
                }
                return false;
            }
        }
        if !self.draining.load(Ordering::SeqCst) {
            return false;
        }
        let Some(ctx) = self.ctx() else {
            return false;
        };
        let account = &ctx.account;
        let mut progress = false;
        loop {
            let Some(permit) = link.permits.try_acquire_arc() else {
                return progress;
            };
            let mut g = link.lock();
            if !g.session.state().is_bound() {
                self.draining.store(false, Ordering::SeqCst);
                return progress;
            }
            // Cleared before looking, so a message stored meanwhile re-arms it.
            self.draining.store(false, Ordering::SeqCst);
            let Some(frame) = lock(&self.shared.store).pop(account) else {
                return progress;
            };
            self.draining.store(true, Ordering::SeqCst);
            let now = link.now();
            let sent = match frame.pdu() {
                Ok(pdu) => g.session.send(now, &pdu.body).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match sent {
                Ok(seq) => {
                    let store = self.shared.store.clone();
                    let account = account.clone();
                    let shared = self.shared.clone();
                    let requeue = Box::new(move |r: Result<Response, Error>| {
                        if let Err(e) = r {
                            log::debug!("stored message for {account} failed ({e}); storing again");
                            if lock(&store).push(&account, frame).is_err() {
                                log::warn!("store full: message for {account} lost after {e}");
                                shared.emit(ServerEvent::Overflow { account });
                            } else {
                                shared.poke_receivers(&account);
                            }
                        }
                    });
                    g.waiters.insert(seq, Waiter::Callback(requeue, permit));
                    progress = true;
                }
                Err(e) => {
                    log::warn!("stored message for {account} cannot be sent: {e}; discarded");
                    self.shared.emit(ServerEvent::Overflow {
                        account: account.clone(),
                    });
                }
            }
        }
    }
}

/// An SMSC: accepts ESME connections and serves them.
///
/// Dropping it stops accepting and unbinds every session in the background; use
/// [`Server::shutdown`] to wait for that.
pub struct Server {
    shared: Arc<ServerShared>,
    /// One accept loop per listener.
    accept: Mutex<Vec<Task<()>>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.shared.local_addr)
            .field("connections", &lock(&self.shared.conns).len())
            .finish()
    }
}

impl Server {
    /// Listens on `addr` and serves each connection on its own task (`smol::spawn`):
    /// binds go to `authenticator`, requests to `handler`.
    pub async fn bind<A, Au, H>(
        addr: A,
        config: ServerConfig,
        authenticator: Au,
        handler: H,
    ) -> Result<Server, Error>
    where
        A: AsyncToSocketAddrs,
        Au: Authenticator,
        H: Handler,
    {
        Server::bind_with(addr, config, None, authenticator, handler).await
    }

    async fn bind_with<A, Au, H>(
        addr: A,
        config: ServerConfig,
        tls: Option<Acceptor>,
        authenticator: Au,
        handler: H,
    ) -> Result<Server, Error>
    where
        A: AsyncToSocketAddrs,
        Au: Authenticator,
        H: Handler,
    {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let handler = Arc::new(handler);
        let dyn_handler: DynHandler = Arc::new(move |ctx: Arc<RequestContext>, frame: Frame| {
            let h = handler.clone();
            Box::pin(async move { h.handle(&ctx, &frame).await }) as HandlerFuture
        });
        let store: Box<dyn MessageStore + Send> = Box::new(MemoryStore::new(
            config.store_per_account,
            config.store_total,
        ));
        let shared = Arc::new(ServerShared {
            registry: Mutex::new(Registry::new(config.limits)),
            auth: Box::new(authenticator),
            handler: dyn_handler,
            store: Arc::new(Mutex::new(store)),
            conns: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            shutting_down: AtomicBool::new(false),
            subscribers: Mutex::new(Vec::new()),
            failed_binds: Mutex::new(FailedBinds::new(config.failed_binds)),
            epoch: std::time::Instant::now(),
            conn_closed: smol::channel::bounded(1),
            local_addr,
            handshaking: std::sync::atomic::AtomicUsize::new(0),
            config,
        });
        let accept = shared.clone().spawn_accept(listener, tls);
        Ok(Server {
            shared,
            accept: Mutex::new(vec![accept]),
        })
    }

    /// [`Server::bind`] with TLS (SMPPS) on `addr`: each connection's TLS handshake must
    /// complete within the session's `bind_timeout` (a peer that does not speak TLS is
    /// closed at once), then the connection is served as any other. Add a plain listener
    /// to the same server with [`Server::add_listener`].
    #[cfg(feature = "tls")]
    pub async fn bind_tls<A, Au, H>(
        addr: A,
        config: ServerConfig,
        tls: crate::TlsServerConfig,
        authenticator: Au,
        handler: H,
    ) -> Result<Server, Error>
    where
        A: AsyncToSocketAddrs,
        Au: Authenticator,
        H: Handler,
    {
        let acceptor = crate::tls::TlsAcceptor::new(&tls);
        Server::bind_with(addr, config, Some(acceptor), authenticator, handler).await
    }

    /// Listens on one more address, plain TCP, for the same server: same accounts,
    /// routing, store, limits and events (for example plain and TLS side by side). Returns
    /// the address bound (useful with port 0); [`Server::local_addr`] stays the first
    /// listener's.
    pub async fn add_listener<A: AsyncToSocketAddrs>(&self, addr: A) -> Result<SocketAddr, Error> {
        self.listen(addr, None).await
    }

    /// Like [`Server::add_listener`], with TLS on the new listener (as [`Server::bind_tls`]).
    #[cfg(feature = "tls")]
    pub async fn add_tls_listener<A: AsyncToSocketAddrs>(
        &self,
        addr: A,
        tls: crate::TlsServerConfig,
    ) -> Result<SocketAddr, Error> {
        let acceptor = crate::tls::TlsAcceptor::new(&tls);
        self.listen(addr, Some(acceptor)).await
    }

    async fn listen<A: AsyncToSocketAddrs>(
        &self,
        addr: A,
        tls: Option<Acceptor>,
    ) -> Result<SocketAddr, Error> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let mut tasks = lock(&self.accept);
        if self.shared.shutting_down.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        tasks.push(self.shared.clone().spawn_accept(listener, tls));
        Ok(local)
    }

    /// Replaces the in-memory message store (call before any message is stored: the old
    /// store's content is dropped).
    pub fn with_store(self, store: Box<dyn MessageStore + Send>) -> Server {
        *lock(&self.shared.store) = store;
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

    /// The bound sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let conns: Vec<(Arc<Link>, Arc<ServerConn>)> = lock(&self.shared.conns)
            .values()
            .map(|c| (c.link.clone(), c.hooks.clone()))
            .collect();
        let mut out: Vec<SessionInfo> = conns
            .into_iter()
            .filter_map(|(link, hooks)| {
                let ctx = hooks.ctx()?;
                let counters = link.lock().session.counters().clone();
                Some(SessionInfo {
                    bind_id: ctx.bind_id,
                    account: ctx.account.clone(),
                    peer: ctx.peer,
                    bind_type: ctx.bind_type,
                    counters,
                })
            })
            .collect();
        out.sort_by_key(|s| s.bind_id);
        out
    }

    /// A handle on a bound session, to send it requests.
    pub fn session(&self, bind_id: BindId) -> Option<SessionHandle> {
        let (link, hooks) = self.shared.conn(bind_id)?;
        let ctx = hooks.ctx()?;
        let done = hooks.done.1.clone();
        Some(SessionHandle { link, ctx, done })
    }

    /// Subscribes to server events from now on (each call makes a new subscriber).
    pub fn events(&self) -> Receiver<ServerEvent> {
        let (tx, rx) = smol::channel::bounded(self.shared.config.event_capacity.max(1));
        lock(&self.shared.subscribers).push(tx);
        rx
    }

    /// Routes a request (an MO `deliver_sm` or a delivery receipt, or a `data_sm`) to
    /// `account`: round robin over its receiver-capable binds, waiting for the response
    /// ([`Delivery::Delivered`]); when none is bound, stores it ([`Delivery::Queued`]; sent
    /// in order to the next receiver that binds) or, when the store is full, refuses it
    /// ([`Delivery::Rejected`], with a [`ServerEvent::Overflow`]). Never drops silently.
    ///
    /// Fails with [`Error::ConnectionLost`] or [`Error::Timeout`] when the chosen receiver
    /// did not answer.
    pub async fn deliver(&self, account: &str, body: &Body<'_>) -> Result<Delivery, Error> {
        let id = body.command_id();
        if !matches!(id, CommandId::DeliverSm | CommandId::DataSm) {
            return Err(Error::Session(SessionError::WrongDirection {
                command_id: id,
            }));
        }
        let shared = &self.shared;
        if shared.shutting_down.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let candidates = lock(&shared.registry).binds(account).count();
        for _ in 0..candidates {
            let Some(bind_id) = lock(&shared.registry).next_receiver(account) else {
                break;
            };
            let Some((link, _)) = shared.conn(bind_id) else {
                continue;
            };
            match link.send_pipelined(body).await {
                Ok(fut) => return fut.await.map(Delivery::Delivered),
                Err(e @ Error::Session(SessionError::Encode(_))) => return Err(e),
                Err(_) => continue,
            }
        }
        let frame = Frame::encode(&Pdu::new(1, *body)).map_err(SessionError::Encode)?;
        let pushed = lock(&shared.store).push(account, frame);
        match pushed {
            Ok(()) => {
                shared.emit(ServerEvent::Queued {
                    account: account.to_string(),
                });
                shared.poke_receivers(account);
                Ok(Delivery::Queued)
            }
            Err(_) => {
                shared.emit(ServerEvent::Overflow {
                    account: account.to_string(),
                });
                Ok(Delivery::Rejected)
            }
        }
    }

    /// Messages waiting in the store for `account`.
    pub fn stored(&self, account: &str) -> usize {
        lock(&self.shared.store).len(account)
    }

    fn begin_shutdown(&self) -> Vec<Task<()>> {
        self.shared.shutting_down.store(true, Ordering::SeqCst);
        let links: Vec<Arc<Link>> = lock(&self.shared.conns)
            .values()
            .map(|c| c.link.clone())
            .collect();
        for link in links {
            let mut g = link.lock();
            g.shut = true;
            let now = link.now();
            match g.session.state() {
                State::Bound(_) => {
                    let _ = g.session.unbind(now);
                }
                State::Unbinding(_) | State::Closed => {}
                _ => g.session.abort(now),
            }
            Link::wake(g);
        }
        std::mem::take(&mut *lock(&self.accept))
    }

    /// Stops accepting, unbinds every session (their outstanding requests drain first) and
    /// waits until every connection ended or `timeout` passed; connections still open then
    /// are aborted.
    pub async fn shutdown(&self, timeout: Duration) {
        for task in self.begin_shutdown() {
            task.cancel().await;
        }
        let deadline = std::time::Instant::now() + timeout;
        if !self.wait_closed(deadline).await {
            let links: Vec<Arc<Link>> = lock(&self.shared.conns)
                .values()
                .map(|c| c.link.clone())
                .collect();
            for link in links {
                let mut g = link.lock();
                let now = link.now();
                g.session.abort(now);
                Link::wake(g);
            }
            self.wait_closed(std::time::Instant::now() + Duration::from_secs(3))
                .await;
        }
    }

    /// Waits until no connection is left; false at the deadline.
    async fn wait_closed(&self, deadline: std::time::Instant) -> bool {
        loop {
            if lock(&self.shared.conns).is_empty() {
                return true;
            }
            let ended = async {
                let _ = self.shared.conn_closed.1.recv().await;
                true
            };
            let timer = async {
                async_io::Timer::at(deadline).await;
                false
            };
            if !futures_lite::future::or(ended, timer).await {
                return lock(&self.shared.conns).is_empty();
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Dropping the accept task cancels it, closing the listener.
        drop(self.begin_shutdown());
    }
}

/// A bound session of the server, for sending it requests (`deliver_sm`, `data_sm`).
#[derive(Clone)]
pub struct SessionHandle {
    link: Arc<Link>,
    ctx: Arc<RequestContext>,
    done: Receiver<()>,
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle")
            .field("ctx", &self.ctx)
            .finish()
    }
}

impl SessionHandle {
    /// The connection.
    pub fn bind_id(&self) -> BindId {
        self.ctx.bind_id
    }

    /// The account.
    pub fn account(&self) -> &str {
        &self.ctx.account
    }

    /// The bind.
    pub fn bind_type(&self) -> BindType {
        self.ctx.bind_type
    }

    /// Sends a request and waits for its response (waiting first for a window slot).
    pub async fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        self.link.send_pipelined(body).await?.await
    }

    /// Sends a request (waiting for a window slot) and returns a future of its response.
    pub async fn send_pipelined(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        self.link.send_pipelined(body).await
    }

    /// Sends a request if the window has room now.
    pub fn try_send(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        self.link.try_send(body)
    }

    /// Unbinds this session from the server side (outstanding requests drain first) and
    /// waits until the connection ended (aborting it if the unbind takes longer than the
    /// session's drain and unbind timeouts). `Ok` when the unbind completed (or the ESME
    /// unbound first).
    pub async fn unbind(&self) -> Result<(), Error> {
        let wait: Duration = {
            let mut g = self.link.lock();
            g.shut = true;
            let now = self.link.now();
            if g.session.unbind(now).is_err() {
                g.session.abort(now);
            }
            let cfg = g.session.config();
            let wait = cfg.drain_timeout.saturating_add(cfg.unbind_timeout);
            Link::wake(g);
            wait.into()
        };
        if !self.wait_done(wait + Duration::from_secs(1)).await {
            self.abort();
            self.wait_done(Duration::from_secs(3)).await;
        }
        match self.link.lock().lost {
            None | Some(CloseReason::Unbound | CloseReason::PeerUnbound) => Ok(()),
            Some(r) => Err(Error::ConnectionLost(r)),
        }
    }

    /// Waits until the connection ended; false after `d`.
    async fn wait_done(&self, d: Duration) -> bool {
        let ended = async {
            let _ = self.done.recv().await;
            true
        };
        let timer = async {
            async_io::Timer::after(d).await;
            false
        };
        futures_lite::future::or(ended, timer).await
    }

    /// Closes the session at once (outstanding requests fail).
    pub fn abort(&self) {
        let mut g = self.link.lock();
        g.shut = true;
        let now = self.link.now();
        g.session.abort(now);
        Link::wake(g);
    }

    /// True once the session closed.
    pub fn is_closed(&self) -> bool {
        self.link.lock().session.is_closed()
    }

    /// The session's counters now.
    pub fn counters(&self) -> Counters {
        self.link.lock().session.counters().clone()
    }
}
