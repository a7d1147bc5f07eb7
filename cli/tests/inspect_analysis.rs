//! The SMPP analysis of `smpp inspect`, driven with hand-built stream events.

use quickcheck::{QuickCheck, TestResult};
use smpp_cli::capture::{ConnId, ConnKey, Side, StreamEvent};
use smpp_cli::inspect::{Analyzer, InspectOptions, Report, MAX_OUTSTANDING};
use smpp_core::pdu::{
    Bind, BindResp, Body, CommandStatus, DeliverSm, EsmClass, MessageIdResp, Pdu, SubmitSm,
};
use std::time::Duration;

fn wire(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut buf = vec![0; pdu.encoded_len()];
    pdu.encode(&mut buf).unwrap();
    buf
}

fn with_status(seq: u32, status: CommandStatus, body: Body<'_>) -> Vec<u8> {
    let mut p = Pdu::new(seq, body);
    p.command_status = status;
    wire(&p)
}

fn us(n: u64) -> Duration {
    Duration::from_secs(1_700_000_000) + Duration::from_micros(n)
}

/// Builds the events of one connection.
struct Conn {
    id: ConnId,
    frame: u64,
    events: Vec<StreamEvent>,
}

impl Conn {
    fn open(id: u64, a: &str, b: &str, syn: bool) -> Conn {
        let key = ConnKey {
            a: a.parse().unwrap(),
            b: b.parse().unwrap(),
        };
        let conn = ConnId(id);
        Conn {
            id: conn,
            frame: 1,
            events: vec![StreamEvent::Open {
                conn,
                key,
                ts: us(0),
                frame: 1,
                syn,
            }],
        }
    }
    fn data(&mut self, side: Side, t: u64, bytes: Vec<u8>) -> &mut Self {
        self.frame += 1;
        self.events.push(StreamEvent::Data {
            conn: self.id,
            side,
            ts: us(t),
            frame: self.frame,
            bytes,
        });
        self
    }
    fn esme(&mut self, t: u64, bytes: Vec<u8>) -> &mut Self {
        self.data(Side::AtoB, t, bytes)
    }
    fn smsc(&mut self, t: u64, bytes: Vec<u8>) -> &mut Self {
        self.data(Side::BtoA, t, bytes)
    }
    fn gap(&mut self, side: Side, t: u64, len: u64) -> &mut Self {
        self.frame += 1;
        self.events.push(StreamEvent::Gap {
            conn: self.id,
            side,
            ts: us(t),
            frame: self.frame,
            len,
        });
        self
    }
    fn close(&mut self, t: u64, reset: bool) -> Vec<StreamEvent> {
        self.frame += 1;
        self.events.push(StreamEvent::Close {
            conn: self.id,
            ts: us(t),
            frame: self.frame,
            reset,
            end_of_capture: false,
        });
        std::mem::take(&mut self.events)
    }
}

fn analyze_with(opts: InspectOptions, events: Vec<StreamEvent>, end: u64) -> Report {
    let mut an = Analyzer::new(opts);
    for e in events {
        an.event(e);
    }
    an.finish(us(end))
}

fn analyze(events: Vec<StreamEvent>, end: u64) -> Report {
    analyze_with(InspectOptions::default(), events, end)
}

fn count(r: &smpp_cli::inspect::ConnReport, dir: &str, cmd: &str) -> u64 {
    r.commands
        .iter()
        .find(|c| c.direction == dir && c.command == cmd)
        .map_or(0, |c| c.count)
}

fn receipt(seq: u32, id: &str, stat: &str) -> Vec<u8> {
    let text = format!("id:{id} sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:{stat} err:000 text:hi");
    wire(&Pdu::new(
        seq,
        Body::DeliverSm(DeliverSm {
            esm_class: EsmClass::DELIVERY_RECEIPT,
            short_message: text.as_bytes(),
            ..Default::default()
        }),
    ))
}

fn submit(seq: u32) -> Vec<u8> {
    wire(&Pdu::new(
        seq,
        Body::SubmitSm(SubmitSm {
            short_message: b"hello",
            ..Default::default()
        }),
    ))
}

