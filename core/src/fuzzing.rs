//! Entry points for the cargo-fuzz targets in `fuzz/` (and for the randomized tests that
//! run the same code on stable). Each function takes arbitrary bytes, drives one part of the
//! core, and panics only when an invariant breaks.
//!
//! Inputs are read with a tiny [`ByteReader`]: when it runs dry every read yields zero, so
//! any byte string is a valid program.

use crate::codec::{frame, Frame, Framing};
use crate::message::{self, reassembly, udh};
use crate::pdu::{
    Address, Bind, Body, MessageIdResp, ParseOptions, Pdu, SubmitSm, DEFAULT_MAX_COMMAND_LENGTH,
};
use crate::session::{BindType, Event, Role, Session, SessionConfig};
use crate::time::{Duration, Instant};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// Reads fuzz input as a stream of small numbers and slices.
pub struct ByteReader<'a>(&'a [u8]);

impl<'a> ByteReader<'a> {
    /// Wraps the input.
    pub fn new(data: &'a [u8]) -> Self {
        ByteReader(data)
    }

    /// True when the input is used up.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The next octet, or 0.
    pub fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    /// The next two octets as a big-endian number.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    /// Up to `n` octets.
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        self.bytes(usize::MAX)
    }
}

/// Parse any bytes as PDUs; whatever parses must re-encode and parse back to the same PDU.
pub fn pdu(data: &[u8]) {
    let mut rest = data;
    while let Ok(Framing::Complete(n)) = frame(rest, DEFAULT_MAX_COMMAND_LENGTH) {
        let (one, tail) = rest.split_at(n);
        for opts in [ParseOptions::default(), ParseOptions::strict()] {
            if let Ok(p) = Pdu::parse_with(one, &opts) {
                round_trip(one, &p);
            }
        }
        if let Ok(f) = Frame::new(bytes::Bytes::copy_from_slice(one)) {
            let _ = f.pdu();
        }
        let _ = crate::trace::summary(one);
        rest = tail;
    }
    // Also try the raw input as a single frame.
    if let Ok(p) = Pdu::parse(data) {
        round_trip(data, &p);
    }
}

/// `p`, parsed from `bytes`: when it encodes, it parses back to itself; an over-long C-octet
/// string accepted leniently never encodes (the encoder refuses that same field).
fn round_trip(bytes: &[u8], p: &Pdu<'_>) {
    let over_long = match crate::pdu::lenient_warning(bytes, &ParseOptions::default()) {
        Some(crate::DecodeError::TooLong { field, max }) => {
            Some(crate::EncodeError::TooLong { field, max })
        }
        _ => None,
    };
    let mut buf = alloc::vec![0u8; p.encoded_len()];
    // A parsed PDU may hold other values the strict encoder refuses (leniency); those are
    // fine.
    match p.encode(&mut buf) {
        Ok(n) => {
            assert!(over_long.is_none(), "an over-long string was encoded");
            assert_eq!(n, p.encoded_len());
            let again = Pdu::parse(&buf[..n]).expect("re-encoded PDU parses");
            assert_eq!(&again, p, "parse -> encode -> parse changed the PDU");
        }
        Err(e) => {
            if let Some(want) = over_long {
                assert_eq!(e, want, "an over-long string refused as another error");
            }
        }
    }
}

/// Framing over arbitrary splits: feeding a stream in chunks finds the same frames as
/// framing the whole stream.
pub fn framing(data: &[u8]) {
    let mut r = ByteReader::new(data);
    let seed = r.u8();
    let stream = r.rest();
    let max = 4096;
    let whole = frames_of(stream, max);
    let mut acc: Vec<u8> = Vec::new();
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut err = false;
    let mut chunk = usize::from(seed % 17) + 1;
    let mut pos = 0;
    while pos < stream.len() && !err {
        let end = (pos + chunk).min(stream.len());
        acc.extend_from_slice(&stream[pos..end]);
        pos = end;
        chunk = (chunk * 7 + 3) % 23 + 1;
        loop {
            match frame(&acc, max) {
                Ok(Framing::Complete(n)) => {
                    got.push(acc.drain(..n).collect());
                }
                Ok(Framing::Partial { .. }) => break,
                Err(_) => {
                    err = true;
                    break;
                }
            }
        }
        assert!(
            acc.len() <= max as usize + 23,
            "buffer grew past the maximum frame"
        );
    }
    assert_eq!(got, whole.0);
    assert_eq!(err, whole.1);
}

