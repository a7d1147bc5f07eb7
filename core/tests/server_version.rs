//! Endpoint tests: SMPP version negotiation on a 5.0 SMSC endpoint (the bind response's
//! `sc_interface_version` as each bind asked, the negotiated version in `SessionInfo`, the
//! 5.0 commands on 5.0 sessions only, a malformed broadcast_sm's answer by version), in
//! simulated time.
#![cfg(feature = "alloc")]

mod server_harness;

use server_harness::*;
use smpp_core::framing::{frame, Framing};
use smpp_core::pdu::{Address, Bind, Body, BroadcastSm, Pdu, Tlv, TlvTag, Tlvs};
use smpp_core::server::{BindId, Reply};
use smpp_core::session::{BindType, Event, SessionError, SmppVersion};
use smpp_core::{CommandId, CommandStatus, Frame};

static BROADCAST_TLVS: [Tlv<'static>; 5] = [
    Tlv::octets(TlvTag::BROADCAST_AREA_IDENTIFIER, b"\x00Zone1"),
    Tlv::octets(TlvTag::BROADCAST_CONTENT_TYPE, &[1, 0, 0]),
    Tlv::u16(TlvTag::BROADCAST_REP_NUM, 2),
    Tlv::octets(TlvTag::BROADCAST_FREQUENCY_INTERVAL, &[9, 0, 1]),
    Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"Road closed"),
];

fn broadcast() -> Body<'static> {
    Body::BroadcastSm(BroadcastSm {
        source: Address::alphanumeric("Council"),
        tlvs: Tlvs::from_slice(&BROADCAST_TLVS),
        ..Default::default()
    })
}

fn encode(pdu: &Pdu<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; pdu.encoded_len()];
    let n = pdu.encode(&mut buf).expect("encode");
    buf.truncate(n);
    buf
}

/// A broadcast_sm with `seq` whose `broadcast_rep_num` (mandatory) is cut out.
fn broadcast_missing_rep_num(seq: u32) -> Vec<u8> {
    let mut bytes = encode(&Pdu::new(seq, broadcast()));
    let tlv = [0x06, 0x04, 0x00, 0x02, 0x00, 0x02];
    let at = bytes
        .windows(tlv.len())
        .position(|w| w == tlv)
        .expect("broadcast_rep_num in the PDU");
    bytes.drain(at..at + tlv.len());
    let len = bytes.len() as u32;
    bytes[..4].copy_from_slice(&len.to_be_bytes());
    bytes
}

/// A harness whose endpoint serves up to SMPP 5.0, and whose ESMEs may negotiate 5.0.
fn harness_5_0() -> Harness {
    let mut config = test_config();
    config.session.max_version = SmppVersion::V5_0;
    let mut h = Harness::new(config);
    h.esme_config.max_version = SmppVersion::V5_0;
    h
}

/// Connects an ESME that binds as a transceiver with `interface_version`; its index.
fn bind_with(h: &mut Harness, interface_version: u8) -> usize {
    let peer = h.fresh_peer();
    let i = h
        .connect("acme", PASSWORD, BindType::Transceiver, peer)
        .expect("accepted");
    let now = h.now;
    let bind = Bind {
        interface_version,
        ..Bind::new("acme", PASSWORD)
    };
    h.esmes[i]
        .session
        .bind(now, BindType::Transceiver, &bind)
        .expect("bind");
    h.step();
    assert!(h.esmes[i].is_bound(), "ESME {i} bound");
    i
}

