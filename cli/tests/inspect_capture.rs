//! `smpp inspect` end to end: a pcap file written from a scripted exchange (with a
//! retransmission, out-of-order segments and a segment the capture lost) goes through the
//! binary, and the JSON report says what happened on the wire.

mod cli_common;

use cli_common::{run, temp_path};
use smpp_cli::capture::{LinkType, PcapWriter, TcpFlags, TcpSegment};
use smpp_core::pdu::{Address, CommandStatus};
use smpp_core::pdu::{Bind, BindResp, Body, MessageIdResp, Pdu, SubmitSm};
use std::net::SocketAddr;
use std::time::Duration;

fn wire(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut buf = vec![0; pdu.encoded_len()];
    pdu.encode(&mut buf).unwrap();
    buf
}

fn submit(seq: u32) -> Vec<u8> {
    wire(&Pdu::new(
        seq,
        Body::SubmitSm(SubmitSm {
            source: Address::alphanumeric("Shop"),
            destination: Address::international("447700900123"),
            short_message: b"hello",
            ..Default::default()
        }),
    ))
}

fn resp(seq: u32, status: CommandStatus) -> Vec<u8> {
    let id = format!("id{seq}");
    let mut pdu = Pdu::new(seq, Body::SubmitSmResp(MessageIdResp::new(id.as_bytes())));
    pdu.command_status = status;
    wire(&pdu)
}

/// One direction of a TCP connection: its addresses and next sequence number.
struct Flow {
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
}

impl Flow {
    fn segment<'a>(&self, seq: u32, payload: &'a [u8], flags: TcpFlags) -> TcpSegment<'a> {
        TcpSegment {
            src: self.src,
            dst: self.dst,
            seq,
            ack: 0,
            flags,
            payload,
        }
    }
}

