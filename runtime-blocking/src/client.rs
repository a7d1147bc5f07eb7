//! The client (ESME): connect, bind, send, receive, reconnect.

use crate::common::{Incoming, IncomingRequest, LinkState, Transport};
use crate::conn::{lock, Callback, Conn, Hooks, Slot, Waiter};
use crate::{Error, Response};
pub use smpp_core::client::ClientConfig;
use smpp_core::pdu::Body;
use smpp_core::session::{BindType, CloseReason, Counters, Event, Role, SessionConfig};
use smpp_core::session::{SessionError, State};
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::Duration;

/// A bound SMPP client. Cheap to clone; every clone drives the same link. Dropping the last
/// clone unbinds in the background.
#[derive(Clone)]
pub struct Client {
    handle: Arc<Handle>,
}

/// Owned by the clones of a [`Client`]; dropping it closes the client.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.close_in_background();
    }
}

/// TLS for the client's connections (none without the `tls` feature).
#[cfg(feature = "tls")]
type Dialer = crate::tls::TlsDialer;
#[cfg(not(feature = "tls"))]
type Dialer = std::convert::Infallible;

struct Shared {
    config: ClientConfig,
    /// Where to reconnect to (empty: no reconnect, e.g. for user streams).
    addrs: Vec<SocketAddr>,
    /// TLS over each new connection.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    tls: Option<Dialer>,
    current: Mutex<Option<Arc<Conn>>>,
    link: Mutex<LinkState>,
    subscribers: Mutex<Vec<Sender<LinkState>>>,
    incoming: Mutex<Option<Sender<IncomingRequest>>>,
    user_closed: AtomicBool,
    sleeper: (Mutex<()>, Condvar),
    last_reason: Mutex<Option<CloseReason>>,
}

struct ClientHooks {
    client: Weak<Shared>,
}

impl Hooks for ClientHooks {
    fn events(&self, conn: &Arc<Conn>, events: Vec<Event>) {
        for e in events {
            if let Event::Closed { reason } = e {
                if let Some(c) = self.client.upgrade() {
                    c.on_conn_closed(conn, reason);
                }
            }
        }
    }
}

fn std_duration(d: smpp_core::Duration) -> Duration {
    d.into()
}

fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    h.write_u128(t);
    h.finish()
}

fn connect_tcp(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => last = Some(Error::ConnectTimeout),
            Err(e) => last = Some(Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to connect to",
        ))
    }))
}

impl Shared {
    fn new(
        config: ClientConfig,
        addrs: Vec<SocketAddr>,
        tls: Option<Dialer>,
    ) -> (Arc<Shared>, Incoming) {
        let (tx, rx) = mpsc::channel();
        let shared = Arc::new(Shared {
            config,
            addrs,
            tls,
            current: Mutex::new(None),
            link: Mutex::new(LinkState::Connecting),
            subscribers: Mutex::new(Vec::new()),
            incoming: Mutex::new(Some(tx)),
            user_closed: AtomicBool::new(false),
            sleeper: (Mutex::new(()), Condvar::new()),
            last_reason: Mutex::new(None),
        });
        (shared, Incoming::new(rx))
    }

    fn set_state(&self, s: LinkState) {
        let mut link = lock(&self.link);
        if *link == s {
            return;
        }
        *link = s;
        lock(&self.subscribers).retain(|tx| tx.send(s).is_ok());
    }

    fn is_user_closed(&self) -> bool {
        self.user_closed.load(Ordering::SeqCst)
    }

    fn can_reconnect(&self) -> bool {
        self.config.reconnect.is_some() && !self.addrs.is_empty()
    }

    /// The client is over: final state, and the `Incoming` iteration ends.
    fn finish(&self, reason: Option<CloseReason>) {
        self.set_state(LinkState::Closed(reason));
        let tx = lock(&self.incoming).take();
        drop(tx);
        lock(&self.subscribers).clear();
    }

    fn session_config(&self) -> SessionConfig {
        self.config.session.clone().with_role(Role::Esme)
    }

