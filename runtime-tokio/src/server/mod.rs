//! The SMSC: the sans-IO [`Endpoint`](smpp_core::server::Endpoint) served over TCP (and
//! TLS) on tokio. Listeners, the handler API and handles; the pumps are in `driver.rs`.

mod driver;

use crate::client::ResponseFuture;
use crate::error::Error;
use crate::oneshot;
use crate::Response;
use driver::{lock, DynHandler, Shared};
use smpp_core::codec::Frame;
use smpp_core::pdu::Body;
pub use smpp_core::server::{
    Authenticator, BindId, DeliveryId, DeliveryOutcome, OutbindId, Reply, RequestContext,
    ServerConfig, ServerEvent, SessionInfo,
};
use smpp_core::session::{BindType, CloseReason, Counters, SessionError};
use smpp_runtime::QuickAck;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Answers requests from bound ESMEs (`submit_sm`, `data_sm`, `query_sm`, ...).
///
/// The future is polled once in place (in a slot the connection reuses from request to
/// request, so a handler that completes at once costs no allocation) and moved to its own
/// task only if it does not complete at once, so a slow handler never holds up its
/// connection (the session's `peer_window` bounds how many requests wait). A panic
/// answers `ESME_RSYSERR` and costs nothing else. Plain closures `Fn(&RequestContext, &Frame) -> Reply` are handlers; for
/// async closures see [`AsyncHandler`]. A handler must not block its thread (it runs on
/// the runtime's workers): use `tokio::task::spawn_blocking` for blocking work.
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

/// What a TLS listener wraps its connections with.
#[cfg(feature = "tls")]
type Acceptor = crate::tls::TlsAcceptor;
#[cfg(not(feature = "tls"))]
type Acceptor = std::convert::Infallible;

/// An SMSC: accepts ESME connections and serves them; every decision (binds, routing, the
/// delivery queue, outbind) is the core endpoint's. Its tasks run on the tokio runtime it
/// was created on (multi-thread or current-thread).
///
/// Dropping it stops accepting and unbinds every session in the background; use
/// [`Server::shutdown`] to wait for that.
pub struct Server {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
    /// The timer, then the accept loops.
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("connections", &self.connection_count())
            .finish()
    }
}

impl Server {
    /// Listens on `addr` and serves each connection on its own task (`tokio::spawn` on the
    /// current runtime): binds go to `authenticator`, requests to `handler`.
    ///
    /// # Panics
    ///
    /// When called outside a tokio runtime.
    pub async fn bind<A, Au, H>(
        addr: A,
        config: ServerConfig,
        authenticator: Au,
        handler: H,
    ) -> Result<Server, Error>
    where
        A: ToSocketAddrs,
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
        A: ToSocketAddrs,
        Au: Authenticator,
        H: Handler,
    {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let handler = Arc::new(handler);
        let dyn_handler: DynHandler =
            Arc::new(move |shared, id| driver::calls_for(handler.clone(), shared, id));
        let shared = Shared::new(config, Box::new(authenticator), dyn_handler);
        let timer = shared.spawn_timer();
        let accept = spawn_accept(shared.clone(), listener, tls);
        Ok(Server {
            shared,
            local_addr,
            tasks: Mutex::new(vec![timer, accept]),
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
        A: ToSocketAddrs,
        Au: Authenticator,
        H: Handler,
    {
        let acceptor = crate::tls::TlsAcceptor::new(&tls);
        Server::bind_with(addr, config, Some(acceptor), authenticator, handler).await
    }

    /// Keeps the server's deliveries in `store` from now on (see
    /// [`smpp_runtime::store`]): every message accepted by [`Server::deliver`] is kept
    /// before it is sent and forgotten once it ended, and what the store kept before
    /// (an earlier run, or other nodes sharing it) is claimed and delivered. Call it right
    /// after binding, before the first delivery: it returns once what the store kept is
    /// claimed (as far as the queue has room), so that those older messages go out before
    /// any delivered from now on. Fails if a store is attached already.
    pub fn attach_store(&self, store: Box<dyn smpp_runtime::DeliveryStore>) -> Result<(), Error> {
        if self.shared.store.get().is_some() {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a delivery store is attached already",
            )));
        }
        self.shared.with(|st, _| st.ep.set_durable());
        let host = Arc::new(driver::StoreAccess(Arc::downgrade(&self.shared)));
        let d = Arc::new(smpp_runtime::StoreDriver::start(store, host)?);
        let _ = self.shared.store.set(d.clone());
        // What the store kept goes first: returns once it is claimed.
        d.wait_started();
        Ok(())
    }

    /// Whether the attached store works ([`smpp_runtime::StoreHealth`]); `None` without a
    /// store.
    pub fn store_health(&self) -> Option<smpp_runtime::StoreHealth> {
        self.shared.store.get().map(|d| d.health())
    }

    /// Listens on one more address, plain TCP, for the same server: same accounts,
    /// routing, queue, limits and events (for example plain and TLS side by side). Returns
    /// the address bound (useful with port 0); [`Server::local_addr`] stays the first
    /// listener's.
    pub async fn add_listener<A: ToSocketAddrs>(&self, addr: A) -> Result<SocketAddr, Error> {
        self.listen(addr, None).await
    }

