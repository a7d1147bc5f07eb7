//! Session tests: the driver contract (partial writes, backpressure, buffer limits, time
//! that does not move forward), automatic answers, and a few configuration edges.

mod common;

use common::*;
use smpp_core::pdu::{Address, Body, SubmitMulti};
use smpp_core::session::{BindType, CloseReason, SessionConfig, State};
use smpp_core::{CommandId, CommandStatus, Instant, Pdu};

fn drain_events(s: &mut Session) -> Vec<Event> {
    let mut v = Vec::new();
    while let Some(e) = s.poll_event() {
        v.push(e);
    }
    v
}

/// A bound SMSC session fed directly (no pair), with the given config changes.
fn bound_smsc(cfg: SessionConfig) -> Session {
    let now = Instant::ZERO;
    let mut s = new_session(cfg, now);
    let bind = encode(&Pdu::new(
        1,
        Body::BindTransceiver(smpp_core::pdu::Bind::new("esme", "pw")),
    ));
    s.handle_input(now, &bind);
    assert!(matches!(
        drain_events(&mut s).as_slice(),
        [Event::BindRequest { .. }]
    ));
    s.accept_bind(now, b"smsc", None).unwrap();
    let _ = take_output(&mut s);
    assert_eq!(s.state(), State::Bound(BindType::Transceiver));
    s
}

#[test]
fn partial_writes_with_poll_and_advance_transmit() {
    let mut p = Pair::bound(BindType::Transceiver);
    let seqs: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    // A driver whose socket takes 7 octets at a time.
    let mut written = Vec::new();
    while let Some(buf) = p.esme.poll_transmit() {
        let n = buf.len().min(7);
        written.extend_from_slice(&buf[..n]);
        p.esme.advance_transmit(n);
    }
    let frames = parse_frames(&written);
    assert_eq!(
        frames
            .iter()
            .map(|f| (f.command_id(), f.sequence_number()))
            .collect::<Vec<_>>(),
        seqs.iter()
            .map(|s| (CommandId::SubmitSm, *s))
            .collect::<Vec<_>>()
    );
    // advance_transmit past the end is clamped.
    p.esme.advance_transmit(1_000);
    assert!(p.esme.poll_transmit().is_none());
    let now = p.now;
    for chunk in written.chunks(5) {
        p.smsc.handle_input(now, chunk);
    }
    p.settle();
    assert_eq!(p.answer_all(Side::Smsc, CommandStatus::ESME_ROK), 3);
    p.settle();
    for s in seqs {
        assert_eq!(p.outcomes(Side::Esme, s).len(), 1);
    }
}

#[test]
fn backpressure_when_the_peer_does_not_read() {
    let cfg = SessionConfig {
        max_transmit_buffer: 64,
        ..quiet_smsc()
    };
    let mut s = bound_smsc(cfg);
    let now = Instant::ZERO;
    let mut input = Vec::new();
    for i in 0..50 {
        input.extend(encode(&Pdu::new(100 + i, Body::EnquireLink)));
    }
    s.handle_input(now, &input);
    // It answered until its output passed the limit, then stopped reading.
    assert_eq!(s.poll_transmit().map(<[u8]>::len), Some(80));
    assert!(!s.wants_input());
    let mut answered = Vec::new();
    let mut rounds = 0;
    // Taking the output resumes the input held back: the next five answers are ready.
    while let Some(out) = take_output(&mut s) {
        answered.extend(parse_frames(&out));
        rounds += 1;
        assert!(rounds < 100);
    }
    assert!(s.wants_input());
    assert_eq!(answered.len(), 50);
    assert!(answered
        .iter()
        .enumerate()
        .all(|(i, f)| f.command_id() == CommandId::EnquireLinkResp
            && f.sequence_number() == 100 + i as u32));
    assert_eq!(rounds, 10, "ten batches of five, one per take");
    assert!(!s.is_closed());
}

#[test]
fn receive_buffer_overflow_closes() {
    let cfg = SessionConfig {
        max_transmit_buffer: 0,
        max_pdu_len: 1_024,
        ..quiet_smsc()
    };
    let mut s = bound_smsc(cfg);
    let now = Instant::ZERO;
    let mut input = Vec::new();
    for i in 0..5_000 {
        input.extend(encode(&Pdu::new(i + 2, Body::EnquireLink)));
    }
    // A driver that ignores wants_input() and keeps pushing.
    s.handle_input(now, &input);
    let events = drain_events(&mut s);
    assert_eq!(
        events,
        [Event::Closed {
            reason: CloseReason::BufferOverflow
        }]
    );
    // The one answer written before the overflow is still there to flush.
    let out = take_output(&mut s).unwrap();
    assert_eq!(parse_frames(&out).len(), 1);
}

