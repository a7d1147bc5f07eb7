//! Heap allocations per message through each runtime's client and server over loopback,
//! once warmed up: a small bound, measured here and documented in `BENCHMARKS.md`.
//!
//! A counting global allocator wraps the system one for this test binary. It counts on
//! every thread (the runtimes' tasks and threads included) while a client pipelines
//! submit_sm to a server of the same runtime; the count includes the harness's own
//! per-request bookkeeping, so the figure is an upper bound on the runtime's.

use smpp_conformance::{
    client_config, server_config, Accounts, ClientUnderTest, HandlerPolicy, Runtime,
    ServerUnderTest,
};
use smpp_core::pdu::{Address, Body, SubmitSm};
use smpp_core::session::BindType;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// One measurement at a time (the test harness runs tests on parallel threads).
static ONE: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The documented bound: heap allocations per submit_sm and its response, client and server
/// together, harness included (see `BENCHMARKS.md`).
const BOUND: f64 = 8.0;

fn per_message<R: Runtime>() -> f64 {
    let _one = ONE.lock().unwrap_or_else(|e| e.into_inner());
    let server = R::start_server(
        server_config(),
        Accounts::standard(),
        HandlerPolicy::message_id(),
    );
    let mut config = client_config("acme", BindType::Transceiver);
    config.session.window = 64;
    let c = R::connect(server.local_addr(), config).expect("bind");
    let text = [b'x'; 60];
    let body = Body::SubmitSm(SubmitSm {
        source: Address::international("447700900001"),
        destination: Address::international("447700900123"),
        short_message: &text,
        ..Default::default()
    });
    let batch: Vec<Body<'_>> = vec![body; 64];
    for _ in 0..20 {
        assert!(c.send_all(&batch).iter().all(|r| r.is_ok()));
    }
    let rounds = 100;
    ALLOCATIONS.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    for _ in 0..rounds {
        let results = c.send_all(&batch);
        assert!(results.iter().all(|r| r.is_ok()));
    }
    COUNTING.store(false, Ordering::Relaxed);
    let n = ALLOCATIONS.load(Ordering::Relaxed) as f64 / (rounds * batch.len()) as f64;
    c.unbind().expect("unbind");
    eprintln!("{:?}: {n:.2} heap allocations per message", R::KIND);
    n
}

#[test]
fn smol_allocations_per_message_are_bounded() {
    let n = per_message::<smpp_conformance::SmolRuntime>();
    assert!(n <= BOUND, "{n:.2} > {BOUND}");
}

#[test]
fn tokio_allocations_per_message_are_bounded() {
    let n = per_message::<smpp_conformance::TokioRuntime>();
    assert!(n <= BOUND, "{n:.2} > {BOUND}");
}

#[test]
fn blocking_allocations_per_message_are_bounded() {
    let n = per_message::<smpp_conformance::BlockingRuntime>();
    assert!(n <= BOUND, "{n:.2} > {BOUND}");
}
