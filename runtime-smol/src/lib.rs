//! # smpp-smol: the smol runtime for [`smpp_core`]
//!
//! An I/O pump around the core's sans-IO endpoints on the [smol](https://docs.rs/smol)
//! runtime: the ESME [`Endpoint`](smpp_core::client::Endpoint) for a [`Client`] and the
//! SMSC [`Endpoint`](smpp_core::server::Endpoint) for a [`Server`]. Every protocol and
//! policy decision — binds, routing, the delivery queue and its retries, reconnects,
//! outbind — is the core's; this crate moves octets and time, runs the application's
//! authenticator and handler, and routes outcomes to the futures waiting for them.
//!
//! - [`Client`]: an ESME. Connects and binds ([`Client::connect`], [`Client::bind_stream`],
//!   [`Client::listen_outbind`]), sends requests with backpressure on the window
//!   ([`Client::send`], [`Client::send_pipelined`], [`Client::try_send`]), reconnects with
//!   back-off when configured, and hands the SMSC's requests (`deliver_sm`, ...) to the
//!   application through [`Incoming`] (bounded by the session's `peer_window`: a client
//!   whose application does not take them stops reading, never dropping any).
//! - [`Server`]: an SMSC. Accepts connections, authenticates binds ([`Authenticator`]),
//!   answers requests through a [`Handler`], delivers messages to an account's receivers
//!   at least once through the endpoint's queue ([`Server::deliver`], each ending in one
//!   [`DeliveryOutcome`]), connects out for outbind ([`Server::outbind`]), and shuts down
//!   gracefully ([`Server::shutdown`]).
//!
//! The same API exists in the blocking runtime (`smpp_blocking`), with `fn` and threads
//! where this crate has `async fn` and tasks; the types both share come from
//! [`smpp_core::client`], [`smpp_core::server`] and [`smpp_core::trace`] and are re-exported
//! here.
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
//! use smpp_smol::core::pdu::{Address, Body, SubmitSm};
//! use smpp_smol::core::CommandStatus;
//! use smpp_smol::{Client, ClientConfig, Reply, Server, ServerConfig};
//!
//! smol::block_on(async {
//!     // An SMSC that accepts the password "secret" and answers every submit_sm.
//!     let server = Server::bind(
//!         "127.0.0.1:2775",
//!         ServerConfig::default(),
//!         |req: &smpp_smol::BindRequest| {
//!             if req.password == "secret" {
//!                 Ok(())
//!             } else {
//!                 Err(CommandStatus::ESME_RINVPASWD)
//!             }
//!         },
//!         |_ctx: &smpp_smol::RequestContext, _req: &smpp_smol::core::Frame| {
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
//!     Ok::<(), smpp_smol::Error>(())
//! })
//! .unwrap();
//! ```
//!
//! ## Hostile peers and resource bounds
//!
//! The [`Server`] is meant to face untrusted peers; [`ServerConfig::default`] is safe:
//!
//! - a `command_length` above `session.max_pdu_len` (4 096 octets by default; raise it for
//!   `message_payload`) is refused from the header alone, before any body is buffered
//!   (`generic_nack` `ESME_RINVCMDLEN`, then close); garbage likewise;
//! - a connection must bind within `session.bind_timeout` (10 s, counted from the connection's
//!   start, so slowloris peers are closed too); a bound peer silent for
//!   `session.inactivity_timeout` (120 s) is unbound and closed;
//! - the peer's requests waiting for the handler are bounded by `session.peer_window`
//!   (beyond: `ESME_RTHROTTLED`); a peer that does not read our output is not read either
//!   (`session.max_transmit_buffer`), and a closed connection's unwritten output is abandoned
//!   after 2 s;
//! - at most [`ServerConfig::max_connections`] connections (1 000) are open, bound or not:
//!   the excess is accepted and closed at once; [`ServerConfig::limits`] bound the binds
//!   (a refused bind gets `ESME_RBINDFAIL` and is closed);
//! - failed binds are counted per IP address ([`ServerConfig::failed_binds`],
//!   [`FailedBindPolicy`]): after 3 within 60 s, further failed-bind answers to that address
//!   are held back (1 s, doubling up to 8 s) on that connection only; the table is capped
//!   (10 000 addresses) and its entries expire;
//! - passwords never appear in `Debug` output or traces, and [`Password`] compares in
//!   constant time (authenticators should too: `req.password == expected`).
//!
//! Memory per connection is bounded by configuration: receive buffer ≤ 2 × `max_pdu_len` +
//! 64 KiB, transmit buffer ≤ `max_transmit_buffer` plus what is already due, at most
//! `window` requests of ours and `peer_window` of the peer's outstanding; per server by
//! `max_connections`, the delivery queue's capacities ([`ServerConfig::delivery`]), the failed-bind
//! table cap and [`ServerConfig::event_capacity`] per event subscriber. `docs/runtime-api.md`
//! ("Hostile peers", "Resource bounds") has the details.
//!
//! ## TLS (SMPPS)
//!
//! With the `tls` feature (rustls, ring provider): `TlsClientConfig` (system roots; a
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
