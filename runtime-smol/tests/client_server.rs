//! Client and server against each other over real TCP on 127.0.0.1: binds, requests in both
//! directions, the window, timers, tracing.

mod common;

use common::*;
use smpp_smol::core::pdu::{Body, MessageIdResp};
use smpp_smol::core::session::{BindType, SessionError};
use smpp_smol::core::{CommandId, CommandStatus, Duration as CoreDuration, Frame};
use smpp_smol::{
    AsyncHandler, Client, DeliveryOutcome, Error, LinkState, Reply, RequestContext, Server,
    ServerEvent, Trace, TraceEvent,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn bind_of_each_type() {
    run(async {
        let server = server().await;
        let events = server.events();
        for bind_type in [
            BindType::Transmitter,
            BindType::Receiver,
            BindType::Transceiver,
        ] {
            let mut cfg = esme("acme");
            cfg.bind_type = bind_type;
            let (client, _incoming) = connect(server.local_addr(), cfg).await;
            assert_eq!(client.state(), LinkState::Bound(bind_type));
            match recv_within(&events, 5).await {
                ServerEvent::Bound {
                    account,
                    bind_type: b,
                    ..
                } => {
                    assert_eq!(account, "acme");
                    assert_eq!(b, bind_type);
                }
                other => panic!("{other:?}"),
            }
            let sessions = server.sessions();
            assert_eq!(sessions.len(), 1);
            assert_eq!(sessions[0].bind_type, bind_type);
            assert_eq!(sessions[0].account, "acme");
            let sent = client.send(&submit("hello")).await;
            if bind_type.can_transmit() {
                assert_eq!(sent.unwrap().status(), CommandStatus::ESME_ROK);
            } else {
                assert!(matches!(
                    sent,
                    Err(Error::Session(SessionError::NotAllowedInBind { .. }))
                ));
            }
            client.unbind().await.unwrap();
            assert_eq!(
                client.state(),
                LinkState::Closed(Some(smpp_smol::core::session::CloseReason::Unbound))
            );
            match recv_within(&events, 5).await {
                ServerEvent::Closed { reason, .. } => {
                    assert_eq!(reason, smpp_smol::core::session::CloseReason::PeerUnbound)
                }
                other => panic!("{other:?}"),
            }
            eventually(5, || server.sessions().is_empty()).await;
        }
    });
}

#[test]
fn wrong_password_fails_the_bind() {
    run(async {
        let server = server().await;
        let events = server.events();
        let mut cfg = esme("acme");
        cfg.password = "wrong".into();
        let err = Client::connect(server.local_addr(), cfg).await.unwrap_err();
        assert!(
            matches!(err, Error::BindFailed(Some(CommandStatus::ESME_RINVPASWD))),
            "{err:?}"
        );
        match recv_within(&events, 5).await {
            ServerEvent::BindRejected {
                system_id, status, ..
            } => {
                assert_eq!(system_id, "acme");
                assert_eq!(status, CommandStatus::ESME_RINVPASWD);
            }
            other => panic!("{other:?}"),
        }
        assert!(server.sessions().is_empty());
    });
}

#[test]
fn bind_limit_per_account_answers_bindfail() {
    run(async {
        let mut cfg = smsc();
        cfg.limits.max_binds_per_account = Some(1);
        let server = server_with(cfg).await;
        let (_first, _in1) = connect(server.local_addr(), esme("acme")).await;
        let err = Client::connect(server.local_addr(), esme("acme"))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::BindFailed(Some(CommandStatus::ESME_RBINDFAIL))),
            "{err:?}"
        );
        // Another account is not limited by acme's binds.
        let (_other, _in2) = connect(server.local_addr(), esme("other")).await;
        assert_eq!(server.sessions().len(), 2);
    });
}

