//! # smpp-core: a sans-IO SMPP v3.4 protocol core
//!
//! This crate holds all of the protocol: the codec for every SMPP v3.4 PDU and TLV, the
//! session state machine, and the message helpers (GSM 03.38 / UCS2 text, long messages,
//! delivery receipts). It performs no I/O, reads no clock and spawns nothing: runtime adapters
//! feed it bytes and time and carry out what it asks.
//!
//! The protocol itself is three layers, each importing only the ones below it:
//!
//! - [`wire`]: the bottom layer, what every PDU shares on the wire: the [`wire::Header`],
//!   command ids and statuses, TLV tags, the typed field errors ([`DecodeError`],
//!   [`EncodeError`], [`Field`]) and the checked reader and writer.
//! - [`pdu`]: on top of `wire`: every body, its fields and TLVs, zero-copy parse and exact
//!   encode.
//! - [`framing`]: on top of `pdu`: finding whole PDUs in a receive buffer
//!   ([`framing::frame`]) and owned [`framing::Frame`]s.
//!
//! [`codec`] keeps the paths that framing and the errors had before these layers existed
//! (`smpp_core::codec::{frame, Framing, Frame, DecodeError, ...}`); `pdu` likewise still
//! re-exports the header, ids, statuses and tags. The rest of the crate builds on them:
//!
//! - [`session`]: the sans-IO session state machine for both roles, on the heap
//!   ([`session::Heap`], with `alloc`) or in fixed capacities ([`session::Fixed`], without).
//! - [`message`]: text encodings, long-message split and reassembly, delivery receipts.
//! - [`client`]: the sans-IO ESME endpoint: request tickets, link state, reconnect and
//!   outbind decisions (needs `alloc`).
//! - [`server`]: the sans-IO SMSC endpoint: every connection, accounts, bind policy,
//!   routing, the at-least-once delivery queue, outbind (needs `alloc`).
//! - [`reconnect`]: exponential back-off with jitter for client reconnects.
//! - [`trace`]: one-line PDU summaries and hex dumps with passwords redacted.
//! - [`time`]: the core's own [`Instant`] and [`Duration`]; time is an input.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;

#[cfg(feature = "alloc")]
pub mod client;
pub mod codec;
pub mod framing;
#[cfg(all(feature = "alloc", any(fuzzing, test)))]
pub mod fuzzing;
pub mod message;
pub mod pdu;
pub mod reconnect;
#[cfg(feature = "alloc")]
pub mod server;
pub mod session;
pub mod time;
pub mod trace;
pub mod wire;

pub use codec::Frame;
pub use codec::{DecodeError, EncodeError, Field};
pub use pdu::{Body, CommandId, CommandStatus, Pdu};
pub use time::{Duration, Instant};