    /// Starts a session over `transport` (not yet bound).
    fn start_session<T: Transport>(
        self: &Arc<Self>,
        transport: T,
        peer: Option<SocketAddr>,
    ) -> Result<Arc<Conn>, Error> {
        let incoming = lock(&self.incoming).clone();
        if incoming.is_none() {
            return Err(Error::Closed);
        }
        let hooks = Box::new(ClientHooks {
            client: Arc::downgrade(self),
        });
        let conn = Conn::spawn(
            transport,
            self.session_config(),
            peer,
            self.config.trace.clone(),
            hooks,
            incoming,
        )?;
        Ok(conn)
    }

    /// Binds on a fresh session and waits for the outcome.
    fn bind(&self, conn: &Arc<Conn>, bind_type: BindType) -> Result<BindType, Error> {
        self.set_state(LinkState::Binding);
        let bind = self.config.bind_body();
        if let Err(e) = conn.with(|s, now| s.bind(now, bind_type, &bind)) {
            conn.force_close();
            return Err(Error::Session(e));
        }
        let wait = std_duration(self.config.session.bind_timeout) + Duration::from_secs(1);
        conn.wait_until(wait, |st| st.bind_result.is_some());
        let result = conn.lock().bind_result.take();
        match result {
            Some(Ok(b)) => Ok(b),
            Some(Err(e)) => {
                conn.force_close();
                Err(e)
            }
            None => {
                conn.force_close();
                Err(Error::BindFailed(None))
            }
        }
    }

