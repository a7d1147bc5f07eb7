//! # smpp-blocking: the blocking `std::net` runtime for the SMPP core
//!
//! Plain threads and blocking sockets around the sans-IO core. No protocol logic lives
//! here: the adapter moves octets and time and calls the application. The server is an
//! I/O pump around the core's SMSC endpoint ([`smpp_core::server::Endpoint`]: binds,
//! limits, failed-bind delays, routing, the at-least-once delivery queue, outbind); the
//! client is an I/O pump around the core's ESME endpoint ([`smpp_core::client::Endpoint`]:
//! request tickets, link state, reconnect back-off, outbind). The types shared with
//! the smol adapter are defined once in [`smpp_core::server`], [`smpp_core::client`] and
//! [`smpp_core::trace`], and re-exported here.
//!
//! - [`Client`] (ESME): [`Client::connect`] binds and returns the client and its
//!   [`Incoming`] requests; [`Client::send`] waits for the response, [`Client::submit`]
//!   pipelines with [`Ticket`]s; with [`ClientConfig::reconnect`] the same client survives
//!   link losses.
//! - [`Server`] (SMSC): [`Server::bind`] with an [`Authenticator`] and a [`Handler`];
//!   [`Server::deliver`] queues receipts and MO messages for an account's receivers and
//!   returns a [`Delivery`] that ends in exactly one [`DeliveryOutcome`] (delivered,
//!   refused for good, or given up after the [`DeliveryPolicy`]'s retries);
//!   [`Server::outbind`] connects out to ESMEs.
//!
//! Server threads: one accept thread per listener, one timer thread for the whole server,
//! and per connection a reader (blocking `read`, the authenticator and the handler, the TLS
//! handshake) and a writer (writing what the endpoint produces, in order), both with small
//! stacks. A client has one timer thread (the endpoint's timeouts and reconnect back-off),
//! per connection a reader and a writer, and a short-lived dial thread for each reconnect,
//! all with small stacks (≤ 256 KiB; `submit_with` callbacks run on the thread that saw
//! the outcome); the SMSC's requests are answered by the application from [`Incoming`]
//! (bounded by the session's `peer_window`: while the application does not take them the
//! reader stops reading, never dropping any).
//!
//! ```
//! use smpp_blocking::{Client, ClientConfig, Reply, Server, ServerConfig};
//! use smpp_blocking::core::pdu::{Address, Body, SubmitSm};
//!
//! // A server that accepts every bind and answers every request with a message id.
//! let server = Server::bind(
//!     "127.0.0.1:0",
//!     ServerConfig::default(),
//!     |_req: &smpp_blocking::BindRequest| Ok(()),
//!     |_ctx: &smpp_blocking::RequestContext, _req: &smpp_blocking::core::Frame| {
//!         Reply::ok_message_id("id-1")
//!     },
//! )?;
//!
//! let (client, _incoming) =
//!     Client::connect(server.local_addr(), ClientConfig::new("user", "secret"))?;
//! let response = client.send(&Body::SubmitSm(SubmitSm {
//!     destination: Address::international("447700900123"),
//!     short_message: b"Hello",
//!     ..Default::default()
//! }))?;
//! assert_eq!(response.message_id().as_deref(), Some("id-1"));
//! client.unbind()?;
//! server.shutdown(std::time::Duration::from_secs(1));
//! # Ok::<(), smpp_blocking::Error>(())
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
//! `max_connections`, the delivery queue's capacities ([`DeliveryPolicy::per_account`],
//! [`DeliveryPolicy::total`]), the failed-bind table cap and
//! [`ServerConfig::event_capacity`] per event subscriber. `docs/runtime-api.md`
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

mod client;
mod common;
mod conn;
mod io;
mod server;
#[cfg(feature = "tls")]
mod tls;

pub use smpp_core as core;

pub use client::{Client, ClientConfig, Ticket};
pub use common::{
    Error, Incoming, IncomingIter, IncomingRequest, LinkState, Response, ShutdownHandle, Trace,
    TraceEvent, TraceFn, Transport,
};
pub use server::{Delivery, Handler, Server, SessionHandle};
pub use smpp_core::server::{
    Authenticator, BindId, BindRequest, DeliveryId, DeliveryOutcome, DeliveryPolicy,
    FailedBindPolicy, GiveUpReason, OutbindId, Password, RegistryLimits, Reply, RequestContext,
    ServerConfig, ServerEvent, SessionInfo,
};

/// The rustls crate this adapter's TLS is built on (for [`TlsClientConfig::from_rustls`]
/// and [`TlsServerConfig::from_rustls`]).
#[cfg(feature = "tls")]
pub use rustls;
#[cfg(feature = "tls")]
pub use smpp_runtime::{Sha256Pin, TlsClientConfig, TlsServerConfig};
