//! Session tests: a misbehaving peer, simulated by injecting hand-built PDUs into one
//! session and reading what it answers.

mod common;

use common::*;
use smpp_core::codec::{DecodeError, Field};
use smpp_core::pdu::{
    Address, AlertNotification, Bind, Body, CancelSm, DataSm, MessageIdResp, Outbind, QuerySm,
    ReplaceSm, SubmitMulti, Tlvs,
};
use smpp_core::session::{BindType, CloseReason, CommandSet, SessionConfig, State};
use smpp_core::{CommandId, CommandStatus, Instant, Pdu};

const BIND_TYPES: [BindType; 3] = [
    BindType::Transmitter,
    BindType::Receiver,
    BindType::Transceiver,
];

/// Exactly one answer, with this command, status and sequence number.
fn assert_answer(out: &[Frame], id: CommandId, status: CommandStatus, seq: u32) {
    match out {
        [f] => {
            assert_eq!(f.command_id(), id, "{f:?}");
            assert_eq!(f.command_status(), status, "{f:?}");
            assert_eq!(f.sequence_number(), seq, "{f:?}");
        }
        other => panic!("expected one {id} {status:?}, got {other:?}"),
    }
}

fn last_event(p: &Pair, side: Side) -> &Event {
    p.events(side).last().expect("an event")
}

/// Checks the ESME can still submit and get an answer.
fn assert_link_works(p: &mut Pair) {
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    assert_eq!(p.answer_all(Side::Smsc, CommandStatus::ESME_ROK), 1);
    p.settle();
    assert!(
        matches!(p.outcomes(Side::Esme, seq).as_slice(), [Event::Response { frame, .. }]
            if frame.command_status().is_ok()),
        "{:?}",
        p.esme_events
    );
}

#[test]
fn second_bind_is_answered_already_bound() {
    for bt in BIND_TYPES {
        let mut p = Pair::bound(BindType::Transceiver);
        let body = match bt {
            BindType::Transmitter => Body::BindTransmitter(Bind::new("esme", "pw")),
            BindType::Receiver => Body::BindReceiver(Bind::new("esme", "pw")),
            BindType::Transceiver => Body::BindTransceiver(Bind::new("esme", "pw")),
        };
        let out = p.inject(Side::Smsc, &encode(&Pdu::new(77, body)));
        assert_answer(
            &out,
            bt.command_id().response().unwrap(),
            CommandStatus::ESME_RALYBND,
            77,
        );
        assert_eq!(
            *last_event(&p, Side::Smsc),
            Event::RejectedRequest {
                command_id: bt.command_id(),
                sequence_number: 77,
                status: CommandStatus::ESME_RALYBND
            }
        );
        assert_eq!(p.smsc.state(), State::Bound(BindType::Transceiver));
        assert_link_works(&mut p);
    }
}

#[test]
fn submit_before_bind_is_invalid_bind_status() {
    let mut p = Pair::new(quiet_esme(), quiet_smsc());
    let out = p.inject(Side::Smsc, &encode(&Pdu::new(5, submit())));
    assert_answer(
        &out,
        CommandId::SubmitSmResp,
        CommandStatus::ESME_RINVBNDSTS,
        5,
    );
    assert_eq!(out[0].as_bytes().len(), 16, "error response without a body");
    assert!(matches!(
        last_event(&p, Side::Smsc),
        Event::RejectedRequest {
            command_id: CommandId::SubmitSm,
            sequence_number: 5,
            status: CommandStatus::ESME_RINVBNDSTS
        }
    ));
    assert_eq!(p.smsc.state(), State::Open);
    // While the bind is undecided, too.
    let bind = encode(&Pdu::new(6, Body::BindTransmitter(Bind::new("esme", "pw"))));
    assert!(p.inject(Side::Smsc, &bind).is_empty());
    assert_eq!(p.smsc.state(), State::Binding(BindType::Transmitter));
    let out = p.inject(Side::Smsc, &encode(&Pdu::new(7, submit())));
    assert_answer(
        &out,
        CommandId::SubmitSmResp,
        CommandStatus::ESME_RINVBNDSTS,
        7,
    );
    // And unbind before bind.
    let mut q = Pair::new(quiet_esme(), quiet_smsc());
    let out = q.inject(Side::Smsc, &encode(&Pdu::new(8, Body::Unbind)));
    assert_answer(
        &out,
        CommandId::UnbindResp,
        CommandStatus::ESME_RINVBNDSTS,
        8,
    );
    assert!(!q.smsc.is_closed());
}