    /// Connects over TCP and binds.
    fn establish(self: &Arc<Self>) -> Result<(Arc<Conn>, BindType), Error> {
        self.set_state(LinkState::Connecting);
        let stream = connect_tcp(&self.addrs, self.config.connect_timeout)?;
        let _ = stream.set_nodelay(true);
        let peer = stream.peer_addr().ok();
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            let stream = tls.handshake(stream)?;
            let conn = self.start_session(stream, peer)?;
            let bt = self.bind(&conn, self.config.bind_type)?;
            return Ok((conn, bt));
        }
        let conn = self.start_session(stream, peer)?;
        let bt = self.bind(&conn, self.config.bind_type)?;
        Ok((conn, bt))
    }

    /// Makes a bound connection the current one.
    fn install(self: &Arc<Self>, conn: Arc<Conn>, bind_type: BindType) {
        {
            let mut cur = lock(&self.current);
            if self.is_user_closed() {
                drop(cur);
                conn.unbind_or_abort();
                self.finish(None);
                return;
            }
            *cur = Some(conn.clone());
        }
        self.set_state(LinkState::Bound(bind_type));
        if let Some(reason) = conn.close_reason() {
            // It closed before it was installed: its close went unhandled.
            self.on_conn_closed(&conn, reason);
        }
    }

    fn on_conn_closed(self: &Arc<Self>, conn: &Arc<Conn>, reason: CloseReason) {
        {
            let mut cur = lock(&self.current);
            match &*cur {
                Some(c) if Arc::ptr_eq(c, conn) => *cur = None,
                _ => return,
            }
        }
        *lock(&self.last_reason) = Some(reason);
        if self.is_user_closed() || !self.can_reconnect() {
            self.finish(Some(reason));
            return;
        }
        let me = self.clone();
        let spawned = std::thread::Builder::new()
            .name("smpp-reconnect".into())
            .spawn(move || me.reconnect_loop());
        if spawned.is_err() {
            self.finish(Some(reason));
        }
    }

    fn reconnect_loop(self: Arc<Self>) {
        let Some(policy) = self.config.reconnect else {
            return;
        };
        let mut attempt = 1;
        loop {
            let last = *lock(&self.last_reason);
            if self.is_user_closed() {
                self.finish(last);
                return;
            }
            let Some(delay) = policy.delay(attempt, random_u64()) else {
                self.finish(last);
                return;
            };
            let delay = std_duration(delay);
            self.set_state(LinkState::Reconnecting { attempt, delay });
            if self.sleep(delay) {
                self.finish(last);
                return;
            }
            match self.establish() {
                Ok((conn, bt)) => {
                    log::info!("smpp: reconnected after {attempt} attempt(s)");
                    self.install(conn, bt);
                    return;
                }
                Err(e) => {
                    log::info!("smpp: reconnect attempt {attempt} failed: {e}");
                    attempt = attempt.saturating_add(1);
                }
            }
        }
    }

    /// Sleeps; true when the client was closed meanwhile.
    fn sleep(&self, d: Duration) -> bool {
        let deadline = std::time::Instant::now() + d;
        let (m, cv) = &self.sleeper;
        let mut g = lock(m);
        loop {
            if self.is_user_closed() {
                return true;
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            g = cv
                .wait_timeout(g, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    fn mark_user_closed(&self) {
        self.user_closed.store(true, Ordering::SeqCst);
        let _g = lock(&self.sleeper.0);
        self.sleeper.1.notify_all();
    }

    /// The error for a request made while no bound link exists.
    fn not_bound_error(&self, conn: Option<&Arc<Conn>>) -> Error {
        if self.is_user_closed() {
            return Error::Closed;
        }
        let reason = conn
            .and_then(|c| c.close_reason())
            .or(*lock(&self.last_reason));
        let state = *lock(&self.link);
        if self.can_reconnect() && !matches!(state, LinkState::Closed(_)) {
            return Error::Session(SessionError::InvalidState {
                state: State::Closed,
            });
        }
        match reason {
            Some(r) => Error::ConnectionLost(r),
            None => Error::Closed,
        }
    }

    fn start(&self, body: &Body<'_>, waiter: Waiter, wait: bool) -> Result<u32, Error> {
        let conn = lock(&self.current).clone();
        let Some(conn) = conn else {
            return Err(self.not_bound_error(None));
        };
        let until = wait.then(|| {
            std::time::Instant::now() + std_duration(self.config.session.response_timeout)
        });
        match conn.request(body, waiter, until) {
            Err(Error::Session(SessionError::Closed)) => Err(self.not_bound_error(Some(&conn))),
            r => r,
        }
    }

    fn close_in_background(&self) {
        self.mark_user_closed();
        let conn = lock(&self.current).clone();
        match conn {
            Some(conn) => {
                self.set_state(LinkState::Unbinding);
                conn.unbind_or_abort();
            }
            None => {
                let last = *lock(&self.last_reason);
                self.finish(last);
            }
        }
    }
}

impl Client {
    fn from_shared(shared: Arc<Shared>) -> Client {
        Client {
            handle: Arc::new(Handle { shared }),
        }
    }

    /// Resolves `addr`, connects (within `connect_timeout`) and binds; returns once bound.
    /// With `config.reconnect`, later link losses reconnect and rebind with the policy's
    /// back-off and this `Client` keeps working.
    pub fn connect<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        let (shared, incoming) = Shared::new(config, addrs, None);
        match shared.establish() {
            Ok((conn, bt)) => {
                shared.install(conn, bt);
                Ok((Client::from_shared(shared), incoming))
            }
            Err(e) => {
                shared.mark_user_closed();
                shared.finish(None);
                Err(e)
            }
        }
    }

    /// [`Client::connect`] over TLS (SMPPS): connects, verifies the SMSC's certificate as
    /// `tls` says (by default against the host part of `addr`, `"host:port"` or a
    /// `SocketAddr`), then binds. The handshake must complete within the session's
    /// `bind_timeout`; a failed handshake gives [`Error::Tls`] naming the problem (unknown
    /// CA, wrong name, a listener that does not speak TLS). Reconnects (with
    /// `config.reconnect`) use TLS too.
    #[cfg(feature = "tls")]
    pub fn connect_tls<A: ToSocketAddrs + fmt::Display>(
        addr: A,
        config: ClientConfig,
        tls: crate::TlsClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let timeout = std_duration(config.session.bind_timeout);
        let dialer = crate::tls::TlsDialer::new(&tls, &addr.to_string(), timeout)?;
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        let (shared, incoming) = Shared::new(config, addrs, Some(dialer));
        match shared.establish() {
            Ok((conn, bt)) => {
                shared.install(conn, bt);
                Ok((Client::from_shared(shared), incoming))
            }
            Err(e) => {
                shared.mark_user_closed();
                shared.finish(None);
                Err(e)
            }
        }
    }

    /// Binds over a stream the caller opened (TLS, a proxy, a Unix socket, ...). There is
    /// no reconnect: the stream cannot be reopened.
    pub fn bind_stream<S: Transport>(
        stream: S,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let (shared, incoming) = Shared::new(config, Vec::new(), None);
        let result = shared.start_session(stream, None).and_then(|conn| {
            shared
                .bind(&conn, shared.config.bind_type)
                .map(|b| (conn, b))
        });
        match result {
            Ok((conn, bt)) => {
                shared.install(conn, bt);
                Ok((Client::from_shared(shared), incoming))
            }
            Err(e) => {
                shared.mark_user_closed();
                shared.finish(None);
                Err(e)
            }
        }
    }

    /// Listens on `addr`, accepts one connection from the SMSC, waits for its `outbind` and
    /// answers with `bind_receiver` (whatever `config.bind_type` says). Waits at most
    /// `connect_timeout` for the connection and the outbind.
    pub fn listen_outbind<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let listener = TcpListener::bind(addr)?;
        Client::accept_outbind(&listener, config)
    }

    /// [`Client::listen_outbind`] on a listener the caller bound (for example on port 0).
    pub fn accept_outbind(
        listener: &TcpListener,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let deadline = std::time::Instant::now() + config.connect_timeout;
        let (shared, incoming) = Shared::new(config, Vec::new(), None);
        let fail = |shared: &Arc<Shared>, e: Error| {
            shared.mark_user_closed();
            shared.finish(None);
            Err(e)
        };
        let stream = match accept_until(listener, deadline) {
            Ok(s) => s,
            Err(e) => return fail(&shared, e),
        };
        let _ = stream.set_nodelay(true);
        let peer = stream.peer_addr().ok();
        let conn = match shared.start_session(stream, peer) {
            Ok(c) => c,
            Err(e) => return fail(&shared, e),
        };
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if !conn.wait_until(left, |st| st.outbind || st.closed.is_some()) {
            conn.force_close();
            return fail(&shared, Error::ConnectTimeout);
        }
        if !conn.lock().outbind {
            let e = conn.lost_error();
            return fail(&shared, e);
        }
        match shared.bind(&conn, BindType::Receiver) {
            Ok(bt) => {
                shared.install(conn, bt);
                Ok((Client::from_shared(shared), incoming))
            }
            Err(e) => fail(&shared, e),
        }
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    /// Sends a request and waits for its response (up to the response timeout). When the
    /// window is full, first waits for a free slot (backpressure).
    pub fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let slot = Slot::new();
        self.shared()
            .start(body, Waiter::Slot(slot.clone()), true)?;
        slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Like [`Client::send`], but fails at once with
    /// `Error::Session(SessionError::WindowFull{..})` when the window is full.
    pub fn try_send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let slot = Slot::new();
        self.shared()
            .start(body, Waiter::Slot(slot.clone()), false)?;
        slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Encodes and queues a request, returning a [`Ticket`] for its response; many can be
    /// outstanding (pipelining, up to the window). Waits for a free slot when the window is
    /// full.
    pub fn submit(&self, body: &Body<'_>) -> Result<Ticket, Error> {
        let slot = Slot::new();
        let seq = self
            .shared()
            .start(body, Waiter::Slot(slot.clone()), true)?;
        Ok(Ticket { slot, seq })
    }

    /// Queues a request whose result goes to `callback` (called on the connection's reader
    /// or timer thread: keep it short and do not block in it). Returns the request's
    /// sequence number. Waits for a free slot when the window is full.
    pub fn submit_with(
        &self,
        body: &Body<'_>,
        callback: impl FnOnce(Result<Response, Error>) + Send + 'static,
    ) -> Result<u32, Error> {
        let cb: Callback = Box::new(callback);
        self.shared().start(body, Waiter::Callback(cb), true)
    }

    /// Unbinds: no new requests; outstanding ones drain (up to the session's drain
    /// timeout); then the unbind exchange, and the connection closes. Returns when closed.
    /// Ends reconnecting for good.
    pub fn unbind(&self) -> Result<(), Error> {
        let shared = self.shared();
        shared.mark_user_closed();
        let conn = lock(&shared.current).take();
        let Some(conn) = conn else {
            let last = *lock(&shared.last_reason);
            shared.finish(last);
            return Ok(());
        };
        shared.set_state(LinkState::Unbinding);
        conn.unbind_or_abort();
        let cfg = &shared.config.session;
        let wait = std_duration(cfg.drain_timeout)
            + std_duration(cfg.unbind_timeout)
            + Duration::from_secs(1);
        if !conn.wait_until(wait, |st| st.closed.is_some()) {
            conn.force_close();
        }
        let reason = conn.close_reason();
        shared.finish(reason);
        match reason {
            None | Some(CloseReason::Unbound | CloseReason::PeerUnbound) => Ok(()),
            Some(r) => Err(Error::ConnectionLost(r)),
        }
    }

    /// The link's state now.
    pub fn state(&self) -> LinkState {
        *lock(&self.shared().link)
    }

    /// A channel of the link's state changes from now on.
    pub fn state_changes(&self) -> Receiver<LinkState> {
        let (tx, rx) = mpsc::channel();
        let shared = self.shared();
        if !matches!(*lock(&shared.link), LinkState::Closed(_)) {
            lock(&shared.subscribers).push(tx);
        }
        rx
    }

    /// The current connection's counters (a new connection after a reconnect starts from
    /// zero).
    pub fn counters(&self) -> Counters {
        let conn = lock(&self.shared().current).clone();
        conn.map(|c| c.lock().session.counters().clone())
            .unwrap_or_default()
    }

    /// The peer's address, when connected over TCP.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        lock(&self.shared().current).as_ref().and_then(|c| c.peer)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("system_id", &self.shared().config.system_id)
            .field("state", &self.state())
            .finish()
    }
}

fn accept_until(listener: &TcpListener, deadline: std::time::Instant) -> Result<TcpStream, Error> {
    listener.set_nonblocking(true)?;
    let result = loop {
        match listener.accept() {
            Ok((s, _)) => break Ok(s),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() >= deadline {
                    break Err(Error::ConnectTimeout);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(Error::Io(e)),
        }
    };
    listener.set_nonblocking(false)?;
    let s = result?;
    s.set_nonblocking(false)?;
    Ok(s)
}

/// The pending response of a request queued with [`Client::submit`] or
/// [`SessionHandle::submit`](crate::SessionHandle::submit).
pub struct Ticket {
    slot: Arc<Slot>,
    seq: u32,
}

impl Ticket {
    pub(crate) fn new(slot: Arc<Slot>, seq: u32) -> Ticket {
        Ticket { slot, seq }
    }

    /// The request's sequence number.
    pub fn sequence_number(&self) -> u32 {
        self.seq
    }

    /// Waits for the outcome: the response, `Error::Timeout` (no response within the
    /// response timeout) or `Error::ConnectionLost`.
    pub fn wait(self) -> Result<Response, Error> {
        self.slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Waits at most `timeout`; `None` when it passed first (the ticket stays valid).
    /// Returns the outcome once; later calls return `Some(Err(Error::Closed))`.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<Result<Response, Error>> {
        self.slot.wait(Some(std::time::Instant::now() + timeout))
    }

    /// The outcome if it arrived (taken: later calls return `None`).
    pub fn try_get(&self) -> Option<Result<Response, Error>> {
        self.slot.try_take()
    }
}

impl fmt::Debug for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ticket").field("seq", &self.seq).finish()
    }
}
