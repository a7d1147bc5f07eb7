//! Capture reading and TCP reassembly behind `smpp inspect FILE`.
//!
//! [`read_capture`] streams a pcap file (either byte order, micro- or nanosecond
//! timestamps) or a pcapng file (several sections and interfaces, any timestamp
//! resolution) with pcap-parser's streaming readers, decodes every frame with etherparse
//! (Ethernet II with VLANs, Linux cooked capture SLL and SLL2, BSD loopback, raw IP; IPv4,
//! IPv6; TCP) and reassembles every TCP connection into in-order bytes per direction,
//! handing [`StreamEvent`]s to a sink in capture order. Which connections are SMPP is the
//! caller's decision.
//!
//! Choices:
//! - Link types: 0 (BSD NULL), 1 (Ethernet), 12/14/101/228/229 (raw IP), 108 (OpenBSD
//!   loopback), 113 (Linux SLL), 276 (Linux SLL2). A pcap file of another link type is an
//!   [`CaptureError::UnsupportedLinkType`] error; in a pcapng file, the packets of an
//!   interface of another link type are skipped and counted in [`CaptureStats::skipped`].
//! - Frames that do not decode (truncated, bogus lengths) count as
//!   [`CaptureStats::undecodable`]; anything not TCP over IP (ARP, UDP, IP fragments) as
//!   `skipped`.
//! - Memory: at most 1 MiB of out-of-order octets per direction (beyond, the first hole
//!   becomes a [`StreamEvent::Gap`]), at most 65,536 open connections (beyond, the oldest
//!   is closed).
//! - A truncated or malformed file: the sink has had every event up to the bad block,
//!   then the Closes of every open connection (`end_of_capture: true`), and
//!   `read_capture` returns the error, which names the file offset.
//! - A connection closes on RST, or once both directions have delivered everything up to
//!   their FIN (a FIN whose preceding data never arrives leaves the connection open until
//!   the end of the capture, where the hole is a Gap). Segments of a closed connection
//!   other than a new SYN are ignored; a new SYN on a 4-tuple starts a new [`ConnId`].
//! - A connection whose handshake was not captured starts each direction at its first
//!   data segment (a SYN-ACK also starts the client's direction at its ack number); the
//!   analysis resynchronises on a plausible SMPP header.
//! - Frame numbers count packet records from 1 (as Wireshark does); timestamps are since
//!   the Unix epoch.
//!
//! ```
//! use smpp_cli::capture::{read_capture, LinkType, PcapWriter, StreamEvent, TcpFlags, TcpSegment};
//! use std::time::Duration;
//!
//! let (c, s) = ("10.0.0.1:40000".parse().unwrap(), "10.0.0.2:2775".parse().unwrap());
//! let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet).unwrap();
//! let seg = |src, dst, seq, flags, payload| TcpSegment { src, dst, seq, ack: 0, flags, payload };
//! w.write_tcp(Duration::from_secs(1), &seg(c, s, 99, TcpFlags::SYN, b"")).unwrap();
//! w.write_tcp(Duration::from_secs(2), &seg(c, s, 100, TcpFlags::ACK, b"hello")).unwrap();
//! let file = w.into_inner();
//!
//! let mut events = Vec::new();
//! let stats = read_capture(&file[..], |e| events.push(e)).unwrap();
//! assert_eq!(stats.tcp_segments, 2);
//! assert!(matches!(&events[0], StreamEvent::Open { syn: true, .. }));
//! assert!(matches!(&events[1], StreamEvent::Data { bytes, frame: 2, .. } if bytes == b"hello"));
//! assert!(matches!(&events[2], StreamEvent::Close { end_of_capture: true, .. }));
//! ```

mod file;
mod packet;
mod reassembly;
mod writer;

pub use writer::{LinkType, PcapWriter, TcpFlags, TcpSegment};

use std::fmt;
use std::time::Duration;

/// One TCP connection's identity: the two endpoints as first seen (`a` sent the first segment seen).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConnKey {
    /// The sender of the first segment seen.
    pub a: std::net::SocketAddr,
    /// The other endpoint.
    pub b: std::net::SocketAddr,
}

/// Which way data flows within a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// From `a` to `b`.
    AtoB,
    /// From `b` to `a`.
    BtoA,
}

/// A connection number, in order of first appearance (0, 1, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

