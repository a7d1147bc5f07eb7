//! Session tests: local misuse. Every refused command sends nothing and changes nothing.

mod common;

use common::*;
use smpp_core::codec::{EncodeError, Field};
use smpp_core::pdu::{Address, Bind, Body, MessageIdResp, Outbind, QuerySm, SubmitSm};
use smpp_core::session::{BindType, SessionError, State};
use smpp_core::{CommandId, CommandStatus};

/// Asserts nothing is waiting to be written by either side.
fn assert_silent(p: &mut Pair) {
    assert!(p.esme.poll_transmit().is_none(), "ESME wrote something");
    assert!(p.smsc.poll_transmit().is_none(), "SMSC wrote something");
}

#[test]
fn send_before_bind_is_invalid_state() {
    let mut p = Pair::default_pair();
    assert_eq!(
        p.send(Side::Esme, &submit()),
        Err(SessionError::InvalidState { state: State::Open })
    );
    assert_eq!(
        p.send(Side::Smsc, &deliver()),
        Err(SessionError::InvalidState { state: State::Open })
    );
    assert_eq!(
        p.send(Side::Esme, &Body::EnquireLink),
        Err(SessionError::InvalidState { state: State::Open })
    );
    let now = p.now;
    assert_eq!(
        p.esme.unbind(now),
        Err(SessionError::InvalidState { state: State::Open })
    );
    // While binding, too.
    p.esme
        .bind(now, BindType::Transmitter, &Bind::new("esme", "pw"))
        .unwrap();
    let _ = take_output(&mut p.esme);
    assert_eq!(
        p.send(Side::Esme, &submit()),
        Err(SessionError::InvalidState {
            state: State::Binding(BindType::Transmitter)
        })
    );
    assert_eq!(p.esme.in_flight(), 0);
    assert_silent(&mut p);
}

#[test]
fn receiver_cannot_submit() {
    let mut p = Pair::bound(BindType::Receiver);
    assert_eq!(
        p.send(Side::Esme, &submit()),
        Err(SessionError::NotAllowedInBind {
            command_id: CommandId::SubmitSm,
            state: State::Bound(BindType::Receiver)
        })
    );
    // A transmitter cannot be delivered to either.
    let mut q = Pair::bound(BindType::Transmitter);
    assert_eq!(
        q.send(Side::Smsc, &deliver()),
        Err(SessionError::NotAllowedInBind {
            command_id: CommandId::DeliverSm,
            state: State::Bound(BindType::Transmitter)
        })
    );
    // enquire_link is allowed in every bind.
    assert!(p.send(Side::Esme, &Body::EnquireLink).is_ok());
    assert!(q.send(Side::Smsc, &Body::EnquireLink).is_ok());
    p.settle();
    q.settle();
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(q.smsc.in_flight(), 0);
    assert!(matches!(
        p.esme_events.last(),
        Some(Event::Response {
            request: CommandId::EnquireLink,
            ..
        })
    ));
}

#[test]
fn wrong_direction() {
    let mut p = Pair::bound(BindType::Transceiver);
    assert_eq!(
        p.send(Side::Esme, &deliver()),
        Err(SessionError::WrongDirection {
            command_id: CommandId::DeliverSm
        })
    );
    assert_eq!(
        p.send(Side::Smsc, &submit()),
        Err(SessionError::WrongDirection {
            command_id: CommandId::SubmitSm
        })
    );
    assert_eq!(
        p.send(Side::Smsc, &Body::QuerySm(QuerySm::default())),
        Err(SessionError::WrongDirection {
            command_id: CommandId::QuerySm
        })
    );
    assert_silent(&mut p);
}

