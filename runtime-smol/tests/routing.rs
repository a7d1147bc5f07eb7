//! Server-side routing: round robin over an account's binds, the message store.

mod common;

use common::*;
use smpp_smol::core::session::BindType;
use smpp_smol::core::CommandStatus;
use smpp_smol::{Client, DeliveryOutcome, Incoming, ServerEvent};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Answers every request on `incoming` with ESME_ROK, counting them and keeping their texts.
fn answer_all(incoming: Incoming) -> (Arc<AtomicUsize>, smol::Task<Vec<String>>) {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let task = smol::spawn(async move {
        let mut texts = Vec::new();
        while let Ok(req) = incoming.recv().await {
            texts.push(text_of(&req.frame));
            req.respond_ok().unwrap();
            c.fetch_add(1, Ordering::SeqCst);
        }
        texts
    });
    (count, task)
}

#[test]
fn four_binds_share_receipts_round_robin() {
    run(async {
        let server = server().await;
        let mut clients: Vec<Client> = Vec::new();
        let mut counts = Vec::new();
        // Four binds of one account, all at once.
        let addr = server.local_addr();
        let binding: Vec<_> = (0..4)
            .map(|_| smol::spawn(async move { connect(addr, esme("acme")).await }))
            .collect();
        for b in binding {
            let (c, incoming) = b.await;
            let (count, task) = answer_all(incoming);
            task.detach();
            clients.push(c);
            counts.push(count);
        }
        // A transmitter of the same account never gets deliveries.
        let mut tx_cfg = esme("acme");
        tx_cfg.bind_type = BindType::Transmitter;
        let (_tx, _tx_in) = connect(server.local_addr(), tx_cfg).await;
        assert_eq!(server.sessions().len(), 5);
        for i in 0..8 {
            let text = format!("receipt {i}");
            match server
                .deliver("acme", &deliver(&text))
                .unwrap()
                .await
                .unwrap()
            {
                DeliveryOutcome::Delivered { response, .. } => {
                    assert_eq!(response.command_status(), CommandStatus::ESME_ROK)
                }
                other => panic!("{other:?}"),
            }
        }
        let got: Vec<usize> = counts.iter().map(|c| c.load(Ordering::SeqCst)).collect();
        assert_eq!(got, [2, 2, 2, 2]);
        for c in &clients {
            c.unbind().await.unwrap();
        }
    });
}

#[test]
fn queued_receipts_are_delivered_in_order_after_a_rebind() {
    run(async {
        let server = server().await;
        let events = server.events();
        // A first receiver comes and goes: the account has no receiver left.
        let (first, _in) = connect(server.local_addr(), esme("acme")).await;
        first.unbind().await.unwrap();
        let mut pending = Vec::new();
        for i in 0..5 {
            let text = format!("r{i}");
            pending.push(server.deliver("acme", &deliver(&text)).unwrap());
        }
        assert_eq!(server.queued("acme"), 5);
        let mut queued = 0;
        while queued < 5 {
            if let ServerEvent::Queued { account, .. } = recv_within(&events, 5).await {
                assert_eq!(account, "acme");
                queued += 1;
            }
        }
        let mut cfg = esme("acme");
        cfg.bind_type = BindType::Receiver;
        cfg.session.window = 2;
        let (client, incoming) = connect(server.local_addr(), cfg).await;
        let mut texts = Vec::new();
        for _ in 0..5 {
            let req = recv_request_within(&incoming, 5).await;
            texts.push(text_of(&req.frame));
            req.respond_ok().unwrap();
        }
        assert_eq!(texts, ["r0", "r1", "r2", "r3", "r4"]);
        for p in pending {
            assert!(matches!(
                p.await.unwrap(),
                DeliveryOutcome::Delivered { attempts: 1, .. }
            ));
        }
        eventually(5, || server.queued("acme") == 0).await;
        // New deliveries now go straight to the bound receiver.
        let (count, task) = answer_all(incoming);
        assert!(matches!(
            server
                .deliver("acme", &deliver("live"))
                .unwrap()
                .await
                .unwrap(),
            DeliveryOutcome::Delivered { .. }
        ));
        assert_eq!(count.load(Ordering::SeqCst), 1);
        client.unbind().await.unwrap();
        assert_eq!(task.await, ["live"]);
    });
}

#[test]
fn queue_overflow_is_reported() {
    run(async {
        let mut cfg = smsc();
        cfg.delivery.per_account = 2;
        let server = server_with(cfg).await;
        let events = server.events();
        let _one = server.deliver("nobody", &deliver("1")).unwrap();
        let _two = server.deliver("nobody", &deliver("2")).unwrap();
        assert!(matches!(
            server.deliver("nobody", &deliver("3")),
            Err(smpp_smol::Error::Deliver(
                smpp_smol::DeliverError::QueueFull(_)
            ))
        ));
        assert_eq!(server.queued("nobody"), 2);
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(recv_within(&events, 5).await);
        }
        assert!(matches!(&seen[2], ServerEvent::Overflow { account } if account == "nobody"));
        // Another account still has room.
        assert!(server.deliver("other", &deliver("x")).is_ok());
    });
}