#[test]
fn unknown_command_id_gets_generic_nack_and_the_session_goes_on() {
    for (id, body) in [
        (0x0000_0099u32, &b""[..]),
        (0x0000_0010, &b"some body"[..]),
        (0x0001_0000, &b"\0\0\0"[..]),
    ] {
        let mut p = Pair::bound(BindType::Transceiver);
        let out = p.inject(Side::Smsc, &raw_pdu(id, 0, 4242, body));
        assert_answer(
            &out,
            CommandId::GenericNack,
            CommandStatus::ESME_RINVCMDID,
            4242,
        );
        assert_eq!(
            *last_event(&p, Side::Smsc),
            Event::InvalidPdu {
                error: DecodeError::UnknownCommandId { command_id: id },
                command_id: CommandId::from_u32(id),
                sequence_number: 4242,
                answered: Some(CommandStatus::ESME_RINVCMDID)
            }
        );
        assert_eq!(p.smsc.state(), State::Bound(BindType::Transceiver));
        assert_eq!(p.smsc.counters().invalid_pdus, 1);
        assert_link_works(&mut p);
        // The ESME side behaves the same.
        let out = p.inject(Side::Esme, &raw_pdu(id, 0, 17, body));
        assert_answer(
            &out,
            CommandId::GenericNack,
            CommandStatus::ESME_RINVCMDID,
            17,
        );
        assert_link_works(&mut p);
    }
}

/// A raw submit_sm body with the given source address (no length checks).
fn submit_body_with_source(source: &[u8]) -> Vec<u8> {
    let mut b = vec![0u8]; // service_type ""
    b.extend_from_slice(&[1, 1]);
    b.extend_from_slice(source);
    b.push(0);
    b.extend_from_slice(&[1, 1]);
    b.extend_from_slice(b"447700900123\0");
    b.extend_from_slice(&[0, 0, 0]); // esm_class, protocol_id, priority_flag
    b.extend_from_slice(&[0, 0]); // schedule_delivery_time, validity_period
    b.extend_from_slice(&[0, 0, 0, 0]); // registered_delivery .. sm_default_msg_id
    b.push(2);
    b.extend_from_slice(b"hi");
    b
}

