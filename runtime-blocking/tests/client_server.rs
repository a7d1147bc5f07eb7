//! Client and server over real TCP on 127.0.0.1.

mod support;

use smpp_blocking::core::pdu::{Body, CommandId, CommandStatus};
use smpp_blocking::core::server::{AttemptFailure, DeliverError, QueueFull};
use smpp_blocking::core::session::{BindType, CloseReason, SessionError};
use smpp_blocking::core::trace::Direction;
use smpp_blocking::core::Frame;
use smpp_blocking::{
    Client, DeliveryOutcome, Error, GiveUpReason, LinkState, Reply, RequestContext, Server,
    ServerEvent, Trace,
};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use support::*;

const T: Duration = Duration::from_secs(3);

#[test]
fn handles_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Client>();
    send_sync::<Server>();
    send_sync::<smpp_blocking::SessionHandle>();
    send_sync::<Error>();
    send::<smpp_blocking::Ticket>();
    send::<smpp_blocking::IncomingRequest>();
    send::<smpp_blocking::Incoming>();
}

#[test]
fn binds_each_type() {
    let server = start_server(server_config());
    let events = server.events();
    for bt in [
        BindType::Transmitter,
        BindType::Receiver,
        BindType::Transceiver,
    ] {
        let mut cfg = client_config("user");
        cfg.bind_type = bt;
        let (client, _incoming) = Client::connect(server.local_addr(), cfg).unwrap();
        assert_eq!(client.state(), LinkState::Bound(bt));
        match events.recv_timeout(T).unwrap() {
            ServerEvent::Bound {
                account, bind_type, ..
            } => {
                assert_eq!(account, "user");
                assert_eq!(bind_type, bt);
            }
            other => panic!("{other:?}"),
        }
        let sessions = server.sessions();
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].bind_type, bt);
        assert_eq!(sessions[0].account, "user");
        client.unbind().unwrap();
        assert_eq!(
            client.state(),
            LinkState::Closed(Some(CloseReason::Unbound))
        );
        match events.recv_timeout(T).unwrap() {
            ServerEvent::Closed { reason, .. } => assert_eq!(reason, CloseReason::PeerUnbound),
            other => panic!("{other:?}"),
        }
    }
    assert!(server.sessions().is_empty());
    server.shutdown(T);
}

#[test]
fn wrong_password_fails_the_bind() {
    let server = start_server(server_config());
    let events = server.events();
    let mut cfg = client_config("user");
    cfg.password = "wrong".into();
    match Client::connect(server.local_addr(), cfg) {
        Err(Error::BindFailed(Some(s))) => assert_eq!(s, CommandStatus::ESME_RINVPASWD),
        other => panic!("{other:?}"),
    }
    match events.recv_timeout(T).unwrap() {
        ServerEvent::BindRejected {
            system_id, status, ..
        } => {
            assert_eq!(system_id, "user");
            assert_eq!(status, CommandStatus::ESME_RINVPASWD);
        }
        other => panic!("{other:?}"),
    }
    assert!(server.sessions().is_empty());
}

#[test]
fn bind_limit_refuses_with_bindfail() {
    let mut sc = server_config();
    sc.limits.max_binds_per_account = Some(1);
    let server = start_server(sc);
    let (first, _i) = Client::connect(server.local_addr(), client_config("acme")).unwrap();
    match Client::connect(server.local_addr(), client_config("acme")) {
        Err(Error::BindFailed(Some(s))) => assert_eq!(s, CommandStatus::ESME_RBINDFAIL),
        other => panic!("{other:?}"),
    }
    // Another account is not limited.
    let (other, _j) = Client::connect(server.local_addr(), client_config("other")).unwrap();
    assert_eq!(server.sessions().len(), 2);
    first.unbind().unwrap();
    other.unbind().unwrap();
}

