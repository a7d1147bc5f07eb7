//! Session tests: response timeouts and late responses, enquire_link keep-alive and dead
//! link detection, inactivity close.

mod common;

use common::*;
use smpp_core::pdu::{Body, MessageIdResp};
use smpp_core::session::{BindType, CloseReason, SessionConfig, State};
use smpp_core::{CommandId, CommandStatus, Pdu};

#[test]
fn response_timeout_then_late_response() {
    let esme = SessionConfig {
        response_timeout: secs(5),
        window: 1,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let seq = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!(p.esme.poll_timeout(), Some(at_ms(5_000)));
    p.settle();
    assert_eq!(p.smsc.unanswered(), 1, "the SMSC application holds it");
    p.advance(ms(4_999));
    assert!(p.outcomes(Side::Esme, seq).is_empty());
    assert!(p.esme.is_window_full());
    p.advance(ms(1));
    assert_eq!(
        p.outcomes(Side::Esme, seq),
        [&Event::ResponseTimeout {
            sequence_number: seq,
            request: CommandId::SubmitSm
        }]
    );
    assert_eq!(p.esme.counters().response_timeouts, 1);
    // The slot was freed at the timeout: the 1-slot window takes a new request.
    assert_eq!(p.esme.in_flight(), 0);
    let second = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    // Now the SMSC answers the first (late) and the second.
    assert_eq!(p.answer_all(Side::Smsc, CommandStatus::ESME_ROK), 2);
    p.settle();
    let late: Vec<_> = p
        .esme_events
        .iter()
        .filter_map(|e| match e {
            Event::UnmatchedResponse { frame, late } => Some((frame.sequence_number(), *late)),
            _ => None,
        })
        .collect();
    assert_eq!(late, [(seq, true)]);
    assert!(matches!(
        p.outcomes(Side::Esme, second).as_slice(),
        [Event::Response { frame, .. }] if frame.command_status().is_ok()
    ));
    // The timed-out request still has exactly one outcome: the timeout.
    assert_eq!(p.outcomes(Side::Esme, seq).len(), 1);
    // A duplicate of the late answer is no longer "late".
    let dup = encode(&Pdu::new(
        seq,
        Body::SubmitSmResp(MessageIdResp::new(b"msg-1")),
    ));
    assert!(p.inject(Side::Esme, &dup).is_empty());
    assert!(matches!(
        p.esme_events.last(),
        Some(Event::UnmatchedResponse { late: false, frame }) if frame.sequence_number() == seq
    ));
    assert_eq!(p.esme.counters().unmatched_responses, 2);
    assert!(!p.esme.is_closed());
}

#[test]
fn response_timeouts_expire_in_order_and_only_when_due() {
    let esme = SessionConfig {
        response_timeout: secs(10),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let a = p.send(Side::Esme, &submit()).unwrap();
    p.advance(secs(3));
    let b = p.send(Side::Esme, &submit()).unwrap();
    p.advance(secs(3));
    let c = p.send(Side::Esme, &submit()).unwrap();
    // b is answered; a and c time out at 10 s and 16 s.
    p.settle();
    assert_eq!(p.pending[1].len(), 3);
    let (bs, _) = p.pending[1].remove(1).unwrap();
    assert_eq!(bs, b);
    let now = p.now;
    p.smsc
        .respond(
            now,
            b,
            CommandStatus::ESME_ROK,
            &Body::SubmitSmResp(MessageIdResp::new(b"b")),
        )
        .unwrap();
    p.advance(secs(20));
    let timeouts: Vec<(u32, smpp_core::Instant)> = p
        .esme_events
        .iter()
        .zip(&p.esme_event_at)
        .filter_map(|(e, t)| match e {
            Event::ResponseTimeout {
                sequence_number, ..
            } => Some((*sequence_number, *t)),
            _ => None,
        })
        .collect();
    assert_eq!(timeouts, [(a, at_ms(10_000)), (c, at_ms(16_000))]);
    assert_eq!(p.esme.counters().response_timeouts, 2);
}

#[test]
fn enquire_link_keeps_an_idle_link_alive() {
    // Defaults: the ESME enquires after 30 s idle; the SMSC would enquire after 60 s and
    // close after 120 s of silence.
    let mut p = Pair::bound(BindType::Transceiver);
    p.advance(secs(600));
    assert!(!p.esme.is_closed() && !p.smsc.is_closed());
    assert!(p
        .esme_events
        .iter()
        .all(|e| matches!(e, Event::Bound { .. })));
    assert!(p
        .smsc_events
        .iter()
        .all(|e| matches!(e, Event::BindRequest { .. })));
    let e = p.esme.counters();
    let s = p.smsc.counters();
    assert_eq!(e.requests_sent.get(CommandId::EnquireLink), 20);
    assert_eq!(e.responses_received.get(CommandId::EnquireLinkResp), 20);
    assert_eq!(s.requests_received.get(CommandId::EnquireLink), 20);
    assert_eq!(s.responses_sent.get(CommandId::EnquireLinkResp), 20);
    // The SMSC never needed its own: it heard from the ESME every 30 s.
    assert_eq!(s.requests_sent.get(CommandId::EnquireLink), 0);
    // And the enquires left at 30 s intervals.
    let times: Vec<u64> = p
        .departures
        .iter()
        .filter(|w| w.header.command_id == CommandId::EnquireLink)
        .map(|w| w.at.as_millis())
        .collect();
    assert_eq!(times, (1..=20).map(|i| i * 30_000).collect::<Vec<_>>());
}

#[test]
fn enquire_link_keeps_a_slow_link_alive_from_the_smsc_side() {
    let mut p = Pair::new(quiet_esme(), SessionConfig::smsc());
    p.latency = ms(400);
    p.chunking = Chunking::Random { max: 5 };
    p.bind(BindType::Receiver);
    p.advance(secs(600));
    assert!(!p.esme.is_closed() && !p.smsc.is_closed());
    let s = p.smsc.counters();
    assert!(
        (9..=10).contains(&s.requests_sent.get(CommandId::EnquireLink)),
        "{s:?}"
    );
    assert_eq!(
        s.responses_received.get(CommandId::EnquireLinkResp),
        s.requests_sent.get(CommandId::EnquireLink)
    );
    assert_eq!(
        p.esme
            .counters()
            .requests_received
            .get(CommandId::EnquireLink),
        s.requests_sent.get(CommandId::EnquireLink)
    );
}

#[test]
fn enquire_link_detects_a_dead_link() {
    let esme = SessionConfig {
        enquire_link_interval: Some(secs(30)),
        response_timeout: secs(30),
        ..SessionConfig::esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transceiver);
    // The SMSC -> ESME direction dies (no bytes, no EOF).
    p.drop_to_esme = true;
    p.advance(secs(30));
    assert_eq!(
        p.esme.counters().requests_sent.get(CommandId::EnquireLink),
        1
    );
    p.advance(secs(5));
    let a = p.send(Side::Esme, &submit()).unwrap();
    let b = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK); // lost on the way
    p.advance(ms(24_999));
    assert!(!p.esme.is_closed());
    p.advance(ms(1));
    assert_eq!(
        p.closed_reason(Side::Esme),
        Some(CloseReason::EnquireLinkTimeout)
    );
    assert_eq!(p.closed_at(Side::Esme), Some(at_ms(60_000)));
    for s in [a, b] {
        assert_eq!(
            p.outcomes(Side::Esme, s),
            [&Event::RequestFailed {
                sequence_number: s,
                request: CommandId::SubmitSm,
                reason: CloseReason::EnquireLinkTimeout
            }]
        );
    }
    // The driver closed the socket; the SMSC reads EOF.
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::PeerClosed));
}

