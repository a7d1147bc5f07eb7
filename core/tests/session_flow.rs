//! Session tests: flow control (peer throttle back-off, send rate limit), sequence number
//! wrap, counters.

mod common;

use common::*;
use smpp_core::pdu::{Body, MessageIdResp};
use smpp_core::session::{BindType, CloseReason, SessionConfig, MAX_SEQUENCE};
use smpp_core::{CommandId, CommandStatus, Duration, Instant};

fn submit_departures(p: &Pair) -> Vec<(Instant, u32)> {
    p.departures
        .iter()
        .filter(|w| w.header.command_id == CommandId::SubmitSm)
        .map(|w| (w.at, w.header.sequence_number))
        .collect()
}

#[test]
fn throttled_answer_pauses_sending_in_order() {
    let esme = SessionConfig {
        window: 10,
        throttle_backoff: secs(1),
        max_throttle_backoff: secs(8),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    p.advance(ms(500));
    let first = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_RTHROTTLED);
    p.settle();
    let resume_at = match &p.esme_events[1..] {
        [Event::Throttled { status, resume_at }, Event::Response { frame, .. }] => {
            assert_eq!(*status, CommandStatus::ESME_RTHROTTLED);
            assert_eq!(frame.sequence_number(), first);
            assert_eq!(frame.command_status(), CommandStatus::ESME_RTHROTTLED);
            *resume_at
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(resume_at, at_ms(1_500));
    assert_eq!(p.esme.counters().throttled, 1);
    // Sends meanwhile are accepted and queued inside the window.
    let queued: Vec<u32> = (0..4)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    assert_eq!(p.esme.in_flight(), 4);
    assert!(p.esme.poll_transmit().is_none(), "nothing on the wire");
    assert_eq!(p.esme.poll_timeout(), Some(resume_at));
    p.advance_to(at_ms(1_499));
    assert_eq!(submit_departures(&p).len(), 1);
    assert_eq!(p.smsc.unanswered(), 0);
    p.advance_to(resume_at);
    let deps = submit_departures(&p);
    assert_eq!(
        deps[1..],
        [(resume_at, queued[0])],
        "one request probes at resume_at"
    );
    // Queued requests' response timers start when they are sent.
    assert_eq!(p.esme.poll_timeout(), Some(resume_at + secs(30)));
    // The probe succeeds: two go out, then one more per success, in order.
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    let ids = |p: &Pair| {
        submit_departures(p)[1..]
            .iter()
            .map(|d| d.1)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&p), queued[..3], "probe, then two");
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(ids(&p), queued, "then the rest, in order");
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    for s in &queued {
        assert!(matches!(
            p.outcomes(Side::Esme, *s).as_slice(),
            [Event::Response { frame, rtt, .. }]
                if frame.command_status().is_ok() && *rtt == Duration::ZERO
        ));
    }
    assert_eq!(p.esme.in_flight(), 0);
    // After a success the back-off is back at its base.
    let s = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_RMSGQFUL);
    p.settle();
    let now = p.now;
    assert!(p.esme_events.iter().any(|e| matches!(
        e,
        Event::Throttled { status: CommandStatus::ESME_RMSGQFUL, resume_at } if *resume_at == now + secs(1)
    )));
    assert_eq!(p.outcomes(Side::Esme, s).len(), 1);
}