fn frames_of(stream: &[u8], max: u32) -> (Vec<Vec<u8>>, bool) {
    let mut out = Vec::new();
    let mut rest = stream;
    loop {
        match frame(rest, max) {
            Ok(Framing::Complete(n)) => {
                out.push(rest[..n].to_vec());
                rest = &rest[n..];
            }
            Ok(Framing::Partial { .. }) => return (out, false),
            Err(_) => return (out, true),
        }
    }
}

/// Drives one session with fuzz input: the first octet picks the role, the rest is a program
/// of input chunks, time steps and application commands. Checks that in-flight never exceeds
/// the window, that every request gets at most one outcome (exactly one once closed), and that
/// `Closed` comes once, last.
pub fn session(data: &[u8]) {
    let mut r = ByteReader::new(data);
    let role = if r.u8() & 1 == 0 {
        Role::Esme
    } else {
        Role::Smsc
    };
    let mut config = SessionConfig::esme().with_role(role);
    config.window = 4;
    config.peer_window = 4;
    config.max_pdu_len = 1024;
    config.response_timeout = Duration::from_millis(500);
    config.enquire_link_interval = Some(Duration::from_millis(700));
    config.inactivity_timeout = Some(Duration::from_secs(5));
    config.bind_timeout = Duration::from_secs(2);
    config.max_transmit_buffer = 4096;
    let flags = r.u8();
    config.auto_respond = flags & 1 == 1;
    config.throttle_retries = u32::from((flags >> 1) & 3);
    if flags & 8 != 0 {
        config.inactivity = crate::session::Inactivity::Messages;
    }
    let mut now = Instant::ZERO;
    let mut s = Session::new(config, now);
    let mut outcomes: BTreeMap<u32, u32> = BTreeMap::new();
    let mut sent: Vec<u32> = Vec::new();
    let mut requests: Vec<u32> = Vec::new();
    let mut closed = 0u32;
    let mut steps = 0;
    while !r.is_empty() && steps < 2000 {
        steps += 1;
        match r.u8() % 9 {
            0 | 1 => {
                let n = usize::from(r.u8());
                let chunk = r.bytes(n);
                s.handle_input(now, chunk);
            }
            2 => {
                now += Duration::from_millis(u64::from(r.u16()));
                s.handle_timeout(now);
            }
            3 => {
                let bt = match r.u8() % 3 {
                    0 => BindType::Transmitter,
                    1 => BindType::Receiver,
                    _ => BindType::Transceiver,
                };
                let _ = s.bind(now, bt, &Bind::new("fuzz", "pw"));
                let _ = s.accept_bind(now, b"smsc", Some(0x34));
            }
            4 => {
                let body = match role {
                    Role::Esme => Body::SubmitSm(SubmitSm {
                        destination: Address::international("1234"),
                        short_message: r.bytes(8),
                        ..Default::default()
                    }),
                    Role::Smsc => Body::DeliverSm(SubmitSm {
                        destination: Address::international("1234"),
                        short_message: r.bytes(8),
                        ..Default::default()
                    }),
                };
                if let Ok(seq) = s.send(now, &body) {
                    sent.push(seq);
                }
            }
            5 => {
                if let Some(seq) = requests.pop() {
                    let status = crate::pdu::CommandStatus(u32::from(r.u8() % 3));
                    let _ = s.respond(now, seq, status, &Body::GenericNack);
                    let _ = s.respond(
                        now,
                        seq,
                        status,
                        &Body::SubmitSmResp(MessageIdResp::new(b"1")),
                    );
                    let _ = s.respond(now, seq, status, &Body::DeliverSmResp(MessageIdResp::EMPTY));
                }
            }
            6 => {
                let _ = s.unbind(now);
            }
            7 => {
                let n = usize::from(r.u8() % 64);
                let _ = s.poll_transmit();
                s.advance_transmit(n);
            }
            _ => {
                if r.u8() == 0xFF {
                    s.handle_eof(now);
                }
            }
        }
        assert!(s.in_flight() <= 4, "in-flight exceeds the window");
        let _ = s.poll_timeout();
        drain(&mut s, &mut outcomes, &mut requests, &mut closed);
    }
    s.abort(now);
    drain(&mut s, &mut outcomes, &mut requests, &mut closed);
    assert_eq!(closed, 1, "Closed exactly once");
    for seq in sent {
        assert_eq!(
            outcomes.get(&seq),
            Some(&1),
            "request {seq} has exactly one outcome"
        );
    }
}