#[test]
fn window_full_and_recovery() {
    let esme = smpp_core::session::SessionConfig {
        window: 3,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let seqs: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    assert!(p.esme.is_window_full());
    assert_eq!(p.esme.in_flight(), 3);
    let before = p.esme.poll_transmit().map(<[u8]>::len);
    assert_eq!(
        p.send(Side::Esme, &submit()),
        Err(SessionError::WindowFull { window: 3 })
    );
    assert_eq!(p.esme.poll_transmit().map(<[u8]>::len), before);
    assert_eq!(p.esme.in_flight(), 3);
    p.settle();
    assert_eq!(p.smsc.unanswered(), 3);
    // One answer frees one slot.
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.esme.in_flight(), 2);
    assert!(!p.esme.is_window_full());
    let s4 = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!(
        p.send(Side::Esme, &submit()),
        Err(SessionError::WindowFull { window: 3 })
    );
    p.settle();
    assert_eq!(p.answer_all(Side::Smsc, CommandStatus::ESME_ROK), 3);
    p.settle();
    assert_eq!(p.esme.in_flight(), 0);
    for s in seqs.iter().chain([&s4]) {
        assert!(matches!(
            p.outcomes(Side::Esme, *s).as_slice(),
            [Event::Response { .. }]
        ));
    }
    // The window is reusable many times over.
    for _ in 0..50 {
        for _ in 0..3 {
            p.send(Side::Esme, &submit()).unwrap();
        }
        p.settle();
        p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
        p.settle();
    }
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(
        p.esme
            .counters()
            .responses_received
            .get(CommandId::SubmitSmResp),
        154
    );
}

#[test]
fn respond_to_unknown_sequence() {
    let mut p = Pair::bound(BindType::Transceiver);
    let now = p.now;
    assert_eq!(
        p.smsc.respond(
            now,
            999,
            CommandStatus::ESME_ROK,
            &Body::SubmitSmResp(MessageIdResp::new(b"x"))
        ),
        Err(SessionError::UnknownRequest {
            sequence_number: 999
        })
    );
    // Answering the same request twice: the second is unknown.
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
    let now = p.now;
    assert_eq!(
        p.smsc.respond(
            now,
            seq,
            CommandStatus::ESME_ROK,
            &Body::SubmitSmResp(MessageIdResp::new(b"x"))
        ),
        Err(SessionError::UnknownRequest {
            sequence_number: seq
        })
    );
    p.settle();
    assert_eq!(p.outcomes(Side::Esme, seq).len(), 1);
    assert_silent(&mut p);
}

