//! The load loop every client runs on each of its binds: up to `window` `submit_sm` in
//! flight, a new one sent as soon as one is answered, until `count` were sent and all
//! were answered.

use crate::counters::Counters;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::future::Future;

/// Sends `count` requests with `send` (each future sends one and resolves with its
/// outcome: `Err` names a failure) keeping at most `window` unresolved, and counts each
/// outcome in `counters`.
pub async fn pipeline<F, Fut>(count: u64, window: usize, mut send: F, counters: &Counters)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let mut in_flight = FuturesUnordered::new();
    let mut sent = 0u64;
    loop {
        while in_flight.len() < window.max(1) && sent < count {
            in_flight.push(send());
            sent += 1;
        }
        match in_flight.next().await {
            Some(Ok(())) => counters.ok(),
            Some(Err(e)) => counters.error(|| e),
            None => return,
        }
    }
}
