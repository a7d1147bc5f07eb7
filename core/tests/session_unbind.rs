//! Session tests: graceful unbind (draining, drain timeout, crossing unbinds), EOF, broken
//! streams.

mod common;

use common::*;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use smpp_core::codec::DecodeError;
use smpp_core::pdu::Body;
use smpp_core::session::{BindType, CloseReason, SessionConfig, SessionError, State};
use smpp_core::{CommandId, CommandStatus, Instant, Pdu};

#[test]
fn unbind_waits_for_requests_in_flight() {
    let mut p = Pair::bound_with(quiet_esme(), quiet_smsc(), BindType::Transmitter);
    let seqs: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    let now = p.now;
    p.esme.unbind(now).unwrap();
    assert_eq!(p.esme.state(), State::Unbinding(BindType::Transmitter));
    // Sends after unbind() fail; unbind() again is fine.
    assert_eq!(
        p.send(Side::Esme, &submit()),
        Err(SessionError::InvalidState {
            state: State::Unbinding(BindType::Transmitter)
        })
    );
    assert_eq!(p.esme.unbind(now), Ok(()));
    p.settle();
    assert_eq!(p.smsc.unanswered(), 3);
    // No unbind on the wire while requests are outstanding.
    assert!(!p
        .departures
        .iter()
        .any(|w| w.header.command_id == CommandId::Unbind));
    p.advance(secs(2));
    assert_eq!(p.answer_all(Side::Smsc, CommandStatus::ESME_ROK), 3);
    p.settle();
    for s in &seqs {
        assert!(matches!(
            p.outcomes(Side::Esme, *s).as_slice(),
            [Event::Response { frame, rtt, .. }]
                if frame.command_status().is_ok() && *rtt == secs(2)
        ));
    }
    // Then unbind, unbind_resp, closed.
    let order: Vec<CommandId> = p
        .departures
        .iter()
        .map(|w| w.header.command_id)
        .skip(2)
        .collect();
    assert_eq!(
        order,
        [
            CommandId::SubmitSm,
            CommandId::SubmitSm,
            CommandId::SubmitSm,
            CommandId::SubmitSmResp,
            CommandId::SubmitSmResp,
            CommandId::SubmitSmResp,
            CommandId::Unbind,
            CommandId::UnbindResp
        ]
    );
    assert_eq!(
        kinds(&p.esme_events),
        ["Bound", "Response", "Response", "Response", "Closed"]
    );
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::Unbound));
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::PeerUnbound));
    assert_eq!(p.closed_at(Side::Esme), Some(at_ms(2_000)));
    assert_eq!(p.send(Side::Esme, &submit()), Err(SessionError::Closed));
}

#[test]
fn unbind_with_nothing_in_flight_goes_at_once() {
    let mut p = Pair::bound(BindType::Transceiver);
    p.latency = ms(50);
    let now = p.now;
    p.smsc.unbind(now).unwrap();
    p.settle();
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::Unbound));
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerUnbound));
    assert_eq!(p.closed_at(Side::Esme), Some(at_ms(50)));
    assert_eq!(p.closed_at(Side::Smsc), Some(at_ms(100)));
    assert_eq!(p.smsc.counters().requests_sent.get(CommandId::Unbind), 1);
}

#[test]
fn unbind_drain_timeout() {
    let esme = SessionConfig {
        drain_timeout: secs(10),
        response_timeout: secs(60),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let seqs: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    let now = p.now;
    p.esme.unbind(now).unwrap();
    p.advance(ms(9_999));
    assert!(!p
        .departures
        .iter()
        .any(|w| w.header.command_id == CommandId::Unbind));
    p.advance(ms(1));
    let unbind = p
        .departures
        .iter()
        .find(|w| w.header.command_id == CommandId::Unbind)
        .expect("unbind sent at the drain timeout");
    assert_eq!(unbind.at, at_ms(10_000));
    p.settle();
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::Unbound));
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::PeerUnbound));
    for s in seqs {
        assert_eq!(
            p.outcomes(Side::Esme, s),
            [&Event::RequestFailed {
                sequence_number: s,
                request: CommandId::SubmitSm,
                reason: CloseReason::Unbound
            }]
        );
    }
    // Answers after the close change nothing.
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    p.check();
}