/// The `sc_interface_version` of the bind response ESME `i` received.
fn sc_interface_version(h: &Harness, i: usize) -> Option<u8> {
    let frame = h.esmes[i]
        .events
        .iter()
        .find_map(|(_, e)| match e {
            Event::Bound { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .expect("Bound");
    match frame.pdu().expect("bind response parses").body {
        Body::BindTransceiverResp(r) => r.tlvs.get(TlvTag::SC_INTERFACE_VERSION)?.as_u8(),
        other => panic!("{other:?}"),
    }
}

fn conn(h: &Harness, i: usize) -> BindId {
    h.esmes[i].conn.expect("connected")
}

/// Feeds `bytes` to the endpoint as ESME `i`'s input and returns the PDUs the endpoint
/// answers with (taken before the ESME sees them).
fn inject(h: &mut Harness, i: usize, bytes: &[u8]) -> Vec<Frame> {
    let c = conn(h, i);
    let now = h.now;
    h.ep.handle_input(now, c, bytes);
    let mut out = Vec::new();
    while let Some(chunk) = h.ep.take_transmit(c) {
        out.extend_from_slice(&chunk);
    }
    let mut frames = Vec::new();
    let mut rest = &out[..];
    while !rest.is_empty() {
        match frame(rest, 4096) {
            Ok(Framing::Complete(n)) => {
                frames.push(Frame::new(rest[..n].to_vec().into()).expect("a frame"));
                rest = &rest[n..];
            }
            other => panic!("{other:?}"),
        }
    }
    frames
}

#[test]
fn a_5_0_endpoint_answers_each_bind_in_its_version() {
    let mut h = harness_5_0();
    let v50 = bind_with(&mut h, 0x50);
    let v34 = bind_with(&mut h, 0x34);
    assert_eq!(sc_interface_version(&h, v50), Some(0x50));
    assert_eq!(sc_interface_version(&h, v34), Some(0x34));
    assert_eq!(
        h.esmes[v50].session.negotiated_version(),
        Some(SmppVersion::V5_0)
    );
    assert_eq!(
        h.esmes[v34].session.negotiated_version(),
        Some(SmppVersion::V3_4)
    );

    let info50 = h.ep.session(conn(&h, v50)).expect("bound");
    assert_eq!(info50.interface_version, Some(0x50));
    assert_eq!(info50.version, Some(SmppVersion::V5_0));
    let info34 = h.ep.session(conn(&h, v34)).expect("bound");
    assert_eq!(info34.interface_version, Some(0x34));
    assert_eq!(info34.version, Some(SmppVersion::V3_4));
    assert_eq!(h.ep.sessions().len(), 2);

    // A 3.4 endpoint answers a 0x50 bind with 0x34 and negotiates 3.4.
    let mut h = Harness::new(test_config());
    h.esme_config.max_version = SmppVersion::V5_0;
    let i = bind_with(&mut h, 0x50);
    assert_eq!(sc_interface_version(&h, i), Some(0x34));
    let info = h.ep.session(conn(&h, i)).expect("bound");
    assert_eq!(info.interface_version, Some(0x50));
    assert_eq!(info.version, Some(SmppVersion::V3_4));
}

#[test]
fn broadcast_sm_is_served_on_the_5_0_session_and_refused_on_the_3_4_one() {
    let mut h = harness_5_0();
    let v50 = bind_with(&mut h, 0x50);
    let v34 = bind_with(&mut h, 0x34);

    // 5.0: the application gets the request and its answer goes back as broadcast_sm_resp.
    let now = h.now;
    let seq = h.esmes[v50].session.send(now, &broadcast()).expect("send");
    h.step();
    let (c, req) = h
        .requests
        .pop()
        .expect("the broadcast reached the application");
    assert_eq!(c, conn(&h, v50));
    assert_eq!(req.command_id(), CommandId::BroadcastSm);
    match req.pdu().expect("parses").body {
        Body::BroadcastSm(b) => {
            assert_eq!(b.tlvs.broadcast_rep_num(), Some(2));
            assert_eq!(
                b.tlvs.broadcast_area_identifier().map(|a| a.area),
                Some(&b"Zone1"[..])
            );
        }
        other => panic!("{other:?}"),
    }
    let now = h.now;
    h.ep.reply(
        now,
        c,
        req.sequence_number(),
        req.command_id(),
        &Reply::ok_message_id("bc-1"),
    )
    .expect("reply");
    h.step();
    let resp = h.esmes[v50]
        .events
        .iter()
        .find_map(|(_, e)| match e {
            Event::Response { frame, .. } if frame.sequence_number() == seq => Some(frame.clone()),
            _ => None,
        })
        .expect("the broadcast's response");
    assert_eq!(resp.command_id(), CommandId::BroadcastSmResp);
    assert_eq!(resp.command_status(), CommandStatus::ESME_ROK);
    match resp.pdu().expect("parses").body {
        Body::BroadcastSmResp(r) => {
            assert_eq!(r.message_id, b"bc-1");
            // A 5.0 session's responses carry the endpoint's load.
            assert!(r.tlvs.congestion_state().is_some());
        }
        other => panic!("{other:?}"),
    }

    // 3.4: the ESME's session will not send it ...
    let now = h.now;
    assert_eq!(
        h.esmes[v34].session.send(now, &broadcast()),
        Err(SessionError::NotNegotiated {
            command_id: CommandId::BroadcastSm,
            version: SmppVersion::V3_4,
        })
    );
    // ... and the endpoint answers the octets generic_nack ESME_RINVCMDID, without
    // bothering the application.
    let out = inject(&mut h, v34, &encode(&Pdu::new(700, broadcast())));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].command_id(), CommandId::GenericNack);
    assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDID);
    assert_eq!(out[0].sequence_number(), 700);
    h.step();
    assert!(h.requests.is_empty());
    assert!(h.esmes[v34].is_bound());
    let info = h.ep.session(conn(&h, v34)).expect("still bound");
    assert_eq!(
        info.counters.requests_received.get(CommandId::BroadcastSm),
        1
    );
}

#[test]
fn a_malformed_broadcast_sm_is_answered_by_the_session_version() {
    let mut h = harness_5_0();
    let v50 = bind_with(&mut h, 0x50);
    let v34 = bind_with(&mut h, 0x34);

    // 3.4: not a command of the version, whatever the body.
    let out = inject(&mut h, v34, &broadcast_missing_rep_num(801));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].command_id(), CommandId::GenericNack);
    assert_eq!(out[0].command_status(), CommandStatus::ESME_RINVCMDID);
    assert_eq!(out[0].sequence_number(), 801);

    // 5.0: the body's error, ESME_RMISSINGTLV (0xC3), in a broadcast_sm_resp.
    let out = inject(&mut h, v50, &broadcast_missing_rep_num(802));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0].command_id(), CommandId::BroadcastSmResp);
    assert_eq!(out[0].command_status(), CommandStatus(0xC3));
    assert_eq!(out[0].sequence_number(), 802);

    h.step();
    assert!(h.requests.is_empty());
    assert!(h.esmes[v50].is_bound() && h.esmes[v34].is_bound());
}
