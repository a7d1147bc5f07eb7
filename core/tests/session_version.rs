//! Session tests: SMPP version negotiation at bind time (both roles, fallback, 5.0
//! commands only on 5.0 sessions) and SMPP 5.0 congestion control (`congestion_state` in
//! responses narrowing the sender's requests on the wire), in simulated time.

mod common;

use common::*;
use smpp_core::pdu::{
    Address, Bind, Body, BroadcastSm, CancelBroadcastSm, MessageIdResp, Pdu, QueryBroadcastSm, Tlv,
    TlvTag, Tlvs,
};
use smpp_core::session::{BindType, Event, SessionConfig, SessionError, SmppVersion, State};
use smpp_core::{CommandId, CommandStatus};

static BROADCAST_TLVS: [Tlv<'static>; 5] = [
    Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Dublin"),
    Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &[1, 0, 0x10]),
    Tlv::u16(TlvTag::BROADCAST_REP_NUM, 3),
    Tlv::octets(TlvTag::BROADCAST_FREQUENCY_INTERVAL, &[9, 0, 5]),
    Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"Storm warning"),
];

fn broadcast() -> Body<'static> {
    Body::BroadcastSm(BroadcastSm {
        source: Address::alphanumeric("Alerts"),
        tlvs: Tlvs::from_slice(&BROADCAST_TLVS),
        ..Default::default()
    })
}

fn v50(c: SessionConfig) -> SessionConfig {
    SessionConfig {
        max_version: SmppVersion::V5_0,
        ..c
    }
}