    /// Like [`Server::add_listener`], with TLS on the new listener (as [`Server::bind_tls`]).
    #[cfg(feature = "tls")]
    pub async fn add_tls_listener<A: ToSocketAddrs>(
        &self,
        addr: A,
        tls: crate::TlsServerConfig,
    ) -> Result<SocketAddr, Error> {
        let acceptor = crate::tls::TlsAcceptor::new(&tls);
        self.listen(addr, Some(acceptor)).await
    }

    async fn listen<A: ToSocketAddrs>(
        &self,
        addr: A,
        tls: Option<Acceptor>,
    ) -> Result<SocketAddr, Error> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        if lock(&self.shared.state).ep.is_shutting_down() {
            return Err(Error::Closed);
        }
        let task = spawn_accept(self.shared.clone(), listener, tls);
        lock(&self.tasks).push(task);
        Ok(local)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections open now, bound or not (at most [`ServerConfig::max_connections`]).
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.state).ep.connection_count()
    }

    /// The bound sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        lock(&self.shared.state).ep.sessions()
    }

    /// A handle on a bound session, to send it requests.
    pub fn session(&self, bind_id: BindId) -> Option<SessionHandle> {
        let info = lock(&self.shared.state).ep.session(bind_id)?;
        Some(SessionHandle {
            shared: self.shared.clone(),
            info: Arc::new(info),
        })
    }

    /// Subscribes to server events from now on (each call makes a new subscriber, a
    /// bounded `tokio::sync::mpsc` channel; one that does not keep up loses events beyond
    /// [`ServerConfig::event_capacity`]).
    pub fn events(&self) -> mpsc::Receiver<ServerEvent> {
        self.shared.subscribe()
    }

    /// Accepts a message (an MO `deliver_sm`, a delivery receipt, or a `data_sm`) for
    /// `account`'s receiver-capable binds: sent at once when one has room (round robin,
    /// behind older messages), else queued. Delivery is at least once: the returned
    /// [`Delivery`] resolves to exactly one outcome — delivered, refused for good, or given
    /// up (see [`DeliveryPolicy`](smpp_core::server::DeliveryPolicy)).
    ///
    /// Fails at once, queueing nothing, with [`Error::Deliver`] when the queue is full, the
    /// server is shutting down, or the body is not a `deliver_sm` / `data_sm`.
    pub fn deliver(&self, account: &str, body: &Body<'_>) -> Result<Delivery, Error> {
        let shared = &self.shared;
        shared.with(|st, now| {
            let id = st.ep.deliver(now, account, body).map_err(Error::Deliver)?;
            let rx = shared.watch_delivery(st, id);
            Ok(Delivery { id, rx })
        })
    }

    /// Messages held for `account` (waiting, or on their way to a receiver).
    pub fn queued(&self, account: &str) -> usize {
        lock(&self.shared.state).ep.queued(account)
    }

    /// Connects out to an ESME listening at `addr` and sends `outbind` with `system_id`
    /// and `password`; the ESME's `bind_receiver` then goes to the authenticator like any
    /// bind. Failed connections, and links that end, are retried with
    /// [`ServerConfig::outbind_retry`] until [`Server::cancel_outbind`].
    pub fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId {
        self.shared
            .with(|st, now| st.ep.outbind(now, addr, system_id, password))
    }

    /// Stops connecting to an outbind target (a session it has stays).
    pub fn cancel_outbind(&self, id: OutbindId) {
        self.shared.with(|st, _| st.ep.cancel_outbind(id));
    }

    /// Starts the shutdown and stops the accept loops (closing their listeners).
    fn begin_shutdown(&self) -> Vec<JoinHandle<()>> {
        self.shared.with(|st, now| st.ep.shutdown(now));
        let mut tasks = lock(&self.tasks);
        // Keep the timer (the first task): draining sessions still need it.
        let accepts: Vec<_> = tasks.drain(1..).collect();
        accepts.iter().for_each(JoinHandle::abort);
        accepts
    }

    /// Stops accepting, unbinds every session (their outstanding requests drain first) and
    /// waits until every connection ended or `timeout` passed; connections still open then
    /// are aborted. Messages still queued are then reported given up.
    pub async fn shutdown(&self, timeout: Duration) {
        for task in self.begin_shutdown() {
            let _ = task.await;
        }
        let deadline = tokio::time::Instant::now() + timeout;
        if !self.wait_closed(deadline).await {
            self.shared.with(|st, now| st.ep.abort_all(now));
            self.wait_closed(tokio::time::Instant::now() + Duration::from_secs(3))
                .await;
        }
        if let Some(store) = self.shared.store.get().cloned() {
            let _ = tokio::task::spawn_blocking(move || store.stop()).await;
        }
    }

    /// Waits until no connection is left; false at the deadline.
    async fn wait_closed(&self, deadline: tokio::time::Instant) -> bool {
        while self.connection_count() > 0 {
            let removed = self.shared.removed.notified();
            if tokio::time::timeout_at(deadline, removed).await.is_err() {
                return self.connection_count() == 0;
            }
        }
        true
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Aborting the accept tasks closes the listeners; the timer task stays alive
        // (detached) while connections drain, and ends with the last of them.
        drop(self.begin_shutdown());
    }
}

