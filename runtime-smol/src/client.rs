//! The ESME side: connect, bind, send with backpressure, receive, reconnect.

use crate::error::Error;
use crate::link::{Driver, Hooks, Link, ResponseFuture};
use crate::oneshot;
use crate::{IncomingRequest, LinkState, Response};
use futures_lite::{AsyncRead, AsyncWrite};
use smol::channel::{Receiver, Sender};
use smol::net::{AsyncToSocketAddrs, TcpListener, TcpStream};
pub use smpp_core::adapter::ClientConfig;
use smpp_core::pdu::Body;
use smpp_core::reconnect::ReconnectPolicy;
use smpp_core::session::{BindType, CloseReason, Counters, Event, Role, Session, State};
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Context;
use std::time::Duration;

/// Requests from the SMSC (`deliver_sm`, `data_sm`, `alert_notification`, ...), in arrival
/// order, over every connection of the client. The stream ends when the client closed for
/// good.
pub type Incoming = Receiver<IncomingRequest>;

/// How a new connection starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Send our bind at once.
    Bind,
    /// Wait for the SMSC's `outbind`, then bind as receiver.
    Outbind,
}

/// Where and how a reconnect opens the link again.
struct Dial {
    addrs: Vec<SocketAddr>,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::TlsDialer>,
}

struct ClientShared {
    link: Arc<Link>,
    config: ClientConfig,
    incoming: Sender<IncomingRequest>,
    state: Mutex<LinkState>,
    watchers: Mutex<Vec<Sender<LinkState>>>,
    /// The first bind's outcome, for `connect`.
    bind_result: Mutex<Option<oneshot::Sender<Result<(), Error>>>>,
    /// Bound during the current connection (resets the reconnect attempt count).
    bound_now: AtomicBool,
    /// Bound at least once: only then does a loss reconnect.
    ever_bound: AtomicBool,
    /// The connection can be reopened (TCP with a reconnect policy).
    reconnects: AtomicBool,
    /// Closed when the application closes the client: interrupts reconnect waits.
    stop: (Sender<()>, Receiver<()>),
    /// Held by the supervisor task; its drop tells `unbind` the client is closed.
    finished: Mutex<Option<Sender<()>>>,
    finished_rx: Receiver<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ClientShared {
    fn set_state(&self, s: LinkState) {
        let mut cur = lock(&self.state);
        if *cur == s {
            return;
        }
        *cur = s;
        lock(&self.watchers).retain(|w| w.try_send(s).is_ok());
    }

    fn complete_bind(&self, r: Result<(), Error>) {
        if let Some(tx) = lock(&self.bind_result).take() {
            tx.send(r);
        }
    }

    /// Starts closing: unbind when bound, else abort; no reconnect afterwards.
    fn begin_close(&self) {
        let mut g = self.link.lock();
        g.shut = true;
        let now = self.link.now();
        match g.session.state() {
            State::Bound(_) => {
                if g.session.unbind(now).is_ok() {
                    // Before the driver can see the unbind (it needs the lock), so that
                    // `Closed` always comes after.
                    self.set_state(LinkState::Unbinding);
                }
            }
            State::Unbinding(_) | State::Closed => {}
            _ => g.session.abort(now),
        }
        Link::wake(g);
        self.stop.0.close();
    }

    /// Installs a fresh session on `io` and returns its driver.
    fn start_session<S>(
        self: &Arc<Self>,
        io: S,
        peer: Option<SocketAddr>,
        mode: Mode,
    ) -> Result<Driver<S, ClientHooks>, Error>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let link = &self.link;
        let now = link.now();
        let config = self.config.session.clone().with_role(Role::Esme);
        let mut g = link.lock();
        if g.shut {
            return Err(Error::Closed);
        }
        g.session = Session::new(config, now);
        g.generation += 1;
        g.peer = peer;
        g.lost = None;
        g.reconnecting = false;
        self.bound_now.store(false, Ordering::Relaxed);
        if mode == Mode::Bind {
            let bind = self.config.bind_body();
            g.session
                .bind(now, self.config.bind_type, &bind)
                .map_err(Error::Session)?;
        }
        drop(g);
        self.set_state(match mode {
            Mode::Bind => LinkState::Binding,
            Mode::Outbind => LinkState::Connecting,
        });
        let hooks = Arc::new(ClientHooks {
            shared: self.clone(),
        });
        Ok(Driver::new(io, link.clone(), hooks))
    }

