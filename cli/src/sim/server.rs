//! The few server calls the simulator makes, over any runtime's [`Server`]
//! ([`Runtime`]): the simulator is written once against [`SimServer`].
//!
//! With `smol` these are `smpp_smol`'s own async calls. With `blocking`, `smpp_blocking`'s
//! server does all the work on its threads and whatever may wait runs off the executor:
//! binding a listener, shutting down, waiting for a delivery's outcome and sending a
//! request to one session go through `smol::unblock`, and the events are forwarded from
//! the server's `std::sync::mpsc` channel to an async one by a thread that ends with the
//! server.
//!
//! With `tokio`, `smpp_tokio`'s server runs on the process's tokio runtime
//! ([`tokio_handle`]): binding a listener and shutting down run there ([`on_tokio`]), the
//! events are forwarded from its `tokio::sync::mpsc` channel to an async one by a task on
//! that runtime, and deliveries' outcomes and requests to one session (runtime-agnostic
//! futures) are awaited where they are.
//!
//! [`Server`]: smpp_smol::Server

use crate::runtime::{on_tokio, tokio_handle, Runtime};
use smol::channel::{Receiver, Sender};
use smpp_core::client::Response;
use smpp_core::codec::{EncodeError, Frame};
use smpp_core::pdu::{Body, Pdu};
use smpp_core::server::{
    BindId, BindRequest, DeliveryId, DeliveryOutcome, Reply, RequestContext, ServerConfig,
    ServerEvent, SessionInfo,
};
use smpp_core::session::SessionError;
use smpp_core::CommandStatus;
use std::fmt;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often an idle event-forwarding thread looks whether its server stopped.
const FORWARD_POLL: Duration = Duration::from_millis(50);

/// A failure of any runtime's server.
#[derive(Debug)]
pub enum Error {
    /// From `smpp_smol`.
    Smol(smpp_smol::Error),
    /// From `smpp_blocking`.
    Blocking(smpp_blocking::Error),
    /// From `smpp_tokio`.
    Tokio(smpp_tokio::Error),
    /// A request that did not survive being encoded and read back to be sent from another
    /// thread (`blocking`).
    Pdu(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Smol(e) => e.fmt(f),
            Error::Blocking(e) => e.fmt(f),
            Error::Tokio(e) => e.fmt(f),
            Error::Pdu(e) => write!(f, "invalid PDU: {e}"),
        }
    }
}

impl std::error::Error for Error {}

/// A certificate chain and key as PEM text, turned into each runtime's
/// `TlsServerConfig` when the listener starts.
#[derive(Clone, PartialEq, Eq)]
pub struct TlsPem {
    /// The certificate chain, leaf first.
    pub cert_chain: Vec<u8>,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: Vec<u8>,
}

impl fmt::Debug for TlsPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsPem")
            .field(
                "cert_chain",
                &format_args!("{} octets", self.cert_chain.len()),
            )
            .field("key", &format_args!("***"))
            .finish()
    }
}

impl TlsPem {
    /// Reads both files; the certificate and key are checked as a server configuration
    /// (the same rustls checks either runtime makes).
    pub fn from_files(
        cert_chain: impl AsRef<std::path::Path>,
        key: impl AsRef<std::path::Path>,
    ) -> Result<TlsPem, String> {
        let read = |p: &std::path::Path| {
            std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
        };
        let pem = TlsPem {
            cert_chain: read(cert_chain.as_ref())?,
            key: read(key.as_ref())?,
        };
        pem.smol().map_err(|e| e.to_string())?;
        Ok(pem)
    }

    /// The configuration for `smpp_smol`.
    pub fn smol(&self) -> Result<smpp_smol::TlsServerConfig, smpp_smol::Error> {
        smpp_smol::TlsServerConfig::from_pem(&self.cert_chain, &self.key)
    }

    /// The configuration for `smpp_blocking`.
    pub fn blocking(&self) -> Result<smpp_blocking::TlsServerConfig, smpp_blocking::Error> {
        smpp_blocking::TlsServerConfig::from_pem(&self.cert_chain, &self.key)
    }

