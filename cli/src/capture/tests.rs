use super::*;
use quickcheck::{quickcheck, TestResult};
use std::net::SocketAddr;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A scripted capture.
struct Script {
    w: PcapWriter<Vec<u8>>,
    t: u64,
}

impl Script {
    fn new(link: LinkType) -> Self {
        Script {
            w: PcapWriter::new(Vec::new(), link).unwrap(),
            t: 0,
        }
    }
    fn seg(&mut self, src: SocketAddr, dst: SocketAddr, seq: u32, flags: TcpFlags, payload: &[u8]) {
        self.t += 1;
        let s = TcpSegment {
            src,
            dst,
            seq,
            ack: 0,
            flags,
            payload,
        };
        self.w.write_tcp(Duration::from_millis(self.t), &s).unwrap();
    }
    fn read(self) -> (CaptureStats, Vec<StreamEvent>) {
        let file = self.w.into_inner();
        let mut ev = Vec::new();
        let st = read_capture(&file[..], |e| ev.push(e)).unwrap();
        (st, ev)
    }
}

/// Per connection and side: the data with gaps shown as `[gap N]`.
fn text(ev: &[StreamEvent], conn: u64, side: Side) -> String {
    let mut s = String::new();
    for e in ev {
        match e {
            StreamEvent::Data {
                conn: c,
                side: sd,
                bytes,
                ..
            } if c.0 == conn && *sd == side => s.push_str(&String::from_utf8_lossy(bytes)),
            StreamEvent::Gap {
                conn: c,
                side: sd,
                len,
                ..
            } if c.0 == conn && *sd == side => s.push_str(&format!("[gap {len}]")),
            _ => {}
        }
    }
    s
}

fn closes(ev: &[StreamEvent]) -> Vec<(u64, bool, bool)> {
    ev.iter()
        .filter_map(|e| match e {
            StreamEvent::Close {
                conn,
                reset,
                end_of_capture,
                ..
            } => Some((conn.0, *reset, *end_of_capture)),
            _ => None,
        })
        .collect()
}

const A: &str = "10.0.0.1:40000";
const B: &str = "10.0.0.2:2775";

fn handshake(s: &mut Script, a: SocketAddr, b: SocketAddr, isn_a: u32, isn_b: u32) {
    s.seg(a, b, isn_a, TcpFlags::SYN, b"");
    s.seg(b, a, isn_b, TcpFlags::SYN_ACK, b"");
    s.seg(a, b, isn_a + 1, TcpFlags::ACK, b"");
}

#[test]
fn in_order_both_directions_and_fin_close() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    handshake(&mut s, a, b, 1000, 5000);
    s.seg(a, b, 1001, TcpFlags::ACK, b"hello ");
    s.seg(b, a, 5001, TcpFlags::ACK, b"hi");
    s.seg(a, b, 1007, TcpFlags::ACK, b"world");
    s.seg(a, b, 1012, TcpFlags::FIN_ACK, b"");
    s.seg(b, a, 5003, TcpFlags::FIN_ACK, b"");
    s.seg(a, b, 1013, TcpFlags::ACK, b"");
    let (st, ev) = s.read();
    assert_eq!(st.packets, 9);
    assert_eq!(st.tcp_segments, 9);
    assert_eq!(
        ev[0],
        StreamEvent::Open {
            conn: ConnId(0),
            key: ConnKey { a, b },
            ts: Duration::from_millis(1),
            frame: 1,
            syn: true
        }
    );
    assert_eq!(text(&ev, 0, Side::AtoB), "hello world");
    assert_eq!(text(&ev, 0, Side::BtoA), "hi");
    assert_eq!(closes(&ev), vec![(0, false, false)]);
    assert!(matches!(
        ev.last(),
        Some(StreamEvent::Close { frame: 8, .. })
    ));
}