/// Serves the connections of one listener (TLS ones when `tls` is given).
fn spawn_accept(
    shared: Arc<Shared>,
    listener: TcpListener,
    tls: Option<Acceptor>,
) -> JoinHandle<()> {
    #[cfg(not(feature = "tls"))]
    let _ = &tls;
    let rt = shared.rt.clone();
    rt.spawn(async move {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let accepted = shared.with(|st, now| st.ep.accept(now, peer));
            let Ok(id) = accepted else {
                // Accepted, and closed at once (dropped): no task, no session, no PDU.
                continue;
            };
            let quickack = QuickAck::of(&stream);
            let shared = shared.clone();
            #[cfg(feature = "tls")]
            if let Some(tls) = &tls {
                let tls = tls.clone();
                let timeout: Duration = shared.config.session.bind_timeout.into();
                shared.rt.clone().spawn(async move {
                    match tls.handshake(stream, peer, timeout).await {
                        Some(stream) => shared.serve(stream, quickack, id, peer).await,
                        None => shared.remove(id),
                    }
                });
                continue;
            }
            shared
                .rt
                .clone()
                .spawn(async move { shared.serve(stream, quickack, id, peer).await });
        }
    })
}

/// A message accepted by [`Server::deliver`]: await it for its outcome.
///
/// Dropping it does not cancel the delivery; its outcome is then only reported as
/// [`ServerEvent::Delivery`].
#[must_use = "the outcome arrives through this future"]
pub struct Delivery {
    id: DeliveryId,
    rx: oneshot::Receiver<DeliveryOutcome>,
}

impl Delivery {
    /// The delivery's id (also in its [`ServerEvent`]s).
    pub fn id(&self) -> DeliveryId {
        self.id
    }

    /// The outcome if it is known already (then the future is spent).
    pub fn try_get(&self) -> Option<DeliveryOutcome> {
        self.rx.try_take()
    }
}

impl Future for Delivery {
    /// The outcome; `Err(Error::Closed)` only when the server went away without one.
    type Output = Result<DeliveryOutcome, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx)
            .poll(cx)
            .map(|r| r.ok_or(Error::Closed))
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery").field("id", &self.id).finish()
    }
}

/// A bound session of the server, for sending it requests of the application's own
/// (outside the delivery queue).
#[derive(Clone)]
pub struct SessionHandle {
    shared: Arc<Shared>,
    info: Arc<SessionInfo>,
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle")
            .field("bind_id", &self.info.bind_id)
            .field("account", &self.info.account)
            .finish()
    }
}

impl SessionHandle {
    /// The connection.
    pub fn bind_id(&self) -> BindId {
        self.info.bind_id
    }

    /// The account.
    pub fn account(&self) -> &str {
        &self.info.account
    }

    /// The bind.
    pub fn bind_type(&self) -> BindType {
        self.info.bind_type
    }

    /// Sends a request and waits for its response.
    pub async fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        self.try_send(body)?.await
    }

    /// Sends a request and returns a future of its response (the window must have room:
    /// `Error::Session(WindowFull)` otherwise).
    pub fn try_send(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        let id = self.info.bind_id;
        let shared = &self.shared;
        shared.with(|st, now| {
            let seq = st.ep.send(now, id, body).map_err(|e| match e {
                SessionError::Closed => Error::ConnectionLost(CloseReason::Aborted),
                e => Error::Session(e),
            })?;
            Ok(ResponseFuture::new(shared.watch_request(st, id, seq)))
        })
    }

    /// Unbinds this session from the server side (outstanding requests drain first) and
    /// waits until the connection ended (aborting it if that takes longer than the
    /// session's drain and unbind timeouts).
    pub async fn unbind(&self) -> Result<(), Error> {
        let id = self.info.bind_id;
        let (rx, wait) = self.shared.with(|st, now| {
            st.ep.unbind(now, id);
            let cfg = st.ep.session_config();
            let wait: Duration = cfg.drain_timeout.saturating_add(cfg.unbind_timeout).into();
            (self.shared.watch_removed(st, id), wait)
        });
        if tokio::time::timeout(wait + Duration::from_secs(1), rx)
            .await
            .is_err()
        {
            self.abort();
        }
        Ok(())
    }

    /// Closes the session at once (outstanding requests fail; deliveries on their way go
    /// back to the queue).
    pub fn abort(&self) {
        let id = self.info.bind_id;
        self.shared.with(|st, now| st.ep.abort(now, id));
    }

    /// True once the session closed.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.state).ep.is_closed(self.info.bind_id)
    }

    /// The session's counters now.
    pub fn counters(&self) -> Counters {
        lock(&self.shared.state)
            .ep
            .counters(self.info.bind_id)
            .cloned()
            .unwrap_or_else(|| self.info.counters.clone())
    }
}
