//! Client and server on one current-thread runtime: nothing may block its only thread.

mod common;

use common::*;
use smpp_tokio::{Client, DeliveryOutcome, LinkState, Server};
use std::time::Duration;

#[tokio::test(flavor = "current_thread")]
async fn client_and_server_on_one_thread() {
    let server = Server::bind("127.0.0.1:0", server_config(), auth, handler)
        .await
        .expect("listens");
    let (client, mut incoming) = Client::connect(server.local_addr(), client_config("acme"))
        .await
        .expect("binds");
    assert!(matches!(client.state(), LinkState::Bound(_)));
    assert_eq!(client.peer_addr(), Some(server.local_addr()));

    // A window of pipelined submits, then one more with backpressure.
    let mut pending = Vec::new();
    for _ in 0..32 {
        pending.push(client.send_pipelined(&submit("hello")).await.expect("sent"));
    }
    for f in pending {
        assert_eq!(
            f.await.expect("answered").message_id().as_deref(),
            Some("id-1")
        );
    }

    // A receipt to the client, answered.
    let d = server.deliver("acme", &receipt("receipt")).expect("queued");
    let req = tokio::time::timeout(WAIT, incoming.recv())
        .await
        .expect("in time")
        .expect("open");
    assert_eq!(text_of(&req.frame), "receipt");
    req.respond_ok().expect("respond");
    let outcome = tokio::time::timeout(WAIT, d).await.expect("in time");
    assert!(
        matches!(outcome, Ok(DeliveryOutcome::Delivered { .. })),
        "{outcome:?}"
    );

    // The state stream ends after Closed.
    let mut states = client.state_changes();
    client.unbind().await.expect("unbind");
    let mut last = None;
    while let Some(s) = states.recv().await {
        last = Some(s);
    }
    assert!(matches!(last, Some(LinkState::Closed(_))), "{last:?}");
    assert!(
        incoming.recv().await.is_none(),
        "incoming ends with the client"
    );
    server.shutdown(Duration::from_secs(2)).await;
    assert_eq!(server.connection_count(), 0);
}
