//! submit_sm throughput over loopback against the smol `Server` with a trivial handler, and
//! the memory of idle bound sessions.
//!
//! ```text
//! cargo bench -p smpp-smol --bench throughput [-- MESSAGES]
//! SMOL_THREADS=2 cargo bench -p smpp-smol --bench throughput
//! cargo bench -p smpp-smol --features tls --bench throughput   # adds the TLS variant
//! ```
//!
//! Client and server run in this one process: one bind with a window of 256
//! (`send_pipelined`), then 4 binds of the same account sharing the messages, then 200 idle
//! binds for the resident-memory delta (both ends of each link are in the process). With
//! the `tls` feature, the one-bind run is repeated over TLS (a listener of the same server,
//! certificate generated at start, TLS 1.3 with the ring provider).

use smpp_smol::core::pdu::{Address, Body, SubmitSm};
use smpp_smol::core::session::SessionConfig;
use smpp_smol::core::{CommandStatus, Frame};
use smpp_smol::{BindRequest, Client, ClientConfig, Reply, RequestContext, Server, ServerConfig};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const WINDOW: usize = 256;

fn auth(_req: &BindRequest) -> Result<(), CommandStatus> {
    Ok(())
}

fn handler(_ctx: &RequestContext, _req: &Frame) -> Reply {
    Reply::ok_message_id("0123456789")
}

fn client_config() -> ClientConfig {
    let mut c = ClientConfig::new("bench", "pw");
    c.session = SessionConfig::esme();
    c.session.window = WINDOW;
    c.session.enquire_link_interval = None;
    c
}

fn body() -> Body<'static> {
    Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Bench"),
        destination: Address::international("447700900123"),
        short_message: b"Hello from the throughput benchmark",
        ..Default::default()
    })
}

/// Sends `n` messages keeping `WINDOW` outstanding; returns how many were answered OK.
async fn pump(client: &Client, n: usize) -> usize {
    let body = body();
    let mut pending = VecDeque::with_capacity(WINDOW);
    let mut ok = 0;
    for _ in 0..n {
        if pending.len() == WINDOW {
            let f: smpp_smol::ResponseFuture = pending.pop_front().unwrap();
            ok += usize::from(f.await.map(|r| r.status().is_ok()).unwrap_or(false));
        }
        pending.push_back(client.send_pipelined(&body).await.expect("send"));
    }
    for f in pending {
        ok += usize::from(f.await.map(|r| r.status().is_ok()).unwrap_or(false));
    }
    ok
}

async fn run_binds(addr: SocketAddr, binds: usize, total: usize) -> f64 {
    let mut clients = Vec::new();
    for _ in 0..binds {
        let (c, _incoming) = Client::connect(addr, client_config()).await.expect("bind");
        clients.push(c);
    }
    // Warm up.
    for c in &clients {
        pump(c, 2_000).await;
    }
    let per = total / binds;
    let start = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .map(|c| {
            let c = c.clone();
            smol::spawn(async move { pump(&c, per).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        ok += t.await;
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(ok, per * binds, "every message answered ESME_ROK");
    for c in &clients {
        c.unbind().await.expect("unbind");
    }
    (per * binds) as f64 / secs
}

/// One bind over TLS to `addr`, `total` messages with the same window; msgs/s.
#[cfg(feature = "tls")]
async fn run_tls(addr: SocketAddr, ca_pem: &str, total: usize) -> f64 {
    let ca = smpp_smol::TlsClientConfig::ca_pem(ca_pem.as_bytes()).expect("CA");
    let (client, _incoming) = Client::connect_tls(addr, client_config(), ca)
        .await
        .expect("TLS bind");
    pump(&client, 2_000).await;
    let start = Instant::now();
    let ok = pump(&client, total).await;
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(ok, total, "every message answered ESME_ROK");
    client.unbind().await.expect("unbind");
    total as f64 / secs
}

/// A self-signed certificate for 127.0.0.1: (certificate PEM, key PEM).
#[cfg(feature = "tls")]
fn self_signed() -> (String, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("cert");
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let total: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(300_000);
    smol::block_on(async {
        let mut config = ServerConfig::default();
        config.session.window = WINDOW;
        // Must cover the clients' window: requests beyond it are answered ESME_RTHROTTLED.
        config.session.peer_window = 4 * WINDOW;
        config.session.enquire_link_interval = None;
        config.session.inactivity_timeout = None;
        let server = Server::bind("127.0.0.1:0", config, auth, handler)
            .await
            .expect("server");
        let addr = server.local_addr();
        println!(
            "smol executor threads: {}",
            std::env::var("SMOL_THREADS").unwrap_or_else(|_| "1 (default)".into())
        );

        let rate = run_binds(addr, 1, total).await;
        println!(
            "1 bind,  window {WINDOW}: {total} submit_sm in {:.2} s = {rate:.0} msgs/s",
            total as f64 / rate
        );
        #[cfg(feature = "tls")]
        {
            let (cert, key) = self_signed();
            let tls = smpp_smol::TlsServerConfig::from_pem(cert.as_bytes(), key.as_bytes())
                .expect("TLS server config");
            let tls_addr = server
                .add_tls_listener("127.0.0.1:0", tls)
                .await
                .expect("TLS listener");
            let tls_rate = run_tls(tls_addr, &cert, total).await;
            println!(
                "1 bind,  window {WINDOW}, TLS: {total} submit_sm in {:.2} s = {tls_rate:.0} msgs/s \
                 ({:.0}% of plain)",
                total as f64 / tls_rate,
                100.0 * tls_rate / rate
            );
        }
        let rate = run_binds(addr, 4, total).await;
        println!(
            "4 binds, window {WINDOW}: {total} submit_sm in {:.2} s = {rate:.0} msgs/s",
            total as f64 / rate
        );

        // Memory of idle bound sessions (client and server ends both in this process).
        const IDLE: usize = 200;
        async_io::Timer::after(Duration::from_millis(200)).await;
        let before = rss_kib();
        let mut idle = Vec::new();
        let mut cfg = client_config();
        cfg.session.window = 10;
        for _ in 0..IDLE {
            idle.push(Client::connect(addr, cfg.clone()).await.expect("bind"));
        }
        async_io::Timer::after(Duration::from_millis(200)).await;
        let after = rss_kib();
        if let (Some(b), Some(a)) = (before, after) {
            let per = (a.saturating_sub(b)) as f64 / IDLE as f64;
            println!(
                "{IDLE} idle binds: RSS {b} KiB -> {a} KiB, {per:.1} KiB per bind (client + server ends)"
            );
        }
        assert_eq!(server.sessions().len(), IDLE);
        for (c, _) in &idle {
            c.unbind().await.expect("unbind");
        }
        server.shutdown(Duration::from_secs(5)).await;
    });
}
