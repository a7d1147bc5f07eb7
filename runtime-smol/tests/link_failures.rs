//! Losing the link: a peer that vanishes, reconnects after a server restart, unbinds from
//! either side.

mod common;

use common::*;
use futures_lite::AsyncWriteExt;
use smpp_smol::core::pdu::{BindResp, Body, Pdu};
use smpp_smol::core::reconnect::ReconnectPolicy;
use smpp_smol::core::session::{BindType, CloseReason};
use smpp_smol::core::{CommandId, CommandStatus, Duration as CoreDuration, Frame};
use smpp_smol::{Error, LinkState, Server, ServerEvent};
use std::time::Duration;

#[test]
fn peer_that_disappears_mid_window_fails_every_pending_request() {
    run(async {
        const N: usize = 10;
        let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // A hand-made SMSC: answers the bind, reads N submits, then vanishes.
        let raw = smol::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let bind = read_pdu(&mut stream).await;
            assert_eq!(bind.command_id(), CommandId::BindTransceiver);
            let resp = Frame::encode(&Pdu::new(
                bind.sequence_number(),
                Body::BindTransceiverResp(BindResp {
                    system_id: b"raw",
                    ..BindResp::EMPTY
                }),
            ))
            .unwrap();
            stream.write_all(resp.as_bytes()).await.unwrap();
            for _ in 0..N {
                assert_eq!(
                    read_pdu(&mut stream).await.command_id(),
                    CommandId::SubmitSm
                );
            }
            drop(stream);
        });
        let mut cfg = esme("acme");
        cfg.session.window = 32;
        let (client, _incoming) = connect(addr, cfg).await;
        let states = client.state_changes();
        let mut pending = Vec::new();
        for _ in 0..N {
            pending.push(client.send_pipelined(&submit("lost")).await.unwrap());
        }
        raw.await;
        for f in pending {
            match f.await {
                Err(Error::ConnectionLost(reason)) => {
                    assert!(
                        matches!(reason, CloseReason::PeerClosed | CloseReason::UnexpectedEof),
                        "{reason:?}"
                    );
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            recv_within(&states, 5).await,
            LinkState::Closed(Some(CloseReason::PeerClosed))
        );
        assert!(matches!(
            client.send(&submit("after")).await,
            Err(Error::ConnectionLost(CloseReason::PeerClosed))
        ));
    });
}

#[test]
fn reconnects_after_server_restart_on_the_same_port() {
    run(async {
        let server = server().await;
        let addr = server.local_addr();
        let mut cfg = esme("acme");
        cfg.reconnect = Some(ReconnectPolicy {
            initial_delay: CoreDuration::from_millis(50),
            max_delay: CoreDuration::from_millis(200),
            multiplier: 2,
            jitter: false,
            max_attempts: None,
        });
        let (client, _incoming) = connect(addr, cfg).await;
        client.send(&submit("before")).await.unwrap();
        let states = client.state_changes();

        server.shutdown(Duration::from_secs(2)).await;
        drop(server);
        let first = recv_within(&states, 5).await;
        assert_eq!(
            first,
            LinkState::Reconnecting {
                attempt: 1,
                delay: Duration::from_millis(50)
            }
        );
        // Not bound: requests fail at once.
        let err = client.send(&submit("while down")).await.unwrap_err();
        assert!(is_invalid_state(&err), "{err:?}");
        // Let a few attempts fail against the closed port, then restart.
        async_io::Timer::after(Duration::from_millis(300)).await;
        let server = Server::bind(addr, smsc(), auth, handler).await.unwrap();
        let mut seen = vec![first];
        loop {
            let s = recv_within(&states, 5).await;
            seen.push(s);
            if s == LinkState::Bound(BindType::Transceiver) {
                break;
            }
        }
        assert!(seen.contains(&LinkState::Connecting), "{seen:?}");
        assert!(seen.contains(&LinkState::Binding), "{seen:?}");
        assert!(
            seen.iter()
                .any(|s| matches!(s, LinkState::Reconnecting { attempt, .. } if *attempt >= 2)),
            "{seen:?}"
        );
        let resp = client.send(&submit("after")).await.unwrap();
        assert_eq!(resp.status(), CommandStatus::ESME_ROK);
        assert_eq!(server.sessions().len(), 1);
        client.unbind().await.unwrap();
        assert_eq!(
            client.state(),
            LinkState::Closed(Some(CloseReason::Unbound))
        );
    });
}

#[test]
fn unbind_from_the_client() {
    run(async {
        let server = server().await;
        let events = server.events();
        let (client, incoming) = connect(server.local_addr(), esme("acme")).await;
        let _ = recv_within(&events, 5).await;
        let states = client.state_changes();
        client.unbind().await.unwrap();
        assert_eq!(recv_within(&states, 5).await, LinkState::Unbinding);
        assert_eq!(
            recv_within(&states, 5).await,
            LinkState::Closed(Some(CloseReason::Unbound))
        );
        match recv_within(&events, 5).await {
            ServerEvent::Closed { reason, .. } => assert_eq!(reason, CloseReason::PeerUnbound),
            other => panic!("{other:?}"),
        }
        assert!(incoming.recv().await.is_err(), "Incoming ends");
        assert!(matches!(
            client.send(&submit("x")).await,
            Err(Error::Closed)
        ));
    });
}

#[test]
fn server_shutdown_unbinds_the_client() {
    run(async {
        let server = server().await;
        let (client, incoming) = connect(server.local_addr(), esme("acme")).await;
        let states = client.state_changes();
        server.shutdown(Duration::from_secs(2)).await;
        assert_eq!(
            recv_within(&states, 5).await,
            LinkState::Closed(Some(CloseReason::PeerUnbound))
        );
        assert!(incoming.recv().await.is_err(), "Incoming ends");
        assert!(server.sessions().is_empty());
        // Nothing listens any more.
        assert!(smol::net::TcpStream::connect(server.local_addr())
            .await
            .is_err());
    });
}

#[test]
fn server_unbinds_one_session() {
    run(async {
        let server = server().await;
        let (client, _incoming) = connect(server.local_addr(), esme("acme")).await;
        let states = client.state_changes();
        let handle = server.session(server.sessions()[0].bind_id).unwrap();
        handle.unbind().await.unwrap();
        assert!(handle.is_closed());
        assert_eq!(
            recv_within(&states, 5).await,
            LinkState::Closed(Some(CloseReason::PeerUnbound))
        );
        eventually(5, || server.sessions().is_empty()).await;
    });
}

#[test]
fn dropping_the_last_client_handle_unbinds() {
    run(async {
        let server = server().await;
        let events = server.events();
        let (client, _incoming) = connect(server.local_addr(), esme("acme")).await;
        let _ = recv_within(&events, 5).await;
        let clone = client.clone();
        drop(client);
        async_io::Timer::after(Duration::from_millis(100)).await;
        assert_eq!(server.sessions().len(), 1, "a clone keeps the link");
        drop(clone);
        match recv_within(&events, 5).await {
            ServerEvent::Closed { reason, .. } => assert_eq!(reason, CloseReason::PeerUnbound),
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn connect_to_a_closed_port_fails() {
    run(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = smpp_smol::Client::connect(addr, esme("acme"))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Io(_)), "{err:?}");
    });
}