#[test]
fn too_long_source_addr_is_accepted_leniently_with_a_warning() {
    // Default (lenient) parsing: a 25-digit source_addr whose NUL is inside the PDU reaches
    // the application, and the frame's lenient warning names the field.
    let mut p = Pair::bound(BindType::Transmitter);
    let bad = raw_pdu(4, 0, 31, &submit_body_with_source(&[b'9'; 25]));
    let out = p.inject(Side::Smsc, &bad);
    assert!(out.is_empty(), "nothing answered by the session: {out:?}");
    match last_event(&p, Side::Smsc) {
        Event::Request { frame, .. } => {
            let Ok(Body::SubmitSm(m)) = frame.pdu().map(|p| p.body) else {
                panic!("{frame:?}");
            };
            assert_eq!(m.source.addr, &[b'9'; 25][..]);
            assert_eq!(
                frame.lenient_warning(),
                Some(DecodeError::TooLong {
                    field: Field::SourceAddr,
                    max: 21
                })
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.smsc.unanswered(), 1, "the application answers it");
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    assert_link_works(&mut p);
}

#[test]
fn too_long_source_addr_is_answered_with_its_status() {
    // Strict parsing refuses it with the field's own status.
    let mut smsc = SessionConfig::smsc();
    smsc.parse = smpp_core::pdu::ParseOptions::strict();
    let mut p = Pair::bound_with(SessionConfig::esme(), smsc, BindType::Transmitter);
    // Sanity: the same raw body with a valid address is a valid submit_sm.
    let ok = raw_pdu(4, 0, 1, &submit_body_with_source(b"12345"));
    assert!(Pdu::parse(&ok).is_ok());

    let bad = raw_pdu(4, 0, 31, &submit_body_with_source(&[b'9'; 25]));
    let out = p.inject(Side::Smsc, &bad);
    assert_answer(
        &out,
        CommandId::SubmitSmResp,
        CommandStatus::ESME_RINVSRCADR,
        31,
    );
    match last_event(&p, Side::Smsc) {
        Event::InvalidPdu {
            error,
            command_id,
            sequence_number,
            answered,
        } => {
            assert_eq!(
                *error,
                DecodeError::TooLong {
                    field: Field::SourceAddr,
                    max: 21
                }
            );
            assert_eq!(*command_id, CommandId::SubmitSm);
            assert_eq!(*sequence_number, 31);
            assert_eq!(*answered, Some(CommandStatus::ESME_RINVSRCADR));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.smsc.unanswered(),
        0,
        "nothing for the application to answer"
    );
    assert_eq!(
        p.smsc
            .counters()
            .errors_sent
            .get(CommandStatus::ESME_RINVSRCADR),
        1
    );
    // A truncated body gets ESME_RINVCMDLEN in the command's own response.
    let mut short = submit_body_with_source(b"1");
    short.truncate(6);
    let out = p.inject(Side::Smsc, &raw_pdu(4, 0, 32, &short));
    assert_answer(
        &out,
        CommandId::SubmitSmResp,
        CommandStatus::ESME_RINVCMDLEN,
        32,
    );
    assert_link_works(&mut p);
}

#[test]
fn invalid_command_length_nacks_and_closes() {
    for (len, expect) in [
        (
            8u32,
            DecodeError::CommandLengthTooSmall { command_length: 8 },
        ),
        (0, DecodeError::CommandLengthTooSmall { command_length: 0 }),
        (
            0xFFFF_FFFF,
            DecodeError::CommandLengthTooLarge {
                command_length: 0xFFFF_FFFF,
                // The default, capped by fixed storage to its PDU capacity.
                max: effective_max_pdu_len(),
            },
        ),
    ] {
        for side in SIDES {
            let mut p = Pair::bound(BindType::Transceiver);
            // Something in flight from the victim, to see it fail.
            let body = if side == Side::Esme {
                submit()
            } else {
                deliver()
            };
            let pending = p.send(side, &body).unwrap();
            p.settle();
            let out = p.inject(side, &raw(len, 0x0000_0015, 0, 9, &[]));
            assert_answer(
                &out,
                CommandId::GenericNack,
                CommandStatus::ESME_RINVCMDLEN,
                9,
            );
            assert_eq!(
                p.closed_reason(side),
                Some(CloseReason::ProtocolError(expect)),
                "{side:?} {len}"
            );
            assert_eq!(
                p.outcomes(side, pending),
                [&Event::RequestFailed {
                    sequence_number: pending,
                    request: body.command_id(),
                    reason: CloseReason::ProtocolError(expect)
                }]
            );
            assert_eq!(p.session(side).counters().invalid_pdus, 1);
            // Input after the close is ignored.
            assert!(p
                .inject(side, &encode(&Pdu::new(10, Body::EnquireLink)))
                .is_empty());
            p.check();
        }
    }
}

#[test]
fn invalid_length_is_caught_from_the_first_four_octets() {
    let mut p = Pair::bound(BindType::Transceiver);
    // Only the length word has arrived: the session does not wait for a header.
    let out = p.inject(Side::Smsc, &0xFFFF_FFFFu32.to_be_bytes());
    assert_answer(
        &out,
        CommandId::GenericNack,
        CommandStatus::ESME_RINVCMDLEN,
        0,
    );
    assert!(matches!(
        p.closed_reason(Side::Smsc),
        Some(CloseReason::ProtocolError(
            DecodeError::CommandLengthTooLarge { .. }
        ))
    ));
}

#[test]
fn deliver_to_a_transmitter_is_invalid_bind_status() {
    let mut p = Pair::bound(BindType::Transmitter);
    let out = p.inject(Side::Esme, &encode(&Pdu::new(3, deliver())));
    assert_answer(
        &out,
        CommandId::DeliverSmResp,
        CommandStatus::ESME_RINVBNDSTS,
        3,
    );
    assert_eq!(
        *last_event(&p, Side::Esme),
        Event::RejectedRequest {
            command_id: CommandId::DeliverSm,
            sequence_number: 3,
            status: CommandStatus::ESME_RINVBNDSTS
        }
    );
    assert_eq!(p.esme.unanswered(), 0);
    // data_sm from the SMSC is refused the same way on a transmitter.
    let data = Body::DataSm(DataSm {
        source: Address::international("447700900123"),
        destination: Address::alphanumeric("Sender"),
        ..Default::default()
    });
    let out = p.inject(Side::Esme, &encode(&Pdu::new(4, data)));
    assert_answer(
        &out,
        CommandId::DataSmResp,
        CommandStatus::ESME_RINVBNDSTS,
        4,
    );
    // And submit_sm from a receiver-bound ESME at the SMSC.
    let mut q = Pair::bound(BindType::Receiver);
    let out = q.inject(Side::Smsc, &encode(&Pdu::new(5, submit())));
    assert_answer(
        &out,
        CommandId::SubmitSmResp,
        CommandStatus::ESME_RINVBNDSTS,
        5,
    );
    assert_link_works(&mut p);
}

#[test]
fn wrong_direction_from_the_peer_is_invalid_command_id() {
    // An SMSC sending submit_sm, or an ESME sending deliver_sm, is answered generic_nack.
    let mut p = Pair::bound(BindType::Transceiver);
    let out = p.inject(Side::Esme, &encode(&Pdu::new(12, submit())));
    assert_answer(
        &out,
        CommandId::GenericNack,
        CommandStatus::ESME_RINVCMDID,
        12,
    );
    let out = p.inject(Side::Smsc, &encode(&Pdu::new(13, deliver())));
    assert_answer(
        &out,
        CommandId::GenericNack,
        CommandStatus::ESME_RINVCMDID,
        13,
    );
    // A bind sent to an ESME.
    let out = p.inject(
        Side::Esme,
        &encode(&Pdu::new(14, Body::BindTransmitter(Bind::new("x", "y")))),
    );
    assert_answer(
        &out,
        CommandId::GenericNack,
        CommandStatus::ESME_RINVCMDID,
        14,
    );
    // An outbind sent to an SMSC: generic_nack too (outbind travels SMSC -> ESME only).
    let out = p.inject(
        Side::Smsc,
        &encode(&Pdu::new(
            15,
            Body::Outbind(Outbind {
                system_id: b"x",
                password: b"",
            }),
        )),
    );
    assert_answer(
        &out,
        CommandId::GenericNack,
        CommandStatus::ESME_RINVCMDID,
        15,
    );
    assert_link_works(&mut p);
}

#[test]
fn outbind_while_bound_is_rejected_silently() {
    let mut p = Pair::bound(BindType::Transceiver);
    let out = p.inject(
        Side::Esme,
        &encode(&Pdu::new(
            20,
            Body::Outbind(Outbind {
                system_id: b"x",
                password: b"",
            }),
        )),
    );
    assert!(out.is_empty(), "outbind has no response: {out:?}");
    assert_eq!(
        *last_event(&p, Side::Esme),
        Event::RejectedRequest {
            command_id: CommandId::Outbind,
            sequence_number: 20,
            status: CommandStatus::ESME_RINVBNDSTS
        }
    );
    assert_eq!(p.esme.state(), State::Bound(BindType::Transceiver));
}

const OPERATOR_COMMANDS: CommandSet = CommandSet::from_slice(&[
    CommandId::SubmitSm,
    CommandId::DeliverSm,
    CommandId::EnquireLink,
    CommandId::Unbind,
]);

#[test]
fn unsupported_commands_get_generic_nack() {
    let smsc = SessionConfig {
        supported_commands: Some(OPERATOR_COMMANDS),
        ..quiet_smsc()
    };
    let mut p = Pair::bound_with(quiet_esme(), smsc, BindType::Transceiver);
    let unsupported: Vec<Body<'static>> = vec![
        Body::QuerySm(QuerySm {
            message_id: b"abc",
            source: Address::alphanumeric("Sender"),
        }),
        Body::CancelSm(CancelSm {
            message_id: b"abc",
            source: Address::alphanumeric("Sender"),
            destination: Address::international("447700900123"),
            ..Default::default()
        }),
        Body::ReplaceSm(ReplaceSm {
            message_id: b"abc",
            source: Address::alphanumeric("Sender"),
            short_message: b"new",
            ..Default::default()
        }),
        Body::SubmitMulti(SubmitMulti {
            source: Address::alphanumeric("Sender"),
            short_message: b"x",
            ..Default::default()
        }),
        Body::DataSm(DataSm {
            source: Address::alphanumeric("Sender"),
            destination: Address::international("447700900123"),
            tlvs: Tlvs::EMPTY,
            ..Default::default()
        }),
    ];
    for (i, body) in unsupported.iter().enumerate() {
        let seq = 100 + i as u32;
        let bytes = encode(&Pdu::new(seq, *body));
        let out = p.inject(Side::Smsc, &bytes);
        assert_answer(
            &out,
            CommandId::GenericNack,
            CommandStatus::ESME_RINVCMDID,
            seq,
        );
        assert_eq!(
            *last_event(&p, Side::Smsc),
            Event::RejectedRequest {
                command_id: body.command_id(),
                sequence_number: seq,
                status: CommandStatus::ESME_RINVCMDID
            }
        );
    }
    assert_eq!(p.smsc.unanswered(), 0);
    // Through the link: the ESME's query_sm ends in a generic_nack Response.
    let seq = p
        .send(
            Side::Esme,
            &Body::QuerySm(QuerySm {
                message_id: b"abc",
                source: Address::alphanumeric("Sender"),
            }),
        )
        .unwrap();
    p.settle();
    match p.outcomes(Side::Esme, seq).as_slice() {
        [Event::Response { request, frame, .. }] => {
            assert_eq!(*request, CommandId::QuerySm);
            assert_eq!(frame.command_id(), CommandId::GenericNack);
            assert_eq!(frame.command_status(), CommandStatus::ESME_RINVCMDID);
        }
        other => panic!("{other:?}"),
    }
    // Supported ones and session management still work.
    assert_link_works(&mut p);
    let e = p.send(Side::Esme, &Body::EnquireLink).unwrap();
    p.settle();
    assert!(matches!(
        p.outcomes(Side::Esme, e).as_slice(),
        [Event::Response { frame, .. }] if frame.command_status().is_ok()
    ));
}

#[test]
fn peer_window_overflow_is_throttled() {
    let smsc = SessionConfig {
        peer_window: 2,
        ..quiet_smsc()
    };
    let esme = SessionConfig {
        window: 10,
        ..quiet_esme()
    };
    let mut p = Pair::bound_with(esme, smsc, BindType::Transmitter);
    let seqs: Vec<u32> = (0..5)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.settle();
    // The SMSC application sees two requests; the other three were answered for it.
    let requests = p
        .smsc_events
        .iter()
        .filter(|e| matches!(e, Event::Request { .. }))
        .count();
    assert_eq!(requests, 2);
    assert_eq!(p.smsc.unanswered(), 2);
    let rejected: Vec<u32> = p
        .smsc_events
        .iter()
        .filter_map(|e| match e {
            Event::RejectedRequest {
                sequence_number,
                status: CommandStatus::ESME_RTHROTTLED,
                ..
            } => Some(*sequence_number),
            _ => None,
        })
        .collect();
    assert_eq!(rejected, seqs[2..]);
    for s in &seqs[2..] {
        match p.outcomes(Side::Esme, *s).as_slice() {
            [Event::Response { frame, .. }] => {
                assert_eq!(frame.command_id(), CommandId::SubmitSmResp);
                assert_eq!(frame.command_status(), CommandStatus::ESME_RTHROTTLED);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(p
        .esme_events
        .iter()
        .any(|e| matches!(e, Event::Throttled { .. })));
    assert_eq!(p.esme.in_flight(), 2);
    // Once the application answers, new requests are accepted again.
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.advance(secs(60)); // past any throttle back-off
    let s = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    assert_eq!(p.smsc.unanswered(), 1);
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert!(matches!(
        p.outcomes(Side::Esme, s).as_slice(),
        [Event::Response { frame, .. }] if frame.command_status().is_ok()
    ));
    assert_eq!(p.esme.in_flight(), 0);
}

#[test]
fn auto_respond_is_not_limited_by_peer_window() {
    let smsc = SessionConfig {
        peer_window: 1,
        auto_respond: true,
        ..quiet_smsc()
    };
    let mut p = Pair::bound_with(quiet_esme(), smsc, BindType::Transceiver);
    let seqs: Vec<u32> = (0..5)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.settle();
    let mut ids = Vec::new();
    for s in seqs {
        match p.outcomes(Side::Esme, s).as_slice() {
            [Event::Response { frame, .. }] => {
                assert!(frame.command_status().is_ok());
                match frame.pdu().unwrap().body {
                    Body::SubmitSmResp(r) => ids.push(r.message_id.to_vec()),
                    other => panic!("{other:?}"),
                }
            }
            other => panic!("{other:?}"),
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "distinct message ids");
    assert!(p.smsc_events.iter().all(|e| matches!(
        e,
        Event::BindRequest { .. }
            | Event::Request {
                auto_responded: true,
                ..
            }
    )));
    assert_eq!(p.smsc.unanswered(), 0);
}

#[test]
fn enquire_link_is_answered_in_every_state() {
    for bt in BIND_TYPES {
        let mut p = Pair::bound(bt);
        for side in SIDES {
            let out = p.inject(side, &encode(&Pdu::new(555, Body::EnquireLink)));
            assert_answer(
                &out,
                CommandId::EnquireLinkResp,
                CommandStatus::ESME_ROK,
                555,
            );
            assert_eq!(p.session(side).state(), State::Bound(bt));
            assert_eq!(
                p.session(side)
                    .counters()
                    .requests_received
                    .get(CommandId::EnquireLink),
                1
            );
        }
        // Through the link, from both sides.
        let a = p.send(Side::Esme, &Body::EnquireLink).unwrap();
        let b = p.send(Side::Smsc, &Body::EnquireLink).unwrap();
        p.settle();
        assert_eq!(p.outcomes(Side::Esme, a).len(), 1);
        assert_eq!(p.outcomes(Side::Smsc, b).len(), 1);
    }
    // Before any bind, and while unbinding.
    let mut p = Pair::new(quiet_esme(), quiet_smsc());
    for side in SIDES {
        let out = p.inject(side, &encode(&Pdu::new(1, Body::EnquireLink)));
        assert_answer(&out, CommandId::EnquireLinkResp, CommandStatus::ESME_ROK, 1);
    }
    let mut p = Pair::bound(BindType::Transceiver);
    p.send(Side::Esme, &submit()).unwrap();
    let now = p.now;
    p.esme.unbind(now).unwrap();
    p.settle();
    assert_eq!(p.esme.state(), State::Unbinding(BindType::Transceiver));
    let out = p.inject(Side::Esme, &encode(&Pdu::new(2, Body::EnquireLink)));
    assert_answer(&out, CommandId::EnquireLinkResp, CommandStatus::ESME_ROK, 2);
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::Unbound));
}

#[test]
fn alert_notification_is_reported_unanswered() {
    let mut p = Pair::bound(BindType::Receiver);
    let alert = Body::AlertNotification(AlertNotification {
        source: Address::international("447700900123"),
        esme: Address::alphanumeric("Sender"),
        tlvs: Tlvs::EMPTY,
    });
    let out = p.inject(Side::Esme, &encode(&Pdu::new(9, alert)));
    assert!(out.is_empty(), "alert_notification has no response");
    assert!(matches!(
        last_event(&p, Side::Esme),
        Event::Request { frame, auto_responded: false }
            if frame.command_id() == CommandId::AlertNotification
    ));
    assert_eq!(p.esme.unanswered(), 0);
    // Sent through the link by the SMSC (no outcome is expected for it; it is untracked
    // by the window because it has no response).
    let mut q = Pair::bound(BindType::Transmitter);
    let out = q.inject(Side::Esme, &encode(&Pdu::new(9, alert)));
    assert!(out.is_empty());
    assert!(matches!(
        last_event(&q, Side::Esme),
        Event::RejectedRequest {
            command_id: CommandId::AlertNotification,
            ..
        }
    ));
}

#[test]
fn unexpected_responses_are_unmatched() {
    let mut p = Pair::bound(BindType::Transceiver);
    let out = p.inject(
        Side::Esme,
        &encode(&Pdu::new(
            999,
            Body::SubmitSmResp(MessageIdResp::new(b"zz")),
        )),
    );
    assert!(out.is_empty(), "responses are never answered");
    assert!(matches!(
        last_event(&p, Side::Esme),
        Event::UnmatchedResponse { frame, late: false } if frame.sequence_number() == 999
    ));
    // A generic_nack with sequence number 0 (as sent for a broken stream) matches nothing.
    let out = p.inject(Side::Esme, &raw_pdu(0x8000_0000, 3, 0, &[]));
    assert!(out.is_empty());
    assert!(matches!(
        last_event(&p, Side::Esme),
        Event::UnmatchedResponse { late: false, .. }
    ));
    assert_eq!(p.esme.counters().unmatched_responses, 2);
    assert_link_works(&mut p);
}

#[test]
fn generic_nack_answers_a_request() {
    let mut p = Pair::bound(BindType::Transceiver);
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    let out = p.inject(Side::Esme, &raw_pdu(0x8000_0000, 0x0000_0003, seq, &[]));
    assert!(out.is_empty());
    match p.outcomes(Side::Esme, seq).as_slice() {
        [Event::Response { request, frame, .. }] => {
            assert_eq!(*request, CommandId::SubmitSm);
            assert_eq!(frame.command_id(), CommandId::GenericNack);
            assert_eq!(frame.command_status(), CommandStatus::ESME_RINVCMDID);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.esme.in_flight(), 0);
    // The SMSC application's own late answer is then unmatched at the ESME.
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert!(matches!(
        p.esme_events.last(),
        Some(Event::UnmatchedResponse { late: false, .. })
    ));
}

#[test]
fn a_response_with_the_wrong_command_id_is_the_requests_error() {
    let mut p = Pair::bound(BindType::Transceiver);
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    // The SMSC answers the submit_sm with a cancel_sm_resp of the same sequence number.
    p.inject(Side::Esme, &raw_pdu(0x8000_0008, 0, seq, &[]));
    match p.outcomes(Side::Esme, seq).as_slice() {
        [Event::MismatchedResponse { request, frame, .. }] => {
            assert_eq!(*request, CommandId::SubmitSm);
            assert_eq!(frame.command_id(), CommandId::CancelSmResp);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.esme.counters().mismatched_responses, 1);
    assert_eq!(p.esme.in_flight(), 0);
    assert_eq!(p.esme.state(), State::Bound(BindType::Transceiver));
    // A generic_nack still answers any request.
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.inject(Side::Esme, &raw_pdu(0x8000_0000, 0x0000_0003, seq, &[]));
    assert!(matches!(
        p.outcomes(Side::Esme, seq).as_slice(),
        [Event::Response { frame, .. }] if frame.command_id() == CommandId::GenericNack
    ));
}

#[test]
fn a_bind_answered_with_another_response_fails() {
    for wrong in [0x8000_0015u32, 0x8000_0004, 0x8000_0001] {
        let now = Instant::ZERO;
        let mut s = new_session(quiet_esme(), now);
        let seq = s
            .bind(now, BindType::Transceiver, &Bind::new("u", "p"))
            .unwrap();
        s.handle_input(now, &raw_pdu(wrong, 0, seq, &[]));
        let events: Vec<Event> = std::iter::from_fn(|| s.poll_event()).collect();
        let response = CommandId::from_u32(wrong);
        assert!(
            matches!(
                events.as_slice(),
                [
                    Event::MismatchedResponse { request: CommandId::BindTransceiver, frame, .. },
                    Event::BindFailed { status: Some(CommandStatus::ESME_RBINDFAIL) },
                    Event::Closed { reason: CloseReason::MismatchedResponse { request: CommandId::BindTransceiver, response: r } },
                ] if frame.command_id() == response && *r == response
            ),
            "{wrong:#x}: {events:?}"
        );
        assert_eq!(s.counters().mismatched_responses, 1);
        assert_eq!(s.state(), State::Closed);
    }
}