#[test]
fn consecutive_throttles_back_off_exponentially() {
    let esme = SessionConfig {
        window: 10,
        throttle_backoff: secs(1),
        max_throttle_backoff: secs(4),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let mut pauses = Vec::new();
    for _ in 0..5 {
        p.send(Side::Esme, &submit()).unwrap();
        p.settle();
        p.answer_all(Side::Smsc, CommandStatus::ESME_RTHROTTLED);
        p.settle();
        let (now, resume) = p
            .esme_events
            .iter()
            .zip(&p.esme_event_at)
            .rev()
            .find_map(|(e, t)| match e {
                Event::Throttled { resume_at, .. } => Some((*t, *resume_at)),
                _ => None,
            })
            .unwrap();
        pauses.push((resume - now).as_millis());
        p.advance_to(resume);
    }
    assert_eq!(pauses, [1_000, 2_000, 4_000, 4_000, 4_000]);
}

#[test]
fn send_rate_limit_spaces_requests() {
    let esme = SessionConfig {
        window: 10,
        max_send_rate: Some(10),
        send_burst: 1,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    assert_eq!(p.now, Instant::ZERO);
    let seqs: Vec<u32> = (0..5)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.auto_answer[1] = Some(CommandStatus::ESME_ROK);
    p.advance(secs(2));
    let arrivals: Vec<(u64, u32)> = p
        .arrivals
        .iter()
        .filter(|w| w.header.command_id == CommandId::SubmitSm)
        .map(|w| (w.at.as_millis(), w.header.sequence_number))
        .collect();
    let expect: Vec<(u64, u32)> = [0, 100, 200, 300, 400]
        .into_iter()
        .zip(seqs.iter().copied())
        .collect();
    assert_eq!(arrivals, expect);
    // The SMSC application saw them at the same instants.
    let req_times: Vec<u64> = p
        .smsc_events
        .iter()
        .zip(&p.smsc_event_at)
        .filter(|(e, _)| matches!(e, Event::Request { .. }))
        .map(|(_, t)| t.as_millis())
        .collect();
    assert_eq!(req_times, [0, 100, 200, 300, 400]);
    for s in seqs {
        assert_eq!(p.outcomes(Side::Esme, s).len(), 1);
    }
    // An idle second refills one token only (burst 1).
    p.advance(secs(5));
    let t0 = p.now.as_millis();
    for _ in 0..3 {
        p.send(Side::Esme, &submit()).unwrap();
    }
    p.advance(secs(1));
    let last3: Vec<u64> = submit_departures(&p)
        .iter()
        .rev()
        .take(3)
        .rev()
        .map(|(t, _)| t.as_millis() - t0)
        .collect();
    assert_eq!(last3, [0, 100, 200]);
}

#[test]
fn send_rate_with_burst() {
    let esme = SessionConfig {
        window: 20,
        max_send_rate: Some(4),
        send_burst: 3,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    p.auto_answer[1] = Some(CommandStatus::ESME_ROK);
    for _ in 0..6 {
        p.send(Side::Esme, &submit()).unwrap();
    }
    p.advance(secs(3));
    let times: Vec<u64> = submit_departures(&p)
        .iter()
        .map(|(t, _)| t.as_millis())
        .collect();
    assert_eq!(times, [0, 0, 0, 250, 500, 750]);
}

#[test]
fn sequence_numbers_wrap() {
    let esme = SessionConfig {
        first_sequence_number: 0x7FFF_FFFD,
        window: 4,
        ..quiet_esme()
    };
    let mut p = Pair::new(esme, quiet_smsc());
    // The bind takes the first number (it lives outside the window).
    assert_eq!(p.bind(BindType::Transmitter), 0x7FFF_FFFD);
    let seqs: Vec<u32> = (0..4)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    assert_eq!(seqs, [0x7FFF_FFFE, MAX_SEQUENCE, 1, 2]);
    p.settle();
    // Answered out of order.
    let mut pend: Vec<_> = p.pending[1].drain(..).collect();
    pend.reverse();
    for (seq, _) in pend {
        let now = p.now;
        p.smsc
            .respond(
                now,
                seq,
                CommandStatus::ESME_ROK,
                &Body::SubmitSmResp(MessageIdResp::new(b"m")),
            )
            .unwrap();
    }
    p.settle();
    for s in &seqs {
        assert!(
            matches!(p.outcomes(Side::Esme, *s).as_slice(), [Event::Response { frame, .. }]
                if frame.command_status().is_ok()),
            "{s:#x}"
        );
    }
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(p.esme.counters().unmatched_responses, 0);
    // Never 0, never above MAX_SEQUENCE on the wire.
    assert!(p
        .departures
        .iter()
        .all(|w| (1..=MAX_SEQUENCE).contains(&w.header.sequence_number)));
}

#[test]
fn sequence_wrap_with_automatic_enquire_links_interleaved() {
    let esme = SessionConfig {
        first_sequence_number: 0x7FFF_FFFE,
        enquire_link_interval: Some(secs(30)),
        ..SessionConfig::esme()
    };
    let mut p = Pair::new(esme, quiet_smsc());
    assert_eq!(p.bind(BindType::Transmitter), 0x7FFF_FFFE);
    let a = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!(a, MAX_SEQUENCE);
    // The automatic enquire_link at 30 s takes 1 (untracked).
    p.advance(secs(30));
    let enq: Vec<u32> = p
        .departures
        .iter()
        .filter(|w| w.header.command_id == CommandId::EnquireLink)
        .map(|w| w.header.sequence_number)
        .collect();
    assert_eq!(enq, [1]);
    let b = p.send(Side::Esme, &submit()).unwrap();
    let c = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!((b, c), (2, 3));
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    // a timed out at 30 s (default response timeout), before its answer came.
    assert_eq!(
        p.outcomes(Side::Esme, a),
        [&Event::ResponseTimeout {
            sequence_number: a,
            request: CommandId::SubmitSm
        }]
    );
    assert!(p
        .esme_events
        .iter()
        .any(|e| matches!(e, Event::UnmatchedResponse { frame, late: true } if frame.sequence_number() == a)));
    for s in [b, c] {
        assert!(matches!(
            p.outcomes(Side::Esme, s).as_slice(),
            [Event::Response { .. }]
        ));
    }
}

#[test]
fn counters() {
    let esme = SessionConfig {
        response_timeout: secs(5),
        ..quiet_esme()
    };
    let mut p = Pair::new(esme, quiet_smsc());
    p.latency = ms(100);
    p.bind(BindType::Transceiver);
    let t0 = p.now;
    assert_eq!(t0, at_ms(200));
    let seqs: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    let d = p.send(Side::Smsc, &deliver()).unwrap();
    p.advance(ms(300)); // requests arrived at +100
    assert_eq!(p.pending[1].len(), 3);
    assert_eq!(p.answer_all(Side::Esme, CommandStatus::ESME_ROK), 1);
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK); // answered at +300, back at +400
    p.advance(ms(1_000));
    p.answer_one(Side::Smsc, CommandStatus::ESME_RINVDSTADR); // back at +1400
    p.advance(secs(5)); // the third times out at +5000
    assert_eq!(
        p.outcomes(Side::Esme, seqs[2]),
        [&Event::ResponseTimeout {
            sequence_number: seqs[2],
            request: CommandId::SubmitSm
        }]
    );
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK); // late
    p.settle();

    let e = p.esme.counters();
    assert_eq!(e.requests_sent.get(CommandId::BindTransceiver), 1);
    assert_eq!(e.requests_sent.get(CommandId::SubmitSm), 3);
    assert_eq!(e.requests_sent.total(), 4);
    assert_eq!(e.responses_received.get(CommandId::BindTransceiverResp), 1);
    assert_eq!(e.responses_received.get(CommandId::SubmitSmResp), 3);
    assert_eq!(e.requests_received.get(CommandId::DeliverSm), 1);
    assert_eq!(e.responses_sent.get(CommandId::DeliverSmResp), 1);
    assert_eq!(e.errors_received.get(CommandStatus::ESME_RINVDSTADR), 1);
    assert_eq!(
        e.errors_received.iter().collect::<Vec<_>>(),
        [(CommandStatus::ESME_RINVDSTADR, 1)]
    );
    assert_eq!(e.errors_received.other(), 0);
    assert_eq!(e.errors_sent.iter().count(), 0);
    assert_eq!(e.response_timeouts, 1);
    assert_eq!(e.unmatched_responses, 1);
    assert_eq!(e.invalid_pdus, 0);
    assert_eq!(e.throttled, 0);
    assert_eq!(e.rtt_max, ms(1_400));
    assert_eq!(e.rtt_sum, ms(400 + 1_400));

    let s = p.smsc.counters();
    assert_eq!(s.requests_received.get(CommandId::BindTransceiver), 1);
    assert_eq!(s.requests_received.get(CommandId::SubmitSm), 3);
    assert_eq!(s.responses_sent.get(CommandId::BindTransceiverResp), 1);
    assert_eq!(s.responses_sent.get(CommandId::SubmitSmResp), 3);
    assert_eq!(s.errors_sent.get(CommandStatus::ESME_RINVDSTADR), 1);
    assert_eq!(s.requests_sent.get(CommandId::DeliverSm), 1);
    assert_eq!(s.responses_received.get(CommandId::DeliverSmResp), 1);
    assert_eq!(s.rtt_max, ms(400), "deliver answered at +300, back at +400");
    assert_eq!(s.rtt_sum, ms(400));
    let mut received: Vec<(CommandId, u64)> = s.requests_received.iter().collect();
    received.sort_by_key(|(id, _)| id.to_u32());
    assert_eq!(
        received,
        [(CommandId::SubmitSm, 3), (CommandId::BindTransceiver, 1)]
    );
    assert_eq!(s.requests_received.total(), 4);
    assert!(matches!(
        p.outcomes(Side::Smsc, d).as_slice(),
        [Event::Response { .. }]
    ));

    // Unbinding counts too.
    let now = p.now;
    p.esme.unbind(now).unwrap();
    p.settle();
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::Unbound));
    assert_eq!(p.esme.counters().requests_sent.get(CommandId::Unbind), 1);
    assert_eq!(
        p.smsc.counters().responses_sent.get(CommandId::UnbindResp),
        1
    );
    assert_eq!(
        p.esme
            .counters()
            .responses_received
            .get(CommandId::UnbindResp),
        1
    );
}

