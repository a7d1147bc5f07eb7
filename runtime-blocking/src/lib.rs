//! # smpp-blocking: the blocking `std::net` runtime for the SMPP core
//!
//! Drives one sans-IO [`smpp_core::session::Session`] per connection with plain threads and
//! blocking sockets. No protocol logic lives here: the adapter moves octets and time, and
//! uses [`smpp_core::routing`] (accounts, round robin, message store),
//! [`smpp_core::trace`] (PDU traces) and [`smpp_core::reconnect`] (back-off).
//!
//! - [`Client`] (ESME): [`Client::connect`] binds and returns the client and its
//!   [`Incoming`] requests; [`Client::send`] waits for the response, [`Client::submit`]
//!   pipelines with [`Ticket`]s; with [`ClientConfig::reconnect`] the same client survives
//!   link losses.
//! - [`Server`] (SMSC): [`Server::bind`] with an [`Authenticator`] and a [`Handler`];
//!   [`Server::deliver`] routes receipts and MO messages to bound receivers or stores them.
//!
//! Each connection has three threads: a reader (blocking `read`, feeding the session), a
//! writer (writing what the session produces, in order) and a timer (the session's
//! deadlines). Requests are answered on the connection's reader thread (server handler) or
//! by the application from [`Incoming`] (client).
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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod common;
mod conn;
mod server;

pub use smpp_core as core;

pub use client::{Client, ClientConfig, Ticket};
pub use common::{
    Error, Incoming, IncomingRequest, LinkState, Response, ShutdownHandle, Trace, TraceEvent,
    TraceFn, Transport,
};
pub use server::{
    Authenticator, BindRequest, Delivery, Handler, Password, Reply, RequestContext, Server,
    ServerConfig, ServerEvent, SessionHandle, SessionInfo,
};

pub(crate) use common::error_body;