#[test]
fn out_of_order_and_retransmissions() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    handshake(&mut s, a, b, 1000, 5000);
    s.seg(a, b, 1005, TcpFlags::ACK, b"EFGH");
    s.seg(a, b, 1009, TcpFlags::ACK, b"IJ");
    s.seg(a, b, 1001, TcpFlags::ACK, b"ABCD");
    s.seg(a, b, 1001, TcpFlags::ACK, b"ABCD"); // exact retransmission
    s.seg(a, b, 1003, TcpFlags::ACK, b"cdefghijKL"); // overlapping: only "KL" is new
    s.seg(a, b, 1015, TcpFlags::ACK, b"OP");
    s.seg(a, b, 1013, TcpFlags::ACK, b"MNop"); // overlap with held data: first copy wins
    let (_, ev) = s.read();
    assert_eq!(text(&ev, 0, Side::AtoB), "ABCDEFGHIJKLMNOP");
    // The in-order segment released the held ones in one Data at its frame.
    assert!(ev
        .iter()
        .any(|e| matches!(e, StreamEvent::Data { frame: 6, bytes, .. } if bytes == b"ABCDEFGHIJ")));
    assert_eq!(closes(&ev), vec![(0, false, true)]);
}

#[test]
fn lost_segment_is_a_gap() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    handshake(&mut s, a, b, 1000, 5000);
    s.seg(a, b, 1001, TcpFlags::ACK, b"abc");
    s.seg(a, b, 1011, TcpFlags::ACK, b"xyz"); // 7 octets lost
    let (_, ev) = s.read();
    assert_eq!(text(&ev, 0, Side::AtoB), "abc[gap 7]xyz");
}

#[test]
fn gap_when_pending_exceeds_bound() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    handshake(&mut s, a, b, 1000, 5000);
    s.seg(a, b, 1001, TcpFlags::ACK, b"ab");
    s.seg(a, b, 1013, TcpFlags::ACK, b"0123456789");
    s.seg(a, b, 1023, TcpFlags::ACK, b"0123456789");
    let file = s.w.into_inner();
    let mut ev = Vec::new();
    let limits = reassembly::Limits {
        max_pending: 15,
        ..Default::default()
    };
    read_capture_with(&file[..], limits, |e| ev.push(e)).unwrap();
    assert_eq!(text(&ev, 0, Side::AtoB), "ab[gap 10]01234567890123456789");
    let gap_frame = ev.iter().find_map(|e| match e {
        StreamEvent::Gap { frame, .. } => Some(*frame),
        _ => None,
    });
    assert_eq!(gap_frame, Some(6));
}

#[test]
fn mid_stream_start_rst_and_new_syn_on_same_tuple() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::RawIp);
    s.seg(b, a, 77, TcpFlags::ACK, b"mid");
    s.seg(a, b, 9, TcpFlags::ACK, b"x");
    s.seg(b, a, 80, TcpFlags::ACK, b"dle");
    s.seg(a, b, 10, TcpFlags::RST, b"");
    s.seg(a, b, 10, TcpFlags::ACK, b"late"); // after the close: ignored
    handshake(&mut s, a, b, 4_294_967_290, 1); // new connection, ISN wraps
    s.seg(a, b, 4_294_967_291, TcpFlags::ACK, b"012345");
    s.seg(a, b, 1, TcpFlags::ACK, b"6789");
    let (_, ev) = s.read();
    assert!(
        matches!(ev[0], StreamEvent::Open { conn: ConnId(0), syn: false, key, .. } if key == ConnKey { a: b, b: a })
    );
    assert_eq!(text(&ev, 0, Side::AtoB), "middle");
    assert_eq!(text(&ev, 0, Side::BtoA), "x");
    assert_eq!(text(&ev, 1, Side::AtoB), "0123456789");
    assert_eq!(closes(&ev), vec![(0, true, false), (1, false, true)]);
}

