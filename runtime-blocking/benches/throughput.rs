//! submit_sm throughput over loopback: one bind, window 256, pipelined tickets, against the
//! blocking server with a trivial handler; then the memory of idle bound sessions.
//!
//! `cargo bench -p smpp-blocking --bench throughput [-- MESSAGES [IDLE_BINDS]]`
//! (defaults: 200 000 messages, 200 idle binds).

use smpp_blocking::core::pdu::CommandId;
use smpp_blocking::core::pdu::{Address, Body, SubmitSm};
use smpp_blocking::core::{CommandStatus, Frame};
use smpp_blocking::{BindRequest, Client, ClientConfig, Reply, RequestContext, Server};
use smpp_blocking::{ServerConfig, Ticket};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn quiet(session: &mut smpp_blocking::core::session::SessionConfig) {
    session.enquire_link_interval = None;
    session.inactivity_timeout = None;
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let messages: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let idle_binds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    const WINDOW: usize = 256;

    let mut sc = ServerConfig::default();
    quiet(&mut sc.session);
    sc.session.peer_window = WINDOW;
    let server = Server::bind(
        "127.0.0.1:0",
        sc,
        |_: &BindRequest| Ok::<(), CommandStatus>(()),
        |_: &RequestContext, _: &Frame| Reply::ok_message_id("1"),
    )
    .expect("server");

    let mut cfg = ClientConfig::new("bench", "pw");
    quiet(&mut cfg.session);
    cfg.session.window = WINDOW;
    let (client, _incoming) = Client::connect(server.local_addr(), cfg.clone()).expect("bind");
    let body = Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Bench"),
        destination: Address::international("447700900123"),
        short_message: b"Hello from the throughput benchmark",
        ..Default::default()
    });

    let run = |n: usize| -> Duration {
        let start = Instant::now();
        let mut q: VecDeque<Ticket> = VecDeque::with_capacity(WINDOW);
        for _ in 0..n {
            if q.len() >= WINDOW {
                let r = q.pop_front().unwrap().wait().expect("response");
                assert!(r.status().is_ok());
            }
            q.push_back(client.submit(&body).expect("submit"));
        }
        for t in q {
            assert!(t.wait().expect("response").status().is_ok());
        }
        start.elapsed()
    };
    run(messages / 10); // warm-up
    let mut best = 0.0f64;
    for round in 1..=3 {
        let took = run(messages);
        let rate = messages as f64 / took.as_secs_f64();
        best = best.max(rate);
        println!(
            "round {round}: {messages} submit_sm in {:.3} s: {:.0} msgs/s",
            took.as_secs_f64(),
            rate
        );
    }
    println!("best: {best:.0} msgs/s (window {WINDOW}, one bind, loopback)");
    let c = client.counters();
    assert_eq!(
        c.requests_sent.get(CommandId::SubmitSm),
        c.responses_received.get(CommandId::SubmitSmResp)
    );
    let served = &server.sessions()[0].counters;
    println!(
        "server side: {} submit_sm received, {} submit_sm_resp sent",
        served.requests_received.get(CommandId::SubmitSm),
        served.responses_sent.get(CommandId::SubmitSmResp)
    );
    assert_eq!(
        served.responses_sent.get(CommandId::SubmitSmResp),
        c.requests_sent.get(CommandId::SubmitSm)
    );
    client.unbind().expect("unbind");

    // Memory per idle bound session: both ends live in this process, so the delta covers
    // one client session and one server session per bind.
    std::thread::sleep(Duration::from_millis(200));
    let before = rss_kib();
    let mut clients = Vec::with_capacity(idle_binds);
    let mut idle_cfg = ClientConfig::new("idle", "pw");
    quiet(&mut idle_cfg.session);
    for i in 0..idle_binds {
        let mut c = idle_cfg.clone();
        c.system_id = format!("idle{}", i % 50);
        clients.push(Client::connect(server.local_addr(), c).expect("idle bind"));
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_kib();
    if let (Some(b), Some(a)) = (before, after) {
        let per = (a.saturating_sub(b)) as f64 / idle_binds as f64;
        println!(
            "{idle_binds} idle binds (default window 10): RSS {b} KiB -> {a} KiB: \
             {per:.1} KiB per bind (client + server session, 6 threads)"
        );
    }
    assert_eq!(server.sessions().len(), idle_binds);
    for (c, _) in &clients {
        c.unbind().expect("unbind");
    }
    server.shutdown(Duration::from_secs(5));
}