/// What the reassembler hands on, in capture order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// A connection seen for the first time; `syn` is true when its handshake was captured (the start of both streams is known).
    Open {
        /// The connection.
        conn: ConnId,
        /// Its endpoints.
        key: ConnKey,
        /// Capture time.
        ts: Duration,
        /// Frame number (from 1).
        frame: u64,
        /// Whether the first segment seen was a SYN.
        syn: bool,
    },
    /// In-order bytes of one direction (retransmissions and overlaps removed, out-of-order segments put in order). `ts`/`frame` are those of the packet that made them available.
    Data {
        /// The connection.
        conn: ConnId,
        /// The direction.
        side: Side,
        /// Capture time.
        ts: Duration,
        /// Frame number (from 1).
        frame: u64,
        /// The octets.
        bytes: Vec<u8>,
    },
    /// Bytes of one direction that the capture lost: the next Data of that side does not follow the previous one (`len` octets missing).
    Gap {
        /// The connection.
        conn: ConnId,
        /// The direction.
        side: Side,
        /// Capture time.
        ts: Duration,
        /// Frame number (from 1).
        frame: u64,
        /// Octets missing.
        len: u64,
    },
    /// The connection ended (FIN from both sides, or RST), or the capture ended (`end_of_capture: true`).
    Close {
        /// The connection.
        conn: ConnId,
        /// Capture time.
        ts: Duration,
        /// Frame number (from 1).
        frame: u64,
        /// Ended by a RST.
        reset: bool,
        /// Still open at the end of the capture.
        end_of_capture: bool,
    },
}

/// Reading errors: each names what and where (frame number / file offset); never a panic on any input.
#[derive(Debug)]
pub enum CaptureError {
    /// Reading the file failed.
    Io(std::io::Error),
    /// Not a capture file, or a malformed block at `offset`.
    Format {
        /// File offset of the block.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file ends inside a header or block starting at `offset`.
    Truncated {
        /// File offset of the incomplete header or block.
        offset: u64,
        /// What was cut ("file header", "block").
        what: String,
    },
    /// A pcap file of a link type that is not read.
    UnsupportedLinkType {
        /// The link type number.
        link_type: u32,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io(e) => write!(f, "reading the capture: {e}"),
            CaptureError::Format { offset, reason } => {
                write!(f, "malformed capture at offset {offset}: {reason}")
            }
            CaptureError::Truncated { offset, what } => {
                write!(
                    f,
                    "capture truncated: the {what} at offset {offset} is incomplete"
                )
            }
            CaptureError::UnsupportedLinkType { link_type } => {
                write!(f, "unsupported link type {link_type}")
            }
        }
    }
}

impl std::error::Error for CaptureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CaptureError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for CaptureError {
    fn from(e: std::io::Error) -> Self {
        CaptureError::Io(e)
    }
}

/// What [`read_capture`] read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureStats {
    /// Packet records.
    pub packets: u64,
    /// Captured octets of those packets.
    pub bytes: u64,
    /// TCP segments among them.
    pub tcp_segments: u64,
    /// Packets not TCP over IP (or of an unsupported pcapng interface).
    pub skipped: u64,
    /// Packets whose headers do not decode.
    pub undecodable: u64,
}

/// Streams a capture file (pcap, either byte order, micro- or nanosecond; pcapng with several interfaces), calling `sink` for every event in order; memory is bounded by the open connections and their out-of-order data. Returns statistics. See the module documentation for what happens on errors.
pub fn read_capture(
    reader: impl std::io::Read,
    sink: impl FnMut(StreamEvent),
) -> Result<CaptureStats, CaptureError> {
    read_capture_with(reader, reassembly::Limits::default(), sink)
}

fn read_capture_with(
    reader: impl std::io::Read,
    limits: reassembly::Limits,
    mut sink: impl FnMut(StreamEvent),
) -> Result<CaptureStats, CaptureError> {
    let mut stats = CaptureStats::default();
    let mut re = reassembly::Reassembler::new(limits);
    let mut at = reassembly::At {
        ts: Duration::ZERO,
        frame: 0,
    };
    let result = file::read_frames(reader, packet::supported_link_type, |f| {
        stats.packets += 1;
        stats.bytes += f.data.len() as u64;
        at = reassembly::At {
            ts: f.ts,
            frame: stats.packets,
        };
        if !packet::supported_link_type(f.link_type) {
            stats.skipped += 1;
            return;
        }
        match packet::decode(f.link_type, f.data) {
            packet::Decoded::Tcp(seg) => {
                stats.tcp_segments += 1;
                re.segment(&seg, at, &mut sink);
            }
            packet::Decoded::NotTcp => stats.skipped += 1,
            packet::Decoded::Undecodable => stats.undecodable += 1,
        }
    });
    re.finish(at, &mut sink);
    result.map(|()| stats)
}

#[cfg(test)]
mod tests;