    /// The client is over: final state, end of the `Incoming` and state streams.
    fn finish(&self, reason: Option<CloseReason>) {
        self.complete_bind(Err(match reason {
            Some(r) => Error::ConnectionLost(r),
            None => Error::Closed,
        }));
        self.incoming.close();
        self.set_state(LinkState::Closed(reason));
        lock(&self.watchers).clear();
        lock(&self.finished).take();
    }

    async fn reconnect_loop(
        self: &Arc<Self>,
        policy: ReconnectPolicy,
        dial: Dial,
        mut reason: CloseReason,
    ) -> CloseReason {
        let mut attempt = 0u32;
        loop {
            if self.link.lock().shut {
                return reason;
            }
            if self.bound_now.swap(false, Ordering::Relaxed) {
                attempt = 0;
            }
            attempt = attempt.saturating_add(1);
            let Some(delay) = policy.delay(attempt, random()) else {
                return reason;
            };
            self.link.lock().reconnecting = true;
            let delay: Duration = delay.into();
            self.set_state(LinkState::Reconnecting { attempt, delay });
            if !self.sleep_unless_stopped(delay).await {
                return reason;
            }
            self.set_state(LinkState::Connecting);
            let connect = connect_tcp(&dial.addrs, self.config.connect_timeout);
            let stopped = async {
                let _ = self.stop.1.recv().await;
                Err(Error::Closed)
            };
            let stream = match futures_lite::future::or(connect, stopped).await {
                Ok(s) => s,
                Err(e) => {
                    log::debug!("reconnect attempt {attempt} failed: {e}");
                    continue;
                }
            };
            let peer = stream.peer_addr().ok();
            #[cfg(feature = "tls")]
            if let Some(tls) = &dial.tls {
                let stream = match tls.handshake(stream).await {
                    Ok(s) => s,
                    Err(e) => {
                        log::debug!("reconnect attempt {attempt} failed: {e}");
                        continue;
                    }
                };
                match self.start_session(stream, peer, Mode::Bind) {
                    Ok(driver) => reason = driver.run().await,
                    Err(_) => return reason,
                }
                continue;
            }
            match self.start_session(stream, peer, Mode::Bind) {
                Ok(driver) => reason = driver.run().await,
                Err(_) => return reason,
            }
        }
    }

    /// Sleeps for `d`; false when the client was closed meanwhile.
    async fn sleep_unless_stopped(&self, d: Duration) -> bool {
        let sleep = async {
            async_io::Timer::after(d).await;
            true
        };
        let stopped = async {
            let _ = self.stop.1.recv().await;
            false
        };
        futures_lite::future::or(sleep, stopped).await
    }
}

/// A random value for reconnect jitter.
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

async fn connect_tcp(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let connect = async {
        let mut last = None;
        for a in addrs {
            match TcpStream::connect(*a).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(Error::Io(last.unwrap_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, "no address to connect to")
        })))
    };
    let timer = async {
        async_io::Timer::after(timeout).await;
        Err(Error::ConnectTimeout)
    };
    futures_lite::future::or(connect, timer).await
}

/// The client's reactions to session events.
struct ClientHooks {
    shared: Arc<ClientShared>,
}