fn drain(
    s: &mut Session,
    outcomes: &mut BTreeMap<u32, u32>,
    requests: &mut Vec<u32>,
    closed: &mut u32,
) {
    let mut bound = 0;
    while let Some(e) = s.poll_event() {
        bound += 1;
        assert!(bound < 100_000, "unbounded events");
        assert_eq!(*closed, 0, "event after Closed: {e:?}");
        match e {
            Event::Response { frame, .. } => {
                *outcomes.entry(frame.sequence_number()).or_default() += 1
            }
            Event::ResponseTimeout {
                sequence_number, ..
            }
            | Event::RequestFailed {
                sequence_number, ..
            }
            | Event::MismatchedResponse {
                sequence_number, ..
            } => *outcomes.entry(sequence_number).or_default() += 1,
            Event::Request {
                frame,
                auto_responded: false,
            } => requests.push(frame.sequence_number()),
            Event::Closed { .. } => *closed += 1,
            _ => {}
        }
    }
    for n in outcomes.values() {
        assert!(*n <= 1, "a request got two outcomes");
    }
    let _ = s.take_transmit();
}

/// The SMSC endpoint driven by fuzz bytes: up to four connections at once fed arbitrary
/// octets (valid PDUs from a small menu, or raw bytes), verdicts, replies, deliveries,
/// time, closes, outbind and shutdown. Invariants: the connection limit holds, every
/// accepted delivery gets at most one outcome while running and exactly one once every
/// connection is removed after a shutdown.
pub fn endpoint(data: &[u8]) {
    use crate::server::{ConnEvent, DeliveryId, Endpoint, Reply, ServerConfig, ServerEvent};
    let mut r = ByteReader::new(data);
    let mut config = ServerConfig {
        max_connections: 4,
        ..ServerConfig::default()
    };
    config.session.window = 2;
    config.session.peer_window = 4;
    config.session.max_pdu_len = 512;
    config.session.response_timeout = Duration::from_millis(300);
    config.session.bind_timeout = Duration::from_secs(2);
    config.session.enquire_link_interval = Some(Duration::from_millis(900));
    config.delivery.per_account = 8;
    config.delivery.total = 12;
    config.delivery.max_attempts = 1 + u32::from(r.u8() % 4);
    config.delivery.initial_backoff = Duration::from_millis(100);
    config.limits.max_binds_per_account = Some(3);
    let mut now = Instant::ZERO;
    let mut ep = Endpoint::new(config, now);
    let mut conns: Vec<crate::server::BindId> = Vec::new();
    let mut requests: Vec<(crate::server::BindId, u32, crate::CommandId)> = Vec::new();
    let mut accepted: Vec<DeliveryId> = Vec::new();
    let mut outcomes: BTreeMap<u64, u32> = BTreeMap::new();
    let mut buf = [0u8; 256];
    let accounts = ["a", "b"];
    let mut steps = 0;
    let drain = |ep: &mut Endpoint,
                 requests: &mut Vec<(crate::server::BindId, u32, crate::CommandId)>,
                 outcomes: &mut BTreeMap<u64, u32>,
                 conns: &[crate::server::BindId],
                 verdict: u8,
                 now: Instant| {
        for &c in conns {
            while let Some(ev) = ep.poll_request(c) {
                match ev {
                    ConnEvent::Authenticate(req) => {
                        let v = if verdict & 1 == 0 && req.password == "pw" {
                            Ok(())
                        } else {
                            Err(crate::CommandStatus::ESME_RINVPASWD)
                        };
                        ep.authenticated(now, c, v);
                    }
                    ConnEvent::Request { frame, .. } => {
                        requests.push((c, frame.sequence_number(), frame.command_id()))
                    }
                }
            }
            let _ = ep.take_transmit(c);
        }
        let mut n = 0;
        while let Some(ev) = ep.poll_event() {
            n += 1;
            assert!(n < 100_000, "unbounded events");
            if let ServerEvent::Delivery { id, .. } = ev {
                *outcomes.entry(id.0).or_default() += 1;
            }
        }
        while ep.poll_response().is_some() {}
        while ep.poll_wake().is_some() {}
        for v in outcomes.values() {
            assert!(*v <= 1, "a delivery ended twice");
        }
    };
    while !r.is_empty() && steps < 2000 {
        steps += 1;
        let pick = usize::from(r.u8());
        match r.u8() % 12 {
            0 => {
                let peer = core::net::SocketAddr::from(([127, 0, 0, 1 + (pick % 3) as u8], 9));
                if let Ok(id) = ep.accept(now, peer) {
                    conns.push(id);
                }
                assert!(ep.connection_count() <= 4, "connection limit broken");
            }
            1 | 2 => {
                if let Some(&c) = conns.get(pick % conns.len().max(1)) {
                    let menu = r.u8() % 6;
                    let seq = u32::from(r.u8());
                    let pdu = match menu {
                        0 => Pdu::new(seq, Body::BindReceiver(Bind::new(accounts[pick % 2], "pw"))),
                        1 => Pdu::new(
                            seq,
                            Body::BindTransceiver(Bind::new(accounts[pick % 2], "x")),
                        ),
                        2 => Pdu::new(
                            seq,
                            Body::SubmitSm(SubmitSm {
                                destination: Address::international("1"),
                                short_message: b"hi",
                                ..Default::default()
                            }),
                        ),
                        3 => Pdu::with_status(
                            seq,
                            crate::CommandStatus(u32::from(r.u8() % 0x66)),
                            Body::DeliverSmResp(MessageIdResp::EMPTY),
                        ),
                        4 => Pdu::new(seq, Body::EnquireLink),
                        _ => Pdu::new(seq, Body::Unbind),
                    };
                    if let Ok(n) = pdu.encode(&mut buf) {
                        let cut = if r.u8() & 7 == 0 { n / 2 } else { n };
                        ep.handle_input(now, c, &buf[..cut]);
                    }
                }
            }
            3 => {
                if let Some(&c) = conns.get(pick % conns.len().max(1)) {
                    let n = usize::from(r.u8() % 64);
                    let chunk = r.bytes(n);
                    ep.handle_input(now, c, chunk);
                }
            }
            4 => {
                now += Duration::from_millis(u64::from(r.u16() % 4000));
                ep.handle_timeout(now);
            }
            5 => {
                if let Some((c, seq, id)) = requests.pop() {
                    let reply = match r.u8() % 3 {
                        0 => Reply::ok_message_id("m1"),
                        1 => Reply::error(crate::CommandStatus::ESME_RSUBMITFAIL),
                        _ => Reply::new(crate::CommandStatus::ESME_ROK, &Body::EnquireLinkResp)
                            .unwrap_or(Reply::ok()),
                    };
                    let _ = ep.reply(now, c, seq, id, &reply);
                }
            }
            6 | 7 => {
                let body = Body::DeliverSm(SubmitSm {
                    source: Address::international("2"),
                    short_message: b"mo",
                    ..Default::default()
                });
                if let Ok(id) = ep.deliver(now, accounts[pick % 2], &body) {
                    accepted.push(id);
                }
            }
            8 => {
                if let Some(&c) = conns.get(pick % conns.len().max(1)) {
                    match r.u8() % 4 {
                        0 => ep.handle_eof(now, c),
                        1 => ep.unbind(now, c),
                        2 => ep.abort(now, c),
                        _ => {
                            ep.remove(now, c);
                            conns.retain(|x| *x != c);
                        }
                    }
                }
            }
            9 => {
                let addr = core::net::SocketAddr::from(([127, 0, 0, 9], 2775));
                let t = ep.outbind(now, addr, "smsc", "pw");
                if let Some(c) = ep.poll_connect() {
                    if r.u8() & 1 == 0 {
                        if let Ok(id) = ep.outbind_connected(now, c.id, addr) {
                            conns.push(id);
                        }
                    } else {
                        ep.outbind_failed(now, c.id);
                    }
                }
                if r.u8() & 1 == 0 {
                    ep.cancel_outbind(t);
                }
            }
            10 => {
                if r.u8() == 0xAA {
                    ep.shutdown(now);
                }
            }
            _ => {
                let _ = ep.poll_timeout();
                let _ = ep.sessions();
            }
        }
        drain(&mut ep, &mut requests, &mut outcomes, &conns, r.u8(), now);
        conns.retain(|c| ep.state(*c).is_some());
    }
    // The end: shut down, let every session finish, remove every connection.
    ep.shutdown(now);
    for _ in 0..4 {
        now += Duration::from_secs(30);
        ep.handle_timeout(now);
        drain(&mut ep, &mut requests, &mut outcomes, &conns, 1, now);
    }
    for c in ep.connections().collect::<Vec<_>>() {
        ep.remove(now, c);
    }
    drain(&mut ep, &mut requests, &mut outcomes, &[], 1, now);
    assert_eq!(ep.connection_count(), 0);
    assert_eq!(ep.queued_total(), 0, "messages left in the queue");
    for id in accepted {
        assert_eq!(
            outcomes.get(&id.0),
            Some(&1),
            "{id} has exactly one outcome"
        );
    }
}