#[test]
fn respond_with_the_wrong_body() {
    let mut p = Pair::bound(BindType::Transceiver);
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    let now = p.now;
    assert_eq!(
        p.smsc.respond(
            now,
            seq,
            CommandStatus::ESME_ROK,
            &Body::DeliverSmResp(MessageIdResp::EMPTY)
        ),
        Err(SessionError::WrongResponse {
            expected: CommandId::SubmitSmResp,
            got: CommandId::DeliverSmResp
        })
    );
    assert_eq!(
        p.smsc.respond(now, seq, CommandStatus::ESME_ROK, &submit()),
        Err(SessionError::WrongResponse {
            expected: CommandId::SubmitSmResp,
            got: CommandId::SubmitSm
        })
    );
    assert_silent(&mut p);
    assert_eq!(p.smsc.unanswered(), 1, "the request is still waiting");
    // generic_nack is always an acceptable answer.
    p.smsc
        .respond(now, seq, CommandStatus::ESME_RSYSERR, &Body::GenericNack)
        .unwrap();
    p.settle();
    match p.outcomes(Side::Esme, seq).as_slice() {
        [Event::Response { frame, request, .. }] => {
            assert_eq!(*request, CommandId::SubmitSm);
            assert_eq!(frame.command_id(), CommandId::GenericNack);
            assert_eq!(frame.command_status(), CommandStatus::ESME_RSYSERR);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn respond_with_an_invalid_field_keeps_the_request() {
    let mut p = Pair::bound(BindType::Transceiver);
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    let now = p.now;
    let long_id = [b'7'; 70];
    let r = p.smsc.respond(
        now,
        seq,
        CommandStatus::ESME_ROK,
        &Body::SubmitSmResp(MessageIdResp::new(&long_id)),
    );
    assert!(
        matches!(
            r,
            Err(SessionError::Encode(EncodeError::TooLong {
                field: Field::MessageId,
                ..
            }))
        ),
        "{r:?}"
    );
    assert_silent(&mut p);
    assert_eq!(p.smsc.unanswered(), 1);
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.outcomes(Side::Esme, seq).len(), 1);
}

#[test]
fn sending_a_response_body_is_not_a_request() {
    let mut p = Pair::bound(BindType::Transceiver);
    for (side, body) in [
        (Side::Esme, Body::SubmitSmResp(MessageIdResp::new(b"1"))),
        (Side::Esme, Body::GenericNack),
        (Side::Esme, Body::EnquireLinkResp),
        (Side::Smsc, Body::DeliverSmResp(MessageIdResp::EMPTY)),
        (Side::Smsc, Body::UnbindResp),
    ] {
        assert_eq!(
            p.send(side, &body),
            Err(SessionError::NotARequest {
                command_id: body.command_id()
            })
        );
    }
    assert_silent(&mut p);
}

#[test]
fn bind_unbind_outbind_need_their_own_commands() {
    let mut p = Pair::bound(BindType::Transceiver);
    let bind = Bind::new("esme", "pw");
    for body in [
        Body::BindTransmitter(bind),
        Body::BindReceiver(bind),
        Body::BindTransceiver(bind),
        Body::Unbind,
        Body::Outbind(Outbind {
            system_id: b"s",
            password: b"",
        }),
    ] {
        for side in SIDES {
            assert_eq!(
                p.send(side, &body),
                Err(SessionError::UseDedicatedCommand {
                    command_id: body.command_id()
                })
            );
        }
    }
    assert_silent(&mut p);
    assert_eq!(p.esme.state(), State::Bound(BindType::Transceiver));
}

#[test]
fn invalid_field_sends_nothing_and_keeps_the_window() {
    let esme = smpp_core::session::SessionConfig {
        window: 1,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let bad = Body::SubmitSm(SubmitSm {
        source: Address::international("123456789012345678901"), // 21 digits, max 20
        destination: Address::international("447700900123"),
        short_message: b"x",
        ..Default::default()
    });
    for _ in 0..3 {
        assert_eq!(
            p.send(Side::Esme, &bad),
            Err(SessionError::Encode(EncodeError::TooLong {
                field: Field::SourceAddr,
                max: 21
            }))
        );
    }
    assert_silent(&mut p);
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(p.esme.counters().requests_sent.get(CommandId::SubmitSm), 0);
    // The single-slot window is still free, and the sequence number was not consumed.
    let seq = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!(seq, 2, "bind took 1");
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.outcomes(Side::Esme, seq).len(), 1);
}

#[test]
fn invalid_field_while_queued_behind_the_rate_limit() {
    // The same must hold on the queued path (rate limit active).
    let esme = smpp_core::session::SessionConfig {
        window: 2,
        max_send_rate: Some(1),
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, quiet_smsc(), BindType::Transmitter);
    let first = p.send(Side::Esme, &submit()).unwrap();
    let bad = Body::SubmitSm(SubmitSm {
        service_type: b"TOOLONG",
        destination: Address::international("447700900123"),
        ..Default::default()
    });
    assert!(matches!(
        p.send(Side::Esme, &bad),
        Err(SessionError::Encode(EncodeError::TooLong {
            field: Field::ServiceType,
            ..
        }))
    ));
    assert_eq!(p.esme.in_flight(), 1);
    let second = p.send(Side::Esme, &submit()).unwrap();
    assert_eq!(second, first + 1);
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.advance(secs(2));
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(p.esme.counters().requests_sent.get(CommandId::SubmitSm), 2);
}

#[test]
fn commands_after_close_fail_with_closed() {
    let mut p = Pair::bound(BindType::Transceiver);
    let now = p.now;
    p.esme.abort(now);
    p.settle();
    let now = p.now;
    assert_eq!(p.send(Side::Esme, &submit()), Err(SessionError::Closed));
    assert_eq!(p.esme.unbind(now), Err(SessionError::Closed));
    assert_eq!(
        p.esme
            .bind(now, BindType::Transmitter, &Bind::new("a", "b")),
        Err(SessionError::Closed)
    );
    assert_eq!(p.send(Side::Smsc, &deliver()), Err(SessionError::Closed));
    // abort on a closed session is harmless and emits nothing more.
    p.esme.abort(now);
    p.settle();
    assert_eq!(
        p.esme_events
            .iter()
            .filter(|e| matches!(e, Event::Closed { .. }))
            .count(),
        1
    );
    assert!(p.esme.poll_timeout().is_none() && p.smsc.poll_timeout().is_none());
}