impl Hooks for ClientHooks {
    fn on_events(&self, link: &Arc<Link>, events: &mut Vec<Event>, _cx: &mut Context<'_>) {
        let shared = &self.shared;
        for ev in events.drain(..) {
            match ev {
                Event::Bound { bind_type, .. } => {
                    shared.bound_now.store(true, Ordering::Relaxed);
                    shared.ever_bound.store(true, Ordering::Relaxed);
                    shared.set_state(LinkState::Bound(bind_type));
                    shared.complete_bind(Ok(()));
                }
                Event::BindFailed { status: Some(s) } => {
                    shared.complete_bind(Err(Error::BindFailed(Some(s))));
                }
                Event::BindFailed { status: None } => {}
                Event::Request {
                    frame,
                    auto_responded,
                } => {
                    let responder = if auto_responded {
                        None
                    } else {
                        Some((link.clone(), link.lock().generation))
                    };
                    // A closed receiver drops the request, which answers it ESME_RX_T_APPN.
                    let _ = shared
                        .incoming
                        .try_send(IncomingRequest::new(frame, responder));
                }
                Event::Outbind { .. } => {
                    let mut g = link.lock();
                    let now = link.now();
                    let bind = shared.config.bind_body();
                    match g.session.bind(now, BindType::Receiver, &bind) {
                        Ok(_) => {
                            Link::wake(g);
                            shared.set_state(LinkState::Binding);
                        }
                        Err(e) => {
                            g.session.abort(now);
                            Link::wake(g);
                            shared.complete_bind(Err(Error::Session(e)));
                        }
                    }
                }
                Event::Closed { reason } => {
                    if shared.reconnects.load(Ordering::Relaxed)
                        && shared.ever_bound.load(Ordering::Relaxed)
                    {
                        // Requests from now on fail as "not bound", not as a lost link.
                        let mut g = link.lock();
                        g.reconnecting = !g.shut;
                    }
                    let e = match reason {
                        CloseReason::BindTimeout => Error::BindFailed(None),
                        CloseReason::BindFailed(s) => Error::BindFailed(Some(s)),
                        r => Error::ConnectionLost(r),
                    };
                    shared.complete_bind(Err(e));
                }
                Event::UnmatchedResponse { frame, late } => {
                    log::debug!("unmatched response {frame:?} (late: {late})");
                }
                Event::Throttled { status, resume_at } => {
                    log::debug!("throttled by the SMSC ({status}); resuming at {resume_at:?}");
                }
                Event::InvalidPdu { error, .. } => log::warn!("invalid PDU from the SMSC: {error}"),
                Event::RejectedRequest {
                    command_id, status, ..
                } => log::debug!("refused {command_id} from the SMSC with {status}"),
                other => log::debug!("session event {other:?}"),
            }
        }
    }
}

/// Closes the client in the background when the last handle goes.
struct DropGuard(Arc<ClientShared>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.begin_close();
    }
}

/// An ESME: one SMPP link to an SMSC, shared by any number of clones.
///
/// Every clone uses the same link. Dropping the last clone unbinds and closes in the
/// background, as [`Client::unbind`] does.
#[derive(Clone)]
pub struct Client {
    shared: Arc<ClientShared>,
    _guard: Arc<DropGuard>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("system_id", &self.shared.config.system_id)
            .field("state", &self.state())
            .finish()
    }
}

impl Client {
    fn create(config: ClientConfig) -> (Client, Incoming) {
        let session = Session::new(
            config.session.clone().with_role(Role::Esme),
            smpp_core::Instant::ZERO,
        );
        let link = Link::new(session, config.trace.clone(), None);
        let (incoming, incoming_rx) = smol::channel::unbounded();
        let (fin_tx, fin_rx) = smol::channel::bounded(1);
        let shared = Arc::new(ClientShared {
            link,
            config,
            incoming,
            state: Mutex::new(LinkState::Connecting),
            watchers: Mutex::new(Vec::new()),
            bind_result: Mutex::new(None),
            bound_now: AtomicBool::new(false),
            ever_bound: AtomicBool::new(false),
            reconnects: AtomicBool::new(false),
            stop: smol::channel::bounded(1),
            finished: Mutex::new(Some(fin_tx)),
            finished_rx: fin_rx,
        });
        let guard = Arc::new(DropGuard(shared.clone()));
        (
            Client {
                shared,
                _guard: guard,
            },
            incoming_rx,
        )
    }

