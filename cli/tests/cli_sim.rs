//! The simulator behind `smpp smsc` and `smpp demo`, in process: `data_sm`,
//! `submit_multi`, receipts stored until a receiver binds, throttling, unsupported requests,
//! the bind timeout and shutdown.

use smpp_cli::message::MessageView;
use smpp_cli::sim::{Account, SimConfig, SimStats, Simulator};
use smpp_core::message::MessageState;
use smpp_core::pdu::{
    Address, Body, DataCoding, DataSm, DestAddress, List, QuerySm, RegisteredDelivery, SubmitMulti,
    SubmitSm, Tlv, TlvTag, Tlvs,
};
use smpp_core::session::BindType;
use smpp_core::CommandStatus;
use smpp_smol::{Client, ClientConfig, Incoming, IncomingRequest, LinkState};
use std::time::Duration;

fn config() -> SimConfig {
    SimConfig {
        listen: "127.0.0.1:0".into(),
        ..SimConfig::default()
    }
}

fn client_config(bind: BindType) -> ClientConfig {
    let mut c = ClientConfig::new("smppclient1", "password");
    c.bind_type = bind;
    c
}

/// Runs `f` on smol, failing after 30 s.
fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    smol::block_on(async {
        futures_lite::future::or(f, async {
            async_io::Timer::after(Duration::from_secs(30)).await;
            panic!("test timed out");
        })
        .await
    })
}

async fn next(incoming: &Incoming) -> IncomingRequest {
    incoming.recv().await.expect("a request from the simulator")
}

fn submit(text: &'static [u8], rd: RegisteredDelivery) -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Shop"),
        destination: Address::international("447700900123"),
        registered_delivery: rd,
        short_message: text,
        ..Default::default()
    })
}

#[test]
fn data_sm_is_answered_and_receipted_with_tlvs() {
    block_on(async {
        let sim = Simulator::start(config()).await.unwrap();
        let (client, incoming) =
            Client::connect(sim.local_addr(), client_config(BindType::Transceiver))
                .await
                .unwrap();
        let tlvs = [Tlv::octets(TlvTag::MESSAGE_PAYLOAD, b"data sm text")];
        let r = client
            .send(&Body::DataSm(DataSm {
                source: Address::international("447700900001"),
                destination: Address::international("447700900002"),
                registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
                tlvs: Tlvs::from_slice(&tlvs),
                ..Default::default()
            }))
            .await
            .unwrap();
        assert_eq!(r.status(), CommandStatus::ESME_ROK);
        let id = r.message_id().expect("data_sm_resp carries the id");

        let req = next(&incoming).await;
        let pdu = req.pdu().unwrap();
        let Body::DeliverSm(d) = pdu.body else {
            panic!("deliver_sm expected, got {:?}", pdu.body)
        };
        assert_eq!(d.esm_class.0, 0x04);
        assert_eq!(d.source.addr, b"447700900002", "the MT's destination");
        assert_eq!(d.destination.addr, b"447700900001", "the MT's source");
        assert_eq!(d.data_coding, DataCoding(1), "ASCII receipts are IA5");
        assert_eq!(d.tlvs.receipted_message_id(), Some(id.as_bytes()));
        assert_eq!(d.tlvs.message_state(), Some(2));
        let text = std::str::from_utf8(d.short_message).unwrap();
        assert!(
            text.starts_with(&format!("id:{id} sub:001 dlvrd:001 submit date:")),
            "{text}"
        );
        assert!(
            text.contains(" stat:DELIVRD err:000 text:data sm text"),
            "{text}"
        );
        let receipt = MessageView::from_body(&pdu.body).unwrap().receipt();
        assert!(receipt.is_for(&id));
        assert_eq!(receipt.state, Some(MessageState::Delivered));
        req.respond_ok().unwrap();

        client.unbind().await.unwrap();
        sim.shutdown(Duration::from_secs(5)).await;
    });
}

#[test]
fn submit_multi_gets_a_receipt_per_destination() {
    block_on(async {
        let sim = Simulator::start(config()).await.unwrap();
        let (client, incoming) =
            Client::connect(sim.local_addr(), client_config(BindType::Transceiver))
                .await
                .unwrap();
        let dests = [
            DestAddress::Sme(Address::international("447700900001")),
            DestAddress::DistributionList(b"friends"),
            DestAddress::Sme(Address::international("447700900002")),
        ];
        let r = client
            .send(&Body::SubmitMulti(SubmitMulti {
                source: Address::alphanumeric("Shop"),
                dest_addresses: List::from_slice(&dests),
                registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
                short_message: b"to many",
                ..Default::default()
            }))
            .await
            .unwrap();
        assert_eq!(r.status(), CommandStatus::ESME_ROK);
        let id = r.message_id().unwrap();
        let mut sources = Vec::new();
        for _ in 0..2 {
            let req = next(&incoming).await;
            let view_source = {
                let pdu = req.pdu().unwrap();
                let view = MessageView::from_body(&pdu.body).unwrap();
                assert!(view.is_receipt() && view.receipt().is_for(&id));
                view.source.addr.to_vec()
            };
            sources.push(view_source);
            req.respond_ok().unwrap();
        }
        sources.sort();
        assert_eq!(
            sources,
            [b"447700900001".to_vec(), b"447700900002".to_vec()]
        );
        client.unbind().await.unwrap();
        sim.shutdown(Duration::from_secs(5)).await;
    });
}