#[test]
fn a_driver_that_respects_wants_input_never_overflows() {
    let cfg = SessionConfig {
        max_transmit_buffer: 0,
        max_pdu_len: 1_024,
        ..quiet_smsc()
    };
    let mut s = bound_smsc(cfg);
    let now = Instant::ZERO;
    let mut input = Vec::new();
    for i in 0..5_000 {
        input.extend(encode(&Pdu::new(i + 2, Body::EnquireLink)));
    }
    let mut rest = &input[..];
    let mut answers = 0;
    // Like an event loop: write out, run due timers (buffered frames), read when wanted.
    for _ in 0..100_000 {
        if let Some(out) = take_output(&mut s) {
            answers += parse_frames(&out).len();
        }
        if s.poll_timeout().is_some_and(|t| t <= now) {
            s.handle_timeout(now);
        } else if s.poll_transmit().is_some() {
            continue;
        } else if s.wants_input() && !rest.is_empty() {
            let n = rest.len().min(1_000);
            s.handle_input(now, &rest[..n]);
            rest = &rest[n..];
        } else {
            break;
        }
    }
    assert!(rest.is_empty());
    assert_eq!(answers, 5_000);
    assert!(!s.is_closed(), "{:?}", drain_events(&mut s));
}

#[test]
fn time_going_backwards_is_ignored() {
    let esme = SessionConfig {
        response_timeout: secs(10),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    p.advance(secs(5));
    let seq = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!(p.esme.poll_timeout(), Some(at_ms(15_000)));
    // A driver passing stale instants changes nothing.
    p.esme.handle_timeout(Instant::ZERO);
    p.esme.handle_input(Instant::ZERO, &[]);
    assert_eq!(p.esme.poll_timeout(), Some(at_ms(15_000)));
    p.advance(secs(10));
    assert_eq!(
        p.outcomes(Side::Esme, seq),
        [&Event::ResponseTimeout {
            sequence_number: seq,
            request: CommandId::SubmitSm
        }]
    );
    assert_eq!(p.closed_reason(Side::Esme), None);
}

#[test]
fn auto_respond_answers_every_message_command() {
    let smsc = SessionConfig {
        auto_respond: true,
        ..quiet_smsc()
    };
    let esme = SessionConfig {
        auto_respond: true,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, smsc, BindType::Transceiver);
    let multi = Body::SubmitMulti(SubmitMulti {
        source: Address::alphanumeric("Sender"),
        short_message: b"to many",
        ..Default::default()
    });
    let a = p.send(Side::Esme, &submit()).unwrap();
    let b = p.send(Side::Esme, &multi).unwrap();
    let c = p
        .send(
            Side::Esme,
            &Body::DataSm(smpp_core::pdu::DataSm {
                source: Address::alphanumeric("Sender"),
                destination: Address::international("447700900123"),
                ..Default::default()
            }),
        )
        .unwrap();
    let d = p.send(Side::Smsc, &deliver()).unwrap();
    p.settle();
    let resp = |p: &Pair, side, seq| match p.outcomes(side, seq).as_slice() {
        [Event::Response { frame, .. }] => frame.clone(),
        other => panic!("{other:?}"),
    };
    let ra = resp(&p, Side::Esme, a);
    let rb = resp(&p, Side::Esme, b);
    let rc = resp(&p, Side::Esme, c);
    let rd = resp(&p, Side::Smsc, d);
    assert_eq!(ra.command_id(), CommandId::SubmitSmResp);
    assert_eq!(rb.command_id(), CommandId::SubmitMultiResp);
    assert_eq!(rc.command_id(), CommandId::DataSmResp);
    assert_eq!(rd.command_id(), CommandId::DeliverSmResp);
    for f in [&ra, &rb, &rc, &rd] {
        assert!(f.command_status().is_ok());
        f.pdu().expect("a valid response");
    }
    match (ra.pdu().unwrap().body, rc.pdu().unwrap().body) {
        (Body::SubmitSmResp(x), Body::DataSmResp(y)) => {
            assert!(!x.message_id.is_empty());
            assert!(!y.message_id.is_empty());
            assert_ne!(x.message_id, y.message_id);
        }
        other => panic!("{other:?}"),
    }
    match rd.pdu().unwrap().body {
        Body::DeliverSmResp(r) => assert!(r.message_id.is_empty()),
        other => panic!("{other:?}"),
    }
    // The applications still saw the requests, marked as answered.
    assert_eq!(
        p.smsc_events
            .iter()
            .filter(|e| matches!(
                e,
                Event::Request {
                    auto_responded: true,
                    ..
                }
            ))
            .count(),
        3
    );
    assert!(matches!(
        p.esme_events
            .iter()
            .find(|e| matches!(e, Event::Request { .. })),
        Some(Event::Request {
            auto_responded: true,
            ..
        })
    ));
    // query_sm is not auto-answered: the application must answer it.
    let q = p
        .send(
            Side::Esme,
            &Body::QuerySm(smpp_core::pdu::QuerySm {
                message_id: b"1",
                source: Address::alphanumeric("Sender"),
            }),
        )
        .unwrap();
    p.settle();
    assert!(p.outcomes(Side::Esme, q).is_empty());
    assert_eq!(p.smsc.unanswered(), 1);
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.outcomes(Side::Esme, q).len(), 1);
}

