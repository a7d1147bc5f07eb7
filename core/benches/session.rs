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
//! The variants: window 256 on the heap (the application answering, or `auto_respond`), and
//! window 8 on the heap and in fixed capacities without allocation
//! (`Fixed<8, 4096, 16, 8192, 8192, 4096, 16>`, and the same with 512-octet PDUs), with the
//! same loop in the same run. The
//! octets move with `poll_transmit` -> `handle_input` -> `advance_transmit` (no copy, any
//! storage; the heap variants use `take_transmit`, as the runtimes do).
//!
//! A plain `main` (no harness). Run with `cargo bench -p smpp-core --bench session`;
//! `BENCH_PAIRS=<n>` changes the pairs per run (default 3,000,000), `BENCH_RUNS=<n>` the
//! number of runs (best reported, default 5), `BENCH_FILTER=<text>` runs only the variants
//! whose name contains `<text>` (`=<name>`: only that one; for profiling).

use smpp_core::pdu::{Address, Bind, Body, MessageIdResp, SubmitSm};
use smpp_core::session::{BindType, Event, Fixed, Heap, Session, SessionConfig, Storage};
use smpp_core::{CommandStatus, Instant};
use std::any::Any;
use std::hint::black_box;

/// The fixed capacities measured: window 8, PDUs up to 4 KiB, 16 events, 8 KiB buffers.
type Small = Fixed<8, 4096, 16, 8192, 8192, 4096, 16>;
/// The same with PDUs up to 512 octets (a fixed frame is moved whole: smaller is cheaper).
type Tiny = Fixed<8, 512, 16, 8192, 8192, 4096, 16>;
const TEXT: &[u8; 60] = b"Your verification code is 493817. It expires in ten minutes.";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Moves everything `from` wrote into `to`: on the heap with `take_transmit` (an owned
/// buffer, as the runtimes do), otherwise with `poll_transmit` and `advance_transmit`.
fn transfer<S: Storage + 'static>(from: &mut Session<S>, to: &mut Session<S>, now: Instant) {
    if let Some(from) = (from as &mut dyn Any).downcast_mut::<Session<Heap>>() {
        while let Some(out) = from.take_transmit() {
            to.handle_input(now, &out);
        }
        return;
    }
    while let Some(out) = from.poll_transmit() {
        let n = out.len();
        to.handle_input(now, out);
        from.advance_transmit(n);
    }
}

/// A bound pair.
fn bound_pair<S: Storage + 'static>(
    window: usize,
    auto_respond: bool,
) -> (Box<Session<S>>, Box<Session<S>>) {
    let now = Instant::ZERO;
    let esme_cfg = SessionConfig {
        window,
        enquire_link_interval: None,
        ..SessionConfig::esme()
    };
    let smsc_cfg = SessionConfig {
        window,
        peer_window: window,
        enquire_link_interval: None,
        inactivity_timeout: None,
        auto_respond,
        ..SessionConfig::smsc()
    };
    let mut esme = Box::new(Session::<S>::new_in(esme_cfg, now));
    let mut smsc = Box::new(Session::<S>::new_in(smsc_cfg, now));
    esme.bind(now, BindType::Transceiver, &Bind::new("bench", "secret"))
        .expect("bind");
    transfer(&mut esme, &mut smsc, now);
    match smsc.poll_event() {
        Some(Event::BindRequest { .. }) => smsc.accept_bind(now, b"smsc", None).expect("accept"),
        other => panic!("expected a bind request, got {other:?}"),
    }
    transfer(&mut smsc, &mut esme, now);
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
fn run<S: Storage + 'static>(
    esme: &mut Session<S>,
    smsc: &mut Session<S>,
    pairs: u64,
) -> std::time::Duration {
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
        transfer(esme, smsc, now);
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
        transfer(smsc, esme, now);
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

/// Measures one variant: the best of `runs` runs of `pairs` pairs, after a warm-up.
fn measure<S: Storage + 'static>(name: &str, window: usize, auto: bool, pairs: u64, runs: u64) {
    let (mut esme, mut smsc) = bound_pair::<S>(window, auto);
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
        "  {name:<26} {:>8.2} M pairs/s  ({:>6.1} ns/pair)",
        rate / 1e6,
        best * 1e9 / pairs as f64
    );
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let pairs = env_u64("BENCH_PAIRS", 3_000_000);
    let runs = env_u64("BENCH_RUNS", 5).max(1);
    let filter = std::env::var("BENCH_FILTER").ok();
    println!(
        "session: request/response pairs through a bound in-memory pair, {pairs} pairs per \
         run, best of {runs}"
    );
    // `BENCH_FILTER=text` runs the variants whose name contains it; `=name` only that one.
    let wanted = |name: &str| {
        filter.as_deref().is_none_or(|f| match f.strip_prefix('=') {
            Some(exact) => name == exact,
            None => name.contains(f),
        })
    };
    type Variant = (&'static str, usize, bool, fn(&str, usize, bool, u64, u64));
    let variants: [Variant; 6] = [
        ("app respond", 256, false, measure::<Heap>),
        ("auto_respond", 256, true, measure::<Heap>),
        ("heap w8 app respond", 8, false, measure::<Heap>),
        ("fixed w8 app respond", 8, false, measure::<Small>),
        ("fixed w8 auto_respond", 8, true, measure::<Small>),
        ("fixed w8 pdu512 app respond", 8, false, measure::<Tiny>),
    ];
    for (name, window, auto, f) in variants {
        if wanted(name) {
            f(name, window, auto, pairs, runs);
        }
    }
    println!(
        "  size_of::<Session<Fixed<8, 4096, 16, 8192, 8192, 4096, 16>>>() = {} octets; \
         size_of::<Session<Heap>>() = {} octets",
        std::mem::size_of::<Session<Small>>(),
        std::mem::size_of::<Session<Heap>>()
    );
}
