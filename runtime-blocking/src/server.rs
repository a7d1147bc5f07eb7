//! The server (SMSC): a blocking I/O pump around the core's SMSC
//! [`Endpoint`](smpp_core::server::Endpoint), which decides everything (binds, limits,
//! routing, the at-least-once delivery queue, outbind). See [`pump`] for the threads.

mod pump;

use crate::client::Ticket;
use crate::conn::{lock, Slot};
use crate::io::Driver;
use crate::{Error, Response};
use pump::{Once, Shared};
use smpp_core::codec::Frame;
use smpp_core::pdu::Body;
use smpp_core::server::{
    Authenticator, BindId, DeliveryId, DeliveryOutcome, OutbindId, Reply, RequestContext,
    ServerConfig, ServerEvent, SessionInfo,
};
use smpp_core::session::{BindType, CloseReason, Counters, SessionError};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Answers requests from bound ESMEs (`submit_sm`, `data_sm`, `query_sm`, ...). Called on
/// the connection's reader thread, in order; while it runs, that connection reads nothing
/// more, so do not wait in it for a response on the same connection (for example a
/// [`Delivery::wait`] of a receipt to the same bind): hand such work to another thread.
/// A panic answers `ESME_RSYSERR`. Closures `Fn(&RequestContext, &Frame) -> Reply` are
/// handlers.
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

/// What a TLS listener wraps its connections with.
#[cfg(feature = "tls")]
type Acceptor = Arc<crate::TlsServerConfig>;
#[cfg(not(feature = "tls"))]
type Acceptor = Arc<std::convert::Infallible>;

/// A message accepted by [`Server::deliver`]: it ends in exactly one [`DeliveryOutcome`].
pub struct Delivery {
    id: DeliveryId,
    outcome: Arc<Once<DeliveryOutcome>>,
}

impl Delivery {
    /// The delivery's id (as in [`ServerEvent::Delivery`]).
    pub fn id(&self) -> DeliveryId {
        self.id
    }

    /// Waits for the outcome (delivered, refused for good, or given up), as the smol
    /// runtime's `Delivery` future gives it: `Err(Error::Closed)` only if the server went
    /// away without one.
    pub fn wait(self) -> Result<DeliveryOutcome, Error> {
        self.outcome.wait(None).ok_or(Error::Closed)
    }

    /// Waits at most `timeout`; `None` when it passed first.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<DeliveryOutcome> {
        self.outcome.wait(Some(Instant::now() + timeout))
    }

    /// The outcome if it is known.
    pub fn try_get(&self) -> Option<DeliveryOutcome> {
        self.outcome.wait(Some(Instant::now()))
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery").field("id", &self.id).finish()
    }
}

/// One bound session, for sending requests to it (`deliver_sm`, ...).
#[derive(Clone)]
pub struct SessionHandle {
    shared: Arc<Shared>,
    info: Arc<SessionInfo>,
    io: Arc<pump::ConnIo>,
}

impl SessionHandle {
    /// The bind.
    pub fn bind_id(&self) -> BindId {
        self.info.bind_id
    }

    /// The account bound.
    pub fn account(&self) -> &str {
        &self.info.account
    }

    /// The bind type.
    pub fn bind_type(&self) -> BindType {
        self.info.bind_type
    }

    fn lost(&self) -> Error {
        self.io
            .key
            .reason
            .get()
            .map_or(Error::Closed, |r| Error::ConnectionLost(*r))
    }

    /// Sends a request; with `wait`, a full window is waited out (up to the response
    /// timeout).
    fn start(&self, body: &Body<'_>, wait: bool) -> Result<(Arc<Slot>, u32), Error> {
        let id = self.bind_id();
        let until = Instant::now() + self.shared.config.session.response_timeout.into();
        let slot = Slot::new();
        loop {
            let r = self.shared.with(|c, now| {
                let seq = c.ep.send(now, id, body)?;
                c.requests.insert((id, seq), slot.clone());
                Ok(seq)
            });
            match r {
                Ok(seq) => return Ok((slot, seq)),
                Err(SessionError::WindowFull { .. }) if wait && Instant::now() < until => {
                    std::thread::sleep(Duration::from_millis(2));
                }
                Err(SessionError::Closed) => return Err(self.lost()),
                Err(e) => return Err(Error::Session(e)),
            }
        }
    }

