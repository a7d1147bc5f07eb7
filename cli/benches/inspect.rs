//! The analysis of `smpp inspect` over ~100 MB of submit_sm/submit_sm_resp pairs fed as
//! 1400-octet chunks; prints MB/s. `cargo bench -p smpp-cli --bench inspect`.

use smpp_cli::capture::{ConnId, ConnKey, Side, StreamEvent};
use smpp_cli::inspect::{Analyzer, InspectOptions};
use smpp_core::pdu::{Body, MessageIdResp, Pdu, SubmitSm};
use std::time::{Duration, Instant};

fn wire(pdu: &Pdu<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + pdu.encoded_len(), 0);
    pdu.encode(&mut out[start..]).unwrap();
}

fn main() {
    const TARGET: usize = 100 << 20;
    let mut esme = Vec::with_capacity(TARGET / 2 + 4096);
    let mut smsc = Vec::with_capacity(TARGET / 2 + 4096);
    let mut seq = 1u32;
    while esme.len() + smsc.len() < TARGET {
        let submit = Pdu::new(
            seq,
            Body::SubmitSm(SubmitSm {
                short_message: b"hello world, a short message",
                ..Default::default()
            }),
        );
        wire(&submit, &mut esme);
        let id = format!("{seq:x}");
        wire(
            &Pdu::new(seq, Body::SubmitSmResp(MessageIdResp::new(id.as_bytes()))),
            &mut smsc,
        );
        seq = seq.wrapping_add(1) & 0x7FFF_FFFF;
    }
    let total = esme.len() + smsc.len();
    let conn = ConnId(1);
    let mut events = vec![StreamEvent::Open {
        conn,
        key: ConnKey {
            a: "10.0.0.1:40000".parse().unwrap(),
            b: "10.0.0.2:2775".parse().unwrap(),
        },
        ts: Duration::ZERO,
        frame: 1,
        syn: true,
    }];
    let mut frame = 1;
    let (mut a, mut b) = (esme.chunks(1400), smsc.chunks(1400));
    loop {
        let (x, y) = (a.next(), b.next());
        if x.is_none() && y.is_none() {
            break;
        }
        for (side, chunk) in [(Side::AtoB, x), (Side::BtoA, y)] {
            if let Some(c) = chunk {
                frame += 1;
                events.push(StreamEvent::Data {
                    conn,
                    side,
                    ts: Duration::from_micros(frame * 10),
                    frame,
                    bytes: c.to_vec(),
                });
            }
        }
    }
    for (name, headers_only) in [("every PDU parsed", false), ("headers only", true)] {
        let events = events.clone();
        let start = Instant::now();
        let mut an = Analyzer::new(InspectOptions::default());
        if headers_only {
            an = an.headers_only();
        }
        for e in events {
            an.event(e);
        }
        let report = an.finish(Duration::from_secs(10));
        let secs = start.elapsed().as_secs_f64();
        assert!(report.connections[0].pdus > 1_000_000);
        println!(
            "inspect ({name}): {:.1} MB in {:.3} s: {:.0} MB/s, {:.2} M PDUs/s",
            total as f64 / 1e6,
            secs,
            total as f64 / 1e6 / secs,
            report.connections[0].pdus as f64 / 1e6 / secs
        );
    }
}