#[test]
fn submit_returns_message_id() {
    run(async {
        let server = server().await;
        let (client, _incoming) = connect(server.local_addr(), esme("acme")).await;
        for _ in 0..3 {
            let resp = client.send(&submit("hello")).await.unwrap();
            assert_eq!(resp.status(), CommandStatus::ESME_ROK);
            assert_eq!(resp.frame.command_id(), CommandId::SubmitSmResp);
            let id = resp.message_id().unwrap();
            assert_eq!(id, format!("id-{}", resp.frame.sequence_number()));
        }
        let c = client.counters();
        assert_eq!(c.requests_sent.get(CommandId::SubmitSm), 3);
        assert_eq!(c.responses_received.get(CommandId::SubmitSmResp), 3);
        let s = &server.sessions()[0];
        assert_eq!(s.counters.requests_received.get(CommandId::SubmitSm), 3);
        client.unbind().await.unwrap();
    });
}

#[test]
fn handler_sees_account_and_bind() {
    run(async {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let server = Server::bind(
            "127.0.0.1:0",
            smsc(),
            auth,
            move |ctx: &RequestContext, req: &Frame| {
                s2.lock()
                    .unwrap()
                    .push((ctx.account.clone(), ctx.bind_type, text_of(req)));
                Reply::ok_message_id("x")
            },
        )
        .await
        .unwrap();
        let (client, _incoming) = connect(server.local_addr(), esme("acme")).await;
        client.send(&submit("one")).await.unwrap();
        assert_eq!(
            seen.lock().unwrap().as_slice(),
            [("acme".to_string(), BindType::Transceiver, "one".to_string())]
        );
    });
}

#[test]
fn server_initiated_deliver_sm() {
    run(async {
        let server = server().await;
        let (client, incoming) = connect(server.local_addr(), esme("acme")).await;
        // The client answers every deliver_sm with a message id of its own.
        let answering = smol::spawn(async move {
            let mut texts = Vec::new();
            while let Ok(req) = incoming.recv().await {
                assert_eq!(req.frame.command_id(), CommandId::DeliverSm);
                texts.push(text_of(&req.frame));
                req.respond(
                    CommandStatus::ESME_ROK,
                    &Body::DeliverSmResp(MessageIdResp::new(b"esme-1")),
                )
                .unwrap();
            }
            texts
        });
        let bind_id = server.sessions()[0].bind_id;
        let handle = server.session(bind_id).unwrap();
        assert_eq!(handle.account(), "acme");
        let resp = handle.send(&deliver("via handle")).await.unwrap();
        assert_eq!(resp.frame.command_id(), CommandId::DeliverSmResp);
        assert_eq!(resp.status(), CommandStatus::ESME_ROK);

        match server
            .deliver("acme", &deliver("via deliver"))
            .unwrap()
            .await
            .unwrap()
        {
            DeliveryOutcome::Delivered { response, .. } => {
                assert_eq!(response.command_status(), CommandStatus::ESME_ROK)
            }
            other => panic!("{other:?}"),
        }
        // A submit_sm is not something an SMSC sends.
        assert!(server.deliver("acme", &submit("no")).is_err());
        assert_eq!(
            handle
                .counters()
                .responses_received
                .get(CommandId::DeliverSmResp),
            2
        );
        client.unbind().await.unwrap();
        let texts = answering.await;
        assert_eq!(texts, ["via handle", "via deliver"]);
    });
}

#[test]
fn window_of_64_pipelined() {
    run(async {
        // The handler holds every answer until the gate opens, so all 64 are outstanding.
        let (gate_tx, gate_rx) = smol::channel::unbounded::<()>();
        let server = Server::bind(
            "127.0.0.1:0",
            smsc(),
            auth,
            AsyncHandler(move |_ctx, req: Frame| {
                let gate = gate_rx.clone();
                async move {
                    let _ = gate.recv().await;
                    Reply::ok_message_id(&format!("m{}", req.sequence_number()))
                }
            }),
        )
        .await
        .unwrap();
        let mut cfg = esme("acme");
        cfg.session.window = 64;
        cfg.session.peer_window = 64;
        let (client, _incoming) = connect(server.local_addr(), cfg).await;
        let mut pending = Vec::new();
        for _ in 0..64 {
            pending.push(client.send_pipelined(&submit("w")).await.unwrap());
        }
        // The window is full: try_send refuses, send_pipelined waits.
        assert!(matches!(
            client.try_send(&submit("x")),
            Err(Error::Session(SessionError::WindowFull { window: 64 }))
        ));
        let c2 = client.clone();
        let waiting = smol::spawn(async move { c2.send(&submit("65th")).await });
        async_io::Timer::after(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "send must wait for a window slot");
        gate_tx.close();
        let mut ids = Vec::new();
        for f in pending {
            let r = f.await.unwrap();
            assert_eq!(r.status(), CommandStatus::ESME_ROK);
            ids.push(r.message_id().unwrap());
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 64);
        assert_eq!(waiting.await.unwrap().status(), CommandStatus::ESME_ROK);
        assert_eq!(client.counters().requests_sent.get(CommandId::SubmitSm), 65);
        client.unbind().await.unwrap();
    });
}

