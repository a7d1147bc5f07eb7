//! The client side of the network subcommands over any runtime (`--runtime`): one bound
//! link, its incoming requests and its pending responses, whatever crate drives them.
//!
//! `send`, `listen` and `bench` are written once, as async code, against these types.
//! With `smol` they are `smpp_smol`'s own; with `blocking`, `smpp_blocking`'s client does
//! all the work on its threads and the waits the commands race against timers and signals
//! run off the command's thread: connect and unbind on `smol::unblock`, incoming requests
//! through a forwarding thread, responses through [`Pending`]. With `tokio`,
//! `smpp_tokio`'s client lives on the process's tokio runtime: connect and unbind run there
//! ([`on_tokio`]); sending, incoming requests (a `tokio::sync::mpsc` receiver) and
//! responses are runtime-agnostic and polled where they are awaited.

use crate::opts::{Connection, Runtime, TlsOptions};
use smpp_cli::runtime::on_tokio;
use smpp_core::client::{ClientConfig, LinkState, Response};
use smpp_core::codec::{DecodeError, Frame};
use smpp_core::pdu::{Body, CommandId, Pdu};
use std::fmt;
use std::time::Instant;

/// A bound client of any runtime. Cheap to clone.
#[derive(Clone)]
pub enum Link {
    Smol(smpp_smol::Client),
    Blocking(smpp_blocking::Client),
    Tokio(smpp_tokio::Client),
}

/// The requests the SMSC sends (deliver_sm, data_sm, ...), in arrival order.
pub enum Incoming {
    Smol(smpp_smol::Incoming),
    /// Fed by a thread that reads the blocking client's `Incoming`.
    Blocking(smol::channel::Receiver<smpp_blocking::IncomingRequest>),
    /// The tokio client's receiver (its `recv` takes `&mut`, hence the lock).
    Tokio(smol::lock::Mutex<smpp_tokio::Incoming>),
}

/// One incoming request; dropping it unanswered answers it `ESME_RX_T_APPN`.
pub enum Request {
    Smol(smpp_smol::IncomingRequest),
    Blocking(smpp_blocking::IncomingRequest),
    Tokio(smpp_tokio::IncomingRequest),
}

/// A request sent and not answered yet.
pub enum Pending {
    Smol(smpp_smol::ResponseFuture),
    Blocking(smpp_blocking::Ticket),
    Tokio(smpp_tokio::ResponseFuture),
}

/// A failure of any runtime.
#[derive(Debug)]
pub enum Error {
    Smol(smpp_smol::Error),
    Blocking(smpp_blocking::Error),
    Tokio(smpp_tokio::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Smol(e) => e.fmt(f),
            Error::Blocking(e) => e.fmt(f),
            Error::Tokio(e) => e.fmt(f),
        }
    }
}

impl Error {
    /// A short name for reports: `timeout`, `connection lost: REASON`, `closed` or the
    /// error's text.
    pub fn kind(&self) -> String {
        use smpp_blocking::Error as B;
        use smpp_smol::Error as S;
        use smpp_tokio::Error as T;
        match self {
            Error::Smol(S::Timeout) | Error::Blocking(B::Timeout) | Error::Tokio(T::Timeout) => {
                "timeout".into()
            }
            Error::Smol(S::ConnectionLost(r))
            | Error::Blocking(B::ConnectionLost(r))
            | Error::Tokio(T::ConnectionLost(r)) => format!("connection lost: {r}"),
            Error::Smol(S::Closed) | Error::Blocking(B::Closed) | Error::Tokio(T::Closed) => {
                "closed".into()
            }
            other => other.to_string(),
        }
    }

    /// The session's refusal behind this error, if it is one (a request refused locally:
    /// window full, wrong bind, a 5.0 request on a 3.4 session, ...).
    pub fn session_error(&self) -> Option<&smpp_core::session::SessionError> {
        match self {
            Error::Smol(smpp_smol::Error::Session(e)) => Some(e),
            Error::Blocking(smpp_blocking::Error::Session(e)) => Some(e),
            Error::Tokio(smpp_tokio::Error::Session(e)) => Some(e),
            _ => None,
        }
    }

    /// True when the link is gone for good (nothing more can be sent on it).
    pub fn link_gone(&self) -> bool {
        use smpp_blocking::Error as B;
        use smpp_smol::Error as S;
        use smpp_tokio::Error as T;
        matches!(
            self,
            Error::Smol(S::ConnectionLost(_) | S::Closed)
                | Error::Blocking(B::ConnectionLost(_) | B::Closed)
                | Error::Tokio(T::ConnectionLost(_) | T::Closed)
        )
    }
}