#[test]
fn first_sequence_number_edges() {
    for (first, expect) in [(0, 1), (1, 1), (u32::MAX, 1), (0x8000_0000, 1), (77, 77)] {
        let esme = SessionConfig {
            first_sequence_number: first,
            ..quiet_esme()
        };
        let mut p = Pair::new(esme, quiet_smsc());
        assert_eq!(p.bind(BindType::Transmitter), expect, "first {first:#x}");
    }
}

#[test]
fn late_responses_are_remembered_for_the_last_64_timeouts() {
    let esme = SessionConfig {
        window: 100,
        response_timeout: secs(1),
        ..quiet_esme()
    };
    let smsc = SessionConfig {
        peer_window: 100,
        ..quiet_smsc()
    };
    let mut p = Pair::bound_with(esme, smsc, BindType::Transmitter);
    let seqs: Vec<u32> = (0..70)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.settle();
    p.advance(secs(1));
    assert_eq!(p.esme.counters().response_timeouts, 70);
    assert_eq!(p.answer_all(Side::Smsc, CommandStatus::ESME_ROK), 70);
    p.settle();
    let late: Vec<(u32, bool)> = p
        .esme_events
        .iter()
        .filter_map(|e| match e {
            Event::UnmatchedResponse { frame, late } => Some((frame.sequence_number(), *late)),
            _ => None,
        })
        .collect();
    let expect: Vec<(u32, bool)> = seqs.iter().enumerate().map(|(i, s)| (*s, i >= 6)).collect();
    assert_eq!(late, expect);
}

#[test]
fn getters() {
    let mut p = Pair::bound(BindType::Transceiver);
    assert_eq!(p.esme.role(), smpp_core::session::Role::Esme);
    assert_eq!(p.smsc.role(), smpp_core::session::Role::Smsc);
    assert_eq!(p.esme.config().window, SessionConfig::esme().window);
    assert!(p.esme.wants_input() && !p.esme.is_closed());
    p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    assert_eq!((p.esme.in_flight(), p.smsc.unanswered()), (1, 1));
    assert!(format!("{:?}", p.esme).contains("in_flight: 1"));
    let now = p.now;
    p.esme.abort(now);
    p.settle();
    assert!(!p.esme.wants_input());
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::Aborted));
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::PeerClosed));
    assert_eq!(p.smsc.unanswered(), 0);
}

#[test]
fn a_driver_that_reads_64_kib_whenever_wanted_never_overflows() {
    // A peer that writes as fast as it can and reads its answers: the driver writes the
    // output, then reads up to 64 KiB (and at most `receive_capacity`, which on the heap is
    // more than that whenever input is wanted) whenever the session wants input, and runs
    // no timer.
    let cfg = SessionConfig {
        max_transmit_buffer: 256,
        ..quiet_smsc()
    };
    let mut s = bound_smsc(cfg);
    let now = Instant::ZERO;
    let mut input = Vec::new();
    for i in 0..20_000 {
        input.extend(encode(&Pdu::new(i + 2, Body::EnquireLink)));
    }
    let mut rest = &input[..];
    let mut answers = 0;
    for _ in 0..1_000_000 {
        if let Some(out) = take_output(&mut s) {
            answers += parse_frames(&out).len();
        } else if s.wants_input() && !rest.is_empty() {
            let n = rest.len().min(64 * 1024).min(s.receive_capacity());
            s.handle_input(now, &rest[..n]);
            rest = &rest[n..];
        } else {
            break;
        }
    }
    assert!(!s.is_closed(), "{:?}", drain_events(&mut s));
    assert!(rest.is_empty());
    assert_eq!(answers, 20_000);
}