#[test]
fn interleaved_connections_ipv6_and_sll() {
    for link in [LinkType::Ethernet, LinkType::LinuxSll, LinkType::RawIp] {
        let (a, b) = (addr("[2001:db8::1]:40000"), addr("[2001:db8::2]:2775"));
        let (c, d) = (addr("192.0.2.1:50000"), addr("192.0.2.2:2775"));
        let mut s = Script::new(link);
        handshake(&mut s, a, b, 10, 20);
        handshake(&mut s, c, d, 30, 40);
        s.seg(c, d, 31, TcpFlags::ACK, b"second");
        s.seg(a, b, 11, TcpFlags::ACK, b"first");
        s.seg(d, c, 41, TcpFlags::ACK, b"2");
        s.seg(b, a, 21, TcpFlags::ACK, b"1");
        let (st, ev) = s.read();
        assert_eq!(st.undecodable, 0, "{link:?}");
        assert_eq!(text(&ev, 0, Side::AtoB), "first");
        assert_eq!(text(&ev, 0, Side::BtoA), "1");
        assert_eq!(text(&ev, 1, Side::AtoB), "second");
        assert_eq!(text(&ev, 1, Side::BtoA), "2");
        assert_eq!(closes(&ev), vec![(0, false, true), (1, false, true)]);
    }
}

/// Raw IP frames with another link header in front, written with that link type.
fn other_link(code: u32, prefix: &[u8]) -> (CaptureStats, Vec<StreamEvent>) {
    let (a, b) = (addr(A), addr(B));
    let mut w = PcapWriter::new(Vec::new(), LinkType::Code(code)).unwrap();
    let seg = TcpSegment {
        src: a,
        dst: b,
        seq: 1,
        ack: 0,
        flags: TcpFlags::ACK,
        payload: b"abc",
    };
    let mut frame = prefix.to_vec();
    frame.extend_from_slice(&seg.frame(LinkType::RawIp).unwrap());
    w.write_packet(Duration::from_secs(1), &frame).unwrap();
    let file = w.into_inner();
    let mut ev = Vec::new();
    let st = read_capture(&file[..], |e| ev.push(e)).unwrap();
    (st, ev)
}

#[test]
fn sll2_null_and_raw_link_types() {
    let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6];
    sll2.extend_from_slice(&[0; 8]);
    for (code, prefix) in [
        (276, sll2),
        (0, 2u32.to_le_bytes().to_vec()),
        (108, 2u32.to_be_bytes().to_vec()),
        (228, vec![]),
        (12, vec![]),
    ] {
        let (st, ev) = other_link(code, &prefix);
        assert_eq!(st.tcp_segments, 1, "link type {code}");
        assert_eq!(text(&ev, 0, Side::AtoB), "abc", "link type {code}");
    }
    let file = PcapWriter::new(Vec::new(), LinkType::Code(147))
        .unwrap()
        .into_inner();
    let err = read_capture(&file[..], |_| {}).unwrap_err();
    assert!(
        matches!(err, CaptureError::UnsupportedLinkType { link_type: 147 }),
        "{err}"
    );
}

fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let len = (12 + body.len()) as u32;
    let mut b = kind.to_le_bytes().to_vec();
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(&body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

fn epb(if_id: u32, ts: u64, data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&if_id.to_le_bytes());
    body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
    body.extend_from_slice(&(ts as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(6, &body)
}

/// A pcapng file by hand: two interfaces (Ethernet in µs, raw IP in ns).
fn pcapng_file() -> Vec<u8> {
    let (a, b) = (addr(A), addr(B));
    let mut f = Vec::new();
    let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    f.extend(block(0x0a0d_0d0a, &shb));
    f.extend(block(1, &[1, 0, 0, 0, 0, 0, 4, 0]));
    f.extend(block(
        1,
        &[101, 0, 0, 0, 0, 0, 4, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0],
    ));
    let s1 = TcpSegment {
        src: a,
        dst: b,
        seq: 1,
        ack: 0,
        flags: TcpFlags::ACK,
        payload: b"eth",
    };
    let s2 = TcpSegment {
        src: a,
        dst: b,
        seq: 4,
        ack: 0,
        flags: TcpFlags::ACK,
        payload: b"raw",
    };
    f.extend(epb(0, 1_500_000, &s1.frame(LinkType::Ethernet).unwrap()));
    f.extend(epb(1, 2_000_000_001, &s2.frame(LinkType::RawIp).unwrap()));
    f
}

#[test]
fn pcapng_with_two_interfaces() {
    let f = pcapng_file();
    let mut ev = Vec::new();
    let st = read_capture(&f[..], |e| ev.push(e)).unwrap();
    assert_eq!(st.packets, 2);
    assert_eq!(text(&ev, 0, Side::AtoB), "ethraw");
    assert!(matches!(ev[1], StreamEvent::Data { ts, .. } if ts == Duration::from_millis(1500)));
    assert!(matches!(ev[2], StreamEvent::Data { ts, .. } if ts == Duration::new(2, 1)));
}

#[test]
fn big_endian_nanosecond_pcap() {
    let (a, b) = (addr(A), addr(B));
    let frame = TcpSegment {
        src: a,
        dst: b,
        seq: 1,
        ack: 0,
        flags: TcpFlags::ACK,
        payload: b"be",
    }
    .frame(LinkType::RawIp)
    .unwrap();
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_3c4du32.to_be_bytes());
    f.extend_from_slice(&[
        0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 101,
    ]);
    f.extend_from_slice(&3u32.to_be_bytes());
    f.extend_from_slice(&7u32.to_be_bytes());
    f.extend_from_slice(&(frame.len() as u32).to_be_bytes());
    f.extend_from_slice(&(frame.len() as u32).to_be_bytes());
    f.extend_from_slice(&frame);
    let mut ev = Vec::new();
    read_capture(&f[..], |e| ev.push(e)).unwrap();
    assert!(
        matches!(&ev[1], StreamEvent::Data { ts, bytes, .. } if *ts == Duration::new(3, 7) && bytes == b"be")
    );
}

#[test]
fn truncations_and_garbage_never_panic() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    handshake(&mut s, a, b, 1, 2);
    s.seg(a, b, 2, TcpFlags::ACK, b"some data");
    let pcap = s.w.into_inner();
    for file in [pcap, pcapng_file()] {
        for n in 0..file.len() {
            let mut opened = 0;
            let mut closed = 0;
            let r = read_capture(&file[..n], |e| match e {
                StreamEvent::Open { .. } => opened += 1,
                StreamEvent::Close { .. } => closed += 1,
                _ => {}
            });
            assert_eq!(opened, closed);
            if let Err(e) = r {
                let _ = e.to_string();
            }
        }
        // Corrupt every octet in turn.
        for i in 0..file.len() {
            let mut f = file.clone();
            f[i] ^= 0xa5;
            let _ = read_capture(&f[..], |_| {});
        }
    }
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..2000 {
        let n = rng.usize(0..200);
        let mut f: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
        if n >= 4 && rng.bool() {
            f[..4].copy_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        }
        let _ = read_capture(&f[..], |_| {});
    }
    let err = read_capture(&b"\xd4\xc3\xb2\xa1\x02\x00"[..], |_| {}).unwrap_err();
    assert!(
        matches!(err, CaptureError::Truncated { offset: 0, .. }),
        "{err}"
    );
}

#[test]
fn truncated_block_names_its_offset() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    s.seg(a, b, 1, TcpFlags::ACK, b"abc");
    s.seg(a, b, 4, TcpFlags::ACK, b"def");
    let file = s.w.into_inner();
    let mut ev = Vec::new();
    let err = read_capture(&file[..file.len() - 2], |e| ev.push(e)).unwrap_err();
    let first = 24 + 16 + (file.len() - 24) / 2 - 16;
    assert!(
        matches!(err, CaptureError::Truncated { offset, .. } if offset as usize == first),
        "{err}"
    );
    assert_eq!(text(&ev, 0, Side::AtoB), "abc");
    assert_eq!(closes(&ev), vec![(0, false, true)]);
}