#[test]
fn unbind_drain_with_a_late_answer_racing_the_unbind() {
    // The SMSC answers one request just as the ESME gives up draining: the response
    // arrives after the unbind went out but before unbind_resp.
    let esme = SessionConfig {
        drain_timeout: secs(10),
        response_timeout: secs(60),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    p.latency = ms(100);
    let a = p.send(Side::Esme, &submit()).unwrap();
    let b = p.send(Side::Esme, &submit()).unwrap();
    let now = p.now;
    p.esme.unbind(now).unwrap();
    p.advance(ms(9_950));
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert!(matches!(
        p.outcomes(Side::Esme, a).as_slice(),
        [Event::Response { .. }]
    ));
    assert!(matches!(
        p.outcomes(Side::Esme, b).as_slice(),
        [Event::RequestFailed {
            reason: CloseReason::Unbound,
            ..
        }]
    ));
}

#[test]
fn unbind_timeout_when_the_peer_never_answers() {
    let esme = SessionConfig {
        unbind_timeout: secs(5),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    p.drop_to_smsc = true;
    let now = p.now;
    p.esme.unbind(now).unwrap();
    p.advance(secs(5));
    assert_eq!(
        p.closed_reason(Side::Esme),
        Some(CloseReason::UnbindTimeout)
    );
    assert_eq!(p.closed_at(Side::Esme), Some(at_ms(5_000)));
}

#[test]
fn queued_requests_never_follow_the_unbind() {
    // A peer throttle holds requests back longer than the drain timeout: when the unbind
    // goes out, the queued requests must not be written after it.
    // The pause (6 s) ends after the drain timeout (5 s) but before the unbind_resp can
    // arrive over the slow link (2 s each way).
    let esme = SessionConfig {
        window: 10,
        drain_timeout: secs(5),
        throttle_backoff: secs(6),
        max_throttle_backoff: secs(6),
        response_timeout: secs(120),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    p.latency = secs(2);
    let first = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_RTHROTTLED);
    p.settle();
    assert!(matches!(
        p.esme_events.last(),
        Some(Event::Response { frame, .. }) if frame.sequence_number() == first
    ));
    let queued: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    assert_eq!(p.esme.in_flight(), 3);
    let now = p.now;
    p.esme.unbind(now).unwrap();
    p.advance(secs(60));
    let esme_out: Vec<CommandId> = p
        .departures
        .iter()
        .filter(|w| w.from == Side::Esme)
        .map(|w| w.header.command_id)
        .collect();
    let unbind_at = esme_out
        .iter()
        .position(|c| *c == CommandId::Unbind)
        .expect("unbind sent");
    assert!(
        !esme_out[unbind_at..].contains(&CommandId::SubmitSm),
        "submit_sm written after unbind: {esme_out:?}"
    );
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::Unbound));
    for s in queued {
        assert_eq!(
            p.outcomes(Side::Esme, s),
            [&Event::RequestFailed {
                sequence_number: s,
                request: CommandId::SubmitSm,
                reason: CloseReason::Unbound
            }]
        );
    }
    assert_eq!(p.esme.counters().requests_sent.get(CommandId::SubmitSm), 1);
}

#[test]
fn unbind_crossing_unbind() {
    for latency in [0, 1, 250] {
        let mut p = Pair::bound(BindType::Transceiver);
        p.latency = ms(latency);
        let now = p.now;
        p.esme.unbind(now).unwrap();
        p.smsc.unbind(now).unwrap();
        p.settle();
        p.advance(secs(30));
        assert!(p.esme.is_closed() && p.smsc.is_closed());
        for side in SIDES {
            let reason = p.closed_reason(side).unwrap();
            assert!(
                matches!(reason, CloseReason::PeerUnbound | CloseReason::Unbound),
                "{side:?}: {reason:?}"
            );
        }
        p.check();
    }
}