#[test]
fn a_scripted_capture_is_rebuilt_into_its_session() {
    let esme: SocketAddr = "10.0.0.1:40000".parse().unwrap();
    let smsc: SocketAddr = "10.0.0.2:2775".parse().unwrap();
    let mut up = Flow {
        src: esme,
        dst: smsc,
        seq: 1_000,
    };
    let mut down = Flow {
        src: smsc,
        dst: esme,
        seq: 9_000,
    };
    let mut w = PcapWriter::new(Vec::new(), LinkType::Ethernet).unwrap();
    let mut t = Duration::from_secs(1_700_000_000);
    let mut tick = |ms: u64| {
        t += Duration::from_millis(ms);
        t
    };
    // Handshake.
    w.write_tcp(tick(0), &up.segment(up.seq - 1, b"", TcpFlags::SYN))
        .unwrap();
    w.write_tcp(tick(1), &down.segment(down.seq - 1, b"", TcpFlags::SYN_ACK))
        .unwrap();
    // Bind, answered after 2 ms.
    let bind = wire(&Pdu::new(
        1,
        Body::BindTransceiver(Bind::new("acme", "secret")),
    ));
    w.write_tcp(tick(1), &up.segment(up.seq, &bind, TcpFlags::ACK))
        .unwrap();
    up.seq += bind.len() as u32;
    let bind_resp = wire(&Pdu::new(
        1,
        Body::BindTransceiverResp(BindResp {
            system_id: b"smsc",
            ..Default::default()
        }),
    ));
    w.write_tcp(tick(2), &down.segment(down.seq, &bind_resp, TcpFlags::ACK))
        .unwrap();
    down.seq += bind_resp.len() as u32;
    // Three submits in one stream, sent as two segments that arrive out of order, the
    // first of them retransmitted too.
    let submits: Vec<u8> = (2..=4).flat_map(submit).collect();
    let (a, b) = submits.split_at(submits.len() / 2 + 3);
    let b_seq = up.seq + a.len() as u32;
    w.write_tcp(tick(1), &up.segment(b_seq, b, TcpFlags::ACK))
        .unwrap();
    w.write_tcp(tick(0), &up.segment(up.seq, a, TcpFlags::ACK))
        .unwrap();
    w.write_tcp(tick(0), &up.segment(up.seq, a, TcpFlags::ACK))
        .unwrap();
    up.seq += submits.len() as u32;
    // Answers: OK, throttled, OK; the third after 5 ms.
    for (seq, status, after) in [
        (2, CommandStatus::ESME_ROK, 1),
        (3, CommandStatus::ESME_RTHROTTLED, 1),
        (4, CommandStatus::ESME_ROK, 3),
    ] {
        let r = resp(seq, status);
        w.write_tcp(tick(after), &down.segment(down.seq, &r, TcpFlags::ACK))
            .unwrap();
        down.seq += r.len() as u32;
    }
    // A fifth submit, answered; then the capture loses a segment of the SMSC's (an
    // answer to nothing), and the SMSC's enquire_link after it is held until the ESME's
    // acknowledgement covers the lost octets: the hole is then declared at once and the
    // enquire_link found again by resynchronisation, in time to pair with its answer.
    let fifth = submit(5);
    w.write_tcp(tick(10), &up.segment(up.seq, &fifth, TcpFlags::ACK))
        .unwrap();
    up.seq += fifth.len() as u32;
    let answer = resp(5, CommandStatus::ESME_ROK);
    w.write_tcp(tick(1), &down.segment(down.seq, &answer, TcpFlags::ACK))
        .unwrap();
    down.seq += answer.len() as u32;
    let lost = resp(99, CommandStatus::ESME_ROK);
    down.seq += lost.len() as u32;
    let el = wire(&Pdu::new(7, Body::EnquireLink));
    w.write_tcp(tick(10), &down.segment(down.seq, &el, TcpFlags::ACK))
        .unwrap();
    down.seq += el.len() as u32;
    let el_resp = wire(&Pdu::new(7, Body::EnquireLinkResp));
    let acked = TcpSegment {
        ack: down.seq,
        ..up.segment(up.seq, &el_resp, TcpFlags::ACK)
    };
    w.write_tcp(tick(1), &acked).unwrap();
    up.seq += el_resp.len() as u32;
    w.write_tcp(tick(1), &up.segment(up.seq, b"", TcpFlags::RST))
        .unwrap();

    let path = temp_path("scripted.pcap");
    std::fs::write(&path, w.into_inner()).unwrap();
    let out = run(&["inspect", "--json", path.to_str().unwrap()]);
    out.expect_code(0);
    let report: serde_json::Value =
        serde_json::from_str(out.stdout.lines().last().expect("a report")).unwrap();
    let conns = report["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 1, "{report}");
    let c = &conns[0];
    assert_eq!(c["esme"], "10.0.0.1:40000");
    assert_eq!(c["bind"]["system_id"], "acme");
    assert_eq!(c["bind"]["status"], "ESME_ROK");
    assert_eq!(c["bind"]["latency_ms"], 2.0);
    let count = |dir: &str, cmd: &str| {
        c["commands"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["direction"] == dir && e["command"] == cmd)
            .map(|e| e["count"].as_u64().unwrap())
            .sum::<u64>()
    };
    // Out of order and retransmitted: each submit counted once.
    assert_eq!(count("esme->smsc", "submit_sm"), 4, "{c}");
    assert_eq!(count("smsc->esme", "submit_sm_resp"), 4, "{c}");
    assert_eq!(count("smsc->esme", "enquire_link"), 1, "{c}");
    assert_eq!(count("esme->smsc", "enquire_link_resp"), 1, "{c}");
    assert_eq!(c["unanswered"]["total"], 0, "{c}");
    assert_eq!(c["throttling"]["total"], 1, "{c}");
    assert_eq!(c["max_window"]["esme_to_smsc"], 3, "{c}");
    assert_eq!(c["gaps"]["count"], 1, "{c}");
    assert_eq!(c["gaps"]["octets"], lost.len() as u64, "{c}");
    assert_eq!(c["gaps"]["resyncs"], 1, "{c}");
    assert_eq!(c["decode_errors"]["total"], 0, "{c}");
    assert_eq!(c["close"]["how"], "rst", "{c}");
    // The enquire_link was paired with its answer when the acknowledgement came (not left
    // unanswered until the close). Held octets carry the time they became available.
    let el_latency = c["latency"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["command"] == "enquire_link")
        .expect("enquire_link latency");
    assert_eq!(el_latency["count"], 1, "{c}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_truncated_capture_fails_with_a_clear_error() {
    let path = temp_path("truncated.pcap");
    std::fs::write(&path, [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4]).unwrap();
    let out = run(&["inspect", path.to_str().unwrap()]);
    out.expect_code(1);
    assert!(
        !out.stderr.is_empty() && !out.stderr.contains("panicked"),
        "{}",
        out.stderr
    );
    let _ = std::fs::remove_file(&path);
}