    /// Sends a request and waits for its response; waits for a free slot when the window
    /// is full.
    pub fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        self.submit(body)?.wait()
    }

    /// Like [`SessionHandle::send`], failing at once when the window is full.
    pub fn try_send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let (slot, seq) = self.start(body, false)?;
        Ticket::new(slot, seq).wait()
    }

    /// Queues a request and returns a [`Ticket`] for its response.
    pub fn submit(&self, body: &Body<'_>) -> Result<Ticket, Error> {
        let (slot, seq) = self.start(body, true)?;
        Ok(Ticket::new(slot, seq))
    }

    /// Unbinds this session from the server side (outstanding requests drain first) and
    /// waits until its connection ended.
    pub fn unbind(&self) -> Result<(), Error> {
        let id = self.bind_id();
        self.shared.with(|c, now| c.ep.unbind(now, id));
        let s = &self.shared.config.session;
        let wait: Duration = s.drain_timeout.saturating_add(s.unbind_timeout).into();
        let deadline = Instant::now() + wait + Duration::from_secs(3);
        if !self
            .shared
            .wait_removed(deadline, |c| c.ep.state(id).is_none())
        {
            self.abort();
        }
        match self.io.key.reason.get() {
            None | Some(CloseReason::Unbound | CloseReason::PeerUnbound) => Ok(()),
            Some(r) => Err(Error::ConnectionLost(*r)),
        }
    }

    /// Closes the session at once (outstanding requests fail).
    pub fn abort(&self) {
        let id = self.bind_id();
        self.shared.with(|c, now| c.ep.abort(now, id));
    }

    /// True once the session closed.
    pub fn is_closed(&self) -> bool {
        lock(&self.shared.core).ep.is_closed(self.bind_id())
    }

    /// The session's counters now (the last known once it ended).
    pub fn counters(&self) -> Counters {
        let c = lock(&self.shared.core);
        c.ep.counters(self.bind_id())
            .cloned()
            .unwrap_or_else(|| self.info.counters.clone())
    }
}

impl fmt::Debug for SessionHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle")
            .field("bind_id", &self.bind_id())
            .finish()
    }
}

/// An SMPP server (SMSC): accepts binds, answers requests with a [`Handler`], delivers
/// messages to bound receivers at least once, connects out for outbind.
pub struct Server {
    shared: Arc<Shared>,
    local_addr: SocketAddr,
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

    /// [`Server::bind`] with TLS (SMPPS) on `addr`: each connection's handshake runs on its
    /// reader thread, bounded by the session's `bind_timeout` (a peer that does not speak
    /// TLS is closed at once); then it is served as any other. Add a plain listener to the
    /// same server with [`Server::add_listener`].
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

    fn bind_with<A: ToSocketAddrs>(
        addr: A,
        config: ServerConfig,
        tls: Option<Acceptor>,
        authenticator: impl Authenticator,
        handler: impl Handler,
    ) -> Result<Server, Error> {
        let listener = TcpListener::bind(addr)?;
        let local_addr = listener.local_addr()?;
        let shared = Shared::start(config, Box::new(authenticator), Box::new(handler));
        let server = Server {
            shared,
            local_addr,
            accept: Mutex::new(Vec::new()),
        };
        server.listen(listener, tls)?;
        Ok(server)
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
        self.shared.with(|c, _| c.ep.set_durable());
        let host = Arc::new(pump::StoreAccess(Arc::downgrade(&self.shared)));
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

    /// Listens on one more address, plain TCP, for the same server (same accounts, queue,
    /// limits and events; for example plain and TLS side by side). Returns the address
    /// bound; [`Server::local_addr`] stays the first listener's.
    pub fn add_listener<A: ToSocketAddrs>(&self, addr: A) -> Result<SocketAddr, Error> {
        self.listen(TcpListener::bind(addr)?, None)
    }

    /// Like [`Server::add_listener`], with TLS on the new listener (as [`Server::bind_tls`]).
    #[cfg(feature = "tls")]
    pub fn add_tls_listener<A: ToSocketAddrs>(
        &self,
        addr: A,
        tls: crate::TlsServerConfig,
    ) -> Result<SocketAddr, Error> {
        self.listen(TcpListener::bind(addr)?, Some(Arc::new(tls)))
    }

    fn listen(&self, listener: TcpListener, tls: Option<Acceptor>) -> Result<SocketAddr, Error> {
        let addr = listener.local_addr()?;
        let mut listeners = lock(&self.shared.listeners);
        if self.shared.stopping.load(Ordering::SeqCst) {
            return Err(Error::Closed);
        }
        let s = self.shared.clone();
        let handle = std::thread::Builder::new()
            .name("smpp-accept".into())
            .spawn(move || s.accept_loop(listener, tls))?;
        listeners.push(addr);
        lock(&self.accept).push(handle);
        Ok(addr)
    }

    /// The address the server listens on (its first listener).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Connections open now, bound or not (at most [`ServerConfig::max_connections`]).
    pub fn connection_count(&self) -> usize {
        lock(&self.shared.core).ep.connection_count()
    }

    /// The bound sessions, in connection order.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        lock(&self.shared.core).ep.sessions()
    }