/// Binds a pair: the ESME asks with `interface_version`, the SMSC application accepts with
/// `sc` (what a server passes: the session may replace it). Returns the bind response's
/// `sc_interface_version` as it arrived.
fn bind(p: &mut Pair, interface_version: u8, sc: Option<u8>) -> Option<u8> {
    let now = p.now;
    let bind = Bind {
        interface_version,
        ..Bind::new("esme", "secret")
    };
    p.esme
        .bind(now, BindType::Transceiver, &bind)
        .expect("bind");
    p.settle();
    assert_eq!(p.smsc.peer_interface_version(), Some(interface_version));
    let now = p.now;
    p.smsc.accept_bind(now, b"smsc", sc).expect("accept_bind");
    p.settle();
    assert_eq!(p.esme.state(), State::Bound(BindType::Transceiver));
    let frame = p
        .esme_events
        .iter()
        .find_map(|e| match e {
            Event::Bound { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .expect("Bound");
    let pdu = frame.pdu().expect("bind response parses");
    match pdu.body {
        Body::BindTransceiverResp(r) => r.tlvs.get(TlvTag::SC_INTERFACE_VERSION)?.as_u8(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn esme_5_0_and_smsc_5_0_negotiate_5_0_and_exchange_a_broadcast() {
    let mut p = Pair::new(v50(quiet_esme()), v50(quiet_smsc()));
    assert_eq!(p.esme.negotiated_version(), None);
    assert_eq!(bind(&mut p, 0x50, Some(0x34)), Some(0x50));
    for side in [Side::Esme, Side::Smsc] {
        assert_eq!(
            p.session(side).negotiated_version(),
            Some(SmppVersion::V5_0)
        );
        assert_eq!(p.session(side).peer_version(), Some(SmppVersion::V5_0));
    }
    assert_eq!(p.esme.peer_interface_version(), Some(0x50));
    for body in [
        broadcast(),
        Body::QueryBroadcastSm(QueryBroadcastSm {
            message_id: b"1",
            source: Address::alphanumeric("Alerts"),
            tlvs: Tlvs::EMPTY,
        }),
        Body::CancelBroadcastSm(CancelBroadcastSm {
            message_id: b"1",
            source: Address::alphanumeric("Alerts"),
            ..Default::default()
        }),
    ] {
        let seq = p
            .send(Side::Esme, &body)
            .expect("5.0 command on a 5.0 session");
        p.settle();
        let (got, id) = p.pending[Side::Smsc.idx()]
            .pop_front()
            .expect("SMSC got it");
        assert_eq!((got, id), (seq, body.command_id()));
        let resp = match id {
            CommandId::BroadcastSm => Body::BroadcastSmResp(MessageIdResp::new(b"1")),
            _ => Body::error_response_for(id).unwrap(),
        };
        let now = p.now;
        let status = if id == CommandId::QueryBroadcastSm {
            // No broadcast state in this test: an error answer.
            CommandStatus::ESME_RQUERYFAIL
        } else {
            CommandStatus::ESME_ROK
        };
        p.smsc.respond(now, seq, status, &resp).unwrap();
        p.settle();
        let outcomes = p.outcomes(Side::Esme, seq);
        assert!(
            matches!(outcomes.as_slice(), [Event::Response { request, .. }] if *request == id),
            "{outcomes:?}"
        );
    }
}

#[test]
fn esme_5_0_falls_back_to_3_4_when_the_smsc_answers_0x34() {
    let mut p = Pair::new(v50(quiet_esme()), quiet_smsc());
    assert_eq!(bind(&mut p, 0x50, Some(0x34)), Some(0x34));
    assert_eq!(p.esme.negotiated_version(), Some(SmppVersion::V3_4));
    assert_eq!(p.smsc.negotiated_version(), Some(SmppVersion::V3_4));
    assert_eq!(p.smsc.peer_version(), Some(SmppVersion::V5_0));
    assert_eq!(
        p.send(Side::Esme, &broadcast()),
        Err(SessionError::NotNegotiated {
            command_id: CommandId::BroadcastSm,
            version: SmppVersion::V3_4,
        })
    );
    assert!(p
        .departures
        .iter()
        .all(|w| w.header.command_id != CommandId::BroadcastSm));
    // 3.4 traffic goes on.
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.outcomes(Side::Esme, seq).len(), 1);
}

#[test]
fn a_bind_response_without_sc_interface_version_is_an_smsc_of_3_3() {
    let mut p = Pair::new(v50(quiet_esme()), quiet_smsc());
    assert_eq!(bind(&mut p, 0x50, None), None);
    assert_eq!(p.esme.peer_interface_version(), None);
    assert_eq!(p.esme.peer_version(), Some(SmppVersion::V3_3));
    assert_eq!(p.esme.negotiated_version(), Some(SmppVersion::V3_3));
    assert!(matches!(
        p.send(Side::Esme, &broadcast()),
        Err(SessionError::NotNegotiated { .. })
    ));
}

#[test]
fn esme_3_4_and_smsc_5_0_negotiate_3_4() {
    let mut p = Pair::new(quiet_esme(), v50(quiet_smsc()));
    assert_eq!(bind(&mut p, 0x34, Some(0x34)), Some(0x34));
    assert_eq!(p.esme.negotiated_version(), Some(SmppVersion::V3_4));
    assert_eq!(p.smsc.negotiated_version(), Some(SmppVersion::V3_4));
    assert_eq!(p.smsc.peer_interface_version(), Some(0x34));
    // A higher, unknown version is served as the highest known.
    let mut p = Pair::new(quiet_esme(), v50(quiet_smsc()));
    assert_eq!(bind(&mut p, 0x51, Some(0x34)), Some(0x50));
    assert_eq!(p.smsc.negotiated_version(), Some(SmppVersion::V5_0));
}

/// The octets of a broadcast_sm with sequence number `seq`, as a peer would send them
/// whatever the session negotiated.
fn raw_broadcast(seq: u32) -> Vec<u8> {
    encode(&Pdu::new(seq, broadcast()))
}

#[test]
fn a_5_0_command_on_a_3_4_session_is_answered_generic_nack_invcmdid() {
    for (esme_iv, smsc) in [
        (0x34, quiet_smsc()),
        (0x50, quiet_smsc()),
        (0x34, v50(quiet_smsc())),
    ] {
        let mut p = Pair::new(quiet_esme(), smsc);
        bind(&mut p, esme_iv, Some(0x34));
        assert_ne!(p.smsc.negotiated_version(), Some(SmppVersion::V5_0));
        let out = p.inject(Side::Smsc, &raw_broadcast(77));
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].command_id(), CommandId::GenericNack);
        assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDID);
        assert_eq!(out[0].sequence_number(), 77);
        assert!(p.smsc_events.iter().any(|e| matches!(
            e,
            Event::RejectedRequest {
                command_id: CommandId::BroadcastSm,
                status: CommandStatus::ESME_RINVCMDID,
                ..
            }
        )));
        assert!(p.pending[Side::Smsc.idx()].is_empty());
        assert_eq!(p.smsc.state(), State::Bound(BindType::Transceiver));
    }
    // On a 5.0 session the same octets are a request for the application.
    let mut p = Pair::new(v50(quiet_esme()), v50(quiet_smsc()));
    bind(&mut p, 0x50, Some(0x34));
    assert!(p.inject(Side::Smsc, &raw_broadcast(78)).is_empty());
    assert_eq!(
        p.pending[Side::Smsc.idx()].front(),
        Some(&(78, CommandId::BroadcastSm))
    );
    // A 5.0 server that does not list broadcast_sm among its commands refuses it.
    let smsc = SessionConfig {
        supported_commands: Some(smpp_core::session::CommandSet::from_slice(&[
            CommandId::SubmitSm,
        ])),
        ..v50(quiet_smsc())
    };
    let mut p = Pair::new(v50(quiet_esme()), smsc);
    bind(&mut p, 0x50, Some(0x34));
    let out = p.inject(Side::Smsc, &raw_broadcast(79));
    assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDID);
}

/// The SMSC's pending requests (on the wire, with no latency) after a settle.
fn on_wire(p: &Pair) -> usize {
    p.pending[Side::Smsc.idx()].len()
}

fn congestion_of(frame: &Frame) -> Option<u8> {
    match frame.pdu().ok()?.body {
        Body::SubmitSmResp(r) => r.tlvs.congestion_state(),
        _ => None,
    }
}

#[test]
fn rising_congestion_shrinks_the_window_and_falling_congestion_restores_it() {
    let esme = SessionConfig {
        window: 10,
        ..v50(quiet_esme())
    };
    let mut p = Pair::new(esme, v50(quiet_smsc()));
    bind(&mut p, 0x50, Some(0x34));
    assert_eq!(p.esme.peer_congestion(), None);
    assert_eq!(p.esme.effective_window(), 10);

    // The SMSC reports that it is congested.
    p.smsc.set_congestion_state(Some(100));
    let first = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.esme.peer_congestion(), Some(100));
    assert_eq!(p.esme.effective_window(), 1);
    let Some(Event::Response { frame, .. }) = p.outcomes(Side::Esme, first).pop() else {
        panic!()
    };
    assert_eq!(congestion_of(frame), Some(100));

    // Ten more: one on the wire, nine queued inside the window.
    let seqs: Vec<u32> = (0..10)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    assert!(
        p.send(Side::Esme, &submit()).is_err(),
        "the window itself is unchanged"
    );
    p.settle();
    assert_eq!(on_wire(&p), 1);
    assert_eq!(p.esme.in_flight(), 10);
    assert_eq!(p.esme.poll_timeout().map(|t| t > p.now), Some(true));

    // Nearing congestion (95): half the window.
    p.smsc.set_congestion_state(Some(95));
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.esme.peer_congestion(), Some(95));
    assert_eq!(p.esme.effective_window(), 5);
    assert_eq!(on_wire(&p), 5);

    // Optimum load (85) is below the threshold: the whole window again.
    p.smsc.set_congestion_state(Some(85));
    p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    assert_eq!(p.esme.effective_window(), 10);
    assert_eq!(on_wire(&p), 8, "everything left went out");
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    for seq in seqs.iter().copied().chain([first]) {
        let o = p.outcomes(Side::Esme, seq);
        assert!(
            matches!(o.as_slice(), [Event::Response { .. }]),
            "{seq}: {o:?}"
        );
    }
    // Order is kept.
    let departed: Vec<u32> = p
        .departures
        .iter()
        .filter(|w| w.header.command_id == CommandId::SubmitSm)
        .map(|w| w.header.sequence_number)
        .collect();
    let mut sorted = departed.clone();
    sorted.sort_unstable();
    assert_eq!(departed, sorted);
}