#[test]
fn unbind_crossing_unbind_with_requests_in_flight() {
    for latency in [0, 100] {
        let mut p = Pair::bound(BindType::Transceiver);
        p.latency = ms(latency);
        let e: Vec<u32> = (0..2)
            .map(|_| p.send(Side::Esme, &submit()).unwrap())
            .collect();
        let s: Vec<u32> = (0..2)
            .map(|_| p.send(Side::Smsc, &deliver()).unwrap())
            .collect();
        let now = p.now;
        p.esme.unbind(now).unwrap();
        p.smsc.unbind(now).unwrap();
        // Both applications answer what they receive.
        p.auto_answer = [Some(CommandStatus::ESME_ROK); 2];
        p.settle();
        p.advance(secs(60));
        assert!(p.esme.is_closed() && p.smsc.is_closed());
        for seq in e {
            assert_eq!(p.outcomes(Side::Esme, seq).len(), 1);
        }
        for seq in s {
            assert_eq!(p.outcomes(Side::Smsc, seq).len(), 1);
        }
        p.check();
    }
}

#[test]
fn peer_unbind_fails_our_outstanding_requests() {
    let mut p = Pair::bound(BindType::Transceiver);
    let seq = p.send(Side::Esme, &submit()).unwrap();
    let now = p.now;
    // The SMSC unbinds immediately (it has nothing in flight itself).
    p.smsc.unbind(now).unwrap();
    p.settle();
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerUnbound));
    assert_eq!(
        p.outcomes(Side::Esme, seq),
        [&Event::RequestFailed {
            sequence_number: seq,
            request: CommandId::SubmitSm,
            reason: CloseReason::PeerUnbound
        }]
    );
}

#[test]
fn eof_mid_pdu_and_between_pdus() {
    // Between PDUs.
    let mut p = Pair::bound(BindType::Transceiver);
    p.auto_eof = false;
    let a = p.send(Side::Esme, &submit()).unwrap();
    let b = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.eof(Side::Esme);
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerClosed));
    for s in [a, b] {
        assert_eq!(
            p.outcomes(Side::Esme, s),
            [&Event::RequestFailed {
                sequence_number: s,
                request: CommandId::SubmitSm,
                reason: CloseReason::PeerClosed
            }]
        );
    }
    // Mid-PDU: part of a response has arrived.
    let mut p = Pair::bound(BindType::Transceiver);
    p.auto_eof = false;
    let a = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    let resp = encode(&Pdu::new(a, ok_response(CommandId::SubmitSm)));
    assert!(p.inject(Side::Esme, &resp[..10]).is_empty());
    p.eof(Side::Esme);
    assert_eq!(
        p.closed_reason(Side::Esme),
        Some(CloseReason::UnexpectedEof)
    );
    assert_eq!(
        p.outcomes(Side::Esme, a),
        [&Event::RequestFailed {
            sequence_number: a,
            request: CommandId::SubmitSm,
            reason: CloseReason::UnexpectedEof
        }]
    );
    // Mid-header (fewer than 4 octets) is mid-PDU too.
    let mut p = Pair::bound(BindType::Transceiver);
    p.auto_eof = false;
    p.inject(Side::Smsc, &[0, 0]);
    p.eof(Side::Smsc);
    assert_eq!(
        p.closed_reason(Side::Smsc),
        Some(CloseReason::UnexpectedEof)
    );
    // A complete PDU and then EOF: the PDU is processed first.
    let mut p = Pair::bound(BindType::Transceiver);
    p.auto_eof = false;
    let a = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    let now = p.now;
    p.esme.handle_input(now, &resp);
    p.esme.handle_eof(now);
    p.settle();
    assert!(matches!(
        p.outcomes(Side::Esme, a).as_slice(),
        [Event::Response { .. }]
    ));
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerClosed));
    // EOF while binding: BindFailed then Closed.
    let mut p = Pair::default_pair();
    p.auto_eof = false;
    let now = p.now;
    p.esme
        .bind(
            now,
            BindType::Transmitter,
            &smpp_core::pdu::Bind::new("e", "p"),
        )
        .unwrap();
    p.eof(Side::Esme);
    assert_eq!(
        p.esme_events,
        [
            Event::BindFailed { status: None },
            Event::Closed {
                reason: CloseReason::PeerClosed
            }
        ]
    );
}