/// What `--tls`, `--ca`, `--pin-sha256`, `--insecure` and `--server-name` ask for, built
/// for each runtime: `--insecure` wins; `--ca` trusts its certificates (exactly, or as
/// CAs), each `--pin-sha256` adds a certificate digest accepted; pins without `--ca` are
/// the only thing accepted; neither: the system's roots.
macro_rules! tls_config {
    ($krate:ident, $conn:expr) => {{
        let conn: &TlsOptions = &$conn.tls;
        if !conn.enabled() {
            Ok(None)
        } else {
            let tls = if conn.insecure {
                Ok($krate::TlsClientConfig::dangerous_accept_any_certificate())
            } else if let Some(ca) = &conn.ca {
                $krate::TlsClientConfig::ca_file(ca).and_then(|tls| {
                    conn.pin_sha256
                        .iter()
                        .try_fold(tls, |tls, pin| tls.with_pinned_sha256(*pin))
                })
            } else if !conn.pin_sha256.is_empty() {
                $krate::TlsClientConfig::pinned_sha256(conn.pin_sha256.iter().copied())
            } else {
                $krate::TlsClientConfig::system_roots()
            };
            tls.map(|tls| match &conn.server_name {
                Some(name) => Some(tls.with_server_name(name)),
                None => Some(tls),
            })
        }
    }};
}

impl Link {
    /// Connects to `conn.connect` and binds with `config`, over TLS when asked, with the
    /// runtime `conn.runtime` names.
    pub async fn connect(
        conn: &Connection,
        config: ClientConfig,
    ) -> Result<(Link, Incoming), Error> {
        match conn.runtime {
            Runtime::Smol => {
                let tls = tls_config!(smpp_smol, conn).map_err(Error::Smol)?;
                let addr = conn.connect.as_str();
                let (client, incoming) = match tls {
                    Some(tls) => smpp_smol::Client::connect_tls(addr, config, tls).await,
                    None => smpp_smol::Client::connect(addr, config).await,
                }
                .map_err(Error::Smol)?;
                Ok((Link::Smol(client), Incoming::Smol(incoming)))
            }
            Runtime::Blocking => {
                let tls = tls_config!(smpp_blocking, conn).map_err(Error::Blocking)?;
                let addr = conn.connect.clone();
                let (client, incoming) = smol::unblock(move || match tls {
                    Some(tls) => smpp_blocking::Client::connect_tls(addr.as_str(), config, tls),
                    None => smpp_blocking::Client::connect(addr.as_str(), config),
                })
                .await
                .map_err(Error::Blocking)?;
                Ok((
                    Link::Blocking(client),
                    Incoming::Blocking(forward(incoming)),
                ))
            }
            Runtime::Tokio => {
                let tls = tls_config!(smpp_tokio, conn).map_err(Error::Tokio)?;
                let addr = conn.connect.clone();
                let (client, incoming) = on_tokio(async move {
                    match tls {
                        Some(tls) => {
                            smpp_tokio::Client::connect_tls(addr.as_str(), config, tls).await
                        }
                        None => smpp_tokio::Client::connect(addr.as_str(), config).await,
                    }
                })
                .await
                .map_err(Error::Tokio)?;
                Ok((Link::Tokio(client), Incoming::tokio(incoming)))
            }
        }
    }

    /// Listens on `addr`, waits for an SMSC to connect and send `outbind` (within the bind
    /// timeout), and binds as a receiver with `config`, with the runtime `conn.runtime`
    /// names. The listener is bound before this returns its first wait, so a caller may
    /// print the address.
    pub async fn listen_outbind(
        conn: &Connection,
        addr: &str,
        config: ClientConfig,
    ) -> Result<(Link, Incoming), Error> {
        match conn.runtime {
            Runtime::Smol => {
                let (client, incoming) = smpp_smol::Client::listen_outbind(addr, config)
                    .await
                    .map_err(Error::Smol)?;
                Ok((Link::Smol(client), Incoming::Smol(incoming)))
            }
            Runtime::Blocking => {
                let addr = addr.to_string();
                let (client, incoming) = smol::unblock(move || {
                    smpp_blocking::Client::listen_outbind(addr.as_str(), config)
                })
                .await
                .map_err(Error::Blocking)?;
                Ok((
                    Link::Blocking(client),
                    Incoming::Blocking(forward(incoming)),
                ))
            }
            Runtime::Tokio => {
                let addr = addr.to_string();
                let (client, incoming) = on_tokio(async move {
                    smpp_tokio::Client::listen_outbind(addr.as_str(), config).await
                })
                .await
                .map_err(Error::Tokio)?;
                Ok((Link::Tokio(client), Incoming::tokio(incoming)))
            }
        }
    }

    /// Queues a request (pipelined: many may be outstanding); waits only for a free slot
    /// when the window is full (blocking: on the calling thread, at most the response
    /// timeout).
    pub async fn submit(&self, body: &Body<'_>) -> Result<Pending, Error> {
        match self {
            Link::Smol(c) => c
                .send_pipelined(body)
                .await
                .map(Pending::Smol)
                .map_err(Error::Smol),
            Link::Blocking(c) => c
                .submit(body)
                .map(Pending::Blocking)
                .map_err(Error::Blocking),
            // The window's semaphore and the transmit buffer need no tokio context.
            Link::Tokio(c) => c
                .send_pipelined(body)
                .await
                .map(Pending::Tokio)
                .map_err(Error::Tokio),
        }
    }

