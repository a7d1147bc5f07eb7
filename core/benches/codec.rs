//! Codec benchmarks: parse and emit of a typical `submit_sm`, a delivery-receipt
//! `deliver_sm` and an SMPP 5.0 `broadcast_sm` (the same 60-octet text, in
//! `message_payload`, with its four mandatory broadcast TLVs), framing, and `encode_to` into
//! a reused `BytesMut`.
//!
//! A plain `main` (no harness): each line item runs 5 times over `ITERS` iterations and
//! reports the best and the median ns/op. Run with
//! `cargo bench -p smpp-core --bench codec`; `BENCH_ITERS=<n>` changes the iteration count and
//! `BENCH_FILTER=<text>` runs only the operations whose name contains `<text>`.

use bytes::BytesMut;
use smpp_core::codec::{frame, Framing};
use smpp_core::pdu::{
    Address, Body, BroadcastContentType, BroadcastFrequencyInterval, BroadcastSm, DeliverSm,
    EsmClass, RegisteredDelivery, SubmitSm, Tlv, TlvTag, Tlvs, DEFAULT_MAX_COMMAND_LENGTH,
};
use smpp_core::Pdu;
use std::hint::black_box;
use std::time::Instant;

const RUNS: usize = 5;
const DEFAULT_ITERS: u64 = 2_000_000;

/// Runs `f` `iters` times per run, `RUNS` runs; returns (best, median) ns/op.
fn measure(iters: u64, mut f: impl FnMut()) -> (f64, f64) {
    // Warm up caches and the branch predictor.
    for _ in 0..iters / 10 {
        f();
    }
    let mut per_op: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    per_op.sort_by(f64::total_cmp);
    (per_op[0], per_op[RUNS / 2])
}

struct Report {
    iters: u64,
    /// Only the operations whose name contains this (`BENCH_FILTER`), e.g. for profiling.
    filter: Option<String>,
    rows: Vec<(String, usize, f64, f64)>,
}

impl Report {
    fn run(&mut self, name: &str, octets: usize, f: impl FnMut()) {
        if self.filter.as_deref().is_some_and(|w| !name.contains(w)) {
            return;
        }
        let (best, median) = measure(self.iters, f);
        println!("{name:<44} {octets:>7} {best:>10.1} {median:>10.1}");
        self.rows.push((name.to_string(), octets, best, median));
    }
}

const MESSAGE_60: &[u8; 60] = b"Your verification code is 482913. It expires in 10 minutes.!";
const RECEIPT: &[u8] = b"id:6f1d2a9c0b1e4f77 sub:001 dlvrd:001 submit date:2611212300 \
done date:2611212301 stat:DELIVRD err:000 text:Your verification";

static SUBMIT_TLVS: [Tlv<'static>; 2] = [
    Tlv::u16(TlvTag::USER_MESSAGE_REFERENCE, 0x1234),
    Tlv::u16(TlvTag::SOURCE_PORT, 0x1F90),
];
static RECEIPT_TLVS: [Tlv<'static>; 2] = [
    Tlv::cstr(TlvTag::RECEIPTED_MESSAGE_ID, b"6f1d2a9c0b1e4f77"),
    Tlv::u8(TlvTag::MESSAGE_STATE, 2),
];

const CONTENT_TYPE: [u8; 3] = BroadcastContentType {
    network_type: 1,
    content_type: 0x0010,
}
.to_bytes();
const FREQUENCY: [u8; 3] = BroadcastFrequencyInterval {
    unit: 0x09,
    value: 5,
}
.to_bytes();
static BROADCAST_TLVS: [Tlv<'static>; 5] = [
    Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Dublin"),
    Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &CONTENT_TYPE),
    Tlv::u16(TlvTag::BROADCAST_REP_NUM, 3),
    Tlv::octets(TlvTag::BROADCAST_FREQUENCY_INTERVAL, &FREQUENCY),
    Tlv::octets(TlvTag::MESSAGE_PAYLOAD, MESSAGE_60),
];

