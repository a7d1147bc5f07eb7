//! The client (ESME): the core's sans-IO [`Endpoint`](smpp_core::client::Endpoint) on
//! blocking sockets and threads — connect, bind, send with backpressure, receive,
//! reconnect. The I/O pump is in `client/pump.rs`.

mod pump;

use crate::common::error_body;
use crate::common::{Incoming, LinkState, Transport};
use crate::conn::Slot;
use crate::io::{Driver, STACK};
use crate::{Error, Response};
use pump::{Core, Shared, Waiter};
pub use smpp_core::client::ClientConfig;
use smpp_core::client::IncomingId;
use smpp_core::client::Mode;
use smpp_core::pdu::Body;
use smpp_core::pdu::CommandId;
use smpp_core::session::SessionError;
use smpp_core::session::{CloseReason, Counters};
use smpp_core::CommandStatus;
use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
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
        self.shared.with(|c, now| {
            c.shut = true;
            c.ep.unbind(now);
        });
    }
}

impl Client {
    /// A client over its first connection `t`, once bound.
    fn launch<T: Transport>(
        t: T,
        peer: Option<SocketAddr>,
        config: ClientConfig,
        mode: Mode,
        dial: Option<Dial>,
        outbind_by: Option<std::time::Instant>,
    ) -> Result<(Client, Incoming), Error> {
        let (shared, incoming) = Shared::new(config, dial);
        shared.launch(t, peer, mode, outbind_by)?;
        let client = Client {
            handle: Arc::new(Handle { shared }),
        };
        Ok((client, incoming))
    }

    /// Resolves `addr`, connects (within `connect_timeout`) and binds; returns once bound.
    /// With `config.reconnect`, later link losses reconnect and rebind with the policy's
    /// back-off and this `Client` keeps working.
    pub fn connect<A: ToSocketAddrs>(
        addr: A,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        let timeout = config.connect_timeout;
        let stream = connect_tcp(&addrs, timeout)?;
        let peer = stream.peer_addr().ok();
        let dial = Dial {
            addrs,
            timeout,
            tls: None,
        };
        Client::launch(stream, peer, config, Mode::Bind, Some(dial), None)
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
        let handshake_timeout = config.session.bind_timeout.into();
        let dialer = crate::tls::TlsDialer::new(&tls, &addr.to_string(), handshake_timeout)?;
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs()?.collect();
        let timeout = config.connect_timeout;
        let stream = connect_tcp(&addrs, timeout)?;
        let peer = stream.peer_addr().ok();
        let stream = dialer.handshake(stream)?;
        let dial = Dial {
            addrs,
            timeout,
            tls: Some(dialer),
        };
        Client::launch(stream, peer, config, Mode::Bind, Some(dial), None)
    }