#[test]
fn enquire_link_keeps_the_link_alive() {
    run(async {
        let server = server().await;
        let mut cfg = esme("acme");
        cfg.session.enquire_link_interval = Some(CoreDuration::from_millis(100));
        let (client, _incoming) = connect(server.local_addr(), cfg).await;
        async_io::Timer::after(Duration::from_millis(550)).await;
        let c = client.counters();
        assert!(c.requests_sent.get(CommandId::EnquireLink) >= 3, "{c:?}");
        assert!(c.responses_received.get(CommandId::EnquireLinkResp) >= 3);
        let s = &server.sessions()[0].counters;
        assert!(s.requests_received.get(CommandId::EnquireLink) >= 3);
        assert!(s.responses_sent.get(CommandId::EnquireLinkResp) >= 3);
        assert_eq!(client.state(), LinkState::Bound(BindType::Transceiver));
        client.unbind().await.unwrap();
    });
}

#[test]
fn response_timeout() {
    run(async {
        let server = Server::bind(
            "127.0.0.1:0",
            smsc(),
            auth,
            AsyncHandler(|_ctx, req: Frame| async move {
                if text_of(&req) == "slow" {
                    async_io::Timer::after(Duration::from_millis(800)).await;
                }
                Reply::ok_message_id("late")
            }),
        )
        .await
        .unwrap();
        let mut cfg = esme("acme");
        cfg.session.response_timeout = CoreDuration::from_millis(200);
        let (client, _incoming) = connect(server.local_addr(), cfg).await;
        let started = std::time::Instant::now();
        let err = client.send(&submit("slow")).await.unwrap_err();
        assert!(matches!(err, Error::Timeout), "{err:?}");
        assert!(started.elapsed() < Duration::from_millis(700));
        assert_eq!(client.counters().response_timeouts, 1);
        // The link stays up and serves the next request; the late answer is unmatched.
        let ok = client.send(&submit("fast")).await.unwrap();
        assert_eq!(ok.status(), CommandStatus::ESME_ROK);
        eventually(3, || client.counters().unmatched_responses == 1).await;
        client.unbind().await.unwrap();
    });
}

#[test]
fn dropped_incoming_request_answers_rx_t_appn() {
    run(async {
        let server = server().await;
        let (_client, incoming) = connect(server.local_addr(), esme("acme")).await;
        let dropper = smol::spawn(async move {
            let req = incoming.recv().await.unwrap();
            assert!(req.needs_response());
            drop(req);
            incoming
        });
        // Sent outside the delivery queue, so the first answer is what comes back.
        let handle = server.session(server.sessions()[0].bind_id).unwrap();
        let resp = handle.send(&deliver("ignored")).await.unwrap();
        assert_eq!(resp.status(), CommandStatus::ESME_RX_T_APPN);
        assert_eq!(resp.frame.command_id(), CommandId::DeliverSmResp);
        let _incoming = dropper.await;
    });
}

#[test]
fn auto_respond_answers_and_still_reports() {
    run(async {
        let server = server().await;
        let mut cfg = esme("acme");
        cfg.session.auto_respond = true;
        let (client, incoming) = connect(server.local_addr(), cfg).await;
        // Nobody reads Incoming yet: the answer does not wait for the application.
        let resp = match server
            .deliver("acme", &deliver("auto"))
            .unwrap()
            .await
            .unwrap()
        {
            DeliveryOutcome::Delivered { response, .. } => response,
            other => panic!("{other:?}"),
        };
        assert_eq!(resp.command_status(), CommandStatus::ESME_ROK);
        let req = recv_request_within(&incoming, 5).await;
        assert!(!req.needs_response());
        assert_eq!(text_of(&req.frame), "auto");
        req.respond_ok().unwrap();
        let c = client.counters();
        assert_eq!(c.responses_sent.get(CommandId::DeliverSmResp), 1);
    });
}

