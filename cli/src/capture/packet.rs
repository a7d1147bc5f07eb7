//! Link layers, IP and TCP: one captured frame to a TCP segment (etherparse).

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};
use std::net::{IpAddr, SocketAddr};

/// Whether a link type is one that [`decode`] reads.
pub(crate) fn supported_link_type(link: u32) -> bool {
    matches!(link, 0 | 1 | 12 | 14 | 101 | 108 | 113 | 228 | 229 | 276)
}

/// A TCP segment taken from a frame (the payload borrows the frame).
pub(crate) struct TcpSeg<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub ack_no: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
}

/// What a frame turned out to hold.
pub(crate) enum Decoded<'a> {
    Tcp(TcpSeg<'a>),
    /// Not TCP over IP (ARP, UDP, ICMP, an IP fragment, ...).
    NotTcp,
    /// Headers that do not parse (truncated, bogus lengths).
    Undecodable,
}

/// Decodes one frame of link type `link`.
pub(crate) fn decode(link: u32, data: &[u8]) -> Decoded<'_> {
    let sliced = match link {
        1 => SlicedPacket::from_ethernet(data),
        113 => SlicedPacket::from_linux_sll(data),
        // Linux SLL2 (20 octets; etherparse reads SLL only): protocol type first.
        276 => {
            if data.len() < 20 {
                return Decoded::Undecodable;
            }
            let proto = u16::from_be_bytes([data[0], data[1]]);
            SlicedPacket::from_ether_type(EtherType(proto), &data[20..])
        }
        // BSD loopback: a 4-octet address family, host byte order (0) or network order (108).
        0 | 108 => {
            if data.len() < 4 {
                return Decoded::Undecodable;
            }
            let le = u32::from_le_bytes([data[0], data[1], data[2], data[3]]);
            let be = u32::from_be_bytes([data[0], data[1], data[2], data[3]]);
            let family = if link == 108 || le > 0xffff { be } else { le };
            if !matches!(family, 2 | 24 | 28 | 30) {
                return Decoded::NotTcp;
            }
            SlicedPacket::from_ip(&data[4..])
        }
        12 | 14 | 101 | 228 | 229 => SlicedPacket::from_ip(data),
        _ => return Decoded::NotTcp,
    };
    let Ok(p) = sliced else {
        return Decoded::Undecodable;
    };
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match &p.net {
        Some(NetSlice::Ipv4(v4)) => (
            v4.header().source_addr().into(),
            v4.header().destination_addr().into(),
        ),
        Some(NetSlice::Ipv6(v6)) => (
            v6.header().source_addr().into(),
            v6.header().destination_addr().into(),
        ),
        _ => return Decoded::NotTcp,
    };
    let Some(TransportSlice::Tcp(tcp)) = &p.transport else {
        return Decoded::NotTcp;
    };
    Decoded::Tcp(TcpSeg {
        src: SocketAddr::new(src_ip, tcp.source_port()),
        dst: SocketAddr::new(dst_ip, tcp.destination_port()),
        seq: tcp.sequence_number(),
        ack_no: tcp.acknowledgment_number(),
        syn: tcp.syn(),
        ack: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        payload: tcp.payload(),
    })
}
