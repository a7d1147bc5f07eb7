//! # smpp-tokio: the tokio runtime for [`smpp_core`]
//!
//! An I/O pump around the core's sans-IO endpoints on the [tokio](https://docs.rs/tokio)
//! runtime: the ESME [`Endpoint`](smpp_core::client::Endpoint) for a [`Client`] and the
//! SMSC [`Endpoint`](smpp_core::server::Endpoint) for a [`Server`]. Every protocol and
//! policy decision — binds, routing, the delivery queue and its retries, reconnects,
//! outbind — is the core's; this crate moves octets and time, runs the application's
//! authenticator and handler, and routes outcomes to the futures waiting for them.
//!
//! The API is the one of `smpp_smol` (and, with `fn` and threads, of `smpp_blocking`):
//! [`Client`] (connect, bind, send with window backpressure, [`Incoming`] requests from
//! the SMSC, reconnect), [`Server`] (authenticator, [`Handler`], at-least-once
//! [`Server::deliver`], outbind, graceful shutdown). The types the runtimes share come
//! from [`smpp_core::client`], [`smpp_core::server`] and [`smpp_core::trace`] and are
//! re-exported here.
//!
//! ## On tokio
//!
//! - Clients and servers must be created inside a tokio runtime, multi-thread or
//!   current-thread; their tasks are spawned on that runtime (through its `Handle`, so
//!   dropping a handle outside the runtime is fine) and end when the client or server is
//!   over: nothing is left running after [`Server::shutdown`] and drop, or
//!   [`Client::unbind`].
//! - Nothing blocks the executor: the endpoint sits behind a `std::sync::Mutex` held only
//!   for the non-blocking endpoint call, never across an `.await`. The application's
//!   [`Authenticator`] and [`Handler`] run on the runtime's threads and must not block
//!   either (use `tokio::task::spawn_blocking` inside an [`AsyncHandler`] for blocking
//!   work such as a synchronous database).
//! - [`Incoming`] is bounded (by the session's `peer_window`; when the application does not
//!   take requests the client stops reading from the connection, never dropping any: see
//!   its docs). [`Client::state_changes`] is an unbounded `tokio::sync::mpsc` receiver (in
//!   order, never lost), [`Server::events`] one bounded by
//!   [`ServerConfig::event_capacity`] (a slow subscriber loses events rather than growing
//!   memory). Window backpressure is a `tokio::sync::Semaphore`; timers are
//!   `tokio::time::Sleep`.
//!
//! ## How it works
//!
//! One byte pump (`io.rs`) serves every connection of a client or a server. A server keeps
//! its endpoint behind one lock: each connection's task feeds it what the socket delivered
//! and writes what it produced, one timer task calls its `handle_timeout`, and wake-ups it
//! reports for other connections wake their tasks. A client keeps its endpoint behind a
//! lock shared by its handles and one supervisor task, which pumps the current connection
//! and dials again when the endpoint says a reconnect is due. A handle's `send` encodes the
//! request straight into the session's transmit buffer under the lock and wakes the pump;
//! a semaphore with one permit per window slot gives `send` its backpressure. A server's
//! handler future is polled once in place and moved to its own task only if it does not
//! complete at once; a panicking authenticator or handler answers `ESME_RSYSERR` and
//! costs nothing else. The endpoints' clock is the milliseconds since the client or server
//! was created.
//!
//! ```no_run
//! use smpp_tokio::core::pdu::{Address, Body, SubmitSm};
//! use smpp_tokio::core::CommandStatus;
//! use smpp_tokio::{Client, ClientConfig, Reply, Server, ServerConfig};
//!
//! # fn main() -> Result<(), smpp_tokio::Error> {
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     // An SMSC that accepts the password "secret" and answers every submit_sm.
//!     let server = Server::bind(
//!         "127.0.0.1:2775",
//!         ServerConfig::default(),
//!         |req: &smpp_tokio::BindRequest| {
//!             if req.password == "secret" {
//!                 Ok(())
//!             } else {
//!                 Err(CommandStatus::ESME_RINVPASWD)
//!             }
//!         },
//!         |_ctx: &smpp_tokio::RequestContext, _req: &smpp_tokio::core::Frame| {
//!             Reply::ok_message_id("msg-1")
//!         },
//!     )
//!     .await?;
//!
//!     // An ESME that binds as a transceiver and submits one message.
//!     let (client, _incoming) =
//!         Client::connect(server.local_addr(), ClientConfig::new("acme", "secret")).await?;
//!     let response = client
//!         .send(&Body::SubmitSm(SubmitSm {
//!             destination: Address::international("447700900123"),
//!             short_message: b"Hello",
//!             ..Default::default()
//!         }))
//!         .await?;
//!     assert_eq!(response.message_id().as_deref(), Some("msg-1"));
//!     client.unbind().await?;
//!     server.shutdown(std::time::Duration::from_secs(5)).await;
//!     Ok(())
//! })
//! # }
//! ```
//!
//! ## Hostile peers and resource bounds
//!
//! The [`Server`] is meant to face untrusted peers; [`ServerConfig::default`] is safe, with
//! the bounds the core enforces for every runtime: `command_length` above
//! `session.max_pdu_len` refused from the header alone, a bind timeout counted from the
//! connection's start (slowloris), an inactivity timeout, `session.peer_window` requests
//! waiting for the handler (beyond: `ESME_RTHROTTLED`), `session.max_transmit_buffer` for a
//! peer that does not read, [`ServerConfig::max_connections`], [`ServerConfig::limits`],
//! failed binds held back per IP address ([`FailedBindPolicy`]), passwords never in `Debug`
//! output or traces ([`Password`] compares in constant time). `docs/runtime-api.md`
//! ("Hostile peers", "Resource bounds") has the details.
//!
//! ## TLS (SMPPS)
//!
//! With the `tls` feature (tokio-rustls, ring provider): `TlsClientConfig` (system roots; a
//! PEM of CA or server certificates, a server presenting one of them exactly being
//! accepted as pinned, any other verified against them as CAs; SHA-256 pins
//! (`Sha256Pin`); a server-name override; or `dangerous_accept_any_certificate` for test
//! rigs) for `Client::connect_tls`, and `TlsServerConfig` (PEM certificate chain and key) for
//! `Server::bind_tls` and `Server::add_tls_listener`; `Server::add_listener` adds a plain
//! listener, so one server can serve plain and TLS side by side. Handshake failures are
//! `Error::Tls`, bounded by the session's `bind_timeout`. See "TLS" in
//! `docs/runtime-api.md`.
//!
//! [`Error`], the TLS settings and the trace support are those of `smpp_runtime`, the
//! crate the runtimes share: the same types in `smpp_smol`, `smpp_tokio` and
//! `smpp_blocking`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use smpp_core as core;