/// Text decoders over arbitrary octets.
pub fn text(data: &[u8]) {
    let mut r = ByteReader::new(data);
    let dc = r.u8();
    let fill = r.u8() % 8;
    let bytes = r.rest();
    let _ = message::decode(dc, bytes);
    let _ = message::decode_lossy(dc, bytes);
    let _ = message::gsm7::decode_unpacked(bytes);
    let _ = message::gsm7::decode_unpacked_lossy(bytes);
    let _ = message::gsm7::unpack(bytes, fill, bytes.len() * 8 / 7);
    let _ = message::ucs2::decode(bytes);
    let _ = message::ucs2::decode_lossy(bytes);
    if let Ok(s) = core::str::from_utf8(bytes) {
        for enc in [
            message::Encoding::Gsm7,
            message::Encoding::Gsm7Packed,
            message::Encoding::Ucs2,
            message::Encoding::Latin1,
            message::Encoding::Ascii,
        ] {
            let _ = message::encode_lossy(s, enc);
            let _ = message::split_lossy(s, enc, message::SplitMethod::Udh8 { reference: 1 });
        }
    }
}

/// The UDH and delivery receipt parsers over arbitrary octets.
pub fn udh_receipt(data: &[u8]) {
    if let Ok((h, payload)) = udh::parse(data) {
        assert!(h.len() + payload.len() <= data.len());
        let _ = h.concat();
        let _ = h.ports();
        let elements: Vec<_> = h.elements().collect();
        let _ = udh::build_udh(&elements);
    }
    if let Ok(receipt) = message::parse_receipt(data) {
        let _ = receipt.state();
        let _ = receipt.submit_time();
        let _ = receipt.id_hex();
        let _ = message::ReceiptFields::from_receipt(&receipt);
    }
}