#[test]
fn submit_sm_gets_its_message_id() {
    let server = start_server(server_config());
    let (client, _incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    let r = client.send(&submit(b"hello")).unwrap();
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    assert_eq!(r.frame.command_id(), CommandId::SubmitSmResp);
    let id = r.message_id().unwrap();
    assert!(id.starts_with('m'), "{id}");
    // Pipelined via a callback too.
    let (tx, rx) = std::sync::mpsc::channel();
    client
        .submit_with(&submit(b"cb"), move |r| tx.send(r).unwrap())
        .unwrap();
    let r = rx.recv_timeout(T).unwrap().unwrap();
    assert!(r.message_id().is_some());
    let c = client.counters();
    assert_eq!(c.requests_sent.get(CommandId::SubmitSm), 2);
    assert_eq!(c.responses_received.get(CommandId::SubmitSmResp), 2);
    let s = &server.sessions()[0];
    assert_eq!(s.counters.requests_received.get(CommandId::SubmitSm), 2);
    client.unbind().unwrap();
}

#[test]
fn receiver_cannot_submit() {
    let server = start_server(server_config());
    let mut cfg = client_config("user");
    cfg.bind_type = BindType::Receiver;
    let (client, _incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    match client.send(&submit(b"x")) {
        Err(Error::Session(SessionError::NotAllowedInBind { .. })) => {}
        other => panic!("{other:?}"),
    }
    client.unbind().unwrap();
}

#[test]
fn server_initiated_deliver_sm_reaches_incoming() {
    let server = start_server(server_config());
    let (client, incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    let bind_id = server.sessions()[0].bind_id;
    let handle = server.session(bind_id).unwrap();
    let sender = std::thread::spawn(move || handle.send(&deliver(b"via handle")));
    let req = incoming.recv_timeout(T).unwrap();
    assert_eq!(req.frame.command_id(), CommandId::DeliverSm);
    assert_eq!(text_of(&req.frame), b"via handle");
    assert!(req.needs_response());
    req.respond_ok().unwrap();
    let r = sender.join().unwrap().unwrap();
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    assert_eq!(r.frame.command_id(), CommandId::DeliverSmResp);

    // The same through routing by account, answered with an error status.
    let server = Arc::new(server);
    let s2 = server.clone();
    let d = std::thread::spawn(move || s2.deliver("user", &deliver(b"routed")).unwrap().wait());
    let req = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&req.frame), b"routed");
    let body = Body::DeliverSmResp(Default::default());
    req.respond(CommandStatus::ESME_RX_P_APPN, &body).unwrap();
    // A permanent error: refused for good, not retried.
    match d.join().unwrap().unwrap() {
        DeliveryOutcome::Refused {
            status, attempts, ..
        } => assert_eq!((status, attempts), (CommandStatus::ESME_RX_P_APPN, 1)),
        other => panic!("{other:?}"),
    }
    client.unbind().unwrap();
}

#[test]
fn window_of_64_pipelined_tickets_all_complete() {
    // The handler holds the first request until the test opens the gate, so that all 64
    // are outstanding at once.
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let g = gate.clone();
    let handler = move |_ctx: &RequestContext, req: &Frame| {
        let (m, cv) = &*g;
        let mut open = m.lock().unwrap();
        while !*open {
            open = cv.wait(open).unwrap();
        }
        Reply::ok_message_id(&format!("id{}", req.sequence_number()))
    };
    let server = Server::bind("127.0.0.1:0", server_config(), auth, handler).unwrap();
    let mut cfg = client_config("user");
    cfg.session.window = 64;
    cfg.session.response_timeout = smpp_blocking::core::Duration::from_secs(5);
    let (client, _incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    let tickets: Vec<_> = (0..64)
        .map(|i| {
            client
                .submit(&submit(format!("msg {i}").as_bytes()))
                .unwrap()
        })
        .collect();
    // The 65th does not fit.
    match client.try_send(&submit(b"one too many")) {
        Err(Error::Session(SessionError::WindowFull { window })) => assert_eq!(window, 64),
        other => panic!("{other:?}"),
    }
    assert!(tickets.iter().all(|t| t.try_get().is_none()));
    {
        let (m, cv) = &*gate;
        *m.lock().unwrap() = true;
        cv.notify_all();
    }
    let mut ids = std::collections::HashSet::new();
    for t in tickets {
        let seq = t.sequence_number();
        let r = t.wait().unwrap();
        assert_eq!(r.status(), CommandStatus::ESME_ROK);
        assert_eq!(r.message_id().unwrap(), format!("id{seq}"));
        ids.insert(seq);
    }
    assert_eq!(ids.len(), 64);
    // A blocking send waits for a free slot instead of failing.
    assert!(client.send(&submit(b"after")).is_ok());
    client.unbind().unwrap();
}

#[test]
fn enquire_link_both_directions() {
    // Client-initiated.
    let server = start_server(server_config());
    let mut cfg = client_config("user");
    cfg.session.enquire_link_interval = Some(smpp_blocking::core::Duration::from_millis(40));
    let (client, _incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    assert!(wait_for(T, || {
        client
            .counters()
            .responses_received
            .get(CommandId::EnquireLinkResp)
            >= 3
    }));
    let c = client.counters();
    assert!(c.requests_sent.get(CommandId::EnquireLink) >= 3);
    let s = &server.sessions()[0].counters;
    assert!(s.requests_received.get(CommandId::EnquireLink) >= 3);
    assert!(s.responses_sent.get(CommandId::EnquireLinkResp) >= 3);
    client.unbind().unwrap();

    // Server-initiated.
    let mut sc = server_config();
    sc.session.enquire_link_interval = Some(smpp_blocking::core::Duration::from_millis(40));
    let server = start_server(sc);
    let (client, _incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    assert!(wait_for(T, || {
        server.sessions()[0]
            .counters
            .responses_received
            .get(CommandId::EnquireLinkResp)
            >= 3
    }));
    let c = client.counters();
    assert!(c.requests_received.get(CommandId::EnquireLink) >= 3);
    assert!(c.responses_sent.get(CommandId::EnquireLinkResp) >= 3);
    assert_eq!(c.requests_sent.get(CommandId::EnquireLink), 0);
    client.unbind().unwrap();
}

#[test]
fn response_timeout() {
    let handler = |_ctx: &RequestContext, req: &Frame| {
        if text_of(req) == b"slow" {
            std::thread::sleep(Duration::from_millis(700));
        }
        Reply::ok_message_id("late")
    };
    let server = Server::bind("127.0.0.1:0", server_config(), auth, handler).unwrap();
    let mut cfg = client_config("user");
    cfg.session.response_timeout = smpp_blocking::core::Duration::from_millis(250);
    let (client, _incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    let start = Instant::now();
    match client.send(&submit(b"slow")) {
        Err(Error::Timeout) => {}
        other => panic!("{other:?}"),
    }
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(240) && took < Duration::from_millis(650),
        "{took:?}"
    );
    assert_eq!(client.counters().response_timeouts, 1);
    // The late answer is recognised as such and the link goes on.
    assert!(wait_for(T, || client.counters().unmatched_responses == 1));
    assert!(client.send(&submit(b"fast")).is_ok());
    client.unbind().unwrap();
}

#[test]
fn dropping_an_incoming_request_answers_rx_t_appn() {
    let server = Arc::new(start_server(server_config()));
    let (client, incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    let s2 = server.clone();
    let events = server.events();
    let d = std::thread::spawn(move || s2.deliver("user", &deliver(b"dropped")).unwrap().wait());
    let req = incoming.recv_timeout(T).unwrap();
    drop(req);
    // ESME_RX_T_APPN is temporary: the message is not lost but tried again.
    let again = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&again.frame), b"dropped");
    again.respond_ok().unwrap();
    match d.join().unwrap().unwrap() {
        DeliveryOutcome::Delivered { attempts, .. } => assert_eq!(attempts, 2),
        other => panic!("{other:?}"),
    }
    let retried = events.try_iter().any(|e| {
        matches!(e, ServerEvent::Retrying { failure: AttemptFailure::Status(s), .. }
            if s == CommandStatus::ESME_RX_T_APPN)
    });
    assert!(retried);
    // A request nobody listens for is answered the same way: retried until the budget is
    // spent, and then given up, never dropped silently.
    drop(incoming);
    let d = server.deliver("user", &deliver(b"nobody")).unwrap();
    match d.wait_timeout(Duration::from_secs(10)).unwrap() {
        DeliveryOutcome::GaveUp {
            reason: GiveUpReason::RetryBudget(AttemptFailure::Status(s)),
            attempts,
            message,
        } => {
            assert_eq!(s, CommandStatus::ESME_RX_T_APPN);
            assert_eq!(attempts, 10);
            assert_eq!(text_of(&message), b"nobody");
        }
        other => panic!("{other:?}"),
    }
    client.unbind().unwrap();
}

#[test]
fn auto_respond_answers_and_still_reports() {
    let server = start_server(server_config());
    let mut cfg = client_config("user");
    cfg.session.auto_respond = true;
    let (client, incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    match server
        .deliver("user", &deliver(b"auto"))
        .unwrap()
        .wait()
        .unwrap()
    {
        DeliveryOutcome::Delivered { response, .. } => {
            assert_eq!(response.command_status(), CommandStatus::ESME_ROK)
        }
        other => panic!("{other:?}"),
    }
    let req = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&req.frame), b"auto");
    assert!(!req.needs_response());
    req.respond(CommandStatus::ESME_RSYSERR, &Body::GenericNack)
        .unwrap();
    let c = client.counters();
    assert_eq!(c.responses_sent.get(CommandId::DeliverSmResp), 1);
    assert_eq!(c.responses_sent.get(CommandId::GenericNack), 0);
    client.unbind().unwrap();
}

#[test]
fn unbind_from_the_client() {
    let server = start_server(server_config());
    let events = server.events();
    let (client, incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    let states = client.state_changes();
    assert!(matches!(
        events.recv_timeout(T).unwrap(),
        ServerEvent::Bound { .. }
    ));
    client.unbind().unwrap();
    assert_eq!(states.recv_timeout(T).unwrap(), LinkState::Unbinding);
    assert_eq!(
        states.recv_timeout(T).unwrap(),
        LinkState::Closed(Some(CloseReason::Unbound))
    );
    match events.recv_timeout(T).unwrap() {
        ServerEvent::Closed { reason, .. } => assert_eq!(reason, CloseReason::PeerUnbound),
        other => panic!("{other:?}"),
    }
    // The incoming iteration ends; new requests fail.
    assert!(incoming.recv().is_none());
    assert!(matches!(client.send(&submit(b"x")), Err(Error::Closed)));
    assert!(client.unbind().is_ok());
}

#[test]
fn dropping_the_last_client_unbinds_in_the_background() {
    let server = start_server(server_config());
    let events = server.events();
    let (client, _incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    let clone = client.clone();
    drop(client);
    assert!(matches!(
        events.recv_timeout(T).unwrap(),
        ServerEvent::Bound { .. }
    ));
    // One handle is still alive: nothing happens.
    assert!(events.recv_timeout(Duration::from_millis(200)).is_err());
    assert!(clone.send(&submit(b"still bound")).is_ok());
    drop(clone);
    match events.recv_timeout(T).unwrap() {
        ServerEvent::Closed { reason, .. } => assert_eq!(reason, CloseReason::PeerUnbound),
        other => panic!("{other:?}"),
    }
}

#[test]
fn unbind_from_the_server() {
    let server = start_server(server_config());
    let (a, a_in) = Client::connect(server.local_addr(), client_config("a")).unwrap();
    let (b, _b_in) = Client::connect(server.local_addr(), client_config("b")).unwrap();
    let (c, _c_in) = Client::connect(server.local_addr(), client_config("c")).unwrap();
    // One session, by handle.
    let a_id = server
        .sessions()
        .iter()
        .find(|s| s.account == "a")
        .unwrap()
        .bind_id;
    server.session(a_id).unwrap().unbind().unwrap();
    assert!(wait_for(T, || a.state()
        == LinkState::Closed(Some(CloseReason::PeerUnbound))));
    assert!(a_in.recv().is_none());
    match a.send(&submit(b"x")) {
        Err(Error::ConnectionLost(CloseReason::PeerUnbound)) => {}
        other => panic!("{other:?}"),
    }
    // The rest by shutting the server down.
    let b_states = b.state_changes();
    let start = Instant::now();
    server.shutdown(T);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(
        b_states.recv_timeout(T).unwrap(),
        LinkState::Closed(Some(CloseReason::PeerUnbound))
    );
    assert!(wait_for(T, || c.state()
        == LinkState::Closed(Some(CloseReason::PeerUnbound))));
    assert!(server.sessions().is_empty());
    // The listener is gone.
    assert!(Client::connect(server.local_addr(), client_config("d")).is_err());
}

/// Answers every deliver_sm of `incoming` until it stays quiet for `idle`; returns the
/// texts received.
fn answer_all(incoming: smpp_blocking::Incoming, idle: Duration) -> Vec<Vec<u8>> {
    let mut got = Vec::new();
    while let Ok(req) = incoming.recv_timeout(idle) {
        got.push(text_of(&req.frame));
        req.respond_ok().unwrap();
    }
    got
}

#[test]
fn round_robin_receipts_over_concurrent_binds() {
    let server = start_server(server_config());
    let addr = server.local_addr();
    // Four binds of one account, opened at the same time.
    let connecting: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let mut cfg = client_config("acme");
                if i % 2 == 1 {
                    cfg.bind_type = BindType::Receiver;
                }
                Client::connect(addr, cfg).unwrap()
            })
        })
        .collect();
    let mut clients = Vec::new();
    let mut answerers = Vec::new();
    for h in connecting {
        let (client, incoming) = h.join().unwrap();
        clients.push(client);
        answerers.push(std::thread::spawn(move || {
            answer_all(incoming, Duration::from_millis(600))
        }));
    }
    // A transmitter of the same account gets nothing.
    let mut cfg = client_config("acme");
    cfg.bind_type = BindType::Transmitter;
    let (tx_only, _tx_in) = Client::connect(server.local_addr(), cfg).unwrap();
    assert_eq!(server.sessions().len(), 5);
    for i in 0..8 {
        let text = format!("receipt {i}");
        match server
            .deliver("acme", &deliver(text.as_bytes()))
            .unwrap()
            .wait()
            .unwrap()
        {
            DeliveryOutcome::Delivered { response, .. } => {
                assert_eq!(response.command_status(), CommandStatus::ESME_ROK)
            }
            other => panic!("{other:?}"),
        }
    }
    let counts: Vec<usize> = answerers
        .into_iter()
        .map(|h| h.join().unwrap().len())
        .collect();
    assert_eq!(counts, [2, 2, 2, 2]);
    for c in clients {
        c.unbind().unwrap();
    }
    tx_only.unbind().unwrap();
}

