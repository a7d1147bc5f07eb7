//! The load loop every client runs on each of its binds: up to `window` `submit_sm` in
//! flight, a slot refilled as the cell's [`Refill`] says, until `count` were sent and all
//! were answered.

use crate::counters::Counters;
use crate::matrix::Refill;
use futures_util::stream::{FuturesOrdered, FuturesUnordered, StreamExt};
use std::future::Future;

/// How each bind of a cell loads its server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    /// `submit_sm` in flight.
    pub window: usize,
    /// When a slot is refilled.
    pub refill: Refill,
    /// `registered_delivery` 1.
    pub receipts: bool,
}

/// Sends `count` requests with `send` (each future sends one and resolves with its
/// outcome: `Err` names a failure), keeping at most `load.window` unresolved, and counts
/// each outcome in `counters`. Every outstanding future is polled (so each request goes
/// out and its answer is read whatever the order); with [`Refill::Oldest`] outcomes are
/// taken, and slots refilled, in the order the requests were made.
pub async fn pipeline<F, Fut>(count: u64, load: Load, send: F, counters: &Counters)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    match load.refill {
        Refill::Oldest => {
            let mut q = FuturesOrdered::new();
            run(count, load.window, send, counters, &mut q, |q, f| {
                q.push_back(f)
            })
            .await
        }
        Refill::Any => {
            let mut q = FuturesUnordered::new();
            run(count, load.window, send, counters, &mut q, |q, f| q.push(f)).await
        }
    }
}

/// The loop over either kind of queue.
async fn run<F, Fut, Q>(
    count: u64,
    window: usize,
    mut send: F,
    counters: &Counters,
    in_flight: &mut Q,
    push: impl Fn(&mut Q, Fut),
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
    Q: futures_util::Stream<Item = Result<(), String>> + Unpin + Len,
{
    let mut sent = 0u64;
    loop {
        while in_flight.len() < window.max(1) && sent < count {
            push(in_flight, send());
            sent += 1;
        }
        match in_flight.next().await {
            Some(Ok(())) => counters.ok(),
            Some(Err(e)) => counters.error(|| e),
            None => return,
        }
    }
}

/// The number of futures in a queue.
trait Len {
    fn len(&self) -> usize;
}

impl<Fut: Future> Len for FuturesOrdered<Fut> {
    fn len(&self) -> usize {
        FuturesOrdered::len(self)
    }
}

impl<Fut> Len for FuturesUnordered<Fut> {
    fn len(&self) -> usize {
        FuturesUnordered::len(self)
    }
}
