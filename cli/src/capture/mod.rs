//! Types shared with the capture reader (placeholder: the capture-reading branch replaces
//! this file wholesale with the real `read_capture`, pcap parsing and TCP reassembly).

use std::net::SocketAddr;
use std::time::Duration;

/// The two endpoints of a TCP connection; `a` sent the first segment seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnKey {
    /// The endpoint that sent the first segment seen.
    pub a: SocketAddr,
    /// The other endpoint.
    pub b: SocketAddr,
}

/// A direction of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// From `a` to `b`.
    AtoB,
    /// From `b` to `a`.
    BtoA,
}

/// A connection's number in the capture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// What the capture reader reports, in capture order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StreamEvent {
    /// A connection seen for the first time; `syn`: its handshake was captured.
    Open {
        /// The connection.
        conn: ConnId,
        /// Its endpoints.
        key: ConnKey,
        /// Packet timestamp since the Unix epoch.
        ts: Duration,
        /// Frame number.
        frame: u64,
        /// The handshake was captured (the start of both streams is known).
        syn: bool,
    },
    /// In-order bytes of one direction.
    Data {
        /// The connection.
        conn: ConnId,
        /// The direction.
        side: Side,
        /// Packet timestamp since the Unix epoch.
        ts: Duration,
        /// Frame number.
        frame: u64,
        /// The octets.
        bytes: Vec<u8>,
    },
    /// Octets the capture lost in that direction.
    Gap {
        /// The connection.
        conn: ConnId,
        /// The direction.
        side: Side,
        /// Packet timestamp since the Unix epoch.
        ts: Duration,
        /// Frame number.
        frame: u64,
        /// Number of octets lost.
        len: u64,
    },
    /// The connection ended.
    Close {
        /// The connection.
        conn: ConnId,
        /// Packet timestamp since the Unix epoch.
        ts: Duration,
        /// Frame number.
        frame: u64,
        /// Ended by RST (else FIN, or the capture's end).
        reset: bool,
        /// Still open when the capture ended.
        end_of_capture: bool,
    },
}

// ---- TEMPORARY STUB (replaced at merge by the capture reader's mod.rs) ----

/// Totals of a capture read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packets read.
    pub packets: u64,
    /// Octets read.
    pub bytes: u64,
    /// TCP segments.
    pub tcp_segments: u64,
    /// Packets skipped (not TCP over IP).
    pub skipped: u64,
    /// Packets that did not decode.
    pub undecodable: u64,
}

/// Why a capture could not be read.
#[derive(Debug)]
pub enum CaptureError {
    /// Reading failed.
    Io(std::io::Error),
    /// The file is not a capture this reader understands.
    Format {
        /// Where.
        offset: u64,
        /// What.
        reason: String,
    },
    /// A link type the reader does not decode.
    UnsupportedLinkType {
        /// The pcap link type.
        link_type: u32,
    },
}

impl std::fmt::Display for CaptureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaptureError::Io(e) => write!(f, "{e}"),
            CaptureError::Format { offset, reason } => write!(f, "at offset {offset}: {reason}"),
            CaptureError::UnsupportedLinkType { link_type } => {
                write!(f, "unsupported link type {link_type}")
            }
        }
    }
}

impl std::error::Error for CaptureError {}

/// TEMPORARY STUB: capture reading is built on another branch; this one always fails.
pub fn read_capture(
    reader: impl std::io::Read,
    sink: impl FnMut(StreamEvent),
) -> Result<CaptureStats, CaptureError> {
    let _ = (reader, sink);
    Err(CaptureError::Format {
        offset: 0,
        reason: "capture reading not built".to_string(),
    })
}
