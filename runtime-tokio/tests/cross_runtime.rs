//! smpp-tokio against the other runtimes over real TCP: a tokio client bound to the smol
//! and blocking servers, and smol and blocking clients bound to the tokio server — each
//! binds, submits, and takes a delivery.

mod common;

use common::*;
use smpp_tokio::DeliveryOutcome;
use std::time::Duration;

fn delivered(outcome: &DeliveryOutcome) -> bool {
    matches!(outcome, DeliveryOutcome::Delivered { .. })
}

/// The tokio client's side of each exchange against a foreign server at `addr`; `deliver`
/// makes the server deliver one receipt to account `acme` and waits for its outcome.
fn tokio_client_against(
    addr: std::net::SocketAddr,
    deliver: impl FnOnce() -> DeliveryOutcome + Send,
) {
    let rt = runtime();
    let (client, mut incoming) = rt
        .block_on(smpp_tokio::Client::connect(addr, client_config("acme")))
        .expect("tokio client binds");
    let r = rt.block_on(client.send(&submit("hello"))).expect("submit");
    assert_eq!(r.message_id().as_deref(), Some("id-1"));
    let receiving = std::thread::scope(|s| {
        let outcome = s.spawn(deliver);
        let req = rt
            .block_on(async { tokio::time::timeout(WAIT, incoming.recv()).await })
            .expect("a delivery in time")
            .expect("the client is open");
        assert_eq!(text_of(&req.frame), "receipt");
        req.respond_ok().expect("respond");
        outcome.join().expect("the delivery's outcome")
    });
    assert!(delivered(&receiving), "{receiving:?}");
    rt.block_on(client.unbind()).expect("unbind");
}

#[test]
fn tokio_client_against_smol_server() {
    let server = smol::block_on(smpp_smol::Server::bind(
        "127.0.0.1:0",
        server_config(),
        auth,
        handler,
    ))
    .expect("smol server");
    tokio_client_against(server.local_addr(), || {
        let d = server.deliver("acme", &receipt("receipt")).expect("queued");
        wait_for(|| d.try_get())
    });
    smol::block_on(server.shutdown(Duration::from_secs(2)));
}

#[test]
fn tokio_client_against_blocking_server() {
    let server = smpp_blocking::Server::bind("127.0.0.1:0", server_config(), auth, handler)
        .expect("blocking server");
    tokio_client_against(server.local_addr(), || {
        let d = server.deliver("acme", &receipt("receipt")).expect("queued");
        d.wait_timeout(WAIT).expect("an outcome in time")
    });
    server.shutdown(Duration::from_secs(2));
}

/// A tokio server on its own runtime; `client` binds to it as `acme`, submits, waits for
/// the delivery `deliver` starts and answers it.
fn tokio_server_with(client: impl FnOnce(std::net::SocketAddr, &dyn Fn() -> smpp_tokio::Delivery)) {
    let rt = runtime();
    let server = rt
        .block_on(smpp_tokio::Server::bind(
            "127.0.0.1:0",
            server_config(),
            auth,
            handler,
        ))
        .expect("tokio server");
    let deliver = || {
        wait_for(|| (!server.sessions().is_empty()).then_some(()));
        server.deliver("acme", &receipt("receipt")).expect("queued")
    };
    client(server.local_addr(), &deliver);
    rt.block_on(server.shutdown(Duration::from_secs(2)));
    assert_eq!(server.connection_count(), 0);
}

fn outcome_of(d: smpp_tokio::Delivery) -> DeliveryOutcome {
    wait_for(|| d.try_get())
}

#[test]
fn smol_client_against_tokio_server() {
    tokio_server_with(|addr, deliver| {
        let (client, incoming) =
            smol::block_on(smpp_smol::Client::connect(addr, client_config("acme")))
                .expect("smol client binds");
        let r = smol::block_on(client.send(&submit("hello"))).expect("submit");
        assert_eq!(r.message_id().as_deref(), Some("id-1"));
        let d = deliver();
        let req = smol::block_on(smol::future::or(
            async { incoming.recv().await.ok() },
            async {
                smol::Timer::after(WAIT).await;
                None
            },
        ))
        .expect("a delivery in time");
        assert_eq!(text_of(&req.frame), "receipt");
        req.respond_ok().expect("respond");
        assert!(delivered(&outcome_of(d)));
        smol::block_on(client.unbind()).expect("unbind");
    });
}

#[test]
fn blocking_client_against_tokio_server() {
    tokio_server_with(|addr, deliver| {
        let (client, incoming) =
            smpp_blocking::Client::connect(addr, client_config("acme")).expect("binds");
        let r = client.send(&submit("hello")).expect("submit");
        assert_eq!(r.message_id().as_deref(), Some("id-1"));
        let d = deliver();
        let req = incoming.recv_timeout(WAIT).expect("a delivery in time");
        assert_eq!(text_of(&req.frame), "receipt");
        req.respond_ok().expect("respond");
        assert!(delivered(&outcome_of(d)));
        client.unbind().expect("unbind");
    });
}
