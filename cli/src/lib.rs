//! Shared pieces of the `smpp` command-line tool and the example programs.
//!
//! - [`broadcast`]: the SMPP 5.0 broadcast values of `smpp send --broadcast` (areas,
//!   content type, repetition interval) from and to text.
//! - [`capture`]: pcap/pcapng capture reading (pcap-parser, etherparse) and TCP reassembly,
//!   the input side of `smpp inspect`.
//! - [`hex`]: hex text to octets and back (the hex crate), forgiving about how hex dumps
//!   are pasted.
//! - [`json`]: JSON output with serde_json, compact and pure ASCII (a serde_json formatter).
//! - [`control`]: the simulator's control plane (`smpp smsc --http`): JSON API, Prometheus
//!   metrics (prometheus-client) and dashboard behind one request handler, and its HTTP
//!   server (tiny_http).
//! - [`decode`]: PDUs and decode errors as JSON objects, and the walk over several
//!   concatenated PDUs behind `smpp decode`.
//! - [`duration`]: durations on the command line (`3`, `500ms`, `3s`, `2m`), with humantime.
//! - [`message`]: addresses, text encoded and split into parts, received messages read
//!   back as text, concatenated parts or delivery receipts.
//! - [`profile`]: named SMSC profiles for the simulator (`smpp smsc --profile ecall`).
//! - [`runtime`]: `smol`, `blocking` or `tokio`, the runtime crate a command runs on.
//! - [`sim`]: the SMSC simulator behind `smpp smsc` and `smpp demo`, on any runtime (its
//!   `--jsonl` journal, receipt dates with time, seeded reject draws with fastrand).
//! - [`trace`]: `--trace` lines: every PDU and every session state change (SMPP 3.4
//!   state names).
//! - [`capture`]: packet captures read into TCP stream events (pcap, reassembly).
//! - [`inspect`]: SMPP sessions rebuilt from those events, and their report (`smpp inspect`).
//! - [`stats`]: latency percentiles (hdrhistogram), delivery receipts matched to their
//!   messages, and the report of `smpp bench`.
//!
//! The generic jobs are the standard crates': serde_json (JSON), humantime (durations),
//! hex, hdrhistogram (percentiles), time (receipt dates, timestamps), fastrand (random
//! references, seeded reject draws); the binary adds clap (arguments), indicatif (progress)
//! and async-signal (signals).
//!
//! ```
//! use smpp_cli::decode::{decode_hex, Record};
//! use smpp_core::pdu::ParseOptions;
//!
//! let records = decode_hex("00000010000000150000000000000001", &ParseOptions::default());
//! assert_eq!(
//!     records[0].object().to_string(),
//!     r#"{"command":"enquire_link","command_id":"0x00000015","command_length":16,"command_status":0,"command_status_name":"ESME_ROK","sequence_number":1}"#
//! );
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod broadcast;
pub mod capture;
pub mod control;
pub mod decode;
pub mod duration;
pub mod hex;
pub mod inspect;
pub mod json;
pub mod message;
pub mod profile;
pub mod runtime;
pub mod sim;
pub mod stats;
pub mod trace;