fn submit_resp(seq: u32, id: &str) -> Vec<u8> {
    wire(&Pdu::new(
        seq,
        Body::SubmitSmResp(MessageIdResp::new(id.as_bytes())),
    ))
}

/// The events of a complete session (times in microseconds).
fn full_session() -> Vec<StreamEvent> {
    let mut c = Conn::open(1, "10.0.0.1:40000", "10.0.0.2:2775", true);
    c.esme(
        1_000,
        wire(&Pdu::new(1, Body::BindTransceiver(Bind::new("acme", "pw")))),
    );
    c.smsc(
        2_000,
        wire(&Pdu::new(
            1,
            Body::BindTransceiverResp(BindResp {
                system_id: b"smsc",
                ..Default::default()
            }),
        )),
    );
    // Three submits in flight at once, answered after 1, 1.5 and 2 ms.
    c.esme(10_000, submit(2));
    c.esme(10_000, submit(3));
    c.esme(10_000, submit(4));
    c.smsc(11_000, submit_resp(2, "00A1"));
    c.smsc(11_500, submit_resp(3, "a2"));
    c.smsc(12_000, submit_resp(4, "A3"));
    // Receipts 100 ms, 200 ms, 300 ms after the submits.
    for (i, (id, stat)) in [("a1", "DELIVRD"), ("A2", "DELIVRD"), ("0a3", "UNDELIV")]
        .iter()
        .enumerate()
    {
        let t = 110_000 + 100_000 * i as u64;
        let seq = 10 + i as u32;
        c.smsc(t, receipt(seq, id, stat));
        c.esme(
            t + 1_000,
            wire(&Pdu::new(
                seq,
                Body::DeliverSmResp(MessageIdResp::default()),
            )),
        );
    }
    c.esme(1_000_000, wire(&Pdu::new(5, Body::EnquireLink)));
    c.smsc(1_000_500, wire(&Pdu::new(5, Body::EnquireLinkResp)));
    c.esme(3_000_000, wire(&Pdu::new(6, Body::EnquireLink)));
    c.smsc(3_000_500, wire(&Pdu::new(6, Body::EnquireLinkResp)));
    c.esme(4_000_000, wire(&Pdu::new(7, Body::Unbind)));
    c.smsc(4_001_000, wire(&Pdu::new(7, Body::UnbindResp)));
    c.close(4_002_000, false)
}