fn reassembles(
    data: Vec<u8>,
    cuts: Vec<u8>,
    swaps: Vec<(u8, u8)>,
    dups: Vec<u8>,
    isn: u32,
) -> TestResult {
    let (a, b) = (addr(A), addr(B));
    // Segments of 1..=64 octets.
    let mut segs = Vec::new();
    let (mut pos, mut i) = (0usize, 0usize);
    while pos < data.len() {
        let len = (usize::from(*cuts.get(i % cuts.len().max(1)).unwrap_or(&7)) % 64 + 1)
            .min(data.len() - pos);
        segs.push((pos, len));
        pos += len;
        i += 1;
    }
    // Shuffle within a window of 8, then duplicate some.
    for (x, y) in swaps {
        let n = segs.len();
        if n == 0 {
            break;
        }
        let i = usize::from(x) % n;
        let j = (i + usize::from(y) % 8).min(n - 1);
        segs.swap(i, j);
    }
    for d in dups {
        if !segs.is_empty() {
            let s = segs[usize::from(d) % segs.len()];
            let at = (usize::from(d) * 7) % (segs.len() + 1);
            segs.insert(at, s);
        }
    }
    let mut s = Script::new(LinkType::Ethernet);
    s.seg(a, b, isn, TcpFlags::SYN, b"");
    for (off, len) in segs {
        s.seg(
            a,
            b,
            isn.wrapping_add(1).wrapping_add(off as u32),
            TcpFlags::ACK,
            &data[off..off + len],
        );
    }
    let (_, ev) = s.read();
    let mut got = Vec::new();
    for e in &ev {
        match e {
            StreamEvent::Data { bytes, .. } => got.extend_from_slice(bytes),
            StreamEvent::Gap { .. } => return TestResult::failed(),
            _ => {}
        }
    }
    TestResult::from_bool(got == data)
}

#[test]
fn reassembly_property() {
    quickcheck(reassembles as fn(Vec<u8>, Vec<u8>, Vec<(u8, u8)>, Vec<u8>, u32) -> TestResult);
}

#[test]
fn connection_bound_closes_the_oldest() {
    let b = addr(B);
    let mut s = Script::new(LinkType::Ethernet);
    for i in 0..4u16 {
        let a = SocketAddr::new("10.0.0.1".parse().unwrap(), 40000 + i);
        s.seg(a, b, 1, TcpFlags::ACK, b"x");
    }
    let file = s.w.into_inner();
    let mut ev = Vec::new();
    let limits = reassembly::Limits {
        max_conns: 2,
        ..Default::default()
    };
    read_capture_with(&file[..], limits, |e| ev.push(e)).unwrap();
    assert_eq!(
        closes(&ev),
        vec![
            (0, false, false),
            (1, false, false),
            (2, false, true),
            (3, false, true)
        ]
    );
    for c in 0..4 {
        assert_eq!(text(&ev, c, Side::AtoB), "x");
    }
}

#[test]
fn syn_ack_first_starts_both_directions() {
    let (a, b) = (addr(A), addr(B));
    let mut s = Script::new(LinkType::Ethernet);
    let mut w = TcpSegment {
        src: b,
        dst: a,
        seq: 500,
        ack: 101,
        flags: TcpFlags::SYN_ACK,
        payload: b"",
    };
    s.w.write_tcp(Duration::from_millis(1), &w).unwrap();
    // The client's first data was lost: its stream starts at the SYN-ACK's ack number.
    s.seg(a, b, 104, TcpFlags::ACK, b"def");
    w.seq = 501;
    w.flags = TcpFlags::ACK;
    w.payload = b"ok";
    s.w.write_tcp(Duration::from_millis(3), &w).unwrap();
    let (_, ev) = s.read();
    assert!(matches!(ev[0], StreamEvent::Open { syn: true, key, .. } if key.a == b));
    assert_eq!(text(&ev, 0, Side::BtoA), "[gap 3]def");
    assert_eq!(text(&ev, 0, Side::AtoB), "ok");
}