#[test]
fn error_status_counters_overflow_into_other() {
    let esme = SessionConfig {
        window: 40,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    // 20 distinct error statuses; the table holds 16.
    let statuses: Vec<CommandStatus> = (0x0000_0400..0x0000_0414).map(CommandStatus).collect();
    for _ in &statuses {
        p.send(Side::Esme, &submit()).unwrap();
    }
    p.settle();
    for st in &statuses {
        p.answer_one(Side::Smsc, *st);
    }
    p.settle();
    let c = p.esme.counters();
    assert_eq!(c.errors_received.iter().count(), 16);
    assert_eq!(c.errors_received.other(), 4);
    assert_eq!(c.errors_received.get(statuses[0]), 1);
    assert_eq!(
        c.errors_received.get(statuses[19]),
        0,
        "counted under other"
    );
    assert_eq!(p.smsc.counters().errors_sent.other(), 4);
}

#[test]
fn a_pipelined_burst_of_throttle_answers_pauses_once() {
    let esme = SessionConfig {
        window: 10,
        throttle_backoff: secs(1),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let seqs: Vec<u32> = (0..10)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_RTHROTTLED);
    p.settle();
    let throttled: Vec<Instant> = p
        .esme_events
        .iter()
        .filter_map(|e| match e {
            Event::Throttled { resume_at, .. } => Some(*resume_at),
            _ => None,
        })
        .collect();
    assert_eq!(
        throttled.len(),
        1,
        "one episode: {:?}",
        kinds(&p.esme_events)
    );
    assert_eq!(p.esme.counters().throttled, 10);
    // Without retries each request's outcome is its throttle answer.
    for s in &seqs {
        assert!(matches!(
            p.outcomes(Side::Esme, *s).as_slice(),
            [Event::Response { frame, .. }] if frame.command_status() == CommandStatus::ESME_RTHROTTLED
        ));
    }
}

#[test]
fn throttled_requests_are_sent_again_until_accepted() {
    let esme = SessionConfig {
        window: 10,
        throttle_backoff: secs(1),
        throttle_retries: 3,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let seqs: Vec<u32> = (0..5)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_RTHROTTLED);
    p.settle();
    assert_eq!(kinds(&p.esme_events[1..]), ["Throttled"], "no outcome yet");
    assert_eq!(p.esme.in_flight(), 5, "all kept, queued again");
    assert_eq!(p.esme.poll_timeout(), Some(p.now + secs(1)));
    // From here the SMSC accepts everything: the probe, then the ramp, in the original order.
    p.auto_answer[1] = Some(CommandStatus::ESME_ROK);
    p.advance(secs(2));
    for s in &seqs {
        assert!(
            matches!(
                p.outcomes(Side::Esme, *s).as_slice(),
                [Event::Response { frame, .. }] if frame.command_status().is_ok()
            ),
            "{s}: {:?}",
            p.outcomes(Side::Esme, *s)
        );
    }
    let deps = submit_departures(&p);
    assert_eq!(deps.len(), 10, "each sent twice");
    let again: Vec<u32> = deps[5..].iter().map(|d| d.1).collect();
    assert_eq!(again, seqs, "sent again with the same numbers, in order");
    assert_eq!(p.esme.counters().throttle_retries, 5);
    assert_eq!(p.esme.in_flight(), 0);
}

#[test]
fn throttle_retries_are_bounded() {
    let esme = SessionConfig {
        window: 4,
        throttle_backoff: ms(100),
        max_throttle_backoff: ms(400),
        throttle_retries: 2,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let seqs: Vec<u32> = (0..4)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.auto_answer[1] = Some(CommandStatus::ESME_RTHROTTLED);
    p.advance(secs(10));
    for s in &seqs {
        assert!(matches!(
            p.outcomes(Side::Esme, *s).as_slice(),
            [Event::Response { frame, .. }] if frame.command_status() == CommandStatus::ESME_RTHROTTLED
        ));
        let sent = submit_departures(&p).iter().filter(|d| d.1 == *s).count();
        assert_eq!(sent, 3, "seq {s}: first try and two retries");
    }
    assert_eq!(p.esme.in_flight(), 0);
}
