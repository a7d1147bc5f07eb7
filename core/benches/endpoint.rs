//! SMSC endpoint benchmark: N bound ESME sessions against one in-memory `server::Endpoint`.
//!
//! Each ESME is a transceiver with window `WINDOW`. Two workloads:
//! - `submit`: every round each ESME fills its window with a typical `submit_sm`; the octets
//!   move to the endpoint (`handle_input`), the application answers every
//!   `ConnEvent::Request` with `Reply::ok_message_id` (`reply`), the octets move back and
//!   the ESMEs drain their responses. One pair is one `submit_sm` and its response.
//! - `deliver`: the application hands `deliver_sm` messages for the account to the
//!   endpoint (`deliver`), which routes them round robin over the N binds through its
//!   delivery queue; the ESMEs answer each with `deliver_sm_resp`, and one pair is one
//!   `ServerEvent::Delivery` with `Delivered`.
//!
//! A plain `main` (no harness). Run with `cargo bench -p smpp-core --bench endpoint`;
//! `BENCH_PAIRS=<n>` changes the pairs per run (default 2,000,000), `BENCH_RUNS=<n>` the
//! number of runs (best reported, default 3), `BENCH_BINDS=<list>` the session counts
//! (default `1,4,64`).

use smpp_core::pdu::{Address, Bind, Body, DeliverSm, MessageIdResp, SubmitSm};
use smpp_core::server::{
    BindId, ConnEvent, DeliveryOutcome, Endpoint, Reply, ServerConfig, ServerEvent,
};
use smpp_core::session::{BindType, Event, Session, SessionConfig};
use smpp_core::{CommandStatus, Instant};
use std::hint::black_box;

const WINDOW: usize = 256;
const TEXT: &[u8; 60] = b"Your verification code is 493817. It expires in ten minutes.";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

struct Rig {
    ep: Endpoint,
    esmes: Vec<(BindId, Session)>,
}

fn rig(binds: usize) -> Rig {
    let now = Instant::ZERO;
    let mut config = ServerConfig::default();
    config.session.window = WINDOW;
    config.session.peer_window = WINDOW;
    config.session.enquire_link_interval = None;
    config.session.inactivity_timeout = None;
    config.delivery.per_account = 1 << 20;
    config.delivery.total = 1 << 20;
    let mut ep = Endpoint::new(config, now);
    let mut esmes = Vec::new();
    for i in 0..binds {
        let peer = format!("127.0.0.1:{}", 10_000 + i).parse().expect("addr");
        let id = ep.accept(now, peer).expect("accept");
        let esme_cfg = SessionConfig {
            window: WINDOW,
            peer_window: WINDOW,
            enquire_link_interval: None,
            ..SessionConfig::esme()
        };
        let mut esme = Session::new(esme_cfg, now);
        esme.bind(now, BindType::Transceiver, &Bind::new("bench", "secret"))
            .expect("bind");
        ep.handle_input(now, id, &esme.take_transmit().expect("bind pdu"));
        match ep.poll_request(id) {
            Some(ConnEvent::Authenticate(_)) => ep.authenticated(now, id, Ok(())),
            other => panic!("expected a bind to authenticate, got {other:?}"),
        }
        esme.handle_input(now, &ep.take_transmit(id).expect("bind_resp"));
        assert!(matches!(esme.poll_event(), Some(Event::Bound { .. })));
        esmes.push((id, esme));
    }
    while ep.poll_event().is_some() {}
    Rig { ep, esmes }
}

/// Formats `n` as 16 hex digits (a realistic message id).
fn message_id(n: u64, buf: &mut [u8; 16]) -> &str {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in buf.iter_mut().enumerate() {
        *b = HEX[((n >> (60 - 4 * i)) & 0xF) as usize];
    }
    std::str::from_utf8(&buf[..]).unwrap_or("0")
}