#[test]
fn queued_receipts_are_delivered_in_order_after_a_bind() {
    let server = start_server(server_config());
    let events = server.events();
    let mut deliveries = Vec::new();
    for i in 0..5 {
        let text = format!("r{i}");
        let d = server.deliver("acme", &deliver(text.as_bytes())).unwrap();
        assert!(d.try_get().is_none());
        assert_eq!(
            events.recv_timeout(T).unwrap(),
            ServerEvent::Queued {
                id: d.id(),
                account: "acme".into()
            }
        );
        deliveries.push(d);
    }
    assert_eq!(server.queued("acme"), 5);
    // A transmitter cannot take them.
    let mut cfg = client_config("acme");
    cfg.bind_type = BindType::Transmitter;
    let (tx_only, _i) = Client::connect(server.local_addr(), cfg).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(server.queued("acme"), 5);
    tx_only.unbind().unwrap();

    let mut cfg = client_config("acme");
    cfg.bind_type = BindType::Receiver;
    let (rx, incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    let got = answer_all(incoming, Duration::from_millis(500));
    let want: Vec<Vec<u8>> = (0..5).map(|i| format!("r{i}").into_bytes()).collect();
    assert_eq!(got, want);
    assert_eq!(server.queued("acme"), 0);
    for d in deliveries {
        assert!(matches!(
            d.wait().unwrap(),
            DeliveryOutcome::Delivered { attempts: 1, .. }
        ));
    }
    let c = &server.sessions()[0].counters;
    assert_eq!(c.responses_received.get(CommandId::DeliverSmResp), 5);
    rx.unbind().unwrap();
}

#[test]
fn queue_overflow_is_reported() {
    let mut sc = server_config();
    sc.delivery.per_account = 2;
    sc.delivery.total = 3;
    let server = start_server(sc);
    let events = server.events();
    let outcomes: Vec<_> = (0..3)
        .map(|_| server.deliver("acme", &deliver(b"x")))
        .collect();
    assert!(outcomes[0].is_ok());
    assert!(outcomes[1].is_ok());
    assert!(matches!(
        outcomes[2],
        Err(Error::Deliver(DeliverError::QueueFull(QueueFull::Account)))
    ));
    let evs: Vec<_> = (0..3).map(|_| events.recv_timeout(T).unwrap()).collect();
    assert_eq!(
        evs[2],
        ServerEvent::Overflow {
            account: "acme".into()
        }
    );
    // The total limit applies across accounts.
    assert!(server.deliver("other", &deliver(b"y")).is_ok());
    assert!(matches!(
        server.deliver("third", &deliver(b"z")),
        Err(Error::Deliver(DeliverError::QueueFull(QueueFull::Total)))
    ));
    // Only deliver_sm / data_sm are routable.
    assert!(matches!(
        server.deliver("acme", &submit(b"no")),
        Err(Error::Deliver(DeliverError::NotADelivery(
            CommandId::SubmitSm
        )))
    ));
    // A shutdown gives up what still waits.
    let waiting = server.deliver("other", &deliver(b"w"));
    assert!(waiting.is_err()); // the total is reached
    server.shutdown(T);
    let gave_up = events.try_iter().filter(|e| {
        matches!(
            e,
            ServerEvent::Delivery {
                outcome: DeliveryOutcome::GaveUp {
                    reason: GiveUpReason::Shutdown,
                    ..
                },
                ..
            }
        )
    });
    assert_eq!(gave_up.count(), 3);
    assert!(matches!(
        server.deliver("acme", &deliver(b"late")),
        Err(Error::Deliver(DeliverError::ShuttingDown))
    ));
}

#[test]
fn trace_shows_both_directions_without_the_password() {
    type Lines = Arc<Mutex<Vec<(Direction, String)>>>;
    fn collector(lines: &Lines) -> Trace {
        let l = lines.clone();
        Trace::callback(move |ev| {
            l.lock()
                .unwrap()
                .push((ev.direction, format!("{} | {}", ev.summary(), ev.hex())));
            assert!(ev.peer.is_some());
        })
    }
    let server_lines: Lines = Arc::default();
    let client_lines: Lines = Arc::default();
    let mut sc = server_config();
    sc.trace = collector(&server_lines);
    let server = start_server(sc);
    let mut cfg = client_config("user");
    cfg.trace = collector(&client_lines);
    let (client, _incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    client.send(&submit(b"traced")).unwrap();
    client.unbind().unwrap();
    server.shutdown(T);

    let secret_hex: String = PASSWORD.bytes().map(|b| format!("{b:02x}")).collect();
    for (name, lines, out_bind, in_bind) in [
        (
            "client",
            &client_lines,
            "bind_transceiver ",
            "bind_transceiver_resp",
        ),
        (
            "server",
            &server_lines,
            "bind_transceiver_resp",
            "bind_transceiver ",
        ),
    ] {
        let lines = lines.lock().unwrap();
        let has = |dir: Direction, what: &str| {
            lines.iter().any(|(d, l)| *d == dir && l.starts_with(what))
        };
        assert!(has(Direction::Out, out_bind), "{name}: {lines:?}");
        assert!(has(Direction::In, in_bind), "{name}: {lines:?}");
        let (sub_dir, resp_dir) = if name == "client" {
            (Direction::Out, Direction::In)
        } else {
            (Direction::In, Direction::Out)
        };
        assert!(has(sub_dir, "submit_sm "), "{name}: {lines:?}");
        assert!(has(resp_dir, "submit_sm_resp"), "{name}: {lines:?}");
        assert!(has(sub_dir, "unbind "), "{name}: {lines:?}");
        assert!(has(resp_dir, "unbind_resp"), "{name}: {lines:?}");
        for (_, l) in lines.iter() {
            assert!(!l.contains(PASSWORD), "{name}: {l}");
            assert!(!l.contains(&secret_hex), "{name}: {l}");
        }
        assert!(lines.iter().any(|(_, l)| l.contains("password=***")));
    }
}

#[test]
fn reconnect_after_a_server_restart() {
    let server = start_server(server_config());
    let addr = server.local_addr();
    let mut cfg = client_config("user");
    cfg.reconnect = Some(smpp_blocking::core::reconnect::ReconnectPolicy {
        initial_delay: smpp_blocking::core::Duration::from_millis(50),
        max_delay: smpp_blocking::core::Duration::from_millis(200),
        multiplier: 2,
        jitter: true,
        max_attempts: None,
    });
    let (client, incoming) = Client::connect(addr, cfg).unwrap();
    let states = client.state_changes();
    assert!(client.send(&submit(b"before")).is_ok());

    server.shutdown(T);
    // The link is down and being retried: requests fail at once.
    let mut seen = Vec::new();
    loop {
        let s = states.recv_timeout(T).unwrap();
        seen.push(s);
        if matches!(s, LinkState::Reconnecting { attempt: 2, .. }) {
            break;
        }
    }
    match client.send(&submit(b"while down")) {
        Err(Error::Session(SessionError::InvalidState { .. })) => {}
        other => panic!("{other:?}"),
    }
    // A new server on the same port.
    let mut server2 = None;
    for _ in 0..100 {
        match smpp_blocking::Server::bind(addr, server_config(), auth, handler) {
            Ok(s) => {
                server2 = Some(s);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    let server2 = server2.expect("rebind the port");
    loop {
        let s = states.recv_timeout(Duration::from_secs(5)).unwrap();
        seen.push(s);
        if s == LinkState::Bound(BindType::Transceiver) {
            break;
        }
    }
    assert!(matches!(
        seen[0],
        LinkState::Reconnecting {
            attempt: 1,
            delay
        } if delay <= Duration::from_millis(50)
    ));
    assert!(seen.contains(&LinkState::Connecting));
    assert!(seen.contains(&LinkState::Binding));
    assert!(!seen.iter().any(|s| matches!(s, LinkState::Closed(_))));
    let r = client.send(&submit(b"after")).unwrap();
    assert_eq!(r.status(), CommandStatus::ESME_ROK);
    assert_eq!(server2.sessions().len(), 1);
    // Requests from the new server reach the same Incoming.
    let s2 = Arc::new(server2);
    let s3 = s2.clone();
    let d = std::thread::spawn(move || s3.deliver("user", &deliver(b"again")).unwrap().wait());
    let req = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&req.frame), b"again");
    req.respond_ok().unwrap();
    assert!(matches!(
        d.join().unwrap().unwrap(),
        DeliveryOutcome::Delivered { .. }
    ));
    client.unbind().unwrap();
    assert_eq!(
        client.state(),
        LinkState::Closed(Some(CloseReason::Unbound))
    );
}

#[test]
fn reconnect_gives_up_after_max_attempts() {
    let server = start_server(server_config());
    let mut cfg = client_config("user");
    cfg.reconnect = Some(smpp_blocking::core::reconnect::ReconnectPolicy {
        initial_delay: smpp_blocking::core::Duration::from_millis(10),
        max_delay: smpp_blocking::core::Duration::from_millis(20),
        multiplier: 2,
        jitter: false,
        max_attempts: Some(2),
    });
    let (client, incoming) = Client::connect(server.local_addr(), cfg).unwrap();
    server.shutdown(T);
    assert!(wait_for(T, || matches!(
        client.state(),
        LinkState::Closed(Some(CloseReason::PeerUnbound))
    )));
    assert!(incoming.recv().is_none());
}

#[test]
fn submit_then_receipt_from_the_handler() {
    use smpp_blocking::core::message::parse_receipt;
    use smpp_blocking::core::pdu::{EsmClass, RegisteredDelivery, SubmitSm};
    use std::sync::{OnceLock, Weak};

    let me: Arc<OnceLock<Weak<Server>>> = Arc::default();
    let m = me.clone();
    let handler = move |ctx: &RequestContext, req: &Frame| {
        let id = format!("{:x}", 0x1000 + req.sequence_number());
        let wants = match req.pdu().unwrap().body {
            Body::SubmitSm(s) => s.registered_delivery.wants_receipt(true),
            _ => false,
        };
        if wants {
            // Not on the reader thread: deliver() waits for the client's answer.
            let (server, account, id) = (m.get().unwrap().clone(), ctx.account.clone(), id.clone());
            std::thread::spawn(move || {
                let text = format!("id:{id} sub:001 dlvrd:001 stat:DELIVRD err:000 text:hi");
                let body = Body::DeliverSm(smpp_blocking::core::pdu::DeliverSm {
                    esm_class: EsmClass(0x04),
                    short_message: text.as_bytes(),
                    ..Default::default()
                });
                if let Some(s) = server.upgrade() {
                    s.deliver(&account, &body).unwrap();
                }
            });
        }
        Reply::ok_message_id(&id)
    };
    let server = Arc::new(Server::bind("127.0.0.1:0", server_config(), auth, handler).unwrap());
    me.set(Arc::downgrade(&server)).unwrap();
    let (client, incoming) = Client::connect(server.local_addr(), client_config("user")).unwrap();
    let r = client
        .send(&Body::SubmitSm(SubmitSm {
            registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
            short_message: b"with receipt",
            ..Default::default()
        }))
        .unwrap();
    let id = r.message_id().unwrap();
    let req = incoming.recv_timeout(T).unwrap();
    let text = text_of(&req.frame);
    let receipt = parse_receipt(&text).unwrap();
    assert_eq!(receipt.id, Some(id.as_str()));
    assert_eq!(receipt.stat, Some("DELIVRD"));
    req.respond_ok().unwrap();
    client.unbind().unwrap();
}

#[test]
fn outbind_connects_out_and_delivers_queued_messages() {
    let server = start_server(server_config());
    let events = server.events();
    let d = server.deliver("user", &deliver(b"for the esme")).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let esme = listener.local_addr().unwrap();
    let target = server.outbind(esme, "user", PASSWORD);
    let (client, incoming) = Client::accept_outbind(&listener, client_config("user")).unwrap();
    assert_eq!(client.state(), LinkState::Bound(BindType::Receiver));
    let req = incoming.recv_timeout(T).unwrap();
    assert_eq!(text_of(&req.frame), b"for the esme");
    req.respond_ok().unwrap();
    assert!(matches!(
        d.wait_timeout(T),
        Some(DeliveryOutcome::Delivered { attempts: 1, .. })
    ));
    let outbound = events.iter().find_map(|e| match e {
        ServerEvent::Outbound { id, bind_id } => Some((id, bind_id)),
        _ => None,
    });
    let (id, bind_id) = outbound.unwrap();
    assert_eq!(id, target);
    let handle = server.session(bind_id).unwrap();
    assert_eq!(handle.account(), "user");
    assert_eq!(handle.bind_type(), BindType::Receiver);
    // Cancelled, and unbound from the server side: not connected again.
    server.cancel_outbind(target);
    handle.unbind().unwrap();
    assert!(handle.is_closed());
    assert!(wait_for(T, || client.state()
        == LinkState::Closed(Some(CloseReason::PeerUnbound))));
    listener.set_nonblocking(true).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(listener.accept().is_err());
    assert_eq!(server.connection_count(), 0);
}

#[test]
fn outbind_to_a_closed_port_is_retried_and_reported() {
    let mut sc = server_config();
    sc.outbind_retry.initial_delay = smpp_blocking::core::Duration::from_millis(20);
    let server = start_server(sc);
    let events = server.events();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let target = server.outbind(addr, "user", PASSWORD);
    let attempts: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            ServerEvent::OutbindFailed { id, attempt, .. } if id == target => Some(attempt),
            _ => None,
        })
        .take(2)
        .collect();
    assert_eq!(attempts, [1, 2]);
    server.cancel_outbind(target);
}
