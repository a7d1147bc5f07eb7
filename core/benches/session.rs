//! Session benchmark: request/response pairs per second through an in-memory ESME/SMSC pair.
//!
//! Both sessions are bound (transceiver), the window is `WINDOW` and enquire_link is off. Each
//! round the ESME fills its window with a typical `submit_sm` (source "Sender", destination
//! "447700900123", 60 octets of text), the octets move with `take_transmit` ->
//! `handle_input`, the SMSC application answers every `Request` with a `submit_sm_resp`
//! carrying a message id (or the SMSC answers by itself with `auto_respond: true`), the
//! octets move back, and the ESME drains its events. One pair is one `submit_sm` sent and
//! its `Response` event received. Everything runs on one thread.
//!
//! A plain `main` (no harness). Run with `cargo bench -p smpp-core --bench session`;
//! `BENCH_PAIRS=<n>` changes the pairs per run (default 3,000,000), `BENCH_RUNS=<n>` the
//! number of runs (best reported, default 5), `BENCH_FILTER=<text>` runs only the variants
//! whose name contains `<text>` (for profiling).

use smpp_core::pdu::{Address, Bind, Body, MessageIdResp, SubmitSm};
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

/// A bound pair.
fn bound_pair(auto_respond: bool) -> (Session, Session) {
    let now = Instant::ZERO;
    let esme_cfg = SessionConfig {
        window: WINDOW,
        enquire_link_interval: None,
        ..SessionConfig::esme()
    };
    let smsc_cfg = SessionConfig {
        window: WINDOW,
        peer_window: WINDOW,
        enquire_link_interval: None,
        inactivity_timeout: None,
        auto_respond,
        ..SessionConfig::smsc()
    };
    let mut esme = Session::new(esme_cfg, now);
    let mut smsc = Session::new(smsc_cfg, now);
    esme.bind(now, BindType::Transceiver, &Bind::new("bench", "secret"))
        .expect("bind");
    while let Some(b) = esme.take_transmit() {
        smsc.handle_input(now, &b);
    }
    match smsc.poll_event() {
        Some(Event::BindRequest { .. }) => smsc.accept_bind(now, b"smsc", None).expect("accept"),
        other => panic!("expected a bind request, got {other:?}"),
    }
    while let Some(b) = smsc.take_transmit() {
        esme.handle_input(now, &b);
    }
    match esme.poll_event() {
        Some(Event::Bound { .. }) => {}
        other => panic!("expected Bound, got {other:?}"),
    }
    (esme, smsc)
}

/// Formats `n` as 16 hex digits (a realistic message id).
fn message_id(n: u64, buf: &mut [u8; 16]) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in buf.iter_mut().enumerate() {
        *b = HEX[((n >> (60 - 4 * i)) & 0xF) as usize];
    }
    &buf[..]
}

/// Runs `pairs` request/response pairs; returns the elapsed time.
fn run(esme: &mut Session, smsc: &mut Session, pairs: u64) -> std::time::Duration {
    let now = Instant::from_millis(1);
    let body = Body::SubmitSm(SubmitSm {
        source: Address::alphanumeric("Sender"),
        destination: Address::international("447700900123"),
        short_message: TEXT,
        ..Default::default()
    });
    let mut sent = 0u64;
    let mut done = 0u64;
    let mut next_id = 0u64;
    let mut id_buf = [0u8; 16];
    let start = std::time::Instant::now();
    while done < pairs {
        while sent < pairs && !esme.is_window_full() {
            black_box(esme.send(now, &body).expect("send"));
            sent += 1;
        }
        while let Some(b) = esme.take_transmit() {
            smsc.handle_input(now, &b);
        }
        while let Some(ev) = smsc.poll_event() {
            if let Event::Request {
                frame,
                auto_responded: false,
            } = &ev
            {
                next_id += 1;
                let id = message_id(next_id, &mut id_buf);
                smsc.respond(
                    now,
                    frame.sequence_number(),
                    CommandStatus::ESME_ROK,
                    &Body::SubmitSmResp(MessageIdResp::new(id)),
                )
                .expect("respond");
            }
            black_box(ev);
        }
        while let Some(b) = smsc.take_transmit() {
            esme.handle_input(now, &b);
        }
        while let Some(ev) = esme.poll_event() {
            if matches!(ev, Event::Response { .. }) {
                done += 1;
            } else {
                panic!("unexpected event {ev:?}");
            }
            black_box(ev);
        }
    }
    start.elapsed()
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let pairs = env_u64("BENCH_PAIRS", 3_000_000);
    let runs = env_u64("BENCH_RUNS", 5).max(1);
    let filter = std::env::var("BENCH_FILTER").ok();
    println!(
        "session: request/response pairs through a bound in-memory pair (window {WINDOW}), \
         {pairs} pairs per run, best of {runs}"
    );
    for (name, auto) in [("app respond", false), ("auto_respond", true)] {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let (mut esme, mut smsc) = bound_pair(auto);
        // Warm-up.
        run(&mut esme, &mut smsc, (pairs / 10).max(1));
        let mut best = f64::MAX;
        for _ in 0..runs {
            let t = run(&mut esme, &mut smsc, pairs).as_secs_f64();
            best = best.min(t);
        }
        assert!(!esme.is_closed() && !smsc.is_closed());
        assert_eq!(esme.in_flight(), 0);
        let rate = pairs as f64 / best;
        println!(
            "  {name:<14} {:>8.2} M pairs/s  ({:>6.1} ns/pair)",
            rate / 1e6,
            best * 1e9 / pairs as f64
        );
    }
}
