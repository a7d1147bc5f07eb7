//! Heap allocations per request/response pair once a session is warmed up: none.
//!
//! A counting global allocator wraps the system one for this test binary only. The driver
//! below moves octets with `poll_transmit` / `advance_transmit` (no buffer handed out) and
//! both sides keep their events drained, as a real driver does.
#![cfg(feature = "alloc")]

use smpp_core::pdu::{Address, Bind, Body, MessageIdResp, SubmitSm};
use smpp_core::session::{BindType, Event, Session, SessionConfig};
use smpp_core::{CommandStatus, Instant};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

struct Counting;

thread_local! {
    /// Counting is on for the measuring thread only (the test harness allocates on others).
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn pump(from: &mut Session, to: &mut Session, now: Instant) {
    while let Some(out) = from.poll_transmit() {
        let n = out.len();
        to.handle_input(now, out);
        from.advance_transmit(n);
    }
}

/// One submit_sm and its response through both sessions; returns true when it was answered
/// `ESME_ROK`.
fn round_trip(esme: &mut Session, smsc: &mut Session, now: Instant, body: &Body<'_>) -> bool {
    let seq = esme.send(now, body).expect("send");
    pump(esme, smsc, now);
    let mut request = None;
    while let Some(ev) = smsc.poll_event() {
        if let Event::Request { frame, .. } = ev {
            request = Some(frame.sequence_number());
        }
    }
    let resp = Body::SubmitSmResp(MessageIdResp::new(b"0123456789abcdef"));
    smsc.respond(
        now,
        request.expect("request"),
        CommandStatus::ESME_ROK,
        &resp,
    )
    .expect("respond");
    pump(smsc, esme, now);
    let mut ok = false;
    while let Some(ev) = esme.poll_event() {
        if let Event::Response { frame, .. } = ev {
            ok = frame.sequence_number() == seq && frame.command_status().is_ok();
        }
    }
    ok
}

fn measure(throttle_retries: u32) -> (u64, u64) {
    // The counter sees this thread's allocations.
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    drop(std::hint::black_box(Vec::<u8>::with_capacity(16)));
    COUNTING.with(|c| c.set(false));
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 1, "the counter counts");
    let now = Instant::ZERO;
    let esme_cfg = SessionConfig {
        window: 64,
        throttle_retries,
        enquire_link_interval: None,
        ..SessionConfig::esme()
    };
    let smsc_cfg = SessionConfig {
        enquire_link_interval: None,
        inactivity_timeout: None,
        ..SessionConfig::smsc()
    };
    let mut esme = Session::new(esme_cfg, now);
    let mut smsc = Session::new(smsc_cfg, now);
    esme.bind(now, BindType::Transceiver, &Bind::new("esme", "secret"))
        .unwrap();
    pump(&mut esme, &mut smsc, now);
    assert!(matches!(smsc.poll_event(), Some(Event::BindRequest { .. })));
    smsc.accept_bind(now, b"smsc", None).unwrap();
    pump(&mut smsc, &mut esme, now);
    assert!(matches!(esme.poll_event(), Some(Event::Bound { .. })));
    let text = [b'x'; 60];
    let body = Body::SubmitSm(SubmitSm {
        source: Address::international("447700900001"),
        destination: Address::international("447700900123"),
        short_message: &text,
        ..Default::default()
    });
    // Warm up: buffers and queues reach their working sizes.
    for _ in 0..64 {
        assert!(round_trip(&mut esme, &mut smsc, now, &body));
    }
    let pairs = 10_000u64;
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.with(|c| c.set(true));
    let mut ok = 0;
    for _ in 0..pairs {
        ok += u64::from(round_trip(&mut esme, &mut smsc, now, &body));
    }
    COUNTING.with(|c| c.set(false));
    assert_eq!(ok, pairs);
    (ALLOCATIONS.load(Ordering::Relaxed), pairs)
}

#[test]
fn no_heap_allocation_per_request_response_pair() {
    for retries in [0, 3] {
        let (allocations, pairs) = measure(retries);
        assert_eq!(
            allocations, 0,
            "throttle_retries {retries}: {allocations} heap allocations over {pairs} request/response pairs"
        );
    }
}