    /// The configuration for `smpp_tokio`.
    pub fn tokio(&self) -> Result<smpp_tokio::TlsServerConfig, smpp_tokio::Error> {
        smpp_tokio::TlsServerConfig::from_pem(&self.cert_chain, &self.key)
    }
}

/// The server of any runtime. Cheap to clone (all clones are the same server).
#[derive(Clone)]
pub struct SimServer(Inner);

#[derive(Clone)]
enum Inner {
    Smol(Arc<smpp_smol::Server>),
    Blocking(Arc<Blocking>),
    Tokio(Arc<Tokio>),
}

/// `smpp_tokio`'s server and the tasks that forward its events.
struct Tokio {
    server: Arc<smpp_tokio::Server>,
    /// Set to true when the server stops: the forwarding tasks pass on what is left and
    /// end.
    stop: tokio::sync::watch::Sender<bool>,
    forwarders: Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Drop for Tokio {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

/// `smpp_blocking`'s server and the threads that forward its events.
struct Blocking {
    server: smpp_blocking::Server,
    /// Set when the server stops: the forwarding threads pass on what is left and end.
    stop: Arc<AtomicBool>,
    forwarders: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Blocking {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl fmt::Debug for SimServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimServer")
            .field("runtime", &self.runtime())
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SimServer {
    /// Listens on `addr` with the server of `runtime`: binds go to `authenticator`,
    /// requests to `handler`.
    pub async fn bind<A, H>(
        runtime: Runtime,
        addr: &str,
        config: ServerConfig,
        authenticator: A,
        handler: H,
    ) -> Result<SimServer, Error>
    where
        A: Fn(&BindRequest) -> Result<(), CommandStatus> + Send + Sync + 'static,
        H: Fn(&RequestContext, &Frame) -> Reply + Send + Sync + 'static,
    {
        match runtime {
            Runtime::Smol => smpp_smol::Server::bind(addr, config, authenticator, handler)
                .await
                .map(|s| SimServer(Inner::Smol(Arc::new(s))))
                .map_err(Error::Smol),
            Runtime::Blocking => {
                let addr = addr.to_string();
                let server = smol::unblock(move || {
                    smpp_blocking::Server::bind(addr.as_str(), config, authenticator, handler)
                })
                .await
                .map_err(Error::Blocking)?;
                Ok(SimServer(Inner::Blocking(Arc::new(Blocking {
                    server,
                    stop: Arc::new(AtomicBool::new(false)),
                    forwarders: Mutex::new(Vec::new()),
                }))))
            }
            Runtime::Tokio => {
                let addr = addr.to_string();
                let server = on_tokio(async move {
                    smpp_tokio::Server::bind(addr.as_str(), config, authenticator, handler).await
                })
                .await
                .map_err(Error::Tokio)?;
                Ok(SimServer(Inner::Tokio(Arc::new(Tokio {
                    server: Arc::new(server),
                    stop: tokio::sync::watch::Sender::new(false),
                    forwarders: Mutex::new(Vec::new()),
                }))))
            }
        }
    }

    /// The runtime serving.
    pub fn runtime(&self) -> Runtime {
        match &self.0 {
            Inner::Smol(_) => Runtime::Smol,
            Inner::Blocking(_) => Runtime::Blocking,
            Inner::Tokio(_) => Runtime::Tokio,
        }
    }

    /// `smpp_smol`'s server, when it is the one serving.
    pub fn smol(&self) -> Option<&smpp_smol::Server> {
        match &self.0 {
            Inner::Smol(s) => Some(s),
            Inner::Blocking(_) | Inner::Tokio(_) => None,
        }
    }

    /// `smpp_blocking`'s server, when it is the one serving.
    pub fn blocking(&self) -> Option<&smpp_blocking::Server> {
        match &self.0 {
            Inner::Blocking(b) => Some(&b.server),
            Inner::Smol(_) | Inner::Tokio(_) => None,
        }
    }

    /// `smpp_tokio`'s server, when it is the one serving.
    pub fn tokio(&self) -> Option<&smpp_tokio::Server> {
        match &self.0 {
            Inner::Tokio(t) => Some(&t.server),
            Inner::Smol(_) | Inner::Blocking(_) => None,
        }
    }

    /// Listens on one more address, with TLS, for the same server.
    pub async fn add_tls_listener(&self, addr: &str, tls: &TlsPem) -> Result<SocketAddr, Error> {
        match &self.0 {
            Inner::Smol(s) => {
                let tls = tls.smol().map_err(Error::Smol)?;
                s.add_tls_listener(addr, tls).await.map_err(Error::Smol)
            }
            Inner::Blocking(b) => {
                let tls = tls.blocking().map_err(Error::Blocking)?;
                let (b, addr) = (b.clone(), addr.to_string());
                smol::unblock(move || b.server.add_tls_listener(addr.as_str(), tls))
                    .await
                    .map_err(Error::Blocking)
            }
            Inner::Tokio(t) => {
                let tls = tls.tokio().map_err(Error::Tokio)?;
                let (server, addr) = (t.server.clone(), addr.to_string());
                on_tokio(async move { server.add_tls_listener(addr.as_str(), tls).await })
                    .await
                    .map_err(Error::Tokio)
            }
        }
    }

    /// The address of the first listener.
    pub fn local_addr(&self) -> SocketAddr {
        match &self.0 {
            Inner::Smol(s) => s.local_addr(),
            Inner::Blocking(b) => b.server.local_addr(),
            Inner::Tokio(t) => t.server.local_addr(),
        }
    }

    /// The server's events from now on, on an async channel.
    pub fn events(&self) -> Receiver<ServerEvent> {
        match &self.0 {
            Inner::Smol(s) => s.events(),
            Inner::Blocking(b) => {
                let (tx, rx) = smol::channel::unbounded();
                let from = b.server.events();
                let stop = b.stop.clone();
                match std::thread::Builder::new()
                    .name("smpp-sim-events".into())
                    .spawn(move || forward(from, tx, stop))
                {
                    Ok(t) => lock(&b.forwarders).push(t),
                    Err(e) => log::warn!("cannot start the event thread: {e}"),
                }
                rx
            }
            Inner::Tokio(t) => {
                let (tx, rx) = smol::channel::unbounded();
                let from = t.server.events();
                let stop = t.stop.subscribe();
                let task = tokio_handle().spawn(forward_tokio(from, tx, stop));
                lock(&t.forwarders).push(task);
                rx
            }
        }
    }

    /// A bound session, for requests of the simulator's own.
    pub fn session(&self, bind_id: BindId) -> Option<SimSession> {
        match &self.0 {
            Inner::Smol(s) => s.session(bind_id).map(SimSession::Smol),
            Inner::Blocking(b) => b.server.session(bind_id).map(SimSession::Blocking),
            Inner::Tokio(t) => t.server.session(bind_id).map(SimSession::Tokio),
        }
    }

    /// The bound sessions now (bind id, account, peer, bind type, state, counters and
    /// window occupancy), in connection order.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        match &self.0 {
            Inner::Smol(s) => s.sessions(),
            Inner::Blocking(b) => b.server.sessions(),
            Inner::Tokio(t) => t.server.sessions(),
        }
    }

    /// Queues a `deliver_sm` / `data_sm` for `account`'s receiver-capable binds (every
    /// runtime accepts or refuses it at once).
    pub fn deliver(&self, account: &str, body: &Body<'_>) -> Result<SimDelivery, Error> {
        match &self.0 {
            Inner::Smol(s) => s
                .deliver(account, body)
                .map(SimDelivery::Smol)
                .map_err(Error::Smol),
            Inner::Blocking(b) => b
                .server
                .deliver(account, body)
                .map(SimDelivery::Blocking)
                .map_err(Error::Blocking),
            Inner::Tokio(t) => t
                .server
                .deliver(account, body)
                .map(SimDelivery::Tokio)
                .map_err(Error::Tokio),
        }
    }

    /// Keeps the server's deliveries in `store` from now on (each runtime's
    /// `attach_store`); the store's health.
    pub async fn attach_store(
        &self,
        store: Box<dyn smpp_store::DeliveryStore>,
    ) -> Result<smpp_store::StoreHealth, Error> {
        let attached = match &self.0 {
            Inner::Smol(s) => s.attach_store(store).map_err(Error::Smol),
            Inner::Blocking(b) => b.server.attach_store(store).map_err(Error::Blocking),
            Inner::Tokio(t) => t.server.attach_store(store).map_err(Error::Tokio),
        };
        attached?;
        let health = match &self.0 {
            Inner::Smol(s) => s.store_health(),
            Inner::Blocking(b) => b.server.store_health(),
            Inner::Tokio(t) => t.server.store_health(),
        };
        Ok(health.unwrap_or_default())
    }

    /// Messages held for `account`.
    pub fn queued(&self, account: &str) -> usize {
        match &self.0 {
            Inner::Smol(s) => s.queued(account),
            Inner::Blocking(b) => b.server.queued(account),
            Inner::Tokio(t) => t.server.queued(account),
        }
    }

    /// Connects out to the ESME at `addr` with `outbind` (retried while it fails).
    pub fn outbind(&self, addr: SocketAddr, system_id: &str, password: &str) {
        match &self.0 {
            Inner::Smol(s) => {
                s.outbind(addr, system_id, password);
            }
            Inner::Blocking(b) => {
                b.server.outbind(addr, system_id, password);
            }
            Inner::Tokio(t) => {
                t.server.outbind(addr, system_id, password);
            }
        }
    }

    /// Stops accepting and unbinds every session (waiting up to `timeout`). Once it
    /// returns, every event of the ended connections is in the channels of
    /// [`SimServer::events`].
    pub async fn shutdown(&self, timeout: Duration) {
        match &self.0 {
            Inner::Smol(s) => s.shutdown(timeout).await,
            Inner::Blocking(b) => {
                let b = b.clone();
                smol::unblock(move || {
                    b.server.shutdown(timeout);
                    b.stop.store(true, Ordering::SeqCst);
                    for t in std::mem::take(&mut *lock(&b.forwarders)) {
                        let _ = t.join();
                    }
                })
                .await;
            }
            Inner::Tokio(t) => {
                let t = t.clone();
                on_tokio(async move {
                    t.server.shutdown(timeout).await;
                    t.stop.send_replace(true);
                    let forwarders = std::mem::take(&mut *lock(&t.forwarders));
                    for f in forwarders {
                        let _ = f.await;
                    }
                })
                .await;
            }
        }
    }
}

/// Passes the tokio server's events on until the server stops (then what is left) or
/// nobody listens any more.
async fn forward_tokio(
    mut from: tokio::sync::mpsc::Receiver<ServerEvent>,
    to: Sender<ServerEvent>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            biased;
            ev = from.recv() => match ev {
                Some(ev) => {
                    if to.try_send(ev).is_err() {
                        return;
                    }
                }
                None => return,
            },
            // Stopped (or the server went away: the sender dropped).
            _ = stop.wait_for(|stopped| *stopped) => {
                while let Ok(ev) = from.try_recv() {
                    let _ = to.try_send(ev);
                }
                return;
            }
        }
    }
}