mod client;
mod io;
mod server;
#[cfg(feature = "tls")]
mod tls;
// Runtime-independent support, shared with the other runtimes.
use smpp_runtime::{clock, error, oneshot, trace};

pub use client::{Client, ClientConfig, Incoming, Responder, ResponseFuture};
pub use error::Error;
/// The rustls crate this adapter's TLS is built on (for [`TlsClientConfig::from_rustls`]
/// and [`TlsServerConfig::from_rustls`]).
#[cfg(feature = "tls")]
pub use rustls;
pub use server::{AsyncHandler, Delivery, Handler, Server, SessionHandle};
pub use smpp_core::client::{LinkState, Response};
pub use smpp_core::server::{
    Authenticator, BindId, BindRequest, DeliverError, DeliveryId, DeliveryOutcome, DeliveryPolicy,
    FailedBindPolicy, GiveUpReason, OutbindId, Password, RegistryLimits, Reply, RequestContext,
    ServerConfig, ServerEvent, SessionInfo,
};
#[cfg(feature = "tls")]
pub use smpp_runtime::{Sha256Pin, TlsClientConfig, TlsServerConfig};
pub use trace::{Trace, TraceEvent, TraceFn};

/// A request from the SMSC that the application answers (dropped unanswered:
/// `ESME_RX_T_APPN`), the same in every async runtime.
pub type IncomingRequest = smpp_runtime::IncomingRequest<client::Responder>;
