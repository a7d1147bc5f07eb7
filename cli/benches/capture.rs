//! Throughput of `smpp_cli::capture::read_capture`: ~100 MB of pcap in memory, small TCP
//! segments of 50-octet payloads over 16 interleaved connections. Prints MB/s (of file).
//!
//! `cargo bench -p smpp-cli --bench capture`

use smpp_cli::capture::{read_capture, LinkType, PcapWriter, StreamEvent, TcpFlags, TcpSegment};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

fn main() {
    const TARGET: usize = 100_000_000;
    const CONNS: u32 = 16;
    let server: SocketAddr = "10.0.0.2:2775".parse().unwrap();
    let clients: Vec<SocketAddr> = (0..CONNS)
        .map(|i| format!("10.0.1.{}:40000", i + 1).parse().unwrap())
        .collect();
    let payload = [0x5au8; 50];
    let mut w = PcapWriter::new(Vec::with_capacity(TARGET + 4096), LinkType::Ethernet).unwrap();
    let mut seq = vec![1000u32; CONNS as usize];
    for (i, c) in clients.iter().enumerate() {
        let s = TcpSegment {
            src: *c,
            dst: server,
            seq: seq[i],
            ack: 0,
            flags: TcpFlags::SYN,
            payload: b"",
        };
        w.write_tcp(Duration::ZERO, &s).unwrap();
        seq[i] += 1;
    }
    // One frame per connection, reused with the sequence number patched in place.
    let frames: Vec<Vec<u8>> = clients
        .iter()
        .map(|c| {
            TcpSegment {
                src: *c,
                dst: server,
                seq: 0,
                ack: 1,
                flags: TcpFlags::ACK,
                payload: &payload,
            }
            .frame(LinkType::Ethernet)
            .unwrap()
        })
        .collect();
    let mut n = 0u64;
    let mut file = w.into_inner();
    while file.len() < TARGET {
        let i = (n % u64::from(CONNS)) as usize;
        let mut f = frames[i].clone();
        f[14 + 20 + 4..14 + 20 + 8].copy_from_slice(&seq[i].to_be_bytes());
        seq[i] = seq[i].wrapping_add(50);
        let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet).unwrap();
        w.write_packet(Duration::from_micros(n), &f).unwrap();
        file.extend_from_slice(&w.into_inner()[24..]);
        n += 1;
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut data = 0u64;
        let start = Instant::now();
        let stats = read_capture(&file[..], |e| {
            if let StreamEvent::Data { bytes, .. } = e {
                data += bytes.len() as u64;
            }
        })
        .unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(data, n * 50);
        assert_eq!(stats.undecodable, 0);
        best = best.min(secs);
    }
    println!(
        "capture: {} packets, {:.1} MB of pcap in {:.3} s: {:.0} MB/s ({:.2} M packets/s)",
        n + u64::from(CONNS),
        file.len() as f64 / 1e6,
        best,
        file.len() as f64 / 1e6 / best,
        n as f64 / 1e6 / best
    );
}