/// The reassembler fed arbitrary parts and time: memory stays within its configuration.
pub fn reassembly(data: &[u8]) {
    let mut r = ByteReader::new(data);
    let config = reassembly::ReassemblyConfig {
        max_pending_messages: 8,
        max_age: Duration::from_secs(10),
        max_parts_bytes: 2048,
    };
    let mut re = reassembly::Reassembler::new(config);
    let mut now = Instant::ZERO;
    let mut steps = 0;
    while !r.is_empty() && steps < 5000 {
        steps += 1;
        match r.u8() % 4 {
            0 => {
                now += Duration::from_millis(u64::from(r.u16()));
                re.handle_timeout(now);
            }
            1 => {
                let sm_len = usize::from(r.u8());
                let sm = r.bytes(sm_len);
                if let Ok(part) = reassembly::PartInput::from_short_message(b"src", b"dst", sm) {
                    let _ = re.push(now, part);
                }
            }
            _ => {
                let src_len = usize::from(r.u8() % 4);
                let src = r.bytes(src_len);
                let reference = u16::from(r.u8() % 4);
                let total = r.u8() % 6;
                let seq = r.u8() % 7;
                let len = usize::from(r.u8());
                let payload = r.bytes(len);
                let _ = re.push(
                    now,
                    reassembly::PartInput::new(src, b"d", reference, total, seq, payload),
                );
            }
        }
        assert!(re.pending_messages() <= 8);
        assert!(re.buffered_bytes() <= 2048);
        while re.poll_event().is_some() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::QuickCheck;

    #[test]
    fn targets_survive_random_input() {
        // Function pointers cannot capture; run each target through its own property.
        fn p_pdu(d: Vec<u8>) -> bool {
            pdu(&d);
            true
        }
        fn p_framing(d: Vec<u8>) -> bool {
            framing(&d);
            true
        }
        fn p_session(d: Vec<u8>) -> bool {
            session(&d);
            true
        }
        fn p_text(d: Vec<u8>) -> bool {
            text(&d);
            true
        }
        fn p_udh(d: Vec<u8>) -> bool {
            udh_receipt(&d);
            true
        }
        fn p_re(d: Vec<u8>) -> bool {
            reassembly(&d);
            true
        }
        fn p_endpoint(d: Vec<u8>) -> bool {
            endpoint(&d);
            true
        }
        let qc = || QuickCheck::new().tests(3000);
        qc().quickcheck(p_pdu as fn(Vec<u8>) -> bool);
        qc().quickcheck(p_framing as fn(Vec<u8>) -> bool);
        qc().quickcheck(p_session as fn(Vec<u8>) -> bool);
        qc().quickcheck(p_text as fn(Vec<u8>) -> bool);
        qc().quickcheck(p_udh as fn(Vec<u8>) -> bool);
        qc().quickcheck(p_re as fn(Vec<u8>) -> bool);
        qc().quickcheck(p_endpoint as fn(Vec<u8>) -> bool);
    }

    /// The PDU and framing targets reach the SMPP 5.0 bodies: every 5.0 golden vector, and
    /// each with every octet changed, cut or doubled, goes through both; the valid ones
    /// parse (so the mutations start from a decoded body).
    #[test]
    fn pdu_and_framing_targets_reach_smpp50_bodies() {
        let text = include_str!("../tests/data/smpp50.jsonl");
        let mut reached = alloc::collections::BTreeSet::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let hex = v["hex"].as_str().unwrap();
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            if v["expect"] == "valid" {
                let p = Pdu::parse(&bytes).unwrap();
                reached.insert(p.command_id());
            }
            pdu(&bytes);
            let mut framed = alloc::vec![3u8];
            framed.extend_from_slice(&bytes);
            framed.extend_from_slice(&bytes);
            framing(&framed);
            for i in 0..bytes.len() {
                let mut m = bytes.clone();
                m[i] ^= 0xA5;
                pdu(&m);
                pdu(&bytes[..i]);
                let mut d = bytes.clone();
                d.insert(i, bytes[i]);
                pdu(&d);
            }
        }
        for id in crate::CommandId::SMPP_5_0 {
            assert!(reached.contains(id), "{id}");
        }
    }

    #[test]
    fn session_program_with_valid_pdus() {
        // A scripted program: bind as SMSC, receive a bind and a submit_sm, answer, time out.
        let mut prog = alloc::vec![1u8, 0];
        let mut buf = [0u8; 256];
        for pdu in [
            Pdu::new(1, Body::BindTransceiver(Bind::new("a", "b"))),
            Pdu::new(
                2,
                Body::SubmitSm(SubmitSm {
                    short_message: b"x",
                    ..Default::default()
                }),
            ),
        ] {
            let n = pdu.encode(&mut buf).unwrap();
            prog.extend_from_slice(&[0, n as u8]);
            prog.extend_from_slice(&buf[..n]);
            prog.extend_from_slice(&[3, 2]);
        }
        prog.extend_from_slice(&[5, 0, 2, 0x10, 0x00, 4, 1]);
        session(&prog);
    }
}