#[test]
fn trace_callback_sees_both_directions_without_password() {
    run(async {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let l2 = lines.clone();
        // The callback may use the client it traces (it runs outside the client's lock).
        let me = Arc::new(std::sync::OnceLock::<Client>::new());
        let me2 = me.clone();
        let trace = Trace::Callback(Arc::new(move |e: &TraceEvent<'_>| {
            assert!(!e.pdu.is_empty());
            if let Some(c) = me2.get() {
                let _ = c.counters();
            }
            l2.lock().unwrap().push(e.to_string());
        }));
        let server_lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let s2 = server_lines.clone();
        let mut scfg = smsc();
        scfg.trace = Trace::Callback(Arc::new(move |e: &TraceEvent<'_>| {
            s2.lock()
                .unwrap()
                .push(format!("{} {} {}", e.direction, e.summary(), e.hex()));
        }));
        let server = server_with(scfg).await;
        let mut cfg = esme("acme");
        cfg.trace = trace;
        let (client, _incoming) = connect(server.local_addr(), cfg).await;
        let _ = me.set(client.clone());
        client.send(&submit("traced")).await.unwrap();
        client.unbind().await.unwrap();
        server.shutdown(Duration::from_secs(2)).await;

        let lines = lines.lock().unwrap().clone();
        let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
        assert!(
            has("-> bind_transceiver seq=1 system_id=acme password=***"),
            "{lines:#?}"
        );
        assert!(has("<- bind_transceiver_resp seq=1"), "{lines:#?}");
        assert!(has("-> submit_sm seq=2"), "{lines:#?}");
        assert!(
            has("<- submit_sm_resp seq=2 status=ESME_ROK (0x00000000) message_id=id-2"),
            "{lines:#?}"
        );
        assert!(has("-> unbind"), "{lines:#?}");
        assert!(has("<- unbind_resp"), "{lines:#?}");
        assert!(lines.iter().all(|l| l.starts_with("127.0.0.1:")));
        let server_lines = server_lines.lock().unwrap().clone();
        assert!(server_lines
            .iter()
            .any(|l| l.starts_with("<- bind_transceiver ")));
        assert!(server_lines
            .iter()
            .any(|l| l.starts_with("-> submit_sm_resp")));
        let secret_hex: String = PASSWORD.bytes().map(|b| format!("{b:02x}")).collect();
        for l in lines.iter().chain(server_lines.iter()) {
            assert!(!l.contains(PASSWORD), "{l}");
            assert!(!l.contains(&secret_hex), "{l}");
        }
    });
}

#[test]
fn bind_stream_over_a_user_stream() {
    run(async {
        let server = server().await;
        let stream = smol::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        let (client, _incoming) = Client::bind_stream(stream, esme("acme")).await.unwrap();
        assert_eq!(client.state(), LinkState::Bound(BindType::Transceiver));
        assert_eq!(client.peer_addr(), None);
        let resp = client.send(&submit("over stream")).await.unwrap();
        assert_eq!(resp.status(), CommandStatus::ESME_ROK);
        client.unbind().await.unwrap();
    });
}

#[test]
fn requests_before_bind_or_after_unbind_fail_at_once() {
    run(async {
        let server = server().await;
        let (client, _incoming) = connect(server.local_addr(), esme("acme")).await;
        client.unbind().await.unwrap();
        assert!(matches!(
            client.send(&submit("late")).await,
            Err(Error::Closed)
        ));
        assert!(matches!(
            client.try_send(&submit("late")),
            Err(Error::Closed)
        ));
    });
}