    /// A handle to one bound session.
    pub fn session(&self, bind_id: BindId) -> Option<SessionHandle> {
        let c = lock(&self.shared.core);
        Some(SessionHandle {
            shared: self.shared.clone(),
            info: Arc::new(c.ep.session(bind_id)?),
            io: c.conns.get(&bind_id)?.clone(),
        })
    }

    /// Accepts a `deliver_sm` or `data_sm` (an MO message or a receipt) for `account`'s
    /// receiver-capable binds, round robin, in order behind older messages; it waits in the
    /// queue while none can take it and is retried on timeouts, temporary errors and lost
    /// links ([`ServerConfig::delivery`]). Refused at once ([`Error::Deliver`]) when the
    /// queue is full, the server is shutting down or the body is not a delivery.
    pub fn deliver(&self, account: &str, body: &Body<'_>) -> Result<Delivery, Error> {
        let outcome = Once::new();
        let id = self.shared.with(|c, now| {
            let id = c.ep.deliver(now, account, body)?;
            c.deliveries.insert(id, outcome.clone());
            Ok::<_, Error>(id)
        })?;
        Ok(Delivery { id, outcome })
    }

    /// Messages held for `account`: waiting, or on their way to a receiver.
    pub fn queued(&self, account: &str) -> usize {
        lock(&self.shared.core).ep.queued(account)
    }

    /// A channel of server events from now on (at most [`ServerConfig::event_capacity`]
    /// waiting: a subscriber that does not keep up loses events).
    pub fn events(&self) -> Receiver<ServerEvent> {
        let (tx, rx) = mpsc::sync_channel(self.shared.config.event_capacity.max(1));
        lock(&self.shared.subscribers).push(tx);
        rx
    }

    /// Connects out to the ESME at `addr`, sends `outbind` with `system_id` and `password`
    /// and serves its bind like any other; reconnects while it fails or after the link
    /// ended ([`ServerConfig::outbind_retry`]) until [`Server::cancel_outbind`].
    pub fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) -> OutbindId {
        self.shared
            .with(|c, now| c.ep.outbind(now, addr, system_id, password))
    }

    /// Stops connecting to an outbind target (a connection it has stays).
    pub fn cancel_outbind(&self, id: OutbindId) {
        self.shared.with(|c, _| c.ep.cancel_outbind(id));
    }

    /// Stops accepting (idempotent) and starts the endpoint's graceful shutdown.
    fn begin_shutdown(&self) {
        let addrs = {
            let listeners = lock(&self.shared.listeners);
            if self.shared.stopping.swap(true, Ordering::SeqCst) {
                return;
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
        for h in std::mem::take(&mut *lock(&self.accept)) {
            let _ = h.join();
        }
        self.shared.with(|c, now| c.ep.shutdown(now));
    }

    /// Stops accepting, unbinds every session (letting outstanding requests drain) and
    /// closes; returns when all connections ended, or when `timeout` passed (the rest are
    /// then aborted). Messages still queued are given up ([`GiveUpReason::Shutdown`](smpp_core::server::GiveUpReason::Shutdown)).
    pub fn shutdown(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        self.begin_shutdown();
        let empty = |c: &pump::Core| c.ep.connection_count() == 0;
        if !self.shared.wait_removed(deadline, empty) {
            self.shared.with(|c, now| c.ep.abort_all(now));
            self.shared.shutdown_sockets();
            self.shared
                .wait_removed(Instant::now() + Duration::from_secs(1), empty);
        }
        if let Some(store) = self.shared.store.get() {
            store.stop();
        }
    }
}

impl Drop for Server {
    /// Stops accepting and unbinds every session in the background.
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .finish()
    }
}