    /// Binds over a stream the caller opened (TLS, a proxy, a Unix socket, ...). There is
    /// no reconnect: the stream cannot be reopened.
    pub fn bind_stream<S: Transport>(
        stream: S,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error> {
        Client::launch(stream, None, config, Mode::Bind, None, None)
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
        let stream = accept_until(listener, deadline)?;
        let peer = stream.peer_addr().ok();
        Client::launch(stream, peer, config, Mode::Outbind, None, Some(deadline))
    }

    fn shared(&self) -> &Arc<Shared> {
        &self.handle.shared
    }

    /// Sends a request and waits for its response (up to the response timeout). When the
    /// window is full, first waits for a free slot (backpressure).
    pub fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let slot = Slot::new();
        self.shared()
            .request(body, Waiter::Slot(slot.clone()), true)?;
        slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Like [`Client::send`], but fails at once with
    /// `Error::Session(SessionError::WindowFull{..})` when the window is full.
    pub fn try_send(&self, body: &Body<'_>) -> Result<Response, Error> {
        let slot = Slot::new();
        self.shared()
            .request(body, Waiter::Slot(slot.clone()), false)?;
        slot.wait(None).unwrap_or(Err(Error::Timeout))
    }

    /// Encodes and queues a request, returning a [`Ticket`] for its response; many can be
    /// outstanding (pipelining, up to the window). Waits for a free slot when the window is
    /// full.
    pub fn submit(&self, body: &Body<'_>) -> Result<Ticket, Error> {
        let slot = Slot::new();
        let seq = self
            .shared()
            .request(body, Waiter::Slot(slot.clone()), true)?;
        Ok(Ticket { slot, seq })
    }

    /// Queues a request whose result goes to `callback` (called on the thread that saw the
    /// outcome: one of the client's, or the caller of [`Client::abort`] or
    /// [`Client::unbind`]; keep it short and do not block in it). Returns the request's sequence
    /// number. Waits for a free slot when the window is full.
    pub fn submit_with(
        &self,
        body: &Body<'_>,
        callback: impl FnOnce(Result<Response, Error>) + Send + 'static,
    ) -> Result<u32, Error> {
        let waiter = Waiter::Callback(Box::new(callback));
        self.shared().request(body, waiter, true)
    }

    /// Unbinds: no new requests; outstanding ones drain (up to the session's drain
    /// timeout); then the unbind exchange, and the connection closes. Returns when closed.
    /// Ends reconnecting for good.
    pub fn unbind(&self) -> Result<(), Error> {
        match self.shared().unbind() {
            None | Some(CloseReason::Unbound | CloseReason::PeerUnbound) => Ok(()),
            Some(r) => Err(Error::ConnectionLost(r)),
        }
    }

    /// Closes at once: outstanding requests fail with
    /// [`Error::ConnectionLost`]`(`[`CloseReason::Aborted`]`)`. Ends reconnecting for good.
    pub fn abort(&self) {
        self.shared().with(|c, now| {
            c.shut = true;
            c.ep.abort(now);
        });
    }

    /// The link's state now.
    pub fn state(&self) -> LinkState {
        self.shared().lock().ep.state()
    }

    /// A channel of the link's state changes from now on.
    pub fn state_changes(&self) -> Receiver<LinkState> {
        let (tx, rx) = mpsc::channel();
        self.shared().lock().subscribe(tx);
        rx
    }

    /// The current connection's counters (a new connection after a reconnect starts from
    /// zero).
    pub fn counters(&self) -> Counters {
        self.shared().lock().ep.counters().clone()
    }

    /// The peer's address, when connected over TCP.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.shared().lock().peer()
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

/// TLS for the client's connections (none without the `tls` feature).
#[cfg(feature = "tls")]
type Dialer = crate::tls::TlsDialer;
#[cfg(not(feature = "tls"))]
type Dialer = std::convert::Infallible;

/// Where a reconnect dials.
pub(crate) struct Dial {
    pub(crate) addrs: Vec<SocketAddr>,
    pub(crate) timeout: Duration,
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    pub(crate) tls: Option<Dialer>,
}

/// Opens a TCP connection to the first address that answers, each within `timeout`.
pub(crate) fn connect_tcp(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, Error> {
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(a, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => last = Some(Error::ConnectTimeout),
            Err(e) => last = Some(Error::Io(e)),
        }
    }
    Err(last.unwrap_or_else(|| {
        Error::Io(std::io::Error::new(
            io::ErrorKind::InvalidInput,
            "no address to connect to",
        ))
    }))
}

impl Shared {
    /// Starts the timer thread and the first connection, and waits until it is bound.
    /// With [`Mode::Outbind`], the SMSC's `outbind` must come before `outbind_by`.
    pub(crate) fn launch<T: Transport>(
        self: &Arc<Self>,
        t: T,
        peer: Option<SocketAddr>,
        mode: Mode,
        outbind_by: Option<std::time::Instant>,
    ) -> Result<(), Error> {
        let me = self.clone();
        if !crate::io::spawn("smpp-timer", STACK, move || crate::io::timer(&me)) {
            return Err(Error::Io(std::io::Error::other("cannot start a thread")));
        }
        self.start_conn(t, peer, mode);
        let bind_wait: Duration =
            Duration::from(self.config.session.bind_timeout) + Duration::from_secs(1);
        let mut bind_by = None;
        let mut g = self.lock();
        let failed = loop {
            if g.bound {
                return Ok(());
            }
            let deadline = match g.ep.state() {
                LinkState::Closed(r) => return Err(smpp_runtime::error::bind_error(r, g.shut)),
                LinkState::Connecting if mode == Mode::Outbind => outbind_by,
                _ => Some(*bind_by.get_or_insert_with(|| std::time::Instant::now() + bind_wait)),
            };
            match self.wait_changed(g, deadline) {
                Some(next) => g = next,
                None if bind_by.is_some() => break Error::BindFailed(None),
                None => break Error::ConnectTimeout,
            }
        };
        self.with(|c, now| {
            c.shut = true;
            c.ep.abort(now);
        });
        Err(failed)
    }

    /// Sends a request whose result goes to `waiter`; returns its sequence number. With
    /// `wait`, a full window is waited out (up to the response timeout, then
    /// `Error::Timeout`); without, it fails at once.
    pub(crate) fn request(
        self: &Arc<Self>,
        body: &Body<'_>,
        waiter: Waiter,
        wait: bool,
    ) -> Result<u32, Error> {
        let timeout: Duration = self.config.session.response_timeout.into();
        let deadline = wait.then(|| std::time::Instant::now() + timeout);
        let mut g = self.lock();
        loop {
            match g.ep.send_seq(self.now(), body) {
                Ok((ticket, seq)) => {
                    g.waiters.insert(ticket, waiter);
                    self.settle(g);
                    return Ok(seq);
                }
                Err(SessionError::WindowFull { window }) => {
                    let Some(d) = deadline else {
                        return Err(Error::Session(SessionError::WindowFull { window }));
                    };
                    g = self.wait_changed(g, Some(d)).ok_or(Error::Timeout)?;
                }
                Err(e) => return Err(g.send_error(e)),
            }
        }
    }

    /// Closes for good, gracefully, and waits until the connection ended (up to the drain
    /// and unbind timeouts, then aborts). The reason it closed, when it was bound.
    pub(crate) fn unbind(self: &Arc<Self>) -> Option<CloseReason> {
        let was_bound = self.with(|c, now| {
            c.shut = true;
            let bound = matches!(c.ep.state(), LinkState::Bound(_));
            c.ep.unbind(now);
            bound
        });
        let s = &self.config.session;
        let wait: Duration = s.drain_timeout.saturating_add(s.unbind_timeout).into();
        let deadline = std::time::Instant::now() + wait + Duration::from_secs(1);
        let done = |c: &Core| c.ep.is_closed() && c.io.is_none();
        let mut g = self.lock();
        while !done(&g) {
            match self.wait_changed(g, Some(deadline)) {
                Some(next) => g = next,
                None => {
                    self.with(|c, now| c.ep.abort(now));
                    g = self.lock();
                    break;
                }
            }
        }
        match g.ep.state() {
            LinkState::Closed(r) if was_bound => r,
            _ => None,
        }
    }
}

/// Answers one request of the SMSC on the connection it came on.
pub(crate) struct Responder {
    shared: Arc<Shared>,
    id: IncomingId,
    command_id: CommandId,
}

impl Responder {
    /// Answers with `status` and `body`; a refused answer (wrong body, invalid field) is
    /// replaced by `ESME_RX_T_APPN` and the error returned.
    pub(crate) fn respond(&self, status: CommandStatus, body: &Body<'_>) -> Result<(), Error> {
        self.shared
            .with(|c, now| match c.ep.respond(now, self.id, status, body) {
                Ok(()) => Ok(()),
                Err(SessionError::Closed) => Err(Error::ConnectionLost(c.last_reason())),
                Err(e) => {
                    let body = error_body(self.command_id);
                    let status = CommandStatus::ESME_RX_T_APPN;
                    let _ = c.ep.respond(now, self.id, status, &body);
                    Err(Error::Session(e))
                }
            })
    }

    /// Answers `ESME_RX_T_APPN` (the request was dropped unanswered).
    pub(crate) fn refuse(&self) {
        let body = error_body(self.command_id);
        let status = CommandStatus::ESME_RX_T_APPN;
        self.shared
            .with(|c, now| c.ep.respond(now, self.id, status, &body))
            .ok();
    }
}