    /// Resolves `addr`, connects (within `connect_timeout`) and binds; returns once bound.
    ///
    /// With `config.reconnect`, a link lost later is reconnected and rebound with the
    /// policy's back-off, and the same `Client` keeps working: requests in flight when the
    /// link drops fail with [`Error::ConnectionLost`], requests made while not bound fail
    /// at once with [`Error::Session`]`(`[`SessionError::InvalidState`](smpp_core::session::SessionError::InvalidState)`)`.
    /// A failed first bind is not retried.
    pub async fn connect<A: AsyncToSocketAddrs>(
        addr: A,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let addrs = smol::net::resolve(addr).await?;
        let timeout = config.connect_timeout;
        let (client, incoming) = Client::create(config);
        let stream = connect_tcp(&addrs, timeout).await?;
        let peer = stream.peer_addr().ok();
        let reconnect = client.shared.config.reconnect.map(|p| {
            let dial = Dial {
                addrs,
                #[cfg(feature = "tls")]
                tls: None,
            };
            (p, dial)
        });
        client.launch(stream, peer, Mode::Bind, reconnect).await?;
        Ok((client, incoming))
    }

    /// [`Client::connect`] over TLS (SMPPS): connects, verifies the SMSC's certificate as
    /// `tls` says (by default against the host part of `addr`, `"host:port"` or a
    /// `SocketAddr`), then binds. The handshake must complete within the session's
    /// `bind_timeout`; a failed handshake gives [`Error::Tls`] naming the problem (unknown
    /// CA, wrong name, a listener that does not speak TLS). Reconnects (with
    /// `config.reconnect`) use TLS too.
    #[cfg(feature = "tls")]
    pub async fn connect_tls<A: AsyncToSocketAddrs + fmt::Display>(
        addr: A,
        config: ClientConfig,
        tls: crate::TlsClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let dialer = crate::tls::TlsDialer::new(
            &tls,
            &addr.to_string(),
            config.session.bind_timeout.into(),
        )?;
        let addrs = smol::net::resolve(addr).await?;
        let timeout = config.connect_timeout;
        let (client, incoming) = Client::create(config);
        let stream = connect_tcp(&addrs, timeout).await?;
        let peer = stream.peer_addr().ok();
        let stream = dialer.handshake(stream).await?;
        let reconnect = client.shared.config.reconnect.map(|p| {
            let dial = Dial {
                addrs,
                tls: Some(dialer),
            };
            (p, dial)
        });
        client.launch(stream, peer, Mode::Bind, reconnect).await?;
        Ok((client, incoming))
    }

    /// Binds over a byte stream the application opened (TLS, a proxy, ...). The client
    /// cannot reopen such a stream, so `config.reconnect` is ignored.
    pub async fn bind_stream<S>(
        stream: S,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (client, incoming) = Client::create(config);
        client.launch(stream, None, Mode::Bind, None).await?;
        Ok((client, incoming))
    }

    /// Listens on `addr`, accepts one connection from the SMSC, waits for its `outbind`
    /// (within the session's bind timeout) and answers with `bind_receiver`; returns once
    /// bound. `config.reconnect` is ignored.
    pub async fn listen_outbind<A: AsyncToSocketAddrs>(
        addr: A,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let listener = TcpListener::bind(addr).await?;
        Client::accept_outbind(&listener, config).await
    }

    /// Like [`Client::listen_outbind`] on a listener the application bound (for example on
    /// port 0).
    pub async fn accept_outbind(
        listener: &TcpListener,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let (stream, peer) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        Client::outbind_stream_with_peer(stream, Some(peer), config).await
    }