#[test]
fn enquire_link_is_not_sent_while_traffic_flows() {
    let mut p = Pair::new(SessionConfig::esme(), quiet_smsc());
    p.auto_answer[1] = Some(CommandStatus::ESME_ROK);
    p.bind(BindType::Transmitter);
    for _ in 0..60 {
        p.send(Side::Esme, &submit()).unwrap();
        p.advance(secs(10));
    }
    assert_eq!(
        p.esme.counters().requests_sent.get(CommandId::EnquireLink),
        0
    );
    assert_eq!(
        p.esme
            .counters()
            .responses_received
            .get(CommandId::SubmitSmResp),
        60
    );
}

#[test]
fn inactivity_close() {
    let smsc = SessionConfig {
        inactivity_timeout: Some(secs(60)),
        enquire_link_interval: None,
        ..SessionConfig::smsc()
    };
    let mut p = Pair::bound_with(quiet_esme(), smsc, BindType::Transceiver);
    p.advance(secs(59));
    assert!(!p.smsc.is_closed());
    p.advance(secs(61));
    assert_eq!(
        p.closed_reason(Side::Smsc),
        Some(CloseReason::InactivityTimeout)
    );
    let at = p.closed_at(Side::Smsc).unwrap();
    assert!(at >= at_ms(60_000), "{at:?}");
    assert_eq!(at, at_ms(60_000));
    // It tried to unbind first; the ESME answered and saw the peer unbind.
    let unbinds: Vec<_> = p
        .departures
        .iter()
        .filter(|w| w.header.command_id == CommandId::Unbind)
        .collect();
    assert_eq!(unbinds.len(), 1);
    assert_eq!(unbinds[0].from, Side::Smsc);
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerUnbound));
    assert_eq!(p.esme.state(), State::Closed);
    assert_eq!(
        p.smsc.counters().requests_sent.get(CommandId::Unbind),
        1,
        "the inactivity unbind is counted like any other"
    );
}