fn submit(r: &mut Rig, pairs: u64) -> std::time::Duration {
    let now = Instant::from_millis(1);
    let body = Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Sender"),
        destination: Address::international("447700900123"),
        short_message: TEXT,
        ..Default::default()
    });
    let (mut sent, mut done, mut next_id) = (0u64, 0u64, 0u64);
    let mut id_buf = [0u8; 16];
    let start = std::time::Instant::now();
    while done < pairs {
        for (id, esme) in r.esmes.iter_mut() {
            while sent < pairs && !esme.is_window_full() {
                black_box(esme.send(now, &body).expect("send"));
                sent += 1;
            }
            if let Some(b) = esme.take_transmit() {
                r.ep.handle_input(now, *id, &b);
            }
            while let Some(ev) = r.ep.poll_request(*id) {
                if let ConnEvent::Request { frame, .. } = ev {
                    next_id += 1;
                    let reply = Reply::ok_message_id(message_id(next_id, &mut id_buf));
                    let _ = r.ep.reply(
                        now,
                        *id,
                        frame.sequence_number(),
                        frame.command_id(),
                        &reply,
                    );
                }
            }
            if let Some(b) = r.ep.take_transmit(*id) {
                esme.handle_input(now, &b);
            }
            while let Some(ev) = esme.poll_event() {
                if matches!(ev, Event::Response { .. }) {
                    done += 1;
                }
                black_box(ev);
            }
        }
        while r.ep.poll_wake().is_some() {}
    }
    start.elapsed()
}

fn deliver(r: &mut Rig, pairs: u64) -> std::time::Duration {
    let now = Instant::from_millis(1);
    let body = Body::DeliverSm(DeliverSm {
        source: Address::international("447700900123"),
        destination: Address::alphanumeric("Shop"),
        short_message: TEXT,
        ..Default::default()
    });
    let (mut accepted, mut done) = (0u64, 0u64);
    let in_flight_max = (WINDOW * r.esmes.len()) as u64;
    let start = std::time::Instant::now();
    while done < pairs {
        while accepted < pairs && accepted - done < in_flight_max {
            black_box(r.ep.deliver(now, "bench", &body).expect("deliver"));
            accepted += 1;
        }
        for (id, esme) in r.esmes.iter_mut() {
            if let Some(b) = r.ep.take_transmit(*id) {
                esme.handle_input(now, &b);
            }
            while let Some(ev) = esme.poll_event() {
                if let Event::Request { frame, .. } = &ev {
                    esme.respond(
                        now,
                        frame.sequence_number(),
                        CommandStatus::ESME_ROK,
                        &Body::DeliverSmResp(MessageIdResp::EMPTY),
                    )
                    .expect("respond");
                }
                black_box(ev);
            }
            if let Some(b) = esme.take_transmit() {
                r.ep.handle_input(now, *id, &b);
            }
        }
        while let Some(ev) = r.ep.poll_event() {
            match ev {
                ServerEvent::Delivery {
                    outcome: DeliveryOutcome::Delivered { .. },
                    ..
                } => done += 1,
                ServerEvent::Delivery { outcome, .. } => panic!("not delivered: {outcome:?}"),
                other => {
                    black_box(other);
                }
            }
        }
        while r.ep.poll_wake().is_some() {}
    }
    start.elapsed()
}

fn main() {
    let pairs = env_u64("BENCH_PAIRS", 2_000_000);
    let runs = env_u64("BENCH_RUNS", 3).max(1);
    let binds: Vec<usize> = std::env::var("BENCH_BINDS")
        .unwrap_or_else(|_| "1,4,64".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    println!(
        "endpoint: N bound transceivers against one in-memory SMSC endpoint (window {WINDOW}), \
         {pairs} pairs per run, best of {runs}"
    );
    type Workload = fn(&mut Rig, u64) -> std::time::Duration;
    let workloads: [(&str, Workload); 2] = [("submit", submit), ("deliver", deliver)];
    for (name, work) in workloads {
        for &n in &binds {
            let mut r = rig(n);
            work(&mut r, (pairs / 10).max(1));
            let mut best = f64::MAX;
            for _ in 0..runs {
                best = best.min(work(&mut r, pairs).as_secs_f64());
            }
            assert_eq!(r.ep.queued_total(), 0);
            let rate = pairs as f64 / best;
            println!(
                "  {name:<8} {n:>3} binds {:>8.2} M pairs/s  ({:>6.1} ns/pair)",
                rate / 1e6,
                best * 1e9 / pairs as f64
            );
        }
    }
}