#[test]
fn eof_twice_and_input_after_eof_are_ignored() {
    let mut p = Pair::bound(BindType::Transceiver);
    p.auto_eof = false;
    p.eof(Side::Smsc);
    p.eof(Side::Smsc);
    let out = p.inject(Side::Smsc, &encode(&Pdu::new(3, Body::EnquireLink)));
    assert!(out.is_empty());
    let now = p.now;
    p.smsc.handle_timeout(now + secs(1000));
    p.settle();
    assert_eq!(
        p.smsc_events
            .iter()
            .filter(|e| matches!(e, Event::Closed { .. }))
            .count(),
        1
    );
}

#[test]
fn garbage_with_an_invalid_length_nacks_and_closes() {
    let mut p = Pair::bound(BindType::Transceiver);
    let pending = p.send(Side::Smsc, &deliver()).unwrap();
    p.settle();
    let garbage = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    let out = p.inject(Side::Smsc, garbage);
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].command_id(), CommandId::GenericNack);
    assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDLEN);
    assert!(matches!(
        p.closed_reason(Side::Smsc),
        Some(CloseReason::ProtocolError(
            DecodeError::CommandLengthTooLarge { .. }
        ))
    ));
    assert!(matches!(
        p.outcomes(Side::Smsc, pending).as_slice(),
        [Event::RequestFailed {
            reason: CloseReason::ProtocolError(_),
            ..
        }]
    ));
}

#[test]
fn garbage_after_valid_pdus_keeps_the_valid_ones() {
    let mut p = Pair::bound(BindType::Transceiver);
    let mut bytes = encode(&Pdu::new(40, Body::EnquireLink));
    bytes.extend_from_slice(&encode(&Pdu::new(41, submit())));
    bytes.extend_from_slice(&[0, 0, 0, 3, 0xde, 0xad]);
    let out = p.inject(Side::Smsc, &bytes);
    let ids: Vec<(CommandId, u32)> = out
        .iter()
        .map(|f| (f.command_id(), f.sequence_number()))
        .collect();
    assert_eq!(
        ids,
        [
            (CommandId::EnquireLinkResp, 40),
            (CommandId::GenericNack, 0)
        ]
    );
    assert!(p
        .smsc_events
        .iter()
        .any(|e| matches!(e, Event::Request { frame, .. } if frame.sequence_number() == 41)));
    assert!(p.smsc.is_closed());
}

/// A byte stream for the robustness property: random octets mixed with PDU-shaped pieces
/// (valid lengths, known and unknown command ids, random bodies), cut at random places.
#[derive(Clone, Debug)]
struct Stream {
    role_smsc: bool,
    bind_first: bool,
    chunks: Vec<Vec<u8>>,
    eof: bool,
}

const IDS: [u32; 14] = [
    0x0000_0001,
    0x0000_0002,
    0x0000_0004,
    0x0000_0005,
    0x0000_0006,
    0x0000_0009,
    0x0000_000B,
    0x0000_0015,
    0x0000_0103,
    0x8000_0004,
    0x8000_0009,
    0x8000_0000,
    0x0000_0102,
    0x0000_0021,
];