#[test]
fn inactivity_timer_restarts_on_traffic() {
    let smsc = SessionConfig {
        inactivity_timeout: Some(secs(60)),
        enquire_link_interval: None,
        ..SessionConfig::smsc()
    };
    let mut p = Pair::bound_with(quiet_esme(), smsc, BindType::Transceiver);
    p.auto_answer[1] = Some(CommandStatus::ESME_ROK);
    p.advance(secs(50));
    p.send(Side::Esme, &submit()).unwrap();
    p.advance(secs(59));
    assert!(!p.smsc.is_closed());
    p.advance(secs(2));
    assert_eq!(p.closed_at(Side::Smsc), Some(at_ms(110_000)));
    // The ESME's own enquire_link keeps the same SMSC alive indefinitely.
    let smsc = SessionConfig {
        inactivity_timeout: Some(secs(60)),
        enquire_link_interval: None,
        ..SessionConfig::smsc()
    };
    let mut q = Pair::bound_with(SessionConfig::esme(), smsc, BindType::Transceiver);
    q.advance(secs(600));
    assert!(!q.smsc.is_closed() && !q.esme.is_closed());
}

#[test]
fn inactivity_close_fails_pending_requests() {
    let smsc = SessionConfig {
        inactivity_timeout: Some(secs(60)),
        enquire_link_interval: None,
        response_timeout: secs(120),
        ..SessionConfig::smsc()
    };
    let esme = SessionConfig {
        response_timeout: secs(120),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, smsc, BindType::Transceiver);
    p.drop_to_smsc = true; // the SMSC hears nothing at all
    let d = p.send(Side::Smsc, &deliver()).unwrap();
    let s = p.send(Side::Esme, &submit()).unwrap();
    p.advance(secs(60));
    assert_eq!(
        p.outcomes(Side::Smsc, d),
        [&Event::RequestFailed {
            sequence_number: d,
            request: CommandId::DeliverSm,
            reason: CloseReason::InactivityTimeout
        }]
    );
    // The ESME got the deliver_sm and the unbind, answered both into the void, and closed.
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerUnbound));
    assert!(matches!(
        p.outcomes(Side::Esme, s).as_slice(),
        [Event::RequestFailed {
            reason: CloseReason::PeerUnbound,
            ..
        }]
    ));
}

#[test]
fn inactivity_counts_messages_only_when_asked() {
    use smpp_core::session::Inactivity;
    for mode in [Inactivity::AnyPdu, Inactivity::Messages] {
        let esme = SessionConfig {
            inactivity_timeout: Some(secs(10)),
            inactivity: mode,
            ..quiet_esme()
        };
        // The SMSC only keeps the link alive with enquire_link every 3 s.
        let smsc = SessionConfig {
            enquire_link_interval: Some(secs(3)),
            ..quiet_smsc()
        };
        let mut p = Pair::bound_with(esme, smsc, BindType::Transceiver);
        p.auto_answer = [Some(CommandStatus::ESME_ROK); 2];
        let t0 = p.now;
        // Messages keep it alive in both modes: one submit_sm every 5 s for 30 s.
        for _ in 0..6 {
            p.send(Side::Esme, &submit()).unwrap();
            p.advance(secs(5));
        }
        assert!(!p.esme.is_closed(), "{mode:?}: messages are activity");
        p.advance(secs(30));
        match mode {
            Inactivity::AnyPdu => assert!(!p.esme.is_closed(), "enquire_link counts"),
            Inactivity::Messages => {
                assert_eq!(
                    p.closed_reason(Side::Esme),
                    Some(CloseReason::InactivityTimeout)
                );
                let closed = p.closed_at(Side::Esme).unwrap();
                assert_eq!(closed, t0 + secs(35), "10 s after the last submit_sm");
            }
        }
    }
}