#[test]
fn receipts_wait_for_a_receiver_and_unicode_receipts_are_ucs2() {
    block_on(async {
        let sim = Simulator::start(config()).await.unwrap();
        let (tx, _) = Client::connect(sim.local_addr(), client_config(BindType::Transmitter))
            .await
            .unwrap();
        let r = tx
            .send(&submit(b"hello", RegisteredDelivery::ON_SUCCESS_OR_FAILURE))
            .await
            .unwrap();
        let id = r.message_id().unwrap();
        let ucs2 = smpp_core::message::ucs2::encode("Grüße 😀");
        let r2 = tx
            .send(&Body::SubmitSm(SubmitSm {
                destination: Address::international("447700900123"),
                registered_delivery: RegisteredDelivery::ON_SUCCESS_OR_FAILURE,
                data_coding: DataCoding::UCS2,
                short_message: &ucs2,
                ..Default::default()
            }))
            .await
            .unwrap();
        let id2 = r2.message_id().unwrap();
        // Nobody can receive yet: both receipts are stored.
        for _ in 0..100 {
            if sim.server().queued("smppclient1") == 2 {
                break;
            }
            async_io::Timer::after(Duration::from_millis(10)).await;
        }
        assert_eq!(sim.server().queued("smppclient1"), 2);

        let (rx, incoming) = Client::connect(sim.local_addr(), client_config(BindType::Receiver))
            .await
            .unwrap();
        let first = next(&incoming).await;
        assert!(MessageView::from_body(&first.pdu().unwrap().body)
            .unwrap()
            .receipt()
            .is_for(&id));
        first.respond_ok().unwrap();
        let second = next(&incoming).await;
        {
            let pdu = second.pdu().unwrap();
            let view = MessageView::from_body(&pdu.body).unwrap();
            assert_eq!(
                view.data_coding, 8,
                "non-ASCII receipt text travels as UCS2"
            );
            let receipt = view.receipt();
            assert!(receipt.is_for(&id2));
            assert_eq!(receipt.text.as_deref(), Some("Grüße 😀"));
        }
        second.respond_ok().unwrap();
        assert_eq!(
            sim.stats(),
            SimStats {
                accepted: 2,
                receipts: 2,
                ..SimStats::default()
            }
        );
        tx.unbind().await.unwrap();
        rx.unbind().await.unwrap();
        sim.shutdown(Duration::from_secs(5)).await;
    });
}

#[test]
fn throttling_rejections_and_unsupported_requests() {
    block_on(async {
        let sim = Simulator::start(SimConfig {
            throttle_rate: Some(3),
            accounts: vec![Account::new("a", "b")],
            ..config()
        })
        .await
        .unwrap();
        let mut c = ClientConfig::new("a", "b");
        c.session.window = 10;
        let (client, _) = Client::connect(sim.local_addr(), c).await.unwrap();
        let mut pending = Vec::new();
        for _ in 0..5 {
            pending.push(
                client
                    .send_pipelined(&submit(b"x", RegisteredDelivery::NONE))
                    .await
                    .unwrap(),
            );
        }
        let mut statuses = Vec::new();
        for p in pending {
            statuses.push(p.await.unwrap().status());
        }
        let ok = statuses.iter().filter(|s| s.is_ok()).count();
        let throttled = statuses
            .iter()
            .filter(|s| **s == CommandStatus::ESME_RTHROTTLED)
            .count();
        // Within one second 3 pass; a second boundary in the middle lets a few more through.
        assert!(
            ok >= 3 && throttled >= 1 && ok + throttled == 5,
            "{statuses:?}"
        );

        let r = client
            .send(&Body::QuerySm(QuerySm {
                message_id: b"0000000001",
                source: Address::default(),
            }))
            .await
            .unwrap();
        assert_eq!(r.status(), CommandStatus::ESME_RINVCMDID);
        assert_eq!(sim.stats().throttled, throttled as u64);
        client.unbind().await.unwrap();
        sim.shutdown(Duration::from_secs(5)).await;
    });
}

#[test]
fn bind_timeout_closes_silent_connections_and_shutdown_unbinds() {
    block_on(async {
        let sim = Simulator::start(SimConfig {
            bind_timeout: Some(Duration::from_millis(200)),
            ..config()
        })
        .await
        .unwrap();
        // A connection that never binds is closed by the simulator.
        let mut silent = smol::net::TcpStream::connect(sim.local_addr())
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let n = futures_lite::AsyncReadExt::read(&mut silent, &mut buf)
            .await
            .unwrap_or(0);
        assert_eq!(n, 0, "closed without a PDU");

        // A bound client is unbound by the shutdown.
        let (client, _incoming) =
            Client::connect(sim.local_addr(), client_config(BindType::Transceiver))
                .await
                .unwrap();
        let states = client.state_changes();
        sim.shutdown(Duration::from_secs(5)).await;
        loop {
            match states.recv().await {
                Ok(LinkState::Closed(reason)) => {
                    assert!(reason.is_some(), "closed by the SMSC");
                    break;
                }
                Ok(_) => continue,
                Err(_) => {
                    assert!(matches!(client.state(), LinkState::Closed(_)));
                    break;
                }
            }
        }
    });
}

#[test]
fn a_busy_port_is_reported() {
    block_on(async {
        let first = Simulator::start(config()).await.unwrap();
        let err = Simulator::start(SimConfig {
            listen: first.local_addr().to_string(),
            ..SimConfig::default()
        })
        .await
        .unwrap_err();
        assert!(err.to_string().starts_with("cannot listen"), "{err}");
        let err = Simulator::start(SimConfig {
            jsonl: Some("/nonexistent-dir/x.jsonl".into()),
            ..config()
        })
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent-dir/x.jsonl"),
            "{err}"
        );
        first.shutdown(Duration::from_secs(5)).await;
    });
}
