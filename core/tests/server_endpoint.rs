//! Deterministic scenarios of the sans-IO SMSC endpoint, driven through the in-memory
//! harness (an `Endpoint` and ESME `Session`s, simulated time).
#![cfg(feature = "alloc")]

mod server_harness;

use server_harness::*;
use smpp_core::pdu::{Address, Body, Outbind, QuerySm, SubmitSm};
use smpp_core::server::{
    AttemptFailure, BindId, Connect, DeliverError, DeliveryOutcome, GiveUpReason, QueueFull,
    Refused, Reply, ServerEvent,
};
use smpp_core::session::{BindType, CloseReason, Event, SessionError, State};
use smpp_core::{CommandId, CommandStatus, Duration, Frame, Instant, Pdu};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn at(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// The status of the ESME's `BindFailed`, and when it came (`None`: no answer yet).
fn bind_failed(h: &Harness, i: usize) -> Option<(Instant, Option<CommandStatus>)> {
    h.esmes[i].events.iter().find_map(|(t, e)| match e {
        Event::BindFailed { status } => Some((*t, *status)),
        _ => None,
    })
}

fn conn(h: &Harness, i: usize) -> BindId {
    *h.esmes[i].conns.last().expect("connected once")
}

fn delivered_on(o: &DeliveryOutcome) -> Option<BindId> {
    match o {
        DeliveryOutcome::Delivered { bind_id, .. } => Some(*bind_id),
        _ => None,
    }
}

fn texts(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|k| format!("{prefix}{k}")).collect()
}

fn closed_reason(h: &Harness, i: usize) -> Option<(Instant, CloseReason)> {
    h.esmes[i].events.iter().find_map(|(t, e)| match e {
        Event::Closed { reason } => Some((*t, *reason)),
        _ => None,
    })
}

fn retrying(h: &Harness, bind: BindId) -> Vec<(AttemptFailure, u32)> {
    h.events
        .iter()
        .filter_map(|(_, e)| match e {
            ServerEvent::Retrying {
                bind_id,
                failure,
                attempts,
                ..
            } if *bind_id == bind => Some((*failure, *attempts)),
            _ => None,
        })
        .collect()
}

// ----- 1. binds ------------------------------------------------------------------------------