#[test]
fn the_smsc_reports_its_own_load_unless_told_otherwise() {
    let smsc = SessionConfig {
        peer_window: 4,
        ..v50(quiet_smsc())
    };
    let mut p = Pair::new(v50(quiet_esme()), smsc);
    bind(&mut p, 0x50, Some(0x34));
    assert_eq!(p.smsc.congestion_state(), 0);
    let seqs: Vec<u32> = (0..3)
        .map(|_| p.send(Side::Esme, &submit()).unwrap())
        .collect();
    p.settle();
    // Three of four unanswered: 75 %; each answer goes out with the fill at that moment.
    assert_eq!(p.smsc.congestion_state(), 75);
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    let reported: Vec<Option<u8>> = seqs
        .iter()
        .map(|s| match p.outcomes(Side::Esme, *s).pop() {
            Some(Event::Response { frame, .. }) => congestion_of(frame),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(reported, [Some(75), Some(50), Some(25)]);
    assert_eq!(p.esme.peer_congestion(), Some(25));
    assert_eq!(p.smsc.congestion_state(), 0);
    // An error answer carries no TLVs.
    p.smsc.set_congestion_state(Some(60));
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_RSYSERR);
    p.settle();
    match p.outcomes(Side::Esme, seq).pop() {
        Some(Event::Response { frame, .. }) => assert_eq!(congestion_of(frame), None),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.esme.peer_congestion(), Some(25));
}

#[test]
fn a_3_4_session_neither_sends_nor_heeds_congestion_state() {
    let mut p = Pair::new(v50(quiet_esme()), quiet_smsc());
    bind(&mut p, 0x50, Some(0x34));
    p.smsc.set_congestion_state(Some(100));
    let seq = p.send(Side::Esme, &submit()).unwrap();
    p.settle();
    p.answer_all(Side::Smsc, CommandStatus::ESME_ROK);
    p.settle();
    match p.outcomes(Side::Esme, seq).pop() {
        Some(Event::Response { frame, .. }) => assert_eq!(congestion_of(frame), None),
        other => panic!("{other:?}"),
    }
    assert_eq!(p.esme.peer_congestion(), None);
    assert_eq!(p.esme.effective_window(), 10);
}

#[test]
fn the_cap_holds_for_every_congestion_sequence() {
    // A small property: for arbitrary reported states, no request goes on the wire while
    // those already there reach the cap of the last state received (requests sent before
    // the state rose stay out), and every request ends once.
    let mut rng = Rng(0xc0_46e5);
    for _ in 0..20 {
        let esme = SessionConfig {
            window: 8,
            ..v50(quiet_esme())
        };
        let mut p = Pair::new(esme, v50(quiet_smsc()));
        bind(&mut p, 0x50, Some(0x34));
        let mut seqs = Vec::new();
        for _ in 0..40 {
            let before = on_wire(&p);
            while p.esme.in_flight() < 8 {
                seqs.push(p.send(Side::Esme, &submit()).unwrap());
            }
            p.settle();
            let cap = p.esme.effective_window();
            assert!(on_wire(&p) <= cap.max(before), "{} > {cap}", on_wire(&p));
            let before = on_wire(&p);
            let state = rng.below(101) as u8;
            p.smsc.set_congestion_state(Some(state));
            p.answer_one(Side::Smsc, CommandStatus::ESME_ROK);
            p.settle();
            let cap = smpp_core::session::congestion_cap(8, state, 90);
            assert!(
                on_wire(&p) <= cap.max(before - 1),
                "{} > {cap}",
                on_wire(&p)
            );
            assert_eq!(p.esme.peer_congestion(), Some(state));
            assert_eq!(
                p.esme.effective_window(),
                smpp_core::session::congestion_cap(8, state, 90)
            );
        }
        p.smsc.set_congestion_state(Some(0));
        while p.answer_one(Side::Smsc, CommandStatus::ESME_ROK).is_some() {
            p.settle();
        }
        for seq in seqs {
            assert_eq!(p.outcomes(Side::Esme, seq).len(), 1, "{seq}");
        }
    }
}

/// A broadcast_sm with sequence number `seq` without its `broadcast_rep_num` (a mandatory
/// TLV), as a faulty peer sends it: the valid octets with that TLV cut out.
fn broadcast_missing_rep_num(seq: u32) -> Vec<u8> {
    let mut bytes = raw_broadcast(seq);
    let tlv = [0x06, 0x04, 0x00, 0x02, 0x00, 0x03];
    let at = bytes
        .windows(tlv.len())
        .position(|w| w == tlv)
        .expect("broadcast_rep_num in the PDU");
    bytes.drain(at..at + tlv.len());
    let len = bytes.len() as u32;
    bytes[..4].copy_from_slice(&len.to_be_bytes());
    bytes
}

#[test]
fn a_malformed_broadcast_sm_is_an_unsupported_command_on_3_4_and_missing_tlv_on_5_0() {
    // 3.4 sessions (whatever the ESME asked): the command is not one of the version, so
    // the answer is generic_nack ESME_RINVCMDID, not the body's error.
    for (esme_iv, smsc) in [
        (0x34, quiet_smsc()),
        (0x50, quiet_smsc()),
        (0x34, v50(quiet_smsc())),
    ] {
        let mut p = Pair::new(quiet_esme(), smsc);
        bind(&mut p, esme_iv, Some(0x34));
        let out = p.inject(Side::Smsc, &broadcast_missing_rep_num(90));
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].command_id(), CommandId::GenericNack);
        assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDID);
        assert_eq!(out[0].sequence_number(), 90);
        assert!(!p
            .smsc_events
            .iter()
            .any(|e| matches!(e, Event::InvalidPdu { .. })));
        assert_eq!(p.smsc.state(), State::Bound(BindType::Transceiver));
    }
    // A 5.0 session: broadcast_sm_resp ESME_RMISSINGTLV (0xC3, SMPP 3.4's
    // ESME_RMISSINGOPTPARAM), and the application hears of the invalid PDU.
    let mut p = Pair::new(v50(quiet_esme()), v50(quiet_smsc()));
    bind(&mut p, 0x50, Some(0x34));
    assert_eq!(p.smsc.negotiated_version(), Some(SmppVersion::V5_0));
    let out = p.inject(Side::Smsc, &broadcast_missing_rep_num(91));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].command_id(), CommandId::BroadcastSmResp);
    assert_eq!(out[0].command_status().0, 0xC3);
    assert_eq!(
        out[0].command_status(),
        CommandStatus::ESME_RMISSINGOPTPARAM
    );
    assert_eq!(out[0].sequence_number(), 91);
    assert!(p.smsc_events.iter().any(|e| matches!(
        e,
        Event::InvalidPdu {
            command_id: CommandId::BroadcastSm,
            sequence_number: 91,
            ..
        }
    )));
    assert!(p.pending[Side::Smsc.idx()].is_empty());
    // A 5.0 server that does not serve broadcast_sm: unsupported first, whatever the body.
    let smsc = SessionConfig {
        supported_commands: Some(smpp_core::session::CommandSet::from_slice(&[
            CommandId::SubmitSm,
        ])),
        ..v50(quiet_smsc())
    };
    let mut p = Pair::new(v50(quiet_esme()), smsc);
    bind(&mut p, 0x50, Some(0x34));
    let out = p.inject(Side::Smsc, &broadcast_missing_rep_num(92));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].command_id(), CommandId::GenericNack);
    assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDID);
}