#[test]
fn outbind_then_bind_receiver() {
    use futures_lite::AsyncWriteExt;
    use smpp_smol::core::pdu::{BindResp, Outbind, Pdu};
    run(async {
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A hand-made SMSC that connects out and sends outbind.
        let smsc = smol::spawn(async move {
            let mut s = smol::net::TcpStream::connect(addr).await.unwrap();
            let outbind = Pdu::new(
                1,
                Body::Outbind(Outbind {
                    system_id: b"smsc",
                    password: b"pw",
                }),
            );
            let send = |p: Pdu<'_>| Frame::encode(&p).unwrap().into_bytes();
            s.write_all(&send(outbind)).await.unwrap();
            let bind = read_pdu(&mut s).await;
            assert_eq!(bind.command_id(), CommandId::BindReceiver);
            match bind.pdu().unwrap().body {
                Body::BindReceiver(b) => assert_eq!(b.system_id, b"acme"),
                other => panic!("{other:?}"),
            }
            let resp = Pdu::new(
                bind.sequence_number(),
                Body::BindReceiverResp(BindResp {
                    system_id: b"smsc",
                    ..BindResp::EMPTY
                }),
            );
            s.write_all(&send(resp)).await.unwrap();
            s.write_all(&send(Pdu::new(2, deliver("mo"))))
                .await
                .unwrap();
            let answer = read_pdu(&mut s).await;
            assert_eq!(answer.command_id(), CommandId::DeliverSmResp);
            assert_eq!(answer.sequence_number(), 2);
            assert_eq!(answer.command_status(), CommandStatus::ESME_ROK);
            let unbind = read_pdu(&mut s).await;
            assert_eq!(unbind.command_id(), CommandId::Unbind);
            s.write_all(&send(Pdu::new(unbind.sequence_number(), Body::UnbindResp)))
                .await
                .unwrap();
        });
        let (client, incoming) = Client::accept_outbind(&listener, esme("acme"))
            .await
            .unwrap();
        assert_eq!(client.state(), LinkState::Bound(BindType::Receiver));
        let req = recv_request_within(&incoming, 5).await;
        assert_eq!(text_of(&req.frame), "mo");
        req.respond_ok().unwrap();
        client.unbind().await.unwrap();
        assert_eq!(
            client.state(),
            LinkState::Closed(Some(smpp_smol::core::session::CloseReason::Unbound))
        );
        smsc.await;
    });
}

#[test]
fn send_rate_limit_spreads_requests() {
    run(async {
        let server = server().await;
        let mut cfg = esme("acme");
        cfg.session.max_send_rate = Some(100);
        cfg.session.send_burst = 1;
        cfg.session.window = 32;
        let (client, _incoming) = connect(server.local_addr(), cfg).await;
        let started = std::time::Instant::now();
        let mut pending = Vec::new();
        for _ in 0..21 {
            pending.push(client.send_pipelined(&submit("paced")).await.unwrap());
        }
        for f in pending {
            assert_eq!(f.await.unwrap().status(), CommandStatus::ESME_ROK);
        }
        let took = started.elapsed();
        // 100 per second with a burst of 1: 20 intervals of 10 ms after the first.
        assert!(took >= Duration::from_millis(180), "{took:?}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        client.unbind().await.unwrap();
    });
}

#[test]
fn handles_are_send_and_sync() {
    fn check<T: Send + Sync + 'static>() {}
    check::<Client>();
    check::<Server>();
    check::<smpp_smol::SessionHandle>();
    check::<smpp_smol::IncomingRequest>();
    check::<smpp_smol::ResponseFuture>();
    check::<smpp_smol::Incoming>();
    check::<Error>();
    fn clone<T: Clone>() {}
    clone::<Client>();
}

#[test]
fn refused_answer_falls_back_to_rx_t_appn() {
    run(async {
        let server = server().await;
        let (_client, incoming) = connect(server.local_addr(), esme("acme")).await;
        let answering = smol::spawn(async move {
            let req = incoming.recv().await.unwrap();
            // A submit_sm_resp does not answer a deliver_sm: refused by the session.
            let err = req
                .respond(
                    CommandStatus::ESME_ROK,
                    &Body::SubmitSmResp(MessageIdResp::new(b"x")),
                )
                .unwrap_err();
            assert!(
                matches!(err, Error::Session(SessionError::WrongResponse { .. })),
                "{err:?}"
            );
            incoming
        });
        let handle = server.session(server.sessions()[0].bind_id).unwrap();
        let resp = handle.send(&deliver("refused")).await.unwrap();
        assert_eq!(resp.status(), CommandStatus::ESME_RX_T_APPN);
        let _incoming = answering.await;
    });
}