    /// How many requests with `command_id` the current connection wrote for the SMSC (a
    /// request queued but never written, e.g. when the link was lost, does not count).
    pub fn requests_sent(&self, command_id: CommandId) -> u64 {
        let counters = match self {
            Link::Smol(c) => c.counters(),
            Link::Blocking(c) => c.counters(),
            Link::Tokio(c) => c.counters(),
        };
        counters.requests_sent.get(command_id)
    }

    /// The link's state: `BOUND_TRX`, ..., `CLOSED (reason)` (see [`LinkState`]'s
    /// `Display`).
    pub fn state(&self) -> LinkState {
        match self {
            Link::Smol(c) => c.state(),
            Link::Blocking(c) => c.state(),
            Link::Tokio(c) => c.state(),
        }
    }

    /// Unbinds (outstanding requests drain first) and closes.
    pub async fn unbind(&self) -> Result<(), Error> {
        match self {
            Link::Smol(c) => c.unbind().await.map_err(Error::Smol),
            Link::Blocking(c) => {
                let c = c.clone();
                smol::unblock(move || c.unbind())
                    .await
                    .map_err(Error::Blocking)
            }
            Link::Tokio(c) => {
                let c = c.clone();
                on_tokio(async move { c.unbind().await })
                    .await
                    .map_err(Error::Tokio)
            }
        }
    }
}

/// Moves the blocking client's incoming requests to an async channel, from a thread that
/// ends with the client (or once nobody reads the channel).
fn forward(
    incoming: smpp_blocking::Incoming,
) -> smol::channel::Receiver<smpp_blocking::IncomingRequest> {
    let (tx, rx) = smol::channel::unbounded();
    let spawned = std::thread::Builder::new()
        .name("smpp-incoming".into())
        .spawn(move || {
            for req in incoming {
                if tx.send_blocking(req).is_err() {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        // The receiver then reports the end at once: as if the link had closed.
        log::warn!("cannot start the thread for incoming requests: {e}");
    }
    rx
}

impl Incoming {
    fn tokio(rx: smpp_tokio::Incoming) -> Incoming {
        Incoming::Tokio(smol::lock::Mutex::new(rx))
    }

    /// The next request; `None` once the link closed for good.
    pub async fn recv(&self) -> Option<Request> {
        match self {
            Incoming::Smol(rx) => rx.recv().await.ok().map(Request::Smol),
            Incoming::Blocking(rx) => rx.recv().await.ok().map(Request::Blocking),
            Incoming::Tokio(rx) => rx.lock().await.recv().await.map(Request::Tokio),
        }
    }
}

impl Request {
    /// The request PDU.
    pub fn frame(&self) -> &Frame {
        match self {
            Request::Smol(r) => &r.frame,
            Request::Blocking(r) => &r.frame,
            Request::Tokio(r) => &r.frame,
        }
    }

    /// Parses the request.
    pub fn pdu(&self) -> Result<Pdu<'_>, DecodeError> {
        self.frame().pdu()
    }

    /// Answers `ESME_ROK` with the default body.
    pub fn respond_ok(self) -> Result<(), Error> {
        match self {
            Request::Smol(r) => r.respond_ok().map_err(Error::Smol),
            Request::Blocking(r) => r.respond_ok().map_err(Error::Blocking),
            Request::Tokio(r) => r.respond_ok().map_err(Error::Tokio),
        }
    }
}

impl Pending {
    /// The outcome if it already arrived (taken: the request is then done).
    pub fn try_get(&self) -> Option<Result<Response, Error>> {
        match self {
            Pending::Smol(f) => f.try_get().map(|r| r.map_err(Error::Smol)),
            Pending::Blocking(t) => t.try_get().map(|r| r.map_err(Error::Blocking)),
            Pending::Tokio(f) => f.try_get().map(|r| r.map_err(Error::Tokio)),
        }
    }

    /// Waits for the outcome until `deadline`: `Some` as soon as it arrives (taken: the
    /// request is then done), `None` when the deadline came first (still pending). With
    /// `blocking` it waits on the calling thread (the bench's pump has a thread of its own).
    pub async fn wait_until(&mut self, deadline: Instant) -> Option<Result<Response, Error>> {
        let timer = async {
            async_io::Timer::at(deadline).await;
            None
        };
        match self {
            Pending::Smol(f) => {
                let response = async { Some(f.await.map_err(Error::Smol)) };
                futures_lite::future::or(response, timer).await
            }
            Pending::Blocking(t) => t
                .wait_timeout(deadline.saturating_duration_since(Instant::now()))
                .map(|r| r.map_err(Error::Blocking)),
            Pending::Tokio(f) => {
                let response = async { Some(f.await.map_err(Error::Tokio)) };
                futures_lite::future::or(response, timer).await
            }
        }
    }

    /// Waits for the outcome: the response, a timeout (no response within the response
    /// timeout) or the link's loss.
    pub async fn wait(self) -> Result<Response, Error> {
        match self {
            Pending::Smol(f) => f.await.map_err(Error::Smol),
            Pending::Blocking(t) => match t.try_get() {
                Some(r) => r.map_err(Error::Blocking),
                None => smol::unblock(move || t.wait())
                    .await
                    .map_err(Error::Blocking),
            },
            Pending::Tokio(f) => f.await.map_err(Error::Tokio),
        }
    }
}