/// Passes the blocking server's events on until the server stops (then what is left) or
/// nobody listens any more.
fn forward(from: mpsc::Receiver<ServerEvent>, to: Sender<ServerEvent>, stop: Arc<AtomicBool>) {
    loop {
        if stop.load(Ordering::SeqCst) {
            while let Ok(ev) = from.try_recv() {
                let _ = to.try_send(ev);
            }
            return;
        }
        match from.recv_timeout(FORWARD_POLL) {
            Ok(ev) => {
                if to.try_send(ev).is_err() {
                    return;
                }
            }
            Err(RecvTimeoutError::Timeout) if to.is_closed() => return,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// A message accepted by [`SimServer::deliver`].
pub enum SimDelivery {
    /// `smpp_smol`'s, a future.
    Smol(smpp_smol::Delivery),
    /// `smpp_blocking`'s, waited for on `smol::unblock`.
    Blocking(smpp_blocking::Delivery),
    /// `smpp_tokio`'s, a future (that needs no tokio context).
    Tokio(smpp_tokio::Delivery),
}

impl SimDelivery {
    /// The delivery's id in the server's queue (as its events name it).
    pub fn id(&self) -> DeliveryId {
        match self {
            SimDelivery::Smol(d) => d.id(),
            SimDelivery::Blocking(d) => d.id(),
            SimDelivery::Tokio(d) => d.id(),
        }
    }

    /// Waits for the outcome (delivered, refused for good, or given up). Dropping the
    /// delivery instead does not cancel it.
    pub async fn outcome(self) -> Result<DeliveryOutcome, Error> {
        match self {
            SimDelivery::Smol(d) => d.await.map_err(Error::Smol),
            SimDelivery::Blocking(d) => smol::unblock(move || d.wait())
                .await
                .map_err(Error::Blocking),
            SimDelivery::Tokio(d) => d.await.map_err(Error::Tokio),
        }
    }
}

/// One bound session of any runtime.
#[derive(Clone)]
pub enum SimSession {
    /// `smpp_smol`'s.
    Smol(smpp_smol::SessionHandle),
    /// `smpp_blocking`'s.
    Blocking(smpp_blocking::SessionHandle),
    /// `smpp_tokio`'s.
    Tokio(smpp_tokio::SessionHandle),
}

/// How long a tokio session's request waits between tries while its window is full.
const WINDOW_RETRY: Duration = Duration::from_millis(2);

impl SimSession {
    /// The account bound.
    pub fn account(&self) -> &str {
        match self {
            SimSession::Smol(s) => s.account(),
            SimSession::Blocking(s) => s.account(),
            SimSession::Tokio(s) => s.account(),
        }
    }

    /// Unbinds the session from the server side (outstanding requests drain first) and
    /// waits until the connection ended.
    pub async fn unbind(&self) -> Result<(), Error> {
        match self {
            SimSession::Smol(s) => s.unbind().await.map_err(Error::Smol),
            SimSession::Blocking(s) => {
                let s = s.clone();
                smol::unblock(move || s.unbind())
                    .await
                    .map_err(Error::Blocking)
            }
            SimSession::Tokio(s) => {
                let s = s.clone();
                on_tokio(async move { s.unbind().await })
                    .await
                    .map_err(Error::Tokio)
            }
        }
    }

    /// Closes the session's connection at once (its deliveries on their way go back to the
    /// queue).
    pub fn abort(&self) {
        match self {
            SimSession::Smol(s) => s.abort(),
            SimSession::Blocking(s) => s.abort(),
            SimSession::Tokio(s) => s.abort(),
        }
    }

    /// Sends a request and waits for its response (a full window is waited out). With
    /// `blocking` the request is encoded here and sent from `smol::unblock`; with `tokio`
    /// (whose session refuses a request when its window is full) it is tried again
    /// shortly until there is room.
    pub async fn send(&self, body: &Body<'_>) -> Result<Response, Error> {
        match self {
            SimSession::Smol(s) => s.send(body).await.map_err(Error::Smol),
            SimSession::Blocking(s) => {
                let frame = encode(body).map_err(|e| Error::Pdu(e.to_string()))?;
                let s = s.clone();
                smol::unblock(move || match Pdu::parse(&frame) {
                    Ok(pdu) => s.send(&pdu.body).map_err(Error::Blocking),
                    Err(e) => Err(Error::Pdu(e.to_string())),
                })
                .await
            }
            SimSession::Tokio(s) => loop {
                match s.try_send(body) {
                    Ok(response) => break response.await.map_err(Error::Tokio),
                    Err(smpp_tokio::Error::Session(SessionError::WindowFull { .. })) => {
                        async_io::Timer::after(WINDOW_RETRY).await;
                    }
                    Err(e) => break Err(Error::Tokio(e)),
                }
            },
        }
    }
}

/// `body` as a whole PDU (the sequence number is the session's to choose when it is sent).
fn encode(body: &Body<'_>) -> Result<Vec<u8>, EncodeError> {
    let pdu = Pdu {
        command_status: CommandStatus::ESME_ROK,
        sequence_number: 1,
        body: *body,
    };
    let mut frame = vec![0; pdu.encoded_len()];
    let n = pdu.encode(&mut frame)?;
    frame.truncate(n);
    Ok(frame)
}
