//! The outside view of a session: an `Observer` fed with every PDU that crossed the wire,
//! in departure order, reaches the state the sessions themselves reach.

mod common;

use common::*;
use smpp_core::pdu::Bind;
use smpp_core::session::{BindType, Observer, State};
use smpp_core::CommandStatus;

/// Feeds the observer every PDU that left either session since `from`; returns where the
/// departures list ends.
fn follow(o: &mut Observer, p: &Pair, from: usize) -> usize {
    for w in &p.departures[from..] {
        o.observe(&w.header.to_bytes());
    }
    p.departures.len()
}

#[test]
fn the_observer_agrees_with_both_sessions_through_bind_traffic_and_unbind() {
    for bind_type in [
        BindType::Transmitter,
        BindType::Receiver,
        BindType::Transceiver,
    ] {
        let mut p = Pair::bound(bind_type);
        let mut o = Observer::new();
        let mut seen = follow(&mut o, &p, 0);
        assert_eq!(o.state(), State::Bound(bind_type));
        assert_eq!(o.state(), p.esme.state());
        assert_eq!(o.state(), p.smsc.state());

        let side = if bind_type.can_transmit() {
            Side::Esme
        } else {
            Side::Smsc
        };
        let body = if side == Side::Esme {
            submit()
        } else {
            deliver()
        };
        for _ in 0..3 {
            p.send(side, &body).unwrap();
        }
        p.settle();
        p.answer_all(side.peer(), CommandStatus::ESME_ROK);
        p.settle();
        seen = follow(&mut o, &p, seen);
        assert_eq!(
            o.state(),
            State::Bound(bind_type),
            "traffic changes nothing"
        );

        let now = p.now;
        p.esme.unbind(now).unwrap();
        p.settle();
        follow(&mut o, &p, seen);
        assert!(p.esme.is_closed() && p.smsc.is_closed());
        assert_eq!(o.state(), State::Closed);
        assert_eq!(o.close(), None, "already closed");
    }
}

#[test]
fn a_rejected_bind_leaves_the_observer_open() {
    let mut p = Pair::default_pair();
    let now = p.now;
    p.esme
        .bind(now, BindType::Transceiver, &Bind::new("esme", "wrong"))
        .unwrap();
    p.settle();
    let mut o = Observer::new();
    let seen = follow(&mut o, &p, 0);
    assert_eq!(o.state(), State::Binding(BindType::Transceiver));
    let now = p.now;
    p.smsc
        .reject_bind(now, CommandStatus::ESME_RINVPASWD)
        .unwrap();
    p.settle();
    let before = o.state();
    let last = p.departures.last().expect("the response left").header;
    follow(&mut o, &p, seen);
    // SMPP 3.4: after a failed bind the link is OPEN again (this library's session then
    // closes the connection; the observer reports that only when told).
    assert_eq!(o.state(), State::Open);
    assert_eq!(last.command_status, CommandStatus::ESME_RINVPASWD);
    assert_eq!(before, State::Binding(BindType::Transceiver));
    assert_eq!(o.close(), Some(State::Open));
}