fn broadcast_sm() -> Pdu<'static> {
    Pdu::new(
        0x0000_3003,
        Body::BroadcastSm(BroadcastSm {
            source: Address::alphanumeric("Sender"),
            tlvs: Tlvs::from_slice(&BROADCAST_TLVS),
            ..Default::default()
        }),
    )
}

fn submit_sm() -> Pdu<'static> {
    Pdu::new(
        0x0000_1001,
        Body::SubmitSm(SubmitSm {
            source: Address::alphanumeric("Sender"),
            destination: Address::international("447700900123"),
            registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
            short_message: MESSAGE_60,
            tlvs: Tlvs::from_slice(&SUBMIT_TLVS),
            ..Default::default()
        }),
    )
}

fn receipt() -> Pdu<'static> {
    Pdu::new(
        0x0000_2002,
        Body::DeliverSm(DeliverSm {
            source: Address::international("447700900123"),
            destination: Address::alphanumeric("Sender"),
            esm_class: EsmClass::DELIVERY_RECEIPT,
            short_message: RECEIPT,
            tlvs: Tlvs::from_slice(&RECEIPT_TLVS),
            ..Default::default()
        }),
    )
}

fn encoded(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut v = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut v).expect("valid PDU");
    assert_eq!(n, v.len());
    v
}

