//! Session tests: binding (each type, rejection, timeouts on both roles) and outbind.

mod common;

use common::*;
use smpp_core::pdu::{Bind, Outbind};
use smpp_core::session::{BindType, CloseReason, SessionConfig, SessionError, State};
use smpp_core::{CommandId, CommandStatus};

const BIND_TYPES: [BindType; 3] = [
    BindType::Transmitter,
    BindType::Receiver,
    BindType::Transceiver,
];

#[test]
fn bind_each_type() {
    for bt in BIND_TYPES {
        let mut p = Pair::default_pair();
        assert_eq!(p.esme.state(), State::Open);
        assert_eq!(p.smsc.state(), State::Open);
        let seq = p.bind(bt);
        // The ESME saw exactly one Bound, carrying the SMSC's system_id.
        let bound: Vec<_> = p
            .esme_events
            .iter()
            .filter_map(|e| match e {
                Event::Bound { bind_type, frame } => Some((*bind_type, frame.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(bound.len(), 1, "{:?}", p.esme_events);
        let (b, frame) = &bound[0];
        assert_eq!(*b, bt);
        assert_eq!(frame.sequence_number(), seq);
        assert_eq!(frame.command_id(), bt.command_id().response().unwrap());
        assert_eq!(frame.command_status(), CommandStatus::ESME_ROK);
        match frame.pdu().unwrap().body {
            smpp_core::Body::BindTransmitterResp(r)
            | smpp_core::Body::BindReceiverResp(r)
            | smpp_core::Body::BindTransceiverResp(r) => {
                assert_eq!(r.system_id, b"smsc");
                assert_eq!(
                    r.tlvs.iter().count(),
                    1,
                    "sc_interface_version TLV is present"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.esme.state(), State::Bound(bt));
        assert_eq!(p.smsc.state(), State::Bound(bt));
        // The SMSC saw the bind request with the credentials.
        let Some(Event::BindRequest { bind_type, frame }) = p.smsc_events.first() else {
            panic!("{:?}", p.smsc_events)
        };
        assert_eq!(*bind_type, bt);
        match frame.pdu().unwrap().body {
            smpp_core::Body::BindTransmitter(b)
            | smpp_core::Body::BindReceiver(b)
            | smpp_core::Body::BindTransceiver(b) => {
                assert_eq!(b.system_id, b"esme");
                assert_eq!(b.password, b"secret");
            }
            other => panic!("{other:?}"),
        }
        // A second bind from the application is refused locally.
        let now = p.now;
        assert_eq!(
            p.esme.bind(now, bt, &Bind::new("esme", "secret")),
            Err(SessionError::InvalidState {
                state: State::Bound(bt)
            })
        );
        assert!(p.esme.poll_transmit().is_none());
        p.check();
    }
}

#[test]
fn bind_over_a_slow_chunked_link() {
    for bt in BIND_TYPES {
        let mut p = Pair::default_pair();
        p.latency = ms(150);
        p.chunking = Chunking::Fixed(3);
        p.bind(bt);
        assert_eq!(p.now, at_ms(300), "one round trip");
    }
}

#[test]
fn rejected_bind() {
    let mut p = Pair::default_pair();
    let now = p.now;
    p.esme
        .bind(now, BindType::Transceiver, &Bind::new("esme", "wrong"))
        .unwrap();
    p.settle();
    assert!(matches!(
        p.smsc_events.as_slice(),
        [Event::BindRequest {
            bind_type: BindType::Transceiver,
            ..
        }]
    ));
    let now = p.now;
    p.smsc
        .reject_bind(now, CommandStatus::ESME_RINVPASWD)
        .unwrap();
    p.settle();
    assert_eq!(
        p.esme_events
            .iter()
            .map(summarize)
            .map(|s| s.0)
            .collect::<Vec<_>>(),
        ["BindFailed", "Closed"]
    );
    assert_eq!(
        p.esme_events[0],
        Event::BindFailed {
            status: Some(CommandStatus::ESME_RINVPASWD)
        }
    );
    assert_eq!(
        p.closed_reason(Side::Esme),
        Some(CloseReason::BindFailed(CommandStatus::ESME_RINVPASWD))
    );
    assert_eq!(
        p.closed_reason(Side::Smsc),
        Some(CloseReason::BindRejected(CommandStatus::ESME_RINVPASWD))
    );
    assert!(p.esme.is_closed() && p.smsc.is_closed());
    // The response on the wire carried the status (and, as SMPP 3.4 allows, no body).
    let resp = p
        .arrivals
        .iter()
        .find(|w| w.from == Side::Smsc)
        .expect("bind response");
    assert_eq!(resp.header.command_id, CommandId::BindTransceiverResp);
    assert_eq!(resp.header.command_status, CommandStatus::ESME_RINVPASWD);
    assert_eq!(resp.header.command_length, 16);
    // Everything is refused after the close.
    let now = p.now;
    assert_eq!(
        p.smsc.accept_bind(now, b"smsc", None),
        Err(SessionError::Closed)
    );
    assert_eq!(p.esme.send(now, &submit()), Err(SessionError::Closed));
    p.check();
}

#[test]
fn reject_bind_with_ok_status_becomes_bindfail() {
    let mut p = Pair::default_pair();
    let now = p.now;
    p.esme
        .bind(now, BindType::Transmitter, &Bind::new("esme", "x"))
        .unwrap();
    p.settle();
    let now = p.now;
    p.smsc.reject_bind(now, CommandStatus::ESME_ROK).unwrap();
    p.settle();
    assert_eq!(
        p.esme_events[0],
        Event::BindFailed {
            status: Some(CommandStatus::ESME_RBINDFAIL)
        }
    );
    assert_eq!(
        p.closed_reason(Side::Smsc),
        Some(CloseReason::BindRejected(CommandStatus::ESME_RBINDFAIL))
    );
}

#[test]
fn accept_or_reject_without_a_bind_request_is_invalid() {
    let mut p = Pair::default_pair();
    let now = p.now;
    assert_eq!(
        p.smsc.accept_bind(now, b"smsc", None),
        Err(SessionError::InvalidState { state: State::Open })
    );
    assert_eq!(
        p.smsc.reject_bind(now, CommandStatus::ESME_RBINDFAIL),
        Err(SessionError::InvalidState { state: State::Open })
    );
    // An SMSC does not bind, an ESME does not outbind.
    assert_eq!(
        p.smsc
            .bind(now, BindType::Transmitter, &Bind::new("a", "b")),
        Err(SessionError::WrongDirection {
            command_id: CommandId::BindTransmitter
        })
    );
    assert_eq!(
        p.esme.outbind(
            now,
            &Outbind {
                system_id: b"smsc",
                password: b""
            }
        ),
        Err(SessionError::WrongDirection {
            command_id: CommandId::Outbind
        })
    );
    assert!(p.smsc.poll_transmit().is_none() && p.esme.poll_transmit().is_none());
}

#[test]
fn bind_with_an_invalid_field_sends_nothing() {
    let mut p = Pair::default_pair();
    let now = p.now;
    let r = p.esme.bind(
        now,
        BindType::Transmitter,
        &Bind::new("a-system-id-that-is-far-too-long", "pw"),
    );
    assert!(matches!(r, Err(SessionError::Encode(_))), "{r:?}");
    assert!(p.esme.poll_transmit().is_none());
    assert_eq!(p.esme.state(), State::Open);
    // And a valid bind still works afterwards, with the first sequence number.
    assert_eq!(p.bind(BindType::Transmitter), 1);
}

#[test]
fn smsc_closes_a_connection_that_never_binds() {
    let smsc = SessionConfig {
        bind_timeout: secs(10),
        ..SessionConfig::smsc()
    };
    let mut p = Pair::new(quiet_esme(), smsc);
    assert_eq!(p.smsc.poll_timeout(), Some(at_ms(10_000)));
    p.advance(ms(9_999));
    assert!(!p.smsc.is_closed());
    assert!(p.smsc_events.is_empty());
    p.advance(ms(1));
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::BindTimeout));
    assert_eq!(p.closed_at(Side::Smsc), Some(at_ms(10_000)));
    assert_eq!(p.smsc_events.len(), 1, "{:?}", p.smsc_events);
    // The driver closes the socket; the (never bound) ESME sees the end of the stream.
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::PeerClosed));
    assert_eq!(p.smsc.poll_timeout(), None);
}

#[test]
fn smsc_bind_timeout_also_covers_an_undecided_bind_request() {
    let smsc = SessionConfig {
        bind_timeout: secs(10),
        ..SessionConfig::smsc()
    };
    let esme = SessionConfig {
        bind_timeout: secs(60),
        ..quiet_esme()
    };
    let mut p = Pair::new(esme, smsc);
    p.advance(secs(4));
    let now = p.now;
    p.esme
        .bind(now, BindType::Transceiver, &Bind::new("esme", "pw"))
        .unwrap();
    p.settle();
    assert!(matches!(p.smsc_events[0], Event::BindRequest { .. }));
    // The SMSC application never decides; the bind timer runs from the connection's start.
    p.advance(secs(6));
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::BindTimeout));
    assert_eq!(p.closed_at(Side::Smsc), Some(at_ms(10_000)));
    // The ESME, still waiting for its response, sees the connection end.
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
fn smsc_bind_timer_stops_once_bound() {
    let smsc = SessionConfig {
        bind_timeout: secs(10),
        ..quiet_smsc()
    };
    let mut p = Pair::bound_with(quiet_esme(), smsc, BindType::Transmitter);
    assert_eq!(p.smsc.poll_timeout(), None);
    p.advance(secs(60));
    assert!(!p.smsc.is_closed() && !p.esme.is_closed());
}

#[test]
fn esme_bind_timeout() {
    let esme = SessionConfig {
        bind_timeout: secs(5),
        ..quiet_esme()
    };
    let smsc = SessionConfig {
        bind_timeout: secs(60),
        ..SessionConfig::smsc()
    };
    let mut p = Pair::new(esme, smsc);
    p.advance(secs(1));
    let now = p.now;
    p.esme
        .bind(now, BindType::Transmitter, &Bind::new("esme", "pw"))
        .unwrap();
    assert_eq!(p.esme.poll_timeout(), Some(at_ms(6_000)));
    p.settle();
    assert!(matches!(p.smsc_events[0], Event::BindRequest { .. }));
    // No response from the SMSC application.
    p.advance(ms(4_999));
    assert!(!p.esme.is_closed());
    p.advance(ms(1));
    assert_eq!(
        p.esme_events,
        [
            Event::BindFailed { status: None },
            Event::Closed {
                reason: CloseReason::BindTimeout
            }
        ]
    );
    assert_eq!(p.closed_at(Side::Esme), Some(at_ms(6_000)));
    assert_eq!(p.closed_reason(Side::Smsc), Some(CloseReason::PeerClosed));
}

#[test]
fn late_bind_response_after_bind_timeout_is_ignored() {
    let esme = SessionConfig {
        bind_timeout: secs(5),
        ..quiet_esme()
    };
    let mut p = Pair::new(esme, quiet_smsc());
    p.auto_eof = false;
    let now = p.now;
    p.esme
        .bind(now, BindType::Transmitter, &Bind::new("esme", "pw"))
        .unwrap();
    p.settle();
    p.advance(secs(5));
    assert_eq!(p.closed_reason(Side::Esme), Some(CloseReason::BindTimeout));
    let now = p.now;
    p.smsc.accept_bind(now, b"smsc", None).unwrap();
    p.settle();
    // Nothing after Closed.
    assert_eq!(p.esme_events.len(), 2);
    assert_eq!(p.esme.state(), State::Closed);
}

#[test]
fn outbind_then_bind_receiver() {
    let mut p = Pair::new(quiet_esme(), quiet_smsc());
    let now = p.now;
    p.smsc
        .outbind(
            now,
            &Outbind {
                system_id: b"smsc",
                password: b"pw",
            },
        )
        .unwrap();
    assert_eq!(p.smsc.state(), State::Outbound);
    // A second outbind is refused.
    assert_eq!(
        p.smsc.outbind(
            now,
            &Outbind {
                system_id: b"smsc",
                password: b"pw"
            }
        ),
        Err(SessionError::InvalidState {
            state: State::Outbound
        })
    );
    p.settle();
    let Some(Event::Outbind { frame }) = p.esme_events.first() else {
        panic!("{:?}", p.esme_events)
    };
    match frame.pdu().unwrap().body {
        smpp_core::Body::Outbind(o) => {
            assert_eq!(o.system_id, b"smsc");
            assert_eq!(o.password, b"pw");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(p.esme.state(), State::Outbound);
    let now = p.now;
    let seq = p
        .esme
        .bind(now, BindType::Receiver, &Bind::new("esme", "pw"))
        .unwrap();
    p.settle();
    assert!(matches!(
        p.smsc_events.as_slice(),
        [Event::BindRequest {
            bind_type: BindType::Receiver,
            ..
        }]
    ));
    let now = p.now;
    p.smsc.accept_bind(now, b"smsc", None).unwrap();
    p.settle();
    assert!(matches!(
        p.esme_events.as_slice(),
        [
            Event::Outbind { .. },
            Event::Bound { bind_type: BindType::Receiver, frame }
        ] if frame.sequence_number() == seq
    ));
    assert_eq!(p.esme.state(), State::Bound(BindType::Receiver));
    assert_eq!(p.smsc.state(), State::Bound(BindType::Receiver));
    // The bound receiver link carries a deliver_sm.
    let seq = p.send(Side::Smsc, &deliver()).unwrap();
    p.settle();
    assert_eq!(p.answer_all(Side::Esme, CommandStatus::ESME_ROK), 1);
    p.settle();
    assert!(matches!(
        p.outcomes(Side::Smsc, seq).as_slice(),
        [Event::Response { .. }]
    ));
}
