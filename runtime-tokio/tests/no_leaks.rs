//! Nothing is left running: after the clients' unbind (or drop) and the server's shutdown
//! and drop, the runtime's task count is back to where it started.

mod common;

use common::*;
use smpp_tokio::core::Frame;
use smpp_tokio::{AsyncHandler, Client, Reply, RequestContext, Server};
use std::time::Duration;

#[test]
fn tasks_end_with_clients_and_server() {
    let rt = runtime();
    let metrics = rt.handle().metrics();
    let baseline = metrics.num_alive_tasks();
    rt.block_on(async {
        // Answers after a short sleep, so every request's handler runs on a task of its own.
        let slow_handler = AsyncHandler(|_ctx: RequestContext, _frame: Frame| async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Reply::ok_message_id("id-1")
        });
        let server = Server::bind("127.0.0.1:0", server_config(), auth, slow_handler)
            .await
            .expect("listens");
        let addr = server.local_addr();
        let (a, mut a_in) = Client::connect(addr, client_config("acme")).await.unwrap();
        let (b, _b_in) = Client::connect(addr, client_config("beta")).await.unwrap();
        assert!(metrics.num_alive_tasks() > baseline);
        a.send(&submit("hello")).await.expect("submit");
        b.send(&submit("hello")).await.expect("submit");
        let d = server.deliver("acme", &receipt("receipt")).unwrap();
        a_in.recv().await.expect("delivery").respond_ok().unwrap();
        d.await.expect("an outcome");
        // One client unbinds; the other is merely dropped (it unbinds in the background).
        a.unbind().await.unwrap();
        drop(b);
        // An outbind target that is never reached: its retries end with the server.
        let unreachable = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let target = unreachable.local_addr().unwrap();
        drop(unreachable);
        server.outbind(target, "outb", "secret");
        server.shutdown(Duration::from_secs(2)).await;
        drop(server);
    });
    wait_for(|| (metrics.num_alive_tasks() == baseline).then_some(()));
}
