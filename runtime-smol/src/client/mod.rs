//! The ESME side: the sans-IO [`Endpoint`](smpp_core::client::Endpoint) on smol —
//! connect, bind, send with backpressure, receive, reconnect. The driver is in
//! `driver.rs`.

mod dial;
mod driver;
mod incoming;

use crate::error::Error;
use crate::oneshot;
use crate::{LinkState, Response};
use dial::{connect_tcp, Dial};
pub use driver::Responder;
pub(crate) use driver::ResponseResult;
use driver::{lock, Shared};
use futures_lite::{AsyncRead, AsyncWrite, FutureExt};
pub use incoming::Incoming;
use smol::channel::Receiver;
use smol::net::{AsyncToSocketAddrs, TcpListener};
pub use smpp_core::client::ClientConfig;
use smpp_core::client::Mode;
use smpp_core::pdu::Body;
use smpp_core::session::{Counters, SessionError};
use smpp_runtime::QuickAck;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Closes the client in the background when the last handle goes.
struct DropGuard(Arc<Shared>);

impl Drop for DropGuard {
    fn drop(&mut self) {
        self.0.with(|st, now| {
            st.shut = true;
            st.ep.unbind(now);
        });
    }
}

/// An ESME: one SMPP link to an SMSC, shared by any number of clones.
///
/// Every clone uses the same link. Dropping the last clone unbinds and closes in the
/// background, as [`Client::unbind`] does.
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
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
    fn create(config: ClientConfig, redial: bool) -> (Client, Incoming) {
        let (shared, incoming) = Shared::new(config, redial);
        let guard = Arc::new(DropGuard(shared.clone()));
        (
            Client {
                shared,
                _guard: guard,
            },
            incoming,
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
        let stream = connect_tcp(&addrs, timeout).await?;
        let peer = stream.peer_addr().ok();
        let quickack = QuickAck::of(&stream);
        let (client, incoming) = Client::create(config, true);
        let dial = Dial {
            addrs,
            timeout,
            #[cfg(feature = "tls")]
            tls: None,
        };
        client
            .shared
            .launch(stream, quickack, peer, Mode::Bind, Some(dial))
            .await?;
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
        let stream = connect_tcp(&addrs, timeout).await?;
        let peer = stream.peer_addr().ok();
        let quickack = QuickAck::of(&stream);
        let stream = dialer.handshake(stream).await?;
        let (client, incoming) = Client::create(config, true);
        let dial = Dial {
            addrs,
            timeout,
            tls: Some(dialer),
        };
        client
            .shared
            .launch(stream, quickack, peer, Mode::Bind, Some(dial))
            .await?;
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
        let (client, incoming) = Client::create(config, false);
        client
            .shared
            .launch(stream, QuickAck::none(), None, Mode::Bind, None)
            .await?;
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
        let quickack = QuickAck::of(&stream);
        Client::outbind_stream_with_peer(stream, quickack, Some(peer), config).await
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
        Client::outbind_stream_with_peer(stream, QuickAck::none(), None, config).await
    }

    async fn outbind_stream_with_peer<S>(
        stream: S,
        quickack: QuickAck,
        peer: Option<SocketAddr>,
        config: ClientConfig,
    ) -> Result<(Client, Incoming), Error>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let wait: Duration = config.session.bind_timeout.into();
        let (client, incoming) = Client::create(config, false);
        let launch = client
            .shared
            .launch(stream, quickack, peer, Mode::Outbind, None);
        let timeout = async {
            async_io::Timer::after(wait).await;
            Err(Error::BindFailed(None))
        };
        launch.or(timeout).await?;
        Ok((client, incoming))
    }

    /// Sends a request and waits for its response. When the window is full, waits for a
    /// free slot first (backpressure).
    pub async fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        self.send_pipelined(body).await?.await
    }

    /// Sends a request (waiting for a window slot when the window is full) and returns at
    /// once with a future of its response, so that many requests can be outstanding.
    pub async fn send_pipelined(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        // Not bound: nothing is in flight, so a permit is free and the endpoint refuses.
        let permit = match self.shared.permits.try_acquire_arc() {
            Some(p) => p,
            None => self.shared.permits.acquire_arc().await,
        };
        self.shared.send_with(body, permit).map(ResponseFuture)
    }

    /// Sends a request if the window has room now; fails with
    /// [`Error::Session`]`(`[`SessionError::WindowFull`](smpp_core::session::SessionError::WindowFull)`)`
    /// otherwise.
    pub fn try_send(&self, body: &Body<'_>) -> Result<ResponseFuture, Error> {
        let permit = self.shared.permits.try_acquire_arc().ok_or(Error::Session(
            SessionError::WindowFull {
                window: self.shared.window,
            },
        ))?;
        self.shared.send_with(body, permit).map(ResponseFuture)
    }

    /// Unbinds: no new requests; outstanding ones drain (up to the session's drain
    /// timeout); then the unbind exchange and close. Returns when the client is closed
    /// (also when it was closed already).
    pub async fn unbind(&self) -> Result<(), Error> {
        self.shared.with(|st, now| {
            st.shut = true;
            st.ep.unbind(now);
        });
        self.shared.wait_finished().await;
        Ok(())
    }

    /// Closes at once: outstanding requests fail with
    /// [`Error::ConnectionLost`]`(`[`CloseReason::Aborted`](smpp_core::session::CloseReason::Aborted)`)`.
    pub fn abort(&self) {
        self.shared.with(|st, now| {
            st.shut = true;
            st.ep.abort(now);
        });
    }

    /// The connection state now.
    pub fn state(&self) -> LinkState {
        lock(&self.shared.state).ep.state()
    }

    /// A stream of the state changes from now on (each call makes a new subscriber); it
    /// ends after [`LinkState::Closed`].
    pub fn state_changes(&self) -> Receiver<LinkState> {
        self.shared.watch()
    }

    /// The current session's counters (a new connection starts from zero).
    pub fn counters(&self) -> Counters {
        lock(&self.shared.state).ep.counters().clone()
    }

    /// The SMSC's address, when connected over TCP.
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        lock(&self.shared.state).peer
    }
}

/// The response to a request sent with `send_pipelined` or `try_send`: await it.
///
/// Dropping it does not cancel the request; its window slot is freed when the response (or
/// the timeout) arrives.
#[must_use = "the response arrives through this future"]
pub struct ResponseFuture(oneshot::Receiver<ResponseResult>);

impl ResponseFuture {
    pub(crate) fn new(rx: oneshot::Receiver<ResponseResult>) -> ResponseFuture {
        ResponseFuture(rx)
    }

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

impl fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseFuture")
    }
}