#[test]
fn bind_is_accepted_or_rejected_with_the_authenticators_status() {
    let mut h = Harness::new(test_config());
    let ok = h.add("acme", BindType::Transceiver);
    let ok_conn = conn(&h, ok);
    let bound = h.events_where(|e| matches!(e, ServerEvent::Bound { .. }));
    assert_eq!(
        bound,
        [ServerEvent::Bound {
            bind_id: ok_conn,
            account: "acme".into(),
            bind_type: BindType::Transceiver,
            peer: h.esmes[ok].peer,
        }]
    );
    // The ESME's bind_transceiver_resp names the server.
    let resp = h.esmes[ok]
        .events
        .iter()
        .find_map(|(_, e)| match e {
            Event::Bound { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .expect("bound");
    match resp.pdu().unwrap().body {
        Body::BindTransceiverResp(r) => assert_eq!(r.system_id, b"smpp"),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.ep.context(ok_conn).unwrap().account, "acme");

    let peer = h.fresh_peer();
    let bad = h.add_from("acme", "wrong", BindType::Transmitter, peer);
    assert_eq!(
        bind_failed(&h, bad),
        Some((Instant::ZERO, Some(CommandStatus::ESME_RINVPASWD)))
    );
    assert!(h.esmes[bad].session.is_closed());
    assert!(h.esmes[bad].conn.is_none(), "the driver removed it");
    assert_eq!(
        h.events_where(|e| matches!(e, ServerEvent::BindRejected { .. })),
        [ServerEvent::BindRejected {
            system_id: "acme".into(),
            peer,
            status: CommandStatus::ESME_RINVPASWD,
        }]
    );
    assert_eq!(h.ep.connection_count(), 1);
    assert_eq!(h.ep.sessions().len(), 1);
    assert_eq!(h.ep.sessions()[0].bind_id, ok_conn);
}

#[test]
fn authenticator_esme_rok_as_an_error_becomes_rbindfail() {
    let mut h = Harness::new(test_config());
    h.manual_auth = true;
    let peer = h.fresh_peer();
    let i = h.add_from("acme", PASSWORD, BindType::Receiver, peer);
    let (c, req) = h.auth_requests.pop().expect("an Authenticate request");
    assert_eq!(c, conn(&h, i));
    assert_eq!(req.system_id, "acme");
    assert_eq!(req.bind_type, BindType::Receiver);
    assert_eq!(req.peer, peer);
    assert!(req.password == PASSWORD);
    assert_eq!(
        format!("{req:?}").matches(PASSWORD).count(),
        0,
        "password hidden"
    );
    assert_eq!(
        bind_failed(&h, i),
        None,
        "nothing answered before the verdict"
    );

    h.ep.authenticated(h.now, c, Err(CommandStatus::ESME_ROK));
    // A second verdict for the same connection is ignored.
    h.ep.authenticated(h.now, c, Ok(()));
    h.step();
    assert_eq!(
        bind_failed(&h, i),
        Some((Instant::ZERO, Some(CommandStatus::ESME_RBINDFAIL)))
    );
    assert_eq!(
        h.events_where(|e| matches!(
            e,
            ServerEvent::BindRejected { .. } | ServerEvent::Bound { .. }
        )),
        [ServerEvent::BindRejected {
            system_id: "acme".into(),
            peer,
            status: CommandStatus::ESME_RBINDFAIL,
        }]
    );
    assert_eq!(h.ep.connection_count(), 0);
}

#[test]
fn per_account_bind_limit_answers_rbindfail() {
    let mut config = test_config();
    config.limits.max_binds_per_account = Some(1);
    let mut h = Harness::new(config);
    let first = h.add("acme", BindType::Receiver);
    let peer = h.fresh_peer();
    let second = h.add_from("acme", PASSWORD, BindType::Transmitter, peer);
    assert_eq!(
        bind_failed(&h, second).map(|(_, s)| s),
        Some(Some(CommandStatus::ESME_RBINDFAIL))
    );
    assert!(h
        .events_where(|e| matches!(e, ServerEvent::BindRejected { .. }))
        .contains(&ServerEvent::BindRejected {
            system_id: "acme".into(),
            peer,
            status: CommandStatus::ESME_RBINDFAIL,
        }));
    // Another account is not limited by acme's binds.
    h.add("beta", BindType::Transmitter);
    // Once acme's bind ends, acme may bind again.
    let now = h.now;
    h.esmes[first].session.unbind(now).unwrap();
    h.step();
    assert!(h.esmes[first].conn.is_none());
    h.add("acme", BindType::Transceiver);
    assert_eq!(h.ep.sessions().len(), 2);
}

#[test]
fn server_wide_bind_limit_answers_rbindfail() {
    let mut config = test_config();
    config.limits.max_binds = Some(2);
    let mut h = Harness::new(config);
    h.add("acme", BindType::Receiver);
    h.add("beta", BindType::Receiver);
    let peer = h.fresh_peer();
    let third = h.add_from("gamma", PASSWORD, BindType::Receiver, peer);
    assert_eq!(
        bind_failed(&h, third).map(|(_, s)| s),
        Some(Some(CommandStatus::ESME_RBINDFAIL))
    );
    assert_eq!(h.ep.sessions().len(), 2);
    assert_eq!(h.ep.connection_count(), 2);
}

#[test]
fn max_connections_refuses_and_reports_at_most_once_a_second() {
    let mut config = test_config();
    config.max_connections = 2;
    let mut h = Harness::new(config);
    let a = h.add("acme", BindType::Receiver);
    let peer = h.fresh_peer();
    h.connect("acme", PASSWORD, BindType::Receiver, peer)
        .unwrap();
    let refused_peer = addr(192, 0, 2, 99, 5000);
    assert_eq!(
        h.ep.accept(h.now, refused_peer),
        Err(Refused::TooManyConnections)
    );
    assert_eq!(
        h.ep.accept(h.now + ms(10), refused_peer),
        Err(Refused::TooManyConnections)
    );
    h.step();
    let refusals =
        |h: &Harness| h.events_where(|e| matches!(e, ServerEvent::ConnectionRefused { .. }));
    assert_eq!(
        refusals(&h),
        [ServerEvent::ConnectionRefused {
            peer: refused_peer,
            open: 2,
            suppressed: 0,
        }]
    );
    h.advance(secs(1));
    assert_eq!(
        h.ep.accept(h.now, refused_peer),
        Err(Refused::TooManyConnections)
    );
    h.step();
    assert_eq!(
        refusals(&h).last(),
        Some(&ServerEvent::ConnectionRefused {
            peer: refused_peer,
            open: 2,
            suppressed: 1,
        })
    );
    assert_eq!(h.ep.connection_count(), 2);
    // A connection going away makes room again.
    h.drop_link(a);
    h.step();
    assert_eq!(h.ep.connection_count(), 1);
    h.add("acme", BindType::Receiver);
    assert_eq!(h.ep.connection_count(), 2);
}

// ----- 2. failed-bind delays -----------------------------------------------------------------

#[test]
fn failed_bind_flood_from_one_address_is_held_back_others_unaffected() {
    let mut h = Harness::new(test_config());
    let flood = |port| addr(192, 0, 2, 1, port);
    for k in 0..3 {
        let i = h.add_from("acme", "wrong", BindType::Transmitter, flood(5000 + k));
        assert_eq!(
            bind_failed(&h, i),
            Some((Instant::ZERO, Some(CommandStatus::ESME_RINVPASWD))),
            "failure {k} is answered at once"
        );
    }
    // The 4th failure from that address is held back by 1 s.
    let fourth = h.add_from("acme", "wrong", BindType::Transmitter, flood(5003));
    assert_eq!(bind_failed(&h, fourth), None);
    assert_eq!(
        h.esmes[fourth].session.state(),
        State::Binding(BindType::Transmitter)
    );
    // Another address fails at once; a good bind from the flooding address is not slowed.
    let other = h.add_from(
        "acme",
        "wrong",
        BindType::Transmitter,
        addr(192, 0, 2, 2, 6000),
    );
    assert_eq!(
        bind_failed(&h, other),
        Some((Instant::ZERO, Some(CommandStatus::ESME_RINVPASWD)))
    );
    let good = h.add_from("acme", PASSWORD, BindType::Transmitter, flood(5004));
    assert!(h.esmes[good].is_bound());

    h.advance_to(at(999));
    assert_eq!(bind_failed(&h, fourth), None, "still held at 999 ms");
    h.advance_to(at(1000));
    assert_eq!(
        bind_failed(&h, fourth),
        Some((at(1000), Some(CommandStatus::ESME_RINVPASWD)))
    );
    assert!(
        h.esmes[fourth].conn.is_none(),
        "closed and removed after the answer"
    );

    // The 5th failure waits twice as long.
    let fifth = h.add_from("acme", "wrong", BindType::Transmitter, flood(5005));
    h.advance_to(at(2999));
    assert_eq!(bind_failed(&h, fifth), None);
    h.advance_to(at(3000));
    assert_eq!(
        bind_failed(&h, fifth),
        Some((at(3000), Some(CommandStatus::ESME_RINVPASWD)))
    );
    assert_eq!(h.ep.connection_count(), 1, "only the good bind is left");
}

// ----- 3. routing ----------------------------------------------------------------------------

#[test]
fn delivers_to_a_receiver() {
    let mut h = Harness::new(test_config());
    let r = h.add_receiver("acme", Behaviour::Ok);
    let id = h.deliver("acme", "hello").unwrap();
    h.step();
    assert_eq!(h.esmes[r].texts(), ["hello"]);
    match h.outcome(id) {
        DeliveryOutcome::Delivered {
            bind_id,
            attempts,
            response,
        } => {
            assert_eq!(*bind_id, conn(&h, r));
            assert_eq!(*attempts, 1);
            assert_eq!(response.command_id(), CommandId::DeliverSmResp);
            assert!(response.command_status().is_ok());
        }
        other => panic!("{other:?}"),
    }
    assert!(h
        .events_where(|e| matches!(e, ServerEvent::Queued { .. }))
        .is_empty());
    assert_eq!(h.ep.queued_total(), 0);
    // Only deliver_sm and data_sm are deliveries; an invalid field is refused at once.
    assert_eq!(
        h.ep.deliver(h.now, "acme", &Body::EnquireLink),
        Err(DeliverError::NotADelivery(CommandId::EnquireLink))
    );
    let long = "x".repeat(300);
    assert!(matches!(
        h.ep.deliver(h.now, "acme", &deliver_sm(&long)),
        Err(DeliverError::Encode(_))
    ));
    let data = Body::DataSm(smpp_core::pdu::DataSm {
        source: Address::international("447700900123"),
        destination: Address::international("447700900124"),
        ..Default::default()
    });
    let id = h.ep.deliver(h.now, "acme", &data).unwrap();
    h.step();
    match h.outcomes.get(&id).map(Vec::as_slice) {
        Some([DeliveryOutcome::Delivered { response, .. }]) => {
            assert_eq!(response.command_id(), CommandId::DataSmResp)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(h.esmes[r].received.len(), 2);
    assert_eq!(h.ep.queued_total(), 0);
}

#[test]
fn waiting_messages_expire_after_max_age_but_not_while_on_their_way() {
    let mut config = test_config();
    config.delivery.max_age = Some(secs(10));
    let mut h = Harness::new(config);
    let waits = h.deliver("acme", "w").unwrap();
    let r = h.add_receiver("beta", Behaviour::Late(secs(4)));
    h.advance_to(at(8_000));
    let travels = h.deliver("beta", "t").unwrap();
    h.advance_to(at(9_999));
    assert!(h.outcomes.is_empty());
    h.advance_to(at(10_000));
    assert!(matches!(
        h.outcome(waits),
        DeliveryOutcome::GaveUp {
            reason: GiveUpReason::Expired,
            attempts: 0,
            ..
        }
    ));
    // Accepted at 8 s, answered at 12 s: on its way, it is not expired.
    h.advance_to(at(30_000));
    assert_eq!(delivered_on(h.outcome(travels)), Some(conn(&h, r)));
    h.assert_each_ended_once();
    assert_eq!(h.ep.queued_total(), 0);
}

#[test]
fn round_robin_across_two_receivers() {
    let mut h = Harness::new(test_config());
    let r1 = h.add_receiver("acme", Behaviour::Ok);
    let r2 = h.add_receiver("acme", Behaviour::Ok);
    let all = texts("m", 6);
    let mut ids = Vec::new();
    for t in &all {
        ids.push(h.deliver("acme", t).unwrap());
        h.step();
    }
    assert_eq!(h.esmes[r1].texts(), ["m0", "m2", "m4"]);
    assert_eq!(h.esmes[r2].texts(), ["m1", "m3", "m5"]);
    for (k, id) in ids.iter().enumerate() {
        let on = if k % 2 == 0 { r1 } else { r2 };
        assert_eq!(delivered_on(h.outcome(*id)), Some(conn(&h, on)));
    }
}

#[test]
fn transmitter_bind_never_gets_deliveries() {
    let mut h = Harness::new(test_config());
    let tx = h.add("acme", BindType::Transmitter);
    let rx = h.add_receiver("acme", Behaviour::Ok);
    let trx = h.add("acme", BindType::Transceiver);
    for t in texts("m", 8) {
        h.deliver("acme", &t).unwrap();
        h.step();
    }
    assert!(h.esmes[tx].received.is_empty());
    assert_eq!(h.esmes[rx].texts(), ["m0", "m2", "m4", "m6"]);
    assert_eq!(h.esmes[trx].texts(), ["m1", "m3", "m5", "m7"]);
    h.assert_each_ended_once();
}

#[test]
fn queued_while_no_receiver_then_delivered_in_order() {
    let mut h = Harness::new(test_config());
    let tx = h.add("acme", BindType::Transmitter);
    // More than a session window's worth.
    let all = texts("m", 25);
    let mut ids = Vec::new();
    for t in &all {
        ids.push(h.deliver("acme", t).unwrap());
    }
    h.step();
    let queued = h.events_where(|e| matches!(e, ServerEvent::Queued { .. }));
    assert_eq!(queued.len(), 25);
    for (e, id) in queued.iter().zip(&ids) {
        assert_eq!(
            e,
            &ServerEvent::Queued {
                id: *id,
                account: "acme".into()
            }
        );
    }
    assert_eq!(h.ep.waiting("acme"), 25);
    assert!(h.outcomes.is_empty());

    h.advance(secs(30));
    assert!(h.outcomes.is_empty(), "nothing ends while it waits");
    let rx = h.add_receiver("acme", Behaviour::Ok);
    h.step();
    assert_eq!(h.esmes[rx].texts(), all);
    assert!(h.esmes[tx].received.is_empty());
    for id in &ids {
        assert_eq!(delivered_on(h.outcome(*id)), Some(conn(&h, rx)));
    }
    assert_eq!(h.ep.queued_total(), 0);
}

// ----- 4./5. failing receivers ---------------------------------------------------------------

#[test]
fn stuck_receiver_messages_are_retried_on_the_healthy_one() {
    let mut h = Harness::new(test_config());
    let good = h.add_receiver("acme", Behaviour::Ok);
    let stuck = h.add_receiver("acme", Behaviour::Silent);
    let all = texts("m", 30);
    for t in &all {
        h.deliver("acme", t).unwrap();
    }
    assert!(h.run_until(at(300_000), Harness::all_done));
    h.assert_each_ended_once();
    let good_conn = conn(&h, good);
    for (id, text) in &h.texts {
        assert_eq!(
            delivered_on(h.outcome(*id)),
            Some(good_conn),
            "{text} was delivered on the healthy receiver"
        );
    }
    let stuck_got = h.esmes[stuck].received.clone();
    assert!(!stuck_got.is_empty(), "the stuck receiver had its share");
    // Each message the stuck receiver held timed out and then reached the healthy one,
    // no sooner than the response timeout.
    let timeouts = retrying(&h, conn(&h, stuck));
    assert_eq!(timeouts.len(), stuck_got.len());
    assert!(timeouts.iter().all(|(f, _)| *f == AttemptFailure::Timeout));
    for r in &stuck_got {
        let later = h.esmes[good]
            .received
            .iter()
            .find(|g| g.text == r.text)
            .expect("retried on the healthy one");
        assert!(
            later.at >= r.at + secs(5),
            "{:?} after {:?}",
            later.at,
            r.at
        );
    }
    assert_eq!(h.ep.queued_total(), 0);
    assert_eq!(h.esmes[good].received.len(), all.len());
}

#[test]
fn temporary_errors_and_a_dropped_link_lose_nothing() {
    let mut h = Harness::new(test_config());
    let good = h.add_receiver("acme", Behaviour::Ok);
    let temp = h.add_receiver("acme", Behaviour::Status(CommandStatus::ESME_RX_T_APPN));
    let dropper = h.add_receiver("acme", Behaviour::Drop { rebind_after: None });
    let dropper_conn = conn(&h, dropper);
    let all = texts("m", 30);
    for t in &all {
        h.deliver("acme", t).unwrap();
    }
    assert!(h.run_until(at(300_000), Harness::all_done));
    h.assert_each_ended_once();
    let good_conn = conn(&h, good);
    for id in h.texts.keys() {
        assert_eq!(delivered_on(h.outcome(*id)), Some(good_conn));
    }
    let temp_got = h.esmes[temp].received.len();
    let dropper_got = h.esmes[dropper].received.len();
    assert!(temp_got > 0 && dropper_got > 0);
    let temp_retries = retrying(&h, conn(&h, temp));
    assert_eq!(temp_retries.len(), temp_got);
    assert!(temp_retries
        .iter()
        .all(|(f, _)| *f == AttemptFailure::Status(CommandStatus::ESME_RX_T_APPN)));
    // Everything on its way to the dropped link came back (whether or not it was read).
    let lost = retrying(&h, dropper_conn);
    assert!(lost.len() >= dropper_got);
    assert!(lost.iter().all(|(f, _)| *f == AttemptFailure::LinkLost));
    assert!(h.esmes[dropper].conn.is_none());
    assert!(
        h.events_where(
            |e| matches!(e, ServerEvent::Closed { bind_id, .. } if *bind_id == dropper_conn)
        )
        .len()
            == 1
    );
    assert_eq!(h.ep.connection_count(), 2);
    assert_eq!(h.ep.queued_total(), 0);
}

// ----- 6. permanent errors, retry budget -----------------------------------------------------

#[test]
fn permanent_error_is_refused_and_not_retried() {
    let mut h = Harness::new(test_config());
    let r1 = h.add_receiver("acme", Behaviour::Ok);
    let r2 = h.add_receiver("acme", Behaviour::Ok);
    h.esmes[r1].script = [
        Behaviour::Status(CommandStatus::ESME_RX_P_APPN),
        Behaviour::Status(CommandStatus::ESME_RINVDSTADR),
        Behaviour::Status(CommandStatus::ESME_RX_R_APPN),
    ]
    .into();
    let mut ids = Vec::new();
    for t in texts("m", 6) {
        ids.push(h.deliver("acme", &t).unwrap());
        h.step();
    }
    h.advance(secs(60));
    let r1c = conn(&h, r1);
    for (k, status) in [
        CommandStatus::ESME_RX_P_APPN,
        CommandStatus::ESME_RINVDSTADR,
        CommandStatus::ESME_RX_R_APPN,
    ]
    .into_iter()
    .enumerate()
    {
        assert_eq!(
            h.outcome(ids[2 * k]),
            &DeliveryOutcome::Refused {
                bind_id: r1c,
                status,
                attempts: 1
            }
        );
        assert_eq!(delivered_on(h.outcome(ids[2 * k + 1])), Some(conn(&h, r2)));
    }
    assert_eq!(h.esmes[r1].texts(), ["m0", "m2", "m4"]);
    assert_eq!(h.esmes[r2].texts(), ["m1", "m3", "m5"]);
    assert!(h
        .events_where(|e| matches!(e, ServerEvent::Retrying { .. }))
        .is_empty());
    assert_eq!(h.ep.queued_total(), 0);
}

#[test]
fn retry_budget_spent_on_a_lone_failing_receiver_spaced_by_the_backoff() {
    let mut config = test_config();
    config.delivery.max_attempts = 4;
    config.delivery.initial_backoff = secs(1);
    let mut h = Harness::new(config);
    let r = h.add_receiver("acme", Behaviour::Status(CommandStatus::ESME_RX_T_APPN));
    let id = h.deliver("acme", "m0").unwrap();
    assert!(h.run_until(at(120_000), Harness::all_done));
    h.advance(secs(60));
    let times: Vec<u64> = h.esmes[r]
        .received
        .iter()
        .map(|g| g.at.as_millis())
        .collect();
    assert_eq!(times, [0, 1_000, 3_000, 7_000], "1 s doubling back-off");
    match h.outcome(id) {
        DeliveryOutcome::GaveUp {
            reason,
            attempts,
            message,
        } => {
            assert_eq!(
                *reason,
                GiveUpReason::RetryBudget(AttemptFailure::Status(CommandStatus::ESME_RX_T_APPN))
            );
            assert_eq!(*attempts, 4);
            match message.pdu().unwrap().body {
                Body::DeliverSm(sm) => assert_eq!(sm.short_message, b"m0"),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    }
    let attempts: Vec<u32> = retrying(&h, conn(&h, r)).iter().map(|(_, a)| *a).collect();
    assert_eq!(attempts, [1, 2, 3]);
    assert_eq!(h.ep.queued_total(), 0);
}

#[test]
fn retry_budget_with_timeouts_counts_the_response_timeout_too() {
    let mut config = test_config();
    config.delivery.max_attempts = 3;
    let mut h = Harness::new(config);
    let r = h.add_receiver("acme", Behaviour::Silent);
    let id = h.deliver("acme", "m0").unwrap();
    assert!(h.run_until(at(120_000), Harness::all_done));
    let times: Vec<u64> = h.esmes[r]
        .received
        .iter()
        .map(|g| g.at.as_millis())
        .collect();
    // 5 s timeout, then 1 s and 2 s back-off.
    assert_eq!(times, [0, 6_000, 13_000]);
    let ended = h
        .events
        .iter()
        .find(|(_, e)| matches!(e, ServerEvent::Delivery { .. }))
        .map(|(t, _)| *t);
    assert_eq!(ended, Some(at(18_000)));
    assert!(matches!(
        h.outcome(id),
        DeliveryOutcome::GaveUp {
            reason: GiveUpReason::RetryBudget(AttemptFailure::Timeout),
            attempts: 3,
            ..
        }
    ));
}

// ----- 7. order ------------------------------------------------------------------------------

#[test]
fn single_receiver_gets_messages_in_deliver_order() {
    let mut h = Harness::new(test_config());
    let r = h.add_receiver("acme", Behaviour::Ok);
    let all = texts("m", 40);
    for (k, t) in all.iter().enumerate() {
        h.deliver("acme", t).unwrap();
        if k % 7 == 0 {
            h.step();
        }
    }
    h.step();
    assert_eq!(h.esmes[r].texts(), all);
    h.assert_each_ended_once();
}

#[test]
fn after_a_temporary_failure_the_others_keep_their_order() {
    let mut h = Harness::new(test_config());
    let r = h.add_receiver("acme", Behaviour::Ok);
    let k = 3;
    h.esmes[r].script = (0..40)
        .map(|n| {
            if n == k {
                Behaviour::Status(CommandStatus::ESME_RX_T_APPN)
            } else {
                Behaviour::Ok
            }
        })
        .collect();
    let all = texts("m", 40);
    let mut ids = Vec::new();
    for t in &all {
        ids.push(h.deliver("acme", t).unwrap());
    }
    assert!(h.run_until(at(60_000), Harness::all_done));
    let got = h.esmes[r].texts();
    let failed = &all[k];
    assert_eq!(got.iter().filter(|t| *t == failed).count(), 2);
    let others: Vec<&String> = got.iter().filter(|t| *t != failed).collect();
    let expected: Vec<&String> = all.iter().filter(|t| *t != failed).collect();
    assert_eq!(others, expected);
    for (n, id) in ids.iter().enumerate() {
        match h.outcome(*id) {
            DeliveryOutcome::Delivered { attempts, .. } => {
                assert_eq!(*attempts, if n == k { 2 } else { 1 })
            }
            other => panic!("{other:?}"),
        }
    }
}

// ----- 8. capacity ---------------------------------------------------------------------------

#[test]
fn queue_capacity_per_account_and_total_refuses_and_loses_nothing() {
    let mut config = test_config();
    config.delivery.per_account = 3;
    config.delivery.total = 5;
    let mut h = Harness::new(config);
    let mut accepted = Vec::new();
    for t in ["a0", "a1", "a2"] {
        accepted.push(h.deliver("a", t).unwrap());
    }
    assert_eq!(
        h.deliver("a", "a3"),
        Err(DeliverError::QueueFull(QueueFull::Account))
    );
    for t in ["b0", "b1"] {
        accepted.push(h.deliver("b", t).unwrap());
    }
    assert_eq!(
        h.deliver("b", "b2"),
        Err(DeliverError::QueueFull(QueueFull::Total))
    );
    assert_eq!(
        h.deliver("c", "c0"),
        Err(DeliverError::QueueFull(QueueFull::Total))
    );
    h.step();
    assert_eq!(
        h.events_where(|e| matches!(e, ServerEvent::Overflow { .. })),
        [
            ServerEvent::Overflow {
                account: "a".into()
            },
            ServerEvent::Overflow {
                account: "b".into()
            },
            ServerEvent::Overflow {
                account: "c".into()
            },
        ]
    );
    assert_eq!(h.ep.queued_total(), 5);
    assert_eq!((h.ep.queued("a"), h.ep.queued("b")), (3, 2));

    // Messages on their way count too: a silent receiver holds b's messages.
    let b = h.add_receiver("b", Behaviour::Silent);
    assert_eq!(h.esmes[b].received.len(), 2);
    assert_eq!(h.ep.waiting("b"), 0);
    assert_eq!(h.ep.queued("b"), 2);
    assert_eq!(
        h.deliver("b", "b2"),
        Err(DeliverError::QueueFull(QueueFull::Total))
    );
    h.esmes[b].default = Behaviour::Ok;

    let a = h.add_receiver("a", Behaviour::Ok);
    assert_eq!(h.esmes[a].texts(), ["a0", "a1", "a2"]);
    assert!(h.run_until(at(60_000), Harness::all_done));
    h.assert_each_ended_once();
    assert_eq!(h.outcomes.len(), accepted.len());
    for id in &accepted {
        assert!(delivered_on(h.outcome(*id)).is_some());
    }
    assert_eq!(h.esmes[b].texts(), ["b0", "b1", "b0", "b1"]);
    // Room again.
    assert_eq!(h.ep.queued_total(), 0);
    let id = h.deliver("a", "a3").unwrap();
    h.step();
    assert!(delivered_on(h.outcome(id)).is_some());
}

// ----- 9. outbind ----------------------------------------------------------------------------

#[test]
fn outbind_connects_retries_binds_receives_and_reconnects() {
    let mut h = Harness::new(test_config());
    let target = addr(198, 51, 100, 7, 2775);
    let id = h.ep.outbind(h.now, target, "acme", PASSWORD);
    assert_eq!(h.ep.outbind_targets().collect::<Vec<_>>(), [id]);
    let c = h.ep.poll_connect().expect("connect at once");
    assert_eq!(c, Connect { id, addr: target });
    assert_eq!(h.ep.poll_connect(), None);

    // The connection fails: retried after the back-off (500 ms, no jitter), not before.
    h.ep.outbind_failed(h.now, id);
    h.step();
    assert_eq!(
        h.events_where(|e| matches!(e, ServerEvent::OutbindFailed { .. })),
        [ServerEvent::OutbindFailed {
            id,
            addr: target,
            attempt: 1,
            retry_in: Some(ms(500)),
        }]
    );
    // A stale Connect is refused.
    assert_eq!(
        h.attach_outbind(c, "acme", PASSWORD).err(),
        Some(Refused::UnknownOutbind)
    );
    assert_eq!(h.ep.connection_count(), 0);
    h.advance_to(at(499));
    assert_eq!(h.ep.poll_connect(), None);
    h.advance_to(at(500));
    let c = h.ep.poll_connect().expect("retried after the back-off");
    assert_eq!(c, Connect { id, addr: target });

    // Messages wait for the account meanwhile.
    let all = texts("m", 3);
    let ids: Vec<_> = all.iter().map(|t| h.deliver("acme", t).unwrap()).collect();
    h.step();
    assert_eq!(
        h.events_where(|e| matches!(e, ServerEvent::Queued { .. }))
            .len(),
        3
    );

    let e = h.attach_outbind(c, "acme", PASSWORD).unwrap();
    h.step();
    let bind_id = conn(&h, e);
    assert!(h
        .events_where(|ev| matches!(ev, ServerEvent::Outbound { .. }))
        .contains(&ServerEvent::Outbound { id, bind_id }));
    // The ESME got `outbind` with the target's credentials.
    let frame = h.esmes[e]
        .events
        .iter()
        .find_map(|(_, ev)| match ev {
            Event::Outbind { frame } => Some(frame.clone()),
            _ => None,
        })
        .expect("outbind received");
    assert_eq!(
        frame.pdu().unwrap().body,
        Body::Outbind(Outbind {
            system_id: b"acme",
            password: PASSWORD.as_bytes(),
        })
    );
    assert_eq!(h.esmes[e].session.state(), State::Outbound);

    h.bind(e);
    h.step();
    assert!(h.esmes[e].is_bound());
    assert_eq!(h.esmes[e].texts(), all);
    for d in &ids {
        assert_eq!(delivered_on(h.outcome(*d)), Some(bind_id));
    }

    // The link ends: a new connection follows after a back-off.
    h.advance(secs(1));
    let lost_at = h.now;
    h.drop_link(e);
    h.step();
    assert!(h.esmes[e].conn.is_none());
    let failed = h.events_where(|ev| matches!(ev, ServerEvent::OutbindFailed { .. }));
    assert_eq!(
        failed.last(),
        Some(&ServerEvent::OutbindFailed {
            id,
            addr: target,
            attempt: 1,
            retry_in: Some(ms(500)),
        }),
        "the bind reset the failure count"
    );
    assert_eq!(h.ep.poll_connect(), None);
    h.advance_to(lost_at + ms(499));
    assert_eq!(h.ep.poll_connect(), None);
    h.advance_to(lost_at + ms(500));
    assert_eq!(h.ep.poll_connect(), Some(Connect { id, addr: target }));

    // Cancelled: no further connections.
    h.ep.outbind_failed(h.now, id);
    h.ep.cancel_outbind(id);
    h.advance(secs(60));
    assert_eq!(h.ep.poll_connect(), None);
    assert_eq!(h.ep.outbind_targets().count(), 0);
}

#[test]
fn outbind_esme_binding_on_outbind_gets_deliveries() {
    let mut h = Harness::new(test_config());
    let id =
        h.ep.outbind(h.now, addr(198, 51, 100, 8, 2775), "acme", PASSWORD);
    let d = h.deliver("acme", "hello").unwrap();
    let c = h.ep.poll_connect().unwrap();
    let e = h.attach_outbind(c, "acme", PASSWORD).unwrap();
    h.esmes[e].bind_on_outbind = true;
    h.step();
    assert_eq!(h.esmes[e].texts(), ["hello"]);
    assert!(delivered_on(h.outcome(d)).is_some());
    assert_eq!(h.ep.outbind_targets().collect::<Vec<_>>(), [id]);
}

// ----- 10. shutdown --------------------------------------------------------------------------

#[test]
fn shutdown_unbinds_then_gives_up_what_waits() {
    let mut h = Harness::new(test_config());
    let tx = h.add("acme", BindType::Transmitter);
    let rx = h.add_receiver("beta", Behaviour::Silent);
    let waiting: Vec<_> = ["a0", "a1"]
        .iter()
        .map(|t| h.deliver("acme", t).unwrap())
        .collect();
    let on_its_way = h.deliver("beta", "b0").unwrap();
    h.step();
    assert_eq!(h.esmes[rx].texts(), ["b0"]);
    h.advance(secs(1));

    h.ep.shutdown(h.now);
    assert!(h.ep.is_shutting_down());
    assert_eq!(
        h.ep.deliver(h.now, "acme", &deliver_sm("late")),
        Err(DeliverError::ShuttingDown)
    );
    assert_eq!(
        h.ep.accept(h.now, addr(192, 0, 2, 50, 1)),
        Err(Refused::ShuttingDown)
    );
    h.step();
    // The idle transmitter is unbound at once.
    assert_eq!(
        closed_reason(&h, tx),
        Some((at(1_000), CloseReason::PeerUnbound))
    );
    assert!(
        h.outcomes.is_empty(),
        "nothing is given up while connections remain"
    );
    // The receiver drains first: its message times out, then it is unbound.
    assert!(h.run_until(at(60_000), |h| h.ep.connection_count() == 0));
    let (closed_at, reason) = closed_reason(&h, rx).expect("closed");
    assert_eq!(reason, CloseReason::PeerUnbound);
    assert_eq!(closed_at, at(5_000));
    assert_eq!(h.esmes[rx].texts(), ["b0"], "not retried during shutdown");
    h.assert_each_ended_once();
    for id in waiting.iter().chain([&on_its_way]) {
        assert!(
            matches!(
                h.outcome(*id),
                DeliveryOutcome::GaveUp {
                    reason: GiveUpReason::Shutdown,
                    ..
                }
            ),
            "{:?}",
            h.outcome(*id)
        );
    }
    assert!(matches!(
        h.outcome(on_its_way),
        DeliveryOutcome::GaveUp { attempts: 1, .. }
    ));
    assert_eq!(h.ep.queued_total(), 0);
    assert_eq!(
        h.ep.deliver(h.now, "acme", &deliver_sm("later")),
        Err(DeliverError::ShuttingDown)
    );
}

// ----- 11. replies ---------------------------------------------------------------------------

fn submit(h: &mut Harness, i: usize, body: &Body<'_>) -> (BindId, Frame) {
    let now = h.now;
    h.esmes[i].session.send(now, body).unwrap();
    h.step();
    h.requests
        .pop()
        .expect("the request reached the application")
}

fn response(h: &Harness, i: usize) -> Frame {
    h.esmes[i]
        .events
        .iter()
        .rev()
        .find_map(|(_, e)| match e {
            Event::Response { frame, .. } => Some(frame.clone()),
            _ => None,
        })
        .expect("a response")
}

#[test]
fn reply_adapts_to_the_request_or_answers_rsyserr() {
    let mut h = Harness::new(test_config());
    let i = h.add("acme", BindType::Transceiver);
    let sm = Body::SubmitSm(SubmitSm {
        destination: Address::international("447700900123"),
        short_message: b"hi",
        ..Default::default()
    });

    // submit_sm -> submit_sm_resp with the message id.
    let (c, req) = submit(&mut h, i, &sm);
    assert_eq!(req.command_id(), CommandId::SubmitSm);
    let r = h.ep.reply(
        h.now,
        c,
        req.sequence_number(),
        req.command_id(),
        &Reply::ok_message_id("msg-1"),
    );
    assert_eq!(r, Ok(()));
    h.step();
    let f = response(&h, i);
    assert_eq!(f.sequence_number(), req.sequence_number());
    assert!(f.command_status().is_ok());
    match f.pdu().unwrap().body {
        Body::SubmitSmResp(m) => assert_eq!(m.message_id, b"msg-1"),
        other => panic!("{other:?}"),
    }
    // Answering it again is ignored.
    assert_eq!(
        h.ep.reply(
            h.now,
            c,
            req.sequence_number(),
            req.command_id(),
            &Reply::ok()
        ),
        Ok(())
    );

    // query_sm -> query_sm_resp with the message id.
    let q = Body::QuerySm(QuerySm {
        message_id: b"msg-1",
        source: Address::international("447700900123"),
    });
    let (c, req) = submit(&mut h, i, &q);
    h.ep.reply(
        h.now,
        c,
        req.sequence_number(),
        req.command_id(),
        &Reply::ok_message_id("msg-1"),
    )
    .unwrap();
    h.step();
    let f = response(&h, i);
    assert_eq!(f.command_id(), CommandId::QuerySmResp);
    match f.pdu().unwrap().body {
        Body::QuerySmResp(m) => assert_eq!(m.message_id, b"msg-1"),
        other => panic!("{other:?}"),
    }

    // A deliver_sm_resp body is adapted to the submit_sm_resp the request needs.
    let (c, req) = submit(&mut h, i, &sm);
    let adapted = Reply::new(
        CommandStatus::ESME_ROK,
        &Body::DeliverSmResp(smpp_core::pdu::MessageIdResp::new(b"msg-2")),
    )
    .unwrap();
    h.ep.reply(h.now, c, req.sequence_number(), req.command_id(), &adapted)
        .unwrap();
    h.step();
    match response(&h, i).pdu().unwrap().body {
        Body::SubmitSmResp(m) => assert_eq!(m.message_id, b"msg-2"),
        other => panic!("{other:?}"),
    }

    // A body that cannot answer a submit_sm: ESME_RSYSERR, and the mismatch is returned.
    let (c, req) = submit(&mut h, i, &sm);
    let wrong = Reply::new(CommandStatus::ESME_ROK, &Body::EnquireLinkResp).unwrap();
    let r =
        h.ep.reply(h.now, c, req.sequence_number(), req.command_id(), &wrong);
    assert!(
        matches!(r, Err(SessionError::WrongResponse { .. })),
        "{r:?}"
    );
    h.step();
    let f = response(&h, i);
    assert_eq!(f.sequence_number(), req.sequence_number());
    assert_eq!(f.command_id(), CommandId::SubmitSmResp);
    assert_eq!(f.command_status(), CommandStatus::ESME_RSYSERR);
    // The session goes on.
    assert!(h.esmes[i].is_bound());
}

// ----- 12. hostile peers ---------------------------------------------------------------------

/// What a hostile connection sends (none of them ever binds).
fn hostile_input(kind: usize) -> Vec<u8> {
    let enquire = Frame::encode(&Pdu::new(7, Body::EnquireLink)).unwrap();
    let bind = Frame::encode(&Pdu::new(
        1,
        Body::BindTransmitter(smpp_core::pdu::Bind::new("acme", PASSWORD)),
    ))
    .unwrap();
    match kind {
        // Nothing at all.
        0 => Vec::new(),
        // Part of a header.
        1 => bind.as_bytes()[..7].to_vec(),
        // A header whose body never comes in full.
        2 => bind.as_bytes()[..20].to_vec(),
        // A valid enquire_link, then nothing.
        3 => enquire.as_bytes().to_vec(),
        // Garbage: command_length far beyond max_pdu_len (closed at once).
        4 => vec![0xFF; 16],
        // command_length shorter than a header (closed at once).
        _ => vec![0, 0, 0, 4, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1],
    }
}

#[test]
fn hostile_connections_are_closed_by_their_bind_timeout_while_a_good_client_works() {
    let mut config = test_config();
    config.max_connections = 1_100;
    let mut h = Harness::new(config);
    let good = h.add_receiver("acme", Behaviour::Ok);

    let mut hostile = Vec::new();
    for k in 0..1_000usize {
        let peer = addr(203, 0, 113, (k % 250) as u8, 10_000 + k as u16);
        let id = h.ep.accept(h.now, peer).expect("room for the flood");
        let input = hostile_input(k % 6);
        if !input.is_empty() {
            h.ep.handle_input(h.now, id, &input);
        }
        hostile.push((k % 6, id));
    }
    assert_eq!(h.ep.connection_count(), 1_001);
    let drain_and_remove = |h: &mut Harness, hostile: &mut Vec<(usize, BindId)>| {
        hostile.retain(|(_, id)| {
            let _ = h.ep.take_transmit(*id);
            while h.ep.poll_request(*id).is_some() {}
            if h.ep.is_closed(*id) {
                h.ep.remove(h.now, *id);
                false
            } else {
                true
            }
        })
    };

    let mut ids = Vec::new();
    let mut second = None;
    let mut n = 0;
    while h.now < at(9_999) {
        let id = h.deliver("acme", &format!("m{n}")).unwrap();
        h.step();
        assert!(
            delivered_on(h.outcome(id)).is_some(),
            "delivered at once during the flood"
        );
        ids.push(id);
        n += 1;
        if h.now == at(5_000) {
            second = Some(h.add("acme", BindType::Transceiver));
        }
        drain_and_remove(&mut h, &mut hostile);
        let next = (h.now + ms(500)).min(at(9_999));
        h.advance_to(next);
    }
    drain_and_remove(&mut h, &mut hostile);
    // At 9.999 s only the ones that broke the protocol are gone.
    assert!(hostile.iter().all(|(kind, _)| *kind < 4));
    assert_eq!(hostile.len(), (0..1_000).filter(|k| k % 6 < 4).count());

    h.advance_to(at(10_000));
    drain_and_remove(&mut h, &mut hostile);
    assert!(
        hostile.is_empty(),
        "all closed by the bind timeout: {hostile:?}"
    );
    assert_eq!(h.ep.connection_count(), 2);
    assert_eq!(h.ep.sessions().len(), 2);

    ids.push(h.deliver("acme", "last").unwrap());
    h.step();
    h.assert_each_ended_once();
    for id in &ids {
        assert!(delivered_on(h.outcome(*id)).is_some());
    }
    let second = second.expect("bound during the flood");
    assert!(!h.esmes[second].received.is_empty());
    assert_eq!(
        h.esmes[good].received.len() + h.esmes[second].received.len(),
        ids.len()
    );
    assert!(h
        .events_where(|e| matches!(e, ServerEvent::BindRejected { .. }))
        .is_empty());
}

#[test]
fn outbind_refused_by_max_connections_is_retried_after_a_backoff() {
    let mut config = test_config();
    config.max_connections = 1;
    let mut h = Harness::new(config);
    let other = h.add("beta", BindType::Transmitter);
    let target = addr(198, 51, 100, 9, 2775);
    let id = h.ep.outbind(h.now, target, "acme", PASSWORD);
    let c = h.ep.poll_connect().unwrap();
    assert_eq!(
        h.attach_outbind(c, "acme", PASSWORD).err(),
        Some(Refused::TooManyConnections)
    );
    h.step();
    assert_eq!(h.ep.connection_count(), 1);
    // The target is not lost: it is tried again after the back-off.
    assert_eq!(
        h.events_where(|e| matches!(e, ServerEvent::OutbindFailed { .. })),
        [ServerEvent::OutbindFailed {
            id,
            addr: target,
            attempt: 1,
            retry_in: Some(ms(500)),
        }]
    );
    h.drop_link(other);
    h.advance(ms(500));
    let c = h.ep.poll_connect().expect("tried again");
    let e = h.attach_outbind(c, "acme", PASSWORD).unwrap();
    h.esmes[e].bind_on_outbind = true;
    h.step();
    assert!(h.esmes[e].is_bound());
}

#[test]
fn a_stale_outbind_connect_leaves_no_timer_behind() {
    let mut h = Harness::new(test_config());
    let id =
        h.ep.outbind(h.now, addr(198, 51, 100, 10, 2775), "acme", PASSWORD);
    let c = h.ep.poll_connect().unwrap();
    h.ep.cancel_outbind(id);
    assert_eq!(
        h.attach_outbind(c, "acme", PASSWORD).err(),
        Some(Refused::UnknownOutbind)
    );
    h.ep.outbind(h.now, addr(198, 51, 100, 11, 2775), "acme", PASSWORD);
    let c2 = h.ep.poll_connect().unwrap();
    h.ep.outbind_failed(h.now, c2.id);
    let e = h.attach_outbind(c2, "acme", PASSWORD);
    assert_eq!(
        e.err(),
        Some(Refused::UnknownOutbind),
        "not connecting: waiting"
    );
    assert_eq!(h.ep.connection_count(), 0);
    // Only the retry timer of the second target is left (no bind timer of a connection
    // that was never kept).
    assert_eq!(h.ep.poll_timeout(), Some(at(500)));
    h.advance(ms(500));
    assert!(h.ep.poll_connect().is_some());
    assert_eq!(h.ep.poll_timeout(), None);
}