    /// Waits for the SMSC's `outbind` on a stream the application opened, then binds as
    /// receiver.
    pub async fn outbind_stream<S>(
        stream: S,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        Client::outbind_stream_with_peer(stream, None, config).await
    }

    async fn outbind_stream_with_peer<S>(
        stream: S,
        peer: Option<SocketAddr>,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let wait: Duration = config.session.bind_timeout.into();
        let (client, incoming) = Client::create(config);
        let launch = client.launch(stream, peer, Mode::Outbind, None);
        let timeout = async {
            async_io::Timer::after(wait).await;
            Err(Error::BindFailed(None))
        };
        futures_lite::future::or(launch, timeout).await?;
        Ok((client, incoming))
    }

    /// Starts the connection's task and waits for the bind.
    async fn launch<S>(
        &self,
        stream: S,
        peer: Option<SocketAddr>,
        mode: Mode,
        reconnect: Option<(ReconnectPolicy, Dial)>,
    ) -> Result<(), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let shared = &self.shared;
        let (tx, rx) = oneshot::channel();
        *lock(&shared.bind_result) = Some(tx);
        shared
            .reconnects
            .store(reconnect.is_some(), Ordering::Relaxed);
        let driver = match shared.start_session(stream, peer, mode) {
            Ok(d) => d,
            Err(e) => {
                shared.finish(None);
                return Err(e);
            }
        };
        let sup = shared.clone();
        smol::spawn(async move {
            let mut reason = driver.run().await;
            if let Some((policy, dial)) = reconnect {
                if sup.ever_bound.load(Ordering::Relaxed) {
                    reason = sup.reconnect_loop(policy, dial, reason).await;
                }
            }
            sup.finish(Some(reason));
        })
        .detach();
        rx.await.unwrap_or(Err(Error::Closed))
    }

    /// Sends a request and waits for its response. When the window is full, waits for a
    /// free slot first (backpressure).
    pub async fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        self.send_pipelined(body).await?.await
    }

    /// Sends a request (waiting for a window slot when the window is full) and returns at
    /// once with a future of its response, so that many requests can be outstanding.
    pub async fn send_pipelined(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        self.shared.link.send_pipelined(body).await
    }

    /// Sends a request if the window has room now; fails with
    /// [`Error::Session`]`(`[`SessionError::WindowFull`](smpp_core::session::SessionError::WindowFull)`)`
    /// otherwise.
    pub fn try_send(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        self.shared.link.try_send(body)
    }

    /// Unbinds: no new requests; outstanding ones drain (up to the session's drain
    /// timeout); then the unbind exchange and close. Returns when the client is closed
    /// (also when it was closed already).
    pub async fn unbind(&self) -> Result<(), Error> {
        self.shared.begin_close();
        let _ = self.shared.finished_rx.recv().await;
        Ok(())
    }

    /// Closes at once: outstanding requests fail with
    /// [`Error::ConnectionLost`]`(`[`CloseReason::Aborted`]`)`.
    pub fn abort(&self) {
        let mut g = self.shared.link.lock();
        g.shut = true;
        let now = self.shared.link.now();
        g.session.abort(now);
        Link::wake(g);
        self.shared.stop.0.close();
    }

    /// The connection state now.
    pub fn state(&self) -> LinkState {
        *lock(&self.shared.state)
    }

    /// A stream of the state changes from now on (each call makes a new subscriber); it
    /// ends after [`LinkState::Closed`].
    pub fn state_changes(&self) -> Receiver<LinkState> {
        let (tx, rx) = smol::channel::unbounded();
        let closed = matches!(self.state(), LinkState::Closed(_));
        if !closed {
            lock(&self.shared.watchers).push(tx);
        }
        rx
    }

    /// The current session's counters (a new connection starts from zero).
    pub fn counters(&self) -> Counters {
        self.shared.link.lock().session.counters().clone()
    }

    /// The SMSC's address, when connected over TCP.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.shared.link.lock().peer
    }
}
