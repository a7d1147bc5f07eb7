//! The two runtimes talk to each other over real TCP: a smol client against the blocking
//! server, and a blocking client against the smol server.
#![cfg(feature = "blocking")]

use smpp_core::pdu::{Address, Body, CommandStatus, DataCoding, EsmClass, SubmitSm};
use std::time::Duration;

fn submit(text: &'static [u8]) -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Sender"),
        destination: Address::international("447700900123"),
        short_message: text,
        ..Default::default()
    })
}

fn mo(text: &'static [u8]) -> Body<'static> {
    Body::DeliverSm(SubmitSm {
        source: Address::international("447700900123"),
        destination: Address::international("12345"),
        esm_class: EsmClass::DEFAULT,
        data_coding: DataCoding::DEFAULT,
        short_message: text,
        ..Default::default()
    })
}

fn short_message(frame: &smpp_core::Frame) -> Vec<u8> {
    match frame.pdu().expect("valid PDU").body {
        Body::DeliverSm(m) | Body::SubmitSm(m) => m.short_message.to_vec(),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn smol_client_against_blocking_server() {
    let server = smpp_blocking::Server::bind(
        "127.0.0.1:0",
        smpp_blocking::ServerConfig::default(),
        |req: &smpp_blocking::BindRequest| {
            if req.password.as_str() == "secret" {
                Ok(())
            } else {
                Err(CommandStatus::ESME_RINVPASWD)
            }
        },
        |_ctx: &smpp_blocking::RequestContext, frame: &smpp_core::Frame| {
            smpp_blocking::Reply::ok_message_id(&format!("b-{}", frame.sequence_number()))
        },
    )
    .expect("blocking server listens");
    let addr = server.local_addr();

    let delivered = smol::block_on(async {
        let bad =
            smpp_smol::Client::connect(addr, smpp_smol::ClientConfig::new("acme", "wrong")).await;
        assert!(matches!(
            bad,
            Err(smpp_smol::Error::BindFailed(Some(
                CommandStatus::ESME_RINVPASWD
            )))
        ));
        let (client, incoming) =
            smpp_smol::Client::connect(addr, smpp_smol::ClientConfig::new("acme", "secret"))
                .await
                .expect("smol client binds to the blocking server");
        let mut ids = Vec::new();
        let mut pending = Vec::new();
        for _ in 0..20 {
            pending.push(client.send_pipelined(&submit(b"hello")).await.unwrap());
        }
        for p in pending {
            let r = p.await.expect("response");
            assert_eq!(r.status(), CommandStatus::ESME_ROK);
            ids.push(r.message_id().expect("message id"));
        }
        assert!(ids.iter().all(|id| id.starts_with("b-")));

        // The server delivers an MO to the account from another thread; the smol client
        // receives and answers it.
        let deliver = std::thread::spawn(move || {
            let d = server
                .deliver("acme", &mo(b"from the server"))
                .expect("deliver");
            (server, d)
        });
        let req = incoming.recv().await.expect("incoming request");
        assert_eq!(short_message(&req.frame), b"from the server");
        req.respond_ok().unwrap();
        let (server, delivery) = deliver.join().unwrap();
        client.unbind().await.unwrap();
        server.shutdown(Duration::from_secs(2));
        delivery
    });
    assert!(matches!(
        delivered.wait(),
        Ok(smpp_blocking::DeliveryOutcome::Delivered { ref response, .. })
            if response.command_status().is_ok()
    ));
}

#[test]
fn blocking_client_against_smol_server() {
    let (server, addr) = smol::block_on(async {
        let server = smpp_smol::Server::bind(
            "127.0.0.1:0",
            smpp_smol::ServerConfig::default(),
            |req: &smpp_smol::BindRequest| {
                if req.password.as_str() == "secret" {
                    Ok(())
                } else {
                    Err(CommandStatus::ESME_RINVPASWD)
                }
            },
            |_ctx: &smpp_smol::RequestContext, frame: &smpp_core::Frame| {
                smpp_smol::Reply::ok_message_id(&format!("s-{}", frame.sequence_number()))
            },
        )
        .await
        .expect("smol server listens");
        let addr = server.local_addr();
        (server, addr)
    });
    // The smol server's tasks run on smol's global executor threads.
    let bad =
        smpp_blocking::Client::connect(addr, smpp_blocking::ClientConfig::new("acme", "nope"));
    assert!(matches!(
        bad,
        Err(smpp_blocking::Error::BindFailed(Some(
            CommandStatus::ESME_RINVPASWD
        )))
    ));
    let (client, incoming) =
        smpp_blocking::Client::connect(addr, smpp_blocking::ClientConfig::new("acme", "secret"))
            .expect("blocking client binds to the smol server");
    let tickets: Vec<_> = (0..20)
        .map(|_| client.submit(&submit(b"hi")).unwrap())
        .collect();
    for t in tickets {
        let r = t.wait().expect("response");
        assert!(r.message_id().unwrap().starts_with("s-"));
    }
    let deliver = std::thread::spawn(move || {
        let d = server.deliver("acme", &mo(b"mo text")).expect("deliver");
        let outcome = smol::block_on(d);
        (server, outcome)
    });
    let req = incoming
        .recv_timeout(Duration::from_secs(5))
        .expect("incoming request");
    assert_eq!(short_message(&req.frame), b"mo text");
    req.respond_ok().unwrap();
    let (server, delivery) = deliver.join().unwrap();
    assert!(matches!(
        delivery,
        Ok(smpp_smol::DeliveryOutcome::Delivered { ref response, .. })
            if response.command_status().is_ok()
    ));
    client.unbind().unwrap();
    smol::block_on(server.shutdown(Duration::from_secs(2)));
}