#[test]
fn a_full_session() {
    let r = analyze(full_session(), 5_000_000);
    assert_eq!(r.connections.len(), 1);
    let c = &r.connections[0];
    assert_eq!(
        (c.esme.as_str(), c.smsc.as_str()),
        ("10.0.0.1:40000", "10.0.0.2:2775")
    );
    assert_eq!(c.esme_by, "bind");
    assert_eq!(c.state, "CLOSED");
    assert_eq!(c.pdus, 2 + 6 + 6 + 4 + 2);
    assert_eq!(count(c, "esme->smsc", "bind_transceiver"), 1);
    assert_eq!(count(c, "smsc->esme", "bind_transceiver_resp"), 1);
    assert_eq!(count(c, "esme->smsc", "submit_sm"), 3);
    assert_eq!(count(c, "smsc->esme", "submit_sm_resp"), 3);
    assert_eq!(count(c, "smsc->esme", "deliver_sm"), 3);
    assert_eq!(count(c, "esme->smsc", "deliver_sm_resp"), 3);
    assert_eq!(count(c, "esme->smsc", "enquire_link"), 2);
    assert_eq!(count(c, "esme->smsc", "unbind"), 1);
    assert_eq!(c.statuses.len(), 1);
    assert_eq!(
        (c.statuses[0].status.as_str(), c.statuses[0].count),
        ("ESME_ROK", 10)
    );
    let b = c.bind.as_ref().unwrap();
    assert_eq!(b.command, "bind_transceiver");
    assert_eq!(b.system_id, "acme");
    assert_eq!(b.smsc_system_id.as_deref(), Some("smsc"));
    assert_eq!(b.status.as_deref(), Some("ESME_ROK"));
    assert_eq!(b.latency_ms, Some(1.0));
    let lat = c.latency.iter().find(|l| l.command == "submit_sm").unwrap();
    assert_eq!(lat.direction, "esme->smsc");
    assert_eq!(lat.latency.count, 3);
    assert_eq!(lat.latency.p50_ms, 1.5);
    assert_eq!(lat.latency.max_ms, 2.0);
    let el = c
        .latency
        .iter()
        .find(|l| l.command == "enquire_link")
        .unwrap();
    assert_eq!((el.latency.count, el.latency.max_ms), (2, 0.5));
    let dl = c
        .latency
        .iter()
        .find(|l| l.command == "deliver_sm")
        .unwrap();
    assert_eq!(dl.direction, "smsc->esme");
    assert_eq!(c.max_window.esme_to_smsc, 3);
    assert_eq!(c.max_window.smsc_to_esme, 1);
    assert_eq!(c.unanswered.total, 0);
    assert_eq!(c.enquire_link.count, 2);
    assert_eq!(c.enquire_link.max_interval_ms, Some(2000.0));
    assert_eq!(c.longest_idle.unwrap().ms, 1999.5);
    let u = c.unbind.as_ref().unwrap();
    assert_eq!(u.by, "esme");
    assert_eq!(c.close.how, "fin");
    assert_eq!(c.decode_errors.total, 0);
    assert_eq!(c.receipts, 3);
    let rc = &r.receipts;
    assert_eq!(
        (rc.submits_accepted, rc.matched, rc.submits_without_receipt),
        (3, 3, 0)
    );
    let d = rc.delay.unwrap();
    assert_eq!(d.max_ms, 300.0);
    assert!((d.p50_ms - 200.0).abs() <= 0.2, "{d:?}");
    let stats: Vec<(&str, u64)> = rc
        .stats
        .iter()
        .map(|s| (s.name.as_str(), s.count))
        .collect();
    assert_eq!(stats, [("DELIVRD", 2), ("UNDELIV", 1)]);
    // Both outputs render.
    let table = r.to_string();
    assert!(
        table.contains("bind_transceiver system_id=acme -> ESME_ROK in 1.000 ms"),
        "{table}"
    );
    let json = smpp_cli::json::to_string(&r);
    assert!(json.contains(r#""system_id":"acme""#), "{json}");
}

#[test]
fn unanswered_throttling_and_errors() {
    let mut c = Conn::open(1, "10.0.0.1:40000", "10.0.0.2:2775", true);
    c.esme(
        0,
        wire(&Pdu::new(1, Body::BindTransmitter(Bind::new("a", "b")))),
    );
    c.smsc(
        100,
        wire(&Pdu::new(1, Body::BindTransmitterResp(BindResp::default()))),
    );
    for s in 2..=4 {
        c.esme(1_000, submit(s));
    }
    c.smsc(
        2_000,
        with_status(2, CommandStatus::ESME_RTHROTTLED, Body::GenericNack),
    );
    c.smsc(
        3_000,
        with_status(
            3,
            CommandStatus::ESME_RTHROTTLED,
            Body::SubmitSmResp(MessageIdResp::default()),
        ),
    );
    c.smsc(4_000, submit_resp(4, "x"));
    c.esme(5_000, submit(5));
    c.smsc(
        6_000,
        with_status(
            5,
            CommandStatus::ESME_RSYSERR,
            Body::SubmitSmResp(MessageIdResp::default()),
        ),
    );
    c.esme(7_000, submit(6));
    c.esme(8_000, submit(7));
    let mut ev = c.close(10_000, true);
    ev.pop(); // the capture ends with the connection open
    let r = analyze(ev, 20_000);
    let c = &r.connections[0];
    assert_eq!(c.close.how, "end of capture");
    assert_eq!(c.state, "BOUND_TX at close");
    assert_eq!(c.unanswered.total, 2);
    let p = &c.unanswered.oldest[0];
    assert_eq!(
        (p.command.as_str(), p.seq, p.age_ms),
        ("submit_sm", 6, 13.0)
    );
    assert_eq!(c.unanswered.oldest[1].age_ms, 12.0);
    assert_eq!(c.throttling.total, 1);
    let t = &c.throttling.list[0];
    assert_eq!(
        (t.count, t.status.as_str(), t.direction),
        (2, "ESME_RTHROTTLED", "smsc->esme")
    );
    assert_eq!(c.errors.total, 2);
    assert_eq!(c.errors.list[0].count, 2);
    assert_eq!(c.errors.list[1].status, "ESME_RSYSERR");
}

#[test]
fn a_stream_joined_mid_pdu_resynchronises() {
    let mut c = Conn::open(1, "10.0.0.1:40000", "10.0.0.2:2775", false);
    let mut first = submit(9);
    let cut = first.split_off(7); // the capture starts 7 octets into a PDU
    let mut bytes = cut.clone();
    bytes.extend(submit(10));
    bytes.extend(submit(11));
    c.esme(0, bytes);
    c.smsc(10, submit_resp(10, "1"));
    c.smsc(10, submit_resp(11, "2"));
    // A gap in the middle of the next PDUs.
    let mut more = submit(12);
    more.extend(submit(13));
    c.esme(20, more[..10].to_vec());
    c.gap(Side::AtoB, 30, 25);
    c.esme(40, more[35..].to_vec());
    c.esme(50, submit(14));
    let r = analyze(c.close(100, false), 100);
    let c = &r.connections[0];
    assert_eq!(c.esme_by, "port");
    // The cut PDU's tail, the 10 octets buffered when the gap came, the end of submit 12
    // after the gap.
    let after_gap = submit(12).len() as u64 - 35;
    assert_eq!(
        c.skipped_octets.esme_to_smsc,
        cut.len() as u64 + 10 + after_gap
    );
    assert_eq!(count(c, "esme->smsc", "submit_sm"), 4);
    assert_eq!(c.gaps.count, 1);
    assert_eq!(c.gaps.octets, 25);
    assert_eq!(c.gaps.resyncs, 3);
}

#[test]
fn split_at_every_boundary_gives_the_same_report() {
    let whole = analyze(full_session(), 5_000_000);
    let reference = smpp_cli::json::to_string(&whole);
    for chunk in [1usize, 2, 3, 7, 16, 17] {
        let mut events = Vec::new();
        for e in full_session() {
            match e {
                StreamEvent::Data {
                    conn,
                    side,
                    ts,
                    frame,
                    bytes,
                } => {
                    for piece in bytes.chunks(chunk) {
                        events.push(StreamEvent::Data {
                            conn,
                            side,
                            ts,
                            frame,
                            bytes: piece.to_vec(),
                        });
                    }
                }
                other => events.push(other),
            }
        }
        let r = analyze(events, 5_000_000);
        assert_eq!(
            smpp_cli::json::to_string(&r),
            reference,
            "chunks of {chunk}"
        );
    }
}

#[test]
fn non_smpp_is_ignored_and_other_ports_are_detected() {
    let mut http = Conn::open(1, "10.0.0.1:50000", "10.0.0.2:80", true);
    http.esme(0, b"GET / HTTP/1.1\r\nHost: example\r\n\r\n".to_vec());
    http.smsc(10, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec());
    let mut events = http.close(20, false);
    let mut smpp = Conn::open(2, "10.0.0.1:50001", "10.0.0.2:9000", true);
    smpp.esme(0, wire(&Pdu::new(1, Body::EnquireLink)));
    smpp.smsc(10, wire(&Pdu::new(1, Body::EnquireLinkResp)));
    events.extend(smpp.close(20, false));
    let r = analyze(events.clone(), 30);
    assert_eq!((r.connections.len(), r.ignored_connections), (1, 1));
    assert_eq!(r.connections[0].conn, 2);
    assert_eq!(r.connections[0].pdus, 2);
    let off = InspectOptions {
        heuristic: false,
        ..InspectOptions::default()
    };
    let r = analyze_with(off.clone(), events.clone(), 30);
    assert_eq!((r.connections.len(), r.ignored_connections), (0, 2));
    let on_port = InspectOptions {
        ports: vec![9000],
        heuristic: false,
    };
    let r = analyze_with(on_port, events, 30);
    assert_eq!(r.connections.len(), 1);
    assert_eq!(r.connections[0].smsc, "10.0.0.2:9000");
}

#[test]
fn a_decode_error_is_reported_and_analysis_continues() {
    let mut bad = submit(2);
    // sm_length (just before "hello") claims more than the PDU holds.
    let at = bad.len() - 6;
    bad[at] = 200;
    let mut c = Conn::open(1, "10.0.0.1:40000", "10.0.0.2:2775", true);
    c.esme(0, submit(1));
    c.esme(10, bad);
    c.esme(20, submit(3));
    let r = analyze(c.close(30, false), 30);
    let c = &r.connections[0];
    assert_eq!(c.decode_errors.total, 1);
    let e = &c.decode_errors.list[0];
    assert_eq!((e.frame, e.offset), (3, submit(1).len() as u64));
    assert!(!e.error.is_empty());
    assert_eq!(count(c, "esme->smsc", "submit_sm"), 3);
}

#[test]
fn outstanding_requests_are_capped() {
    let mut an = Analyzer::new(InspectOptions::default());
    let mut c = Conn::open(1, "10.0.0.1:40000", "10.0.0.2:2775", true);
    for e in c.close(0, false).drain(..1) {
        an.event(e);
    }
    let one = submit(1).len();
    let mut buf = Vec::new();
    for seq in 1..=200_000u32 {
        buf.extend(submit(seq));
        if buf.len() > 1400 {
            an.event(StreamEvent::Data {
                conn: ConnId(1),
                side: Side::AtoB,
                ts: us(u64::from(seq)),
                frame: u64::from(seq),
                bytes: std::mem::take(&mut buf),
            });
        }
    }
    an.event(StreamEvent::Data {
        conn: ConnId(1),
        side: Side::AtoB,
        ts: us(200_000),
        frame: 200_001,
        bytes: buf,
    });
    let r = an.finish(us(300_000));
    let c = &r.connections[0];
    assert!(one > 16);
    assert_eq!(c.pdus, 200_000);
    assert_eq!(c.unanswered.total, 200_000);
    assert_eq!(c.unanswered.overflow, 200_000 - MAX_OUTSTANDING as u64);
    assert_eq!(c.max_window.esme_to_smsc, MAX_OUTSTANDING as u64);
    assert!(c.unanswered.oldest.len() <= 20);
}

#[test]
fn random_cuts_never_panic_and_count_every_pdu() {
    fn prop(kinds: Vec<u8>, cuts: Vec<u16>) -> TestResult {
        let mut stream = Vec::new();
        for (i, k) in kinds.iter().enumerate() {
            let seq = i as u32 + 1;
            stream.extend(match k % 5 {
                0 => submit(seq),
                1 => submit_resp(seq, "abc"),
                2 => wire(&Pdu::new(seq, Body::EnquireLink)),
                3 => receipt(seq, "abc", "DELIVRD"),
                _ => wire(&Pdu::new(seq, Body::GenericNack)),
            });
        }
        let mut c = Conn::open(1, "10.0.0.1:40000", "10.0.0.2:2775", true);
        let mut at = 0;
        for cut in cuts {
            let n = (cut as usize % 97).min(stream.len() - at);
            c.esme(1, stream[at..at + n].to_vec());
            at += n;
        }
        c.esme(2, stream[at..].to_vec());
        let r = analyze(c.close(3, false), 3);
        let conn = &r.connections[0];
        TestResult::from_bool(conn.pdus == kinds.len() as u64 && conn.decode_errors.total == 0)
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(Vec<u8>, Vec<u16>) -> TestResult);
}
