//! # smpp-runtime: what the SMPP runtimes share
//!
//! The runtime adapters (`smpp_smol`, `smpp_tokio`, `smpp_blocking`) are thin I/O pumps
//! around the sans-IO endpoints of [`smpp_core`]. This crate holds the support code they
//! share and that does not depend on any runtime:
//!
//! - [`Error`], the error type of every client and server operation;
//! - [`TraceExt`] and [`TraceRx`], which emit the PDUs of a [`Trace`](smpp_core::trace::Trace)
//!   setting through the `log` facade or the application's callback;
//! - [`IncomingRequest`], a request from the SMSC the application answers (dropped
//!   unanswered: `ESME_RX_T_APPN`), for the async runtimes, with the runtime's [`Respond`];
//! - [`IncomingQueue`], the bounded queue of a client's incoming requests (backpressure on
//!   reading when the application does not take them);
//! - [`oneshot`], a single-use channel from a driver to one waiting future;
//! - [`handler_slot`], how the async servers poll a request handler's future in place
//!   without an allocation per request;
//! - [`store`]: the [`DeliveryStore`] contract and the [`StoreDriver`] thread that carries
//!   out an SMSC endpoint's store operations for every runtime;
//! - [`Clock`] (the endpoints' millisecond clock) and [`seed`] (their jitter seed);
//! - with the `tls` feature, the rustls-based [`TlsClientConfig`] and [`TlsServerConfig`]
//!   builders and the [`tls`] helpers the runtimes' handshakes use.
//!
//! Applications do not depend on this crate directly: they use these types through the
//! re-exports of their runtime (`smpp_smol::Error`, `smpp_tokio::TlsClientConfig`,
//! `smpp_blocking::Error`, ...), which are the same types in every runtime. Each runtime
//! keeps only its own stream wrapping and handshake code.
//!
//! Dependency rule: [`smpp_core`], `log` and rustls only — no async runtime.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod clock;
pub mod error;
pub mod handler_slot;
pub mod incoming;
pub mod incoming_queue;
pub mod oneshot;
pub mod socket;
pub mod store;
#[cfg(feature = "tls")]
pub mod tls;
pub mod trace;

pub use clock::{seed, Clock};
pub use error::Error;
pub use handler_slot::{HandlerSlot, Polled, Running};
pub use incoming::{IncomingRequest, Respond};
pub use incoming_queue::IncomingQueue;
/// The rustls crate the TLS settings are built on.
#[cfg(feature = "tls")]
pub use rustls;
pub use socket::QuickAck;
pub use store::{
    ClaimedMessage, DeliveryStore, NewMessage, StoreDriver, StoreHealth, StoreHost, StoreKey,
};
#[cfg(feature = "tls")]
pub use tls::{Sha256Pin, TlsClientConfig, TlsServerConfig};
pub use trace::{TraceExt, TraceRx};
