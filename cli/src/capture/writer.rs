//! Writing pcap files (for tests and tools), TCP segments built with etherparse.

use etherparse::{LinuxSllPacketType, PacketBuilder};
use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The link type of a written pcap file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// Ethernet II (1).
    Ethernet,
    /// Raw IPv4 or IPv6 (101).
    RawIp,
    /// Linux cooked capture, SLL (113).
    LinuxSll,
    /// Any other link type by its number: frames are written as given; [`TcpSegment::frame`]
    /// builds raw IP frames for it.
    Code(u32),
}

impl LinkType {
    /// The number of the link type in a pcap header.
    pub fn code(self) -> u32 {
        match self {
            LinkType::Ethernet => 1,
            LinkType::RawIp => 101,
            LinkType::LinuxSll => 113,
            LinkType::Code(c) => c,
        }
    }
}

/// TCP flags of a [`TcpSegment`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags {
    /// SYN.
    pub syn: bool,
    /// ACK (the segment's `ack` number is written only then).
    pub ack: bool,
    /// FIN.
    pub fin: bool,
    /// RST.
    pub rst: bool,
    /// PSH.
    pub psh: bool,
}

impl TcpFlags {
    /// Only ACK (a data segment).
    pub const ACK: TcpFlags = TcpFlags {
        syn: false,
        ack: true,
        fin: false,
        rst: false,
        psh: false,
    };
    /// SYN (a connection's first segment).
    pub const SYN: TcpFlags = TcpFlags {
        syn: true,
        ack: false,
        fin: false,
        rst: false,
        psh: false,
    };
    /// SYN and ACK.
    pub const SYN_ACK: TcpFlags = TcpFlags {
        syn: true,
        ack: true,
        fin: false,
        rst: false,
        psh: false,
    };
    /// FIN and ACK.
    pub const FIN_ACK: TcpFlags = TcpFlags {
        syn: false,
        ack: true,
        fin: true,
        rst: false,
        psh: false,
    };
    /// RST.
    pub const RST: TcpFlags = TcpFlags {
        syn: false,
        ack: false,
        fin: false,
        rst: true,
        psh: false,
    };
}

/// One scripted TCP segment over IPv4 or IPv6 (both addresses of the same family).
#[derive(Clone, Copy, Debug)]
pub struct TcpSegment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgement number (written when `flags.ack`).
    pub ack: u32,
    /// Flags.
    pub flags: TcpFlags,
    /// Payload.
    pub payload: &'a [u8],
}

impl TcpSegment<'_> {
    /// The frame of this segment for a link type (raw IP for [`LinkType::Code`]).
    pub fn frame(&self, link: LinkType) -> io::Result<Vec<u8>> {
        const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
        const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];
        let ip = match (self.src.ip(), self.dst.ip()) {
            (IpAddr::V4(s), IpAddr::V4(d)) => match link {
                LinkType::Ethernet => {
                    PacketBuilder::ethernet2(MAC_A, MAC_B).ipv4(s.octets(), d.octets(), 64)
                }
                LinkType::LinuxSll => {
                    PacketBuilder::linux_sll(LinuxSllPacketType::HOST, 6, [2, 0, 0, 0, 0, 1, 0, 0])
                        .ipv4(s.octets(), d.octets(), 64)
                }
                _ => PacketBuilder::ipv4(s.octets(), d.octets(), 64),
            },
            (IpAddr::V6(s), IpAddr::V6(d)) => match link {
                LinkType::Ethernet => {
                    PacketBuilder::ethernet2(MAC_A, MAC_B).ipv6(s.octets(), d.octets(), 64)
                }
                LinkType::LinuxSll => {
                    PacketBuilder::linux_sll(LinuxSllPacketType::HOST, 6, [2, 0, 0, 0, 0, 1, 0, 0])
                        .ipv6(s.octets(), d.octets(), 64)
                }
                _ => PacketBuilder::ipv6(s.octets(), d.octets(), 64),
            },
            _ => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "IPv4 and IPv6 addresses mixed",
                ))
            }
        };
        let mut tcp = ip.tcp(self.src.port(), self.dst.port(), self.seq, 65535);
        if self.flags.ack {
            tcp = tcp.ack(self.ack);
        }
        if self.flags.syn {
            tcp = tcp.syn();
        }
        if self.flags.fin {
            tcp = tcp.fin();
        }
        if self.flags.rst {
            tcp = tcp.rst();
        }
        if self.flags.psh {
            tcp = tcp.psh();
        }
        let mut out = Vec::with_capacity(tcp.size(self.payload.len()));
        tcp.write(&mut out, self.payload)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        Ok(out)
    }
}

/// A writer of pcap files: little-endian, microsecond timestamps, one link type.
pub struct PcapWriter<W: Write> {
    w: W,
    link: LinkType,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(mut w: W, link: LinkType) -> io::Result<Self> {
        let mut h = Vec::with_capacity(24);
        h.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        h.extend_from_slice(&2u16.to_le_bytes());
        h.extend_from_slice(&4u16.to_le_bytes());
        h.extend_from_slice(&0i32.to_le_bytes());
        h.extend_from_slice(&0u32.to_le_bytes());
        h.extend_from_slice(&262_144u32.to_le_bytes());
        h.extend_from_slice(&link.code().to_le_bytes());
        w.write_all(&h)?;
        Ok(PcapWriter { w, link })
    }

    /// Writes one frame captured at `ts` (since the Unix epoch).
    pub fn write_packet(&mut self, ts: Duration, frame: &[u8]) -> io::Result<()> {
        let len = u32::try_from(frame.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too long"))?;
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(ts.as_secs() as u32).to_le_bytes());
        h[4..8].copy_from_slice(&ts.subsec_micros().to_le_bytes());
        h[8..12].copy_from_slice(&len.to_le_bytes());
        h[12..16].copy_from_slice(&len.to_le_bytes());
        self.w.write_all(&h)?;
        self.w.write_all(frame)
    }

    /// Builds a segment's frame for this file's link type and writes it.
    pub fn write_tcp(&mut self, ts: Duration, seg: &TcpSegment<'_>) -> io::Result<()> {
        let frame = seg.frame(self.link)?;
        self.write_packet(ts, &frame)
    }

    /// The underlying writer.
    pub fn into_inner(self) -> W {
        self.w
    }
}