impl Arbitrary for Stream {
    fn arbitrary(g: &mut Gen) -> Stream {
        let mut bytes = Vec::new();
        let pieces = usize::arbitrary(g) % 12;
        for _ in 0..pieces {
            match u8::arbitrary(g) % 6 {
                0 => {
                    let n = usize::arbitrary(g) % 40;
                    bytes.extend((0..n).map(|_| u8::arbitrary(g)));
                }
                1 => {
                    // A valid PDU.
                    let seq = u32::arbitrary(g);
                    let body = match u8::arbitrary(g) % 4 {
                        0 => submit(),
                        1 => deliver(),
                        2 => Body::EnquireLink,
                        _ => Body::Unbind,
                    };
                    bytes.extend(encode(&Pdu::new(seq, body)));
                }
                _ => {
                    let id = if bool::arbitrary(g) {
                        IDS[usize::arbitrary(g) % IDS.len()]
                    } else {
                        u32::arbitrary(g)
                    };
                    let n = usize::arbitrary(g) % 60;
                    let body: Vec<u8> = (0..n).map(|_| u8::arbitrary(g)).collect();
                    bytes.extend(raw_pdu(id, u32::arbitrary(g) % 4, u32::arbitrary(g), &body));
                }
            }
        }
        let mut chunks = Vec::new();
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let n = 1 + usize::arbitrary(g) % 50;
            let (a, b) = rest.split_at(n.min(rest.len()));
            chunks.push(a.to_vec());
            rest = b;
        }
        Stream {
            role_smsc: bool::arbitrary(g),
            bind_first: bool::arbitrary(g),
            chunks,
            eof: bool::arbitrary(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Stream>> {
        let s = self.clone();
        Box::new(self.chunks.shrink().map(move |chunks| Stream {
            chunks,
            ..s.clone()
        }))
    }
}

fn random_stream_never_panics(s: Stream) -> bool {
    let (mut p, side) = if s.bind_first {
        (Pair::bound(BindType::Transceiver), Side::Smsc)
    } else {
        (Pair::new(quiet_esme(), quiet_smsc()), Side::Smsc)
    };
    p.check_on_drop = false;
    let side = if s.role_smsc { side } else { Side::Esme };
    let mut t = p.now;
    for c in &s.chunks {
        t += ms(7);
        p.now = t;
        let _ = p.inject(side, c);
        p.session_mut(side).handle_timeout(t);
        // The victim may also act.
        let _ = p.send(side, &Body::EnquireLink);
    }
    if s.eof {
        p.eof(side);
    }
    let far = t + secs(3600);
    p.now = far;
    p.session_mut(side).handle_timeout(far);
    p.drive();
    let events = p.events(side).to_vec();
    assert_closed_once_last(&events, side);
    // Once closed, nothing more is accepted and no timer runs.
    if p.session(side).is_closed() {
        assert!(p.session_mut(side).poll_timeout().is_none());
    }
    true
}

#[test]
fn random_byte_streams_never_panic() {
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(random_stream_never_panics as fn(Stream) -> bool);
}

#[test]
fn a_fresh_session_survives_arbitrary_octets() {
    fn prop(data: Vec<u8>, smsc: bool) -> bool {
        let cfg = if smsc {
            SessionConfig::smsc()
        } else {
            SessionConfig::esme()
        };
        let mut s = new_session(cfg, Instant::ZERO);
        s.handle_input(Instant::ZERO, &data);
        s.handle_timeout(Instant::from_millis(1));
        s.handle_eof(Instant::from_millis(2));
        let mut events = Vec::new();
        while let Some(e) = s.poll_event() {
            events.push(e);
        }
        assert_closed_once_last(&events, "fresh");
        assert!(s.is_closed());
        assert_eq!(
            events
                .iter()
                .filter(|e| matches!(e, Event::Closed { .. }))
                .count(),
            1
        );
        true
    }
    QuickCheck::new()
        .tests(2_000)
        .quickcheck(prop as fn(Vec<u8>, bool) -> bool);
}

#[test]
fn a_throttle_answer_after_our_unbind_is_the_outcome_not_a_retry() {
    // The SMSC's drain ends and its unbind goes out while a deliver_sm is outstanding; the
    // ESME then answers it ESME_RMSGQFUL. With retries on, nothing may follow the unbind.
    let smsc = SessionConfig {
        window: 1,
        throttle_retries: 3,
        drain_timeout: ms(300),
        ..quiet_smsc()
    };
    let mut p = Pair::bound_with(quiet_esme(), smsc, BindType::Receiver);
    p.latency = ms(400);
    let seq = p.send(Side::Smsc, &deliver()).unwrap();
    let now = p.now;
    p.smsc.unbind(now).unwrap();
    p.advance(ms(500));
    p.answer_all(Side::Esme, CommandStatus::ESME_RMSGQFUL);
    p.advance(ms(5_000));
    let from_smsc: Vec<CommandId> = p
        .departures
        .iter()
        .filter(|w| w.from == Side::Smsc)
        .map(|w| w.header.command_id)
        .collect();
    let unbind_at = from_smsc
        .iter()
        .position(|id| *id == CommandId::Unbind)
        .expect("the unbind went out");
    assert!(
        !from_smsc[unbind_at..].contains(&CommandId::DeliverSm),
        "{from_smsc:?}"
    );
    assert_eq!(p.smsc.counters().throttle_retries, 0);
    assert!(p
        .outcomes(Side::Smsc, seq)
        .iter()
        .any(|e| matches!(e, Event::Response { frame, .. }
            if frame.command_status() == CommandStatus::ESME_RMSGQFUL)));
}