fn main() {
    let iters = std::env::var("BENCH_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ITERS);
    let submit = submit_sm();
    let deliver = receipt();
    let broadcast = broadcast_sm();
    let submit_bytes = encoded(&submit);
    let deliver_bytes = encoded(&deliver);
    let broadcast_bytes = encoded(&broadcast);

    // The fixtures are what they claim to be.
    assert_eq!(MESSAGE_60.len(), 60);
    assert_eq!(Pdu::parse(&submit_bytes).unwrap(), submit);
    assert_eq!(Pdu::parse(&deliver_bytes).unwrap(), deliver);
    assert_eq!(Pdu::parse(&broadcast_bytes).unwrap(), broadcast);

    // A receive buffer: the submit_sm followed by the start of another PDU.
    let mut stream = submit_bytes.clone();
    stream.extend_from_slice(&deliver_bytes[..20]);
    assert_eq!(
        frame(&stream, DEFAULT_MAX_COMMAND_LENGTH),
        Ok(Framing::Complete(submit_bytes.len()))
    );

    println!("smpp-core codec benchmark: {RUNS} runs x {iters} iterations, ns/op (best, median)");
    println!(
        "{:<44} {:>7} {:>10} {:>10}",
        "operation", "octets", "best", "median"
    );
    // One stack buffer for the emit items, zeroed once (not per iteration).
    let mut buf = [0u8; 512];
    let mut r = Report {
        iters,
        filter: std::env::var("BENCH_FILTER").ok(),
        rows: Vec::new(),
    };

    r.run("parse submit_sm", submit_bytes.len(), || {
        let p = Pdu::parse(black_box(&submit_bytes));
        black_box(&p);
    });
    r.run("parse submit_sm + read TLVs", submit_bytes.len(), || {
        let p = Pdu::parse(black_box(&submit_bytes)).unwrap();
        if let Body::SubmitSm(sm) = &p.body {
            black_box(sm.tlvs.user_message_reference());
            black_box(sm.tlvs.source_port());
            black_box(sm.short_message);
        }
    });
    r.run(
        "emit submit_sm (encode, [u8; 512])",
        submit_bytes.len(),
        || {
            let n = black_box(&submit).encode(&mut buf);
            black_box(&n);
            black_box(&buf);
        },
    );
    r.run("parse deliver_sm receipt", deliver_bytes.len(), || {
        let p = Pdu::parse(black_box(&deliver_bytes));
        black_box(&p);
    });
    r.run(
        "parse deliver_sm receipt + read TLVs",
        deliver_bytes.len(),
        || {
            let p = Pdu::parse(black_box(&deliver_bytes)).unwrap();
            if let Body::DeliverSm(d) = &p.body {
                black_box(d.tlvs.receipted_message_id());
                black_box(d.tlvs.message_state());
                black_box(d.esm_class.is_delivery_receipt());
            }
        },
    );
    r.run(
        "emit deliver_sm receipt (encode, [u8; 512])",
        deliver_bytes.len(),
        || {
            let n = black_box(&deliver).encode(&mut buf);
            black_box(&n);
            black_box(&buf);
        },
    );
    r.run("parse broadcast_sm", broadcast_bytes.len(), || {
        let p = Pdu::parse(black_box(&broadcast_bytes));
        black_box(&p);
    });
    r.run(
        "parse broadcast_sm + read TLVs",
        broadcast_bytes.len(),
        || {
            let p = Pdu::parse(black_box(&broadcast_bytes)).unwrap();
            if let Body::BroadcastSm(b) = &p.body {
                black_box(b.tlvs.broadcast_area_identifier());
                black_box(b.tlvs.broadcast_content_type());
                black_box(b.tlvs.message_payload());
            }
        },
    );
    r.run(
        "emit broadcast_sm (encode, [u8; 512])",
        broadcast_bytes.len(),
        || {
            let n = black_box(&broadcast).encode(&mut buf);
            black_box(&n);
            black_box(&buf);
        },
    );
    r.run("frame() on a receive buffer", stream.len(), || {
        let f = frame(black_box(&stream), DEFAULT_MAX_COMMAND_LENGTH);
        black_box(&f);
    });
    let mut bm = BytesMut::with_capacity(1024);
    r.run(
        "encode_to submit_sm (reused BytesMut)",
        submit_bytes.len(),
        || {
            bm.clear();
            let n = black_box(&submit).encode_to(&mut bm);
            black_box(&n);
            black_box(&bm);
        },
    );
    // The same, staged through a stack buffer and one put_slice (a possible encode_to).
    r.run(
        "  alt: encode to stack + put_slice",
        submit_bytes.len(),
        || {
            bm.clear();
            let n = black_box(&submit).encode(&mut buf).unwrap();
            bytes::BufMut::put_slice(&mut bm, &buf[..n]);
            black_box(&bm);
        },
    );
    // Where emit time goes: the measuring and the validating passes on their own.
    r.run("  submit_sm encoded_len()", submit_bytes.len(), || {
        black_box(black_box(&submit).encoded_len());
    });
    r.run("  submit_sm validate()", submit_bytes.len(), || {
        black_box(&black_box(&submit).validate());
    });

    // broadcast_sm against submit_sm, from this same run.
    println!();
    let median = |name: &str| r.rows.iter().find(|row| row.0 == name).map(|row| row.3);
    for (b, s) in [
        ("parse broadcast_sm", "parse submit_sm"),
        (
            "parse broadcast_sm + read TLVs",
            "parse submit_sm + read TLVs",
        ),
        (
            "emit broadcast_sm (encode, [u8; 512])",
            "emit submit_sm (encode, [u8; 512])",
        ),
    ] {
        if let (Some(bm), Some(sm)) = (median(b), median(s)) {
            println!("{b:<44} / submit_sm: {:.2} (medians)", bm / sm);
        }
    }

    // The targets from the design: parse <= 60 ns, emit <= 60 ns (typical submit_sm).
    println!();
    for (name, _, best, median) in &r.rows {
        let target = if name.starts_with("parse") || name.starts_with("emit") {
            60.0
        } else {
            continue;
        };
        let verdict = if *median <= target { "meets" } else { "MISSES" };
        println!(
            "{name:<44} median {median:>6.1} ns (best {best:.1}) {verdict} the {target} ns target"
        );
    }
}
